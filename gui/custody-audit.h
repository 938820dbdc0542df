/* custody-audit.h — the "Audit" action: chain_audit off the main thread
 *
 * Runs chain_audit_repository_async() on the workspace's ledger with its
 * pinned tip and trusted root, reports progress as it goes, can be
 * cancelled, and keeps the last report for the audit page and the
 * timeline's badges.
 */
#pragma once

#include <gio/gio.h>

#include "chain.h"

G_BEGIN_DECLS

/**
 * CustodyAuditState:
 * @CUSTODY_AUDIT_IDLE: never run.
 * @CUSTODY_AUDIT_RUNNING: running.
 * @CUSTODY_AUDIT_PASSED: the last audit found nothing.
 * @CUSTODY_AUDIT_FAILED: the last audit has findings.
 * @CUSTODY_AUDIT_CANCELLED: the officer cancelled it.
 * @CUSTODY_AUDIT_ERROR: it could not run (see the summary).
 */
typedef enum {
  CUSTODY_AUDIT_IDLE,
  CUSTODY_AUDIT_RUNNING,
  CUSTODY_AUDIT_PASSED,
  CUSTODY_AUDIT_FAILED,
  CUSTODY_AUDIT_CANCELLED,
  CUSTODY_AUDIT_ERROR,
} CustodyAuditState;

#define CUSTODY_TYPE_AUDIT (custody_audit_get_type ())
G_DECLARE_FINAL_TYPE (CustodyAudit, custody_audit, CUSTODY, AUDIT, GObject)

CustodyAudit *custody_audit_new (void);

/**
 * custody_audit_start:
 * @self: an audit that is not running.
 * @ledger_path: the ledger repository.
 * @pinned_tip: (nullable): the workspace's pinned commit.
 * @trusted_root: (nullable): the root's SHA-256 thumbprint.
 *
 * Starts the audit in a worker thread; #CustodyAudit::finished is emitted
 * when it ends, however it ends.
 */
void custody_audit_start (CustodyAudit *self,
                          const char   *ledger_path,
                          const char   *pinned_tip,
                          const char   *trusted_root);

/** custody_audit_cancel: stops a running audit; no-op otherwise. */
void custody_audit_cancel (CustodyAudit *self);

/** custody_audit_reset: forgets the last report (another workspace was opened). */
void custody_audit_reset (CustodyAudit *self);

CustodyAuditState custody_audit_get_state (CustodyAudit *self);
gboolean custody_audit_get_running (CustodyAudit *self);
/** Returns: 0.0 to 1.0. */
double custody_audit_get_fraction (CustodyAudit *self);
/** Returns: (transfer none): "1,234 of 100,000 records" while running. */
const char *custody_audit_get_progress_text (CustodyAudit *self);
/** Returns: (transfer none): one line: what the last audit concluded. */
const char *custody_audit_get_summary (CustodyAudit *self);
/** Returns: (transfer none) (nullable): the report as text, every record listed. */
const char *custody_audit_get_report_text (CustodyAudit *self);
/** Returns: (transfer none) (nullable): the ledger the last (or running) audit reads. */
const char *custody_audit_get_ledger_path (CustodyAudit *self);

/** Returns: (transfer none) (nullable): the last report. */
ChainAuditReport *custody_audit_get_report (CustodyAudit *self);

G_END_DECLS
