/* test-issue.c — bulk device issuance: chain_issue_devices() and `chain issue`
 *
 * The distributor of test-custody.h issues from each kind of source (a
 * count and prefix, an ids file, a stream, a CSR directory by file name
 * and by CN). Every certificate must pass `openssl verify -purpose
 * sslclient -x509_strict` and GnuTLS `certtool --verify-chain` with its
 * chain.pem and the root; keys must open with `openssl pkey`, PKCS#12
 * files with `openssl pkcs12`; the output manifest must list exactly what
 * the ledger's device-batch records list, and the ledger must audit clean.
 * Every bad input must be refused before anything is issued: the ledger
 * keeps its length and no output directory appears. Chunking, a stream
 * that goes bad after its first chunk, cancellation (library and SIGINT
 * to `chain`) must leave the ledger and the output agreeing.
 */
#include "test-custody.h"
#include "test-pki.h"

#include "chain-workspace-private.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static TestCustody *base;     /* built once per test case, in the parent */
static TestCustody *custody;  /* this test's copy */
static char *out;             /* this test's output directory (not made) */
static char *work;            /* a scratch directory for inputs */

static void
base_setup (void)
{
  base = test_custody_new ();
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
  work = g_build_filename (custody->dir, "work", NULL);
  ck_assert_int_eq (g_mkdir (work, 0700), 0);
}

static void
teardown (void)
{
  g_clear_pointer (&custody, test_custody_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&work, g_free);
}

/* ---------------------------------------------------------------- helpers */

static char *
work_path (const char *name)
{
  return g_build_filename (work, name, NULL);
}

static guint64
ledger_length (ChainWorkspace *ws)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedger) ledger = chain_ledger_open (chain_ledger_get_path (chain_workspace_get_ledger (ws)),
                                                     NULL, &error);

  /* Read from disk, not from the workspace's own view. */
  test_assert_no_error (error);
  return chain_ledger_get_length (ledger);
}

static char *
root_pem_path (ChainWorkspace *ws)
{
  return g_build_filename (chain_workspace_get_dir (ws), "certs", "root.pem", NULL);
}

/* The passphrase file openssl reads key.pem and device.p12 with. */
static char *
passphrase_file (void)
{
  g_autoptr(ChainSecret) secret = test_custody_passphrase ();
  gsize len = 0;
  const guint8 *data = chain_secret_get_data (secret, &len);
  char *path = work_path ("passphrase");

  test_support_write_file (path, data, len);
  ck_assert_int_eq (g_chmod (path, 0600), 0);
  return path;
}

static ChainIssueDevicesOptions
default_options (const ChainSecret *passphrase)
{
  ChainIssueDevicesOptions options = CHAIN_ISSUE_DEVICES_OPTIONS_INIT;

  options.output_dir = out;
  options.key_passphrase = passphrase;
  options.jobs = 2;
  return options;
}

/* Issues from @source as the distributor, asserting success. */
static ChainIssueSummary *
issue_ok (ChainIssueSource               *source,
          const ChainIssueDevicesOptions *options)
{
  g_autoptr(GError) error = NULL;
  ChainIssueSummary *summary = chain_issue_summary_new ();

  ck_assert_msg (chain_issue_devices (custody->dist, source, options, summary, NULL, &error),
                 "issue failed: %s", error != NULL ? error->message : "?");
  ck_assert (chain_issue_summary_is_complete (summary));
  return summary;
}

static GStrv
read_lines (const char *path)
{
  g_autofree char *text = test_cli_read_file (path, NULL);

  ck_assert_msg (g_str_has_suffix (text, "\n"), "%s does not end in a newline", path);
  text[strlen (text) - 1] = '\0';
  return g_strsplit (text, "\n", -1);
}

/* The manifest line's id, whether quoted or not. */
static char *
line_id (const char *line,
         const char **out_rest)
{
  if (line[0] == '"')
    {
      const char *end = strchr (line + 1, '"');

      ck_assert_ptr_nonnull (end);
      *out_rest = end + 2;
      return g_strndup (line + 1, (gsize) (end - line - 1));
    }
  *out_rest = strchr (line, ',') + 1;
  return g_strndup (line, (gsize) (*out_rest - line - 1));
}

/* Asserts that DIR/manifest.csv and the ledger's records agree device by
 * device, that every device directory is listed and nothing else is in
 * DIR, and that the ledger audits clean. Returns the ids in order. */
static gboolean
is_batch_file (const char *name)
{
  guint64 n = 0;
  char *end = NULL;

  if (strcmp (name, "ca-chain.pem") == 0)
    return TRUE;
  if (!g_str_has_prefix (name, "batch-") || strlen (name) < strlen ("batch-000001.pem"))
    return FALSE;
  n = g_ascii_strtoull (name + 6, &end, 10);
  return n > 0 && end == name + 12 && (strcmp (end, ".pem") == 0 || strcmp (end, ".key.pem") == 0);
}

static GPtrArray *
assert_output_matches_ledger (ChainWorkspace          *ws,
                              const ChainIssueSummary *summary)
{
  g_autofree char *ca_chain = g_build_filename (out, "ca-chain.pem", NULL);
  gboolean per_batch = g_file_test (ca_chain, G_FILE_TEST_EXISTS);
  g_autoptr(GError) error = NULL;
  g_autofree char *csv_path = g_build_filename (out, "manifest.csv", NULL);
  g_autofree char *json_path = g_build_filename (out, "manifest.json", NULL);
  g_auto(GStrv) lines = read_lines (csv_path);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(ChainLedger) ledger = chain_ledger_open (chain_ledger_get_path (chain_workspace_get_ledger (ws)),
                                                     NULL, &error);
  g_autoptr(ChainAuditReport) report = NULL;
  g_autofree char *json_text = NULL;
  g_autoptr(ChainJson) json = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint line = 1;

  test_assert_no_error (error);
  ck_assert_str_eq (lines[0], "device_id,serial,cert_sha256,public_key_sha256,record,cert,chain,key,pkcs12");
  for (guint r = 0; r < chain_issue_summary_get_n_records (summary); r++)
    {
      guint64 seq = 0;
      guint64 count = 0;
      const char *first = NULL;
      const char *last = NULL;
      g_autoptr(ChainRecord) record = NULL;
      g_autoptr(GBytes) manifest = NULL;
      g_autofree char *manifest_text = NULL;
      g_auto(GStrv) record_lines = NULL;
      ChainStatement *statement;
      gint64 body_count = 0;

      chain_issue_summary_get_record (summary, r, &seq, &count, &first, &last);
      record = chain_ledger_load_record (ledger, seq, &error);
      test_assert_no_error (error);
      statement = chain_record_get_statement (record);
      ck_assert_str_eq (chain_statement_get_type_name (statement), "device-batch");
      ck_assert (chain_json_object_get_integer_member (chain_statement_get_body (statement), "count", &body_count, NULL));
      ck_assert_int_eq (body_count, (gint64) count);
      ck_assert (chain_statement_get_artifact (statement, "certificates.pem", NULL, NULL, NULL));
      manifest = chain_record_read_artifact (record, "manifest.csv", NULL, &error);
      test_assert_no_error (error);
      manifest_text = g_strndup (g_bytes_get_data (manifest, NULL), g_bytes_get_size (manifest));
      record_lines = g_strsplit (manifest_text, "\n", -1);
      ck_assert_uint_eq (g_strv_length (record_lines), count + 2);   /* header, lines, "" */
      for (guint i = 1; i <= count; i++, line++)
        {
          g_autofree char *seq_text = g_strdup_printf (",%" G_GUINT64_FORMAT ",", seq);
          const char *rest = NULL;
          char *id;

          ck_assert_msg (lines[line] != NULL, "manifest.csv has fewer lines than the records");
          /* The first four columns are the record's line. */
          ck_assert_msg (g_str_has_prefix (lines[line], record_lines[i]),
                         "manifest.csv line %u '%s' is not the record's '%s'", line, lines[line], record_lines[i]);
          ck_assert (strstr (lines[line] + strlen (record_lines[i]), seq_text) == lines[line] + strlen (record_lines[i]));
          id = line_id (lines[line], &rest);
          if (i == 1)
            ck_assert_str_eq (id, first);
          if (i == count)
            ck_assert_str_eq (id, last);
          g_ptr_array_add (ids, id);
          g_hash_table_add (listed, id);
        }
    }
  ck_assert_msg (lines[line] == NULL, "manifest.csv has more lines than the records");
  ck_assert_uint_eq (ids->len, chain_issue_summary_get_n_issued (summary));

  /* Nothing in DIR the records do not list: no staging left, no strays;
   * in the per-batch layout, its files and no device directory. */
  dir = g_dir_open (out, 0, &error);
  test_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    ck_assert_msg ((per_batch ? is_batch_file (name) : g_hash_table_contains (listed, name))
                   || strcmp (name, "manifest.csv") == 0 || strcmp (name, "manifest.json") == 0,
                   "%s in the output is no recorded device", name);
  ck_assert_uint_eq (g_hash_table_size (listed), ids->len);

  /* manifest.json is one JSON document that says the same. */
  json_text = test_cli_read_file (json_path, NULL);
  json = test_cli_parse_json ("manifest.json", json_text);
  ck_assert_uint_eq (test_cli_json_length (json, "devices"), ids->len);
  ck_assert_int_eq (test_cli_json_int (json, "count"), (gint64) ids->len);
  ck_assert_uint_eq (test_cli_json_length (json, "records"), chain_issue_summary_get_n_records (summary));
  ck_assert_int_eq (test_cli_json_bool (json, "complete"), chain_issue_summary_is_complete (summary));
  ck_assert_str_eq (test_cli_json_string (json, "issuer"), chain_issue_summary_get_issuer (summary));
  if (ids->len > 0)
    ck_assert_str_eq (test_cli_json_string (json, "devices/0/id"), g_ptr_array_index (ids, 0));

  ck_assert (chain_audit_repository (chain_ledger_get_path (ledger), NULL, &report, NULL, &error));
  test_assert_no_error (error);
  ck_assert_msg (chain_audit_report_is_ok (report), "audit failed: %s",
                 chain_audit_report_to_text (report, FALSE));
  return g_steal_pointer (&ids);
}

