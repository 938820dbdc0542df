/* custody-key-home-chooser.h — rows to choose where new keys live
 *
 * Three rows for a form that makes keys: "Key Home" (File, Security token
 * (PKCS#11), TPM), the token (those found by chain_key_list_tokens()) and
 * the token's PIN. Token and PIN rows show only for a token. The chooser
 * is not a widget: it adds its rows to the form's group or list and says
 * "changed" whenever the choice or the PIN changes.
 */
#pragma once

#include <adwaita.h>

#include "chain.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_KEY_HOME_CHOOSER (custody_key_home_chooser_get_type ())
G_DECLARE_FINAL_TYPE (CustodyKeyHomeChooser, custody_key_home_chooser, CUSTODY, KEY_HOME_CHOOSER, GObject)

/** Returns: (transfer full): a chooser; its rows list the tokens found now. */
CustodyKeyHomeChooser *custody_key_home_chooser_new (void);

/** Adds the rows to @container, an AdwPreferencesGroup or a GtkListBox. */
void custody_key_home_chooser_add_to (CustodyKeyHomeChooser *self,
                                      GtkWidget             *container);

/** Returns: where the keys go. */
ChainKeyStore custody_key_home_chooser_get_store (CustodyKeyHomeChooser *self);

/**
 * custody_key_home_chooser_dup_key_store:
 *
 * Returns: (transfer full) (nullable): the key store string libchain takes:
 *   %NULL for a file, the token's URI, or "tpm2"; also %NULL when a token
 *   is chosen but none was found.
 */
char *custody_key_home_chooser_dup_key_store (CustodyKeyHomeChooser *self);

/** Returns: (transfer none): the PIN typed, "" if none (the form copies it into wiped memory). */
const char *custody_key_home_chooser_get_pin_text (CustodyKeyHomeChooser *self);

/** custody_key_home_chooser_clear_pin: empties the PIN row. */
void custody_key_home_chooser_clear_pin (CustodyKeyHomeChooser *self);

G_END_DECLS
