/* test-policy.c — the policy document: defaults, strict parsing, consistency */
#include "test-support.h"

#include <string.h>

/* The default policy's canonical bytes, as chain-policy.h documents them. */
#define DEFAULT_POLICY \
  "{\"algorithms\":[\"ec-p256\",\"ec-p384\",\"rsa-2048\",\"rsa-3072\",\"rsa-4096\"]," \
  "\"devices\":{\"id_rules\":\"iot-hub\",\"max_validity_days\":3650}," \
  "\"thresholds\":{\"annotation\":1,\"approval\":1,\"delegation\":1,\"delegation-request\":1," \
  "\"device-batch\":1,\"export\":1,\"key-rotation\":1,\"officer\":1,\"policy\":1,\"pop\":1," \
  "\"revocation\":1}," \
  "\"tiers\":[{\"delegates_to\":[\"manufacturer\"],\"issues_devices\":false,\"max_path_len\":2," \
  "\"max_validity_days\":7305,\"name\":\"oem\",\"require_name_constraints\":false}," \
  "{\"delegates_to\":[\"distributor\"],\"issues_devices\":true,\"max_path_len\":1," \
  "\"max_validity_days\":3653,\"name\":\"manufacturer\",\"require_name_constraints\":true}," \
  "{\"delegates_to\":[],\"issues_devices\":true,\"max_path_len\":0," \
  "\"max_validity_days\":1827,\"name\":\"distributor\",\"require_name_constraints\":true}]," \
  "\"version\":1}"

/* DEFAULT_POLICY with the first @find replaced by @replace. */
static char *
policy_with (const char *find,
             const char *replace)
{
  const char *at = strstr (DEFAULT_POLICY, find);

  ck_assert_msg (at != NULL, "test bug: '%s' is not in the default policy", find);
  return g_strdup_printf ("%.*s%s%s", (int) (at - DEFAULT_POLICY), DEFAULT_POLICY, replace,
                          at + strlen (find));
}

static ChainPolicy *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  ChainPolicy *policy = chain_policy_parse (text, strlen (text), &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (policy);
  return policy;
}

START_TEST (test_default_is_documented_form)
{
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  g_autoptr(GBytes) bytes = chain_policy_to_canonical (policy);
  g_autofree char *digest = chain_policy_dup_digest (policy);
  g_autofree char *expected_digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, DEFAULT_POLICY, -1);
  g_autoptr(GError) error = NULL;

  ck_assert_uint_eq (g_bytes_get_size (bytes), strlen (DEFAULT_POLICY));
  ck_assert_int_eq (memcmp (g_bytes_get_data (bytes, NULL), DEFAULT_POLICY, strlen (DEFAULT_POLICY)), 0);
  ck_assert_str_eq (digest, expected_digest);
  ck_assert (chain_policy_validate (policy, &error));
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_default_getters)
{
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  g_autofree const char **oem = chain_policy_get_delegates (policy, "oem");
  g_autofree const char **distributor = chain_policy_get_delegates (policy, "distributor");

  ck_assert_uint_eq (chain_policy_get_n_tiers (policy), 3);
  ck_assert_str_eq (chain_policy_get_tier_name (policy, 0), "oem");
  ck_assert_str_eq (chain_policy_get_tier_name (policy, 1), "manufacturer");
  ck_assert_str_eq (chain_policy_get_tier_name (policy, 2), "distributor");
  ck_assert_int_eq (chain_policy_find_tier (policy, "distributor"), 2);
  ck_assert_int_eq (chain_policy_find_tier (policy, "installer"), -1);
  ck_assert_int_eq (chain_policy_find_tier (policy, NULL), -1);

  ck_assert (chain_policy_may_delegate (policy, "oem", "manufacturer"));
  ck_assert (chain_policy_may_delegate (policy, "manufacturer", "distributor"));
  ck_assert (!chain_policy_may_delegate (policy, "oem", "distributor"));
  ck_assert (!chain_policy_may_delegate (policy, "manufacturer", "oem"));
  ck_assert (!chain_policy_may_delegate (policy, "distributor", "distributor"));
  ck_assert (!chain_policy_may_delegate (policy, "installer", "distributor"));
  ck_assert_str_eq (oem[0], "manufacturer");
  ck_assert_ptr_null (oem[1]);
  ck_assert_ptr_null (distributor[0]);

  ck_assert_int_eq (chain_policy_get_max_path_len (policy, "oem"), 2);
  ck_assert_int_eq (chain_policy_get_max_path_len (policy, "manufacturer"), 1);
  ck_assert_int_eq (chain_policy_get_max_path_len (policy, "distributor"), 0);
  ck_assert_int_eq (chain_policy_get_max_validity_days (policy, "oem"), 7305);
  ck_assert_int_eq (chain_policy_get_max_validity_days (policy, "distributor"), 1827);
  ck_assert (!chain_policy_get_require_name_constraints (policy, "oem"));
  ck_assert (chain_policy_get_require_name_constraints (policy, "manufacturer"));
  ck_assert (!chain_policy_get_issues_devices (policy, "oem"));
  ck_assert (chain_policy_get_issues_devices (policy, "distributor"));

  ck_assert (chain_policy_allows_algorithm (policy, CHAIN_KEY_ALGORITHM_EC_P256));
  ck_assert (chain_policy_allows_algorithm (policy, CHAIN_KEY_ALGORITHM_RSA_4096));
  ck_assert (!chain_policy_allows_algorithm (policy, CHAIN_KEY_ALGORITHM_INVALID));
  ck_assert_int_eq (chain_policy_get_device_id_rules (policy), CHAIN_DEVICE_ID_RULES_IOT_HUB);
  ck_assert_int_eq (chain_policy_get_device_max_validity_days (policy), 3650);
}
END_TEST

