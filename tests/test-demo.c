/* test-demo.c — `chain demo` end to end, through the built binary
 *
 * The demo is the README's main command: it must run the three-tier story,
 * keep keys private and encrypted, and produce devices that independent
 * verifiers (openssl, GnuTLS certtool) accept — and refuse the revoked one.
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
  ck_assert_ptr_nonnull (strstr (out, "verified: 7 devices accepted, 1 refused as revoked"));
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&demo_dir, g_free);
}

static const char *const parties[] = { "oem", "cm-widget", "cm-gadget", "distributor" };

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

static char *
write_chain_file (const char *name, const char *const *parts)
{
  g_autoptr(GString) bundle = g_string_new (NULL);
  char *path = g_build_filename (tmpdir, name, NULL);

  for (gsize i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *part_path = demo_path (parts[i]);
      g_autofree char *text = NULL;

      ck_assert (g_file_get_contents (part_path, &text, NULL, NULL));
      g_string_append (bundle, text);
    }
  test_support_write_file (path, bundle->str, bundle->len);
  return path;
}

START_TEST (test_devices_verify_with_openssl)
{
  g_autofree char *intermediates = write_chain_file ("intermediates.pem",
    (const char *const[]) { "distributor/ca.pem", "cm-widget/ca.pem", NULL });
  g_autofree char *root = demo_path ("oem/ca.pem");

  for (guint i = 1; i <= 8; i++)
    {
      g_autofree char *device = g_strdup_printf ("%s/devices/sensor-%04u.pem", demo_dir, i);
      g_autofree char *err = NULL;
      int status = test_support_run ((const char *const[]) {
        "openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", root,
        "-untrusted", intermediates, device, NULL }, NULL, NULL, &err);

      ck_assert_msg (status == 0, "openssl refused %s: %s", device, err);
    }
}
END_TEST

START_TEST (test_devices_verify_with_certtool)
{
  g_autofree char *out = NULL;

  for (guint i = 1; i <= 8; i++)
    {
      g_autofree char *device = g_strdup_printf ("devices/sensor-%04u.pem", i);
      g_autofree char *chain = write_chain_file ("chain.pem", (const char *const[]) {
        device, "distributor/ca.pem", "cm-widget/ca.pem", "oem/ca.pem", NULL });
      int status = test_support_run ((const char *const[]) {
        "certtool", "--verify-chain", "--infile", chain, NULL }, NULL, &out, NULL);

      ck_assert_msg (status == 0, "certtool refused device %u: %s", i, out);
      g_clear_pointer (&out, g_free);
    }
}
END_TEST

START_TEST (test_revoked_device_refused_by_openssl)
{
  g_autofree char *intermediates = write_chain_file ("intermediates.pem",
    (const char *const[]) { "distributor/ca.pem", "cm-widget/ca.pem", NULL });
  g_autofree char *root = demo_path ("oem/ca.pem");
  g_autofree char *crl = demo_path ("distributor/devices.crl");
  g_autofree char *revoked = demo_path ("devices/sensor-0003.pem");
  g_autofree char *good = demo_path ("devices/sensor-0004.pem");
  g_autofree char *out = NULL;
  int status;

  status = test_support_run ((const char *const[]) {
    "openssl", "verify", "-crl_check", "-CRLfile", crl, "-CAfile", root,
    "-untrusted", intermediates, revoked, NULL }, NULL, NULL, &out);
  ck_assert_int_ne (status, 0);
  ck_assert_msg (strstr (out, "certificate revoked") != NULL, "openssl said: %s", out);

  status = test_support_run ((const char *const[]) {
    "openssl", "verify", "-crl_check", "-CRLfile", crl, "-CAfile", root,
    "-untrusted", intermediates, good, NULL }, NULL, NULL, NULL);
  ck_assert_int_eq (status, 0);
}
END_TEST

START_TEST (test_proof_of_possession_signed_by_root)
{
  g_autofree char *root = demo_path ("oem/ca.pem");
  g_autofree char *pop = demo_path ("oem/verification.pem");
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
                    "subject=CN=3A1F9C0B7D2E4F6A8B5C1D0E9F7A6B5C4D3E2F1A0B9C8D7E,O=Acme Devices,C=DE");
}
END_TEST

START_TEST (test_demo_refuses_non_empty_directory)
{
  g_autofree char *err = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *root = demo_path ("oem/ca.pem");
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

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_each_party_has_its_own_encrypted_key, 0, G_N_ELEMENTS (parties));
  tcase_add_test (tc, test_devices_verify_with_openssl);
  tcase_add_test (tc, test_devices_verify_with_certtool);
  tcase_add_test (tc, test_revoked_device_refused_by_openssl);
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
