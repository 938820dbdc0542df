/* custody-init-dialog.c — "New Workspace": `chain init` with a form */
#include "custody-init-dialog.h"

#include <glib/gi18n.h>

#include "custody-init-form.h"
#include "custody-key-home-chooser.h"
#include "custody-widgets.h"

struct _CustodyInitDialog {
  AdwWindow        parent_instance;
  CustodySession  *session;
  CustodyInitForm *form;
  GPtrArray       *policy_rows;    /* rows added to the policy and threshold groups */
  GtkSpinButton   *validity_spin;

  AdwPreferencesPage  *page;
  AdwEntryRow         *org_row;
  AdwEntryRow         *id_row;
  AdwEntryRow         *officer_row;
  AdwActionRow        *dir_row;
  AdwPreferencesGroup *root_group;
  AdwComboRow         *algorithm_row;
  AdwPreferencesGroup *policy_group;
  AdwPreferencesGroup *threshold_group;
  AdwPreferencesGroup *passphrase_group;
  CustodyKeyHomeChooser *key_home;
  AdwPasswordEntryRow *passphrase_row;
  AdwPasswordEntryRow *confirm_row;
  GtkLabel            *problem_label;
  GtkButton           *create_button;
};

G_DEFINE_FINAL_TYPE (CustodyInitDialog, custody_init_dialog, ADW_TYPE_WINDOW)

static void
update_state (CustodyInitDialog *self)
{
  const char *problem = custody_init_form_get_problem (self->form);

  gtk_label_set_text (self->problem_label, problem != NULL ? problem : _("Ready to create the root CA and the ledger."));
  gtk_widget_set_sensitive (GTK_WIDGET (self->create_button),
                            problem == NULL && !custody_session_get_busy (self->session));
}

static void
on_text_changed (CustodyInitDialog *self)
{
  g_object_set (self->form,
                "org", gtk_editable_get_text (GTK_EDITABLE (self->org_row)),
                "custodian-id", gtk_editable_get_text (GTK_EDITABLE (self->id_row)),
                "officer", gtk_editable_get_text (GTK_EDITABLE (self->officer_row)),
                NULL);
}

/* Files take the passphrase group; a token its PIN row; the TPM nothing. */
static void
on_key_home_changed (CustodyInitDialog *self)
{
  g_autofree char *key_store = custody_key_home_chooser_dup_key_store (self->key_home);
  ChainKeyStore store = custody_key_home_chooser_get_store (self->key_home);

  gtk_widget_set_visible (GTK_WIDGET (self->passphrase_group), store == CHAIN_KEY_STORE_FILE);
  /* A token chosen but none found: the form still wants one. */
  custody_init_form_set_key_store (self->form, store == CHAIN_KEY_STORE_PKCS11 && key_store == NULL
                                                 ? "pkcs11:" : key_store);
  custody_init_form_set_pin (self->form, custody_key_home_chooser_get_pin_text (self->key_home));
}

static void
on_passphrase_changed (CustodyInitDialog *self)
{
  custody_init_form_set_passphrase (self->form, gtk_editable_get_text (GTK_EDITABLE (self->passphrase_row)));
  custody_init_form_set_confirmation (self->form, gtk_editable_get_text (GTK_EDITABLE (self->confirm_row)));
  custody_mark_mismatch (GTK_EDITABLE (self->passphrase_row), GTK_WIDGET (self->confirm_row));
}

static void
on_algorithm_selected (CustodyInitDialog *self)
{
  g_object_set (self->form, "algorithm", adw_combo_row_get_selected (self->algorithm_row), NULL);
}

static void
on_validity_changed (GtkSpinButton     *spin,
                     CustodyInitDialog *self)
{
  g_object_set (self->form, "validity-days", gtk_spin_button_get_value_as_int (spin), NULL);
}

/* ---- The policy editor ------------------------------------------------------- */

typedef enum {
  TIER_PATH_LEN,
  TIER_VALIDITY,
  TIER_CONSTRAINTS,
  TIER_DEVICES,
} TierField;

