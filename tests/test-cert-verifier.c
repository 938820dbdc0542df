/* test-cert-verifier.c — a CA key's verifier decides as X509_verify() does */
#include "test-support.h"
#include "test-pki.h"

#include "chain-cert-verifier-private.h"
#include "chain-pki-private.h"

#include <openssl/err.h>
#include <string.h>

/* What the verifier and X509_verify() say of @cert against @ca's key; both
 * must agree, and the answer is returned. */
static gboolean
verdict (TestCa    *signer,
         ChainCert *cert)
{
  EVP_PKEY *key = X509_get0_pubkey (chain_cert_get_x509 (signer->cert));
  g_autoptr(ChainCertVerifier) verifier = chain_cert_verifier_new (key);
  g_autoptr(GBytes) der = chain_cert_to_der (cert);
  X509 *x = chain_cert_get_x509 (cert);
  gboolean fast = chain_cert_verifier_check (verifier, x, g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  gboolean slow = X509_verify (x, key) == 1;

  ERR_clear_error ();
  ck_assert_int_eq (fast, slow);
  return fast;
}

/* @cert's DER with @from (of @len bytes), found at or after @start, replaced
 * by @to, parsed again; NULL if OpenSSL no longer reads it. */
static ChainCert *
altered (ChainCert    *cert,
         gsize         start,
         const guint8 *from,
         const guint8 *to,
         gsize         len,
         gboolean      last)
{
  g_autoptr(GBytes) der = chain_cert_to_der (cert);
  gsize der_len = 0;
  g_autofree guint8 *bytes = g_memdup2 (g_bytes_get_data (der, &der_len), g_bytes_get_size (der));
  gssize at = -1;

  for (gsize i = start; i + len <= der_len; i++)
    if (memcmp (bytes + i, from, len) == 0)
      {
        at = (gssize) i;
        if (!last)
          break;
      }
  ck_assert_int_ge (at, 0);
  memcpy (bytes + at, to, len);
  return chain_cert_parse (bytes, der_len, NULL);
}

static const guint8 ecdsa_sha256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const guint8 ecdsa_sha384[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };

START_TEST (test_issued_by_the_key)
{
  TestCa root = { 0 };
  TestCa sub = { 0 };
  g_autoptr(ChainCert) device = NULL;

  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Verifier Root", 1);
  test_ca_make_sub (&sub, &root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Verifier Sub", 0, NULL);
  device = test_ca_issue_device (&sub, CHAIN_KEY_ALGORITHM_EC_P256, "dev-1");
  ck_assert (verdict (&sub, device));
  ck_assert (!verdict (&root, device));
  ck_assert (verdict (&root, sub.cert));
  test_ca_clear (&sub);
  test_ca_clear (&root);
}
END_TEST

/* Keys X509_verify() handles on its own: RSA, and ECDSA with SHA-384. */
START_TEST (test_other_algorithms)
{
  static const ChainKeyAlgorithm algorithms[] = { CHAIN_KEY_ALGORITHM_RSA_2048, CHAIN_KEY_ALGORITHM_EC_P384 };
  TestCa root = { 0 };
  TestCa other = { 0 };
  g_autoptr(ChainCert) device = NULL;

  test_ca_make_root (&root, algorithms[_i], "CN=Verifier Root", 0);
  test_ca_make_root (&other, algorithms[_i], "CN=Verifier Root", 0);
  device = test_ca_issue_device (&root, CHAIN_KEY_ALGORITHM_EC_P256, "dev-1");
  ck_assert (verdict (&root, device));
  ck_assert (!verdict (&other, device));
  test_ca_clear (&other);
  test_ca_clear (&root);
}
END_TEST

START_TEST (test_altered_tbs_refused)
{
  TestCa root = { 0 };
  g_autoptr(ChainCert) device = NULL;
  g_autoptr(ChainCert) renamed = NULL;

  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Verifier Root", 0);
  device = test_ca_issue_device (&root, CHAIN_KEY_ALGORITHM_EC_P256, "dev-1");
  renamed = altered (device, 0, (const guint8 *) "dev-1", (const guint8 *) "dev-2", 5, FALSE);
  ck_assert_ptr_nonnull (renamed);
  ck_assert (!verdict (&root, renamed));
  test_ca_clear (&root);
}
END_TEST

/* The outer algorithm differs from the TBS one: refused before any maths. */
START_TEST (test_algorithm_fields_differ_refused)
{
  TestCa root = { 0 };
  g_autoptr(ChainCert) device = NULL;
  g_autoptr(ChainCert) mixed = NULL;

  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Verifier Root", 0);
  device = test_ca_issue_device (&root, CHAIN_KEY_ALGORITHM_EC_P256, "dev-1");
  mixed = altered (device, 0, ecdsa_sha256, ecdsa_sha384, sizeof ecdsa_sha256, TRUE);
  ck_assert_ptr_nonnull (mixed);
  ck_assert (!verdict (&root, mixed));
  test_ca_clear (&root);
}
END_TEST

/* The signature's last bytes changed, then its BIT STRING given an unused bit. */
START_TEST (test_altered_signature_refused)
{
  TestCa root = { 0 };
  g_autoptr(ChainCert) device = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autofree guint8 *bytes = NULL;
  g_autoptr(ChainCert) flipped = NULL;
  g_autoptr(ChainCert) padded = NULL;
  const ASN1_BIT_STRING *signature = NULL;
  gsize len = 0;
  gsize bit_string;

  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Verifier Root", 0);
  device = test_ca_issue_device (&root, CHAIN_KEY_ALGORITHM_EC_P256, "dev-1");
  der = chain_cert_to_der (device);
  bytes = g_memdup2 (g_bytes_get_data (der, &len), g_bytes_get_size (der));
  X509_get0_signature (&signature, NULL, chain_cert_get_x509 (device));
  /* The signature ends the certificate; its BIT STRING's first content
   * byte (unused bits) precedes it. */
  bit_string = len - (gsize) ASN1_STRING_length (signature) - 1;
  ck_assert_int_eq (bytes[bit_string], 0);

  bytes[len - 1] ^= 0x01;
  flipped = chain_cert_parse (bytes, len, NULL);
  ck_assert_ptr_nonnull (flipped);
  ck_assert (!verdict (&root, flipped));

  bytes[len - 1] ^= 0x01;
  bytes[len - 1] &= 0xfe;
  bytes[bit_string] = 1;
  padded = chain_cert_parse (bytes, len, NULL);
  if (padded != NULL)
    ck_assert (!verdict (&root, padded));
  test_ca_clear (&root);
}
END_TEST

typedef struct {
  ChainCertVerifier *verifier;
  ChainCert        **certs;
  guint              n_certs;
  gint               passed;   /* atomic */
} Shared;

static gpointer
check_all (gpointer data)
{
  Shared *shared = data;

  for (guint round = 0; round < 20; round++)
    for (guint i = 0; i < shared->n_certs; i++)
      {
        g_autoptr(GBytes) der = chain_cert_to_der (shared->certs[i]);

        if (chain_cert_verifier_check (shared->verifier, chain_cert_get_x509 (shared->certs[i]),
                                       g_bytes_get_data (der, NULL), g_bytes_get_size (der)))
          g_atomic_int_inc (&shared->passed);
      }
  return NULL;
}

/* Threads sharing one verifier each get every answer right. */
START_TEST (test_threads_share_a_verifier)
{
  TestCa root = { 0 };
  TestCa other = { 0 };
  ChainCert *certs[8];
  Shared shared = { NULL, certs, G_N_ELEMENTS (certs), 0 };
  GThread *threads[4];

  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Verifier Root", 0);
  test_ca_make_root (&other, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Verifier Root", 0);
  for (guint i = 0; i < G_N_ELEMENTS (certs); i++)
    certs[i] = test_ca_issue_device (i % 2 == 0 ? &root : &other, CHAIN_KEY_ALGORITHM_EC_P256, "dev-1");
  shared.verifier = chain_cert_verifier_new (X509_get0_pubkey (chain_cert_get_x509 (root.cert)));
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    threads[t] = g_thread_new ("verify", check_all, &shared);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  ck_assert_int_eq (g_atomic_int_get (&shared.passed), G_N_ELEMENTS (threads) * 20 * G_N_ELEMENTS (certs) / 2);
  chain_cert_verifier_free (shared.verifier);
  for (guint i = 0; i < G_N_ELEMENTS (certs); i++)
    chain_cert_free (certs[i]);
  test_ca_clear (&other);
  test_ca_clear (&root);
}
END_TEST

static Suite *
cert_verifier_suite (void)
{
  Suite *suite = suite_create ("cert-verifier");
  TCase *verdicts = tcase_create ("verdicts");

  tcase_add_test (verdicts, test_issued_by_the_key);
  tcase_add_loop_test (verdicts, test_other_algorithms, 0, 2);
  tcase_add_test (verdicts, test_altered_tbs_refused);
  tcase_add_test (verdicts, test_algorithm_fields_differ_refused);
  tcase_add_test (verdicts, test_altered_signature_refused);
  tcase_add_test (verdicts, test_threads_share_a_verifier);
  suite_add_tcase (suite, verdicts);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (cert_verifier_suite ());
}
