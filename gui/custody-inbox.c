/* custody-inbox.c — the request inbox: delegation requests to review */
#include "custody-inbox.h"

typedef struct {
  ChainRequestFile *file;
  char             *path;
} Imported;

struct _CustodyInbox {
  GObject    parent_instance;
  GPtrArray *imported;   /* Imported, in import order */
  GPtrArray *items;      /* CustodyRequest */
};

static void custody_inbox_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CustodyInbox, custody_inbox, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      custody_inbox_list_model_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
imported_free (gpointer data)
{
  Imported *imported = data;

  chain_request_file_free (imported->file);
  g_free (imported->path);
  g_free (imported);
}

static GType
custody_inbox_get_item_type (GListModel *model)
{
  return CUSTODY_TYPE_REQUEST;
}

static guint
custody_inbox_get_n_items (GListModel *model)
{
  return CUSTODY_INBOX (model)->items->len;
}

static gpointer
custody_inbox_get_item (GListModel *model,
                        guint       position)
{
  CustodyInbox *self = CUSTODY_INBOX (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
custody_inbox_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = custody_inbox_get_item_type;
  iface->get_n_items = custody_inbox_get_n_items;
  iface->get_item = custody_inbox_get_item;
}

static void
custody_inbox_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, CUSTODY_INBOX (object)->items->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_inbox_finalize (GObject *object)
{
  CustodyInbox *self = CUSTODY_INBOX (object);

  g_ptr_array_unref (self->imported);
  g_ptr_array_unref (self->items);
  G_OBJECT_CLASS (custody_inbox_parent_class)->finalize (object);
}

static void
custody_inbox_class_init (CustodyInboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = custody_inbox_finalize;
  object_class->get_property = custody_inbox_get_property;

  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
custody_inbox_init (CustodyInbox *self)
{
  self->imported = g_ptr_array_new_with_free_func (imported_free);
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

CustodyInbox *
custody_inbox_new (void)
{
  return g_object_new (CUSTODY_TYPE_INBOX, NULL);
}

static Imported *
find_imported (CustodyInbox *self,
               const char   *custodian_id,
               guint        *out_index)
{
  guint i;

  for (i = 0; i < self->imported->len; i++)
    {
      Imported *imported = g_ptr_array_index (self->imported, i);

      if (g_strcmp0 (chain_request_file_get_custodian_id (imported->file), custodian_id) == 0)
        {
          if (out_index != NULL)
            *out_index = i;
          return imported;
        }
    }
  return NULL;
}

gboolean
custody_inbox_import (CustodyInbox   *self,
                      ChainWorkspace *workspace,
                      const char     *path,
                      char          **out_custodian_id,
                      GError        **error)
{
  ChainRequestFile *file = NULL;
  Imported *imported = NULL;
  const char *custodian_id;

  g_return_val_if_fail (CUSTODY_IS_INBOX (self), FALSE);
  g_return_val_if_fail (workspace != NULL, FALSE);

  file = chain_request_file_load (path, error);
  if (file == NULL)
    return FALSE;
  custodian_id = chain_request_file_get_custodian_id (file);
  custody_inbox_forget (self, custodian_id);
  imported = g_new0 (Imported, 1);
  imported->file = file;
  imported->path = g_strdup (path);
  g_ptr_array_add (self->imported, imported);
  if (out_custodian_id != NULL)
    *out_custodian_id = g_strdup (custodian_id);
  custody_inbox_rebuild (self, workspace);
  return TRUE;
}

void
custody_inbox_forget (CustodyInbox *self,
                      const char   *custodian_id)
{
  guint index;

  g_return_if_fail (CUSTODY_IS_INBOX (self));

  if (find_imported (self, custodian_id, &index) != NULL)
    g_ptr_array_remove_index (self->imported, index);
}

void
custody_inbox_rebuild (CustodyInbox   *self,
                       ChainWorkspace *workspace)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  const ChainLedgerState *state = workspace != NULL ? chain_workspace_get_state (workspace) : NULL;
  const char *self_id = workspace != NULL ? chain_workspace_get_custodian_id (workspace) : NULL;
  GPtrArray *old = NULL;
  guint removed;
  guint i;

  g_return_if_fail (CUSTODY_IS_INBOX (self));

  if (state == NULL)
    g_ptr_array_set_size (self->imported, 0);
  for (i = 0; state != NULL && i < chain_ledger_state_get_n_requests (state); i++)
    {
      const ChainLedgerRequest *recorded = chain_ledger_state_get_request (state, i);
      Imported *imported = NULL;

      if (chain_ledger_request_get_status (recorded) != CHAIN_REQUEST_STATUS_PENDING
          || g_strcmp0 (chain_ledger_request_get_parent_id (recorded), self_id) != 0)
        continue;
      imported = find_imported (self, chain_ledger_request_get_custodian_id (recorded), NULL);
      g_ptr_array_add (items, custody_request_new (workspace, imported != NULL ? imported->file : NULL,
                                                   imported != NULL ? imported->path : NULL, recorded));
    }
  for (i = 0; state != NULL && i < self->imported->len; i++)
    {
      Imported *imported = g_ptr_array_index (self->imported, i);
      const char *id = chain_request_file_get_custodian_id (imported->file);
      gboolean listed = FALSE;
      guint j;

      for (j = 0; j < items->len && !listed; j++)
        listed = g_strcmp0 (custody_request_get_custodian_id (g_ptr_array_index (items, j)), id) == 0;
      if (!listed)
        g_ptr_array_add (items, custody_request_new (workspace, imported->file, imported->path, NULL));
    }

  removed = self->items->len;
  old = self->items;
  self->items = g_steal_pointer (&items);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->items->len);
  if (removed != self->items->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  g_ptr_array_unref (old);
}

CustodyRequest *
custody_inbox_find (CustodyInbox *self,
                    const char   *custodian_id,
                    guint        *out_position)
{
  guint i;

  g_return_val_if_fail (CUSTODY_IS_INBOX (self), NULL);

  for (i = 0; i < self->items->len; i++)
    {
      CustodyRequest *request = g_ptr_array_index (self->items, i);

      if (g_strcmp0 (custody_request_get_custodian_id (request), custodian_id) == 0)
        {
          if (out_position != NULL)
            *out_position = i;
          return request;
        }
    }
  return NULL;
}
