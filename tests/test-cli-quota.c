/* test-cli-quota.c — device quotas through `chain`: delegate --max-devices,
 * `chain quota` with its approvals, `chain issue` refusing a batch past
 * the quota, an ancestor's quota bounding a descendant, `chain status`
 * showing used / quota, and `chain audit` flagging a batch past a quota.
 *
 * The fixture builds the workspaces once: an OEM whose policy wants two
 * officers for a delegation (and a quota), CM A delegated with a quota of
 * 5 devices, and distributor Dist X delegated by CM A. Each case works on
 * a copy.
 */
#include "support/test-cli.h"
#include "support/test-git-server.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *tmpdir;
static char *base;
static char *base_error;
static char *dir;

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

  base_chain ((const char *const[]) { "-q", "-C", "oem", "init", "--org", "Widget Ltd", "--threshold", "delegation=2", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "oem", "officer", "add", "oscar", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "request", "--org", "CM A", "--tier", "manufacturer",
                                      "-o", "cm-a.req", NULL });
  /* The first delegate records the request and waits for a second officer. */
  if (base_error == NULL)
    test_cli_chain (base, (const char *const[]) { "-q", "-C", "oem", "delegate", "cm-a.req", "-o", "cm-a.grant",
                                                  "--max-devices", "5", NULL }, NULL, NULL);
  base_chain ((const char *const[]) { "-q", "-C", "oem", "approve", "cm-a", "--officer", "oscar", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "oem", "delegate", "cm-a.req", "-o", "cm-a.grant",
                                      "--max-devices", "5", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "accept", "cm-a.grant", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "officer", "add", "alan", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "dist", "request", "--org", "Dist X", "--tier", "distributor",
                                      "--under", "O=CM A", "-o", "dist.req", NULL });
  if (base_error == NULL)
    test_cli_chain (base, (const char *const[]) { "-q", "-C", "cm-a", "delegate", "dist.req", "-o", "dist.grant", NULL },
                    NULL, NULL);
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "approve", "dist-x", "--officer", "alan", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "delegate", "dist.req", "-o", "dist.grant", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "dist", "accept", "dist.grant", NULL });
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

static char *
workspace (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* Runs `chain ARGS` in the case directory, expecting exit @expected and,
 * for a failure, one error line containing @needle. */
static void
chain_expect (int expected, const char *needle, const char *const *args)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *command = g_strjoinv (" ", (char **) args);
  int status = test_cli_chain (dir, args, &out, &err);

  ck_assert_msg (status == expected, "chain %s exited %d, not %d: %s%s", command, status, expected, out, err);
  if (expected != 0 && needle != NULL)
    test_cli_assert_error_line (command, err, needle);
  else if (needle != NULL)
    ck_assert_msg (strstr (out, needle) != NULL, "chain %s printed no '%s': %s", command, needle, out);
}

/* A batch past the quota is refused whole before anything is signed: one
 * line naming how many are left, no record, no device written. */
START_TEST (test_issue_past_quota_refused_whole)
{
  g_autofree char *cm = workspace ("cm-a");
  g_autofree char *before = test_cli_ledger_state (cm);
  g_autofree char *after = NULL;
  g_autofree char *out_dir = g_build_filename (dir, "out", NULL);

  chain_expect (1, "5 more device(s)",
                (const char *const[]) { "-C", "cm-a", "issue", "--count", "6", "--prefix", "d-", "-o", "out", NULL });
  after = test_cli_ledger_state (cm);
  ck_assert_str_eq (before, after);
  ck_assert_msg (!g_file_test (out_dir, G_FILE_TEST_EXISTS) || rmdir (out_dir) == 0, "the refused run left devices in %s", out_dir);
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "5", "--prefix", "d-", "-o", "ok", NULL });
  chain_expect (1, "0 more device(s)",
                (const char *const[]) { "-C", "cm-a", "issue", "--count", "1", "--prefix", "e-", "-o", "more", NULL });
}
END_TEST

