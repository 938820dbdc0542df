/* bench-reconcile.c — `chain reconcile`'s comparison, by size
 *
 *   bench-reconcile [-n N] [-w M] [-d DIR] [-k]
 *
 * Writes two cloud files of N devices together (default 1,000,000): half
 * an IoT Hub device list (device twins, matched by id), half an AWS
 * list-certificates-by-ca (matched by SHA-256); 1 in 100 is a clone the
 * ledger never issued. The ledger side is N devices (1 in 1,000 revoked)
 * added through chain_reconcile_add_issued(), since issuing a million
 * real certificates takes 13 CPU-minutes (bench-issue measures that); with -w M
 * it is instead a real workspace whose manufacturer issued M devices, read
 * through chain_reconcile_load_ledger() (and the cloud files then name
 * those M devices). Prints the seconds of each step (reading the ledger,
 * streaming the files, comparing), wall and CPU (on a shared machine the
 * CPU seconds are the figure to compare), the findings, and the RSS
 * high-water. -k keeps DIR.
 */
#include "chain.h"
#include "bench-support.h"
#include "bench-workspaces.h"

#include <glib/gstdio.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define PASSPHRASE "bench-reconcile passphrase"

/* A device of the synthetic ledger: id, serial and certificate SHA-256. */
static void
synthetic_device (guint64 i,
                  char    id[32],
                  char    serial[32],
                  char    sha256[65])
{
  guint8 digest[SHA256_DIGEST_LENGTH];

  g_snprintf (id, 32, "dev-%08" G_GUINT64_FORMAT, i);
  g_snprintf (serial, 32, "%016" G_GINT64_MODIFIER "x", i + 1);
  SHA256 ((const guint8 *) id, strlen (id), digest);
  for (guint b = 0; b < SHA256_DIGEST_LENGTH; b++)
    g_snprintf (sha256 + 2 * b, 3, "%02x", digest[b]);
}

typedef struct {
  GPtrArray *ids;      /* char * */
  GPtrArray *sha256s;  /* char * */
} Devices;

/* A manufacturer workspace under @dir that issued @m devices; their ids
 * and certificate digests into @out. */
static ChainWorkspace *
make_workspace (const char *dir,
                guint64     m,
                Devices    *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = bench_secret_new (PASSPHRASE);
  g_autofree char *issue_dir = g_build_filename (dir, "issued", NULL);
  g_autofree char *manifest_path = NULL;
  g_autofree char *manifest = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  g_autoptr(ChainIssueSource) source = NULL;
  ChainIssueDevicesOptions issue_options = CHAIN_ISSUE_DEVICES_OPTIONS_INIT;
  ChainWorkspace *cm;

  cm = bench_make_workspaces (dir, passphrase, NULL);
  source = chain_issue_source_new_count ("dev-", 1, m, &error);
  if (source == NULL)
    bench_die ("count source", error);
  issue_options.output_dir = issue_dir;
  issue_options.key_passphrase = passphrase;
  if (!chain_issue_devices (cm, source, &issue_options, summary, NULL, &error))
    bench_die ("chain_issue_devices", error);
  manifest_path = g_strdup (chain_issue_summary_get_manifest_csv (summary));
  if (!g_file_get_contents (manifest_path, &manifest, NULL, &error))
    bench_die (manifest_path, error);
  lines = g_strsplit (manifest, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ",", -1);

      if (g_strv_length (fields) < 3)
        continue;
      g_ptr_array_add (out->ids, g_strdup (fields[0]));
      g_ptr_array_add (out->sha256s, g_strdup (fields[2]));
    }
  /* The device files are not what this measures. */
  bench_remove_tree (issue_dir);
  return cm;
}

/* The cloud files: @n devices drawn from @devices (or the synthetic
 * ledger when it is empty), every hundredth a clone. */
