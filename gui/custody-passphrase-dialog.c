/* custody-passphrase-dialog.c — asking for an officer's passphrase to sign */
#include "custody-passphrase-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

/* The dialog closes before it says how, so what the response needs is
 * kept here as it is typed, not read from widgets being destroyed. */
typedef struct {
  CustodyPassphraseFunc  callback;
  gpointer               user_data;
  GtkWidget             *entry;
  GtkWidget             *officers;   /* (nullable) a GtkDropDown */
  GStrv                  names;
  ChainSecret           *secret;     /* what the entry holds, in wiped memory */
  guint                  officer;    /* the officer chosen */
} Prompt;

static void
prompt_free (gpointer data)
{
  Prompt *prompt = data;

  g_strfreev (prompt->names);
  chain_secret_free (prompt->secret);
  g_free (prompt);
}

static void
on_response (AdwMessageDialog *dialog,
             const char       *response,
             Prompt           *prompt)
{
  ChainSecret *secret = NULL;
  const char *officer = NULL;

  if (g_strcmp0 (response, "sign") == 0)
    secret = g_steal_pointer (&prompt->secret);
  g_clear_pointer (&prompt->secret, chain_secret_free);
  if (prompt->names != NULL)
    officer = prompt->names[prompt->officer];
  prompt->callback (secret, secret != NULL ? officer : NULL, prompt->user_data);
}

static void
on_entry_changed (GtkEditable      *entry,
                  AdwMessageDialog *dialog)
{
  Prompt *prompt = g_object_get_data (G_OBJECT (dialog), "custody-passphrase");
  const char *text = gtk_editable_get_text (entry);

  chain_secret_free (prompt->secret);
  prompt->secret = text[0] != '\0' ? chain_secret_new (text, MIN (strlen (text), CHAIN_SECRET_MAX_LEN)) : NULL;
  adw_message_dialog_set_response_enabled (dialog, "sign", prompt->secret != NULL);
}

/* GTK 4.8 lets the entry's text widget outlive the entry when it has the
 * focus as its window goes, and then warns from a stale handler; moving
 * the focus away first avoids that. */
static gboolean
on_close_request (GtkWindow *dialog,
                  gpointer   user_data)
{
  gtk_window_set_focus (dialog, NULL);
  return FALSE;
}

static void
on_officer_selected (GtkDropDown *drop_down,
                     GParamSpec  *pspec,
                     Prompt      *prompt)
{
  prompt->officer = gtk_drop_down_get_selected (drop_down);
}

void
custody_passphrase_dialog_run (GtkWidget             *parent,
                               const char            *heading,
                               const char            *body,
                               const char *const     *officers,
                               const char            *sign_label,
                               CustodyPassphraseFunc  callback,
                               gpointer               user_data)
{
  GtkRoot *root = gtk_widget_get_root (parent);
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  Prompt *prompt = g_new0 (Prompt, 1);

  prompt->callback = callback;
  prompt->user_data = user_data;
  if (officers != NULL && g_strv_length ((char **) officers) > 1)
    {
      prompt->names = g_strdupv ((char **) officers);
      prompt->officers = gtk_drop_down_new_from_strings (officers);
      gtk_widget_set_tooltip_text (prompt->officers, _("The officer who signs"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (prompt->officers), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Officer"), -1);
      g_signal_connect (prompt->officers, "notify::selected", G_CALLBACK (on_officer_selected), prompt);
      gtk_box_append (GTK_BOX (box), prompt->officers);
    }
  prompt->entry = gtk_password_entry_new ();
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (prompt->entry), TRUE);
  g_object_set (prompt->entry, "activates-default", TRUE, "placeholder-text", _("Passphrase"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (prompt->entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Passphrase"), -1);
  gtk_box_append (GTK_BOX (box), prompt->entry);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sign", sign_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "sign", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "sign");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "custody-passphrase", prompt, prompt_free);
  g_signal_connect (prompt->entry, "changed", G_CALLBACK (on_entry_changed), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), prompt);
  g_signal_connect (dialog, "close-request", G_CALLBACK (on_close_request), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (prompt->entry);
}

gboolean
custody_passphrase_dialog_fill (GtkWindow         *dialog,
                                const ChainSecret *passphrase,
                                const char        *officer)
{
  Prompt *prompt = g_object_get_data (G_OBJECT (dialog), "custody-passphrase");
  g_autofree char *text = NULL;
  const guint8 *data = NULL;
  gsize len = 0;
  guint i;

  if (prompt == NULL)
    return FALSE;
  if (officer != NULL)
    {
      for (i = 0; prompt->names != NULL && prompt->names[i] != NULL; i++)
        if (g_str_equal (prompt->names[i], officer))
          break;
      if (prompt->names == NULL || prompt->names[i] == NULL)
        return FALSE;
      gtk_drop_down_set_selected (GTK_DROP_DOWN (prompt->officers), i);
    }
  data = chain_secret_get_data (passphrase, &len);
  text = g_strndup ((const char *) data, len);
  gtk_editable_set_text (GTK_EDITABLE (prompt->entry), text);
  memset (text, 0, len);
  /* Press the default button, as Enter in the entry does. */
  if (!GTK_IS_BUTTON (gtk_window_get_default_widget (dialog)))
    return FALSE;
  g_signal_emit_by_name (gtk_window_get_default_widget (dialog), "clicked");
  return TRUE;
}
