/* test-mosquitto.c — a real TLS peer: mosquitto accepts our devices, refuses others
 *
 * A mosquitto broker on 127.0.0.1 (a free port), started and stopped by
 * each test, with require_certificate and, as its only trust anchor, the
 * OEM root that `chain export --target pem` wrote. Devices made their keys
 * and CSRs with openssl, as on a factory line; the distributor issued them.
 * mosquitto_pub connects as each device:
 *
 * - a device presenting its full chain (leaf, distributor CA, manufacturer
 *   CA) is accepted; one from a foreign CA, or one that omits its
 *   intermediates, is refused;
 * - with the crls.pem of `chain crl` as crlfile, the revoked device is
 *   refused and the others still accepted;
 * - with the manufacturer's crls.pem after it revoked the distributor,
 *   the distributor's devices are refused and the manufacturer's own
 *   accepted.
 *
 * mosquitto sets X509_V_FLAG_CRL_CHECK, which checks only the CRL of the
 * leaf's issuer and refuses a leaf whose issuer has no CRL in the file.
 * crls.pem therefore holds a CRL of every device-issuing CA in force under
 * the exported one, and none of a revoked sub-CA (whose devices are then
 * refused for want of one). Verifiers that check every CA of the chain
 * (CRL_CHECK_ALL) need a CRL from each: the last test assembles that from
 * each custodian's `chain crl` and has openssl verify with it.
 */
#include "test-custody.h"
#include "test-daemon.h"

#include <errno.h>
#include <stdarg.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chain-revoke.h"

#define BROKER_WAIT_STEPS 400   /* of 25 ms: how long a broker may take to listen */

static TestCustody *custody;  /* built once, shared read-only by the tests */
static char *files;           /* certificates, keys and CRLs the tests use */

typedef struct {
  GPid  pid;
  int   port;
  char *dir;
  char *log;
} Broker;

/* ---- The fixture -------------------------------------------------------------- */

static void
run_ok (const char *const *argv)
{
  g_autofree char *err = NULL;
  int status = test_cli_spawn (NULL, NULL, NULL, argv, NULL, &err);

  ck_assert_msg (status == 0, "%s exited %d: %s", argv[0], status, err);
}

static char *
file_path (const char *name)
{
  return g_build_filename (files, name, NULL);
}

/* A device key and CSR made "on the device" with openssl. */
static ChainCsr *
device_csr (const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key_name = g_strdup_printf ("%s.key", id);
  g_autofree char *csr_name = g_strdup_printf ("%s.csr", id);
  g_autofree char *key = file_path (key_name);
  g_autofree char *csr = file_path (csr_name);
  g_autofree char *subject = g_strdup_printf ("/CN=%s", id);
  g_autofree char *text = NULL;
  gsize len = 0;
  ChainCsr *parsed;

  run_ok ((const char *const[]) { "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                  "-nodes", "-keyout", key, "-out", csr, "-subj", subject, NULL });
  ck_assert_int_eq (g_chmod (key, 0600), 0);
  text = test_cli_read_file (csr, &len);
  parsed = chain_csr_parse ((const guint8 *) text, len, &error);
  test_assert_no_error (error);
  return parsed;
}

/* ID.chain: the leaf, then @n intermediates of @chain (CA first). */
static void
write_device_chain (const char *id,
                    ChainCert  *leaf,
                    GPtrArray  *chain,
                    guint       n,
                    const char *suffix)
{
  g_autofree char *name = g_strdup_printf ("%s%s", id, suffix);
  g_autofree char *path = NULL;

  if (n == 0)
    path = test_custody_write_pem (files, name, leaf, NULL);
  else if (n == 1)
    path = test_custody_write_pem (files, name, leaf, chain->pdata[0], NULL);
  else
    path = test_custody_write_pem (files, name, leaf, chain->pdata[0], chain->pdata[1], NULL);
}

static void
issue_from (ChainWorkspace    *ws,
            const char *const *ids)
{
  g_autoptr(GPtrArray) csrs = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_csr_free);
  g_autoptr(GPtrArray) certs = NULL;
  GPtrArray *chain = chain_workspace_get_ca_chain (ws);
  guint n_intermediates = chain->len - 1;   /* the root is not sent */

  for (guint i = 0; ids[i] != NULL; i++)
    g_ptr_array_add (csrs, device_csr (ids[i]));
  certs = test_custody_issue (ws, ids, (ChainCsr **) csrs->pdata, TRUE);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      write_device_chain (ids[i], certs->pdata[i], chain, n_intermediates, ".chain");
      write_device_chain (ids[i], certs->pdata[i], chain, 0, ".leaf");
      if (n_intermediates == 2)
        write_device_chain (ids[i], certs->pdata[i], chain, 1, ".partial");
    }
}

