/* chain-report-data.h — who issued what, as series for charts
 *
 * The figures Custody's charts and `chain report` draw, computed once
 * here: devices issued per custodian per day (with its quota, when it has
 * one), every CA's validity window with its status and whether it expires
 * soon (%CHAIN_EXPIRY_WARNING_DAYS), and the findings of the last
 * `chain reconcile` run in the workspace.
 *
 * Issuance is read from the device-batch records' bodies (`count`, the
 * author, the time), one record per batch, never from their manifests, so
 * a ledger of a million devices in a hundred batches reads a hundred
 * small records.
 *
 * Names and device ids below are other custodians' or the cloud's text:
 * show them only through chain_text_sanitize().
 */
#pragma once

#include <gio/gio.h>

#include "chain-ledger.h"
#include "chain-ledger-state.h"
#include "chain-macros.h"
#include "chain-reconcile.h"

G_BEGIN_DECLS

/**
 * ChainReportPoint:
 * @day: the day's start, Unix seconds (UTC midnight).
 * @issued: devices issued that day.
 * @total: devices issued up to and including that day.
 */
typedef struct {
  gint64  day;
  guint64 issued;
  guint64 total;
} ChainReportPoint;

/**
 * ChainReportIssued:
 * @custodian_id: (transfer none): the custodian.
 * @name: (transfer none): its name, as it wrote it (sanitize to show).
 * @tier: (transfer none): its tier.
 * @quota: its device quota in force; 0 when it has none of its own.
 * @total: devices it issued in all; for a custodian with a quota, those
 *   every custodian below it issued too: what the quota counts.
 * @n_points: how many days it (or, with a quota, any custodian below it)
 *   issued on.
 * @points: (array length=n_points) (transfer none): those days, in order.
 *
 * One custodian's issuance. Only custodians that issued a device or have
 * a quota have one. A chart draws the quota as a line at @quota, which
 * @total must stay under.
 */
typedef struct {
  const char             *custodian_id;
  const char             *name;
  const char             *tier;
  guint64                 quota;
  guint64                 total;
  guint                   n_points;
  const ChainReportPoint *points;
} ChainReportIssued;

/**
 * ChainReportCa:
 * @custodian_id: (transfer none): the CA's custodian.
 * @name: (transfer none): the custodian's name (sanitize to show).
 * @ca_index: which of the custodian's CAs (0 the first; more after a key rotation).
 * @depth: 0 for the root's custodian, 1 for its children, and so on.
 * @not_before: the certificate's notBefore, Unix seconds.
 * @not_after: its notAfter, Unix seconds.
 * @status: the CA's status at the report's time.
 * @expiring: in force and within %CHAIN_EXPIRY_WARNING_DAYS of its end.
 *
 * One CA's validity, in custody-tree order.
 */
typedef struct {
  const char        *custodian_id;
  const char        *name;
  guint              ca_index;
  guint              depth;
  gint64             not_before;
  gint64             not_after;
  ChainCustodyStatus status;
  gboolean           expiring;
} ChainReportCa;

/**
 * ChainReportFinding:
 * @kind: what reconcile found.
 * @needs_action: whether it needs action.
 * @device_id: (transfer none) (nullable): the device id (the cloud's text: sanitize to show).
 * @source: (transfer none) (nullable): the cloud file it came from.
 */
typedef struct {
  ChainReconcileKind kind;
  gboolean           needs_action;
  const char        *device_id;
  const char        *source;
} ChainReportFinding;

/**
 * CHAIN_RECONCILE_SUMMARY_FILE:
 *
 * The file in a workspace's directory where `chain reconcile` leaves a
 * summary of its last run (chain_reconcile_write_summary()). It is the
 * workspace's, not the ledger's: what one custodian saw in its cloud.
 */
#define CHAIN_RECONCILE_SUMMARY_FILE "reconcile-summary.json"

/**
 * CHAIN_RECONCILE_SUMMARY_MAX_FINDINGS:
 *
 * How many findings a summary keeps (those needing action first); the
 * counts per kind cover them all.
 */
#define CHAIN_RECONCILE_SUMMARY_MAX_FINDINGS 100

/**
 * chain_reconcile_write_summary:
 * @self: a compared reconciliation.
 * @files: (array zero-terminated=1): the cloud files it read, as named.
 * @time: when it ran, Unix seconds.
 * @path: the summary file, replaced atomically (mode 0600).
 * @error: CHAIN_ERROR_IO when it cannot be written.
 *
 * Keeps what the run found, for Custody and `chain report`: the counts,
 * per kind, and the first %CHAIN_RECONCILE_SUMMARY_MAX_FINDINGS findings.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_reconcile_write_summary (const ChainReconcile *self,
                                        const char *const    *files,
                                        gint64                time,
                                        const char           *path,
                                        GError              **error);

/**
 * ChainReportReconcile:
 * @time: when reconcile ran, Unix seconds.
 * @n_files: how many cloud files it read.
 * @files: (array length=n_files) (transfer none): their names (sanitize to show).
 * @ledger_devices: certificates on the ledger's side.
 * @cloud_entries: entries in the cloud files.
 * @seen: ledger device ids the cloud named.
 * @needs_action: findings that need action.
 * @counts: findings per #ChainReconcileKind, [kind][0] information,
 *   [kind][1] needing action.
 * @n_findings: how many findings the summary kept.
 * @findings: (array length=n_findings) (transfer none): those findings.
 */
