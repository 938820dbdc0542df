/* bench-open.c — opening a workspace, by the size of its ledger
 *
 *   bench-open [-n SIZES] [-r ROUNDS] [-d DIR] [-c CHAIN_BIN] [-k] [-w]
 *
 * Builds a manufacturer workspace as bench-issue does, then grows its
 * ledger to each of SIZES devices (comma-separated, default
 * 1000,10000,100000; issued through the library in records of 10,000,
 * keys in a file per batch, not timed) and at each size times, best of
 * ROUNDS (default 3):
 *
 *   cold    chain_workspace_open() with no state cache: reading, verifying
 *           and replaying the ledger, then writing the cache;
 *   warm    the same with the cache the cold open left (the usual case);
 *   lookup  chain_workspace_lookup_device() of one device, warm (ms and
 *           CPU-ms);
 *   status  the whole `chain status` command, warm (-c, default $CHAIN_BIN);
 *
 * and prints the cache's size. Issue #12 wants warm open and status flat
 * (< 0.2 s at 10^6 devices) and lookup < 50 ms. -k keeps DIR.
 *
 * -w skips the cold opens (0 in their column): on a kept DIR, `-w -n
 * 1000000 -d DIR` measures the rest in a minute.
 *
 * A DIR kept by an earlier run (-k -d DIR; DIR/devices holds its count)
 * is reused and grown from there: `-n 1000000 -d DIR` after `-n 100000
 * -k -d DIR` issues 900,000 devices, not 10^6, and sizes below what DIR
 * holds are skipped. bench-audit -d DIR -n N reuses the same DIR when it
 * holds N devices, and bench-custody opens DIR/cm (DIR/lookup-id is a
 * device id of its newest round).
 *
 * Set-up: growing with a directory of three files per device ran at 86
 * devices/s wall for 9.7 CPU-s per 10,000 (load 13): it waited on
 * creating and syncing 30,000 files. A key file per batch grows at ~870
 * devices/s; what the ledger records is the same.
 *
 * Profile (perf record, 100,000 devices, before the cache): the cold open
 * is the replay: reading each batch's artifacts from git and parsing its
 * certificates to fill the serial and device-id tables. Warm, what is left
 * is reading the cache (the two tables are copied as they lie in memory,
 * about 58 bytes a device since chain-serial-set.c, 80 before) and its
 * SHA-256.
 */
#include "chain.h"
#include "chain-device-lookup.h"
#include "chain-state-cache-private.h"
#include "bench-support.h"
#include "bench-workspaces.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define PASSPHRASE "bench-open passphrase"
/* A device id of the newest round, for bench-custody and `chain show`. */
#define LOOKUP_ID_FILE "lookup-id"

/* Seconds and CPU-seconds of the fastest of @rounds opens of @ws_dir;
 * @cold removes the state cache before each. */
static void
time_open (const char *ws_dir,
           gboolean    cold,
           guint       rounds,
           double     *out_wall,
           double     *out_cpu)
{
  g_autofree char *cache = g_build_filename (ws_dir, CHAIN_STATE_CACHE_FILE, NULL);

  *out_wall = G_MAXDOUBLE;
  *out_cpu = G_MAXDOUBLE;
  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GError) error = NULL;
      double cpu;
      double started;
      g_autoptr(ChainWorkspace) ws = NULL;

      if (cold)
        g_remove (cache);
      cpu = bench_cpu_seconds (RUSAGE_SELF);
      started = bench_now ();
      ws = chain_workspace_open (ws_dir, NULL, &error);
      if (ws == NULL)
        bench_die ("chain_workspace_open", error);
      *out_wall = MIN (*out_wall, bench_now () - started);
      *out_cpu = MIN (*out_cpu, bench_cpu_seconds (RUSAGE_SELF) - cpu);
    }
}

