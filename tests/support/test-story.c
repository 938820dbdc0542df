/* test-story.c — the three-tier supply chain on a real ledger, for tests */
#include "test-story.h"

#include <string.h>

#include "chain-pki-private.h"

#include <time.h>

#define DAY (G_GINT64_CONSTANT (24) * 60 * 60)

/* ---- Small helpers ---------------------------------------------------------- */

/* Unix seconds, on the clock OpenSSL's verifier reads. */
static gint64
now_s (void)
{
  return (gint64) time (NULL);
}

static ChainKey *
key_new (void)
{
  g_autoptr(GError) error = NULL;
  ChainKey *key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);

  test_assert_no_error (error);
  return key;
}

static ChainName *
name_new (const char *text)
{
  g_autoptr(GError) error = NULL;
  ChainName *name = chain_name_parse (text, &error);

  test_assert_no_error (error);
  return name;
}

static ChainCsr *
csr_new (ChainKey   *key,
         const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = name_new (subject);
  ChainCsr *csr = chain_csr_new (key, name, &error);

  test_assert_no_error (error);
  return csr;
}

char *
test_story_thumbprint (const ChainCert *cert)
{
  g_autoptr(GBytes) der = chain_cert_to_der (cert);

  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, der);
}

/* @issuer's chain without the root: what a signer embeds. */
static GPtrArray *
intermediates_of (ChainIssuer *issuer)
{
  GPtrArray *chain = chain_issuer_get_chain (issuer);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);

  for (guint i = 0; i + 1 < chain->len; i++)
    g_ptr_array_add (out, chain_cert_copy (g_ptr_array_index (chain, i)));
  return out;
}

/* ---- Certificates ------------------------------------------------------------- */

static void
signer_make (TestOfficer *o)
{
  g_autoptr(GError) error = NULL;

  o->signer = chain_ledger_signer_new (o->key, o->cert, o->intermediates, &error);
  test_assert_no_error (error);
}

void
test_story_officer_make (TestOfficer *o,
                         TestParty   *ca,
                         const char  *cn)
{
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  o->key = key_new ();
  options.not_before = now_s () - 3600;
  options.not_after = MIN (now_s () + 365 * DAY, chain_cert_get_not_after (ca->cert));
  o->cert = chain_issuer_issue_officer (ca->issuer, cn, o->key, &options, &error);
  test_assert_no_error (error);
  o->intermediates = intermediates_of (ca->issuer);
  signer_make (o);
}

void
test_story_officer_clear (TestOfficer *o)
{
  g_clear_pointer (&o->signer, chain_ledger_signer_free);
  g_clear_pointer (&o->intermediates, g_ptr_array_unref);
  g_clear_pointer (&o->cert, chain_cert_free);
  g_clear_pointer (&o->key, chain_key_free);
}

/* @p's first officer: the key its request's officer.csr carries. */
static void
party_officer_make (TestParty *p)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = name_new (p->officer_subject);
  g_autofree char *cn = chain_name_dup_common_name (name);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  p->officer.key = key_new ();
  p->officer_csr = csr_new (p->officer.key, p->officer_subject);
  options.not_before = now_s () - 3600;
  options.not_after = MIN (now_s () + 365 * DAY, chain_cert_get_not_after (p->cert));
  p->officer.cert = chain_issuer_issue_officer (p->issuer, cn, p->officer.key, &options, &error);
  test_assert_no_error (error);
  p->officer.intermediates = intermediates_of (p->issuer);
  signer_make (&p->officer);
}

void
test_story_party_make (TestStory *s,
                       TestParty *p,
                       TestParty *parent,
                       int        path_len,
                       gint64     not_before,
                       gint64     not_after)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainNameConstraints) nc = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  (void) s;
  p->key = key_new ();
  p->csr = csr_new (p->key, p->subject);
  if (p->constraints != NULL)
    {
      g_autofree char *text = g_strdup_printf ("permitted:dirName:%s", p->constraints);

      nc = chain_name_constraints_parse (text, &error);
      test_assert_no_error (error);
    }
  options.not_before = not_before;
  options.not_after = not_after;
  options.path_len = path_len;
  options.name_constraints = nc;
  p->cert = chain_issuer_issue_sub_ca (parent->issuer, p->csr, &options, &error);
  test_assert_no_error (error);
  p->issuer = chain_issuer_new (p->cert, p->key, chain_issuer_get_chain (parent->issuer), &error);
  test_assert_no_error (error);
  party_officer_make (p);
}

