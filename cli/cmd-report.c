/* cmd-report.c — `chain report -o FILE.html`: who issued what, for auditors
 *
 * Audits the workspace's ledger, computes the charts' series
 * (chain-report-data) and writes one self-contained HTML page
 * (cli-report-html.c). The file holds nothing secret, so it is 0644; it
 * is written beside its final name and moved there whole, and an existing
 * file is replaced only with --force.
 */
#include "chain-cli.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

static gboolean
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
io_error (GError    **error,
          const char *path,
          int         saved_errno)
{
  g_autofree char *shown = g_filename_display_name (path);

  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
               /* Translators: a file, then why it could not be written. */
               _("cannot write %s: %s"), shown, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
exists_error (GError    **error,
              const char *path)
{
  g_autofree char *shown = g_filename_display_name (path);

  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
               /* Translators: %s is a file; keep --force. */
               _("%s exists; choose another name, or give --force to replace it"), shown);
  return FALSE;
}

/* Writes @html to a temporary file in @path's directory, then links it
 * to @path (which fails if @path exists: no window where another file
 * could be replaced) or, with @force, renames it over @path. */
static gboolean
write_report (const char *path,
              const char *html,
              gboolean    force,
              GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_build_filename (dir, ".chain-report-XXXXXX", NULL);
  int fd;
  int saved_errno;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error (error, path, errno);
  if (fchmod (fd, 0644) != 0 || !write_all (fd, html, strlen (html)) || fsync (fd) != 0)
    {
      saved_errno = errno;
      close (fd);
      g_unlink (tmp);
      return io_error (error, path, saved_errno);
    }
  if (close (fd) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp);
      return io_error (error, path, saved_errno);
    }
  if (force ? g_rename (tmp, path) == 0 : link (tmp, path) == 0)
    {
      if (!force)
        g_unlink (tmp);
      return TRUE;
    }
  saved_errno = errno;
  g_unlink (tmp);
  if (saved_errno == EEXIST)
    return exists_error (error, path);
  return io_error (error, path, saved_errno);
}

static ChainAuditReport *
audit_workspace (ChainWorkspace *workspace,
                 GCancellable   *cancellable,
                 GError        **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (workspace);
  g_autofree char *pin_path = chain_workspace_dup_pin_path (workspace);
  g_autofree char *pin = NULL;
  g_autofree char *root = NULL;
  g_autoptr(GError) pin_error = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;
  ChainAuditReport *report = NULL;

  if (!chain_sync_pin_read (pin_path, &pin, NULL, &pin_error)
      && !g_error_matches (pin_error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&pin_error));
      return NULL;
    }
  if (chain_ledger_state_get_root (state) != NULL)
    root = chain_cert_dup_thumbprint_hex (chain_ledger_state_get_root (state), CHAIN_DIGEST_SHA256);
  options.pinned_tip = pin;
  options.trusted_root = root;
  if (!chain_audit_repository (chain_ledger_get_path (chain_workspace_get_ledger (workspace)), &options, &report,
                               cancellable, error))
    return NULL;
  return report;
}

gboolean
cmd_report (const ChainCliGlobals *globals,
            int                    argc,
            char                 **argv,
            GCancellable          *cancellable,
            GError               **error)
{
  g_autofree char *output = NULL;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write the report to FILE (HTML)"), N_("FILE") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Replace FILE if it exists"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— write who issued what as one HTML page"));
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainReportData) data = NULL;
  g_autoptr(ChainAuditReport) audit = NULL;
  g_autofree char *html = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the command names. */
    N_("Writes one self-contained HTML file (no scripts, no external files) for\n"
       "auditors without Custody: the audit's result, the custody tree, devices\n"
       "issued per custodian over time, every CA's validity with today marked,\n"
       "and what the last `chain reconcile` in this workspace found."));
  g_option_context_set_description (context,
    /* Translators: keep the example command as it is. */
    N_("Example:\n"
       "  chain -C oem report -o report.html\n"
       "\n"
       "Exit codes: 0 written, 1 error (the file exists, the ledger cannot be read),\n"
       "2 usage, 3 written, but the audit failed."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc > 1)
    return chain_cli_usage (error, "report", _("unexpected argument '%s'"), argv[1]);
  if (output == NULL)
    return chain_cli_usage (error, "report", _("name the file to write with -o FILE"));

  workspace = chain_cli_open_workspace (globals, FALSE, NULL, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  /* Said before the audit runs; the link in write_report() still
   * refuses a file that appears meanwhile. */
  if (!force && g_file_test (output, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
    return exists_error (error, output);
  data = chain_report_data_new_for_workspace (workspace, now, cancellable, error);
  if (data == NULL)
    return FALSE;
  audit = audit_workspace (workspace, cancellable, error);
  if (audit == NULL)
    return FALSE;
  html = chain_cli_report_html (chain_workspace_get_state (workspace), data, audit);
  if (!write_report (output, html, force, error))
    return FALSE;

  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();
      g_autofree char *shown = g_filename_display_name (output);

      chain_json_object_set_string (doc, "report", shown);
      chain_json_object_set_boolean (doc, "audit_ok", chain_audit_report_is_ok (audit));
      chain_cli_print_json (globals, doc);
    }
  else
    {
      g_autofree char *shown = g_filename_display_name (output);

      /* Translators: %s is the HTML file written. */
      chain_cli_print (globals, _("Report written to %s\n"), shown);
    }
  if (!chain_audit_report_is_ok (audit))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("the report is written, but the audit failed; run chain audit for its findings"));
      return FALSE;
    }
  return TRUE;
}
