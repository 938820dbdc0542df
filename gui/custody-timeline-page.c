/* custody-timeline-page.c — the ledger timeline and one record's details */
#include "custody-timeline-page.h"

#include <glib/gi18n.h>
#include <string.h>

#include "custody-record-names.h"
#include "custody-timeline-filter.h"
#include "custody-timeline-search.h"
#include "custody-widgets.h"

/* Artifacts shown as text up to this size; larger ones by digest only. */
#define MAX_SHOWN_ARTIFACT (256 * 1024)

struct _CustodyTimelinePage {
  GtkWidget           parent_instance;
  CustodySession     *session;
  GtkSingleSelection *selection;
  gint64              selected_seq;
  GPtrArray          *artifact_names;

  AdwLeaflet         *leaflet;
  GtkLabel           *summary_label;
  GtkListView        *list_view;
  GtkStack           *detail_stack;
  GtkImage           *type_icon;
  GtkLabel           *title_label;
  GtkImage           *badge_icon;
  GtkLabel           *badge_label;
  GtkListBox         *fields_list;
  GtkListBox         *artifacts_list;
  GtkLabel           *content_title;
  GtkTextView        *content_view;
  GtkWidget          *save_artifact_button;
  char               *shown_artifact;  /* (nullable) the artifact in the content view */
  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;

  /* The filters: the list shows filter_model, the timeline through
   * custom_filter while one is set. */
  GtkFilterListModel *filter_model;
  GtkFilter          *custom_filter;
  CustodyTimelineFilter filter;
  char               *filter_type;
  char               *filter_author;
  GPtrArray          *author_ids;      /* char *: the custodian dropdown's ids, after "everyone" */
  GtkDropDown        *type_filter;
  GtkDropDown        *author_filter;
  GtkDropDown        *period_filter;
};

G_DEFINE_FINAL_TYPE (CustodyTimelinePage, custody_timeline_page, GTK_TYPE_WIDGET)

/* What the list shows: the timeline, filtered. */
static GListModel *
shown_records (CustodyTimelinePage *self)
{
  return G_LIST_MODEL (self->filter_model);
}

static CustodyRecordItem *
selected_item (CustodyTimelinePage *self)
{
  return self->selection != NULL ? gtk_single_selection_get_selected_item (self->selection) : NULL;
}

CustodyRecordItem *
custody_timeline_page_get_selected (CustodyTimelinePage *self)
{
  g_return_val_if_fail (CUSTODY_IS_TIMELINE_PAGE (self), NULL);
  return selected_item (self);
}

static void
set_content (CustodyTimelinePage *self,
             const char          *title,
             const char          *text)
{
  gtk_label_set_text (self->content_title, title);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->content_view), text != NULL ? text : "", -1);
  gtk_widget_set_visible (self->save_artifact_button, self->shown_artifact != NULL);
}

static void
show_details (CustodyTimelinePage *self)
{
  CustodyRecordItem *item = selected_item (self);
  CustodyBadge badge;
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;
  g_autofree char *content = NULL;
  guint i;

  self->selected_seq = -1;
  g_ptr_array_set_size (self->artifact_names, 0);
  if (item == NULL)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "empty");
      return;
    }
  self->selected_seq = (gint64) custody_record_item_get_seq (item);
  badge = custody_record_item_get_badge (item);
  gtk_image_set_from_icon_name (self->type_icon,
                                custody_record_type_to_icon_name (custody_record_item_get_type_name (item)));
  gtk_label_set_text (self->title_label, custody_record_item_get_title (item));
  gtk_image_set_from_icon_name (self->badge_icon, custody_badge_to_icon_name (badge));
  gtk_widget_set_css_classes (GTK_WIDGET (self->badge_icon),
                              (const char *[]) { custody_badge_to_style_class (badge), NULL });
  gtk_label_set_text (self->badge_label, custody_badge_to_label (badge));
  gtk_widget_set_css_classes (GTK_WIDGET (self->badge_label),
                              (const char *[]) { "heading", custody_badge_to_style_class (badge), NULL });
  fields = custody_record_item_get_fields (item);
  if (custody_session_get_workspace (self->session) != NULL)
    custody_record_fields_add_names (fields, chain_workspace_get_state (custody_session_get_workspace (self->session)));
  custody_fields_fill (self->fields_list, fields);
  artifacts = custody_record_item_get_artifacts (item);
  custody_fields_fill (self->artifacts_list, artifacts);
  for (i = 0; i < artifacts->len; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->artifacts_list, (int) i);

      g_ptr_array_add (self->artifact_names, g_strdup (((CustodyField *) g_ptr_array_index (artifacts, i))->title));
      gtk_list_box_row_set_activatable (row, TRUE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (row), _("Show this artifact"));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->artifacts_list), artifacts->len > 0);
  content = custody_record_item_get_content (item);
  g_clear_pointer (&self->shown_artifact, g_free);
  set_content (self, _("Content"), content);
  gtk_stack_set_visible_child_name (self->detail_stack, "details");
}

