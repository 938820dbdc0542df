/* cmd-issue.c — `chain issue`: device certificates in bulk, recorded as batches
 *
 * A thin shell over chain_issue_devices_async(): the run goes to a worker
 * thread while this one draws the progress bar and turns SIGINT, SIGTERM
 * and SIGHUP (the terminal or SSH session closed) into a cancel, so an
 * interrupted run still records what it issued and says so.
 */
#include "chain-cli.h"

#include <glib-unix.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>

typedef struct {
  const ChainCliGlobals *globals;
  ChainWorkspace        *workspace;
  GMainLoop             *loop;
  GCancellable          *cancellable;
  ChainCliProgress      *progress;
  guint64                total;
  gboolean               done;
  gboolean               ok;
  GError                *error;
  gboolean               interrupted;
} IssueRun;

static void
on_progress (guint64  issued,
             guint64  recorded,
             guint64  total,
             gpointer user_data)
{
  IssueRun *run = user_data;

  (void) recorded;
  if (run->progress == NULL || run->total != total)
    {
      chain_cli_progress_free (run->progress);
      run->progress = chain_cli_progress_new (run->globals, _("Issuing"), total);
      run->total = total;
    }
  chain_cli_progress_update (run->progress, issued);
}

static gboolean
on_signal (gpointer user_data)
{
  IssueRun *run = user_data;

  run->interrupted = TRUE;
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
on_done (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  IssueRun *run = user_data;

  (void) source_object;
  run->ok = chain_issue_devices_finish (run->workspace, result, &run->error);
  run->done = TRUE;
  g_main_loop_quit (run->loop);
}

static ChainJson *
summary_to_json (const ChainIssueSummary *summary,
                 const char              *output_dir)
{
  ChainJson *doc = chain_json_new_object ();
  ChainJson *records = chain_json_new_array ();

  chain_json_object_set_integer (doc, "count", (gint64) chain_issue_summary_get_n_issued (summary));
  chain_json_object_set_boolean (doc, "complete", chain_issue_summary_is_complete (summary));
  chain_json_object_set_string (doc, "output", output_dir);
  if (chain_issue_summary_get_issuer (summary) != NULL)
    chain_json_object_set_string (doc, "issuer", chain_issue_summary_get_issuer (summary));
  if (chain_issue_summary_get_manifest_csv (summary) != NULL)
    {
      chain_json_object_set_string (doc, "manifest_csv", chain_issue_summary_get_manifest_csv (summary));
      chain_json_object_set_string (doc, "manifest_json", chain_issue_summary_get_manifest_json (summary));
    }
  for (guint i = 0; i < chain_issue_summary_get_n_records (summary); i++)
    {
      ChainJson *r = chain_json_new_object ();
      guint64 seq = 0;
      guint64 count = 0;
      const char *first = NULL;
      const char *last = NULL;

      chain_issue_summary_get_record (summary, i, &seq, &count, &first, &last);
      chain_json_object_set_integer (r, "seq", (gint64) seq);
      chain_json_object_set_integer (r, "count", (gint64) count);
      chain_json_object_set_string (r, "first", first);
      chain_json_object_set_string (r, "last", last);
      chain_json_array_append (records, r);
    }
  chain_json_object_set (doc, "records", records);
  return doc;
}

/* What was issued, as a whole sentence: "Issued N devices (FIRST … LAST) in
 * record #S into OUTPUT" (or "in records #A–#B") when @output is given,
 * else as the clause an error message ends with, "issued and recorded N
 * devices (FIRST … LAST) in record #S". */
static char *
describe_issued (const ChainIssueSummary *summary,
                 const char              *output)
{
  guint n = chain_issue_summary_get_n_records (summary);
  guint64 issued = chain_issue_summary_get_n_issued (summary);
  guint64 first_seq = 0;
  guint64 last_seq = 0;
  const char *first = NULL;
  const char *last = NULL;

  chain_issue_summary_get_record (summary, 0, &first_seq, NULL, &first, NULL);
  chain_issue_summary_get_record (summary, n - 1, &last_seq, NULL, NULL, &last);
  /* Other writers' records in between: name ours one by one, never a
   * range that holds theirs. */
  if (n > 1 && last_seq - first_seq + 1 != n)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint i = 0; i < n; i++)
        {
          guint64 seq = 0;

          chain_issue_summary_get_record (summary, i, &seq, NULL, NULL, NULL);
          g_string_append_printf (list, "%s#%" PRIu64, i > 0 ? ", " : "", seq);
        }
      if (output != NULL)
        return g_strdup_printf (
          /* Translators: a number of devices, the first and last device ids,
           * a list of record numbers ("#3, #5, #9") and a directory. */
          ngettext ("Issued %" PRIu64 " devices (%s … %s) in records %s into %s",
                    "Issued %" PRIu64 " devices (%s … %s) in records %s into %s", issued),
          issued, first, last, list->str, output);
      return g_strdup_printf (
        /* Translators: ends an error message: a number of devices, the first
         * and last device ids, a list of record numbers ("#3, #5, #9"). */
        ngettext ("issued and recorded %" PRIu64 " devices (%s … %s) in records %s",
                  "issued and recorded %" PRIu64 " devices (%s … %s) in records %s", issued),
        issued, first, last, list->str);
    }
  if (output != NULL && n == 1)
    return g_strdup_printf (
      /* Translators: a number of devices, the first and last device ids, a
       * record number and a directory. English says "devices" for one too;
       * use your language's plural forms. */
      ngettext ("Issued %" PRIu64 " devices (%s … %s) in record #%" PRIu64 " into %s",
                "Issued %" PRIu64 " devices (%s … %s) in record #%" PRIu64 " into %s", issued),
      issued, first, last, first_seq, output);
  if (output != NULL)
    return g_strdup_printf (
      /* Translators: a number of devices, the first and last device ids, the
       * first and last record numbers and a directory. English says
       * "devices" for one too; use your language's plural forms. */
      ngettext ("Issued %" PRIu64 " devices (%s … %s) in records #%" PRIu64 "–#%" PRIu64 " into %s",
                "Issued %" PRIu64 " devices (%s … %s) in records #%" PRIu64 "–#%" PRIu64 " into %s", issued),
      issued, first, last, first_seq, last_seq, output);
  if (n == 1)
    return g_strdup_printf (
      /* Translators: ends an error message: a number of devices, the first
       * and last device ids, a record number. English says "devices" for
       * one too; use your language's plural forms. */
      ngettext ("issued and recorded %" PRIu64 " devices (%s … %s) in record #%" PRIu64,
                "issued and recorded %" PRIu64 " devices (%s … %s) in record #%" PRIu64, issued),
      issued, first, last, first_seq);
  return g_strdup_printf (
    /* Translators: ends an error message: a number of devices, the first and
     * last device ids, the first and last record numbers. English says
     * "devices" for one too; use your language's plural forms. */
    ngettext ("issued and recorded %" PRIu64 " devices (%s … %s) in records #%" PRIu64 "–#%" PRIu64,
              "issued and recorded %" PRIu64 " devices (%s … %s) in records #%" PRIu64 "–#%" PRIu64, issued),
    issued, first, last, first_seq, last_seq);
}

