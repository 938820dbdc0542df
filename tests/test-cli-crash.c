/* test-cli-crash.c — `chain` killed at any point leaves every certificate
 * accounted for
 *
 * Two exact cases use the ledger's LIBCHAIN_TEST_KILL_AT hook: a run of
 * `chain issue` killed before the second batch's append (signed chunks in
 * staging that the ledger never heard of), between the second batch's
 * pack and its ref move (the same, plus a pack nothing names) and right
 * after the first append (a recorded chunk whose files were not moved
 * yet). The next
 * locked command must report them, the next unlocking one must record and
 * publish them.
 *
 * Then random trials: `issue`, `delegate`, `accept`, `revoke`, `sync` and
 * `bundle import` killed by SIGKILL or SIGHUP after a random delay. After
 * each: the dead run is reported while the workspace is locked; every
 * certificate file under the output directories (staging included) is
 * recorded, or under staging and reported; the next unlocking command
 * finishes it; `chain audit` passes; no device id has two certificates in
 * force; every tenth trial and at the end, an unlocking command finishes
 * the dead runs and nothing is left in staging. Set CHAIN_CRASH_SEED to
 * replay a run; under AddressSanitizer the trials are fewer (the seed is
 * printed on failure). Also here: `revoke --cert` and revoked officers.
 */
#include "test-cli.h"
#include "chain-ledger-state-private.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define TRIAL_SCALE 4
#else
#define TRIAL_SCALE 1
#endif

#define N_REQUESTS 16

static char *tmpdir;
static char *base;
static char *base_error;
static char *dir;

/* ---- The fixture ------------------------------------------------------------- */

static void
base_chain (const char *const *args)
{
  g_autofree char *err = NULL;
  int status;

  if (base_error != NULL)
    return;
  status = test_cli_chain (base, args, NULL, &err);
  if (status != 0)
    {
      g_autofree char *command = g_strjoinv (" ", (char **) args);

      base_error = g_strdup_printf ("fixture: chain %s exited %d: %s", command, status, err);
    }
}

static void
base_setup (void)
{
  tmpdir = test_support_tmpdir_new ();
  base = g_build_filename (tmpdir, "base", NULL);
  g_mkdir (base, 0755);
  base_chain ((const char *const[]) { "-q", "-C", "oem", "init", "--org", "Widget Ltd", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "request", "--org", "CM A", "--tier",
                                      "manufacturer", "-o", "cm-a.req", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "oem", "delegate", "cm-a.req", "-o", "cm-a.grant", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "accept", "cm-a.grant", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "sync", "oem", NULL });
}

static void
base_teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&base, g_free);
  g_clear_pointer (&base_error, g_free);
}

static void
setup (void)
{
  static guint n;

  ck_assert_msg (base_error == NULL, "%s", base_error);
  dir = g_strdup_printf ("%s/case-%u-%d", tmpdir, n++, (int) getpid ());
  test_cli_copy_tree (base, dir);
}

static void
teardown (void)
{
  test_support_tmpdir_remove (dir);
  g_clear_pointer (&dir, g_free);
}

/* ---- Helpers ------------------------------------------------------------------ */

/* Starts `chain ARGS` in dir, kills it with @sig after @delay_us (unless it
 * ended), and returns its exit status or -1 when the signal ended it. */
static int
chain_killed (const char *const *args,
              const char *const *env,
              gulong             delay_us,
              int                sig)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                        | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64) delay_us;

  g_ptr_array_add (argv, (gpointer) test_cli_bin ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_cwd (launcher, dir);
  g_subprocess_launcher_setenv (launcher, "CHAIN_PASSPHRASE", TEST_CLI_PASSPHRASE, TRUE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }
  child = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  ck_assert_msg (child != NULL, "spawn chain: %s", error != NULL ? error->message : "?");
  while (g_get_monotonic_time () < deadline)
    {
      g_usleep (2000);
      /* Ended already: a kill that came too late is a trial all the same. */
      if (g_subprocess_get_identifier (child) == NULL)
        break;
    }
  if (g_subprocess_get_identifier (child) != NULL)
    g_subprocess_send_signal (child, sig);
  g_subprocess_wait (child, NULL, NULL);
  if (g_subprocess_get_if_signaled (child))
    return -1;
  return g_subprocess_get_exit_status (child);
}

static void
collect_report (const char *message,
                gpointer    data)
{
  g_string_append_printf (data, "%s\n", message);
}

/* Every cert.pem under @root (staging included), and the per-batch
 * layout's certs.pem (staged) and batch-N.pem, as paths. */