gboolean
custody_timeline_page_show_artifact (CustodyTimelinePage *self,
                                     guint                index)
{
  CustodyRecordItem *item = selected_item (self);
  const char *name = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;
  g_autofree char *copy = NULL;
  gsize size = 0;
  const char *bytes = NULL;

  g_return_val_if_fail (CUSTODY_IS_TIMELINE_PAGE (self), FALSE);

  if (item == NULL || index >= self->artifact_names->len)
    return FALSE;
  name = g_ptr_array_index (self->artifact_names, index);
  data = custody_record_item_read_artifact (item, name, &error);
  if (data == NULL)
    {
      custody_show_error (GTK_WIDGET (self), _("Could Not Read the Artifact"), error);
      return FALSE;
    }
  bytes = g_bytes_get_data (data, &size);
  /* TRANSLATORS: the heading above an artifact's content; %s is its file name */
  title = g_strdup_printf (_("Artifact %s"), name);
  if (size <= MAX_SHOWN_ARTIFACT && g_utf8_validate (bytes, (gssize) size, NULL) && memchr (bytes, 0, size) == NULL)
    {
      copy = g_strndup (bytes, size);
      text = custody_format_sanitize (copy);
    }
  else
    text = g_strdup (_("This artifact is not text, or too large to show; its digest above is what the ledger signed."));
  g_free (self->shown_artifact);
  self->shown_artifact = g_strdup (name);
  set_content (self, title, text);
  return TRUE;
}

gboolean
custody_timeline_page_save_artifact (CustodyTimelinePage  *self,
                                     GFile                *file,
                                     GError              **error)
{
  CustodyRecordItem *item = NULL;
  g_autoptr(GBytes) data = NULL;

  g_return_val_if_fail (CUSTODY_IS_TIMELINE_PAGE (self), FALSE);

  item = selected_item (self);
  if (item == NULL || self->shown_artifact == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("no artifact is shown to save"));
      return FALSE;
    }
  data = custody_record_item_read_artifact (item, self->shown_artifact, error);
  if (data == NULL)
    return FALSE;
  return g_file_replace_contents (file, g_bytes_get_data (data, NULL), g_bytes_get_size (data), NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

static void
on_save_chosen (GtkNativeDialog     *chooser,
                int                  response,
                CustodyTimelinePage *self)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && file != NULL)
    {
      if (custody_timeline_page_save_artifact (self, file, &error))
        {
          g_autofree char *path = g_file_get_path (file);
          /* TRANSLATORS: %s is where an artifact of the ledger was saved */
          g_autofree char *message = g_strdup_printf (_("Saved to %s"), path);

          custody_toast (GTK_WIDGET (self), message);
        }
      else
        custody_show_error (GTK_WIDGET (self), _("Could Not Save the Artifact"), error);
    }
  g_object_unref (chooser);
}

static void
on_save_artifact_clicked (CustodyTimelinePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser = NULL;

  if (self->shown_artifact == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Save the Artifact"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), self->shown_artifact);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_save_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_artifact_activated (GtkListBox          *list,
                       GtkListBoxRow       *row,
                       CustodyTimelinePage *self)
{
  custody_timeline_page_show_artifact (self, (guint) gtk_list_box_row_get_index (row));
}

static void
on_selection_changed (CustodyTimelinePage *self)
{
  show_details (self);
}

static void update_summary (CustodyTimelinePage *self);

/* A whole device id: its batch, from the state's device table, before
 * any manifest is read. Not while a job runs: it may be changing the
 * state on its thread. */
static guint
find_device_batch (CustodyTimelinePage *self,
                   const char          *query)
{
  ChainWorkspace *workspace = custody_session_get_workspace (self->session);

  if (workspace == NULL || custody_session_get_busy (self->session))
    return G_MAXUINT;
  return custody_records_find_device (shown_records (self), chain_workspace_get_state (workspace), query);
}

/* Selects the first record from @from on that the query finds; says so
 * in the summary line when none does. A whole device id goes to its
 * batch at once, unless @next asks for the next record mentioning it. */
static void
find_from (CustodyTimelinePage *self,
           guint                from,
           gboolean             next)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  guint found = G_MAXUINT;

  if (self->session == NULL || query[0] == '\0')
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
      update_summary (self);
      return;
    }
  if (!next)
    found = find_device_batch (self, query);
  if (found == G_MAXUINT)
    found = custody_records_search (shown_records (self), query, from);
  if (found == G_MAXUINT)
    {
      g_autofree char *text = NULL;

      gtk_widget_add_css_class (GTK_WIDGET (self->search_entry), "error");
      /* TRANSLATORS: %s is what was typed in the ledger's search */
      text = g_strdup_printf (_("No record mentions “%s”"), query);
      gtk_label_set_text (self->summary_label, text);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
  update_summary (self);
  gtk_single_selection_set_selected (self->selection, found);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", found);
}

