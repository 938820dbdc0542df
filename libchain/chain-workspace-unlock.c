/* chain-workspace-unlock.c — which secrets unlocking a workspace needs */
#include "chain-workspace.h"

static ChainWorkspaceSecrets
secret_for (ChainKeyStore store)
{
  switch (store)
    {
    case CHAIN_KEY_STORE_FILE:
      return CHAIN_WORKSPACE_SECRET_PASSPHRASE;
    case CHAIN_KEY_STORE_PKCS11:
      return CHAIN_WORKSPACE_SECRET_PIN;
    case CHAIN_KEY_STORE_TPM2:
    default:
      return CHAIN_WORKSPACE_SECRET_NONE;
    }
}

ChainWorkspaceSecrets
chain_workspace_get_unlock_secrets (const ChainWorkspace *self,
                                    const char           *officer)
{
  g_auto(GStrv) officers = NULL;
  ChainWorkspaceSecrets secrets = CHAIN_WORKSPACE_SECRET_NONE;
  ChainKeyStore store;

  g_return_val_if_fail (self != NULL, CHAIN_WORKSPACE_SECRET_NONE);

  officers = chain_workspace_list_officers (self);
  for (guint i = 0; officers[i] != NULL; i++)
    if ((officer == NULL || g_strcmp0 (officer, officers[i]) == 0)
        && chain_workspace_get_key_store (self, officers[i], &store, NULL))
      secrets |= secret_for (store);
  /* The CA key is unlocked with the officer's. */
  if (chain_workspace_get_key_store (self, NULL, &store, NULL))
    secrets |= secret_for (store);
  return secrets;
}
