/* test-statement.c — statement.json, signatures.json and their DSSE signatures */
#include "test-support.h"

#include <openssl/evp.h>

#include "chain-pki-private.h"
#include "ledger-pki.h"

#define LEDGER_ID "0123456789abcdef0123456789abcdef"
#define POLICY "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TIME 1764200000

/* Made once in the unchecked fixture: keys and officers per algorithm. */
typedef struct {
  ChainKeyAlgorithm algorithm;
  ChainKey         *key;
  ChainCert        *cert;
} Officer;

static Officer officers[] = {
  { CHAIN_KEY_ALGORITHM_EC_P256, NULL, NULL },
  { CHAIN_KEY_ALGORITHM_EC_P384, NULL, NULL },
  { CHAIN_KEY_ALGORITHM_RSA_2048, NULL, NULL },
};
static ChainKey *root_key;
static ChainCert *root;

static void
pki_setup (void)
{
  root_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, NULL);
  ck_assert_ptr_nonnull (root_key);
  root = ledger_pki_root (root_key, "statement root");
  ck_assert_ptr_nonnull (root);
  for (gsize i = 0; i < G_N_ELEMENTS (officers); i++)
    {
      officers[i].key = chain_key_generate (officers[i].algorithm, NULL);
      ck_assert_ptr_nonnull (officers[i].key);
      officers[i].cert = ledger_pki_officer (root_key, root, officers[i].key, "officer");
      ck_assert_ptr_nonnull (officers[i].cert);
    }
}

static void
pki_teardown (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (officers); i++)
    {
      g_clear_pointer (&officers[i].key, chain_key_free);
      g_clear_pointer (&officers[i].cert, chain_cert_free);
    }
  g_clear_pointer (&root_key, chain_key_free);
  g_clear_pointer (&root, chain_cert_free);
}

/* Helpers */

