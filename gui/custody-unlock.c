/* custody-unlock.c — opening an officer's keys with what the officer typed */
#include "custody-unlock.h"

/* One line per run: the notice counts runs by its lines, and the output
 * directory a run's journal names is shown as text from disk. */
static void
add_line (const char *message,
          gpointer    data)
{
  g_ptr_array_add (data, chain_text_sanitize (message, CHAIN_TEXT_ONE_LINE));
}

gboolean
custody_unlock_workspace (ChainWorkspace    *workspace,
                          const char        *officer,
                          const ChainSecret *secret,
                          const ChainSecret *pin,
                          GPtrArray         *recovered,
                          GError           **error)
{
  ChainWorkspaceSecrets needs = chain_workspace_get_unlock_secrets (workspace, officer);
  const ChainSecret *passphrase = (needs & CHAIN_WORKSPACE_SECRET_PASSPHRASE) ? secret : NULL;

  if (needs & CHAIN_WORKSPACE_SECRET_PIN)
    chain_workspace_set_pin (workspace, passphrase != NULL ? pin : secret);
  if (!chain_workspace_unlock (workspace, officer, passphrase, error))
    return FALSE;
  return recovered == NULL || chain_issue_recover (workspace, TRUE, add_line, recovered, error);
}

void
custody_unlock_survey_dead_runs (ChainWorkspace *workspace,
                                 GPtrArray      *found)
{
  /* Only reading: nothing to fail but the directory listing, which then
   * shows nothing. */
  chain_issue_recover (workspace, FALSE, add_line, found, NULL);
}
