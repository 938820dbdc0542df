/* test-issuer.c — the certificate profiles, and every refusal of the issuer */
#include "test-pki.h"

#include "chain-cms-private.h"
#include "chain-pki-private.h"

#include <string.h>

#define ROOT_DN "CN=Widget Root CA,O=Widget Ltd,C=DE"
#define CM_DN "CN=Acme Factory CA,O=Widget Ltd,C=DE"
#define DIST_DN "CN=Line 3 CA,O=Widget Ltd,C=DE"

/* ---------------------------------------------------------------- helpers */

/* A root of ROOT_DN that ends at @not_after and, unlike
 * test_ca_make_root(), leaves not_before at 0 for the issuer to make it
 * "now". */
static void
ca_make_root_until (TestCa           *ca,
                    ChainKeyAlgorithm algorithm,
                    int               path_len,
                    gint64            not_after)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = test_pki_name (ROOT_DN);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.path_len = path_len;
  options.not_after = not_after;
  ca->key = test_pki_key (algorithm);
  ca->cert = chain_root_create (ca->key, name, &options, &error);
  test_assert_no_error (error);
  ca->issuer = chain_issuer_new (ca->cert, ca->key, NULL, &error);
  test_assert_no_error (error);
}

/* Returns the index of extension @nid in @x, asserting it is present once
 * and has the expected criticality. */
static int
assert_ext (X509    *x,
            int      nid,
            gboolean critical)
{
  int index = X509_get_ext_by_NID (x, nid, -1);

  ck_assert_msg (index >= 0, "extension %s missing", OBJ_nid2sn (nid));
  ck_assert_msg (X509_get_ext_by_NID (x, nid, index) < 0, "extension %s twice", OBJ_nid2sn (nid));
  ck_assert_msg (X509_EXTENSION_get_critical (X509_get_ext (x, index)) == (critical ? 1 : 0),
                 "extension %s should%s be critical", OBJ_nid2sn (nid), critical ? "" : " not");
  return index;
}

/* Asserts @x's keyUsage is exactly @expected (KU_* flags). */
static void
assert_key_usage (X509     *x,
                  uint32_t  expected)
{
  assert_ext (x, NID_key_usage, TRUE);
  ck_assert_uint_eq (X509_get_key_usage (x), expected);
}

static void
assert_basic_constraints (X509    *x,
                          gboolean ca,
                          int      path_len)
{
  g_autoptr(BASIC_CONSTRAINTS) bc = NULL;

  assert_ext (x, NID_basic_constraints, TRUE);
  bc = X509_get_ext_d2i (x, NID_basic_constraints, NULL, NULL);
  ck_assert_ptr_nonnull (bc);
  ck_assert_int_eq (bc->ca != 0, ca);
  if (path_len < 0)
    ck_assert_ptr_null (bc->pathlen);
  else
    {
      ck_assert_ptr_nonnull (bc->pathlen);
      ck_assert_int_eq (ASN1_INTEGER_get (bc->pathlen), path_len);
    }
}

/* AKI present, non-critical, keyid only, equal to the issuer's SKI. */
static void
assert_aki (X509 *x,
            X509 *issuer)
{
  const ASN1_OCTET_STRING *aki;
  const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id (issuer);
  g_autoptr(AUTHORITY_KEYID) akid = NULL;

  assert_ext (x, NID_authority_key_identifier, FALSE);
  aki = X509_get0_authority_key_id (x);
  ck_assert_ptr_nonnull (aki);
  ck_assert_ptr_nonnull (ski);
  ck_assert_int_eq (ASN1_OCTET_STRING_cmp (aki, ski), 0);
  akid = X509_get_ext_d2i (x, NID_authority_key_identifier, NULL, NULL);
  ck_assert_ptr_null (akid->issuer);
  ck_assert_ptr_null (akid->serial);
}

static void
assert_ski (X509 *x)
{
  const ASN1_OCTET_STRING *ski;

  assert_ext (x, NID_subject_key_identifier, FALSE);
  ski = X509_get0_subject_key_id (x);
  ck_assert_ptr_nonnull (ski);
  ck_assert_int_eq (ASN1_STRING_length (ski), 20);
}

/* Serial: 16 content bytes, positive. */
static void
assert_serial (ChainCert *cert)
{
  g_autofree char *serial = chain_cert_dup_serial (cert);
  const ASN1_INTEGER *raw = X509_get0_serialNumber (chain_cert_get_x509 (cert));

  ck_assert_int_eq (ASN1_STRING_type (raw), V_ASN1_INTEGER);
  ck_assert_int_eq (ASN1_STRING_length (raw), 16);
  ck_assert_uint_eq (strlen (serial), 32);
  ck_assert_msg (serial[0] >= '1' && serial[0] <= '7', "serial %s is not positive 16 bytes", serial);
}

static void
assert_names_equal (const X509_NAME *a,
                    const char      *text)
{
  g_autoptr(ChainName) expected = test_pki_name (text);

  ck_assert_msg (X509_NAME_cmp (a, chain_name_get_x509_name (expected)) == 0,
                 "name differs from %s", text);
}

/* ---------------------------------------------------------------- fixture */

/* root (path length 2) -> CM (1, permitted dirName O=Widget Ltd,C=DE) -> distributor (0) */
static TestCa root;
static TestCa cm;
static TestCa dist;

static void
tiers_setup (void)
{
  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, ROOT_DN, 2);
  test_ca_make_sub (&cm, &root, CHAIN_KEY_ALGORITHM_EC_P256, CM_DN, 1,
                    "permitted:dirName:O=Widget Ltd,C=DE");
  test_ca_make_sub (&dist, &cm, CHAIN_KEY_ALGORITHM_EC_P256, DIST_DN, 0, NULL);
}

static void
tiers_teardown (void)
{
  test_ca_clear (&dist);
  test_ca_clear (&cm);
  test_ca_clear (&root);
}

static ChainCert *
issue_device (TestCa     *ca,
              const char *device_id,
              GError    **error)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=ignored");
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  /* Well inside every test CA, however slow the build makes the test. */
  options.not_after = test_pki_now () + 30 * TEST_DAY;
  return chain_issuer_issue_device (ca->issuer, device_id, csr, NULL, &options, error);
}

/* ---------------------------------------------------------------- profiles */

static const struct {
  ChainKeyAlgorithm algorithm;
  int               signature_nid;
} root_cases[] = {
  { CHAIN_KEY_ALGORITHM_EC_P256, NID_ecdsa_with_SHA256 },
  { CHAIN_KEY_ALGORITHM_EC_P384, NID_ecdsa_with_SHA384 },
  { CHAIN_KEY_ALGORITHM_RSA_2048, NID_sha256WithRSAEncryption },
};

