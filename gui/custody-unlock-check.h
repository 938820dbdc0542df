/* custody-unlock-check.h — whether a passphrase (or PIN) opens an officer's key
 *
 * The passphrase prompt asks this before it closes, so a mistyped
 * passphrase is said in the prompt, which stays open for another try,
 * instead of failing the signing job after it.
 */
#pragma once

#include <gio/gio.h>

#include "chain.h"

G_BEGIN_DECLS

/**
 * custody_unlock_check_async:
 * @workspace_dir: the workspace.
 * @officer: (nullable): the officer, as chain_workspace_unlock() takes it.
 * @passphrase: the passphrase to try (copied), or the PIN when the keys
 *   are in a token only (see custody_unlock_workspace()).
 * @pin: (nullable): the PIN typed besides a passphrase (copied).
 * @cancellable: (nullable): to give up.
 * @callback: called in the caller's main context.
 * @user_data: for @callback.
 *
 * Opens the workspace afresh in a thread and unlocks the officer's key
 * with @passphrase, then wipes it again.
 */
void custody_unlock_check_async (const char          *workspace_dir,
                                 const char          *officer,
                                 const ChainSecret   *passphrase,
                                 const ChainSecret   *pin,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);

/**
 * custody_unlock_check_finish:
 * @result: the result.
 * @error: CHAIN_ERROR_PASSPHRASE for a wrong passphrase or PIN; others as
 *   chain_workspace_open() and chain_workspace_unlock() set them.
 *
 * Returns: %TRUE when the passphrase opens the officer's key.
 */
gboolean custody_unlock_check_finish (GAsyncResult  *result,
                                      GError       **error);

G_END_DECLS
