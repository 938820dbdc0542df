/* test-crl.c — writing, reading and checking certificate revocation lists */
#include "test-pki.h"

#include "chain-pki-private.h"

#include <glib/gstdio.h>
#include <string.h>

#define ROOT_DN "CN=Widget Root CA,O=Widget Ltd,C=DE"

static GBytes *
bytes_cat (GBytes     *a,
           const char *suffix,
           gsize       suffix_len)
{
  GByteArray *out = g_byte_array_new ();
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (a, &len);

  g_byte_array_append (out, data, (guint) len);
  g_byte_array_append (out, (const guint8 *) suffix, (guint) suffix_len);
  return g_byte_array_free_to_bytes (out);
}

static ChainCrl *
crl_parse_bytes (GBytes  *bytes,
                 GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return chain_crl_parse (data, len, error);
}

/* ---------------------------------------------------------------- fixture */

static TestCa root;
static ChainCert *devices[3];
static char *serials[3];

static void
setup (void)
{
  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, ROOT_DN, 1);
  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    {
      g_autofree char *id = g_strdup_printf ("device-%u", i);

      devices[i] = test_ca_issue_device (&root, CHAIN_KEY_ALGORITHM_EC_P256, id);
      serials[i] = chain_cert_dup_serial (devices[i]);
    }
}

static void
teardown (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    {
      g_clear_pointer (&devices[i], chain_cert_free);
      g_clear_pointer (&serials[i], g_free);
    }
  test_ca_clear (&root);
}

/* Two revoked devices: one for key compromise, one for no stated reason. */
static ChainCrl *
crl_two_entries (gint64 this_update,
                 gint64 next_update)
{
  g_autoptr(GError) error = NULL;
  ChainRevokedEntry entries[] = {
    { serials[0], test_pki_now () - TEST_DAY, CHAIN_REVOCATION_KEY_COMPROMISE },
    { serials[1], test_pki_now () - 2 * TEST_DAY, CHAIN_REVOCATION_UNSPECIFIED },
  };
  ChainCrl *crl = chain_issuer_create_crl (root.issuer, entries, G_N_ELEMENTS (entries), 7,
                                           this_update, next_update, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (crl);
  return crl;
}

/* Returns: the CRLReason of the entry for @serial_hex, -1 if it has none. */
static int
entry_reason (X509_CRL   *crl,
              const char *serial_hex)
{
  g_autoptr(BIGNUM) bn = NULL;
  g_autoptr(ASN1_INTEGER) serial = NULL;
  g_autoptr(ASN1_ENUMERATED) reason = NULL;
  X509_REVOKED *revoked = NULL;
  int critical = -1;

  ck_assert (BN_hex2bn (&bn, serial_hex) > 0);
  serial = BN_to_ASN1_INTEGER (bn, NULL);
  ck_assert_int_eq (X509_CRL_get0_by_serial (crl, &revoked, serial), 1);
  reason = X509_REVOKED_get_ext_d2i (revoked, NID_crl_reason, &critical, NULL);
  if (reason == NULL)
    {
      ck_assert_int_eq (critical, -1);
      return -1;
    }
  ck_assert_int_eq (critical, 0);
  return (int) ASN1_ENUMERATED_get (reason);
}

/* ---------------------------------------------------------------- tests */

START_TEST (test_create_profile)
{
  gint64 now = test_pki_now ();
  g_autoptr(ChainCrl) crl = crl_two_entries (now - 60, now + 7 * TEST_DAY);
  X509_CRL *x = chain_crl_get_x509_crl (crl);
  X509 *issuer = chain_cert_get_x509 (root.cert);
  g_autoptr(AUTHORITY_KEYID) akid = NULL;
  g_autoptr(ASN1_TIME) expected = ASN1_TIME_new ();
  int critical = -1;

  ck_assert_int_eq (X509_CRL_get_version (x), X509_CRL_VERSION_2);
  ck_assert_int_eq (X509_NAME_cmp (X509_CRL_get_issuer (x), X509_get_subject_name (issuer)), 0);
  ck_assert_int_eq (X509_CRL_get_signature_nid (x), NID_ecdsa_with_SHA256);

  akid = X509_CRL_get_ext_d2i (x, NID_authority_key_identifier, &critical, NULL);
  ck_assert_ptr_nonnull (akid);
  ck_assert_int_eq (critical, 0);
  ck_assert_int_eq (ASN1_OCTET_STRING_cmp (akid->keyid, X509_get0_subject_key_id (issuer)), 0);
  ck_assert_int_ge (X509_CRL_get_ext_by_NID (x, NID_crl_number, -1), 0);
  ck_assert_int_eq (X509_CRL_get_ext_count (x), 2);

  ck_assert (ASN1_TIME_set (expected, (time_t) (now - 60)));
  ck_assert_int_eq (ASN1_TIME_compare (X509_CRL_get0_lastUpdate (x), expected), 0);
  ck_assert (ASN1_TIME_set (expected, (time_t) (now + 7 * TEST_DAY)));
  ck_assert_int_eq (ASN1_TIME_compare (X509_CRL_get0_nextUpdate (x), expected), 0);

  ck_assert_uint_eq (chain_crl_get_n_entries (crl), 2);
  ck_assert_uint_eq (chain_crl_get_number (crl), 7);
  ck_assert (chain_crl_contains (crl, serials[0]));
  ck_assert (chain_crl_contains (crl, serials[1]));
  ck_assert (!chain_crl_contains (crl, serials[2]));

  /* RFC 5280 5.3.1: no reasonCode rather than "unspecified". */
  ck_assert_int_eq (entry_reason (x, serials[0]), CHAIN_REVOCATION_KEY_COMPROMISE);
  ck_assert_int_eq (entry_reason (x, serials[1]), -1);
}
END_TEST

static const ChainRevocationReason reasons[] = {
  CHAIN_REVOCATION_KEY_COMPROMISE,
  CHAIN_REVOCATION_CA_COMPROMISE,
  CHAIN_REVOCATION_AFFILIATION_CHANGED,
  CHAIN_REVOCATION_SUPERSEDED,
  CHAIN_REVOCATION_CESSATION_OF_OPERATION,
};

START_TEST (test_every_reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCrl) crl = NULL;
  ChainRevokedEntry entry = { serials[2], test_pki_now () - 60, reasons[_i] };

  crl = chain_issuer_create_crl (root.issuer, &entry, 1, 1, 0, test_pki_now () + TEST_DAY, &error);
  test_assert_no_error (error);
  ck_assert_int_eq (entry_reason (chain_crl_get_x509_crl (crl), serials[2]), (int) reasons[_i]);
}
END_TEST

