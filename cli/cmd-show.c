/* cmd-show.c — `chain show`: one record with its artifacts
 *
 * A record is named by its sequence number, "tip", or the first hex digits
 * of its statement id or commit id. --artifact writes one artifact's bytes,
 * checked against the digest its statement signed.
 */
#include "chain-cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Shortest hex prefix accepted for a statement or commit id. */
#define MIN_PREFIX 7

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
all_hex (const char *text)
{
  for (; *text != '\0'; text++)
    if (!g_ascii_isxdigit (*text))
      return FALSE;
  return TRUE;
}

/* Finds the newest record whose statement id or commit id starts with
 * @prefix, reading back from the tip. Checking that no older record
 * shares the prefix would read the whole ledger every time; with 7 or
 * more hex digits a clash is all but impossible, and the full ids shown
 * settle it. */
static ChainRecord *
find_by_prefix (const ChainCliGlobals *globals,
                ChainLedger           *ledger,
                const char            *prefix,
                GCancellable          *cancellable,
                GError               **error)
{
  g_autofree char *lower = g_ascii_strdown (prefix, -1);
  g_autoptr(ChainCliProgress) bar = NULL;
  guint64 length = chain_ledger_get_length (ledger);

  bar = chain_cli_progress_new (globals, _("Searching"), length);
  for (guint64 seq = length; seq > 0; seq--)
    {
      g_autoptr(ChainRecord) record = NULL;
      ChainStatement *statement = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      chain_cli_progress_update (bar, length - seq + 1);
      record = chain_ledger_load_record (ledger, seq - 1, NULL);
      if (record == NULL)
        continue;
      statement = chain_record_get_statement (record);
      if (g_str_has_prefix (chain_statement_get_id (statement), lower)
          || g_str_has_prefix (chain_record_get_commit_id (record), lower))
        return g_steal_pointer (&record);
    }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
               _("no record has a statement or commit id starting with %s: see chain log"),
               prefix);
  return NULL;
}

static ChainRecord *
find_record (const ChainCliGlobals *globals,
             ChainLedger           *ledger,
             const char            *name,
             GCancellable          *cancellable,
             GError               **error)
{
  guint64 length = chain_ledger_get_length (ledger);
  guint64 seq = 0;

  if (length == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("the ledger has no records yet: sync or import a bundle first"));
      return NULL;
    }
  if (strcmp (name, "tip") == 0)
    return chain_ledger_load_record (ledger, length - 1, error);
  if (all_digits (name))
    {
      gboolean in_range = g_ascii_string_to_unsigned (name, 10, 0, G_MAXUINT64, &seq, NULL) && seq < length;

      /* A commit id prefix can be all digits too: past the last record, and
       * long enough to be a prefix, it is taken as one. */
      if (!in_range && strlen (name) >= 7)
        return find_by_prefix (globals, ledger, name, cancellable, error);
      if (!in_range)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       _("there is no record %s: the ledger has records 0 to %" PRIu64),
                       name, length - 1);
          return NULL;
        }
      return chain_ledger_load_record (ledger, seq, error);
    }
  return find_by_prefix (globals, ledger, name, cancellable, error);
}

static ChainJson *
record_to_json (ChainRecord *record)
{
  ChainStatement *statement = chain_record_get_statement (record);
  g_autofree const char **names = chain_statement_get_artifact_names (statement);
  g_autofree char *time = chain_cli_format_time (chain_statement_get_time (statement));
  g_autofree char *appended = chain_cli_format_time (chain_record_get_commit_time (record));
  ChainJson *json = chain_json_new_object ();
  ChainJson *signatures = chain_json_new_array ();
  ChainJson *artifacts = chain_json_new_array ();

  chain_json_object_set_integer (json, "seq", (gint64) chain_record_get_seq (record));
  chain_json_object_set_string (json, "commit", chain_record_get_commit_id (record));
  chain_json_object_set_string (json, "path", chain_record_get_path (record));
  chain_json_object_set_string (json, "appended", appended);
  chain_json_object_set_string (json, "time", time);
  chain_json_object_set_string (json, "type", chain_statement_get_type_name (statement));
  chain_json_object_set_string (json, "author", chain_statement_get_author (statement));
  chain_json_object_set_string (json, "id", chain_statement_get_id (statement));
  chain_json_object_set_string (json, "ledger", chain_record_get_ledger_id (record));
  chain_json_object_set_string (json, "policy", chain_statement_get_policy_digest (statement));
  chain_json_object_set_string (json, "prev", chain_record_get_prev (record));
  chain_json_object_set_string (json, "digest", chain_record_get_digest (record));
  for (guint i = 0; i < chain_statement_get_signature_count (statement); i++)
    {
      ChainJson *signature = chain_json_new_object ();

      chain_json_object_set_string (signature, "keyid",
                                    chain_statement_get_signature_key_id (statement, i));
      chain_json_array_append (signatures, signature);
    }
  chain_json_object_set (json, "signatures", signatures);
  chain_json_object_set (json, "body", chain_json_ref (chain_statement_get_body (statement)));
  for (gsize i = 0; names[i] != NULL; i++)
    {
      ChainJson *artifact = chain_json_new_object ();
      g_autofree char *name = chain_cli_one_line (names[i], 0);
      const char *sha256 = NULL;
      gint64 size = 0;

      chain_statement_get_artifact (statement, names[i], &sha256, &size, NULL);
      chain_json_object_set_string (artifact, "name", names[i]);
      chain_json_object_set_integer (artifact, "size", size);
      chain_json_object_set_string (artifact, "sha256", sha256);
      chain_json_array_append (artifacts, artifact);
    }
  chain_json_object_set (json, "artifacts", artifacts);
  return json;
}

