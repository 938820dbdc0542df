/* custody-tree-model.c — the custody tree as a flat list in tree order */
#include "custody-tree-model.h"

struct _CustodyTreeModel {
  GObject    parent_instance;
  GPtrArray *nodes;   /* CustodyNode, in tree order */
};

static void custody_tree_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CustodyTreeModel, custody_tree_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      custody_tree_model_list_model_init))

static GType
custody_tree_model_get_item_type (GListModel *model)
{
  return CUSTODY_TYPE_NODE;
}

static guint
custody_tree_model_get_n_items (GListModel *model)
{
  return CUSTODY_TREE_MODEL (model)->nodes->len;
}

static gpointer
custody_tree_model_get_item (GListModel *model,
                             guint       position)
{
  CustodyTreeModel *self = CUSTODY_TREE_MODEL (model);

  if (position >= self->nodes->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->nodes, position));
}

static void
custody_tree_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = custody_tree_model_get_item_type;
  iface->get_n_items = custody_tree_model_get_n_items;
  iface->get_item = custody_tree_model_get_item;
}

static void
custody_tree_model_finalize (GObject *object)
{
  g_ptr_array_unref (CUSTODY_TREE_MODEL (object)->nodes);
  G_OBJECT_CLASS (custody_tree_model_parent_class)->finalize (object);
}

static void
custody_tree_model_class_init (CustodyTreeModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = custody_tree_model_finalize;
}

static void
custody_tree_model_init (CustodyTreeModel *self)
{
  self->nodes = g_ptr_array_new_with_free_func (g_object_unref);
}

CustodyTreeModel *
custody_tree_model_new (void)
{
  return g_object_new (CUSTODY_TYPE_TREE_MODEL, NULL);
}

typedef struct {
  const ChainLedgerState *state;
  const char             *self_id;
  gint64                  now;
  guint                   expiry_window_days;
  GPtrArray              *nodes;
} Walk;

/* Adds @custodian; its children follow (libchain's walk). */
static void
enter_custodian (const ChainCustodian *custodian,
                 guint                 depth,
                 gpointer              user_data)
{
  Walk *walk = user_data;

  g_ptr_array_add (walk->nodes,
                   custody_node_new_custodian (walk->state, custodian, depth,
                                               g_strcmp0 (chain_custodian_get_id (custodian), walk->self_id) == 0,
                                               walk->now, walk->expiry_window_days));
}

/* After its children: the requests made to @custodian still pending. */
static void
leave_custodian (const ChainCustodian *custodian,
                 guint                 depth,
                 gpointer              user_data)
{
  Walk *walk = user_data;
  const char *id = chain_custodian_get_id (custodian);

  for (guint i = 0; i < chain_ledger_state_get_n_requests (walk->state); i++)
    {
      const ChainLedgerRequest *request = chain_ledger_state_get_request (walk->state, i);

      if (chain_ledger_request_get_status (request) == CHAIN_REQUEST_STATUS_PENDING
          && g_strcmp0 (chain_ledger_request_get_parent_id (request), id) == 0)
        g_ptr_array_add (walk->nodes, custody_node_new_request (walk->state, request, depth + 1));
    }
}

void
custody_tree_model_rebuild (CustodyTreeModel       *self,
                            const ChainLedgerState *state,
                            const char             *self_id,
                            gint64                  now,
                            guint                   expiry_window_days)
{
  Walk walk = { state, self_id, now, expiry_window_days, NULL };
  guint removed;

  g_return_if_fail (CUSTODY_IS_TREE_MODEL (self));

  walk.nodes = g_ptr_array_new_with_free_func (g_object_unref);
  if (state != NULL)
    chain_ledger_state_walk_custody (state, enter_custodian, leave_custodian, &walk);
  removed = self->nodes->len;
  g_ptr_array_unref (self->nodes);
  self->nodes = walk.nodes;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->nodes->len);
}

CustodyNode *
custody_tree_model_find (CustodyTreeModel *self,
                         const char       *id,
                         guint            *out_position)
{
  guint i;

  g_return_val_if_fail (CUSTODY_IS_TREE_MODEL (self), NULL);

  for (i = 0; i < self->nodes->len; i++)
    {
      CustodyNode *node = g_ptr_array_index (self->nodes, i);

      if (g_strcmp0 (custody_node_get_id (node), id) == 0)
        {
          if (out_position != NULL)
            *out_position = i;
          return node;
        }
    }
  return NULL;
}

guint
custody_tree_model_count_health (CustodyTreeModel *self,
                                 CustodyHealth     health)
{
  guint count = 0;
  guint i;

  g_return_val_if_fail (CUSTODY_IS_TREE_MODEL (self), 0);

  for (i = 0; i < self->nodes->len; i++)
    if (custody_node_get_health (g_ptr_array_index (self->nodes, i)) == health)
      count++;
  return count;
}
