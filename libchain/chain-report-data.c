/* chain-report-data.c — who issued what, as series for charts
 *
 * One pass over the ledger's records reads each device batch's body (its
 * author, count and time); the custody tree gives the order and the CAs.
 */
#include "chain-report-data.h"
#include "chain-cert.h"
#include "chain-custody-tree.h"
#include "chain-error.h"
#include "chain-i18n-private.h"
#include "chain-record.h"
#include "chain-text.h"
#include "chain-workspace.h"

#include <inttypes.h>

#define SECONDS_PER_DAY (24 * 60 * 60)

/* A reconcile summary is a few counts and at most a hundred findings of
 * at most a few hundred bytes each. */
#define SUMMARY_MAX_LEN (1024 * 1024)

typedef struct {
  ChainReportIssued public;
  char             *custodian_id;
  char             *name;
  char             *tier;
  char             *parent_id;   /* (nullable) */
  GArray           *points;   /* ChainReportPoint */
} IssuedSeries;

struct _ChainReportData {
  gint64      now;
  GPtrArray  *issued;          /* IssuedSeries *, custody-tree order */
  GHashTable *issued_by_id;    /* custodian id -> IssuedSeries * */
  GArray     *cas;             /* ChainReportCa */
  GStringChunk *strings;       /* the CAs' names, the summary's text */
  gboolean    has_reconcile;
  ChainReportReconcile reconcile;
  GArray     *findings;        /* ChainReportFinding */
  GPtrArray  *files;           /* const char *, NULL-terminated */
};

static void
issued_series_free (IssuedSeries *series)
{
  g_free (series->custodian_id);
  g_free (series->name);
  g_free (series->tier);
  g_free (series->parent_id);
  g_array_unref (series->points);
  g_free (series);
}

void
chain_report_data_free (ChainReportData *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->issued);
  g_hash_table_unref (self->issued_by_id);
  g_array_unref (self->cas);
  g_string_chunk_free (self->strings);
  g_array_unref (self->findings);
  g_ptr_array_unref (self->files);
  g_free (self);
}

/* ---- The custody tree: series slots and CA windows ------------------------------- */

typedef struct {
  ChainReportData *data;
  gint64           now;
} WalkContext;

static void
visit_custodian (const ChainCustodian *custodian,
                 guint                 depth,
                 gpointer              user_data)
{
  WalkContext *walk = user_data;
  ChainReportData *self = walk->data;
  IssuedSeries *series = g_new0 (IssuedSeries, 1);

  series->custodian_id = g_strdup (chain_custodian_get_id (custodian));
  series->name = g_strdup (chain_custodian_get_name (custodian));
  series->tier = g_strdup (chain_custodian_get_tier (custodian));
  series->parent_id = g_strdup (chain_custodian_get_parent_id (custodian));
  series->points = g_array_new (FALSE, FALSE, sizeof (ChainReportPoint));
  if (!chain_custodian_get_quota (custodian, &series->public.quota))
    series->public.quota = 0;
  g_ptr_array_add (self->issued, series);
  g_hash_table_insert (self->issued_by_id, series->custodian_id, series);

  for (guint i = 0; i < chain_custodian_get_n_cas (custodian); i++)
    {
      ChainCert *cert = chain_custodian_get_ca (custodian, i);
      ChainReportCa ca = { 0 };

      ca.custodian_id = g_string_chunk_insert_const (self->strings, chain_custodian_get_id (custodian));
      ca.name = g_string_chunk_insert_const (self->strings, chain_custodian_get_name (custodian));
      ca.ca_index = i;
      ca.depth = depth;
      ca.not_before = chain_cert_get_not_before (cert);
      ca.not_after = chain_cert_get_not_after (cert);
      ca.status = chain_custodian_get_ca_status (custodian, i, walk->now);
      ca.expiring = ca.status == CHAIN_CUSTODY_STATUS_VALID
                    && chain_expiry_is_near (ca.not_after, walk->now, CHAIN_EXPIRY_WARNING_DAYS);
      g_array_append_val (self->cas, ca);
    }
}

