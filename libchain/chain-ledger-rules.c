/* chain-ledger-rules.c — judging a ledger record as a whole
 *
 * One engine for the appender (refuse before writing) and the auditor
 * (replay and report). A record is judged in two phases: the checks read
 * the state and stage what the record adds in a ChainRuleCtx; commit()
 * moves the staged objects into the state. So a refused record leaves the
 * state untouched, and chain_ledger_state_check() is the checks alone.
 *
 * Order of judgement: the record's place (sequence, genesis), the
 * statement's binding (ledger, replay, policy, artifacts, author), its
 * signatures, the rules of its type (chain-ledger-custody.c,
 * chain-ledger-issuance.c), new serials, the threshold, the commit signer.
 */
#include "chain-ledger-rules-private.h"
#include "chain-i18n-private.h"
#include "chain-revoke.h"

#include <inttypes.h>
#include <string.h>

static void
ctx_clear (ChainRuleCtx *ctx)
{
  g_clear_pointer (&ctx->signers, g_ptr_array_unref);
  g_clear_pointer (&ctx->new_custodian, chain_custodian_free);
  g_clear_pointer (&ctx->new_ca, chain_ledger_ca_free);
  g_clear_pointer (&ctx->new_officer, chain_ledger_officer_free);
  g_clear_pointer (&ctx->new_request, chain_ledger_request_free);
  g_clear_pointer (&ctx->new_export, chain_ledger_export_free);
  g_clear_pointer (&ctx->new_policy, chain_policy_free);
  g_clear_pointer (&ctx->new_policy_digest, g_free);
  g_clear_pointer (&ctx->new_serials, g_array_unref);
  g_clear_pointer (&ctx->new_device_ids, g_array_unref);
  g_clear_pointer (&ctx->revoke, g_array_unref);
  g_clear_pointer (&ctx->revoke_hex, g_ptr_array_unref);
  g_clear_pointer (&ctx->new_quota, chain_ledger_quota_free);
  g_clear_pointer (&ctx->quota_finding, g_free);
}

/* The artifacts a record type adds: each required one, optional ones, and
 * nothing else (an export names its own). */
static gboolean
check_artifacts (const ChainRuleCtx  *ctx,
                 GError             **error)
{
  static const char *const genesis[] = { "officer.pem", "root.pem", NULL };
  static const char *const officer[] = { "officer.pem", NULL };
  static const char *const request[] = { "ca.csr", "officer.csr", NULL };
  static const char *const request_optional[] = { "request.json", NULL };
  static const char *const ca[] = { "ca.pem", NULL };
  static const char *const batch[] = { "manifest.csv", NULL };
  static const char *const batch_optional[] = { "certificates.pem", NULL };
  static const char *const pop[] = { "verification.pem", NULL };
  static const char *const crl[] = { "crl.pem", NULL };
  static const char *const none[] = { NULL };
  const char *const *required = none;
  const char *const *optional = none;
  g_autofree const char **names = chain_statement_get_artifact_names (ctx->st);

  switch (ctx->type)
    {
    case CHAIN_RECORD_TYPE_GENESIS:
      required = genesis;
      break;
    case CHAIN_RECORD_TYPE_OFFICER:
    case CHAIN_RECORD_TYPE_ACCEPTANCE:
      required = officer;
      break;
    case CHAIN_RECORD_TYPE_DELEGATION_REQUEST:
      required = request;
      optional = request_optional;
      break;
    case CHAIN_RECORD_TYPE_DELEGATION:
    case CHAIN_RECORD_TYPE_KEY_ROTATION:
      required = ca;
      break;
    case CHAIN_RECORD_TYPE_DEVICE_BATCH:
      required = batch;
      optional = batch_optional;
      break;
    case CHAIN_RECORD_TYPE_POP:
      required = pop;
      break;
    case CHAIN_RECORD_TYPE_REVOCATION:
      required = crl;
      break;
    case CHAIN_RECORD_TYPE_EXPORT:
      required = NULL;
      break;
    default:
      break;
    }

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (chain_rule_artifact (ctx, names[i]) == NULL)
        return chain_rule_refuse (ctx, error, "statement.artifacts",
                                  _("artifact '%s' was not supplied; attach the file the statement lists"), names[i]);
      if (required != NULL && !g_strv_contains (required, names[i]) && !g_strv_contains (optional, names[i]))
        return chain_rule_refuse (ctx, error, "statement.artifacts",
                                  _("artifact '%s' does not belong in a record of type %s; add only the files docs/ledger-format.md lists"),
                                  names[i], ctx->type_name);
    }
  if (required == NULL && names[0] == NULL)
    return chain_rule_refuse (ctx, error, "statement.artifacts", _("an export lists no files; export at least one"));
  for (guint i = 0; required != NULL && required[i] != NULL; i++)
    if (!g_strv_contains ((const char *const *) names, required[i]))
      return chain_rule_refuse (ctx, error, "statement.artifacts",
                                _("artifact '%s' is missing; a record of type %s must add it"), required[i], ctx->type_name);
  return TRUE;
}

