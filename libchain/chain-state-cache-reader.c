/* chain-state-cache-reader.c — a replayed ledger state, read back
 *
 * See chain-state-cache-private.h for the format and what it is trusted
 * with. Objects refer to each other by index (a CA's owner is custodian
 * N); a reader checks every index and count against what is left of the
 * input before it allocates, so a hostile file costs at most its length.
 */
#include "chain-state-cache-private.h"
#include "chain-state-cache-format-private.h"

#include "chain-error.h"
#include "chain-i18n-private.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
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

/* ---- Reading ------------------------------------------------------------------ */

typedef struct {
  const guint8 *p;
  const guint8 *end;
  const char   *wrong;    /* what was wrong first, for the message */
  const guint8 *mapped;   /* the file's mapping, or NULL for a buffer */
  const guint8 *released; /* pages below this were handed back */
} Source;

/* Hashed or decoded in steps of this much, handing each back after it. */
#define RELEASE_STEP ((gsize) 4 << 20)

/* A cache read from its mapped file: the pages below @upto were hashed or
 * copied into the state and are not needed again, so they leave the
 * process's memory (touched again, they come back from the file). Reading
 * a cache of a million devices then costs its state, not its state and
 * its 80 MB file besides. A buffer (the fuzzer's, a test's) is left be. */
static void
release_below (Source       *src,
               const guint8 *upto)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  const guint8 *from = src->released;
  const guint8 *to;

  if (src->mapped == NULL || upto <= from)
    return;
  to = src->mapped + ((gsize) (upto - src->mapped) / page) * page;
  if (to <= from)
    return;
  (void) madvise ((void *) from, (gsize) (to - from), MADV_DONTNEED);
  src->released = to;
}

/* SHA-256 of @data, the first @len bytes of @src's input; FALSE if
 * OpenSSL could not. */
static gboolean
hash_input (Source       *src,
            const guint8 *data,
            gsize         len,
            guint8        digest[SHA256_DIGEST_LENGTH])
{
  g_autoptr(EVP_MD_CTX) sha = NULL;

  if (src->mapped == NULL)
    return SHA256 (data, len, digest) != NULL;
  sha = EVP_MD_CTX_new ();
  if (sha == NULL || EVP_DigestInit_ex (sha, EVP_sha256 (), NULL) != 1)
    return FALSE;
  for (gsize done = 0; done < len;)
    {
      gsize step = MIN (RELEASE_STEP, len - done);

      if (EVP_DigestUpdate (sha, data + done, step) != 1)
        return FALSE;
      done += step;
      release_below (src, data + done);
    }
  src->released = src->mapped;   /* decoding touches them again */
  return EVP_DigestFinal_ex (sha, digest, NULL) == 1;
}

static gboolean
take (Source       *src,
      gsize         len,
      const guint8 **out)
{
  if (src->wrong != NULL)
    return FALSE;
  if ((gsize) (src->end - src->p) < len)
    {
      src->wrong = "truncated";
      return FALSE;
    }
  *out = src->p;
  src->p += len;
  return TRUE;
}

static guint32
get_u32 (Source *src)
{
  const guint8 *p = NULL;
  guint32 value = 0;

  if (!take (src, sizeof value, &p))
    return 0;
  memcpy (&value, p, sizeof value);
  return GUINT32_FROM_LE (value);
}

static guint64
get_u64 (Source *src)
{
  const guint8 *p = NULL;
  guint64 value = 0;

  if (!take (src, sizeof value, &p))
    return 0;
  memcpy (&value, p, sizeof value);
  return GUINT64_FROM_LE (value);
}

static gboolean
fail (Source     *src,
      const char *wrong)
{
  if (src->wrong == NULL)
    src->wrong = wrong;
  return FALSE;
}

/* A count of items of at least @min_item_len bytes each: no more than
 * what is left could hold. */
