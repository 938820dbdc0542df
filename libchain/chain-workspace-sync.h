/* chain-workspace-sync.h — syncing a workspace's ledger with a remote,
 * re-appending our own records when both sides appended
 *
 * chain_sync_fetch() refuses when the remote and we each appended records
 * since the last record both hold. chain_workspace_sync() resolves that the
 * way the ledger format allows: a statement carries no sequence number or
 * parent, so our records that were never shared are appended again, their
 * statements and signatures unchanged, on top of the remote's tip; only
 * their record.json and commits are made anew. The rule engine judges each
 * one again at its new place, the auditor judges the whole new history, and
 * only then does our main move, by compare-and-swap. The old commits stay
 * reachable from refs/chain/abandoned/TIMESTAMP.
 *
 * Records that anyone else may hold are never re-appended: one that a
 * remote-tracking ref, a bundle written or imported, or any other ref holds;
 * one authored by another custodian or appended by another custodian's
 * officer. Such a divergence is refused (CHAIN_ERROR_CONFLICT); the other
 * side then re-appends instead. A diverged record whose statement the
 * remote's new records already hold (someone re-appended it there) is
 * simply left behind: the new history keeps it.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

#include "chain-workspace.h"

G_BEGIN_DECLS

/**
 * ChainWorkspaceSyncStage:
 * @CHAIN_WORKSPACE_SYNC_STAGE_RECEIVING: objects arriving from the remote
 *   (counts objects).
 * @CHAIN_WORKSPACE_SYNC_STAGE_AUDITING: the auditor checks new records;
 *   reported with 0 of 1 when an audit starts and 1 of 1 when it ends.
 * @CHAIN_WORKSPACE_SYNC_STAGE_REAPPENDING: our records re-appended on the
 *   remote's tip (counts records).
 * @CHAIN_WORKSPACE_SYNC_STAGE_SENDING: objects sent to the remote (counts
 *   objects).
 */
typedef enum {
  CHAIN_WORKSPACE_SYNC_STAGE_RECEIVING,
  CHAIN_WORKSPACE_SYNC_STAGE_AUDITING,
  CHAIN_WORKSPACE_SYNC_STAGE_REAPPENDING,
  CHAIN_WORKSPACE_SYNC_STAGE_SENDING,
} ChainWorkspaceSyncStage;

/**
 * ChainWorkspaceSyncProgressFunc:
 * @stage: what is being counted.
 * @done: how much is done.
 * @total: how much there is, 0 while unknown.
 * @user_data: as given in the options.
 *
 * Reports progress: from the calling thread for chain_workspace_sync(), in
 * the caller's thread-default main context for chain_workspace_sync_async().
 */
typedef void (*ChainWorkspaceSyncProgressFunc) (ChainWorkspaceSyncStage stage,
                                                guint64                 done,
                                                guint64                 total,
                                                gpointer                user_data);

/**
 * ChainWorkspaceSyncOptions:
 * @version: %CHAIN_WORKSPACE_SYNC_OPTIONS_VERSION.
 * @push: send our records when the remote lacks them (fast-forward only,
 *   never forced); %TRUE by default.
 * @progress: (nullable): progress reports.
 * @progress_data: for @progress.
 *
 * Initialise with %CHAIN_WORKSPACE_SYNC_OPTIONS_INIT, then set what differs.
 */
typedef struct {
  guint                           version;
  gboolean                        push;
  ChainWorkspaceSyncProgressFunc  progress;
  gpointer                        progress_data;
} ChainWorkspaceSyncOptions;

#define CHAIN_WORKSPACE_SYNC_OPTIONS_VERSION 1
#define CHAIN_WORKSPACE_SYNC_OPTIONS_INIT { CHAIN_WORKSPACE_SYNC_OPTIONS_VERSION, TRUE, NULL, NULL }

/**
 * ChainWorkspaceSyncStatus:
 * @CHAIN_WORKSPACE_SYNC_UP_TO_DATE: the remote had no record we lacked.
 * @CHAIN_WORKSPACE_SYNC_FAST_FORWARDED: we took the remote's new records.
 * @CHAIN_WORKSPACE_SYNC_REAPPENDED: we took the remote's new records and
 *   re-appended ours on top of them.
 *
 * What happened on our side; the push is counted apart.
 */
typedef enum {
  CHAIN_WORKSPACE_SYNC_UP_TO_DATE,
  CHAIN_WORKSPACE_SYNC_FAST_FORWARDED,
  CHAIN_WORKSPACE_SYNC_REAPPENDED,
} ChainWorkspaceSyncStatus;

/** The outcome of a workspace sync. */
typedef struct _ChainWorkspaceSyncResult ChainWorkspaceSyncResult;

/** Returns: what happened on our side. */
CHAIN_PUBLIC
ChainWorkspaceSyncStatus chain_workspace_sync_result_get_status
  (const ChainWorkspaceSyncResult *self);

/** Returns: (transfer none) (nullable): our tip before, 40 hex digits. */
CHAIN_PUBLIC
const char *chain_workspace_sync_result_get_old_tip (const ChainWorkspaceSyncResult *self);

/** Returns: (transfer none) (nullable): our tip after; %NULL only when
 * neither side has records. */
CHAIN_PUBLIC
const char *chain_workspace_sync_result_get_new_tip (const ChainWorkspaceSyncResult *self);

/** Returns: the sequence number of our tip after, -1 when empty. */
CHAIN_PUBLIC
gint64 chain_workspace_sync_result_get_seq (const ChainWorkspaceSyncResult *self);

