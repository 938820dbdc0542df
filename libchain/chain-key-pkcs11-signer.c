/* chain-key-pkcs11-signer.c — ECDSA in a PKCS#11 token, one session per signing thread
 *
 * libp11 0.4.12 signs every EC key through one session per slot under one
 * write lock, so two issuing threads take turns at the token. Here an EC
 * key signs through the module's own functions instead: each thread that
 * signs takes an idle session of the key's pool, or opens one and finds
 * the private key object in it once, and puts it back afterwards. The pool
 * grows to the number of threads that sign at once and is closed with the
 * key. The login is the application's (PKCS#11 shares it between all its
 * sessions), done by chain-key-pkcs11.c before.
 *
 * A token that goes away while a run signs (pulled out, its module
 * failing) makes C_SignInit or C_Sign fail: the session is dropped and
 * OpenSSL's error queue gets a reason of ours that says what happened and
 * what to do, which chain_openssl_error() puts in the one-line error.
 */

/* The EC_KEY_METHOD API is what OpenSSL 3.0 offers for a key whose
 * private half lives elsewhere, short of writing a provider. */
#undef OPENSSL_NO_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#include "chain-key-pkcs11-private.h"
#include "chain-pki-private.h"
#include "chain-i18n-private.h"

#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>

/* Longest raw ECDSA signature: r || s of P-384. */
#define MAX_SIGNATURE_LEN 96

struct _ChainPkcs11Signer {
  gint               refs;
  CK_FUNCTION_LIST  *raw;            /* the module's functions */
  CK_SLOT_ID         slot_id;
  char              *label;
  guint8            *id;             /* CKA_ID; NULL when the key has none */
  gsize              id_len;
  GDestroyNotify     home_release;   /* keeps the module loaded */
  gpointer           home;
  GMutex             lock;
  GArray            *idle;           /* Session: open and holding the key's handle */
};

typedef struct {
  CK_SESSION_HANDLE session;
  CK_OBJECT_HANDLE  key;
} Session;

/* ---- Our reasons in OpenSSL's error queue ---------------------------------------- */

enum {
  REASON_TOKEN_GONE = 1,
  REASON_NOT_LOGGED_IN,
  REASON_SIGN_FAILED,
};

static int error_library;

static gpointer
register_reasons (gpointer unused)
{
  static ERR_STRING_DATA reasons[4];
  int lib = ERR_get_next_error_library ();

  (void) unused;
  /* gettext's strings live as long as the process: OpenSSL keeps pointers. */
  reasons[0].error = ERR_PACK (lib, 0, REASON_TOKEN_GONE);
  reasons[0].string = _("the PKCS#11 token was removed or its module failed: put it back, then run the command again");
  reasons[1].error = ERR_PACK (lib, 0, REASON_NOT_LOGGED_IN);
  reasons[1].string = _("the PKCS#11 token was logged out (taken out and put back?): run the command again");
  reasons[2].error = ERR_PACK (lib, 0, REASON_SIGN_FAILED);
  reasons[2].string = _("the PKCS#11 token refused to sign: check the token with pkcs11-tool --list-objects");
  ERR_load_strings (lib, reasons);
  error_library = lib;
  return NULL;
}

static void
raise_reason (CK_RV rv)
{
  static GOnce once = G_ONCE_INIT;
  int reason;

  g_once (&once, register_reasons, NULL);
  switch (rv)
    {
    case CKR_USER_NOT_LOGGED_IN:
      reason = REASON_NOT_LOGGED_IN;
      break;
    case CKR_OBJECT_HANDLE_INVALID:
    case CKR_KEY_HANDLE_INVALID:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_DEVICE_REMOVED:
    case CKR_DEVICE_ERROR:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_TOKEN_NOT_RECOGNIZED:
    case CKR_SLOT_ID_INVALID:
    case CKR_GENERAL_ERROR:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
      reason = REASON_TOKEN_GONE;
      break;
    default:
      reason = REASON_SIGN_FAILED;
      break;
    }
  ERR_raise_data (error_library, reason, "PKCS#11 error 0x%lx", (unsigned long) rv);
}

