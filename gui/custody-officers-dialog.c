/* custody-officers-dialog.c — the workspace's officers, and enrolling one */
#include "custody-officers-dialog.h"

#include <glib/gi18n.h>

#include "custody-key-home-chooser.h"
#include "custody-officer-form.h"
#include "custody-passphrase-dialog.h"
#include "custody-widgets.h"

struct _CustodyOfficersDialog {
  AdwWindow           parent_instance;
  CustodySession     *session;
  CustodyOfficerForm *form;
  gboolean            adding;        /* an enrolment job of ours runs */
  CustodyKeyHomeChooser *key_home;

  AdwHeaderBar       *header;
  AdwWindowTitle     *title;
  GtkStack           *stack;
  GtkWidget          *cancel_button;
  GtkWidget          *add_button;
  GtkWidget          *new_button;
  GtkListBox         *officers_list;
  AdwEntryRow        *name_row;
  AdwPasswordEntryRow *passphrase_row;
  AdwPasswordEntryRow *confirm_row;
  GtkLabel           *problem_label;
};

G_DEFINE_FINAL_TYPE (CustodyOfficersDialog, custody_officers_dialog, ADW_TYPE_WINDOW)

static gboolean
on_add_page (CustodyOfficersDialog *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "add") == 0;
}

static void
update (CustodyOfficersDialog *self)
{
  gboolean adding = on_add_page (self);
  gboolean idle = !custody_session_get_busy (self->session);
  const char *problem = custody_officer_form_get_problem (self->form);

  adw_window_title_set_title (self->title, adding ? _("Add Officer") : _("Officers"));
  gtk_widget_set_visible (self->cancel_button, adding);
  gtk_widget_set_visible (self->add_button, adding);
  adw_header_bar_set_show_end_title_buttons (self->header, !adding);
  gtk_widget_set_sensitive (self->new_button, idle && custody_session_get_joined (self->session));
  gtk_widget_set_sensitive (self->add_button, idle && custody_officer_form_get_can_add (self->form));
  if (self->adding)
    gtk_label_set_text (self->problem_label, _("Enrolling the officer…"));
  else
    gtk_label_set_text (self->problem_label,
                        problem != NULL ? problem
                                        : _("Ready: the new officer’s key and certificate are made when you sign."));
  /* libchain's refusal of the last try stands out from what is still missing. */
  gtk_widget_set_css_classes (GTK_WIDGET (self->problem_label),
                              (const char *[]) {
                                custody_officer_form_get_refused (self->form) && !self->adding ? "error"
                                                                                               : "dim-label",
                                NULL });
}

static GtkWidget *
officer_row (const CustodyOfficer *officer)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new_from_icon_name ("avatar-default-symbolic");
  GtkWidget *name = gtk_label_new (officer->name);
  GtkWidget *status = gtk_label_new (officer->subject != NULL ? custody_health_to_label (officer->health)
                                                              : _("Not enrolled in the ledger"));
  const char *style = custody_health_to_style_class (officer->health);
  const char *lines[] = { officer->subject, officer->validity };
  gsize i;

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_add_css_class (box, "custody-list-row");
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_wrap (GTK_LABEL (name), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (name), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (name, "heading");
  gtk_box_append (GTK_BOX (labels), name);
  for (i = 0; i < G_N_ELEMENTS (lines); i++)
    if (lines[i] != NULL)
      {
        GtkWidget *line = gtk_label_new (lines[i]);

        gtk_label_set_xalign (GTK_LABEL (line), 0);
        gtk_label_set_wrap (GTK_LABEL (line), TRUE);
        gtk_label_set_wrap_mode (GTK_LABEL (line), PANGO_WRAP_WORD_CHAR);
        gtk_label_set_selectable (GTK_LABEL (line), TRUE);
        gtk_widget_set_focusable (line, FALSE);
        gtk_widget_add_css_class (line, "caption");
        gtk_widget_add_css_class (line, "dim-label");
        gtk_box_append (GTK_BOX (labels), line);
      }
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (status, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (status, "caption");
  if (style != NULL && officer->subject != NULL)
    {
      gtk_widget_add_css_class (icon, style);
      gtk_widget_add_css_class (status, style);
    }
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), status);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}

