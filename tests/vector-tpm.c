/* vector-tpm.c — the TPM ledger the tpm-evidence vectors start from */
#include "vector-tpm.h"

#include <time.h>

#include "chain-key-tpm2-private.h"
#include "chain-pki-private.h"
#include "chain-tpm2-evidence-private.h"
#include "chain-workspace-private.h"

#define DAY (G_GINT64_CONSTANT (24) * 60 * 60)

static ChainKey *
tpm_key_new (GBytes **out_blob)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = NULL;
  ChainKey *key = chain_key_tpm2_generate (CHAIN_KEY_ALGORITHM_EC_P256, &blob, &error);

  ck_assert_msg (key != NULL, "the TPM made no key: %s", error != NULL ? error->message : "");
  ck_assert_ptr_nonnull (chain_key_get_tpm_evidence (key));
  if (out_blob != NULL)
    *out_blob = g_steal_pointer (&blob);
  return key;
}

static ChainCert *
officer_cert (ChainIssuer *issuer,
              const char  *cn,
              ChainKey    *key)
{
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = (gint64) time (NULL);
  ChainCert *cert = NULL;

  options.not_before = now - 3600;
  options.not_after = now + 365 * DAY;
  cert = chain_issuer_issue_officer (issuer, cn, key, &options, &error);
  test_assert_no_error (error);
  return cert;
}

static GBytes *
read_bytes (const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *data = NULL;
  gsize len = 0;

  ck_assert_msg (g_file_get_contents (path, &data, &len, NULL), "%s is missing", path);
  return g_bytes_new_take (data, len);
}

/* The genuine evidence of a key of the TPM that is neither fixedTPM nor
 * fixedParent (made with tpm2-tools under the provider's storage
 * primary, as tests/test-tpm-evidence.c does). Runs while no provider
 * connection is open: swtpm serves one client at a time. */
static ChainJson *
loose_evidence_new (TestTpm *tpm)
{
  const char *dir = test_tpm_get_dir (tpm);
  g_autofree char *primary = g_build_filename (dir, "loose-primary.ctx", NULL);
  g_autofree char *pub = g_build_filename (dir, "loose.pub", NULL);
  g_autofree char *priv = g_build_filename (dir, "loose.priv", NULL);
  const char *const create_primary[] = { "tpm2_createprimary", "-Q", "-C", "o", "-g", "sha256", "-G",
                                         "ecc256:null:aes128cfb", "-a",
                                         "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt",
                                         "-c", primary, NULL };
  const char *const create[] = { "tpm2_create", "-Q", "-C", primary, "-G", "ecc256",
                                 "-a", "sensitivedataorigin|userwithauth|sign", "-u", pub, "-r", priv, NULL };
  const char *const flush[] = { "tpm2_flushcontext", "-t", NULL };
  g_autoptr(GBytes) pub_bytes = NULL;
  g_autoptr(GBytes) priv_bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  ChainJson *evidence = NULL;

  ck_assert_msg (test_support_run (create_primary, NULL, NULL, &err) == 0, "tpm2_createprimary: %s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (test_support_run (create, NULL, NULL, &err) == 0, "tpm2_create: %s", err);
  ck_assert_int_eq (test_support_run (flush, NULL, NULL, NULL), 0);
  pub_bytes = read_bytes (dir, "loose.pub");
  priv_bytes = read_bytes (dir, "loose.priv");
  evidence = chain_tpm2_evidence_make (test_tpm_get_tcti (tpm), pub_bytes, priv_bytes, &error);
  ck_assert_msg (evidence != NULL, "TPM2_Certify: %s", error != NULL ? error->message : "");
  return evidence;
}

/* A self-signed CA "Other TPM maker", DER. */
static GBytes *
foreign_maker_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  g_autoptr(ChainCert) cert = NULL;
  gint64 now = (gint64) time (NULL);
  TestForge forge = { TEST_FORGE_CA, NULL, NULL, "CN=Other TPM maker,O=Elsewhere,C=US", NULL, now - DAY,
                      now + 3650 * DAY, 0, NULL, NULL, FALSE };

  test_assert_no_error (error);
  forge.issuer_key = key;
  forge.key = key;
  cert = test_story_forge (&forge);
  return chain_cert_to_der (cert);
}