static void
chain_ok (ChainWorkspace    *ws,
          const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add (argv, (char *) "-C");
  g_ptr_array_add (argv, (char *) chain_workspace_get_dir (ws));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  status = test_cli_chain (NULL, (const char *const *) argv->pdata, NULL, &err);
  ck_assert_msg (status == 0, "chain %s exited %d: %s", args[0], status, err);
}

static void
fixture_setup (void)
{
  static const char client_ext[] = "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n";
  static const char *const dist_ids[] = { "good-1", "good-2", "revoked-1", NULL };
  static const char *const cm_ids[] = { "cm-dev-1", NULL };
  g_autofree char *export_dir = NULL;
  g_autofree char *dist_crl = NULL;
  g_autofree char *cm_crl = NULL;
  g_autofree char *cm_crl_before = NULL;
  g_autofree char *oem_crl = NULL;
  g_autofree char *intermediates = NULL;
  GPtrArray *chain = NULL;
  g_autofree char *foreign_key = NULL;
  g_autofree char *foreign_ca = NULL;
  g_autofree char *ext = NULL;
  g_autofree char *server_key = NULL;
  g_autofree char *server = NULL;
  g_autofree char *foreign_csr = NULL;
  g_autofree char *foreign_chain = NULL;
  g_autoptr(ChainCsr) unused = NULL;
  g_autoptr(GError) error = NULL;

  custody = test_custody_new ();
  files = g_build_filename (custody->dir, "files", NULL);
  ck_assert_int_eq (g_mkdir (files, 0700), 0);

  issue_from (custody->dist, dist_ids);
  chain = chain_workspace_get_ca_chain (custody->dist);

  /* The OEM exports its root for a plain MQTT broker. */
  export_dir = file_path ("export");
  chain_ok (custody->oem, (const char *const[]) { "export", "--target", "pem", "-o", export_dir, NULL });

  /* The distributor revokes one device and writes its CRLs. */
  dist_crl = file_path ("dist-crl");
  chain_ok (custody->dist, (const char *const[]) { "revoke", "--reason", "key-compromise", "revoked-1", NULL });
  chain_ok (custody->dist, (const char *const[]) { "crl", "-o", dist_crl, NULL });

  /* The manufacturer takes the distributor's records (its recorded CRL
   * among them), issues a device of its own, writes its (empty) CRL, and
   * then revokes the distributor. The OEM writes its CRL too. */
  chain_ok (custody->cm, (const char *const[]) { "sync", "--no-push", chain_workspace_get_dir (custody->dist), NULL });
  ck_assert (chain_workspace_refresh (custody->cm, NULL, NULL, &error));
  test_assert_no_error (error);
  issue_from (custody->cm, cm_ids);
  oem_crl = file_path ("oem-crl");
  chain_ok (custody->oem, (const char *const[]) { "crl", "-o", oem_crl, NULL });
  cm_crl_before = file_path ("cm-crl-before");
  chain_ok (custody->cm, (const char *const[]) { "crl", "-o", cm_crl_before, NULL });
  cm_crl = file_path ("cm-crl");
  chain_ok (custody->cm, (const char *const[]) { "revoke", "--custodian", "dist", NULL });
  chain_ok (custody->cm, (const char *const[]) { "crl", "-o", cm_crl, NULL });
  intermediates = test_custody_write_pem (files, "dist-intermediates.pem", chain->pdata[0], chain->pdata[1], NULL);

  /* A foreign CA with a device of its own, all by openssl. */
  foreign_key = file_path ("foreign-ca.key");
  foreign_ca = file_path ("foreign-ca.pem");
  run_ok ((const char *const[]) { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                  "-nodes", "-keyout", foreign_key, "-out", foreign_ca, "-subj", "/CN=Foreign Root CA",
                                  "-days", "2", NULL });
  unused = device_csr ("foreign-1");
  ext = file_path ("client.ext");
  test_support_write_file (ext, client_ext, strlen (client_ext));
  foreign_csr = file_path ("foreign-1.csr");
  foreign_chain = file_path ("foreign-1.chain");
  run_ok ((const char *const[]) { "openssl", "x509", "-req", "-in", foreign_csr, "-CA", foreign_ca, "-CAkey", foreign_key,
                                  "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", foreign_chain, NULL });

  /* The broker's own certificate, for 127.0.0.1. */
  server_key = file_path ("server.key");
  server = file_path ("server.pem");
  run_ok ((const char *const[]) { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                  "-nodes", "-keyout", server_key, "-out", server, "-subj", "/CN=127.0.0.1",
                                  "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "extendedKeyUsage=serverAuth",
                                  "-days", "2", NULL });
}

