/* chain-sync.h — moving a ledger between custodians: remotes, bundles, the pin
 *
 * Everything here works on the git level of a ledger repository (a bare
 * repository whose refs/heads/main is a linear chain of commits) and never
 * reads record content: whether new records are acceptable is decided by
 * the caller's verify function (the auditor), called before our branch
 * moves.
 *
 * The rules every operation keeps:
 *
 * - refs/heads/main only ever moves forward, by compare-and-swap: a fetch
 *   or bundle whose tip does not descend from ours is refused
 *   (CHAIN_ERROR_CONFLICT when both sides simply appended since a common
 *   record), and a push never forces.
 * - The pin: each workspace keeps, outside git, the last tip it verified
 *   (chain_sync_pin_write()). A ledger, remote or bundle whose tip neither
 *   descends from the pinned tip nor is an ancestor of it was rewritten
 *   (someone force-pushed); a bundle whose tip is older than what we hold
 *   is a rollback. Both are refused with CHAIN_ERROR_VERIFY.
 * - Every remote-tracking ref (refs/remotes/NAME/main) remembers the last
 *   state of that remote we accepted; a remote whose main no longer
 *   descends from it was rolled back or force-pushed: CHAIN_ERROR_VERIFY.
 * - "Descends" means along first parents: a ledger is one line of
 *   commits, and new history with a merge is refused (CHAIN_ERROR_VERIFY),
 *   as is new history whose objects are not all there.
 * - A refused operation leaves every ref and the pin as they were. Objects
 *   it already downloaded or unpacked may stay in the object database:
 *   nothing refers to them, and `git gc` removes them.
 *
 * Remotes are anything libgit2 reaches: a configured remote name, a path,
 * file://, git:// or ssh:// (keys from ssh-agent). Bundles are git bundle
 * v2 files (`git bundle verify` and `git clone` accept them) carrying
 * refs/heads/main, for sites without a network.
 *
 * Functions here block; run them in a worker thread from a GUI. Each opens
 * the repository itself and may be called from any thread. Run one at a
 * time per workspace (the pin is not locked); refs/heads/main itself is
 * safe either way, as every move of it is a compare-and-swap.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

G_BEGIN_DECLS

/** The file name a workspace keeps its pin in, next to its ledger. */
#define CHAIN_SYNC_PIN_FILE "pinned-tip"

/** What a bundle import accepts at most unless told otherwise: 4 GiB. */
#define CHAIN_SYNC_BUNDLE_MAX_SIZE ((guint64) 4 * 1024 * 1024 * 1024)

/** The largest object a bundle may carry: an artifact at its largest
 * (%CHAIN_STATEMENT_ARTIFACT_MAX_LEN) with room for its record. A bundle
 * carrying a larger one, or any object its records do not reach, is
 * refused and leaves nothing in the object store. */
#define CHAIN_SYNC_OBJECT_MAX_SIZE ((guint64) 1024 * 1024 * 1024 + 1024 * 1024)

/**
 * ChainSyncVerifyFunc:
 * @repo_path: the ledger repository; the new commits and everything they
 *   reach are in its object database, but refs/heads/main still points at
 *   @old_tip, so read the new records by commit id.
 * @old_tip: (nullable): our tip (40 hex digits), %NULL while the ledger is
 *   empty.
 * @new_tip: the tip that refs/heads/main is about to move to; it descends
 *   from @old_tip along a linear history.
 * @user_data: as given in the options.
 * @error: set when returning %FALSE; handed to the caller as is.
 *
 * Checks the records between @old_tip (excluded) and @new_tip.
 *
 * Returns: %TRUE to accept the new records, %FALSE to refuse them.
 */
typedef gboolean (*ChainSyncVerifyFunc) (const char *repo_path,
                                         const char *old_tip,
                                         const char *new_tip,
                                         gpointer    user_data,
                                         GError    **error);

