/* chain-text.h — text from other custodians, made safe to show
 *
 * Names, notes, device ids and messages that quote them come from whoever
 * wrote a record or a request. Shown raw, they could drive a terminal
 * (ESC sequences, BEL), forge lines (CR, LF, U+2028) or read differently
 * from their bytes (bidi overrides such as U+202E). The CLI, the audit
 * report and Custody show such text only through chain_text_sanitize().
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

G_BEGIN_DECLS

/**
 * ChainTextFlags:
 * @CHAIN_TEXT_ONE_LINE: line breaks and tabs become spaces: the text stays
 *   on the line it is shown on.
 * @CHAIN_TEXT_KEEP_LINES: "\n" and "\t" stay, for multi-line notes shown
 *   in a text view.
 */
typedef enum {
  CHAIN_TEXT_ONE_LINE   = 0,
  CHAIN_TEXT_KEEP_LINES = 1 << 0,
} ChainTextFlags;

/**
 * chain_text_is_unsafe:
 * @c: a character.
 *
 * Returns: %TRUE for what chain_text_sanitize() replaces: C0 controls,
 *   DEL, C1 controls, Unicode format characters (bidi embeddings,
 *   overrides, isolates and marks, zero-width characters, the BOM) and the
 *   line and paragraph separators U+2028, U+2029.
 */
CHAIN_PUBLIC
gboolean chain_text_is_unsafe (gunichar c);

/**
 * chain_text_sanitize:
 * @text: (nullable): text from another custodian; NULL reads as "".
 * @flags: what to keep.
 *
 * Invalid UTF-8 becomes U+FFFD; each character chain_text_is_unsafe()
 * names becomes '?', except line breaks and tabs, which @flags keeps or
 * turns into spaces.
 *
 * Returns: (transfer full): the text, safe to print or show.
 */
CHAIN_PUBLIC
char *chain_text_sanitize (const char    *text,
                           ChainTextFlags flags);

/**
 * chain_text_append_sanitized:
 * @out: where to append.
 * @text: (nullable): as for chain_text_sanitize().
 * @flags: as for chain_text_sanitize().
 *
 * Appends chain_text_sanitize() of @text to @out.
 */
CHAIN_PUBLIC
void chain_text_append_sanitized (GString       *out,
                                  const char    *text,
                                  ChainTextFlags flags);

G_END_DECLS