/* ---- Issuance: one device-batch body per batch ----------------------------------- */

static void
add_batch (IssuedSeries *series,
           gint64        time,
           guint64       count)
{
  gint64 day = time - (((time % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY);
  ChainReportPoint *last = series->points->len > 0
                             ? &g_array_index (series->points, ChainReportPoint, series->points->len - 1)
                             : NULL;

  series->public.total += count;
  /* A record may be dated a little before the one it follows
   * (CHAIN_LEDGER_TIME_SKEW): it counts on the later day, so days stay
   * in order. */
  if (last != NULL && day <= last->day)
    {
      last->issued += count;
      last->total = series->public.total;
      return;
    }
  g_array_append_val (series->points, ((ChainReportPoint) { day, count, series->public.total }));
}

static gboolean
read_batches (ChainReportData *self,
              ChainLedger     *ledger,
              GCancellable    *cancellable,
              GError         **error)
{
  guint64 length = chain_ledger_get_length (ledger);

  for (guint64 seq = 0; seq < length; seq++)
    {
      g_autoptr(ChainRecord) record = NULL;
      ChainStatement *statement;
      IssuedSeries *series;
      gint64 count = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      record = chain_ledger_load_record (ledger, seq, error);
      if (record == NULL)
        return FALSE;
      statement = chain_record_get_statement (record);
      if (chain_statement_get_record_type (statement) != CHAIN_RECORD_TYPE_DEVICE_BATCH)
        continue;
      series = g_hash_table_lookup (self->issued_by_id, chain_statement_get_author (statement));
      /* The state at the tip applied every batch, so its author and count
       * are sound; a ledger behind its state is not, and is skipped. */
      if (series == NULL
          || !chain_json_object_get_integer_member (chain_statement_get_body (statement), "count", &count, NULL)
          || count <= 0)
        continue;
      add_batch (series, chain_statement_get_time (statement), (guint64) count);
      /* A quota counts what is issued below its custodian too. */
      for (IssuedSeries *above = series->parent_id != NULL ? g_hash_table_lookup (self->issued_by_id, series->parent_id) : NULL;
           above != NULL;
           above = above->parent_id != NULL ? g_hash_table_lookup (self->issued_by_id, above->parent_id) : NULL)
        if (above->public.quota > 0)
          add_batch (above, chain_statement_get_time (statement), (guint64) count);
    }
  return TRUE;
}

/* ---- The last reconcile ------------------------------------------------------------- */

static gboolean
summary_error (GError    **error,
               const char *path,
               const char *what)
{
  g_autofree char *shown = g_filename_display_name (path);

  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: %s is a file; the second %s says what is wrong. */
               _("%s: not a reconcile summary (%s); run chain reconcile again to replace it"),
               shown, what);
  return FALSE;
}

static gboolean
read_count (const ChainJson *doc,
            const char      *key,
            guint64         *out_value)
{
  gint64 value = 0;

  if (!chain_json_object_get_integer_member (doc, key, &value, NULL) || value < 0)
    return FALSE;
  *out_value = (guint64) value;
  return TRUE;
}

static gboolean
read_summary_findings (ChainReportData *self,
                       const ChainJson *list)
{
  for (gsize i = 0; i < chain_json_array_get_length (list) && i < CHAIN_RECONCILE_SUMMARY_MAX_FINDINGS; i++)
    {
      ChainJson *item = chain_json_array_get_element (list, i);
      ChainReportFinding finding = { 0 };
      const char *kind = NULL;
      const char *text = NULL;
      gboolean known = FALSE;

      if (chain_json_get_value_type (item) != CHAIN_JSON_OBJECT
          || !chain_json_object_get_string_member (item, "kind", &kind, NULL)
          || !chain_json_object_get_boolean_member (item, "needs_action", &finding.needs_action, NULL))
        return FALSE;
      for (int k = 0; k <= CHAIN_RECONCILE_NEVER_SEEN; k++)
        if (g_strcmp0 (kind, chain_reconcile_kind_to_string (k)) == 0)
          {
            finding.kind = k;
            known = TRUE;
          }
      if (!known)
        return FALSE;
      if (chain_json_object_get_string_member (item, "device_id", &text, NULL))
        finding.device_id = g_string_chunk_insert (self->strings, text);
      if (chain_json_object_get_string_member (item, "source", &text, NULL))
        finding.source = g_string_chunk_insert (self->strings, text);
      g_array_append_val (self->findings, finding);
    }
  return TRUE;
}

static gboolean
read_summary (ChainReportData *self,
              const char      *path,
              GError         **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(ChainJson) doc = NULL;
  g_autoptr(GError) local_error = NULL;
  ChainReportReconcile *summary = &self->reconcile;
  ChainJson *files = NULL;
  ChainJson *counts = NULL;
  ChainJson *findings = NULL;

  file = g_mapped_file_new (path, FALSE, &local_error);
  if (file == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  if (g_mapped_file_get_length (file) > SUMMARY_MAX_LEN)
    return summary_error (error, path, _("larger than 1 MiB"));
  doc = chain_json_parse (g_mapped_file_get_contents (file), g_mapped_file_get_length (file),
                          SUMMARY_MAX_LEN, NULL);
  if (doc == NULL || chain_json_get_value_type (doc) != CHAIN_JSON_OBJECT
      || !chain_json_object_get_integer_member (doc, "time", &summary->time, NULL)
      || !read_count (doc, "ledger_devices", &summary->ledger_devices)
      || !read_count (doc, "cloud_entries", &summary->cloud_entries)
      || !read_count (doc, "seen", &summary->seen)
      || !read_count (doc, "needs_action", &summary->needs_action)
      || !chain_json_object_get_array_member (doc, "files", &files, NULL)
      || !chain_json_object_get_object_member (doc, "counts", &counts, NULL)
      || !chain_json_object_get_array_member (doc, "findings", &findings, NULL))
    return summary_error (error, path, _("a field is missing or mistyped"));

  for (int k = 0; k <= CHAIN_RECONCILE_NEVER_SEEN; k++)
    {
      ChainJson *pair = NULL;

      if (!chain_json_object_get_object_member (counts, chain_reconcile_kind_to_string (k), &pair, NULL)
          || !read_count (pair, "information", &summary->counts[k][0])
          || !read_count (pair, "needs_action", &summary->counts[k][1]))
        return summary_error (error, path, _("a count is missing"));
    }
  for (gsize i = 0; i < chain_json_array_get_length (files); i++)
    {
      ChainJson *name = chain_json_array_get_element (files, i);

      if (chain_json_get_value_type (name) != CHAIN_JSON_STRING)
        return summary_error (error, path, _("a file name is not a string"));
      g_ptr_array_add (self->files, g_string_chunk_insert (self->strings, chain_json_get_string (name)));
    }
  if (!read_summary_findings (self, findings))
    return summary_error (error, path, _("a finding is not one"));

  g_ptr_array_add (self->files, NULL);
  summary->n_files = self->files->len - 1;
  summary->files = (const char *const *) self->files->pdata;
  summary->n_findings = self->findings->len;
  summary->findings = (const ChainReportFinding *) (gpointer) self->findings->data;
  self->has_reconcile = TRUE;
  return TRUE;
}

/* ---- Building ------------------------------------------------------------------------ */

static void
publish_series (ChainReportData *self)
{
  /* Only custodians with something to draw keep a series. */
  for (guint i = self->issued->len; i > 0; i--)
    {
      IssuedSeries *series = g_ptr_array_index (self->issued, i - 1);

      if (series->public.total == 0 && series->public.quota == 0)
        {
          g_hash_table_remove (self->issued_by_id, series->custodian_id);
          g_ptr_array_remove_index (self->issued, i - 1);
          continue;
        }
      series->public.custodian_id = series->custodian_id;
      series->public.name = series->name;
      series->public.tier = series->tier;
      series->public.n_points = series->points->len;
      series->public.points = (const ChainReportPoint *) (gpointer) series->points->data;
    }
}

ChainReportData *
chain_report_data_new (ChainLedger            *ledger,
                       const ChainLedgerState *state,
                       const char             *reconcile_summary,
                       gint64                  now,
                       GCancellable           *cancellable,
                       GError                **error)
{
  g_autoptr(ChainReportData) self = g_new0 (ChainReportData, 1);
  WalkContext walk = { self, now };

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (state != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->now = now;
  self->issued = g_ptr_array_new_with_free_func ((GDestroyNotify) issued_series_free);
  self->issued_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->cas = g_array_new (FALSE, TRUE, sizeof (ChainReportCa));
  self->strings = g_string_chunk_new (4096);
  self->findings = g_array_new (FALSE, TRUE, sizeof (ChainReportFinding));
  self->files = g_ptr_array_new ();

  chain_ledger_state_walk_custody (state, visit_custodian, NULL, &walk);
  if (!read_batches (self, ledger, cancellable, error))
    return NULL;
  publish_series (self);
  if (reconcile_summary != NULL && !read_summary (self, reconcile_summary, error))
    return NULL;
  return g_steal_pointer (&self);
}

ChainReportData *
chain_report_data_new_for_workspace (ChainWorkspace *workspace,
                                     gint64          now,
                                     GCancellable   *cancellable,
                                     GError        **error)
{
  g_autofree char *summary = NULL;

  g_return_val_if_fail (workspace != NULL, NULL);

  if (!chain_workspace_has_ledger (workspace))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_JOINED,
                   _("this workspace has not joined a ledger yet"));
      return NULL;
    }
  summary = g_build_filename (chain_workspace_get_dir (workspace), CHAIN_RECONCILE_SUMMARY_FILE, NULL);
  return chain_report_data_new (chain_workspace_get_ledger (workspace), chain_workspace_get_state (workspace),
                                summary, now, cancellable, error);
}

/* ---- Reading ------------------------------------------------------------------------- */

gint64
chain_report_data_get_now (const ChainReportData *self)
{
  return self->now;
}

gboolean
chain_report_data_get_day_range (const ChainReportData *self,
                                 gint64                *out_first,
                                 gint64                *out_last)
{
  gint64 first = G_MAXINT64;
  gint64 last = G_MININT64;

  for (guint i = 0; i < self->issued->len; i++)
    {
      const ChainReportIssued *series = g_ptr_array_index (self->issued, i);

      if (series->n_points == 0)
        continue;
      first = MIN (first, series->points[0].day);
      last = MAX (last, series->points[series->n_points - 1].day);
    }
  if (first > last)
    return FALSE;
  *out_first = first;
  *out_last = last;
  return TRUE;
}

guint
chain_report_data_get_n_issued (const ChainReportData *self)
{
  return self->issued->len;
}

const ChainReportIssued *
chain_report_data_get_issued (const ChainReportData *self,
                              guint                  index)
{
  g_return_val_if_fail (index < self->issued->len, NULL);
  return g_ptr_array_index (self->issued, index);
}

guint64
chain_report_data_get_max_issued (const ChainReportData *self)
{
  guint64 max = 0;

  for (guint i = 0; i < self->issued->len; i++)
    {
      const ChainReportIssued *series = g_ptr_array_index (self->issued, i);

      max = MAX (max, MAX (series->total, series->quota));
    }
  return max;
}

guint
chain_report_data_get_n_cas (const ChainReportData *self)
{
  return self->cas->len;
}

const ChainReportCa *
chain_report_data_get_ca (const ChainReportData *self,
                          guint                  index)
{
  g_return_val_if_fail (index < self->cas->len, NULL);
  return &g_array_index (self->cas, ChainReportCa, index);
}

const ChainReportReconcile *
chain_report_data_get_reconcile (const ChainReportData *self)
{
  return self->has_reconcile ? &self->reconcile : NULL;
}

double
chain_report_scale (gint64 value,
                    gint64 from,
                    gint64 to,
                    double out_from,
                    double out_to)
{
  if (to <= from)
    return out_from;
  return out_from + (out_to - out_from) * (double) (value - from) / (double) (to - from);
}

/* ---- Summaries ------------------------------------------------------------------------ */

static char *
format_day (gint64 time)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (time);

  return date != NULL ? g_date_time_format (date, "%Y-%m-%d") : g_strdup ("?");
}

