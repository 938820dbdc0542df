/* cli-workspace.c — opening the workspace a command works on */
#include "chain-cli.h"

#include <stdio.h>

static void
print_recovery (const char *message,
                gpointer    data)
{
  g_autofree char *shown = chain_text_sanitize (message, CHAIN_TEXT_ONE_LINE);

  (void) data;
  /* Translators: %s says what a killed run left and what was done. */
  fprintf (stderr, _("chain: %s\n"), shown);
}

gboolean
chain_cli_finish_dead_runs (ChainWorkspace *workspace,
                            gboolean        unlocked,
                            GError        **error)
{
  return chain_issue_recover (workspace, unlocked, print_recovery, NULL, error);
}

gboolean
chain_cli_unlock_workspace (const ChainCliGlobals *globals,
                            ChainWorkspace        *workspace,
                            const char            *officer,
                            ChainSecret          **out_passphrase,
                            GError               **error)
{
  g_autoptr(ChainSecret) passphrase = NULL;
  g_autoptr(ChainSecret) pin = NULL;
  /* Ask only for what the keys need: a passphrase for files, a PIN for a token. */
  ChainWorkspaceSecrets secrets = chain_workspace_get_unlock_secrets (workspace, officer);
  gboolean needs_passphrase = (secrets & CHAIN_WORKSPACE_SECRET_PASSPHRASE) != 0;
  gboolean needs_pin = (secrets & CHAIN_WORKSPACE_SECRET_PIN) != 0;

  if (needs_pin)
    {
      pin = chain_cli_get_pin (globals, error);
      if (pin == NULL)
        return FALSE;
      chain_workspace_set_pin (workspace, pin);
    }
  if (needs_passphrase)
    {
      passphrase = chain_cli_get_passphrase (globals, _("Passphrase: "), error);
      if (passphrase == NULL)
        return FALSE;
    }
  if (!chain_workspace_unlock (workspace, officer, passphrase, error)
      || !chain_cli_finish_dead_runs (workspace, TRUE, error))
    return FALSE;
  if (out_passphrase != NULL)
    *out_passphrase = g_steal_pointer (&passphrase);
  return TRUE;
}

ChainWorkspace *
chain_cli_open_workspace (const ChainCliGlobals *globals,
                          gboolean               unlock,
                          const char            *officer,
                          GCancellable          *cancellable,
                          GError               **error)
{
  g_autoptr(ChainWorkspace) workspace = chain_workspace_open (globals->workspace, cancellable, error);

  if (workspace == NULL)
    return NULL;
  if (!unlock)
    {
      /* Locked: a dead run can only be reported here. */
      if (!chain_cli_finish_dead_runs (workspace, FALSE, error))
        return NULL;
      return g_steal_pointer (&workspace);
    }
  if (!chain_cli_unlock_workspace (globals, workspace, officer, NULL, error))
    return NULL;
  return g_steal_pointer (&workspace);
}
