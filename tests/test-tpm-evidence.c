/* test-tpm-evidence.c — a TPM's certification that a key is its own, recorded and audited
 *
 * A real swtpm, manufactured by `swtpm_setup --create-ek-cert` with a
 * local CA of the test's own, reached straight (no resource manager). The
 * unchecked fixture runs `chain init --key-store tpm2 --trust-tpm-maker
 * oem=CA` (the policy trusts that CA for the root tier: tpm_ek_roots), and enrols a
 * second officer in the TPM. The cases audit the ledger, refuse a file
 * officer under that policy, and feed the auditor's check evidence that
 * names another key, a tampered signature, a real key that is not
 * fixedTPM, a parent that is not the one the TPM loaded the key under,
 * and an EK from a CA the policy does not trust.
 */
#include "test-cli.h"
#include "test-tpm.h"
#include "chain-key-tpm2-private.h"
#include "chain-pki-private.h"
#include "chain-tpm2-evidence-private.h"

#include <openssl/pem.h>
#include <string.h>

static char *tmpdir;
static TestTpm *tpm;
static char *ek_issuer;

static char *
path_in (const char *relative)
{
  return g_build_filename (tmpdir, relative, NULL);
}

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
  g_autofree char *err = NULL;
  int status = chain (args, NULL, &err);

  ck_assert_msg (status == 0, "chain %s %s exited %d: %s", args[2], args[3] != NULL ? args[3] : "", status, err);
}

static void
story_setup (void)
{
  g_autofree char *trust = NULL;

  tmpdir = test_support_tmpdir_new ();
  tpm = test_tpm_start_with_ek ();
  g_setenv ("TPM2OPENSSL_TCTI", test_tpm_get_tcti (tpm), TRUE);
  g_setenv ("TPM2TOOLS_TCTI", test_tpm_get_tcti (tpm), TRUE);
  ek_issuer = test_tpm_dup_ek_issuer_path (tpm);
  trust = g_strdup_printf ("oem=%s", ek_issuer);
  chain_ok ((const char *const[]) { "-C", "oem", "init", "--org", "Widget Ltd", "--trust-tpm-maker", trust,
                                    "--key-store", "tpm2", NULL });
  chain_ok ((const char *const[]) { "-C", "oem", "officer", "add", "tina", "--key-store", "tpm2", NULL });
}

static void
story_teardown (void)
{
  g_clear_pointer (&tpm, test_tpm_free);
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&ek_issuer, g_free);
}

/* The genesis carries evidence for both keys, with the EK certificate. */
START_TEST (test_genesis_records_evidence)
{
  g_autofree char *ledger = path_in ("oem/ledger.git");
  g_autofree char *statement = NULL;
  g_autoptr(ChainJson) doc = NULL;
  ChainJson *body;
  ChainJson *evidence;
  const char *show[] = { "git", "-C", ledger, "show", "main:records/0000/00/00000000-genesis/statement.json", NULL };

  ck_assert_int_eq (test_support_run (show, NULL, &statement, NULL), 0);
  doc = test_cli_parse_json ("genesis", statement);
  body = chain_json_object_get_member (doc, "body");
  ck_assert_ptr_nonnull (body);
  evidence = chain_json_object_get_member (body, "tpm_evidence");
  ck_assert_msg (evidence != NULL, "%s", statement);
  for (guint i = 0; i < 2; i++)
    {
      ChainJson *one = chain_json_object_get_member (evidence, i == 0 ? "ca" : "officer");

      ck_assert_ptr_nonnull (one);
      ck_assert_ptr_nonnull (chain_json_object_get_member (one, "attest"));
      ck_assert_ptr_nonnull (chain_json_object_get_member (one, "ek_certificate"));
    }
}
END_TEST

START_TEST (test_audit_passes)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  ck_assert_msg (chain ((const char *const[]) { "-C", "oem", "audit", NULL }, &out, &err) == 0, "%s", err);
  ck_assert_ptr_nonnull (strstr (out, "audit passed"));
}
END_TEST

/* The policy trusts TPM keys only: a file officer has no evidence. */
START_TEST (test_file_officer_refused)
{
  g_autofree char *err = NULL;
  int status = chain ((const char *const[]) { "-C", "oem", "officer", "add", "filey", NULL }, NULL, &err);

  ck_assert_msg (status == 1, "exit %d: %s", status, err);
  test_cli_assert_error_line ("file officer", err, "rule tpm-evidence.required");
}
END_TEST