START_TEST (test_empty_and_numbers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCrl) empty = NULL;
  g_autoptr(ChainCrl) big = NULL;

  empty = chain_issuer_create_crl (root.issuer, NULL, 0, 0, 0, test_pki_now () + TEST_DAY, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_crl_get_n_entries (empty), 0);
  ck_assert_uint_eq (chain_crl_get_number (empty), 0);
  ck_assert (!chain_crl_contains (empty, serials[0]));
  ck_assert (chain_crl_is_signed_by (empty, root.cert));

  big = chain_issuer_create_crl (root.issuer, NULL, 0, G_MAXUINT64, 0, test_pki_now () + TEST_DAY, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_crl_get_number (big), G_MAXUINT64);
}
END_TEST

START_TEST (test_roundtrip)
{
  g_autoptr(ChainCrl) crl = crl_two_entries (0, test_pki_now () + TEST_DAY);
  g_autoptr(GBytes) der = chain_crl_to_der (crl);
  g_autoptr(GBytes) pem = chain_crl_to_pem (crl);
  g_autoptr(ChainCrl) from_der = NULL;
  g_autoptr(ChainCrl) from_pem = NULL;
  g_autoptr(GBytes) der_again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pem_text = g_strndup (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));

  ck_assert (g_str_has_prefix (pem_text, "-----BEGIN X509 CRL-----\n"));
  ck_assert (g_str_has_suffix (pem_text, "-----END X509 CRL-----\n"));

  from_der = crl_parse_bytes (der, &error);
  test_assert_no_error (error);
  from_pem = crl_parse_bytes (pem, &error);
  test_assert_no_error (error);
  der_again = chain_crl_to_der (from_pem);
  ck_assert (g_bytes_equal (der, der_again));
  ck_assert_uint_eq (chain_crl_get_n_entries (from_der), 2);
  ck_assert_uint_eq (chain_crl_get_number (from_der), 7);
  ck_assert (chain_crl_contains (from_pem, serials[0]));
  ck_assert (chain_crl_is_signed_by (from_pem, root.cert));
}
END_TEST

