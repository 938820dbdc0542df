/* chain-ledger.h — the signed git ledger: storage, appending, reading
 *
 * A ledger is a git repository (bare, "ledger.git") whose branch
 * refs/heads/main is a linear chain of records, one signed commit each;
 * docs/ledger-format.md is the contract. This layer stores and reads
 * records and knows nothing of policy: the caller's check function judges
 * every statement against the ledger as it stands at the tip, before
 * anything is written.
 *
 * Appending is compare-and-swap: read the tip, check, write objects
 * (fsynced), sign the commit, and move refs/heads/main only if it still
 * points at the tip read; if another writer (another handle, process or
 * machine syncing in) moved it first, all of that happens again on the new
 * tip. A crash at any point leaves the old tip or the new one.
 *
 * Reading: the ledger keeps an index from sequence number to commit, built
 * once by walking the first parents and extended incrementally, and cached
 * in the repository directory (file "libchain-index", outside git's object
 * database; deleting it is harmless), so opening a large ledger and reading
 * any record is cheap.
 *
 * A ChainLedger and its records are used from one thread at a time.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

#include "chain-cert.h"
#include "chain-key.h"
#include "chain-record.h"
#include "chain-statement.h"

G_BEGIN_DECLS

typedef struct _ChainLedger ChainLedger;

/* ---- Who appends ---------------------------------------------------------- */

typedef struct _ChainLedgerSigner ChainLedgerSigner;

/**
 * chain_ledger_signer_new:
 * @key: the appending officer's private key; borrowed, it must outlive the
 *   signer.
 * @cert: its officer certificate (CA:FALSE, keyUsage digitalSignature,
 *   extendedKeyUsage emailProtection).
 * @intermediates: (element-type ChainCert) (nullable): @cert's issuing CAs
 *   below the ledger root, embedded in every commit signature.
 * @error: CHAIN_ERROR_REFUSED (@cert is not an officer certificate),
 *   CHAIN_ERROR_INVALID_INPUT (@key does not match @cert).
 *
 * The identity that signs commits. It keeps its own references to the
 * certificates; load the key once and append many records with one signer.
 *
 * Returns: (transfer full) (nullable): the signer.
 */
CHAIN_PUBLIC
ChainLedgerSigner *chain_ledger_signer_new (ChainKey   *key,
                                            ChainCert  *cert,
                                            GPtrArray  *intermediates,
                                            GError    **error);

/** chain_ledger_signer_free: NULL-safe; the key is the caller's to wipe. */
CHAIN_PUBLIC
void chain_ledger_signer_free (ChainLedgerSigner *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainLedgerSigner, chain_ledger_signer_free)

/* ---- Opening ------------------------------------------------------------- */

/**
 * ChainLedgerCheckFunc:
 * @ledger: the ledger; chain_ledger_load_record() reads any record up to
 *   @tip_seq. Do not append from here.
 * @tip_seq: the sequence number of the tip, -1 for an empty ledger.
 * @tip_digest: (nullable): the tip's record digest (what the new record's
 *   prev will be), %NULL for an empty ledger.
 * @statement: the statement about to be appended as record @tip_seq + 1.
 * @user_data: as given to the append call.
 * @error: set when returning %FALSE; it is passed to the caller as is.
 *
 * Judges @statement against the ledger as it stands at the tip (policy,
 * thresholds, replays, signatures). Called once per attempt: again, with a
 * newer tip, if another writer got in first.
 *
 * Returns: %TRUE to append, %FALSE (with @error set) to refuse.
 */
typedef gboolean (*ChainLedgerCheckFunc) (ChainLedger    *ledger,
                                          gint64          tip_seq,
                                          const char     *tip_digest,
                                          ChainStatement *statement,
                                          gpointer        user_data,
                                          GError        **error);

/**
 * chain_ledger_init:
 * @path: where to make the repository; must not exist (its parent must).
 * @error: CHAIN_ERROR_EXISTS, CHAIN_ERROR_IO, CHAIN_ERROR_FAILED.
 *
 * Makes an empty ledger: a bare repository with HEAD at refs/heads/main
 * and no records, marked as a libchain ledger, for a custodian who will
 * fetch an existing ledger into it. chain_ledger_create() starts a new one.
 *
 * Returns: (transfer full) (nullable): the ledger, of length 0.
 */
CHAIN_PUBLIC
ChainLedger *chain_ledger_init (const char *path,
                                GError    **error);

/**
 * chain_ledger_create:
 * @path: where to make the repository; must not exist (its parent must).
 * @genesis: a signed statement of type genesis, with its artifacts added.
 * @signer: the officer who signs the first commit.
 * @check: (nullable): judges @genesis first (tip_seq -1).
 * @user_data: for @check.
 * @cancellable: (nullable): a cancellable.
 * @error: CHAIN_ERROR_EXISTS, CHAIN_ERROR_INVALID_INPUT (not a genesis,
 *   unsigned, artifacts missing), whatever @check sets, CHAIN_ERROR_IO,
 *   CHAIN_ERROR_FAILED.
 *
 * Makes a new ledger whose record 0 is @genesis, appended like any other
 * record. On failure nothing is left at @path.
 *
 * Returns: (transfer full) (nullable): the ledger, of length 1.
 */
