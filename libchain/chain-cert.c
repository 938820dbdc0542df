/* chain-cert.c — read-only X.509 certificates
 *
 * Parsing refuses anything a relying party might read differently from us:
 * trailing bytes, a second certificate, unreadable times or extensions.
 * Getters therefore never fail on a ChainCert.
 */
#include "chain-pki-private.h"
#include "chain-armor-private.h"
#include "chain-i18n-private.h"
#include "chain-spki-private.h"

#include <string.h>

/* The most certificates one bundle file may hold. */
#define CERT_BUNDLE_MAX 64

struct _ChainCert {
  X509 *x509;
};

static const char *const cert_labels[] = { "CERTIFICATE", NULL };

/* ASN.1 time as Unix seconds; FALSE if it is no valid time. */
static gboolean
asn1_time_to_unix (const ASN1_TIME *time,
                   gint64          *out_seconds)
{
  struct tm tm = { 0 };
  g_autoptr(GDateTime) date_time = NULL;

  if (time == NULL || !ASN1_TIME_to_tm (time, &tm))
    return FALSE;
  date_time = g_date_time_new_utc (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                   tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (date_time == NULL)
    return FALSE;
  *out_seconds = g_date_time_to_unix (date_time);
  return TRUE;
}

/* DER into a certificate that must use every byte; parsed in @libctx
 * (NULL: the default). */
static ChainCert *
cert_from_der (GBytes       *der,
               OSSL_LIB_CTX *libctx,
               GError      **error)
{
  g_autoptr(X509) x509 = NULL;
  gsize len = 0;
  const unsigned char *data = g_bytes_get_data (der, &len);
  const unsigned char *p = data;
  ChainCert *cert;
  gint64 seconds;

  if (len > G_MAXLONG)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Certificate is too large; give one certificate of at most %d bytes"),
                   CHAIN_INPUT_MAX_LEN);
      return NULL;
    }
  x509 = libctx != NULL ? (X509 *) ASN1_item_d2i_ex (NULL, &p, (long) len, ASN1_ITEM_rptr (X509), libctx, NULL)
                        : d2i_X509 (NULL, &p, (long) len);
  if (x509 == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT,
                           _("Not a valid X.509 certificate (check which file you passed)"));
      return NULL;
    }
  if (p != data + len)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Certificate is followed by %zu extra bytes; give exactly one certificate"),
                   (gsize) (data + len - p));
      return NULL;
    }
  if (!asn1_time_to_unix (X509_get0_notBefore (x509), &seconds)
      || !asn1_time_to_unix (X509_get0_notAfter (x509), &seconds))
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT,
                           _("Certificate has an unreadable validity time; it cannot be used"));
      return NULL;
    }
  /* Computes and caches the extensions; broken ones (a duplicate, a bad
   * basicConstraints, an undecodable name constraint) set EXFLAG_INVALID. */
  if ((X509_get_extension_flags (x509) & EXFLAG_INVALID) != 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT,
                           _("Certificate has malformed or duplicate extensions; it cannot be used"));
      return NULL;
    }
  chain_openssl_clear_errors ();
  /* Not chain_cert_new_take(): a parsed certificate keeps the encoding it
   * was read from, and its extensions are cached just above. */
  cert = g_new0 (ChainCert, 1);
  cert->x509 = g_steal_pointer (&x509);
  return cert;
}

ChainCert *
chain_cert_parse (const guint8 *data,
                  gsize         len,
                  GError      **error)
{
  g_autoptr(GBytes) der = NULL;

  der = chain_armor_decode (data, len, CHAIN_INPUT_MAX_LEN, cert_labels, _("certificate"), error);
  if (der == NULL)
    return NULL;
  return cert_from_der (der, NULL, error);
}

ChainCert *
chain_cert_parse_keyless (const guint8 *data,
                          gsize         len,
                          GError      **error)
{
  g_autoptr(GBytes) der = NULL;

  der = chain_armor_decode (data, len, CHAIN_INPUT_MAX_LEN, cert_labels, _("certificate"), error);
  if (der == NULL)
    return NULL;
  return cert_from_der (der, chain_spki_keyless_libctx (), error);
}

GPtrArray *
chain_cert_parse_bundle (const guint8 *data,
                         gsize         len,
                         GError      **error)
{
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(GPtrArray) certs = NULL;

  blocks = chain_armor_decode_all (data, len, (gsize) CERT_BUNDLE_MAX * CHAIN_INPUT_MAX_LEN,
                                   CERT_BUNDLE_MAX, cert_labels, _("certificate"), error);
  if (blocks == NULL)
    return NULL;

  certs = g_ptr_array_new_full (blocks->len, (GDestroyNotify) chain_cert_free);
  for (guint i = 0; i < blocks->len; i++)
    {
      ChainCert *cert = cert_from_der (g_ptr_array_index (blocks, i), NULL, error);

      if (cert == NULL)
        {
          g_prefix_error (error, _("Certificate %u of the bundle: "), i + 1);
          return NULL;
        }
      g_ptr_array_add (certs, cert);
    }
  return g_steal_pointer (&certs);
}

