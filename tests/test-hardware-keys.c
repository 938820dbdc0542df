/* test-hardware-keys.c — keys that never leave hardware, end to end
 *
 * A real SoftHSM2 (its own SOFTHSM2_CONF and token directory) holds the OEM
 * root and the manufacturer's issuing CA, and their officers; a real swtpm
 * on a free loopback port, with no resource manager, holds a second officer
 * of the manufacturer, who signs the device batch's record and commit.
 * The unchecked fixture runs the story once with `chain`; the cases judge
 * it with openssl, certtool, gpgsm (git verify-commit) and pkcs11-tool,
 * and provoke every documented error: each exits 1 with one line and
 * records nothing. Last, a token pulled out and a TPM stopped in the
 * middle of `chain issue`: one line, exit 1, every batch recorded whole,
 * and the next command finishes what the run left.
 */
#include "test-cli.h"
#include "test-tpm.h"
#include "chain-ledger-state-private.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define PIN "1234"
#define SO_PIN "12345678"
#define SOFTHSM_MODULE "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"

static char *tmpdir;
static char *pin_path;
static char *wrong_pin_path;
static TestTpm *tpm;
static char *root_uri;
static char *cm_uri;

static char *
path_in (const char *relative)
{
  return g_build_filename (tmpdir, relative, NULL);
}

static void
run_ok (const char *const *argv)
{
  g_autofree char *err = NULL;
  int status = test_support_run (argv, NULL, NULL, &err);

  ck_assert_msg (status == 0, "%s exited %d: %s", argv[0], status, err);
}

/* `chain ARGS` in the story directory, PIN from the right file. */
static int
chain (const char *const *args,
       char             **out,
       char             **err)
{
  return test_cli_chain (tmpdir, args, out, err);
}

static void
chain_ok (const char *const *args)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = chain (args, &out, &err);

  ck_assert_msg (status == 0, "chain %s %s exited %d: %s", args[0], args[1] != NULL ? args[1] : "", status, err);
}

/* ---- SoftHSM2 and swtpm --------------------------------------------------------- */

static void
start_softhsm (void)
{
  g_autofree char *conf = path_in ("softhsm2.conf");
  g_autofree char *tokens = path_in ("tokens");
  g_autofree char *text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
                                           tokens);
  const char *labels[] = { "oem-root", "cm-a" };

  ck_assert_int_eq (g_mkdir (tokens, 0700), 0);
  test_support_write_file (conf, text, strlen (text));
  g_setenv ("SOFTHSM2_CONF", conf, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    run_ok ((const char *const[]) { "softhsm2-util", "--init-token", "--free", "--label", labels[i],
                                    "--so-pin", SO_PIN, "--pin", PIN, NULL });
}

/* A real swtpm, straight to the TPM with no resource manager: whatever
 * libchain loads it must flush. */
static void
start_swtpm (void)
{
  tpm = test_tpm_start ();
  g_setenv ("TPM2OPENSSL_TCTI", test_tpm_get_tcti (tpm), TRUE);
  g_setenv ("TPM2TOOLS_TCTI", test_tpm_get_tcti (tpm), TRUE);
}

static void
stop_swtpm (void)
{
  g_clear_pointer (&tpm, test_tpm_free);
}

/* ---- The story --------------------------------------------------------------------- */

/* The default policy with one algorithm only: ec-p256. */
static const char *policy_json =
  "{\"algorithms\":[\"ec-p256\"],\"devices\":{\"id_rules\":\"iot-hub\",\"max_validity_days\":3650},"
  "\"thresholds\":{\"annotation\":1,\"approval\":1,\"delegation\":1,\"delegation-request\":1,"
  "\"device-batch\":1,\"export\":1,\"key-rotation\":1,\"officer\":1,\"policy\":1,\"pop\":1,\"revocation\":1},"
  "\"tiers\":[{\"delegates_to\":[\"manufacturer\"],\"issues_devices\":false,\"max_path_len\":2,"
  "\"max_validity_days\":7305,\"name\":\"oem\",\"require_name_constraints\":false},"
  "{\"delegates_to\":[\"distributor\"],\"issues_devices\":true,\"max_path_len\":1,"
  "\"max_validity_days\":3653,\"name\":\"manufacturer\",\"require_name_constraints\":true},"
  "{\"delegates_to\":[],\"issues_devices\":true,\"max_path_len\":0,\"max_validity_days\":1827,"
  "\"name\":\"distributor\",\"require_name_constraints\":true}],\"version\":1}";

