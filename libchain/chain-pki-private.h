/* chain-pki-private.h — what libchain's PKI files share behind the API
 *
 * The public types wrap OpenSSL objects; these accessors let one module use
 * another's object without copying. Never installed.
 */
#pragma once

#include "chain-openssl-private.h"

#include "chain-cert.h"
#include "chain-crl.h"
#include "chain-csr.h"
#include "chain-issuer.h"
#include "chain-json.h"
#include "chain-key.h"
#include "chain-name.h"
#include "chain-name-constraints.h"

G_BEGIN_DECLS

/* chain-key.c */
/** Takes @pkey, even on failure. Returns: (transfer full): a key owning it; NULL (error set) if its algorithm is not accepted. */
ChainKey          *chain_key_new_take           (EVP_PKEY *pkey,
                                                 GError  **error);
/** Returns: (transfer none): the private key inside; for a hardware key a
 * handle that only signs (through chain_key_sign_begin()). */
EVP_PKEY          *chain_key_get_pkey           (ChainKey *self);
/** Returns: (transfer none): the public half, a plain key of the default
 * library context: compare, hash and embed this one. */
EVP_PKEY          *chain_key_get_public         (ChainKey *self);
/** Returns: (transfer full): another reference to @self. */
ChainKey          *chain_key_ref                (ChainKey *self);
/**
 * ChainKeyGenerator:
 * Makes key after key of one algorithm from one OpenSSL context, set up
 * once (a context a key costs a sixth of making a P-256 key). One thread
 * at a time; a pool gives each thread its own.
 */
typedef struct _ChainKeyGenerator ChainKeyGenerator;
/** Returns: (transfer full): a generator; NULL (error set) for an algorithm libchain does not make. */
ChainKeyGenerator *chain_key_generator_new      (ChainKeyAlgorithm   algorithm,
                                                 GError            **error);
/** Returns: (transfer full): a new key (a file key, not yet written). */
ChainKey          *chain_key_generator_generate (ChainKeyGenerator  *self,
                                                 GError            **error);
void               chain_key_generator_free     (ChainKeyGenerator  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainKeyGenerator, chain_key_generator_free)
/** Copies an EC key's public point, uncompressed, into @out (@out_size
 * bytes); a key made here answers from what it kept, without OpenSSL.
 * Returns: FALSE if it does not fit or the key has none. */
gboolean           chain_key_copy_ec_point      (ChainKey *self,
                                                 guint8   *out,
                                                 gsize     out_size,
                                                 gsize    *out_len);
/**
 * chain_key_new_hardware:
 * Takes @pkey, and @home (released with @home_release when the key goes),
 * even on failure. @libctx: (nullable) the library context @pkey lives in
 * (a provider's); @sign_lock: (nullable) held while the key signs, owned by
 * @home: a home with one connection (a TPM) gives all its keys one lock.
 * Returns: (transfer full): the key; NULL (error set) for an algorithm
 *   libchain does not accept.
 */
ChainKey          *chain_key_new_hardware       (EVP_PKEY       *pkey,
                                                 ChainKeyStore   store,
                                                 const char     *location,
                                                 OSSL_LIB_CTX   *libctx,
                                                 GRecMutex      *sign_lock,
                                                 gpointer        home,
                                                 GDestroyNotify  home_release,
                                                 GError        **error);
/** Returns: (transfer none) (nullable): the library context the key signs in. */
OSSL_LIB_CTX      *chain_key_get_libctx         (ChainKey *self);
/** Returns: (transfer none) (nullable): the property query that picks the key's provider there. */
const char        *chain_key_get_propq          (ChainKey *self);
/**
 * chain_key_sign_begin:
 * Every signer goes through this (or chain_key_lock() around an OpenSSL
 * call given chain_key_get_libctx()), so a key in a token or TPM signs as
 * a file key does. Returns: (transfer full): a digest-sign context with
 * libchain's digest for the key; end it with chain_key_sign_end().
 */
