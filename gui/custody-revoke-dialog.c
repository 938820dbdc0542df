/* custody-revoke-dialog.c — revoke a sub-CA or devices */
#include "custody-revoke-dialog.h"

#include <glib/gi18n.h>

#include "custody-passphrase-dialog.h"
#include "custody-revoke-form.h"
#include "custody-revoke-target.h"
#include "custody-widgets.h"
#include "custody-window.h"

struct _CustodyRevokeDialog {
  AdwWindow          parent_instance;
  CustodySession    *session;
  CustodyRevokeForm *form;
  gboolean           plan_running;
  gboolean           plan_pending;

  GtkWidget         *revoke_button;
  CustodyRevokeTarget *target;
  AdwComboRow       *reason_row;
  GtkLabel          *problem_label;
  GtkListBox        *items_list;
};

G_DEFINE_FINAL_TYPE (CustodyRevokeDialog, custody_revoke_dialog, ADW_TYPE_WINDOW)

static void
update (CustodyRevokeDialog *self)
{
  const char *problem = custody_revoke_form_get_problem (self->form);

  if (problem != NULL)
    gtk_label_set_text (self->problem_label, problem);
  else if (self->plan_running || self->plan_pending)
    gtk_label_set_text (self->problem_label, _("Finding the certificates…"));
  else
    gtk_label_set_text (self->problem_label,
                        _("Revoking is recorded in the ledger with your CA’s new CRL. It cannot be undone."));
  custody_fields_fill (self->items_list, custody_revoke_form_get_items (self->form));
  gtk_widget_set_sensitive (self->revoke_button,
                            custody_revoke_form_get_can_revoke (self->form) && !custody_session_get_busy (self->session));
}

static void request_plan (CustodyRevokeDialog *self);

static void
on_planned (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CustodyRevokeDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  ChainRevocation *plan = custody_session_finish_result (CUSTODY_SESSION (source), result, &error);

  self->plan_running = FALSE;
  if (self->form == NULL || self->plan_pending)
    {
      chain_revocation_free (plan);
      if (self->form != NULL)
        request_plan (self);
      return;
    }
  custody_revoke_form_set_plan (self->form, plan, error);
  update (self);
}

static void
request_plan (CustodyRevokeDialog *self)
{
  g_auto(GStrv) devices = NULL;
  g_auto(GStrv) custodians = NULL;

  if (self->plan_running || custody_session_get_busy (self->session))
    {
      self->plan_pending = TRUE;
      return;
    }
  self->plan_pending = FALSE;
  if (!custody_revoke_form_get_targets (self->form, &devices, &custodians))
    {
      update (self);
      return;
    }
  self->plan_running = TRUE;
  custody_session_plan_revocation_async (self->session, (const char *const *) devices,
                                         (const char *const *) custodians, on_planned, g_object_ref (self));
  update (self);
}

static void
on_busy_changed (CustodyRevokeDialog *self)
{
  if (!custody_session_get_busy (self->session) && self->plan_pending && !self->plan_running)
    request_plan (self);
  update (self);
}

static void
on_targets_edited (CustodyRevokeDialog *self)
{
  g_autofree char *custodians = custody_revoke_target_dup_custodians (self->target);
  g_autofree char *devices = custody_revoke_target_dup_devices (self->target);

  g_object_set (self->form, "custodians", custodians, "devices", devices, NULL);
}

static void
on_reason_selected (CustodyRevokeDialog *self)
{
  g_object_set (self->form, "reason", adw_combo_row_get_selected (self->reason_row), NULL);
}

static void
on_revoked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CustodyRevokeDialog) self = user_data;
  g_autoptr(GtkWindow) main_window = NULL;

  if (gtk_window_get_transient_for (GTK_WINDOW (self)) != NULL)
    main_window = g_object_ref (gtk_window_get_transient_for (GTK_WINDOW (self)));
  if (!custody_dialog_finish_job (GTK_WIDGET (self), CUSTODY_SESSION (source), result, _("Could Not Revoke")))
    update (self);
  else if (CUSTODY_IS_WINDOW (main_window))
    /* What comes next, one click away: clouds learn of it from the CRL. */
    custody_window_offer_action (CUSTODY_WINDOW (main_window), _("Publish _CRL…"), "win.publish-crl");
}