void
test_story_party_clear (TestParty *p)
{
  g_clear_pointer (&p->key, chain_key_free);
  g_clear_pointer (&p->csr, chain_csr_free);
  g_clear_pointer (&p->cert, chain_cert_free);
  g_clear_pointer (&p->issuer, chain_issuer_free);
  g_clear_pointer (&p->officer_csr, chain_csr_free);
  test_story_officer_clear (&p->officer);
}

static void
add_ext (X509       *x,
         X509V3_CTX *ctx,
         int         nid,
         const char *value)
{
  X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, ctx, nid, value);

  ck_assert_msg (ext != NULL, "test bug: extension %d '%s'", nid, value);
  ck_assert (X509_add_ext (x, ext, -1) == 1);
  X509_EXTENSION_free (ext);
}

ChainCert *
test_story_forge (const TestForge *f)
{
  g_autoptr(ChainName) subject = name_new (f->subject);
  X509 *x = X509_new ();
  X509 *issuer = f->issuer != NULL ? chain_cert_get_x509 (f->issuer) : x;
  X509V3_CTX ctx;

  ck_assert (X509_set_version (x, 2));
  if (f->serial != NULL)
    {
      BIGNUM *bn = NULL;

      ck_assert (BN_hex2bn (&bn, f->serial) > 0);
      ck_assert (BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (x)) != NULL);
      BN_free (bn);
    }
  else
    {
      guint8 serial[16];

      for (gsize i = 0; i < sizeof serial; i++)
        serial[i] = (guint8) g_random_int_range (0, 256);
      serial[0] = (serial[0] & 0x7f) | 0x40;
      ck_assert (ASN1_STRING_set (X509_get_serialNumber (x), serial, sizeof serial));
    }
  ck_assert (X509_set_subject_name (x, chain_name_get_x509_name (subject)));
  ck_assert (X509_set_issuer_name (x, X509_get_subject_name (issuer)));
  ck_assert (ASN1_TIME_set (X509_getm_notBefore (x), (time_t) f->not_before) != NULL);
  ck_assert (ASN1_TIME_set (X509_getm_notAfter (x), (time_t) f->not_after) != NULL);
  ck_assert (X509_set_pubkey (x, chain_key_get_pkey (f->key)));

  X509V3_set_ctx (&ctx, issuer, x, NULL, NULL, 0);
  switch (f->kind)
    {
    case TEST_FORGE_CA:
      {
        g_autofree char *bc = f->path_len >= 0 ? g_strdup_printf ("critical,CA:TRUE,pathlen:%d", f->path_len)
                                               : g_strdup ("critical,CA:TRUE");

        add_ext (x, &ctx, NID_basic_constraints, bc);
        add_ext (x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
      }
      break;
    case TEST_FORGE_OFFICER:
      add_ext (x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
      add_ext (x, &ctx, NID_key_usage, "critical,digitalSignature");
      add_ext (x, &ctx, NID_ext_key_usage, "emailProtection");
      break;
    case TEST_FORGE_NO_EKU:
      add_ext (x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
      add_ext (x, &ctx, NID_key_usage, "critical,digitalSignature");
      add_ext (x, &ctx, NID_ext_key_usage, "clientAuth");
      break;
    case TEST_FORGE_DEVICE:
    default:
      add_ext (x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
      add_ext (x, &ctx, NID_key_usage, "critical,digitalSignature");
      add_ext (x, &ctx, NID_ext_key_usage, "clientAuth");
      break;
    }
  add_ext (x, &ctx, NID_subject_key_identifier, "hash");
  if (f->issuer != NULL)
    add_ext (x, &ctx, NID_authority_key_identifier, "keyid:always");
  if (f->constraints != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ChainNameConstraints) nc = chain_name_constraints_parse (f->constraints, &error);

      test_assert_no_error (error);
      ck_assert (X509_add1_ext_i2d (x, NID_name_constraints, chain_name_constraints_get_nc (nc), 1,
                                    X509V3_ADD_DEFAULT) == 1);
    }
  if (f->critical_unknown)
    add_ext (x, &ctx, NID_netscape_comment, "critical,made by a test");
  ck_assert (X509_sign (x, chain_key_get_pkey (f->issuer_key), EVP_sha256 ()) > 0);
  return chain_cert_new_take (x);
}

ChainCert *
test_story_device (ChainIssuer *issuer,
                   const char  *device_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = key_new ();
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  ChainCert *cert = NULL;

  options.not_before = now_s () - 3600;
  options.not_after = now_s () + 365 * DAY;
  cert = chain_issuer_issue_device (issuer, device_id, NULL, key, &options, &error);
  test_assert_no_error (error);
  return cert;
}

ChainCrl *
test_story_crl (ChainIssuer       *issuer,
                const char *const *serials,
                guint64            number)
{
  g_autoptr(GError) error = NULL;
  guint n = serials != NULL ? g_strv_length ((char **) serials) : 0;
  g_autofree ChainRevokedEntry *entries = g_new0 (ChainRevokedEntry, n + 1);
  ChainCrl *crl = NULL;

  for (guint i = 0; i < n; i++)
    {
      entries[i].serial = serials[i];
      entries[i].revoked_at = now_s () - 60;
      entries[i].reason = CHAIN_REVOCATION_KEY_COMPROMISE;
    }
  crl = chain_issuer_create_crl (issuer, entries, n, number, 0, now_s () + 30 * DAY, &error);
  test_assert_no_error (error);
  return crl;
}

/* ---- Statements ------------------------------------------------------------------ */

ChainStatement *
test_story_statement (TestStory         *s,
                      ChainRecordType    type,
                      const char        *author,
                      ChainJson         *body,
                      const TestOfficer *signer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) owned = body;
  g_autofree char *policy = chain_policy_dup_digest (s->policy);
  ChainStatement *st = chain_statement_new (type, author, s->ledger_id, policy, s->now, body, &error);

  test_assert_no_error (error);
  if (signer != NULL)
    test_story_sign (st, signer);
  return st;
}

void
test_story_add_artifact (ChainStatement *st,
                         const char     *name,
                         GBytes         *data)
{
  g_autoptr(GError) error = NULL;

  ck_assert (chain_statement_add_artifact (st, name, data, &error));
  test_assert_no_error (error);
}

void
test_story_sign (ChainStatement    *st,
                 const TestOfficer *signer)
{
  g_autoptr(GError) error = NULL;

  ck_assert (chain_statement_sign (st, signer->key, &error));
  test_assert_no_error (error);
}

/* Signs @st by @signer unless NULL; returns @st. */
static ChainStatement *
finish (ChainStatement    *st,
        const TestOfficer *signer)
{
  if (signer != NULL)
    test_story_sign (st, signer);
  return st;
}

static void
add_pem (ChainStatement *st,
         const char     *name,
         ChainCert      *cert)
{
  g_autoptr(GBytes) pem = chain_cert_to_pem (cert);

  test_story_add_artifact (st, name, pem);
}

static void
add_csr (ChainStatement *st,
         const char     *name,
         ChainCsr       *csr)
{
  g_autoptr(GBytes) pem = chain_csr_to_pem (csr);

  test_story_add_artifact (st, name, pem);
}

static ChainJson *
custodian_json (const TestParty *p)
{
  ChainJson *custodian = chain_json_new_object ();

  chain_json_object_set_string (custodian, "id", p->id);
  chain_json_object_set_string (custodian, "name", p->name);
  chain_json_object_set_string (custodian, "tier", p->tier);
  return custodian;
}

static ChainStatement *
genesis_statement (TestStory *s)
{
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set (body, "custodian", custodian_json (&s->oem));
  chain_json_object_set (body, "policy", chain_policy_to_json (s->policy));
  st = test_story_statement (s, CHAIN_RECORD_TYPE_GENESIS, s->oem.id, body, NULL);
  add_pem (st, "root.pem", s->oem.cert);
  add_pem (st, "officer.pem", s->oem.officer.cert);
  return finish (st, &s->oem.officer);
}

ChainStatement *
test_story_officer (TestStory         *s,
                    const char        *author,
                    const TestOfficer *signer,
                    ChainCert         *officer)
{
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (body, "custodian", author);
  st = test_story_statement (s, CHAIN_RECORD_TYPE_OFFICER, author, body, NULL);
  add_pem (st, "officer.pem", officer);
  return finish (st, signer);
}

ChainStatement *
test_story_request (TestStory         *s,
                    TestParty         *parent,
                    const TestOfficer *signer,
                    TestParty         *child)
{
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set (body, "custodian", custodian_json (child));
  chain_json_object_set_string (body, "parent", parent->id);
  st = test_story_statement (s, CHAIN_RECORD_TYPE_DELEGATION_REQUEST, parent->id, body, NULL);
  add_csr (st, "ca.csr", child->csr);
  add_csr (st, "officer.csr", child->officer_csr);
  return finish (st, signer);
}

ChainStatement *
test_story_approval (TestStory         *s,
                     const char        *author,
                     const TestOfficer *signer,
                     const char        *request_id)
{
  ChainJson *body = chain_json_new_object ();

  chain_json_object_set_string (body, "target", request_id);
  chain_json_object_set_string (body, "decision", "approve");
  return finish (test_story_statement (s, CHAIN_RECORD_TYPE_APPROVAL, author, body, NULL), signer);
}

ChainStatement *
test_story_delegation (TestStory         *s,
                       TestParty         *parent,
                       const TestOfficer *signer,
                       TestParty         *child,
                       const char        *request_id,
                       ChainCert         *ca)
{
  g_autoptr(ChainNameConstraints) nc = chain_cert_dup_name_constraints (ca);
  ChainJson *body = chain_json_new_object ();
  ChainJson *list = chain_json_new_array ();
  ChainStatement *st = NULL;

  if (nc != NULL)
    {
      g_autofree char *text = chain_name_constraints_to_string (nc);
      g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0')
          chain_json_array_append (list, chain_json_new_string (lines[i]));
    }
  chain_json_object_set_string (body, "request", request_id);
  chain_json_object_set_string (body, "child", child->id);
  chain_json_object_set_integer (body, "path_len", chain_cert_get_path_len (ca));
  chain_json_object_set_integer (body, "not_before", chain_cert_get_not_before (ca));
  chain_json_object_set_integer (body, "not_after", chain_cert_get_not_after (ca));
  chain_json_object_set (body, "name_constraints", list);
  st = test_story_statement (s, CHAIN_RECORD_TYPE_DELEGATION, parent->id, body, NULL);
  add_pem (st, "ca.pem", ca);
  return finish (st, signer);
}

ChainStatement *
test_story_acceptance (TestStory  *s,
                       TestParty  *child,
                       const char *delegation_id)
{
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (body, "delegation", delegation_id);
  st = test_story_statement (s, CHAIN_RECORD_TYPE_ACCEPTANCE, child->id, body, NULL);
  add_pem (st, "officer.pem", child->officer.cert);
  return finish (st, &child->officer);
}

ChainStatement *
test_story_batch (TestStory         *s,
                  const char        *author,
                  const TestOfficer *signer,
                  ChainCert         *issuer,
                  ChainCert        **devices,
                  guint              n,
                  gboolean           with_certificates)
{
  g_autofree char *issuer_sha = test_story_thumbprint (issuer);
  GString *manifest = g_string_new ("device_id,serial,cert_sha256,public_key_sha256\n");
  GByteArray *pems = g_byte_array_new ();
  g_autoptr(GBytes) manifest_bytes = NULL;
  g_autoptr(GBytes) pem_bytes = NULL;
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChainName) subject = chain_cert_dup_subject (devices[i]);
      g_autofree char *cn = chain_name_dup_common_name (subject);
      g_autofree char *serial = chain_cert_dup_serial (devices[i]);
      g_autofree char *sha = test_story_thumbprint (devices[i]);
      g_autofree char *spki = chain_cert_dup_public_key_sha256 (devices[i]);
      g_autoptr(GBytes) pem = chain_cert_to_pem (devices[i]);

      g_string_append_printf (manifest, "%s,%s,%s,%s\n", cn, serial, sha, spki);
      g_byte_array_append (pems, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
    }
  manifest_bytes = g_string_free_to_bytes (manifest);
  pem_bytes = g_byte_array_free_to_bytes (pems);
  chain_json_object_set_string (body, "issuer", issuer_sha);
  chain_json_object_set_integer (body, "count", n);
  st = test_story_statement (s, CHAIN_RECORD_TYPE_DEVICE_BATCH, author, body, NULL);
  test_story_add_artifact (st, "manifest.csv", manifest_bytes);
  if (with_certificates)
    test_story_add_artifact (st, "certificates.pem", pem_bytes);
  return finish (st, signer);
}

