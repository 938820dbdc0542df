/* custody-pin-prompt.c — asking for a token's PIN as the passphrase is asked */
#include "custody-pin-prompt.h"

#include <glib/gi18n.h>

GtkWidget *
custody_pin_prompt_new_entry (void)
{
  GtkWidget *entry = gtk_password_entry_new ();

  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  g_object_set (entry, "activates-default", TRUE, "placeholder-text", _("Token PIN"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Token PIN"), -1);
  gtk_widget_set_visible (entry, FALSE);
  return entry;
}

static void
name_entry (GtkWidget  *entry,
            const char *name)
{
  g_object_set (entry, "placeholder-text", name, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

void
custody_pin_prompt_setup_entries (GtkWidget             *entry,
                                  GtkWidget             *pin_entry,
                                  ChainWorkspaceSecrets  needs)
{
  gboolean passphrase = (needs & CHAIN_WORKSPACE_SECRET_PASSPHRASE) != 0;
  gboolean pin = (needs & CHAIN_WORKSPACE_SECRET_PIN) != 0;

  name_entry (entry, passphrase || !pin ? _("Passphrase") : _("Token PIN"));
  gtk_widget_set_visible (entry, passphrase || pin);
  gtk_widget_set_visible (pin_entry, passphrase && pin);
}

const char *
custody_pin_prompt_describe_tries (ChainKeyTokenPinState state)
{
  switch (state)
    {
    case CHAIN_KEY_TOKEN_PIN_COUNT_LOW:
      return _("The token says few tries are left before the PIN locks.");
    case CHAIN_KEY_TOKEN_PIN_FINAL_TRY:
      return _("One try is left: another wrong PIN locks the token.");
    case CHAIN_KEY_TOKEN_PIN_LOCKED:
      return _("The PIN is locked now: the token’s security officer must unlock it.");
    case CHAIN_KEY_TOKEN_PIN_OK:
    default:
      return "";
    }
}

/* The URI of the first key in a token that @officer's signing opens. */
static char *
token_uri_of (ChainWorkspace *workspace,
              const char     *officer)
{
  g_auto(GStrv) officers = chain_workspace_list_officers (workspace);
  ChainKeyStore store;
  char *location = NULL;

  for (guint i = 0; officers[i] != NULL; i++)
    if ((officer == NULL || g_strcmp0 (officer, officers[i]) == 0)
        && chain_workspace_get_key_store (workspace, officers[i], &store, &location))
      {
        if (store == CHAIN_KEY_STORE_PKCS11 && location != NULL)
          return location;
        g_clear_pointer (&location, g_free);
      }
  if (chain_workspace_get_key_store (workspace, NULL, &store, &location) && store == CHAIN_KEY_STORE_PKCS11)
    return location;
  g_free (location);
  return NULL;
}

char *
custody_pin_prompt_describe_wrong_pin (CustodySession *session,
                                       const char     *officer)
{
  ChainWorkspace *workspace = session != NULL ? custody_session_get_workspace (session) : NULL;
  g_autofree char *uri = workspace != NULL ? token_uri_of (workspace, officer) : NULL;
  g_autoptr(ChainKeyToken) token = uri != NULL ? chain_key_find_token (uri, NULL) : NULL;
  const char *tries = token != NULL ? custody_pin_prompt_describe_tries (chain_key_token_get_pin_state (token)) : "";

  if (token != NULL && chain_key_token_get_pin_state (token) == CHAIN_KEY_TOKEN_PIN_LOCKED)
    return g_strdup (tries);
  if (tries[0] == '\0')
    return g_strdup (_("Wrong PIN: the token refused it. Try again."));
  /* Translators: %s is a sentence on the tries left before the PIN locks. */
  return g_strdup_printf (_("Wrong PIN: the token refused it. %s Try again."), tries);
}
