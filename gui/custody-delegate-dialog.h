/* custody-delegate-dialog.h — choose what to sign for a request, then sign it */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_DELEGATE_DIALOG (custody_delegate_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CustodyDelegateDialog, custody_delegate_dialog, CUSTODY, DELEGATE_DIALOG, AdwWindow)

/**
 * custody_delegate_dialog_new:
 * @parent: the main window.
 * @session: the session, not busy.
 * @request: an inbox item with its request file.
 *
 * Returns: (transfer none): the dialog, shown with gtk_window_present().
 */
CustodyDelegateDialog *custody_delegate_dialog_new (GtkWindow      *parent,
                                                    CustodySession *session,
                                                    CustodyRequest *request);

/** custody_delegate_dialog_set_grant_path: where the grant file goes. */
void custody_delegate_dialog_set_grant_path (CustodyDelegateDialog *self,
                                             const char            *path);

G_END_DECLS
