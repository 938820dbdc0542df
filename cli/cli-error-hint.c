/* cli-error-hint.c — the command that fixes an error, for the CLI's line
 *
 * libchain says what is missing (CHAIN_ERROR_NOT_JOINED and its kin) and
 * leaves the remedy to the front end: here it is a chain command, in
 * Custody the name of an action.
 */
#include "chain-cli.h"

const char *
chain_cli_error_hint (const GError *error)
{
  if (error == NULL || error->domain != CHAIN_ERROR)
    return NULL;
  switch (error->code)
    {
    case CHAIN_ERROR_NOT_JOINED:
      /* Translators: keep "chain accept GRANT"; appended to an error after "; " */
      return _("run 'chain accept GRANT' first");
    case CHAIN_ERROR_LEDGER_BEHIND:
      /* Translators: keep "chain sync"; appended to an error after "; " */
      return _("run 'chain sync' and try again");
    case CHAIN_ERROR_LEDGER_DAMAGED:
      /* Translators: keep "chain audit"; appended to an error after "; " */
      return _("run 'chain audit' for the full report");
    case CHAIN_ERROR_JOINED_ALREADY:
      /* Translators: keep the two commands; appended to an error after "; " */
      return _("use 'chain sync' or 'chain bundle import' for updates");
    case CHAIN_ERROR_KEY_ABSENT:
      /* Translators: keep the command; appended to an error after "; " */
      return _("insert the token, or list tokens and keys with 'chain key list --pin-file FILE'");
    default:
      return NULL;
    }
}