static int
compare_serial_keys (gconstpointer a,
                     gconstpointer b)
{
  return memcmp (a, b, sizeof (ChainSerialKey));
}

char *
chain_rule_serial_key_hex (const ChainSerialKey *key)
{
  gsize skip = 0;

  /* As the serial reads, without the key's left padding. */
  while (skip + 1 < CHAIN_SERIAL_KEY_LEN && key->bytes[skip] == 0)
    skip++;
  return chain_hex_encode (key->bytes + skip, CHAIN_SERIAL_KEY_LEN - skip, FALSE);
}

/* No serial twice in the record, none the ledger has seen. */
static gboolean
check_new_serials (ChainRuleCtx  *ctx,
                   GError       **error)
{
  g_autoptr(GArray) sorted = NULL;

  if (ctx->new_serials == NULL || ctx->new_serials->len == 0)
    return TRUE;
  for (guint i = 0; i < ctx->new_serials->len; i++)
    {
      const ChainSerialKey *key = &g_array_index (ctx->new_serials, ChainSerialKey, i);
      guint32 value = 0;

      if (chain_serial_set_lookup (ctx->state->serials, key, &value))
        {
          g_autofree char *hex = chain_rule_serial_key_hex (key);
          ChainLedgerCa *ca = g_ptr_array_index (ctx->state->cas, value & CHAIN_LEDGER_SERIAL_CA_MASK);
          g_autofree char *label = chain_rule_cert_label (ca->cert);

          return chain_rule_refuse (ctx, error, "serial.duplicate",
                                    _("serial %s was already issued by '%s'; every certificate needs a fresh serial"),
                                    hex, label);
        }
    }
  sorted = g_array_sized_new (FALSE, FALSE, sizeof (ChainSerialKey), ctx->new_serials->len);
  g_array_append_vals (sorted, ctx->new_serials->data, ctx->new_serials->len);
  g_array_sort (sorted, compare_serial_keys);
  for (guint i = 1; i < sorted->len; i++)
    if (compare_serial_keys (&g_array_index (sorted, ChainSerialKey, i - 1),
                             &g_array_index (sorted, ChainSerialKey, i)) == 0)
      {
        g_autofree char *hex = chain_rule_serial_key_hex (&g_array_index (sorted, ChainSerialKey, i));

        return chain_rule_refuse (ctx, error, "serial.duplicate",
                                  _("serial %s appears twice in this record; every certificate needs a fresh serial"), hex);
      }
  return TRUE;
}

/* ---- Signatures, threshold, commit ------------------------------------------------- */

static ChainLedgerOfficer *
lookup_officer (const ChainRuleCtx *ctx,
                const char         *key_id)
{
  if (ctx->new_officer != NULL && strcmp (ctx->new_officer->key_id, key_id) == 0)
    return ctx->new_officer;
  return g_hash_table_lookup (ctx->state->officers_by_key_id, key_id);
}

/* Every signature must be a current officer's of the author and verify;
 * collects the distinct signers. */
