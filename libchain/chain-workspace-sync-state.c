/* chain-workspace-sync-state.c — the audited state a sync last built on
 * (chain-workspace-sync-state-private.h) */
#include "chain-workspace-sync-state-private.h"

#include "chain-error.h"
#include "chain-ledger-state-private.h"
#include "chain-state-cache-private.h"
#include "chain-workspace-private.h"

ChainLedgerState *
chain_workspace_sync_state_load (ChainWorkspace *self,
                                 const char     *commit_id)
{
  g_autofree char *path = chain_workspace_build_path (self, CHAIN_WORKSPACE_SYNC_STATE_FILE);
  ChainLedger *ledger = chain_workspace_get_ledger (self);
  g_autoptr(ChainLedgerState) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tip = NULL;

  if (ledger == NULL || commit_id == NULL)
    return NULL;
  state = chain_state_cache_read (path, chain_ledger_get_id (ledger), &tip, &error);
  if (state == NULL)
    {
      if (!g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND))
        g_debug ("sync: %s", error->message);
      return NULL;
    }
  if (g_ascii_strcasecmp (tip, commit_id) != 0)
    return NULL;
  return g_steal_pointer (&state);
}

void
chain_workspace_sync_state_store (ChainWorkspace         *self,
                                  const ChainLedgerState *state,
                                  const char             *commit_id)
{
  g_autofree char *path = chain_workspace_build_path (self, CHAIN_WORKSPACE_SYNC_STATE_FILE);
  g_autoptr(GError) error = NULL;

  if (!chain_state_cache_write (path, state, commit_id, &error))
    g_debug ("sync: %s", error->message);
}
