/* test-reconcile.c — `chain reconcile` and the library's reconciliation
 *
 * The ledger is `chain demo`'s: Dist X issued dist-x-dev-1..8 and revoked
 * dist-x-dev-3. The cloud files are the JSON files in tests/reconcile/, one per
 * format, shaped as the cloud CLIs print them; "{{SHA256 ID}}" in them
 * becomes the SHA-256 of device ID's certificate (from the ledger's
 * manifest), so exact matches can be tested. Bad files are made per case.
 * The scripts -o writes are run with fake `az` and `aws` commands that
 * record the arguments they got.
 */
#include "test-cli.h"

#include <glib/gstdio.h>
#include <string.h>

static char *tmpdir;      /* per test */
static char *demo_tmp;    /* per suite */
static char *demo_dir;

static void
demo_setup (void)
{
  demo_tmp = test_cli_demo_new (&demo_dir);
}

static void
demo_teardown (void)
{
  if (demo_tmp != NULL)
    test_support_tmpdir_remove (demo_tmp);
  g_clear_pointer (&demo_tmp, g_free);
  g_clear_pointer (&demo_dir, g_free);
}

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

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* The certificate SHA-256 of @device as the demo's manifest lists it. */
static char *
device_sha256 (const char *device)
{
  g_autofree char *manifest_path = g_build_filename (demo_dir, "devices", "manifest.csv", NULL);
  g_autofree char *manifest = test_cli_read_file (manifest_path, NULL);
  g_auto(GStrv) lines = g_strsplit (manifest, "\n", -1);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ",", -1);

      if (g_strv_length (fields) >= 3 && strcmp (fields[0], device) == 0)
        return g_strdup (fields[2]);
    }
  ck_abort_msg ("no %s in %s", device, manifest_path);
  return NULL;
}

/* tests/reconcile/@name with its {{SHA256 ID}} filled in, written to the
 * test's directory; returns its path. */
static char *
fixture (const char *name)
{
  g_autofree char *source = g_build_filename (g_getenv ("CHAIN_SOURCE_DIR"), "tests", "reconcile", name, NULL);
  g_autofree char *text = test_cli_read_file (source, NULL);
  g_autoptr(GString) filled = g_string_new (NULL);
  const char *p = text;
  const char *mark;
  char *path = tmp_path (name);

  while ((mark = strstr (p, "{{SHA256 ")) != NULL)
    {
      const char *end = strstr (mark, "}}");
      g_autofree char *device = NULL;
      g_autofree char *sha256 = NULL;

      ck_assert (end != NULL);
      device = g_strndup (mark + 9, (gsize) (end - mark - 9));
      sha256 = device_sha256 (device);
      g_string_append_len (filled, p, mark - p);
      /* Azure prints thumbprints upper-case, AWS lower-case: both must match. */
      if (strstr (name, "azure") != NULL)
        {
          g_autofree char *upper = g_ascii_strup (sha256, -1);

          g_string_append (filled, upper);
        }
      else
        g_string_append (filled, sha256);
      p = end + 2;
    }
  g_string_append (filled, p);
  test_support_write_file (path, filled->str, filled->len);
  return path;
}

static char *
write_tmp (const char *name,
           const char *text)
{
  char *path = tmp_path (name);

  test_support_write_file (path, text, strlen (text));
  return path;
}

static char *
dist_dir (void)
{
  return g_build_filename (demo_dir, "dist-x", NULL);
}

/* Runs `chain -C DIST --json reconcile FILES...`; returns the exit status
 * and the parsed report (NULL unless it exits 0 or 3). */
static int
reconcile_json (const char *const *files,
                ChainJson        **out_doc,
                char             **out_err)
{
  g_autofree char *dist = dist_dir ();
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out = NULL;
  int status;

  g_ptr_array_add (args, (char *) "-C");
  g_ptr_array_add (args, dist);
  g_ptr_array_add (args, (char *) "--json");
  g_ptr_array_add (args, (char *) "reconcile");
  for (gsize i = 0; files[i] != NULL; i++)
    g_ptr_array_add (args, (char *) files[i]);
  g_ptr_array_add (args, NULL);
  status = test_cli_chain (NULL, (const char *const *) args->pdata, &out, out_err);
  *out_doc = status == 0 || status == 3 ? test_cli_parse_json ("reconcile --json", out) : NULL;
  return status;
}

