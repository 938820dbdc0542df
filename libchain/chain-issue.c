/* chain-issue.c — device certificates in bulk, recorded as device batches
 *
 * A run reads its source in chunks of batch_size devices. Each chunk goes
 * through three steps:
 *
 *   read      the orchestrating thread reads the ids (or CSR file names)
 *             and checks each id, that it is new to the run, and that
 *             the ledger holds no certificate in force for it;
 *   issue     `jobs` pool threads take devices one at a time (an atomic
 *             index, so a slow device never idles the others): parse the
 *             CSR or make a key, sign (chain_issuer_issue_device_der), and
 *             write the files into the chunk's staging directory;
 *   record    a recorder thread appends the chunk's device-batch record
 *             (the workspace's rule engine judges it first) and then moves
 *             the files into place and appends to the manifests.
 *
 * Chunk k is recorded while chunk k+1 is issued, so recording, which
 * parses and verifies every certificate, overlaps signing. The
 * orchestrating thread waits on both, reporting progress ten times a
 * second.
 *
 * A source that can be read twice (a regular file, a directory) is first
 * read whole in a checking pass that issues nothing (CSRs are parsed by
 * the pool there too), so that a bad line anywhere refuses the run before
 * anything is issued or recorded. A count's ids all have the form of its
 * first and last, which are checked up front, as is each against the ledger.
 */
#include "chain-issue-private.h"
#include "chain-armor-private.h"
#include "chain-workspace-private.h"
#include "chain-ledger-state-private.h"
#include "chain-i18n-private.h"
#include "chain-manifest-private.h"
#include "chain-progress-relay-private.h"
#include "chain-task-private.h"
#include "chain-pki-private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 10)

#define DAY_SECONDS G_GINT64_CONSTANT (86400)


/* ---- Duplicate ids --------------------------------------------------------- */

/* An open-addressing set of 64-bit fingerprints (SHA-256 of the id): 16
 * bytes a device at most. Two distinct ids share a fingerprint with
 * probability n^2 / 2^65 — about 3e-6 for ten million ids — and would be
 * reported as a duplicate, never missed. */
typedef struct {
  guint64 *slots;
  gsize    mask;
  gsize    n;
} IdSet;

static guint64
id_fingerprint (const char *id)
{
  unsigned char digest[SHA256_DIGEST_LENGTH];
  guint64 f;

  chain_sha256 (id, strlen (id), digest);
  memcpy (&f, digest, sizeof f);
  return f != 0 ? f : 1;
}

static void
id_set_insert (IdSet  *set,
               guint64 f)
{
  gsize i = (gsize) f & set->mask;

  while (set->slots[i] != 0)
    i = (i + 1) & set->mask;
  set->slots[i] = f;
  set->n++;
}

/* Returns: FALSE when @id was in the set already. */
static gboolean
id_set_add (IdSet      *set,
            const char *id)
{
  guint64 f = id_fingerprint (id);
  gsize i;

  if (set->slots == NULL || (set->n + 1) * 10 > (set->mask + 1) * 7)
    {
      guint64 *old = set->slots;
      gsize old_size = old != NULL ? set->mask + 1 : 0;

      set->mask = old_size != 0 ? old_size * 2 - 1 : 1023;
      set->slots = g_new0 (guint64, set->mask + 1);
      set->n = 0;
      for (gsize j = 0; j < old_size; j++)
        if (old[j] != 0)
          id_set_insert (set, old[j]);
      g_free (old);
    }
  for (i = (gsize) f & set->mask; set->slots[i] != 0; i = (i + 1) & set->mask)
    if (set->slots[i] == f)
      return FALSE;
  set->slots[i] = f;
  set->n++;
  return TRUE;
}

static void
id_set_clear (IdSet *set)
{
  g_clear_pointer (&set->slots, g_free);
  set->mask = 0;
  set->n = 0;
}

/* ---- The summary ----------------------------------------------------------- */

typedef struct {
  guint64  seq;
  guint64  count;
  char    *first;
  char    *last;
} SummaryRecord;

struct _ChainIssueSummary {
  guint64   n_issued;
  GArray   *records;
  char     *issuer;
  char     *manifest_csv;
  char     *manifest_json;
  gboolean  complete;
};

static void
summary_record_clear (gpointer data)
{
  SummaryRecord *r = data;

  g_free (r->first);
  g_free (r->last);
}

ChainIssueSummary *
chain_issue_summary_new (void)
{
  ChainIssueSummary *self = g_new0 (ChainIssueSummary, 1);

  self->records = g_array_new (FALSE, TRUE, sizeof (SummaryRecord));
  g_array_set_clear_func (self->records, summary_record_clear);
  return self;
}

guint64
chain_issue_summary_get_n_issued (const ChainIssueSummary *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_issued;
}

guint
chain_issue_summary_get_n_records (const ChainIssueSummary *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->records->len;
}

void
chain_issue_summary_get_record (const ChainIssueSummary *self,
                                guint                    index,
                                guint64                 *out_seq,
                                guint64                 *out_count,
                                const char             **out_first_id,
                                const char             **out_last_id)
{
  const SummaryRecord *r;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->records->len);

  r = &g_array_index (self->records, SummaryRecord, index);
  if (out_seq != NULL)
    *out_seq = r->seq;
  if (out_count != NULL)
    *out_count = r->count;
  if (out_first_id != NULL)
    *out_first_id = r->first;
  if (out_last_id != NULL)
    *out_last_id = r->last;
}

const char *
chain_issue_summary_get_issuer (const ChainIssueSummary *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->issuer;
}

const char *
chain_issue_summary_get_manifest_csv (const ChainIssueSummary *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->manifest_csv;
}

const char *
chain_issue_summary_get_manifest_json (const ChainIssueSummary *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->manifest_json;
}

gboolean
chain_issue_summary_is_complete (const ChainIssueSummary *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->complete;
}

