/* chain-ledger-quota.c — device quotas: the rules and the state they leave
 *
 * A delegation may carry a device quota (body.max_devices). The parent
 * changes it with a quota record, which comes into force once as many
 * distinct officer keys of the parent signed or approved it as the
 * policy's delegation threshold asks: the quota is part of the delegation,
 * so changing it needs what granting it needed. A quota counts the devices
 * the custodian and every custodian below it issued, so a quota on a CA
 * bounds everything issued under it. Counts are kept per custodian as
 * batches land (O(depth) a batch, O(1) to read).
 *
 * A batch past a quota is applied all the same: the ledger must record
 * every certificate signed (a dead run's, finished by the next command,
 * included). chain issue refuses such a batch before it signs; the
 * auditor reports one that was recorded anyway as quota.exceeded.
 */
#include "chain-ledger-rules-private.h"
#include "chain-i18n-private.h"

#include <inttypes.h>
#include <string.h>

void
chain_ledger_quota_free (ChainLedgerQuota *quota)
{
  if (quota == NULL)
    return;
  g_free (quota->id);
  g_clear_pointer (&quota->approvals, g_ptr_array_unref);
  g_free (quota);
}

void
chain_ledger_state_add_quota (ChainLedgerState *self,
                              ChainLedgerQuota *quota)
{
  g_ptr_array_add (self->quotas, quota);
  g_hash_table_insert (self->quotas_by_id, quota->id, quota);
}

const char *
chain_ledger_state_get_quota_finding (const ChainLedgerState *self)
{
  return self->quota_finding;
}

/* ---- Reading --------------------------------------------------------------------- */

gboolean
chain_custodian_get_quota (const ChainCustodian *self,
                           guint64              *out_max_devices)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->max_devices == 0)
    return FALSE;
  if (out_max_devices != NULL)
    *out_max_devices = self->max_devices;
  return TRUE;
}

guint64
chain_custodian_get_n_devices_below (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_devices_below;
}

gboolean
chain_custodian_get_devices_left (const ChainCustodian *self,
                                  guint64              *out_left)
{
  gboolean bounded = FALSE;
  guint64 left = G_MAXUINT64;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_left != NULL, FALSE);

  for (const ChainCustodian *c = self; c != NULL; c = c->parent)
    if (c->max_devices != 0)
      {
        guint64 here = c->n_devices_below < c->max_devices ? c->max_devices - c->n_devices_below : 0;

        bounded = TRUE;
        left = MIN (left, here);
      }
  if (bounded)
    *out_left = left;
  return bounded;
}

guint
chain_ledger_state_get_n_quotas (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->quotas->len;
}

const ChainLedgerQuota *
chain_ledger_state_get_quota (const ChainLedgerState *self,
                              guint                   index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->quotas->len, NULL);
  return g_ptr_array_index (self->quotas, index);
}

const ChainLedgerQuota *
chain_ledger_state_find_quota (const ChainLedgerState *self,
                               const char             *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  return id != NULL ? g_hash_table_lookup (self->quotas_by_id, id) : NULL;
}

const char *
chain_ledger_quota_get_id (const ChainLedgerQuota *self)
{
  return self->id;
}

guint64
chain_ledger_quota_get_seq (const ChainLedgerQuota *self)
{
  return self->seq;
}

const char *
chain_ledger_quota_get_custodian_id (const ChainLedgerQuota *self)
{
  return self->custodian->id;
}

guint64
chain_ledger_quota_get_max_devices (const ChainLedgerQuota *self)
{
  return self->max_devices;
}

ChainQuotaStatus
chain_ledger_quota_get_status (const ChainLedgerQuota *self)
{
  return self->status;
}

guint
chain_ledger_quota_get_n_approvals (const ChainLedgerQuota *self)
{
  return self->approvals->len;
}

const char *
chain_ledger_quota_get_approval_key_id (const ChainLedgerQuota *self,
                                        guint                   index)
{
  g_return_val_if_fail (index < self->approvals->len, NULL);
  return g_ptr_array_index (self->approvals, index);
}

/* ---- Judging ---------------------------------------------------------------------- */

/* How many officer keys of the parent a quota needs before it is in force. */
static guint
quota_threshold (const ChainRuleCtx *ctx)
{
  return chain_policy_get_threshold (chain_rule_get_policy (ctx), CHAIN_RECORD_TYPE_DELEGATION);
}

