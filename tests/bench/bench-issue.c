/* bench-issue.c — devices/s for bulk issuance, next to the openssl CLI
 *
 *   bench-issue [-n DEVICES] [-m OPENSSL_DEVICES] [-j JOBS] [-b BATCH]
 *               [-d DIR] [-c CHAIN_BIN] [-k] [-s]
 *
 * Builds an OEM and a manufacturer workspace with the library (the
 * manufacturer issues), then, in one run on this machine:
 *
 *   1. chain_issue_devices(): DEVICES devices with keys made here
 *      (P-256, each key.pem encrypted), and from DEVICES CSRs made
 *      beforehand (not timed); "issued" is when the last certificate and
 *      its files were written, "recorded" when the last device-batch
 *      record (rule engine, signed commit) landed and the files moved;
 *   2. the same through the built `chain issue` binary (-c, default
 *      $CHAIN_BIN), counted from spawn to exit: opening and unlocking the
 *      workspace included;
 *   3. the openssl command line in a loop, one device at a time, for
 *      OPENSSL_DEVICES devices (default 100): `openssl genpkey` (P-256,
 *      encrypted with -aes-256-cbc like key.pem), `openssl req -new`,
 *      `openssl x509 -req` with the extensions of a device certificate;
 *      and from CSRs, `openssl x509 -req` alone;
 *   4. `openssl speed ecdsap256` sign/s, on one core and with -multi JOBS:
 *      the ceiling, one signature per certificate;
 *   5. with -s (SoftHSM2 installed): a second manufacturer whose CA key is
 *      in a SoftHSM2 token (its own SOFTHSM2_CONF under DIR) issues the
 *      DEVICES CSRs through the library, then through `chain issue
 *      --csr-dir` (per batch and per device; the PIN from $CHAIN_PIN), next
 *      to `openssl ca -engine pkcs11 -infiles` signing OPENSSL_DEVICES of
 *      them with the same token key.
 *
 * Prints a table: devices/s (wall clock); devices per CPU-second and
 * CPU-milliseconds per device (user + system time of this process, or of
 * the `chain` child alone, from wait4()), which a busy machine distorts
 * less; the RSS high-water (sampled every 20 ms, and for `chain` also the
 * kernel's ru_maxrss); ledger.git's growth in bytes per device as `du`
 * counts it right after `chain issue` returns; and "x speed", devices/s
 * over `openssl speed -multi JOBS ecdsap256` sign/s of the same run (the
 * issue's goal is >= 0.4). --speed-seconds shortens openssl speed (the
 * 'bench' test suite runs this at -n 4 only to prove it works). -k keeps
 * DIR.
 *
 * Both output layouts are measured: a directory per device (cert.pem,
 * chain.pem, key.pem) and --output-layout per-batch (batch-N.pem and
 * batch-N.key.pem a batch); the SoftHSM2 run uses the per-batch one.
 *
 * Latest profile (December 2026, second pass). `perf record -F 300
 * --call-graph dwarf` unwinds through Debian's libcrypto (it has no frame
 * pointers, but its .eh_frame is there), so costs can be placed under the
 * libchain function that asked for them. `chain issue --count 10000
 * --output-layout per-batch -j 2` into the manufacturer of a kept
 * `bench-issue -n 20000 -k` run (~200,000 devices in its ledger), load
 * 14-16; shares of all samples (0.425 CPU-ms a device):
 *
 *   23%    X509_verify of each certificate by the device-batch rule (the
 *          chain-check threads, on both cores already): the rule, kept
 *   12.5%  signing: 7% ECDSA itself, the rest encoding the TBS and setting
 *          up the digest-sign context, which asked the CA key its
 *          algorithm (OpenSSL name lookups) on every signature
 *    9%    key generation: 5% EVP_PKEY_generate, the rest a new keygen
 *          context (and group copy) a key
 *    7%    parsing the certificates in the rule (d2i 4%, extension cache 3%)
 *    7%    the rule's other per-certificate checks (subject copy, hashes)
 *    7%    the record's pack (zlib 4%)
 *    5.6%  encoding the certificate, its digests
 *    5%    key encryption, 1.6% of it asking OpenSSL the public point a
 *          second time (the certificate had asked once: 6 us a time, a
 *          conversion to affine coordinates)
 *    4%    copying the issuer name into each certificate
 *    3%    unlocking the CA key (scrypt, once a run), 2% the command
 *
 * `chain issue --csr-dir` (20,000 hard links to the kept CSRs under new
 * names, same workspace, load 34): 47% of the samples were
 * chain_csr_parse(), 25% X509_REQ_verify and 10% EVP_PKEY_fromdata, twice
 * the cost of one parse: every CSR was parsed and its self-signature
 * verified in the checking pass, then again when issued. The rule's
 * X509_verify was 13%, signing 7%.
 *
 * What changed after it: a CSR's self-signature is verified once, in the
 * checking pass, which keeps per batch the SHA-256 of its files' SHA-256s
 * and their size; issuing reads a batch's files first (both cores), and
 * parses them without a second verification only if they are those bytes
 * (a directory changed in between is refused, unit-issue). A worker keeps
 * one keygen context (ChainKeyGenerator); a key made here keeps its public
 * point; the signing digest comes from the CA key's known algorithm.
 *
 * Measured (`chain issue ... -j 2 --output-layout per-batch`, 20,000
 * devices each, into that workspace, the binary before these changes and
 * after, one after the other, load 27-36 from other builds, so wall
 * clock says little): `--count` 0.495 -> 0.365 CPU-ms a device (9.9 ->
 * 7.3 CPU-s; RSS high-water 104 -> 111 MiB), `--csr-dir` 0.742 -> 0.619
 * (14.8 -> 12.4 CPU-s; 103 -> 106 MiB). Figures of the whole bench, at a
 * quiet hour, are what README should carry.
 *
 * The ceiling: per device, `--count` costs at least one key generation,
 * one signature and the rule's verification, `--csr-dir` one CSR
 * verification, one signature and the rule's; on this machine (openssl
 * speed at low load) a P-256 verification costs about three signatures,
 * so five sign-equivalents a device: 0.4 of `openssl speed -multi` sign/s
 * is out of reach while the rule verifies each certificate, and 10,000
 * devices/s on 2 cores needs <= 0.2 CPU-ms a device in all, about twice
 * that floor.
 *
 * Earlier profile (December 2026; `perf record -F 499 -g` of `chain issue --count
 * 20000 --output-layout per-batch -j 2` into the manufacturer of a kept
 * `bench-issue -n 20000 -s -k` run, its ledger then holding ~160,000
 * devices; 2 cores at load 18-30). Debian's libcrypto has no frame
 * pointers, so call graphs stop in it: the shares below are per thread
 * (the pool's two workers, the recorder of each chunk, the main thread)
 * and per library, which is enough to place the cost:
 *
 *   43%  the workers: key generation, signing, key encryption
 *        (libcrypto 30%, malloc/free 9%, kernel 3%)
 *   35%  the recorders: the device-batch rule (libcrypto 27%: parsing,
 *        X509_verify of every certificate, SHA-256s; kept: it is the rule),
 *        the signed commit (zlib 2%) and the batch files
 *   19%  the main thread: opening the workspace, which replays the
 *        ledger's ~160,000 devices (libgit2 + zlib 7.5%, manifests 3%,
 *        OpenSSL's method-store scans 4%; #12's state cache), and checking
 *        each id of the count against the ledger
 *
 * Files are no longer a share worth naming per batch. Per device, they
 * were the biggest one (the profile before this one, per-device layout:
 * file creation 27%, mkdir 12% of the process's samples): in the same
 * run at -n 20000, `chain issue --count` cost 1.00 CPU-ms a device
 * per device and 0.47 per batch, `--csr-dir` 1.13 and 0.85; the library
 * alone 0.78 and 0.41 (keys made here), 1.03 and 0.78 (CSRs).
 *
 * With the CA key in SoftHSM2 (the signer's session pool, one session a
 * thread), from CSRs per batch: 181 devices/s and 0.89 CPU-ms a device,
 * against 55/s and 1.42 for `openssl ca -engine pkcs11 -infiles` in the
 * same run (load 29: wall figures are a fraction of a quiet machine's).
 *
 * What remains is cryptography and the replay: about one keygen, one
 * signature and one AES pass a device in the workers, one verification a
 * device in the recorder, which runs beside the workers on a 2-core
 * machine. Further gains need the rule's verification spread over the
 * cores (chain-ledger-issuance.c, shared with the auditor) and the state
 * cache (open), not the pipeline.
 *
 * Memory: the RSS high-water of `chain issue` is the opened workspace
 * (~52 MiB for `chain status` on that ledger at ~200,000 devices, growing
 * with it: the ledger state, not the run) plus about two chunks of
 * devices (one issued while the one before is recorded; --batch-size
 * bounds it). A device no longer keeps its certificate's PEM (made where
 * it is written), the record's buffers are sized once, and the memory a
 * chunk's threads freed is handed back (malloc_trim) after each record.
 *
 * Where the rest went (heaptrack and /proc sampling of RssAnon/RssFile,
 * `chain issue --count 20000 --output-layout per-batch -j 2` into copies
 * of the demo's distributor, its ledger ~40,000 devices; load 35-40):
 *
 *   - VmHWM 110 MiB, 95 MiB of it anonymous. libgit2's packbuilder, which
 *     writes each record's pack and merges packs, held every object of its
 *     delta window and every delta without a limit: each batch's
 *     certificates, megabytes a blob. In a run that merged packs it was
 *     91 MB of the heap at the peak (chain_ledger_packer_consolidate), and
 *     a merge grows with the ledger (one library run building bench-audit's
 *     10^6 ledger was at 216 MiB by 90,000 devices). The ledger's config
 *     now bounds it (chain-ledger-pack.c): same command on a copy of the
 *     same workspace, VmHWM 92 MiB (78 anonymous); heaptrack's peak heap
 *     59 MB, the largest parts a chunk's DER certificates (8.5 MB for
 *     20,000 devices in flight), their encrypted key PEMs (9.2 MB) and the
 *     record's blobs before they are packed (8.8 MB): all bounded by
 *     --batch-size, so flat over a run.
 *   - Opening: the state cache was read through a mapping and copied, so
 *     the open peaked at the cache file plus the state; the reader now
 *     hands each decoded part of the mapping back (chain-state-cache-
 *     reader.c). What is left is the state itself: about 80 bytes a device
 *     then (the serial table, 20-byte slots at most 3/4 full, and the
 *     device-id table with each id's serial and batch), about 58 now
 *     (chain-serial-set.c: entries stored once in chunks, a 4-byte hash
 *     index; device ids point at their serial's entry). At 10^6 devices
 *     `chain status` peaks at 76.7 MiB, still over #12's 64 MiB. Meeting it
 *     needs the tables read from the mapped cache on first lookup (status
 *     never looks one up): not done.
 *   - Per run: the run's duplicate-id set (8-16 bytes a device,
 *     chain-issue.c) and two chunks of devices.
 *
 * The per-batch --csr-dir anomaly (December 2026: 332 devices/s and 296
 * MiB through `chain issue`, 863/s through the library, against ~2,000/s
 * for every other row) was not the layout: `perf record` and gdb on that
 * run put ~90% of its samples in libgit2's delta search, under
 * git_packbuilder_write() in chain_ledger_packer_consolidate(). The
 * ledger had just passed CHAIN_LEDGER_PACK_LIMIT packs, and the rows
 * that crossed it (in this bench's order, the two per-batch --csr-dir
 * ones) paid for a merge that re-deltified and re-compressed megabytes
 * of certificates.pem and manifest.csv against each other, for nothing:
 * the merged pack was the size of its parts. Big packs are now merged by
 * copying their entries (chain-ledger-pack-copy.c; unit-ledger checks
 * the merged pack is exactly those entries).
 *
 * Suspects the profile cleared: per-device JSON (the manifests are
 * streamed rows), loose objects (one record per 10,000 devices: ~305
 * bytes per device of ledger.git), fsync per file (one syncfs() per
 * chunk), key encryption per device (the KEK is derived once per run,
 * chain-issue-output.c; each key costs one AES-CBC pass), re-parsing
 * (chain-spki.c: certificates and CSRs parsed without OpenSSL 3.0's
 * per-call key decoder chain, which once cost more than signing).
 */
