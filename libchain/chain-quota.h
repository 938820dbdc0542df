/* chain-quota.h — setting a custodian's device quota, and approving it
 *
 * A delegation may carry a device quota (ChainDelegateOptions.max_devices).
 * The parent changes it later with a quota record: in force at once when
 * the parent's officers that signed it meet the policy's delegation
 * threshold, otherwise recorded and waiting for chain_workspace_approve()
 * by more of them. A quota is never set below what the custodian and the
 * custodians below it issued already. chain_ledger_state.h reads quotas.
 */
#pragma once

#include <gio/gio.h>
#include "chain-macros.h"

#include "chain-ledger-state.h"
#include "chain-workspace.h"

G_BEGIN_DECLS

/**
 * ChainQuotaOutcome:
 * @seq: the quota record.
 * @quota_id: its statement id (hex), what approvals name; in the struct.
 * @in_force: whether the quota is in force now.
 * @agreed: distinct officer keys of the parent that signed or approved it.
 * @threshold: officer keys the policy wants (its delegation threshold).
 *
 * What chain_workspace_set_quota() recorded; owned by the caller.
 */
typedef struct {
  guint64  seq;
  char     quota_id[65];
  gboolean in_force;
  guint    agreed;
  guint    threshold;
} ChainQuotaOutcome;

/**
 * chain_workspace_set_quota:
 * @self: the parent's workspace, unlocked by one of its officers.
 * @custodian_id: a custodian this one delegated to.
 * @max_devices: 1 to %CHAIN_QUOTA_MAX: the devices it and every custodian
 *   below it may issue in all, those issued already included.
 * @out_outcome: (out caller-allocates): what was recorded.
 * @error: CHAIN_ERROR_NOT_FOUND (no such custodian), CHAIN_ERROR_INVALID_INPUT
 *   (@max_devices out of bounds), CHAIN_ERROR_REFUSED (the ledger's rules
 *   refuse: not our child, or below what is issued: rule quota.*).
 *
 * Records a quota record. Nothing is recorded on error.
 *
 * Returns: whether it was recorded.
 */
CHAIN_PUBLIC
gboolean chain_workspace_set_quota (ChainWorkspace    *self,
                                    const char        *custodian_id,
                                    guint64            max_devices,
                                    ChainQuotaOutcome *out_outcome,
                                    GCancellable      *cancellable,
                                    GError           **error);

/**
 * chain_ledger_state_find_pending_quota:
 * @self: a state.
 * @name: a quota record's statement id (or a prefix of 8 or more hex
 *   digits), or the id of a custodian with a quota waiting for approvals.
 *
 * Returns: (transfer none) (nullable): the pending quota record @name
 *   names, %NULL if none (or more than one) does.
 */
CHAIN_PUBLIC
const ChainLedgerQuota *chain_ledger_state_find_pending_quota (const ChainLedgerState *self,
                                                               const char             *name);

G_END_DECLS
