/* test-gui-app.c — the real Custody under Xvfb, driven through its actions
 *
 * Each case makes workspaces — with `chain demo` (the CLI's three-tier
 * story) or with gui-fixture.c (requests waiting for a second officer) —
 * then runs the built app under xvfb-run with a --test-script that opens
 * the OEM's workspace and walks the main screens, saving a screenshot of
 * each into $CUSTODY_SCREENSHOT_DIR. The app exits non-zero when a step
 * fails or anything logged a GTK warning or critical (G_DEBUG is
 * fatal-warnings too). Afterwards the case checks the screenshots are
 * PNGs of the right size and, where the script signed something, that
 * the ledger says so.
 */
#include "gui-fixture.h"

#include <glib/gstdio.h>

#include "custody-timeline.h"
#include <string.h>

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

/* `chain demo DIR`; returns DIR. */
static char *
make_demo (void)
{
  char *dir = g_build_filename (tmpdir, "demo", NULL);
  const char *argv[] = { env ("CHAIN_BIN"), "demo", dir, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  ck_assert_msg (test_support_run (argv, NULL, &out, &err) == 0, "chain demo failed: %s", err);
  return dir;
}

/* Reads a PNG's size from its IHDR chunk. */
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
  guint32 height;

  ck_assert_msg (g_file_get_contents (path, &data, &len, NULL), "no screenshot %s", path);
  ck_assert_msg (len > 33 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is no PNG", path);
  width = GUINT32_FROM_BE (*(guint32 *) (data + 16));
  height = GUINT32_FROM_BE (*(guint32 *) (data + 20));
  ck_assert_msg ((int) width >= min_width && (int) width <= max_width && height >= 200,
                 "%s is %ux%u", path, width, height);
}

/* Runs the app with @script (lines joined by newlines); fails the case
 * unless it exits 0. */
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
  /* The app on a display of its own, without a desktop: no accessibility
   * bus, in-memory settings, the software renderer. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("G_DEBUG", "fatal-warnings", TRUE);
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  /* GTK, fontconfig and Mesa keep caches until exit: leaks are not ours to judge. */
  if (asan != NULL)
    {
      g_autofree char *quiet = g_strconcat (asan, ":detect_leaks=0", NULL);

      g_setenv ("ASAN_OPTIONS", quiet, TRUE);
    }
  status = test_support_run (argv, NULL, &out, &err);
  if (status != 0)
    {
      /* The app's last words, on one line: Check's message is a TAP line. */
      gsize len = strlen (err);
      char *tail = err + (len > 800 ? len - 800 : 0);

      g_strdelimit (tail, "\r\n", ' ');
      ck_abort_msg ("custody exited with %d running %s: ...%s", status, name, tail);
    }
}

/* ---- The CLI's demo --------------------------------------------------------------- */

