/* chain-receive-queue-private.h — pushes into a hosted ledger judged one at a time
 *
 * Custodians pushing at once all build on the same main; git lets at most
 * one of them move it (its ref update compares the old value), so the
 * others' audits would be work thrown away, done side by side on the
 * server's cores. The hook therefore judges one push at a time (a lock in
 * the bare repository), and a push whose main has moved meanwhile is left
 * to git's compare-and-swap, which refuses it, without an audit: the
 * client fetches and pushes again.
 */
#pragma once

#include <git2.h>
#include <glib.h>

G_BEGIN_DECLS

/**
 * chain_receive_queue_enter:
 * @repo_path: the bare repository the hook runs in.
 * @error: CHAIN_ERROR_IO when the lock file cannot be made.
 *
 * Waits until no other hook judges a push into @repo_path (an exclusive
 * lock on REPO/chain-receive.lock; a killed hook's lock goes with it).
 *
 * Returns: the lock's descriptor, for chain_receive_queue_leave(); -1 on error.
 */
int chain_receive_queue_enter (const char  *repo_path,
                               GError     **error);

/** chain_receive_queue_leave: lets the next push be judged; -1 is ignored. */
void chain_receive_queue_leave (int fd);

/**
 * chain_receive_lost_race:
 * @hosted: the bare repository.
 * @old_id: the main the push builds on (hex; zeros to create main).
 *
 * Main only ever moves forward, so once it is not at @old_id it never
 * comes back there: git's ref update will refuse the push whatever the
 * hook says.
 *
 * Returns: %TRUE if main is no longer at @old_id.
 */
gboolean chain_receive_lost_race (git_repository *hosted,
                                  const char     *old_id);

G_END_DECLS
