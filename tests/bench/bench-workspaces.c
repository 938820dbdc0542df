/* bench-workspaces.c: the OEM and manufacturer workspaces the ledger
 * benchmarks issue into. */

#include "bench-workspaces.h"

#include "bench-support.h"

#include <stdio.h>
#include <sys/resource.h>

ChainWorkspace *
bench_make_workspaces (const char      *dir,
                       ChainSecret     *passphrase,
                       ChainWorkspace **out_oem)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *oem_dir = g_build_filename (dir, "oem", NULL);
  g_autofree char *cm_dir = g_build_filename (dir, "cm", NULL);
  g_autofree char *request_path = g_build_filename (dir, "cm.request", NULL);
  g_autofree char *grant_path = g_build_filename (dir, "cm.grant", NULL);
  g_autoptr(ChainRequestFile) request = NULL;
  g_autoptr(ChainWorkspace) oem = NULL;
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  ChainWorkspace *cm;

  options.org = "Bench OEM";
  options.id = "oem";
  options.passphrase = passphrase;
  oem = chain_workspace_init (oem_dir, &options, NULL, &error);
  if (oem == NULL)
    bench_die ("chain_workspace_init", error);
  options.org = "Bench CM";
  options.id = "cm";
  options.tier = "manufacturer";
  cm = chain_workspace_request (cm_dir, &options, request_path, NULL, &error);
  if (cm == NULL)
    bench_die ("chain_workspace_request", error);
  request = chain_request_file_load (request_path, &error);
  if (request == NULL
      || !chain_workspace_delegate (oem, request, NULL, grant_path, &(ChainDelegateOutcome) { 0 }, NULL, &error)
      || !chain_workspace_accept (cm, grant_path, NULL, NULL, NULL, &error))
    bench_die ("delegating to the manufacturer", error);
  if (out_oem != NULL)
    *out_oem = g_steal_pointer (&oem);
  return cm;
}

void
bench_issue_count (ChainWorkspace *ws,
                   const char     *dir,
                   const char     *prefix,
                   guint64         first,
                   guint64         n,
                   ChainSecret    *passphrase)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  g_autofree char *first_prefix = g_strdup_printf ("%s%" G_GUINT64_FORMAT "-", prefix, first);
  g_autofree char *out = g_strdup_printf ("%s/out-%" G_GUINT64_FORMAT, dir, first);
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count (first_prefix, 1, n, &error);
  ChainIssueDevicesOptions options = CHAIN_ISSUE_DEVICES_OPTIONS_INIT;

  if (source == NULL)
    bench_die ("count source", error);
  options.output_dir = out;
  options.key_passphrase = passphrase;
  /* A file per batch, not a directory of three files per device: set-up
   * at 10^6 devices was bound by creating and syncing those files (86
   * devices/s wall for 9.7 CPU-s per 10,000 at load 13, against 870/s),
   * and the ledger records the same either way. */
  options.layout = CHAIN_ISSUE_LAYOUT_PER_BATCH;
  if (!chain_issue_devices (ws, source, &options, summary, NULL, &error))
    bench_die ("chain_issue_devices", error);
  bench_remove_tree (out);
}

/* The count @dir/devices holds, or 0 without it. */
static guint64
devices_held (const char *dir)
{
  g_autofree char *marker = g_build_filename (dir, BENCH_DEVICES_FILE, NULL);
  g_autofree char *held = NULL;

  if (!g_file_get_contents (marker, &held, NULL, NULL))
    return 0;
  return g_ascii_strtoull (held, NULL, 10);
}

ChainWorkspace *
bench_reuse_workspaces (const char  *dir,
                        ChainSecret *passphrase,
                        guint64     *out_held)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cm_dir = g_build_filename (dir, "cm", NULL);
  guint64 held = devices_held (dir);
  ChainWorkspace *cm;

  *out_held = 0;
  if (held == 0 || !g_file_test (cm_dir, G_FILE_TEST_IS_DIR))
    return NULL;
  cm = chain_workspace_open (cm_dir, NULL, &error);
  if (cm == NULL || !chain_workspace_unlock (cm, NULL, passphrase, &error))
    bench_die ("opening the kept workspace", error);
  *out_held = held;
  return cm;
}

void
bench_grow (ChainWorkspace *ws,
            const char     *dir,
            const char     *prefix,
            guint64         held,
            guint64         target,
            ChainSecret    *passphrase)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = g_build_filename (dir, BENCH_DEVICES_FILE, NULL);
  double started = bench_now ();
  double cpu = bench_cpu_seconds (RUSAGE_SELF);

  while (held < target)
    {
      guint64 n = MIN (target - held, BENCH_GROW_ROUND);
      g_autofree char *count = NULL;

      bench_issue_count (ws, dir, prefix, held, n, passphrase);
      held += n;
      count = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", held);
      if (!g_file_set_contents (marker, count, -1, &error))
        bench_die ("writing the device count", error);
      fprintf (stderr, "%s: %" G_GUINT64_FORMAT " devices (%.0f s, %.0f CPU-s growing)\n", g_get_prgname (), held,
               bench_now () - started, bench_cpu_seconds (RUSAGE_SELF) - cpu);
    }
}
