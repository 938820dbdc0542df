/* chain-csr.c — PKCS#10 certificate signing requests
 *
 * A CSR is the one thing a custodian receives from outside to sign, so
 * parsing checks everything that can be checked without policy: framing,
 * self-signature, key algorithm, signature digest and the subject's CN.
 */
#include "chain-pki-private.h"
#include "chain-armor-private.h"
#include "chain-i18n-private.h"
#include "chain-spki-private.h"

#include <string.h>

/* Longest CN libchain accepts (X.520 ub-common-name, Azure's device id). */
#define COMMON_NAME_MAX_CHARS 64

struct _ChainCsr
{
  X509_REQ *req;
  EVP_PKEY *pkey;    /* the request's key: parsing leaves req keyless */
  ChainKeyAlgorithm algorithm;
};

static const char *const csr_labels[] = {
  "CERTIFICATE REQUEST",
  "NEW CERTIFICATE REQUEST",
  NULL
};

/* Checks that @name has exactly one CN, 1 to 64 characters of UTF-8
 * without control characters. */
static gboolean
check_subject (const X509_NAME *name,
               const char      *what,
               GError         **error)
{
  g_autoptr(ChainName) wrapped = NULL;
  g_autofree char *cn = NULL;
  X509_NAME *copy = NULL;
  const char *p;
  int index;
  int count = 0;

  for (index = X509_NAME_get_index_by_NID (name, NID_commonName, -1);
       index >= 0;
       index = X509_NAME_get_index_by_NID (name, NID_commonName, index))
    count++;

  if (count == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: here and below, %s is what the subject belongs to, e.g. 'CSR'. */
                   _("%s subject has no CN: give it a common name"), what);
      return FALSE;
    }
  if (count > 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s subject has %d CNs: give it exactly one common name"), what, count);
      return FALSE;
    }

  copy = X509_NAME_dup (name);
  if (copy == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot copy the %s subject"), what);
      return FALSE;
    }
  wrapped = chain_name_new_take (copy);
  cn = chain_name_dup_common_name (wrapped);

  if (cn == NULL || !g_utf8_validate (cn, -1, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s subject CN is not valid text: use printable UTF-8"), what);
      return FALSE;
    }
  if (cn[0] == '\0')
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s subject CN is empty: give it a common name"), what);
      return FALSE;
    }
  if (g_utf8_strlen (cn, -1) > COMMON_NAME_MAX_CHARS)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s subject CN is longer than %d characters: shorten it"),
                   what, COMMON_NAME_MAX_CHARS);
      return FALSE;
    }
  for (p = cn; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* Control characters hide text in logs and terminals. */
      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("%s subject CN contains control character U+%04X: remove it"),
                       what, (unsigned) c);
          return FALSE;
        }
    }
  return TRUE;
}

static ChainCsr *
csr_new_take (X509_REQ          *req,
              EVP_PKEY          *pkey,
              ChainKeyAlgorithm  algorithm)
{
  ChainCsr *self = g_new0 (ChainCsr, 1);

  self->req = req;
  self->pkey = pkey;
  self->algorithm = algorithm;
  return self;
}

ChainCsr *
chain_csr_new (ChainKey        *key,
               const ChainName *subject,
               GError         **error)
{
  g_autoptr(X509_REQ) req = NULL;
  EVP_PKEY *pkey;
  EVP_MD_CTX *sign_ctx;
  int signed_len;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (subject != NULL, NULL);

  if (!check_subject (chain_name_get_x509_name (subject), _("CSR"), error))
    return NULL;

  pkey = chain_key_get_public (key);
  req = X509_REQ_new ();
  if (req == NULL
      || !X509_REQ_set_version (req, X509_REQ_VERSION_1)
      || !X509_REQ_set_subject_name (req, chain_name_get_x509_name (subject))
      || !X509_REQ_set_pubkey (req, pkey))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot create the CSR"));
      return NULL;
    }
  sign_ctx = chain_key_sign_begin (key, error);
  if (sign_ctx == NULL)
    return NULL;
  signed_len = X509_REQ_sign_ctx (req, sign_ctx);
  chain_key_sign_end (key, sign_ctx);
  if (signed_len <= 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot create the CSR"));
      return NULL;
    }

  EVP_PKEY_up_ref (pkey);
  return csr_new_take (g_steal_pointer (&req), pkey, chain_key_get_algorithm (key));
}

