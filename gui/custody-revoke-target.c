/* custody-revoke-target.c — what to revoke, picked rather than typed */
#include "custody-revoke-target.h"

#include <glib/gi18n.h>

#include "custody-actions.h"
#include "custody-device-lookup.h"
#include "custody-hex.h"

struct _CustodyRevokeTarget {
  GtkBox          parent_instance;
  CustodySession *session;
  GPtrArray      *custodian_ids;   /* char *, one per check row */
  GPtrArray      *checks;          /* GtkCheckButton *, likewise */
  GPtrArray      *devices;         /* char *: added ids or serials */
  gboolean        looking;

  GtkListBox     *custodians_list;
  GtkListBox     *devices_list;
  GtkWidget      *device_row;
  GtkWidget      *add_button;
  GtkLabel       *device_label;
  GtkWidget      *first;
};

G_DEFINE_FINAL_TYPE (CustodyRevokeTarget, custody_revoke_target, GTK_TYPE_BOX)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_changed (CustodyRevokeTarget *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- Sub-CAs ------------------------------------------------------------------ */

static void
add_custodian_row (CustodyRevokeTarget *self,
                   CustodyNode         *node,
                   gboolean             checked)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), custody_node_get_name (node));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), custody_node_get_summary (node));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), checked);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_signal_connect_swapped (check, "toggled", G_CALLBACK (emit_changed), self);
  gtk_list_box_append (self->custodians_list, row);
  g_ptr_array_add (self->custodian_ids, g_strdup (custody_node_get_id (node)));
  g_ptr_array_add (self->checks, check);
  if (self->first == NULL)
    self->first = row;
}

static void
fill_custodians (CustodyRevokeTarget *self,
                 const char          *checked)
{
  CustodyTreeModel *tree = custody_session_get_tree (self->session);
  CustodyActionContext context = { 0 };
  guint i;

  context.self_id = custody_session_get_custodian_id (self->session);
  for (i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (tree)); i++)
    {
      g_autoptr(CustodyNode) node = g_list_model_get_item (G_LIST_MODEL (tree), i);

      context.node = node;
      if (custody_actions_revocable_custodian (&context) != NULL)
        add_custodian_row (self, node, g_strcmp0 (checked, custody_node_get_id (node)) == 0);
    }
  if (self->custodian_ids->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No sub-CA of yours stands to be revoked"));
      gtk_list_box_append (self->custodians_list, row);
    }
}

/* ---- Devices ------------------------------------------------------------------ */

static void
say (CustodyRevokeTarget *self,
     const char          *text,
     gboolean             wrong)
{
  gtk_label_set_text (self->device_label, text);
  gtk_widget_set_css_classes (GTK_WIDGET (self->device_label),
                              (const char *[]) { "caption", wrong ? "error" : "dim-label", NULL });
  if (wrong)
    gtk_widget_add_css_class (self->device_row, "error");
  else
    gtk_widget_remove_css_class (self->device_row, "error");
}

static void
on_remove_device (GtkButton           *button,
                  CustodyRevokeTarget *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (button), "row");
  const char *id = g_object_get_data (G_OBJECT (button), "device");
  guint i;

  for (i = 0; i < self->devices->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->devices, i), id) == 0)
      {
        g_ptr_array_remove_index (self->devices, i);
        break;
      }
  gtk_list_box_remove (self->devices_list, row);
  gtk_widget_set_visible (GTK_WIDGET (self->devices_list), self->devices->len > 0);
  emit_changed (self);
}

static void
add_device_row (CustodyRevokeTarget *self,
                const char          *id,
                const char          *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *tooltip = g_strdup_printf (_("Do not revoke %s"), id);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), id);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_tooltip_text (remove, tooltip);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  g_object_set_data (G_OBJECT (remove), "row", row);
  g_object_set_data_full (G_OBJECT (remove), "device", g_strdup (id), g_free);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_device), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  gtk_list_box_append (self->devices_list, row);
  g_ptr_array_add (self->devices, g_strdup (id));
  gtk_widget_set_visible (GTK_WIDGET (self->devices_list), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->device_row), "");
  emit_changed (self);
}

static gboolean
has_device (CustodyRevokeTarget *self,
            const char          *id)
{
  guint i;

  for (i = 0; i < self->devices->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->devices, i), id) == 0)
      return TRUE;
  return FALSE;
}

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CustodyRevokeTarget) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainDeviceLookup) lookup = custody_session_finish_result (CUSTODY_SESSION (source), result, &error);
  g_autofree char *typed = NULL;

  self->looking = FALSE;
  gtk_widget_set_sensitive (self->add_button, TRUE);
  if (self->session == NULL)
    return;
  typed = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->device_row))));
  if (lookup == NULL)
    {
      g_autofree char *sentence = NULL;

      /* Not a device id: a serial is planned as one, and the plan says if it is not. */
      if (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND) && custody_hex_is_value (typed))
        {
          add_device_row (self, typed, _("Serial"));
          say (self, "", FALSE);
          return;
        }
      sentence = g_strdup (error->message);
      sentence[0] = g_ascii_toupper (sentence[0]);
      say (self, sentence, TRUE);
      return;
    }
  if (chain_device_lookup_is_revoked (lookup))
    {
      g_autofree char *status = custody_device_lookup_dup_status (lookup);

      say (self, status, TRUE);
      return;
    }
  if (g_strcmp0 (chain_device_lookup_get_issuer_id (lookup), custody_session_get_custodian_id (self->session)) != 0)
    {
      /* TRANSLATORS: %s is the custodian whose CA issued a device */
      g_autofree char *text = g_strdup_printf (_("%s issued this device: only %s can revoke it"),
                                               chain_device_lookup_get_issuer_name (lookup),
                                               chain_device_lookup_get_issuer_name (lookup));

      say (self, text, TRUE);
      return;
    }
  {
    /* TRANSLATORS: where a device to revoke was issued: the record's number */
    g_autofree char *subtitle = g_strdup_printf (_("In force · device batch, record #%llu"),
                                                 (unsigned long long) chain_device_lookup_get_batch_seq (lookup));

    add_device_row (self, chain_device_lookup_get_id (lookup), subtitle);
    say (self, "", FALSE);
  }
}

