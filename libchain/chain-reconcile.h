/* chain-reconcile.h — the ledger beside what the cloud reports
 *
 * The ledger knows what each custodian issued; a cloud registry knows what
 * connected. A ChainReconcile takes both sides, the ledger's devices and
 * the registry exports the cloud CLIs print:
 *
 *   azure-iothub      `az iot hub device-identity list` (device twins:
 *                     deviceId, status, authenticationType, x509Thumbprint)
 *   azure-dps         `az iot dps enrollment-group registration list`
 *                     (registrationId, deviceId, status, assignedHub)
 *   aws-certificates  `aws iot list-certificates-by-ca` ({"certificates":
 *                     [{certificateId, status, ...}]}; the id is the SHA-256
 *                     of the certificate, an exact match)
 *   aws-things        `aws iot list-things` ({"things": [{thingName, ...}]})
 *
 * and reports devices in the cloud the ledger never issued (a clone, or
 * issuance off the ledger), devices revoked in the ledger but enabled in
 * the cloud, ids issued twice (in the ledger, or one id in the cloud with
 * two certificates) and, as information, devices issued but never seen.
 *
 * Files are read as streams, one element at a time (each at most
 * %CHAIN_RECONCILE_MAX_ELEMENT bytes), so their size does not matter;
 * memory grows with the number of devices (about 100 bytes each, both
 * sides), and the comparison sorts, so a million devices on each side
 * take seconds. Device ids from the cloud are outside input: show them
 * only through chain_text_sanitize().
 */
#pragma once

#include <gio/gio.h>

#include "chain-macros.h"
#include "chain-workspace.h"

G_BEGIN_DECLS

/** The largest element (one device) of a cloud file, in bytes. */
#define CHAIN_RECONCILE_MAX_ELEMENT (256 * 1024)

/**
 * ChainCloudFormat:
 * @CHAIN_CLOUD_FORMAT_EMPTY: an empty list ("[]"): no devices, whichever
 *   command printed it.
 * @CHAIN_CLOUD_FORMAT_AZURE_IOTHUB: `az iot hub device-identity list`.
 * @CHAIN_CLOUD_FORMAT_AZURE_DPS: `az iot dps enrollment-group registration list`.
 * @CHAIN_CLOUD_FORMAT_AWS_CERTIFICATES: `aws iot list-certificates-by-ca`.
 * @CHAIN_CLOUD_FORMAT_AWS_THINGS: `aws iot list-things`.
 */
typedef enum {
  CHAIN_CLOUD_FORMAT_EMPTY,
  CHAIN_CLOUD_FORMAT_AZURE_IOTHUB,
  CHAIN_CLOUD_FORMAT_AZURE_DPS,
  CHAIN_CLOUD_FORMAT_AWS_CERTIFICATES,
  CHAIN_CLOUD_FORMAT_AWS_THINGS,
} ChainCloudFormat;

/** Returns: (transfer none): "empty", "azure-iothub", "azure-dps",
 * "aws-certificates" or "aws-things". */
CHAIN_PUBLIC
const char *chain_cloud_format_to_string (ChainCloudFormat format);

/**
 * ChainReconcileKind:
 * @CHAIN_RECONCILE_NOT_ISSUED: in the cloud, but the ledger never issued
 *   that device id, or never that certificate for it: a clone or issuance
 *   off the ledger. Needs action when the cloud has it enabled.
 * @CHAIN_RECONCILE_REVOKED_ENABLED: revoked in the ledger (itself or with
 *   a CA above it) and still enabled in the cloud. Needs action.
 * @CHAIN_RECONCILE_DUPLICATE_ID: one device id with two certificates: in
 *   the cloud (needs action), or issued twice in the ledger (needs action
 *   only if more than one is in force; a reissue after revocation is
 *   information).
 * @CHAIN_RECONCILE_NEVER_SEEN: issued, in force, and in none of the cloud
 *   files. Information.
 */
typedef enum {
  CHAIN_RECONCILE_NOT_ISSUED,
  CHAIN_RECONCILE_REVOKED_ENABLED,
  CHAIN_RECONCILE_DUPLICATE_ID,
  CHAIN_RECONCILE_NEVER_SEEN,
} ChainReconcileKind;

