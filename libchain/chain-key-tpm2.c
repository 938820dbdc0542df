/* chain-key-tpm2.c — keys in a TPM 2.0, through the tpm2-openssl provider */
#include "chain-key-tpm2-private.h"
#include "chain-pki-private.h"
#include "chain-i18n-private.h"
#include "chain-tpm2-evidence-private.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>

/* TPM 2.0 persistent objects live in 0x81000000..0x81FFFFFF. */
#define PERSISTENT_FIRST 0x81000000u
#define PERSISTENT_LAST 0x81FFFFFFu

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_STORE_CTX, OSSL_STORE_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_STORE_INFO, OSSL_STORE_INFO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free)

/* One library context with the provider per process, shared by its keys and
 * unloaded with the last one, which closes the TPM connection. That one
 * connection takes one command sequence at a time: @lock is held by
 * whoever talks to the TPM, whichever key (a CA key signing a device and
 * an officer key signing a record at once would interleave them). */
typedef struct {
  gint refs;
  GRecMutex lock;
  OSSL_LIB_CTX *libctx;
  OSSL_PROVIDER *tpm2;
  OSSL_PROVIDER *base;
} Tpm;

static GMutex tpm_lock;
static Tpm *tpm;

static void
tpm_release (gpointer data)
{
  Tpm *self = data;

  if (self == NULL)
    return;
  g_mutex_lock (&tpm_lock);
  if (--self->refs > 0)
    {
      g_mutex_unlock (&tpm_lock);
      return;
    }
  tpm = NULL;
  g_mutex_unlock (&tpm_lock);
  OSSL_PROVIDER_unload (self->tpm2);
  OSSL_PROVIDER_unload (self->base);
  OSSL_LIB_CTX_free (self->libctx);
  g_rec_mutex_clear (&self->lock);
  g_free (self);
}

/* Keeps @self alive and to this thread until tpm_unhold(). */
static void
tpm_hold (Tpm *self)
{
  g_mutex_lock (&tpm_lock);
  self->refs++;
  g_mutex_unlock (&tpm_lock);
  g_rec_mutex_lock (&self->lock);
}

static void
tpm_unhold (Tpm *self)
{
  g_rec_mutex_unlock (&self->lock);
  tpm_release (self);
}

static Tpm *
tpm_acquire (GError **error)
{
  Tpm *self;

  g_mutex_lock (&tpm_lock);
  if (tpm != NULL)
    {
      tpm->refs++;
      g_mutex_unlock (&tpm_lock);
      return tpm;
    }
  /* The TSS logs its own errors to stderr; ours are one line. */
  if (g_getenv ("TSS2_LOG") == NULL)
    g_setenv ("TSS2_LOG", "all+none", FALSE);
  self = g_new0 (Tpm, 1);
  self->refs = 1;
  g_rec_mutex_init (&self->lock);
  self->libctx = OSSL_LIB_CTX_new ();
  if (self->libctx != NULL)
    self->base = OSSL_PROVIDER_load (self->libctx, "default");
  if (self->base != NULL)
    self->tpm2 = OSSL_PROVIDER_load (self->libctx, "tpm2");
  if (self->tpm2 == NULL)
    {
      const char *tcti = g_getenv ("TPM2OPENSSL_TCTI");

      g_mutex_unlock (&tpm_lock);
      if (self->base != NULL)
        OSSL_PROVIDER_unload (self->base);
      OSSL_LIB_CTX_free (self->libctx);
      g_rec_mutex_clear (&self->lock);
      g_free (self);
      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   /* Translators: %s is the TCTI setting, e.g. swtpm:host=127.0.0.1,port=2321. */
                   _("cannot reach the TPM (TPM2OPENSSL_TCTI=%s): start it, or set TPM2OPENSSL_TCTI "
                     "(e.g. device:/dev/tpmrm0); the tpm2-openssl provider must be installed"),
                   tcti != NULL ? tcti : "");
      return NULL;
    }
  tpm = self;
  g_mutex_unlock (&tpm_lock);
  return self;
}

