/* test-revoke.c — revocation, CRLs and the per-cloud disable lists, end to end
 *
 * `chain revoke` and `chain crl` run on workspaces built with the library;
 * openssl reads every CRL (PEM and DER) and refuses the revoked device with
 * -crl_check; python3-cryptography parses what crl writes; bash -n checks
 * the scripts. A refused revocation must leave the ledger as it was.
 */
#include "test-custody.h"

#include <glib/gstdio.h>

#include "chain-device-lookup.h"
#include "chain-revoke.h"

static TestCustody *base;     /* built once per test case, in the parent */
static GPtrArray *base_devices;  /* dist's, ChainCert * */
static TestCustody *custody;  /* this test's copy */
static char *out;

static const char *const dist_ids[] = { "sensor-0001", "sensor-0002", "sensor-0003", "sensor-0004", NULL };

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

/* The serials a CRL file lists, lower-case hex, one a line; its number first. */
static const char crl_serials_py[] =
  "import sys\n"
  "from cryptography import x509\n"
  "crl = x509.load_pem_x509_crl(open(sys.argv[1], 'rb').read())\n"
  "print(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)\n"
  "for r in crl:\n"
  "    print('%x' % r.serial_number)\n";

static void
base_setup (void)
{
  static const char *const bare_ids[] = { "bare-0001", NULL };

  base = test_custody_new ();
  base_devices = test_custody_issue (base->dist, dist_ids, NULL, TRUE);
  /* A batch that stored manifests only. */
  g_ptr_array_unref (test_custody_issue (base->dist, bare_ids, NULL, FALSE));
}

static void
base_teardown (void)
{
  g_clear_pointer (&base_devices, g_ptr_array_unref);
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

static ChainCert *
device (guint index)
{
  return g_ptr_array_index (base_devices, index);
}

static char *
serial_of (ChainCert *cert)
{
  return chain_cert_dup_serial (cert);
}

/* @serial as Python's '%x' prints its value. */
static const char *
no_zeros (const char *serial)
{
  while (serial[0] == '0' && serial[1] != '\0')
    serial++;
  return serial;
}

static int
chain_run (const char        *who,
           const char *const *args,
           char             **out_text,
           char             **err)
{
  g_autofree char *ws = party (who);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) "-C");
  g_ptr_array_add (argv, ws);
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  return test_cli_chain (NULL, (const char *const *) argv->pdata, out_text, err);
}

static ChainJson *
chain_json_ok (const char        *who,
               const char *const *args)
{
  g_autofree char *text = NULL;
  g_autofree char *err = NULL;
  int status = chain_run (who, args, &text, &err);

  ck_assert_msg (status == 0, "chain %s exited %d: %s", args[1], status, err);
  return test_cli_parse_json (args[1], text);
}

static int
spawn (const char *const *argv,
       char             **out_text,
       char             **err)
{
  return test_cli_spawn (NULL, NULL, NULL, argv, out_text, err);
}

static void
spawn_ok (const char *const *argv)
{
  g_autofree char *err = NULL;
  int status = spawn (argv, NULL, &err);

  ck_assert_msg (status == 0, "%s exited %d: %s", argv[0], status, err);
}

/* `openssl verify -crl_check` of dist's device @index against the root,
 * with the chain as untrusted and @crl: the exit status. */
static int
verify_device (guint       index,
               const char *crl,
               char      **err)
{
  g_autofree char *root = party ("dist/certs/root.pem");
  g_autofree char *cm_ca = party ("cm/certs/ca.pem");
  g_autofree char *dist_ca = party ("dist/certs/ca.pem");
  g_autofree char *untrusted = test_custody_write_pem (custody->dir, "untrusted.pem", NULL, NULL);
  g_autofree char *name = g_strdup_printf ("device-%u.pem", index);
  g_autofree char *leaf = test_custody_write_pem (custody->dir, name, device (index), NULL);
  g_autofree char *cm_text = test_cli_read_file (cm_ca, NULL);
  g_autofree char *dist_text = test_cli_read_file (dist_ca, NULL);
  g_autofree char *both = g_strconcat (dist_text, cm_text, NULL);

  test_support_write_file (untrusted, both, strlen (both));
  return spawn ((const char *const[]) { "openssl", "verify", "-crl_check", "-purpose", "sslclient", "-CAfile", root,
                                        "-untrusted", untrusted, "-CRLfile", crl, leaf, NULL }, NULL, err);
}

/* ---- Revoking devices -------------------------------------------------------- */

