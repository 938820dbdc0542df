/* test-export.c — cloud exports and proof of possession, end to end
 *
 * Workspaces built with the library (test-custody.h); `chain export` and
 * `chain pop` run as a user would; what they write is judged by real
 * readers: Python's cryptography parses every certificate file, Python's
 * json every JSON file, `bash -n` every script, openssl verifies the
 * verification certificates, and the export record's digests must match
 * the files. Pre-flight warnings are provoked one by one; a refused
 * command must leave the ledger as it was.
 */
#include "test-custody.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "chain-export-private.h"

#define AWS_CODE "4a1c2b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define AZURE_CODE "47292AB6260DB02CCD2D07C601B7303DD49858B6"

static TestCustody *base;     /* built once per test case, in the parent */
static TestCustody *custody;  /* this test's copy */
static char *out;             /* this test's output directory */

/* Every certificate and CRL block of each file, parsed by cryptography. */
static const char parse_pki_py[] =
  "import re, sys\n"
  "from cryptography import x509\n"
  "for path in sys.argv[1:]:\n"
  "    data = open(path, 'rb').read()\n"
  "    n = 0\n"
  "    if path.endswith('.der'):\n"
  "        x509.load_der_x509_crl(data)\n"
  "        n = 1\n"
  "    for m in re.finditer(rb'-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \\1-----', data, re.S):\n"
  "        if m.group(1) == b'CERTIFICATE':\n"
  "            x509.load_pem_x509_certificate(m.group(0))\n"
  "        elif m.group(1) == b'X509 CRL':\n"
  "            x509.load_pem_x509_crl(m.group(0))\n"
  "        else:\n"
  "            raise SystemExit(path + ': unexpected ' + m.group(1).decode())\n"
  "        n += 1\n"
  "    if n == 0:\n"
  "        raise SystemExit(path + ': nothing to parse')\n"
  "    print(path, n)\n";

static const char parse_json_py[] =
  "import json, sys\n"
  "for path in sys.argv[1:]:\n"
  "    json.load(open(path))\n";

static const char subject_cn_py[] =
  "import sys\n"
  "from cryptography import x509\n"
  "from cryptography.x509.oid import NameOID\n"
  "cert = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())\n"
  "print(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)\n";

static void
base_setup (void)
{
  static const char *const dist_ids[] = { "sensor-0001", "Sensor-0002", "sensor-0003", NULL };
  static const char *const cm_ids[] = { "cm-device-1", NULL };

  base = test_custody_new ();
  g_ptr_array_unref (test_custody_issue (base->dist, dist_ids, NULL, TRUE));
  g_ptr_array_unref (test_custody_issue (base->cm, cm_ids, NULL, TRUE));
}

static void
base_teardown (void)
{
  g_clear_pointer (&base, test_custody_free);
}

static void
setup (void)
{
  custody = test_custody_copy (base);
  out = g_build_filename (custody->dir, "out", NULL);
}

static void
teardown (void)
{
  g_clear_pointer (&custody, test_custody_free);
  g_clear_pointer (&out, g_free);
}

static char *
party (const char *name)
{
  return g_build_filename (custody->dir, name, NULL);
}

static char *
out_file (const char *target,
          const char *name)
{
  return g_build_filename (out, target, name, NULL);
}

static void
run_ok (const char *const *argv)
{
  g_autofree char *err = NULL;
  g_autofree char *cmd = g_strjoinv (" ", (char **) argv);
  int status = test_cli_spawn (NULL, NULL, NULL, argv, NULL, &err);

  ck_assert_msg (status == 0, "%s exited %d: %s", cmd, status, err);
}

static gboolean
run_fails (const char *const *argv)
{
  return test_cli_spawn (NULL, NULL, NULL, argv, NULL, NULL) != 0;
}

/* `chain -C DIR/PARTY ARGS... --json`-style run; returns stdout, fails on error. */
static char *
chain_ok (const char        *who,
          const char *const *args)
{
  g_autofree char *ws = party (who);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  g_autofree char *stdout_text = NULL;
  int status;

  g_ptr_array_add (argv, (char *) "-C");
  g_ptr_array_add (argv, ws);
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  status = test_cli_chain (NULL, (const char *const *) argv->pdata, &stdout_text, &err);
  ck_assert_msg (status == 0, "chain %s exited %d: %s", args[0], status, err);
  return g_steal_pointer (&stdout_text);
}

static int
chain_status (const char        *who,
              const char *const *args,
              char             **err)
{
  g_autofree char *ws = party (who);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) "-C");
  g_ptr_array_add (argv, ws);
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  return test_cli_chain (NULL, (const char *const *) argv->pdata, NULL, err);
}

static ChainRecord *
last_record (const char *who)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = party (who);
  g_autofree char *repo = g_build_filename (ws, "ledger.git", NULL);
  g_autoptr(ChainLedger) ledger = chain_ledger_open (repo, NULL, &error);
  ChainRecord *record;

  test_assert_no_error (error);
  record = chain_ledger_load_record (ledger, chain_ledger_get_length (ledger) - 1, &error);
  test_assert_no_error (error);
  return record;
}

