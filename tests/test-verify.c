/* test-verify.c — path validation: anchors, time, revocation, purpose */
#include "test-pki.h"

#include "chain-pki-private.h"

#include <string.h>

static ChainCrl *
crl_new (TestCa    *ca,
         ChainCert *revoked)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *serial = revoked != NULL ? chain_cert_dup_serial (revoked) : NULL;
  ChainRevokedEntry entry = { serial, test_pki_now () - 60, CHAIN_REVOCATION_KEY_COMPROMISE };
  ChainCrl *crl;

  crl = chain_issuer_create_crl (ca->issuer, &entry, revoked != NULL ? 1 : 0, 1, 0,
                                 test_pki_now () + 7 * TEST_DAY, &error);
  test_assert_no_error (error);
  return crl;
}

/* Checks @error is CHAIN_ERROR_VERIFY and its message reads
 * "certificate 'CN' (depth N): reason", then clears it. */
static void
assert_verify_error (GError    **error,
                     const char *cn,
                     int         depth,
                     const char *reason)
{
  g_autofree char *expected = g_strdup_printf ("certificate '%s' (depth %d): %s", cn, depth, reason);

  ck_assert_ptr_nonnull (*error);
  ck_assert_msg (strcmp ((*error)->message, expected) == 0,
                 "message \"%s\", expected \"%s\"", (*error)->message, expected);
  test_assert_error (*error, CHAIN_ERROR_VERIFY);
}

/* ---------------------------------------------------------------- fixture */

static TestCa root;
static TestCa cm;
static TestCa dist;
static TestCa other;
static ChainCert *device;
static GPtrArray *intermediates;
static GPtrArray *anchors;

static void
setup (void)
{
  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Widget Root CA,O=Widget Ltd,C=DE", 2);
  test_ca_make_sub (&cm, &root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Acme Factory CA,O=Widget Ltd,C=DE", 1,
                    NULL);
  test_ca_make_sub (&dist, &cm, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Line 3 CA,O=Widget Ltd,C=DE", 0, NULL);
  test_ca_make_root (&other, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Other Root CA,O=Other Ltd,C=DE", 2);
  device = test_ca_issue_device (&dist, CHAIN_KEY_ALGORITHM_EC_P256, "sensor-1");

  intermediates = g_ptr_array_new ();
  g_ptr_array_add (intermediates, dist.cert);
  g_ptr_array_add (intermediates, cm.cert);
  anchors = g_ptr_array_new ();
  g_ptr_array_add (anchors, root.cert);
}

static void
teardown (void)
{
  g_clear_pointer (&intermediates, g_ptr_array_unref);
  g_clear_pointer (&anchors, g_ptr_array_unref);
  g_clear_pointer (&device, chain_cert_free);
  test_ca_clear (&other);
  test_ca_clear (&dist);
  test_ca_clear (&cm);
  test_ca_clear (&root);
}

/* ---------------------------------------------------------------- tests */

START_TEST (test_valid_chain)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;

  options.purpose = CHAIN_VERIFY_PURPOSE_CLIENT_AUTH;
  ck_assert (chain_verify (device, intermediates, anchors, &options, &chain, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (chain->len, 4);
  ck_assert (chain_cert_equal (g_ptr_array_index (chain, 0), device));
  ck_assert (chain_cert_equal (g_ptr_array_index (chain, 1), dist.cert));
  ck_assert (chain_cert_equal (g_ptr_array_index (chain, 2), cm.cert));
  ck_assert (chain_cert_equal (g_ptr_array_index (chain, 3), root.cert));

  /* Defaults, and no out_chain. */
  ck_assert (chain_verify (device, intermediates, anchors, NULL, NULL, &error));
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_intermediates_any_order)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) shuffled = g_ptr_array_new ();

  g_ptr_array_add (shuffled, other.cert);
  g_ptr_array_add (shuffled, cm.cert);
  g_ptr_array_add (shuffled, dist.cert);
  ck_assert (chain_verify (device, shuffled, anchors, NULL, NULL, &error));
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_wrong_anchor)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) wrong = g_ptr_array_new ();
  g_autoptr(GPtrArray) chain = NULL;

  g_ptr_array_add (wrong, other.cert);
  ck_assert (!chain_verify (device, intermediates, wrong, NULL, &chain, &error));
  ck_assert_ptr_null (chain);
  assert_verify_error (&error, "Acme Factory CA", 2, "unable to get local issuer certificate");
}
END_TEST

