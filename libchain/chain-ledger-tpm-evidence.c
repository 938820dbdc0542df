/* chain-ledger-tpm-evidence.c — checking a TPM's certification of a key, without the TPM */
#include "chain-tpm2-evidence-private.h"
#include "chain-error.h"
#include "chain-i18n-private.h"
#include "chain-openssl-private.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <openssl/x509_vfy.h>

#include <tss2/tss2_mu.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)

#define RULE_FORMAT     "tpm-evidence.format"
#define RULE_ATTRIBUTES "tpm-evidence.attributes"
#define RULE_KEY        "tpm-evidence.key"
#define RULE_SIGNATURE  "tpm-evidence.signature"
#define RULE_NAME       "tpm-evidence.name"
#define RULE_EK         "tpm-evidence.ek"

/* What a key must be to be the TPM's own: made inside it, never to leave
 * it or its parent. */
#define OWN_KEY_ATTRIBUTES (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN)
/* What an attestation key must be: besides, restricted, so that it signs
 * only what the TPM itself produced (TPM_GENERATED_VALUE). */
#define AK_ATTRIBUTES (OWN_KEY_ATTRIBUTES | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

typedef struct {
  GBytes *key;
  GBytes *parent_name;
  GBytes *attest;
  GBytes *signature;
  GBytes *ak;
  GBytes *ek_certificate;
  TPMT_PUBLIC key_public;
  TPMT_PUBLIC ak_public;
  TPMS_ATTEST attest_info;
  TPMT_SIGNATURE signature_info;
} Evidence;

static void
evidence_clear (Evidence *self)
{
  g_clear_pointer (&self->key, g_bytes_unref);
  g_clear_pointer (&self->parent_name, g_bytes_unref);
  g_clear_pointer (&self->attest, g_bytes_unref);
  g_clear_pointer (&self->signature, g_bytes_unref);
  g_clear_pointer (&self->ak, g_bytes_unref);
  g_clear_pointer (&self->ek_certificate, g_bytes_unref);
}

static gboolean
refuse (const char **out_rule,
        const char  *rule,
        GError     **error,
        const char  *format,
        ...) G_GNUC_PRINTF (4, 5);

static gboolean
refuse (const char **out_rule,
        const char  *rule,
        GError     **error,
        const char  *format,
        ...)
{
  va_list args;

  *out_rule = rule;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (CHAIN_ERROR, CHAIN_ERROR_REFUSED, format, args));
  va_end (args);
  return FALSE;
}