ChainStatement *
test_story_pop (TestStory         *s,
                const char        *author,
                const TestOfficer *signer,
                ChainCert         *ca,
                ChainCert         *verification)
{
  g_autofree char *ca_sha = test_story_thumbprint (ca);
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (body, "ca", ca_sha);
  chain_json_object_set_string (body, "code", TEST_STORY_POP_CODE);
  chain_json_object_set_string (body, "target", "azure-iothub");
  st = test_story_statement (s, CHAIN_RECORD_TYPE_POP, author, body, NULL);
  add_pem (st, "verification.pem", verification);
  return finish (st, signer);
}

ChainStatement *
test_story_export (TestStory         *s,
                   const char        *author,
                   const TestOfficer *signer,
                   ChainCert         *ca,
                   const char        *name,
                   GBytes            *content)
{
  g_autofree char *ca_sha = test_story_thumbprint (ca);
  g_autofree char *content_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
  ChainJson *files = chain_json_new_object ();
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (files, name, content_sha);
  chain_json_object_set_string (body, "ca", ca_sha);
  chain_json_object_set_string (body, "target", "azure-iothub");
  chain_json_object_set (body, "files", files);
  st = test_story_statement (s, CHAIN_RECORD_TYPE_EXPORT, author, body, NULL);
  test_story_add_artifact (st, name, content);
  return finish (st, signer);
}

