/* test-name-constraints.c — RFC 5280 name constraints as text and DER */
#include "test-support.h"

#include "chain-pki-private.h"

typedef struct {
  const char *general_name;
  const char *canonical;    /* TYPE:VALUE as to_string() writes it */
} ValidCase;

static const ValidCase valid_cases[] = {
  { "DNS:factory.example.com", "DNS:factory.example.com" },
  { "dns:.example.com", "DNS:.example.com" },
  { "DNS:xn--mller-kva.example", "DNS:xn--mller-kva.example" },
  { "DNS:a-b.c0", "DNS:a-b.c0" },
  { "DNS:localhost", "DNS:localhost" },
  { "email:example.com", "email:example.com" },
  { "rfc822:.example.com", "email:.example.com" },
  { "RFC822:ops@example.com", "email:ops@example.com" },
  { "Email:first.last+tag@mail.example.com", "email:first.last+tag@mail.example.com" },
  { "IP:10.0.0.0/8", "IP:10.0.0.0/8" },
  { "ip:192.168.1.0/24", "IP:192.168.1.0/24" },
  { "IP:10.1.2.3/32", "IP:10.1.2.3/32" },
  { "IP:0.0.0.0/0", "IP:0.0.0.0/0" },
  { "IP:172.16.0.0/12", "IP:172.16.0.0/12" },
  { "IP:2001:db8::/32", "IP:2001:db8::/32" },
  { "IP:2001:DB8:0::/48", "IP:2001:db8::/48" },
  { "IP:fe80::1/128", "IP:fe80::1/128" },
  { "IP:::/0", "IP:::/0" },
  { "URI:.example.com", "URI:.example.com" },
  { "uri:host.example.com", "URI:host.example.com" },
  { "dirName:O=Widget Ltd,C=DE", "dirName:O=Widget Ltd,C=DE" },
  { "DIRNAME:o=Widget Ltd,c=DE", "dirName:O=Widget Ltd,C=DE" },
  { "dirName:CN=a\\;b,O=x", "dirName:CN=a\\;b,O=x" },
  { "dirName:O=Acme\\, Inc.,C=US", "dirName:O=Acme\\, Inc.,C=US" },
};

typedef struct {
  const char *input;
  const char *message_part;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "", "TYPE:" },
  { "DNS", "TYPE:" },
  { "example.com", "TYPE:" },
  { "DNS:", "empty value" },
  { "FOO:bar", "Unknown name constraint type" },
  { "otherName:x", "Unknown name constraint type" },
  { ":example.com", "Unknown name constraint type" },
  { "DNS:*.example.com", "no wildcards" },
  { "DNS:exa mple.com", "DNS:factory.example.com" },
  { "DNS:-a.com", "DNS constraint" },
  { "DNS:a-.com", "DNS constraint" },
  { "DNS:a..com", "DNS constraint" },
  { "DNS:example.com.", "DNS constraint" },
  { "DNS:.", "DNS constraint" },
  { "DNS:..example.com", "DNS constraint" },
  { "DNS:a_b.com", "DNS constraint" },
  { "DNS:a\nb.com", "DNS constraint" },
  { "DNS:exämple.com", "DNS constraint" },
  { "DNS:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", "DNS constraint" },
  { "email:@example.com", "mailbox" },
  { "email:a@", "mailbox" },
  { "email:a@b@example.com", "mailbox" },
  { "email:a b@example.com", "mailbox" },
  { "email:a@.example.com", "mailbox" },
  { "email:ä@example.com", "mailbox" },
  { "URI:https://example.com", "not a full URI" },
  { "URI:example.com/path", "not a full URI" },
  { "IP:10.0.0.0", "prefix length" },
  { "IP:10.0.0.1/8", "bits set beyond" },
  { "IP:2001:db8::1/32", "bits set beyond" },
  { "IP:10.0.0.0/33", "0 to 32" },
  { "IP:::/129", "0 to 128" },
  { "IP:10.0.0.0/-1", "0 to 32" },
  { "IP:10.0.0.0/08", "0 to 32" },
  { "IP:10.0.0.0/", "0 to 32" },
  { "IP:10.0.0.0/8x", "0 to 32" },
  { "IP:10.0.0.0/ 8", "0 to 32" },
  { "IP:10.0.0/8", "IPv4 or IPv6 address" },
  { "IP:010.0.0.0/8", "IPv4 or IPv6 address" },
  { "IP:abc/8", "IPv4 or IPv6 address" },
  { "IP:/8", "IPv4 or IPv6 address" },
  { "IP:10.0.0.0/8/8", "0 to 32" },
  { "dirName:", "empty value" },
  { "dirName:O=", "dirName constraint" },
  { "dirName:X=y", "dirName constraint" },
  { "dirName:CN=x, O=y", "dirName constraint" },
};

