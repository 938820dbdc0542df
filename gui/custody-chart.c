/* custody-chart.c — one chart of who issued what, drawn by the app */
#include "custody-chart.h"

#include <glib/gi18n.h>

#define SECONDS_PER_DAY (24 * 60 * 60)
#define MARGIN 8.0
#define AXIS_LEFT 56.0
#define ROW 26.0
#define LABEL_WIDTH 160.0

struct _CustodyChart {
  GtkWidget              parent_instance;
  CustodyChartKind       kind;
  const ChainReportData *data;   /* (nullable) (not owned) */
};

G_DEFINE_FINAL_TYPE (CustodyChart, custody_chart, GTK_TYPE_WIDGET)

/* The series' colours: GNOME's palette, readable in light and dark. */
static const GdkRGBA series_colours[] = {
  { 0.21, 0.52, 0.89, 1 }, { 0.90, 0.38, 0.00, 1 }, { 0.18, 0.76, 0.49, 1 }, { 0.57, 0.25, 0.67, 1 },
  { 0.75, 0.11, 0.16, 1 }, { 0.60, 0.42, 0.27, 1 }, { 0.05, 0.58, 0.53, 1 }, { 0.37, 0.36, 0.39, 1 },
};
static const GdkRGBA valid_colour = { 0.18, 0.76, 0.49, 1 };
static const GdkRGBA expiring_colour = { 0.90, 0.65, 0.04, 1 };
static const GdkRGBA revoked_colour = { 0.75, 0.11, 0.16, 1 };
static const GdkRGBA pending_colour = { 0.38, 0.63, 0.92, 1 };
static const GdkRGBA out_colour = { 0.60, 0.60, 0.59, 1 };

static void
draw_text (CustodyChart *self,
           cairo_t      *cr,
           const char   *text,
           double        x,
           double        y,
           double        align)   /* 0 left, 0.5 centre, 1 right */
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int width = 0;
  int height = 0;

  pango_layout_get_pixel_size (layout, &width, &height);
  cairo_move_to (cr, x - align * width, y - height / 2.0);
  pango_cairo_show_layout (cr, layout);
}

static char *
format_day (gint64 time)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (time);

  return date != NULL ? g_date_time_format (date, "%Y-%m-%d") : g_strdup ("?");
}

static void
draw_issued (CustodyChart *self,
             cairo_t      *cr,
             double        width,
             double        height,
             const GdkRGBA *fg)
{
  guint n = chain_report_data_get_n_issued (self->data);
  double legend = ROW * n;
  double bottom = height - legend - 24;
  double right = width - MARGIN;
  double top = MARGIN + 8;
  gint64 first = 0;
  gint64 last = 0;
  guint64 max = MAX (chain_report_data_get_max_issued (self->data), 1);
  g_autofree char *max_text = g_strdup_printf ("%" G_GUINT64_FORMAT, max);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;

  if (!chain_report_data_get_day_range (self->data, &first, &last))
    {
      draw_text (self, cr, _("No device has been issued yet."), width / 2, height / 2, 0.5);
      return;
    }
  last += SECONDS_PER_DAY;
  gdk_cairo_set_source_rgba (cr, fg);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, AXIS_LEFT, top);
  cairo_line_to (cr, AXIS_LEFT, bottom);
  cairo_line_to (cr, right, bottom);
  cairo_stroke (cr);
  draw_text (self, cr, max_text, AXIS_LEFT - 6, top, 1);
  draw_text (self, cr, "0", AXIS_LEFT - 6, bottom, 1);
  from = format_day (first);
  to = format_day (last);
  draw_text (self, cr, from, AXIS_LEFT, bottom + 12, 0);
  draw_text (self, cr, to, right, bottom + 12, 1);

  for (guint i = 0; i < n; i++)
    {
      const ChainReportIssued *series = chain_report_data_get_issued (self->data, i);
      const GdkRGBA *colour = &series_colours[i % G_N_ELEMENTS (series_colours)];
      double y_prev = bottom;
      double legend_y = bottom + 30 + ROW * i;
      g_autofree char *name = chain_text_sanitize (series->name, CHAIN_TEXT_ONE_LINE);
      g_autofree char *entry = series->quota > 0
        ? g_strdup_printf ("%s: %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT, name, series->total, series->quota)
        : g_strdup_printf ("%s: %" G_GUINT64_FORMAT, name, series->total);

      gdk_cairo_set_source_rgba (cr, colour);
      cairo_set_line_width (cr, 2);
      cairo_move_to (cr, AXIS_LEFT, bottom);
      for (guint p = 0; p < series->n_points; p++)
        {
          double x = chain_report_scale (series->points[p].day, first, last, AXIS_LEFT, right);
          double y = chain_report_scale ((gint64) series->points[p].total, 0, (gint64) max, bottom, top);

          cairo_line_to (cr, x, y_prev);
          cairo_line_to (cr, x, y);
          y_prev = y;
        }
      cairo_line_to (cr, right, y_prev);
      cairo_stroke (cr);
      if (series->quota > 0)
        {
          double dash[] = { 6, 4 };
          double y = chain_report_scale ((gint64) series->quota, 0, (gint64) max, bottom, top);

          g_autofree char *quota_text = g_strdup_printf ("%'" G_GUINT64_FORMAT, series->quota);
          /* Translators: the label of a quota's line in a chart; %s is the quota. */
          g_autofree char *label = g_strdup_printf (_("quota %s"), quota_text);

          cairo_set_dash (cr, dash, 2, 0);
          cairo_move_to (cr, AXIS_LEFT, y);
          cairo_line_to (cr, right, y);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
          draw_text (self, cr, label, right, y - 8, 1);
        }
      cairo_rectangle (cr, AXIS_LEFT, legend_y - 7, 14, 14);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, fg);
      draw_text (self, cr, entry, AXIS_LEFT + 20, legend_y, 0);
    }
}

