/* chain-audit-report.c — the auditor's report: findings, JSON and text
 *
 * chain-audit.c fills a report while it checks a ledger; this file keeps
 * it and shows it, to programs (JSON for `chain audit --json`) and to
 * people (text that a hostile ledger cannot use to drive a terminal).
 */
#include "chain-audit-private.h"
#include "chain-i18n-private.h"
#include "chain-text.h"

#include <inttypes.h>
#include <string.h>

void
chain_audit_finding_free (gpointer data)
{
  ChainAuditFinding *finding = data;

  g_free (finding->rule);
  g_free (finding->message);
  g_free (finding);
}

ChainAuditFinding *
chain_audit_finding_new (gint64      seq,
                         const char *rule,
                         char       *message)
{
  ChainAuditFinding *finding = g_new0 (ChainAuditFinding, 1);

  finding->seq = seq;
  finding->rule = g_strdup (rule);
  finding->message = message;
  return finding;
}

static void
record_clear (gpointer data)
{
  ChainAuditRecord *record = data;

  g_clear_pointer (&record->findings, g_ptr_array_unref);
}

ChainAuditReport *
chain_audit_report_new (void)
{
  ChainAuditReport *self = g_new0 (ChainAuditReport, 1);

  self->ref_count = 1;
  self->records = g_array_new (FALSE, TRUE, sizeof (ChainAuditRecord));
  g_array_set_clear_func (self->records, record_clear);
  self->findings = g_ptr_array_new_with_free_func (chain_audit_finding_free);
  self->strings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

const char *
chain_audit_report_intern (ChainAuditReport *self,
                           const char       *text)
{
  char *stored = NULL;

  if (text == NULL)
    return NULL;
  stored = g_hash_table_lookup (self->strings, text);
  if (stored == NULL)
    {
      stored = g_strdup (text);
      g_hash_table_add (self->strings, stored);
    }
  return stored;
}

ChainAuditReport *
chain_audit_report_ref (ChainAuditReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
chain_audit_report_unref (ChainAuditReport *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->ledger_id);
  g_free (self->tip);
  g_array_unref (self->records);
  g_ptr_array_unref (self->findings);
  g_hash_table_unref (self->strings);
  g_free (self);
}

gboolean
chain_audit_report_is_ok (const ChainAuditReport *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->findings->len == 0 && chain_audit_report_get_n_failed_records (self) == 0;
}

const char *
chain_audit_report_get_ledger_id (const ChainAuditReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->ledger_id;
}

const char *
chain_audit_report_get_tip_commit_id (const ChainAuditReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->tip;
}

guint64
chain_audit_report_get_n_records (const ChainAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->records->len;
}

guint64
chain_audit_report_get_n_failed_records (const ChainAuditReport *self)
{
  guint64 n = 0;

  g_return_val_if_fail (self != NULL, 0);
  for (guint i = 0; i < self->records->len; i++)
    n += g_array_index (self->records, ChainAuditRecord, i).findings != NULL;
  return n;
}

const ChainAuditRecord *
chain_audit_report_get_record (const ChainAuditReport *self,
                               guint64                 index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->records->len, NULL);
  return &g_array_index (self->records, ChainAuditRecord, index);
}

guint
chain_audit_report_get_n_findings (const ChainAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->findings->len;
}

const ChainAuditFinding *
chain_audit_report_get_finding (const ChainAuditReport *self,
                                guint                   index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->findings->len, NULL);
  return g_ptr_array_index (self->findings, index);
}

static gboolean
finding_matches (const ChainAuditFinding *finding,
                 gint64                   seq,
                 const char              *rule)
{
  return (seq < 0 || finding->seq == seq) && (rule == NULL || strcmp (finding->rule, rule) == 0);
}

const ChainAuditFinding *
chain_audit_report_find (const ChainAuditReport *self,
                         gint64                  seq,
                         const char             *rule)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->records->len; i++)
    {
      const ChainAuditRecord *record = &g_array_index (self->records, ChainAuditRecord, i);

      if (record->findings == NULL || (seq >= 0 && record->seq != (guint64) seq))
        continue;
      for (guint j = 0; j < record->findings->len; j++)
        if (finding_matches (g_ptr_array_index (record->findings, j), seq, rule))
          return g_ptr_array_index (record->findings, j);
    }
  for (guint i = 0; i < self->findings->len; i++)
    if (finding_matches (g_ptr_array_index (self->findings, i), seq, rule))
      return g_ptr_array_index (self->findings, i);
  return NULL;
}

gboolean
chain_audit_finding_is_refusal (const ChainAuditFinding *finding)
{
  g_return_val_if_fail (finding != NULL, TRUE);
  return g_strcmp0 (finding->rule, "quota.exceeded") != 0;
}

