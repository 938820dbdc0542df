/* chain-key.c — private keys: generation, encrypted storage, algorithms */
#include "chain-pki-private.h"
#include "chain-key-tpm2-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>

/* Key files are small; anything bigger is not ours. */
#define KEY_FILE_MAX_LEN (64 * 1024)

/* Shortest passphrase chain_key_save() accepts. */

/* scrypt cost. OpenSSL 3.0 caps scrypt memory at 32 MiB when decrypting
 * PKCS#8 and N = 2^15 with r = 8 needs just over that, so `openssl pkey`
 * could not read our files; 2^14 (16 MiB) is OpenSSL's own -scrypt default. */
#define SCRYPT_N (1 << 14)
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SCRYPT_SALT_LEN 16

struct _ChainKey
{
  gint ref_count;
  EVP_PKEY *pkey;              /* the private key; a handle for a token or TPM key */
  EVP_PKEY *public_key;        /* the public half in the default library context */
  ChainKeyAlgorithm algorithm;
  /* An EC key made here: its public point, uncompressed (0: ask the key). */
  guint8 ec_point[1 + 2 * 66];
  size_t ec_point_len;
  ChainKeyStore store;
  char *location;              /* where a hardware key lives; NULL for a file key */
  OSSL_LIB_CTX *libctx;        /* (nullable) the library context @pkey belongs to */
  const char *propq;           /* (nullable) prefers the provider holding @pkey there */
  /* (nullable) the home's lock, held while the key signs: a home with one
   * connection (a TPM) takes one call at a time from all its keys. */
  GRecMutex *sign_lock;
  gpointer home;               /* keeps the module or TPM context alive */
  GDestroyNotify home_release;
  /* A home with few object slots (a TPM with no resource manager) has the
   * key loaded only while it signs: @reopen loads it, chain_key_unlock()
   * frees (flushes) it again. */
  ChainKeyReopenFunc reopen;
  gpointer reopen_data;
  GDestroyNotify reopen_data_free;
  GError *reopen_error;
  /* Set for a key generated in a token by this process: takes it out again
   * when what it was made for fails (no orphan key left in the token). */
  GFunc discard;
  gpointer discard_data;
  GDestroyNotify discard_data_free;
  /* (nullable) a TPM's certification of a key it generated for this
   * process (chain-tpm2-evidence-private.h), for the record introducing it. */
  ChainJson *tpm_evidence;
};

static const struct
{
  ChainKeyAlgorithm algorithm;
  const char *name;
} algorithm_names[] = {
  { CHAIN_KEY_ALGORITHM_EC_P256, "ec-p256" },
  { CHAIN_KEY_ALGORITHM_EC_P384, "ec-p384" },
  { CHAIN_KEY_ALGORITHM_RSA_2048, "rsa-2048" },
  { CHAIN_KEY_ALGORITHM_RSA_3072, "rsa-3072" },
  { CHAIN_KEY_ALGORITHM_RSA_4096, "rsa-4096" },
};

ChainKeyAlgorithm
chain_key_algorithm_from_string (const char *name,
                                 GError    **error)
{
  gsize i;

  for (i = 0; name != NULL && i < G_N_ELEMENTS (algorithm_names); i++)
    {
      if (g_ascii_strcasecmp (name, algorithm_names[i].name) == 0)
        return algorithm_names[i].algorithm;
    }

  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
               _("unknown key algorithm '%s': use one of %s"),
               name != NULL ? name : "", CHAIN_KEY_ALGORITHM_NAMES);
  return CHAIN_KEY_ALGORITHM_INVALID;
}

const char *
chain_key_algorithm_to_string (ChainKeyAlgorithm algorithm)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (algorithm_names); i++)
    {
      if (algorithm_names[i].algorithm == algorithm)
        return algorithm_names[i].name;
    }
  return "invalid";
}

gboolean
chain_key_algorithm_is_rsa (ChainKeyAlgorithm algorithm)
{
  return algorithm == CHAIN_KEY_ALGORITHM_RSA_2048
         || algorithm == CHAIN_KEY_ALGORITHM_RSA_3072
         || algorithm == CHAIN_KEY_ALGORITHM_RSA_4096;
}

/* Algorithm classification */