START_TEST (test_root_profile)
{
  TestCa ca = { 0 };
  gint64 now = test_pki_now ();
  X509 *x;

  ca_make_root_until (&ca, root_cases[_i].algorithm, 1, now + TEST_YEAR);
  x = chain_cert_get_x509 (ca.cert);

  ck_assert_int_eq (X509_get_version (x), X509_VERSION_3);
  ck_assert_int_eq (X509_get_signature_nid (x), root_cases[_i].signature_nid);
  ck_assert_int_eq (X509_self_signed (x, 1), 1);
  assert_names_equal (X509_get_subject_name (x), ROOT_DN);
  assert_names_equal (X509_get_issuer_name (x), ROOT_DN);
  assert_basic_constraints (x, TRUE, 1);
  assert_key_usage (x, KU_KEY_CERT_SIGN | KU_CRL_SIGN);
  assert_ski (x);
  assert_serial (ca.cert);
  ck_assert_int_eq (X509_get_ext_count (x), 3);
  ck_assert (chain_cert_is_ca (ca.cert));
  ck_assert_int_eq (chain_cert_get_path_len (ca.cert), 1);
  ck_assert_int_eq (chain_cert_get_not_after (ca.cert), now + TEST_YEAR);
  ck_assert (chain_cert_get_not_before (ca.cert) >= now);
  ck_assert (chain_cert_get_not_before (ca.cert) <= test_pki_now ());
  ck_assert_int_eq (chain_cert_get_key_algorithm (ca.cert), root_cases[_i].algorithm);
  ck_assert (chain_cert_matches_key (ca.cert, ca.key));
  test_ca_clear (&ca);
}
END_TEST

START_TEST (test_root_unlimited_path_len)
{
  TestCa ca = { 0 };

  test_ca_make_root (&ca, CHAIN_KEY_ALGORITHM_EC_P256, ROOT_DN, CHAIN_PATH_LEN_UNLIMITED);
  assert_basic_constraints (chain_cert_get_x509 (ca.cert), TRUE, -1);
  ck_assert_int_eq (chain_cert_get_path_len (ca.cert), CHAIN_PATH_LEN_UNLIMITED);
  test_ca_clear (&ca);
}
END_TEST