char *
chain_report_data_dup_issued_summary (const ChainReportData *self)
{
  GString *text = g_string_new (NULL);

  if (self->issued->len == 0)
    {
      g_string_append (text, _("No device has been issued yet."));
      return g_string_free (text, FALSE);
    }
  for (guint i = 0; i < self->issued->len; i++)
    {
      const ChainReportIssued *series = g_ptr_array_index (self->issued, i);
      g_autofree char *name = chain_text_sanitize (series->name, CHAIN_TEXT_ONE_LINE);

      if (i > 0)
        g_string_append (text, "; ");
      if (series->quota > 0)
        g_string_append_printf (text,
                                /* Translators: a custodian's name, devices issued, its quota. */
                                chain_i18n_ngettext ("%s issued %" PRIu64 " device of a quota of %" PRIu64,
                                                     "%s issued %" PRIu64 " devices of a quota of %" PRIu64,
                                                     (gulong) series->total),
                                name, series->total, series->quota);
      else
        g_string_append_printf (text,
                                /* Translators: a custodian's name and how many devices it issued. */
                                chain_i18n_ngettext ("%s issued %" PRIu64 " device",
                                                     "%s issued %" PRIu64 " devices",
                                                     (gulong) series->total),
                                name, series->total);
    }
  g_string_append_c (text, '.');
  return g_string_free (text, FALSE);
}