void
chain_issue_summary_free (ChainIssueSummary *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->records);
  g_free (self->issuer);
  g_free (self->manifest_csv);
  g_free (self->manifest_json);
  g_free (self);
}

/* ---- Chunks ---------------------------------------------------------------- */

static void
device_free (gpointer data)
{
  ChainIssueDevice *d = data;

  g_free (d->id);
  g_free (d->csr_path);
  g_clear_pointer (&d->csr_bytes, g_bytes_unref);
  chain_issued_device_clear (&d->cert);
  g_clear_pointer (&d->key_pem, g_bytes_unref);
  g_clear_error (&d->error);
  g_free (d);
}

typedef struct {
  guint64    index;      /* from 1 */
  GPtrArray *devices;    /* ChainIssueDevice */
  GError    *error;      /* why recording it failed */
} Chunk;

static Chunk *
chunk_new (guint64 index)
{
  Chunk *chunk = g_new0 (Chunk, 1);

  chunk->index = index;
  chunk->devices = g_ptr_array_new_with_free_func (device_free);
  return chunk;
}

static void
chunk_free (Chunk *chunk)
{
  if (chunk == NULL)
    return;
  g_ptr_array_unref (chunk->devices);
  g_clear_error (&chunk->error);
  g_free (chunk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Chunk, chunk_free)

/* ---- A run ----------------------------------------------------------------- */

typedef struct {
  ChainWorkspace                 *workspace;
  ChainIssueSource               *source;
  const ChainIssueDevicesOptions *options;
  ChainIssueSummary              *summary;
  GCancellable                   *cancellable;

  const ChainPolicy              *policy;
  ChainDeviceIdRules              rules;
  ChainIssuer                    *issuer;
  ChainIssueOptions               issue_options;
  gboolean                        keys;
  GPtrArray                      *chain;        /* ChainCert: after the leaf in chain.pem */
  char                           *thumbprint;
  guint                           batch_size;
  guint                           jobs;
  ChainIssueOutput               *output;
  ChainIssueJournal              *journal;      /* locked while the run lives */
  GThreadPool                    *pool;
  IdSet                           ids;
  guint64                         total;
  /* Devices this run took from the quotas that bound the custodian; a
   * source whose total is known is checked whole before the first
   * signature, a stream chunk by chunk. */
  guint64                         quota_taken;
  gboolean                        quota_checked_whole;

  GMutex                          lock;
  GCond                           cond;

  /* A CSR directory's checking pass: per chunk, the SHA-256 over its
   * files' SHA-256s and their total size (CheckedCsrs). Issuing reads a
   * chunk's files first and compares; the same bytes need no second
   * verification of their self-signatures, other bytes stop the run. */
  GArray                         *checked_csrs;
  gboolean                        reading;      /* the pool only reads the chunk's CSRs */
  gboolean                        csrs_verified; /* the working chunk's CSRs matched */
  gssize                          read_budget;  /* atomic: bytes the reading may take yet */

  /* The chunk in the pool. */
  Chunk                          *working;
  gboolean                        check_only;
  gint                            next;         /* atomic: the next device to take */
  gint                            done;         /* atomic: devices finished */
  gint                            abort;        /* atomic: a device failed */
  guint                           workers_running;
  guint64                         issued_before;

  /* The chunk with the recorder. */
  Chunk                          *recording;
  gboolean                        recorder_running;
  guint64                         recorded;
} Run;

/* Reads a CSR file into @device (csr_bytes, csr_sha256), at most
 * CHAIN_INPUT_MAX_LEN bytes (one more tells an oversized file from a full
 * one; the parser refuses it). */
static gboolean
read_csr_file (const char       *path,
               ChainIssueDevice *device,
               GError          **error)
{
  g_autofree guint8 *data = g_malloc (CHAIN_INPUT_MAX_LEN + 1);
  gsize len = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot open it: %s"), g_strerror (errno));
      return FALSE;
    }
  while (len < CHAIN_INPUT_MAX_LEN + 1)
    {
      ssize_t n = read (fd, data + len, CHAIN_INPUT_MAX_LEN + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read it: %s"), g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        break;
      len += (gsize) n;
    }
  close (fd);
  chain_sha256 (data, len, device->csr_sha256);
  device->csr_len = len;
  device->csr_bytes = g_bytes_new_take (g_realloc (g_steal_pointer (&data), MAX (len, 1)), len);
  return TRUE;
}

typedef struct {
  guint8  sha256[SHA256_DIGEST_LENGTH];
  guint64 bytes;
} CheckedCsrs;

/* What a chunk's CSR files were: the SHA-256 over their SHA-256s in input
 * order, and their size. */
static CheckedCsrs
chunk_csrs_digest (Chunk *chunk)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  CheckedCsrs checked = { { 0 }, 0 };
  gsize len = sizeof checked.sha256;

  for (guint i = 0; i < chunk->devices->len; i++)
    {
      ChainIssueDevice *device = g_ptr_array_index (chunk->devices, i);

      g_checksum_update (sum, device->csr_sha256, sizeof device->csr_sha256);
      checked.bytes += device->csr_len;
    }
  g_checksum_get_digest (sum, checked.sha256, &len);
  return checked;
}

