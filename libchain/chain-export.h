/* chain-export.h — what a cloud wants: upload files, scripts, proof of possession
 *
 * An export hands one CA of the ledger to one target:
 *
 *   pem           ca.pem, chain.pem (the CA and every CA above it, root
 *                 last) and mosquitto.conf, a listener that trusts the CA
 *   azure-iothub  ca.pem, ca.cer (base-64, CRLF: what the portal offers)
 *                 and upload.sh (az iot hub certificate create/verify)
 *   azure-dps     the same, enrollment-group.json (the DPS service API's
 *                 enrollment group, X.509 CA reference) and upload.sh (az iot
 *                 dps certificate create/verify, enrollment-group create)
 *   aws-iot       ca.pem, jitp-template.json (a just-in-time provisioning
 *                 template), registration-config.json (what
 *                 `aws iot register-ca-certificate --registration-config`
 *                 reads) and upload.sh
 *
 * With a verification code the export also holds verification.pem, a
 * proof-of-possession certificate (CN = the code, signed by exactly the
 * exported CA). The ledger records it with a `pop` record of its own:
 * an export record may only carry CA certificates of the ledger.
 *
 * The GUI's export dialog calls chain_workspace_prepare_export() (files
 * and pre-flight warnings, nothing written), shows them, then
 * chain_workspace_write_export() records and writes exactly those files.
 *
 * Pre-flight warnings (what the cloud would refuse later), each with a
 * stable id:
 *   azure.ca-limit      more than 25 distinct CAs exported to the target:
 *                       one IoT hub or DPS instance holds at most 25
 *   chain.depth         a device-issuing CA sits more than
 *                       CHAIN_EXPORT_MAX_INTERMEDIATES CAs below the
 *                       exported one: many device TLS stacks cannot send
 *                       that many intermediates
 *   device-id.length    a device id (the leaf CN) over 64 characters
 *   device-id.iot-hub   a device id IoT Hub would refuse
 *   dps.registration-id a device id that is no DPS registration id (DPS
 *                       wants lower case)
 *   aws.key             a key AWS IoT refuses (RSA below 2048 bits, other
 *                       curves)
 *   aws.signature       a signature hash weaker than SHA-256
 *   aws.issuing-ca      the exported CA signs no devices itself; AWS IoT
 *                       expects the CA that issued the device certificates
 *   aws.thing-name      a device id that is no AWS thing name (the JITP
 *                       template names the thing after the CN)
 *   ca.expiring         the CA expires within 90 days
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

#include "chain-cert.h"
#include "chain-workspace.h"

G_BEGIN_DECLS

/** Azure IoT Hub and DPS hold at most this many CA certificates each. */
#define CHAIN_EXPORT_AZURE_MAX_CAS 25

/** More intermediates than this between a device and the uploaded CA draw a warning. */
#define CHAIN_EXPORT_MAX_INTERMEDIATES 3

/** The longest a proof-of-possession code may be (it becomes a CN). */
#define CHAIN_EXPORT_CODE_MAX_LEN 64

/** AWS IoT registration codes are this many hex digits. */
#define CHAIN_EXPORT_AWS_CODE_LEN 64

typedef enum {
  CHAIN_EXPORT_TARGET_INVALID = 0,
  CHAIN_EXPORT_TARGET_PEM,
  CHAIN_EXPORT_TARGET_AZURE_IOTHUB,
  CHAIN_EXPORT_TARGET_AZURE_DPS,
  CHAIN_EXPORT_TARGET_AWS_IOT,
} ChainExportTarget;

/** The accepted names, for error messages and --help. */
#define CHAIN_EXPORT_TARGET_NAMES "azure-iothub, azure-dps, aws-iot, pem"

/** Returns: (transfer none): "pem", "azure-iothub", ...; "invalid" otherwise. */
CHAIN_PUBLIC
const char *chain_export_target_to_string (ChainExportTarget target);

/**
 * chain_export_target_from_string:
 * @name: one of %CHAIN_EXPORT_TARGET_NAMES.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the accepted targets.
 *
 * Returns: the target, or %CHAIN_EXPORT_TARGET_INVALID on error.
 */
CHAIN_PUBLIC
ChainExportTarget chain_export_target_from_string (const char *name,
                                                   GError    **error);

/**
 * chain_export_check_code:
 * @target: a cloud target (not %CHAIN_EXPORT_TARGET_PEM, which has no
 *   proof of possession).
 * @code: the cloud's verification code (Azure) or registration code (AWS).
 * @error: CHAIN_ERROR_INVALID_INPUT saying what the code must look like.
 *
 * Azure codes: 1 to 64 letters, digits, '-' and '_'. AWS codes: exactly 64
 * lower-case hex digits, as `aws iot get-registration-code` prints them.
 *
 * Returns: whether @code can be a verification certificate's CN for @target.
 */
CHAIN_PUBLIC
gboolean chain_export_check_code (ChainExportTarget target,
                                  const char       *code,
                                  GError          **error);

