/* cli-report-html.c — `chain report`'s page: charts as inline SVG
 *
 * One self-contained HTML document: no script, no external style, font or
 * image, so it reads the same offline, in a mail client or a browser with
 * scripts off. The series come from chain-report-data (the same Custody
 * draws); every string from the ledger or a cloud file goes through
 * chain_text_sanitize() and then HTML escaping (append_text()).
 */
#include "chain-cli.h"

#include <inttypes.h>

#define CHART_WIDTH 720
#define PLOT_LEFT 64
#define PLOT_RIGHT 16
#define PLOT_TOP 16
#define ISSUED_HEIGHT 260
#define BAR_ROW 26
#define SECONDS_PER_DAY (24 * 60 * 60)

/* The colours of a series: distinct, readable on white. */
static const char *const series_colours[] = {
  "#1c71d8", "#e66100", "#2ec27e", "#9141ac", "#c01c28", "#986a44", "#0d9488", "#5e5c64",
};

/* Text from the ledger or the cloud: sanitized, then escaped for HTML,
 * in text and in attribute values alike. */
static void
append_text (GString    *out,
             const char *text)
{
  g_autofree char *safe = chain_text_sanitize (text, CHAIN_TEXT_ONE_LINE);

  for (const char *p = safe; *p != '\0'; p++)
    switch (*p)
      {
      case '&': g_string_append (out, "&amp;"); break;
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      case '"': g_string_append (out, "&quot;"); break;
      case '\'': g_string_append (out, "&#39;"); break;
      default: g_string_append_c (out, *p); break;
      }
}

static char *
format_day (gint64 time)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (time);

  return date != NULL ? g_date_time_format (date, "%Y-%m-%d") : g_strdup ("?");
}

static const char *
status_colour (const ChainReportCa *ca)
{
  if (ca->expiring)
    return "#e5a50a";
  switch (ca->status)
    {
    case CHAIN_CUSTODY_STATUS_VALID:
      return "#2ec27e";
    case CHAIN_CUSTODY_STATUS_PENDING:
      return "#62a0ea";
    case CHAIN_CUSTODY_STATUS_REVOKED:
      return "#c01c28";
    case CHAIN_CUSTODY_STATUS_EXPIRED:
    case CHAIN_CUSTODY_STATUS_RETIRED:
    default:
      return "#9a9996";
    }
}

static const char *
status_label (const ChainReportCa *ca)
{
  if (ca->expiring)
    return _("expires soon");
  switch (ca->status)
    {
    case CHAIN_CUSTODY_STATUS_VALID:
      return _("valid");
    case CHAIN_CUSTODY_STATUS_PENDING:
      return _("pending");
    case CHAIN_CUSTODY_STATUS_REVOKED:
      return _("revoked");
    case CHAIN_CUSTODY_STATUS_RETIRED:
      return _("retired");
    case CHAIN_CUSTODY_STATUS_EXPIRED:
    default:
      return _("expired");
    }
}

static void
begin_figure (GString    *out,
              const char *id,
              const char *title,
              const char *summary,
              int         height)
{
  g_string_append_printf (out, "<section><h2 id=\"%s-title\">", id);
  append_text (out, title);
  g_string_append_printf (out, "</h2>\n<p id=\"%s-summary\">", id);
  append_text (out, summary);
  g_string_append_printf (out,
                          "</p>\n<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
                          "aria-labelledby=\"%s-title\" aria-describedby=\"%s-summary\" "
                          "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n<title>",
                          id, id, id, CHART_WIDTH, height, CHART_WIDTH, height);
  append_text (out, title);
  g_string_append (out, "</title>\n");
}

/* ---- Devices issued per custodian over time ------------------------------------- */