/* ---- Sessions ---------------------------------------------------------------------- */

static CK_RV
session_open (ChainPkcs11Signer *self,
              Session           *out)
{
  CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE match[3] = {
    { CKA_CLASS, &klass, sizeof klass },
    { CKA_LABEL, self->label, strlen (self->label) },
    { CKA_ID, self->id, self->id_len },
  };
  CK_ULONG n_match = self->id != NULL ? 3 : 2;
  CK_OBJECT_HANDLE found = CK_INVALID_HANDLE;
  CK_ULONG n = 0;
  CK_RV rv;

  rv = self->raw->C_OpenSession (self->slot_id, CKF_SERIAL_SESSION, NULL, NULL, &out->session);
  if (rv != CKR_OK)
    return rv;
  rv = self->raw->C_FindObjectsInit (out->session, match, n_match);
  if (rv == CKR_OK)
    {
      rv = self->raw->C_FindObjects (out->session, &found, 1, &n);
      self->raw->C_FindObjectsFinal (out->session);
    }
  if (rv == CKR_OK && n == 0)
    rv = CKR_OBJECT_HANDLE_INVALID;
  if (rv != CKR_OK)
    {
      self->raw->C_CloseSession (out->session);
      return rv;
    }
  out->key = found;
  return CKR_OK;
}

/* An idle session, or a new one. */
static CK_RV
session_take (ChainPkcs11Signer *self,
              Session           *out)
{
  g_mutex_lock (&self->lock);
  if (self->idle->len > 0)
    {
      *out = g_array_index (self->idle, Session, self->idle->len - 1);
      g_array_set_size (self->idle, self->idle->len - 1);
      g_mutex_unlock (&self->lock);
      return CKR_OK;
    }
  g_mutex_unlock (&self->lock);
  return session_open (self, out);
}

static void
session_put (ChainPkcs11Signer *self,
             const Session     *session)
{
  g_mutex_lock (&self->lock);
  g_array_append_val (self->idle, *session);
  g_mutex_unlock (&self->lock);
}

/* ---- The EC key method ----------------------------------------------------------- */

static int signer_index = -1;

static void
signer_ex_free (void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
  (void) parent; (void) ad; (void) idx; (void) argl; (void) argp;
  chain_pkcs11_signer_unref (ptr);
}

static int
signer_ex_dup (CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d, int idx, long argl, void *argp)
{
  (void) to; (void) from; (void) idx; (void) argl; (void) argp;
  if (*from_d != NULL)
    chain_pkcs11_signer_ref (*from_d);
  return 1;
}

static ECDSA_SIG *
sign_sig (const unsigned char *digest,
          int                  digest_len,
          const BIGNUM        *kinv,
          const BIGNUM        *r,
          EC_KEY              *ec)
{
  ChainPkcs11Signer *self = EC_KEY_get_ex_data (ec, signer_index);
  CK_MECHANISM mechanism = { CKM_ECDSA, NULL, 0 };
  guint8 raw[MAX_SIGNATURE_LEN];
  CK_ULONG raw_len = sizeof raw;
  Session session;
  ECDSA_SIG *sig;
  BIGNUM *sig_r;
  BIGNUM *sig_s;
  CK_RV rv;

  (void) kinv;
  (void) r;
  if (self == NULL || digest_len <= 0)
    {
      raise_reason (CKR_GENERAL_ERROR);
      return NULL;
    }
  rv = session_take (self, &session);
  if (rv != CKR_OK)
    {
      raise_reason (rv);
      return NULL;
    }
  rv = self->raw->C_SignInit (session.session, &mechanism, session.key);
  if (rv == CKR_OK)
    rv = self->raw->C_Sign (session.session, (CK_BYTE_PTR) digest, (CK_ULONG) digest_len, raw, &raw_len);
  if (rv != CKR_OK)
    {
      /* Whatever broke may have broken the session: it is not kept. */
      self->raw->C_CloseSession (session.session);
      raise_reason (rv);
      return NULL;
    }
  session_put (self, &session);
  if (raw_len == 0 || raw_len % 2 != 0)
    {
      raise_reason (CKR_FUNCTION_FAILED);
      return NULL;
    }
  sig = ECDSA_SIG_new ();
  sig_r = BN_bin2bn (raw, (int) raw_len / 2, NULL);
  sig_s = BN_bin2bn (raw + raw_len / 2, (int) raw_len / 2, NULL);
  if (sig == NULL || sig_r == NULL || sig_s == NULL || !ECDSA_SIG_set0 (sig, sig_r, sig_s))
    {
      ECDSA_SIG_free (sig);
      BN_free (sig_r);
      BN_free (sig_s);
      return NULL;
    }
  return sig;
}

