/* chain-tpm2-evidence-private.h — a TPM's word that a key is its own (TPM2_Certify)
 *
 * When libchain generates a CA or officer key in a TPM, the TPM certifies
 * it: an attestation key (AK, a restricted signing key made from the
 * endorsement hierarchy's seed) signs a TPMS_ATTEST naming the new key.
 * The record that introduces the key carries that evidence as a JSON
 * object, each member base64:
 *
 *   "key"            the key's TPMT_PUBLIC (its Name is nameAlg || H(it))
 *   "parent_name"    the Name of the storage primary it was loaded under
 *   "attest"         the TPMS_ATTEST the TPM made (TPM_ST_ATTEST_CERTIFY)
 *   "signature"      the AK's TPMT_SIGNATURE over it
 *   "ak"             the AK's TPMT_PUBLIC
 *   "ek_certificate" the TPM maker's certificate of its endorsement key, DER
 *                    (optional: absent when the TPM holds none)
 *
 * chain-tpm2-evidence.c makes it (tpm2-tss ESAPI, a connection of its
 * own); chain-ledger-tpm-evidence.c checks it (libtss2-mu and OpenSSL, no
 * TPM). docs/ledger-format.md says what it proves and what it does not.
 */
#pragma once

#include "chain-json.h"
#include "chain-policy.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

/* Caps on each decoded member: a TPMT_PUBLIC or TPMS_ATTEST is well under
 * 1 KiB, an EK certificate a few KiB. */
#define CHAIN_TPM2_EVIDENCE_MAX_STRUCT 2048
#define CHAIN_TPM2_EVIDENCE_MAX_CERT   8192

/**
 * chain_tpm2_evidence_make:
 * @tcti: how to reach the TPM (TPM2OPENSSL_TCTI's syntax); NULL for the
 *   TSS's default.
 * @public_area: the key's TPM2B_PUBLIC, marshalled.
 * @private_area: its TPM2B_PRIVATE, marshalled (wrapped by the TPM).
 * @error: CHAIN_ERROR_NOT_FOUND (no TPM), CHAIN_ERROR_FAILED.
 *
 * Loads the key under the owner hierarchy's storage primary (the template
 * the tpm2-openssl provider uses), makes the attestation key and has the
 * TPM certify the key with it; reads the EK certificate from its NV index.
 * Flushes everything it loaded and closes its connection: the caller must
 * hold no other connection to a TPM that serves one client at a time.
 *
 * Returns: (transfer full) (nullable): the evidence object.
 */
ChainJson *chain_tpm2_evidence_make (const char  *tcti,
                                     GBytes      *public_area,
                                     GBytes      *private_area,
                                     GError     **error);

/**
 * chain_tpm2_evidence_split_blob:
 * @pem: a TSS2 PRIVATE KEY (what the provider writes).
 * @out_public: (out) (transfer full): its TPM2B_PUBLIC, marshalled.
 * @out_private: (out) (transfer full): its TPM2B_PRIVATE, marshalled.
 *
 * Returns: FALSE when @pem is not a loadable TSS2 key under the owner
 *   hierarchy.
 */
gboolean chain_tpm2_evidence_split_blob (GBytes  *pem,
                                         GBytes **out_public,
                                         GBytes **out_private);

/**
 * chain_tpm2_evidence_check:
 * @evidence: the record's evidence object.
 * @spki: the public key the record introduces (its certificate's).
 * @ek_roots: (nullable) (element-type X509): the TPM makers' CAs to trust;
 *   NULL or empty: the EK certificate is not checked.
 * @out_rule: (out) (transfer none): on failure, the rule id refused
 *   (tpm-evidence.*).
 * @error: the reason, CHAIN_ERROR_REFUSED.
 *
 * Checks, without a TPM, that the AK signed a TPMS_ATTEST of type CERTIFY
 * made by a TPM, that it names this key (nameAlg || H(TPMT_PUBLIC)) loaded
 * under a primary of the owner hierarchy, that the key is fixedTPM,
 * fixedParent and sensitiveDataOrigin and equals @spki, and (with
 * @ek_roots) that the EK certificate chains to one of them.
 */
gboolean chain_tpm2_evidence_check (ChainJson        *evidence,
                                    EVP_PKEY         *spki,
                                    STACK_OF(X509)   *ek_roots,
                                    const char      **out_rule,
                                    GError          **error);

/**
 * chain_tpm2_evidence_dup_key:
 * @evidence: an evidence object.
 *
 * Returns: (transfer full) (nullable): the public key of its "key"
 *   member, NULL when that is no ECC P-256/P-384 or RSA TPMT_PUBLIC.
 */
EVP_PKEY *chain_tpm2_evidence_dup_key (ChainJson *evidence);

/** Returns: (transfer full) (nullable): the TPM makers' CAs @tier trusts
 * for its TPM keys' EK certificates (policy member tpm_ek_roots), NULL
 * when it names none. (chain-policy.c; X509 is
 * no public type.) */
STACK_OF(X509)    *chain_policy_dup_tpm_ek_roots (const ChainPolicy *self,
                                                  const char        *tier);

G_END_DECLS