static ChainRecord *
record_at (const char *who,
           guint64     seq)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = party (who);
  g_autofree char *repo = g_build_filename (ws, "ledger.git", NULL);
  g_autoptr(ChainLedger) ledger = chain_ledger_open (repo, NULL, &error);
  ChainRecord *record;

  test_assert_no_error (error);
  record = chain_ledger_load_record (ledger, seq, &error);
  test_assert_no_error (error);
  return record;
}

static gboolean
has_warning (ChainJson  *doc,
             const char *path,
             const char *id)
{
  ChainJson *warnings = test_cli_json_get (doc, path);

  for (gsize i = 0; i < chain_json_array_get_length (warnings); i++)
    {
      ChainJson *warning = chain_json_array_get_element (warnings, i);

      if (strcmp (chain_json_get_string (chain_json_object_get_member (warning, "id")), id) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The export record is the ledger's last; each file it lists is on disk
 * with that digest, and the artifact holds the same bytes. */
static void
assert_record_matches (const char        *who,
                       const char        *target,
                       const char *const *recorded)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRecord) record = last_record (who);
  ChainStatement *st = chain_record_get_statement (record);
  ChainJson *body = chain_statement_get_body (st);
  ChainJson *files = chain_json_object_get_member (body, "files");

  ck_assert_int_eq (chain_statement_get_record_type (st), CHAIN_RECORD_TYPE_EXPORT);
  ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (body, "target")), target);
  ck_assert_uint_eq (chain_json_object_get_size (files), g_strv_length ((char **) recorded));
  for (gsize i = 0; recorded[i] != NULL; i++)
    {
      g_autofree char *path = out_file (target, recorded[i]);
      g_autofree char *data = NULL;
      g_autofree char *sha = NULL;
      g_autoptr(GBytes) artifact = NULL;
      gsize len = 0;
      ChainJson *digest = chain_json_object_get_member (files, recorded[i]);

      ck_assert_msg (digest != NULL, "the record does not list %s", recorded[i]);
      ck_assert (g_file_get_contents (path, &data, &len, NULL));
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
      ck_assert_str_eq (chain_json_get_string (digest), sha);
      artifact = chain_record_read_artifact (record, recorded[i], NULL, &error);
      test_assert_no_error (error);
      ck_assert_uint_eq (g_bytes_get_size (artifact), len);
      ck_assert (memcmp (g_bytes_get_data (artifact, NULL), data, len) == 0);
    }
}

/* ---- Each target's files ------------------------------------------------------ */

static const struct {
  const char *target;
  const char *files[6];      /* recorded */
  const char *pki[4];        /* certificate files */
  const char *json[3];
  const char *script;
} targets[] = {
  { "pem", { "ca.pem", "chain.pem", "mosquitto.conf", NULL }, { "ca.pem", "chain.pem", NULL }, { NULL }, NULL },
  { "azure-iothub", { "ca.pem", "ca.cer", "upload.sh", NULL }, { "ca.pem", "ca.cer", NULL }, { NULL }, "upload.sh" },
  { "azure-dps", { "ca.pem", "ca.cer", "enrollment-group.json", "upload.sh", NULL }, { "ca.pem", "ca.cer", NULL },
    { "enrollment-group.json", NULL }, "upload.sh" },
  { "aws-iot", { "ca.pem", "jitp-template.json", "registration-config.json", "upload.sh", NULL }, { "ca.pem", NULL },
    { "jitp-template.json", "registration-config.json", NULL }, "upload.sh" },
};

START_TEST (test_export_target)
{
  const char *target = targets[_i].target;
  g_autofree char *stdout_text = NULL;
  g_autoptr(ChainJson) doc = NULL;
  g_autoptr(GPtrArray) pki = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) json = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *parsed = NULL;
  g_autofree char *root = party ("oem/certs/root.pem");
  g_autofree char *ca = out_file (target, "ca.pem");
  g_autofree char *root_text = NULL;
  g_autofree char *ca_text = NULL;
  g_autoptr(ChainRecord) record = NULL;

  stdout_text = chain_ok ("oem", (const char *const[]) { "--json", "export", "--target", target, "--hub", "factory-hub",
                                                         "--dps", "factory-dps", "--region", "eu-west-1", "-o", out, NULL });
  doc = test_cli_parse_json ("chain export", stdout_text);
  ck_assert_uint_eq (test_cli_json_length (doc, "exports"), 1);
  ck_assert_str_eq (test_cli_json_string (doc, "exports/0/target"), target);
  record = last_record ("oem");
  ck_assert_int_eq (test_cli_json_int (doc, "exports/0/seq"), (gint64) chain_record_get_seq (record));
  ck_assert_uint_eq (test_cli_json_length (doc, "exports/0/files"), g_strv_length ((char **) targets[_i].files));

  /* The CA file is the OEM's root, byte for byte. */
  ck_assert (g_file_get_contents (root, &root_text, NULL, NULL));
  ck_assert (g_file_get_contents (ca, &ca_text, NULL, NULL));
  ck_assert_str_eq (root_text, ca_text);

  assert_record_matches ("oem", target, targets[_i].files);
  for (gsize i = 0; targets[_i].pki[i] != NULL; i++)
    g_ptr_array_add (pki, out_file (target, targets[_i].pki[i]));
  g_ptr_array_add (pki, NULL);
  parsed = test_custody_python (parse_pki_py, (const char *const *) pki->pdata);
  ck_assert_ptr_nonnull (strstr (parsed, "ca.pem 1"));
  for (gsize i = 0; targets[_i].json[i] != NULL; i++)
    g_ptr_array_add (json, out_file (target, targets[_i].json[i]));
  g_ptr_array_add (json, NULL);
  if (json->len > 1)
    g_free (test_custody_python (parse_json_py, (const char *const *) json->pdata));
  if (targets[_i].script != NULL)
    {
      g_autofree char *script = out_file (target, targets[_i].script);
      struct stat st;

      run_ok ((const char *const[]) { "bash", "-n", script, NULL });
      ck_assert_int_eq (g_stat (script, &st), 0);
      ck_assert_uint_eq (st.st_mode & 0777, 0755);
    }
}
END_TEST

