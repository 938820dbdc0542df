/* chain-delegation.h — asking for a sub-CA, granting it, joining the ledger
 *
 * The hand-over between a parent custodian and a new child is two files,
 * carried however the parties like (mail, USB stick); private keys never
 * travel:
 *
 * - The request file (chain_workspace_request(), `chain request`): JSON
 *   naming the child (id, name, tier) with its CA CSR and its first
 *   officer's CSR, signed with that officer's key so that an edit after
 *   signing is caught. At most CHAIN_REQUEST_FILE_MAX_SIZE bytes.
 *
 * - The grant file (chain_workspace_delegate(), `chain delegate`): a git
 *   bundle (v2) of the parent's ledger up to and including the delegation
 *   record, which carries the child's new CA certificate. `git clone` reads
 *   it like any bundle. The child imports it with chain_workspace_accept(),
 *   which finds its own delegation there, installs the CA and records its
 *   acceptance.
 *
 * Where the policy wants k of n officers for a delegation, the parent's
 * first chain_workspace_delegate() records the request and returns the
 * outcome CHAIN_DELEGATE_AWAITING_APPROVALS with the approvals counted and
 * wanted (a result, not an error); other officers run
 * chain_workspace_approve(), and chain_workspace_delegate() on the same
 * request file then finishes.
 */
#pragma once

#include "chain-workspace.h"
#include "chain-macros.h"
#include "chain-name-constraints.h"

G_BEGIN_DECLS

#define CHAIN_REQUEST_FILE_MAX_SIZE (256 * 1024)

/* ---- The request file ----------------------------------------------------- */

typedef struct _ChainRequestFile ChainRequestFile;

/**
 * chain_workspace_request:
 * @dir: the new workspace's directory (as chain_workspace_init()).
 * @options: who the child is; @options->tier is required.
 * @request_path: where to write the request file (0644: it holds nothing
 *   secret); written atomically.
 * @error: CHAIN_ERROR_EXISTS, CHAIN_ERROR_INVALID_INPUT, CHAIN_ERROR_IO.
 *
 * Makes a workspace that has keys but no ledger yet, and the request file
 * to send to the parent. On failure nothing is left behind.
 *
 * Returns: (transfer full) (nullable): the new workspace, unlocked.
 */
CHAIN_PUBLIC
ChainWorkspace *chain_workspace_request (const char                  *dir,
                                         const ChainWorkspaceOptions *options,
                                         const char                  *request_path,
                                         GCancellable                *cancellable,
                                         GError                     **error);

/**
 * chain_request_file_load:
 * @path: a request file.
 * @error: CHAIN_ERROR_INVALID_INPUT (empty, truncated, too large, not a
 *   request file), CHAIN_ERROR_VERIFY (edited after it was signed, or the
 *   officer CSR does not match the signature), CHAIN_ERROR_IO.
 *
 * Reads and verifies a request file.
 *
 * Returns: (transfer full) (nullable): the request.
 */
CHAIN_PUBLIC
ChainRequestFile *chain_request_file_load (const char *path,
                                           GError    **error);

/** Same, from bytes (what the fuzzer drives). */
CHAIN_PUBLIC
ChainRequestFile *chain_request_file_parse (GBytes  *data,
                                            GError **error);

CHAIN_PUBLIC
const char *chain_request_file_get_custodian_id (const ChainRequestFile *self);
CHAIN_PUBLIC
const char *chain_request_file_get_org (const ChainRequestFile *self);
CHAIN_PUBLIC
const char *chain_request_file_get_tier (const ChainRequestFile *self);
/** Returns: when the request was made (Unix seconds). */
CHAIN_PUBLIC
gint64 chain_request_file_get_time (const ChainRequestFile *self);
CHAIN_PUBLIC
const ChainCsr *chain_request_file_get_ca_csr (const ChainRequestFile *self);
CHAIN_PUBLIC
const ChainCsr *chain_request_file_get_officer_csr (const ChainRequestFile *self);
/** Returns: (transfer none): the file as received. */
CHAIN_PUBLIC
GBytes *chain_request_file_get_bytes (const ChainRequestFile *self);

