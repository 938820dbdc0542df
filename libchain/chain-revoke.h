/* chain-revoke.h — revoking devices and sub-CAs; CRLs; per-cloud disable lists
 *
 * A revocation is one `revocation` record by the issuing custodian: the
 * serials its CA revokes, a reason, and the CA's new CRL listing every
 * serial it has revoked so far. Revoking a sub-CA revokes its custodian and
 * everything under it.
 *
 * CRL numbers: each CRL this workspace signs gets
 * max(the CA's last recorded CRL number + 1, the current Unix time), so
 * numbers increase across recorded CRLs and the unrecorded ones
 * chain_workspace_prepare_crl() re-signs, without a counter kept anywhere
 * but the ledger.
 *
 * IoT Hub and DPS do not read CRLs, and AWS IoT only when told to, so a
 * CRL export also writes what each cloud needs to stop a revoked device:
 *
 *   crl.pem, crl.der  the CA's current CRL
 *   crls.pem          every CRL a verifier trusting the CA needs: the CA's,
 *                     its ancestors' and those of its descendants in force
 *                     (as recorded). OpenSSL with X509_V_FLAG_CRL_CHECK
 *                     (mosquitto's crlfile) checks only the CRL of each
 *                     device's issuing CA and refuses a device whose issuer
 *                     has none: leaving out the CRLs of revoked sub-CAs makes
 *                     it refuse their devices, which it would not see
 *                     otherwise. With CRL_CHECK_ALL (`openssl verify
 *                     -crl_check_all`) it wants a CRL of every CA of the
 *                     chain: a custodian that never revoked anything makes
 *                     one with `chain crl` (warning "crl.missing").
 *   azure-iothub/disable.sh, disabled-devices.txt
 *                     az iot hub device-identity update --status disabled
 *   azure-dps/disable.sh, disabled-devices.txt, certs/SERIAL.pem
 *                     a disabled individual enrollment per device (DPS's
 *                     way to refuse one device of an enrollment group) and
 *                     a disabled enrollment group per revoked sub-CA
 *   aws-iot/revoke.sh, revoked-certificates.txt
 *                     aws iot update-certificate --new-status REVOKED (the
 *                     certificate id is the SHA-256 of the DER), and
 *                     update-ca-certificate --new-status INACTIVE for a
 *                     revoked sub-CA
 *
 * The lists cover every device under the CA whose certificate is revoked
 * or lies under a revoked CA.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

#include "chain-crl.h"
#include "chain-export.h"
#include "chain-workspace.h"

G_BEGIN_DECLS

/** CRLs are valid this long unless told otherwise. */
#define CHAIN_CRL_DEFAULT_VALIDITY_DAYS 30

/** Most serials one revocation record lists; revoke more in several. */
#define CHAIN_REVOKE_MAX_SERIALS 10000

/** The accepted reason names, for error messages and --help. */
#define CHAIN_REVOCATION_REASON_NAMES \
  "unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, cessation-of-operation"

/** Returns: (transfer none): the ledger's name of @reason, e.g. "key-compromise". */
CHAIN_PUBLIC
const char *chain_revocation_reason_to_string (ChainRevocationReason reason);

/**
 * chain_revocation_reason_to_label:
 * @reason: a revocation reason; unknown values read as unspecified.
 *
 * Returns: (transfer none): @reason in words for people, translated,
 *   e.g. "Key compromise".
 */
CHAIN_PUBLIC
const char *chain_revocation_reason_to_label (ChainRevocationReason reason);

/**
 * chain_revocation_reason_from_string:
 * @name: one of %CHAIN_REVOCATION_REASON_NAMES.
 * @out_reason: (out): set only on success.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the accepted reasons.
 *
 * Returns: whether @name is a reason.
 */
CHAIN_PUBLIC
gboolean chain_revocation_reason_from_string (const char            *name,
                                              ChainRevocationReason *out_reason,
                                              GError               **error);

/**
 * ChainRevokedKind:
 * What a revoked serial was issued as.
 */
typedef enum {
  CHAIN_REVOKED_DEVICE,
  CHAIN_REVOKED_SUB_CA,
  CHAIN_REVOKED_OTHER,    /* an officer or verification certificate */
} ChainRevokedKind;

/**
 * ChainRevokedItem:
 * @serial: (transfer none): lower-case hex.
 * @kind: what it is.
 * @name: (transfer none) (nullable): the device id, or the sub-CA's
 *   custodian id.
 *
 * One serial of a revocation plan; read-only, owned by the plan.
 */
typedef struct {
  char            *serial;
  ChainRevokedKind kind;
  char            *name;
} ChainRevokedItem;

/**
 * ChainRevokeOptions:
 * @version: %CHAIN_REVOKE_OPTIONS_VERSION.
 * @reason: why; goes into the record and the CRL.
 * @crl_validity_days: the new CRL's nextUpdate, in days from now; 0 for
 *   %CHAIN_CRL_DEFAULT_VALIDITY_DAYS.
 */
