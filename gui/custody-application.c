/* custody-application.c — Custody, the app: windows, app actions, settings
 *
 * Arguments are workspace directories to open. The tests' build of the
 * app (tests/gui/custody-test-main.c) adds a script runner from outside;
 * nothing of it is in the installed app.
 */
#include "custody-application.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "chain.h"
#include "custody-config.h"
#include "custody-window.h"

struct _CustodyApplication {
  AdwApplication   parent_instance;
  GSettingsSchema *schema;
  GSettings       *settings;
};

G_DEFINE_FINAL_TYPE (CustodyApplication, custody_application, ADW_TYPE_APPLICATION)

static CustodyWindow *
get_window (CustodyApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (CUSTODY_IS_WINDOW (window))
    return CUSTODY_WINDOW (window);
  return custody_window_new (ADW_APPLICATION (self));
}

static void
custody_application_activate (GApplication *application)
{
  CustodyWindow *window = get_window (CUSTODY_APPLICATION (application));

  gtk_window_present (GTK_WINDOW (window));
}

static void
custody_application_open (GApplication  *application,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  CustodyApplication *self = CUSTODY_APPLICATION (application);
  CustodyWindow *window = get_window (self);
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;

  gtk_window_present (GTK_WINDOW (window));
  if (path != NULL)
    custody_window_open_workspace (window, path);
}

/* ---- App actions ---------------------------------------------------------------- */

static void
action_quit (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (user_data));

  /* Close, so each window saves its state and stops its work. */
  while (windows != NULL)
    {
      GList *next = windows->next;

      gtk_window_close (windows->data);
      windows = next;
    }
}

