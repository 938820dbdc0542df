/* chain-issue.h — device certificates in bulk, recorded as device batches
 *
 * chain_issue_devices() issues one certificate per device id that a
 * ChainIssueSource yields (a count with a prefix, a file or stream of ids,
 * or a directory of CSRs made on the devices), writes each device's files
 * into an output directory, and records every chunk of at most
 * batch_size devices as one `device-batch` record (manifest.csv and
 * certificates.pem, see docs/ledger-format.md).
 *
 * The output directory, for device ID:
 *
 *   DIR/ID/cert.pem      the device certificate
 *   DIR/ID/chain.pem     the certificate, then the CAs above it up to, not
 *                        including, the CA uploaded to the cloud (by
 *                        default the root; include_root adds it)
 *   DIR/ID/key.pem       keys made here only: encrypted PKCS#8 (see
 *                        %CHAIN_ISSUE_KEY_ITERATIONS), mode 0600
 *   DIR/ID/device.p12    with pkcs12: key, certificate and chain, 0600
 *   DIR/manifest.csv     device_id,serial,cert_sha256,public_key_sha256,
 *                        record,cert,chain,key,pkcs12 (paths relative to
 *                        DIR, empty when absent), one line per device
 *   DIR/manifest.json    the same as one JSON document, with the records
 *
 * Or, with %CHAIN_ISSUE_LAYOUT_PER_BATCH, a few files per batch (N is the
 * batch's number in the run, from 000001), for a line that loads devices
 * in bulk:
 *
 *   DIR/batch-N.pem      the batch's device certificates, in manifest
 *                        order
 *   DIR/batch-N.key.pem  keys made here only: the devices' keys in the
 *                        same order, each the encrypted PKCS#8 PEM a
 *                        key.pem would hold, mode 0600
 *   DIR/ca-chain.pem     the CAs above the devices, what chain.pem carries
 *                        after the leaf
 *   DIR/manifest.csv     as above; cert, chain and key name these files,
 *   DIR/manifest.json    and manifest.json adds each device's "index" in
 *                        its batch (from 0)
 *
 * Device directories, and DIR when this call creates it, are 0700 when
 * keys are made here, else 0755. DIR must not exist or be empty; runs
 * never write into a directory with content, so two runs cannot mix.
 *
 * Safety:
 *
 * - Everything that can be checked before anything is issued is checked
 *   first: the workspace may issue devices (tier, threshold, CA key
 *   unlocked), the algorithm and validity are within the policy and the
 *   CA's validity, and the whole input is read once: every id follows the
 *   policy's device id rules and appears once, every CSR parses, carries
 *   an accepted key and an algorithm the policy allows. Only a stream (a
 *   pipe) cannot be read twice: it is checked one chunk at a time, each
 *   chunk before it is issued, so an error in chunk k leaves chunks 1..k-1
 *   issued and recorded.
 * - A chunk's files are written under DIR/.staging~N and moved into place
 *   only after its record has landed in the ledger: DIR never holds a
 *   certificate the ledger does not know. If recording fails, the chunk's
 *   files are deleted.
 * - A run killed outright (SIGKILL, power loss) leaves its journal; the
 *   next command that opens the workspace reports it, and the next that
 *   unlocks it finishes it: see chain_issue_recover().
 * - Memory stays flat in the number of devices: at most two chunks are
 *   held (one being issued while the one before is recorded), plus 16
 *   bytes per device id to find duplicates (none for a count and prefix,
 *   whose ids are distinct by construction).
 * - Cancelling (the CLI does on SIGINT, SIGTERM and SIGHUP) stops at the next
 *   device: the chunk being issued is discarded, a chunk already issued is
 *   still recorded, and the summary says what was.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

#include "chain-cert.h"
#include "chain-key.h"
#include "chain-secret.h"
#include "chain-workspace.h"

G_BEGIN_DECLS

/** Devices per `device-batch` record unless the options say otherwise. */
#define CHAIN_ISSUE_DEFAULT_BATCH_SIZE 10000

