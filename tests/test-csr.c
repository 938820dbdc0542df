/* test-csr.c — PKCS#10 requests: creation and strict parsing */
#include "test-pki.h"

#include "chain-armor-private.h"
#include "chain-pki-private.h"

#include <glib/gstdio.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <string.h>

static char *tmpdir;

static void
setup (void)
{
  tmpdir = test_support_tmpdir_new ();
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

/* Helpers */

static GBytes *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  ck_assert_msg (g_file_get_contents (path, &contents, &len, &error), "%s",
                 error ? error->message : "");
  return g_bytes_new_take (contents, len);
}

/* Runs `openssl req -new` with @options (a NULL-terminated list) and
 * returns the PEM it wrote. */
static GBytes *
openssl_csr (const char *const *options)
{
  g_autofree char *key = g_build_filename (tmpdir, "req.key", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "req.csr", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *const *o;

  g_ptr_array_add (argv, (gpointer) "openssl");
  g_ptr_array_add (argv, (gpointer) "req");
  g_ptr_array_add (argv, (gpointer) "-new");
  g_ptr_array_add (argv, (gpointer) "-nodes");
  g_ptr_array_add (argv, (gpointer) "-keyout");
  g_ptr_array_add (argv, key);
  g_ptr_array_add (argv, (gpointer) "-out");
  g_ptr_array_add (argv, out);
  for (o = options; *o != NULL; o++)
    g_ptr_array_add (argv, (gpointer) *o);
  g_ptr_array_add (argv, NULL);
  g_unlink (key);
  g_unlink (out);
  test_pki_run_ok ((const char *const *) argv->pdata);
  return read_file (out);
}

static ChainCsr *
parse_ok (GBytes *data)
{
  g_autoptr(GError) error = NULL;
  ChainCsr *csr = chain_csr_parse (g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                   &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (csr);
  return csr;
}

static void
assert_parse_fails (const void *data,
                    gsize       len,
                    int         code,
                    const char *message)
{
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_null (chain_csr_parse (data, len, &error));
  test_assert_error_names (&error, code, message, NULL);
}

static void
assert_bytes_parse_fails (GBytes     *data,
                          int         code,
                          const char *message)
{
  assert_parse_fails (g_bytes_get_data (data, NULL), g_bytes_get_size (data), code, message);
}

/* Builds and signs a request with OpenSSL directly, for subjects and
 * versions chain_csr_new() would never produce. @cn_values are added as
 * CN entries in order (UTF8String); the first is @first_len bytes long, or
 * a C string when that is -1. */
static GBytes *
raw_csr_der (EVP_PKEY          *pkey,
             const char *const *cn_values,
             int                first_len,
             long               version,
             const EVP_MD      *md)
{
  int len;

  g_autoptr(X509_REQ) req = X509_REQ_new ();
  g_autoptr(X509_NAME) subject = X509_NAME_new ();
  unsigned char *der = NULL;
  GBytes *bytes;

  ck_assert (X509_NAME_add_entry_by_txt (subject, "O", MBSTRING_UTF8,
                                         (const unsigned char *) "Widget Ltd", -1, -1, 0));
  for (; cn_values != NULL && *cn_values != NULL; cn_values++)
    {
      X509_NAME_ENTRY *entry;

      /* Set the bytes directly: the MBSTRING API refuses an empty CN. */
      len = first_len >= 0 ? first_len : (int) strlen (*cn_values);
      first_len = -1;
      entry = X509_NAME_ENTRY_create_by_NID (NULL, NID_commonName, V_ASN1_UTF8STRING,
                                             (const unsigned char *) "x", 1);
      ck_assert_ptr_nonnull (entry);
      ck_assert (X509_NAME_ENTRY_set_data (entry, V_ASN1_UTF8STRING,
                                           (const unsigned char *) *cn_values, len));
      ck_assert (X509_NAME_add_entry (subject, entry, -1, 0));
      X509_NAME_ENTRY_free (entry);
    }
  ck_assert (X509_REQ_set_version (req, version));
  ck_assert (X509_REQ_set_subject_name (req, subject));
  ck_assert (X509_REQ_set_pubkey (req, pkey));
  ck_assert (X509_REQ_sign (req, pkey, md) > 0);
  len = i2d_X509_REQ (req, &der);
  ck_assert_int_gt (len, 0);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

/* Appends a DER tag and length. */
static void
append_der_header (GByteArray *out,
                   guint8      tag,
                   gsize       len)
{
  guint8 header[6] = { tag };
  guint n = 1;

  if (len < 0x80)
    header[n++] = (guint8) len;
  else if (len < 0x100)
    {
      header[n++] = 0x81;
      header[n++] = (guint8) len;
    }
  else
    {
      ck_assert_uint_lt (len, 0x10000);
      header[n++] = 0x82;
      header[n++] = (guint8) (len >> 8);
      header[n++] = (guint8) len;
    }
  g_byte_array_append (out, header, n);
}

/* Re-signs @req after replacing byte @offset of @marker in its encoded
 * request info with @replacement: bytes OpenSSL's encoder would refuse to
 * write, under a signature that verifies. */
static GBytes *
patched_and_signed (X509_REQ     *req,
                    EVP_PKEY     *pkey,
                    const char   *marker,
                    gsize         offset,
                    guint8        replacement)
{
  g_autoptr(EVP_MD_CTX) md_ctx = EVP_MD_CTX_new ();
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  const ASN1_BIT_STRING *old_signature = NULL;
  const X509_ALGOR *algorithm = NULL;
  unsigned char *tbs = NULL;
  unsigned char *alg_der = NULL;
  guint8 signature[1024];
  size_t signature_len = sizeof signature;
  gsize marker_len = strlen (marker);
  int tbs_len;
  int alg_len;
  int i;

  tbs_len = i2d_re_X509_REQ_tbs (req, &tbs);
  ck_assert_int_gt (tbs_len, 0);
  for (i = 0; i + (int) marker_len <= tbs_len && memcmp (tbs + i, marker, marker_len) != 0; i++)
    ;
  ck_assert_int_le (i + (int) marker_len, tbs_len);
  tbs[i + (int) offset] = replacement;

  ck_assert (EVP_DigestSignInit (md_ctx, NULL, EVP_sha256 (), NULL, pkey) == 1);
  ck_assert (EVP_DigestSign (md_ctx, signature, &signature_len, tbs, (size_t) tbs_len) == 1);

  X509_REQ_get0_signature (req, &old_signature, &algorithm);
  alg_len = i2d_X509_ALGOR (algorithm, &alg_der);
  ck_assert_int_gt (alg_len, 0);

  g_byte_array_append (body, tbs, (guint) tbs_len);
  g_byte_array_append (body, alg_der, (guint) alg_len);
  append_der_header (body, 0x03, signature_len + 1);
  g_byte_array_append (body, (const guint8 *) "", 1); /* no unused bits */
  g_byte_array_append (body, signature, (guint) signature_len);
  append_der_header (out, 0x30, body->len);
  g_byte_array_append (out, body->data, body->len);

  OPENSSL_free (tbs);
  OPENSSL_free (alg_der);
  return g_bytes_new (out->data, out->len);
}

/* Creation and round trip */

static const ChainKeyAlgorithm algorithms[] = {
  CHAIN_KEY_ALGORITHM_EC_P256,
  CHAIN_KEY_ALGORITHM_EC_P384,
  CHAIN_KEY_ALGORITHM_RSA_2048,
};

START_TEST (test_round_trip)
{
  static const int signature_nids[] = {
    NID_ecdsa_with_SHA256, NID_ecdsa_with_SHA384, NID_sha256WithRSAEncryption,
  };
  g_autoptr(ChainKey) key = test_pki_key (algorithms[_i]);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device-0001,O=Widget Ltd,C=DE");
  g_autoptr(GBytes) pem = chain_csr_to_pem (csr);
  g_autoptr(GBytes) der = chain_csr_to_der (csr);
  g_autoptr(ChainCsr) from_pem = parse_ok (pem);
  g_autoptr(ChainCsr) from_der = parse_ok (der);
  g_autoptr(GBytes) der_again = chain_csr_to_der (from_pem);
  g_autoptr(ChainName) subject = chain_csr_dup_subject (from_der);
  g_autoptr(ChainName) expected = test_pki_name ("CN=device-0001,O=Widget Ltd,C=DE");
  g_autofree char *key_sha = chain_key_dup_public_key_sha256 (key);
  g_autofree char *csr_sha = chain_csr_dup_public_key_sha256 (from_pem);

  ck_assert (g_str_has_prefix (g_bytes_get_data (pem, NULL), "-----BEGIN CERTIFICATE REQUEST-----\n"));
  ck_assert (g_bytes_equal (der, der_again));
  ck_assert (chain_name_equal (subject, expected));
  ck_assert_int_eq (chain_csr_get_key_algorithm (csr), algorithms[_i]);
  ck_assert_int_eq (chain_csr_get_key_algorithm (from_pem), algorithms[_i]);
  ck_assert_str_eq (csr_sha, key_sha);
  ck_assert_int_eq (X509_REQ_get_version (chain_csr_get_x509_req (from_der)), 0);
  ck_assert_int_eq (X509_REQ_get_signature_nid (chain_csr_get_x509_req (from_der)),
                    signature_nids[_i]);
}
END_TEST

START_TEST (test_openssl_verifies_our_csr)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device-0001,O=Widget Ltd");
  g_autoptr(GBytes) pem = chain_csr_to_pem (csr);
  g_autofree char *path = g_build_filename (tmpdir, "ours.csr", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "openssl", "req", "-in", path, "-verify", "-noout", "-subject", NULL };

  test_support_write_file (path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
  ck_assert_msg (test_support_run (argv, NULL, &out, &err) == 0, "%s", err);
  ck_assert_msg (strstr (out, "CN = device-0001") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "O = Widget Ltd") != NULL, "%s", out);
  ck_assert_msg (strstr (err, "verify OK") != NULL || strstr (out, "verify OK") != NULL,
                 "%s%s", out, err);
}
END_TEST

START_TEST (test_new_requires_cn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainName) subject = test_pki_name ("O=Widget Ltd,C=DE");

  ck_assert_ptr_null (chain_csr_new (key, subject, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "no CN", NULL);
}
END_TEST

START_TEST (test_free_null)
{
  chain_csr_free (NULL);
}
END_TEST

START_TEST (test_legacy_label_accepted)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device-0001");
  g_autoptr(GBytes) der = chain_csr_to_der (csr);
  g_autoptr(GBytes) pem = chain_armor_encode ("NEW CERTIFICATE REQUEST",
                                              g_bytes_get_data (der, NULL),
                                              g_bytes_get_size (der));
  g_autoptr(ChainCsr) parsed = parse_ok (pem);

  ck_assert_ptr_nonnull (parsed);
}
END_TEST

/* Requests from OpenSSL */

static const struct
{
  const char *name;
  const char *options[8];
  ChainKeyAlgorithm algorithm;
} openssl_accepted[] = {
  { "p256", { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", NULL },
    CHAIN_KEY_ALGORITHM_EC_P256 },
  { "p384", { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", NULL },
    CHAIN_KEY_ALGORITHM_EC_P384 },
  { "rsa2048", { "-newkey", "rsa:2048", NULL }, CHAIN_KEY_ALGORITHM_RSA_2048 },
};

START_TEST (test_openssl_csr_accepted)
{
  g_autoptr(GPtrArray) options = g_ptr_array_new ();
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(ChainCsr) csr = NULL;
  g_autoptr(ChainName) subject = NULL;
  g_autofree char *cn = NULL;
  const char *const *o;

  for (o = openssl_accepted[_i].options; *o != NULL; o++)
    g_ptr_array_add (options, (gpointer) *o);
  g_ptr_array_add (options, (gpointer) "-subj");
  g_ptr_array_add (options, (gpointer) "/C=DE/O=Widget Ltd/CN=line-3-station-7");
  g_ptr_array_add (options, NULL);
  pem = openssl_csr ((const char *const *) options->pdata);

  csr = parse_ok (pem);
  ck_assert_int_eq (chain_csr_get_key_algorithm (csr), openssl_accepted[_i].algorithm);
  subject = chain_csr_dup_subject (csr);
  cn = chain_name_dup_common_name (subject);
  ck_assert_str_eq (cn, "line-3-station-7");
}
END_TEST

static const struct
{
  const char *name;
  const char *options[10];
  int code;
  const char *message;
} openssl_refused[] = {
  { "rsa1024", { "-newkey", "rsa:1024", "-subj", "/CN=dev", NULL },
    CHAIN_ERROR_REFUSED, "RSA key of 1024 bits refused: accepted are " CHAIN_KEY_ALGORITHM_NAMES },
  { "sha1", { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-sha1",
              "-subj", "/CN=dev", NULL },
    CHAIN_ERROR_REFUSED, "SHA1" },
  { "sha1-rsa", { "-newkey", "rsa:2048", "-sha1", "-subj", "/CN=dev", NULL },
    CHAIN_ERROR_REFUSED, "SHA1" },
  { "secp256k1", { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1",
                   "-subj", "/CN=dev", NULL },
    CHAIN_ERROR_REFUSED, "curve secp256k1 refused" },
  { "explicit", { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-pkeyopt", "ec_param_enc:explicit", "-subj", "/CN=dev", NULL },
    CHAIN_ERROR_REFUSED, "explicit curve parameters refused" },
  { "ed25519", { "-newkey", "ed25519", "-subj", "/CN=dev", NULL },
    CHAIN_ERROR_REFUSED, "ED25519 key refused" },
  { "no-cn", { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-subj", "/C=DE/O=Widget Ltd", NULL },
    CHAIN_ERROR_INVALID_INPUT, "no CN" },
  { "two-cns", { "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-subj", "/CN=one/CN=two", NULL },
    CHAIN_ERROR_INVALID_INPUT, "2 CNs" },
};

START_TEST (test_openssl_csr_refused)
{
  g_autoptr(GBytes) pem = openssl_csr (openssl_refused[_i].options);

  assert_bytes_parse_fails (pem, openssl_refused[_i].code, openssl_refused[_i].message);
}
END_TEST

START_TEST (test_certificate_is_not_a_csr)
{
  g_autofree char *key = g_build_filename (tmpdir, "cert.key", NULL);
  g_autofree char *cert = g_build_filename (tmpdir, "cert.pem", NULL);
  const char *argv[] = { "openssl", "req", "-x509", "-new", "-nodes", "-newkey", "ec",
                         "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=dev",
                         "-keyout", key, "-out", cert, NULL };
  g_autoptr(GBytes) pem = NULL;

  test_pki_run_ok (argv);
  pem = read_file (cert);
  assert_bytes_parse_fails (pem, CHAIN_ERROR_INVALID_INPUT, "this is a CERTIFICATE, not a CSR");
}
END_TEST

/* Malformed input */

START_TEST (test_edited_subject_fails_signature)
{
  g_autoptr(ChainKey) key = test_pki_key (algorithms[_i]);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device-0001,O=Widget Ltd");
  g_autoptr(GBytes) der = chain_csr_to_der (csr);
  g_autofree guint8 *edited = g_memdup2 (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  gsize len = g_bytes_get_size (der);
  guint8 *cn;

  /* device-0001 -> device-0002: still well-formed, no longer what was signed. */
  for (cn = edited; cn + 11 <= edited + len && memcmp (cn, "device-0001", 11) != 0; cn++)
    ;
  ck_assert (cn + 11 <= edited + len);
  cn[10] = '2';
  assert_parse_fails (edited, len, CHAIN_ERROR_INVALID_INPUT,
                      "CSR signature does not verify: the request was altered or is corrupt");
}
END_TEST

START_TEST (test_edited_signature_fails)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_RSA_2048);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device-0001");
  g_autoptr(GBytes) der = chain_csr_to_der (csr);
  gsize len = g_bytes_get_size (der);
  g_autofree guint8 *edited = g_memdup2 (g_bytes_get_data (der, NULL), len);

  /* The last byte belongs to the RSA signature value. */
  edited[len - 1] ^= 0x01;
  assert_parse_fails (edited, len, CHAIN_ERROR_INVALID_INPUT, "signature does not verify");
}
END_TEST

START_TEST (test_der_with_trailing_bytes)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device-0001");
  g_autoptr(GBytes) der = chain_csr_to_der (csr);
  g_autoptr(GByteArray) longer = g_byte_array_new ();

  g_byte_array_append (longer, g_bytes_get_data (der, NULL), (guint) g_bytes_get_size (der));
  g_byte_array_append (longer, (const guint8 *) "\0\0", 2);
  assert_parse_fails (longer->data, longer->len, CHAIN_ERROR_INVALID_INPUT, "unexpected bytes");
}
END_TEST

START_TEST (test_truncated)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=device-0001");
  g_autoptr(GBytes) pem = chain_csr_to_pem (csr);
  g_autoptr(GBytes) der = chain_csr_to_der (csr);
  const char *text = g_bytes_get_data (pem, NULL);
  const char *end = strstr (text, "-----END");
  gsize cut;

  /* PEM cut mid-body, PEM without its last base64 line, DER cut short. */
  assert_parse_fails (text, (gsize) (end - text) / 2, CHAIN_ERROR_INVALID_INPUT, "truncated");
  {
    g_autofree char *dropped = g_strdup (text);
    char *last_line = g_strrstr_len (dropped, end - text - 1, "\n") + 1;

    memmove (last_line, dropped + (end - text), strlen (end) + 1);
    assert_parse_fails (dropped, strlen (dropped), CHAIN_ERROR_INVALID_INPUT, NULL);
  }
  for (cut = 1; cut < g_bytes_get_size (der); cut += 37)
    assert_parse_fails (g_bytes_get_data (der, NULL), g_bytes_get_size (der) - cut,
                        CHAIN_ERROR_INVALID_INPUT, NULL);
}
END_TEST

START_TEST (test_empty)
{
  assert_parse_fails ("", 0, CHAIN_ERROR_INVALID_INPUT, "empty");
  assert_parse_fails (NULL, 0, CHAIN_ERROR_INVALID_INPUT, "empty");
}
END_TEST

START_TEST (test_garbage)
{
  static const guint8 binary[] = { 0x00, 0xff, 0x13, 0x37, 0x80, 0x01, 0x02, 0x03 };
  /* A SEQUENCE of the right length holding nonsense. */
  static const guint8 sequence[] = { 0x30, 0x06, 0x02, 0x01, 0x00, 0x04, 0x01, 0x00 };
  static const char text[] = "hello, I am not a CSR\n";

  assert_parse_fails (binary, sizeof binary, CHAIN_ERROR_INVALID_INPUT, NULL);
  assert_parse_fails (sequence, sizeof sequence, CHAIN_ERROR_INVALID_INPUT, "does not parse");
  assert_parse_fails (text, strlen (text), CHAIN_ERROR_INVALID_INPUT, NULL);
}
END_TEST

START_TEST (test_oversized)
{
  gsize len = CHAIN_INPUT_MAX_LEN + 1;
  g_autofree guint8 *big = g_malloc0 (len);

  big[0] = 0x30;
  assert_parse_fails (big, len, CHAIN_ERROR_INVALID_INPUT, "too large");
}
END_TEST

/* Subjects and versions only a hand-built request carries */

static const struct
{
  const char *name;
  const char *cns[3];
  int first_len;
  long version;
  const char *message;
} raw_refused[] = {
  { "no-cn", { NULL }, -1, 0, "no CN" },
  { "empty-cn", { "", NULL }, -1, 0, "CN is empty" },
  { "escape", { "device\x1b[31m", NULL }, -1, 0, "control character U+001B" },
  { "newline", { "device\nEvil", NULL }, -1, 0, "control character U+000A" },
  { "nul", { "device\0x", NULL }, 8, 0, "not valid text" },
  { "65-chars", { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL }, -1, 0,
    "longer than 64 characters" },
  { "two-cns", { "one", "two", NULL }, -1, 0, "2 CNs" },
  { "version-2", { "device", NULL }, -1, 1, "version 2" },
};

START_TEST (test_raw_refused)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(GBytes) der = raw_csr_der (chain_key_get_pkey (key), raw_refused[_i].cns,
                                       raw_refused[_i].first_len, raw_refused[_i].version, EVP_sha256 ());

  assert_bytes_parse_fails (der, CHAIN_ERROR_INVALID_INPUT, raw_refused[_i].message);
}
END_TEST

START_TEST (test_cn_limits_accepted)
{
  static const char *const cns[][2] = {
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },
    /* 64 characters, 128 bytes: the limit counts characters. */
    { "ääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääää", NULL },
    { "d", NULL },
  };
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cns); i++)
    {
      g_autoptr(GBytes) der = raw_csr_der (chain_key_get_pkey (key), cns[i], -1, 0, EVP_sha256 ());
      g_autoptr(ChainCsr) csr = parse_ok (der);
      g_autoptr(ChainName) subject = chain_csr_dup_subject (csr);
      g_autofree char *cn = chain_name_dup_common_name (subject);

      ck_assert_str_eq (cn, cns[i][0]);
    }
}
END_TEST