static gboolean
check_bounds (const ChainRuleCtx  *ctx,
              gint64               max_devices,
              GError             **error)
{
  if (max_devices < 1 || max_devices > CHAIN_QUOTA_MAX)
    return chain_rule_refuse (ctx, error, "statement.body",
                              _("body.max_devices is %" PRId64 "; a device quota is 1 to %" PRId64),
                              max_devices, CHAIN_QUOTA_MAX);
  return TRUE;
}

static gboolean
check_not_below_issued (const ChainRuleCtx    *ctx,
                        const ChainCustodian  *custodian,
                        guint64                max_devices,
                        GError               **error)
{
  if (max_devices < custodian->n_devices_below)
    return chain_rule_refuse (ctx, error, "quota.below-issued",
                              _("a quota of %" PRIu64 " devices for '%s' is below the %" PRIu64
                                " it and the custodians below it issued already; set at least that"),
                              max_devices, custodian->id, custodian->n_devices_below);
  return TRUE;
}

gboolean
chain_rule_delegation_quota (ChainRuleCtx  *ctx,
                             GError       **error)
{
  gint64 max_devices = 0;

  if (chain_json_object_get_member (ctx->body, "max_devices") == NULL)
    return TRUE;
  if (!chain_rule_body_integer (ctx, "max_devices", &max_devices, error) || !check_bounds (ctx, max_devices, error))
    return FALSE;
  ctx->new_custodian->max_devices = (guint64) max_devices;
  return TRUE;
}

gboolean
chain_rule_quota (ChainRuleCtx  *ctx,
                  GError       **error)
{
  static const char *const known[] = { "custodian", "max_devices", NULL };
  const char *custodian_id;
  ChainCustodian *custodian;
  gint64 max_devices = 0;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  custodian_id = chain_rule_body_string (ctx, "custodian", error);
  if (custodian_id == NULL || !chain_rule_body_integer (ctx, "max_devices", &max_devices, error)
      || !check_bounds (ctx, max_devices, error))
    return FALSE;
  custodian = g_hash_table_lookup (ctx->state->custodians_by_id, custodian_id);
  if (custodian == NULL || custodian->parent != ctx->author)
    {
      g_autofree char *text = chain_rule_shown (custodian_id);

      return chain_rule_refuse (ctx, error, "quota.custodian",
                                _("'%s' is no custodian '%s' delegated to; only the parent sets a custodian's quota"),
                                text, ctx->author->id);
    }
  if (!check_not_below_issued (ctx, custodian, (guint64) max_devices, error))
    return FALSE;

  ctx->new_quota = g_new0 (ChainLedgerQuota, 1);
  ctx->new_quota->id = g_strdup (chain_statement_get_id (ctx->st));
  ctx->new_quota->seq = ctx->record->seq;
  ctx->new_quota->author = ctx->author;
  ctx->new_quota->custodian = custodian;
  ctx->new_quota->max_devices = (guint64) max_devices;
  ctx->new_quota->approvals = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < ctx->signers->len; i++)
    g_ptr_array_add (ctx->new_quota->approvals, g_strdup (g_ptr_array_index (ctx->signers, i)));
  ctx->new_quota->status = CHAIN_QUOTA_STATUS_PENDING;
  ctx->quota_in_force = ctx->signers->len >= quota_threshold (ctx);
  return TRUE;
}

/* Counts the keys of @quota's approvals and @signers, each once, that are
 * officers of the parent not revoked now. */
static guint
count_agreed (const ChainRuleCtx     *ctx,
              const ChainLedgerQuota *quota)
{
  guint count = 0;

  for (guint i = 0; i < quota->approvals->len; i++)
    {
      ChainLedgerOfficer *officer = g_hash_table_lookup (ctx->state->officers_by_key_id,
                                                         g_ptr_array_index (quota->approvals, i));

      count += officer != NULL && !chain_ledger_officer_is_revoked (officer);
    }
  return count + ctx->signers->len;
}