/* Whether @doc lists a finding of @kind for @device (NULL: any) with
 * @needs_action. */
static gboolean
has_finding (ChainJson  *doc,
             const char *kind,
             const char *device,
             gboolean    needs_action)
{
  ChainJson *findings = test_cli_json_get (doc, "findings");

  for (gsize i = 0; i < chain_json_array_get_length (findings); i++)
    {
      ChainJson *finding = chain_json_array_get_element (findings, i);
      ChainJson *id = chain_json_object_get_member (finding, "device_id");

      if (strcmp (test_cli_json_string (finding, "kind"), kind) == 0
          && test_cli_json_bool (finding, "needs_action") == needs_action
          && (device == NULL
              || (chain_json_get_value_type (id) == CHAIN_JSON_STRING && strcmp (chain_json_get_string (id), device) == 0)))
        return TRUE;
    }
  return FALSE;
}

/* ---- Each format --------------------------------------------------------------------- */

START_TEST (test_iothub)
{
  g_autofree char *file = fixture ("azure-iothub.json");
  g_autoptr(ChainJson) doc = NULL;
  g_autofree char *err = NULL;
  int status = reconcile_json ((const char *const[]) { file, NULL }, &doc, &err);

  ck_assert_msg (status == 3, "exit %d: %s", status, err);
  test_cli_assert_error_line ("reconcile", err, "3 findings need action");
  ck_assert_str_eq (test_cli_json_string (doc, "files/0/format"), "azure-iothub");
  ck_assert_int_eq (test_cli_json_int (doc, "cloud_entries"), 6);
  ck_assert_int_eq (test_cli_json_int (doc, "needs_action"), 3);
  ck_assert (has_finding (doc, "revoked-enabled", "dist-x-dev-3", TRUE));
  ck_assert (has_finding (doc, "not-issued", "rogue-unit-77", TRUE));
  /* A known id with a certificate the ledger never issued: a clone. */
  ck_assert (has_finding (doc, "not-issued", "dist-x-dev-4", TRUE));
  ck_assert_str_eq (test_cli_json_string (doc, "findings/0/format"), "azure-iothub");
  /* dev-2 matched by its SHA-256 thumbprint, dev-1 and dev-5 by id. */
  ck_assert (!has_finding (doc, "never-seen", "dist-x-dev-2", FALSE));
  ck_assert (!has_finding (doc, "never-seen", "dist-x-dev-1", FALSE));
  ck_assert (!has_finding (doc, "never-seen", "dist-x-dev-5", FALSE));
  ck_assert (has_finding (doc, "never-seen", "dist-x-dev-4", FALSE));
  ck_assert (has_finding (doc, "never-seen", "dist-x-dev-8", FALSE));
  /* The revoked dev-3 is no "never seen" candidate. */
  ck_assert_int_eq (test_cli_json_int (doc, "seen"), 4);
}
END_TEST

START_TEST (test_dps)
{
  g_autofree char *file = fixture ("azure-dps.json");
  g_autoptr(ChainJson) doc = NULL;
  g_autofree char *err = NULL;
  int status = reconcile_json ((const char *const[]) { file, NULL }, &doc, &err);

  ck_assert_msg (status == 3, "exit %d: %s", status, err);
  ck_assert_str_eq (test_cli_json_string (doc, "files/0/format"), "azure-dps");
  ck_assert_int_eq (test_cli_json_int (doc, "needs_action"), 2);
  ck_assert (has_finding (doc, "revoked-enabled", "dist-x-dev-3", TRUE));
  ck_assert (has_finding (doc, "not-issued", "grey-unit-9", TRUE));
  ck_assert_str_eq (test_cli_json_string (doc, "findings/0/hub"), "factory-hub.azure-devices.net");
  /* A disabled registration is seen and needs nothing. */
  ck_assert (!has_finding (doc, "never-seen", "dist-x-dev-7", FALSE));
}
END_TEST

