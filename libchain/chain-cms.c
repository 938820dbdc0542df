/* chain-cms.c — detached CMS signatures that git verify-commit accepts
 *
 * What git 2.39 + gpgsm 2.2.40 need (found by experiment, Debian 12):
 *
 * Signature: the commit buffer without its gpgsig header, signed as a
 *   detached CMS SignedData, armoured as PEM "SIGNED MESSAGE": git picks
 *   the x509 format (program gpgsm) by that label, so plain `git
 *   verify-commit` works without gpg.format; with a "CMS" label git dies
 *   with "bad/incompatible signature". Signed attributes are optional for
 *   gpgsm; we send contentType, signingTime, messageDigest. RSA must be
 *   PKCS#1 v1.5 (gpgsm reports BADSIG for PSS). ECDSA hashes must be at
 *   least as long as the curve, in the CMS and in every certificate of the
 *   chain: gpgsm fails P-384 with SHA-256 ("a 256 bit hash is not valid
 *   for a 384 bit ECC key"); chain_pkey_signature_digest() obeys that.
 *   gpgsm finds the signer only among embedded certificates or its keybox,
 *   and intermediates likewise, so we embed the signer and its CAs below
 *   the root; it then imports them into its keybox itself. git accepts a
 *   commit only if gpgsm exits 0 (it exits 2 when the chain does not
 *   validate, though it still prints GOODSIG) and reports exactly one
 *   GOODSIG: two signers, even both good, fail.
 *
 * Officer profile: gpgsm verifies with nearly any leaf (it only warns
 *   "verify.keyusage" for keyEncipherment-only and ignores the EKU), but
 *   `openssl cms -verify` (purpose smimesign) rejects clientAuth- or
 *   codeSigning-only leaves. So an officer is: basicConstraints CA:FALSE,
 *   keyUsage (critical) digitalSignature, extendedKeyUsage emailProtection
 *   (critical or not, both work), SKI and AKI (OpenSSL strict mode). Our
 *   check insists on the EKU: a device certificate (digitalSignature +
 *   clientAuth) chains to the same root and must never sign the ledger.
 *
 * CA profile for gpgsm: basicConstraints CA:TRUE (criticality and
 *   pathLenConstraint do not matter); keyUsage, when present, must include
 *   keyCertSign. A critical nameConstraints (2.5.29.30) is "not supported"
 *   and fails the chain unless gpgsm.conf says ignore-cert-extension
 *   2.5.29.30 (name constraints are then checked by OpenSSL only).
 *
 * GNUPGHOME for a test or an auditor (mode 0700, short path: gpg-agent's
 *   socket lives in it when /run/user/UID does not exist):
 *     gpgsm.conf     disable-crl-checks, disable-dirmngr,
 *                    ignore-cert-extension 2.5.29.30
 *     trustlist.txt  "<root SHA-1 fingerprint, hex> S"
 *     gpgsm --batch --import root.pem     (intermediates come embedded)
 *   gpg-agent is required (gpgsm asks it about trustlist.txt); it starts on
 *   demand and `gpgconf --homedir DIR --kill all` stops it. No prompt
 *   appears for an untrusted root, verification just fails. Without
 *   disable-crl-checks a certificate with a CRL distribution point fails
 *   offline.
 */
#include "chain-cms-private.h"

#include <openssl/cms.h>
#include <openssl/objects.h>

#include "chain-armor-private.h"
#include "chain-pki-private.h"
#include "chain-i18n-private.h"

#define PEM_LABEL "SIGNED MESSAGE"
#define OFFICER_PROFILE "CA:FALSE, keyUsage digitalSignature, extendedKeyUsage emailProtection"

static char *
cert_subject_string (const ChainCert *cert)
{
  g_autoptr(ChainName) subject = chain_cert_dup_subject (cert);

  return chain_name_to_string (subject);
}

static char *
x509_subject_string (X509 *x509)
{
  g_autoptr(ChainCert) cert = NULL;

  if (x509 == NULL)
    return g_strdup (_("(unknown)"));
  X509_up_ref (x509);
  cert = chain_cert_new_take (x509);
  return cert_subject_string (cert);
}

static char *
time_string (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (unix_time);

  if (when == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, unix_time);
  return g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
}

