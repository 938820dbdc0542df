/* custody-request.h — one delegation request in the inbox
 *
 * A request is known from a request file the officer imported, from the
 * ledger (recorded by chain_workspace_delegate() when the policy wants
 * more than one officer), or both. With the file, the item holds
 * chain_workspace_preview_delegation()'s verdict: exactly what would be
 * signed and whether the policy allows it. Like CustodyNode, it is a
 * snapshot taken on the main thread.
 */
#pragma once

#include <gio/gio.h>

#include "chain-delegation.h"
#include "custody-format.h"

G_BEGIN_DECLS

/**
 * CustodyRequestVerdict:
 * @CUSTODY_REQUEST_READY: the policy allows it and enough officers agree:
 *   delegating signs it.
 * @CUSTODY_REQUEST_NEEDS_APPROVAL: allowed, but more officers must approve.
 * @CUSTODY_REQUEST_REFUSED: the policy refuses it (see the refusal).
 * @CUSTODY_REQUEST_NEEDS_FILE: recorded in the ledger, but the request file
 *   is needed to preview and delegate.
 */
typedef enum {
  CUSTODY_REQUEST_READY,
  CUSTODY_REQUEST_NEEDS_APPROVAL,
  CUSTODY_REQUEST_REFUSED,
  CUSTODY_REQUEST_NEEDS_FILE,
} CustodyRequestVerdict;

#define CUSTODY_TYPE_REQUEST (custody_request_get_type ())
G_DECLARE_FINAL_TYPE (CustodyRequest, custody_request, CUSTODY, REQUEST, GObject)

/**
 * custody_request_new:
 * @workspace: the parent's joined workspace, not in use elsewhere.
 * @file: (nullable): the imported request file; copied.
 * @file_path: (nullable): where it was imported from.
 * @recorded: (nullable): the pending request in the ledger.
 *
 * One of @file and @recorded must be given.
 *
 * Returns: (transfer full): the item.
 */
CustodyRequest *custody_request_new (ChainWorkspace           *workspace,
                                     const ChainRequestFile   *file,
                                     const char               *file_path,
                                     const ChainLedgerRequest *recorded);

const char *custody_request_get_custodian_id (CustodyRequest *self);
const char *custody_request_get_org (CustodyRequest *self);
const char *custody_request_get_tier (CustodyRequest *self);
/** Returns: (nullable): the statement id once recorded in the ledger. */
const char *custody_request_get_request_id (CustodyRequest *self);
/** Returns: (nullable): the file it was imported from. */
const char *custody_request_get_file_path (CustodyRequest *self);
/** Returns: (transfer none) (nullable): the request file, if imported. */
const ChainRequestFile *custody_request_get_file (CustodyRequest *self);
/** Returns: (transfer none) (nullable): the preview, with the file only. */
const ChainDelegationPreview *custody_request_get_preview (CustodyRequest *self);

CustodyRequestVerdict custody_request_get_verdict (CustodyRequest *self);
/** Returns: (transfer none): the verdict in words, e.g. "Needs 1 more approval". */
const char *custody_request_get_verdict_label (CustodyRequest *self);
/** Returns: (transfer none) (nullable): why the policy refuses it. */
const char *custody_request_get_refusal (CustodyRequest *self);

/** Returns: distinct officer keys that approved so far. */
guint custody_request_get_approvals (CustodyRequest *self);
/** Returns: officer keys the policy wants for the delegation. */
guint custody_request_get_threshold (CustodyRequest *self);
/**
 * custody_request_get_fields:
 *
 * Returns: (transfer none) (element-type CustodyField): what would be
 *   signed: subject, key, path length, validity, name constraints, tier.
 */
GPtrArray *custody_request_get_fields (CustodyRequest *self);

/**
 * custody_request_get_approval_fields:
 *
 * Returns: (transfer none) (element-type CustodyField): "k of n", who
 *   approved, who is still needed.
 */
GPtrArray *custody_request_get_approval_fields (CustodyRequest *self);

G_END_DECLS
