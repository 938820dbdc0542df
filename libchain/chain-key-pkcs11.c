/* chain-key-pkcs11.c — keys in PKCS#11 tokens, named by RFC 7512 URIs */

/* libp11.h declares its RSA and EC method getters with types OpenSSL 3 lists
 * as deprecated; nothing here calls them. */
#undef OPENSSL_NO_DEPRECATED
#include "chain-key-pkcs11-private.h"
#include "chain-key-token-private.h"
#include "chain-pki-private.h"
#include "chain-i18n-private.h"

#include <dlfcn.h>
#include <string.h>

#include <libp11.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#ifndef CHAIN_PKCS11_PROXY_MODULE
#define CHAIN_PKCS11_PROXY_MODULE "p11-kit-proxy.so"
#endif

/* Bytes of a generated key's CKA_ID: libp11 pairs private and public keys by it. */
#define KEY_ID_LEN 16

/* Longest URI, label or module path taken from outside. */
#define URI_MAX_LEN 4096

G_DEFINE_AUTOPTR_CLEANUP_FUNC (P11KitUri, p11_kit_uri_free)

const char *
chain_key_pkcs11_default_module (void)
{
  return CHAIN_PKCS11_PROXY_MODULE;
}

/* ---- URIs --------------------------------------------------------------------------- */

static char *
uri_token_label (P11KitUri *uri)
{
  CK_TOKEN_INFO *info = p11_kit_uri_get_token_info (uri);
  gsize len = sizeof info->label;

  /* p11-kit leaves an unnamed field zeroed; a named one is space-padded. */
  if (info->label[0] == '\0')
    return NULL;
  while (len > 0 && info->label[len - 1] == ' ')
    len--;
  return g_strndup ((const char *) info->label, len);
}

static char *
uri_object_label (P11KitUri *uri)
{
  CK_ATTRIBUTE *label = p11_kit_uri_get_attribute (uri, CKA_LABEL);

  if (label == NULL)
    return NULL;
  return g_strndup (label->pValue, label->ulValueLen);
}

static P11KitUri *
uri_parse (const char  *text,
           GError     **error)
{
  g_autoptr(P11KitUri) uri = p11_kit_uri_new ();
  int rc;

  if (text == NULL || strlen (text) > URI_MAX_LEN || !g_str_has_prefix (text, "pkcs11:"))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("'%s' is not a PKCS#11 URI: write pkcs11:token=LABEL;object=LABEL"),
                   text != NULL && strlen (text) <= URI_MAX_LEN ? text : "");
      return NULL;
    }
  rc = p11_kit_uri_parse (text, P11_KIT_URI_FOR_ANY, uri);
  if (rc != P11_KIT_URI_OK)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the second %s is p11-kit's reason. */
                   _("cannot read the PKCS#11 URI '%s': %s"), text, p11_kit_uri_message (rc));
      return NULL;
    }
  return g_steal_pointer (&uri);
}

