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
  ck_assert_msg ((int) width >= min_width && (int) width <= max_width && height >= 120,
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
    "expect Valid: the requester’s officer key signed this file, unchanged since\n"
    "expect One officer’s signature suffices: Delegate… signs the sub-CA, no separate approval needed.\n"
    "expect-not Approve…\n"
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
    "expect Save…\n"
    "save-artifact %s/saved-artifact.pem\n"
    "screenshot ledger-artifact\n"
    "action win.audit\n"
    "wait\n"
    "expect The audit found nothing wrong\n"
    "expect Copy\n"
    "expect Report of 20\n"
    "expect #0 Genesis, by Widget Ltd (oem) — commit \n"
    "save-report %s/audit-report.txt\n"
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
    "expect The proof of possession for the code, signed by the CA when you export\n"
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
    demo, request, tmpdir, tmpdir, tmpdir);
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
  /* The artifact saved is the ledger's certificate, as it holds it. */
  {
    g_autofree char *saved = g_build_filename (tmpdir, "saved-artifact.pem", NULL);
    g_autofree char *pem = NULL;

    ck_assert_msg (g_file_get_contents (saved, &pem, NULL, NULL), "no %s", saved);
    ck_assert (g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----"));
  }
  /* The saved audit report says of what and when, then the verdict, then
   * the records in the ledger's labels: types and custodians by name. */
  {
    g_autofree char *saved = g_build_filename (tmpdir, "audit-report.txt", NULL);
    g_autofree char *text = NULL;

    ck_assert_msg (g_file_get_contents (saved, &text, NULL, NULL), "no %s", saved);
    ck_assert_msg (g_str_has_prefix (text, "Audit of the ledger at ") && strstr (text, "\nMade 20") != NULL
                   && strstr (text, "The audit found nothing wrong") != NULL, "%s", text);
    ck_assert_msg (strstr (text, "\n#0 Genesis, by Widget Ltd (oem) — commit ") != NULL
                   && strstr (text, " Delegation, by Widget Ltd (oem) — commit ") != NULL
                   && strstr (text, " Device certificates, by ") != NULL && strstr (text, ": passed\n") != NULL
                   && strstr (text, "\nRead up to commit ") != NULL, "%s", text);
    ck_assert_msg (strstr (text, "record 0 genesis") == NULL && strstr (text, "device-batch") == NULL, "%s", text);
  }
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
    "action win.find\n"
    "search acceptance\n"
    "wait\n"
    "screenshot dark-ledger-search\n"
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
  const char *wide[] = { "dark-custody-details", "dark-ledger", "dark-ledger-search", "dark-audit" };
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
    "expect Bericht vom 20\n"
    "expect , von Widget Ltd (oem) — Commit \n"
    "screenshot de-audit\n"
    "action win.find\n"
    "search kein solcher Eintrag\n"
    "wait\n"
    "expect Kein Eintrag erwähnt „kein solcher Eintrag“\n"
    "screenshot de-ledger-search\n"
    "action win.lookup-device\n"
    "wait\n"
    "fill Geräte-ID = dist-x-dev-3\n"
    "click Nachschlagen\n"
    "wait\n"
    "expect Schlüssel kompromittiert (Eintrag #13)\n"
    "screenshot de-device-lookup\n",
    demo);

  g_setenv ("CHAIN_LOCALEDIR", localedir, TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  g_unsetenv ("LC_ALL");
  g_setenv ("LANG", "C.UTF-8", TRUE);
  run_app ("demo-german", script);
  assert_png ("de-custody-details", 1000, 1100);
  assert_png ("de-audit", 1000, 1100);
  assert_png ("de-ledger-search", 1000, 1100);
  assert_png ("de-device-lookup", 250, 1100);
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

/* ---- The README's command ----------------------------------------------------------- */

/* README says `build/gui/custody`: from the build tree, with no schema
 * installed and no GSETTINGS_SCHEMA_DIR, the installed binary (not the
 * tests' build) starts and shows its window, without a warning. */
START_TEST (test_readme_command)
{
  const char *shell =
    "\"$CUSTODY_APP_BIN\" & pid=$!\n"
    "for i in $(seq 1 900); do\n"
    "  if xdotool search --onlyvisible --pid $pid >/dev/null 2>&1; then kill $pid; wait $pid; exit 0; fi\n"
    "  kill -0 $pid 2>/dev/null || { wait $pid; echo \"custody exited with $?\" >&2; exit 3; }\n"
    "  sleep 0.2\n"
    "done\n"
    "kill $pid; echo 'no window after 180 s' >&2; exit 4\n";
  const char *argv[] = { "timeout", "300", "xvfb-run", "-a", "-s", "-screen 0 1400x1000x24", "sh", "-c", shell, NULL };
  g_autoptr(GSettingsSchemaSource) installed = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_unsetenv ("GSETTINGS_SCHEMA_DIR");
  g_setenv ("CUSTODY_APP_BIN", env ("CUSTODY_APP_BIN"), TRUE);
  /* What the case proves needs the schema to be missing from the system. */
  installed = g_settings_schema_source_new_from_directory ("/usr/share/glib-2.0/schemas", NULL, FALSE, NULL);
  if (installed != NULL)
    schema = g_settings_schema_source_lookup (installed, "org.libchain.Custody", FALSE);
  ck_assert_msg (schema == NULL, "org.libchain.Custody is installed in /usr/share: uninstall it to run this case");
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("G_DEBUG", "fatal-warnings", TRUE);
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  status = test_support_run (argv, NULL, &out, &err);
  ck_assert_msg (status == 0, "build/gui/custody did not start (%d): %s", status, err);
  ck_assert_msg (strstr (err, "schema") == NULL && strstr (err, "WARNING") == NULL, "custody said: %s", err);
}
END_TEST

/* ---- Selection: what the officer clicked, never what the pointer passed ------------ */

/* The real pointer (xdotool, XTest) clicks one row and then passes over
 * others: the selection stays on the clicked row, in the tree and in the
 * ledger, and Ctrl+E offers this workspace's own CA whatever is selected. */
START_TEST (test_selection_by_click)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *script = g_strdup_printf (
    "size 1100 740\n"
    "open %s/oem\n"
    "dismiss\n"
    "wait\n"
    "click-on Dist X\n"
    "wait\n"
    "expect-selected custody dist-x\n"
    "hover CM B\n"
    "wait\n"
    "hover CM A\n"
    "wait\n"
    "expect-selected custody dist-x\n"
    "screenshot selection-hovered\n"
    "action win.export\n"
    "wait\n"
    "expect Widget Ltd\n"
    "expect-not CM B\n"
    "screenshot selection-export-own-ca\n"
    "close\n"
    "page ledger\n"
    "wait\n"
    "click-on #9 Acceptance\n"
    "wait\n"
    "expect-selected ledger #9\n"
    "hover #8 Delegation\n"
    "wait\n"
    "hover #6 Acceptance\n"
    "wait\n"
    "expect-selected ledger #9\n",
    demo);
  /* At 360 px from the start (the window's size settles before the
   * workspace opens): a click on a row opens its details. */
  g_autofree char *narrow = g_strdup_printf (
    "size 360 720\n"
    "open %s/oem\n"
    "dismiss\n"
    "wait\n"
    "click-on CM B\n"
    "wait\n"
    "expect-selected custody cm-b\n"
    "expect Delegated by\n"
    "screenshot narrow-selection-clicked\n",
    demo);

  run_app ("selection", script);
  run_app ("selection-narrow", narrow);
  assert_png ("selection-hovered", 1000, 1100);
  assert_png ("selection-export-own-ca", 250, 1100);
  assert_png ("narrow-selection-clicked", 340, 360);
}
END_TEST