/* Issues (or, checking, only parses) one device. */
static gboolean
process_device (Run                *run,
                Chunk              *chunk,
                ChainKeyGenerator **generator,
                ChainIssueDevice   *device,
                GError            **error)
{
  g_autoptr(ChainCsr) csr = NULL;
  g_autoptr(ChainKey) key = NULL;

  if (device->csr_path != NULL)
    {
      ChainKeyAlgorithm algorithm;
      gsize len = 0;
      const guint8 *data;

      if (device->csr_bytes == NULL && !read_csr_file (device->csr_path, device, error))
        return FALSE;
      if (run->reading)
        {
          /* Stop a directory that grew since it was checked before it
           * fills the memory (the chunk's files are held until parsed);
           * read_checked_csrs() says it changed. */
          if (g_atomic_pointer_add (&run->read_budget, -(gssize) device->csr_len) < (gssize) device->csr_len)
            g_atomic_int_set (&run->abort, 1);
          return TRUE;
        }
      data = g_bytes_get_data (device->csr_bytes, &len);
      /* Bytes the checking pass verified (the chunk's digest matched) are
       * not verified again. */
      csr = run->csrs_verified ? chain_csr_parse_verified (data, len, error) : chain_csr_parse (data, len, error);
      g_clear_pointer (&device->csr_bytes, g_bytes_unref);
      if (csr == NULL)
        return FALSE;
      if (device->id == NULL)
        {
          g_autoptr(ChainName) subject = chain_csr_dup_subject (csr);

          device->id = chain_name_dup_common_name (subject);
          if (device->id == NULL)
            {
              g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                                   _("the subject has no CN to take the device id from; name the file after the device instead"));
              return FALSE;
            }
        }
      if (!chain_device_id_validate_new (device->id, run->rules, error)
          || !chain_issue_output_check_id (device->id, error))
        return FALSE;
      algorithm = chain_csr_get_key_algorithm (csr);
      if (!chain_policy_allows_algorithm (run->policy, algorithm))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("its key is %s, which the ledger's policy does not allow; make the CSR with an allowed algorithm"),
                       chain_key_algorithm_to_string (algorithm));
          return FALSE;
        }
    }
  if (run->check_only)
    return TRUE;

  if (csr == NULL)
    {
      if (*generator == NULL)
        *generator = chain_key_generator_new (run->options->algorithm, error);
      key = *generator != NULL ? chain_key_generator_generate (*generator, error) : NULL;
      if (key == NULL)
        return FALSE;
    }
  if (!chain_issuer_issue_device_der (run->issuer, device->id, csr, key, &run->issue_options,
                                      &device->cert, error))
    return FALSE;
  return chain_issue_output_write_device (run->output, chunk->index, device, key, error);
}

static void
worker (gpointer data,
        gpointer user_data)
{
  Run *run = user_data;
  Chunk *chunk = run->working;
  /* This thread's own: made at its first key, freed before the thread
   * goes back to the pool (and before OPENSSL_thread_stop()). */
  ChainKeyGenerator *generator = NULL;

  (void) data;
  for (;;)
    {
      ChainIssueDevice *device;
      gint i;

      if (g_atomic_int_get (&run->abort) || g_cancellable_is_cancelled (run->cancellable))
        break;
      i = g_atomic_int_add (&run->next, 1);
      if (i >= (gint) chunk->devices->len)
        break;
      device = g_ptr_array_index (chunk->devices, i);
      if (!process_device (run, chunk, &generator, device, &device->error))
        {
          chain_issue_source_prefix_error (run->source, device, &device->error);
          /* Checking reports the first bad device in input order, so it
           * looks at all; issuing stops at once, the chunk is lost anyway. */
          if (!run->check_only)
            g_atomic_int_set (&run->abort, 1);
        }
      g_atomic_int_inc (&run->done);
    }
  chain_key_generator_free (generator);
  /* This thread goes back to GLib's shared pool, which keeps it idle or
   * retires it whenever it likes, perhaps while the process exits and
   * OPENSSL_cleanup() drops the handlers that would free the thread's
   * OpenSSL state (its DRBGs, its error queue): that state would leak.
   * Free it now, before the run can end; OpenSSL makes it again if the
   * thread signs again. */
  OPENSSL_thread_stop ();
  g_mutex_lock (&run->lock);
  run->workers_running--;
  g_cond_signal (&run->cond);
  g_mutex_unlock (&run->lock);
}

static gboolean
start_workers (Run     *run,
               Chunk   *chunk,
               GError **error)
{
  guint n = MIN (run->jobs, chunk->devices->len);

  run->working = chunk;
  g_atomic_int_set (&run->next, 0);
  g_atomic_int_set (&run->done, 0);
  g_atomic_int_set (&run->abort, 0);
  g_mutex_lock (&run->lock);
  run->workers_running = n;
  g_mutex_unlock (&run->lock);
  for (guint i = 0; i < n; i++)
    if (!g_thread_pool_push (run->pool, run, error))
      {
        /* Pushing to a pool without exclusive threads does not fail, but
         * if it did, stop the ones started and count the rest out. */
        g_atomic_int_set (&run->abort, 1);
        g_mutex_lock (&run->lock);
        run->workers_running -= n - i;
        g_mutex_unlock (&run->lock);
        return FALSE;
      }
  return TRUE;
}

static void
report_progress (Run *run)
{
  guint64 issued;
  guint64 recorded;

  if (run->options->progress == NULL || run->check_only || run->reading)
    return;
  g_mutex_lock (&run->lock);
  recorded = run->recorded;
  g_mutex_unlock (&run->lock);
  issued = run->issued_before + (run->working != NULL ? (guint64) g_atomic_int_get (&run->done) : 0);
  run->options->progress (issued, recorded, run->total, run->options->progress_data);
}

/* Waits for the pool and the recorder to finish, reporting progress. */
static void
wait_for_work (Run *run)
{
  /* At least once a chunk, however fast its devices went. */
  report_progress (run);
  g_mutex_lock (&run->lock);
  while (run->workers_running > 0 || run->recorder_running)
    {
      gint64 deadline = g_get_monotonic_time () + PROGRESS_INTERVAL_US;

      g_cond_wait_until (&run->cond, &run->lock, deadline);
      g_mutex_unlock (&run->lock);
      report_progress (run);
      g_mutex_lock (&run->lock);
    }
  g_mutex_unlock (&run->lock);
}

/* ---- Recording ------------------------------------------------------------- */

