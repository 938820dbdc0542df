/* custody-passphrase-dialog.c — asking for an officer's passphrase to sign */
#include "custody-passphrase-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "custody-pin-prompt.h"
#include "custody-unlock-check.h"
#include "custody-window.h"

/* What the response needs is kept here as it is typed, in wiped memory,
 * not read from widgets being destroyed. */
typedef struct {
  CustodyPassphraseFunc  callback;
  gpointer               user_data;
  GtkWindow             *dialog;
  GtkWidget             *entry;      /* the passphrase, or the PIN when that is all the keys need */
  GtkWidget             *pin_entry;  /* the PIN typed besides a passphrase (hidden unless both are needed) */
  GtkWidget             *officers;   /* (nullable) a GtkDropDown */
  GtkWidget             *error_label;
  GtkWidget             *sign_button;
  GtkWidget             *cancel_button;
  GStrv                  names;
  char                  *workspace_dir; /* (nullable) where the passphrase is checked */
  CustodySession        *session;    /* (nullable) whose workspace that is */
  ChainWorkspaceSecrets  needs;      /* what the chosen officer's keys need */
  ChainSecret           *secret;     /* what the entry holds, in wiped memory */
  ChainSecret           *pin;        /* what pin_entry holds */
  guint                  officer;    /* the officer chosen */
  GCancellable          *checking;   /* (nullable) while a check runs */
  gboolean               answered;
} Prompt;

static void
prompt_free (gpointer data)
{
  Prompt *prompt = data;

  if (prompt->checking != NULL)
    g_cancellable_cancel (prompt->checking);
  g_clear_object (&prompt->checking);
  g_strfreev (prompt->names);
  g_free (prompt->workspace_dir);
  g_clear_object (&prompt->session);
  chain_secret_free (prompt->secret);
  chain_secret_free (prompt->pin);
  g_free (prompt);
}

/* Calls back once, then closes the prompt. */
static void
answer (Prompt      *prompt,
        ChainSecret *secret)
{
  const char *officer = NULL;

  if (prompt->answered)
    {
      chain_secret_free (secret);
      return;
    }
  prompt->answered = TRUE;
  if (prompt->names != NULL)
    officer = prompt->names[prompt->officer];
  /* GTK 4.8 lets the entry's text widget outlive the entry when it has the
   * focus as its window goes, and then warns from a stale handler; moving
   * the focus away first avoids that. */
  gtk_window_set_focus (prompt->dialog, NULL);
  if (secret != NULL && prompt->session != NULL && (prompt->needs & CHAIN_WORKSPACE_SECRET_PASSPHRASE))
    custody_session_set_pin (prompt->session, g_steal_pointer (&prompt->pin));
  prompt->callback (secret, secret != NULL ? officer : NULL, prompt->user_data);
  gtk_window_destroy (prompt->dialog);
}

/* Whether every secret the keys need is typed. */
static gboolean
prompt_complete (Prompt *prompt)
{
  if ((prompt->needs & CHAIN_WORKSPACE_SECRET_PASSPHRASE) && (prompt->needs & CHAIN_WORKSPACE_SECRET_PIN))
    return prompt->secret != NULL && prompt->pin != NULL;
  return prompt->secret != NULL;
}

static void
set_waiting (Prompt   *prompt,
             gboolean  waiting)
{
  /* Not insensitive: GTK 4.8 warns when the focused entry loses its
   * sensitivity, and the focus should stay where a retry is typed. */
  gtk_editable_set_editable (GTK_EDITABLE (prompt->entry), !waiting);
  gtk_editable_set_editable (GTK_EDITABLE (prompt->pin_entry), !waiting);
  if (prompt->officers != NULL)
    gtk_widget_set_sensitive (prompt->officers, !waiting);
  gtk_widget_set_sensitive (prompt->sign_button, !waiting && prompt_complete (prompt));
}

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Prompt *prompt = user_data;
  g_autoptr(GError) error = NULL;

  if (!custody_unlock_check_finish (result, &error) && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the prompt is gone */
  g_clear_object (&prompt->checking);
  set_waiting (prompt, FALSE);
  if (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE))
    {
      g_autofree char *text = NULL;
      GtkWidget *entry = prompt->entry;

      /* Stay open: say so where the passphrase (or PIN) is typed. */
      if (prompt->needs == CHAIN_WORKSPACE_SECRET_PASSPHRASE)
        text = g_strdup (_("Wrong passphrase: it does not open this officer’s key. Try again."));
      else if (prompt->needs == CHAIN_WORKSPACE_SECRET_PIN)
        text = custody_pin_prompt_describe_wrong_pin (prompt->session, prompt->names != NULL ? prompt->names[prompt->officer] : NULL);
      else
        {
          /* Both: libchain's message says which of the two was wrong. */
          text = g_strdup (error->message);
          if (strstr (error->message, "PIN") != NULL)
            entry = prompt->pin_entry;
        }
      gtk_label_set_text (GTK_LABEL (prompt->error_label), text);
      gtk_widget_set_visible (prompt->error_label, TRUE);
      gtk_widget_add_css_class (entry, "error");
      gtk_widget_grab_focus (entry);
      gtk_editable_select_region (GTK_EDITABLE (entry), 0, -1);
      return;
    }
  /* Right, or another failure the job itself reports. */
  answer (prompt, g_steal_pointer (&prompt->secret));
}

