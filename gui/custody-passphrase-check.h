/* custody-passphrase-check.h — whether a new key's passphrase will do
 *
 * The forms that make a key (a new workspace, a new officer) ask for its
 * passphrase twice and say what is wrong as it is typed.
 */
#pragma once

#include "chain.h"

G_BEGIN_DECLS

/* What keeps @passphrase, typed again as @confirmation, from encrypting a
 * key: shorter than libchain allows, or the two differ. Either may be NULL
 * (nothing typed yet). Returns: (transfer full) (nullable): the problem,
 * translated; NULL when the passphrase will do. */
char *custody_passphrase_problem (const ChainSecret *passphrase,
                                  const ChainSecret *confirmation);

G_END_DECLS