START_TEST (test_aws_certificates)
{
  g_autofree char *file = fixture ("aws-certificates.json");
  g_autofree char *dev3 = device_sha256 ("dist-x-dev-3");
  g_autoptr(ChainJson) doc = NULL;
  g_autofree char *err = NULL;
  int status = reconcile_json ((const char *const[]) { file, NULL }, &doc, &err);

  ck_assert_msg (status == 3, "exit %d: %s", status, err);
  ck_assert_str_eq (test_cli_json_string (doc, "files/0/format"), "aws-certificates");
  ck_assert_int_eq (test_cli_json_int (doc, "needs_action"), 2);
  /* The certificate id is the SHA-256: the ledger names the device. */
  ck_assert (has_finding (doc, "revoked-enabled", "dist-x-dev-3", TRUE));
  ck_assert_str_eq (test_cli_json_string (doc, "findings/1/cert_sha256"), dev3);
  ck_assert_str_eq (test_cli_json_string (doc, "findings/0/kind"), "not-issued");
  ck_assert_str_eq (test_cli_json_string (doc, "findings/0/cert_sha256"),
                    "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae");
  /* An INACTIVE certificate the ledger never issued: information. */
  ck_assert (has_finding (doc, "not-issued", NULL, FALSE));
  ck_assert (!has_finding (doc, "never-seen", "dist-x-dev-8", FALSE));
}
END_TEST

START_TEST (test_aws_things)
{
  g_autofree char *file = fixture ("aws-things.json");
  g_autoptr(ChainJson) doc = NULL;
  g_autofree char *err = NULL;
  int status = reconcile_json ((const char *const[]) { file, NULL }, &doc, &err);

  ck_assert_msg (status == 3, "exit %d: %s", status, err);
  ck_assert_str_eq (test_cli_json_string (doc, "files/0/format"), "aws-things");
  ck_assert_int_eq (test_cli_json_int (doc, "needs_action"), 1);
  ck_assert (has_finding (doc, "not-issued", "grey-thing-1", TRUE));
  ck_assert_int_eq (test_cli_json_int (doc, "seen"), 1);
}
END_TEST

/* Every format at once, in text, with the scripts; the scripts run with
 * fake az and aws that log what they were asked. */
START_TEST (test_all_formats_text_and_scripts)
{
  g_autofree char *hub = fixture ("azure-iothub.json");
  g_autofree char *dps = fixture ("azure-dps.json");
  g_autofree char *certs = fixture ("aws-certificates.json");
  g_autofree char *things = fixture ("aws-things.json");
  g_autofree char *dist = dist_dir ();
  g_autofree char *out_dir = tmp_path ("disable");
  g_autofree char *bin = tmp_path ("bin");
  g_autofree char *log = tmp_path ("cloud.log");
  g_autofree char *path_env = NULL;
  g_autofree char *log_env = g_strdup_printf ("CLOUD_LOG=%s", log);
  g_autofree char *hub_script = g_build_filename (out_dir, "azure-iothub", "disable.sh", NULL);
  g_autofree char *aws_script = g_build_filename (out_dir, "aws-iot", "revoke.sh", NULL);
  g_autofree char *dev3 = device_sha256 ("dist-x-dev-3");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *logged = NULL;
  const char *fake = "#!/bin/sh\nprintf '%s ' \"$(basename \"$0\")\" \"$@\" >> \"$CLOUD_LOG\"\necho >> \"$CLOUD_LOG\"\n";
  int status;

  status = test_cli_chain (NULL, (const char *const[]) {
    "-C", dist, "reconcile", hub, dps, certs, things, "-o", out_dir, "--hub", "factory-hub", NULL }, &out, &err);
  ck_assert_msg (status == 3, "exit %d: %s", status, err);
  test_cli_assert_error_line ("reconcile", err, "8 findings need action");
  ck_assert_msg (strstr (out, "8 findings need action:") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "Ledger: 8 device certificates") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "rogue-unit-77") != NULL && strstr (out, "grey-unit-9") != NULL
                 && strstr (out, "grey-thing-1") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "never seen") != NULL && strstr (out, "dist-x-dev-4") != NULL, "%s", out);

  /* The scripts parse and do what the findings say. */
  ck_assert_int_eq (test_support_run ((const char *const[]) { "sh", "-n", hub_script, NULL }, NULL, NULL, NULL), 0);
  ck_assert_int_eq (test_support_run ((const char *const[]) { "sh", "-n", aws_script, NULL }, NULL, NULL, NULL), 0);
  g_mkdir (bin, 0755);
  {
    g_autofree char *az = g_build_filename (bin, "az", NULL);
    g_autofree char *aws = g_build_filename (bin, "aws", NULL);

    test_support_write_file (az, fake, strlen (fake));
    test_support_write_file (aws, fake, strlen (fake));
    g_chmod (az, 0755);
    g_chmod (aws, 0755);
  }
  path_env = g_strdup_printf ("PATH=%s:%s", bin, g_getenv ("PATH"));
  ck_assert_int_eq (test_cli_spawn (NULL, (const char *const[]) { path_env, log_env, NULL }, NULL,
                                    (const char *const[]) { "sh", hub_script, NULL }, NULL, NULL), 0);
  ck_assert_int_eq (test_cli_spawn (NULL, (const char *const[]) { path_env, log_env, NULL }, NULL,
                                    (const char *const[]) { "sh", aws_script, NULL }, NULL, NULL), 0);
  logged = test_cli_read_file (log, NULL);
  ck_assert_msg (strstr (logged, "--hub-name factory-hub --device-id rogue-unit-77 --status disabled") != NULL, "%s", logged);
  ck_assert_msg (strstr (logged, "--hub-name factory-hub --device-id dist-x-dev-3 --status disabled") != NULL, "%s", logged);
  ck_assert_msg (strstr (logged, "--device-id grey-unit-9 --status disabled") != NULL, "%s", logged);
  ck_assert_msg (strstr (logged, "--certificate-id 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae --new-status REVOKED") != NULL,
                 "%s", logged);
  {
    g_autofree char *revoke_dev3 = g_strdup_printf ("--certificate-id %s --new-status REVOKED", dev3);

    ck_assert_msg (strstr (logged, revoke_dev3) != NULL, "%s", logged);
  }
  /* Nothing for what needs no action. */
  ck_assert_msg (strstr (logged, "dist-x-dev-5") == NULL && strstr (logged, "fcde2b2e") == NULL, "%s", logged);
}
END_TEST