/* The script names what it was given, and refuses to run with placeholders. */
START_TEST (test_scripts_hold_names_or_refuse)
{
  g_autofree char *hub_script = out_file ("azure-iothub", "upload.sh");
  g_autofree char *dps_script = out_file ("azure-dps", "upload.sh");
  g_autofree char *aws_script = out_file ("aws-iot", "upload.sh");
  g_autofree char *aws_config = out_file ("aws-iot", "registration-config.json");
  g_autofree char *text = NULL;
  g_autofree char *err = NULL;
  g_autoptr(ChainJson) config = NULL;
  g_autoptr(ChainJson) template = NULL;
  gsize len = 0;
  int status;

  g_free (chain_ok ("oem", (const char *const[]) { "export", "--target", "azure-iothub,azure-dps,aws-iot",
                                                   "--hub", "factory-hub", "--resource-group", "rg-1", "-o", out, NULL }));
  text = test_cli_read_file (hub_script, NULL);
  ck_assert_ptr_nonnull (strstr (text, "HUB='factory-hub'"));
  ck_assert_ptr_nonnull (strstr (text, "RESOURCE_GROUP='rg-1'"));
  ck_assert_ptr_nonnull (strstr (text, "az iot hub certificate"));
  g_free (text);
  text = test_cli_read_file (dps_script, NULL);
  ck_assert_ptr_nonnull (strstr (text, "<dps-name>"));
  ck_assert_ptr_nonnull (strstr (text, "enrollment-group create"));
  /* No DPS name: the script stops before calling az. */
  status = test_cli_spawn (NULL, (const char *const[]) { "PATH=/usr/bin:/bin", NULL }, NULL,
                           (const char *const[]) { "/bin/sh", dps_script, NULL }, NULL, &err);
  ck_assert_int_eq (status, 2);
  ck_assert_msg (strstr (err, "set DPS") != NULL, "stderr: %s", err);
  g_free (text);
  text = test_cli_read_file (aws_config, &len);
  config = test_cli_parse_json ("registration-config.json", text);
  ck_assert_ptr_nonnull (strstr (test_cli_json_string (config, "roleArn"), "<account-id>"));
  template = test_cli_parse_json ("templateBody", test_cli_json_string (config, "templateBody"));
  ck_assert_str_eq (test_cli_json_string (template, "Resources/thing/Type"), "AWS::IoT::Thing");
  g_free (err);
  err = NULL;
  status = test_cli_spawn (NULL, (const char *const[]) { "PATH=/usr/bin:/bin", NULL }, NULL,
                           (const char *const[]) { "/bin/sh", aws_script, NULL }, NULL, &err);
  ck_assert_int_eq (status, 2);
  ck_assert_msg (strstr (err, "roleArn") != NULL, "stderr: %s", err);
}
END_TEST

START_TEST (test_export_every_target_at_once)
{
  g_autofree char *stdout_text = chain_ok ("dist", (const char *const[]) {
    "--json", "export", "--target", "azure-iothub,azure-dps,aws-iot,pem", "-o", out, NULL });
  g_autoptr(ChainJson) doc = test_cli_parse_json ("chain export", stdout_text);
  g_autoptr(ChainRecord) record = last_record ("dist");
  g_autofree char *dist_ca = party ("dist/certs/ca.pem");
  g_autofree char *dist_text = test_cli_read_file (dist_ca, NULL);

  ck_assert_uint_eq (test_cli_json_length (doc, "exports"), 4);
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *ca = out_file (targets[i].target, "ca.pem");
      g_autofree char *text = test_cli_read_file (ca, NULL);

      ck_assert_str_eq (text, dist_text);
    }
  ck_assert_int_eq (test_cli_json_int (doc, "exports/3/seq"), (gint64) chain_record_get_seq (record));
  ck_assert_int_eq (test_cli_json_int (doc, "exports/0/seq") + 3, (gint64) chain_record_get_seq (record));
}
END_TEST

/* ---- Proof of possession ------------------------------------------------------ */

static const struct {
  const char *target;
  const char *code;
} pops[] = {
  { "azure-iothub", AZURE_CODE },
  { "azure-dps", "1B8C4F3A_ABC-def" },
  { "aws-iot", AWS_CODE },
};