static ChainNameConstraints *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  ChainNameConstraints *nc = chain_name_constraints_parse (text, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (nc);
  return nc;
}

static GBytes *
nc_der (const ChainNameConstraints *nc)
{
  unsigned char *der = NULL;
  int len = ASN1_item_i2d ((const ASN1_VALUE *) chain_name_constraints_get_nc (nc), &der,
                           ASN1_ITEM_rptr (NAME_CONSTRAINTS));
  GBytes *bytes;

  ck_assert_int_gt (len, 0);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

/* to_string() → parse() → to_string() gives the same text and DER. */
static void
assert_round_trip (const ChainNameConstraints *nc,
                   const char                 *expected)
{
  g_autofree char *text = chain_name_constraints_to_string (nc);
  g_autoptr(ChainNameConstraints) again = NULL;
  g_autofree char *text_again = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GBytes) der_again = NULL;

  ck_assert_str_eq (text, expected);
  again = parse_ok (text);
  text_again = chain_name_constraints_to_string (again);
  ck_assert_str_eq (text_again, expected);
  der = nc_der (nc);
  der_again = nc_der (again);
  ck_assert_msg (g_bytes_equal (der, der_again), "DER differs after a round trip of %s", expected);
}

START_TEST (test_add_valid)
{
  const ValidCase *c = &valid_cases[_i];
  g_autoptr(ChainNameConstraints) nc = chain_name_constraints_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *permitted = g_strdup_printf ("permitted:%s\n", c->canonical);
  g_autofree char *both = g_strdup_printf ("permitted:%s\nexcluded:%s\n", c->canonical, c->canonical);

  ck_assert (chain_name_constraints_add (nc, CHAIN_NAME_CONSTRAINT_PERMITTED, c->general_name, &error));
  test_assert_no_error (error);
  assert_round_trip (nc, permitted);

  ck_assert (chain_name_constraints_add (nc, CHAIN_NAME_CONSTRAINT_EXCLUDED, c->general_name, &error));
  test_assert_no_error (error);
  assert_round_trip (nc, both);
}
END_TEST

START_TEST (test_add_invalid)
{
  const InvalidCase *c = &invalid_cases[_i];
  g_autoptr(ChainNameConstraints) nc = parse_ok ("permitted:DNS:example.com");
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  ck_assert (!chain_name_constraints_add (nc, CHAIN_NAME_CONSTRAINT_PERMITTED, c->input, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, c->message_part) != NULL,
                 "adding \"%s\": message \"%s\" does not mention \"%s\"",
                 c->input, error->message, c->message_part);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  /* Unchanged on error. */
  after = chain_name_constraints_to_string (nc);
  ck_assert_str_eq (after, "permitted:DNS:example.com\n");
}
END_TEST