ChainStatement *
test_story_revocation (TestStory         *s,
                       const char        *author,
                       const TestOfficer *signer,
                       ChainCert         *issuer,
                       const char *const *serials,
                       ChainCrl          *crl)
{
  g_autofree char *issuer_sha = test_story_thumbprint (issuer);
  g_autoptr(GBytes) crl_pem = chain_crl_to_pem (crl);
  ChainJson *list = chain_json_new_array ();
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  for (guint i = 0; serials[i] != NULL; i++)
    chain_json_array_append (list, chain_json_new_string (serials[i]));
  chain_json_object_set_string (body, "issuer", issuer_sha);
  chain_json_object_set_string (body, "reason", "key-compromise");
  chain_json_object_set (body, "serials", list);
  st = test_story_statement (s, CHAIN_RECORD_TYPE_REVOCATION, author, body, NULL);
  test_story_add_artifact (st, "crl.pem", crl_pem);
  return finish (st, signer);
}

ChainStatement *
test_story_policy (TestStory         *s,
                   const TestOfficer *signer,
                   const ChainPolicy *policy)
{
  ChainJson *body = chain_json_new_object ();

  chain_json_object_set (body, "policy", chain_policy_to_json (policy));
  return finish (test_story_statement (s, CHAIN_RECORD_TYPE_POLICY, s->oem.id, body, NULL), signer);
}