/* ---- A TPM that stops while it signs ---------------------------------------------- */

static int error_library;

static gpointer
register_reason (gpointer unused)
{
  static ERR_STRING_DATA reasons[2];
  int lib = ERR_get_next_error_library ();

  (void) unused;
  /* gettext's strings live as long as the process: OpenSSL keeps pointers. */
  reasons[0].error = ERR_PACK (lib, 0, 1);
  reasons[0].string = _("the TPM stopped answering while it signed: start it (or fix TPM2OPENSSL_TCTI), "
                        "then run the command again");
  ERR_load_strings (lib, reasons);
  error_library = lib;
  return NULL;
}

void
chain_key_tpm2_explain_failure (void)
{
  static GOnce once = G_ONCE_INIT;
  unsigned long first = ERR_peek_error ();

  /* The provider's own reasons ("cannot sign") do not name the TPM; its
   * errors carry the library number OpenSSL gave it when it loaded. */
  if (first == 0 || ERR_GET_LIB (first) < ERR_LIB_USER)
    return;
  g_once (&once, register_reason, NULL);
  ERR_clear_error ();
  ERR_raise (error_library, 1);
}

gboolean
chain_key_tpm2_parse_handle (const char *text,
                             guint32    *out_handle)
{
  guint64 value = 0;

  if (text == NULL)
    return FALSE;
  if (g_str_has_prefix (text, CHAIN_KEY_TPM2_HANDLE_PREFIX))
    text += strlen (CHAIN_KEY_TPM2_HANDLE_PREFIX);
  if (!g_str_has_prefix (text, "0x") || strlen (text) != 10
      || !g_ascii_string_to_unsigned (text + 2, 16, PERSISTENT_FIRST, PERSISTENT_LAST, &value, NULL))
    return FALSE;
  *out_handle = (guint32) value;
  return TRUE;
}

/* Where to load a key from again: its wrapped blob, or its handle. */
typedef struct {
  Tpm *tpm;            /* not owned: the key's home holds it */
  GBytes *blob;
  char *handle_uri;
} Source;

static void
source_free (gpointer data)
{
  Source *source = data;

  g_clear_pointer (&source->blob, g_bytes_unref);
  g_free (source->handle_uri);
  g_free (source);
}

static EVP_PKEY *
load_blob (Tpm    *self,
           GBytes *blob)
{
  OSSL_DECODER_CTX *decoder = NULL;
  EVP_PKEY *pkey = NULL;
  gsize len = 0;
  const unsigned char *data = g_bytes_get_data (blob, &len);

  decoder = OSSL_DECODER_CTX_new_for_pkey (&pkey, "PEM", NULL, NULL, EVP_PKEY_KEYPAIR, self->libctx, NULL);
  if (decoder == NULL || !OSSL_DECODER_from_data (decoder, &data, &len))
    g_clear_pointer (&pkey, EVP_PKEY_free);
  OSSL_DECODER_CTX_free (decoder);
  return pkey;
}

static EVP_PKEY *
load_handle (Tpm        *self,
             const char *uri)
{
  g_autoptr(OSSL_STORE_CTX) store = OSSL_STORE_open_ex (uri, self->libctx, NULL, NULL, NULL, NULL, NULL, NULL);
  EVP_PKEY *pkey = NULL;

  while (store != NULL && pkey == NULL && !OSSL_STORE_eof (store))
    {
      g_autoptr(OSSL_STORE_INFO) info = OSSL_STORE_load (store);

      if (info == NULL)
        break;
      if (OSSL_STORE_INFO_get_type (info) == OSSL_STORE_INFO_PKEY)
        pkey = OSSL_STORE_INFO_get1_PKEY (info);
    }
  return pkey;
}

