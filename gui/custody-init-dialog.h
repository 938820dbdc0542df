/* custody-init-dialog.h — "New Workspace": `chain init` with a form */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_INIT_DIALOG (custody_init_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CustodyInitDialog, custody_init_dialog, CUSTODY, INIT_DIALOG, AdwWindow)

CustodyInitDialog *custody_init_dialog_new (GtkWindow      *parent,
                                            CustodySession *session);

/** custody_init_dialog_set_dir: where the workspace goes (what "Choose…" sets). */
void custody_init_dialog_set_dir (CustodyInitDialog *self,
                                  const char        *dir);

G_END_DECLS