/* DER of @self; g_free() it. */
static guint8 *
cert_der (const ChainCert *self,
          gsize           *out_len)
{
  unsigned char *der = NULL;
  int len;
  guint8 *copy;

  len = i2d_X509 (self->x509, &der);
  if (len <= 0)
    g_error ("chain-cert: could not encode a parsed certificate");
  copy = g_memdup2 (der, (gsize) len);
  OPENSSL_free (der);
  *out_len = (gsize) len;
  return copy;
}

GBytes *
chain_cert_to_pem (const ChainCert *self)
{
  g_autofree guint8 *der = NULL;
  gsize len = 0;

  g_return_val_if_fail (self != NULL, NULL);

  der = cert_der (self, &len);
  return chain_armor_encode ("CERTIFICATE", der, len);
}

GBytes *
chain_cert_to_der (const ChainCert *self)
{
  guint8 *der;
  gsize len = 0;

  g_return_val_if_fail (self != NULL, NULL);

  der = cert_der (self, &len);
  return g_bytes_new_take (der, len);
}

static ChainName *
name_copy (const X509_NAME *name)
{
  X509_NAME *copy = X509_NAME_dup (name);

  if (copy == NULL)
    g_error ("chain-cert: out of memory copying a name");
  return chain_name_new_take (copy);
}

ChainName *
chain_cert_dup_subject (const ChainCert *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return name_copy (X509_get_subject_name (self->x509));
}

ChainName *
chain_cert_dup_issuer (const ChainCert *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return name_copy (X509_get_issuer_name (self->x509));
}

char *
chain_cert_dup_serial (const ChainCert *self)
{
  const ASN1_INTEGER *serial;
  g_autofree char *hex = NULL;
  int len;

  g_return_val_if_fail (self != NULL, NULL);

  /* The content octets, as `openssl x509 -serial` prints them. */
  serial = X509_get0_serialNumber (self->x509);
  len = ASN1_STRING_length (serial);
  if (len <= 0)
    return g_strdup ("00");
  hex = chain_hex_encode (ASN1_STRING_get0_data (serial), (gsize) len, FALSE);
  if (ASN1_STRING_type (serial) == V_ASN1_NEG_INTEGER)
    return g_strconcat ("-", hex, NULL);
  return g_steal_pointer (&hex);
}

gint64
chain_cert_get_not_before (const ChainCert *self)
{
  gint64 seconds = 0;

  g_return_val_if_fail (self != NULL, 0);

  asn1_time_to_unix (X509_get0_notBefore (self->x509), &seconds);
  return seconds;
}

gboolean
chain_expiry_is_near (gint64 not_after,
                      gint64 now,
                      guint  window_days)
{
  return not_after - now <= (gint64) window_days * 24 * 60 * 60;
}

gint64
chain_cert_get_not_after (const ChainCert *self)
{
  gint64 seconds = 0;

  g_return_val_if_fail (self != NULL, 0);

  asn1_time_to_unix (X509_get0_notAfter (self->x509), &seconds);
  return seconds;
}

gboolean
chain_cert_is_ca (const ChainCert *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  /* EXFLAG_CA alone would also count v1 self-signed certificates. */
  return (X509_get_extension_flags (self->x509) & EXFLAG_BCONS) != 0
         && (X509_get_extension_flags (self->x509) & EXFLAG_CA) != 0;
}

int
chain_cert_get_path_len (const ChainCert *self)
{
  long path_len;

  g_return_val_if_fail (self != NULL, CHAIN_PATH_LEN_UNLIMITED);

  path_len = X509_get_pathlen (self->x509);
  if (path_len < 0)
    return CHAIN_PATH_LEN_UNLIMITED;
  return (int) MIN (path_len, (long) G_MAXINT);
}

ChainNameConstraints *
chain_cert_dup_name_constraints (const ChainCert *self)
{
  NAME_CONSTRAINTS *nc;

  g_return_val_if_fail (self != NULL, NULL);

  nc = X509_get_ext_d2i (self->x509, NID_name_constraints, NULL, NULL);
  chain_openssl_clear_errors ();
  if (nc == NULL)
    return NULL;
  return chain_name_constraints_new_take (nc);
}