EVP_MD_CTX        *chain_key_sign_begin         (ChainKey  *self,
                                                 GError   **error);
void               chain_key_sign_end           (ChainKey   *self,
                                                 EVP_MD_CTX *ctx);
/** Loads a hardware key's private object again, for one signature. */
typedef EVP_PKEY *(*ChainKeyReopenFunc) (gpointer data, GError **error);
/** Makes @self load its object only while it signs (chain_key_lock() to
 * chain_key_unlock()); takes @data. */
void               chain_key_set_reopen         (ChainKey          *self,
                                                 ChainKeyReopenFunc reopen,
                                                 gpointer           data,
                                                 GDestroyNotify     data_free);
/** For a key generated in hardware by this process: @discard destroys it
 * there; takes @data. */
void               chain_key_set_discard        (ChainKey      *self,
                                                 GFunc          discard,
                                                 gpointer       data,
                                                 GDestroyNotify data_free);
/** Keeps @evidence (transfer full), a TPM's certification of the key it
 * generated (chain-tpm2-evidence-private.h). */
void               chain_key_set_tpm_evidence   (ChainKey  *self,
                                                 ChainJson *evidence);
/** Returns: (transfer none) (nullable): what chain_key_set_tpm_evidence() kept. */
ChainJson         *chain_key_get_tpm_evidence   (ChainKey *self);
/** Destroys a key this process generated in a token (no-op otherwise): for
 * a failed init, request or enrolment, so no orphan key stays behind. */
void               chain_key_discard_generated  (ChainKey *self);
/** Holds off other signers while a home takes one at a time (TPM); a key
 * with a reopen function is loaded here (chain_key_get_pkey() is NULL if
 * that failed) and flushed by chain_key_unlock(). */
void               chain_key_lock               (ChainKey *self);
void               chain_key_unlock             (ChainKey *self);
/** Call while holding the key, right after an OpenSSL call signing with it
 * failed: a home that went away (a TPM stopped) leaves its reason first in
 * OpenSSL's error queue, for chain_openssl_error(). chain_key_unlock()
 * does it too. */
void               chain_key_explain_failure    (ChainKey *self);

/**
 * chain_pkey_get_algorithm:
 * Classifies a public or private key; CHAIN_ERROR_REFUSED (naming what is
 * accepted) for anything else.
 */
ChainKeyAlgorithm  chain_pkey_get_algorithm     (const EVP_PKEY *pkey,
                                                 GError        **error);
/** Returns: the digest libchain signs with for @pkey: SHA-384 for P-384, else SHA-256. */
const EVP_MD      *chain_pkey_signature_digest  (const EVP_PKEY *pkey);
/** Returns: (transfer full): lower-case hex SHA-256 of @pkey's DER SubjectPublicKeyInfo. */
char              *chain_pkey_spki_sha256       (const EVP_PKEY *pkey);

/**
 * chain_signature_check_digest:
 * @signature_nid: the signature algorithm NID of a certificate, CSR or CRL.
 * @what: "CSR", "certificate", ... for the message.
 * Refuses MD5, SHA-1 and unknown digests with CHAIN_ERROR_REFUSED.
 */
gboolean           chain_signature_check_digest (int         signature_nid,
                                                 const char *what,
                                                 GError    **error);

/* chain-name.c */
/** Returns: (transfer full): a name owning @name. */
ChainName         *chain_name_new_take          (X509_NAME *name);
/** Returns: (transfer none): the name inside. */
const X509_NAME   *chain_name_get_x509_name     (const ChainName *self);
/** Returns: (transfer full) (nullable): chain_name_dup_common_name() of @name, without copying it. */
char              *chain_x509_name_dup_common_name (const X509_NAME *name);