static void
story_setup (void)
{
  g_autofree char *policy = NULL;

  tmpdir = test_support_tmpdir_new ();
  pin_path = path_in ("pin");
  wrong_pin_path = path_in ("wrong-pin");
  test_support_write_file (pin_path, PIN "\n", strlen (PIN "\n"));
  test_support_write_file (wrong_pin_path, "9999\n", 5);
  g_chmod (pin_path, 0600);
  g_chmod (wrong_pin_path, 0600);
  policy = path_in ("policy.json");
  test_support_write_file (policy, policy_json, strlen (policy_json));
  start_softhsm ();
  start_swtpm ();
  root_uri = g_strdup ("pkcs11:token=oem-root;object=root-ca?module-path=" SOFTHSM_MODULE);
  cm_uri = g_strdup ("pkcs11:token=cm-a;object=cm-a-ca?module-path=" SOFTHSM_MODULE);

  chain_ok ((const char *const[]) { "-C", "oem", "--pin-file", pin_path, "init", "--org", "Widget Ltd",
                                    "--policy", policy, "--key-store", root_uri, NULL });
  chain_ok ((const char *const[]) { "-C", "cm-a", "--pin-file", pin_path, "request", "--org", "CM A",
                                    "--tier", "manufacturer", "--key-store", cm_uri, "-o", "cm-a.request", NULL });
  chain_ok ((const char *const[]) { "-C", "oem", "--pin-file", pin_path, "delegate", "cm-a.request",
                                    "-o", "cm-a.grant", NULL });
  chain_ok ((const char *const[]) { "-C", "cm-a", "--pin-file", pin_path, "accept", "cm-a.grant", NULL });
  /* One custodian on the TPM: the manufacturer's second officer. */
  chain_ok ((const char *const[]) { "-C", "cm-a", "--pin-file", pin_path, "officer", "add", "tina",
                                    "--key-store", "tpm2", NULL });
  chain_ok ((const char *const[]) { "-C", "cm-a", "--pin-file", pin_path, "issue", "--officer", "tina",
                                    "--count", "3", "--prefix", "dev-", "-o", "devices", NULL });
  chain_ok ((const char *const[]) { "-C", "cm-a", "--pin-file", pin_path, "revoke", "dev-3", NULL });
  chain_ok ((const char *const[]) { "-C", "cm-a", "--pin-file", pin_path, "crl", "-o", "crl", NULL });
  chain_ok ((const char *const[]) { "-C", "oem", "--pin-file", pin_path, "crl", "-o", "oem-crl", NULL });
}

static void
story_teardown (void)
{
  stop_swtpm ();
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&pin_path, g_free);
  g_clear_pointer (&wrong_pin_path, g_free);
  g_clear_pointer (&root_uri, g_free);
  g_clear_pointer (&cm_uri, g_free);
}

/* ---- The real peers judge it --------------------------------------------------------------- */

START_TEST (test_audit_passes)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  ck_assert_int_eq (chain ((const char *const[]) { "-C", "cm-a", "audit", NULL }, &out, &err), 0);
  ck_assert_ptr_nonnull (strstr (out, "audit passed"));
}
END_TEST

