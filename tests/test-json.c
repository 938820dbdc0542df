/* test-json.c — canonical JSON: RFC 8785 order and escapes, strict parsing */
#include "test-support.h"

#include <string.h>

#define MAX_LEN (1 << 20)

/* Parses @input (strict), failing the test on error. */
static ChainJson *
parse_ok (const char *input, gssize len)
{
  g_autoptr(GError) error = NULL;
  gsize n = len < 0 ? strlen (input) : (gsize) len;
  ChainJson *value = chain_json_parse (input, n, MAX_LEN, &error);

  ck_assert_msg (value != NULL, "parsing %s: %s", input, error ? error->message : "?");
  return value;
}

/* Asserts that chain_json_to_canonical (@value) is exactly @expected. */
static void
assert_canonical (const ChainJson *value, const char *expected)
{
  g_autoptr(GBytes) bytes = chain_json_to_canonical (value);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autofree char *text = g_strndup (data, len);

  ck_assert_msg (len == strlen (expected) && memcmp (data, expected, len) == 0,
                 "canonical form is %s, expected %s", text, expected);
}

/* Asserts @error is CHAIN_ERROR_INVALID_INPUT starting with @prefix and
 * mentioning @part (either may be NULL), one line; clears it. */
static void
assert_invalid (GError **error, const char *prefix, const char *part)
{
  ck_assert_msg (*error != NULL, "expected an error");
  ck_assert_msg (prefix == NULL || g_str_has_prefix ((*error)->message, prefix),
                 "message '%s' should start with '%s'", (*error)->message, prefix);
  ck_assert_msg (part == NULL || strstr ((*error)->message, part) != NULL,
                 "message '%s' should mention '%s'", (*error)->message, part);
  test_assert_error (*error, CHAIN_ERROR_INVALID_INPUT);
}

/* ---- RFC 8785 key order ------------------------------------------------- */

/* RFC 8785's sorting example, rebuilt: keys from ASCII to an astral emoji
 * and a character (U+FB33) that sorts after it only by UTF-16 units. */
static const char rfc_sort_input[] =
  "{\n"
  "  \"\\u20ac\": \"Euro Sign\",\n"
  "  \"\\r\": \"Carriage Return\",\n"
  "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
  "  \"1\": \"One\",\n"
  "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
  "  \"\\u0080\": \"Control\",\n"
  "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
  "}\n";

static const char rfc_sort_canonical[] =
  "{\"\\r\":\"Carriage Return\","
  "\"1\":\"One\","
  "\"\xc2\x80\":\"Control\","
  "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
  "\"\xe2\x82\xac\":\"Euro Sign\","
  "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
  "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}";

START_TEST (test_rfc8785_sort_example)
{
  g_autoptr(ChainJson) value = parse_ok (rfc_sort_input, -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) again = NULL;
  static const char *const order[] = {
    "\r", "1", "\xc2\x80", "\xc3\xb6", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xac\xb3",
  };
  gsize i;

  assert_canonical (value, rfc_sort_canonical);
  ck_assert_uint_eq (chain_json_object_get_size (value), G_N_ELEMENTS (order));
  for (i = 0; i < G_N_ELEMENTS (order); i++)
    ck_assert_str_eq (chain_json_object_get_key_at (value, i), order[i]);
  ck_assert_str_eq (chain_json_get_string (chain_json_object_get_value_at (value, 5)),
                    "Emoji: Grinning Face");

  /* The canonical bytes are themselves accepted as canonical. */
  again = chain_json_parse_canonical (rfc_sort_canonical, strlen (rfc_sort_canonical),
                                      MAX_LEN, &error);
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (again);
}
END_TEST

START_TEST (test_rfc8785_sort_example_built)
{
  g_autoptr(ChainJson) object = chain_json_new_object ();

  /* Same members, inserted in the RFC's order through the builder. */
  chain_json_object_set_string (object, "\xe2\x82\xac", "Euro Sign");
  chain_json_object_set_string (object, "\r", "Carriage Return");
  chain_json_object_set_string (object, "\xef\xac\xb3", "Hebrew Letter Dalet With Dagesh");
  chain_json_object_set_string (object, "1", "One");
  chain_json_object_set_string (object, "\xf0\x9f\x98\x80", "Emoji: Grinning Face");
  chain_json_object_set_string (object, "\xc2\x80", "Control");
  chain_json_object_set_string (object, "\xc3\xb6", "Latin Small Letter O With Diaeresis");
  assert_canonical (object, rfc_sort_canonical);
}
END_TEST

typedef struct {
  const char *first;    /* sorts first by UTF-16 code units */
  const char *second;
} OrderCase;

static const OrderCase order_cases[] = {
  { "", "a" },
  { "A", "a" },
  { "Z", "a" },
  { "a", "ab" },
  { "ab", "b" },
  { "z", "\xc3\xa9" },                                  /* z < é */
  { "\xc3\xa9", "\xe2\x82\xac" },                       /* é < € */
  { "\xed\x9f\xbf", "\xf0\x90\x80\x80" },               /* U+D7FF < U+10000: both orders agree */
  { "\xf0\x90\x80\x80", "\xef\xbf\xbf" },               /* U+10000 < U+FFFF by UTF-16 */
  { "\xf0\x90\x80\x80", "\xee\x80\x80" },               /* U+10000 < U+E000 by UTF-16 */
  { "\xf4\x8f\xbf\xbf", "\xef\xbf\xbd" },               /* U+10FFFF < U+FFFD by UTF-16 */
  { "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x81" },           /* same high surrogate */
  { "\xf0\x90\x80\x80", "\xf0\xa0\x80\x80" },           /* U+10000 < U+20000 */
  { "x\xf0\x9f\x98\x80", "x\xef\xac\xb3" },             /* difference after a shared prefix */
  { "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" "a" },       /* prefix */
  { "\xd7\x90", "\xed\x9f\xbf" },                       /* U+05D0 < U+D7FF */
};

