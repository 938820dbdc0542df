/* chain-workspace-bundle.c — importing a bundle into a workspace
 *
 * The pin and the root come from the workspace, so no shell can import a
 * bundle unaudited or forget to move the pin.
 */
#include "chain-workspace-bundle.h"

#include "chain-audit.h"
#include "chain-cert.h"
#include "chain-error.h"
#include "chain-i18n-private.h"
#include "chain-task-private.h"
#include "chain-ledger.h"
#include "chain-ledger-state.h"

gboolean
chain_workspace_import_bundle (ChainWorkspace        *self,
                               const char            *bundle_path,
                               ChainSyncProgressFunc  progress,
                               gpointer               progress_data,
                               ChainSyncResult      **out_result,
                               GCancellable          *cancellable,
                               GError               **error)
{
  const ChainLedgerState *state = NULL;
  ChainLedger *ledger = NULL;
  ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;
  g_autofree char *pin = NULL;
  g_autofree char *root = NULL;
  g_autoptr(ChainSyncResult) result = NULL;

  g_return_val_if_fail (self != NULL && bundle_path != NULL, FALSE);

  state = chain_workspace_get_state (self);
  ledger = chain_workspace_get_ledger (self);
  if (ledger == NULL || state == NULL || chain_ledger_state_get_root (state) == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_JOINED,
                   _("this workspace has not joined a ledger yet"));
      return FALSE;
    }
  pin = chain_workspace_dup_pin_path (self);
  root = chain_cert_dup_thumbprint_hex (chain_ledger_state_get_root (state), CHAIN_DIGEST_SHA256);
  options.pin_path = pin;
  options.verify = chain_audit_sync_verify;
  options.verify_data = root;
  options.progress = progress;
  options.progress_data = progress_data;
  if (!chain_sync_bundle_import (chain_ledger_get_path (ledger), bundle_path, &options, &result,
                                 cancellable, error)
      || !chain_workspace_refresh (self, NULL, cancellable, error))
    return FALSE;
  if (out_result != NULL)
    *out_result = g_steal_pointer (&result);
  return TRUE;
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ChainWorkspace *self = chain_task_get_source (task);
  ChainSyncResult *result = NULL;
  GError *error = NULL;

  (void) source_object;
  if (chain_workspace_import_bundle (self, task_data, NULL, NULL, &result, cancellable, &error))
    g_task_return_pointer (task, result, (GDestroyNotify) chain_sync_result_free);
  else
    g_task_return_error (task, error);
}

void
chain_workspace_import_bundle_async (ChainWorkspace      *self,
                                     const char          *bundle_path,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self != NULL && bundle_path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chain_workspace_import_bundle_async);
  g_task_set_name (task, "[libchain] bundle import");
  chain_task_set_source (task, self);
  g_task_set_task_data (task, g_strdup (bundle_path), g_free);
  g_task_run_in_thread (task, import_thread);
}

gboolean
chain_workspace_import_bundle_finish (ChainWorkspace   *self,
                                      GAsyncResult     *result,
                                      ChainSyncResult **out_result,
                                      GError          **error)
{
  ChainSyncResult *outcome = NULL;

  g_return_val_if_fail (chain_task_is_valid_for (result, self, chain_workspace_import_bundle_async), FALSE);

  outcome = g_task_propagate_pointer (G_TASK (result), error);
  if (outcome == NULL)
    return FALSE;
  if (out_result != NULL)
    *out_result = outcome;
  else
    chain_sync_result_free (outcome);
  return TRUE;
}