static ChainCert *
root_new (ChainKey *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = chain_name_parse ("CN=Widget TPM Root CA,O=Widget Ltd,C=DE", &error);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = (gint64) time (NULL);
  ChainCert *root = NULL;

  test_assert_no_error (error);
  options.not_before = now - 10 * DAY;
  options.not_after = now + 7000 * DAY;
  options.path_len = 2;
  root = chain_root_create (key, name, &options, &error);
  test_assert_no_error (error);
  return root;
}

static ChainLedgerSigner *
signer_new (ChainKey  *key,
            ChainCert *cert,
            GPtrArray *intermediates)
{
  g_autoptr(GError) error = NULL;
  ChainLedgerSigner *signer = chain_ledger_signer_new (key, cert, intermediates, &error);

  test_assert_no_error (error);
  return signer;
}

ChainStatement *
vector_tpm_officer (VectorTpm *self,
                    ChainCert *officer,
                    ChainJson *evidence)
{
  ChainJson *body = chain_json_new_object ();
  g_autoptr(GBytes) pem = chain_cert_to_pem (officer);
  ChainStatement *st = NULL;

  chain_json_object_set_string (body, "custodian", "oem");
  if (evidence != NULL)
    {
      chain_json_object_set_string (body, "key_store", "tpm2");
      chain_json_object_set (body, "tpm_evidence", chain_json_ref (evidence));
    }
  st = test_story_statement (self->story, CHAIN_RECORD_TYPE_OFFICER, "oem", body, NULL);
  test_story_add_artifact (st, "officer.pem", pem);
  test_story_sign (st, &self->story->oem.officer);
  return st;
}

static ChainStatement *
genesis_new (TestStory *s,
             ChainKey  *ca_key)
{
  ChainJson *body = chain_json_new_object ();
  ChainJson *custodian = chain_json_new_object ();
  g_autoptr(GBytes) root_pem = chain_cert_to_pem (s->oem.cert);
  g_autoptr(GBytes) officer_pem = chain_cert_to_pem (s->oem.officer.cert);
  ChainStatement *st = NULL;

  chain_json_object_set_string (custodian, "id", s->oem.id);
  chain_json_object_set_string (custodian, "name", s->oem.name);
  chain_json_object_set_string (custodian, "tier", s->oem.tier);
  chain_json_object_set (body, "custodian", custodian);
  chain_json_object_set (body, "policy", chain_policy_to_json (s->policy));
  chain_workspace_set_key_stores (body, CHAIN_KEY_STORE_TPM2, CHAIN_KEY_STORE_TPM2);
  chain_workspace_set_tpm_evidence (body, ca_key, s->oem.officer.key);
  st = test_story_statement (s, CHAIN_RECORD_TYPE_GENESIS, s->oem.id, body, NULL);
  test_story_add_artifact (st, "root.pem", root_pem);
  test_story_add_artifact (st, "officer.pem", officer_pem);
  test_story_sign (st, &s->oem.officer);
  return st;
}

