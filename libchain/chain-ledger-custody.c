/* chain-ledger-custody.c — records that change who holds which CA
 *
 * Genesis, policy, officer, delegation request, approval, delegation,
 * acceptance and key rotation: each function judges one record type's body
 * and artifacts against the state and stages what the record adds.
 */
#include "chain-ledger-rules-private.h"
#include "chain-i18n-private.h"

#include <inttypes.h>
#include <string.h>

/* ---- Genesis ------------------------------------------------------------------ */

gboolean
chain_rule_genesis (ChainRuleCtx  *ctx,
                    GError       **error)
{
  static const char *const known[] = { "custodian", "key_stores", "policy", "tpm_evidence", NULL };
  static const char *const keys[] = { "ca", "officer", NULL };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ChainCert) root = NULL;
  g_autoptr(ChainCert) officer = NULL;
  ChainJson *policy_json;
  const char *id = NULL;
  const char *name = NULL;
  const char *tier = NULL;
  const char *first_tier;
  X509 *x;
  EVP_PKEY *pkey;
  int path_len;
  ChainKeyAlgorithm algorithm;
  g_autofree char *label = NULL;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  policy_json = chain_rule_member (ctx, ctx->body, "body", "policy", CHAIN_JSON_OBJECT, error);
  if (policy_json == NULL)
    return FALSE;
  ctx->new_policy = chain_policy_from_json (policy_json, &local_error);
  if (ctx->new_policy == NULL)
    return chain_rule_refuse (ctx, error, "genesis.policy", "%s", local_error->message);
  ctx->new_policy_digest = chain_policy_dup_digest (ctx->new_policy);
  if (strcmp (ctx->new_policy_digest, chain_statement_get_policy_digest (ctx->st)) != 0)
    return chain_rule_refuse (ctx, error, "genesis.policy",
                              _("the statement names policy %.16s..., but the policy it carries has digest %.16s...; sign the genesis under its own policy"),
                              chain_statement_get_policy_digest (ctx->st), ctx->new_policy_digest);

  if (!chain_rule_read_custodian (ctx, "genesis.custodian", &id, &name, &tier, error))
    return FALSE;
  first_tier = chain_policy_get_tier_name (ctx->new_policy, 0);
  if (strcmp (id, chain_statement_get_author (ctx->st)) != 0)
    return chain_rule_refuse (ctx, error, "genesis.custodian", _("the custodian '%s' is not the author '%s'"),
                              id, chain_statement_get_author (ctx->st));
  if (strcmp (tier, first_tier) != 0)
    {
      g_autofree char *tier_text = chain_rule_shown (tier);

      return chain_rule_refuse (ctx, error, "genesis.custodian",
                                _("the genesis custodian has tier '%s'; it must be the policy's first tier '%s'"),
                                tier_text, first_tier);
    }

  if (!chain_rule_check_key_stores (ctx, ctx->new_policy, tier, keys, error))
    return FALSE;
  root = chain_rule_parse_cert (ctx, "root.pem", "genesis.root", error);
  if (root == NULL)
    return FALSE;
  label = chain_rule_cert_label (root);
  x = chain_cert_get_x509 (root);
  pkey = X509_get0_pubkey (x);
  if (pkey == NULL || X509_check_issued (x, x) != X509_V_OK || X509_verify (x, pkey) != 1)
    {
      chain_openssl_clear_errors ();
      return chain_rule_refuse (ctx, error, "genesis.root", _("'%s' is not a self-signed root certificate"), label);
    }
  if (!chain_cert_is_ca (root) || (X509_get_key_usage (x) & KU_KEY_CERT_SIGN) == 0)
    return chain_rule_refuse (ctx, error, "genesis.root", _("'%s' is not a CA certificate with keyCertSign"), label);
  algorithm = chain_cert_get_key_algorithm (root);
  if (!chain_policy_allows_algorithm (ctx->new_policy, algorithm))
    return chain_rule_refuse (ctx, error, "genesis.root", _("'%s' has a %s key, which the policy does not allow"),
                              label, chain_key_algorithm_to_string (algorithm));
  path_len = chain_cert_get_path_len (root);
  if (path_len == CHAIN_PATH_LEN_UNLIMITED || path_len > chain_policy_get_max_path_len (ctx->new_policy, tier))
    return chain_rule_refuse (ctx, error, "genesis.root", _("'%s' must have a path length of at most %d, as the policy allows tier '%s'"),
                              label, chain_policy_get_max_path_len (ctx->new_policy, tier), tier);
  if (chain_cert_get_not_after (root) - chain_cert_get_not_before (root)
      > chain_policy_get_max_validity_days (ctx->new_policy, tier) * DAY_SECONDS)
    return chain_rule_refuse (ctx, error, "genesis.root", _("'%s' is valid longer than the policy's %" PRId64 " days for tier '%s'"),
                              label, chain_policy_get_max_validity_days (ctx->new_policy, tier), tier);

  ctx->new_custodian = chain_custodian_new (id, name, tier);
  ctx->new_custodian->accepted = TRUE;
  ctx->author = ctx->new_custodian;
  ctx->new_ca = chain_ledger_ca_new (root);
  ctx->new_ca->owner = ctx->new_custodian;
  /* The root's own serial is not staged: nothing can revoke the root. */
  ctx->issued_by = ctx->new_ca;

  officer = chain_rule_parse_cert (ctx, "officer.pem", "genesis.officer", error);
  if (officer == NULL
      || !chain_rule_check_officer_cert (ctx, NULL, "genesis.officer", officer, ctx->new_ca, error)
      || !chain_rule_stage_serial (ctx, officer, "genesis.officer", error)
      || !chain_rule_check_tpm_evidence (ctx, ctx->new_policy, tier, "ca", pkey, error)
      || !chain_rule_check_tpm_evidence (ctx, ctx->new_policy, tier, "officer",
                                         X509_get0_pubkey (chain_cert_get_x509 (officer)), error))
    return FALSE;
  ctx->new_officer = chain_ledger_officer_new (officer);
  ctx->new_officer->owner = ctx->new_custodian;
  ctx->new_officer->issuer = ctx->new_ca;
  return TRUE;
}

