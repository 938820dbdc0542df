/* custody-session.h — the workspace Custody has open, and the work on it
 *
 * The session owns the ChainWorkspace and the view models built from it
 * (custody tree, request inbox, ledger timeline, audit). A workspace is
 * used from one thread at a time, so everything that signs, reads much
 * of the ledger or touches the network runs as one job in a worker
 * thread while the session is "busy"; the models are snapshots rebuilt on
 * the main thread when a job ends, so widgets never touch the workspace.
 *
 * Passphrases are never stored: a job that signs takes a ChainSecret,
 * unlocks the workspace, does its work, locks it again and wipes the
 * secret, whether it succeeded or not. The secret is the passphrase, or
 * the token's PIN when the keys are in a PKCS#11 token (see
 * custody-unlock.h). Unlocking also finishes issuing runs that died; the
 * "notice" signal says what became of them.
 *
 * Every job ends in the caller's callback; custody_session_finish() gives
 * a one-line message for a toast, or the error (libchain's message).
 */
#pragma once

#include <gio/gio.h>

#include "chain-export.h"
#include "chain-device-lookup.h"
#include "chain-revoke.h"
#include "custody-audit.h"
#include "custody-inbox.h"
#include "custody-timeline.h"
#include "custody-tree-model.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_SESSION (custody_session_get_type ())
G_DECLARE_FINAL_TYPE (CustodySession, custody_session, CUSTODY, SESSION, GObject)

/** The expiry window when none is set: 90 days, what the export pre-flight warns at. */
#define CUSTODY_DEFAULT_EXPIRY_WINDOW_DAYS 90

CustodySession *custody_session_new (void);

/* ---- The models ------------------------------------------------------------ */

CustodyTreeModel *custody_session_get_tree (CustodySession *self);
CustodyInbox *custody_session_get_inbox (CustodySession *self);
CustodyTimeline *custody_session_get_timeline (CustodySession *self);
CustodyAudit *custody_session_get_audit (CustodySession *self);

/* ---- State ----------------------------------------------------------------- */

gboolean custody_session_get_is_open (CustodySession *self);
/** Returns: whether the open workspace has joined a ledger. */
gboolean custody_session_get_joined (CustodySession *self);
gboolean custody_session_get_busy (CustodySession *self);
/** Returns: (nullable): what the running job does, e.g. "Signing…". */
const char *custody_session_get_busy_label (CustodySession *self);
/** Returns: (nullable): the workspace directory. */
const char *custody_session_get_dir (CustodySession *self);
/** Returns: (nullable): the organisation, the window's title. */
const char *custody_session_get_title (CustodySession *self);
/** Returns: (nullable): "tier · custodian id". */
const char *custody_session_get_subtitle (CustodySession *self);
/** Returns: (nullable): this workspace's custodian id. */
const char *custody_session_get_custodian_id (CustodySession *self);

/** Rebuilds the tree with the new window. */
void custody_session_set_expiry_window_days (CustodySession *self,
                                             guint           days);

/**
 * custody_session_get_workspace:
 *
 * Returns: (transfer none) (nullable): the workspace, for a quick call on
 *   the main thread; %NULL when none is open or a job is using it.
 */
ChainWorkspace *custody_session_get_workspace (CustodySession *self);

/** Returns: (transfer full): the officers with a key in this workspace. */
GStrv custody_session_list_officers (CustodySession *self);

/**
 * custody_session_get_unlock_secrets:
 * @officer: (nullable): who will sign; %NULL for any officer.
 *
 * Returns: what the passphrase prompt asks for: a passphrase, a token's
 *   PIN, both or neither (chain_workspace_get_unlock_secrets()).
 */
ChainWorkspaceSecrets custody_session_get_unlock_secrets (CustodySession *self,
                                                          const char     *officer);

/**
 * custody_session_set_pin:
 * @pin: (transfer full) (nullable): a token's PIN typed besides the
 *   passphrase.
 *
 * The next job that unlocks takes it and wipes it. (When the keys need
 * no passphrase, the PIN is the secret the job is given instead.)
 */
void custody_session_set_pin (CustodySession *self,
                              ChainSecret    *pin);

/** Returns: (transfer full) (nullable): lower-case hex SHA-256 of the ledger's root. */
char *custody_session_dup_trusted_root (CustodySession *self);

/* ---- Opening and closing ----------------------------------------------------- */

/**
 * custody_session_open_async:
 * @self: a session that is not busy.
 * @dir: a workspace directory.
 *
 * Opens the workspace (replaying its ledger) in a worker; on success it
 * replaces the one open before.
 */
void custody_session_open_async (CustodySession      *self,
                                 const char          *dir,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);

