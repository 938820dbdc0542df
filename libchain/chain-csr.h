/* chain-csr.h — PKCS#10 certificate signing requests
 *
 * Parsing is strict: a CSR is accepted only if it is one PEM block labelled
 * CERTIFICATE REQUEST (or the legacy NEW CERTIFICATE REQUEST) or one DER
 * structure with nothing after it, at most %CHAIN_INPUT_MAX_LEN bytes, its
 * self-signature verifies, its key is an accepted algorithm, it is not
 * signed with SHA-1, and its subject has a sane CN.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include "chain-key.h"
#include "chain-name.h"

G_BEGIN_DECLS

/** Largest certificate, CSR or CRL file libchain reads, in bytes. */
#define CHAIN_INPUT_MAX_LEN (64 * 1024)

typedef struct _ChainCsr ChainCsr;

/**
 * chain_csr_new:
 * @key: the key whose public half the CSR carries and that signs it.
 * @subject: the subject; must have a CN.
 * @error: CHAIN_ERROR_INVALID_INPUT without a CN.
 *
 * Returns: (transfer full) (nullable): a signed CSR.
 */
CHAIN_PUBLIC
ChainCsr *chain_csr_new (ChainKey        *key,
                         const ChainName *subject,
                         GError         **error);

/**
 * chain_csr_parse:
 * @data: (array length=len): PEM or DER bytes.
 * @len: their length.
 * @error: CHAIN_ERROR_INVALID_INPUT (garbage, truncated, oversized, wrong
 *   PEM label, trailing data, bad self-signature, bad subject) or
 *   CHAIN_ERROR_REFUSED (weak or unknown key, SHA-1 signature).
 *
 * Returns: (transfer full) (nullable): the validated CSR.
 */
CHAIN_PUBLIC
ChainCsr *chain_csr_parse (const guint8 *data,
                           gsize         len,
                           GError      **error);

/** Returns: (transfer full): PEM encoding. */
CHAIN_PUBLIC
GBytes *chain_csr_to_pem (const ChainCsr *self);

/** Returns: (transfer full): DER encoding. */
CHAIN_PUBLIC
GBytes *chain_csr_to_der (const ChainCsr *self);

/** Returns: (transfer full): the subject. */
CHAIN_PUBLIC
ChainName *chain_csr_dup_subject (const ChainCsr *self);

/** Returns: the algorithm of the public key. */
CHAIN_PUBLIC
ChainKeyAlgorithm chain_csr_get_key_algorithm (const ChainCsr *self);

/** Returns: (transfer full): hex SHA-256 of the SubjectPublicKeyInfo. */
CHAIN_PUBLIC
char *chain_csr_dup_public_key_sha256 (const ChainCsr *self);

/** chain_csr_free: NULL-safe. */
CHAIN_PUBLIC
void chain_csr_free (ChainCsr *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainCsr, chain_csr_free)

G_END_DECLS
