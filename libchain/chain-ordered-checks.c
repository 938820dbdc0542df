/* chain-ordered-checks.c — independent checks on all cores, the earliest
 * failure wins
 *
 * Items go into chunks of CHUNK_ITEMS; a filled chunk is queued for the
 * workers, who take chunks off the queue and hand them back, checked, for
 * the producer to fill again. The producer waits when every chunk is out,
 * so a batch of millions holds a few chunks. A worker skips a chunk that
 * starts after a known failure and stops a chunk at its first failure:
 * only an earlier item can change the outcome then.
 */
#include "chain-ordered-checks-private.h"

#include <string.h>

#define CHUNK_ITEMS 128
#define CHUNKS_PER_WORKER 3
#define MAX_WORKERS 64
#define NO_FAILURE G_MAXUINT64

typedef struct {
  guint64 index;
  gsize   offset;
  gsize   len;
} Item;

typedef struct {
  GArray     *items;   /* Item */
  GByteArray *bytes;   /* the items' bytes, each at an 8-byte boundary */
} Chunk;

struct _ChainOrderedChecks {
  ChainOrderedCheckFunc  check;
  gpointer               user_data;
  GMutex                 lock;
  GCond                  work_ready;
  GCond                  chunk_free;
  GQueue                 queued;       /* Chunk *, for the workers */
  GPtrArray             *idle;         /* Chunk *, to fill */
  GPtrArray             *all;          /* Chunk *, owned */
  guint                  max_chunks;
  Chunk                 *filling;
  GThread              **workers;
  guint                  n_workers;
  gboolean               closing;
  gboolean               finished;
  gint                   has_failed;   /* atomic: failure != NULL */
  guint64                failed_index;
  GError                *failure;
};

static Chunk *
chunk_new (void)
{
  Chunk *chunk = g_new0 (Chunk, 1);

  chunk->items = g_array_sized_new (FALSE, FALSE, sizeof (Item), CHUNK_ITEMS);
  chunk->bytes = g_byte_array_new ();
  return chunk;
}

static void
chunk_free (gpointer data)
{
  Chunk *chunk = data;

  g_array_unref (chunk->items);
  g_byte_array_unref (chunk->bytes);
  g_free (chunk);
}

static void
chunk_reset (Chunk *chunk)
{
  g_array_set_size (chunk->items, 0);
  g_byte_array_set_size (chunk->bytes, 0);
}

/* Keeps @error if @index precedes the failure known so far; takes @error.
 * Called with the lock held, or with no worker running. */
static void
note_failure (ChainOrderedChecks *self,
              guint64             index,
              GError             *error)
{
  if (index < self->failed_index)
    {
      g_clear_error (&self->failure);
      self->failure = error;
      self->failed_index = index;
      g_atomic_int_set (&self->has_failed, 1);
    }
  else
    g_error_free (error);
}

/* Checks @chunk's items up to its first failure; returns that failure's
 * error and sets @out_index, or returns NULL. */
static GError *
run_chunk (ChainOrderedChecks *self,
           Chunk              *chunk,
           guint64            *out_index)
{
  for (guint i = 0; i < chunk->items->len; i++)
    {
      const Item *item = &g_array_index (chunk->items, Item, i);
      GError *error = NULL;

      if (!self->check (item->index, chunk->bytes->data + item->offset, item->len, self->user_data, &error))
        {
          /* A check that fails says why (ChainOrderedCheckFunc). */
          g_assert (error != NULL);
          *out_index = item->index;
          return error;
        }
    }
  return NULL;
}

static gpointer
worker_thread (gpointer data)
{
  ChainOrderedChecks *self = data;

  for (;;)
    {
      Chunk *chunk = NULL;
      GError *error = NULL;
      guint64 index = NO_FAILURE;
      gboolean skip;

      g_mutex_lock (&self->lock);
      while (g_queue_is_empty (&self->queued) && !self->closing)
        g_cond_wait (&self->work_ready, &self->lock);
      chunk = g_queue_pop_head (&self->queued);
      skip = chunk != NULL && g_array_index (chunk->items, Item, 0).index > self->failed_index;
      g_mutex_unlock (&self->lock);
      if (chunk == NULL)
        return NULL;

      if (!skip)
        error = run_chunk (self, chunk, &index);

      g_mutex_lock (&self->lock);
      if (error != NULL)
        note_failure (self, index, error);
      chunk_reset (chunk);
      g_ptr_array_add (self->idle, chunk);
      g_cond_signal (&self->chunk_free);
      g_mutex_unlock (&self->lock);
    }
}

