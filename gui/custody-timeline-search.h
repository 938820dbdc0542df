/* custody-timeline-search.h — finding a record in the ledger's timeline
 *
 * What Ctrl+F on the Ledger page does: the next record whose type,
 * author, summary, fields (commit, digests…), statement (serials…) or,
 * for a device batch, manifest (device ids, serials) contain the query,
 * ignoring case; "#N" (or "N") goes to record N.
 */
#pragma once

#include "custody-timeline.h"

G_BEGIN_DECLS

/**
 * custody_record_item_matches:
 * @item: a record.
 * @query: what was typed.
 *
 * Returns: whether @item mentions @query, ignoring case.
 */
gboolean custody_record_item_matches (CustodyRecordItem *item,
                                      const char        *query);

/**
 * custody_timeline_search:
 * @timeline: the timeline.
 * @query: what was typed; "#N" or "N" means record N.
 * @from: the position to start at (0 is the newest record); the search
 *   goes towards older records and wraps around.
 *
 * Returns: the position of the record found, or G_MAXUINT for none.
 */
guint custody_timeline_search (CustodyTimeline *timeline,
                               const char      *query,
                               guint            from);

G_END_DECLS