/* ---- The auditor's check, fed evidence made here ---------------------------------- */

typedef struct {
  ChainJson *evidence;
  EVP_PKEY *public_key;
} Made;

static void
made_clear (Made *made)
{
  g_clear_pointer (&made->evidence, chain_json_unref);
  g_clear_pointer (&made->public_key, EVP_PKEY_free);
}

/* A key generated in the TPM, freed again (the provider lets the TPM go). */
static void
make_key (Made *made)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(ChainKey) key = chain_key_tpm2_generate (CHAIN_KEY_ALGORITHM_EC_P256, &blob, &error);

  ck_assert_msg (key != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_ptr_nonnull (chain_key_get_tpm_evidence (key));
  made->evidence = chain_json_ref (chain_key_get_tpm_evidence (key));
  made->public_key = EVP_PKEY_dup (chain_key_get_public (key));
}

static STACK_OF(X509) *
roots_from (const char *path)
{
  STACK_OF(X509) *roots = sk_X509_new_null ();
  BIO *bio = BIO_new_file (path, "r");
  X509 *cert = bio != NULL ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;

  ck_assert_ptr_nonnull (cert);
  sk_X509_push (roots, cert);
  BIO_free (bio);
  return roots;
}

/* A copy of @evidence with member @name replaced by @value. */
static ChainJson *
with_member (ChainJson  *evidence,
             const char *name,
             const char *value)
{
  ChainJson *copy = chain_json_new_object ();

  for (gsize i = 0; i < chain_json_object_get_size (evidence); i++)
    {
      const char *key = chain_json_object_get_key_at (evidence, i);

      chain_json_object_set_string (copy, key, g_strcmp0 (key, name) == 0
                                                 ? value
                                                 : chain_json_get_string (chain_json_object_get_value_at (evidence, i)));
    }
  return copy;
}

static void
assert_refused (ChainJson      *evidence,
                EVP_PKEY       *spki,
                STACK_OF(X509) *roots,
                const char     *rule)
{
  g_autoptr(GError) error = NULL;
  const char *got = NULL;

  ck_assert (!chain_tpm2_evidence_check (evidence, spki, roots, &got, &error));
  ck_assert_msg (g_strcmp0 (got, rule) == 0, "refused as %s, not %s: %s", got, rule, error->message);
}

START_TEST (test_check_refuses_forgeries)
{
  g_autoptr(GError) error = NULL;
  STACK_OF(X509) *roots = roots_from (ek_issuer);
  Made one = { 0 };
  Made other = { 0 };
  const char *rule = NULL;

  make_key (&one);
  make_key (&other);
  ck_assert_msg (chain_tpm2_evidence_check (one.evidence, one.public_key, roots, &rule, &error),
                 "%s: %s", rule, error != NULL ? error->message : "");

  /* The TPM's genuine word, about another key. */
  {
    ChainJson *attest = chain_json_object_get_member (other.evidence, "attest");
    ChainJson *signature = chain_json_object_get_member (other.evidence, "signature");
    g_autoptr(ChainJson) half = with_member (one.evidence, "attest", chain_json_get_string (attest));
    g_autoptr(ChainJson) swapped = with_member (half, "signature", chain_json_get_string (signature));

    assert_refused (swapped, one.public_key, roots, "tpm-evidence.name");
  }
  /* Not base64, and a member the format does not have. */
  {
    g_autoptr(ChainJson) garbled = with_member (one.evidence, "ak", "not base64!");
    g_autoptr(ChainJson) extra = with_member (one.evidence, "ak", chain_json_get_string (
                                                chain_json_object_get_member (one.evidence, "ak")));

    assert_refused (garbled, one.public_key, roots, "tpm-evidence.format");
    chain_json_object_set_string (extra, "comment", "trust me");
    assert_refused (extra, one.public_key, roots, "tpm-evidence.format");
  }
  /* Evidence about the other key, for this certificate's key. */
  assert_refused (other.evidence, one.public_key, roots, "tpm-evidence.key");

  /* Another parent than the TPM saw: the qualified name does not add up. */
  {
    gsize len = 0;
    g_autofree guchar *raw = g_base64_decode (chain_json_get_string (chain_json_object_get_member (one.evidence,
                                                                                                  "parent_name")),
                                              &len);
    g_autofree char *text = NULL;
    g_autoptr(ChainJson) moved = NULL;

    raw[len - 1] ^= 0x01;
    text = g_base64_encode (raw, len);
    moved = with_member (one.evidence, "parent_name", text);
    assert_refused (moved, one.public_key, roots, "tpm-evidence.name");
  }

  /* One bit of the signature flipped. */
  {
    gsize len = 0;
    g_autofree guchar *raw = g_base64_decode (chain_json_get_string (chain_json_object_get_member (one.evidence,
                                                                                                  "signature")),
                                              &len);
    g_autofree char *text = NULL;
    g_autoptr(ChainJson) tampered = NULL;

    raw[len - 1] ^= 0x01;
    text = g_base64_encode (raw, len);
    tampered = with_member (one.evidence, "signature", text);
    assert_refused (tampered, one.public_key, roots, "tpm-evidence.signature");
  }

  /* The policy trusts another TPM maker: the test's own issuing CA is not it. */
  {
    g_autofree char *foreign = g_build_filename (tmpdir, "foreign.pem", NULL);
    const char *const make_ca[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                    "-nodes", "-keyout", "/dev/null", "-subj", "/CN=Other TPM maker", "-out", foreign,
                                    NULL };
    STACK_OF(X509) *foreign_roots;

    ck_assert_int_eq (test_support_run (make_ca, NULL, NULL, NULL), 0);
    foreign_roots = roots_from (foreign);
    assert_refused (one.evidence, one.public_key, foreign_roots, "tpm-evidence.ek");
    sk_X509_pop_free (foreign_roots, X509_free);
  }

  made_clear (&one);
  made_clear (&other);
  sk_X509_pop_free (roots, X509_free);
}
END_TEST