/* ---- Hashes ------------------------------------------------------------------------ */

/* `chain status`'s SHA-256 thumbprint of @workspace's CA. */
static char *
ca_sha256 (const char *workspace)
{
  const char *argv[] = { env ("CHAIN_BIN"), "-C", workspace, "status", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  ck_assert_msg (test_support_run (argv, NULL, &out, &err) == 0, "chain status failed: %s", err);
  lines = g_strsplit (out, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (g_strstrip (lines[i]), "SHA-256 "))
      return g_strdup (g_strstrip (lines[i] + strlen ("SHA-256 ")));
  ck_abort_msg ("no SHA-256 in: %s", out);
  return NULL;
}

/* The root's thumbprints: lower case, grouped, monospace, never
 * hyphenated where they wrap (at 360 px too), and Copy copies the plain
 * value; in the export dialog's file list too. */
START_TEST (test_hashes)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *oem = g_build_filename (demo, "oem", NULL);
  g_autofree char *sha256 = ca_sha256 (oem);
  g_autofree char *grouped = NULL;
  g_autofree char *script = NULL;

  grouped = g_strdup_printf ("%.4s %.4s %.4s", sha256, sha256 + 4, sha256 + 8);
  script = g_strdup_printf (
    "size 1100 740\n"
    "open %s\n"
    "dismiss\n"
    "select custody 0\n"
    "wait\n"
    "expect-hash %s\n"
    "copy SHA-256 thumbprint\n"
    "wait\n"
    "expect-clipboard %s\n"
    "screenshot hashes\n"
    "size 360 720\n"
    "wait\n"
    "expect-hash %s\n"
    "screenshot narrow-hashes\n"
    "size 1100 740\n"
    "style dark\n"
    "page ledger\n"
    "wait\n"
    "screenshot dark-ledger-hashes\n",
    oem, grouped, sha256, grouped);

  run_app ("hashes", script);
  assert_png ("hashes", 1000, 1100);
  assert_png ("narrow-hashes", 340, 360);
  assert_png ("dark-ledger-hashes", 1000, 1100);
}
END_TEST

