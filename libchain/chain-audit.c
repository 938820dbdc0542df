/* chain-audit.c — verifying a whole ledger, independently of its writer
 *
 * Nothing here uses the writer's reader (chain-record.c): the auditor
 * opens the repository read-only, walks refs/heads/main back to the root
 * with its own code, checks the pinned tip, then has every commit from
 * the genesis up checked (chain-audit-record.c) and replayed through the
 * rule engine, a reader thread one record ahead of the rules
 * (chain-audit-pipeline.c), and last compares an export directory. What
 * it finds goes into a report (chain-audit-report.c); errors are for not
 * being able to run.
 */
#include "chain-audit-private.h"
#include "chain-audit-resume-private.h"

#include <inttypes.h>
#include <string.h>

#include "chain-error.h"
#include "chain-i18n-private.h"
#include "chain-progress-relay-private.h"
#include "chain-task-private.h"

#define AUDIT_EXPORT_FILE_MAX_LEN CHAIN_STATEMENT_ARTIFACT_MAX_LEN
#define AUDIT_MAIN_REF "refs/heads/main"

void
chain_audit_export_free (gpointer data)
{
  ChainAuditExport *seen = data;

  chain_json_unref (seen->files);
  g_free (seen);
}

/* ---- The history --------------------------------------------------------------- */

static void
ledger_flag (ChainAudit *a,
             gint64      seq,
             const char *rule,
             const char *format,
             ...) G_GNUC_PRINTF (4, 5);

static void
ledger_flag (ChainAudit *a,
             gint64      seq,
             const char *rule,
             const char *format,
             ...)
{
  g_autofree char *detail = NULL;
  char *message = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  if (seq >= 0)
    /* Translators: %s after 'rule' is a rule id such as 'history.rewrite'
     * (not translated), then what is wrong. */
    message = g_strdup_printf (_("record %" PRIu64 ": rule %s: %s"), (guint64) seq, rule, detail);
  else
    message = g_strdup_printf (_("ledger: rule %s: %s"), rule, detail);
  g_ptr_array_add (a->report->findings, chain_audit_finding_new (seq, rule, message));
}

static int
flag_replace_ref (const char *name,
                  void       *payload)
{
  g_autofree char *text = chain_audit_shown (name);

  ledger_flag (payload, -1, "history.replace", _("%s makes git show other objects than the ledger holds; delete it "
                 "(the auditor reads the objects themselves)"), text);
  return 0;
}

/* `git log` honours replace refs and grafts; the signatures cover what is
 * really stored. Either makes plain git show a history nobody signed. */
static void
check_replacements (ChainAudit *a)
{
  g_autofree char *grafts = g_build_filename (git_repository_path (a->repo), "info", "grafts", NULL);

  git_reference_foreach_glob (a->repo, "refs/replace/*", flag_replace_ref, a);
  git_error_clear ();
  if (g_file_test (grafts, G_FILE_TEST_EXISTS))
    ledger_flag (a, -1, "history.replace", _("info/grafts makes git show other parents than the commits hold; delete it"));
}

/* First parents from @tip down to the root, tip first. Stops at a commit
 * that cannot be read, flagging it; returns FALSE only when cancelled. */
static gboolean
walk_history (ChainAudit     *a,
              const git_oid  *tip,
              GArray         *chain,
              gboolean       *out_broken,
              GError        **error)
{
  git_oid oid;

  git_oid_cpy (&oid, tip);
  *out_broken = FALSE;
  for (;;)
    {
      g_autoptr(git_commit) commit = NULL;
      int status;

      if ((chain->len & 0xff) == 0 && g_cancellable_set_error_if_cancelled (a->cancellable, error))
        return FALSE;
      status = git_commit_lookup (&commit, a->repo, &oid);
      if (status < 0)
        {
          g_autofree char *hex = chain_audit_oid_hex (&oid);

          git_error_clear ();
          if (status == GIT_ENOTFOUND)
            ledger_flag (a, -1, "object.missing",
                         _("commit %s, below the %u newest records, is missing from the repository; "
                           "the history cannot be verified"), hex, chain->len);
          else
            ledger_flag (a, -1, "object.corrupt",
                         _("commit %s, below the %u newest records, cannot be read; "
                           "the history cannot be verified"), hex, chain->len);
          *out_broken = TRUE;
          return TRUE;
        }
      g_array_append_val (chain, oid);
      if (git_commit_parentcount (commit) == 0)
        return TRUE;
      git_oid_cpy (&oid, git_commit_parent_id (commit, 0));
    }
}

