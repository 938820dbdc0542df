/* custody-output-dialog.h — where a step wrote its files, to open or copy
 *
 * libadwaita 1.2's toasts hold one button: an export's, grant's or CRL's
 * toast offers "Show Location…", which opens this small dialog with the
 * folder's path (selectable), Copy Path and Open Folder.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/**
 * custody_output_dialog_present:
 * @parent: the main window (it has the win.open-folder action).
 * @folder: where the files went.
 *
 * Shows the dialog; it closes itself.
 */
void custody_output_dialog_present (GtkWindow  *parent,
                                    const char *folder);

G_END_DECLS
