/* chain-workspace-sync-state-private.h — the audited state a sync last
 * built on, kept for the next sync's lost race
 *
 * When custodians push to one hosted ledger at once, a sync that lost the
 * race must audit what the winner pushed and re-append our records on it
 * before the next writer's push lands. Auditing and replaying the whole
 * ledger each time (seconds, growing with it) made that window too wide
 * for a writer on a slower link ever to close. So a sync keeps the state
 * its audit left at the remote's tip it last met (the base of the next
 * divergence):
 *
 *   WORKSPACE/sync-state-cache   (0600; beside the pin and state-cache)
 *
 * in the format of chain-state-cache-private.h, keyed by that commit, and
 * the next divergence above it is audited from there: only the fetched
 * records (chain_audit_sync_verify_resume()). It is written only from a
 * state an audit under this workspace's root passed, or one the workspace
 * replayed from records it verified; anything else (missing, corrupt,
 * another ledger, another commit) is no cache and costs a full audit.
 * Deleting it is always safe. Never installed.
 */
#pragma once

#include "chain-ledger-state.h"
#include "chain-workspace.h"

G_BEGIN_DECLS

/** The file's name in a workspace. */
#define CHAIN_WORKSPACE_SYNC_STATE_FILE "sync-state-cache"

/**
 * chain_workspace_sync_state_load:
 * @self: a joined workspace.
 * @commit_id: the commit (40 hex digits) the state must end at.
 *
 * Returns: (transfer full) (nullable): the kept state at @commit_id, or
 *   %NULL: audit in full.
 */
ChainLedgerState *chain_workspace_sync_state_load (ChainWorkspace *self,
                                                   const char     *commit_id);

/**
 * chain_workspace_sync_state_store:
 * @self: a joined workspace.
 * @state: a state an audit with no finding (or a replay of verified
 *   records) left at @commit_id.
 * @commit_id: the commit of its last record.
 *
 * Replaces the kept state. Failing costs the next lost race a full audit,
 * nothing more: a debug message.
 */
void chain_workspace_sync_state_store (ChainWorkspace         *self,
                                       const ChainLedgerState *state,
                                       const char             *commit_id);

G_END_DECLS