static guint
oid_hash (gconstpointer key)
{
  guint hash = 0;

  memcpy (&hash, ((const git_oid *) key)->id, sizeof hash);
  return hash;
}

static gboolean
oid_equal (gconstpointer a,
           gconstpointer b)
{
  return git_oid_equal (a, b);
}

/* Whether the ledger still holds the pinned tip; if not, which record
 * replaced what was verified, or where the history now ends. */
static void
check_pin (ChainAudit    *a,
           const git_oid *pin,
           GArray        *chain)        /* root first */
{
  g_autoptr(GHashTable) positions = g_hash_table_new (oid_hash, oid_equal);
  g_autofree char *pin_hex = chain_audit_oid_hex (pin);
  guint64 depth = 0;
  gint64 fork = -1;
  git_oid oid;

  for (guint i = 0; i < chain->len; i++)
    g_hash_table_insert (positions, &g_array_index (chain, git_oid, i), GUINT_TO_POINTER (i + 1));
  if (g_hash_table_contains (positions, pin))
    return;

  /* Where the pinned history meets this one. */
  git_oid_cpy (&oid, pin);
  for (;;)
    {
      g_autoptr(git_commit) commit = NULL;
      gpointer position = NULL;

      if (git_commit_lookup (&commit, a->repo, &oid) < 0)
        {
          git_error_clear ();
          if (depth == 0)
            {
              ledger_flag (a, -1, "history.rewrite", _("the pinned tip, commit %s, is not in the repository: "
                             "refs/heads/main was rolled back or rewritten since it was verified; find out who "
                             "moved it before trusting this ledger"), pin_hex);
              return;
            }
          break;
        }
      position = g_hash_table_lookup (positions, &oid);
      if (position != NULL)
        {
          fork = (gint64) GPOINTER_TO_UINT (position) - 1;
          break;
        }
      if (git_commit_parentcount (commit) == 0)
        break;
      git_oid_cpy (&oid, git_commit_parent_id (commit, 0));
      depth++;
    }

  if (fork >= 0 && (guint64) fork + 1 == chain->len)
    ledger_flag (a, fork + 1, "history.rewrite", _("the ledger was rolled back to record %" PRId64
                   ": records %" PRId64 " to %" PRIu64 " up to the pinned tip (commit %.12s) "
                   "were verified before and are gone"), fork, fork + 1, (guint64) fork + depth, pin_hex);
  else if (chain->len > 0)
    {
      a->rewrite_seq = (guint64) (fork + 1);
      a->rewrite_detail = g_strdup_printf (_("the record is not the one verified before: the history was "
                                             "rewritten from here (the pinned tip is commit %.12s)"), pin_hex);
    }
  else
    ledger_flag (a, -1, "history.rewrite", _("refs/heads/main no longer holds the pinned tip, commit %.12s"), pin_hex);
}

/* ---- The export directory ------------------------------------------------------ */

/* Lower-case hex SHA-256 of the regular file @path, read in pieces; NULL
 * if it is no regular file or too large. */
static char *
hash_file (const char  *path,
           GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = NULL;
  goffset total = 0;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR
      || g_file_info_get_size (info) > AUDIT_EXPORT_FILE_MAX_LEN)
    return NULL;
  stream = g_file_read (file, NULL, error);
  if (stream == NULL)
    return NULL;
  buffer = g_malloc (64 * 1024);
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, 64 * 1024, NULL, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      total += n;
      if (total > AUDIT_EXPORT_FILE_MAX_LEN)
        return NULL;
      g_checksum_update (checksum, buffer, (gsize) n);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

