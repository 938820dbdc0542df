/* chain-issuer.c — the certificate profiles libchain signs
 *
 * A ChainIssuer checks its own chain once, then keeps everything an issuance
 * needs precomputed: the intersection of the chain's validity, how many CA
 * levels each ancestor still allows, every ancestor's name constraints, and
 * the extensions that are the same in every certificate. Issuing a device
 * then costs one random serial, one name, one copy of the CSR's
 * SubjectPublicKeyInfo, one signature and one re-parse.
 */
#include "chain-pki-private.h"
#include "chain-verify.h"
#include "chain-i18n-private.h"

#include <string.h>
#include <time.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* Serials are this many bytes: positive, and always this long. */
#define SERIAL_LEN 16

/* Longest chain an issuer accepts, root included. */
#define MAX_CHAIN_LEN 16

/* Largest pathLenConstraint libchain writes. */
#define MAX_PATH_LEN 32

/* 9999-12-31T23:59:59Z, the last second X.509 can express. */
#define MAX_TIME G_GINT64_CONSTANT (253402300799)

/* A proof-of-possession certificate lives this long, at most. */
#define POP_LIFETIME (30 * 24 * 60 * 60)

/* Longest verification code a cloud hands out (the X.509 CN bound). */
#define POP_CODE_MAX_LEN 64

/* keyUsage bit numbers, RFC 5280 4.2.1.3 */
enum {
  KU_BIT_DIGITAL_SIGNATURE = 0,
  KU_BIT_KEY_ENCIPHERMENT  = 2,
  KU_BIT_KEY_CERT_SIGN     = 5,
  KU_BIT_CRL_SIGN          = 6,
};

typedef struct {
  NAME_CONSTRAINTS *nc;
  char             *owner;   /* CN of the CA that carries them */
} AncestorConstraints;

struct _ChainIssuer {
  ChainCert      *cert;
  ChainKey       *key;
  GPtrArray      *chain;          /* ChainCert: cert, its issuer, ... root */
  GPtrArray      *labels;         /* char *: CN of each chain member */

  X509_STORE     *store;          /* the root as the only anchor */
  STACK_OF (X509) *untrusted;     /* the chain without the root */

  ChainName      *subject;        /* devices take it with their own CN */
  X509_NAME      *issuer_name;    /* encoded once; duplicated per certificate */
  EVP_MD         *md;             /* what the issuer signs with, fetched once */
  EVP_MD         *ski_md;         /* SHA-256 for key identifiers */

  /* The validity every certificate must stay inside, and whose it is. */
  gint64          window_start;
  gint64          window_end;
  char           *window_start_owner;
  char           *window_end_owner;

  /* Path length: why no sub-CA may be issued at all (NULL if one may), else
   * the largest pathLenConstraint a new sub-CA may carry (-1: any) and the
   * ancestor that sets it. */
  char           *sub_ca_refusal;
  int             sub_ca_budget;
  char           *sub_ca_budget_owner;

  GPtrArray      *constraints;    /* AncestorConstraints */

  /* Extensions every certificate of a profile shares, built once. */
  X509_EXTENSION *aki;
  X509_EXTENSION *ca_key_usage;
  X509_EXTENSION *leaf_basic_constraints;
  X509_EXTENSION *leaf_key_usage;
  X509_EXTENSION *leaf_key_usage_rsa;
  X509_EXTENSION *leaf_ext_key_usage;
};

static void
ancestor_constraints_free (gpointer data)
{
  AncestorConstraints *c = data;

  NAME_CONSTRAINTS_free (c->nc);
  g_free (c->owner);
  g_free (c);
}

/* time() rather than g_get_real_time(): it is the clock OpenSSL's verifier
 * reads, and the two can straddle a second, making a certificate issued
 * "now" not yet valid for a moment. */
static gint64
now_seconds (void)
{
  return (gint64) time (NULL);
}

/* Returns: (transfer full): @t as 2030-01-01T00:00:00Z. */
static char *
format_time (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ")
                    : g_strdup_printf ("%" G_GINT64_FORMAT, t);
}

static gboolean
check_options (const ChainIssueOptions *options,
               GError                 **error)
{
  if (options->version != CHAIN_ISSUE_OPTIONS_VERSION)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("issue options version %u is not supported; initialise them with CHAIN_ISSUE_OPTIONS_INIT"),
                   options->version);
      return FALSE;
    }
  if (options->path_len < CHAIN_PATH_LEN_UNLIMITED || options->path_len > MAX_PATH_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("path length %d is out of range; use 0 to %d, or unlimited"),
                   options->path_len, MAX_PATH_LEN);
      return FALSE;
    }
  return TRUE;
}

/* Resolves @options' validity (0 = now) and checks it is well formed. */
static gboolean
resolve_validity (const ChainIssueOptions *options,
                  gint64                   now,
                  gint64                  *out_not_before,
                  gint64                  *out_not_after,
                  GError                 **error)
{
  gint64 not_before = options->not_before != 0 ? options->not_before : now;
  gint64 not_after = options->not_after;

  if (not_before < 0 || not_before > MAX_TIME || not_after < 0 || not_after > MAX_TIME)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("validity is outside what X.509 can express; use dates between 1970 and 9999"));
      return FALSE;
    }
  if (not_after <= not_before)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("not_after must be later than not_before; set an end date after the start"));
      return FALSE;
    }
  *out_not_before = not_before;
  *out_not_after = not_after;
  return TRUE;
}

/* A serial is 16 random bytes with the top bit clear (positive) and the next
 * bit set (no leading zero byte, so every serial has the same length): 126
 * random bits, well over the 64 CA/B Forum rules ask for. */
static gboolean
set_random_serial (X509    *x,
                   GError **error)
{
  guint8 bytes[SERIAL_LEN];

  if (RAND_bytes (bytes, sizeof bytes) != 1)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not draw a random serial number"));
      return FALSE;
    }
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  if (!ASN1_STRING_set (X509_get_serialNumber (x), bytes, sizeof bytes))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not set the serial number"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_time (ASN1_TIME *field,
          gint64     t)
{
  /* ASN1_TIME_set picks UTCTime up to 2049 and GeneralizedTime after,
   * as RFC 5280 4.1.2.5 requires. */
  return ASN1_TIME_set (field, (time_t) t) != NULL;
}

/* Returns: (transfer full): a v3 certificate with a fresh serial, the
 * names and the validity set; extensions and key still to add. */
