/* cmd-audit.c — `chain audit`: verify the whole ledger
 *
 * Runs libchain's auditor over the ledger repository -C names, with the
 * workspace's pinned tip and root when it is a workspace, or --root for an
 * auditor's clone. A failing audit prints its report and exits 3, with
 * the first finding (record and rule) on stderr.
 */
#include "chain-cli.h"

#include <inttypes.h>
#include <string.h>

typedef struct {
  const ChainCliGlobals *globals;
  ChainCliProgress      *bar;
  gboolean               started;
} AuditProgress;

static void
on_progress (guint64 done, guint64 total, gpointer user_data)
{
  AuditProgress *progress = user_data;

  /* The total is known from the first call; the bar is NULL (and stays
   * so) when stderr is no terminal. */
  if (!progress->started)
    {
      progress->started = TRUE;
      progress->bar = chain_cli_progress_new (progress->globals, _("Auditing"), total);
    }
  chain_cli_progress_update (progress->bar, done);
}

/* A thumbprint as people paste it: hex, maybe upper-case, maybe with
 * colons. Returns 64 lower-case hex digits, or NULL. */
static char *
normalize_sha256 (const char *text)
{
  g_autoptr(GString) hex = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':' || *p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p))
        return NULL;
      g_string_append_c (hex, g_ascii_tolower (*p));
    }
  if (hex->len != 64)
    return NULL;
  return g_string_free (g_steal_pointer (&hex), FALSE);
}

/* The root a workspace holds (certs/root.pem), as it learnt it when it
 * was made or joined. NULL when there is none. */
static char *
workspace_root (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, CHAIN_WORKSPACE_CERTS_DIR, "root.pem", NULL);
  g_autofree char *data = NULL;
  g_autoptr(ChainCert) root = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  root = chain_cert_parse ((const guint8 *) data, len, NULL);
  if (root == NULL)
    return NULL;
  return chain_cert_dup_thumbprint_hex (root, CHAIN_DIGEST_SHA256);
}