/* ---- Policy ---------------------------------------------------------------------- */

gboolean
chain_rule_policy_change (ChainRuleCtx  *ctx,
                          GError       **error)
{
  static const char *const known[] = { "policy", NULL };
  g_autoptr(GError) local_error = NULL;
  ChainJson *policy_json;
  ChainLedgerSeen *seen;
  ChainCustodian *root = g_ptr_array_index (ctx->state->custodians, 0);

  if (ctx->author != root)
    return chain_rule_refuse (ctx, error, "policy.author",
                              _("only the root custodian '%s' may change the policy, not '%s'"), root->id, ctx->author->id);
  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  policy_json = chain_rule_member (ctx, ctx->body, "body", "policy", CHAIN_JSON_OBJECT, error);
  if (policy_json == NULL)
    return FALSE;
  ctx->new_policy = chain_policy_from_json (policy_json, &local_error);
  if (ctx->new_policy == NULL)
    return chain_rule_refuse (ctx, error, "policy.invalid", "%s", local_error->message);
  ctx->new_policy_digest = chain_policy_dup_digest (ctx->new_policy);
  seen = g_hash_table_lookup (ctx->state->policy_history, ctx->new_policy_digest);
  if (seen != NULL)
    return chain_rule_refuse (ctx, error, "policy.rollback",
                              _("policy %.16s... was already in force from record %" PRIu64 "; a policy never returns, write a new one"),
                              ctx->new_policy_digest, seen->seq);
  if (strcmp (chain_policy_get_tier_name (ctx->new_policy, 0), root->tier) != 0)
    return chain_rule_refuse (ctx, error, "policy.tier-in-use",
                              _("the first tier must stay '%s', the root custodian's"), root->tier);
  for (guint i = 0; i < ctx->state->custodians->len; i++)
    {
      ChainCustodian *custodian = g_ptr_array_index (ctx->state->custodians, i);

      if (chain_policy_find_tier (ctx->new_policy, custodian->tier) < 0)
        return chain_rule_refuse (ctx, error, "policy.tier-in-use",
                                  _("tier '%s' of custodian '%s' is missing; keep every tier in use"), custodian->tier, custodian->id);
    }
  for (guint i = 0; i < ctx->state->requests->len; i++)
    {
      ChainLedgerRequest *request = g_ptr_array_index (ctx->state->requests, i);

      if (request->status == CHAIN_REQUEST_STATUS_PENDING
          && chain_policy_find_tier (ctx->new_policy, request->tier) < 0)
        return chain_rule_refuse (ctx, error, "policy.tier-in-use",
                                  _("tier '%s' of the pending request for '%s' is missing; reject the request first"),
                                  request->tier, request->custodian_id);
    }
  return TRUE;
}