static ChainKeyAlgorithm
ec_get_algorithm (const EVP_PKEY *pkey,
                  GError        **error)
{
  char encoding[32] = "";
  char group[80] = "";
  size_t len = 0;
  int nid;

  /* OpenSSL maps explicit parameters that equal a named curve back to its
   * name, so ask how the key was encoded: explicit parameters can hide a
   * crafted curve and are forbidden by RFC 5480 anyway. */
  if (EVP_PKEY_get_utf8_string_param (pkey, OSSL_PKEY_PARAM_EC_ENCODING,
                                      encoding, sizeof encoding, &len)
      && g_strcmp0 (encoding, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
    {
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("EC key with explicit curve parameters refused: use a named curve; accepted are %s"),
                   CHAIN_KEY_ALGORITHM_NAMES);
      return CHAIN_KEY_ALGORITHM_INVALID;
    }

  if (!EVP_PKEY_get_group_name (pkey, group, sizeof group, &len))
    {
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("EC key without a named curve refused: accepted are %s"),
                   CHAIN_KEY_ALGORITHM_NAMES);
      return CHAIN_KEY_ALGORITHM_INVALID;
    }

  nid = OBJ_sn2nid (group);
  if (nid == NID_undef)
    nid = EC_curve_nist2nid (group);

  switch (nid)
    {
    case NID_X9_62_prime256v1:
      return CHAIN_KEY_ALGORITHM_EC_P256;
    case NID_secp384r1:
      return CHAIN_KEY_ALGORITHM_EC_P384;
    default:
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("EC key on curve %s refused: accepted are %s"),
                   group, CHAIN_KEY_ALGORITHM_NAMES);
      return CHAIN_KEY_ALGORITHM_INVALID;
    }
}

static ChainKeyAlgorithm
rsa_get_algorithm (const EVP_PKEY *pkey,
                   GError        **error)
{
  g_autoptr(BIGNUM) e = NULL;
  int bits = EVP_PKEY_get_bits (pkey);

  /* A small or even exponent makes signatures forgeable or the key
   * unusable (e = 1 "signs" anything); NIST SP 800-89 asks for >= 65537. */
  if (!EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_RSA_E, &e)
      || !BN_is_odd (e) || BN_get_word (e) < RSA_F4)
    {
      g_autofree char *e_text = NULL;

      if (e != NULL)
        {
          char *dec = BN_bn2dec (e);

          e_text = g_strdup (dec != NULL ? dec : "?");
          OPENSSL_free (dec);
        }
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("RSA key with public exponent %s refused: use exponent 65537"),
                   e_text != NULL ? e_text : _("(unreadable)"));
      return CHAIN_KEY_ALGORITHM_INVALID;
    }

  switch (bits)
    {
    case 2048:
      return CHAIN_KEY_ALGORITHM_RSA_2048;
    case 3072:
      return CHAIN_KEY_ALGORITHM_RSA_3072;
    case 4096:
      return CHAIN_KEY_ALGORITHM_RSA_4096;
    default:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("RSA key of %d bits refused: accepted are %s"),
                   bits, CHAIN_KEY_ALGORITHM_NAMES);
      return CHAIN_KEY_ALGORITHM_INVALID;
    }
}

ChainKeyAlgorithm
chain_pkey_get_algorithm (const EVP_PKEY *pkey,
                          GError        **error)
{
  const char *type_name;

  g_return_val_if_fail (pkey != NULL, CHAIN_KEY_ALGORITHM_INVALID);

  /* EVP_PKEY_is_a() is exact: RSA-PSS, SM2 and the like are not "RSA"/"EC". */
  if (EVP_PKEY_is_a (pkey, "RSA"))
    return rsa_get_algorithm (pkey, error);

  if (EVP_PKEY_is_a (pkey, "EC"))
    return ec_get_algorithm (pkey, error);

  type_name = EVP_PKEY_get0_type_name (pkey);
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
               /* Translators: the first %s is OpenSSL's name of the key type (e.g.
                * 'ED25519'); the second lists libchain's algorithm names. */
               _("%s key refused: accepted are %s"),
               type_name != NULL ? type_name : _("Unknown"), CHAIN_KEY_ALGORITHM_NAMES);
  return CHAIN_KEY_ALGORITHM_INVALID;
}

const EVP_MD *
chain_pkey_signature_digest (const EVP_PKEY *pkey)
{
  if (chain_pkey_get_algorithm (pkey, NULL) == CHAIN_KEY_ALGORITHM_EC_P384)
    return EVP_sha384 ();
  return EVP_sha256 ();
}

char *
chain_pkey_spki_sha256 (const EVP_PKEY *pkey)
{
  unsigned char *der = NULL;
  char *hex;
  int len;

  g_return_val_if_fail (pkey != NULL, NULL);

  len = i2d_PUBKEY (pkey, &der);
  /* Only a key that lost its public half fails here: a programming error. */
  g_return_val_if_fail (len > 0, NULL);

  hex = chain_sha256_hex (der, (gsize) len);
  OPENSSL_free (der);
  return hex;
}