static void
on_add_device (CustodyRevokeTarget *self)
{
  g_autofree char *id = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->device_row))));

  if (id[0] == '\0' || self->looking)
    return;
  if (has_device (self, id))
    {
      say (self, _("That device is on the list already"), TRUE);
      return;
    }
  self->looking = TRUE;
  gtk_widget_set_sensitive (self->add_button, FALSE);
  say (self, _("Reading the ledger…"), FALSE);
  custody_session_lookup_device_async (self->session, id, on_looked_up, g_object_ref (self));
}

/* ---- The widget ---------------------------------------------------------------- */

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
  GtkListBox *list = GTK_LIST_BOX (gtk_list_box_new ());

  gtk_list_box_set_selection_mode (list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (list), "boxed-list");
  return list;
}

static void
custody_revoke_target_dispose (GObject *object)
{
  CustodyRevokeTarget *self = CUSTODY_REVOKE_TARGET (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->custodian_ids, g_ptr_array_unref);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  G_OBJECT_CLASS (custody_revoke_target_parent_class)->dispose (object);
}

static void
custody_revoke_target_class_init (CustodyRevokeTargetClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = custody_revoke_target_dispose;

  /**
   * CustodyRevokeTarget::changed:
   *
   * A target was checked, unchecked, added or removed.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
}

static void
custody_revoke_target_init (CustodyRevokeTarget *self)
{
  GtkListBox *add_list = boxed_list ();

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 12);
  self->custodian_ids = g_ptr_array_new_with_free_func (g_free);
  self->checks = g_ptr_array_new ();
  self->devices = g_ptr_array_new_with_free_func (g_free);

  self->custodians_list = boxed_list ();
  gtk_box_append (GTK_BOX (self), heading (_("Sub-CAs")));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->custodians_list));

  self->device_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->device_row), _("Device ID or serial"));
  self->add_button = gtk_button_new_with_mnemonic (_("_Add"));
  gtk_widget_set_valign (self->add_button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->add_button, "clicked", G_CALLBACK (on_add_device), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (self->device_row), self->add_button);
  g_signal_connect_swapped (self->device_row, "entry-activated", G_CALLBACK (on_add_device), self);
  gtk_list_box_append (add_list, self->device_row);
  self->device_label = GTK_LABEL (gtk_label_new (_("Each id is looked up in the ledger before it is listed.")));
  gtk_label_set_wrap (self->device_label, TRUE);
  gtk_label_set_xalign (self->device_label, 0);
  gtk_widget_set_css_classes (GTK_WIDGET (self->device_label), (const char *[]) { "caption", "dim-label", NULL });
  self->devices_list = boxed_list ();
  gtk_widget_set_visible (GTK_WIDGET (self->devices_list), FALSE);

  gtk_box_append (GTK_BOX (self), heading (_("Devices")));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (add_list));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->device_label));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->devices_list));
}

GtkWidget *
custody_revoke_target_new (CustodySession *session,
                           const char     *custodian)
{
  CustodyRevokeTarget *self = g_object_new (CUSTODY_TYPE_REVOKE_TARGET, NULL);

  g_return_val_if_fail (CUSTODY_IS_SESSION (session), NULL);

  self->session = g_object_ref (session);
  fill_custodians (self, custodian);
  if (self->first == NULL)
    self->first = self->device_row;
  return GTK_WIDGET (self);
}

char *
custody_revoke_target_dup_custodians (CustodyRevokeTarget *self)
{
  GString *ids = g_string_new (NULL);
  guint i;

  g_return_val_if_fail (CUSTODY_IS_REVOKE_TARGET (self), NULL);

  for (i = 0; i < self->checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->checks, i)))
      {
        if (ids->len > 0)
          g_string_append_c (ids, ' ');
        g_string_append (ids, g_ptr_array_index (self->custodian_ids, i));
      }
  return g_string_free (ids, FALSE);
}

char *
custody_revoke_target_dup_devices (CustodyRevokeTarget *self)
{
  g_autoptr(GPtrArray) words = NULL;

  g_return_val_if_fail (CUSTODY_IS_REVOKE_TARGET (self), NULL);

  words = g_ptr_array_copy (self->devices, NULL, NULL);
  g_ptr_array_add (words, NULL);
  return g_strjoinv (" ", (char **) words->pdata);
}

GtkWidget *
custody_revoke_target_get_first (CustodyRevokeTarget *self)
{
  g_return_val_if_fail (CUSTODY_IS_REVOKE_TARGET (self), NULL);
  return self->first;
}