static void
on_tier_spin_changed (GtkSpinButton     *spin,
                      CustodyInitDialog *self)
{
  ChainPolicy *policy = custody_init_form_get_policy (self->form);
  const char *tier = g_object_get_data (G_OBJECT (spin), "tier");
  TierField field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (spin), "field"));

  if (field == TIER_PATH_LEN)
    chain_policy_set_max_path_len (policy, tier, gtk_spin_button_get_value_as_int (spin));
  else
    chain_policy_set_max_validity_days (policy, tier, gtk_spin_button_get_value_as_int (spin));
  custody_init_form_policy_changed (self->form);
}

static void
on_tier_switch_changed (GtkSwitch         *toggle,
                        GParamSpec        *pspec,
                        CustodyInitDialog *self)
{
  ChainPolicy *policy = custody_init_form_get_policy (self->form);
  const char *tier = g_object_get_data (G_OBJECT (toggle), "tier");
  TierField field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (toggle), "field"));

  if (field == TIER_CONSTRAINTS)
    chain_policy_set_require_name_constraints (policy, tier, gtk_switch_get_active (toggle));
  else
    chain_policy_set_issues_devices (policy, tier, gtk_switch_get_active (toggle));
  custody_init_form_policy_changed (self->form);
}

static void
on_threshold_changed (GtkSpinButton     *spin,
                      CustodyInitDialog *self)
{
  chain_policy_set_threshold (custody_init_form_get_policy (self->form),
                              GPOINTER_TO_INT (g_object_get_data (G_OBJECT (spin), "type")),
                              (guint) gtk_spin_button_get_value_as_int (spin));
  custody_init_form_policy_changed (self->form);
}

static GtkWidget *
tier_spin_row (CustodyInitDialog *self,
               const char        *tier,
               TierField          field,
               const char        *title,
               double             max,
               double             value)
{
  GtkSpinButton *spin = NULL;
  GtkWidget *row = custody_spin_row_new (title, NULL, field == TIER_PATH_LEN ? 0 : 1, max, value, &spin);

  g_object_set_data_full (G_OBJECT (spin), "tier", g_strdup (tier), g_free);
  g_object_set_data (G_OBJECT (spin), "field", GINT_TO_POINTER (field));
  g_signal_connect (spin, "value-changed", G_CALLBACK (on_tier_spin_changed), self);
  return row;
}

static GtkWidget *
tier_switch_row (CustodyInitDialog *self,
                 const char        *tier,
                 TierField          field,
                 const char        *title,
                 gboolean           active,
                 gboolean           sensitive)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_switch_set_active (GTK_SWITCH (toggle), active);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_widget_set_sensitive (row, sensitive);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_object_set_data_full (G_OBJECT (toggle), "tier", g_strdup (tier), g_free);
  g_object_set_data (G_OBJECT (toggle), "field", GINT_TO_POINTER (field));
  g_signal_connect (toggle, "notify::active", G_CALLBACK (on_tier_switch_changed), self);
  return row;
}

static void
add_policy_row (CustodyInitDialog   *self,
                AdwPreferencesGroup *group,
                GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->policy_rows, row);
}

