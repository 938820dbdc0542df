/* custody-audit-text.h — the audit report in the ledger's words
 *
 * libchain's text report names records by type id ("device-batch") and
 * authors by custodian id, as a terminal user types them. The audit page
 * shows the labels the rest of Custody uses: "Device batch, by Dist X
 * (dist-x)", with the commit kept for whoever compares it.
 */
#pragma once

#include "chain.h"

G_BEGIN_DECLS

/**
 * custody_audit_report_dup_text:
 * @report: an audit report.
 * @state: (nullable): the ledger state that names the custodians; %NULL
 *   shows their ids.
 *
 * A line per record (number, type label, author by name, commit, verdict),
 * each finding indented below it as libchain words it, then the findings
 * about the whole ledger and which commit the audit read up to. Text from
 * the ledger is sanitized.
 *
 * Returns: (transfer full): the report, ending with a newline.
 */
char *custody_audit_report_dup_text (const ChainAuditReport *report,
                                     const ChainLedgerState *state);

G_END_DECLS
