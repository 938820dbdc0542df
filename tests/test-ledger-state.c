/* test-ledger-state.c — the ledger's rules, record by record
 *
 * A story builds the three-tier supply chain with the real PKI core: the
 * OEM's genesis, two contract manufacturers, a distributor under CM A,
 * device batches, a proof of possession, an export, revocations, a policy
 * change and a key rotation. The happy path replays it all; every rule
 * case replays the story up to one step, then offers a record that breaks
 * exactly one rule and checks that the refusal names the record and the
 * rule, and that the state did not change.
 */
#include "test-pki.h"
#include "test-story.h"

#include "chain-ledger-state-private.h"
#include "chain-pki-private.h"
#include "chain-serial-set-private.h"

#include <string.h>

#define DAY (G_GINT64_CONSTANT (24) * 60 * 60)

/* ---- Parties --------------------------------------------------------------- */

typedef struct {
  ChainKey  *key;
  ChainCsr  *csr;
  ChainCert *cert;
} Officer;

typedef struct {
  /* Knobs, settable before story_build(). */
  const char *id;
  const char *name;
  const char *tier;
  const char *subject;
  const char *officer_subject;
  const char *name_constraints;
  int         path_len;
  gint64      not_before;
  gint64      not_after;
  gboolean    forge_ca;        /* make the CA with test_story_forge(), not the issuer */
  ChainKeyAlgorithm officer_algorithm;

  ChainKey    *key;
  ChainCsr    *csr;
  ChainCert   *cert;
  ChainIssuer *issuer;         /* NULL if the chain does not validate */
  Officer      officer;
} Party;

static void
officer_clear (Officer *o)
{
  g_clear_pointer (&o->key, chain_key_free);
  g_clear_pointer (&o->csr, chain_csr_free);
  g_clear_pointer (&o->cert, chain_cert_free);
}

static void
officer_free (gpointer data)
{
  officer_clear (data);
  g_free (data);
}

static void
party_clear (Party *p)
{
  g_clear_pointer (&p->key, chain_key_free);
  g_clear_pointer (&p->csr, chain_csr_free);
  g_clear_pointer (&p->cert, chain_cert_free);
  g_clear_pointer (&p->issuer, chain_issuer_free);
  officer_clear (&p->officer);
}

/* An officer certificate under @issuer_key/@issuer. */
static ChainCert *
officer_cert (ChainKey   *issuer_key,
              ChainCert  *issuer,
              const char *subject,
              ChainKey   *key)
{
  TestForge f = { TEST_FORGE_OFFICER, issuer_key, issuer, subject, key, 0, 0, -1, NULL, NULL, FALSE };

  f.not_before = test_pki_now () - 3600;
  f.not_after = test_pki_now () + 365 * DAY;
  return test_story_forge (&f);
}

/* An officer with a CSR and a certificate from @issuer, as the PKI core
 * makes them. Where a case has broken the chain so that the issuer refuses
 * (or there is no issuer), the certificate is forged from @issuer_key
 * instead, as the case means the ledger to see it. @subject is the
 * issuer's name with the officer's CN. */
static void
officer_make (Officer     *o,
              ChainIssuer *issuer,
              ChainKey    *issuer_key,
              ChainCert   *issuer_cert,
              const char  *subject,
              ChainKeyAlgorithm algorithm)
{
  o->key = test_pki_key (algorithm);
  o->csr = test_pki_csr (o->key, subject);
  if (issuer != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ChainName) name = chain_name_parse (subject, &error);
      g_autofree char *cn = NULL;
      ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

      test_assert_no_error (error);
      cn = chain_name_dup_common_name (name);
      options.not_before = test_pki_now () - 3600;
      options.not_after = test_pki_now () + 365 * DAY;
      o->cert = chain_issuer_issue_officer (issuer, cn, o->key, &options, NULL);
      if (o->cert != NULL)
        {
          g_autoptr(ChainName) issued = chain_cert_dup_subject (o->cert);

          ck_assert_msg (chain_name_equal (name, issued), "officer subject is not %s", subject);
          return;
        }
    }
  o->cert = officer_cert (issuer_key, issuer_cert, subject, o->key);
}

/* ---- The story --------------------------------------------------------------- */

enum {
  STEP_GENESIS,
  STEP_OFFICER_OEM2,
  STEP_REQUEST_CM_A,
  STEP_APPROVE_CM_A,
  STEP_DELEGATE_CM_A,
  STEP_ACCEPT_CM_A,
  STEP_REQUEST_CM_B,
  STEP_DELEGATE_CM_B,
  STEP_ACCEPT_CM_B,
  STEP_REQUEST_DIST_X,
  STEP_DELEGATE_DIST_X,
  STEP_ACCEPT_DIST_X,
  STEP_BATCH_DIST_X,
  STEP_BATCH_CM_A,
  STEP_POP,
  STEP_EXPORT,
  STEP_REVOKE_DEVICE,
  STEP_ANNOTATE,
  STEP_POLICY,
  STEP_ROTATE_CM_B,
  STEP_OFFICER_CM_B2,
  STEP_REVOKE_CM_B_OLD,
  STEP_BATCH_CM_B,
  N_STEPS
};

#define N_DIST_X_DEVICES 3
#define N_CM_A_DEVICES 2
#define N_CM_B_DEVICES 2

typedef struct {
  gint64            now;
  char             *ledger_id;
  ChainPolicy      *policy;        /* in force for the next draft */
  ChainPolicy      *policy2;       /* what step STEP_POLICY brings in */

  Party             oem;
  Party             cm_a;
  Party             cm_b;
  Party             dist_x;
  Officer           oem2;
  Officer           cm_b2;         /* under CM B's rotated CA */
  ChainKey         *cm_b_new_key;
  ChainCert        *cm_b_new_cert;
  ChainIssuer      *cm_b_new_issuer;

  ChainCert        *dist_x_devices[N_DIST_X_DEVICES];
  ChainCert        *cm_a_devices[N_CM_A_DEVICES];
  ChainCert        *cm_b_devices[N_CM_B_DEVICES];
  ChainCert        *pop;
  ChainCrl         *device_crl;
  ChainCrl         *cm_b_crl;

  Party             cm_c;          /* for cases: a manufacturer the story lacks */
  Party             dist_z;        /* for cases: a distributor under CM B */
  GPtrArray        *extra_officers; /* Officer *, made by cases */
  GPtrArray        *extra_certs;   /* ChainCert *, made by cases */

  char             *ids[N_STEPS];  /* statement ids of the story's steps */
  guint             next_step;
  ChainLedgerState *state;
  GPtrArray        *statements;    /* ChainStatement *, applied, in order */
} Story;

static void
party_init (Party      *p,
            const char *id,
            const char *name,
            const char *tier,
            const char *subject,
            const char *officer_subject,
            const char *name_constraints,
            int         path_len,
            gint64      not_before,
            gint64      not_after)
{
  p->id = id;
  p->name = name;
  p->tier = tier;
  p->subject = subject;
  p->officer_subject = officer_subject;
  p->name_constraints = name_constraints;
  p->path_len = path_len;
  p->not_before = not_before;
  p->not_after = not_after;
  p->officer_algorithm = CHAIN_KEY_ALGORITHM_EC_P256;
}

static Story *
story_new (void)
{
  Story *s = g_new0 (Story, 1);
  gint64 now = test_pki_now ();

  s->now = now;
  s->ledger_id = chain_statement_new_id ();
  s->policy = chain_policy_new_default ();
  s->policy2 = chain_policy_new_default ();
  chain_policy_set_threshold (s->policy2, CHAIN_RECORD_TYPE_ANNOTATION, 2);
  chain_policy_set_algorithm_allowed (s->policy2, CHAIN_KEY_ALGORITHM_RSA_2048, FALSE);
  chain_policy_set_device_max_validity_days (s->policy2, 30);

  party_init (&s->oem, "oem", "Widget Ltd", "oem", "CN=Widget Root CA,O=Widget Ltd,C=DE",
              "CN=Olivia,O=Widget Ltd,C=DE", NULL, 2, now - 10 * DAY, now + 7000 * DAY);
  party_init (&s->cm_a, "cm-a", "CM A GmbH", "manufacturer", "CN=CM A CA,O=CM A,C=DE",
              "CN=Alice,O=CM A,C=DE", "permitted:dirName:O=CM A,C=DE", 1, now - 9 * DAY, now + 3000 * DAY);
  party_init (&s->cm_b, "cm-b", "CM B GmbH", "manufacturer", "CN=CM B CA,O=CM B,C=DE",
              "CN=Bob,O=CM B,C=DE", "permitted:dirName:O=CM B,C=DE", 1, now - 9 * DAY, now + 3000 * DAY);
  party_init (&s->dist_x, "dist-x", "Dist X", "distributor", "CN=Dist X CA,OU=Dist X,O=CM A,C=DE",
              "CN=Xena,OU=Dist X,O=CM A,C=DE", "permitted:dirName:OU=Dist X,O=CM A,C=DE", 0,
              now - 8 * DAY, now + 1500 * DAY);
  s->state = chain_ledger_state_new ();
  s->statements = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_statement_unref);
  s->extra_officers = g_ptr_array_new_with_free_func (officer_free);
  s->extra_certs = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  return s;
}

static void
story_free (Story *s)
{
  g_free (s->ledger_id);
  chain_policy_free (s->policy);
  chain_policy_free (s->policy2);
  party_clear (&s->oem);
  party_clear (&s->cm_a);
  party_clear (&s->cm_b);
  party_clear (&s->dist_x);
  party_clear (&s->cm_c);
  party_clear (&s->dist_z);
  g_ptr_array_unref (s->extra_officers);
  g_ptr_array_unref (s->extra_certs);
  officer_clear (&s->oem2);
  officer_clear (&s->cm_b2);
  chain_key_free (s->cm_b_new_key);
  chain_cert_free (s->cm_b_new_cert);
  chain_issuer_free (s->cm_b_new_issuer);
  for (guint i = 0; i < N_DIST_X_DEVICES; i++)
    chain_cert_free (s->dist_x_devices[i]);
  for (guint i = 0; i < N_CM_A_DEVICES; i++)
    chain_cert_free (s->cm_a_devices[i]);
  for (guint i = 0; i < N_CM_B_DEVICES; i++)
    chain_cert_free (s->cm_b_devices[i]);
  chain_cert_free (s->pop);
  chain_crl_free (s->device_crl);
  chain_crl_free (s->cm_b_crl);
  for (guint i = 0; i < N_STEPS; i++)
    g_free (s->ids[i]);
  chain_ledger_state_free (s->state);
  g_ptr_array_unref (s->statements);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Story, story_free)

/* Makes @p's CA under @parent (ancestors: @parent's chain) and its officer. */
static void
party_build (Party *p,
             Party *parent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainNameConstraints) nc = NULL;
  g_autoptr(GPtrArray) ancestors = g_ptr_array_new ();
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  p->key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  p->csr = test_pki_csr (p->key, p->subject);
  if (p->forge_ca)
    {
      TestForge f = { TEST_FORGE_CA, parent->key, parent->cert, p->subject, p->key, p->not_before, p->not_after,
                  p->path_len, p->name_constraints, NULL, FALSE };

      p->cert = test_story_forge (&f);
    }
  else
    {
      if (p->name_constraints != NULL)
        {
          nc = chain_name_constraints_parse (p->name_constraints, &error);
          test_assert_no_error (error);
        }
      options.not_before = p->not_before;
      options.not_after = p->not_after;
      options.path_len = p->path_len;
      options.name_constraints = nc;
      p->cert = chain_issuer_issue_sub_ca (parent->issuer, p->csr, &options, &error);
      test_assert_no_error (error);
    }
  g_ptr_array_extend (ancestors, chain_issuer_get_chain (parent->issuer), NULL, NULL);
  p->issuer = chain_issuer_new (p->cert, p->key, ancestors, NULL);
  chain_openssl_clear_errors ();
  officer_make (&p->officer, p->issuer, p->key, p->cert, p->officer_subject, p->officer_algorithm);
}

static ChainCert *
device_try (ChainIssuer *issuer,
            const char  *id,
            gint64       lifetime,
            ChainKeyAlgorithm algorithm,
            GError     **error)
{
  g_autoptr(ChainKey) key = test_pki_key (algorithm);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_after = test_pki_now () + lifetime;
  return chain_issuer_issue_device (issuer, id, NULL, key, &options, error);
}

static ChainCert *
device_new (ChainIssuer *issuer,
            const char  *id,
            gint64       lifetime,
            ChainKeyAlgorithm algorithm)
{
  g_autoptr(GError) error = NULL;
  ChainCert *cert = device_try (issuer, id, lifetime, algorithm, &error);

  test_assert_no_error (error);
  return cert;
}

static ChainCrl *
crl_new (ChainIssuer     *issuer,
         ChainCert      **revoked,
         guint            n,
         guint64          number)
{
  g_autoptr(GError) error = NULL;
  g_autofree ChainRevokedEntry *entries = g_new0 (ChainRevokedEntry, n + 1);
  g_autoptr(GPtrArray) serials = g_ptr_array_new_with_free_func (g_free);
  ChainCrl *crl;

  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (serials, chain_cert_dup_serial (revoked[i]));
      entries[i].serial = g_ptr_array_index (serials, i);
      entries[i].revoked_at = test_pki_now () - 60;
      entries[i].reason = CHAIN_REVOCATION_KEY_COMPROMISE;
    }
  crl = chain_issuer_create_crl (issuer, entries, n, number, 0, test_pki_now () + 30 * DAY, &error);
  test_assert_no_error (error);
  return crl;
}

/* Keys and certificates for the whole story, after the knobs are set. */
static void
story_build (Story *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) root_name = chain_name_parse (s->oem.subject, &error);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  test_assert_no_error (error);
  s->oem.key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  options.not_before = s->oem.not_before;
  options.not_after = s->oem.not_after;
  options.path_len = s->oem.path_len;
  s->oem.cert = chain_root_create (s->oem.key, root_name, &options, &error);
  test_assert_no_error (error);
  s->oem.issuer = chain_issuer_new (s->oem.cert, s->oem.key, NULL, &error);
  test_assert_no_error (error);
  officer_make (&s->oem.officer, s->oem.issuer, s->oem.key, s->oem.cert, s->oem.officer_subject,
                CHAIN_KEY_ALGORITHM_EC_P256);
  officer_make (&s->oem2, s->oem.issuer, s->oem.key, s->oem.cert, "CN=Oscar,O=Widget Ltd,C=DE",
                CHAIN_KEY_ALGORITHM_EC_P256);

  party_build (&s->cm_a, &s->oem);
  party_build (&s->cm_b, &s->oem);
  if (s->cm_a.issuer != NULL)
    party_build (&s->dist_x, &s->cm_a);

  /* CM B's rotated CA, again under the root, and an officer under it. */
  s->cm_b_new_key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  {
    g_autoptr(ChainCsr) csr = test_pki_csr (s->cm_b_new_key, s->cm_b.subject);
    g_autoptr(ChainNameConstraints) nc = chain_name_constraints_parse (s->cm_b.name_constraints, &error);
    g_autoptr(GPtrArray) ancestors = g_ptr_array_new ();
    ChainIssueOptions sub = CHAIN_ISSUE_OPTIONS_INIT;

    test_assert_no_error (error);
    sub.not_before = s->now - DAY;
    sub.not_after = s->now + 3000 * DAY;
    sub.path_len = 1;
    sub.name_constraints = nc;
    s->cm_b_new_cert = chain_issuer_issue_sub_ca (s->oem.issuer, csr, &sub, &error);
    test_assert_no_error (error);
    g_ptr_array_add (ancestors, s->oem.cert);
    s->cm_b_new_issuer = chain_issuer_new (s->cm_b_new_cert, s->cm_b_new_key, ancestors, &error);
    test_assert_no_error (error);
  }
  officer_make (&s->cm_b2, s->cm_b_new_issuer, s->cm_b_new_key, s->cm_b_new_cert, "CN=Berta,O=CM B,C=DE",
                CHAIN_KEY_ALGORITHM_EC_P256);

  if (s->dist_x.issuer != NULL)
    for (guint i = 0; i < N_DIST_X_DEVICES; i++)
      {
        g_autofree char *id = g_strdup_printf ("dist-x-%04u", i);

        /* A case may give Dist X constraints its devices cannot meet. */
        s->dist_x_devices[i] = device_try (s->dist_x.issuer, id, 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256, NULL);
      }
  if (s->cm_a.issuer != NULL)
    for (guint i = 0; i < N_CM_A_DEVICES; i++)
      {
        g_autofree char *id = g_strdup_printf ("cm-a-%04u", i);

        s->cm_a_devices[i] = device_new (s->cm_a.issuer, id, 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);
      }
  for (guint i = 0; i < N_CM_B_DEVICES; i++)
    {
      g_autofree char *id = g_strdup_printf ("cm-b-%04u", i);

      s->cm_b_devices[i] = device_new (s->cm_b_new_issuer, id, 20 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);
    }
  s->pop = chain_issuer_issue_pop (s->oem.issuer, "ABCDEF0123456789", &error);
  test_assert_no_error (error);
  if (s->dist_x_devices[0] != NULL)
    s->device_crl = crl_new (s->dist_x.issuer, s->dist_x_devices, 1, 1);
  s->cm_b_crl = crl_new (s->oem.issuer, &s->cm_b.cert, 1, 1);
}

/* ---- Drafts: a statement before it is signed ----------------------------------- */

typedef struct {
  ChainRecordType  type;
  char            *author;
  char            *ledger_id;
  char            *policy;
  gint64           time;
  ChainJson       *body;
  GPtrArray       *names;          /* char * */
  GPtrArray       *data;           /* GBytes * */
  GPtrArray       *signers;        /* ChainKey *, borrowed */
  const ChainCert *commit_signer;
  ChainPolicy     *new_policy;     /* for a policy record: what it brings in */
} Draft;

static void
draft_free (Draft *d)
{
  g_free (d->author);
  g_free (d->ledger_id);
  g_free (d->policy);
  chain_json_unref (d->body);
  g_ptr_array_unref (d->names);
  g_ptr_array_unref (d->data);
  g_ptr_array_unref (d->signers);
  chain_policy_free (d->new_policy);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Draft, draft_free)

static Draft *
draft_new (Story           *s,
           ChainRecordType  type,
           const char      *author,
           const Officer   *signer)
{
  Draft *d = g_new0 (Draft, 1);

  d->type = type;
  d->author = g_strdup (author);
  d->ledger_id = g_strdup (s->ledger_id);
  d->policy = chain_policy_dup_digest (s->policy);
  d->time = s->now;
  d->body = chain_json_new_object ();
  d->names = g_ptr_array_new_with_free_func (g_free);
  d->data = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  d->signers = g_ptr_array_new ();
  if (signer != NULL)
    {
      g_ptr_array_add (d->signers, signer->key);
      d->commit_signer = signer->cert;
    }
  return d;
}

