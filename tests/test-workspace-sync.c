/* test-workspace-sync.c — chain_workspace_sync(): fast-forwards, and our
 * unshared records re-appended when both sides appended
 *
 * Real workspaces made with the library (test-custody.c): an OEM and a
 * manufacturer "cm" that asked for, got and accepted its sub-CA. The remote
 * is the other side's ledger.git (a bare repository), or a hub both sync
 * with. Plain git reads the results (`git log`, `git for-each-ref`), the
 * auditor checks every copy against the OEM's root, and every refusal must
 * leave the refs, the pin and the workspace directory exactly as they were.
 */
#include "test-custody.h"

#include <glib/gstdio.h>

#include "chain-workspace-private.h"
#include "chain-workspace-sync-state-private.h"

typedef struct {
  char           *dir;
  ChainWorkspace *oem;
  ChainWorkspace *cm;
  char           *oem_repo;
  char           *cm_repo;
  char           *root;
} World;

static World w;

/* ---- Helpers -------------------------------------------------------------- */

static char *
git_out (const char *repo,
         const char *first,
         ...) G_GNUC_NULL_TERMINATED;

/* Runs git -C @repo ARGS..., failing the test unless it exits 0. */
static char *
git_out (const char *repo,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list args;
  int status;

  g_ptr_array_add (argv, (char *) "git");
  g_ptr_array_add (argv, (char *) "-C");
  g_ptr_array_add (argv, (char *) repo);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, NULL, &out, &err);
  ck_assert_msg (status == 0, "git %s exited %d: %s", first, status, err);
  return g_steal_pointer (&out);
}

static char *
main_of (const char *repo)
{
  g_autofree char *out = git_out (repo, "rev-parse", "refs/heads/main", NULL);

  return g_strdup (g_strstrip (out));
}

static void
annotate (ChainWorkspace *ws,
          const char     *text)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (chain_workspace_annotate (ws, text, NULL, NULL, &error), "annotate: %s",
                 error != NULL ? error->message : "");
}

static void
refresh (ChainWorkspace *ws)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (chain_workspace_refresh (ws, NULL, NULL, &error), "refresh: %s",
                 error != NULL ? error->message : "");
}

static ChainWorkspaceSyncResult *
sync_ok (ChainWorkspace *ws,
         const char     *remote,
         gboolean        push)
{
  g_autoptr(GError) error = NULL;
  ChainWorkspaceSyncOptions options = CHAIN_WORKSPACE_SYNC_OPTIONS_INIT;
  ChainWorkspaceSyncResult *result = NULL;

  options.push = push;
  ck_assert_msg (chain_workspace_sync (ws, remote, &options, &result, NULL, &error),
                 "sync with %s: %s", remote, error != NULL ? error->message : "");
  ck_assert_ptr_nonnull (result);
  return result;
}

/* Refs with their targets, the pin, and any staging directory left over:
 * what a refused sync must leave as it was. */
static char *
snapshot (ChainWorkspace *ws)
{
  const char *dir = chain_workspace_get_dir (ws);
  g_autofree char *repo = g_build_filename (dir, CHAIN_WORKSPACE_LEDGER_DIR, NULL);
  g_autofree char *refs = git_out (repo, "for-each-ref", "--format=%(refname) %(objectname)", NULL);
  g_autofree char *pin_path = g_build_filename (dir, CHAIN_SYNC_PIN_FILE, NULL);
  g_autofree char *pin = NULL;
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  GString *out = g_string_new (refs);
  const char *name;

  ck_assert (g_file_get_contents (pin_path, &pin, NULL, NULL));
  g_string_append_printf (out, "pin %s\n", pin);
  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_prefix (name, ".sync-"))
      g_string_append_printf (out, "left over: %s\n", name);
  return g_string_free (out, FALSE);
}

static void
assert_audits_clean (const char *repo)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainAuditReport) report = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;

  options.trusted_root = w.root;
  ck_assert (chain_audit_repository (repo, &options, &report, NULL, &error));
  test_assert_no_error (error);
  ck_assert_msg (chain_audit_report_is_ok (report), "%s does not audit clean:\n%s", repo,
                 chain_audit_report_to_text (report, FALSE));
}

/* `git log` shows one line: every commit has at most one parent, and as
 * many commits as the ledger has records. */
static void
assert_linear (const char *repo,
               guint64     length)
{
  g_autofree char *out = git_out (repo, "rev-list", "--parents", "refs/heads/main", NULL);
  g_auto(GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);

  ck_assert_uint_eq (g_strv_length (lines), length);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);

      ck_assert_uint_le (g_strv_length (fields), 2);
      ck_assert_uint_eq (g_strv_length (fields), lines[i + 1] != NULL ? 2 : 1);
    }
}

static void
assert_error_says (GError    **error,
                   int         code,
                   const char *text)
{
  ck_assert_msg (*error != NULL, "no error; expected one saying '%s'", text);
  ck_assert_msg (strstr ((*error)->message, text) != NULL, "'%s' not in: %s", text,
                 (*error)->message);
  ck_assert_msg (strchr ((*error)->message, '\n') == NULL, "not one line: %s", (*error)->message);
  test_assert_error (*error, code);
}

