/* custody-unlock.h — opening an officer's keys with what the officer typed
 *
 * Custody asks one secret per signing step: the passphrase when the keys
 * are files, the token's PIN when they live in a PKCS#11 token (nothing
 * when they are in a TPM), as chain_workspace_get_unlock_secrets() says;
 * a workspace with both kinds asks both. Once the keys are open, issuing
 * runs that died (killed, power lost) are finished as the CLI finishes
 * them (chain_issue_recover()), and said.
 */
#pragma once

#include "chain.h"

G_BEGIN_DECLS

/**
 * custody_unlock_workspace:
 * @workspace: an open, locked workspace.
 * @officer: (nullable): who signs, as chain_workspace_unlock() takes it.
 * @secret: the passphrase, or the PIN when the keys need no passphrase.
 * @pin: (nullable): the PIN typed besides a passphrase.
 * @recovered: (nullable) (element-type utf8): gets one line per dead
 *   issuing run finished; %NULL to leave dead runs alone (a check only).
 * @error: as chain_workspace_unlock() and chain_issue_recover().
 *
 * The PIN stays set in @workspace for the job's token work; the caller
 * clears it with chain_workspace_set_pin (@workspace, %NULL).
 *
 * Returns: %TRUE when the keys are open (and dead runs finished).
 */
gboolean custody_unlock_workspace (ChainWorkspace    *workspace,
                                   const char        *officer,
                                   const ChainSecret *secret,
                                   const ChainSecret *pin,
                                   GPtrArray         *recovered,
                                   GError           **error);

/**
 * custody_unlock_survey_dead_runs:
 * @workspace: an open workspace, locked.
 * @found: (element-type utf8): gets one line per dead issuing run.
 *
 * What dead issuing runs left, said on opening; the next signing step
 * finishes them.
 */
void custody_unlock_survey_dead_runs (ChainWorkspace *workspace,
                                      GPtrArray      *found);

G_END_DECLS