/* ---- Officer ---------------------------------------------------------------------- */

gboolean
chain_rule_officer (ChainRuleCtx  *ctx,
                    GError       **error)
{
  static const char *const known[] = { "custodian", "key_store", "tpm_evidence", NULL };
  g_autoptr(ChainCert) cert = NULL;
  g_autofree char *key_id = NULL;
  const char *custodian;
  ChainLedgerCa *issuer;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error)
      || !chain_rule_check_key_stores (ctx, chain_rule_get_policy (ctx), ctx->author->tier, NULL, error))
    return FALSE;
  custodian = chain_rule_body_string (ctx, "custodian", error);
  if (custodian == NULL)
    return FALSE;
  if (strcmp (custodian, ctx->author->id) != 0)
    {
      g_autofree char *text = chain_rule_shown (custodian);

      return chain_rule_refuse (ctx, error, "officer.custodian",
                                _("'%s' enrols officers for itself only, not for '%s'"), ctx->author->id, text);
    }
  cert = chain_rule_parse_cert (ctx, "officer.pem", "officer.certificate", error);
  if (cert == NULL
      || !chain_rule_check_tpm_evidence (ctx, chain_rule_get_policy (ctx), ctx->author->tier, NULL,
                                         X509_get0_pubkey (chain_cert_get_x509 (cert)), error))
    return FALSE;
  key_id = chain_cert_dup_public_key_sha256 (cert);
  if (g_hash_table_contains (ctx->state->officers_by_key_id, key_id))
    return chain_rule_refuse (ctx, error, "officer.duplicate",
                              _("key %.16s... is already an enrolled officer's; every officer needs a key of its own"), key_id);
  issuer = chain_rule_find_issuer (ctx->author->cas, cert);
  if (issuer == NULL)
    {
      g_autofree char *label = chain_rule_cert_label (cert);

      return chain_rule_refuse (ctx, error, "officer.issuer",
                                _("officer '%s' was not issued by a CA of '%s'; issue it from the custodian's own CA"),
                                label, ctx->author->id);
    }
  if (issuer->retired || chain_ledger_ca_is_revoked (issuer))
    {
      g_autofree char *label = chain_rule_cert_label (issuer->cert);

      return chain_rule_refuse (ctx, error, "officer.issuer",
                                issuer->retired ? _("CA '%s' is retired; issue officers from a CA in force")
                                                : _("CA '%s' is revoked; issue officers from a CA in force"),
                                label);
    }
  if (!chain_rule_check_officer_cert (ctx, "officer", NULL, cert, issuer, error))
    return FALSE;
  ctx->issued_by = issuer;
  if (!chain_rule_stage_serial (ctx, cert, "officer.certificate", error))
    return FALSE;
  ctx->new_officer = chain_ledger_officer_new (cert);
  ctx->new_officer->owner = ctx->author;
  ctx->new_officer->issuer = issuer;
  return TRUE;
}

/* ---- Delegation request ------------------------------------------------------------ */