static void
print_record (const ChainCliGlobals *globals, ChainRecord *record)
{
  ChainStatement *statement = chain_record_get_statement (record);
  g_autofree const char **names = chain_statement_get_artifact_names (statement);
  g_autofree char *time = chain_cli_format_time (chain_statement_get_time (statement));
  g_autofree char *appended = chain_cli_format_time (chain_record_get_commit_time (record));
  g_autofree char *summary = chain_record_summary_new (statement, 80);
  g_autofree char *body = chain_json_to_pretty (chain_statement_get_body (statement));
  g_auto(GStrv) body_lines = g_strsplit (body, "\n", -1);
  /* The author wrote these; the body's pretty JSON escapes its own. */
  g_autofree char *author = chain_cli_one_line (chain_statement_get_author (statement), 0);
  g_autofree char *id = chain_cli_one_line (chain_statement_get_id (statement), 0);

  /* Translators: "record 15 (device-batch): what it did"; the type is not
   * translated. */
  chain_cli_print (globals, _("record %" PRIu64 " (%s): %s\n"),
                   chain_record_get_seq (record), chain_statement_get_type_name (statement),
                   summary);
  /* Translators: the labels of `chain show`; keep the values in one column. */
  chain_cli_print (globals, _("  commit      %s\n"), chain_record_get_commit_id (record));
  chain_cli_print (globals, _("  appended    %s\n"), appended);
  chain_cli_print (globals, _("  time        %s\n"), time);
  chain_cli_print (globals, _("  author      %s\n"), author);
  chain_cli_print (globals, _("  id          %s\n"), id);
  chain_cli_print (globals, _("  ledger      %s\n"), chain_record_get_ledger_id (record));
  chain_cli_print (globals, _("  policy      %s\n"), chain_statement_get_policy_digest (statement));
  /* Translators: the SHA-256 of the record before this one. */
  chain_cli_print (globals, _("  prev        %s\n"), chain_record_get_prev (record));
  chain_cli_print (globals, _("  digest      %s\n"), chain_record_get_digest (record));
  chain_cli_print (globals, _("  path        %s\n"), chain_record_get_path (record));
  chain_cli_print (globals, _("signatures (key ids):\n"));
  for (guint i = 0; i < chain_statement_get_signature_count (statement); i++)
    {
      g_autofree char *key_id = chain_cli_one_line (chain_statement_get_signature_key_id (statement, i), 0);

      if (i == 0)
        /* Translators: a key id; the first signature is the author's. */
        chain_cli_print (globals, _("  %s  (author)\n"), key_id);
      else
        chain_cli_print (globals, "  %s\n", key_id);
    }
  chain_cli_print (globals, _("body:\n"));
  for (gsize i = 0; body_lines[i] != NULL; i++)
    chain_cli_print (globals, "  %s\n", body_lines[i]);
  chain_cli_print (globals, names[0] == NULL ? _("artifacts: none\n") : _("artifacts:\n"));
  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_autofree char *name = chain_cli_one_line (names[i], 0);
      const char *sha256 = NULL;
      gint64 size = 0;

      chain_statement_get_artifact (statement, names[i], &sha256, &size, NULL);
      /* Translators: an artifact's name, size and SHA-256; keep the columns.
       * English keeps one form for both; use your language's plural forms. */
      chain_cli_print (globals, ngettext ("  %-20s %10" PRId64 " bytes  sha256 %s\n",
                                          "  %-20s %10" PRId64 " bytes  sha256 %s\n", (gulong) size),
                       name, size, sha256);
    }
}

