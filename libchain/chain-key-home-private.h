/* chain-key-home-private.h — where a workspace's keys live, and how to reach them
 *
 * A key NAME ("ca", "officer-NAME") of a workspace is either private/NAME.key
 * (encrypted PKCS#8) or private/NAME.keyref: a small JSON file that says
 * where the key is — {"store": "pkcs11", "uri": "pkcs11:...?module-path=..."},
 * {"store": "tpm2", "handle": "0x81000001"} or {"store": "tpm2", "blob":
 * "NAME.tss"} (the TPM's wrapped key beside it). Never a PIN.
 */
#pragma once

#include "chain-key.h"
#include "chain-secret.h"

G_BEGIN_DECLS

/**
 * chain_key_home_check:
 * @spec: (nullable): what --key-store says: %NULL or "file", a PKCS#11 URI,
 *   "tpm2", or "tpm2:0x81000001" / "handle:0x81000001".
 * @out_store: (out) (optional): where keys will live.
 * @error: CHAIN_ERROR_INVALID_INPUT, CHAIN_ERROR_REFUSED (a PIN in the URI).
 *
 * Returns: whether @spec is usable.
 */
gboolean chain_key_home_check (const char    *spec,
                               ChainKeyStore *out_store,
                               GError       **error);

/**
 * chain_key_home_create:
 * @spec: as chain_key_home_check() takes.
 * @private_dir: the workspace's private/ directory.
 * @name: the key's name, "ca" or "officer-NAME".
 * @label: the object label for a PKCS#11 key whose URI names none (a URI's
 *   object= wins when @use_uri_label).
 * @use_uri_label: take the URI's object= (and a TPM handle) for this key.
 * @passphrase: (nullable): encrypts a file key.
 * @pin: (nullable): the token's PIN.
 *
 * Generates the key in its home (or takes the existing private key the URI
 * or handle names) and writes private/NAME.key or NAME.keyref.
 *
 * Returns: (transfer full) (nullable): the key.
 */
ChainKey *chain_key_home_create (const char        *spec,
                                 const char        *private_dir,
                                 const char        *name,
                                 const char        *label,
                                 gboolean           use_uri_label,
                                 ChainKeyAlgorithm  algorithm,
                                 const ChainSecret *passphrase,
                                 const ChainSecret *pin,
                                 GError           **error);

/**
 * chain_key_home_load:
 * Opens key @name of @private_dir, wherever it lives.
 * @error: CHAIN_ERROR_NOT_FOUND when there is no such key, else as
 *   chain_key_load() or the hardware's.
 */
ChainKey *chain_key_home_load (const char        *private_dir,
                               const char        *name,
                               const ChainSecret *passphrase,
                               const ChainSecret *pin,
                               GError           **error);

/**
 * chain_key_home_peek:
 * @out_location: (out) (optional) (transfer full): the URI or handle; %NULL
 *   for a file key or a TPM blob.
 *
 * Returns: whether key @name exists, and sets @out_store.
 */
gboolean chain_key_home_peek (const char    *private_dir,
                              const char    *name,
                              ChainKeyStore *out_store,
                              char         **out_location);

/** Removes what chain_key_home_create() wrote for @name (the files; a key
 * generated in a token is destroyed there too when @key is given). */
void chain_key_home_remove (const char *private_dir,
                            const char *name);

G_END_DECLS