static X509 *
cert_new_base (const X509_NAME *issuer,
               const X509_NAME *subject,
               gint64           not_before,
               gint64           not_after,
               GError         **error)
{
  g_autoptr(X509) x = X509_new ();

  if (x == NULL
      || !X509_set_version (x, X509_VERSION_3)
      || !X509_set_issuer_name (x, issuer)
      || !X509_set_subject_name (x, subject)
      || !set_time (X509_getm_notBefore (x), not_before)
      || !set_time (X509_getm_notAfter (x), not_after))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not build a certificate"));
      return NULL;
    }
  if (!set_random_serial (x, error))
    return NULL;
  return g_steal_pointer (&x);
}

/* Copies @from's algorithm and key bits into @x's SubjectPublicKeyInfo,
 * avoiding OpenSSL 3's slow encode of an EVP_PKEY per certificate. */
static gboolean
copy_public_key (X509              *x,
                 const X509_PUBKEY *from,
                 GError           **error)
{
  ASN1_OBJECT *algorithm = NULL;
  const unsigned char *bits = NULL;
  int bits_len = 0;
  X509_ALGOR *algor = NULL;
  const ASN1_OBJECT *param_object = NULL;
  int param_type = V_ASN1_UNDEF;
  const void *param = NULL;
  void *param_copy = NULL;
  unsigned char *bits_copy = NULL;

  if (!X509_PUBKEY_get0_param (&algorithm, &bits, &bits_len, &algor, from)
      || bits == NULL || bits_len <= 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT, _("the request carries no usable public key"));
      return FALSE;
    }
  X509_ALGOR_get0 (&param_object, &param_type, &param, algor);
  switch (param_type)
    {
    case V_ASN1_UNDEF:
    case V_ASN1_NULL:
      break;
    case V_ASN1_OBJECT:
      param_copy = OBJ_dup (param);
      break;
    default:
      param_copy = ASN1_STRING_dup (param);
      break;
    }
  bits_copy = OPENSSL_memdup (bits, (size_t) bits_len);
  if ((param != NULL && param_type != V_ASN1_NULL && param_copy == NULL) || bits_copy == NULL)
    goto fail;
  if (!X509_PUBKEY_set0_param (X509_get_X509_PUBKEY (x), OBJ_dup (algorithm),
                               param_type, param_copy, bits_copy, bits_len))
    goto fail;
  return TRUE;

fail:
  if (param_type == V_ASN1_OBJECT)
    ASN1_OBJECT_free (param_copy);
  else if (param_copy != NULL)
    ASN1_STRING_free (param_copy);
  OPENSSL_free (bits_copy);
  chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not copy the public key"));
  return FALSE;
}

static X509_EXTENSION *
ext_basic_constraints (gboolean ca,
                       int      path_len)
{
  g_autoptr(BASIC_CONSTRAINTS) bc = BASIC_CONSTRAINTS_new ();

  if (bc == NULL)
    return NULL;
  bc->ca = ca ? 0xff : 0;
  if (ca && path_len >= 0)
    {
      bc->pathlen = ASN1_INTEGER_new ();
      if (bc->pathlen == NULL || !ASN1_INTEGER_set (bc->pathlen, path_len))
        return NULL;
    }
  return X509V3_EXT_i2d (NID_basic_constraints, 1, bc);
}

static X509_EXTENSION *
ext_key_usage (const int *bits,
               gsize      n_bits)
{
  g_autoptr(ASN1_BIT_STRING) usage = ASN1_BIT_STRING_new ();

  if (usage == NULL)
    return NULL;
  for (gsize i = 0; i < n_bits; i++)
    if (!ASN1_BIT_STRING_set_bit (usage, bits[i], 1))
      return NULL;
  return X509V3_EXT_i2d (NID_key_usage, 1, usage);
}

static X509_EXTENSION *
ext_extended_key_usage (int purpose_nid)
{
  g_autoptr(EXTENDED_KEY_USAGE) eku = sk_ASN1_OBJECT_new_null ();

  if (eku == NULL || sk_ASN1_OBJECT_push (eku, OBJ_nid2obj (purpose_nid)) <= 0)
    return NULL;
  return X509V3_EXT_i2d (NID_ext_key_usage, 0, eku);
}

/* subjectKeyIdentifier: the leftmost 160 bits of the SHA-256 of the
 * subjectPublicKey bits (RFC 7093 section 2, method 1). */
static X509_EXTENSION *
ext_subject_key_id (X509         *x,
                    const EVP_MD *sha256)
{
  const unsigned char *bits = NULL;
  int bits_len = 0;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  g_autoptr(ASN1_OCTET_STRING) id = NULL;

  if (!X509_PUBKEY_get0_param (NULL, &bits, &bits_len, NULL, X509_get_X509_PUBKEY (x))
      || bits == NULL
      || !EVP_Digest (bits, (size_t) bits_len, digest, &digest_len, sha256, NULL)
      || digest_len < 20)
    return NULL;
  id = ASN1_OCTET_STRING_new ();
  if (id == NULL || !ASN1_OCTET_STRING_set (id, digest, 20))
    return NULL;
  return X509V3_EXT_i2d (NID_subject_key_identifier, 0, id);
}

static gboolean
add_ext (X509           *x,
         X509_EXTENSION *ext)
{
  return ext != NULL && X509_add_ext (x, ext, -1);
}

/* Adds and frees @ext (which may be NULL after a failed build). */
static gboolean
add_ext_take (X509           *x,
              X509_EXTENSION *ext)
{
  gboolean ok = add_ext (x, ext);

  X509_EXTENSION_free (ext);
  return ok;
}

/* Returns: (transfer full): @x re-read from its DER, so the certificate
 * handed out is exactly what any reader of the bytes will see, with
 * OpenSSL's caches (public key, extensions) filled in from them. */
static ChainCert *
cert_finish (X509     *x,
             GError  **error)
{
  unsigned char *der = NULL;
  const unsigned char *p;
  int len;
  X509 *parsed;

  len = i2d_X509 (x, &der);
  if (len <= 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not encode the new certificate"));
      return NULL;
    }
  p = der;
  parsed = d2i_X509 (NULL, &p, len);
  OPENSSL_free (der);
  if (parsed == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not re-read the new certificate"));
      return NULL;
    }
  return chain_cert_new_take (parsed);
}

/* Every certificate is signed here, whatever home its CA key has. */
static gboolean
sign (X509      *x,
      ChainKey  *key,
      GError   **error)
{
  EVP_MD_CTX *ctx = chain_key_sign_begin (key, error);
  int ok;

  if (ctx == NULL)
    return FALSE;
  ok = X509_sign_ctx (x, ctx);
  chain_key_sign_end (key, ctx);
  if (ok <= 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not sign the certificate"));
      return FALSE;
    }
  return TRUE;
}

