/* chain-state-cache-writer.c — a replayed ledger state, written to disk
 *
 * See chain-state-cache-private.h for the format and what it is trusted
 * with. The state is written in one pass through a stdio stream that also
 * feeds the trailing SHA-256; the serial and device-id tables go out as
 * they lie in memory.
 */
#include "chain-state-cache-private.h"
#include "chain-state-cache-format-private.h"

#include "chain-error.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#define MAGIC CHAIN_STATE_CACHE_MAGIC
#define MAGIC_LEN CHAIN_STATE_CACHE_MAGIC_LEN
#define VERSION CHAIN_STATE_CACHE_VERSION
#define NO_INDEX CHAIN_STATE_CACHE_NO_INDEX
#define NO_STRING CHAIN_STATE_CACHE_NO_STRING
#define ENTRY_LEN CHAIN_STATE_CACHE_ENTRY_LEN
#define SLOT_LEN CHAIN_STATE_CACHE_SLOT_LEN

/* ---- Writing ------------------------------------------------------------------ */

typedef struct {
  FILE       *file;
  EVP_MD_CTX *sha;
  gboolean    failed;
} Sink;

static void
put (Sink       *sink,
     const void *data,
     gsize       len)
{
  if (sink->failed || len == 0)
    return;
  if (fwrite (data, 1, len, sink->file) != len || EVP_DigestUpdate (sink->sha, data, len) != 1)
    sink->failed = TRUE;
}

static void
put_u32 (Sink   *sink,
         guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);

  put (sink, &le, sizeof le);
}

static void
put_u64 (Sink   *sink,
         guint64 value)
{
  guint64 le = GUINT64_TO_LE (value);

  put (sink, &le, sizeof le);
}

static void
put_bytes (Sink       *sink,
           const void *data,
           gsize       len)
{
  put_u32 (sink, (guint32) len);
  put (sink, data, len);
}

/* A string, or NULL as the length NO_STRING. */
static void
put_string (Sink       *sink,
            const char *text)
{
  if (text == NULL)
    put_u32 (sink, NO_STRING);
  else
    put_bytes (sink, text, strlen (text));
}

static void
put_gbytes (Sink   *sink,
            GBytes *bytes)
{
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);

  put_bytes (sink, data, len);
}

static void
put_cert (Sink            *sink,
          const ChainCert *cert)
{
  g_autoptr(GBytes) der = chain_cert_to_der (cert);

  put_gbytes (sink, der);
}

static void
put_csr (Sink           *sink,
         const ChainCsr *csr)
{
  g_autoptr(GBytes) der = NULL;

  if (csr == NULL)
    {
      put_u32 (sink, NO_STRING);
      return;
    }
  der = chain_csr_to_der (csr);
  put_gbytes (sink, der);
}

static void
put_json (Sink            *sink,
          const ChainJson *json)
{
  g_autoptr(GBytes) bytes = NULL;

  if (json == NULL)
    {
      put_u32 (sink, NO_STRING);
      return;
    }
  bytes = chain_json_to_canonical (json);
  put_gbytes (sink, bytes);
}

static guint32
custodian_index (const ChainLedgerState *state,
                 const ChainCustodian   *custodian)
{
  guint index = 0;

  if (custodian == NULL || !g_ptr_array_find (state->custodians, custodian, &index))
    return NO_INDEX;
  return index;
}

static guint32
request_index (const ChainLedgerState   *state,
               const ChainLedgerRequest *request)
{
  guint index = 0;

  if (request == NULL || !g_ptr_array_find (state->requests, request, &index))
    return NO_INDEX;
  return index;
}

static void
put_seen_table (Sink       *sink,
                GHashTable *table)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  put_u32 (sink, g_hash_table_size (table));
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const ChainLedgerSeen *seen = value;

      put_string (sink, key);
      put_u32 (sink, (guint32) seen->type);
      put_u64 (sink, seen->seq);
    }
}

static void
put_serial_set (Sink                 *sink,
                const ChainSerialSet *set)
{
  guint64 sip_key[2];
  gsize n_entries = 0;
  gsize n_slots = 0;
  const guint32 *index = chain_serial_set_get_image (set, sip_key, &n_entries, &n_slots);

  put_u64 (sink, sip_key[0]);
  put_u64 (sink, sip_key[1]);
  /* The index first, so a reader can copy the entries run by run. */
  put_u64 (sink, n_slots);
  put (sink, index, n_slots * SLOT_LEN);
  put_u64 (sink, n_entries);
  for (gsize done = 0, n = 0; done < n_entries; done += n)
    {
      const void *run = chain_serial_set_get_entry_run (set, done, &n);

      put (sink, run, n * ENTRY_LEN);
    }
}