static void
fill_officers (CustodyOfficersDialog *self)
{
  GPtrArray *officers = custody_officer_form_get_officers (self->form);
  GtkWidget *child = NULL;
  guint i;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->officers_list))) != NULL)
    gtk_list_box_remove (self->officers_list, child);
  for (i = 0; i < officers->len; i++)
    gtk_list_box_append (self->officers_list, officer_row (g_ptr_array_index (officers, i)));
}

/* The session's ledger changed (our enrolment, a sync): list again. */
static void
rebuild (CustodyOfficersDialog *self)
{
  ChainWorkspace *workspace = custody_session_get_workspace (self->session);
  guint window = CUSTODY_DEFAULT_EXPIRY_WINDOW_DAYS;

  if (workspace == NULL && custody_session_get_is_open (self->session))
    return;   /* busy: the list stays as it is until the job ends */
  g_object_get (self->session, "expiry-window-days", &window, NULL);
  custody_officer_form_rebuild (self->form, workspace, g_get_real_time () / G_USEC_PER_SEC, window);
}

static void
clear_passphrases (CustodyOfficersDialog *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->passphrase_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
  if (self->key_home != NULL)
    custody_key_home_chooser_clear_pin (self->key_home);
}

/* Files take the passphrase rows; a token its PIN row; the TPM nothing. */
static void
on_key_home_changed (CustodyOfficersDialog *self)
{
  g_autofree char *key_store = custody_key_home_chooser_dup_key_store (self->key_home);
  ChainKeyStore store = custody_key_home_chooser_get_store (self->key_home);

  gtk_widget_set_visible (GTK_WIDGET (self->passphrase_row), store == CHAIN_KEY_STORE_FILE);
  gtk_widget_set_visible (GTK_WIDGET (self->confirm_row), store == CHAIN_KEY_STORE_FILE);
  custody_officer_form_set_key_store (self->form, store == CHAIN_KEY_STORE_PKCS11 && key_store == NULL
                                                    ? "pkcs11:" : key_store);
  custody_officer_form_set_pin (self->form, custody_key_home_chooser_get_pin_text (self->key_home));
}

static void
show_page (CustodyOfficersDialog *self,
           const char            *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
  if (g_str_equal (name, "add"))
    custody_dialog_set_primary (GTK_WINDOW (self), self->add_button, GTK_WIDGET (self->name_row));
  update (self);
}

static void
on_new_clicked (CustodyOfficersDialog *self)
{
  show_page (self, "add");
}

static void
on_cancel_clicked (CustodyOfficersDialog *self)
{
  /* What was typed goes: the passphrases are wiped with the form's copy. */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), "");
  clear_passphrases (self);
  custody_officer_form_clear (self->form);
  show_page (self, "list");
}

static void
on_name_changed (CustodyOfficersDialog *self)
{
  g_object_set (self->form, "name", gtk_editable_get_text (GTK_EDITABLE (self->name_row)), NULL);
}

static void
on_passphrase_changed (CustodyOfficersDialog *self)
{
  custody_officer_form_set_passphrase (self->form, gtk_editable_get_text (GTK_EDITABLE (self->passphrase_row)));
  custody_officer_form_set_confirmation (self->form, gtk_editable_get_text (GTK_EDITABLE (self->confirm_row)));
  custody_mark_mismatch (GTK_EDITABLE (self->passphrase_row), GTK_WIDGET (self->confirm_row));
}

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CustodyOfficersDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  self->adding = FALSE;
  if (self->form == NULL)
    return;   /* closed meanwhile */
  if (!custody_session_finish (CUSTODY_SESSION (source), result, &message, &error))
    {
      /* libchain's refusal (a name taken, the CA key not opened) shows
       * where the officer is looking, and nothing was written. */
      custody_officer_form_set_error (self->form, error);
      update (self);
      return;
    }
  custody_toast (GTK_WIDGET (self), message);
  on_cancel_clicked (self);
}

