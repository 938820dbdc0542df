/* cli-workspace.c — opening the workspace a command works on */
#include "chain-cli.h"

#include <stdio.h>

static void
print_recovery (const char *message,
                gpointer    data)
{
  (void) data;
  /* Translators: %s says what a killed run left and what was done. */
  fprintf (stderr, _("chain: %s\n"), message);
}

gboolean
chain_cli_finish_dead_runs (ChainWorkspace *workspace,
                            gboolean        unlocked,
                            GError        **error)
{
  return chain_issue_recover (workspace, unlocked, print_recovery, NULL, error);
}

ChainWorkspace *
chain_cli_open_workspace (const ChainCliGlobals *globals,
                          gboolean               unlock,
                          const char            *officer,
                          GCancellable          *cancellable,
                          GError               **error)
{
  g_autoptr(ChainWorkspace) workspace = chain_workspace_open (globals->workspace, cancellable, error);
  g_autoptr(ChainSecret) passphrase = NULL;

  if (workspace == NULL)
    return NULL;
  if (!unlock)
    {
      /* Locked: a dead run can only be reported here. */
      if (!chain_cli_finish_dead_runs (workspace, FALSE, error))
        return NULL;
      return g_steal_pointer (&workspace);
    }

  passphrase = chain_cli_get_passphrase (globals, _("Passphrase: "), error);
  if (passphrase == NULL || !chain_workspace_unlock (workspace, officer, passphrase, error)
      || !chain_cli_finish_dead_runs (workspace, TRUE, error))
    return NULL;
  return g_steal_pointer (&workspace);
}