/* Appends @chunk's device-batch record; then moves its files into place. */
static gboolean
record_chunk (Run     *run,
              Chunk   *chunk,
              GError **error)
{
  /* Sized once: doubling a buffer of 10,000 certificates would briefly
   * hold one and a half times them. */
  GString *manifest = g_string_sized_new (chunk->devices->len * 200);
  GByteArray *pems = g_byte_array_sized_new (chunk->devices->len * 800);
  g_autoptr(GBytes) manifest_bytes = NULL;
  g_autoptr(GBytes) pem_bytes = NULL;
  g_autoptr(ChainStatement) statement = NULL;
  ChainJson *body = chain_json_new_object ();
  ChainIssueDevice *first = g_ptr_array_index (chunk->devices, 0);
  ChainIssueDevice *last = g_ptr_array_index (chunk->devices, chunk->devices->len - 1);
  SummaryRecord r = { 0 };
  guint64 seq = 0;

  g_string_append (manifest, CHAIN_MANIFEST_HEADER);
  for (guint i = 0; i < chunk->devices->len; i++)
    {
      ChainIssueDevice *d = g_ptr_array_index (chunk->devices, i);
      gsize len = 0;
      const guint8 *der = g_bytes_get_data (d->cert.der, &len);
      g_autoptr(GBytes) pem = chain_armor_encode ("CERTIFICATE", der, len);

      chain_manifest_append_row (manifest, d->id, d->cert.serial, d->cert.cert_sha256, d->cert.public_key_sha256);
      g_byte_array_append (pems, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
    }
  manifest_bytes = g_string_free_to_bytes (manifest);
  pem_bytes = g_byte_array_free_to_bytes (pems);
  chain_json_object_set_string (body, "issuer", run->thumbprint);
  chain_json_object_set_integer (body, "count", chunk->devices->len);

  /* The staged files reach the disk before the ledger names them. */
  if (!chain_issue_output_write_batch (run->output, chunk->index, pem_bytes,
                                       (ChainIssueDevice *const *) chunk->devices->pdata, chunk->devices->len, error)
      || !chain_issue_output_sync (run->output, error))
    {
      chain_json_unref (body);
      goto discard;
    }
  statement = chain_workspace_new_statement (run->workspace, CHAIN_RECORD_TYPE_DEVICE_BATCH, body, error);
  if (statement == NULL
      || !chain_statement_add_artifact (statement, "manifest.csv", manifest_bytes, error)
      || !chain_statement_add_artifact (statement, "certificates.pem", pem_bytes, error))
    goto discard;
  /* No cancellable: a chunk issued in full is recorded in full. */
  if (!chain_workspace_commit (run->workspace, statement, &seq, NULL, error))
    goto discard;

  r.seq = seq;
  r.count = chunk->devices->len;
  r.first = g_strdup (first->id);
  r.last = g_strdup (last->id);
  g_array_append_val (run->summary->records, r);
  run->summary->n_issued += chunk->devices->len;
  g_mutex_lock (&run->lock);
  run->recorded += chunk->devices->len;
  g_mutex_unlock (&run->lock);

  if (!chain_issue_output_publish_chunk (run->output, chunk->index, seq,
                                         (ChainIssueDevice *const *) chunk->devices->pdata,
                                         chunk->devices->len, error))
    {
      g_prefix_error (error, _("record %" PRIu64 " landed, but its files stay in %s/.staging~%06" PRIu64 ": "),
                      seq, run->options->output_dir, chunk->index);
      return FALSE;
    }
  return TRUE;

discard:
  chain_issue_output_discard_chunk (run->output, chunk->index);
  return FALSE;
}

static gpointer
recorder_thread (gpointer data)
{
  Run *run = data;
  Chunk *chunk = run->recording;

  record_chunk (run, chunk, &chunk->error);
  g_mutex_lock (&run->lock);
  run->recorder_running = FALSE;
  g_cond_signal (&run->cond);
  g_mutex_unlock (&run->lock);
  return NULL;
}

static GThread *
start_recorder (Run   *run,
                Chunk *chunk)
{
  run->recording = chunk;
  g_mutex_lock (&run->lock);
  run->recorder_running = TRUE;
  g_mutex_unlock (&run->lock);
  return g_thread_new ("chain-issue-record", recorder_thread, run);
}

/* ---- Reading and checking chunks ------------------------------------------------ */

/* An id the ledger gave a certificate still in force is refused before
 * anything is signed; the rules refuse it again when the batch is judged.
 * Only while no chunk is being recorded: recording changes the state. */
static gboolean
check_ledger_id (Run        *run,
                 const char *id,
                 GError    **error)
{
  ChainSerialKey key;

  chain_ledger_device_id_key (id, &key);
  return chain_ledger_state_check_device_id (chain_workspace_get_state (run->workspace), id, &key, error);
}

/* Checks one device's id: the policy's rules, a usable directory name,
 * new to this run and to the ledger. */
static gboolean
check_id (Run              *run,
          ChainIssueDevice *device,
          GError          **error)
{
  if (!chain_device_id_validate_new (device->id, run->rules, error)
      || !chain_issue_output_check_id (device->id, error))
    return FALSE;
  if (!id_set_add (&run->ids, device->id))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("device id '%s' is listed twice; list each device once"), device->id);
      return FALSE;
    }
  return check_ledger_id (run, device->id, error);
}

/* Reads up to batch_size devices. Ids known now (all but CSRs named by
 * their CN) are checked here. A count's ids are distinct by construction
 * and need no set. */