START_TEST (test_export_with_code)
{
  const char *target = pops[_i].target;
  g_autofree char *stdout_text = chain_ok ("oem", (const char *const[]) {
    "--json", "export", "--target", target, "--code", pops[_i].code, "-o", out, NULL });
  g_autoptr(ChainJson) doc = test_cli_parse_json ("chain export", stdout_text);
  g_autofree char *verification = out_file (target, "verification.pem");
  g_autofree char *ca = out_file (target, "ca.pem");
  g_autofree char *cm_ca = party ("cm/certs/ca.pem");
  g_autofree char *cn = NULL;
  g_autoptr(ChainRecord) pop = NULL;
  g_autoptr(ChainRecord) last = last_record ("oem");
  ChainJson *body;
  gint64 pop_seq = test_cli_json_int (doc, "exports/0/pop_seq");
  guint n_verification = 0;

  /* verification.pem: CN = code, signed by exactly the exported CA. */
  cn = test_custody_python (subject_cn_py, (const char *const[]) { verification, NULL });
  g_strstrip (cn);
  ck_assert_str_eq (cn, pops[_i].code);
  run_ok ((const char *const[]) { "openssl", "verify", "-CAfile", ca, verification, NULL });
  ck_assert (run_fails ((const char *const[]) { "openssl", "verify", "-partial_chain", "-CAfile", cm_ca, verification, NULL }));

  /* The pop record holds it; the export record does not list it. */
  ck_assert_int_eq (pop_seq + 1, test_cli_json_int (doc, "exports/0/seq"));
  pop = record_at ("oem", (guint64) pop_seq);
  ck_assert_int_eq (chain_statement_get_record_type (chain_record_get_statement (pop)), CHAIN_RECORD_TYPE_POP);
  body = chain_statement_get_body (chain_record_get_statement (pop));
  ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (body, "code")), pops[_i].code);
  ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (body, "target")), target);
  for (gsize i = 0; i < test_cli_json_length (doc, "exports/0/files"); i++)
    {
      g_autofree char *name = g_strdup_printf ("exports/0/files/%" G_GSIZE_FORMAT "/name", i);
      g_autofree char *recorded = g_strdup_printf ("exports/0/files/%" G_GSIZE_FORMAT "/recorded", i);

      n_verification += strcmp (test_cli_json_string (doc, name), "verification.pem") == 0;
      ck_assert_int_eq (test_cli_json_bool (doc, recorded), strcmp (test_cli_json_string (doc, name), "verification.pem") != 0);
    }
  ck_assert_uint_eq (n_verification, 1);
  ck_assert_ptr_null (chain_json_object_get_member (chain_statement_get_body (chain_record_get_statement (last)), "code"));
}
END_TEST

/* `chain pop` for an intermediate: signed by exactly the CM's CA. */
START_TEST (test_pop_command)
{
  g_autofree char *verification = party ("verification.pem");
  g_autofree char *cm_ca = party ("cm/certs/ca.pem");
  g_autofree char *root = party ("cm/certs/root.pem");
  g_autofree char *dist_ca = party ("dist/certs/ca.pem");
  g_autofree char *stdout_text = chain_ok ("cm", (const char *const[]) {
    "--json", "pop", "--target", "aws-iot", "--code", AWS_CODE, "-o", verification, NULL });
  g_autoptr(ChainJson) doc = test_cli_parse_json ("chain pop", stdout_text);
  g_autoptr(ChainRecord) record = last_record ("cm");
  g_autofree char *cm_sha = NULL;
  g_autoptr(ChainCert) cm_cert = NULL;
  g_autofree char *text = test_cli_read_file (cm_ca, NULL);

  cm_cert = chain_cert_parse ((const guint8 *) text, strlen (text), NULL);
  cm_sha = test_custody_thumbprint (cm_cert);
  ck_assert_str_eq (test_cli_json_string (doc, "ca"), cm_sha);
  ck_assert_int_eq (test_cli_json_int (doc, "seq"), (gint64) chain_record_get_seq (record));
  ck_assert_int_eq (chain_statement_get_record_type (chain_record_get_statement (record)), CHAIN_RECORD_TYPE_POP);
  run_ok ((const char *const[]) { "openssl", "verify", "-partial_chain", "-CAfile", cm_ca, verification, NULL });
  ck_assert (run_fails ((const char *const[]) { "openssl", "verify", "-CAfile", root, verification, NULL }));
  ck_assert (run_fails ((const char *const[]) { "openssl", "verify", "-partial_chain", "-CAfile", dist_ca, verification, NULL }));

  /* Without -o the PEM goes to standard output. */
  g_free (stdout_text);
  stdout_text = chain_ok ("cm", (const char *const[]) { "pop", "--code", AZURE_CODE, NULL });
  ck_assert (g_str_has_prefix (stdout_text, "-----BEGIN CERTIFICATE-----"));
}
END_TEST