ChainOrderedChecks *
chain_ordered_checks_new (guint64               expected,
                          ChainOrderedCheckFunc check,
                          gpointer              user_data)
{
  ChainOrderedChecks *self = g_new0 (ChainOrderedChecks, 1);
  guint n_cpus = MIN (g_get_num_processors (), MAX_WORKERS);

  g_return_val_if_fail (check != NULL, NULL);

  self->check = check;
  self->user_data = user_data;
  g_mutex_init (&self->lock);
  g_cond_init (&self->work_ready);
  g_cond_init (&self->chunk_free);
  g_queue_init (&self->queued);
  self->idle = g_ptr_array_new ();
  self->all = g_ptr_array_new_with_free_func (chunk_free);
  self->failed_index = NO_FAILURE;
  /* Threads pay off from a couple of chunks for each. */
  if (n_cpus > 1 && expected >= 2 * CHUNK_ITEMS)
    {
      self->n_workers = n_cpus;
      self->workers = g_new0 (GThread *, n_cpus);
      for (guint i = 0; i < n_cpus; i++)
        self->workers[i] = g_thread_new ("chain-check", worker_thread, self);
    }
  self->max_chunks = MAX (self->n_workers, 1) * CHUNKS_PER_WORKER;
  return self;
}

/* A chunk to fill: an idle one, a new one while there are few, else the
 * next one a worker hands back. */
static Chunk *
take_chunk (ChainOrderedChecks *self)
{
  Chunk *chunk = NULL;

  g_mutex_lock (&self->lock);
  while (self->idle->len == 0 && self->all->len >= self->max_chunks)
    g_cond_wait (&self->chunk_free, &self->lock);
  if (self->idle->len > 0)
    chunk = g_ptr_array_steal_index_fast (self->idle, self->idle->len - 1);
  else
    {
      chunk = chunk_new ();
      g_ptr_array_add (self->all, chunk);
    }
  g_mutex_unlock (&self->lock);
  return chunk;
}

/* Hands the chunk being filled to the workers, or without workers checks
 * it here. */
static void
submit (ChainOrderedChecks *self)
{
  Chunk *chunk = g_steal_pointer (&self->filling);

  if (chunk == NULL)
    return;
  if (self->n_workers == 0)
    {
      guint64 index = NO_FAILURE;
      GError *error = run_chunk (self, chunk, &index);

      if (error != NULL)
        note_failure (self, index, error);
      chunk_reset (chunk);
      g_ptr_array_add (self->idle, chunk);
      return;
    }
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->queued, chunk);
  g_cond_signal (&self->work_ready);
  g_mutex_unlock (&self->lock);
}

void
chain_ordered_checks_add (ChainOrderedChecks *self,
                          guint64             index,
                          gconstpointer       item,
                          gsize               len)
{
  Item entry;

  g_return_if_fail (self != NULL && !self->finished);

  if (self->filling == NULL)
    self->filling = take_chunk (self);
  entry.index = index;
  entry.offset = (self->filling->bytes->len + 7) & ~(gsize) 7;
  entry.len = len;
  g_byte_array_set_size (self->filling->bytes, (guint) (entry.offset + len));
  if (len > 0)
    memcpy (self->filling->bytes->data + entry.offset, item, len);
  g_array_append_val (self->filling->items, entry);
  if (self->filling->items->len == CHUNK_ITEMS)
    submit (self);
}

gboolean
chain_ordered_checks_failed (ChainOrderedChecks *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return g_atomic_int_get (&self->has_failed) != 0;
}

gboolean
chain_ordered_checks_finish (ChainOrderedChecks  *self,
                             GError             **error)
{
  g_return_val_if_fail (self != NULL && !self->finished, FALSE);

  submit (self);
  if (self->n_workers > 0)
    {
      g_mutex_lock (&self->lock);
      self->closing = TRUE;
      g_cond_broadcast (&self->work_ready);
      g_mutex_unlock (&self->lock);
      for (guint i = 0; i < self->n_workers; i++)
        g_thread_join (self->workers[i]);
    }
  self->finished = TRUE;
  if (self->failure != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->failure));
      return FALSE;
    }
  return TRUE;
}

void
chain_ordered_checks_free (ChainOrderedChecks *self)
{
  if (self == NULL)
    return;
  if (!self->finished)
    chain_ordered_checks_finish (self, NULL);
  g_clear_error (&self->failure);
  g_free (self->workers);
  g_ptr_array_unref (self->idle);
  g_ptr_array_unref (self->all);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->work_ready);
  g_cond_clear (&self->chunk_free);
  g_free (self);
}