START_TEST (test_add_null_and_oversized)
{
  g_autoptr(ChainNameConstraints) nc = chain_name_constraints_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (2000, 'a');
  g_autofree char *huge_dns = g_strconcat ("DNS:", huge, NULL);

  ck_assert (!chain_name_constraints_add (nc, CHAIN_NAME_CONSTRAINT_EXCLUDED, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_name_constraints_add (nc, CHAIN_NAME_CONSTRAINT_EXCLUDED, huge_dns, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (chain_name_constraints_is_empty (nc));
}
END_TEST

static const struct {
  const char *general_name;
  const char *der_hex;       /* the iPAddress octets: address then mask */
} ip_encodings[] = {
  { "IP:10.0.0.0/8", "0a000000ff000000" },
  { "IP:192.168.1.128/25", "c0a80180ffffff80" },
  { "IP:0.0.0.0/0", "0000000000000000" },
  { "IP:2001:db8::/32",
    "20010db8000000000000000000000000ffffffff000000000000000000000000" },
  { "IP:fe80::1/128",
    "fe800000000000000000000000000001ffffffffffffffffffffffffffffffff" },
};

START_TEST (test_ip_encoding)
{
  g_autoptr(ChainNameConstraints) nc = chain_name_constraints_new ();
  g_autoptr(GError) error = NULL;
  const GENERAL_SUBTREE *subtree;
  const ASN1_OCTET_STRING *octets;
  int type = -1;
  g_autofree char *hex = NULL;

  ck_assert (chain_name_constraints_add (nc, CHAIN_NAME_CONSTRAINT_PERMITTED,
                                         ip_encodings[_i].general_name, &error));
  test_assert_no_error (error);
  subtree = sk_GENERAL_SUBTREE_value (chain_name_constraints_get_nc (nc)->permittedSubtrees, 0);
  octets = GENERAL_NAME_get0_value (subtree->base, &type);
  ck_assert_int_eq (type, GEN_IPADD);
  hex = chain_hex_encode (ASN1_STRING_get0_data (octets), (gsize) ASN1_STRING_length (octets), FALSE);
  ck_assert_str_eq (hex, ip_encodings[_i].der_hex);
}
END_TEST

START_TEST (test_value_types)
{
  g_autoptr(ChainNameConstraints) nc = parse_ok ("permitted:DNS:a.example\n"
                                                 "permitted:email:b.example\n"
                                                 "permitted:URI:.c.example\n"
                                                 "excluded:dirName:O=Acme,C=DE\n");
  const NAME_CONSTRAINTS *raw = chain_name_constraints_get_nc (nc);
  static const int expected[] = { GEN_DNS, GEN_EMAIL, GEN_URI };
  const X509_NAME *dirname;
  int type = -1;
  g_autoptr(ChainName) acme = NULL;
  g_autoptr(ChainName) from_nc = NULL;

  ck_assert_int_eq (sk_GENERAL_SUBTREE_num (raw->permittedSubtrees), 3);
  for (int i = 0; i < 3; i++)
    {
      const GENERAL_SUBTREE *subtree = sk_GENERAL_SUBTREE_value (raw->permittedSubtrees, i);
      const ASN1_STRING *value = GENERAL_NAME_get0_value (subtree->base, &type);

      ck_assert_int_eq (type, expected[i]);
      ck_assert_int_eq (ASN1_STRING_type (value), V_ASN1_IA5STRING);
      ck_assert_ptr_null (subtree->minimum);
      ck_assert_ptr_null (subtree->maximum);
    }
  ck_assert_int_eq (sk_GENERAL_SUBTREE_num (raw->excludedSubtrees), 1);
  dirname = GENERAL_NAME_get0_value (sk_GENERAL_SUBTREE_value (raw->excludedSubtrees, 0)->base, &type);
  ck_assert_int_eq (type, GEN_DIRNAME);
  acme = chain_name_parse ("O=Acme,C=DE", NULL);
  from_nc = chain_name_new_take (X509_NAME_dup (dirname));
  ck_assert (chain_name_equal (acme, from_nc));
}
END_TEST

typedef struct {
  const char *text;
  const char *canonical;
} ParseCase;

static const ParseCase parse_cases[] = {
  { "", "" },
  { " ;\n;\n\n  ", "" },
  { "permitted:DNS:example.com", "permitted:DNS:example.com\n" },
  { "permitted:DNS:example.com;excluded:IP:10.0.0.0/8",
    "permitted:DNS:example.com\nexcluded:IP:10.0.0.0/8\n" },
  /* Permitted entries come first, each kind in the order given. */
  { "excluded:DNS:b.example\npermitted:DNS:z.example\nexcluded:DNS:a.example\npermitted:DNS:y.example",
    "permitted:DNS:z.example\npermitted:DNS:y.example\nexcluded:DNS:b.example\nexcluded:DNS:a.example\n" },
  { "  PERMITTED:dns:a.example ; \r\n\n Excluded:RFC822:b.example\n",
    "permitted:DNS:a.example\nexcluded:email:b.example\n" },
  { "permitted:dirName:CN=a\\;b,O=x;excluded:DNS:c.example",
    "permitted:dirName:CN=a\\;b,O=x\nexcluded:DNS:c.example\n" },
  { "permitted:dirName:O=trail\\ \nexcluded:dirName:O=x\\\\;excluded:URI:.d.example",
    "permitted:dirName:O=trail\\ \nexcluded:dirName:O=x\\\\\nexcluded:URI:.d.example\n" },
  { "permitted:dirName:O=Widget Ltd,C=DE\npermitted:IP:2001:db8::/32\npermitted:email:ops@example.com",
    "permitted:dirName:O=Widget Ltd,C=DE\npermitted:IP:2001:db8::/32\npermitted:email:ops@example.com\n" },
};

START_TEST (test_parse_valid)
{
  g_autoptr(ChainNameConstraints) nc = parse_ok (parse_cases[_i].text);

  assert_round_trip (nc, parse_cases[_i].canonical);
  ck_assert (chain_name_constraints_is_empty (nc) == (parse_cases[_i].canonical[0] == '\0'));
}
END_TEST

static const InvalidCase parse_invalid_cases[] = {
  { "DNS:example.com", "Name constraint 1: " },
  { "allowed:DNS:example.com", "permitted: or excluded:" },
  { "permitted", "permitted: or excluded:" },
  { "permitted:", "TYPE:" },
  { "permitted:DNS:bad_name", "Name constraint 1: DNS constraint" },
  { "permitted:DNS:a.example\n\nexcluded:IP:10.0.0.1/8", "Name constraint 2: IP constraint" },
  { "permitted:dirName:CN=a;b", "Name constraint 2: " },
  { "permitted:dirName:CN=a\\", "Bad escape" },
};

START_TEST (test_parse_invalid)
{
  const InvalidCase *c = &parse_invalid_cases[_i];
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainNameConstraints) nc = chain_name_constraints_parse (c->input, &error);

  ck_assert_ptr_null (nc);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, c->message_part) != NULL,
                 "parsing \"%s\": message \"%s\" does not mention \"%s\"",
                 c->input, error->message, c->message_part);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_parse_size_cap)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(ChainNameConstraints) nc = NULL;
  g_autoptr(GError) error = NULL;

  while (text->len <= 64 * 1024)
    g_string_append (text, "permitted:DNS:example.com\n");
  nc = chain_name_constraints_parse (text->str, &error);
  ck_assert_ptr_null (nc);
  ck_assert_msg (strstr (error->message, "65536 bytes") != NULL, "message: %s", error->message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_parse_null_is_empty)
{
  g_autoptr(ChainNameConstraints) nc = parse_ok (NULL);

  ck_assert (chain_name_constraints_is_empty (nc));
}
END_TEST