static void
find_certs (const char *root,
            GPtrArray  *out)
{
  g_autoptr(GDir) d = g_dir_open (root, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (root, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        find_certs (path, out);
      else if (strcmp (name, "cert.pem") == 0 || strcmp (name, "certs.pem") == 0
               || (g_str_has_prefix (name, "batch-") && !g_str_has_suffix (name, ".key.pem")))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

/* Replaces each batch file of @paths by its blocks, "PATH#PEM" each; a
 * block cut short by the kill stays, unreadable. */
static void
split_batches (GPtrArray *paths)
{
  for (guint i = 0; i < paths->len;)
    {
      const char *path = paths->pdata[i];
      g_autofree char *text = NULL;
      g_autofree char *name = g_path_get_basename (path);
      const char *p;

      if (strcmp (name, "cert.pem") == 0 || !g_file_get_contents (path, &text, NULL, NULL))
        {
          i++;
          continue;
        }
      for (p = strstr (text, "-----BEGIN "); p != NULL;)
        {
          const char *next = strstr (p + 1, "-----BEGIN ");
          g_autofree char *block = next != NULL ? g_strndup (p, (gsize) (next - p)) : g_strdup (p);

          g_ptr_array_add (paths, g_strdup_printf ("%s#%s", path, block));
          p = next;
        }
      g_ptr_array_remove_index (paths, i);
    }
}

typedef struct {
  guint recorded;
  guint staged_unrecorded;
  guint unreadable;
} CertCount;

/* Checks the certificates under @out_dirs against @workspace's ledger:
 * each recorded, or in staging and then @reported must say so; and no id
 * with two recorded certificates in force. */
static CertCount
check_certs (const char        *workspace,
             const char *const *out_dirs,
             gboolean           reported,
             const char        *trial)
{
  g_autofree char *ws_dir = g_build_filename (dir, workspace, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspace) ws = chain_workspace_open (ws_dir, NULL, &error);
  g_autoptr(GHashTable) in_force = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const ChainLedgerState *state;
  CertCount count = { 0 };

  ck_assert_msg (ws != NULL, "%s: open %s: %s", trial, workspace, error != NULL ? error->message : "");
  state = chain_workspace_get_state (ws);
  for (guint k = 0; out_dirs[k] != NULL; k++)
    {
      g_autofree char *out = g_build_filename (dir, out_dirs[k], NULL);
      g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func (g_free);

      find_certs (out, certs);
      split_batches (certs);
      for (guint i = 0; i < certs->len; i++)
        {
          const char *path = certs->pdata[i];
          g_autofree char *data = NULL;
          gsize len = 0;
          g_autoptr(ChainCert) cert = NULL;
          g_autofree char *serial = NULL;
          g_autoptr(ChainName) subject = NULL;
          g_autofree char *id = NULL;
          gboolean revoked = FALSE;

          if (strchr (path, '#') != NULL)
            {
              /* A block of a batch file: "PATH#PEM". */
              data = g_strdup (strchr (path, '#') + 1);
              len = strlen (data);
            }
          else if (!g_file_get_contents (path, &data, &len, NULL))
            data = NULL;
          if (data == NULL
              || (cert = chain_cert_parse ((const guint8 *) data, len, NULL)) == NULL)
            {
              /* Cut short by the kill: only ever in staging. */
              ck_assert_msg (strstr (path, "/.staging~") != NULL, "%s: unreadable %s outside staging", trial, path);
              count.unreadable++;
              continue;
            }
          serial = chain_cert_dup_serial (cert);
          subject = chain_cert_dup_subject (cert);
          id = chain_name_dup_common_name (subject);
          if (!chain_ledger_state_lookup_serial (state, serial, NULL, &revoked))
            {
              ck_assert_msg (strstr (path, "/.staging~") != NULL,
                             "%s: %s (serial %s) is published but the ledger does not record it", trial, path, serial);
              ck_assert_msg (reported, "%s: %s (serial %s) is neither recorded nor reported", trial, path, serial);
              count.staged_unrecorded++;
              continue;
            }
          count.recorded++;
          if (revoked)
            continue;
          if (g_hash_table_contains (in_force, id))
            ck_assert_msg (strcmp (g_hash_table_lookup (in_force, id), serial) == 0,
                           "%s: device %s has two certificates in force: %s and %s", trial, id,
                           (const char *) g_hash_table_lookup (in_force, id), serial);
          else
            g_hash_table_insert (in_force, g_strdup (id), g_strdup (serial));
        }
    }
  return count;
}

/* What chain_issue_recover() reports for @workspace while it is locked. */
static char *
locked_report (const char *workspace)
{
  g_autofree char *ws_dir = g_build_filename (dir, workspace, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspace) ws = chain_workspace_open (ws_dir, NULL, &error);
  GString *report = g_string_new (NULL);

  ck_assert_msg (ws != NULL, "open %s: %s", workspace, error != NULL ? error->message : "");
  ck_assert_msg (chain_issue_recover (ws, FALSE, collect_report, report, &error), "survey: %s",
                 error != NULL ? error->message : "");
  return g_string_free (report, FALSE);
}

static void
assert_audit (const char *workspace,
              const char *trial)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = test_cli_chain (dir, (const char *const[]) { "-C", workspace, "audit", NULL }, &out, &err);

  ck_assert_msg (status == 0, "%s: audit of %s exited %d: %s%s", trial, workspace, status, out, err);
}

/* Runs an unlocking command, which finishes any dead run; returns stderr. */
static char *
finish_runs (const char *workspace,
             const char *trial)
{
  g_autofree char *out = NULL;
  char *err = NULL;
  int status = test_cli_chain (dir, (const char *const[]) { "-C", workspace, "annotate", "after a kill", NULL },
                               &out, &err);

  ck_assert_msg (status == 0, "%s: annotate in %s exited %d: %s", trial, workspace, status, err);
  return err;
}

static guint
count_lines (const char *path)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

/* ---- Exact kills ---------------------------------------------------------------- */

static void
issue_killed_at (const char *kill_at,
                 guint       expect_staged,
                 const char *layout)
{
  g_autofree char *env = g_strdup_printf ("LIBCHAIN_TEST_KILL_AT=%s", kill_at);
  g_autofree char *report = NULL;
  g_autofree char *finished = NULL;
  g_autofree char *manifest = g_build_filename (dir, "out", "manifest.csv", NULL);
  g_autofree char *staging = g_build_filename (dir, "out", ".staging~000001", NULL);
  CertCount before, after;
  int status;

  status = test_cli_chain_env (dir, (const char *const[]) { env, NULL }, NULL,
                               (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "30",
                                                       "--batch-size", "10", "--prefix", "k-",
                                                       "--output-layout", layout, "-o", "out", NULL }, NULL, NULL);
  ck_assert_msg (status == -1, "the hook did not kill chain issue (exit %d)", status);

  report = locked_report ("cm-a");
  ck_assert_msg (strstr (report, "an interrupted issuing run left") != NULL, "no report of the dead run: '%s'", report);
  /* Custody shows this text too: no command names in it. */
  ck_assert_msg (strstr (report, "'chain") == NULL, "%s", report);
  before = check_certs ("cm-a", (const char *const[]) { "out", NULL }, TRUE, kill_at);
  ck_assert_msg (before.staged_unrecorded + before.recorded >= expect_staged,
                 "%s: %u recorded, %u staged", kill_at, before.recorded, before.staged_unrecorded);
  /* `audit` and `status` say so too, on stderr. */
  {
    g_autofree char *err = NULL;

    test_cli_chain (dir, (const char *const[]) { "-C", "cm-a", "status", NULL }, NULL, &err);
    ck_assert_msg (strstr (err, "an interrupted issuing run left") != NULL, "status stderr: %s", err);
  }

  finished = finish_runs ("cm-a", kill_at);
  ck_assert_msg (strstr (finished, "finished an interrupted issuing run") != NULL, "stderr: %s", finished);
  ck_assert_msg (strstr (finished, "'chain") == NULL, "%s", finished);
  after = check_certs ("cm-a", (const char *const[]) { "out", NULL }, FALSE, kill_at);
  ck_assert_uint_eq (after.staged_unrecorded, 0);
  ck_assert_uint_eq (after.recorded, before.recorded + before.staged_unrecorded);
  ck_assert_msg (!g_file_test (staging, G_FILE_TEST_EXISTS), "staging left after finishing");
  /* Every published device is in manifest.csv: a header and one line each. */
  ck_assert_uint_eq (count_lines (manifest), after.recorded + 1);
  assert_audit ("cm-a", kill_at);

  /* Nothing is left to do, and the ids cannot be issued again. */
  g_clear_pointer (&report, g_free);
  report = locked_report ("cm-a");
  ck_assert_str_eq (report, "");
  status = test_cli_chain (dir, (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "30",
                                                        "--prefix", "k-", "-o", "again", NULL }, NULL, NULL);
  ck_assert_int_eq (status, 1);
}

START_TEST (test_issue_killed_before_append)
{
  /* The second append starts after chunks 2 (and perhaps 3) are signed. */
  issue_killed_at ("start:2", 20, "per-device");
}
END_TEST

START_TEST (test_issue_killed_before_append_per_batch)
{
  issue_killed_at ("start:2", 20, "per-batch");
}
END_TEST

START_TEST (test_issue_killed_between_append_and_move)
{
  /* The first chunk's record landed; its files are still in staging. */
  issue_killed_at ("ref:1", 10, "per-device");
}
END_TEST

START_TEST (test_issue_killed_between_append_and_move_per_batch)
{
  issue_killed_at ("ref:1", 10, "per-batch");
}
END_TEST

START_TEST (test_issue_killed_between_pack_and_move)
{
  g_autofree char *ledger = g_build_filename (dir, "cm-a", "ledger.git", NULL);
  g_autofree char *err = NULL;
  int status;

  /* The second chunk's pack is on the disk, no ref names it: garbage, and
   * the chunk is in staging like one never appended. */
  issue_killed_at ("pack:2", 20, "per-device");
  status = test_support_run ((const char *const[]) { "git", "-C", ledger, "fsck", "--strict",
                                                     "--no-dangling", "--no-progress", NULL },
                             NULL, NULL, &err);
  ck_assert_msg (status == 0, "git fsck: %s", err);
}
END_TEST

/* The counts of a dead run's report, from "left N certificates in
 * OUT/.staging~*: R recorded but not published, U not yet recorded, V
 * unreadable". */
typedef struct {
  guint left, recorded, unrecorded, unreadable;
} ReportCounts;

static ReportCounts
report_counts (const char *report)
{
  const char *left = strstr (report, "run left ");
  const char *counts = strstr (report, ".staging~*: ");
  ReportCounts c = { 0 };

  ck_assert_msg (left != NULL && counts != NULL, "no report of the dead run: '%s'", report);
  ck_assert_int_eq (sscanf (left, "run left %u", &c.left), 1);
  ck_assert_int_eq (sscanf (counts, ".staging~*: %u recorded but not published, %u not yet recorded, %u unreadable",
                            &c.recorded, &c.unrecorded, &c.unreadable), 3);
  return c;
}

/* The first device directory (in name order) of @staging. */
static char *
first_staged_device (const char *staging)
{
  g_autoptr(GDir) d = g_dir_open (staging, 0, NULL);
  const char *name;
  g_autofree char *first = NULL;

  ck_assert_msg (d != NULL, "no %s", staging);
  while ((name = g_dir_read_name (d)) != NULL)
    if (first == NULL || strcmp (name, first) < 0)
      {
        g_free (first);
        first = g_strdup (name);
      }
  ck_assert_msg (first != NULL, "%s is empty", staging);
  return g_build_filename (staging, first, NULL);
}

/* Every open of a workspace with a dead run reports it (chain status,
 * Custody's open); reading and verifying each staged certificate each
 * time took 40-60 s for 20,000 of them. The survey is kept, keyed by the
 * ledger's tip and the staging directories, so a second report reads no
 * certificate: one garbled since is not seen. A staging directory that
 * changes is surveyed again, and finishing the run removes what was kept. */
/* The commit @workspace's main names. (transfer full) */
static char *
main_commit (const char *workspace)
{
  g_autofree char *path = g_build_filename (dir, workspace, "ledger.git", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedger) ledger = chain_ledger_open (path, NULL, &error);

  ck_assert_msg (ledger != NULL, "open %s: %s", path, error != NULL ? error->message : "");
  return g_strdup (chain_ledger_get_tip_commit_id (ledger));
}

/* A sync that re-appends our records on the remote's tip moves main off
 * the pinned line: killed after it says which pin the move needs, or after
 * main moved but before the pin did, the workspace opens, pins where main
 * is, audits clean, and syncs again. */
static void
sync_killed_at (const char *kill_at,
                gboolean    main_moved)
{
  g_autofree char *env = g_strdup_printf ("LIBCHAIN_TEST_KILL_AT=%s", kill_at);
  g_autofree char *pin_path = g_build_filename (dir, "cm-a", "pinned-tip", NULL);
  g_autofree char *intent_path = g_strconcat (pin_path, ".next", NULL);
  g_autofree char *main_before = NULL;
  g_autofree char *main_after = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *err = NULL;
  int status;

  /* Diverge: a record of ours, and one of the OEM's we have not fetched. */
  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "2",
                                                          "--prefix", "s-", "-o", "out", NULL }));
  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "cm-r", "request", "--org", "CM R",
                                                          "--tier", "manufacturer", "-o", "cm-r.req", NULL }));
  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "oem", "delegate", "cm-r.req", "-o",
                                                          "cm-r.grant", NULL }));
  main_before = main_commit ("cm-a");

  status = test_cli_chain_env (dir, (const char *const[]) { env, NULL }, NULL,
                               (const char *const[]) { "-q", "-C", "cm-a", "sync", "oem", NULL }, NULL, NULL);
  ck_assert_msg (status == -1, "the hook did not kill chain sync (exit %d)", status);
  ck_assert_msg (g_file_test (intent_path, G_FILE_TEST_EXISTS), "%s: no pin intent left to settle", kill_at);
  main_after = main_commit ("cm-a");
  ck_assert_msg ((strcmp (main_before, main_after) != 0) == main_moved, "%s: main %s, was %s", kill_at,
                 main_after, main_before);

  /* Opening settles the intent: the pin follows main, or stays. */
  status = test_cli_chain (dir, (const char *const[]) { "-q", "-C", "cm-a", "status", NULL }, NULL, &err);
  ck_assert_msg (status == 0, "%s: status exited %d: %s", kill_at, status, err);
  ck_assert_msg (!g_file_test (intent_path, G_FILE_TEST_EXISTS), "%s: the pin intent outlived an open", kill_at);
  ck_assert (g_file_get_contents (pin_path, &pin, NULL, NULL));
  ck_assert_msg (strstr (pin, main_after) != NULL, "%s: pin %s, main %s", kill_at, pin, main_after);
  assert_audit ("cm-a", kill_at);

  /* The next sync lands what the kill cut short. */
  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "cm-a", "sync", "oem", NULL }));
  assert_audit ("cm-a", kill_at);
  assert_audit ("oem", kill_at);
}