START_TEST (test_key_order)
{
  const OrderCase *c = &order_cases[_i];
  g_autoptr(ChainJson) forward = chain_json_new_object ();
  g_autoptr(ChainJson) backward = chain_json_new_object ();
  g_autofree char *expected = g_strdup_printf ("{\"%s\":1,\"%s\":2}", c->first, c->second);

  chain_json_object_set_integer (forward, c->first, 1);
  chain_json_object_set_integer (forward, c->second, 2);
  chain_json_object_set_integer (backward, c->second, 2);
  chain_json_object_set_integer (backward, c->first, 1);
  assert_canonical (forward, expected);
  assert_canonical (backward, expected);
}
END_TEST

/* ---- Escaping ----------------------------------------------------------- */

typedef struct {
  const char *value;
  const char *canonical;   /* the JSON string RFC 8785 writes */
  const char *pretty;      /* what chain_json_to_pretty() writes */
} EscapeCase;

static const EscapeCase escape_cases[] = {
  { "plain", "\"plain\"", "\"plain\"" },
  { "", "\"\"", "\"\"" },
  { "\"", "\"\\\"\"", "\"\\\"\"" },
  { "\\", "\"\\\\\"", "\"\\\\\"" },
  { "/", "\"/\"", "\"/\"" },
  { "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\"" },
  { "\x01", "\"\\u0001\"", "\"\\u0001\"" },
  { "\x0b", "\"\\u000b\"", "\"\\u000b\"" },
  { "a\x1f" "b", "\"a\\u001fb\"", "\"a\\u001fb\"" },
  { "\x7f", "\"\x7f\"", "\"\\u007f\"" },
  { "\xc2\x80", "\"\xc2\x80\"", "\"\\u0080\"" },
  { "\xc2\x9b[31m", "\"\xc2\x9b[31m\"", "\"\\u009b[31m\"" },
  { "\xc3\xb6", "\"\xc3\xb6\"", "\"\xc3\xb6\"" },
  { "\xe2\x80\xa8", "\"\xe2\x80\xa8\"", "\"\\u2028\"" },
  { "\xe2\x80\xae" "abc", "\"\xe2\x80\xae" "abc\"", "\"\\u202eabc\"" },
  { "\xe2\x81\xa6", "\"\xe2\x81\xa6\"", "\"\\u2066\"" },
  { "\xe2\x82\xac", "\"\xe2\x82\xac\"", "\"\xe2\x82\xac\"" },
  { "\xef\xbf\xbf", "\"\xef\xbf\xbf\"", "\"\xef\xbf\xbf\"" },
  { "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"", "\"\xf0\x9f\x98\x80\"" },
};

START_TEST (test_escape)
{
  const EscapeCase *c = &escape_cases[_i];
  g_autoptr(ChainJson) value = chain_json_new_string (c->value);
  g_autofree char *pretty = chain_json_to_pretty (value);
  g_autoptr(ChainJson) from_pretty = parse_ok (pretty, -1);
  g_autoptr(ChainJson) from_canonical = NULL;
  g_autoptr(GError) error = NULL;

  assert_canonical (value, c->canonical);
  ck_assert_str_eq (pretty, c->pretty);

  /* Both forms read back as the same string. */
  ck_assert_str_eq (chain_json_get_string (from_pretty), c->value);
  from_canonical = chain_json_parse_canonical (c->canonical, strlen (c->canonical), MAX_LEN, &error);
  test_assert_no_error (error);
  ck_assert_str_eq (chain_json_get_string (from_canonical), c->value);
}
END_TEST

typedef struct {
  const char *json;
  const char *value;
} UnescapeCase;

static const UnescapeCase unescape_cases[] = {
  { "\"\\u0041\"", "A" },
  { "\"\\u00e9\\u00E9\"", "\xc3\xa9\xc3\xa9" },
  { "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
  { "\"\\uD83D\\uDE00x\"", "\xf0\x9f\x98\x80x" },
  { "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },
  { "\"\\uffff\"", "\xef\xbf\xbf" },
  { "\"\\/\\\"\\\\\"", "/\"\\" },
  { "\"a\\b\\f\\n\\r\\tz\"", "a\b\f\n\r\tz" },
  { "\"\\u001F\"", "\x1f" },
  { "\"raw \xe2\x82\xac and \\u20ac\"", "raw \xe2\x82\xac and \xe2\x82\xac" },
};

START_TEST (test_unescape)
{
  const UnescapeCase *c = &unescape_cases[_i];
  g_autoptr(ChainJson) value = parse_ok (c->json, -1);

  ck_assert_int_eq (chain_json_get_value_type (value), CHAIN_JSON_STRING);
  ck_assert_str_eq (chain_json_get_string (value), c->value);
}
END_TEST

/* ---- Round trips of canonical input ------------------------------------- */

static const char *const canonical_cases[] = {
  "null",
  "true",
  "false",
  "0",
  "-1",
  "42",
  "9007199254740991",
  "-9007199254740991",
  "\"\"",
  "\"\\u001f\\n\\\"\\\\/\xf0\x9f\x98\x80\"",
  "[]",
  "{}",
  "[1,[2,[3,[]]],{}]",
  "[null,true,false,\"x\",-5]",
  "{\"a\":{\"b\":[]},\"b\":null}",
  "{\"\":0,\"A\":1,\"a\":2,\"aa\":3}",
  "[{\"z\":1},{\"y\":2}]",
  "{\"\xf0\x9f\x98\x80\":1,\"\xef\xac\xb3\":2}",
};

START_TEST (test_canonical_round_trip)
{
  const char *input = canonical_cases[_i];
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) value = chain_json_parse_canonical (input, strlen (input), MAX_LEN, &error);
  g_autofree char *pretty = NULL;
  g_autoptr(ChainJson) from_pretty = NULL;

  test_assert_no_error (error);
  assert_canonical (value, input);

  /* The pretty form means the same. */
  pretty = chain_json_to_pretty (value);
  from_pretty = parse_ok (pretty, -1);
  assert_canonical (from_pretty, input);
}
END_TEST

/* ---- Non-canonical input ------------------------------------------------ */

typedef struct {
  const char *input;
  const char *prefix;   /* the error message starts so */
} NotCanonicalCase;

#define NOT_CANONICAL "record is not canonical JSON: at byte "

static const NotCanonicalCase not_canonical_cases[] = {
  { " 1", NOT_CANONICAL "0 it has byte 0x20 where the canonical form has '1'" },
  { "1\n", NOT_CANONICAL "1 it has byte 0x0a where the canonical form has the end" },
  { "[1, 2]", NOT_CANONICAL "3 " },
  { "{ }", NOT_CANONICAL "1 " },
  { "{\"a\": 1}", NOT_CANONICAL "5 " },
  { "{\"b\":1,\"a\":2}", NOT_CANONICAL "2 it has 'b' where the canonical form has 'a'" },
  { "{\"\xef\xac\xb3\":1,\"\xf0\x9f\x98\x80\":2}", NOT_CANONICAL "2 " },   /* code point order */
  { "\"\\u0041\"", NOT_CANONICAL "1 it has '\\' where the canonical form has 'A'" },
  { "\"\\/\"", NOT_CANONICAL "1 " },
  { "\"\\u00e9\"", NOT_CANONICAL "1 " },
  { "\"\\u000a\"", NOT_CANONICAL "2 it has 'u' where the canonical form has 'n'" },
  { "\"\\u001F\"", NOT_CANONICAL "6 it has 'F' where the canonical form has 'f'" },
  { "\"\\ud83d\\ude00\"", NOT_CANONICAL "1 " },
  { "-0", NOT_CANONICAL "0 it has '-' where the canonical form has '0'" },
  { "1.0", "invalid JSON at byte 0: numbers with a fraction" },
  { "01", "invalid JSON at byte 0: leading zeros" },
  { "1e0", "invalid JSON at byte 0: numbers with a fraction or exponent" },
};

START_TEST (test_not_canonical)
{
  const NotCanonicalCase *c = &not_canonical_cases[_i];
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) value = chain_json_parse_canonical (c->input, strlen (c->input),
                                                           MAX_LEN, &error);

  ck_assert_ptr_null (value);
  assert_invalid (&error, c->prefix, NULL);
}
END_TEST