START_TEST (test_is_empty)
{
  g_autoptr(ChainNameConstraints) nc = chain_name_constraints_new ();
  g_autoptr(ChainNameConstraints) excluded_only = chain_name_constraints_new ();
  g_autofree char *text = chain_name_constraints_to_string (nc);

  ck_assert (chain_name_constraints_is_empty (nc));
  ck_assert_str_eq (text, "");
  ck_assert (chain_name_constraints_add (nc, CHAIN_NAME_CONSTRAINT_PERMITTED, "DNS:a.example", NULL));
  ck_assert (!chain_name_constraints_is_empty (nc));
  ck_assert (chain_name_constraints_add (excluded_only, CHAIN_NAME_CONSTRAINT_EXCLUDED,
                                         "DNS:a.example", NULL));
  ck_assert (!chain_name_constraints_is_empty (excluded_only));
  /* An absent list stays absent: RFC 5280 forbids an empty one. */
  ck_assert_ptr_null (chain_name_constraints_get_nc (excluded_only)->permittedSubtrees);
}
END_TEST

START_TEST (test_copy_is_independent)
{
  ChainNameConstraints *original = parse_ok ("permitted:DNS:a.example");
  g_autoptr(ChainNameConstraints) copy = chain_name_constraints_copy (original);
  g_autofree char *original_text = NULL;
  g_autofree char *copy_text = NULL;

  ck_assert_ptr_ne (chain_name_constraints_get_nc (copy), chain_name_constraints_get_nc (original));
  ck_assert (chain_name_constraints_add (copy, CHAIN_NAME_CONSTRAINT_EXCLUDED, "IP:10.0.0.0/8", NULL));
  original_text = chain_name_constraints_to_string (original);
  ck_assert_str_eq (original_text, "permitted:DNS:a.example\n");
  chain_name_constraints_free (original);
  copy_text = chain_name_constraints_to_string (copy);
  ck_assert_str_eq (copy_text, "permitted:DNS:a.example\nexcluded:IP:10.0.0.0/8\n");
}
END_TEST