static guint32
get_count (Source *src,
           gsize   min_item_len)
{
  guint32 n = get_u32 (src);

  if (src->wrong == NULL && (gsize) n > (gsize) (src->end - src->p) / min_item_len)
    {
      fail (src, "a count beyond the end");
      return 0;
    }
  return n;
}

/* Bytes (transfer none), or NULL for NO_STRING and on error; *out_null
 * says which. */
static const guint8 *
get_bytes_or_null (Source   *src,
                   gsize    *out_len,
                   gboolean *out_null)
{
  guint32 len = get_u32 (src);
  const guint8 *p = NULL;

  *out_len = 0;
  *out_null = src->wrong == NULL && len == NO_STRING;
  if (src->wrong != NULL || len == NO_STRING || !take (src, len, &p))
    return NULL;
  *out_len = len;
  return p;
}

static const guint8 *
get_bytes (Source *src,
           gsize  *out_len)
{
  gboolean null = FALSE;

  return get_bytes_or_null (src, out_len, &null);
}

/* A UTF-8 string without NULs, or NULL for NO_STRING if @nullable. */
static char *
get_string (Source  *src,
            gboolean nullable)
{
  gsize len = 0;
  gboolean null = FALSE;
  const guint8 *p = get_bytes_or_null (src, &len, &null);

  if (src->wrong != NULL)
    return NULL;
  if (null)
    {
      if (!nullable)
        fail (src, "a string missing");
      return NULL;
    }
  if (memchr (p, '\0', len) != NULL || !g_utf8_validate ((const char *) p, (gssize) len, NULL))
    {
      fail (src, "a string not UTF-8");
      return NULL;
    }
  return g_strndup ((const char *) p, len);
}

static ChainCert *
get_cert (Source *src)
{
  gsize len = 0;
  const guint8 *der = get_bytes (src, &len);
  ChainCert *cert;

  if (der == NULL)
    {
      fail (src, "a certificate missing");
      return NULL;
    }
  cert = chain_cert_parse (der, len, NULL);
  if (cert == NULL)
    fail (src, "a certificate that does not parse");
  return cert;
}

static ChainCsr *
get_csr (Source *src)
{
  gsize len = 0;
  const guint8 *der = get_bytes (src, &len);
  ChainCsr *csr;

  if (der == NULL)
    return NULL;
  csr = chain_csr_parse (der, len, NULL);
  if (csr == NULL)
    fail (src, "a request that does not parse");
  return csr;
}

static ChainJson *
get_json (Source *src)
{
  gsize len = 0;
  const guint8 *data = get_bytes (src, &len);
  ChainJson *json;

  if (data == NULL)
    return NULL;
  json = chain_json_parse (data, len, len, NULL);
  if (json == NULL)
    fail (src, "JSON that does not parse");
  return json;
}

/* An index below @limit, or NO_INDEX if @nullable. */
static gboolean
get_index (Source  *src,
           guint    limit,
           gboolean nullable,
           guint32 *out_index)
{
  guint32 index = get_u32 (src);

  *out_index = index;
  if (src->wrong != NULL)
    return FALSE;
  if (index == NO_INDEX && nullable)
    return TRUE;
  if (index >= limit)
    return fail (src, "an index out of range");
  return TRUE;
}

static gboolean
get_seen_table (Source     *src,
                GHashTable *table)
{
  guint32 n = get_count (src, 16);

  for (guint32 i = 0; i < n && src->wrong == NULL; i++)
    {
      g_autofree char *key = get_string (src, FALSE);
      ChainLedgerSeen *seen = g_new0 (ChainLedgerSeen, 1);

      seen->type = (ChainRecordType) get_u32 (src);
      seen->seq = get_u64 (src);
      if (src->wrong != NULL || g_hash_table_contains (table, key))
        {
          g_free (seen);
          return fail (src, "a statement id twice");
        }
      g_hash_table_insert (table, g_steal_pointer (&key), seen);
    }
  return src->wrong == NULL;
}