START_TEST (test_thresholds)
{
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  const ChainRecordType *types = chain_policy_get_threshold_types ();
  g_autoptr(ChainJson) json = chain_policy_to_json (policy);
  ChainJson *thresholds = chain_json_object_get_member (json, "thresholds");
  guint n = 0;

  /* In the order of the names, each a member of the document's object. */
  for (; types[n] != CHAIN_RECORD_TYPE_INVALID; n++)
    {
      ck_assert (chain_policy_type_has_threshold (types[n]));
      ck_assert_uint_eq (chain_policy_get_threshold (policy, types[n]), 1);
      ck_assert_ptr_nonnull (chain_json_object_get_member (thresholds, chain_record_type_to_string (types[n])));
      if (n > 0)
        ck_assert_int_lt (strcmp (chain_record_type_to_string (types[n - 1]), chain_record_type_to_string (types[n])), 0);
    }
  ck_assert_uint_eq (n, 11);
  ck_assert_uint_eq (chain_json_object_get_size (thresholds), n);
  ck_assert (!chain_policy_type_has_threshold (CHAIN_RECORD_TYPE_GENESIS));
  ck_assert (!chain_policy_type_has_threshold (CHAIN_RECORD_TYPE_ACCEPTANCE));
  ck_assert (!chain_policy_type_has_threshold (CHAIN_RECORD_TYPE_INVALID));
  ck_assert_uint_eq (chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_GENESIS), 1);
  ck_assert_uint_eq (chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_ACCEPTANCE), 1);
  ck_assert_uint_eq (chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_INVALID), 0);
  ck_assert_uint_eq (chain_policy_get_threshold (policy, (ChainRecordType) 999), 0);

  chain_policy_set_threshold (policy, CHAIN_RECORD_TYPE_DELEGATION, 3);
  ck_assert_uint_eq (chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_DELEGATION), 3);
  ck_assert_uint_eq (chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_POLICY), 1);
}
END_TEST

