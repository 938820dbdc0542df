/* bench-ledger.c — how fast the ledger appends and reads back
 *
 *   bench-ledger [-n RECORDS] [-d DIR] [-c] [-k] [-r] [-g N]
 *
 * Writes RECORDS records (a genesis under the default policy, then
 * annotations by "oem" signed by its officer, default 100000) to a fresh
 * ledger in DIR (default: a new temporary directory), then reopens it and
 * reads every record back: the record's form, its link to the previous
 * record, and its statement signature; with -c also the commit's CMS
 * signature. Then runs the full auditor (chain_audit_repository: commit
 * signatures, links, the rule engine), which must find nothing. Prints
 * records/s for the three passes, the time to open with and without the
 * index cache, the cost of reading a record at random (a GUI list
 * scrolling), and the repository's size: `du` of ledger.git right after
 * the appends, per record, with its loose objects and packs counted, and
 * the time `git clone --bare --no-local` of it takes (what a custodian's
 * first fetch costs; --no-local so git packs rather than hard-links).
 * -k keeps the directory; -r
 * reuses a ledger kept in DIR and only reads. -g N then runs the
 * plain-git baseline for the audit: `git verify-commit` (gpgsm, trusting
 * only the root) on the first N commits of main, in a temporary GNUPGHOME.
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "chain.h"
#include "chain-cms-private.h"
#include "chain-pki-private.h"
#include "ledger-pki.h"
#include "bench-support.h"

/* Loose object files and packs under @path/objects. */
static void
count_objects (const char *path,
               guint      *out_loose,
               guint      *out_packs)
{
  g_autofree char *objects = g_build_filename (path, "objects", NULL);
  GDir *dir = g_dir_open (objects, 0, NULL);
  const char *name = NULL;

  *out_loose = 0;
  *out_packs = 0;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (objects, name, NULL);
      GDir *inner = NULL;
      const char *entry = NULL;

      if (strlen (name) != 2 && strcmp (name, "pack") != 0)
        continue;
      inner = g_dir_open (sub, 0, NULL);
      while (inner != NULL && (entry = g_dir_read_name (inner)) != NULL)
        if (strlen (name) == 2)
          (*out_loose)++;
        else if (g_str_has_suffix (entry, ".pack"))
          (*out_packs)++;
      if (inner != NULL)
        g_dir_close (inner);
    }
  if (dir != NULL)
    g_dir_close (dir);
}