/* statement.json and signatures.json of the records @from.. of @ws. */
static GPtrArray *
statements_from (ChainWorkspace *ws,
                 guint64         from)
{
  ChainLedger *ledger = chain_workspace_get_ledger (ws);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint64 seq = from; seq < chain_ledger_get_length (ledger); seq++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, seq, &error);
      g_autoptr(GBytes) statement = NULL;
      g_autoptr(GBytes) signatures = NULL;

      test_assert_no_error (error);
      statement = chain_statement_dup_bytes (chain_record_get_statement (record));
      signatures = chain_statement_dup_signatures_bytes (chain_record_get_statement (record));
      g_ptr_array_add (out, g_strdup_printf ("%.*s %.*s", (int) g_bytes_get_size (statement),
                                             (const char *) g_bytes_get_data (statement, NULL),
                                             (int) g_bytes_get_size (signatures),
                                             (const char *) g_bytes_get_data (signatures, NULL)));
    }
  return out;
}

/* ---- Fixture -------------------------------------------------------------- */

/* An OEM and a CM that joined; the CM's acceptance pushed to the OEM, so
 * both start at the same tip. */
static void
setup (void)
{
  g_autoptr(ChainWorkspaceSyncResult) result = NULL;

  w.dir = test_support_tmpdir_new ();
  w.oem = test_custody_init (w.dir, "oem", NULL);
  w.cm = test_custody_child (w.oem, w.dir, "cm", "manufacturer", TRUE);
  w.oem_repo = g_build_filename (w.dir, "oem", CHAIN_WORKSPACE_LEDGER_DIR, NULL);
  w.cm_repo = g_build_filename (w.dir, "cm", CHAIN_WORKSPACE_LEDGER_DIR, NULL);
  w.root = test_custody_thumbprint (chain_ledger_state_get_root (chain_workspace_get_state (w.oem)));

  result = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (result), CHAIN_WORKSPACE_SYNC_UP_TO_DATE);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (result), 1);
  refresh (w.oem);
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (w.oem)),
                    chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (w.cm)));
}

static void
teardown (void)
{
  g_clear_pointer (&w.oem, chain_workspace_free);
  g_clear_pointer (&w.cm, chain_workspace_free);
  test_support_tmpdir_remove (w.dir);
  g_clear_pointer (&w.dir, g_free);
  g_clear_pointer (&w.oem_repo, g_free);
  g_clear_pointer (&w.cm_repo, g_free);
  g_clear_pointer (&w.root, g_free);
}

/* ---- Fast-forwards ---------------------------------------------------------- */

START_TEST (test_fast_forward_both_ways)
{
  g_autoptr(ChainWorkspaceSyncResult) fetched = NULL;
  g_autoptr(ChainWorkspaceSyncResult) pushed = NULL;
  g_autoptr(ChainWorkspaceSyncResult) held = NULL;
  g_autoptr(ChainWorkspaceSyncResult) taken = NULL;
  g_autoptr(ChainWorkspaceSyncResult) same = NULL;
  g_autofree char *before = NULL;
  g_autofree char *oem_main = NULL;
  ChainLedger *cm_ledger = chain_workspace_get_ledger (w.cm);
  ChainLedger *oem_ledger = chain_workspace_get_ledger (w.oem);

  /* The OEM appended: the CM takes it. */
  annotate (w.oem, "from the OEM");
  before = g_strdup (chain_ledger_get_tip_commit_id (cm_ledger));
  fetched = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (fetched), CHAIN_WORKSPACE_SYNC_FAST_FORWARDED);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_fetched (fetched), 1);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (fetched), 0);
  ck_assert_ptr_null (chain_workspace_sync_result_get_abandoned_ref (fetched));
  ck_assert_str_eq (chain_workspace_sync_result_get_old_tip (fetched), before);
  ck_assert_str_eq (chain_workspace_sync_result_get_new_tip (fetched),
                    chain_ledger_get_tip_commit_id (oem_ledger));
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (cm_ledger), chain_ledger_get_tip_commit_id (oem_ledger));
  ck_assert_int_eq (chain_workspace_sync_result_get_seq (fetched),
                    (gint64) chain_ledger_get_length (cm_ledger) - 1);
  ck_assert_ptr_nonnull (strstr (chain_workspace_sync_result_get_summary (fetched), "fetched 1 record,"));

  /* The CM appended: it pushes. */
  annotate (w.cm, "from the CM");
  pushed = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (pushed), CHAIN_WORKSPACE_SYNC_UP_TO_DATE);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (pushed), 1);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_unpushed (pushed), 0);
  refresh (w.oem);
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (oem_ledger), chain_ledger_get_tip_commit_id (cm_ledger));

  /* Not asked to push: the remote still lacks it, and says so. */
  annotate (w.cm, "kept back");
  held = sync_ok (w.cm, w.oem_repo, FALSE);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_unpushed (held), 1);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (held), 0);
  ck_assert_ptr_nonnull (strstr (chain_workspace_sync_result_get_summary (held), "not pushed"));
  oem_main = main_of (w.oem_repo);
  ck_assert_str_ne (oem_main, chain_ledger_get_tip_commit_id (cm_ledger));

  /* The other way: the OEM fetches from the CM's ledger. */
  taken = sync_ok (w.oem, w.cm_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (taken), CHAIN_WORKSPACE_SYNC_FAST_FORWARDED);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_fetched (taken), 1);
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (oem_ledger), chain_ledger_get_tip_commit_id (cm_ledger));

  same = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (same), CHAIN_WORKSPACE_SYNC_UP_TO_DATE);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (same), 0);
  ck_assert_ptr_nonnull (strstr (chain_workspace_sync_result_get_summary (same), "already up to date"));
  assert_audits_clean (w.oem_repo);
  assert_audits_clean (w.cm_repo);
}
END_TEST