/* ---- Revocation, outputs, quitting ------------------------------------------------- */

/* Revoke is offered only for a CA this workspace issued; an export's toast
 * opens the folder it wrote; Publish CRL opens a titled chooser in the
 * workspace; Quit closes the window without a GTK warning. */
START_TEST (test_revoke_outputs_quit)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *script = g_strdup_printf (
    "size 1100 740\n"
    "open %s/oem\n"
    "dismiss\n"
    "page requests\n"
    "wait\n"
    "expect No Requests\n"
    "expect-not No Request Selected\n"
    "screenshot requests-empty\n"
    "select custody 0\n"
    "wait\n"
    "expect Widget Ltd\n"
    "expect-not Revoke…\n"
    "select custody 1\n"
    "wait\n"
    "expect Revoke…\n"
    "select custody 2\n"
    "wait\n"
    "expect Dist X\n"
    "expect-not Revoke…\n"
    "action win.export\n"
    "wait\n"
    "code 3A1F9C0B7D2E4F6A\n"
    "wait\n"
    "click Export…\n"
    "wait\n"
    "passphrase %s/passphrase\n"
    "wait\n"
    "expect Export recorded as record\n"
    "expect Show Location…\n"
    "screenshot export-toast\n"
    "click Show Location…\n"
    "wait\n"
    "expect Where the Files Are\n"
    "expect %s/oem/exports\n"
    "expect-default Open Folder\n"
    "screenshot output-location\n"
    "click Copy Path\n"
    "wait\n"
    "expect-clipboard %s/oem/exports\n"
    "expect Copied the folder’s path\n"
    "action win.publish-crl\n"
    "wait\n"
    "expect-title Publish the CRL to a Folder\n"
    "screenshot crl-chooser\n"
    "close\n"
    "wait\n"
    "action app.quit\n",
    demo, demo, demo, demo);

  run_app ("revoke-outputs-quit", script);
  assert_png ("requests-empty", 1000, 1100);
  assert_png ("export-toast", 1000, 1100);
  assert_png ("output-location", 250, 1100);
  assert_png ("crl-chooser", 250, 1400);
}
END_TEST