START_TEST (test_sync_killed_between_main_and_pin)
{
  sync_killed_at ("sync-main", TRUE);
}
END_TEST

START_TEST (test_sync_killed_before_main_moved)
{
  sync_killed_at ("sync-intent", FALSE);
}
END_TEST

START_TEST (test_dead_run_surveyed_once)
{
  g_autofree char *staging = g_build_filename (dir, "out", ".staging~000002", NULL);
  g_autofree char *runs = g_build_filename (dir, "cm-a", "runs", NULL);
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *garbled = NULL;
  g_autofree char *removed = NULL;
  g_autofree char *finished = NULL;
  g_autoptr(GDir) left = NULL;
  g_autoptr(GError) error = NULL;
  ReportCounts before, after;
  int status;

  status = test_cli_chain_env (dir, (const char *const[]) { "LIBCHAIN_TEST_KILL_AT=start:2", NULL }, NULL,
                               (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "30",
                                                       "--batch-size", "10", "--prefix", "k-",
                                                       "--output-layout", "per-device", "-o", "out", NULL },
                               NULL, NULL);
  ck_assert_msg (status == -1, "the hook did not kill chain issue (exit %d)", status);
  first = locked_report ("cm-a");
  before = report_counts (first);
  /* Chunk 2 whole; chunk 3, signed meanwhile, may have one cut short. */
  ck_assert_uint_ge (before.unrecorded, 10);

  /* Garbled inside a device directory: the staging directory is as it was. */
  garbled = first_staged_device (staging);
  {
    g_autofree char *cert = g_build_filename (garbled, "cert.pem", NULL);
    FILE *f = fopen (cert, "r+");

    ck_assert_msg (f != NULL, "open %s", cert);
    fputs ("garbled", f);
    fclose (f);
  }
  again = locked_report ("cm-a");
  ck_assert_str_eq (again, first);

  /* A device directory gone: surveyed again, the garbled one now read. */
  test_support_tmpdir_remove (garbled);
  removed = first_staged_device (staging);
  test_support_tmpdir_remove (removed);
  ck_assert_msg (g_mkdir (garbled, 0700) == 0, "mkdir %s", garbled);
  {
    g_autofree char *cert = g_build_filename (garbled, "cert.pem", NULL);

    ck_assert (g_file_set_contents (cert, "garbled", -1, &error));
  }
  changed = locked_report ("cm-a");
  after = report_counts (changed);
  ck_assert_uint_eq (after.left, before.left - 1);
  ck_assert_uint_eq (after.unrecorded, before.unrecorded - 2);
  ck_assert_uint_eq (after.unreadable, before.unreadable + 1);

  finished = finish_runs ("cm-a", "surveyed once");
  ck_assert_msg (strstr (finished, "finished an interrupted issuing run") != NULL, "stderr: %s", finished);
  left = g_dir_open (runs, 0, NULL);
  ck_assert_msg (left == NULL || g_dir_read_name (left) == NULL, "%s is not empty after finishing", runs);
  assert_audit ("cm-a", "surveyed once");
}
END_TEST