static void
export_flag (ChainAudit *a,
             guint64     seq,
             const char *format,
             ...) G_GNUC_PRINTF (3, 4);

/* A finding on export record @seq, after the record was reported. */
static void
export_flag (ChainAudit *a,
             guint64     seq,
             const char *format,
             ...)
{
  ChainAuditRecord *record = &g_array_index (a->report->records, ChainAuditRecord, seq);
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  if (record->findings == NULL)
    record->findings = g_ptr_array_new_with_free_func (chain_audit_finding_free);
  /* "record SEQ (TYPE): rule RULE: DETAIL", as the rule engine words its refusals. */
  g_ptr_array_add (record->findings,
                   chain_audit_finding_new ((gint64) seq, "export.mismatch",
                                /* Translators: the record's number, its type (e.g. 'export', not
                                 * translated), a rule id (e.g. 'export.mismatch', not translated),
                                 * then what is wrong. */
                                g_strdup_printf (_("record %" PRIu64 " (%s): rule %s: %s"),
                                                 seq, "export", "export.mismatch", detail)));
}

static gboolean
compare_export (ChainAudit  *a,
                GError     **error)
{
  const char *path = a->options->export_dir;
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &local);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *shown_path = chain_audit_shown (path);
  ChainAuditExport *seen = NULL;
  const char *name = NULL;

  if (dir == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read the export directory %s: %s"),
                   shown_path, local->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));

  for (guint i = a->exports->len; i > 0 && seen == NULL; i--)
    {
      ChainAuditExport *candidate = g_ptr_array_index (a->exports, i - 1);

      if (a->options->export_seq >= 0)
        {
          if (candidate->seq == (guint64) a->options->export_seq)
            seen = candidate;
          continue;
        }
      for (guint j = 0; j < names->len && seen == NULL; j++)
        if (chain_json_object_get_member (candidate->files, g_ptr_array_index (names, j)) != NULL)
          seen = candidate;
    }
  if (seen == NULL && a->options->export_seq >= 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("record %" PRId64 " is not an export record of this ledger; name one that is"),
                   a->options->export_seq);
      return FALSE;
    }
  if (seen == NULL)
    {
      ledger_flag (a, -1, "export.unrecorded", _("no export record names the files in %s: the ledger never "
                     "recorded this export"), shown_path);
      return TRUE;
    }

  for (gsize i = 0; i < chain_json_object_get_size (seen->files); i++)
    {
      const char *file = chain_json_object_get_key_at (seen->files, i);
      ChainJson *value = chain_json_object_get_value_at (seen->files, i);
      g_autofree char *text = chain_audit_shown (file);
      g_autofree char *file_path = NULL;
      g_autofree char *digest = NULL;
      g_autoptr(GError) read_error = NULL;

      /* The names come from the ledger: never a path. */
      if (!chain_statement_check_artifact_name (file, NULL) || chain_json_get_value_type (value) != CHAIN_JSON_STRING)
        {
          export_flag (a, seen->seq, _("the record names file '%s', which cannot be an exported file"), text);
          continue;
        }
      file_path = g_build_filename (path, file, NULL);
      digest = hash_file (file_path, &read_error);
      if (read_error != NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read %s: %s"), file_path, read_error->message);
          return FALSE;
        }
      if (digest == NULL)
        export_flag (a, seen->seq, _("%s, which the record exported, is missing from %s (or no regular file)"),
                     text, shown_path);
      else if (strcmp (digest, chain_json_get_string (value)) != 0)
        export_flag (a, seen->seq, _("%s in %s differs from the file the record exported (SHA-256 %.16s..., "
                       "recorded %.16s...)"), text, shown_path, digest, chain_json_get_string (value));
    }
  for (guint i = 0; i < names->len; i++)
    if (chain_json_object_get_member (seen->files, g_ptr_array_index (names, i)) == NULL)
      {
        g_autofree char *text = chain_audit_shown (g_ptr_array_index (names, i));

        export_flag (a, seen->seq, _("%s holds %s, which the record did not export"), shown_path, text);
      }
  return TRUE;
}