/* Refused: nothing is recorded, and the error is one line. */
static const struct {
  const char *who;
  const char *args[10];
  int         status;
  const char *needle;
} refusals[] = {
  { "oem", { "export", "--target", "aws-iot", "--code", AWS_CODE "0", "-o", "OUT", NULL }, 1, "64 lower-case hex" },
  { "oem", { "export", "--target", "aws-iot", "--code",
             "4a1c2b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8fg", "-o", "OUT", NULL }, 1, "not all lower-case hex" },
  { "oem", { "pop", "--target", "aws-iot", "--code", "4A1C2B3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9", NULL },
    1, "lower-case hex" },
  { "oem", { "pop", "--target", "aws-iot", "--code", "abc", NULL }, 1, "64 lower-case hex" },
  { "oem", { "pop", "--code", AWS_CODE "0", NULL }, 1, "more than a CN holds" },
  { "oem", { "pop", "--code", "ab cd", NULL }, 1, "other than letters" },
  { "oem", { "pop", "--code", "", NULL }, 1, "empty" },
  { "cm", { "pop", "--ca", "oem", "--code", AZURE_CODE, NULL }, 1, "does not hold the key" },
  { "cm", { "export", "--target", "azure-iothub", "--ca", "oem", "--code", AZURE_CODE, "-o", "OUT", NULL }, 1,
    "does not hold the key" },
  { "oem", { "export", "--target", "azure-iothub", "--ca", "nobody", "-o", "OUT", NULL }, 1, "no CA named" },
  { "oem", { "export", "--target", "azure-iothub", "-o", "/dev/null/out", NULL }, 1, "cannot write" },
  { "oem", { "export", "--target", "azure-iothub", "--hub", "bad hub", "-o", "OUT", NULL }, 1, "IoT hub name" },
  { "oem", { "export", "--target", "azure-iothub,aws-iot", "--code", AZURE_CODE, "-o", "OUT", NULL }, 2, "one cloud" },
  { "oem", { "export", "--target", "pem", "--code", AZURE_CODE, "-o", "OUT", NULL }, 2, "one cloud" },
  { "oem", { "export", "--target", "mars", "-o", "OUT", NULL }, 2, "unknown export target" },
  { "oem", { "export", "-o", "OUT", NULL }, 2, "--target is required" },
  { "oem", { "export", "--target", "pem", NULL }, 2, "-o DIR is required" },
  { "oem", { "pop", NULL }, 2, "--code is required" },
  { "oem", { "pop", "--code", AZURE_CODE, "--target", "pem", NULL }, 1, "no proof of possession" },
};

START_TEST (test_refused_changes_nothing)
{
  g_autofree char *ws = party (refusals[_i].who);
  g_autofree char *before = test_cli_ledger_state (ws);
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  int status;

  for (gsize i = 0; refusals[_i].args[i] != NULL; i++)
    g_ptr_array_add (args, (char *) (strcmp (refusals[_i].args[i], "OUT") == 0 ? out : refusals[_i].args[i]));
  g_ptr_array_add (args, NULL);
  status = chain_status (refusals[_i].who, (const char *const *) args->pdata, &err);
  ck_assert_msg (status == refusals[_i].status, "exit %d, expected %d: %s", status, refusals[_i].status, err);
  test_cli_assert_error_line (refusals[_i].args[0], err, refusals[_i].needle);
  after = test_cli_ledger_state (ws);
  ck_assert_str_eq (before, after);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_dry_run_writes_nothing)
{
  g_autofree char *ws = party ("dist");
  g_autofree char *before = test_cli_ledger_state (ws);
  g_autofree char *after = NULL;
  g_autofree char *stdout_text = chain_ok ("dist", (const char *const[]) {
    "--json", "export", "--dry-run", "--target", "azure-dps", "--ca", "oem", "-o", out, NULL });
  g_autoptr(ChainJson) doc = test_cli_parse_json ("chain export --dry-run", stdout_text);

  ck_assert (test_cli_json_bool (doc, "dry_run"));
  ck_assert_int_eq (chain_json_get_value_type (test_cli_json_get (doc, "exports/0/seq")), CHAIN_JSON_NULL);
  ck_assert_uint_eq (test_cli_json_length (doc, "exports/0/files"), 4);
  ck_assert (has_warning (doc, "exports/0/warnings", "dps.registration-id"));
  after = test_cli_ledger_state (ws);
  ck_assert_str_eq (before, after);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_help_has_example)
{
  static const char *const commands[] = { "pop", "export", "revoke", "crl" };
  g_autofree char *stdout_text = NULL;
  int status = test_cli_chain (NULL, (const char *const[]) { commands[_i], "--help", NULL }, &stdout_text, NULL);

  ck_assert_int_eq (status, 0);
  ck_assert_msg (strstr (stdout_text, "Example:") != NULL, "%s --help: %s", commands[_i], stdout_text);
  ck_assert_msg (strstr (stdout_text, "Exit codes:") != NULL, "%s --help: %s", commands[_i], stdout_text);
}
END_TEST

/* ---- Pre-flight warnings ------------------------------------------------------- */

START_TEST (test_warns_dps_registration_ids)
{
  g_autofree char *err = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *ws = party ("dist");
  g_autoptr(ChainJson) dps = NULL;
  g_autoptr(ChainJson) hub = NULL;
  int status;

  status = test_cli_chain (NULL, (const char *const[]) { "-C", ws, "--json", "export", "--target", "azure-dps",
                                                         "--ca", "oem", "-o", out, NULL }, &stdout_text, &err);
  ck_assert_int_eq (status, 0);
  dps = test_cli_parse_json ("export azure-dps", stdout_text);
  ck_assert (has_warning (dps, "exports/0/warnings", "dps.registration-id"));
  ck_assert_msg (strstr (err, "chain: warning: azure-dps:") != NULL && strstr (err, "Sensor-0002") != NULL,
                 "stderr: %s", err);
  ck_assert (!has_warning (dps, "exports/0/warnings", "azure.ca-limit"));
  ck_assert (!has_warning (dps, "exports/0/warnings", "chain.depth"));

  g_free (stdout_text);
  stdout_text = chain_ok ("dist", (const char *const[]) { "--json", "export", "--target", "azure-iothub",
                                                          "--ca", "oem", "-o", out, NULL });
  hub = test_cli_parse_json ("export azure-iothub", stdout_text);
  ck_assert_uint_eq (test_cli_json_length (hub, "exports/0/warnings"), 0);
}
END_TEST

