/* test-cert.c — reading certificates made by the openssl command line
 *
 * The certificates come from `openssl req` / `x509 -req` / `ca`, not from
 * libchain's issuer, so parsing and the getters are checked against an
 * independent producer; expected values come from `openssl x509` itself.
 */
#include "test-support.h"

#include <openssl/pem.h>
#include <string.h>

#include "chain-pki-private.h"

static char *tmpdir = NULL;

static const char req_config[] =
  "[req]\n"
  "distinguished_name = dn\n"
  "prompt = no\n"
  "[dn]\n"
  "CN = unused\n"
  "[ca_unlimited]\n"
  "basicConstraints = critical,CA:TRUE\n"
  "keyUsage = critical,keyCertSign,cRLSign\n"
  "subjectKeyIdentifier = hash\n"
  "[ca_pathlen2]\n"
  "basicConstraints = critical,CA:TRUE,pathlen:2\n"
  "keyUsage = critical,keyCertSign,cRLSign\n"
  "[ca_constrained]\n"
  "basicConstraints = critical,CA:TRUE,pathlen:0\n"
  "keyUsage = critical,keyCertSign,cRLSign\n"
  "nameConstraints = critical,permitted;DNS:example.com,permitted;IP:10.0.0.0/255.0.0.0,"
  "permitted;dirName:nc_dir,excluded;email:.example.com\n"
  "[nc_dir]\n"
  "C = DE\n"
  "O = Widget Ltd\n"
  "[leaf]\n"
  "basicConstraints = critical,CA:FALSE\n"
  "keyUsage = critical,digitalSignature\n"
  "extendedKeyUsage = clientAuth\n";

/* What the intermediate's nameConstraints above read as. */
#define INT_CONSTRAINTS \
  "permitted:DNS:example.com\n" \
  "permitted:IP:10.0.0.0/8\n" \
  "permitted:dirName:O=Widget Ltd,C=DE\n" \
  "excluded:email:.example.com\n"

/* The leaf's validity, set with `openssl ca`: UTCTime and GeneralizedTime. */
#define LEAF_NOT_BEFORE G_GINT64_CONSTANT (1893456000)   /* 2030-01-01 00:00:00Z */
#define LEAF_NOT_AFTER G_GINT64_CONSTANT (2713910399)    /* 2055-12-31 23:59:59Z */
#define LEAF_SERIAL "80112233445566778899aabbccddeeff00112233"

static const char *const all_certs[] = { "root", "int", "leaf", "p384", "rsa", "p521", "ed25519" };

/* What `openssl x509` says about each of all_certs. Gathered in the fixture:
 * Check forks each test, and GSubprocess cannot run in a child forked from
 * a process whose GLib worker thread is already running. */
typedef struct {
  char *sha1;
  char *sha256;
  char *serial;
  char *subject;
  char *issuer;
  char *not_before;
  char *not_after;
  char *pubkey;
} OpensslFacts;

static OpensslFacts facts[G_N_ELEMENTS (all_certs)];

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Runs a NULL-terminated command line; fails the test unless it exits 0.
 * Returns its standard output.
 *
 * Only the unchecked fixture runs commands, in the process Check forks each
 * test from. g_spawn_sync() starts no threads there; GSubprocess (and so
 * test_support_run()) would leave GLib worker threads behind, which a
 * forked test cannot use (it hangs) and LeakSanitizer reports as leaks. */
static G_GNUC_NULL_TERMINATED char *
run_ok (const char *first,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  const char *arg;
  va_list args;
  int status = -1;

  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  ck_assert_msg (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error),
                 "cannot run %s: %s", first, error ? error->message : "");
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "%s %s failed: %s", first,
                 argv->len > 1 ? (const char *) argv->pdata[1] : "", err);
  return out;
}

/* Runs openssl with paths relative to the temporary directory. */
#define OPENSSL(...) g_free (run_ok ("openssl", __VA_ARGS__, NULL))

static void
make_self_signed (const char *name,
                  const char *newkey,
                  const char *pkeyopt,
                  const char *subject,
                  const char *extensions)
{
  g_autofree char *config = tmp_path ("req.cnf");
  g_autofree char *key = g_strconcat (tmpdir, "/", name, ".key", NULL);
  g_autofree char *pem = g_strconcat (tmpdir, "/", name, ".pem", NULL);

  if (pkeyopt != NULL)
    OPENSSL ("req", "-x509", "-config", config, "-extensions", extensions, "-newkey", newkey,
             "-pkeyopt", pkeyopt, "-nodes", "-keyout", key, "-out", pem, "-subj", subject,
             "-utf8", "-days", "3650", "-set_serial", "0xc0ffee");
  else
    OPENSSL ("req", "-x509", "-config", config, "-extensions", extensions, "-newkey", newkey,
             "-nodes", "-keyout", key, "-out", pem, "-subj", subject, "-utf8", "-days", "3650",
             "-set_serial", "0xc0ffee");
}

static void
to_der (const char *name)
{
  g_autofree char *pem = g_strconcat (tmpdir, "/", name, ".pem", NULL);
  g_autofree char *der = g_strconcat (tmpdir, "/", name, ".der", NULL);

  OPENSSL ("x509", "-in", pem, "-outform", "DER", "-out", der);
}

/* `openssl x509 -in NAME.pem OPTION...` output after the first '='. */
static char *
openssl_x509_value (const char *name,
                    const char *option,
                    const char *option2)
{
  g_autofree char *pem = g_strconcat (tmpdir, "/", name, ".pem", NULL);
  g_autofree char *out = NULL;
  const char *equals;

  if (option2 != NULL)
    out = run_ok ("openssl", "x509", "-in", pem, "-noout", option, option2, NULL);
  else
    out = run_ok ("openssl", "x509", "-in", pem, "-noout", option, NULL);
  equals = strchr (out, '=');
  ck_assert_ptr_nonnull (equals);
  return g_strchomp (g_strdup (equals + 1));
}

