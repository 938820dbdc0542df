/* custody-revoke-dialog.h — revoke a sub-CA or devices */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_REVOKE_DIALOG (custody_revoke_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CustodyRevokeDialog, custody_revoke_dialog, CUSTODY, REVOKE_DIALOG, AdwWindow)

/**
 * custody_revoke_dialog_new:
 * @custodian: (nullable): a sub-CA custodian to start with.
 *
 * Returns: (transfer none): the dialog.
 */
CustodyRevokeDialog *custody_revoke_dialog_new (GtkWindow      *parent,
                                                CustodySession *session,
                                                const char     *custodian);

G_END_DECLS
