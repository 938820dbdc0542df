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