/* A quota below what the custodian issued is refused; nothing recorded. */
START_TEST (test_quota_below_issued_refused)
{
  g_autofree char *oem = workspace ("oem");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "3", "--prefix", "d-", "-o", "out", NULL });
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "cm-a", "sync", "oem", NULL });
  before = test_cli_ledger_state (oem);
  chain_expect (1, "quota.below-issued", (const char *const[]) { "-C", "oem", "quota", "cm-a", "2", NULL });
  after = test_cli_ledger_state (oem);
  ck_assert_str_eq (before, after);
  chain_expect (2, NULL, (const char *const[]) { "-C", "oem", "quota", "cm-a", "0", NULL });
  chain_expect (1, "quota.custodian", (const char *const[]) { "-C", "oem", "quota", "dist-x", "9", NULL });
}
END_TEST

/* A raise waits for the second officer and is not in force until then;
 * with its approval, the custodian issues up to the new quota. */
START_TEST (test_raise_waits_for_approvals)
{
  g_autofree char *out = NULL;
  g_autoptr(ChainJson) json = NULL;
  const char *const status_args[] = { "-C", "oem", "--json", "status", NULL };
  gsize n;
  gboolean seen = FALSE;

  chain_expect (0, "waits", (const char *const[]) { "-C", "oem", "quota", "cm-a", "10", NULL });
  out = test_cli_chain_ok (dir, status_args);
  json = test_cli_parse_json ("status", out);
  n = test_cli_json_length (json, "custody");
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *id_path = g_strdup_printf ("custody/%zu/id", i);
      g_autofree char *max_path = g_strdup_printf ("custody/%zu/quota/max_devices", i);
      g_autofree char *pending_path = g_strdup_printf ("custody/%zu/quota/pending", i);

      if (strcmp (test_cli_json_string (json, id_path), "cm-a") != 0)
        continue;
      ck_assert_int_eq (test_cli_json_int (json, max_path), 5);
      ck_assert_int_eq (test_cli_json_int (json, pending_path), 10);
      seen = TRUE;
    }
  ck_assert (seen);
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "cm-a", "sync", "oem", NULL });
  chain_expect (1, "5 more device(s)",
                (const char *const[]) { "-C", "cm-a", "issue", "--count", "6", "--prefix", "d-", "-o", "out", NULL });
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "oem", "approve", "cm-a", "--officer", "oscar", NULL });
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "cm-a", "sync", "oem", NULL });
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "6", "--prefix", "d-", "-o", "out2", NULL });
  chain_expect (0, "quota: 6 / 10", (const char *const[]) { "-C", "cm-a", "status", NULL });
}
END_TEST

/* CM A's quota bounds what Dist X below it issues. */
START_TEST (test_ancestor_quota_bounds_descendant)
{
  g_autofree char *dist = workspace ("dist");
  g_autofree char *before = test_cli_ledger_state (dist);
  g_autofree char *after = NULL;

  chain_expect (1, "5 more device(s)",
                (const char *const[]) { "-C", "dist", "issue", "--count", "7", "--prefix", "s-", "-o", "out", NULL });
  after = test_cli_ledger_state (dist);
  ck_assert_str_eq (before, after);
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "dist", "issue", "--count", "4", "--prefix", "s-", "-o", "ok", NULL });
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "dist", "sync", "cm-a", NULL });
  chain_expect (1, "1 more device(s)",
                (const char *const[]) { "-C", "cm-a", "issue", "--count", "2", "--prefix", "c-", "-o", "out", NULL });
  chain_expect (0, "quota: 4 / 5", (const char *const[]) { "-C", "cm-a", "status", NULL });
}
END_TEST

/* CM A and Dist X issue at once, each within the quota as its own copy of
 * the ledger saw it; after sync the ledger holds both batches (every
 * certificate signed is recorded) and the audit names the one past it. */
START_TEST (test_audit_flags_batch_past_quota)
{
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  int status;

  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "3", "--prefix", "c-", "-o", "c", NULL });
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "dist", "issue", "--count", "3", "--prefix", "s-", "-o", "s", NULL });
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "dist", "sync", "cm-a", NULL });
  status = test_cli_chain (dir, (const char *const[]) { "-C", "dist", "audit", NULL }, &out, &err);
  ck_assert_msg (status == 3, "audit exited %d: %s%s", status, out, err);
  ck_assert_msg (strstr (out, "quota.exceeded") != NULL || strstr (err, "quota.exceeded") != NULL,
                 "the audit did not name quota.exceeded: %s%s", out, err);
}
END_TEST

/* ---- A hosted ledger: the pre-receive hook ---------------------------------------- */