gboolean
chain_signature_check_digest (int         signature_nid,
                              const char *what,
                              GError    **error)
{
  int md_nid = NID_undef;
  int pkey_nid = NID_undef;

  if (!OBJ_find_sigid_algs (signature_nid, &md_nid, &pkey_nid))
    {
      const char *name = OBJ_nid2ln (signature_nid);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   /* Translators: here and below, the first %s is what was signed, e.g.
                    * 'CSR'; the second OpenSSL's name of the signature algorithm. */
                   _("%s signed with an unknown algorithm (%s) refused: sign it with SHA-256 or better"),
                   what, name != NULL ? name : _("unrecognised"));
      return FALSE;
    }

  switch (md_nid)
    {
    case NID_sha256:
    case NID_sha384:
    case NID_sha512:
      return TRUE;
    case NID_md2:
    case NID_md4:
    case NID_md5:
    case NID_md5_sha1:
    case NID_sha1:
    case NID_mdc2:
    case NID_ripemd160:
    case NID_sha224:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("%s signed with %s refused: sign it with SHA-256 or better"),
                   what, OBJ_nid2sn (md_nid));
      return FALSE;
    default:
      {
        const char *name = OBJ_nid2ln (signature_nid);

        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                     _("%s signed with %s refused: sign it with SHA-256, SHA-384 or SHA-512"),
                     what, name != NULL ? name : _("an unsupported algorithm"));
        return FALSE;
      }
    }
}

/* The key object */

ChainKey *
chain_key_new_take (EVP_PKEY *pkey,
                    GError  **error)
{
  g_autoptr(EVP_PKEY) owned = pkey;
  ChainKeyAlgorithm algorithm;
  ChainKey *self;

  g_return_val_if_fail (pkey != NULL, NULL);

  /* Ownership passes to us even on error, so callers never double-free. */
  algorithm = chain_pkey_get_algorithm (owned, error);
  if (algorithm == CHAIN_KEY_ALGORITHM_INVALID)
    return NULL;

  self = g_new0 (ChainKey, 1);
  self->ref_count = 1;
  self->pkey = g_steal_pointer (&owned);
  self->public_key = self->pkey;
  EVP_PKEY_up_ref (self->public_key);
  self->algorithm = algorithm;
  self->store = CHAIN_KEY_STORE_FILE;
  return self;
}

/* The public half of @pkey as a plain key of the default library context:
 * comparing, hashing and embedding it never reaches into the token or TPM. */
static EVP_PKEY *
public_key_copy (EVP_PKEY *pkey,
                 GError  **error)
{
  unsigned char *der = NULL;
  const unsigned char *p;
  EVP_PKEY *copy = NULL;
  int len = i2d_PUBKEY (pkey, &der);

  if (len > 0)
    {
      p = der;
      copy = d2i_PUBKEY (NULL, &p, len);
    }
  OPENSSL_free (der);
  if (copy == NULL)
    chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot read the public half of the key"));
  return copy;
}

ChainKey *
chain_key_new_hardware (EVP_PKEY       *pkey,
                        ChainKeyStore   store,
                        const char     *location,
                        OSSL_LIB_CTX   *libctx,
                        GRecMutex      *sign_lock,
                        gpointer        home,
                        GDestroyNotify  home_release,
                        GError        **error)
{
  g_autoptr(EVP_PKEY) owned = pkey;
  g_autoptr(EVP_PKEY) public_key = NULL;
  ChainKeyAlgorithm algorithm;
  ChainKey *self;

  g_return_val_if_fail (pkey != NULL, NULL);

  public_key = public_key_copy (owned, error);
  if (public_key == NULL)
    {
      g_clear_pointer (&owned, EVP_PKEY_free);
      if (home_release != NULL)
        home_release (home);
      return NULL;
    }
  algorithm = chain_pkey_get_algorithm (public_key, error);
  if (algorithm == CHAIN_KEY_ALGORITHM_INVALID)
    {
      g_clear_pointer (&owned, EVP_PKEY_free);
      if (home_release != NULL)
        home_release (home);
      return NULL;
    }

  self = g_new0 (ChainKey, 1);
  self->ref_count = 1;
  self->pkey = g_steal_pointer (&owned);
  self->public_key = g_steal_pointer (&public_key);
  self->algorithm = algorithm;
  self->store = store;
  self->location = g_strdup (location);
  self->libctx = libctx;
  /* Without the preference OpenSSL picks the default provider's ECDSA and
   * exports the key to it: only its public half comes across. */
  self->propq = libctx != NULL ? "?provider=" "tpm2" : NULL;
  self->sign_lock = sign_lock;
  self->home = home;
  self->home_release = home_release;
  return self;
}

