/* chain-name-constraints.h — RFC 5280 name constraints for sub-CAs
 *
 * A general name is written as TYPE:VALUE with TYPE one of
 *   DNS:factory.example.com   rfc822/email:example.com   IP:10.0.0.0/8
 *   URI:.example.com          dirName:O=Widget Ltd,C=DE  (RFC 4514)
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

G_BEGIN_DECLS

typedef struct _ChainNameConstraints ChainNameConstraints;

typedef enum {
  CHAIN_NAME_CONSTRAINT_PERMITTED,
  CHAIN_NAME_CONSTRAINT_EXCLUDED,
} ChainNameConstraintKind;

/** Returns: (transfer full): an empty set of constraints. */
CHAIN_PUBLIC
ChainNameConstraints *chain_name_constraints_new (void);

/**
 * chain_name_constraints_add:
 * @self: the constraints.
 * @kind: permitted or excluded subtree.
 * @general_name: TYPE:VALUE as above.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the accepted forms.
 *
 * Returns: %TRUE on success; @self is unchanged on error.
 */
CHAIN_PUBLIC
gboolean chain_name_constraints_add (ChainNameConstraints   *self,
                                     ChainNameConstraintKind kind,
                                     const char             *general_name,
                                     GError                **error);

/**
 * chain_name_constraints_parse:
 * @text: entries separated by ';' or new lines, each
 *   "permitted:TYPE:VALUE" or "excluded:TYPE:VALUE" — the form
 *   chain_name_constraints_to_string() writes.
 * @error: CHAIN_ERROR_INVALID_INPUT.
 *
 * Returns: (transfer full) (nullable): the constraints.
 */
CHAIN_PUBLIC
ChainNameConstraints *chain_name_constraints_parse (const char *text,
                                                    GError    **error);

/** Returns: (transfer full): entries in the parse() form, one per line; g_free() it. */
CHAIN_PUBLIC
char *chain_name_constraints_to_string (const ChainNameConstraints *self);

/** Returns: whether @self has no entries. */
CHAIN_PUBLIC
gboolean chain_name_constraints_is_empty (const ChainNameConstraints *self);

/** Returns: (transfer full): a copy of @self. */
CHAIN_PUBLIC
ChainNameConstraints *chain_name_constraints_copy (const ChainNameConstraints *self);

/** chain_name_constraints_free: NULL-safe. */
CHAIN_PUBLIC
void chain_name_constraints_free (ChainNameConstraints *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainNameConstraints, chain_name_constraints_free)

G_END_DECLS