/* `openssl verify -purpose sslclient -x509_strict` with chain.pem as the
 * untrusted chain and the root as the only anchor, and GnuTLS
 * `certtool --verify-chain` over chain.pem followed by the root. */
static void
assert_device_verifies (ChainWorkspace *ws,
                        const char     *id)
{
  g_autofree char *root = root_pem_path (ws);
  g_autofree char *cert = g_build_filename (out, id, "cert.pem", NULL);
  g_autofree char *chain = g_build_filename (out, id, "chain.pem", NULL);
  g_autofree char *full = work_path ("full-chain.pem");
  g_autofree char *chain_text = test_cli_read_file (chain, NULL);
  g_autofree char *root_text = test_cli_read_file (root, NULL);
  g_autofree char *joined = g_strconcat (chain_text, root_text, NULL);
  const char *openssl_argv[] = { "openssl", "verify", "-purpose", "sslclient", "-x509_strict",
                                 "-CAfile", root, "-untrusted", chain, cert, NULL };
  const char *certtool_argv[] = { "certtool", "--verify-chain", "--infile", full, NULL };

  test_support_write_file (full, joined, strlen (joined));
  test_pki_run_ok (openssl_argv);
  test_pki_run_ok (certtool_argv);
}

static guint
count_pem_blocks (const char *path,
                  const char *label)
{
  g_autofree char *text = test_cli_read_file (path, NULL);
  g_autofree char *begin = g_strdup_printf ("-----BEGIN %s-----", label);
  guint n = 0;

  for (const char *p = strstr (text, begin); p != NULL; p = strstr (p + 1, begin))
    n++;
  return n;
}

static mode_t
file_mode (const char *path)
{
  struct stat st;

  ck_assert_int_eq (stat (path, &st), 0);
  return st.st_mode & 07777;
}

