/* chain-cms-private.h — detached CMS signatures for ledger commits
 *
 * The ledger signs each commit buffer with an officer certificate and puts
 * the result in the commit's "gpgsig" header, where `git verify-commit`
 * with gpg.format=x509 (gpgsm) and libchain's auditor both check it.
 * Never installed.
 */
#pragma once

#include <glib.h>

#include "chain-cert.h"
#include "chain-error.h"
#include "chain-key.h"

G_BEGIN_DECLS

/** The largest signature accepted: one signer with a few intermediates. */
#define CHAIN_CMS_SIGNATURE_MAX_LEN (64 * 1024)

/** The largest content signed or verified: a commit buffer is far smaller. */
#define CHAIN_CMS_DATA_MAX_LEN (16 * 1024 * 1024)

/**
 * chain_cms_check_officer:
 * @cert: a certificate meant to sign ledger commits.
 * @code: the error code to report with, e.g. CHAIN_ERROR_REFUSED when
 *   choosing a signer, CHAIN_ERROR_VERIFY when auditing.
 * @error: set with @code naming the missing property.
 *
 * The officer profile: not a CA, keyUsage with digitalSignature,
 * extendedKeyUsage with emailProtection (which a device's clientAuth-only
 * certificate under the same root lacks).
 *
 * Returns: %TRUE if @cert has the officer profile.
 */
gboolean chain_cms_check_officer (const ChainCert *cert,
                                  ChainError       code,
                                  GError         **error);

/**
 * chain_cms_sign_detached:
 * @key: the officer's private key.
 * @signer: the officer certificate for @key; must have the officer profile.
 * @extra_certs: (element-type ChainCert) (nullable): @signer's issuing CAs
 *   up to, not including, the root, embedded so a verifier needs only the
 *   root.
 * @data: (array length=len): the bytes to sign: for a commit, the buffer
 *   from git_commit_create_buffer() (no gpgsig header).
 * @error: CHAIN_ERROR_REFUSED (@signer is not an officer certificate),
 *   CHAIN_ERROR_INVALID_INPUT (@key does not match @signer, @data over
 *   %CHAIN_CMS_DATA_MAX_LEN), CHAIN_ERROR_FAILED (OpenSSL).
 *
 * Makes a detached CMS SignedData (signed attributes contentType,
 * signingTime, messageDigest; SHA-384 for P-384 keys, else SHA-256;
 * PKCS#1 v1.5 for RSA, as gpgsm cannot check PSS) in PEM labelled
 * "SIGNED MESSAGE", the form git recognises as an x509 signature.
 *
 * Returns: (transfer full) (nullable): the PEM text without a final
 *   newline (libgit2 would turn it into a stray " " line), not
 *   NUL-terminated, for git_commit_create_with_signature() with field
 *   "gpgsig".
 */
GBytes *chain_cms_sign_detached (ChainKey     *key,
                                 ChainCert    *signer,
                                 GPtrArray    *extra_certs,
                                 const guint8 *data,
                                 gsize         len,
                                 GError      **error);

/**
 * chain_cms_verify_detached:
 * @signature: (array length=sig_len): a PEM "SIGNED MESSAGE", at most
 *   %CHAIN_CMS_SIGNATURE_MAX_LEN bytes.
 * @data: (array length=len): the signed bytes, at most
 *   %CHAIN_CMS_DATA_MAX_LEN.
 * @anchors: (element-type ChainCert): the trusted roots; not empty.
 * @at_time: Unix seconds at which the signer's chain must be valid (the
 *   ledger passes the commit time); 0 means now.
 * @out_signer: (out) (optional) (transfer full): the signer's
 *   certificate; set only on success.
 * @error: CHAIN_ERROR_VERIFY naming the rule broken: signature or data
 *   oversized, not a PEM SIGNED MESSAGE, not a detached SignedData, not
 *   exactly one signer, a digest other than SHA-256/384/512 (or SHA-256
 *   with a P-384 key, which gpgsm refuses), signer
 *   certificate not embedded, signer not an officer, a key algorithm
 *   libchain refuses, signature not matching @data, signer not chaining
 *   to an anchor at @at_time.
 *
 * The signer must be embedded in the signature (a verifier holds only the
 * roots); other embedded certificates serve as untrusted intermediates.
 * The chain is checked with OpenSSL in strict mode for S/MIME signing at
 * security level 2 (no SHA-1, no RSA below 2048 bits).
 *
 * Returns: %TRUE if the signature is good.
 */
gboolean chain_cms_verify_detached (const guint8 *signature,
                                    gsize         sig_len,
                                    const guint8 *data,
                                    gsize         len,
                                    GPtrArray    *anchors,
                                    gint64        at_time,
                                    ChainCert   **out_signer,
                                    GError      **error);

G_END_DECLS