gboolean
chain_audit_report_is_acceptable (const ChainAuditReport *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < self->findings->len; i++)
    if (chain_audit_finding_is_refusal (g_ptr_array_index (self->findings, i)))
      return FALSE;
  for (guint i = 0; i < self->records->len; i++)
    {
      const ChainAuditRecord *record = &g_array_index (self->records, ChainAuditRecord, i);

      for (guint j = 0; record->findings != NULL && j < record->findings->len; j++)
        if (chain_audit_finding_is_refusal (g_ptr_array_index (record->findings, j)))
          return FALSE;
    }
  return TRUE;
}

guint64
chain_audit_record_get_seq (const ChainAuditRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

const char *
chain_audit_record_get_commit_id (const ChainAuditRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->commit_id;
}

const char *
chain_audit_record_get_record_type (const ChainAuditRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->type;
}

const char *
chain_audit_record_get_author (const ChainAuditRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->author;
}

gboolean
chain_audit_record_is_ok (const ChainAuditRecord *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->findings == NULL;
}

guint
chain_audit_record_get_n_findings (const ChainAuditRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->findings != NULL ? self->findings->len : 0;
}

const ChainAuditFinding *
chain_audit_record_get_finding (const ChainAuditRecord *self,
                                guint                   index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->findings != NULL && index < self->findings->len, NULL);
  return g_ptr_array_index (self->findings, index);
}

gint64
chain_audit_finding_get_seq (const ChainAuditFinding *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->seq;
}

const char *
chain_audit_finding_get_rule (const ChainAuditFinding *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->rule;
}

const char *
chain_audit_finding_get_message (const ChainAuditFinding *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->message;
}

/* A name from a tree, safe to show: one line, bounded. */
char *
chain_audit_shown (const char *text)
{
  g_autofree char *escaped = g_strescape (text != NULL ? text : "", NULL);

  if (strlen (escaped) > 64)
    return g_strdup_printf ("%.61s...", escaped);
  return g_steal_pointer (&escaped);
}

char *
chain_audit_oid_hex (const git_oid *oid)
{
  char hex[GIT_OID_HEXSZ + 1];

  git_oid_tostr (hex, sizeof hex, oid);
  return g_strdup (hex);
}

/* ---- Output ------------------------------------------------------------------ */

static ChainJson *
finding_to_json (const ChainAuditFinding *finding,
                 gboolean                 with_seq)
{
  ChainJson *object = chain_json_new_object ();

  if (with_seq)
    chain_json_object_set (object, "seq", finding->seq >= 0 ? chain_json_new_integer (finding->seq)
                                                            : chain_json_new_null ());
  chain_json_object_set_string (object, "rule", finding->rule);
  chain_json_object_set_string (object, "message", finding->message);
  return object;
}

static ChainJson *
string_or_null (const char *text)
{
  return text != NULL ? chain_json_new_string (text) : chain_json_new_null ();
}

ChainJson *
chain_audit_report_to_json (const ChainAuditReport *self)
{
  ChainJson *root = NULL;
  ChainJson *records = NULL;
  ChainJson *findings = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  root = chain_json_new_object ();
  records = chain_json_new_array ();
  findings = chain_json_new_array ();
  for (guint i = 0; i < self->records->len; i++)
    {
      const ChainAuditRecord *record = &g_array_index (self->records, ChainAuditRecord, i);
      ChainJson *object = chain_json_new_object ();
      ChainJson *list = chain_json_new_array ();

      chain_json_object_set_integer (object, "seq", (gint64) record->seq);
      chain_json_object_set_string (object, "commit", record->commit_id);
      chain_json_object_set (object, "type", string_or_null (record->type));
      chain_json_object_set (object, "author", string_or_null (record->author));
      chain_json_object_set_boolean (object, "ok", record->findings == NULL);
      for (guint j = 0; record->findings != NULL && j < record->findings->len; j++)
        chain_json_array_append (list, finding_to_json (g_ptr_array_index (record->findings, j), FALSE));
      chain_json_object_set (object, "findings", list);
      chain_json_array_append (records, object);
    }
  for (guint i = 0; i < self->findings->len; i++)
    chain_json_array_append (findings, finding_to_json (g_ptr_array_index (self->findings, i), TRUE));

  chain_json_object_set_boolean (root, "ok", chain_audit_report_is_ok (self));
  chain_json_object_set (root, "ledger", string_or_null (self->ledger_id));
  chain_json_object_set (root, "tip", string_or_null (self->tip));
  chain_json_object_set_integer (root, "n_records", self->records->len);
  chain_json_object_set_integer (root, "n_failed", (gint64) chain_audit_report_get_n_failed_records (self));
  chain_json_object_set (root, "records", records);
  chain_json_object_set (root, "findings", findings);
  return root;
}

