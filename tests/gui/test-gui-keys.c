/* test-gui-keys.c — Custody with keys in a security token, and dead issuing runs
 *
 * The real app under Xvfb (as test-gui-app.c runs it) against a real
 * SoftHSM2 with a token of its own (SOFTHSM2_CONF per case, reached through
 * p11-kit's proxy as an officer's desktop reaches it):
 *
 * - New Workspace with "Security token (PKCS#11)": the keys are made in the
 *   token, nothing under private/ holds a private key, the custody details
 *   say where each key lives; signing asks for the PIN, not a passphrase,
 *   a wrong PIN keeps the prompt open and says so; an officer enrolled into
 *   the token signs with it. `chain audit` passes.
 * - The same screens dark, German and 360 px wide.
 * - New Workspace with "TPM" on a real swtpm: signing asks for nothing.
 * - A `chain issue` killed half-way (LIBCHAIN_TEST_KILL_AT): opening the
 *   workspace says so, the next signing finishes the run as the CLI does,
 *   says how many certificates were recorded, and the ledger audits.
 */
#include "gui-fixture.h"
#include "test-tpm.h"

#include <glib/gstdio.h>
#include <string.h>

#define PIN "1234"
#define SO_PIN "12345678"

static char *tmpdir;

static void
setup (void)
{
  tmpdir = test_support_tmpdir_new ();
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static const char *
env (const char *name)
{
  const char *value = g_getenv (name);

  ck_assert_msg (value != NULL, "%s is not set (run the test through meson)", name);
  return value;
}

static char *
path_in (const char *relative)
{
  return g_build_filename (tmpdir, relative, NULL);
}

static void
run_ok (const char *const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = test_support_run (argv, NULL, &out, &err);

  ck_assert_msg (status == 0, "%s %s exited %d: %s", argv[0], argv[1], status, err);
}

/* A file holding @text, mode 0600; returns its path. */
static char *
secret_file (const char *name,
             const char *text)
{
  char *path = path_in (name);

  test_support_write_file (path, text, strlen (text));
  ck_assert_int_eq (g_chmod (path, 0600), 0);
  return path;
}

/* A SoftHSM2 of this case's own, with one empty token @label. */
static void
start_softhsm (const char *label)
{
  g_autofree char *conf = path_in ("softhsm2.conf");
  g_autofree char *tokens = path_in ("tokens");
  g_autofree char *text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
                                           tokens);

  ck_assert_int_eq (g_mkdir (tokens, 0700), 0);
  test_support_write_file (conf, text, strlen (text));
  g_setenv ("SOFTHSM2_CONF", conf, TRUE);
  run_ok ((const char *const[]) { "softhsm2-util", "--init-token", "--free", "--label", label,
                                  "--so-pin", SO_PIN, "--pin", PIN, NULL });
}

static void
assert_png (const char *name,
            int         min_width,
            int         max_width)
{
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (env ("CUSTODY_SCREENSHOT_DIR"), file, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  guint32 width;

  ck_assert_msg (g_file_get_contents (path, &data, &len, NULL), "no screenshot %s", path);
  ck_assert_msg (len > 33 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is no PNG", path);
  width = GUINT32_FROM_BE (*(guint32 *) (data + 16));
  ck_assert_msg ((int) width >= min_width && (int) width <= max_width, "%s is %u wide", path, width);
}

/* Runs the app with @script; fails the case unless it exits 0. */
static void
run_app (const char *name,
         const char *script)
{
  g_autofree char *script_file = g_strconcat (name, ".script", NULL);
  g_autofree char *script_path = g_build_filename (tmpdir, script_file, NULL);
  g_autofree char *option = g_strconcat ("--test-script=", script_path, NULL);
  const char *argv[] = { "timeout", "900", "xvfb-run", "-a", "-s", "-screen 0 1400x1000x24",
                         env ("CUSTODY_BIN"), option, NULL };
  const char *asan = g_getenv ("ASAN_OPTIONS");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  test_support_write_file (script_path, script, strlen (script));
  g_mkdir_with_parents (env ("CUSTODY_SCREENSHOT_DIR"), 0755);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("G_DEBUG", "fatal-warnings", TRUE);
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  /* GTK, fontconfig, Mesa and the PKCS#11 modules keep caches until exit. */
  if (asan != NULL && strstr (asan, "detect_leaks=0") == NULL)
    {
      g_autofree char *quiet = g_strconcat (asan, ":detect_leaks=0", NULL);

      g_setenv ("ASAN_OPTIONS", quiet, TRUE);
    }
  status = test_support_run (argv, NULL, &out, &err);
  if (status != 0)
    {
      gsize len = strlen (err);
      char *tail = err + (len > 800 ? len - 800 : 0);

      g_strdelimit (tail, "\r\n", ' ');
      ck_abort_msg ("custody exited with %d running %s: ...%s", status, name, tail);
    }
}

/* `chain ARGS` exits 0; returns its stderr. */
static char *
chain_ok (const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  char *err = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) env ("CHAIN_BIN"));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, NULL, &out, &err);
  ck_assert_msg (status == 0, "chain %s exited %d: %s", args[2], status, err);
  return err;
}

