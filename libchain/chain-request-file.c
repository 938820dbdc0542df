/* chain-request-file.c — the delegation request a child sends its parent
 *
 * {
 *   "type": "libchain-delegation-request", "version": 1,
 *   "custodian": { "id": ..., "name": ..., "tier": ... },
 *   "ca_csr": "-----BEGIN CERTIFICATE REQUEST-----...",
 *   "officer_csr": "...", "time": UNIX-SECONDS,
 *   "key_stores": { "ca": "pkcs11", "officer": "tpm2" },   (optional: "file")
 *   "signature": BASE64
 * }
 *
 * The signature is the officer key's over the canonical JSON of every
 * member but "signature" (digest as for statements): the officer CSR's key
 * vouches for the whole file, so an edited tier or a swapped CA CSR shows.
 */
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <errno.h>
#include "chain-delegation.h"
#include "chain-i18n-private.h"
#include "chain-workspace-private.h"

#include <string.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "chain-error.h"
#include "chain-json.h"
#include "chain-openssl-private.h"
#include "chain-pki-private.h"
#include "chain-statement.h"

#define REQUEST_TYPE "libchain-delegation-request"
#define REQUEST_VERSION 1
#define SIGNATURE_MAX_LEN 2048

struct _ChainRequestFile {
  GBytes   *bytes;
  char     *custodian_id;
  char     *org;
  char     *tier;
  gint64    time;
  ChainCsr *ca_csr;
  ChainCsr *officer_csr;
  ChainKeyStore ca_store;
  ChainKeyStore officer_store;
};

void
chain_request_file_get_key_stores (const ChainRequestFile *self,
                                   ChainKeyStore          *out_ca,
                                   ChainKeyStore          *out_officer)
{
  *out_ca = self->ca_store;
  *out_officer = self->officer_store;
}

void
chain_request_file_free (ChainRequestFile *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_free (self->custodian_id);
  g_free (self->org);
  g_free (self->tier);
  g_clear_pointer (&self->ca_csr, chain_csr_free);
  g_clear_pointer (&self->officer_csr, chain_csr_free);
  g_free (self);
}

const char *
chain_request_file_get_custodian_id (const ChainRequestFile *self)
{
  return self->custodian_id;
}

const char *
chain_request_file_get_org (const ChainRequestFile *self)
{
  return self->org;
}

const char *
chain_request_file_get_tier (const ChainRequestFile *self)
{
  return self->tier;
}

gint64
chain_request_file_get_time (const ChainRequestFile *self)
{
  return self->time;
}

const ChainCsr *
chain_request_file_get_ca_csr (const ChainRequestFile *self)
{
  return self->ca_csr;
}

const ChainCsr *
chain_request_file_get_officer_csr (const ChainRequestFile *self)
{
  return self->officer_csr;
}

GBytes *
chain_request_file_get_bytes (const ChainRequestFile *self)
{
  return self->bytes;
}

/* ---- Signing --------------------------------------------------------------- */

static GBytes *
sign_bytes (ChainKey *key,
            GBytes   *message,
            GError  **error)
{
  EVP_MD_CTX *ctx = chain_key_sign_begin (key, error);
  g_autofree guint8 *sig = NULL;
  size_t sig_len = 0;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (message, &len);
  gboolean ok;

  if (ctx == NULL)
    return NULL;
  ok = EVP_DigestSign (ctx, NULL, &sig_len, data, len) == 1;
  if (ok)
    {
      sig = g_malloc (sig_len);
      ok = EVP_DigestSign (ctx, sig, &sig_len, data, len) == 1;
    }
  chain_key_sign_end (key, ctx);
  if (!ok)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot sign the request file"));
      return NULL;
    }
  return g_bytes_new (sig, sig_len);
}

static gboolean
verify_bytes (const ChainCsr *csr,
              GBytes         *message,
              const guint8   *sig,
              gsize           sig_len)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  EVP_PKEY *pkey = chain_csr_get_public_key (csr);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (message, &len);
  gboolean ok = ctx != NULL && pkey != NULL
                && EVP_DigestVerifyInit (ctx, NULL, chain_pkey_signature_digest (pkey), NULL, pkey) == 1
                && EVP_DigestVerify (ctx, sig, sig_len, data, len) == 1;

  chain_openssl_clear_errors ();
  return ok;
}

/* ---- Writing ---------------------------------------------------------------- */

