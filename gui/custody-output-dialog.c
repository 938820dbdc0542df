/* custody-output-dialog.c — where a step wrote its files, to open or copy */
#include "custody-output-dialog.h"

#include <glib/gi18n.h>

#include "custody-window.h"

static void
on_response (AdwMessageDialog *dialog,
             const char       *response,
             gpointer          user_data)
{
  const char *folder = g_object_get_data (G_OBJECT (dialog), "folder");
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (dialog));

  if (parent == NULL || folder == NULL)
    return;
  if (g_str_equal (response, "copy"))
    {
      gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (parent)), folder);
      if (CUSTODY_IS_WINDOW (parent))
        custody_window_toast (CUSTODY_WINDOW (parent), _("Copied the folder’s path"));
    }
  else if (g_str_equal (response, "open"))
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-folder", "s", folder);
}

void
custody_output_dialog_present (GtkWindow  *parent,
                               const char *folder)
{
  GtkWidget *dialog = NULL;
  GtkWidget *path = NULL;

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (folder != NULL);

  dialog = adw_message_dialog_new (parent, _("Where the Files Are"), NULL);
  path = gtk_label_new (folder);
  gtk_label_set_selectable (GTK_LABEL (path), TRUE);
  gtk_label_set_wrap (GTK_LABEL (path), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (path), PANGO_WRAP_CHAR);
  gtk_widget_add_css_class (path, "monospace");
  /* Selectable labels take focus; the buttons should have it. */
  gtk_widget_set_focusable (path, FALSE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), path);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "close", _("_Close"),
                                    "copy", _("_Copy Path"),
                                    "open", _("_Open Folder"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "open", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "open");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  g_object_set_data_full (G_OBJECT (dialog), "folder", g_strdup (folder), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}