/* Sets artifact @name to @data (taken), replacing any of that name. */
static void
draft_put (Draft      *d,
           const char *name,
           GBytes     *data)
{
  for (guint i = 0; i < d->names->len; i++)
    if (strcmp (g_ptr_array_index (d->names, i), name) == 0)
      {
        g_ptr_array_remove_index (d->names, i);
        g_ptr_array_remove_index (d->data, i);
        break;
      }
  g_ptr_array_add (d->names, g_strdup (name));
  g_ptr_array_add (d->data, data);
}

static void
draft_put_text (Draft      *d,
                const char *name,
                const char *text)
{
  draft_put (d, name, g_bytes_new (text, strlen (text)));
}

static void
draft_remove (Draft      *d,
              const char *name)
{
  for (guint i = 0; i < d->names->len; i++)
    if (strcmp (g_ptr_array_index (d->names, i), name) == 0)
      {
        g_ptr_array_remove_index (d->names, i);
        g_ptr_array_remove_index (d->data, i);
        return;
      }
  ck_abort_msg ("test bug: no artifact %s", name);
}

static GBytes *
draft_get (Draft      *d,
           const char *name)
{
  for (guint i = 0; i < d->names->len; i++)
    if (strcmp (g_ptr_array_index (d->names, i), name) == 0)
      return g_ptr_array_index (d->data, i);
  return NULL;
}

static void
draft_sign_only (Draft         *d,
                 const Officer *signer)
{
  g_ptr_array_set_size (d->signers, 0);
  g_ptr_array_add (d->signers, signer->key);
  d->commit_signer = signer->cert;
}

static ChainStatement *
draft_finish (Draft *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainStatement) st = NULL;

  st = chain_statement_new (d->type, d->author, d->ledger_id, d->policy, d->time, d->body, &error);
  test_assert_no_error (error);
  for (guint i = 0; i < d->names->len; i++)
    {
      chain_statement_add_artifact (st, g_ptr_array_index (d->names, i), g_ptr_array_index (d->data, i), &error);
      test_assert_no_error (error);
    }
  for (guint i = 0; i < d->signers->len; i++)
    {
      chain_statement_sign (st, g_ptr_array_index (d->signers, i), &error);
      test_assert_no_error (error);
    }
  if (d->signers->len == 0)
    chain_statement_seal (st);
  return g_steal_pointer (&st);
}

static gboolean
story_offer (Story            *s,
             ChainStatement   *st,
             guint64           seq,
             const ChainCert  *commit_signer,
             GError          **error)
{
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;

  record.seq = seq;
  record.statement = st;
  record.commit_signer = commit_signer;
  return chain_ledger_state_apply (s->state, &record, error);
}

/* Applies @d as the next record; it must be accepted. Returns its id. */
static const char *
story_apply (Story *s,
             Draft *d)
{
  g_autoptr(GError) error = NULL;
  ChainStatement *st = draft_finish (d);
  guint64 seq = chain_ledger_state_get_n_records (s->state);

  ck_assert_msg (story_offer (s, st, seq, d->commit_signer, &error),
                 "record %" G_GUINT64_FORMAT " refused: %s", seq, error ? error->message : "?");
  g_ptr_array_add (s->statements, st);
  if (d->new_policy != NULL)
    {
      chain_policy_free (s->policy);
      s->policy = chain_policy_copy (d->new_policy);
    }
  return chain_statement_get_id (st);
}

static char *
thumbprint (const ChainCert *cert)
{
  g_autoptr(GBytes) der = chain_cert_to_der (cert);

  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, der);
}

static void
body_set_custodian (Draft       *d,
                    const Party *p)
{
  ChainJson *custodian = chain_json_new_object ();

  chain_json_object_set_string (custodian, "id", p->id);
  chain_json_object_set_string (custodian, "name", p->name);
  chain_json_object_set_string (custodian, "tier", p->tier);
  chain_json_object_set (d->body, "custodian", custodian);
}

/* ---- Drafts of each record type ----------------------------------------------- */

static Draft *
genesis_draft (Story *s)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_GENESIS, s->oem.id, &s->oem.officer);

  body_set_custodian (d, &s->oem);
  chain_json_object_set (d->body, "policy", chain_policy_to_json (s->policy));
  draft_put (d, "root.pem", chain_cert_to_pem (s->oem.cert));
  draft_put (d, "officer.pem", chain_cert_to_pem (s->oem.officer.cert));
  return d;
}

static Draft *
officer_draft (Story         *s,
               const char    *custodian,
               const Officer *signer,
               ChainCert     *cert)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_OFFICER, custodian, signer);

  chain_json_object_set_string (d->body, "custodian", custodian);
  draft_put (d, "officer.pem", chain_cert_to_pem (cert));
  return d;
}

static Draft *
request_draft (Story         *s,
               const Party   *parent,
               const Officer *signer,
               const Party   *child)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_DELEGATION_REQUEST, parent->id, signer);

  body_set_custodian (d, child);
  chain_json_object_set_string (d->body, "parent", parent->id);
  draft_put (d, "ca.csr", chain_csr_to_pem (child->csr));
  draft_put (d, "officer.csr", chain_csr_to_pem (child->officer.csr));
  draft_put_text (d, "request.json", "{\"note\":\"as received\"}");
  return d;
}

static Draft *
approval_draft (Story         *s,
                const char    *author,
                const Officer *signer,
                const char    *target,
                const char    *decision)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_APPROVAL, author, signer);

  chain_json_object_set_string (d->body, "target", target);
  chain_json_object_set_string (d->body, "decision", decision);
  return d;
}

/* A delegation whose body describes @cert. */
static Draft *
delegation_draft (Story         *s,
                  const Party   *parent,
                  const Officer *signer,
                  const Party   *child,
                  const char    *request,
                  ChainCert     *cert)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_DELEGATION, parent->id, signer);
  g_autoptr(ChainNameConstraints) nc = chain_cert_dup_name_constraints (cert);
  ChainJson *list = chain_json_new_array ();

  if (nc != NULL)
    {
      g_autofree char *text = chain_name_constraints_to_string (nc);
      g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0')
          chain_json_array_append (list, chain_json_new_string (lines[i]));
    }
  chain_json_object_set_string (d->body, "request", request);
  chain_json_object_set_string (d->body, "child", child->id);
  chain_json_object_set_integer (d->body, "path_len", chain_cert_get_path_len (cert));
  chain_json_object_set_integer (d->body, "not_before", chain_cert_get_not_before (cert));
  chain_json_object_set_integer (d->body, "not_after", chain_cert_get_not_after (cert));
  chain_json_object_set (d->body, "name_constraints", list);
  draft_put (d, "ca.pem", chain_cert_to_pem (cert));
  return d;
}

static Draft *
acceptance_draft (Story         *s,
                  const Party   *child,
                  const Officer *officer,
                  const char    *delegation)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_ACCEPTANCE, child->id, officer);

  chain_json_object_set_string (d->body, "delegation", delegation);
  draft_put (d, "officer.pem", chain_cert_to_pem (officer->cert));
  return d;
}

static char *
manifest_line (ChainCert *cert)
{
  g_autoptr(ChainName) subject = chain_cert_dup_subject (cert);
  g_autofree char *cn = chain_name_dup_common_name (subject);
  g_autofree char *serial = chain_cert_dup_serial (cert);
  g_autofree char *sha = thumbprint (cert);
  g_autofree char *spki = chain_cert_dup_public_key_sha256 (cert);

  return g_strdup_printf ("%s,%s,%s,%s\n", cn, serial, sha, spki);
}

static GBytes *
manifest_of (ChainCert **certs,
             guint       n)
{
  GString *text = g_string_new ("device_id,serial,cert_sha256,public_key_sha256\n");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = manifest_line (certs[i]);

      g_string_append (text, line);
    }
  return g_string_free_to_bytes (text);
}

static GBytes *
pem_bundle (ChainCert **certs,
            guint       n)
{
  GByteArray *out = g_byte_array_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) pem = chain_cert_to_pem (certs[i]);

      g_byte_array_append (out, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
    }
  return g_byte_array_free_to_bytes (out);
}

static Draft *
batch_draft (Story         *s,
             const char    *author,
             const Officer *signer,
             ChainCert     *issuer,
             ChainCert    **certs,
             guint          n,
             gboolean       with_certificates)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_DEVICE_BATCH, author, signer);
  g_autofree char *issuer_sha = thumbprint (issuer);

  chain_json_object_set_string (d->body, "issuer", issuer_sha);
  chain_json_object_set_integer (d->body, "count", n);
  draft_put (d, "manifest.csv", manifest_of (certs, n));
  if (with_certificates)
    draft_put (d, "certificates.pem", pem_bundle (certs, n));
  return d;
}

static Draft *
pop_draft (Story         *s,
           const char    *author,
           const Officer *signer,
           ChainCert     *ca,
           const char    *code,
           ChainCert     *verification)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_POP, author, signer);
  g_autofree char *ca_sha = thumbprint (ca);

  chain_json_object_set_string (d->body, "ca", ca_sha);
  chain_json_object_set_string (d->body, "code", code);
  chain_json_object_set_string (d->body, "target", "azure-iothub");
  draft_put (d, "verification.pem", chain_cert_to_pem (verification));
  return d;
}

/* An export of one file, @name, holding @certs; body.ca names @ca. */
static Draft *
export_draft (Story         *s,
              const char    *author,
              const Officer *signer,
              ChainCert     *ca,
              const char    *name,
              ChainCert    **certs,
              guint          n)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_EXPORT, author, signer);
  g_autofree char *ca_sha = thumbprint (ca);
  GBytes *content = pem_bundle (certs, n);
  g_autofree char *content_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
  ChainJson *files = chain_json_new_object ();

  chain_json_object_set_string (files, name, content_sha);
  chain_json_object_set_string (d->body, "ca", ca_sha);
  chain_json_object_set_string (d->body, "target", "azure-iothub");
  chain_json_object_set (d->body, "files", files);
  draft_put (d, name, content);
  return d;
}

static Draft *
revocation_draft (Story         *s,
                  const char    *author,
                  const Officer *signer,
                  ChainCert     *issuer,
                  ChainCert    **revoked,
                  guint          n,
                  ChainCrl      *crl)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_REVOCATION, author, signer);
  g_autofree char *issuer_sha = thumbprint (issuer);
  ChainJson *serials = chain_json_new_array ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *serial = chain_cert_dup_serial (revoked[i]);

      chain_json_array_append (serials, chain_json_new_string (serial));
    }
  chain_json_object_set_string (d->body, "issuer", issuer_sha);
  chain_json_object_set_string (d->body, "reason", "key-compromise");
  chain_json_object_set (d->body, "serials", serials);
  draft_put (d, "crl.pem", chain_crl_to_pem (crl));
  return d;
}

static Draft *
rotation_draft (Story         *s,
                const char    *author,
                const Officer *signer,
                ChainCert     *old_ca,
                ChainCert     *new_ca)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_KEY_ROTATION, author, signer);
  g_autofree char *old_sha = thumbprint (old_ca);
  g_autofree char *new_sha = thumbprint (new_ca);

  chain_json_object_set_string (d->body, "old", old_sha);
  chain_json_object_set_string (d->body, "new", new_sha);
  draft_put (d, "ca.pem", chain_cert_to_pem (new_ca));
  return d;
}

static Draft *
annotation_draft (Story         *s,
                  const char    *author,
                  const Officer *signer,
                  const char    *text)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_ANNOTATION, author, signer);

  chain_json_object_set_string (d->body, "text", text);
  return d;
}

static Draft *
policy_draft (Story             *s,
              const char        *author,
              const Officer     *signer,
              const ChainPolicy *policy)
{
  Draft *d = draft_new (s, CHAIN_RECORD_TYPE_POLICY, author, signer);

  chain_json_object_set (d->body, "policy", chain_policy_to_json (policy));
  d->new_policy = chain_policy_copy (policy);
  return d;
}

/* The story's draft for @step, as the happy path records it. */
static Draft *
step_draft (Story *s,
            guint  step)
{
  switch (step)
    {
    case STEP_GENESIS:
      return genesis_draft (s);
    case STEP_OFFICER_OEM2:
      return officer_draft (s, "oem", &s->oem.officer, s->oem2.cert);
    case STEP_REQUEST_CM_A:
      return request_draft (s, &s->oem, &s->oem.officer, &s->cm_a);
    case STEP_APPROVE_CM_A:
      return approval_draft (s, "oem", &s->oem2, s->ids[STEP_REQUEST_CM_A], "approve");
    case STEP_DELEGATE_CM_A:
      return delegation_draft (s, &s->oem, &s->oem.officer, &s->cm_a, s->ids[STEP_REQUEST_CM_A], s->cm_a.cert);
    case STEP_ACCEPT_CM_A:
      return acceptance_draft (s, &s->cm_a, &s->cm_a.officer, s->ids[STEP_DELEGATE_CM_A]);
    case STEP_REQUEST_CM_B:
      return request_draft (s, &s->oem, &s->oem2, &s->cm_b);
    case STEP_DELEGATE_CM_B:
      return delegation_draft (s, &s->oem, &s->oem2, &s->cm_b, s->ids[STEP_REQUEST_CM_B], s->cm_b.cert);
    case STEP_ACCEPT_CM_B:
      return acceptance_draft (s, &s->cm_b, &s->cm_b.officer, s->ids[STEP_DELEGATE_CM_B]);
    case STEP_REQUEST_DIST_X:
      return request_draft (s, &s->cm_a, &s->cm_a.officer, &s->dist_x);
    case STEP_DELEGATE_DIST_X:
      return delegation_draft (s, &s->cm_a, &s->cm_a.officer, &s->dist_x, s->ids[STEP_REQUEST_DIST_X],
                               s->dist_x.cert);
    case STEP_ACCEPT_DIST_X:
      return acceptance_draft (s, &s->dist_x, &s->dist_x.officer, s->ids[STEP_DELEGATE_DIST_X]);
    case STEP_BATCH_DIST_X:
      return batch_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->dist_x_devices,
                          N_DIST_X_DEVICES, TRUE);
    case STEP_BATCH_CM_A:
      return batch_draft (s, "cm-a", &s->cm_a.officer, s->cm_a.cert, s->cm_a_devices, N_CM_A_DEVICES, FALSE);
    case STEP_POP:
      return pop_draft (s, "oem", &s->oem.officer, s->oem.cert, "ABCDEF0123456789", s->pop);
    case STEP_EXPORT:
      return export_draft (s, "oem", &s->oem.officer, s->oem.cert, "root.pem", &s->oem.cert, 1);
    case STEP_REVOKE_DEVICE:
      return revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->dist_x_devices, 1,
                               s->device_crl);
    case STEP_ANNOTATE:
      return annotation_draft (s, "cm-b", &s->cm_b.officer, "line 3 moved to hall B");
    case STEP_POLICY:
      return policy_draft (s, "oem", &s->oem.officer, s->policy2);
    case STEP_ROTATE_CM_B:
      return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, s->cm_b_new_cert);
    case STEP_OFFICER_CM_B2:
      return officer_draft (s, "cm-b", &s->cm_b.officer, s->cm_b2.cert);
    case STEP_REVOKE_CM_B_OLD:
      return revocation_draft (s, "oem", &s->oem.officer, s->oem.cert, &s->cm_b.cert, 1, s->cm_b_crl);
    case STEP_BATCH_CM_B:
      return batch_draft (s, "cm-b", &s->cm_b2, s->cm_b_new_cert, s->cm_b_devices, N_CM_B_DEVICES, TRUE);
    default:
      ck_abort_msg ("test bug: no step %u", step);
      return NULL;
    }
}

/* Applies the story's steps up to, not including, @step. */
static void
story_run (Story *s,
           guint  step)
{
  for (; s->next_step < step; s->next_step++)
    {
      g_autoptr(Draft) d = step_draft (s, s->next_step);

      s->ids[s->next_step] = g_strdup (story_apply (s, d));
    }
}

/* ---- Happy path ---------------------------------------------------------------- */

static guint
count_status (Story              *s,
              ChainCustodyStatus  status)
{
  guint n = 0;

  for (guint i = 0; i < chain_ledger_state_get_n_custodians (s->state); i++)
    n += chain_custodian_get_status (chain_ledger_state_get_custodian (s->state, i), s->now) == status;
  return n;
}