/* The revoke dialog offers this workspace's sub-CAs to check and adds
 * devices by id once the ledger knows them (one another custodian issued
 * is refused, said why); it names what goes with a sub-CA and counts by
 * kind; the revoked CA's details then say when and why, in words, and a
 * sub-CA under it says whose revocation took it along. */
START_TEST (test_revoke_picker)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *script = g_strdup_printf (
    "size 1100 740\n"
    "open %s/oem\n"
    "dismiss\n"
    "select custody 1\n"
    "action win.revoke\n"
    "wait\n"
    "expect-focus CM A\n"
    "expect-default Revoke…\n"
    "expect CM A and everything under it: 1 sub-CA, 8 devices\n"
    "screenshot revoke-picker\n"
    "fill Device ID or serial = dist-x-dev-5\n"
    "click Add\n"
    "wait\n"
    "expect Dist X issued this device: only Dist X can revoke it\n"
    "screenshot revoke-picker-device\n"
    "choose Reason = Key compromise\n"
    "click Revoke…\n"
    "wait\n"
    "expect Revoking 1 sub-CA for good\n"
    "passphrase %s/passphrase\n"
    "wait\n"
    "expect Revoked 1 sub-CA (record 14)\n"
    "dismiss\n"
    "select custody 1\n"
    "wait\n"
    "expect Key compromise (record #14)\n"
    "screenshot revoked-ca-details\n"
    "select custody 2\n"
    "wait\n"
    "expect with the sub-CA of CM A: Key compromise (record #14)\n"
    "style dark\n"
    "size 360 720\n"
    "wait\n"
    "screenshot narrow-dark-revoked-details\n",
    demo, demo);

  run_app ("revoke-picker", script);
  assert_png ("revoke-picker", 250, 1100);
  assert_png ("revoke-picker-device", 250, 1100);
  assert_png ("revoked-ca-details", 1000, 1100);
  assert_png ("narrow-dark-revoked-details", 340, 360);
}
END_TEST

/* ---- Finding a record ---------------------------------------------------------------- */

/* The Ledger opens at the newest record; Ctrl+F finds a record by number,
 * a device by its id (its batch), a record by what its statement says, by
 * its type (Enter: the next older one), and says when nothing matches. */
START_TEST (test_ledger_search)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *script = g_strdup_printf (
    "size 1100 740\n"
    "open %s/oem\n"
    "dismiss\n"
    "page ledger\n"
    "wait\n"
    "expect-selected ledger #13\n"
    "screenshot ledger-icons\n"
    "action win.find\n"
    "wait\n"
    "expect-focus Type, custodian, device, serial, commit or #N\n"
    "search #5\n"
    "wait\n"
    "expect-selected ledger #5\n"
    "search DIST-X-DEV-5\n"
    "wait\n"
    "expect-selected ledger #10\n"
    "search key compromise\n"
    "wait\n"
    "expect-selected ledger #13\n"
    "search acceptance\n"
    "wait\n"
    "expect-selected ledger #9\n"
    "search-next\n"
    "wait\n"
    "expect-selected ledger #6\n"
    "screenshot ledger-search\n"
    "search no record says this\n"
    "wait\n"
    "expect No record mentions “no record says this”\n"
    "expect-selected ledger #6\n"
    "screenshot ledger-search-none\n"
    "size 360 720\n"
    "wait\n"
    "action win.find\n"
    "search #8\n"
    "wait\n"
    "expect-selected ledger #8\n"
    "screenshot narrow-ledger-search\n",
    demo);

  run_app ("ledger-search", script);
  assert_png ("ledger-icons", 1000, 1100);
  assert_png ("ledger-search", 1000, 1100);
  assert_png ("ledger-search-none", 1000, 1100);
  assert_png ("narrow-ledger-search", 340, 360);
}
END_TEST