static guint
selected_position (CustodyTimelinePage *self)
{
  guint position = self->selection != NULL ? gtk_single_selection_get_selected (self->selection) : GTK_INVALID_LIST_POSITION;

  return position == GTK_INVALID_LIST_POSITION ? 0 : position;
}

/* As the query is typed: the selected record if it still matches. */
static void
on_search_changed (CustodyTimelinePage *self)
{
  find_from (self, selected_position (self), FALSE);
}

/* Enter, Ctrl+G: the next older match. */
static void
on_search_next (CustodyTimelinePage *self)
{
  find_from (self, selected_position (self) + 1, TRUE);
}

static void clear_filters (CustodyTimelinePage *self);

/* Closing the search bar drops its filters too: nothing left out unseen. */
static void
on_search_stopped (CustodyTimelinePage *self)
{
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  clear_filters (self);
  update_summary (self);
}

void
custody_timeline_page_start_search (CustodyTimelinePage *self)
{
  g_return_if_fail (CUSTODY_IS_TIMELINE_PAGE (self));

  adw_leaflet_set_visible_child_name (self->leaflet, "list");
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
update_summary (CustodyTimelinePage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (custody_session_get_timeline (self->session)));
  guint shown = g_list_model_get_n_items (shown_records (self));
  g_autofree char *text = NULL;

  if (custody_timeline_filter_is_active (&self->filter))
    /* TRANSLATORS: how many records the ledger's filters keep, of how many */
    text = g_strdup_printf (ngettext ("%'u of %'u record, newest first", "%'u of %'u records, newest first", n),
                            shown, n);
  else
    text = g_strdup_printf (ngettext ("%'u record, newest first", "%'u records, newest first", n), n);
  gtk_label_set_text (self->summary_label, text);
}

/* ---- Filters ---------------------------------------------------------------- */

static gboolean
keep_record (gpointer item,
             gpointer user_data)
{
  CustodyTimelinePage *self = user_data;

  return custody_timeline_filter_matches (&self->filter, CUSTODY_RECORD_ITEM (item));
}

/* Reads the three dropdowns into the filter and applies it. */
static void
on_filter_changed (CustodyTimelinePage *self)
{
  const char *const *types = custody_timeline_filter_list_types ();
  guint type = gtk_drop_down_get_selected (self->type_filter);
  guint author = gtk_drop_down_get_selected (self->author_filter);
  guint period = gtk_drop_down_get_selected (self->period_filter);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_clear_pointer (&self->filter_type, g_free);
  g_clear_pointer (&self->filter_author, g_free);
  if (type != GTK_INVALID_LIST_POSITION && type > 0 && type <= g_strv_length ((char **) types))
    self->filter_type = g_strdup (types[type - 1]);
  if (author != GTK_INVALID_LIST_POSITION && author > 0 && self->author_ids != NULL && author <= self->author_ids->len)
    self->filter_author = g_strdup (g_ptr_array_index (self->author_ids, author - 1));
  self->filter.type_name = self->filter_type;
  self->filter.author = self->filter_author;
  self->filter.since = period != GTK_INVALID_LIST_POSITION && period < CUSTODY_N_PERIODS
                       ? custody_period_get_since ((CustodyPeriod) period, now) : 0;
  if (self->filter_model == NULL)
    return;
  /* Unfiltered, the list reads only the rows it shows; a filter reads them all. */
  if (custody_timeline_filter_is_active (&self->filter))
    {
      gtk_filter_list_model_set_filter (self->filter_model, self->custom_filter);
      gtk_filter_changed (self->custom_filter, GTK_FILTER_CHANGE_DIFFERENT);
    }
  else
    gtk_filter_list_model_set_filter (self->filter_model, NULL);
  /* What is typed is looked for again among what the filters keep. */
  if (self->session != NULL)
    find_from (self, selected_position (self), FALSE);
}