/** Most devices one record may hold here: keeps a chunk's certificates.pem
 * (about 800 bytes a device) well below the ledger's artifact cap. */
#define CHAIN_ISSUE_MAX_BATCH_SIZE 1000000

/**
 * CHAIN_ISSUE_KEY_ITERATIONS:
 *
 * PBKDF2-HMAC-SHA256 iterations protecting each key.pem (PKCS#8 PBES2,
 * AES-256-CBC; `openssl pkey` reads it). A run derives the AES key once
 * from the passphrase and one random salt, and encrypts every device key
 * under it with a fresh random IV: every file is standard PBES2, yet the
 * run pays for the derivation once instead of per device. Sharing the
 * salt costs nothing: all keys of a run share the passphrase, so one
 * guessed passphrase opens them all whatever the salts, and a random salt
 * per run still defeats precomputed tables. That makes a high count
 * affordable here; a reader pays it per file (about 50 ms), once.
 */
#define CHAIN_ISSUE_KEY_ITERATIONS 100000

/**
 * CHAIN_ISSUE_PKCS12_MAC_ITERATIONS:
 *
 * Iterations of the PKCS#12 MAC key derivation in each device.p12, which
 * OpenSSL runs per file (2048, as `openssl pkcs12 -export`). The key bag
 * inside is the same PBES2 blob as key.pem, but the MAC lets a guessed
 * passphrase be tested at this lower cost, as with any PKCS#12 file:
 * keep device.p12 as private as key.pem (it is 0600) and use a strong
 * passphrase for it.
 */
#define CHAIN_ISSUE_PKCS12_MAC_ITERATIONS 2048

/* ---- Where the device ids come from --------------------------------------- */

typedef struct _ChainIssueSource ChainIssueSource;

/**
 * CHAIN_ISSUE_MAX_COUNT:
 *
 * Most devices one run of a count may issue: 100 million, a day or more of
 * signing on a large machine and a hundred times what one DPS instance
 * takes. A typo (an extra digit or three) is refused up front instead of
 * running for days; a larger run is several runs with --start.
 */
#define CHAIN_ISSUE_MAX_COUNT G_GUINT64_CONSTANT (100000000)

/**
 * chain_issue_source_new_count:
 * @prefix: put before each number; may be empty.
 * @first: the first number, at least 1 (1 for PREFIX000001 ...).
 * @count: how many devices, 1 to %CHAIN_ISSUE_MAX_COUNT.
 * @error: CHAIN_ERROR_INVALID_INPUT when @count is 0 or above
 *   %CHAIN_ISSUE_MAX_COUNT, or the numbers would overflow.
 *
 * Ids @prefix + the numbers @first .. @first + @count - 1, zero-padded to
 * the width of the largest (@count when @first is 1).
 *
 * Returns: (transfer full) (nullable): the source.
 */
CHAIN_PUBLIC
ChainIssueSource *chain_issue_source_new_count (const char *prefix,
                                                guint64     first,
                                                guint64     count,
                                                GError    **error);

/**
 * chain_issue_source_new_ids_file:
 * @path: a text file: one id a line (LF or CRLF); empty lines and lines
 *   starting with '#' are skipped; lines longer than 1024 bytes refused.
 * @error: CHAIN_ERROR_NOT_FOUND, CHAIN_ERROR_IO.
 *
 * A regular file is read twice: checked whole, then issued. Anything else
 * (a FIFO, /dev/stdin) is read once, as chain_issue_source_new_ids_stream().
 *
 * Returns: (transfer full) (nullable): the source.
 */
CHAIN_PUBLIC
ChainIssueSource *chain_issue_source_new_ids_file (const char *path,
                                                   GError    **error);

/**
 * chain_issue_source_new_ids_stream:
 * @stream: ids as chain_issue_source_new_ids_file() reads them; the
 *   source keeps a reference and reads it from the issuing thread.
 * @name: (nullable): what to call it in messages; %NULL for "stdin".
 *
 * Read once; checked one chunk at a time (see the file comment).
 *
 * Returns: (transfer full): the source.
 */
