/* custody-charts-page.c — the Charts page: who issued what, CA validity, last reconciliation
 *
 * The series come from chain-report-data, as `chain report` draws them.
 * They are read again whenever the page is shown and whenever the
 * workspace changes while it is: a reconcile run from the command line
 * leaves its summary in the workspace, which the page then shows.
 */
#include "custody-charts-page.h"

#include <glib/gi18n.h>

#include "custody-chart.h"

/* How many of the last reconcile's findings the page lists. */
#define FINDINGS_SHOWN 10

struct _CustodyChartsPage {
  GtkWidget        parent_instance;
  CustodySession  *session;
  ChainReportData *data;

  GtkWidget       *scroller;
  GtkWidget       *error_label;
  GtkWidget       *charts[3];
  GtkWidget       *summaries[3];
  GtkWidget       *findings_label;
};

G_DEFINE_FINAL_TYPE (CustodyChartsPage, custody_charts_page, GTK_TYPE_WIDGET)

static const char *
chart_title (CustodyChartKind kind)
{
  switch (kind)
    {
    case CUSTODY_CHART_ISSUED:
      return _("Devices Issued per Custodian");
    case CUSTODY_CHART_VALIDITY:
      return _("CA Validity");
    case CUSTODY_CHART_RECONCILE:
    default:
      return _("Last Reconciliation");
    }
}

static char *
dup_findings_text (const ChainReportData *data)
{
  const ChainReportReconcile *summary = chain_report_data_get_reconcile (data);
  GString *text = g_string_new (NULL);

  for (guint i = 0; summary != NULL && i < summary->n_findings && i < FINDINGS_SHOWN; i++)
    {
      const ChainReportFinding *finding = &summary->findings[i];
      g_autofree char *id = chain_text_sanitize (finding->device_id != NULL ? finding->device_id : "-",
                                                 CHAIN_TEXT_ONE_LINE);

      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, "%s %s: %s", finding->needs_action ? "⚠" : "·",
                              custody_chart_reconcile_kind_label (finding->kind), id);
    }
  return g_string_free (text, FALSE);
}

static void
clear_charts (CustodyChartsPage *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->charts); i++)
    custody_chart_set_data (CUSTODY_CHART (self->charts[i]), NULL, chart_title (i), NULL);
  g_clear_pointer (&self->data, chain_report_data_free);
}

static void
reload (CustodyChartsPage *self)
{
  ChainWorkspace *workspace = self->session != NULL ? custody_session_get_workspace (self->session) : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *findings = NULL;
  char *summaries[3] = { NULL, NULL, NULL };

  clear_charts (self);
  if (workspace == NULL || !chain_workspace_has_ledger (workspace))
    {
      gtk_widget_set_visible (self->error_label, FALSE);
      gtk_widget_set_visible (self->scroller, FALSE);
      return;
    }
  self->data = chain_report_data_new_for_workspace (workspace, g_get_real_time () / G_USEC_PER_SEC, NULL, &error);
  gtk_widget_set_visible (self->error_label, self->data == NULL);
  gtk_widget_set_visible (self->scroller, self->data != NULL);
  if (self->data == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->error_label), error->message);
      return;
    }
  summaries[CUSTODY_CHART_ISSUED] = chain_report_data_dup_issued_summary (self->data);
  summaries[CUSTODY_CHART_VALIDITY] = chain_report_data_dup_validity_summary (self->data);
  summaries[CUSTODY_CHART_RECONCILE] = chain_report_data_dup_reconcile_summary (self->data);
  for (guint i = 0; i < G_N_ELEMENTS (self->charts); i++)
    {
      gtk_label_set_text (GTK_LABEL (self->summaries[i]), summaries[i]);
      custody_chart_set_data (CUSTODY_CHART (self->charts[i]), self->data, chart_title (i), summaries[i]);
      g_free (summaries[i]);
    }
  findings = dup_findings_text (self->data);
  gtk_label_set_text (GTK_LABEL (self->findings_label), findings);
  gtk_widget_set_visible (self->findings_label, findings[0] != '\0');
}

static void
on_session_changed (CustodyChartsPage *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    reload (self);
}

static void
custody_charts_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (custody_charts_page_parent_class)->map (widget);
  reload (CUSTODY_CHARTS_PAGE (widget));
}

static GtkWidget *
heading_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "title-4");
  gtk_widget_set_margin_top (label, 12);
  return label;
}

static GtkWidget *
text_label_new (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  return label;
}

static void
custody_charts_page_dispose (GObject *object)
{
  CustodyChartsPage *self = CUSTODY_CHARTS_PAGE (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  if (self->charts[0] != NULL)
    clear_charts (self);
  g_clear_pointer (&self->data, chain_report_data_free);
  g_clear_pointer (&self->error_label, gtk_widget_unparent);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  G_OBJECT_CLASS (custody_charts_page_parent_class)->dispose (object);
}

static void
custody_charts_page_class_init (CustodyChartsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = custody_charts_page_dispose;
  widget_class->map = custody_charts_page_map;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

static void
custody_charts_page_init (CustodyChartsPage *self)
{
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  self->error_label = text_label_new ();
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_widget_set_margin_start (self->error_label, 12);
  gtk_widget_set_margin_top (self->error_label, 12);
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_widget_set_parent (self->error_label, GTK_WIDGET (self));

  self->scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (self->scroller, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 900);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_bottom (box, 24);
  for (guint i = 0; i < G_N_ELEMENTS (self->charts); i++)
    {
      self->charts[i] = custody_chart_new (i);
      self->summaries[i] = text_label_new ();
      gtk_box_append (GTK_BOX (box), heading_new (chart_title (i)));
      gtk_box_append (GTK_BOX (box), self->summaries[i]);
      gtk_box_append (GTK_BOX (box), self->charts[i]);
    }
  self->findings_label = text_label_new ();
  gtk_widget_set_visible (self->findings_label, FALSE);
  gtk_box_append (GTK_BOX (box), self->findings_label);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), clamp);
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));
}

void
custody_charts_page_set_session (CustodyChartsPage *self,
                                 CustodySession    *session)
{
  g_return_if_fail (CUSTODY_IS_CHARTS_PAGE (self));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  g_signal_connect_swapped (session, "changed", G_CALLBACK (on_session_changed), self);
}