/* key.pem opens with `openssl pkey` and holds the certificate's key. */
static void
assert_key_matches (const char *id)
{
  g_autofree char *pass = passphrase_file ();
  g_autofree char *pass_arg = g_strconcat ("file:", pass, NULL);
  g_autofree char *key = g_build_filename (out, id, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (out, id, "cert.pem", NULL);
  g_autofree char *dir = g_build_filename (out, id, NULL);
  g_autofree char *key_pub = NULL;
  g_autofree char *cert_pub = NULL;
  g_autofree char *err = NULL;
  const char *pkey_argv[] = { "openssl", "pkey", "-in", key, "-passin", pass_arg, "-check", "-pubout", NULL };
  const char *x509_argv[] = { "openssl", "x509", "-in", cert, "-noout", "-pubkey", NULL };

  ck_assert_msg (test_support_run (pkey_argv, NULL, &key_pub, &err) == 0, "openssl pkey: %s", err);
  ck_assert_int_eq (test_support_run (x509_argv, NULL, &cert_pub, NULL), 0);
  /* -check printed "Key is valid" before the public key. */
  ck_assert_ptr_nonnull (strstr (key_pub, "Key is valid\n"));
  ck_assert_str_eq (strstr (key_pub, "-----BEGIN PUBLIC KEY-----"), cert_pub);
  ck_assert_int_eq (file_mode (key), 0600);
  ck_assert_int_eq (file_mode (dir), 0700);
  ck_assert_int_eq (count_pem_blocks (key, "ENCRYPTED PRIVATE KEY"), 1);
}

/* --------------------------------------------------------- the sources */

START_TEST (test_count_prefix_chunked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("P", 1, 10, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  guint64 before = ledger_length (custody->dist);
  static const guint64 counts[] = { 3, 3, 3, 1 };

  test_assert_no_error (error);
  options.batch_size = 3;
  summary = issue_ok (source, &options);
  ck_assert_uint_eq (chain_issue_summary_get_n_issued (summary), 10);
  ck_assert_uint_eq (chain_issue_summary_get_n_records (summary), 4);
  ck_assert_uint_eq (ledger_length (custody->dist), before + 4);
  for (guint i = 0; i < 4; i++)
    {
      guint64 seq = 0;
      guint64 count = 0;

      chain_issue_summary_get_record (summary, i, &seq, &count, NULL, NULL);
      ck_assert_uint_eq (seq, before + i);
      ck_assert_uint_eq (count, counts[i]);
    }
  ids = assert_output_matches_ledger (custody->dist, summary);
  /* Zero-padded to the width of the count. */
  ck_assert_str_eq (g_ptr_array_index (ids, 0), "P01");
  ck_assert_str_eq (g_ptr_array_index (ids, 9), "P10");
  ck_assert_uint_eq (chain_custodian_get_n_devices (chain_workspace_get_custodian (custody->dist)), 10);
  for (guint i = 0; i < ids->len; i++)
    assert_device_verifies (custody->dist, g_ptr_array_index (ids, i));
  assert_key_matches ("P07");
  {
    /* chain.pem: the device, the distributor's CA, the manufacturer's CA;
     * not the root, which the cloud holds. */
    g_autofree char *chain = g_build_filename (out, "P07", "chain.pem", NULL);

    ck_assert_uint_eq (count_pem_blocks (chain, "CERTIFICATE"), 3);
  }
}
END_TEST

START_TEST (test_count_first_number)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("line-7-", 998, 3, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autoptr(GPtrArray) ids = NULL;

  test_assert_no_error (error);
  summary = issue_ok (source, &options);
  ids = assert_output_matches_ledger (custody->dist, summary);
  ck_assert_str_eq (g_ptr_array_index (ids, 0), "line-7-0998");
  ck_assert_str_eq (g_ptr_array_index (ids, 2), "line-7-1000");
}
END_TEST

START_TEST (test_ids_file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autofree char *path = work_path ("ids.txt");
  /* Comments, blank lines, CRLF, and an id with a comma (quoted in CSV). */
  static const char ids_text[] = "# line 3 of the factory\nsensor-a\r\n\nsensor-b\nsensor,c\n(x)=y@z$'!\n";
  g_autoptr(ChainIssueSource) source = NULL;
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *csv = g_build_filename (out, "manifest.csv", NULL);
  g_autofree char *csv_text = NULL;

  test_support_write_file (path, ids_text, strlen (ids_text));
  source = chain_issue_source_new_ids_file (path, &error);
  test_assert_no_error (error);
  ck_assert (!chain_issue_source_has_csrs (source));
  summary = issue_ok (source, &options);
  ids = assert_output_matches_ledger (custody->dist, summary);
  ck_assert_uint_eq (ids->len, 4);
  ck_assert_str_eq (g_ptr_array_index (ids, 0), "sensor-a");
  ck_assert_str_eq (g_ptr_array_index (ids, 2), "sensor,c");
  ck_assert_str_eq (g_ptr_array_index (ids, 3), "(x)=y@z$'!");
  csv_text = test_cli_read_file (csv, NULL);
  ck_assert_ptr_nonnull (strstr (csv_text, "\n\"sensor,c\","));
  for (guint i = 0; i < ids->len; i++)
    assert_device_verifies (custody->dist, g_ptr_array_index (ids, i));
}
END_TEST

START_TEST (test_ids_stream)
{
  static const char ids_text[] = "s-1\ns-2\ns-3\ns-4\ns-5";   /* no final newline */
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (ids_text, strlen (ids_text), NULL);
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_ids_stream (stream, NULL);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autoptr(GPtrArray) ids = NULL;

  options.batch_size = 2;
  summary = issue_ok (source, &options);
  ck_assert_uint_eq (chain_issue_summary_get_n_records (summary), 3);
  ids = assert_output_matches_ledger (custody->dist, summary);
  ck_assert_uint_eq (ids->len, 5);
  ck_assert_str_eq (g_ptr_array_index (ids, 4), "s-5");
  assert_device_verifies (custody->dist, "s-5");
}
END_TEST

/* A stream is checked a chunk at a time: chunk 1 is issued and recorded
 * before the bad line in chunk 2 is read; chunk 2 leaves nothing. */
START_TEST (test_stream_bad_later_chunk)
{
  static const char ids_text[] = "a-1\na-2\na-3\nbad id\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (ids_text, strlen (ids_text), NULL);
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_ids_stream (stream, "the line feed");
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  g_autoptr(GPtrArray) ids = NULL;
  guint64 before = ledger_length (custody->dist);

  options.batch_size = 2;
  ck_assert (!chain_issue_devices (custody->dist, source, &options, summary, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "the line feed line 4", "a space", NULL);
  ck_assert_uint_eq (ledger_length (custody->dist), before + 1);
  ck_assert_uint_eq (chain_issue_summary_get_n_issued (summary), 2);
  ck_assert (!chain_issue_summary_is_complete (summary));
  ids = assert_output_matches_ledger (custody->dist, summary);
  ck_assert_uint_eq (ids->len, 2);
}
END_TEST

/* A CSR made by `openssl req`, with its key, in @dir/@name. */
static void
openssl_csr (const char *dir,
             const char *name,
             const char *newkey,
             const char *pkeyopt,
             const char *cn)
{
  g_autofree char *csr = g_build_filename (dir, name, NULL);
  g_autofree char *key = g_build_filename (work, "keys", name, NULL);
  g_autofree char *keys = g_build_filename (work, "keys", NULL);
  g_autofree char *subject = g_strdup_printf ("/CN=%s", cn);
  const char *argv[] = { "openssl", "req", "-new", "-newkey", newkey, "-nodes", "-keyout", key,
                         "-subj", subject, "-out", csr, pkeyopt != NULL ? "-pkeyopt" : NULL, pkeyopt, NULL };

  g_mkdir_with_parents (keys, 0700);
  test_pki_run_ok (argv);
}

/* A CSR made by libchain, PEM or DER; returns its public key digest. */
static char *
libchain_csr (const char        *dir,
              const char        *name,
              ChainKeyAlgorithm  algorithm,
              const char        *cn,
              gboolean           der)
{
  g_autoptr(ChainKey) key = test_pki_key (algorithm);
  g_autofree char *subject = g_strdup_printf ("CN=%s", cn);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, subject);
  g_autoptr(GBytes) bytes = der ? chain_csr_to_der (csr) : chain_csr_to_pem (csr);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  test_support_write_file (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return chain_csr_dup_public_key_sha256 (csr);
}

/* The manifest's public-key digest of device @id. */
static char *
manifest_public_key (const char *id)
{
  g_autofree char *csv = g_build_filename (out, "manifest.csv", NULL);
  g_auto(GStrv) lines = read_lines (csv);

  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ",", -1);

      if (strcmp (fields[0], id) == 0)
        return g_strdup (fields[3]);
    }
  ck_abort_msg ("%s is not in manifest.csv", id);
  return NULL;
}

START_TEST (test_csr_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autofree char *csrs = work_path ("csrs");
  g_autofree char *rsa_key = NULL;
  g_autofree char *der_key = NULL;
  g_autofree char *readme = NULL;
  g_autoptr(ChainIssueSource) source = NULL;
  ChainIssueDevicesOptions options = default_options (NULL);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autoptr(GPtrArray) ids = NULL;

  ck_assert_int_eq (g_mkdir (csrs, 0700), 0);
  openssl_csr (csrs, "unit-1.csr", "ec", "ec_paramgen_curve:P-256", "whatever");
  openssl_csr (csrs, "unit-2.pem", "ec", "ec_paramgen_curve:P-384", "unit-2");
  rsa_key = libchain_csr (csrs, "unit-3.pem", CHAIN_KEY_ALGORITHM_RSA_2048, "unit-3", FALSE);
  der_key = libchain_csr (csrs, "unit-4.der", CHAIN_KEY_ALGORITHM_EC_P256, "x", TRUE);
  /* Not CSRs by name: ignored. */
  readme = g_build_filename (csrs, "README.txt", NULL);
  test_support_write_file (readme, "not a CSR\n", 10);
  g_free (readme);
  readme = g_build_filename (csrs, ".unit-5.csr", NULL);
  test_support_write_file (readme, "garbage", 7);

  source = chain_issue_source_new_csr_dir (csrs, CHAIN_ISSUE_CSR_ID_FILE_NAME, &error);
  test_assert_no_error (error);
  ck_assert (chain_issue_source_has_csrs (source));
  options.batch_size = 3;
  summary = issue_ok (source, &options);
  ck_assert_uint_eq (chain_issue_summary_get_n_records (summary), 2);
  ids = assert_output_matches_ledger (custody->dist, summary);
  ck_assert_uint_eq (ids->len, 4);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("unit-%u", i);
      g_autofree char *key = g_build_filename (out, id, "key.pem", NULL);
      g_autofree char *dir = g_build_filename (out, id, NULL);

      assert_device_verifies (custody->dist, id);
      /* The key stays on the device. */
      ck_assert (!g_file_test (key, G_FILE_TEST_EXISTS));
      ck_assert_int_eq (file_mode (dir), 0755);
    }
  {
    g_autofree char *rsa = manifest_public_key ("unit-3");
    g_autofree char *der = manifest_public_key ("unit-4");

    ck_assert_str_eq (rsa, rsa_key);
    ck_assert_str_eq (der, der_key);
  }
}
END_TEST

/* Rewrites the fourth CSR with another key the first time progress is
 * reported: while the first batch is issued, after the check. */
typedef struct {
  const char *csrs;
  guint       calls;
} ChangeCsr;

static void
change_csr_when_issuing (guint64  issued,
                         guint64  recorded,
                         guint64  total,
                         gpointer data)
{
  ChangeCsr *change = data;
  g_autofree char *key = NULL;

  (void) issued;
  (void) recorded;
  (void) total;
  if (change->calls++ == 0)
    key = libchain_csr (change->csrs, "chg-4.csr", CHAIN_KEY_ALGORITHM_EC_P256, "chg-4", FALSE);
}

/* A CSR is verified once, in the checking pass; issuing takes the same
 * bytes (their digest) or refuses: a file changed in between is never
 * issued unverified. */
START_TEST (test_csr_dir_changed_after_check)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csrs = work_path ("csrs-changed");
  g_autoptr(ChainIssueSource) source = NULL;
  ChainIssueDevicesOptions options = default_options (NULL);
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  g_autoptr(GPtrArray) ids = NULL;
  ChangeCsr change = { csrs, 0 };
  guint64 before = ledger_length (custody->dist);

  ck_assert_int_eq (g_mkdir (csrs, 0700), 0);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("chg-%u.csr", i);
      g_autofree char *cn = g_strdup_printf ("chg-%u", i);
      g_autofree char *key = libchain_csr (csrs, name, CHAIN_KEY_ALGORITHM_EC_P256, cn, FALSE);
    }
  source = chain_issue_source_new_csr_dir (csrs, CHAIN_ISSUE_CSR_ID_FILE_NAME, &error);
  test_assert_no_error (error);
  options.batch_size = 2;
  options.progress = change_csr_when_issuing;
  options.progress_data = &change;
  ck_assert (!chain_issue_devices (custody->dist, source, &options, summary, NULL, &error));
  ck_assert_msg (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT)
                 && strstr (error->message, "changed after its CSRs were checked") != NULL,
                 "not refused as changed: %s", error != NULL ? error->message : "(succeeded)");
  ck_assert_uint_gt (change.calls, 0);
  /* The first batch, issued before, is recorded whole; nothing after. */
  ck_assert_uint_eq (chain_issue_summary_get_n_records (summary), 1);
  ck_assert_uint_eq (chain_issue_summary_get_n_issued (summary), 2);
  ck_assert_uint_eq (ledger_length (custody->dist), before + 1);
  ids = assert_output_matches_ledger (custody->dist, summary);
  ck_assert_uint_eq (ids->len, 2);
}
END_TEST

