/* bench-audit.c — auditing a ledger, next to pure signature verification
 *
 *   bench-audit [-n DEVICES] [-j THREADS] [-d DIR] [-c CHAIN_BIN] [-k]
 *
 * Builds an OEM and a manufacturer workspace as bench-issue does and has
 * the manufacturer issue DEVICES devices (default 100,000) in records of
 * 10,000 (not timed). With -d, DIR keeps the workspaces and a later run
 * with the same DEVICES reuses them (DIR/devices says how many it holds),
 * so a 10^6-device ledger is built once. Then, in one run:
 *
 *   1. chain_audit_repository() over the ledger, in this process: wall
 *      clock, CPU-seconds (user + system) and the RSS high-water sampled
 *      every 20 ms;
 *   2. the same through `chain audit` (-c, default $CHAIN_BIN), counted
 *      from spawn to exit, with the child's own CPU time and ru_maxrss;
 *   3. pure verification: every certificate of every device-batch record,
 *      parsed beforehand (not timed), verified with X509_verify() against
 *      its issuing CA's key on THREADS threads (default: the CPUs), one
 *      batch at a time; the figure is the sum of the batches' wall clock.
 *
 * and prints each, with "x verify": the audit's wall clock over pure
 * verification's (issue #12's goal: <= 1.3 at 10^6 devices on 2 cores,
 * memory flat), and "CPU x": its CPU-seconds over pure verification's.
 * On a machine others share, wall clock is mostly the scheduler's: compare
 * the ratios, and trust "CPU x" (the work done) over "x verify" when the
 * load average is far above the CPUs. The 'bench' suite runs this at -n 4 only to prove it works.
 * -k keeps DIR when it was made here.
 *
 * Profile, round 2 (issue #12's audit goal; 50,000-device ledger, 9
 * records, 2 cores at load 30-37, so wall clock is the scheduler's):
 * perf record -F 150 --call-graph dwarf of `chain -q -C cm audit`, and,
 * as the load skews CPU-seconds too, callgrind of `bench-audit -n 2000 -d
 * DIR` on a reused ledger, whose instruction counts do not depend on the
 * load (valgrind's CPU may lack SHA-NI, so hashing may count high).
 * Millions of instructions, 2,000 devices:
 *
 *                         before    after
 *   pure verify             1754     1754  (X509_verify, certs pre-parsed)
 *   audit, workers          2376     2237  (parse + rules + signature)
 *   audit, reader            273      272  (git objects, zlib, hashes)
 *   audit, judge              79       79  (rows, state, report)
 *   audit / pure verify     1.56     1.48
 *
 * bench-audit -n 50000 -d DIR -c chain, the old and the new build back to
 * back (load 34-36): CPU x 2.11 -> 1.63 (library), 2.07 -> 1.66 (`chain
 * audit`); x verify 1.81 -> 1.74 and 1.96 -> 1.85; RSS 58-61 MiB both.
 *
 * Per certificate after: the signature 848k (X509_verify: 877k), parsing
 * 186k (d2i_X509 ~140k of it: OpenSSL 3.0's template decoder, name
 * canonicalisation, the null-provider key decode of the keyless parse,
 * the extension cache's SHA-1 of the whole certificate), the rest of the
 * batch rule 84k; reading ~65k (libgit2 hashes each object, the auditor
 * hashes it again, as libgit2's options are global; inflate).
 *
 * This round: the signature goes through chain-cert-verifier.c (an
 * EVP_PKEY_CTX per worker, set up once per batch; SHA-256 of the TBS bytes
 * of the DER already made for the thumbprint; X509_verify() kept for
 * other algorithms), the thumbprint reuses that DER, the CN is read
 * without copying the subject, a parsed certificate is not encoded again,
 * and chain_sha256() fetches SHA-256 once (OpenSSL 3.0's SHA256() fetches
 * it on every call: EVP_MD_fetch was 2% of the samples).
 *
 * What is left between 1.48 and 1.3 is parsing: pure verification gets
 * its certificates parsed for free, the audit cannot. The next step would
 * be a narrow DER reader for device certificates (serial, validity, CN,
 * the SPKI span, basicConstraints, keyUsage, extKeyUsage), keeping
 * d2i_X509 for name constraints and anything unusual, and checked against
 * OpenSSL on the fuzz corpus; not done. The pipeline itself is not the
 * limit: both workers stay busy (90% of samples in them), the reader and
 * the judge run beside them, queues are bounded (3 chunks of 128
 * certificates per worker, one record read ahead).
 *
 * Round 1 (perf, 100,000 devices, 14 records, load ~30): X509_verify 52%
 * (EC_POINT_mul 37%), parsing 24% (d2i_X509 18%, base64 3%), the batch
 * rule's other checks 13%, reading 5%, the rest 2%.
 */
