/* custody-key-home-chooser.c — rows to choose where new keys live */
#include "custody-key-home-chooser.h"

#include <glib/gi18n.h>

#include "custody-key-home.h"
#include "custody-widgets.h"

struct _CustodyKeyHomeChooser {
  GObject      parent_instance;
  AdwComboRow *home_row;
  AdwComboRow *token_row;
  AdwPasswordEntryRow *pin_row;
  GPtrArray   *tokens;       /* (element-type ChainKeyToken) */
};

G_DEFINE_FINAL_TYPE (CustodyKeyHomeChooser, custody_key_home_chooser, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The home row's items, in ChainKeyStore order. */
static const ChainKeyStore homes[] = { CHAIN_KEY_STORE_FILE, CHAIN_KEY_STORE_PKCS11, CHAIN_KEY_STORE_TPM2 };

static void
custody_key_home_chooser_dispose (GObject *object)
{
  CustodyKeyHomeChooser *self = CUSTODY_KEY_HOME_CHOOSER (object);

  g_clear_object (&self->home_row);
  g_clear_object (&self->token_row);
  g_clear_object (&self->pin_row);
  g_clear_pointer (&self->tokens, g_ptr_array_unref);
  G_OBJECT_CLASS (custody_key_home_chooser_parent_class)->dispose (object);
}

static void
custody_key_home_chooser_class_init (CustodyKeyHomeChooserClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = custody_key_home_chooser_dispose;

  /**
   * CustodyKeyHomeChooser::changed:
   *
   * The home, the token or the PIN changed.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
on_changed (CustodyKeyHomeChooser *self)
{
  gboolean token = custody_key_home_chooser_get_store (self) == CHAIN_KEY_STORE_PKCS11;

  gtk_widget_set_visible (GTK_WIDGET (self->token_row), token);
  gtk_widget_set_visible (GTK_WIDGET (self->pin_row), token && self->tokens->len > 0);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* The tokens found now, as the token row's items. */
static void
list_tokens (CustodyKeyHomeChooser *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GListModel) model = NULL;
  g_autoptr(GPtrArray) found = chain_key_list_tokens (NULL, &error);

  self->tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_key_token_free);
  /* The tokens move to self->tokens, but for a write-protected one (p11-kit's
   * trust store), which cannot take a key. */
  if (found != NULL)
    g_ptr_array_set_free_func (found, NULL);
  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      ChainKeyToken *t = g_ptr_array_index (found, i);

      if (chain_key_token_get_read_only (t))
        chain_key_token_free (t);
      else
        g_ptr_array_add (self->tokens, t);
    }
  for (guint i = 0; i < self->tokens->len; i++)
    {
      ChainKeyToken *t = g_ptr_array_index (self->tokens, i);

      /* Translators: a token's label, then its maker and model. */
      g_ptr_array_add (labels, g_strdup_printf (_("%s (%s)"), chain_key_token_get_label (t),
                                                chain_key_token_get_description (t)));
    }
  if (self->tokens->len == 0)
    g_ptr_array_add (labels, g_strdup (_("No token found: insert one and open this form again")));
  g_ptr_array_add (labels, NULL);
  model = custody_string_list_new ((const char *const *) labels->pdata);
  adw_combo_row_set_model (self->token_row, model);
  gtk_widget_set_sensitive (GTK_WIDGET (self->token_row), self->tokens->len > 0);
}

static void
custody_key_home_chooser_init (CustodyKeyHomeChooser *self)
{
  const char *labels[] = { custody_key_home_label (homes[0]), custody_key_home_label (homes[1]),
                           custody_key_home_label (homes[2]), NULL };
  g_autoptr(GListModel) model = custody_string_list_new (labels);

  self->home_row = g_object_ref_sink (ADW_COMBO_ROW (adw_combo_row_new ()));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->home_row), _("Key Home"));
  /* The choice as the subtitle: beside the title it would be cut short. */
  adw_combo_row_set_use_subtitle (self->home_row, TRUE);
  adw_combo_row_set_model (self->home_row, model);
  self->token_row = g_object_ref_sink (ADW_COMBO_ROW (adw_combo_row_new ()));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->token_row), _("Token"));
  adw_combo_row_set_use_subtitle (self->token_row, TRUE);
  self->pin_row = g_object_ref_sink (ADW_PASSWORD_ENTRY_ROW (adw_password_entry_row_new ()));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->pin_row), _("Token PIN"));
  list_tokens (self);
  g_signal_connect_swapped (self->home_row, "notify::selected", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->token_row, "notify::selected", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->pin_row, "changed", G_CALLBACK (on_changed), self);
  gtk_widget_set_visible (GTK_WIDGET (self->token_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->pin_row), FALSE);
}

CustodyKeyHomeChooser *
custody_key_home_chooser_new (void)
{
  return g_object_new (CUSTODY_TYPE_KEY_HOME_CHOOSER, NULL);
}

void
custody_key_home_chooser_add_to (CustodyKeyHomeChooser *self,
                                 GtkWidget             *container)
{
  GtkWidget *rows[] = { GTK_WIDGET (self->home_row), GTK_WIDGET (self->token_row), GTK_WIDGET (self->pin_row) };

  g_return_if_fail (CUSTODY_IS_KEY_HOME_CHOOSER (self));

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (ADW_IS_PREFERENCES_GROUP (container))
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (container), rows[i]);
    else
      gtk_list_box_append (GTK_LIST_BOX (container), rows[i]);
}

ChainKeyStore
custody_key_home_chooser_get_store (CustodyKeyHomeChooser *self)
{
  guint selected;

  g_return_val_if_fail (CUSTODY_IS_KEY_HOME_CHOOSER (self), CHAIN_KEY_STORE_FILE);

  selected = adw_combo_row_get_selected (self->home_row);
  return selected < G_N_ELEMENTS (homes) ? homes[selected] : CHAIN_KEY_STORE_FILE;
}

char *
custody_key_home_chooser_dup_key_store (CustodyKeyHomeChooser *self)
{
  guint token;

  g_return_val_if_fail (CUSTODY_IS_KEY_HOME_CHOOSER (self), NULL);

  switch (custody_key_home_chooser_get_store (self))
    {
    case CHAIN_KEY_STORE_PKCS11:
      token = adw_combo_row_get_selected (self->token_row);
      if (token >= self->tokens->len)
        return NULL;
      /* No object: libchain labels the keys ID-ca and ID-officer-NAME. */
      return chain_key_token_dup_key_uri (g_ptr_array_index (self->tokens, token), NULL);
    case CHAIN_KEY_STORE_TPM2:
      return g_strdup ("tpm2");
    case CHAIN_KEY_STORE_FILE:
    default:
      return NULL;
    }
}

const char *
custody_key_home_chooser_get_pin_text (CustodyKeyHomeChooser *self)
{
  g_return_val_if_fail (CUSTODY_IS_KEY_HOME_CHOOSER (self), "");
  return gtk_editable_get_text (GTK_EDITABLE (self->pin_row));
}

void
custody_key_home_chooser_clear_pin (CustodyKeyHomeChooser *self)
{
  g_return_if_fail (CUSTODY_IS_KEY_HOME_CHOOSER (self));
  gtk_editable_set_text (GTK_EDITABLE (self->pin_row), "");
}
