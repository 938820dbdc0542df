/* chain-ledger-pack-private.h — an append's objects as one pack; packs consolidated
 *
 * Never installed.
 */
#pragma once

#include "chain-git-private.h"

G_BEGIN_DECLS

/** More packs than this in objects/pack and an append consolidates some. */
#define CHAIN_LEDGER_PACK_LIMIT 8

typedef struct _ChainLedgerPacker ChainLedgerPacker;

/**
 * chain_ledger_packer_new:
 * @path: the ledger repository.
 * @error: CHAIN_ERROR_FAILED when it cannot be opened.
 *
 * A second handle on @path whose object writes stay in memory until
 * chain_ledger_packer_flush() writes them as one pack.
 *
 * Returns: (transfer full) (nullable): the packer.
 */
ChainLedgerPacker *chain_ledger_packer_new (const char *path,
                                            GError    **error);

/**
 * chain_ledger_packer_get_repo:
 *
 * Returns: (transfer none): the repository to write an append's objects
 *   through; reads see the disk and what was written since the last flush.
 */
git_repository *chain_ledger_packer_get_repo (ChainLedgerPacker *self);

/**
 * chain_ledger_packer_flush:
 * @error: CHAIN_ERROR_FAILED when the pack cannot be written.
 *
 * Writes the objects written since the last flush or discard into
 * objects/pack as one pack and its index, both fsynced with their
 * directory before it returns (so a ref may name them afterwards), then
 * forgets them in memory. Nothing is written when there is nothing new.
 */
gboolean chain_ledger_packer_flush (ChainLedgerPacker *self,
                                    GError           **error);

/**
 * chain_ledger_packer_discard:
 *
 * Forgets the objects written since the last flush: a failed append's.
 */
void chain_ledger_packer_discard (ChainLedgerPacker *self);

/**
 * chain_ledger_packer_consolidate:
 * @error: CHAIN_ERROR_FAILED when the new pack cannot be written.
 *
 * When objects/pack holds more than CHAIN_LEDGER_PACK_LIMIT packs, merges
 * the smallest ones (each kept pack at least twice the size of all merged
 * ones, as git's geometric repack) into one pack holding every object of
 * those packs, reachable or not, so no writer's unreferenced pack can lose
 * an object it is about to name. The old packs are removed only once the
 * new pack and its index are durable. Packs with a .keep file (git's
 * receive-pack holds one while it works) are left alone, and so is a
 * repository with a multi-pack-index. Another process consolidating at
 * the same time makes this one return at once.
 */
gboolean chain_ledger_packer_consolidate (ChainLedgerPacker *self,
                                          GError           **error);

/** Packs to merge holding this many bytes in all are merged by copying
 * their entries (chain_ledger_pack_copy_merge()), not by git_packbuilder. */
#define CHAIN_LEDGER_PACK_COPY_MIN (1024 * 1024)

/**
 * chain_ledger_pack_copy_merge:
 * @dir: objects/pack.
 * @names: (array length=n): the packs to merge (the hex of pack-HEX.pack).
 * @out_name: (out) (transfer full): the new pack's name; NULL when a pack
 *   cannot be copied this way (an OFS_DELTA entry, an index other than
 *   version 2), and nothing was written.
 * @error: CHAIN_ERROR_FAILED when a pack cannot be read or the new one
 *   written.
 *
 * Writes one pack holding every object of the @n packs once, their entries
 * copied byte for byte (never re-deltified nor re-compressed), and its
 * index, through libgit2's indexer (which checks every object). Removes
 * nothing and syncs nothing: the caller does both.
 */
gboolean chain_ledger_pack_copy_merge (const char  *dir,
                                       const char **names,
                                       guint        n,
                                       char       **out_name,
                                       GError     **error);

void chain_ledger_packer_free (ChainLedgerPacker *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainLedgerPacker, chain_ledger_packer_free)

G_END_DECLS
