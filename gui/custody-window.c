/* custody-window.c — the main window: custody tree, requests, ledger, audit */
#include "custody-window-private.h"
#include "custody-run-notice.h"

#include <glib/gi18n.h>

#include "custody-application.h"
#include "custody-config.h"
#include "custody-trace.h"
#include "custody-widgets.h"

/* How many recent workspaces the welcome page offers. */
#define MAX_RECENT 8

G_DEFINE_FINAL_TYPE (CustodyWindow, custody_window, ADW_TYPE_APPLICATION_WINDOW)

AdwLeaflet *
custody_window_get_current_leaflet (CustodyWindow *self)
{
  GtkWidget *page = adw_view_stack_get_visible_child (self->view_stack);

  if (!custody_session_get_is_open (self->session))
    return NULL;
  if (page == GTK_WIDGET (self->tree_page))
    return custody_tree_page_get_leaflet (self->tree_page);
  if (page == GTK_WIDGET (self->inbox_page))
    return custody_inbox_page_get_leaflet (self->inbox_page);
  if (page == GTK_WIDGET (self->timeline_page))
    return custody_timeline_page_get_leaflet (self->timeline_page);
  return NULL;
}

/* The back button shows when a folded page shows its details. */
static void
update_back_now (CustodyWindow *self)
{
  AdwLeaflet *leaflet = custody_window_get_current_leaflet (self);
  gboolean back = leaflet != NULL && adw_leaflet_get_folded (leaflet)
                  && g_strcmp0 (adw_leaflet_get_visible_child_name (leaflet), "details") == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->back_button), back);
  custody_window_update_actions (self);
}

static gboolean
update_back_idle (gpointer user_data)
{
  CustodyWindow *self = user_data;

  self->update_back_id = 0;
  update_back_now (self);
  return G_SOURCE_REMOVE;
}

/* Leaflets say they folded while they are being laid out: change the
 * header only once that is over. */
static void
update_back (CustodyWindow *self)
{
  if (self->update_back_id == 0)
    self->update_back_id = g_idle_add (update_back_idle, self);
}

static void
update_recent (CustodyWindow *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-workspaces");
  GtkWidget *child = NULL;
  guint i;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL)
    gtk_list_box_remove (self->recent_list, child);
  for (i = 0; recent[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");
      g_autofree char *name = g_path_get_basename (recent[i]);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), recent[i]);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "dir", g_strdup (recent[i]), g_free);
      gtk_list_box_append (self->recent_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_list), recent[0] != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->recent_label), recent[0] != NULL);
}

static void
on_recent_activated (GtkListBox    *list,
                     GtkListBoxRow *row,
                     CustodyWindow *self)
{
  custody_window_open_workspace (self, g_object_get_data (G_OBJECT (row), "dir"));
}

static void
remember (CustodyWindow *self,
          const char    *dir)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-workspaces");
  g_auto(GStrv) updated = NULL;

  if (recent[0] != NULL && g_str_equal (recent[0], dir))
    return;
  updated = custody_recent_add ((const char *const *) recent, dir, MAX_RECENT);
  g_settings_set_strv (self->settings, "recent-workspaces", (const char *const *) updated);
}

/* On a narrow window the pages' switcher moves from the header to the
 * bottom. The title says so while it is laid out: move it after that. */
static gboolean
update_switcher_bar_idle (gpointer user_data)
{
  CustodyWindow *self = user_data;

  self->update_bar_id = 0;
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    custody_session_get_is_open (self->session)
                                    && adw_view_switcher_title_get_title_visible (self->switcher_title));
  return G_SOURCE_REMOVE;
}

static void
update_switcher_bar (CustodyWindow *self)
{
  if (self->update_bar_id == 0)
    self->update_bar_id = g_idle_add (update_switcher_bar_idle, self);
}

static void
on_open_changed (CustodyWindow *self)
{
  gboolean open = custody_session_get_is_open (self->session);
  const char *title = custody_session_get_title (self->session);

  gtk_stack_set_visible_child_name (self->main_stack, open ? "workspace" : "welcome");
  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, open);
  /* With no workspace there are no pages to switch: without a stack the
   * switcher draws nothing under the title (libadwaita 1.2 crossfades the
   * disabled switcher into the title, both showing). */
  adw_view_switcher_title_set_stack (self->switcher_title, open ? self->view_stack : NULL);
  update_switcher_bar (self);
  adw_view_switcher_title_set_title (self->switcher_title, open ? title : _("Custody"));
  adw_view_switcher_title_set_subtitle (self->switcher_title, open ? custody_session_get_subtitle (self->session) : NULL);
  gtk_window_set_title (GTK_WINDOW (self), open ? title : _("Custody"));
  if (open)
    remember (self, custody_session_get_dir (self->session));
  update_back (self);
}