static gboolean
read_chunk (Run     *run,
            Chunk   *chunk,
            GError **error)
{
  while (chunk->devices->len < run->batch_size)
    {
      ChainIssueDevice *device = g_new0 (ChainIssueDevice, 1);
      g_autoptr(GError) local_error = NULL;

      if (!chain_issue_source_next (run->source, device, run->cancellable, &local_error))
        {
          device_free (device);
          if (local_error == NULL)
            return TRUE;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_ptr_array_add (chunk->devices, device);
      if (device->id == NULL)
        continue;
      if (run->source->kind == CHAIN_ISSUE_SOURCE_COUNT)
        {
          /* All ids of a count have the same form: the first and last
           * were checked up front. */
          continue;
        }
      if (!check_id (run, device, error))
        {
          chain_issue_source_prefix_error (run->source, device, error);
          return FALSE;
        }
    }
  return TRUE;
}

/* After the pool: the first failed device in input order, and the ids
 * only the CSRs gave. */
static gboolean
check_chunk_results (Run     *run,
                     Chunk   *chunk,
                     GError **error)
{
  for (guint i = 0; i < chunk->devices->len; i++)
    {
      ChainIssueDevice *device = g_ptr_array_index (chunk->devices, i);

      if (device->error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&device->error));
          return FALSE;
        }
    }
  /* Cancelled: a chunk the workers finished is still good to record. */
  for (guint i = 0; i < chunk->devices->len; i++)
    {
      ChainIssueDevice *device = g_ptr_array_index (chunk->devices, i);

      if (run->check_only ? g_cancellable_is_cancelled (run->cancellable) : device->cert.der == NULL)
        {
          if (!g_cancellable_set_error_if_cancelled (run->cancellable, error))
            g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("device %u of the batch was not issued"), i + 1);
          return FALSE;
        }
    }
  if (run->source->kind == CHAIN_ISSUE_SOURCE_CSR_DIR)
    for (guint i = 0; i < chunk->devices->len; i++)
      {
        ChainIssueDevice *device = g_ptr_array_index (chunk->devices, i);

        /* File-name ids went through check_id() when read. */
        if (run->source->id_from == CHAIN_ISSUE_CSR_ID_CN && !check_id (run, device, error))
          {
            chain_issue_source_prefix_error (run->source, device, error);
            return FALSE;
          }
      }
  return TRUE;
}

/* The checking pass over a source that can be read twice: issues nothing. */
static gboolean
check_whole_source (Run     *run,
                    GError **error)
{
  guint64 index = 0;
  CheckedCsrs checked;

  run->check_only = TRUE;
  if (run->source->kind == CHAIN_ISSUE_SOURCE_CSR_DIR)
    run->checked_csrs = g_array_new (FALSE, FALSE, sizeof (CheckedCsrs));
  run->total = 0;
  for (;;)
    {
      g_autoptr(Chunk) chunk = chunk_new (++index);

      if (!read_chunk (run, chunk, error))
        return FALSE;
      if (chunk->devices->len == 0)
        break;
      if (run->source->kind == CHAIN_ISSUE_SOURCE_CSR_DIR)
        {
          if (!start_workers (run, chunk, error))
            return FALSE;
          wait_for_work (run);
          run->working = NULL;
          if (!check_chunk_results (run, chunk, error))
            return FALSE;
          checked = chunk_csrs_digest (chunk);
          g_array_append_val (run->checked_csrs, checked);
        }
      else if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
      run->total += chunk->devices->len;
    }
  if (run->total == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s holds no devices; give at least one device id or CSR"), run->source->name);
      return FALSE;
    }
  id_set_clear (&run->ids);
  run->check_only = FALSE;
  return chain_issue_source_rewind (run->source, error);
}

/* ---- Before anything is issued ---------------------------------------------------- */

static char *
format_day (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("?");
}

/* Device validity: from now for validity_days, or as long as the policy
 * and the CA chain allow; refused beyond either. */
static gboolean
resolve_validity (Run     *run,
                  GError **error)
{
  GPtrArray *chain = chain_issuer_get_chain (run->issuer);
  gint64 now = (gint64) time (NULL);
  gint64 max_days = chain_policy_get_device_max_validity_days (run->policy);
  gint64 days = run->options->validity_days;
  gint64 chain_end = G_MAXINT64;
  const char *chain_end_owner = NULL;
  gint64 not_after;

  for (guint i = 0; i < chain->len; i++)
    {
      ChainCert *ca = g_ptr_array_index (chain, i);

      if (chain_cert_get_not_after (ca) < chain_end)
        {
          chain_end = chain_cert_get_not_after (ca);
          chain_end_owner = i == 0 ? _("the issuing CA") : _("a CA above the issuing CA");
        }
    }
  if (days < 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a validity of %" PRId64 " days makes no sense; give 1 or more"), days);
      return FALSE;
    }
  if (days > max_days)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("devices may be valid for at most %" PRId64 " days under the ledger's policy; ask for at most that"),
                   max_days);
      return FALSE;
    }
  not_after = now + (days != 0 ? days : max_days) * DAY_SECONDS;
  if (not_after > chain_end)
    {
      g_autofree char *end = format_day (chain_end);

      if (days != 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       /* Translators: the second %s is 'the issuing CA' or 'a CA above the issuing
                        * CA', the third a date. */
                       _("devices valid for %" PRId64 " days would outlive %s, which expires on %s; ask for at most %" PRId64 " days"),
                       days, chain_end_owner, end, MAX ((chain_end - now) / DAY_SECONDS, 0));
          return FALSE;
        }
      not_after = chain_end;
    }
  if (not_after <= now)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("%s has expired; it can issue no devices"), chain_end_owner);
      return FALSE;
    }
  run->issue_options.not_before = now;
  run->issue_options.not_after = not_after;
  return TRUE;
}

/* What chain.pem carries after the leaf: the issuer chain up to the
 * uploaded CA, which is in only with include_root. */
static gboolean
resolve_chain (Run     *run,
               GError **error)
{
  GPtrArray *chain = chain_issuer_get_chain (run->issuer);
  guint upload = chain->len - 1;

  if (run->options->upload_ca != NULL)
    {
      for (upload = 0; upload < chain->len; upload++)
        if (chain_cert_equal (g_ptr_array_index (chain, upload), run->options->upload_ca))
          break;
      if (upload == chain->len)
        {
          g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                               _("the uploaded CA is not the issuing CA or one above it; name a CA of this workspace's chain"));
          return FALSE;
        }
    }
  run->chain = g_ptr_array_new ();
  for (guint i = 0; i < upload + (run->options->include_root ? 1 : 0); i++)
    g_ptr_array_add (run->chain, g_ptr_array_index (chain, i));
  return TRUE;
}

