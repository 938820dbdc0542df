/* custody-revoke-target.h — what to revoke, picked rather than typed
 *
 * The revoke dialog's targets: a check row for each sub-CA this
 * workspace's CA issued that still stands, and devices added by id, each
 * looked up in the ledger first (chain_workspace_lookup_device()) so the
 * officer sees which batch and issuer the id names before it is planned.
 */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_REVOKE_TARGET (custody_revoke_target_get_type ())
G_DECLARE_FINAL_TYPE (CustodyRevokeTarget, custody_revoke_target, CUSTODY, REVOKE_TARGET, GtkBox)

/**
 * custody_revoke_target_new:
 * @session: a session with a joined workspace open.
 * @custodian: (nullable): a sub-CA custodian to check at first.
 *
 * Returns: (transfer full): the picker; "changed" is emitted when a
 *   target is checked, unchecked, added or removed.
 */
GtkWidget *custody_revoke_target_new (CustodySession *session,
                                      const char     *custodian);

/** Returns: (transfer full): the checked custodians' ids, blank-separated. */
char *custody_revoke_target_dup_custodians (CustodyRevokeTarget *self);

/** Returns: (transfer full): the added devices (ids or serials), blank-separated. */
char *custody_revoke_target_dup_devices (CustodyRevokeTarget *self);

/** Returns: (transfer none): the first row, where the focus starts. */
GtkWidget *custody_revoke_target_get_first (CustodyRevokeTarget *self);

G_END_DECLS
