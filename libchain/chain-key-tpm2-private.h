/* chain-key-tpm2-private.h — keys in a TPM 2.0, through the tpm2-openssl provider
 *
 * The provider is loaded, with OpenSSL's default provider beside it, into a
 * library context of its own: nothing else in the process sees it (loading
 * it next to the libp11 engine broke EC key generation). The TPM is reached
 * as TPM2OPENSSL_TCTI says (swtpm, tabrmd, /dev/tpmrm0); with no resource
 * manager every object loaded is flushed when its key is freed. A key is
 * generated under the storage (owner) hierarchy and kept as the TPM's
 * wrapped blob (TSS2 PRIVATE KEY), useless without that TPM, or is an
 * existing persistent handle.
 */
#pragma once

#include "chain-key.h"

G_BEGIN_DECLS

/** The prefix of a persistent handle's location: "handle:0x81000001". */
#define CHAIN_KEY_TPM2_HANDLE_PREFIX "handle:"

/**
 * chain_key_tpm2_parse_handle:
 * @text: "0x81000001", "handle:0x81000001".
 * @out_handle: (out): a handle of the persistent range, set on success.
 *
 * Returns: whether @text names a persistent handle.
 */
gboolean chain_key_tpm2_parse_handle (const char *text,
                                      guint32    *out_handle);

/**
 * chain_key_tpm2_generate:
 * @algorithm: what to generate inside the TPM.
 * @out_blob: (out) (transfer full): the wrapped key to keep, PEM.
 * @error: CHAIN_ERROR_NOT_FOUND (no TPM reachable), CHAIN_ERROR_FAILED
 *   (also when the TPM will not certify the key).
 *
 * The TPM then certifies the new key (chain-tpm2-evidence-private.h); the
 * key keeps that evidence (chain_key_get_tpm_evidence()) for the record
 * introducing it.
 *
 * Returns: (transfer full) (nullable): the key, loaded in the TPM.
 */
ChainKey *chain_key_tpm2_generate (ChainKeyAlgorithm   algorithm,
                                   GBytes            **out_blob,
                                   GError            **error);

/**
 * chain_key_tpm2_load:
 * @location: a wrapped key file's path, or "handle:0x81000001".
 * @error: CHAIN_ERROR_NOT_FOUND (no TPM, no such handle or file),
 *   CHAIN_ERROR_REFUSED (an algorithm libchain does not accept).
 *
 * Returns: (transfer full) (nullable): the key, loaded in the TPM.
 */
ChainKey *chain_key_tpm2_load (const char  *location,
                               GError     **error);

/**
 * chain_key_tpm2_explain_failure:
 *
 * After a TPM key signed: if the provider left an error in OpenSSL's queue
 * (the TPM went away mid-signature), replaces it with one reason saying
 * so, for chain_openssl_error() to report.
 */
void chain_key_tpm2_explain_failure (void);

G_END_DECLS