char *
chain_report_data_dup_validity_summary (const ChainReportData *self)
{
  GString *text = g_string_new (NULL);
  guint n_out = 0;

  g_string_append_printf (text, chain_i18n_ngettext ("%u CA.", "%u CAs.", self->cas->len), self->cas->len);
  for (guint i = 0; i < self->cas->len; i++)
    {
      const ChainReportCa *ca = &g_array_index (self->cas, ChainReportCa, i);
      g_autofree char *name = chain_text_sanitize (ca->name, CHAIN_TEXT_ONE_LINE);
      g_autofree char *until = format_day (ca->not_after);

      if (ca->expiring)
        /* Translators: a custodian's name, a date; %u is a number of days. */
        g_string_append_printf (text, _(" %s's CA expires on %s, within %u days."), name, until,
                                (guint) CHAIN_EXPIRY_WARNING_DAYS);
      else if (ca->status != CHAIN_CUSTODY_STATUS_VALID && ca->status != CHAIN_CUSTODY_STATUS_PENDING)
        n_out++;
    }
  if (n_out > 0)
    g_string_append_printf (text,
                            /* Translators: CAs expired, revoked or replaced by a rotation. */
                            chain_i18n_ngettext (" %u is no longer in force.", " %u are no longer in force.", n_out),
                            n_out);
  return g_string_free (text, FALSE);
}

char *
chain_report_data_dup_reconcile_summary (const ChainReportData *self)
{
  const ChainReportReconcile *summary = chain_report_data_get_reconcile (self);
  g_autofree char *day = NULL;

  if (summary == NULL)
    return g_strdup (_("No reconciliation has run in this workspace; chain reconcile FILE... runs one."));
  day = format_day (summary->time);
  return g_strdup_printf (
    /* Translators: a date, then counts: needing action, clones (never issued),
     * revoked yet enabled, ids issued twice, never seen. */
    _("Reconciled on %s. Needing action: %" PRIu64 " (never issued: %" PRIu64 ", revoked yet enabled: %"
      PRIu64 ", ids issued twice: %" PRIu64 "). Issued devices never seen: %" PRIu64 "."),
    day, summary->needs_action,
    summary->counts[CHAIN_RECONCILE_NOT_ISSUED][1], summary->counts[CHAIN_RECONCILE_REVOKED_ENABLED][1],
    summary->counts[CHAIN_RECONCILE_DUPLICATE_ID][1], summary->counts[CHAIN_RECONCILE_NEVER_SEEN][0]);
}
