/* custody-widgets.c — small widget helpers the pages and dialogs share */
#include "custody-widgets.h"

#include <glib/gi18n.h>

#include "custody-window.h"

#define INDENT_PX 18

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

      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
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
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_list_box_append (list, row);
    }
}

typedef struct {
  GtkWidget *icon;
  GtkWidget *title;
  GtkWidget *subtitle;
  GtkWidget *status;
  char      *style_class;
} ListRow;

static void
list_row_free (gpointer data)
{
  ListRow *row = data;

  g_free (row->style_class);
  g_free (row);
}

GtkWidget *
custody_list_row_new (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  ListRow *row = g_new0 (ListRow, 1);

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
  g_object_set_data_full (G_OBJECT (box), "custody-list-row", row, list_row_free);
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
    }
  g_free (row->style_class);
  row->style_class = g_strdup (style_class);
  if (style_class != NULL)
    {
      gtk_widget_add_css_class (row->icon, style_class);
      gtk_widget_add_css_class (row->status, style_class);
    }
  gtk_label_set_text (GTK_LABEL (row->title), title);
  gtk_label_set_text (GTK_LABEL (row->subtitle), subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (row->subtitle, subtitle != NULL && subtitle[0] != '\0');
  gtk_label_set_text (GTK_LABEL (row->status), status != NULL ? status : "");
  gtk_widget_set_tooltip_text (row->status, status);
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
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, error != NULL ? error->message : NULL);

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
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!custody_session_finish (session, result, &message, &error))
    {
      custody_show_error (dialog, failure_heading, error);
      return FALSE;
    }
  custody_toast (dialog, message);
  gtk_window_destroy (GTK_WINDOW (dialog));
  return TRUE;
}
