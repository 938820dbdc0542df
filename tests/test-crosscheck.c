/* test-crosscheck.c — real peers judge what we issue
 *
 * Every profile libchain signs must pass `openssl verify -x509_strict`
 * (leaves as TLS clients) and GnuTLS `certtool --verify-chain`. And what
 * libchain refuses to sign, OpenSSL must refuse to accept: the violating
 * certificates are forged with the openssl command line, using CA keys
 * libchain wrote (encrypted PKCS#8, read with -passin file:).
 */
#include "test-pki.h"

#include "chain-pki-private.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static const char extensions_cnf[] =
  "[ca]\n"
  "basicConstraints = critical,CA:TRUE\n"
  "keyUsage = critical,keyCertSign,cRLSign\n"
  "subjectKeyIdentifier = hash\n"
  "authorityKeyIdentifier = keyid:always\n"
  "[leaf]\n"
  "basicConstraints = critical,CA:FALSE\n"
  "keyUsage = critical,digitalSignature\n"
  "extendedKeyUsage = clientAuth\n"
  "subjectKeyIdentifier = hash\n"
  "authorityKeyIdentifier = keyid:always\n";

static ChainCert *
pop_new (TestCa *ca)
{
  g_autoptr(GError) error = NULL;
  ChainCert *cert = chain_issuer_issue_pop (ca->issuer, "6A1B3C9D0E2F4A5B6C7D8E9F0A1B2C3D4E5F6A7B8C9D0E1F", &error);

  test_assert_no_error (error);
  return cert;
}

/* ---------------------------------------------------------------- fixture */

/* Built once for the whole suite (unchecked fixture): RSA keys are slow. */
static char *dir;
static char *passfile;
static ChainSecret *passphrase;

static TestCa root;       /* EC P-256, path length 2 */
static TestCa cm;         /* P-256, path length 1, permitted dirName O=Widget Ltd,C=DE */
static TestCa dist;       /* P-384, path length 0 */
static TestCa dns_cm;     /* P-256, path length 0, permitted DNS:factory.example.com */
static TestCa rsa_root;   /* RSA 2048 */
static TestCa rsa_sub;    /* RSA 2048, path length 0 */

typedef struct {
  const char *name;
  ChainCert  *cert;
  gboolean    leaf;
  /* Issuer first, up to (not including) the root. */
  ChainCert  *intermediates[3];
  TestCa     *root;
} Profile;

static Profile profiles[11];
static guint n_profiles;