static gboolean
check_setup (Run     *run,
             GError **error)
{
  const ChainIssueDevicesOptions *o = run->options;
  const ChainLedgerState *state = chain_workspace_get_state (run->workspace);
  const char *tier = chain_workspace_get_tier (run->workspace);
  guint threshold;
  gsize pass_len = 0;

  if (o->version != CHAIN_ISSUE_DEVICES_OPTIONS_VERSION)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("issue options version %u is not supported; initialise them with CHAIN_ISSUE_DEVICES_OPTIONS_INIT"),
                   o->version);
      return FALSE;
    }
  if (o->output_dir == NULL || o->output_dir[0] == '\0')
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("no output directory; give one for the devices' files"));
      return FALSE;
    }
  if (o->batch_size > CHAIN_ISSUE_MAX_BATCH_SIZE)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a batch of %u devices is too big; give at most %d"), o->batch_size, CHAIN_ISSUE_MAX_BATCH_SIZE);
      return FALSE;
    }
  run->batch_size = o->batch_size != 0 ? o->batch_size : CHAIN_ISSUE_DEFAULT_BATCH_SIZE;
  run->jobs = o->jobs != 0 ? o->jobs : g_get_num_processors ();
  run->jobs = MIN (run->jobs, 256);

  if (state == NULL)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_NOT_JOINED,
                           _("this workspace has not joined a ledger yet"));
      return FALSE;
    }
  run->policy = chain_ledger_state_get_policy (state);
  run->rules = chain_policy_get_device_id_rules (run->policy);
  if (tier == NULL || chain_policy_find_tier (run->policy, tier) < 0
      || !chain_policy_get_issues_devices (run->policy, tier))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("the ledger's policy does not let tier '%s' issue device certificates; issue from a workspace of a tier that does"),
                   tier != NULL ? tier : "?");
      return FALSE;
    }
  threshold = chain_policy_get_threshold (run->policy, CHAIN_RECORD_TYPE_DEVICE_BATCH);
  if (threshold > 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("the ledger's policy wants %u officers to sign each device batch, and bulk issuance signs with one; lower the threshold with a policy record"),
                   threshold);
      return FALSE;
    }
  run->issuer = chain_workspace_get_issuer (run->workspace, error);
  if (run->issuer == NULL)
    return FALSE;

  run->keys = !chain_issue_source_has_csrs (run->source);
  if (o->layout != CHAIN_ISSUE_LAYOUT_PER_DEVICE && o->layout != CHAIN_ISSUE_LAYOUT_PER_BATCH)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("output layout %d is not known; use per-device or per-batch"), (int) o->layout);
      return FALSE;
    }
  if (o->pkcs12 && o->layout == CHAIN_ISSUE_LAYOUT_PER_BATCH)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("device.p12 is one file per device; drop the PKCS#12 option or use the per-device layout"));
      return FALSE;
    }
  if (o->pkcs12 && !run->keys)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("device.p12 needs a key made here; with CSRs the keys stay on the devices, so drop the PKCS#12 option"));
      return FALSE;
    }
  if (run->keys)
    {
      if (o->algorithm == CHAIN_KEY_ALGORITHM_INVALID
          || g_strcmp0 (chain_key_algorithm_to_string (o->algorithm), "invalid") == 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("no key algorithm for the devices; use one of %s"), CHAIN_KEY_ALGORITHM_NAMES);
          return FALSE;
        }
      if (!chain_policy_allows_algorithm (run->policy, o->algorithm))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("the ledger's policy does not allow %s keys; choose an algorithm it lists"),
                       chain_key_algorithm_to_string (o->algorithm));
          return FALSE;
        }
      if (o->key_passphrase != NULL)
        chain_secret_get_data (o->key_passphrase, &pass_len);
      if (pass_len < 8)
        {
          g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                               _("keys made here are encrypted and need a passphrase of at least 8 characters; give one"));
          return FALSE;
        }
    }

  run->issue_options.device_id_rules = run->rules;
  if (!resolve_validity (run, error) || !resolve_chain (run, error))
    return FALSE;
  if (run->source->kind == CHAIN_ISSUE_SOURCE_COUNT)
    {
      /* Every id of a count has the form of the first and the last. */
      ChainIssueSource *s = run->source;
      g_autofree char *first = g_strdup_printf ("%s%0*" G_GUINT64_FORMAT, s->prefix, s->width, s->first);
      g_autofree char *last = g_strdup_printf ("%s%0*" G_GUINT64_FORMAT, s->prefix, s->width,
                                               s->first + s->count - 1);

      if (!chain_device_id_validate_new (first, run->rules, error)
          || !chain_device_id_validate_new (last, run->rules, error))
        {
          g_prefix_error (error, _("with prefix '%s': "), s->prefix);
          return FALSE;
        }
      /* And each id against the ledger: a hash and a lookup. */
      for (guint64 i = 0; i < s->count && chain_ledger_state_get_n_device_ids (state) > 0; i++)
        {
          g_autofree char *id = g_strdup_printf ("%s%0*" G_GUINT64_FORMAT, s->prefix, s->width, s->first + i);

          if (!check_ledger_id (run, id, error)
              || ((i & 0xffff) == 0xffff && g_cancellable_set_error_if_cancelled (run->cancellable, error)))
            return FALSE;
        }
    }
  return chain_issue_output_check_dir (o->output_dir, error);
}