CHAIN_PUBLIC
ChainIssueSource *chain_issue_source_new_ids_stream (GInputStream *stream,
                                                     const char   *name);

/**
 * ChainIssueCsrId:
 * @CHAIN_ISSUE_CSR_ID_FILE_NAME: the device id is the CSR's file name
 *   without its .csr, .pem or .der suffix.
 * @CHAIN_ISSUE_CSR_ID_CN: the device id is the CN of the CSR's subject.
 */
typedef enum {
  CHAIN_ISSUE_CSR_ID_FILE_NAME,
  CHAIN_ISSUE_CSR_ID_CN,
} ChainIssueCsrId;

/**
 * chain_issue_source_new_csr_dir:
 * @path: a directory of CSRs (PEM or DER, one per file, at most
 *   %CHAIN_INPUT_MAX_LEN bytes): the files named *.csr, *.pem or *.der;
 *   other files, subdirectories and names starting with '.' are ignored.
 * @id_from: where each device's id comes from.
 * @error: CHAIN_ERROR_NOT_FOUND, CHAIN_ERROR_IO.
 *
 * Only the CSR's public key is certified; its subject is ignored (the
 * device's subject is the CA's name with CN = the id). The directory is
 * read in directory order; the manifests give the order issued.
 *
 * Returns: (transfer full) (nullable): the source.
 */
CHAIN_PUBLIC
ChainIssueSource *chain_issue_source_new_csr_dir (const char      *path,
                                                  ChainIssueCsrId  id_from,
                                                  GError         **error);

/** Returns: whether the source yields CSRs (no keys are made here then). */
CHAIN_PUBLIC
gboolean chain_issue_source_has_csrs (const ChainIssueSource *self);

/** chain_issue_source_free: NULL-safe. */
CHAIN_PUBLIC
void chain_issue_source_free (ChainIssueSource *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainIssueSource, chain_issue_source_free)

/* ---- Options --------------------------------------------------------------- */

/**
 * ChainIssueProgressFunc:
 * @issued: certificates signed so far in this run; never decreases (a
 *   discarded chunk's stay counted).
 * @recorded: devices whose records have landed.
 * @total: devices in the input, or 0 while unknown (a stream).
 * @user_data: the options' progress_data.
 */
typedef void (*ChainIssueProgressFunc) (guint64  issued,
                                        guint64  recorded,
                                        guint64  total,
                                        gpointer user_data);

/**
 * ChainIssueLayout:
 * @CHAIN_ISSUE_LAYOUT_PER_DEVICE: a directory per device (cert.pem,
 *   chain.pem, key.pem, device.p12).
 * @CHAIN_ISSUE_LAYOUT_PER_BATCH: one certificate file and one key file per
 *   batch, in manifest order, and one ca-chain.pem (no PKCS#12).
 *
 * How the output directory is laid out; see the top of this file.
 */
typedef enum {
  CHAIN_ISSUE_LAYOUT_PER_DEVICE,
  CHAIN_ISSUE_LAYOUT_PER_BATCH,
} ChainIssueLayout;

#define CHAIN_ISSUE_DEVICES_OPTIONS_VERSION 1