ChainKeyAlgorithm
chain_cert_get_key_algorithm (const ChainCert *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_KEY_ALGORITHM_INVALID);

  /* From the encoded key: a keyless certificate has no EVP_PKEY. */
  return chain_spki_get_algorithm (X509_get_X509_PUBKEY (self->x509));
}

char *
chain_cert_dup_thumbprint_hex (const ChainCert *self,
                               ChainDigest      digest)
{
  g_autofree guint8 *der = NULL;
  gsize len = 0;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  const EVP_MD *type;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (digest == CHAIN_DIGEST_SHA1 || digest == CHAIN_DIGEST_SHA256, NULL);

  type = digest == CHAIN_DIGEST_SHA1 ? EVP_sha1 () : EVP_sha256 ();
  der = cert_der (self, &len);
  if (!EVP_Digest (der, len, md, &md_len, type, NULL))
    g_error ("chain-cert: digest failed");
  return chain_hex_encode (md, md_len, FALSE);
}

char *
chain_thumbprint_format_for_display (const char *thumbprint)
{
  g_return_val_if_fail (thumbprint != NULL, NULL);

  return g_ascii_strup (thumbprint, -1);
}

char *
chain_cert_dup_public_key_sha256 (const ChainCert *self)
{
  EVP_PKEY *pkey;
  unsigned char *spki = NULL;
  char *hex;
  int len;

  g_return_val_if_fail (self != NULL, NULL);

  pkey = X509_get0_pubkey (self->x509);
  if (pkey != NULL)
    return chain_pkey_spki_sha256 (pkey);

  /* A key OpenSSL cannot load: hash the SubjectPublicKeyInfo as written. */
  chain_openssl_clear_errors ();
  len = i2d_X509_PUBKEY (X509_get_X509_PUBKEY (self->x509), &spki);
  if (len <= 0)
    g_error ("chain-cert: could not encode a public key");
  hex = chain_sha256_hex (spki, (gsize) len);
  OPENSSL_free (spki);
  return hex;
}

gboolean
chain_cert_matches_key (const ChainCert *self,
                        ChainKey        *key)
{
  EVP_PKEY *pkey;
  gboolean matches;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  pkey = X509_get0_pubkey (self->x509);
  matches = pkey != NULL && EVP_PKEY_eq (pkey, chain_key_get_public (key)) == 1;
  chain_openssl_clear_errors ();
  return matches;
}

gboolean
chain_cert_equal (const ChainCert *a,
                  const ChainCert *b)
{
  g_autofree guint8 *der_a = NULL;
  g_autofree guint8 *der_b = NULL;
  gsize len_a = 0;
  gsize len_b = 0;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->x509 == b->x509)
    return TRUE;
  der_a = cert_der (a, &len_a);
  der_b = cert_der (b, &len_b);
  return len_a == len_b && memcmp (der_a, der_b, len_a) == 0;
}

ChainCert *
chain_cert_copy (const ChainCert *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (!X509_up_ref (self->x509))
    g_error ("chain_cert_copy: could not take a reference");
  return chain_cert_new_take (self->x509);
}

void
chain_cert_free (ChainCert *self)
{
  if (self == NULL)
    return;
  X509_free (self->x509);
  g_free (self);
}

ChainCert *
chain_cert_new_take (X509 *x509)
{
  ChainCert *self;

  g_return_val_if_fail (x509 != NULL, NULL);

  /* A freshly signed X509 re-encodes lazily and computes its extension
   * cache on first use; do both now, as copies share it across threads. */
  if (i2d_X509 (x509, NULL) <= 0)
    chain_openssl_clear_errors ();
  X509_get_extension_flags (x509);

  self = g_new0 (ChainCert, 1);
  self->x509 = x509;
  return self;
}

X509 *
chain_cert_get_x509 (const ChainCert *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->x509;
}

char *
chain_x509_label (const X509 *x)
{
  const X509_NAME *name;
  int index = -1;
  int next;
  char *label;

  if (x == NULL)
    return g_strdup ("?");
  name = X509_get_subject_name (x);
  while ((next = X509_NAME_get_index_by_NID (name, NID_commonName, index)) >= 0)
    index = next;
  if (index >= 0)
    {
      unsigned char *utf8 = NULL;
      int len = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, index)));

      if (len < 0)
        {
          chain_openssl_clear_errors ();
          return g_strdup ("?");
        }
      label = g_strndup ((const char *) utf8, (gsize) len);
      OPENSSL_free (utf8);
    }
  else
    {
      char *oneline = X509_NAME_oneline (name, NULL, 0);

      label = g_strdup (oneline != NULL ? oneline : "?");
      OPENSSL_free (oneline);
    }
  /* Control characters from a hostile name must not break a one-line message. */
  for (char *p = label; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  return label;
}