static void
on_passphrase (ChainSecret *passphrase,
               const char  *officer,
               gpointer     user_data)
{
  g_autoptr(CustodyRevokeDialog) self = user_data;
  g_auto(GStrv) devices = NULL;
  g_auto(GStrv) custodians = NULL;
  ChainRevokeOptions options;

  if (passphrase == NULL || !custody_revoke_form_get_targets (self->form, &devices, &custodians))
    {
      chain_secret_free (passphrase);
      return;
    }
  custody_revoke_form_get_options (self->form, &options);
  gtk_widget_set_sensitive (self->revoke_button, FALSE);
  custody_session_revoke_async (self->session, (const char *const *) devices, (const char *const *) custodians,
                                &options, officer, passphrase, on_revoked, g_object_ref (self));
}

static void
on_revoke_clicked (CustodyRevokeDialog *self)
{
  g_auto(GStrv) officers = custody_session_list_officers (self->session);
  const char *count = custody_revoke_form_get_count (self->form);
  g_autofree char *body = NULL;

  if (count == NULL)
    return;
  /* TRANSLATORS: %s counts what is revoked by kind, e.g. "1 sub-CA and 2 devices" */
  body = g_strdup_printf (_("Revoking %s for good (everything under a sub-CA goes with it); your CA signs a new CRL."),
                          count);

  custody_passphrase_dialog_run_destructive (GTK_WIDGET (self), _("Sign the Revocation"), body,
                                             (const char *const *) officers, _("_Revoke"), on_passphrase, g_object_ref (self));
}

static void
custody_revoke_dialog_dispose (GObject *object)
{
  CustodyRevokeDialog *self = CUSTODY_REVOKE_DIALOG (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->form != NULL)
    g_signal_handlers_disconnect_by_data (self->form, self);
  g_clear_object (&self->form);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (custody_revoke_dialog_parent_class)->dispose (object);
}

static void
custody_revoke_dialog_class_init (CustodyRevokeDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = custody_revoke_dialog_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
custody_revoke_dialog_init (CustodyRevokeDialog *self)
{
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  return label;
}

static void
build (CustodyRevokeDialog *self,
       const char          *custodian)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *choices = gtk_list_box_new ();
  g_autoptr(GListModel) reasons = custody_string_list_new (custody_revoke_form_get_reason_labels ());

  gtk_window_set_title (GTK_WINDOW (self), _("Revoke"));
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->revoke_button = gtk_button_new_with_mnemonic (_("_Revoke…"));
  gtk_widget_add_css_class (self->revoke_button, "destructive-action");
  g_signal_connect_swapped (self->revoke_button, "clicked", G_CALLBACK (on_revoke_clicked), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->revoke_button);
  gtk_box_append (GTK_BOX (box), header);

  gtk_widget_add_css_class (choices, "boxed-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (choices), GTK_SELECTION_NONE);
  self->target = CUSTODY_REVOKE_TARGET (custody_revoke_target_new (self->session, custodian));
  g_signal_connect_swapped (self->target, "changed", G_CALLBACK (on_targets_edited), self);
  self->reason_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->reason_row), _("Reason"));
  adw_combo_row_set_model (self->reason_row, reasons);
  g_signal_connect_swapped (self->reason_row, "notify::selected", G_CALLBACK (on_reason_selected), self);
  gtk_list_box_append (GTK_LIST_BOX (choices), GTK_WIDGET (self->reason_row));

  self->problem_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->problem_label, TRUE);
  gtk_label_set_xalign (self->problem_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->problem_label), "dim-label");
  self->items_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->items_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->items_list), "boxed-list");

  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->target));
  gtk_box_append (GTK_BOX (content), choices);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->problem_label));
  gtk_box_append (GTK_BOX (content), heading (_("Will Be Revoked")));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->items_list));
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (self), box);
  custody_dialog_set_primary (GTK_WINDOW (self), self->revoke_button,
                              custody_revoke_target_get_first (self->target));
}

CustodyRevokeDialog *
custody_revoke_dialog_new (GtkWindow      *parent,
                           CustodySession *session,
                           const char     *custodian)
{
  CustodyRevokeDialog *self = g_object_new (CUSTODY_TYPE_REVOKE_DIALOG,
                                            "transient-for", parent,
                                            "modal", TRUE,
                                            "default-width", 520,
                                            "default-height", 600,
                                            "width-request", 360,
                                            "height-request", 294,
                                            NULL);

  self->session = g_object_ref (session);
  self->form = custody_revoke_form_new (custodian);
  custody_revoke_form_set_tree (self->form, custody_session_get_tree (session));
  build (self, custodian);
  g_signal_connect_swapped (self->form, "targets-changed", G_CALLBACK (request_plan), self);
  g_signal_connect_swapped (session, "notify::busy", G_CALLBACK (on_busy_changed), self);
  request_plan (self);
  update (self);
  return self;
}
