/* cmd-log.c — `chain log`: list the ledger's records
 *
 * Newest first, like git log. Records are read by sequence number through
 * the ledger's index, and only as many as are printed (or scanned for a
 * filter), so `chain log -n 20` is quick however long the ledger is. A
 * record that cannot be read gets a line saying so; the command then
 * fails with the verification exit code.
 */
#include "chain-cli.h"

#include <inttypes.h>
#include <stdio.h>

typedef struct {
  const ChainCliGlobals *globals;
  ChainLedger           *ledger;
  ChainRecordType        type;      /* CHAIN_RECORD_TYPE_INVALID: any */
  const char            *author;    /* (nullable) */
  ChainJson             *json;      /* --json: the array being built */
  GError                *damaged;   /* the first record that could not be read */
} Log;

static gboolean
log_matches (Log *log, ChainRecord *record)
{
  ChainStatement *statement = chain_record_get_statement (record);

  if (log->type != CHAIN_RECORD_TYPE_INVALID
      && chain_statement_get_record_type (statement) != log->type)
    return FALSE;
  if (log->author != NULL && g_strcmp0 (chain_statement_get_author (statement), log->author) != 0)
    return FALSE;
  return TRUE;
}

static ChainJson *
record_to_json (ChainRecord *record, const char *summary)
{
  ChainStatement *statement = chain_record_get_statement (record);
  g_autofree char *time = chain_cli_format_time (chain_statement_get_time (statement));
  g_autofree char *appended = chain_cli_format_time (chain_record_get_commit_time (record));
  ChainJson *json = chain_json_new_object ();

  chain_json_object_set_integer (json, "seq", (gint64) chain_record_get_seq (record));
  chain_json_object_set_string (json, "commit", chain_record_get_commit_id (record));
  chain_json_object_set_string (json, "time", time);
  chain_json_object_set_string (json, "appended", appended);
  chain_json_object_set_string (json, "type", chain_statement_get_type_name (statement));
  chain_json_object_set_string (json, "author", chain_statement_get_author (statement));
  chain_json_object_set_string (json, "id", chain_statement_get_id (statement));
  chain_json_object_set_string (json, "digest", chain_record_get_digest (record));
  chain_json_object_set_string (json, "summary", summary);
  chain_json_object_set (json, "body", chain_json_ref (chain_statement_get_body (statement)));
  return json;
}

static void
log_print_record (Log *log, ChainRecord *record)
{
  ChainStatement *statement = chain_record_get_statement (record);
  g_autofree char *summary = chain_record_summary_new (statement, 80);
  g_autofree char *time = NULL;
  g_autofree char *id = NULL;

  if (log->json != NULL)
    {
      chain_json_array_append (log->json, record_to_json (record, summary));
      return;
    }
  time = chain_cli_format_time (chain_statement_get_time (statement));
  id = g_strndup (chain_statement_get_id (statement), 8);
  chain_cli_print (log->globals, "%6" G_GUINT64_FORMAT "  %s  %-18s  %-16s  %s  %s\n",
                   chain_record_get_seq (record), time,
                   chain_statement_get_type_name (statement),
                   chain_statement_get_author (statement), id, summary);
}

static void
log_print_damaged (Log *log, guint64 seq, const GError *error)
{
  g_autofree char *message = chain_cli_one_line (error->message, 0);

  if (log->json != NULL)
    {
      ChainJson *json = chain_json_new_object ();

      chain_json_object_set_integer (json, "seq", (gint64) seq);
      chain_json_object_set_string (json, "error", message);
      chain_json_array_append (log->json, json);
    }
  else
    chain_cli_print (log->globals, _("%6" PRIu64 "  cannot be read: %s\n"), seq, message);
}

/* Reads record @seq; a damaged one is listed (when no filter is set, since
 * its type and author are unknown) and remembered for the exit code. */
static ChainRecord *
log_read (Log *log, guint64 seq, gboolean *out_listed)
{
  g_autoptr(GError) local_error = NULL;
  ChainRecord *record = chain_ledger_load_record (log->ledger, seq, &local_error);

  *out_listed = FALSE;
  if (record != NULL)
    return record;
  if (log->type == CHAIN_RECORD_TYPE_INVALID && log->author == NULL)
    {
      log_print_damaged (log, seq, local_error);
      *out_listed = TRUE;
    }
  if (log->damaged == NULL)
    log->damaged = g_steal_pointer (&local_error);
  return NULL;
}