ChainKey *
chain_key_ref (ChainKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

EVP_PKEY *
chain_key_get_pkey (ChainKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->pkey;
}

EVP_PKEY *
chain_key_get_public (ChainKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->public_key;
}

OSSL_LIB_CTX *
chain_key_get_libctx (ChainKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->libctx;
}

const char *
chain_key_get_propq (ChainKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->propq;
}

void
chain_key_set_reopen (ChainKey          *self,
                      ChainKeyReopenFunc reopen,
                      gpointer           data,
                      GDestroyNotify     data_free)
{
  self->reopen = reopen;
  self->reopen_data = data;
  self->reopen_data_free = data_free;
  /* Loaded again for each signature: let the object go now. */
  g_clear_pointer (&self->pkey, EVP_PKEY_free);
}

void
chain_key_set_discard (ChainKey      *self,
                       GFunc          discard,
                       gpointer       data,
                       GDestroyNotify data_free)
{
  self->discard = discard;
  self->discard_data = data;
  self->discard_data_free = data_free;
}

void
chain_key_set_tpm_evidence (ChainKey  *self,
                            ChainJson *evidence)
{
  g_clear_pointer (&self->tpm_evidence, chain_json_unref);
  self->tpm_evidence = evidence;
}

ChainJson *
chain_key_get_tpm_evidence (ChainKey *self)
{
  return self->tpm_evidence;
}

void
chain_key_discard_generated (ChainKey *self)
{
  if (self == NULL || self->discard == NULL)
    return;
  self->discard (self->discard_data, NULL);
  self->discard = NULL;
}

void
chain_key_lock (ChainKey *self)
{
  if (self->sign_lock != NULL)
    g_rec_mutex_lock (self->sign_lock);
  if (self->reopen != NULL && self->pkey == NULL)
    {
      g_clear_error (&self->reopen_error);
      self->pkey = self->reopen (self->reopen_data, &self->reopen_error);
    }
}

void
chain_key_explain_failure (ChainKey *self)
{
  if (self->store == CHAIN_KEY_STORE_TPM2)
    chain_key_tpm2_explain_failure ();
}

void
chain_key_unlock (ChainKey *self)
{
  chain_key_explain_failure (self);
  if (self->reopen != NULL)
    g_clear_pointer (&self->pkey, EVP_PKEY_free);
  if (self->sign_lock != NULL)
    g_rec_mutex_unlock (self->sign_lock);
}

EVP_MD_CTX *
chain_key_sign_begin (ChainKey *self,
                      GError  **error)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  /* From the algorithm found when the key was made or loaded: asking the
   * key again costs OpenSSL name lookups on every signature. */
  const EVP_MD *md = self->algorithm == CHAIN_KEY_ALGORITHM_EC_P384 ? EVP_sha384 () : EVP_sha256 ();
  const char *md_name = EVP_MD_get0_name (md);

  chain_key_lock (self);
  if (self->pkey == NULL)
    {
      if (self->reopen_error != NULL)
        g_propagate_error (error, g_error_copy (self->reopen_error));
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("cannot start signing with the %s key"),
                     chain_key_store_to_string (self->store));
      chain_key_unlock (self);
      return NULL;
    }
  /* A provider key (TPM) signs only in the library context it lives in;
   * file and PKCS#11 keys keep the plain call (no fetch per signature). */
  if (ctx == NULL
      || (self->libctx != NULL
          ? EVP_DigestSignInit_ex (ctx, NULL, md_name, self->libctx, self->propq, self->pkey, NULL)
          : EVP_DigestSignInit (ctx, NULL, md, NULL, self->pkey)) != 1)
    {
      chain_key_unlock (self);
      chain_openssl_error (error, CHAIN_ERROR_FAILED,
                           _("cannot start signing with the %s key"), chain_key_store_to_string (self->store));
      return NULL;
    }
  return g_steal_pointer (&ctx);
}

void
chain_key_sign_end (ChainKey   *self,
                    EVP_MD_CTX *ctx)
{
  EVP_MD_CTX_free (ctx);
  chain_key_unlock (self);
}

ChainKeyAlgorithm
chain_key_get_algorithm (ChainKey *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_KEY_ALGORITHM_INVALID);
  return self->algorithm;
}

ChainKeyStore
chain_key_get_store (ChainKey *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_KEY_STORE_FILE);
  return self->store;
}

const char *
chain_key_get_location (ChainKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->location;
}

const char *
chain_key_store_to_string (ChainKeyStore store)
{
  switch (store)
    {
    case CHAIN_KEY_STORE_PKCS11:
      return "pkcs11";
    case CHAIN_KEY_STORE_TPM2:
      return "tpm2";
    case CHAIN_KEY_STORE_FILE:
    default:
      return "file";
    }
}

gboolean
chain_key_store_from_string (const char    *name,
                             ChainKeyStore *out_store)
{
  static const ChainKeyStore stores[] = { CHAIN_KEY_STORE_FILE, CHAIN_KEY_STORE_PKCS11, CHAIN_KEY_STORE_TPM2 };

  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (stores); i++)
    if (g_strcmp0 (name, chain_key_store_to_string (stores[i])) == 0)
      {
        *out_store = stores[i];
        return TRUE;
      }
  return FALSE;
}

char *
chain_key_dup_public_key_sha256 (ChainKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return chain_pkey_spki_sha256 (self->public_key);
}