START_TEST (test_warns_aws_issuing_ca)
{
  g_autofree char *root_text = chain_ok ("dist", (const char *const[]) { "--json", "export", "--dry-run", "--target", "aws-iot",
                                                                         "--ca", "oem", "-o", out, NULL });
  g_autofree char *own_text = chain_ok ("dist", (const char *const[]) { "--json", "export", "--dry-run", "--target", "aws-iot",
                                                                        "-o", out, NULL });
  g_autoptr(ChainJson) root = test_cli_parse_json ("export aws-iot", root_text);
  g_autoptr(ChainJson) own = test_cli_parse_json ("export aws-iot", own_text);

  ck_assert (has_warning (root, "exports/0/warnings", "aws.issuing-ca"));
  ck_assert (!has_warning (own, "exports/0/warnings", "aws.issuing-ca"));
  ck_assert (!has_warning (own, "exports/0/warnings", "aws.key"));
  ck_assert (!has_warning (own, "exports/0/warnings", "aws.signature"));
}
END_TEST

/* Key and hash rules, on certificates openssl makes as libchain never would. */
static const struct {
  const char *key;         /* openssl req -newkey argument */
  const char *digest;
  gboolean    key_ok;
  gboolean    hash_ok;
} weak[] = {
  { "rsa:1024", "-sha256", FALSE, TRUE },
  { "rsa:2048", "-sha1", TRUE, FALSE },
  { "rsa:2048", "-sha256", TRUE, TRUE },
  { "ec:SECP256K1", "-sha256", FALSE, TRUE },
  { "ec:P-256", "-sha256", TRUE, TRUE },
  { "ec:P-384", "-sha384", TRUE, TRUE },
};

START_TEST (test_check_certificate_key_and_hash)
{
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert_path = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *params = g_build_filename (dir, "params.pem", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_export_warning_free);
  g_autoptr(GPtrArray) azure = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_export_warning_free);
  g_autofree char *newkey = g_strconcat ("ec:", params, NULL);
  gboolean has_key = FALSE;
  gboolean has_hash = FALSE;

  if (g_str_has_prefix (weak[_i].key, "ec:"))
    {
      run_ok ((const char *const[]) { "openssl", "ecparam", "-name", weak[_i].key + 3, "-out", params, NULL });
      run_ok ((const char *const[]) { "openssl", "req", "-x509", "-newkey", newkey,
                                      weak[_i].digest, "-nodes", "-keyout", key, "-out", cert_path,
                                      "-subj", "/CN=Weak CA", "-days", "2", NULL });
    }
  else
    run_ok ((const char *const[]) { "openssl", "req", "-x509", "-newkey", weak[_i].key, weak[_i].digest, "-nodes",
                                    "-keyout", key, "-out", cert_path, "-subj", "/CN=Weak CA", "-days", "2", NULL });
  text = test_cli_read_file (cert_path, NULL);
  cert = chain_cert_parse ((const guint8 *) text, strlen (text), &error);
  test_assert_no_error (error);

  ck_assert_int_eq (chain_export_check_certificate (CHAIN_EXPORT_TARGET_AWS_IOT, cert, warnings),
                    weak[_i].key_ok && weak[_i].hash_ok);
  for (guint i = 0; i < warnings->len; i++)
    {
      const ChainExportWarning *warning = g_ptr_array_index (warnings, i);

      has_key |= strcmp (warning->id, "aws.key") == 0;
      has_hash |= strcmp (warning->id, "aws.signature") == 0;
      ck_assert_ptr_nonnull (strstr (warning->message, "Weak CA"));
      ck_assert_ptr_null (strchr (warning->message, '\n'));
    }
  ck_assert_int_eq (has_key, !weak[_i].key_ok);
  ck_assert_int_eq (has_hash, !weak[_i].hash_ok);
  ck_assert (chain_export_check_certificate (CHAIN_EXPORT_TARGET_AZURE_IOTHUB, cert, azure));
  ck_assert_uint_eq (azure->len, 0);
  test_support_tmpdir_remove (dir);
}
END_TEST

/* The 26th distinct CA exported to azure-iothub draws the warning; the
 * 25th and a repeat do not, and DPS counts its own. */
