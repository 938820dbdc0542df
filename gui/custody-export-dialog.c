/* custody-export-dialog.c — export a CA for a cloud, with proof of possession */
#include "custody-export-dialog.h"

#include <glib/gi18n.h>

#include "custody-export-form.h"
#include "custody-passphrase-dialog.h"
#include "custody-widgets.h"

struct _CustodyExportDialog {
  AdwWindow          parent_instance;
  CustodySession    *session;
  CustodyExportForm *form;
  GPtrArray         *ca_ids;
  gboolean           preview_running;
  gboolean           preview_pending;

  GtkWidget         *export_button;
  AdwComboRow       *target_row;
  AdwComboRow       *ca_row;
  AdwEntryRow       *code_row;
  AdwEntryRow       *hub_row;
  AdwEntryRow       *dps_row;
  AdwEntryRow       *region_row;
  AdwActionRow      *dir_row;
  GtkLabel          *problem_label;
  GtkListBox        *warnings_list;
  GtkListBox        *files_list;
};

G_DEFINE_FINAL_TYPE (CustodyExportDialog, custody_export_dialog, ADW_TYPE_WINDOW)

static void
update (CustodyExportDialog *self)
{
  const char *problem = custody_export_form_get_problem (self->form);
  GPtrArray *warnings = custody_export_form_get_warnings (self->form);
  ChainExportTarget target = custody_export_form_get_target (self->form);
  g_autoptr(GPtrArray) none = custody_fields_new ();

  gtk_widget_set_visible (GTK_WIDGET (self->code_row), custody_export_form_get_needs_code (self->form));
  gtk_widget_set_visible (GTK_WIDGET (self->hub_row), target == CHAIN_EXPORT_TARGET_AZURE_IOTHUB);
  gtk_widget_set_visible (GTK_WIDGET (self->dps_row), target == CHAIN_EXPORT_TARGET_AZURE_DPS);
  gtk_widget_set_visible (GTK_WIDGET (self->region_row), target == CHAIN_EXPORT_TARGET_AWS_IOT);
  if (problem != NULL)
    gtk_label_set_text (self->problem_label, problem);
  else if (self->preview_running || self->preview_pending)
    gtk_label_set_text (self->problem_label, _("Checking what the cloud would accept…"));
  else
    gtk_label_set_text (self->problem_label, _("Exporting records the files in the ledger and writes them to the folder."));
  if (warnings->len == 0)
    custody_fields_add (none, _("No warnings"), _("Nothing the cloud is known to refuse."));
  custody_fields_fill (self->warnings_list, warnings->len > 0 ? warnings : none);
  custody_fields_fill (self->files_list, custody_export_form_get_files (self->form));
  gtk_widget_set_sensitive (self->export_button,
                            custody_export_form_get_can_export (self->form) && !custody_session_get_busy (self->session));
}

static void request_preview (CustodyExportDialog *self);

static void
on_prepared (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CustodyExportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  ChainExport *export = custody_session_finish_result (CUSTODY_SESSION (source), result, &error);

  self->preview_running = FALSE;
  if (self->form == NULL)
    {
      chain_export_free (export);
      return;
    }
  if (self->preview_pending)
    {
      chain_export_free (export);
      request_preview (self);
      return;
    }
  custody_export_form_set_preview (self->form, export, error);
  update (self);
}

/* Prepares the export for the current choices; one job at a time. */
static void
request_preview (CustodyExportDialog *self)
{
  ChainExportOptions options;

  if (self->preview_running || custody_session_get_busy (self->session))
    {
      self->preview_pending = TRUE;
      return;
    }
  self->preview_pending = FALSE;
  if (!custody_export_form_get_options (self->form, FALSE, &options))
    return;
  self->preview_running = TRUE;
  custody_session_prepare_export_async (self->session, &options, on_prepared, g_object_ref (self));
  update (self);
}

static void
on_busy_changed (CustodyExportDialog *self)
{
  if (!custody_session_get_busy (self->session) && self->preview_pending && !self->preview_running)
    request_preview (self);
  update (self);
}