/* ---- Divergence ------------------------------------------------------------- */

START_TEST (test_divergence_reappends_ours)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspaceSyncResult) result = NULL;
  g_autoptr(ChainWorkspaceSyncResult) back = NULL;
  g_autoptr(GPtrArray) ours_before = NULL;
  g_autoptr(GPtrArray) ours_after = NULL;
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(ChainWorkspace) reopened = NULL;
  g_autofree char *old_tip = NULL;
  g_autofree char *abandoned_tip = NULL;
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *pin_path = g_build_filename (w.dir, "cm", CHAIN_SYNC_PIN_FILE, NULL);
  g_autofree char *cm_dir = g_build_filename (w.dir, "cm", NULL);
  g_autofree char *oem_main = NULL;
  g_autofree char *cm_main = NULL;
  const char *ids[] = { "line-7-unit-1", NULL };
  ChainLedger *cm_ledger = chain_workspace_get_ledger (w.cm);
  ChainLedger *oem_ledger = NULL;
  guint64 base_length = chain_ledger_get_length (cm_ledger);
  guint64 length;
  gint64 pinned_seq = -1;

  /* Both append while apart: the OEM twice, the CM a device batch (with
   * artifacts) and an annotation. */
  annotate (w.oem, "OEM one");
  annotate (w.oem, "OEM two");
  certs = test_custody_issue (w.cm, ids, NULL, TRUE);
  annotate (w.cm, "CM, offline");
  ours_before = statements_from (w.cm, base_length);
  old_tip = g_strdup (chain_ledger_get_tip_commit_id (cm_ledger));

  result = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (result), CHAIN_WORKSPACE_SYNC_REAPPENDED);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_fetched (result), 2);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_reappended (result), 2);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (result), 2);
  ck_assert_str_eq (chain_workspace_sync_result_get_old_tip (result), old_tip);
  ck_assert_ptr_nonnull (strstr (chain_workspace_sync_result_get_summary (result),
                                 "re-appended our 2 on top"));

  /* Our statements are on top of the OEM's, unchanged, signatures and all. */
  length = chain_ledger_get_length (cm_ledger);
  ck_assert_uint_eq (length, base_length + 4);
  ck_assert_int_eq (chain_workspace_sync_result_get_seq (result), (gint64) length - 1);
  ours_after = statements_from (w.cm, base_length + 2);
  ck_assert_uint_eq (ours_after->len, 2);
  for (guint i = 0; i < 2; i++)
    ck_assert_str_eq (ours_after->pdata[i], ours_before->pdata[i]);

  /* The old commits stay reachable. */
  ck_assert_ptr_nonnull (chain_workspace_sync_result_get_abandoned_ref (result));
  ck_assert (g_str_has_prefix (chain_workspace_sync_result_get_abandoned_ref (result),
                               "refs/chain/abandoned/"));
  abandoned_tip = git_out (w.cm_repo, "rev-parse", chain_workspace_sync_result_get_abandoned_ref (result),
                           NULL);
  ck_assert_str_eq (g_strstrip (abandoned_tip), old_tip);

  /* Pushed: the OEM holds the same tip, and so does the CM's pin. */
  oem_main = main_of (w.oem_repo);
  cm_main = main_of (w.cm_repo);
  ck_assert_str_eq (oem_main, chain_workspace_sync_result_get_new_tip (result));
  ck_assert_str_eq (cm_main, chain_workspace_sync_result_get_new_tip (result));
  ck_assert (chain_sync_pin_read (pin_path, &pin, &pinned_seq, &error));
  ck_assert_str_eq (pin, chain_workspace_sync_result_get_new_tip (result));
  ck_assert_int_eq (pinned_seq, (gint64) length - 1);

  /* The OEM fetches: nothing left to take, its workspace reads it all. */
  back = sync_ok (w.oem, w.cm_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (back), CHAIN_WORKSPACE_SYNC_UP_TO_DATE);
  oem_ledger = chain_workspace_get_ledger (w.oem);
  ck_assert_uint_eq (chain_ledger_get_length (oem_ledger), length);
  ck_assert_uint_eq (chain_ledger_state_get_n_records (chain_workspace_get_state (w.oem)), length);
  ck_assert_uint_eq (chain_ledger_state_get_n_records (chain_workspace_get_state (w.cm)), length);

  /* Every copy audits clean against the root; plain git sees one line. */
  assert_audits_clean (w.oem_repo);
  assert_audits_clean (w.cm_repo);
  assert_linear (w.oem_repo, length);
  assert_linear (w.cm_repo, length);
  log = git_out (w.cm_repo, "log", "--format=%s", "-4", "refs/heads/main", NULL);
  lines = g_strsplit (log, "\n", -1);
  ck_assert (g_str_has_prefix (lines[0], "annotation #") && g_str_has_suffix (lines[0], " by cm"));
  ck_assert (g_str_has_prefix (lines[1], "device-batch #") && g_str_has_suffix (lines[1], " by cm"));
  ck_assert (g_str_has_suffix (lines[2], " by oem") && g_str_has_suffix (lines[3], " by oem"));

  /* Both workspaces open from disk (the pin holds), and the CM goes on. */
  chain_workspace_free (g_steal_pointer (&w.cm));
  reopened = test_custody_open (cm_dir);
  annotate (reopened, "after the re-append");
  w.cm = g_steal_pointer (&reopened);
}
END_TEST