static ChainCsr *
parse_csr (const ChainRuleCtx  *ctx,
           const char          *name,
           GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *data = chain_rule_artifact (ctx, name);
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  ChainCsr *csr = chain_csr_parse (bytes, len, &local_error);

  if (csr == NULL)
    chain_rule_refuse (ctx, error, "request.csr", _("%s: %s"), name, local_error->message);
  return csr;
}

gboolean
chain_rule_request (ChainRuleCtx  *ctx,
                    GError       **error)
{
  static const char *const known[] = { "custodian", "key_stores", "parent", NULL };
  static const char *const keys[] = { "ca", "officer", NULL };
  g_autoptr(ChainCsr) ca_csr = NULL;
  g_autoptr(ChainCsr) officer_csr = NULL;
  g_autofree char *ca_key = NULL;
  g_autofree char *officer_key = NULL;
  const ChainPolicy *policy = chain_rule_get_policy (ctx);
  const char *parent;
  const char *id = NULL;
  const char *name = NULL;
  const char *tier = NULL;
  g_autofree char *tier_text = NULL;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  parent = chain_rule_body_string (ctx, "parent", error);
  if (parent == NULL || !chain_rule_read_custodian (ctx, "request.custodian", &id, &name, &tier, error))
    return FALSE;
  if (strcmp (parent, ctx->author->id) != 0)
    {
      g_autofree char *text = chain_rule_shown (parent);

      return chain_rule_refuse (ctx, error, "request.parent",
                                _("the request names parent '%s', but '%s' recorded it; the parent records its own requests"),
                                text, ctx->author->id);
    }
  if (g_hash_table_contains (ctx->state->custodians_by_id, id))
    return chain_rule_refuse (ctx, error, "request.custodian", _("custodian '%s' exists already; choose another id"), id);
  for (guint i = 0; i < ctx->state->requests->len; i++)
    {
      ChainLedgerRequest *other = g_ptr_array_index (ctx->state->requests, i);

      if (other->status == CHAIN_REQUEST_STATUS_PENDING && strcmp (other->custodian_id, id) == 0)
        return chain_rule_refuse (ctx, error, "request.custodian",
                                  _("custodian '%s' has a pending request (record %" PRIu64 "); reject it first"),
                                  id, other->seq);
    }
  tier_text = chain_rule_shown (tier);
  if (chain_policy_find_tier (policy, tier) < 0)
    return chain_rule_refuse (ctx, error, "request.tier", _("tier '%s' is not in the policy"), tier_text);
  if (!chain_policy_may_delegate (policy, ctx->author->tier, tier))
    return chain_rule_refuse (ctx, error, "request.tier", _("the policy does not let tier '%s' delegate to tier '%s'"),
                              ctx->author->tier, tier_text);

  if (!chain_rule_check_key_stores (ctx, policy, tier, keys, error))
    return FALSE;
  ca_csr = parse_csr (ctx, "ca.csr", error);
  if (ca_csr == NULL)
    return FALSE;
  officer_csr = parse_csr (ctx, "officer.csr", error);
  if (officer_csr == NULL)
    return FALSE;
  if (!chain_policy_allows_algorithm (policy, chain_csr_get_key_algorithm (ca_csr)))
    return chain_rule_refuse (ctx, error, "request.algorithm", _("ca.csr has a %s key, which the policy does not allow"),
                              chain_key_algorithm_to_string (chain_csr_get_key_algorithm (ca_csr)));
  if (!chain_policy_allows_algorithm (policy, chain_csr_get_key_algorithm (officer_csr)))
    return chain_rule_refuse (ctx, error, "request.algorithm", _("officer.csr has a %s key, which the policy does not allow"),
                              chain_key_algorithm_to_string (chain_csr_get_key_algorithm (officer_csr)));
  ca_key = chain_csr_dup_public_key_sha256 (ca_csr);
  officer_key = chain_csr_dup_public_key_sha256 (officer_csr);
  if (strcmp (ca_key, officer_key) == 0)
    return chain_rule_refuse (ctx, error, "request.csr", _("ca.csr and officer.csr carry the same key; make a key for each"));

  ctx->new_request = g_new0 (ChainLedgerRequest, 1);
  ctx->new_request->id = g_strdup (chain_statement_get_id (ctx->st));
  ctx->new_request->seq = ctx->record->seq;
  ctx->new_request->custodian_id = g_strdup (id);
  ctx->new_request->name = g_strdup (name);
  ctx->new_request->tier = g_strdup (tier);
  ctx->new_request->parent = ctx->author;
  ctx->new_request->ca_csr = g_steal_pointer (&ca_csr);
  ctx->new_request->officer_csr = g_steal_pointer (&officer_csr);
  ctx->new_request->approvals = g_ptr_array_new_with_free_func (g_free);
  ctx->new_request->status = CHAIN_REQUEST_STATUS_PENDING;
  return TRUE;
}

