/* custody-officers-dialog.h — the workspace's officers, and enrolling one */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_OFFICERS_DIALOG (custody_officers_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CustodyOfficersDialog, custody_officers_dialog, CUSTODY, OFFICERS_DIALOG, AdwWindow)

/**
 * custody_officers_dialog_new:
 * @parent: the main window.
 * @session: a session with a workspace open.
 *
 * Lists the officers with a key in the workspace; "Add Officer" enrols a
 * new one (`chain officer add`), signed by an existing officer.
 *
 * Returns: (transfer none): the dialog, shown with gtk_window_present().
 */
CustodyOfficersDialog *custody_officers_dialog_new (GtkWindow      *parent,
                                                    CustodySession *session);

G_END_DECLS
