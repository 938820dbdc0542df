/* custody-run-notice.c — telling the officer about issuing runs that died */
#include "custody-run-notice.h"

#include <glib/gi18n.h>
#include <string.h>

#include "custody-window-private.h"

static void
on_show_details (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *window = GTK_WINDOW (user_data);
  GtkWidget *dialog = adw_message_dialog_new (window, _("Interrupted Issuing Runs"),
                                              g_variant_get_string (parameter, NULL));

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
custody_run_notice_show (CustodyWindow *window,
                         const char    *text,
                         gboolean       finished)
{
  g_autofree char *title = NULL;
  guint runs = 1;

  g_return_if_fail (CUSTODY_IS_WINDOW (window));

  if (g_action_map_lookup_action (G_ACTION_MAP (window), "show-run-notice") == NULL)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new ("show-run-notice", G_VARIANT_TYPE_STRING);

      g_signal_connect (action, "activate", G_CALLBACK (on_show_details), window);
      g_action_map_add_action (G_ACTION_MAP (window), G_ACTION (action));
    }
  for (const char *p = text; (p = strchr (p, '\n')) != NULL; p++)
    runs++;
  if (finished)
    title = g_strdup_printf (ngettext ("Finished an interrupted issuing run",
                                       "Finished %u interrupted issuing runs", runs), runs);
  else
    title = g_strdup_printf (ngettext ("An issuing run was interrupted: the next signing finishes it",
                                       "%u issuing runs were interrupted: the next signing finishes them", runs), runs);
  custody_window_toast (window, title);
  if (window->last_toast == NULL)
    return;
  adw_toast_set_button_label (window->last_toast, _("_Details"));
  /* The target first: the button's action helper checks it against the action. */
  adw_toast_set_action_target_value (window->last_toast, g_variant_new_string (text));
  adw_toast_set_action_name (window->last_toast, "win.show-run-notice");
  /* What became of certificates: it stays until read. */
  adw_toast_set_timeout (window->last_toast, 0);
}