/* root (P-256, no path length) → int (pathLen 0, name constraints)
 * → leaf (fixed times and serial, via `openssl ca`); plus odd ones. */
static void
setup (void)
{
  g_autofree char *req_cnf = NULL;
  g_autofree char *ca_cnf = NULL;
  g_autofree char *ca_text = NULL;
  g_autofree char *index = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *root_pem = NULL;
  g_autofree char *root_key = NULL;
  g_autofree char *int_pem = NULL;
  g_autofree char *int_key = NULL;
  g_autofree char *int_csr = NULL;
  g_autofree char *leaf_key = NULL;
  g_autofree char *leaf_csr = NULL;
  g_autofree char *leaf_csr_der = NULL;
  g_autofree char *leaf_pem = NULL;

  tmpdir = test_support_tmpdir_new ();
  req_cnf = tmp_path ("req.cnf");
  test_support_write_file (req_cnf, req_config, strlen (req_config));

  make_self_signed ("root", "ec", "ec_paramgen_curve:P-256", "/C=DE/O=Widget Ltd/CN=Root CA",
                    "ca_unlimited");
  root_pem = tmp_path ("root.pem");
  root_key = tmp_path ("root.key");

  int_key = tmp_path ("int.key");
  int_csr = tmp_path ("int.csr");
  int_pem = tmp_path ("int.pem");
  OPENSSL ("req", "-new", "-config", req_cnf, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", int_key, "-out", int_csr, "-subj", "/C=DE/O=Widget Ltd/CN=Line 3 CA");
  OPENSSL ("x509", "-req", "-in", int_csr, "-CA", root_pem, "-CAkey", root_key, "-set_serial", "0",
           "-days", "365", "-extfile", req_cnf, "-extensions", "ca_constrained", "-out", int_pem);

  /* `openssl ca` is the one tool here that sets exact validity times. */
  ca_cnf = tmp_path ("ca.cnf");
  ca_text = g_strdup_printf ("[ca]\ndefault_ca = ca_default\n"
                             "[ca_default]\ndatabase = %s/index.txt\nnew_certs_dir = %s\n"
                             "serial = %s/serial\ndefault_md = sha256\npolicy = policy_any\n"
                             "email_in_dn = no\nunique_subject = no\n"
                             "[policy_any]\ncountryName = optional\norganizationName = optional\n"
                             "commonName = supplied\n"
                             "[leaf]\nbasicConstraints = critical,CA:FALSE\n"
                             "keyUsage = critical,digitalSignature\nextendedKeyUsage = clientAuth\n",
                             tmpdir, tmpdir, tmpdir);
  test_support_write_file (ca_cnf, ca_text, strlen (ca_text));
  index = tmp_path ("index.txt");
  test_support_write_file (index, "", 0);
  serial = tmp_path ("serial");
  test_support_write_file (serial, LEAF_SERIAL "\n", strlen (LEAF_SERIAL "\n"));
  leaf_key = tmp_path ("leaf.key");
  leaf_csr = tmp_path ("leaf.csr");
  leaf_csr_der = tmp_path ("leaf.csr.der");
  leaf_pem = tmp_path ("leaf.pem");
  OPENSSL ("req", "-new", "-config", req_cnf, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", leaf_key, "-out", leaf_csr, "-subj", "/O=Widget Ltd/CN=device-001");
  OPENSSL ("req", "-in", leaf_csr, "-outform", "DER", "-out", leaf_csr_der);
  OPENSSL ("ca", "-batch", "-config", ca_cnf, "-cert", int_pem, "-keyfile", int_key, "-in", leaf_csr,
           "-out", leaf_pem, "-startdate", "20300101000000Z", "-enddate", "20551231235959Z",
           "-extensions", "leaf", "-notext");

  make_self_signed ("p384", "ec", "ec_paramgen_curve:P-384",
                    "/DC=com/DC=example/C=DE/O=Müller, GmbH/OU=a\\+b;c/serialNumber=42/CN=Grüße \"x\" ",
                    "ca_pathlen2");
  make_self_signed ("rsa", "rsa:2048", NULL, "/CN=rsa", "leaf");
  make_self_signed ("p521", "ec", "ec_paramgen_curve:P-521", "/CN=p521", "leaf");
  make_self_signed ("ed25519", "ed25519", NULL, "/CN=ed25519", "leaf");

  to_der ("root");
  to_der ("leaf");

  for (gsize i = 0; i < G_N_ELEMENTS (all_certs); i++)
    {
      g_autofree char *pem = g_strconcat (tmpdir, "/", all_certs[i], ".pem", NULL);

      facts[i].sha1 = openssl_x509_value (all_certs[i], "-fingerprint", "-sha1");
      facts[i].sha256 = openssl_x509_value (all_certs[i], "-fingerprint", "-sha256");
      facts[i].serial = openssl_x509_value (all_certs[i], "-serial", NULL);
      facts[i].subject = openssl_x509_value (all_certs[i], "-subject", "-nameopt=RFC2253,-esc_msb");
      facts[i].issuer = openssl_x509_value (all_certs[i], "-issuer", "-nameopt=RFC2253,-esc_msb");
      facts[i].not_before = openssl_x509_value (all_certs[i], "-startdate", "-dateopt=iso_8601");
      facts[i].not_after = openssl_x509_value (all_certs[i], "-enddate", "-dateopt=iso_8601");
      facts[i].pubkey = run_ok ("openssl", "x509", "-in", pem, "-noout", "-pubkey", NULL);
    }
}

static void
teardown (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (all_certs); i++)
    {
      g_free (facts[i].sha1);
      g_free (facts[i].sha256);
      g_free (facts[i].serial);
      g_free (facts[i].subject);
      g_free (facts[i].issuer);
      g_free (facts[i].not_before);
      g_free (facts[i].not_after);
      g_free (facts[i].pubkey);
    }
  memset (facts, 0, sizeof facts);
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static GBytes *
read_file (const char *name)
{
  g_autofree char *path = tmp_path (name);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  ck_assert_msg (g_file_get_contents (path, &contents, &len, &error), "%s", error ? error->message : "");
  return g_bytes_new_take (contents, len);
}

static ChainCert *
parse_bytes_ok (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  ChainCert *cert = chain_cert_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (cert);
  return cert;
}

static ChainCert *
parse_file_ok (const char *name)
{
  g_autoptr(GBytes) bytes = read_file (name);

  return parse_bytes_ok (bytes);
}

static void
assert_parse_fails (const guint8 *data,
                    gsize         len,
                    const char   *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) cert = chain_cert_parse (data, len, &error);

  ck_assert_ptr_null (cert);
  ck_assert_ptr_nonnull (error);
  if (message_part != NULL)
    ck_assert_msg (strstr (error->message, message_part) != NULL,
                   "message \"%s\" does not mention \"%s\"", error->message, message_part);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}

/* Parsing */

START_TEST (test_parse_pem_and_der_agree)
{
  g_autoptr(GBytes) der = read_file ("root.der");
  g_autoptr(ChainCert) from_pem = parse_file_ok ("root.pem");
  g_autoptr(ChainCert) from_der = parse_bytes_ok (der);
  g_autoptr(GBytes) der_out = chain_cert_to_der (from_pem);

  ck_assert (chain_cert_equal (from_pem, from_der));
  ck_assert (g_bytes_equal (der_out, der));
}
END_TEST

START_TEST (test_to_pem_matches_openssl)
{
  g_autoptr(GBytes) pem = read_file ("leaf.pem");
  g_autoptr(GBytes) der = read_file ("leaf.der");
  g_autoptr(ChainCert) cert = parse_bytes_ok (der);
  g_autoptr(GBytes) pem_out = chain_cert_to_pem (cert);
  g_autoptr(ChainCert) again = parse_bytes_ok (pem_out);

  ck_assert (g_bytes_equal (pem_out, pem));
  ck_assert (chain_cert_equal (cert, again));
}
END_TEST

START_TEST (test_parse_leading_white_space)
{
  g_autoptr(GBytes) pem = read_file ("root.pem");
  g_autofree char *padded = g_strdup_printf ("\n\n  %.*s\n\n", (int) g_bytes_get_size (pem),
                                             (const char *) g_bytes_get_data (pem, NULL));
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) cert = chain_cert_parse ((const guint8 *) padded, strlen (padded), &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (cert);
}
END_TEST

START_TEST (test_csr_pem_is_not_a_certificate)
{
  g_autoptr(GBytes) csr = read_file ("leaf.csr");

  assert_parse_fails (g_bytes_get_data (csr, NULL), g_bytes_get_size (csr), "CERTIFICATE REQUEST");
}
END_TEST

START_TEST (test_csr_der_is_not_a_certificate)
{
  g_autoptr(GBytes) csr = read_file ("leaf.csr.der");

  assert_parse_fails (g_bytes_get_data (csr, NULL), g_bytes_get_size (csr), "X.509");
}
END_TEST

START_TEST (test_private_key_is_not_a_certificate)
{
  g_autoptr(GBytes) key = read_file ("leaf.key");

  assert_parse_fails (g_bytes_get_data (key, NULL), g_bytes_get_size (key), "PRIVATE KEY");
}
END_TEST

START_TEST (test_pem_trailing_garbage)
{
  g_autoptr(GBytes) pem = read_file ("root.pem");
  g_autofree char *text = g_strdup_printf ("%.*sgarbage\n", (int) g_bytes_get_size (pem),
                                           (const char *) g_bytes_get_data (pem, NULL));

  assert_parse_fails ((const guint8 *) text, strlen (text), NULL);
}
END_TEST

START_TEST (test_pem_text_before_block)
{
  g_autoptr(GBytes) pem = read_file ("root.pem");
  g_autofree char *text = g_strdup_printf ("Subject: Root CA\n%.*s", (int) g_bytes_get_size (pem),
                                           (const char *) g_bytes_get_data (pem, NULL));

  assert_parse_fails ((const guint8 *) text, strlen (text), NULL);
}
END_TEST

START_TEST (test_der_trailing_garbage)
{
  g_autoptr(GBytes) der = read_file ("root.der");
  gsize len = g_bytes_get_size (der);
  g_autofree guint8 *data = g_malloc (len + 1);

  memcpy (data, g_bytes_get_data (der, NULL), len);
  data[len] = 0;
  assert_parse_fails (data, len + 1, NULL);
}
END_TEST

START_TEST (test_two_certificates_refused)
{
  g_autoptr(GBytes) root = read_file ("root.pem");
  g_autoptr(GBytes) leaf = read_file ("leaf.pem");
  g_autofree char *text = g_strdup_printf ("%.*s%.*s",
                                           (int) g_bytes_get_size (leaf), (const char *) g_bytes_get_data (leaf, NULL),
                                           (int) g_bytes_get_size (root), (const char *) g_bytes_get_data (root, NULL));

  assert_parse_fails ((const guint8 *) text, strlen (text), NULL);
}
END_TEST

START_TEST (test_truncated_der)
{
  g_autoptr(GBytes) der = read_file ("root.der");

  assert_parse_fails (g_bytes_get_data (der, NULL), g_bytes_get_size (der) - 10, NULL);
  assert_parse_fails (g_bytes_get_data (der, NULL), 1, NULL);
}
END_TEST

START_TEST (test_truncated_pem)
{
  g_autoptr(GBytes) pem = read_file ("root.pem");

  assert_parse_fails (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem) / 2, NULL);
}
END_TEST