/* `chain ARGS` in the case directory with @env; exit @expected. (transfer full) stderr */
static char *
chain_env_expect (const char *const *env,
                  int                expected,
                  const char *const *args)
{
  g_autofree char *command = g_strjoinv (" ", (char **) args);
  g_autofree char *out = NULL;
  char *err = NULL;
  int status = test_cli_chain_env (dir, env, NULL, args, &out, &err);

  ck_assert_msg (status == expected, "chain %s exited %d, not %d: %s%s", command, status, expected, out, err);
  return err;
}

/* `git ARGS` with the server's settings; its exit status and stderr. */
static int
git_with (const TestGitServer *server,
          const char *const   *args,
          char               **err)
{
  return test_cli_spawn (dir, test_git_server_get_git_env ((TestGitServer *) server), NULL, args, NULL, err);
}

static char *
main_of (const char *git_dir)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = test_cli_spawn (NULL, NULL, NULL,
                               (const char *const[]) { "git", "--git-dir", git_dir, "rev-parse", "--verify",
                                                       "refs/heads/main", NULL }, &out, &err);

  ck_assert_msg (status == 0, "git rev-parse main in %s: %s", git_dir, err);
  return g_strdup (g_strstrip (out));
}

/* Whether one line of @text holds both @a and @b. */
static gboolean
line_with (const char *text,
           const char *a,
           const char *b)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], a) != NULL && strstr (lines[i], b) != NULL)
      return TRUE;
  return FALSE;
}

/* CM A and Dist X share CM A's quota of 5 and a hooked ledger on a git
 * server. Each issues 3, within the quota as its copy saw it; CM A pushes
 * first. Dist X's batch, re-appended on the new tip, passes the quota: the
 * hook takes it as chain sync takes it (the certificates were signed; the
 * ledger must record them), and shows the finding to the pusher. Any other
 * finding still refuses a push, also one that comes with a quota finding. */