START_TEST (test_revoke_device_then_crl)
{
  g_autoptr(ChainJson) revoked = chain_json_ok ("dist", (const char *const[]) {
    "--json", "revoke", "--reason", "key-compromise", "sensor-0001", NULL });
  g_autoptr(ChainJson) crl_doc = NULL;
  g_autofree char *serial = serial_of (device (0));
  g_autofree char *crl_pem = g_build_filename (out, "crl.pem", NULL);
  g_autofree char *crl_der = g_build_filename (out, "crl.der", NULL);
  g_autofree char *crls = g_build_filename (out, "crls.pem", NULL);
  g_autofree char *listed = NULL;
  g_autofree char *text = NULL;
  g_autofree char *err = NULL;
  g_autofree char *upper = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  ck_assert_uint_eq (test_cli_json_length (revoked, "revoked"), 1);
  ck_assert_str_eq (test_cli_json_string (revoked, "revoked/0/serial"), serial);
  ck_assert_str_eq (test_cli_json_string (revoked, "revoked/0/kind"), "device");
  ck_assert_str_eq (test_cli_json_string (revoked, "revoked/0/name"), "sensor-0001");
  ck_assert_str_eq (test_cli_json_string (revoked, "reason"), "key-compromise");
  ck_assert_int_ge (test_cli_json_int (revoked, "crl_number"), now - 60);

  crl_doc = chain_json_ok ("dist", (const char *const[]) { "--json", "crl", "-o", out, NULL });
  ck_assert (test_cli_json_bool (crl_doc, "signed"));
  ck_assert_int_eq (test_cli_json_int (crl_doc, "revoked"), 1);
  ck_assert_int_gt (test_cli_json_int (crl_doc, "crl_number"), test_cli_json_int (revoked, "crl_number"));
  ck_assert_int_eq (test_cli_json_int (crl_doc, "disabled_devices"), 1);

  /* openssl reads both encodings and lists the serial. */
  spawn_ok ((const char *const[]) { "openssl", "crl", "-in", crl_pem, "-noout", NULL });
  ck_assert_int_eq (spawn ((const char *const[]) { "openssl", "crl", "-inform", "DER", "-in", crl_der, "-noout", "-text", NULL },
                           &text, &err), 0);
  upper = g_ascii_strup (serial, -1);
  ck_assert_msg (strstr (text, upper) != NULL, "CRL text lacks %s: %s", upper, text);
  ck_assert_ptr_nonnull (strstr (text, "Key Compromise"));
  listed = test_custody_python (crl_serials_py, (const char *const[]) { crl_pem, NULL });
  lines = g_strsplit (listed, "\n", -1);
  ck_assert_int_eq (g_ascii_strtoll (lines[0], NULL, 10), test_cli_json_int (crl_doc, "crl_number"));
  ck_assert_str_eq (lines[1], no_zeros (serial));
  g_free (test_custody_python (parse_pki_py, (const char *const[]) { crl_pem, crl_der, crls, NULL }));

  /* A TLS-style verification refuses the revoked device, accepts the next. */
  g_clear_pointer (&err, g_free);
  ck_assert_int_ne (verify_device (0, crl_pem, &err), 0);
  ck_assert_msg (strstr (err, "revoked") != NULL, "openssl: %s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (verify_device (1, crl_pem, &err) == 0, "openssl: %s", err);
}
END_TEST

/* By serial (any case, with colons) and by id at once; the CRL keeps the
 * earlier revocation; numbers increase. */
START_TEST (test_revoke_several_keeps_earlier)
{
  g_autofree char *s1 = serial_of (device (1));
  g_autofree char *s2 = serial_of (device (2));
  g_autofree char *s0 = serial_of (device (0));
  GString *colons = g_string_new (NULL);
  g_autofree char *colon_serial = NULL;
  g_autoptr(ChainJson) first = chain_json_ok ("dist", (const char *const[]) { "--json", "revoke", "sensor-0001", NULL });
  g_autoptr(ChainJson) second = NULL;
  g_autofree char *crl_pem = g_build_filename (out, "crl.pem", NULL);
  g_autofree char *listed = NULL;
  g_autofree char *err = NULL;

  for (gsize i = 0; s1[i] != '\0'; i += 2)
    g_string_append_printf (colons, "%s%c%c", i > 0 ? ":" : "", g_ascii_toupper (s1[i]), g_ascii_toupper (s1[i + 1]));
  colon_serial = g_string_free (colons, FALSE);
  second = chain_json_ok ("dist", (const char *const[]) { "--json", "revoke", colon_serial, "sensor-0003", "sensor-0003", NULL });
  ck_assert_uint_eq (test_cli_json_length (second, "revoked"), 2);
  ck_assert_str_eq (test_cli_json_string (second, "revoked/0/serial"), s1);
  ck_assert_str_eq (test_cli_json_string (second, "revoked/0/name"), "sensor-0002");
  ck_assert_str_eq (test_cli_json_string (second, "revoked/1/serial"), s2);
  ck_assert_int_gt (test_cli_json_int (second, "crl_number"), test_cli_json_int (first, "crl_number"));
  ck_assert_int_eq (test_cli_json_int (second, "seq"), test_cli_json_int (first, "seq") + 1);

  /* The recorded CRL, as is, lists all three. */
  ck_assert_int_eq (chain_run ("dist", (const char *const[]) { "crl", "--recorded", "-o", out, NULL }, NULL, &err), 0);
  listed = test_custody_python (crl_serials_py, (const char *const[]) { crl_pem, NULL });
  ck_assert_ptr_nonnull (strstr (listed, no_zeros (s0)));
  ck_assert_ptr_nonnull (strstr (listed, no_zeros (s1)));
  ck_assert_ptr_nonnull (strstr (listed, no_zeros (s2)));
}
END_TEST

/* Refused: nothing is recorded, the error is one line. */
static const struct {
  const char *who;
  const char *args[8];
  int         status;
  const char *needle;
} refusals[] = {
  { "dist", { "revoke", "sensor-0001", NULL }, 1, "revoked already" },
  { "dist", { "revoke", "deadbeef0001", NULL }, 1, "no device or serial" },
  { "dist", { "revoke", "no-such-device", NULL }, 1, "no device or serial" },
  { "dist", { "revoke", "DIST-CA", NULL }, 1, "was issued by 'cm Ltd CA', not by 'dist Ltd CA'" },
  { "dist", { "revoke", "--custodian", "cm", NULL }, 1, "only its parent oem revokes it" },
  { "cm", { "revoke", "--custodian", "nobody", NULL }, 1, "no custodian 'nobody'" },
  { "dist", { "revoke", "--custodian", "oem", NULL }, 1, "root custodian" },
  { "cm", { "revoke", "--custodian", "cm", NULL }, 1, "holds no CA that 'cm Ltd CA' issued" },
  { "dist", { "revoke", NULL }, 2, "name devices" },
  { "dist", { "revoke", "--reason", "bored", "sensor-0002", NULL }, 2, "unknown reason" },
  { "dist", { "revoke", "--crl-days", "-1", "sensor-0002", NULL }, 2, "--crl-days" },
  { "dist", { "crl", NULL }, 2, "-o DIR is required" },
  { "dist", { "crl", "--ca", "nobody", "-o", "OUT", NULL }, 1, "no CA named" },
};

START_TEST (test_refused_changes_nothing)
{
  g_autofree char *ws = party (refusals[_i].who);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *dist_ca = party ("dist/certs/ca.pem");
  g_autofree char *dist_text = test_cli_read_file (dist_ca, NULL);
  g_autoptr(ChainCert) dist_cert = chain_cert_parse ((const guint8 *) dist_text, strlen (dist_text), NULL);
  g_autofree char *dist_serial = chain_cert_dup_serial (dist_cert);
  int status;

  /* sensor-0001 is revoked before each case; that one record stays. */
  ck_assert_int_eq (chain_run ("dist", (const char *const[]) { "revoke", "sensor-0001", NULL }, NULL, NULL), 0);
  before = test_cli_ledger_state (ws);
  for (gsize i = 0; refusals[_i].args[i] != NULL; i++)
    g_ptr_array_add (args, (char *) (strcmp (refusals[_i].args[i], "OUT") == 0 ? out
                                     : strcmp (refusals[_i].args[i], "DIST-CA") == 0 ? dist_serial
                                     : refusals[_i].args[i]));
  g_ptr_array_add (args, NULL);
  status = chain_run (refusals[_i].who, (const char *const *) args->pdata, NULL, &err);
  ck_assert_msg (status == refusals[_i].status, "exit %d, expected %d: %s", status, refusals[_i].status, err);
  test_cli_assert_error_line (refusals[_i].args[0], err, refusals[_i].needle);
  after = test_cli_ledger_state (ws);
  ck_assert_str_eq (before, after);
}
END_TEST

START_TEST (test_dry_run_records_nothing)
{
  g_autofree char *ws = party ("dist");
  g_autofree char *before = test_cli_ledger_state (ws);
  g_autofree char *after = NULL;
  g_autofree char *list = g_build_filename (custody->dir, "ids.txt", NULL);
  g_autoptr(ChainJson) doc = NULL;
  const char *ids = "# to revoke\nsensor-0002\n\nsensor-0004\n";

  test_support_write_file (list, ids, strlen (ids));
  doc = chain_json_ok ("dist", (const char *const[]) { "--json", "revoke", "--dry-run", "--from", list, NULL });
  ck_assert (test_cli_json_bool (doc, "dry_run"));
  ck_assert_uint_eq (test_cli_json_length (doc, "revoked"), 2);
  ck_assert_str_eq (test_cli_json_string (doc, "revoked/1/name"), "sensor-0004");
  ck_assert_int_eq (chain_json_get_value_type (test_cli_json_get (doc, "seq")), CHAIN_JSON_NULL);
  after = test_cli_ledger_state (ws);
  ck_assert_str_eq (before, after);
}
END_TEST

/* ---- Revoking a sub-CA ---------------------------------------------------------- */

START_TEST (test_revoke_sub_ca)
{
  g_autoptr(ChainJson) doc = NULL;
  g_autoptr(ChainJson) crl_doc = NULL;
  g_autofree char *dist_ca = party ("dist/certs/ca.pem");
  g_autofree char *root = party ("cm/certs/root.pem");
  g_autofree char *cm_ca = party ("cm/certs/ca.pem");
  g_autofree char *crl_pem = g_build_filename (out, "crl.pem", NULL);
  g_autofree char *aws = g_build_filename (out, "aws-iot", "revoke.sh", NULL);
  g_autofree char *dps = g_build_filename (out, "azure-dps", "disable.sh", NULL);
  g_autofree char *hub = g_build_filename (out, "azure-iothub", "disable.sh", NULL);
  g_autofree char *text = NULL;
  g_autofree char *err = NULL;
  g_autofree char *ca_file = NULL;
  g_autoptr(ChainCert) dist_cert = NULL;
  g_autofree char *dist_serial = NULL;
  g_autofree char *dist_sha = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *crls = g_build_filename (out, "crls.pem", NULL);
  g_autofree char *aws_ids = g_build_filename (out, "aws-iot", "revoked-certificates.txt", NULL);
  g_autofree char *dist_dir = party ("dist");
  g_autofree char *counted = NULL;
  int status;

  /* The distributor revoked a device; the manufacturer has its records. */
  ck_assert_int_eq (chain_run ("dist", (const char *const[]) { "revoke", "sensor-0001", NULL }, NULL, NULL), 0);
  ck_assert_int_eq (chain_run ("cm", (const char *const[]) { "sync", "--no-push", dist_dir, NULL }, NULL, NULL), 0);
  doc = chain_json_ok ("cm", (const char *const[]) {
    "--json", "revoke", "--custodian", "dist", "--reason", "cessation-of-operation", NULL });

  text = test_cli_read_file (dist_ca, NULL);
  dist_cert = chain_cert_parse ((const guint8 *) text, strlen (text), NULL);
  dist_serial = chain_cert_dup_serial (dist_cert);
  dist_sha = test_custody_thumbprint (dist_cert);
  ck_assert_str_eq (test_cli_json_string (doc, "revoked/0/kind"), "sub-ca");
  ck_assert_str_eq (test_cli_json_string (doc, "revoked/0/name"), "dist");
  ck_assert_str_eq (test_cli_json_string (doc, "revoked/0/serial"), dist_serial);

  crl_doc = chain_json_ok ("cm", (const char *const[]) { "--json", "crl", "-o", out, NULL });
  ck_assert_int_eq (test_cli_json_int (crl_doc, "revoked"), 1);
  /* Every device under the revoked CA is on the disable lists... */
  ck_assert_int_eq (test_cli_json_int (crl_doc, "disabled_devices"), 5);
  g_clear_pointer (&text, g_free);
  text = test_cli_read_file (aws_ids, NULL);
  ck_assert_ptr_nonnull (strstr (text, " sensor-0004\n"));
  ck_assert_ptr_nonnull (strstr (text, " bare-0001\n"));
  /* ... and crls.pem holds the manufacturer's CRL only, not the revoked
   * distributor's: a leaf-only CRL check then refuses its devices. */
  counted = test_custody_python (parse_pki_py, (const char *const[]) { crls, NULL });
  ck_assert_msg (strstr (counted, "crls.pem 1\n") != NULL, "%s", counted);
  /* openssl: the CM's CRL revokes the distributor's CA. */
  status = spawn ((const char *const[]) { "openssl", "verify", "-crl_check", "-CAfile", root, "-untrusted", cm_ca,
                                          "-CRLfile", crl_pem, dist_ca, NULL }, NULL, &err);
  ck_assert_int_ne (status, 0);
  ck_assert_msg (strstr (err, "revoked") != NULL, "openssl: %s", err);

  /* The disable scripts deactivate the CA in each cloud. */
  g_clear_pointer (&text, g_free);
  text = test_cli_read_file (aws, NULL);
  ck_assert_ptr_nonnull (strstr (text, dist_sha));
  ck_assert_ptr_nonnull (strstr (text, "update-ca-certificate"));
  g_clear_pointer (&text, g_free);
  text = test_cli_read_file (dps, NULL);
  ck_assert_ptr_nonnull (strstr (text, "revoked-$NAME"));
  ca_file = g_strdup_printf ("%s/azure-dps/certs/ca-dist-%.8s.pem", out, dist_sha);
  ck_assert_msg (g_file_test (ca_file, G_FILE_TEST_IS_REGULAR), "missing %s", ca_file);
  for (guint i = 0; i < 3; i++)
    spawn_ok ((const char *const[]) { "bash", "-n", i == 0 ? aws : i == 1 ? dps : hub, NULL });

  /* Revoked: the CM can neither export it nor revoke it again. */
  g_clear_pointer (&err, g_free);
  status = chain_run ("cm", (const char *const[]) { "export", "--target", "pem", "--ca", "dist", "-o", out, NULL },
                      &stdout_text, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("export", err, "revoked");
  g_clear_pointer (&err, g_free);
  status = chain_run ("cm", (const char *const[]) { "revoke", "--custodian", "dist", NULL }, NULL, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("revoke", err, "revoked already");
}
END_TEST

/* ---- Looking a device up ------------------------------------------------------------ */

static ChainWorkspace *
open_party (const char *who)
{
  g_autofree char *dir = party (who);
  g_autoptr(GError) error = NULL;
  ChainWorkspace *ws = chain_workspace_open (dir, NULL, &error);

  test_assert_no_error (error);
  return ws;
}

/* A device in force, one the device's own revocation revoked (when, why,
 * which record), one a sub-CA's revocation took along, and ids no batch
 * issued. */
START_TEST (test_lookup_device)
{
  g_autoptr(ChainWorkspace) dist = open_party ("dist");
  g_autoptr(ChainDeviceLookup) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *serial = serial_of (device (1));
  g_autofree char *dist_dir = party ("dist");
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  guint64 batch;

  found = chain_workspace_lookup_device (dist, "sensor-0002", NULL, &error);
  test_assert_no_error (error);
  ck_assert_str_eq (chain_device_lookup_get_id (found), "sensor-0002");
  ck_assert_str_eq (chain_device_lookup_get_serial (found), serial);
  ck_assert_str_eq (chain_device_lookup_get_issuer_id (found), "dist");
  ck_assert (!chain_device_lookup_is_revoked (found));
  ck_assert_uint_eq (chain_device_lookup_get_revocation_seq (found), 0);
  ck_assert_ptr_null (chain_device_lookup_get_revoked_ca_id (found));
  batch = chain_device_lookup_get_batch_seq (found);
  {
    g_autoptr(ChainRecord) record = chain_ledger_load_record (chain_workspace_get_ledger (dist), batch, &error);

    test_assert_no_error (error);
    ck_assert_str_eq (chain_statement_get_type_name (chain_record_get_statement (record)), "device-batch");
  }
  g_clear_pointer (&found, chain_device_lookup_free);
  /* The state alone names the same batch, for whole ids only. */
  {
    const ChainLedgerState *state = chain_workspace_get_state (dist);
    guint64 seq = 0;

    ck_assert (chain_ledger_state_find_device_batch_by_id (state, "sensor-0002", &seq));
    ck_assert_uint_eq (seq, batch);
    ck_assert (chain_ledger_state_find_device_batch_by_id (state, "sensor-0003", NULL));
    ck_assert (!chain_ledger_state_find_device_batch_by_id (state, "SENSOR-0002", &seq));
    ck_assert (!chain_ledger_state_find_device_batch_by_id (state, "sensor-000", &seq));
    ck_assert (!chain_ledger_state_find_device_batch_by_id (state, "", &seq));
    ck_assert_uint_eq (seq, batch);
  }

  /* Unknown ids, an empty one, one too long: nothing found, nothing read. */
  ck_assert_ptr_null (chain_workspace_lookup_device (dist, "SENSOR-0002", NULL, &error));
  ck_assert_msg (error != NULL && strstr (error->message, "SENSOR-0002") != NULL, "no error naming the id");
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert_ptr_null (chain_workspace_lookup_device (dist, "", NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (chain_workspace_lookup_device (
    dist, "x123456789x123456789x123456789x123456789x123456789x123456789x12345", NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  g_clear_pointer (&dist, chain_workspace_free);

  /* Revoked itself: the record, its time and reason. */
  ck_assert_int_eq (chain_run ("dist", (const char *const[]) { "revoke", "--reason", "key-compromise", "sensor-0001",
                                                               NULL }, NULL, NULL), 0);
  dist = open_party ("dist");
  found = chain_workspace_lookup_device (dist, "sensor-0001", NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_device_lookup_is_revoked (found));
  ck_assert_uint_eq (chain_device_lookup_get_revocation_seq (found), chain_ledger_get_length (chain_workspace_get_ledger (dist)) - 1);
  ck_assert_int_eq (chain_device_lookup_get_revocation_reason (found), CHAIN_REVOCATION_KEY_COMPROMISE);
  ck_assert_int_ge (chain_device_lookup_get_revocation_time (found), before - 60);
  ck_assert_ptr_null (chain_device_lookup_get_revoked_ca_id (found));
  ck_assert_uint_eq (chain_device_lookup_get_batch_seq (found), batch);
  g_clear_pointer (&found, chain_device_lookup_free);

  /* Taken along by its sub-CA, which the manufacturer revoked. */
  ck_assert_int_eq (chain_run ("cm", (const char *const[]) { "sync", "--no-push", dist_dir, NULL }, NULL, NULL), 0);
  ck_assert_int_eq (chain_run ("cm", (const char *const[]) { "revoke", "--custodian", "dist", "--reason",
                                                             "cessation-of-operation", NULL }, NULL, NULL), 0);
  {
    g_autoptr(ChainWorkspace) cm = open_party ("cm");

    found = chain_workspace_lookup_device (cm, "sensor-0002", NULL, &error);
    test_assert_no_error (error);
    ck_assert (chain_device_lookup_is_revoked (found));
    ck_assert_str_eq (chain_device_lookup_get_revoked_ca_id (found), "dist");
    ck_assert_int_eq (chain_device_lookup_get_revocation_reason (found), CHAIN_REVOCATION_CESSATION_OF_OPERATION);
    ck_assert_uint_eq (chain_device_lookup_get_revocation_seq (found), chain_ledger_get_length (chain_workspace_get_ledger (cm)) - 1);
    ck_assert_str_eq (chain_device_lookup_get_issuer_id (found), "dist");
  }
  g_clear_pointer (&found, chain_device_lookup_free);

  /* The same through `chain show --device`, as text and JSON. */
  {
    g_autofree char *text = NULL;
    g_autofree char *err = NULL;
    g_autoptr(ChainJson) json = NULL;
    g_autofree char *s0 = serial_of (device (0));

    ck_assert_int_eq (chain_run ("dist", (const char *const[]) { "show", "--device", "sensor-0001", NULL }, &text,
                                 &err), 0);
    ck_assert_msg (strstr (text, s0) != NULL && strstr (text, "revoked in record") != NULL, "%s", text);
    json = chain_json_ok ("dist", (const char *const[]) { "--json", "show", "--device", "sensor-0003", NULL });
    ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (json, "device")), "sensor-0003");
    ck_assert_int_eq (chain_json_get_integer (chain_json_object_get_member (json, "batch")), (gint64) batch);
    ck_assert (!chain_json_get_boolean (chain_json_object_get_member (json, "revoked")));
    g_clear_pointer (&err, g_free);
    ck_assert_int_eq (chain_run ("dist", (const char *const[]) { "show", "--device", "SENSOR-0001", NULL }, NULL,
                                 &err), 1);
    ck_assert_msg (strstr (err, "SENSOR-0001") != NULL, "%s", err);
    g_clear_pointer (&err, g_free);
    ck_assert_int_eq (chain_run ("dist", (const char *const[]) { "show", "--device", "sensor-0001", "tip", NULL },
                                 NULL, &err), 2);
  }
}
END_TEST

/* ---- CRL export and disable lists -------------------------------------------------- */

START_TEST (test_disable_lists)
{
  g_autoptr(ChainJson) crl_doc = NULL;
  g_autofree char *s0 = serial_of (device (0));
  g_autofree char *sha0 = test_custody_thumbprint (device (0));
  g_autofree char *hub_ids = g_build_filename (out, "azure-iothub", "disabled-devices.txt", NULL);
  g_autofree char *dps_ids = g_build_filename (out, "azure-dps", "disabled-devices.txt", NULL);
  g_autofree char *aws_ids = g_build_filename (out, "aws-iot", "revoked-certificates.txt", NULL);
  g_autofree char *cert_name = g_strdup_printf ("%s.pem", s0);
  g_autofree char *cert_file = g_build_filename (out, "azure-dps", "certs", cert_name, NULL);
  g_autofree char *expected_dps = NULL;
  g_autofree char *expected_aws = NULL;
  g_autofree char *text = NULL;
  g_autofree char *hub_script = g_build_filename (out, "azure-iothub", "disable.sh", NULL);
  g_autoptr(GBytes) pem = chain_cert_to_pem (device (0));
  gboolean warned = FALSE;

  ck_assert_int_eq (chain_run ("dist", (const char *const[]) { "revoke", "sensor-0001", "bare-0001", NULL }, NULL, NULL), 0);
  crl_doc = chain_json_ok ("dist", (const char *const[]) { "--json", "crl", "--hub", "factory-hub", "-o", out, NULL });
  ck_assert_int_eq (test_cli_json_int (crl_doc, "disabled_devices"), 2);

  text = test_cli_read_file (hub_ids, NULL);
  ck_assert_str_eq (text, "sensor-0001\nbare-0001\n");
  g_free (text);
  text = test_cli_read_file (dps_ids, NULL);
  expected_dps = g_strdup_printf ("sensor-0001 %s\n", s0);
  ck_assert (g_str_has_prefix (text, expected_dps));
  g_free (text);
  text = test_cli_read_file (aws_ids, NULL);
  expected_aws = g_strdup_printf ("%s sensor-0001\n", sha0);
  ck_assert (g_str_has_prefix (text, expected_aws));
  g_free (text);
  /* DPS gets the device's own certificate for a disabled enrollment. */
  text = test_cli_read_file (cert_file, NULL);
  ck_assert_str_eq (text, g_bytes_get_data (pem, NULL));
  /* bare-0001's batch holds no certificates: said so. */
  for (gsize i = 0; i < test_cli_json_length (crl_doc, "warnings"); i++)
    {
      g_autofree char *path = g_strdup_printf ("warnings/%" G_GSIZE_FORMAT "/id", i);

      warned |= strcmp (test_cli_json_string (crl_doc, path), "dps.certificate") == 0;
    }
  ck_assert (warned);

  for (guint i = 0; i < test_cli_json_length (crl_doc, "files"); i++)
    {
      g_autofree char *path = g_strdup_printf ("files/%u/name", i);
      const char *name = test_cli_json_string (crl_doc, path);
      g_autofree char *file = g_build_filename (out, name, NULL);

      if (g_str_has_suffix (name, ".sh"))
        spawn_ok ((const char *const[]) { "bash", "-n", file, NULL });
      else if (g_str_has_suffix (name, ".pem") || g_str_has_suffix (name, ".der"))
        g_free (test_custody_python (parse_pki_py, (const char *const[]) { file, NULL }));
    }
  g_free (text);
  text = test_cli_read_file (hub_script, NULL);
  ck_assert_ptr_nonnull (strstr (text, "HUB='factory-hub'"));
  ck_assert_ptr_nonnull (strstr (text, "--status disabled"));

  /* A hub that does not know the first device: the script still disables
   * the second, says which failed, and exits non-zero. */
  {
    g_autofree char *bin = g_build_filename (out, "fake-bin", NULL);
    g_autofree char *az = g_build_filename (bin, "az", NULL);
    g_autofree char *calls = g_build_filename (out, "az-calls.txt", NULL);
    g_autofree char *path_env = g_strdup_printf ("PATH=%s:%s", bin, g_getenv ("PATH"));
    g_autofree char *calls_env = g_strdup_printf ("AZ_CALLS=%s", calls);
    g_autofree char *stdout_text = NULL;
    g_autofree char *err = NULL;
    g_autofree char *called = NULL;
    static const char fake_az[] =
      "#!/bin/sh\n"
      "echo \"$*\" >> \"$AZ_CALLS\"\n"
      "case \"$*\" in *'--device-id sensor-0001 '*) echo 'ERROR: device not found' >&2; exit 1;; esac\n"
      "exit 0\n";
    int status;

    g_mkdir (bin, 0700);
    test_support_write_file (az, fake_az, strlen (fake_az));
    g_chmod (az, 0700);
    status = test_cli_spawn (NULL, (const char *const[]) { path_env, calls_env, NULL }, NULL,
                             (const char *const[]) { "sh", hub_script, NULL }, &stdout_text, &err);
    ck_assert_int_eq (status, 1);
    called = test_cli_read_file (calls, NULL);
    ck_assert_msg (strstr (called, "--device-id bare-0001 ") != NULL, "az calls: %s", called);
    ck_assert_msg (strstr (stdout_text, "Disabled bare-0001") != NULL, "stdout: %s", stdout_text);
    ck_assert_msg (strstr (err, "sensor-0001") != NULL && strstr (err, "1 of the calls failed") != NULL,
                   "stderr: %s", err);
  }
}
END_TEST

/* Another custodian's CA: its recorded CRL, or a warning when it has none. */
START_TEST (test_crl_of_other_ca)
{
  g_autoptr(ChainJson) doc = NULL;
  g_autofree char *crl_pem = g_build_filename (out, "crl.pem", NULL);
  gboolean warned = FALSE;

  doc = chain_json_ok ("dist", (const char *const[]) { "--json", "crl", "--ca", "cm", "-o", out, NULL });
  ck_assert (!test_cli_json_bool (doc, "signed"));
  ck_assert_int_eq (chain_json_get_value_type (test_cli_json_get (doc, "crl_number")), CHAIN_JSON_NULL);
  ck_assert (!g_file_test (crl_pem, G_FILE_TEST_EXISTS));
  for (gsize i = 0; i < test_cli_json_length (doc, "warnings"); i++)
    {
      g_autofree char *path = g_strdup_printf ("warnings/%" G_GSIZE_FORMAT "/id", i);

      warned |= strcmp (test_cli_json_string (doc, path), "crl.missing") == 0;
    }
  ck_assert (warned);
}
END_TEST

/* ---- The library ------------------------------------------------------------------ */

START_TEST (test_library_errors)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRevocation) plan = NULL;
  g_autoptr(ChainRevocation) again = NULL;
  g_autoptr(ChainRevocation) locked = NULL;
  static const char *const one[] = { "sensor-0004", NULL };
  static const char *const other[] = { "sensor-0003", NULL };
  guint64 length = chain_ledger_get_length (chain_workspace_get_ledger (custody->dist));

  ck_assert_ptr_null (chain_workspace_plan_revocation (custody->dist, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  plan = chain_workspace_plan_revocation (custody->dist, one, NULL, NULL, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_revocation_get_n_items (plan), 1);
  ck_assert_int_eq (chain_revocation_get_item (plan, 0)->kind, CHAIN_REVOKED_DEVICE);
  ck_assert_int_eq (chain_revocation_get_seq (plan), -1);
  ck_assert_ptr_null (chain_revocation_get_crl (plan));
  ck_assert_uint_eq (chain_ledger_get_length (chain_workspace_get_ledger (custody->dist)), length);

  ck_assert (chain_workspace_revoke (custody->dist, plan, NULL, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_revocation_get_seq (plan), (gint64) length);
  ck_assert (chain_crl_contains (chain_revocation_get_crl (plan), chain_revocation_get_item (plan, 0)->serial));
  ck_assert (!chain_workspace_revoke (custody->dist, plan, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  again = chain_workspace_plan_revocation (custody->dist, one, NULL, NULL, &error);
  ck_assert_ptr_null (again);
  test_assert_error (error, CHAIN_ERROR_REFUSED);

  /* Locked: the CA key is needed, and nothing is recorded. */
  locked = chain_workspace_plan_revocation (custody->dist, other, NULL, NULL, &error);
  test_assert_no_error (error);
  chain_workspace_lock (custody->dist);
  ck_assert (!chain_workspace_revoke (custody->dist, locked, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_PASSPHRASE);
  ck_assert_uint_eq (chain_ledger_get_length (chain_workspace_get_ledger (custody->dist)), length + 1);
}
END_TEST

START_TEST (test_reason_names)
{
  g_autoptr(GError) error = NULL;
  ChainRevocationReason reason = CHAIN_REVOCATION_UNSPECIFIED;

  for (int r = CHAIN_REVOCATION_UNSPECIFIED; r <= CHAIN_REVOCATION_CESSATION_OF_OPERATION; r++)
    {
      ck_assert (chain_revocation_reason_from_string (chain_revocation_reason_to_string (r), &reason, NULL));
      ck_assert_int_eq (reason, r);
    }
  ck_assert (!chain_revocation_reason_from_string ("Key-Compromise", &reason, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

static Suite *
revoke_suite (void)
{
  Suite *suite = suite_create ("revoke");
  TCase *tc = tcase_create ("revoke");
  TCase *names = tcase_create ("names");

  tcase_add_unchecked_fixture (tc, base_setup, base_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_revoke_device_then_crl);
  tcase_add_test (tc, test_revoke_several_keeps_earlier);
  tcase_add_loop_test (tc, test_refused_changes_nothing, 0, G_N_ELEMENTS (refusals));
  tcase_add_test (tc, test_dry_run_records_nothing);
  tcase_add_test (tc, test_revoke_sub_ca);
  tcase_add_test (tc, test_lookup_device);
  tcase_add_test (tc, test_disable_lists);
  tcase_add_test (tc, test_crl_of_other_ca);
  tcase_add_test (tc, test_library_errors);
  suite_add_tcase (suite, tc);
  tcase_add_test (names, test_reason_names);
  suite_add_tcase (suite, names);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (revoke_suite ());
}
