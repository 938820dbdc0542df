/* custody-charts-page.h — the Charts page: who issued what, CA validity, last reconciliation */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_CHARTS_PAGE (custody_charts_page_get_type ())
G_DECLARE_FINAL_TYPE (CustodyChartsPage, custody_charts_page, CUSTODY, CHARTS_PAGE, GtkWidget)

void custody_charts_page_set_session (CustodyChartsPage *self,
                                      CustodySession    *session);

G_END_DECLS