/* Runs OpenSSL's RFC 5280 path validation, strict, on @x against @store at
 * @at_time; on failure sets @out_err and @out_depth. */
static gboolean
openssl_verify (X509_STORE      *store,
                X509            *x,
                STACK_OF (X509) *untrusted,
                gint64           at_time,
                gboolean         is_ca,
                int             *out_err,
                int             *out_depth)
{
  g_autoptr(X509_STORE_CTX) ctx = X509_STORE_CTX_new ();
  int ok;

  *out_err = X509_V_ERR_UNSPECIFIED;
  *out_depth = 0;
  if (ctx == NULL || !X509_STORE_CTX_init (ctx, store, x, untrusted))
    {
      chain_openssl_clear_errors ();
      return FALSE;
    }
  X509_VERIFY_PARAM_set_time (X509_STORE_CTX_get0_param (ctx), (time_t) at_time);
  /* A CA's CN is a name, not a host: as an intermediate it is never
   * matched against DNS constraints, so do not match it here either. */
  if (is_ca)
    X509_VERIFY_PARAM_set_hostflags (X509_STORE_CTX_get0_param (ctx),
                                     X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  ok = X509_verify_cert (ctx) == 1;
  if (!ok)
    {
      *out_err = X509_STORE_CTX_get_error (ctx);
      *out_depth = X509_STORE_CTX_get_error_depth (ctx);
    }
  chain_openssl_clear_errors ();
  return ok;
}

static X509_STORE *
store_new (X509 *anchor)
{
  g_autoptr(X509_STORE) store = X509_STORE_new ();

  if (store == NULL
      || !X509_STORE_add_cert (store, anchor)
      || !X509_STORE_set_flags (store, X509_V_FLAG_X509_STRICT))
    return NULL;
  return g_steal_pointer (&store);
}

/* ------------------------------------------------------------------ root */

ChainCert *
chain_root_create (ChainKey                *key,
                   const ChainName         *subject,
                   const ChainIssueOptions *options,
                   GError                 **error)
{
  EVP_PKEY *pkey;
  g_autofree char *cn = NULL;
  g_autoptr(X509) x = NULL;
  g_autoptr(X509_STORE) store = NULL;
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(EVP_MD) sha256 = NULL;
  gint64 not_before;
  gint64 not_after;
  int verify_err;
  int verify_depth;
  static const int ku_bits[] = { KU_BIT_KEY_CERT_SIGN, KU_BIT_CRL_SIGN };

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (subject != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  if (!check_options (options, error))
    return NULL;
  if (options->name_constraints != NULL)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("a root takes no name constraints; put them on the sub-CAs it signs"));
      return NULL;
    }
  cn = chain_name_dup_common_name (subject);
  if (cn == NULL)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the root's subject has no CN; add one, e.g. CN=Widget Root CA"));
      return NULL;
    }
  if (!resolve_validity (options, now_seconds (), &not_before, &not_after, error))
    return NULL;

  pkey = chain_key_get_public (key);
  sha256 = EVP_MD_fetch (NULL, "SHA256", NULL);
  x = cert_new_base (chain_name_get_x509_name (subject), chain_name_get_x509_name (subject),
                     not_before, not_after, error);
  if (x == NULL)
    return NULL;
  if (sha256 == NULL
      || !X509_set_pubkey (x, pkey)
      || !add_ext_take (x, ext_basic_constraints (TRUE, options->path_len))
      || !add_ext_take (x, ext_key_usage (ku_bits, G_N_ELEMENTS (ku_bits)))
      || !add_ext_take (x, ext_subject_key_id (x, sha256)))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not build the root certificate"));
      return NULL;
    }
  if (!sign (x, key, error))
    return NULL;
  cert = cert_finish (x, error);
  if (cert == NULL)
    return NULL;

  /* Belt and braces: the root must validate as its own anchor. */
  store = store_new (chain_cert_get_x509 (cert));
  if (store == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not set up verification"));
      return NULL;
    }
  if (!openssl_verify (store, chain_cert_get_x509 (cert), NULL, not_before, TRUE,
                       &verify_err, &verify_depth))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED,
                   _("the new root '%s' does not validate: %s; please report this"),
                   cn, X509_verify_cert_error_string (verify_err));
      return NULL;
    }
  return g_steal_pointer (&cert);
}

/* ---------------------------------------------------------------- issuer */

void
chain_issuer_free (ChainIssuer *self)
{
  if (self == NULL)
    return;
  chain_cert_free (self->cert);
  chain_key_free (self->key);
  g_clear_pointer (&self->chain, g_ptr_array_unref);
  g_clear_pointer (&self->labels, g_ptr_array_unref);
  X509_STORE_free (self->store);
  sk_X509_free (self->untrusted);
  chain_name_free (self->subject);
  X509_NAME_free (self->issuer_name);
  EVP_MD_free (self->md);
  EVP_MD_free (self->ski_md);
  g_free (self->window_start_owner);
  g_free (self->window_end_owner);
  g_free (self->sub_ca_refusal);
  g_free (self->sub_ca_budget_owner);
  g_clear_pointer (&self->constraints, g_ptr_array_unref);
  X509_EXTENSION_free (self->aki);
  X509_EXTENSION_free (self->ca_key_usage);
  X509_EXTENSION_free (self->leaf_basic_constraints);
  X509_EXTENSION_free (self->leaf_key_usage);
  X509_EXTENSION_free (self->leaf_key_usage_rsa);
  X509_EXTENSION_free (self->leaf_ext_key_usage);
  g_free (self);
}

/* Checks that @cert is a CA that @key belongs to and that may sign
 * certificates. */
static gboolean
check_issuing_ca (X509       *x,
                  EVP_PKEY   *pkey,
                  const char *label,
                  GError    **error)
{
  EVP_PKEY *cert_key = X509_get0_pubkey (x);

  if (cert_key == NULL || EVP_PKEY_eq (cert_key, pkey) != 1)
    {
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the key does not belong to certificate '%s'; load the key made for this CA"),
                   label);
      return FALSE;
    }
  if ((X509_get_extension_flags (x) & EXFLAG_CA) == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("certificate '%s' is not a CA (no basicConstraints CA:TRUE); only a CA can issue"),
                   label);
      return FALSE;
    }
  if ((X509_get_extension_flags (x) & EXFLAG_KUSAGE) == 0
      || (X509_get_key_usage (x) & KU_KEY_CERT_SIGN) == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("certificate '%s' lacks the keyCertSign key usage; it may not sign certificates"),
                   label);
      return FALSE;
    }
  if (X509_check_ca (x) != 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("certificate '%s' is not a usable CA certificate; reissue it as a v3 CA"),
                   label);
      return FALSE;
    }
  if (X509_get0_subject_key_id (x) == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("CA certificate '%s' has no subjectKeyIdentifier; reissue it with one"),
                   label);
      return FALSE;
    }
  return TRUE;
}