VectorTpm *
vector_tpm_new (void)
{
  g_autoptr(GError) error = NULL;
  VectorTpm *self = g_new0 (VectorTpm, 1);
  TestStory *s = g_new0 (TestStory, 1);
  g_autofree char *ek_issuer = NULL;
  g_autofree char *ek_pem = NULL;
  g_autoptr(GBytes) officer_blob = NULL;
  g_autoptr(ChainKey) tina_key = NULL;
  g_autoptr(ChainKey) tpm_key = NULL;
  g_autoptr(ChainKey) other_key = NULL;
  g_autoptr(ChainKey) loose_key = NULL;
  g_autoptr(ChainKey) file_key = NULL;
  g_autoptr(ChainCert) tina = NULL;
  g_autoptr(ChainStatement) genesis = NULL;

  self->tpm = test_tpm_start_with_ek ();
  g_setenv ("TPM2OPENSSL_TCTI", test_tpm_get_tcti (self->tpm), TRUE);
  g_setenv ("TPM2TOOLS_TCTI", test_tpm_get_tcti (self->tpm), TRUE);
  self->loose_evidence = loose_evidence_new (self->tpm);
  self->foreign_ek = foreign_maker_new ();

  s->now = (gint64) time (NULL);
  s->dir = test_support_tmpdir_new ();
  s->path = g_build_filename (s->dir, "ledger.git", NULL);
  s->ledger_id = chain_statement_new_id ();
  s->state = chain_ledger_state_new ();
  s->policy = chain_policy_new_default ();
  ek_issuer = test_tpm_dup_ek_issuer_path (self->tpm);
  ck_assert (g_file_get_contents (ek_issuer, &ek_pem, NULL, NULL));
  ck_assert (chain_policy_add_tpm_ek_root (s->policy, "oem", ek_pem, &error));
  test_assert_no_error (error);
  s->oem.id = "oem";
  s->oem.name = "Widget Ltd";
  s->oem.tier = "oem";
  self->story = s;

  s->oem.key = tpm_key_new (NULL);
  s->oem.cert = root_new (s->oem.key);
  self->root_thumbprint = test_story_thumbprint (s->oem.cert);
  s->oem.issuer = chain_issuer_new (s->oem.cert, s->oem.key, NULL, &error);
  test_assert_no_error (error);
  s->oem.officer.key = tpm_key_new (&officer_blob);
  s->oem.officer.cert = officer_cert (s->oem.issuer, "Olivia", s->oem.officer.key);
  s->oem.officer.intermediates = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  s->oem.officer.signer = signer_new (s->oem.officer.key, s->oem.officer.cert, s->oem.officer.intermediates);
  self->officer_blob = g_build_filename (test_tpm_get_dir (self->tpm), "olivia.tss2", NULL);
  test_support_write_file (self->officer_blob, g_bytes_get_data (officer_blob, NULL),
                           g_bytes_get_size (officer_blob));

  tina_key = tpm_key_new (NULL);
  tina = officer_cert (s->oem.issuer, "Tina", tina_key);
  tpm_key = tpm_key_new (NULL);
  self->tpm_cert = officer_cert (s->oem.issuer, "Tom", tpm_key);
  self->tpm_evidence = chain_json_ref (chain_key_get_tpm_evidence (tpm_key));
  other_key = tpm_key_new (NULL);
  self->other_evidence = chain_json_ref (chain_key_get_tpm_evidence (other_key));
  loose_key = chain_key_new_take (chain_tpm2_evidence_dup_key (self->loose_evidence), &error);
  test_assert_no_error (error);
  self->loose_cert = officer_cert (s->oem.issuer, "Lou", loose_key);
  file_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  test_assert_no_error (error);
  self->file_cert = officer_cert (s->oem.issuer, "Fay", file_key);

  genesis = genesis_new (s, s->oem.key);
  s->ledger = chain_ledger_create (s->path, genesis, s->oem.officer.signer, NULL, NULL, NULL, &error);
  test_assert_no_error (error);
  {
    g_autoptr(ChainStatement) officer = vector_tpm_officer (self, tina, chain_key_get_tpm_evidence (tina_key));

    test_story_append_unchecked (s, officer, &s->oem.officer);
  }

  /* No TPM key stays open in the process that forks the cases. */
  g_clear_pointer (&s->oem.issuer, chain_issuer_free);
  g_clear_pointer (&s->oem.key, chain_key_free);
  g_clear_pointer (&s->oem.officer.signer, chain_ledger_signer_free);
  g_clear_pointer (&s->oem.officer.key, chain_key_free);
  return self;
}

void
vector_tpm_use_copy (VectorTpm *self)
{
  g_autoptr(GError) error = NULL;
  TestOfficer *olivia = &self->story->oem.officer;

  test_story_use_copy (self->story);
  olivia->key = chain_key_tpm2_load (self->officer_blob, &error);
  test_assert_no_error (error);
  olivia->signer = signer_new (olivia->key, olivia->cert, olivia->intermediates);
}

void
vector_tpm_free (VectorTpm *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->story, test_story_free);
  g_clear_pointer (&self->tpm, test_tpm_free);
  g_free (self->root_thumbprint);
  g_free (self->officer_blob);
  g_clear_pointer (&self->tpm_cert, chain_cert_free);
  g_clear_pointer (&self->tpm_evidence, chain_json_unref);
  g_clear_pointer (&self->other_evidence, chain_json_unref);
  g_clear_pointer (&self->loose_cert, chain_cert_free);
  g_clear_pointer (&self->loose_evidence, chain_json_unref);
  g_clear_pointer (&self->file_cert, chain_cert_free);
  g_clear_pointer (&self->foreign_ek, g_bytes_unref);
  g_free (self);
}