static void
put_custodians (Sink                   *sink,
                const ChainLedgerState *state)
{
  put_u32 (sink, state->custodians->len);
  for (guint i = 0; i < state->custodians->len; i++)
    {
      const ChainCustodian *c = g_ptr_array_index (state->custodians, i);

      put_string (sink, c->id);
      put_string (sink, c->name);
      put_string (sink, c->tier);
      put_u32 (sink, custodian_index (state, c->parent));
      put_u32 (sink, c->accepted ? 1 : 0);
      put_string (sink, c->delegation_id);
      put_u32 (sink, request_index (state, c->request));
      put_u64 (sink, c->n_devices);
      put_u64 (sink, c->n_revoked_devices);
    }
}

static void
put_cas (Sink                   *sink,
         const ChainLedgerState *state)
{
  put_u32 (sink, state->cas->len);
  for (guint i = 0; i < state->cas->len; i++)
    {
      const ChainLedgerCa *ca = g_ptr_array_index (state->cas, i);

      put_cert (sink, ca->cert);
      put_u32 (sink, custodian_index (state, ca->owner));
      put_u32 (sink, ca->issuer != NULL ? ca->issuer->index : NO_INDEX);
      put_u32 (sink, ca->revoked ? 1 : 0);
      put_u64 (sink, ca->revoked_seq);
      put_u64 (sink, (guint64) ca->revoked_time);
      put_u32 (sink, (guint32) ca->revoked_reason);
      put_u32 (sink, ca->retired ? 1 : 0);
      put_u64 (sink, ca->n_devices);
      put_u64 (sink, ca->crl_number);
      put_u32 (sink, ca->revoked_serials->len);
      for (guint j = 0; j < ca->revoked_serials->len; j++)
        put_string (sink, g_ptr_array_index (ca->revoked_serials, j));
    }
}

static void
put_officers (Sink                   *sink,
              const ChainLedgerState *state)
{
  put_u32 (sink, state->officers->len);
  for (guint i = 0; i < state->officers->len; i++)
    {
      const ChainLedgerOfficer *o = g_ptr_array_index (state->officers, i);

      put_cert (sink, o->cert);
      put_u32 (sink, custodian_index (state, o->owner));
      put_u32 (sink, o->issuer != NULL ? o->issuer->index : NO_INDEX);
      put_u32 (sink, o->revoked ? 1 : 0);
    }
}

static void
put_requests (Sink                   *sink,
              const ChainLedgerState *state)
{
  put_u32 (sink, state->requests->len);
  for (guint i = 0; i < state->requests->len; i++)
    {
      const ChainLedgerRequest *r = g_ptr_array_index (state->requests, i);

      put_string (sink, r->id);
      put_u64 (sink, r->seq);
      put_string (sink, r->custodian_id);
      put_string (sink, r->name);
      put_string (sink, r->tier);
      put_u32 (sink, custodian_index (state, r->parent));
      put_csr (sink, r->ca_csr);
      put_csr (sink, r->officer_csr);
      put_u32 (sink, (guint32) r->status);
      put_u32 (sink, r->approvals->len);
      for (guint j = 0; j < r->approvals->len; j++)
        put_string (sink, g_ptr_array_index (r->approvals, j));
    }
}

static void
put_delegations (Sink                   *sink,
                 const ChainLedgerState *state)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  put_u32 (sink, g_hash_table_size (state->delegations));
  g_hash_table_iter_init (&iter, state->delegations);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      put_string (sink, key);
      put_u32 (sink, custodian_index (state, value));
    }
}

static void
put_exports (Sink                   *sink,
             const ChainLedgerState *state)
{
  put_u32 (sink, state->exports->len);
  for (guint i = 0; i < state->exports->len; i++)
    {
      const ChainLedgerExport *e = g_ptr_array_index (state->exports, i);

      put_u64 (sink, e->seq);
      put_string (sink, e->id);
      put_string (sink, e->author);
      put_string (sink, e->target);
      put_string (sink, e->ca);
      put_json (sink, e->files);
    }
}

/* Device quotas: each custodian's quota and count, in custodian order,
 * then the quota records. */