START_TEST (test_three_tier_story)
{
  g_autoptr(Story) s = story_new ();
  const ChainCustodian *oem;
  const ChainCustodian *cm_a;
  const ChainCustodian *cm_b;
  const ChainCustodian *dist_x;
  const ChainLedgerRequest *request;
  const ChainLedgerExport *export;
  g_autofree char *device0 = NULL;
  g_autofree char *device1 = NULL;
  g_autofree char *old_cm_b = NULL;
  g_autofree char *policy1 = NULL;
  g_autofree char *policy2 = NULL;
  ChainCert *issuer = NULL;
  gboolean revoked = TRUE;

  story_build (s);
  ck_assert_ptr_null (chain_ledger_state_get_ledger_id (s->state));
  ck_assert_ptr_null (chain_ledger_state_get_policy (s->state));
  story_run (s, STEP_POLICY);

  policy1 = chain_policy_dup_digest (s->policy);
  ck_assert_str_eq (chain_ledger_state_get_ledger_id (s->state), s->ledger_id);
  ck_assert_str_eq (chain_ledger_state_get_policy_digest (s->state), policy1);
  ck_assert (chain_cert_equal (chain_ledger_state_get_root (s->state), s->oem.cert));
  ck_assert_uint_eq (chain_ledger_state_get_n_custodians (s->state), 4);
  oem = chain_ledger_state_get_custodian (s->state, 0);
  cm_a = chain_ledger_state_find_custodian (s->state, "cm-a");
  cm_b = chain_ledger_state_find_custodian (s->state, "cm-b");
  dist_x = chain_ledger_state_find_custodian (s->state, "dist-x");
  ck_assert_ptr_null (chain_ledger_state_find_custodian (s->state, "cm-z"));
  ck_assert_str_eq (chain_custodian_get_id (oem), "oem");
  ck_assert_str_eq (chain_custodian_get_name (oem), "Widget Ltd");
  ck_assert_str_eq (chain_custodian_get_tier (oem), "oem");
  ck_assert_ptr_null (chain_custodian_get_parent_id (oem));
  ck_assert_str_eq (chain_custodian_get_parent_id (cm_a), "oem");
  ck_assert_str_eq (chain_custodian_get_parent_id (dist_x), "cm-a");
  ck_assert_str_eq (chain_custodian_get_tier (dist_x), "distributor");
  ck_assert_uint_eq (chain_custodian_get_n_officers (oem), 2);
  ck_assert_str_eq (chain_custodian_get_officer_key_id (oem, 1), chain_statement_get_signature_key_id (
                      g_ptr_array_index (s->statements, STEP_APPROVE_CM_A), 0));
  ck_assert (chain_cert_equal (chain_custodian_get_ca (cm_a, 0), s->cm_a.cert));
  ck_assert (chain_cert_equal (chain_custodian_get_officer (dist_x, 0), s->dist_x.officer.cert));
  ck_assert (!chain_custodian_is_officer_revoked (dist_x, 0));
  ck_assert_uint_eq (chain_custodian_get_n_devices (dist_x), N_DIST_X_DEVICES);
  ck_assert_uint_eq (chain_custodian_get_n_devices (cm_a), N_CM_A_DEVICES);
  ck_assert_uint_eq (chain_custodian_get_n_devices (oem), 0);
  /* One device of Dist X's revoked by serial; counted where it was issued. */
  ck_assert_uint_eq (chain_custodian_get_n_revoked_devices (dist_x), 1);
  ck_assert_uint_eq (chain_custodian_get_n_revoked_devices (cm_a), 0);
  ck_assert_uint_eq (count_status (s, CHAIN_CUSTODY_STATUS_VALID), 4);
  ck_assert_int_eq (chain_custodian_get_status (dist_x, s->now + 2000 * DAY), CHAIN_CUSTODY_STATUS_EXPIRED);

  /* Requests, with the approval the OEM's second officer gave. */
  ck_assert_uint_eq (chain_ledger_state_get_n_requests (s->state), 3);
  request = chain_ledger_state_find_request (s->state, s->ids[STEP_REQUEST_CM_A]);
  ck_assert_ptr_eq (request, chain_ledger_state_get_request (s->state, 0));
  ck_assert_str_eq (chain_ledger_request_get_id (request), s->ids[STEP_REQUEST_CM_A]);
  ck_assert_uint_eq (chain_ledger_request_get_seq (request), STEP_REQUEST_CM_A);
  ck_assert_str_eq (chain_ledger_request_get_custodian_id (request), "cm-a");
  ck_assert_str_eq (chain_ledger_request_get_name (request), "CM A GmbH");
  ck_assert_str_eq (chain_ledger_request_get_tier (request), "manufacturer");
  ck_assert_str_eq (chain_ledger_request_get_parent_id (request), "oem");
  ck_assert_int_eq (chain_ledger_request_get_status (request), CHAIN_REQUEST_STATUS_DELEGATED);
  ck_assert_uint_eq (chain_ledger_request_get_n_approvals (request), 1);
  ck_assert_str_eq (chain_ledger_request_get_approval_key_id (request, 0), chain_custodian_get_officer_key_id (oem, 1));
  {
    g_autofree char *a = chain_csr_dup_public_key_sha256 (chain_ledger_request_get_ca_csr (request));
    g_autofree char *b = chain_csr_dup_public_key_sha256 (s->cm_a.csr);
    g_autofree char *c = chain_csr_dup_public_key_sha256 (chain_ledger_request_get_officer_csr (request));
    g_autofree char *d = chain_csr_dup_public_key_sha256 (s->cm_a.officer.csr);

    ck_assert_str_eq (a, b);
    ck_assert_str_eq (c, d);
  }

  /* Serials: sub-CAs, officers, devices and the proof of possession. */
  device0 = chain_cert_dup_serial (s->dist_x_devices[0]);
  device1 = chain_cert_dup_serial (s->dist_x_devices[1]);
  ck_assert (chain_ledger_state_lookup_serial (s->state, device0, &issuer, &revoked));
  ck_assert (chain_cert_equal (issuer, s->dist_x.cert));
  ck_assert (revoked);
  ck_assert (chain_ledger_state_lookup_serial (s->state, device1, NULL, &revoked));
  ck_assert (!revoked);
  ck_assert (!chain_ledger_state_lookup_serial (s->state, "0123", NULL, NULL));
  ck_assert (!chain_ledger_state_lookup_serial (s->state, "not hex", NULL, NULL));
  /* 3 sub-CAs + 5 officers + 5 devices + 1 verification certificate */
  ck_assert_uint_eq (chain_ledger_state_get_n_issued (s->state), 14);
  ck_assert_uint_eq (chain_ledger_state_get_n_revoked (s->state), 1);

  ck_assert_uint_eq (chain_ledger_state_get_n_exports (s->state), 1);
  export = chain_ledger_state_get_export (s->state, 0);
  ck_assert_uint_eq (chain_ledger_export_get_seq (export), STEP_EXPORT);
  ck_assert_str_eq (chain_ledger_export_get_author (export), "oem");
  ck_assert_str_eq (chain_ledger_export_get_target (export), "azure-iothub");
  {
    g_autofree char *root_sha = thumbprint (s->oem.cert);

    ck_assert_str_eq (chain_ledger_export_get_ca (export), root_sha);
  }
  ck_assert_uint_eq (chain_json_object_get_size (chain_ledger_export_get_files (export)), 1);

  /* The policy changes; CM B rotates, enrols under the new CA, loses the old. */
  story_run (s, N_STEPS);
  policy2 = chain_policy_dup_digest (s->policy2);
  ck_assert_str_eq (chain_ledger_state_get_policy_digest (s->state), policy2);
  ck_assert (chain_policy_equal (chain_ledger_state_get_policy (s->state), s->policy2));
  ck_assert_uint_eq (chain_ledger_state_get_n_records (s->state), N_STEPS);
  ck_assert_uint_eq (chain_custodian_get_n_cas (cm_b), 2);
  ck_assert_int_eq (chain_custodian_get_ca_status (cm_b, 0, s->now), CHAIN_CUSTODY_STATUS_REVOKED);
  ck_assert_int_eq (chain_custodian_get_ca_status (cm_b, 1, s->now), CHAIN_CUSTODY_STATUS_VALID);
  ck_assert_int_eq (chain_custodian_get_status (cm_b, s->now), CHAIN_CUSTODY_STATUS_VALID);
  ck_assert (chain_custodian_is_officer_revoked (cm_b, 0));
  ck_assert (!chain_custodian_is_officer_revoked (cm_b, 1));
  ck_assert_uint_eq (chain_custodian_get_n_devices (cm_b), N_CM_B_DEVICES);
  /* A revoked CA (and its officer) is no revoked device. */
  ck_assert_uint_eq (chain_custodian_get_n_revoked_devices (oem), 0);
  ck_assert_uint_eq (chain_custodian_get_n_revoked_devices (cm_b), 0);
  old_cm_b = chain_cert_dup_serial (s->cm_b.cert);
  ck_assert (chain_ledger_state_lookup_serial (s->state, old_cm_b, &issuer, &revoked));
  ck_assert (revoked);
  ck_assert (chain_cert_equal (issuer, s->oem.cert));
  ck_assert_uint_eq (chain_ledger_state_get_n_revoked (s->state), 2);
  ck_assert_str_eq (chain_custody_status_to_string (CHAIN_CUSTODY_STATUS_RETIRED), "retired");
  ck_assert_str_eq (chain_custody_status_to_string (CHAIN_CUSTODY_STATUS_PENDING), "pending");
}
END_TEST

/* The custody tree while a delegation awaits acceptance, and after a
 * rotation before the old CA is revoked. */
START_TEST (test_custody_status)
{
  g_autoptr(Story) s = story_new ();
  const ChainCustodian *cm_a;
  const ChainCustodian *cm_b;

  story_build (s);
  story_run (s, STEP_ACCEPT_CM_A);
  cm_a = chain_ledger_state_find_custodian (s->state, "cm-a");
  ck_assert_int_eq (chain_custodian_get_status (cm_a, s->now), CHAIN_CUSTODY_STATUS_PENDING);
  ck_assert (!chain_custodian_is_accepted (cm_a));
  ck_assert (chain_custodian_is_accepted (chain_ledger_state_find_custodian (s->state, "oem")));
  ck_assert_uint_eq (chain_custodian_get_n_officers (cm_a), 0);
  story_run (s, STEP_OFFICER_CM_B2);
  cm_b = chain_ledger_state_find_custodian (s->state, "cm-b");
  ck_assert_int_eq (chain_custodian_get_status (cm_a, s->now), CHAIN_CUSTODY_STATUS_VALID);
  ck_assert_int_eq (chain_custodian_get_ca_status (cm_b, 0, s->now), CHAIN_CUSTODY_STATUS_RETIRED);
  ck_assert_int_eq (chain_custodian_get_ca_status (cm_b, 1, s->now), CHAIN_CUSTODY_STATUS_VALID);
  ck_assert_int_eq (chain_custodian_get_ca_status (cm_b, 1, s->now - 2 * DAY), CHAIN_CUSTODY_STATUS_EXPIRED);
}
END_TEST

/* check() judges like apply() and changes nothing. */
START_TEST (test_check_does_not_change)
{
  g_autoptr(Story) s = story_new ();
  g_autoptr(Draft) d = NULL;
  g_autoptr(ChainStatement) st = NULL;
  g_autoptr(GError) error = NULL;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;

  story_build (s);
  story_run (s, STEP_BATCH_DIST_X);
  d = step_draft (s, STEP_BATCH_DIST_X);
  st = draft_finish (d);
  record.seq = STEP_BATCH_DIST_X;
  record.statement = st;
  record.commit_signer = d->commit_signer;
  ck_assert (chain_ledger_state_check (s->state, &record, &error));
  test_assert_no_error (error);
  ck_assert (chain_ledger_state_check (s->state, &record, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_ledger_state_get_n_records (s->state), STEP_BATCH_DIST_X);
  ck_assert_uint_eq (chain_custodian_get_n_devices (chain_ledger_state_find_custodian (s->state, "dist-x")), 0);
  ck_assert (chain_ledger_state_apply (s->state, &record, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_custodian_get_n_devices (chain_ledger_state_find_custodian (s->state, "dist-x")),
                     N_DIST_X_DEVICES);
  /* The same statement again is a replay. */
  record.seq++;
  ck_assert (!chain_ledger_state_check (s->state, &record, &error));
  ck_assert_msg (strstr (error->message, "rule statement.replay:") != NULL, "%s", error->message);
  test_assert_error (error, CHAIN_ERROR_REFUSED);
}
END_TEST

/* Approvals and the delegation's own signatures add up to a threshold,
 * each key once. */
START_TEST (test_threshold_counts_approvals)
{
  g_autoptr(Story) s = story_new ();
  g_autoptr(ChainPolicy) strict = chain_policy_new_default ();
  g_autoptr(Draft) p = NULL;
  g_autoptr(Draft) r = NULL;
  g_autoptr(Draft) a = NULL;
  g_autoptr(Draft) d = NULL;
  const char *request;

  story_build (s);
  story_run (s, STEP_REQUEST_CM_A);
  chain_policy_set_threshold (strict, CHAIN_RECORD_TYPE_DELEGATION, 2);
  p = policy_draft (s, "oem", &s->oem.officer, strict);
  story_apply (s, p);
  r = request_draft (s, &s->oem, &s->oem.officer, &s->cm_a);
  request = story_apply (s, r);
  a = approval_draft (s, "oem", &s->oem2, request, "approve");
  story_apply (s, a);
  d = delegation_draft (s, &s->oem, &s->oem.officer, &s->cm_a, request, s->cm_a.cert);
  story_apply (s, d);
  ck_assert_int_eq (chain_custodian_get_status (chain_ledger_state_find_custodian (s->state, "cm-a"), s->now),
                    CHAIN_CUSTODY_STATUS_PENDING);
}
END_TEST

/* A delegation revoked before its custodian accepted it is revoked, not
 * pending: it can never come into force. */
START_TEST (test_custody_status_revoked_before_acceptance)
{
  g_autoptr(Story) s = story_new ();
  g_autoptr(Draft) d = NULL;
  g_autoptr(ChainCrl) crl = NULL;
  const ChainCustodian *cm_a;

  story_build (s);
  story_run (s, STEP_ACCEPT_CM_A);
  crl = crl_new (s->oem.issuer, &s->cm_a.cert, 1, 1);
  d = revocation_draft (s, "oem", &s->oem.officer, s->oem.cert, &s->cm_a.cert, 1, crl);
  story_apply (s, d);
  cm_a = chain_ledger_state_find_custodian (s->state, "cm-a");
  ck_assert (!chain_custodian_is_accepted (cm_a));
  ck_assert_int_eq (chain_custodian_get_status (cm_a, s->now), CHAIN_CUSTODY_STATUS_REVOKED);
}
END_TEST

/* ---- Device ids: one certificate in force per id -------------------------------- */

/* Device @id names @cert as its latest certificate in @s's state. */
static void
assert_device_serial (Story      *s,
                      const char *id,
                      ChainCert  *cert)
{
  g_autofree char *serial = chain_cert_dup_serial (cert);
  ChainSerialKey id_key;
  ChainSerialKey found;
  ChainSerialKey expected;

  chain_ledger_device_id_key (id, &id_key);
  ck_assert_msg (chain_ledger_state_find_device (s->state, &id_key, &found), "device %s is unknown", id);
  ck_assert (chain_serial_key_from_hex (serial, &expected));
  ck_assert_msg (memcmp (&found, &expected, sizeof found) == 0, "device %s names another certificate than %s",
                 id, serial);
}

/* Offers @d as the next record: it must be refused under @rule with a
 * one-line message, and leave the state as it was. Returns the message. */
static char *
offer_refused (Story      *s,
               Draft      *d,
               const char *rule)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainStatement) st = draft_finish (d);
  g_autofree char *found = NULL;
  guint64 seq = chain_ledger_state_get_n_records (s->state);
  guint64 issued = chain_ledger_state_get_n_issued (s->state);
  gsize ids = chain_ledger_state_get_n_device_ids (s->state);

  ck_assert_msg (!story_offer (s, st, seq, d->commit_signer, &error), "the record was accepted");
  found = chain_ledger_error_dup_rule (error);
  ck_assert_msg (g_strcmp0 (found, rule) == 0, "expected rule %s, got: %s", rule, error->message);
  ck_assert_msg (strchr (error->message, '\n') == NULL, "not one line: %s", error->message);
  ck_assert_uint_eq (chain_ledger_state_get_n_records (s->state), seq);
  ck_assert_uint_eq (chain_ledger_state_get_n_issued (s->state), issued);
  ck_assert_uint_eq (chain_ledger_state_get_n_device_ids (s->state), ids);
  return g_strdup (error->message);
}

static Draft *
dist_x_batch (Story      *s,
              ChainCert **certs,
              guint       n)
{
  return batch_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, certs, n, TRUE);
}

/* Dist X's first device was revoked: its id comes back under a new
 * certificate, which then is the one in force, so a third is refused
 * naming it; dist-x-0001, never revoked, is refused naming its first. */
START_TEST (test_device_id_after_revocation)
{
  g_autoptr(Story) s = story_new ();
  g_autoptr(ChainCert) again = NULL;
  g_autoptr(ChainCert) third = NULL;
  g_autoptr(ChainCert) other = NULL;
  g_autoptr(Draft) d = NULL;
  g_autoptr(Draft) refused = NULL;
  g_autoptr(Draft) refused_other = NULL;
  g_autofree char *message = NULL;
  g_autofree char *message_other = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *first_serial = NULL;
  gsize n_ids;

  story_build (s);
  story_run (s, STEP_ANNOTATE);
  n_ids = chain_ledger_state_get_n_device_ids (s->state);
  ck_assert_uint_eq (n_ids, N_DIST_X_DEVICES + N_CM_A_DEVICES);
  assert_device_serial (s, "dist-x-0000", s->dist_x_devices[0]);
  assert_device_serial (s, "cm-a-0001", s->cm_a_devices[1]);

  again = device_new (s->dist_x.issuer, "dist-x-0000", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);
  d = dist_x_batch (s, &again, 1);
  story_apply (s, d);
  ck_assert_uint_eq (chain_ledger_state_get_n_device_ids (s->state), n_ids);
  assert_device_serial (s, "dist-x-0000", again);
  ck_assert_uint_eq (chain_custodian_get_n_devices (chain_ledger_state_find_custodian (s->state, "dist-x")),
                     N_DIST_X_DEVICES + 1);

  third = device_new (s->dist_x.issuer, "dist-x-0000", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);
  refused = dist_x_batch (s, &third, 1);
  message = offer_refused (s, refused, "batch.device-id-reused");
  serial = chain_cert_dup_serial (again);
  ck_assert_msg (strstr (message, "device id dist-x-0000 ") != NULL && strstr (message, serial) != NULL
                 && strstr (message, "`chain revoke`") != NULL && strstr (message, "'Dist X CA'") != NULL,
                 "the refusal does not name the id, the serial in force (%s), its CA and what to do: %s",
                 serial, message);
  assert_device_serial (s, "dist-x-0000", again);

  other = device_new (s->dist_x.issuer, "dist-x-0001", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);
  refused_other = dist_x_batch (s, &other, 1);
  message_other = offer_refused (s, refused_other, "batch.device-id-reused");
  first_serial = chain_cert_dup_serial (s->dist_x_devices[1]);
  ck_assert_msg (strstr (message_other, "dist-x-0001") != NULL && strstr (message_other, first_serial) != NULL,
                 "%s", message_other);
}
END_TEST

/* A device of CM B's old CA: after the key rotation that CA is retired,
 * not revoked, so the device's certificate is still in force and the id
 * is refused under the new CA; once the OEM revokes the old CA, whatever
 * it issued is revoked with it, and the story's batch brings the id back. */
START_TEST (test_device_id_under_revoked_ca)
{
  g_autoptr(Story) s = story_new ();
  g_autoptr(ChainCert) old = NULL;
  g_autoptr(Draft) d = NULL;
  g_autoptr(Draft) early = NULL;
  g_autofree char *message = NULL;

  story_build (s);
  story_run (s, STEP_ROTATE_CM_B);
  old = device_new (s->cm_b.issuer, "cm-b-0000", 20 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);
  d = batch_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, &old, 1, TRUE);
  story_apply (s, d);
  story_run (s, STEP_REVOKE_CM_B_OLD);

  early = step_draft (s, STEP_BATCH_CM_B);
  message = offer_refused (s, early, "batch.device-id-reused");
  ck_assert_msg (strstr (message, "cm-b-0000") != NULL && strstr (message, "'CM B CA'") != NULL, "%s", message);

  story_run (s, N_STEPS);
  assert_device_serial (s, "cm-b-0000", s->cm_b_devices[0]);
  assert_device_serial (s, "cm-b-0001", s->cm_b_devices[1]);
}
END_TEST