/* Text from a ledger is shown, never obeyed. */
static void
append_shown (GString    *out,
              const char *text)
{
  chain_text_append_sanitized (out, text, CHAIN_TEXT_ONE_LINE);
}

/* @text as append_shown() shows it. (transfer full) */
static char *
shown_text (const char *text)
{
  GString *out = g_string_new (NULL);

  append_shown (out, text);
  return g_string_free (out, FALSE);
}

/* "record SEQ TYPE by AUTHOR (commit ID): ok", whole for translators. */
static void
append_record_line (GString                *out,
                    const ChainAuditRecord *record)
{
  g_autofree char *type = shown_text (record->type != NULL ? record->type : _("(unreadable)"));
  g_autofree char *author = record->author != NULL ? shown_text (record->author) : NULL;

  if (author != NULL && record->findings == NULL)
    /* Translators: a record of the audit report: its number, its type (e.g.
     * 'device-batch', not translated), who wrote it, the start of its git
     * commit id, then whether it passed. */
    g_string_append_printf (out, _("record %" PRIu64 " %s by %s (commit %.12s): ok"),
                            record->seq, type, author, record->commit_id);
  else if (author != NULL)
    g_string_append_printf (out, _("record %" PRIu64 " %s by %s (commit %.12s): FAILED"),
                            record->seq, type, author, record->commit_id);
  else if (record->findings == NULL)
    g_string_append_printf (out, _("record %" PRIu64 " %s (commit %.12s): ok"),
                            record->seq, type, record->commit_id);
  else
    g_string_append_printf (out, _("record %" PRIu64 " %s (commit %.12s): FAILED"),
                            record->seq, type, record->commit_id);
  g_string_append_c (out, '\n');
}

/* "audit passed: N records, N failed, N ledger findings; ledger ID at TIP" */
static void
append_summary (GString                *out,
                const ChainAuditReport *self)
{
  guint64 failed = chain_audit_report_get_n_failed_records (self);
  g_autofree char *records = NULL;
  g_autofree char *findings = NULL;
  g_autofree char *ledger = self->ledger_id != NULL ? shown_text (self->ledger_id) : NULL;

  records = g_strdup_printf (chain_i18n_ngettext ("%u record", "%u records", self->records->len),
                             self->records->len);
  findings = g_strdup_printf (chain_i18n_ngettext ("%u ledger finding", "%u ledger findings",
                                           self->findings->len),
                              self->findings->len);
  if (chain_audit_report_is_ok (self))
    /* Translators: the first %s is 'N records', the last 'N ledger findings',
     * both translated above; the number is of records that failed. */
    g_string_append_printf (out, _("audit passed: %s, %" PRIu64 " failed, %s"), records, failed, findings);
  else
    g_string_append_printf (out, _("audit FAILED: %s, %" PRIu64 " failed, %s"), records, failed, findings);
  if (ledger != NULL && self->tip != NULL)
    /* Translators: ends the audit's summary: the ledger's id, the start of
     * the git commit id the audit read up to. */
    g_string_append_printf (out, _("; ledger %s at %.12s"), ledger, self->tip);
  else if (ledger != NULL)
    g_string_append_printf (out, _("; ledger %s"), ledger);
  else if (self->tip != NULL)
    g_string_append_printf (out, _(" at %.12s"), self->tip);
  g_string_append_c (out, '\n');
}

char *
chain_audit_report_to_text (const ChainAuditReport *self,
                            gboolean                all_records)
{
  GString *out = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  for (guint i = 0; i < self->records->len; i++)
    {
      const ChainAuditRecord *record = &g_array_index (self->records, ChainAuditRecord, i);

      if (record->findings == NULL && !all_records)
        continue;
      append_record_line (out, record);
      for (guint j = 0; record->findings != NULL && j < record->findings->len; j++)
        {
          const ChainAuditFinding *finding = g_ptr_array_index (record->findings, j);

          g_string_append (out, "  ");
          append_shown (out, finding->message);
          g_string_append_c (out, '\n');
        }
    }
  for (guint i = 0; i < self->findings->len; i++)
    {
      const ChainAuditFinding *finding = g_ptr_array_index (self->findings, i);
      g_autofree char *message = shown_text (finding->message);

      /* Translators: a finding about the whole ledger, not one record. */
      g_string_append_printf (out, _("ledger: %s"), message);
      g_string_append_c (out, '\n');
    }
  append_summary (out, self);
  return g_string_free (out, FALSE);
}
