/* chain-progress-relay.c — progress from a worker thread, coalesced into
 * the caller's main context
 *
 * Two counts: @owners are the references handed out (whoever may still
 * post), @holds keep the memory (one for all owners together, one per
 * waiting idle source). When the last owner goes, the context reference
 * goes too: a waiting source belongs to the context, and must not keep
 * the context alive through the relay, or neither would ever be freed.
 */
#include "chain-progress-relay-private.h"

#include <string.h>

struct _ChainProgressRelay {
  gint                    owners;
  gint                    holds;
  GMutex                  lock;
  GMainContext           *context;     /* NULL once the last owner left */
  const char             *name;
  ChainProgressRelayFunc  deliver;
  gpointer                user_data;
  GDestroyNotify          notify;
  guint64                 values[CHAIN_PROGRESS_RELAY_MAX_VALUES];
  guint                   n_values;
  gboolean                scheduled;   /* a delivery is waiting */
  gboolean                closed;
};

static void
release_hold (gpointer data)
{
  ChainProgressRelay *self = data;

  if (!g_atomic_int_dec_and_test (&self->holds))
    return;
  if (self->notify != NULL)
    self->notify (self->user_data);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static gboolean
dispatch (gpointer data)
{
  ChainProgressRelay *self = data;
  guint64 values[CHAIN_PROGRESS_RELAY_MAX_VALUES];
  guint n_values;
  gboolean closed;

  g_mutex_lock (&self->lock);
  memcpy (values, self->values, sizeof values);
  n_values = self->n_values;
  closed = self->closed;
  self->scheduled = FALSE;
  g_mutex_unlock (&self->lock);
  if (!closed)
    self->deliver (values, n_values, self->user_data);
  return G_SOURCE_REMOVE;
}

ChainProgressRelay *
chain_progress_relay_new (GMainContext           *context,
                          const char             *name,
                          ChainProgressRelayFunc  deliver,
                          gpointer                user_data,
                          GDestroyNotify          notify)
{
  ChainProgressRelay *self = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (deliver != NULL, NULL);

  self = g_new0 (ChainProgressRelay, 1);
  self->owners = 1;
  self->holds = 1;
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref (context != NULL ? context : g_main_context_default ());
  self->name = name;
  self->deliver = deliver;
  self->user_data = user_data;
  self->notify = notify;
  return self;
}

void
chain_progress_relay_post (ChainProgressRelay *self,
                           const guint64      *values,
                           guint               n_values)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (values != NULL);
  g_return_if_fail (n_values >= 1 && n_values <= CHAIN_PROGRESS_RELAY_MAX_VALUES);

  g_mutex_lock (&self->lock);
  memcpy (self->values, values, n_values * sizeof *values);
  self->n_values = n_values;
  if (!self->scheduled && !self->closed)
    {
      GSource *source = g_idle_source_new ();

      self->scheduled = TRUE;
      g_atomic_int_inc (&self->holds);
      /* The priority of a GTask's return, which is attached after. */
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, dispatch, self, release_hold);
      g_source_set_static_name (source, self->name);
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&self->lock);
}

void
chain_progress_relay_close (ChainProgressRelay *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  g_mutex_unlock (&self->lock);
}

ChainProgressRelay *
chain_progress_relay_ref (ChainProgressRelay *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->owners);
  return self;
}

void
chain_progress_relay_unref (ChainProgressRelay *self)
{
  GMainContext *context = NULL;

  if (self == NULL || !g_atomic_int_dec_and_test (&self->owners))
    return;
  /* Nobody can post now. Unreferencing the context may destroy a waiting
   * source, which releases its hold: not under the lock. */
  g_mutex_lock (&self->lock);
  context = g_steal_pointer (&self->context);
  g_mutex_unlock (&self->lock);
  g_main_context_unref (context);
  release_hold (self);
}