/* An appender judges once and commits the verdict after the append: the
 * id names the new certificate only from the commit on. */
START_TEST (test_device_id_verdict)
{
  g_autoptr(Story) s = story_new ();
  g_autoptr(ChainCert) again = NULL;
  g_autoptr(ChainCert) third = NULL;
  g_autoptr(Draft) d = NULL;
  g_autoptr(Draft) d3 = NULL;
  g_autoptr(ChainStatement) st = NULL;
  g_autoptr(ChainStatement) st3 = NULL;
  g_autoptr(ChainLedgerVerdict) verdict = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rule = NULL;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;

  story_build (s);
  story_run (s, STEP_ANNOTATE);
  again = device_new (s->dist_x.issuer, "dist-x-0000", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);
  d = dist_x_batch (s, &again, 1);
  st = draft_finish (d);
  record.seq = chain_ledger_state_get_n_records (s->state);
  record.statement = st;
  record.commit_signer = d->commit_signer;
  verdict = chain_ledger_state_judge (s->state, &record, &error);
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (verdict);
  assert_device_serial (s, "dist-x-0000", s->dist_x_devices[0]);
  chain_ledger_state_commit_verdict (verdict);
  assert_device_serial (s, "dist-x-0000", again);

  third = device_new (s->dist_x.issuer, "dist-x-0000", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);
  d3 = dist_x_batch (s, &third, 1);
  st3 = draft_finish (d3);
  record.seq = chain_ledger_state_get_n_records (s->state);
  record.statement = st3;
  record.commit_signer = d3->commit_signer;
  ck_assert (!chain_ledger_state_check (s->state, &record, &error));
  rule = chain_ledger_error_dup_rule (error);
  ck_assert_str_eq (rule, "batch.device-id-reused");
}
END_TEST

/* A million devices through the map the rules keep: within 44 bytes a
 * device beside their serials (the id set: 20-byte entries, growing by
 * half, and 4-byte index slots at most 3/4 full, growing by half; the
 * serial entry of each: 4 bytes, growing by half); re-issuing an id
 * replaces its serial and takes nothing more. */
START_TEST (test_device_ids_million)
{
  g_autoptr(ChainLedgerState) state = chain_ledger_state_new ();
  ChainSerialKey id_key;
  ChainSerialKey serial = { { 0 } };
  ChainSerialKey found = { { 0 } };
  char id[32];
  gsize memory;
  guint mismatches = 0;

  serial.bytes[15] = 0x5a;
  for (guint32 i = 0; i < 1000000; i++)
    {
      g_snprintf (id, sizeof id, "dev-%07u", i);
      chain_ledger_device_id_key (id, &id_key);
      memcpy (serial.bytes, &i, sizeof i);
      chain_serial_set_insert (state->serials, &serial, 0);
      chain_ledger_state_set_device (state, &id_key, &serial);
    }
  ck_assert_uint_eq (chain_ledger_state_get_n_device_ids (state), 1000000);
  memory = chain_ledger_state_get_device_memory (state);
  ck_assert_uint_le (memory, 44 * 1000000);

  serial.bytes[15] = 0xa5;
  for (guint32 i = 0; i < 1000000; i += 997)
    {
      g_snprintf (id, sizeof id, "dev-%07u", i);
      chain_ledger_device_id_key (id, &id_key);
      memcpy (serial.bytes, &i, sizeof i);
      chain_serial_set_insert (state->serials, &serial, 0);
      chain_ledger_state_set_device (state, &id_key, &serial);
    }
  for (guint32 i = 0; i < 1000000; i += 991)
    {
      g_snprintf (id, sizeof id, "dev-%07u", i);
      chain_ledger_device_id_key (id, &id_key);
      memcpy (serial.bytes, &i, sizeof i);
      serial.bytes[15] = i % 997 == 0 ? 0xa5 : 0x5a;
      mismatches += !chain_ledger_state_find_device (state, &id_key, &found)
                    || memcmp (&found, &serial, sizeof found) != 0;
    }
  ck_assert_uint_eq (mismatches, 0);
  chain_ledger_device_id_key ("dev-1000000", &id_key);
  ck_assert (!chain_ledger_state_find_device (state, &id_key, NULL));
  ck_assert_uint_eq (chain_ledger_state_get_n_device_ids (state), 1000000);
  ck_assert_uint_eq (chain_ledger_state_get_device_memory (state), memory);
}
END_TEST

START_TEST (test_error_get_rule)
{
  g_autoptr(GError) a = g_error_new (CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                                     "record 3 (delegation): rule delegation.path-length: too deep");
  g_autoptr(GError) b = g_error_new (CHAIN_ERROR, CHAIN_ERROR_VERIFY, "something else");
  g_autoptr(GError) c = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                     "record 3 (delegation): rule delegation.path-length: too deep");
  g_autofree char *rule = chain_ledger_error_dup_rule (a);

  ck_assert_str_eq (rule, "delegation.path-length");
  ck_assert_ptr_null (chain_ledger_error_dup_rule (b));
  ck_assert_ptr_null (chain_ledger_error_dup_rule (c));
  ck_assert_ptr_null (chain_ledger_error_dup_rule (NULL));
}
END_TEST

START_TEST (test_free_null)
{
  chain_ledger_state_free (NULL);
  chain_serial_set_free (NULL);
}
END_TEST

/* ---- The serial set ------------------------------------------------------------ */

START_TEST (test_serial_keys)
{
  ChainSerialKey a;
  ChainSerialKey b;
  static const guint8 long_serial[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
  static const guint8 padded[3] = { 0, 0x0a, 0xbc };

  ck_assert (chain_serial_key_from_hex ("abc", &a));
  ck_assert (chain_serial_key_from_hex ("0ABC", &b));
  ck_assert_int_eq (memcmp (&a, &b, sizeof a), 0);
  chain_serial_key_from_bytes (padded, sizeof padded, &b);
  ck_assert_int_eq (memcmp (&a, &b, sizeof a), 0);
  ck_assert (!chain_serial_key_from_hex ("", &a));
  ck_assert (!chain_serial_key_from_hex ("-01", &a));
  ck_assert (!chain_serial_key_from_hex ("0g", &a));
  ck_assert (!chain_serial_key_from_hex ("00112233445566778899aabbccddeeff0011223344", &a));
  ck_assert (chain_serial_key_from_hex ("0102030405060708090a0b0c0d0e0f1011121314", &a));
  chain_serial_key_from_bytes (long_serial, sizeof long_serial, &b);
  ck_assert_int_eq (memcmp (&a, &b, sizeof a), 0);
}
END_TEST

/* A set filled to three quarters of its index, where many keys share a
 * home slot: each is found by its whole key, with its own entry and value,
 * and a key differing from one in a single bit is not; so does the same
 * set rebuilt from its image, as the state cache does. */
START_TEST (test_serial_set_exact_under_collisions)
{
  g_autoptr(ChainSerialSet) set = chain_serial_set_new ();
  g_autoptr(ChainSerialSet) copy = NULL;
  g_autoptr(GByteArray) entries = g_byte_array_new ();
  ChainSerialKey key = { { 0 } };
  guint64 sip_key[2];
  gsize n_entries = 0;
  gsize n_slots = 0;
  const guint32 *index;
  guint wrong = 0;

  for (guint32 i = 0; i < 768; i++)
    {
      memcpy (key.bytes, &i, sizeof i);
      wrong += !chain_serial_set_insert (set, &key, i + 1);
    }
  index = chain_serial_set_get_image (set, sip_key, &n_entries, &n_slots);
  ck_assert_uint_eq (n_slots, 1024);
  for (gsize done = 0, n = 0; done < n_entries; done += n)
    {
      const void *run = chain_serial_set_get_entry_run (set, done, &n);

      g_byte_array_append (entries, run, (guint) (n * CHAIN_SERIAL_SET_ENTRY_LEN));
    }
  copy = chain_serial_set_new_from_image (sip_key, entries->data, n_entries, index, n_slots,
                                          G_MAXUINT32, 769);
  ck_assert_ptr_nonnull (copy);
  for (guint32 i = 0; i < 768; i++)
    {
      ChainSerialSet *sets[] = { set, copy };

      for (guint j = 0; j < G_N_ELEMENTS (sets); j++)
        {
          guint32 entry = G_MAXUINT32;
          guint32 value = 0;

          memset (&key, 0, sizeof key);
          memcpy (key.bytes, &i, sizeof i);
          wrong += !chain_serial_set_find_entry (sets[j], &key, &entry) || entry != i;
          wrong += !chain_serial_set_lookup (sets[j], &key, &value) || value != i + 1;
          wrong += memcmp (chain_serial_set_get_entry_key (sets[j], i), &key, sizeof key) != 0;
          key.bytes[15 - i % 12] ^= 0x80;
          wrong += chain_serial_set_lookup (sets[j], &key, NULL);
        }
    }
  ck_assert_uint_eq (wrong, 0);
  /* An index pointing twice at one entry, or at none, is refused. */
  {
    g_autofree guint32 *bad = g_memdup2 (index, n_slots * sizeof (guint32));
    gsize used = 0;

    while (bad[used] == 0)
      used++;
    for (gsize i = 0; i < n_slots; i++)
      if (bad[i] == 0)
        {
          bad[i] = bad[used];
          break;
        }
    ck_assert_ptr_null (chain_serial_set_new_from_image (sip_key, entries->data, n_entries, bad, n_slots,
                                                         G_MAXUINT32, 769));
    memcpy (bad, index, n_slots * sizeof (guint32));
    bad[used] = (guint32) n_entries + 1;
    ck_assert_ptr_null (chain_serial_set_new_from_image (sip_key, entries->data, n_entries, bad, n_slots,
                                                         G_MAXUINT32, 769));
  }
}
END_TEST

START_TEST (test_serial_set_million)
{
  g_autoptr(ChainSerialSet) set = chain_serial_set_new ();
  guint32 value = 0;
  ChainSerialKey key = { { 0 } };

  guint inserted = 0;

  /* One assertion at the end: Check records a mark per assertion. */
  for (guint32 i = 0; i < 1000000; i++)
    {
      memcpy (key.bytes, &i, sizeof i);
      key.bytes[15] = 0x5a;
      inserted += chain_serial_set_insert (set, &key, i % 1000);
    }
  ck_assert_uint_eq (inserted, 1000000);
  ck_assert_uint_eq (chain_serial_set_get_size (set), 1000000);
  /* At most 38 bytes a serial: a 20-byte entry, growing by half, and at
   * most 2 index slots of 4 bytes. */
  ck_assert_uint_le (chain_serial_set_get_memory (set), 38 * 1000000);
  for (guint32 i = 0; i < 1000000; i += 997)
    {
      memcpy (key.bytes, &i, sizeof i);
      ck_assert (chain_serial_set_lookup (set, &key, &value));
      ck_assert_uint_eq (value, i % 1000);
      ck_assert (!chain_serial_set_insert (set, &key, 1));
    }
  memcpy (key.bytes, &(guint32) { 7 }, sizeof (guint32));
  ck_assert (chain_serial_set_replace (set, &key, 0x40000007));
  ck_assert (chain_serial_set_lookup (set, &key, &value));
  ck_assert_uint_eq (value, 0x40000007);
  key.bytes[15] = 0;
  ck_assert (!chain_serial_set_lookup (set, &key, NULL));
  ck_assert (!chain_serial_set_replace (set, &key, 1));
  ck_assert_uint_eq (chain_serial_set_get_size (set), 1000000);
}
END_TEST

/* ---- Rule cases ------------------------------------------------------------------- */

typedef struct {
  const char *name;
  guint       step;                         /* story steps applied first */
  void      (*prepare) (Story *s);          /* before the story's keys are made */
  void      (*setup)   (Story *s);          /* extra records after those steps */
  Draft    *(*build)   (Story *s);          /* the record to refuse */
  void      (*tamper)  (Story *s, ChainLedgerRecord *record, ChainStatement **statement);
  const char *rule;
} RuleCase;

/* Helpers for builders. */

/* An officer the story keeps until it is freed. */
static Officer *
story_officer (Story      *s,
               ChainKey   *issuer_key,
               ChainCert  *issuer,
               const char *subject,
               ChainKeyAlgorithm algorithm)
{
  Officer *o = g_new0 (Officer, 1);

  o->key = test_pki_key (algorithm);
  o->cert = officer_cert (issuer_key != NULL ? issuer_key : o->key, issuer, subject, o->key);
  g_ptr_array_add (s->extra_officers, o);
  return o;
}

static void
set_id (Story      *s,
        guint       step,
        const char *id)
{
  g_free (s->ids[step]);
  s->ids[step] = g_strdup (id);
}
static Draft *
standard (Story *s,
          guint  step)
{
  return step_draft (s, step);
}

static ChainCert *
forge_ca_under (Party      *parent,
                const char *subject,
                ChainKey   *key,
                int         path_len,
                const char *nc,
                gint64      not_before,
                gint64      not_after)
{
  TestForge f = { TEST_FORGE_CA, parent->key, parent->cert, subject, key, not_before, not_after, path_len, nc, NULL, FALSE };

  return test_story_forge (&f);
}

static ChainCert *
forge_device_under (ChainKey   *issuer_key,
                    ChainCert  *issuer,
                    const char *subject,
                    gint64      lifetime)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  TestForge f = { TEST_FORGE_DEVICE, issuer_key, issuer, subject, key, 0, 0, -1, NULL, NULL, FALSE };

  f.not_before = test_pki_now () - 60;
  f.not_after = test_pki_now () + lifetime;
  return test_story_forge (&f);
}

static ChainCert *
issue_sub_ca (ChainIssuer *issuer,
              ChainCsr    *csr,
              int          path_len,
              const char  *nc_text,
              gint64       not_before,
              gint64       not_after)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainNameConstraints) nc = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  ChainCert *cert;

  if (nc_text != NULL)
    {
      nc = chain_name_constraints_parse (nc_text, &error);
      test_assert_no_error (error);
    }
  options.not_before = not_before;
  options.not_after = not_after;
  options.path_len = path_len;
  options.name_constraints = nc;
  cert = chain_issuer_issue_sub_ca (issuer, csr, &options, &error);
  test_assert_no_error (error);
  return cert;
}

static void
body_set_string (Draft      *d,
                 const char *key,
                 const char *value)
{
  chain_json_object_set_string (d->body, key, value);
}

static char *
random_hex64 (void)
{
  g_autofree char *id = chain_statement_new_id ();

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
}

/* -- every record -- */

static void
tamper_seq (Story *s, ChainLedgerRecord *record, ChainStatement **statement)
{
  record->seq += 1;
}

/* Appended two hours before the record it follows. */
static void
tamper_appended_earlier (Story *s, ChainLedgerRecord *record, ChainStatement **statement)
{
  record->commit_time = g_get_real_time () / G_USEC_PER_SEC - 2 * 3600;
}

/* Appended by a clock two hours ahead of the judge's. */
static void
tamper_appended_ahead (Story *s, ChainLedgerRecord *record, ChainStatement **statement)
{
  record->commit_time = g_get_real_time () / G_USEC_PER_SEC + 2 * 3600;
}

/* A note signed by a clock two hours ahead. */
static Draft *
build_annotation_future (Story *s)
{
  Draft *d = annotation_draft (s, "cm-b", &s->cm_b.officer, "from the future");

  d->time = s->now + 2 * 3600;
  return d;
}

static Draft *
build_annotation_first (Story *s)
{
  return annotation_draft (s, "oem", &s->oem.officer, "too early");
}

static Draft *
build_second_genesis (Story *s)
{
  return genesis_draft (s);
}

static Draft *
build_other_ledger (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  g_free (d->ledger_id);
  d->ledger_id = chain_statement_new_id ();
  return d;
}

static void
tamper_replay (Story *s, ChainLedgerRecord *record, ChainStatement **statement)
{
  chain_statement_unref (*statement);
  *statement = chain_statement_ref (g_ptr_array_index (s->statements, STEP_OFFICER_OEM2));
  record->statement = *statement;
}

static Draft *
build_old_policy (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  g_free (d->policy);
  d->policy = random_hex64 ();
  return d;
}

static Draft *
build_artifact_missing (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  draft_remove (d, "officer.pem");
  return d;
}

static Draft *
build_artifact_extra (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  draft_put_text (d, "notes.txt", "hello");
  return d;
}

/* The statement parsed back from its bytes, its artifacts not attached. */
static void
tamper_detach (Story *s, ChainLedgerRecord *record, ChainStatement **statement)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = chain_statement_dup_bytes (*statement);
  g_autoptr(GBytes) sigs = chain_statement_dup_signatures_bytes (*statement);

  chain_statement_unref (*statement);
  *statement = chain_statement_parse (bytes, sigs, &error);
  test_assert_no_error (error);
  record->statement = *statement;
}

static Draft *
build_body_unknown_field (Story *s)
{
  Draft *d = standard (s, STEP_ANNOTATE);

  body_set_string (d, "colour", "red");
  return d;
}

static Draft *
build_body_missing_field (Story *s)
{
  Draft *d = annotation_draft (s, "cm-b", &s->cm_b.officer, "x");

  chain_json_unref (d->body);
  d->body = chain_json_new_object ();
  return d;
}

static Draft *
build_body_wrong_type (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);

  body_set_string (d, "count", "2");
  return d;
}

static Draft *
build_unknown_author (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  g_free (d->author);
  d->author = g_strdup ("nobody");
  return d;
}

static Draft *
build_pending_author (Story *s)
{
  return annotation_draft (s, "cm-a", &s->cm_a.officer, "not yet accepted");
}

static Draft *
build_stranger_signs (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);
  Officer *stranger = story_officer (s, NULL, NULL, "CN=Mallory,O=Widget Ltd,C=DE", CHAIN_KEY_ALGORITHM_EC_P256);

  draft_sign_only (d, stranger);
  d->commit_signer = NULL;
  return d;
}

static Draft *
build_other_custodian_signs (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_DIST_X);

  draft_sign_only (d, &s->cm_a.officer);
  return d;
}

static Draft *
build_revoked_officer_signs (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_B);

  draft_sign_only (d, &s->cm_b.officer);
  d->commit_signer = s->cm_b2.cert;
  return d;
}

static Draft *
build_future_time (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  d->time = s->now + 5 * 365 * DAY;
  return d;
}