void
chain_key_free (ChainKey *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  /* EVP_PKEY_free() clears the private key material before freeing it; a
   * TPM key's transient object is flushed by its provider here. */
  EVP_PKEY_free (self->public_key);
  EVP_PKEY_free (self->pkey);
  if (self->reopen_data_free != NULL)
    self->reopen_data_free (self->reopen_data);
  if (self->discard_data_free != NULL)
    self->discard_data_free (self->discard_data);
  g_clear_error (&self->reopen_error);
  g_clear_pointer (&self->tpm_evidence, chain_json_unref);
  if (self->home_release != NULL)
    self->home_release (self->home);
  g_free (self->location);
  g_free (self);
}

/* The parameters of curve @nid, named-curve encoded (RFC 5480), never
 * explicit: made once, as setting up the group for each key costs as much
 * as making the key. Transfer none. */
static EVP_PKEY *
ec_key_params (int nid)
{
  static gsize initialized;
  static EVP_PKEY *p256;
  static EVP_PKEY *p384;

  if (g_once_init_enter (&initialized))
    {
      int nids[] = { NID_X9_62_prime256v1, NID_secp384r1 };
      EVP_PKEY **slots[] = { &p256, &p384 };

      for (guint i = 0; i < G_N_ELEMENTS (nids); i++)
        {
          g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);

          if (ctx == NULL || EVP_PKEY_paramgen_init (ctx) <= 0
              || EVP_PKEY_CTX_set_ec_paramgen_curve_nid (ctx, nids[i]) <= 0
              || EVP_PKEY_CTX_set_ec_param_enc (ctx, OPENSSL_EC_NAMED_CURVE) <= 0
              || EVP_PKEY_paramgen (ctx, slots[i]) <= 0)
            chain_openssl_clear_errors ();
        }
      g_once_init_leave (&initialized, 1);
    }
  return nid == NID_secp384r1 ? p384 : p256;
}

struct _ChainKeyGenerator {
  ChainKeyAlgorithm algorithm;
  EVP_PKEY_CTX     *ctx;
};

ChainKeyGenerator *
chain_key_generator_new (ChainKeyAlgorithm algorithm,
                         GError          **error)
{
  g_autoptr(EVP_PKEY_CTX) ctx = NULL;
  ChainKeyGenerator *self;
  gboolean is_ec = FALSE;
  unsigned int bits = 0;
  int nid = NID_undef;

  switch (algorithm)
    {
    case CHAIN_KEY_ALGORITHM_EC_P256:
      is_ec = TRUE;
      nid = NID_X9_62_prime256v1;
      break;
    case CHAIN_KEY_ALGORITHM_EC_P384:
      is_ec = TRUE;
      nid = NID_secp384r1;
      break;
    case CHAIN_KEY_ALGORITHM_RSA_2048:
      bits = 2048;
      break;
    case CHAIN_KEY_ALGORITHM_RSA_3072:
      bits = 3072;
      break;
    case CHAIN_KEY_ALGORITHM_RSA_4096:
      bits = 4096;
      break;
    case CHAIN_KEY_ALGORITHM_INVALID:
    default:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("cannot generate a key of algorithm %d: use one of %s"),
                   (int) algorithm, CHAIN_KEY_ALGORITHM_NAMES);
      return NULL;
    }

  if (is_ec)
    {
      EVP_PKEY *params = ec_key_params (nid);

      ctx = params != NULL ? EVP_PKEY_CTX_new_from_pkey (NULL, params, NULL) : NULL;
      if (ctx == NULL || EVP_PKEY_keygen_init (ctx) <= 0)
        goto fail;
    }
  else
    {
      g_autoptr(BIGNUM) e = BN_new ();

      ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL);
      if (ctx == NULL || EVP_PKEY_keygen_init (ctx) <= 0
          || e == NULL
          || !BN_set_word (e, RSA_F4)
          || EVP_PKEY_CTX_set_rsa_keygen_bits (ctx, (int) bits) <= 0
          || EVP_PKEY_CTX_set1_rsa_keygen_pubexp (ctx, e) <= 0)
        goto fail;
    }

  self = g_new0 (ChainKeyGenerator, 1);
  self->algorithm = algorithm;
  self->ctx = g_steal_pointer (&ctx);
  return self;

fail:
  chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot generate a %s key"),
                       chain_key_algorithm_to_string (algorithm));
  return NULL;
}

ChainKey *
chain_key_generator_generate (ChainKeyGenerator *self,
                              GError           **error)
{
  EVP_PKEY *pkey = NULL;
  ChainKey *key;

  g_return_val_if_fail (self != NULL, NULL);

  if (EVP_PKEY_generate (self->ctx, &pkey) <= 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot generate a %s key"),
                           chain_key_algorithm_to_string (self->algorithm));
      return NULL;
    }
  /* The algorithm is the one asked for: no need to ask the key. */
  key = g_new0 (ChainKey, 1);
  key->ref_count = 1;
  key->pkey = pkey;
  key->public_key = pkey;
  EVP_PKEY_up_ref (key->public_key);
  key->algorithm = self->algorithm;
  key->store = CHAIN_KEY_STORE_FILE;
  /* Asked once here: both the certificate and the key file carry it, and
   * each ask costs OpenSSL a conversion to affine coordinates. */
  if (!chain_key_algorithm_is_rsa (self->algorithm)
      && !EVP_PKEY_get_octet_string_param (pkey, OSSL_PKEY_PARAM_PUB_KEY, key->ec_point,
                                           sizeof key->ec_point, &key->ec_point_len))
    {
      chain_key_free (key);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot generate a %s key"),
                           chain_key_algorithm_to_string (self->algorithm));
      return NULL;
    }
  return key;
}