#include "chain.h"
#include "chain-pki-private.h"
#include "bench-support.h"
#include "bench-workspaces.h"

#include <glib/gstdio.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PASSPHRASE "bench-audit passphrase"
/* Devices issued per round; the key files of a round are removed after it,
 * as 10^6 device directories would fill a disk. */
#define ISSUE_ROUND 100000

static double
timeval_seconds (const struct timeval *tv)
{
  return (double) tv->tv_sec + (double) tv->tv_usec / 1e6;
}

/* ---- The ledger ------------------------------------------------------------------ */

/* The manufacturer's workspace in @dir holding @n devices: reused when
 * @dir/devices says it holds them, else made anew. */
static ChainWorkspace *
ledger_of (const char *dir,
           guint64     n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = g_build_filename (dir, "devices", NULL);
  g_autofree char *ws_dir = g_build_filename (dir, "cm", NULL);
  g_autofree char *held = NULL;
  g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", n);
  g_autoptr(ChainSecret) passphrase = bench_secret_new (PASSPHRASE);
  ChainWorkspace *ws;
  double started = bench_now ();

  if (g_file_get_contents (marker, &held, NULL, NULL) && strcmp (held, count) == 0)
    {
      fprintf (stderr, "bench-audit: reusing the ledger of %" G_GUINT64_FORMAT " devices in %s\n", n, dir);
      ws = chain_workspace_open (ws_dir, NULL, &error);
      if (ws == NULL)
        bench_die ("chain_workspace_open", error);
      return ws;
    }
  g_remove (marker);
  bench_remove_tree (dir);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    bench_die ("cannot create the work directory", NULL);
  fprintf (stderr, "bench-audit: building a ledger of %" G_GUINT64_FORMAT " devices in %s\n", n, dir);
  ws = bench_make_workspaces (dir, passphrase, NULL);
  for (guint64 done = 0; done < n; done += MIN (n - done, ISSUE_ROUND))
    {
      bench_issue_count (ws, dir, "audit", done, MIN (n - done, ISSUE_ROUND), passphrase);
      fprintf (stderr, "bench-audit: %" G_GUINT64_FORMAT " devices issued (%.0f s)\n",
               done + MIN (n - done, ISSUE_ROUND), bench_now () - started);
    }
  if (!g_file_set_contents (marker, count, -1, &error))
    bench_die ("writing the marker", error);
  return ws;
}

/* ---- 1. The library's audit ------------------------------------------------------- */

typedef struct {
  double wall;
  double cpu;
  double rss_mib;        /* high-water while it ran */
  double rss_before_mib; /* the process before it started */
} Figures;

static void
on_audit_progress (guint64  done,
                   guint64  total,
                   gpointer user_data)
{
  guint64 *calls = user_data;

  (void) done;
  (void) total;
  (*calls)++;
}

static Figures
bench_library (const char *ledger_path,
               guint64    *out_records)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainAuditReport) report = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;
  BenchRssSampler *sampler;
  Figures figures = { 0 };
  guint64 calls = 0;
  double cpu_started;
  double started;

  options.progress = on_audit_progress;
  options.progress_data = &calls;
  figures.rss_before_mib = (double) bench_rss_kib (getpid ()) / 1024;
  sampler = bench_rss_sampler_start ();
  cpu_started = bench_cpu_seconds (RUSAGE_SELF);
  started = bench_now ();
  if (!chain_audit_repository (ledger_path, &options, &report, NULL, &error))
    bench_die ("chain_audit_repository", error);
  figures.wall = bench_now () - started;
  figures.cpu = bench_cpu_seconds (RUSAGE_SELF) - cpu_started;
  figures.rss_mib = (double) bench_rss_sampler_stop (sampler) / 1024;
  if (!chain_audit_report_is_ok (report))
    {
      g_autofree char *text = chain_audit_report_to_text (report, FALSE);

      fprintf (stderr, "bench-audit: the audit failed:\n%s", text);
      exit (1);
    }
  if (calls != chain_audit_report_get_n_records (report))
    bench_die ("progress was not reported once per record", NULL);
  *out_records = chain_audit_report_get_n_records (report);
  return figures;
}