/* Checks that every certificate of @chain was signed by the next and that
 * the last is a self-signed root. */
static gboolean
check_links (GPtrArray  *chain,
             GPtrArray  *labels,
             GError    **error)
{
  X509 *root;

  for (guint i = 0; i + 1 < chain->len; i++)
    {
      X509 *child = chain_cert_get_x509 (g_ptr_array_index (chain, i));
      X509 *parent = chain_cert_get_x509 (g_ptr_array_index (chain, i + 1));
      EVP_PKEY *parent_key = X509_get0_pubkey (parent);

      if (X509_check_issued (parent, child) != X509_V_OK
          || parent_key == NULL
          || X509_verify (child, parent_key) != 1)
        {
          chain_openssl_clear_errors ();
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("certificate '%s' was not issued by '%s'; pass the ancestors in order, issuer first, up to the root"),
                       (const char *) g_ptr_array_index (labels, i),
                       (const char *) g_ptr_array_index (labels, i + 1));
          return FALSE;
        }
    }
  root = chain_cert_get_x509 (g_ptr_array_index (chain, chain->len - 1));
  if (X509_self_signed (root, 1) != 1)
    {
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the chain ends at '%s', which is not a self-signed root; pass the ancestors up to the root"),
                   (const char *) g_ptr_array_index (labels, labels->len - 1));
      return FALSE;
    }
  return TRUE;
}

/* Works out how deep a new sub-CA may go: a certificate at chain index i
 * with pathLenConstraint p allows p CA certificates below it; a new sub-CA
 * would be the (i + 1)th. */
static void
compute_path_budget (ChainIssuer *self)
{
  self->sub_ca_budget = CHAIN_PATH_LEN_UNLIMITED;
  for (guint i = 0; i < self->chain->len; i++)
    {
      const char *label = g_ptr_array_index (self->labels, i);
      int path_len = chain_cert_get_path_len (g_ptr_array_index (self->chain, i));
      int left;

      if (path_len < 0)
        continue;
      left = path_len - (int) (i + 1);
      if (left < 0 && self->sub_ca_refusal == NULL)
        {
          if (i == 0)
            self->sub_ca_refusal =
              g_strdup_printf (_("'%s' has path length 0: it may issue device certificates only, not sub-CAs"),
                               label);
          else
            self->sub_ca_refusal =
              /* Translators: a CA's label, its path length twice, then the level a new sub-CA would have. */
              g_strdup_printf (_("the path length of '%s' (%d) would be exceeded: it allows %d CA level(s) below it "
                                 "and a sub-CA here would be level %u; ask for a longer path length"),
                               label, path_len, path_len, i + 1);
        }
      if (left >= 0 && (self->sub_ca_budget < 0 || left < self->sub_ca_budget))
        {
          self->sub_ca_budget = left;
          g_free (self->sub_ca_budget_owner);
          self->sub_ca_budget_owner = g_strdup (label);
        }
    }
}

static gboolean
collect_constraints (ChainIssuer *self,
                     GError     **error)
{
  self->constraints = g_ptr_array_new_with_free_func (ancestor_constraints_free);
  for (guint i = 0; i < self->chain->len; i++)
    {
      X509 *x = chain_cert_get_x509 (g_ptr_array_index (self->chain, i));
      int critical = -1;
      NAME_CONSTRAINTS *nc = X509_get_ext_d2i (x, NID_name_constraints, &critical, NULL);
      AncestorConstraints *c;

      if (nc == NULL)
        {
          if (critical != -1)
            {
              chain_openssl_clear_errors ();
              g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the name constraints of '%s' cannot be read; reissue it"),
                           (const char *) g_ptr_array_index (self->labels, i));
              return FALSE;
            }
          continue;
        }
      c = g_new0 (AncestorConstraints, 1);
      c->nc = nc;
      c->owner = g_strdup (g_ptr_array_index (self->labels, i));
      g_ptr_array_add (self->constraints, c);
    }
  return TRUE;
}

static X509_EXTENSION *
build_aki (X509 *issuer)
{
  g_autoptr(AUTHORITY_KEYID) akid = AUTHORITY_KEYID_new ();
  const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id (issuer);

  if (akid == NULL || ski == NULL)
    return NULL;
  akid->keyid = ASN1_OCTET_STRING_dup (ski);
  if (akid->keyid == NULL)
    return NULL;
  return X509V3_EXT_i2d (NID_authority_key_identifier, 0, akid);
}