gboolean
chain_cms_check_officer (const ChainCert *cert,
                         ChainError       code,
                         GError         **error)
{
  X509 *x509 = NULL;
  uint32_t flags;
  g_autofree char *subject = NULL;
  const char *missing = NULL;

  g_return_val_if_fail (cert != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  x509 = chain_cert_get_x509 (cert);
  /* Computes the cached extension flags; a certificate with malformed
   * extensions gets EXFLAG_INVALID. */
  flags = X509_get_extension_flags (x509);

  if ((flags & EXFLAG_INVALID) != 0)
    missing = _("well-formed extensions");
  else if (X509_check_ca (x509) != 0)
    missing = _("CA:FALSE (it is a CA certificate)");
  else if ((flags & EXFLAG_KUSAGE) == 0
           || (X509_get_key_usage (x509) & KU_DIGITAL_SIGNATURE) == 0)
    missing = "keyUsage digitalSignature";
  else if ((flags & EXFLAG_XKUSAGE) == 0
           || (X509_get_extended_key_usage (x509) & XKU_SMIME) == 0)
    missing = "extendedKeyUsage emailProtection";
  chain_openssl_clear_errors ();

  if (missing == NULL)
    return TRUE;

  subject = cert_subject_string (cert);
  g_set_error (error, CHAIN_ERROR, code,
               /* Translators: the first %s is the certificate's subject, the second what
                * it lacks (e.g. 'keyUsage digitalSignature'), the last the X.509
                * extensions an officer certificate has (not translated). */
               _("certificate %s is not an officer certificate: it lacks %s; "
                 "sign ledger commits with an officer certificate (%s)"),
               subject, missing, OFFICER_PROFILE);
  return FALSE;
}

/* The detached CMS signature, DER; called with @key locked (loaded). */
static GBytes *
sign_der (ChainKey     *key,
          ChainCert    *signer,
          GPtrArray    *extra_certs,
          const guint8 *data,
          gsize         len,
          GError      **error)
{
  /* BINARY: sign the bytes as they are, no MIME canonical line endings.
   * NOSMIMECAP: the capabilities attribute means nothing to a verifier. */
  const unsigned int flags = CMS_BINARY | CMS_DETACHED | CMS_PARTIAL | CMS_NOSMIMECAP;
  EVP_PKEY *pkey = NULL;
  X509 *signer_x509 = NULL;
  g_autoptr(CMS_ContentInfo) cms = NULL;
  g_autoptr(BIO) content = NULL;
  unsigned char *der = NULL;
  int der_len;
  GBytes *result;

  if (chain_key_get_pkey (key) == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("the officer's %s key cannot be loaded: is the TPM running and TPM2OPENSSL_TCTI right?"),
                   chain_key_store_to_string (chain_key_get_store (key)));
      return NULL;
    }
  pkey = chain_key_get_pkey (key);
  signer_x509 = chain_cert_get_x509 (signer);

  cms = CMS_sign_ex (NULL, NULL, NULL, NULL, flags, chain_key_get_libctx (key), chain_key_get_propq (key));
  if (cms == NULL
      || CMS_add1_signer (cms, signer_x509, pkey, chain_pkey_signature_digest (chain_key_get_public (key)),
                          flags) == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot set up the commit signature"));
      return NULL;
    }

  for (guint i = 0; extra_certs != NULL && i < extra_certs->len; i++)
    {
      X509 *extra = chain_cert_get_x509 (g_ptr_array_index (extra_certs, i));
      gboolean duplicate = FALSE;
      STACK_OF(X509) *certs = CMS_get1_certs (cms);

      /* OpenSSL refuses a certificate twice; the signer is already in. */
      for (int j = 0; certs != NULL && j < sk_X509_num (certs); j++)
        if (X509_cmp (sk_X509_value (certs, j), extra) == 0)
          duplicate = TRUE;
      sk_X509_pop_free (certs, X509_free);
      if (!duplicate && !CMS_add1_cert (cms, extra))
        {
          chain_openssl_error (error, CHAIN_ERROR_FAILED,
                               _("cannot embed a CA certificate in the commit signature"));
          return NULL;
        }
    }

  /* OpenSSL refuses a NULL buffer even when empty. */
  content = BIO_new_mem_buf (len > 0 ? data : (const guint8 *) "", (int) len);
  if (content == NULL || !CMS_final (cms, content, NULL, flags))
    {
      chain_key_explain_failure (key);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot sign the commit"));
      return NULL;
    }

  der_len = i2d_CMS_ContentInfo (cms, &der);
  if (der_len <= 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot encode the commit signature"));
      return NULL;
    }
  result = g_bytes_new (der, (gsize) der_len);
  OPENSSL_free (der);
  return result;
}

