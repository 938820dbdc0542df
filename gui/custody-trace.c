/* custody-trace.c — timestamps of the open path, for bench-custody */
#include "custody-trace.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

gboolean
custody_trace_enabled (void)
{
  return g_getenv ("CUSTODY_TRACE") != NULL;
}

/* Seconds from the process's start (field 22 of /proc/self/stat, in
 * clock ticks since boot) to now, on the same boot-time clock. */
static double
seconds_since_start (void)
{
  g_autofree char *stat = NULL;
  const char *after_name = NULL;
  unsigned long long start_ticks = 0;
  struct timespec now = { 0 };
  int field = 3;

  clock_gettime (CLOCK_BOOTTIME, &now);
  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL)
      || (after_name = strrchr (stat, ')')) == NULL)
    return -1;
  /* Fields after the command name, which may hold blanks: from field 3 on. */
  for (const char *p = after_name + 2; *p != '\0'; p++)
    if (*p == ' ' && ++field == 22)
      {
        start_ticks = g_ascii_strtoull (p + 1, NULL, 10);
        break;
      }
  return (double) now.tv_sec + (double) now.tv_nsec / 1e9 - (double) start_ticks / (double) sysconf (_SC_CLK_TCK);
}

static long
rss_kib (void)
{
  g_autofree char *statm = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    return -1;
  fields = g_strsplit (statm, " ", 3);
  if (fields[0] == NULL || fields[1] == NULL)
    return -1;
  return (long) (g_ascii_strtoll (fields[1], NULL, 10) * (sysconf (_SC_PAGESIZE) / 1024));
}

/* User and system CPU seconds of the whole process so far: on a loaded
 * machine they say more than the wall clock. */
static double
cpu_seconds (void)
{
  struct rusage usage = { 0 };

  getrusage (RUSAGE_SELF, &usage);
  return (double) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
         + (double) (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void
custody_trace_mark (const char *event)
{
  if (!custody_trace_enabled ())
    return;
  fprintf (stderr, "custody-trace: %s %.3f %ld %.3f\n", event, seconds_since_start (), rss_kib (), cpu_seconds ());
  fflush (stderr);
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  char *event = user_data;

  custody_trace_mark (event);
  g_signal_handlers_disconnect_by_data (clock, event);
  g_free (event);
}

static void
hook_frame_clock (GtkWidget *widget,
                  char      *event)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  g_signal_handlers_disconnect_by_func (widget, hook_frame_clock, event);
  if (clock == NULL)
    {
      g_free (event);
      return;
    }
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), event);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
}

void
custody_trace_next_paint (GtkWidget  *widget,
                          const char *event)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (!custody_trace_enabled ())
    return;
  if (gtk_widget_get_realized (widget))
    hook_frame_clock (widget, g_strdup (event));
  else
    g_signal_connect (widget, "realize", G_CALLBACK (hook_frame_clock), g_strdup (event));
}