static gboolean
open_output (Run     *run,
             GError **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (run->workspace);

  run->output = chain_issue_output_new (run->options->output_dir, run->options->layout, run->chain, run->keys,
                                        run->options->pkcs12, run->options->key_passphrase,
                                        run->thumbprint, chain_ledger_state_get_ledger_id (state),
                                        error);
  if (run->output == NULL)
    return FALSE;
  g_free (run->summary->manifest_csv);
  g_free (run->summary->manifest_json);
  run->summary->manifest_csv = g_strdup (chain_issue_output_get_manifest_csv (run->output));
  run->summary->manifest_json = g_strdup (chain_issue_output_get_manifest_json (run->output));
  return TRUE;
}

/* A chunk's devices were allocated by the pool's threads, each in its own
 * malloc arena, and freed here: hand what they leave free back to the
 * system, or the process keeps a chunk's worth per arena. */
static void
release_freed_memory (void)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}

/* The issuing pass: see the file comment. */
/* Refuses @n more devices when the quotas bounding this custodian (its
 * own and every one above it) leave fewer: before anything is signed. */
static gboolean
take_quota (Run      *run,
            guint64   n,
            GError  **error)
{
  const ChainCustodian *self = chain_workspace_get_custodian (run->workspace);
  guint64 left = 0;

  if (self == NULL || !chain_custodian_get_devices_left (self, &left))
    return TRUE;
  if (run->quota_taken + n > left)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("the device quota leaves '%s' %" G_GUINT64_FORMAT " more device(s) and this run asks for %"
                     G_GUINT64_FORMAT "; issue fewer, or ask the parent to raise the quota"),
                   chain_custodian_get_id (self), left - MIN (left, run->quota_taken), run->quota_taken + n);
      return FALSE;
    }
  run->quota_taken += n;
  return TRUE;
}

/* For a CSR directory checked whole: reads @chunk's files (the pool) and
 * compares them with what the checking pass verified, so that issuing
 * parses them without verifying each self-signature a second time. */
static gboolean
read_checked_csrs (Run     *run,
                   Chunk   *chunk,
                   GError **error)
{
  const CheckedCsrs *expected;
  CheckedCsrs found;

  run->csrs_verified = FALSE;
  if (run->checked_csrs == NULL)
    return TRUE;
  if (chunk->index > run->checked_csrs->len)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s changed after its CSRs were checked; issue from a directory nothing writes to"),
                   run->source->name);
      return FALSE;
    }
  expected = &g_array_index (run->checked_csrs, CheckedCsrs, chunk->index - 1);
  run->reading = TRUE;
  run->read_budget = (gssize) expected->bytes;
  if (!start_workers (run, chunk, error))
    {
      wait_for_work (run);
      run->working = NULL;
      run->reading = FALSE;
      return FALSE;
    }
  wait_for_work (run);
  run->working = NULL;
  run->reading = FALSE;
  if (g_atomic_pointer_get (&run->read_budget) < 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s changed after its CSRs were checked; issue from a directory nothing writes to"),
                   run->source->name);
      return FALSE;
    }
  for (guint i = 0; i < chunk->devices->len; i++)
    {
      ChainIssueDevice *device = g_ptr_array_index (chunk->devices, i);

      if (device->error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&device->error));
          return FALSE;
        }
    }
  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;
  found = chunk_csrs_digest (chunk);
  if (found.bytes != expected->bytes || memcmp (found.sha256, expected->sha256, sizeof found.sha256) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s changed after its CSRs were checked; issue from a directory nothing writes to"),
                   run->source->name);
      return FALSE;
    }
  run->csrs_verified = TRUE;
  return TRUE;
}

