/* chain-receive-cache-private.h — the hook's state cache in a hosted repository
 *
 * Judging a push by a full audit replays the whole ledger each time. The
 * hook keeps, inside the bare repository and outside its object store and
 * refs, the state its own audit left at each tip it accepted:
 *
 *   REPO/chain/state-cache/COMMIT-ID   (0600, in a 0700 directory)
 *
 * in the format of chain-state-cache-private.h, keyed by that commit.
 * The next push on top of COMMIT-ID is audited from there: only the
 * records it adds (chain-audit-resume-private.h). Nothing but the hook
 * writes there, and only after an audit with no finding of the history
 * up to that commit, resumed or full, under the hook's trusted root; git
 * serves no file of it and a push cannot write one. A file that is
 * missing, unreadable, or keyed to another commit than its name is no
 * cache: the push gets a full audit and the file is replaced. Deleting
 * the directory is always safe. Never installed.
 */
#pragma once

#include <git2.h>

#include "chain-ledger-state.h"

G_BEGIN_DECLS

/** The directory of the hook's state caches, in the bare repository. */
#define CHAIN_RECEIVE_CACHE_DIR "chain/state-cache"

/**
 * chain_receive_cache_load:
 * @repo_path: the bare repository.
 * @commit_id: the commit (40 lower-case hex digits) the state must end at.
 *
 * A cache file that is there but unusable is deleted.
 *
 * Returns: (transfer full) (nullable): the state the hook's audit left at
 *   @commit_id, or %NULL: audit in full.
 */
ChainLedgerState *chain_receive_cache_load (const char *repo_path,
                                            const char *commit_id);

/**
 * chain_receive_cache_store:
 * @repo_path: the bare repository.
 * @hosted: the same, open.
 * @state: the state an audit of the history up to @commit_id left, with
 *   no finding.
 * @commit_id: the commit the push would move main to.
 *
 * Keeps @state for a push on top of @commit_id and deletes the states of
 * commits no later push can build on (neither main nor above it). A cache
 * that cannot be written costs the next push a full audit, nothing more:
 * failures are debug messages.
 */
void chain_receive_cache_store (const char             *repo_path,
                                git_repository         *hosted,
                                const ChainLedgerState *state,
                                const char             *commit_id);

G_END_DECLS