GBytes *
chain_cms_sign_detached (ChainKey     *key,
                         ChainCert    *signer,
                         GPtrArray    *extra_certs,
                         const guint8 *data,
                         gsize         len,
                         GError      **error)
{
  g_autoptr(GBytes) der_bytes = NULL;
  const unsigned char *der = NULL;
  gsize der_size = 0;
  int der_len;
  GBytes *pem = NULL;
  GBytes *signature = NULL;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (signer != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len > CHAIN_CMS_DATA_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("content to sign is too large (%zu bytes, at most %d)"),
                   len, CHAIN_CMS_DATA_MAX_LEN);
      return NULL;
    }
  if (!chain_cms_check_officer (signer, CHAIN_ERROR_REFUSED, error))
    return NULL;
  if (!chain_cert_matches_key (signer, key))
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the key does not match the officer certificate: "
                             "pass the key the certificate was issued for"));
      return NULL;
    }

  /* A TPM key is loaded for this signature only, and signs in its
   * provider's library context, one call at a time. */
  chain_key_lock (key);
  der_bytes = sign_der (key, signer, extra_certs, data, len, error);
  chain_key_unlock (key);
  if (der_bytes == NULL)
    return NULL;
  der = g_bytes_get_data (der_bytes, &der_size);
  der_len = (int) der_size;
  pem = chain_armor_encode (PEM_LABEL, der, (gsize) der_len);
  /* libgit2 1.5 turns every '\n' into "\n " in the header, so a final
   * newline would leave a stray " " line that git itself never writes. */
  signature = g_bytes_new_from_bytes (pem, 0, g_bytes_get_size (pem) - 1);
  g_bytes_unref (pem);
  return signature;
}

/* SHA-2 only; and gpgsm fails an ECDSA signature whose hash is shorter
 * than the curve ("a 256 bit hash is not valid for a 384 bit ECC key"). */
static gboolean
check_digest (CMS_SignerInfo    *info,
              ChainKeyAlgorithm  algorithm,
              GError           **error)
{
  X509_ALGOR *digest = NULL;
  int nid;

  CMS_SignerInfo_get0_algs (info, NULL, NULL, &digest, NULL);
  nid = digest != NULL ? OBJ_obj2nid (digest->algorithm) : NID_undef;
  if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("commit signature uses digest %s; only SHA-256, SHA-384 and SHA-512 "
                     "are accepted"), nid != NID_undef ? OBJ_nid2sn (nid) : _("(unknown)"));
      return FALSE;
    }
  if (algorithm == CHAIN_KEY_ALGORITHM_EC_P384 && nid == NID_sha256)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                           _("commit signature uses SHA-256 with a P-384 key, which gpgsm "
                             "rejects; P-384 signers must use SHA-384 or SHA-512"));
      return FALSE;
    }
  return TRUE;
}

/* The signer's chain to an anchor, at @at_time, as `openssl cms -verify`
 * would check it, but strict and at security level 2. */
static gboolean
verify_chain (CMS_ContentInfo *cms,
              X509            *signer,
              GPtrArray       *anchors,
              gint64           at_time,
              GError         **error)
{
  g_autoptr(X509_STORE) store = X509_STORE_new ();
  g_autoptr(X509_STORE_CTX) ctx = X509_STORE_CTX_new ();
  STACK_OF(X509) *untrusted = NULL;
  X509_VERIFY_PARAM *param = NULL;
  g_autofree char *signer_name = NULL;
  g_autofree char *failing_name = NULL;
  g_autofree char *when = NULL;
  gboolean ok = FALSE;
  int err;

  if (store == NULL || ctx == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot verify the commit signer"));
      return FALSE;
    }
  for (guint i = 0; i < anchors->len; i++)
    if (!X509_STORE_add_cert (store, chain_cert_get_x509 (g_ptr_array_index (anchors, i))))
      {
        chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot load the ledger roots"));
        return FALSE;
      }

  untrusted = CMS_get1_certs (cms);
  if (!X509_STORE_CTX_init (ctx, store, signer, untrusted)
      || !X509_STORE_CTX_set_purpose (ctx, X509_PURPOSE_SMIME_SIGN))
    {
      sk_X509_pop_free (untrusted, X509_free);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot verify the commit signer"));
      return FALSE;
    }
  param = X509_STORE_CTX_get0_param (ctx);
  X509_VERIFY_PARAM_set_flags (param, X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_set_auth_level (param, 2);
  if (at_time != 0)
    X509_VERIFY_PARAM_set_time (param, (time_t) at_time);

  ok = X509_verify_cert (ctx) > 0;
  err = X509_STORE_CTX_get_error (ctx);
  if (!ok)
    failing_name = x509_subject_string (X509_STORE_CTX_get_current_cert (ctx));
  X509_STORE_CTX_cleanup (ctx);
  sk_X509_pop_free (untrusted, X509_free);
  chain_openssl_clear_errors ();
  if (ok)
    return TRUE;

  signer_name = x509_subject_string (signer);
  when = time_string (at_time != 0 ? at_time : g_get_real_time () / G_USEC_PER_SEC);
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
               /* Translators: the signer's subject, the time checked at, OpenSSL's reason
                * (in English), the subject of the certificate where the chain failed. */
               _("commit signer %s does not chain to a ledger root at %s: %s (certificate %s)"),
               signer_name, when, X509_verify_cert_error_string (err), failing_name);
  return FALSE;
}