START_TEST (test_openssl_verifies_devices_and_crls)
{
  g_autofree char *root = path_in ("oem/certs/root.pem");
  g_autofree char *ca = path_in ("cm-a/certs/ca.pem");
  g_autofree char *crls = path_in ("crls.pem");
  g_autofree char *cm_crl = path_in ("crl/crl.pem");
  g_autofree char *oem_crl = path_in ("oem-crl/crl.pem");
  g_autofree char *a = test_cli_read_file (cm_crl, NULL);
  g_autofree char *b = test_cli_read_file (oem_crl, NULL);
  g_autofree char *both = g_strconcat (a, b, NULL);

  test_support_write_file (crls, both, strlen (both));
  for (int i = 1; i <= 3; i++)
    {
      g_autofree char *leaf = g_strdup_printf ("%s/devices/dev-%d/cert.pem", tmpdir, i);
      const char *argv[] = { "openssl", "verify", "-crl_check_all", "-CRLfile", crls, "-CAfile", root,
                             "-untrusted", ca, leaf, NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status = test_support_run (argv, NULL, &out, &err);

      /* dev-3 is revoked: the CRL the token signed says so. */
      g_autofree char *both_out = g_strconcat (out != NULL ? out : "", err != NULL ? err : "", NULL);

      if (i == 3)
        ck_assert_msg (status != 0 && strstr (both_out, "revoked") != NULL, "dev-3: %s", both_out);
      else
        ck_assert_msg (status == 0, "dev-%d: %s %s", i, out, err);
    }
}
END_TEST

START_TEST (test_certtool_verifies_chain)
{
  g_autofree char *chain_path = g_strdup_printf ("%s/devices/dev-1/chain.pem", tmpdir);
  g_autofree char *root = path_in ("oem/certs/root.pem");
  g_autofree char *full = path_in ("full-chain.pem");
  g_autofree char *a = test_cli_read_file (chain_path, NULL);
  g_autofree char *b = test_cli_read_file (root, NULL);
  g_autofree char *text = g_strconcat (a, b, NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "certtool", "--verify-chain", "--infile", full, NULL };

  test_support_write_file (full, text, strlen (text));
  ck_assert_msg (test_support_run (argv, NULL, &out, &err) == 0, "certtool: %s %s", out, err);
  ck_assert_ptr_nonnull (strstr (out, "Chain verification output: Verified"));
}
END_TEST

/* Every commit of the manufacturer's ledger (signed by token and TPM officers)
 * passes git verify-commit with gpgsm trusting only the root. */
START_TEST (test_git_verify_commit)
{
  char *home = g_strdup ("/tmp/hwkeys-gpg-XXXXXX");
  g_autofree char *conf = NULL;
  g_autofree char *trust = NULL;
  g_autofree char *root = path_in ("oem/certs/root.pem");
  g_autofree char *ledger = path_in ("cm-a/ledger.git");
  g_autofree char *fingerprint = NULL;
  g_autofree char *trustlist = NULL;
  g_autofree char *ids_text = NULL;
  g_auto(GStrv) ids = NULL;
  const char *fp_argv[] = { "openssl", "x509", "-noout", "-fingerprint", "-sha1", "-in", root, NULL };
  const char *log_argv[] = { "git", "-C", ledger, "rev-list", "main", NULL };
  const char *import[] = { "gpgsm", "--batch", "--import", root, NULL };
  guint n = 0;

  ck_assert_int_eq (test_support_run (fp_argv, NULL, &fingerprint, NULL), 0);
  g_strstrip (fingerprint);
  trustlist = g_strdup_printf ("%s S\n", strchr (fingerprint, '=') + 1);
  ck_assert_ptr_nonnull (g_mkdtemp_full (home, 0700));
  g_setenv ("GNUPGHOME", home, TRUE);
  conf = g_build_filename (home, "gpgsm.conf", NULL);
  test_support_write_file (conf, "disable-crl-checks\ndisable-dirmngr\nignore-cert-extension 2.5.29.30\n",
                           strlen ("disable-crl-checks\ndisable-dirmngr\nignore-cert-extension 2.5.29.30\n"));
  trust = g_build_filename (home, "trustlist.txt", NULL);
  test_support_write_file (trust, trustlist, strlen (trustlist));
  ck_assert_int_eq (test_support_run (import, NULL, NULL, NULL), 0);
  ck_assert_int_eq (test_support_run (log_argv, NULL, &ids_text, NULL), 0);
  ids = g_strsplit (g_strstrip (ids_text), "\n", -1);
  for (guint i = 0; ids[i] != NULL; i++, n++)
    {
      const char *verify[] = { "git", "-C", ledger, "-c", "gpg.format=x509", "-c", "gpg.x509.program=gpgsm",
                               "verify-commit", "--raw", ids[i], NULL };
      g_autofree char *err = NULL;
      int status = test_support_run (verify, NULL, NULL, &err);

      ck_assert_msg (status == 0 && strstr (err, "GOODSIG") != NULL,
                     "git verify-commit %s exited %d: %s", ids[i], status, err);
    }
  /* genesis, delegation request, delegation, acceptance, officer, batch, revocation */
  ck_assert_uint_ge (n, 7);
  {
    const char *gpgconf[] = { "gpgconf", "--kill", "all", NULL };

    test_support_run (gpgconf, NULL, NULL, NULL);
  }
  test_support_tmpdir_remove (home);
  g_free (home);
}
END_TEST

/* pkcs11-tool sees the CA keys sensitive and never extractable. */
START_TEST (test_token_keys_not_extractable)
{
  const char *labels[] = { "oem-root", "cm-a" };

  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      const char *argv[] = { "pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", labels[i],
                             "--login", "--pin", PIN, "--list-objects", "--type", "privkey", NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      ck_assert_msg (test_support_run (argv, NULL, &out, &err) == 0, "pkcs11-tool: %s", err);
      ck_assert_msg (strstr (out, "Private Key Object") != NULL, "%s", out);
      ck_assert_msg (strstr (out, "never extractable") != NULL && strstr (out, "sensitive") != NULL
                     && strstr (out, " extractable") == strstr (out, "never extractable") + strlen ("never"),
                     "%s", out);
    }
}
END_TEST

/* No file of a hardware workspace holds a private key: only where the
 * keys are (URIs), and the TPM's wrapped blob, which only that TPM opens. */
START_TEST (test_no_private_key_in_workspace)
{
  const char *workspaces[] = { "oem", "cm-a" };

  for (gsize i = 0; i < G_N_ELEMENTS (workspaces); i++)
    {
      g_autofree char *dir = path_in (workspaces[i]);
      const char *argv[] = { "grep", "-rlE", "BEGIN (ENCRYPTED |EC |RSA )?PRIVATE KEY|pin-value", dir, NULL };
      g_autofree char *out = NULL;

      ck_assert_msg (test_support_run (argv, NULL, &out, NULL) == 1, "private material in: %s", out);
    }
}
END_TEST

START_TEST (test_status_shows_where_keys_live)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  ck_assert_int_eq (chain ((const char *const[]) { "-C", "cm-a", "status", NULL }, &out, &err), 0);
  ck_assert_msg (strstr (out, "pkcs11:token=cm-a;object=cm-a-ca") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "tpm2") != NULL, "%s", out);
}
END_TEST