/* The outer length is right but what is inside is no certificate. */
START_TEST (test_corrupt_der)
{
  g_autoptr(GBytes) der = read_file ("root.der");
  gsize len = g_bytes_get_size (der);
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (der, NULL), len);
  static const guint8 not_a_cert[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };

  /* 30 82 LL LL | 30 82 ... : make the tbsCertificate an INTEGER. */
  ck_assert_uint_eq (data[4], 0x30);
  data[4] = 0x02;
  assert_parse_fails (data, len, "X.509");
  assert_parse_fails (not_a_cert, sizeof not_a_cert, "X.509");
}
END_TEST

START_TEST (test_empty_input)
{
  assert_parse_fails (NULL, 0, "empty");
  assert_parse_fails ((const guint8 *) "", 0, "empty");
}
END_TEST

START_TEST (test_garbage_input)
{
  const char *text = "hello, certificate";

  assert_parse_fails ((const guint8 *) text, strlen (text), NULL);
}
END_TEST

/* Valid PEM followed by white space is accepted up to 64 KiB, not beyond. */
START_TEST (test_size_cap)
{
  g_autoptr(GBytes) pem = read_file ("root.pem");
  gsize pem_len = g_bytes_get_size (pem);
  g_autofree guint8 *data = g_malloc (CHAIN_INPUT_MAX_LEN + 1);
  g_autoptr(ChainCert) at_cap = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert_int_eq (CHAIN_INPUT_MAX_LEN, 64 * 1024);
  memset (data, '\n', CHAIN_INPUT_MAX_LEN + 1);
  memcpy (data, g_bytes_get_data (pem, NULL), pem_len);

  at_cap = chain_cert_parse (data, CHAIN_INPUT_MAX_LEN, &error);
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (at_cap);
  assert_parse_fails (data, CHAIN_INPUT_MAX_LEN + 1, "too large");
}
END_TEST

