/* bench-custody.c — Custody on a large workspace: first paint, scrolling, lookup
 *
 *   bench-custody [-w WORKSPACE -i DEVICE_ID] [-r ROUNDS] [-c CHAIN_BIN] [-a CUSTODY_TEST_BIN]
 *
 * Starts the real app (the tests' build, custody-test, for its script
 * runner) under xvfb-run with CUSTODY_TRACE set, so that it prints when
 * each milestone happened, counted from its own process start, and its
 * resident set then (gui/custody-trace.h). Its script opens WORKSPACE,
 * shows the Ledger page, selects the oldest record (the list view
 * scrolls to the end of the timeline), then types DEVICE_ID into the
 * ledger's search. Prints, best of ROUNDS (default 3):
 *
 *   window     the first frame of the main window (the welcome page)
 *   open       the workspace opened (chain_workspace_open() on a worker)
 *   paint      the first frame showing the workspace
 *   scroll     selecting the oldest record and scrolling to it, drawn
 *   search     the search for DEVICE_ID selecting its device batch, drawn
 *   scan       the same id in capitals: no whole id, so the search reads
 *              and case-folds each newer batch's manifest down to its
 *              batch (what every device search did before)
 *   RSS        the app's resident set at the end, MiB
 *
 * each as wall-clock seconds and as the app's CPU time (all threads; the
 * figure to compare on a loaded machine; paint's counts from the start)
 * and, for comparison in the same run, `chain status` and `chain show
 * --device DEVICE_ID` (-c, default $CHAIN_BIN). Make a workspace with
 * `bench-open -n 1000000 -r 1 -k -d DIR` (DIR/cm; ids openFIRST-N, a
 * round of at most 100,000 from each FIRST, N as wide as the round's
 * count: open0-000001 ...; DIR/lookup-id names one of the newest round;
 * the oldest batch is the one furthest down the timeline). Without
 * -w it makes `chain demo`'s workspaces and opens the OEM's (what the
 * bench suite runs, to show the program works). A program that prints
 * figures, not a timed test.
 *
 * What it showed (reading the code and the trace; no perf at load 35):
 * the open and the paint cost what chain_workspace_open() costs with its
 * state cache; the timeline reads only the rows it shows; the custody
 * tree takes its per-custodian counts from the state. A device search
 * read and case-folded every newer batch's manifest on the main thread,
 * growing with the ledger (the "scan" column still does that); a whole
 * id now goes to its batch through the state's device table.
 */
#include "bench-support.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
  double window;
  double open;
  double paint;
  double scroll;
  double search;
  double paint_cpu;
  double scroll_cpu;
  double search_cpu;
  double scan;
  double scan_cpu;
  double rss_mib;
} AppFigures;

typedef struct {
  double seconds;
  double cpu;
  long   rss_kib;
} Mark;

/* @event's line in the app's trace; dies without it. */
static Mark
trace_mark (const char *trace,
            const char *event)
{
  g_autofree char *key = g_strdup_printf ("custody-trace: %s ", event);
  const char *at = strstr (trace, key);
  char *end = NULL;
  Mark mark = { 0 };

  if (at == NULL)
    {
      fprintf (stderr, "bench-custody: the app's trace lacks %s:\n%s", event, trace);
      exit (1);
    }
  mark.seconds = g_ascii_strtod (at + strlen (key), &end);
  mark.rss_kib = strtol (end, &end, 10);
  mark.cpu = g_ascii_strtod (end, NULL);
  return mark;
}

/* Wall and CPU seconds of script lines @first to @last. */
static void
steps (const char *trace,
       guint       first,
       guint       last,
       double     *out_wall,
       double     *out_cpu)
{
  g_autofree char *start = g_strdup_printf ("step-%u-start", first);
  g_autofree char *done = g_strdup_printf ("step-%u-done", last);
  Mark from = trace_mark (trace, start);
  Mark to = trace_mark (trace, done);

  *out_wall = to.seconds - from.seconds;
  *out_cpu = to.cpu - from.cpu;
}