ChainStatement *
test_story_annotation (TestStory         *s,
                       const char        *author,
                       const TestOfficer *signer,
                       const char        *text)
{
  ChainJson *body = chain_json_new_object ();

  chain_json_object_set_string (body, "text", text);
  return finish (test_story_statement (s, CHAIN_RECORD_TYPE_ANNOTATION, author, body, NULL), signer);
}

ChainStatement *
test_story_rotation (TestStory         *s,
                     const char        *author,
                     const TestOfficer *signer,
                     ChainCert         *old_ca,
                     ChainCert         *new_ca)
{
  g_autofree char *old_sha = test_story_thumbprint (old_ca);
  g_autofree char *new_sha = test_story_thumbprint (new_ca);
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (body, "old", old_sha);
  chain_json_object_set_string (body, "new", new_sha);
  st = test_story_statement (s, CHAIN_RECORD_TYPE_KEY_ROTATION, author, body, NULL);
  add_pem (st, "ca.pem", new_ca);
  return finish (st, signer);
}

/* ---- Appending --------------------------------------------------------------------- */

typedef struct {
  TestStory       *story;
  const ChainCert *committer;
} CheckData;

/* The append's check: the rules at the tip, with the committing officer. */
static gboolean
story_check (ChainLedger    *ledger,
             gint64          tip_seq,
             const char     *tip_digest,
             ChainStatement *statement,
             gpointer        user_data,
             GError        **error)
{
  CheckData *data = user_data;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;

  (void) ledger;
  (void) tip_digest;
  if ((gint64) chain_ledger_state_get_n_records (data->story->state) != tip_seq + 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   "the story's state holds %" G_GUINT64_FORMAT " records but the ledger %" G_GINT64_FORMAT,
                   chain_ledger_state_get_n_records (data->story->state), tip_seq + 1);
      return FALSE;
    }
  record.seq = (guint64) (tip_seq + 1);
  record.statement = statement;
  record.commit_signer = data->committer;
  return chain_ledger_state_check (data->story->state, &record, error);
}