static ChainIssueSource *
make_source (const char *ids,
             gint64      count,
             const char *prefix,
             gint64      start,
             const char *csr_dir,
             const char *id_from,
             GError    **error)
{
  int n_sources = (ids != NULL) + (count != 0) + (csr_dir != NULL);

  if (n_sources != 1)
    {
      chain_cli_usage (error, "issue", _("give exactly one of --ids FILE, --count N or --csr-dir DIR"));
      return NULL;
    }
  if (prefix != NULL && count == 0)
    {
      chain_cli_usage (error, "issue", _("--prefix goes with --count"));
      return NULL;
    }
  if (id_from != NULL && csr_dir == NULL)
    {
      chain_cli_usage (error, "issue", _("--id-from goes with --csr-dir"));
      return NULL;
    }
  if (count != 0)
    {
      if (count < 0 || start < 1)
        {
          chain_cli_usage (error, "issue", _("--count and --start must be at least 1"));
          return NULL;
        }
      return chain_issue_source_new_count (prefix != NULL ? prefix : "", (guint64) start, (guint64) count, error);
    }
  if (csr_dir != NULL)
    {
      ChainIssueCsrId from = CHAIN_ISSUE_CSR_ID_FILE_NAME;

      if (g_strcmp0 (id_from, "cn") == 0)
        from = CHAIN_ISSUE_CSR_ID_CN;
      else if (id_from != NULL && strcmp (id_from, "file") != 0)
        {
          /* Translators: keep 'file' and 'cn', the values --id-from takes. */
          chain_cli_usage (error, "issue", _("--id-from is 'file' or 'cn', not '%s'"), id_from);
          return NULL;
        }
      return chain_issue_source_new_csr_dir (csr_dir, from, error);
    }
  if (strcmp (ids, "-") == 0)
    {
      /* stdin is a stream: checked one chunk at a time. */
      g_autoptr(GFile) file = g_file_new_for_path ("/dev/stdin");
      g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, error);

      if (stream == NULL)
        return NULL;
      return chain_issue_source_new_ids_stream (G_INPUT_STREAM (stream), "stdin");
    }
  return chain_issue_source_new_ids_file (ids, error);
}