static char *
path_in_dir (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
write_bytes (const char *name,
             GBytes     *bytes)
{
  g_autofree char *path = path_in_dir (name);

  test_support_write_file (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
add_profile (const char *name,
             ChainCert  *cert,
             gboolean    leaf,
             TestCa     *anchor,
             ChainCert  *i0,
             ChainCert  *i1)
{
  g_assert (n_profiles < G_N_ELEMENTS (profiles));
  profiles[n_profiles++] = (Profile) { name, cert, leaf, { i0, i1, NULL }, anchor };
}

static void
suite_setup (void)
{
  const guint8 *data;
  gsize len = 0;

  dir = test_support_tmpdir_new ();
  passphrase = test_support_passphrase ();
  data = chain_secret_get_data (passphrase, &len);
  passfile = path_in_dir ("passphrase");
  test_support_write_file (passfile, data, len);
  g_assert (g_chmod (passfile, 0600) == 0);
  {
    g_autofree char *cnf = path_in_dir ("extensions.cnf");

    test_support_write_file (cnf, extensions_cnf, strlen (extensions_cnf));
  }

  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Widget Root CA,O=Widget Ltd,C=DE", 2);
  test_ca_make_sub (&cm, &root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Acme Factory CA,O=Widget Ltd,C=DE", 1,
               "permitted:dirName:O=Widget Ltd,C=DE");
  test_ca_make_sub (&dist, &cm, CHAIN_KEY_ALGORITHM_EC_P384, "CN=Line 3 CA,O=Widget Ltd,C=DE", 0, NULL);
  test_ca_make_sub (&dns_cm, &root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=Hostname CA,O=Widget Ltd,C=DE", 0,
               "permitted:DNS:factory.example.com");
  test_ca_make_root (&rsa_root, CHAIN_KEY_ALGORITHM_RSA_2048, "CN=RSA Root CA,O=Widget Ltd,C=DE", 2);
  test_ca_make_sub (&rsa_sub, &rsa_root, CHAIN_KEY_ALGORITHM_RSA_2048, "CN=RSA Line CA,O=Widget Ltd,C=DE", 0, NULL);

  add_profile ("root", root.cert, FALSE, &root, NULL, NULL);
  add_profile ("cm", cm.cert, FALSE, &root, NULL, NULL);
  add_profile ("distributor", dist.cert, FALSE, &root, cm.cert, NULL);
  add_profile ("device", test_ca_issue_device (&dist, CHAIN_KEY_ALGORITHM_EC_P256, "sensor-0001"), TRUE,
               &root, dist.cert, cm.cert);
  add_profile ("pop-distributor", pop_new (&dist), TRUE, &root, dist.cert, cm.cert);
  add_profile ("pop-root", pop_new (&root), TRUE, &root, NULL, NULL);
  add_profile ("dns-device", test_ca_issue_device (&dns_cm, CHAIN_KEY_ALGORITHM_EC_P256, "sensor-1.factory.example.com"),
               TRUE, &root, dns_cm.cert, NULL);
  add_profile ("rsa-root", rsa_root.cert, FALSE, &rsa_root, NULL, NULL);
  add_profile ("rsa-sub", rsa_sub.cert, FALSE, &rsa_root, NULL, NULL);
  add_profile ("rsa-device", test_ca_issue_device (&rsa_sub, CHAIN_KEY_ALGORITHM_RSA_2048, "rsa-sensor-0001"), TRUE,
               &rsa_root, rsa_sub.cert, NULL);
  add_profile ("rsa-pop", pop_new (&rsa_sub), TRUE, &rsa_root, rsa_sub.cert, NULL);
}

static void
suite_teardown (void)
{
  for (guint i = 0; i < n_profiles; i++)
    if (profiles[i].leaf)
      chain_cert_free (profiles[i].cert);
  n_profiles = 0;
  test_ca_clear (&rsa_sub);
  test_ca_clear (&rsa_root);
  test_ca_clear (&dns_cm);
  test_ca_clear (&dist);
  test_ca_clear (&cm);
  test_ca_clear (&root);
  test_support_tmpdir_remove (dir);
  g_clear_pointer (&dir, g_free);
  g_clear_pointer (&passfile, g_free);
  g_clear_pointer (&passphrase, chain_secret_free);
}

/* ---------------------------------------------------------------- helpers */

/* Runs `openssl verify -x509_strict` on @leaf_path; returns its status and
 * its combined output in @out_output. */
static int
openssl_verify (const char *leaf_path,
                const char *root_path,
                const char *untrusted_path,
                gboolean    client,
                char      **out_output)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add (argv, (char *) "openssl");
  g_ptr_array_add (argv, (char *) "verify");
  g_ptr_array_add (argv, (char *) "-x509_strict");
  g_ptr_array_add (argv, (char *) "-CAfile");
  g_ptr_array_add (argv, (char *) root_path);
  if (untrusted_path != NULL)
    {
      g_ptr_array_add (argv, (char *) "-untrusted");
      g_ptr_array_add (argv, (char *) untrusted_path);
    }
  if (client)
    {
      g_ptr_array_add (argv, (char *) "-purpose");
      g_ptr_array_add (argv, (char *) "sslclient");
    }
  g_ptr_array_add (argv, (char *) leaf_path);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, NULL, &out, &err);
  /* Empty output comes back as NULL. */
  *out_output = g_strconcat (out != NULL ? out : "", err != NULL ? err : "", NULL);
  return status;
}

static char *
save_key (const char *name,
          ChainKey   *key)
{
  g_autoptr(GError) error = NULL;
  char *path = path_in_dir (name);

  g_remove (path);
  ck_assert (chain_key_save (key, path, passphrase, &error));
  test_assert_no_error (error);
  return path;
}

static char *
save_csr (const char *name,
          ChainCsr   *csr)
{
  g_autoptr(GBytes) pem = chain_csr_to_pem (csr);

  write_bytes (name, pem);
  return path_in_dir (name);
}

/* Signs @csr_path with the CA in @ca_path / @ca_key_path the way someone
 * bypassing libchain would; @section picks the extensions. */
static char *
openssl_sign (const char *out_name,
              const char *csr_path,
              const char *ca_path,
              const char *ca_key_path,
              const char *section)
{
  g_autofree char *cnf = path_in_dir ("extensions.cnf");
  g_autofree char *passin = g_strconcat ("file:", passfile, NULL);
  char *out = path_in_dir (out_name);
  const char *argv[] = {
    "openssl", "x509", "-req", "-in", csr_path, "-CA", ca_path, "-CAkey", ca_key_path,
    "-passin", passin, "-extfile", cnf, "-extensions", section, "-days", "30",
    "-sha256", "-out", out, NULL,
  };

  test_pki_run_ok (argv);
  return out;
}

/* ---------------------------------------------------------------- accepted */

START_TEST (test_profile_table_full)
{
  ck_assert_uint_eq (n_profiles, G_N_ELEMENTS (profiles));
}
END_TEST

START_TEST (test_openssl_accepts)
{
  const Profile *p = &profiles[_i];
  g_autofree char *leaf = NULL;
  g_autofree char *anchor = NULL;
  g_autofree char *untrusted = NULL;
  g_autofree char *output = NULL;
  g_autofree char *leaf_name = g_strdup_printf ("%s.pem", p->name);
  g_autofree char *untrusted_name = g_strdup_printf ("%s-untrusted.pem", p->name);
  g_autofree char *anchor_name = g_strdup_printf ("%s-anchor.pem", p->name);
  int status;

  leaf = test_pki_write_pem (dir, leaf_name, p->cert, NULL);
  anchor = test_pki_write_pem (dir, anchor_name, p->root->cert, NULL);
  if (p->intermediates[0] != NULL)
    untrusted = test_pki_write_pem (dir, untrusted_name, p->intermediates[0], p->intermediates[1],
                                    NULL);
  status = openssl_verify (leaf, anchor, untrusted, p->leaf, &output);
  ck_assert_msg (status == 0, "openssl verify refused %s: %s", p->name, output);
  ck_assert_msg (strstr (output, ": OK") != NULL, "%s: %s", p->name, output);
}
END_TEST

START_TEST (test_certtool_accepts)
{
  const Profile *p = &profiles[_i];
  g_autofree char *chain_name = g_strdup_printf ("%s-chain.pem", p->name);
  g_autofree char *chain = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (p->cert == p->root->cert)
    chain = test_pki_write_pem (dir, chain_name, p->cert, NULL);
  else if (p->intermediates[0] == NULL)
    chain = test_pki_write_pem (dir, chain_name, p->cert, p->root->cert, NULL);
  else if (p->intermediates[1] == NULL)
    chain = test_pki_write_pem (dir, chain_name, p->cert, p->intermediates[0], p->root->cert, NULL);
  else
    chain = test_pki_write_pem (dir, chain_name, p->cert, p->intermediates[0], p->intermediates[1],
                                p->root->cert, NULL);
  {
    const char *argv[] = { "certtool", "--verify-chain", "--verify-profile=medium", "--infile", chain, NULL };

    status = test_support_run (argv, NULL, &out, &err);
  }
  ck_assert_msg (status == 0, "certtool refused %s (%d): %s%s", p->name, status,
                 out ? out : "", err ? err : "");
  ck_assert_ptr_nonnull (out);
  ck_assert_msg (strstr (out, "Chain verification output: Verified") != NULL, "%s: %s", p->name, out);
  ck_assert_msg (strstr (out, "Not verified") == NULL, "%s: %s", p->name, out);
}
END_TEST

/* ---------------------------------------------------------------- refused */

/* The distributor has path length 0. libchain will not make it a sub-CA;
 * forged with openssl, the sub-CA's devices fail OpenSSL's own check. */
START_TEST (test_path_length_violation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) rogue_key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainKey) leaf_key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) rogue_csr = test_pki_csr (rogue_key, "CN=Rogue Sub CA,O=Widget Ltd,C=DE");
  g_autoptr(ChainCsr) leaf_csr = test_pki_csr (leaf_key, "CN=rogue-device,O=Widget Ltd,C=DE");
  g_autofree char *dist_path = test_pki_write_pem (dir, "pl-dist.pem", dist.cert, NULL);
  g_autofree char *dist_key = save_key ("pl-dist-key.pem", dist.key);
  g_autofree char *rogue_key_path = save_key ("pl-rogue-key.pem", rogue_key);
  g_autofree char *rogue_csr_path = save_csr ("pl-rogue.csr", rogue_csr);
  g_autofree char *leaf_csr_path = save_csr ("pl-leaf.csr", leaf_csr);
  g_autofree char *rogue_path = NULL;
  g_autofree char *leaf_path = NULL;
  g_autofree char *anchor = test_pki_write_pem (dir, "pl-root.pem", root.cert, NULL);
  g_autofree char *untrusted = NULL;
  g_autofree char *output = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  struct stat st;

  /* libchain refuses. */
  options.path_len = 0;
  options.not_after = test_pki_now () + 30 * TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (dist.issuer, rogue_csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Line 3 CA", NULL);

  /* The key file libchain wrote is private, and openssl reads it. */
  ck_assert_int_eq (g_stat (dist_key, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0600);
  ck_assert_int_eq (g_stat (passfile, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0600);

  rogue_path = openssl_sign ("pl-rogue.pem", rogue_csr_path, dist_path, dist_key, "ca");
  leaf_path = openssl_sign ("pl-leaf.pem", leaf_csr_path, rogue_path, rogue_key_path, "leaf");

  /* OpenSSL refuses the device below the forged sub-CA... */
  {
    g_autoptr(ChainCert) rogue = NULL;
    g_autofree char *contents = NULL;
    gsize len = 0;

    ck_assert (g_file_get_contents (rogue_path, &contents, &len, NULL));
    rogue = chain_cert_parse ((const guint8 *) contents, len, &error);
    test_assert_no_error (error);
    untrusted = test_pki_write_pem (dir, "pl-untrusted.pem", rogue, dist.cert, cm.cert, NULL);
  }
  ck_assert_int_ne (openssl_verify (leaf_path, anchor, untrusted, TRUE, &output), 0);
  ck_assert_msg (strstr (output, "path length constraint exceeded") != NULL, "%s", output);

  /* ...and so does libchain's verifier. */
  {
    g_autoptr(GPtrArray) certs = NULL;
    g_autoptr(GPtrArray) anchors = g_ptr_array_new ();
    g_autofree char *contents = NULL;
    gsize len = 0;
    ChainCert *leaf;

    ck_assert (g_file_get_contents (untrusted, &contents, &len, NULL));
    certs = chain_cert_parse_bundle ((const guint8 *) contents, len, &error);
    test_assert_no_error (error);
    g_free (g_steal_pointer (&contents));
    ck_assert (g_file_get_contents (leaf_path, &contents, &len, NULL));
    leaf = chain_cert_parse ((const guint8 *) contents, len, &error);
    test_assert_no_error (error);
    g_ptr_array_add (anchors, root.cert);
    ck_assert (!chain_verify (leaf, certs, anchors, NULL, NULL, &error));
    test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "path length constraint exceeded", NULL);
    chain_cert_free (leaf);
  }
}
END_TEST

/* The CM may only name CAs inside O=Widget Ltd,C=DE. */
START_TEST (test_dirname_violation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) rogue_key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) rogue_csr = test_pki_csr (rogue_key, "CN=Rogue CA,O=Evil Corp,C=DE");
  g_autofree char *cm_path = test_pki_write_pem (dir, "nc-cm.pem", cm.cert, NULL);
  g_autofree char *cm_key = save_key ("nc-cm-key.pem", cm.key);
  g_autofree char *rogue_csr_path = save_csr ("nc-rogue.csr", rogue_csr);
  g_autofree char *rogue_path = NULL;
  g_autofree char *anchor = test_pki_write_pem (dir, "nc-root.pem", root.cert, NULL);
  g_autofree char *output = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.path_len = 0;
  options.not_after = test_pki_now () + 30 * TEST_DAY;
  ck_assert_ptr_null (chain_issuer_issue_sub_ca (cm.issuer, rogue_csr, &options, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Acme Factory CA", NULL);

  rogue_path = openssl_sign ("nc-rogue.pem", rogue_csr_path, cm_path, cm_key, "ca");
  ck_assert_int_ne (openssl_verify (rogue_path, anchor, cm_path, FALSE, &output), 0);
  ck_assert_msg (strstr (output, "permitted subtree violation") != NULL, "%s", output);
}
END_TEST

/* The hostname CA may only certify names under factory.example.com. */
START_TEST (test_dns_violation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) leaf_key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) leaf_csr = test_pki_csr (leaf_key, "CN=rogue.evil.example,O=Widget Ltd,C=DE");
  g_autoptr(ChainCert) refused = NULL;
  g_autofree char *ca_path = test_pki_write_pem (dir, "dns-ca.pem", dns_cm.cert, NULL);
  g_autofree char *ca_key = save_key ("dns-ca-key.pem", dns_cm.key);
  g_autofree char *leaf_csr_path = save_csr ("dns-leaf.csr", leaf_csr);
  g_autofree char *leaf_path = NULL;
  g_autofree char *anchor = test_pki_write_pem (dir, "dns-root.pem", root.cert, NULL);
  g_autofree char *output = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + 30 * TEST_DAY;
  refused = chain_issuer_issue_device (dns_cm.issuer, "rogue.evil.example", leaf_csr, NULL, &options, &error);
  ck_assert_ptr_null (refused);
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "Hostname CA", NULL);

  leaf_path = openssl_sign ("dns-leaf.pem", leaf_csr_path, ca_path, ca_key, "leaf");
  ck_assert_int_ne (openssl_verify (leaf_path, anchor, ca_path, TRUE, &output), 0);
  ck_assert_msg (strstr (output, "permitted subtree violation") != NULL, "%s", output);
}
END_TEST