START_TEST (test_csr_dir_ids_from_cn)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csrs = work_path ("csrs");
  g_autoptr(ChainIssueSource) source = NULL;
  ChainIssueDevicesOptions options = default_options (NULL);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autoptr(GPtrArray) ids = NULL;

  ck_assert_int_eq (g_mkdir (csrs, 0700), 0);
  g_free (libchain_csr (csrs, "a.csr", CHAIN_KEY_ALGORITHM_EC_P256, "SE-0001", FALSE));
  g_free (libchain_csr (csrs, "b.csr", CHAIN_KEY_ALGORITHM_EC_P256, "SE-0002", FALSE));
  source = chain_issue_source_new_csr_dir (csrs, CHAIN_ISSUE_CSR_ID_CN, &error);
  test_assert_no_error (error);
  summary = issue_ok (source, &options);
  ids = assert_output_matches_ledger (custody->dist, summary);
  ck_assert_uint_eq (ids->len, 2);
  assert_device_verifies (custody->dist, "SE-0001");
  assert_device_verifies (custody->dist, "SE-0002");
}
END_TEST

/* ------------------------------------------------------- output options */

static guint
count_text (const char *text,
            const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* Splits @path's PEM blocks into separate strings, in order. */
static GPtrArray *
pem_blocks (const char *path)
{
  g_autofree char *text = test_cli_read_file (path, NULL);
  GPtrArray *blocks = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;
  const char *end;

  while ((p = strstr (p, "-----BEGIN ")) != NULL && (end = strstr (p, "-----END ")) != NULL)
    {
      end = strchr (end, '\n');
      ck_assert_ptr_nonnull (end);
      g_ptr_array_add (blocks, g_strndup (p, (gsize) (end + 1 - p)));
      p = end + 1;
    }
  return blocks;
}

/* A count issued per batch: batch-N.pem and batch-N.key.pem hold the
 * batch's certificates and keys in manifest order, standard tools read
 * them, and every certificate verifies with ca-chain.pem. */
START_TEST (test_per_batch_layout)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("B-", 1, 7, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *csv = g_build_filename (out, "manifest.csv", NULL);
  g_autofree char *json_path = g_build_filename (out, "manifest.json", NULL);
  g_autofree char *json_text = NULL;
  g_autoptr(ChainJson) json = NULL;
  g_autofree char *ca_chain = g_build_filename (out, "ca-chain.pem", NULL);
  g_autofree char *root = root_pem_path (custody->dist);
  g_autofree char *pass = passphrase_file ();
  g_autofree char *pass_arg = g_strconcat ("file:", pass, NULL);
  g_auto(GStrv) lines = NULL;
  static const guint sizes[] = { 3, 3, 1 };
  guint line = 1;

  test_assert_no_error (error);
  options.batch_size = 3;
  options.layout = CHAIN_ISSUE_LAYOUT_PER_BATCH;
  summary = issue_ok (source, &options);
  ck_assert_uint_eq (chain_issue_summary_get_n_records (summary), 3);
  ids = assert_output_matches_ledger (custody->dist, summary);
  ck_assert_uint_eq (ids->len, 7);
  ck_assert_uint_eq (count_pem_blocks (ca_chain, "CERTIFICATE"), 2);
  ck_assert_int_eq (file_mode (out), 0700);
  lines = read_lines (csv);
  json_text = test_cli_read_file (json_path, NULL);
  json = test_cli_parse_json ("manifest.json", json_text);

  for (guint b = 0; b < G_N_ELEMENTS (sizes); b++)
    {
      g_autofree char *certs = g_strdup_printf ("%s/batch-%06u.pem", out, b + 1);
      g_autofree char *keys = g_strdup_printf ("%s/batch-%06u.key.pem", out, b + 1);
      g_autofree char *n_text = g_strdup_printf ("%u", sizes[b]);
      g_autoptr(GPtrArray) cert_blocks = pem_blocks (certs);
      g_autoptr(GPtrArray) key_blocks = pem_blocks (keys);
      g_autofree char *storeutl_certs = NULL;
      g_autofree char *storeutl_keys = NULL;
      g_autofree char *certtool_out = NULL;
      g_autofree char *err = NULL;
      const char *storeutl_certs_argv[] = { "openssl", "storeutl", "-certs", certs, NULL };
      const char *storeutl_keys_argv[] = { "openssl", "storeutl", "-keys", "-passin", pass_arg, keys, NULL };
      const char *certtool_argv[] = { "certtool", "--certificate-info", "--infile", certs, NULL };

      ck_assert_int_eq (file_mode (certs), 0644);
      ck_assert_int_eq (file_mode (keys), 0600);
      ck_assert_uint_eq (cert_blocks->len, sizes[b]);
      ck_assert_uint_eq (key_blocks->len, sizes[b]);
      ck_assert_uint_eq (count_pem_blocks (keys, "ENCRYPTED PRIVATE KEY"), sizes[b]);

      /* Standard tools read every block back. */
      ck_assert_msg (test_support_run (storeutl_certs_argv, NULL, &storeutl_certs, &err) == 0, "storeutl: %s", err);
      ck_assert_uint_eq (count_text (storeutl_certs, "-----BEGIN CERTIFICATE-----"), sizes[b]);
      g_clear_pointer (&err, g_free);
      ck_assert_msg (test_support_run (storeutl_keys_argv, NULL, &storeutl_keys, &err) == 0, "storeutl -keys: %s", err);
      ck_assert_uint_eq (count_text (storeutl_keys, "-----BEGIN PRIVATE KEY-----"), sizes[b]);
      g_clear_pointer (&err, g_free);
      ck_assert_msg (test_support_run (certtool_argv, NULL, &certtool_out, &err) == 0, "certtool: %s", err);
      ck_assert_uint_eq (count_text (certtool_out, "\tSubject: "), sizes[b]);

      /* The k-th row of the batch in manifest.csv is the k-th certificate
       * and the k-th key, and verifies with ca-chain.pem and the root. */
      for (guint k = 0; k < sizes[b]; k++, line++)
        {
          g_autoptr(ChainCert) cert = chain_cert_parse ((const guint8 *) cert_blocks->pdata[k],
                                                        strlen (cert_blocks->pdata[k]), &error);
          g_autofree char *sha = NULL;
          g_autofree char *cert_path = work_path ("one-cert.pem");
          g_autofree char *key_path = work_path ("one-key.pem");
          g_autofree char *key_pub = NULL;
          g_autofree char *cert_pub = NULL;
          g_autofree char *files = g_strdup_printf (",batch-%06u.pem,ca-chain.pem,batch-%06u.key.pem,", b + 1, b + 1);
          g_autofree char *index_path = g_strdup_printf ("devices/%u/index", line - 1);
          g_autofree char *cert_path_json = g_strdup_printf ("devices/%u/cert", line - 1);
          const char *verify_argv[] = { "openssl", "verify", "-purpose", "sslclient", "-x509_strict",
                                        "-CAfile", root, "-untrusted", ca_chain, cert_path, NULL };
          const char *pkey_argv[] = { "openssl", "pkey", "-in", key_path, "-passin", pass_arg, "-pubout", NULL };
          const char *x509_argv[] = { "openssl", "x509", "-in", cert_path, "-noout", "-pubkey", NULL };

          test_assert_no_error (error);
          sha = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA256);
          ck_assert_msg (strstr (lines[line], sha) != NULL, "row %u '%s' is not certificate %u of batch %u", line,
                         lines[line], k, b + 1);
          ck_assert_msg (g_str_has_suffix (lines[line], files), "row %u: %s", line, lines[line]);
          ck_assert_int_eq (test_cli_json_int (json, index_path), k);
          ck_assert_str_eq (test_cli_json_string (json, cert_path_json), strrchr (certs, '/') + 1);
          test_support_write_file (cert_path, cert_blocks->pdata[k], strlen (cert_blocks->pdata[k]));
          test_support_write_file (key_path, key_blocks->pdata[k], strlen (key_blocks->pdata[k]));
          test_pki_run_ok (verify_argv);
          ck_assert_int_eq (test_support_run (pkey_argv, NULL, &key_pub, NULL), 0);
          ck_assert_int_eq (test_support_run (x509_argv, NULL, &cert_pub, NULL), 0);
          ck_assert_str_eq (key_pub, cert_pub);
        }
    }

  /* A layout the library does not know, and PKCS#12 per batch, are
   * refused before anything is issued. */
  {
    g_autoptr(ChainIssueSource) again = chain_issue_source_new_count ("R-", 1, 2, &error);
    g_autoptr(ChainIssueSummary) refused = chain_issue_summary_new ();
    guint64 before = ledger_length (custody->dist);

    test_assert_no_error (error);
    options.output_dir = work_path ("refused");
    options.pkcs12 = TRUE;
    ck_assert (!chain_issue_devices (custody->dist, again, &options, refused, NULL, &error));
    ck_assert_msg (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT)
                   && strstr (error->message, "device.p12 is one file per device") != NULL,
                   "%s", error != NULL ? error->message : "no error");
    g_clear_error (&error);
    options.pkcs12 = FALSE;
    options.layout = (ChainIssueLayout) 7;
    ck_assert (!chain_issue_devices (custody->dist, again, &options, refused, NULL, &error));
    ck_assert_msg (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT)
                   && strstr (error->message, "output layout 7 is not known") != NULL,
                   "%s", error != NULL ? error->message : "no error");
    g_clear_error (&error);
    ck_assert_uint_eq (ledger_length (custody->dist), before);
    ck_assert (!g_file_test (options.output_dir, G_FILE_TEST_EXISTS));
    g_free ((char *) options.output_dir);
  }
}
END_TEST