START_TEST (test_root_errors)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainName) no_cn = test_pki_name ("O=Widget Ltd,C=DE");
  g_autoptr(ChainName) name = test_pki_name (ROOT_DN);
  g_autoptr(ChainNameConstraints) nc = test_pki_constraints ("permitted:DNS:example.com");
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = test_pki_now ();

  options.not_after = now + TEST_YEAR;
  ck_assert_ptr_null (chain_root_create (key, no_cn, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "CN", NULL);

  options.not_after = 0;
  ck_assert_ptr_null (chain_root_create (key, name, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "not_after", NULL);

  options.not_before = now + TEST_DAY;
  options.not_after = now + TEST_DAY;
  ck_assert_ptr_null (chain_root_create (key, name, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "not_after", NULL);

  options.not_before = 0;
  options.not_after = now + TEST_YEAR;
  options.name_constraints = nc;
  ck_assert_ptr_null (chain_root_create (key, name, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "name constraints", NULL);

  options.name_constraints = NULL;
  options.path_len = -2;
  ck_assert_ptr_null (chain_root_create (key, name, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  options.path_len = 0;
  options.version = 99;
  ck_assert_ptr_null (chain_root_create (key, name, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "CHAIN_ISSUE_OPTIONS_INIT", NULL);
}
END_TEST

START_TEST (test_sub_ca_profile)
{
  X509 *x = chain_cert_get_x509 (cm.cert);
  g_autoptr(ChainNameConstraints) nc = chain_cert_dup_name_constraints (cm.cert);
  g_autofree char *nc_text = NULL;

  ck_assert_int_eq (X509_get_version (x), X509_VERSION_3);
  ck_assert_int_eq (X509_get_signature_nid (x), NID_ecdsa_with_SHA256);
  assert_names_equal (X509_get_subject_name (x), CM_DN);
  assert_names_equal (X509_get_issuer_name (x), ROOT_DN);
  assert_basic_constraints (x, TRUE, 1);
  assert_key_usage (x, KU_KEY_CERT_SIGN | KU_CRL_SIGN);
  assert_ski (x);
  assert_aki (x, chain_cert_get_x509 (root.cert));
  assert_ext (x, NID_name_constraints, TRUE);
  assert_serial (cm.cert);
  ck_assert_int_eq (X509_get_ext_count (x), 5);
  ck_assert_ptr_nonnull (nc);
  nc_text = chain_name_constraints_to_string (nc);
  ck_assert_msg (strstr (nc_text, "O=Widget Ltd") != NULL, "constraints: %s", nc_text);
  ck_assert_int_eq (X509_verify (x, X509_get0_pubkey (chain_cert_get_x509 (root.cert))), 1);
  ck_assert (chain_cert_matches_key (cm.cert, cm.key));

  /* The distributor: no constraints of its own, path length 0. */
  x = chain_cert_get_x509 (dist.cert);
  assert_basic_constraints (x, TRUE, 0);
  assert_aki (x, chain_cert_get_x509 (cm.cert));
  ck_assert_int_lt (X509_get_ext_by_NID (x, NID_name_constraints, -1), 0);
  ck_assert_int_eq (X509_get_ext_count (x), 4);
}
END_TEST

START_TEST (test_sub_ca_validity_as_requested)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Later CA,O=Widget Ltd,C=DE");
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = test_pki_now ();

  options.path_len = 0;
  options.not_before = now + TEST_DAY;
  options.not_after = now + 100 * TEST_DAY;
  cert = chain_issuer_issue_sub_ca (cm.issuer, csr, &options, &error);
  test_assert_no_error (error);
  ck_assert_int_eq (chain_cert_get_not_before (cert), now + TEST_DAY);
  ck_assert_int_eq (chain_cert_get_not_after (cert), now + 100 * TEST_DAY);
}
END_TEST

START_TEST (test_sub_ca_unlimited_under_unlimited)
{
  TestCa top = { 0 };
  TestCa sub = { 0 };

  test_ca_make_root (&top, CHAIN_KEY_ALGORITHM_EC_P256, ROOT_DN, CHAIN_PATH_LEN_UNLIMITED);
  test_ca_make_sub (&sub, &top, CHAIN_KEY_ALGORITHM_EC_P256, CM_DN, CHAIN_PATH_LEN_UNLIMITED, NULL);
  assert_basic_constraints (chain_cert_get_x509 (sub.cert), TRUE, -1);
  test_ca_clear (&sub);
  test_ca_clear (&top);
}
END_TEST

static const struct {
  ChainKeyAlgorithm algorithm;
  uint32_t          key_usage;
} device_cases[] = {
  { CHAIN_KEY_ALGORITHM_EC_P256, KU_DIGITAL_SIGNATURE },
  { CHAIN_KEY_ALGORITHM_EC_P384, KU_DIGITAL_SIGNATURE },
  { CHAIN_KEY_ALGORITHM_RSA_2048, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT },
};

static void
assert_device_profile (ChainCert  *cert,
                       TestCa     *issuer,
                       const char *subject,
                       uint32_t    key_usage)
{
  X509 *x = chain_cert_get_x509 (cert);
  g_autoptr(EXTENDED_KEY_USAGE) eku = NULL;

  ck_assert_int_eq (X509_get_version (x), X509_VERSION_3);
  ck_assert_int_eq (X509_get_signature_nid (x), NID_ecdsa_with_SHA256);
  assert_names_equal (X509_get_subject_name (x), subject);
  assert_names_equal (X509_get_issuer_name (x), DIST_DN);
  assert_basic_constraints (x, FALSE, -1);
  assert_key_usage (x, key_usage);
  assert_ext (x, NID_ext_key_usage, FALSE);
  eku = X509_get_ext_d2i (x, NID_ext_key_usage, NULL, NULL);
  ck_assert_int_eq (sk_ASN1_OBJECT_num (eku), 1);
  ck_assert_int_eq (OBJ_obj2nid (sk_ASN1_OBJECT_value (eku, 0)), NID_client_auth);
  assert_ski (x);
  assert_aki (x, chain_cert_get_x509 (issuer->cert));
  assert_serial (cert);
  ck_assert_int_eq (X509_get_ext_count (x), 5);
  ck_assert (!chain_cert_is_ca (cert));
  ck_assert_int_eq (X509_verify (x, X509_get0_pubkey (chain_cert_get_x509 (issuer->cert))), 1);
}

START_TEST (test_device_profile)
{
  g_autoptr(ChainKey) key = test_pki_key (device_cases[_i].algorithm);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=whatever the device says,O=Elsewhere,C=US");
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cert_spki = NULL;
  g_autofree char *csr_spki = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = test_pki_now ();

  options.not_after = now + TEST_YEAR;
  cert = chain_issuer_issue_device (dist.issuer, "sensor-0001", csr, NULL, &options, &error);
  test_assert_no_error (error);
  assert_device_profile (cert, &dist, "CN=sensor-0001,O=Widget Ltd,C=DE", device_cases[_i].key_usage);
  ck_assert_int_eq (chain_cert_get_key_algorithm (cert), device_cases[_i].algorithm);
  cert_spki = chain_cert_dup_public_key_sha256 (cert);
  csr_spki = chain_csr_dup_public_key_sha256 (csr);
  ck_assert_str_eq (cert_spki, csr_spki);
  ck_assert (chain_cert_matches_key (cert, key));
  ck_assert_int_eq (chain_cert_get_not_after (cert), now + TEST_YEAR);
}
END_TEST

START_TEST (test_device_from_key)
{
  g_autoptr(ChainKey) key = test_pki_key (device_cases[_i].algorithm);
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + TEST_YEAR;
  cert = chain_issuer_issue_device (dist.issuer, "sensor-0002", NULL, key, &options, &error);
  test_assert_no_error (error);
  assert_device_profile (cert, &dist, "CN=sensor-0002,O=Widget Ltd,C=DE", device_cases[_i].key_usage);
  ck_assert (chain_cert_matches_key (cert, key));
}
END_TEST

/* A CSR that went through the strict parser is what issuance gets in real
 * life; weak keys and SHA-1 never get this far (see test-csr). */
START_TEST (test_device_from_parsed_csr)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) made = test_pki_csr (key, "CN=sensor-0003");
  g_autoptr(GBytes) pem = chain_csr_to_pem (made);
  g_autoptr(ChainCsr) parsed = NULL;
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (pem, &len);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  parsed = chain_csr_parse (data, len, &error);
  test_assert_no_error (error);
  options.not_after = test_pki_now () + TEST_YEAR;
  cert = chain_issuer_issue_device (dist.issuer, "sensor-0003", parsed, NULL, &options, &error);
  test_assert_no_error (error);
  ck_assert (chain_cert_matches_key (cert, key));
}
END_TEST

START_TEST (test_pop_profile)
{
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) subject = NULL;
  g_autofree char *cn = NULL;
  X509 *x;
  gint64 now = test_pki_now ();

  cert = chain_issuer_issue_pop (cm.issuer, "0123456789ABCDEF_code-x", &error);
  test_assert_no_error (error);
  x = chain_cert_get_x509 (cert);
  subject = chain_cert_dup_subject (cert);
  cn = chain_name_dup_common_name (subject);
  ck_assert_str_eq (cn, "0123456789ABCDEF_code-x");
  assert_names_equal (X509_get_issuer_name (x), CM_DN);
  assert_basic_constraints (x, FALSE, -1);
  assert_key_usage (x, KU_DIGITAL_SIGNATURE);
  assert_ski (x);
  assert_aki (x, chain_cert_get_x509 (cm.cert));
  assert_serial (cert);
  ck_assert_int_eq (X509_verify (x, X509_get0_pubkey (chain_cert_get_x509 (cm.cert))), 1);
  ck_assert_int_eq (chain_cert_get_key_algorithm (cert), CHAIN_KEY_ALGORITHM_EC_P256);
  ck_assert (chain_cert_get_not_before (cert) >= now);
  ck_assert_int_le (chain_cert_get_not_after (cert) - chain_cert_get_not_before (cert), 30 * TEST_DAY);
  ck_assert_int_ge (chain_cert_get_not_after (cert) - chain_cert_get_not_before (cert), 30 * TEST_DAY - 5);
}
END_TEST

START_TEST (test_pop_clipped_to_issuer)
{
  TestCa ca = { 0 };
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  gint64 end = test_pki_now () + 10 * TEST_DAY;

  ca_make_root_until (&ca, CHAIN_KEY_ALGORITHM_EC_P256, 0, end);
  cert = chain_issuer_issue_pop (ca.issuer, "code", &error);
  test_assert_no_error (error);
  ck_assert_int_eq (chain_cert_get_not_after (cert), end);
  test_ca_clear (&ca);
}
END_TEST

static const struct {
  const char *code;
  gboolean    ok;
} pop_code_cases[] = {
  { "A", TRUE },
  { "abc-DEF_123", TRUE },
  { "0123456789012345678901234567890123456789012345678901234567890123", TRUE },
  { "", FALSE },
  { "01234567890123456789012345678901234567890123456789012345678901234", FALSE },
  { "with space", FALSE },
  { "slash/code", FALSE },
  { "dot.code", FALSE },
  { "line\nbreak", FALSE },
  { "\xc3\xa9t\xc3\xa9", FALSE },
  { "comma,CN=x", FALSE },
};

START_TEST (test_pop_code_rules)
{
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;

  cert = chain_issuer_issue_pop (dist.issuer, pop_code_cases[_i].code, &error);
  if (pop_code_cases[_i].ok)
    {
      test_assert_no_error (error);
      ck_assert_ptr_nonnull (cert);
    }
  else
    {
      ck_assert_ptr_null (cert);
      test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
    }
}
END_TEST

static const struct {
  const char        *id;
  ChainDeviceIdRules rules;
  gboolean           ok;
} device_id_cases[] = {
  { "sensor-0001", CHAIN_DEVICE_ID_RULES_IOT_HUB, TRUE },
  { "Sensor.01:a(b)", CHAIN_DEVICE_ID_RULES_IOT_HUB, TRUE },
  { "sensor-0001", CHAIN_DEVICE_ID_RULES_DPS, TRUE },
  { "Sensor-0001", CHAIN_DEVICE_ID_RULES_DPS, FALSE },
  { "", CHAIN_DEVICE_ID_RULES_IOT_HUB, FALSE },
  { "has space", CHAIN_DEVICE_ID_RULES_IOT_HUB, FALSE },
  { "slash/id", CHAIN_DEVICE_ID_RULES_IOT_HUB, FALSE },
  { "0123456789012345678901234567890123456789012345678901234567890123", CHAIN_DEVICE_ID_RULES_IOT_HUB, TRUE },
  { "01234567890123456789012345678901234567890123456789012345678901234", CHAIN_DEVICE_ID_RULES_IOT_HUB, FALSE },
  { "sensor-0001", (ChainDeviceIdRules) 7, FALSE },
};

START_TEST (test_device_id_rules)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device");
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + TEST_YEAR;
  options.device_id_rules = device_id_cases[_i].rules;
  cert = chain_issuer_issue_device (dist.issuer, device_id_cases[_i].id, csr, NULL, &options, &error);
  if (device_id_cases[_i].ok)
    {
      g_autoptr(ChainName) subject = NULL;
      g_autofree char *cn = NULL;

      test_assert_no_error (error);
      subject = chain_cert_dup_subject (cert);
      cn = chain_name_dup_common_name (subject);
      ck_assert_str_eq (cn, device_id_cases[_i].id);
    }
  else
    {
      ck_assert_ptr_null (cert);
      test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
    }
}
END_TEST

START_TEST (test_device_needs_csr_or_key)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device");
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + TEST_YEAR;
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", NULL, NULL, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", csr, key, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_issuer_chain)
{
  GPtrArray *chain = chain_issuer_get_chain (dist.issuer);

  ck_assert (chain_cert_equal (chain_issuer_get_cert (dist.issuer), dist.cert));
  ck_assert_uint_eq (chain->len, 3);
  ck_assert (chain_cert_equal (g_ptr_array_index (chain, 0), dist.cert));
  ck_assert (chain_cert_equal (g_ptr_array_index (chain, 1), cm.cert));
  ck_assert (chain_cert_equal (g_ptr_array_index (chain, 2), root.cert));
}
END_TEST