static void
on_passphrase (ChainSecret *passphrase,
               const char  *officer,
               gpointer     user_data)
{
  g_autoptr(CustodyOfficersDialog) self = user_data;
  ChainSecret *new_secret = NULL;

  if (passphrase == NULL || self->form == NULL || !custody_officer_form_get_can_add (self->form))
    {
      chain_secret_free (passphrase);
      return;
    }
  /* The passphrase of a new key file, the token's PIN, or nothing for the TPM. */
  new_secret = custody_officer_form_dup_key_secret (self->form);
  self->adding = TRUE;
  custody_session_add_officer_in_async (self->session, custody_officer_form_get_name (self->form),
                                        custody_officer_form_get_key_store (self->form), new_secret,
                                        officer, passphrase, on_added, g_object_ref (self));
  update (self);
}

static void
on_add_clicked (CustodyOfficersDialog *self)
{
  g_auto(GStrv) officers = NULL;
  g_autofree char *body = NULL;

  if (!custody_officer_form_get_can_add (self->form))
    return;
  officers = custody_session_list_officers (self->session);
  body = g_strdup_printf (_("A key and a certificate for %s are made from your CA, and the enrolment is recorded "
                            "in the ledger. Sign as an officer whose passphrase also opens the CA key."),
                          custody_officer_form_get_name (self->form));
  custody_passphrase_dialog_run (GTK_WIDGET (self), _("Sign the Enrolment"), body, (const char *const *) officers,
                                 _("_Enrol"), on_passphrase, g_object_ref (self));
}

/* GTK 4.8 lets a password entry's text outlive it when it has the focus
 * as its window goes (see custody-passphrase-dialog.c); and what was typed
 * goes with the window. */
static gboolean
on_close_request (CustodyOfficersDialog *self,
                  gpointer               user_data)
{
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  clear_passphrases (self);
  return FALSE;
}

static void
custody_officers_dialog_dispose (GObject *object)
{
  CustodyOfficersDialog *self = CUSTODY_OFFICERS_DIALOG (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->form != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->form, self);
      custody_officer_form_clear (self->form);
    }
  if (self->key_home != NULL)
    g_signal_handlers_disconnect_by_data (self->key_home, self);
  g_clear_object (&self->key_home);
  g_clear_object (&self->form);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (custody_officers_dialog_parent_class)->dispose (object);
}

static void
custody_officers_dialog_class_init (CustodyOfficersDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = custody_officers_dialog_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
custody_officers_dialog_init (CustodyOfficersDialog *self)
{
}

static GtkWidget *
page_box (GtkWidget *content)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();

  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  return scrolled;
}

