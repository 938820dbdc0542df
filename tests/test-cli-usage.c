/* test-cli-usage.c — `chain`'s global options, usage errors and exit codes */
#include "test-cli.h"

static int
run_chain (const char *const *args, char **out, char **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) g_getenv ("CHAIN_BIN"));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  ck_assert_ptr_nonnull (argv->pdata[0]);
  return test_support_run ((const char *const *) argv->pdata, NULL, out, err);
}

START_TEST (test_help_lists_commands)
{
  g_autofree char *out = NULL;

  ck_assert_int_eq (run_chain ((const char *const[]) { "--help", NULL }, &out, NULL), 0);
  ck_assert_ptr_nonnull (strstr (out, "demo"));
  ck_assert_ptr_nonnull (strstr (out, "Exit codes"));
}
END_TEST

/* Each of these is a usage error: exit code 2 and one line on stderr
 * ("chain: error: ..."); only `chain` alone prints its whole usage. */
static const struct {
  const char *args[6];
  const char *message;
} usage_errors[] = {
  { { NULL }, "Usage:" },
  { { "frobnicate", NULL }, "unknown command 'frobnicate'" },
  { { "--bogus", "demo", NULL }, "unknown option '--bogus'" },
  { { "demo", NULL }, "give one directory (see chain demo --help)" },
  { { "demo", "--no-such-option", "x", NULL }, "Unknown option" },
  /* A genesis is signed by the one officer it enrols: no threshold. */
  { { "init", "--org", "Acme", "--threshold", "genesis=2", NULL },
    "--threshold 'genesis=2' is not TYPE=K with K from 1 to 16 and TYPE one of annotation, approval, "
    "delegation, delegation-request, device-batch, export, key-rotation, officer, policy, pop, revocation" },
  { { "init", "--org", "Acme", "--threshold", "no-such-type=2", NULL },
    "--threshold 'no-such-type=2' is not TYPE=K" },
};

START_TEST (test_usage_error_exit_code)
{
  g_autofree char *err = NULL;
  int status = run_chain (usage_errors[_i].args, NULL, &err);

  ck_assert_int_eq (status, 2);
  if (usage_errors[_i].args[0] == NULL)
    ck_assert_msg (g_str_has_prefix (err, usage_errors[_i].message), "stderr: %s", err);
  else
    test_cli_assert_error_line (usage_errors[_i].message, err, usage_errors[_i].message);
}
END_TEST

START_TEST (test_version)
{
  g_autofree char *out = NULL;

  ck_assert_int_eq (run_chain ((const char *const[]) { "--version", NULL }, &out, NULL), 0);
  ck_assert (g_str_has_prefix (out, "chain "));
}
END_TEST

START_TEST (test_stdout_write_error_fails)
{
  g_autofree char *err = NULL;
  g_autofree char *script = g_strdup_printf ("exec \"%s\" --help > /dev/full",
                                             g_getenv ("CHAIN_BIN"));
  int status = test_support_run ((const char *const[]) { "/bin/sh", "-c", script, NULL },
                                 NULL, NULL, &err);

  ck_assert_int_eq (status, 1);
  ck_assert_msg (strstr (err, "writing output") != NULL, "stderr: %s", err);
}
END_TEST

/* `chain log --json -C DIR` is `chain --json -C DIR log`; after "--" the
 * words are the command's own. */
START_TEST (test_globals_after_command)
{
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *workspace = g_build_filename (dir, "oem", NULL);
  g_autofree char *before = NULL, *after = NULL, *quiet = NULL, *err = NULL;
  g_autoptr(ChainJson) doc = NULL;

  g_free (test_cli_chain_ok (NULL, (const char *const[]) { "-q", "-C", workspace, "init", "--org", "Acme", NULL }));
  before = test_cli_chain_ok (NULL, (const char *const[]) { "--json", "-C", workspace, "log", NULL });
  after = test_cli_chain_ok (NULL, (const char *const[]) { "log", "--json", "-C", workspace, NULL });
  ck_assert_str_eq (after, before);
  doc = test_cli_parse_json ("chain log --json", after);
  ck_assert_uint_ge (test_cli_json_length (doc, ""), 1);

  quiet = test_cli_chain_ok (NULL, (const char *const[]) { "annotate", "-C", workspace, "-q", "a note", NULL });
  ck_assert_str_eq (quiet, "");

  ck_assert_int_eq (test_cli_chain (NULL, (const char *const[]) { "-C", workspace, "log", "--", "--json", NULL },
                                    NULL, &err), 2);
  test_support_tmpdir_remove (dir);
}
END_TEST

static Suite *
cli_usage_suite (void)
{
  Suite *suite = suite_create ("cli-usage");
  TCase *tc = tcase_create ("usage");

  tcase_add_test (tc, test_help_lists_commands);
  tcase_add_loop_test (tc, test_usage_error_exit_code, 0, G_N_ELEMENTS (usage_errors));
  tcase_add_test (tc, test_version);
  tcase_add_test (tc, test_stdout_write_error_fails);
  tcase_add_test (tc, test_globals_after_command);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (cli_usage_suite ());
}