START_TEST (test_sha512_accepted_sha224_refused)
{
  static const char *const cns[] = { "device", NULL };
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(GBytes) sha512 = raw_csr_der (chain_key_get_pkey (key), cns, -1, 0, EVP_sha512 ());
  g_autoptr(GBytes) sha224 = raw_csr_der (chain_key_get_pkey (key), cns, -1, 0, EVP_sha224 ());
  g_autoptr(ChainCsr) csr = parse_ok (sha512);

  ck_assert_ptr_nonnull (csr);
  assert_bytes_parse_fails (sha224, CHAIN_ERROR_REFUSED, "SHA224");
}
END_TEST

START_TEST (test_invalid_utf8_cn_refused)
{
  static const char *const cns[] = { "deviceZ", NULL };
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(GBytes) der = raw_csr_der (chain_key_get_pkey (key), cns, -1, 0, EVP_sha256 ());
  g_autoptr(GBytes) control = NULL;
  g_autoptr(GBytes) patched = NULL;
  g_autoptr(X509_REQ) req = NULL;
  g_autoptr(ChainCsr) csr = NULL;
  g_autoptr(ChainName) subject = NULL;
  g_autofree char *cn = NULL;
  const unsigned char *p = g_bytes_get_data (der, NULL);

  req = d2i_X509_REQ (NULL, &p, (long) g_bytes_get_size (der));
  ck_assert_ptr_nonnull (req);
  /* The re-signing helper itself yields CSRs that pass ... */
  control = patched_and_signed (req, chain_key_get_pkey (key), "deviceZ", 6, 'Y');
  csr = parse_ok (control);
  subject = chain_csr_dup_subject (csr);
  cn = chain_name_dup_common_name (subject);
  ck_assert_str_eq (cn, "deviceY");
  /* ... so the refusal is about the 0xFF byte, not the signature. */
  patched = patched_and_signed (req, chain_key_get_pkey (key), "deviceZ", 6, 0xff);
  assert_bytes_parse_fails (patched, CHAIN_ERROR_INVALID_INPUT, NULL);
}
END_TEST