START_TEST (test_agreement_exits_0)
{
  g_autofree char *file = write_tmp ("hub.json",
    "[{\"deviceId\": \"dist-x-dev-1\", \"status\": \"enabled\", \"authenticationType\": \"certificateAuthority\","
    " \"x509Thumbprint\": {\"primaryThumbprint\": null, \"secondaryThumbprint\": null}}]");
  g_autofree char *empty_list = write_tmp ("things.json", "{\"things\": []}");
  g_autofree char *dist = dist_dir ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  status = test_cli_chain (NULL, (const char *const[]) { "-C", dist, "reconcile", file, empty_list, NULL }, &out, &err);
  ck_assert_msg (status == 0, "exit %d: %s%s", status, out, err);
  ck_assert_msg (strstr (out, "Information:") != NULL && strstr (out, "never seen") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "need action") == NULL, "%s", out);
}
END_TEST

/* The summary the workspace keeps for Custody and `chain report` is a
 * convenience: where it cannot be written (here a directory stands in its
 * place), the reconciliation is still reported, with a warning. */
START_TEST (test_summary_not_kept_warns)
{
  g_autofree char *file = write_tmp ("hub.json",
    "[{\"deviceId\": \"dist-x-dev-1\", \"status\": \"enabled\", \"authenticationType\": \"certificateAuthority\","
    " \"x509Thumbprint\": {\"primaryThumbprint\": null, \"secondaryThumbprint\": null}}]");
  g_autofree char *dist = dist_dir ();
  g_autofree char *blocker = g_build_filename (dist, CHAIN_RECONCILE_SUMMARY_FILE, NULL);
  g_autofree char *inside = g_build_filename (blocker, "keep", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (g_file_test (blocker, G_FILE_TEST_IS_REGULAR))
    ck_assert_int_eq (g_unlink (blocker), 0);
  ck_assert_int_eq (g_mkdir (blocker, 0700), 0);
  test_support_write_file (inside, "", 0);
  status = test_cli_chain (NULL, (const char *const[]) { "-C", dist, "reconcile", file, NULL }, &out, &err);
  g_unlink (inside);
  g_rmdir (blocker);
  ck_assert_msg (status == 0, "exit %d: %s%s", status, out, err);
  ck_assert_msg (strstr (out, "never seen") != NULL, "no report: %s", out);
  ck_assert_msg (g_str_has_prefix (err, "chain: warning: this result is not kept") && strchr (err, '\n') == err + strlen (err) - 1,
                 "not one warning line: %s", err);
}
END_TEST

/* ---- Bad input: one line, exit 1, nothing written ------------------------------------- */

typedef struct {
  const char *name;
  const char *text;      /* NULL: special, see the test */
  const char *needle;
} BadFile;

static const BadFile bad_files[] = {
  { "empty", "", "is empty" },
  { "blank", " \n\t\n", "is empty" },
  { "unknown object", "{\"value\": [{\"deviceId\": \"a\"}]}", "not a registry export" },
  { "unknown array", "[{\"name\": \"a\"}]", "not a registry export" },
  { "scalars", "[1, 2, 3]", "not a registry export" },
  { "string", "\"devices\"", "not a registry export" },
  { "truncated", NULL, "truncated" },
  { "trailing garbage", "[] []", "expected the end of the file" },
  { "missing id", "[{\"deviceId\": \"a\"}, {\"status\": \"enabled\"}]", "device 2 has no 'deviceId'" },
  { "bad certificate id", "{\"certificates\": [{\"certificateId\": \"xyz\", \"status\": \"ACTIVE\"}]}",
    "not 64 hex digits" },
  { "invalid json", "[{\"deviceId\": \"a\",}]", "device 1: invalid JSON" },
  { "huge element", NULL, "larger than 262144 bytes" },
};

START_TEST (test_bad_file)
{
  const BadFile *bad = &bad_files[_i];
  g_autofree char *dist = dist_dir ();
  g_autofree char *good = fixture ("azure-dps.json");
  g_autofree char *path = tmp_path ("bad.json");
  g_autofree char *out_dir = tmp_path ("disable");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (bad->text != NULL)
    test_support_write_file (path, bad->text, strlen (bad->text));
  else if (strcmp (bad->name, "truncated") == 0)
    {
      g_autofree char *whole = fixture ("azure-iothub.json");
      gsize len = 0;
      g_autofree char *text = test_cli_read_file (whole, &len);

      test_support_write_file (path, text, len / 2);
    }
  else
    {
      /* One device twin with 300 KiB of tags: refused, not loaded. */
      g_autoptr(GString) text = g_string_new ("[{\"deviceId\": \"big\", \"tags\": {\"blob\": \"");

      for (guint i = 0; i < 300 * 1024; i++)
        g_string_append_c (text, 'A');
      g_string_append (text, "\"}}]");
      test_support_write_file (path, text->str, text->len);
    }
  status = test_cli_chain (NULL, (const char *const[]) {
    "-C", dist, "reconcile", good, path, "-o", out_dir, NULL }, &out, &err);
  ck_assert_msg (status == 1, "%s: exit %d: %s%s", bad->name, status, out, err);
  test_cli_assert_error_line (bad->name, err, bad->needle);
  ck_assert_msg (strstr (err, "bad.json") != NULL, "%s: %s", bad->name, err);
  ck_assert_msg (!g_file_test (out_dir, G_FILE_TEST_EXISTS), "%s: wrote %s", bad->name, out_dir);
  ck_assert_str_eq (out, "");
}
END_TEST

START_TEST (test_missing_file_and_usage)
{
  g_autofree char *dist = dist_dir ();
  g_autofree char *missing = tmp_path ("missing.json");
  g_autofree char *err = NULL;
  int status;

  status = test_cli_chain (NULL, (const char *const[]) { "-C", dist, "reconcile", missing, NULL }, NULL, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("missing", err, "cannot read the cloud file");
  g_clear_pointer (&err, g_free);
  status = test_cli_chain (NULL, (const char *const[]) { "-C", dist, "reconcile", NULL }, NULL, &err);
  ck_assert_int_eq (status, 2);
}
END_TEST

/* ---- Odd characters: shown safely, quoted safely ------------------------------------- */

#define ODD_ID "x'; rm -rf / #\x1b[31mred\x1b]0;owned\x07"

START_TEST (test_odd_device_id)
{
  g_autofree char *dist = dist_dir ();
  g_autofree char *file = write_tmp ("hub.json",
    "[{\"deviceId\": \"x'; rm -rf / #\\u001b[31mred\\u001b]0;owned\\u0007\", \"status\": \"enabled\","
    " \"authenticationType\": \"certificateAuthority\"},"
    " {\"deviceId\": \"line\\nbreak $(touch pwned)\", \"status\": \"enabled\"}]");
  /* DPS names the hub: outside input too. */
  g_autofree char *dps = write_tmp ("dps.json",
    "[{\"registrationId\": \"grey\", \"status\": \"assigned\","
    " \"assignedHub\": \"evil\\u001b[2J'hub.azure-devices.net\"}]");
  g_autofree char *out_dir = tmp_path ("disable");
  g_autofree char *hub_script = g_build_filename (out_dir, "azure-iothub", "disable.sh", NULL);
  g_autofree char *bin = tmp_path ("bin");
  g_autofree char *az = g_build_filename (bin, "az", NULL);
  g_autofree char *log = tmp_path ("az.log");
  g_autofree char *path_env = NULL;
  g_autofree char *log_env = g_strdup_printf ("CLOUD_LOG=%s", log);
  g_autofree char *pwned = tmp_path ("pwned");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *json_out = NULL;
  g_autofree char *script = NULL;
  g_autofree char *logged = NULL;
  gsize logged_len = 0;
  /* Logs each argument NUL-terminated, so the test sees the exact bytes. */
  const char *fake = "#!/bin/sh\nprintf '%s\\0' \"$@\" >> \"$CLOUD_LOG\"\n";
  int status;

  status = test_cli_chain (NULL, (const char *const[]) {
    "-C", dist, "reconcile", file, dps, "-o", out_dir, "--hub", "h", NULL }, &out, &err);
  ck_assert_msg (status == 3, "exit %d: %s", status, err);
  ck_assert_msg (strchr (out, '\x1b') == NULL && strchr (out, '\x07') == NULL, "raw control bytes shown: %s", out);
  ck_assert_msg (strstr (out, "x'; rm -rf / #?[31mred?]0;owned?") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "line break $(touch pwned)") != NULL, "%s", out);

  status = test_cli_chain (NULL, (const char *const[]) { "-C", dist, "--json", "reconcile", file, NULL },
                           &json_out, NULL);
  ck_assert_int_eq (status, 3);
  ck_assert_msg (strchr (json_out, '\x1b') == NULL, "raw ESC in --json");
  {
    g_autoptr(ChainJson) doc = test_cli_parse_json ("reconcile --json", json_out);

    ck_assert (has_finding (doc, "not-issued", ODD_ID, TRUE));
  }

  /* The script holds no raw control byte, parses, and passes the id as it is. */
  script = test_cli_read_file (hub_script, NULL);
  ck_assert_msg (strchr (script, '\x1b') == NULL && strchr (script, '\x07') == NULL, "%s", script);
  ck_assert_int_eq (test_support_run ((const char *const[]) { "sh", "-n", hub_script, NULL }, NULL, NULL, NULL), 0);
  g_mkdir (bin, 0755);
  test_support_write_file (az, fake, strlen (fake));
  g_chmod (az, 0755);
  path_env = g_strdup_printf ("PATH=%s:%s", bin, g_getenv ("PATH"));
  ck_assert_int_eq (test_cli_spawn (tmpdir, (const char *const[]) { path_env, log_env, NULL }, NULL,
                                    (const char *const[]) { "sh", hub_script, NULL }, NULL, NULL), 0);
  ck_assert_msg (!g_file_test (pwned, G_FILE_TEST_EXISTS), "the script ran a command from a device id");
  logged = test_cli_read_file (log, &logged_len);
  {
    gboolean odd_found = FALSE;
    gboolean line_found = FALSE;
    gboolean hub_found = FALSE;

    for (gsize at = 0; at < logged_len; at += strlen (logged + at) + 1)
      {
        odd_found = odd_found || strcmp (logged + at, ODD_ID) == 0;
        line_found = line_found || strcmp (logged + at, "line\nbreak $(touch pwned)") == 0;
        hub_found = hub_found || strcmp (logged + at, "evil\x1b[2J'hub") == 0;
      }
    ck_assert_msg (odd_found && line_found && hub_found, "az did not get the ids and hub as they are");
  }
}
END_TEST

/* ---- The library: duplicates, streams --------------------------------------------------- */

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static void
read_text (ChainReconcile *reconcile,
           const char     *name,
           const char     *text)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (text, (gssize) strlen (text), NULL);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (chain_reconcile_read_stream (reconcile, stream, name, NULL, NULL, &error), "%s",
                 error != NULL ? error->message : "");
}