static void
on_busy_changed (CustodyWindow *self)
{
  gboolean busy = custody_session_get_busy (self->session);

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->spinner), custody_session_get_busy_label (self->session));
  custody_window_update_actions (self);
}

static gboolean
workspace_file_exists (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "workspace.json", NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CustodyWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!custody_session_finish (CUSTODY_SESSION (source), result, &message, &error))
    {
      /* libchain's message for a folder without a workspace speaks of the
       * command line; the window says what to do in the window. */
      if (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND) && self->opening_dir != NULL
          && !workspace_file_exists (self->opening_dir))
        {
          g_autoptr(GError) plain = g_error_new (CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                                                 _("%s holds no workspace. Open the folder of a workspace, "
                                                   "or make one with New Workspace…"), self->opening_dir);

          custody_show_error (GTK_WIDGET (self), _("Could Not Open the Workspace"), plain);
        }
      else
        custody_show_error (GTK_WIDGET (self), _("Could Not Open the Workspace"), error);
    }
  else
    {
      custody_trace_mark ("open-done");
      custody_trace_next_paint (GTK_WIDGET (self), "workspace-frame");
      custody_window_toast (self, message);
    }
}

void
custody_window_open_workspace (CustodyWindow *self,
                               const char    *dir)
{
  g_return_if_fail (CUSTODY_IS_WINDOW (self));

  g_free (self->opening_dir);
  self->opening_dir = g_strdup (dir);
  custody_trace_mark ("open-start");
  custody_session_open_async (self->session, dir, on_opened, g_object_ref (self));
}

void
custody_window_toast_output (CustodyWindow *self,
                             const char    *message,
                             const char    *folder)
{
  g_return_if_fail (CUSTODY_IS_WINDOW (self));

  custody_window_toast (self, message);
  if (self->last_toast == NULL || folder == NULL)
    return;
  /* One button a toast: it opens Copy Path and Open Folder. */
  adw_toast_set_button_label (self->last_toast, _("Show _Location…"));
  adw_toast_set_action_target_value (self->last_toast, g_variant_new_string (folder));
  adw_toast_set_action_name (self->last_toast, "win.show-output");
  /* Time to read where it went and reach for the button. */
  adw_toast_set_timeout (self->last_toast, 0);
}

void
custody_window_offer_action (CustodyWindow *self,
                             const char    *label,
                             const char    *action)
{
  g_return_if_fail (CUSTODY_IS_WINDOW (self));

  if (self->last_toast == NULL)
    return;
  adw_toast_set_button_label (self->last_toast, label);
  adw_toast_set_action_name (self->last_toast, action);
  adw_toast_set_timeout (self->last_toast, 0);
}

void
custody_window_toast (CustodyWindow *self,
                      const char    *message)
{
  AdwToast *toast = NULL;

  g_return_if_fail (CUSTODY_IS_WINDOW (self));

  if (message == NULL)
    return;
  /* The newest outcome replaces the last one rather than queue behind it. */
  if (self->last_toast != NULL)
    adw_toast_dismiss (self->last_toast);
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  g_set_weak_pointer (&self->last_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
custody_window_dismiss_toast (CustodyWindow *self)
{
  g_return_if_fail (CUSTODY_IS_WINDOW (self));

  if (self->last_toast != NULL)
    adw_toast_dismiss (self->last_toast);
}

CustodySession *
custody_window_get_session (CustodyWindow *self)
{
  g_return_val_if_fail (CUSTODY_IS_WINDOW (self), NULL);
  return self->session;
}

gboolean
custody_window_select (CustodyWindow *self,
                       const char    *page,
                       int            position)
{
  g_return_val_if_fail (CUSTODY_IS_WINDOW (self), FALSE);

  if (adw_view_stack_get_child_by_name (self->view_stack, page) == NULL)
    return FALSE;
  adw_view_stack_set_visible_child_name (self->view_stack, page);
  if (position < 0)
    return TRUE;
  if (g_str_equal (page, "custody"))
    return custody_tree_page_select (self->tree_page, (guint) position);
  if (g_str_equal (page, "requests"))
    return custody_inbox_page_select (self->inbox_page, (guint) position);
  if (g_str_equal (page, "ledger"))
    return custody_timeline_page_select (self->timeline_page, (guint) position);
  return FALSE;
}

gboolean
custody_window_show_record (CustodyWindow *self,
                            guint64        seq)
{
  g_return_val_if_fail (CUSTODY_IS_WINDOW (self), FALSE);

  adw_view_stack_set_visible_child_name (self->view_stack, "ledger");
  return custody_timeline_page_select_seq (self->timeline_page, seq);
}

static gboolean
custody_window_close_request (GtkWindow *window)
{
  CustodyWindow *self = CUSTODY_WINDOW (window);
  int width = 0;
  int height = 0;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  custody_audit_cancel (custody_session_get_audit (self->session));
  custody_session_cancel (self->session);
  return GTK_WINDOW_CLASS (custody_window_parent_class)->close_request (window);
}

static void
custody_window_dispose (GObject *object)
{
  CustodyWindow *self = CUSTODY_WINDOW (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_handle_id (&self->update_back_id, g_source_remove);
  g_clear_handle_id (&self->update_bar_id, g_source_remove);
  g_clear_weak_pointer (&self->last_toast);
  gtk_widget_dispose_template (GTK_WIDGET (self), CUSTODY_TYPE_WINDOW);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->opening_dir, g_free);
  G_OBJECT_CLASS (custody_window_parent_class)->dispose (object);
}

static void
custody_window_class_init (CustodyWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = custody_window_dispose;
  window_class->close_request = custody_window_close_request;

  g_type_ensure (CUSTODY_TYPE_TREE_PAGE);
  g_type_ensure (CUSTODY_TYPE_INBOX_PAGE);
  g_type_ensure (CUSTODY_TYPE_TIMELINE_PAGE);
  g_type_ensure (CUSTODY_TYPE_AUDIT_PAGE);
  g_type_ensure (CUSTODY_TYPE_CHARTS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/libchain/Custody/custody-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, requests_stack_page);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, recent_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, tree_page);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, inbox_page);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, timeline_page);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, audit_page);
  gtk_widget_class_bind_template_child (widget_class, CustodyWindow, charts_page);
  gtk_widget_class_bind_template_callback (widget_class, on_recent_activated);
}

