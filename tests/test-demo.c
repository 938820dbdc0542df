/* test-demo.c — `chain demo` end to end, through the built binary
 *
 * The demo is the README's main command: it must run the three-tier story
 * on a real ledger, keep keys private and encrypted, leave every workspace
 * on the same audited ledger that plain git reads, and produce devices that
 * independent verifiers (openssl, GnuTLS certtool) accept — and refuse the
 * revoked one.
 */
#include "test-support.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

static char *tmpdir;
static char *demo_dir;

static const char *
chain_bin (void)
{
  const char *bin = g_getenv ("CHAIN_BIN");

  ck_assert_msg (bin != NULL, "CHAIN_BIN is not set: run through meson test");
  return bin;
}

static char *
demo_path (const char *relative)
{
  return g_build_filename (demo_dir, relative, NULL);
}

static void
setup (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  tmpdir = test_support_tmpdir_new ();
  demo_dir = g_build_filename (tmpdir, "story", NULL);
  status = test_support_run ((const char *const[]) { chain_bin (), "demo", demo_dir, NULL },
                             NULL, &out, &err);
  ck_assert_msg (status == 0, "chain demo exited %d: %s", status, err);
  ck_assert_msg (strstr (out, "audit of all four ledgers") != NULL, "demo said: %s", out);
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&demo_dir, g_free);
}

static const char *const parties[] = { "oem", "cm-a", "cm-b", "dist-x" };