static gsize
count_kind (ChainReconcile     *reconcile,
            ChainReconcileKind  kind,
            gboolean            needs_action)
{
  gsize n = 0;

  for (gsize i = 0; i < chain_reconcile_get_n_findings (reconcile); i++)
    {
      ChainReconcileFinding finding;

      chain_reconcile_get_finding (reconcile, i, &finding);
      n += finding.kind == kind && finding.needs_action == needs_action;
    }
  return n;
}

START_TEST (test_ledger_duplicates)
{
  g_autoptr(ChainReconcile) reconcile = chain_reconcile_new ();
  g_autoptr(GError) error = NULL;

  /* "reissued": revoked, then issued again: information. "twice": two in force. */
  ck_assert (chain_reconcile_add_issued (reconcile, "reissued", "01", SHA_A, TRUE, &error));
  ck_assert (chain_reconcile_add_issued (reconcile, "reissued", "02", SHA_B, FALSE, &error));
  ck_assert (chain_reconcile_add_issued (reconcile, "twice", "03", SHA_C, FALSE, &error));
  ck_assert (chain_reconcile_add_issued (reconcile, "twice", "04",
                                         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", FALSE, &error));
  ck_assert (!chain_reconcile_add_issued (reconcile, "bad", "05", "not-a-sha", FALSE, &error));
  g_clear_error (&error);
  read_text (reconcile, "hub.json", "[{\"deviceId\": \"reissued\", \"status\": \"enabled\"},"
                                    " {\"deviceId\": \"twice\", \"status\": \"enabled\"}]");
  ck_assert (chain_reconcile_compare (reconcile, NULL, &error));
  ck_assert_uint_eq (count_kind (reconcile, CHAIN_RECONCILE_DUPLICATE_ID, TRUE), 2);
  ck_assert_uint_eq (count_kind (reconcile, CHAIN_RECONCILE_DUPLICATE_ID, FALSE), 2);
  /* Known by id alone, "reissued" is judged by its current certificate, in force. */
  ck_assert_uint_eq (count_kind (reconcile, CHAIN_RECONCILE_REVOKED_ENABLED, TRUE), 0);
  ck_assert_uint_eq (chain_reconcile_get_n_needing_action (reconcile), 2);
  ck_assert_uint_eq (chain_reconcile_get_n_seen (reconcile), 2);
}
END_TEST

START_TEST (test_cloud_duplicate)
{
  g_autoptr(ChainReconcile) reconcile = chain_reconcile_new ();
  g_autoptr(GError) error = NULL;
  ChainReconcileFinding finding;

  ck_assert (chain_reconcile_add_issued (reconcile, "dev", "01", SHA_A, FALSE, &error));
  /* Two hubs: the same id, the ledger's certificate in one, another in the other. */
  read_text (reconcile, "hub-1.json", "[{\"deviceId\": \"dev\", \"status\": \"enabled\", \"authenticationType\": "
                                      "\"selfSigned\", \"x509Thumbprint\": {\"primaryThumbprint\": \"" SHA_A "\"}}]");
  read_text (reconcile, "hub-2.json", "[{\"deviceId\": \"dev\", \"status\": \"enabled\", \"authenticationType\": "
                                      "\"selfSigned\", \"x509Thumbprint\": {\"primaryThumbprint\": \"" SHA_B "\"}}]");
  ck_assert (chain_reconcile_compare (reconcile, NULL, &error));
  ck_assert_uint_eq (count_kind (reconcile, CHAIN_RECONCILE_DUPLICATE_ID, TRUE), 2);
  ck_assert_uint_eq (count_kind (reconcile, CHAIN_RECONCILE_NOT_ISSUED, TRUE), 1);
  chain_reconcile_get_finding (reconcile, 0, &finding);
  ck_assert (finding.needs_action);
  ck_assert_uint_eq (chain_reconcile_get_n_seen (reconcile), 1);
}
END_TEST

/* A failed file adds nothing; the next one still reads. */
START_TEST (test_failed_file_adds_nothing)
{
  g_autoptr(ChainReconcile) reconcile = chain_reconcile_new ();
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *truncated = "[{\"deviceId\": \"a\"}, {\"deviceId\": \"b\"}, {\"devi";

  stream = g_memory_input_stream_new_from_data (truncated, (gssize) strlen (truncated), NULL);
  ck_assert (!chain_reconcile_read_stream (reconcile, stream, "t.json", NULL, NULL, &error));
  ck_assert_msg (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT) && strstr (error->message, "truncated"),
                 "%s", error->message);
  ck_assert_uint_eq (chain_reconcile_get_n_cloud (reconcile), 0);
  read_text (reconcile, "ok.json", "{\"nextToken\": \"x\", \"things\": [{\"thingName\": \"c\", \"version\": 1.5e3}]}");
  ck_assert_uint_eq (chain_reconcile_get_n_cloud (reconcile), 1);
}
END_TEST

/* Files larger than the reader's 64 KiB buffer, with elements of every
 * size, so buffer ends fall inside strings, escapes, numbers, literals
 * and nesting: every device still reads as itself. */
START_TEST (test_many_devices_across_buffers)
{
  g_autoptr(ChainReconcile) reconcile = chain_reconcile_new ();
  g_autoptr(GString) hub = g_string_new ("[");
  g_autoptr(GString) aws = g_string_new ("{\"nextMarker\": null, \"certificates\": [");
  g_autoptr(GError) error = NULL;
  const guint n = 3000;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("dev-%u", i);
      g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);

      ck_assert (chain_reconcile_add_issued (reconcile, id, "01", sha, FALSE, &error));
      if (i % 2 == 0)
        {
          g_string_append_printf (hub, "%s{\"tags\": {\"pad\": \"", i == 0 ? "" : ",\n");
          for (guint k = 0; k < i % 97; k++)
            g_string_append (hub, k % 7 == 0 ? "\\\"" : "x");
          g_string_append_printf (hub, "\", \"n\": [%u, -%u.5e-3, true, null, false]}, \"deviceId\": \"%s\","
                                  " \"status\": \"enabled\", \"version\": %u}", i, i, id, i);
        }
      else
        g_string_append_printf (aws, "%s{\"certificateId\": \"%s\", \"status\": \"ACTIVE\", \"creationDate\": %u.%03u}",
                                i == 1 ? "" : ",", sha, 1764322212 + i, i % 1000);
    }
  g_string_append (hub, "]");
  g_string_append (aws, "], \"more\": 17}");
  ck_assert_uint_gt (hub->len, 3 * 65536);
  read_text (reconcile, "hub.json", hub->str);
  read_text (reconcile, "aws.json", aws->str);
  ck_assert_uint_eq (chain_reconcile_get_n_cloud (reconcile), n);
  ck_assert (chain_reconcile_compare (reconcile, NULL, &error));
  ck_assert_uint_eq (chain_reconcile_get_n_seen (reconcile), n);
  ck_assert_uint_eq (chain_reconcile_get_n_findings (reconcile), 0);
}
END_TEST

static Suite *
reconcile_suite (void)
{
  Suite *suite = suite_create ("reconcile");
  TCase *tc = tcase_create ("reconcile");
  TCase *lib = tcase_create ("library");

  tcase_add_unchecked_fixture (tc, demo_setup, demo_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_iothub);
  tcase_add_test (tc, test_dps);
  tcase_add_test (tc, test_aws_certificates);
  tcase_add_test (tc, test_aws_things);
  tcase_add_test (tc, test_all_formats_text_and_scripts);
  tcase_add_test (tc, test_agreement_exits_0);
  tcase_add_test (tc, test_summary_not_kept_warns);
  tcase_add_loop_test (tc, test_bad_file, 0, G_N_ELEMENTS (bad_files));
  tcase_add_test (tc, test_missing_file_and_usage);
  tcase_add_test (tc, test_odd_device_id);
  suite_add_tcase (suite, tc);
  tcase_add_test (lib, test_ledger_duplicates);
  tcase_add_test (lib, test_cloud_duplicate);
  tcase_add_test (lib, test_failed_file_adds_nothing);
  tcase_add_test (lib, test_many_devices_across_buffers);
  suite_add_tcase (suite, lib);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (reconcile_suite ());
}
