/* chain-quota.c — a parent sets a custodian's device quota */
#include "chain-quota.h"

#include "chain-error.h"
#include "chain-i18n-private.h"
#include "chain-workspace-private.h"

#include <string.h>

const ChainLedgerQuota *
chain_ledger_state_find_pending_quota (const ChainLedgerState *self,
                                       const char             *name)
{
  const ChainLedgerQuota *found = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < chain_ledger_state_get_n_quotas (self); i++)
    {
      const ChainLedgerQuota *quota = chain_ledger_state_get_quota (self, i);

      if (chain_ledger_quota_get_status (quota) != CHAIN_QUOTA_STATUS_PENDING)
        continue;
      if ((strlen (name) >= 8 && g_str_has_prefix (chain_ledger_quota_get_id (quota), name))
          || strcmp (chain_ledger_quota_get_custodian_id (quota), name) == 0)
        {
          if (found != NULL)
            return NULL;
          found = quota;
        }
    }
  return found;
}

gboolean
chain_workspace_set_quota (ChainWorkspace    *self,
                           const char        *custodian_id,
                           guint64            max_devices,
                           ChainQuotaOutcome *out_outcome,
                           GCancellable      *cancellable,
                           GError           **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);
  g_autoptr(ChainStatement) statement = NULL;
  ChainQuotaOutcome outcome = { 0 };
  const ChainLedgerQuota *quota;
  ChainJson *body;

  g_return_val_if_fail (custodian_id != NULL, FALSE);
  g_return_val_if_fail (out_outcome != NULL, FALSE);

  if (state == NULL || chain_ledger_state_find_custodian (state, custodian_id) == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("no custodian '%s' in the ledger"), custodian_id);
      return FALSE;
    }
  if (max_devices < 1 || max_devices > (guint64) CHAIN_QUOTA_MAX)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a device quota is 1 to %" G_GINT64_FORMAT " devices; give a number in that range"), CHAIN_QUOTA_MAX);
      return FALSE;
    }
  body = chain_json_new_object ();
  chain_json_object_set_string (body, "custodian", custodian_id);
  chain_json_object_set_integer (body, "max_devices", (gint64) max_devices);
  statement = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_QUOTA, body, error);
  if (statement == NULL || !chain_workspace_commit (self, statement, &outcome.seq, cancellable, error))
    return FALSE;
  quota = chain_ledger_state_find_quota (chain_workspace_get_state (self), chain_statement_get_id (statement));
  g_strlcpy (outcome.quota_id, chain_statement_get_id (statement), sizeof outcome.quota_id);
  outcome.in_force = quota != NULL && chain_ledger_quota_get_status (quota) == CHAIN_QUOTA_STATUS_IN_FORCE;
  outcome.agreed = quota != NULL ? chain_ledger_quota_get_n_approvals (quota) : 1;
  outcome.threshold = chain_policy_get_threshold (chain_ledger_state_get_policy (chain_workspace_get_state (self)),
                                                  CHAIN_RECORD_TYPE_DELEGATION);
  *out_outcome = outcome;
  return TRUE;
}