typedef struct {
  gint64                    time;
  guint                     n_findings;
  guint                     n_files;
  const char *const        *files;
  guint64                   ledger_devices;
  guint64                   cloud_entries;
  guint64                   seen;
  guint64                   needs_action;
  guint64                   counts[CHAIN_RECONCILE_NEVER_SEEN + 1][2];
  const ChainReportFinding *findings;
} ChainReportReconcile;

typedef struct _ChainReportData ChainReportData;

/**
 * chain_report_data_new:
 * @ledger: the ledger.
 * @state: (transfer none): its state at the tip (the data keeps a reference to nothing
 *   in it: names are copied).
 * @reconcile_summary: (nullable): a summary file chain_reconcile_write_summary()
 *   wrote; a missing file means no reconcile ran; %NULL skips it.
 * @now: the time "today" is, Unix seconds.
 * @cancellable: (nullable): checked between records.
 * @error: a ledger read error; CHAIN_ERROR_INVALID_INPUT for a summary
 *   that is not one (too large, or not its shape).
 *
 * Returns: (transfer full) (nullable): the series; free with chain_report_data_free().
 */
CHAIN_PUBLIC
ChainReportData *chain_report_data_new (ChainLedger            *ledger,
                                        const ChainLedgerState *state,
                                        const char             *reconcile_summary,
                                        gint64                  now,
                                        GCancellable           *cancellable,
                                        GError                **error);

/**
 * chain_report_data_new_for_workspace:
 * @workspace: a joined workspace.
 *
 * chain_report_data_new() on the workspace's ledger, its state and its
 * %CHAIN_RECONCILE_SUMMARY_FILE.
 *
 * Returns: (transfer full) (nullable): the series.
 */
CHAIN_PUBLIC
ChainReportData *chain_report_data_new_for_workspace (ChainWorkspace *workspace,
                                                      gint64          now,
                                                      GCancellable   *cancellable,
                                                      GError        **error);

/** chain_report_data_free: NULL-safe. */
CHAIN_PUBLIC
void chain_report_data_free (ChainReportData *self);

/** Returns: the time the data calls "now". */
CHAIN_PUBLIC
gint64 chain_report_data_get_now (const ChainReportData *self);

/**
 * chain_report_data_get_day_range:
 * @out_first: (out): the first day anything was issued (UTC midnight).
 * @out_last: (out): the last.
 *
 * Returns: %FALSE, leaving the outs alone, when no device was issued.
 */
CHAIN_PUBLIC
gboolean chain_report_data_get_day_range (const ChainReportData *self,
                                          gint64                *out_first,
                                          gint64                *out_last);

/** Returns: how many custodians have an issuance series, in custody-tree order. */
CHAIN_PUBLIC
guint chain_report_data_get_n_issued (const ChainReportData *self);

/** Returns: (transfer none): series @index; it lives as long as @self. */
CHAIN_PUBLIC
const ChainReportIssued *chain_report_data_get_issued (const ChainReportData *self,
                                                       guint                  index);

/** Returns: the largest of the custodians' totals and quotas: the top of an axis. */
CHAIN_PUBLIC
guint64 chain_report_data_get_max_issued (const ChainReportData *self);

/** Returns: how many CAs, in custody-tree order. */
CHAIN_PUBLIC
guint chain_report_data_get_n_cas (const ChainReportData *self);

/** Returns: (transfer none): CA @index; it lives as long as @self. */
CHAIN_PUBLIC
const ChainReportCa *chain_report_data_get_ca (const ChainReportData *self,
                                               guint                  index);

/** Returns: (transfer none) (nullable): the last reconcile's summary,
 * %NULL when none ran. */
CHAIN_PUBLIC
const ChainReportReconcile *chain_report_data_get_reconcile (const ChainReportData *self);

/* ---- One line per chart: the text beside it, and what a screen reader reads ---- */

/** Returns: (transfer full): who issued how many devices, against which
 * quota, translated, names sanitized; g_free() it. */
CHAIN_PUBLIC
char *chain_report_data_dup_issued_summary (const ChainReportData *self);

/** Returns: (transfer full): how many CAs, which expire within
 * %CHAIN_EXPIRY_WARNING_DAYS and which are out of force; g_free() it. */
CHAIN_PUBLIC
char *chain_report_data_dup_validity_summary (const ChainReportData *self);

/** Returns: (transfer full): what the last reconcile found, or that none
 * ran; g_free() it. */
CHAIN_PUBLIC
char *chain_report_data_dup_reconcile_summary (const ChainReportData *self);

/**
 * chain_report_scale:
 * @value: a value on an axis (a day, a count).
 * @from: the axis' start.
 * @to: the axis' end.
 * @out_from: where @from is drawn (pixels).
 * @out_to: where @to is drawn; below @out_from for a y axis that grows up.
 *
 * Where a chart of this data draws @value: @from..@to mapped linearly onto
 * @out_from..@out_to, the one scale Custody's charts and `chain report`'s
 * SVG share.
 *
 * Returns: the position; @out_from when the axis is empty (@to <= @from).
 */
CHAIN_PUBLIC
double chain_report_scale (gint64 value,
                           gint64 from,
                           gint64 to,
                           double out_from,
                           double out_to);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainReportData, chain_report_data_free)

G_END_DECLS