static gboolean
write_artifact (const ChainCliGlobals *globals,
                ChainRecord           *record,
                const char            *name,
                const char            *output,
                GCancellable          *cancellable,
                GError               **error)
{
  g_autoptr(GBytes) data = NULL;
  const char *sha256 = NULL;
  gsize len = 0;
  const char *bytes = NULL;

  if (!chain_statement_get_artifact (chain_record_get_statement (record), name, &sha256,
                                     NULL, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("record %" PRIu64 " has no artifact %s: see chain show %" PRIu64),
                   chain_record_get_seq (record), name,
                   chain_record_get_seq (record));
      return FALSE;
    }
  data = chain_record_read_artifact (record, name, cancellable, error);
  if (data == NULL)
    return FALSE;
  bytes = g_bytes_get_data (data, &len);
  if (output == NULL || strcmp (output, "-") == 0)
    {
      fwrite (bytes, 1, len, stdout);
      return TRUE;
    }
  if (!g_file_set_contents_full (output, bytes, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0644, error))
    return FALSE;
  if (globals->json)
    {
      ChainJson *json = chain_json_new_object ();

      chain_json_object_set_integer (json, "seq", (gint64) chain_record_get_seq (record));
      chain_json_object_set_string (json, "artifact", name);
      chain_json_object_set_string (json, "file", output);
      chain_json_object_set_integer (json, "size", (gint64) len);
      chain_json_object_set_string (json, "sha256", sha256);
      chain_cli_print_json (globals, json);
    }
  else
    /* Translators: a file name, its size and SHA-256. English keeps one form
     * for both; use your language's plural forms. */
    chain_cli_print (globals, ngettext ("wrote %s (%zu bytes, sha256 %s)\n",
                                        "wrote %s (%zu bytes, sha256 %s)\n", (gulong) len),
                     output, len, sha256);
  return TRUE;
}

gboolean
cmd_show (const ChainCliGlobals *globals,
          int                    argc,
          char                 **argv,
          GCancellable          *cancellable,
          GError               **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("SEQ|ID|tip — show one record"));
  g_autoptr(ChainLedger) ledger = NULL;
  g_autoptr(ChainRecord) record = NULL;
  g_autofree char *artifact = NULL;
  g_autofree char *output = NULL;
  g_autofree char *device = NULL;
  GOptionEntry entries[] = {
    { "artifact", 'a', 0, G_OPTION_ARG_STRING, &artifact, N_("Write the bytes of artifact NAME"), N_("NAME") },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, N_("Show what the ledger says about device ID instead"), N_("ID") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("With --artifact: write to FILE, not stdout"), N_("FILE") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep "tip" and the example commands as they are. */
    N_("Shows one record: its commit, times, author, statement id, policy and chain\n"
       "digests, the key ids that signed it, its body, and its artifacts with sizes\n"
       "and SHA-256 digests. Name it by sequence number, \"tip\", or the first digits\n"
       "(7 or more) of its statement id or commit id; a name of digits only is a\n"
       "sequence number; a prefix names the newest record it matches.\n\n"
       "Examples:\n"
       "  chain show tip\n"
       "  chain show 15 --artifact manifest.csv -o batch-15.csv"));
  g_option_context_set_description (context,
    N_("Exit codes: 0 shown, 1 error (no such record or artifact), 2 usage, 3 the record\n"
       "or artifact does not match what was signed, or the ledger was rewritten."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (device != NULL)
    {
      if (argc != 1 || artifact != NULL || output != NULL)
        return chain_cli_usage (error, "show", _("--device ID takes no record name, --artifact or -o"));
      return chain_cli_show_device (globals, device, cancellable, error);
    }
  if (argc != 2)
    return chain_cli_usage (error, "show", argc < 2 ? _("name a record: SEQ, ID or tip")
                                                    : _("give one record"));
  if (strcmp (argv[1], "tip") != 0 && !all_digits (argv[1])
      && (!all_hex (argv[1]) || strlen (argv[1]) < MIN_PREFIX || strlen (argv[1]) > 40))
    return chain_cli_usage (error, "show",
                            _("'%s' is no record name: give a sequence number, tip, or %d to 40 "
                              "hex digits of a statement or commit id"), argv[1], MIN_PREFIX);
  if (output != NULL && artifact == NULL)
    return chain_cli_usage (error, "show", _("-o needs --artifact NAME"));
  if (artifact != NULL && globals->json && (output == NULL || strcmp (output, "-") == 0))
    return chain_cli_usage (error, "show", _("--json with --artifact needs -o FILE"));

  ledger = chain_cli_open_ledger (globals, NULL, cancellable, error);
  if (ledger == NULL)
    return FALSE;
  record = find_record (globals, ledger, argv[1], cancellable, error);
  if (record == NULL)
    return FALSE;
  if (artifact != NULL)
    return write_artifact (globals, record, artifact, output, cancellable, error);
  if (globals->json)
    chain_cli_print_json (globals, record_to_json (record));
  else
    print_record (globals, record);
  return TRUE;
}