#include "chain.h"
#include "bench-support.h"
#include "bench-workspaces.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The passphrase of the bench's workspaces and device keys. */
#define PASSPHRASE "bench-issue passphrase"

static void
write_file (const char *path,
            const void *data,
            gsize       len)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, data, (gssize) len, &error))
    bench_die ("writing a file", error);
}

#define SOFTHSM_MODULE "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"
#define HSM_PIN "1234"

/* A manufacturer in DIR/cm-hsm whose CA (and officer) keys are in a
 * SoftHSM2 token of its own configuration under DIR. */
static ChainWorkspace *
make_hsm_workspace (const char     *dir,
                    ChainWorkspace *oem)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = bench_secret_new (PASSPHRASE);
  g_autoptr(ChainSecret) pin = chain_secret_new (HSM_PIN, strlen (HSM_PIN));
  g_autofree char *conf = g_build_filename (dir, "softhsm2.conf", NULL);
  g_autofree char *tokens = g_build_filename (dir, "tokens", NULL);
  g_autofree char *text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", tokens);
  g_autofree char *ws_dir = g_build_filename (dir, "cm-hsm", NULL);
  g_autofree char *request_path = g_build_filename (dir, "cm-hsm.request", NULL);
  g_autofree char *grant_path = g_build_filename (dir, "cm-hsm.grant", NULL);
  g_autoptr(ChainRequestFile) request = NULL;
  const char *init[] = { "softhsm2-util", "--init-token", "--free", "--label", "cm-hsm", "--so-pin", "12345678",
                         "--pin", HSM_PIN, NULL };
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  ChainWorkspace *ws;
  int status = 0;

  g_mkdir (tokens, 0700);
  write_file (conf, text, strlen (text));
  g_setenv ("SOFTHSM2_CONF", conf, TRUE);
  if (!g_spawn_sync (NULL, (char **) init, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, NULL, &status, &error) || status != 0)
    bench_die ("softhsm2-util --init-token", error);
  options.org = "Bench CM HSM";
  options.id = "cm-hsm";
  options.tier = "manufacturer";
  options.passphrase = passphrase;
  options.key_store = "pkcs11:token=cm-hsm;object=cm-hsm-ca?module-path=" SOFTHSM_MODULE;
  options.pin = pin;
  ws = chain_workspace_request (ws_dir, &options, request_path, NULL, &error);
  if (ws == NULL)
    bench_die ("chain_workspace_request (SoftHSM2)", error);
  request = chain_request_file_load (request_path, &error);
  if (request == NULL
      || !chain_workspace_delegate (oem, request, NULL, grant_path, &(ChainDelegateOutcome) { 0 }, NULL, &error)
      || !chain_workspace_accept (ws, grant_path, NULL, NULL, NULL, &error))
    bench_die ("delegating to the SoftHSM2 manufacturer", error);
  return ws;
}