START_TEST (test_demo_light)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *request = gui_fixture_request (tmpdir, "cm-c", "Circuit Crafters C", "manufacturer", NULL);
  g_autofree char *script = g_strdup_printf (
    "size 1100 740\n"
    "wait\n"
    "screenshot welcome\n"
    "open %s/oem\n"
    "expect Widget Ltd (you)\n"
    "dismiss\n"
    "wait\n"
    "screenshot custody-tree\n"
    "select custody 1\n"
    "wait\n"
    "expect SHA-256 thumbprint\n"
    "screenshot custody-details\n"
    "import %s\n"
    "wait\n"
    "dismiss\n"
    "wait\n"
    "expect The policy allows this delegation.\n"
    "screenshot requests-imported\n"
    "action win.delegate\n"
    "wait\n"
    "expect What Will Be Signed\n"
    "screenshot delegate-dialog\n"
    "close\n"
    "select ledger 0\n"
    "wait\n"
    "screenshot ledger\n"
    "select ledger -1\n"
    "artifact 0\n"
    "wait\n"
    "expect BEGIN CERTIFICATE\n"
    "screenshot ledger-artifact\n"
    "action win.audit\n"
    "wait\n"
    "expect The audit found nothing wrong\n"
    "screenshot audit\n"
    "select ledger 0\n"
    "wait\n"
    "expect Audited\n"
    "screenshot ledger-audited\n"
    "page custody\n"
    "select custody 0\n"
    "action win.export\n"
    "wait\n"
    "code 3A1F9C0B7D2E4F6A\n"
    "wait\n"
    "expect Pre-flight Warnings\n"
    "screenshot export-dialog\n"
    "close\n"
    "select custody 1\n"
    "action win.revoke\n"
    "wait\n"
    "expect Will Be Revoked\n"
    "screenshot revoke-dialog\n"
    "close\n"
    "action win.sync\n"
    "wait\n"
    "screenshot sync-dialog\n"
    "click Cancel\n"
    "action win.show-help-overlay\n"
    "wait\n"
    "screenshot shortcuts\n"
    "close\n"
    "action app.about\n"
    "wait\n"
    "screenshot about\n"
    "close\n"
    "action app.preferences\n"
    "wait\n"
    "screenshot preferences\n"
    "close\n"
    "action win.create\n"
    "wait\n"
    "fill Organisation Name = Acme Sensors\n"
    "folder %s/acme\n"
    "fill Passphrase = correct horse battery staple\n"
    "fill Repeat Passphrase = correct horse battery staple\n"
    "wait\n"
    "expect Ready to create the root CA and the ledger.\n"
    "screenshot create-dialog\n"
    "click Create\n"
    "wait\n"
    "expect Created the ledger of Acme Sensors\n"
    "dismiss\n"
    "wait\n"
    "screenshot created\n"
    "action win.close\n"
    "wait\n"
    "expect Recent Workspaces\n"
    "screenshot welcome-recent\n",
    demo, request, tmpdir);
  const char *wide[] = { "welcome", "custody-tree", "custody-details", "requests-imported", "ledger",
                         "ledger-artifact", "audit", "ledger-audited", "created", "welcome-recent" };
  g_autofree char *acme = NULL;
  const char *dialogs[] = { "delegate-dialog", "export-dialog", "revoke-dialog", "sync-dialog", "shortcuts",
                            "about", "preferences", "create-dialog" };
  gsize i;

  run_app ("demo-light", script);
  for (i = 0; i < G_N_ELEMENTS (wide); i++)
    assert_png (wide[i], 1000, 1100);
  for (i = 0; i < G_N_ELEMENTS (dialogs); i++)
    assert_png (dialogs[i], 250, 1100);
  /* "New Workspace" made a workspace as `chain init` does. */
  acme = g_build_filename (tmpdir, "acme", "workspace.json", NULL);
  ck_assert_msg (g_file_test (acme, G_FILE_TEST_IS_REGULAR), "no workspace at %s", acme);
}
END_TEST

START_TEST (test_demo_dark)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *script = g_strdup_printf (
    "style dark\n"
    "size 1100 740\n"
    "open %s/oem\n"
    "dismiss\n"
    "select custody 2\n"
    "wait\n"
    "screenshot dark-custody-details\n"
    "select ledger 0\n"
    "wait\n"
    "screenshot dark-ledger\n"
    "action win.audit\n"
    "wait\n"
    "screenshot dark-audit\n"
    "page custody\n"
    "action win.export\n"
    "wait\n"
    "screenshot dark-export-dialog\n"
    "close\n"
    "size 360 720\n"
    "page custody\n"
    "wait\n"
    "screenshot narrow-dark-tree\n"
    "select custody 1\n"
    "wait\n"
    "screenshot narrow-dark-details\n",
    demo);
  const char *wide[] = { "dark-custody-details", "dark-ledger", "dark-audit" };
  gsize i;

  run_app ("demo-dark", script);
  for (i = 0; i < G_N_ELEMENTS (wide); i++)
    assert_png (wide[i], 1000, 1100);
  assert_png ("dark-export-dialog", 250, 1100);
  /* 360 px wide (the surface is 10 px wider than the window's content here). */
  assert_png ("narrow-dark-tree", 340, 360);
  assert_png ("narrow-dark-details", 340, 360);
}
END_TEST

/* Custody in German: its strings, GTK's and libchain's come from the
 * catalogs the build made. */