/**
 * custody_session_create_async:
 * @self: a session that is not busy.
 * @dir: where to make the workspace (as chain_workspace_init()).
 * @options: who the root custodian is; copied, with its policy, key
 *   store, passphrase and PIN (wiped when the job ends). The passphrase
 *   may be %NULL when the keys go to a token or TPM.
 *
 * `chain init`: a root CA, the first officer and a ledger with the policy;
 * the new workspace is then open.
 */
void custody_session_create_async (CustodySession              *self,
                                   const char                  *dir,
                                   const ChainWorkspaceOptions *options,
                                   GAsyncReadyCallback          callback,
                                   gpointer                     user_data);

/** custody_session_close: closes the workspace (not while busy). */
void custody_session_close (CustodySession *self);

/** custody_session_refresh_async: catches up with records others appended. */
void custody_session_refresh_async (CustodySession      *self,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);

/* ---- Requests and delegation ----------------------------------------------- */

/**
 * custody_session_import_request:
 * @self: an open, joined session that is not busy.
 * @path: a request file.
 * @out_custodian_id: (out) (optional) (transfer full): whose request.
 * @error: as chain_request_file_load(), or CHAIN_ERROR_CONFLICT while busy.
 *
 * Adds the file to the inbox (what the file chooser and drag-and-drop do).
 */
gboolean custody_session_import_request (CustodySession *self,
                                         const char     *path,
                                         char          **out_custodian_id,
                                         GError        **error);

/**
 * custody_session_dismiss_request:
 * @self: a session that is not busy.
 * @custodian_id: whose imported request file to drop from the inbox.
 *
 * Forgets an imported request file that is not recorded in the ledger.
 */
void custody_session_dismiss_request (CustodySession *self,
                                      const char     *custodian_id);

/**
 * custody_session_approve_async:
 * @request_id: the recorded request's statement id.
 * @approve: %FALSE rejects it.
 * @officer: (nullable): who signs; %NULL for the default officer.
 * @passphrase: (transfer full): that officer's passphrase; wiped.
 *
 * `chain approve`.
 */
void custody_session_approve_async (CustodySession      *self,
                                    const char          *request_id,
                                    gboolean             approve,
                                    const char          *officer,
                                    ChainSecret         *passphrase,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);

/**
 * custody_session_delegate_async:
 * @request: the request file; copied.
 * @options: (nullable): copied, name constraints included.
 * @grant_path: where to write the grant file.
 * @officer: (nullable): who signs.
 * @passphrase: (transfer full): wiped.
 *
 * `chain delegate`. When the policy wants more officers than have agreed,
 * the request is recorded and the job succeeds with a message saying how
 * many more must approve.
 */
void custody_session_delegate_async (CustodySession             *self,
                                     const ChainRequestFile     *request,
                                     const ChainDelegateOptions *options,
                                     const char                 *grant_path,
                                     const char                 *officer,
                                     ChainSecret                *passphrase,
                                     GAsyncReadyCallback         callback,
                                     gpointer                    user_data);

/* ---- Export, revocation ---------------------------------------------------- */

/**
 * custody_session_prepare_export_async:
 * @options: copied; @options->code must be %NULL (a preview signs nothing).
 *
 * chain_workspace_prepare_export() in a worker: the files and the
 * pre-flight warnings. custody_session_finish_result() gives the
 * ChainExport (free it with chain_export_free()).
 */
void custody_session_prepare_export_async (CustodySession           *self,
                                           const ChainExportOptions *options,
                                           GAsyncReadyCallback       callback,
                                           gpointer                  user_data);

/**
 * custody_session_export_async:
 * @options: copied; with a code, the proof-of-possession certificate too.
 * @dir: the output directory (files go to DIR/TARGET/).
 * @passphrase: (transfer full): the officer's (and CA key's); wiped.
 *
 * `chain export`: prepares again, unlocked, then records and writes.
 */
void custody_session_export_async (CustodySession           *self,
                                   const ChainExportOptions *options,
                                   const char               *dir,
                                   const char               *officer,
                                   ChainSecret              *passphrase,
                                   GAsyncReadyCallback       callback,
                                   gpointer                  user_data);

/**
 * custody_session_plan_revocation_async:
 * @devices: (nullable): device ids or serials.
 * @custodians: (nullable): sub-CA custodians.
 *
 * chain_workspace_plan_revocation() in a worker;
 * custody_session_finish_result() gives the ChainRevocation.
 */
void custody_session_plan_revocation_async (CustodySession     *self,
                                            const char *const  *devices,
                                            const char *const  *custodians,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);

/**
 * custody_session_lookup_device_async:
 * @device_id: a device id.
 *
 * chain_workspace_lookup_device() in a worker;
 * custody_session_finish_result() gives the ChainDeviceLookup.
 */
void custody_session_lookup_device_async (CustodySession      *self,
                                          const char          *device_id,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);