/* Bundles */

static GBytes *
concat_files (const char *const *names,
              const char        *separator)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GBytes) bytes = read_file (names[i]);

      g_string_append_len (out, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes));
      g_string_append (out, separator);
    }
  return g_string_free_to_bytes (out);
}

START_TEST (test_bundle_of_three_in_order)
{
  static const char *const names[] = { "leaf.pem", "int.pem", "root.pem", NULL };
  g_autoptr(GBytes) bundle = concat_files (names, "\n");
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(GError) error = NULL;

  certs = chain_cert_parse_bundle (g_bytes_get_data (bundle, NULL), g_bytes_get_size (bundle), &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (certs->len, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ChainCert) single = parse_file_ok (names[i]);

      ck_assert_msg (chain_cert_equal (g_ptr_array_index (certs, i), single), "certificate %u", i);
    }
}
END_TEST

START_TEST (test_bundle_of_one)
{
  g_autoptr(GBytes) pem = read_file ("root.pem");
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(GError) error = NULL;

  certs = chain_cert_parse_bundle (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem), &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (certs->len, 1);
}
END_TEST

static GBytes *
repeated_bundle (guint n)
{
  g_autoptr(GBytes) pem = read_file ("leaf.pem");
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_len (out, g_bytes_get_data (pem, NULL), (gssize) g_bytes_get_size (pem));
  return g_string_free_to_bytes (out);
}

START_TEST (test_bundle_limit)
{
  g_autoptr(GBytes) at_limit = repeated_bundle (64);
  g_autoptr(GBytes) over_limit = repeated_bundle (65);
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(GPtrArray) too_many = NULL;
  g_autoptr(GError) error = NULL;

  certs = chain_cert_parse_bundle (g_bytes_get_data (at_limit, NULL), g_bytes_get_size (at_limit), &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (certs->len, 64);

  too_many = chain_cert_parse_bundle (g_bytes_get_data (over_limit, NULL),
                                      g_bytes_get_size (over_limit), &error);
  ck_assert_ptr_null (too_many);
  ck_assert_msg (strstr (error->message, "64") != NULL, "message: %s", error->message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

static void
assert_bundle_fails (GBytes     *bundle,
                     const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) certs = NULL;

  certs = chain_cert_parse_bundle (g_bytes_get_data (bundle, NULL), g_bytes_get_size (bundle), &error);
  ck_assert_ptr_null (certs);
  ck_assert_ptr_nonnull (error);
  if (message_part != NULL)
    ck_assert_msg (strstr (error->message, message_part) != NULL,
                   "message \"%s\" does not mention \"%s\"", error->message, message_part);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}

START_TEST (test_bundle_invalid)
{
  static const char *const with_csr[] = { "leaf.pem", "leaf.csr", NULL };
  static const char *const der[] = { "root.der", NULL };
  g_autoptr(GBytes) csr_bundle = concat_files (with_csr, "");
  g_autoptr(GBytes) der_bundle = concat_files (der, "");
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) trailing = NULL;
  g_autoptr(GBytes) not_a_cert = NULL;
  static const char *const two[] = { "leaf.pem", "root.pem", NULL };

  assert_bundle_fails (csr_bundle, "CERTIFICATE REQUEST");
  assert_bundle_fails (der_bundle, NULL);
  assert_bundle_fails (empty, "empty");

  trailing = concat_files (two, "# end of bundle\n");
  assert_bundle_fails (trailing, NULL);

  /* A well-formed PEM block whose DER is no certificate. */
  {
    g_autoptr(GBytes) leaf = read_file ("leaf.pem");
    g_autofree char *text = g_strdup_printf ("%.*s-----BEGIN CERTIFICATE-----\nMAMCAQU=\n"
                                             "-----END CERTIFICATE-----\n",
                                             (int) g_bytes_get_size (leaf),
                                             (const char *) g_bytes_get_data (leaf, NULL));

    not_a_cert = g_bytes_new (text, strlen (text));
    assert_bundle_fails (not_a_cert, "Certificate 2 of the bundle");
  }
}
END_TEST

/* Getters, checked against `openssl x509` */

START_TEST (test_thumbprints_match_openssl)
{
  const char *name = all_certs[_i];
  g_autofree char *file = g_strconcat (name, ".pem", NULL);
  g_autoptr(ChainCert) cert = parse_file_ok (file);
  g_auto(GStrv) sha1_parts = g_strsplit (facts[_i].sha1, ":", -1);
  g_auto(GStrv) sha256_parts = g_strsplit (facts[_i].sha256, ":", -1);
  g_autofree char *openssl_sha1 = g_strjoinv ("", sha1_parts);
  g_autofree char *openssl_sha256 = g_strjoinv ("", sha256_parts);
  g_autofree char *expected_sha1 = g_ascii_strdown (openssl_sha1, -1);
  g_autofree char *expected_sha256 = g_ascii_strdown (openssl_sha256, -1);
  g_autofree char *ours_sha1 = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA1);
  g_autofree char *ours_sha256 = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA256);

  ck_assert_uint_eq (strlen (ours_sha1), 40);
  ck_assert_uint_eq (strlen (ours_sha256), 64);
  ck_assert_str_eq (ours_sha1, expected_sha1);
  ck_assert_str_eq (ours_sha256, expected_sha256);
  ck_assert (chain_hex_is_lower (ours_sha256, 64));
  /* What Azure's portal shows is what openssl prints, without colons. */
  {
    g_autofree char *shown = chain_thumbprint_format_for_display (ours_sha1);

    ck_assert_str_eq (shown, openssl_sha1);
  }
}
END_TEST

