/* chain-issue-recover.c — a run's journal, and finishing a run that died
 *
 * Before `chain issue` signs its first certificate it writes, and syncs,
 * a journal file WORKSPACE/runs/issue-PID-RANDOM naming its output
 * directory, and holds an exclusive flock() on it while it runs. The
 * kernel drops the lock when the process dies, however it dies, so a
 * journal nobody holds is a run that died. The journal goes when the run
 * leaves no staging directory behind.
 *
 * A dead run's certificates are all under OUTPUT/.staging~N/ID/cert.pem:
 * a certificate is written there before anything else may see it, and a
 * certificate that never reached the disk was seen by nobody. Finishing a
 * dead run (chain_issue_recover() with finish) sorts each of them:
 *
 *   recorded      the ledger knows its serial (the kill fell between the
 *                 append and the move): published, its manifest line
 *                 added;
 *   unrecorded    signed by this workspace's CA, its id free: recorded in
 *                 one device-batch record, then published;
 *   void          unreadable (cut short by the kill), or not signed by
 *                 this CA, or its id has a certificate in force: deleted.
 *
 * A chunk staged in the per-batch layout is two files, .staging~N/certs.pem
 * and keys.pem (keys made here only), written in that order: its
 * certificates are sorted the same way, a certificate whose key was cut
 * short counting as void, and publishing writes batch-N.pem and
 * batch-N.key.pem anew from what is kept.
 *
 * Without finish (a command that did not unlock the workspace), the same
 * survey is only reported, so that the operator hears of it at once.
 */
#define _GNU_SOURCE

#include "chain-issue-private.h"
#include "chain-armor-private.h"
#include "chain-manifest-private.h"
#include "chain-workspace-private.h"
#include "chain-ledger-state-private.h"
#include "chain-openssl-private.h"
#include "chain-i18n-private.h"
#include "chain-run-survey-cache-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#define RUNS_DIR "runs"
#define JOURNAL_PREFIX "issue-"
#define JOURNAL_MAX_LEN 8192
#define STAGING_PREFIX ".staging~"
#define MANIFEST_CSV "manifest.csv"
#define CERT_MAX_LEN (64 * 1024)

struct _ChainIssueJournal {
  char *path;
  int   fd;
};

/* ---- The journal ------------------------------------------------------------ */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static gboolean
sync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok = fd >= 0 && fsync (fd) == 0;

  if (fd >= 0)
    close (fd);
  return ok;
}

ChainIssueJournal *
chain_issue_journal_begin (ChainWorkspace *workspace,
                           const char     *output_dir,
                           GError        **error)
{
  g_autofree char *runs = chain_workspace_build_path (workspace, RUNS_DIR);
  g_autofree char *name = g_strdup_printf (JOURNAL_PREFIX "%ld-%08x", (long) getpid (), g_random_int ());
  g_autofree char *output = g_canonicalize_filename (output_dir, NULL);
  g_autoptr(ChainJson) doc = chain_json_new_object ();
  g_autoptr(GBytes) bytes = NULL;
  ChainIssueJournal *journal;
  const guint8 *data;
  gsize len = 0;
  int fd;

  if (mkdir (runs, 0700) != 0 && errno != EEXIST)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot create %s: %s; check the disk and permissions"),
                   runs, g_strerror (errno));
      return NULL;
    }
  chain_json_object_set_integer (doc, "version", 1);
  chain_json_object_set_string (doc, "output", output);
  bytes = chain_json_to_canonical (doc);
  data = g_bytes_get_data (bytes, &len);

  journal = g_new0 (ChainIssueJournal, 1);
  journal->path = g_build_filename (runs, name, NULL);
  fd = open (journal->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) != 0
      || write (fd, data, len) != (ssize_t) len || fsync (fd) != 0 || !sync_dir (runs))
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write %s: %s; check the disk and permissions"),
                   journal->path, g_strerror (saved));
      if (fd >= 0)
        {
          unlink (journal->path);
          close (fd);
        }
      g_free (journal->path);
      g_free (journal);
      return NULL;
    }
  journal->fd = fd;
  return journal;
}