START_TEST (test_round_trip_and_white_space)
{
  const char *pretty =
    "{\n  \"version\": 1,\n  \"tiers\": [\n"
    "    {\"name\": \"oem\", \"delegates_to\": [\"manufacturer\"], \"max_path_len\": 2,\n"
    "     \"max_validity_days\": 7305, \"require_name_constraints\": false, \"issues_devices\": false},\n"
    "    {\"name\": \"manufacturer\", \"delegates_to\": [\"distributor\"], \"max_path_len\": 1,\n"
    "     \"max_validity_days\": 3653, \"require_name_constraints\": true, \"issues_devices\": true},\n"
    "    {\"name\": \"distributor\", \"delegates_to\": [], \"max_path_len\": 0,\n"
    "     \"max_validity_days\": 1827, \"require_name_constraints\": true, \"issues_devices\": true}\n"
    "  ],\n"
    "  \"algorithms\": [\"ec-p256\", \"ec-p384\", \"rsa-2048\", \"rsa-3072\", \"rsa-4096\"],\n"
    "  \"devices\": {\"max_validity_days\": 3650, \"id_rules\": \"iot-hub\"},\n"
    "  \"thresholds\": {\"policy\": 1, \"annotation\": 1, \"approval\": 1, \"delegation\": 1,\n"
    "    \"delegation-request\": 1, \"device-batch\": 1, \"export\": 1, \"key-rotation\": 1,\n"
    "    \"officer\": 1, \"pop\": 1, \"revocation\": 1}\n"
    "}\n";
  g_autoptr(ChainPolicy) canonical = parse_ok (DEFAULT_POLICY);
  g_autoptr(ChainPolicy) spaced = parse_ok (pretty);
  g_autoptr(ChainPolicy) fallback = chain_policy_new_default ();
  g_autoptr(GBytes) bytes = chain_policy_to_canonical (canonical);
  g_autofree char *a = chain_policy_dup_digest (canonical);
  g_autofree char *b = chain_policy_dup_digest (spaced);

  ck_assert_int_eq (memcmp (g_bytes_get_data (bytes, NULL), DEFAULT_POLICY, strlen (DEFAULT_POLICY)), 0);
  ck_assert_str_eq (a, b);
  ck_assert (chain_policy_equal (canonical, spaced));
  ck_assert (chain_policy_equal (canonical, fallback));
}
END_TEST

START_TEST (test_from_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) json = chain_json_parse (DEFAULT_POLICY, strlen (DEFAULT_POLICY), 65536, &error);
  g_autoptr(ChainPolicy) policy = NULL;
  g_autoptr(ChainJson) back = NULL;
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;

  test_assert_no_error (error);
  policy = chain_policy_from_json (json, &error);
  test_assert_no_error (error);
  back = chain_policy_to_json (policy);
  a = chain_json_to_canonical (json);
  b = chain_json_to_canonical (back);
  ck_assert (g_bytes_equal (a, b));
}
END_TEST