/* ---- Approval ---------------------------------------------------------------------- */

gboolean
chain_rule_approval (ChainRuleCtx  *ctx,
                     GError       **error)
{
  static const char *const known[] = { "decision", "target", NULL };
  const char *target;
  const char *decision;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  target = chain_rule_body_string (ctx, "target", error);
  decision = target != NULL ? chain_rule_body_string (ctx, "decision", error) : NULL;
  if (decision == NULL)
    return FALSE;
  if (strcmp (decision, "approve") != 0 && strcmp (decision, "reject") != 0)
    return chain_rule_refuse (ctx, error, "approval.decision", _("decision must be \"approve\" or \"reject\""));
  {
    gboolean is_quota = FALSE;

    if (!chain_rule_quota_approval (ctx, target, strcmp (decision, "reject") == 0, &is_quota, error))
      return FALSE;
    if (is_quota)
      return TRUE;
  }
  ctx->request = chain_rule_lookup_request (ctx, target, "approval.target", error);
  if (ctx->request == NULL)
    return FALSE;
  if (ctx->request->parent != ctx->author)
    return chain_rule_refuse (ctx, error, "approval.author",
                              _("the request for '%s' was made to '%s'; only its officers approve it, not those of '%s'"),
                              ctx->request->custodian_id, ctx->request->parent->id, ctx->author->id);
  if (ctx->request->status != CHAIN_REQUEST_STATUS_PENDING)
    return chain_rule_refuse (ctx, error, "approval.pending",
                              ctx->request->status == CHAIN_REQUEST_STATUS_REJECTED
                              ? _("the request for '%s' is rejected already")
                              : _("the request for '%s' is delegated already"),
                              ctx->request->custodian_id);
  ctx->reject = strcmp (decision, "reject") == 0;
  for (guint i = 0; !ctx->reject && i < ctx->signers->len; i++)
    {
      const char *key_id = g_ptr_array_index (ctx->signers, i);

      for (guint j = 0; j < ctx->request->approvals->len; j++)
        if (strcmp (g_ptr_array_index (ctx->request->approvals, j), key_id) == 0)
          return chain_rule_refuse (ctx, error, "approval.duplicate",
                                    _("key %.16s... approved the request for '%s' already; an approval counts once per key"),
                                    key_id, ctx->request->custodian_id);
    }
  return TRUE;
}

/* ---- Delegation -------------------------------------------------------------------- */

