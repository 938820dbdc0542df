/* custody-audit-text.c — the audit report in the ledger's words */
#include "custody-audit-text.h"

#include <glib/gi18n.h>

#include "custody-format.h"

/* "Dist X (dist-x)" when the ledger knows @id, else @id; sanitized. */
static char *
dup_author (const ChainLedgerState *state,
            const char             *id)
{
  const ChainCustodian *custodian = state != NULL ? chain_ledger_state_find_custodian (state, id) : NULL;
  g_autofree char *shown_id = chain_text_sanitize (id, CHAIN_TEXT_ONE_LINE);
  g_autofree char *name = NULL;

  if (custodian == NULL)
    return g_steal_pointer (&shown_id);
  name = chain_text_sanitize (chain_custodian_get_name (custodian), CHAIN_TEXT_ONE_LINE);
  /* TRANSLATORS: a custodian's name and, in brackets, its id: "Dist X (dist-x)" */
  return g_strdup_printf (_("%s (%s)"), name, shown_id);
}

static void
append_record (GString                *out,
               const ChainAuditRecord *record,
               const ChainLedgerState *state)
{
  const char *type = chain_audit_record_get_record_type (record);
  const char *author = chain_audit_record_get_author (record);
  g_autofree char *label = chain_text_sanitize (type != NULL ? custody_record_type_to_label (type)
                                                             /* TRANSLATORS: a record whose type cannot be read */
                                                             : _("Unreadable record"),
                                                CHAIN_TEXT_ONE_LINE);
  g_autofree char *by = author != NULL ? dup_author (state, author) : NULL;
  /* TRANSLATORS: a record's verdict in the audit report */
  const char *verdict = chain_audit_record_is_ok (record) ? _("passed") : _("FAILED");
  guint64 seq = chain_audit_record_get_seq (record);
  const char *commit = chain_audit_record_get_commit_id (record);

  if (by != NULL)
    /* TRANSLATORS: a record in the audit report: "#3 Device batch, by Dist X (dist-x) — commit 1a2b3c4d5e6f: passed" */
    g_string_append_printf (out, _("#%llu %s, by %s — commit %.12s: %s"), (unsigned long long) seq, label, by,
                            commit, verdict);
  else
    /* TRANSLATORS: a record in the audit report whose author cannot be read */
    g_string_append_printf (out, _("#%llu %s — commit %.12s: %s"), (unsigned long long) seq, label, commit, verdict);
  g_string_append_c (out, '\n');
  for (guint i = 0; i < chain_audit_record_get_n_findings (record); i++)
    {
      g_autofree char *message = chain_text_sanitize (chain_audit_finding_get_message (chain_audit_record_get_finding (record, i)),
                                                      CHAIN_TEXT_ONE_LINE);

      g_string_append_printf (out, "    %s\n", message);
    }
}

char *
custody_audit_report_dup_text (const ChainAuditReport *report,
                               const ChainLedgerState *state)
{
  GString *out = NULL;
  const char *tip = NULL;

  g_return_val_if_fail (report != NULL, NULL);

  out = g_string_new (NULL);
  for (guint64 i = 0; i < chain_audit_report_get_n_records (report); i++)
    append_record (out, chain_audit_report_get_record (report, i), state);
  for (guint i = 0; i < chain_audit_report_get_n_findings (report); i++)
    {
      g_autofree char *message = chain_text_sanitize (chain_audit_finding_get_message (chain_audit_report_get_finding (report, i)),
                                                      CHAIN_TEXT_ONE_LINE);

      /* TRANSLATORS: a finding about the whole ledger, not one record */
      g_string_append_printf (out, _("Ledger: %s"), message);
      g_string_append_c (out, '\n');
    }
  tip = chain_audit_report_get_tip_commit_id (report);
  if (tip != NULL)
    {
      /* TRANSLATORS: the last line of the audit report: the git commit the audit read up to */
      g_string_append_printf (out, _("Read up to commit %.12s"), tip);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
