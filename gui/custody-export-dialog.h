/* custody-export-dialog.h — export a CA for a cloud, with proof of possession */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_EXPORT_DIALOG (custody_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CustodyExportDialog, custody_export_dialog, CUSTODY, EXPORT_DIALOG, AdwWindow)

/**
 * custody_export_dialog_new:
 * @parent: the main window.
 * @session: the session, joined.
 * @ca: (nullable): the custodian whose CA to start with; %NULL for our own.
 *
 * Returns: (transfer none): the dialog.
 */
CustodyExportDialog *custody_export_dialog_new (GtkWindow      *parent,
                                                CustodySession *session,
                                                const char     *ca);

/** Sets the verification code, as if typed. */
void custody_export_dialog_set_code (CustodyExportDialog *self,
                                     const char          *code);

/** Sets the output folder (what "Choose…" sets). */
void custody_export_dialog_set_dir (CustodyExportDialog *self,
                                    const char          *dir);

G_END_DECLS