/** Returns: (transfer none): "not-issued", "revoked-enabled",
 * "duplicate-id" or "never-seen". */
CHAIN_PUBLIC
const char *chain_reconcile_kind_to_string (ChainReconcileKind kind);

/**
 * ChainReconcileFinding:
 * @kind: what was found.
 * @needs_action: whether it is more than information.
 * @device_id: (transfer none) (nullable): the device id as the cloud or the ledger names
 *   it (outside input: sanitize before showing); %NULL for an AWS
 *   certificate the ledger does not know.
 * @cert_sha256: (transfer none) (nullable): the certificate's SHA-256, lower-case hex,
 *   where the cloud or the ledger names it.
 * @serial: (transfer none) (nullable): the ledger's serial of that certificate, lower-case
 *   hex; %NULL when the ledger did not issue it.
 * @source: (transfer none) (nullable): the cloud file it was read from; %NULL for
 *   findings of the ledger alone.
 * @format: the format of @source (%CHAIN_CLOUD_FORMAT_EMPTY without one).
 * @cloud_status: (transfer none) (nullable): the status the cloud gave ("enabled",
 *   "assigned", "ACTIVE"...), outside input.
 * @hub: (transfer none) (nullable): the IoT hub a DPS registration was assigned to.
 *
 * One finding. Strings are (transfer none) and live as long as the
 * ChainReconcile.
 */
typedef struct {
  ChainReconcileKind kind;
  gboolean           needs_action;
  const char        *device_id;
  const char        *cert_sha256;
  const char        *serial;
  const char        *source;
  ChainCloudFormat   format;
  const char        *cloud_status;
  const char        *hub;
} ChainReconcileFinding;

typedef struct _ChainReconcile ChainReconcile;

/** Returns: (transfer full): an empty reconciliation; free it with chain_reconcile_free(). */
CHAIN_PUBLIC
ChainReconcile *chain_reconcile_new (void);

/** chain_reconcile_free: NULL-safe. */
CHAIN_PUBLIC
void chain_reconcile_free (ChainReconcile *self);

/**
 * chain_reconcile_add_issued:
 * @self: a reconciliation not yet compared.
 * @device_id: the device id, as the ledger's manifest has it.
 * @serial: the certificate's serial, hex.
 * @cert_sha256: the certificate's SHA-256, 64 hex digits.
 * @revoked: whether it, or a CA above it, was revoked.
 * @error: CHAIN_ERROR_INVALID_INPUT for a @cert_sha256 that is no SHA-256.
 *
 * Adds one certificate the ledger issued. chain_reconcile_load_ledger()
 * calls this for every device of a workspace's ledger.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_reconcile_add_issued (ChainReconcile *self,
                                     const char     *device_id,
                                     const char     *serial,
                                     const char     *cert_sha256,
                                     gboolean        revoked,
                                     GError        **error);

/**
 * chain_reconcile_load_ledger:
 * @self: a reconciliation not yet compared.
 * @workspace: a joined workspace (locked or not).
 * @cancellable: (nullable): checked between records.
 * @error: a ledger read error.
 *
 * Adds every device certificate of every device batch in the ledger, with
 * whether it is in force now.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_reconcile_load_ledger (ChainReconcile *self,
                                      ChainWorkspace *workspace,
                                      GCancellable   *cancellable,
                                      GError        **error);

/**
 * chain_reconcile_read_stream:
 * @self: a reconciliation not yet compared.
 * @stream: the cloud file's bytes.
 * @name: the file's name, for messages and findings; copied.
 * @out_format: (out) (optional): the format found, set only on success.
 * @cancellable: (nullable): checked while reading.
 * @error: CHAIN_ERROR_INVALID_INPUT "NAME: ..." for an empty or truncated
 *   file, one of no shape listed above (naming the formats accepted), an
 *   element larger than %CHAIN_RECONCILE_MAX_ELEMENT or lacking its id;
 *   CHAIN_ERROR_IO when reading fails.
 *
 * Reads one cloud export, detecting its format from its shape. On error,
 * what the file added is taken back.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_reconcile_read_stream (ChainReconcile   *self,
                                      GInputStream     *stream,
                                      const char       *name,
                                      ChainCloudFormat *out_format,
                                      GCancellable     *cancellable,
                                      GError          **error);

/** chain_reconcile_read_file: chain_reconcile_read_stream() on the file at
 * @path; CHAIN_ERROR_NOT_FOUND or
 * CHAIN_ERROR_IO when it cannot be opened. */