typedef struct {
  guint                 version;
  ChainRevocationReason reason;
  gint64                crl_validity_days;
} ChainRevokeOptions;

#define CHAIN_REVOKE_OPTIONS_VERSION 1
#define CHAIN_REVOKE_OPTIONS_INIT { CHAIN_REVOKE_OPTIONS_VERSION, CHAIN_REVOCATION_UNSPECIFIED, 0 }

typedef struct _ChainRevocation ChainRevocation;

/**
 * chain_workspace_plan_revocation:
 * @self: a joined workspace (locked or not).
 * @targets: (array zero-terminated=1) (nullable): devices, each by device
 *   id or serial (hex, optionally with colons); a word that is a serial
 *   this workspace's CA issued is taken as one, anything else as a device
 *   id. A device id names every certificate of that device not revoked yet.
 * @custodians: (array zero-terminated=1) (nullable): sub-CA custodians,
 *   by id or name: their CAs this workspace's CA issued.
 * @cancellable: (nullable): checked while manifests are read.
 * @error: CHAIN_ERROR_INVALID_INPUT (nothing named, too many),
 *   CHAIN_ERROR_NOT_FOUND (a device, serial or custodian this CA never
 *   issued), CHAIN_ERROR_REFUSED (revoked already, or named twice).
 *
 * What chain_workspace_revoke() would revoke: for a confirmation dialog.
 *
 * Returns: (transfer full) (nullable): the plan, not yet recorded.
 */
CHAIN_PUBLIC
ChainRevocation *chain_workspace_plan_revocation (ChainWorkspace     *self,
                                                  const char *const  *targets,
                                                  const char *const  *custodians,
                                                  GCancellable       *cancellable,
                                                  GError            **error);

/**
 * chain_workspace_plan_revocation_async:
 * @self: as chain_workspace_plan_revocation(); it must stay alive and
 *   untouched until @callback has run.
 * @targets: (array zero-terminated=1) (nullable): as
 *   chain_workspace_plan_revocation(); copied.
 * @custodians: (array zero-terminated=1) (nullable): likewise; copied.
 * @cancellable: (nullable): checked before the work starts and while
 *   manifests are read.
 * @callback: called when done, in the caller's thread-default main context.
 * @user_data: for @callback.
 *
 * As chain_workspace_plan_revocation(), in a worker thread.
 */
CHAIN_PUBLIC
void chain_workspace_plan_revocation_async (ChainWorkspace      *self,
                                            const char *const   *targets,
                                            const char *const   *custodians,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);

/**
 * chain_workspace_plan_revocation_finish:
 * @self: the workspace given to chain_workspace_plan_revocation_async().
 * @result: the result passed to the callback.
 * @error: as chain_workspace_plan_revocation(), or G_IO_ERROR_CANCELLED.
 *
 * Returns: (transfer full) (nullable): the plan, not yet recorded; free it
 *   with chain_revocation_free().
 */
CHAIN_PUBLIC
ChainRevocation *chain_workspace_plan_revocation_finish (ChainWorkspace  *self,
                                                         GAsyncResult    *result,
                                                         GError         **error);

/**
 * chain_workspace_revoke:
 * @self: a joined workspace, unlocked with its CA key.
 * @plan: from chain_workspace_plan_revocation(), not yet recorded.
 * @options: (nullable): reason and CRL validity.
 * @cancellable: (nullable): a cancellable.
 * @error: CHAIN_ERROR_PASSPHRASE (the CA key is locked), CHAIN_ERROR_REFUSED
 *   (the ledger's rules refuse: nothing is written), CHAIN_ERROR_EXISTS
 *   (@plan was recorded already).
 *
 * Signs the CA's new CRL and records the revocation. chain_revocation_get_seq()
 * and chain_revocation_get_crl() then tell what was recorded.
 *
 * Returns: %TRUE when recorded.
 */
CHAIN_PUBLIC
gboolean chain_workspace_revoke (ChainWorkspace           *self,
                                 ChainRevocation          *plan,
                                 const ChainRevokeOptions *options,
                                 GCancellable             *cancellable,
                                 GError                  **error);

/** Returns: how many serials the plan revokes. */
CHAIN_PUBLIC
guint chain_revocation_get_n_items (const ChainRevocation *self);

/** Returns: (transfer none): item @index, in the order named. */
CHAIN_PUBLIC
const ChainRevokedItem *chain_revocation_get_item (const ChainRevocation *self,
                                                   guint                  index);

/** Returns: (transfer none): the issuing CA (this workspace's). */
CHAIN_PUBLIC
ChainCert *chain_revocation_get_issuer (const ChainRevocation *self);

/** Returns: the record's sequence number once recorded, -1 before. */
CHAIN_PUBLIC
gint64 chain_revocation_get_seq (const ChainRevocation *self);

