/* chain-audit-pipeline.c — reading the next record while this one is judged
 *
 * Reading a record (inflating and hashing its objects, parsing its files,
 * checking its commit signature) needs nothing the rules decide, and the
 * rules need nothing the next read changes: a reader thread stays one
 * record ahead of the judge, which applies the records in order. With a
 * device batch's certificates checked on all cores by the rules
 * (chain-ordered-checks.c), the reading happens meanwhile rather than
 * between batches. At most three records are held: the one judged, one
 * read and waiting, one being read.
 */
#include "chain-audit-private.h"

#include <gio/gio.h>

typedef struct {
  ChainAudit      *audit;
  const GArray    *chain;        /* git_oid, root first */
  GMutex           lock;
  GCond            changed;
  ChainAuditCheck *ready;        /* read, for the judge */
  gboolean         stop;         /* the judge gave up */
} Pipeline;

static gpointer
reader_thread (gpointer data)
{
  Pipeline *p = data;

  for (guint i = 0; i < p->chain->len; i++)
    {
      ChainAuditCheck *check = NULL;
      gboolean stop;

      g_mutex_lock (&p->lock);
      stop = p->stop;
      g_mutex_unlock (&p->lock);
      if (stop)
        break;
      check = chain_audit_read_record (p->audit, p->audit->first_seq + i, &g_array_index (p->chain, git_oid, i));

      g_mutex_lock (&p->lock);
      while (p->ready != NULL && !p->stop)
        g_cond_wait (&p->changed, &p->lock);
      if (p->stop)
        {
          g_mutex_unlock (&p->lock);
          chain_audit_check_free (check);
          break;
        }
      p->ready = check;
      g_cond_broadcast (&p->changed);
      g_mutex_unlock (&p->lock);
    }
  return NULL;
}

static ChainAuditCheck *
take_ready (Pipeline *p)
{
  ChainAuditCheck *check;

  g_mutex_lock (&p->lock);
  while (p->ready == NULL)
    g_cond_wait (&p->changed, &p->lock);
  check = g_steal_pointer (&p->ready);
  g_cond_broadcast (&p->changed);
  g_mutex_unlock (&p->lock);
  return check;
}

gboolean
chain_audit_check_records (ChainAudit    *a,
                           const GArray  *chain,
                           GError       **error)
{
  Pipeline p = { a, chain, { 0 }, { 0 }, NULL, FALSE };
  GThread *reader;
  gboolean cancelled = FALSE;

  if (chain->len == 0)
    return TRUE;
  g_mutex_init (&p.lock);
  g_cond_init (&p.changed);
  reader = g_thread_new ("chain-audit-read", reader_thread, &p);
  for (guint i = 0; i < chain->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (a->cancellable, error))
        {
          cancelled = TRUE;
          break;
        }
      chain_audit_judge_record (a, take_ready (&p));
      if (a->options->progress != NULL)
        a->options->progress (i + 1, chain->len, a->options->progress_data);
    }

  g_mutex_lock (&p.lock);
  p.stop = TRUE;
  g_cond_broadcast (&p.changed);
  g_mutex_unlock (&p.lock);
  g_thread_join (reader);
  g_clear_pointer (&p.ready, chain_audit_check_free);
  g_mutex_clear (&p.lock);
  g_cond_clear (&p.changed);
  return !cancelled;
}