char *
chain_key_pkcs11_normalize_uri (const char  *text,
                                const char  *default_label,
                                GError     **error)
{
  g_autoptr(P11KitUri) uri = uri_parse (text, error);
  g_autofree char *token = NULL;
  g_autofree char *label = NULL;
  CK_ATTRIBUTE *klass;
  char *formatted = NULL;

  if (uri == NULL)
    return NULL;
  /* A PIN in a URI ends up in shell history, process lists and the workspace. */
  if (p11_kit_uri_get_pin_value (uri) != NULL || p11_kit_uri_get_pin_source (uri) != NULL)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                           _("a PIN in a PKCS#11 URI (pin-value, pin-source) is refused: "
                             "give it with --pin-file FILE, $CHAIN_PIN or at the prompt"));
      return NULL;
    }
  klass = p11_kit_uri_get_attribute (uri, CKA_CLASS);
  if (klass != NULL && klass->ulValueLen == sizeof (CK_OBJECT_CLASS)
      && *(CK_OBJECT_CLASS *) klass->pValue != CKO_PRIVATE_KEY)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("the PKCS#11 URI '%s' names a public key or certificate, not a private key: "
                     "use type=private or leave type out"), text);
      return NULL;
    }
  token = uri_token_label (uri);
  if (token == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the PKCS#11 URI '%s' names no token: add token=LABEL (see chain key list)"), text);
      return NULL;
    }
  label = uri_object_label (uri);
  if (label == NULL && default_label != NULL)
    {
      CK_ATTRIBUTE attr = { CKA_LABEL, (void *) default_label, strlen (default_label) };

      p11_kit_uri_set_attribute (uri, &attr);
    }
  else if (label == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the PKCS#11 URI '%s' names no object: add object=LABEL"), text);
      return NULL;
    }
  if (p11_kit_uri_get_module_path (uri) == NULL && p11_kit_uri_get_module_name (uri) == NULL)
    p11_kit_uri_set_module_path (uri, chain_key_pkcs11_default_module ());
  if (p11_kit_uri_format (uri, P11_KIT_URI_FOR_ANY, &formatted) != P11_KIT_URI_OK)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT, _("cannot write the PKCS#11 URI '%s'"), text);
      return NULL;
    }
  {
    char *result = g_strdup (formatted);

    free (formatted);
    return result;
  }
}

/* ---- Modules: one libp11 context per module and process ------------------------------ */

typedef struct {
  gint refs;
  char *path;
  PKCS11_CTX *ctx;
  PKCS11_SLOT *slots;
  unsigned int n_slots;
  void *dl;                     /* the same module, for what libp11 0.4.12 lacks */
  CK_FUNCTION_LIST *raw;
  /* Whether @raw needed a C_Initialize of its own: p11-kit's proxy gives
   * each C_GetFunctionList() caller an instance with its own state, so
   * libp11's initialisation does not cover ours (CKR 0x190 otherwise). */
  gboolean raw_initialized;
} Module;

/* A module is initialised once per process: a second PKCS11_CTX on it would
 * finalise it under the first. */
static GMutex modules_lock;
static GHashTable *modules;

static void
module_release (gpointer data)
{
  Module *module = data;

  if (module == NULL)
    return;
  g_mutex_lock (&modules_lock);
  if (--module->refs > 0)
    {
      g_mutex_unlock (&modules_lock);
      return;
    }
  g_hash_table_remove (modules, module->path);
  if (g_hash_table_size (modules) == 0)
    g_clear_pointer (&modules, g_hash_table_unref);
  g_mutex_unlock (&modules_lock);

  if (module->slots != NULL)
    PKCS11_release_all_slots (module->ctx, module->slots, module->n_slots);
  if (module->raw_initialized)
    module->raw->C_Finalize (NULL);
  PKCS11_CTX_unload (module->ctx);
  PKCS11_CTX_free (module->ctx);
  if (module->dl != NULL)
    dlclose (module->dl);
  g_free (module->path);
  g_free (module);
  chain_openssl_clear_errors ();
}

static Module *
module_open (const char *path,
             GError    **error)
{
  Module *module;
  CK_C_GetFunctionList get_list;

  g_mutex_lock (&modules_lock);
  if (modules == NULL)
    modules = g_hash_table_new (g_str_hash, g_str_equal);
  module = g_hash_table_lookup (modules, path);
  if (module != NULL)
    {
      module->refs++;
      g_mutex_unlock (&modules_lock);
      return module;
    }

  module = g_new0 (Module, 1);
  module->refs = 1;
  module->path = g_strdup (path);
  /* Loaded here first, so a missing module is our one-line error (libp11
   * prints the loader's own); libp11 then shares this copy. */
  module->dl = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  module->ctx = module->dl != NULL ? PKCS11_CTX_new () : NULL;
  if (module->ctx == NULL || PKCS11_CTX_load (module->ctx, path) != 0)
    {
      if (module->dl != NULL)
        dlclose (module->dl);
      if (module->ctx != NULL)
        PKCS11_CTX_free (module->ctx);
      g_free (module->path);
      g_free (module);
      if (g_hash_table_size (modules) == 0)
        g_clear_pointer (&modules, g_hash_table_unref);
      g_mutex_unlock (&modules_lock);
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("cannot load the PKCS#11 module %s: install it or fix module-path in the URI"), path);
      return NULL;
    }
  get_list = module->dl != NULL ? (CK_C_GetFunctionList) dlsym (module->dl, "C_GetFunctionList") : NULL;
  if (get_list == NULL || get_list (&module->raw) != CKR_OK)
    module->raw = NULL;
  if (module->raw != NULL)
    {
      CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
      CK_RV rv = module->raw->C_Initialize (&args);

      /* A plain module shares one state: libp11 initialised it already. */
      module->raw_initialized = rv == CKR_OK;
      if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
        module->raw = NULL;
    }
  g_hash_table_insert (modules, module->path, module);
  g_mutex_unlock (&modules_lock);

  if (PKCS11_enumerate_slots (module->ctx, &module->slots, &module->n_slots) != 0)
    {
      module_release (module);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot list the slots of PKCS#11 module %s"), path);
      return NULL;
    }
  return module;
}

