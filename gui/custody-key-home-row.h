/* custody-key-home-row.h — where this workspace's keys live, in the details
 *
 * The custody details of the workspace's own custodian show one row
 * per private key it holds (the CA key, each officer's): an icon for its
 * home (file, security token, TPM), the home's name, and a tooltip naming
 * the token or handle.
 */
#pragma once

#include <adwaita.h>

#include "chain.h"

G_BEGIN_DECLS

/**
 * custody_key_home_rows_insert:
 * @list: the details list.
 * @workspace: the open workspace (read on the main thread, not busy).
 * @position: where the first row goes; -1 for the end.
 *
 * Inserts the rows.
 */
void custody_key_home_rows_insert (GtkListBox     *list,
                                   ChainWorkspace *workspace,
                                   int             position);

/**
 * custody_key_home_rows_position:
 * @fields: (element-type CustodyField): a custodian's details.
 *
 * Returns: where the key rows go: after the status, in view.
 */
int custody_key_home_rows_position (GPtrArray *fields);

G_END_DECLS