static gboolean
precompute (ChainIssuer *self,
            GError     **error)
{
  X509 *x = chain_cert_get_x509 (self->cert);
  X509 *root = chain_cert_get_x509 (g_ptr_array_index (self->chain, self->chain->len - 1));
  static const int ca_ku[] = { KU_BIT_KEY_CERT_SIGN, KU_BIT_CRL_SIGN };
  static const int leaf_ku[] = { KU_BIT_DIGITAL_SIGNATURE };
  static const int leaf_ku_rsa[] = { KU_BIT_DIGITAL_SIGNATURE, KU_BIT_KEY_ENCIPHERMENT };

  /* The validity every issued certificate must stay inside. */
  self->window_start = G_MININT64;
  self->window_end = G_MAXINT64;
  for (guint i = 0; i < self->chain->len; i++)
    {
      ChainCert *c = g_ptr_array_index (self->chain, i);
      const char *label = g_ptr_array_index (self->labels, i);
      gint64 start = chain_cert_get_not_before (c);
      gint64 end = chain_cert_get_not_after (c);

      if (start > self->window_start)
        {
          self->window_start = start;
          g_free (self->window_start_owner);
          self->window_start_owner = g_strdup (label);
        }
      if (end < self->window_end)
        {
          self->window_end = end;
          g_free (self->window_end_owner);
          self->window_end_owner = g_strdup (label);
        }
    }

  compute_path_budget (self);
  if (!collect_constraints (self, error))
    return FALSE;

  self->subject = chain_cert_dup_subject (self->cert);
  self->issuer_name = X509_NAME_dup (X509_get_subject_name (x));
  self->md = EVP_MD_fetch (NULL, EVP_MD_get0_name (chain_pkey_signature_digest (chain_key_get_public (self->key))), NULL);
  self->ski_md = EVP_MD_fetch (NULL, "SHA256", NULL);
  self->store = store_new (root);
  self->untrusted = sk_X509_new_null ();
  if (self->subject == NULL || self->issuer_name == NULL || self->md == NULL
      || self->ski_md == NULL || self->store == NULL || self->untrusted == NULL)
    goto fail;
  /* Encoding the name now means concurrent duplicates of it only read. */
  if (i2d_X509_NAME (self->issuer_name, NULL) <= 0)
    goto fail;
  for (guint i = 0; i + 1 < self->chain->len; i++)
    if (!sk_X509_push (self->untrusted, chain_cert_get_x509 (g_ptr_array_index (self->chain, i))))
      goto fail;

  self->aki = build_aki (x);
  self->ca_key_usage = ext_key_usage (ca_ku, G_N_ELEMENTS (ca_ku));
  self->leaf_basic_constraints = ext_basic_constraints (FALSE, CHAIN_PATH_LEN_UNLIMITED);
  self->leaf_key_usage = ext_key_usage (leaf_ku, G_N_ELEMENTS (leaf_ku));
  self->leaf_key_usage_rsa = ext_key_usage (leaf_ku_rsa, G_N_ELEMENTS (leaf_ku_rsa));
  self->leaf_ext_key_usage = ext_extended_key_usage (NID_client_auth);
  if (self->aki == NULL || self->ca_key_usage == NULL || self->leaf_basic_constraints == NULL
      || self->leaf_key_usage == NULL || self->leaf_key_usage_rsa == NULL
      || self->leaf_ext_key_usage == NULL)
    goto fail;
  return TRUE;

fail:
  chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not prepare the issuer"));
  return FALSE;
}

ChainIssuer *
chain_issuer_new (ChainCert  *cert,
                  ChainKey   *key,
                  GPtrArray  *ancestors,
                  GError    **error)
{
  g_autoptr(ChainIssuer) self = NULL;
  g_autoptr(GPtrArray) intermediates = NULL;
  g_autoptr(GPtrArray) anchors = NULL;
  g_autoptr(GError) local_error = NULL;
  guint n_ancestors = ancestors != NULL ? ancestors->len : 0;

  g_return_val_if_fail (cert != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (n_ancestors + 1 > MAX_CHAIN_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the chain has %u certificates; at most %d are supported"),
                   n_ancestors + 1, MAX_CHAIN_LEN);
      return NULL;
    }

  self = g_new0 (ChainIssuer, 1);
  self->cert = chain_cert_copy (cert);
  self->chain = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  self->labels = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->chain, chain_cert_copy (cert));
  for (guint i = 0; i < n_ancestors; i++)
    {
      ChainCert *ancestor = g_ptr_array_index (ancestors, i);

      g_return_val_if_fail (ancestor != NULL, NULL);
      g_ptr_array_add (self->chain, chain_cert_copy (ancestor));
    }
  for (guint i = 0; i < self->chain->len; i++)
    g_ptr_array_add (self->labels,
                     chain_x509_label (chain_cert_get_x509 (g_ptr_array_index (self->chain, i))));

  if (!check_issuing_ca (chain_cert_get_x509 (cert), chain_key_get_public (key),
                         g_ptr_array_index (self->labels, 0), error))
    return NULL;
  if (!check_links (self->chain, self->labels, error))
    return NULL;

  /* The whole chain must validate now, as a relying party would see it. */
  intermediates = g_ptr_array_new ();
  for (guint i = 1; i + 1 < self->chain->len; i++)
    g_ptr_array_add (intermediates, g_ptr_array_index (self->chain, i));
  anchors = g_ptr_array_new ();
  g_ptr_array_add (anchors, g_ptr_array_index (self->chain, self->chain->len - 1));
  if (!chain_verify (cert, intermediates, anchors, NULL, NULL, &local_error))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("the issuer's chain does not validate: %s"), local_error->message);
      return NULL;
    }

  self->key = chain_key_ref (key);

  if (!precompute (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

ChainCert *
chain_issuer_get_cert (ChainIssuer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->cert;
}

GPtrArray *
chain_issuer_get_chain (ChainIssuer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->chain;
}

ChainKey *
chain_issuer_get_key (ChainIssuer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->key;
}

const X509_EXTENSION *
chain_issuer_get_aki_extension (ChainIssuer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->aki;
}

/* Refuses a validity that leaves the issuer's window: clamping silently
 * would hand out something other than what was asked for. */
static gboolean
check_window (ChainIssuer *self,
              gint64       not_before,
              gint64       not_after,
              GError     **error)
{
  if (not_before < self->window_start)
    {
      g_autofree char *limit = format_time (self->window_start);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   /* Translators: a CA's name, then a date and time. */
                   _("validity would start before '%s' is valid (%s); start at or after that"),
                   self->window_start_owner, limit);
      return FALSE;
    }
  if (not_after > self->window_end)
    {
      g_autofree char *limit = format_time (self->window_end);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("validity would end after '%s' expires (%s); end at or before that"),
                   self->window_end_owner, limit);
      return FALSE;
    }
  return TRUE;
}

/* Checks @x's names against every ancestor's name constraints the way
 * OpenSSL's verifier does: the subject (and any SANs), and for a leaf
 * also a CN that looks like a host name against DNS constraints. */
static gboolean
check_name_constraints (ChainIssuer *self,
                        X509        *x,
                        gboolean     leaf,
                        const char  *what,
                        GError     **error)
{
  for (guint i = 0; i < self->constraints->len; i++)
    {
      AncestorConstraints *c = g_ptr_array_index (self->constraints, i);
      int rv = NAME_CONSTRAINTS_check (x, c->nc);

      if (rv == X509_V_OK && leaf)
        rv = NAME_CONSTRAINTS_check_CN (x, c->nc);
      if (rv != X509_V_OK)
        {
          chain_openssl_clear_errors ();
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       /* Translators: what is checked (e.g. 'the device's subject'), the CA whose
                        * constraints it breaks, then OpenSSL's reason (in English). */
                       _("%s would break the name constraints of '%s' (%s); choose a name they permit"),
                       what, c->owner, X509_verify_cert_error_string (rv));
          return FALSE;
        }
    }
  return TRUE;
}