/* Entries copied between releases of the pages they came from. */
#define ENTRY_RUN 65536

static ChainSerialSet *
get_serial_set (Source *src,
                guint32 value_mask,
                guint32 value_limit)
{
  guint64 sip_key[2];
  guint64 n_entries;
  guint64 n_slots;
  const guint8 *index = NULL;
  g_autoptr(ChainSerialSet) set = NULL;

  sip_key[0] = get_u64 (src);
  sip_key[1] = get_u64 (src);
  n_slots = get_u64 (src);
  if (src->wrong != NULL)
    return NULL;
  if (n_slots > (guint64) (src->end - src->p) / SLOT_LEN)
    {
      fail (src, "truncated");
      return NULL;
    }
  if (!take (src, (gsize) n_slots * SLOT_LEN, &index))
    return NULL;
  set = chain_serial_set_new_for_image (sip_key, index, (gsize) n_slots);
  if (set == NULL)
    {
      fail (src, "a serial table out of shape");
      return NULL;
    }
  release_below (src, src->p);
  n_entries = get_u64 (src);
  if (src->wrong != NULL)
    return NULL;
  if (n_entries > (guint64) (src->end - src->p) / ENTRY_LEN)
    {
      fail (src, "truncated");
      return NULL;
    }
  /* A mapped cache's pages are let go as they are copied: the state and
   * its image are never both in memory whole. */
  for (guint64 done = 0; done < n_entries;)
    {
      gsize n = (gsize) MIN (n_entries - done, (guint64) ENTRY_RUN);
      const guint8 *entries = NULL;

      if (!take (src, n * ENTRY_LEN, &entries))
        return NULL;
      if (!chain_serial_set_add_image_entries (set, entries, n))
        {
          fail (src, "a serial table out of shape");
          return NULL;
        }
      release_below (src, src->p);
      done += n;
    }
  if (!chain_serial_set_check_image (set, value_mask, value_limit))
    {
      fail (src, "a serial table out of shape");
      return NULL;
    }
  return g_steal_pointer (&set);
}

static gboolean
get_custodians (Source           *src,
                ChainLedgerState *state,
                GArray           *request_indexes)
{
  guint32 n = get_count (src, 40);

  for (guint32 i = 0; i < n && src->wrong == NULL; i++)
    {
      g_autofree char *id = get_string (src, FALSE);
      g_autofree char *name = get_string (src, FALSE);
      g_autofree char *tier = get_string (src, FALSE);
      ChainCustodian *c;
      guint32 parent = NO_INDEX;
      guint32 request = NO_INDEX;

      /* A parent comes before its children, so the tree has no cycle. */
      get_index (src, i, TRUE, &parent);
      if (src->wrong != NULL || g_hash_table_contains (state->custodians_by_id, id))
        return fail (src, "a custodian out of shape");
      c = chain_custodian_new (id, name, tier);
      chain_ledger_state_add_custodian (state, c);
      c->parent = parent != NO_INDEX ? g_ptr_array_index (state->custodians, parent) : NULL;
      c->accepted = get_u32 (src) != 0;
      c->delegation_id = get_string (src, TRUE);
      request = get_u32 (src);
      g_array_append_val (request_indexes, request);
      c->n_devices = get_u64 (src);
      c->n_revoked_devices = get_u64 (src);
    }
  return src->wrong == NULL;
}

