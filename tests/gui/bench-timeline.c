/* bench-timeline.c — how Custody's ledger timeline copes with a long ledger
 *
 *   bench-timeline LEDGER.git [ROWS]
 *
 * Opens the ledger as the timeline page does (custody_timeline_open()),
 * then reads ROWS rows (default 60, a screenful or two) at the top, in
 * the middle and at the bottom, as a list view binding them while the
 * officer scrolls. Prints the time to open, the time per row, and how
 * many records were read in all: it should be the rows asked for, not
 * the ledger's length. Make a long ledger with
 * `tests/bench-ledger -n 100000 -k -d DIR`. A program that prints
 * figures, not a test.
 */
#include <stdio.h>
#include <stdlib.h>

#include "custody-timeline.h"

static double
seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

static double
read_rows (CustodyTimeline *timeline,
           guint            from,
           guint            count)
{
  gint64 start = g_get_monotonic_time ();
  guint i;

  for (i = from; i < from + count && i < g_list_model_get_n_items (G_LIST_MODEL (timeline)); i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (timeline), i));
  return seconds_since (start) / count;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CustodyTimeline) timeline = custody_timeline_new ();
  g_autoptr(GError) error = NULL;
  guint rows = argc > 2 ? (guint) atoi (argv[2]) : 60;
  gint64 start;
  guint n;

  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-timeline LEDGER.git [ROWS]\n");
      return 2;
    }
  start = g_get_monotonic_time ();
  if (!custody_timeline_open (timeline, argv[1], &error))
    {
      fprintf (stderr, "bench-timeline: %s\n", error->message);
      return 1;
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (timeline));
  printf ("records:        %u\n", n);
  printf ("open:           %.3f s (records read: %llu)\n", seconds_since (start),
          (unsigned long long) custody_timeline_get_n_loaded (timeline));
  printf ("top rows:       %.3f ms each\n", 1000 * read_rows (timeline, 0, rows));
  printf ("middle rows:    %.3f ms each\n", 1000 * read_rows (timeline, n / 2, rows));
  printf ("bottom rows:    %.3f ms each\n", 1000 * read_rows (timeline, n > rows ? n - rows : 0, rows));
  printf ("records read:   %llu of %u\n", (unsigned long long) custody_timeline_get_n_loaded (timeline), n);
  return 0;
}
