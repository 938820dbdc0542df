/* custody-widgets.c — small widget helpers the pages and dialogs share */
#include "custody-widgets.h"

#include <glib/gi18n.h>

#include "custody-error-text.h"
#include "custody-hex.h"
#include "custody-window.h"

#define INDENT_PX 18

static void
on_copy_clicked (GtkButton  *button,
                 const char *plain)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), plain);
  custody_toast (GTK_WIDGET (button), _("Copied to the clipboard"));
}

/* A Copy button for @plain, the hash a field shows grouped. */
static GtkWidget *
copy_button_new (const char *field_title,
                 const char *plain)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  g_autofree char *label = NULL;

  /* TRANSLATORS: a button's tooltip; %s is a field, e.g. "SHA-256 thumbprint" */
  label = g_strdup_printf (_("Copy %s"), field_title);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data_full (G_OBJECT (button), "custody-copy", g_strdup (plain), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (on_copy_clicked), g_object_get_data (G_OBJECT (button), "custody-copy"));
  return button;
}

/* Hashes wrap between their groups, never with a hyphen Pango adds. */
static void
show_hashes (GtkLabel   *label,
             const char *markup)
{
  PangoAttrList *attributes = pango_attr_list_new ();

  pango_attr_list_insert (attributes, pango_attr_insert_hyphens_new (FALSE));
  gtk_label_set_markup (label, markup);
  gtk_label_set_attributes (label, attributes);
  gtk_label_set_wrap_mode (label, PANGO_WRAP_WORD);
  pango_attr_list_unref (attributes);
}

void
custody_fields_fill (GtkListBox *list,
                     GPtrArray  *fields)
{
  GtkWidget *child = NULL;
  guint i;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
  for (i = 0; fields != NULL && i < fields->len; i++)
    {
      CustodyField *field = g_ptr_array_index (fields, i);
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *title = gtk_label_new (field->title);
      GtkWidget *value = gtk_label_new (field->value);
      g_autofree char *plain = NULL;
      g_autofree char *markup = custody_hex_markup (field->value, &plain);

      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      /* A line to read, not to act on: Tab goes past it to its Copy button
       * and to the actions below. */
      gtk_widget_set_focusable (row, FALSE);
      gtk_widget_set_margin_top (box, 8);
      gtk_widget_set_margin_bottom (box, 8);
      gtk_widget_set_margin_start (box, 12);
      gtk_widget_set_margin_end (box, 12);
      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_widget_add_css_class (title, "caption");
      gtk_widget_add_css_class (title, "dim-label");
      gtk_label_set_xalign (GTK_LABEL (value), 0);
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      gtk_label_set_wrap (GTK_LABEL (value), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
      /* Selectable labels take focus; tabbing through every value is noise. */
      gtk_widget_set_focusable (value, FALSE);
      gtk_box_append (GTK_BOX (box), title);
      gtk_box_append (GTK_BOX (box), value);
      if (plain != NULL)
        {
          GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

          show_hashes (GTK_LABEL (value), markup);
          gtk_widget_set_hexpand (box, TRUE);
          gtk_widget_set_margin_end (box, 0);
          gtk_box_append (GTK_BOX (line), box);
          gtk_widget_set_margin_end (line, 6);
          gtk_box_append (GTK_BOX (line), copy_button_new (field->title, plain));
          gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), line);
        }
      else
        gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_list_box_append (list, row);
    }
}

typedef struct {
  GtkWidget *icon;
  GtkWidget *title;
  GtkWidget *subtitle;
  GtkWidget *status;
  GtkWidget *status_icon;
  char      *style_class;
} ListRow;

static void
list_row_free (gpointer data)
{
  ListRow *row = data;

  g_free (row->style_class);
  g_free (row);
}

/* A click activates the row's list item, as Enter does: the list views
 * leave single-click-activate off, since with it GTK selects whatever row
 * the pointer passes over, and Export and Revoke act on the selection. */
static void
on_row_released (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 gpointer         user_data)
{
  GtkWidget *item = gtk_widget_get_parent (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture)));

  if (n_press == 1 && item != NULL)
    gtk_widget_activate (item);
}

GtkWidget *
custody_list_row_new (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  ListRow *row = g_new0 (ListRow, 1);
  GtkGesture *click = NULL;

  gtk_widget_add_css_class (box, "custody-list-row");
  row->icon = gtk_image_new ();
  row->title = gtk_label_new (NULL);
  row->subtitle = gtk_label_new (NULL);
  row->status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (row->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (row->title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (row->title, "heading");
  gtk_label_set_xalign (GTK_LABEL (row->subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (row->subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (row->subtitle, "caption");
  gtk_widget_add_css_class (row->subtitle, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (row->status), 1);
  gtk_label_set_ellipsize (GTK_LABEL (row->status), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (row->status), 18);
  gtk_widget_add_css_class (row->status, "caption");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (labels), row->title);
  gtk_box_append (GTK_BOX (labels), row->subtitle);
  gtk_box_append (GTK_BOX (box), row->icon);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), row->status);
  row->status_icon = gtk_image_new ();
  gtk_widget_set_visible (row->status_icon, FALSE);
  gtk_box_append (GTK_BOX (box), row->status_icon);
  g_object_set_data_full (G_OBJECT (box), "custody-list-row", row, list_row_free);
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (on_row_released), NULL);
  gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (click));
  return box;
}

