/* custody-unlock-check.c — whether a passphrase opens an officer's key */
#include "custody-unlock-check.h"

#include "custody-unlock.h"

typedef struct {
  char        *dir;
  char        *officer;
  ChainSecret *passphrase;
  ChainSecret *pin;
} Check;

static void
check_free (gpointer data)
{
  Check *check = data;

  g_free (check->dir);
  g_free (check->officer);
  chain_secret_free (check->passphrase);
  chain_secret_free (check->pin);
  g_free (check);
}

static void
check_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Check *check = task_data;
  g_autoptr(ChainWorkspace) workspace = NULL;
  GError *error = NULL;

  workspace = chain_workspace_open (check->dir, cancellable, &error);
  /* A check only: dead runs are the signing job's to finish. */
  if (workspace == NULL
      || !custody_unlock_workspace (workspace, check->officer, check->passphrase, check->pin, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* chain_workspace_free() wipes the opened keys. */
  g_task_return_boolean (task, TRUE);
}

void
custody_unlock_check_async (const char          *workspace_dir,
                            const char          *officer,
                            const ChainSecret   *passphrase,
                            const ChainSecret   *pin,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Check *check = g_new0 (Check, 1);
  const guint8 *data = NULL;
  gsize len = 0;

  g_return_if_fail (workspace_dir != NULL && passphrase != NULL);

  data = chain_secret_get_data (passphrase, &len);
  check->dir = g_strdup (workspace_dir);
  check->officer = g_strdup (officer);
  check->passphrase = chain_secret_new (data, len);
  if (pin != NULL)
    {
      data = chain_secret_get_data (pin, &len);
      check->pin = chain_secret_new (data, len);
    }
  g_task_set_source_tag (task, custody_unlock_check_async);
  g_task_set_task_data (task, check, check_free);
  g_task_run_in_thread (task, check_in_thread);
}

gboolean
custody_unlock_check_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