/* ---- Running the audit --------------------------------------------------------- */

static void
audit_clear (ChainAudit *a)
{
  g_clear_pointer (&a->odb, git_odb_free);
  g_clear_pointer (&a->repo, git_repository_free);
  g_clear_pointer (&a->report, chain_audit_report_unref);
  g_clear_pointer (&a->state, chain_ledger_state_free);
  g_clear_pointer (&a->anchors, g_ptr_array_unref);
  g_clear_pointer (&a->ledger_id, g_free);
  g_clear_pointer (&a->prev_digest, g_free);
  g_clear_pointer (&a->rewrite_detail, g_free);
  g_clear_pointer (&a->exports, g_ptr_array_unref);
  g_clear_pointer (&a->base_state, chain_ledger_state_free);
}

static gboolean
run_audit (ChainAudit     *a,
           const char     *path,
           const git_oid  *pin,
           GError        **error)
{
  g_autoptr(GArray) chain = g_array_new (FALSE, FALSE, sizeof (git_oid));
  g_autofree char *shown_path = chain_audit_shown (path);
  gboolean broken = FALSE;
  gboolean resumed = FALSE;
  git_oid tip;
  int status;

  status = git_repository_open_ext (&a->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status < 0)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a git repository; give the path of a ledger (ledger.git)"), shown_path);
      return FALSE;
    }
  status = git_repository_odb (&a->odb, a->repo);
  if (status < 0)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("cannot open the object database of %s"), shown_path);
      return FALSE;
    }

  if (a->options->tip != NULL)
    status = git_oid_fromstrn (&tip, a->options->tip, strlen (a->options->tip));
  else
    status = git_reference_name_to_id (&tip, a->repo, AUDIT_MAIN_REF);
  if (status < 0)
    {
      git_error_clear ();
      ledger_flag (a, -1, "history.empty", _("%s has no readable refs/heads/main: the ledger holds no records"),
                   shown_path);
      if (pin != NULL)
        {
          g_autofree char *hex = chain_audit_oid_hex (pin);

          ledger_flag (a, -1, "history.rewrite", _("the pinned tip, commit %.12s, is gone with the whole history"), hex);
        }
      return TRUE;
    }
  a->report->tip = chain_audit_oid_hex (&tip);
  check_replacements (a);
  chain_audit_check_shallow (a);

  resumed = a->base_state != NULL && chain_audit_resume_setup (a, &tip, chain);
  if (resumed)
    g_debug ("audit: resumed at record %" G_GUINT64_FORMAT ": %u records to read", a->first_seq, chain->len);
  else if (!walk_history (a, &tip, chain, &broken, error))
    return FALSE;
  if (broken)
    return TRUE;
  /* Auditing a given commit judges it, not the repository that holds it;
   * a resumed audit's caller judges the refs (the hook, by the update). */
  if (a->options->tip == NULL && chain->len > 0 && !resumed)
    chain_audit_check_refs (a, &tip, &g_array_index (chain, git_oid, chain->len - 1));
  /* Root first. */
  for (guint i = 0; i < chain->len / 2; i++)
    {
      git_oid swap = g_array_index (chain, git_oid, i);

      g_array_index (chain, git_oid, i) = g_array_index (chain, git_oid, chain->len - 1 - i);
      g_array_index (chain, git_oid, chain->len - 1 - i) = swap;
    }
  /* A resumed audit's pin is its base, below every commit read. */
  if (pin != NULL && !resumed)
    check_pin (a, pin, chain);

  if (!chain_audit_check_records (a, chain, error))
    return FALSE;
  a->report->ledger_id = g_strdup (a->ledger_id);
  if (a->options->tip == NULL)
    chain_audit_check_checkpoints (a, chain);

  if (a->options->export_dir != NULL && !compare_export (a, error))
    return FALSE;
  return TRUE;
}