static gboolean
log_run (Log *log, gint64 max_count, gboolean reverse, GCancellable *cancellable, GError **error)
{
  guint64 length = chain_ledger_get_length (log->ledger);
  guint64 limit = max_count < 0 ? G_MAXUINT64 : (guint64) max_count;

  if (reverse && max_count < 0)
    {
      /* Everything, oldest first: stream it. */
      for (guint64 seq = 0; seq < length; seq++)
        {
          g_autoptr(ChainRecord) record = NULL;
          gboolean listed;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          record = log_read (log, seq, &listed);
          if (record != NULL && log_matches (log, record))
            log_print_record (log, record);
        }
      return TRUE;
    }

  {
    /* Newest first; with --reverse, the newest @limit printed oldest first. */
    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_record_unref);
    guint64 found = 0;

    for (guint64 seq = length; seq > 0 && found < limit; seq--)
      {
        g_autoptr(ChainRecord) record = NULL;
        gboolean listed;

        if (g_cancellable_set_error_if_cancelled (cancellable, error))
          return FALSE;
        record = log_read (log, seq - 1, &listed);
        if (listed)
          found++;
        if (record == NULL || !log_matches (log, record))
          continue;
        found++;
        if (reverse)
          g_ptr_array_add (kept, g_steal_pointer (&record));
        else
          log_print_record (log, record);
      }
    for (guint i = kept->len; i > 0; i--)
      log_print_record (log, kept->pdata[i - 1]);
  }
  return TRUE;
}

gboolean
cmd_log (const ChainCliGlobals *globals,
         int                    argc,
         char                 **argv,
         GCancellable          *cancellable,
         GError               **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— list the ledger's records"));
  g_autoptr(ChainLedger) ledger = NULL;
  g_autoptr(ChainJson) json = NULL;
  g_autofree char *type_name = NULL;
  g_autofree char *author = NULL;
  gint max_count = -1;
  gboolean reverse = FALSE;
  g_autofree char **argv_split = NULL;   /* borrowed strings */
  /* Translators: %s lists the record types; they are not translated. */
  g_autofree char *type_help = g_strdup_printf (_("Only records of TYPE (%s)"), CHAIN_RECORD_TYPE_NAMES);
  Log log = { globals, NULL, CHAIN_RECORD_TYPE_INVALID, NULL, NULL, NULL };
  GOptionEntry entries[] = {
    { "max-count", 'n', 0, G_OPTION_ARG_INT, &max_count, N_("Show at most N records (the newest)"), N_("N") },
    /* Already translated: GOption's own lookup finds no other msgid for it. */
    { "type", 0, 0, G_OPTION_ARG_STRING, &type_name, type_help, N_("TYPE") },
    { "author", 0, 0, G_OPTION_ARG_STRING, &author, N_("Only records by custodian ID"), N_("ID") },
    { "reverse", 0, 0, G_OPTION_ARG_NONE, &reverse, N_("Oldest first"), NULL },
    { NULL }
  };
  gboolean ok;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    N_("Lists the ledger's records, newest first: sequence number, time (UTC), type,\n"
       "author, the statement id's first digits and what the record did. Reads only\n"
       "the records it prints. Works on a workspace or on a clone of a ledger.\n\n"
       "Example:\n"
       "  chain -C factory log -n 20 --type device-batch"));
  g_option_context_set_description (context,
    N_("Exit codes: 0 listed, 1 error (no workspace or ledger here), 2 usage, 3 a record\n"
       "cannot be read or the ledger no longer descends from the pinned tip."));
  /* `-n1`, as git log takes it: GOption wants the count apart. */
  {
    g_autoptr(GPtrArray) args = g_ptr_array_new ();

    for (int i = 0; i < argc; i++)
      {
        if (i > 0 && g_str_has_prefix (argv[i], "-n") && argv[i][2] != '\0' && argv[i][2] != '-')
          {
            g_ptr_array_add (args, (char *) "-n");
            g_ptr_array_add (args, argv[i] + 2);
          }
        else
          g_ptr_array_add (args, argv[i]);
      }
    g_ptr_array_add (args, NULL);
    argc = (int) args->len - 1;
    argv_split = (char **) g_ptr_array_free (g_steal_pointer (&args), FALSE);
    argv = argv_split;
  }
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "log", _("unexpected argument '%s'"), argv[1]);
  if (max_count < -1)
    return chain_cli_usage (error, "log", _("-n takes a count of 0 or more"));
  if (type_name != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      log.type = chain_record_type_from_string (type_name, &local_error);
      if (log.type == CHAIN_RECORD_TYPE_INVALID)
        return chain_cli_usage (error, "log", "%s", local_error->message);
    }
  if (author != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!chain_statement_check_custodian_id (author, &local_error))
        return chain_cli_usage (error, "log", _("--author: %s"), local_error->message);
      log.author = author;
    }

  ledger = chain_cli_open_ledger (globals, NULL, cancellable, error);
  if (ledger == NULL)
    return FALSE;
  log.ledger = ledger;
  if (globals->json)
    log.json = json = chain_json_new_array ();

  ok = log_run (&log, max_count, reverse, cancellable, error);
  if (ok && json != NULL)
    chain_cli_print_json (globals, g_steal_pointer (&json));
  if (ok && log.damaged != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("%s; run 'chain audit' for the full report"), log.damaged->message);
      ok = FALSE;
    }
  g_clear_error (&log.damaged);
  return ok;
}