static EVP_PKEY *
source_reopen (gpointer data,
               GError **error)
{
  Source *source = data;
  EVP_PKEY *pkey = source->blob != NULL ? load_blob (source->tpm, source->blob)
                                        : load_handle (source->tpm, source->handle_uri);

  if (pkey == NULL)
    {
      chain_openssl_clear_errors ();
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                           _("the TPM cannot load the key to sign: is it running, and the same TPM "
                             "(TPM2OPENSSL_TCTI)?"));
    }
  return pkey;
}

/* A TPM without a resource manager has three object slots: the key is
 * loaded for each signature and flushed after it, never held. */
static ChainKey *
tpm_key_new (Tpm        *self,
             EVP_PKEY   *pkey,
             const char *location,
             GBytes     *blob,
             GError    **error)
{
  ChainKey *key;
  Source *source;

  key = chain_key_new_hardware (pkey, CHAIN_KEY_STORE_TPM2, location, self->libctx, &self->lock,
                                self, tpm_release, error);
  if (key == NULL)
    return NULL;
  source = g_new0 (Source, 1);
  source->tpm = self;
  source->blob = blob != NULL ? g_bytes_ref (blob) : NULL;
  source->handle_uri = g_strdup (location);
  chain_key_set_reopen (key, source_reopen, source, source_free);
  return key;
}

/* Has the TPM certify the key in @blob (chain-tpm2-evidence-private.h).
 * The provider's connection is closed meanwhile: swtpm and /dev/tpm0
 * serve one client at a time. Called with @self held and no provider
 * object alive (keys load theirs only while they sign, under the lock). */
static ChainJson *
certify_held (Tpm     *self,
              GBytes  *blob,
              GError **error)
{
  g_autoptr(GBytes) public_area = NULL;
  g_autoptr(GBytes) private_area = NULL;
  ChainJson *evidence = NULL;

  if (!chain_tpm2_evidence_split_blob (blob, &public_area, &private_area))
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("cannot read the TPM's wrapped key"));
      return NULL;
    }
  OSSL_PROVIDER_unload (self->tpm2);
  evidence = chain_tpm2_evidence_make (g_getenv ("TPM2OPENSSL_TCTI"), public_area, private_area, error);
  self->tpm2 = OSSL_PROVIDER_load (self->libctx, "tpm2");
  if (self->tpm2 == NULL)
    {
      g_clear_pointer (&evidence, chain_json_unref);
      g_clear_error (error);
      chain_openssl_clear_errors ();
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                           _("the TPM stopped answering after it certified the new key: start it, then run the "
                             "command again"));
    }
  return evidence;
}

