/* custody-settings.c — where Custody's settings schema comes from
 *
 * GSettings aborts the process when a schema is missing, and a build tree
 * installs none: so the app looks the schema up itself, first where GLib
 * looks, then beside the running binary, where meson compiled it.
 */
#include "custody-settings.h"

#include <glib/gi18n.h>

#include "custody-config.h"

/* build/gui/custody → build/data, where data/meson.build compiles the schema. */
static GSettingsSchemaSource *
build_tree_source (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *bindir = NULL;
  g_autofree char *datadir = NULL;
  g_autofree char *compiled = NULL;

  if (exe == NULL)
    return NULL;
  bindir = g_path_get_dirname (exe);
  datadir = g_build_filename (bindir, "..", "data", NULL);
  compiled = g_build_filename (datadir, "gschemas.compiled", NULL);
  if (!g_file_test (compiled, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_settings_schema_source_new_from_directory (datadir, g_settings_schema_source_get_default (), FALSE,
                                                      NULL);
}

GSettingsSchema *
custody_settings_find_schema (GError **error)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) build_tree = NULL;
  GSettingsSchema *schema = NULL;

  if (installed != NULL)
    schema = g_settings_schema_source_lookup (installed, APPLICATION_ID, TRUE);
  if (schema != NULL)
    return schema;
  build_tree = build_tree_source ();
  if (build_tree != NULL)
    schema = g_settings_schema_source_lookup (build_tree, APPLICATION_ID, FALSE);
  if (schema != NULL)
    return schema;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               /* TRANSLATORS: %s is the schema id, org.libchain.Custody */
               _("the settings schema %s is not installed: install Custody with meson install, "
                 "or run it from its build tree as build/gui/custody"),
               APPLICATION_ID);
  return NULL;
}
