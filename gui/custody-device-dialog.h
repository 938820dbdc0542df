/* custody-device-dialog.h — look a device up by its id */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_DEVICE_DIALOG (custody_device_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CustodyDeviceDialog, custody_device_dialog, CUSTODY, DEVICE_DIALOG, AdwWindow)

/**
 * custody_device_dialog_new:
 * @parent: the main window.
 * @session: a session with a joined workspace open.
 *
 * A device id in, the ledger's answer out (chain_workspace_lookup_device()
 * as a session job): the batch that issued the device, who issued it, its
 * serial and whether it is in force or revoked, when and why; buttons
 * show the batch and the revocation in the Ledger.
 *
 * Returns: (transfer none): the dialog, shown with gtk_window_present().
 */
CustodyDeviceDialog *custody_device_dialog_new (GtkWindow      *parent,
                                                CustodySession *session);

G_END_DECLS