/* A run's output directory is shown as the journal names it: control
 * characters in it are shown as '?' and line breaks as spaces, so that the
 * report stays one line that no terminal obeys (Custody shows it through
 * the same sanitizer). */
START_TEST (test_dead_run_report_sanitized)
{
  const char *out_dir = "out\033]0;owned\007\nchain: all certificates recorded";
  g_autofree char *err = NULL;
  g_autofree char *finished = NULL;
  int status;

  status = test_cli_chain_env (dir, (const char *const[]) { "LIBCHAIN_TEST_KILL_AT=start:2", NULL }, NULL,
                               (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "20",
                                                       "--batch-size", "10", "--prefix", "s-", "-o", out_dir,
                                                       NULL }, NULL, NULL);
  ck_assert_msg (status == -1, "the hook did not kill chain issue (exit %d)", status);
  test_cli_chain (dir, (const char *const[]) { "-C", "cm-a", "status", NULL }, NULL, &err);
  finished = finish_runs ("cm-a", "sanitized");
  for (guint i = 0; i < 2; i++)
    {
      const char *text = i == 0 ? err : finished;
      const char *line = strstr (text, i == 0 ? "an interrupted issuing run left" : "finished an interrupted");
      const char *eol = line != NULL ? strchr (line, '\n') : NULL;

      ck_assert_msg (line != NULL && eol != NULL, "no report: %s", text);
      ck_assert_msg (strpbrk (text, "\033\007") == NULL, "a control character reached the terminal: %s", text);
      ck_assert_msg (strstr (line, "out?]0;owned? chain: all certificates recorded") != NULL
                     && strstr (line, "out?]0;owned? chain: all") < eol, "not one sanitized line: %s", text);
    }
  assert_audit ("cm-a", "sanitized");
}
END_TEST