static void
state_apply (TestStory         *s,
             ChainStatement    *st,
             const TestOfficer *committer,
             guint64            seq)
{
  g_autoptr(GError) error = NULL;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;

  record.seq = seq;
  record.statement = st;
  record.commit_signer = committer->cert;
  ck_assert_msg (chain_ledger_state_apply (s->state, &record, &error), "record %" G_GUINT64_FORMAT ": %s",
                 seq, error != NULL ? error->message : "?");
}

gboolean
test_story_try_append (TestStory         *s,
                       ChainStatement    *st,
                       const TestOfficer *committer,
                       GError           **error)
{
  CheckData data = { s, committer->cert };
  guint64 seq = chain_ledger_get_length (s->ledger);

  if (!chain_ledger_append (s->ledger, st, committer->signer, story_check, &data, NULL, NULL, error))
    return FALSE;
  ck_assert_uint_eq (chain_ledger_get_length (s->ledger), seq + 1);
  state_apply (s, st, committer, seq);
  /* Later statements name the policy now in force. */
  if (chain_statement_get_record_type (st) == CHAIN_RECORD_TYPE_POLICY)
    {
      chain_policy_free (s->policy);
      s->policy = chain_policy_copy (chain_ledger_state_get_policy (s->state));
    }
  return TRUE;
}

guint64
test_story_append (TestStory         *s,
                   ChainStatement    *st,
                   const TestOfficer *committer)
{
  g_autoptr(GError) error = NULL;
  guint64 seq = chain_ledger_get_length (s->ledger);

  ck_assert_msg (test_story_try_append (s, st, committer, &error), "record %" G_GUINT64_FORMAT " refused: %s",
                 seq, error != NULL ? error->message : "?");
  return seq;
}

