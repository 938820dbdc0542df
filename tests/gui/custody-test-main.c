/* custody-test-main.c — Custody with a test script, for the GUI suite
 *
 * The same app as the installed `custody` (gui/main.c), plus what only
 * the tests need: --test-script=FILE runs a script of steps against the
 * window (custody-test-script.c) and exits with its verdict, and a log
 * writer counts GTK's warnings so a script that logged one fails. Built
 * for test-gui-app under Xvfb; never installed.
 */
#include <glib/gi18n.h>

#include "custody-application.h"
#include "custody-settings.h"
#include "custody-test-script.h"
#include "custody-window.h"

typedef struct {
  char *script;
  int   status;
} TestRun;

static int
on_handle_local_options (GApplication *application,
                         GVariantDict *options,
                         TestRun      *run)
{
  /* Each run its own process, beside any Custody the desktop runs. */
  if (g_variant_dict_lookup (options, "test-script", "^ay", &run->script))
    g_application_set_flags (application, g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);
  return -1;
}

static void
on_script_done (int      status,
                gpointer user_data)
{
  TestRun *run = g_object_get_data (user_data, "custody-test-run");

  run->status = status;
  g_application_quit (user_data);
}

/* After the app's own activate: its window is up. */
static void
on_activate (GApplication *application,
             TestRun      *run)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));
  g_autofree char *script = g_steal_pointer (&run->script);

  if (script != NULL && CUSTODY_IS_WINDOW (window))
    custody_test_script_start (CUSTODY_WINDOW (window), script, on_script_done, application);
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry options[] = {
    { "test-script", 0, 0, G_OPTION_ARG_FILENAME, NULL, "Run a test script against the window, then quit", "FILE" },
    { NULL },
  };
  g_autoptr(CustodyApplication) app = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GError) error = NULL;
  TestRun run = { NULL, 0 };
  int status;

  custody_application_init_locale ();
  custody_test_script_install_log_writer ();
  schema = custody_settings_find_schema (&error);
  if (schema == NULL)
    {
      g_printerr ("custody-test: %s\n", error->message);
      return 1;
    }
  app = custody_application_new (schema);
  g_object_set_data (G_OBJECT (app), "custody-test-run", &run);
  g_application_add_main_option_entries (G_APPLICATION (app), options);
  g_signal_connect (app, "handle-local-options", G_CALLBACK (on_handle_local_options), &run);
  g_signal_connect_after (app, "activate", G_CALLBACK (on_activate), &run);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  g_free (run.script);
  return status != 0 ? status : run.status;
}
