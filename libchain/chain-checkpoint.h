/* chain-checkpoint.h — witnessed checkpoints: what each custodian has seen
 *
 * A git server could show different custodians different histories (a
 * split view). Each custodian therefore signs, with its officer key, a
 * small note naming the ledger state it verified — in the spirit of C2SP
 * tlog-checkpoint and tlog-cosignature:
 *
 *   libchain-checkpoint 1
 *   ledger LEDGER-ID
 *   seq N
 *   record SHA-256 OF RECORD N'S record.json (64 hex)
 *   commit RECORD N'S COMMIT ID (40 hex)
 *   time UNIX SECONDS
 *   custodian CUSTODIAN-ID
 *   officer SIGNING OFFICER'S KEY ID (64 hex)
 *   signature BASE64
 *
 * The signature covers every byte before the "signature " line, made as
 * statement signatures are (ECDSA with SHA-256 or SHA-384, RSA PKCS#1
 * v1.5 with SHA-256). refs/checkpoints/CUSTODIAN names a commit without
 * parents whose tree holds the note as its one file, "checkpoint" (git
 * transfers commits, not lone blobs); `chain sync` writes the workspace's own after each sync and
 * exchanges every custodian's with the remote, so checkpoints travel with
 * the ledger. The auditor checks them (docs/ledger-format.md,
 * "Witnessed checkpoints"):
 *
 *   checkpoint.format     a checkpoint ref that names no well-formed note,
 *                         or a note of another ledger or custodian than its ref
 *   checkpoint.signature  not signed by an officer of its custodian, or the
 *                         signature does not verify
 *   checkpoint.split      two checkpoints name the same seq with different
 *                         digests, or a checkpoint names a record main does
 *                         not hold (a split view, or main was rewritten)
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

#include "chain-cert.h"
#include "chain-key.h"
#include "chain-sync.h"
#include "chain-workspace.h"

G_BEGIN_DECLS

/** Where checkpoints live: refs/checkpoints/CUSTODIAN-ID. */
#define CHAIN_CHECKPOINT_REF_PREFIX "refs/checkpoints/"

/** The note's file name in the commit a checkpoint ref names. */
#define CHAIN_CHECKPOINT_FILE "checkpoint"

/** The largest checkpoint note read. */
#define CHAIN_CHECKPOINT_MAX_LEN 4096

typedef struct _ChainCheckpoint ChainCheckpoint;

/**
 * chain_checkpoint_sign:
 * @ledger_id: the ledger's id.
 * @seq: the record seen last.
 * @record_digest: lower-case hex SHA-256 of its record.json.
 * @commit_id: its commit id, 40 lower-case hex digits.
 * @time: when, in Unix seconds.
 * @custodian: the witnessing custodian's id.
 * @officer_key: an officer key of @custodian.
 * @error: CHAIN_ERROR_INVALID_INPUT (a malformed field),
 *   CHAIN_ERROR_FAILED (the key cannot sign).
 *
 * Returns: (transfer full) (nullable): the signed note's bytes.
 */
CHAIN_PUBLIC
GBytes *chain_checkpoint_sign (const char *ledger_id,
                               guint64     seq,
                               const char *record_digest,
                               const char *commit_id,
                               gint64      time,
                               const char *custodian,
                               ChainKey   *officer_key,
                               GError    **error);

/**
 * chain_checkpoint_parse:
 * @note: the note, at most %CHAIN_CHECKPOINT_MAX_LEN bytes.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the line at fault.
 *
 * Parses strictly (exactly the lines above, in order); the signature is
 * not verified.
 *
 * Returns: (transfer full) (nullable): the checkpoint.
 */
CHAIN_PUBLIC
ChainCheckpoint *chain_checkpoint_parse (GBytes  *note,
                                         GError **error);

/**
 * chain_checkpoint_verify:
 * @self: a checkpoint.
 * @officer: the certificate of the officer its "officer" line names.
 * @error: CHAIN_ERROR_VERIFY.
 *
 * Checks the signature only, not whose officer @officer is.
 *
 * Returns: %TRUE if @officer's key signed the note.
 */
CHAIN_PUBLIC
gboolean chain_checkpoint_verify (const ChainCheckpoint *self,
                                  const ChainCert       *officer,
                                  GError               **error);

