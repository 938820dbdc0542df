/* chain-workspace-async.c — the workspace calls that block a GUI, in a worker thread
 *
 * Opening a workspace replays its ledger; accepting a grant audits one;
 * preparing an export and planning a revocation read every manifest.
 * Each _async runs its blocking twin in a GTask thread and calls back in
 * the caller's thread-default main context; a cancellable cancelled
 * before the thread starts gives G_IO_ERROR_CANCELLED without any work.
 */
#include "chain-delegation.h"
#include "chain-export.h"
#include "chain-revoke.h"
#include "chain-workspace.h"

#include "chain-task-private.h"

/* A task for @source (NULL: none) tagged @tag, its thread still to run. */
static GTask *
task_new (gconstpointer        source,
          gpointer             tag,
          const char          *name,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_set_name (task, name);
  if (source != NULL)
    chain_task_set_source (task, source);
  return task;
}

/* ---- Open ---------------------------------------------------------------------- */

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ChainWorkspace *workspace = NULL;
  GError *error = NULL;

  (void) source_object;
  if (g_task_return_error_if_cancelled (task))
    return;
  workspace = chain_workspace_open (task_data, cancellable, &error);
  if (workspace != NULL)
    g_task_return_pointer (task, workspace, (GDestroyNotify) chain_workspace_free);
  else
    g_task_return_error (task, error);
}

void
chain_workspace_open_async (const char          *dir,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (dir != NULL);

  task = task_new (NULL, chain_workspace_open_async, "[libchain] workspace open", cancellable, callback, user_data);
  g_task_set_task_data (task, g_strdup (dir), g_free);
  g_task_run_in_thread (task, open_thread);
}

ChainWorkspace *
chain_workspace_open_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, chain_workspace_open_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Accept ---------------------------------------------------------------------- */

typedef struct {
  char *grant_path;
  char *trusted_root;
} AcceptData;

static void
accept_data_free (gpointer data)
{
  AcceptData *accept = data;

  g_free (accept->grant_path);
  g_free (accept->trusted_root);
  g_free (accept);
}

static void
accept_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  AcceptData *accept = task_data;
  guint64 seq = 0;
  GError *error = NULL;

  (void) source_object;
  if (g_task_return_error_if_cancelled (task))
    return;
  if (chain_workspace_accept (chain_task_get_source (task), accept->grant_path, accept->trusted_root, &seq,
                              cancellable, &error))
    g_task_return_pointer (task, g_memdup2 (&seq, sizeof seq), g_free);
  else
    g_task_return_error (task, error);
}

void
chain_workspace_accept_async (ChainWorkspace      *self,
                              const char          *grant_path,
                              const char          *trusted_root,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AcceptData *accept = NULL;

  g_return_if_fail (self != NULL && grant_path != NULL);

  task = task_new (self, chain_workspace_accept_async, "[libchain] accept", cancellable, callback, user_data);
  accept = g_new0 (AcceptData, 1);
  accept->grant_path = g_strdup (grant_path);
  accept->trusted_root = g_strdup (trusted_root);
  g_task_set_task_data (task, accept, accept_data_free);
  g_task_run_in_thread (task, accept_thread);
}

gboolean
chain_workspace_accept_finish (ChainWorkspace  *self,
                               GAsyncResult    *result,
                               guint64         *out_seq,
                               GError         **error)
{
  g_autofree guint64 *seq = NULL;

  g_return_val_if_fail (chain_task_is_valid_for (result, self, chain_workspace_accept_async), FALSE);

  seq = g_task_propagate_pointer (G_TASK (result), error);
  if (seq == NULL)
    return FALSE;
  if (out_seq != NULL)
    *out_seq = *seq;
  return TRUE;
}

/* ---- Prepare an export ---------------------------------------------------------- */

/* ChainExportOptions with strings of its own. */
typedef struct {
  ChainExportOptions options;
  char *strings[7];
} ExportData;