static Module *
module_ref (Module *module)
{
  g_mutex_lock (&modules_lock);
  module->refs++;
  g_mutex_unlock (&modules_lock);
  return module;
}

static PKCS11_SLOT *
module_find_token (Module     *module,
                   const char *label,
                   GError    **error)
{
  for (unsigned int i = 0; i < module->n_slots; i++)
    {
      PKCS11_SLOT *slot = &module->slots[i];

      if (slot->token != NULL && slot->token->initialized && g_strcmp0 (slot->token->label, label) == 0)
        return slot;
    }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_KEY_ABSENT, _("no PKCS#11 token labelled '%s' in %s"),
               label, module->path);
  return NULL;
}

/* ---- Login --------------------------------------------------------------------------- */

/* What the token says about its PIN retry counter, as a clause for the message. */
static const char *
pin_tries_clause (Module      *module,
                  PKCS11_SLOT *slot)
{
  CK_TOKEN_INFO info;

  if (module->raw == NULL
      || module->raw->C_GetTokenInfo (PKCS11_get_slotid_from_slot (slot), &info) != CKR_OK)
    return "";
  if (info.flags & CKF_USER_PIN_LOCKED)
    return _(" (the PIN is now locked: unlock it with the security officer's PIN)");
  if (info.flags & CKF_USER_PIN_FINAL_TRY)
    return _(" (one try left before the PIN locks)");
  if (info.flags & CKF_USER_PIN_COUNT_LOW)
    return _(" (few tries left before the PIN locks)");
  return "";
}

static gboolean
slot_login (Module            *module,
            PKCS11_SLOT       *slot,
            const ChainSecret *pin,
            GError           **error)
{
  int logged_in = 0;
  const char *tries;

  if (!slot->token->loginRequired
      || (PKCS11_is_logged_in (slot, 0, &logged_in) == 0 && logged_in))
    return TRUE;
  if (pin == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                   _("token '%s' needs its PIN: give --pin-file FILE or set CHAIN_PIN"), slot->token->label);
      return FALSE;
    }
  if (slot->token->userPinLocked)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                   _("the PIN of token '%s' is locked: unlock it with the security officer's PIN"),
                   slot->token->label);
      return FALSE;
    }
  /* ChainSecret keeps a NUL after its bytes. */
  if (PKCS11_login (slot, 0, (const char *) chain_secret_get_data (pin, NULL)) == 0)
    return TRUE;
  chain_openssl_clear_errors ();
  tries = pin_tries_clause (module, slot);
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
               /* Translators: a token label, then a clause such as " (one try left before the PIN locks)". */
               _("wrong PIN for token '%s'%s: check the PIN in --pin-file or CHAIN_PIN"),
               slot->token->label, tries);
  return FALSE;
}

/* ---- Keys ---------------------------------------------------------------------------- */

static gboolean
id_matches (const unsigned char *id,
            size_t               id_len,
            CK_ATTRIBUTE        *want)
{
  return want == NULL || (want->ulValueLen == id_len && memcmp (want->pValue, id, id_len) == 0);
}