/* The issuer keeps its own references: the caller may drop everything. */
START_TEST (test_issuer_owns_its_inputs)
{
  TestCa ca = { 0 };
  ChainIssuer *issuer;
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ancestors = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=x");
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  g_ptr_array_add (ancestors, chain_cert_copy (root.cert));
  ca.key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  {
    g_autoptr(ChainCsr) ca_csr = test_pki_csr (ca.key, "CN=Own CA,O=Widget Ltd,C=DE");
    ChainIssueOptions ca_options = CHAIN_ISSUE_OPTIONS_INIT;

    ca_options.path_len = 0;
    ca_options.not_after = test_pki_now () + TEST_YEAR;
    ca.cert = chain_issuer_issue_sub_ca (root.issuer, ca_csr, &ca_options, &error);
    test_assert_no_error (error);
  }
  issuer = chain_issuer_new (ca.cert, ca.key, ancestors, &error);
  test_assert_no_error (error);
  test_ca_clear (&ca);
  g_ptr_array_set_size (ancestors, 0);

  options.not_after = test_pki_now () + TEST_DAY;
  cert = chain_issuer_issue_device (issuer, "d1", csr, NULL, &options, &error);
  test_assert_no_error (error);
  chain_issuer_free (issuer);
  chain_issuer_free (NULL);
}
END_TEST

/* ---------------------------------------------------------------- officers */

#define OFFICER_NAME "Alice Example"

static const ChainKeyAlgorithm officer_algorithms[] = {
  CHAIN_KEY_ALGORITHM_EC_P256,
  CHAIN_KEY_ALGORITHM_EC_P384,
  CHAIN_KEY_ALGORITHM_RSA_2048,
};

START_TEST (test_officer_profile)
{
  g_autoptr(ChainKey) key = test_pki_key (officer_algorithms[_i]);
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EXTENDED_KEY_USAGE) eku = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = test_pki_now ();
  X509 *x;

  options.not_before = now;
  options.not_after = now + 90 * TEST_DAY;
  cert = chain_issuer_issue_officer (cm.issuer, OFFICER_NAME, key, &options, &error);
  test_assert_no_error (error);
  x = chain_cert_get_x509 (cert);

  ck_assert_int_eq (X509_get_version (x), X509_VERSION_3);
  ck_assert_int_eq (X509_get_signature_nid (x), NID_ecdsa_with_SHA256);
  assert_names_equal (X509_get_subject_name (x), "CN=" OFFICER_NAME ",O=Widget Ltd,C=DE");
  assert_names_equal (X509_get_issuer_name (x), CM_DN);
  assert_basic_constraints (x, FALSE, -1);
  /* digitalSignature alone, for RSA keys too: an officer signs and never
   * receives keys, unlike an RSA device. */
  assert_key_usage (x, KU_DIGITAL_SIGNATURE);
  assert_ext (x, NID_ext_key_usage, FALSE);
  eku = X509_get_ext_d2i (x, NID_ext_key_usage, NULL, NULL);
  ck_assert_ptr_nonnull (eku);
  ck_assert_int_eq (sk_ASN1_OBJECT_num (eku), 1);
  ck_assert_int_eq (OBJ_obj2nid (sk_ASN1_OBJECT_value (eku, 0)), NID_email_protect);
  assert_ski (x);
  assert_aki (x, chain_cert_get_x509 (cm.cert));
  assert_serial (cert);
  ck_assert_int_eq (X509_get_ext_count (x), 5);
  ck_assert (!chain_cert_is_ca (cert));
  ck_assert (chain_cert_matches_key (cert, key));
  ck_assert_int_eq (chain_cert_get_key_algorithm (cert), officer_algorithms[_i]);
  ck_assert_int_eq (chain_cert_get_not_before (cert), now);
  ck_assert_int_eq (chain_cert_get_not_after (cert), now + 90 * TEST_DAY);
  ck_assert_int_eq (X509_verify (x, X509_get0_pubkey (chain_cert_get_x509 (cm.cert))), 1);
}
END_TEST