/* Refuses a request that carries the key of a certificate in the chain. */
static gboolean
check_key_is_new (ChainIssuer       *self,
                  const X509_PUBKEY *pub,
                  GError           **error)
{
  const unsigned char *bits = NULL;
  int bits_len = 0;

  if (!X509_PUBKEY_get0_param (NULL, &bits, &bits_len, NULL, pub) || bits == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT, _("the request carries no usable public key"));
      return FALSE;
    }
  for (guint i = 0; i < self->chain->len; i++)
    {
      X509 *ca = chain_cert_get_x509 (g_ptr_array_index (self->chain, i));
      const unsigned char *ca_bits = NULL;
      int ca_bits_len = 0;

      if (X509_PUBKEY_get0_param (NULL, &ca_bits, &ca_bits_len, NULL, X509_get_X509_PUBKEY (ca))
          && ca_bits_len == bits_len && memcmp (ca_bits, bits, (size_t) bits_len) == 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("the request carries the key of '%s'; every certificate needs a key of its own"),
                       (const char *) g_ptr_array_index (self->labels, i));
          return FALSE;
        }
    }
  return TRUE;
}

/* The last gate for CA and proof-of-possession certificates: OpenSSL's
 * strict path validation must accept @cert under the issuer's chain. */
static gboolean
final_gate (ChainIssuer *self,
            ChainCert   *cert,
            gint64       not_before,
            const char  *what,
            GError     **error)
{
  int verify_err;
  int verify_depth;

  if (!openssl_verify (self->store, chain_cert_get_x509 (cert), self->untrusted,
                       MAX (not_before, now_seconds ()), X509_check_ca (chain_cert_get_x509 (cert)) == 1,
                       &verify_err, &verify_depth))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   /* Translators: what is issued (e.g. 'the sub-CA'), the root's name, the depth
                    * in the chain where it failed, then OpenSSL's reason (in English). */
                   _("%s would not validate under '%s' (depth %d: %s); check the request against the chain"),
                   what, (const char *) g_ptr_array_index (self->labels, 0), verify_depth,
                   X509_verify_cert_error_string (verify_err));
      return FALSE;
    }
  return TRUE;
}

/* Signs @x and, since CA, PoP and officer certificates are few, checks the
 * result with OpenSSL's own verifier as a last line of defence. */
static ChainCert *
sign_and_gate (ChainIssuer *self,
               X509        *x,
               gint64       not_before,
               const char  *what,
               GError     **error)
{
  g_autoptr(ChainCert) cert = NULL;

  if (!sign (x, self->key, error))
    return NULL;
  cert = cert_finish (x, error);
  if (cert == NULL || !final_gate (self, cert, not_before, what, error))
    return NULL;
  return g_steal_pointer (&cert);
}

gboolean
chain_issuer_check_sub_ca_csr (GPtrArray      *chain,
                               const ChainCsr *csr,
                               GError        **error)
{
  X509_REQ *req = chain_csr_get_x509_req (csr);
  const X509_PUBKEY *pub = X509_REQ_get_X509_PUBKEY (req);
  const X509_NAME *subject = X509_REQ_get_subject_name (req);
  const unsigned char *bits = NULL;
  int bits_len = 0;

  if (!X509_PUBKEY_get0_param (NULL, &bits, &bits_len, NULL, pub) || bits == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT, _("the request carries no usable public key"));
      return FALSE;
    }
  for (guint i = 0; i < chain->len; i++)
    {
      ChainCert *cert = g_ptr_array_index (chain, i);
      X509 *ca = chain_cert_get_x509 (cert);
      const unsigned char *ca_bits = NULL;
      int ca_bits_len = 0;
      g_autoptr(ChainName) ca_subject = chain_cert_dup_subject (cert);
      g_autofree char *label = chain_name_dup_common_name (ca_subject);

      if (X509_PUBKEY_get0_param (NULL, &ca_bits, &ca_bits_len, NULL, X509_get_X509_PUBKEY (ca))
          && ca_bits_len == bits_len && memcmp (ca_bits, bits, (size_t) bits_len) == 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("the request carries the key of '%s'; every certificate needs a key of its own"),
                       label != NULL ? label : "?");
          return FALSE;
        }
      /* A sub-CA named like one of its ancestors would be "self-issued",
       * which path validation exempts from path length and name
       * constraints. */
      if (X509_NAME_cmp (subject, X509_get_subject_name (ca)) == 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("the sub-CA would have the same subject as '%s'; give it a name of its own"),
                       label != NULL ? label : "?");
          return FALSE;
        }
    }
  return TRUE;
}

ChainCert *
chain_issuer_issue_sub_ca (ChainIssuer             *self,
                           const ChainCsr          *csr,
                           const ChainIssueOptions *options,
                           GError                 **error)
{
  X509_REQ *req;
  X509_PUBKEY *pub;
  const X509_NAME *subject;
  g_autoptr(X509) x = NULL;
  gint64 not_before;
  gint64 not_after;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (csr != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  if (!check_options (options, error))
    return NULL;

  /* Path length: every ancestor's, the issuer's own included. */
  if (self->sub_ca_refusal != NULL)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, self->sub_ca_refusal);
      return NULL;
    }
  if (self->sub_ca_budget >= 0 && options->path_len == CHAIN_PATH_LEN_UNLIMITED)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("the path length of '%s' limits this sub-CA; give it an explicit path length of at most %d"),
                   self->sub_ca_budget_owner, self->sub_ca_budget);
      return NULL;
    }
  if (self->sub_ca_budget >= 0 && options->path_len > self->sub_ca_budget)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("a path length of %d would exceed that of '%s'; ask for at most %d"),
                   options->path_len, self->sub_ca_budget_owner, self->sub_ca_budget);
      return NULL;
    }

  if (!resolve_validity (options, now_seconds (), &not_before, &not_after, error)
      || !check_window (self, not_before, not_after, error))
    return NULL;

  if (chain_csr_get_key_algorithm (csr) == CHAIN_KEY_ALGORITHM_INVALID)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("the request's key algorithm is not accepted; use one of %s"),
                   CHAIN_KEY_ALGORITHM_NAMES);
      return NULL;
    }
  req = chain_csr_get_x509_req (csr);
  pub = X509_REQ_get_X509_PUBKEY (req);
  subject = X509_REQ_get_subject_name (req);
  if (!chain_issuer_check_sub_ca_csr (self->chain, csr, error))
    return NULL;

  x = cert_new_base (self->issuer_name, subject, not_before, not_after, error);
  if (x == NULL || !copy_public_key (x, pub, error))
    return NULL;
  if (!add_ext_take (x, ext_basic_constraints (TRUE, options->path_len))
      || !add_ext (x, self->ca_key_usage)
      || !add_ext_take (x, ext_subject_key_id (x, self->ski_md))
      || !add_ext (x, self->aki))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not build the sub-CA certificate"));
      return NULL;
    }
  if (options->name_constraints != NULL
      && !chain_name_constraints_is_empty (options->name_constraints))
    {
      NAME_CONSTRAINTS *nc = chain_name_constraints_get_nc (options->name_constraints);

      if (!add_ext_take (x, X509V3_EXT_i2d (NID_name_constraints, 1, nc)))
        {
          chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not encode the name constraints"));
          return NULL;
        }
    }
  if (!check_name_constraints (self, x, FALSE, _("the sub-CA's subject"), error))
    return NULL;
  return sign_and_gate (self, x, not_before, _("the sub-CA"), error);
}

