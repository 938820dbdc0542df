/* custody-error-text.c — an error as Custody shows it */
#include "custody-error-text.h"

#include <glib/gi18n.h>

#include "chain.h"

/* What to do in the app, naming its actions as the menus do. */
static const char *
remedy (const GError *error)
{
  if (error->domain != CHAIN_ERROR)
    return NULL;
  switch (error->code)
    {
    case CHAIN_ERROR_NOT_JOINED:
      return _("Open the workspace that accepted the parent custodian’s grant, or accept the grant in this one first.");
    case CHAIN_ERROR_LEDGER_BEHIND:
      /* TRANSLATORS: the two names are main-menu items, without their mnemonics */
      return _("Bring the ledger up to date with Sync With Remote… or Import Bundle File…, then try again.");
    case CHAIN_ERROR_LEDGER_DAMAGED:
      return _("Run the audit on the Audit page to see what is wrong.");
    case CHAIN_ERROR_JOINED_ALREADY:
      /* TRANSLATORS: the two names are main-menu items, without their mnemonics */
      return _("Updates come with Sync With Remote… or Import Bundle File….");
    case CHAIN_ERROR_KEY_ABSENT:
      return _("Insert the security token that holds the key, then try again.");
    default:
      return NULL;
    }
}

char *
custody_error_dup_message (const GError *error)
{
  const char *what_to_do = NULL;

  if (error == NULL)
    return NULL;
  what_to_do = remedy (error);
  if (what_to_do == NULL)
    return g_strdup (error->message);
  /* TRANSLATORS: an error's message, then what to do about it in Custody */
  return g_strdup_printf (_("%s. %s"), error->message, what_to_do);
}