/* Whether the body describes @cert truthfully. */
static gboolean
check_delegation_body (const ChainRuleCtx  *ctx,
                       ChainCert           *cert,
                       GError             **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(ChainNameConstraints) body_nc = NULL;
  g_autoptr(ChainNameConstraints) cert_constraints = chain_cert_dup_name_constraints (cert);
  g_autofree char *body_text = NULL;
  g_autofree char *cert_text = NULL;
  g_autoptr(GError) local_error = NULL;
  ChainJson *list;
  gint64 path_len = 0;
  gint64 not_before = 0;
  gint64 not_after = 0;

  if (!chain_rule_body_integer (ctx, "path_len", &path_len, error)
      || !chain_rule_body_integer (ctx, "not_before", &not_before, error)
      || !chain_rule_body_integer (ctx, "not_after", &not_after, error))
    return FALSE;
  list = chain_rule_member (ctx, ctx->body, "body", "name_constraints", CHAIN_JSON_ARRAY, error);
  if (list == NULL)
    return FALSE;
  for (gsize i = 0; i < chain_json_array_get_length (list); i++)
    {
      ChainJson *entry = chain_json_array_get_element (list, i);

      if (chain_json_get_value_type (entry) != CHAIN_JSON_STRING
          || strchr (chain_json_get_string (entry), '\n') != NULL)
        return chain_rule_refuse (ctx, error, "statement.body",
                                  _("body.name_constraints must list strings such as \"permitted:dirName:O=Widget Ltd,C=DE\""));
      g_string_append_printf (text, "%s\n", chain_json_get_string (entry));
    }
  body_nc = chain_name_constraints_parse (text->str, &local_error);
  if (body_nc == NULL)
    return chain_rule_refuse (ctx, error, "delegation.body", _("body.name_constraints: %s"), local_error->message);
  body_text = chain_name_constraints_to_string (body_nc);
  cert_text = cert_constraints != NULL ? chain_name_constraints_to_string (cert_constraints) : g_strdup ("");

  if (path_len != chain_cert_get_path_len (cert))
    return chain_rule_refuse (ctx, error, "delegation.body", _("body.path_len is %" PRId64 " but the certificate's is %d"),
                              path_len, chain_cert_get_path_len (cert));
  if (not_before != chain_cert_get_not_before (cert) || not_after != chain_cert_get_not_after (cert))
    return chain_rule_refuse (ctx, error, "delegation.body", _("body.not_before and body.not_after differ from the certificate's validity"));
  if (strcmp (body_text, cert_text) != 0)
    return chain_rule_refuse (ctx, error, "delegation.body", _("body.name_constraints differ from the certificate's"));
  return TRUE;
}

gboolean
chain_rule_delegation (ChainRuleCtx  *ctx,
                       GError       **error)
{
  static const char *const known[] = {
    "child", "max_devices", "name_constraints", "not_after", "not_before", "path_len", "request", NULL
  };
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(ChainName) cert_subject = NULL;
  g_autoptr(ChainName) csr_subject = NULL;
  g_autofree char *cert_key = NULL;
  g_autofree char *csr_key = NULL;
  const char *request_id;
  const char *child;
  ChainLedgerRequest *request;
  ChainLedgerCa *issuer;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  request_id = chain_rule_body_string (ctx, "request", error);
  child = request_id != NULL ? chain_rule_body_string (ctx, "child", error) : NULL;
  if (child == NULL)
    return FALSE;
  request = chain_rule_lookup_request (ctx, request_id, "delegation.request", error);
  if (request == NULL)
    return FALSE;
  if (request->parent != ctx->author)
    return chain_rule_refuse (ctx, error, "delegation.request",
                              _("the request for '%s' was made to '%s', not to '%s'"),
                              request->custodian_id, request->parent->id, ctx->author->id);
  if (request->status != CHAIN_REQUEST_STATUS_PENDING)
    return chain_rule_refuse (ctx, error, "delegation.request",
                              request->status == CHAIN_REQUEST_STATUS_REJECTED
                              ? _("the request for '%s' is rejected, not pending")
                              : _("the request for '%s' is delegated already, not pending"),
                              request->custodian_id);
  if (strcmp (child, request->custodian_id) != 0)
    {
      g_autofree char *text = chain_rule_shown (child);

      return chain_rule_refuse (ctx, error, "delegation.child", _("body.child is '%s' but the request is for '%s'"),
                                text, request->custodian_id);
    }
  if (!chain_policy_may_delegate (chain_rule_get_policy (ctx), ctx->author->tier, request->tier))
    return chain_rule_refuse (ctx, error, "delegation.tier",
                              _("the policy does not let tier '%s' delegate to tier '%s'; '%s' may not issue this sub-CA"),
                              ctx->author->tier, request->tier, ctx->author->id);
  ctx->request = request;

  cert = chain_rule_parse_cert (ctx, "ca.pem", "delegation.certificate", error);
  if (cert == NULL)
    return FALSE;
  issuer = chain_rule_issuer_of (ctx, "delegation", ctx->author, cert, error);
  if (issuer == NULL)
    return FALSE;
  cert_key = chain_cert_dup_public_key_sha256 (cert);
  csr_key = chain_csr_dup_public_key_sha256 (request->ca_csr);
  cert_subject = chain_cert_dup_subject (cert);
  csr_subject = chain_csr_dup_subject (request->ca_csr);
  if (strcmp (cert_key, csr_key) != 0)
    return chain_rule_refuse (ctx, error, "delegation.csr", _("the sub-CA's key is not the one the request's ca.csr carries"));
  if (!chain_name_equal (cert_subject, csr_subject))
    return chain_rule_refuse (ctx, error, "delegation.csr", _("the sub-CA's subject is not the one the request's ca.csr asks for"));
  if (!chain_rule_check_sub_ca (ctx, "delegation", cert, request->tier, issuer, error)
      || !check_delegation_body (ctx, cert, error))
    return FALSE;

  ctx->issued_by = issuer;
  if (!chain_rule_stage_serial (ctx, cert, "delegation.certificate", error))
    return FALSE;
  ctx->new_custodian = chain_custodian_new (request->custodian_id, request->name, request->tier);
  ctx->new_custodian->parent = ctx->author;
  ctx->new_custodian->delegation_id = g_strdup (chain_statement_get_id (ctx->st));
  ctx->new_custodian->request = request;
  if (!chain_rule_delegation_quota (ctx, error))
    return FALSE;
  ctx->new_ca = chain_ledger_ca_new (cert);
  ctx->new_ca->owner = ctx->new_custodian;
  ctx->new_ca->issuer = issuer;
  return TRUE;
}

