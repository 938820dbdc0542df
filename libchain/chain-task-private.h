/* chain-task-private.h — which handle a GTask works on
 *
 * GIO's convention is foo_finish (Source *self, GAsyncResult *result, ...),
 * and the _finish checks that @result came from @self. GTask can only hold
 * a GObject as its source object, and libchain's handles (ChainWorkspace,
 * ChainLedger, ...) are plain structs, so the task carries the handle as
 * data instead. Never installed.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Ties @task to @source, the handle the _async was called on. */
void chain_task_set_source (GTask         *task,
                            gconstpointer  source);

/* Returns: (transfer none): the handle chain_task_set_source() gave @task. */
gpointer chain_task_get_source (GTask *task);

/* Returns: whether @result is a GTask started by @source_tag on @source:
 * what a _finish asserts before reading it. */
gboolean chain_task_is_valid_for (GAsyncResult  *result,
                                  gconstpointer  source,
                                  gpointer       source_tag);

G_END_DECLS