/**
 * custody_session_revoke_async:
 *
 * `chain revoke`: plans again, unlocked, and records the revocation with
 * the CA's new CRL.
 */
void custody_session_revoke_async (CustodySession           *self,
                                   const char *const        *devices,
                                   const char *const        *custodians,
                                   const ChainRevokeOptions *options,
                                   const char               *officer,
                                   ChainSecret              *passphrase,
                                   GAsyncReadyCallback       callback,
                                   gpointer                  user_data);

/**
 * custody_session_publish_crl_async:
 * @dir: where to write the CRL and the clouds' disable lists.
 * @passphrase: (nullable) (transfer full): with one, the CRL is re-signed
 *   now; without, the last recorded CRL is written.
 *
 * `chain crl`.
 */
void custody_session_publish_crl_async (CustodySession      *self,
                                        const char          *dir,
                                        const char          *officer,
                                        ChainSecret         *passphrase,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);

/* ---- Officers, notes ------------------------------------------------------- */

/**
 * custody_session_add_officer_async:
 * @name: the new officer's name.
 * @new_passphrase: (transfer full): encrypts the new officer's key; wiped.
 * @officer: (nullable): who signs the enrolment.
 * @passphrase: (transfer full): that officer's passphrase, which must open
 *   the CA key too; wiped.
 *
 * `chain officer add`: a key and a certificate from this custodian's CA
 * for a new officer, and the record of the enrolment. The error is
 * chain_workspace_add_officer()'s (CHAIN_ERROR_EXISTS for a name taken).
 */
void custody_session_add_officer_async (CustodySession      *self,
                                        const char          *name,
                                        ChainSecret         *new_passphrase,
                                        const char          *officer,
                                        ChainSecret         *passphrase,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);

/**
 * custody_session_add_officer_in_async:
 * @key_store: (nullable): where the new key lives, as
 *   chain_workspace_add_officer_in() takes it; %NULL for a file.
 * @new_secret: (transfer full) (nullable): the file key's passphrase, or
 *   the token's PIN for a PKCS#11 key; %NULL for a TPM key; wiped.
 *
 * custody_session_add_officer_async() with the new key in @key_store.
 */
void custody_session_add_officer_in_async (CustodySession      *self,
                                           const char          *name,
                                           const char          *key_store,
                                           ChainSecret         *new_secret,
                                           const char          *officer,
                                           ChainSecret         *passphrase,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);

/**
 * custody_session_annotate_async:
 * @text: the note (see custody-annotate-form.h for its limits).
 * @officer: (nullable): who signs.
 * @passphrase: (transfer full): wiped.
 *
 * `chain annotate`: records @text in an annotation record.
 */
void custody_session_annotate_async (CustodySession      *self,
                                     const char          *text,
                                     const char          *officer,
                                     ChainSecret         *passphrase,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);

/* ---- Sync ------------------------------------------------------------------ */

/**
 * custody_session_sync_async:
 * @remote: a configured remote name, or a URL or path.
 * @remember: (nullable): save @remote as this git remote name first.
 *
 * `chain sync`: fetches (audited before the ledger moves), then pushes.
 */
void custody_session_sync_async (CustodySession      *self,
                                 const char          *remote,
                                 const char          *remember,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);

/** `chain bundle create`: a full bundle of the ledger at @path (must not exist). */
void custody_session_bundle_create_async (CustodySession      *self,
                                          const char          *path,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);

/** `chain bundle import`: records from a bundle file, audited first. */
void custody_session_bundle_import_async (CustodySession      *self,
                                          const char          *path,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);

/* ---- Ending jobs ----------------------------------------------------------- */

/**
 * custody_session_finish:
 * @self: the session.
 * @result: the result passed to the callback.
 * @out_message: (out) (optional) (transfer full): one line for a toast.
 * @error: the job's error.
 *
 * Returns: %TRUE if the job succeeded.
 */
gboolean custody_session_finish (CustodySession *self,
                                 GAsyncResult   *result,
                                 char          **out_message,
                                 GError        **error);

/**
 * custody_session_finish_result:
 * @self: the session.
 * @result: from a prepare or plan job.
 * @error: the job's error.
 *
 * Returns: (transfer full) (nullable): the job's result object.
 */
gpointer custody_session_finish_result (CustodySession *self,
                                        GAsyncResult   *result,
                                        GError        **error);

/** custody_session_cancel: asks the running job to stop. */
void custody_session_cancel (CustodySession *self);

/* ---- Audit ----------------------------------------------------------------- */

/**
 * custody_session_start_audit:
 *
 * Audits the ledger off the main thread with the workspace's pin and the
 * root as trusted (custody_session_get_audit() reports). The audit reads
 * the repository on its own, so jobs may run meanwhile.
 */
void custody_session_start_audit (CustodySession *self);

G_END_DECLS