static void
on_sign (Prompt *prompt)
{
  const char *officer = NULL;

  if (!prompt_complete (prompt) || prompt->checking != NULL)
    return;
  if (prompt->workspace_dir == NULL)
    {
      answer (prompt, g_steal_pointer (&prompt->secret));
      return;
    }
  if (prompt->names != NULL)
    officer = prompt->names[prompt->officer];
  prompt->checking = g_cancellable_new ();
  set_waiting (prompt, TRUE);
  gtk_widget_set_visible (prompt->error_label, FALSE);
  custody_unlock_check_async (prompt->workspace_dir, officer, prompt->secret,
                              (prompt->needs & CHAIN_WORKSPACE_SECRET_PASSPHRASE) ? prompt->pin : NULL,
                              prompt->checking, on_checked, prompt);
}

static void
on_entry_changed (GtkEditable *entry,
                  Prompt      *prompt)
{
  const char *text = gtk_editable_get_text (entry);

  ChainSecret **secret = GTK_WIDGET (entry) == prompt->pin_entry ? &prompt->pin : &prompt->secret;

  chain_secret_free (*secret);
  *secret = text[0] != '\0' ? chain_secret_new (text, MIN (strlen (text), CHAIN_SECRET_MAX_LEN)) : NULL;
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_widget_set_sensitive (prompt->sign_button, prompt_complete (prompt) && prompt->checking == NULL);
}

/* Shows the entries the chosen officer's keys need. */
static void
update_needs (Prompt *prompt)
{
  const char *officer = prompt->names != NULL ? prompt->names[prompt->officer] : NULL;

  prompt->needs = prompt->session != NULL ? custody_session_get_unlock_secrets (prompt->session, officer)
                                          : CHAIN_WORKSPACE_SECRET_PASSPHRASE;
  custody_pin_prompt_setup_entries (prompt->entry, prompt->pin_entry, prompt->needs);
  if (prompt->needs == CHAIN_WORKSPACE_SECRET_NONE && prompt->secret == NULL)
    prompt->secret = chain_secret_new ("", 0);   /* a TPM asks nothing */
  gtk_widget_set_sensitive (prompt->sign_button, prompt_complete (prompt) && prompt->checking == NULL);
}

static gboolean
on_close_request (GtkWindow *dialog,
                  Prompt    *prompt)
{
  answer (prompt, NULL);
  return TRUE;
}

static void
on_officer_selected (GtkDropDown *drop_down,
                     GParamSpec  *pspec,
                     Prompt      *prompt)
{
  prompt->officer = gtk_drop_down_get_selected (drop_down);
  gtk_widget_set_visible (prompt->error_label, FALSE);
  update_needs (prompt);
}

/* The session of the window @parent belongs to, through the dialogs in
 * between: the prompt checks the passphrase against its workspace. */
static CustodySession *
session_of (GtkWidget *parent)
{
  GtkRoot *root = gtk_widget_get_root (parent);
  GtkWindow *window = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;

  while (window != NULL && !CUSTODY_IS_WINDOW (window))
    window = gtk_window_get_transient_for (window);
  if (window == NULL || !custody_session_get_is_open (custody_window_get_session (CUSTODY_WINDOW (window))))
    return NULL;
  return custody_window_get_session (CUSTODY_WINDOW (window));
}