/* A base64 member, at most @cap bytes once decoded; NULL when absent or bad. */
static GBytes *
decode_member (ChainJson  *evidence,
               const char *name,
               gsize       cap,
               gboolean   *bad)
{
  ChainJson *value = chain_json_object_get_member (evidence, name);
  const char *text;
  guchar *data;
  gsize len = 0;

  if (value == NULL)
    return NULL;
  if (chain_json_get_value_type (value) != CHAIN_JSON_STRING
      || strlen (text = chain_json_get_string (value)) > (cap + 2) / 3 * 4
      || strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != strlen (text))
    {
      *bad = TRUE;
      return NULL;
    }
  data = g_base64_decode (text, &len);
  if (len == 0 || len > cap)
    {
      g_free (data);
      *bad = TRUE;
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

/* Unmarshals one structure that must fill @bytes exactly. */
#define UNMARSHAL_WHOLE(type, bytes, out)                                                       \
  ({                                                                                            \
    gsize len_ = 0;                                                                             \
    size_t offset_ = 0;                                                                         \
    const guint8 *data_ = g_bytes_get_data ((bytes), &len_);                                    \
    Tss2_MU_##type##_Unmarshal (data_, len_, &offset_, (out)) == TSS2_RC_SUCCESS && offset_ == len_; \
  })

static gboolean
evidence_parse (Evidence   *self,
                ChainJson  *json,
                const char **out_rule,
                GError    **error)
{
  gboolean bad = FALSE;
  static const char *const known[] = { "key", "parent_name", "attest", "signature", "ak", "ek_certificate" };

  if (json == NULL || chain_json_get_value_type (json) != CHAIN_JSON_OBJECT)
    return refuse (out_rule, RULE_FORMAT, error, _("the TPM evidence is not an object"));
  for (gsize i = 0; i < chain_json_object_get_size (json); i++)
    {
      const char *member = chain_json_object_get_key_at (json, i);
      gboolean ok = FALSE;

      for (guint k = 0; k < G_N_ELEMENTS (known); k++)
        ok = ok || g_strcmp0 (member, known[k]) == 0;
      if (!ok)
        return refuse (out_rule, RULE_FORMAT, error, _("the TPM evidence has an unknown member '%s'"), member);
    }
  self->key = decode_member (json, "key", CHAIN_TPM2_EVIDENCE_MAX_STRUCT, &bad);
  self->parent_name = decode_member (json, "parent_name", sizeof (TPMU_NAME), &bad);
  self->attest = decode_member (json, "attest", CHAIN_TPM2_EVIDENCE_MAX_STRUCT, &bad);
  self->signature = decode_member (json, "signature", CHAIN_TPM2_EVIDENCE_MAX_STRUCT, &bad);
  self->ak = decode_member (json, "ak", CHAIN_TPM2_EVIDENCE_MAX_STRUCT, &bad);
  self->ek_certificate = decode_member (json, "ek_certificate", CHAIN_TPM2_EVIDENCE_MAX_CERT, &bad);
  if (bad || self->key == NULL || self->parent_name == NULL || self->attest == NULL || self->signature == NULL
      || self->ak == NULL)
    return refuse (out_rule, RULE_FORMAT, error,
                   _("the TPM evidence needs key, parent_name, attest, signature and ak, each base64 of at most "
                     "%d bytes"), CHAIN_TPM2_EVIDENCE_MAX_STRUCT);
  if (!UNMARSHAL_WHOLE (TPMT_PUBLIC, self->key, &self->key_public)
      || !UNMARSHAL_WHOLE (TPMT_PUBLIC, self->ak, &self->ak_public)
      || !UNMARSHAL_WHOLE (TPMS_ATTEST, self->attest, &self->attest_info)
      || !UNMARSHAL_WHOLE (TPMT_SIGNATURE, self->signature, &self->signature_info))
    return refuse (out_rule, RULE_FORMAT, error,
                   _("the TPM evidence's key, ak, attest or signature is not a TPM 2.0 structure"));
  return TRUE;
}

static const char *
digest_name (TPMI_ALG_HASH alg)
{
  switch (alg)
    {
    case TPM2_ALG_SHA256:
      return "SHA256";
    case TPM2_ALG_SHA384:
      return "SHA384";
    case TPM2_ALG_SHA512:
      return "SHA512";
    default:
      return NULL;
    }
}

/* The public key of a TPMT_PUBLIC (ECC P-256/P-384 or RSA), or NULL. */
static EVP_PKEY *
public_key_of (const TPMT_PUBLIC *area)
{
  g_autoptr(OSSL_PARAM_BLD) build = OSSL_PARAM_BLD_new ();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;
  BIGNUM *n = NULL;
  BIGNUM *e = NULL;
  guint8 point[1 + 2 * sizeof area->unique.ecc.x.buffer];
  gboolean ok = FALSE;

  if (build == NULL)
    return NULL;
  if (area->type == TPM2_ALG_ECC)
    {
      const TPMS_ECC_POINT *q = &area->unique.ecc;
      const char *group = area->parameters.eccDetail.curveID == TPM2_ECC_NIST_P256 ? "P-256"
                          : area->parameters.eccDetail.curveID == TPM2_ECC_NIST_P384 ? "P-384" : NULL;
      gsize size = area->parameters.eccDetail.curveID == TPM2_ECC_NIST_P256 ? 32 : 48;

      if (group != NULL && q->x.size == size && q->y.size == size)
        {
          point[0] = 0x04;
          memcpy (point + 1, q->x.buffer, size);
          memcpy (point + 1 + size, q->y.buffer, size);
          ok = OSSL_PARAM_BLD_push_utf8_string (build, OSSL_PKEY_PARAM_GROUP_NAME, group, 0)
               && OSSL_PARAM_BLD_push_octet_string (build, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size);
        }
      ctx = ok ? EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL) : NULL;
    }
  else if (area->type == TPM2_ALG_RSA && area->unique.rsa.size > 0)
    {
      guint32 exponent = area->parameters.rsaDetail.exponent != 0 ? area->parameters.rsaDetail.exponent : 65537;

      n = BN_bin2bn (area->unique.rsa.buffer, area->unique.rsa.size, NULL);
      e = BN_new ();
      ok = n != NULL && e != NULL && BN_set_word (e, exponent)
           && OSSL_PARAM_BLD_push_BN (build, OSSL_PKEY_PARAM_RSA_N, n)
           && OSSL_PARAM_BLD_push_BN (build, OSSL_PKEY_PARAM_RSA_E, e);
      ctx = ok ? EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL) : NULL;
    }
  params = ctx != NULL ? OSSL_PARAM_BLD_to_param (build) : NULL;
  if (params == NULL || EVP_PKEY_fromdata_init (ctx) != 1
      || EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    g_clear_pointer (&pkey, EVP_PKEY_free);
  OSSL_PARAM_free (params);
  EVP_PKEY_CTX_free (ctx);
  BN_free (n);
  BN_free (e);
  chain_openssl_clear_errors ();
  return pkey;
}

/* nameAlg || H(data), as the TPM names objects; FALSE for a hash it does not take. */
static gboolean
tpm_name (TPMI_ALG_HASH  alg,
          const guint8  *data,
          gsize          len,
          const guint8  *data2,
          gsize          len2,
          guint8        *out,
          gsize         *out_len)
{
  const char *md_name = digest_name (alg);
  g_autoptr(EVP_MD) md = md_name != NULL ? EVP_MD_fetch (NULL, md_name, NULL) : NULL;
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  unsigned int digest_len = 0;

  if (md == NULL || ctx == NULL)
    return FALSE;
  out[0] = (guint8) (alg >> 8);
  out[1] = (guint8) alg;
  if (EVP_DigestInit_ex (ctx, md, NULL) != 1 || EVP_DigestUpdate (ctx, data, len) != 1
      || (len2 > 0 && EVP_DigestUpdate (ctx, data2, len2) != 1)
      || EVP_DigestFinal_ex (ctx, out + 2, &digest_len) != 1)
    return FALSE;
  *out_len = 2 + digest_len;
  return TRUE;
}

static gboolean
name_equals (const TPM2B_NAME *name,
             const guint8     *expected,
             gsize             len)
{
  return name->size == len && memcmp (name->name, expected, len) == 0;
}

/* The attested Name is this key's, and its qualified name says it was
 * loaded under the recorded primary of the owner hierarchy: a public area
 * loaded on its own (TPM2_LoadExternal) would have the hierarchy as parent. */
static gboolean
check_name (Evidence    *self,
            const char **out_rule,
            GError     **error)
{
  static const guint8 owner[4] = { 0x40, 0x00, 0x00, 0x01 };
  const TPMS_CERTIFY_INFO *certified = &self->attest_info.attested.certify;
  gsize key_len = 0;
  gsize parent_len = 0;
  const guint8 *key = g_bytes_get_data (self->key, &key_len);
  const guint8 *parent = g_bytes_get_data (self->parent_name, &parent_len);
  guint8 name[2 + EVP_MAX_MD_SIZE];
  guint8 parent_qualified[2 + EVP_MAX_MD_SIZE];
  guint8 qualified[2 + EVP_MAX_MD_SIZE];
  gsize name_len = 0;
  gsize parent_qualified_len = 0;
  gsize qualified_len = 0;

  if (!tpm_name (self->key_public.nameAlg, key, key_len, NULL, 0, name, &name_len))
    return refuse (out_rule, RULE_NAME, error,
                   _("the TPM evidence's key is named with a hash libchain does not take (use SHA-256 or better)"));
  if (!name_equals (&certified->name, name, name_len))
    return refuse (out_rule, RULE_NAME, error,
                   _("the TPM certified another key: the attested Name is not the Name of the recorded key"));
  if (parent_len < 2
      || !tpm_name ((TPMI_ALG_HASH) (parent[0] << 8 | parent[1]), owner, sizeof owner, parent, parent_len,
                    parent_qualified, &parent_qualified_len)
      || !tpm_name (self->key_public.nameAlg, parent_qualified, parent_qualified_len, name, name_len,
                    qualified, &qualified_len)
      || !name_equals (&certified->qualifiedName, qualified, qualified_len))
    return refuse (out_rule, RULE_NAME, error,
                   _("the TPM certified a key that was not loaded under a storage primary of its owner "
                     "hierarchy (qualified name mismatch)"));
  return TRUE;
}

/* The AK's signature over the attest bytes: ECDSA (r, s) or RSASSA. */
static gboolean
check_signature (Evidence    *self,
                 const char **out_rule,
                 GError     **error)
{
  const TPMT_SIGNATURE *sig = &self->signature_info;
  g_autoptr(EVP_PKEY) ak = public_key_of (&self->ak_public);
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  g_autoptr(EVP_MD) md = NULL;
  unsigned char *der = NULL;
  const unsigned char *raw = NULL;
  int der_len = 0;
  gsize raw_len = 0;
  gsize attest_len = 0;
  const guint8 *attest = g_bytes_get_data (self->attest, &attest_len);
  const char *md_name = NULL;
  gboolean ok = FALSE;

  if (self->attest_info.magic != TPM2_GENERATED_VALUE || self->attest_info.type != TPM2_ST_ATTEST_CERTIFY)
    return refuse (out_rule, RULE_SIGNATURE, error, _("the TPM evidence's attest is not a TPM's certification of a key"));
  if (sig->sigAlg == TPM2_ALG_ECDSA && ak != NULL && EVP_PKEY_is_a (ak, "EC"))
    {
      ECDSA_SIG *ecdsa = ECDSA_SIG_new ();
      BIGNUM *r = BN_bin2bn (sig->signature.ecdsa.signatureR.buffer, sig->signature.ecdsa.signatureR.size, NULL);
      BIGNUM *s = BN_bin2bn (sig->signature.ecdsa.signatureS.buffer, sig->signature.ecdsa.signatureS.size, NULL);

      md_name = digest_name (sig->signature.ecdsa.hash);
      if (ecdsa != NULL && r != NULL && s != NULL && ECDSA_SIG_set0 (ecdsa, r, s) == 1)
        der_len = i2d_ECDSA_SIG (ecdsa, &der);
      else
        {
          BN_free (r);
          BN_free (s);
        }
      ECDSA_SIG_free (ecdsa);
      raw = der;
      raw_len = der_len > 0 ? (gsize) der_len : 0;
    }
  else if (sig->sigAlg == TPM2_ALG_RSASSA && ak != NULL && EVP_PKEY_is_a (ak, "RSA"))
    {
      md_name = digest_name (sig->signature.rsassa.hash);
      raw = sig->signature.rsassa.sig.buffer;
      raw_len = sig->signature.rsassa.sig.size;
    }
  md = md_name != NULL ? EVP_MD_fetch (NULL, md_name, NULL) : NULL;
  if (md != NULL && ctx != NULL && raw_len > 0
      && EVP_DigestVerifyInit (ctx, NULL, md, NULL, ak) == 1)
    ok = EVP_DigestVerify (ctx, raw, raw_len, attest, attest_len) == 1;
  OPENSSL_free (der);
  chain_openssl_clear_errors ();
  if (!ok)
    return refuse (out_rule, RULE_SIGNATURE, error,
                   _("the TPM evidence's signature does not verify under its attestation key"));
  return TRUE;
}

static gboolean
check_ek (Evidence        *self,
          STACK_OF(X509)  *roots,
          const char     **out_rule,
          GError         **error)
{
  g_autoptr(X509_STORE) store = X509_STORE_new ();
  g_autoptr(X509_STORE_CTX) ctx = X509_STORE_CTX_new ();
  g_autoptr(X509) cert = NULL;
  const unsigned char *p;
  gsize len = 0;
  int verdict = 0;

  if (roots == NULL || sk_X509_num (roots) == 0)
    return TRUE;
  if (self->ek_certificate == NULL)
    return refuse (out_rule, RULE_EK, error,
                   _("the TPM evidence has no EK certificate, and the policy trusts only TPMs whose maker "
                     "certified their endorsement key"));
  p = g_bytes_get_data (self->ek_certificate, &len);
  cert = d2i_X509 (NULL, &p, (long) len);
  if (store == NULL || ctx == NULL || cert == NULL)
    {
      chain_openssl_clear_errors ();
      return refuse (out_rule, RULE_EK, error, _("the TPM evidence's EK certificate is not a certificate"));
    }
  for (int i = 0; i < sk_X509_num (roots); i++)
    X509_STORE_add_cert (store, sk_X509_value (roots, i));
  /* A TPM maker's issuing CA may be trusted on its own, without its root;
   * EK certificates mark their SAN critical, which OpenSSL handles. */
  X509_STORE_set_flags (store, X509_V_FLAG_PARTIAL_CHAIN);
  if (X509_STORE_CTX_init (ctx, store, cert, NULL) == 1)
    verdict = X509_verify_cert (ctx);
  chain_openssl_clear_errors ();
  if (verdict != 1)
    return refuse (out_rule, RULE_EK, error,
                   /* Translators: %s is OpenSSL's reason, e.g. "unable to get local issuer certificate". */
                   _("the TPM evidence's EK certificate does not chain to a TPM maker the policy trusts (%s)"),
                   X509_verify_cert_error_string (X509_STORE_CTX_get_error (ctx)));
  return TRUE;
}

EVP_PKEY *
chain_tpm2_evidence_dup_key (ChainJson *json)
{
  gboolean bad = FALSE;
  g_autoptr(GBytes) key = json != NULL && chain_json_get_value_type (json) == CHAIN_JSON_OBJECT
                          ? decode_member (json, "key", CHAIN_TPM2_EVIDENCE_MAX_STRUCT, &bad) : NULL;
  TPMT_PUBLIC area = { 0 };

  if (key == NULL || !UNMARSHAL_WHOLE (TPMT_PUBLIC, key, &area))
    return NULL;
  return public_key_of (&area);
}

gboolean
chain_tpm2_evidence_check (ChainJson        *json,
                           EVP_PKEY         *spki,
                           STACK_OF(X509)   *ek_roots,
                           const char      **out_rule,
                           GError          **error)
{
  Evidence self = { 0 };
  g_autoptr(EVP_PKEY) key = NULL;
  gboolean ok = FALSE;

  if (!evidence_parse (&self, json, out_rule, error))
    goto out;
  if ((self.key_public.objectAttributes & OWN_KEY_ATTRIBUTES) != OWN_KEY_ATTRIBUTES)
    {
      refuse (out_rule, RULE_ATTRIBUTES, error,
              _("the TPM key is not fixedTPM, fixedParent and sensitiveDataOrigin: it was not made inside "
                "the TPM, or it may leave it"));
      goto out;
    }
  if ((self.ak_public.objectAttributes & AK_ATTRIBUTES) != AK_ATTRIBUTES)
    {
      refuse (out_rule, RULE_ATTRIBUTES, error,
              _("the TPM evidence's attestation key is not a restricted signing key that stays in its TPM"));
      goto out;
    }
  key = public_key_of (&self.key_public);
  if (key == NULL || spki == NULL || EVP_PKEY_eq (key, spki) != 1)
    {
      chain_openssl_clear_errors ();
      refuse (out_rule, RULE_KEY, error, _("the TPM evidence is about another key than the one the record introduces"));
      goto out;
    }
  ok = check_signature (&self, out_rule, error) && check_name (&self, out_rule, error)
       && check_ek (&self, ek_roots, out_rule, error);
out:
  evidence_clear (&self);
  return ok;
}
