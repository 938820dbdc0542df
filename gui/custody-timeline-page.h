/* custody-timeline-page.h — the ledger timeline and one record's details */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_TIMELINE_PAGE (custody_timeline_page_get_type ())
G_DECLARE_FINAL_TYPE (CustodyTimelinePage, custody_timeline_page, CUSTODY, TIMELINE_PAGE, GtkWidget)

void custody_timeline_page_set_session (CustodyTimelinePage *self,
                                        CustodySession      *session);

/** Returns: (transfer none) (nullable): the selected record. */
CustodyRecordItem *custody_timeline_page_get_selected (CustodyTimelinePage *self);

/** Selects row @position (0 is the newest record); %FALSE if there is none. */
gboolean custody_timeline_page_select (CustodyTimelinePage *self,
                                       guint                position);

/** Shows artifact @index of the selected record as text; %FALSE if there is none. */
gboolean custody_timeline_page_show_artifact (CustodyTimelinePage *self,
                                              guint                index);

/**
 * custody_timeline_page_save_artifact:
 * @self: the page.
 * @file: where to write.
 * @error: CHAIN_ERROR_NOT_FOUND when no artifact is shown; or as reading
 *   and writing set it.
 *
 * Writes the artifact on show (custody_timeline_page_show_artifact()) to
 * @file, as the ledger holds it: what its Save… button does.
 *
 * Returns: whether it was written.
 */
gboolean custody_timeline_page_save_artifact (CustodyTimelinePage  *self,
                                              GFile                *file,
                                              GError              **error);

/** Shows the search bar over the records, the focus in it (Ctrl+F). */
void custody_timeline_page_start_search (CustodyTimelinePage *self);

/** Opens the search bar with "#" typed: the record number goes next (Ctrl+L). */
void custody_timeline_page_go_to_record (CustodyTimelinePage *self);

/**
 * custody_timeline_page_select_seq:
 * @seq: a record number.
 *
 * Selects record @seq and shows its details, dropping the filters if they
 * leave it out.
 *
 * Returns: %FALSE if the ledger has no such record.
 */
gboolean custody_timeline_page_select_seq (CustodyTimelinePage *self,
                                           guint64              seq);

AdwLeaflet *custody_timeline_page_get_leaflet (CustodyTimelinePage *self);

G_END_DECLS