/* From CSRs, per batch: certificates only, no key file; with the CLI. */
START_TEST (test_per_batch_layout_csrs_cli)
{
  g_autofree char *csrs = work_path ("csrs");
  g_autofree char *certs = g_build_filename (out, "batch-000001.pem", NULL);
  g_autofree char *keys = g_build_filename (out, "batch-000001.key.pem", NULL);
  g_autofree char *err = NULL;
  g_autofree char *ws = g_strdup (chain_workspace_get_dir (custody->dist));
  g_autofree char *pass = passphrase_file ();
  int status;

  ck_assert_int_eq (g_mkdir (csrs, 0700), 0);
  g_free (libchain_csr (csrs, "c-1.csr", CHAIN_KEY_ALGORITHM_EC_P256, "c-1", FALSE));
  g_free (libchain_csr (csrs, "c-2.csr", CHAIN_KEY_ALGORITHM_EC_P256, "c-2", FALSE));
  g_clear_pointer (&custody->dist, chain_workspace_free);
  status = test_cli_chain (work, (const char *const[]) { "-q", "-C", ws, "--passphrase-file", pass, "issue",
                                                         "--csr-dir", csrs, "--output-layout", "per-batch",
                                                         "-o", out, NULL }, NULL, &err);
  ck_assert_msg (status == 0, "chain issue exited %d: %s", status, err);
  ck_assert_uint_eq (count_pem_blocks (certs, "CERTIFICATE"), 2);
  ck_assert (!g_file_test (keys, G_FILE_TEST_EXISTS));

  /* Usage: an unknown layout, and PKCS#12 files per batch. */
  g_clear_pointer (&err, g_free);
  status = test_cli_chain (work, (const char *const[]) { "-q", "-C", ws, "--passphrase-file", pass, "issue",
                                                         "--count", "2", "--output-layout", "bundle",
                                                         "-o", "elsewhere", NULL }, NULL, &err);
  ck_assert_int_eq (status, 2);
  ck_assert_msg (strstr (err, "--output-layout is 'per-device' or 'per-batch'") != NULL, "%s", err);
  g_clear_pointer (&err, g_free);
  status = test_cli_chain (work, (const char *const[]) { "-q", "-C", ws, "--passphrase-file", pass, "issue",
                                                         "--count", "2", "--output-layout", "per-batch", "--pkcs12",
                                                         "-o", "elsewhere", NULL }, NULL, &err);
  ck_assert_int_eq (status, 2);
  ck_assert_msg (strstr (err, "--pkcs12 writes a file per device") != NULL, "%s", err);
}
END_TEST

START_TEST (test_pkcs12_and_root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("p12-", 1, 2, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *p12 = g_build_filename (out, "p12-1", "device.p12", NULL);
  g_autofree char *chain = g_build_filename (out, "p12-1", "chain.pem", NULL);
  g_autofree char *pass = passphrase_file ();
  g_autofree char *pass_arg = g_strconcat ("file:", pass, NULL);
  g_autofree char *unpacked = work_path ("unpacked.pem");
  g_autofree char *err = NULL;
  const char *pkcs12_argv[] = { "openssl", "pkcs12", "-in", p12, "-passin", pass_arg, "-noenc", "-out", unpacked, NULL };
  const char *certtool_argv[] = { "certtool", "--verify-chain", "--infile", chain, NULL };

  test_assert_no_error (error);
  options.pkcs12 = TRUE;
  options.include_root = TRUE;
  summary = issue_ok (source, &options);
  ids = assert_output_matches_ledger (custody->dist, summary);
  /* chain.pem runs up to the root: certtool checks it on its own. */
  ck_assert_uint_eq (count_pem_blocks (chain, "CERTIFICATE"), 4);
  test_pki_run_ok (certtool_argv);
  ck_assert_int_eq (file_mode (p12), 0600);
  ck_assert_msg (test_support_run (pkcs12_argv, NULL, NULL, &err) == 0, "openssl pkcs12: %s", err);
  ck_assert_uint_eq (count_pem_blocks (unpacked, "CERTIFICATE"), 4);
  ck_assert_uint_eq (count_pem_blocks (unpacked, "PRIVATE KEY"), 1);
  assert_key_matches ("p12-1");
}
END_TEST

START_TEST (test_pkcs12_wrong_passphrase)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("w-", 1, 1, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autofree char *p12 = g_build_filename (out, "w-1", "device.p12", NULL);
  g_autofree char *key = g_build_filename (out, "w-1", "key.pem", NULL);
  const char *pkcs12_argv[] = { "openssl", "pkcs12", "-in", p12, "-passin", "pass:not the passphrase", "-noenc", NULL };
  const char *pkey_argv[] = { "openssl", "pkey", "-in", key, "-passin", "pass:not the passphrase", NULL };

  options.pkcs12 = TRUE;
  summary = issue_ok (source, &options);
  ck_assert_int_ne (test_support_run (pkcs12_argv, NULL, NULL, NULL), 0);
  ck_assert_int_ne (test_support_run (pkey_argv, NULL, NULL, NULL), 0);
}
END_TEST

START_TEST (test_upload_ca_intermediate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("u-", 1, 1, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autofree char *chain = g_build_filename (out, "u-1", "chain.pem", NULL);

  /* The manufacturer's CA was uploaded: chain.pem stops below it. */
  options.upload_ca = chain_workspace_get_ca (custody->cm);
  summary = issue_ok (source, &options);
  ck_assert_uint_eq (count_pem_blocks (chain, "CERTIFICATE"), 2);
}
END_TEST

START_TEST (test_validity)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("v-", 1, 1, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autofree char *path = g_build_filename (out, "v-1", "cert.pem", NULL);
  g_autofree char *pem = NULL;
  g_autoptr(ChainCert) cert = NULL;

  options.validity_days = 90;
  summary = issue_ok (source, &options);
  pem = test_cli_read_file (path, NULL);
  cert = chain_cert_parse ((const guint8 *) pem, strlen (pem), &error);
  test_assert_no_error (error);
  ck_assert_int_eq (chain_cert_get_not_after (cert) - chain_cert_get_not_before (cert), 90 * TEST_DAY);
}
END_TEST

/* Keys made here for each algorithm: key.pem opens, holds the
 * certificate's key, and the certificate verifies. */
static const ChainKeyAlgorithm key_algorithms[] = {
  CHAIN_KEY_ALGORITHM_EC_P256, CHAIN_KEY_ALGORITHM_EC_P384, CHAIN_KEY_ALGORITHM_RSA_2048,
};

START_TEST (test_key_algorithms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("alg-", 1, 2, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = NULL;
  g_autofree char *path = g_build_filename (out, "alg-2", "cert.pem", NULL);
  g_autofree char *pem = NULL;
  g_autoptr(ChainCert) cert = NULL;

  options.algorithm = key_algorithms[_i];
  summary = issue_ok (source, &options);
  g_ptr_array_unref (assert_output_matches_ledger (custody->dist, summary));
  assert_device_verifies (custody->dist, "alg-2");
  assert_key_matches ("alg-2");
  pem = test_cli_read_file (path, NULL);
  cert = chain_cert_parse ((const guint8 *) pem, strlen (pem), &error);
  test_assert_no_error (error);
  ck_assert_int_eq (chain_cert_get_key_algorithm (cert), key_algorithms[_i]);
}
END_TEST

/* chain_issuer_issue_device_der() hands out what parsing its DER gives. */
START_TEST (test_issuer_der_fast_path)
{
  g_autoptr(GError) error = NULL;
  ChainIssuer *issuer = chain_workspace_get_issuer (custody->dist, &error);
  g_autoptr(ChainKey) key = test_pki_key (key_algorithms[_i]);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=ignored");
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  test_assert_no_error (error);
  options.not_after = test_pki_now () + TEST_YEAR;
  for (guint from_csr = 0; from_csr < 2; from_csr++)
    {
      ChainIssuedDevice issued = { 0 };
      g_autoptr(ChainCert) cert = NULL;
      g_autoptr(ChainName) subject = NULL;
      g_autofree char *serial = NULL;
      g_autofree char *sha = NULL;
      g_autofree char *spki = NULL;
      g_autofree char *key_spki = chain_key_dup_public_key_sha256 (key);
      g_autofree char *cn = NULL;

      ck_assert (chain_issuer_issue_device_der (issuer, "fast-1", from_csr ? csr : NULL, from_csr ? NULL : key,
                                                &options, &issued, &error));
      test_assert_no_error (error);
      cert = chain_cert_parse (g_bytes_get_data (issued.der, NULL), g_bytes_get_size (issued.der), &error);
      test_assert_no_error (error);
      serial = chain_cert_dup_serial (cert);
      sha = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA256);
      spki = chain_cert_dup_public_key_sha256 (cert);
      subject = chain_cert_dup_subject (cert);
      cn = chain_name_dup_common_name (subject);
      ck_assert_str_eq (issued.serial, serial);
      ck_assert_str_eq (issued.cert_sha256, sha);
      ck_assert_str_eq (issued.public_key_sha256, spki);
      /* The SubjectPublicKeyInfo put together for a key made here is the
       * one OpenSSL's encoder writes. */
      ck_assert_str_eq (spki, key_spki);
      ck_assert_str_eq (cn, "fast-1");
      chain_issued_device_clear (&issued);
      ck_assert_ptr_null (issued.der);
    }
  {
    ChainIssuedDevice issued = { 0 };

    ck_assert (!chain_issuer_issue_device_der (issuer, "bad id", NULL, key, &options, &issued, &error));
    test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
    ck_assert_ptr_null (issued.der);
    chain_issued_device_clear (NULL);
  }
}
END_TEST

/* ----------------------------------------------------- refused up front */

typedef enum {
  BAD_IDS,        /* input: an ids file */
  BAD_CSRS,       /* input: CSR files, some bad */
  BAD_COUNT,      /* input: a count with a prefix */
  BAD_OPTIONS,    /* good ids, bad options */
} BadKind;

typedef void (*MakeCsrs) (const char *dir);

typedef struct {
  const char *name;
  BadKind     kind;
  const char *ids;         /* BAD_IDS */
  MakeCsrs    csrs;        /* BAD_CSRS */
  const char *prefix;      /* BAD_COUNT */
  guint       batch_size;
  gint64      validity_days;
  gboolean    short_passphrase;
  gboolean    pkcs12;
  gboolean    out_not_empty;
  gboolean    from_oem;
  int         code;
  const char *needle;
} BadCase;

static void
good_csrs (const char *dir)
{
  g_free (libchain_csr (dir, "good-1.csr", CHAIN_KEY_ALGORITHM_EC_P256, "g1", FALSE));
  g_free (libchain_csr (dir, "good-2.csr", CHAIN_KEY_ALGORITHM_EC_P256, "g2", FALSE));
  g_free (libchain_csr (dir, "good-3.csr", CHAIN_KEY_ALGORITHM_EC_P256, "g3", FALSE));
}

static void
csrs_rsa1024 (const char *dir)
{
  good_csrs (dir);
  openssl_csr (dir, "weak.csr", "rsa:1024", NULL, "weak");
}

static void
csrs_truncated (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "cut.csr", NULL);
  g_autofree char *text = NULL;

  good_csrs (dir);
  g_free (libchain_csr (dir, "cut.csr", CHAIN_KEY_ALGORITHM_EC_P256, "cut", FALSE));
  text = test_cli_read_file (path, NULL);
  test_support_write_file (path, text, strlen (text) / 2);
}

static void
csrs_empty (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "empty.csr", NULL);

  good_csrs (dir);
  test_support_write_file (path, "", 0);
}