/* OpenSSL honours our CRLs the same way chain_verify() does. */
START_TEST (test_openssl_reads_revocation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) device = test_ca_issue_device (&dist, CHAIN_KEY_ALGORITHM_EC_P256, "sensor-revoked");
  g_autofree char *serial = chain_cert_dup_serial (device);
  ChainRevokedEntry entry = { serial, test_pki_now () - 60, CHAIN_REVOCATION_KEY_COMPROMISE };
  gint64 next_update = test_pki_now () + TEST_DAY;
  g_autoptr(ChainCrl) root_crl = chain_issuer_create_crl (root.issuer, NULL, 0, 1, 0, next_update, &error);
  g_autoptr(ChainCrl) cm_crl = chain_issuer_create_crl (cm.issuer, NULL, 0, 1, 0, next_update, &error);
  g_autoptr(ChainCrl) dist_crl = chain_issuer_create_crl (dist.issuer, &entry, 1, 1, 0, next_update, &error);
  g_autoptr(GByteArray) crls = g_byte_array_new ();
  g_autoptr(GBytes) crl_bytes = NULL;
  g_autofree char *leaf = test_pki_write_pem (dir, "rev-device.pem", device, NULL);
  g_autofree char *anchor = test_pki_write_pem (dir, "rev-root.pem", root.cert, NULL);
  g_autofree char *untrusted = test_pki_write_pem (dir, "rev-untrusted.pem", dist.cert, cm.cert, NULL);
  g_autofree char *crl_path = path_in_dir ("rev-crls.pem");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = {
    "openssl", "verify", "-x509_strict", "-crl_check_all", "-CRLfile", crl_path,
    "-CAfile", anchor, "-untrusted", untrusted, "-purpose", "sslclient", leaf, NULL,
  };

  test_assert_no_error (error);
  {
    ChainCrl *all[] = { root_crl, cm_crl, dist_crl };

    for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
      {
        g_autoptr(GBytes) pem = chain_crl_to_pem (all[i]);

        g_byte_array_append (crls, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
      }
  }
  crl_bytes = g_bytes_new (crls->data, crls->len);
  write_bytes ("rev-crls.pem", crl_bytes);
  ck_assert_int_ne (test_support_run (argv, NULL, &out, &err), 0);
  ck_assert_msg ((err != NULL && strstr (err, "certificate revoked") != NULL)
                 || (out != NULL && strstr (out, "certificate revoked") != NULL),
                 "%s%s", out ? out : "", err ? err : "");
}
END_TEST

static Suite *
crosscheck_suite (void)
{
  Suite *s = suite_create ("crosscheck");
  TCase *tc = tcase_create ("crosscheck");

  /* The profile table is filled by the fixture; its size is fixed here. */
  tcase_add_unchecked_fixture (tc, suite_setup, suite_teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_profile_table_full);
  tcase_add_loop_test (tc, test_openssl_accepts, 0, G_N_ELEMENTS (profiles));
  tcase_add_loop_test (tc, test_certtool_accepts, 0, G_N_ELEMENTS (profiles));
  tcase_add_test (tc, test_path_length_violation);
  tcase_add_test (tc, test_dirname_violation);
  tcase_add_test (tc, test_dns_violation);
  tcase_add_test (tc, test_openssl_reads_revocation);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return test_support_run_suite (crosscheck_suite ());
}
