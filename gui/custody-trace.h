/* custody-trace.h — timestamps of the open path, for bench-custody
 *
 * With CUSTODY_TRACE set in the environment, Custody prints one line to
 * stderr at each milestone of opening a workspace:
 *
 *   custody-trace: EVENT SECONDS RSS_KIB CPU_SECONDS
 *
 * SECONDS since the process started (from /proc/self/stat, so the
 * dynamic loader and GTK's start-up count), RSS_KIB the resident set
 * then, CPU_SECONDS the CPU time (user and system, all threads) so far.
 * Without the variable nothing is printed and nothing is hooked.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/** Returns: whether CUSTODY_TRACE is set. */
gboolean custody_trace_enabled (void);

/** custody_trace_mark: prints @event now, if tracing. */
void custody_trace_mark (const char *event);

/**
 * custody_trace_next_paint:
 * @widget: a widget that is or will be shown.
 * @event: what to print after the next frame of @widget's surface is painted.
 *
 * Prints @event once, after that frame, if tracing.
 */
void custody_trace_next_paint (GtkWidget  *widget,
                               const char *event);

G_END_DECLS