/* Signatures from another statement by the same officer. */
static void
tamper_signature (Story *s, ChainLedgerRecord *record, ChainStatement **statement)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Draft) other = annotation_draft (s, "oem", &s->oem.officer, "other words");
  g_autoptr(ChainStatement) other_st = draft_finish (other);
  g_autoptr(GBytes) bytes = chain_statement_dup_bytes (*statement);
  g_autoptr(GBytes) sigs = chain_statement_dup_signatures_bytes (other_st);
  ChainStatement *forged = chain_statement_parse (bytes, sigs, &error);
  g_autofree const char **names = NULL;

  test_assert_no_error (error);
  names = chain_statement_get_artifact_names (*statement);
  for (guint i = 0; names[i] != NULL; i++)
    {
      GBytes *data = NULL;

      ck_assert (chain_statement_get_artifact (*statement, names[i], NULL, NULL, &data));
      ck_assert (chain_statement_attach_artifact (forged, names[i], data, &error));
    }
  chain_statement_unref (*statement);
  *statement = forged;
  record->statement = forged;
}

static Draft *
build_one_signature_of_two (Story *s)
{
  return annotation_draft (s, "cm-b", &s->cm_b.officer, "only one of us signed");
}

/* The request approved by the key that also signs the delegation. */
static void
setup_strict_delegation_same_key (Story *s)
{
  g_autoptr(ChainPolicy) strict = chain_policy_new_default ();
  g_autoptr(Draft) p = NULL;
  g_autoptr(Draft) r = NULL;
  g_autoptr(Draft) a = NULL;

  chain_policy_set_threshold (strict, CHAIN_RECORD_TYPE_DELEGATION, 2);
  p = policy_draft (s, "oem", &s->oem.officer, strict);
  story_apply (s, p);
  r = request_draft (s, &s->oem, &s->oem.officer, &s->cm_a);
  set_id (s, STEP_REQUEST_CM_A, story_apply (s, r));
  a = approval_draft (s, "oem", &s->oem.officer, s->ids[STEP_REQUEST_CM_A], "approve");
  story_apply (s, a);
}

static Draft *
build_delegate_cm_a (Story *s)
{
  return standard (s, STEP_DELEGATE_CM_A);
}

static Draft *
build_unsigned (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  g_ptr_array_set_size (d->signers, 0);
  return d;
}

static Draft *
build_commit_by_stranger (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);
  Officer *stranger = story_officer (s, s->oem.key, s->oem.cert, "CN=Mallory,O=Widget Ltd,C=DE",
                                     CHAIN_KEY_ALGORITHM_EC_P256);

  d->commit_signer = stranger->cert;
  return d;
}

static Draft *
build_commit_by_ca (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  d->commit_signer = s->oem.cert;
  return d;
}

static Draft *
build_serial_seen (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);
  g_autofree char *serial = chain_cert_dup_serial (s->dist_x_devices[2]);
  g_autofree char *cm_a_line = manifest_line (s->cm_a_devices[1]);
  g_auto(GStrv) fields = g_strsplit (cm_a_line, ",", -1);
  GString *text = g_string_new ("device_id,serial,cert_sha256,public_key_sha256\n");
  g_autofree char *first = manifest_line (s->cm_a_devices[0]);

  g_string_append (text, first);
  g_string_append_printf (text, "%s,%s,%s,%s", fields[0], serial, fields[2], fields[3]);
  draft_put (d, "manifest.csv", g_string_free_to_bytes (text));
  return d;
}

static Draft *
build_serial_twice (Story *s)
{
  ChainCert *twice[2] = { s->cm_a_devices[0], s->cm_a_devices[0] };
  Draft *d = batch_draft (s, "cm-a", &s->cm_a.officer, s->cm_a.cert, twice, 2, FALSE);

  /* Distinct ids, so only the serial repeats. */
  {
    g_autofree char *line = manifest_line (s->cm_a_devices[0]);
    g_autofree char *renamed = g_strdup_printf ("cm-a-other%s", strchr (line, ','));
    g_autofree char *text = g_strdup_printf ("device_id,serial,cert_sha256,public_key_sha256\n%s%s", line, renamed);

    draft_put_text (d, "manifest.csv", text);
  }
  return d;
}

/* -- genesis -- */

static Draft *
build_genesis_policy_mismatch (Story *s)
{
  Draft *d = genesis_draft (s);

  g_free (d->policy);
  d->policy = chain_policy_dup_digest (s->policy2);
  return d;
}

static Draft *
build_genesis_policy_invalid (Story *s)
{
  Draft *d = genesis_draft (s);
  g_autoptr(ChainJson) bad = chain_policy_to_json (s->policy);
  ChainJson *policy = chain_json_new_object ();

  /* Every member but the thresholds. */
  for (gsize i = 0; i < chain_json_object_get_size (bad); i++)
    if (strcmp (chain_json_object_get_key_at (bad, i), "thresholds") != 0)
      chain_json_object_set (policy, chain_json_object_get_key_at (bad, i),
                             chain_json_ref (chain_json_object_get_value_at (bad, i)));
  chain_json_object_set (d->body, "policy", policy);
  return d;
}

static Draft *
build_genesis_wrong_tier (Story *s)
{
  Draft *d = genesis_draft (s);
  ChainJson *custodian = chain_json_new_object ();

  chain_json_object_set_string (custodian, "id", "oem");
  chain_json_object_set_string (custodian, "name", "Widget Ltd");
  chain_json_object_set_string (custodian, "tier", "manufacturer");
  chain_json_object_set (d->body, "custodian", custodian);
  return d;
}

static Draft *
build_genesis_other_author (Story *s)
{
  Draft *d = genesis_draft (s);

  g_free (d->author);
  d->author = g_strdup ("someone-else");
  return d;
}

static Draft *
build_genesis_root_not_self_signed (Story *s)
{
  Draft *d = genesis_draft (s);

  draft_put (d, "root.pem", chain_cert_to_pem (s->cm_a.cert));
  return d;
}

static void
prepare_root_deep (Story *s)
{
  s->oem.path_len = 3;
}

static void
prepare_root_unlimited (Story *s)
{
  s->oem.path_len = CHAIN_PATH_LEN_UNLIMITED;
}

static Draft *
build_genesis (Story *s)
{
  return genesis_draft (s);
}

static Draft *
build_genesis_officer_foreign (Story *s)
{
  Draft *d = genesis_draft (s);

  draft_put (d, "officer.pem", chain_cert_to_pem (s->cm_a.officer.cert));
  return d;
}

static Draft *
build_genesis_officer_profile (Story *s)
{
  Draft *d = genesis_draft (s);
  TestForge f = { TEST_FORGE_DEVICE, s->oem.key, s->oem.cert, s->oem.officer_subject, s->oem.officer.key, 0, 0, -1, NULL, NULL, FALSE };
  g_autoptr(ChainCert) cert = NULL;

  f.not_before = s->now - 3600;
  f.not_after = s->now + DAY;
  cert = test_story_forge (&f);
  draft_put (d, "officer.pem", chain_cert_to_pem (cert));
  return d;
}

/* -- policy -- */

static Draft *
build_policy_by_cm (Story *s)
{
  return policy_draft (s, "cm-a", &s->cm_a.officer, s->policy2);
}

static Draft *
build_policy_invalid (Story *s)
{
  Draft *d = standard (s, STEP_POLICY);

  chain_json_object_set (d->body, "policy", chain_json_new_object ());
  return d;
}

static Draft *
build_policy_rollback (Story *s)
{
  g_autoptr(ChainPolicy) original = chain_policy_new_default ();

  return policy_draft (s, "oem", &s->oem.officer, original);
}

static Draft *
build_policy_drops_tier (Story *s)
{
  const char *text =
    "{\"algorithms\":[\"ec-p256\"],\"devices\":{\"id_rules\":\"iot-hub\",\"max_validity_days\":3650},"
    "\"thresholds\":{\"annotation\":1,\"approval\":1,\"delegation\":1,\"delegation-request\":1,"
    "\"device-batch\":1,\"export\":1,\"key-rotation\":1,\"officer\":1,\"policy\":1,\"pop\":1,\"revocation\":1},"
    "\"tiers\":[{\"delegates_to\":[\"manufacturer\"],\"issues_devices\":false,\"max_path_len\":1,"
    "\"max_validity_days\":7305,\"name\":\"oem\",\"require_name_constraints\":false},"
    "{\"delegates_to\":[],\"issues_devices\":true,\"max_path_len\":0,\"max_validity_days\":3653,"
    "\"name\":\"manufacturer\",\"require_name_constraints\":true}],\"version\":1}";
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainPolicy) policy = chain_policy_parse (text, strlen (text), &error);

  test_assert_no_error (error);
  return policy_draft (s, "oem", &s->oem.officer, policy);
}

/* -- officer -- */

static Draft *
build_officer_for_other (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  body_set_string (d, "custodian", "cm-a");
  return d;
}

static Draft *
build_officer_garbage (Story *s)
{
  Draft *d = standard (s, STEP_OFFICER_OEM2);

  draft_put_text (d, "officer.pem", "not a certificate");
  return d;
}

static Draft *
build_officer_is_ca (Story *s)
{
  return officer_draft (s, "oem", &s->oem.officer, s->cm_a.cert);
}

static Draft *
build_officer_foreign (Story *s)
{
  Officer *eve = story_officer (s, s->cm_a.key, s->cm_a.cert, "CN=Eve,O=CM A,C=DE", CHAIN_KEY_ALGORITHM_EC_P256);

  return officer_draft (s, "oem", &s->oem.officer, eve->cert);
}

static Draft *
build_officer_rsa (Story *s)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_RSA_2048);
  g_autoptr(ChainCert) cert = officer_cert (s->cm_b_new_key, s->cm_b_new_cert, "CN=Rolf,O=CM B,C=DE", key);

  return officer_draft (s, "cm-b", &s->cm_b.officer, cert);
}

static Draft *
build_officer_again (Story *s)
{
  return officer_draft (s, "oem", &s->oem.officer, s->oem.officer.cert);
}

/* -- delegation request -- */

static Draft *
build_request_wrong_parent (Story *s)
{
  Draft *d = standard (s, STEP_REQUEST_CM_A);

  body_set_string (d, "parent", "cm-b");
  return d;
}

static Draft *
build_request_existing (Story *s)
{
  Draft *d = standard (s, STEP_REQUEST_CM_A);
  ChainJson *custodian = chain_json_new_object ();

  chain_json_object_set_string (custodian, "id", "oem");
  chain_json_object_set_string (custodian, "name", "Again");
  chain_json_object_set_string (custodian, "tier", "manufacturer");
  chain_json_object_set (d->body, "custodian", custodian);
  return d;
}

static Draft *
build_request_bad_id (Story *s)
{
  Draft *d = standard (s, STEP_REQUEST_CM_A);
  ChainJson *custodian = chain_json_new_object ();

  chain_json_object_set_string (custodian, "id", "CM A");
  chain_json_object_set_string (custodian, "name", "CM A GmbH");
  chain_json_object_set_string (custodian, "tier", "manufacturer");
  chain_json_object_set (d->body, "custodian", custodian);
  return d;
}

static Draft *
build_request_pending_again (Story *s)
{
  return standard (s, STEP_REQUEST_CM_A);
}

static Draft *
build_request_skip_tier (Story *s)
{
  Draft *d = standard (s, STEP_REQUEST_CM_A);
  ChainJson *custodian = chain_json_new_object ();

  chain_json_object_set_string (custodian, "id", "cm-a");
  chain_json_object_set_string (custodian, "name", "CM A GmbH");
  chain_json_object_set_string (custodian, "tier", "distributor");
  chain_json_object_set (d->body, "custodian", custodian);
  return d;
}

/* A distributor asking to issue a sub-CA of its own. */
static Draft *
build_request_by_distributor (Story *s)
{
  Party child = s->dist_x;

  child.id = "dist-y";
  return request_draft (s, &s->dist_x, &s->dist_x.officer, &child);
}

static Draft *
build_request_garbage_csr (Story *s)
{
  Draft *d = standard (s, STEP_REQUEST_CM_A);

  draft_put_text (d, "ca.csr", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
  return d;
}

static Draft *
build_request_same_keys (Story *s)
{
  Draft *d = standard (s, STEP_REQUEST_CM_A);

  draft_put (d, "officer.csr", chain_csr_to_pem (s->cm_a.csr));
  return d;
}

static Draft *
build_request_rsa (Story *s)
{
  Party child = s->cm_a;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_RSA_2048);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=CM C CA,O=CM C,C=DE");

  child.id = "cm-c";
  child.csr = csr;
  return request_draft (s, &s->oem, &s->oem.officer, &child);
}

/* -- approval -- */

static Draft *
build_approval_unknown (Story *s)
{
  g_autofree char *id = chain_statement_new_id ();

  return approval_draft (s, "oem", &s->oem2, id, "approve");
}

static Draft *
build_approval_by_other (Story *s)
{
  return approval_draft (s, "cm-b", &s->cm_b.officer, s->ids[STEP_REQUEST_DIST_X], "approve");
}

static Draft *
build_approval_late (Story *s)
{
  return approval_draft (s, "oem", &s->oem2, s->ids[STEP_REQUEST_CM_A], "approve");
}

static Draft *
build_approval_maybe (Story *s)
{
  return approval_draft (s, "oem", &s->oem2, s->ids[STEP_REQUEST_CM_A], "maybe");
}

static Draft *
build_approval_again (Story *s)
{
  return approval_draft (s, "oem", &s->oem2, s->ids[STEP_REQUEST_CM_A], "approve");
}

/* -- delegation -- */

static Draft *
build_delegation_unknown_request (Story *s)
{
  Draft *d = standard (s, STEP_DELEGATE_CM_A);
  g_autofree char *id = chain_statement_new_id ();

  body_set_string (d, "request", id);
  return d;
}

static void
setup_reject_cm_a (Story *s)
{
  g_autoptr(Draft) d = approval_draft (s, "oem", &s->oem2, s->ids[STEP_REQUEST_CM_A], "reject");

  story_apply (s, d);
  ck_assert_int_eq (chain_ledger_request_get_status (chain_ledger_state_find_request (s->state, s->ids[STEP_REQUEST_CM_A])),
                    CHAIN_REQUEST_STATUS_REJECTED);
}

static Draft *
build_delegation_by_grandparent (Story *s)
{
  g_autoptr(ChainCert) cert = forge_ca_under (&s->oem, s->dist_x.subject, s->dist_x.key, 0,
                                              s->dist_x.name_constraints, s->now - 8 * DAY, s->now + 1000 * DAY);

  return delegation_draft (s, &s->oem, &s->oem.officer, &s->dist_x, s->ids[STEP_REQUEST_DIST_X], cert);
}

static Draft *
build_delegation_wrong_child (Story *s)
{
  Draft *d = standard (s, STEP_DELEGATE_CM_A);

  body_set_string (d, "child", "cm-z");
  return d;
}

/* CM A asks for a distributor; then the policy stops manufacturers
 * delegating; the delegation after that is outside CM A's rights. */
static void
setup_policy_stops_delegation (Story *s)
{
  const char *text =
    "{\"algorithms\":[\"ec-p256\",\"ec-p384\",\"rsa-2048\",\"rsa-3072\",\"rsa-4096\"],"
    "\"devices\":{\"id_rules\":\"iot-hub\",\"max_validity_days\":3650},"
    "\"thresholds\":{\"annotation\":1,\"approval\":1,\"delegation\":1,\"delegation-request\":1,"
    "\"device-batch\":1,\"export\":1,\"key-rotation\":1,\"officer\":1,\"policy\":1,\"pop\":1,\"revocation\":1},"
    "\"tiers\":[{\"delegates_to\":[\"manufacturer\"],\"issues_devices\":false,\"max_path_len\":2,"
    "\"max_validity_days\":7305,\"name\":\"oem\",\"require_name_constraints\":false},"
    "{\"delegates_to\":[],\"issues_devices\":true,\"max_path_len\":1,\"max_validity_days\":3653,"
    "\"name\":\"manufacturer\",\"require_name_constraints\":true},"
    "{\"delegates_to\":[],\"issues_devices\":true,\"max_path_len\":0,\"max_validity_days\":1827,"
    "\"name\":\"distributor\",\"require_name_constraints\":true}],\"version\":1}";
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainPolicy) policy = chain_policy_parse (text, strlen (text), &error);
  g_autoptr(Draft) p = NULL;

  test_assert_no_error (error);
  p = policy_draft (s, "oem", &s->oem.officer, policy);
  story_apply (s, p);
}

static Draft *
build_delegate_dist_x (Story *s)
{
  return standard (s, STEP_DELEGATE_DIST_X);
}

static Draft *
build_delegation_garbage (Story *s)
{
  Draft *d = standard (s, STEP_DELEGATE_CM_A);

  draft_put_text (d, "ca.pem", "garbage");
  return d;
}

/* CM A delegating with a certificate CM B's CA signed. */
static Draft *
build_delegation_under_other_cm (Story *s)
{
  g_autoptr(ChainCert) cert = forge_ca_under (&s->cm_b, s->dist_x.subject, s->dist_x.key, 0,
                                              s->dist_x.name_constraints, s->now - 8 * DAY, s->now + 1000 * DAY);

  return delegation_draft (s, &s->cm_a, &s->cm_a.officer, &s->dist_x, s->ids[STEP_REQUEST_DIST_X], cert);
}

static Draft *
build_delegation_unknown_issuer (Story *s)
{
  Party stranger = { 0 };
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) self = NULL;
  g_autoptr(ChainCert) cert = NULL;
  TestForge f = { TEST_FORGE_CA, key, NULL, "CN=Rogue Root,O=Rogue,C=DE", key, s->now - 20 * DAY, s->now + 4000 * DAY, 2, NULL, NULL, FALSE };

  self = test_story_forge (&f);
  stranger.key = key;
  stranger.cert = self;
  cert = forge_ca_under (&stranger, s->cm_a.subject, s->cm_a.key, 1, s->cm_a.name_constraints,
                         s->now - 9 * DAY, s->now + 3000 * DAY);
  return delegation_draft (s, &s->oem, &s->oem.officer, &s->cm_a, s->ids[STEP_REQUEST_CM_A], cert);
}

/* CM B, its old CA revoked, delegating with that CA. */
static void
setup_cm_b_request (Story *s)
{
  Party child = s->dist_x;
  g_autoptr(Draft) r = NULL;

  child.id = "dist-z";
  r = request_draft (s, &s->cm_b, &s->cm_b2, &child);
  set_id (s, STEP_REQUEST_DIST_X, story_apply (s, r));
}

static Draft *
build_delegation_revoked_issuer (Story *s)
{
  Party child = s->dist_x;
  g_autoptr(ChainCert) cert = forge_ca_under (&s->cm_b, s->dist_x.subject, s->dist_x.key, 0,
                                              "permitted:dirName:OU=Dist X,O=CM B,C=DE",
                                              s->now - 8 * DAY, s->now + 1000 * DAY);

  child.id = "dist-z";
  return delegation_draft (s, &s->cm_b, &s->cm_b2, &child, s->ids[STEP_REQUEST_DIST_X], cert);
}

