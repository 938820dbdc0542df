/* cli-progress.c — a progress bar on stderr for long work */
#include "chain-cli.h"

#include <stdio.h>
#include <unistd.h>

#define BAR_WIDTH 30
#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)

struct _ChainCliProgress {
  char    *label;
  guint64  total;
  gint64   started;
  gint64   last_draw;
  gboolean drawn;
};

ChainCliProgress *
chain_cli_progress_new (const ChainCliGlobals *globals,
                        const char            *label,
                        guint64                total)
{
  ChainCliProgress *self = NULL;

  if (globals->quiet || globals->json || !isatty (STDERR_FILENO))
    return NULL;
  self = g_new0 (ChainCliProgress, 1);
  self->label = g_strdup (label);
  self->total = total;
  self->started = g_get_monotonic_time ();
  return self;
}

void
chain_cli_progress_update (ChainCliProgress *self,
                           guint64           done)
{
  gint64 now;
  double fraction;
  double elapsed;
  int filled;

  if (self == NULL)
    return;
  now = g_get_monotonic_time ();
  if (self->drawn && now - self->last_draw < REDRAW_INTERVAL_US && done < self->total)
    return;
  self->last_draw = now;
  self->drawn = TRUE;
  fraction = self->total > 0 ? (double) done / (double) self->total : 0.0;
  if (fraction > 1.0)
    fraction = 1.0;
  filled = (int) (fraction * BAR_WIDTH);
  elapsed = (double) (now - self->started) / G_USEC_PER_SEC;
  fprintf (stderr, "\r%s [%.*s%*s] %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " %.0f/s ",
           self->label, filled, "##############################", BAR_WIDTH - filled, "",
           done, self->total, elapsed > 0 ? (double) done / elapsed : 0.0);
  fflush (stderr);
}

void
chain_cli_progress_free (ChainCliProgress *self)
{
  if (self == NULL)
    return;
  if (self->drawn)
    fputs ("\r\033[K", stderr);
  g_free (self->label);
  g_free (self);
}