static gboolean
is_hex_any_case (const char *text,
                 gsize       len)
{
  if (strlen (text) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

static gboolean
parse_pin (const char  *text,
           git_oid     *out_pin,
           GError     **error)
{
  if (!is_hex_any_case (text, GIT_OID_HEXSZ) || git_oid_fromstr (out_pin, text) < 0)
    {
      g_autofree char *text_shown = chain_audit_shown (text);

      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the pinned tip '%s' is not a commit id; give 40 hex digits"), text_shown);
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_audit_repository (const char               *path,
                        const ChainAuditOptions  *options,
                        ChainAuditReport        **out_report,
                        GCancellable             *cancellable,
                        GError                  **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_AUDIT_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail (out_report != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return chain_audit_repository_resume (path, options, NULL, NULL, out_report, NULL, cancellable, error);
}

gboolean
chain_audit_repository_resume (const char               *path,
                               const ChainAuditOptions  *options,
                               const char               *base_commit_id,
                               ChainLedgerState         *base_state,
                               ChainAuditReport        **out_report,
                               ChainLedgerState        **out_state,
                               GCancellable             *cancellable,
                               GError                  **error)
{
  static const ChainAuditOptions defaults = CHAIN_AUDIT_OPTIONS_INIT;
  g_autoptr(ChainLedgerState) base = base_state;
  ChainAudit a = { 0 };
  git_oid pin;
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_AUDIT_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail ((base_commit_id == NULL) == (base_state == NULL), FALSE);
  g_return_val_if_fail (out_report != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    options = &defaults;
  if (options->pinned_tip != NULL && !parse_pin (options->pinned_tip, &pin, error))
    return FALSE;
  if (options->tip != NULL && !is_hex_any_case (options->tip, GIT_OID_HEXSZ))
    {
      g_autofree char *text = chain_audit_shown (options->tip);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the tip to audit '%s' is not a commit id; give 40 hex digits"), text);
      return FALSE;
    }
  if (options->trusted_root != NULL && !is_hex_any_case (options->trusted_root, 64))
    {
      g_autofree char *text = chain_audit_shown (options->trusted_root);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the trusted root '%s' is not a SHA-256 thumbprint; give 64 hex digits"), text);
      return FALSE;
    }
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *text = chain_audit_shown (path);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("no ledger at %s; give the path of a ledger (ledger.git)"),
                   text);
      return FALSE;
    }
  if (options->export_dir != NULL && !g_file_test (options->export_dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *text = chain_audit_shown (options->export_dir);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("no export directory %s; give the directory the "
                     "export wrote"), text);
      return FALSE;
    }

  a.options = options;
  a.cancellable = cancellable;
  a.report = chain_audit_report_new ();
  a.state = chain_ledger_state_new ();
  a.anchors = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  a.rewrite_seq = CHAIN_AUDIT_NO_SEQ;
  a.exports = g_ptr_array_new_with_free_func (chain_audit_export_free);
  if (base_commit_id != NULL && is_hex_any_case (base_commit_id, GIT_OID_HEXSZ)
      && git_oid_fromstr (&a.base, base_commit_id) == 0)
    a.base_state = g_steal_pointer (&base);

  git_libgit2_init ();
  ok = run_audit (&a, path, options->pinned_tip != NULL ? &pin : NULL, error);
  if (ok)
    *out_report = g_steal_pointer (&a.report);
  if (ok && out_state != NULL)
    *out_state = g_steal_pointer (&a.state);
  audit_clear (&a);
  git_libgit2_shutdown ();
  return ok;
}

gboolean
chain_ledger_audit (ChainLedger              *self,
                    const ChainAuditOptions  *options,
                    ChainAuditReport        **out_report,
                    GCancellable             *cancellable,
                    GError                  **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return chain_audit_repository (chain_ledger_get_path (self), options, out_report, cancellable, error);
}

/* ---- In a thread ---------------------------------------------------------------- */

/* Hands progress to the caller's main context, coalesced: one pending
 * dispatch at a time carries the latest count, so counts never go back. */
typedef struct {
  ChainAuditProgressFunc func;
  gpointer               data;
} Progress;

static void
deliver_progress (const guint64 *values,
                  guint          n_values,
                  gpointer       data)
{
  Progress *progress = data;

  g_assert (n_values == 2);
  progress->func (values[0], values[1], progress->data);
}

static void
relay_progress (guint64  done,
                guint64  total,
                gpointer data)
{
  const guint64 values[] = { done, total };

  chain_progress_relay_post (data, values, G_N_ELEMENTS (values));
}

typedef struct {
  char               *path;
  char               *pinned_tip;
  char               *trusted_root;
  char               *export_dir;
  ChainAuditOptions   options;
  ChainProgressRelay *relay;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_free (job->path);
  g_free (job->pinned_tip);
  g_free (job->trusted_root);
  g_free (job->export_dir);
  g_clear_pointer (&job->relay, chain_progress_relay_unref);
  g_free (job);
}

static void
audit_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Job *job = task_data;
  ChainAuditReport *report = NULL;
  GError *error = NULL;

  (void) source_object;
  if (chain_audit_repository (job->path, &job->options, &report, cancellable, &error))
    g_task_return_pointer (task, report, (GDestroyNotify) chain_audit_report_unref);
  else
    g_task_return_error (task, error);
}

/* @source: (nullable): the ledger the audit was asked of, none for a path. */
static void
start_job (gconstpointer            source,
           const char              *path,
           const ChainAuditOptions *options,
           GCancellable            *cancellable,
           GAsyncReadyCallback      callback,
           gpointer                 user_data,
           gpointer                 source_tag)
{
  static const ChainAuditOptions defaults = CHAIN_AUDIT_OPTIONS_INIT;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  if (options == NULL)
    options = &defaults;
  g_task_set_source_tag (task, source_tag);
  if (source != NULL)
    chain_task_set_source (task, source);
  g_task_set_name (task, "[libchain] audit");
  job->path = g_strdup (path);
  job->pinned_tip = g_strdup (options->pinned_tip);
  job->trusted_root = g_strdup (options->trusted_root);
  job->export_dir = g_strdup (options->export_dir);
  job->options = *options;
  job->options.pinned_tip = job->pinned_tip;
  job->options.trusted_root = job->trusted_root;
  job->options.export_dir = job->export_dir;
  if (options->progress != NULL)
    {
      Progress *progress = g_new (Progress, 1);

      progress->func = options->progress;
      progress->data = options->progress_data;
      job->relay = chain_progress_relay_new (g_main_context_get_thread_default (),
                                             "[libchain] audit progress",
                                             deliver_progress, progress, g_free);
      job->options.progress = relay_progress;
      job->options.progress_data = job->relay;
    }
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, audit_thread);
}

void
chain_audit_repository_async (const char              *path,
                              const ChainAuditOptions *options,
                              GCancellable            *cancellable,
                              GAsyncReadyCallback      callback,
                              gpointer                 user_data)
{
  g_return_if_fail (path != NULL);
  g_return_if_fail (options == NULL || options->version == CHAIN_AUDIT_OPTIONS_VERSION);
  start_job (NULL, path, options, cancellable, callback, user_data, chain_audit_repository_async);
}

static gboolean
finish_job (GAsyncResult      *result,
            ChainAuditReport **out_report,
            GError           **error)
{
  ChainAuditReport *report = NULL;

  g_return_val_if_fail (out_report != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  report = g_task_propagate_pointer (G_TASK (result), error);
  if (report == NULL)
    return FALSE;
  *out_report = report;
  return TRUE;
}

gboolean
chain_audit_repository_finish (GAsyncResult      *result,
                               ChainAuditReport **out_report,
                               GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, chain_audit_repository_async), FALSE);
  return finish_job (result, out_report, error);
}

void
chain_ledger_audit_async (ChainLedger             *self,
                          const ChainAuditOptions *options,
                          GCancellable            *cancellable,
                          GAsyncReadyCallback      callback,
                          gpointer                 user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (options == NULL || options->version == CHAIN_AUDIT_OPTIONS_VERSION);
  start_job (self, chain_ledger_get_path (self), options, cancellable, callback, user_data, chain_ledger_audit_async);
}

gboolean
chain_ledger_audit_finish (ChainLedger       *self,
                           GAsyncResult      *result,
                           ChainAuditReport **out_report,
                           GError           **error)
{
  g_return_val_if_fail (chain_task_is_valid_for (result, self, chain_ledger_audit_async), FALSE);
  return finish_job (result, out_report, error);
}

static guint
count_findings (const ChainAuditReport *report)
{
  guint n = chain_audit_report_get_n_findings (report);

  for (guint64 i = 0; i < chain_audit_report_get_n_records (report); i++)
    n += chain_audit_record_get_n_findings (chain_audit_report_get_record (report, i));
  return n;
}

/* The first finding that refuses the ledger. */
static const ChainAuditFinding *
first_refusal (const ChainAuditReport *report)
{
  for (guint64 i = 0; i < chain_audit_report_get_n_records (report); i++)
    {
      const ChainAuditRecord *record = chain_audit_report_get_record (report, i);

      for (guint j = 0; j < chain_audit_record_get_n_findings (record); j++)
        if (chain_audit_finding_is_refusal (chain_audit_record_get_finding (record, j)))
          return chain_audit_record_get_finding (record, j);
    }
  for (guint i = 0; i < chain_audit_report_get_n_findings (report); i++)
    if (chain_audit_finding_is_refusal (chain_audit_report_get_finding (report, i)))
      return chain_audit_report_get_finding (report, i);
  return NULL;
}

gboolean
chain_audit_sync_verify (const char *repo_path,
                         const char *old_tip,
                         const char *new_tip,
                         gpointer    user_data,
                         GError    **error)
{
  return chain_audit_sync_verify_resume (repo_path, old_tip, new_tip, user_data, NULL, NULL, error);
}

gboolean
chain_audit_sync_verify_resume (const char        *repo_path,
                                const char        *old_tip,
                                const char        *new_tip,
                                const char        *trusted_root,
                                ChainLedgerState  *old_state,
                                ChainLedgerState **out_state,
                                GError           **error)
{
  g_autoptr(ChainAuditReport) report = NULL;
  g_autoptr(ChainLedgerState) state = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;
  const ChainAuditFinding *finding;
  g_autofree char *message = NULL;
  guint n;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (new_tip != NULL, FALSE);
  g_return_val_if_fail (old_state == NULL || old_tip != NULL, FALSE);

  options.pinned_tip = old_tip;
  options.tip = new_tip;
  options.trusted_root = trusted_root;
  if (!chain_audit_repository_resume (repo_path, &options, old_state != NULL ? old_tip : NULL, old_state, &report,
                                      out_state != NULL ? &state : NULL, NULL, error))
    return FALSE;
  if (chain_audit_report_is_acceptable (report))
    {
      if (out_state != NULL)
        *out_state = g_steal_pointer (&state);
      return TRUE;
    }
  finding = first_refusal (report);
  n = count_findings (report);
  message = g_strdup_printf (chain_i18n_ngettext (
                                          /* Translators: the last %s is the first finding's message. */
                                          "the fetched ledger fails its audit (%u finding; run chain audit on it): %s",
                                          "the fetched ledger fails its audit (%u findings; run chain audit on it): %s",
                                          n),
                             n, finding != NULL ? chain_audit_finding_get_message (finding) : _("no finding recorded"));
  g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY, message);
  return FALSE;
}