static void
append_issued_chart (GString               *out,
                     const ChainReportData *data)
{
  g_autofree char *summary = chain_report_data_dup_issued_summary (data);
  guint64 max = chain_report_data_get_max_issued (data);
  double plot_right = CHART_WIDTH - PLOT_RIGHT;
  double plot_bottom = ISSUED_HEIGHT - 40;
  gint64 first = 0;
  gint64 last = 0;

  begin_figure (out, "issued", _("Devices issued per custodian"), summary,
                ISSUED_HEIGHT + 24 * (int) chain_report_data_get_n_issued (data));
  if (!chain_report_data_get_day_range (data, &first, &last))
    first = last = chain_report_data_get_now (data) - chain_report_data_get_now (data) % SECONDS_PER_DAY;
  /* One day past the last, so a single day's issuance is a step, not a point. */
  last += SECONDS_PER_DAY;
  max = MAX (max, 1);

  g_string_append_printf (out, "<g class=\"axes\"><line x1=\"%d\" y1=\"%g\" x2=\"%g\" y2=\"%g\"/>"
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%g\"/>",
                          PLOT_LEFT, plot_bottom, plot_right, plot_bottom, PLOT_LEFT, PLOT_TOP, PLOT_LEFT, plot_bottom);
  g_string_append_printf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%" G_GUINT64_FORMAT "</text>"
                          "<text x=\"%d\" y=\"%g\" text-anchor=\"end\">0</text>",
                          PLOT_LEFT - 6, PLOT_TOP + 4, max, PLOT_LEFT - 6, plot_bottom + 4);
  {
    g_autofree char *from = format_day (first);
    g_autofree char *to = format_day (last);

    g_string_append_printf (out, "<text x=\"%d\" y=\"%g\">%s</text>"
                            "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%s</text></g>\n",
                            PLOT_LEFT, plot_bottom + 18, from, plot_right, plot_bottom + 18, to);
  }

  for (guint i = 0; i < chain_report_data_get_n_issued (data); i++)
    {
      const ChainReportIssued *series = chain_report_data_get_issued (data, i);
      const char *colour = series_colours[i % G_N_ELEMENTS (series_colours)];
      double y_prev = plot_bottom;
      double legend_y = ISSUED_HEIGHT + 24.0 * i;

      g_string_append_printf (out, "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                              colour);
      for (guint p = 0; p < series->n_points; p++)
        {
          double x = chain_report_scale (series->points[p].day, first, last, PLOT_LEFT, plot_right);
          double y = chain_report_scale ((gint64) series->points[p].total, 0, (gint64) max, plot_bottom, PLOT_TOP);

          g_string_append_printf (out, "%.1f,%.1f %.1f,%.1f ", x, y_prev, x, y);
          y_prev = y;
        }
      g_string_append_printf (out, "%.1f,%.1f\"/>\n", plot_right, y_prev);
      if (series->quota > 0)
        {
          double y = chain_report_scale ((gint64) series->quota, 0, (gint64) max, plot_bottom, PLOT_TOP);
          g_autofree char *quota_text = g_strdup_printf ("%" G_GUINT64_FORMAT, series->quota);

          g_string_append_printf (out, "<line class=\"quota\" x1=\"%d\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" "
                                  "stroke=\"%s\" stroke-dasharray=\"6 4\"/>"
                                  "<text class=\"quota\" x=\"%g\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\">",
                                  PLOT_LEFT, y, plot_right, y, colour, plot_right, y - 4, colour);
          /* Translators: the label of a quota's line in a chart; %s is the quota. */
          g_string_append_printf (out, _("quota %s"), quota_text);
          g_string_append (out, "</text>\n");
        }
      g_string_append_printf (out, "<rect x=\"%d\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                              "<text x=\"%d\" y=\"%.1f\">",
                              PLOT_LEFT, legend_y, colour, PLOT_LEFT + 20, legend_y + 12);
      append_text (out, series->name);
      g_string_append_printf (out, ": %" G_GUINT64_FORMAT, series->total);
      if (series->quota > 0)
        g_string_append_printf (out, " / %" G_GUINT64_FORMAT, series->quota);
      g_string_append (out, "</text>\n");
    }
  g_string_append (out, "</svg></section>\n");
}

/* ---- CA validity as a timeline ----------------------------------------------------- */