/* ---- Refusals ----------------------------------------------------------- */

typedef struct {
  const char *input;
  gssize      len;      /* -1: strlen */
  gsize       offset;   /* where the message says the fault is */
  const char *what;     /* the message says this */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  /* numbers outside the subset */
  { "1.0", -1, 0, "fraction or exponent" },
  { "[-1.5]", -1, 1, "fraction or exponent" },
  { "1e5", -1, 0, "fraction or exponent" },
  { "1E+5", -1, 0, "fraction or exponent" },
  { "0.5", -1, 0, "fraction or exponent" },
  { "9007199254740992", -1, 0, "integer out of range" },
  { "-9007199254740992", -1, 0, "integer out of range" },
  { "[1,123456789012345678901234567890]", -1, 3, "integer out of range" },
  { "01", -1, 0, "leading zeros" },
  { "-01", -1, 0, "leading zeros" },
  { "00", -1, 0, "leading zeros" },
  { "-", -1, 1, "expected a digit" },
  { "-a", -1, 1, "unexpected 'a'; expected a digit" },
  { "+1", -1, 0, "unexpected '+'" },
  { ".5", -1, 0, "unexpected '.'" },
  { "NaN", -1, 0, "unexpected 'N'" },
  { "Infinity", -1, 0, "unexpected 'I'" },
  /* duplicate keys */
  { "{\"a\":1,\"a\":2}", -1, 7, "duplicate key 'a'" },
  { "{\"a\":1,\"b\":{},\"\\u0061\":2}", -1, 14, "duplicate key 'a'" },
  { "{\"\\n\":1,\"\\n\":2}", -1, 8, "duplicate key '\\n'" },
  /* invalid UTF-8 */
  { "\"\xff\"", -1, 1, "invalid UTF-8" },
  { "\"\x80\"", -1, 1, "invalid UTF-8" },
  { "\"\xc0\xaf\"", -1, 1, "invalid UTF-8" },            /* overlong '/' */
  { "\"\xc1\xbf\"", -1, 1, "invalid UTF-8" },            /* overlong */
  { "\"\xe0\x80\xaf\"", -1, 1, "invalid UTF-8" },        /* overlong, 3 bytes */
  { "\"\xf0\x80\x80\xaf\"", -1, 1, "invalid UTF-8" },    /* overlong, 4 bytes */
  { "\"\xed\xa0\x80\"", -1, 1, "invalid UTF-8" },        /* U+D800 encoded */
  { "\"\xed\xbf\xbf\"", -1, 1, "invalid UTF-8" },        /* U+DFFF encoded */
  { "\"\xf4\x90\x80\x80\"", -1, 1, "invalid UTF-8" },    /* above U+10FFFF */
  { "\"\xf8\x88\x80\x80\x80\"", -1, 1, "invalid UTF-8" },
  { "\"ab\xe2\x82\"", -1, 3, "invalid UTF-8" },          /* truncated */
  { "\"\xe2\x82", -1, 1, "invalid UTF-8" },              /* truncated at the end */
  { "\"\xc3x\"", -1, 1, "invalid UTF-8" },
  { "\xc3\xa9", -1, 0, "unexpected byte 0xc3" },         /* outside a string */
  /* surrogate escapes */
  { "\"\\ud800\"", -1, 1, "lone high surrogate \\ud800" },
  { "\"\\udbff\"", -1, 1, "lone high surrogate" },
  { "\"x\\udc00\"", -1, 2, "lone low surrogate \\udc00" },
  { "\"\\ud800\\u0041\"", -1, 1, "lone high surrogate" },
  { "\"\\ud800\\ud800\"", -1, 1, "lone high surrogate" },
  { "\"\\ud800x\"", -1, 1, "lone high surrogate" },
  { "\"\\ude00\\ud83d\"", -1, 1, "lone low surrogate" },
  /* NUL characters */
  { "\"\\u0000\"", -1, 1, "NUL character" },
  { "\"a\0b\"", 5, 2, "NUL character" },
  { "\0", 1, 0, "NUL byte; expected a value" },
  { "1\0", 2, 1, "unexpected content after the JSON value" },
  /* strings */
  { "\"abc", -1, 0, "unterminated string" },
  { "\"abc\\", -1, 4, "unterminated string" },
  { "\"a\nb\"", -1, 2, "control character 0x0a" },
  { "\"\t\"", -1, 1, "control character 0x09" },
  { "\"\\x\"", -1, 1, "invalid escape '\\x'" },
  { "\"\\'\"", -1, 1, "invalid escape" },
  { "\"\\U0041\"", -1, 1, "invalid escape '\\U'" },
  { "\"\\u12\"", -1, 1, "four hex digits" },
  { "\"\\u12g4\"", -1, 1, "four hex digits" },
  { "\"\\ud800\\u12\"", -1, 7, "four hex digits" },
  { "'a'", -1, 0, "unexpected '''" },
  /* structure */
  { "", 0, 0, "unexpected end of input; expected a value" },
  { "   ", -1, 3, "unexpected end of input" },
  { "[", -1, 1, "unexpected end of input" },
  { "[1", -1, 2, "',' or ']'" },
  { "[1,]", -1, 3, "unexpected ']'; expected a value" },
  { "[1 2]", -1, 3, "',' or ']'" },
  { "{", -1, 1, "a string as object key" },
  { "{\"a\":1,}", -1, 7, "a string as object key" },
  { "{a:1}", -1, 1, "a string as object key" },
  { "{\"a\" 1}", -1, 5, "':' after an object key" },
  { "{\"a\":}", -1, 5, "expected a value" },
  { "{\"a\":1 \"b\":2}", -1, 7, "',' or '}'" },
  { "{\"a\":1]", -1, 6, "',' or '}'" },
  { "[1}", -1, 2, "',' or ']'" },
  { "tru", -1, 0, "expected a value" },
  { "nul", -1, 0, "expected a value" },
  { "True", -1, 0, "unexpected 'T'" },
  { "/* c */ 1", -1, 0, "unexpected '/'" },
  /* trailing content */
  { "1 2", -1, 2, "unexpected content after the JSON value" },
  { "{} x", -1, 3, "unexpected content after" },
  { "[]]", -1, 2, "unexpected content after" },
  { "truex", -1, 4, "unexpected content after" },
  { "\"a\"\"b\"", -1, 3, "unexpected content after" },
  /* whitespace JSON does not know */
  { "\f1", -1, 0, "unexpected byte 0x0c" },
  { "\v1", -1, 0, "unexpected byte 0x0b" },
  { "\xc2\xa0" "1", -1, 0, "unexpected byte 0xc2" },
  /* byte order mark */
  { "\xef\xbb\xbf{}", -1, 0, "byte order mark" },
  { "\xef\xbb\xbf", -1, 0, "byte order mark" },
};