static GtkWidget *
wrapped_label (const char *text,
               const char *style_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  if (style_class != NULL)
    gtk_widget_add_css_class (label, style_class);
  return label;
}

static void run_prompt (GtkWidget             *parent,
                        const char            *heading,
                        const char            *body,
                        const char *const     *officers,
                        const char            *sign_label,
                        gboolean               destructive,
                        CustodyPassphraseFunc  callback,
                        gpointer               user_data);

void
custody_passphrase_dialog_run (GtkWidget             *parent,
                               const char            *heading,
                               const char            *body,
                               const char *const     *officers,
                               const char            *sign_label,
                               CustodyPassphraseFunc  callback,
                               gpointer               user_data)
{
  run_prompt (parent, heading, body, officers, sign_label, FALSE, callback, user_data);
}

void
custody_passphrase_dialog_run_destructive (GtkWidget             *parent,
                                           const char            *heading,
                                           const char            *body,
                                           const char *const     *officers,
                                           const char            *sign_label,
                                           CustodyPassphraseFunc  callback,
                                           gpointer               user_data)
{
  run_prompt (parent, heading, body, officers, sign_label, TRUE, callback, user_data);
}

static void
run_prompt (GtkWidget             *parent,
            const char            *heading,
            const char            *body,
            const char *const     *officers,
            const char            *sign_label,
            gboolean               destructive,
            CustodyPassphraseFunc  callback,
            gpointer               user_data)
{
  GtkRoot *root = gtk_widget_get_root (parent);
  GtkWidget *dialog = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();
  Prompt *prompt = g_new0 (Prompt, 1);

  prompt->callback = callback;
  prompt->user_data = user_data;
  prompt->dialog = GTK_WINDOW (dialog);
  prompt->session = session_of (parent);
  if (prompt->session != NULL)
    {
      g_object_ref (prompt->session);
      prompt->workspace_dir = g_strdup (custody_session_get_dir (prompt->session));
    }
  gtk_window_set_title (GTK_WINDOW (dialog), heading);
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_resizable (GTK_WINDOW (dialog), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 360, -1);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  gtk_widget_add_css_class (dialog, "message");
  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_box_append (GTK_BOX (box), wrapped_label (heading, "title-2"));
  gtk_box_append (GTK_BOX (box), wrapped_label (body, NULL));
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
  prompt->pin_entry = custody_pin_prompt_new_entry ();
  gtk_box_append (GTK_BOX (box), prompt->pin_entry);
  prompt->error_label = wrapped_label (NULL, "error");
  gtk_widget_set_visible (prompt->error_label, FALSE);
  gtk_box_append (GTK_BOX (box), prompt->error_label);

  prompt->cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  prompt->sign_button = gtk_button_new_with_mnemonic (sign_label);
  gtk_widget_add_css_class (prompt->sign_button, destructive ? "destructive-action" : "suggested-action");
  gtk_widget_set_sensitive (prompt->sign_button, FALSE);
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  gtk_widget_set_margin_top (buttons, 12);
  gtk_box_append (GTK_BOX (buttons), prompt->cancel_button);
  gtk_box_append (GTK_BOX (buttons), prompt->sign_button);
  gtk_box_append (GTK_BOX (box), buttons);
  adw_window_set_content (ADW_WINDOW (dialog), box);
  /* Enter signs; Escape cancels. */
  gtk_window_set_default_widget (GTK_WINDOW (dialog), prompt->sign_button);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (dialog, shortcuts);

  g_object_set_data_full (G_OBJECT (dialog), "custody-passphrase", prompt, prompt_free);
  g_signal_connect (prompt->entry, "changed", G_CALLBACK (on_entry_changed), prompt);
  g_signal_connect (prompt->pin_entry, "changed", G_CALLBACK (on_entry_changed), prompt);
  update_needs (prompt);
  g_signal_connect_swapped (prompt->sign_button, "clicked", G_CALLBACK (on_sign), prompt);
  g_signal_connect_swapped (prompt->cancel_button, "clicked", G_CALLBACK (gtk_window_close), dialog);
  g_signal_connect (dialog, "close-request", G_CALLBACK (on_close_request), prompt);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (prompt->entry);
}

gboolean
custody_passphrase_dialog_get_checking (GtkWindow *dialog)
{
  Prompt *prompt = g_object_get_data (G_OBJECT (dialog), "custody-passphrase");

  return prompt != NULL && prompt->checking != NULL;
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
