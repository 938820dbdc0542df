/* cli-passphrase.c — where the `chain` command gets passphrases */
#include "chain-cli.h"

#define PASSPHRASE_VARIABLE "CHAIN_PASSPHRASE"

ChainSecret *
chain_cli_get_passphrase (const ChainCliGlobals *globals,
                          const char            *prompt,
                          GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  ChainSecret *secret = NULL;

  if (globals->passphrase_file != NULL)
    return chain_secret_new_from_file (globals->passphrase_file, error);

  if (g_getenv (PASSPHRASE_VARIABLE) != NULL)
    return chain_secret_new_from_env (PASSPHRASE_VARIABLE, error);

  secret = chain_secret_new_from_terminal (prompt, &local_error);
  if (secret == NULL && g_error_matches (local_error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                   /* Translators: %s is an environment variable's name. */
                   _("no passphrase: give --passphrase-file FILE or set %s (there is no terminal to ask on)"),
                   PASSPHRASE_VARIABLE);
      return NULL;
    }
  if (secret == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return secret;
}

#define PIN_VARIABLE "CHAIN_PIN"

ChainSecret *
chain_cli_get_pin (const ChainCliGlobals *globals,
                   GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  ChainSecret *secret = NULL;

  if (globals->pin_file != NULL)
    return chain_secret_new_from_file (globals->pin_file, error);

  if (g_getenv (PIN_VARIABLE) != NULL)
    return chain_secret_new_from_env (PIN_VARIABLE, error);

  secret = chain_secret_new_from_terminal (_("Token PIN: "), &local_error);
  if (secret == NULL && g_error_matches (local_error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                   /* Translators: %s is an environment variable's name. */
                   _("no token PIN: give --pin-file FILE or set %s (there is no terminal to ask on)"),
                   PIN_VARIABLE);
      return NULL;
    }
  if (secret == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return secret;
}

gboolean
chain_cli_get_key_secrets (const ChainCliGlobals *globals,
                           const char            *key_store,
                           const char            *prompt,
                           ChainSecret          **out_passphrase,
                           ChainSecret          **out_pin,
                           GError               **error)
{
  *out_passphrase = NULL;
  *out_pin = NULL;
  if (key_store == NULL || g_strcmp0 (key_store, "file") == 0)
    {
      *out_passphrase = chain_cli_get_passphrase (globals, prompt, error);
      return *out_passphrase != NULL;
    }
  if (g_str_has_prefix (key_store, "pkcs11:"))
    {
      *out_pin = chain_cli_get_pin (globals, error);
      return *out_pin != NULL;
    }
  return TRUE;
}