START_TEST (test_warns_26th_ca)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autoptr(ChainWorkspace) oem = test_custody_init (dir, "oem", NULL);
  g_autofree char *target_dir = g_build_filename (dir, "out", NULL);

  for (guint i = 0; i <= CHAIN_EXPORT_AZURE_MAX_CAS; i++)
    {
      g_autofree char *id = g_strdup_printf ("cm-%02u", i);
      g_autoptr(ChainWorkspace) child = NULL;
      ChainExportOptions options = CHAIN_EXPORT_OPTIONS_INIT;
      g_autoptr(ChainExport) export = NULL;
      gboolean warned = FALSE;

      /* 25 sub-CAs first, then the root as the 26th. */
      if (i < CHAIN_EXPORT_AZURE_MAX_CAS)
        child = test_custody_child (oem, dir, id, "manufacturer", FALSE);
      options.target = CHAIN_EXPORT_TARGET_AZURE_IOTHUB;
      options.ca = i < CHAIN_EXPORT_AZURE_MAX_CAS ? id : NULL;
      export = chain_workspace_prepare_export (oem, &options, NULL, &error);
      test_assert_no_error (error);
      for (guint j = 0; j < chain_export_get_n_warnings (export); j++)
        warned |= strcmp (chain_export_get_warning (export, j)->id, "azure.ca-limit") == 0;
      ck_assert_msg (warned == (i == CHAIN_EXPORT_AZURE_MAX_CAS), "export %u: warned %d", i + 1, warned);
      ck_assert (chain_workspace_write_export (oem, export, target_dir, NULL, NULL, &error));
      test_assert_no_error (error);
    }

  /* Again the root, now counted already: still 26, still warned; the first
   * sub-CA likewise; DPS has seen only this one. */
  for (guint k = 0; k < 2; k++)
    {
      ChainExportOptions options = CHAIN_EXPORT_OPTIONS_INIT;
      g_autoptr(ChainExport) export = NULL;
      gboolean warned = FALSE;

      options.target = k == 0 ? CHAIN_EXPORT_TARGET_AZURE_IOTHUB : CHAIN_EXPORT_TARGET_AZURE_DPS;
      options.ca = "cm-00";
      export = chain_workspace_prepare_export (oem, &options, NULL, &error);
      test_assert_no_error (error);
      for (guint j = 0; j < chain_export_get_n_warnings (export); j++)
        warned |= strcmp (chain_export_get_warning (export, j)->id, "azure.ca-limit") == 0;
      ck_assert_int_eq (warned, k == 0);
    }
  test_support_tmpdir_remove (dir);
}
END_TEST

/* A policy five tiers deep: devices of the fifth send four intermediates
 * to reach the root, one more than the pre-flight allows. */
static ChainPolicy *
deep_policy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainPolicy) base_policy = chain_policy_new_default ();
  g_autoptr(GBytes) canonical = chain_policy_to_canonical (base_policy);
  g_autofree char *text = g_strndup (g_bytes_get_data (canonical, NULL), g_bytes_get_size (canonical));
  char *tiers = strstr (text, "\"tiers\":[");
  char *version = strstr (text, "],\"version\"");
  g_autofree char *head = NULL;
  g_autofree char *json = NULL;
  ChainPolicy *policy;

  ck_assert (tiers != NULL && version != NULL);
  head = g_strndup (text, (gsize) (tiers - text));
  json = g_strconcat (head, "\"tiers\":["
    "{\"delegates_to\":[\"t1\"],\"issues_devices\":false,\"max_path_len\":4,\"max_validity_days\":7305,\"name\":\"oem\",\"require_name_constraints\":false},"
    "{\"delegates_to\":[\"t2\"],\"issues_devices\":false,\"max_path_len\":3,\"max_validity_days\":7000,\"name\":\"t1\",\"require_name_constraints\":false},"
    "{\"delegates_to\":[\"t3\"],\"issues_devices\":false,\"max_path_len\":2,\"max_validity_days\":6000,\"name\":\"t2\",\"require_name_constraints\":false},"
    "{\"delegates_to\":[\"t4\"],\"issues_devices\":true,\"max_path_len\":1,\"max_validity_days\":5000,\"name\":\"t3\",\"require_name_constraints\":false},"
    "{\"delegates_to\":[],\"issues_devices\":true,\"max_path_len\":0,\"max_validity_days\":4000,\"name\":\"t4\",\"require_name_constraints\":false}",
    version, NULL);
  policy = chain_policy_parse (json, strlen (json), &error);
  test_assert_no_error (error);
  return policy;
}

static gboolean
prepare_warns (ChainWorkspace    *ws,
               const char        *ca,
               ChainExportTarget  target,
               const char        *id)
{
  g_autoptr(GError) error = NULL;
  ChainExportOptions options = CHAIN_EXPORT_OPTIONS_INIT;
  g_autoptr(ChainExport) export = NULL;
  gboolean warned = FALSE;

  options.target = target;
  options.ca = ca;
  export = chain_workspace_prepare_export (ws, &options, NULL, &error);
  test_assert_no_error (error);
  for (guint j = 0; j < chain_export_get_n_warnings (export); j++)
    warned |= strcmp (chain_export_get_warning (export, j)->id, id) == 0;
  return warned;
}