/* No file under @dir holds a private key (encrypted or not). */
static void
assert_no_private_key_under (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  ck_assert_msg (listing != NULL, "cannot list %s", dir);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (!g_str_equal (name, "ledger"))
            assert_no_private_key_under (path);
          continue;
        }
      if (g_file_get_contents (path, &data, NULL, NULL))
        ck_assert_msg (strstr (data, "PRIVATE KEY") == NULL, "%s holds a private key", path);
    }
}

/* ---- Keys in a security token ------------------------------------------------------- */

START_TEST (test_token_workspace)
{
  g_autofree char *pin = secret_file ("pin", PIN "\n");
  g_autofree char *wrong_pin = secret_file ("wrong-pin", "9999\n");
  g_autofree char *ws = path_in ("tok");
  g_autofree char *err = NULL;
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;
  ChainKeyStore store;
  const char *dialogs[] = { "token-create-dialog", "token-pin-wrong", "token-officer-add" };

  start_softhsm ("custody-hsm");
  script = g_strdup_printf (
    "size 1100 740\n"
    "action win.create\n"
    "wait\n"
    "fill Organisation Name = Token Works\n"
    "folder %s\n"
    "choose-row Key Home = 1\n"
    "wait\n"
    "expect custody-hsm\n"
    "expect Enter the security token’s PIN\n"
    "fill Token PIN = " PIN "\n"
    "wait\n"
    "expect Ready to create the root CA and the ledger.\n"
    "screenshot token-create-dialog\n"
    "click Create\n"
    "wait\n"
    "expect Created the ledger of Token Works\n"
    "dismiss\n"
    "select custody 0\n"
    "wait\n"
    "expect Security token (PKCS#11)\n"
    "expect CA key\n"
    "expect Key of officer officer\n"
    "screenshot token-details\n"
    "action win.annotate\n"
    "wait\n"
    "note Keys in custody-hsm.\n"
    "click Sign…\n"
    "wait\n"
    "passphrase %s\n"
    "wait\n"
    "expect Wrong PIN: the token refused it.\n"
    "screenshot token-pin-wrong\n"
    "passphrase %s\n"
    "wait\n"
    "expect Note recorded as record\n"
    "dismiss\n"
    "action win.officers\n"
    "wait\n"
    "click Add Officer…\n"
    "fill Name = tina\n"
    "choose-row Key Home = 1\n"
    "fill Token PIN = " PIN "\n"
    "wait\n"
    "expect Ready: the new officer’s key and certificate are made when you sign.\n"
    "screenshot token-officer-add\n"
    "click Add…\n"
    "wait\n"
    "passphrase %s\n"
    "wait\n"
    "expect CN=tina,\n"
    "close\n"
    "wait\n",
    ws, wrong_pin, pin, pin);

  run_app ("token-workspace", script);
  for (gsize i = 0; i < G_N_ELEMENTS (dialogs); i++)
    assert_png (dialogs[i], 250, 1100);
  assert_png ("token-details", 1000, 1100);

  /* Every key is in the token; none is a file. */
  workspace = chain_workspace_open (ws, NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_workspace_get_key_store (workspace, NULL, &store, NULL));
  ck_assert_int_eq (store, CHAIN_KEY_STORE_PKCS11);
  ck_assert (chain_workspace_get_key_store (workspace, "officer", &store, NULL));
  ck_assert_int_eq (store, CHAIN_KEY_STORE_PKCS11);
  ck_assert (chain_workspace_get_key_store (workspace, "tina", &store, NULL));
  ck_assert_int_eq (store, CHAIN_KEY_STORE_PKCS11);
  ck_assert_int_eq (chain_workspace_get_unlock_secrets (workspace, NULL), CHAIN_WORKSPACE_SECRET_PIN);
  assert_no_private_key_under (ws);
  /* The ledger audits, as the CLI reads it (the audit needs no PIN). */
  err = chain_ok ((const char *const[]) { "-C", ws, "audit", NULL });
}
END_TEST

