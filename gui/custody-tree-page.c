/* custody-tree-page.c — the custody tree and the selected custodian's details */
#include "custody-tree-page.h"

#include <glib/gi18n.h>

#include "custody-actions.h"
#include "custody-key-home-row.h"
#include "custody-widgets.h"

struct _CustodyTreePage {
  GtkWidget           parent_instance;
  CustodySession     *session;
  GtkSingleSelection *selection;
  char               *selected_id;

  AdwLeaflet         *leaflet;
  GtkLabel           *summary_label;
  GtkListView        *list_view;
  GtkStack           *detail_stack;
  GtkImage           *health_icon;
  GtkLabel           *title_label;
  GtkLabel           *health_label;
  GtkListBox         *fields_list;
  GtkWidget          *export_button;
  GtkWidget          *revoke_button;
};

G_DEFINE_FINAL_TYPE (CustodyTreePage, custody_tree_page, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Only a CA this workspace issued and that still stands: never the root,
 * nor one revoked already. */
static gboolean
revocable (CustodyTreePage *self,
           CustodyNode     *node)
{
  CustodyActionContext context = { 0 };

  context.self_id = custody_session_get_custodian_id (self->session);
  context.node = node;
  return custody_actions_revocable_custodian (&context) != NULL;
}

static void
show_details (CustodyTreePage *self)
{
  CustodyNode *node = custody_tree_page_get_selected (self);
  const char *style = NULL;

  g_clear_pointer (&self->selected_id, g_free);
  if (node == NULL)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "empty");
      custody_fields_fill (self->fields_list, NULL);
      return;
    }
  self->selected_id = g_strdup (custody_node_get_id (node));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->export_button), "s", self->selected_id);
  gtk_widget_set_visible (self->revoke_button, revocable (self, node));
  style = custody_health_to_style_class (custody_node_get_health (node));
  gtk_image_set_from_icon_name (self->health_icon, custody_health_to_icon_name (custody_node_get_health (node)));
  gtk_widget_set_css_classes (GTK_WIDGET (self->health_icon), (const char *[]) { style, NULL });
  gtk_label_set_text (self->title_label, custody_node_get_name (node));
  gtk_label_set_text (self->health_label, custody_health_to_label (custody_node_get_health (node)));
  gtk_widget_set_css_classes (GTK_WIDGET (self->health_label), (const char *[]) { "heading", style, NULL });
  custody_fields_fill (self->fields_list, custody_node_get_fields (node));
  /* Our own keys: where each lives (read while no job holds the workspace). */
  if (custody_node_get_is_self (node) && custody_session_get_workspace (self->session) != NULL)
    custody_key_home_rows_insert (self->fields_list, custody_session_get_workspace (self->session),
                                  custody_key_home_rows_position (custody_node_get_fields (node)));
  gtk_stack_set_visible_child_name (self->detail_stack, "details");
}

static void
on_selection_changed (CustodyTreePage *self)
{
  show_details (self);
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

static void
update_summary (CustodyTreePage *self)
{
  CustodyTreeModel *tree = custody_session_get_tree (self->session);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (tree));
  guint expiring = custody_tree_model_count_health (tree, CUSTODY_HEALTH_EXPIRING);
  guint problems = custody_tree_model_count_health (tree, CUSTODY_HEALTH_EXPIRED)
                   + custody_tree_model_count_health (tree, CUSTODY_HEALTH_REVOKED);
  guint requested = custody_tree_model_count_health (tree, CUSTODY_HEALTH_REQUESTED);
  g_autofree char *text = NULL;

  /* TRANSLATORS: the custody tree's summary: custodians, expiring, expired or revoked, requested */
  text = g_strdup_printf (ngettext ("%u custodian · %u expiring soon · %u expired or revoked · %u requested",
                                    "%u custodians · %u expiring soon · %u expired or revoked · %u requested",
                                    n - requested),
                          n - requested, expiring, problems, requested);
  gtk_label_set_text (self->summary_label, text);
}

/* The tree was rebuilt: keep the same custodian selected. */
static void
on_session_changed (CustodyTreePage *self)
{
  g_autofree char *keep = g_strdup (self->selected_id);
  guint position = 0;

  update_summary (self);
  if (keep != NULL && custody_tree_model_find (custody_session_get_tree (self->session), keep, &position))
    gtk_single_selection_set_selected (self->selection, position);
  show_details (self);
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
          GtkListItem              *item,
          gpointer                  user_data)
{
  CustodyNode *node = gtk_list_item_get_item (item);
  CustodyHealth health = custody_node_get_health (node);
  g_autofree char *title = NULL;

  if (custody_node_get_is_self (node))
    /* TRANSLATORS: the custodian whose workspace this is */
    title = g_strdup_printf (_("%s (you)"), custody_node_get_name (node));
  else
    title = g_strdup (custody_node_get_name (node));
  custody_list_row_set (gtk_list_item_get_child (item), custody_node_get_depth (node),
                        custody_health_to_icon_name (health), custody_health_to_style_class (health),
                        title, custody_node_get_summary (node), custody_health_to_label (health));
}

static void
on_activate (GtkListView     *list_view,
             guint            position,
             CustodyTreePage *self)
{
  custody_tree_page_select (self, position);
}

static void
custody_tree_page_dispose (GObject *object)
{
  CustodyTreePage *self = CUSTODY_TREE_PAGE (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->selected_id, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), CUSTODY_TYPE_TREE_PAGE);
  G_OBJECT_CLASS (custody_tree_page_parent_class)->dispose (object);
}

static void
custody_tree_page_class_init (CustodyTreePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = custody_tree_page_dispose;

  signals[SIGNAL_SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                    G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/libchain/Custody/custody-tree-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, list_view);
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, health_icon);
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, title_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, health_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, fields_list);
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, export_button);
  gtk_widget_class_bind_template_child (widget_class, CustodyTreePage, revoke_button);
  gtk_widget_class_bind_template_callback (widget_class, on_activate);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
custody_tree_page_init (CustodyTreePage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
}

void
custody_tree_page_set_session (CustodyTreePage *self,
                               CustodySession  *session)
{
  g_return_if_fail (CUSTODY_IS_TREE_PAGE (self));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (custody_session_get_tree (session))));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (session, "changed", G_CALLBACK (on_session_changed), self);
  on_session_changed (self);
}

CustodyNode *
custody_tree_page_get_selected (CustodyTreePage *self)
{
  g_return_val_if_fail (CUSTODY_IS_TREE_PAGE (self), NULL);

  if (self->selection == NULL)
    return NULL;
  return gtk_single_selection_get_selected_item (self->selection);
}

gboolean
custody_tree_page_select (CustodyTreePage *self,
                          guint            position)
{
  g_return_val_if_fail (CUSTODY_IS_TREE_PAGE (self), FALSE);

  if (self->selection == NULL || position >= g_list_model_get_n_items (G_LIST_MODEL (self->selection)))
    return FALSE;
  gtk_single_selection_set_selected (self->selection, position);
  adw_leaflet_set_visible_child_name (self->leaflet, "details");
  return TRUE;
}

AdwLeaflet *
custody_tree_page_get_leaflet (CustodyTreePage *self)
{
  g_return_val_if_fail (CUSTODY_IS_TREE_PAGE (self), NULL);
  return self->leaflet;
}