static void
push_raw (NAME_CONSTRAINTS *nc,
          int               type,
          ASN1_STRING      *value)
{
  GENERAL_SUBTREE *subtree = GENERAL_SUBTREE_new ();

  GENERAL_NAME_set0_value (subtree->base, type, value);
  if (nc->permittedSubtrees == NULL)
    nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null ();
  sk_GENERAL_SUBTREE_push (nc->permittedSubtrees, subtree);
}

static ASN1_STRING *
raw_string (int type, const void *data, int len)
{
  ASN1_STRING *value = ASN1_STRING_type_new (type);

  ck_assert (ASN1_STRING_set (value, data, len));
  return value;
}

/* Constraints read from someone else's certificate may hold anything; the
 * text form must stay one entry per line. */
START_TEST (test_to_string_of_foreign_values)
{
  NAME_CONSTRAINTS *raw = NAME_CONSTRAINTS_new ();
  g_autoptr(ChainNameConstraints) nc = NULL;
  g_autofree char *text = NULL;
  static const guint8 odd_mask[8] = { 10, 0, 0, 0, 255, 0, 255, 0 };
  static const guint8 short_ip[3] = { 1, 2, 3 };
  ASN1_OBJECT *oid = OBJ_txt2obj ("1.2.3.4", 1);

  push_raw (raw, GEN_DNS, raw_string (V_ASN1_IA5STRING, "a\nexcluded:DNS:x;y\\", -1));
  push_raw (raw, GEN_IPADD, raw_string (V_ASN1_OCTET_STRING, odd_mask, sizeof odd_mask));
  push_raw (raw, GEN_IPADD, raw_string (V_ASN1_OCTET_STRING, short_ip, sizeof short_ip));
  push_raw (raw, GEN_RID, (ASN1_STRING *) oid);
  nc = chain_name_constraints_new_take (raw);

  text = chain_name_constraints_to_string (nc);
  ck_assert_str_eq (text,
                    "permitted:DNS:a\\x0Aexcluded:DNS:x\\x3By\\x5C\n"
                    "permitted:IP:10.0.0.0/255.0.255.0\n"
                    "permitted:IP:#010203\n"
                    "permitted:unsupported:type 8\n");
}
END_TEST

START_TEST (test_free_null)
{
  chain_name_constraints_free (NULL);
}
END_TEST

static Suite *
name_constraints_suite (void)
{
  Suite *suite = suite_create ("name-constraints");
  TCase *add = tcase_create ("add");
  TCase *parse = tcase_create ("parse");
  TCase *other = tcase_create ("other");

  tcase_add_loop_test (add, test_add_valid, 0, G_N_ELEMENTS (valid_cases));
  tcase_add_loop_test (add, test_add_invalid, 0, G_N_ELEMENTS (invalid_cases));
  tcase_add_test (add, test_add_null_and_oversized);
  tcase_add_loop_test (add, test_ip_encoding, 0, G_N_ELEMENTS (ip_encodings));
  tcase_add_test (add, test_value_types);
  suite_add_tcase (suite, add);

  tcase_add_loop_test (parse, test_parse_valid, 0, G_N_ELEMENTS (parse_cases));
  tcase_add_loop_test (parse, test_parse_invalid, 0, G_N_ELEMENTS (parse_invalid_cases));
  tcase_add_test (parse, test_parse_size_cap);
  tcase_add_test (parse, test_parse_null_is_empty);
  suite_add_tcase (suite, parse);

  tcase_add_test (other, test_is_empty);
  tcase_add_test (other, test_copy_is_independent);
  tcase_add_test (other, test_to_string_of_foreign_values);
  tcase_add_test (other, test_free_null);
  suite_add_tcase (suite, other);

  return suite;
}

int
main (void)
{
  return test_support_run_suite (name_constraints_suite ());
}