gboolean
chain_cms_verify_detached (const guint8 *signature,
                           gsize         sig_len,
                           const guint8 *data,
                           gsize         len,
                           GPtrArray    *anchors,
                           gint64        at_time,
                           ChainCert   **out_signer,
                           GError      **error)
{
  static const char *const labels[] = { PEM_LABEL, NULL };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(CMS_ContentInfo) cms = NULL;
  g_autoptr(BIO) content = NULL;
  g_autoptr(ChainCert) signer_cert = NULL;
  STACK_OF(CMS_SignerInfo) *infos = NULL;
  CMS_SignerInfo *info = NULL;
  X509 *signer = NULL;
  ChainKeyAlgorithm algorithm = CHAIN_KEY_ALGORITHM_INVALID;
  const unsigned char *der = NULL;
  const unsigned char *der_end = NULL;
  gsize der_len = 0;
  int n_signers;

  g_return_val_if_fail (signature != NULL || sig_len == 0, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (anchors != NULL && anchors->len > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len > CHAIN_CMS_DATA_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("signed content is too large (%zu bytes, at most %d)"),
                   len, CHAIN_CMS_DATA_MAX_LEN);
      return FALSE;
    }

  /* PEM only, one block, nothing around it: git recognises nothing else,
   * and text beside the block would be content nobody verified. */
  blocks = chain_armor_decode_all (signature, sig_len, CHAIN_CMS_SIGNATURE_MAX_LEN, 1,
                                   labels, _("commit signature"), &local_error);
  if (blocks == NULL)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY, local_error->message);
      return FALSE;
    }
  der = g_bytes_get_data (g_ptr_array_index (blocks, 0), &der_len);
  der_end = der + der_len;
  cms = d2i_CMS_ContentInfo (NULL, &der, (long) der_len);
  if (cms == NULL || der != der_end)
    {
      chain_openssl_error (error, CHAIN_ERROR_VERIFY,
                           _("commit signature is not a CMS structure"));
      return FALSE;
    }

  if (OBJ_obj2nid (CMS_get0_type (cms)) != NID_pkcs7_signed
      || OBJ_obj2nid (CMS_get0_eContentType (cms)) != NID_pkcs7_data)
    {
      chain_openssl_clear_errors ();
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                           _("commit signature is not a CMS SignedData over data"));
      return FALSE;
    }
  if (CMS_is_detached (cms) != 1)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                           _("commit signature carries its own content: it must be detached"));
      return FALSE;
    }

  /* Two signatures on one commit is an attack: whose commit is it? */
  infos = CMS_get0_SignerInfos (cms);
  n_signers = infos != NULL ? sk_CMS_SignerInfo_num (infos) : 0;
  if (n_signers != 1)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (chain_i18n_ngettext (
                                              "commit signature has %d signer; exactly one is allowed",
                                              "commit signature has %d signers; exactly one is allowed",
                                              (gulong) n_signers),
                                 n_signers);
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY, message);
      return FALSE;
    }
  info = sk_CMS_SignerInfo_value (infos, 0);

  /* Only embedded certificates: an auditor holds nothing but the roots. */
  if (CMS_set1_signers_certs (cms, NULL, 0) < 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_VERIFY,
                           _("commit signature's certificates are unreadable"));
      return FALSE;
    }
  CMS_SignerInfo_get0_algs (info, NULL, &signer, NULL, NULL);
  chain_openssl_clear_errors ();
  if (signer == NULL)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                           _("commit signature does not embed its signer's certificate"));
      return FALSE;
    }
  X509_up_ref (signer);
  signer_cert = chain_cert_new_take (signer);

  if (!chain_cms_check_officer (signer_cert, CHAIN_ERROR_VERIFY, error))
    return FALSE;
  algorithm = chain_pkey_get_algorithm (X509_get0_pubkey (signer), &local_error);
  if (algorithm == CHAIN_KEY_ALGORITHM_INVALID)
    {
      g_autofree char *subject = cert_subject_string (signer_cert);

      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("commit signer %s has a refused key: %s"), subject,
                   local_error != NULL ? local_error->message : _("unknown algorithm"));
      return FALSE;
    }
  if (!check_digest (info, algorithm, error))
    return FALSE;

  content = BIO_new_mem_buf (len > 0 ? data : (const guint8 *) "", (int) len);
  if (content == NULL
      || !CMS_verify (cms, NULL, NULL, content, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY))
    {
      chain_openssl_error (error, CHAIN_ERROR_VERIFY,
                           _("commit signature does not match the commit: it was edited "
                             "or signed over other content"));
      return FALSE;
    }

  if (!verify_chain (cms, signer, anchors, at_time, error))
    return FALSE;

  if (out_signer != NULL)
    *out_signer = g_steal_pointer (&signer_cert);
  return TRUE;
}