void
chain_issue_journal_end (ChainIssueJournal *journal,
                         gboolean           done)
{
  if (journal == NULL)
    return;
  /* Removed while still locked, so no one finishes a run that ended. */
  if (done)
    unlink (journal->path);
  close (journal->fd);
  g_free (journal->path);
  g_free (journal);
}

/* ---- Surveying a dead run's output --------------------------------------------- */

typedef struct {
  char             *staging;    /* the .staging~N name */
  guint64           batch;      /* per-batch layout: N; 0 for a device directory */
  GBytes           *key_pem;    /* per-batch layout: its key from keys.pem */
  char             *id;
  ChainCert        *cert;       /* NULL: void */
  char             *serial;
  ChainIssuedDevice issued;     /* serial and digests, for the manifests */
  gboolean          recorded;
  guint64           seq;
} Found;

static void
found_free (gpointer data)
{
  Found *f = data;

  g_free (f->staging);
  g_clear_pointer (&f->key_pem, g_bytes_unref);
  g_free (f->id);
  g_clear_pointer (&f->cert, chain_cert_free);
  g_free (f->serial);
  chain_issued_device_clear (&f->issued);
  g_free (f);
}

/* Reads DIR_FD/NAME whole, at most @max bytes; NULL when missing or longer. */
static GBytes *
read_small_file_at (int         dir_fd,
                    const char *name,
                    gsize       max)
{
  g_autofree guint8 *data = g_malloc (max + 1);
  gsize len = 0;
  int fd = openat (dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  struct stat st;

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return NULL;
    }
  while (len <= max)
    {
      ssize_t n = read (fd, data + len, max + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += (gsize) n;
    }
  close (fd);
  if (len > max)
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static gboolean
signed_by (ChainCert *cert,
           ChainCert *issuer)
{
  EVP_PKEY *key = X509_get0_pubkey (chain_cert_get_x509 (issuer));
  gboolean ok = key != NULL && X509_verify (chain_cert_get_x509 (cert), key) == 1;

  chain_openssl_clear_errors ();
  return ok;
}

static void check_found (Found                  *f,
                         const ChainLedgerState *state,
                         ChainCert              *ca);

/* One device directory of a staging directory. */
static Found *
survey_device (int               staging_fd,
               const char       *staging,
               const char       *id,
               const ChainLedgerState *state,
               ChainCert        *ca)
{
  Found *f = g_new0 (Found, 1);
  g_autofree char *cert_path = g_strconcat (id, "/cert.pem", NULL);
  g_autoptr(GBytes) pem = read_small_file_at (staging_fd, cert_path, CERT_MAX_LEN);

  f->staging = g_strdup (staging);
  f->id = g_strdup (id);
  if (pem == NULL)
    return f;
  f->cert = chain_cert_parse (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem), NULL);
  check_found (f, state, ca);
  return f;
}

/* Keeps @f->cert only when @ca signed it for @f->id; looks its serial up. */
static void
check_found (Found                  *f,
             const ChainLedgerState *state,
             ChainCert              *ca)
{
  g_autoptr(ChainName) subject = NULL;
  g_autofree char *cn = NULL;

  if (f->cert == NULL)
    return;
  subject = chain_cert_dup_subject (f->cert);
  cn = chain_name_dup_common_name (subject);
  if (ca == NULL || !signed_by (f->cert, ca) || g_strcmp0 (cn, f->id) != 0)
    {
      g_clear_pointer (&f->cert, chain_cert_free);
      return;
    }
  f->serial = chain_cert_dup_serial (f->cert);
  f->recorded = state != NULL && chain_ledger_state_lookup_serial (state, f->serial, NULL, NULL);
}

/* Opens @name under @dir_fd as a PEM stream; NULL when missing. */
static BIO *
open_pem_at (int         dir_fd,
             const char *name)
{
  int fd = openat (dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  struct stat st;
  BIO *bio;

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || (bio = BIO_new_fd (fd, BIO_CLOSE)) == NULL)
    {
      close (fd);
      return NULL;
    }
  return bio;
}

/* Reads the next PEM block of @bio labelled @label, as DER; NULL at the end
 * or at a block cut short. */
static GBytes *
read_pem_block (BIO        *bio,
                const char *label)
{
  char *name = NULL;
  char *header = NULL;
  unsigned char *data = NULL;
  long len = 0;
  GBytes *der = NULL;

  if (PEM_read_bio (bio, &name, &header, &data, &len) == 1 && strcmp (name, label) == 0 && len > 0
      && len <= CERT_MAX_LEN)
    der = g_bytes_new (data, (gsize) len);
  OPENSSL_free (name);
  OPENSSL_free (header);
  if (data != NULL)
    OPENSSL_clear_free (data, (size_t) MAX (len, 0));
  chain_openssl_clear_errors ();
  return der;
}

/* A chunk staged in the per-batch layout: one Found per certificate of
 * certs.pem, named by its CN; each takes its key from keys.pem when the
 * chunk has one, and a certificate left without one is void. */
static void
survey_batch (int                     staging_fd,
              const char             *staging,
              const ChainLedgerState *state,
              ChainCert              *ca,
              GPtrArray              *found)
{
  BIO *certs = open_pem_at (staging_fd, CHAIN_ISSUE_STAGED_CERTS);
  BIO *keys = open_pem_at (staging_fd, CHAIN_ISSUE_STAGED_KEYS);
  guint64 batch = g_ascii_strtoull (staging + strlen (STAGING_PREFIX), NULL, 10);
  GBytes *der;

  while (certs != NULL && (der = read_pem_block (certs, PEM_STRING_X509)) != NULL)
    {
      Found *f = g_new0 (Found, 1);
      g_autoptr(GBytes) key_der = keys != NULL ? read_pem_block (keys, PEM_STRING_PKCS8) : NULL;

      f->staging = g_strdup (staging);
      f->batch = MAX (batch, 1);
      f->cert = chain_cert_parse (g_bytes_get_data (der, NULL), g_bytes_get_size (der), NULL);
      g_bytes_unref (der);
      if (f->cert != NULL)
        {
          g_autoptr(ChainName) subject = chain_cert_dup_subject (f->cert);

          f->id = chain_name_dup_common_name (subject);
        }
      if (f->id == NULL)
        {
          f->id = g_strdup ("?");
          g_clear_pointer (&f->cert, chain_cert_free);
        }
      check_found (f, state, ca);
      if (key_der != NULL)
        f->key_pem = chain_armor_encode (PEM_STRING_PKCS8, g_bytes_get_data (key_der, NULL),
                                         g_bytes_get_size (key_der));
      else if (keys != NULL && f->cert != NULL && !f->recorded)
        g_clear_pointer (&f->cert, chain_cert_free);
      g_ptr_array_add (found, f);
    }
  BIO_free (certs);
  BIO_free (keys);
}

/* Every device under @out_fd's staging directories, in name order. */
static GPtrArray *
survey_output (int                     out_fd,
               const ChainLedgerState *state,
               ChainCert              *ca)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (found_free);
  g_autoptr(GPtrArray) stagings = g_ptr_array_new_with_free_func (g_free);
  int dup_fd = dup (out_fd);
  DIR *dir = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *e;

  if (dir == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return found;
    }
  while ((e = readdir (dir)) != NULL)
    if (g_str_has_prefix (e->d_name, STAGING_PREFIX))
      g_ptr_array_add (stagings, g_strdup (e->d_name));
  closedir (dir);
  g_ptr_array_sort (stagings, compare_names);

  for (guint i = 0; i < stagings->len; i++)
    {
      const char *staging = stagings->pdata[i];
      int staging_fd = openat (out_fd, staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      struct stat st;
      DIR *sdir;

      if (staging_fd < 0)
        continue;
      if (fstatat (staging_fd, CHAIN_ISSUE_STAGED_CERTS, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode))
        {
          survey_batch (staging_fd, staging, state, ca, found);
          close (staging_fd);
          continue;
        }
      sdir = fdopendir (dup (staging_fd));
      while (sdir != NULL && (e = readdir (sdir)) != NULL)
        if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
          g_ptr_array_add (ids, g_strdup (e->d_name));
      if (sdir != NULL)
        closedir (sdir);
      g_ptr_array_sort (ids, compare_names);
      for (guint j = 0; j < ids->len; j++)
        g_ptr_array_add (found, survey_device (staging_fd, staging, ids->pdata[j], state, ca));
      close (staging_fd);
      /* Killed after its last device moved out, or before the first came
       * in: nothing to finish, and no device names it to remove later. */
      if (ids->len == 0)
        unlinkat (out_fd, staging, AT_REMOVEDIR);
    }
  return found;
}

/* ---- Finishing --------------------------------------------------------------- */

/* The record that holds each recorded device: the newest device batches
 * first, since a dead run's records are near the tip. */
static gboolean
find_records (ChainWorkspace *workspace,
              GPtrArray      *found,
              GError        **error)
{
  ChainLedger *ledger = chain_workspace_get_ledger (workspace);
  guint missing = 0;

  for (guint i = 0; i < found->len; i++)
    if (((Found *) found->pdata[i])->recorded)
      missing++;
  for (guint64 seq = chain_ledger_get_length (ledger); missing > 0 && seq-- > 0;)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, seq, error);
      g_autoptr(GBytes) manifest = NULL;
      g_autofree char *text = NULL;

      if (record == NULL)
        return FALSE;
      if (chain_statement_get_record_type (chain_record_get_statement (record)) != CHAIN_RECORD_TYPE_DEVICE_BATCH)
        continue;
      manifest = chain_record_read_artifact (record, "manifest.csv", NULL, error);
      if (manifest == NULL)
        return FALSE;
      text = g_strndup (g_bytes_get_data (manifest, NULL), g_bytes_get_size (manifest));
      for (guint i = 0; i < found->len; i++)
        {
          Found *f = found->pdata[i];
          g_autofree char *needle = NULL;

          if (!f->recorded || f->seq != 0)
            continue;
          needle = g_strdup_printf (",%s,%s,", f->serial, f->issued.cert_sha256);
          if (strstr (text, needle) != NULL)
            {
              f->seq = seq;
              missing--;
            }
        }
    }
  return TRUE;
}

