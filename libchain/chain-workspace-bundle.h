/* chain-workspace-bundle.h — a ledger bundle brought into a workspace
 *
 * Beside chain_workspace_sync() for remotes: an air-gapped site imports a
 * bundle file, and what it brings is audited against the workspace's root
 * and pin before the ledger moves. `chain bundle import` and Custody both
 * import through here.
 */
#pragma once

#include <gio/gio.h>
#include "chain-macros.h"

#include "chain-sync.h"
#include "chain-workspace.h"

G_BEGIN_DECLS

/**
 * chain_workspace_import_bundle:
 * @self: a joined workspace (locked or not).
 * @bundle_path: a bundle from `chain bundle create` or `git bundle create`.
 * @progress: (nullable): reading and writing progress, from this thread.
 * @progress_data: for @progress.
 * @out_result: (out) (optional) (transfer full): what happened; set only
 *   on success.
 * @cancellable: (nullable): checked while unpacking.
 * @error: CHAIN_ERROR_NOT_FOUND (the workspace has not joined a ledger),
 *   or as chain_sync_bundle_import(): CHAIN_ERROR_VERIFY when the new
 *   records fail the audit or do not descend from the pin.
 *
 * Imports the bundle into the workspace's ledger: the new records are
 * audited from genesis against the workspace's root and its pinned tip
 * before main moves, the pin follows main, and the workspace is refreshed.
 * A refused bundle changes neither the ledger, its main nor the pin.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_workspace_import_bundle (ChainWorkspace        *self,
                                        const char            *bundle_path,
                                        ChainSyncProgressFunc  progress,
                                        gpointer               progress_data,
                                        ChainSyncResult      **out_result,
                                        GCancellable          *cancellable,
                                        GError               **error);

/**
 * chain_workspace_import_bundle_async:
 * As chain_workspace_import_bundle() without progress, in a worker thread:
 * @self must stay alive and untouched until @callback has run.
 * @bundle_path is copied.
 */
CHAIN_PUBLIC
void chain_workspace_import_bundle_async (ChainWorkspace      *self,
                                          const char          *bundle_path,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);

/**
 * chain_workspace_import_bundle_finish:
 * @self: the workspace given to chain_workspace_import_bundle_async().
 * @result: the result passed to the callback.
 * @out_result: (out) (optional) (transfer full): set only on success.
 * @error: as chain_workspace_import_bundle().
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_workspace_import_bundle_finish (ChainWorkspace   *self,
                                               GAsyncResult     *result,
                                               ChainSyncResult **out_result,
                                               GError          **error);

G_END_DECLS