/* Only the CN is the officer's: every other attribute, in order, is the
 * issuer's, which keeps directoryName constraints above it satisfied. */
START_TEST (test_officer_subject_follows_issuer)
{
  TestCa ca = { 0 };
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(ChainName) subject = NULL;
  g_autofree char *cn = NULL;

  test_ca_make_root (&ca, CHAIN_KEY_ALGORITHM_EC_P256,
                     "CN=Ledger Root CA,OU=Ledger,O=Gadget GmbH,L=Berlin,C=DE", 0);
  cert = test_ca_issue_officer (&ca, key, "Bob");
  assert_names_equal (X509_get_subject_name (chain_cert_get_x509 (cert)),
                      "CN=Bob,OU=Ledger,O=Gadget GmbH,L=Berlin,C=DE");
  subject = chain_cert_dup_subject (cert);
  cn = chain_name_dup_common_name (subject);
  ck_assert_str_eq (cn, "Bob");
  test_ca_clear (&ca);
}
END_TEST

/* The verifier's and the signer's officer check, on what the issuer makes. */
START_TEST (test_officer_passes_cms_check)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) officer = test_ca_issue_officer (&dist, key, OFFICER_NAME);
  g_autoptr(ChainCert) device = test_ca_issue_device (&dist, CHAIN_KEY_ALGORITHM_EC_P256, "sensor-0001");
  g_autoptr(GError) error = NULL;

  ck_assert (chain_cms_check_officer (officer, CHAIN_ERROR_REFUSED, &error));
  test_assert_no_error (error);

  /* Same issuer, same keyUsage: the device's clientAuth EKU sets it apart. */
  ck_assert (!chain_cms_check_officer (device, CHAIN_ERROR_VERIFY, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "not an officer certificate",
                           "extendedKeyUsage emailProtection", NULL);
  ck_assert (!chain_cms_check_officer (dist.cert, CHAIN_ERROR_REFUSED, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "not an officer certificate", "CA:FALSE", NULL);
}
END_TEST

/* Runs `openssl verify -x509_strict -purpose smimesign` on @leaf under the
 * tiers; returns its status and its combined output in @out_output. */
static int
openssl_verify_smimesign (const char *dir,
                          ChainCert  *leaf,
                          char      **out_output)
{
  g_autofree char *anchor = test_pki_write_pem (dir, "root.pem", root.cert, NULL);
  g_autofree char *untrusted = test_pki_write_pem (dir, "untrusted.pem", dist.cert, cm.cert, NULL);
  g_autofree char *leaf_path = test_pki_write_pem (dir, "leaf.pem", leaf, NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = {
    "openssl", "verify", "-x509_strict", "-purpose", "smimesign", "-CAfile", anchor,
    "-untrusted", untrusted, leaf_path, NULL,
  };
  int status = test_support_run (argv, NULL, &out, &err);

  *out_output = g_strconcat (out != NULL ? out : "", err != NULL ? err : "", NULL);
  return status;
}

START_TEST (test_officer_openssl_smimesign)
{
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) officer = test_ca_issue_officer (&dist, key, OFFICER_NAME);
  g_autoptr(ChainCert) device = test_ca_issue_device (&dist, CHAIN_KEY_ALGORITHM_EC_P256, "sensor-0001");
  g_autofree char *output = NULL;
  int status;

  status = openssl_verify_smimesign (dir, officer, &output);
  ck_assert_msg (status == 0, "openssl verify refused the officer (%d): %s", status, output);
  ck_assert_msg (strstr (output, ": OK") != NULL, "%s", output);
  g_clear_pointer (&output, g_free);

  /* What makes the check worth running: a device is no S/MIME signer. */
  status = openssl_verify_smimesign (dir, device, &output);
  ck_assert_msg (status != 0, "openssl verify took a device for an S/MIME signer: %s", output);
  ck_assert_msg (strstr (output, "unsuitable certificate purpose") != NULL, "%s", output);
  test_support_tmpdir_remove (dir);
}
END_TEST

START_TEST (test_officer_refuse_validity)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 end = chain_cert_get_not_after (dist.cert);
  gint64 now = test_pki_now ();

  options.not_after = end + 1;
  ck_assert_ptr_null (chain_issuer_issue_officer (dist.issuer, OFFICER_NAME, key, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Line 3 CA", "expires", NULL);

  options.not_before = chain_cert_get_not_before (dist.cert) - TEST_DAY;
  options.not_after = now + TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_officer (dist.issuer, OFFICER_NAME, key, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "start", NULL);

  options.not_before = now + 2 * TEST_DAY;
  options.not_after = now + TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_officer (dist.issuer, OFFICER_NAME, key, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "not_after", NULL);

  /* Exactly the issuer's end is inside. */
  options.not_before = 0;
  options.not_after = end;
  cert = chain_issuer_issue_officer (dist.issuer, OFFICER_NAME, key, &options, &error);
  test_assert_no_error (error);
  ck_assert_int_eq (chain_cert_get_not_after (cert), end);
}
END_TEST

/* An officer inherits the issuer's name, so only its CN can break a
 * constraint: a dirName exclusion naming that CN, or a DNS constraint
 * when the CN looks like a host name. */
static const struct {
  const char *constraints;
  const char *name;
  gboolean    ok;
} officer_nc_cases[] = {
  { "excluded:dirName:CN=Mallory,O=Widget Ltd,C=DE", "Mallory", FALSE },
  { "excluded:dirName:CN=Mallory,O=Widget Ltd,C=DE", OFFICER_NAME, TRUE },
  { "permitted:DNS:factory.example.com", "ops.evil.example", FALSE },
  { "permitted:DNS:factory.example.com", "ops.factory.example.com", TRUE },
  { "permitted:DNS:factory.example.com", OFFICER_NAME, TRUE },
};

START_TEST (test_officer_name_constraints)
{
  TestCa sub = { 0 };
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  test_ca_make_sub (&sub, &root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Officers CA,O=Widget Ltd,C=DE", 0,
                    officer_nc_cases[_i].constraints);
  options.not_after = test_pki_now () + 30 * TEST_DAY;
  cert = chain_issuer_issue_officer (sub.issuer, officer_nc_cases[_i].name, key, &options, &error);
  if (officer_nc_cases[_i].ok)
    {
      test_assert_no_error (error);
      ck_assert_ptr_nonnull (cert);
    }
  else
    {
      ck_assert_ptr_null (cert);
      test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Officers CA", "name constraints",
                               officer_nc_cases[_i].name, NULL);
    }
  test_ca_clear (&sub);
}
END_TEST

START_TEST (test_officer_refuse_reused_key)
{
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + 30 * TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_officer (dist.issuer, OFFICER_NAME, dist.key, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Line 3 CA", "key of its own", NULL);
  /* Any key of the chain, not only the issuer's own. */
  ck_assert_ptr_null (chain_issuer_issue_officer (dist.issuer, OFFICER_NAME, root.key, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Widget Root CA", "key of its own", NULL);
}
END_TEST

static const struct {
  const char *name;
  gboolean    ok;
} officer_name_cases[] = {
  { "A", TRUE },
  { "0123456789012345678901234567890123456789012345678901234567890123", TRUE },
  { "", FALSE },
  { "01234567890123456789012345678901234567890123456789012345678901234", FALSE },
  { "line\nbreak", FALSE },
};

START_TEST (test_officer_name_rules)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + 30 * TEST_DAY;
  cert = chain_issuer_issue_officer (dist.issuer, officer_name_cases[_i].name, key, &options, &error);
  if (officer_name_cases[_i].ok)
    {
      g_autoptr(ChainName) subject = NULL;
      g_autofree char *cn = NULL;

      test_assert_no_error (error);
      subject = chain_cert_dup_subject (cert);
      cn = chain_name_dup_common_name (subject);
      ck_assert_str_eq (cn, officer_name_cases[_i].name);
    }
  else
    {
      ck_assert_ptr_null (cert);
      test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "CN", NULL);
    }
}
END_TEST

/* ---------------------------------------------------------------- refusals */

START_TEST (test_refuse_path_len_zero)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Sub Distributor CA,O=Widget Ltd,C=DE");
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.path_len = 0;
  options.not_after = test_pki_now () + TEST_YEAR;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (dist.issuer, csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Line 3 CA", "path length", NULL);
}
END_TEST

/* The root allows one CA level; a CM forged without a path length of its
 * own may still not add a second. */
START_TEST (test_refuse_grandparent_path_len)
{
  TestCa top = { 0 };
  TestCa mid = { 0 };
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Too Deep CA,O=Widget Ltd,C=DE");
  g_autoptr(GPtrArray) ancestors = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) device = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  test_ca_make_root (&top, CHAIN_KEY_ALGORITHM_EC_P256, ROOT_DN, 1);
  mid.key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  mid.cert = test_ca_forge (&top, mid.key, CM_DN, "critical,CA:TRUE", "critical,keyCertSign,cRLSign");
  g_ptr_array_add (ancestors, top.cert);
  mid.issuer = chain_issuer_new (mid.cert, mid.key, ancestors, &error);
  test_assert_no_error (error);

  options.not_after = test_pki_now () + TEST_DAY;
  for (int path_len = CHAIN_PATH_LEN_UNLIMITED; path_len <= 1; path_len++)
    {
      options.path_len = path_len;
      ck_assert_ptr_null (chain_issuer_issue_sub_ca (mid.issuer, csr, &options, &error));
      test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Widget Root CA", "path length", NULL);
    }

  /* Devices below the forged CM are still fine. */
  device = issue_device (&mid, "d1", &error);
  test_assert_no_error (error);
  test_ca_clear (&mid);
  test_ca_clear (&top);
}
END_TEST

START_TEST (test_refuse_unlimited_when_constrained)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Other CM CA,O=Widget Ltd,C=DE");
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + TEST_YEAR;
  options.path_len = CHAIN_PATH_LEN_UNLIMITED;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (root.issuer, csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Widget Root CA", "at most 1", NULL);
}
END_TEST

START_TEST (test_refuse_path_len_over_budget)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Other CM CA,O=Widget Ltd,C=DE");
  g_autoptr(ChainCsr) csr2 = test_pki_csr (key, "CN=Other Distributor CA,O=Widget Ltd,C=DE");
  g_autoptr(ChainCert) ok = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + TEST_YEAR;
  options.path_len = 2;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (root.issuer, csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Widget Root CA", "at most 1", NULL);

  /* Under the CM (path length 1) the root's budget is 0 as well. */
  options.path_len = 1;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (cm.issuer, csr2, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "at most 0", NULL);

  options.path_len = 1;
  ok = chain_issuer_issue_sub_ca (root.issuer, csr, &options, &error);
  test_assert_no_error (error);
  ck_assert_int_eq (chain_cert_get_path_len (ok), 1);

  options.path_len = 33;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (root.issuer, csr, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_refuse_dirname_sub_ca)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Rogue CA,O=Evil Corp,C=DE");
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.path_len = 0;
  options.not_after = test_pki_now () + TEST_YEAR;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (cm.issuer, csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Acme Factory CA", "name constraints", NULL);
}
END_TEST

/* Devices inherit the issuer's name, so a dirName exclusion that names a
 * device id is what a device can break. */
START_TEST (test_refuse_dirname_device)
{
  TestCa sub = { 0 };
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;

  test_ca_make_sub (&sub, &root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Excluding CA,O=Widget Ltd,C=DE", 0,
                    "permitted:dirName:O=Widget Ltd,C=DE;excluded:dirName:CN=banned,O=Widget Ltd,C=DE");
  cert = issue_device (&sub, "banned", &error);
  ck_assert_ptr_null (cert);
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Excluding CA", "name constraints", NULL);
  cert = issue_device (&sub, "allowed", &error);
  test_assert_no_error (error);
  test_ca_clear (&sub);
}
END_TEST

static const struct {
  const char *device_id;
  gboolean    ok;
} dns_cases[] = {
  { "sensor1.factory.example.com", TRUE },
  { "sensor-without-dots", TRUE },
  { "rogue.evil.example", FALSE },
  { "x.banned.factory.example.com", FALSE },
};

START_TEST (test_dns_constraints_device)
{
  TestCa sub = { 0 };
  TestCa leaf_ca = { 0 };
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;

  /* The constraint sits on the grandparent of the devices. */
  test_ca_make_sub (&sub, &root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=DNS CM CA,O=Widget Ltd,C=DE", 1,
                    "permitted:DNS:factory.example.com;excluded:DNS:banned.factory.example.com");
  test_ca_make_sub (&leaf_ca, &sub, CHAIN_KEY_ALGORITHM_EC_P256, "CN=DNS Line CA,O=Widget Ltd,C=DE", 0,
                    NULL);
  cert = issue_device (&leaf_ca, dns_cases[_i].device_id, &error);
  if (dns_cases[_i].ok)
    test_assert_no_error (error);
  else
    {
      ck_assert_ptr_null (cert);
      test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "DNS CM CA", "name constraints", NULL);
    }
  test_ca_clear (&leaf_ca);
  test_ca_clear (&sub);
}
END_TEST

START_TEST (test_refuse_validity_beyond_issuer)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Long CA,O=Widget Ltd,C=DE");
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 end = chain_cert_get_not_after (cm.cert);

  options.path_len = 0;
  options.not_after = end + 1;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (cm.issuer, csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Acme Factory CA", "expires", NULL);

  end = chain_cert_get_not_after (dist.cert);
  options.not_after = end + TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", csr, NULL, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Line 3 CA", NULL);

  /* Exactly the issuer's end is inside. */
  options.not_after = end;
  cert = chain_issuer_issue_device (dist.issuer, "d1", csr, NULL, &options, &error);
  test_assert_no_error (error);
  ck_assert_int_eq (chain_cert_get_not_after (cert), end);
}
END_TEST

