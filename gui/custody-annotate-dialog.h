/* custody-annotate-dialog.h — write a note and record it in the ledger */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_ANNOTATE_DIALOG (custody_annotate_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CustodyAnnotateDialog, custody_annotate_dialog, CUSTODY, ANNOTATE_DIALOG, AdwWindow)

/**
 * custody_annotate_dialog_new:
 * @parent: the main window.
 * @session: a session with a joined workspace open.
 *
 * `chain annotate` with a text view: the note is signed by an officer and
 * recorded; it then tops the ledger timeline.
 *
 * Returns: (transfer none): the dialog, shown with gtk_window_present().
 */
CustodyAnnotateDialog *custody_annotate_dialog_new (GtkWindow      *parent,
                                                    CustodySession *session);

/** custody_annotate_dialog_set_text: types @text as the note (the test script). */
void custody_annotate_dialog_set_text (CustodyAnnotateDialog *self,
                                       const char            *text);

G_END_DECLS
