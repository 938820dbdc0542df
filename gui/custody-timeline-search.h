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

/**
 * custody_records_search:
 * @records: records newest first: the timeline, or a filtered view of it.
 * @query: as custody_timeline_search().
 * @from: as custody_timeline_search(), a position in @records.
 *
 * Returns: the position in @records of the record found, or G_MAXUINT.
 */
guint custody_records_search (GListModel *records,
                              const char *query,
                              guint       from);

/**
 * custody_records_find_device:
 * @records: records newest first, of the ledger @state describes.
 * @state: (nullable): the ledger's state, as the workspace replayed it.
 * @query: what was typed: a whole device id (blanks around it ignored).
 *
 * The device batch that issued @query, found through the state's device
 * table and a binary search of @records: a few record reads, however
 * many devices the ledger holds (no manifest is read).
 *
 * Returns: its position in @records, or G_MAXUINT when @query is no
 *   whole device id of the ledger, or its batch is filtered out.
 */
guint custody_records_find_device (GListModel             *records,
                                   const ChainLedgerState *state,
                                   const char             *query);

/**
 * custody_records_find_seq:
 * @records: records newest first.
 * @seq: a record number.
 *
 * Returns: the position of record @seq in @records, or G_MAXUINT when it
 *   is not there (beyond the tip, or filtered out).
 */
guint custody_records_find_seq (GListModel *records,
                                guint64     seq);

G_END_DECLS