static gboolean
issue_all (Run     *run,
           GError **error)
{
  g_autoptr(Chunk) pending = NULL;     /* issued, not yet recorded */
  g_autoptr(GError) failure = NULL;
  guint64 index = 0;

  for (;;)
    {
      g_autoptr(Chunk) chunk = chunk_new (++index);
      GThread *recorder = NULL;

      if (g_cancellable_set_error_if_cancelled (run->cancellable, &failure)
          || !read_chunk (run, chunk, &failure) || chunk->devices->len == 0)
        break;
      if (!run->quota_checked_whole && !take_quota (run, chunk->devices->len, &failure))
        break;
      if (run->output == NULL && !open_output (run, &failure))
        break;
      if (!read_checked_csrs (run, chunk, &failure))
        break;
      if (!chain_issue_output_begin_chunk (run->output, chunk->index, &failure))
        break;
      if (!start_workers (run, chunk, &failure))
        {
          wait_for_work (run);
          chain_issue_output_discard_chunk (run->output, chunk->index);
          break;
        }
      if (pending != NULL)
        recorder = start_recorder (run, pending);
      wait_for_work (run);
      /* Signed devices stay counted even if the chunk is discarded: the
       * progress never goes back. */
      run->issued_before += (guint64) g_atomic_int_get (&run->done);
      run->working = NULL;
      if (recorder != NULL)
        {
          g_thread_join (recorder);
          run->recording = NULL;
          if (pending->error != NULL)
            {
              failure = g_steal_pointer (&pending->error);
              chain_issue_output_discard_chunk (run->output, chunk->index);
              g_clear_pointer (&pending, chunk_free);
              break;
            }
          g_clear_pointer (&pending, chunk_free);
          release_freed_memory ();
        }
      if (!check_chunk_results (run, chunk, &failure))
        {
          chain_issue_output_discard_chunk (run->output, chunk->index);
          break;
        }
      pending = g_steal_pointer (&chunk);
    }

  /* Whatever stopped the loop, a chunk issued in full is recorded. */
  if (pending != NULL)
    {
      GThread *recorder = start_recorder (run, pending);

      wait_for_work (run);
      g_thread_join (recorder);
      run->recording = NULL;
      if (pending->error != NULL && failure == NULL)
        failure = g_steal_pointer (&pending->error);
    }
  if (failure != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&failure));
      return FALSE;
    }
  if (index == 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s holds no devices; give at least one device id or CSR"), run->source->name);
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_issue_devices (ChainWorkspace                 *workspace,
                     ChainIssueSource               *source,
                     const ChainIssueDevicesOptions *options,
                     ChainIssueSummary              *summary,
                     GCancellable                   *cancellable,
                     GError                        **error)
{
  g_autoptr(ChainIssueSummary) own_summary = NULL;
  g_autoptr(GError) local_error = NULL;
  Run run = { 0 };
  gboolean ok = FALSE;

  g_return_val_if_fail (workspace != NULL, FALSE);
  g_return_val_if_fail (source != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (summary == NULL)
    summary = own_summary = chain_issue_summary_new ();
  run.workspace = workspace;
  run.source = source;
  run.options = options;
  run.summary = summary;
  run.cancellable = cancellable;
  run.issue_options = (ChainIssueOptions) CHAIN_ISSUE_OPTIONS_INIT;
  g_mutex_init (&run.lock);
  g_cond_init (&run.cond);

  if (!check_setup (&run, &local_error))
    goto out;
  run.thumbprint = chain_cert_dup_thumbprint_hex (chain_issuer_get_cert (run.issuer), CHAIN_DIGEST_SHA256);
  g_free (summary->issuer);
  summary->issuer = g_strdup (run.thumbprint);
  run.pool = g_thread_pool_new (worker, &run, (gint) run.jobs, FALSE, &local_error);
  if (run.pool == NULL)
    goto out;
  if (source->rewindable && source->kind != CHAIN_ISSUE_SOURCE_COUNT && !check_whole_source (&run, &local_error))
    goto out;
  if (source->kind == CHAIN_ISSUE_SOURCE_COUNT)
    run.total = source->count;
  if (source->rewindable || source->kind == CHAIN_ISSUE_SOURCE_COUNT)
    {
      if (!take_quota (&run, run.total, &local_error))
        goto out;
      run.quota_checked_whole = TRUE;
    }
  /* Before the first signature: a kill from here on leaves a journal the
   * next command finds (chain_issue_recover()). */
  run.journal = chain_issue_journal_begin (workspace, options->output_dir, &local_error);
  if (run.journal == NULL)
    goto out;
  ok = issue_all (&run, &local_error);
  summary->complete = ok;

out:
  if (run.pool != NULL)
    g_thread_pool_free (run.pool, FALSE, TRUE);
  if (run.output != NULL)
    {
      g_autoptr(GError) finish_error = NULL;

      if (!chain_issue_output_finish (run.output, summary, ok, &finish_error) && local_error == NULL)
        {
          local_error = g_steal_pointer (&finish_error);
          ok = FALSE;
          summary->complete = FALSE;
        }
      if (summary->n_issued == 0)
        {
          g_clear_pointer (&summary->manifest_csv, g_free);
          g_clear_pointer (&summary->manifest_json, g_free);
        }
    }
  report_progress (&run);
  chain_issue_journal_end (run.journal, run.output == NULL || !chain_issue_output_has_staging (run.output));
  chain_issue_output_free (run.output);
  id_set_clear (&run.ids);
  g_clear_pointer (&run.checked_csrs, g_array_unref);
  g_clear_pointer (&run.chain, g_ptr_array_unref);
  g_free (run.thumbprint);
  g_mutex_clear (&run.lock);
  g_cond_clear (&run.cond);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

/* ---- Async ------------------------------------------------------------------- */

/* Progress from the worker thread, relayed to the caller's main context;
 * only the latest figures are delivered. */
typedef struct {
  ChainIssueProgressFunc func;
  gpointer               data;
} Progress;

static void
deliver_progress (const guint64 *values,
                  guint          n_values,
                  gpointer       data)
{
  Progress *progress = data;

  g_assert (n_values == 3);
  progress->func (values[0], values[1], values[2], progress->data);
}

static void
relay_progress (guint64  issued,
                guint64  recorded,
                guint64  total,
                gpointer data)
{
  const guint64 values[] = { issued, recorded, total };

  chain_progress_relay_post (data, values, G_N_ELEMENTS (values));
}

typedef struct {
  ChainWorkspace           *workspace;
  ChainIssueSource         *source;
  ChainIssueDevicesOptions  options;
  ChainIssueSummary        *summary;
  ChainProgressRelay       *relay;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->relay, chain_progress_relay_unref);
  g_free (job);
}

static void
issue_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  (void) source_object;
  if (chain_issue_devices (job->workspace, job->source, &job->options, job->summary, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
chain_issue_devices_async (ChainWorkspace                 *workspace,
                           ChainIssueSource               *source,
                           const ChainIssueDevicesOptions *options,
                           ChainIssueSummary              *summary,
                           GCancellable                   *cancellable,
                           GAsyncReadyCallback             callback,
                           gpointer                        user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  g_return_if_fail (workspace != NULL);
  g_return_if_fail (source != NULL);
  g_return_if_fail (options != NULL);

  g_task_set_source_tag (task, chain_issue_devices_async);
  chain_task_set_source (task, workspace);
  g_task_set_name (task, "[libchain] issue devices");
  /* The task's own error on cancel would race the run's: the run decides. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_check_cancellable (task, FALSE);
  job->workspace = workspace;
  job->source = source;
  job->options = *options;
  job->summary = summary;
  if (options->progress != NULL)
    {
      Progress *progress = g_new (Progress, 1);

      progress->func = options->progress;
      progress->data = options->progress_data;
      job->relay = chain_progress_relay_new (g_main_context_get_thread_default (),
                                             "[libchain] issue progress",
                                             deliver_progress, progress, g_free);
      job->options.progress = relay_progress;
      job->options.progress_data = job->relay;
    }
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, issue_thread);
}

gboolean
chain_issue_devices_finish (ChainWorkspace  *workspace,
                            GAsyncResult    *result,
                            GError         **error)
{
  g_return_val_if_fail (chain_task_is_valid_for (result, workspace, chain_issue_devices_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