/* Seconds and CPU-seconds of the fastest of @rounds lookups of device @id. */
static double
time_lookup (const char *ws_dir,
             const char *id,
             guint       rounds,
             double     *out_cpu)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspace) ws = chain_workspace_open (ws_dir, NULL, &error);
  double best = G_MAXDOUBLE;

  *out_cpu = G_MAXDOUBLE;

  if (ws == NULL)
    bench_die ("chain_workspace_open", error);
  for (guint i = 0; i < rounds; i++)
    {
      double cpu = bench_cpu_seconds (RUSAGE_SELF);
      double started = bench_now ();
      g_autoptr(ChainDeviceLookup) found = chain_workspace_lookup_device (ws, id, NULL, &error);

      if (found == NULL)
        bench_die ("chain_workspace_lookup_device", error);
      best = MIN (best, bench_now () - started);
      *out_cpu = MIN (*out_cpu, bench_cpu_seconds (RUSAGE_SELF) - cpu);
    }
  return best;
}

/* The same for the whole `chain status` command. */
static void
time_status (const char *chain_bin,
             const char *ws_dir,
             guint       rounds,
             double     *out_wall,
             double     *out_cpu)
{
  const char *argv[] = { chain_bin, "-C", ws_dir, "status", NULL };

  *out_wall = G_MAXDOUBLE;
  *out_cpu = G_MAXDOUBLE;
  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      double cpu = bench_cpu_seconds (RUSAGE_CHILDREN);
      double started = bench_now ();
      int status = 0;

      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error)
          || !g_spawn_check_wait_status (status, &error))
        {
          fprintf (stderr, "bench-open: chain status failed: %s\n%s", error != NULL ? error->message : "?",
                   err != NULL ? err : "");
          exit (1);
        }
      *out_wall = MIN (*out_wall, bench_now () - started);
      *out_cpu = MIN (*out_cpu, bench_cpu_seconds (RUSAGE_CHILDREN) - cpu);
    }
}

/* The id of the middle device of the @n that issue() issued from @first. */
static char *
device_id (guint64 first,
           guint64 n)
{
  g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, n);

  return g_strdup_printf ("open%" G_GUINT64_FORMAT "-%0*" G_GUINT64_FORMAT, first, (int) strlen (count), n / 2 + 1);
}

static char *
read_lookup_id (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, LOOKUP_ID_FILE, NULL);
  char *id = NULL;

  if (!g_file_get_contents (path, &id, NULL, NULL))
    return NULL;
  return g_strstrip (id);
}