static void
export_data_free (gpointer data)
{
  ExportData *export = data;

  for (guint i = 0; i < G_N_ELEMENTS (export->strings); i++)
    g_free (export->strings[i]);
  g_free (export);
}

static ExportData *
export_data_new (const ChainExportOptions *options)
{
  ExportData *export = g_new0 (ExportData, 1);
  const char **fields[] = { &export->options.ca, &export->options.code, &export->options.hub,
                            &export->options.dps, &export->options.resource_group, &export->options.region,
                            &export->options.role_arn };

  G_STATIC_ASSERT (G_N_ELEMENTS (fields) == G_N_ELEMENTS (export->strings));
  export->options = *options;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    *fields[i] = export->strings[i] = g_strdup (*fields[i]);
  return export;
}

static void
prepare_export_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ExportData *export = task_data;
  ChainExport *prepared = NULL;
  GError *error = NULL;

  (void) source_object;
  if (g_task_return_error_if_cancelled (task))
    return;
  prepared = chain_workspace_prepare_export (chain_task_get_source (task), &export->options, cancellable, &error);
  if (prepared != NULL)
    g_task_return_pointer (task, prepared, (GDestroyNotify) chain_export_free);
  else
    g_task_return_error (task, error);
}

void
chain_workspace_prepare_export_async (ChainWorkspace           *self,
                                      const ChainExportOptions *options,
                                      GCancellable             *cancellable,
                                      GAsyncReadyCallback       callback,
                                      gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self != NULL && options != NULL);
  g_return_if_fail (options->version == CHAIN_EXPORT_OPTIONS_VERSION);

  task = task_new (self, chain_workspace_prepare_export_async, "[libchain] prepare export", cancellable, callback,
                   user_data);
  g_task_set_task_data (task, export_data_new (options), export_data_free);
  g_task_run_in_thread (task, prepare_export_thread);
}

ChainExport *
chain_workspace_prepare_export_finish (ChainWorkspace  *self,
                                       GAsyncResult    *result,
                                       GError         **error)
{
  g_return_val_if_fail (chain_task_is_valid_for (result, self, chain_workspace_prepare_export_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Plan a revocation ----------------------------------------------------------- */

typedef struct {
  GStrv targets;
  GStrv custodians;
} PlanData;

static void
plan_data_free (gpointer data)
{
  PlanData *plan = data;

  g_strfreev (plan->targets);
  g_strfreev (plan->custodians);
  g_free (plan);
}

static void
plan_revocation_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  PlanData *plan = task_data;
  ChainRevocation *revocation = NULL;
  GError *error = NULL;

  (void) source_object;
  if (g_task_return_error_if_cancelled (task))
    return;
  revocation = chain_workspace_plan_revocation (chain_task_get_source (task), (const char *const *) plan->targets,
                                                (const char *const *) plan->custodians, cancellable, &error);
  if (revocation != NULL)
    g_task_return_pointer (task, revocation, (GDestroyNotify) chain_revocation_free);
  else
    g_task_return_error (task, error);
}

void
chain_workspace_plan_revocation_async (ChainWorkspace      *self,
                                       const char *const   *targets,
                                       const char *const   *custodians,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PlanData *plan = NULL;

  g_return_if_fail (self != NULL);

  task = task_new (self, chain_workspace_plan_revocation_async, "[libchain] plan revocation", cancellable,
                   callback, user_data);
  plan = g_new0 (PlanData, 1);
  plan->targets = g_strdupv ((char **) targets);
  plan->custodians = g_strdupv ((char **) custodians);
  g_task_set_task_data (task, plan, plan_data_free);
  g_task_run_in_thread (task, plan_revocation_thread);
}

ChainRevocation *
chain_workspace_plan_revocation_finish (ChainWorkspace  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (chain_task_is_valid_for (result, self, chain_workspace_plan_revocation_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