typedef struct {
  double wall;       /* devices/s */
  double cpu;        /* devices per CPU-second */
  double rss_mib;    /* RSS high-water during the run, MiB (0: not measured) */
  double ledger;     /* ledger.git growth, bytes per device; negative when a pack
                      * merge during the run shrank it more than the run added */
  gboolean ledger_measured;
} Rate;

/* Runs @argv, dying unless it exits 0; returns its stdout. */
static char *
run (const char *const *argv,
     const char *const *env)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

      envp = g_environ_setenv (envp, kv[0], kv[1], TRUE);
    }
  if (!g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      fprintf (stderr, "bench-issue: %s failed: %s\n%s", argv[0], error != NULL ? error->message : "?",
               err != NULL ? err : "");
      exit (1);
    }
  return out;
}

typedef struct {
  guint64 total;
  double  started;
  double  issued_at;
} Clock;

static void
on_progress (guint64  issued,
             guint64  recorded,
             guint64  total,
             gpointer user_data)
{
  Clock *clock = user_data;

  (void) recorded;
  if (clock->issued_at == 0 && issued == clock->total && total == clock->total)
    clock->issued_at = bench_now ();
}

typedef struct {
  double issued;     /* devices/s until the last certificate was written */
  Rate   recorded;   /* until the last record landed */
} Rates;

static Rates
bench_library (ChainWorkspace   *ws,
               ChainIssueSource *source,
               const char       *out,
               ChainIssueLayout  layout,
               guint64           n,
               guint             jobs,
               guint             batch)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = bench_secret_new (PASSPHRASE);
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  ChainIssueDevicesOptions options = CHAIN_ISSUE_DEVICES_OPTIONS_INIT;
  Clock clock = { n, 0, 0 };
  Rates rates = { 0 };
  BenchRssSampler *sampler;
  double done;
  double cpu_started;

  options.output_dir = out;
  options.layout = layout;
  options.jobs = jobs;
  options.batch_size = batch;
  options.key_passphrase = passphrase;
  options.progress = on_progress;
  options.progress_data = &clock;
  sampler = bench_rss_sampler_start ();
  cpu_started = bench_cpu_seconds (RUSAGE_SELF);
  clock.started = bench_now ();
  if (!chain_issue_devices (ws, source, &options, summary, NULL, &error))
    bench_die ("chain_issue_devices", error);
  done = bench_now ();
  rates.recorded.rss_mib = (double) bench_rss_sampler_stop (sampler) / 1024;
  rates.recorded.cpu = (double) n / (bench_cpu_seconds (RUSAGE_SELF) - cpu_started);
  if (clock.issued_at == 0)
    clock.issued_at = done;
  rates.issued = (double) n / (clock.issued_at - clock.started);
  rates.recorded.wall = (double) n / (done - clock.started);
  return rates;
}

/* Runs @argv, dying unless it exits 0, sampling its RSS every 20 ms;
 * @out_usage gets its own resource usage (wait4()), @out_rss_mib the
 * larger of the sampled high-water and the kernel's ru_maxrss. */