/* ---- 2. `chain audit` ------------------------------------------------------------- */

/* Runs `chain -q -C WS audit`, sampling its RSS every 20 ms; dies unless it
 * exits 0. */
static Figures
bench_cli (const char *chain_bin,
           const char *ws_dir)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { chain_bin, "-q", "-C", ws_dir, "audit", NULL };
  struct rusage usage = { 0 };
  Figures figures = { 0 };
  guint64 high_kib = 0;
  GPid pid = 0;
  int status = 0;
  pid_t done;
  double started = bench_now ();

  if (!g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, &pid, &error))
    bench_die (chain_bin, error);
  while ((done = wait4 (pid, &status, WNOHANG, &usage)) == 0)
    {
      high_kib = MAX (high_kib, bench_rss_kib (pid));
      g_usleep (20000);
    }
  figures.wall = bench_now () - started;
  if (done != pid || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "bench-audit: chain audit failed (status %d)\n", status);
      exit (1);
    }
  figures.cpu = timeval_seconds (&usage.ru_utime) + timeval_seconds (&usage.ru_stime);
  figures.rss_mib = (double) MAX (high_kib, (guint64) usage.ru_maxrss) / 1024;
  return figures;
}

/* ---- 3. Pure verification ------------------------------------------------------------ */

typedef struct {
  GPtrArray *certs;     /* ChainCert * */
  EVP_PKEY  *key;
  guint      first;
  guint      step;
  gint       failed;
} VerifyJob;

static gpointer
verify_thread (gpointer data)
{
  VerifyJob *job = data;

  for (guint i = job->first; i < job->certs->len; i += job->step)
    if (X509_verify (chain_cert_get_x509 (g_ptr_array_index (job->certs, i)), job->key) != 1)
      job->failed++;
  return NULL;
}

/* Seconds @threads threads take to X509_verify() all of @certs with @key. */
static double
verify_all (GPtrArray *certs,
            EVP_PKEY  *key,
            guint      threads)
{
  g_autofree VerifyJob *jobs = g_new0 (VerifyJob, threads);
  g_autofree GThread **running = g_new0 (GThread *, threads);
  double started = bench_now ();

  for (guint t = 0; t < threads; t++)
    {
      jobs[t] = (VerifyJob) { certs, key, t, threads, 0 };
      running[t] = g_thread_new ("verify", verify_thread, &jobs[t]);
    }
  for (guint t = 0; t < threads; t++)
    {
      g_thread_join (running[t]);
      if (jobs[t].failed > 0)
        bench_die ("a certificate of the ledger does not verify", NULL);
    }
  return bench_now () - started;
}

/* The certificates of certificates.pem, parsed as the batch rule parses
 * them (without decoding their keys, which verifying does not need). */
static GPtrArray *
parse_pems (GBytes *pems)
{
  static const char end_marker[] = "-----END CERTIFICATE-----";
  GPtrArray *certs = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  gsize len = 0;
  const char *data = g_bytes_get_data (pems, &len);
  const char *end = data + len;
  const char *p = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      const char *block_end = g_strstr_len (p, end - p, end_marker);
      ChainCert *cert;

      if (block_end == NULL)
        break;
      block_end += strlen (end_marker);
      cert = chain_cert_parse_keyless ((const guint8 *) p, (gsize) (block_end - p), &error);
      if (cert == NULL)
        bench_die ("parsing certificates.pem", error);
      g_ptr_array_add (certs, cert);
      p = block_end;
    }
  return certs;
}

/* Every device-batch record's certificates, verified against @ca's key
 * one record at a time: the sum of the verification's wall clock and its
 * CPU-seconds. */
static Figures
bench_verify (ChainWorkspace *ws,
              guint           threads,
              guint64        *out_certs)
{
  g_autoptr(GError) error = NULL;
  ChainLedger *ledger = chain_workspace_get_ledger (ws);
  EVP_PKEY *key = X509_get0_pubkey (chain_cert_get_x509 (chain_workspace_get_ca (ws)));
  Figures figures = { 0 };

  *out_certs = 0;
  for (guint64 seq = 0; seq < chain_ledger_get_length (ledger); seq++)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, seq, &error);
      g_autoptr(GBytes) pems = NULL;
      g_autoptr(GPtrArray) certs = NULL;
      double cpu_started;

      if (record == NULL)
        bench_die ("chain_ledger_load_record", error);
      if (chain_statement_get_record_type (chain_record_get_statement (record)) != CHAIN_RECORD_TYPE_DEVICE_BATCH)
        continue;
      pems = chain_record_read_artifact (record, "certificates.pem", NULL, &error);
      if (pems == NULL)
        bench_die ("reading certificates.pem", error);
      certs = parse_pems (pems);
      cpu_started = bench_cpu_seconds (RUSAGE_SELF);
      figures.wall += verify_all (certs, key, threads);
      figures.cpu += bench_cpu_seconds (RUSAGE_SELF) - cpu_started;
      *out_certs += certs->len;
    }
  return figures;
}