static void
append_validity_chart (GString               *out,
                       const ChainReportData *data)
{
  g_autofree char *summary = chain_report_data_dup_validity_summary (data);
  guint n = chain_report_data_get_n_cas (data);
  gint64 now = chain_report_data_get_now (data);
  gint64 from = now;
  gint64 to = now;
  double label_width = 200;
  double plot_right = CHART_WIDTH - PLOT_RIGHT;
  int height = PLOT_TOP + BAR_ROW * (int) n + 40;
  double x_now;

  for (guint i = 0; i < n; i++)
    {
      const ChainReportCa *ca = chain_report_data_get_ca (data, i);

      from = MIN (from, ca->not_before);
      to = MAX (to, ca->not_after);
    }
  begin_figure (out, "validity", _("CA validity"), summary, height);
  for (guint i = 0; i < n; i++)
    {
      const ChainReportCa *ca = chain_report_data_get_ca (data, i);
      double y = PLOT_TOP + BAR_ROW * (double) i;
      double x1 = chain_report_scale (ca->not_before, from, to, label_width, plot_right);
      double x2 = chain_report_scale (ca->not_after, from, to, label_width, plot_right);
      g_autofree char *until = format_day (ca->not_after);

      g_string_append_printf (out, "<text x=\"%g\" y=\"%.1f\">", 8.0 + 12.0 * ca->depth, y + 15);
      append_text (out, ca->name);
      if (ca->ca_index > 0)
        g_string_append_printf (out, " (%u)", ca->ca_index + 1);
      g_string_append_printf (out, "</text><rect class=\"ca\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" "
                              "fill=\"%s\"><title>",
                              x1, y + 2, MAX (x2 - x1, 1.0), status_colour (ca));
      append_text (out, ca->name);
      g_string_append_printf (out, ": %s, %s %s</title></rect>\n", status_label (ca), _("until"), until);
    }
  x_now = chain_report_scale (now, from, to, label_width, plot_right);
  g_string_append_printf (out, "<line class=\"today\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                          "stroke=\"#000\" stroke-width=\"2\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                          x_now, PLOT_TOP - 4, x_now, height - 24, x_now, height - 8, _("today"));
  g_string_append (out, "</svg></section>\n");
}

/* ---- The last reconciliation --------------------------------------------------- */

static void
append_reconcile_chart (GString               *out,
                        const ChainReportData *data)
{
  g_autofree char *summary = chain_report_data_dup_reconcile_summary (data);
  const ChainReportReconcile *reconcile = chain_report_data_get_reconcile (data);
  int n_kinds = CHAIN_RECONCILE_NEVER_SEEN + 1;
  guint64 max = 1;
  double bar_left = 200;
  double plot_right = CHART_WIDTH - 120;

  if (reconcile == NULL)
    {
      g_string_append (out, "<section><h2 id=\"reconcile-title\">");
      append_text (out, _("Last reconciliation"));
      g_string_append (out, "</h2>\n<p id=\"reconcile-summary\">");
      append_text (out, summary);
      g_string_append (out, "</p></section>\n");
      return;
    }
  for (int k = 0; k < n_kinds; k++)
    max = MAX (max, reconcile->counts[k][0] + reconcile->counts[k][1]);
  begin_figure (out, "reconcile", _("Last reconciliation"), summary, PLOT_TOP + BAR_ROW * n_kinds + 8);
  for (int k = 0; k < n_kinds; k++)
    {
      double y = PLOT_TOP + BAR_ROW * (double) k;
      double action = chain_report_scale ((gint64) reconcile->counts[k][1], 0, (gint64) max, 0, plot_right - bar_left);
      double info = chain_report_scale ((gint64) reconcile->counts[k][0], 0, (gint64) max, 0, plot_right - bar_left);

      g_string_append_printf (out, "<text x=\"8\" y=\"%.1f\">%s</text>"
                              "<rect class=\"action\" x=\"%g\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"#c01c28\"/>"
                              "<rect class=\"information\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"#9a9996\"/>"
                              "<text x=\"%.1f\" y=\"%.1f\">%" G_GUINT64_FORMAT "</text>\n",
                              y + 15, chain_cli_reconcile_kind_label (k), bar_left, y + 2, action, bar_left + action, y + 2, info,
                              bar_left + action + info + 6, y + 15,
                              reconcile->counts[k][0] + reconcile->counts[k][1]);
    }
  g_string_append (out, "</svg>\n");
  if (reconcile->n_findings > 0)
    {
      g_string_append_printf (out, "<table class=\"findings\"><tr><th>%s</th><th>%s</th><th>%s</th></tr>\n",
                              _("Finding"), _("Device id"), _("Cloud file"));
      for (guint i = 0; i < reconcile->n_findings; i++)
        {
          const ChainReportFinding *finding = &reconcile->findings[i];

          g_string_append_printf (out, "<tr class=\"%s\"><td>%s</td><td>",
                                  finding->needs_action ? "action" : "information", chain_cli_reconcile_kind_label (finding->kind));
          append_text (out, finding->device_id != NULL ? finding->device_id : "-");
          g_string_append (out, "</td><td>");
          append_text (out, finding->source != NULL ? finding->source : "-");
          g_string_append (out, "</td></tr>\n");
        }
      g_string_append (out, "</table>\n");
    }
  g_string_append (out, "</section>\n");
}

/* ---- The custody tree and the audit ---------------------------------------------- */

typedef struct {
  GString *out;
  gint64   now;
} TreeWalk;

static void
enter_custodian (const ChainCustodian *custodian,
                 guint                 depth,
                 gpointer              user_data)
{
  TreeWalk *walk = user_data;

  g_string_append (walk->out, "<li>");
  append_text (walk->out, chain_custodian_get_name (custodian));
  g_string_append (walk->out, " <span class=\"tier\">");
  append_text (walk->out, chain_custodian_get_tier (custodian));
  g_string_append_printf (walk->out, ", %s, ",
                          chain_custody_status_to_string (chain_custodian_get_status (custodian, walk->now)));
  g_string_append_printf (walk->out,
                          ngettext ("%" PRIu64 " device", "%" PRIu64 " devices",
                                    (gulong) chain_custodian_get_n_devices (custodian)),
                          chain_custodian_get_n_devices (custodian));
  g_string_append (walk->out, "</span><ul>\n");
}

static void
leave_custodian (const ChainCustodian *custodian,
                 guint                 depth,
                 gpointer              user_data)
{
  TreeWalk *walk = user_data;

  g_string_append (walk->out, "</ul></li>\n");
}

static void
append_custody_tree (GString                *out,
                     const ChainLedgerState *state,
                     gint64                  now)
{
  TreeWalk walk = { out, now };

  g_string_append_printf (out, "<section><h2>%s</h2>\n<ul class=\"tree\">\n", _("Custody tree"));
  chain_ledger_state_walk_custody (state, enter_custodian, leave_custodian, &walk);
  g_string_append (out, "</ul></section>\n");
}

static void
append_audit (GString                *out,
              const ChainAuditReport *audit)
{
  g_autofree char *text = chain_audit_report_to_text (audit, FALSE);
  gboolean ok = chain_audit_report_is_ok (audit);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  g_string_append_printf (out, "<section><h2>%s</h2>\n<p class=\"%s\">%s</p>\n<pre>",
                          _("Audit"), ok ? "pass" : "fail",
                          ok ? _("The audit passed.") : _("The audit failed."));
  /* The report quotes records; each line is sanitized and escaped. */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      append_text (out, lines[i]);
      g_string_append_c (out, '\n');
    }
  g_string_append (out, "</pre></section>\n");
}