START_TEST (test_parse_invalid)
{
  const InvalidCase *c = &invalid_cases[_i];
  gsize len = c->len < 0 ? strlen (c->input) : (gsize) c->len;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) canonical_error = NULL;
  g_autoptr(ChainJson) value = chain_json_parse (c->input, len, MAX_LEN, &error);
  g_autoptr(ChainJson) canonical = chain_json_parse_canonical (c->input, len, MAX_LEN,
                                                               &canonical_error);
  g_autofree char *prefix = g_strdup_printf ("invalid JSON at byte %" G_GSIZE_FORMAT ": ",
                                             c->offset);

  ck_assert_ptr_null (value);
  assert_invalid (&error, prefix, c->what);
  ck_assert_ptr_null (canonical);
  assert_invalid (&canonical_error, prefix, c->what);
}
END_TEST

START_TEST (test_duplicate_key_in_large_object)
{
  g_autoptr(GString) text = g_string_new ("{");
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) value = NULL;
  g_autofree char *prefix = NULL;
  int i;

  /* Past the size where lookups go through the hash index. */
  for (i = 0; i < 40; i++)
    g_string_append_printf (text, "\"k%d\":%d,", i, i);
  prefix = g_strdup_printf ("invalid JSON at byte %" G_GSIZE_FORMAT ": ", text->len);
  g_string_append (text, "\"k17\":0}");
  value = chain_json_parse (text->str, text->len, MAX_LEN, &error);
  ck_assert_ptr_null (value);
  assert_invalid (&error, prefix, "duplicate key 'k17'");
}
END_TEST

START_TEST (test_duplicate_key_message_is_one_line)
{
  static const char input[] =
    "{\"line\\nbreak \\u001b[2J and a long tail that goes on and on and on past the cap\":1,"
    "\"line\\nbreak \\u001b[2J and a long tail that goes on and on and on past the cap\":2}";
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) value = chain_json_parse (input, strlen (input), MAX_LEN, &error);

  ck_assert_ptr_null (value);
  ck_assert_ptr_nonnull (error);
  ck_assert_ptr_null (strchr (error->message, '\x1b'));
  ck_assert_ptr_nonnull (strstr (error->message, "'line\\nbreak \\u001b[2J"));
  ck_assert_ptr_nonnull (strstr (error->message, "...'"));
  /* test_assert_error() also checks that the message is one line. */
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

/* ---- Limits ------------------------------------------------------------- */

static char *
nested (const char *open, const char *inner, const char *close, int depth)
{
  GString *text = g_string_new (NULL);
  int i;

  for (i = 0; i < depth; i++)
    g_string_append (text, open);
  g_string_append (text, inner);
  for (i = 0; i < depth; i++)
    g_string_append (text, close);
  return g_string_free (text, FALSE);
}

typedef struct {
  const char *open;
  const char *inner;
  const char *close;
  int         reps;          /* nested (open, inner, close, reps) is 64 deep */
  const char *deeper;        /* an inner one level deeper */
  gsize       offset;        /* where the 65th level opens */
} NestCase;

static const NestCase nest_cases[] = {
  { "[", "", "]", 64, "[]", 64 },
  { "[", "1", "]", 64, "[1]", 64 },
  { "{\"a\":", "{}", "}", 63, "{\"a\":{}}", 63 * 5 + 5 },
  { "[{\"k\":", "0", "}]", 32, "[0]", 32 * 6 },
};

