/* custody-timeline.h — the ledger's records, newest first, read lazily
 *
 * A GListModel of CustodyRecordItem over its own ChainLedger handle (used
 * on the main thread only, so a worker may use the workspace's meanwhile).
 * Position 0 is the tip. Opening costs what chain_ledger_open() costs (the
 * index is cached); a record is read only when its row is first asked for,
 * so a list view over 100,000 records reads the few dozen it shows.
 * Recently read rows are kept; the rest are dropped when the cache fills.
 */
#pragma once

#include <gio/gio.h>

#include "custody-record-item.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_TIMELINE (custody_timeline_get_type ())
G_DECLARE_FINAL_TYPE (CustodyTimeline, custody_timeline, CUSTODY, TIMELINE, GObject)

/** How many rows the timeline keeps when no one else holds them. */
#define CUSTODY_TIMELINE_CACHE_SIZE 512

/** Returns: (transfer full): an empty timeline. */
CustodyTimeline *custody_timeline_new (void);

/**
 * custody_timeline_open:
 * @self: the timeline.
 * @ledger_path: (nullable): a ledger repository; %NULL empties the timeline.
 * @error: as chain_ledger_open().
 *
 * Returns: %TRUE on success; on failure the timeline is empty.
 */
gboolean custody_timeline_open (CustodyTimeline *self,
                                const char      *ledger_path,
                                GError         **error);

/**
 * custody_timeline_refresh:
 * @self: an open timeline.
 * @error: as chain_ledger_refresh().
 *
 * Catches up with records appended since; they appear at the top.
 *
 * Returns: %TRUE on success.
 */
gboolean custody_timeline_refresh (CustodyTimeline *self,
                                   GError         **error);

/**
 * custody_timeline_set_checked:
 * @self: the timeline.
 * @n_records: how many records, from the genesis, the workspace replayed
 *   through the rules; they are %CUSTODY_BADGE_CHECKED unless an audit
 *   says more.
 */
void custody_timeline_set_checked (CustodyTimeline *self,
                                   guint64          n_records);

/**
 * custody_timeline_set_report:
 * @self: the timeline.
 * @report: (nullable): an audit report of this ledger; %NULL forgets it.
 *
 * Records the report covers get %CUSTODY_BADGE_AUDITED or
 * %CUSTODY_BADGE_FAILED with their findings.
 */
void custody_timeline_set_report (CustodyTimeline  *self,
                                  ChainAuditReport *report);

/** Returns: how many records were read from the ledger so far. */
guint64 custody_timeline_get_n_loaded (CustodyTimeline *self);

/** Returns: how many rows the cache holds now. */
guint custody_timeline_get_n_cached (CustodyTimeline *self);

/** Returns: the position of record @seq, or G_MAXUINT if beyond the tip. */
guint custody_timeline_get_position (CustodyTimeline *self,
                                     guint64          seq);

G_END_DECLS