START_TEST (test_demo_german)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *localedir = g_build_filename (env ("CHAIN_BUILD_DIR"), "po", NULL);
  g_autofree char *script = g_strdup_printf (
    "size 1100 740\n"
    "open %s/oem\n"
    "expect Widget Ltd (Sie)\n"
    "dismiss\n"
    "select custody 1\n"
    "wait\n"
    "expect SHA-256-Fingerabdruck\n"
    "screenshot de-custody-details\n"
    "action win.audit\n"
    "wait\n"
    "expect Die Prüfung fand keinen Fehler\n"
    "screenshot de-audit\n",
    demo);

  g_setenv ("CHAIN_LOCALEDIR", localedir, TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  g_unsetenv ("LC_ALL");
  g_setenv ("LANG", "C.UTF-8", TRUE);
  run_app ("demo-german", script);
  assert_png ("de-custody-details", 1000, 1100);
  assert_png ("de-audit", 1000, 1100);
}
END_TEST

START_TEST (test_demo_narrow)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *request = gui_fixture_request (tmpdir, "cm-c", "Circuit Crafters C", "manufacturer", NULL);
  g_autofree char *script = g_strdup_printf (
    "size 360 720\n"
    "open %s/oem\n"
    "dismiss\n"
    "wait\n"
    "screenshot narrow-tree\n"
    "select custody 1\n"
    "wait\n"
    "expect Name constraints\n"
    "screenshot narrow-details\n"
    "action win.back\n"
    "wait\n"
    "expect Widget Ltd (you)\n"
    "page requests\n"
    "wait\n"
    "screenshot narrow-requests\n"
    "import %s\n"
    "dismiss\n"
    "wait\n"
    "expect Circuit Crafters C\n"
    "screenshot narrow-request-details\n"
    "select ledger 0\n"
    "wait\n"
    "screenshot narrow-ledger-record\n"
    "action win.back\n"
    "wait\n"
    "screenshot narrow-ledger\n"
    "action win.audit\n"
    "wait\n"
    "screenshot narrow-audit\n",
    demo, request);
  const char *narrow[] = { "narrow-tree", "narrow-details", "narrow-requests", "narrow-request-details",
                           "narrow-ledger-record",
                           "narrow-ledger", "narrow-audit" };
  gsize i;

  run_app ("demo-narrow", script);
  for (i = 0; i < G_N_ELEMENTS (narrow); i++)
    assert_png (narrow[i], 340, 360);
}
END_TEST

/* ---- k of n: approve, then delegate, all through the window ----------------------- */