START_TEST (test_depth_limit)
{
  const NestCase *c = &nest_cases[_i];
  g_autofree char *ok = nested (c->open, c->inner, c->close, c->reps);
  g_autofree char *deep = nested (c->open, c->deeper, c->close, c->reps);
  g_autofree char *prefix = g_strdup_printf ("invalid JSON at byte %" G_GSIZE_FORMAT ": ",
                                             c->offset);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) value = NULL;
  g_autoptr(ChainJson) too_deep = NULL;

  value = chain_json_parse_canonical (ok, strlen (ok), MAX_LEN, &error);
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (value);

  too_deep = chain_json_parse (deep, strlen (deep), MAX_LEN, &error);
  ck_assert_ptr_null (too_deep);
  assert_invalid (&error, prefix, "nest deeper than 64 levels");
}
END_TEST

START_TEST (test_depth_limit_not_recursive_overflow)
{
  /* A megabyte of '[' fails at the limit, not by exhausting the stack. */
  gsize len = 1 << 20;
  g_autofree char *text = g_malloc (len);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) value = NULL;

  memset (text, '[', len);
  value = chain_json_parse (text, len, len, &error);
  ck_assert_ptr_null (value);
  assert_invalid (&error, "invalid JSON at byte 64: ", "deeper than 64");
}
END_TEST

START_TEST (test_max_len)
{
  static const char input[] = "{\"a\":[1,2,3]}";
  gsize len = strlen (input);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) at_limit = chain_json_parse (input, len, len, &error);
  g_autoptr(ChainJson) over = NULL;
  g_autoptr(ChainJson) over_canonical = NULL;
  g_autofree char *message = g_strdup_printf ("JSON input is %" G_GSIZE_FORMAT
                                              " bytes, more than the limit of %" G_GSIZE_FORMAT,
                                              len, len - 1);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (at_limit);

  over = chain_json_parse (input, len, len - 1, &error);
  ck_assert_ptr_null (over);
  assert_invalid (&error, message, NULL);
  over_canonical = chain_json_parse_canonical (input, len, len - 1, &error);
  ck_assert_ptr_null (over_canonical);
  assert_invalid (&error, message, NULL);
}
END_TEST

START_TEST (test_large_array)
{
  const int count = 100000;
  g_autoptr(GString) text = g_string_new ("[");
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) value = NULL;
  int i;

  for (i = 0; i < count; i++)
    g_string_append_printf (text, i > 0 ? ",%d" : "%d", i % 2 ? -i : i);
  g_string_append_c (text, ']');

  value = chain_json_parse_canonical (text->str, text->len, text->len, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_json_array_get_length (value), (gsize) count);
  ck_assert_int_eq (chain_json_get_integer (chain_json_array_get_element (value, 0)), 0);
  ck_assert_int_eq (chain_json_get_integer (chain_json_array_get_element (value, 99999)), -99999);
  assert_canonical (value, text->str);
}
END_TEST

START_TEST (test_large_object)
{
  const int count = 100000;
  g_autoptr(GString) reversed = g_string_new ("{");
  g_autoptr(GString) sorted = g_string_new ("{");
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) value = NULL;
  g_autoptr(ChainJson) built = chain_json_new_object ();
  int i;

  for (i = count - 1; i >= 0; i--)
    g_string_append_printf (reversed, "%s\"k%06d\":%d", i < count - 1 ? "," : "", i, i);
  g_string_append_c (reversed, '}');
  for (i = 0; i < count; i++)
    g_string_append_printf (sorted, "%s\"k%06d\":%d", i > 0 ? "," : "", i, i);
  g_string_append_c (sorted, '}');

  value = chain_json_parse (reversed->str, reversed->len, MAX_LEN * 4, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_json_object_get_size (value), (gsize) count);
  ck_assert_int_eq (chain_json_get_integer (chain_json_object_get_member (value, "k054321")), 54321);
  ck_assert_ptr_null (chain_json_object_get_member (value, "k100000"));
  ck_assert_str_eq (chain_json_object_get_key_at (value, 0), "k000000");
  ck_assert_str_eq (chain_json_object_get_key_at (value, (gsize) count - 1), "k099999");
  assert_canonical (value, sorted->str);

  /* The builder, fed in a scattered order, replaces through the index. */
  for (i = 0; i < count; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%06d", (i * 7919) % count);

      chain_json_object_set_integer (built, key, 0);
    }
  for (i = 0; i < count; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%06d", i);

      chain_json_object_set_integer (built, key, i);
    }
  ck_assert_uint_eq (chain_json_object_get_size (built), (gsize) count);
  assert_canonical (built, sorted->str);
}
END_TEST

/* ---- Building ----------------------------------------------------------- */

START_TEST (test_builder)
{
  g_autoptr(ChainJson) record = chain_json_new_object ();
  g_autoptr(ChainJson) artifacts = chain_json_new_array ();
  g_autoptr(ChainJson) nested_object = chain_json_new_object ();
  ChainJson *found = NULL;

  chain_json_array_append (artifacts, chain_json_new_string ("cert.pem"));
  chain_json_array_append (artifacts, chain_json_new_integer (CHAIN_JSON_INTEGER_MAX));
  chain_json_array_append (artifacts, chain_json_new_integer (CHAIN_JSON_INTEGER_MIN));
  chain_json_array_append (artifacts, chain_json_new_null ());
  chain_json_object_set_boolean (nested_object, "ok", TRUE);

  chain_json_object_set_string (record, "type", "delegation");
  chain_json_object_set_integer (record, "sequence", 7);
  chain_json_object_set_boolean (record, "approved", FALSE);
  chain_json_object_set (record, "artifacts", chain_json_ref (artifacts));
  chain_json_object_set (record, "extra", chain_json_ref (nested_object));
  chain_json_object_set (record, "nothing", chain_json_new_null ());

  assert_canonical (record,
                    "{\"approved\":false,"
                    "\"artifacts\":[\"cert.pem\",9007199254740991,-9007199254740991,null],"
                    "\"extra\":{\"ok\":true},\"nothing\":null,\"sequence\":7,\"type\":\"delegation\"}");
  ck_assert_uint_eq (chain_json_object_get_size (record), 6);
  ck_assert_str_eq (chain_json_object_get_key_at (record, 1), "artifacts");
  ck_assert_ptr_eq (chain_json_object_get_value_at (record, 1), artifacts);
  ck_assert_ptr_eq (chain_json_object_get_member (record, "extra"), nested_object);
  ck_assert_ptr_null (chain_json_object_get_member (record, "missing"));

  found = chain_json_object_get_member (record, "sequence");
  ck_assert_int_eq (chain_json_get_value_type (found), CHAIN_JSON_INTEGER);
  ck_assert_int_eq (chain_json_get_integer (found), 7);
  ck_assert (!chain_json_get_boolean (chain_json_object_get_member (record, "approved")));
  ck_assert_int_eq (chain_json_get_value_type (chain_json_object_get_member (record, "nothing")),
                    CHAIN_JSON_NULL);
  ck_assert_uint_eq (chain_json_array_get_length (artifacts), 4);
  ck_assert_str_eq (chain_json_get_string (chain_json_array_get_element (artifacts, 0)), "cert.pem");

  /* Setting a key again replaces its value and keeps one member. */
  chain_json_object_set_integer (record, "sequence", 8);
  chain_json_object_set_string (record, "type", "acceptance");
  ck_assert_uint_eq (chain_json_object_get_size (record), 6);
  assert_canonical (record,
                    "{\"approved\":false,"
                    "\"artifacts\":[\"cert.pem\",9007199254740991,-9007199254740991,null],"
                    "\"extra\":{\"ok\":true},\"nothing\":null,\"sequence\":8,\"type\":\"acceptance\"}");
}
END_TEST