START_TEST (test_revoke_by_cert_file)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "2", "--prefix",
                                                          "r-", "-o", "out", NULL }));
  out = test_cli_chain_ok (dir, (const char *const[]) { "-C", "cm-a", "revoke", "--cert", "out/r-1/cert.pem", NULL });
  ck_assert_msg (strstr (out, "revoked device") != NULL && strstr (out, "r-1") != NULL, "revoke: %s", out);
  status = test_cli_chain (dir, (const char *const[]) { "-C", "cm-a", "revoke", "--cert", "/dev/zero", NULL },
                           NULL, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("revoke --cert /dev/zero", err, "not a certificate file");
  assert_audit ("cm-a", "revoke --cert");

  /* `log -n1`, as git log takes it. */
  {
    g_autofree char *log = test_cli_chain_ok (dir, (const char *const[]) { "-C", "cm-a", "log", "-n1", NULL });

    ck_assert_msg (strstr (log, "revocation") != NULL && strchr (log, '\n') == log + strlen (log) - 1,
                   "log -n1: %s", log);
  }
}
END_TEST

/* A revoked officer's key file stays, but it is not listed as active. */
START_TEST (test_revoked_officer_not_active)
{
  g_autofree char *list = NULL;
  g_autofree char *status = NULL;
  g_autofree char *list_json = NULL;
  g_autofree char *status_json = NULL;
  g_autoptr(ChainJson) doc = NULL;
  g_autoptr(ChainJson) list_doc = NULL;

  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "oem", "officer", "add", "oscar", NULL }));
  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "oem", "revoke", "--cert",
                                                          "oem/certs/officer-oscar.pem", NULL }));
  list = test_cli_chain_ok (dir, (const char *const[]) { "-C", "oem", "officer", "list", NULL });
  ck_assert_msg (strstr (list, "oscar (revoked)\n") != NULL, "officer list: %s", list);
  list_json = test_cli_chain_ok (dir, (const char *const[]) { "--json", "-C", "oem", "officer", "list", NULL });
  list_doc = test_cli_parse_json ("officer list", list_json);
  ck_assert_uint_eq (test_cli_json_length (list_doc, ""), 1);
  ck_assert_str_eq (test_cli_json_string (list_doc, "0"), "officer");
  status = test_cli_chain_ok (dir, (const char *const[]) { "-C", "oem", "status", NULL });
  ck_assert_msg (strstr (status, "officers    officer\n") != NULL && strstr (status, "revoked     oscar") != NULL,
                 "status: %s", status);
  status_json = test_cli_chain_ok (dir, (const char *const[]) { "--json", "-C", "oem", "status", NULL });
  doc = test_cli_parse_json ("status", status_json);
  ck_assert_uint_eq (test_cli_json_length (doc, "workspace/officers"), 1);
  ck_assert_str_eq (test_cli_json_string (doc, "workspace/revoked_officers/0"), "oscar");
}
END_TEST

