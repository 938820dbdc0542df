/* chain-spki.c — subject public keys without OpenSSL 3.0's decoders
 *
 * See chain-spki-private.h. The fast path covers exactly what libchain
 * issues and accepts most: id-ecPublicKey with a namedCurve parameter of
 * P-256 or P-384. Explicit curve parameters, RSA and anything else take
 * OpenSSL's decoders, so every refusal they give is kept.
 */
#include "chain-spki-private.h"
#include "chain-pki-private.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/provider.h>

OSSL_LIB_CTX *
chain_spki_keyless_libctx (void)
{
  static gsize initialized;
  static OSSL_LIB_CTX *keyless;

  if (g_once_init_enter (&initialized))
    {
      /* Loading the null provider keeps the default one from loading
       * itself: the context finds no decoder and leaves the key as bytes.
       * Should that fail, NULL is the default context: slower, as right. */
      keyless = OSSL_LIB_CTX_new ();
      if (keyless != NULL && OSSL_PROVIDER_load (keyless, "null") == NULL)
        g_clear_pointer (&keyless, OSSL_LIB_CTX_free);
      chain_openssl_clear_errors ();
      g_once_init_leave (&initialized, 1);
    }
  return keyless;
}

/* The named curve of an EC @pub (P-256 or P-384) and its point, or
 * NID_undef for anything else. */
static int
named_ec_point (const X509_PUBKEY    *pub,
                const unsigned char **out_point,
                int                  *out_len)
{
  ASN1_OBJECT *algorithm = NULL;
  X509_ALGOR *algor = NULL;
  const ASN1_OBJECT *param_object = NULL;
  const void *param = NULL;
  int param_type = V_ASN1_UNDEF;
  int nid;

  if (!X509_PUBKEY_get0_param (&algorithm, out_point, out_len, &algor, pub)
      || OBJ_obj2nid (algorithm) != NID_X9_62_id_ecPublicKey || *out_point == NULL || *out_len <= 0)
    return NID_undef;
  X509_ALGOR_get0 (&param_object, &param_type, &param, algor);
  if (param_type != V_ASN1_OBJECT)
    return NID_undef;
  nid = OBJ_obj2nid (param);
  return nid == NID_X9_62_prime256v1 || nid == NID_secp384r1 ? nid : NID_undef;
}

/* OpenSSL's own way: the SPKI's DER through its decoders. */
static EVP_PKEY *
decode_with_openssl (const X509_PUBKEY *pub)
{
  unsigned char *der = NULL;
  const unsigned char *p;
  int len = i2d_X509_PUBKEY (pub, &der);
  EVP_PKEY *pkey = NULL;

  if (len > 0)
    {
      p = der;
      pkey = d2i_PUBKEY (NULL, &p, len);
    }
  OPENSSL_free (der);
  return pkey;
}

EVP_PKEY *
chain_spki_decode (const X509_PUBKEY *pub)
{
  g_autoptr(EVP_PKEY_CTX) ctx = NULL;
  const unsigned char *point = NULL;
  int len = 0;
  int nid = named_ec_point (pub, &point, &len);
  EVP_PKEY *pkey = NULL;
  const char *form;
  OSSL_PARAM params[4];

  if (nid == NID_undef)
    {
      pkey = decode_with_openssl (pub);
      chain_openssl_clear_errors ();
      return pkey;
    }
  /* The EC key manager checks the point lies on the curve, as decoding
   * does; the key re-encodes its point in the form it came in, as a
   * decoded one does. */
  switch (point[0] & ~0x01)
    {
    case POINT_CONVERSION_COMPRESSED:
      form = OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED;
      break;
    case POINT_CONVERSION_HYBRID:
      form = OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_HYBRID;
      break;
    default:
      form = OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED;
      break;
    }
  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_PKEY_PARAM_GROUP_NAME, (char *) OBJ_nid2sn (nid), 0);
  params[1] = OSSL_PARAM_construct_octet_string (OSSL_PKEY_PARAM_PUB_KEY, (void *) point, (size_t) len);
  params[2] = OSSL_PARAM_construct_utf8_string (OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, (char *) form, 0);
  params[3] = OSSL_PARAM_construct_end ();
  ctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);
  if (ctx == NULL || EVP_PKEY_fromdata_init (ctx) != 1
      || EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    {
      EVP_PKEY_free (pkey);
      pkey = NULL;
    }
  chain_openssl_clear_errors ();
  return pkey;
}

/* Whether @point decodes as a point of curve @nid: exactly what decoding
 * the key checks (it lets the point at infinity through, and so does this,
 * so a ledger audits the same as before). */
static gboolean
ec_point_is_valid (int                  nid,
                   const unsigned char *point,
                   int                  len)
{
  static gsize initialized;
  static EC_GROUP *p256;
  static EC_GROUP *p384;
  const EC_GROUP *group;
  EC_POINT *p;
  gboolean ok;

  if (g_once_init_enter (&initialized))
    {
      p256 = EC_GROUP_new_by_curve_name (NID_X9_62_prime256v1);
      p384 = EC_GROUP_new_by_curve_name (NID_secp384r1);
      g_once_init_leave (&initialized, 1);
    }
  group = nid == NID_secp384r1 ? p384 : p256;
  p = group != NULL ? EC_POINT_new (group) : NULL;
  ok = p != NULL && EC_POINT_oct2point (group, p, point, (size_t) len, NULL) == 1;
  EC_POINT_free (p);
  chain_openssl_clear_errors ();
  return ok;
}

ChainKeyAlgorithm
chain_spki_get_algorithm (const X509_PUBKEY *pub)
{
  g_autoptr(EVP_PKEY) pkey = NULL;
  const unsigned char *point = NULL;
  int len = 0;
  int nid = named_ec_point (pub, &point, &len);

  if (nid != NID_undef)
    {
      if (!ec_point_is_valid (nid, point, len))
        return CHAIN_KEY_ALGORITHM_INVALID;
      return nid == NID_secp384r1 ? CHAIN_KEY_ALGORITHM_EC_P384 : CHAIN_KEY_ALGORITHM_EC_P256;
    }
  pkey = decode_with_openssl (pub);
  chain_openssl_clear_errors ();
  return pkey != NULL ? chain_pkey_get_algorithm (pkey, NULL) : CHAIN_KEY_ALGORITHM_INVALID;
}