static ChainCsr *
csr_parse (const guint8 *data,
           gsize         len,
           gboolean      verify_signature,
           GError      **error)
{
  g_autoptr(GBytes) der = NULL;
  g_autoptr(X509_REQ) req = NULL;
  g_autoptr(EVP_PKEY) pkey = NULL;
  const unsigned char *p;
  const guint8 *der_data;
  gsize der_len = 0;
  ChainKeyAlgorithm algorithm;

  der = chain_armor_decode (data, len, CHAIN_INPUT_MAX_LEN, csr_labels, _("CSR"), error);
  if (der == NULL)
    return NULL;

  der_data = g_bytes_get_data (der, &der_len);
  p = der_data;
  /* Keyless, then the key from its bytes: OpenSSL 3.0 decoding it in
   * d2i costs more than issuing the certificate (chain-spki-private.h). */
  req = (X509_REQ *) ASN1_item_d2i_ex (NULL, &p, (long) der_len, ASN1_ITEM_rptr (X509_REQ),
                                       chain_spki_keyless_libctx (), NULL);
  if (req == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT,
                           _("CSR is corrupt: it does not parse as PKCS#10"));
      return NULL;
    }
  if (p != der_data + der_len)
    {
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("CSR has %zu unexpected bytes after its DER structure: remove them"),
                   (gsize) (der_data + der_len - p));
      return NULL;
    }
  if (X509_REQ_get_version (req) != X509_REQ_VERSION_1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("CSR has version %ld, not 1: re-create it with a standard tool"),
                   X509_REQ_get_version (req) + 1);
      return NULL;
    }

  pkey = chain_spki_decode (X509_REQ_get_X509_PUBKEY (req));
  if (pkey == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_REFUSED,
                           _("CSR public key is of an unknown type: use one of %s"),
                           CHAIN_KEY_ALGORITHM_NAMES);
      return NULL;
    }

  /* Policy checks first: a weak key or SHA-1 is refused as such even when
   * its signature also happens to be bad. */
  algorithm = chain_pkey_get_algorithm (pkey, error);
  if (algorithm == CHAIN_KEY_ALGORITHM_INVALID)
    {
      g_prefix_error (error, _("CSR: "));
      return NULL;
    }
  if (!chain_signature_check_digest (X509_REQ_get_signature_nid (req), _("CSR"), error))
    return NULL;

  if (verify_signature && X509_REQ_verify (req, pkey) != 1)
    {
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("CSR signature does not verify: the request was altered or is corrupt"));
      return NULL;
    }

  if (!check_subject (X509_REQ_get_subject_name (req), _("CSR"), error))
    return NULL;

  return csr_new_take (g_steal_pointer (&req), g_steal_pointer (&pkey), algorithm);
}

ChainCsr *
chain_csr_parse (const guint8 *data,
                 gsize         len,
                 GError      **error)
{
  return csr_parse (data, len, TRUE, error);
}

ChainCsr *
chain_csr_parse_verified (const guint8 *data,
                          gsize         len,
                          GError      **error)
{
  return csr_parse (data, len, FALSE, error);
}

GBytes *
chain_csr_to_der (const ChainCsr *self)
{
  unsigned char *der = NULL;
  GBytes *bytes;
  int len;

  g_return_val_if_fail (self != NULL, NULL);

  len = i2d_X509_REQ (self->req, &der);
  /* A request we built or parsed always re-encodes; only OOM fails here. */
  g_return_val_if_fail (len > 0, NULL);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

GBytes *
chain_csr_to_pem (const ChainCsr *self)
{
  g_autoptr(GBytes) der = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  der = chain_csr_to_der (self);
  if (der == NULL)
    return NULL;
  return chain_armor_encode ("CERTIFICATE REQUEST",
                             g_bytes_get_data (der, NULL), g_bytes_get_size (der));
}

ChainName *
chain_csr_dup_subject (const ChainCsr *self)
{
  X509_NAME *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = X509_NAME_dup (X509_REQ_get_subject_name (self->req));
  g_return_val_if_fail (copy != NULL, NULL);
  return chain_name_new_take (copy);
}

ChainKeyAlgorithm
chain_csr_get_key_algorithm (const ChainCsr *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_KEY_ALGORITHM_INVALID);
  return self->algorithm;
}

char *
chain_csr_dup_public_key_sha256 (const ChainCsr *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return chain_pkey_spki_sha256 (self->pkey);
}

EVP_PKEY *
chain_csr_get_public_key (const ChainCsr *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->pkey;
}

X509_REQ *
chain_csr_get_x509_req (const ChainCsr *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->req;
}

void
chain_csr_free (ChainCsr *self)
{
  if (self == NULL)
    return;
  X509_REQ_free (self->req);
  EVP_PKEY_free (self->pkey);
  g_free (self);
}