START_TEST (test_more_tiers)
{
  const char *text =
    "{\"algorithms\":[\"ec-p384\"],\"devices\":{\"id_rules\":\"dps\",\"max_validity_days\":365},"
    "\"thresholds\":{\"annotation\":1,\"approval\":1,\"delegation\":2,\"delegation-request\":1,"
    "\"device-batch\":1,\"export\":1,\"key-rotation\":1,\"officer\":2,\"policy\":3,\"pop\":1,"
    "\"revocation\":1},\"tiers\":["
    "{\"delegates_to\":[\"manufacturer\",\"distributor\"],\"issues_devices\":false,\"max_path_len\":3,"
    "\"max_validity_days\":7305,\"name\":\"oem\",\"require_name_constraints\":false},"
    "{\"delegates_to\":[\"distributor\"],\"issues_devices\":false,\"max_path_len\":2,"
    "\"max_validity_days\":3653,\"name\":\"manufacturer\",\"require_name_constraints\":true},"
    "{\"delegates_to\":[\"installer\"],\"issues_devices\":true,\"max_path_len\":1,"
    "\"max_validity_days\":1827,\"name\":\"distributor\",\"require_name_constraints\":true},"
    "{\"delegates_to\":[],\"issues_devices\":true,\"max_path_len\":0,"
    "\"max_validity_days\":365,\"name\":\"installer\",\"require_name_constraints\":true}],"
    "\"version\":1}";
  g_autoptr(ChainPolicy) policy = parse_ok (text);
  g_autoptr(GBytes) bytes = chain_policy_to_canonical (policy);
  g_autofree const char **oem = chain_policy_get_delegates (policy, "oem");

  ck_assert_uint_eq (chain_policy_get_n_tiers (policy), 4);
  ck_assert_str_eq (chain_policy_get_tier_name (policy, 3), "installer");
  ck_assert (chain_policy_may_delegate (policy, "oem", "distributor"));
  ck_assert (chain_policy_may_delegate (policy, "distributor", "installer"));
  ck_assert (!chain_policy_may_delegate (policy, "manufacturer", "installer"));
  ck_assert_str_eq (oem[0], "manufacturer");
  ck_assert_str_eq (oem[1], "distributor");
  ck_assert_ptr_null (oem[2]);
  ck_assert_int_eq (chain_policy_get_max_validity_days (policy, "installer"), 365);
  ck_assert_uint_eq (chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_POLICY), 3);
  ck_assert (!chain_policy_allows_algorithm (policy, CHAIN_KEY_ALGORITHM_EC_P256));
  ck_assert (chain_policy_allows_algorithm (policy, CHAIN_KEY_ALGORITHM_EC_P384));
  ck_assert_int_eq (chain_policy_get_device_id_rules (policy), CHAIN_DEVICE_ID_RULES_DPS);
  /* It is already canonical, so it serialises to itself. */
  ck_assert_uint_eq (g_bytes_get_size (bytes), strlen (text));
  ck_assert_int_eq (memcmp (g_bytes_get_data (bytes, NULL), text, strlen (text)), 0);
}
END_TEST