gboolean
chain_rule_quota_approval (ChainRuleCtx  *ctx,
                           const char    *target,
                           gboolean       reject,
                           gboolean      *out_is_quota,
                           GError       **error)
{
  ChainLedgerQuota *quota = g_hash_table_lookup (ctx->state->quotas_by_id, target);

  *out_is_quota = quota != NULL;
  if (quota == NULL)
    return TRUE;
  if (quota->author != ctx->author)
    return chain_rule_refuse (ctx, error, "approval.author",
                              _("the quota of '%s' was set by '%s'; only its officers approve it, not those of '%s'"),
                              quota->custodian->id, quota->author->id, ctx->author->id);
  if (quota->status != CHAIN_QUOTA_STATUS_PENDING)
    return chain_rule_refuse (ctx, error, "approval.pending",
                              quota->status == CHAIN_QUOTA_STATUS_IN_FORCE
                              ? _("the quota of %" PRIu64 " devices for '%s' is in force already")
                              : _("the quota of %" PRIu64 " devices for '%s' is no longer pending"),
                              quota->max_devices, quota->custodian->id);
  ctx->quota = quota;
  ctx->reject = reject;
  if (reject)
    return TRUE;
  for (guint i = 0; i < ctx->signers->len; i++)
    for (guint j = 0; j < quota->approvals->len; j++)
      if (strcmp (g_ptr_array_index (quota->approvals, j), g_ptr_array_index (ctx->signers, i)) == 0)
        return chain_rule_refuse (ctx, error, "approval.duplicate",
                                  _("key %.16s... agreed to the quota of '%s' already; an approval counts once per key"),
                                  (const char *) g_ptr_array_index (ctx->signers, i), quota->custodian->id);
  ctx->quota_in_force = count_agreed (ctx, quota) >= quota_threshold (ctx);
  if (ctx->quota_in_force && !check_not_below_issued (ctx, quota->custodian, quota->max_devices, error))
    return FALSE;
  return TRUE;
}

void
chain_rule_batch_quota (ChainRuleCtx *ctx)
{
  for (const ChainCustodian *c = ctx->author; c != NULL && ctx->quota_finding == NULL; c = c->parent)
    if (c->max_devices != 0 && c->n_devices_below + ctx->n_devices > c->max_devices)
      {
        guint64 left = c->n_devices_below < c->max_devices ? c->max_devices - c->n_devices_below : 0;

        ctx->quota_finding = c == ctx->author
                             ? g_strdup_printf (_("a batch of %" PRIu64 " devices by '%s' goes past its quota of %" PRIu64
                                                  " (%" PRIu64 " were left)"),
                                                ctx->n_devices, ctx->author->id, c->max_devices, left)
                             : g_strdup_printf (_("a batch of %" PRIu64 " devices by '%s' goes past the quota of %" PRIu64
                                                  " of '%s' above it (%" PRIu64 " were left)"),
                                                ctx->n_devices, ctx->author->id, c->max_devices, c->id, left);
      }
}

/* ---- Committing -------------------------------------------------------------------- */

static void
put_in_force (ChainLedgerState *state,
              ChainLedgerQuota *quota)
{
  for (guint i = 0; i < state->quotas->len; i++)
    {
      ChainLedgerQuota *other = g_ptr_array_index (state->quotas, i);

      if (other != quota && other->custodian == quota->custodian && other->status == CHAIN_QUOTA_STATUS_IN_FORCE)
        other->status = CHAIN_QUOTA_STATUS_SUPERSEDED;
    }
  quota->status = CHAIN_QUOTA_STATUS_IN_FORCE;
  quota->custodian->max_devices = quota->max_devices;
}

void
chain_rule_commit_quota (ChainRuleCtx *ctx)
{
  ChainLedgerState *state = ctx->state;

  if (ctx->type == CHAIN_RECORD_TYPE_DEVICE_BATCH)
    {
      for (ChainCustodian *c = ctx->author; c != NULL; c = c->parent)
        c->n_devices_below += ctx->n_devices;
      return;
    }
  if (ctx->new_quota != NULL)
    {
      ChainLedgerQuota *quota = g_steal_pointer (&ctx->new_quota);

      /* A newer proposal replaces one still waiting for approvals. */
      for (guint i = 0; i < state->quotas->len; i++)
        {
          ChainLedgerQuota *other = g_ptr_array_index (state->quotas, i);

          if (other->custodian == quota->custodian && other->status == CHAIN_QUOTA_STATUS_PENDING)
            other->status = CHAIN_QUOTA_STATUS_SUPERSEDED;
        }
      chain_ledger_state_add_quota (state, quota);
      if (ctx->quota_in_force)
        put_in_force (state, quota);
      return;
    }
  if (ctx->quota != NULL)
    {
      if (ctx->reject)
        {
          ctx->quota->status = CHAIN_QUOTA_STATUS_REJECTED;
          return;
        }
      for (guint i = 0; i < ctx->signers->len; i++)
        g_ptr_array_add (ctx->quota->approvals, g_strdup (g_ptr_array_index (ctx->signers, i)));
      if (ctx->quota_in_force)
        put_in_force (state, ctx->quota);
    }
}