void
custody_list_row_set (GtkWidget  *box,
                      guint       depth,
                      const char *icon_name,
                      const char *style_class,
                      const char *title,
                      const char *subtitle,
                      const char *status)
{
  ListRow *row = g_object_get_data (G_OBJECT (box), "custody-list-row");

  g_return_if_fail (row != NULL);

  gtk_widget_set_margin_start (box, 12 + (int) MIN (depth, 8) * INDENT_PX);
  gtk_image_set_from_icon_name (GTK_IMAGE (row->icon), icon_name);
  if (row->style_class != NULL)
    {
      gtk_widget_remove_css_class (row->icon, row->style_class);
      gtk_widget_remove_css_class (row->status, row->style_class);
      gtk_widget_remove_css_class (row->status_icon, row->style_class);
    }
  g_free (row->style_class);
  row->style_class = g_strdup (style_class);
  if (style_class != NULL)
    {
      gtk_widget_add_css_class (row->icon, style_class);
      gtk_widget_add_css_class (row->status, style_class);
      gtk_widget_add_css_class (row->status_icon, style_class);
    }
  gtk_label_set_text (GTK_LABEL (row->title), title);
  gtk_label_set_text (GTK_LABEL (row->subtitle), subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (row->subtitle, subtitle != NULL && subtitle[0] != '\0');
  gtk_label_set_text (GTK_LABEL (row->status), status != NULL ? status : "");
  gtk_widget_set_tooltip_text (row->status, status);
  gtk_widget_set_visible (row->status, TRUE);
  gtk_widget_set_visible (row->status_icon, FALSE);
}

void
custody_list_row_set_status_icon (GtkWidget  *box,
                                  const char *icon_name,
                                  const char *status)
{
  ListRow *row = g_object_get_data (G_OBJECT (box), "custody-list-row");

  g_return_if_fail (row != NULL);

  gtk_image_set_from_icon_name (GTK_IMAGE (row->status_icon), icon_name);
  gtk_widget_set_tooltip_text (row->status_icon, status);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->status_icon), GTK_ACCESSIBLE_PROPERTY_LABEL, status, -1);
  gtk_widget_set_visible (row->status_icon, TRUE);
  gtk_widget_set_visible (row->status, FALSE);
}

GtkWidget *
custody_spin_row_new (const char     *title,
                      const char     *subtitle,
                      double          min,
                      double          max,
                      double          value,
                      GtkSpinButton **out_spin)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (min, max, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  if (out_spin != NULL)
    *out_spin = GTK_SPIN_BUTTON (spin);
  return row;
}

GListModel *
custody_string_list_new (const char *const *labels)
{
  return G_LIST_MODEL (gtk_string_list_new (labels));
}

void
custody_show_error (GtkWidget    *widget,
                    const char   *heading,
                    const GError *error)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *message = custody_error_dup_message (error);
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
custody_toast (GtkWidget  *widget,
               const char *message)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWindow *transient = NULL;

  /* A dialog's toast goes to the main window, which outlives it. */
  if (GTK_IS_WINDOW (root) && !CUSTODY_IS_WINDOW (root))
    transient = gtk_window_get_transient_for (GTK_WINDOW (root));
  if (transient != NULL)
    root = GTK_ROOT (transient);
  if (CUSTODY_IS_WINDOW (root))
    custody_window_toast (CUSTODY_WINDOW (root), message);
}

gboolean
custody_dialog_finish_job (GtkWidget      *dialog,
                           CustodySession *session,
                           GAsyncResult   *result,
                           const char     *failure_heading)
{
  return custody_dialog_finish_output_job (dialog, session, result, failure_heading, NULL);
}

gboolean
custody_dialog_finish_output_job (GtkWidget      *dialog,
                                  CustodySession *session,
                                  GAsyncResult   *result,
                                  const char     *failure_heading,
                                  const char     *folder)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  GtkWindow *main_window = gtk_window_get_transient_for (GTK_WINDOW (dialog));

  if (!custody_session_finish (session, result, &message, &error))
    {
      custody_show_error (dialog, failure_heading, error);
      return FALSE;
    }
  if (folder != NULL && CUSTODY_IS_WINDOW (main_window))
    custody_window_toast_output (CUSTODY_WINDOW (main_window), message, folder);
  else
    custody_toast (dialog, message);
  gtk_window_destroy (GTK_WINDOW (dialog));
  return TRUE;
}

static void
entries_activate_default (GtkWidget *widget)
{
  GtkWidget *child = NULL;

  if (ADW_IS_ENTRY_ROW (widget))
    adw_entry_row_set_activates_default (ADW_ENTRY_ROW (widget), TRUE);
  else if (GTK_IS_ENTRY (widget) || GTK_IS_PASSWORD_ENTRY (widget))
    g_object_set (widget, "activates-default", TRUE, NULL);
  for (child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    entries_activate_default (child);
}

void
custody_dialog_set_primary (GtkWindow *dialog,
                            GtkWidget *primary,
                            GtkWidget *first)
{
  g_return_if_fail (GTK_IS_WINDOW (dialog));
  g_return_if_fail (GTK_IS_WIDGET (primary));

  gtk_window_set_default_widget (dialog, primary);
  entries_activate_default (GTK_WIDGET (dialog));
  if (first != NULL)
    gtk_window_set_focus (dialog, first);
}

void
custody_mark_mismatch (GtkEditable *passphrase,
                       GtkWidget   *confirmation)
{
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (confirmation));

  if (typed[0] != '\0' && !g_str_equal (typed, gtk_editable_get_text (passphrase)))
    gtk_widget_add_css_class (confirmation, "error");
  else
    gtk_widget_remove_css_class (confirmation, "error");
}
