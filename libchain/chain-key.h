/* chain-key.h — private keys: generation, encrypted storage, algorithms
 *
 * Keys are made in-process and written only as encrypted PKCS#8
 * (AES-256-CBC under scrypt) to 0600 files in a 0700 directory.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include "chain-secret.h"

G_BEGIN_DECLS

/**
 * ChainKeyAlgorithm:
 *
 * The key algorithms libchain accepts anywhere: what it generates, what
 * a CSR or certificate may carry. RSA below 2048 bits, other curves and
 * other RSA sizes are refused.
 */
typedef enum {
  CHAIN_KEY_ALGORITHM_INVALID = 0,
  CHAIN_KEY_ALGORITHM_EC_P256,
  CHAIN_KEY_ALGORITHM_EC_P384,
  CHAIN_KEY_ALGORITHM_RSA_2048,
  CHAIN_KEY_ALGORITHM_RSA_3072,
  CHAIN_KEY_ALGORITHM_RSA_4096,
} ChainKeyAlgorithm;

/** The fewest bytes a passphrase that encrypts a key may have. */
#define CHAIN_KEY_PASSPHRASE_MIN_SIZE 8

/** The accepted names, for error messages and --help. */
#define CHAIN_KEY_ALGORITHM_NAMES "ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096"

/**
 * chain_key_algorithm_from_string:
 * @name: one of %CHAIN_KEY_ALGORITHM_NAMES.
 * @error: set to CHAIN_ERROR_REFUSED naming the accepted algorithms.
 *
 * Returns: the algorithm, or %CHAIN_KEY_ALGORITHM_INVALID on error.
 */
CHAIN_PUBLIC
ChainKeyAlgorithm chain_key_algorithm_from_string (const char *name,
                                                   GError    **error);

/** Returns: (transfer none): the name of @algorithm, e.g. "ec-p256". */
CHAIN_PUBLIC
const char *chain_key_algorithm_to_string (ChainKeyAlgorithm algorithm);

/** Returns: whether @algorithm is RSA (device leaves then also get keyEncipherment). */
CHAIN_PUBLIC
gboolean chain_key_algorithm_is_rsa (ChainKeyAlgorithm algorithm);

typedef struct _ChainKey ChainKey;

/**
 * ChainKeyStore:
 * @CHAIN_KEY_STORE_FILE: an encrypted PKCS#8 file in the workspace.
 * @CHAIN_KEY_STORE_PKCS11: an object in a PKCS#11 token, named by an
 *   RFC 7512 URI; generated there, never extractable.
 * @CHAIN_KEY_STORE_TPM2: a TPM 2.0 key (a key blob wrapped by the TPM's
 *   storage hierarchy, or a persistent handle).
 *
 * Where a private key lives. Records that introduce a key carry its name
 * ("file", "pkcs11", "tpm2").
 */
typedef enum {
  CHAIN_KEY_STORE_FILE = 0,
  CHAIN_KEY_STORE_PKCS11,
  CHAIN_KEY_STORE_TPM2,
} ChainKeyStore;

/** Returns: (transfer none): "file", "pkcs11" or "tpm2". */
CHAIN_PUBLIC
const char *chain_key_store_to_string (ChainKeyStore store);

/**
 * chain_key_store_from_string:
 * @name: "file", "pkcs11" or "tpm2".
 * @out_store: (out): set only on success.
 *
 * Returns: whether @name is a store.
 */
CHAIN_PUBLIC
gboolean chain_key_store_from_string (const char    *name,
                                      ChainKeyStore *out_store);

/**
 * chain_key_generate:
 * @algorithm: what to generate.
 * @error: CHAIN_ERROR_REFUSED for an invalid algorithm.
 *
 * Returns: (transfer full) (nullable): a new key pair.
 */
CHAIN_PUBLIC
ChainKey *chain_key_generate (ChainKeyAlgorithm algorithm,
                              GError          **error);

/**
 * chain_key_save:
 * @self: the key.
 * @path: where to write; must not exist. Its directory must exist and be
 *   accessible by its owner only.
 * @passphrase: at least 8 bytes.
 * @error: CHAIN_ERROR_EXISTS, CHAIN_ERROR_INSECURE (directory open to
 *   group or others), CHAIN_ERROR_PASSPHRASE (too short), CHAIN_ERROR_IO.
 *
 * Writes @self as encrypted PKCS#8 PEM, mode 0600, fsynced, atomically:
 * either the whole file appears or none.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_key_save (ChainKey          *self,
                         const char        *path,
                         const ChainSecret *passphrase,
                         GError           **error);

/**
 * chain_key_to_encrypted_pem:
 * @self: the key.
 * @passphrase: at least 8 bytes.
 * @error: CHAIN_ERROR_PASSPHRASE when too short.
 *
 * Returns: (transfer full) (nullable): encrypted PKCS#8 PEM bytes.
 */
CHAIN_PUBLIC
GBytes *chain_key_to_encrypted_pem (ChainKey          *self,
                                    const ChainSecret *passphrase,
                                    GError           **error);

/**
 * chain_key_load:
 * @path: an encrypted PKCS#8 PEM file written by chain_key_save().
 * @passphrase: its passphrase.
 * @error: CHAIN_ERROR_NOT_FOUND, CHAIN_ERROR_INSECURE (file readable by
 *   others), CHAIN_ERROR_PASSPHRASE (wrong passphrase),
 *   CHAIN_ERROR_INVALID_INPUT (not an encrypted key), CHAIN_ERROR_REFUSED
 *   (an algorithm libchain does not accept).
 *
 * Returns: (transfer full) (nullable): the key.
 */
CHAIN_PUBLIC
ChainKey *chain_key_load (const char        *path,
                          const ChainSecret *passphrase,
                          GError           **error);

/** Returns: the algorithm of @self. */
CHAIN_PUBLIC
ChainKeyAlgorithm chain_key_get_algorithm (ChainKey *self);

/**
 * chain_key_dup_public_key_sha256:
 *
 * Returns: (transfer full): lower-case hex SHA-256 of the DER
 *   SubjectPublicKeyInfo; g_free() it.
 */
CHAIN_PUBLIC
char *chain_key_dup_public_key_sha256 (ChainKey *self);

/**
 * chain_key_list_pkcs11:
 * @module: (nullable): a PKCS#11 module's path; %NULL for p11-kit's proxy.
 * @pin: (nullable): with a PIN, the private keys of the tokens it opens
 *   are listed too.
 * @error: CHAIN_ERROR_NOT_FOUND when the module does not load.
 *
 * Returns: (transfer full) (element-type utf8): one line per token and per
 *   key, each with the URI --key-store takes.
 */
CHAIN_PUBLIC
GPtrArray *chain_key_list_pkcs11 (const char        *module,
                                  const ChainSecret *pin,
                                  GError           **error);

/** Returns: where the private key of @self lives. */
CHAIN_PUBLIC
ChainKeyStore chain_key_get_store (ChainKey *self);

/**
 * chain_key_get_location:
 *
 * Returns: (transfer none) (nullable): the PKCS#11 URI (with its
 *   module-path, never a PIN) or TPM handle of a hardware key; %NULL for a
 *   file key.
 */
CHAIN_PUBLIC
const char *chain_key_get_location (ChainKey *self);

/** chain_key_free: drops a reference to @self; the last one wipes the private
 * key, or closes the token object or flushes the TPM object; NULL-safe. */
CHAIN_PUBLIC
void chain_key_free (ChainKey *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainKey, chain_key_free)

G_END_DECLS
