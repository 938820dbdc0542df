/* custody-timeline-filter.h — narrowing the ledger's timeline
 *
 * What the Ledger page's filters keep: records of one type, by one
 * custodian, from one period on. Each part is optional; with none set
 * every record is kept.
 */
#pragma once

#include "custody-record-item.h"

G_BEGIN_DECLS

/**
 * CustodyTimelineFilter:
 * @type_name: (nullable): a record type ("revocation"), %NULL for any.
 * @author: (nullable): a custodian id, %NULL for anyone.
 * @since: Unix seconds: records stated before are left out; 0 for any time.
 */
typedef struct {
  const char *type_name;
  const char *author;
  gint64      since;
} CustodyTimelineFilter;

/**
 * CustodyPeriod:
 * The periods the date filter offers, in the order shown.
 */
typedef enum {
  CUSTODY_PERIOD_ANY,
  CUSTODY_PERIOD_DAY,
  CUSTODY_PERIOD_WEEK,
  CUSTODY_PERIOD_MONTH,
  CUSTODY_PERIOD_YEAR,
  CUSTODY_N_PERIODS,
} CustodyPeriod;

/** Returns: whether @filter leaves anything out. */
gboolean custody_timeline_filter_is_active (const CustodyTimelineFilter *filter);

/** Returns: whether @filter keeps @item (an unreadable record only when inactive). */
gboolean custody_timeline_filter_matches (const CustodyTimelineFilter *filter,
                                          CustodyRecordItem           *item);

/** Returns: (transfer none): the record types in ledger-format order, %NULL-terminated. */
const char *const *custody_timeline_filter_list_types (void);

/** Returns: (transfer none): "Any time", "Last 24 hours", ..., translated. */
const char *custody_period_to_label (CustodyPeriod period);

/** Returns: the first second @period covers, counted back from @now; 0 for any time. */
gint64 custody_period_get_since (CustodyPeriod period,
                                 gint64        now);

G_END_DECLS