START_TEST (test_no_anchor)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new ();

  ck_assert (!chain_verify (device, intermediates, none, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  ck_assert (!chain_verify (device, intermediates, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
}
END_TEST

START_TEST (test_expired_at_time)
{
  g_autoptr(GError) error = NULL;
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;

  options.at_time = chain_cert_get_not_after (device) + 1;
  ck_assert (!chain_verify (device, intermediates, anchors, &options, NULL, &error));
  assert_verify_error (&error, "sensor-1", 0, "certificate has expired");

  /* OpenSSL counts notAfter itself as expired; the second before is fine. */
  options.at_time = chain_cert_get_not_after (device) - 1;
  ck_assert (chain_verify (device, intermediates, anchors, &options, NULL, &error));
  test_assert_no_error (error);

  options.at_time = chain_cert_get_not_before (root.cert) - TEST_DAY;
  ck_assert (!chain_verify (device, intermediates, anchors, &options, NULL, &error));
  /* OpenSSL checks validity from the anchor down. */
  assert_verify_error (&error, "Widget Root CA", 3, "certificate is not yet valid");
}
END_TEST

START_TEST (test_revoked_device)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) crls = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_crl_free);
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;

  options.crls = crls;
  g_ptr_array_add (crls, crl_new (&root, NULL));
  g_ptr_array_add (crls, crl_new (&cm, NULL));
  g_ptr_array_add (crls, crl_new (&dist, device));
  ck_assert (!chain_verify (device, intermediates, anchors, &options, NULL, &error));
  assert_verify_error (&error, "sensor-1", 0, "certificate revoked");
}
END_TEST

START_TEST (test_revoked_intermediate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) crls = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_crl_free);
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;

  options.crls = crls;
  g_ptr_array_add (crls, crl_new (&root, NULL));
  g_ptr_array_add (crls, crl_new (&cm, dist.cert));
  g_ptr_array_add (crls, crl_new (&dist, NULL));
  ck_assert (!chain_verify (device, intermediates, anchors, &options, NULL, &error));
  assert_verify_error (&error, "Line 3 CA", 1, "certificate revoked");
}
END_TEST

START_TEST (test_crls_clean)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) crls = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_crl_free);
  g_autoptr(ChainCert) other_device = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  ChainIssueOptions issue = CHAIN_ISSUE_OPTIONS_INIT;
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;

  /* The distributor revoked some other device; ours stays good. */
  issue.not_after = test_pki_now () + TEST_DAY;
  other_device = chain_issuer_issue_device (dist.issuer, "sensor-2", NULL, key, &issue, &error);
  test_assert_no_error (error);
  options.crls = crls;
  g_ptr_array_add (crls, crl_new (&root, NULL));
  g_ptr_array_add (crls, crl_new (&cm, NULL));
  g_ptr_array_add (crls, crl_new (&dist, other_device));
  ck_assert (chain_verify (device, intermediates, anchors, &options, NULL, &error));
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_crl_missing)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) crls = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_crl_free);
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;

  /* The CM published none: the distributor's status is unknown. */
  options.crls = crls;
  g_ptr_array_add (crls, crl_new (&root, NULL));
  g_ptr_array_add (crls, crl_new (&dist, NULL));
  ck_assert (!chain_verify (device, intermediates, anchors, &options, NULL, &error));
  assert_verify_error (&error, "Line 3 CA", 1, "unable to get certificate CRL");
}
END_TEST

START_TEST (test_missing_intermediate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) only_dist = g_ptr_array_new ();

  g_ptr_array_add (only_dist, dist.cert);
  ck_assert (!chain_verify (device, only_dist, anchors, NULL, NULL, &error));
  assert_verify_error (&error, "Line 3 CA", 1, "unable to get local issuer certificate");
  ck_assert (!chain_verify (device, NULL, anchors, NULL, NULL, &error));
  assert_verify_error (&error, "sensor-1", 0, "unable to get local issuer certificate");
}
END_TEST

