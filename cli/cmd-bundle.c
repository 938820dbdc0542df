/* cmd-bundle.c — `chain bundle create|import`: the ledger on a USB stick
 *
 * A bundle is a git bundle (v2) of refs/heads/main at our tip, which `git
 * bundle verify` and `git clone` read too. Importing one audits the new
 * records before main moves, refuses rollbacks and rewrites, and moves the
 * workspace's pin.
 */
#include "chain-cli.h"

#include <inttypes.h>
#include <string.h>

static gboolean
all_digits (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isdigit (*text))
      return FALSE;
  return TRUE;
}

static gboolean
is_commit_id (const char *text)
{
  if (strlen (text) != 40)
    return FALSE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isxdigit (*text))
      return FALSE;
  return TRUE;
}

/* --since SEQ|COMMIT: the commit the receiver already holds. */
static char *
resolve_since (ChainLedger *ledger, const char *since, GError **error)
{
  g_autoptr(ChainRecord) record = NULL;
  guint64 seq = 0;
  guint64 length = chain_ledger_get_length (ledger);

  if (is_commit_id (since))
    return g_ascii_strdown (since, -1);
  if (!g_ascii_string_to_unsigned (since, 10, 0, G_MAXUINT64, &seq, NULL) || seq >= length)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("there is no record %s: the ledger has records 0 to %" PRId64),
                   since, (gint64) length - 1);
      return NULL;
    }
  record = chain_ledger_load_record (ledger, seq, error);
  if (record == NULL)
    return NULL;
  return g_strdup (chain_record_get_commit_id (record));
}

static gboolean
bundle_create (const ChainCliGlobals *globals,
               const char            *file,
               const char            *since,
               GCancellable          *cancellable,
               GError               **error)
{
  g_auto(ChainCliSync) sync = { 0 };
  g_autoptr(ChainLedger) ledger = NULL;
  g_autofree char *base = NULL;
  ChainSyncOptions options;
  guint64 records = 0;
  guint64 length;

  ledger = chain_cli_open_ledger (globals, &sync.place, cancellable, error);
  if (ledger == NULL)
    return FALSE;
  sync.globals = globals;
  length = chain_ledger_get_length (ledger);
  if (since != NULL)
    {
      base = resolve_since (ledger, since, error);
      if (base == NULL)
        return FALSE;
    }
  chain_cli_sync_options (&sync, &options);
  if (!chain_sync_bundle_create (sync.place.repo_path, file, base, &options, &records,
                                 cancellable, error))
    return FALSE;
  g_clear_pointer (&sync.bar, chain_cli_progress_free);

  if (globals->json)
    {
      ChainJson *json = chain_json_new_object ();

      chain_json_object_set_string (json, "file", file);
      chain_json_object_set_integer (json, "records", (gint64) records);
      chain_json_object_set_string (json, "tip", chain_ledger_get_tip_commit_id (ledger));
      chain_json_object_set_integer (json, "seq", (gint64) length - 1);
      chain_json_object_set (json, "base", base != NULL ? chain_json_new_string (base)
                                                        : chain_json_new_null ());
      chain_cli_print_json (globals, json);
    }
  else
    chain_cli_print (globals,
                     /* Translators: English keeps "(s)" in both forms; use your
                      * language's plural forms. The last %s is a commit id. */
                     ngettext ("wrote %s: %" PRIu64 " record(s), up to record %" PRIu64 " (commit %s)\n",
                               "wrote %s: %" PRIu64 " record(s), up to record %" PRIu64 " (commit %s)\n",
                               records),
                     file, records, length - 1, chain_ledger_get_tip_commit_id (ledger));
  return TRUE;
}