static void
write_cloud_files (const char    *hub_path,
                   const char    *aws_path,
                   guint64        n,
                   const Devices *devices)
{
  FILE *hub = fopen (hub_path, "w");
  FILE *aws = fopen (aws_path, "w");
  gboolean first_hub = TRUE;
  gboolean first_aws = TRUE;

  if (hub == NULL || aws == NULL)
    bench_die ("cannot write the cloud files", NULL);
  fputs ("[\n", hub);
  fputs ("{\n    \"certificates\": [\n", aws);
  for (guint64 i = 0; i < n; i++)
    {
      char id[32];
      char serial[32];
      char sha256[65];
      gboolean clone = i % 100 == 99;

      if (devices->ids->len > 0)
        {
          g_strlcpy (id, g_ptr_array_index (devices->ids, i % devices->ids->len), sizeof id);
          g_strlcpy (sha256, g_ptr_array_index (devices->sha256s, i % devices->ids->len), sizeof sha256);
        }
      else
        synthetic_device (i, id, serial, sha256);
      if (clone)
        {
          g_snprintf (id, sizeof id, "clone-%08" G_GUINT64_FORMAT, i);
          memcpy (sha256, "00000000", 8);
        }
      if (i % 2 == 0)
        {
          fprintf (hub,
                   "%s  {\n    \"authenticationType\": \"certificateAuthority\",\n"
                   "    \"capabilities\": {\"iotEdge\": false},\n    \"cloudToDeviceMessageCount\": 0,\n"
                   "    \"connectionState\": \"Connected\",\n    \"deviceId\": \"%s\",\n"
                   "    \"etag\": \"AAAAAAAAAAE=\",\n    \"lastActivityTime\": \"2026-12-01T10:00:00Z\",\n"
                   "    \"status\": \"enabled\",\n    \"version\": 2,\n"
                   "    \"x509Thumbprint\": {\"primaryThumbprint\": null, \"secondaryThumbprint\": null}\n  }",
                   first_hub ? "" : ",\n", id);
          first_hub = FALSE;
        }
      else
        {
          fprintf (aws,
                   "%s        {\n            \"certificateArn\": \"arn:aws:iot:eu-west-1:123456789012:cert/%s\",\n"
                   "            \"certificateId\": \"%s\",\n            \"status\": \"ACTIVE\",\n"
                   "            \"creationDate\": 1764322212.557\n        }",
                   first_aws ? "" : ",\n", sha256, sha256);
          first_aws = FALSE;
        }
    }
  fputs ("\n]\n", hub);
  fputs ("\n    ]\n}\n", aws);
  if (fclose (hub) != 0 || fclose (aws) != 0)
    bench_die ("cannot write the cloud files", NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *hub_path = NULL;
  g_autofree char *aws_path = NULL;
  g_autofree char *load_average = NULL;
  gint64 n = 1000000;
  gint64 m = 0;
  gboolean keep = FALSE;
  GOptionEntry entries[] = {
    { "devices", 'n', 0, G_OPTION_ARG_INT64, &n, "Cloud devices, and synthetic ledger devices (default 1000000)", "N" },
    { "workspace", 'w', 0, G_OPTION_ARG_INT64, &m, "Issue M real devices in a workspace instead of a synthetic ledger", "M" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "Work directory (default: a new temporary one)", "DIR" },
    { "keep", 'k', 0, G_OPTION_ARG_NONE, &keep, "Keep the work directory", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— chain reconcile by size");
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainReconcile) reconcile = NULL;
  Devices devices = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  double started;
  double cpu_started;
  double ledger_s;
  double read_s;
  double compare_s;
  double ledger_cpu;
  double read_cpu;
  double compare_cpu;
  struct rusage usage;
  gsize hub_size = 0;
  gsize aws_size = 0;
  GStatBuf st;

  g_set_prgname ("bench-reconcile");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_die ("options", error);
  if (n < 1 || m < 0)
    bench_die ("options: -n must be positive, -w not negative", NULL);
  if (dir == NULL)
    dir = g_dir_make_tmp ("bench-reconcile-XXXXXX", &error);
  else if (g_mkdir_with_parents (dir, 0700) != 0)
    bench_die ("cannot create the work directory", NULL);
  if (dir == NULL)
    bench_die ("temporary directory", error);
  hub_path = g_build_filename (dir, "hub.json", NULL);
  aws_path = g_build_filename (dir, "aws.json", NULL);
  fprintf (stderr, "bench-reconcile: working in %s\n", dir);

  if (m > 0)
    {
      fprintf (stderr, "bench-reconcile: issuing %" G_GINT64_FORMAT " devices\n", m);
      workspace = make_workspace (dir, (guint64) m, &devices);
    }
  fprintf (stderr, "bench-reconcile: writing %" G_GINT64_FORMAT " cloud devices\n", n);
  write_cloud_files (hub_path, aws_path, (guint64) n, &devices);
  if (g_stat (hub_path, &st) == 0)
    hub_size = (gsize) st.st_size;
  if (g_stat (aws_path, &st) == 0)
    aws_size = (gsize) st.st_size;

  reconcile = chain_reconcile_new ();
  started = bench_now ();
  cpu_started = bench_cpu_seconds (RUSAGE_SELF);
  if (workspace != NULL)
    {
      if (!chain_reconcile_load_ledger (reconcile, workspace, NULL, &error))
        bench_die ("chain_reconcile_load_ledger", error);
    }
  else
    for (gint64 i = 0; i < n; i++)
      {
        char id[32];
        char serial[32];
        char sha256[65];

        synthetic_device ((guint64) i, id, serial, sha256);
        if (!chain_reconcile_add_issued (reconcile, id, serial, sha256, i % 1000 == 7, &error))
          bench_die ("chain_reconcile_add_issued", error);
      }
  ledger_s = bench_now () - started;
  ledger_cpu = bench_cpu_seconds (RUSAGE_SELF) - cpu_started;

  started = bench_now ();
  cpu_started = bench_cpu_seconds (RUSAGE_SELF);
  if (!chain_reconcile_read_file (reconcile, hub_path, NULL, NULL, &error)
      || !chain_reconcile_read_file (reconcile, aws_path, NULL, NULL, &error))
    bench_die ("chain_reconcile_read_file", error);
  read_s = bench_now () - started;
  read_cpu = bench_cpu_seconds (RUSAGE_SELF) - cpu_started;

  started = bench_now ();
  cpu_started = bench_cpu_seconds (RUSAGE_SELF);
  if (!chain_reconcile_compare (reconcile, NULL, &error))
    bench_die ("chain_reconcile_compare", error);
  compare_s = bench_now () - started;
  compare_cpu = bench_cpu_seconds (RUSAGE_SELF) - cpu_started;

  getrusage (RUSAGE_SELF, &usage);
  if (!g_file_get_contents ("/proc/loadavg", &load_average, NULL, NULL))
    load_average = g_strdup ("?\n");
  printf ("ledger devices     %12zu (%s)\n", chain_reconcile_get_n_issued (reconcile),
          workspace != NULL ? "a workspace's ledger" : "synthetic");
  printf ("cloud entries      %12zu (files: %.1f MB)\n", chain_reconcile_get_n_cloud (reconcile),
          (double) (hub_size + aws_size) / 1e6);
  printf ("findings           %12zu (%zu need action)\n", chain_reconcile_get_n_findings (reconcile),
          chain_reconcile_get_n_needing_action (reconcile));
  printf ("%-18s %12s %12s\n", "", "wall s", "CPU s");
  printf ("%-18s %12.3f %12.3f\n", "ledger side", ledger_s, ledger_cpu);
  printf ("%-18s %12.3f %12.3f\n", "read files", read_s, read_cpu);
  printf ("%-18s %12.3f %12.3f\n", "compare", compare_s, compare_cpu);
  printf ("%-18s %12.3f %12.3f\n", "total", ledger_s + read_s + compare_s, ledger_cpu + read_cpu + compare_cpu);
  printf ("RSS high-water MiB %12.1f\n", (double) usage.ru_maxrss / 1024.0);
  printf ("%u CPUs; load average (1, 5, 15 min): %s", g_get_num_processors (), load_average);
  fflush (stdout);

  g_clear_pointer (&reconcile, chain_reconcile_free);
  g_clear_pointer (&workspace, chain_workspace_free);
  g_ptr_array_unref (devices.ids);
  g_ptr_array_unref (devices.sha256s);
  if (!keep)
    bench_remove_tree (dir);
  return 0;
}