/**
 * ChainSyncStage:
 * @CHAIN_SYNC_STAGE_RECEIVING: objects arriving from a remote (counts objects).
 * @CHAIN_SYNC_STAGE_SENDING: objects sent to a remote (counts objects).
 * @CHAIN_SYNC_STAGE_READING: a bundle being unpacked (counts bytes).
 * @CHAIN_SYNC_STAGE_WRITING: a bundle being written (counts objects).
 */
typedef enum {
  CHAIN_SYNC_STAGE_RECEIVING,
  CHAIN_SYNC_STAGE_SENDING,
  CHAIN_SYNC_STAGE_READING,
  CHAIN_SYNC_STAGE_WRITING,
} ChainSyncStage;

/**
 * ChainSyncProgressFunc:
 * @stage: what is being counted.
 * @done: how much is done.
 * @total: how much there is, 0 while unknown.
 * @user_data: as given in the options.
 *
 * Reports progress from the thread doing the work; it may be called often.
 */
typedef void (*ChainSyncProgressFunc) (ChainSyncStage stage,
                                       guint64        done,
                                       guint64        total,
                                       gpointer       user_data);

/**
 * ChainSyncOptions:
 * @version: %CHAIN_SYNC_OPTIONS_VERSION.
 * @pin_path: (nullable): the workspace's pin file (see
 *   %CHAIN_SYNC_PIN_FILE). When set, every operation first checks that
 *   our tip descends from the pin, refuses rewritten and rolled-back
 *   ledgers against it, and moves the pin to the new tip after a fast
 *   forward. A missing pin file counts as no pin (first use).
 * @verify: (nullable): judges new records before our branch moves; %NULL
 *   accepts them unseen (tools and tests only).
 * @verify_data: for @verify.
 * @progress: (nullable): progress reports.
 * @progress_data: for @progress.
 * @max_bundle_size: the largest bundle file imported, 0 for
 *   %CHAIN_SYNC_BUNDLE_MAX_SIZE.
 *
 * Initialise with %CHAIN_SYNC_OPTIONS_INIT, then set what you need.
 */
typedef struct {
  guint                  version;
  const char            *pin_path;
  ChainSyncVerifyFunc    verify;
  gpointer               verify_data;
  ChainSyncProgressFunc  progress;
  gpointer               progress_data;
  guint64                max_bundle_size;
} ChainSyncOptions;

#define CHAIN_SYNC_OPTIONS_VERSION 1
#define CHAIN_SYNC_OPTIONS_INIT { CHAIN_SYNC_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0 }

/**
 * ChainSyncStatus:
 * @CHAIN_SYNC_UP_TO_DATE: both sides already had the same tip.
 * @CHAIN_SYNC_FAST_FORWARDED: the receiving side's main moved forward
 *   (ours on fetch and import, the remote's on push).
 * @CHAIN_SYNC_REMOTE_BEHIND: fetch only: the remote lacks records we hold;
 *   push to send them.
 */
typedef enum {
  CHAIN_SYNC_UP_TO_DATE,
  CHAIN_SYNC_FAST_FORWARDED,
  CHAIN_SYNC_REMOTE_BEHIND,
} ChainSyncStatus;

/** The outcome of a fetch, push or bundle import. */
typedef struct _ChainSyncResult ChainSyncResult;

/** Returns: what happened. */
CHAIN_PUBLIC
ChainSyncStatus chain_sync_result_get_status (const ChainSyncResult *self);

/**
 * chain_sync_result_get_old_tip:
 *
 * Returns: (transfer none) (nullable): the receiving side's tip before, 40
 *   hex digits; %NULL when it had no records.
 */
CHAIN_PUBLIC
const char *chain_sync_result_get_old_tip (const ChainSyncResult *self);

/**
 * chain_sync_result_get_new_tip:
 *
 * Returns: (transfer none) (nullable): the receiving side's tip after;
 *   %NULL only when neither side has records.
 */
CHAIN_PUBLIC
const char *chain_sync_result_get_new_tip (const ChainSyncResult *self);

/**
 * chain_sync_result_get_records:
 *
 * Returns: the records that moved: added to the receiving side, or for
 *   %CHAIN_SYNC_REMOTE_BEHIND the records the remote lacks.
 */