static PKCS11_KEY *
find_private_key (PKCS11_SLOT *slot,
                  const char  *label,
                  CK_ATTRIBUTE *id)
{
  PKCS11_KEY *keys = NULL;
  unsigned int n = 0;

  if (PKCS11_enumerate_keys (slot->token, &keys, &n) != 0)
    {
      chain_openssl_clear_errors ();
      return NULL;
    }
  for (unsigned int i = 0; i < n; i++)
    if (keys[i].isPrivate && g_strcmp0 (keys[i].label, label) == 0 && id_matches (keys[i].id, keys[i].id_len, id))
      return &keys[i];
  return NULL;
}

/* Whether the label names only a public key or a certificate. */
static const char *
other_object_kind (PKCS11_SLOT *slot,
                   const char  *label)
{
  PKCS11_KEY *keys = NULL;
  PKCS11_CERT *certs = NULL;
  unsigned int n = 0;

  if (PKCS11_enumerate_public_keys (slot->token, &keys, &n) == 0)
    for (unsigned int i = 0; i < n; i++)
      if (g_strcmp0 (keys[i].label, label) == 0)
        return _("a public key");
  n = 0;
  if (PKCS11_enumerate_certs (slot->token, &certs, &n) == 0)
    for (unsigned int i = 0; i < n; i++)
      if (g_strcmp0 (certs[i].label, label) == 0)
        return _("a certificate");
  chain_openssl_clear_errors ();
  return NULL;
}

static const guint8 *
ec_params (ChainKeyAlgorithm algorithm,
           gsize            *out_len)
{
  /* DER OIDs of the named curves (RFC 5480). */
  static const guint8 p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
  static const guint8 p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };

  if (algorithm == CHAIN_KEY_ALGORITHM_EC_P256)
    {
      *out_len = sizeof p256;
      return p256;
    }
  *out_len = sizeof p384;
  return p384;
}

/* C_GenerateKeyPair in the token: the private half sensitive and never
 * extractable, on the token, usable only to sign. */
/* What discard_generated() needs to find a generated key pair again. */
typedef struct {
  Module *module;            /* not owned: the key's home holds it */
  CK_SLOT_ID slot_id;
  CK_BYTE id[KEY_ID_LEN];
} Generated;

/* Destroys both halves of a key pair this process generated (by its random CKA_ID). */
static void
discard_generated (gpointer data,
                   gpointer unused)
{
  Generated *generated = data;
  CK_FUNCTION_LIST *raw = generated->module->raw;
  CK_ATTRIBUTE match = { CKA_ID, generated->id, sizeof generated->id };
  CK_OBJECT_HANDLE objects[4];
  CK_ULONG n = 0;
  CK_SESSION_HANDLE session = 0;

  if (raw == NULL
      || raw->C_OpenSession (generated->slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session) != CKR_OK)
    return;
  if (raw->C_FindObjectsInit (session, &match, 1) == CKR_OK)
    {
      raw->C_FindObjects (session, objects, G_N_ELEMENTS (objects), &n);
      raw->C_FindObjectsFinal (session);
    }
  for (CK_ULONG i = 0; i < n; i++)
    raw->C_DestroyObject (session, objects[i]);
  raw->C_CloseSession (session);
}

