/* test-armor.c — strict PEM/DER unwrapping of outside input */
#include "test-support.h"

#include "chain-armor-private.h"

static const char *const csr_labels[] = { "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", NULL };
static const char *const cert_labels[] = { "CERTIFICATE", NULL };

/* A minimal DER SEQUENCE holding one INTEGER: 30 03 02 01 05; base64 MAMCAQU= */
static const guint8 small_der[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };

static GBytes *
decode_text (const char *text, GError **error)
{
  return chain_armor_decode ((const guint8 *) text, strlen (text), 4096, csr_labels, "CSR", error);
}

START_TEST (test_pem_round_trip)
{
  g_autoptr(GBytes) pem = chain_armor_encode ("CERTIFICATE REQUEST", small_der, sizeof small_der);
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (pem, &len);

  der = chain_armor_decode (data, len, 4096, csr_labels, "CSR", &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (g_bytes_get_size (der), sizeof small_der);
  ck_assert_mem_eq (g_bytes_get_data (der, NULL), small_der, sizeof small_der);
}
END_TEST

START_TEST (test_pem_wraps_at_64_columns)
{
  guint8 der[200] = { 0x30, 0x81, 197 };
  g_autoptr(GBytes) pem = chain_armor_encode ("CERTIFICATE", der, sizeof der);
  g_autofree char *text = g_strndup (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  /* 200 bytes are 268 base64 characters: four full lines and 12 more. */
  ck_assert_str_eq (lines[0], "-----BEGIN CERTIFICATE-----");
  for (guint i = 1; i <= 4; i++)
    ck_assert_uint_eq (strlen (lines[i]), 64);
  ck_assert_uint_eq (strlen (lines[5]), 12);
  ck_assert_str_eq (lines[6], "-----END CERTIFICATE-----");
  ck_assert_str_eq (lines[7], "");
}
END_TEST

START_TEST (test_der_accepted_as_is)
{
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GError) error = NULL;

  der = chain_armor_decode (small_der, sizeof small_der, 4096, csr_labels, "CSR", &error);
  test_assert_no_error (error);
  ck_assert_mem_eq (g_bytes_get_data (der, NULL), small_der, sizeof small_der);
}
END_TEST

START_TEST (test_legacy_label_accepted)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) der = decode_text ("-----BEGIN NEW CERTIFICATE REQUEST-----\nMAMCAQU=\n"
                                       "-----END NEW CERTIFICATE REQUEST-----\n", &error);

  test_assert_no_error (error);
  ck_assert_uint_eq (g_bytes_get_size (der), sizeof small_der);
}
END_TEST

START_TEST (test_leading_and_trailing_white_space_accepted)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) der = decode_text ("\n  -----BEGIN CERTIFICATE REQUEST-----\r\nMAMCAQU=\r\n"
                                       "-----END CERTIFICATE REQUEST-----\r\n\n", &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (der);
}
END_TEST

/* Each of these must be refused, with a message containing the fragment. */
static const struct {
  const char *input;
  const char *message;
} bad_inputs[] = {
  { "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n", "this is a CERTIFICATE, not a CSR" },
  { "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQU=\n", "truncated" },
  { "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQU=\n-----END CERTIFICATE REQUEST-----\ntrailing\n", "unexpected text" },
  { "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQU=\n-----END CERTIFICATE REQUEST-----\n"
    "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQU=\n-----END CERTIFICATE REQUEST-----\n", "more than 1" },
  { "-----BEGIN CERTIFICATE REQUEST-----\nProc-Type: 4,ENCRYPTED\nMAMCAQU=\n-----END CERTIFICATE REQUEST-----\n", "unexpected character" },
  { "-----BEGIN CERTIFICATE REQUEST-----\nMAMC\n-----END CERTIFICATE REQUEST-----\n", "one DER structure" },
  { "-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n", "one DER structure" },
  { "-----BEGIN CERTIFICATE REQUEST\nMAMCAQU=\n", "malformed BEGIN" },
  { "hello, I am not a certificate request", "neither PEM nor DER" },
  { "", "empty" },
};

START_TEST (test_bad_input_refused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) der = decode_text (bad_inputs[_i].input, &error);

  ck_assert_ptr_null (der);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, bad_inputs[_i].message) != NULL,
                 "case %d: message \"%s\" lacks \"%s\"", _i, error->message, bad_inputs[_i].message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_der_trailing_bytes_refused)
{
  const guint8 der[] = { 0x30, 0x03, 0x02, 0x01, 0x05, 0x00, 0x00 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = chain_armor_decode (der, sizeof der, 4096, csr_labels, "CSR", &error);

  ck_assert_ptr_null (out);
  ck_assert_ptr_nonnull (strstr (error->message, "2 unexpected bytes"));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_der_truncated_refused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = chain_armor_decode (small_der, sizeof small_der - 1, 4096,
                                              csr_labels, "CSR", &error);

  ck_assert_ptr_null (out);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_der_indefinite_length_refused)
{
  const guint8 ber[] = { 0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = chain_armor_decode (ber, sizeof ber, 4096, csr_labels, "CSR", &error);

  ck_assert_ptr_null (out);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_oversized_input_refused)
{
  g_autofree guint8 *big = g_malloc0 (4097);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;

  big[0] = 0x30;
  out = chain_armor_decode (big, 4097, 4096, csr_labels, "CSR", &error);
  ck_assert_ptr_null (out);
  ck_assert_ptr_nonnull (strstr (error->message, "too large"));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_bundle_decodes_every_block)
{
  const char *bundle = "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n\n"
                       "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n"
                       "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) blocks = chain_armor_decode_all ((const guint8 *) bundle, strlen (bundle),
                                                        4096, 8, cert_labels, "certificate", &error);

  test_assert_no_error (error);
  ck_assert_uint_eq (blocks->len, 3);
}
END_TEST

START_TEST (test_bundle_block_limit)
{
  const char *bundle = "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n"
                       "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) blocks = chain_armor_decode_all ((const guint8 *) bundle, strlen (bundle),
                                                        4096, 1, cert_labels, "certificate", &error);

  ck_assert_ptr_null (blocks);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_bundle_refuses_der)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) blocks = chain_armor_decode_all (small_der, sizeof small_der, 4096, 8,
                                                        cert_labels, "certificate", &error);

  ck_assert_ptr_null (blocks);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

static Suite *
armor_suite (void)
{
  Suite *suite = suite_create ("armor");
  TCase *tc = tcase_create ("armor");

  tcase_add_test (tc, test_pem_round_trip);
  tcase_add_test (tc, test_pem_wraps_at_64_columns);
  tcase_add_test (tc, test_der_accepted_as_is);
  tcase_add_test (tc, test_legacy_label_accepted);
  tcase_add_test (tc, test_leading_and_trailing_white_space_accepted);
  tcase_add_loop_test (tc, test_bad_input_refused, 0, G_N_ELEMENTS (bad_inputs));
  tcase_add_test (tc, test_der_trailing_bytes_refused);
  tcase_add_test (tc, test_der_truncated_refused);
  tcase_add_test (tc, test_der_indefinite_length_refused);
  tcase_add_test (tc, test_oversized_input_refused);
  tcase_add_test (tc, test_bundle_decodes_every_block);
  tcase_add_test (tc, test_bundle_block_limit);
  tcase_add_test (tc, test_bundle_refuses_der);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (armor_suite ());
}
