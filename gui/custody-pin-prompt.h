/* custody-pin-prompt.h — asking for a token's PIN as the passphrase is asked
 *
 * The passphrase prompt (custody-passphrase-dialog.h) and the forms that
 * make keys ask a PKCS#11 token's PIN in the same kind of entry; a wrong
 * PIN keeps the prompt open and says what the token reports about the
 * tries left (PKCS#11 gives "few" and "one", not a number).
 */
#pragma once

#include <adwaita.h>

#include "chain.h"
#include "custody-session.h"

G_BEGIN_DECLS

/** Returns: (transfer floating): a password entry for a PIN, hidden until needed. */
GtkWidget *custody_pin_prompt_new_entry (void);

/**
 * custody_pin_prompt_setup_entries:
 * @entry: the prompt's first entry: the passphrase, or the PIN alone.
 * @pin_entry: the PIN's entry when both are needed.
 * @needs: what the keys need.
 *
 * Shows and names the entries for @needs.
 */
void custody_pin_prompt_setup_entries (GtkWidget             *entry,
                                       GtkWidget             *pin_entry,
                                       ChainWorkspaceSecrets  needs);

/**
 * custody_pin_prompt_describe_tries:
 * @state: what the token reports.
 *
 * Returns: (transfer none): a sentence on the tries left, or "" when the
 *   token reports nothing.
 */
const char *custody_pin_prompt_describe_tries (ChainKeyTokenPinState state);

/**
 * custody_pin_prompt_describe_wrong_pin:
 * @session: (nullable): the open session.
 * @officer: (nullable): whose key the PIN was for; %NULL for the only one.
 *
 * Returns: (transfer full): what the prompt says under a wrong PIN, with
 *   the tries left where the token reports them.
 */
char *custody_pin_prompt_describe_wrong_pin (CustodySession *session,
                                             const char     *officer);

G_END_DECLS