static Draft *
build_delegation_other_key (Story *s)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, s->cm_a.subject);
  g_autoptr(ChainCert) cert = issue_sub_ca (s->oem.issuer, csr, 1, s->cm_a.name_constraints,
                                            s->now - 9 * DAY, s->now + 3000 * DAY);

  return delegation_draft (s, &s->oem, &s->oem.officer, &s->cm_a, s->ids[STEP_REQUEST_CM_A], cert);
}

static Draft *
build_delegation_other_subject (Story *s)
{
  g_autoptr(ChainCsr) csr = test_pki_csr (s->cm_a.key, "CN=CM A Other CA,O=CM A,C=DE");
  g_autoptr(ChainCert) cert = issue_sub_ca (s->oem.issuer, csr, 1, s->cm_a.name_constraints,
                                            s->now - 9 * DAY, s->now + 3000 * DAY);

  return delegation_draft (s, &s->oem, &s->oem.officer, &s->cm_a, s->ids[STEP_REQUEST_CM_A], cert);
}

static Draft *
build_delegation_body_lies (Story *s)
{
  Draft *d = standard (s, STEP_DELEGATE_CM_A);

  chain_json_object_set_integer (d->body, "path_len", 0);
  return d;
}

static Draft *
build_delegation_body_nc_lies (Story *s)
{
  Draft *d = standard (s, STEP_DELEGATE_CM_A);
  ChainJson *list = chain_json_new_array ();

  chain_json_array_append (list, chain_json_new_string ("permitted:dirName:O=Elsewhere,C=DE"));
  chain_json_object_set (d->body, "name_constraints", list);
  return d;
}

static Draft *
build_delegation_leaf (Story *s)
{
  TestForge f = { TEST_FORGE_DEVICE, s->oem.key, s->oem.cert, s->cm_a.subject, s->cm_a.key,
              s->now - 9 * DAY, s->now + 3000 * DAY, -1, NULL, NULL, FALSE };
  g_autoptr(ChainCert) cert = test_story_forge (&f);
  Draft *d = delegation_draft (s, &s->oem, &s->oem.officer, &s->cm_a, s->ids[STEP_REQUEST_CM_A], cert);

  chain_json_object_set_integer (d->body, "path_len", -1);
  return d;
}

/* Requested before the policy bans RSA-2048, delegated after. */
static void
setup_rsa_request_then_policy (Story *s)
{
  g_autoptr(Draft) r = build_request_rsa (s);
  g_autoptr(Draft) p = NULL;

  set_id (s, STEP_REQUEST_CM_B, story_apply (s, r));
  p = standard (s, STEP_POLICY);
  story_apply (s, p);
}

static Draft *
build_delegation_rsa (Story *s)
{
  const ChainLedgerRequest *request = chain_ledger_state_find_request (s->state, s->ids[STEP_REQUEST_CM_B]);
  g_autoptr(ChainCert) cert = issue_sub_ca (s->oem.issuer, (ChainCsr *) chain_ledger_request_get_ca_csr (request), 1,
                                            "permitted:dirName:O=CM C,C=DE", s->now - 9 * DAY, s->now + 3000 * DAY);
  Party child = s->cm_a;

  child.id = "cm-c";
  return delegation_draft (s, &s->oem, &s->oem.officer, &child, s->ids[STEP_REQUEST_CM_B], cert);
}

static void
prepare_dist_x_deep (Story *s)
{
  s->dist_x.path_len = 1;
  s->dist_x.forge_ca = TRUE;
}

static void
prepare_cm_a_shallow (Story *s)
{
  s->cm_a.path_len = 0;
  s->dist_x.forge_ca = TRUE;
}

static void
prepare_cm_a_unlimited (Story *s)
{
  s->cm_a.forge_ca = TRUE;
  s->cm_a.path_len = CHAIN_PATH_LEN_UNLIMITED;
}

static void
prepare_cm_a_no_constraints (Story *s)
{
  s->cm_a.name_constraints = NULL;
}

static void
prepare_dist_x_wide_constraints (Story *s)
{
  s->dist_x.name_constraints = "permitted:dirName:O=CM B,C=DE";
}

static void
prepare_dist_x_outside (Story *s)
{
  s->dist_x.subject = "CN=Dist X CA,O=CM B,C=DE";
  s->dist_x.officer_subject = "CN=Xena,O=CM B,C=DE";
  s->dist_x.name_constraints = "permitted:dirName:O=CM B,C=DE";
  s->dist_x.forge_ca = TRUE;
}

static void
prepare_cm_a_long (Story *s)
{
  s->cm_a.not_after = s->now + 3700 * DAY;
}

static void
prepare_dist_x_beyond_issuer (Story *s)
{
  s->dist_x.not_after = s->now + 3100 * DAY;
  s->dist_x.forge_ca = TRUE;
}

static Draft *
build_delegation_critical_unknown (Story *s)
{
  TestForge f = { TEST_FORGE_CA, s->oem.key, s->oem.cert, s->cm_a.subject, s->cm_a.key,
              s->now - 9 * DAY, s->now + 3000 * DAY, 1, s->cm_a.name_constraints, NULL, TRUE };
  g_autoptr(ChainCert) cert = test_story_forge (&f);

  return delegation_draft (s, &s->oem, &s->oem.officer, &s->cm_a, s->ids[STEP_REQUEST_CM_A], cert);
}

/* -- acceptance -- */

static Draft *
build_acceptance_unknown (Story *s)
{
  Draft *d = standard (s, STEP_ACCEPT_CM_A);
  g_autofree char *id = chain_statement_new_id ();

  body_set_string (d, "delegation", id);
  return d;
}

static Draft *
build_acceptance_of_other (Story *s)
{
  Draft *d = standard (s, STEP_ACCEPT_CM_B);

  body_set_string (d, "delegation", s->ids[STEP_DELEGATE_CM_A]);
  return d;
}

static Draft *
build_acceptance_again (Story *s)
{
  return acceptance_draft (s, &s->cm_a, &s->cm_a.officer, s->ids[STEP_DELEGATE_CM_A]);
}

static Draft *
build_acceptance_garbage (Story *s)
{
  Draft *d = standard (s, STEP_ACCEPT_CM_A);

  draft_put_text (d, "officer.pem", "garbage");
  return d;
}

static Draft *
build_acceptance_device_profile (Story *s)
{
  TestForge f = { TEST_FORGE_DEVICE, s->cm_a.key, s->cm_a.cert, s->cm_a.officer_subject, s->cm_a.officer.key,
              s->now - 3600, s->now + 300 * DAY, -1, NULL, NULL, FALSE };
  g_autoptr(ChainCert) cert = test_story_forge (&f);
  Draft *d = standard (s, STEP_ACCEPT_CM_A);

  draft_put (d, "officer.pem", chain_cert_to_pem (cert));
  return d;
}

static Draft *
build_acceptance_root_issued (Story *s)
{
  g_autoptr(ChainCert) cert = officer_cert (s->oem.key, s->oem.cert, "CN=Alice,O=CM A,C=DE", s->cm_a.officer.key);
  Draft *d = standard (s, STEP_ACCEPT_CM_A);

  draft_put (d, "officer.pem", chain_cert_to_pem (cert));
  return d;
}

static Draft *
build_acceptance_other_key (Story *s)
{
  Officer *other = story_officer (s, s->cm_a.key, s->cm_a.cert, "CN=Alice,O=CM A,C=DE", CHAIN_KEY_ALGORITHM_EC_P256);

  return acceptance_draft (s, &s->cm_a, other, s->ids[STEP_DELEGATE_CM_A]);
}

/* CM C asks (RSA officer) before the policy bans RSA-2048 and is
 * delegated after; its acceptance then enrols an officer the policy bans. */
static void
setup_cm_c_late (Story *s)
{
  Party *c = &s->cm_c;
  g_autoptr(Draft) r = NULL;
  g_autoptr(Draft) p = NULL;
  g_autoptr(Draft) d = NULL;

  party_init (c, "cm-c", "CM C GmbH", "manufacturer", "CN=CM C CA,O=CM C,C=DE", "CN=Carl,O=CM C,C=DE",
              "permitted:dirName:O=CM C,C=DE", 1, s->now - 9 * DAY, s->now + 3000 * DAY);
  c->officer_algorithm = CHAIN_KEY_ALGORITHM_RSA_2048;
  party_build (c, &s->oem);
  r = request_draft (s, &s->oem, &s->oem.officer, c);
  set_id (s, STEP_REQUEST_CM_B, story_apply (s, r));
  p = standard (s, STEP_POLICY);
  story_apply (s, p);
  d = delegation_draft (s, &s->oem, &s->oem.officer, c, s->ids[STEP_REQUEST_CM_B], c->cert);
  set_id (s, STEP_DELEGATE_CM_B, story_apply (s, d));
}

static Draft *
build_accept_cm_c (Story *s)
{
  return acceptance_draft (s, &s->cm_c, &s->cm_c.officer, s->ids[STEP_DELEGATE_CM_B]);
}

/* -- device batch -- */

static Draft *
build_batch_unknown_ca (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);
  g_autofree char *hex = random_hex64 ();

  body_set_string (d, "issuer", hex);
  return d;
}

/* CM A issuing under CM B's CA. */
static Draft *
build_batch_other_cm (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);
  g_autofree char *cm_b = thumbprint (s->cm_b.cert);

  body_set_string (d, "issuer", cm_b);
  return d;
}

static Draft *
build_batch_retired (Story *s)
{
  return batch_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, s->cm_b_devices, N_CM_B_DEVICES, FALSE);
}

static Draft *
build_batch_revoked (Story *s)
{
  return batch_draft (s, "cm-b", &s->cm_b2, s->cm_b.cert, s->cm_b_devices, N_CM_B_DEVICES, FALSE);
}

static Draft *
build_batch_by_oem (Story *s)
{
  return batch_draft (s, "oem", &s->oem.officer, s->oem.cert, s->cm_a_devices, N_CM_A_DEVICES, FALSE);
}

static Draft *
build_batch_bad_header (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);
  GBytes *manifest = draft_get (d, "manifest.csv");
  g_autofree char *text = g_strndup (g_bytes_get_data (manifest, NULL), g_bytes_get_size (manifest));

  text[0] = 'D';
  draft_put_text (d, "manifest.csv", text);
  return d;
}

static Draft *
build_batch_short_line (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);

  draft_put_text (d, "manifest.csv", "device_id,serial,cert_sha256,public_key_sha256\ncm-a-0000,01\ncm-a-0001,02\n");
  return d;
}

static Draft *
build_batch_no_newline (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);
  GBytes *manifest = draft_get (d, "manifest.csv");
  g_autofree char *text = g_strndup (g_bytes_get_data (manifest, NULL), g_bytes_get_size (manifest) - 1);

  draft_put_text (d, "manifest.csv", text);
  return d;
}

/* The manifest's lines swapped against the certificates. */
static Draft *
build_batch_manifest_mismatch (Story *s)
{
  ChainCert *swapped[N_DIST_X_DEVICES] = { s->dist_x_devices[1], s->dist_x_devices[0], s->dist_x_devices[2] };
  Draft *d = standard (s, STEP_BATCH_DIST_X);

  draft_put (d, "manifest.csv", manifest_of (swapped, N_DIST_X_DEVICES));
  return d;
}

static Draft *
build_batch_count (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);

  chain_json_object_set_integer (d->body, "count", 3);
  return d;
}

static Draft *
build_batch_bad_device_id (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);
  g_autofree char *line = manifest_line (s->cm_a_devices[0]);
  g_autofree char *text = g_strdup_printf ("device_id,serial,cert_sha256,public_key_sha256\ncm#a%s",
                                           strchr (line, ','));

  chain_json_object_set_integer (d->body, "count", 1);
  draft_put_text (d, "manifest.csv", text);
  return d;
}

static Draft *
build_batch_device_twice (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_CM_A);
  g_autofree char *a = manifest_line (s->cm_a_devices[0]);
  g_autofree char *b = manifest_line (s->cm_a_devices[1]);
  g_autofree char *text = g_strdup_printf ("device_id,serial,cert_sha256,public_key_sha256\ncm-a-0000%scm-a-0000%s",
                                           strchr (a, ','), strchr (b, ','));

  draft_put_text (d, "manifest.csv", text);
  return d;
}

static Draft *
build_batch_foreign_cert (Story *s)
{
  ChainCert *mixed[N_DIST_X_DEVICES] = { s->dist_x_devices[0], s->cm_a_devices[0], s->dist_x_devices[2] };

  return batch_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, mixed, N_DIST_X_DEVICES, TRUE);
}

static Draft *
build_batch_fewer_certs (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_DIST_X);

  draft_put (d, "certificates.pem", pem_bundle (s->dist_x_devices, N_DIST_X_DEVICES - 1));
  return d;
}

static Draft *
build_batch_junk_certs (Story *s)
{
  Draft *d = standard (s, STEP_BATCH_DIST_X);
  GBytes *pem = draft_get (d, "certificates.pem");
  g_autofree char *text = g_strdup_printf ("%.*sjunk\n", (int) g_bytes_get_size (pem),
                                           (const char *) g_bytes_get_data (pem, NULL));

  draft_put_text (d, "certificates.pem", text);
  return d;
}

static Draft *
build_batch_ca_in_batch (Story *s)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  TestForge f = { TEST_FORGE_CA, s->dist_x.key, s->dist_x.cert, "CN=dist-x-0009,OU=Dist X,O=CM A,C=DE", key,
              s->now - 3600, s->now + 100 * DAY, 0, NULL, NULL, FALSE };
  g_autoptr(ChainCert) cert = test_story_forge (&f);

  return batch_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, &cert, 1, TRUE);
}

static Draft *
build_batch_beyond_issuer (Story *s)
{
  g_autoptr(ChainCert) cert = forge_device_under (s->dist_x.key, s->dist_x.cert, "CN=dist-x-0009,OU=Dist X,O=CM A,C=DE",
                                                  1600 * DAY);

  return batch_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, &cert, 1, TRUE);
}

static Draft *
build_batch_beyond_policy (Story *s)
{
  g_autoptr(ChainCert) cert = device_new (s->cm_b_new_issuer, "cm-b-0009", 60 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);

  return batch_draft (s, "cm-b", &s->cm_b2, s->cm_b_new_cert, &cert, 1, TRUE);
}

static Draft *
build_batch_outside_constraints (Story *s)
{
  g_autoptr(ChainCert) cert = forge_device_under (s->dist_x.key, s->dist_x.cert, "CN=dist-x-0009,O=Evil,C=DE", 100 * DAY);

  return batch_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, &cert, 1, TRUE);
}

static Draft *
build_batch_rsa (Story *s)
{
  g_autoptr(ChainCert) cert = device_new (s->cm_b_new_issuer, "cm-b-0009", 10 * DAY, CHAIN_KEY_ALGORITHM_RSA_2048);

  return batch_draft (s, "cm-b", &s->cm_b2, s->cm_b_new_cert, &cert, 1, TRUE);
}

/* CM A records cm-a-0000 again, under a new certificate, while the one
 * its first batch recorded is in force; a new id beside it changes
 * nothing. */
static Draft *
build_batch_device_id_reused (Story *s)
{
  ChainCert *certs[2] = {
    device_new (s->cm_a.issuer, "cm-a-0100", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256),
    device_new (s->cm_a.issuer, "cm-a-0000", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256),
  };
  Draft *d = batch_draft (s, "cm-a", &s->cm_a.officer, s->cm_a.cert, certs, 2, TRUE);

  chain_cert_free (certs[0]);
  chain_cert_free (certs[1]);
  return d;
}

/* Dist X records an id CM A's CA issued: the cloud would take either
 * certificate for the device, whoever signed it. */
static Draft *
build_batch_device_id_of_other_ca (Story *s)
{
  g_autoptr(ChainCert) cert = device_new (s->dist_x.issuer, "cm-a-0001", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256);

  return batch_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, &cert, 1, TRUE);
}

/* dist-x-0000's certificate was revoked, so the id may come back, but
 * once in a batch. */
static Draft *
build_batch_revoked_id_twice (Story *s)
{
  ChainCert *certs[2] = {
    device_new (s->dist_x.issuer, "dist-x-0000", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256),
    device_new (s->dist_x.issuer, "dist-x-0000", 365 * DAY, CHAIN_KEY_ALGORITHM_EC_P256),
  };
  Draft *d = batch_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, certs, 2, TRUE);

  chain_cert_free (certs[0]);
  chain_cert_free (certs[1]);
  return d;
}

/* -- proof of possession -- */

static Draft *
build_pop_others_ca (Story *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) cert = chain_issuer_issue_pop (s->cm_a.issuer, "CODE1", &error);

  test_assert_no_error (error);
  return pop_draft (s, "oem", &s->oem.officer, s->cm_a.cert, "CODE1", cert);
}

static Draft *
build_pop_revoked (Story *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) cert = chain_issuer_issue_pop (s->cm_b.issuer, "CODE1", &error);

  test_assert_no_error (error);
  return pop_draft (s, "cm-b", &s->cm_b2, s->cm_b.cert, "CODE1", cert);
}

static Draft *
build_pop_target (Story *s)
{
  Draft *d = standard (s, STEP_POP);

  body_set_string (d, "target", "gcp-iot");
  return d;
}

static Draft *
build_pop_wrong_signer (Story *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainCert) cert = chain_issuer_issue_pop (s->cm_a.issuer, "ABCDEF0123456789", &error);

  test_assert_no_error (error);
  return pop_draft (s, "oem", &s->oem.officer, s->oem.cert, "ABCDEF0123456789", cert);
}

static Draft *
build_pop_garbage (Story *s)
{
  Draft *d = standard (s, STEP_POP);

  draft_put_text (d, "verification.pem", "garbage");
  return d;
}

static Draft *
build_pop_code (Story *s)
{
  Draft *d = standard (s, STEP_POP);

  body_set_string (d, "code", "SOMETHINGELSE");
  return d;
}

/* -- export -- */

static Draft *
build_export_target (Story *s)
{
  Draft *d = standard (s, STEP_EXPORT);

  body_set_string (d, "target", "s3");
  return d;
}

static Draft *
build_export_unknown_ca (Story *s)
{
  Draft *d = standard (s, STEP_EXPORT);
  g_autofree char *hex = random_hex64 ();

  body_set_string (d, "ca", hex);
  return d;
}

static Draft *
build_export_revoked_ca (Story *s)
{
  return export_draft (s, "cm-b", &s->cm_b2, s->cm_b.cert, "cm-b.pem", &s->cm_b.cert, 1);
}

static Draft *
build_export_unlisted_file (Story *s)
{
  Draft *d = standard (s, STEP_EXPORT);

  draft_put_text (d, "upload.sh", "az iot hub certificate create ...\n");
  return d;
}