START_TEST (test_refuse_validity_before_issuer)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Early CA,O=Widget Ltd,C=DE");
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.path_len = 0;
  options.not_before = chain_cert_get_not_before (cm.cert) - TEST_DAY;
  options.not_after = test_pki_now () + TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (cm.issuer, csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "start", NULL);
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", csr, NULL, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "start", NULL);
}
END_TEST

START_TEST (test_refuse_bad_validity)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Bad Dates CA,O=Widget Ltd,C=DE");
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = test_pki_now ();

  options.path_len = 0;
  options.not_before = now + 2 * TEST_DAY;
  options.not_after = now + TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (cm.issuer, csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "not_after", NULL);
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", csr, NULL, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "not_after", NULL);

  options.not_after = options.not_before;
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", csr, NULL, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  options.not_before = 0;
  options.not_after = 0;
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", csr, NULL, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  options.not_before = -5;
  options.not_after = now + TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", csr, NULL, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_refuse_same_subject)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, ROOT_DN);
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.path_len = 0;
  options.not_after = test_pki_now () + TEST_YEAR;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (cm.issuer, csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "same subject", "Widget Root CA", NULL);
}
END_TEST

START_TEST (test_refuse_reused_key)
{
  g_autoptr(ChainCsr) csr = test_pki_csr (cm.key, "CN=Copycat CA,O=Widget Ltd,C=DE");
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.path_len = 0;
  options.not_after = test_pki_now () + TEST_YEAR;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (cm.issuer, csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Acme Factory CA", NULL);
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", NULL, root.key, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Widget Root CA", NULL);
}
END_TEST