static gboolean
check_signatures (ChainRuleCtx  *ctx,
                  GError       **error)
{
  guint n = chain_statement_get_signature_count (ctx->st);
  gint64 time = chain_statement_get_time (ctx->st);

  ctx->signers = g_ptr_array_new ();
  if (n == 0)
    return chain_rule_refuse (ctx, error, "threshold.not-met", _("the statement is not signed; an officer of '%s' must sign it"),
                              ctx->author->id);
  for (guint i = 0; i < n; i++)
    {
      const char *key_id = chain_statement_get_signature_key_id (ctx->st, i);
      ChainLedgerOfficer *officer = lookup_officer (ctx, key_id);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *key_text = chain_rule_shown (key_id);

      if (officer == NULL || officer->owner != ctx->author)
        return chain_rule_refuse (ctx, error, "signature.unknown-key",
                                  _("signature %u is by key %.16s..., which is no officer of '%s'; sign with an enrolled officer's key"),
                                  i, key_text, ctx->author->id);
      if (chain_ledger_officer_is_revoked (officer))
        return chain_rule_refuse (ctx, error, "signature.officer-revoked",
                                  _("signature %u is by officer key %.16s..., which is revoked (or its CA is)"), i, key_text);
      if (time < chain_cert_get_not_before (officer->cert) || time > chain_cert_get_not_after (officer->cert))
        return chain_rule_refuse (ctx, error, "signature.officer-validity",
                                  _("signature %u is by officer key %.16s..., whose certificate was not valid at the statement's time"),
                                  i, key_text);
      if (!chain_statement_verify_signature (ctx->st, i, officer->cert, &local_error))
        return chain_rule_refuse (ctx, error, "signature.invalid", "%s", local_error->message);
      for (guint j = 0; j < ctx->signers->len; j++)
        if (strcmp (g_ptr_array_index (ctx->signers, j), key_id) == 0)
          return chain_rule_refuse (ctx, error, "signature.invalid", _("key %.16s... signed twice"), key_text);
      g_ptr_array_add (ctx->signers, (gpointer) key_id);
    }
  return TRUE;
}

static gboolean
check_threshold (const ChainRuleCtx  *ctx,
                 GError             **error)
{
  guint k = chain_policy_get_threshold (chain_rule_get_policy (ctx), ctx->type);
  guint count = ctx->signers->len;

  if (ctx->type == CHAIN_RECORD_TYPE_DELEGATION)
    {
      /* Approvals of the request count too, each key once. */
      for (guint i = 0; i < ctx->request->approvals->len; i++)
        {
          const char *key_id = g_ptr_array_index (ctx->request->approvals, i);
          ChainLedgerOfficer *officer = g_hash_table_lookup (ctx->state->officers_by_key_id, key_id);
          gboolean counted = FALSE;

          for (guint j = 0; j < ctx->signers->len; j++)
            counted |= strcmp (g_ptr_array_index (ctx->signers, j), key_id) == 0;
          if (!counted && officer != NULL && !chain_ledger_officer_is_revoked (officer))
            count++;
        }
    }
  if (count < k && ctx->type == CHAIN_RECORD_TYPE_DELEGATION)
    return chain_rule_refuse (ctx, error, "threshold.not-met",
                              /* Translators: "%u distinct officer key(s) of CUSTODIAN signed or
                               * approved; the policy wants K for type RECORD-TYPE ..." */
                              _("%u distinct officer key(s) of '%s' signed or approved; the policy wants %u for type %s (a key counts once); collect more approvals"),
                              count, ctx->author->id, k, ctx->type_name);
  if (count < k)
    return chain_rule_refuse (ctx, error, "threshold.not-met",
                              /* Translators: "%u distinct officer key(s) of CUSTODIAN signed; the
                               * policy wants K for type RECORD-TYPE ..." */
                              _("%u distinct officer key(s) of '%s' signed; the policy wants %u for type %s (a key counts once); collect more signatures"),
                              count, ctx->author->id, k, ctx->type_name);
  return TRUE;
}