CHAIN_PUBLIC
void chain_request_file_free (ChainRequestFile *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainRequestFile, chain_request_file_free)

/* ---- The parent's side ---------------------------------------------------- */

/**
 * ChainDelegateOptions:
 * @version: %CHAIN_DELEGATE_OPTIONS_VERSION.
 * @path_len: the sub-CA's path length; -1 for the most the child tier's
 *   policy and every CA above allow.
 * @validity_days: 0 for the most the policy and the parent's CA allow.
 * @name_constraints: (nullable): %NULL gives the child a permitted
 *   directoryName of its own subject when the tier requires constraints.
 * @max_devices: the child's device quota (body.max_devices of the
 *   delegation: the devices it and everything below it may issue), 1 to
 *   %CHAIN_QUOTA_MAX; 0 for none.
 */
typedef struct {
  guint                       version;
  int                         path_len;
  gint64                      validity_days;
  const ChainNameConstraints *name_constraints;
  guint64                     max_devices;
} ChainDelegateOptions;

#define CHAIN_DELEGATE_OPTIONS_VERSION 1
#define CHAIN_DELEGATE_OPTIONS_INIT { CHAIN_DELEGATE_OPTIONS_VERSION, -1, 0, NULL, 0 }

/**
 * ChainDelegationPreview:
 * @custodian_id: (transfer full): the requesting custodian's id.
 * @org: (transfer full): its organisation, as the request names it.
 * @tier: (transfer full): the tier it asks for.
 * @subject: (transfer full): the sub-CA's subject, RFC 4514.
 * @algorithm: the sub-CA's key algorithm.
 * @path_len: the pathLenConstraint that would be issued.
 * @max_path_len: the most the policy allows for @tier.
 * @not_before: Unix seconds.
 * @not_after: Unix seconds.
 * @max_not_after: the latest @not_after the policy allows, Unix seconds.
 * @name_constraints: (transfer full): as text, one per line; "" when none.
 * @allowed: whether the policy allows the delegation now.
 * @refusal: (transfer full) (nullable): why not, when !@allowed.
 * @request_id: (transfer full) (nullable): the request's statement id
 *   (hex) once recorded.
 * @approvals: approvals recorded so far, the delegating officer not
 *   counted.
 * @threshold: officer keys the policy wants.
 * @delegated_seq: the delegation record when this very request was
 *   granted already (a delegate call writes the grant again), else -1.
 *
 * What a delegation would sign, and whether the policy allows it: the
 * request inbox and the delegate dialog show this before anything is
 * written. Every string belongs to the preview; the caller frees the whole
 * with chain_delegation_preview_free().
 */
typedef struct {
  char                 *custodian_id;
  char                 *org;
  char                 *tier;
  char                 *subject;
  ChainKeyAlgorithm     algorithm;
  int                   path_len;
  int                   max_path_len;
  gint64                not_before;
  gint64                not_after;
  gint64                max_not_after;
  char                 *name_constraints;
  gboolean              allowed;
  char                 *refusal;
  char                 *request_id;
  guint                 approvals;
  guint                 threshold;
  gint64                delegated_seq;
} ChainDelegationPreview;

CHAIN_PUBLIC
void chain_delegation_preview_free (ChainDelegationPreview *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainDelegationPreview, chain_delegation_preview_free)

/**
 * chain_workspace_preview_delegation:
 * @self: a joined workspace (locked or not).
 * @request: the request file.
 * @options: (nullable): as for chain_workspace_delegate().
 *
 * Returns: (transfer full) (nullable): the preview; %NULL with @error only
 * when @request cannot be judged at all.
 */