static void
write_lookup_id (const char *dir,
                 const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, LOOKUP_ID_FILE, NULL);
  g_autofree char *line = g_strconcat (id, "\n", NULL);

  if (!g_file_set_contents (path, line, -1, &error))
    bench_die ("writing the lookup id", error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sizes_text = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *chain_bin = NULL;
  g_autofree char *ws_dir = NULL;
  g_autofree char *load_average = NULL;
  g_auto(GStrv) sizes = NULL;
  gint rounds = 3;
  gboolean keep = FALSE;
  gboolean warm_only = FALSE;
  GOptionEntry entries[] = {
    { "sizes", 'n', 0, G_OPTION_ARG_STRING, &sizes_text, "Ledger sizes in devices, comma-separated (default 1000,10000,100000)", "N,..." },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "Opens per size; the fastest counts (default 3)", "N" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "Work directory (default: a new temporary one)", "DIR" },
    { "chain", 'c', 0, G_OPTION_ARG_FILENAME, &chain_bin, "The chain binary (default: $CHAIN_BIN)", "PATH" },
    { "keep", 'k', 0, G_OPTION_ARG_NONE, &keep, "Keep the work directory", NULL },
    { "warm-only", 'w', 0, G_OPTION_ARG_NONE, &warm_only, "No cold opens (a replay of the whole ledger: minutes at 10^6)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— workspace open time by ledger size");
  g_autoptr(ChainWorkspace) oem = NULL;
  g_autoptr(ChainWorkspace) cm = NULL;
  guint64 issued = 0;
  g_autofree char *lookup_id = NULL;
  g_autoptr(ChainSecret) passphrase = bench_secret_new (PASSPHRASE);

  g_set_prgname ("bench-open");
  /* A row at a time, so a long run shows its figures as it goes. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_die ("options", error);
  if (rounds < 1)
    bench_die ("options", NULL);
  sizes = g_strsplit (sizes_text != NULL ? sizes_text : "1000,10000,100000", ",", -1);
  if (chain_bin == NULL && g_getenv ("CHAIN_BIN") != NULL)
    chain_bin = g_strdup (g_getenv ("CHAIN_BIN"));
  if (dir == NULL)
    dir = g_dir_make_tmp ("bench-open-XXXXXX", &error);
  else if (g_mkdir_with_parents (dir, 0700) != 0)
    bench_die ("cannot create the work directory", NULL);
  if (dir == NULL)
    bench_die ("temporary directory", error);
  ws_dir = g_build_filename (dir, "cm", NULL);

  fprintf (stderr, "bench-open: workspaces in %s\n", dir);
  cm = bench_reuse_workspaces (dir, passphrase, &issued);
  if (cm != NULL)
    {
      fprintf (stderr, "bench-open: reusing %" G_GUINT64_FORMAT " devices in %s\n", issued, dir);
      keep = TRUE;
      lookup_id = read_lookup_id (dir);
    }
  else
    cm = bench_make_workspaces (dir, passphrase, &oem);
  g_setenv ("CHAIN_PASSPHRASE", PASSPHRASE, TRUE);
  printf ("%10s %8s %8s %10s %10s %10s %9s %10s %9s\n", "devices", "cold s", "warm s", "warm CPU-s", "lookup ms",
          "lookup CPU", "status s", "status CPU", "cache MB");
  for (guint i = 0; sizes[i] != NULL; i++)
    {
      guint64 size = g_ascii_strtoull (sizes[i], NULL, 10);
      double cold_wall;
      double cold_cpu;
      double open_wall;
      double open_cpu;
      double lookup = 0;
      double lookup_cpu = 0;
      g_autofree char *cache = g_build_filename (ws_dir, CHAIN_STATE_CACHE_FILE, NULL);
      GStatBuf st = { 0 };
      double status_wall = 0;
      double status_cpu = 0;

      if (size < issued)
        {
          fprintf (stderr, "bench-open: %s holds %" G_GUINT64_FORMAT " devices; skipping %" G_GUINT64_FORMAT "\n", dir,
                   issued, size);
          continue;
        }
      if (size > issued)
        {
          /* The last round bench_grow() issues starts here. */
          guint64 last = issued + (size - issued - 1) / BENCH_GROW_ROUND * BENCH_GROW_ROUND;

          fprintf (stderr, "bench-open: growing the ledger to %" G_GUINT64_FORMAT " devices\n", size);
          bench_grow (cm, dir, "open", issued, size, passphrase);
          /* A device in the middle of the round just issued. */
          g_free (lookup_id);
          lookup_id = device_id (last, size - last);
          write_lookup_id (dir, lookup_id);
          issued = size;
        }
      cold_wall = cold_cpu = 0;
      if (!warm_only)
        time_open (ws_dir, TRUE, (guint) rounds, &cold_wall, &cold_cpu);
      time_open (ws_dir, FALSE, (guint) rounds, &open_wall, &open_cpu);
      if (lookup_id != NULL)
        lookup = time_lookup (ws_dir, lookup_id, (guint) rounds, &lookup_cpu);
      if (chain_bin != NULL)
        time_status (chain_bin, ws_dir, (guint) rounds, &status_wall, &status_cpu);
      g_stat (cache, &st);
      printf ("%10" G_GUINT64_FORMAT " %8.3f %8.3f %10.3f %10.1f %10.1f %9.3f %10.3f %9.1f\n", size, cold_wall,
              open_wall, open_cpu, lookup * 1000, lookup_cpu * 1000, status_wall, status_cpu, (double) st.st_size / 1e6);
    }
  if (!g_file_get_contents ("/proc/loadavg", &load_average, NULL, NULL))
    load_average = g_strdup ("?\n");
  printf ("best of %d; %u CPUs; load average (1, 5, 15 min): %s", rounds, g_get_num_processors (), load_average);

  g_clear_pointer (&cm, chain_workspace_free);
  g_clear_pointer (&oem, chain_workspace_free);
  if (!keep)
    bench_remove_tree (dir);
  return 0;
}
