/* test-pki.c — certificate authorities for tests */
#include "test-pki.h"

#include "chain-pki-private.h"

#include <time.h>

gint64
test_pki_now (void)
{
  return (gint64) time (NULL);
}

ChainKey *
test_pki_key (ChainKeyAlgorithm algorithm)
{
  g_autoptr(GError) error = NULL;
  ChainKey *key = chain_key_generate (algorithm, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (key);
  return key;
}

ChainName *
test_pki_name (const char *rfc4514)
{
  g_autoptr(GError) error = NULL;
  ChainName *name = chain_name_parse (rfc4514, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (name);
  return name;
}

ChainCsr *
test_pki_csr (ChainKey *key, const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = test_pki_name (subject);
  ChainCsr *csr = chain_csr_new (key, name, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (csr);
  return csr;
}

ChainNameConstraints *
test_pki_constraints (const char *text)
{
  g_autoptr(GError) error = NULL;
  ChainNameConstraints *constraints = NULL;

  if (text == NULL)
    return NULL;
  constraints = chain_name_constraints_parse (text, &error);
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (constraints);
  return constraints;
}

void
test_ca_clear (TestCa *ca)
{
  g_clear_pointer (&ca->issuer, chain_issuer_free);
  g_clear_pointer (&ca->cert, chain_cert_free);
  g_clear_pointer (&ca->key, chain_key_free);
}

void
test_ca_make_root (TestCa           *ca,
                   ChainKeyAlgorithm algorithm,
                   const char       *subject,
                   int               path_len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = test_pki_name (subject);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.path_len = path_len;
  options.not_before = test_pki_now ();
  options.not_after = options.not_before + 10 * TEST_YEAR;
  ca->key = test_pki_key (algorithm);
  ca->cert = chain_root_create (ca->key, name, &options, &error);
  test_assert_no_error (error);
  ca->issuer = chain_issuer_new (ca->cert, ca->key, NULL, &error);
  test_assert_no_error (error);
}

void
test_ca_make_sub (TestCa           *ca,
                  TestCa           *parent,
                  ChainKeyAlgorithm algorithm,
                  const char       *subject,
                  int               path_len,
                  const char       *constraints)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCsr) csr = NULL;
  g_autoptr(ChainNameConstraints) nc = test_pki_constraints (constraints);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.path_len = path_len;
  options.not_before = test_pki_now ();
  options.not_after = chain_cert_get_not_after (parent->cert) - TEST_DAY;
  options.name_constraints = nc;
  ca->key = test_pki_key (algorithm);
  csr = test_pki_csr (ca->key, subject);
  ca->cert = chain_issuer_issue_sub_ca (parent->issuer, csr, &options, &error);
  test_assert_no_error (error);
  ca->issuer = chain_issuer_new (ca->cert, ca->key, chain_issuer_get_chain (parent->issuer),
                                 &error);
  test_assert_no_error (error);
}

ChainCert *
test_ca_issue_device (TestCa           *ca,
                      ChainKeyAlgorithm algorithm,
                      const char       *device_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (algorithm);
  g_autofree char *subject = g_strdup_printf ("CN=%s", device_id);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, subject);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  ChainCert *cert;

  options.not_before = test_pki_now ();
  options.not_after = options.not_before + TEST_YEAR;
  cert = chain_issuer_issue_device (ca->issuer, device_id, csr, NULL, &options, &error);
  test_assert_no_error (error);
  return cert;
}

ChainCert *
test_ca_issue_officer (TestCa     *ca,
                       ChainKey   *key,
                       const char *name)
{
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  ChainCert *cert;

  options.not_before = test_pki_now ();
  options.not_after = MIN (options.not_before + TEST_YEAR, chain_cert_get_not_after (ca->cert));
  cert = chain_issuer_issue_officer (ca->issuer, name, key, &options, &error);
  test_assert_no_error (error);
  return cert;
}

ChainCert *
test_ca_forge (TestCa     *parent,
               ChainKey   *key,
               const char *subject,
               const char *basic_constraints,
               const char *key_usage)
{
  g_autoptr(ChainName) name = test_pki_name (subject);
  X509 *issuer = chain_cert_get_x509 (parent->cert);
  X509 *x = X509_new ();
  X509V3_CTX v3;
  struct { int nid; const char *value; } exts[] = {
    { NID_basic_constraints, basic_constraints },
    { NID_key_usage, key_usage },
    { NID_subject_key_identifier, "hash" },
    { NID_authority_key_identifier, "keyid:always" },
  };

  ck_assert_ptr_nonnull (x);
  ck_assert (X509_set_version (x, X509_VERSION_3));
  ck_assert (ASN1_INTEGER_set (X509_get_serialNumber (x), g_random_int_range (1, G_MAXINT32)));
  ck_assert (X509_set_issuer_name (x, X509_get_subject_name (issuer)));
  ck_assert (X509_set_subject_name (x, chain_name_get_x509_name (name)));
  ck_assert (ASN1_TIME_set (X509_getm_notBefore (x), (time_t) test_pki_now () - 60));
  ck_assert (ASN1_TIME_set (X509_getm_notAfter (x), (time_t) (test_pki_now () + TEST_YEAR)));
  ck_assert (X509_set_pubkey (x, chain_key_get_pkey (key)));
  X509V3_set_ctx (&v3, issuer, x, NULL, NULL, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (exts); i++)
    {
      X509_EXTENSION *ext = X509V3_EXT_nconf_nid (NULL, &v3, exts[i].nid, exts[i].value);

      ck_assert_ptr_nonnull (ext);
      ck_assert (X509_add_ext (x, ext, -1));
      X509_EXTENSION_free (ext);
    }
  ck_assert (X509_sign (x, chain_key_get_pkey (parent->key), EVP_sha256 ()) > 0);
  return chain_cert_new_take (x);
}

char *
test_pki_write_pem (const char *dir,
                    const char *name,
                    ChainCert  *first,
                    ...)
{
  g_autoptr(GString) all = g_string_new (NULL);
  char *path = g_build_filename (dir, name, NULL);
  va_list args;

  va_start (args, first);
  for (ChainCert *cert = first; cert != NULL; cert = va_arg (args, ChainCert *))
    {
      g_autoptr(GBytes) pem = chain_cert_to_pem (cert);

      g_string_append_len (all, g_bytes_get_data (pem, NULL), (gssize) g_bytes_get_size (pem));
    }
  va_end (args);
  test_support_write_file (path, all->str, all->len);
  return path;
}

void
test_pki_run_ok (const char *const *argv)
{
  g_autofree char *err = NULL;
  int status = test_support_run (argv, NULL, NULL, &err);

  ck_assert_msg (status == 0, "%s %s failed (%d): %s", argv[0], argv[1], status, err);
}

void
test_assert_error_names (GError    **error,
                         int         code,
                         const char *first_needle,
                         ...)
{
  va_list args;

  ck_assert_msg (*error != NULL, "expected an error, got none");
  va_start (args, first_needle);
  for (const char *needle = first_needle; needle != NULL; needle = va_arg (args, const char *))
    ck_assert_msg (strstr ((*error)->message, needle) != NULL,
                   "message \"%s\" lacks \"%s\"", (*error)->message, needle);
  va_end (args);
  test_assert_error (*error, code);
}