/* Strings returned (transfer none) live as long as the checkpoint. */
CHAIN_PUBLIC
const char *chain_checkpoint_get_ledger_id (const ChainCheckpoint *self);
CHAIN_PUBLIC
guint64 chain_checkpoint_get_seq (const ChainCheckpoint *self);
CHAIN_PUBLIC
const char *chain_checkpoint_get_record_digest (const ChainCheckpoint *self);
CHAIN_PUBLIC
const char *chain_checkpoint_get_commit_id (const ChainCheckpoint *self);
CHAIN_PUBLIC
gint64 chain_checkpoint_get_time (const ChainCheckpoint *self);
CHAIN_PUBLIC
const char *chain_checkpoint_get_custodian (const ChainCheckpoint *self);
CHAIN_PUBLIC
const char *chain_checkpoint_get_officer_key_id (const ChainCheckpoint *self);

/** chain_checkpoint_free: NULL-safe. */
CHAIN_PUBLIC
void chain_checkpoint_free (ChainCheckpoint *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainCheckpoint, chain_checkpoint_free)

/**
 * chain_checkpoint_list:
 * @repo_path: a ledger repository.
 * @error: CHAIN_ERROR_INVALID_INPUT (no repository), CHAIN_ERROR_FAILED.
 *
 * The checkpoints under %CHAIN_CHECKPOINT_REF_PREFIX that parse, sorted by
 * custodian; unreadable ones are left out (the auditor names them).
 *
 * Returns: (transfer full) (element-type ChainCheckpoint): the checkpoints.
 */
CHAIN_PUBLIC
GPtrArray *chain_checkpoint_list (const char *repo_path,
                                  GError    **error);

/**
 * chain_checkpoint_read_note:
 * @repo_path: a ledger repository.
 * @custodian: a custodian id.
 * @error: CHAIN_ERROR_NOT_FOUND (no checkpoint of @custodian), CHAIN_ERROR_FAILED.
 *
 * Returns: (transfer full) (nullable): the note refs/checkpoints/@custodian names.
 */
CHAIN_PUBLIC
GBytes *chain_checkpoint_read_note (const char *repo_path,
                                    const char *custodian,
                                    GError    **error);

/**
 * chain_sync_fetch_checkpoints:
 * @repo_path: a ledger repository.
 * @remote: a remote name or URL, as for chain_sync_fetch().
 * @options: (nullable): its progress and nothing else is used.
 * @cancellable: (nullable): stops the transfer.
 * @error: as chain_sync_fetch().
 *
 * Copies every refs/checkpoints/ ref of @remote here, replacing ours of
 * the same name (write ours again afterwards). The auditor judges them.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_fetch_checkpoints (const char             *repo_path,
                                       const char             *remote,
                                       const ChainSyncOptions *options,
                                       GCancellable           *cancellable,
                                       GError                **error);

/**
 * chain_sync_push_checkpoint:
 * @repo_path: a ledger repository.
 * @remote: a remote name or URL.
 * @custodian: whose checkpoint: refs/checkpoints/@custodian is pushed,
 *   replacing the remote's.
 * @options: (nullable): as for chain_sync_fetch_checkpoints().
 * @cancellable: (nullable): stops the transfer.
 * @error: CHAIN_ERROR_REFUSED (the remote's hook refused it, naming the
 *   rule), the errors of chain_sync_push().
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_sync_push_checkpoint (const char             *repo_path,
                                     const char             *remote,
                                     const char             *custodian,
                                     const ChainSyncOptions *options,
                                     GCancellable           *cancellable,
                                     GError                **error);

/**
 * chain_workspace_write_checkpoint:
 * @self: a joined workspace with an unlocked officer.
 * @error: CHAIN_ERROR_PASSPHRASE (no officer unlocked), CHAIN_ERROR_NOT_FOUND
 *   (the ledger has no records), CHAIN_ERROR_FAILED.
 *
 * Signs a checkpoint of the ledger's tip as this workspace's custodian and
 * points refs/checkpoints/CUSTODIAN at it (replacing the one before).
 *
 * Returns: (transfer full) (nullable): the checkpoint written.
 */
CHAIN_PUBLIC
ChainCheckpoint *chain_workspace_write_checkpoint (ChainWorkspace *self,
                                                   GError        **error);

G_END_DECLS