static void
watch_leaflet (CustodyWindow *self,
               AdwLeaflet    *leaflet)
{
  g_signal_connect_object (leaflet, "notify::folded", G_CALLBACK (update_back), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (leaflet, "notify::visible-child", G_CALLBACK (update_back), self, G_CONNECT_SWAPPED);
}

static void
custody_window_init (CustodyWindow *self)
{
  CustodyInbox *inbox = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->session = custody_session_new ();
  inbox = custody_session_get_inbox (self->session);

  custody_tree_page_set_session (self->tree_page, self->session);
  custody_inbox_page_set_session (self->inbox_page, self->session);
  custody_timeline_page_set_session (self->timeline_page, self->session);
  custody_audit_page_set_session (self->audit_page, self->session);
  custody_charts_page_set_session (self->charts_page, self->session);

  g_signal_connect_swapped (self->switcher_title, "notify::title-visible", G_CALLBACK (update_switcher_bar), self);
  g_object_bind_property (inbox, "n-items", self->requests_stack_page, "badge-number", G_BINDING_SYNC_CREATE);
  g_object_bind_property (inbox, "n-items", self->requests_stack_page, "needs-attention", G_BINDING_SYNC_CREATE);

  watch_leaflet (self, custody_tree_page_get_leaflet (self->tree_page));
  watch_leaflet (self, custody_inbox_page_get_leaflet (self->inbox_page));
  watch_leaflet (self, custody_timeline_page_get_leaflet (self->timeline_page));
  g_signal_connect_swapped (self->view_stack, "notify::visible-child", G_CALLBACK (update_back), self);
  g_signal_connect_swapped (self->session, "notify::is-open", G_CALLBACK (on_open_changed), self);
  g_signal_connect_swapped (self->session, "notify::title", G_CALLBACK (on_open_changed), self);
  g_signal_connect_swapped (self->session, "notify::busy", G_CALLBACK (on_busy_changed), self);
  g_signal_connect_swapped (self->session, "changed", G_CALLBACK (custody_window_update_actions), self);
  g_signal_connect_swapped (self->session, "notice", G_CALLBACK (custody_run_notice_show), self);
  g_signal_connect_swapped (custody_session_get_audit (self->session), "notify::running",
                            G_CALLBACK (custody_window_update_actions), self);
  g_signal_connect_swapped (self->tree_page, "selection-changed", G_CALLBACK (custody_window_update_actions), self);
  g_signal_connect_swapped (self->inbox_page, "selection-changed", G_CALLBACK (custody_window_update_actions), self);
  custody_window_install_actions (self);
  custody_trace_next_paint (GTK_WIDGET (self), "window-frame");
}

/* The app's settings: the app found their schema (maybe in the build tree). */
static void
use_settings (CustodyWindow *self,
              GSettings     *settings)
{
  self->settings = g_object_ref (settings);
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  g_settings_bind (self->settings, "expiry-window-days", self->session, "expiry-window-days",
                   G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->settings, "changed::recent-workspaces", G_CALLBACK (update_recent), self,
                           G_CONNECT_SWAPPED);
  update_recent (self);
  on_open_changed (self);
}

CustodyWindow *
custody_window_new (AdwApplication *application)
{
  CustodyWindow *self = g_object_new (CUSTODY_TYPE_WINDOW, "application", application, NULL);

  use_settings (self, custody_application_get_settings (CUSTODY_APPLICATION (application)));
  return self;
}
