/* test-tpm-device.c — device keys born in a TPM, issued by chain, proven to mosquitto
 *
 * A software TPM (swtpm, tests/support/test-tpm.h) stands in for the
 * device's secure silicon. Once, in the fixture:
 *
 * - the OEM, a manufacturer and a distributor (test-custody.h) form the
 *   three tiers; the OEM exports its root with `chain export --target pem`;
 * - device "tpm-dev-1" makes its key inside the TPM and its CSR with
 *   `openssl genpkey/req -provider tpm2 -provider default`, talking straight
 *   to swtpm (no resource manager: openssl flushes what it loads);
 * - device "tpm-dev-2" makes a key with tpm2-tools and makes it persistent
 *   at handle 0x81000002 (tpm2_evictcontrol), its CSR by
 *   `-key handle:0x81000002`; this, and the TLS below, go through tpm2-abrmd
 *   on a session bus of its own, as on a device with an OS;
 * - the distributor issues both with `chain issue --csr-dir`.
 *
 * The tests then check that the TPM never gave out a private key, that
 * the certificates are for the TPM's keys, and that a real mosquitto
 * broker trusting only the OEM root accepts each device when it proves its
 * key in the TLS handshake (`openssl s_client -provider tpm2 -key ...
 * -cert ... -cert_chain ...`, sending an MQTT CONNECT) and refuses it when
 * it presents its leaf without the chain.
 *
 * Why the handshake runs under tpm2-abrmd: straight to swtpm, s_client
 * fails with "tpm2::cannot duplicate context ... tpm:warn(2.0): out of
 * memory for object contexts" (TPM_RC 0x902) in EVP_MD_CTX_copy_ex from
 * tls13_generate_secret. Both providers being loaded, the handshake's
 * transcript hash is fetched from tpm2 (a TPM hash sequence, a transient
 * object), TLS copies it, and the TPM runs out of its three object slots.
 * Making the default provider preferred (`default_properties =
 * ?provider=default`) moves the signature to it as well, which then lacks
 * the private key ("ecdsa_simple_sign_sig: missing private key"): OpenSSL
 * 3.0 does not fetch the signature from the key's provider. abrmd swaps
 * objects out, so the same command succeeds. Seen with OpenSSL 3.0,
 * tpm2-openssl 1.1.1, swtpm 0.7.
 */
#include "test-custody.h"
#include "test-tpm.h"

#include <glib/gstdio.h>

#define PERSISTENT_HANDLE "0x81000002"

static TestCustody *custody;   /* built once, shared read-only by the tests */
static TestTpm     *tpm;       /* the device's TPM, abrmd in front after the fixture */
static char        *files;     /* keys, CSRs, certificates the tests use */

/* ---- The fixture ---------------------------------------------------------------- */

static char *
file_path (const char *name)
{
  return g_build_filename (files, name, NULL);
}