static void
fill_issued (Found *f)
{
  g_autofree char *sha = chain_cert_dup_thumbprint_hex (f->cert, CHAIN_DIGEST_SHA256);
  g_autofree char *key_sha = chain_cert_dup_public_key_sha256 (f->cert);

  f->issued.der = chain_cert_to_der (f->cert);
  g_strlcpy (f->issued.serial, f->serial, sizeof f->issued.serial);
  g_strlcpy (f->issued.cert_sha256, sha, sizeof f->issued.cert_sha256);
  g_strlcpy (f->issued.public_key_sha256, key_sha, sizeof f->issued.public_key_sha256);
}

/* Records the unrecorded devices in one device-batch record. */
static gboolean
record_found (ChainWorkspace *workspace,
              GPtrArray      *found,
              const char     *issuer_sha256,
              guint64        *out_seq,
              guint          *out_count,
              GError        **error)
{
  GString *manifest = g_string_new (CHAIN_MANIFEST_HEADER);
  GByteArray *pems = g_byte_array_new ();
  g_autoptr(GBytes) manifest_bytes = NULL;
  g_autoptr(GBytes) pem_bytes = NULL;
  g_autoptr(ChainStatement) statement = NULL;
  ChainJson *body = chain_json_new_object ();
  guint n = 0;

  for (guint i = 0; i < found->len; i++)
    {
      Found *f = found->pdata[i];
      g_autoptr(GBytes) pem = NULL;

      if (f->cert == NULL || f->recorded)
        continue;
      chain_manifest_append_row (manifest, f->id, f->issued.serial, f->issued.cert_sha256,
                                 f->issued.public_key_sha256);
      pem = chain_cert_to_pem (f->cert);
      g_byte_array_append (pems, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
      n++;
    }
  manifest_bytes = g_string_free_to_bytes (manifest);
  pem_bytes = g_byte_array_free_to_bytes (pems);
  *out_count = n;
  if (n == 0)
    {
      chain_json_unref (body);
      return TRUE;
    }
  chain_json_object_set_string (body, "issuer", issuer_sha256);
  chain_json_object_set_integer (body, "count", n);
  statement = chain_workspace_new_statement (workspace, CHAIN_RECORD_TYPE_DEVICE_BATCH, body, error);
  return statement != NULL
         && chain_statement_add_artifact (statement, "manifest.csv", manifest_bytes, error)
         && chain_statement_add_artifact (statement, "certificates.pem", pem_bytes, error)
         && chain_workspace_commit (workspace, statement, out_seq, NULL, error);
}

/* The ids manifest.csv lists; cuts a line the kill left half written. */
static GHashTable *
read_manifest_ids (int out_fd)
{
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int fd = openat (out_fd, MANIFEST_CSV, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  g_autoptr(GString) text = g_string_new (NULL);
  char buf[65536];
  ssize_t n;
  g_auto(GStrv) lines = NULL;
  gsize keep;

  if (fd < 0)
    return ids;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (text, buf, n);
  keep = text->len;
  while (keep > 0 && text->str[keep - 1] != '\n')
    keep--;
  if (keep < text->len)
    {
      if (ftruncate (fd, (off_t) keep) != 0)
        g_debug ("cannot cut manifest.csv: %s", g_strerror (errno));
      g_string_truncate (text, keep);
    }
  close (fd);
  lines = g_strsplit (text->str, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *end;

      if (line[0] == '\0')
        continue;
      if (line[0] == '"')
        {
          end = strchr (line + 1, '"');
          if (end != NULL)
            g_hash_table_add (ids, g_strndup (line + 1, (gsize) (end - line - 1)));
        }
      else
        {
          end = strchr (line, ',');
          g_hash_table_add (ids, end != NULL ? g_strndup (line, (gsize) (end - line)) : g_strdup (line));
        }
    }
  return ids;
}

/* Writes @name under @out_fd anew, synced. */
static gboolean
rewrite_file_at (int           out_fd,
                 const char   *out_dir,
                 const char   *name,
                 const guint8 *data,
                 gsize         len,
                 mode_t        mode,
                 GError      **error)
{
  int fd = openat (out_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  gsize done = 0;

  if (fd >= 0 && fchmod (fd, mode) == 0)
    while (done < len)
      {
        ssize_t n = write (fd, data + done, len - done);

        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          break;
        done += (gsize) n;
      }
  if (fd < 0 || done < len || fsync (fd) != 0)
    {
      int saved = errno;
      g_autofree char *path = g_build_filename (out_dir, name, NULL);

      if (fd >= 0)
        close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write %s: %s; check the disk and permissions"),
                   path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* Per-batch layout: batch-N.pem and batch-N.key.pem of each staged batch,
 * from the certificates kept, in their order. Written whole each time, so
 * a finish killed here is done again by the next. */
static gboolean
publish_batches (int         out_fd,
                 const char *out_dir,
                 GPtrArray  *found,
                 GError    **error)
{
  for (guint i = 0; i < found->len;)
    {
      guint64 batch = ((Found *) found->pdata[i])->batch;
      const char *staging = ((Found *) found->pdata[i])->staging;
      g_autoptr(GByteArray) certs = g_byte_array_new ();
      g_autoptr(GByteArray) keys = g_byte_array_new ();
      g_autofree char *certs_name = NULL;
      g_autofree char *keys_name = NULL;
      gboolean any_key = FALSE;

      if (batch == 0)
        {
          i++;
          continue;
        }
      for (; i < found->len && strcmp (((Found *) found->pdata[i])->staging, staging) == 0; i++)
        {
          Found *f = found->pdata[i];
          g_autoptr(GBytes) pem = NULL;

          if (f->cert == NULL)
            continue;
          pem = chain_cert_to_pem (f->cert);
          g_byte_array_append (certs, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
          if (f->key_pem != NULL)
            {
              g_byte_array_append (keys, g_bytes_get_data (f->key_pem, NULL), (guint) g_bytes_get_size (f->key_pem));
              any_key = TRUE;
            }
        }
      if (certs->len == 0)
        continue;
      certs_name = chain_issue_output_batch_name (batch, ".pem");
      keys_name = chain_issue_output_batch_name (batch, ".key.pem");
      if (!rewrite_file_at (out_fd, out_dir, certs_name, certs->data, certs->len, 0644, error)
          || (any_key && !rewrite_file_at (out_fd, out_dir, keys_name, keys->data, keys->len, 0600, error)))
        return FALSE;
    }
  return TRUE;
}

/* Appends the manifest lines first (synced), then moves the files: a kill
 * in between leaves a line whose files the next finish moves. */
static gboolean
publish_found (int         out_fd,
               const char *out_dir,
               GPtrArray  *found,
               GError    **error)
{
  g_autoptr(GHashTable) listed = read_manifest_ids (out_fd);
  g_autoptr(GString) lines = g_string_new (NULL);
  int fd;

  for (guint i = 0; i < found->len; i++)
    {
      Found *f = found->pdata[i];
      g_autofree char *seq = NULL;
      g_autofree char *cert = NULL;
      g_autofree char *chain = NULL;
      g_autofree char *key = NULL;
      g_autofree char *p12 = NULL;
      g_autofree char *staged_key = NULL;
      g_autofree char *staged_p12 = NULL;
      struct stat st;

      if (f->cert == NULL || g_hash_table_contains (listed, f->id))
        continue;
      seq = g_strdup_printf ("%" G_GUINT64_FORMAT, f->seq);
      if (f->batch != 0)
        {
          g_autofree char *batch_certs = chain_issue_output_batch_name (f->batch, ".pem");
          g_autofree char *batch_keys = f->key_pem != NULL ? chain_issue_output_batch_name (f->batch, ".key.pem")
                                                           : g_strdup ("");

          chain_manifest_append_output_row (lines, f->id, f->issued.serial, f->issued.cert_sha256,
                                            f->issued.public_key_sha256, seq,
                                            (const char *const[]) { batch_certs, CHAIN_ISSUE_CA_CHAIN, batch_keys, "" });
          continue;
        }
      cert = g_strconcat (f->id, "/cert.pem", NULL);
      chain = g_strconcat (f->id, "/chain.pem", NULL);
      staged_key = g_strconcat (f->staging, "/", f->id, "/key.pem", NULL);
      staged_p12 = g_strconcat (f->staging, "/", f->id, "/device.p12", NULL);
      key = fstatat (out_fd, staged_key, &st, AT_SYMLINK_NOFOLLOW) == 0 ? g_strconcat (f->id, "/key.pem", NULL) : g_strdup ("");
      p12 = fstatat (out_fd, staged_p12, &st, AT_SYMLINK_NOFOLLOW) == 0 ? g_strconcat (f->id, "/device.p12", NULL) : g_strdup ("");
      chain_manifest_append_output_row (lines, f->id, f->issued.serial, f->issued.cert_sha256,
                                        f->issued.public_key_sha256, seq, (const char *const[]) { cert, chain, key, p12 });
    }
  if (lines->len > 0)
    {
      fd = openat (out_fd, MANIFEST_CSV, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd >= 0 && lseek (fd, 0, SEEK_END) == 0)
        {
          static const char header[] = CHAIN_MANIFEST_OUTPUT_HEADER;

          if (write (fd, header, sizeof header - 1) != (ssize_t) (sizeof header - 1))
            {
              close (fd);
              fd = -1;
            }
        }
      if (fd < 0 || write (fd, lines->str, lines->len) != (ssize_t) lines->len || fsync (fd) != 0)
        {
          int saved = errno;
          g_autofree char *path = g_build_filename (out_dir, MANIFEST_CSV, NULL);

          if (fd >= 0)
            close (fd);
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write %s: %s; check the disk and permissions"),
                       path, g_strerror (saved));
          return FALSE;
        }
      close (fd);
    }
  if (!publish_batches (out_fd, out_dir, found, error))
    return FALSE;
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = found->pdata[i];
      g_autofree char *from = g_strconcat (f->staging, "/", f->id, NULL);

      if (f->cert == NULL || f->batch != 0)
        continue;
      if (renameat2 (out_fd, from, out_fd, f->id, RENAME_NOREPLACE) != 0)
        {
          int saved = errno;
          g_autofree char *path = g_build_filename (out_dir, f->id, NULL);

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot move files to %s: %s; check the disk and permissions"),
                       path, g_strerror (saved));
          return FALSE;
        }
    }
  return fsync (out_fd) == 0 || TRUE;
}

/* Deletes what cannot be recorded, then the emptied staging directories. */
static void
void_rest (int        out_fd,
           GPtrArray *found)
{
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = found->pdata[i];
      g_autofree char *path = g_strconcat (f->staging, "/", f->id, NULL);

      if (f->batch != 0)
        chain_issue_output_remove_tree_at (out_fd, f->staging);
      else if (f->cert == NULL)
        chain_issue_output_remove_tree_at (out_fd, path);
    }
  for (guint i = 0; i < found->len; i++)
    unlinkat (out_fd, ((Found *) found->pdata[i])->staging, AT_REMOVEDIR);
  fsync (out_fd);
}

/* Reports what the dead run of @journal_path left in @out_fd (@output),
 * from the survey kept for it when it still holds, else surveyed now. */
static void
report_survey (ChainWorkspace         *workspace,
               const char             *journal_path,
               int                     out_fd,
               const char             *output,
               const ChainLedgerState *state,
               ChainCert              *ca,
               ChainIssueRecoverFunc   report,
               gpointer                report_data)
{
  g_autofree char *key = chain_run_survey_key (workspace, journal_path, out_fd);
  g_autofree char *message = NULL;
  ChainRunSurvey survey = { 0 };

  if (!chain_run_survey_load (journal_path, key, &survey))
    {
      g_autoptr(GPtrArray) found = survey_output (out_fd, state, ca);

      survey = (ChainRunSurvey) { found->len, 0, 0, 0 };
      for (guint i = 0; i < found->len; i++)
        {
          Found *f = found->pdata[i];

          if (f->cert == NULL)
            survey.unreadable++;
          else if (f->recorded)
            survey.recorded++;
          else
            survey.unrecorded++;
        }
      chain_run_survey_store (journal_path, key, &survey);
    }
  if (survey.found == 0)
    return;
  message = g_strdup_printf (
    /* Translators: a run of 'chain issue' was killed; %s is its output directory. */
    _("an interrupted issuing run left %u certificates in %s/.staging~*: %u recorded but not published, %u not yet recorded, %u unreadable; the next signing in this workspace finishes it"),
    survey.found, output, survey.recorded, survey.unrecorded, survey.unreadable);
  report (message, report_data);
}

/* Finishes (or, without @finish, surveys) the dead run of @journal_path. */
static gboolean
recover_run (ChainWorkspace        *workspace,
             const char            *journal_path,
             gboolean               finish,
             ChainIssueRecoverFunc  report,
             gpointer               report_data,
             GError               **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ChainJson) doc = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *journal_dir = g_path_get_dirname (journal_path);
  g_autofree char *journal_name = g_path_get_basename (journal_path);
  const ChainLedgerState *state = chain_workspace_get_state (workspace);
  ChainCert *ca = state != NULL ? chain_workspace_get_ca (workspace) : NULL;
  g_autofree char *issuer_sha256 = ca != NULL ? chain_cert_dup_thumbprint_hex (ca, CHAIN_DIGEST_SHA256) : NULL;
  const char *output = NULL;
  guint n_recorded = 0, n_unrecorded = 0, n_void = 0, n_new = 0;
  guint64 seq = 0;
  int journal_dir_fd = open (journal_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int out_fd;

  bytes = journal_dir_fd >= 0 ? read_small_file_at (journal_dir_fd, journal_name, JOURNAL_MAX_LEN) : NULL;
  if (journal_dir_fd >= 0)
    close (journal_dir_fd);
  doc = bytes != NULL ? chain_json_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), JOURNAL_MAX_LEN, NULL) : NULL;
  if (doc == NULL || !chain_json_object_get_string_member (doc, "output", &output, NULL) || output[0] != '/')
    {
      /* Cut short before it was synced: the run signed nothing yet. */
      if (finish)
        unlink (journal_path);
      return TRUE;
    }

  out_fd = open (output, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (out_fd < 0)
    {
      /* No output directory: nothing was written, so nothing was seen. */
      if (finish)
        unlink (journal_path);
      return TRUE;
    }
  if (!finish)
    {
      report_survey (workspace, journal_path, out_fd, output, state, ca, report, report_data);
      close (out_fd);
      return TRUE;
    }
  found = survey_output (out_fd, state, ca);
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = found->pdata[i];

      if (f->cert == NULL)
        n_void++;
      else if (f->recorded)
        n_recorded++;
      else
        n_unrecorded++;
    }
  if (found->len == 0)
    {
      close (out_fd);
      unlink (journal_path);
      return TRUE;
    }

  /* An id whose certificate is in force already cannot be recorded twice. */
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = found->pdata[i];
      ChainSerialKey key;

      if (f->cert == NULL)
        continue;
      fill_issued (f);
      chain_ledger_device_id_key (f->id, &key);
      if (!f->recorded && !chain_ledger_state_check_device_id (state, f->id, &key, NULL))
        {
          g_clear_pointer (&f->cert, chain_cert_free);
          n_unrecorded--;
          n_void++;
        }
    }
  if (!find_records (workspace, found, error)
      || !record_found (workspace, found, issuer_sha256, &seq, &n_new, error))
    {
      g_prefix_error (error, _("cannot finish the interrupted issuing run into %s: "), output);
      close (out_fd);
      return FALSE;
    }
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = found->pdata[i];

      if (f->cert != NULL && !f->recorded)
        f->seq = seq;
    }
  if (!publish_found (out_fd, output, found, error))
    {
      g_prefix_error (error, _("cannot finish the interrupted issuing run into %s: "), output);
      close (out_fd);
      return FALSE;
    }
  void_rest (out_fd, found);
  close (out_fd);
  unlink (journal_path);
  {
    g_autofree char *message = NULL;

    if (n_new > 0)
      message = g_strdup_printf (
        /* Translators: a run of 'chain issue' was killed; %s is its output directory. */
        _("finished an interrupted issuing run into %s: recorded %u certificates in record %" PRIu64 ", published %u recorded before, deleted %u unreadable or unrecordable"),
        output, n_new, seq, n_recorded, n_void);
    else
      message = g_strdup_printf (
        _("finished an interrupted issuing run into %s: published %u certificates recorded before, deleted %u unreadable or unrecordable"),
        output, n_recorded, n_void);
    report (message, report_data);
  }
  return TRUE;
}

gboolean
chain_issue_recover (ChainWorkspace        *workspace,
                     gboolean               finish,
                     ChainIssueRecoverFunc  report,
                     gpointer               report_data,
                     GError               **error)
{
  g_autofree char *runs = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *dir;
  const char *name;

  g_return_val_if_fail (workspace != NULL, FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  runs = chain_workspace_build_path (workspace, RUNS_DIR);
  dir = g_dir_open (runs, 0, NULL);
  if (dir == NULL)
    return TRUE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, JOURNAL_PREFIX))
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (runs, names->pdata[i], NULL);
      int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      struct stat st;
      gboolean ok;

      if (fd < 0)
        continue;
      /* Held: the run is alive. Gone once locked: it ended meanwhile. */
      if (flock (fd, LOCK_EX | LOCK_NB) != 0 || fstat (fd, &st) != 0 || st.st_nlink == 0)
        {
          close (fd);
          continue;
        }
      /* Finishing surveys anew, and what was kept goes with the run. */
      if (finish)
        chain_run_survey_remove (path);
      ok = recover_run (workspace, path, finish, report, report_data, error);
      close (fd);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}
