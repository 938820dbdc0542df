/* custody-test-script.c — drive the real window from a script, for the tests */
#include "custody-test-script.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "custody-annotate-dialog.h"
#include "custody-export-dialog.h"
#include "custody-init-dialog.h"
#include "custody-passphrase-dialog.h"
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

static gboolean
idle_now (CustodyWindow *window)
{
  CustodySession *session = custody_window_get_session (window);

  return !custody_session_get_busy (session) && !custody_audit_get_running (custody_session_get_audit (session));
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
  if (g_str_equal (verb, "screenshot"))
    {
      NEED (2);
      return save_png (top, words[1], error);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown step '%s'", verb);
  return FALSE;
#undef NEED
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
      if (!run_step (script->window, words, &error))
        {
          g_printerr ("custody: test script line %u (%s): %s\n", i + 1, line, error->message);
          status = 1;
        }
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