typedef struct {
  const char *find;
  const char *replace;
  const char *message;     /* must appear in the error */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "\"version\":1", "\"version\":2", "policy field 'version' is 2" },
  { "\"version\":1", "\"version\":\"1\"", "policy field 'version' is a string" },
  { "\"version\":1}", "\"version\":1,\"extra\":true}", "policy field 'extra' is not a policy field" },
  { "\"algorithms\":[\"ec-p256\",\"ec-p384\",\"rsa-2048\",\"rsa-3072\",\"rsa-4096\"],", "",
    "policy field 'algorithms' is missing" },
  { "[\"ec-p256\",\"ec-p384\",\"rsa-2048\",\"rsa-3072\",\"rsa-4096\"]", "[]",
    "policy field 'algorithms' is empty" },
  { "\"ec-p256\",\"ec-p384\"", "\"rsa-1024\",\"ec-p384\"", "policy field 'algorithms[0]' is not an accepted algorithm" },
  { "\"ec-p256\",\"ec-p384\"", "\"ec-p384\",\"ec-p256\"", "policy field 'algorithms[1]' is repeated or out of order" },
  { "\"ec-p256\",\"ec-p384\"", "\"ec-p256\",\"ec-p256\"", "policy field 'algorithms[1]' is repeated or out of order" },
  { "\"ec-p256\",", "1,", "policy field 'algorithms[0]' is not a string" },
  { "\"id_rules\":\"iot-hub\"", "\"id_rules\":\"aws\"", "policy field 'devices.id_rules' is not a device id rule set" },
  { "\"max_validity_days\":3650", "\"max_validity_days\":0", "policy field 'devices.max_validity_days' is 0" },
  { "\"max_validity_days\":3650", "\"max_validity_days\":36526", "policy field 'devices.max_validity_days' is 36526" },
  { "\"max_validity_days\":3650}", "\"max_validity_days\":3650,\"x\":1}", "policy field 'devices.x' is not a policy field" },
  { "\"devices\":{\"id_rules\":\"iot-hub\",\"max_validity_days\":3650}", "\"devices\":[]",
    "policy field 'devices' is an array; expected an object" },
  { "\"policy\":1,", "", "policy field 'thresholds.policy' is missing" },
  { "\"annotation\":1", "\"genesis\":1,\"annotation\":1", "policy field 'thresholds.genesis' is not a policy field" },
  { "\"delegation\":1", "\"delegation\":0", "policy field 'thresholds.delegation' is 0" },
  { "\"delegation\":1", "\"delegation\":17", "policy field 'thresholds.delegation' is 17" },
  { "\"tiers\":[", "\"tiers\":[1,", "policy field 'tiers[0]' is not an object" },
  { "\"name\":\"oem\"", "\"name\":\"OEM\"", "policy field 'tiers[0].name' is not a tier name" },
  { "\"name\":\"oem\"", "\"name\":\"\"", "policy field 'tiers[0].name' is not a tier name" },
  { "\"name\":\"distributor\"", "\"name\":\"manufacturer\"", "policy field 'tiers[2]' repeats the tier name 'manufacturer'" },
  { "\"name\":\"oem\",", "", "policy field 'tiers[0].name' is missing" },
  { "\"name\":\"oem\"", "\"name\":\"oem\",\"colour\":\"red\"", "policy field 'tiers[0].colour' is not a policy field" },
  { "[\"manufacturer\"]", "[\"installer\"]", "policy field 'tiers[0].delegates_to[0]' names no tier" },
  { "[\"manufacturer\"]", "[\"manufacturer\",\"manufacturer\"]", "policy field 'tiers[0].delegates_to[1]' names 'manufacturer' again or out of order" },
  { "[\"manufacturer\"]", "[\"oem\"]", "policy field 'tiers[0].delegates_to[0]' names 'oem', which is not below 'oem'" },
  { "[\"distributor\"]", "[\"oem\"]", "policy field 'tiers[1].delegates_to[0]' names 'oem', which is not below 'manufacturer'" },
  { "[\"manufacturer\"]", "[3]", "policy field 'tiers[0].delegates_to[0]' is not a string" },
  { "\"delegates_to\":[\"manufacturer\"]", "\"delegates_to\":{}", "policy field 'tiers[0].delegates_to' is an object; expected an array" },
  { "\"max_path_len\":2", "\"max_path_len\":-1", "policy field 'tiers[0].max_path_len' is -1" },
  { "\"max_path_len\":2", "\"max_path_len\":33", "policy field 'tiers[0].max_path_len' is 33" },
  { "\"max_path_len\":2", "\"max_path_len\":1", "policy field 'tiers[0].max_path_len' is 1, leaving no room for tier 'manufacturer'" },
  { "\"max_validity_days\":7305", "\"max_validity_days\":0", "policy field 'tiers[0].max_validity_days' is 0" },
  { "\"name\":\"oem\",\"require_name_constraints\":false", "\"name\":\"oem\",\"require_name_constraints\":true",
    "policy field 'tiers[0].require_name_constraints' is true" },
  { "\"issues_devices\":true", "\"issues_devices\":1", "policy field 'tiers[1].issues_devices' is an integer; expected a boolean" },
};

START_TEST (test_parse_invalid)
{
  const InvalidCase *c = &invalid_cases[_i];
  g_autofree char *text = policy_with (c->find, c->replace);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainPolicy) policy = chain_policy_parse (text, strlen (text), &error);

  ck_assert_ptr_null (policy);
  ck_assert_msg (error != NULL && strstr (error->message, c->message) != NULL,
                 "case %d: expected '%s', got '%s'", _i, c->message, error ? error->message : "no error");
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_parse_not_json)
{
  static const char *const inputs[] = { "", "{", "[]", "\"oem\"", "{\"version\":1} x", "{\"a\":1,\"a\":2}" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ChainPolicy) policy = chain_policy_parse (inputs[i], strlen (inputs[i]), &error);

      ck_assert_ptr_null (policy);
      ck_assert_msg (error != NULL && g_str_has_prefix (error->message, "policy"),
                     "input '%s': %s", inputs[i], error ? error->message : "no error");
      test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
    }
}
END_TEST

