/* custody-settings.h — where Custody's settings schema comes from */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * custody_settings_find_schema:
 * @error: set when no schema is found.
 *
 * Finds the schema of Custody's settings (org.libchain.Custody): the
 * installed one, or, when Custody runs from its build tree as the README
 * says (build/gui/custody), the one the build compiled into build/data.
 *
 * Returns: (transfer full) (nullable): the schema, or %NULL with @error set.
 */
GSettingsSchema *custody_settings_find_schema (GError **error);

G_END_DECLS
