/* custody-audit-page.c — run the audit, watch it, read the report */
#include "custody-audit-page.h"

#include <glib/gi18n.h>
#include <string.h>

#include "custody-audit-text.h"
#include "custody-widgets.h"

struct _CustodyAuditPage {
  GtkWidget       parent_instance;
  CustodySession *session;

  GtkImage       *state_icon;
  GtkLabel       *summary_label;
  GtkProgressBar *progress_bar;
  GtkButton      *cancel_button;
  GtkWidget      *report_title;
  GtkLabel       *report_heading;
  char           *report_time;   /* (nullable) when the report on show was made */
  char           *report_text;   /* (nullable) the report on show, in the ledger's labels */
  GtkFrame       *report_frame;
  GtkTextView    *report_view;
};

G_DEFINE_FINAL_TYPE (CustodyAuditPage, custody_audit_page, GTK_TYPE_WIDGET)

/* Commit ids and custodian ids wrap without a hyphen, which would read
 * as one of their characters. */
static void
set_report_text (GtkTextView *view,
                 const char  *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "no-hyphens");
  GtkTextIter start;
  GtkTextIter end;

  if (tag == NULL)
    tag = gtk_text_buffer_create_tag (buffer, "no-hyphens", "insert-hyphens", FALSE, NULL);
  gtk_text_buffer_set_text (buffer, text, -1);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_apply_tag (buffer, tag, &start, &end);
}

static void
update (CustodyAuditPage *self)
{
  CustodyAudit *audit = custody_session_get_audit (self->session);
  CustodyAuditState state = custody_audit_get_state (audit);
  ChainAuditReport *report = custody_audit_get_report (audit);
  const char *icon = "security-medium-symbolic";
  const char *style = "dim-label";

  switch (state)
    {
    case CUSTODY_AUDIT_PASSED:
      icon = "security-high-symbolic";
      style = "success";
      break;
    case CUSTODY_AUDIT_FAILED:
    case CUSTODY_AUDIT_ERROR:
      icon = "security-low-symbolic";
      style = "error";
      break;
    case CUSTODY_AUDIT_RUNNING:
      icon = "content-loading-symbolic";
      break;
    case CUSTODY_AUDIT_IDLE:
    case CUSTODY_AUDIT_CANCELLED:
    default:
      break;
    }
  gtk_image_set_from_icon_name (self->state_icon, icon);
  gtk_widget_set_css_classes (GTK_WIDGET (self->state_icon), (const char *[]) { style, NULL });
  gtk_label_set_text (self->summary_label, custody_audit_get_summary (audit));
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), state == CUSTODY_AUDIT_RUNNING);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), state == CUSTODY_AUDIT_RUNNING);
  gtk_progress_bar_set_fraction (self->progress_bar, custody_audit_get_fraction (audit));
  gtk_progress_bar_set_text (self->progress_bar, custody_audit_get_progress_text (audit));
  if (report == NULL)
    {
      g_clear_pointer (&self->report_time, g_free);
      g_clear_pointer (&self->report_text, g_free);
    }
  else if (self->report_time == NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      ChainWorkspace *workspace = custody_session_get_workspace (self->session);
      g_autofree char *heading = NULL;

      self->report_time = g_date_time_format (now, "%Y-%m-%d %H:%M:%S %z");
      /* Named by the state the workspace shows: ids only while a job holds it. */
      self->report_text = custody_audit_report_dup_text (report, workspace != NULL ? chain_workspace_get_state (workspace)
                                                                                   : NULL);
      /* TRANSLATORS: the audit report's heading; %s is when the audit ended */
      heading = g_strdup_printf (_("Report of %s"), self->report_time);
      gtk_label_set_text (self->report_heading, heading);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->report_title), report != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->report_frame), report != NULL);
  set_report_text (self->report_view, self->report_text != NULL ? self->report_text : "");
}

/* The report as copied or saved: what it is of, when, its verdict, then
 * the auditor's lines. */