/* Not asked to push: ours are re-appended locally, the remote keeps its
 * tip, and the tracking ref records that tip as accepted. */
START_TEST (test_divergence_without_push)
{
  g_autoptr(ChainWorkspaceSyncResult) result = NULL;
  g_autoptr(ChainWorkspaceSyncResult) again = NULL;
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, w.oem_repo, -1);
  g_autofree char *tracking = g_strdup_printf ("refs/remotes/url-%.16s/main", digest);
  g_autofree char *tracked = NULL;
  g_autofree char *oem_tip = NULL;
  g_autofree char *oem_after = NULL;

  annotate (w.oem, "the OEM's");
  annotate (w.cm, "the CM's");
  oem_tip = main_of (w.oem_repo);
  result = sync_ok (w.cm, w.oem_repo, FALSE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (result), CHAIN_WORKSPACE_SYNC_REAPPENDED);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_reappended (result), 1);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (result), 0);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_unpushed (result), 1);
  oem_after = main_of (w.oem_repo);
  ck_assert_str_eq (oem_after, oem_tip);
  tracked = git_out (w.cm_repo, "rev-parse", tracking, NULL);
  ck_assert_str_eq (g_strstrip (tracked), oem_tip);

  /* The next sync only pushes. */
  again = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (again), CHAIN_WORKSPACE_SYNC_UP_TO_DATE);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (again), 1);
  assert_audits_clean (w.oem_repo);
}
END_TEST

/* The push after a re-append fails (remote origin's pushurl leads nowhere):
 * the re-append stays, the error says so, and the next sync pushes. */
START_TEST (test_push_failure_keeps_reappend)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspaceSyncResult) again = NULL;
  g_autofree char *nowhere = g_build_filename (w.dir, "nowhere.git", NULL);
  g_autofree char *out = NULL;
  g_autofree char *cm_main = NULL;
  g_autofree char *oem_tip = NULL;
  g_autofree char *oem_after = NULL;
  g_autofree char *abandoned = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *pin_path = g_build_filename (w.dir, "cm", CHAIN_SYNC_PIN_FILE, NULL);
  g_autofree char *base = NULL;

  ck_assert (chain_sync_remote_set (w.cm_repo, "origin", w.oem_repo, &error));
  out = git_out (w.cm_repo, "config", "remote.origin.pushurl", nowhere, NULL);
  annotate (w.oem, "the OEM's");
  annotate (w.cm, "the CM's");
  oem_tip = main_of (w.oem_repo);

  ck_assert (!chain_workspace_sync (w.cm, NULL, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_FAILED, "but did not push them; sync again to push");

  /* Re-appended here: on the OEM's tip, pinned, the old tip kept. */
  cm_main = main_of (w.cm_repo);
  base = git_out (w.cm_repo, "rev-parse", "refs/heads/main~1", NULL);
  ck_assert_str_eq (g_strstrip (base), oem_tip);
  ck_assert_str_eq (cm_main, chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (w.cm)));
  ck_assert (chain_sync_pin_read (pin_path, &pin, NULL, &error));
  ck_assert_str_eq (pin, cm_main);
  abandoned = git_out (w.cm_repo, "for-each-ref", "--format=%(refname)", "refs/chain/abandoned/", NULL);
  ck_assert (g_str_has_prefix (abandoned, "refs/chain/abandoned/"));
  ck_assert_uint_eq (chain_ledger_state_get_n_records (chain_workspace_get_state (w.cm)),
                     chain_ledger_get_length (chain_workspace_get_ledger (w.cm)));
  oem_after = main_of (w.oem_repo);
  ck_assert_str_eq (oem_after, oem_tip);

  g_free (out);
  out = git_out (w.cm_repo, "config", "--unset", "remote.origin.pushurl", NULL);
  again = sync_ok (w.cm, NULL, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (again), CHAIN_WORKSPACE_SYNC_UP_TO_DATE);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (again), 1);
  g_free (oem_after);
  oem_after = main_of (w.oem_repo);
  ck_assert_str_eq (oem_after, cm_main);
}
END_TEST

/* A hub both sync with: the CM re-appends and pushes there, the OEM takes
 * it from there. Run in a worker thread, as the GUI does. */
typedef struct {
  GMainLoop                *loop;
  ChainWorkspaceSyncResult *result;
  GError                   *error;
  guint                     reports[CHAIN_WORKSPACE_SYNC_STAGE_SENDING + 1];
  GThread                  *thread;
  gboolean                  other_thread;
} AsyncRun;

static void
on_async_progress (ChainWorkspaceSyncStage stage,
                   guint64                 done,
                   guint64                 total,
                   gpointer                data)
{
  AsyncRun *run = data;

  ck_assert_uint_le (done, total > 0 ? total : done);
  run->reports[stage]++;
  if (g_thread_self () != run->thread)
    run->other_thread = TRUE;
}

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  AsyncRun *run = data;

  (void) source;
  chain_workspace_sync_finish (w.cm, result, &run->result, &run->error);
  g_main_loop_quit (run->loop);
}

