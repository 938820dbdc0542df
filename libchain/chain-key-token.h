/* chain-key-token.h — the PKCS#11 tokens a key can live in, for a chooser
 *
 * chain_key_list_pkcs11() gives lines for a terminal; a graphical shell
 * needs the same tokens as values: a label to show, a URI to put in
 * ChainWorkspaceOptions.key_store, and what the token says about its PIN
 * retry counter, to warn before the PIN locks.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

G_BEGIN_DECLS

/**
 * ChainKeyTokenPinState:
 * @CHAIN_KEY_TOKEN_PIN_OK: nothing reported (tries left, or no counter).
 * @CHAIN_KEY_TOKEN_PIN_COUNT_LOW: a wrong PIN was given; few tries are left.
 * @CHAIN_KEY_TOKEN_PIN_FINAL_TRY: one more wrong PIN locks it.
 * @CHAIN_KEY_TOKEN_PIN_LOCKED: locked; only the security officer's PIN
 *   unlocks it.
 *
 * The user PIN's retry counter, as far as the token reports it (PKCS#11
 * gives flags, not a number).
 */
typedef enum {
  CHAIN_KEY_TOKEN_PIN_OK = 0,
  CHAIN_KEY_TOKEN_PIN_COUNT_LOW,
  CHAIN_KEY_TOKEN_PIN_FINAL_TRY,
  CHAIN_KEY_TOKEN_PIN_LOCKED,
} ChainKeyTokenPinState;

typedef struct _ChainKeyToken ChainKeyToken;

/**
 * chain_key_list_tokens:
 * @module: (nullable): a PKCS#11 module's path; %NULL for every module
 *   p11-kit has registered (each token then named by its own module, not
 *   by p11-kit's proxy; a module that does not load is left out).
 * @error: with @module: CHAIN_ERROR_NOT_FOUND when it does not load,
 *   CHAIN_ERROR_FAILED when its slots cannot be listed.
 *
 * Lists the initialised tokens, without logging in.
 *
 * Returns: (transfer full) (element-type ChainKeyToken) (nullable): the
 *   tokens in slot order, possibly none; free with g_ptr_array_unref().
 */
CHAIN_PUBLIC
GPtrArray *chain_key_list_tokens (const char  *module,
                                  GError     **error);

/**
 * chain_key_find_token:
 * @uri: a PKCS#11 URI naming a token (and maybe an object and module-path),
 *   as #ChainWorkspaceOptions.key_store or chain_workspace_get_key_store()
 *   give it.
 * @error: CHAIN_ERROR_INVALID_INPUT (not a PKCS#11 URI),
 *   CHAIN_ERROR_NOT_FOUND (module or token missing).
 *
 * Reads the token @uri names afresh, e.g. its PIN state after a wrong PIN.
 *
 * Returns: (transfer full) (nullable): the token.
 */
CHAIN_PUBLIC
ChainKeyToken *chain_key_find_token (const char  *uri,
                                     GError     **error);

/** Returns: (transfer none): the token's label, e.g. "oem-root". */
CHAIN_PUBLIC
const char *chain_key_token_get_label (const ChainKeyToken *self);

/** Returns: (transfer none): its manufacturer and model, e.g. "SoftHSM project SoftHSM v2". */
CHAIN_PUBLIC
const char *chain_key_token_get_description (const ChainKeyToken *self);

/** Returns: (transfer none): the module that reaches it. */
CHAIN_PUBLIC
const char *chain_key_token_get_module (const ChainKeyToken *self);

/** Returns: whether the token is write-protected (a trust store, say): it cannot take a new key. */
CHAIN_PUBLIC
gboolean chain_key_token_get_read_only (const ChainKeyToken *self);

/** Returns: what the token reports about its user PIN's retry counter. */
CHAIN_PUBLIC
ChainKeyTokenPinState chain_key_token_get_pin_state (const ChainKeyToken *self);

/**
 * chain_key_token_dup_key_uri:
 * @self: a token.
 * @object: (nullable): the label of a private key in it (or to generate
 *   there); %NULL for the token alone, whose new keys libchain then
 *   labels "ID-ca" and "ID-officer-NAME".
 *
 * Returns: (transfer full) (nullable): the URI, with the module's path
 *   and without a PIN: what #ChainWorkspaceOptions.key_store and
 *   chain_workspace_add_officer_in() take; %NULL only when p11-kit cannot
 *   write it (out of memory).
 */
CHAIN_PUBLIC
char *chain_key_token_dup_key_uri (const ChainKeyToken *self,
                                   const char          *object);

/** chain_key_token_free: frees @self; NULL-safe. */
CHAIN_PUBLIC
void chain_key_token_free (ChainKeyToken *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainKeyToken, chain_key_token_free)

G_END_DECLS