/**
 * ChainExportFile:
 * @name: (transfer none): the file name in the target's directory (a
 *   ledger artifact name).
 * @data: (transfer none): the content.
 * @sha256: (transfer none): lower-case hex SHA-256 of @data.
 * @recorded: whether the export record lists it; %FALSE only for
 *   verification.pem, which the pop record holds.
 * @executable: a script, written 0755 (other files 0644).
 *
 * One file of an export; read-only, owned by the export.
 */
typedef struct {
  char    *name;
  GBytes  *data;
  char    *sha256;
  gboolean recorded;
  gboolean executable;
} ChainExportFile;

/**
 * ChainExportWarning:
 * @id: (transfer none): a stable identifier (see the list at the top of
 *   this file).
 * @message: (transfer none): one line saying what the cloud would do and
 *   what to change.
 *
 * One warning of an export; read-only, owned by the export.
 */
typedef struct {
  char *id;
  char *message;
} ChainExportWarning;

/**
 * ChainExportOptions:
 * @version: %CHAIN_EXPORT_OPTIONS_VERSION.
 * @target: the target.
 * @ca: (nullable): the CA to export: a custodian id or name, or a
 *   thumbprint (prefix); %NULL for this workspace's own CA.
 * @code: (nullable): a verification code: adds verification.pem and a pop
 *   record. Needs the CA's key, so only for this workspace's own CA.
 * @hub: (nullable): the IoT hub name the script uses; %NULL leaves a
 *   placeholder the script refuses to run with.
 * @dps: (nullable): the DPS instance name, likewise.
 * @resource_group: (nullable): the Azure resource group, if wanted.
 * @region: (nullable): the AWS region; %NULL uses the AWS CLI's default.
 * @role_arn: (nullable): the IAM role JITP assumes; %NULL leaves a
 *   placeholder in registration-config.json.
 *
 * Initialise with %CHAIN_EXPORT_OPTIONS_INIT.
 */
typedef struct {
  guint              version;
  ChainExportTarget  target;
  const char        *ca;
  const char        *code;
  const char        *hub;
  const char        *dps;
  const char        *resource_group;
  const char        *region;
  const char        *role_arn;
} ChainExportOptions;