/* The SubjectPublicKeyInfo of a key made here. For EC keys it is put
 * together from the curve and the encoded point: OpenSSL 3 runs a provider
 * encoder for X509_PUBKEY_set(), which costs several times the signature. */
static X509_PUBKEY *
key_public_key (ChainKey *key,
                GError  **error)
{
  EVP_PKEY *pkey = chain_key_get_public (key);
  ChainKeyAlgorithm algorithm = chain_key_get_algorithm (key);
  g_autoptr(X509_PUBKEY) pub = NULL;
  unsigned char point[1 + 2 * 66];
  unsigned char *bits = NULL;
  gsize len = 0;
  int curve;

  if (algorithm != CHAIN_KEY_ALGORITHM_EC_P256 && algorithm != CHAIN_KEY_ALGORITHM_EC_P384)
    {
      if (!X509_PUBKEY_set (&pub, pkey))
        {
          chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not encode the device's public key"));
          return NULL;
        }
      return g_steal_pointer (&pub);
    }
  curve = algorithm == CHAIN_KEY_ALGORITHM_EC_P256 ? NID_X9_62_prime256v1 : NID_secp384r1;
  pub = X509_PUBKEY_new ();
  if (pub == NULL
      || !chain_key_copy_ec_point (key, point, sizeof point, &len)
      || len == 0 || point[0] != POINT_CONVERSION_UNCOMPRESSED
      || (bits = OPENSSL_memdup (point, len)) == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not encode the device's public key"));
      return NULL;
    }
  if (!X509_PUBKEY_set0_param (pub, OBJ_nid2obj (NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
                               OBJ_nid2obj (curve), bits, (int) len))
    {
      OPENSSL_free (bits);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not encode the device's public key"));
      return NULL;
    }
  return g_steal_pointer (&pub);
}

/* Builds and signs a device certificate; what the two device calls share.
 * Returns: (transfer full): the signed certificate, not yet encoded. */
static X509 *
issue_device_x509 (ChainIssuer             *self,
                   const char              *device_id,
                   const ChainCsr          *csr,
                   ChainKey                *key,
                   const ChainIssueOptions *options,
                   GError                 **error)
{
  g_autoptr(ChainName) subject = NULL;
  g_autoptr(X509_PUBKEY) key_pub = NULL;
  const X509_PUBKEY *pub;
  g_autoptr(X509) x = NULL;
  X509_EXTENSION *key_usage;
  ChainKeyAlgorithm algorithm;
  gint64 not_before;
  gint64 not_after;

  if (!check_options (options, error))
    return NULL;
  if ((csr == NULL) == (key == NULL))
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("a device certificate needs exactly one of a CSR or a key; pass one"));
      return NULL;
    }
  if (options->device_id_rules != CHAIN_DEVICE_ID_RULES_IOT_HUB
      && options->device_id_rules != CHAIN_DEVICE_ID_RULES_DPS)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("unknown device id rules %d; use IoT Hub or DPS rules"),
                   (int) options->device_id_rules);
      return NULL;
    }
  if (!chain_device_id_validate (device_id, options->device_id_rules, error))
    return NULL;
  if (!resolve_validity (options, now_seconds (), &not_before, &not_after, error)
      || !check_window (self, not_before, not_after, error))
    return NULL;

  if (csr != NULL)
    {
      algorithm = chain_csr_get_key_algorithm (csr);
      pub = X509_REQ_get_X509_PUBKEY (chain_csr_get_x509_req (csr));
    }
  else
    {
      algorithm = chain_key_get_algorithm (key);
      key_pub = key_public_key (key, error);
      if (key_pub == NULL)
        return NULL;
      pub = key_pub;
    }
  if (algorithm == CHAIN_KEY_ALGORITHM_INVALID)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("the device's key algorithm is not accepted; use one of %s"),
                   CHAIN_KEY_ALGORITHM_NAMES);
      return NULL;
    }
  if (!check_key_is_new (self, pub, error))
    return NULL;

  subject = chain_name_with_common_name (self->subject, device_id, error);
  if (subject == NULL)
    return NULL;
  x = cert_new_base (self->issuer_name, chain_name_get_x509_name (subject),
                     not_before, not_after, error);
  if (x == NULL || !copy_public_key (x, pub, error))
    return NULL;
  key_usage = chain_key_algorithm_is_rsa (algorithm) ? self->leaf_key_usage_rsa
                                                     : self->leaf_key_usage;
  if (!add_ext (x, self->leaf_basic_constraints)
      || !add_ext (x, key_usage)
      || !add_ext (x, self->leaf_ext_key_usage)
      || !add_ext_take (x, ext_subject_key_id (x, self->ski_md))
      || !add_ext (x, self->aki))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not build the device certificate"));
      return NULL;
    }
  if (!check_name_constraints (self, x, TRUE, _("the device's subject"), error))
    return NULL;
  /* No re-verification here: the checks above are the verifier's, and
   * devices are issued by the million. */
  if (!sign (x, self->key, error))
    return NULL;
  return g_steal_pointer (&x);
}