/* The custody tree says how many devices each custodian issued (from the
 * ledger's state: Dist X 8, one of them revoked; CM A none); a whole
 * device id typed in the ledger's search selects the batch that issued it
 * (through the state's device table, not a scan of manifests). */
START_TEST (test_tree_device_counts)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *script = g_strdup_printf (
    "size 1100 740\n"
    "open %s/oem\n"
    "dismiss\n"
    "page custody\n"
    "wait\n"
    "expect 8 devices, 1 revoked\n"
    "expect no devices\n"
    "page ledger\n"
    "wait\n"
    "action win.find\n"
    "search dist-x-dev-3\n"
    "wait\n"
    "expect-selected ledger #10\n",
    demo);

  run_app ("tree-device-counts", script);
}
END_TEST

/* Filters by type, custodian and period keep what they name and say how
 * many; Ctrl+L goes to a record by number; Look Up Device answers from
 * the ledger with the batch, the issuer and the status, revoked with date
 * and reason, and shows the records it names; an unknown id is said in
 * the dialog. */
START_TEST (test_ledger_filters_and_lookup)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *script = g_strdup_printf (
    "size 1100 740\n"
    "open %s/oem\n"
    "dismiss\n"
    "action win.find\n"
    "wait\n"
    "choose Record type = Revocation\n"
    "wait\n"
    "expect 1 of 14 records, newest first\n"
    "expect-selected ledger #13\n"
    "expect Dist X (dist-x)\n"
    "expect , of Dist X\n"
    "screenshot ledger-names\n"
    "choose Record type = All types\n"
    "choose Custodian = Dist X\n"
    "wait\n"
    "expect 3 of 14 records, newest first\n"
    "search acceptance\n"
    "wait\n"
    "expect-selected ledger #9\n"
    "search-next\n"
    "wait\n"
    "expect-selected ledger #9\n"
    "screenshot ledger-filter\n"
    "choose Period = Last 24 hours\n"
    "wait\n"
    "expect 3 of 14 records, newest first\n"
    "search #5\n"
    "wait\n"
    "expect No record mentions “#5”\n"
    "choose Custodian = All custodians\n"
    "choose Period = Any time\n"
    "wait\n"
    "expect 14 records, newest first\n"
    "action win.go-to-record\n"
    "wait\n"
    "expect-focus Type, custodian, device, serial, commit or #N\n"
    "search #4\n"
    "wait\n"
    "expect-selected ledger #4\n"
    "action win.lookup-device\n"
    "wait\n"
    "expect-focus Device ID\n"
    "expect-default Look Up\n"
    "fill Device ID = dist-x-dev-5\n"
    "click Look Up\n"
    "wait\n"
    "expect In force\n"
    "expect Dist X\n"
    "expect Device batch, record #10\n"
    "expect-not Show Revocation\n"
    "screenshot device-lookup\n"
    "fill Device ID = DIST-X-DEV-5\n"
    "click Look Up\n"
    "wait\n"
    "expect No device batch of this ledger issued the device id 'DIST-X-DEV-5'; ids are case-sensitive\n"
    "expect-marked Device ID\n"
    "screenshot device-lookup-unknown\n"
    "fill Device ID = dist-x-dev-3\n"
    "click Look Up\n"
    "wait\n"
    "expect Key compromise (record #13)\n"
    "expect Revoked on\n"
    "screenshot device-lookup-revoked\n"
    "click Show Revocation\n"
    "wait\n"
    "expect-selected ledger #13\n"
    "action win.lookup-device\n"
    "wait\n"
    "fill Device ID = dist-x-dev-3\n"
    "click Look Up\n"
    "wait\n"
    "click Show Batch\n"
    "wait\n"
    "expect-selected ledger #10\n",
    demo);
  g_autofree char *narrow = g_strdup_printf (
    "style dark\n"
    "size 360 720\n"
    "open %s/oem\n"
    "dismiss\n"
    "action win.find\n"
    "wait\n"
    "choose Record type = Delegation request\n"
    "wait\n"
    "expect 3 of 14 records, newest first\n"
    "screenshot narrow-dark-ledger-filter\n"
    "action win.lookup-device\n"
    "wait\n"
    "fill Device ID = dist-x-dev-3\n"
    "click Look Up\n"
    "wait\n"
    "expect Key compromise (record #13)\n"
    "screenshot narrow-dark-device-lookup\n",
    demo);

  run_app ("ledger-filters-lookup", script);
  run_app ("ledger-filters-lookup-narrow", narrow);
  assert_png ("ledger-filter", 1000, 1100);
  assert_png ("ledger-names", 1000, 1100);
  assert_png ("device-lookup", 250, 1100);
  assert_png ("device-lookup-unknown", 250, 1100);
  assert_png ("device-lookup-revoked", 250, 1100);
  assert_png ("narrow-dark-ledger-filter", 340, 360);
  assert_png ("narrow-dark-device-lookup", 250, 1100);
}
END_TEST

