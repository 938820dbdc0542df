/* custody-hex.h — hashes, serials and thumbprints as people compare them
 *
 * One way everywhere in the app: lower case, in groups of four, in a
 * monospace font, wrapped only between groups (never hyphenated), with
 * the plain value one click away for copying.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/** The shortest run of hex digits shown as a hash (a 64-bit serial). */
#define CUSTODY_HEX_MIN_DIGITS 16

/**
 * custody_hex_is_value:
 * @token: a word, no blanks.
 *
 * Returns: whether @token is a hash, serial or thumbprint: at least
 *   %CUSTODY_HEX_MIN_DIGITS hex digits and nothing else.
 */
gboolean custody_hex_is_value (const char *token);

/**
 * custody_hex_group:
 * @token: a value custody_hex_is_value() accepts.
 *
 * Returns: (transfer full): @token in lower case, in groups of four
 *   separated by spaces: "3fb6 e96e 0ce9 …".
 */
char *custody_hex_group (const char *token);

/**
 * custody_hex_markup:
 * @text: a field's value, e.g. "631 bytes · SHA-256 f80c…".
 * @out_plain: (out) (optional) (transfer full) (nullable): the first hash
 *   in @text, in lower case and ungrouped: what Copy copies; %NULL when
 *   @text has none.
 *
 * Returns: (transfer full): Pango markup of @text, escaped, each hash
 *   grouped and in a monospace font.
 */
char *custody_hex_markup (const char  *text,
                          char       **out_plain);

G_END_DECLS