static gboolean
bundle_import (const ChainCliGlobals *globals,
               const char            *file,
               GCancellable          *cancellable,
               GError               **error)
{
  g_auto(ChainCliSync) sync = { 0 };
  g_autoptr(ChainSyncResult) result = NULL;
  ChainSyncOptions options;

  if (!chain_cli_sync_open (globals, &sync, cancellable, error))
    return FALSE;
  chain_cli_sync_options (&sync, &options);
  if (sync.workspace != NULL)
    {
      /* A workspace imports through libchain: its root, its pin. */
      if (!chain_workspace_import_bundle (sync.workspace, file, options.progress, options.progress_data,
                                          &result, cancellable, error))
        return FALSE;
    }
  /* A bare clone (an auditor's) has no workspace: the pin file beside it. */
  else if (!chain_sync_bundle_import (sync.place.repo_path, file, &options, &result, cancellable,
                                      error))
    return FALSE;
  if (!chain_cli_sync_refresh (&sync, cancellable, error))
    return FALSE;
  if (globals->json)
    {
      ChainJson *json = chain_cli_sync_result_to_json (result);

      chain_cli_print_json (globals, json);
    }
  else
    {
      const char *tip = chain_sync_result_get_new_tip (result);
      gint64 seq = chain_sync_result_get_seq (result);
      guint64 records = chain_sync_result_get_records (result);
      gboolean imported = chain_sync_result_get_status (result) == CHAIN_SYNC_FAST_FORWARDED;

      if (imported && seq >= 0)
        chain_cli_print (globals,
                         /* Translators: the first %s is the bundle's file name, the
                          * last the first digits of a commit id. English keeps
                          * "(s)" in both forms; use your language's plural forms. */
                         ngettext ("%s: imported %" PRIu64 " record(s), audited; now at record %" PRId64 " (commit %.12s)\n",
                                   "%s: imported %" PRIu64 " record(s), audited; now at record %" PRId64 " (commit %.12s)\n",
                                   records),
                         file, records, seq, tip);
      else if (imported)
        chain_cli_print (globals,
                         /* Translators: the first %s is the bundle's file name, the
                          * last the first digits of a commit id. English keeps
                          * "(s)" in both forms; use your language's plural forms. */
                         ngettext ("%s: imported %" PRIu64 " record(s), audited; now at commit %.12s\n",
                                   "%s: imported %" PRIu64 " record(s), audited; now at commit %.12s\n",
                                   records),
                         file, records, tip != NULL ? tip : "none");
      else if (seq >= 0)
        /* Translators: the first %s is the bundle's file name, the last the
         * first digits of a commit id. */
        chain_cli_print (globals, _("%s: nothing new, already at record %" PRId64 " (commit %.12s)\n"),
                         file, seq, tip);
      else if (tip != NULL)
        /* Translators: the first %s is the bundle's file name, the last the
         * first digits of a commit id. */
        chain_cli_print (globals, _("%s: nothing new, already at commit %.12s\n"), file, tip);
      else
        /* Translators: %s is the bundle's file name; the ledger has no commit yet. */
        chain_cli_print (globals, _("%s: nothing new, already at commit none\n"), file);
    }
  return TRUE;
}

gboolean
cmd_bundle (const ChainCliGlobals *globals,
            int                    argc,
            char                 **argv,
            GCancellable          *cancellable,
            GError               **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("create|import FILE — air-gapped ledger bundles"));
  g_autofree char *since = NULL;
  GOptionEntry entries[] = {
    /* Translators: "create" is the action's name; keep it. */
    { "since", 0, 0, G_OPTION_ARG_STRING, &since, N_("create: only the records after SEQ or COMMIT, which the receiver holds"), N_("SEQ|COMMIT") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep "create", "import", the commands and the examples as they are. */
    N_("create FILE writes the ledger (or, with --since, what came after a record\n"
       "the receiver already holds) as a git bundle that `git bundle verify` and\n"
       "`git clone` accept. import FILE audits the bundle's new records against this\n"
       "workspace's root before the ledger moves onto them, refuses rollbacks and\n"
       "rewritten ledgers (exit 3), and moves the pinned tip.\n\n"
       "Examples:\n"
       "  chain -C oem bundle create /media/usb/ledger.bundle\n"
       "  chain -C factory bundle import /media/usb/ledger.bundle"));
  g_option_context_set_description (context,
    N_("Exit codes: 0 written or imported, 1 error (the file exists, is missing or is no\n"
       "ledger bundle; the bundle and we diverged), 2 usage, 3 a rollback, a rewritten\n"
       "ledger, or records that fail the audit."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc < 2)
    return chain_cli_usage (error, "bundle", _("give create FILE or import FILE"));
  if (strcmp (argv[1], "create") != 0 && strcmp (argv[1], "import") != 0)
    return chain_cli_usage (error, "bundle", _("unknown action '%s': use create or import"), argv[1]);
  if (argc != 3)
    /* Translators: %s is the action, "create" or "import". */
    return chain_cli_usage (error, "bundle", _("%s takes one FILE"), argv[1]);
  if (strcmp (argv[1], "import") == 0)
    {
      if (since != NULL)
        return chain_cli_usage (error, "bundle", _("--since is for create"));
      return bundle_import (globals, argv[2], cancellable, error);
    }
  if (since != NULL && !all_digits (since) && !is_commit_id (since))
    return chain_cli_usage (error, "bundle",
                            _("--since takes a record number or a commit id (40 hex digits)"));
  return bundle_create (globals, argv[2], since, cancellable, error);
}