static void
csrs_garbage (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "noise.der", NULL);
  guint8 noise[300];

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_random_int ();
  good_csrs (dir);
  test_support_write_file (path, noise, sizeof noise);
}

static void
csrs_certificate (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "cert.pem", NULL);
  g_autoptr(GBytes) pem = chain_cert_to_pem (chain_workspace_get_ca (custody->dist));

  good_csrs (dir);
  test_support_write_file (path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
}

static void
csrs_bad_name (const char *dir)
{
  good_csrs (dir);
  g_free (libchain_csr (dir, "bad name.csr", CHAIN_KEY_ALGORITHM_EC_P256, "x", FALSE));
}

static const BadCase bad_cases[] = {
  { "65-char id", BAD_IDS, "ok-1\n" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
    .code = CHAIN_ERROR_INVALID_INPUT, .needle = "line 2" },
  { "duplicate id", BAD_IDS, "dev-1\ndev-2\ndev-1\n", .code = CHAIN_ERROR_INVALID_INPUT, .needle = "listed twice" },
  { "duplicate id in a later batch", BAD_IDS, "dev-1\ndev-2\ndev-3\ndev-1\n", .batch_size = 2,
    .code = CHAIN_ERROR_INVALID_INPUT, .needle = "line 4" },
  { "id with a space", BAD_IDS, "dev-1\ndev 2\n", .code = CHAIN_ERROR_INVALID_INPUT, .needle = "a space" },
  { "id '..'", BAD_IDS, "dev-1\n..\n", .code = CHAIN_ERROR_INVALID_INPUT, .needle = "cannot name" },
  { "id manifest.csv", BAD_IDS, "manifest.csv\n", .code = CHAIN_ERROR_INVALID_INPUT, .needle = "cannot name" },
  { "no ids", BAD_IDS, "# nothing here\n\n", .code = CHAIN_ERROR_INVALID_INPUT, .needle = "no devices" },
  { "empty ids file", BAD_IDS, "", .code = CHAIN_ERROR_INVALID_INPUT, .needle = "no devices" },
  { "binary ids file", BAD_IDS, "dev-1\n\x01\x02\xff\xfe\n", .code = CHAIN_ERROR_INVALID_INPUT, .needle = "line 2" },
  { "RSA-1024 CSR", BAD_CSRS, .csrs = csrs_rsa1024, .batch_size = 1, .code = CHAIN_ERROR_REFUSED, .needle = "1024" },
  { "truncated CSR", BAD_CSRS, .csrs = csrs_truncated, .batch_size = 1, .code = CHAIN_ERROR_INVALID_INPUT, .needle = "cut.csr" },
  { "empty CSR", BAD_CSRS, .csrs = csrs_empty, .batch_size = 1, .code = CHAIN_ERROR_INVALID_INPUT, .needle = "empty.csr" },
  { "garbage CSR", BAD_CSRS, .csrs = csrs_garbage, .batch_size = 1, .code = CHAIN_ERROR_INVALID_INPUT, .needle = "noise.der" },
  { "certificate as CSR", BAD_CSRS, .csrs = csrs_certificate, .batch_size = 1, .code = CHAIN_ERROR_INVALID_INPUT, .needle = "cert.pem" },
  { "CSR named with a space", BAD_CSRS, .csrs = csrs_bad_name, .batch_size = 1, .code = CHAIN_ERROR_INVALID_INPUT, .needle = "a space" },
  { "prefix with a slash", BAD_COUNT, .prefix = "line/3-", .code = CHAIN_ERROR_INVALID_INPUT, .needle = "'/'" },
  { "validity over the policy", BAD_OPTIONS, .validity_days = 4000, .code = CHAIN_ERROR_REFUSED, .needle = "policy" },
  { "validity over the CA", BAD_OPTIONS, .validity_days = 3000, .code = CHAIN_ERROR_REFUSED, .needle = "outlive" },
  { "short key passphrase", BAD_OPTIONS, .short_passphrase = TRUE, .code = CHAIN_ERROR_PASSPHRASE, .needle = "8 characters" },
  { "PKCS#12 from CSRs", BAD_CSRS, .csrs = good_csrs, .pkcs12 = TRUE, .code = CHAIN_ERROR_INVALID_INPUT, .needle = "PKCS#12" },
  { "output not empty", BAD_OPTIONS, .out_not_empty = TRUE, .code = CHAIN_ERROR_EXISTS, .needle = "not empty" },
  { "tier issues no devices", BAD_OPTIONS, .from_oem = TRUE, .code = CHAIN_ERROR_REFUSED, .needle = "tier 'oem'" },
};