char *
chain_cli_report_html (const ChainLedgerState *state,
                       const ChainReportData  *data,
                       const ChainAuditReport *audit)
{
  GString *out = g_string_new (NULL);
  g_autofree char *generated = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (chain_report_data_get_now (data));

  generated = now != NULL ? g_date_time_format (now, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("?");
  g_string_append (out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>");
  append_text (out, _("Ledger report"));
  g_string_append (out, "</title>\n<style>\n"
                   "body{font-family:sans-serif;margin:2em;max-width:60em;color:#222;background:#fff}\n"
                   "svg{display:block;background:#fafafa;border:1px solid #ddd;font-size:12px}\n"
                   ".axes line{stroke:#444}\n"
                   ".pass{color:#26a269;font-weight:bold}.fail{color:#c01c28;font-weight:bold}\n"
                   "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}\n"
                   "tr.action td:first-child{color:#c01c28}\n"
                   "pre{white-space:pre-wrap}\n"
                   "</style>\n</head>\n<body>\n<h1>");
  append_text (out, _("Ledger report"));
  g_string_append (out, "</h1>\n<p>");
  {
    g_autoptr(GString) id = g_string_new (NULL);

    append_text (id, chain_ledger_state_get_ledger_id (state));
    /* Translators: the ledger's id, then the date and time the report was made. */
    g_string_append_printf (out, _("Ledger %s, reported on %s."), id->str, generated);
  }
  g_string_append (out, "</p>\n");

  append_audit (out, audit);
  append_custody_tree (out, state, chain_report_data_get_now (data));
  append_issued_chart (out, data);
  append_validity_chart (out, data);
  append_reconcile_chart (out, data);
  g_string_append (out, "</body>\n</html>\n");
  return g_string_free (out, FALSE);
}
