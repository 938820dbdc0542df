/* custody-key-home-row.c — where this workspace's keys live, in the details */
#include "custody-key-home-row.h"

#include <glib/gi18n.h>

#include "custody-format.h"
#include "custody-key-home.h"

/* One key: "NAME" over the home's name, with its icon and tooltip. */
static GtkWidget *
key_row_new (const char    *name,
             ChainKeyStore  store,
             const char    *location)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new_from_icon_name (custody_key_home_icon_name (store));
  GtkWidget *title = gtk_label_new (name);
  GtkWidget *value = gtk_label_new (custody_key_home_label (store));
  g_autofree char *tooltip = custody_key_home_describe (store, location);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_top (line, 8);
  gtk_widget_set_margin_bottom (line, 8);
  gtk_widget_set_margin_start (line, 12);
  gtk_widget_set_margin_end (line, 12);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "caption");
  gtk_widget_add_css_class (title, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value), 0);
  gtk_label_set_wrap (GTK_LABEL (value), TRUE);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), value);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  custody_key_home_label (store), -1);
  gtk_box_append (GTK_BOX (line), icon);
  gtk_box_append (GTK_BOX (line), box);
  gtk_widget_set_tooltip_text (row, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), line);
  return row;
}

void
custody_key_home_rows_insert (GtkListBox     *list,
                              ChainWorkspace *workspace,
                              int             position)
{
  g_auto(GStrv) officers = chain_workspace_list_officers (workspace);
  ChainKeyStore store;

  for (int i = -1; i < 0 || officers[i] != NULL; i++)
    {
      g_autofree char *location = NULL;
      g_autofree char *name = NULL;

      /* -1: the CA key first. */
      if (!chain_workspace_get_key_store (workspace, i < 0 ? NULL : officers[i], &store, &location))
        continue;
      /* Translators: %s is an officer's name. */
      name = i < 0 ? g_strdup (_("CA key")) : g_strdup_printf (_("Key of officer %s"), officers[i]);
      gtk_list_box_insert (list, key_row_new (name, store, location), position);
      if (position >= 0)
        position++;
    }
}

int
custody_key_home_rows_position (GPtrArray *fields)
{
  for (guint i = 0; fields != NULL && i < fields->len; i++)
    if (g_strcmp0 (((CustodyField *) g_ptr_array_index (fields, i))->title, _("Status")) == 0)
      return (int) i + 1;
  return -1;
}
