/* cli-workspace.c — opening the workspace a command works on */
#include "chain-cli.h"

ChainWorkspace *
chain_cli_open_workspace (const ChainCliGlobals *globals,
                          gboolean               unlock,
                          const char            *officer,
                          GCancellable          *cancellable,
                          GError               **error)
{
  g_autoptr(ChainWorkspace) workspace = chain_workspace_open (globals->workspace, cancellable, error);
  g_autoptr(ChainSecret) passphrase = NULL;

  if (workspace == NULL || !unlock)
    return g_steal_pointer (&workspace);

  passphrase = chain_cli_get_passphrase (globals, _("Passphrase: "), error);
  if (passphrase == NULL || !chain_workspace_unlock (workspace, officer, passphrase, error))
    return NULL;
  return g_steal_pointer (&workspace);
}