/* ---- Dialogs and the keyboard ----------------------------------------------------- */

/* Each dialog opens with the focus in its first field and Enter pressing
 * its primary button; a wrong passphrase keeps the prompt open with the
 * error said in it, and the right one then signs; the repeated
 * passphrase that differs is the field marked. */
START_TEST (test_dialogs_keyboard)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *wrong = g_build_filename (tmpdir, "wrong-passphrase", NULL);
  g_autofree char *script = NULL;
  g_autofree char *verification = NULL;

  test_support_write_file (wrong, "not the passphrase\n", strlen ("not the passphrase\n"));
  ck_assert_int_eq (g_chmod (wrong, 0600), 0);
  script = g_strdup_printf (
    "size 1100 740\n"
    "try-open %s\n"
    "wait\n"
    "expect holds no workspace. Open the folder of a workspace, or make one with New Workspace…\n"
    "expect-not chain init\n"
    "screenshot not-a-workspace\n"
    "close\n"
    "open %s/oem\n"
    "dismiss\n"
    "wait\n"
    "action win.export\n"
    "wait\n"
    "expect-focus Cloud\n"
    "expect-default Export…\n"
    "code 3A1F9C0B7D2E4F6A\n"
    "wait\n"
    "click Export…\n"
    "wait\n"
    "expect-focus Passphrase\n"
    "expect-default Export\n"
    "passphrase %s\n"
    "wait\n"
    "expect Wrong passphrase: it does not open this officer’s key. Try again.\n"
    "expect-focus Passphrase\n"
    "screenshot passphrase-wrong\n"
    "passphrase %s/passphrase\n"
    "wait\n"
    "expect Export recorded as record\n"
    "dismiss\n"
    "select custody 1\n"
    "action win.revoke\n"
    "wait\n"
    "expect-focus CM A\n"
    "expect-default Revoke…\n"
    "close\n"
    "action win.annotate\n"
    "wait\n"
    "expect-default Sign…\n"
    "close\n"
    "action win.create\n"
    "wait\n"
    "expect-focus Organisation Name\n"
    "expect-default Create\n"
    "expect Choose a folder for the new workspace\n"
    "fill Passphrase = correct horse battery staple\n"
    "fill Repeat Passphrase = correct horse battery stapel\n"
    "wait\n"
    "expect-marked Repeat Passphrase\n"
    "screenshot create-dialog-hint\n",
    tmpdir, demo, wrong, demo);

  run_app ("dialogs-keyboard", script);
  assert_png ("not-a-workspace", 250, 1100);
  assert_png ("passphrase-wrong", 250, 800);
  assert_png ("create-dialog-hint", 250, 1100);
  /* The right passphrase, second time, exported. */
  verification = g_build_filename (demo, "oem", "exports", "azure-iothub", "verification.pem", NULL);
  ck_assert_msg (g_file_test (verification, G_FILE_TEST_IS_REGULAR), "no %s", verification);
}
END_TEST