/* chain-name-constraints.c */
/** Returns: (transfer full): constraints owning @nc. */
ChainNameConstraints   *chain_name_constraints_new_take (NAME_CONSTRAINTS *nc);
/** Returns: (transfer none): the constraints inside. */
NAME_CONSTRAINTS       *chain_name_constraints_get_nc   (const ChainNameConstraints *self);

/* chain-csr.c */
/** chain_csr_parse() for bytes whose self-signature this process has
 * verified before (chain_issue_devices() checks a CSR directory whole, then
 * issues from the same bytes, compared by digest): every check but that
 * one. Never for bytes from anywhere else. Returns: (transfer full). */
ChainCsr          *chain_csr_parse_verified     (const guint8 *data,
                                                 gsize         len,
                                                 GError      **error);
/** Returns: (transfer none): the request inside. */
X509_REQ          *chain_csr_get_x509_req       (const ChainCsr *self);
/** Returns: (transfer none): the request's public key (X509_REQ_get0_pubkey()
 *   is NULL on a parsed request: chain-spki-private.h). */
EVP_PKEY          *chain_csr_get_public_key     (const ChainCsr *self);

/* chain-cert.c */
/** Returns: (transfer full): a certificate owning @x509. */
ChainCert         *chain_cert_new_take          (X509 *x509);
/* chain_cert_parse() without decoding the subject key (chain-spki-private.h):
 * for rules that read the certificate but never use its key. Every check
 * chain_cert_parse() makes is made; chain_cert_get_key_algorithm() works,
 * X509_get0_pubkey() on it is NULL. */
ChainCert         *chain_cert_parse_keyless     (const guint8 *data,
                                                 gsize         len,
                                                 GError      **error);
/** Returns: (transfer none): the certificate inside. */
X509              *chain_cert_get_x509          (const ChainCert *self);
/**
 * chain_x509_label:
 * Returns: (transfer full): @x's most specific CN, or its whole subject when
 *   it has none; control characters replaced, for one-line messages. "?" for
 *   NULL.
 */
char              *chain_x509_label             (const X509 *x);

/* chain-issuer.c */
/** Returns: (transfer none): the issuing CA's key. */
ChainKey          *chain_issuer_get_key         (ChainIssuer *self);
/** Returns: (transfer none): the authorityKeyIdentifier for what @self signs. */
const X509_EXTENSION *chain_issuer_get_aki_extension (ChainIssuer *self);

/* chain-crl.c */
/** Returns: (transfer none): the CRL inside. */
X509_CRL          *chain_crl_get_x509_crl       (const ChainCrl *self);

/* chain-hex.c */
/** Returns: (transfer full): @len bytes as hex, upper- or lower-case. */
char              *chain_hex_encode             (const guint8 *data,
                                                 gsize         len,
                                                 gboolean      upper_case);
/** Returns: whether @text is exactly @len lower-case hex digits. */
gboolean           chain_hex_is_lower           (const char   *text,
                                                 gsize         len);
/** chain_sha256: SHA-256 of @data into @digest, as SHA256() without its per-call fetch. */
void               chain_sha256                 (const void   *data,
                                                 gsize         len,
                                                 guint8        digest[32]);
/** Returns: (transfer full): lower-case hex SHA-256 of @data. */
char              *chain_sha256_hex             (const void   *data,
                                                 gsize         len);

/**
 * chain_issuer_check_sub_ca_csr:
 * @chain: (element-type ChainCert): the issuing CA and those above it.
 * @csr: a sub-CA's request.
 * @error: CHAIN_ERROR_REFUSED (the key or subject of a CA in @chain),
 *   CHAIN_ERROR_INVALID_INPUT.
 *
 * What chain_issuer_issue_sub_ca() refuses about the request itself, with
 * no key needed: `delegate --dry-run` and the real run judge alike.
 */
gboolean chain_issuer_check_sub_ca_csr (GPtrArray      *chain,
                                        const ChainCsr *csr,
                                        GError        **error);

G_END_DECLS