static void
on_choice_changed (CustodyExportDialog *self)
{
  guint ca = adw_combo_row_get_selected (self->ca_row);

  g_object_set (self->form,
                "target", adw_combo_row_get_selected (self->target_row),
                "ca", ca < self->ca_ids->len ? g_ptr_array_index (self->ca_ids, ca) : NULL,
                "code", gtk_editable_get_text (GTK_EDITABLE (self->code_row)),
                "hub", gtk_editable_get_text (GTK_EDITABLE (self->hub_row)),
                "dps", gtk_editable_get_text (GTK_EDITABLE (self->dps_row)),
                "region", gtk_editable_get_text (GTK_EDITABLE (self->region_row)),
                NULL);
  update (self);
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CustodyExportDialog) self = user_data;
  g_autofree char *dir = NULL;

  g_object_get (self->form, "dir", &dir, NULL);
  if (!custody_dialog_finish_output_job (GTK_WIDGET (self), CUSTODY_SESSION (source), result, _("Could Not Export"),
                                         dir))
    update (self);
}

static void
on_passphrase (ChainSecret *passphrase,
               const char  *officer,
               gpointer     user_data)
{
  g_autoptr(CustodyExportDialog) self = user_data;
  ChainExportOptions options;
  g_autofree char *dir = NULL;

  if (passphrase == NULL || !custody_export_form_get_options (self->form, TRUE, &options))
    {
      chain_secret_free (passphrase);
      return;
    }
  g_object_get (self->form, "dir", &dir, NULL);
  gtk_widget_set_sensitive (self->export_button, FALSE);
  custody_session_export_async (self->session, &options, dir, officer, passphrase, on_exported, g_object_ref (self));
}

static void
on_export_clicked (CustodyExportDialog *self)
{
  g_auto(GStrv) officers = custody_session_list_officers (self->session);

  custody_passphrase_dialog_run (GTK_WIDGET (self), _("Sign the Export"),
                                 _("The export is recorded in the ledger, signed by your officer key; "
                                   "a verification code also has your CA sign the proof of possession."),
                                 (const char *const *) officers, _("_Export"), on_passphrase, g_object_ref (self));
}

static void
on_dir_chosen (GtkNativeDialog     *chooser,
               int                  response,
               CustodyExportDialog *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      path = file != NULL ? g_file_get_path (file) : NULL;
      if (path != NULL)
        custody_export_dialog_set_dir (self, path);
    }
  g_object_unref (chooser);
}

static void
on_choose_dir (CustodyExportDialog *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Export Folder"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                 _("_Select"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_dir_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
custody_export_dialog_dispose (GObject *object)
{
  CustodyExportDialog *self = CUSTODY_EXPORT_DIALOG (object);

  if (self->form != NULL)
    g_signal_handlers_disconnect_by_data (self->form, self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->form);
  g_clear_object (&self->session);
  g_clear_pointer (&self->ca_ids, g_ptr_array_unref);
  G_OBJECT_CLASS (custody_export_dialog_parent_class)->dispose (object);
}

static void
custody_export_dialog_class_init (CustodyExportDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = custody_export_dialog_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
custody_export_dialog_init (CustodyExportDialog *self)
{
  self->ca_ids = g_ptr_array_new_with_free_func (g_free);
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  return label;
}

static GtkListBox *
boxed_list (void)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  return GTK_LIST_BOX (list);
}

static AdwEntryRow *
entry_row (GtkListBox          *list,
           const char          *title,
           CustodyExportDialog *self)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  g_signal_connect_swapped (row, "changed", G_CALLBACK (on_choice_changed), self);
  gtk_list_box_append (list, row);
  return ADW_ENTRY_ROW (row);
}

/* The CAs of the ledger one can export: every custodian with a CA. */
static GListModel *
ca_model (CustodyExportDialog *self,
          const char          *initial,
          guint               *out_initial)
{
  CustodyTreeModel *tree = custody_session_get_tree (self->session);
  g_autoptr(GStrvBuilder) labels = g_strv_builder_new ();
  g_auto(GStrv) strings = NULL;
  guint i;

  *out_initial = 0;
  for (i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (tree)); i++)
    {
      g_autoptr(CustodyNode) node = g_list_model_get_item (G_LIST_MODEL (tree), i);
      CustodyHealth health = custody_node_get_health (node);

      if (health == CUSTODY_HEALTH_REQUESTED || health == CUSTODY_HEALTH_REVOKED)
        continue;
      if (g_strcmp0 (custody_node_get_id (node), initial) == 0)
        *out_initial = self->ca_ids->len;
      g_ptr_array_add (self->ca_ids, g_strdup (custody_node_get_id (node)));
      g_strv_builder_add (labels, custody_node_get_name (node));
    }
  strings = g_strv_builder_end (labels);
  return custody_string_list_new ((const char *const *) strings);
}