START_TEST (test_serial_matches_openssl)
{
  const char *name = all_certs[_i];
  g_autofree char *file = g_strconcat (name, ".pem", NULL);
  g_autoptr(ChainCert) cert = parse_file_ok (file);
  g_autofree char *expected = g_ascii_strdown (facts[_i].serial, -1);
  g_autofree char *serial = chain_cert_dup_serial (cert);

  ck_assert_str_eq (serial, expected);
}
END_TEST

START_TEST (test_serial_values)
{
  g_autoptr(ChainCert) root = parse_file_ok ("root.pem");
  g_autoptr(ChainCert) intermediate = parse_file_ok ("int.pem");
  g_autoptr(ChainCert) leaf = parse_file_ok ("leaf.pem");
  g_autofree char *root_serial = chain_cert_dup_serial (root);
  g_autofree char *int_serial = chain_cert_dup_serial (intermediate);
  g_autofree char *leaf_serial = chain_cert_dup_serial (leaf);

  ck_assert_str_eq (root_serial, "c0ffee");
  ck_assert_str_eq (int_serial, "00");
  /* High bit set: DER pads with 0x00, the serial does not show it. */
  ck_assert_str_eq (leaf_serial, LEAF_SERIAL);
}
END_TEST

START_TEST (test_names_match_openssl)
{
  const char *name = all_certs[_i];
  g_autofree char *file = g_strconcat (name, ".pem", NULL);
  g_autoptr(ChainCert) cert = parse_file_ok (file);
  g_autoptr(ChainName) subject = chain_cert_dup_subject (cert);
  g_autoptr(ChainName) issuer = chain_cert_dup_issuer (cert);
  g_autofree char *subject_text = chain_name_to_string (subject);
  g_autofree char *issuer_text = chain_name_to_string (issuer);
  g_autoptr(ChainName) reparsed = NULL;
  g_autoptr(GError) error = NULL;
  unsigned char *ours = NULL;
  unsigned char *theirs = NULL;
  int ours_len;
  int theirs_len;

  ck_assert_str_eq (subject_text, facts[_i].subject);
  ck_assert_str_eq (issuer_text, facts[_i].issuer);

  /* Our parser encodes the text exactly as OpenSSL's -utf8 -subj did. */
  reparsed = chain_name_parse (subject_text, &error);
  test_assert_no_error (error);
  ours_len = i2d_X509_NAME (chain_name_get_x509_name (reparsed), &ours);
  theirs_len = i2d_X509_NAME (X509_get_subject_name (chain_cert_get_x509 (cert)), &theirs);
  ck_assert_int_gt (ours_len, 0);
  ck_assert_int_eq (ours_len, theirs_len);
  ck_assert_mem_eq (ours, theirs, (size_t) ours_len);
  OPENSSL_free (ours);
  OPENSSL_free (theirs);
}
END_TEST

START_TEST (test_names_chain)
{
  g_autoptr(ChainCert) root = parse_file_ok ("root.pem");
  g_autoptr(ChainCert) intermediate = parse_file_ok ("int.pem");
  g_autoptr(ChainCert) leaf = parse_file_ok ("leaf.pem");
  g_autoptr(ChainName) root_subject = chain_cert_dup_subject (root);
  g_autoptr(ChainName) root_issuer = chain_cert_dup_issuer (root);
  g_autoptr(ChainName) int_subject = chain_cert_dup_subject (intermediate);
  g_autoptr(ChainName) int_issuer = chain_cert_dup_issuer (intermediate);
  g_autoptr(ChainName) leaf_subject = chain_cert_dup_subject (leaf);
  g_autoptr(ChainName) leaf_issuer = chain_cert_dup_issuer (leaf);
  g_autofree char *leaf_text = chain_name_to_string (leaf_subject);
  g_autofree char *cn = chain_name_dup_common_name (leaf_subject);

  ck_assert (chain_name_equal (root_subject, root_issuer));
  ck_assert (chain_name_equal (int_issuer, root_subject));
  ck_assert (chain_name_equal (leaf_issuer, int_subject));
  ck_assert (!chain_name_equal (leaf_subject, int_subject));
  ck_assert_str_eq (leaf_text, "CN=device-001,O=Widget Ltd");
  ck_assert_str_eq (cn, "device-001");
}
END_TEST