ChainCert *
chain_issuer_issue_device (ChainIssuer             *self,
                           const char              *device_id,
                           const ChainCsr          *csr,
                           ChainKey                *key,
                           const ChainIssueOptions *options,
                           GError                 **error)
{
  g_autoptr(X509) x = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (device_id != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  x = issue_device_x509 (self, device_id, csr, key, options, error);
  if (x == NULL)
    return NULL;
  return cert_finish (x, error);
}

/* Lower-case hex SHA-256 of @len bytes into @out (65 bytes). */
static void
sha256_hex_into (const unsigned char *data,
                 size_t               len,
                 char                *out)
{
  static const char digits[] = "0123456789abcdef";
  unsigned char digest[32];

  SHA256 (data, len, digest);
  for (gsize i = 0; i < sizeof digest; i++)
    {
      out[2 * i] = digits[digest[i] >> 4];
      out[2 * i + 1] = digits[digest[i] & 0xf];
    }
  out[64] = '\0';
}

gboolean
chain_issuer_issue_device_der (ChainIssuer             *self,
                               const char              *device_id,
                               const ChainCsr          *csr,
                               ChainKey                *key,
                               const ChainIssueOptions *options,
                               ChainIssuedDevice       *out,
                               GError                 **error)
{
  static const char digits[] = "0123456789abcdef";
  g_autoptr(X509) x = NULL;
  const ASN1_INTEGER *serial;
  const unsigned char *serial_data;
  unsigned char *der = NULL;
  unsigned char *spki = NULL;
  int der_len;
  int spki_len;
  int serial_len;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (device_id != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  x = issue_device_x509 (self, device_id, csr, key, options, error);
  if (x == NULL)
    return FALSE;

  /* cert_new_base() writes SERIAL_LEN positive bytes, so the hex fits. */
  serial = X509_get0_serialNumber (x);
  serial_len = ASN1_STRING_length (serial);
  serial_data = ASN1_STRING_get0_data (serial);
  g_assert (serial_len > 0 && serial_len * 2 <= CHAIN_ISSUED_SERIAL_HEX_MAX);

  der_len = i2d_X509 (x, &der);
  spki_len = i2d_X509_PUBKEY (X509_get_X509_PUBKEY (x), &spki);
  if (der_len <= 0 || spki_len <= 0)
    {
      OPENSSL_free (der);
      OPENSSL_free (spki);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not encode the new certificate"));
      return FALSE;
    }
  for (int i = 0; i < serial_len; i++)
    {
      out->serial[2 * i] = digits[serial_data[i] >> 4];
      out->serial[2 * i + 1] = digits[serial_data[i] & 0xf];
    }
  out->serial[2 * serial_len] = '\0';
  sha256_hex_into (der, (size_t) der_len, out->cert_sha256);
  sha256_hex_into (spki, (size_t) spki_len, out->public_key_sha256);
  OPENSSL_free (spki);
  out->der = g_bytes_new (der, (gsize) der_len);
  OPENSSL_free (der);
  return TRUE;
}

void
chain_issued_device_clear (ChainIssuedDevice *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->der, g_bytes_unref);
}

static gboolean
check_pop_code (const char *code,
                GError    **error)
{
  gsize len = strlen (code);

  if (len == 0 || len > POP_CODE_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the verification code must be 1 to %d characters long; paste the code the cloud shows"),
                   POP_CODE_MAX_LEN);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (code[i]) && code[i] != '-' && code[i] != '_')
      {
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("the verification code may hold only letters, digits, '-' and '_' (found byte 0x%02x at %zu); paste the code the cloud shows"),
                     (guchar) code[i], i + 1);
        return FALSE;
      }
  return TRUE;
}

ChainCert *
chain_issuer_issue_pop (ChainIssuer *self,
                        const char  *code,
                        GError     **error)
{
  g_autoptr(EVP_PKEY) ephemeral = NULL;
  g_autoptr(ChainName) subject = NULL;
  g_autoptr(X509) x = NULL;
  gint64 now = now_seconds ();
  gint64 not_after;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (code != NULL, NULL);

  if (!check_pop_code (code, error))
    return NULL;
  not_after = MIN (now + POP_LIFETIME, self->window_end);
  if (not_after <= now)
    {
      g_autofree char *limit = format_time (self->window_end);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("'%s' expired at %s; a proof of possession needs a valid CA"),
                   self->window_end_owner, limit);
      return NULL;
    }

  /* The issuer's name with CN = code keeps directoryName constraints on
   * the CA satisfied; clouds read only the CN. */
  subject = chain_name_with_common_name (self->subject, code, error);
  if (subject == NULL)
    return NULL;
  ephemeral = EVP_EC_gen ("P-256");
  if (ephemeral == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not generate the throw-away key"));
      return NULL;
    }
  x = cert_new_base (self->issuer_name, chain_name_get_x509_name (subject),
                     now, not_after, error);
  if (x == NULL)
    return NULL;
  if (!X509_set_pubkey (x, ephemeral)
      || !add_ext (x, self->leaf_basic_constraints)
      || !add_ext (x, self->leaf_key_usage)
      || !add_ext_take (x, ext_subject_key_id (x, self->ski_md))
      || !add_ext (x, self->aki))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not build the verification certificate"));
      return NULL;
    }
  if (!check_name_constraints (self, x, TRUE, _("the verification certificate"), error))
    return NULL;
  return sign_and_gate (self, x, now, _("the verification certificate"), error);
}

ChainCert *
chain_issuer_issue_officer (ChainIssuer             *self,
                            const char              *name,
                            ChainKey                *key,
                            const ChainIssueOptions *options,
                            GError                 **error)
{
  g_autoptr(ChainName) subject = NULL;
  g_autoptr(X509_PUBKEY) pub = NULL;
  g_autoptr(X509) x = NULL;
  g_autofree char *what = NULL;
  gint64 not_before;
  gint64 not_after;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  if (!check_options (options, error)
      || !resolve_validity (options, now_seconds (), &not_before, &not_after, error)
      || !check_window (self, not_before, not_after, error))
    return NULL;
  if (!X509_PUBKEY_set (&pub, chain_key_get_public (key)))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not encode the officer's public key"));
      return NULL;
    }
  if (!check_key_is_new (self, pub, error))
    return NULL;

  subject = chain_name_with_common_name (self->subject, name, error);
  if (subject == NULL)
    return NULL;
  x = cert_new_base (self->issuer_name, chain_name_get_x509_name (subject),
                     not_before, not_after, error);
  if (x == NULL || !copy_public_key (x, pub, error))
    return NULL;
  /* emailProtection is what S/MIME verifiers (gpgsm, openssl cms) expect of
   * a signer, and what sets an officer apart from a device, whose
   * clientAuth-only certificate chains to the same root. */
  if (!add_ext (x, self->leaf_basic_constraints)
      || !add_ext (x, self->leaf_key_usage)
      || !add_ext_take (x, ext_extended_key_usage (NID_email_protect))
      || !add_ext_take (x, ext_subject_key_id (x, self->ski_md))
      || !add_ext (x, self->aki))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not build the officer certificate"));
      return NULL;
    }
  what = g_strdup_printf (_("the officer certificate for '%s'"), name);
  if (!check_name_constraints (self, x, TRUE, what, error))
    return NULL;
  return sign_and_gate (self, x, not_before, what, error);
}