START_TEST (test_requests)
{
  GuiFixture story = { 0 };
  g_autofree char *script = NULL;
  g_autofree char *grant = NULL;
  g_autoptr(ChainWorkspace) oem = NULL;
  g_autoptr(GError) error = NULL;
  const ChainCustodian *cm_b = NULL;

  gui_fixture_make (&story, tmpdir);
  script = g_strdup_printf (
    "size 1100 740\n"
    "open %s\n"
    "dismiss\n"
    "wait\n"
    "screenshot story-custody-tree\n"
    "page requests\n"
    "select requests 0\n"
    "wait\n"
    "expect Needs 1 more approval\n"
    "screenshot requests-recorded\n"
    "action win.approve\n"
    "wait\n"
    "screenshot passphrase\n"
    "passphrase %s oscar\n"
    "wait\n"
    "expect Approval recorded as record\n"
    "dismiss\n"
    "wait\n"
    "screenshot requests-approved\n"
    "import %s\n"
    "wait\n"
    "expect Ready to delegate\n"
    "dismiss\n"
    "action win.delegate\n"
    "wait\n"
    "expect The policy allows this delegation\n"
    "click Sign…\n"
    "wait\n"
    "passphrase %s officer\n"
    "wait\n"
    "expect Sub-CA issued to Board Works B\n"
    "screenshot delegated\n"
    "page custody\n"
    "select custody 5\n"
    "wait\n"
    "expect Awaiting acceptance\n"
    "screenshot custody-awaiting\n"
    "select custody 3\n"
    "action win.revoke\n"
    "wait\n"
    "expect Sub-CA of cm-d, and everything under it\n"
    "screenshot revoke-planned\n"
    "click Revoke…\n"
    "wait\n"
    "passphrase %s officer\n"
    "wait\n"
    "expect 1 certificate revoked\n"
    "dismiss\n"
    "publish-crl %s/crl\n"
    "wait\n"
    "passphrase %s officer\n"
    "wait\n"
    "expect CRL and disable lists\n"
    "dismiss\n"
    "bundle-create %s/oem.bundle\n"
    "wait\n"
    "expect Bundle of\n"
    "dismiss\n"
    "select custody 0\n"
    "action win.export\n"
    "wait\n"
    "code 3A1F9C0B7D2E4F6A\n"
    "wait\n"
    "click Export…\n"
    "wait\n"
    "passphrase %s officer\n"
    "wait\n"
    "expect Export recorded as record\n"
    "screenshot exported\n",
    story.oem, story.passphrase_file, story.cm_b_request, story.passphrase_file,
    story.passphrase_file, tmpdir, story.passphrase_file, tmpdir, story.passphrase_file);

  run_app ("requests", script);
  assert_png ("story-custody-tree", 1000, 1100);
  assert_png ("requests-recorded", 1000, 1100);
  assert_png ("passphrase", 250, 800);
  assert_png ("requests-approved", 1000, 1100);
  assert_png ("delegated", 1000, 1100);
  assert_png ("custody-awaiting", 1000, 1100);
  assert_png ("revoke-planned", 250, 1100);
  assert_png ("exported", 1000, 1100);

  /* What the window did is in the ledger, and the grant is where it said. */
  grant = g_build_filename (tmpdir, "cm-b.grant", NULL);
  ck_assert_msg (g_file_test (grant, G_FILE_TEST_IS_REGULAR), "no grant at %s", grant);
  oem = chain_workspace_open (story.oem, NULL, &error);
  test_assert_no_error (error);
  cm_b = chain_ledger_state_find_custodian (chain_workspace_get_state (oem), "cm-b");
  ck_assert_ptr_nonnull (cm_b);
  ck_assert_int_eq (chain_custodian_get_status (cm_b, g_get_real_time () / G_USEC_PER_SEC),
                    CHAIN_CUSTODY_STATUS_PENDING);
  ck_assert_int_eq (chain_custodian_get_ca_status (chain_ledger_state_find_custodian (chain_workspace_get_state (oem),
                                                                                      "cm-d"),
                                                   0, g_get_real_time () / G_USEC_PER_SEC),
                    CHAIN_CUSTODY_STATUS_REVOKED);
  {
    const char *files[][3] = {
      { "crl", "crl.pem", NULL },
      { "oem.bundle", NULL, NULL },
    };
    g_autofree char *verification = g_build_filename (story.oem, "exports", "azure-iothub", "verification.pem", NULL);
    gsize i;

    for (i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *path = g_build_filename (tmpdir, files[i][0], files[i][1], NULL);

        ck_assert_msg (g_file_test (path, G_FILE_TEST_IS_REGULAR), "no %s", path);
      }
    ck_assert_msg (g_file_test (verification, G_FILE_TEST_IS_REGULAR), "no %s", verification);
  }
  gui_fixture_clear (&story);
}
END_TEST

/* ---- Officers and notes, through their dialogs ----------------------------------- */

