/* custody-delegate-dialog.c — choose what to sign for a request, then sign it */
#include "custody-delegate-dialog.h"

#include <glib/gi18n.h>

#include "custody-delegate-form.h"
#include "custody-passphrase-dialog.h"
#include "custody-widgets.h"

struct _CustodyDelegateDialog {
  AdwWindow            parent_instance;
  CustodySession      *session;
  CustodyDelegateForm *form;
  char                *grant_path;

  GtkWidget           *sign_button;
  GtkSpinButton       *path_len_spin;
  GtkSpinButton       *validity_spin;
  GtkTextView         *constraints_view;
  GtkWidget           *quota_row;
  AdwActionRow        *grant_row;
  GtkListBox          *fields_list;
  GtkLabel            *verdict_label;
};

G_DEFINE_FINAL_TYPE (CustodyDelegateDialog, custody_delegate_dialog, ADW_TYPE_WINDOW)

static void
update (CustodyDelegateDialog *self)
{
  gboolean allowed = custody_delegate_form_get_allowed (self->form);

  custody_fields_fill (self->fields_list, custody_delegate_form_get_fields (self->form));
  gtk_label_set_text (self->verdict_label, custody_delegate_form_get_verdict (self->form));
  if (custody_delegate_form_get_max_devices_valid (self->form))
    gtk_widget_remove_css_class (self->quota_row, "error");
  else
    gtk_widget_add_css_class (self->quota_row, "error");
  gtk_widget_set_css_classes (GTK_WIDGET (self->verdict_label),
                              (const char *[]) { "heading", allowed ? "success" : "error", NULL });
  gtk_widget_set_sensitive (self->sign_button,
                            allowed && self->grant_path != NULL && !custody_session_get_busy (self->session));
}

static void
on_spin_changed (CustodyDelegateDialog *self)
{
  g_object_set (self->form,
                "path-len", gtk_spin_button_get_value_as_int (self->path_len_spin),
                "validity-days", gtk_spin_button_get_value_as_int (self->validity_spin),
                NULL);
}

static void
on_quota_changed (CustodyDelegateDialog *self)
{
  g_object_set (self->form, "max-devices-text", gtk_editable_get_text (GTK_EDITABLE (self->quota_row)), NULL);
}

static void
on_constraints_changed (GtkTextBuffer         *buffer,
                        CustodyDelegateDialog *self)
{
  GtkTextIter start;
  GtkTextIter end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_object_set (self->form, "name-constraints", text, NULL);
}

static void
on_delegated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CustodyDelegateDialog) self = user_data;
  g_autofree char *folder = self->grant_path != NULL ? g_path_get_dirname (self->grant_path) : NULL;

  if (!custody_dialog_finish_output_job (GTK_WIDGET (self), CUSTODY_SESSION (source), result,
                                         _("Could Not Delegate"), folder))
    update (self);
}

static void
on_passphrase (ChainSecret *passphrase,
               const char  *officer,
               gpointer     user_data)
{
  g_autoptr(CustodyDelegateDialog) self = user_data;
  CustodyRequest *request = custody_delegate_form_get_request (self->form);
  ChainDelegateOptions options;

  if (passphrase == NULL || !custody_delegate_form_get_options (self->form, &options))
    {
      chain_secret_free (passphrase);
      return;
    }
  gtk_widget_set_sensitive (self->sign_button, FALSE);
  custody_session_delegate_async (self->session, custody_request_get_file (request), &options,
                                  self->grant_path, officer, passphrase, on_delegated, g_object_ref (self));
}

static void
on_sign_clicked (CustodyDelegateDialog *self)
{
  g_auto(GStrv) officers = custody_session_list_officers (self->session);
  g_autofree char *body =
    g_strdup_printf (_("Your officer key signs the sub-CA for %s and the ledger records it. "
                       "The grant file is written to %s."),
                     custody_request_get_org (custody_delegate_form_get_request (self->form)), self->grant_path);

  custody_passphrase_dialog_run (GTK_WIDGET (self), _("Sign the Delegation"), body,
                                 (const char *const *) officers, _("_Sign"), on_passphrase, g_object_ref (self));
}

static void
on_grant_chosen (GtkNativeDialog       *chooser,
                 int                    response,
                 CustodyDelegateDialog *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      path = file != NULL ? g_file_get_path (file) : NULL;
      if (path != NULL)
        custody_delegate_dialog_set_grant_path (self, path);
    }
  g_object_unref (chooser);
}