/* ---- Bad input: one line, exit 1, nothing recorded ------------------------------------------- */

typedef struct {
  const char *name;
  const char *workspace;          /* an existing workspace, or NULL: init a new one */
  const char *args[12];           /* after -C DIR --pin-file FILE; "{uri}" etc. replaced */
  gboolean    wrong_pin;
  const char *needle;
  const char *tcti;               /* (nullable) TPM2OPENSSL_TCTI for this case */
} BadCase;

static const BadCase bad_cases[] = {
  { "wrong PIN", "oem", { "annotate", "note", NULL }, TRUE, "wrong PIN for token 'oem-root'", NULL },
  { "module missing", NULL, { "init", "--org", "X", "--key-store",
      "pkcs11:token=oem-root;object=x?module-path=/nonexistent/libnothing.so", NULL }, FALSE,
    "cannot load the PKCS#11 module /nonexistent/libnothing.so", NULL },
  { "token missing", NULL, { "init", "--org", "X", "--key-store",
      "pkcs11:token=no-such-token;object=x?module-path=" SOFTHSM_MODULE, NULL }, FALSE,
    "no PKCS#11 token labelled 'no-such-token'", NULL },
  { "pin-value in the URI", NULL, { "init", "--org", "X", "--key-store",
      "pkcs11:token=oem-root;object=x?pin-value=1234&module-path=" SOFTHSM_MODULE, NULL }, FALSE,
    "a PIN in a PKCS#11 URI", NULL },
  { "URI names a public key", NULL, { "init", "--org", "X", "--key-store",
      "pkcs11:token=oem-root;object=root-ca;type=public?module-path=" SOFTHSM_MODULE, NULL }, FALSE,
    "names a public key or certificate, not a private key", NULL },
  { "label names only a certificate", NULL, { "init", "--org", "X", "--key-store",
      "pkcs11:token=oem-root;object=a-cert?module-path=" SOFTHSM_MODULE, NULL }, FALSE,
    "is a certificate, not a private key", NULL },
  { "no TPM", NULL, { "init", "--org", "X", "--key-store", "tpm2", NULL }, FALSE,
    "cannot reach the TPM", "swtpm:host=127.0.0.1,port=1" },
  { "TPM handle missing", NULL, { "init", "--org", "X", "--key-store", "tpm2:0x81000077", NULL }, FALSE,
    "the TPM holds no key at persistent handle 0x81000077", NULL },
};

/* A certificate object in the oem-root token, for the case that names it. */
static void
import_certificate_object (void)
{
  g_autofree char *der = path_in ("root.der");
  g_autofree char *root = path_in ("oem/certs/root.pem");
  const char *convert[] = { "openssl", "x509", "-in", root, "-outform", "DER", "-out", der, NULL };
  const char *list[] = { "pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", "oem-root",
                         "--list-objects", "--type", "cert", NULL };
  const char *write[] = { "pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", "oem-root", "--login",
                          "--pin", PIN, "--write-object", der, "--type", "cert", "--label", "a-cert", NULL };
  g_autofree char *out = NULL;

  run_ok (convert);
  ck_assert_int_eq (test_support_run (list, NULL, &out, NULL), 0);
  if (strstr (out, "a-cert") == NULL)
    run_ok (write);
}

START_TEST (test_bad_input)
{
  const BadCase *c = &bad_cases[_i];
  g_autofree char *dir = g_strdup_printf ("%s/%s", tmpdir, c->workspace != NULL ? c->workspace : "fresh");
  g_autofree char *before = c->workspace != NULL ? test_cli_ledger_state (dir) : NULL;
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  g_autofree char *tcti_env = c->tcti != NULL ? g_strdup_printf ("TPM2OPENSSL_TCTI=%s", c->tcti) : NULL;
  const char *env[] = { tcti_env, NULL };
  const char *args[20] = { "-C", dir, "--pin-file", c->wrong_pin ? wrong_pin_path : pin_path, NULL };
  guint n = 4;
  int status;

  import_certificate_object ();
  for (guint i = 0; c->args[i] != NULL; i++)
    args[n++] = c->args[i];
  args[n] = NULL;
  status = test_cli_chain_env (tmpdir, tcti_env != NULL ? env : NULL, NULL, args, NULL, &err);
  ck_assert_msg (status == 1, "%s: exit %d: %s", c->name, status, err);
  test_cli_assert_error_line (c->name, err, c->needle);
  if (c->workspace != NULL)
    {
      after = test_cli_ledger_state (dir);
      ck_assert_str_eq (before, after);
    }
  else
    ck_assert_msg (!g_file_test (dir, G_FILE_TEST_EXISTS), "%s: %s was left behind", c->name, dir);
}
END_TEST

