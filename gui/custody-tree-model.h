/* custody-tree-model.h — the custody tree as a flat list in tree order
 *
 * A GListModel of CustodyNode: the root custodian first, then each
 * custodian followed by everything below it (depth-first, children in the
 * order the ledger added them), pending delegation requests under the
 * custodian they were made to. Rows indent by CustodyNode:depth, which
 * keeps the list usable on a narrow window.
 */
#pragma once

#include <gio/gio.h>

#include "custody-node.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_TREE_MODEL (custody_tree_model_get_type ())
G_DECLARE_FINAL_TYPE (CustodyTreeModel, custody_tree_model, CUSTODY, TREE_MODEL, GObject)

/** Returns: (transfer full): an empty tree. */
CustodyTreeModel *custody_tree_model_new (void);

/**
 * custody_tree_model_rebuild:
 * @self: the tree.
 * @state: (nullable): the ledger state; %NULL empties the tree.
 * @self_id: (nullable): the workspace's own custodian id.
 * @now: Unix seconds.
 * @expiry_window_days: see custody_health_from_status().
 *
 * Replaces every node with a snapshot of @state.
 */
void custody_tree_model_rebuild (CustodyTreeModel       *self,
                                 const ChainLedgerState *state,
                                 const char             *self_id,
                                 gint64                  now,
                                 guint                   expiry_window_days);

/**
 * custody_tree_model_find:
 * @self: the tree.
 * @id: a custodian id.
 * @out_position: (out) (optional): where it is.
 *
 * Returns: (transfer none) (nullable): the node for @id.
 */
CustodyNode *custody_tree_model_find (CustodyTreeModel *self,
                                      const char       *id,
                                      guint            *out_position);

/** Returns: how many nodes have @health. */
guint custody_tree_model_count_health (CustodyTreeModel *self,
                                       CustodyHealth     health);

G_END_DECLS
