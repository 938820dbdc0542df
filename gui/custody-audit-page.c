/* custody-audit-page.c — run the audit, watch it, read the report */
#include "custody-audit-page.h"

#include <glib/gi18n.h>

struct _CustodyAuditPage {
  GtkWidget       parent_instance;
  CustodySession *session;

  GtkImage       *state_icon;
  GtkLabel       *summary_label;
  GtkProgressBar *progress_bar;
  GtkButton      *cancel_button;
  GtkLabel       *report_title;
  GtkFrame       *report_frame;
  GtkTextView    *report_view;
};

G_DEFINE_FINAL_TYPE (CustodyAuditPage, custody_audit_page, GTK_TYPE_WIDGET)

static void
update (CustodyAuditPage *self)
{
  CustodyAudit *audit = custody_session_get_audit (self->session);
  CustodyAuditState state = custody_audit_get_state (audit);
  const char *report = custody_audit_get_report_text (audit);
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
  gtk_widget_set_visible (GTK_WIDGET (self->report_title), report != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->report_frame), report != NULL);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->report_view), report != NULL ? report : "", -1);
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
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, report_frame);
  gtk_widget_class_bind_template_child (widget_class, CustodyAuditPage, report_view);
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