/* ---- Acceptance -------------------------------------------------------------------- */

gboolean
chain_rule_acceptance (ChainRuleCtx  *ctx,
                       GError       **error)
{
  static const char *const known[] = { "delegation", NULL };
  g_autoptr(ChainCert) cert = NULL;
  g_autofree char *cert_key = NULL;
  g_autofree char *csr_key = NULL;
  ChainCustodian *child;
  ChainLedgerCa *ca;
  const char *delegation;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  delegation = chain_rule_body_string (ctx, "delegation", error);
  if (delegation == NULL)
    return FALSE;
  child = g_hash_table_lookup (ctx->state->delegations, delegation);
  if (child == NULL)
    {
      g_autofree char *text = chain_rule_shown (delegation);

      return chain_rule_refuse (ctx, error, "acceptance.delegation", _("statement %s is no delegation of this ledger"), text);
    }
  if (child != ctx->author)
    return chain_rule_refuse (ctx, error, "acceptance.author",
                              _("the delegation was to '%s'; '%s' cannot accept it"), child->id, ctx->author->id);
  if (child->accepted)
    return chain_rule_refuse (ctx, error, "acceptance.duplicate", _("'%s' accepted its delegation already"), child->id);

  cert = chain_rule_parse_cert (ctx, "officer.pem", "acceptance.certificate", error);
  if (cert == NULL)
    return FALSE;
  ca = g_ptr_array_index (child->cas, 0);
  if (!chain_rule_check_officer_cert (ctx, "acceptance", NULL, cert, ca, error))
    return FALSE;
  cert_key = chain_cert_dup_public_key_sha256 (cert);
  csr_key = chain_csr_dup_public_key_sha256 (child->request->officer_csr);
  if (strcmp (cert_key, csr_key) != 0)
    return chain_rule_refuse (ctx, error, "acceptance.officer-key",
                              _("the officer's key is not the one the request's officer.csr carries"));
  if (g_hash_table_contains (ctx->state->officers_by_key_id, cert_key))
    return chain_rule_refuse (ctx, error, "acceptance.officer-key", _("the officer's key is enrolled already"));
  ctx->issued_by = ca;
  if (!chain_rule_stage_serial (ctx, cert, "acceptance.certificate", error))
    return FALSE;
  ctx->child = child;
  ctx->new_officer = chain_ledger_officer_new (cert);
  ctx->new_officer->owner = child;
  ctx->new_officer->issuer = ca;
  return TRUE;
}