CHAIN_PUBLIC
guint64 chain_sync_result_get_records (const ChainSyncResult *self);

/**
 * chain_sync_result_get_seq:
 *
 * Returns: the sequence number of our tip after the operation (the
 *   remote's new tip after a push), -1 when the ledger is empty or the
 *   history below it is not linear.
 */
CHAIN_PUBLIC
gint64 chain_sync_result_get_seq (const ChainSyncResult *self);

/**
 * chain_sync_result_get_summary:
 *
 * Returns: (transfer none): one line for people, e.g. "already up to date".
 */
CHAIN_PUBLIC
const char *chain_sync_result_get_summary (const ChainSyncResult *self);

/** chain_sync_result_free: NULL-safe. */
CHAIN_PUBLIC
void chain_sync_result_free (ChainSyncResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainSyncResult, chain_sync_result_free)

/* ---- The pin ------------------------------------------------------------- */

/**
 * chain_sync_pin_read:
 * @pin_path: the pin file.
 * @out_commit: (out) (transfer full): the pinned commit, 40 hex digits.
 * @out_seq: (out) (optional): its sequence number, -1 if not recorded.
 * @error: CHAIN_ERROR_NOT_FOUND (no pin yet), CHAIN_ERROR_INSECURE (the file
 *   is writable by others), CHAIN_ERROR_INVALID_INPUT (not a pin file),
 *   CHAIN_ERROR_IO.
 *
 * Returns: %TRUE if a pin was read; the out-params are set only then.
 */
CHAIN_PUBLIC
gboolean chain_sync_pin_read (const char *pin_path,
                              char      **out_commit,
                              gint64     *out_seq,
                              GError    **error);

/**
 * chain_sync_pin_write:
 * @pin_path: the pin file; replaced atomically (mode 0600, fsynced).
 * @commit: 40 hex digits.
 * @seq: its sequence number, or -1 if unknown.
 * @error: CHAIN_ERROR_INVALID_INPUT (@commit is not a commit id),
 *   CHAIN_ERROR_IO.
 *
 * Pins @commit as the last tip this workspace verified. Callers pin after
 * their own appends; fetch and import move the pin themselves.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_pin_write (const char *pin_path,
                               const char *commit,
                               gint64      seq,
                               GError    **error);

/**
 * chain_sync_pin_check:
 * @repo_path: a ledger repository.
 * @pin_path: the pin file; passes when there is none.
 * @tip: (nullable): a candidate tip (40 hex digits, in the repository) to
 *   check instead of the current refs/heads/main.
 * @error: CHAIN_ERROR_VERIFY (the ledger was rewritten or rolled back: the
 *   tip does not descend from the pin, or the pinned commit is gone), the
 *   errors of chain_sync_pin_read(), CHAIN_ERROR_INVALID_INPUT (@tip or
 *   @repo_path is not what it should be), CHAIN_ERROR_FAILED.
 *
 * Checks that the tip is the pinned commit or descends from it.
 *
 * Returns: %TRUE if it does.
 */
CHAIN_PUBLIC
gboolean chain_sync_pin_check (const char *repo_path,
                               const char *pin_path,
                               const char *tip,
                               GError    **error);

/* ---- Remotes ------------------------------------------------------------- */

/**
 * chain_sync_remote_set:
 * @repo_path: a ledger repository.
 * @name: a git remote name, e.g. "origin".
 * @url: where it is: a path, file://, git://, ssh:// or user@host:path.
 * @error: CHAIN_ERROR_INVALID_INPUT (a bad name or URL), CHAIN_ERROR_FAILED.
 *
 * Adds the remote @name, or points an existing one at @url. Its fetch
 * refspec, for plain git, has no '+': `git fetch NAME` cannot force the
 * tracking ref back either. url.*.insteadOf rewriting does not apply.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_remote_set (const char *repo_path,
                                const char *name,
                                const char *url,
                                GError    **error);

/**
 * chain_sync_remote_dup_url:
 * @repo_path: a ledger repository.
 * @name: a git remote name, e.g. "origin".
 *
 * Returns: (transfer full) (nullable): the URL of remote @name, or %NULL
 *   when there is no such remote (or the repository cannot be read).
 */