static void
spawn_sampled (const char *const *argv,
               const char *const *env,
               struct rusage     *out_usage,
               double            *out_rss_mib)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  guint64 high_kib = 0;
  GPid pid = 0;
  int status = 0;
  pid_t done;

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);

      envp = g_environ_setenv (envp, kv[0], kv[1], TRUE);
    }
  if (!g_spawn_async (NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                      &pid, &error))
    bench_die (argv[0], error);
  memset (out_usage, 0, sizeof *out_usage);
  while ((done = wait4 (pid, &status, WNOHANG, out_usage)) == 0)
    {
      high_kib = MAX (high_kib, bench_rss_kib (pid));
      g_usleep (20000);
    }
  if (done != pid || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "bench-issue: %s failed (status %d)\n", argv[0], status);
      exit (1);
    }
  high_kib = MAX (high_kib, (guint64) out_usage->ru_maxrss);
  *out_rss_mib = (double) high_kib / 1024;
}

static Rate
bench_cli (const char        *chain_bin,
           const char        *ws_dir,
           const char *const *source_args,
           const char        *layout,
           const char        *out,
           guint64            n,
           guint              jobs,
           guint              batch)
{
  g_autofree char *jobs_text = g_strdup_printf ("%u", jobs);
  g_autofree char *batch_text = g_strdup_printf ("%u", batch);
  g_autofree char *passphrase_env = g_strdup_printf ("CHAIN_PASSPHRASE=%s", PASSPHRASE);
  /* The PIN only the SoftHSM2 manufacturer uses. */
  const char *env[] = { passphrase_env, "CHAIN_PIN=" HSM_PIN, NULL };
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *ledger = g_build_filename (ws_dir, "ledger.git", NULL);
  struct rusage usage;
  guint64 ledger_before;
  double started;
  Rate rate = { 0 };

  g_ptr_array_add (argv, (char *) chain_bin);
  g_ptr_array_add (argv, (char *) "-q");
  g_ptr_array_add (argv, (char *) "-C");
  g_ptr_array_add (argv, (char *) ws_dir);
  g_ptr_array_add (argv, (char *) "issue");
  for (guint i = 0; source_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) source_args[i]);
  g_ptr_array_add (argv, (char *) "-o");
  g_ptr_array_add (argv, (char *) out);
  g_ptr_array_add (argv, (char *) "-j");
  g_ptr_array_add (argv, jobs_text);
  g_ptr_array_add (argv, (char *) "--batch-size");
  g_ptr_array_add (argv, batch_text);
  g_ptr_array_add (argv, (char *) "--output-layout");
  g_ptr_array_add (argv, (char *) layout);
  g_ptr_array_add (argv, NULL);
  ledger_before = bench_disk_usage (ledger);
  started = bench_now ();
  spawn_sampled ((const char *const *) argv->pdata, env, &usage, &rate.rss_mib);
  rate.wall = (double) n / (bench_now () - started);
  rate.cpu = (double) n / ((double) usage.ru_utime.tv_sec + (double) usage.ru_utime.tv_usec / 1e6
                           + (double) usage.ru_stime.tv_sec + (double) usage.ru_stime.tv_usec / 1e6);
  /* Signed: a merge of the ledger's packs during the run can leave it
   * smaller than before, which unsigned arithmetic turned into ~10^19. */
  rate.ledger = ((double) bench_disk_usage (ledger) - (double) ledger_before) / (double) n;
  rate.ledger_measured = TRUE;
  return rate;
}

/* The openssl baseline's CA and device extensions, in @dir. */
static void
openssl_ca (const char *dir)
{
  g_autofree char *key = g_build_filename (dir, "ca.key", NULL);
  g_autofree char *cert = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *ext = g_build_filename (dir, "device.cnf", NULL);
  static const char ext_text[] =
    "[device]\n"
    "basicConstraints = critical, CA:FALSE\n"
    "keyUsage = critical, digitalSignature\n"
    "extendedKeyUsage = clientAuth\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid\n";
  const char *genpkey[] = { "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-out", key, NULL };
  const char *req[] = { "openssl", "req", "-x509", "-new", "-key", key, "-subj", "/CN=Bench CA/O=Bench",
                        "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE",
                        "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", cert, NULL };

  g_free (run (genpkey, NULL));
  g_free (run (req, NULL));
  write_file (ext, ext_text, strlen (ext_text));
}

/* One device the openssl way; with @csr_in, from that CSR only. */
static void
openssl_device (const char *dir,
                const char *pass_arg,
                guint64     i,
                const char *csr_in)
{
  g_autofree char *ca_key = g_build_filename (dir, "ca.key", NULL);
  g_autofree char *ca = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *ext = g_build_filename (dir, "device.cnf", NULL);
  g_autofree char *key = g_strdup_printf ("%s/dev-%06" G_GUINT64_FORMAT ".key", dir, i);
  g_autofree char *csr = g_strdup_printf ("%s/dev-%06" G_GUINT64_FORMAT ".csr", dir, i);
  g_autofree char *cert = g_strdup_printf ("%s/dev-%06" G_GUINT64_FORMAT ".pem", dir, i);
  g_autofree char *subject = g_strdup_printf ("/CN=dev-%06" G_GUINT64_FORMAT "/O=Bench", i);
  const char *genpkey[] = { "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-aes-256-cbc", "-pass", pass_arg, "-out", key, NULL };
  const char *req[] = { "openssl", "req", "-new", "-key", key, "-passin", pass_arg, "-subj", subject,
                        "-out", csr, NULL };
  const char *x509[] = { "openssl", "x509", "-req", "-in", csr_in != NULL ? csr_in : csr, "-CA", ca,
                         "-CAkey", ca_key, "-CAcreateserial", "-days", "365", "-sha256",
                         "-extfile", ext, "-extensions", "device", "-out", cert, NULL };

  if (csr_in == NULL)
    {
      g_free (run (genpkey, NULL));
      g_free (run (req, NULL));
    }
  g_free (run (x509, NULL));
}