guint64
test_story_append_unchecked (TestStory         *s,
                             ChainStatement    *st,
                             const TestOfficer *committer)
{
  g_autoptr(GError) error = NULL;
  guint64 seq = chain_ledger_get_length (s->ledger);

  ck_assert (chain_ledger_append (s->ledger, st, committer->signer, NULL, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  return seq;
}

/* Appends @st (transfer full) and remembers its id as step @step. */
static void
step (TestStory         *s,
      guint              index,
      ChainStatement    *st,
      const TestOfficer *committer)
{
  g_autoptr(ChainStatement) owned = st;

  ck_assert_uint_eq (test_story_append (s, st, committer), index);
  s->ids[index] = g_strdup (chain_statement_get_id (st));
}

/* ---- The story ---------------------------------------------------------------------- */

static void
party_init (TestParty  *p,
            const char *id,
            const char *name,
            const char *tier,
            const char *subject,
            const char *officer_subject,
            const char *constraints)
{
  p->id = id;
  p->name = name;
  p->tier = tier;
  p->subject = subject;
  p->officer_subject = officer_subject;
  p->constraints = constraints;
}

static void
make_pki (TestStory *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) root_name = name_new (s->oem.subject);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = s->now;

  s->oem.key = key_new ();
  options.not_before = now - 10 * DAY;
  options.not_after = now + 7000 * DAY;
  options.path_len = 2;
  s->oem.cert = chain_root_create (s->oem.key, root_name, &options, &error);
  test_assert_no_error (error);
  s->oem.issuer = chain_issuer_new (s->oem.cert, s->oem.key, NULL, &error);
  test_assert_no_error (error);
  party_officer_make (&s->oem);
  test_story_officer_make (&s->oem2, &s->oem, "Oscar");

  test_story_party_make (s, &s->cm_a, &s->oem, 1, now - 9 * DAY, now + 3000 * DAY);
  test_story_party_make (s, &s->cm_b, &s->oem, 1, now - 9 * DAY, now + 3000 * DAY);
  test_story_party_make (s, &s->dist_x, &s->cm_a, 0, now - 8 * DAY, now + 1500 * DAY);
  test_story_officer_make (&s->cm_a2, &s->cm_a, "Alan");

  for (guint i = 0; i < TEST_STORY_N_DEVICES; i++)
    {
      g_autofree char *id = g_strdup_printf ("dist-x-%04u", i);

      s->devices[i] = test_story_device (s->dist_x.issuer, id);
    }
  s->pop = chain_issuer_issue_pop (s->oem.issuer, TEST_STORY_POP_CODE, &error);
  test_assert_no_error (error);
  {
    g_autofree char *serial = chain_cert_dup_serial (s->devices[0]);
    const char *serials[] = { serial, NULL };

    s->device_crl = test_story_crl (s->dist_x.issuer, serials, 1);
  }
  s->export_content = chain_cert_to_pem (s->oem.cert);
}

TestStory *
test_story_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainStatement) genesis = NULL;
  TestStory *s = g_new0 (TestStory, 1);
  CheckData data = { s, NULL };

  s->now = now_s ();
  s->dir = test_support_tmpdir_new ();
  s->path = g_build_filename (s->dir, "ledger.git", NULL);
  s->ledger_id = chain_statement_new_id ();
  s->policy = chain_policy_new_default ();
  chain_policy_set_threshold (s->policy, CHAIN_RECORD_TYPE_DELEGATION, 2);
  chain_policy_set_threshold (s->policy, CHAIN_RECORD_TYPE_POLICY, 2);
  s->state = chain_ledger_state_new ();

  party_init (&s->oem, "oem", "Widget Ltd", "oem", "CN=Widget Root CA,O=Widget Ltd,C=DE",
              "CN=Olivia,O=Widget Ltd,C=DE", NULL);
  party_init (&s->cm_a, "cm-a", "CM A GmbH", "manufacturer", "CN=CM A CA,O=CM A,C=DE",
              "CN=Alice,O=CM A,C=DE", "O=CM A,C=DE");
  party_init (&s->cm_b, "cm-b", "CM B GmbH", "manufacturer", "CN=CM B CA,O=CM B,C=DE",
              "CN=Bob,O=CM B,C=DE", "O=CM B,C=DE");
  party_init (&s->dist_x, "dist-x", "Dist X", "distributor", "CN=Dist X CA,OU=Dist X,O=CM A,C=DE",
              "CN=Xena,OU=Dist X,O=CM A,C=DE", "OU=Dist X,O=CM A,C=DE");
  make_pki (s);

  /* 0: genesis, judged like every record. */
  genesis = genesis_statement (s);
  data.committer = s->oem.officer.cert;
  s->ledger = chain_ledger_create (s->path, genesis, s->oem.officer.signer, story_check, &data, NULL, &error);
  test_assert_no_error (error);
  state_apply (s, genesis, &s->oem.officer, 0);
  s->ids[TEST_STORY_GENESIS] = g_strdup (chain_statement_get_id (genesis));

  step (s, TEST_STORY_OFFICER_OEM2, test_story_officer (s, "oem", &s->oem.officer, s->oem2.cert),
        &s->oem.officer);

  step (s, TEST_STORY_REQUEST_CM_A, test_story_request (s, &s->oem, &s->oem.officer, &s->cm_a), &s->oem.officer);
  step (s, TEST_STORY_APPROVE_CM_A, test_story_approval (s, "oem", &s->oem2, s->ids[TEST_STORY_REQUEST_CM_A]),
        &s->oem2);
  step (s, TEST_STORY_DELEGATE_CM_A,
        test_story_delegation (s, &s->oem, &s->oem.officer, &s->cm_a, s->ids[TEST_STORY_REQUEST_CM_A], s->cm_a.cert),
        &s->oem.officer);
  step (s, TEST_STORY_ACCEPT_CM_A, test_story_acceptance (s, &s->cm_a, s->ids[TEST_STORY_DELEGATE_CM_A]),
        &s->cm_a.officer);

  step (s, TEST_STORY_REQUEST_CM_B, test_story_request (s, &s->oem, &s->oem2, &s->cm_b), &s->oem2);
  step (s, TEST_STORY_APPROVE_CM_B, test_story_approval (s, "oem", &s->oem.officer, s->ids[TEST_STORY_REQUEST_CM_B]),
        &s->oem.officer);
  step (s, TEST_STORY_DELEGATE_CM_B,
        test_story_delegation (s, &s->oem, &s->oem2, &s->cm_b, s->ids[TEST_STORY_REQUEST_CM_B], s->cm_b.cert),
        &s->oem2);
  step (s, TEST_STORY_ACCEPT_CM_B, test_story_acceptance (s, &s->cm_b, s->ids[TEST_STORY_DELEGATE_CM_B]),
        &s->cm_b.officer);

  step (s, TEST_STORY_OFFICER_CM_A2, test_story_officer (s, "cm-a", &s->cm_a.officer, s->cm_a2.cert),
        &s->cm_a.officer);
  step (s, TEST_STORY_REQUEST_DIST_X, test_story_request (s, &s->cm_a, &s->cm_a.officer, &s->dist_x),
        &s->cm_a.officer);
  step (s, TEST_STORY_APPROVE_DIST_X,
        test_story_approval (s, "cm-a", &s->cm_a2, s->ids[TEST_STORY_REQUEST_DIST_X]), &s->cm_a2);
  step (s, TEST_STORY_DELEGATE_DIST_X,
        test_story_delegation (s, &s->cm_a, &s->cm_a.officer, &s->dist_x, s->ids[TEST_STORY_REQUEST_DIST_X],
                               s->dist_x.cert), &s->cm_a.officer);
  step (s, TEST_STORY_ACCEPT_DIST_X, test_story_acceptance (s, &s->dist_x, s->ids[TEST_STORY_DELEGATE_DIST_X]),
        &s->dist_x.officer);

  step (s, TEST_STORY_BATCH_DIST_X,
        test_story_batch (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->devices, TEST_STORY_N_DEVICES, TRUE),
        &s->dist_x.officer);
  step (s, TEST_STORY_POP, test_story_pop (s, "oem", &s->oem.officer, s->oem.cert, s->pop), &s->oem.officer);
  step (s, TEST_STORY_EXPORT,
        test_story_export (s, "oem", &s->oem.officer, s->oem.cert, TEST_STORY_EXPORT_NAME, s->export_content),
        &s->oem.officer);
  {
    g_autofree char *serial = chain_cert_dup_serial (s->devices[0]);
    const char *serials[] = { serial, NULL };

    step (s, TEST_STORY_REVOKE_DEVICE,
          test_story_revocation (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, serials, s->device_crl),
          &s->dist_x.officer);
  }
  return s;
}