/* (Re)builds the rows for the policy being edited. */
static void
build_policy_rows (CustodyInitDialog *self)
{
  ChainPolicy *policy = custody_init_form_get_policy (self->form);
  const ChainRecordType *types = chain_policy_get_threshold_types ();
  GtkWidget *thresholds = NULL;
  guint i;

  for (i = 0; i < self->policy_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->policy_rows, i);

      adw_preferences_group_remove (ADW_PREFERENCES_GROUP (gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP)),
                                    row);
    }
  g_ptr_array_set_size (self->policy_rows, 0);

  for (i = 0; i < chain_policy_get_n_tiers (policy); i++)
    {
      const char *tier = chain_policy_get_tier_name (policy, i);
      g_autofree const char **delegates = chain_policy_get_delegates (policy, tier);
      g_autofree char *joined = g_strjoinv (", ", (char **) delegates);
      g_autofree char *subtitle = NULL;
      GtkWidget *expander = adw_expander_row_new ();

      subtitle = joined[0] != '\0' ? g_strdup_printf (_("Delegates to %s"), joined)
                                   : g_strdup (_("Delegates to no one"));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), tier);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                tier_spin_row (self, tier, TIER_PATH_LEN, _("Longest path length"),
                                               CHAIN_POLICY_MAX_PATH_LEN,
                                               chain_policy_get_max_path_len (policy, tier)));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                tier_spin_row (self, tier, TIER_VALIDITY, _("Longest validity (days)"),
                                               CHAIN_POLICY_MAX_VALIDITY_DAYS,
                                               (double) chain_policy_get_max_validity_days (policy, tier)));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                tier_switch_row (self, tier, TIER_CONSTRAINTS, _("Requires name constraints"),
                                                 chain_policy_get_require_name_constraints (policy, tier), i > 0));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                tier_switch_row (self, tier, TIER_DEVICES, _("Issues device certificates"),
                                                 chain_policy_get_issues_devices (policy, tier), TRUE));
      add_policy_row (self, self->policy_group, expander);
    }

  thresholds = adw_expander_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (thresholds), _("Officers per record"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (thresholds),
                                 _("k of n: distinct officer keys that must sign"));
  for (i = 0; types[i] != CHAIN_RECORD_TYPE_INVALID; i++)
    {
      GtkSpinButton *spin = NULL;
      GtkWidget *row = custody_spin_row_new (custody_record_type_to_label (chain_record_type_to_string (types[i])), NULL, 1,
                                             CHAIN_POLICY_MAX_THRESHOLD,
                                             chain_policy_get_threshold (policy, types[i]), &spin);

      g_object_set_data (G_OBJECT (spin), "type", GINT_TO_POINTER (types[i]));
      g_signal_connect (spin, "value-changed", G_CALLBACK (on_threshold_changed), self);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (thresholds), row);
    }
  add_policy_row (self, self->threshold_group, thresholds);

  gtk_spin_button_set_range (self->validity_spin, 1, (double) custody_init_form_get_max_validity_days (self->form));
  gtk_spin_button_set_value (self->validity_spin, (double) custody_init_form_get_max_validity_days (self->form));
}

/* ---- Files ------------------------------------------------------------------ */

static void
on_dir_chosen (GtkNativeDialog   *chooser,
               int                response,
               CustodyInitDialog *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      path = file != NULL ? g_file_get_path (file) : NULL;
      if (path != NULL)
        custody_init_dialog_set_dir (self, path);
    }
  g_object_unref (chooser);
}

static void
on_choose_dir (CustodyInitDialog *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("New Workspace Folder"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                 _("_Create"), _("_Cancel"));
  const char *org = gtk_editable_get_text (GTK_EDITABLE (self->org_row));

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), org[0] != '\0' ? org : _("Workspace"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_dir_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_policy_chosen (GtkNativeDialog   *chooser,
                  int                response,
                  CustodyInitDialog *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      path = file != NULL ? g_file_get_path (file) : NULL;
      if (path != NULL && custody_init_form_load_policy (self->form, path, &error))
        build_policy_rows (self);
      else if (error != NULL)
        custody_show_error (GTK_WIDGET (self), _("Could Not Load the Policy"), error);
    }
  g_object_unref (chooser);
}

static void
on_load_policy (CustodyInitDialog *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Load Policy"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                 _("_Load"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Policy files (JSON)"));
  gtk_file_filter_add_mime_type (filter, "application/json");
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_policy_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- Creating ---------------------------------------------------------------- */

static void
on_created (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CustodyInitDialog) self = user_data;

  if (!custody_dialog_finish_job (GTK_WIDGET (self), CUSTODY_SESSION (source), result, _("Could Not Create the Workspace")))
    update_state (self);
}