/* Runs @argv with the TPM's environment; fails the test unless it exits 0. */
static void
tpm_ok (const char *const *argv)
{
  g_autofree char *err = NULL;
  int status = test_cli_spawn (files, test_tpm_get_env (tpm), NULL, argv, NULL, &err);

  ck_assert_msg (status == 0, "%s (TCTI %s) exited %d: %s", argv[0], test_tpm_get_tcti (tpm), status, err);
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

/* tpm-dev-1: key and CSR by the tpm2 provider, straight to swtpm. */
static void
make_key_file_device (const char *csr_dir)
{
  g_autofree char *csr = g_build_filename (csr_dir, "tpm-dev-1.csr", NULL);

  tpm_ok ((const char *const[]) { "openssl", "genpkey", "-provider", "tpm2", "-provider", "default",
                                  "-algorithm", "EC", "-pkeyopt", "group:P-256", "-out", "tpm-dev-1.tss.pem", NULL });
  tpm_ok ((const char *const[]) { "openssl", "req", "-provider", "tpm2", "-provider", "default", "-new",
                                  "-key", "tpm-dev-1.tss.pem", "-subj", "/CN=tpm-dev-1", "-out", csr, NULL });
}

/* tpm-dev-2: a key under the owner hierarchy's primary, made persistent. */
static void
make_persistent_device (const char *csr_dir)
{
  g_autofree char *csr = g_build_filename (csr_dir, "tpm-dev-2.csr", NULL);

  tpm_ok ((const char *const[]) { "tpm2_createprimary", "-Q", "-C", "o", "-g", "sha256", "-G", "ecc256",
                                  "-c", "primary.ctx", NULL });
  tpm_ok ((const char *const[]) { "tpm2_create", "-Q", "-C", "primary.ctx", "-G", "ecc256:ecdsa",
                                  "-u", "dev2.pub", "-r", "dev2.priv", NULL });
  tpm_ok ((const char *const[]) { "tpm2_load", "-Q", "-C", "primary.ctx", "-u", "dev2.pub", "-r", "dev2.priv",
                                  "-c", "dev2.ctx", NULL });
  tpm_ok ((const char *const[]) { "tpm2_evictcontrol", "-Q", "-C", "o", "-c", "dev2.ctx", PERSISTENT_HANDLE, NULL });
  tpm_ok ((const char *const[]) { "openssl", "req", "-provider", "tpm2", "-provider", "default", "-new",
                                  "-key", "handle:" PERSISTENT_HANDLE, "-subj", "/CN=tpm-dev-2", "-out", csr, NULL });
}

static void
fixture_setup (void)
{
  g_autofree char *csr_dir = NULL;
  g_autofree char *issued = NULL;
  g_autofree char *export_dir = NULL;
  g_autofree char *server_key = NULL;
  g_autofree char *server = NULL;
  g_autofree char *intermediates = NULL;
  GPtrArray *ca_chain = NULL;

  custody = test_custody_new ();
  files = g_build_filename (custody->dir, "files", NULL);
  ck_assert_int_eq (g_mkdir (files, 0700), 0);
  csr_dir = file_path ("csrs");
  ck_assert_int_eq (g_mkdir (csr_dir, 0700), 0);

  tpm = test_tpm_start ();
  make_key_file_device (csr_dir);
  test_tpm_start_abrmd (tpm);
  make_persistent_device (csr_dir);

  issued = file_path ("issued");
  chain_ok (custody->dist, (const char *const[]) { "issue", "--csr-dir", csr_dir, "-o", issued, NULL });
  export_dir = file_path ("export");
  chain_ok (custody->oem, (const char *const[]) { "export", "--target", "pem", "-o", export_dir, NULL });
  /* What a device sends after its leaf: the distributor's and the
   * manufacturer's CA, not the root the broker has. */
  ca_chain = chain_workspace_get_ca_chain (custody->dist);
  ck_assert_uint_eq (ca_chain->len, 3);
  intermediates = test_custody_write_pem (files, "intermediates.pem", ca_chain->pdata[0], ca_chain->pdata[1], NULL);

  server_key = file_path ("server.key");
  server = file_path ("server.pem");
  tpm_ok ((const char *const[]) { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                  "-nodes", "-keyout", server_key, "-out", server, "-subj", "/CN=127.0.0.1",
                                  "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "extendedKeyUsage=serverAuth",
                                  "-days", "2", NULL });
}

static void
fixture_teardown (void)
{
  g_clear_pointer (&tpm, test_tpm_free);
  g_clear_pointer (&custody, test_custody_free);
  g_clear_pointer (&files, g_free);
}

/* ---- The broker ------------------------------------------------------------------- */

typedef struct {
  TestDaemon *daemon;
  int         port;
  char       *dir;
  char       *log;
} Broker;

/* mosquitto with require_certificate, trusting only the OEM root. */
static void
broker_start (Broker *broker)
{
  g_autofree char *cafile = g_build_filename (files, "export", "pem", "ca.pem", NULL);
  g_autofree char *certfile = file_path ("server.pem");
  g_autofree char *keyfile = file_path ("server.key");
  g_autofree char *conf_path = NULL;
  g_autofree char *daemon_log = NULL;
  g_autoptr(GString) conf = g_string_new (NULL);
  const char *mosquitto = g_file_test ("/usr/sbin/mosquitto", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/sbin/mosquitto" : "mosquitto";

  broker->dir = test_support_tmpdir_new ();
  broker->log = g_build_filename (broker->dir, "broker.log", NULL);
  broker->port = test_daemon_free_port ();
  g_string_append_printf (conf,
                          "listener %d 127.0.0.1\n"
                          "cafile %s\ncertfile %s\nkeyfile %s\n"
                          "require_certificate true\n"
                          "use_identity_as_username true\n"
                          "persistence false\n"
                          "log_dest file %s\n"
                          "log_type all\n",
                          broker->port, cafile, certfile, keyfile, broker->log);
  if (getuid () == 0)
    g_string_append (conf, "user root\n");   /* else it drops to 'mosquitto', who cannot read our 0700 files */
  conf_path = g_build_filename (broker->dir, "mosquitto.conf", NULL);
  test_support_write_file (conf_path, conf->str, conf->len);
  daemon_log = g_build_filename (broker->dir, "stderr.log", NULL);
  broker->daemon = test_daemon_start ("mosquitto", (const char *const[]) { mosquitto, "-c", conf_path, NULL },
                                      NULL, daemon_log);
  test_daemon_wait_port (broker->daemon, broker->port);
}

static void
broker_stop (Broker *broker)
{
  g_clear_pointer (&broker->daemon, test_daemon_stop);
  test_support_tmpdir_remove (broker->dir);
  g_clear_pointer (&broker->dir, g_free);
  g_clear_pointer (&broker->log, g_free);
}

static gsize
log_size (Broker *broker)
{
  g_autofree char *log = NULL;
  gsize len = 0;

  g_file_get_contents (broker->log, &log, &len, NULL);
  return len;
}

/* Whether the broker logged @needle after byte @from; it writes its log on
 * its own time, so this waits a bounded while (10 s). */
static gboolean
log_has (Broker     *broker,
         gsize       from,
         const char *needle,
         char      **out_log)
{
  for (int i = 0; i < 400; i++)
    {
      g_autofree char *log = NULL;
      gsize len = 0;

      if (g_file_get_contents (broker->log, &log, &len, NULL) && len > from && strstr (log + from, needle) != NULL)
        return TRUE;
      if (i == 399)
        *out_log = g_steal_pointer (&log);
      g_usleep (25 * 1000);
    }
  return FALSE;
}

/* An MQTT 3.1.1 CONNECT as @client_id (clean session, keep-alive 60 s),
 * then DISCONNECT: what s_client sends once the handshake is done. */
static char *
write_connect_packet (const char *client_id)
{
  g_autofree char *name = g_strdup_printf ("%s.mqtt", client_id);
  char *path = file_path (name);
  g_autoptr(GByteArray) packet = g_byte_array_new ();
  static const guint8 variable_header[] = { 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c };
  static const guint8 disconnect[] = { 0xe0, 0x00 };
  gsize id_len = strlen (client_id);
  guint8 fixed[2] = { 0x10, (guint8) (sizeof variable_header + 2 + id_len) };
  guint8 id_prefix[2] = { 0x00, (guint8) id_len };

  ck_assert_uint_lt (id_len, 100);   /* a one-byte remaining length */
  g_byte_array_append (packet, fixed, sizeof fixed);
  g_byte_array_append (packet, variable_header, sizeof variable_header);
  g_byte_array_append (packet, id_prefix, sizeof id_prefix);
  g_byte_array_append (packet, (const guint8 *) client_id, (guint) id_len);
  g_byte_array_append (packet, disconnect, sizeof disconnect);
  test_support_write_file (path, packet->data, packet->len);
  return path;
}

/* openssl s_client as device @id with its TPM key @key and its issued
 * certificate, sending @chain_file after it (NULL: the leaf alone). */
static int
connect_device (Broker     *broker,
                const char *id,
                const char *key,
                const char *chain_file,
                char      **err)
{
  g_autofree char *connect = g_strdup_printf ("127.0.0.1:%d", broker->port);
  g_autofree char *server_ca = file_path ("server.pem");
  g_autofree char *cert = g_build_filename (files, "issued", id, "cert.pem", NULL);
  g_autofree char *packet = write_connect_packet (id);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *const fixed[] = { "timeout", "60", "openssl", "s_client", "-provider", "tpm2", "-provider", "default",
                                "-connect", connect, "-CAfile", server_ca, "-verify_return_error",
                                "-key", key, "-cert", cert, "-ign_eof", "-quiet", NULL };

  for (gsize i = 0; fixed[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) fixed[i]);
  if (chain_file != NULL)
    {
      g_ptr_array_add (argv, (char *) "-cert_chain");
      g_ptr_array_add (argv, (char *) chain_file);
    }
  g_ptr_array_add (argv, NULL);
  return test_cli_spawn (files, test_tpm_get_env (tpm), packet, (const char *const *) argv->pdata, NULL, err);
}

static void
assert_accepted (const char *id,
                 const char *key)
{
  Broker broker = { 0 };
  g_autofree char *chain_file = file_path ("intermediates.pem");
  g_autofree char *err = NULL;
  g_autofree char *log = NULL;
  g_autofree char *user = g_strdup_printf ("u'%s'", id);
  int status;

  broker_start (&broker);
  status = connect_device (&broker, id, key, chain_file, &err);
  ck_assert_msg (status == 0, "s_client as %s exited %d: %s", id, status, err);
  /* The handshake passed and the broker took the certificate's CN as the
   * user name of the MQTT session. */
  ck_assert_msg (log_has (&broker, 0, user, &log), "broker log lacks %s: %s; s_client: %s", user, log, err);
  broker_stop (&broker);
}

static void
assert_leaf_alone_refused (const char *id,
                           const char *key)
{
  Broker broker = { 0 };
  g_autofree char *err = NULL;
  g_autofree char *log = NULL;
  g_autofree char *user = g_strdup_printf ("u'%s'", id);
  g_autofree char *all = NULL;
  gsize from;

  broker_start (&broker);
  from = log_size (&broker);
  connect_device (&broker, id, key, NULL, &err);
  /* Refused by the handshake's certificate check; no session began. */
  ck_assert_msg (log_has (&broker, from, "certificate verify failed", &log), "broker log: %s; s_client: %s", log, err);
  g_file_get_contents (broker.log, &all, NULL, NULL);
  ck_assert_msg (strstr (all, user) == NULL, "the broker let %s in: %s", id, all);
  broker_stop (&broker);
}

/* ---- The tests ---------------------------------------------------------------- */

/* The key file is a TPM-wrapped blob: without the TPM it is no key, and
 * the provider gives out no private key from it. */
START_TEST (test_key_stays_in_tpm)
{
  g_autofree char *text = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *exported = file_path ("exported.pem");
  g_autofree char *key_file = file_path ("tpm-dev-1.tss.pem");
  int status;

  g_file_get_contents (key_file, &text, NULL, NULL);
  ck_assert_msg (text != NULL && g_str_has_prefix (text, "-----BEGIN TSS2 PRIVATE KEY-----"), "%s", text);
  status = test_cli_spawn (files, NULL, NULL,
                           (const char *const[]) { "openssl", "pkey", "-in", "tpm-dev-1.tss.pem", "-noout", NULL },
                           NULL, &err);
  ck_assert_msg (status != 0, "openssl read the TPM blob as a key without the TPM");
  status = test_cli_spawn (files, test_tpm_get_env (tpm), NULL,
                           (const char *const[]) { "openssl", "pkey", "-provider", "tpm2", "-provider", "default",
                                                   "-in", "tpm-dev-1.tss.pem", "-out", exported, NULL },
                           &out, NULL);
  if (status == 0)
    {
      g_autofree char *pem = NULL;

      /* The provider may write something: never a plain private key. */
      g_file_get_contents (exported, &pem, NULL, NULL);
      ck_assert_msg (pem == NULL || strstr (pem, "-----BEGIN PRIVATE KEY-----") == NULL,
                     "the TPM key was exported: %s", pem);
      ck_assert_msg (pem == NULL || strstr (pem, "-----BEGIN EC PRIVATE KEY-----") == NULL,
                     "the TPM key was exported: %s", pem);
    }
  /* The persistent key is in the TPM: tpm2-tools lists its handle. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = test_cli_spawn (files, test_tpm_get_env (tpm), NULL,
                           (const char *const[]) { "tpm2_getcap", "handles-persistent", NULL }, &out, &err);
  ck_assert_msg (status == 0, "tpm2_getcap: %s", err);
  ck_assert_msg (strstr (out, PERSISTENT_HANDLE) != NULL, "no persistent key: %s", out);
}
END_TEST

/* What chain issued certifies the TPM's keys, under the OEM root. */
START_TEST (test_issued_for_tpm_keys)
{
  static const char *const ids[] = { "tpm-dev-1", "tpm-dev-2" };
  g_autofree char *root = g_build_filename (files, "export", "pem", "ca.pem", NULL);
  g_autofree char *untrusted = file_path ("intermediates.pem");

  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *csr_name = g_strdup_printf ("csrs/%s.csr", ids[i]);
      g_autofree char *cert = g_build_filename (files, "issued", ids[i], "cert.pem", NULL);
      g_autofree char *csr_key = NULL;
      g_autofree char *cert_key = NULL;
      g_autofree char *err = NULL;
      int status;

      ck_assert_int_eq (test_cli_spawn (files, NULL, NULL,
                                        (const char *const[]) { "openssl", "req", "-in", csr_name, "-noout", "-pubkey", NULL },
                                        &csr_key, NULL), 0);
      ck_assert_int_eq (test_cli_spawn (files, NULL, NULL,
                                        (const char *const[]) { "openssl", "x509", "-in", cert, "-noout", "-pubkey", NULL },
                                        &cert_key, NULL), 0);
      ck_assert_msg (strstr (csr_key, "BEGIN PUBLIC KEY") != NULL, "%s", csr_key);
      ck_assert_str_eq (cert_key, csr_key);
      status = test_cli_spawn (files, NULL, NULL,
                               (const char *const[]) { "openssl", "verify", "-CAfile", root, "-untrusted", untrusted,
                                                       "-purpose", "sslclient", cert, NULL },
                               NULL, &err);
      ck_assert_msg (status == 0, "openssl verify %s: %s", ids[i], err);
    }
}
END_TEST

START_TEST (test_broker_accepts_tpm_key_file)
{
  assert_accepted ("tpm-dev-1", "tpm-dev-1.tss.pem");
}
END_TEST

START_TEST (test_broker_accepts_persistent_handle)
{
  assert_accepted ("tpm-dev-2", "handle:" PERSISTENT_HANDLE);
}
END_TEST

START_TEST (test_broker_refuses_leaf_without_chain)
{
  assert_leaf_alone_refused ("tpm-dev-1", "tpm-dev-1.tss.pem");
  assert_leaf_alone_refused ("tpm-dev-2", "handle:" PERSISTENT_HANDLE);
}
END_TEST

static Suite *
tpm_device_suite (void)
{
  Suite *suite = suite_create ("tpm-device");
  TCase *tc = tcase_create ("tpm-device");

  tcase_add_unchecked_fixture (tc, fixture_setup, fixture_teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_key_stays_in_tpm);
  tcase_add_test (tc, test_issued_for_tpm_keys);
  tcase_add_test (tc, test_broker_accepts_tpm_key_file);
  tcase_add_test (tc, test_broker_accepts_persistent_handle);
  tcase_add_test (tc, test_broker_refuses_leaf_without_chain);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (tpm_device_suite ());
}