START_TEST (test_times_exact)
{
  g_autoptr(ChainCert) leaf = parse_file_ok ("leaf.pem");

  ck_assert_int_eq (chain_cert_get_not_before (leaf), LEAF_NOT_BEFORE);
  ck_assert_int_eq (chain_cert_get_not_after (leaf), LEAF_NOT_AFTER);
}
END_TEST

static gint64
openssl_time (const char *iso_8601)
{
  g_autofree char *text = g_strdup (iso_8601);
  g_autoptr(GDateTime) time = NULL;

  /* "2026-11-26 23:14:54Z" */
  g_strdelimit (text, " ", 'T');
  time = g_date_time_new_from_iso8601 (text, NULL);
  ck_assert_msg (time != NULL, "cannot read %s", text);
  return g_date_time_to_unix (time);
}

START_TEST (test_times_match_openssl)
{
  const char *name = all_certs[_i];
  g_autofree char *file = g_strconcat (name, ".pem", NULL);
  g_autoptr(ChainCert) cert = parse_file_ok (file);

  ck_assert_int_eq (chain_cert_get_not_before (cert), openssl_time (facts[_i].not_before));
  ck_assert_int_eq (chain_cert_get_not_after (cert), openssl_time (facts[_i].not_after));
  ck_assert_int_gt (chain_cert_get_not_after (cert), chain_cert_get_not_before (cert));
}
END_TEST

START_TEST (test_basic_constraints)
{
  static const struct {
    const char *file;
    gboolean    is_ca;
    int         path_len;
  } cases[] = {
    { "root.pem", TRUE, CHAIN_PATH_LEN_UNLIMITED },
    { "int.pem", TRUE, 0 },
    { "p384.pem", TRUE, 2 },
    { "leaf.pem", FALSE, CHAIN_PATH_LEN_UNLIMITED },
    { "rsa.pem", FALSE, CHAIN_PATH_LEN_UNLIMITED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ChainCert) cert = parse_file_ok (cases[i].file);

      ck_assert_msg (chain_cert_is_ca (cert) == cases[i].is_ca, "%s", cases[i].file);
      if (cases[i].is_ca)
        ck_assert_int_eq (chain_cert_get_path_len (cert), cases[i].path_len);
    }
}
END_TEST

START_TEST (test_name_constraints_read_back)
{
  g_autoptr(ChainCert) intermediate = parse_file_ok ("int.pem");
  g_autoptr(ChainCert) root = parse_file_ok ("root.pem");
  g_autoptr(ChainNameConstraints) nc = chain_cert_dup_name_constraints (intermediate);
  g_autoptr(ChainNameConstraints) ours = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  X509 *x509 = chain_cert_get_x509 (intermediate);
  const ASN1_OCTET_STRING *extension;
  unsigned char *ours_der = NULL;
  int ours_len;

  ck_assert_ptr_null (chain_cert_dup_name_constraints (root));
  ck_assert_ptr_nonnull (nc);
  text = chain_name_constraints_to_string (nc);
  ck_assert_str_eq (text, INT_CONSTRAINTS);

  /* The same text through our parser gives OpenSSL's DER byte for byte. */
  ours = chain_name_constraints_parse (INT_CONSTRAINTS, &error);
  test_assert_no_error (error);
  extension = X509_EXTENSION_get_data (X509_get_ext (x509, X509_get_ext_by_NID (x509, NID_name_constraints, -1)));
  ours_len = ASN1_item_i2d ((const ASN1_VALUE *) chain_name_constraints_get_nc (ours), &ours_der,
                            ASN1_ITEM_rptr (NAME_CONSTRAINTS));
  ck_assert_int_eq (ours_len, ASN1_STRING_length (extension));
  ck_assert_mem_eq (ours_der, ASN1_STRING_get0_data (extension), (size_t) ours_len);
  OPENSSL_free (ours_der);
}
END_TEST

START_TEST (test_key_algorithms)
{
  static const struct {
    const char       *file;
    ChainKeyAlgorithm algorithm;
  } cases[] = {
    { "root.pem", CHAIN_KEY_ALGORITHM_EC_P256 },
    { "p384.pem", CHAIN_KEY_ALGORITHM_EC_P384 },
    { "rsa.pem", CHAIN_KEY_ALGORITHM_RSA_2048 },
    { "p521.pem", CHAIN_KEY_ALGORITHM_INVALID },
    { "ed25519.pem", CHAIN_KEY_ALGORITHM_INVALID },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ChainCert) cert = parse_file_ok (cases[i].file);

      ck_assert_msg (chain_cert_get_key_algorithm (cert) == cases[i].algorithm, "%s", cases[i].file);
    }
}
END_TEST

/* A keyless parse (chain_cert_parse_keyless(), for device batches) reads
 * the same algorithm from the key's bytes as a full parse from the key. */
START_TEST (test_keyless_key_algorithms)
{
  static const char *const files[] = { "root.pem", "p384.pem", "rsa.pem", "p521.pem", "ed25519.pem" };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = read_file (files[i]);
      g_autoptr(ChainCert) full = parse_bytes_ok (bytes);
      g_autoptr(ChainCert) keyless = chain_cert_parse_keyless (g_bytes_get_data (bytes, NULL),
                                                               g_bytes_get_size (bytes), &error);

      test_assert_no_error (error);
      ck_assert_ptr_nonnull (keyless);
      ck_assert_ptr_null (X509_get0_pubkey (chain_cert_get_x509 (keyless)));
      ck_assert_msg (chain_cert_get_key_algorithm (keyless) == chain_cert_get_key_algorithm (full), "%s", files[i]);
    }
}
END_TEST