static AppFigures
run_app (const char *custody_bin,
         const char *script_path)
{
  g_autofree char *option = g_strconcat ("--test-script=", script_path, NULL);
  const char *argv[] = { "xvfb-run", "-a", "-s", "-screen 0 1400x1000x24", custody_bin, option, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  const char *asan = g_environ_getenv (envp, "ASAN_OPTIONS");
  AppFigures figures = { 0 };
  Mark paint;
  int status = 0;

  /* GTK, fontconfig and Mesa keep caches until exit: the app's leaks are
   * not ours to judge here (the GUI suite says the same). */
  if (asan != NULL)
    {
      g_autofree char *quiet = g_strconcat (asan, ":detect_leaks=0", NULL);

      envp = g_environ_setenv (envp, "ASAN_OPTIONS", quiet, TRUE);
    }
  if (!g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      fprintf (stderr, "bench-custody: the app failed: %s\n%s%s", error != NULL ? error->message : "?",
               out != NULL ? out : "", err != NULL ? err : "");
      exit (1);
    }
  figures.window = trace_mark (err, "window-frame").seconds;
  figures.open = trace_mark (err, "open-done").seconds;
  paint = trace_mark (err, "workspace-frame");
  figures.paint = paint.seconds;
  figures.paint_cpu = paint.cpu;
  /* The script's lines: 1 open, 2 page, 3 select, 4 wait, 5 find, 6 search,
   * 7 wait, 8 search in capitals, 9 wait. */
  steps (err, 3, 4, &figures.scroll, &figures.scroll_cpu);
  steps (err, 6, 7, &figures.search, &figures.search_cpu);
  steps (err, 8, 9, &figures.scan, &figures.scan_cpu);
  figures.rss_mib = (double) trace_mark (err, "step-9-done").rss_kib / 1024;
  return figures;
}

/* Seconds of the fastest of @rounds runs of `chain ARGS...` on @ws_dir. */
static double
time_chain (const char  *chain_bin,
            const char  *ws_dir,
            const char **args,
            guint        rounds,
            double      *out_cpu)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  double best = G_MAXDOUBLE;

  *out_cpu = G_MAXDOUBLE;
  g_ptr_array_add (argv, (char *) chain_bin);
  g_ptr_array_add (argv, (char *) "-C");
  g_ptr_array_add (argv, (char *) ws_dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      double started = bench_now ();
      double cpu = bench_cpu_seconds (RUSAGE_CHILDREN);
      int status = 0;

      if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                         &error)
          || !g_spawn_check_wait_status (status, &error))
        {
          fprintf (stderr, "bench-custody: chain %s failed: %s\n%s", args[0], error != NULL ? error->message : "?",
                   err != NULL ? err : "");
          exit (1);
        }
      best = MIN (best, bench_now () - started);
      *out_cpu = MIN (*out_cpu, bench_cpu_seconds (RUSAGE_CHILDREN) - cpu);
    }
  return best;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws_dir = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *chain_bin = NULL;
  g_autofree char *custody_bin = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *script_path = NULL;
  g_autofree char *script = NULL;
  g_autofree char *upper_id = NULL;
  g_autofree char *load_average = NULL;
  gint rounds = 3;
  GOptionEntry entries[] = {
    { "workspace", 'w', 0, G_OPTION_ARG_FILENAME, &ws_dir, "The workspace to open", "DIR" },
    { "device", 'i', 0, G_OPTION_ARG_STRING, &device_id, "A device id to look up", "ID" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "Runs of the app; the fastest counts (default 3)", "N" },
    { "chain", 'c', 0, G_OPTION_ARG_FILENAME, &chain_bin, "The chain binary (default: $CHAIN_BIN)", "PATH" },
    { "app", 'a', 0, G_OPTION_ARG_FILENAME, &custody_bin, "custody-test (default: $CUSTODY_BIN)", "PATH" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— Custody's open, scroll and lookup on a workspace");
  AppFigures best = { G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE,
                      G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE, 0 };
  const char *status_args[] = { "status", NULL };
  const char *show_args[] = { "show", "--device", NULL, NULL };
  double status_wall;
  double status_cpu;
  double show_wall;
  double show_cpu;

  g_set_prgname ("bench-custody");
  setvbuf (stdout, NULL, _IOLBF, 0);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_die ("options", error);
  if ((ws_dir == NULL) != (device_id == NULL) || rounds < 1)
    bench_die ("options: -w WORKSPACE and -i DEVICE_ID go together", NULL);
  if (chain_bin == NULL && g_getenv ("CHAIN_BIN") != NULL)
    chain_bin = g_strdup (g_getenv ("CHAIN_BIN"));
  if (custody_bin == NULL && g_getenv ("CUSTODY_BIN") != NULL)
    custody_bin = g_strdup (g_getenv ("CUSTODY_BIN"));
  if (chain_bin == NULL || custody_bin == NULL)
    bench_die ("options: -c CHAIN_BIN and -a CUSTODY_TEST_BIN (or $CHAIN_BIN, $CUSTODY_BIN) are needed", NULL);

  dir = g_dir_make_tmp ("bench-custody-XXXXXX", &error);
  if (dir == NULL)
    bench_die ("temporary directory", error);
  if (ws_dir == NULL)
    {
      g_autofree char *demo = g_build_filename (dir, "demo", NULL);
      const char *demo_args[] = { "demo", demo, NULL };
      double demo_cpu;

      time_chain (chain_bin, dir, demo_args, 1, &demo_cpu);
      ws_dir = g_build_filename (demo, "oem", NULL);
      device_id = g_strdup ("dist-x-dev-3");
    }
  script_path = g_build_filename (dir, "bench.script", NULL);
  upper_id = g_ascii_strup (device_id, -1);
  script = g_strdup_printf ("open %s\n"
                            "page ledger\n"
                            "select ledger -1\n"
                            "wait\n"
                            "action win.find\n"
                            "search %s\n"
                            "wait\n"
                            "search %s\n"
                            "wait\n",
                            ws_dir, device_id, upper_id);
  if (!g_file_set_contents (script_path, script, -1, &error))
    bench_die ("script", error);
  /* As the GUI suite runs the app: a display of its own, no desktop. */
  g_setenv ("CUSTODY_TRACE", "1", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");

  /* Warm first: the state cache as the app will find it. */
  status_wall = time_chain (chain_bin, ws_dir, status_args, (guint) rounds, &status_cpu);
  show_args[2] = device_id;
  show_wall = time_chain (chain_bin, ws_dir, show_args, (guint) rounds, &show_cpu);

  for (gint i = 0; i < rounds; i++)
    {
      AppFigures run = run_app (custody_bin, script_path);

      best.window = MIN (best.window, run.window);
      best.open = MIN (best.open, run.open);
      best.paint = MIN (best.paint, run.paint);
      best.scroll = MIN (best.scroll, run.scroll);
      best.search = MIN (best.search, run.search);
      best.paint_cpu = MIN (best.paint_cpu, run.paint_cpu);
      best.scroll_cpu = MIN (best.scroll_cpu, run.scroll_cpu);
      best.search_cpu = MIN (best.search_cpu, run.search_cpu);
      best.scan = MIN (best.scan, run.scan);
      best.scan_cpu = MIN (best.scan_cpu, run.scan_cpu);
      best.rss_mib = MAX (best.rss_mib, run.rss_mib);
    }
  printf ("%-5s %9s %8s %8s %9s %9s %9s %8s %9s %11s\n", "", "window s", "open s", "paint s", "scroll ms",
          "search ms", "scan ms", "RSS MiB", "status s", "show dev ms");
  printf ("%-5s %9.3f %8.3f %8.3f %9.1f %9.1f %9.1f %8.1f %9.3f %11.1f\n", "wall", best.window, best.open,
          best.paint, best.scroll * 1000, best.search * 1000, best.scan * 1000, best.rss_mib, status_wall,
          show_wall * 1000);
  printf ("%-5s %9s %8s %8.3f %9.1f %9.1f %9.1f %8s %9.3f %11.1f\n", "CPU", "", "", best.paint_cpu,
          best.scroll_cpu * 1000, best.search_cpu * 1000, best.scan_cpu * 1000, "", status_cpu, show_cpu * 1000);
  if (!g_file_get_contents ("/proc/loadavg", &load_average, NULL, NULL))
    load_average = g_strdup ("?\n");
  printf ("best of %d (RSS: highest); seconds from the app's process start; %u CPUs; load average (1, 5, 15 min): %s",
          rounds, g_get_num_processors (), load_average);
  bench_remove_tree (dir);
  return 0;
}
