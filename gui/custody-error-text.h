/* custody-error-text.h — an error as Custody shows it
 *
 * Some libchain errors say what is missing and leave the remedy to the
 * front end (CHAIN_ERROR_NOT_JOINED, _LEDGER_BEHIND, _LEDGER_DAMAGED):
 * the CLI names a command, Custody names what to do in the app.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * custody_error_dup_message:
 * @error: (nullable): an error from libchain or elsewhere.
 *
 * Returns: (transfer full) (nullable): @error's message, followed by what
 *   to do in Custody when its code has a remedy there; %NULL for %NULL.
 */
char *custody_error_dup_message (const GError *error);

G_END_DECLS