START_TEST (test_contains_forms)
{
  g_autoptr(ChainCrl) crl = crl_two_entries (0, test_pki_now () + TEST_DAY);
  g_autofree char *upper = g_ascii_strup (serials[0], -1);
  g_autofree char *padded = g_strconcat ("00", serials[0], NULL);

  ck_assert (chain_crl_contains (crl, upper));
  ck_assert (chain_crl_contains (crl, padded));
  ck_assert (!chain_crl_contains (crl, ""));
  ck_assert (!chain_crl_contains (crl, NULL));
  ck_assert (!chain_crl_contains (crl, "not hex"));
  ck_assert (!chain_crl_contains (crl, "-1"));
  ck_assert (!chain_crl_contains (crl, "1"));
}
END_TEST

START_TEST (test_is_signed_by)
{
  TestCa impostor = { 0 };
  TestCa stranger = { 0 };
  g_autoptr(ChainCrl) crl = crl_two_entries (0, test_pki_now () + TEST_DAY);

  /* Same name, other key; other name, other key. */
  test_ca_make_root (&impostor, CHAIN_KEY_ALGORITHM_EC_P256, ROOT_DN, 1);
  test_ca_make_root (&stranger, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Stranger CA,O=Else,C=DE", 1);
  ck_assert (chain_crl_is_signed_by (crl, root.cert));
  ck_assert (!chain_crl_is_signed_by (crl, impostor.cert));
  ck_assert (!chain_crl_is_signed_by (crl, stranger.cert));
  test_ca_clear (&stranger);
  test_ca_clear (&impostor);
}
END_TEST

typedef struct {
  const char           *name;
  const char           *serial;       /* NULL: a device's serial */
  gint64                revoked_at;   /* relative to now */
  int                   reason;
  gint64                this_update;  /* relative to now; G_MININT64: 0 (now) */
  gint64                next_update;  /* relative to now */
} CreateCase;

static const CreateCase create_errors[] = {
  { "not hex", "xyz", -60, 0, G_MININT64, TEST_DAY },
  { "empty serial", "", -60, 0, G_MININT64, TEST_DAY },
  { "negative serial", "-1a", -60, 0, G_MININT64, TEST_DAY },
  { "serial over 20 bytes", "0123456789abcdef0123456789abcdef012345678", -60, 0, G_MININT64, TEST_DAY },
  { "next before this", NULL, -60, 0, G_MININT64, -TEST_DAY },
  { "next equals this", NULL, -60, 0, 0, 0 },
  { "revoked in the future", NULL, TEST_DAY, 0, G_MININT64, 2 * TEST_DAY },
  { "unknown reason", NULL, -60, 99, G_MININT64, TEST_DAY },
  { "negative reason", NULL, -60, -1, G_MININT64, TEST_DAY },
};

START_TEST (test_create_errors)
{
  const CreateCase *c = &create_errors[_i];
  g_autoptr(GError) error = NULL;
  gint64 now = test_pki_now ();
  ChainRevokedEntry entry = {
    c->serial != NULL ? c->serial : serials[0],
    now + c->revoked_at,
    (ChainRevocationReason) c->reason,
  };
  gint64 this_update = c->this_update == G_MININT64 ? 0 : now + c->this_update;

  ck_assert_msg (chain_issuer_create_crl (root.issuer, &entry, 1, 1, this_update,
                                          now + c->next_update, &error) == NULL,
                 "case %s succeeded", c->name);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_create_duplicate_serial)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *upper = g_ascii_strup (serials[0], -1);
  ChainRevokedEntry entries[] = {
    { serials[0], test_pki_now () - 60, CHAIN_REVOCATION_UNSPECIFIED },
    { upper, test_pki_now () - 60, CHAIN_REVOCATION_SUPERSEDED },
  };

  ck_assert_ptr_null (chain_issuer_create_crl (root.issuer, entries, 2, 1, 0, test_pki_now () + TEST_DAY,
                                               &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

/* A CA whose certificate lacks cRLSign may issue, but not revoke. */
START_TEST (test_issuer_without_crl_sign)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) cert = test_ca_forge (&root, key, "CN=No CRL CA,O=Widget Ltd,C=DE",
                                             "critical,CA:TRUE,pathlen:0", "critical,keyCertSign");
  g_autoptr(ChainIssuer) issuer = NULL;
  g_autoptr(GPtrArray) ancestors = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (ancestors, root.cert);
  issuer = chain_issuer_new (cert, key, ancestors, &error);
  test_assert_no_error (error);
  ck_assert_ptr_null (chain_issuer_create_crl (issuer, NULL, 0, 1, 0, test_pki_now () + TEST_DAY, &error));
  test_assert_error (error, CHAIN_ERROR_REFUSED);
}
END_TEST

START_TEST (test_parse_errors)
{
  g_autoptr(ChainCrl) crl = crl_two_entries (0, test_pki_now () + TEST_DAY);
  g_autoptr(GBytes) der = chain_crl_to_der (crl);
  g_autoptr(GBytes) pem = chain_crl_to_pem (crl);
  g_autoptr(GBytes) cert_pem = chain_cert_to_pem (root.cert);
  g_autoptr(GBytes) pem_trailing = bytes_cat (pem, "garbage\n", 8);
  g_autoptr(GBytes) der_trailing = bytes_cat (der, "\0", 1);
  g_autoptr(GBytes) pem_twice = NULL;
  g_autoptr(GBytes) der_truncated = g_bytes_new_from_bytes (der, 0, g_bytes_get_size (der) - 10);
  g_autofree guint8 *huge = g_malloc0 (CHAIN_INPUT_MAX_LEN + 1);
  g_autoptr(GError) error = NULL;

  pem_twice = bytes_cat (pem, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));

  ck_assert_ptr_null (chain_crl_parse ((const guint8 *) "", 0, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (chain_crl_parse ((const guint8 *) "hello world", 11, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (crl_parse_bytes (cert_pem, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (crl_parse_bytes (pem_trailing, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (crl_parse_bytes (pem_twice, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (crl_parse_bytes (der_trailing, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (crl_parse_bytes (der_truncated, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  huge[0] = 0x30;
  ck_assert_ptr_null (chain_crl_parse (huge, CHAIN_INPUT_MAX_LEN + 1, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  /* A certificate in DER is a SEQUENCE too, but not a CRL. */
  {
    g_autoptr(GBytes) cert_der = chain_cert_to_der (root.cert);

    ck_assert_ptr_null (crl_parse_bytes (cert_der, &error));
    test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  }
}
END_TEST

/* OpenSSL's own tool reads our CRL and checks its signature. */
START_TEST (test_openssl_reads_crl)
{
  g_autoptr(ChainCrl) crl = crl_two_entries (0, test_pki_now () + TEST_DAY);
  g_autoptr(GBytes) pem = chain_crl_to_pem (crl);
  g_autoptr(GBytes) root_pem = chain_cert_to_pem (root.cert);
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *crl_path = g_build_filename (dir, "crl.pem", NULL);
  g_autofree char *root_path = g_build_filename (dir, "root.pem", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *upper = g_ascii_strup (serials[0], -1);
  const char *argv[] = { "openssl", "crl", "-in", crl_path, "-CAfile", root_path, "-noout", "-text", NULL };
  int status;

  test_support_write_file (crl_path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
  test_support_write_file (root_path, g_bytes_get_data (root_pem, NULL), g_bytes_get_size (root_pem));
  status = test_support_run (argv, NULL, &out, &err);
  ck_assert_msg (status == 0, "openssl crl failed: %s", err ? err : "");
  ck_assert_ptr_nonnull (out);
  ck_assert_msg ((err != NULL && strstr (err, "verify OK") != NULL) || strstr (out, "verify OK") != NULL,
                 "no verify OK: %s", err ? err : "");
  ck_assert_msg (strstr (out, "Version 2") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "X509v3 CRL Number") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "Key Compromise") != NULL, "%s", out);
  ck_assert_msg (strstr (out, upper) != NULL, "serial %s missing: %s", upper, out);
  test_support_tmpdir_remove (dir);
}
END_TEST

START_TEST (test_free_null)
{
  chain_crl_free (NULL);
}
END_TEST

static Suite *
crl_suite (void)
{
  Suite *s = suite_create ("crl");
  TCase *tc = tcase_create ("crl");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_create_profile);
  tcase_add_loop_test (tc, test_every_reason, 0, G_N_ELEMENTS (reasons));
  tcase_add_test (tc, test_empty_and_numbers);
  tcase_add_test (tc, test_roundtrip);
  tcase_add_test (tc, test_contains_forms);
  tcase_add_test (tc, test_is_signed_by);
  tcase_add_loop_test (tc, test_create_errors, 0, G_N_ELEMENTS (create_errors));
  tcase_add_test (tc, test_create_duplicate_serial);
  tcase_add_test (tc, test_issuer_without_crl_sign);
  tcase_add_test (tc, test_parse_errors);
  tcase_add_test (tc, test_openssl_reads_crl);
  tcase_add_test (tc, test_free_null);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return test_support_run_suite (crl_suite ());
}