START_TEST (test_parse_size_cap)
{
  g_autoptr(GString) text = g_string_new (DEFAULT_POLICY);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainPolicy) policy = NULL;

  /* Valid JSON white space, just too much of it. */
  g_string_insert_len (text, 1, NULL, 0);
  while (text->len <= CHAIN_POLICY_MAX_LEN)
    g_string_insert (text, 1, "        ");
  policy = chain_policy_parse (text->str, text->len, &error);
  ck_assert_ptr_null (policy);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

static const int tier_counts[] = { 0, CHAIN_POLICY_MAX_TIERS + 1 };

START_TEST (test_tier_count)
{
  g_autoptr(GString) text = g_string_new ("{\"algorithms\":[\"ec-p256\"],\"devices\":{\"id_rules\":\"dps\",\"max_validity_days\":1},"
                                          "\"thresholds\":{\"annotation\":1,\"approval\":1,\"delegation\":1,\"delegation-request\":1,"
                                          "\"device-batch\":1,\"export\":1,\"key-rotation\":1,\"officer\":1,\"policy\":1,\"pop\":1,"
                                          "\"revocation\":1},\"tiers\":[");
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainPolicy) policy = NULL;
  g_autofree char *expected = g_strdup_printf ("policy field 'tiers' has %d tiers; name 1 to %d",
                                               tier_counts[_i], CHAIN_POLICY_MAX_TIERS);

  for (int i = 0; i < tier_counts[_i]; i++)
    g_string_append_printf (text, "%s{\"delegates_to\":[],\"issues_devices\":true,\"max_path_len\":0,"
                            "\"max_validity_days\":1,\"name\":\"t%d\",\"require_name_constraints\":false}",
                            i == 0 ? "" : ",", i);
  g_string_append (text, "],\"version\":1}");
  policy = chain_policy_parse (text->str, text->len, &error);
  ck_assert_ptr_null (policy);
  ck_assert_msg (strstr (error->message, expected) != NULL, "%s", error->message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_setters_and_validate)
{
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  g_autoptr(ChainPolicy) copy = NULL;
  g_autofree char *before = chain_policy_dup_digest (policy);
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;

  chain_policy_set_threshold (policy, CHAIN_RECORD_TYPE_POLICY, 2);
  chain_policy_set_device_id_rules (policy, CHAIN_DEVICE_ID_RULES_DPS);
  chain_policy_set_device_max_validity_days (policy, 400);
  chain_policy_set_issues_devices (policy, "oem", TRUE);
  chain_policy_set_max_validity_days (policy, "distributor", 100);
  chain_policy_set_algorithm_allowed (policy, CHAIN_KEY_ALGORITHM_RSA_2048, FALSE);
  ck_assert (chain_policy_validate (policy, &error));
  test_assert_no_error (error);
  after = chain_policy_dup_digest (policy);
  ck_assert_str_ne (before, after);
  ck_assert (!chain_policy_allows_algorithm (policy, CHAIN_KEY_ALGORITHM_RSA_2048));
  ck_assert_int_eq (chain_policy_get_device_id_rules (policy), CHAIN_DEVICE_ID_RULES_DPS);

  /* A copy is independent, and survives the round trip through JSON. */
  copy = chain_policy_copy (policy);
  ck_assert (chain_policy_equal (policy, copy));
  chain_policy_set_threshold (copy, CHAIN_RECORD_TYPE_POLICY, 3);
  ck_assert (!chain_policy_equal (policy, copy));
  ck_assert_uint_eq (chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_POLICY), 2);
  {
    g_autoptr(GBytes) bytes = chain_policy_to_canonical (policy);
    g_autoptr(ChainPolicy) reparsed = chain_policy_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);

    test_assert_no_error (error);
    ck_assert (chain_policy_equal (policy, reparsed));
  }
}
END_TEST