static gboolean
get_cas (Source           *src,
         ChainLedgerState *state)
{
  guint32 n = get_count (src, 60);

  for (guint32 i = 0; i < n && src->wrong == NULL; i++)
    {
      g_autoptr(ChainCert) cert = get_cert (src);
      ChainLedgerCa *ca;
      guint32 owner = 0;
      guint32 issuer = NO_INDEX;
      guint32 n_revoked;
      ChainSerialKey key;

      /* An issuer comes before what it issued, so no chain loops. */
      if (cert == NULL || !get_index (src, state->custodians->len, FALSE, &owner)
          || !get_index (src, i, TRUE, &issuer))
        return fail (src, "a CA out of shape");
      ca = chain_ledger_ca_new (cert);
      ca->owner = g_ptr_array_index (state->custodians, owner);
      ca->issuer = issuer != NO_INDEX ? g_ptr_array_index (state->cas, issuer) : NULL;
      if (g_hash_table_contains (state->cas_by_thumbprint, ca->thumbprint))
        {
          chain_ledger_ca_free (ca);
          return fail (src, "a CA twice");
        }
      chain_ledger_state_add_ca (state, ca);
      if (chain_ledger_cert_serial_key (ca->cert, &key))
        g_hash_table_insert (state->ca_serials, g_memdup2 (&key, sizeof key), ca);
      ca->revoked = get_u32 (src) != 0;
      ca->revoked_seq = get_u64 (src);
      ca->revoked_time = (gint64) get_u64 (src);
      ca->revoked_reason = (ChainRevocationReason) get_u32 (src);
      ca->retired = get_u32 (src) != 0;
      ca->n_devices = get_u64 (src);
      ca->crl_number = get_u64 (src);
      n_revoked = get_count (src, 4);
      for (guint32 j = 0; j < n_revoked && src->wrong == NULL; j++)
        {
          char *serial = get_string (src, FALSE);

          if (serial != NULL)
            g_ptr_array_add (ca->revoked_serials, serial);
        }
    }
  return src->wrong == NULL;
}

static gboolean
get_officers (Source           *src,
              ChainLedgerState *state)
{
  guint32 n = get_count (src, 16);

  for (guint32 i = 0; i < n && src->wrong == NULL; i++)
    {
      g_autoptr(ChainCert) cert = get_cert (src);
      ChainLedgerOfficer *officer;
      guint32 owner = 0;
      guint32 issuer = NO_INDEX;
      ChainSerialKey key;

      if (cert == NULL || !get_index (src, state->custodians->len, FALSE, &owner)
          || !get_index (src, state->cas->len, TRUE, &issuer))
        return fail (src, "an officer out of shape");
      officer = chain_ledger_officer_new (cert);
      officer->owner = g_ptr_array_index (state->custodians, owner);
      officer->issuer = issuer != NO_INDEX ? g_ptr_array_index (state->cas, issuer) : NULL;
      officer->revoked = get_u32 (src) != 0;
      chain_ledger_state_add_officer (state, officer);
      if (chain_ledger_cert_serial_key (officer->cert, &key))
        g_hash_table_insert (state->officer_serials, g_memdup2 (&key, sizeof key), officer);
    }
  return src->wrong == NULL;
}

static gboolean
get_requests (Source           *src,
              ChainLedgerState *state)
{
  guint32 n = get_count (src, 48);

  for (guint32 i = 0; i < n && src->wrong == NULL; i++)
    {
      ChainLedgerRequest *r = g_new0 (ChainLedgerRequest, 1);
      guint32 parent = 0;
      guint32 n_approvals;

      r->approvals = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (state->requests, r);
      r->id = get_string (src, FALSE);
      r->seq = get_u64 (src);
      r->custodian_id = get_string (src, FALSE);
      r->name = get_string (src, FALSE);
      r->tier = get_string (src, FALSE);
      if (!get_index (src, state->custodians->len, FALSE, &parent))
        return FALSE;
      r->parent = g_ptr_array_index (state->custodians, parent);
      r->ca_csr = get_csr (src);
      r->officer_csr = get_csr (src);
      r->status = (ChainRequestStatus) get_u32 (src);
      n_approvals = get_count (src, 4);
      for (guint32 j = 0; j < n_approvals && src->wrong == NULL; j++)
        {
          char *key_id = get_string (src, FALSE);

          if (key_id != NULL)
            g_ptr_array_add (r->approvals, key_id);
        }
      if (src->wrong != NULL || g_hash_table_contains (state->requests_by_id, r->id))
        return fail (src, "a request out of shape");
      g_hash_table_insert (state->requests_by_id, r->id, r);
    }
  return src->wrong == NULL;
}