static const GdkRGBA *
ca_colour (const ChainReportCa *ca)
{
  if (ca->expiring)
    return &expiring_colour;
  switch (ca->status)
    {
    case CHAIN_CUSTODY_STATUS_VALID:
      return &valid_colour;
    case CHAIN_CUSTODY_STATUS_PENDING:
      return &pending_colour;
    case CHAIN_CUSTODY_STATUS_REVOKED:
      return &revoked_colour;
    case CHAIN_CUSTODY_STATUS_EXPIRED:
    case CHAIN_CUSTODY_STATUS_RETIRED:
    default:
      return &out_colour;
    }
}

static void
draw_validity (CustodyChart  *self,
               cairo_t       *cr,
               double         width,
               double         height,
               const GdkRGBA *fg)
{
  guint n = chain_report_data_get_n_cas (self->data);
  gint64 now = chain_report_data_get_now (self->data);
  gint64 from = now;
  gint64 to = now;
  double right = width - MARGIN;
  double x_now;

  for (guint i = 0; i < n; i++)
    {
      const ChainReportCa *ca = chain_report_data_get_ca (self->data, i);

      from = MIN (from, ca->not_before);
      to = MAX (to, ca->not_after);
    }
  for (guint i = 0; i < n; i++)
    {
      const ChainReportCa *ca = chain_report_data_get_ca (self->data, i);
      double y = MARGIN + ROW * i;
      double x1 = chain_report_scale (ca->not_before, from, to, LABEL_WIDTH, right);
      double x2 = chain_report_scale (ca->not_after, from, to, LABEL_WIDTH, right);
      g_autofree char *name = chain_text_sanitize (ca->name, CHAIN_TEXT_ONE_LINE);
      g_autofree char *label = ca->ca_index > 0 ? g_strdup_printf ("%s (%u)", name, ca->ca_index + 1)
                                                : g_strdup (name);

      gdk_cairo_set_source_rgba (cr, fg);
      draw_text (self, cr, label, MARGIN + 12.0 * ca->depth, y + ROW / 2, 0);
      gdk_cairo_set_source_rgba (cr, ca_colour (ca));
      cairo_rectangle (cr, x1, y + 4, MAX (x2 - x1, 1.0), ROW - 8);
      cairo_fill (cr);
    }
  x_now = chain_report_scale (now, from, to, LABEL_WIDTH, right);
  gdk_cairo_set_source_rgba (cr, fg);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, x_now, MARGIN);
  cairo_line_to (cr, x_now, height - 22);
  cairo_stroke (cr);
  draw_text (self, cr, _("today"), x_now, height - 12, 0.5);
}

const char *
custody_chart_reconcile_kind_label (ChainReconcileKind kind)
{
  switch (kind)
    {
    case CHAIN_RECONCILE_NOT_ISSUED:
      return _("Never issued");
    case CHAIN_RECONCILE_REVOKED_ENABLED:
      return _("Revoked, still enabled");
    case CHAIN_RECONCILE_DUPLICATE_ID:
      return _("Id issued twice");
    case CHAIN_RECONCILE_NEVER_SEEN:
    default:
      return _("Never seen");
    }
}