static char *
dup_report (CustodyAuditPage *self)
{
  CustodyAudit *audit = custody_session_get_audit (self->session);
  const char *report = self->report_text;

  if (report == NULL)
    return NULL;
  /* TRANSLATORS: the head of a saved audit report: the ledger's folder, when, the verdict */
  return g_strdup_printf (_("Audit of the ledger at %s\nMade %s\n%s\n\n%s"),
                          custody_audit_get_ledger_path (audit) != NULL ? custody_audit_get_ledger_path (audit) : "",
                          self->report_time != NULL ? self->report_time : "", custody_audit_get_summary (audit),
                          report);
}

static void
on_copy_report (CustodyAuditPage *self)
{
  g_autofree char *text = dup_report (self);

  if (text == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  custody_toast (GTK_WIDGET (self), _("Copied the audit report"));
}

gboolean
custody_audit_page_save_report (CustodyAuditPage  *self,
                                GFile             *file,
                                GError           **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (CUSTODY_IS_AUDIT_PAGE (self), FALSE);

  text = dup_report (self);
  if (text == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("there is no audit report to save; run the audit first"));
      return FALSE;
    }
  return g_file_replace_contents (file, text, strlen (text), NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                  NULL, error);
}

static void
on_save_chosen (GtkNativeDialog  *chooser,
                int               response,
                CustodyAuditPage *self)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && file != NULL)
    {
      if (custody_audit_page_save_report (self, file, &error))
        {
          g_autofree char *path = g_file_get_path (file);
          /* TRANSLATORS: %s is where the audit report was saved */
          g_autofree char *message = g_strdup_printf (_("Saved to %s"), path);

          custody_toast (GTK_WIDGET (self), message);
        }
      else
        custody_show_error (GTK_WIDGET (self), _("Could Not Save the Report"), error);
    }
  g_object_unref (chooser);
}

static void
on_save_report (CustodyAuditPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Save the Audit Report"),
                                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                                               _("_Cancel"));

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "audit-report.txt");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_save_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
update_progress (CustodyAuditPage *self)
{
  CustodyAudit *audit = custody_session_get_audit (self->session);

  gtk_progress_bar_set_fraction (self->progress_bar, custody_audit_get_fraction (audit));
  gtk_progress_bar_set_text (self->progress_bar, custody_audit_get_progress_text (audit));
}

static void
custody_audit_page_dispose (GObject *object)
{
  CustodyAuditPage *self = CUSTODY_AUDIT_PAGE (object);
  GtkWidget *child = NULL;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (custody_session_get_audit (self->session), self);
  g_clear_object (&self->session);
  g_clear_pointer (&self->report_time, g_free);
  g_clear_pointer (&self->report_text, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), CUSTODY_TYPE_AUDIT_PAGE);
  /* The template's top child has no id, so dispose_template leaves it;
   * a widget finalized with children warns (at quit). */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (custody_audit_page_parent_class)->dispose (object);
}

static void
custody_audit_page_class_init (CustodyAuditPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = custody_audit_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/libchain/Custody/custody-audit-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, state_icon);
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, report_title);
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, report_heading);
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, report_frame);
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, report_view);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_report);
  gtk_widget_class_bind_template_callback (widget_class, on_save_report);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
custody_audit_page_init (CustodyAuditPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
custody_audit_page_set_session (CustodyAuditPage *self,
                                CustodySession   *session)
{
  CustodyAudit *audit = NULL;

  g_return_if_fail (CUSTODY_IS_AUDIT_PAGE (self));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  audit = custody_session_get_audit (session);
  g_signal_connect_swapped (audit, "notify::state", G_CALLBACK (update), self);
  g_signal_connect_swapped (audit, "notify::summary", G_CALLBACK (update), self);
  g_signal_connect_swapped (audit, "notify::fraction", G_CALLBACK (update_progress), self);
  update (self);
}
