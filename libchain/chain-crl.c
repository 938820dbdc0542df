/* chain-crl.c — certificate revocation lists
 *
 * libchain writes v2 CRLs (RFC 5280 section 5) with an
 * authorityKeyIdentifier and a CRL number, and reads any well-formed CRL
 * through the same strict armor as certificates.
 */
#include "chain-pki-private.h"
#include "chain-armor-private.h"
#include "chain-i18n-private.h"

#include <string.h>
#include <time.h>

/* RFC 5280 4.1.2.2: serials are at most 20 octets, so 40 hex digits. */
#define SERIAL_HEX_MAX_LEN 40

/* Most entries one CRL may list; with the input cap it is never reached. */
#define MAX_ENTRIES 100000

/* 9999-12-31T23:59:59Z, the last second X.509 can express. */
#define MAX_TIME G_GINT64_CONSTANT (253402300799)

struct _ChainCrl {
  X509_CRL *crl;
};

static const char *const crl_labels[] = { "X509 CRL", NULL };

/* Takes @crl. */
static ChainCrl *
crl_new_take (X509_CRL *crl)
{
  ChainCrl *self = g_new0 (ChainCrl, 1);

  self->crl = crl;
  return self;
}

void
chain_crl_free (ChainCrl *self)
{
  if (self == NULL)
    return;
  X509_CRL_free (self->crl);
  g_free (self);
}

X509_CRL *
chain_crl_get_x509_crl (const ChainCrl *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->crl;
}

/* Returns: (transfer full) (nullable): @serial (hex, either case, no sign,
 * 1 to 40 digits) as an ASN1_INTEGER. */
static ASN1_INTEGER *
serial_from_hex (const char *serial)
{
  g_autoptr(BIGNUM) bn = NULL;
  gsize len;

  if (serial == NULL)
    return NULL;
  len = strlen (serial);
  if (len == 0 || len > SERIAL_HEX_MAX_LEN)
    return NULL;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (serial[i]))
      return NULL;
  if (BN_hex2bn (&bn, serial) != (int) len)
    return NULL;
  return BN_to_ASN1_INTEGER (bn, NULL);
}

static gboolean
set_time (ASN1_TIME *field,
          gint64     t)
{
  return ASN1_TIME_set (field, (time_t) t) != NULL;
}

/* Builds one revoked entry; CRLReason is left out for "unspecified", as
 * RFC 5280 5.3.1 advises. */
static X509_REVOKED *
revoked_new (const ChainRevokedEntry *entry,
             const ASN1_INTEGER      *serial)
{
  g_autoptr(X509_REVOKED) revoked = X509_REVOKED_new ();
  g_autoptr(ASN1_TIME) when = ASN1_TIME_new ();

  if (revoked == NULL || when == NULL
      || !X509_REVOKED_set_serialNumber (revoked, (ASN1_INTEGER *) serial)
      || !set_time (when, entry->revoked_at)
      || !X509_REVOKED_set_revocationDate (revoked, when))
    return NULL;
  if (entry->reason != CHAIN_REVOCATION_UNSPECIFIED)
    {
      g_autoptr(ASN1_ENUMERATED) reason = ASN1_ENUMERATED_new ();

      if (reason == NULL
          || !ASN1_ENUMERATED_set (reason, entry->reason)
          || !X509_REVOKED_add1_ext_i2d (revoked, NID_crl_reason, reason, 0, 0))
        return NULL;
    }
  return g_steal_pointer (&revoked);
}

static gboolean
check_entry (const ChainRevokedEntry *entry,
             gsize                    index,
             gint64                   this_update,
             GError                 **error)
{
  if (entry->revoked_at < 0 || entry->revoked_at > this_update)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("revocation %zu (serial %s) is dated after the CRL's this_update; date it at or before"),
                   index + 1, entry->serial);
      return FALSE;
    }
  if (entry->reason < CHAIN_REVOCATION_UNSPECIFIED
      || entry->reason > CHAIN_REVOCATION_CESSATION_OF_OPERATION)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("revocation %zu (serial %s) has unknown reason %d; use a ChainRevocationReason"),
                   index + 1, entry->serial, (int) entry->reason);
      return FALSE;
    }
  return TRUE;
}

/* Returns: (transfer full): @crl re-read from its DER, so OpenSSL's cached
 * fields (issuer key id, CRL number, sorted entries) come from the bytes. */
