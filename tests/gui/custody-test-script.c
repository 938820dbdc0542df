/* custody-test-script.c — drive the real window from a script, for the tests (built only into custody-test) */
#include "custody-test-script.h"
#include "custody-chart.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#include "custody-annotate-dialog.h"
#include "custody-export-dialog.h"
#include "custody-init-dialog.h"
#include "custody-passphrase-dialog.h"
#include "custody-trace.h"
#include "custody-window-private.h"

/* A step that waits gives up after this long: the test then fails
 * instead of hanging. It bounds a hang; it is not a timing assertion. */
#define WAIT_LIMIT_US (180 * G_USEC_PER_SEC)

static guint n_warnings;

static GLogWriterOutput
count_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    g_atomic_int_inc (&n_warnings);
  return g_log_writer_default (level, fields, n_fields, user_data);
}

void
custody_test_script_install_log_writer (void)
{
  g_log_set_writer_func (count_writer, NULL, NULL);
}

typedef struct {
  CustodyWindow         *window;
  char                  *path;
  CustodyTestScriptDone  done;
  gpointer               user_data;
} Script;

/* ---- Waiting ---------------------------------------------------------------- */

static GtkWindow *top_window (CustodyWindow *window);

static gboolean
idle_now (CustodyWindow *window)
{
  CustodySession *session = custody_window_get_session (window);

  return !custody_session_get_busy (session) && !custody_audit_get_running (custody_session_get_audit (session))
         && !custody_passphrase_dialog_get_checking (top_window (window));
}

static void
on_after_paint (GdkFrameClock *clock,
                guint         *frames)
{
  (*frames)++;
}

/* The window a person would be looking at: the newest one shown. */
static GtkWindow *
top_window (CustodyWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWindow *top = GTK_WINDOW (window);
  guint i;

  for (i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) candidate = g_list_model_get_item (toplevels, i);

      if (gtk_widget_get_mapped (GTK_WIDGET (candidate)) && candidate != GTK_WINDOW (window))
        top = candidate;
    }
  return top;
}

/* Runs the main loop until nothing is busy and the window on top painted
 * two frames. */
static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
settle (CustodyWindow *window)
{
  gint64 limit = g_get_monotonic_time () + WAIT_LIMIT_US;
  g_autoptr(GtkWindow) top = NULL;
  GdkFrameClock *clock = NULL;
  guint frames = 0;
  gulong handler;
  /* So a blocking iteration comes back to check the limit. */
  g_autoptr(GSource) ticker = g_timeout_source_new (250);

  g_source_set_callback (ticker, wake_up, NULL, NULL);
  g_source_attach (ticker, NULL);

  while (!idle_now (window) || g_main_context_pending (NULL))
    {
      if (g_get_monotonic_time () > limit)
        {
          g_source_destroy (ticker);
          return FALSE;
        }
      g_main_context_iteration (NULL, !idle_now (window));
    }
  top = g_object_ref (top_window (window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (top));
  if (clock == NULL)
    {
      g_source_destroy (ticker);
      return TRUE;
    }
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &frames);
  while (frames < 2 && g_get_monotonic_time () < limit)
    {
      gtk_widget_queue_draw (GTK_WIDGET (top));
      g_main_context_iteration (NULL, TRUE);
    }
  g_signal_handler_disconnect (clock, handler);
  g_source_destroy (ticker);
  return frames >= 2;
}

/* ---- Looking at widgets ------------------------------------------------------ */