void
chain_key_generator_free (ChainKeyGenerator *self)
{
  if (self == NULL)
    return;
  EVP_PKEY_CTX_free (self->ctx);
  g_free (self);
}

ChainKey *
chain_key_generate (ChainKeyAlgorithm algorithm,
                    GError          **error)
{
  g_autoptr(ChainKeyGenerator) generator = chain_key_generator_new (algorithm, error);

  if (generator == NULL)
    return NULL;
  return chain_key_generator_generate (generator, error);
}

gboolean
chain_key_copy_ec_point (ChainKey *self,
                         guint8   *out,
                         gsize     out_size,
                         gsize    *out_len)
{
  size_t len = 0;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->ec_point_len > 0)
    {
      if (self->ec_point_len > out_size)
        return FALSE;
      memcpy (out, self->ec_point, self->ec_point_len);
      *out_len = self->ec_point_len;
      return TRUE;
    }
  if (!EVP_PKEY_get_octet_string_param (self->public_key, OSSL_PKEY_PARAM_PUB_KEY, out, out_size, &len))
    return FALSE;
  *out_len = len;
  return TRUE;
}

/* Encrypted PKCS#8 */

static gboolean
check_passphrase_length (const ChainSecret *passphrase,
                         GError           **error)
{
  gsize len = 0;

  if (passphrase != NULL)
    chain_secret_get_data (passphrase, &len);
  if (len < CHAIN_KEY_PASSPHRASE_MIN_SIZE)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                   _("passphrase too short: use at least %d characters"),
                   CHAIN_KEY_PASSPHRASE_MIN_SIZE);
      return FALSE;
    }
  return TRUE;
}

GBytes *
chain_key_to_encrypted_pem (ChainKey          *self,
                            const ChainSecret *passphrase,
                            GError           **error)
{
  g_autoptr(PKCS8_PRIV_KEY_INFO) p8inf = NULL;
  g_autoptr(X509_ALGOR) pbe = NULL;
  g_autoptr(X509_SIG) p8 = NULL;
  g_autoptr(BIO) bio = NULL;
  const guint8 *pass;
  gsize pass_len = 0;
  char *pem = NULL;
  long pem_len;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->store != CHAIN_KEY_STORE_FILE)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("the key lives in %s and never leaves it: there is no file to write"),
                   chain_key_store_to_string (self->store));
      return NULL;
    }
  if (!check_passphrase_length (passphrase, error))
    return NULL;
  pass = chain_secret_get_data (passphrase, &pass_len);

  /* PKCS8_PRIV_KEY_INFO_free() wipes the plaintext key it holds. */
  p8inf = EVP_PKEY2PKCS8 (self->pkey);
  if (p8inf == NULL)
    goto fail;

  /* NULL salt and IV: OpenSSL fills them from its CSPRNG. */
  pbe = PKCS5_pbe2_set_scrypt (EVP_aes_256_cbc (), NULL, SCRYPT_SALT_LEN, NULL,
                               SCRYPT_N, SCRYPT_R, SCRYPT_P);
  if (pbe == NULL)
    goto fail;

  /* The passphrase goes by pointer and length, never as a C string copy. */
  p8 = PKCS8_set0_pbe ((const char *) pass, (int) pass_len, p8inf, pbe);
  if (p8 == NULL)
    goto fail;
  pbe = NULL; /* now owned by p8 */

  bio = BIO_new (BIO_s_mem ());
  if (bio == NULL || !PEM_write_bio_PKCS8 (bio, p8))
    goto fail;

  pem_len = BIO_get_mem_data (bio, &pem);
  if (pem_len <= 0)
    goto fail;
  return g_bytes_new (pem, (gsize) pem_len);

fail:
  chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot encrypt the key"));
  return NULL;
}

/* Atomic, private file writing */

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = EIO;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Opens @dir and checks that only its owner may enter it. */
static int
open_private_dir (const char *dir,
                  GError    **error)
{
  struct stat st;
  int dir_fd;

  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                     _("key directory %s does not exist: create it with mode 700"), dir);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                     _("cannot open key directory %s: %s"), dir, g_strerror (saved));
      return -1;
    }
  if (fstat (dir_fd, &st) != 0)
    {
      int saved = errno;

      close (dir_fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot inspect key directory %s: %s"), dir, g_strerror (saved));
      return -1;
    }
  if (st.st_uid != geteuid ())
    {
      close (dir_fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INSECURE,
                   _("key directory %s belongs to another user: keep keys in a directory of your own with mode 700"),
                   dir);
      return -1;
    }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      close (dir_fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INSECURE,
                   _("key directory %s is open to group or others: chmod 700 %s"),
                   dir, dir);
      return -1;
    }
  return dir_fd;
}