static gboolean
get_delegations (Source           *src,
                 ChainLedgerState *state)
{
  guint32 n = get_count (src, 8);

  for (guint32 i = 0; i < n && src->wrong == NULL; i++)
    {
      g_autofree char *id = get_string (src, FALSE);
      guint32 custodian = 0;

      if (!get_index (src, state->custodians->len, FALSE, &custodian)
          || g_hash_table_contains (state->delegations, id))
        return fail (src, "a delegation out of shape");
      g_hash_table_insert (state->delegations, g_steal_pointer (&id),
                           g_ptr_array_index (state->custodians, custodian));
    }
  return src->wrong == NULL;
}

static gboolean
get_exports (Source           *src,
             ChainLedgerState *state)
{
  guint32 n = get_count (src, 28);

  for (guint32 i = 0; i < n && src->wrong == NULL; i++)
    {
      ChainLedgerExport *e = g_new0 (ChainLedgerExport, 1);

      g_ptr_array_add (state->exports, e);
      e->seq = get_u64 (src);
      e->id = get_string (src, FALSE);
      e->author = get_string (src, FALSE);
      e->target = get_string (src, FALSE);
      e->ca = get_string (src, FALSE);
      e->files = get_json (src);
    }
  return src->wrong == NULL;
}

static gboolean
get_policy (Source           *src,
            ChainLedgerState *state)
{
  gsize len = 0;
  const guint8 *policy = get_bytes (src, &len);

  if (policy != NULL)
    {
      state->policy = chain_policy_parse (policy, len, NULL);
      if (state->policy == NULL)
        return fail (src, "a policy that does not parse");
    }
  state->policy_digest = get_string (src, TRUE);
  if ((state->policy == NULL) != (state->policy_digest == NULL))
    return fail (src, "a policy without its digest");
  return get_seen_table (src, state->policy_history);
}

static gboolean
get_devices (Source           *src,
             ChainLedgerState *state)
{
  guint32 n = get_u32 (src);
  const guint8 *serial_entries = NULL;
  guint32 n_serials = (guint32) chain_serial_set_get_size (state->serials);

  if (src->wrong != NULL)
    return FALSE;
  if (n > CHAIN_SERIAL_VALUE_MAX)
    return fail (src, "device ids out of shape");
  chain_serial_set_free (state->device_ids);
  /* Every id's value is the batch that issued it, below the tip. */
  state->device_ids = get_serial_set (src, G_MAXUINT32, (guint32) MIN (state->n_records, G_MAXUINT32));
  if (state->device_ids == NULL)
    {
      state->device_ids = chain_serial_set_new ();
      return FALSE;
    }
  if (chain_serial_set_get_size (state->device_ids) != n)
    return fail (src, "device ids out of shape");
  release_below (src, src->p);
  if (!take (src, (gsize) n * sizeof (guint32), &serial_entries))
    return FALSE;
  state->n_device_serials = n;
  state->device_serials_size = n;
  state->device_serial_entries = g_new (guint32, MAX (n, 1));
  memcpy (state->device_serial_entries, serial_entries, (gsize) n * sizeof (guint32));
  for (guint32 i = 0; i < n; i++)
    if (state->device_serial_entries[i] >= n_serials)
      return fail (src, "a device serial out of range");
  return TRUE;
}

/* chain_state_cache_decode(), of a mapped file's pages (@mapped) or of a
 * buffer. */