CHAIN_PUBLIC
ChainDelegationPreview *chain_workspace_preview_delegation (ChainWorkspace             *self,
                                                            const ChainRequestFile     *request,
                                                            const ChainDelegateOptions *options,
                                                            GError                    **error);

/**
 * ChainDelegateStatus:
 * @CHAIN_DELEGATE_GRANTED: the delegation is recorded and the grant written.
 * @CHAIN_DELEGATE_AWAITING_APPROVALS: the request is recorded; the policy
 *   wants more officers to approve it before the sub-CA is issued. No grant
 *   is written.
 */
typedef enum {
  CHAIN_DELEGATE_GRANTED,
  CHAIN_DELEGATE_AWAITING_APPROVALS,
} ChainDelegateStatus;

/**
 * ChainDelegateOutcome:
 * @status: what happened.
 * @seq: GRANTED: the delegation record (the earlier one when the grant was
 *   written again); AWAITING_APPROVALS: unused, 0.
 * @request_id: the recorded request's statement id (hex), in the
 *   struct itself: nothing to free.
 * @agreed: distinct officer keys that agreed, this officer's included
 *   (chain_delegation_count_agreed()).
 * @threshold: officer keys the policy wants; @threshold - @agreed are
 *   still missing when awaiting approvals.
 *
 * What chain_workspace_delegate() did; filled in by it, owned by the caller.
 */
typedef struct {
  ChainDelegateStatus status;
  guint64             seq;
  char                request_id[65];
  guint               agreed;
  guint               threshold;
} ChainDelegateOutcome;

/**
 * chain_workspace_delegate:
 * @self: the parent's workspace, unlocked with its CA key.
 * @request: the child's request file.
 * @options: (nullable): path length, validity, name constraints.
 * @grant_path: where to write the grant file.
 * @out_outcome: (out caller-allocates) (not nullable): what happened, set
 *   on success: the grant written, or the request recorded and awaiting
 *   approvals.
 * @error: CHAIN_ERROR_REFUSED (the policy refuses: tier, algorithm, ...;
 *   or the issuer refuses the path length, validity or constraints),
 *   CHAIN_ERROR_VERIFY (the request's signature fails), CHAIN_ERROR_EXISTS (the grant file exists), CHAIN_ERROR_IO.
 *
 * Records the delegation request (unless recorded already); when the
 * policy's approvals are met, issues the sub-CA, records the delegation and
 * writes the grant. A request delegated before gets its grant written again.
 *
 * Returns: %TRUE with @out_outcome set, %FALSE with @error.
 */
CHAIN_PUBLIC
gboolean chain_workspace_delegate (ChainWorkspace             *self,
                                   const ChainRequestFile     *request,
                                   const ChainDelegateOptions *options,
                                   const char                 *grant_path,
                                   ChainDelegateOutcome       *out_outcome,
                                   GCancellable               *cancellable,
                                   GError                    **error);

/**
 * chain_delegation_count_agreed:
 * @request: a recorded delegation request.
 * @delegating_key_id: (nullable): the SHA-256 (hex) of the public key of
 *   the officer who will sign the delegation; %NULL for an officer who has
 *   not approved @request.
 *
 * Returns: the distinct officer keys that will have agreed once that
 *   officer signs the delegation: the approvals, plus that officer unless
 *   it approved already. The one count `chain delegate`, `chain status` and
 *   Custody show.
 */
CHAIN_PUBLIC
guint chain_delegation_count_agreed (const ChainLedgerRequest *request,
                                     const char               *delegating_key_id);

/**
 * chain_delegation_count_wanted:
 * @state: the ledger's state.
 *
 * Returns: the distinct officer keys the policy in force wants to agree on
 *   a delegation (its threshold for a delegation record).
 */
CHAIN_PUBLIC
guint chain_delegation_count_wanted (const ChainLedgerState *state);