START_TEST (test_divergence_through_hub_async)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspaceSyncResult) first = NULL;
  g_autoptr(ChainWorkspaceSyncResult) taken = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autofree char *hub = g_build_filename (w.dir, "hub.git", NULL);
  g_autofree char *init = NULL;
  g_autofree char *hub_main = NULL;
  ChainWorkspaceSyncOptions options = CHAIN_WORKSPACE_SYNC_OPTIONS_INIT;
  AsyncRun run = { 0 };

  init = git_out (w.dir, "init", "-q", "--bare", "-b", "main", hub, NULL);
  first = sync_ok (w.oem, hub, TRUE);
  ck_assert_uint_gt (chain_workspace_sync_result_get_n_pushed (first), 0);
  ck_assert (chain_sync_remote_set (w.cm_repo, "origin", hub, &error));
  test_assert_no_error (error);

  annotate (w.oem, "OEM at the hub");
  g_clear_pointer (&first, chain_workspace_sync_result_free);
  first = sync_ok (w.oem, hub, TRUE);
  annotate (w.cm, "CM on the line");

  g_main_context_push_thread_default (context);
  run.loop = g_main_loop_new (context, FALSE);
  run.thread = g_thread_self ();
  options.progress = on_async_progress;
  options.progress_data = &run;
  chain_workspace_sync_async (w.cm, NULL, &options, NULL, on_async_done, &run);
  g_main_loop_run (run.loop);
  g_main_context_pop_thread_default (context);
  g_main_loop_unref (run.loop);

  test_assert_no_error (run.error);
  ck_assert_ptr_nonnull (run.result);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (run.result), CHAIN_WORKSPACE_SYNC_REAPPENDED);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_reappended (run.result), 1);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (run.result), 1);
  ck_assert_uint_gt (run.reports[CHAIN_WORKSPACE_SYNC_STAGE_AUDITING], 0);
  ck_assert_uint_gt (run.reports[CHAIN_WORKSPACE_SYNC_STAGE_REAPPENDING], 0);
  ck_assert (!run.other_thread);

  taken = sync_ok (w.oem, hub, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (taken), CHAIN_WORKSPACE_SYNC_FAST_FORWARDED);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_fetched (taken), 1);
  hub_main = main_of (hub);
  ck_assert_str_eq (hub_main, chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (w.oem)));
  ck_assert_str_eq (hub_main, chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (w.cm)));
  assert_audits_clean (hub);
  assert_linear (hub, chain_ledger_get_length (chain_workspace_get_ledger (w.oem)));
  chain_workspace_sync_result_free (run.result);
}
END_TEST

/* Three tiers. The distributor fetched the CM's record straight from the
 * CM's ledger, which leaves no trace there, so the CM re-appended it on the
 * OEM's tip. Syncing with the OEM, the distributor leaves its copy of that
 * record behind (the OEM's history holds the statement) and re-appends only
 * its own. The CM's own ledger did rewrite what the distributor had seen of
 * it, and the distributor's tracking ref says so. */
START_TEST (test_already_held_left_behind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspace) dist = test_custody_child (w.cm, w.dir, "dist", "distributor", TRUE);
  g_autofree char *dist_repo = g_build_filename (w.dir, "dist", CHAIN_WORKSPACE_LEDGER_DIR, NULL);
  g_autoptr(ChainWorkspaceSyncResult) r1 = NULL;
  g_autoptr(ChainWorkspaceSyncResult) r2 = NULL;
  g_autoptr(ChainWorkspaceSyncResult) r3 = NULL;
  g_autoptr(ChainWorkspaceSyncResult) r4 = NULL;
  g_autoptr(ChainWorkspaceSyncResult) r5 = NULL;
  g_autoptr(ChainWorkspaceSyncResult) r6 = NULL;
  g_autofree char *oem_main = NULL;
  guint64 length;

  r1 = sync_ok (dist, w.cm_repo, TRUE);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (r1), 1);
  refresh (w.cm);
  r2 = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (r2), 3);
  refresh (w.oem);

  annotate (w.cm, "the CM's, fetched by the distributor");
  r3 = sync_ok (dist, w.cm_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (r3), CHAIN_WORKSPACE_SYNC_FAST_FORWARDED);
  annotate (w.oem, "the OEM's, meanwhile");
  r4 = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_reappended (r4), 1);

  annotate (dist, "the distributor's");
  r5 = sync_ok (dist, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (r5), CHAIN_WORKSPACE_SYNC_REAPPENDED);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_fetched (r5), 2);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_reappended (r5), 1);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_already_held (r5), 1);
  ck_assert_uint_eq (chain_workspace_sync_result_get_n_pushed (r5), 1);
  ck_assert_ptr_nonnull (strstr (chain_workspace_sync_result_get_summary (r5),
                                 "1 more of ours it held already"));

  r6 = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (r6), CHAIN_WORKSPACE_SYNC_FAST_FORWARDED);
  refresh (w.oem);
  oem_main = main_of (w.oem_repo);
  length = chain_ledger_get_length (chain_workspace_get_ledger (w.oem));
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (dist)), oem_main);
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (w.cm)), oem_main);
  for (guint i = 0; i < 3; i++)
    {
      const char *repo = i == 0 ? w.oem_repo : i == 1 ? w.cm_repo : dist_repo;

      assert_audits_clean (repo);
      assert_linear (repo, length);
    }

  ck_assert (!chain_workspace_sync (dist, w.cm_repo, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "was rolled back or force-pushed");
}
END_TEST

