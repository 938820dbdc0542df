/* custody-passphrase-dialog.h — asking for an officer's passphrase to sign
 *
 * The passphrase goes from the password entry into a ChainSecret (wiped
 * memory) and the entry is cleared; it is never stored. With more than
 * one officer in the workspace, the dialog also asks who signs. Before it
 * closes, it checks that the passphrase opens the officer's key in the
 * workspace of the window it belongs to; a wrong one is said in the
 * dialog, which stays open.
 *
 * Keys in a PKCS#11 token take the token's PIN instead, asked in the same
 * entry (with the tries left said under a wrong one); keys in a TPM take
 * nothing, and the dialog only confirms. A workspace with keys of both
 * kinds asks both (see custody-unlock.h for what the callback's secret
 * then is).
 */
#pragma once

#include <adwaita.h>

#include "chain.h"

G_BEGIN_DECLS

/**
 * CustodyPassphraseFunc:
 * @passphrase: (transfer full) (nullable): the secret; %NULL if cancelled.
 * @officer: (nullable): the officer chosen; %NULL for the default one.
 * @user_data: as given.
 */
typedef void (*CustodyPassphraseFunc) (ChainSecret *passphrase,
                                       const char  *officer,
                                       gpointer     user_data);

/**
 * custody_passphrase_dialog_run:
 * @parent: a widget of the window the dialog belongs to.
 * @heading: e.g. "Sign the Delegation".
 * @body: what signing will do, one or two sentences.
 * @officers: (nullable): the officers to choose from.
 * @sign_label: the button, e.g. "_Sign".
 * @callback: called once, when the dialog closes.
 *
 * Shows the dialog (modal); returns at once.
 */
void custody_passphrase_dialog_run (GtkWidget             *parent,
                                    const char            *heading,
                                    const char            *body,
                                    const char *const     *officers,
                                    const char            *sign_label,
                                    CustodyPassphraseFunc  callback,
                                    gpointer               user_data);

/**
 * custody_passphrase_dialog_run_destructive:
 *
 * custody_passphrase_dialog_run() for what cannot be undone (revoking):
 * the sign button is styled destructive.
 */
void custody_passphrase_dialog_run_destructive (GtkWidget             *parent,
                                                const char            *heading,
                                                const char            *body,
                                                const char *const     *officers,
                                                const char            *sign_label,
                                                CustodyPassphraseFunc  callback,
                                                gpointer               user_data);

/**
 * custody_passphrase_dialog_fill:
 * @dialog: a window custody_passphrase_dialog_run() showed.
 * @passphrase: the secret to type.
 * @officer: (nullable): the officer to choose.
 *
 * Types the passphrase and signs, as the officer would: for the test script.
 *
 * Returns: %FALSE if @dialog is no passphrase dialog or has no such officer.
 */
gboolean custody_passphrase_dialog_fill (GtkWindow         *dialog,
                                         const ChainSecret *passphrase,
                                         const char        *officer);

/** Returns: whether @dialog is checking a passphrase (for the test script). */
gboolean custody_passphrase_dialog_get_checking (GtkWindow *dialog);

G_END_DECLS