#define CHAIN_EXPORT_OPTIONS_VERSION 1
#define CHAIN_EXPORT_OPTIONS_INIT \
  { CHAIN_EXPORT_OPTIONS_VERSION, CHAIN_EXPORT_TARGET_INVALID, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

typedef struct _ChainExport ChainExport;

/**
 * chain_workspace_prepare_export:
 * @self: a joined workspace; unlocked with its CA key when @options->code
 *   is set.
 * @options: what to export, and for which target.
 * @cancellable: (nullable): checked while the ledger's manifests are read.
 * @error: CHAIN_ERROR_INVALID_INPUT (bad target, code or names),
 *   CHAIN_ERROR_NOT_FOUND (no such CA), CHAIN_ERROR_REFUSED (the CA is
 *   revoked, or a code was given for a CA whose key this workspace does
 *   not hold), CHAIN_ERROR_PASSPHRASE (a code needs the CA key, which is
 *   locked).
 *
 * Builds every file of the export and runs the pre-flight checks against
 * the ledger, writing nothing. What the ledger's rules would refuse (a
 * revoked CA, a code for a CA whose key is elsewhere) is refused here.
 *
 * Returns: (transfer full) (nullable): the export, not yet recorded.
 */
CHAIN_PUBLIC
ChainExport *chain_workspace_prepare_export (ChainWorkspace           *self,
                                             const ChainExportOptions *options,
                                             GCancellable             *cancellable,
                                             GError                  **error);

/**
 * chain_workspace_prepare_export_async:
 * @self: as chain_workspace_prepare_export(); it must stay alive and
 *   untouched until @callback has run.
 * @options: what to export; copied, strings included.
 * @cancellable: (nullable): checked before the work starts and while the
 *   ledger's manifests are read.
 * @callback: called when done, in the caller's thread-default main context.
 * @user_data: for @callback.
 *
 * As chain_workspace_prepare_export(), in a worker thread.
 */
CHAIN_PUBLIC
void chain_workspace_prepare_export_async (ChainWorkspace           *self,
                                           const ChainExportOptions *options,
                                           GCancellable             *cancellable,
                                           GAsyncReadyCallback       callback,
                                           gpointer                  user_data);

/**
 * chain_workspace_prepare_export_finish:
 * @self: the workspace given to chain_workspace_prepare_export_async().
 * @result: the result passed to the callback.
 * @error: as chain_workspace_prepare_export(), or G_IO_ERROR_CANCELLED.
 *
 * Returns: (transfer full) (nullable): the export, not yet recorded; free
 *   it with chain_export_free().
 */
CHAIN_PUBLIC
ChainExport *chain_workspace_prepare_export_finish (ChainWorkspace  *self,
                                                    GAsyncResult    *result,
                                                    GError         **error);

/**
 * chain_workspace_write_export:
 * @self: the workspace that prepared @export, unlocked.
 * @export: an export from chain_workspace_prepare_export(), not yet written.
 * @dir: the output directory; the files go to DIR/TARGET/ (created 0755),
 *   replacing files of the same names.
 * @out_seq: (out) (optional): the export record's sequence number.
 * @cancellable: (nullable): a cancellable.
 * @error: CHAIN_ERROR_IO (@dir cannot be written: nothing is recorded),
 *   CHAIN_ERROR_REFUSED (the ledger refuses a record: nothing is recorded
 *   or written), CHAIN_ERROR_PASSPHRASE, CHAIN_ERROR_EXISTS (@export was
 *   written already).
 *
 * Signs both records and has the rule engine judge them, then records the
 * pop (when a code was given) and the export with the SHA-256 of every
 * file, and writes the files. When writing fails after
 * the records went in, the files are still in the ledger as the export's
 * artifacts.
 *
 * Returns: %TRUE when recorded and written.
 */
CHAIN_PUBLIC
gboolean chain_workspace_write_export (ChainWorkspace *self,
                                       ChainExport    *export,
                                       const char     *dir,
                                       guint64        *out_seq,
                                       GCancellable   *cancellable,
                                       GError        **error);

CHAIN_PUBLIC
ChainExportTarget chain_export_get_target (const ChainExport *self);

/** Returns: (transfer none): the exported CA. */
CHAIN_PUBLIC
ChainCert *chain_export_get_ca (const ChainExport *self);

/** Returns: (transfer none): lower-case hex SHA-256 of the CA's DER, as records name it. */
CHAIN_PUBLIC
const char *chain_export_get_ca_thumbprint (const ChainExport *self);

/** Returns: (transfer none) (nullable): the verification certificate when a code was given. */
CHAIN_PUBLIC
ChainCert *chain_export_get_verification (const ChainExport *self);

/** Returns: how many files, in the order they are written. */
CHAIN_PUBLIC
guint chain_export_get_n_files (const ChainExport *self);

/** Returns: (transfer none): file @index. */
CHAIN_PUBLIC
const ChainExportFile *chain_export_get_file (const ChainExport *self,
                                              guint              index);

/** Returns: (transfer none) (nullable): the file named @name. */
CHAIN_PUBLIC
const ChainExportFile *chain_export_find_file (const ChainExport *self,
                                               const char        *name);

/** Returns: how many pre-flight warnings. */
CHAIN_PUBLIC
guint chain_export_get_n_warnings (const ChainExport *self);

/** Returns: (transfer none): warning @index. */
CHAIN_PUBLIC
const ChainExportWarning *chain_export_get_warning (const ChainExport *self,
                                                    guint              index);

/** Returns: the pop record's sequence number once written, -1 otherwise. */
CHAIN_PUBLIC
gint64 chain_export_get_pop_seq (const ChainExport *self);

/** Returns: the export record's sequence number once written, -1 otherwise. */
CHAIN_PUBLIC
gint64 chain_export_get_seq (const ChainExport *self);

/** chain_export_free: NULL-safe. */
CHAIN_PUBLIC
void chain_export_free (ChainExport *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainExport, chain_export_free)

/**
 * chain_export_check_certificate:
 * @target: the cloud whose rules apply.
 * @cert: a certificate a device would present or the cloud would hold.
 * @warnings: (element-type ChainExportWarning): where warnings are added
 *   (chain_export_warning_free() frees them).
 *
 * The key and signature rules of @target (AWS IoT: RSA of 2048 bits or
 * more, or ECDSA P-256/P-384; SHA-256 or better) for one certificate; the
 * pre-flight checks run this on every CA between the exported CA and the
 * devices.
 *
 * Returns: whether @cert passed (no warning was added).
 */
CHAIN_PUBLIC
gboolean chain_export_check_certificate (ChainExportTarget target,
                                         const ChainCert  *cert,
                                         GPtrArray        *warnings);

/** chain_export_warning_free: NULL-safe. */
CHAIN_PUBLIC
void chain_export_warning_free (ChainExportWarning *warning);

/* ---- Proof of possession -------------------------------------------------- */

/**
 * chain_workspace_pop:
 * @self: a joined workspace, unlocked with its CA key.
 * @ca: (nullable): the CA to prove (as ChainExportOptions.ca); it must be
 *   this workspace's own current CA, the only one whose key it holds.
 * @target: the cloud (not %CHAIN_EXPORT_TARGET_PEM).
 * @code: the cloud's code (chain_export_check_code()).
 * @out_seq: (out) (optional): the pop record's sequence number.
 * @cancellable: (nullable): a cancellable.
 * @error: as chain_workspace_prepare_export().
 *
 * Makes a verification certificate, CN = @code, signed by exactly that CA,
 * and records it as a `pop` record.
 *
 * Returns: (transfer full) (nullable): the verification certificate.
 */
CHAIN_PUBLIC
ChainCert *chain_workspace_pop (ChainWorkspace    *self,
                                const char        *ca,
                                ChainExportTarget  target,
                                const char        *code,
                                guint64           *out_seq,
                                GCancellable      *cancellable,
                                GError           **error);

G_END_DECLS
