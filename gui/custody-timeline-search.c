/* custody-timeline-search.c — finding a record in the ledger's timeline */
#include "custody-timeline-search.h"

#include <string.h>

#include "custody-format.h"

static gboolean
folded_contains (const char *text,
                 const char *folded_query)
{
  g_autofree char *folded = NULL;

  if (text == NULL)
    return FALSE;
  folded = g_utf8_casefold (text, -1);
  return strstr (folded, folded_query) != NULL;
}

/* A device batch names its devices (id, serial, digests) in its
 * manifest, not in its statement: so a device is found by its id. */
static gboolean
batch_mentions (CustodyRecordItem *item,
                const char        *folded_query)
{
  g_autoptr(GBytes) manifest = NULL;
  g_autofree char *text = NULL;
  gsize size = 0;
  const char *data = NULL;

  if (g_strcmp0 (custody_record_item_get_type_name (item), "device-batch") != 0)
    return FALSE;
  manifest = custody_record_item_read_artifact (item, "manifest.csv", NULL);
  if (manifest == NULL)
    return FALSE;
  data = g_bytes_get_data (manifest, &size);
  text = g_strndup (data, size);
  return folded_contains (text, folded_query);
}

gboolean
custody_record_item_matches (CustodyRecordItem *item,
                             const char        *query)
{
  g_autofree char *folded_query = g_utf8_casefold (query, -1);
  g_autoptr(GPtrArray) fields = NULL;
  g_autofree char *content = NULL;
  guint i;

  if (folded_contains (custody_record_item_get_title (item), folded_query)
      || folded_contains (custody_record_item_get_type_name (item), folded_query)
      || folded_contains (custody_record_item_get_author (item), folded_query)
      || folded_contains (custody_record_item_get_summary (item), folded_query))
    return TRUE;
  fields = custody_record_item_get_fields (item);
  for (i = 0; fields != NULL && i < fields->len; i++)
    {
      CustodyField *field = g_ptr_array_index (fields, i);

      if (folded_contains (field->value, folded_query))
        return TRUE;
    }
  content = custody_record_item_get_content (item);
  if (folded_contains (content, folded_query))
    return TRUE;
  return batch_mentions (item, folded_query);
}

/* "#12" or "12": record 12. */
static gboolean
parse_record_number (const char *query,
                     guint64    *out_seq)
{
  const char *digits = query[0] == '#' ? query + 1 : query;
  guint64 seq = 0;

  if (digits[0] == '\0' || !g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, &seq, NULL))
    return FALSE;
  *out_seq = seq;
  return TRUE;
}

/* Records are newest first, so their numbers fall with the position:
 * record @seq is found in log(n) reads, filtered or not. */
guint
custody_records_find_seq (GListModel *records,
                          guint64     seq)
{
  guint low = 0;
  guint high = g_list_model_get_n_items (records);

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      g_autoptr(CustodyRecordItem) item = g_list_model_get_item (records, middle);
      guint64 at = item != NULL ? custody_record_item_get_seq (item) : 0;

      if (at == seq)
        return middle;
      if (at > seq)
        low = middle + 1;
      else
        high = middle;
    }
  return G_MAXUINT;
}

guint
custody_records_find_device (GListModel             *records,
                             const ChainLedgerState *state,
                             const char             *query)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (query));
  guint64 seq = 0;

  if (state == NULL || !chain_ledger_state_find_device_batch_by_id (state, trimmed, &seq))
    return G_MAXUINT;
  return custody_records_find_seq (records, seq);
}

guint
custody_records_search (GListModel *records,
                        const char *query,
                        guint       from)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (query));
  guint n = g_list_model_get_n_items (records);
  guint64 seq = 0;
  guint i;

  if (trimmed[0] == '\0' || n == 0)
    return G_MAXUINT;
  if (parse_record_number (trimmed, &seq))
    {
      guint position = custody_records_find_seq (records, seq);

      if (position < n)
        return position;
      if (trimmed[0] == '#')
        return G_MAXUINT;
    }
  for (i = 0; i < n; i++)
    {
      guint position = (from + i) % n;
      g_autoptr(CustodyRecordItem) item = g_list_model_get_item (records, position);

      if (item != NULL && custody_record_item_matches (item, trimmed))
        return position;
    }
  return G_MAXUINT;
}

guint
custody_timeline_search (CustodyTimeline *timeline,
                         const char      *query,
                         guint            from)
{
  return custody_records_search (G_LIST_MODEL (timeline), query, from);
}