START_TEST (test_builder_shared_value)
{
  g_autoptr(ChainJson) shared = chain_json_new_object ();
  g_autoptr(ChainJson) root = chain_json_new_array ();

  chain_json_object_set_integer (shared, "n", 1);
  /* One value in two places: it is read-only, so both stay the same. */
  chain_json_array_append (root, chain_json_ref (shared));
  chain_json_array_append (root, chain_json_ref (shared));
  assert_canonical (root, "[{\"n\":1},{\"n\":1}]");
  ck_assert_ptr_eq (chain_json_array_get_element (root, 0), chain_json_array_get_element (root, 1));
}
END_TEST

START_TEST (test_builder_depth)
{
  g_autoptr(ChainJson) deepest = chain_json_new_array ();
  g_autofree char *expected = nested ("[", "", "]", CHAIN_JSON_MAX_DEPTH);
  int i;

  for (i = 1; i < CHAIN_JSON_MAX_DEPTH; i++)
    {
      ChainJson *outer = chain_json_new_array ();

      chain_json_array_append (outer, g_steal_pointer (&deepest));
      deepest = outer;
    }
  assert_canonical (deepest, expected);
}
END_TEST

START_TEST (test_builder_depth_after_replace)
{
  g_autoptr(ChainJson) chain = chain_json_new_array ();
  g_autoptr(ChainJson) object = chain_json_new_object ();
  g_autoptr(ChainJson) outer = chain_json_new_array ();
  int i;

  /* An object holding a 63-deep array is at the limit itself... */
  for (i = 1; i < CHAIN_JSON_MAX_DEPTH - 1; i++)
    {
      ChainJson *next = chain_json_new_array ();

      chain_json_array_append (next, g_steal_pointer (&chain));
      chain = next;
    }
  chain_json_object_set (object, "deep", g_steal_pointer (&chain));
  chain_json_object_set_integer (object, "n", 1);
  /* ...but once that member is replaced by a scalar it may nest again
   * (G_DEBUG=fatal-warnings turns a refusal into a failure). */
  chain_json_object_set_integer (object, "deep", 0);
  chain_json_array_append (outer, g_steal_pointer (&object));
  assert_canonical (outer, "[{\"deep\":0,\"n\":1}]");
}
END_TEST

typedef struct {
  const char *data;
  gsize       len;
  const char *what;
} StringLenCase;

static const StringLenCase string_len_cases[] = {
  { "ok", 2, NULL },
  { "", 0, NULL },
  { NULL, 0, NULL },
  { "gr\xc3\xbc\xc3\x9f" "e", 7, NULL },
  { "a\0b", 3, "a NUL character at byte 1" },
  { "ab\xff", 3, "invalid UTF-8 at byte 2" },
  { "\xed\xa0\x80", 3, "invalid UTF-8 at byte 0" },
  { "\xc3", 1, "invalid UTF-8 at byte 0" },
};

START_TEST (test_new_string_len)
{
  const StringLenCase *c = &string_len_cases[_i];
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) value = chain_json_new_string_len (c->data, c->len, &error);

  if (c->what == NULL)
    {
      test_assert_no_error (error);
      ck_assert_uint_eq (strlen (chain_json_get_string (value)), c->len);
      ck_assert (c->len == 0 || memcmp (chain_json_get_string (value), c->data, c->len) == 0);
    }
  else
    {
      ck_assert_ptr_null (value);
      assert_invalid (&error, "text holds ", c->what);
    }
}
END_TEST

/* ---- Typed lookups ------------------------------------------------------ */

static const char typed_input[] =
  "{\"name\":\"cm-1\",\"seq\":3,\"final\":true,\"list\":[1],\"map\":{\"x\":1},\"none\":null}";

START_TEST (test_typed_lookups)
{
  g_autoptr(ChainJson) record = parse_ok (typed_input, -1);
  g_autoptr(GError) error = NULL;
  const char *name = NULL;
  gint64 seq = 0;
  gboolean final = FALSE;
  ChainJson *list = NULL;
  ChainJson *map = NULL;

  ck_assert (chain_json_object_get_string_member (record, "name", &name, &error));
  ck_assert (chain_json_object_get_integer_member (record, "seq", &seq, &error));
  ck_assert (chain_json_object_get_boolean_member (record, "final", &final, &error));
  ck_assert (chain_json_object_get_array_member (record, "list", &list, &error));
  ck_assert (chain_json_object_get_object_member (record, "map", &map, &error));
  test_assert_no_error (error);
  ck_assert_str_eq (name, "cm-1");
  ck_assert_int_eq (seq, 3);
  ck_assert (final);
  ck_assert_uint_eq (chain_json_array_get_length (list), 1);
  ck_assert_uint_eq (chain_json_object_get_size (map), 1);
}
END_TEST