START_TEST (test_warns_deep_chain)
{
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autoptr(ChainPolicy) policy = deep_policy ();
  g_autoptr(ChainWorkspace) oem = test_custody_init (dir, "oem", policy);
  g_autoptr(ChainWorkspace) t1 = test_custody_child (oem, dir, "t1", "t1", TRUE);
  g_autoptr(ChainWorkspace) t2 = test_custody_child (t1, dir, "t2", "t2", TRUE);
  g_autoptr(ChainWorkspace) t3 = test_custody_child (t2, dir, "t3", "t3", TRUE);
  g_autoptr(ChainWorkspace) t4 = NULL;

  /* Three intermediates (t3, t2, t1) below the root: fine. */
  ck_assert (!prepare_warns (t3, "oem", CHAIN_EXPORT_TARGET_AZURE_IOTHUB, "chain.depth"));
  t4 = test_custody_child (t3, dir, "t4", "t4", TRUE);
  /* Four: too deep for the root, fine for t1. */
  ck_assert (prepare_warns (t4, "oem", CHAIN_EXPORT_TARGET_AZURE_IOTHUB, "chain.depth"));
  ck_assert (prepare_warns (t4, "oem", CHAIN_EXPORT_TARGET_PEM, "chain.depth"));
  ck_assert (!prepare_warns (t4, "t1", CHAIN_EXPORT_TARGET_AZURE_IOTHUB, "chain.depth"));
  test_support_tmpdir_remove (dir);
}
END_TEST

/* The library's pre-flight and preparation, without the CLI. */
START_TEST (test_prepare_then_write)
{
  g_autoptr(GError) error = NULL;
  ChainExportOptions options = CHAIN_EXPORT_OPTIONS_INIT;
  g_autoptr(ChainExport) export = NULL;
  const ChainExportFile *upload;
  guint64 length = chain_ledger_get_length (chain_workspace_get_ledger (custody->oem));
  guint64 seq = 0;

  options.target = CHAIN_EXPORT_TARGET_AZURE_DPS;
  options.code = AZURE_CODE;
  options.dps = "factory-dps";
  export = chain_workspace_prepare_export (custody->oem, &options, NULL, &error);
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (chain_export_get_verification (export));
  ck_assert_int_eq (chain_export_get_seq (export), -1);
  upload = chain_export_find_file (export, "upload.sh");
  ck_assert (upload->executable && upload->recorded);
  ck_assert (!chain_export_find_file (export, "verification.pem")->recorded);
  /* Nothing recorded yet. */
  ck_assert_uint_eq (chain_ledger_get_length (chain_workspace_get_ledger (custody->oem)), length);
  ck_assert (chain_workspace_write_export (custody->oem, export, out, &seq, NULL, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (seq, length + 1);
  ck_assert_int_eq (chain_export_get_pop_seq (export), (gint64) length);
  /* Written once only. */
  ck_assert (!chain_workspace_write_export (custody->oem, export, out, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  /* A locked workspace cannot make a verification certificate. */
  chain_workspace_lock (custody->oem);
  ck_assert_ptr_null (chain_workspace_prepare_export (custody->oem, &options, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_PASSPHRASE);
  options.target = CHAIN_EXPORT_TARGET_INVALID;
  options.code = NULL;
  ck_assert_ptr_null (chain_workspace_prepare_export (custody->oem, &options, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_target_names)
{
  g_autoptr(GError) error = NULL;

  for (int t = CHAIN_EXPORT_TARGET_PEM; t <= CHAIN_EXPORT_TARGET_AWS_IOT; t++)
    ck_assert_int_eq (chain_export_target_from_string (chain_export_target_to_string (t), NULL), t);
  ck_assert_int_eq (chain_export_target_from_string ("Azure-IoTHub", &error), CHAIN_EXPORT_TARGET_INVALID);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (chain_export_check_code (CHAIN_EXPORT_TARGET_AWS_IOT, AWS_CODE, NULL));
  ck_assert (chain_export_check_code (CHAIN_EXPORT_TARGET_AZURE_DPS, AZURE_CODE, NULL));
  ck_assert (!chain_export_check_code (CHAIN_EXPORT_TARGET_AWS_IOT, AZURE_CODE, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

static Suite *
export_suite (void)
{
  Suite *suite = suite_create ("export");
  TCase *files = tcase_create ("files");
  TCase *limits = tcase_create ("limits");

  tcase_add_unchecked_fixture (files, base_setup, base_teardown);
  tcase_add_checked_fixture (files, setup, teardown);
  tcase_add_loop_test (files, test_export_target, 0, G_N_ELEMENTS (targets));
  tcase_add_test (files, test_scripts_hold_names_or_refuse);
  tcase_add_test (files, test_export_every_target_at_once);
  tcase_add_loop_test (files, test_export_with_code, 0, G_N_ELEMENTS (pops));
  tcase_add_test (files, test_pop_command);
  tcase_add_loop_test (files, test_refused_changes_nothing, 0, G_N_ELEMENTS (refusals));
  tcase_add_test (files, test_dry_run_writes_nothing);
  tcase_add_loop_test (files, test_help_has_example, 0, 4);
  tcase_add_test (files, test_warns_dps_registration_ids);
  tcase_add_test (files, test_warns_aws_issuing_ca);
  tcase_add_test (files, test_prepare_then_write);
  suite_add_tcase (suite, files);

  tcase_add_loop_test (limits, test_check_certificate_key_and_hash, 0, G_N_ELEMENTS (weak));
  tcase_add_test (limits, test_warns_26th_ca);
  tcase_add_test (limits, test_warns_deep_chain);
  tcase_add_test (limits, test_target_names);
  suite_add_tcase (suite, limits);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (export_suite ());
}
