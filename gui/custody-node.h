/* custody-node.h — one custodian in the custody tree
 *
 * A snapshot of what the ledger state says about a custodian (or about a
 * delegation request that has no custodian yet), taken on the main thread
 * when the tree is rebuilt: the widgets read these objects and never the
 * workspace, which a worker thread may be using.
 */
#pragma once

#include <gio/gio.h>

#include "custody-format.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_NODE (custody_node_get_type ())
G_DECLARE_FINAL_TYPE (CustodyNode, custody_node, CUSTODY, NODE, GObject)

/**
 * custody_node_new_custodian:
 * @state: the ledger state.
 * @custodian: a custodian of @state.
 * @depth: how far below the root (0 for the root).
 * @is_self: whether it is the workspace's own custodian.
 * @now: Unix seconds.
 * @expiry_window_days: see custody_health_from_status().
 *
 * Returns: (transfer full): the node.
 */
CustodyNode *custody_node_new_custodian (const ChainLedgerState *state,
                                         const ChainCustodian   *custodian,
                                         guint                   depth,
                                         gboolean                is_self,
                                         gint64                  now,
                                         guint                   expiry_window_days);

/**
 * custody_node_new_request:
 * @state: the ledger state.
 * @request: a pending delegation request of @state.
 * @depth: the depth the custodian would have.
 *
 * Returns: (transfer full): a node with %CUSTODY_HEALTH_REQUESTED.
 */
CustodyNode *custody_node_new_request (const ChainLedgerState   *state,
                                       const ChainLedgerRequest *request,
                                       guint                     depth);

const char *custody_node_get_id (CustodyNode *self);
const char *custody_node_get_name (CustodyNode *self);
/** Returns: (nullable): the parent's custodian id; %NULL for the root. */
const char *custody_node_get_parent_id (CustodyNode *self);
guint custody_node_get_depth (CustodyNode *self);
CustodyHealth custody_node_get_health (CustodyNode *self);
gboolean custody_node_get_is_self (CustodyNode *self);
/** Returns: devices its CAs issued. */
guint64 custody_node_get_n_devices (CustodyNode *self);
/** Returns: (transfer none): one line under the name: tier, devices, expiry. */
const char *custody_node_get_summary (CustodyNode *self);

/**
 * custody_node_get_fields:
 *
 * Returns: (transfer none) (element-type CustodyField): the details:
 *   organisation, id, tier, status, the current CA (subject, key,
 *   validity, path length, name constraints, thumbprints), devices issued,
 *   officers; for a request, what was asked and the approvals so far.
 */
GPtrArray *custody_node_get_fields (CustodyNode *self);

G_END_DECLS