static gboolean
label_matches (const char *label,
               const char *wanted)
{
  g_autoptr(GString) plain = g_string_new (NULL);
  const char *p;

  for (p = label; p != NULL && *p != '\0'; p++)
    if (*p != '_')
      g_string_append_c (plain, *p);
  return g_str_equal (plain->str, wanted);
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  GtkWidget *child = NULL;

  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (GTK_IS_BUTTON (widget) && label_matches (gtk_button_get_label (GTK_BUTTON (widget)), label)
      && gtk_widget_is_sensitive (widget))
    return widget;
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* An entry row (or password entry row) titled @title. */
static GtkWidget *
find_entry_row (GtkWidget  *widget,
                const char *title)
{
  GtkWidget *child = NULL;

  if (ADW_IS_ENTRY_ROW (widget) && label_matches (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title))
    return widget;
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_entry_row (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A combo row titled @title. */
static GtkWidget *
find_combo_row (GtkWidget  *widget,
                const char *title)
{
  GtkWidget *child = NULL;

  if (ADW_IS_COMBO_ROW (widget) && label_matches (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title))
    return widget;
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_combo_row (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first mapped label showing @text. */
static GtkWidget *
find_label_widget (GtkWidget  *widget,
                   const char *text)
{
  GtkWidget *child = NULL;

  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return widget;
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_widget (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
find_label (GtkWidget  *widget,
            const char *text)
{
  GtkWidget *child = NULL;

  if (!gtk_widget_get_mapped (widget))
    return FALSE;
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return TRUE;
  if (GTK_IS_TEXT_VIEW (widget))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));
      GtkTextIter start;
      GtkTextIter end;
      g_autofree char *content = NULL;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      content = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      if (strstr (content, text) != NULL)
        return TRUE;
    }
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    if (find_label (child, text))
      return TRUE;
  return FALSE;
}

static gboolean
save_png (GtkWindow   *window,
          const char  *name,
          GError     **error)
{
  const char *dir = g_getenv ("CUSTODY_SCREENSHOT_DIR");
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (dir != NULL ? dir : ".", file, NULL);
  int width = gtk_widget_get_width (GTK_WIDGET (window));
  int height = gtk_widget_get_height (GTK_WIDGET (window));
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "nothing to draw in %s", name);
      return FALSE;
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
      return FALSE;
    }
  g_print ("screenshot %s (%dx%d)\n", path, width, height);
  return TRUE;
}

/* Moves the X server's real pointer (xdotool, through XTest) to the middle
 * of the label showing @text, and clicks there when @click: what a mouse
 * does, events and all, rather than a call into the widget. */
static gboolean
pointer_to_label (GtkWindow   *window,
                  const char  *text,
                  gboolean     click,
                  GError     **error)
{
#ifdef GDK_WINDOWING_X11
  GtkWidget *label = find_label_widget (GTK_WIDGET (window), text);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  graphene_point_t point;
  double dx = 0;
  double dy = 0;
  g_autofree char *xid = NULL;
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (label == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no label shows '%s'", text);
      return FALSE;
    }
  if (!GDK_IS_X11_SURFACE (surface))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "the pointer steps need X11 (xvfb-run)");
      return FALSE;
    }
  if (!gtk_widget_compute_point (label, GTK_WIDGET (window),
                                 &GRAPHENE_POINT_INIT (gtk_widget_get_width (label) / 2.0,
                                                       gtk_widget_get_height (label) / 2.0),
                                 &point))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "'%s' is not in the window", text);
      return FALSE;
    }
  /* Widget coordinates start inside the client-side shadow. */
  gtk_native_get_surface_transform (GTK_NATIVE (window), &dx, &dy);
  xid = g_strdup_printf ("%lu", (unsigned long) gdk_x11_surface_get_xid (surface));
  x = g_strdup_printf ("%d", (int) (point.x + dx));
  y = g_strdup_printf ("%d", (int) (point.y + dy));
  {
    const char *move[] = { "xdotool", "mousemove", "--sync", "--window", xid, x, y, NULL };
    const char *press[] = { "xdotool", "click", "1", NULL };

    if (!g_spawn_sync (NULL, (char **) move, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                       NULL, &err, &status, error))
      return FALSE;
    if (status == 0 && click)
      {
        g_clear_pointer (&err, g_free);
        if (!g_spawn_sync (NULL, (char **) press, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                           NULL, NULL, &err, &status, error))
          return FALSE;
      }
  }
  if (status != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "xdotool failed: %s", err);
      return FALSE;
    }
  return TRUE;
#else
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "the pointer steps need GTK's X11 backend");
  return FALSE;
#endif
}

/* Presses @key (an X keysym name, "Return") on the real keyboard with
 * @window focused, through xdotool as for the pointer. */