/** Returns: how many of the remote's records we took. */
CHAIN_PUBLIC
guint64 chain_workspace_sync_result_get_n_fetched (const ChainWorkspaceSyncResult *self);

/** Returns: how many of our records were re-appended on the remote's tip. */
CHAIN_PUBLIC
guint64 chain_workspace_sync_result_get_n_reappended (const ChainWorkspaceSyncResult *self);

/** Returns: how many of our diverged records were not re-appended because
 * the remote's new records hold the same statements already (someone
 * appended them again there). */
CHAIN_PUBLIC
guint64 chain_workspace_sync_result_get_n_already_held (const ChainWorkspaceSyncResult *self);

/** Returns: how many records the remote received from us. */
CHAIN_PUBLIC
guint64 chain_workspace_sync_result_get_n_pushed (const ChainWorkspaceSyncResult *self);

/** Returns: how many of our records the remote still lacks (not pushed). */
CHAIN_PUBLIC
guint64 chain_workspace_sync_result_get_n_unpushed (const ChainWorkspaceSyncResult *self);

/**
 * chain_workspace_sync_result_get_abandoned_ref:
 *
 * Returns: (transfer none) (nullable): after a re-append, the ref that
 *   keeps our old commits (refs/chain/abandoned/TIMESTAMP); %NULL otherwise.
 */
CHAIN_PUBLIC
const char *chain_workspace_sync_result_get_abandoned_ref (const ChainWorkspaceSyncResult *self);

/**
 * chain_workspace_sync_result_get_summary:
 *
 * Returns: (transfer none): one line for people, e.g. "fetched 2 records
 *   and re-appended our 1 on top; now at record 9; pushed 1 record".
 */
CHAIN_PUBLIC
const char *chain_workspace_sync_result_get_summary (const ChainWorkspaceSyncResult *self);

/** chain_workspace_sync_result_free: NULL-safe. */
CHAIN_PUBLIC
void chain_workspace_sync_result_free (ChainWorkspaceSyncResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainWorkspaceSyncResult, chain_workspace_sync_result_free)

/**
 * chain_workspace_sync:
 * @self: a joined workspace; unlocked if our records may need re-appending
 *   (the unlocked officer signs the new commits).
 * @remote: (nullable): a remote name configured in the ledger (see
 *   chain_sync_remote_set()), a path or a URL; %NULL for "origin".
 * @options: (nullable): %NULL for defaults.
 * @out_result: (out) (optional) (transfer full): what happened; set only on
 *   success.
 * @cancellable: (nullable): checked throughout; a cancelled sync changes
 *   nothing unless it had moved our main already (then it finishes).
 * @error: CHAIN_ERROR_CONFLICT (our diverged records were shared already,
 *   or are not ours; another ledger; main or the remote moved while we
 *   worked), CHAIN_ERROR_VERIFY (the remote's new records fail the audit; a
 *   ledger was rewritten or rolled back; a record of ours is refused by the
 *   rules on the remote's tip: "... record SEQ (TYPE): rule RULE: ..."),
 *   CHAIN_ERROR_PASSPHRASE (a re-append is needed and the workspace is
 *   locked), CHAIN_ERROR_NOT_FOUND (no such remote; not joined),
 *   CHAIN_ERROR_INVALID_INPUT, CHAIN_ERROR_REFUSED (push to a non-bare
 *   repository), CHAIN_ERROR_IO, CHAIN_ERROR_FAILED (unreachable),
 *   G_IO_ERROR_CANCELLED.
 *
 * Fetches the remote's main and audits what is new against this
 * workspace's root and pin. If only the remote appended, our main
 * fast-forwards; if both did, our unshared records are re-appended on the
 * remote's tip (see the file comment) — any of them the rules now refuse,
 * and nothing changes at all: not the ledger, its refs, nor the pin. Then,
 * with @options->push, what the remote lacks is pushed, and the workspace
 * is refreshed. When the push loses a race (another custodian pushed
 * first), the whole sync runs again — fetch, re-append, push — after a
 * random pause that grows up to 0.4 s, for as long as others' pushes keep
 * landing, up to 30 minutes (or a cancel). A failed push after a
 * re-append leaves the re-append in place (the error says so); sync again
 * to push.
 * A push the remote's pre-receive hook refuses (chain-receive.h) fails with
 * CHAIN_ERROR_REFUSED naming the rule.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_workspace_sync (ChainWorkspace                  *self,
                               const char                      *remote,
                               const ChainWorkspaceSyncOptions *options,
                               ChainWorkspaceSyncResult       **out_result,
                               GCancellable                    *cancellable,
                               GError                         **error);

/**
 * chain_workspace_sync_async:
 * As chain_workspace_sync(), in a worker thread: @self must stay alive and
 * untouched until @callback has run. @remote and @options are copied;
 * progress is reported in the caller's thread-default main context, and no
 * longer once chain_workspace_sync_finish() was called.
 */
CHAIN_PUBLIC
void chain_workspace_sync_async (ChainWorkspace                  *self,
                                 const char                      *remote,
                                 const ChainWorkspaceSyncOptions *options,
                                 GCancellable                    *cancellable,
                                 GAsyncReadyCallback              callback,
                                 gpointer                         user_data);

/**
 * chain_workspace_sync_finish:
 * @self: the workspace given to chain_workspace_sync_async().
 * @result: the result passed to the callback.
 * @out_result: (out) (optional) (transfer full): set only on success.
 * @error: as chain_workspace_sync().
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_workspace_sync_finish (ChainWorkspace            *self,
                                      GAsyncResult              *result,
                                      ChainWorkspaceSyncResult **out_result,
                                      GError                   **error);

G_END_DECLS