static gboolean
generate_in_token (Module            *module,
                   PKCS11_SLOT       *slot,
                   const char        *label,
                   ChainKeyAlgorithm  algorithm,
                   Generated         *out_generated,
                   GError           **error)
{
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_ULONG bits = 0;
  CK_BYTE exponent[] = { 0x01, 0x00, 0x01 };
  CK_MECHANISM mechanism = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
  CK_BYTE id[KEY_ID_LEN];
  CK_SESSION_HANDLE session = 0;
  CK_OBJECT_HANDLE pub = 0;
  CK_OBJECT_HANDLE priv = 0;
  CK_ATTRIBUTE pub_template[10];
  CK_ATTRIBUTE priv_template[10];
  CK_ULONG n_pub = 0;
  CK_ULONG n_priv = 0;
  gsize params_len = 0;
  const guint8 *params = NULL;
  CK_RV rv;

#define ADD(t, n, a_type, a_value, a_len) (t[n].type = (a_type), t[n].pValue = (void *) (a_value), t[n].ulValueLen = (a_len), n++)
  if (module->raw == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED,
                   _("cannot reach the functions of PKCS#11 module %s"), module->path);
      return FALSE;
    }
  if (RAND_bytes (id, sizeof id) != 1)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot make a key id"));
      return FALSE;
    }
  switch (algorithm)
    {
    case CHAIN_KEY_ALGORITHM_EC_P256:
    case CHAIN_KEY_ALGORITHM_EC_P384:
      params = ec_params (algorithm, &params_len);
      ADD (pub_template, n_pub, CKA_EC_PARAMS, params, params_len);
      break;
    case CHAIN_KEY_ALGORITHM_RSA_2048:
    case CHAIN_KEY_ALGORITHM_RSA_3072:
    case CHAIN_KEY_ALGORITHM_RSA_4096:
      mechanism.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
      bits = algorithm == CHAIN_KEY_ALGORITHM_RSA_2048 ? 2048 : algorithm == CHAIN_KEY_ALGORITHM_RSA_3072 ? 3072 : 4096;
      ADD (pub_template, n_pub, CKA_MODULUS_BITS, &bits, sizeof bits);
      ADD (pub_template, n_pub, CKA_PUBLIC_EXPONENT, exponent, sizeof exponent);
      break;
    case CHAIN_KEY_ALGORITHM_INVALID:
    default:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, _("cannot generate a key of algorithm %d: use one of %s"),
                   (int) algorithm, CHAIN_KEY_ALGORITHM_NAMES);
      return FALSE;
    }
  ADD (pub_template, n_pub, CKA_TOKEN, &yes, sizeof yes);
  ADD (pub_template, n_pub, CKA_VERIFY, &yes, sizeof yes);
  ADD (pub_template, n_pub, CKA_ENCRYPT, &no, sizeof no);
  ADD (pub_template, n_pub, CKA_WRAP, &no, sizeof no);
  ADD (pub_template, n_pub, CKA_LABEL, label, strlen (label));
  ADD (pub_template, n_pub, CKA_ID, id, sizeof id);
  ADD (priv_template, n_priv, CKA_TOKEN, &yes, sizeof yes);
  ADD (priv_template, n_priv, CKA_PRIVATE, &yes, sizeof yes);
  ADD (priv_template, n_priv, CKA_SENSITIVE, &yes, sizeof yes);
  ADD (priv_template, n_priv, CKA_EXTRACTABLE, &no, sizeof no);
  ADD (priv_template, n_priv, CKA_SIGN, &yes, sizeof yes);
  ADD (priv_template, n_priv, CKA_DECRYPT, &no, sizeof no);
  ADD (priv_template, n_priv, CKA_UNWRAP, &no, sizeof no);
  ADD (priv_template, n_priv, CKA_LABEL, label, strlen (label));
  ADD (priv_template, n_priv, CKA_ID, id, sizeof id);
#undef ADD

  rv = module->raw->C_OpenSession (PKCS11_get_slotid_from_slot (slot), CKF_SERIAL_SESSION | CKF_RW_SESSION,
                                   NULL, NULL, &session);
  if (rv == CKR_OK)
    {
      rv = module->raw->C_GenerateKeyPair (session, &mechanism, pub_template, n_pub, priv_template, n_priv,
                                           &pub, &priv);
      module->raw->C_CloseSession (session);
    }
  out_generated->module = module;
  out_generated->slot_id = PKCS11_get_slotid_from_slot (slot);
  memcpy (out_generated->id, id, sizeof id);
  if (rv != CKR_OK)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED,
                   /* Translators: an algorithm, a token label, then the PKCS#11 return code. */
                   _("token '%s' could not generate a %s key (PKCS#11 error 0x%lx): check that it supports it"),
                   slot->token->label, chain_key_algorithm_to_string (algorithm), (unsigned long) rv);
      return FALSE;
    }
  return TRUE;
}