START_TEST (test_hosted_hook_takes_batch_past_quota)
{
  TestGitServer *server = test_git_server_new ();
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;
  g_autofree char *plain_repo = NULL;
  g_autofree char *plain_url = NULL;
  g_autofree char *home = NULL;
  g_autofree char *home_env = NULL;
  g_autofree char *askpass_env = NULL;
  g_autofree char *dist_ledger = g_build_filename (dir, "dist", CHAIN_WORKSPACE_LEDGER_DIR, NULL);
  g_autofree char *oem_ledger = g_build_filename (dir, "oem", CHAIN_WORKSPACE_LEDGER_DIR, NULL);
  g_autofree char *err = NULL;
  g_autofree char *tip = NULL;
  g_autofree char *dist_tip = NULL;
  g_autofree char *oem_tip = NULL;
  g_autofree char *forged = NULL;
  g_autofree char *spec = NULL;
  const char *ca;
  const char *env[4];
  int status;

  test_git_server_start_https (server);
  ca = test_git_server_get_ca_file (server);
  repo = test_git_server_init_repo (server, "quota");
  url = test_git_server_https_url (server, "127.0.0.1", "quota");
  home = test_git_server_new_home (server, NULL);
  home_env = g_strdup_printf ("HOME=%s", home);
  askpass_env = g_strdup_printf ("GIT_ASKPASS=%s", test_git_server_get_askpass (server));
  env[0] = home_env;
  env[1] = askpass_env;
  env[2] = "GIT_TERMINAL_PROMPT=0";
  env[3] = NULL;
  chain_expect (0, NULL, (const char *const[]) { "-q", "hook", repo, NULL });

  g_free (chain_env_expect (env, 0, (const char *const[]) { "-q", "-C", "oem", "sync", "--ca-file", ca, url, NULL }));
  g_free (chain_env_expect (env, 0, (const char *const[]) { "-q", "-C", "cm-a", "sync", "--ca-file", ca, url, NULL }));
  g_free (chain_env_expect (env, 0, (const char *const[]) { "-q", "-C", "dist", "sync", "--ca-file", ca, url, NULL }));
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "3", "--prefix", "c-", "-o", "c", NULL });
  chain_expect (0, NULL, (const char *const[]) { "-q", "-C", "dist", "issue", "--count", "3", "--prefix", "s-", "-o", "s", NULL });
  g_free (chain_env_expect (env, 0, (const char *const[]) { "-q", "-C", "cm-a", "sync", NULL }));

  /* The second batch lands: the server's main is the distributor's. */
  err = chain_env_expect (env, 0, (const char *const[]) { "-C", "dist", "sync", NULL });
  tip = main_of (repo);
  dist_tip = main_of (dist_ledger);
  ck_assert_str_eq (tip, dist_tip);
  g_clear_pointer (&err, g_free);
  status = test_cli_chain (dir, (const char *const[]) { "-C", repo, "audit", NULL }, NULL, &err);
  ck_assert_msg (status == 3 && strstr (err, "quota.exceeded") != NULL, "audit of the server's ledger: %d %s", status, err);

  /* By plain git, into a second hooked repository that holds the OEM's
   * ledger: the push carrying both batches goes in, and git shows the
   * hook's line naming the finding. */
  plain_repo = test_git_server_init_repo (server, "quota-plain");
  plain_url = test_git_server_https_url (server, "127.0.0.1", "quota-plain");
  chain_expect (0, NULL, (const char *const[]) { "-q", "hook", plain_repo, NULL });
  oem_tip = main_of (oem_ledger);
  spec = g_strdup_printf ("%s:refs/heads/main", oem_tip);
  g_clear_pointer (&err, g_free);
  status = git_with (server, (const char *const[]) { "git", "--git-dir", oem_ledger, "push", plain_url, spec, NULL }, &err);
  ck_assert_msg (status == 0, "git push of the OEM's ledger: %s", err);

  /* Another finding with it is refused, quota or not: a record no officer
   * signed on top of the distributor's batch. */
  g_clear_pointer (&err, g_free);
  {
    g_autofree char *out = NULL;
    g_autofree char *tree = g_strdup_printf ("%s^{tree}", dist_tip);

    ck_assert_int_eq (test_cli_spawn (NULL, NULL, NULL,
                                      (const char *const[]) { "git", "--git-dir", dist_ledger, "commit-tree", "-m",
                                                              "forged", "-p", dist_tip, tree, NULL }, &out, NULL), 0);
    forged = g_strdup (g_strstrip (out));
  }
  g_free (spec);
  spec = g_strdup_printf ("%s:refs/heads/main", forged);
  status = git_with (server, (const char *const[]) { "git", "--git-dir", dist_ledger, "push", plain_url, spec, NULL }, &err);
  ck_assert_msg (status != 0, "a push with an unsigned record was taken: %s", err);
  ck_assert_msg (line_with (err, "remote: " CHAIN_RECEIVE_REFUSAL_PREFIX, "rule commit.unsigned:"), "%s", err);
  g_free (tip);
  tip = main_of (plain_repo);
  ck_assert_str_eq (tip, oem_tip);

  g_clear_pointer (&err, g_free);
  g_free (spec);
  spec = g_strdup_printf ("%s:refs/heads/main", dist_tip);
  status = git_with (server, (const char *const[]) { "git", "--git-dir", dist_ledger, "push", plain_url, spec, NULL }, &err);
  ck_assert_msg (status == 0, "the push with a batch past the quota was refused: %s", err);
  ck_assert_msg (line_with (err, "remote: " CHAIN_RECEIVE_FINDING_PREFIX, "rule quota.exceeded:"),
                 "git showed no line of the quota finding: %s", err);
  ck_assert_msg (strstr (err, CHAIN_RECEIVE_REFUSAL_PREFIX) == NULL, "%s", err);
  g_free (tip);
  tip = main_of (plain_repo);
  ck_assert_str_eq (tip, dist_tip);

  test_git_server_free (server);
}
END_TEST

static Suite *
cli_quota_suite (void)
{
  Suite *suite = suite_create ("cli-quota");
  TCase *tc = tcase_create ("quota");

  tcase_add_unchecked_fixture (tc, base_setup, base_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 240);
  tcase_add_test (tc, test_issue_past_quota_refused_whole);
  tcase_add_test (tc, test_quota_below_issued_refused);
  tcase_add_test (tc, test_raise_waits_for_approvals);
  tcase_add_test (tc, test_ancestor_quota_bounds_descendant);
  tcase_add_test (tc, test_audit_flags_batch_past_quota);
  tcase_add_test (tc, test_hosted_hook_takes_batch_past_quota);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (cli_quota_suite ());
}