CHAIN_PUBLIC
char *chain_sync_remote_dup_url (const char *repo_path,
                                 const char *name);

/**
 * chain_sync_set_ca_file:
 * @repo_path: a ledger repository.
 * @ca_file: a PEM file of the CA certificates that HTTPS servers' certificates
 *   must chain to, instead of the system's (git's http.sslCAInfo).
 * @error: CHAIN_ERROR_NOT_FOUND (no such file), CHAIN_ERROR_FAILED.
 *
 * Remembers @ca_file (made absolute) in the repository's configuration, as
 * http.sslCAInfo, which fetch and push then check servers against; a
 * server whose certificate does not chain to it, or names another host, is
 * refused. Without it, $GIT_SSL_CAINFO or else the system's CAs are used.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_set_ca_file (const char *repo_path,
                                 const char *ca_file,
                                 GError    **error);

/**
 * chain_sync_set_ssh_key:
 * @repo_path: a ledger repository.
 * @key_file: an SSH private key file (its public key beside it, KEY.pub).
 * @error: CHAIN_ERROR_NOT_FOUND (no such file), CHAIN_ERROR_FAILED.
 *
 * Remembers @key_file (made absolute) in the repository's configuration,
 * as chain.sshKey: fetch and push over SSH offer it after the ssh-agent's
 * keys and before ~/.ssh/id_ed25519, id_ecdsa and id_rsa. SSH host keys are
 * always checked against ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_set_ssh_key (const char *repo_path,
                                 const char *key_file,
                                 GError    **error);

/**
 * chain_sync_fetch:
 * @repo_path: a ledger repository.
 * @remote: a configured remote name, or a URL or path.
 * @options: (nullable): %NULL for defaults.
 * @out_result: (out) (optional) (transfer full): what happened; set only
 *   on success.
 * @cancellable: (nullable): checked during the transfer.
 * @error: CHAIN_ERROR_CONFLICT (the remote and we appended different
 *   records since a common one, naming both tips and counts; or our main
 *   moved while we worked), CHAIN_ERROR_VERIFY (our ledger, or the remote's,
 *   was rewritten or rolled back; the new history is not one line of
 *   commits or lacks objects), whatever the
 *   verify function sets, CHAIN_ERROR_NOT_FOUND (no such remote name),
 *   CHAIN_ERROR_INVALID_INPUT (@repo_path is not a repository),
 *   CHAIN_ERROR_IO (the pin could not be moved), CHAIN_ERROR_FAILED (the
 *   remote could not be reached), G_IO_ERROR_CANCELLED.
 *
 * Fetches the remote's refs/heads/main, then: the same tip is
 * %CHAIN_SYNC_UP_TO_DATE; a tip we already hold below ours is
 * %CHAIN_SYNC_REMOTE_BEHIND; a tip descending from ours is checked by the
 * verify function and our main fast-forwards to it by compare-and-swap
 * (%CHAIN_SYNC_FAST_FORWARDED). The remote-tracking ref
 * refs/remotes/NAME/main (for a URL, NAME is "url-" and 16 hex digits of
 * its SHA-256) then records the remote's tip.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_fetch (const char             *repo_path,
                           const char             *remote,
                           const ChainSyncOptions *options,
                           ChainSyncResult       **out_result,
                           GCancellable           *cancellable,
                           GError                **error);

/**
 * chain_sync_push:
 * @repo_path: a ledger repository with at least one record.
 * @remote: a configured remote name, or a URL or path (of a bare
 *   repository, if local).
 * @options: (nullable): @pin_path is checked against our tip; the verify
 *   function is not used.
 * @out_result: (out) (optional) (transfer full): set only on success.
 * @cancellable: (nullable): checked during the transfer.
 * @error: CHAIN_ERROR_CONFLICT (the remote holds records we do not: fetch
 *   first), CHAIN_ERROR_VERIFY (our ledger was rewritten since the pin),
 *   CHAIN_ERROR_NOT_FOUND (an empty ledger, or no such remote name),
 *   CHAIN_ERROR_REFUSED (a local non-bare repository), CHAIN_ERROR_FAILED,
 *   G_IO_ERROR_CANCELLED.
 *
 * Fast-forwards the remote's refs/heads/main to our tip; never forces. A
 * local remote is updated by compare-and-swap; a network remote's server
 * refuses an update if its main moved after it told us where it was.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_push (const char             *repo_path,
                          const char             *remote,
                          const ChainSyncOptions *options,
                          ChainSyncResult       **out_result,
                          GCancellable           *cancellable,
                          GError                **error);

/* ---- Bundles ------------------------------------------------------------- */