static Rate
bench_openssl (const char *dir,
               const char *pass_arg,
               guint64     n,
               GPtrArray  *csrs)
{
  double started = bench_now ();
  double cpu_started = bench_cpu_seconds (RUSAGE_CHILDREN);
  Rate rate;

  for (guint64 i = 0; i < n; i++)
    openssl_device (dir, pass_arg, i, csrs != NULL ? g_ptr_array_index (csrs, i % csrs->len) : NULL);
  rate.wall = (double) n / (bench_now () - started);
  rate.cpu = (double) n / (bench_cpu_seconds (RUSAGE_CHILDREN) - cpu_started);
  return rate;
}

/* `openssl ca -engine pkcs11 -infiles` over @n of @csrs, with the token key
 * of DIR/cm-hsm: one process for all. */
static Rate
bench_openssl_ca_engine (const char *dir,
                         GPtrArray  *csrs,
                         guint64     n)
{
  g_autofree char *ca_dir = g_build_filename (dir, "openssl-ca", NULL);
  g_autofree char *conf = g_build_filename (ca_dir, "ca.cnf", NULL);
  g_autofree char *index = g_build_filename (ca_dir, "index.txt", NULL);
  g_autofree char *serial = g_build_filename (ca_dir, "serial", NULL);
  g_autofree char *certs = g_build_filename (ca_dir, "certs", NULL);
  g_autofree char *out = g_build_filename (ca_dir, "out.pem", NULL);
  g_autofree char *ca_cert = g_build_filename (dir, "cm-hsm", "certs", "ca.pem", NULL);
  g_autofree char *text = g_strdup_printf (
    "[ca]\ndefault_ca = bench\n[bench]\ndir = %s\ndatabase = %s\nserial = %s\nnew_certs_dir = %s\n"
    "default_md = sha256\ndefault_days = 365\npolicy = any\nunique_subject = no\n"
    "copy_extensions = none\nx509_extensions = device\n"
    "[any]\ncommonName = supplied\n"
    "[device]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
    "extendedKeyUsage = clientAuth\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n",
    ca_dir, index, serial, certs);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *env[] = { "PKCS11_MODULE_PATH=" SOFTHSM_MODULE, NULL };
  double cpu_started = bench_cpu_seconds (RUSAGE_CHILDREN);
  double started;
  g_autofree char *ignored = NULL;
  Rate rate;

  g_mkdir_with_parents (certs, 0700);
  write_file (conf, text, strlen (text));
  write_file (index, "", 0);
  write_file (serial, "01\n", 3);
  for (const char *const *a = (const char *const[]) {
         "openssl", "ca", "-batch", "-notext", "-preserveDN", "-config", NULL }; *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, conf);
  for (const char *const *a = (const char *const[]) {
         "-engine", "pkcs11", "-keyform", "engine",
         "-keyfile", "pkcs11:token=cm-hsm;object=cm-hsm-ca;type=private;pin-value=" HSM_PIN, "-cert", NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, ca_cert);
  g_ptr_array_add (argv, (gpointer) "-out");
  g_ptr_array_add (argv, out);
  g_ptr_array_add (argv, (gpointer) "-infiles");
  for (guint64 i = 0; i < n; i++)
    g_ptr_array_add (argv, g_ptr_array_index (csrs, i % csrs->len));
  g_ptr_array_add (argv, NULL);
  started = bench_now ();
  ignored = run ((const char *const *) argv->pdata, env);
  rate.wall = (double) n / (bench_now () - started);
  rate.cpu = (double) n / (bench_cpu_seconds (RUSAGE_CHILDREN) - cpu_started);
  return rate;
}

/* `openssl speed ecdsap256`: sign/s, from its last line. */
static double
openssl_sign_rate (guint jobs,
                   gint  seconds)
{
  g_autofree char *jobs_text = g_strdup_printf ("%u", jobs);
  g_autofree char *seconds_text = g_strdup_printf ("%d", seconds);
  const char *one[] = { "openssl", "speed", "-seconds", seconds_text, "ecdsap256", NULL };
  const char *multi[] = { "openssl", "speed", "-seconds", seconds_text, "-multi", jobs_text, "ecdsap256", NULL };
  g_autofree char *out = run (jobs > 1 ? multi : one, NULL);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  double rate = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *p = strstr (lines[i], "ecdsa (nistp256)");
      double figures[4] = { 0 };
      guint n_figures = 0;
      char *end = NULL;

      if (p == NULL)
        continue;
      /* "256 bits ecdsa (nistp256)   0.0000s   0.0001s  41610.1  13757.1":
       * sign/s is the second-to-last figure. */
      p += strlen ("ecdsa (nistp256)");
      while (*p != '\0' && n_figures < G_N_ELEMENTS (figures))
        {
          double v = g_ascii_strtod (p, &end);

          if (end == p)
            {
              p++;
              continue;
            }
          figures[n_figures++] = v;
          p = end;
          if (*p == 's')
            p++;
        }
      if (n_figures >= 2)
        rate = figures[n_figures - 2];
    }
  return rate;
}

