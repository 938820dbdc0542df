/* test-device-id.c — IoT Hub and DPS rules for device ids */
#include "test-support.h"

#include <openssl/asn1.h>

#define ID_64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct {
  const char        *id;
  ChainDeviceIdRules rules;
} ValidCase;

static const ValidCase valid_cases[] = {
  { "a", CHAIN_DEVICE_ID_RULES_IOT_HUB },
  { "device-001", CHAIN_DEVICE_ID_RULES_IOT_HUB },
  { "Line3.Sensor_0042", CHAIN_DEVICE_ID_RULES_IOT_HUB },
  { "A.b_c:d%e*f?g!h(i)j,k=l@m$n'o-", CHAIN_DEVICE_ID_RULES_IOT_HUB },
  { "ends.", CHAIN_DEVICE_ID_RULES_IOT_HUB },
  { ID_64, CHAIN_DEVICE_ID_RULES_IOT_HUB },
  { "a", CHAIN_DEVICE_ID_RULES_DPS },
  { "0", CHAIN_DEVICE_ID_RULES_DPS },
  { "device-001", CHAIN_DEVICE_ID_RULES_DPS },
  { "line3.sensor_0042:a", CHAIN_DEVICE_ID_RULES_DPS },
  { "ends-", CHAIN_DEVICE_ID_RULES_DPS },
  { "-starts", CHAIN_DEVICE_ID_RULES_DPS },
  { ID_64, CHAIN_DEVICE_ID_RULES_DPS },
};

typedef struct {
  const char        *id;
  ChainDeviceIdRules rules;
  const char        *message_part;   /* names the character and position */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "", CHAIN_DEVICE_ID_RULES_IOT_HUB, "empty" },
  { "", CHAIN_DEVICE_ID_RULES_DPS, "empty" },
  { ID_64 "x", CHAIN_DEVICE_ID_RULES_IOT_HUB, "longer than 64" },
  { ID_64 "x", CHAIN_DEVICE_ID_RULES_DPS, "longer than 64" },
  { "dev ice", CHAIN_DEVICE_ID_RULES_IOT_HUB, "a space at position 4" },
  { "dev/1", CHAIN_DEVICE_ID_RULES_IOT_HUB, "'/' at position 4" },
  { "dev#1", CHAIN_DEVICE_ID_RULES_IOT_HUB, "'#' at position 4" },
  { "+dev", CHAIN_DEVICE_ID_RULES_IOT_HUB, "'+' at position 1" },
  { "dev;", CHAIN_DEVICE_ID_RULES_IOT_HUB, "';' at position 4" },
  { "dev\"", CHAIN_DEVICE_ID_RULES_IOT_HUB, "'\"' at position 4" },
  { "a&b", CHAIN_DEVICE_ID_RULES_IOT_HUB, "'&' at position 2" },
  { "a\\b", CHAIN_DEVICE_ID_RULES_IOT_HUB, "'\\' at position 2" },
  { "dév", CHAIN_DEVICE_ID_RULES_IOT_HUB, "'é' (U+00E9) at position 2" },
  { "dev\n", CHAIN_DEVICE_ID_RULES_IOT_HUB, "control character U+000A at position 4" },
  { "a\x7f", CHAIN_DEVICE_ID_RULES_IOT_HUB, "control character U+007F at position 2" },
  { "a\x80", CHAIN_DEVICE_ID_RULES_IOT_HUB, "byte 0x80 (not UTF-8) at position 2" },
  { "a\xc2\x85", CHAIN_DEVICE_ID_RULES_IOT_HUB, "U+0085 at position 2" },
  { "Device", CHAIN_DEVICE_ID_RULES_DPS, "'D' at position 1; DPS registration ids are lower case, write 'd'" },
  { "devicE", CHAIN_DEVICE_ID_RULES_DPS, "write 'e'" },
  { "dev%1", CHAIN_DEVICE_ID_RULES_DPS, "'%' at position 4" },
  { "dev@x", CHAIN_DEVICE_ID_RULES_DPS, "'@' at position 4" },
  { "dev 1", CHAIN_DEVICE_ID_RULES_DPS, "a space at position 4" },
  { "dév", CHAIN_DEVICE_ID_RULES_DPS, "'é' (U+00E9) at position 2" },
  { "dev.", CHAIN_DEVICE_ID_RULES_DPS, "ends in '.'" },
  { "dev_", CHAIN_DEVICE_ID_RULES_DPS, "ends in '_'" },
  { "dev:", CHAIN_DEVICE_ID_RULES_DPS, "ends in ':'" },
  { ".", CHAIN_DEVICE_ID_RULES_DPS, "ends in '.'" },
};