static ChainJson *
unsigned_json (const char     *id,
               const char     *org,
               const char     *tier,
               gint64          time,
               const ChainCsr *ca_csr,
               const ChainCsr *officer_csr,
               ChainKeyStore   ca_store,
               ChainKeyStore   officer_store)
{
  ChainJson *doc = chain_json_new_object ();
  ChainJson *custodian = chain_json_new_object ();
  g_autoptr(GBytes) ca_pem = chain_csr_to_pem (ca_csr);
  g_autoptr(GBytes) officer_pem = chain_csr_to_pem (officer_csr);
  gsize len = 0;
  const char *text = NULL;

  chain_json_object_set_string (doc, "type", REQUEST_TYPE);
  chain_json_object_set_integer (doc, "version", REQUEST_VERSION);
  chain_json_object_set_string (custodian, "id", id);
  chain_json_object_set_string (custodian, "name", org);
  chain_json_object_set_string (custodian, "tier", tier);
  chain_json_object_set (doc, "custodian", custodian);
  text = g_bytes_get_data (ca_pem, &len);
  chain_json_object_set (doc, "ca_csr", chain_json_new_string_len (text, len, NULL));
  text = g_bytes_get_data (officer_pem, &len);
  chain_json_object_set (doc, "officer_csr", chain_json_new_string_len (text, len, NULL));
  chain_json_object_set_integer (doc, "time", time);
  /* Written only for keys in hardware: files from before it read the same. */
  if (ca_store != CHAIN_KEY_STORE_FILE || officer_store != CHAIN_KEY_STORE_FILE)
    {
      ChainJson *stores = chain_json_new_object ();

      chain_json_object_set_string (stores, "ca", chain_key_store_to_string (ca_store));
      chain_json_object_set_string (stores, "officer", chain_key_store_to_string (officer_store));
      chain_json_object_set (doc, "key_stores", stores);
    }
  return doc;
}

/* The request file's bytes, signed by @officer_key. */
GBytes *
chain_request_file_build (const char     *id,
                          const char     *org,
                          const char     *tier,
                          const ChainCsr *ca_csr,
                          const ChainCsr *officer_csr,
                          ChainKey       *ca_key,
                          ChainKey       *officer_key,
                          GError        **error)
{
  g_autoptr(ChainJson) doc = unsigned_json (id, org, tier, g_get_real_time () / G_USEC_PER_SEC, ca_csr, officer_csr,
                                            chain_key_get_store (ca_key), chain_key_get_store (officer_key));
  g_autoptr(GBytes) canonical = chain_json_to_canonical (doc);
  g_autoptr(GBytes) sig = sign_bytes (officer_key, canonical, error);
  g_autofree char *b64 = NULL;
  char *text = NULL;

  if (sig == NULL)
    return NULL;
  b64 = g_base64_encode (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig));
  chain_json_object_set_string (doc, "signature", b64);
  text = chain_json_to_pretty (doc);
  return g_bytes_new_take (text, strlen (text));
}

/* ---- Reading ------------------------------------------------------------------ */

/* Returns NULL, for `return bad_file (...)`. */
static gpointer
bad_file (GError    **error,
          const char *what)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: %s is a short reason, or the name of a field of the file */
               _("not a delegation request file (%s); ask the requester to send the file 'chain request' wrote"),
               what);
  return NULL;
}

static ChainCsr *
read_csr (ChainJson  *doc,
          const char *member,
          GError    **error)
{
  const char *pem = NULL;
  g_autoptr(GError) local = NULL;
  ChainCsr *csr = NULL;

  if (!chain_json_object_get_string_member (doc, member, &pem, NULL))
    return bad_file (error, member);
  csr = chain_csr_parse ((const guint8 *) pem, strlen (pem), &local);
  if (csr == NULL)
    g_set_error (error, CHAIN_ERROR, local->code == CHAIN_ERROR_REFUSED ? CHAIN_ERROR_REFUSED : CHAIN_ERROR_INVALID_INPUT,
                 /* Translators: "the request's FIELD-NAME is refused: REASON" */
                 _("the request's %s is refused: %s"), member, local->message);
  return csr;
}

