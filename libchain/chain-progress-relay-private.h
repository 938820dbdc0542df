/* chain-progress-relay-private.h — progress from a worker thread, shown in
 * the caller's main context
 *
 * The _async variants (issue, workspace sync, audit) run in a GTask thread
 * but report progress in the main context of the thread that started
 * them. A relay carries up to %CHAIN_PROGRESS_RELAY_MAX_VALUES counters
 * across: the worker posts the latest figures as often as it likes; at
 * most one delivery waits in the context at a time, and it carries the
 * figures of the latest post, so a burst coalesces into one delivery and
 * the figures shown never go back.
 *
 * Ordering: deliveries are idle sources at %G_PRIORITY_DEFAULT, the
 * priority of a GTask's return. Whatever the worker posted before
 * returning its GTask (in the same context) is therefore delivered before
 * the task's callback runs.
 *
 * Threading: chain_progress_relay_post(), _ref() and _unref() may be
 * called from any thread. The deliver function runs only in the relay's
 * context, in whichever thread iterates it. chain_progress_relay_close()
 * is meant for that same thread (typically from an _finish function).
 *
 * Lifetime: the relay holds a reference on its context while anyone holds
 * a reference on the relay; a pending delivery keeps the relay (not the
 * context) alive. So a context that is dropped without being iterated
 * again frees the pending delivery and then the relay. Never installed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/** Most values one relay carries per post. */
#define CHAIN_PROGRESS_RELAY_MAX_VALUES 4

typedef struct _ChainProgressRelay ChainProgressRelay;

/**
 * ChainProgressRelayFunc:
 * @values: (array length=n_values): the values of the latest post; valid
 *   only during the call.
 * @n_values: as many as that post gave.
 * @user_data: as given to chain_progress_relay_new().
 *
 * Delivers progress, in the relay's context.
 */
typedef void (*ChainProgressRelayFunc) (const guint64 *values,
                                        guint          n_values,
                                        gpointer       user_data);

/**
 * chain_progress_relay_new:
 * @context: (nullable) (transfer none): where deliveries run; %NULL for the
 *   global default context. The relay holds a reference until its last
 *   reference is dropped.
 * @name: names the idle sources (see g_source_set_static_name()); must be
 *   a string that lives as long as the program, e.g. a literal.
 * @deliver: called with the latest values, in @context.
 * @user_data: for @deliver.
 * @notify: (nullable): frees @user_data once nothing can call @deliver
 *   any more; may run in any thread.
 *
 * Returns: (transfer full): a relay holding one reference; release it
 *   with chain_progress_relay_unref().
 */
ChainProgressRelay *chain_progress_relay_new (GMainContext           *context,
                                              const char             *name,
                                              ChainProgressRelayFunc  deliver,
                                              gpointer                user_data,
                                              GDestroyNotify          notify);

/**
 * chain_progress_relay_post:
 * @values: (array length=n_values): copied; the figures to show.
 * @n_values: 1 to %CHAIN_PROGRESS_RELAY_MAX_VALUES.
 *
 * Records @values as the latest and, unless a delivery is already waiting
 * (it will carry these values), schedules one in the relay's context.
 * Thread-safe; never blocks on the context. Does nothing after
 * chain_progress_relay_close().
 */
void chain_progress_relay_post (ChainProgressRelay *self,
                                const guint64      *values,
                                guint               n_values);

/**
 * chain_progress_relay_close:
 *
 * Stops deliveries: a delivery still waiting, and any later post, calls
 * nothing. Called from the thread iterating the relay's context, no
 * delivery runs after it returns.
 */
void chain_progress_relay_close (ChainProgressRelay *self);

/** Returns: (transfer full): @self, with one more reference. */
ChainProgressRelay *chain_progress_relay_ref (ChainProgressRelay *self);

/** chain_progress_relay_unref: NULL-safe; any thread. */
void chain_progress_relay_unref (ChainProgressRelay *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainProgressRelay, chain_progress_relay_unref)

G_END_DECLS