static void
action_about (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  CustodyApplication *self = user_data;
  const char *developers[] = { "The libchain authors", NULL };

  adw_show_about_window (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "application-name", _("Custody"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The libchain authors"),
                         "developers", developers,
                         "comments", _("Delegated X.509 signing across a manufacturing supply chain, "
                                       "with every step kept as a signed record in a git ledger."),
                         "website", "https://libchain.example.org",
                         "issue-url", "https://libchain.example.org/issues",
                         "license-type", GTK_LICENSE_LGPL_2_1,
                         "copyright", "© The libchain authors",
                         /* TRANSLATORS: your name and address, one translator a line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static gboolean
scheme_from_setting (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  const char *scheme = g_variant_get_string (variant, NULL);

  if (g_str_equal (scheme, "light"))
    g_value_set_enum (value, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_str_equal (scheme, "dark"))
    g_value_set_enum (value, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    g_value_set_enum (value, ADW_COLOR_SCHEME_DEFAULT);
  return TRUE;
}

static GVariant *
scheme_to_setting (const GValue       *value,
                   const GVariantType *type,
                   gpointer            user_data)
{
  switch (g_value_get_enum (value))
    {
    case ADW_COLOR_SCHEME_FORCE_LIGHT:
      return g_variant_new_string ("light");
    case ADW_COLOR_SCHEME_FORCE_DARK:
      return g_variant_new_string ("dark");
    default:
      return g_variant_new_string ("default");
    }
}

static gboolean
index_from_scheme (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  const char *scheme = g_variant_get_string (variant, NULL);

  g_value_set_uint (value, g_str_equal (scheme, "light") ? 1 : g_str_equal (scheme, "dark") ? 2 : 0);
  return TRUE;
}

static GVariant *
scheme_from_index (const GValue       *value,
                   const GVariantType *type,
                   gpointer            user_data)
{
  const char *schemes[] = { "default", "light", "dark" };

  return g_variant_new_string (schemes[MIN (g_value_get_uint (value), 2)]);
}

static void
action_preferences (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CustodyApplication *self = user_data;
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *tree_group = adw_preferences_group_new ();
  GtkWidget *look_group = adw_preferences_group_new ();
  GtkWidget *expiry = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (1, 3650, 1);
  GtkWidget *style = adw_combo_row_new ();
  const char *styles[] = { _("Follow System"), _("Light"), _("Dark"), NULL };
  g_autoptr(GtkStringList) style_model = gtk_string_list_new (styles);

  gtk_window_set_transient_for (GTK_WINDOW (window), gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("General"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "preferences-system-symbolic");
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (tree_group), _("Custody Tree"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expiry), _("Expiry warning (days)"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (expiry), _("A CA expiring within this many days is marked"));
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (expiry), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (expiry), spin);
  g_settings_bind (self->settings, "expiry-window-days",
                   gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (spin)), "value", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (tree_group), expiry);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (look_group), _("Appearance"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (style), _("Style"));
  adw_combo_row_set_model (ADW_COMBO_ROW (style), G_LIST_MODEL (style_model));
  g_settings_bind_with_mapping (self->settings, "color-scheme", style, "selected", G_SETTINGS_BIND_DEFAULT,
                                index_from_scheme, scheme_from_index, NULL, NULL);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (look_group), style);

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (tree_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (look_group));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (window));
}

static const GActionEntry app_entries[] = {
  { "quit", action_quit },
  { "about", action_about },
  { "preferences", action_preferences },
};

static void
custody_application_startup (GApplication *application)
{
  CustodyApplication *self = CUSTODY_APPLICATION (application);
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.create", { "<Control>n", NULL } },
    { "win.close", { "<Control>w", NULL } },
    { "win.refresh", { "F5", "<Control>r", NULL } },
    { "win.import-request", { "<Control>i", NULL } },
    { "win.delegate", { "<Control>d", NULL } },
    { "win.export", { "<Control>e", NULL } },
    { "win.audit", { "<Control><Shift>a", NULL } },
    { "win.sync", { "<Control><Shift>s", NULL } },
    { "win.officers", { "<Control><Shift>o", NULL } },
    { "win.annotate", { "<Control><Shift>n", NULL } },
    { "win.find", { "<Control>f", NULL } },
    { "win.go-to-record", { "<Control>l", NULL } },
    { "win.lookup-device", { "<Control><Shift>f", NULL } },
    { "win.back", { "<Alt>Left", NULL } },
    { "win.show-page::custody", { "<Alt>1", NULL } },
    { "win.show-page::requests", { "<Alt>2", NULL } },
    { "win.show-page::ledger", { "<Alt>3", NULL } },
    { "win.show-page::audit", { "<Alt>4", NULL } },
    { "win.show-page::charts", { "<Alt>5", NULL } },
  };
  gsize i;

  G_APPLICATION_CLASS (custody_application_parent_class)->startup (application);

  self->settings = g_settings_new_full (self->schema, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "color-scheme", adw_style_manager_get_default (), "color-scheme",
                                G_SETTINGS_BIND_GET, scheme_from_setting, scheme_to_setting, NULL, NULL);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  for (i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);
}

static void
custody_application_finalize (GObject *object)
{
  CustodyApplication *self = CUSTODY_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->schema, g_settings_schema_unref);
  G_OBJECT_CLASS (custody_application_parent_class)->finalize (object);
}

static void
custody_application_class_init (CustodyApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = custody_application_finalize;
  application_class->activate = custody_application_activate;
  application_class->open = custody_application_open;
  application_class->startup = custody_application_startup;
}

static void
custody_application_init (CustodyApplication *self)
{
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[WORKSPACE]"));
}

GSettings *
custody_application_get_settings (CustodyApplication *self)
{
  g_return_val_if_fail (CUSTODY_IS_APPLICATION (self), NULL);
  return self->settings;
}

void
custody_application_init_locale (void)
{
  setlocale (LC_ALL, "");
  chain_i18n_init ();
  textdomain (CHAIN_GETTEXT_PACKAGE);
  g_set_application_name (_("Custody"));
}

CustodyApplication *
custody_application_new (GSettingsSchema *schema)
{
  CustodyApplication *self = NULL;

  g_return_val_if_fail (schema != NULL, NULL);

  self = g_object_new (CUSTODY_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/libchain/Custody",
                       NULL);
  self->schema = g_settings_schema_ref (schema);
  return self;
}