/** Returns: (transfer none) (nullable): the recorded CRL, %NULL before. */
CHAIN_PUBLIC
ChainCrl *chain_revocation_get_crl (const ChainRevocation *self);

/** chain_revocation_free: NULL-safe. */
CHAIN_PUBLIC
void chain_revocation_free (ChainRevocation *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainRevocation, chain_revocation_free)

/* ---- The current CRL and the disable lists ------------------------------- */

/**
 * ChainCrlOptions:
 * @version: %CHAIN_CRL_OPTIONS_VERSION.
 * @ca: (nullable): whose CRL (as ChainExportOptions.ca); %NULL for this
 *   workspace's own CA.
 * @sign: re-sign the CA's CRL now (its own CA only; needs the CA key), so
 *   it is current whatever the last recorded one says. %FALSE takes the
 *   last recorded CRL as it is.
 * @validity_days: for a re-signed CRL: 0 for
 *   %CHAIN_CRL_DEFAULT_VALIDITY_DAYS.
 * @hub, @dps, @resource_group, @region: for the scripts, as in
 *   ChainExportOptions.
 */
typedef struct {
  guint       version;
  const char *ca;
  gboolean    sign;
  gint64      validity_days;
  const char *hub;
  const char *dps;
  const char *resource_group;
  const char *region;
} ChainCrlOptions;

#define CHAIN_CRL_OPTIONS_VERSION 1
#define CHAIN_CRL_OPTIONS_INIT { CHAIN_CRL_OPTIONS_VERSION, NULL, FALSE, 0, NULL, NULL, NULL, NULL }

typedef struct _ChainCrlExport ChainCrlExport;

/**
 * chain_workspace_prepare_crl:
 * @self: a joined workspace; unlocked with its CA key when @options->sign.
 * @options: (nullable): which CA; %NULL: this workspace's own, as recorded.
 * @cancellable: (nullable): checked while manifests are read.
 * @error: CHAIN_ERROR_NOT_FOUND (no such CA), CHAIN_ERROR_REFUSED (@sign
 *   for a CA whose key this workspace does not hold),
 *   CHAIN_ERROR_PASSPHRASE (the CA key is locked).
 *
 * The CA's current CRL and the disable lists, in memory. A CA that never
 * revoked anything has no recorded CRL: re-sign (@sign) to get an empty
 * one; without one only the disable lists are made, with a warning.
 * Warnings (ids "crl.missing", "crl.expired", "dps.certificate") name the
 * CRLs a verifier would miss and the certificates the DPS script lacks.
 * Nothing is recorded: a CRL is recorded only with a revocation.
 *
 * Returns: (transfer full) (nullable): the files.
 */
CHAIN_PUBLIC
ChainCrlExport *chain_workspace_prepare_crl (ChainWorkspace        *self,
                                             const ChainCrlOptions *options,
                                             GCancellable          *cancellable,
                                             GError               **error);

/**
 * chain_crl_export_write:
 * @self: the files.
 * @dir: the output directory (created 0755); files of the same names are
 *   replaced.
 * @error: CHAIN_ERROR_IO.
 *
 * Returns: %TRUE when every file was written.
 */
CHAIN_PUBLIC
gboolean chain_crl_export_write (ChainCrlExport *self,
                                 const char     *dir,
                                 GError        **error);

/** Returns: (transfer none): the CA. */
CHAIN_PUBLIC
ChainCert *chain_crl_export_get_ca (const ChainCrlExport *self);

/** Returns: (transfer none) (nullable): its CRL; %NULL when it has none. */
CHAIN_PUBLIC
ChainCrl *chain_crl_export_get_crl (const ChainCrlExport *self);

/** Returns: how many devices the lists disable. */
CHAIN_PUBLIC
guint64 chain_crl_export_get_n_disabled (const ChainCrlExport *self);

/** Returns: how many files; names may hold a directory ("aws-iot/revoke.sh");
 * none is recorded (ChainExportFile.recorded is %FALSE). */
CHAIN_PUBLIC
guint chain_crl_export_get_n_files (const ChainCrlExport *self);
CHAIN_PUBLIC
const ChainExportFile *chain_crl_export_get_file (const ChainCrlExport *self,
                                                  guint                 index);
CHAIN_PUBLIC
const ChainExportFile *chain_crl_export_find_file (const ChainCrlExport *self,
                                                   const char           *name);
CHAIN_PUBLIC
guint chain_crl_export_get_n_warnings (const ChainCrlExport *self);
CHAIN_PUBLIC
const ChainExportWarning *chain_crl_export_get_warning (const ChainCrlExport *self,
                                                        guint                 index);

/** chain_crl_export_free: NULL-safe. */
CHAIN_PUBLIC
void chain_crl_export_free (ChainCrlExport *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainCrlExport, chain_crl_export_free)

G_END_DECLS
