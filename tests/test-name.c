/* test-name.c — RFC 4514 names: strict parsing, exact round trips */
#include "test-support.h"

#include "chain-pki-private.h"

typedef struct {
  const char *text;
  const char *canonical;     /* what to_string() gives back */
  const char *common_name;   /* most specific CN, or NULL */
} ValidCase;

static const ValidCase valid_cases[] = {
  { "CN=Line 3 CA,O=Widget Ltd,C=DE", "CN=Line 3 CA,O=Widget Ltd,C=DE", "Line 3 CA" },
  { "CN=x,O=Acme", "CN=x,O=Acme", "x" },
  { "O=Acme,C=DE", "O=Acme,C=DE", NULL },
  { "cn=x,o=Acme,c=DE", "CN=x,O=Acme,C=DE", "x" },
  { "SERIALNUMBER=42,Cn=x", "serialNumber=42,CN=x", "x" },
  { "CN=a\\,b,O=Acme\\, Inc.", "CN=a\\,b,O=Acme\\, Inc.", "a,b" },
  { "CN=\\ lead", "CN=\\ lead", " lead" },
  { "CN=trail\\ ", "CN=trail\\ ", "trail " },
  { "CN=\\ ", "CN=\\ ", " " },
  { "CN=\\#hash", "CN=\\#hash", "#hash" },
  { "CN=a#b", "CN=a#b", "a#b" },
  { "CN=a=b", "CN=a=b", "a=b" },
  { "CN=a\\=b", "CN=a=b", "a=b" },
  { "CN=in ner", "CN=in ner", "in ner" },
  { "CN=\\22q\\22", "CN=\\\"q\\\"", "\"q\"" },
  { "CN=\\\"q\\\"", "CN=\\\"q\\\"", "\"q\"" },
  { "CN=a\\;b\\<c\\>d\\+e", "CN=a\\;b\\<c\\>d\\+e", "a;b<c>d+e" },
  { "CN=back\\\\slash", "CN=back\\\\slash", "back\\slash" },
  { "CN=Gr\\C3\\BC\\c3\\9fe", "CN=Grüße", "Grüße" },
  { "CN=Grüße,O=Müller GmbH", "CN=Grüße,O=Müller GmbH", "Grüße" },
  { "CN=日本の工場", "CN=日本の工場", "日本の工場" },
  { "CN=a+serialNumber=42,O=Acme", "CN=a+serialNumber=42,O=Acme", "a" },
  { "serialNumber=42+CN=a,O=Acme", "serialNumber=42+CN=a,O=Acme", "a" },
  { "DC=factory,DC=example,DC=com", "DC=factory,DC=example,DC=com", NULL },
  { "DC=xn--mller-kva", "DC=xn--mller-kva", NULL },
  { "serialNumber=ABC-123 (x)/y:z=?'\\+.,CN=d", "serialNumber=ABC-123 (x)/y:z=?'\\+.,CN=d", "d" },
  { "CN=dev,OU=Line 3,L=Munich,ST=Bavaria,O=Acme,C=DE",
    "CN=dev,OU=Line 3,L=Munich,ST=Bavaria,O=Acme,C=DE", "dev" },
  { "CN=leaf,OU=x,CN=root", "CN=leaf,OU=x,CN=root", "leaf" },
  { "OU=a,OU=a", "OU=a,OU=a", NULL },
};