/* An EC key signs through a session pool of its own (see
 * chain-key-pkcs11-signer.c) rather than libp11's one locked session per
 * slot; an RSA key keeps libp11's. Takes @pkey (libp11's), returns the one
 * to sign with. */
static EVP_PKEY *
sign_through_pool (Module      *module,
                   PKCS11_SLOT *slot,
                   PKCS11_KEY  *key,
                   const char  *label,
                   EVP_PKEY    *pkey)
{
  g_autoptr(EVP_PKEY) public_key = NULL;
  ChainPkcs11Signer *signer;
  EVP_PKEY *pooled;
  unsigned char *der = NULL;
  const unsigned char *p;
  int len;

  if (module->raw == NULL || EVP_PKEY_get_base_id (pkey) != EVP_PKEY_EC)
    return pkey;
  len = i2d_PUBKEY (pkey, &der);
  p = der;
  public_key = len > 0 ? d2i_PUBKEY (NULL, &p, len) : NULL;
  OPENSSL_free (der);
  if (public_key == NULL)
    {
      chain_openssl_clear_errors ();
      return pkey;
    }
  signer = chain_pkcs11_signer_new (module->raw, PKCS11_get_slotid_from_slot (slot), label, key->id, key->id_len,
                                    module_ref (module), module_release);
  pooled = chain_pkcs11_signer_wrap (signer, public_key);
  chain_pkcs11_signer_unref (signer);
  if (pooled == NULL)
    {
      chain_openssl_clear_errors ();
      return pkey;
    }
  EVP_PKEY_free (pkey);
  return pooled;
}

ChainKey *
chain_key_pkcs11_open (const char        *text,
                       ChainKeyAlgorithm  algorithm,
                       const ChainSecret *pin,
                       GError           **error)
{
  g_autoptr(P11KitUri) uri = NULL;
  g_autofree char *normalized = chain_key_pkcs11_normalize_uri (text, NULL, error);
  g_autofree char *token = NULL;
  g_autofree char *label = NULL;
  const char *module_path;
  const char *other;
  Module *module;
  PKCS11_SLOT *slot;
  PKCS11_KEY *key;
  EVP_PKEY *pkey;
  g_autofree Generated *generated = NULL;
  ChainKey *result;

  if (normalized == NULL)
    return NULL;
  uri = uri_parse (normalized, error);
  if (uri == NULL)
    return NULL;
  token = uri_token_label (uri);
  label = uri_object_label (uri);
  module_path = p11_kit_uri_get_module_path (uri);
  if (module_path == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the PKCS#11 URI '%s' names its module by name: give module-path=FILE"), text);
      return NULL;
    }

  module = module_open (module_path, error);
  if (module == NULL)
    return NULL;
  slot = module_find_token (module, token, error);
  if (slot == NULL || !slot_login (module, slot, pin, error))
    {
      module_release (module);
      return NULL;
    }
  key = find_private_key (slot, label, p11_kit_uri_get_attribute (uri, CKA_ID));
  if (key == NULL && (other = other_object_kind (slot, label)) != NULL)
    {
      module_release (module);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   /* Translators: an object label, a token label, then "a public key" or "a certificate". */
                   _("object '%s' in token '%s' is %s, not a private key: name a private key (see chain key list)"),
                   label, token, other);
      return NULL;
    }
  if (key == NULL && algorithm != CHAIN_KEY_ALGORITHM_INVALID)
    {
      generated = g_new0 (Generated, 1);
      if (!generate_in_token (module, slot, label, algorithm, generated, error))
        {
          module_release (module);
          return NULL;
        }
      key = find_private_key (slot, label, NULL);
    }
  if (key == NULL)
    {
      if (generated != NULL)
        discard_generated (generated, NULL);
      module_release (module);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_KEY_ABSENT, _("token '%s' holds no private key '%s'"),
                   token, label);
      return NULL;
    }
  pkey = PKCS11_get_private_key (key);
  if (pkey == NULL)
    {
      if (generated != NULL)
        discard_generated (generated, NULL);
      module_release (module);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot use private key '%s' of token '%s'"), label, token);
      return NULL;
    }
  chain_openssl_clear_errors ();
  pkey = sign_through_pool (module, slot, key, label, pkey);
  result = chain_key_new_hardware (pkey, CHAIN_KEY_STORE_PKCS11, normalized, NULL, NULL, module, module_release, error);
  if (result != NULL && generated != NULL)
    chain_key_set_discard (result, discard_generated, g_steal_pointer (&generated), g_free);
  return result;
}