/* The record numbers manifest.csv of @out names, in order, as the summary
 * line writes them: "#3–#5" for a run of them, else "#3, #5, #9". */
static char *
records_of_manifest (const char *out)
{
  g_autofree char *path = g_build_filename (dir, out, "manifest.csv", NULL);
  g_autofree char *text = test_cli_read_file (path, NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  GString *list = g_string_new (NULL);

  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ",", -1);
      guint64 seq = g_ascii_strtoull (fields[4], NULL, 10);

      if (seqs->len == 0 || g_array_index (seqs, guint64, seqs->len - 1) != seq)
        g_array_append_val (seqs, seq);
    }
  if (seqs->len > 1 && g_array_index (seqs, guint64, seqs->len - 1) - g_array_index (seqs, guint64, 0) + 1 == seqs->len)
    g_string_printf (list, "#%" G_GUINT64_FORMAT "–#%" G_GUINT64_FORMAT, g_array_index (seqs, guint64, 0),
                     g_array_index (seqs, guint64, seqs->len - 1));
  else
    for (guint i = 0; i < seqs->len; i++)
      g_string_append_printf (list, "%s#%" G_GUINT64_FORMAT, i > 0 ? ", " : "", g_array_index (seqs, guint64, i));
  return g_string_free (list, FALSE);
}

/* Two runs at once: each names only the records it appended. */
START_TEST (test_concurrent_issues_name_their_records)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  GSubprocess *runs[2];
  char *outs[2] = { NULL, NULL };

  g_subprocess_launcher_set_cwd (launcher, dir);
  g_subprocess_launcher_setenv (launcher, "CHAIN_PASSPHRASE", TEST_CLI_PASSPHRASE, TRUE);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("c%u-", i);
      g_autofree char *out = g_strdup_printf ("out-%u", i);

      runs[i] = g_subprocess_launcher_spawn (launcher, NULL, test_cli_bin (), "-C", "cm-a", "issue", "--count", "40",
                                             "--batch-size", "4", "--jobs", "1", "--prefix", prefix, "-o", out, NULL);
      ck_assert_ptr_nonnull (runs[i]);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *err = NULL;
      g_autofree char *out = g_strdup_printf ("out-%u", i);
      g_autofree char *expected = NULL;

      ck_assert (g_subprocess_communicate_utf8 (runs[i], NULL, NULL, &outs[i], &err, NULL));
      ck_assert_msg (g_subprocess_get_if_exited (runs[i]) && g_subprocess_get_exit_status (runs[i]) == 0,
                     "issue %u: %s", i, err);
      expected = records_of_manifest (out);
      ck_assert_msg (strstr (outs[i], expected) != NULL, "run %u printed '%s'; its records are %s", i, outs[i], expected);
      g_object_unref (runs[i]);
      g_free (outs[i]);
    }
}
END_TEST

/* `git count-objects -v` of @workspace's ledger, and its pack files:
 * what an import that was refused must leave as it was. */
static char *
object_store_state (const char *workspace)
{
  g_autofree char *ledger = g_build_filename (dir, workspace, "ledger.git", NULL);
  g_autofree char *counts = NULL;
  g_autofree char *listing = NULL;
  int status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) { "git", "-C", ledger, "count-objects", "-v", NULL },
                               &counts, NULL);

  ck_assert_int_eq (status, 0);
  status = test_cli_spawn (ledger, NULL, NULL, (const char *const[]) { "sh", "-c", "ls -a objects objects/pack", NULL },
                           &listing, NULL);
  ck_assert_int_eq (status, 0);
  return g_strconcat (counts, listing, NULL);
}

/* A bundle that carries an object its records do not reach (a 10 MB
 * blob of zeros here), and one from another ledger: both refused, and
 * neither leaves an object behind. */
START_TEST (test_bundle_import_refused_leaves_nothing)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  int status;

  /* A record cm-a lacks, so that the bundle's pack is read at all. */
  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "oem", "annotate", "new", NULL }));
  before = object_store_state ("cm-a");
  status = test_cli_spawn (dir, NULL, NULL, (const char *const[]) { "sh", "-c",
    "set -e; cd oem/ledger.git; tip=$(git rev-parse main);"
    "blob=$(head -c 10000000 /dev/zero | git hash-object -w --stdin);"
    "{ printf '# v2 git bundle\\n%s refs/heads/main\\n\\n' \"$tip\";"
    "  { git rev-list --objects main; echo \"$blob\"; } | git pack-objects -q --stdout; } > ../../evil.bundle;"
    "echo \"$blob\" > ../../evil.blob", NULL }, NULL, &err);
  ck_assert_msg (status == 0, "making the bundle: %s", err);
  g_clear_pointer (&err, g_free);
  status = test_cli_chain (dir, (const char *const[]) { "-C", "cm-a", "bundle", "import", "evil.bundle", NULL },
                           NULL, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("bundle import", err, "do not reach");
  after = object_store_state ("cm-a");
  ck_assert_str_eq (before, after);

  /* Another ledger altogether: refused when integrated, objects gone. */
  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "other", "init", "--org", "Other Ltd", NULL }));
  g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "other", "bundle", "create", "other.bundle", NULL }));
  g_clear_pointer (&err, g_free);
  status = test_cli_chain (dir, (const char *const[]) { "-C", "cm-a", "bundle", "import", "other.bundle", NULL },
                           NULL, &err);
  ck_assert_msg (status != 0, "another ledger's bundle was imported");
  g_clear_pointer (&after, g_free);
  after = object_store_state ("cm-a");
  ck_assert_str_eq (before, after);
  assert_audit ("cm-a", "refused imports");
}
END_TEST

