/* chain-ledger-private.h — what chain-ledger.c and chain-record.c share
 *
 * libgit2 stays behind this header: the public ones name no git_* type.
 * Never installed.
 */
#pragma once

#include "chain-git-private.h"
#include "chain-ledger.h"
#include "chain-record.h"

G_BEGIN_DECLS

/** Largest record.json accepted. */
#define CHAIN_RECORD_JSON_MAX_LEN 4096

/** Largest commit object read: headers, a CMS signature with a few certificates, a message. */
#define CHAIN_RECORD_COMMIT_MAX_LEN (256 * 1024)

/** The 64 zeros genesis has for prev. */
#define CHAIN_RECORD_NO_PREV "0000000000000000000000000000000000000000000000000000000000000000"

/* An open repository shared by a ledger and the records it hands out. */
typedef struct {
  gint            ref_count;
  git_repository *repo;
} ChainLedgerRepo;

ChainLedgerRepo *chain_ledger_repo_ref   (ChainLedgerRepo *self);
void             chain_ledger_repo_unref (ChainLedgerRepo *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainLedgerRepo, chain_ledger_repo_unref)
/**
 * chain_record_format_path:
 * Returns: (transfer full): "records/AAAA/BB/SSSSSSSS-@type_name", or
 *   without "-TYPE" when @type_name is %NULL (the directory's name prefix).
 */
char *chain_record_format_path (guint64     seq,
                                const char *type_name);

/**
 * chain_record_load:
 * @repo: the repository.
 * @seq: the record's position on the first-parent chain.
 * @commit_id: its commit.
 * @parent_id: (nullable): the commit at @seq - 1; %NULL for @seq 0.
 * @ledger_id: (nullable): the ledger id from genesis; %NULL for @seq 0.
 * @prev_digest: (nullable): the record digest at @seq - 1 if known; else
 *   read from the parent's tree.
 * @error: CHAIN_ERROR_VERIFY naming @seq and the fault, CHAIN_ERROR_FAILED.
 *
 * Reads one record and checks its form (see chain-record.h).
 *
 * Returns: (transfer full) (nullable): the record.
 */
ChainRecord *chain_record_load (ChainLedgerRepo *repo,
                                guint64          seq,
                                const git_oid   *commit_id,
                                const git_oid   *parent_id,
                                const char      *ledger_id,
                                const char      *prev_digest,
                                GError         **error);

/** Returns: (transfer none): the commit id as a git_oid. */
const git_oid *chain_record_get_oid (const ChainRecord *self);

/** Returns: (transfer none): the id of the record's root tree. */
const git_oid *chain_record_get_tree_oid (const ChainRecord *self);

/* Removes @path and everything under it, without following symlinks;
 * for undoing what a failed operation made. */
gboolean chain_remove_tree (const char *path);

/* In the tests' build only: SIGKILLs the process when LIBCHAIN_TEST_KILL_AT
 * names @step (see chain-ledger.c); does nothing otherwise. */
void chain_ledger_kill_point (ChainLedger *self,
                              const char  *step);

G_END_DECLS