static gpointer
make_method (gpointer unused)
{
  EC_KEY_METHOD *method = EC_KEY_METHOD_new (EC_KEY_OpenSSL ());
  int (*sign) (int, const unsigned char *, int, unsigned char *, unsigned int *,
               const BIGNUM *, const BIGNUM *, EC_KEY *) = NULL;

  (void) unused;
  signer_index = EC_KEY_get_ex_new_index (0, NULL, NULL, signer_ex_dup, signer_ex_free);
  if (method == NULL || signer_index < 0)
    return NULL;
  /* OpenSSL's own sign() encodes what sign_sig() returns; no setup: the
   * token makes its own nonce. */
  EC_KEY_METHOD_get_sign (EC_KEY_OpenSSL (), &sign, NULL, NULL);
  EC_KEY_METHOD_set_sign (method, sign, NULL, sign_sig);
  return method;
}

/* ---- The signer ------------------------------------------------------------------- */

ChainPkcs11Signer *
chain_pkcs11_signer_new (CK_FUNCTION_LIST *raw,
                         CK_SLOT_ID        slot_id,
                         const char       *label,
                         const guint8     *id,
                         gsize             id_len,
                         gpointer          home,
                         GDestroyNotify    home_release)
{
  ChainPkcs11Signer *self = g_new0 (ChainPkcs11Signer, 1);

  self->refs = 1;
  self->raw = raw;
  self->slot_id = slot_id;
  self->label = g_strdup (label);
  self->id = id != NULL && id_len > 0 ? g_memdup2 (id, id_len) : NULL;
  self->id_len = self->id != NULL ? id_len : 0;
  self->home = home;
  self->home_release = home_release;
  g_mutex_init (&self->lock);
  self->idle = g_array_new (FALSE, FALSE, sizeof (Session));
  return self;
}

ChainPkcs11Signer *
chain_pkcs11_signer_ref (ChainPkcs11Signer *self)
{
  g_atomic_int_inc (&self->refs);
  return self;
}

void
chain_pkcs11_signer_unref (ChainPkcs11Signer *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->refs))
    return;
  for (guint i = 0; i < self->idle->len; i++)
    self->raw->C_CloseSession (g_array_index (self->idle, Session, i).session);
  g_array_unref (self->idle);
  g_mutex_clear (&self->lock);
  g_free (self->label);
  g_free (self->id);
  if (self->home_release != NULL)
    self->home_release (self->home);
  g_free (self);
}

EVP_PKEY *
chain_pkcs11_signer_wrap (ChainPkcs11Signer *self,
                          EVP_PKEY          *public_key)
{
  static GOnce once = G_ONCE_INIT;
  const EC_KEY_METHOD *method = g_once (&once, make_method, NULL);
  const EC_KEY *public_ec = EVP_PKEY_get0_EC_KEY (public_key);
  EC_KEY *ec = public_ec != NULL ? EC_KEY_dup (public_ec) : NULL;
  EVP_PKEY *pkey = NULL;

  if (method == NULL || ec == NULL || !EC_KEY_set_method (ec, method))
    goto fail;
  if (!EC_KEY_set_ex_data (ec, signer_index, self))
    goto fail;
  chain_pkcs11_signer_ref (self);
  pkey = EVP_PKEY_new ();
  if (pkey == NULL || !EVP_PKEY_assign_EC_KEY (pkey, ec))
    goto fail;
  return pkey;

fail:
  EVP_PKEY_free (pkey);
  EC_KEY_free (ec);
  return NULL;
}