START_TEST (test_refused_before_anything)
{
  const BadCase *c = &bad_cases[_i];
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainSecret) short_passphrase = chain_secret_new ("short", 5);
  g_autoptr(ChainIssueSource) source = NULL;
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  ChainIssueDevicesOptions options = default_options (c->short_passphrase ? short_passphrase : passphrase);
  ChainWorkspace *ws = c->from_oem ? custody->oem : custody->dist;
  g_autofree char *stray = g_build_filename (out, "keep-me", NULL);
  guint64 before = ledger_length (ws);

  switch (c->kind)
    {
    case BAD_IDS:
      {
        g_autofree char *path = work_path ("ids.txt");

        test_support_write_file (path, c->ids, strlen (c->ids));
        source = chain_issue_source_new_ids_file (path, &error);
      }
      break;
    case BAD_CSRS:
      {
        g_autofree char *dir = work_path ("csrs");

        ck_assert_int_eq (g_mkdir (dir, 0700), 0);
        c->csrs (dir);
        source = chain_issue_source_new_csr_dir (dir, CHAIN_ISSUE_CSR_ID_FILE_NAME, &error);
      }
      break;
    case BAD_COUNT:
      source = chain_issue_source_new_count (c->prefix, 1, 5, &error);
      break;
    case BAD_OPTIONS:
    default:
      source = chain_issue_source_new_count ("ok-", 1, 5, &error);
      break;
    }
  test_assert_no_error (error);
  options.batch_size = c->batch_size;
  options.validity_days = c->validity_days;
  options.pkcs12 = c->pkcs12;
  if (c->out_not_empty)
    {
      ck_assert_int_eq (g_mkdir (out, 0700), 0);
      test_support_write_file (stray, "x", 1);
    }

  ck_assert_msg (!chain_issue_devices (ws, source, &options, summary, NULL, &error), "%s was accepted", c->name);
  test_assert_error_names (&error, c->code, c->needle, NULL);
  ck_assert_uint_eq (ledger_length (ws), before);
  ck_assert_uint_eq (chain_issue_summary_get_n_issued (summary), 0);
  ck_assert_uint_eq (chain_issue_summary_get_n_records (summary), 0);
  ck_assert_ptr_null (chain_issue_summary_get_manifest_csv (summary));
  if (c->out_not_empty)
    {
      g_autoptr(GDir) dir = g_dir_open (out, 0, NULL);

      ck_assert_str_eq (g_dir_read_name (dir), "keep-me");
      ck_assert_ptr_null (g_dir_read_name (dir));
    }
  else
    ck_assert_msg (!g_file_test (out, G_FILE_TEST_EXISTS), "%s: the output directory was made", c->name);
}
END_TEST

