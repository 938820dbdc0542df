/* custody-timeline.c — the ledger's records, newest first, read lazily */
#include "custody-timeline.h"

struct _CustodyTimeline {
  GObject           parent_instance;
  ChainLedger      *ledger;
  guint64           length;      /* records as indexed at the last open or refresh */
  guint64           n_checked;
  ChainAuditReport *report;
  GHashTable       *cache;       /* seq (guint64 *) -> CustodyRecordItem */
  guint64           n_loaded;
};

static void custody_timeline_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CustodyTimeline, custody_timeline, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      custody_timeline_list_model_init))

/* What the item for @seq should show, given what the timeline knows. */
static void
apply_badge (CustodyTimeline   *self,
             CustodyRecordItem *item)
{
  guint64 seq = custody_record_item_get_seq (item);
  g_autoptr(GString) findings = NULL;
  const ChainAuditRecord *record = NULL;
  guint i;

  if (self->report != NULL && seq < chain_audit_report_get_n_records (self->report))
    {
      record = chain_audit_report_get_record (self->report, seq);
      if (chain_audit_record_is_ok (record))
        {
          custody_record_item_set_badge (item, CUSTODY_BADGE_AUDITED, NULL);
          return;
        }
      findings = g_string_new (NULL);
      for (i = 0; i < chain_audit_record_get_n_findings (record); i++)
        {
          if (findings->len > 0)
            g_string_append_c (findings, '\n');
          g_string_append (findings,
                           chain_audit_finding_get_message (chain_audit_record_get_finding (record, i)));
        }
      custody_record_item_set_badge (item, CUSTODY_BADGE_FAILED, findings->str);
      return;
    }
  custody_record_item_set_badge (item, seq < self->n_checked ? CUSTODY_BADGE_CHECKED
                                                             : CUSTODY_BADGE_UNCHECKED, NULL);
}

/* Drops rows only the cache holds, once it is full. */
static void
trim_cache (CustodyTimeline *self)
{
  GHashTableIter iter;
  gpointer value;

  if (g_hash_table_size (self->cache) < CUSTODY_TIMELINE_CACHE_SIZE)
    return;
  g_hash_table_iter_init (&iter, self->cache);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (G_OBJECT (value)->ref_count == 1)
      g_hash_table_iter_remove (&iter);
}

static GType
custody_timeline_get_item_type (GListModel *model)
{
  return CUSTODY_TYPE_RECORD_ITEM;
}

static guint
custody_timeline_get_n_items (GListModel *model)
{
  return (guint) MIN (CUSTODY_TIMELINE (model)->length, G_MAXUINT);
}

static gpointer
custody_timeline_get_item (GListModel *model,
                           guint       position)
{
  CustodyTimeline *self = CUSTODY_TIMELINE (model);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRecord) record = NULL;
  CustodyRecordItem *item = NULL;
  guint64 seq;

  if (position >= self->length)
    return NULL;
  seq = self->length - 1 - position;
  item = g_hash_table_lookup (self->cache, &seq);
  if (item != NULL)
    return g_object_ref (item);

  trim_cache (self);
  self->n_loaded++;
  record = chain_ledger_load_record (self->ledger, seq, &error);
  if (record != NULL)
    item = custody_record_item_new (record);
  else
    item = custody_record_item_new_unreadable (seq, error);
  apply_badge (self, item);
  g_hash_table_insert (self->cache, g_memdup2 (&seq, sizeof seq), item);
  return g_object_ref (item);
}

static void
custody_timeline_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = custody_timeline_get_item_type;
  iface->get_n_items = custody_timeline_get_n_items;
  iface->get_item = custody_timeline_get_item;
}

static void
custody_timeline_finalize (GObject *object)
{
  CustodyTimeline *self = CUSTODY_TIMELINE (object);

  g_hash_table_unref (self->cache);
  g_clear_pointer (&self->report, chain_audit_report_unref);
  g_clear_pointer (&self->ledger, chain_ledger_free);
  G_OBJECT_CLASS (custody_timeline_parent_class)->finalize (object);
}

static void
custody_timeline_class_init (CustodyTimelineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = custody_timeline_finalize;
}

static void
custody_timeline_init (CustodyTimeline *self)
{
  self->cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
}

CustodyTimeline *
custody_timeline_new (void)
{
  return g_object_new (CUSTODY_TYPE_TIMELINE, NULL);
}

gboolean
custody_timeline_open (CustodyTimeline *self,
                       const char      *ledger_path,
                       GError         **error)
{
  guint64 removed;
  ChainLedger *ledger = NULL;

  g_return_val_if_fail (CUSTODY_IS_TIMELINE (self), FALSE);

  if (ledger_path != NULL)
    ledger = chain_ledger_open (ledger_path, NULL, error);
  removed = self->length;
  g_hash_table_remove_all (self->cache);
  g_clear_pointer (&self->report, chain_audit_report_unref);
  g_clear_pointer (&self->ledger, chain_ledger_free);
  self->ledger = ledger;
  self->length = ledger != NULL ? chain_ledger_get_length (ledger) : 0;
  self->n_checked = 0;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, (guint) MIN (removed, G_MAXUINT),
                              (guint) MIN (self->length, G_MAXUINT));
  return ledger != NULL || ledger_path == NULL;
}

gboolean
custody_timeline_refresh (CustodyTimeline *self,
                          GError         **error)
{
  guint64 old_length;

  g_return_val_if_fail (CUSTODY_IS_TIMELINE (self), FALSE);

  if (self->ledger == NULL)
    return TRUE;
  if (!chain_ledger_refresh (self->ledger, NULL, NULL, error))
    return FALSE;
  old_length = self->length;
  self->length = chain_ledger_get_length (self->ledger);
  if (self->length < old_length)
    {
      /* A sync never shortens a ledger: treat it as a new one. */
      g_hash_table_remove_all (self->cache);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, (guint) old_length, (guint) self->length);
    }
  else if (self->length > old_length)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, (guint) (self->length - old_length));
  return TRUE;
}

static void
update_badges (CustodyTimeline *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->cache);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    apply_badge (self, value);
}

void
custody_timeline_set_checked (CustodyTimeline *self,
                              guint64          n_records)
{
  g_return_if_fail (CUSTODY_IS_TIMELINE (self));

  self->n_checked = n_records;
  update_badges (self);
}

void
custody_timeline_set_report (CustodyTimeline  *self,
                             ChainAuditReport *report)
{
  g_return_if_fail (CUSTODY_IS_TIMELINE (self));

  g_clear_pointer (&self->report, chain_audit_report_unref);
  if (report != NULL)
    self->report = chain_audit_report_ref (report);
  update_badges (self);
}

guint64
custody_timeline_get_n_loaded (CustodyTimeline *self)
{
  g_return_val_if_fail (CUSTODY_IS_TIMELINE (self), 0);
  return self->n_loaded;
}

guint
custody_timeline_get_n_cached (CustodyTimeline *self)
{
  g_return_val_if_fail (CUSTODY_IS_TIMELINE (self), 0);
  return g_hash_table_size (self->cache);
}

guint
custody_timeline_get_position (CustodyTimeline *self,
                               guint64          seq)
{
  g_return_val_if_fail (CUSTODY_IS_TIMELINE (self), G_MAXUINT);

  if (seq >= self->length)
    return G_MAXUINT;
  return (guint) (self->length - 1 - seq);
}
