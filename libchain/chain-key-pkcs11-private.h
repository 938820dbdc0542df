/* chain-key-pkcs11-private.h — keys in PKCS#11 tokens, named by RFC 7512 URIs
 *
 * Signing goes through libp11's PKCS11_* API: its keys are plain EVP_PKEYs
 * of the default library context whose methods call the token, so no engine
 * and no provider is loaded (the tpm2 provider lives in a library context of
 * its own, see chain-key-tpm2-private.h). Keys are generated inside the
 * token with C_GenerateKeyPair (libp11 0.4.12 makes only RSA keys): private,
 * sensitive, never extractable. A PIN never comes from the URI.
 */
#pragma once

#include "chain-key.h"
#include "chain-secret.h"

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

G_BEGIN_DECLS

/** The module used when a URI names none (p11-kit's proxy: every registered module). */
const char *chain_key_pkcs11_default_module (void);

/**
 * chain_key_pkcs11_normalize_uri:
 * @uri: "pkcs11:token=...;object=...", optionally "?module-path=...".
 * @default_label: (nullable): the object label when @uri names none.
 * @error: CHAIN_ERROR_INVALID_INPUT (not a PKCS#11 URI, no token named),
 *   CHAIN_ERROR_REFUSED (pin-value or pin-source given; type= other than
 *   private).
 *
 * Returns: (transfer full) (nullable): the URI as the workspace stores it:
 *   with its module-path and object label, without any PIN.
 */
char *chain_key_pkcs11_normalize_uri (const char  *uri,
                                      const char  *default_label,
                                      GError     **error);

/**
 * chain_key_pkcs11_open:
 * @uri: a URI from chain_key_pkcs11_normalize_uri().
 * @algorithm: what to generate when the token holds no private key with
 *   that label; %CHAIN_KEY_ALGORITHM_INVALID to require an existing key.
 * @pin: the user PIN; (nullable) for a token that needs no login.
 * @error: CHAIN_ERROR_NOT_FOUND (module, token or key missing),
 *   CHAIN_ERROR_PASSPHRASE (wrong or locked PIN, with the tries the token
 *   reports), CHAIN_ERROR_REFUSED (the label names a certificate or public
 *   key only; an algorithm libchain refuses), CHAIN_ERROR_FAILED.
 *
 * Returns: (transfer full) (nullable): the key, signing in the token.
 */
ChainKey *chain_key_pkcs11_open (const char        *uri,
                                 ChainKeyAlgorithm  algorithm,
                                 const ChainSecret *pin,
                                 GError           **error);

/**
 * chain_key_pkcs11_list:
 * @module: (nullable): the module; %NULL for the default.
 * @pin: (nullable): with a PIN, private keys of tokens it opens are listed too.
 *
 * Returns: (transfer full) (element-type utf8): one line per token and per
 *   object, each object as a URI that --key-store takes.
 */
GPtrArray *chain_key_pkcs11_list (const char        *module,
                                  const ChainSecret *pin,
                                  GError           **error);

/* ---- chain-key-pkcs11-signer.c: EC keys sign through a pool of sessions ---- */

typedef struct _ChainPkcs11Signer ChainPkcs11Signer;

/**
 * chain_pkcs11_signer_new:
 * @raw: the module's function list, logged in to the token already.
 * @label: (not nullable), @id: (nullable): find the private key by these,
 *   once in each session.
 * @home: released with @home_release when the signer goes: keeps @raw loaded.
 *
 * Returns: (transfer full): a signer with no session yet.
 */
ChainPkcs11Signer *chain_pkcs11_signer_new   (CK_FUNCTION_LIST *raw,
                                              CK_SLOT_ID        slot_id,
                                              const char       *label,
                                              const guint8     *id,
                                              gsize             id_len,
                                              gpointer          home,
                                              GDestroyNotify    home_release);
ChainPkcs11Signer *chain_pkcs11_signer_ref   (ChainPkcs11Signer *self);
/** NULL-safe; the last reference closes the sessions. */
void               chain_pkcs11_signer_unref (ChainPkcs11Signer *self);
/**
 * chain_pkcs11_signer_wrap:
 * @public_key: the EC public key of the token's private key.
 *
 * Returns: (transfer full) (nullable): an EVP_PKEY of the default library
 *   context whose ECDSA signatures the token makes through @self (which it
 *   references); NULL when @public_key is not an EC key.
 */
EVP_PKEY          *chain_pkcs11_signer_wrap  (ChainPkcs11Signer *self,
                                              EVP_PKEY          *public_key);

G_END_DECLS