/* ---- Output ------------------------------------------------------------------------- */

static void
print_row (const char    *what,
           const Figures *figures,
           const Figures *verify)
{
  printf ("%-40s %9.2f %9.2f %9.1f %9.2f %9.2f\n", what, figures->wall, figures->cpu, figures->rss_mib,
          figures->wall / verify->wall, figures->cpu / verify->cpu);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *chain_bin = NULL;
  g_autofree char *ws_dir = NULL;
  g_autofree char *ledger_path = NULL;
  g_autofree char *load_average = NULL;
  g_autofree char *what = NULL;
  gint64 devices = 100000;
  gint threads = 0;
  gboolean keep = FALSE;
  gboolean own_dir = FALSE;
  GOptionEntry entries[] = {
    { "devices", 'n', 0, G_OPTION_ARG_INT64, &devices, "Devices in the ledger (default 100000)", "N" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads, "Threads verifying (default: the CPUs)", "N" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "Work directory, kept and reused (default: a new temporary one)", "DIR" },
    { "chain", 'c', 0, G_OPTION_ARG_FILENAME, &chain_bin, "The chain binary (default: $CHAIN_BIN)", "PATH" },
    { "keep", 'k', 0, G_OPTION_ARG_NONE, &keep, "Keep the temporary work directory", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— audit time next to pure signature verification");
  g_autoptr(ChainWorkspace) ws = NULL;
  Figures library;
  Figures cli = { 0 };
  Figures verify;
  guint64 records = 0;
  guint64 certs = 0;

  g_set_prgname ("bench-audit");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_die ("options", error);
  if (devices < 1 || threads < 0)
    bench_die ("options", NULL);
  if (threads == 0)
    threads = (gint) g_get_num_processors ();
  if (chain_bin == NULL && g_getenv ("CHAIN_BIN") != NULL)
    chain_bin = g_strdup (g_getenv ("CHAIN_BIN"));
  if (dir == NULL)
    {
      dir = g_dir_make_tmp ("bench-audit-XXXXXX", &error);
      if (dir == NULL)
        bench_die ("temporary directory", error);
      own_dir = TRUE;
    }
  ws_dir = g_build_filename (dir, "cm", NULL);

  ws = ledger_of (dir, (guint64) devices);
  ledger_path = g_strdup (chain_ledger_get_path (chain_workspace_get_ledger (ws)));
  g_setenv ("CHAIN_PASSPHRASE", PASSPHRASE, TRUE);

  library = bench_library (ledger_path, &records);
  if (chain_bin != NULL)
    cli = bench_cli (chain_bin, ws_dir);
  verify = bench_verify (ws, (guint) threads, &certs);
  if (certs != (guint64) devices)
    bench_die ("the ledger does not hold as many certificates as devices", NULL);

  printf ("%" G_GUINT64_FORMAT " devices in %" G_GUINT64_FORMAT " records\n", (guint64) devices, records);
  printf ("%-40s %9s %9s %9s %9s %9s\n", "", "wall s", "CPU-s", "RSS MiB", "x verify", "CPU x");
  print_row ("chain_audit_repository()", &library, &verify);
  if (chain_bin != NULL)
    print_row ("chain audit", &cli, &verify);
  what = g_strdup_printf ("pure verify: X509_verify, %d threads", threads);
  printf ("%-40s %9.2f %9.2f %9s %9.2f %9.2f\n", what, verify.wall, verify.cpu, "", 1.0, 1.0);
  printf ("RSS before the library's audit: %.1f MiB (the ledger was %s in this process)\n", library.rss_before_mib,
          own_dir ? "built" : "opened");
  if (!g_file_get_contents ("/proc/loadavg", &load_average, NULL, NULL))
    load_average = g_strdup ("?\n");
  printf ("%u CPUs; load average (1, 5, 15 min): %s", g_get_num_processors (), load_average);

  g_clear_pointer (&ws, chain_workspace_free);
  if (own_dir && !keep)
    bench_remove_tree (dir);
  return 0;
}
