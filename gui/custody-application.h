/* custody-application.h — Custody, the app: windows, app actions, settings */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CUSTODY_TYPE_APPLICATION (custody_application_get_type ())
G_DECLARE_FINAL_TYPE (CustodyApplication, custody_application, CUSTODY, APPLICATION, AdwApplication)

/**
 * custody_application_init_locale:
 *
 * Sets the locale, the message catalogs (libchain's and Custody's share
 * one domain) and the application name: first thing in main().
 */
void custody_application_init_locale (void);

/**
 * custody_application_new:
 * @schema: the schema of Custody's settings (custody_settings_find_schema()).
 *
 * Returns: (transfer full): the app.
 */
CustodyApplication *custody_application_new (GSettingsSchema *schema);

/** Returns: (transfer none): the app's settings, from startup on. */
GSettings *custody_application_get_settings (CustodyApplication *self);

G_END_DECLS