/* ---- Key rotation -------------------------------------------------------------------- */

gboolean
chain_rule_rotation (ChainRuleCtx  *ctx,
                     GError       **error)
{
  static const char *const known[] = { "new", "old", NULL };
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(ChainName) old_subject = NULL;
  g_autoptr(ChainName) new_subject = NULL;
  g_autofree char *thumbprint = NULL;
  g_autofree char *old_key = NULL;
  g_autofree char *new_key = NULL;
  const char *old_ca;
  const char *new_ca;
  ChainLedgerCa *issuer;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  old_ca = chain_rule_body_string (ctx, "old", error);
  new_ca = old_ca != NULL ? chain_rule_body_string (ctx, "new", error) : NULL;
  if (new_ca == NULL)
    return FALSE;
  if (ctx->author->parent == NULL)
    return chain_rule_refuse (ctx, error, "rotation.root",
                              _("the root CA cannot be rotated within a ledger; its commits chain to it, so start a new ledger"));
  ctx->retire = chain_rule_lookup_ca (ctx, old_ca, "rotation.old", TRUE, error);
  if (ctx->retire == NULL)
    return FALSE;
  if (ctx->retire->retired || chain_ledger_ca_is_revoked (ctx->retire))
    return chain_rule_refuse (ctx, error, "rotation.old",
                              ctx->retire->retired ? _("body.old names a CA that is retired already")
                                                   : _("body.old names a CA that is revoked already"));
  cert = chain_rule_parse_cert (ctx, "ca.pem", "rotation.certificate", error);
  if (cert == NULL)
    return FALSE;
  thumbprint = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA256);
  if (strcmp (thumbprint, new_ca) != 0)
    return chain_rule_refuse (ctx, error, "rotation.new", _("body.new is not the thumbprint of ca.pem"));
  if (g_hash_table_contains (ctx->state->cas_by_thumbprint, thumbprint))
    return chain_rule_refuse (ctx, error, "rotation.new", _("ca.pem is a CA the ledger knows already"));
  old_subject = chain_cert_dup_subject (ctx->retire->cert);
  new_subject = chain_cert_dup_subject (cert);
  if (!chain_name_equal (old_subject, new_subject))
    return chain_rule_refuse (ctx, error, "rotation.subject", _("the new CA's subject differs from the old one's; keep the name"));
  old_key = chain_cert_dup_public_key_sha256 (ctx->retire->cert);
  new_key = chain_cert_dup_public_key_sha256 (cert);
  for (guint i = 0; i < ctx->author->cas->len; i++)
    {
      g_autofree char *key = chain_cert_dup_public_key_sha256 (((ChainLedgerCa *) g_ptr_array_index (ctx->author->cas, i))->cert);

      if (strcmp (key, new_key) == 0)
        return chain_rule_refuse (ctx, error, "rotation.key", _("the new CA reuses a key the custodian had; rotate to a fresh key"));
    }
  issuer = chain_rule_issuer_of (ctx, "rotation", ctx->author->parent, cert, error);
  if (issuer == NULL || !chain_rule_check_sub_ca (ctx, "rotation", cert, ctx->author->tier, issuer, error))
    return FALSE;
  ctx->issued_by = issuer;
  if (!chain_rule_stage_serial (ctx, cert, "rotation.certificate", error))
    return FALSE;
  ctx->new_ca = chain_ledger_ca_new (cert);
  ctx->new_ca->owner = ctx->author;
  ctx->new_ca->issuer = issuer;
  return TRUE;
}