static gboolean
check_commit_signer (const ChainRuleCtx  *ctx,
                     GError             **error)
{
  const ChainCert *signer = ctx->record->commit_signer;
  g_autofree char *key_id = NULL;
  ChainLedgerOfficer *officer;

  if (signer == NULL)
    return TRUE;
  key_id = chain_cert_dup_public_key_sha256 (signer);
  officer = lookup_officer (ctx, key_id);
  if (officer == NULL || !chain_cert_equal (officer->cert, signer))
    {
      g_autofree char *label = chain_rule_cert_label (signer);

      return chain_rule_refuse (ctx, error, "commit.signer",
                                _("the commit was signed by '%s', who is no enrolled officer; append with an officer's certificate"),
                                label);
    }
  if (chain_ledger_officer_is_revoked (officer))
    return chain_rule_refuse (ctx, error, "commit.signer", _("the commit was signed by a revoked officer"));
  return TRUE;
}

/* ---- The record -------------------------------------------------------------------- */

static char *
format_time (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (CLAMP (t, 0, G_GINT64_CONSTANT (253402300799)));

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/* Records are appended in time order and never dated ahead of the clock
 * that judges them, give or take CHAIN_LEDGER_TIME_SKEW. */
static gboolean
check_times (ChainRuleCtx  *ctx,
             GError       **error)
{
  const ChainLedgerState *state = ctx->state;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 appended = ctx->record->commit_time != 0 ? ctx->record->commit_time : now;
  gint64 made = chain_statement_get_time (ctx->st);

  if (ctx->record->commit_time > now + CHAIN_LEDGER_TIME_SKEW)
    {
      g_autofree char *when = format_time (appended);
      g_autofree char *clock = format_time (now);

      return chain_rule_refuse (ctx, error, "record.time-future",
                                _("it was appended at %s, after this clock's %s; check the appender's clock and this one"),
                                when, clock);
    }
  if (state->n_records > 0 && appended < state->last_commit_time - CHAIN_LEDGER_TIME_SKEW)
    {
      g_autofree char *when = format_time (appended);
      g_autofree char *before = format_time (state->last_commit_time);

      return chain_rule_refuse (ctx, error, "record.time-order",
                                _("it is appended at %s, before the record it follows (%s); check the appender's clock"),
                                when, before);
    }
  if (made > appended + CHAIN_LEDGER_TIME_SKEW)
    {
      g_autofree char *when = format_time (made);
      g_autofree char *at = format_time (appended);

      return chain_rule_refuse (ctx, error, "record.time-future",
                                _("the statement is dated %s, after it was appended (%s); check the signer's clock"),
                                when, at);
    }
  return TRUE;
}

static gboolean
check_record (ChainRuleCtx  *ctx,
              GError       **error)
{
  ChainLedgerState *state = ctx->state;
  const char *id = chain_statement_get_id (ctx->st);
  ChainLedgerSeen *seen;
  gboolean genesis = ctx->type == CHAIN_RECORD_TYPE_GENESIS;

  if (ctx->record->seq != state->n_records)
    return chain_rule_refuse (ctx, error, "record.sequence",
                              _("the next record is %" PRIu64 "; records come in order without gaps"),
                              state->n_records);
  if (state->n_records == 0 && !genesis)
    return chain_rule_refuse (ctx, error, "genesis.first", _("a ledger starts with a genesis record"));
  if (state->n_records > 0 && genesis)
    return chain_rule_refuse (ctx, error, "genesis.once", _("a ledger has one genesis, record 0"));

  if (!genesis && strcmp (chain_statement_get_ledger_id (ctx->st), state->ledger_id) != 0)
    return chain_rule_refuse (ctx, error, "statement.ledger",
                              _("the statement was made for ledger %s, not this one (%s)"),
                              chain_statement_get_ledger_id (ctx->st), state->ledger_id);
  seen = g_hash_table_lookup (state->seen, id);
  if (seen != NULL)
    return chain_rule_refuse (ctx, error, "statement.replay", _("statement %s is record %" PRIu64 " already"),
                              id, seen->seq);
  if (!genesis && strcmp (chain_statement_get_policy_digest (ctx->st), state->policy_digest) != 0)
    return chain_rule_refuse (ctx, error, "statement.policy",
                              _("the statement names policy %.16s...; the policy in force is %.16s...; sign it again under that"),
                              chain_statement_get_policy_digest (ctx->st), state->policy_digest);
  if (!check_artifacts (ctx, error))
    return FALSE;

  if (genesis)
    {
      if (!chain_rule_genesis (ctx, error))
        return FALSE;
    }
  else
    {
      const char *author = chain_statement_get_author (ctx->st);

      ctx->author = g_hash_table_lookup (state->custodians_by_id, author);
      if (ctx->author == NULL)
        return chain_rule_refuse (ctx, error, "statement.author", _("'%s' is no custodian of this ledger"), author);
      if (ctx->type == CHAIN_RECORD_TYPE_ACCEPTANCE)
        {
          if (!chain_rule_acceptance (ctx, error))
            return FALSE;
        }
      else if (!ctx->author->accepted)
        return chain_rule_refuse (ctx, error, "statement.author",
                                  _("'%s' has not accepted its delegation; it can record nothing else yet"), author);
    }

  if (!check_signatures (ctx, error))
    return FALSE;

  switch (ctx->type)
    {
    case CHAIN_RECORD_TYPE_GENESIS:
    case CHAIN_RECORD_TYPE_ACCEPTANCE:
      break;
    case CHAIN_RECORD_TYPE_POLICY:
      if (!chain_rule_policy_change (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_OFFICER:
      if (!chain_rule_officer (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_DELEGATION_REQUEST:
      if (!chain_rule_request (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_APPROVAL:
      if (!chain_rule_approval (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_DELEGATION:
      if (!chain_rule_delegation (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_DEVICE_BATCH:
      if (!chain_rule_batch (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_POP:
      if (!chain_rule_pop (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_EXPORT:
      if (!chain_rule_export (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_REVOCATION:
      if (!chain_rule_revocation (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_KEY_ROTATION:
      if (!chain_rule_rotation (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_ANNOTATION:
      if (!chain_rule_annotation (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_QUOTA:
      if (!chain_rule_quota (ctx, error))
        return FALSE;
      break;
    case CHAIN_RECORD_TYPE_INVALID:
    default:
      return chain_rule_refuse (ctx, error, "statement.body",
                                /* Translators: %s is the list of record type names */
                                _("unknown record type; use one of %s"), CHAIN_RECORD_TYPE_NAMES);
    }

  return check_new_serials (ctx, error)
         && check_threshold (ctx, error)
         && check_commit_signer (ctx, error)
         && check_times (ctx, error);
}

static void
remember_seen (GHashTable      *table,
               const char      *key,
               ChainRecordType  type,
               guint64          seq)
{
  ChainLedgerSeen *seen = g_new0 (ChainLedgerSeen, 1);

  seen->type = type;
  seen->seq = seq;
  g_hash_table_insert (table, g_strdup (key), seen);
}

static void
commit (ChainRuleCtx *ctx)
{
  ChainLedgerState *state = ctx->state;
  const char *id = chain_statement_get_id (ctx->st);

  if (ctx->type == CHAIN_RECORD_TYPE_GENESIS)
    state->ledger_id = g_strdup (chain_statement_get_ledger_id (ctx->st));
  g_free (state->quota_finding);
  state->quota_finding = g_steal_pointer (&ctx->quota_finding);
  if (ctx->new_policy != NULL)
    {
      chain_policy_free (state->policy);
      g_free (state->policy_digest);
      state->policy = g_steal_pointer (&ctx->new_policy);
      state->policy_digest = g_steal_pointer (&ctx->new_policy_digest);
      remember_seen (state->policy_history, state->policy_digest, ctx->type, ctx->record->seq);
    }
  if (ctx->new_custodian != NULL)
    chain_ledger_state_add_custodian (state, g_steal_pointer (&ctx->new_custodian));
  if (ctx->new_ca != NULL)
    {
      ChainLedgerCa *ca = g_steal_pointer (&ctx->new_ca);
      ChainSerialKey key;

      chain_ledger_state_add_ca (state, ca);
      if (chain_ledger_cert_serial_key (ca->cert, &key))
        g_hash_table_insert (state->ca_serials, g_memdup2 (&key, sizeof key), ca);
    }
  if (ctx->new_officer != NULL)
    {
      ChainLedgerOfficer *officer = g_steal_pointer (&ctx->new_officer);
      ChainSerialKey key;

      chain_ledger_state_add_officer (state, officer);
      if (chain_ledger_cert_serial_key (officer->cert, &key))
        g_hash_table_insert (state->officer_serials, g_memdup2 (&key, sizeof key), officer);
    }
  for (guint i = 0; ctx->new_serials != NULL && i < ctx->new_serials->len; i++)
    chain_serial_set_insert (state->serials, &g_array_index (ctx->new_serials, ChainSerialKey, i),
                             ctx->issued_by->index);

  switch (ctx->type)
    {
    case CHAIN_RECORD_TYPE_DELEGATION_REQUEST:
      g_ptr_array_add (state->requests, ctx->new_request);
      g_hash_table_insert (state->requests_by_id, ctx->new_request->id, ctx->new_request);
      ctx->new_request = NULL;
      break;
    case CHAIN_RECORD_TYPE_APPROVAL:
      if (ctx->quota != NULL)
        chain_rule_commit_quota (ctx);
      else if (ctx->reject)
        ctx->request->status = CHAIN_REQUEST_STATUS_REJECTED;
      else
        for (guint i = 0; i < ctx->signers->len; i++)
          g_ptr_array_add (ctx->request->approvals, g_strdup (g_ptr_array_index (ctx->signers, i)));
      break;
    case CHAIN_RECORD_TYPE_DELEGATION:
      ctx->request->status = CHAIN_REQUEST_STATUS_DELEGATED;
      g_hash_table_insert (state->delegations, g_strdup (id),
                           g_hash_table_lookup (state->custodians_by_id, ctx->request->custodian_id));
      break;
    case CHAIN_RECORD_TYPE_ACCEPTANCE:
      ctx->child->accepted = TRUE;
      break;
    case CHAIN_RECORD_TYPE_DEVICE_BATCH:
      ctx->ca->n_devices += ctx->n_devices;
      ctx->author->n_devices += ctx->n_devices;
      /* Each id now names its new certificate. */
      g_assert (ctx->new_device_ids->len == ctx->new_serials->len);
      for (guint i = 0; i < ctx->new_device_ids->len; i++)
        chain_ledger_state_set_device (state, &g_array_index (ctx->new_device_ids, ChainSerialKey, i),
                                       &g_array_index (ctx->new_serials, ChainSerialKey, i));
      chain_rule_commit_quota (ctx);
      break;
    case CHAIN_RECORD_TYPE_QUOTA:
      chain_rule_commit_quota (ctx);
      break;
    case CHAIN_RECORD_TYPE_EXPORT:
      g_ptr_array_add (state->exports, g_steal_pointer (&ctx->new_export));
      break;
    case CHAIN_RECORD_TYPE_REVOCATION:
      for (guint i = 0; i < ctx->revoke->len; i++)
        {
          const ChainSerialKey *key = &g_array_index (ctx->revoke, ChainSerialKey, i);
          ChainLedgerCa *ca = g_hash_table_lookup (state->ca_serials, key);
          ChainLedgerOfficer *officer = g_hash_table_lookup (state->officer_serials, key);

          chain_serial_set_replace (state->serials, key, ctx->ca->index | CHAIN_LEDGER_SERIAL_REVOKED);
          if (ca != NULL)
            {
              const char *reason = chain_json_get_string (chain_json_object_get_member (ctx->body, "reason"));

              ca->revoked = TRUE;
              ca->revoked_seq = ctx->record->seq;
              ca->revoked_time = chain_statement_get_time (ctx->st);
              /* revocation.reason let only known names through. */
              if (!chain_revocation_reason_from_string (reason, &ca->revoked_reason, NULL))
                ca->revoked_reason = CHAIN_REVOCATION_UNSPECIFIED;
            }
          if (officer != NULL)
            officer->revoked = TRUE;
          /* Serials are issued to CAs, officers and devices only. */
          if (ca == NULL && officer == NULL)
            ctx->ca->owner->n_revoked_devices++;
          g_ptr_array_add (ctx->ca->revoked_serials, g_strdup (g_ptr_array_index (ctx->revoke_hex, i)));
          state->n_revoked++;
        }
      ctx->ca->crl_number = ctx->crl_number;
      break;
    case CHAIN_RECORD_TYPE_KEY_ROTATION:
      ctx->retire->retired = TRUE;
      break;
    default:
      break;
    }

  remember_seen (state->seen, id, ctx->type, ctx->record->seq);
  state->n_records++;
  state->last_commit_time = ctx->record->commit_time != 0 ? ctx->record->commit_time
                                                          : g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
judge (ChainLedgerState         *self,
       const ChainLedgerRecord  *record,
       gboolean                  apply,
       GError                  **error)
{
  ChainRuleCtx ctx = { 0 };
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (record != NULL, FALSE);
  g_return_val_if_fail (record->version == CHAIN_LEDGER_RECORD_VERSION, FALSE);
  g_return_val_if_fail (record->statement != NULL, FALSE);
  g_return_val_if_fail (chain_statement_is_sealed (record->statement), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ctx.state = self;
  ctx.record = record;
  ctx.st = record->statement;
  ctx.type = chain_statement_get_record_type (ctx.st);
  ctx.type_name = chain_statement_get_type_name (ctx.st);
  ctx.body = chain_statement_get_body (ctx.st);

  ok = check_record (&ctx, error);
  if (ok && apply)
    commit (&ctx);
  ctx_clear (&ctx);
  return ok;
}

gboolean
chain_ledger_state_apply (ChainLedgerState         *self,
                          const ChainLedgerRecord  *record,
                          GError                  **error)
{
  return judge (self, record, TRUE, error);
}

/* A rule the record about to be appended breaks is a refusal of what the
 * caller asked (CHAIN_ERROR_REFUSED, exit 1), not a verification failure:
 * the ledger itself is sound. Replaying (apply) keeps CHAIN_ERROR_VERIFY. */
static void
as_refusal (GError **error)
{
  if (error != NULL && *error != NULL && g_error_matches (*error, CHAIN_ERROR, CHAIN_ERROR_VERIFY))
    (*error)->code = CHAIN_ERROR_REFUSED;
}

gboolean
chain_ledger_state_check (ChainLedgerState         *self,
                          const ChainLedgerRecord  *record,
                          GError                  **error)
{
  if (judge (self, record, FALSE, error))
    return TRUE;
  as_refusal (error);
  return FALSE;
}

/* What a passing check staged, kept to be committed after the append. */
struct _ChainLedgerVerdict {
  ChainLedgerState  *state;
  ChainLedgerRecord  record;   /* ctx.record points here */
  ChainRuleCtx       ctx;
};

ChainLedgerVerdict *
chain_ledger_state_judge (ChainLedgerState         *self,
                          const ChainLedgerRecord  *record,
                          GError                  **error)
{
  g_autoptr(ChainLedgerVerdict) verdict = g_new0 (ChainLedgerVerdict, 1);
  ChainRuleCtx *ctx = &verdict->ctx;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (record != NULL && record->statement != NULL, NULL);
  g_return_val_if_fail (chain_statement_is_sealed (record->statement), NULL);

  verdict->state = self;
  verdict->record = *record;
  verdict->record.statement = chain_statement_ref (record->statement);
  ctx->state = self;
  ctx->record = &verdict->record;
  ctx->st = verdict->record.statement;
  ctx->type = chain_statement_get_record_type (ctx->st);
  ctx->type_name = chain_statement_get_type_name (ctx->st);
  ctx->body = chain_statement_get_body (ctx->st);
  if (!check_record (ctx, error))
    {
      as_refusal (error);
      return NULL;
    }
  return g_steal_pointer (&verdict);
}

void
chain_ledger_state_commit_verdict (ChainLedgerVerdict *verdict)
{
  g_return_if_fail (verdict->state->n_records == verdict->record.seq);
  commit (&verdict->ctx);
}

void
chain_ledger_verdict_free (ChainLedgerVerdict *verdict)
{
  if (verdict == NULL)
    return;
  ctx_clear (&verdict->ctx);
  g_clear_pointer (&verdict->record.statement, chain_statement_unref);
  g_free (verdict);
}