START_TEST (test_issuer_new_key_mismatch)
{
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_null (chain_issuer_new (cm.cert, dist.key, chain_issuer_get_chain (root.issuer), &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "Acme Factory CA", NULL);
  ck_assert_ptr_null (chain_issuer_new (root.cert, cm.key, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_issuer_new_not_ca)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) device = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + TEST_YEAR;
  device = chain_issuer_issue_device (dist.issuer, "d1", NULL, key, &options, &error);
  test_assert_no_error (error);
  ck_assert_ptr_null (chain_issuer_new (device, key, chain_issuer_get_chain (dist.issuer), &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "not a CA", NULL);
}
END_TEST

START_TEST (test_issuer_new_no_key_cert_sign)
{
  TestCa forged = { 0 };
  g_autoptr(GError) error = NULL;

  forged.key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  forged.cert = test_ca_forge (&root, forged.key, "CN=CRL Only CA,O=Widget Ltd,C=DE",
                               "critical,CA:TRUE,pathlen:0", "critical,cRLSign");
  ck_assert_ptr_null (chain_issuer_new (forged.cert, forged.key, chain_issuer_get_chain (root.issuer), &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "keyCertSign", NULL);
  test_ca_clear (&forged);
}
END_TEST

START_TEST (test_issuer_new_bad_links)
{
  g_autoptr(GPtrArray) skipping = g_ptr_array_new ();
  g_autoptr(GPtrArray) reversed = g_ptr_array_new ();
  g_autoptr(GPtrArray) no_root = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (skipping, root.cert);
  ck_assert_ptr_null (chain_issuer_new (dist.cert, dist.key, skipping, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "Line 3 CA", "Widget Root CA", NULL);

  g_ptr_array_add (reversed, root.cert);
  g_ptr_array_add (reversed, cm.cert);
  ck_assert_ptr_null (chain_issuer_new (dist.cert, dist.key, reversed, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  g_ptr_array_add (no_root, cm.cert);
  ck_assert_ptr_null (chain_issuer_new (dist.cert, dist.key, no_root, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "self-signed root", NULL);
}
END_TEST

START_TEST (test_issuer_new_expired)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainName) name = test_pki_name (ROOT_DN);
  g_autoptr(ChainCert) old = NULL;
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = test_pki_now ();

  options.not_before = now - 2 * TEST_YEAR;
  options.not_after = now - TEST_YEAR;
  old = chain_root_create (key, name, &options, &error);
  test_assert_no_error (error);
  ck_assert_ptr_null (chain_issuer_new (old, key, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "expired", NULL);
}
END_TEST

START_TEST (test_bad_options_version)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=Versioned CA,O=Widget Ltd,C=DE");
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.version = 2;
  options.not_after = test_pki_now () + TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (cm.issuer, csr, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (chain_issuer_issue_device (dist.issuer, "d1", csr, NULL, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (chain_issuer_issue_officer (dist.issuer, "officer", cm.key, &options, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

/* ---------------------------------------------------------------- serials, threads */

#define N_SERIALS 10000

START_TEST (test_serials_unique)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + TEST_YEAR;
  for (guint i = 0; i < N_SERIALS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = g_strdup_printf ("dev-%05u", i);
      g_autoptr(ChainCert) cert = chain_issuer_issue_device (dist.issuer, id, csr, NULL, &options, &error);
      char *serial;

      test_assert_no_error (error);
      serial = chain_cert_dup_serial (cert);
      ck_assert_uint_eq (strlen (serial), 32);
      ck_assert_msg (serial[0] >= '4' && serial[0] <= '7', "serial %s", serial);
      ck_assert_msg (g_hash_table_add (seen, serial), "serial %s issued twice", serial);
    }
  ck_assert_uint_eq (g_hash_table_size (seen), N_SERIALS);
}
END_TEST

#define N_THREADS 4
#define PER_THREAD 250

typedef struct {
  ChainIssuer *issuer;
  ChainCsr    *csr;
  guint        index;
  GPtrArray   *certs;
  guint        failures;
} Worker;

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + TEST_YEAR;
  for (guint i = 0; i < PER_THREAD; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = g_strdup_printf ("t%u-dev-%04u", w->index, i);
      ChainCert *cert = chain_issuer_issue_device (w->issuer, id, w->csr, NULL, &options, &error);

      if (cert == NULL)
        w->failures++;
      else
        g_ptr_array_add (w->certs, cert);
    }
  return NULL;
}

START_TEST (test_concurrent_issuance)
{
  Worker workers[N_THREADS];
  GThread *threads[N_THREADS];
  g_autoptr(GHashTable) serials = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ChainCsr *csrs[N_THREADS];
  EVP_PKEY *issuer_key = X509_get0_pubkey (chain_cert_get_x509 (dist.cert));

  for (guint t = 0; t < N_THREADS; t++)
    {
      g_autoptr(ChainKey) key = test_pki_key (t % 2 ? CHAIN_KEY_ALGORITHM_EC_P384 : CHAIN_KEY_ALGORITHM_EC_P256);

      csrs[t] = test_pki_csr (key, "CN=device");
      workers[t] = (Worker) { dist.issuer, csrs[t], t, g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free), 0 };
    }
  for (guint t = 0; t < N_THREADS; t++)
    threads[t] = g_thread_new ("issuer", worker_run, &workers[t]);
  for (guint t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);

  for (guint t = 0; t < N_THREADS; t++)
    {
      ck_assert_uint_eq (workers[t].failures, 0);
      ck_assert_uint_eq (workers[t].certs->len, PER_THREAD);
      for (guint i = 0; i < workers[t].certs->len; i++)
        {
          ChainCert *cert = g_ptr_array_index (workers[t].certs, i);
          g_autoptr(ChainName) subject = chain_cert_dup_subject (cert);
          g_autofree char *expected = g_strdup_printf ("t%u-dev-%04u", t, i);
          char *cn = chain_name_dup_common_name (subject);

          ck_assert_str_eq (cn, expected);
          ck_assert (g_hash_table_add (ids, cn));
          ck_assert (g_hash_table_add (serials, chain_cert_dup_serial (cert)));
          ck_assert_int_eq (X509_verify (chain_cert_get_x509 (cert), issuer_key), 1);
        }
      g_ptr_array_unref (workers[t].certs);
      chain_csr_free (csrs[t]);
    }
  ck_assert_uint_eq (g_hash_table_size (serials), N_THREADS * PER_THREAD);
}
END_TEST

static Suite *
issuer_suite (void)
{
  Suite *s = suite_create ("issuer");
  TCase *tc;

  tc = tcase_create ("root");
  tcase_add_loop_test (tc, test_root_profile, 0, G_N_ELEMENTS (root_cases));
  tcase_add_test (tc, test_root_unlimited_path_len);
  tcase_add_test (tc, test_root_errors);
  tcase_add_test (tc, test_sub_ca_unlimited_under_unlimited);
  tcase_add_test (tc, test_pop_clipped_to_issuer);
  tcase_add_test (tc, test_issuer_new_expired);
  suite_add_tcase (s, tc);

  tc = tcase_create ("profiles");
  tcase_add_checked_fixture (tc, tiers_setup, tiers_teardown);
  tcase_add_test (tc, test_sub_ca_profile);
  tcase_add_test (tc, test_sub_ca_validity_as_requested);
  tcase_add_loop_test (tc, test_device_profile, 0, G_N_ELEMENTS (device_cases));
  tcase_add_loop_test (tc, test_device_from_key, 0, G_N_ELEMENTS (device_cases));
  tcase_add_test (tc, test_device_from_parsed_csr);
  tcase_add_test (tc, test_pop_profile);
  tcase_add_loop_test (tc, test_pop_code_rules, 0, G_N_ELEMENTS (pop_code_cases));
  tcase_add_loop_test (tc, test_device_id_rules, 0, G_N_ELEMENTS (device_id_cases));
  tcase_add_test (tc, test_device_needs_csr_or_key);
  tcase_add_test (tc, test_issuer_chain);
  tcase_add_test (tc, test_issuer_owns_its_inputs);
  suite_add_tcase (s, tc);

  tc = tcase_create ("officers");
  tcase_add_checked_fixture (tc, tiers_setup, tiers_teardown);
  tcase_add_loop_test (tc, test_officer_profile, 0, G_N_ELEMENTS (officer_algorithms));
  tcase_add_test (tc, test_officer_subject_follows_issuer);
  tcase_add_test (tc, test_officer_passes_cms_check);
  tcase_add_test (tc, test_officer_openssl_smimesign);
  tcase_add_test (tc, test_officer_refuse_validity);
  tcase_add_loop_test (tc, test_officer_name_constraints, 0, G_N_ELEMENTS (officer_nc_cases));
  tcase_add_test (tc, test_officer_refuse_reused_key);
  tcase_add_loop_test (tc, test_officer_name_rules, 0, G_N_ELEMENTS (officer_name_cases));
  suite_add_tcase (s, tc);

  tc = tcase_create ("refusals");
  tcase_add_checked_fixture (tc, tiers_setup, tiers_teardown);
  tcase_add_test (tc, test_refuse_path_len_zero);
  tcase_add_test (tc, test_refuse_grandparent_path_len);
  tcase_add_test (tc, test_refuse_unlimited_when_constrained);
  tcase_add_test (tc, test_refuse_path_len_over_budget);
  tcase_add_test (tc, test_refuse_dirname_sub_ca);
  tcase_add_test (tc, test_refuse_dirname_device);
  tcase_add_loop_test (tc, test_dns_constraints_device, 0, G_N_ELEMENTS (dns_cases));
  tcase_add_test (tc, test_refuse_validity_beyond_issuer);
  tcase_add_test (tc, test_refuse_validity_before_issuer);
  tcase_add_test (tc, test_refuse_bad_validity);
  tcase_add_test (tc, test_refuse_same_subject);
  tcase_add_test (tc, test_refuse_reused_key);
  tcase_add_test (tc, test_issuer_new_key_mismatch);
  tcase_add_test (tc, test_issuer_new_not_ca);
  tcase_add_test (tc, test_issuer_new_no_key_cert_sign);
  tcase_add_test (tc, test_issuer_new_bad_links);
  tcase_add_test (tc, test_bad_options_version);
  suite_add_tcase (s, tc);

  tc = tcase_create ("bulk");
  tcase_add_checked_fixture (tc, tiers_setup, tiers_teardown);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_serials_unique);
  tcase_add_test (tc, test_concurrent_issuance);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  return test_support_run_suite (issuer_suite ());
}
