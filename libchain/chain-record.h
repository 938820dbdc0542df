/* chain-record.h — one ledger record, as read from the repository
 *
 * A ChainRecord is a read-only view of one commit of a ledger: its
 * position, its chain link (record.json), the statement and signatures its
 * author signed, the artifacts it adds (read on demand), and what an
 * auditor needs to check the commit signature: the gpgsig header and the
 * commit bytes it signs.
 *
 * chain_ledger_load_record() hands out records only after checking their
 * form: the commit has the one parent the ledger expects and exactly one
 * gpgsig header; its tree is the parent's plus exactly this record's
 * directory; the three JSON files are canonical and well formed;
 * record.json's seq, prev, ledger and digests match. Signatures (of the
 * commit and of the statement) are not verified here: that needs the
 * ledger's roots and officers, which is the auditor's work.
 *
 * Records are reference counted and immutable. A record keeps its ledger's
 * repository open; use it from one thread at a time together with its
 * ledger.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

#include "chain-statement.h"

G_BEGIN_DECLS

typedef struct _ChainRecord ChainRecord;

/** The record.json format version written and accepted. */
#define CHAIN_RECORD_VERSION 1

/** Returns: the sequence number: 0 for genesis. */
CHAIN_PUBLIC
guint64 chain_record_get_seq (const ChainRecord *self);

/** Returns: (transfer none): the git commit id, 40 lower-case hex digits. */
CHAIN_PUBLIC
const char *chain_record_get_commit_id (const ChainRecord *self);

/** Returns: when the record was appended (the committer time), Unix seconds. */
CHAIN_PUBLIC
gint64 chain_record_get_commit_time (const ChainRecord *self);

/**
 * chain_record_get_path:
 *
 * Returns: (transfer none): the record's directory in the tree,
 *   "records/AAAA/BB/SSSSSSSS-TYPE".
 */
CHAIN_PUBLIC
const char *chain_record_get_path (const ChainRecord *self);

/** Returns: (transfer none): lower-case hex SHA-256 of record.json, what the next record's prev names. */
CHAIN_PUBLIC
const char *chain_record_get_digest (const ChainRecord *self);

/** Returns: (transfer none): record.json's prev: the previous record's digest, 64 zeros for genesis. */
CHAIN_PUBLIC
const char *chain_record_get_prev (const ChainRecord *self);

/** Returns: (transfer none): record.json's ledger id. */
CHAIN_PUBLIC
const char *chain_record_get_ledger_id (const ChainRecord *self);

/** Returns: (transfer none): record.json's exact bytes. */
CHAIN_PUBLIC
GBytes *chain_record_get_record_json (const ChainRecord *self);

/**
 * chain_record_get_statement:
 *
 * Returns: (transfer none): the parsed statement with its signatures;
 *   chain_statement_dup_bytes() and chain_statement_dup_signatures_bytes()
 *   give statement.json and signatures.json exactly as stored.
 */
CHAIN_PUBLIC
ChainStatement *chain_record_get_statement (const ChainRecord *self);

/**
 * chain_record_get_commit_signature:
 *
 * The commit's gpgsig header as git hands it to gpgsm: each line ended by
 * "\n". For chain_cms_verify_detached() with chain_record_get_signed_data().
 *
 * Returns: (transfer none): the PEM "SIGNED MESSAGE".
 */
CHAIN_PUBLIC
GBytes *chain_record_get_commit_signature (const ChainRecord *self);

/**
 * chain_record_get_signed_data:
 *
 * Returns: (transfer none): the raw commit without its gpgsig header: the
 *   bytes the commit signature covers.
 */
CHAIN_PUBLIC
GBytes *chain_record_get_signed_data (const ChainRecord *self);

/**
 * chain_record_read_artifact:
 * @self: a record.
 * @name: an artifact its statement lists.
 * @cancellable: (nullable): checked before reading.
 * @error: CHAIN_ERROR_NOT_FOUND (no such artifact), CHAIN_ERROR_VERIFY (the
 *   stored file does not match the statement's size and digest, or is
 *   missing from the repository), CHAIN_ERROR_FAILED (libgit2).
 *
 * Reads an artifact from the repository and checks it against the digest
 * its statement signed.
 *
 * Returns: (transfer full) (nullable): the content.
 */
CHAIN_PUBLIC
GBytes *chain_record_read_artifact (ChainRecord  *self,
                                    const char   *name,
                                    GCancellable *cancellable,
                                    GError      **error);

/** Returns: (transfer full): @self with one more reference. */
CHAIN_PUBLIC
ChainRecord *chain_record_ref (ChainRecord *self);

/** chain_record_unref: NULL-safe. */
CHAIN_PUBLIC
void chain_record_unref (ChainRecord *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainRecord, chain_record_unref)

G_END_DECLS