gboolean
chain_key_save (ChainKey          *self,
                const char        *path,
                const ChainSecret *passphrase,
                GError           **error)
{
  g_autoptr(GBytes) pem = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_name = NULL;
  struct stat st;
  const guint8 *data;
  gsize len = 0;
  int dir_fd = -1;
  int fd = -1;
  int saved;
  int attempt;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!check_passphrase_length (passphrase, error))
    return FALSE;

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  if (g_str_has_suffix (path, G_DIR_SEPARATOR_S) || strcmp (base, ".") == 0
      || strcmp (base, "..") == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a file name: give the path of the key file to create"), path);
      return FALSE;
    }

  dir_fd = open_private_dir (dir, error);
  if (dir_fd < 0)
    return FALSE;

  /* Keys are never overwritten: losing one can orphan a whole sub-tree. */
  if (fstatat (dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                   _("%s already exists: choose another path or move the old key away"), path);
      goto out;
    }

  pem = chain_key_to_encrypted_pem (self, passphrase, error);
  if (pem == NULL)
    goto out;
  data = g_bytes_get_data (pem, &len);

  for (attempt = 0; attempt < 16 && fd < 0; attempt++)
    {
      g_free (tmp_name);
      tmp_name = g_strdup_printf (".%s.%08x.tmp", base, g_random_int ());
      fd = openat (dir_fd, tmp_name,
                   O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd < 0 && errno != EEXIST)
        break;
    }
  if (fd < 0)
    {
      saved = errno;
      g_clear_pointer (&tmp_name, g_free);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot create a file in %s: %s"), dir, g_strerror (saved));
      goto out;
    }

  /* The umask may only have narrowed the mode; make it exactly 0600. */
  if (fchmod (fd, 0600) != 0 || !write_all (fd, data, len) || fsync (fd) != 0)
    {
      saved = errno;
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot write %s: %s"), path, g_strerror (saved));
      goto out;
    }
  if (close (fd) != 0)
    {
      saved = errno;
      fd = -1;
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot write %s: %s"), path, g_strerror (saved));
      goto out;
    }
  fd = -1;

  /* link() fails rather than replace a file that appeared meanwhile. */
  if (linkat (dir_fd, tmp_name, dir_fd, base, 0) != 0)
    {
      saved = errno;
      if (saved == EEXIST)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                     _("%s already exists: choose another path or move the old key away"), path);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                     _("cannot create %s: %s"), path, g_strerror (saved));
      goto out;
    }

  ok = TRUE;

out:
  if (fd >= 0)
    close (fd);
  if (tmp_name != NULL)
    unlinkat (dir_fd, tmp_name, 0);
  if (ok && fsync (dir_fd) != 0)
    {
      /* The key is in place but may not survive a crash: report, keep it. */
      saved = errno;
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot sync directory %s after writing %s: %s"),
                   dir, path, g_strerror (saved));
      ok = FALSE;
    }
  close (dir_fd);
  return ok;
}

/* Loading */

/* Reads at most KEY_FILE_MAX_LEN bytes of @path into @out_data (g_free it
 * after wiping: it may be an unencrypted key someone left there). */
static gboolean
read_key_file (const char *path,
               guint8    **out_data,
               gsize      *out_len,
               GError    **error)
{
  g_autofree guint8 *buf = NULL;
  struct stat st;
  gsize len = 0;
  int fd;
  int saved;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      saved = errno;
      if (saved == ENOENT)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                     _("key %s does not exist: check the path"), path);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                     _("cannot open key %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0)
    {
      saved = errno;
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot inspect key %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a regular file: give the path of a key file"), path);
      return FALSE;
    }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INSECURE,
                   _("key %s is open to group or others: chmod 600 %s"), path, path);
      return FALSE;
    }

  /* One byte more than allowed tells an oversized file from a full one. */
  buf = g_malloc (KEY_FILE_MAX_LEN + 1);
  while (len < KEY_FILE_MAX_LEN + 1)
    {
      ssize_t n = read (fd, buf + len, KEY_FILE_MAX_LEN + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved = errno;
          close (fd);
          OPENSSL_cleanse (buf, len);
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                       _("cannot read key %s: %s"), path, g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        break;
      len += (gsize) n;
    }
  close (fd);

  if (len > KEY_FILE_MAX_LEN)
    {
      OPENSSL_cleanse (buf, len);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("key %s is larger than %d bytes: it is not a key file"),
                   path, KEY_FILE_MAX_LEN);
      return FALSE;
    }
  *out_data = g_steal_pointer (&buf);
  *out_len = len;
  return TRUE;
}