static void
put_quotas (Sink                   *sink,
            const ChainLedgerState *state)
{
  for (guint i = 0; i < state->custodians->len; i++)
    {
      const ChainCustodian *c = g_ptr_array_index (state->custodians, i);

      put_u64 (sink, c->max_devices);
      put_u64 (sink, c->n_devices_below);
    }
  put_u32 (sink, state->quotas->len);
  for (guint i = 0; i < state->quotas->len; i++)
    {
      const ChainLedgerQuota *q = g_ptr_array_index (state->quotas, i);

      put_string (sink, q->id);
      put_u64 (sink, q->seq);
      put_u32 (sink, custodian_index (state, q->author));
      put_u32 (sink, custodian_index (state, q->custodian));
      put_u64 (sink, q->max_devices);
      put_u32 (sink, (guint32) q->status);
      put_u32 (sink, q->approvals->len);
      for (guint j = 0; j < q->approvals->len; j++)
        put_string (sink, g_ptr_array_index (q->approvals, j));
    }
}

static void
put_state (Sink                   *sink,
           const ChainLedgerState *state,
           const char             *tip_commit_id)
{
  g_autoptr(GBytes) policy = state->policy != NULL ? chain_policy_to_canonical (state->policy) : NULL;

  put (sink, MAGIC, MAGIC_LEN);
  put_u32 (sink, VERSION);
  put_string (sink, state->ledger_id);
  put_string (sink, tip_commit_id);
  put_u64 (sink, state->n_records);
  put_u64 (sink, (guint64) state->last_commit_time);
  if (policy != NULL)
    put_gbytes (sink, policy);
  else
    put_u32 (sink, NO_STRING);
  put_string (sink, state->policy_digest);
  put_seen_table (sink, state->policy_history);
  put_custodians (sink, state);
  put_cas (sink, state);
  put_officers (sink, state);
  put_requests (sink, state);
  put_seen_table (sink, state->seen);
  put_delegations (sink, state);
  put_exports (sink, state);
  put_u64 (sink, state->n_revoked);
  put_serial_set (sink, state->serials);
  put_u32 (sink, state->n_device_serials);
  put_serial_set (sink, state->device_ids);
  put (sink, state->device_serial_entries, (gsize) state->n_device_serials * sizeof (guint32));
  put_quotas (sink, state);
}

gboolean
chain_state_cache_write (const char             *path,
                         const ChainLedgerState *state,
                         const char             *tip_commit_id,
                         GError                **error)
{
  g_autofree char *temp = NULL;
  g_autoptr(EVP_MD_CTX) sha = EVP_MD_CTX_new ();
  Sink sink = { NULL, NULL, FALSE };
  guint8 digest[SHA256_DIGEST_LENGTH];
  int saved_errno = 0;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (tip_commit_id != NULL, FALSE);

  /* The tables are written as they lie in memory, little-endian. */
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write the state cache %s: %s"), path,
               g_strerror (ENOTSUP));
  return FALSE;
#endif
  temp = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (temp, O_WRONLY, 0600);
  if (fd < 0 || sha == NULL || EVP_DigestInit_ex (sha, EVP_sha256 (), NULL) != 1)
    {
      saved_errno = fd < 0 ? errno : ENOMEM;
      if (fd >= 0)
        {
          close (fd);
          g_unlink (temp);
        }
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write the state cache %s: %s"), path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  sink.file = fdopen (fd, "wb");
  sink.sha = sha;
  if (sink.file == NULL)
    {
      saved_errno = errno;
      close (fd);
      g_unlink (temp);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write the state cache %s: %s"), path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  put_state (&sink, state, tip_commit_id);
  if (!sink.failed && EVP_DigestFinal_ex (sha, digest, NULL) == 1)
    {
      if (fwrite (digest, 1, sizeof digest, sink.file) != sizeof digest)
        sink.failed = TRUE;
    }
  else
    sink.failed = TRUE;
  saved_errno = errno;
  if (fclose (sink.file) != 0 && !sink.failed)
    {
      sink.failed = TRUE;
      saved_errno = errno;
    }
  if (!sink.failed && g_rename (temp, path) != 0)
    {
      sink.failed = TRUE;
      saved_errno = errno;
    }
  if (sink.failed)
    {
      g_unlink (temp);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write the state cache %s: %s"), path,
                   g_strerror (saved_errno != 0 ? saved_errno : EIO));
      return FALSE;
    }
  return TRUE;
}