/* The same screens dark, in German, 360 px wide. */
START_TEST (test_token_dark_german_narrow)
{
  g_autofree char *pin = secret_file ("pin", PIN "\n");
  g_autofree char *wrong_pin = secret_file ("wrong-pin", "9999\n");
  g_autofree char *ws = path_in ("tok");
  g_autofree char *localedir = g_build_filename (env ("CHAIN_BUILD_DIR"), "po", NULL);
  g_autofree char *uri = NULL;
  g_autofree char *script = NULL;
  g_autofree char *err = NULL;

  start_softhsm ("custody-hsm");
  uri = g_strdup ("pkcs11:token=custody-hsm?module-path=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so");
  g_free (chain_ok ((const char *const[]) { "-C", ws, "--pin-file", pin, "init", "--org", "Token Works",
                                            "--key-store", uri, NULL }));
  script = g_strdup_printf (
    "style dark\n"
    "size 360 700\n"
    "open %s\n"
    "dismiss\n"
    "select custody 0\n"
    "wait\n"
    "expect Sicherheitstoken (PKCS#11)\n"
    "screenshot token-details-de-dark-narrow\n"
    "action win.annotate\n"
    "wait\n"
    "note Schlüssel im Token.\n"
    "click Signieren …\n"
    "wait\n"
    "passphrase %s\n"
    "wait\n"
    "expect Falsche PIN\n"
    "screenshot token-pin-wrong-de-dark-narrow\n"
    "close\n"
    "close\n"
    "action win.create\n"
    "wait\n"
    "choose-row Schlüsselort = 1\n"
    "wait\n"
    "screenshot token-create-de-dark-narrow\n"
    "close\n"
    "wait\n",
    ws, wrong_pin);

  g_setenv ("CHAIN_LOCALEDIR", localedir, TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  g_unsetenv ("LC_ALL");
  g_setenv ("LANG", "C.UTF-8", TRUE);
  run_app ("token-de-dark-narrow", script);
  g_unsetenv ("LANGUAGE");
  assert_png ("token-details-de-dark-narrow", 300, 420);
  assert_png ("token-pin-wrong-de-dark-narrow", 250, 420);
  assert_png ("token-create-de-dark-narrow", 250, 1100);
}
END_TEST

/* Keys in a TPM (swtpm, straight to the TPM): signing asks for no secret. */
START_TEST (test_tpm_workspace)
{
  g_autofree char *ws = path_in ("tpm");
  g_autofree char *script = NULL;
  g_autofree char *err = NULL;
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(GError) error = NULL;
  TestTpm *tpm = test_tpm_start ();
  ChainKeyStore store;

  g_setenv ("TPM2OPENSSL_TCTI", test_tpm_get_tcti (tpm), TRUE);
  script = g_strdup_printf (
    "size 1100 740\n"
    "action win.create\n"
    "wait\n"
    "fill Organisation Name = Chip Works\n"
    "folder %s\n"
    "choose-row Key Home = 2\n"
    "wait\n"
    "expect Ready to create the root CA and the ledger.\n"
    "screenshot tpm-create-dialog\n"
    "click Create\n"
    "wait\n"
    "expect Created the ledger of Chip Works\n"
    "dismiss\n"
    "select custody 0\n"
    "wait\n"
    "expect Key of officer officer\n"
    "screenshot tpm-details\n"
    "action win.annotate\n"
    "wait\n"
    "note Keys in the TPM.\n"
    "click Sign…\n"
    "wait\n"
    "screenshot tpm-sign\n"
    "click Sign\n"
    "wait\n"
    "expect Note recorded as record\n"
    "dismiss\n"
    "wait\n",
    ws);
  run_app ("tpm-workspace", script);
  assert_png ("tpm-create-dialog", 250, 1100);
  assert_png ("tpm-details", 1000, 1100);
  assert_png ("tpm-sign", 250, 1100);

  workspace = chain_workspace_open (ws, NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_workspace_get_key_store (workspace, NULL, &store, NULL));
  ck_assert_int_eq (store, CHAIN_KEY_STORE_TPM2);
  ck_assert_int_eq (chain_workspace_get_unlock_secrets (workspace, NULL), CHAIN_WORKSPACE_SECRET_NONE);
  err = chain_ok ((const char *const[]) { "-C", ws, "audit", NULL });
  g_unsetenv ("TPM2OPENSSL_TCTI");
  test_tpm_free (tpm);
}
END_TEST

/* ---- A dead issuing run ---------------------------------------------------------------- */

START_TEST (test_dead_run_finished)
{
  GuiFixture story = { 0 };
  g_autofree char *dist = NULL;
  g_autofree char *out = NULL;
  g_autofree char *staging = NULL;
  g_autofree char *runs = NULL;
  g_autofree char *script = NULL;
  g_autofree char *err = NULL;
  const char *argv[16];
  g_autofree char *stderr_text = NULL;
  g_autoptr(GDir) journals = NULL;
  int status;

  gui_fixture_make (&story, tmpdir);
  dist = g_build_filename (tmpdir, "dist-x", NULL);
  out = g_build_filename (tmpdir, "out", NULL);
  /* Killed as the second batch is about to be recorded: the first is
   * recorded and published, the second signed and staged only. */
  g_setenv ("LIBCHAIN_TEST_KILL_AT", "start:2", TRUE);
  argv[0] = env ("CHAIN_TEST_BIN");
  argv[1] = "--passphrase-file";
  argv[2] = story.passphrase_file;
  argv[3] = "-q";
  argv[4] = "-C";
  argv[5] = dist;
  argv[6] = "issue";
  argv[7] = "--count";
  argv[8] = "20";
  argv[9] = "--batch-size";
  argv[10] = "10";
  argv[11] = "--prefix";
  argv[12] = "gui-k-";
  argv[13] = "-o";
  argv[14] = out;
  argv[15] = NULL;
  status = test_support_run (argv, NULL, NULL, &stderr_text);
  g_unsetenv ("LIBCHAIN_TEST_KILL_AT");
  ck_assert_msg (status != 0, "the hook did not kill chain issue");
  staging = g_build_filename (out, ".staging~000002", NULL);
  ck_assert_msg (g_file_test (staging, G_FILE_TEST_IS_DIR), "no staged batch at %s: %s", staging, stderr_text);

  script = g_strdup_printf (
    "size 1100 740\n"
    "open %s\n"
    "wait\n"
    "expect An issuing run was interrupted: the next signing finishes it\n"
    "screenshot dead-run-found\n"
    "click Details\n"
    "wait\n"
    "expect left 10 certificates\n"
    "screenshot dead-run-found-details\n"
    "close\n"
    "dismiss\n"
    "action win.annotate\n"
    "wait\n"
    "note After the crash.\n"
    "click Sign…\n"
    "wait\n"
    "passphrase %s\n"
    "wait\n"
    "expect Finished an interrupted issuing run\n"
    "screenshot dead-run-finished\n"
    "click Details\n"
    "wait\n"
    "expect recorded 10 certificates\n"
    "screenshot dead-run-finished-details\n"
    "close\n"
    "dismiss\n"
    "wait\n",
    dist, story.passphrase_file);
  run_app ("dead-run", script);
  assert_png ("dead-run-found", 1000, 1100);
  assert_png ("dead-run-finished", 1000, 1100);
  assert_png ("dead-run-found-details", 250, 1100);
  assert_png ("dead-run-finished-details", 250, 1100);

  /* Finished as the CLI finishes it: no staging, no journal, all 20 published. */
  ck_assert_msg (!g_file_test (staging, G_FILE_TEST_EXISTS), "staging left after Custody finished the run");
  runs = g_build_filename (dist, "runs", NULL);
  journals = g_dir_open (runs, 0, NULL);
  ck_assert_msg (journals == NULL || g_dir_read_name (journals) == NULL, "a run journal is left in %s", runs);
  {
    g_autofree char *manifest = g_build_filename (out, "manifest.csv", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    ck_assert (g_file_get_contents (manifest, &text, NULL, NULL));
    lines = g_strsplit (g_strstrip (text), "\n", -1);
    ck_assert_uint_eq (g_strv_length (lines), 21);
  }
  err = chain_ok ((const char *const[]) { "-C", dist, "audit", NULL });
  ck_assert_msg (strstr (err, "killed") == NULL, "the CLI still sees a dead run: %s", err);
  gui_fixture_clear (&story);
}
END_TEST

static Suite *
gui_keys_suite (void)
{
  Suite *suite = suite_create ("gui-keys");
  TCase *tcase = tcase_create ("app");

  tcase_set_timeout (tcase, 900);
  tcase_add_checked_fixture (tcase, setup, teardown);
  tcase_add_test (tcase, test_token_workspace);
  tcase_add_test (tcase, test_token_dark_german_narrow);
  tcase_add_test (tcase, test_tpm_workspace);
  tcase_add_test (tcase, test_dead_run_finished);
  suite_add_tcase (suite, tcase);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (gui_keys_suite ());
}