/* ---- Listing --------------------------------------------------------------------------- */

static char *
object_uri (const char *module_path,
            const char *token,
            const char *label,
            CK_OBJECT_CLASS klass)
{
  g_autoptr(P11KitUri) uri = p11_kit_uri_new ();
  CK_TOKEN_INFO *info = p11_kit_uri_get_token_info (uri);
  gsize len = MIN (strlen (token), sizeof info->label);
  char *formatted = NULL;
  char *result;

  memset (info->label, ' ', sizeof info->label);
  memcpy (info->label, token, len);
  if (label != NULL)
    {
      CK_ATTRIBUTE attr = { CKA_LABEL, (void *) label, strlen (label) };
      CK_ATTRIBUTE type = { CKA_CLASS, &klass, sizeof klass };

      p11_kit_uri_set_attribute (uri, &attr);
      p11_kit_uri_set_attribute (uri, &type);
    }
  p11_kit_uri_set_module_path (uri, module_path);
  if (p11_kit_uri_format (uri, P11_KIT_URI_FOR_ANY, &formatted) != P11_KIT_URI_OK)
    return g_strdup ("?");
  result = g_strdup (formatted);
  free (formatted);
  return result;
}

GPtrArray *
chain_key_list_pkcs11 (const char        *module,
                       const ChainSecret *pin,
                       GError           **error)
{
  return chain_key_pkcs11_list (module, pin, error);
}

GPtrArray *
chain_key_pkcs11_list (const char        *module_path,
                       const ChainSecret *pin,
                       GError           **error)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  Module *module;

  if (module_path == NULL)
    module_path = chain_key_pkcs11_default_module ();
  module = module_open (module_path, error);
  if (module == NULL)
    return NULL;
  for (unsigned int i = 0; i < module->n_slots; i++)
    {
      PKCS11_SLOT *slot = &module->slots[i];
      PKCS11_KEY *keys = NULL;
      unsigned int n = 0;

      g_autofree char *token_uri = NULL;

      if (slot->token == NULL || !slot->token->initialized)
        continue;
      token_uri = object_uri (module_path, slot->token->label, NULL, 0);
      /* Translators: a token's label, manufacturer and model, then its URI. */
      g_ptr_array_add (lines, g_strdup_printf (_("token '%s' (%s %s): %s"), slot->token->label,
                                               slot->token->manufacturer, slot->token->model, token_uri));
      if (pin != NULL && slot_login (module, slot, pin, NULL) && PKCS11_enumerate_keys (slot->token, &keys, &n) == 0)
        for (unsigned int k = 0; k < n; k++)
          {
            g_autofree char *uri = object_uri (module_path, slot->token->label, keys[k].label, CKO_PRIVATE_KEY);

            g_ptr_array_add (lines, g_strdup_printf ("  %s %s", _("private key"), uri));
          }
      n = 0;
      if (PKCS11_enumerate_public_keys (slot->token, &keys, &n) == 0)
        for (unsigned int k = 0; k < n; k++)
          {
            g_autofree char *uri = object_uri (module_path, slot->token->label, keys[k].label, CKO_PUBLIC_KEY);

            g_ptr_array_add (lines, g_strdup_printf ("  %s %s", _("public key"), uri));
          }
      chain_openssl_clear_errors ();
    }
  module_release (module);
  return g_steal_pointer (&lines);
}

/* ---- Tokens as values (chain-key-token.h) --------------------------------------------- */

