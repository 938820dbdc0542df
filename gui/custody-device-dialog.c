/* custody-device-dialog.c — look a device up by its id */
#include "custody-device-dialog.h"

#include <glib/gi18n.h>

#include "custody-device-lookup.h"
#include "custody-widgets.h"
#include "custody-window.h"

struct _CustodyDeviceDialog {
  AdwWindow       parent_instance;
  CustodySession *session;
  guint64         batch_seq;
  guint64         revocation_seq;   /* 0: in force */
  gboolean        looking;

  GtkWidget      *id_row;
  GtkWidget      *look_up_button;
  GtkLabel       *status_label;
  GtkListBox     *fields_list;
  GtkWidget      *batch_button;
  GtkWidget      *revocation_button;
};

G_DEFINE_FINAL_TYPE (CustodyDeviceDialog, custody_device_dialog, ADW_TYPE_WINDOW)

static const char *
typed_id (CustodyDeviceDialog *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->id_row));
}

static void
update (CustodyDeviceDialog *self)
{
  gtk_widget_set_sensitive (self->look_up_button, typed_id (self)[0] != '\0' && !self->looking
                                                  && !custody_session_get_busy (self->session));
}

static void
show_answer (CustodyDeviceDialog     *self,
             const ChainDeviceLookup *lookup)
{
  g_autoptr(GPtrArray) fields = lookup != NULL ? custody_device_lookup_get_fields (lookup) : NULL;

  custody_fields_fill (self->fields_list, fields);
  gtk_widget_set_visible (GTK_WIDGET (self->fields_list), lookup != NULL);
  self->batch_seq = lookup != NULL ? chain_device_lookup_get_batch_seq (lookup) : 0;
  self->revocation_seq = lookup != NULL ? chain_device_lookup_get_revocation_seq (lookup) : 0;
  gtk_widget_set_visible (self->batch_button, lookup != NULL);
  gtk_widget_set_visible (self->revocation_button, self->revocation_seq > 0);
}

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CustodyDeviceDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainDeviceLookup) lookup = custody_session_finish_result (CUSTODY_SESSION (source), result, &error);

  self->looking = FALSE;
  if (self->session == NULL)
    return;
  update (self);
  show_answer (self, lookup);
  if (lookup == NULL)
    {
      /* Not found is an answer, said in the dialog; anything else is an error. */
      g_autofree char *sentence = g_strdup (error->message);

      /* libchain's messages start in lower case, to follow "chain: error: ". */
      sentence[0] = g_ascii_toupper (sentence[0]);
      gtk_label_set_text (self->status_label, sentence);
      gtk_widget_set_css_classes (GTK_WIDGET (self->status_label), (const char *[]) { "error", NULL });
      gtk_widget_add_css_class (self->id_row, "error");
      return;
    }
  gtk_label_set_text (self->status_label, _("What the ledger records about this device:"));
  gtk_widget_set_css_classes (GTK_WIDGET (self->status_label), (const char *[]) { "dim-label", NULL });
  gtk_widget_remove_css_class (self->id_row, "error");
}

static void
on_look_up (CustodyDeviceDialog *self)
{
  g_autofree char *id = g_strstrip (g_strdup (typed_id (self)));

  if (id[0] == '\0' || self->looking)
    return;
  self->looking = TRUE;
  gtk_label_set_text (self->status_label, _("Reading the ledger…"));
  update (self);
  custody_session_lookup_device_async (self->session, id, on_looked_up, g_object_ref (self));
}

static void
on_id_changed (CustodyDeviceDialog *self)
{
  gtk_widget_remove_css_class (self->id_row, "error");
  update (self);
}

static void
show_record (CustodyDeviceDialog *self,
             guint64              seq)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (CUSTODY_IS_WINDOW (parent) && custody_window_show_record (CUSTODY_WINDOW (parent), seq))
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_show_batch (CustodyDeviceDialog *self)
{
  show_record (self, self->batch_seq);
}

static void
on_show_revocation (CustodyDeviceDialog *self)
{
  show_record (self, self->revocation_seq);
}

static void
custody_device_dialog_dispose (GObject *object)
{
  CustodyDeviceDialog *self = CUSTODY_DEVICE_DIALOG (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (custody_device_dialog_parent_class)->dispose (object);
}

static void
custody_device_dialog_class_init (CustodyDeviceDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = custody_device_dialog_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
custody_device_dialog_init (CustodyDeviceDialog *self)
{
}

static void
build (CustodyDeviceDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *id_list = gtk_list_box_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_box_append (GTK_BOX (box), header);
  self->look_up_button = gtk_button_new_with_mnemonic (_("_Look Up"));
  gtk_widget_add_css_class (self->look_up_button, "suggested-action");
  g_signal_connect_swapped (self->look_up_button, "clicked", G_CALLBACK (on_look_up), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->look_up_button);

  self->id_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->id_row), _("Device ID"));
  g_signal_connect_swapped (self->id_row, "changed", G_CALLBACK (on_id_changed), self);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (id_list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (id_list, "boxed-list");
  gtk_list_box_append (GTK_LIST_BOX (id_list), self->id_row);

  self->status_label = GTK_LABEL (gtk_label_new (_("The device id is its certificate’s common name, as the "
                                                   "batch manifest lists it.")));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");

  self->fields_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->fields_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->fields_list), "boxed-list");
  gtk_widget_set_visible (GTK_WIDGET (self->fields_list), FALSE);

  self->batch_button = gtk_button_new_with_mnemonic (_("Show _Batch"));
  g_signal_connect_swapped (self->batch_button, "clicked", G_CALLBACK (on_show_batch), self);
  self->revocation_button = gtk_button_new_with_mnemonic (_("Show _Revocation"));
  g_signal_connect_swapped (self->revocation_button, "clicked", G_CALLBACK (on_show_revocation), self);
  gtk_widget_set_visible (self->batch_button, FALSE);
  gtk_widget_set_visible (self->revocation_button, FALSE);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (buttons), self->batch_button);
  gtk_box_append (GTK_BOX (buttons), self->revocation_button);

  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_box_append (GTK_BOX (content), id_list);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->status_label));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->fields_list));
  gtk_box_append (GTK_BOX (content), buttons);
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (self), box);
  custody_dialog_set_primary (GTK_WINDOW (self), self->look_up_button, self->id_row);
}

CustodyDeviceDialog *
custody_device_dialog_new (GtkWindow      *parent,
                           CustodySession *session)
{
  CustodyDeviceDialog *self = g_object_new (CUSTODY_TYPE_DEVICE_DIALOG,
                                            "transient-for", parent,
                                            "modal", TRUE,
                                            "title", _("Look Up a Device"),
                                            "default-width", 520,
                                            "default-height", 480,
                                            "width-request", 360,
                                            "height-request", 294,
                                            NULL);

  self->session = g_object_ref (session);
  build (self);
  g_signal_connect_swapped (session, "notify::busy", G_CALLBACK (update), self);
  update (self);
  return self;
}