ChainRequestFile *
chain_request_file_parse (GBytes  *data,
                          GError **error)
{
  static const char *const known[] = {
    "ca_csr", "custodian", "key_stores", "officer_csr", "signature", "time", "type", "version", NULL
  };
  g_autoptr(ChainRequestFile) self = g_new0 (ChainRequestFile, 1);
  g_autoptr(GError) local = NULL;
  g_autoptr(ChainJson) doc = NULL;
  g_autoptr(ChainJson) check = NULL;
  g_autoptr(GBytes) canonical = NULL;
  g_autofree guint8 *sig = NULL;
  ChainJson *custodian = NULL;
  const char *type = NULL, *id = NULL, *org = NULL, *tier = NULL, *sig_b64 = NULL;
  gint64 version = 0;
  gsize len = 0, sig_len = 0;
  const char *text = g_bytes_get_data (data, &len);

  if (len == 0)
    return bad_file (error, _("the file is empty"));
  if (len > CHAIN_REQUEST_FILE_MAX_SIZE)
    return bad_file (error, _("larger than a request can be"));
  doc = chain_json_parse (text, len, CHAIN_REQUEST_FILE_MAX_SIZE, &local);
  if (doc == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("not a delegation request file (%s; truncated?); ask the requester to send it again"),
                   local->message);
      return NULL;
    }
  if (chain_json_get_value_type (doc) != CHAIN_JSON_OBJECT
      || !chain_json_object_get_string_member (doc, "type", &type, NULL) || strcmp (type, REQUEST_TYPE) != 0)
    return bad_file (error, _("no request type"));
  if (!chain_json_object_get_integer_member (doc, "version", &version, NULL) || version != REQUEST_VERSION)
    return bad_file (error, _("unknown version"));
  for (gsize i = 0; i < chain_json_object_get_size (doc); i++)
    if (!g_strv_contains (known, chain_json_object_get_key_at (doc, i)))
      return bad_file (error, _("unknown member"));
  if (!chain_json_object_get_object_member (doc, "custodian", &custodian, NULL)
      || !chain_json_object_get_string_member (custodian, "id", &id, NULL)
      || !chain_json_object_get_string_member (custodian, "name", &org, NULL)
      || !chain_json_object_get_string_member (custodian, "tier", &tier, NULL)
      || chain_json_object_get_size (custodian) != 3
      || !chain_json_object_get_integer_member (doc, "time", &self->time, NULL)
      || !chain_json_object_get_string_member (doc, "signature", &sig_b64, NULL))
    return bad_file (error, _("custodian, time or signature missing"));
  if (!chain_statement_check_custodian_id (id, error))
    return NULL;
  if (chain_json_object_get_member (doc, "key_stores") != NULL)
    {
      ChainJson *stores = NULL;
      const char *ca_store = NULL, *officer_store = NULL;

      if (!chain_json_object_get_object_member (doc, "key_stores", &stores, NULL)
          || chain_json_object_get_size (stores) != 2
          || !chain_json_object_get_string_member (stores, "ca", &ca_store, NULL)
          || !chain_json_object_get_string_member (stores, "officer", &officer_store, NULL)
          || !chain_key_store_from_string (ca_store, &self->ca_store)
          || !chain_key_store_from_string (officer_store, &self->officer_store))
        return bad_file (error, _("key_stores is not {\"ca\": STORE, \"officer\": STORE}"));
    }
  self->ca_csr = read_csr (doc, "ca_csr", error);
  if (self->ca_csr == NULL)
    return NULL;
  self->officer_csr = read_csr (doc, "officer_csr", error);
  if (self->officer_csr == NULL)
    return NULL;
  if (strlen (sig_b64) > SIGNATURE_MAX_LEN)
    return bad_file (error, _("signature too long"));
  sig = g_base64_decode (sig_b64, &sig_len);
  check = unsigned_json (id, org, tier, self->time, self->ca_csr, self->officer_csr, self->ca_store, self->officer_store);
  canonical = chain_json_to_canonical (check);
  if (!verify_bytes (self->officer_csr, canonical, sig, sig_len))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("the request file from '%s' was changed after it was signed; ask '%s' for a fresh one"),
                   id, org);
      return NULL;
    }
  self->bytes = g_bytes_ref (data);
  self->custodian_id = g_strdup (id);
  self->org = g_strdup (org);
  self->tier = g_strdup (tier);
  return g_steal_pointer (&self);
}

ChainRequestFile *
chain_request_file_load (const char *path,
                         GError    **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GBytes) bytes = NULL;
  ChainRequestFile *request = NULL;
  gsize len = 0;
  struct stat st;
  /* Non-blocking: a FIFO with no writer must not hang the open. */
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, saved == ENOENT ? CHAIN_ERROR_NOT_FOUND : CHAIN_ERROR_IO,
                   _("cannot read %s: %s"), path, g_strerror (saved));
      return NULL;
    }
  /* Only a regular file has an end: /dev/zero or a FIFO would be read
   * forever. */
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      bad_file (error, _("not a regular file; give the request or grant file itself"));
      g_prefix_error (error, _("%s: "), path);
      return NULL;
    }
  data = g_malloc (CHAIN_REQUEST_FILE_MAX_SIZE + 1);
  while (len < CHAIN_REQUEST_FILE_MAX_SIZE + 1)
    {
      ssize_t n = read (fd, data + len, CHAIN_REQUEST_FILE_MAX_SIZE + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read %s: %s"), path, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      len += (gsize) n;
    }
  close (fd);
  if (len > CHAIN_REQUEST_FILE_MAX_SIZE)
    {
      bad_file (error, _("larger than a request can be"));
      /* Translators: %s is a file name, before the message */
      g_prefix_error (error, _("%s: "), path);
      return NULL;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  request = chain_request_file_parse (bytes, error);
  if (request == NULL)
    g_prefix_error (error, _("%s: "), path);
  return request;
}