/* A key the workspace points at is gone from the token: an error, no crash. */
START_TEST (test_object_missing)
{
  g_autofree char *copy = path_in ("oem-copy");
  g_autofree char *src = path_in ("oem");
  g_autofree char *ref = path_in ("oem-copy/private/officer-officer.keyref");
  g_autofree char *text = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  const char *fixed = "{\"store\": \"pkcs11\", \"uri\": \"pkcs11:token=oem-root;object=gone?module-path="
                      SOFTHSM_MODULE "\"}";

  if (!g_file_test (copy, G_FILE_TEST_EXISTS))
    test_cli_copy_tree (src, copy);
  text = test_cli_read_file (ref, NULL);
  test_support_write_file (ref, fixed, strlen (fixed));
  before = test_cli_ledger_state (copy);
  ck_assert_int_eq (chain ((const char *const[]) { "-C", "oem-copy", "--pin-file", pin_path, "annotate", "x", NULL },
                           NULL, &err), 1);
  test_cli_assert_error_line ("object missing", err, "token 'oem-root' holds no private key 'gone'; insert the token, "
                              "or list tokens and keys with 'chain key list --pin-file FILE'");
  after = test_cli_ledger_state (copy);
  ck_assert_str_eq (before, after);
}
END_TEST

/* The policy allows ec-p256 only: a manufacturer whose token key is P-384 is refused. */
START_TEST (test_algorithm_refused_by_policy)
{
  g_autofree char *err = NULL;
  g_autofree char *oem = path_in ("oem");
  g_autofree char *before = test_cli_ledger_state (oem);
  g_autofree char *after = NULL;
  int status;

  if (!g_file_test (tmpdir, G_FILE_TEST_IS_DIR))
    return;
  run_ok ((const char *const[]) { "softhsm2-util", "--init-token", "--free", "--label", "cm-b",
                                  "--so-pin", SO_PIN, "--pin", PIN, NULL });
  chain_ok ((const char *const[]) { "-C", "cm-b", "--pin-file", pin_path, "request", "--org", "CM B",
                                    "--tier", "manufacturer", "--algorithm", "ec-p384", "--key-store",
                                    "pkcs11:token=cm-b;object=cm-b-ca?module-path=" SOFTHSM_MODULE,
                                    "-o", "cm-b.request", NULL });
  status = chain ((const char *const[]) { "-C", "oem", "--pin-file", pin_path, "delegate", "cm-b.request",
                                          "-o", "cm-b.grant", NULL }, NULL, &err);
  ck_assert_msg (status == 1 || status == 3, "exit %d: %s", status, err);
  test_cli_assert_error_line ("algorithm refused", err, "ec-p384");
  after = test_cli_ledger_state (oem);
  ck_assert_str_eq (before, after);
}
END_TEST

/* A policy that wants the root's keys in hardware refuses a file root
 * (rule key-store.hardware), and takes one on the TPM; the TPM custodian's
 * records say where its keys live, and the audit passes. */
START_TEST (test_policy_requires_hardware)
{
  g_autofree char *err = NULL;
  g_autofree char *file_ws = path_in ("hw-file");
  g_autofree char *statement = NULL;
  g_autofree char *ledger = path_in ("hw-tpm/ledger.git");
  const char *show[] = { "git", "-C", ledger, "show",
                         "main:records/0000/00/00000000-genesis/statement.json", NULL };
  int status;

  status = chain ((const char *const[]) { "-C", "hw-file", "init", "--org", "File Root",
                                          "--require-hardware", "oem", NULL }, NULL, &err);
  /* A rule refusing what was asked: exit 1, not 3 (verification failed). */
  ck_assert_msg (status == 1, "exit %d: %s", status, err);
  test_cli_assert_error_line ("file root", err, "rule key-store.hardware");
  ck_assert (!g_file_test (file_ws, G_FILE_TEST_EXISTS));

  chain_ok ((const char *const[]) { "-C", "hw-tpm", "init", "--org", "TPM Root", "--require-hardware", "oem",
                                    "--key-store", "tpm2", NULL });
  ck_assert_int_eq (test_support_run (show, NULL, &statement, NULL), 0);
  ck_assert_msg (strstr (statement, "\"key_stores\":{\"ca\":\"tpm2\",\"officer\":\"tpm2\"}") != NULL, "%s", statement);
  g_clear_pointer (&err, g_free);
  status = chain ((const char *const[]) { "-C", "hw-tpm", "officer", "add", "filey", NULL }, NULL, &err);
  ck_assert_msg (status == 1, "exit %d: %s", status, err);
  test_cli_assert_error_line ("file officer", err, "rule key-store.hardware");
  chain_ok ((const char *const[]) { "-C", "hw-tpm", "officer", "add", "tpmy", "--key-store", "tpm2", NULL });
  chain_ok ((const char *const[]) { "-C", "hw-tpm", "audit", NULL });
}
END_TEST