static ChainCrl *
crl_finish (X509_CRL *crl,
            GError  **error)
{
  unsigned char *der = NULL;
  const unsigned char *p;
  int len;
  X509_CRL *parsed;

  len = i2d_X509_CRL (crl, &der);
  if (len <= 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not encode the CRL"));
      return NULL;
    }
  p = der;
  parsed = d2i_X509_CRL (NULL, &p, len);
  OPENSSL_free (der);
  if (parsed == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not re-read the CRL"));
      return NULL;
    }
  return crl_new_take (parsed);
}

ChainCrl *
chain_issuer_create_crl (ChainIssuer             *self,
                         const ChainRevokedEntry *entries,
                         gsize                    n_entries,
                         guint64                  crl_number,
                         gint64                   this_update,
                         gint64                   next_update,
                         GError                 **error)
{
  X509 *issuer;
  ChainKey *key;
  EVP_MD_CTX *sign_ctx = NULL;
  int signed_len;
  g_autoptr(X509_CRL) crl = NULL;
  g_autoptr(ASN1_TIME) last = NULL;
  g_autoptr(ASN1_TIME) next = NULL;
  g_autoptr(ASN1_INTEGER) number = NULL;
  g_autoptr(GHashTable) seen = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (entries != NULL || n_entries == 0, NULL);

  issuer = chain_cert_get_x509 (chain_issuer_get_cert (self));
  key = chain_issuer_get_key (self);

  if ((X509_get_key_usage (issuer) & KU_CRL_SIGN) == 0)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                           _("the issuer's certificate lacks the cRLSign key usage; it may not sign CRLs"));
      return NULL;
    }
  if (this_update == 0)
    this_update = (gint64) time (NULL);   /* OpenSSL's clock, as in chain-issuer.c */
  if (this_update < 0 || this_update > MAX_TIME || next_update > MAX_TIME
      || next_update <= this_update)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("next_update must be later than this_update, both between 1970 and 9999; fix the CRL's dates"));
      return NULL;
    }
  if (n_entries > MAX_ENTRIES)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%zu revocations are more than one CRL may list (%d); split them"),
                   n_entries, MAX_ENTRIES);
      return NULL;
    }

  crl = X509_CRL_new ();
  last = ASN1_TIME_new ();
  next = ASN1_TIME_new ();
  number = ASN1_INTEGER_new ();
  if (crl == NULL || last == NULL || next == NULL || number == NULL
      || !X509_CRL_set_version (crl, X509_CRL_VERSION_2)
      || !X509_CRL_set_issuer_name (crl, X509_get_subject_name (issuer))
      || !set_time (last, this_update)
      || !set_time (next, next_update)
      || !X509_CRL_set1_lastUpdate (crl, last)
      || !X509_CRL_set1_nextUpdate (crl, next))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not build the CRL"));
      return NULL;
    }

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (gsize i = 0; i < n_entries; i++)
    {
      const ChainRevokedEntry *entry = &entries[i];
      g_autoptr(ASN1_INTEGER) serial = serial_from_hex (entry->serial);
      g_autoptr(BIGNUM) bn = NULL;
      char *canonical;
      X509_REVOKED *revoked;

      if (serial == NULL)
        {
          chain_openssl_clear_errors ();
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("revocation %zu has serial '%.*s', not 1 to %d hex digits; copy it from the certificate"),
                       i + 1, 48, entry->serial != NULL ? entry->serial : "", SERIAL_HEX_MAX_LEN);
          return NULL;
        }
      if (!check_entry (entry, i, this_update, error))
        return NULL;
      /* Compare serials by value, so "0abc" and "ABC" are one. */
      bn = ASN1_INTEGER_to_BN (serial, NULL);
      canonical = bn != NULL ? BN_bn2hex (bn) : NULL;
      if (canonical == NULL)
        {
          chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not read a serial number"));
          return NULL;
        }
      if (!g_hash_table_add (seen, g_strdup (canonical)))
        {
          OPENSSL_free (canonical);
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("serial %s is listed twice; list each revoked certificate once"),
                       entry->serial);
          return NULL;
        }
      OPENSSL_free (canonical);

      revoked = revoked_new (entry, serial);
      if (revoked == NULL || !X509_CRL_add0_revoked (crl, revoked))
        {
          X509_REVOKED_free (revoked);
          chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not add a revoked certificate"));
          return NULL;
        }
    }

  if (!ASN1_INTEGER_set_uint64 (number, crl_number)
      || !X509_CRL_add_ext (crl, (X509_EXTENSION *) chain_issuer_get_aki_extension (self), -1)
      || !X509_CRL_add1_ext_i2d (crl, NID_crl_number, number, 0, 0)
      || !X509_CRL_sort (crl)
      || (sign_ctx = chain_key_sign_begin (key, error)) == NULL)
    {
      if (sign_ctx == NULL && error != NULL && *error != NULL)
        return NULL;
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not sign the CRL"));
      return NULL;
    }
  signed_len = X509_CRL_sign_ctx (crl, sign_ctx);
  chain_key_sign_end (key, sign_ctx);
  if (signed_len <= 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not sign the CRL"));
      return NULL;
    }
  return crl_finish (crl, error);
}