/* An EC point off its curve is no key: INVALID, parsed either way. */
START_TEST (test_off_curve_point_invalid)
{
  g_autoptr(GBytes) pem = read_file ("root.pem");
  g_autoptr(ChainCert) cert = parse_bytes_ok (pem);
  g_autoptr(GBytes) der = chain_cert_to_der (cert);
  g_autofree guint8 *bad = g_memdup2 (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  const unsigned char *point = NULL;
  int point_len = 0;
  gsize offset;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) full = NULL;
  g_autoptr(ChainCert) keyless = NULL;

  ck_assert (X509_PUBKEY_get0_param (NULL, &point, &point_len, NULL,
                                     X509_get_X509_PUBKEY (chain_cert_get_x509 (cert))));
  ck_assert_int_eq (point_len, 65);
  for (offset = 0; offset + 65 <= g_bytes_get_size (der) && memcmp (bad + offset, point, 65) != 0; offset++)
    ;
  ck_assert_uint_lt (offset + 64, g_bytes_get_size (der));
  /* The last byte of y: (x, y') is on the curve for no y' but y and -y. */
  bad[offset + 64] ^= 0x01;
  full = chain_cert_parse (bad, g_bytes_get_size (der), &error);
  test_assert_no_error (error);
  keyless = chain_cert_parse_keyless (bad, g_bytes_get_size (der), &error);
  test_assert_no_error (error);
  ck_assert_int_eq (chain_cert_get_key_algorithm (full), CHAIN_KEY_ALGORITHM_INVALID);
  ck_assert_int_eq (chain_cert_get_key_algorithm (keyless), CHAIN_KEY_ALGORITHM_INVALID);
}
END_TEST

/* SHA-256 over the DER SubjectPublicKeyInfo that `openssl x509 -pubkey` prints. */
START_TEST (test_public_key_sha256_matches_openssl)
{
  const char *name = all_certs[_i];
  g_autofree char *file = g_strconcat (name, ".pem", NULL);
  g_autoptr(ChainCert) cert = parse_file_ok (file);
  g_auto(GStrv) lines = g_strsplit (facts[_i].pubkey, "\n", -1);
  g_autoptr(GString) base64 = g_string_new (NULL);
  g_autofree guchar *spki = NULL;
  gsize spki_len = 0;
  g_autofree char *expected = NULL;
  g_autofree char *ours = NULL;

  ck_assert_str_eq (lines[0], "-----BEGIN PUBLIC KEY-----");
  for (gsize i = 1; lines[i] != NULL && !g_str_has_prefix (lines[i], "-----END"); i++)
    g_string_append (base64, lines[i]);
  spki = g_base64_decode (base64->str, &spki_len);
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, spki, spki_len);
  ours = chain_cert_dup_public_key_sha256 (cert);
  ck_assert_str_eq (ours, expected);
}
END_TEST

static ChainKey *
load_key (const char *name)
{
  g_autofree char *path = tmp_path (name);
  g_autoptr(BIO) bio = BIO_new_file (path, "r");
  EVP_PKEY *pkey = NULL;
  g_autoptr(GError) error = NULL;
  ChainKey *key;

  ck_assert_ptr_nonnull (bio);
  pkey = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  ck_assert_ptr_nonnull (pkey);
  key = chain_key_new_take (pkey, &error);
  test_assert_no_error (error);
  return key;
}

START_TEST (test_matches_key)
{
  g_autoptr(ChainCert) root = parse_file_ok ("root.pem");
  g_autoptr(ChainCert) intermediate = parse_file_ok ("int.pem");
  g_autoptr(ChainCert) rsa = parse_file_ok ("rsa.pem");
  g_autoptr(ChainKey) root_key = load_key ("root.key");
  g_autoptr(ChainKey) rsa_key = load_key ("rsa.key");

  ck_assert (chain_cert_matches_key (root, root_key));
  ck_assert (!chain_cert_matches_key (intermediate, root_key));
  ck_assert (chain_cert_matches_key (rsa, rsa_key));
  ck_assert (!chain_cert_matches_key (rsa, root_key));
  ck_assert (!chain_cert_matches_key (root, rsa_key));
}
END_TEST

START_TEST (test_equal_and_copy)
{
  ChainCert *root = parse_file_ok ("root.pem");
  g_autoptr(ChainCert) root_again = parse_file_ok ("root.der");
  g_autoptr(ChainCert) leaf = parse_file_ok ("leaf.pem");
  g_autoptr(ChainCert) copy = chain_cert_copy (root);
  g_autoptr(GBytes) der = read_file ("root.der");
  g_autoptr(GBytes) copy_der = NULL;

  ck_assert (chain_cert_equal (root, root));
  ck_assert (chain_cert_equal (root, root_again));
  ck_assert (!chain_cert_equal (root, leaf));
  ck_assert (chain_cert_equal (copy, root));
  /* A copy shares the certificate and outlives the original. */
  ck_assert_ptr_eq (chain_cert_get_x509 (copy), chain_cert_get_x509 (root));
  chain_cert_free (root);
  copy_der = chain_cert_to_der (copy);
  ck_assert (g_bytes_equal (copy_der, der));
}
END_TEST

START_TEST (test_free_null)
{
  chain_cert_free (NULL);
}
END_TEST

/* Certificates OpenSSL's tools would not write, made in-process. */

typedef enum {
  CRAFT_GOOD,
  CRAFT_DUPLICATE_EXTENSION,
  CRAFT_BAD_TIME,
} CraftDefect;