static GtkWidget *
wrapped_label (const char *text,
               const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

static void
build_list_page (CustodyOfficersDialog *self)
{
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  gtk_box_append (GTK_BOX (content),
                  wrapped_label (_("Officers sign ledger records with keys of their own, certified by your CA. "
                                   "These have a key in this workspace."), "dim-label"));
  self->officers_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->officers_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->officers_list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->officers_list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Officers"), -1);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->officers_list));
  self->new_button = gtk_button_new_with_mnemonic (_("_Add Officer…"));
  gtk_widget_set_halign (self->new_button, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (self->new_button, 6);
  gtk_widget_add_css_class (self->new_button, "pill");
  g_signal_connect_swapped (self->new_button, "clicked", G_CALLBACK (on_new_clicked), self);
  gtk_box_append (GTK_BOX (content), self->new_button);
  gtk_stack_add_named (self->stack, page_box (content), "list");
}

static void
build_add_page (CustodyOfficersDialog *self)
{
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *rows = gtk_list_box_new ();

  gtk_widget_add_css_class (rows, "boxed-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (rows), GTK_SELECTION_NONE);
  self->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), _("Name"));
  g_signal_connect_swapped (self->name_row, "changed", G_CALLBACK (on_name_changed), self);
  gtk_list_box_append (GTK_LIST_BOX (rows), GTK_WIDGET (self->name_row));
  self->key_home = custody_key_home_chooser_new ();
  custody_key_home_chooser_add_to (self->key_home, rows);
  g_signal_connect_swapped (self->key_home, "changed", G_CALLBACK (on_key_home_changed), self);
  self->passphrase_row = ADW_PASSWORD_ENTRY_ROW (adw_password_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->passphrase_row), _("Passphrase"));
  g_signal_connect_swapped (self->passphrase_row, "changed", G_CALLBACK (on_passphrase_changed), self);
  gtk_list_box_append (GTK_LIST_BOX (rows), GTK_WIDGET (self->passphrase_row));
  self->confirm_row = ADW_PASSWORD_ENTRY_ROW (adw_password_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->confirm_row), _("Repeat Passphrase"));
  g_signal_connect_swapped (self->confirm_row, "changed", G_CALLBACK (on_passphrase_changed), self);
  gtk_list_box_append (GTK_LIST_BOX (rows), GTK_WIDGET (self->confirm_row));

  gtk_box_append (GTK_BOX (content),
                  wrapped_label (_("The name is the officer’s certificate CN: letters, digits, “-”, “_” and “.”. "
                                   "The passphrase encrypts the new officer’s key; they use it to sign."),
                                 "dim-label"));
  gtk_box_append (GTK_BOX (content), rows);
  self->problem_label = GTK_LABEL (wrapped_label (NULL, "dim-label"));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->problem_label));
  gtk_stack_add_named (self->stack, page_box (content), "add");
}

static void
build (CustodyOfficersDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  self->header = ADW_HEADER_BAR (adw_header_bar_new ());
  self->title = ADW_WINDOW_TITLE (adw_window_title_new (_("Officers"), custody_session_get_title (self->session)));
  adw_header_bar_set_title_widget (self->header, GTK_WIDGET (self->title));
  adw_header_bar_set_show_start_title_buttons (self->header, FALSE);
  self->cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), self);
  adw_header_bar_pack_start (self->header, self->cancel_button);
  self->add_button = gtk_button_new_with_mnemonic (_("_Add…"));
  gtk_widget_add_css_class (self->add_button, "suggested-action");
  g_signal_connect_swapped (self->add_button, "clicked", G_CALLBACK (on_add_clicked), self);
  adw_header_bar_pack_end (self->header, self->add_button);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->header));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT_RIGHT);
  build_list_page (self);
  build_add_page (self);
  gtk_stack_set_visible_child_name (self->stack, "list");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));
  adw_window_set_content (ADW_WINDOW (self), box);
}

CustodyOfficersDialog *
custody_officers_dialog_new (GtkWindow      *parent,
                             CustodySession *session)
{
  CustodyOfficersDialog *self = g_object_new (CUSTODY_TYPE_OFFICERS_DIALOG,
                                              "transient-for", parent,
                                              "modal", TRUE,
                                              "title", _("Officers"),
                                              "default-width", 520,
                                              "default-height", 560,
                                              "width-request", 360,
                                              "height-request", 294,
                                              NULL);

  self->session = g_object_ref (session);
  self->form = custody_officer_form_new ();
  build (self);
  g_signal_connect_swapped (self->form, "officers-changed", G_CALLBACK (fill_officers), self);
  g_signal_connect_swapped (self->form, "notify::problem", G_CALLBACK (update), self);
  g_signal_connect_swapped (self->form, "notify::can-add", G_CALLBACK (update), self);
  g_signal_connect_swapped (session, "changed", G_CALLBACK (rebuild), self);
  g_signal_connect_swapped (session, "notify::busy", G_CALLBACK (update), self);
  g_signal_connect (self, "close-request", G_CALLBACK (on_close_request), NULL);
  rebuild (self);
  update (self);
  return self;
}