/* ---- Refusals: nothing changes ------------------------------------------------ */

/* The OEM revoked the CM's CA while the CM recorded something: on the
 * OEM's tip the rules refuse the CM's record. */
START_TEST (test_refused_reappend_changes_nothing)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRevocation) plan = NULL;
  const char *custodians[] = { "cm", NULL };
  g_autofree char *cm_before = NULL;
  g_autofree char *oem_before = NULL;
  g_autofree char *cm_after = NULL;
  g_autofree char *oem_after = NULL;
  g_autofree char *tip = NULL;

  plan = chain_workspace_plan_revocation (w.oem, NULL, custodians, NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_workspace_revoke (w.oem, plan, NULL, NULL, &error));
  test_assert_no_error (error);
  annotate (w.cm, "recorded before the CM heard of it");
  cm_before = snapshot (w.cm);
  oem_before = snapshot (w.oem);
  tip = g_strdup (chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (w.cm)));

  ck_assert (!chain_workspace_sync (w.cm, w.oem_repo, NULL, NULL, NULL, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, "cannot re-append our record") != NULL
                 && strstr (error->message, "(annotation)") != NULL
                 && strstr (error->message, ": rule signature.") != NULL, "%s", error->message);
  assert_error_says (&error, CHAIN_ERROR_REFUSED, "nothing was changed");

  cm_after = snapshot (w.cm);
  oem_after = snapshot (w.oem);
  ck_assert_str_eq (cm_after, cm_before);
  ck_assert_str_eq (oem_after, oem_before);
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (w.cm)), tip);
  assert_audits_clean (w.cm_repo);
}
END_TEST

/* Our diverged record is held elsewhere already: pushed to another remote,
 * written into a bundle, or received in one. */
static const struct {
  const char *name;
  const char *says;
} shared_cases[] = {
  { "pushed to a second remote", "a remote has it (refs/remotes/url-" },
  { "sent in a bundle", "a bundle we wrote carries it (refs/chain/sent/bundle)" },
  { "received in a bundle", "it came in a bundle (refs/chain/received/bundle)" },
};