CHAIN_PUBLIC
ChainLedger *chain_ledger_create (const char           *path,
                                  ChainStatement       *genesis,
                                  ChainLedgerSigner    *signer,
                                  ChainLedgerCheckFunc  check,
                                  gpointer              user_data,
                                  GCancellable         *cancellable,
                                  GError              **error);

/**
 * chain_ledger_open:
 * @path: a ledger repository.
 * @cancellable: (nullable): checked while indexing.
 * @error: CHAIN_ERROR_NOT_FOUND (nothing at @path), CHAIN_ERROR_INVALID_INPUT
 *   (not a git repository, or a repository that is not a libchain ledger),
 *   CHAIN_ERROR_VERIFY (a commit on refs/heads/main cannot be read),
 *   G_IO_ERROR_CANCELLED.
 *
 * Opens a ledger made by chain_ledger_create() or chain_ledger_init(), or a
 * git clone of one, and indexes its records.
 *
 * Returns: (transfer full) (nullable): the ledger.
 */
CHAIN_PUBLIC
ChainLedger *chain_ledger_open (const char   *path,
                                GCancellable *cancellable,
                                GError      **error);

/**
 * chain_ledger_refresh:
 * @self: a ledger.
 * @out_changed: (out) (optional): whether the length or tip changed.
 * @cancellable: (nullable): checked while indexing.
 * @error: as chain_ledger_open().
 *
 * Catches up with refs/heads/main as other writers, or a sync, left it.
 * The index only changes here and in appends.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_ledger_refresh (ChainLedger  *self,
                               gboolean     *out_changed,
                               GCancellable *cancellable,
                               GError      **error);

/** Returns: (transfer none): the repository path as given. */
CHAIN_PUBLIC
const char *chain_ledger_get_path (ChainLedger *self);

/** Returns: the number of records indexed: the tip's seq + 1, 0 when empty. */
CHAIN_PUBLIC
guint64 chain_ledger_get_length (ChainLedger *self);

/**
 * chain_ledger_get_id:
 *
 * Returns: (transfer none) (nullable): the ledger id from the genesis
 *   record, %NULL while the ledger is empty.
 */
CHAIN_PUBLIC
const char *chain_ledger_get_id (ChainLedger *self);

/**
 * chain_ledger_get_tip_commit_id:
 *
 * Returns: (transfer none) (nullable): the commit id at the tip as
 *   indexed, %NULL when empty.
 */
CHAIN_PUBLIC
const char *chain_ledger_get_tip_commit_id (ChainLedger *self);

/**
 * chain_ledger_load_record:
 * @self: a ledger.
 * @seq: below chain_ledger_get_length().
 * @error: CHAIN_ERROR_NOT_FOUND (@seq beyond the tip), CHAIN_ERROR_VERIFY
 *   naming the record and what is wrong with it (see chain-record.h),
 *   CHAIN_ERROR_FAILED (libgit2).
 *
 * Reads and checks the form of one record; cheap enough for a list that
 * loads rows as they scroll into view.
 *
 * Returns: (transfer full) (nullable): the record.
 */
CHAIN_PUBLIC
ChainRecord *chain_ledger_load_record (ChainLedger *self,
                                       guint64      seq,
                                       GError     **error);

/* ---- Appending ----------------------------------------------------------- */

/**
 * chain_ledger_append:
 * @self: a ledger.
 * @statement: a signed statement with the content of every artifact it
 *   lists added or attached; for the ledger's id.
 * @signer: the appending officer.
 * @check: (nullable): judges @statement at the tip before anything is
 *   written; %NULL appends without judgement (tools and tests only).
 * @user_data: for @check.
 * @out_record: (out) (optional) (transfer full): the new record; set only
 *   on success.
 * @cancellable: (nullable): checked before each attempt.
 * @error: CHAIN_ERROR_INVALID_INPUT (unsigned statement, artifact content
 *   missing, a genesis on a non-empty ledger or another type on an empty
 *   one), CHAIN_ERROR_REFUSED (statement for another ledger), whatever
 *   @check sets, CHAIN_ERROR_CONFLICT (other writers kept winning, or
 *   refs/heads/main stayed locked), CHAIN_ERROR_VERIFY (the tip record is
 *   damaged), CHAIN_ERROR_FAILED (libgit2, OpenSSL), G_IO_ERROR_CANCELLED.
 *
 * Appends @statement as the next record, retrying on a newer tip when
 * another writer wins the race.
 *
 * Returns: %TRUE if the record was appended.
 */
CHAIN_PUBLIC
gboolean chain_ledger_append (ChainLedger          *self,
                              ChainStatement       *statement,
                              ChainLedgerSigner    *signer,
                              ChainLedgerCheckFunc  check,
                              gpointer              user_data,
                              ChainRecord         **out_record,
                              GCancellable         *cancellable,
                              GError              **error);

/** chain_ledger_free: NULL-safe; records handed out stay valid. */
CHAIN_PUBLIC
void chain_ledger_free (ChainLedger *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainLedger, chain_ledger_free)

G_END_DECLS