static void
clear_filters (CustodyTimelinePage *self)
{
  gtk_drop_down_set_selected (self->type_filter, 0);
  gtk_drop_down_set_selected (self->author_filter, 0);
  gtk_drop_down_set_selected (self->period_filter, 0);
}

/* The custodian dropdown: everyone, then each custodian by name. */
static void
fill_author_filter (CustodyTimelinePage *self)
{
  CustodyTreeModel *tree = custody_session_get_tree (self->session);
  g_autoptr(GtkStringList) names = gtk_string_list_new ((const char *[]) { _("All custodians"), NULL });
  g_autofree char *keep = g_strdup (self->filter_author);
  guint selected = 0;
  guint i;

  g_ptr_array_set_size (self->author_ids, 0);
  for (i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (tree)); i++)
    {
      g_autoptr(CustodyNode) node = g_list_model_get_item (G_LIST_MODEL (tree), i);

      if (custody_node_get_health (node) == CUSTODY_HEALTH_REQUESTED)
        continue;
      g_ptr_array_add (self->author_ids, g_strdup (custody_node_get_id (node)));
      gtk_string_list_append (names, custody_node_get_name (node));
      if (g_strcmp0 (keep, custody_node_get_id (node)) == 0)
        selected = self->author_ids->len;
    }
  gtk_drop_down_set_model (self->author_filter, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->author_filter, selected);
}

static void
setup_choice (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
bind_choice (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

/* The dropdown's button shows its choice cut short in a narrow window; its
 * list shows every choice whole. */
static void
set_choices (GtkDropDown       *dropdown,
             const char *const *labels)
{
  GtkListItemFactory *button = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkStringList) list = gtk_string_list_new (labels);

  g_signal_connect (button, "setup", G_CALLBACK (setup_choice), NULL);
  g_signal_connect (button, "bind", G_CALLBACK (bind_choice), NULL);
  gtk_drop_down_set_factory (dropdown, button);
  g_object_unref (button);
  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (list));
}

static void
init_filters (CustodyTimelinePage *self)
{
  const char *const *types = custody_timeline_filter_list_types ();
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  const char *periods[CUSTODY_N_PERIODS + 1] = { NULL };
  guint i;

  g_ptr_array_add (labels, (gpointer) _("All types"));
  for (i = 0; types[i] != NULL; i++)
    g_ptr_array_add (labels, (gpointer) custody_record_type_to_label (types[i]));
  g_ptr_array_add (labels, NULL);
  set_choices (self->type_filter, (const char *const *) labels->pdata);
  set_choices (self->author_filter, (const char *[]) { _("All custodians"), NULL });
  for (i = 0; i < CUSTODY_N_PERIODS; i++)
    periods[i] = custody_period_to_label ((CustodyPeriod) i);
  set_choices (self->period_filter, periods);
  self->custom_filter = GTK_FILTER (gtk_custom_filter_new (keep_record, self, NULL));
}

void
custody_timeline_page_go_to_record (CustodyTimelinePage *self)
{
  g_return_if_fail (CUSTODY_IS_TIMELINE_PAGE (self));

  custody_timeline_page_start_search (self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "#");
  gtk_editable_set_position (GTK_EDITABLE (self->search_entry), -1);
}

gboolean
custody_timeline_page_select_seq (CustodyTimelinePage *self,
                                  guint64              seq)
{
  guint position;

  g_return_val_if_fail (CUSTODY_IS_TIMELINE_PAGE (self), FALSE);

  if (self->session == NULL)
    return FALSE;
  position = custody_records_find_seq (shown_records (self), seq);
  if (position == G_MAXUINT && custody_timeline_filter_is_active (&self->filter))
    {
      /* Filtered out: show every record rather than nothing. */
      clear_filters (self);
      position = custody_records_find_seq (shown_records (self), seq);
    }
  return position != G_MAXUINT && custody_timeline_page_select (self, position);
}

static void
on_session_changed (CustodyTimelinePage *self)
{
  gint64 keep = self->selected_seq;
  guint position;

  fill_author_filter (self);
  update_summary (self);
  if (keep >= 0)
    {
      position = custody_records_find_seq (shown_records (self), (guint64) keep);
      if (position != G_MAXUINT)
        gtk_single_selection_set_selected (self->selection, position);
    }
  show_details (self);
}