START_TEST (test_officers_and_notes)
{
  GuiFixture story = { 0 };
  g_autofree char *olga = NULL;
  g_autofree char *script = NULL;
  g_autoptr(ChainWorkspace) oem = NULL;
  g_autoptr(CustodyTimeline) timeline = custody_timeline_new ();
  g_autoptr(CustodyRecordItem) top = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) officers = NULL;
  const char *dialogs[] = { "officers-dialog", "officer-add", "officers-added", "officer-exists", "annotate-dialog" };
  gsize i;

  gui_fixture_make (&story, tmpdir);
  /* olga signs the note with her own passphrase, from a file of her own. */
  olga = g_build_filename (tmpdir, "olga-passphrase", NULL);
  test_support_write_file (olga, "olga's own passphrase\n", strlen ("olga's own passphrase\n"));
  ck_assert_int_eq (g_chmod (olga, 0600), 0);
  script = g_strdup_printf (
    "size 1100 740\n"
    "open %s\n"
    "dismiss\n"
    "action win.officers\n"
    "wait\n"
    "expect CN=oscar,\n"
    "expect expires in\n"
    "screenshot officers-dialog\n"
    "click Add Officer…\n"
    "wait\n"
    "expect Enter the new officer’s name\n"
    "fill Name = olga/x\n"
    "wait\n"
    "expect officer name 'olga/x' is not usable\n"
    "fill Name = olga\n"
    "fill Passphrase = olga's own passphrase\n"
    "fill Repeat Passphrase = olga's other passphrase\n"
    "wait\n"
    "expect The two passphrases differ\n"
    "fill Repeat Passphrase = olga's own passphrase\n"
    "wait\n"
    "expect Ready: the new officer’s key and certificate are made when you sign.\n"
    "screenshot officer-add\n"
    "click Add…\n"
    "wait\n"
    "passphrase %s officer\n"
    "wait\n"
    "expect CN=olga,\n"
    "screenshot officers-added\n"
    "click Add Officer…\n"
    "fill Name = oscar\n"
    "fill Passphrase = long enough passphrase\n"
    "fill Repeat Passphrase = long enough passphrase\n"
    "click Add…\n"
    "wait\n"
    "passphrase %s officer\n"
    "wait\n"
    "expect officer 'oscar' exists already; choose another name\n"
    "screenshot officer-exists\n"
    "click Cancel\n"
    "close\n"
    "wait\n"
    "expect Enrolled officer olga\n"
    "dismiss\n"
    "action win.annotate\n"
    "wait\n"
    "expect Write the note first\n"
    "note Quarterly key ceremony: officer and olga present.\n"
    "wait\n"
    "expect 49 of 4096 bytes\n"
    "screenshot annotate-dialog\n"
    "click Sign…\n"
    "wait\n"
    "passphrase %s olga\n"
    "wait\n"
    "expect Note recorded as record\n"
    "dismiss\n"
    "wait\n"
    "expect Signed by officer keys\n"
    "expect Quarterly key ceremony: officer and olga present.\n"
    "screenshot ledger-note\n",
    story.oem, story.passphrase_file, story.passphrase_file, olga);

  run_app ("officers-and-notes", script);
  for (i = 0; i < G_N_ELEMENTS (dialogs); i++)
    assert_png (dialogs[i], 250, 1100);
  assert_png ("ledger-note", 1000, 1100);

  /* The enrolment and the note are in the ledger, the note on top. */
  oem = chain_workspace_open (story.oem, NULL, &error);
  test_assert_no_error (error);
  officers = chain_workspace_list_officers (oem);
  ck_assert (g_strv_contains ((const char *const *) officers, "olga"));
  ck_assert (custody_timeline_open (timeline, chain_ledger_get_path (chain_workspace_get_ledger (oem)), &error));
  test_assert_no_error (error);
  top = g_list_model_get_item (G_LIST_MODEL (timeline), 0);
  ck_assert_str_eq (custody_record_item_get_type_name (top), "annotation");
  ck_assert_str_eq (custody_record_item_get_summary (top), "Quarterly key ceremony: officer and olga present.");
  gui_fixture_clear (&story);
}
END_TEST

static Suite *
gui_app_suite (void)
{
  Suite *suite = suite_create ("gui-app");
  TCase *tcase = tcase_create ("app");

  tcase_set_timeout (tcase, 900);
  tcase_add_checked_fixture (tcase, setup, teardown);
  tcase_add_test (tcase, test_demo_light);
  tcase_add_test (tcase, test_demo_dark);
  tcase_add_test (tcase, test_demo_german);
  tcase_add_test (tcase, test_demo_narrow);
  tcase_add_test (tcase, test_requests);
  tcase_add_test (tcase, test_officers_and_notes);
  suite_add_tcase (suite, tcase);
  return suite;
}

int
main (void)
{
  g_autofree char *xvfb = g_find_program_in_path ("xvfb-run");

  if (xvfb == NULL)
    {
      /* build-aux/install-deps installs xvfb; without it there is no display. */
      g_print ("1..0 # SKIP xvfb-run is not installed\n");
      return 0;
    }
  return test_support_run_suite (gui_app_suite ());
}