static GBytes *
craft_cert (CraftDefect defect)
{
  g_autoptr(EVP_PKEY) key = EVP_EC_gen ("P-256");
  g_autoptr(X509) x509 = X509_new ();
  X509_NAME *name = X509_get_subject_name (x509);
  unsigned char *der = NULL;
  GBytes *bytes;
  int len;

  ck_assert_ptr_nonnull (key);
  ck_assert (X509_set_version (x509, X509_VERSION_3));
  ck_assert (ASN1_INTEGER_set (X509_get_serialNumber (x509), 1));
  ck_assert (X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) "crafted",
                                         -1, -1, 0));
  ck_assert (X509_set_issuer_name (x509, name));
  ck_assert (X509_gmtime_adj (X509_getm_notBefore (x509), 0) != NULL);
  ck_assert (X509_gmtime_adj (X509_getm_notAfter (x509), 3600) != NULL);
  ck_assert (X509_set_pubkey (x509, key));

  if (defect == CRAFT_DUPLICATE_EXTENSION)
    {
      g_autoptr(X509_EXTENSION) bc = X509V3_EXT_conf_nid (NULL, NULL, NID_basic_constraints,
                                                           "critical,CA:TRUE");

      ck_assert (X509_add_ext (x509, bc, -1));
      ck_assert (X509_add_ext (x509, bc, -1));
    }
  else if (defect == CRAFT_BAD_TIME)
    {
      g_autoptr(ASN1_TIME) bad = ASN1_STRING_type_new (V_ASN1_GENERALIZEDTIME);

      ck_assert (ASN1_STRING_set (bad, "2030-01-01 noon", -1));
      ck_assert (X509_set1_notBefore (x509, bad));
    }

  ck_assert (X509_sign (x509, key, EVP_sha256 ()) > 0);
  len = i2d_X509 (x509, &der);
  ck_assert_int_gt (len, 0);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

START_TEST (test_crafted_good_parses)
{
  g_autoptr(GBytes) der = craft_cert (CRAFT_GOOD);
  g_autoptr(ChainCert) cert = parse_bytes_ok (der);

  ck_assert (!chain_cert_is_ca (cert));
  ck_assert_ptr_null (chain_cert_dup_name_constraints (cert));
}
END_TEST

START_TEST (test_duplicate_extension_refused)
{
  g_autoptr(GBytes) der = craft_cert (CRAFT_DUPLICATE_EXTENSION);

  assert_parse_fails (g_bytes_get_data (der, NULL), g_bytes_get_size (der), NULL);
}
END_TEST

START_TEST (test_unreadable_time_refused)
{
  g_autoptr(GBytes) der = craft_cert (CRAFT_BAD_TIME);

  assert_parse_fails (g_bytes_get_data (der, NULL), g_bytes_get_size (der), NULL);
}
END_TEST

START_TEST (test_new_take)
{
  g_autoptr(GBytes) der = craft_cert (CRAFT_GOOD);
  const unsigned char *p = g_bytes_get_data (der, NULL);
  X509 *x509 = d2i_X509 (NULL, &p, (long) g_bytes_get_size (der));
  g_autoptr(ChainCert) cert = chain_cert_new_take (x509);
  g_autoptr(GBytes) out = chain_cert_to_der (cert);

  ck_assert_ptr_eq (chain_cert_get_x509 (cert), x509);
  ck_assert (g_bytes_equal (out, der));
}
END_TEST

static Suite *
cert_suite (void)
{
  Suite *suite = suite_create ("cert");
  TCase *parse = tcase_create ("parse");
  TCase *getters = tcase_create ("getters");
  TCase *crafted = tcase_create ("crafted");

  tcase_add_unchecked_fixture (parse, setup, teardown);
  tcase_add_test (parse, test_parse_pem_and_der_agree);
  tcase_add_test (parse, test_to_pem_matches_openssl);
  tcase_add_test (parse, test_parse_leading_white_space);
  tcase_add_test (parse, test_csr_pem_is_not_a_certificate);
  tcase_add_test (parse, test_csr_der_is_not_a_certificate);
  tcase_add_test (parse, test_private_key_is_not_a_certificate);
  tcase_add_test (parse, test_pem_trailing_garbage);
  tcase_add_test (parse, test_pem_text_before_block);
  tcase_add_test (parse, test_der_trailing_garbage);
  tcase_add_test (parse, test_two_certificates_refused);
  tcase_add_test (parse, test_truncated_der);
  tcase_add_test (parse, test_truncated_pem);
  tcase_add_test (parse, test_corrupt_der);
  tcase_add_test (parse, test_empty_input);
  tcase_add_test (parse, test_garbage_input);
  tcase_add_test (parse, test_size_cap);
  tcase_add_test (parse, test_bundle_of_three_in_order);
  tcase_add_test (parse, test_bundle_of_one);
  tcase_add_test (parse, test_bundle_limit);
  tcase_add_test (parse, test_bundle_invalid);
  tcase_add_test (parse, test_equal_and_copy);
  tcase_add_test (parse, test_free_null);
  suite_add_tcase (suite, parse);

  tcase_add_unchecked_fixture (getters, setup, teardown);
  tcase_add_loop_test (getters, test_thumbprints_match_openssl, 0, G_N_ELEMENTS (all_certs));
  tcase_add_loop_test (getters, test_serial_matches_openssl, 0, G_N_ELEMENTS (all_certs));
  tcase_add_test (getters, test_serial_values);
  tcase_add_loop_test (getters, test_names_match_openssl, 0, G_N_ELEMENTS (all_certs));
  tcase_add_test (getters, test_names_chain);
  tcase_add_test (getters, test_times_exact);
  tcase_add_loop_test (getters, test_times_match_openssl, 0, G_N_ELEMENTS (all_certs));
  tcase_add_test (getters, test_basic_constraints);
  tcase_add_test (getters, test_name_constraints_read_back);
  tcase_add_test (getters, test_key_algorithms);
  tcase_add_test (getters, test_keyless_key_algorithms);
  tcase_add_test (getters, test_off_curve_point_invalid);
  tcase_add_loop_test (getters, test_public_key_sha256_matches_openssl, 0, G_N_ELEMENTS (all_certs));
  tcase_add_test (getters, test_matches_key);
  suite_add_tcase (suite, getters);

  tcase_add_test (crafted, test_crafted_good_parses);
  tcase_add_test (crafted, test_duplicate_extension_refused);
  tcase_add_test (crafted, test_unreadable_time_refused);
  tcase_add_test (crafted, test_new_take);
  suite_add_tcase (suite, crafted);

  return suite;
}

int
main (void)
{
  return test_support_run_suite (cert_suite ());
}