START_TEST (test_shared_record_refused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *backup = g_build_filename (w.dir, "backup.git", NULL);
  g_autofree char *bundle = g_build_filename (w.dir, "cm.bundle", NULL);
  g_autofree char *init = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *oem_tip = NULL;

  annotate (w.cm, "shared before the OEM's");
  if (_i == 0)
    {
      g_autoptr(ChainSyncResult) pushed = NULL;

      init = git_out (w.dir, "init", "-q", "--bare", "-b", "main", backup, NULL);
      ck_assert (chain_sync_push (w.cm_repo, backup, NULL, &pushed, NULL, &error));
    }
  else
    ck_assert (chain_sync_bundle_create (w.cm_repo, bundle, NULL, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  if (_i == 2)
    {
      /* As if another line station of the CM had sent the record: the CM
       * forgets it (and that it wrote the bundle), then imports it. */
      g_autofree char *cm_dir = g_build_filename (w.dir, "cm", NULL);
      g_autofree char *pin_path = g_build_filename (cm_dir, CHAIN_SYNC_PIN_FILE, NULL);
      g_autofree char *parent = git_out (w.cm_repo, "rev-parse", "refs/heads/main~1", NULL);
      g_autofree char *out = NULL;
      ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;

      chain_workspace_free (g_steal_pointer (&w.cm));
      out = git_out (w.cm_repo, "update-ref", "-d", "refs/chain/sent/bundle", NULL);
      g_free (out);
      out = git_out (w.cm_repo, "update-ref", "refs/heads/main", g_strstrip (parent), NULL);
      ck_assert (chain_sync_pin_write (pin_path, parent, -1, &error));
      options.pin_path = pin_path;
      ck_assert (chain_sync_bundle_import (w.cm_repo, bundle, &options, NULL, NULL, &error));
      test_assert_no_error (error);
      w.cm = test_custody_open (cm_dir);
    }
  annotate (w.oem, "the OEM's, meanwhile");
  before = snapshot (w.cm);
  oem_tip = main_of (w.oem_repo);

  ck_assert (!chain_workspace_sync (w.cm, w.oem_repo, NULL, NULL, NULL, &error));
  ck_assert_msg (error != NULL && strstr (error->message, shared_cases[_i].says) != NULL,
                 "%s: %s", shared_cases[_i].name, error != NULL ? error->message : "no error");
  assert_error_says (&error, CHAIN_ERROR_CONFLICT, "let the custodian of");

  after = snapshot (w.cm);
  ck_assert_str_eq (after, before);
  g_free (init);
  init = main_of (w.oem_repo);
  ck_assert_str_eq (init, oem_tip);
}
END_TEST

/* A record of another custodian among ours came from elsewhere, even with
 * no ref to say so: here the CM took the OEM's record with plain git, and
 * the OEM then rolled its own ledger back and appended something else. */
START_TEST (test_foreign_record_refused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *oem_dir = g_build_filename (w.dir, "oem", NULL);
  g_autofree char *oem_pin = g_build_filename (oem_dir, CHAIN_SYNC_PIN_FILE, NULL);
  g_autofree char *base = main_of (w.oem_repo);
  g_autofree char *out = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  annotate (w.oem, "taken by the CM behind the ledger's back");
  out = git_out (w.cm_repo, "fetch", "-q", w.oem_repo, "refs/heads/main", NULL);
  g_free (out);
  out = git_out (w.cm_repo, "update-ref", "refs/heads/main", "FETCH_HEAD", NULL);
  refresh (w.cm);

  chain_workspace_free (g_steal_pointer (&w.oem));
  g_free (out);
  out = git_out (w.oem_repo, "update-ref", "refs/heads/main", base, NULL);
  ck_assert_int_eq (g_unlink (oem_pin), 0);
  w.oem = test_custody_open (oem_dir);
  annotate (w.oem, "the OEM's other record");
  before = snapshot (w.cm);

  ck_assert (!chain_workspace_sync (w.cm, w.oem_repo, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_CONFLICT, "it is oem's record, so it came from elsewhere");
  after = snapshot (w.cm);
  ck_assert_str_eq (after, before);
}
END_TEST

/* The OEM's ledger was rolled back (and, in the second case, appended to
 * on the older tip) behind the CM's back: the tracking ref catches it. */
START_TEST (test_rewritten_remote_refused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tip = main_of (w.oem_repo);
  g_autofree char *parent = NULL;
  g_autofree char *out = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  annotate (w.cm, "the CM's, offline");
  parent = git_out (w.oem_repo, "rev-parse", "refs/heads/main~1", NULL);
  g_strstrip (parent);
  if (_i == 0)
    out = git_out (w.oem_repo, "update-ref", "refs/heads/main", parent, NULL);
  else
    {
      g_autofree char *tree = g_strdup_printf ("%s^{tree}", parent);
      g_autofree char *forged = git_out (w.oem_repo, "commit-tree", tree, "-p", parent, "-m",
                                         "forged", NULL);

      out = git_out (w.oem_repo, "update-ref", "refs/heads/main", g_strstrip (forged), NULL);
    }
  before = snapshot (w.cm);

  ck_assert (!chain_workspace_sync (w.cm, w.oem_repo, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "was rolled back or force-pushed");
  after = snapshot (w.cm);
  ck_assert_str_eq (after, before);
  g_free (out);
  out = main_of (w.oem_repo);
  ck_assert_str_ne (out, tip);
}
END_TEST

/* A forged record from the remote fails the audit before anything is
 * built on it. */
START_TEST (test_unaudited_remote_refused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tip = main_of (w.oem_repo);
  g_autofree char *tree = g_strdup_printf ("%s^{tree}", tip);
  g_autofree char *forged = NULL;
  g_autofree char *out = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  annotate (w.cm, "the CM's, offline");
  forged = git_out (w.oem_repo, "commit-tree", tree, "-p", tip, "-m", "forged", NULL);
  out = git_out (w.oem_repo, "update-ref", "refs/heads/main", g_strstrip (forged), NULL);
  before = snapshot (w.cm);

  ck_assert (!chain_workspace_sync (w.cm, w.oem_repo, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "fails its audit");
  after = snapshot (w.cm);
  ck_assert_str_eq (after, before);
}
END_TEST

/* ---- The kept state ------------------------------------------------------------ */

/* libchain's debug messages, for what a sync says it did. */
static GString *debug_log;

static GLogWriterOutput
capture_debug (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         data)
{
  for (gsize i = 0; debug_log != NULL && i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      g_string_append_printf (debug_log, "%s\n", (const char *) fields[i].value);
  return (level & G_LOG_LEVEL_DEBUG) != 0 ? G_LOG_WRITER_HANDLED
                                          : g_log_writer_default (level, fields, n_fields, data);
}

/* A sync keeps the state its audit left where main meets the remote: the
 * next divergence above it audits only what it fetched (and still judges
 * it: test_unaudited_remote_refused syncs from a kept state too). A kept
 * state that is corrupt, or at another commit, is no cache: a full audit. */
START_TEST (test_divergence_audits_from_kept_state)
{
  g_autoptr(ChainWorkspaceSyncResult) first = NULL;
  g_autoptr(ChainWorkspaceSyncResult) second = NULL;
  g_autoptr(ChainWorkspaceSyncResult) third = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = g_build_filename (w.dir, "cm", CHAIN_WORKSPACE_SYNC_STATE_FILE, NULL);
  g_autofree char *main_tip = main_of (w.cm_repo);
  g_autoptr(ChainLedgerState) state = NULL;

  /* The fixture's push left it at the tip both share. */
  state = chain_workspace_sync_state_load (w.cm, main_tip);
  ck_assert_ptr_nonnull (state);
  ck_assert_uint_eq (chain_ledger_state_get_n_records (state), chain_ledger_get_length (chain_workspace_get_ledger (w.cm)));
  g_log_set_writer_func (capture_debug, NULL, NULL);

  debug_log = g_string_new (NULL);
  annotate (w.oem, "OEM, kept state");
  annotate (w.cm, "CM, kept state");
  first = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (first), CHAIN_WORKSPACE_SYNC_REAPPENDED);
  ck_assert_msg (strstr (debug_log->str, "from the kept state") != NULL && strstr (debug_log->str, "in full") == NULL,
                 "%s", debug_log->str);

  /* Corrupt: ignored, audited in full, and the sync goes through. */
  g_string_truncate (debug_log, 0);
  annotate (w.oem, "OEM, corrupt state");
  annotate (w.cm, "CM, corrupt state");
  ck_assert (g_file_set_contents (kept, "libchain-state\n\0garbage", 24, &error));
  second = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (second), CHAIN_WORKSPACE_SYNC_REAPPENDED);
  ck_assert_msg (strstr (debug_log->str, "in full") != NULL, "%s", debug_log->str);

  /* Kept at another commit (an older one): not the base, ignored. */
  g_string_truncate (debug_log, 0);
  chain_workspace_sync_state_store (w.cm, state, main_tip);
  annotate (w.oem, "OEM, stale state");
  annotate (w.cm, "CM, stale state");
  third = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (third), CHAIN_WORKSPACE_SYNC_REAPPENDED);
  ck_assert_msg (strstr (debug_log->str, "in full") != NULL, "%s", debug_log->str);
  g_string_free (g_steal_pointer (&debug_log), TRUE);

  assert_audits_clean (w.oem_repo);
  assert_audits_clean (w.cm_repo);
  assert_linear (w.cm_repo, chain_ledger_get_length (chain_workspace_get_ledger (w.cm)));
}
END_TEST

/* ---- Cancel, lock, usage errors ------------------------------------------------ */

static void
cancel_when_reappending (ChainWorkspaceSyncStage stage,
                         guint64                 done,
                         guint64                 total,
                         gpointer                data)
{
  if (stage == CHAIN_WORKSPACE_SYNC_STAGE_REAPPENDING && done == 0)
    g_cancellable_cancel (data);
}

START_TEST (test_cancelled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *oem_tip = NULL;
  g_autofree char *oem_after = NULL;
  ChainWorkspaceSyncOptions options = CHAIN_WORKSPACE_SYNC_OPTIONS_INIT;

  annotate (w.oem, "the OEM's");
  annotate (w.cm, "the CM's");
  before = snapshot (w.cm);
  oem_tip = main_of (w.oem_repo);

  if (_i == 0)
    g_cancellable_cancel (cancellable);
  else
    {
      options.progress = cancel_when_reappending;
      options.progress_data = cancellable;
    }
  ck_assert (!chain_workspace_sync (w.cm, w.oem_repo, &options, NULL, cancellable, &error));
  ck_assert_msg (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED), "%s",
                 error != NULL ? error->message : "no error");
  after = snapshot (w.cm);
  ck_assert_str_eq (after, before);
  oem_after = main_of (w.oem_repo);
  ck_assert_str_eq (oem_after, oem_tip);
}
END_TEST

START_TEST (test_locked_needs_passphrase_only_to_reappend)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspaceSyncResult) result = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *cm_dir = g_build_filename (w.dir, "cm", NULL);

  /* A fast-forward needs no key. */
  annotate (w.oem, "the OEM's");
  chain_workspace_lock (w.cm);
  result = sync_ok (w.cm, w.oem_repo, TRUE);
  ck_assert_int_eq (chain_workspace_sync_result_get_status (result), CHAIN_WORKSPACE_SYNC_FAST_FORWARDED);

  /* A re-append does: the unlocked officer signs the new commits. */
  chain_workspace_free (g_steal_pointer (&w.cm));
  w.cm = test_custody_open (cm_dir);
  annotate (w.cm, "the CM's");
  annotate (w.oem, "the OEM's again");
  chain_workspace_lock (w.cm);
  before = snapshot (w.cm);
  ck_assert (!chain_workspace_sync (w.cm, w.oem_repo, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_PASSPHRASE, "1 of our records must be re-appended");
  after = snapshot (w.cm);
  ck_assert_str_eq (after, before);
}
END_TEST

START_TEST (test_usage_errors)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspace) pending = NULL;

  /* No remote named origin. */
  ck_assert (!chain_workspace_sync (w.cm, NULL, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_NOT_FOUND, "no remote named origin");

  /* A workspace that has not joined a ledger. */
  pending = test_custody_child (w.cm, w.dir, "dist", "distributor", FALSE);
  ck_assert (!chain_workspace_sync (pending, w.cm_repo, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_NOT_JOINED, "has not joined a ledger");
}
END_TEST

static Suite *
workspace_sync_suite (void)
{
  Suite *suite = suite_create ("workspace-sync");
  TCase *tc = tcase_create ("workspace-sync");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_fast_forward_both_ways);
  tcase_add_test (tc, test_divergence_reappends_ours);
  tcase_add_test (tc, test_divergence_without_push);
  tcase_add_test (tc, test_push_failure_keeps_reappend);
  tcase_add_test (tc, test_divergence_through_hub_async);
  tcase_add_test (tc, test_already_held_left_behind);
  tcase_add_test (tc, test_refused_reappend_changes_nothing);
  tcase_add_loop_test (tc, test_shared_record_refused, 0, G_N_ELEMENTS (shared_cases));
  tcase_add_test (tc, test_foreign_record_refused);
  tcase_add_loop_test (tc, test_rewritten_remote_refused, 0, 2);
  tcase_add_test (tc, test_unaudited_remote_refused);
  tcase_add_test (tc, test_divergence_audits_from_kept_state);
  tcase_add_loop_test (tc, test_cancelled, 0, 2);
  tcase_add_test (tc, test_locked_needs_passphrase_only_to_reappend);
  tcase_add_test (tc, test_usage_errors);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (workspace_sync_suite ());
}
