/* main.c — Custody, the GTK 4 desktop app for the OEM security officer */
#include <glib/gi18n.h>

#include "chain.h"
#include "custody-application.h"
#include "custody-settings.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CustodyApplication) app = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GError) error = NULL;

  /* Before anything is created: no group- or world-writable ledger. */
  chain_workspace_restrict_umask ();
  custody_application_init_locale ();
  schema = custody_settings_find_schema (&error);
  if (schema == NULL)
    {
      /* TRANSLATORS: the app could not start; %s says why */
      g_printerr (_("custody: error: %s\n"), error->message);
      return 1;
    }
  app = custody_application_new (schema);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