/**
 * chain_sync_bundle_create:
 * @repo_path: a ledger repository with at least one record.
 * @bundle_path: the file to write; must not exist.
 * @base: (nullable): a commit of our main the receiver already holds (its
 *   pinned tip, say); the bundle then carries only what came after it.
 *   %NULL for a full bundle.
 * @options: (nullable): @pin_path is checked against our tip.
 * @out_records: (out) (optional): how many records the bundle carries.
 * @cancellable: (nullable): checked while writing.
 * @error: CHAIN_ERROR_EXISTS (@bundle_path exists), CHAIN_ERROR_NOT_FOUND
 *   (an empty ledger; @base is not in it), CHAIN_ERROR_INVALID_INPUT (@base
 *   is not a commit id, or not one of our main's records),
 *   CHAIN_ERROR_REFUSED (@base is our tip: nothing to send),
 *   CHAIN_ERROR_VERIFY (our ledger was rewritten since the pin),
 *   CHAIN_ERROR_IO, CHAIN_ERROR_FAILED, G_IO_ERROR_CANCELLED.
 *
 * Writes a git bundle v2 of refs/heads/main at our tip, fsynced and
 * renamed into place. The tip is first recorded in refs/chain/sent/bundle:
 * whatever a bundle carried is held elsewhere too, so
 * chain_workspace_sync() never re-appends it.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_bundle_create (const char             *repo_path,
                                   const char             *bundle_path,
                                   const char             *base,
                                   const ChainSyncOptions *options,
                                   guint64                *out_records,
                                   GCancellable           *cancellable,
                                   GError                **error);

/**
 * chain_sync_bundle_import:
 * @repo_path: a ledger repository.
 * @bundle_path: a bundle from chain_sync_bundle_create() or
 *   `git bundle create FILE main`.
 * @options: (nullable): %NULL for defaults.
 * @out_result: (out) (optional) (transfer full): set only on success.
 * @cancellable: (nullable): checked while unpacking.
 * @error: CHAIN_ERROR_INVALID_INPUT (not a v2 bundle of refs/heads/main, a
 *   header over 64 KiB, a file over the size cap, a damaged or truncated
 *   pack), CHAIN_ERROR_NOT_FOUND (no such file; a prerequisite commit we do
 *   not hold), CHAIN_ERROR_VERIFY (a rollback: the bundle's tip is older
 *   than ours or the pin; a rewritten ledger; a history that is not one
 *   line or lacks objects),
 *   CHAIN_ERROR_CONFLICT (the bundle and we appended different records),
 *   whatever the verify function sets, CHAIN_ERROR_IO, CHAIN_ERROR_FAILED,
 *   G_IO_ERROR_CANCELLED.
 *
 * Unpacks the bundle into the object database, then moves our main as a
 * fetch would, and records the bundle's tip in refs/chain/received/bundle
 * (its sender holds those records). A bundle whose tip is ours is
 * %CHAIN_SYNC_UP_TO_DATE.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_bundle_import (const char             *repo_path,
                                   const char             *bundle_path,
                                   const ChainSyncOptions *options,
                                   ChainSyncResult       **out_result,
                                   GCancellable           *cancellable,
                                   GError                **error);

G_END_DECLS