/* One row of the table; a figure that was not measured is blank. */
static void
print_row (const char *what,
           Rate        rate,
           double      sign_all)
{
  char cpu[16] = "";
  char cpu_ms[16] = "";
  char rss[16] = "";
  char ledger[16] = "";
  char ratio[16] = "";

  if (rate.cpu > 0)
    {
      g_snprintf (cpu, sizeof cpu, "%.0f", rate.cpu);
      g_snprintf (cpu_ms, sizeof cpu_ms, "%.3f", 1000 / rate.cpu);
    }
  if (rate.rss_mib > 0)
    g_snprintf (rss, sizeof rss, "%.1f", rate.rss_mib);
  if (rate.ledger_measured)
    g_snprintf (ledger, sizeof ledger, "%.0f", rate.ledger);
  if (sign_all > 0)
    g_snprintf (ratio, sizeof ratio, "%.3f", rate.wall / sign_all);
  printf ("%-46s %9.*f %9s %9s %8s %7s %7s\n", what, rate.wall < 100 ? 1 : 0, rate.wall, cpu, cpu_ms, rss, ledger,
          ratio);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  gint64 n = 2000;
  gint64 m = 100;
  gint jobs = 0;
  gint batch = 0;
  g_autofree char *dir = NULL;
  g_autofree char *chain_bin = NULL;
  gboolean keep = FALSE;
  gboolean softhsm = FALSE;
  gint speed_seconds = 3;
  GOptionEntry entries[] = {
    { "devices", 'n', 0, G_OPTION_ARG_INT64, &n, "Devices per libchain run (default 2000)", "N" },
    { "openssl-devices", 'm', 0, G_OPTION_ARG_INT64, &m, "Devices for the openssl loop (default 100)", "N" },
    { "softhsm", 's', 0, G_OPTION_ARG_NONE, &softhsm, "Also with the CA key in a SoftHSM2 token, next to openssl ca -engine pkcs11", NULL },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Threads (default: the number of CPUs)", "N" },
    { "batch-size", 'b', 0, G_OPTION_ARG_INT, &batch, "Devices per record (default 10000)", "N" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "Work directory (default: a new temporary one)", "DIR" },
    { "chain", 'c', 0, G_OPTION_ARG_FILENAME, &chain_bin, "The chain binary (default: $CHAIN_BIN)", "PATH" },
    { "keep", 'k', 0, G_OPTION_ARG_NONE, &keep, "Keep the work directory", NULL },
    { "speed-seconds", 0, 0, G_OPTION_ARG_INT, &speed_seconds, "Seconds of each openssl speed run (default 3)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— devices/s for bulk issuance");
  g_autoptr(ChainWorkspace) oem = NULL;
  g_autoptr(ChainWorkspace) cm = NULL;
  g_autoptr(ChainIssueSource) count_source = NULL;
  g_autoptr(ChainIssueSource) csr_source = NULL;
  g_autoptr(GPtrArray) csr_paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *csrs = NULL;
  g_autofree char *cli_csrs_dir = NULL;
  g_autofree char *batch_csrs_dir = NULL;
  g_autofree char *cli_batch_csrs_dir = NULL;
  g_autofree char *hsm_cli_csrs_dir = NULL;
  g_autofree char *hsm_cli_batch_csrs_dir = NULL;
  g_autofree char *ossl = NULL;
  g_autofree char *pass_path = NULL;
  g_autofree char *pass_arg = NULL;
  g_autofree char *out = NULL;
  Rates lib_keys;
  Rates lib_csrs;
  Rates lib_keys_batch;
  Rates lib_csrs_batch;
  Rate cli_keys = { 0 };
  Rate cli_csrs = { 0 };
  Rate cli_keys_batch = { 0 };
  Rate cli_csrs_batch = { 0 };
  Rate ossl_keys;
  Rate ossl_csrs;
  Rates hsm_csrs = { 0 };
  Rate hsm_openssl = { 0 };
  Rate hsm_cli_csrs = { 0 };
  Rate hsm_cli_csrs_batch = { 0 };
  double sign_one;
  double sign_all;
  g_autofree char *load_average = NULL;
  g_autoptr(ChainSecret) passphrase = bench_secret_new (PASSPHRASE);

  g_set_prgname ("bench-issue");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_die ("options", error);
  if (n < 1 || m < 1 || speed_seconds < 1)
    bench_die ("options", NULL);
  if (jobs <= 0)
    jobs = (gint) g_get_num_processors ();
  if (batch <= 0)
    batch = CHAIN_ISSUE_DEFAULT_BATCH_SIZE;
  if (chain_bin == NULL && g_getenv ("CHAIN_BIN") != NULL)
    chain_bin = g_strdup (g_getenv ("CHAIN_BIN"));
  if (dir == NULL)
    dir = g_dir_make_tmp ("bench-issue-XXXXXX", &error);
  else if (g_mkdir_with_parents (dir, 0700) != 0)
    bench_die ("cannot create the work directory", NULL);
  if (dir == NULL)
    bench_die ("temporary directory", error);

  fprintf (stderr, "bench-issue: workspaces in %s\n", dir);
  cm = bench_make_workspaces (dir, passphrase, &oem);

  /* CSRs made beforehand, as devices would; the same again under other
   * file names (the device ids) for `chain issue`: the ledger refuses an
   * id whose certificate is in force. */
  csrs = g_build_filename (dir, "csrs", NULL);
  g_mkdir (csrs, 0700);
  cli_csrs_dir = g_build_filename (dir, "csrs-cli", NULL);
  g_mkdir (cli_csrs_dir, 0700);
  batch_csrs_dir = g_build_filename (dir, "csrs-batch", NULL);
  g_mkdir (batch_csrs_dir, 0700);
  cli_batch_csrs_dir = g_build_filename (dir, "csrs-cli-batch", NULL);
  g_mkdir (cli_batch_csrs_dir, 0700);
  hsm_cli_csrs_dir = g_build_filename (dir, "csrs-hsm-cli", NULL);
  g_mkdir (hsm_cli_csrs_dir, 0700);
  hsm_cli_batch_csrs_dir = g_build_filename (dir, "csrs-hsm-cli-batch", NULL);
  g_mkdir (hsm_cli_batch_csrs_dir, 0700);
  for (gint64 i = 0; i < n; i++)
    {
      g_autoptr(ChainKey) key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
      g_autofree char *cn = g_strdup_printf ("CN=csr-%06" G_GINT64_FORMAT, i);
      g_autoptr(ChainName) name = chain_name_parse (cn, &error);
      g_autoptr(ChainCsr) csr = key != NULL && name != NULL ? chain_csr_new (key, name, &error) : NULL;
      g_autoptr(GBytes) pem = NULL;
      char *path = g_strdup_printf ("%s/csr-%06" G_GINT64_FORMAT ".csr", csrs, i);
      g_autofree char *cli_path = g_strdup_printf ("%s/cli-csr-%06" G_GINT64_FORMAT ".csr", cli_csrs_dir, i);
      g_autofree char *batch_path = g_strdup_printf ("%s/bat-csr-%06" G_GINT64_FORMAT ".csr", batch_csrs_dir, i);
      g_autofree char *cli_batch_path = g_strdup_printf ("%s/clb-csr-%06" G_GINT64_FORMAT ".csr",
                                                         cli_batch_csrs_dir, i);

      if (csr == NULL)
        bench_die ("making CSRs", error);
      pem = chain_csr_to_pem (csr);
      write_file (path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
      write_file (cli_path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
      write_file (batch_path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
      write_file (cli_batch_path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
      if (softhsm && chain_bin != NULL)
        {
          g_autofree char *hsm_path = g_strdup_printf ("%s/hcd-csr-%06" G_GINT64_FORMAT ".csr", hsm_cli_csrs_dir, i);
          g_autofree char *hsm_batch_path = g_strdup_printf ("%s/hcb-csr-%06" G_GINT64_FORMAT ".csr",
                                                             hsm_cli_batch_csrs_dir, i);

          write_file (hsm_path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
          write_file (hsm_batch_path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
        }
      g_ptr_array_add (csr_paths, path);
    }

  fprintf (stderr, "bench-issue: library, keys made here\n");
  count_source = chain_issue_source_new_count ("lib-", 1, (guint64) n, &error);
  out = g_build_filename (dir, "out-lib-keys", NULL);
  lib_keys = bench_library (cm, count_source, out, CHAIN_ISSUE_LAYOUT_PER_DEVICE, (guint64) n, (guint) jobs,
                            (guint) batch);
  fprintf (stderr, "bench-issue: library, from CSRs\n");
  csr_source = chain_issue_source_new_csr_dir (csrs, CHAIN_ISSUE_CSR_ID_FILE_NAME, &error);
  if (csr_source == NULL)
    bench_die ("CSR source", error);
  g_free (out);
  out = g_build_filename (dir, "out-lib-csrs", NULL);
  lib_csrs = bench_library (cm, csr_source, out, CHAIN_ISSUE_LAYOUT_PER_DEVICE, (guint64) n, (guint) jobs,
                            (guint) batch);

  /* The same, per batch: a certificate file and a key file a batch. */
  fprintf (stderr, "bench-issue: library, keys made here, per batch\n");
  g_clear_pointer (&count_source, chain_issue_source_free);
  count_source = chain_issue_source_new_count ("lib-batch-", 1, (guint64) n, &error);
  g_free (out);
  out = g_build_filename (dir, "out-lib-keys-batch", NULL);
  lib_keys_batch = bench_library (cm, count_source, out, CHAIN_ISSUE_LAYOUT_PER_BATCH, (guint64) n, (guint) jobs,
                                  (guint) batch);
  fprintf (stderr, "bench-issue: library, from CSRs, per batch\n");
  g_clear_pointer (&csr_source, chain_issue_source_free);
  csr_source = chain_issue_source_new_csr_dir (batch_csrs_dir, CHAIN_ISSUE_CSR_ID_FILE_NAME, &error);
  if (csr_source == NULL)
    bench_die ("CSR source", error);
  g_free (out);
  out = g_build_filename (dir, "out-lib-csrs-batch", NULL);
  lib_csrs_batch = bench_library (cm, csr_source, out, CHAIN_ISSUE_LAYOUT_PER_BATCH, (guint64) n, (guint) jobs,
                                  (guint) batch);

  if (chain_bin != NULL)
    {
      g_autofree char *cm_dir = g_build_filename (dir, "cm", NULL);
      g_autofree char *n_text = g_strdup_printf ("%" G_GINT64_FORMAT, n);
      const char *count_args[] = { "--count", n_text, "--prefix", "cli-", NULL };
      const char *csr_args[] = { "--csr-dir", cli_csrs_dir, NULL };
      const char *count_batch_args[] = { "--count", n_text, "--prefix", "clb-", NULL };
      const char *csr_batch_args[] = { "--csr-dir", cli_batch_csrs_dir, NULL };

      /* The CLI opens the workspace itself: let go of ours first. */
      g_clear_pointer (&cm, chain_workspace_free);
      fprintf (stderr, "bench-issue: chain issue, keys made here\n");
      g_free (out);
      out = g_build_filename (dir, "out-cli-keys", NULL);
      cli_keys = bench_cli (chain_bin, cm_dir, count_args, "per-device", out, (guint64) n, (guint) jobs,
                            (guint) batch);
      fprintf (stderr, "bench-issue: chain issue, from CSRs\n");
      g_free (out);
      out = g_build_filename (dir, "out-cli-csrs", NULL);
      cli_csrs = bench_cli (chain_bin, cm_dir, csr_args, "per-device", out, (guint64) n, (guint) jobs,
                            (guint) batch);
      fprintf (stderr, "bench-issue: chain issue, keys made here, per batch\n");
      g_free (out);
      out = g_build_filename (dir, "out-cli-keys-batch", NULL);
      cli_keys_batch = bench_cli (chain_bin, cm_dir, count_batch_args, "per-batch", out, (guint64) n, (guint) jobs,
                                  (guint) batch);
      fprintf (stderr, "bench-issue: chain issue, from CSRs, per batch\n");
      g_free (out);
      out = g_build_filename (dir, "out-cli-csrs-batch", NULL);
      cli_csrs_batch = bench_cli (chain_bin, cm_dir, csr_batch_args, "per-batch", out, (guint64) n, (guint) jobs,
                                  (guint) batch);
    }

  if (softhsm)
    {
      g_autoptr(ChainWorkspace) hsm = NULL;
      g_autoptr(ChainIssueSource) hsm_source = NULL;

      fprintf (stderr, "bench-issue: library, from CSRs, CA key in SoftHSM2\n");
      if (oem == NULL)
        bench_die ("the OEM workspace is gone", NULL);
      hsm = make_hsm_workspace (dir, oem);
      hsm_source = chain_issue_source_new_csr_dir (csrs, CHAIN_ISSUE_CSR_ID_FILE_NAME, &error);
      if (hsm_source == NULL)
        bench_die ("CSR source", error);
      g_free (out);
      out = g_build_filename (dir, "out-hsm-csrs", NULL);
      hsm_csrs = bench_library (hsm, hsm_source, out, CHAIN_ISSUE_LAYOUT_PER_BATCH, (guint64) n, (guint) jobs,
                                (guint) batch);
      g_clear_pointer (&hsm, chain_workspace_free);
      if (chain_bin != NULL)
        {
          g_autofree char *hsm_dir = g_build_filename (dir, "cm-hsm", NULL);
          const char *hsm_batch_args[] = { "--csr-dir", hsm_cli_batch_csrs_dir, NULL };
          const char *hsm_args[] = { "--csr-dir", hsm_cli_csrs_dir, NULL };

          fprintf (stderr, "bench-issue: chain issue, from CSRs, CA key in SoftHSM2, per batch\n");
          g_free (out);
          out = g_build_filename (dir, "out-hsm-cli-csrs-batch", NULL);
          hsm_cli_csrs_batch = bench_cli (chain_bin, hsm_dir, hsm_batch_args, "per-batch", out, (guint64) n,
                                          (guint) jobs, (guint) batch);
          fprintf (stderr, "bench-issue: chain issue, from CSRs, CA key in SoftHSM2\n");
          g_free (out);
          out = g_build_filename (dir, "out-hsm-cli-csrs", NULL);
          hsm_cli_csrs = bench_cli (chain_bin, hsm_dir, hsm_args, "per-device", out, (guint64) n, (guint) jobs,
                                    (guint) batch);
        }
      fprintf (stderr, "bench-issue: openssl ca -engine pkcs11 -infiles\n");
      hsm_openssl = bench_openssl_ca_engine (dir, csr_paths, (guint64) m);
    }

  fprintf (stderr, "bench-issue: openssl command line\n");
  ossl = g_build_filename (dir, "openssl", NULL);
  g_mkdir (ossl, 0700);
  openssl_ca (ossl);
  pass_path = g_build_filename (ossl, "passphrase", NULL);
  write_file (pass_path, PASSPHRASE, strlen (PASSPHRASE));
  g_chmod (pass_path, 0600);
  pass_arg = g_strconcat ("file:", pass_path, NULL);
  ossl_keys = bench_openssl (ossl, pass_arg, (guint64) m, NULL);
  ossl_csrs = bench_openssl (ossl, pass_arg, (guint64) m, csr_paths);

  fprintf (stderr, "bench-issue: openssl speed ecdsap256\n");
  if (!g_file_get_contents ("/proc/loadavg", &load_average, NULL, NULL))
    load_average = g_strdup ("?\n");
  sign_one = openssl_sign_rate (1, speed_seconds);
  sign_all = jobs > 1 ? openssl_sign_rate ((guint) jobs, speed_seconds) : sign_one;

  printf ("bench-issue: %" G_GINT64_FORMAT " devices (openssl loop: %" G_GINT64_FORMAT "), %d jobs, %d per record, %u CPUs\n",
          n, m, jobs, batch, g_get_num_processors ());
  printf ("%-46s %9s %9s %9s %8s %7s %7s\n", "", "devices/s", "per CPU-s", "CPU-ms/dv", "RSS MiB", "B/dev",
          "x speed");
  print_row ("libchain, keys made here: signed + files", (Rate) { .wall = lib_keys.issued }, sign_all);
  print_row ("libchain, keys made here: + ledger records", lib_keys.recorded, sign_all);
  print_row ("libchain, from CSRs: signed + files", (Rate) { .wall = lib_csrs.issued }, sign_all);
  print_row ("libchain, from CSRs: + ledger records", lib_csrs.recorded, sign_all);
  print_row ("per batch, keys made here: signed", (Rate) { .wall = lib_keys_batch.issued }, sign_all);
  print_row ("per batch, keys made here: + records, files", lib_keys_batch.recorded, sign_all);
  print_row ("per batch, from CSRs: signed", (Rate) { .wall = lib_csrs_batch.issued }, sign_all);
  print_row ("per batch, from CSRs: + records, files", lib_csrs_batch.recorded, sign_all);
  if (chain_bin != NULL)
    {
      print_row ("chain issue --count (whole command)", cli_keys, sign_all);
      print_row ("chain issue --csr-dir (whole command)", cli_csrs, sign_all);
      print_row ("chain issue --count, per batch", cli_keys_batch, sign_all);
      print_row ("chain issue --csr-dir, per batch", cli_csrs_batch, sign_all);
    }
  else
    printf ("%-46s %9s\n", "chain issue (no -c or $CHAIN_BIN)", "-");
  if (softhsm)
    {
      print_row ("SoftHSM2 CA, CSRs, per batch: signed", (Rate) { .wall = hsm_csrs.issued }, sign_all);
      print_row ("SoftHSM2 CA, CSRs, per batch: + records", hsm_csrs.recorded, sign_all);
      if (chain_bin != NULL)
        {
          print_row ("SoftHSM2 CA: chain issue --csr-dir, per batch", hsm_cli_csrs_batch, sign_all);
          print_row ("SoftHSM2 CA: chain issue --csr-dir", hsm_cli_csrs, sign_all);
        }
      print_row ("openssl ca -engine pkcs11 -infiles (SoftHSM2)", hsm_openssl, sign_all);
    }
  print_row ("openssl genpkey + req + x509 -req, a loop", ossl_keys, sign_all);
  print_row ("openssl x509 -req from CSRs, a loop", ossl_csrs, sign_all);
  printf ("%-46s %9.0f\n", "openssl speed ecdsap256 sign/s, 1 core", sign_one);
  printf ("%-46s %9.0f\n", "openssl speed -multi ecdsap256 sign/s, all jobs", sign_all);
  printf ("x speed: devices/s over the -multi sign/s of the same run (goal >= 0.4);\n"
          "CPU-ms/dv and per CPU-s over 1-core sign/s (%.0f) say the same without the load.\n", sign_one);
  printf ("load average (1, 5, 15 min) before openssl speed: %s", load_average);

  g_clear_pointer (&cm, chain_workspace_free);
  g_clear_pointer (&oem, chain_workspace_free);
  if (!keep)
    bench_remove_tree (dir);
  return 0;
}
