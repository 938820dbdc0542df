/* chain-state-cache-private.h — a replayed ledger state, kept on disk
 *
 * Replaying a ledger of a million devices takes seconds; reading back the
 * state a replay left takes a fraction of one. The cache is one file,
 * keyed by the ledger id and the commit of the last record replayed:
 *
 *   magic "libchain-state\n\0", u32 version, the key (ledger id, tip
 *   commit, record count), the state (custodians, CAs and officers by
 *   their DER, requests, statement ids, exports, and the serial and
 *   device-id tables as they lie in memory), and a SHA-256 of all that.
 *
 * Integers are little-endian. The cache is a local optimisation, no part
 * of the ledger: a reader that finds it missing, truncated, corrupt, of
 * another version or another ledger, or keyed to a commit main does not
 * hold, ignores it and replays; deleting it is always safe. It is written
 * only from a state a replay built (records the workspace judged, or
 * verified before its pin moved past them), atomically and 0600. The
 * auditor never reads it. Never installed.
 */
#pragma once

#include "chain-ledger-state-private.h"
#include "chain-ledger.h"

G_BEGIN_DECLS

/** The cache's file name in a workspace, beside its pin. A hosted bare
 * repository keeps one cache per accepted tip instead, under
 * `chain/state-cache/` (chain-receive-cache.c). */
#define CHAIN_STATE_CACHE_FILE "state-cache"

/** The largest cache a reader reads (a million devices take about 55 MB). */
#define CHAIN_STATE_CACHE_MAX_LEN ((gsize) 2 << 30)

/**
 * chain_state_cache_write:
 * @path: where the cache goes; replaced atomically.
 * @state: a state a replay built.
 * @tip_commit_id: the commit of the last record @state holds.
 * @error: CHAIN_ERROR_IO.
 *
 * Returns: whether the cache was written.
 */
gboolean chain_state_cache_write (const char             *path,
                                  const ChainLedgerState *state,
                                  const char             *tip_commit_id,
                                  GError                **error);

/**
 * chain_state_cache_decode:
 * @data: (array length=len): a cache file's bytes.
 * @out_tip_commit_id: (out) (transfer full): the commit the state was
 *   replayed to.
 * @error: CHAIN_ERROR_INVALID_INPUT saying what is wrong with @data.
 *
 * Returns: (transfer full) (nullable): the state, or %NULL.
 */
ChainLedgerState *chain_state_cache_decode (const guint8 *data,
                                            gsize         len,
                                            char        **out_tip_commit_id,
                                            GError      **error);

/**
 * chain_state_cache_read:
 * @path: a cache file.
 * @ledger_id: the ledger it must be of.
 * @out_tip_commit_id: (out) (transfer full): as chain_state_cache_decode().
 * @error: CHAIN_ERROR_NOT_FOUND (no cache), CHAIN_ERROR_INVALID_INPUT
 *   (unusable: too long, corrupt, another version or another ledger).
 *
 * Returns: (transfer full) (nullable): the state, or %NULL.
 */
ChainLedgerState *chain_state_cache_read (const char  *path,
                                          const char  *ledger_id,
                                          char       **out_tip_commit_id,
                                          GError     **error);

/**
 * chain_state_cache_resume:
 * @path: a cache file.
 * @ledger: the ledger open now.
 * @out_tip_commit_id: (out) (transfer full): the commit the state ends at.
 *
 * The cached state if it is of @ledger and ends at a commit @ledger's main
 * holds at that record (the tip, or a record before it: replay the rest);
 * %NULL, for a full replay, if there is no cache or it does not fit.
 *
 * Returns: (transfer full) (nullable): the state.
 */
ChainLedgerState *chain_state_cache_resume (const char  *path,
                                            ChainLedger *ledger,
                                            char       **out_tip_commit_id);

G_END_DECLS