/* A URI without module-path goes through p11-kit's proxy module, which
 * loads the modules registered with p11-kit (Debian's softhsm2 ships
 * /usr/share/p11-kit/modules/softhsm2.module): the token is found, its
 * keys sign the genesis and an officer's record, and the audit passes.
 * (libp11 and libchain each hold a proxy instance of their own; the
 * second one was not initialised: CKR 0x190.) */
START_TEST (test_uri_without_module_path)
{
  chain_ok ((const char *const[]) { "-C", "proxy-root", "--pin-file", pin_path, "init", "--org", "Proxy Root",
                                    "--key-store", "pkcs11:token=oem-root;object=proxy-root", NULL });
  chain_ok ((const char *const[]) { "-C", "proxy-root", "--pin-file", pin_path, "officer", "add", "olga",
                                    "--key-store", "pkcs11:token=oem-root;object=proxy-olga", NULL });
  chain_ok ((const char *const[]) { "-C", "proxy-root", "audit", NULL });
}
END_TEST

/* A refused init leaves no key behind in the token either. */
START_TEST (test_refused_init_leaves_no_token_key)
{
  g_autofree char *err = NULL;
  g_autofree char *policy = path_in ("policy.json");
  g_autofree char *objects = NULL;
  const char *list[] = { "pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", "oem-root", "--login",
                         "--pin", PIN, "--list-objects", NULL };
  int status;

  status = chain ((const char *const[]) { "-C", "orphan", "--pin-file", pin_path, "init", "--org", "Orphan",
                                          "--policy", policy, "--algorithm", "ec-p384", "--key-store",
                                          "pkcs11:token=oem-root;object=orphan-ca?module-path=" SOFTHSM_MODULE,
                                          NULL }, NULL, &err);
  ck_assert_msg (status == 1 || status == 3, "exit %d: %s", status, err);
  test_cli_assert_error_line ("refused init", err, "ec-p384");
  ck_assert_int_eq (test_support_run (list, NULL, &objects, NULL), 0);
  ck_assert_msg (strstr (objects, "orphan") == NULL, "left in the token: %s", objects);
}
END_TEST

START_TEST (test_key_list)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  ck_assert_int_eq (chain ((const char *const[]) { "--pin-file", pin_path, "key", "list", "--login", "--module",
                                                   SOFTHSM_MODULE, NULL }, &out, &err), 0);
  ck_assert_msg (strstr (out, "token 'oem-root'") != NULL, "%s", out);
  ck_assert_msg (strstr (out, "private key pkcs11:token=oem-root;object=root-ca;type=private") != NULL, "%s", out);
}
END_TEST

/* ---- A token or TPM lost in the middle of chain issue ------------------------------------ */

/* Devices per run, and per batch: enough batches that the loss lands
 * after the first one is recorded and before the last. */
#define LOST_DEVICES "400"
#define LOST_BATCH "10"
/* How long a run may take to notice a lost token: more is a hang. */
#define LOST_EXIT_TIMEOUT_US (120 * G_USEC_PER_SEC)

typedef void (*LoseFunc) (gpointer data);