gboolean
cmd_issue (const ChainCliGlobals *globals,
           int                    argc,
           char                 **argv,
           GCancellable          *cancellable,
           GError               **error)
{
  g_autofree char *ids = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *csr_dir = NULL;
  g_autofree char *id_from = NULL;
  g_autofree char *output = NULL;
  g_autofree char *algorithm = NULL;
  g_autofree char *upload_ca = NULL;
  g_autofree char *key_passphrase_file = NULL;
  g_autofree char *officer = NULL;
  g_autofree char *layout = NULL;
  gint64 count = 0;
  gint64 start = 1;
  gint64 validity_days = 0;
  gint batch_size = 0;
  gint jobs = 0;
  gboolean include_root = FALSE;
  gboolean pkcs12 = FALSE;
  /* Translators: %s lists the key algorithms (not translated). */
  g_autofree char *algorithm_help = g_strdup_printf (_("Keys made here: %s (default ec-p256)"), CHAIN_KEY_ALGORITHM_NAMES);
  GOptionEntry entries[] = {
    { "ids", 0, 0, G_OPTION_ARG_FILENAME, &ids, N_("Device ids, one a line ('-': stdin)"), N_("FILE") },
    { "count", 0, 0, G_OPTION_ARG_INT64, &count, N_("Issue N devices named PREFIX000001 ..."), N_("N") },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, N_("With --count: what the ids start with"), N_("PREFIX") },
    { "start", 0, 0, G_OPTION_ARG_INT64, &start, N_("With --count: the first number (default 1)"), N_("N") },
    { "csr-dir", 0, 0, G_OPTION_ARG_FILENAME, &csr_dir, N_("CSRs made on the devices (*.csr, *.pem, *.der)"), N_("DIR") },
    /* "file|cn" are the values themselves: not translated. */
    { "id-from", 0, 0, G_OPTION_ARG_STRING, &id_from, N_("With --csr-dir: device id from the file name (default) or the CN"), "file|cn" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Output directory; must not exist, or be empty (required)"), N_("DIR") },
    /* "per-device|per-batch" are the values themselves: not translated. */
    { "output-layout", 0, 0, G_OPTION_ARG_STRING, &layout, N_("A directory per device (default), or a few files per batch"), "per-device|per-batch" },
    /* Already translated: GOption's own lookup finds no other msgid for it. */
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &algorithm, algorithm_help, N_("ALG") },
    { "validity-days", 0, 0, G_OPTION_ARG_INT64, &validity_days, N_("Device lifetime (default: the longest the policy and the CA allow)"), N_("DAYS") },
    { "batch-size", 0, 0, G_OPTION_ARG_INT, &batch_size, N_("Devices per ledger record (default 10000)"), N_("N") },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, N_("Threads issuing (default: the number of CPUs)"), N_("N") },
    { "include-root", 0, 0, G_OPTION_ARG_NONE, &include_root, N_("chain.pem also carries the uploaded CA (the root)"), NULL },
    { "upload-ca", 0, 0, G_OPTION_ARG_STRING, &upload_ca, N_("The CA uploaded to the cloud, if not the root: chain.pem stops below it"), N_("CA") },
    { "pkcs12", 0, 0, G_OPTION_ARG_NONE, &pkcs12, N_("Also write device.p12 (key, certificate, chain)"), NULL },
    { "key-passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &key_passphrase_file, N_("Passphrase for key.pem and device.p12 (default: the workspace's)"), N_("FILE") },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("The officer who signs the records"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— issue device certificates in bulk"));
  g_autoptr(ChainIssueSource) source = NULL;
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainSecret) key_passphrase = NULL;
  g_autoptr(ChainSecret) workspace_passphrase = NULL;
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  g_autoptr(GCancellable) own_cancellable = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  ChainIssueDevicesOptions options = CHAIN_ISSUE_DEVICES_OPTIONS_INIT;
  IssueRun run = { 0 };
  guint sigint_id;
  guint sigterm_id;
  guint sighup_id;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the options, file names, "device-batch" (a record
     * type) and the examples as they are. */
    N_("Issues one device certificate per id, from a count and prefix, a file of ids\n"
       "or a directory of CSRs made on the devices, in parallel, and records every\n"
       "--batch-size devices as one device-batch record. Writes DIR/ID/cert.pem,\n"
       "DIR/ID/chain.pem (up to, not including, the uploaded CA), DIR/ID/key.pem for\n"
       "keys made here (encrypted PKCS#8, 0600), DIR/ID/device.p12 with --pkcs12,\n"
       "and DIR/manifest.csv and DIR/manifest.json for the factory line. With\n"
       "--output-layout per-batch: DIR/batch-N.pem (the batch's certificates in\n"
       "manifest order), DIR/batch-N.key.pem (their keys, same order, 0600),\n"
       "DIR/ca-chain.pem and the manifests.\n"
       "The whole input is checked before anything is issued (stdin: each batch\n"
       "before it is issued). Ctrl-C records what was issued, says so and exits 1.\n\n"
       "Examples:\n"
       "  chain -C dist issue --count 1000 --prefix sensor- -o batch-1\n"
       "  chain -C dist issue --ids ids.txt --pkcs12 -o batch-2\n"
       "  generate-ids | chain -C dist issue --ids - -o batch-3\n"
       "  chain -C dist issue --csr-dir csrs/ --include-root -o batch-4\n"
       "  chain -C dist issue --count 100000 --output-layout per-batch -o line-5"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "issue", _("unexpected argument '%s'"), argv[1]);
  if (output == NULL)
    return chain_cli_usage (error, "issue", _("give the output directory with -o DIR"));
  if (batch_size < 0 || jobs < 0)
    return chain_cli_usage (error, "issue", _("--batch-size and --jobs must be positive"));
  if (algorithm != NULL)
    {
      options.algorithm = chain_key_algorithm_from_string (algorithm, error);
      if (options.algorithm == CHAIN_KEY_ALGORITHM_INVALID)
        return FALSE;
    }
  source = make_source (ids, count, prefix, start, csr_dir, id_from, error);
  if (source == NULL)
    return FALSE;
  if (chain_issue_source_has_csrs (source) && pkcs12)
    return chain_cli_usage (error, "issue", _("--pkcs12 needs keys made here; with --csr-dir the keys stay on the devices"));
  if (g_strcmp0 (layout, "per-batch") == 0)
    options.layout = CHAIN_ISSUE_LAYOUT_PER_BATCH;
  else if (layout != NULL && strcmp (layout, "per-device") != 0)
    /* Translators: keep 'per-device' and 'per-batch', the values --output-layout takes. */
    return chain_cli_usage (error, "issue", _("--output-layout is 'per-device' or 'per-batch', not '%s'"), layout);
  if (options.layout == CHAIN_ISSUE_LAYOUT_PER_BATCH && pkcs12)
    return chain_cli_usage (error, "issue", _("--pkcs12 writes a file per device; drop it or drop --output-layout per-batch"));

  workspace = chain_workspace_open (globals->workspace, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  if (!chain_cli_unlock_workspace (globals, workspace, officer, &workspace_passphrase, error))
    return FALSE;
  if (key_passphrase_file != NULL)
    {
      key_passphrase = chain_secret_new_from_file (key_passphrase_file, error);
      if (key_passphrase == NULL)
        return FALSE;
    }
  else if (workspace_passphrase == NULL && !chain_issue_source_has_csrs (source))
    {
      /* Keys in hardware: the device keys made here still need a passphrase. */
      key_passphrase = chain_cli_get_passphrase (globals, _("Passphrase for the device keys: "), error);
      if (key_passphrase == NULL)
        return FALSE;
    }
  if (upload_ca != NULL)
    {
      options.upload_ca = chain_workspace_find_ca (workspace, upload_ca, error);
      if (options.upload_ca == NULL)
        return FALSE;
    }

  options.output_dir = output;
  options.validity_days = validity_days;
  options.batch_size = (guint) batch_size;
  options.jobs = (guint) jobs;
  options.include_root = include_root;
  options.pkcs12 = pkcs12;
  options.key_passphrase = key_passphrase != NULL ? key_passphrase : workspace_passphrase;
  options.progress = on_progress;
  options.progress_data = &run;

  if (cancellable == NULL)
    cancellable = own_cancellable = g_cancellable_new ();
  loop = g_main_loop_new (NULL, FALSE);
  run.globals = globals;
  run.workspace = workspace;
  run.loop = loop;
  run.cancellable = cancellable;
  sigint_id = g_unix_signal_add (SIGINT, on_signal, &run);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, &run);
  sighup_id = g_unix_signal_add (SIGHUP, on_signal, &run);
  chain_issue_devices_async (workspace, source, &options, summary, cancellable, on_done, &run);
  while (!run.done)
    g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_source_remove (sighup_id);
  g_clear_pointer (&run.progress, chain_cli_progress_free);

  if (globals->json)
    chain_cli_print_json (globals, summary_to_json (summary, output));
  if (!run.ok)
    {
      if (run.interrupted)
        {
          g_clear_error (&run.error);
          g_set_error_literal (&run.error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("interrupted; the batch in progress was discarded"));
        }
      if (chain_issue_summary_get_n_issued (summary) > 0)
        {
          guint64 n = chain_issue_summary_get_n_issued (summary);
          g_autofree char *issued = describe_issued (summary, NULL);
          g_autofree char *message = NULL;
          GError *full = NULL;

          if (count != 0)
            message = g_strdup_printf (
              /* Translators: why the run stopped, then what was issued (the
               * clause "issued and recorded N devices ..."); keep the options. */
              _("%s; %s; continue with --start %" PRIu64 " --count %" PRIu64 " and a new -o"),
              run.error->message, issued, (guint64) start + n, (guint64) count - n);
          else
            /* Translators: why the run stopped, then what was issued (the
             * clause "issued and recorded N devices ..."). */
            message = g_strdup_printf (_("%s; %s"), run.error->message, issued);
          full = g_error_new_literal (run.error->domain, run.error->code, message);
          g_clear_error (&run.error);
          run.error = full;
        }
      g_propagate_error (error, g_steal_pointer (&run.error));
      return FALSE;
    }
  if (!globals->json)
    {
      g_autofree char *issued = describe_issued (summary, output);

      chain_cli_print (globals, "%s\n", issued);
      /* Translators: two file names. */
      chain_cli_print (globals, _("Manifests: %s, %s\n"), chain_issue_summary_get_manifest_csv (summary),
                       chain_issue_summary_get_manifest_json (summary));
    }
  return TRUE;
}
