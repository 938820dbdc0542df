/* bench-workspaces.c: the OEM and manufacturer workspaces the ledger
 * benchmarks issue into. */

#include "bench-workspaces.h"

#include "bench-support.h"

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
  if (!chain_issue_devices (ws, source, &options, summary, NULL, &error))
    bench_die ("chain_issue_devices", error);
  bench_remove_tree (out);
}