START_TEST (test_valid)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (chain_device_id_validate (valid_cases[_i].id, valid_cases[_i].rules, &error),
                 "%s refused: %s", valid_cases[_i].id, error ? error->message : "");
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_invalid)
{
  const InvalidCase *c = &invalid_cases[_i];
  g_autoptr(GError) error = NULL;

  ck_assert (!chain_device_id_validate (c->id, c->rules, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, c->message_part) != NULL,
                 "case %d: message \"%s\" does not mention \"%s\"", _i, error->message, c->message_part);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

/* The message says what is allowed, not only what is wrong. */
START_TEST (test_message_lists_allowed_characters)
{
  g_autoptr(GError) error = NULL;

  ck_assert (!chain_device_id_validate ("a/b", CHAIN_DEVICE_ID_RULES_IOT_HUB, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "ASCII letters, digits and - . _ : % * ? ! ( ) , = @ $ '"));
  g_clear_error (&error);

  ck_assert (!chain_device_id_validate ("a/b", CHAIN_DEVICE_ID_RULES_DPS, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "lower-case letters, digits and - . _ :"));
}
END_TEST

/* Every printable ASCII character against both rule sets. */
START_TEST (test_every_ascii_character)
{
  const char *hub_extra = "-._:%*?!(),=@$'";
  const char *dps_extra = "-._:";

  for (int c = 1; c < 128; c++)
    {
      char id[3] = { (char) c, 'x', '\0' };
      gboolean hub_ok = g_ascii_isalnum (c) || strchr (hub_extra, c) != NULL;
      gboolean dps_ok = g_ascii_isdigit (c) || g_ascii_islower (c) || strchr (dps_extra, c) != NULL;

      ck_assert_msg (chain_device_id_validate (id, CHAIN_DEVICE_ID_RULES_IOT_HUB, NULL) == hub_ok,
                     "IoT Hub rules and character 0x%02x", c);
      ck_assert_msg (chain_device_id_validate (id, CHAIN_DEVICE_ID_RULES_DPS, NULL) == dps_ok,
                     "DPS rules and character 0x%02x", c);
    }
}
END_TEST

START_TEST (test_null_is_empty)
{
  g_autoptr(GError) error = NULL;

  ck_assert (!chain_device_id_validate (NULL, CHAIN_DEVICE_ID_RULES_IOT_HUB, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

/* The longest id is the longest CN X.509 allows (RFC 5280 ub-common-name). */
G_STATIC_ASSERT (CHAIN_DEVICE_ID_MAX_LEN == ub_common_name);
G_STATIC_ASSERT (sizeof ID_64 - 1 == CHAIN_DEVICE_ID_MAX_LEN);

/* What the clouds allow but a spreadsheet or a command line would obey. */
static const char *const hazardous_ids[] = { "-starts", "=SUM(1,2)", "@SUM(1)", "-", "=" };

START_TEST (test_new_ids_refuse_formula_and_option)
{
  const char *id = hazardous_ids[_i];
  g_autoptr(GError) error = NULL;

  /* A ledger that holds one stays valid ... */
  ck_assert (chain_device_id_validate (id, CHAIN_DEVICE_ID_RULES_IOT_HUB, NULL));
  /* ... but none is issued anew. */
  ck_assert (!chain_device_id_validate_new (id, CHAIN_DEVICE_ID_RULES_IOT_HUB, &error));
  ck_assert_msg (strstr (error->message, "start it with a letter or digit") != NULL, "%s", error->message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_new_ids_allow_inner_signs)
{
  ck_assert (chain_device_id_validate_new ("a-b=c@d", CHAIN_DEVICE_ID_RULES_IOT_HUB, NULL));
  ck_assert (chain_device_id_validate_new ("ends-", CHAIN_DEVICE_ID_RULES_DPS, NULL));
}
END_TEST

static Suite *
device_id_suite (void)
{
  Suite *suite = suite_create ("device-id");
  TCase *rules = tcase_create ("rules");

  tcase_add_loop_test (rules, test_valid, 0, G_N_ELEMENTS (valid_cases));
  tcase_add_loop_test (rules, test_invalid, 0, G_N_ELEMENTS (invalid_cases));
  tcase_add_test (rules, test_message_lists_allowed_characters);
  tcase_add_test (rules, test_every_ascii_character);
  tcase_add_test (rules, test_null_is_empty);
  tcase_add_loop_test (rules, test_new_ids_refuse_formula_and_option, 0, G_N_ELEMENTS (hazardous_ids));
  tcase_add_test (rules, test_new_ids_allow_inner_signs);
  suite_add_tcase (suite, rules);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (device_id_suite ());
}
