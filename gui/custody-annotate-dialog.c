/* custody-annotate-dialog.c — write a note and record it in the ledger */
#include "custody-annotate-dialog.h"

#include <glib/gi18n.h>

#include "custody-annotate-form.h"
#include "custody-passphrase-dialog.h"
#include "custody-widgets.h"
#include "custody-window.h"

struct _CustodyAnnotateDialog {
  AdwWindow            parent_instance;
  CustodySession      *session;
  CustodyAnnotateForm *form;
  gboolean             signing;

  GtkWidget           *sign_button;
  GtkTextView         *text_view;
  GtkLabel            *problem_label;
  GtkLabel            *usage_label;
};

G_DEFINE_FINAL_TYPE (CustodyAnnotateDialog, custody_annotate_dialog, ADW_TYPE_WINDOW)

static void
update (CustodyAnnotateDialog *self)
{
  const char *problem = custody_annotate_form_get_problem (self->form);
  gboolean over = custody_annotate_form_get_length (self->form) > CHAIN_ANNOTATION_MAX_SIZE;
  g_autofree char *usage = custody_annotate_form_dup_usage (self->form);

  if (self->signing)
    gtk_label_set_text (self->problem_label, _("Recording the note…"));
  else
    gtk_label_set_text (self->problem_label,
                        problem != NULL ? problem : _("The note is signed by your officer key and recorded for good."));
  gtk_label_set_text (self->usage_label, usage);
  gtk_widget_set_css_classes (GTK_WIDGET (self->usage_label),
                              (const char *[]) { "caption", over ? "error" : "dim-label", NULL });
  gtk_widget_set_sensitive (self->sign_button, custody_annotate_form_get_can_annotate (self->form) && !self->signing
                                               && !custody_session_get_busy (self->session));
}

static void
on_text_changed (CustodyAnnotateDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start;
  GtkTextIter end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_object_set (self->form, "text", text, NULL);
}

static void
on_recorded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CustodyAnnotateDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  self->signing = FALSE;
  if (!custody_session_finish (CUSTODY_SESSION (source), result, &message, &error))
    {
      if (self->form != NULL)
        update (self);
      custody_show_error (GTK_WIDGET (self), _("Could Not Record the Note"), error);
      return;
    }
  custody_toast (GTK_WIDGET (self), message);
  /* The note tops the timeline: show it there, selected. */
  if (CUSTODY_IS_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (self))))
    custody_window_select (CUSTODY_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (self))), "ledger", 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_passphrase (ChainSecret *passphrase,
               const char  *officer,
               gpointer     user_data)
{
  g_autoptr(CustodyAnnotateDialog) self = user_data;
  const char *text = self->form != NULL ? custody_annotate_form_get_text (self->form) : NULL;

  if (passphrase == NULL || text == NULL)
    {
      chain_secret_free (passphrase);
      return;
    }
  self->signing = TRUE;
  custody_session_annotate_async (self->session, text, officer, passphrase, on_recorded, g_object_ref (self));
  update (self);
}

static void
on_sign_clicked (CustodyAnnotateDialog *self)
{
  g_auto(GStrv) officers = NULL;

  if (!custody_annotate_form_get_can_annotate (self->form))
    return;
  officers = custody_session_list_officers (self->session);
  custody_passphrase_dialog_run (GTK_WIDGET (self), _("Sign the Note"),
                                 _("The note becomes a record of the ledger that every custodian holding a copy "
                                   "will see. It cannot be changed or taken back."),
                                 (const char *const *) officers, _("_Sign"), on_passphrase, g_object_ref (self));
}

static void
custody_annotate_dialog_dispose (GObject *object)
{
  CustodyAnnotateDialog *self = CUSTODY_ANNOTATE_DIALOG (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->form != NULL)
    g_signal_handlers_disconnect_by_data (self->form, self);
  g_clear_object (&self->form);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (custody_annotate_dialog_parent_class)->dispose (object);
}

static void
custody_annotate_dialog_class_init (CustodyAnnotateDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = custody_annotate_dialog_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
custody_annotate_dialog_init (CustodyAnnotateDialog *self)
{
}

static void
build (CustodyAnnotateDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *intro = gtk_label_new (_("A note records what the ledger cannot tell by itself: a key ceremony, an "
                                      "audit, why something was revoked."));
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *footer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->sign_button = gtk_button_new_with_mnemonic (_("_Sign…"));
  gtk_widget_add_css_class (self->sign_button, "suggested-action");
  g_signal_connect_swapped (self->sign_button, "clicked", G_CALLBACK (on_sign_clicked), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->sign_button);
  gtk_box_append (GTK_BOX (box), header);

  gtk_label_set_wrap (GTK_LABEL (intro), TRUE);
  gtk_label_set_xalign (GTK_LABEL (intro), 0);
  gtk_widget_add_css_class (intro, "dim-label");

  self->text_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_wrap_mode (self->text_view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_accepts_tab (self->text_view, FALSE);
  g_object_set (self->text_view, "top-margin", 12, "bottom-margin", 12, "left-margin", 12, "right-margin", 12, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->text_view), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Note"), -1);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->text_view), "changed", G_CALLBACK (on_text_changed), self);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->text_view));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_set_size_request (scrolled, -1, 140);
  gtk_frame_set_child (GTK_FRAME (frame), scrolled);
  gtk_widget_set_vexpand (frame, TRUE);

  self->problem_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->problem_label, TRUE);
  gtk_label_set_xalign (self->problem_label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->problem_label), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->problem_label), "dim-label");
  self->usage_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_valign (GTK_WIDGET (self->usage_label), GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (footer), GTK_WIDGET (self->problem_label));
  gtk_box_append (GTK_BOX (footer), GTK_WIDGET (self->usage_label));

  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_box_append (GTK_BOX (content), intro);
  gtk_box_append (GTK_BOX (content), frame);
  gtk_box_append (GTK_BOX (content), footer);
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_widget_set_vexpand (clamp, TRUE);
  gtk_box_append (GTK_BOX (box), clamp);
  adw_window_set_content (ADW_WINDOW (self), box);
  custody_dialog_set_primary (GTK_WINDOW (self), self->sign_button, GTK_WIDGET (self->text_view));
}

CustodyAnnotateDialog *
custody_annotate_dialog_new (GtkWindow      *parent,
                             CustodySession *session)
{
  CustodyAnnotateDialog *self = g_object_new (CUSTODY_TYPE_ANNOTATE_DIALOG,
                                              "transient-for", parent,
                                              "modal", TRUE,
                                              "title", _("Add Note"),
                                              "default-width", 520,
                                              "default-height", 420,
                                              "width-request", 360,
                                              "height-request", 294,
                                              NULL);

  self->session = g_object_ref (session);
  self->form = custody_annotate_form_new ();
  build (self);
  g_signal_connect_swapped (self->form, "notify::text", G_CALLBACK (update), self);
  g_signal_connect_swapped (session, "notify::busy", G_CALLBACK (update), self);
  update (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
  return self;
}

void
custody_annotate_dialog_set_text (CustodyAnnotateDialog *self,
                                  const char            *text)
{
  g_return_if_fail (CUSTODY_IS_ANNOTATE_DIALOG (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
}