typedef struct {
  const char *text;
  const char *message_part;   /* the message must say this */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "", "empty" },
  { "CN=", "CN is empty" },
  { "CN=x,O=", "O is empty" },
  { "CN=x+O=", "O is empty" },
  { "CN=x,", "trailing separator" },
  { "CN=x+", "trailing separator" },
  { ",CN=x", "position 1" },
  { "CN=x,,O=y", "position 6" },
  { "CN", "'='" },
  { "CN x", "'='" },
  { "=x", "attribute type" },
  { "CN=x, O=y", "space" },
  { "CN =x", "'='" },
  { " CN=x", "space" },
  { "E=a@example.com", "'E'" },
  { "emailAddress=a@example.com", "'emailAddress'" },
  { "2.5.4.3=x", "'2.5.4.3'" },
  { "UID=x", "serialNumber" },
  { "CN=#0403616263", "Hex-encoded" },
  { "CN= x", "Leading space" },
  { "CN=x ", "Trailing space" },
  { "CN=x ,O=y", "Trailing space" },
  { "CN=a;b", "'\\;'" },
  { "CN=a\"b", "'\\\"'" },
  { "CN=a<b", "'\\<'" },
  { "CN=a>b", "'\\>'" },
  { "CN=a\\", "Bad escape" },
  { "CN=a\\q", "Bad escape" },
  { "CN=a\\4", "Bad escape" },
  { "CN=a\\4g", "Bad escape" },
  { "CN=a\\00b", "NUL" },
  { "CN=a\nb", "U+000A" },
  { "CN=a\tb", "U+0009" },
  { "CN=a\\0Ab", "U+000A" },
  { "CN=a\x7f", "U+007F" },
  { "CN=\\C2\\85", "U+0085" },
  { "CN=\\C3", "UTF-8" },
  { "CN=\\FF\\FE", "UTF-8" },
  { "CN=\xff", "UTF-8" },
  { "C=DEU", "two-letter" },
  { "C=D", "two-letter" },
  { "C=de", "upper case" },
  { "C=D1", "two-letter" },
  { "C=Ü1", "two-letter" },
  { "serialNumber=a_b", "serialNumber" },
  { "serialNumber=ü", "serialNumber" },
  { "serialNumber=a\\;b", "serialNumber" },
  { "DC=a.b", "DNS label" },
  { "DC=-a", "DNS label" },
  { "DC=a-", "DNS label" },
  { "DC=ü", "DNS label" },
  { "DC=a_b", "DNS label" },
};

/* Over-long values: attribute type and its X.520 upper bound. */
static const struct {
  const char *type;
  int         max_chars;
} length_bounds[] = {
  { "CN", 64 },
  { "O", 64 },
  { "OU", 64 },
  { "L", 128 },
  { "ST", 128 },
  { "serialNumber", 64 },
  { "DC", 63 },
};

static ChainName *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  ChainName *name = chain_name_parse (text, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (name);
  return name;
}

static GBytes *
name_der (const ChainName *name)
{
  unsigned char *der = NULL;
  int len = i2d_X509_NAME (chain_name_get_x509_name (name), &der);
  GBytes *bytes;

  ck_assert_int_gt (len, 0);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

static void
assert_round_trip (const ChainName *name,
                   const char      *expected)
{
  g_autofree char *text = chain_name_to_string (name);
  g_autoptr(ChainName) again = NULL;
  g_autofree char *text_again = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GBytes) der_again = NULL;

  ck_assert_str_eq (text, expected);
  again = parse_ok (text);
  text_again = chain_name_to_string (again);
  ck_assert_str_eq (text_again, expected);
  der = name_der (name);
  der_again = name_der (again);
  ck_assert_msg (g_bytes_equal (der, der_again), "DER differs after a round trip of %s", expected);
  ck_assert (chain_name_equal (name, again));
}

START_TEST (test_parse_valid)
{
  const ValidCase *c = &valid_cases[_i];
  g_autoptr(ChainName) name = parse_ok (c->text);
  g_autofree char *cn = chain_name_dup_common_name (name);

  assert_round_trip (name, c->canonical);
  if (c->common_name == NULL)
    ck_assert_ptr_null (cn);
  else
    ck_assert_str_eq (cn, c->common_name);
}
END_TEST

