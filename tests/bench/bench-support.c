/* bench-support.c: what every benchmark needs to measure itself and clean
 * up after itself. */

#include "bench-support.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

void
bench_die (const char   *what,
           const GError *error)
{
  fprintf (stderr, "%s: %s: %s\n", g_get_prgname (), what, error != NULL ? error->message : "failed");
  exit (1);
}

ChainSecret *
bench_secret_new (const char *text)
{
  return chain_secret_new (text, strlen (text));
}

void
bench_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      GDir *dir = g_dir_open (path, 0, NULL);
      const char *name = NULL;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          bench_remove_tree (child);
        }
      if (dir != NULL)
        g_dir_close (dir);
    }
  g_remove (path);
}

double
bench_now (void)
{
  return (double) g_get_monotonic_time () / G_USEC_PER_SEC;
}

double
bench_cpu_seconds (int who)
{
  struct rusage usage;

  getrusage (who, &usage);
  return (double) usage.ru_utime.tv_sec + (double) usage.ru_utime.tv_usec / 1e6
         + (double) usage.ru_stime.tv_sec + (double) usage.ru_stime.tv_usec / 1e6;
}

guint64
bench_rss_kib (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/statm", (int) pid);
  g_autofree char *text = NULL;
  unsigned long size = 0;
  unsigned long resident = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL) || sscanf (text, "%lu %lu", &size, &resident) != 2)
    return 0;
  return (guint64) resident * (guint64) sysconf (_SC_PAGESIZE) / 1024;
}

guint64
bench_disk_usage (const char *path)
{
  GStatBuf st;
  guint64 total = 0;
  GDir *dir;
  const char *name;

  if (g_lstat (path, &st) != 0)
    return 0;
  total = (guint64) st.st_blocks * 512;
  if (!S_ISDIR (st.st_mode) || (dir = g_dir_open (path, 0, NULL)) == NULL)
    return total;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      total += bench_disk_usage (child);
    }
  g_dir_close (dir);
  return total;
}

struct _BenchRssSampler {
  gint     stop;
  guint64  high_kib;
  GThread *thread;
};

static gpointer
rss_sampler_thread (gpointer data)
{
  BenchRssSampler *sampler = data;

  while (!g_atomic_int_get (&sampler->stop))
    {
      sampler->high_kib = MAX (sampler->high_kib, bench_rss_kib (getpid ()));
      g_usleep (20000);
    }
  return NULL;
}

BenchRssSampler *
bench_rss_sampler_start (void)
{
  BenchRssSampler *sampler = g_new0 (BenchRssSampler, 1);

  sampler->thread = g_thread_new ("rss-sampler", rss_sampler_thread, sampler);
  return sampler;
}

guint64
bench_rss_sampler_stop (BenchRssSampler *sampler)
{
  guint64 high_kib;

  g_atomic_int_set (&sampler->stop, 1);
  g_thread_join (sampler->thread);
  high_kib = sampler->high_kib;
  g_free (sampler);
  return high_kib;
}