/* Under umask 000 nothing in the workspace or its ledger (config, HEAD,
 * refs, objects) is group- or world-writable. */
START_TEST (test_umask_000)
{
  g_autofree char *pass_env = g_strdup ("CHAIN_PASSPHRASE=" TEST_CLI_PASSPHRASE);
  g_autofree char *found = NULL;
  g_autofree char *err = NULL;
  int status;

  status = test_cli_spawn (dir, (const char *const[]) { pass_env, NULL }, NULL, (const char *const[]) {
    "sh", "-c", "umask 000 && \"$0\" -q -C u init --org 'Umask Ltd' && \"$0\" -q -C u annotate note",
    test_cli_bin (), NULL }, NULL, &err);
  ck_assert_msg (status == 0, "init under umask 000: %s", err);
  status = test_cli_spawn (dir, NULL, NULL, (const char *const[]) { "find", "u", "-perm", "/022", NULL },
                           &found, NULL);
  ck_assert_int_eq (status, 0);
  ck_assert_msg (found[0] == '\0', "group- or world-writable: %s", found);
}
END_TEST

/* ---- Random kills ----------------------------------------------------------------- */

/* An unlocking command finishes every dead run: then every certificate
 * under @outs is recorded and no staging directory is left. */
static void
finish_and_check (GPtrArray  *outs,
                  const char *trial)
{
  g_autofree char *finished = finish_runs ("cm-a", trial);
  g_autofree char *report = locked_report ("cm-a");

  ck_assert_msg (report[0] == '\0', "%s: still reported after finishing: %s", trial, report);
  g_ptr_array_add (outs, NULL);
  check_certs ("cm-a", (const char *const *) outs->pdata, FALSE, trial);
  g_ptr_array_remove_index (outs, outs->len - 1);
  for (guint i = 0; i < outs->len; i++)
    {
      g_autofree char *out = g_build_filename (dir, outs->pdata[i], NULL);
      g_autoptr(GDir) d = g_dir_open (out, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        ck_assert_msg (!g_str_has_prefix (name, ".staging~"), "%s: %s/%s left after finishing", trial, out, name);
    }
}

typedef enum {
  OP_ISSUE,
  OP_DELEGATE,
  OP_ACCEPT,
  OP_REVOKE,
  OP_SYNC,
  OP_BUNDLE_IMPORT,
  N_OPS
} Op;

static const char *const op_names[] = { "issue", "delegate", "accept", "revoke", "sync", "bundle import" };

START_TEST (test_random_kills)
{
  const char *seed_text = g_getenv ("CHAIN_CRASH_SEED");
  guint32 seed = seed_text != NULL ? (guint32) g_ascii_strtoull (seed_text, NULL, 10) : g_random_int ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  /* Trials per operation: 116 in all (some accepts find no grant); a
   * quarter under ASan. */
  static const guint trials[N_OPS] = { 44, 16, 12, 16, 14, 14 };
  g_autoptr(GPtrArray) outs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  guint issued_runs = 0, requests = 0, grants_made = 0, accepted = 0, revokes = 0;
  guint n_killed = 0, n_trials = 0;

  /* Requests for the delegate trials, a bundle for the import ones. */
  for (guint i = 0; i < N_REQUESTS; i++)
    {
      g_autofree char *ws = g_strdup_printf ("cm-r%u", i);
      g_autofree char *org = g_strdup_printf ("CM R%u", i);
      g_autofree char *req = g_strdup_printf ("cm-r%u.req", i);

      g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", ws, "request", "--org", org, "--tier",
                                                      "manufacturer", "-o", req, NULL }));
    }
  for (Op op = 0; op < N_OPS; op++)
    for (guint i = 0; i < trials[op] / TRIAL_SCALE; i++)
      g_ptr_array_add (order, GUINT_TO_POINTER (op));
  for (guint i = order->len; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i);
      gpointer t = order->pdata[i - 1];

      order->pdata[i - 1] = order->pdata[j];
      order->pdata[j] = t;
    }
  /* An issue comes first, so no revoke trial finds nothing to revoke:
   * only accepts whose delegate died before its grant are skipped. */
  for (guint i = 0; i < order->len; i++)
    if (GPOINTER_TO_UINT (order->pdata[i]) == OP_ISSUE)
      {
        order->pdata[i] = order->pdata[0];
        order->pdata[0] = GUINT_TO_POINTER (OP_ISSUE);
        break;
      }

  for (guint t = 0; t < order->len; t++)
    {
      Op op = GPOINTER_TO_UINT (order->pdata[t]);
      int sig = g_rand_boolean (rand) ? SIGKILL : SIGHUP;
      g_autofree char *trial = g_strdup_printf ("seed %u trial %u (%s, %s)", seed, t, op_names[op],
                                                sig == SIGKILL ? "SIGKILL" : "SIGHUP");
      g_autofree char *a1 = NULL;
      g_autofree char *a2 = NULL;
      const char *ws = "cm-a";
      gulong delay;
      int status = 0;

      switch (op)
        {
        case OP_ISSUE:
          a1 = g_strdup_printf ("i%u-", issued_runs);
          a2 = g_strdup_printf ("out-%u", issued_runs++);
          g_ptr_array_add (outs, g_strdup (a2));
          delay = (gulong) g_rand_int_range (rand, 0, 350000);
          status = chain_killed ((const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "30",
                                                         "--batch-size", "5", "--jobs", "2", "--prefix", a1,
                                                         "-o", a2, NULL }, NULL, delay, sig);
          break;
        case OP_DELEGATE:
          if (requests >= N_REQUESTS)
            continue;
          a1 = g_strdup_printf ("cm-r%u.req", requests);
          a2 = g_strdup_printf ("cm-r%u.grant", requests++);
          ws = "oem";
          delay = (gulong) g_rand_int_range (rand, 0, 400000);
          status = chain_killed ((const char *const[]) { "-q", "-C", "oem", "delegate", a1, "-o", a2, NULL },
                                 NULL, delay, sig);
          break;
        case OP_ACCEPT:
          {
            g_autofree char *grant = NULL;
            g_autofree char *path = NULL;

            /* The next grant a delegate trial wrote whole. */
            while (grants_made < requests)
              {
                g_free (path);
                g_free (grant);
                grant = g_strdup_printf ("cm-r%u.grant", grants_made++);
                path = g_build_filename (dir, grant, NULL);
                if (g_file_test (path, G_FILE_TEST_EXISTS))
                  break;
                g_clear_pointer (&grant, g_free);
              }
            if (grant == NULL)
              continue;
            a1 = g_strdup_printf ("cm-r%u", grants_made - 1);
            ws = a1;
            delay = (gulong) g_rand_int_range (rand, 0, 400000);
            status = chain_killed ((const char *const[]) { "-q", "-C", a1, "accept", grant, NULL }, NULL, delay, sig);
            if (status != 0)
              {
                /* Accepting again finishes what the kill cut short. */
                g_autofree char *err = NULL;
                int again = test_cli_chain (dir, (const char *const[]) { "-q", "-C", a1, "accept", grant, NULL },
                                            NULL, &err);

                ck_assert_msg (again == 0 || strstr (err, "joined its ledger already") != NULL,
                               "%s: accept again exited %d: %s", trial, again, err);
              }
            accepted++;
          }
          break;
        case OP_REVOKE:
          if (issued_runs == 0)
            continue;
          a1 = g_strdup_printf ("i%u-%02u", (guint) g_rand_int_range (rand, 0, (gint32) issued_runs),
                                (guint) g_rand_int_range (rand, 1, 30));
          delay = (gulong) g_rand_int_range (rand, 0, 400000);
          status = chain_killed ((const char *const[]) { "-q", "-C", "cm-a", "revoke", a1, NULL }, NULL, delay, sig);
          revokes++;
          break;
        case OP_SYNC:
          delay = (gulong) g_rand_int_range (rand, 0, 400000);
          status = chain_killed ((const char *const[]) { "-q", "-C", "cm-a", "sync", "oem", NULL }, NULL, delay, sig);
          break;
        case OP_BUNDLE_IMPORT:
          a1 = g_strdup_printf ("oem-%u.bundle", t);
          g_free (test_cli_chain_ok (dir, (const char *const[]) { "-q", "-C", "oem", "bundle", "create", a1, NULL }));
          delay = (gulong) g_rand_int_range (rand, 0, 300000);
          status = chain_killed ((const char *const[]) { "-q", "-C", "cm-a", "bundle", "import", a1, NULL },
                                 NULL, delay, sig);
          break;
        case N_OPS:
        default:
          g_assert_not_reached ();
        }
      n_trials++;
      n_killed += status == -1;

      if (op == OP_ISSUE || op == OP_REVOKE || op == OP_SYNC || op == OP_BUNDLE_IMPORT)
        {
          g_autofree char *report = locked_report ("cm-a");

          /* Each certificate recorded, or in staging and reported; the
           * next unlocking command (the next trial's, mostly) finishes. */
          g_ptr_array_add (outs, NULL);
          check_certs ("cm-a", (const char *const *) outs->pdata, report[0] != '\0', trial);
          g_ptr_array_remove_index (outs, outs->len - 1);
          if (t % 10 == 9 || t + 1 == order->len)
            finish_and_check (outs, trial);
        }
      assert_audit (ws, trial);
    }
  ck_assert_uint_ge (n_trials, 100 / TRIAL_SCALE);
  /* Most kills must land while the command still runs, or the test tests little. */
  ck_assert_msg (n_killed * 3 >= n_trials, "only %u of %u trials were killed while running", n_killed, n_trials);
  (void) accepted;
  (void) revokes;
}
END_TEST

static Suite *
cli_crash_suite (void)
{
  Suite *suite = suite_create ("cli-crash");
  TCase *tc = tcase_create ("crash");

  tcase_add_unchecked_fixture (tc, base_setup, base_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_issue_killed_before_append);
  tcase_add_test (tc, test_issue_killed_between_append_and_move);
  tcase_add_test (tc, test_issue_killed_before_append_per_batch);
  tcase_add_test (tc, test_issue_killed_between_append_and_move_per_batch);
  tcase_add_test (tc, test_issue_killed_between_pack_and_move);
  tcase_add_test (tc, test_dead_run_report_sanitized);
  tcase_add_test (tc, test_dead_run_surveyed_once);
  tcase_add_test (tc, test_sync_killed_between_main_and_pin);
  tcase_add_test (tc, test_sync_killed_before_main_moved);
  tcase_add_test (tc, test_revoke_by_cert_file);
  tcase_add_test (tc, test_revoked_officer_not_active);
  tcase_add_test (tc, test_umask_000);
  tcase_add_test (tc, test_bundle_import_refused_leaves_nothing);
  tcase_add_test (tc, test_concurrent_issues_name_their_records);
  tcase_add_test (tc, test_random_kills);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (cli_crash_suite ());
}