static Draft *
build_export_wrong_digest (Story *s)
{
  Draft *d = standard (s, STEP_EXPORT);
  ChainJson *files = chain_json_new_object ();
  g_autofree char *hex = random_hex64 ();

  chain_json_object_set_string (files, "root.pem", hex);
  chain_json_object_set (d->body, "files", files);
  return d;
}

static Draft *
build_export_unknown_cert (Story *s)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  TestForge f = { TEST_FORGE_CA, key, NULL, "CN=Other Root,O=Other,C=DE", key, s->now - DAY, s->now + 100 * DAY, 1, NULL, NULL, FALSE };
  g_autoptr(ChainCert) other = test_story_forge (&f);
  ChainCert *certs[2] = { s->oem.cert, other };

  return export_draft (s, "oem", &s->oem.officer, s->oem.cert, "root.pem", certs, 2);
}

static Draft *
build_export_ca_missing (Story *s)
{
  return export_draft (s, "oem", &s->oem.officer, s->oem.cert, "cm-a.pem", &s->cm_a.cert, 1);
}

/* -- revocation -- */

static Draft *
build_revocation_others_ca (Story *s)
{
  Draft *d = standard (s, STEP_REVOKE_DEVICE);
  g_autofree char *cm_a = thumbprint (s->cm_a.cert);

  body_set_string (d, "issuer", cm_a);
  return d;
}

static Draft *
build_revocation_reason (Story *s)
{
  Draft *d = standard (s, STEP_REVOKE_DEVICE);

  body_set_string (d, "reason", "because");
  return d;
}

static Draft *
build_revocation_never_issued (Story *s)
{
  g_autoptr(ChainCert) cert = forge_device_under (s->dist_x.key, s->dist_x.cert, "CN=dist-x-0099,OU=Dist X,O=CM A,C=DE", DAY);
  g_autoptr(ChainCrl) crl = crl_new (s->dist_x.issuer, &cert, 1, 1);

  return revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, &cert, 1, crl);
}

static Draft *
build_revocation_of_others_serial (Story *s)
{
  g_autoptr(ChainCrl) crl = crl_new (s->dist_x.issuer, s->cm_a_devices, 1, 1);

  return revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->cm_a_devices, 1, crl);
}

static Draft *
build_revocation_again (Story *s)
{
  g_autoptr(ChainCrl) crl = crl_new (s->dist_x.issuer, s->dist_x_devices, 1, 2);

  return revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->dist_x_devices, 1, crl);
}

static Draft *
build_revocation_listed_twice (Story *s)
{
  ChainCert *twice[2] = { s->dist_x_devices[0], s->dist_x_devices[0] };
  Draft *d = revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, twice, 2, s->device_crl);

  return d;
}

static Draft *
build_revocation_crl_by_other (Story *s)
{
  g_autoptr(ChainCrl) crl = crl_new (s->cm_a.issuer, s->dist_x_devices, 1, 1);

  return revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->dist_x_devices, 1, crl);
}

static Draft *
build_revocation_crl_short (Story *s)
{
  g_autoptr(ChainCrl) crl = crl_new (s->dist_x.issuer, NULL, 0, 1);

  return revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->dist_x_devices, 1, crl);
}

static Draft *
build_revocation_crl_extra (Story *s)
{
  g_autoptr(ChainCrl) crl = crl_new (s->dist_x.issuer, s->dist_x_devices, 2, 1);

  return revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->dist_x_devices, 1, crl);
}

static Draft *
build_revocation_crl_forgets (Story *s)
{
  g_autoptr(ChainCrl) crl = crl_new (s->dist_x.issuer, s->dist_x_devices + 1, 2, 2);

  return revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->dist_x_devices + 1, 1, crl);
}

static Draft *
build_revocation_crl_number (Story *s)
{
  g_autoptr(ChainCrl) crl = crl_new (s->dist_x.issuer, s->dist_x_devices, 2, 1);

  return revocation_draft (s, "dist-x", &s->dist_x.officer, s->dist_x.cert, s->dist_x_devices + 1, 1, crl);
}

static Draft *
build_revocation_bad_serial (Story *s)
{
  Draft *d = standard (s, STEP_REVOKE_DEVICE);
  ChainJson *serials = chain_json_new_array ();

  chain_json_array_append (serials, chain_json_new_string ("xyz"));
  chain_json_object_set (d->body, "serials", serials);
  return d;
}

/* -- key rotation -- */

static Draft *
build_rotation_others_ca (Story *s)
{
  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_a.cert, s->cm_b_new_cert);
}

static Draft *
build_rotation_retired (Story *s)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, s->cm_b.subject);
  g_autoptr(ChainCert) cert = issue_sub_ca (s->oem.issuer, csr, 1, s->cm_b.name_constraints, s->now - DAY, s->now + 100 * DAY);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

static Draft *
build_rotation_root (Story *s)
{
  return rotation_draft (s, "oem", &s->oem.officer, s->oem.cert, s->cm_b_new_cert);
}

static Draft *
build_rotation_wrong_new (Story *s)
{
  Draft *d = standard (s, STEP_ROTATE_CM_B);
  g_autofree char *hex = random_hex64 ();

  body_set_string (d, "new", hex);
  return d;
}

static Draft *
build_rotation_known (Story *s)
{
  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, s->cm_a.cert);
}

static Draft *
build_rotation_subject (Story *s)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, "CN=CM B New CA,O=CM B,C=DE");
  g_autoptr(ChainCert) cert = issue_sub_ca (s->oem.issuer, csr, 1, s->cm_b.name_constraints, s->now - DAY, s->now + 100 * DAY);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

static Draft *
build_rotation_same_key (Story *s)
{
  g_autoptr(ChainCert) cert = issue_sub_ca (s->oem.issuer, s->cm_b.csr, 1, s->cm_b.name_constraints,
                                            s->now - DAY, s->now + 100 * DAY);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

static Draft *
build_rotation_garbage (Story *s)
{
  Draft *d = standard (s, STEP_ROTATE_CM_B);

  draft_put_text (d, "ca.pem", "garbage");
  return d;
}

/* CM B's new CA signed by its sibling CM A instead of the OEM. */
static Draft *
build_rotation_by_sibling (Story *s)
{
  g_autoptr(ChainCert) cert = forge_ca_under (&s->cm_a, s->cm_b.subject, s->cm_b_new_key, 0, s->cm_b.name_constraints,
                                              s->now - DAY, s->now + 100 * DAY);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

/* A distributor under CM B's new CA rotates to a CA from CM B's revoked one. */
static void
setup_dist_z (Story *s)
{
  Party *z = &s->dist_z;
  g_autoptr(Draft) r = NULL;
  g_autoptr(Draft) d = NULL;
  g_autoptr(Draft) a = NULL;
  const char *request;
  const char *delegation;

  party_init (z, "dist-z", "Dist Z", "distributor", "CN=Dist Z CA,OU=Dist Z,O=CM B,C=DE",
              "CN=Zoe,OU=Dist Z,O=CM B,C=DE", "permitted:dirName:OU=Dist Z,O=CM B,C=DE", 0,
              s->now - DAY, s->now + 1000 * DAY);
  z->key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  z->csr = test_pki_csr (z->key, z->subject);
  z->cert = issue_sub_ca (s->cm_b_new_issuer, z->csr, 0, z->name_constraints, z->not_before, z->not_after);
  {
    g_autoptr(GPtrArray) ancestors = g_ptr_array_new ();
    g_autoptr(ChainIssuer) issuer = NULL;
    g_autoptr(GError) error = NULL;

    g_ptr_array_extend (ancestors, chain_issuer_get_chain (s->cm_b_new_issuer), NULL, NULL);
    issuer = chain_issuer_new (z->cert, z->key, ancestors, &error);
    test_assert_no_error (error);
    officer_make (&z->officer, issuer, z->key, z->cert, z->officer_subject, CHAIN_KEY_ALGORITHM_EC_P256);
  }

  r = request_draft (s, &s->cm_b, &s->cm_b2, z);
  request = story_apply (s, r);
  d = delegation_draft (s, &s->cm_b, &s->cm_b2, z, request, z->cert);
  delegation = story_apply (s, d);
  a = acceptance_draft (s, z, &z->officer, delegation);
  story_apply (s, a);
}

static Draft *
build_dist_z_rotation (Story *s)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCert) cert = forge_ca_under (&s->cm_b, s->dist_z.subject, key, 0, s->dist_z.name_constraints,
                                              s->now - DAY, s->now + 100 * DAY);

  return rotation_draft (s, "dist-z", &s->dist_z.officer, s->dist_z.cert, cert);
}

