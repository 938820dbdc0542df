/* bench-support.h: what every benchmark needs to measure itself and clean
 * up after itself: clocks, CPU time, resident set, disk usage, removing
 * its work directory, and dying with a one-line message. */

#pragma once

#include "chain.h"

#include <glib.h>

G_BEGIN_DECLS

/* Prints "PRGNAME: @what: MESSAGE" (or "failed" when @error is NULL) to
 * stderr and exits 1. Each benchmark sets its program name first. */
G_NORETURN void bench_die (const char   *what,
                           const GError *error);

/* A new secret holding @text (transfer full). */
ChainSecret *bench_secret_new (const char *text);

/* Removes @path and, unless it is a symlink, everything under it. */
void bench_remove_tree (const char *path);

/* Monotonic wall-clock seconds, for differences only. */
double bench_now (void);

/* CPU seconds (user + system) used so far by @who: RUSAGE_SELF, or
 * RUSAGE_CHILDREN for the waited-for children. On a shared machine, work
 * per CPU-second says more than work per second. */
double bench_cpu_seconds (int who);

/* Resident set of process @pid now, in KiB, from /proc/PID/statm
 * (0 if it cannot be read). */
guint64 bench_rss_kib (GPid pid);

/* Bytes @path and everything under it take on disk, as `du` counts them. */
guint64 bench_disk_usage (const char *path);

/* Samples this process's resident set every 20 ms on a thread of its own,
 * from start to stop. */
typedef struct _BenchRssSampler BenchRssSampler;

BenchRssSampler *bench_rss_sampler_start (void);
/* Stops and frees @sampler; returns the highest resident set it saw, KiB. */
guint64 bench_rss_sampler_stop (BenchRssSampler *sampler);

G_END_DECLS