static void
build (CustodyExportDialog *self,
       const char          *initial_ca)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *choose = gtk_button_new_with_mnemonic (_("_Choose…"));
  GtkListBox *choices = boxed_list ();
  g_autoptr(GListModel) targets = custody_string_list_new (custody_export_form_get_target_labels ());
  g_autoptr(GListModel) cas = NULL;
  guint initial = 0;

  gtk_window_set_title (GTK_WINDOW (self), _("Export for a Cloud"));
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->export_button = gtk_button_new_with_mnemonic (_("_Export…"));
  gtk_widget_add_css_class (self->export_button, "suggested-action");
  g_signal_connect_swapped (self->export_button, "clicked", G_CALLBACK (on_export_clicked), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->export_button);
  gtk_box_append (GTK_BOX (box), header);

  self->target_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->target_row), _("Cloud"));
  adw_combo_row_set_model (self->target_row, targets);
  gtk_list_box_append (choices, GTK_WIDGET (self->target_row));
  self->ca_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->ca_row), _("CA"));
  cas = ca_model (self, initial_ca, &initial);
  adw_combo_row_set_model (self->ca_row, cas);
  adw_combo_row_set_selected (self->ca_row, initial);
  gtk_list_box_append (choices, GTK_WIDGET (self->ca_row));
  self->code_row = entry_row (choices, _("Verification code"), self);
  self->hub_row = entry_row (choices, _("IoT hub name"), self);
  self->dps_row = entry_row (choices, _("DPS instance name"), self);
  self->region_row = entry_row (choices, _("AWS region"), self);
  self->dir_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->dir_row), _("Folder"));
  gtk_widget_set_valign (choose, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (choose, "clicked", G_CALLBACK (on_choose_dir), self);
  adw_action_row_add_suffix (self->dir_row, choose);
  gtk_list_box_append (choices, GTK_WIDGET (self->dir_row));
  g_signal_connect_swapped (self->target_row, "notify::selected", G_CALLBACK (on_choice_changed), self);
  g_signal_connect_swapped (self->ca_row, "notify::selected", G_CALLBACK (on_choice_changed), self);

  self->problem_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->problem_label, TRUE);
  gtk_label_set_xalign (self->problem_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->problem_label), "dim-label");
  self->warnings_list = boxed_list ();
  self->files_list = boxed_list ();

  gtk_widget_set_margin_top (content, 18);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (choices));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->problem_label));
  gtk_box_append (GTK_BOX (content), heading (_("Pre-flight Warnings")));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->warnings_list));
  gtk_box_append (GTK_BOX (content), heading (_("Files")));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->files_list));
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (self), box);
  custody_dialog_set_primary (GTK_WINDOW (self), self->export_button, GTK_WIDGET (self->target_row));
}

CustodyExportDialog *
custody_export_dialog_new (GtkWindow      *parent,
                           CustodySession *session,
                           const char     *ca)
{
  CustodyExportDialog *self = g_object_new (CUSTODY_TYPE_EXPORT_DIALOG,
                                            "transient-for", parent,
                                            "modal", TRUE,
                                            "default-width", 560,
                                            "default-height", 700,
                                            "width-request", 360,
                                            "height-request", 294,
                                            NULL);
  g_autofree char *dir = g_build_filename (custody_session_get_dir (session), "exports", NULL);

  self->session = g_object_ref (session);
  self->form = custody_export_form_new (custody_session_get_custodian_id (session));
  build (self, ca);
  g_signal_connect_swapped (self->form, "choices-changed", G_CALLBACK (request_preview), self);
  g_signal_connect_swapped (session, "notify::busy", G_CALLBACK (on_busy_changed), self);
  custody_export_dialog_set_dir (self, dir);
  on_choice_changed (self);
  return self;
}

void
custody_export_dialog_set_code (CustodyExportDialog *self,
                                const char          *code)
{
  g_return_if_fail (CUSTODY_IS_EXPORT_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), code);
}

void
custody_export_dialog_set_dir (CustodyExportDialog *self,
                               const char          *dir)
{
  g_return_if_fail (CUSTODY_IS_EXPORT_DIALOG (self));

  g_object_set (self->form, "dir", dir, NULL);
  adw_action_row_set_subtitle (self->dir_row, dir);
  update (self);
}