static void
on_choose_grant (CustodyDelegateDialog *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Save the Grant File"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                 _("_Save"), _("_Cancel"));
  g_autofree char *name = custody_delegate_form_suggest_grant_name (self->form);

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_grant_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
custody_delegate_dialog_dispose (GObject *object)
{
  CustodyDelegateDialog *self = CUSTODY_DELEGATE_DIALOG (object);

  if (self->form != NULL)
    g_signal_handlers_disconnect_by_data (self->form, self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->form);
  g_clear_object (&self->session);
  g_clear_pointer (&self->grant_path, g_free);
  G_OBJECT_CLASS (custody_delegate_dialog_parent_class)->dispose (object);
}

static void
custody_delegate_dialog_class_init (CustodyDelegateDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = custody_delegate_dialog_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
custody_delegate_dialog_init (CustodyDelegateDialog *self)
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

/* Builds the content; the form must be set. */
static void
build (CustodyDelegateDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *choices = gtk_list_box_new ();
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *choose = gtk_button_new_with_mnemonic (_("_Choose…"));
  GtkWidget *hint = gtk_label_new (_("One per line: permitted:dirName:O=…, permitted:DNS:…, excluded:IP:… "
                                     "Leave empty for what the tier requires by default."));
  g_autofree char *title = g_strdup_printf (_("Delegate to %s"),
                                            custody_request_get_org (custody_delegate_form_get_request (self->form)));
  const char *constraints = NULL;

  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->sign_button = gtk_button_new_with_mnemonic (_("_Sign…"));
  gtk_widget_add_css_class (self->sign_button, "suggested-action");
  g_signal_connect_swapped (self->sign_button, "clicked", G_CALLBACK (on_sign_clicked), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->sign_button);
  gtk_box_append (GTK_BOX (box), header);

  gtk_widget_add_css_class (choices, "boxed-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (choices), GTK_SELECTION_NONE);
  gtk_list_box_append (GTK_LIST_BOX (choices),
                       custody_spin_row_new (_("Path length"), _("How many CAs may sit below the new one"), 0,
                                             custody_delegate_form_get_max_path_len (self->form), 0,
                                             &self->path_len_spin));
  gtk_list_box_append (GTK_LIST_BOX (choices),
                       custody_spin_row_new (_("Validity (days)"), _("Within what the policy and your CA allow"), 1,
                                             custody_delegate_form_get_max_validity_days (self->form), 1,
                                             &self->validity_spin));
  g_object_bind_property (self->form, "path-len", self->path_len_spin, "value", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->form, "validity-days", self->validity_spin, "value", G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->path_len_spin, "value-changed", G_CALLBACK (on_spin_changed), self);
  g_signal_connect_swapped (self->validity_spin, "value-changed", G_CALLBACK (on_spin_changed), self);
  self->quota_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->quota_row), _("Device quota"));
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (self->quota_row), GTK_INPUT_PURPOSE_DIGITS);
  gtk_widget_set_tooltip_text (self->quota_row,
                               _("The most devices the new CA and everything below it may issue; "
                                 "leave empty for no quota"));
  g_signal_connect_swapped (self->quota_row, "changed", G_CALLBACK (on_quota_changed), self);
  gtk_list_box_append (GTK_LIST_BOX (choices), self->quota_row);
  self->grant_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->grant_row), _("Grant file"));
  gtk_widget_set_valign (choose, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (choose, "clicked", G_CALLBACK (on_choose_grant), self);
  adw_action_row_add_suffix (self->grant_row, choose);
  gtk_list_box_append (GTK_LIST_BOX (choices), GTK_WIDGET (self->grant_row));

  self->constraints_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_monospace (self->constraints_view, TRUE);
  gtk_text_view_set_wrap_mode (self->constraints_view, GTK_WRAP_CHAR);
  g_object_set (self->constraints_view, "top-margin", 8, "bottom-margin", 8, "left-margin", 8,
                "right-margin", 8, "height-request", 64, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->constraints_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Name constraints"), -1);
  g_object_get (self->form, "name-constraints", &constraints, NULL);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->constraints_view),
                            constraints != NULL ? constraints : "", -1);
  g_free ((char *) constraints);
  g_signal_connect (gtk_text_view_get_buffer (self->constraints_view), "changed",
                    G_CALLBACK (on_constraints_changed), self);
  gtk_frame_set_child (GTK_FRAME (frame), GTK_WIDGET (self->constraints_view));
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "caption");
  gtk_widget_add_css_class (hint, "dim-label");

  self->fields_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->fields_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->fields_list), "boxed-list");
  self->verdict_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->verdict_label, TRUE);
  gtk_label_set_xalign (self->verdict_label, 0);

  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->verdict_label));
  gtk_box_append (GTK_BOX (content), heading (_("Choices")));
  gtk_box_append (GTK_BOX (content), choices);
  gtk_box_append (GTK_BOX (content), heading (_("Name Constraints")));
  gtk_box_append (GTK_BOX (content), frame);
  gtk_box_append (GTK_BOX (content), hint);
  gtk_box_append (GTK_BOX (content), heading (_("What Will Be Signed")));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->fields_list));
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (self), box);
  custody_dialog_set_primary (GTK_WINDOW (self), self->sign_button,
                              GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (choices), 0)));
}

CustodyDelegateDialog *
custody_delegate_dialog_new (GtkWindow      *parent,
                             CustodySession *session,
                             CustodyRequest *request)
{
  CustodyDelegateDialog *self = g_object_new (CUSTODY_TYPE_DELEGATE_DIALOG,
                                              "transient-for", parent,
                                              "modal", TRUE,
                                              "default-width", 560,
                                              "default-height", 680,
                                              "width-request", 360,
                                              "height-request", 294,
                                              NULL);
  const char *file_path = custody_request_get_file_path (request);
  g_autofree char *dir = file_path != NULL ? g_path_get_dirname (file_path) : g_strdup (g_get_home_dir ());
  g_autofree char *name = NULL;
  g_autofree char *grant = NULL;

  self->session = g_object_ref (session);
  self->form = custody_delegate_form_new (session, request);
  build (self);
  name = custody_delegate_form_suggest_grant_name (self->form);
  grant = g_build_filename (dir, name, NULL);
  custody_delegate_dialog_set_grant_path (self, grant);
  g_signal_connect_swapped (self->form, "changed", G_CALLBACK (update), self);
  g_signal_connect_swapped (session, "notify::busy", G_CALLBACK (update), self);
  update (self);
  return self;
}

void
custody_delegate_dialog_set_grant_path (CustodyDelegateDialog *self,
                                        const char            *path)
{
  g_return_if_fail (CUSTODY_IS_DELEGATE_DIALOG (self));

  g_free (self->grant_path);
  self->grant_path = g_strdup (path);
  adw_action_row_set_subtitle (self->grant_row, path);
  update (self);
}