static gboolean
get_quotas (Source           *src,
            ChainLedgerState *state)
{
  guint32 n;

  for (guint i = 0; i < state->custodians->len && src->wrong == NULL; i++)
    {
      ChainCustodian *c = g_ptr_array_index (state->custodians, i);

      c->max_devices = get_u64 (src);
      c->n_devices_below = get_u64 (src);
    }
  n = get_count (src, 32);
  for (guint32 i = 0; i < n && src->wrong == NULL; i++)
    {
      ChainLedgerQuota *q = g_new0 (ChainLedgerQuota, 1);
      guint32 author = 0;
      guint32 custodian = 0;
      guint32 status;
      guint32 n_approvals;

      q->approvals = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (state->quotas, q);
      q->id = get_string (src, FALSE);
      q->seq = get_u64 (src);
      if (!get_index (src, state->custodians->len, FALSE, &author)
          || !get_index (src, state->custodians->len, FALSE, &custodian))
        return FALSE;
      q->author = g_ptr_array_index (state->custodians, author);
      q->custodian = g_ptr_array_index (state->custodians, custodian);
      q->max_devices = get_u64 (src);
      status = get_u32 (src);
      if (status > CHAIN_QUOTA_STATUS_SUPERSEDED)
        return fail (src, "a quota out of shape");
      q->status = (ChainQuotaStatus) status;
      n_approvals = get_count (src, 4);
      for (guint32 j = 0; j < n_approvals && src->wrong == NULL; j++)
        {
          char *key_id = get_string (src, FALSE);

          if (key_id != NULL)
            g_ptr_array_add (q->approvals, key_id);
        }
      if (src->wrong != NULL || q->id == NULL || g_hash_table_contains (state->quotas_by_id, q->id))
        return fail (src, "a quota out of shape");
      g_hash_table_insert (state->quotas_by_id, q->id, q);
    }
  return src->wrong == NULL;
}

static ChainLedgerState *
decode (const guint8 *data,
        gsize         len,
        gboolean      mapped,
        char        **out_tip_commit_id,
        GError      **error)
{
  g_autoptr(ChainLedgerState) state = chain_ledger_state_new ();
  g_autoptr(GArray) request_indexes = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree char *tip = NULL;
  guint8 digest[SHA256_DIGEST_LENGTH];
  Source src = { data, NULL, NULL, mapped ? data : NULL, data };
  const guint8 *magic = NULL;

  if (len < MAGIC_LEN + sizeof digest || len > CHAIN_STATE_CACHE_MAX_LEN)
    src.wrong = len > CHAIN_STATE_CACHE_MAX_LEN ? "too long" : "truncated";
  else
    {
      src.end = data + len - sizeof digest;
      if (!hash_input (&src, data, len - sizeof digest, digest))
        src.wrong = "a checksum that could not be computed";
      else if (memcmp (digest, src.end, sizeof digest) != 0)
        src.wrong = "a checksum that does not match";
    }
  if (src.wrong == NULL && (!take (&src, MAGIC_LEN, &magic) || memcmp (magic, MAGIC, MAGIC_LEN) != 0))
    fail (&src, "not a state cache");
  if (src.wrong == NULL && get_u32 (&src) != VERSION)
    fail (&src, "another version");
  if (src.wrong == NULL)
    {
      state->ledger_id = get_string (&src, TRUE);
      tip = get_string (&src, FALSE);
      state->n_records = get_u64 (&src);
      state->last_commit_time = (gint64) get_u64 (&src);
    }
  if (src.wrong == NULL
      && get_policy (&src, state)
      && get_custodians (&src, state, request_indexes)
      && get_cas (&src, state)
      && get_officers (&src, state)
      && get_requests (&src, state)
      && get_seen_table (&src, state->seen)
      && get_delegations (&src, state)
      && get_exports (&src, state))
    {
      state->n_revoked = get_u64 (&src);
      chain_serial_set_free (state->serials);
      state->serials = get_serial_set (&src, CHAIN_LEDGER_SERIAL_CA_MASK, MAX (state->cas->len, 1));
      release_below (&src, src.p);
      if (state->serials == NULL)
        state->serials = chain_serial_set_new ();
      else if (state->cas->len == 0 && chain_serial_set_get_size (state->serials) > 0)
        fail (&src, "serials without a CA");
    }
  if (src.wrong == NULL && get_devices (&src, state))
    get_quotas (&src, state);
  release_below (&src, src.p);
  /* Custodians name their requests, which come after them. */
  for (guint i = 0; src.wrong == NULL && i < request_indexes->len; i++)
    {
      guint32 index = g_array_index (request_indexes, guint32, i);
      ChainCustodian *c = g_ptr_array_index (state->custodians, i);

      if (index != NO_INDEX && index >= state->requests->len)
        fail (&src, "an index out of range");
      else
        c->request = index != NO_INDEX ? g_ptr_array_index (state->requests, index) : NULL;
    }
  if (src.wrong == NULL && src.p != src.end)
    fail (&src, "bytes after the end");
  if (src.wrong != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the state cache is unusable (%s); it is rebuilt from the ledger"), src.wrong);
      return NULL;
    }
  *out_tip_commit_id = g_steal_pointer (&tip);
  return g_steal_pointer (&state);
}