static gboolean
write_report (const char *path, const ChainAuditReport *report, GError **error)
{
  g_autofree char *text = NULL;

  if (g_str_has_suffix (path, ".json"))
    {
      g_autoptr(ChainJson) json = chain_audit_report_to_json (report);
      g_autofree char *pretty = chain_json_to_pretty (json);

      text = g_strconcat (pretty, "\n", NULL);
    }
  else
    text = chain_audit_report_to_text (report, TRUE);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* The first finding, for the one line on stderr. */
static const ChainAuditFinding *
first_finding (const ChainAuditReport *report)
{
  for (guint64 i = 0; i < chain_audit_report_get_n_records (report); i++)
    {
      const ChainAuditRecord *record = chain_audit_report_get_record (report, i);

      if (chain_audit_record_get_n_findings (record) > 0)
        return chain_audit_record_get_finding (record, 0);
    }
  if (chain_audit_report_get_n_findings (report) > 0)
    return chain_audit_report_get_finding (report, 0);
  return NULL;
}

gboolean
cmd_audit (const ChainCliGlobals *globals,
           int                    argc,
           char                 **argv,
           GCancellable          *cancellable,
           GError               **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— verify the whole ledger"));
  g_auto(ChainCliLedgerPlace) place = { 0 };
  g_autoptr(ChainAuditReport) report = NULL;
  g_autofree char *root_arg = NULL;
  g_autofree char *root = NULL;
  g_autofree char *report_path = NULL;
  g_autofree char *export_dir = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *pin_arg = NULL;
  g_autofree char *message = NULL;
  gint64 export_seq = -1;
  gboolean all = FALSE;
  gboolean ran;
  guint64 n_failed;
  guint64 n_records;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;
  AuditProgress progress = { globals, NULL, FALSE };
  const ChainAuditFinding *finding = NULL;
  GOptionEntry entries[] = {
    { "root", 0, 0, G_OPTION_ARG_STRING, &root_arg, N_("The root CA's SHA-256 thumbprint as the OEM published it"), N_("SHA256") },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin_arg, N_("The tip verified before (a commit id): the ledger must still hold it"), N_("COMMIT") },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &report_path, N_("Also write the full report to FILE (JSON if it ends in .json)"), N_("FILE") },
    { "export-dir", 0, 0, G_OPTION_ARG_FILENAME, &export_dir, N_("Compare exported files in DIR with the export record naming them"), N_("DIR") },
    { "export-seq", 0, 0, G_OPTION_ARG_INT64, &export_seq, N_("With --export-dir: the export record to compare with"), N_("SEQ") },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("List every record, not only failing ones"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the options and the examples as they are. */
    N_("Verifies every record of the ledger from the genesis up: history, commit\n"
       "signatures, trees, record chain, artifacts, and every policy rule. In a\n"
       "workspace the pinned tip and the workspace's root are checked too; on a\n"
       "clone give --root with the thumbprint the OEM published. Exits 3 when the\n"
       "audit fails, naming the record and the rule broken.\n\n"
       "Examples:\n"
       "  chain -C oem audit\n"
       "  git clone --bare https://example.com/ledger.git && \\\n"
       "    chain -C ledger.git audit --root 3f1a...e9 --report audit.json"));
  g_option_context_set_description (context,
    N_("Exit codes: 0 the audit passed, 1 it could not run, 2 usage, 3 it failed."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "audit", _("unexpected argument '%s'"), argv[1]);
  if (root_arg != NULL)
    {
      root = normalize_sha256 (root_arg);
      if (root == NULL)
        return chain_cli_usage (error, "audit", _("--root takes a SHA-256 thumbprint: 64 hex digits"));
    }
  if (pin_arg != NULL)
    {
      if (strlen (pin_arg) != 40 || strspn (pin_arg, "0123456789abcdefABCDEF") != 40)
        return chain_cli_usage (error, "audit", _("--pin takes a commit id: 40 hex digits"));
      pin = g_ascii_strdown (pin_arg, -1);
    }
  if (export_seq != -1 && export_dir == NULL)
    return chain_cli_usage (error, "audit", _("--export-seq needs --export-dir DIR"));
  if (export_seq < -1)
    return chain_cli_usage (error, "audit", _("--export-seq takes a record number"));

  if (!chain_cli_locate_ledger (globals->workspace, &place, error))
    return FALSE;
  if (place.workspace)
    {
      g_autoptr(GError) pin_error = NULL;

      if (root == NULL)
        root = workspace_root (place.dir);
      if (pin == NULL && !chain_sync_pin_read (place.pin_path, &pin, NULL, &pin_error)
          && !g_error_matches (pin_error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&pin_error));
          return FALSE;
        }
    }
  if (root == NULL && pin == NULL && !globals->quiet)
    g_printerr (_("chain: warning: no --root and no pinned tip: a ledger forged whole with its "
                  "own root would pass; give --root with the root's published thumbprint\n"));

  options.pinned_tip = pin;
  options.trusted_root = root;
  options.export_dir = export_dir;
  options.export_seq = export_seq;
  options.progress = on_progress;
  options.progress_data = &progress;
  ran = chain_audit_repository (place.repo_path, &options, &report, cancellable, error);
  chain_cli_progress_free (progress.bar);
  if (!ran)
    return FALSE;

  if (report_path != NULL && !write_report (report_path, report, error))
    return FALSE;
  if (globals->json)
    chain_cli_print_json (globals, chain_audit_report_to_json (report));
  else
    {
      g_autofree char *text = chain_audit_report_to_text (report, all);

      chain_cli_print (globals, "%s", text);
    }
  if (chain_audit_report_is_ok (report))
    return TRUE;

  finding = first_finding (report);
  n_failed = chain_audit_report_get_n_failed_records (report);
  n_records = chain_audit_report_get_n_records (report);
  if (finding != NULL)
    message = g_strdup_printf (
      /* Translators: English keeps "(s)" in both forms; use your language's
       * plural forms (the count is the second number, all records). The last
       * %s is the first finding's message. */
      ngettext ("audit failed: %" PRIu64 " of %" PRIu64 " record(s) with findings; first: %s; "
                "do not trust this ledger until its custodians explain it",
                "audit failed: %" PRIu64 " of %" PRIu64 " record(s) with findings; first: %s; "
                "do not trust this ledger until its custodians explain it", n_records),
      n_failed, n_records, chain_audit_finding_get_message (finding));
  else
    message = g_strdup_printf (
      /* Translators: English keeps "(s)" in both forms; use your language's
       * plural forms (the count is the second number, all records). */
      ngettext ("audit failed: %" PRIu64 " of %" PRIu64 " record(s) with findings; first: see the "
                "report; do not trust this ledger until its custodians explain it",
                "audit failed: %" PRIu64 " of %" PRIu64 " record(s) with findings; first: see the "
                "report; do not trust this ledger until its custodians explain it", n_records),
      n_failed, n_records);
  g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY, message);
  return FALSE;
}