/**
 * ChainIssueDevicesOptions:
 * @version: %CHAIN_ISSUE_DEVICES_OPTIONS_VERSION.
 * @output_dir: where the files go; must not exist, or be empty.
 * @algorithm: keys made here (not for CSRs); must be allowed by the policy.
 * @validity_days: device certificate lifetime from now; 0 for the longest
 *   the policy and the CA chain allow. Beyond either it is refused.
 * @batch_size: devices per record, 1 to %CHAIN_ISSUE_MAX_BATCH_SIZE; 0
 *   for %CHAIN_ISSUE_DEFAULT_BATCH_SIZE.
 * @jobs: threads issuing; 0 for the number of CPUs.
 * @include_root: chain.pem and device.p12 also carry the uploaded CA.
 * @upload_ca: (nullable): the CA the cloud trusts, one of the issuing CA's
 *   chain; chain.pem stops below it. %NULL for the root.
 * @pkcs12: also write device.p12 (keys made here only).
 * @key_passphrase: (nullable): encrypts key.pem and device.p12, at least 8
 *   bytes; required when keys are made here.
 * @progress: (nullable): called now and then from the thread running the
 *   issuance (the async variant relays it to the caller's main context).
 * @progress_data: for @progress.
 * @layout: the output's layout (default %CHAIN_ISSUE_LAYOUT_PER_DEVICE);
 *   %CHAIN_ISSUE_LAYOUT_PER_BATCH does not go with @pkcs12.
 *
 * Initialise with %CHAIN_ISSUE_DEVICES_OPTIONS_INIT, then set what differs.
 */
typedef struct {
  guint                   version;
  const char             *output_dir;
  ChainKeyAlgorithm       algorithm;
  gint64                  validity_days;
  guint                   batch_size;
  guint                   jobs;
  gboolean                include_root;
  ChainCert              *upload_ca;
  gboolean                pkcs12;
  const ChainSecret      *key_passphrase;
  ChainIssueProgressFunc  progress;
  gpointer                progress_data;
  ChainIssueLayout        layout;
} ChainIssueDevicesOptions;

#define CHAIN_ISSUE_DEVICES_OPTIONS_INIT \
  { CHAIN_ISSUE_DEVICES_OPTIONS_VERSION, NULL, CHAIN_KEY_ALGORITHM_EC_P256, 0, 0, 0, FALSE, NULL, \
    FALSE, NULL, NULL, NULL, CHAIN_ISSUE_LAYOUT_PER_DEVICE }

/* ---- What happened --------------------------------------------------------- */

typedef struct _ChainIssueSummary ChainIssueSummary;

/** Returns: (transfer full): an empty summary for chain_issue_devices() to fill. */
CHAIN_PUBLIC
ChainIssueSummary *chain_issue_summary_new (void);

/** Returns: devices issued and recorded (their files in place). */
CHAIN_PUBLIC
guint64 chain_issue_summary_get_n_issued (const ChainIssueSummary *self);

/** Returns: how many device-batch records the run appended. */
CHAIN_PUBLIC
guint chain_issue_summary_get_n_records (const ChainIssueSummary *self);

/**
 * chain_issue_summary_get_record:
 * @self: a summary.
 * @index: below chain_issue_summary_get_n_records().
 * @out_seq: (out) (optional): the record's sequence number.
 * @out_count: (out) (optional): devices in it.
 * @out_first_id: (out) (optional) (transfer none): its first device id.
 * @out_last_id: (out) (optional) (transfer none): its last device id.
 */
CHAIN_PUBLIC
void chain_issue_summary_get_record (const ChainIssueSummary *self,
                                     guint                    index,
                                     guint64                 *out_seq,
                                     guint64                 *out_count,
                                     const char             **out_first_id,
                                     const char             **out_last_id);

/** Returns: (transfer none) (nullable): the issuing CA's thumbprint
 * (lower-case hex SHA-256), once known. */
CHAIN_PUBLIC
const char *chain_issue_summary_get_issuer (const ChainIssueSummary *self);

/** Returns: (transfer none) (nullable): DIR/manifest.csv, once written. */
CHAIN_PUBLIC
const char *chain_issue_summary_get_manifest_csv (const ChainIssueSummary *self);

/** Returns: (transfer none) (nullable): DIR/manifest.json, once written. */
CHAIN_PUBLIC
const char *chain_issue_summary_get_manifest_json (const ChainIssueSummary *self);

/** Returns: whether the whole input was issued. */
CHAIN_PUBLIC
gboolean chain_issue_summary_is_complete (const ChainIssueSummary *self);

/** chain_issue_summary_free: NULL-safe. */
CHAIN_PUBLIC
void chain_issue_summary_free (ChainIssueSummary *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainIssueSummary, chain_issue_summary_free)

