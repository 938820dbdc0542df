/* chain-reconcile-summary.c — what the last `chain reconcile` found, kept
 *
 * Custody and `chain report` show the last reconciliation without the
 * cloud files: reconcile leaves its counts and first findings in the
 * workspace (CHAIN_RECONCILE_SUMMARY_FILE), which chain-report-data.c
 * reads back.
 */
#include "chain-report-data.h"
#include "chain-error.h"
#include "chain-i18n-private.h"
#include "chain-json.h"


static ChainJson *
finding_to_json (const ChainReconcileFinding *finding)
{
  ChainJson *item = chain_json_new_object ();

  chain_json_object_set_string (item, "kind", chain_reconcile_kind_to_string (finding->kind));
  chain_json_object_set_boolean (item, "needs_action", finding->needs_action);
  if (finding->device_id != NULL)
    chain_json_object_set_string (item, "device_id", finding->device_id);
  if (finding->source != NULL)
    {
      g_autofree char *source = g_filename_display_name (finding->source);

      chain_json_object_set_string (item, "source", source);
    }
  return item;
}

static ChainJson *
counts_to_json (const ChainReconcile *self)
{
  guint64 counts[CHAIN_RECONCILE_NEVER_SEEN + 1][2] = { { 0 } };
  ChainJson *doc = chain_json_new_object ();

  for (gsize i = 0; i < chain_reconcile_get_n_findings (self); i++)
    {
      ChainReconcileFinding finding;

      chain_reconcile_get_finding (self, i, &finding);
      counts[finding.kind][finding.needs_action ? 1 : 0]++;
    }
  for (int k = 0; k <= CHAIN_RECONCILE_NEVER_SEEN; k++)
    {
      ChainJson *pair = chain_json_new_object ();

      chain_json_object_set_integer (pair, "information", (gint64) counts[k][0]);
      chain_json_object_set_integer (pair, "needs_action", (gint64) counts[k][1]);
      chain_json_object_set (doc, chain_reconcile_kind_to_string (k), pair);
    }
  return doc;
}

gboolean
chain_reconcile_write_summary (const ChainReconcile *self,
                               const char *const    *files,
                               gint64                time,
                               const char           *path,
                               GError              **error)
{
  g_autoptr(ChainJson) doc = chain_json_new_object ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  ChainJson *names = chain_json_new_array ();
  ChainJson *findings = chain_json_new_array ();
  gsize n = MIN (chain_reconcile_get_n_findings (self), CHAIN_RECONCILE_SUMMARY_MAX_FINDINGS);

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  for (guint i = 0; files != NULL && files[i] != NULL; i++)
    {
      g_autofree char *name = g_filename_display_name (files[i]);

      chain_json_array_append (names, chain_json_new_string (name));
    }
  /* Findings come needing action first, so the ones kept are those. */
  for (gsize i = 0; i < n; i++)
    {
      ChainReconcileFinding finding;

      chain_reconcile_get_finding (self, i, &finding);
      chain_json_array_append (findings, finding_to_json (&finding));
    }
  chain_json_object_set_integer (doc, "version", 1);
  chain_json_object_set_integer (doc, "time", time);
  chain_json_object_set (doc, "files", names);
  chain_json_object_set_integer (doc, "ledger_devices", (gint64) chain_reconcile_get_n_issued (self));
  chain_json_object_set_integer (doc, "cloud_entries", (gint64) chain_reconcile_get_n_cloud (self));
  chain_json_object_set_integer (doc, "seen", (gint64) chain_reconcile_get_n_seen (self));
  chain_json_object_set_integer (doc, "needs_action", (gint64) chain_reconcile_get_n_needing_action (self));
  chain_json_object_set (doc, "counts", counts_to_json (self));
  chain_json_object_set (doc, "findings", findings);

  bytes = chain_json_to_canonical (doc);
  if (!g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   /* Translators: %s says why the file could not be written. */
                   _("cannot keep the reconcile summary: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}