CHAIN_PUBLIC
gboolean chain_reconcile_read_file (ChainReconcile   *self,
                                    const char       *path,
                                    ChainCloudFormat *out_format,
                                    GCancellable     *cancellable,
                                    GError          **error);

/**
 * chain_reconcile_compare:
 * @self: a reconciliation with both sides added.
 * @cancellable: (nullable): checked between steps.
 * @error: only cancellation.
 *
 * Compares the two sides; afterwards nothing more can be added and the
 * findings below can be read. Findings come in this order: those that
 * need action first, then by kind, cloud file and device id.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_reconcile_compare (ChainReconcile *self,
                                  GCancellable   *cancellable,
                                  GError        **error);

/** Returns: how many findings chain_reconcile_compare() made. */
CHAIN_PUBLIC
gsize chain_reconcile_get_n_findings (const ChainReconcile *self);

/** Returns: how many of them need action. */
CHAIN_PUBLIC
gsize chain_reconcile_get_n_needing_action (const ChainReconcile *self);

/**
 * chain_reconcile_get_finding:
 * @self: a compared reconciliation.
 * @index: less than chain_reconcile_get_n_findings().
 * @out_finding: (out caller-allocates): filled in; its strings are
 *   (transfer none).
 */
CHAIN_PUBLIC
void chain_reconcile_get_finding (const ChainReconcile  *self,
                                  gsize                  index,
                                  ChainReconcileFinding *out_finding);

/** Returns: how many certificates the ledger side holds. */
CHAIN_PUBLIC
gsize chain_reconcile_get_n_issued (const ChainReconcile *self);

/** Returns: how many entries the cloud files held (a hub device with two
 * thumbprints counts twice). */
CHAIN_PUBLIC
gsize chain_reconcile_get_n_cloud (const ChainReconcile *self);

/** Returns: how many device ids the ledger issued that the cloud files
 * name (after chain_reconcile_compare()). */
CHAIN_PUBLIC
gsize chain_reconcile_get_n_seen (const ChainReconcile *self);

/**
 * ChainReconcileScriptOptions:
 * @version: %CHAIN_RECONCILE_SCRIPT_OPTIONS_VERSION.
 * @hub: (nullable): the IoT hub for devices read from an azure-iothub
 *   file; %NULL: the script takes $HUB. DPS findings use the hub the
 *   registration was assigned to.
 * @resource_group: (nullable): the Azure resource group.
 * @region: (nullable): the AWS region; %NULL: $REGION or $AWS_REGION.
 */
typedef struct {
  guint       version;
  const char *hub;
  const char *resource_group;
  const char *region;
} ChainReconcileScriptOptions;

#define CHAIN_RECONCILE_SCRIPT_OPTIONS_VERSION 1
#define CHAIN_RECONCILE_SCRIPT_OPTIONS_INIT { CHAIN_RECONCILE_SCRIPT_OPTIONS_VERSION, NULL, NULL, NULL }

/**
 * chain_reconcile_write_scripts:
 * @self: a compared reconciliation.
 * @options: (nullable): names for the scripts.
 * @dir: the directory to write into; made if missing.
 * @error: CHAIN_ERROR_IO when a file cannot be written.
 *
 * Writes, for the findings that need action, the cloud commands that
 * disable them: azure-iothub/disable.sh (`az iot hub device-identity
 * update --status disabled`, also for DPS registrations, in the hub DPS
 * assigned) and aws-iot/revoke.sh (`aws iot update-certificate
 * --new-status REVOKED`; things the ledger never issued are listed there
 * as comments, to look at by hand). Every device id is quoted for sh,
 * and one holding control characters is written as printf escapes, so the
 * script shows and runs it as it is.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_reconcile_write_scripts (const ChainReconcile              *self,
                                        const ChainReconcileScriptOptions *options,
                                        const char                        *dir,
                                        GError                           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainReconcile, chain_reconcile_free)

G_END_DECLS
