/* custody-inbox.h — the request inbox: delegation requests to review
 *
 * A GListModel of CustodyRequest: every pending request the ledger
 * records as made to this workspace's custodian, and every request file
 * the officer imported (file chooser or drag-and-drop) that is not
 * finished, a file and its ledger record shown as one item. Imported files
 * live as long as the inbox; nothing is written until the officer
 * approves, rejects or delegates.
 */
#pragma once

#include <gio/gio.h>

#include "custody-request.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_INBOX (custody_inbox_get_type ())
G_DECLARE_FINAL_TYPE (CustodyInbox, custody_inbox, CUSTODY, INBOX, GObject)

CustodyInbox *custody_inbox_new (void);

/**
 * custody_inbox_import:
 * @self: the inbox.
 * @workspace: the joined workspace, not in use elsewhere.
 * @path: a request file.
 * @out_custodian_id: (out) (optional) (transfer full): whose request it is.
 * @error: as chain_request_file_load().
 *
 * Reads and verifies the file and adds it (replacing an earlier file of
 * the same custodian).
 *
 * Returns: %TRUE if it was added.
 */
gboolean custody_inbox_import (CustodyInbox   *self,
                               ChainWorkspace *workspace,
                               const char     *path,
                               char          **out_custodian_id,
                               GError        **error);

/** custody_inbox_forget: drops the imported file of @custodian_id, if any. */
void custody_inbox_forget (CustodyInbox *self,
                           const char   *custodian_id);

/**
 * custody_inbox_rebuild:
 * @self: the inbox.
 * @workspace: (nullable): the workspace, not in use elsewhere; %NULL
 *   empties the inbox and forgets every imported file.
 *
 * Takes a new snapshot: ledger requests and previews.
 */
void custody_inbox_rebuild (CustodyInbox   *self,
                            ChainWorkspace *workspace);

/** Returns: (transfer none) (nullable): the item for @custodian_id. */
CustodyRequest *custody_inbox_find (CustodyInbox *self,
                                    const char   *custodian_id,
                                    guint        *out_position);

G_END_DECLS
