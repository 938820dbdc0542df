/* custody-chart.h — one chart of who issued what, drawn by the app
 *
 * A plain widget that draws one series of chain-report-data with cairo
 * (GtkSnapshot's cairo node): devices issued per custodian over time
 * (with each quota as a dashed line labelled with its value), CA
 * validity as a timeline with today marked, or the last reconciliation's
 * findings per kind. It reads
 * as an image with a label and the summary line as its description.
 */
#pragma once

#include <gtk/gtk.h>

#include "chain.h"

G_BEGIN_DECLS

typedef enum {
  CUSTODY_CHART_ISSUED,
  CUSTODY_CHART_VALIDITY,
  CUSTODY_CHART_RECONCILE,
} CustodyChartKind;

#define CUSTODY_TYPE_CHART (custody_chart_get_type ())
G_DECLARE_FINAL_TYPE (CustodyChart, custody_chart, CUSTODY, CHART, GtkWidget)

/** Returns: (transfer full): a chart of @kind, empty until given data. */
GtkWidget *custody_chart_new (CustodyChartKind kind);

CustodyChartKind custody_chart_get_kind (CustodyChart *self);

/**
 * custody_chart_set_data:
 * @data: (nullable) (transfer none): the series; the caller keeps it alive
 *   until it sets other data or %NULL.
 * @label: the chart's accessible name (its heading).
 * @summary: (nullable): what it shows, in words: its accessible description.
 */
void custody_chart_set_data (CustodyChart          *self,
                             const ChainReportData *data,
                             const char            *label,
                             const char            *summary);

/** Returns: how many things it draws: series, CA bars or finding kinds with a count. */
guint custody_chart_get_n_items (CustodyChart *self);

/** Returns: (transfer none): a reconcile finding's kind, as the chart labels it. */
const char *custody_chart_reconcile_kind_label (ChainReconcileKind kind);

G_END_DECLS