/* A compressed EC point is read as such: the key hash is over the key as
 * the request encodes it, as when OpenSSL decoded it. */
START_TEST (test_compressed_point_accepted)
{
  static const char *const cns[] = { "dev", NULL };
  g_autoptr(EVP_PKEY) pkey = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  g_autoptr(GBytes) der = NULL;
  g_autoptr(ChainCsr) csr = NULL;
  X509_PUBKEY *pub;
  const unsigned char *point = NULL;
  int point_len = 0;
  unsigned char *spki = NULL;
  int spki_len;
  g_autofree char *expected = NULL;
  g_autofree char *key_sha256 = NULL;

  ck_assert_ptr_nonnull (pkey);
  ck_assert (EVP_PKEY_set_utf8_string_param (pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                             OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED));
  der = raw_csr_der (pkey, cns, -1, 0, EVP_sha256 ());
  csr = parse_ok (der);
  pub = X509_REQ_get_X509_PUBKEY (chain_csr_get_x509_req (csr));
  spki_len = i2d_X509_PUBKEY (pub, &spki);
  expected = chain_sha256_hex (spki, (gsize) spki_len);
  key_sha256 = chain_csr_dup_public_key_sha256 (csr);
  OPENSSL_free (spki);
  ck_assert (X509_PUBKEY_get0_param (NULL, &point, &point_len, NULL, pub));
  ck_assert_int_eq (point_len, 33);
  ck_assert (point[0] == 0x02 || point[0] == 0x03);
  ck_assert_int_eq (chain_csr_get_key_algorithm (csr), CHAIN_KEY_ALGORITHM_EC_P256);
  ck_assert_str_eq (key_sha256, expected);
}
END_TEST