/* A cloud trusts the CA that was uploaded, not necessarily the root. */
START_TEST (test_intermediate_anchor)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cm_anchor = g_ptr_array_new ();
  g_autoptr(GPtrArray) only_dist = g_ptr_array_new ();
  g_autoptr(GPtrArray) chain = NULL;

  g_ptr_array_add (cm_anchor, cm.cert);
  g_ptr_array_add (only_dist, dist.cert);
  ck_assert (chain_verify (device, only_dist, cm_anchor, NULL, &chain, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (chain->len, 3);
  ck_assert (chain_cert_equal (g_ptr_array_index (chain, 2), cm.cert));
}
END_TEST

START_TEST (test_purpose_client_auth)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) above_dist = g_ptr_array_new ();
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;

  /* A CA certificate is fine as such, but no TLS client. */
  g_ptr_array_add (above_dist, cm.cert);
  ck_assert (chain_verify (dist.cert, above_dist, anchors, &options, NULL, &error));
  test_assert_no_error (error);
  options.purpose = CHAIN_VERIFY_PURPOSE_CLIENT_AUTH;
  ck_assert (!chain_verify (dist.cert, above_dist, anchors, &options, NULL, &error));
  assert_verify_error (&error, "Line 3 CA", 0, "unsuitable certificate purpose");
}
END_TEST

/* A leaf signed with SHA-1 by a CA of the chain: the policy says never. */
START_TEST (test_sha1_refused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) forged = NULL;
  X509 *x = X509_dup (chain_cert_get_x509 (device));

  ck_assert_ptr_nonnull (x);
  ck_assert (X509_sign (x, chain_key_get_pkey (dist.key), EVP_sha1 ()) > 0);
  forged = chain_cert_new_take (x);
  ck_assert (!chain_verify (forged, intermediates, anchors, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
}
END_TEST

/* A device certificate re-signed by a key outside the chain. */
START_TEST (test_bad_signature)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) forged = NULL;
  X509 *x = X509_dup (chain_cert_get_x509 (device));

  ck_assert (X509_sign (x, chain_key_get_pkey (other.key), EVP_sha256 ()) > 0);
  forged = chain_cert_new_take (x);
  ck_assert (!chain_verify (forged, intermediates, anchors, NULL, NULL, &error));
  assert_verify_error (&error, "sensor-1", 0, "certificate signature failure");
}
END_TEST

START_TEST (test_options_errors)
{
  g_autoptr(GError) error = NULL;
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;

  options.version = 2;
  ck_assert (!chain_verify (device, intermediates, anchors, &options, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  options.version = CHAIN_VERIFY_OPTIONS_VERSION;
  options.purpose = (ChainVerifyPurpose) 9;
  ck_assert (!chain_verify (device, intermediates, anchors, &options, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_too_many_inputs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) many = g_ptr_array_new ();

  for (guint i = 0; i < 65; i++)
    g_ptr_array_add (many, cm.cert);
  ck_assert (!chain_verify (device, many, anchors, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

static Suite *
verify_suite (void)
{
  Suite *s = suite_create ("verify");
  TCase *tc = tcase_create ("verify");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_valid_chain);
  tcase_add_test (tc, test_intermediates_any_order);
  tcase_add_test (tc, test_wrong_anchor);
  tcase_add_test (tc, test_no_anchor);
  tcase_add_test (tc, test_expired_at_time);
  tcase_add_test (tc, test_revoked_device);
  tcase_add_test (tc, test_revoked_intermediate);
  tcase_add_test (tc, test_crls_clean);
  tcase_add_test (tc, test_crl_missing);
  tcase_add_test (tc, test_missing_intermediate);
  tcase_add_test (tc, test_intermediate_anchor);
  tcase_add_test (tc, test_purpose_client_auth);
  tcase_add_test (tc, test_sha1_refused);
  tcase_add_test (tc, test_bad_signature);
  tcase_add_test (tc, test_options_errors);
  tcase_add_test (tc, test_too_many_inputs);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return test_support_run_suite (verify_suite ());
}