void
test_story_use_copy (TestStory *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "ledger.git", NULL);
  /* Hard links: git never changes a file in place (objects are immutable,
   * refs and the index cache are replaced by rename), so the copies stay
   * apart. */
  const char *argv[] = { "cp", "-al", s->path, path, NULL };
  g_autofree char *err = NULL;

  ck_assert_msg (test_support_run (argv, NULL, NULL, &err) == 0, "cannot copy the story's ledger: %s", err);
  chain_ledger_free (s->ledger);
  s->ledger = chain_ledger_open (path, NULL, &error);
  test_assert_no_error (error);
  g_free (s->dir);
  g_free (s->path);
  s->dir = g_steal_pointer (&dir);
  s->path = g_steal_pointer (&path);
}

void
test_story_free (TestStory *s)
{
  if (s == NULL)
    return;
  chain_ledger_free (s->ledger);
  test_support_tmpdir_remove (s->dir);
  g_free (s->dir);
  g_free (s->path);
  g_free (s->ledger_id);
  chain_policy_free (s->policy);
  chain_ledger_state_free (s->state);
  test_story_party_clear (&s->oem);
  test_story_party_clear (&s->cm_a);
  test_story_party_clear (&s->cm_b);
  test_story_party_clear (&s->dist_x);
  test_story_officer_clear (&s->oem2);
  test_story_officer_clear (&s->cm_a2);
  for (guint i = 0; i < TEST_STORY_N_DEVICES; i++)
    chain_cert_free (s->devices[i]);
  chain_cert_free (s->pop);
  chain_crl_free (s->device_crl);
  g_bytes_unref (s->export_content);
  for (guint i = 0; i < TEST_STORY_N_RECORDS; i++)
    g_free (s->ids[i]);
  g_free (s);
}