/* Parses the one ENCRYPTED PRIVATE KEY block of @pem. */
static X509_SIG *
decode_encrypted_pem (const guint8 *pem,
                      gsize         pem_len,
                      const char   *path,
                      GError      **error)
{
  g_autoptr(BIO) bio = NULL;
  X509_SIG *p8 = NULL;
  char *name = NULL;
  char *header = NULL;
  unsigned char *data = NULL;
  long len = 0;

  bio = BIO_new_mem_buf (pem, (int) pem_len);
  if (bio == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot read key %s"), path);
      return NULL;
    }

  /* PEM_FLAG_SECURE: the block may be a plaintext key; its buffers are wiped. */
  if (!PEM_read_bio_ex (bio, &name, &header, &data, &len,
                        PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE))
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT,
                           _("%s is not a PEM key file: give an encrypted key written by libchain"),
                           path);
      return NULL;
    }

  if (strcmp (name, PEM_STRING_PKCS8) == 0 && header[0] == '\0')
    {
      const unsigned char *p = data;

      p8 = d2i_X509_SIG (NULL, &p, len);
      if (p8 == NULL || p != data + len)
        {
          g_clear_pointer (&p8, X509_SIG_free);
          chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT,
                               _("%s is corrupt: its encrypted key does not parse"), path);
        }
    }
  else if (strcmp (name, PEM_STRING_PKCS8INF) == 0
           || strcmp (name, PEM_STRING_RSA) == 0
           || strcmp (name, PEM_STRING_ECPRIVATEKEY) == 0
           || strcmp (name, PEM_STRING_DSA) == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s: unencrypted key refused: encrypt it with "
                     "openssl pkcs8 -topk8 -v2 aes-256-cbc"), path);
    }
  else
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: a file name, then the label of the PEM block it holds, e.g.
                    * 'CERTIFICATE' (not translated). */
                   _("%s holds a %s, not an ENCRYPTED PRIVATE KEY: give an encrypted key file"),
                   path, name);
    }

  OPENSSL_secure_free (name);
  OPENSSL_secure_free (header);
  OPENSSL_secure_clear_free (data, (size_t) len);
  chain_openssl_clear_errors ();
  return p8;
}

/* Whether PKCS8_decrypt() failed for want of the right passphrase rather
 * than for an encryption we cannot do. */
static gboolean
decrypt_failure_is_passphrase (void)
{
  unsigned long e;

  while ((e = ERR_get_error ()) != 0)
    {
      if (ERR_GET_LIB (e) == ERR_LIB_EVP
          && (ERR_GET_REASON (e) == EVP_R_UNSUPPORTED_CIPHER
              || ERR_GET_REASON (e) == EVP_R_UNKNOWN_PBE_ALGORITHM
              || ERR_GET_REASON (e) == EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION
              || ERR_GET_REASON (e) == EVP_R_UNSUPPORTED_PRF))
        {
          chain_openssl_clear_errors ();
          return FALSE;
        }
    }
  return TRUE;
}

ChainKey *
chain_key_load (const char        *path,
                const ChainSecret *passphrase,
                GError           **error)
{
  g_autoptr(X509_SIG) p8 = NULL;
  g_autoptr(PKCS8_PRIV_KEY_INFO) p8inf = NULL;
  g_autoptr(EVP_PKEY) pkey = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 *file = NULL;
  gsize file_len = 0;
  const guint8 *pass;
  gsize pass_len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  if (!read_key_file (path, &file, &file_len, error))
    return NULL;
  p8 = decode_encrypted_pem (file, file_len, path, error);
  OPENSSL_cleanse (file, file_len);
  g_free (file);
  if (p8 == NULL)
    return NULL;

  /* A structurally corrupt file was caught above; what fails here is nearly
   * always the passphrase (bad CBC padding, or garbage plaintext). */
  pass = chain_secret_get_data (passphrase, &pass_len);
  p8inf = PKCS8_decrypt (p8, (const char *) pass, (int) pass_len);
  if (p8inf == NULL)
    {
      if (decrypt_failure_is_passphrase ())
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                     _("wrong passphrase for %s: check the passphrase and try again"), path);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("%s uses an encryption libchain cannot read: re-encrypt it with "
                       "openssl pkcs8 -topk8 -v2 aes-256-cbc"), path);
      return NULL;
    }

  pkey = EVP_PKCS82PKEY (p8inf);
  if (pkey == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_INVALID_INPUT,
                           _("%s is corrupt: its decrypted key does not parse"), path);
      return NULL;
    }

  if (chain_pkey_get_algorithm (pkey, &local_error) == CHAIN_KEY_ALGORITHM_INVALID)
    {
      /* Translators: a key file's name, then why its key is refused. */
      g_set_error (error, CHAIN_ERROR, local_error->code, _("%s: %s"),
                   path, local_error->message);
      return NULL;
    }
  return chain_key_new_take (g_steal_pointer (&pkey), error);
}