typedef struct {
  ChainJsonType type;     /* which typed lookup */
  const char   *key;
  const char   *message;  /* the whole message */
} TypedErrorCase;

static const TypedErrorCase typed_error_cases[] = {
  { CHAIN_JSON_STRING, "missing", "record field 'missing' is missing; expected a string" },
  { CHAIN_JSON_STRING, "seq", "record field 'seq' is an integer; expected a string" },
  { CHAIN_JSON_STRING, "none", "record field 'none' is null; expected a string" },
  { CHAIN_JSON_INTEGER, "name", "record field 'name' is a string; expected an integer" },
  { CHAIN_JSON_INTEGER, "missing", "record field 'missing' is missing; expected an integer" },
  { CHAIN_JSON_BOOLEAN, "list", "record field 'list' is an array; expected a boolean" },
  { CHAIN_JSON_ARRAY, "map", "record field 'map' is an object; expected an array" },
  { CHAIN_JSON_OBJECT, "final", "record field 'final' is a boolean; expected an object" },
  { CHAIN_JSON_OBJECT, "new\nline", "record field 'new\\nline' is missing; expected an object" },
};

START_TEST (test_typed_lookup_errors)
{
  const TypedErrorCase *c = &typed_error_cases[_i];
  g_autoptr(ChainJson) record = parse_ok (typed_input, -1);
  g_autoptr(GError) error = NULL;
  const char *string_value = "untouched";
  gint64 integer_value = -7;
  gboolean boolean_value = -7;
  ChainJson *json_value = record;
  gboolean ok = TRUE;

  switch (c->type)
    {
    case CHAIN_JSON_STRING:
      ok = chain_json_object_get_string_member (record, c->key, &string_value, &error);
      break;
    case CHAIN_JSON_INTEGER:
      ok = chain_json_object_get_integer_member (record, c->key, &integer_value, &error);
      break;
    case CHAIN_JSON_BOOLEAN:
      ok = chain_json_object_get_boolean_member (record, c->key, &boolean_value, &error);
      break;
    case CHAIN_JSON_ARRAY:
      ok = chain_json_object_get_array_member (record, c->key, &json_value, &error);
      break;
    case CHAIN_JSON_OBJECT:
      ok = chain_json_object_get_object_member (record, c->key, &json_value, &error);
      break;
    case CHAIN_JSON_NULL:
    default:
      ck_abort ();
    }
  ck_assert (!ok);
  ck_assert_ptr_nonnull (error);
  ck_assert_str_eq (error->message, c->message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  /* Out-params are set only on success. */
  ck_assert_str_eq (string_value, "untouched");
  ck_assert_int_eq (integer_value, -7);
  ck_assert_int_eq (boolean_value, -7);
  ck_assert_ptr_eq (json_value, record);
}
END_TEST

/* ---- Pretty form -------------------------------------------------------- */

START_TEST (test_pretty)
{
  g_autoptr(ChainJson) value =
    parse_ok ("{\"b\":[1,{\"d\":null,\"c\":\"x\"},[]],\"a\":{},\"e\":\"\xe2\x80\xae\"}", -1);
  g_autofree char *pretty = chain_json_to_pretty (value);
  g_autoptr(ChainJson) scalar = chain_json_new_integer (-3);
  g_autofree char *scalar_pretty = chain_json_to_pretty (scalar);

  ck_assert_str_eq (pretty,
                    "{\n"
                    "  \"a\": {},\n"
                    "  \"b\": [\n"
                    "    1,\n"
                    "    {\n"
                    "      \"c\": \"x\",\n"
                    "      \"d\": null\n"
                    "    },\n"
                    "    []\n"
                    "  ],\n"
                    "  \"e\": \"\\u202e\"\n"
                    "}");
  ck_assert_str_eq (scalar_pretty, "-3");
}
END_TEST

/* ---- Reference counting and threads ------------------------------------- */

START_TEST (test_ref_unref)
{
  ChainJson *value = chain_json_new_string ("x");
  ChainJson *again = chain_json_ref (value);

  ck_assert_ptr_eq (again, value);
  chain_json_unref (value);
  ck_assert_str_eq (chain_json_get_string (again), "x");
  chain_json_unref (again);
  chain_json_unref (NULL);
}
END_TEST

static gpointer
serialise_thread (gpointer data)
{
  return chain_json_to_canonical (data);
}

START_TEST (test_concurrent_readers)
{
  g_autoptr(ChainJson) object = chain_json_new_object ();
  GThread *threads[4];
  g_autoptr(GString) canonical = g_string_new ("{");
  g_autoptr(GBytes) expected = NULL;
  int i;

  /* Unsorted members: the first readers race to build the sorted view. */
  for (i = 99; i >= 0; i--)
    {
      g_autofree char *key = g_strdup_printf ("%02d", i);

      chain_json_object_set_integer (object, key, i);
    }
  /* The canonical form, written out by hand: sorted keys, no spaces. */
  for (i = 0; i < 100; i++)
    g_string_append_printf (canonical, "%s\"%02d\":%d", i == 0 ? "" : ",", i, i);
  g_string_append_c (canonical, '}');
  expected = g_bytes_new (canonical->str, canonical->len);
  for (i = 0; i < (int) G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("reader", serialise_thread, object);
  for (i = 0; i < (int) G_N_ELEMENTS (threads); i++)
    {
      g_autoptr(GBytes) bytes = g_thread_join (threads[i]);

      ck_assert_msg (g_bytes_equal (bytes, expected), "reader %d: %.*s", i,
                     (int) g_bytes_get_size (bytes), (const char *) g_bytes_get_data (bytes, NULL));
    }
  ck_assert_str_eq (chain_json_object_get_key_at (object, 0), "00");
}
END_TEST

/* ---- Programming errors ------------------------------------------------- */

static guint criticals;

static void
count_critical (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  criticals++;
}

static gboolean
not_fatal (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  return FALSE;
}

/* Counts libchain's criticals instead of aborting on them (G_DEBUG=fatal-warnings). */
static void
catch_criticals (void)
{
  criticals = 0;
  g_log_set_handler ("libchain", G_LOG_LEVEL_CRITICAL | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                     count_critical, NULL);
  g_test_log_set_fatal_handler (not_fatal, NULL);
}

START_TEST (test_read_only_once_contained)
{
  g_autoptr(ChainJson) root = chain_json_new_array ();
  ChainJson *child = chain_json_new_object ();
  g_autoptr(ChainJson) extra = chain_json_new_integer (1);

  chain_json_array_append (root, child);
  catch_criticals ();
  /* A refused value is not consumed. */
  chain_json_object_set (child, "late", extra);
  ck_assert_uint_eq (criticals, 1);
  ck_assert_uint_eq (chain_json_object_get_size (child), 0);

  /* A container cannot hold itself. */
  chain_json_array_append (root, root);
  ck_assert_uint_eq (criticals, 2);
  assert_canonical (root, "[{}]");
}
END_TEST

START_TEST (test_builder_depth_refused)
{
  g_autoptr(ChainJson) deepest = chain_json_new_array ();
  g_autoptr(ChainJson) outer = chain_json_new_array ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) parsed = NULL;
  g_autoptr(ChainJson) holder = chain_json_new_object ();
  g_autofree char *at_limit = nested ("[", "", "]", CHAIN_JSON_MAX_DEPTH);
  int i;

  for (i = 1; i < CHAIN_JSON_MAX_DEPTH; i++)
    {
      ChainJson *next = chain_json_new_array ();

      chain_json_array_append (next, g_steal_pointer (&deepest));
      deepest = next;
    }
  catch_criticals ();
  chain_json_array_append (outer, deepest);
  ck_assert_uint_eq (criticals, 1);
  assert_canonical (outer, "[]");

  /* Same for a parsed value at the limit. */
  parsed = chain_json_parse (at_limit, strlen (at_limit), MAX_LEN, &error);
  test_assert_no_error (error);
  chain_json_object_set (holder, "x", parsed);
  ck_assert_uint_eq (criticals, 2);
}
END_TEST

START_TEST (test_wrong_type_getters)
{
  g_autoptr(ChainJson) number = chain_json_new_integer (5);

  catch_criticals ();
  ck_assert_ptr_null (chain_json_get_string (number));
  ck_assert (!chain_json_get_boolean (number));
  ck_assert_uint_eq (chain_json_array_get_length (number), 0);
  ck_assert_ptr_null (chain_json_object_get_member (number, "x"));
  ck_assert_ptr_null (chain_json_new_integer (CHAIN_JSON_INTEGER_MAX + 1));
  ck_assert_ptr_null (chain_json_new_string ("bad \xff"));
  ck_assert_uint_eq (criticals, 6);
}
END_TEST

START_TEST (test_type_names)
{
  ck_assert_str_eq (chain_json_type_to_string (CHAIN_JSON_NULL), "null");
  ck_assert_str_eq (chain_json_type_to_string (CHAIN_JSON_BOOLEAN), "boolean");
  ck_assert_str_eq (chain_json_type_to_string (CHAIN_JSON_INTEGER), "integer");
  ck_assert_str_eq (chain_json_type_to_string (CHAIN_JSON_STRING), "string");
  ck_assert_str_eq (chain_json_type_to_string (CHAIN_JSON_ARRAY), "array");
  ck_assert_str_eq (chain_json_type_to_string (CHAIN_JSON_OBJECT), "object");
}
END_TEST

static Suite *
json_suite (void)
{
  Suite *suite = suite_create ("json");
  TCase *canonical = tcase_create ("canonical");
  TCase *parse = tcase_create ("parse");
  TCase *limits = tcase_create ("limits");
  TCase *build = tcase_create ("build");

  tcase_add_test (canonical, test_rfc8785_sort_example);
  tcase_add_test (canonical, test_rfc8785_sort_example_built);
  tcase_add_loop_test (canonical, test_key_order, 0, G_N_ELEMENTS (order_cases));
  tcase_add_loop_test (canonical, test_escape, 0, G_N_ELEMENTS (escape_cases));
  tcase_add_loop_test (canonical, test_canonical_round_trip, 0, G_N_ELEMENTS (canonical_cases));
  tcase_add_loop_test (canonical, test_not_canonical, 0, G_N_ELEMENTS (not_canonical_cases));
  tcase_add_test (canonical, test_pretty);
  suite_add_tcase (suite, canonical);

  tcase_add_loop_test (parse, test_unescape, 0, G_N_ELEMENTS (unescape_cases));
  tcase_add_loop_test (parse, test_parse_invalid, 0, G_N_ELEMENTS (invalid_cases));
  tcase_add_test (parse, test_duplicate_key_in_large_object);
  tcase_add_test (parse, test_duplicate_key_message_is_one_line);
  suite_add_tcase (suite, parse);

  tcase_add_loop_test (limits, test_depth_limit, 0, G_N_ELEMENTS (nest_cases));
  tcase_add_test (limits, test_depth_limit_not_recursive_overflow);
  tcase_add_test (limits, test_max_len);
  tcase_add_test (limits, test_large_array);
  tcase_add_test (limits, test_large_object);
  suite_add_tcase (suite, limits);

  tcase_add_test (build, test_builder);
  tcase_add_test (build, test_builder_shared_value);
  tcase_add_test (build, test_builder_depth);
  tcase_add_test (build, test_builder_depth_after_replace);
  tcase_add_loop_test (build, test_new_string_len, 0, G_N_ELEMENTS (string_len_cases));
  tcase_add_test (build, test_typed_lookups);
  tcase_add_loop_test (build, test_typed_lookup_errors, 0, G_N_ELEMENTS (typed_error_cases));
  tcase_add_test (build, test_ref_unref);
  tcase_add_test (build, test_concurrent_readers);
  tcase_add_test (build, test_read_only_once_contained);
  tcase_add_test (build, test_builder_depth_refused);
  tcase_add_test (build, test_wrong_type_getters);
  tcase_add_test (build, test_type_names);
  suite_add_tcase (suite, build);

  return suite;
}

int
main (void)
{
  return test_support_run_suite (json_suite ());
}