ChainLedgerState *
chain_state_cache_decode (const guint8 *data,
                          gsize         len,
                          char        **out_tip_commit_id,
                          GError      **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (out_tip_commit_id != NULL, NULL);

  return decode (data, len, FALSE, out_tip_commit_id, error);
}

ChainLedgerState *
chain_state_cache_read (const char  *path,
                        const char  *ledger_id,
                        char       **out_tip_commit_id,
                        GError     **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ChainLedgerState) state = NULL;
  g_autofree char *tip = NULL;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (ledger_id != NULL, NULL);

  if (g_stat (path, &st) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("no state cache at %s"), path);
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || (guint64) st.st_size > CHAIN_STATE_CACHE_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the state cache is unusable (%s); it is rebuilt from the ledger"), "too long");
      return NULL;
    }
  file = g_mapped_file_new (path, FALSE, &local_error);
  if (file == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("no state cache at %s"), path);
      return NULL;
    }
  state = decode ((const guint8 *) g_mapped_file_get_contents (file), g_mapped_file_get_length (file), TRUE,
                  &tip, error);
  if (state == NULL)
    return NULL;
  if (g_strcmp0 (state->ledger_id, ledger_id) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the state cache is unusable (%s); it is rebuilt from the ledger"), "another ledger");
      return NULL;
    }
  *out_tip_commit_id = g_steal_pointer (&tip);
  return g_steal_pointer (&state);
}

/* ---- Resuming a replay ---------------------------------------------------------- */

ChainLedgerState *
chain_state_cache_resume (const char  *path,
                          ChainLedger *ledger,
                          char       **out_tip_commit_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedgerState) state = NULL;
  g_autoptr(ChainRecord) last = NULL;
  g_autofree char *tip = NULL;
  const char *ledger_id = chain_ledger_get_id (ledger);
  guint64 n;

  if (ledger_id == NULL)
    return NULL;
  state = chain_state_cache_read (path, ledger_id, &tip, &error);
  if (state == NULL)
    {
      if (!g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND))
        g_debug ("%s: %s", path, error->message);
      return NULL;
    }
  /* The commit id fixes every record up to it: if main holds it where the
   * state ended, the state is main's up to there. */
  n = chain_ledger_state_get_n_records (state);
  if (n == 0 || n > chain_ledger_get_length (ledger))
    return NULL;
  last = chain_ledger_load_record (ledger, n - 1, NULL);
  if (last == NULL || g_strcmp0 (chain_record_get_commit_id (last), tip) != 0)
    {
      g_debug ("%s: keyed to commit %s, which main does not hold at record %" G_GUINT64_FORMAT "; replaying",
               path, tip, n - 1);
      return NULL;
    }
  *out_tip_commit_id = g_steal_pointer (&tip);
  return g_steal_pointer (&state);
}