/* What the token says now about its PIN retry counter. */
static ChainKeyTokenPinState
slot_pin_state (Module      *module,
                PKCS11_SLOT *slot)
{
  CK_TOKEN_INFO info;

  if (module->raw == NULL
      || module->raw->C_GetTokenInfo (PKCS11_get_slotid_from_slot (slot), &info) != CKR_OK)
    return slot->token->userPinLocked ? CHAIN_KEY_TOKEN_PIN_LOCKED : CHAIN_KEY_TOKEN_PIN_OK;
  if (info.flags & CKF_USER_PIN_LOCKED)
    return CHAIN_KEY_TOKEN_PIN_LOCKED;
  if (info.flags & CKF_USER_PIN_FINAL_TRY)
    return CHAIN_KEY_TOKEN_PIN_FINAL_TRY;
  if (info.flags & CKF_USER_PIN_COUNT_LOW)
    return CHAIN_KEY_TOKEN_PIN_COUNT_LOW;
  return CHAIN_KEY_TOKEN_PIN_OK;
}

static ChainKeyToken *
slot_token (Module      *module,
            PKCS11_SLOT *slot)
{
  return chain_key_token_new (slot->token->label, slot->token->manufacturer, slot->token->model,
                              module->path, slot->token->readOnly != 0, slot_pin_state (module, slot));
}

/* Adds the initialised tokens of @module_path to @tokens. */
static gboolean
add_module_tokens (const char  *module_path,
                   GPtrArray   *tokens,
                   GError     **error)
{
  Module *module = module_open (module_path, error);

  if (module == NULL)
    return FALSE;
  for (unsigned int i = 0; i < module->n_slots; i++)
    if (module->slots[i].token != NULL && module->slots[i].token->initialized)
      g_ptr_array_add (tokens, slot_token (module, &module->slots[i]));
  module_release (module);
  return TRUE;
}

/* The paths of the modules p11-kit has registered (its proxy's members):
 * a token is named by its own module, which signs and generates keys
 * directly, where the proxy would stand between. */
static GStrv
registered_modules (void)
{
  CK_FUNCTION_LIST **loaded = p11_kit_modules_load (NULL, 0);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; loaded != NULL && loaded[i] != NULL; i++)
    {
      char *path = p11_kit_module_get_filename (loaded[i]);

      if (path != NULL && g_path_is_absolute (path))
        g_ptr_array_add (paths, g_strdup (path));
      free (path);
    }
  if (loaded != NULL)
    p11_kit_modules_release (loaded);
  g_ptr_array_add (paths, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&paths), FALSE);
}

GPtrArray *
chain_key_list_tokens (const char  *module_path,
                       GError     **error)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_key_token_free);
  g_auto(GStrv) registered = NULL;

  if (module_path != NULL)
    return add_module_tokens (module_path, tokens, error) ? g_steal_pointer (&tokens) : NULL;
  /* Every registered module; one that does not load has no token to offer. */
  registered = registered_modules ();
  for (guint i = 0; registered[i] != NULL; i++)
    add_module_tokens (registered[i], tokens, NULL);
  return g_steal_pointer (&tokens);
}

ChainKeyToken *
chain_key_find_token (const char  *text,
                      GError     **error)
{
  g_autoptr(P11KitUri) uri = uri_parse (text, error);
  g_autofree char *label = NULL;
  const char *module_path;
  ChainKeyToken *token;
  PKCS11_SLOT *slot;
  Module *module;

  if (uri == NULL)
    return NULL;
  label = uri_token_label (uri);
  if (label == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the PKCS#11 URI '%s' names no token: add token=LABEL (see chain key list)"), text);
      return NULL;
    }
  module_path = p11_kit_uri_get_module_path (uri);
  module = module_open (module_path != NULL ? module_path : chain_key_pkcs11_default_module (), error);
  if (module == NULL)
    return NULL;
  slot = module_find_token (module, label, error);
  token = slot != NULL ? slot_token (module, slot) : NULL;
  module_release (module);
  return token;
}