START_TEST (test_parse_invalid)
{
  const InvalidCase *c = &invalid_cases[_i];
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = chain_name_parse (c->text, &error);

  ck_assert_ptr_null (name);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, c->message_part) != NULL,
                 "parsing \"%s\": message \"%s\" does not mention \"%s\"",
                 c->text, error->message, c->message_part);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_parse_null)
{
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_null (chain_name_parse (NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

static char *
value_of_length (int n_chars,
                 const char *unit)
{
  GString *value = g_string_new (NULL);

  for (int i = 0; i < n_chars; i++)
    g_string_append (value, unit);
  return g_string_free (value, FALSE);
}

START_TEST (test_length_bounds)
{
  const char *type = length_bounds[_i].type;
  int max = length_bounds[_i].max_chars;
  gboolean ascii_only = strcmp (type, "serialNumber") == 0 || strcmp (type, "DC") == 0;
  g_autofree char *at_max = value_of_length (max, "a");
  g_autofree char *over = value_of_length (max + 1, "a");
  g_autofree char *text_at_max = g_strdup_printf ("%s=%s", type, at_max);
  g_autofree char *text_over = g_strdup_printf ("%s=%s", type, over);
  g_autoptr(ChainName) name = parse_ok (text_at_max);
  g_autoptr(ChainName) too_long = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("at most %d", max);

  ck_assert_ptr_nonnull (name);
  too_long = chain_name_parse (text_over, &error);
  ck_assert_ptr_null (too_long);
  ck_assert_msg (strstr (error->message, expected) != NULL, "message: %s", error->message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  /* Bounds count characters, not bytes. */
  if (!ascii_only)
    {
      g_autofree char *wide = value_of_length (max, "ü");
      g_autofree char *wide_text = g_strdup_printf ("%s=%s", type, wide);
      g_autoptr(ChainName) wide_name = parse_ok (wide_text);

      assert_round_trip (wide_name, wide_text);
    }
}
END_TEST

/* OU values of 64 bytes each with their commas, then one more to make
 * @total bytes in all. */
static char *
text_of_length (gsize total)
{
  GString *text = g_string_new (NULL);

  while (total - text->len > 67)
    g_string_append_printf (text, "OU=%s,", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  g_string_append (text, "OU=");
  while (text->len < total)
    g_string_append_c (text, 'b');
  return g_string_free (text, FALSE);
}

START_TEST (test_text_cap)
{
  g_autofree char *at_cap = text_of_length (1024);
  g_autofree char *over_cap = text_of_length (1025);
  g_autoptr(ChainName) name = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert_uint_eq (strlen (at_cap), 1024);
  name = parse_ok (at_cap);
  assert_round_trip (name, at_cap);

  ck_assert_uint_eq (strlen (over_cap), 1025);
  ck_assert_ptr_null (chain_name_parse (over_cap, &error));
  ck_assert_msg (strstr (error->message, "1024 bytes") != NULL, "message: %s", error->message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_der_order_is_root_first)
{
  g_autoptr(ChainName) name = parse_ok ("CN=x,O=Acme,C=DE");
  const X509_NAME *x509 = chain_name_get_x509_name (name);
  static const int expected[] = { NID_countryName, NID_organizationName, NID_commonName };

  ck_assert_int_eq (X509_NAME_entry_count (x509), 3);
  for (int i = 0; i < 3; i++)
    {
      const X509_NAME_ENTRY *entry = X509_NAME_get_entry (x509, i);

      ck_assert_int_eq (OBJ_obj2nid (X509_NAME_ENTRY_get_object (entry)), expected[i]);
      ck_assert_int_eq (X509_NAME_ENTRY_set (entry), i);
    }
}
END_TEST

START_TEST (test_multi_valued_rdn_is_one_set)
{
  g_autoptr(ChainName) name = parse_ok ("CN=a+serialNumber=42,O=Acme");
  const X509_NAME *x509 = chain_name_get_x509_name (name);

  ck_assert_int_eq (X509_NAME_entry_count (x509), 3);
  ck_assert_int_eq (X509_NAME_ENTRY_set (X509_NAME_get_entry (x509, 0)), 0);
  ck_assert_int_eq (X509_NAME_ENTRY_set (X509_NAME_get_entry (x509, 1)), 1);
  ck_assert_int_eq (X509_NAME_ENTRY_set (X509_NAME_get_entry (x509, 2)), 1);
}
END_TEST

static const struct {
  const char *text;
  int         nid;
  int         asn1_type;
} encoding_cases[] = {
  { "C=DE", NID_countryName, V_ASN1_PRINTABLESTRING },
  { "serialNumber=42", NID_serialNumber, V_ASN1_PRINTABLESTRING },
  { "CN=x", NID_commonName, V_ASN1_UTF8STRING },
  { "O=x", NID_organizationName, V_ASN1_UTF8STRING },
  { "OU=x", NID_organizationalUnitName, V_ASN1_UTF8STRING },
  { "L=x", NID_localityName, V_ASN1_UTF8STRING },
  { "ST=x", NID_stateOrProvinceName, V_ASN1_UTF8STRING },
  { "DC=x", NID_domainComponent, V_ASN1_IA5STRING },
};

START_TEST (test_value_encoding)
{
  g_autoptr(ChainName) name = parse_ok (encoding_cases[_i].text);
  const X509_NAME_ENTRY *entry = X509_NAME_get_entry (chain_name_get_x509_name (name), 0);

  ck_assert_int_eq (OBJ_obj2nid (X509_NAME_ENTRY_get_object (entry)), encoding_cases[_i].nid);
  ck_assert_int_eq (ASN1_STRING_type (X509_NAME_ENTRY_get_data (entry)), encoding_cases[_i].asn1_type);
}
END_TEST

/* Names from elsewhere may hold what our parser refuses; to_string() must
 * still give one line. */
START_TEST (test_to_string_escapes_foreign_values)
{
  X509_NAME *x509 = X509_NAME_new ();
  g_autoptr(ChainName) name = NULL;
  g_autofree char *text = NULL;
  ASN1_OBJECT *oid = OBJ_txt2obj ("1.2.3.4", 1);

  ck_assert (X509_NAME_add_entry_by_NID (x509, NID_organizationName, V_ASN1_UTF8STRING,
                                         (const unsigned char *) "line\none", -1, -1, 0));
  ck_assert (X509_NAME_add_entry_by_NID (x509, NID_commonName, V_ASN1_UTF8STRING,
                                         (const unsigned char *) "\xc2\x85x ", -1, -1, 0));
  /* Not UTF-8 though labelled so: shown as the hex of its DER. */
  ck_assert (X509_NAME_add_entry_by_OBJ (x509, oid, V_ASN1_UTF8STRING,
                                         (const unsigned char *) "\xff\xfe", 2, -1, 0));
  ASN1_OBJECT_free (oid);
  name = chain_name_new_take (x509);

  text = chain_name_to_string (name);
  ck_assert_str_eq (text, "1.2.3.4=#0C02FFFE,CN=\\C2\\85x\\ ,O=line\\0Aone");
}
END_TEST

START_TEST (test_to_string_reads_other_string_types)
{
  X509_NAME *x509 = X509_NAME_new ();
  g_autoptr(ChainName) name = NULL;
  g_autofree char *text = NULL;
  g_autofree char *cn = NULL;
  /* "Grüße" as a BMPString (UTF-16BE) */
  static const unsigned char bmp[] = { 0, 'G', 0, 'r', 0, 0xfc, 0, 0xdf, 0, 'e' };

  ck_assert (X509_NAME_add_entry_by_NID (x509, NID_commonName, V_ASN1_BMPSTRING,
                                         bmp, sizeof bmp, -1, 0));
  name = chain_name_new_take (x509);
  text = chain_name_to_string (name);
  ck_assert_str_eq (text, "CN=Grüße");
  cn = chain_name_dup_common_name (name);
  ck_assert_str_eq (cn, "Grüße");
}
END_TEST

START_TEST (test_common_name_with_nul_is_not_returned)
{
  X509_NAME *x509 = X509_NAME_new ();
  g_autoptr(ChainName) name = NULL;
  g_autofree char *cn = NULL;

  ck_assert (X509_NAME_add_entry_by_NID (x509, NID_commonName, V_ASN1_UTF8STRING,
                                         (const unsigned char *) "dev1\0evil", 9, -1, 0));
  name = chain_name_new_take (x509);
  cn = chain_name_dup_common_name (name);
  ck_assert_ptr_null (cn);
}
END_TEST

static const struct {
  const char *name;
  const char *common_name;
  const char *expected;
} with_cn_cases[] = {
  { "CN=old,O=Acme", "new", "CN=new,O=Acme" },
  { "O=Acme,C=DE", "dev1", "CN=dev1,O=Acme,C=DE" },
  { "CN=leaf,OU=x,CN=root", "new", "CN=new,OU=x,CN=root" },
  { "OU=x,CN=root,O=Acme", "new", "OU=x,CN=new,O=Acme" },
  { "CN=a+serialNumber=1,O=Acme", "new", "CN=new+serialNumber=1,O=Acme" },
  { "serialNumber=1+CN=a,O=Acme", "new", "serialNumber=1+CN=new,O=Acme" },
  { "CN=old,O=Acme", "a,b+c", "CN=a\\,b\\+c,O=Acme" },
  { "CN=old,O=Acme", " #x ", "CN=\\ #x\\ ,O=Acme" },
  { "CN=old,O=Acme", "Grüße", "CN=Grüße,O=Acme" },
};

START_TEST (test_with_common_name)
{
  g_autoptr(ChainName) name = parse_ok (with_cn_cases[_i].name);
  g_autoptr(ChainName) renamed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = chain_name_to_string (name);
  g_autofree char *after = NULL;
  g_autofree char *cn = NULL;

  renamed = chain_name_with_common_name (name, with_cn_cases[_i].common_name, &error);
  test_assert_no_error (error);
  assert_round_trip (renamed, with_cn_cases[_i].expected);
  cn = chain_name_dup_common_name (renamed);
  ck_assert_str_eq (cn, with_cn_cases[_i].common_name);

  /* The original is untouched. */
  after = chain_name_to_string (name);
  ck_assert_str_eq (after, before);
}
END_TEST

static const char *const bad_common_names[] = {
  "",
  "a\nb",
  "nul\x01",
  "\xff",
  "0123456789012345678901234567890123456789012345678901234567890123x",
};

START_TEST (test_with_common_name_invalid)
{
  g_autoptr(ChainName) name = parse_ok ("CN=old,O=Acme");
  g_autoptr(ChainName) renamed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  renamed = chain_name_with_common_name (name, bad_common_names[_i], &error);
  ck_assert_ptr_null (renamed);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  after = chain_name_to_string (name);
  ck_assert_str_eq (after, "CN=old,O=Acme");
}
END_TEST

START_TEST (test_equal)
{
  g_autoptr(ChainName) a = parse_ok ("CN=x,O=Acme");
  g_autoptr(ChainName) same = parse_ok ("cn=x,o=Acme");
  g_autoptr(ChainName) other_case = parse_ok ("CN=X,O=ACME");
  g_autoptr(ChainName) other = parse_ok ("CN=x,O=Other");
  g_autoptr(ChainName) reversed = parse_ok ("O=Acme,CN=x");
  g_autoptr(ChainName) longer = parse_ok ("CN=x,O=Acme,C=DE");

  ck_assert (chain_name_equal (a, a));
  ck_assert (chain_name_equal (a, same));
  /* X.509 comparison folds case, as verifiers do when chaining. */
  ck_assert (chain_name_equal (a, other_case));
  ck_assert (!chain_name_equal (a, other));
  ck_assert (!chain_name_equal (a, reversed));
  ck_assert (!chain_name_equal (a, longer));
}
END_TEST

START_TEST (test_copy_is_independent)
{
  ChainName *original = parse_ok ("CN=x,O=Acme");
  g_autoptr(ChainName) copy = chain_name_copy (original);
  g_autofree char *text = NULL;

  ck_assert_ptr_ne (chain_name_get_x509_name (copy), chain_name_get_x509_name (original));
  ck_assert (chain_name_equal (copy, original));
  chain_name_free (original);
  text = chain_name_to_string (copy);
  ck_assert_str_eq (text, "CN=x,O=Acme");
}
END_TEST

START_TEST (test_free_null)
{
  chain_name_free (NULL);
}
END_TEST

static Suite *
name_suite (void)
{
  Suite *suite = suite_create ("name");
  TCase *parse = tcase_create ("parse");
  TCase *format = tcase_create ("to_string");
  TCase *common_name = tcase_create ("common-name");
  TCase *other = tcase_create ("other");

  tcase_add_loop_test (parse, test_parse_valid, 0, G_N_ELEMENTS (valid_cases));
  tcase_add_loop_test (parse, test_parse_invalid, 0, G_N_ELEMENTS (invalid_cases));
  tcase_add_test (parse, test_parse_null);
  tcase_add_loop_test (parse, test_length_bounds, 0, G_N_ELEMENTS (length_bounds));
  tcase_add_test (parse, test_text_cap);
  tcase_add_test (parse, test_der_order_is_root_first);
  tcase_add_test (parse, test_multi_valued_rdn_is_one_set);
  tcase_add_loop_test (parse, test_value_encoding, 0, G_N_ELEMENTS (encoding_cases));
  suite_add_tcase (suite, parse);

  tcase_add_test (format, test_to_string_escapes_foreign_values);
  tcase_add_test (format, test_to_string_reads_other_string_types);
  suite_add_tcase (suite, format);

  tcase_add_test (common_name, test_common_name_with_nul_is_not_returned);
  tcase_add_loop_test (common_name, test_with_common_name, 0, G_N_ELEMENTS (with_cn_cases));
  tcase_add_loop_test (common_name, test_with_common_name_invalid, 0,
                       G_N_ELEMENTS (bad_common_names));
  suite_add_tcase (suite, common_name);

  tcase_add_test (other, test_equal);
  tcase_add_test (other, test_copy_is_independent);
  tcase_add_test (other, test_free_null);
  suite_add_tcase (suite, other);

  return suite;
}

int
main (void)
{
  return test_support_run_suite (name_suite ());
}