static GBytes *
read_bytes (const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *data = NULL;
  gsize len = 0;

  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

/* A real key of the TPM that may leave it (neither fixedTPM nor fixedParent:
 * the TPM refuses fixedParent without fixedTPM under its primary), certified by the
 * same TPM: the evidence is genuine, the attributes say no. */
START_TEST (test_check_refuses_key_without_fixed_tpm)
{
  const char *dir = test_tpm_get_dir (tpm);
  g_autofree char *primary = g_build_filename (dir, "primary.ctx", NULL);
  g_autofree char *pub = g_build_filename (dir, "loose.pub", NULL);
  g_autofree char *priv = g_build_filename (dir, "loose.priv", NULL);
  g_autoptr(GBytes) pub_bytes = NULL;
  g_autoptr(GBytes) priv_bytes = NULL;
  g_autoptr(ChainJson) evidence = NULL;
  g_autoptr(GError) error = NULL;
  Made one = { 0 };
  /* The storage primary tpm2-openssl loads its keys under. */
  const char *const create_primary[] = { "tpm2_createprimary", "-Q", "-C", "o", "-g", "sha256", "-G", "ecc256:null:aes128cfb",
                                         "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt",
                                         "-c", primary, NULL };
  const char *const create[] = { "tpm2_create", "-Q", "-C", primary, "-G", "ecc256",
                                 "-a", "sensitivedataorigin|userwithauth|sign", "-u", pub, "-r", priv, NULL };
  const char *const flush[] = { "tpm2_flushcontext", "-t", NULL };
  g_autofree char *err = NULL;

  make_key (&one);
  ck_assert_msg (test_support_run (create_primary, NULL, NULL, &err) == 0, "%s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (test_support_run (create, NULL, NULL, &err) == 0, "%s", err);
  ck_assert_int_eq (test_support_run (flush, NULL, NULL, NULL), 0);
  pub_bytes = read_bytes (dir, "loose.pub");
  priv_bytes = read_bytes (dir, "loose.priv");
  evidence = chain_tpm2_evidence_make (test_tpm_get_tcti (tpm), pub_bytes, priv_bytes, &error);
  ck_assert_msg (evidence != NULL, "%s", error != NULL ? error->message : "");
  assert_refused (evidence, one.public_key, NULL, "tpm-evidence.attributes");
  made_clear (&one);
}
END_TEST

static Suite *
tpm_evidence_suite (void)
{
  Suite *s = suite_create ("tpm-evidence");
  TCase *tc = tcase_create ("story");

  tcase_add_unchecked_fixture (tc, story_setup, story_teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_genesis_records_evidence);
  tcase_add_test (tc, test_audit_passes);
  tcase_add_test (tc, test_file_officer_refused);
  tcase_add_test (tc, test_check_refuses_forgeries);
  tcase_add_test (tc, test_check_refuses_key_without_fixed_tpm);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return test_support_run_suite (tpm_evidence_suite ());
}