ChainCrl *
chain_crl_parse (const guint8 *data,
                 gsize         len,
                 GError      **error)
{
  g_autoptr(GBytes) der = NULL;
  const unsigned char *p;
  const unsigned char *end;
  gsize der_len = 0;
  X509_CRL *crl;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  der = chain_armor_decode (data, len, CHAIN_INPUT_MAX_LEN, crl_labels, _("CRL"), error);
  if (der == NULL)
    return NULL;
  p = g_bytes_get_data (der, &der_len);
  end = p + der_len;
  if (der_len == 0 || der_len > G_MAXLONG)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the CRL is empty; pass a PEM or DER CRL"));
      return NULL;
    }
  crl = d2i_X509_CRL (NULL, &p, (long) der_len);
  if (crl == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT,
                           _("this is not a valid CRL; pass a PEM or DER X.509 CRL"));
      return NULL;
    }
  if (p != end)
    {
      X509_CRL_free (crl);
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the CRL is followed by trailing data; pass exactly one CRL"));
      return NULL;
    }
  return crl_new_take (crl);
}

GBytes *
chain_crl_to_der (const ChainCrl *self)
{
  unsigned char *der = NULL;
  int len;
  GBytes *bytes;

  g_return_val_if_fail (self != NULL, NULL);

  len = i2d_X509_CRL (self->crl, &der);
  g_return_val_if_fail (len > 0, NULL);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

GBytes *
chain_crl_to_pem (const ChainCrl *self)
{
  g_autoptr(GBytes) der = NULL;
  gsize len = 0;
  const guint8 *data;

  g_return_val_if_fail (self != NULL, NULL);

  der = chain_crl_to_der (self);
  data = g_bytes_get_data (der, &len);
  return chain_armor_encode ("X509 CRL", data, len);
}

gboolean
chain_crl_contains (const ChainCrl *self,
                    const char     *serial)
{
  g_autoptr(ASN1_INTEGER) number = NULL;
  X509_REVOKED *revoked = NULL;
  int found;

  g_return_val_if_fail (self != NULL, FALSE);

  number = serial_from_hex (serial);
  if (number == NULL)
    {
      chain_openssl_clear_errors ();
      return FALSE;
    }
  /* 1: listed; 2: listed as removeFromCRL, i.e. no longer revoked. */
  found = X509_CRL_get0_by_serial (self->crl, &revoked, number);
  return found == 1;
}

gsize
chain_crl_get_n_entries (const ChainCrl *self)
{
  STACK_OF (X509_REVOKED) *revoked;
  int n;

  g_return_val_if_fail (self != NULL, 0);

  revoked = X509_CRL_get_REVOKED (self->crl);
  n = revoked != NULL ? sk_X509_REVOKED_num (revoked) : 0;
  return n > 0 ? (gsize) n : 0;
}

guint64
chain_crl_get_number (const ChainCrl *self)
{
  g_autoptr(ASN1_INTEGER) number = NULL;
  uint64_t value = 0;

  g_return_val_if_fail (self != NULL, 0);

  number = X509_CRL_get_ext_d2i (self->crl, NID_crl_number, NULL, NULL);
  if (number == NULL || !ASN1_INTEGER_get_uint64 (&value, number))
    {
      chain_openssl_clear_errors ();
      return 0;
    }
  return value;
}

gboolean
chain_crl_is_signed_by (const ChainCrl  *self,
                        const ChainCert *issuer)
{
  X509 *x;
  EVP_PKEY *pkey;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (issuer != NULL, FALSE);

  x = chain_cert_get_x509 (issuer);
  pkey = X509_get0_pubkey (x);
  ok = pkey != NULL
       && X509_NAME_cmp (X509_CRL_get_issuer (self->crl), X509_get_subject_name (x)) == 0
       && X509_CRL_verify (self->crl, pkey) == 1;
  chain_openssl_clear_errors ();
  return ok;
}