/**
 * chain_delegation_count_missing:
 * @state: the ledger's state (its policy gives the threshold).
 * @request: (nullable): the recorded request; %NULL when not recorded yet.
 * @delegating_key_id: (nullable): as for chain_delegation_count_agreed().
 *
 * Returns: how many more officers must approve before the delegation can
 *   be recorded: the policy's threshold for a delegation less
 *   chain_delegation_count_agreed(), or 0.
 */
CHAIN_PUBLIC
guint chain_delegation_count_missing (const ChainLedgerState   *state,
                                      const ChainLedgerRequest *request,
                                      const char               *delegating_key_id);

/**
 * chain_workspace_approve:
 * @self: the parent's workspace, unlocked by the approving officer.
 * @request_id: a request's statement id (or a prefix of 8 or more hex
 *   digits), or its custodian id.
 * @approve: %TRUE to approve, %FALSE to reject (which ends the request).
 * @error: CHAIN_ERROR_NOT_FOUND, CHAIN_ERROR_EXISTS (this officer approved
 *   already), CHAIN_ERROR_REFUSED (the ledger's rules refuse: not pending).
 *
 * Records an approval or a rejection.
 */
CHAIN_PUBLIC
gboolean chain_workspace_approve (ChainWorkspace *self,
                                  const char     *request_id,
                                  gboolean        approve,
                                  guint64        *out_seq,
                                  GCancellable   *cancellable,
                                  GError        **error);

/* ---- The child's side ----------------------------------------------------- */

/**
 * chain_workspace_accept:
 * @self: a workspace made by chain_workspace_request(), unlocked.
 * @grant_path: the grant file from the parent.
 * @trusted_root: (nullable): the root's thumbprint as the OEM published it
 *   (lower-case hex SHA-256); the grant is refused if its root differs.
 * @out_seq: (out) (optional): the acceptance record's sequence number.
 * @error: CHAIN_ERROR_INVALID_INPUT (not a grant), CHAIN_ERROR_NOT_FOUND
 *   (the grant delegates to someone else: the message names whom),
 *   CHAIN_ERROR_VERIFY (the grant's ledger fails the audit, or its root is
 *   not @trusted_root), CHAIN_ERROR_EXISTS (accepted already).
 *
 * Imports the ledger, installs the CA certificate, enrols the first
 * officer and records the acceptance. On failure the workspace is as it
 * was.
 *
 * Returns: %TRUE when the workspace has joined.
 */
CHAIN_PUBLIC
gboolean chain_workspace_accept (ChainWorkspace *self,
                                 const char     *grant_path,
                                 const char     *trusted_root,
                                 guint64        *out_seq,
                                 GCancellable   *cancellable,
                                 GError        **error);

/**
 * chain_workspace_accept_async:
 * @self: as chain_workspace_accept(); it must stay alive and untouched
 *   until @callback has run.
 * @grant_path: the grant file; copied.
 * @trusted_root: (nullable): as chain_workspace_accept(); copied.
 * @cancellable: (nullable): checked before the work starts and while it runs.
 * @callback: called when done, in the caller's thread-default main context.
 * @user_data: for @callback.
 *
 * As chain_workspace_accept(), in a worker thread.
 */
CHAIN_PUBLIC
void chain_workspace_accept_async (ChainWorkspace      *self,
                                   const char          *grant_path,
                                   const char          *trusted_root,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);

/**
 * chain_workspace_accept_finish:
 * @self: the workspace given to chain_workspace_accept_async().
 * @result: the result passed to the callback.
 * @out_seq: (out) (optional): the acceptance record's sequence number.
 * @error: as chain_workspace_accept(), or G_IO_ERROR_CANCELLED.
 *
 * Returns: %TRUE when the workspace has joined.
 */
CHAIN_PUBLIC
gboolean chain_workspace_accept_finish (ChainWorkspace  *self,
                                        GAsyncResult    *result,
                                        guint64         *out_seq,
                                        GError         **error);

G_END_DECLS