START_TEST (test_each_party_has_its_own_encrypted_key)
{
  g_autofree char *key_dir = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *text = NULL;
  struct stat st;

  key_dir = g_build_filename (demo_dir, parties[_i], "private", NULL);
  key_path = g_build_filename (key_dir, "ca.key", NULL);
  ck_assert_int_eq (g_stat (key_dir, &st), 0);
  ck_assert_uint_eq (st.st_mode & 0777, 0700);
  ck_assert_int_eq (g_stat (key_path, &st), 0);
  ck_assert_uint_eq (st.st_mode & 0777, 0600);
  ck_assert (g_file_get_contents (key_path, &text, NULL, NULL));
  ck_assert (g_str_has_prefix (text, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
}
END_TEST

/* Every workspace holds the same ledger, and plain git reads it. */
START_TEST (test_every_ledger_synced_and_readable_by_git)
{
  g_autofree char *tip = NULL;
  g_autofree char *repo = g_build_filename (demo_dir, parties[_i], "ledger.git", NULL);
  g_autofree char *oem_repo = demo_path ("oem/ledger.git");
  g_autofree char *out = NULL;
  g_autofree char *clone_name = g_strdup_printf ("clone-%s", parties[_i]);
  g_autofree char *clone = g_build_filename (tmpdir, clone_name, NULL);

  ck_assert_int_eq (test_support_run ((const char *const[]) { "git", "-C", oem_repo, "rev-parse", "main", NULL },
                                      NULL, &tip, NULL), 0);
  ck_assert_int_eq (test_support_run ((const char *const[]) { "git", "-C", repo, "rev-parse", "main", NULL },
                                      NULL, &out, NULL), 0);
  ck_assert_str_eq (out, tip);
  ck_assert_int_eq (test_support_run ((const char *const[]) { "git", "-C", repo, "fsck", "--strict", NULL },
                                      NULL, NULL, NULL), 0);
  ck_assert_int_eq (test_support_run ((const char *const[]) { "git", "clone", "-q", repo, clone, NULL },
                                      NULL, NULL, NULL), 0);
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (test_support_run ((const char *const[]) { "git", "-C", clone, "log", "--oneline", NULL },
                                      NULL, &out, NULL), 0);
  ck_assert_msg (strstr (out, "genesis #0") != NULL && strstr (out, "revocation") != NULL, "git log: %s", out);
}
END_TEST

static char *
device_path (const char *device,
             const char *file)
{
  return g_build_filename (demo_dir, "devices", device, file, NULL);
}

START_TEST (test_devices_verify_with_openssl_and_certtool)
{
  g_autofree char *root = demo_path ("oem/certs/root.pem");

  for (guint i = 1; i <= 8; i++)
    {
      g_autofree char *id = g_strdup_printf ("dist-x-dev-%u", i);
      g_autofree char *cert = device_path (id, "cert.pem");
      g_autofree char *chain = device_path (id, "chain.pem");
      g_autofree char *full = g_build_filename (tmpdir, "full-chain.pem", NULL);
      g_autofree char *chain_text = NULL;
      g_autofree char *root_text = NULL;
      g_autofree char *full_text = NULL;
      g_autofree char *err = NULL;
      int status = test_support_run ((const char *const[]) {
        "openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", root,
        "-untrusted", chain, cert, NULL }, NULL, NULL, &err);

      ck_assert_msg (status == 0, "openssl refused %s: %s", cert, err);
      ck_assert (g_file_get_contents (chain, &chain_text, NULL, NULL));
      ck_assert (g_file_get_contents (root, &root_text, NULL, NULL));
      full_text = g_strconcat (chain_text, root_text, NULL);
      test_support_write_file (full, full_text, strlen (full_text));
      g_clear_pointer (&err, g_free);
      status = test_support_run ((const char *const[]) { "certtool", "--verify-chain", "--infile", full, NULL },
                                 NULL, &err, NULL);
      ck_assert_msg (status == 0, "certtool refused %s: %s", id, err);
    }
}
END_TEST

START_TEST (test_revoked_device_refused_by_openssl)
{
  g_autofree char *root = demo_path ("oem/certs/root.pem");
  g_autofree char *crls = demo_path ("crl/crls.pem");
  g_autofree char *revoked = device_path ("dist-x-dev-3", "cert.pem");
  g_autofree char *revoked_chain = device_path ("dist-x-dev-3", "chain.pem");
  g_autofree char *good = device_path ("dist-x-dev-4", "cert.pem");
  g_autofree char *good_chain = device_path ("dist-x-dev-4", "chain.pem");
  g_autofree char *out = NULL;
  int status;

  status = test_support_run ((const char *const[]) {
    "openssl", "verify", "-crl_check", "-CRLfile", crls, "-CAfile", root,
    "-untrusted", revoked_chain, revoked, NULL }, NULL, NULL, &out);
  ck_assert_int_ne (status, 0);
  ck_assert_msg (strstr (out, "certificate revoked") != NULL, "openssl said: %s", out);

  status = test_support_run ((const char *const[]) {
    "openssl", "verify", "-crl_check", "-CRLfile", crls, "-CAfile", root,
    "-untrusted", good_chain, good, NULL }, NULL, NULL, NULL);
  ck_assert_int_eq (status, 0);
}
END_TEST

START_TEST (test_proof_of_possession_signed_by_root)
{
  g_autofree char *root = demo_path ("oem/certs/root.pem");
  g_autofree char *pop = demo_path ("export/azure-iothub/verification.pem");
  g_autofree char *out = NULL;
  int status;

  status = test_support_run ((const char *const[]) {
    "openssl", "verify", "-CAfile", root, pop, NULL }, NULL, NULL, NULL);
  ck_assert_int_eq (status, 0);
  status = test_support_run ((const char *const[]) {
    "openssl", "x509", "-in", pop, "-noout", "-subject", "-nameopt", "RFC2253", NULL },
    NULL, &out, NULL);
  ck_assert_int_eq (status, 0);
  /* The issuer's name with the code as CN keeps the certificate inside any
   * directoryName constraints above the CA being verified. */
  ck_assert_str_eq (g_strstrip (out),
                    "subject=CN=3A1F9C0B7D2E4F6A8B5C1D0E9F7A6B5C4D3E2F1A0B9C8D7E,O=Widget Ltd");
}
END_TEST

START_TEST (test_audit_of_every_workspace_passes)
{
  g_autofree char *dir = g_build_filename (demo_dir, parties[_i], NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = test_support_run ((const char *const[]) { chain_bin (), "-C", dir, "audit", NULL }, NULL, &out, &err);

  ck_assert_msg (status == 0, "chain audit of %s exited %d: %s%s", parties[_i], status, out, err);
}
END_TEST

START_TEST (test_demo_refuses_non_empty_directory)
{
  g_autofree char *err = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *root = demo_path ("oem/certs/root.pem");
  int status;

  ck_assert (g_file_get_contents (root, &before, NULL, NULL));
  status = test_support_run ((const char *const[]) { chain_bin (), "demo", demo_dir, NULL },
                             NULL, NULL, &err);
  ck_assert_int_eq (status, 1);
  ck_assert_msg (g_str_has_prefix (err, "chain: error: ") && strstr (err, "not empty") != NULL,
                 "stderr: %s", err);
  ck_assert (g_file_get_contents (root, &after, NULL, NULL));
  ck_assert_str_eq (before, after);
}
END_TEST

static Suite *
demo_suite (void)
{
  Suite *suite = suite_create ("demo");
  TCase *tc = tcase_create ("demo");

  /* The demo runs once, in the parent; each case reads what it made. */
  tcase_add_unchecked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_each_party_has_its_own_encrypted_key, 0, G_N_ELEMENTS (parties));
  tcase_add_loop_test (tc, test_every_ledger_synced_and_readable_by_git, 0, G_N_ELEMENTS (parties));
  tcase_add_test (tc, test_devices_verify_with_openssl_and_certtool);
  tcase_add_test (tc, test_revoked_device_refused_by_openssl);
  tcase_add_loop_test (tc, test_audit_of_every_workspace_passes, 0, G_N_ELEMENTS (parties));
  tcase_add_test (tc, test_proof_of_possession_signed_by_root);
  tcase_add_test (tc, test_demo_refuses_non_empty_directory);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (demo_suite ());
}