/* Takes the reference of tpm_acquire() to @self; called with @self held. */
static ChainKey *
generate_held (Tpm                *self,
               ChainKeyAlgorithm   algorithm,
               GBytes            **out_blob,
               GError            **error)
{
  g_autoptr(EVP_PKEY_CTX) ctx = NULL;
  g_autoptr(OSSL_ENCODER_CTX) encoder = NULL;
  g_autoptr(ChainKey) key = NULL;
  g_autoptr(GBytes) blob = NULL;
  ChainJson *evidence = NULL;
  EVP_PKEY *pkey = NULL;
  unsigned char *pem = NULL;
  size_t pem_len = 0;
  gboolean ec = algorithm == CHAIN_KEY_ALGORITHM_EC_P256 || algorithm == CHAIN_KEY_ALGORITHM_EC_P384;

  ctx = EVP_PKEY_CTX_new_from_name (self->libctx, ec ? "EC" : "RSA", "provider=tpm2");
  if (ctx == NULL || EVP_PKEY_keygen_init (ctx) <= 0
      || (ec && EVP_PKEY_CTX_set_group_name (ctx, algorithm == CHAIN_KEY_ALGORITHM_EC_P256 ? "P-256" : "P-384") <= 0)
      || (!ec && EVP_PKEY_CTX_set_rsa_keygen_bits (ctx, algorithm == CHAIN_KEY_ALGORITHM_RSA_2048 ? 2048
                                                        : algorithm == CHAIN_KEY_ALGORITHM_RSA_3072 ? 3072 : 4096) <= 0)
      || EVP_PKEY_generate (ctx, &pkey) <= 0)
    {
      g_clear_pointer (&ctx, EVP_PKEY_CTX_free);
      tpm_release (self);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("the TPM could not generate a %s key"),
                           chain_key_algorithm_to_string (algorithm));
      return NULL;
    }
  encoder = OSSL_ENCODER_CTX_new_for_pkey (pkey, EVP_PKEY_KEYPAIR, "PEM", NULL, "provider=tpm2");
  if (encoder == NULL || !OSSL_ENCODER_to_data (encoder, &pem, &pem_len))
    {
      g_clear_pointer (&encoder, OSSL_ENCODER_CTX_free);
      EVP_PKEY_free (pkey);
      tpm_release (self);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot write the TPM's wrapped key"));
      return NULL;
    }
  blob = g_bytes_new (pem, pem_len);
  OPENSSL_free (pem);
  key = tpm_key_new (self, pkey, NULL, blob, error);
  if (key == NULL)
    return NULL;
  /* Nothing of the provider's may stay alive while it is unloaded. */
  g_clear_pointer (&encoder, OSSL_ENCODER_CTX_free);
  g_clear_pointer (&ctx, EVP_PKEY_CTX_free);
  evidence = certify_held (self, blob, error);
  if (evidence == NULL)
    return NULL;
  chain_key_set_tpm_evidence (key, evidence);
  *out_blob = g_steal_pointer (&blob);
  return g_steal_pointer (&key);
}

ChainKey *
chain_key_tpm2_generate (ChainKeyAlgorithm   algorithm,
                         GBytes            **out_blob,
                         GError            **error)
{
  ChainKey *key;
  Tpm *self;

  if (algorithm == CHAIN_KEY_ALGORITHM_INVALID)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, _("cannot generate a key of algorithm %d: use one of %s"),
                   (int) algorithm, CHAIN_KEY_ALGORITHM_NAMES);
      return NULL;
    }
  self = tpm_acquire (error);
  if (self == NULL)
    return NULL;
  tpm_hold (self);
  key = generate_held (self, algorithm, out_blob, error);
  tpm_unhold (self);
  return key;
}

ChainKey *
chain_key_tpm2_load (const char  *location,
                     GError     **error)
{
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  EVP_PKEY *pkey = NULL;
  guint32 handle = 0;
  gboolean is_handle = chain_key_tpm2_parse_handle (location, &handle);
  ChainKey *key;
  Tpm *self;

  if (!is_handle && !g_file_get_contents (location, &data, &len, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("the TPM key file %s is missing: restore it from a backup of the workspace"), location);
      return NULL;
    }
  if (!is_handle)
    blob = g_bytes_new_take (g_steal_pointer (&data), len);
  uri = is_handle ? g_strdup_printf (CHAIN_KEY_TPM2_HANDLE_PREFIX "0x%08x", handle) : NULL;
  self = tpm_acquire (error);
  if (self == NULL)
    return NULL;
  tpm_hold (self);
  pkey = is_handle ? load_handle (self, uri) : load_blob (self, blob);
  if (pkey == NULL)
    {
      tpm_unhold (self);
      tpm_release (self);
      chain_openssl_clear_errors ();
      if (is_handle)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                     _("the TPM holds no key at persistent handle 0x%08x: make one with tpm2_evictcontrol "
                       "or list them with tpm2_getcap handles-persistent"), handle);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                     _("this TPM cannot load the key in %s: it was made by another TPM, or the TPM was cleared"),
                     location);
      return NULL;
    }
  key = tpm_key_new (self, pkey, uri, blob, error);
  tpm_unhold (self);
  return key;
}