static void
fixture_teardown (void)
{
  g_clear_pointer (&custody, test_custody_free);
  g_clear_pointer (&files, g_free);
}

/* ---- The broker ----------------------------------------------------------------- */

/* The broker dies with the test process, even when a check fails. */
static void
die_with_parent (gpointer user_data)
{
  (void) user_data;
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
broker_start (Broker     *broker,
              const char *crlfile)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf_path = NULL;
  g_autofree char *cafile = g_build_filename (files, "export", "pem", "ca.pem", NULL);
  g_autofree char *certfile = file_path ("server.pem");
  g_autofree char *keyfile = file_path ("server.key");
  g_autoptr(GString) conf = g_string_new (NULL);
  const char *mosquitto = g_file_test ("/usr/sbin/mosquitto", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/sbin/mosquitto" : "mosquitto";

  broker->dir = g_dir_make_tmp ("mosquitto-XXXXXX", &error);
  test_assert_no_error (error);
  broker->log = g_build_filename (broker->dir, "broker.log", NULL);
  broker->port = test_daemon_free_port ();
  g_string_append_printf (conf,
                          "listener %d 127.0.0.1\n"
                          "cafile %s\n"
                          "certfile %s\n"
                          "keyfile %s\n"
                          "require_certificate true\n"
                          "use_identity_as_username true\n"
                          "persistence false\n"
                          "log_dest file %s\n"
                          "log_type all\n",
                          broker->port, cafile, certfile, keyfile, broker->log);
  if (crlfile != NULL)
    g_string_append_printf (conf, "crlfile %s\n", crlfile);
  if (getuid () == 0)
    g_string_append (conf, "user root\n");   /* else it drops to 'mosquitto', who cannot read our 0700 files */
  conf_path = g_build_filename (broker->dir, "mosquitto.conf", NULL);
  test_support_write_file (conf_path, conf->str, conf->len);

  ck_assert (g_spawn_async (NULL, (char *[]) { (char *) mosquitto, (char *) "-c", conf_path, NULL }, NULL,
                            G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL
                            | (mosquitto[0] == '/' ? 0 : G_SPAWN_SEARCH_PATH),
                            die_with_parent, NULL, &broker->pid, &error));
  test_assert_no_error (error);
  for (int i = 0; i < BROKER_WAIT_STEPS && !test_daemon_port_open (broker->port); i++)
    {
      int status = 0;

      if (waitpid (broker->pid, &status, WNOHANG) == broker->pid)
        {
          g_autofree char *log = NULL;

          g_file_get_contents (broker->log, &log, NULL, NULL);
          broker->pid = 0;
          ck_abort_msg ("mosquitto exited (status %d) before listening: %s", status, log != NULL ? log : "(no log)");
        }
      g_usleep (25 * 1000);
    }
  ck_assert_msg (test_daemon_port_open (broker->port), "mosquitto is not listening on port %d", broker->port);
}

static void
broker_stop (Broker *broker)
{
  if (broker->pid > 0)
    {
      kill (broker->pid, SIGTERM);
      waitpid (broker->pid, NULL, 0);
      g_spawn_close_pid (broker->pid);
      broker->pid = 0;
    }
  test_support_tmpdir_remove (broker->dir);
  g_clear_pointer (&broker->dir, g_free);
  g_clear_pointer (&broker->log, g_free);
}

/* mosquitto_pub as device @id presenting @cert_file: its exit status. */
static int
publish (Broker     *broker,
         const char *id,
         const char *cert_suffix,
         char      **err)
{
  g_autofree char *port = g_strdup_printf ("%d", broker->port);
  g_autofree char *cafile = file_path ("server.pem");
  g_autofree char *cert_name = g_strdup_printf ("%s%s", id, cert_suffix);
  g_autofree char *key_name = g_strdup_printf ("%s.key", id);
  g_autofree char *cert = file_path (cert_name);
  g_autofree char *key = file_path (key_name);

  return test_cli_spawn (NULL, NULL, NULL,
                         (const char *const[]) { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "--cafile", cafile,
                                                 "--cert", cert, "--key", key, "-i", id, "-t", "devices/test",
                                                 "-m", "hello", "-q", "1", NULL },
                         NULL, err);
}

static gsize
log_size (Broker *broker)
{
  g_autofree char *log = NULL;
  gsize len = 0;

  g_file_get_contents (broker->log, &log, &len, NULL);
  return len;
}

/* Whether the broker logged @needle after byte @from; it writes its log
 * on its own time, so this waits a bounded while for the line. */
static gboolean
log_has (Broker     *broker,
         gsize       from,
         const char *needle,
         char      **out_log)
{
  for (int i = 0; i < BROKER_WAIT_STEPS; i++)
    {
      g_autofree char *log = NULL;
      gsize len = 0;

      if (g_file_get_contents (broker->log, &log, &len, NULL) && len > from && strstr (log + from, needle) != NULL)
        return TRUE;
      if (i == BROKER_WAIT_STEPS - 1)
        *out_log = g_steal_pointer (&log);
      g_usleep (25 * 1000);
    }
  return FALSE;
}

static void
assert_accepted (Broker     *broker,
                 const char *id)
{
  g_autofree char *err = NULL;
  g_autofree char *log = NULL;
  g_autofree char *user = g_strdup_printf ("u'%s'", id);
  gsize from = log_size (broker);
  int status = publish (broker, id, ".chain", &err);

  ck_assert_msg (status == 0, "mosquitto refused %s (exit %d): %s", id, status, err);
  /* The broker took the certificate's CN as the user name. */
  ck_assert_msg (log_has (broker, from, user, &log), "broker log lacks %s: %s", user, log);
}

static void
assert_refused (Broker     *broker,
                const char *id,
                const char *suffix)
{
  g_autofree char *err = NULL;
  g_autofree char *log = NULL;
  gsize from = log_size (broker);
  int status = publish (broker, id, suffix, &err);

  ck_assert_msg (status != 0, "mosquitto accepted %s%s", id, suffix);
  /* Refused by the TLS handshake's certificate check, nothing else. */
  ck_assert_msg (log_has (broker, from, "certificate verify failed", &log), "broker log: %s", log);
}

/* ---- The tests ----------------------------------------------------------------- */

START_TEST (test_accepts_full_chain)
{
  Broker broker = { 0 };

  broker_start (&broker, NULL);
  assert_accepted (&broker, "good-1");
  assert_accepted (&broker, "cm-dev-1");
  /* Without a CRL the broker cannot know of the revocation. */
  assert_accepted (&broker, "revoked-1");
  broker_stop (&broker);
}
END_TEST

START_TEST (test_refuses_foreign_device)
{
  Broker broker = { 0 };

  broker_start (&broker, NULL);
  assert_refused (&broker, "foreign-1", ".chain");
  broker_stop (&broker);
}
END_TEST

START_TEST (test_refuses_missing_intermediates)
{
  Broker broker = { 0 };

  broker_start (&broker, NULL);
  assert_refused (&broker, "good-1", ".leaf");
  assert_refused (&broker, "good-1", ".partial");
  assert_refused (&broker, "cm-dev-1", ".leaf");
  assert_accepted (&broker, "good-1");
  broker_stop (&broker);
}
END_TEST

START_TEST (test_crlfile_refuses_revoked_device)
{
  Broker broker = { 0 };
  g_autofree char *crls = g_build_filename (files, "dist-crl", "crls.pem", NULL);

  broker_start (&broker, crls);
  assert_refused (&broker, "revoked-1", ".chain");
  assert_accepted (&broker, "good-1");
  assert_accepted (&broker, "good-2");
  broker_stop (&broker);
}
END_TEST

START_TEST (test_crlfile_refuses_under_revoked_sub_ca)
{
  Broker broker = { 0 };
  g_autofree char *crls = g_build_filename (files, "cm-crl", "crls.pem", NULL);

  broker_start (&broker, crls);
  assert_accepted (&broker, "cm-dev-1");
  assert_refused (&broker, "good-1", ".chain");
  broker_stop (&broker);
}
END_TEST

/* openssl verify -crl_check_all of dist's device @id with the CRL files
 * given (NULL-terminated), joined into one: its exit status. */
static int
verify_all (const char *id,
            char      **err,
            ...)
{
  g_autofree char *root = g_build_filename (files, "export", "pem", "ca.pem", NULL);
  g_autofree char *untrusted = file_path ("dist-intermediates.pem");
  g_autofree char *leaf_name = g_strdup_printf ("%s.leaf", id);
  g_autofree char *leaf = file_path (leaf_name);
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *crls = g_build_filename (dir, "crls.pem", NULL);
  g_autoptr(GString) joined = g_string_new (NULL);
  va_list args;
  int status;

  va_start (args, err);
  for (const char *name = va_arg (args, const char *); name != NULL; name = va_arg (args, const char *))
    {
      g_autofree char *path = g_build_filename (files, name, NULL);
      g_autofree char *text = test_cli_read_file (path, NULL);

      g_string_append (joined, text);
    }
  va_end (args);
  test_support_write_file (crls, joined->str, joined->len);
  status = test_cli_spawn (NULL, NULL, NULL,
                           (const char *const[]) { "openssl", "verify", "-crl_check_all", "-CAfile", root,
                                                   "-untrusted", untrusted, "-CRLfile", crls, leaf, NULL },
                           NULL, err);
  test_support_tmpdir_remove (dir);
  return status;
}

/* CRL_CHECK_ALL wants a CRL of every CA in the chain: the distributor's
 * crls.pem alone is not enough; with the OEM's and the manufacturer's
 * `chain crl` added it is; once the manufacturer revoked the distributor,
 * its new CRL refuses every device under it. */
START_TEST (test_crl_check_all)
{
  g_autofree char *err = NULL;

  ck_assert_int_ne (verify_all ("good-1", &err, "dist-crl/crls.pem", NULL), 0);
  ck_assert_msg (strstr (err, "unable to get certificate CRL") != NULL, "openssl: %s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (verify_all ("good-1", &err, "dist-crl/crls.pem", "oem-crl/crl.pem", "cm-crl-before/crl.pem", NULL) == 0,
                 "openssl: %s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_int_ne (verify_all ("revoked-1", &err, "dist-crl/crls.pem", "oem-crl/crl.pem", "cm-crl-before/crl.pem", NULL), 0);
  ck_assert_msg (strstr (err, "certificate revoked") != NULL, "openssl: %s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_int_ne (verify_all ("good-1", &err, "dist-crl/crls.pem", "oem-crl/crl.pem", "cm-crl/crl.pem", NULL), 0);
  ck_assert_msg (strstr (err, "certificate revoked") != NULL, "openssl: %s", err);
}
END_TEST

static Suite *
mosquitto_suite (void)
{
  Suite *suite = suite_create ("mosquitto");
  TCase *tc = tcase_create ("broker");

  tcase_add_unchecked_fixture (tc, fixture_setup, fixture_teardown);
  tcase_add_test (tc, test_accepts_full_chain);
  tcase_add_test (tc, test_refuses_foreign_device);
  tcase_add_test (tc, test_refuses_missing_intermediates);
  tcase_add_test (tc, test_crlfile_refuses_revoked_device);
  tcase_add_test (tc, test_crlfile_refuses_under_revoked_sub_ca);
  tcase_add_test (tc, test_crl_check_all);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (mosquitto_suite ());
}