static void
update_row (GtkListItem *list_item)
{
  CustodyRecordItem *item = gtk_list_item_get_item (list_item);
  CustodyBadge badge = custody_record_item_get_badge (item);
  g_autofree char *icon = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *line = NULL;

  g_object_get (item, "icon-name", &icon, "subtitle", &subtitle, NULL);
  /* What the record says, then its author and time. */
  line = g_strdup_printf ("%s\n%s", custody_record_item_get_summary (item), subtitle);
  custody_list_row_set (gtk_list_item_get_child (list_item), 0, icon, custody_badge_to_style_class (badge),
                        custody_record_item_get_title (item), line, NULL);
  /* The verification as an icon (its words in the tooltip and the details),
   * so titles and times are not cut. */
  custody_list_row_set_status_icon (gtk_list_item_get_child (list_item), custody_badge_to_icon_name (badge),
                                    custody_badge_to_label (badge));
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  gtk_list_item_set_child (item, custody_list_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  update_row (list_item);
  g_signal_connect_object (gtk_list_item_get_item (list_item), "notify::badge-label",
                           G_CALLBACK (update_row), list_item, G_CONNECT_SWAPPED);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  g_signal_handlers_disconnect_by_data (gtk_list_item_get_item (list_item), list_item);
}

static void
on_activate (GtkListView         *list_view,
             guint                position,
             CustodyTimelinePage *self)
{
  custody_timeline_page_select (self, position);
}

static void
custody_timeline_page_dispose (GObject *object)
{
  CustodyTimelinePage *self = CUSTODY_TIMELINE_PAGE (object);

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_signal_handlers_disconnect_by_data (custody_session_get_audit (self->session), self);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->selection);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->custom_filter);
  g_clear_pointer (&self->filter_type, g_free);
  g_clear_pointer (&self->filter_author, g_free);
  g_clear_pointer (&self->author_ids, g_ptr_array_unref);
  g_clear_pointer (&self->artifact_names, g_ptr_array_unref);
  g_clear_pointer (&self->shown_artifact, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), CUSTODY_TYPE_TIMELINE_PAGE);
  G_OBJECT_CLASS (custody_timeline_page_parent_class)->dispose (object);
}

static void
custody_timeline_page_class_init (CustodyTimelinePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = custody_timeline_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/libchain/Custody/custody-timeline-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, list_view);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, type_icon);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, title_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, badge_icon);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, badge_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, fields_list);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, artifacts_list);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, content_title);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, content_view);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, save_artifact_button);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, type_filter);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, author_filter);
  gtk_widget_class_bind_template_child (widget_class, CustodyTimelinePage, period_filter);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_artifact_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_save_artifact_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_search_next);
  gtk_widget_class_bind_template_callback (widget_class, on_search_stopped);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
custody_timeline_page_init (CustodyTimelinePage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  self->selected_seq = -1;
  self->artifact_names = g_ptr_array_new_with_free_func (g_free);
  self->author_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  init_filters (self);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
}

void
custody_timeline_page_set_session (CustodyTimelinePage *self,
                                   CustodySession      *session)
{
  g_return_if_fail (CUSTODY_IS_TIMELINE_PAGE (self));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (custody_session_get_timeline (session))), NULL);
  /* A filter over a long ledger reads it a slice at a time, the window alive. */
  gtk_filter_list_model_set_incremental (self->filter_model, TRUE);
  g_signal_connect_swapped (self->filter_model, "items-changed", G_CALLBACK (update_summary), self);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filter_model)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (session, "changed", G_CALLBACK (on_session_changed), self);
  g_signal_connect_swapped (custody_session_get_audit (session), "finished", G_CALLBACK (show_details), self);
  on_session_changed (self);
}

gboolean
custody_timeline_page_select (CustodyTimelinePage *self,
                              guint                position)
{
  g_return_val_if_fail (CUSTODY_IS_TIMELINE_PAGE (self), FALSE);

  if (self->selection == NULL || position >= g_list_model_get_n_items (G_LIST_MODEL (self->selection)))
    return FALSE;
  gtk_single_selection_set_selected (self->selection, position);
  /* As a click would: on a row in view (new records arrive above). */
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
  adw_leaflet_set_visible_child_name (self->leaflet, "details");
  return TRUE;
}

AdwLeaflet *
custody_timeline_page_get_leaflet (CustodyTimelinePage *self)
{
  g_return_val_if_fail (CUSTODY_IS_TIMELINE_PAGE (self), NULL);
  return self->leaflet;
}