/* ---- Issuing --------------------------------------------------------------- */

/**
 * chain_issue_devices:
 * @workspace: a joined workspace unlocked with its CA key, of a tier that
 *   issues devices; used by this call alone until it returns.
 * @source: the device ids; read once (a stream) or twice (files,
 *   directories: checked whole first).
 * @options: see #ChainIssueDevicesOptions.
 * @summary: (nullable): filled as records land — also when the call fails
 *   or is cancelled, so the caller can say what was issued.
 * @cancellable: (nullable): stops the run (see the file comment).
 * @error: CHAIN_ERROR_INVALID_INPUT (a bad id, duplicate id or CSR,
 *   naming the line or file; bad options), CHAIN_ERROR_REFUSED (the policy
 *   or the CA forbids it: tier, algorithm, validity, threshold; or the
 *   ledger's rules refuse the record), CHAIN_ERROR_EXISTS (output directory
 *   not empty), CHAIN_ERROR_PASSPHRASE, CHAIN_ERROR_IO,
 *   G_IO_ERROR_CANCELLED.
 *
 * Issues, writes and records the devices @source yields.
 *
 * Returns: %TRUE when every device was issued and recorded.
 */
CHAIN_PUBLIC
gboolean chain_issue_devices (ChainWorkspace                 *workspace,
                              ChainIssueSource               *source,
                              const ChainIssueDevicesOptions *options,
                              ChainIssueSummary              *summary,
                              GCancellable                   *cancellable,
                              GError                        **error);

/**
 * chain_issue_devices_async:
 * As chain_issue_devices(), in a worker thread; @workspace, @source,
 * @summary and what @options points to must stay alive and untouched
 * until @callback has run. Progress is reported in the thread-default
 * main context of the caller.
 */
CHAIN_PUBLIC
void chain_issue_devices_async (ChainWorkspace                 *workspace,
                                ChainIssueSource               *source,
                                const ChainIssueDevicesOptions *options,
                                ChainIssueSummary              *summary,
                                GCancellable                   *cancellable,
                                GAsyncReadyCallback             callback,
                                gpointer                        user_data);

/**
 * chain_issue_devices_finish:
 * @workspace: the workspace given to chain_issue_devices_async().
 * @result: the result passed to the callback.
 * @error: as chain_issue_devices().
 *
 * Returns: as chain_issue_devices().
 */
CHAIN_PUBLIC
gboolean chain_issue_devices_finish (ChainWorkspace  *workspace,
                                     GAsyncResult    *result,
                                     GError         **error);

/**
 * ChainIssueRecoverFunc:
 * @message: one line saying what a dead run left and what was done with it.
 * @data: the caller's.
 */
typedef void (*ChainIssueRecoverFunc) (const char *message,
                                       gpointer    data);

/**
 * chain_issue_recover:
 * @workspace: an open workspace; unlocked when @finish.
 * @finish: record, publish or delete what dead runs left; else only report it.
 * @report: called once per dead run that left certificates.
 * @report_data: for @report.
 * @error: what chain_workspace_commit() sets, CHAIN_ERROR_IO.
 *
 * Finds the runs of chain_issue_devices() that died (killed, power lost)
 * and accounts for every certificate they signed: each one the ledger
 * records is moved into its output directory and manifest.csv; each one it
 * does not is recorded in one device-batch record, then moved; what cannot
 * be recorded (unreadable, its id in force) is deleted. See "Issuing runs
 * that die" in docs/ledger-format.md. Runs still alive are left alone.
 * Any command that unlocks the workspace calls this before its own work.
 *
 * Returns: %TRUE unless finishing failed; the dead run is then kept.
 */
CHAIN_PUBLIC
gboolean chain_issue_recover (ChainWorkspace        *workspace,
                              gboolean               finish,
                              ChainIssueRecoverFunc  report,
                              gpointer               report_data,
                              GError               **error);

G_END_DECLS