static void
on_create_clicked (CustodyInitDialog *self)
{
  ChainWorkspaceOptions options;

  if (!custody_init_form_get_options (self->form, &options))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->create_button), FALSE);
  custody_session_create_async (self->session, custody_init_form_get_dir (self->form), &options,
                                on_created, g_object_ref (self));
  /* The form's copy of the passphrase is not needed any more. */
  gtk_editable_set_text (GTK_EDITABLE (self->passphrase_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
  custody_key_home_chooser_clear_pin (self->key_home);
}

/* ---- GObject ---------------------------------------------------------------- */

static void
custody_init_dialog_dispose (GObject *object)
{
  CustodyInitDialog *self = CUSTODY_INIT_DIALOG (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  if (self->key_home != NULL)
    g_signal_handlers_disconnect_by_data (self->key_home, self);
  g_clear_object (&self->key_home);
  g_clear_object (&self->form);
  g_clear_pointer (&self->policy_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (custody_init_dialog_parent_class)->dispose (object);
}

static void
custody_init_dialog_class_init (CustodyInitDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = custody_init_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/libchain/Custody/custody-init-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, page);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, org_row);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, id_row);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, officer_row);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, dir_row);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, root_group);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, algorithm_row);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, policy_group);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, threshold_group);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, passphrase_group);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, passphrase_row);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, problem_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyInitDialog, create_button);
  gtk_widget_class_bind_template_callback (widget_class, on_text_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_passphrase_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_dir);
  gtk_widget_class_bind_template_callback (widget_class, on_load_policy);
  gtk_widget_class_bind_template_callback (widget_class, on_create_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
custody_init_dialog_init (CustodyInitDialog *self)
{
  g_autoptr(GListModel) algorithms = custody_string_list_new (custody_init_form_get_algorithm_labels ());
  GtkWidget *validity = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->form = custody_init_form_new ();
  self->policy_rows = g_ptr_array_new ();
  g_object_set (self->form, "officer", gtk_editable_get_text (GTK_EDITABLE (self->officer_row)), NULL);

  adw_combo_row_set_model (self->algorithm_row, algorithms);
  g_signal_connect_swapped (self->algorithm_row, "notify::selected", G_CALLBACK (on_algorithm_selected), self);
  validity = custody_spin_row_new (_("Validity (days)"), _("How long the root CA is valid"), 1,
                                   (double) custody_init_form_get_max_validity_days (self->form),
                                   (double) custody_init_form_get_max_validity_days (self->form),
                                   &self->validity_spin);
  g_signal_connect (self->validity_spin, "value-changed", G_CALLBACK (on_validity_changed), self);
  adw_preferences_group_add (self->root_group, validity);
  self->key_home = custody_key_home_chooser_new ();
  custody_key_home_chooser_add_to (self->key_home, GTK_WIDGET (self->root_group));
  g_signal_connect_swapped (self->key_home, "changed", G_CALLBACK (on_key_home_changed), self);
  build_policy_rows (self);

  g_signal_connect_swapped (self->form, "notify::problem", G_CALLBACK (update_state), self);
  custody_dialog_set_primary (GTK_WINDOW (self), GTK_WIDGET (self->create_button), GTK_WIDGET (self->org_row));
}

CustodyInitDialog *
custody_init_dialog_new (GtkWindow      *parent,
                         CustodySession *session)
{
  CustodyInitDialog *self = g_object_new (CUSTODY_TYPE_INIT_DIALOG, "transient-for", parent, NULL);

  self->session = g_object_ref (session);
  g_signal_connect_swapped (session, "notify::busy", G_CALLBACK (update_state), self);
  update_state (self);
  return self;
}

void
custody_init_dialog_set_dir (CustodyInitDialog *self,
                             const char        *dir)
{
  g_return_if_fail (CUSTODY_IS_INIT_DIALOG (self));

  g_object_set (self->form, "dir", dir, NULL);
  adw_action_row_set_subtitle (self->dir_row, dir);
}