static Draft *
build_rotation_leaf (Story *s)
{
  TestForge f = { TEST_FORGE_DEVICE, s->oem.key, s->oem.cert, s->cm_b.subject, s->cm_b_new_key,
              s->now - DAY, s->now + 100 * DAY, -1, NULL, NULL, FALSE };
  g_autoptr(ChainCert) cert = test_story_forge (&f);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

static Draft *
build_rotation_rsa (Story *s)
{
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_RSA_2048);
  g_autoptr(ChainCsr) csr = test_pki_csr (key, s->cm_b.subject);
  g_autoptr(ChainCert) cert = issue_sub_ca (s->oem.issuer, csr, 1, s->cm_b.name_constraints, s->now - DAY, s->now + 100 * DAY);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

static Draft *
build_rotation_deep (Story *s)
{
  g_autoptr(ChainCert) cert = forge_ca_under (&s->oem, s->cm_b.subject, s->cm_b_new_key, 2, s->cm_b.name_constraints,
                                              s->now - DAY, s->now + 100 * DAY);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

static Draft *
build_rotation_no_constraints (Story *s)
{
  g_autoptr(ChainCsr) csr = test_pki_csr (s->cm_b_new_key, s->cm_b.subject);
  g_autoptr(ChainCert) cert = issue_sub_ca (s->oem.issuer, csr, 1, NULL, s->now - DAY, s->now + 100 * DAY);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

static Draft *
build_rotation_long (Story *s)
{
  g_autoptr(ChainCert) cert = forge_ca_under (&s->oem, s->cm_b.subject, s->cm_b_new_key, 1, s->cm_b.name_constraints,
                                              s->now - DAY, s->now + 3700 * DAY);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

static Draft *
build_rotation_critical_unknown (Story *s)
{
  TestForge f = { TEST_FORGE_CA, s->oem.key, s->oem.cert, s->cm_b.subject, s->cm_b_new_key,
              s->now - DAY, s->now + 100 * DAY, 1, s->cm_b.name_constraints, NULL, TRUE };
  g_autoptr(ChainCert) cert = test_story_forge (&f);

  return rotation_draft (s, "cm-b", &s->cm_b.officer, s->cm_b.cert, cert);
}

/* -- annotation -- */

static Draft *
build_annotation_empty (Story *s)
{
  return annotation_draft (s, "cm-b", &s->cm_b.officer, "");
}

static const RuleCase rule_cases[] = {
  /* every record */
  { "sequence gap", STEP_OFFICER_OEM2, NULL, NULL, NULL, tamper_seq, "record.sequence" },
  { "appended before the previous record", STEP_ANNOTATE, NULL, NULL, NULL, tamper_appended_earlier, "record.time-order" },
  { "appended by a clock ahead", STEP_ANNOTATE, NULL, NULL, NULL, tamper_appended_ahead, "record.time-future" },
  { "statement dated ahead", STEP_ANNOTATE, NULL, NULL, build_annotation_future, NULL, "record.time-future" },
  { "no genesis first", STEP_GENESIS, NULL, NULL, build_annotation_first, NULL, "genesis.first" },
  { "second genesis", STEP_OFFICER_OEM2, NULL, NULL, build_second_genesis, NULL, "genesis.once" },
  { "copied from another ledger", STEP_OFFICER_OEM2, NULL, NULL, build_other_ledger, NULL, "statement.ledger" },
  { "replay", STEP_REQUEST_CM_A, NULL, NULL, NULL, tamper_replay, "statement.replay" },
  { "signed under another policy", STEP_OFFICER_OEM2, NULL, NULL, build_old_policy, NULL, "statement.policy" },
  { "artifact missing", STEP_OFFICER_OEM2, NULL, NULL, build_artifact_missing, NULL, "statement.artifacts" },
  { "artifact unexpected", STEP_OFFICER_OEM2, NULL, NULL, build_artifact_extra, NULL, "statement.artifacts" },
  { "artifact not supplied", STEP_OFFICER_OEM2, NULL, NULL, NULL, tamper_detach, "statement.artifacts" },
  { "body field unknown", STEP_ANNOTATE, NULL, NULL, build_body_unknown_field, NULL, "statement.body" },
  { "body field missing", STEP_ANNOTATE, NULL, NULL, build_body_missing_field, NULL, "statement.body" },
  { "body field mistyped", STEP_BATCH_CM_A, NULL, NULL, build_body_wrong_type, NULL, "statement.body" },
  { "author unknown", STEP_OFFICER_OEM2, NULL, NULL, build_unknown_author, NULL, "statement.author" },
  { "author not yet accepted", STEP_ACCEPT_CM_A, NULL, NULL, build_pending_author, NULL, "statement.author" },
  { "signed by a stranger", STEP_OFFICER_OEM2, NULL, NULL, build_stranger_signs, NULL, "signature.unknown-key" },
  { "signed by another custodian", STEP_BATCH_DIST_X, NULL, NULL, build_other_custodian_signs, NULL, "signature.unknown-key" },
  { "signed by a revoked officer", STEP_BATCH_CM_B, NULL, NULL, build_revoked_officer_signs, NULL, "signature.officer-revoked" },
  { "signed outside the officer's validity", STEP_OFFICER_OEM2, NULL, NULL, build_future_time, NULL, "signature.officer-validity" },
  { "signature does not match", STEP_OFFICER_OEM2, NULL, NULL, NULL, tamper_signature, "signature.invalid" },
  { "threshold not met", STEP_ROTATE_CM_B, NULL, NULL, build_one_signature_of_two, NULL, "threshold.not-met" },
  { "threshold met twice by one key", STEP_REQUEST_CM_A, NULL, setup_strict_delegation_same_key, build_delegate_cm_a, NULL, "threshold.not-met" },
  { "unsigned", STEP_OFFICER_OEM2, NULL, NULL, build_unsigned, NULL, "threshold.not-met" },
  { "commit by a stranger", STEP_OFFICER_OEM2, NULL, NULL, build_commit_by_stranger, NULL, "commit.signer" },
  { "commit by a CA", STEP_OFFICER_OEM2, NULL, NULL, build_commit_by_ca, NULL, "commit.signer" },
  { "serial seen before", STEP_BATCH_CM_A, NULL, NULL, build_serial_seen, NULL, "serial.duplicate" },
  { "serial twice in a batch", STEP_BATCH_CM_A, NULL, NULL, build_serial_twice, NULL, "serial.duplicate" },
  /* genesis */
  { "genesis names another policy", STEP_GENESIS, NULL, NULL, build_genesis_policy_mismatch, NULL, "genesis.policy" },
  { "genesis policy invalid", STEP_GENESIS, NULL, NULL, build_genesis_policy_invalid, NULL, "genesis.policy" },
  { "genesis custodian of a lower tier", STEP_GENESIS, NULL, NULL, build_genesis_wrong_tier, NULL, "genesis.custodian" },
  { "genesis custodian not the author", STEP_GENESIS, NULL, NULL, build_genesis_other_author, NULL, "genesis.custodian" },
  { "genesis root not self-signed", STEP_GENESIS, NULL, NULL, build_genesis_root_not_self_signed, NULL, "genesis.root" },
  { "genesis root too deep", STEP_GENESIS, prepare_root_deep, NULL, build_genesis, NULL, "genesis.root" },
  { "genesis root without path length", STEP_GENESIS, prepare_root_unlimited, NULL, build_genesis, NULL, "genesis.root" },
  { "genesis officer not under the root", STEP_GENESIS, NULL, NULL, build_genesis_officer_foreign, NULL, "genesis.officer" },
  { "genesis officer without the profile", STEP_GENESIS, NULL, NULL, build_genesis_officer_profile, NULL, "genesis.officer" },
  /* policy */
  { "policy changed by a manufacturer", STEP_POLICY, NULL, NULL, build_policy_by_cm, NULL, "policy.author" },
  { "policy invalid", STEP_POLICY, NULL, NULL, build_policy_invalid, NULL, "policy.invalid" },
  { "policy rolled back", STEP_ROTATE_CM_B, NULL, NULL, build_policy_rollback, NULL, "policy.rollback" },
  { "policy drops a tier in use", STEP_POLICY, NULL, NULL, build_policy_drops_tier, NULL, "policy.tier-in-use" },
  /* officer */
  { "officer for another custodian", STEP_OFFICER_OEM2, NULL, NULL, build_officer_for_other, NULL, "officer.custodian" },
  { "officer certificate garbage", STEP_OFFICER_OEM2, NULL, NULL, build_officer_garbage, NULL, "officer.certificate" },
  { "officer is a CA", STEP_OFFICER_OEM2 + 4, NULL, NULL, build_officer_is_ca, NULL, "officer.profile" },
  { "officer from a foreign CA", STEP_OFFICER_OEM2, NULL, NULL, build_officer_foreign, NULL, "officer.issuer" },
  { "officer with a banned algorithm", STEP_OFFICER_CM_B2, NULL, NULL, build_officer_rsa, NULL, "officer.algorithm" },
  { "officer enrolled twice", STEP_OFFICER_OEM2, NULL, NULL, build_officer_again, NULL, "officer.duplicate" },
  /* delegation request */
  { "request names another parent", STEP_REQUEST_CM_A, NULL, NULL, build_request_wrong_parent, NULL, "request.parent" },
  { "request for an existing custodian", STEP_REQUEST_CM_A, NULL, NULL, build_request_existing, NULL, "request.custodian" },
  { "request with a bad id", STEP_REQUEST_CM_A, NULL, NULL, build_request_bad_id, NULL, "request.custodian" },
  { "request pending twice", STEP_APPROVE_CM_A, NULL, NULL, build_request_pending_again, NULL, "request.custodian" },
  { "request skipping a tier", STEP_REQUEST_CM_A, NULL, NULL, build_request_skip_tier, NULL, "request.tier" },
  { "distributor asking for a sub-CA", STEP_BATCH_DIST_X, NULL, NULL, build_request_by_distributor, NULL, "request.tier" },
  { "request with a broken CSR", STEP_REQUEST_CM_A, NULL, NULL, build_request_garbage_csr, NULL, "request.csr" },
  { "request with one key for both", STEP_REQUEST_CM_A, NULL, NULL, build_request_same_keys, NULL, "request.csr" },
  { "request with a banned algorithm", STEP_ROTATE_CM_B, NULL, NULL, build_request_rsa, NULL, "request.algorithm" },
  /* approval */
  { "approval of nothing", STEP_APPROVE_CM_A, NULL, NULL, build_approval_unknown, NULL, "approval.target" },
  { "approval by another custodian", STEP_DELEGATE_DIST_X, NULL, NULL, build_approval_by_other, NULL, "approval.author" },
  { "approval after the delegation", STEP_ACCEPT_CM_A, NULL, NULL, build_approval_late, NULL, "approval.pending" },
  { "approval undecided", STEP_APPROVE_CM_A, NULL, NULL, build_approval_maybe, NULL, "approval.decision" },
  { "approval twice by one key", STEP_DELEGATE_CM_A, NULL, NULL, build_approval_again, NULL, "approval.duplicate" },
  /* delegation */
  { "delegation of no request", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_unknown_request, NULL, "delegation.request" },
  { "delegation of a rejected request", STEP_APPROVE_CM_A, NULL, setup_reject_cm_a, build_delegate_cm_a, NULL, "delegation.request" },
  { "delegation of another's request", STEP_DELEGATE_DIST_X, NULL, NULL, build_delegation_by_grandparent, NULL, "delegation.request" },
  { "delegation to another child", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_wrong_child, NULL, "delegation.child" },
  { "delegation outside the tier's rights", STEP_DELEGATE_DIST_X, NULL, setup_policy_stops_delegation, build_delegate_dist_x, NULL, "delegation.tier" },
  { "delegation certificate garbage", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_garbage, NULL, "delegation.certificate" },
  { "CM issuing under another CM's CA", STEP_DELEGATE_DIST_X, NULL, NULL, build_delegation_under_other_cm, NULL, "delegation.issuer" },
  { "delegation from an unknown CA", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_unknown_issuer, NULL, "delegation.issuer" },
  { "delegation from a revoked CA", STEP_BATCH_CM_B, NULL, setup_cm_b_request, build_delegation_revoked_issuer, NULL, "delegation.issuer-revoked" },
  { "delegation of another key", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_other_key, NULL, "delegation.csr" },
  { "delegation of another subject", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_other_subject, NULL, "delegation.csr" },
  { "delegation body lies about the path", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_body_lies, NULL, "delegation.body" },
  { "delegation body lies about constraints", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_body_nc_lies, NULL, "delegation.body" },
  { "delegation of a leaf", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_leaf, NULL, "delegation.profile" },
  { "delegation of a banned algorithm", STEP_POLICY, NULL, setup_rsa_request_then_policy, build_delegation_rsa, NULL, "delegation.algorithm" },
  { "path length beyond the policy", STEP_DELEGATE_DIST_X, prepare_dist_x_deep, NULL, NULL, NULL, "delegation.path-length" },
  { "path length beyond the issuer", STEP_DELEGATE_DIST_X, prepare_cm_a_shallow, NULL, NULL, NULL, "delegation.path-length" },
  { "no path length", STEP_DELEGATE_CM_A, prepare_cm_a_unlimited, NULL, NULL, NULL, "delegation.path-length" },
  { "name constraints missing", STEP_DELEGATE_CM_A, prepare_cm_a_no_constraints, NULL, NULL, NULL, "delegation.name-constraints" },
  { "name constraints wider than the parent's", STEP_DELEGATE_DIST_X, prepare_dist_x_wide_constraints, NULL, NULL, NULL, "delegation.name-constraints" },
  { "subject outside the parent's constraints", STEP_DELEGATE_DIST_X, prepare_dist_x_outside, NULL, NULL, NULL, "delegation.name-constraints" },
  { "validity beyond the policy", STEP_DELEGATE_CM_A, prepare_cm_a_long, NULL, NULL, NULL, "delegation.validity" },
  { "validity beyond the issuer", STEP_DELEGATE_DIST_X, prepare_dist_x_beyond_issuer, NULL, NULL, NULL, "delegation.validity" },
  { "delegation failing path validation", STEP_DELEGATE_CM_A, NULL, NULL, build_delegation_critical_unknown, NULL, "delegation.chain" },
  /* acceptance */
  { "acceptance of nothing", STEP_ACCEPT_CM_A, NULL, NULL, build_acceptance_unknown, NULL, "acceptance.delegation" },
  { "acceptance of another's delegation", STEP_ACCEPT_CM_B, NULL, NULL, build_acceptance_of_other, NULL, "acceptance.author" },
  { "acceptance twice", STEP_REQUEST_CM_B, NULL, NULL, build_acceptance_again, NULL, "acceptance.duplicate" },
  { "acceptance officer garbage", STEP_ACCEPT_CM_A, NULL, NULL, build_acceptance_garbage, NULL, "acceptance.certificate" },
  { "acceptance officer without the profile", STEP_ACCEPT_CM_A, NULL, NULL, build_acceptance_device_profile, NULL, "acceptance.profile" },
  { "acceptance officer from the root", STEP_ACCEPT_CM_A, NULL, NULL, build_acceptance_root_issued, NULL, "acceptance.issuer" },
  { "acceptance officer with a banned algorithm", STEP_POLICY, NULL, setup_cm_c_late, build_accept_cm_c, NULL, "acceptance.algorithm" },
  { "acceptance officer not the requested one", STEP_ACCEPT_CM_A, NULL, NULL, build_acceptance_other_key, NULL, "acceptance.officer-key" },
  /* device batch */
  { "batch under an unknown CA", STEP_BATCH_CM_A, NULL, NULL, build_batch_unknown_ca, NULL, "batch.issuer" },
  { "CM issuing devices under another CM's CA", STEP_BATCH_CM_A, NULL, NULL, build_batch_other_cm, NULL, "batch.issuer" },
  { "batch under a retired CA", STEP_OFFICER_CM_B2, NULL, NULL, build_batch_retired, NULL, "batch.issuer" },
  { "batch under a revoked CA", STEP_BATCH_CM_B, NULL, NULL, build_batch_revoked, NULL, "batch.issuer-revoked" },
  { "batch by a tier that issues no devices", STEP_POP, NULL, NULL, build_batch_by_oem, NULL, "batch.tier" },
  { "manifest header wrong", STEP_BATCH_CM_A, NULL, NULL, build_batch_bad_header, NULL, "batch.manifest" },
  { "manifest line short", STEP_BATCH_CM_A, NULL, NULL, build_batch_short_line, NULL, "batch.manifest" },
  { "manifest without final newline", STEP_BATCH_CM_A, NULL, NULL, build_batch_no_newline, NULL, "batch.manifest" },
  { "manifest not matching the certificates", STEP_BATCH_DIST_X, NULL, NULL, build_batch_manifest_mismatch, NULL, "batch.manifest" },
  { "batch count wrong", STEP_BATCH_CM_A, NULL, NULL, build_batch_count, NULL, "batch.count" },
  { "device id the cloud refuses", STEP_BATCH_CM_A, NULL, NULL, build_batch_bad_device_id, NULL, "batch.device-id" },
  { "device id twice", STEP_BATCH_CM_A, NULL, NULL, build_batch_device_twice, NULL, "batch.device-id" },
  { "device id issued before", STEP_POP, NULL, NULL, build_batch_device_id_reused, NULL, "batch.device-id-reused" },
  { "device id issued before by another CA", STEP_POP, NULL, NULL, build_batch_device_id_of_other_ca, NULL, "batch.device-id-reused" },
  { "revoked device id twice", STEP_ANNOTATE, NULL, NULL, build_batch_revoked_id_twice, NULL, "batch.device-id" },
  { "certificate from another CA in the batch", STEP_BATCH_DIST_X, NULL, NULL, build_batch_foreign_cert, NULL, "batch.certificates" },
  { "fewer certificates than the manifest", STEP_BATCH_DIST_X, NULL, NULL, build_batch_fewer_certs, NULL, "batch.certificates" },
  { "junk after the certificates", STEP_BATCH_DIST_X, NULL, NULL, build_batch_junk_certs, NULL, "batch.certificates" },
  { "CA certificate in a device batch", STEP_BATCH_DIST_X, NULL, NULL, build_batch_ca_in_batch, NULL, "batch.profile" },
  { "device valid beyond its issuer", STEP_BATCH_DIST_X, NULL, NULL, build_batch_beyond_issuer, NULL, "batch.validity" },
  { "device valid beyond the policy", STEP_BATCH_CM_B, NULL, NULL, build_batch_beyond_policy, NULL, "batch.validity" },
  { "device outside the name constraints", STEP_BATCH_DIST_X, NULL, NULL, build_batch_outside_constraints, NULL, "batch.name-constraints" },
  { "device with a banned algorithm", STEP_BATCH_CM_B, NULL, NULL, build_batch_rsa, NULL, "batch.algorithm" },
  /* proof of possession */
  { "pop for another custodian's CA", STEP_POP, NULL, NULL, build_pop_others_ca, NULL, "pop.ca" },
  { "pop for a revoked CA", STEP_BATCH_CM_B, NULL, NULL, build_pop_revoked, NULL, "pop.ca" },
  { "pop for an unknown cloud", STEP_POP, NULL, NULL, build_pop_target, NULL, "pop.target" },
  { "pop signed by another CA", STEP_POP, NULL, NULL, build_pop_wrong_signer, NULL, "pop.certificate" },
  { "pop certificate garbage", STEP_POP, NULL, NULL, build_pop_garbage, NULL, "pop.certificate" },
  { "pop with another code", STEP_POP, NULL, NULL, build_pop_code, NULL, "pop.code" },
  /* export */
  { "export to an unknown cloud", STEP_EXPORT, NULL, NULL, build_export_target, NULL, "export.target" },
  { "export of an unknown CA", STEP_EXPORT, NULL, NULL, build_export_unknown_ca, NULL, "export.ca" },
  { "export of a revoked CA", STEP_BATCH_CM_B, NULL, NULL, build_export_revoked_ca, NULL, "export.ca" },
  { "export file not listed", STEP_EXPORT, NULL, NULL, build_export_unlisted_file, NULL, "export.files" },
  { "export digest differs", STEP_EXPORT, NULL, NULL, build_export_wrong_digest, NULL, "export.files" },
  { "export of a certificate the ledger never saw", STEP_EXPORT, NULL, NULL, build_export_unknown_cert, NULL, "export.content" },
  { "export without the CA it names", STEP_EXPORT, NULL, NULL, build_export_ca_missing, NULL, "export.content" },
  /* revocation */
  { "revocation with another's CA", STEP_REVOKE_DEVICE, NULL, NULL, build_revocation_others_ca, NULL, "revocation.issuer" },
  { "revocation without a reason", STEP_REVOKE_DEVICE, NULL, NULL, build_revocation_reason, NULL, "revocation.reason" },
  { "revocation of something never issued", STEP_REVOKE_DEVICE, NULL, NULL, build_revocation_never_issued, NULL, "revocation.not-issued" },
  { "revocation of another CA's serial", STEP_REVOKE_DEVICE, NULL, NULL, build_revocation_of_others_serial, NULL, "revocation.not-issued" },
  { "revocation twice", STEP_ANNOTATE, NULL, NULL, build_revocation_again, NULL, "revocation.duplicate" },
  { "revocation listing a serial twice", STEP_REVOKE_DEVICE, NULL, NULL, build_revocation_listed_twice, NULL, "revocation.duplicate" },
  { "CRL signed by another CA", STEP_REVOKE_DEVICE, NULL, NULL, build_revocation_crl_by_other, NULL, "revocation.crl" },
  { "CRL omitting the serial", STEP_REVOKE_DEVICE, NULL, NULL, build_revocation_crl_short, NULL, "revocation.crl" },
  { "CRL listing more", STEP_REVOKE_DEVICE, NULL, NULL, build_revocation_crl_extra, NULL, "revocation.crl" },
  { "CRL forgetting an earlier revocation", STEP_ANNOTATE, NULL, NULL, build_revocation_crl_forgets, NULL, "revocation.crl" },
  { "CRL number not increasing", STEP_ANNOTATE, NULL, NULL, build_revocation_crl_number, NULL, "revocation.crl" },
  { "revocation of a malformed serial", STEP_REVOKE_DEVICE, NULL, NULL, build_revocation_bad_serial, NULL, "statement.body" },
  /* key rotation */
  { "rotation of another's CA", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_others_ca, NULL, "rotation.old" },
  { "rotation of a retired CA", STEP_OFFICER_CM_B2, NULL, NULL, build_rotation_retired, NULL, "rotation.old" },
  { "rotation of the root", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_root, NULL, "rotation.root" },
  { "rotation naming another new CA", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_wrong_new, NULL, "rotation.new" },
  { "rotation to a known CA", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_known, NULL, "rotation.new" },
  { "rotation to another name", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_subject, NULL, "rotation.subject" },
  { "rotation to the same key", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_same_key, NULL, "rotation.key" },
  { "rotation certificate garbage", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_garbage, NULL, "rotation.certificate" },
  { "rotation signed by a sibling", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_by_sibling, NULL, "rotation.issuer" },
  { "rotation from a revoked parent CA", STEP_BATCH_CM_B, NULL, setup_dist_z, build_dist_z_rotation, NULL, "rotation.issuer-revoked" },
  { "rotation to a leaf", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_leaf, NULL, "rotation.profile" },
  { "rotation to a banned algorithm", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_rsa, NULL, "rotation.algorithm" },
  { "rotation too deep", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_deep, NULL, "rotation.path-length" },
  { "rotation without constraints", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_no_constraints, NULL, "rotation.name-constraints" },
  { "rotation valid too long", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_long, NULL, "rotation.validity" },
  { "rotation failing path validation", STEP_ROTATE_CM_B, NULL, NULL, build_rotation_critical_unknown, NULL, "rotation.chain" },
  /* annotation */
  { "empty annotation", STEP_ANNOTATE, NULL, NULL, build_annotation_empty, NULL, "annotation.text" },
};

START_TEST (test_rule)
{
  const RuleCase *c = &rule_cases[_i];
  g_autoptr(Story) s = story_new ();
  g_autoptr(Draft) d = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rule = NULL;
  g_autofree char *prefix = NULL;
  ChainStatement *st;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;
  guint64 seq;
  guint64 issued;
  gsize device_ids;
  gboolean ok;

  if (c->prepare != NULL)
    c->prepare (s);
  story_build (s);
  story_run (s, c->step);
  if (c->setup != NULL)
    c->setup (s);

  seq = chain_ledger_state_get_n_records (s->state);
  issued = chain_ledger_state_get_n_issued (s->state);
  device_ids = chain_ledger_state_get_n_device_ids (s->state);
  d = c->build != NULL ? c->build (s) : step_draft (s, c->step);
  st = draft_finish (d);
  record.seq = seq;
  record.statement = st;
  record.commit_signer = d->commit_signer;
  if (c->tamper != NULL)
    c->tamper (s, &record, &st);

  ok = chain_ledger_state_apply (s->state, &record, &error);
  ck_assert_msg (!ok, "case '%s': the record was accepted", c->name);
  rule = chain_ledger_error_dup_rule (error);
  ck_assert_msg (g_strcmp0 (rule, c->rule) == 0, "case '%s': expected rule %s, got: %s",
                 c->name, c->rule, error->message);
  prefix = g_strdup_printf ("record %" G_GUINT64_FORMAT " (%s): rule %s: ", record.seq,
                            chain_statement_get_type_name (st), c->rule);
  ck_assert_msg (g_str_has_prefix (error->message, prefix), "case '%s': message '%s' does not start '%s'",
                 c->name, error->message, prefix);
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  /* Refused means untouched. */
  ck_assert_uint_eq (chain_ledger_state_get_n_records (s->state), seq);
  ck_assert_uint_eq (chain_ledger_state_get_n_issued (s->state), issued);
  ck_assert_uint_eq (chain_ledger_state_get_n_device_ids (s->state), device_ids);
  chain_statement_unref (st);
}
END_TEST

/* A record below the verified length is replayed without its certificate
 * checks (the workspace's pin vouches for it); one at or above it is
 * judged in full. The batch carries a certificate another CA signed. */
START_TEST (test_verified_length_skips_certificate_checks)
{
  g_autoptr(Story) s = story_new ();
  g_autoptr(Draft) d = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rule = NULL;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;
  ChainStatement *st;
  guint64 issued;

  story_build (s);
  story_run (s, STEP_BATCH_DIST_X);
  issued = chain_ledger_state_get_n_issued (s->state);
  d = build_batch_foreign_cert (s);
  st = draft_finish (d);
  record.seq = chain_ledger_state_get_n_records (s->state);
  record.statement = st;
  record.commit_signer = d->commit_signer;

  chain_ledger_state_set_verified_length (s->state, record.seq);
  ck_assert (!chain_ledger_state_apply (s->state, &record, &error));
  rule = chain_ledger_error_dup_rule (error);
  ck_assert_str_eq (rule, "batch.certificates");
  g_clear_error (&error);

  chain_ledger_state_set_verified_length (s->state, record.seq + 1);
  ck_assert (chain_ledger_state_apply (s->state, &record, &error));
  test_assert_no_error (error);
  ck_assert_uint_gt (chain_ledger_state_get_n_issued (s->state), issued);
  chain_statement_unref (st);
}
END_TEST

static Suite *
ledger_state_suite (void)
{
  Suite *suite = suite_create ("ledger-state");
  TCase *story = tcase_create ("story");
  TCase *serials = tcase_create ("serials");
  TCase *device_ids = tcase_create ("device-ids");
  TCase *rules = tcase_create ("rules");

  tcase_add_test (story, test_three_tier_story);
  tcase_add_test (story, test_custody_status_revoked_before_acceptance);
  tcase_add_test (story, test_verified_length_skips_certificate_checks);
  tcase_add_test (story, test_custody_status);
  tcase_add_test (story, test_check_does_not_change);
  tcase_add_test (story, test_threshold_counts_approvals);
  tcase_add_test (story, test_error_get_rule);
  tcase_add_test (story, test_free_null);
  suite_add_tcase (suite, story);

  tcase_add_test (serials, test_serial_keys);
  tcase_add_test (serials, test_serial_set_exact_under_collisions);
  tcase_add_test (serials, test_serial_set_million);
  tcase_add_test (serials, test_device_ids_million);
  suite_add_tcase (suite, serials);

  tcase_add_test (device_ids, test_device_id_after_revocation);
  tcase_add_test (device_ids, test_device_id_under_revoked_ca);
  tcase_add_test (device_ids, test_device_id_verdict);
  suite_add_tcase (suite, device_ids);

  tcase_add_loop_test (rules, test_rule, 0, G_N_ELEMENTS (rule_cases));
  suite_add_tcase (suite, rules);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (ledger_state_suite ());
}