/* Runs @argv (on PATH) with @envp; TRUE if it exited 0. @out gets stdout. */
static gboolean
run (const char *const *argv,
     char              **envp,
     char              **out)
{
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, envp,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL
                       | (out == NULL ? G_SPAWN_STDOUT_TO_DEV_NULL : 0),
                     NULL, NULL, out, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

/* What a user has without libchain: `git verify-commit` through gpgsm on
 * the first @n commits of main, in a GNUPGHOME trusting only @root. Returns
 * the commits checked; @seconds gets the time the verifications took. */
static guint
git_verify_commits (const char *path,
                    ChainCert  *root,
                    guint       n,
                    double     *seconds)
{
  /* A short path: gpg-agent puts its socket in GNUPGHOME. */
  g_autofree char *home = g_strdup ("/tmp/bench-gpg-XXXXXX");
  g_autofree char *fingerprint = chain_cert_dup_thumbprint_hex (root, CHAIN_DIGEST_SHA1);
  g_autofree char *trustlist = g_strdup_printf ("%s S\n", fingerprint);
  g_autofree char *conf = NULL;
  g_autofree char *trust = NULL;
  g_autofree char *root_path = NULL;
  g_autofree char *ids = NULL;
  g_autoptr(GBytes) root_pem = chain_cert_to_pem (root);
  g_auto(GStrv) envp = NULL;
  g_auto(GStrv) lines = NULL;
  const char *import[] = { "gpgsm", "--batch", "--import", NULL, NULL };
  const char *list[] = { "git", "-C", path, "rev-list", "--reverse", "main", NULL };
  const char *kill[] = { "gpgconf", "--homedir", NULL, "--kill", "all", NULL };
  guint done = 0;
  gint64 start;

  if (g_mkdtemp_full (home, 0700) == NULL)
    bench_die ("GNUPGHOME", NULL);
  envp = g_environ_setenv (g_get_environ (), "GNUPGHOME", home, TRUE);
  conf = g_build_filename (home, "gpgsm.conf", NULL);
  trust = g_build_filename (home, "trustlist.txt", NULL);
  root_path = g_build_filename (home, "root.pem", NULL);
  /* Offline, and nameConstraints left unchecked: gpgsm 2.2 fails the
   * critical extension (OpenSSL checks it in the audit pass). */
  if (!g_file_set_contents (conf, "disable-crl-checks\ndisable-dirmngr\n"
                            "ignore-cert-extension 2.5.29.30\n", -1, NULL)
      || !g_file_set_contents (trust, trustlist, -1, NULL)
      || !g_file_set_contents (root_path, g_bytes_get_data (root_pem, NULL),
                               (gssize) g_bytes_get_size (root_pem), NULL))
    bench_die ("GNUPGHOME files", NULL);
  import[3] = root_path;
  kill[2] = home;
  if (!run (import, envp, NULL))
    bench_die ("gpgsm --import", NULL);
  if (!run (list, envp, &ids))
    bench_die ("git rev-list", NULL);
  lines = g_strsplit (ids, "\n", -1);

  start = g_get_monotonic_time ();
  for (; done < n && lines[done] != NULL && lines[done][0] != '\0'; done++)
    {
      const char *verify[] = { "git", "-C", path, "-c", "gpg.format=x509", "-c",
                               "gpg.x509.program=gpgsm", "verify-commit", lines[done], NULL };

      if (!run (verify, envp, NULL))
        {
          fprintf (stderr, "bench-ledger: git verify-commit %s failed\n", lines[done]);
          exit (1);
        }
    }
  *seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;

  run (kill, envp, NULL);
  bench_remove_tree (home);
  return done;
}

/* A statement by "oem" now, with @first_artifact (then more NAME, GBytes
 * pairs, NULL-terminated) added, signed by @key. */
static ChainStatement *
make_statement (ChainRecordType  type,
                const char      *ledger_id,
                const char      *policy,
                ChainJson       *body,
                ChainKey        *key,
                GError         **error,
                const char      *first_artifact,
                ...)
{
  g_autoptr(ChainStatement) statement = NULL;
  const char *name = first_artifact;
  va_list args;

  statement = chain_statement_new (type, "oem", ledger_id, policy,
                                   g_get_real_time () / G_USEC_PER_SEC, body, error);
  if (statement == NULL)
    return NULL;
  va_start (args, first_artifact);
  while (name != NULL)
    {
      GBytes *data = va_arg (args, GBytes *);

      if (!chain_statement_add_artifact (statement, name, data, error))
        {
          va_end (args);
          return NULL;
        }
      name = va_arg (args, const char *);
    }
  va_end (args);
  if (!chain_statement_sign (statement, key, error))
    return NULL;
  return g_steal_pointer (&statement);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("— ledger append and read figures");
  gint64 records = 100000;
  g_autofree char *dir = NULL;
  gboolean check_commits = FALSE;
  gboolean keep = FALSE;
  gboolean reuse = FALSE;
  gint git_commits = 0;
  guint64 written_bytes = 0;
  guint loose = 0;
  guint packs = 0;
  double clone_s = 0;
  guint64 clone_bytes = 0;
  GOptionEntry entries[] = {
    { "records", 'n', 0, G_OPTION_ARG_INT64, &records, "Records to write (default 100000)", "N" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "Directory for the ledger", "DIR" },
    { "commits", 'c', 0, G_OPTION_ARG_NONE, &check_commits, "Also verify commit signatures", NULL },
    { "keep", 'k', 0, G_OPTION_ARG_NONE, &keep, "Keep the ledger", NULL },
    { "reuse", 'r', 0, G_OPTION_ARG_NONE, &reuse, "Only read the ledger kept in DIR", NULL },
    { "git", 'g', 0, G_OPTION_ARG_INT, &git_commits,
      "Also time git verify-commit on the first N commits", "N" },
    { NULL },
  };
  g_autoptr(ChainKey) root_key = NULL;
  g_autoptr(ChainKey) officer_key = NULL;
  g_autoptr(ChainCert) root = NULL;
  g_autoptr(ChainCert) officer = NULL;
  g_autoptr(ChainLedgerSigner) signer = NULL;
  g_autoptr(ChainLedger) ledger = NULL;
  g_autoptr(ChainStatement) genesis = NULL;
  g_autoptr(ChainJson) genesis_body = chain_json_new_object ();
  g_autoptr(ChainJson) custodian = chain_json_new_object ();
  g_autoptr(ChainPolicy) chain_policy = chain_policy_new_default ();
  g_autoptr(ChainAuditReport) report = NULL;
  ChainAuditOptions audit_options = CHAIN_AUDIT_OPTIONS_INIT;
  g_autoptr(GPtrArray) anchors = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  g_autoptr(GBytes) root_pem = NULL;
  g_autoptr(GBytes) officer_pem = NULL;
  g_autofree char *ledger_id = chain_statement_new_id ();
  g_autofree char *policy = chain_policy_dup_digest (chain_policy);
  g_autofree char *path = NULL;
  g_autofree char *prev = NULL;
  gboolean made_dir = FALSE;
  g_autofree char *cache = NULL;
  gint64 start;
  double write_s = 0;
  double open_s;
  double cold_open_s;
  double random_ms;
  double read_s;
  double audit_s;
  double git_s = 0;
  guint git_done = 0;
  const guint random_reads = 2000;

  g_set_prgname ("bench-ledger");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_die ("usage", error);
  if (records < 1 || git_commits < 0)
    bench_die ("usage", NULL);

  if (reuse && dir == NULL)
    bench_die ("usage: -r needs -d", NULL);
  if (dir == NULL)
    {
      dir = g_dir_make_tmp ("bench-ledger-XXXXXX", &error);
      if (dir == NULL)
        bench_die ("temporary directory", error);
      made_dir = TRUE;
    }
  path = g_build_filename (dir, "ledger.git", NULL);

  root_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  officer_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  if (root_key == NULL || officer_key == NULL)
    bench_die ("keys", error);
  root = ledger_pki_root (root_key, "bench root");
  officer = root != NULL ? ledger_pki_officer (root_key, root, officer_key, "bench officer") : NULL;
  if (officer == NULL)
    bench_die ("certificates", NULL);
  g_ptr_array_add (anchors, chain_cert_copy (root));
  signer = chain_ledger_signer_new (officer_key, officer, NULL, &error);
  if (signer == NULL)
    bench_die ("signer", error);

  /* The genesis the rule engine wants, so the auditor's replay accepts it. */
  chain_json_object_set_string (custodian, "id", "oem");
  chain_json_object_set_string (custodian, "name", "Widget Ltd");
  chain_json_object_set_string (custodian, "tier", "oem");
  chain_json_object_set (genesis_body, "custodian", g_steal_pointer (&custodian));
  chain_json_object_set (genesis_body, "policy", chain_policy_to_json (chain_policy));
  root_pem = chain_cert_to_pem (root);
  officer_pem = chain_cert_to_pem (officer);
  genesis = make_statement (CHAIN_RECORD_TYPE_GENESIS, ledger_id, policy, genesis_body,
                            officer_key, &error, "root.pem", root_pem, "officer.pem",
                            officer_pem, NULL);
  if (genesis == NULL)
    bench_die ("genesis", error);

  if (reuse)
    {
      ledger = chain_ledger_open (path, NULL, &error);
      if (ledger == NULL)
        bench_die ("open", error);
      records = (gint64) chain_ledger_get_length (ledger);
      g_clear_pointer (&ledger, chain_ledger_free);
      /* The ledger's officer is not ours: check signatures against its own. */
      {
        g_autoptr(ChainLedger) kept = chain_ledger_open (path, NULL, &error);
        g_autoptr(ChainRecord) first = kept != NULL ? chain_ledger_load_record (kept, 0, &error)
                                                    : NULL;
        g_autoptr(GBytes) kept_officer = NULL;
        g_autoptr(GBytes) kept_root = NULL;

        if (first == NULL)
          bench_die ("open", error);
        kept_officer = chain_record_read_artifact (first, "officer.pem", NULL, &error);
        kept_root = kept_officer != NULL
                      ? chain_record_read_artifact (first, "root.pem", NULL, &error) : NULL;
        if (kept_root == NULL)
          bench_die ("genesis artifacts", error);
        g_clear_pointer (&officer, chain_cert_free);
        officer = chain_cert_parse (g_bytes_get_data (kept_officer, NULL),
                                    g_bytes_get_size (kept_officer), &error);
        g_ptr_array_set_size (anchors, 0);
        g_ptr_array_add (anchors, chain_cert_parse (g_bytes_get_data (kept_root, NULL),
                                                    g_bytes_get_size (kept_root), &error));
        if (officer == NULL || g_ptr_array_index (anchors, 0) == NULL)
          bench_die ("genesis artifacts", error);
      }
    }

  /* Signing the statement is part of making a record: it is timed too. */
  start = g_get_monotonic_time ();
  if (!reuse)
    {
      ledger = chain_ledger_create (path, genesis, signer, NULL, NULL, NULL, &error);
      if (ledger == NULL)
        bench_die ("create", error);
    }
  for (gint64 i = 1; !reuse && i < records; i++)
    {
      g_autoptr(ChainJson) body = chain_json_new_object ();
      g_autoptr(ChainStatement) statement = NULL;
      g_autofree char *text = g_strdup_printf ("benchmark record %" G_GINT64_FORMAT, i);

      chain_json_object_set_string (body, "text", text);
      statement = make_statement (CHAIN_RECORD_TYPE_ANNOTATION, ledger_id, policy, body,
                                  officer_key, &error, NULL);
      if (statement == NULL
          || !chain_ledger_append (ledger, statement, signer, NULL, NULL, NULL, NULL, &error))
        bench_die ("append", error);
      if (i % 10000 == 0)
        fprintf (stderr, "  %" G_GINT64_FORMAT " records written\n", i);
    }
  write_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_clear_pointer (&ledger, chain_ledger_free);
  /* Its size as the last append left it, before anything reads it. */
  written_bytes = bench_disk_usage (path);
  count_objects (path, &loose, &packs);

  /* A custodian's first fetch: git packs what it sends, so loose objects
   * cost here what a pack already holds does not. */
  {
    g_autofree char *clone = g_build_filename (dir, "clone.git", NULL);
    const char *argv_clone[] = { "git", "clone", "-q", "--bare", "--no-local", path, clone, NULL };

    bench_remove_tree (clone);
    start = g_get_monotonic_time ();
    if (!run (argv_clone, NULL, NULL))
      bench_die ("git clone", NULL);
    clone_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
    clone_bytes = bench_disk_usage (clone);
    bench_remove_tree (clone);
  }

  /* Without the index cache (a fresh clone), then with it. */
  cache = g_build_filename (path, "libchain-index", NULL);
  g_remove (cache);
  start = g_get_monotonic_time ();
  ledger = chain_ledger_open (path, NULL, &error);
  if (ledger == NULL)
    bench_die ("open", error);
  cold_open_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_clear_pointer (&ledger, chain_ledger_free);
  start = g_get_monotonic_time ();
  ledger = chain_ledger_open (path, NULL, &error);
  if (ledger == NULL)
    bench_die ("open", error);
  open_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  if (chain_ledger_get_length (ledger) != (guint64) records)
    bench_die ("open: wrong length", NULL);

  /* Rows of a list scrolled to anywhere. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < random_reads; i++)
    {
      guint64 seq = (guint64) g_random_int_range (0, (gint32) MIN (records, G_MAXINT32));
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, seq, &error);

      if (record == NULL)
        bench_die ("random read", error);
    }
  random_ms = (double) (g_get_monotonic_time () - start) / 1000 / random_reads;
  g_clear_pointer (&ledger, chain_ledger_free);
  ledger = chain_ledger_open (path, NULL, &error);
  if (ledger == NULL)
    bench_die ("open", error);

  start = g_get_monotonic_time ();
  for (gint64 i = 0; i < records; i++)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, (guint64) i, &error);
      ChainStatement *statement = NULL;

      if (record == NULL)
        bench_die ("read", error);
      statement = chain_record_get_statement (record);
      if (strcmp (chain_record_get_prev (record),
                  prev != NULL ? prev : "0000000000000000000000000000000000000000000000000000000000000000") != 0)
        bench_die ("read: broken link", NULL);
      if (!chain_statement_verify_signature (statement, 0, officer, &error))
        bench_die ("read: statement signature", error);
      if (check_commits)
        {
          GBytes *signature = chain_record_get_commit_signature (record);
          GBytes *data = chain_record_get_signed_data (record);

          if (!chain_cms_verify_detached (g_bytes_get_data (signature, NULL),
                                          g_bytes_get_size (signature),
                                          g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                          anchors, chain_record_get_commit_time (record), NULL,
                                          &error))
            bench_die ("read: commit signature", error);
        }
      g_free (prev);
      prev = g_strdup (chain_record_get_digest (record));
    }
  read_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_clear_pointer (&ledger, chain_ledger_free);

  /* What an auditor really runs: its own reading of the repository. */
  start = g_get_monotonic_time ();
  if (!chain_audit_repository (path, &audit_options, &report, NULL, &error))
    bench_die ("audit", error);
  audit_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  if (!chain_audit_report_is_ok (report))
    {
      const ChainAuditFinding *finding = chain_audit_report_find (report, -1, NULL);

      fprintf (stderr, "bench-ledger: audit: %s\n",
               finding != NULL ? chain_audit_finding_get_message (finding) : "not ok");
      exit (1);
    }
  if (git_commits > 0)
    git_done = git_verify_commits (path, g_ptr_array_index (anchors, 0), (guint) git_commits,
                                   &git_s);

  printf ("records:        %" G_GINT64_FORMAT "\n", records);
  if (!reuse)
    printf ("append:         %.1f records/s (%.1f s, fsynced)\n", (double) records / write_s,
            write_s);
  printf ("open:           %.3f s without the index cache, %.3f s with it\n", cold_open_s,
          open_s);
  printf ("random record:  %.3f ms each (%u reads)\n", random_ms, random_reads);
  printf ("read + verify:  %.1f records/s (%.1f s%s)\n", (double) records / read_s, read_s,
          check_commits ? ", with commit signatures" : "");
  printf ("audit:          %.1f records/s (%.1f s, the full auditor: commit signatures, links, rules)\n",
          (double) records / audit_s, audit_s);
  if (git_commits > 0)
    printf ("git verify-commit: %.1f records/s (%u commits, %.1f s; the plain-git baseline for the audit)\n",
            (double) git_done / git_s, git_done, git_s);
  printf ("ledger size:    %.0f bytes/record on disk after the appends (du %.1f MiB; "
          "%u loose objects, %u packs)\n", (double) written_bytes / (double) records,
          (double) written_bytes / (1024 * 1024), loose, packs);
  printf ("git clone:      %.2f s (--bare --no-local; the clone: %.1f MiB)\n", clone_s,
          (double) clone_bytes / (1024 * 1024));
  printf ("repository:     %.1f MiB on disk (%s)\n", (double) bench_disk_usage (path) / (1024 * 1024),
          path);

  g_clear_pointer (&ledger, chain_ledger_free);
  if (!keep && !reuse)
    bench_remove_tree (made_dir ? dir : path);
  return 0;
}