static GBytes *
bytes_from_string (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

static char *
bytes_to_string (GBytes *bytes)
{
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* A delegation statement with a body and two artifacts, unsigned. */
static ChainStatement *
sample_statement (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) body = chain_json_new_object ();
  g_autoptr(GBytes) ca = bytes_from_string ("-----BEGIN CERTIFICATE-----\n");
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  ChainStatement *statement = NULL;

  chain_json_object_set_integer (body, "path_len", 0);
  chain_json_object_set_string (body, "child", "cm-widget");
  statement = chain_statement_new (CHAIN_RECORD_TYPE_DELEGATION, "oem", LEDGER_ID, POLICY, TIME,
                                   body, &error);
  test_assert_no_error (error);
  ck_assert (chain_statement_add_artifact (statement, "ca.pem", ca, &error));
  ck_assert (chain_statement_add_artifact (statement, "empty.txt", empty, &error));
  test_assert_no_error (error);
  return statement;
}

static ChainStatement *
signed_statement (void)
{
  g_autoptr(GError) error = NULL;
  ChainStatement *statement = sample_statement ();

  ck_assert (chain_statement_sign (statement, officers[0].key, &error));
  test_assert_no_error (error);
  return statement;
}

/* Record types */

START_TEST (test_record_type_names_round_trip)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = g_strsplit (CHAIN_RECORD_TYPE_NAMES, ", ", -1);
  guint count = 0;

  for (int type = CHAIN_RECORD_TYPE_GENESIS; type <= CHAIN_RECORD_TYPE_QUOTA; type++)
    {
      const char *name = chain_record_type_to_string ((ChainRecordType) type);

      ck_assert_int_eq (chain_record_type_from_string (name, &error), type);
      test_assert_no_error (error);
      ck_assert (g_strv_contains ((const char *const *) names, name));
      count++;
    }
  ck_assert_uint_eq (count, g_strv_length (names));
  ck_assert_str_eq (chain_record_type_to_string (CHAIN_RECORD_TYPE_DEVICE_BATCH),
                    "device-batch");
  ck_assert_str_eq (chain_record_type_to_string ((ChainRecordType) 99), "invalid");

  ck_assert_int_eq (chain_record_type_from_string ("invalid", &error), CHAIN_RECORD_TYPE_INVALID);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_int_eq (chain_record_type_from_string ("Genesis", &error), CHAIN_RECORD_TYPE_INVALID);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

/* Names */

typedef struct {
  const char *name;
  gboolean    custodian_ok;
  gboolean    artifact_ok;
} NameCase;

static const NameCase name_cases[] = {
  { "oem", TRUE, TRUE },
  { "cm-widget.eu_2", TRUE, TRUE },
  { "0", TRUE, TRUE },
  { "ca.pem", TRUE, TRUE },
  { "", FALSE, FALSE },
  { "Oem", FALSE, FALSE },
  { "a/b", FALSE, FALSE },
  { "a b", FALSE, FALSE },
  { "caf\xc3\xa9", FALSE, FALSE },
  { ".hidden", FALSE, FALSE },
  { "..", FALSE, FALSE },
  { "-leading", FALSE, TRUE },
  { "_x", FALSE, TRUE },
  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", TRUE, TRUE },
  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", FALSE, FALSE },
};

START_TEST (test_names_checked)
{
  const NameCase *c = &name_cases[_i];
  g_autoptr(GError) error = NULL;

  ck_assert_msg (chain_statement_check_custodian_id (c->name, &error) == c->custodian_ok,
                 "custodian id “%s”", c->name);
  if (c->custodian_ok)
    test_assert_no_error (error);
  else
    test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  ck_assert_msg (chain_statement_check_artifact_name (c->name, &error) == c->artifact_ok,
                 "artifact name “%s”", c->name);
  if (c->artifact_ok)
    test_assert_no_error (error);
  else
    test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

/* Building */

START_TEST (test_new_and_getters)
{
  g_autoptr(ChainStatement) statement = sample_statement ();
  g_autoptr(ChainStatement) other = sample_statement ();
  g_autofree const char **names = chain_statement_get_artifact_names (statement);
  const char *sha256 = NULL;
  gint64 size = -1;
  GBytes *data = NULL;

  ck_assert_int_eq (chain_statement_get_record_type (statement), CHAIN_RECORD_TYPE_DELEGATION);
  ck_assert_str_eq (chain_statement_get_type_name (statement), "delegation");
  ck_assert_str_eq (chain_statement_get_author (statement), "oem");
  ck_assert_str_eq (chain_statement_get_ledger_id (statement), LEDGER_ID);
  ck_assert_str_eq (chain_statement_get_policy_digest (statement), POLICY);
  ck_assert_int_eq (chain_statement_get_time (statement), TIME);
  ck_assert_uint_eq (strlen (chain_statement_get_id (statement)), 32);
  ck_assert_str_ne (chain_statement_get_id (statement), chain_statement_get_id (other));
  ck_assert_int_eq (chain_json_object_get_size (chain_statement_get_body (statement)), 2);
  ck_assert (!chain_statement_is_sealed (statement));
  ck_assert_uint_eq (chain_statement_get_signature_count (statement), 0);

  ck_assert_uint_eq (chain_statement_get_artifact_count (statement), 2);
  ck_assert_str_eq (names[0], "ca.pem");
  ck_assert_str_eq (names[1], "empty.txt");
  ck_assert_ptr_null (names[2]);
  ck_assert (chain_statement_get_artifact (statement, "empty.txt", &sha256, &size, &data));
  ck_assert_str_eq (sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ck_assert_int_eq (size, 0);
  ck_assert_ptr_nonnull (data);
  ck_assert (!chain_statement_get_artifact (statement, "missing", &sha256, &size, &data));
}
END_TEST

typedef struct {
  ChainRecordType type;
  const char     *author;
  const char     *ledger;
  const char     *policy;
  gint64          time;
  gboolean        array_body;
  const char     *message;
} NewErrorCase;

static const NewErrorCase new_error_cases[] = {
  { CHAIN_RECORD_TYPE_INVALID, "oem", LEDGER_ID, POLICY, TIME, FALSE, "invalid record type" },
  { (ChainRecordType) 42, "oem", LEDGER_ID, POLICY, TIME, FALSE, "invalid record type" },
  { CHAIN_RECORD_TYPE_ANNOTATION, "OEM", LEDGER_ID, POLICY, TIME, FALSE, "custodian id" },
  { CHAIN_RECORD_TYPE_ANNOTATION, "oem", "0123", POLICY, TIME, FALSE, "'ledger'" },
  { CHAIN_RECORD_TYPE_ANNOTATION, "oem", "0123456789ABCDEF0123456789ABCDEF", POLICY, TIME, FALSE,
    "'ledger'" },
  { CHAIN_RECORD_TYPE_ANNOTATION, "oem", LEDGER_ID, LEDGER_ID, TIME, FALSE, "'policy'" },
  { CHAIN_RECORD_TYPE_ANNOTATION, "oem", LEDGER_ID, POLICY, -1, FALSE, "'time'" },
  { CHAIN_RECORD_TYPE_ANNOTATION, "oem", LEDGER_ID, POLICY, TIME, TRUE, "'body'" },
};

START_TEST (test_new_refuses_malformed_fields)
{
  const NewErrorCase *c = &new_error_cases[_i];
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) body = c->array_body ? chain_json_new_array () : chain_json_new_object ();
  g_autoptr(ChainStatement) statement = NULL;

  statement = chain_statement_new (c->type, c->author, c->ledger, c->policy, c->time, body,
                                   &error);
  ck_assert_ptr_null (statement);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, c->message) != NULL, "%s", error->message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_add_artifact_errors)
{
  g_autoptr(ChainStatement) statement = sample_statement ();
  g_autoptr(GBytes) data = bytes_from_string ("x");
  g_autoptr(GError) error = NULL;

  ck_assert (!chain_statement_add_artifact (statement, "ca.pem", data, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  ck_assert (!chain_statement_add_artifact (statement, "../etc", data, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  /* Keys never enter the ledger. */
  {
    g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
    g_autoptr(GBytes) pem = chain_key_to_encrypted_pem (officers[0].key, passphrase, &error);

    test_assert_no_error (error);
    ck_assert (!chain_statement_add_artifact (statement, "officer.key", pem, &error));
    ck_assert (strstr (error->message, "holds a private key") != NULL);
    test_assert_error (error, CHAIN_ERROR_REFUSED);
  }

  for (guint i = 2; i < CHAIN_STATEMENT_MAX_ARTIFACTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%03u", i);

      ck_assert (chain_statement_add_artifact (statement, name, data, &error));
      test_assert_no_error (error);
    }
  ck_assert (!chain_statement_add_artifact (statement, "one-too-many", data, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_uint_eq (chain_statement_get_artifact_count (statement), CHAIN_STATEMENT_MAX_ARTIFACTS);
}
END_TEST

/* Bytes */

START_TEST (test_canonical_bytes)
{
  g_autoptr(ChainStatement) statement = sample_statement ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (statement);
  g_autofree char *text = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *expected_digest = NULL;
  g_autofree char *sigs_text = bytes_to_string (signatures);
  g_autofree char *expected = NULL;
  const char *ca_sha256 = NULL;

  ck_assert (!chain_statement_is_sealed (statement));
  chain_statement_seal (statement);
  chain_statement_seal (statement);
  bytes = chain_statement_dup_bytes (statement);
  text = bytes_to_string (bytes);
  digest = chain_statement_dup_digest (statement);

  ck_assert (chain_statement_get_artifact (statement, "ca.pem", &ca_sha256, NULL, NULL));
  expected = g_strdup_printf (
    "{\"artifacts\":{"
    "\"ca.pem\":{\"sha256\":\"%s\",\"size\":28},"
    "\"empty.txt\":{\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
    "\"size\":0}},"
    "\"author\":\"oem\",\"body\":{\"child\":\"cm-widget\",\"path_len\":0},"
    "\"id\":\"%s\",\"ledger\":\"" LEDGER_ID "\",\"policy\":\"" POLICY "\","
    "\"time\":1764200000,\"type\":\"delegation\",\"version\":1}",
    ca_sha256, chain_statement_get_id (statement));
  expected_digest = chain_sha256_hex (expected, strlen (expected));
  {
    g_autofree char *ca_expected = chain_sha256_hex ("-----BEGIN CERTIFICATE-----\n", 28);

    ck_assert_str_eq (ca_sha256, ca_expected);
  }

  ck_assert_str_eq (text, expected);
  ck_assert_str_eq (digest, expected_digest);
  ck_assert_str_eq (sigs_text, "[]");
  ck_assert (chain_statement_is_sealed (statement));
  again = chain_statement_dup_bytes (statement);
  ck_assert (g_bytes_equal (bytes, again));
}
END_TEST

START_TEST (test_parse_round_trip)
{
  g_autoptr(ChainStatement) statement = signed_statement ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) signatures = NULL;
  g_autoptr(ChainStatement) parsed = NULL;
  g_autoptr(GBytes) bytes2 = NULL;
  g_autoptr(GBytes) signatures2 = NULL;
  g_autofree const char **names = NULL;
  const char *sha_a = NULL;
  const char *sha_b = NULL;
  gint64 size = 0;
  GBytes *data = (GBytes *) 1;

  ck_assert (chain_statement_sign (statement, officers[1].key, &error));
  test_assert_no_error (error);
  bytes = chain_statement_dup_bytes (statement);
  signatures = chain_statement_dup_signatures_bytes (statement);

  parsed = chain_statement_parse (bytes, signatures, &error);
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (parsed);
  ck_assert (chain_statement_is_sealed (parsed));
  bytes2 = chain_statement_dup_bytes (parsed);
  signatures2 = chain_statement_dup_signatures_bytes (parsed);
  ck_assert (g_bytes_equal (bytes, bytes2));
  ck_assert (g_bytes_equal (signatures, signatures2));

  ck_assert_str_eq (chain_statement_get_id (parsed), chain_statement_get_id (statement));
  ck_assert_str_eq (chain_statement_get_author (parsed), "oem");
  ck_assert_int_eq (chain_statement_get_record_type (parsed), CHAIN_RECORD_TYPE_DELEGATION);
  ck_assert_int_eq (chain_statement_get_time (parsed), TIME);
  ck_assert_uint_eq (chain_statement_get_signature_count (parsed), 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *key_id = chain_cert_dup_public_key_sha256 (officers[i].cert);

      ck_assert_str_eq (chain_statement_get_signature_key_id (parsed, i), key_id);
      ck_assert (chain_statement_verify_signature (parsed, i, officers[i].cert, &error));
      test_assert_no_error (error);
    }
  names = chain_statement_get_artifact_names (parsed);
  ck_assert_str_eq (names[0], "ca.pem");
  ck_assert (chain_statement_get_artifact (parsed, "ca.pem", &sha_a, &size, &data));
  ck_assert (chain_statement_get_artifact (statement, "ca.pem", &sha_b, NULL, NULL));
  ck_assert_str_eq (sha_a, sha_b);
  ck_assert_int_eq (size, 28);
  ck_assert_ptr_null (data);
}
END_TEST

START_TEST (test_attach_artifact)
{
  g_autoptr(ChainStatement) statement = signed_statement ();
  g_autoptr(GBytes) bytes = chain_statement_dup_bytes (statement);
  g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (statement);
  g_autoptr(GBytes) right = bytes_from_string ("-----BEGIN CERTIFICATE-----\n");
  g_autoptr(GBytes) wrong = bytes_from_string ("-----BEGIN CERTIFICATE-----\r");
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainStatement) parsed = chain_statement_parse (bytes, signatures, &error);
  GBytes *data = NULL;

  test_assert_no_error (error);
  ck_assert (!chain_statement_attach_artifact (parsed, "ca.pem", wrong, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  ck_assert (!chain_statement_attach_artifact (parsed, "other.pem", right, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (chain_statement_attach_artifact (parsed, "ca.pem", right, &error));
  test_assert_no_error (error);
  ck_assert (chain_statement_get_artifact (parsed, "ca.pem", NULL, NULL, &data));
  ck_assert (data == right);
}
END_TEST

/* Signatures */

/* DSSE's PAE, written out here independently of the library. */
static GByteArray *
expected_pae (GBytes *body)
{
  const char *type = "application/vnd.libchain.statement+json";
  g_autofree char *head = g_strdup_printf ("DSSEv1 %zu %s %zu ", strlen (type), type,
                                           g_bytes_get_size (body));
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, (const guint8 *) head, (guint) strlen (head));
  g_byte_array_append (out, g_bytes_get_data (body, NULL), (guint) g_bytes_get_size (body));
  return out;
}

START_TEST (test_sign_and_verify)
{
  const Officer *officer = &officers[_i];
  g_autoptr(ChainStatement) statement = sample_statement ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) signatures = NULL;
  g_autoptr(GByteArray) pae = NULL;
  g_autoptr(ChainJson) array = NULL;
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  g_autofree guchar *sig = NULL;
  g_autofree char *key_id = chain_cert_dup_public_key_sha256 (officer->cert);
  EVP_PKEY *pkey = X509_get0_pubkey (chain_cert_get_x509 (officer->cert));
  const EVP_MD *md = officer->algorithm == CHAIN_KEY_ALGORITHM_EC_P384 ? EVP_sha384 ()
                                                                       : EVP_sha256 ();
  const char *sig_b64 = NULL;
  gsize sig_len = 0;

  ck_assert (chain_statement_sign (statement, officer->key, &error));
  test_assert_no_error (error);
  ck_assert (chain_statement_verify_signature (statement, 0, officer->cert, &error));
  test_assert_no_error (error);

  /* signatures.json as the spec has it, checked with OpenSSL directly. */
  bytes = chain_statement_dup_bytes (statement);
  signatures = chain_statement_dup_signatures_bytes (statement);
  array = chain_json_parse_canonical (g_bytes_get_data (signatures, NULL),
                                      g_bytes_get_size (signatures), 65536, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_json_array_get_length (array), 1);
  ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (
                      chain_json_array_get_element (array, 0), "keyid")), key_id);
  sig_b64 = chain_json_get_string (chain_json_object_get_member (
                                     chain_json_array_get_element (array, 0), "sig"));
  sig = g_base64_decode (sig_b64, &sig_len);
  pae = expected_pae (bytes);
  ck_assert_int_eq (EVP_DigestVerifyInit (ctx, NULL, md, NULL, pkey), 1);
  ck_assert_int_eq (EVP_DigestVerify (ctx, sig, sig_len, pae->data, pae->len), 1);
}
END_TEST

START_TEST (test_verify_fails_when_a_byte_changes)
{
  g_autoptr(ChainStatement) statement = signed_statement ();
  g_autoptr(GBytes) bytes = chain_statement_dup_bytes (statement);
  g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (statement);
  g_autoptr(GError) error = NULL;
  gsize len = g_bytes_get_size (bytes);
  guint tried = 0;

  ck_assert (chain_statement_verify_signature (statement, 0, officers[0].cert, &error));
  test_assert_no_error (error);

  /* Every position whose change still parses (a digit, a letter) must
   * break the signature: here the time, the id, the body and the author. */
  for (gsize pos = 0; pos < len; pos++)
    {
      g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
      g_autoptr(GBytes) forged = NULL;
      g_autoptr(ChainStatement) parsed = NULL;

      if (!g_ascii_isdigit (copy[pos]) && !(copy[pos] >= 'a' && copy[pos] <= 'e'))
        continue;
      copy[pos] = g_ascii_isdigit (copy[pos]) ? (copy[pos] == '9' ? '8' : copy[pos] + 1)
                                              : copy[pos] + 1;
      forged = g_bytes_new (copy, len);
      parsed = chain_statement_parse (forged, signatures, NULL);
      if (parsed == NULL)
        continue;
      tried++;
      ck_assert_msg (!chain_statement_verify_signature (parsed, 0, officers[0].cert, &error),
                     "byte %zu changed, signature still good", pos);
      ck_assert_msg (strstr (error->message, "does not match statement.json") != NULL, "%s",
                     error->message);
      test_assert_error (error, CHAIN_ERROR_VERIFY);
    }
  ck_assert_uint_gt (tried, 100);
}
END_TEST

START_TEST (test_verify_refuses_wrong_certificate)
{
  g_autoptr(ChainStatement) statement = signed_statement ();
  g_autoptr(GError) error = NULL;

  /* Another officer: the key id does not match. */
  ck_assert (!chain_statement_verify_signature (statement, 0, officers[1].cert, &error));
  ck_assert (strstr (error->message, "not by this officer's key") != NULL);
  test_assert_error (error, CHAIN_ERROR_VERIFY);

  /* Not an officer at all. */
  ck_assert (!chain_statement_verify_signature (statement, 0, root, &error));
  ck_assert (strstr (error->message, "not an officer certificate") != NULL);
  test_assert_error (error, CHAIN_ERROR_VERIFY);
}
END_TEST

START_TEST (test_sign_limits)
{
  g_autoptr(ChainStatement) statement = sample_statement ();
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_key_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) extra = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, NULL);

  ck_assert (chain_statement_sign (statement, officers[0].key, &error));
  ck_assert (!chain_statement_sign (statement, officers[0].key, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);

  for (guint i = 1; i < CHAIN_STATEMENT_MAX_SIGNATURES; i++)
    {
      ChainKey *key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, NULL);

      g_ptr_array_add (keys, key);
      ck_assert (chain_statement_sign (statement, key, &error));
      test_assert_no_error (error);
    }
  ck_assert (!chain_statement_sign (statement, extra, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_uint_eq (chain_statement_get_signature_count (statement),
                     CHAIN_STATEMENT_MAX_SIGNATURES);

  /* And the parser takes what the signer made. */
  {
    g_autoptr(GBytes) bytes = chain_statement_dup_bytes (statement);
    g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (statement);
    g_autoptr(ChainStatement) parsed = chain_statement_parse (bytes, signatures, &error);

    test_assert_no_error (error);
    ck_assert_uint_eq (chain_statement_get_signature_count (parsed),
                       CHAIN_STATEMENT_MAX_SIGNATURES);
  }
}
END_TEST

/* Parsing errors: each case edits good statement or signature text. */

typedef struct {
  const char *target;       /* "statement" or "signatures" */
  const char *find;         /* replaced once; NULL: the whole text becomes @replace */
  const char *replace;
  const char *message;
} ParseErrorCase;

static const ParseErrorCase parse_error_cases[] = {
  { "statement", "{\"artifacts\"", "{ \"artifacts\"", "not canonical" },
  { "statement", "\"version\":1", "\"version\":2", "version 2 is not supported" },
  { "statement", ",\"version\":1", "", "field 'version' missing" },
  { "statement", "\"version\":1", "\"version\":1,\"x\":1", "unknown field" },
  { "statement", "\"type\":\"delegation\"", "\"type\":\"party\"", "unknown record type" },
  { "statement", "\"author\":\"oem\"", "\"author\":\"OEM\"", "custodian id" },
  { "statement", "\"author\":\"oem\"", "\"author\":7", "expected a string" },
  { "statement", "\"ledger\":\"0123", "\"ledger\":\"X123", "'ledger'" },
  { "statement", "\"time\":1764200000", "\"time\":-1", "'time'" },
  { "statement", "\"body\":{\"child\":\"cm-widget\",\"path_len\":0}", "\"body\":[]",
    "body" },
  { "statement", "\"size\":0", "\"size\":-1", "has size -1" },
  { "statement", ",\"size\":0", "", "field 'size' missing" },
  { "statement", "\"empty.txt\"", "\"empty txt\"", "artifact name" },
  { "statement", NULL, "[]", "not a JSON object" },
  { "signatures", NULL, "[]", "0 signatures" },
  { "signatures", NULL, "{}", "not a JSON array" },
  { "signatures", NULL, "[1]", "not an object" },
  { "signatures", "\"keyid\"", "\"key\"", "unknown field" },
  { "signatures", "\"sig\":\"", "\"sig\":\"!", "canonical base64" },
  { "signatures", "\"keyid\":\"", "\"keyid\":\"g", "'keyid'" },
};

static char *
replace_once (const char *text,
              const char *find,
              const char *replace)
{
  const char *at = strstr (text, find);

  ck_assert_msg (at != NULL, "“%s” not in %s", find, text);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, replace, at + strlen (find));
}

START_TEST (test_parse_refuses)
{
  const ParseErrorCase *c = &parse_error_cases[_i];
  g_autoptr(ChainStatement) statement = signed_statement ();
  g_autoptr(GBytes) bytes = chain_statement_dup_bytes (statement);
  g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (statement);
  g_autofree char *statement_text = bytes_to_string (bytes);
  g_autofree char *signatures_text = bytes_to_string (signatures);
  g_autofree char *edited = NULL;
  g_autoptr(GBytes) statement_in = NULL;
  g_autoptr(GBytes) signatures_in = NULL;
  g_autoptr(ChainStatement) parsed = NULL;
  g_autoptr(GError) error = NULL;
  gboolean on_statement = strcmp (c->target, "statement") == 0;
  const char *text = on_statement ? statement_text : signatures_text;

  edited = c->find != NULL ? replace_once (text, c->find, c->replace) : g_strdup (c->replace);
  statement_in = bytes_from_string (on_statement ? edited : statement_text);
  signatures_in = bytes_from_string (on_statement ? signatures_text : edited);

  parsed = chain_statement_parse (statement_in, signatures_in, &error);
  ck_assert_ptr_null (parsed);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_str_has_prefix (error->message, on_statement ? "statement.json: "
                                                                : "signatures.json: "),
                 "%s", error->message);
  ck_assert_msg (strstr (error->message, c->message) != NULL, "“%s” lacks “%s”",
                 error->message, c->message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_parse_refuses_duplicate_and_too_many_signatures)
{
  g_autoptr(ChainStatement) statement = signed_statement ();
  g_autoptr(GBytes) bytes = chain_statement_dup_bytes (statement);
  g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (statement);
  g_autofree char *one = bytes_to_string (signatures);
  g_autofree char *entry = g_strndup (one + 1, strlen (one) - 2);
  g_autoptr(GString) twice = g_string_new (NULL);
  g_autoptr(GString) many = g_string_new ("[");
  g_autoptr(GBytes) twice_bytes = NULL;
  g_autoptr(GBytes) many_bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_string_printf (twice, "[%s,%s]", entry, entry);
  twice_bytes = bytes_from_string (twice->str);
  ck_assert_ptr_null (chain_statement_parse (bytes, twice_bytes, &error));
  ck_assert (strstr (error->message, "signs twice") != NULL);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  for (guint i = 0; i <= CHAIN_STATEMENT_MAX_SIGNATURES; i++)
    {
      g_autofree char *key_id = g_strdup_printf ("%064x", i);

      g_string_append_printf (many, "%s{\"keyid\":\"%s\",\"sig\":\"AAAA\"}", i > 0 ? "," : "",
                              key_id);
    }
  g_string_append_c (many, ']');
  many_bytes = bytes_from_string (many->str);
  ck_assert_ptr_null (chain_statement_parse (bytes, many_bytes, &error));
  ck_assert (strstr (error->message, "17 signatures") != NULL);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_parse_refuses_oversized)
{
  g_autoptr(ChainStatement) statement = signed_statement ();
  g_autoptr(GBytes) bytes = chain_statement_dup_bytes (statement);
  g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (statement);
  g_autofree char *big = g_malloc (CHAIN_STATEMENT_MAX_LEN + 2);
  g_autoptr(GBytes) big_statement = NULL;
  g_autoptr(GBytes) big_signatures = NULL;
  g_autoptr(GError) error = NULL;

  memset (big, ' ', CHAIN_STATEMENT_MAX_LEN + 1);
  big[CHAIN_STATEMENT_MAX_LEN + 1] = '\0';
  big_statement = g_bytes_new (big, CHAIN_STATEMENT_MAX_LEN + 1);
  big_signatures = g_bytes_new (big, CHAIN_STATEMENT_SIGNATURES_MAX_LEN + 1);

  ck_assert_ptr_null (chain_statement_parse (big_statement, signatures, &error));
  ck_assert (strstr (error->message, "too large") != NULL);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (chain_statement_parse (bytes, big_signatures, &error));
  ck_assert (strstr (error->message, "too large") != NULL);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

static Suite *
statement_suite (void)
{
  Suite *suite = suite_create ("statement");
  TCase *tc = tcase_create ("statement");

  tcase_add_unchecked_fixture (tc, pki_setup, pki_teardown);
  tcase_add_test (tc, test_record_type_names_round_trip);
  tcase_add_loop_test (tc, test_names_checked, 0, G_N_ELEMENTS (name_cases));
  tcase_add_test (tc, test_new_and_getters);
  tcase_add_loop_test (tc, test_new_refuses_malformed_fields, 0,
                       G_N_ELEMENTS (new_error_cases));
  tcase_add_test (tc, test_add_artifact_errors);
  tcase_add_test (tc, test_canonical_bytes);
  tcase_add_test (tc, test_parse_round_trip);
  tcase_add_test (tc, test_attach_artifact);
  tcase_add_loop_test (tc, test_sign_and_verify, 0, G_N_ELEMENTS (officers));
  tcase_add_test (tc, test_verify_fails_when_a_byte_changes);
  tcase_add_test (tc, test_verify_refuses_wrong_certificate);
  tcase_add_test (tc, test_sign_limits);
  tcase_add_loop_test (tc, test_parse_refuses, 0, G_N_ELEMENTS (parse_error_cases));
  tcase_add_test (tc, test_parse_refuses_duplicate_and_too_many_signatures);
  tcase_add_test (tc, test_parse_refuses_oversized);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (statement_suite ());
}
