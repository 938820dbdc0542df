/* chain-task.c — which handle a GTask works on */
#include "chain-task-private.h"

#define SOURCE_KEY "chain-task-source"

void
chain_task_set_source (GTask         *task,
                       gconstpointer  source)
{
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (source != NULL);

  g_object_set_data (G_OBJECT (task), SOURCE_KEY, (gpointer) source);
}

gpointer
chain_task_get_source (GTask *task)
{
  g_return_val_if_fail (G_IS_TASK (task), NULL);

  return g_object_get_data (G_OBJECT (task), SOURCE_KEY);
}

gboolean
chain_task_is_valid_for (GAsyncResult  *result,
                         gconstpointer  source,
                         gpointer       source_tag)
{
  return source != NULL
         && g_task_is_valid (result, NULL)
         && g_async_result_is_tagged (result, source_tag)
         && g_object_get_data (G_OBJECT (result), SOURCE_KEY) == source;
}
