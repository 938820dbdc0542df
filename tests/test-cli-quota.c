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
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (cli_quota_suite ());
}