START_TEST (test_bad_sources)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = work_path ("missing");

  ck_assert_ptr_null (chain_issue_source_new_count ("x", 1, 0, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (chain_issue_source_new_count ("x", G_MAXUINT64, 2, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (chain_issue_source_new_ids_file (missing, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert_ptr_null (chain_issue_source_new_csr_dir (missing, CHAIN_ISSUE_CSR_ID_FILE_NAME, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_line_too_long)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autofree char *path = work_path ("ids.txt");
  g_autofree char *text = g_strnfill (100000, 'a');
  g_autoptr(ChainIssueSource) source = NULL;
  ChainIssueDevicesOptions options = default_options (passphrase);
  guint64 before = ledger_length (custody->dist);

  test_support_write_file (path, text, strlen (text));
  source = chain_issue_source_new_ids_file (path, &error);
  test_assert_no_error (error);
  ck_assert (!chain_issue_devices (custody->dist, source, &options, NULL, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "line 1", "1024 bytes", NULL);
  ck_assert_uint_eq (ledger_length (custody->dist), before);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
}
END_TEST

/* ---------------------------------------------------------- cancelling */

typedef struct {
  GCancellable *cancellable;
  guint64       after;
  guint64       calls;
  guint64       last_issued;
} CancelAt;

static void
cancel_when (guint64  issued,
             guint64  recorded,
             guint64  total,
             gpointer user_data)
{
  CancelAt *at = user_data;

  ck_assert_uint_ge (issued, recorded);
  ck_assert (total == 0 || issued <= total);
  ck_assert_uint_ge (issued, at->last_issued);
  at->last_issued = issued;
  at->calls++;
  if (issued >= at->after)
    g_cancellable_cancel (at->cancellable);
}

START_TEST (test_cancel_mid_run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("c-", 1, 400, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  g_autoptr(GPtrArray) ids = NULL;
  CancelAt at = { cancellable, 21, 0, 0 };
  guint64 before = ledger_length (custody->dist);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  options.batch_size = 20;
  options.progress = cancel_when;
  options.progress_data = &at;
  ck_assert (!chain_issue_devices (custody->dist, source, &options, summary, cancellable, &error));
  ck_assert_msg (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED), "not cancelled: %s",
                 error != NULL ? error->message : "(succeeded)");
  ck_assert_uint_gt (at.calls, 0);
  /* Chunks issued in full were recorded, whole; the rest left nothing. */
  ck_assert_uint_ge (chain_issue_summary_get_n_records (summary), 1);
  ck_assert_uint_lt (chain_issue_summary_get_n_issued (summary), 400);
  ck_assert_uint_eq (chain_issue_summary_get_n_issued (summary) % 20, 0);
  ck_assert_uint_eq (ledger_length (custody->dist), before + chain_issue_summary_get_n_records (summary));
  ck_assert (!chain_issue_summary_is_complete (summary));
  ids = assert_output_matches_ledger (custody->dist, summary);
  dir = g_dir_open (out, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    ck_assert_msg (!g_str_has_prefix (name, ".staging"), "%s left behind", name);
}
END_TEST

START_TEST (test_cancel_before_start)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("c-", 1, 5, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  guint64 before = ledger_length (custody->dist);

  g_cancellable_cancel (cancellable);
  ck_assert (!chain_issue_devices (custody->dist, source, &options, NULL, cancellable, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  ck_assert_uint_eq (ledger_length (custody->dist), before);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
}
END_TEST

/* ------------------------------------------------------------------ async */

typedef struct {
  ChainWorkspace *workspace;
  GMainLoop      *loop;
  gboolean        ok;
  GError         *error;
  guint           progress_calls;
  GThread        *main_thread;
} AsyncRun;

static void
async_progress (guint64  issued,
                guint64  recorded,
                guint64  total,
                gpointer user_data)
{
  AsyncRun *run = user_data;

  (void) issued;
  (void) recorded;
  (void) total;
  /* Relayed to the caller's main context. */
  ck_assert_ptr_eq (g_thread_self (), run->main_thread);
  run->progress_calls++;
}

static void
async_done (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncRun *run = user_data;

  (void) source_object;
  run->ok = chain_issue_devices_finish (run->workspace, result, &run->error);
  g_main_loop_quit (run->loop);
}

START_TEST (test_async)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("as-", 1, 30, &error);
  ChainIssueDevicesOptions options = default_options (passphrase);
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) ids = NULL;
  AsyncRun run = { custody->dist, loop, FALSE, NULL, 0, g_thread_self () };

  options.batch_size = 10;
  options.progress = async_progress;
  options.progress_data = &run;
  chain_issue_devices_async (custody->dist, source, &options, summary, NULL, async_done, &run);
  g_main_loop_run (loop);
  ck_assert_msg (run.ok, "async issue failed: %s", run.error != NULL ? run.error->message : "?");
  g_clear_error (&run.error);
  ck_assert_uint_gt (run.progress_calls, 0);
  ids = assert_output_matches_ledger (custody->dist, summary);
  ck_assert_uint_eq (ids->len, 30);
}
END_TEST

/* -------------------------------------------------------------- the CLI */

static char *
dist_dir (void)
{
  return g_strdup (chain_workspace_get_dir (custody->dist));
}

START_TEST (test_cli_stdin_json)
{
  g_autofree char *ws = dist_dir ();
  g_autofree char *ids = work_path ("ids.txt");
  g_autofree char *out_text = NULL;
  g_autofree char *err = NULL;
  g_autoptr(ChainJson) doc = NULL;
  const char *args[] = { "-C", ws, "--json", "issue", "--ids", "-", "-o", out, "--batch-size", "2", NULL };

  test_support_write_file (ids, "cli-1\ncli-2\ncli-3\n", 18);
  ck_assert_msg (test_cli_chain_env (NULL, NULL, ids, args, &out_text, &err) == 0, "chain issue: %s", err);
  doc = test_cli_parse_json ("chain issue --json", out_text);
  ck_assert_int_eq (test_cli_json_int (doc, "count"), 3);
  ck_assert_uint_eq (test_cli_json_length (doc, "records"), 2);
  ck_assert_str_eq (test_cli_json_string (doc, "records/0/first"), "cli-1");
  ck_assert_str_eq (test_cli_json_string (doc, "records/1/last"), "cli-3");
  ck_assert (test_cli_json_bool (doc, "complete"));
  ck_assert_str_eq (test_cli_json_string (doc, "output"), out);
  ck_assert (g_file_test (test_cli_json_string (doc, "manifest_csv"), G_FILE_TEST_IS_REGULAR));
  ck_assert (g_file_test (test_cli_json_string (doc, "manifest_json"), G_FILE_TEST_IS_REGULAR));
  assert_device_verifies (custody->dist, "cli-3");
}
END_TEST

START_TEST (test_cli_refusals_leave_ledger)
{
  g_autofree char *ws = dist_dir ();
  g_autofree char *before = test_cli_ledger_state (ws);
  g_autofree char *ids = work_path ("ids.txt");
  g_autofree char *err = NULL;
  const char *wrong[] = { "CHAIN_PASSPHRASE=not-the-passphrase", NULL };
  const char *args[] = { "-C", ws, "issue", "--ids", ids, "-o", out, NULL };
  const char *dup_args[] = { "-C", ws, "issue", "--ids", ids, "-o", out, NULL };

  test_support_write_file (ids, "pp-1\npp-2\n", 10);
  ck_assert_int_eq (test_cli_chain_env (NULL, wrong, NULL, args, NULL, &err), 1);
  test_cli_assert_error_line ("chain issue (wrong passphrase)", err, "passphrase");
  g_clear_pointer (&err, g_free);
  test_support_write_file (ids, "pp-1\npp-1\n", 10);
  ck_assert_int_eq (test_cli_chain (NULL, dup_args, NULL, &err), 1);
  test_cli_assert_error_line ("chain issue (duplicate)", err, "listed twice");
  {
    g_autofree char *after = test_cli_ledger_state (ws);

    ck_assert_str_eq (after, before);
  }
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_cli_usage)
{
  g_autofree char *ws = dist_dir ();
  g_autofree char *help = NULL;
  g_autofree char *err = NULL;
  const char *help_args[] = { "issue", "--help", NULL };
  const char *none[] = { "-C", ws, "issue", "-o", out, NULL };
  const char *two[] = { "-C", ws, "issue", "--count", "3", "--ids", "x", "-o", out, NULL };
  const char *no_out[] = { "-C", ws, "issue", "--count", "3", NULL };

  help = test_cli_chain_ok (NULL, help_args);
  ck_assert_ptr_nonnull (strstr (help, "Example"));
  ck_assert_ptr_nonnull (strstr (help, "--csr-dir"));
  ck_assert_int_eq (test_cli_chain (NULL, none, NULL, &err), 2);
  test_cli_assert_error_line ("chain issue", err, "exactly one of");
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (test_cli_chain (NULL, two, NULL, &err), 2);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (test_cli_chain (NULL, no_out, NULL, &err), 2);
  test_cli_assert_error_line ("chain issue", err, "-o DIR");
}
END_TEST

/* Ctrl-C: `chain issue` records what it issued, says so and exits 1. */
START_TEST (test_cli_sigint)
{
  g_autofree char *ws = dist_dir ();
  g_autofree char *csv = g_build_filename (out, "manifest.csv", NULL);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) secret = test_custody_passphrase ();
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "CHAIN_PASSPHRASE",
                                        (const char *) chain_secret_get_data (secret, NULL), TRUE);
  const char *argv[] = { test_cli_bin (), "-C", ws, "issue", "--count", "100000", "--prefix", "int-",
                         "--batch-size", "25", "-o", out, NULL };
  GPid pid;
  int err_fd;
  int status = 0;
  gboolean landed = FALSE;

  ck_assert (g_spawn_async_with_pipes (NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                       &pid, NULL, NULL, &err_fd, &error));
  test_assert_no_error (error);
  /* Wait for the first record's devices in the manifest, then interrupt. */
  for (guint i = 0; i < 6000 && !landed; i++)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (csv, &text, NULL, NULL))
        {
          const char *header_end = strchr (text, '\n');

          landed = header_end != NULL && strchr (header_end + 1, '\n') != NULL;
        }
      if (!landed)
        g_usleep (50 * 1000);
    }
  ck_assert_msg (landed, "no record landed");
  kill (pid, SIGINT);
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  {
    g_autoptr(GIOChannel) channel = g_io_channel_unix_new (err_fd);

    g_io_channel_set_close_on_unref (channel, TRUE);
    g_io_channel_read_to_end (channel, &err, NULL, NULL);
  }
  ck_assert (WIFEXITED (status));
  ck_assert_int_eq (WEXITSTATUS (status), 1);
  test_cli_assert_error_line ("chain issue (interrupted)", err, "interrupted");
  ck_assert_ptr_nonnull (strstr (err, "issued and recorded"));
  ck_assert_ptr_nonnull (strstr (err, "--start"));

  /* The output and the ledger agree: rebuild the summary from manifest.json. */
  {
    g_autofree char *json_path = g_build_filename (out, "manifest.json", NULL);
    g_autofree char *json_text = test_cli_read_file (json_path, NULL);
    g_autoptr(ChainJson) doc = test_cli_parse_json ("manifest.json", json_text);
    g_autoptr(ChainWorkspace) reopened = test_custody_open (ws);
    guint64 n_records = test_cli_json_length (doc, "records");
    guint64 total = 0;

    ck_assert (!test_cli_json_bool (doc, "complete"));
    ck_assert_uint_gt (n_records, 0);
    for (guint i = 0; i < n_records; i++)
      {
        g_autofree char *p = g_strdup_printf ("records/%u/count", i);

        total += (guint64) test_cli_json_int (doc, p);
      }
    ck_assert_uint_eq (total, (guint64) test_cli_json_int (doc, "count"));
    ck_assert_uint_eq (total % 25, 0);
    ck_assert_ptr_nonnull (strstr (err, "interrupted"));
    /* Every device listed is a directory, nothing else is there, and the
     * ledger audits clean. */
    {
      g_autoptr(GDir) dir = g_dir_open (out, 0, NULL);
      const char *name;
      guint64 n = 0;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          ck_assert_msg (!g_str_has_prefix (name, ".staging"), "%s left behind", name);
          n++;
        }
      ck_assert_uint_eq (n, total + 2);
    }
    {
      g_autoptr(ChainAuditReport) report = NULL;

      ck_assert (chain_audit_repository (chain_ledger_get_path (chain_workspace_get_ledger (reopened)),
                                         NULL, &report, NULL, &error));
      test_assert_no_error (error);
      ck_assert (chain_audit_report_is_ok (report));
    }
  }
  g_spawn_close_pid (pid);
}
END_TEST

static Suite *
issue_suite (void)
{
  Suite *s = suite_create ("issue");
  TCase *tc = tcase_create ("sources");
  TCase *refused = tcase_create ("refused");
  TCase *stop = tcase_create ("cancel");
  TCase *cli = tcase_create ("cli");
  TCase *cases[] = { tc, refused, stop, cli };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      tcase_add_unchecked_fixture (cases[i], base_setup, base_teardown);
      tcase_add_checked_fixture (cases[i], setup, teardown);
      tcase_set_timeout (cases[i], 600);
    }
  tcase_add_test (tc, test_count_prefix_chunked);
  tcase_add_test (tc, test_count_first_number);
  tcase_add_test (tc, test_ids_file);
  tcase_add_test (tc, test_ids_stream);
  tcase_add_test (tc, test_stream_bad_later_chunk);
  tcase_add_test (tc, test_csr_dir);
  tcase_add_test (tc, test_csr_dir_ids_from_cn);
  tcase_add_test (tc, test_csr_dir_changed_after_check);
  tcase_add_test (tc, test_pkcs12_and_root);
  tcase_add_test (tc, test_per_batch_layout);
  tcase_add_test (tc, test_per_batch_layout_csrs_cli);
  tcase_add_test (tc, test_pkcs12_wrong_passphrase);
  tcase_add_test (tc, test_upload_ca_intermediate);
  tcase_add_test (tc, test_validity);
  tcase_add_test (tc, test_async);
  tcase_add_loop_test (tc, test_key_algorithms, 0, G_N_ELEMENTS (key_algorithms));
  tcase_add_loop_test (tc, test_issuer_der_fast_path, 0, G_N_ELEMENTS (key_algorithms));
  suite_add_tcase (s, tc);

  tcase_add_loop_test (refused, test_refused_before_anything, 0, G_N_ELEMENTS (bad_cases));
  tcase_add_test (refused, test_bad_sources);
  tcase_add_test (refused, test_line_too_long);
  suite_add_tcase (s, refused);

  tcase_add_test (stop, test_cancel_mid_run);
  tcase_add_test (stop, test_cancel_before_start);
  suite_add_tcase (s, stop);

  tcase_add_test (cli, test_cli_stdin_json);
  tcase_add_test (cli, test_cli_refusals_leave_ledger);
  tcase_add_test (cli, test_cli_usage);
  tcase_add_test (cli, test_cli_sigint);
  suite_add_tcase (s, cli);
  return s;
}

int
main (void)
{
  return test_support_run_suite (issue_suite ());
}
