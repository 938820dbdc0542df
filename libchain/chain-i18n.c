/* chain-i18n.c — binding the message catalogs once */
#include "chain-i18n-private.h"

#include <libintl.h>

void
chain_i18n_init (void)
{
  static gsize bound = 0;

  if (g_once_init_enter (&bound))
    {
      const char *dir = g_getenv ("CHAIN_LOCALEDIR");

      bindtextdomain (CHAIN_GETTEXT_PACKAGE, dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
      bind_textdomain_codeset (CHAIN_GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&bound, 1);
    }
}

const char *
chain_i18n_gettext (const char *msgid)
{
  chain_i18n_init ();
  return g_dgettext (CHAIN_GETTEXT_PACKAGE, msgid);
}

const char *
chain_i18n_ngettext (const char *msgid,
                     const char *msgid_plural,
                     gulong      n)
{
  chain_i18n_init ();
  return g_dngettext (CHAIN_GETTEXT_PACKAGE, msgid, msgid_plural, n);
}