/* Lines of details are read, not tabbed through; Alt+1..4 switch pages
 * with the pointer in a detail scrolled down, on every page. */
START_TEST (test_details_keyboard)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *script = g_strdup_printf (
    "size 1100 740\n"
    "open %s/oem\n"
    "dismiss\n"
    "select custody 1\n"
    "wait\n"
    "expect-no-row-stops\n"
    "scroll-on SHA-256 thumbprint\n"
    "wait\n"
    "key alt+3\n"
    "wait\n"
    "expect-page ledger\n"
    "select ledger 0\n"
    "wait\n"
    "expect-no-row-stops\n"
    "scroll-on Statement id\n"
    "wait\n"
    "screenshot details-scrolled\n"
    "key alt+4\n"
    "wait\n"
    "expect-page audit\n"
    "key alt+2\n"
    "wait\n"
    "expect-page requests\n"
    "key alt+1\n"
    "wait\n"
    "expect-page custody\n",
    demo);

  run_app ("details-keyboard", script);
  assert_png ("details-scrolled", 1000, 1100);
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
  g_autoptr(ChainRequestFile) file = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *ca_key = NULL;
  const ChainCustodian *cm_b = NULL;

  gui_fixture_make (&story, tmpdir);
  /* The fingerprint of cm-b's requested CA key, as the review shows it. */
  file = chain_request_file_load (story.cm_b_request, &error);
  test_assert_no_error (error);
  sha256 = chain_csr_dup_public_key_sha256 (chain_request_file_get_ca_csr (file));
  ca_key = g_strdup_printf ("%.4s %.4s %.4s", sha256, sha256 + 4, sha256 + 8);
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
    "expect Checked when recorded: the ledger holds the request its officers signed\n"
    "expect Keys to Confirm\n"
    "expect Approve adds your signature to the ones recorded; Reject ends the request.\n"
    "expect-hash %s\n"
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
    "fill Device quota = 0\n"
    "wait\n"
    "expect The device quota must be a whole number of devices from 1 to\n"
    "expect-disabled Sign…\n"
    "screenshot delegate-quota-refused\n"
    "fill Device quota = 12x\n"
    "wait\n"
    "expect The device quota must be a whole number of devices from 1 to\n"
    "expect-disabled Sign…\n"
    "fill Device quota = 1000000000001\n"
    "wait\n"
    "expect-disabled Sign…\n"
    "fill Device quota = 500\n"
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
    "expect Delta Manufacturing, with no devices\n"
    "screenshot revoke-planned\n"
    "click Revoke…\n"
    "wait\n"
    "screenshot revoke-passphrase\n"
    "passphrase %s officer\n"
    "wait\n"
    "expect Revoked 1 sub-CA (record\n"
    "expect Publish CRL…\n"
    "screenshot revoked-toast\n"
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
    story.oem, ca_key, story.passphrase_file, story.cm_b_request, story.passphrase_file,
    story.passphrase_file, tmpdir, story.passphrase_file, tmpdir, story.passphrase_file);

  run_app ("requests", script);
  assert_png ("story-custody-tree", 1000, 1100);
  assert_png ("requests-recorded", 1000, 1100);
  assert_png ("passphrase", 250, 800);
  assert_png ("requests-approved", 1000, 1100);
  assert_png ("delegated", 1000, 1100);
  assert_png ("delegate-quota-refused", 250, 1100);
  assert_png ("custody-awaiting", 1000, 1100);
  assert_png ("revoke-planned", 250, 1100);
  assert_png ("revoked-toast", 1000, 1100);
  assert_png ("revoke-passphrase", 250, 800);
  assert_png ("exported", 1000, 1100);

  /* What the window did is in the ledger, and the grant is where it said. */
  grant = g_build_filename (tmpdir, "cm-b.grant", NULL);
  ck_assert_msg (g_file_test (grant, G_FILE_TEST_IS_REGULAR), "no grant at %s", grant);
  oem = chain_workspace_open (story.oem, NULL, &error);
  test_assert_no_error (error);
  cm_b = chain_ledger_state_find_custodian (chain_workspace_get_state (oem), "cm-b");
  ck_assert_ptr_nonnull (cm_b);
  /* The quota typed in the dialog is the delegation's max_devices. */
  {
    guint64 max_devices = 0;

    ck_assert (chain_custodian_get_quota (cm_b, &max_devices));
    ck_assert_uint_eq (max_devices, 500);
  }
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