static gboolean
press_key (GtkWindow   *window,
           const char  *key,
           GError     **error)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_autofree char *xid = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!GDK_IS_X11_SURFACE (surface))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "the key step needs X11 (xvfb-run)");
      return FALSE;
    }
  xid = g_strdup_printf ("%lu", (unsigned long) gdk_x11_surface_get_xid (surface));
  {
    const char *argv[] = { "xdotool", "windowfocus", "--sync", xid, "key", "--clearmodifiers", key, NULL };

    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                       NULL, &err, &status, error))
      return FALSE;
  }
  if (status != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "xdotool failed: %s", err);
      return FALSE;
    }
  return TRUE;
#else
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "the key step needs GTK's X11 backend");
  return FALSE;
#endif
}

/* Whether the focus is in the widget titled @title: a preferences row,
 * a button, or an entry with that placeholder. */
static gboolean
focus_is_in (GtkWindow  *window,
             const char *title)
{
  GtkWidget *widget = NULL;

  for (widget = gtk_window_get_focus (window); widget != NULL; widget = gtk_widget_get_parent (widget))
    {
      if (ADW_IS_PREFERENCES_ROW (widget)
          && label_matches (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title))
        return TRUE;
      if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL
          && label_matches (gtk_button_get_label (GTK_BUTTON (widget)), title))
        return TRUE;
      if (GTK_IS_PASSWORD_ENTRY (widget) || GTK_IS_ENTRY (widget) || GTK_IS_SEARCH_ENTRY (widget))
        {
          g_autofree char *placeholder = NULL;

          g_object_get (widget, "placeholder-text", &placeholder, NULL);
          if (g_strcmp0 (placeholder, title) == 0)
            return TRUE;
        }
    }
  return FALSE;
}

static GtkWidget *
find_search_entry (GtkWidget *widget)
{
  GtkWidget *child = NULL;

  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_SEARCH_ENTRY (widget))
    return widget;
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_search_entry (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_button_by_tooltip (GtkWidget  *widget,
                        const char *tooltip)
{
  GtkWidget *child = NULL;

  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return widget;
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_by_tooltip (child, tooltip);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A mapped plain GtkListBoxRow (a line of details, not an entry or
 * action row) that Tab would stop on. */
static GtkWidget *
find_focusable_plain_row (GtkWidget *widget)
{
  GtkWidget *child = NULL;

  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (G_OBJECT_TYPE (widget) == GTK_TYPE_LIST_BOX_ROW
      && !gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (widget)) && gtk_widget_get_focusable (widget))
    return widget;
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_focusable_plain_row (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_dropdown (GtkWidget  *widget,
               const char *tooltip)
{
  GtkWidget *child = NULL;

  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_DROP_DOWN (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return widget;
  if (ADW_IS_COMBO_ROW (widget) && label_matches (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), tooltip))
    return widget;
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_dropdown (child, tooltip);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Selects the item showing @label in @dropdown (a dropdown or combo row
 * over a list of strings). */
static gboolean
choose_item (GtkWidget    *dropdown,
             const char   *label,
             GError      **error)
{
  GListModel *model = GTK_IS_DROP_DOWN (dropdown) ? gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown))
                                                  : adw_combo_row_get_model (ADW_COMBO_ROW (dropdown));
  guint i;

  for (i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), label) == 0)
        {
          if (GTK_IS_DROP_DOWN (dropdown))
            gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), i);
          else
            adw_combo_row_set_selected (ADW_COMBO_ROW (dropdown), i);
          return TRUE;
        }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the dropdown offers no '%s'", label);
  return FALSE;
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **out = user_data;

  *out = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*out == NULL)
    *out = g_strdup ("");
}

/* Whether @label shows hashes as custody-hex.h says: monospace markup,
 * and Pango told not to hyphenate where it wraps. */
static gboolean
shows_hash (GtkLabel *label)
{
  PangoAttrList *attributes = gtk_label_get_attributes (label);
  g_autoptr(GSList) list = attributes != NULL ? pango_attr_list_get_attributes (attributes) : NULL;
  gboolean unhyphenated = FALSE;
  GSList *l;

  for (l = list; l != NULL; l = l->next)
    {
      PangoAttribute *attribute = l->data;

      if (attribute->klass->type == PANGO_ATTR_INSERT_HYPHENS && !((PangoAttrInt *) attribute)->value)
        unhyphenated = TRUE;
    }
  g_slist_free_full (g_steal_pointer (&list), (GDestroyNotify) pango_attribute_destroy);
  return unhyphenated && gtk_label_get_use_markup (label)
         && strstr (gtk_label_get_label (label), "font_family=\"monospace\"") != NULL;
}

