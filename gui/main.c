/* main.c — Custody, the GTK 4 desktop app for the OEM security officer */
#include <glib/gi18n.h>
#include <locale.h>

#include "chain.h"
#include "custody-application.h"
#include "custody-config.h"
#include "custody-test-script.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CustodyApplication) app = NULL;
  int status;

  /* Before anything is created: no group- or world-writable ledger. */
  chain_workspace_restrict_umask ();
  setlocale (LC_ALL, "");
  chain_i18n_init ();
  textdomain (CHAIN_GETTEXT_PACKAGE);
  g_set_application_name (_("Custody"));

  /* Counts warnings and criticals, which fail a test script. */
  custody_test_script_install_log_writer ();

  app = custody_application_new ();
  status = g_application_run (G_APPLICATION (app), argc, argv);
  if (status == 0)
    status = custody_application_get_test_status (app);
  return status;
}