/* A request whose EC point lies off its curve carries no key. */
START_TEST (test_off_curve_point_refused)
{
  static const char *const cns[] = { "dev", NULL };
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(GBytes) der = raw_csr_der (chain_key_get_pkey (key), cns, -1, 0, EVP_sha256 ());
  g_autofree guint8 *bad = g_memdup2 (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  unsigned char point[65];
  gsize offset;

  {
    unsigned char *encoded = NULL;

    ck_assert_uint_eq (EVP_PKEY_get1_encoded_public_key (chain_key_get_pkey (key), &encoded), 65);
    memcpy (point, encoded, 65);
    OPENSSL_free (encoded);
  }
  for (offset = 0; offset + 65 <= g_bytes_get_size (der) && memcmp (bad + offset, point, 65) != 0; offset++)
    ;
  ck_assert_uint_lt (offset + 64, g_bytes_get_size (der));
  bad[offset + 64] ^= 0x01;
  assert_parse_fails (bad, g_bytes_get_size (der), CHAIN_ERROR_REFUSED, "unknown type");
}
END_TEST

static Suite *
csr_suite (void)
{
  Suite *s = suite_create ("csr");
  TCase *tc;

  tc = tcase_create ("create");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_round_trip, 0, G_N_ELEMENTS (algorithms));
  tcase_add_test (tc, test_openssl_verifies_our_csr);
  tcase_add_test (tc, test_new_requires_cn);
  tcase_add_test (tc, test_free_null);
  tcase_add_test (tc, test_legacy_label_accepted);
  suite_add_tcase (s, tc);

  tc = tcase_create ("openssl");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_openssl_csr_accepted, 0, G_N_ELEMENTS (openssl_accepted));
  tcase_add_loop_test (tc, test_openssl_csr_refused, 0, G_N_ELEMENTS (openssl_refused));
  tcase_add_test (tc, test_certificate_is_not_a_csr);
  suite_add_tcase (s, tc);

  tc = tcase_create ("malformed");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_edited_subject_fails_signature, 0, G_N_ELEMENTS (algorithms));
  tcase_add_test (tc, test_edited_signature_fails);
  tcase_add_test (tc, test_der_with_trailing_bytes);
  tcase_add_test (tc, test_truncated);
  tcase_add_test (tc, test_empty);
  tcase_add_test (tc, test_garbage);
  tcase_add_test (tc, test_oversized);
  tcase_add_loop_test (tc, test_raw_refused, 0, G_N_ELEMENTS (raw_refused));
  tcase_add_test (tc, test_cn_limits_accepted);
  tcase_add_test (tc, test_invalid_utf8_cn_refused);
  tcase_add_test (tc, test_sha512_accepted_sha224_refused);
  tcase_add_test (tc, test_compressed_point_accepted);
  tcase_add_test (tc, test_off_curve_point_refused);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  return test_support_run_suite (csr_suite ());
}