/* ---- Steps -------------------------------------------------------------------- */

static gboolean
activate_action (CustodyWindow *window,
                 const char    *name,
                 const char    *parameter,
                 GError       **error)
{
  GActionGroup *group = NULL;
  const char *short_name = NULL;
  g_autoptr(GVariant) value = parameter != NULL ? g_variant_new_string (parameter) : NULL;

  if (g_str_has_prefix (name, "win."))
    group = G_ACTION_GROUP (window);
  else if (g_str_has_prefix (name, "app."))
    group = G_ACTION_GROUP (gtk_window_get_application (GTK_WINDOW (window)));
  short_name = name + 4;
  if (g_str_equal (name, "win.show-help-overlay"))
    {
      /* GtkApplicationWindow's own action, outside the action map. */
      gtk_widget_activate_action (GTK_WIDGET (window), name, NULL);
      return TRUE;
    }
  if (group == NULL || !g_action_group_has_action (group, short_name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no action %s", name);
      return FALSE;
    }
  if (!g_action_group_get_action_enabled (group, short_name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "action %s is disabled", name);
      return FALSE;
    }
  g_action_group_activate_action (group, short_name, value != NULL ? g_variant_ref_sink (value) : NULL);
  return TRUE;
}

/* The chart of @kind under @widget, or NULL. */
static CustodyChart *
find_chart (GtkWidget       *widget,
            CustodyChartKind kind)
{
  if (CUSTODY_IS_CHART (widget) && custody_chart_get_kind (CUSTODY_CHART (widget)) == kind)
    return CUSTODY_CHART (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      CustodyChart *found = find_chart (child, kind);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
run_step (CustodyWindow *window,
          char         **words,
          GError       **error)
{
  guint n = g_strv_length (words);
  const char *verb = words[0];
  GtkWindow *top = top_window (window);

#define NEED(count) \
  G_STMT_START { if (n < (count)) { \
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s needs %d arguments", verb, (count) - 1); \
    return FALSE; } } G_STMT_END

  if (g_str_equal (verb, "wait"))
    {
      if (!settle (window))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the window did not settle");
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "open"))
    {
      NEED (2);
      custody_window_open_workspace (window, words[1]);
      settle (window);
      if (!custody_session_get_is_open (custody_window_get_session (window)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s did not open", words[1]);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "try-open"))
    {
      /* try-open DIR: as open, for a folder that is to fail. */
      NEED (2);
      custody_window_open_workspace (window, words[1]);
      return settle (window);
    }
  if (g_str_equal (verb, "size"))
    {
      NEED (3);
      gtk_window_set_default_size (GTK_WINDOW (window), atoi (words[1]), atoi (words[2]));
      return settle (window);
    }
  if (g_str_equal (verb, "style"))
    {
      NEED (2);
      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          g_str_equal (words[1], "dark") ? ADW_COLOR_SCHEME_FORCE_DARK
                                                                         : ADW_COLOR_SCHEME_FORCE_LIGHT);
      return TRUE;
    }
  if (g_str_equal (verb, "page") || g_str_equal (verb, "select"))
    {
      int row = -1;

      NEED (g_str_equal (verb, "page") ? 2 : 3);
      if (n > 2)
        {
          row = atoi (words[2]);
          if (row < 0 && g_str_equal (words[1], "ledger"))
            row += (int) g_list_model_get_n_items (G_LIST_MODEL (
                          custody_session_get_timeline (custody_window_get_session (window))));
        }
      if (!custody_window_select (window, words[1], row))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no row %d on page %s", row, words[1]);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "save-artifact"))
    {
      g_autoptr(GFile) file = NULL;

      /* save-artifact PATH: the Save… of the artifact on show, to PATH. */
      NEED (2);
      file = g_file_new_for_path (words[1]);
      return custody_timeline_page_save_artifact (window->timeline_page, file, error);
    }
  if (g_str_equal (verb, "save-report"))
    {
      g_autoptr(GFile) file = NULL;

      /* save-report PATH: the audit report's Save…, to PATH. */
      NEED (2);
      file = g_file_new_for_path (words[1]);
      return custody_audit_page_save_report (window->audit_page, file, error);
    }
  if (g_str_equal (verb, "artifact"))
    {
      NEED (2);
      if (!custody_timeline_page_show_artifact (window->timeline_page, (guint) atoi (words[1])))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no artifact %s", words[1]);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "action"))
    {
      NEED (2);
      return activate_action (window, words[1], n > 2 ? words[2] : NULL, error);
    }
  if (g_str_equal (verb, "import"))
    {
      g_autoptr(GFile) file = NULL;

      NEED (2);
      file = g_file_new_for_path (words[1]);
      custody_window_select (window, "requests", -1);
      if (!custody_inbox_page_import (window->inbox_page, file))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not import %s", words[1]);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "passphrase"))
    {
      g_autoptr(ChainSecret) secret = NULL;

      NEED (2);
      secret = chain_secret_new_from_file (words[1], error);
      if (secret == NULL)
        return FALSE;
      if (!custody_passphrase_dialog_fill (top, secret, n > 2 ? words[2] : NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no passphrase dialog (or officer) to fill");
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "code"))
    {
      NEED (2);
      if (!CUSTODY_IS_EXPORT_DIALOG (top))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the export dialog is not open");
          return FALSE;
        }
      custody_export_dialog_set_code (CUSTODY_EXPORT_DIALOG (top), words[1]);
      return TRUE;
    }
  if (g_str_equal (verb, "fill"))
    {
      g_autofree char *joined = NULL;
      g_auto(GStrv) parts = NULL;
      GtkWidget *row = NULL;

      /* fill TITLE = TEXT: the title may have blanks, so '=' ends it. */
      NEED (4);
      joined = g_strjoinv (" ", words + 1);
      parts = g_strsplit (joined, " = ", 2);
      if (parts[1] == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "fill wants TITLE = TEXT");
          return FALSE;
        }
      row = find_entry_row (GTK_WIDGET (top), parts[0]);
      if (row == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no entry row '%s'", parts[0]);
          return FALSE;
        }
      gtk_editable_set_text (GTK_EDITABLE (row), parts[1]);
      return TRUE;
    }
  if (g_str_equal (verb, "choose"))
    {
      g_autofree char *joined = NULL;
      g_auto(GStrv) parts = NULL;
      GtkWidget *dropdown = NULL;

      /* choose TOOLTIP = ITEM: pick ITEM in the dropdown whose tooltip is TOOLTIP. */
      NEED (4);
      joined = g_strjoinv (" ", words + 1);
      parts = g_strsplit (joined, " = ", 2);
      if (parts[1] == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "choose wants TOOLTIP = ITEM");
          return FALSE;
        }
      dropdown = find_dropdown (GTK_WIDGET (top), parts[0]);
      if (dropdown == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no dropdown '%s' on show", parts[0]);
          return FALSE;
        }
      return choose_item (dropdown, parts[1], error);
    }
  if (g_str_equal (verb, "choose-row"))
    {
      g_autofree char *joined = NULL;
      g_auto(GStrv) parts = NULL;
      GtkWidget *row = NULL;

      /* choose-row TITLE = N: item N of the combo row titled TITLE. */
      NEED (4);
      joined = g_strjoinv (" ", words + 1);
      parts = g_strsplit (joined, " = ", 2);
      row = parts[1] != NULL ? find_combo_row (GTK_WIDGET (top), parts[0]) : NULL;
      if (row == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no combo row '%s'", parts[0]);
          return FALSE;
        }
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), (guint) atoi (parts[1]));
      return TRUE;
    }
  if (g_str_equal (verb, "note"))
    {
      g_autofree char *text = NULL;

      NEED (2);
      if (!CUSTODY_IS_ANNOTATE_DIALOG (top))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the note dialog is not open");
          return FALSE;
        }
      text = g_strjoinv (" ", words + 1);
      custody_annotate_dialog_set_text (CUSTODY_ANNOTATE_DIALOG (top), text);
      return TRUE;
    }
  if (g_str_equal (verb, "folder"))
    {
      NEED (2);
      if (CUSTODY_IS_INIT_DIALOG (top))
        custody_init_dialog_set_dir (CUSTODY_INIT_DIALOG (top), words[1]);
      else if (CUSTODY_IS_EXPORT_DIALOG (top))
        custody_export_dialog_set_dir (CUSTODY_EXPORT_DIALOG (top), words[1]);
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no dialog with a folder to choose");
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "click"))
    {
      g_autofree char *label = NULL;
      GtkWidget *button = NULL;

      NEED (2);
      label = g_strjoinv (" ", words + 1);
      button = find_button (GTK_WIDGET (top), label);
      if (button == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no enabled button '%s'", label);
          return FALSE;
        }
      g_signal_emit_by_name (button, "clicked");
      return TRUE;
    }
  if (g_str_equal (verb, "expect-disabled"))
    {
      g_autofree char *label = NULL;

      NEED (2);
      label = g_strjoinv (" ", words + 1);
      if (find_button (GTK_WIDGET (top), label) != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the button '%s' is enabled", label);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "dismiss"))
    {
      custody_window_dismiss_toast (window);
      return TRUE;
    }
  if (g_str_equal (verb, "close"))
    {
      if (top == GTK_WINDOW (window))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no dialog to close");
          return FALSE;
        }
      gtk_window_close (top);
      return TRUE;
    }
  if (g_str_equal (verb, "publish-crl") || g_str_equal (verb, "bundle-create") || g_str_equal (verb, "bundle-import"))
    {
      NEED (2);
      if (g_str_equal (verb, "publish-crl"))
        custody_window_publish_crl (window, words[1]);
      else if (g_str_equal (verb, "bundle-create"))
        custody_window_bundle_create (window, words[1]);
      else
        custody_window_bundle_import (window, words[1]);
      return TRUE;
    }
  if (g_str_equal (verb, "scroll-on"))
    {
      g_autofree char *text = NULL;
      g_autofree char *err = NULL;
      int status = 0;
      const char *wheel[] = { "xdotool", "click", "--repeat", "6", "5", NULL };

      /* scroll-on TEXT: the mouse over the label showing TEXT, the wheel turned down. */
      NEED (2);
      text = g_strjoinv (" ", words + 1);
      if (!pointer_to_label (top, text, FALSE, error))
        return FALSE;
      if (!g_spawn_sync (NULL, (char **) wheel, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                         NULL, &err, &status, error))
        return FALSE;
      if (status != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "xdotool failed: %s", err);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "hover") || g_str_equal (verb, "click-on"))
    {
      g_autofree char *text = NULL;

      /* hover TEXT / click-on TEXT: the mouse over (or clicking) the label showing TEXT. */
      NEED (2);
      text = g_strjoinv (" ", words + 1);
      return pointer_to_label (top, text, g_str_equal (verb, "click-on"), error);
    }
  if (g_str_equal (verb, "expect-selected"))
    {
      g_autofree char *selected = NULL;

      /* expect-selected custody ID | requests ID | ledger #SEQ */
      NEED (3);
      if (g_str_equal (words[1], "custody") && custody_tree_page_get_selected (window->tree_page) != NULL)
        selected = g_strdup (custody_node_get_id (custody_tree_page_get_selected (window->tree_page)));
      else if (g_str_equal (words[1], "requests") && custody_inbox_page_get_selected (window->inbox_page) != NULL)
        selected = g_strdup (custody_request_get_custodian_id (custody_inbox_page_get_selected (window->inbox_page)));
      else if (g_str_equal (words[1], "ledger") && custody_timeline_page_get_selected (window->timeline_page) != NULL)
        selected = g_strdup_printf ("#%" G_GUINT64_FORMAT,
                                    custody_record_item_get_seq (custody_timeline_page_get_selected (window->timeline_page)));
      if (g_strcmp0 (selected, words[2]) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s has %s selected, not %s", words[1],
                       selected != NULL ? selected : "nothing", words[2]);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "expect-marked"))
    {
      g_autofree char *title = NULL;
      GtkWidget *row = NULL;

      /* expect-marked TITLE: the entry row titled TITLE is marked as wrong. */
      NEED (2);
      title = g_strjoinv (" ", words + 1);
      row = find_entry_row (GTK_WIDGET (top), title);
      if (row == NULL || !gtk_widget_has_css_class (row, "error"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no entry row '%s' marked as wrong", title);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "search") || g_str_equal (verb, "search-next"))
    {
      g_autofree char *text = NULL;
      GtkWidget *entry = find_search_entry (GTK_WIDGET (top));

      /* search TEXT: typed in the search bar on show; search-next: Enter in it. */
      NEED (g_str_equal (verb, "search") ? 2 : 1);
      if (entry == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no search bar is open");
          return FALSE;
        }
      if (g_str_equal (verb, "search-next"))
        {
          g_signal_emit_by_name (entry, "activate");
          return TRUE;
        }
      text = g_strjoinv (" ", words + 1);
      gtk_editable_set_text (GTK_EDITABLE (entry), text);
      /* At once, not after the entry's typing delay. */
      g_signal_emit_by_name (entry, "search-changed");
      return TRUE;
    }
  if (g_str_equal (verb, "copy"))
    {
      g_autofree char *title = NULL;
      g_autofree char *tooltip = NULL;
      GtkWidget *button = NULL;

      /* copy FIELD: the Copy button of the field titled FIELD. */
      NEED (2);
      title = g_strjoinv (" ", words + 1);
      tooltip = g_strdup_printf (_("Copy %s"), title);
      button = find_button_by_tooltip (GTK_WIDGET (top), tooltip);
      if (button == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no button '%s'", tooltip);
          return FALSE;
        }
      g_signal_emit_by_name (button, "clicked");
      return TRUE;
    }
  if (g_str_equal (verb, "expect-clipboard"))
    {
      g_autofree char *text = NULL;
      g_autofree char *held = NULL;
      gint64 limit = g_get_monotonic_time () + WAIT_LIMIT_US;

      NEED (2);
      text = g_strjoinv (" ", words + 1);
      gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (top)), NULL, on_clipboard_text, &held);
      while (held == NULL && g_get_monotonic_time () < limit)
        g_main_context_iteration (NULL, TRUE);
      if (g_strcmp0 (held, text) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the clipboard holds '%s', not '%s'",
                       held != NULL ? held : "nothing", text);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "expect-hash"))
    {
      g_autofree char *text = NULL;
      GtkWidget *label = NULL;

      /* expect-hash TEXT: a label shows TEXT as a hash (monospace, unhyphenated). */
      NEED (2);
      text = g_strjoinv (" ", words + 1);
      label = find_label_widget (GTK_WIDGET (top), text);
      if (label == NULL || !shows_hash (GTK_LABEL (label)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no label shows '%s' as a hash", text);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "expect-page"))
    {
      const char *shown = adw_view_stack_get_visible_child_name (window->view_stack);

      /* expect-page NAME: the main window shows page NAME. */
      NEED (2);
      if (g_strcmp0 (shown, words[1]) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window shows page %s, not %s",
                       shown != NULL ? shown : "none", words[1]);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "expect-no-row-stops"))
    {
      GtkWidget *row = find_focusable_plain_row (GTK_WIDGET (top));

      /* expect-no-row-stops: no line of a details list takes a Tab stop. */
      if (row != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "a details row takes the focus");
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "expect-title"))
    {
      g_autofree char *text = NULL;

      NEED (2);
      text = g_strjoinv (" ", words + 1);
      if (g_strcmp0 (gtk_window_get_title (top), text) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window on top is titled '%s', not '%s'",
                       gtk_window_get_title (top) != NULL ? gtk_window_get_title (top) : "", text);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "key"))
    {
      NEED (2);
      return press_key (top, words[1], error);
    }
  if (g_str_equal (verb, "expect-focus") || g_str_equal (verb, "expect-default"))
    {
      g_autofree char *text = NULL;
      GtkWidget *primary = gtk_window_get_default_widget (top);
      gboolean ok;

      /* expect-focus TITLE: where typing goes; expect-default LABEL: what Enter presses. */
      NEED (2);
      text = g_strjoinv (" ", words + 1);
      if (g_str_equal (verb, "expect-focus"))
        ok = focus_is_in (top, text);
      else
        ok = GTK_IS_BUTTON (primary) && gtk_button_get_label (GTK_BUTTON (primary)) != NULL
             && label_matches (gtk_button_get_label (GTK_BUTTON (primary)), text);
      if (!ok)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s is not %s", g_str_equal (verb, "expect-focus")
                       ? "the focus" : "the default button", text);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "expect-not"))
    {
      g_autofree char *text = NULL;

      NEED (2);
      text = g_strjoinv (" ", words + 1);
      if (find_label (GTK_WIDGET (top), text))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "a label shows '%s'", text);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "expect"))
    {
      g_autofree char *text = NULL;

      NEED (2);
      text = g_strjoinv (" ", words + 1);
      if (!find_label (GTK_WIDGET (top), text))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no label shows '%s'", text);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "chart"))
    {
      CustodyChart *chart = NULL;
      const char *kinds[] = { "issued", "validity", "reconcile" };
      guint min;

      /* chart KIND MIN: the chart of KIND on show draws at least MIN items. */
      NEED (3);
      min = (guint) atoi (words[2]);
      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        if (g_str_equal (words[1], kinds[k]))
          chart = find_chart (GTK_WIDGET (top), k);
      if (chart == NULL || !gtk_widget_get_mapped (GTK_WIDGET (chart)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s chart on show", words[1]);
          return FALSE;
        }
      if (custody_chart_get_n_items (chart) < min)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the %s chart draws %u items, not at least %u",
                       words[1], custody_chart_get_n_items (chart), min);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (verb, "screenshot"))
    {
      NEED (2);
      return save_png (top, words[1], error);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown step '%s'", verb);
  return FALSE;
#undef NEED
}

/* For bench-custody: when each step starts and ends (CUSTODY_TRACE). */
static void
trace_step (guint       line,
            const char *when)
{
  g_autofree char *event = NULL;

  if (!custody_trace_enabled ())
    return;
  event = g_strdup_printf ("step-%u-%s", line, when);
  custody_trace_mark (event);
}

static gboolean
run_script (gpointer user_data)
{
  Script *script = user_data;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  guint i;

  /* No animations: what is drawn is where things end up. And the title
   * buttons GNOME shows, not the three X11 shows without a desktop. */
  g_object_set (gtk_settings_get_default (),
                "gtk-enable-animations", FALSE,
                "gtk-decoration-layout", "appmenu:close",
                NULL);
  if (!g_file_get_contents (script->path, &text, NULL, &error))
    {
      g_printerr ("custody: test script: %s\n", error->message);
      status = 1;
    }
  lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  for (i = 0; status == 0 && lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;
      char *line = g_strstrip (lines[i]);

      if (line[0] == '\0' || line[0] == '#')
        continue;
      words = g_strsplit_set (line, " \t", -1);
      {
        /* Collapse runs of blanks. */
        guint from = 0;
        guint to = 0;

        for (; words[from] != NULL; from++)
          if (words[from][0] != '\0')
            {
              char *word = words[from];

              words[from] = NULL;
              words[to++] = word;
            }
          else
            g_clear_pointer (&words[from], g_free);
        words[to] = NULL;
      }
      g_print ("step %u: %s\n", i + 1, line);
      trace_step (i + 1, "start");
      if (!run_step (script->window, words, &error))
        {
          g_printerr ("custody: test script line %u (%s): %s\n", i + 1, line, error->message);
          status = 1;
        }
      trace_step (i + 1, "done");
    }
  if (status == 0 && g_atomic_int_get (&n_warnings) > 0)
    {
      g_printerr ("custody: test script: %u warnings or criticals were logged\n", g_atomic_int_get (&n_warnings));
      status = 1;
    }
  script->done (status, script->user_data);
  g_object_unref (script->window);
  g_free (script->path);
  g_free (script);
  return G_SOURCE_REMOVE;
}

void
custody_test_script_start (CustodyWindow         *window,
                           const char            *path,
                           CustodyTestScriptDone  done,
                           gpointer               user_data)
{
  Script *script = g_new0 (Script, 1);

  script->window = g_object_ref (window);
  script->path = g_strdup (path);
  script->done = done;
  script->user_data = user_data;
  g_idle_add (run_script, script);
}