/* The Charts page on Dist X after a reconcile: each chart draws what the
 * ledger holds (chain-report-data) and says it in words beside it. */
START_TEST (test_charts)
{
  g_autofree char *demo = make_demo ();
  g_autofree char *dist = g_build_filename (demo, "dist-x", NULL);
  g_autofree char *cloud = g_build_filename (tmpdir, "things.json", NULL);
  const char *things = "{\"things\": [{\"thingName\": \"grey-1\"}, {\"thingName\": \"dist-x-dev-1\"}]}";
  const char *argv[] = { env ("CHAIN_BIN"), "-C", dist, "reconcile", cloud, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *script = NULL;

  test_support_write_file (cloud, things, strlen (things));
  ck_assert_msg (test_support_run (argv, NULL, &out, &err) == 3, "chain reconcile: %s", err);
  script = g_strdup_printf (
    "size 1000 1100\n"
    "open %s\n"
    "dismiss\n"
    "wait\n"
    "key alt+5\n"
    "wait\n"
    "expect-page charts\n"
    "chart issued 1\n"
    "chart validity 4\n"
    "chart reconcile 4\n"
    "expect Dist X issued 8 devices.\n"
    "expect 4 CAs.\n"
    "expect Needing action: 1 (never issued: 1,\n"
    "expect Never issued: grey-1\n"
    "screenshot charts\n",
    dist);
  run_app ("charts", script);
  assert_png ("charts", 900, 1100);
}
END_TEST

static Suite *
gui_app_suite (void)
{
  Suite *suite = suite_create ("gui-app");
  TCase *tcase = tcase_create ("app");
  TCase *charts;

  tcase_set_timeout (tcase, 900);
  tcase_add_checked_fixture (tcase, setup, teardown);
  tcase_add_test (tcase, test_readme_command);
  tcase_add_test (tcase, test_demo_light);
  tcase_add_test (tcase, test_demo_dark);
  tcase_add_test (tcase, test_demo_german);
  tcase_add_test (tcase, test_demo_narrow);
  tcase_add_test (tcase, test_selection_by_click);
  tcase_add_test (tcase, test_dialogs_keyboard);
  tcase_add_test (tcase, test_details_keyboard);
  tcase_add_test (tcase, test_ledger_search);
  tcase_add_test (tcase, test_tree_device_counts);
  tcase_add_test (tcase, test_ledger_filters_and_lookup);
  tcase_add_test (tcase, test_hashes);
  tcase_add_test (tcase, test_revoke_outputs_quit);
  tcase_add_test (tcase, test_revoke_picker);
  tcase_add_test (tcase, test_requests);
  tcase_add_test (tcase, test_officers_and_notes);
  suite_add_tcase (suite, tcase);
  /* Its own case: CK_RUN_CASE=charts runs it alone. */
  charts = tcase_create ("charts");
  tcase_set_timeout (charts, 900);
  tcase_add_checked_fixture (charts, setup, teardown);
  tcase_add_test (charts, test_charts);
  suite_add_tcase (suite, charts);
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
