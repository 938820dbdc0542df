/* custody-actions.h — which of the window's actions can run now
 *
 * The window's win.* actions (custody-window-actions.c) ask this one
 * table whether each is enabled, from the session's state and the
 * current selections, so the rules are tested headless.
 */
#pragma once

#include "custody-node.h"
#include "custody-request.h"

G_BEGIN_DECLS

/**
 * CustodyActionContext:
 * @open: a workspace is open.
 * @joined: it has joined a ledger.
 * @busy: a job is running.
 * @audit_running: an audit is running.
 * @self_id: (nullable): the workspace's custodian id.
 * @request: (nullable): the request selected in the inbox.
 * @node: (nullable): the custodian selected in the tree.
 */
typedef struct {
  gboolean        open;
  gboolean        joined;
  gboolean        busy;
  gboolean        audit_running;
  const char     *self_id;
  CustodyRequest *request;
  CustodyNode    *node;
} CustodyActionContext;

/** Returns: (transfer none): the names of every action the table knows, %NULL-terminated. */
const char *const *custody_actions_list (void);

/**
 * custody_actions_is_enabled:
 * @context: the state.
 * @action: an action name without "win.", e.g. "approve".
 *
 * Returns: whether @action can run in @context; %FALSE for an unknown name.
 */
gboolean custody_actions_is_enabled (const CustodyActionContext *context,
                                     const char                 *action);

/**
 * custody_actions_revocable_custodian:
 * @context: the state.
 *
 * Returns: (transfer none) (nullable): the selected custodian's id when
 *   this workspace issued its CA and it is not revoked: what the revoke
 *   dialog offers first.
 */
const char *custody_actions_revocable_custodian (const CustodyActionContext *context);

G_END_DECLS