static void
draw_reconcile (CustodyChart  *self,
                cairo_t       *cr,
                double         width,
                double         height,
                const GdkRGBA *fg)
{
  const ChainReportReconcile *summary = chain_report_data_get_reconcile (self->data);
  double right = width - MARGIN - 60;
  guint64 max = 1;

  if (summary == NULL)
    {
      draw_text (self, cr, _("No reconciliation yet"), width / 2, height / 2, 0.5);
      return;
    }
  for (int k = 0; k <= CHAIN_RECONCILE_NEVER_SEEN; k++)
    max = MAX (max, summary->counts[k][0] + summary->counts[k][1]);
  for (int k = 0; k <= CHAIN_RECONCILE_NEVER_SEEN; k++)
    {
      double y = MARGIN + ROW * k;
      double action = chain_report_scale ((gint64) summary->counts[k][1], 0, (gint64) max, 0, right - LABEL_WIDTH);
      double info = chain_report_scale ((gint64) summary->counts[k][0], 0, (gint64) max, 0, right - LABEL_WIDTH);
      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, summary->counts[k][0] + summary->counts[k][1]);

      gdk_cairo_set_source_rgba (cr, fg);
      draw_text (self, cr, custody_chart_reconcile_kind_label (k), MARGIN, y + ROW / 2, 0);
      draw_text (self, cr, count, LABEL_WIDTH + action + info + 6, y + ROW / 2, 0);
      gdk_cairo_set_source_rgba (cr, &revoked_colour);
      cairo_rectangle (cr, LABEL_WIDTH, y + 4, action, ROW - 8);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &out_colour);
      cairo_rectangle (cr, LABEL_WIDTH + action, y + 4, info, ROW - 8);
      cairo_fill (cr);
    }
}

static void
custody_chart_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  CustodyChart *self = CUSTODY_CHART (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  GdkRGBA fg;
  cairo_t *cr;

  if (self->data == NULL || width <= 0 || height <= 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height));
  switch (self->kind)
    {
    case CUSTODY_CHART_ISSUED:
      draw_issued (self, cr, width, height, &fg);
      break;
    case CUSTODY_CHART_VALIDITY:
      draw_validity (self, cr, width, height, &fg);
      break;
    case CUSTODY_CHART_RECONCILE:
    default:
      draw_reconcile (self, cr, width, height, &fg);
      break;
    }
  cairo_destroy (cr);
}

static guint
n_rows (CustodyChart *self)
{
  if (self->data == NULL)
    return 0;
  switch (self->kind)
    {
    case CUSTODY_CHART_ISSUED:
      return chain_report_data_get_n_issued (self->data);
    case CUSTODY_CHART_VALIDITY:
      return chain_report_data_get_n_cas (self->data);
    case CUSTODY_CHART_RECONCILE:
    default:
      return chain_report_data_get_reconcile (self->data) != NULL ? CHAIN_RECONCILE_NEVER_SEEN + 1 : 0;
    }
}

static void
custody_chart_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  CustodyChart *self = CUSTODY_CHART (widget);
  guint rows = MAX (n_rows (self), 2);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 300;
      *natural = 640;
      return;
    }
  switch (self->kind)
    {
    case CUSTODY_CHART_ISSUED:
      *minimum = *natural = (int) (200 + ROW * rows);
      break;
    case CUSTODY_CHART_VALIDITY:
      *minimum = *natural = (int) (MARGIN + ROW * rows + 30);
      break;
    case CUSTODY_CHART_RECONCILE:
    default:
      *minimum = *natural = (int) (MARGIN * 2 + ROW * MAX (rows, 4));
      break;
    }
}

static void
custody_chart_class_init (CustodyChartClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = custody_chart_snapshot;
  widget_class->measure = custody_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
custody_chart_init (CustodyChart *self)
{
}

GtkWidget *
custody_chart_new (CustodyChartKind kind)
{
  CustodyChart *self = g_object_new (CUSTODY_TYPE_CHART, NULL);

  self->kind = kind;
  return GTK_WIDGET (self);
}

CustodyChartKind
custody_chart_get_kind (CustodyChart *self)
{
  g_return_val_if_fail (CUSTODY_IS_CHART (self), CUSTODY_CHART_ISSUED);
  return self->kind;
}

void
custody_chart_set_data (CustodyChart          *self,
                        const ChainReportData *data,
                        const char            *label,
                        const char            *summary)
{
  g_return_if_fail (CUSTODY_IS_CHART (self));

  self->data = data;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary != NULL ? summary : "",
                                  -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
custody_chart_get_n_items (CustodyChart *self)
{
  g_return_val_if_fail (CUSTODY_IS_CHART (self), 0);
  return n_rows (self);
}
