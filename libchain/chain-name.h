/* chain-name.h — X.509 distinguished names
 *
 * Text form is RFC 4514: most specific first, "CN=Line 3 CA,O=Widget Ltd,C=DE".
 * Attribute types accepted: C, ST, L, O, OU, CN, serialNumber, DC.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

G_BEGIN_DECLS

typedef struct _ChainName ChainName;

/**
 * chain_name_parse:
 * @text: an RFC 4514 name, at most 1024 bytes; "\," escapes a comma.
 * @error: CHAIN_ERROR_INVALID_INPUT for syntax, unknown attribute types,
 *   empty values, control characters, or values over the X.520 length
 *   bounds (CN 64, O 64, OU 64, C exactly 2 letters).
 *
 * Returns: (transfer full) (nullable): the name.
 */
CHAIN_PUBLIC
ChainName *chain_name_parse (const char *text,
                             GError    **error);

/** Returns: (transfer full): @self in RFC 4514 form; g_free() it. */
CHAIN_PUBLIC
char *chain_name_to_string (const ChainName *self);

/**
 * chain_name_dup_common_name:
 *
 * Returns: (transfer full) (nullable): the most specific CN, or %NULL;
 *   g_free() it.
 */
CHAIN_PUBLIC
char *chain_name_dup_common_name (const ChainName *self);

/**
 * chain_name_with_common_name:
 * @self: a name.
 * @common_name: the CN to put in place of @self's CN (appended as the most
 *   specific RDN when @self has none).
 * @error: CHAIN_ERROR_INVALID_INPUT when @common_name is not a valid CN.
 *
 * Devices get their issuer's name with their own CN, so directoryName
 * constraints on the issuer cover them.
 *
 * Returns: (transfer full) (nullable): a new name.
 */
CHAIN_PUBLIC
ChainName *chain_name_with_common_name (const ChainName *self,
                                        const char      *common_name,
                                        GError         **error);

/** Returns: whether @a and @b are the same name (X.509 comparison). */
CHAIN_PUBLIC
gboolean chain_name_equal (const ChainName *a,
                           const ChainName *b);

/** Returns: (transfer full): a copy of @self. */
CHAIN_PUBLIC
ChainName *chain_name_copy (const ChainName *self);

/** chain_name_free: NULL-safe. */
CHAIN_PUBLIC
void chain_name_free (ChainName *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainName, chain_name_free)

G_END_DECLS
