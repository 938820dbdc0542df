/* chain-record-summary.h — what a record did, in one line
 *
 * The one summary `chain log`, `chain show` and Custody's ledger timeline
 * show for a record, read from its body (docs/ledger-format.md): a
 * delegation names the child and the path length, a device batch its
 * count, an export its target. Text another custodian wrote (names, notes)
 * goes through chain_text_sanitize(), so the line is safe to print.
 */
#pragma once

#include "chain-macros.h"
#include "chain-statement.h"

G_BEGIN_DECLS

/**
 * chain_record_summary_new:
 * @statement: a record's statement.
 * @max_chars: the most characters to keep, then "..." is appended; 0 keeps
 *   the whole line.
 *
 * Returns: (transfer full): one line, translated, with no control, bidi or
 *   line-break characters; g_free() it.
 */
CHAIN_PUBLIC
char *chain_record_summary_new (ChainStatement *statement,
                                guint           max_chars);

G_END_DECLS