typedef struct {
  void      (*mutate) (ChainPolicy *policy);
  const char *message;
} ValidateCase;

static void set_path_negative (ChainPolicy *p) { chain_policy_set_max_path_len (p, "distributor", -1); }
static void set_path_no_room (ChainPolicy *p) { chain_policy_set_max_path_len (p, "manufacturer", 0); }
static void set_validity_zero (ChainPolicy *p) { chain_policy_set_max_validity_days (p, "manufacturer", 0); }
static void set_root_constraints (ChainPolicy *p) { chain_policy_set_require_name_constraints (p, "oem", TRUE); }
static void set_no_algorithms (ChainPolicy *p)
{
  static const ChainKeyAlgorithm all[] = {
    CHAIN_KEY_ALGORITHM_EC_P256, CHAIN_KEY_ALGORITHM_EC_P384, CHAIN_KEY_ALGORITHM_RSA_2048,
    CHAIN_KEY_ALGORITHM_RSA_3072, CHAIN_KEY_ALGORITHM_RSA_4096,
  };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    chain_policy_set_algorithm_allowed (p, all[i], FALSE);
}
static void set_device_days (ChainPolicy *p) { chain_policy_set_device_max_validity_days (p, 99999); }
static void set_device_rules (ChainPolicy *p) { chain_policy_set_device_id_rules (p, (ChainDeviceIdRules) 7); }
static void set_threshold_zero (ChainPolicy *p) { chain_policy_set_threshold (p, CHAIN_RECORD_TYPE_REVOCATION, 0); }

static const ValidateCase validate_cases[] = {
  { set_path_negative, "'tiers[2]' has max_path_len -1" },
  { set_path_no_room, "'tiers[1].max_path_len' is 0, leaving no room for tier 'distributor'" },
  { set_validity_zero, "'tiers[1]' has max_validity_days 0" },
  { set_root_constraints, "'tiers[0].require_name_constraints' is true" },
  { set_no_algorithms, "'algorithms' is empty" },
  { set_device_days, "'devices.max_validity_days' is 99999" },
  { set_device_rules, "'devices.id_rules' is not a device id rule set" },
  { set_threshold_zero, "'thresholds.revocation' is 0" },
};

START_TEST (test_validate_invalid)
{
  const ValidateCase *c = &validate_cases[_i];
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  g_autoptr(GError) error = NULL;

  c->mutate (policy);
  ck_assert (!chain_policy_validate (policy, &error));
  ck_assert_msg (error != NULL && strstr (error->message, c->message) != NULL,
                 "case %d: expected '%s', got '%s'", _i, c->message, error ? error->message : "no error");
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_free_null)
{
  chain_policy_free (NULL);
}
END_TEST

static Suite *
policy_suite (void)
{
  Suite *suite = suite_create ("policy");
  TCase *basics = tcase_create ("basics");
  TCase *parse = tcase_create ("parse");
  TCase *validate = tcase_create ("validate");

  tcase_add_test (basics, test_default_is_documented_form);
  tcase_add_test (basics, test_default_getters);
  tcase_add_test (basics, test_thresholds);
  tcase_add_test (basics, test_free_null);
  suite_add_tcase (suite, basics);

  tcase_add_test (parse, test_round_trip_and_white_space);
  tcase_add_test (parse, test_from_json);
  tcase_add_test (parse, test_more_tiers);
  tcase_add_loop_test (parse, test_parse_invalid, 0, G_N_ELEMENTS (invalid_cases));
  tcase_add_test (parse, test_parse_not_json);
  tcase_add_test (parse, test_parse_size_cap);
  tcase_add_loop_test (parse, test_tier_count, 0, G_N_ELEMENTS (tier_counts));
  suite_add_tcase (suite, parse);

  tcase_add_test (validate, test_setters_and_validate);
  tcase_add_loop_test (validate, test_validate_invalid, 0, G_N_ELEMENTS (validate_cases));
  suite_add_tcase (suite, validate);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (policy_suite ());
}
