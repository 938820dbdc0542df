/* chain-armor-private.h — PEM or DER in, DER out, strictly
 *
 * Every parser of outside certificate-like input goes through here first, so
 * the size cap, PEM label check and trailing-garbage check live in one place.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * chain_armor_decode:
 * @data: (array length=len): PEM text or DER bytes.
 * @len: at most @max_len.
 * @max_len: the size cap for this kind of input.
 * @labels: (array zero-terminated=1): PEM labels accepted, e.g.
 *   { "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", NULL }.
 * @what: the thing's name for messages, translated, e.g. _("CSR").
 * @error: CHAIN_ERROR_INVALID_INPUT: empty, oversized, a PEM block with
 *   another label ("this is a CERTIFICATE, not a CSR"), bad base64, more
 *   than one block, text after the block, neither PEM nor DER.
 *
 * PEM is recognised by its "-----BEGIN " line (leading white space
 * allowed); anything else must be DER, starting with a SEQUENCE tag and
 * whose outer length covers exactly @len bytes.
 *
 * Returns: (transfer full) (nullable): the DER bytes.
 */
GBytes *chain_armor_decode (const guint8      *data,
                            gsize              len,
                            gsize              max_len,
                            const char *const *labels,
                            const char        *what,
                            GError           **error);

/**
 * chain_armor_decode_all:
 * As chain_armor_decode(), for PEM text holding 1 to @max_blocks blocks,
 * all with an accepted label; only white space may stand between them.
 *
 * Returns: (transfer full) (element-type GBytes) (nullable): DER of each.
 */
GPtrArray *chain_armor_decode_all (const guint8      *data,
                                   gsize              len,
                                   gsize              max_len,
                                   guint              max_blocks,
                                   const char *const *labels,
                                   const char        *what,
                                   GError           **error);

/** Returns: (transfer full): @der as a PEM block labelled @label, 64-column base64. */
GBytes *chain_armor_encode (const char   *label,
                            const guint8 *der,
                            gsize         len);

G_END_DECLS