/* A new manufacturer under the story's OEM, its CA and officer keys in @key_store. */
static void
enrol_manufacturer (const char        *name,
                    const char        *key_store,
                    const char *const *env)
{
  g_autofree char *request = g_strdup_printf ("%s.request", name);
  g_autofree char *grant = g_strdup_printf ("%s.grant", name);
  g_autofree char *org = g_strdup_printf ("Manufacturer %s", name);
  const char *const steps[][16] = {
    { "-C", name, "--pin-file", pin_path, "request", "--org", org, "--tier", "manufacturer",
      "--key-store", key_store, "-o", request, NULL },
    { "-C", "oem", "--pin-file", pin_path, "delegate", request, "-o", grant, NULL },
    { "-C", name, "--pin-file", pin_path, "accept", grant, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *err = NULL;
      int status = test_cli_chain_env (tmpdir, i == 1 ? NULL : env, NULL, steps[i], NULL, &err);

      ck_assert_msg (status == 0, "enrolling %s, step %" G_GSIZE_FORMAT ": exit %d: %s", name, i, status, err);
    }
}

/* Whether @out holds a published device directory (not staging, not a manifest). */
static gboolean
has_published_device (const char *out)
{
  g_autoptr(GDir) d = g_dir_open (out, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (name[0] != '.' && !g_str_has_prefix (name, "manifest."))
      return TRUE;
  return FALSE;
}

/* Runs `chain -C WORKSPACE issue` into @out_name; once its first batch is
 * published, @lose takes the token or TPM away. Returns the exit status
 * and stderr; fails when the run hangs or ends before the loss. */
static int
issue_and_lose (const char        *workspace,
                const char        *out_name,
                const char *const *env,
                LoseFunc           lose,
                gpointer           lose_data,
                char             **out_err)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autofree char *out = g_build_filename (tmpdir, out_name, NULL);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { test_cli_bin (), "-C", workspace, "--pin-file", pin_path, "issue", "--count", LOST_DEVICES,
                         "--prefix", "lost-", "--batch-size", LOST_BATCH, "--jobs", "2", "-o", out_name, NULL };
  gint64 deadline;

  g_subprocess_launcher_set_cwd (launcher, tmpdir);
  g_subprocess_launcher_setenv (launcher, "CHAIN_PASSPHRASE", TEST_CLI_PASSPHRASE, TRUE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  ck_assert_msg (child != NULL, "spawn chain: %s", error != NULL ? error->message : "?");
  deadline = g_get_monotonic_time () + LOST_EXIT_TIMEOUT_US;
  while (!has_published_device (out) && g_subprocess_get_identifier (child) != NULL
         && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  ck_assert_msg (g_subprocess_get_identifier (child) != NULL, "chain issue ended before the loss");
  ck_assert_msg (has_published_device (out), "chain issue published nothing in time");
  lose (lose_data);
  deadline = g_get_monotonic_time () + LOST_EXIT_TIMEOUT_US;
  while (g_subprocess_get_identifier (child) != NULL && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  if (g_subprocess_get_identifier (child) != NULL)
    {
      g_subprocess_force_exit (child);
      ck_abort_msg ("chain issue hangs since the loss");
    }
  ck_assert (g_subprocess_communicate_utf8 (child, NULL, NULL, NULL, out_err, NULL));
  ck_assert_msg (g_subprocess_get_if_exited (child), "chain issue died of a signal: %s", *out_err);
  return g_subprocess_get_exit_status (child);
}

/* Every cert.pem under @root, staging included, as paths. */
static void
find_certs (const char *root,
            GPtrArray  *out)
{
  g_autoptr(GDir) d = g_dir_open (root, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (root, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        find_certs (path, out);
      else if (strcmp (name, "cert.pem") == 0)
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

/* After the run and the command that finished it: the audit passes, every
 * certificate under @out_name is published and recorded, no device id has
 * two, and some but not all devices were issued. */
static void
assert_accounted_for (const char        *workspace,
                      const char        *out_name,
                      const char *const *env)
{
  g_autofree char *ws_dir = g_build_filename (tmpdir, workspace, NULL);
  g_autofree char *out = g_build_filename (tmpdir, out_name, NULL);
  g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(ChainWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *audit_out = NULL;
  g_autofree char *audit_err = NULL;
  int status = test_cli_chain_env (tmpdir, env, NULL, (const char *const[]) { "-C", workspace, "audit", NULL },
                                   &audit_out, &audit_err);

  ck_assert_msg (status == 0, "audit of %s exited %d: %s%s", workspace, status, audit_out, audit_err);
  ws = chain_workspace_open (ws_dir, NULL, &error);
  ck_assert_msg (ws != NULL, "open %s: %s", workspace, error != NULL ? error->message : "");
  find_certs (out, certs);
  ck_assert_msg (certs->len > 0 && certs->len < (guint) atoi (LOST_DEVICES), "%u certificates in %s",
                 certs->len, out);
  for (guint i = 0; i < certs->len; i++)
    {
      const char *path = certs->pdata[i];
      g_autofree char *data = NULL;
      gsize len = 0;
      g_autoptr(ChainCert) cert = NULL;
      g_autoptr(ChainName) subject = NULL;
      g_autofree char *serial = NULL;
      g_autofree char *id = NULL;

      ck_assert_msg (strstr (path, "/.staging~") == NULL, "%s is still in staging", path);
      ck_assert (g_file_get_contents (path, &data, &len, NULL));
      cert = chain_cert_parse ((const guint8 *) data, len, NULL);
      ck_assert_msg (cert != NULL, "%s does not parse", path);
      serial = chain_cert_dup_serial (cert);
      subject = chain_cert_dup_subject (cert);
      id = chain_name_dup_common_name (subject);
      ck_assert_msg (chain_ledger_state_lookup_serial (chain_workspace_get_state (ws), serial, NULL, NULL),
                     "%s (serial %s) is not recorded", path, serial);
      ck_assert_msg (!g_hash_table_contains (ids, id), "device %s has two certificates: %s and %s", id,
                     (const char *) g_hash_table_lookup (ids, id), serial);
      g_hash_table_insert (ids, g_steal_pointer (&id), g_steal_pointer (&serial));
    }
}

/* Runs a command that unlocks @workspace: it finishes or voids what a
 * dead run left, and must succeed. */
static void
next_command (const char        *workspace,
              const char *const *env)
{
  g_autofree char *err = NULL;
  int status = test_cli_chain_env (tmpdir, env, NULL,
                                   (const char *const[]) { "-C", workspace, "--pin-file", pin_path, "annotate",
                                                           "after the loss", NULL }, NULL, &err);

  ck_assert_msg (status == 0, "annotate in %s after the loss exited %d: %s", workspace, status, err);
}

static void
move_away (gpointer data)
{
  const char *const *paths = data;

  ck_assert_int_eq (g_rename (paths[0], paths[1]), 0);
}

/* The directory SoftHSM2 made for the token last initialised. */
static char *
newest_token_dir (GHashTable *before)
{
  g_autofree char *tokens = path_in ("tokens");
  g_autoptr(GDir) d = g_dir_open (tokens, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (!g_hash_table_contains (before, name))
      return g_build_filename (tokens, name, NULL);
  ck_abort_msg ("softhsm2-util made no token directory");
  return NULL;
}

/* The token holding a manufacturer's CA and officer keys is pulled out
 * (its SoftHSM2 directory moved away) while it issues. */
START_TEST (test_token_removed_during_issue)
{
  g_autofree char *tokens = path_in ("tokens");
  g_autoptr(GHashTable) before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) d = g_dir_open (tokens, 0, NULL);
  g_autofree char *token_dir = NULL;
  g_autofree char *away = NULL;
  g_autofree char *err = NULL;
  const char *name;
  const char *paths[2];
  int status;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_hash_table_add (before, g_strdup (name));
  run_ok ((const char *const[]) { "softhsm2-util", "--init-token", "--free", "--label", "cm-lost",
                                  "--so-pin", SO_PIN, "--pin", PIN, NULL });
  token_dir = newest_token_dir (before);
  away = g_strconcat (token_dir, ".away", NULL);
  enrol_manufacturer ("cm-lost", "pkcs11:token=cm-lost;object=cm-lost-ca?module-path=" SOFTHSM_MODULE, NULL);

  paths[0] = token_dir;
  paths[1] = away;
  status = issue_and_lose ("cm-lost", "lost-out", NULL, move_away, paths, &err);
  ck_assert_msg (status == 1, "exit %d: %s", status, err);
  test_cli_assert_error_line ("token removed", err, "the PKCS#11 token was removed or its module failed");

  /* Put back: the next command finishes what the run left. */
  ck_assert_int_eq (g_rename (away, token_dir), 0);
  next_command ("cm-lost", NULL);
  assert_accounted_for ("cm-lost", "lost-out", NULL);
}
END_TEST

/* A TPM holding a manufacturer's CA and officer keys (a second swtpm, so
 * the story's stays up) stops while it issues. */
START_TEST (test_tpm_stopped_during_issue)
{
  g_autoptr(TestTpm) second = test_tpm_start ();
  const char *const *env = test_tpm_get_env (second);
  g_autofree char *err = NULL;
  int status;

  enrol_manufacturer ("cm-tpm", "tpm2", env);
  status = issue_and_lose ("cm-tpm", "tpm-lost-out", env, (LoseFunc) test_tpm_power_off, second, &err);
  ck_assert_msg (status == 1, "exit %d: %s", status, err);
  test_cli_assert_error_line ("TPM stopped", err, "TPM");

  test_tpm_power_on (second);
  next_command ("cm-tpm", env);
  assert_accounted_for ("cm-tpm", "tpm-lost-out", env);
}
END_TEST

static Suite *
hardware_keys_suite (void)
{
  Suite *s = suite_create ("hardware-keys");
  TCase *tc = tcase_create ("story");

  tcase_add_unchecked_fixture (tc, story_setup, story_teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_audit_passes);
  tcase_add_test (tc, test_openssl_verifies_devices_and_crls);
  tcase_add_test (tc, test_certtool_verifies_chain);
  tcase_add_test (tc, test_git_verify_commit);
  tcase_add_test (tc, test_token_keys_not_extractable);
  tcase_add_test (tc, test_no_private_key_in_workspace);
  tcase_add_test (tc, test_status_shows_where_keys_live);
  tcase_add_loop_test (tc, test_bad_input, 0, G_N_ELEMENTS (bad_cases));
  tcase_add_test (tc, test_object_missing);
  tcase_add_test (tc, test_algorithm_refused_by_policy);
  tcase_add_test (tc, test_policy_requires_hardware);
  tcase_add_test (tc, test_key_list);
  tcase_add_test (tc, test_refused_init_leaves_no_token_key);
  tcase_add_test (tc, test_uri_without_module_path);
  tcase_add_test (tc, test_token_removed_during_issue);
  tcase_add_test (tc, test_tpm_stopped_during_issue);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return test_support_run_suite (hardware_keys_suite ());
}
