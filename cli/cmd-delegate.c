/* cmd-delegate.c — `chain delegate`: judge a request, issue the sub-CA, write the grant */
#include "chain-cli.h"

/* --permit / --exclude DN lines as chain_name_constraints_parse() reads them. */
static ChainNameConstraints *
constraints_from (char  **permit,
                  char  **exclude,
                  GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; permit != NULL && permit[i] != NULL; i++)
    g_string_append_printf (text, "permitted:dirName:%s\n", permit[i]);
  for (guint i = 0; exclude != NULL && exclude[i] != NULL; i++)
    g_string_append_printf (text, "excluded:dirName:%s\n", exclude[i]);
  if (text->len == 0)
    return NULL;
  return chain_name_constraints_parse (text->str, error);
}

static char *
format_time (gint64 t)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (t);

  return when != NULL ? g_date_time_format (when, "%Y-%m-%d") : g_strdup ("?");
}

static ChainJson *
preview_to_json (const ChainDelegationPreview *p)
{
  ChainJson *doc = chain_json_new_object ();

  chain_json_object_set_string (doc, "custodian", p->custodian_id);
  chain_json_object_set_string (doc, "name", p->org);
  chain_json_object_set_string (doc, "tier", p->tier);
  chain_json_object_set_string (doc, "subject", p->subject);
  chain_json_object_set_string (doc, "algorithm", chain_key_algorithm_to_string (p->algorithm));
  chain_json_object_set_integer (doc, "path_len", p->path_len);
  chain_json_object_set_integer (doc, "max_path_len", p->max_path_len);
  chain_json_object_set_integer (doc, "not_before", p->not_before);
  chain_json_object_set_integer (doc, "not_after", p->not_after);
  chain_json_object_set_string (doc, "name_constraints", p->name_constraints);
  chain_json_object_set_boolean (doc, "allowed", p->allowed);
  if (p->refusal != NULL)
    chain_json_object_set_string (doc, "refusal", p->refusal);
  chain_json_object_set_integer (doc, "approvals", p->approvals);
  chain_json_object_set_integer (doc, "threshold", p->threshold);
  return doc;
}

static void
print_preview (const ChainCliGlobals        *globals,
               const ChainDelegationPreview *p)
{
  g_autofree char *from = format_time (p->not_before);
  g_autofree char *to = format_time (p->not_after);

  chain_cli_print (globals, "Request from '%s' (%s), tier %s\n", p->org, p->custodian_id, p->tier);
  chain_cli_print (globals, "  subject:          %s\n", p->subject);
  chain_cli_print (globals, "  key:              %s\n", chain_key_algorithm_to_string (p->algorithm));
  chain_cli_print (globals, "  path length:      %d (at most %d)\n", p->path_len, p->max_path_len);
  chain_cli_print (globals, "  valid:            %s to %s\n", from, to);
  chain_cli_print (globals, "  name constraints: %s\n", p->name_constraints[0] != '\0' ? p->name_constraints : "none");
  chain_cli_print (globals, "  approvals:        %u of %u\n", p->approvals, p->threshold);
  chain_cli_print (globals, "  policy:           %s%s\n", p->allowed ? "allows it" : "refuses it: ",
                   p->allowed ? "" : p->refusal);
}

gboolean
cmd_delegate (const ChainCliGlobals *globals,
              int                    argc,
              char                 **argv,
              GCancellable          *cancellable,
              GError               **error)
{
  g_autofree char *output = NULL;
  g_autofree char *officer = NULL;
  g_auto(GStrv) permit = NULL;
  g_auto(GStrv) exclude = NULL;
  gint path_len = -1;
  gint64 validity_days = 0;
  gboolean dry_run = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to write the grant (required unless --dry-run)", "FILE" },
    { "path-len", 0, 0, G_OPTION_ARG_INT, &path_len, "Path length of the sub-CA (default: the most allowed)", "N" },
    { "validity-days", 0, 0, G_OPTION_ARG_INT64, &validity_days, "Lifetime (default: the most allowed)", "DAYS" },
    { "permit", 0, 0, G_OPTION_ARG_STRING_ARRAY, &permit, "Permitted directoryName subtree (default: the request's own)", "DN" },
    { "exclude", 0, 0, G_OPTION_ARG_STRING_ARRAY, &exclude, "Excluded directoryName subtree", "DN" },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, "Which officer signs (default: the only one)", "NAME" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Show what would be signed and whether the policy allows it", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("REQUEST — issue the sub-CA a request asks for");
  g_autoptr(ChainRequestFile) request = NULL;
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainNameConstraints) nc = NULL;
  g_autoptr(ChainDelegationPreview) preview = NULL;
  g_autoptr(GError) local = NULL;
  ChainDelegateOptions options = CHAIN_DELEGATE_OPTIONS_INIT;
  guint64 seq = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Checks the request against the policy, records it, issues the sub-CA (path\n"
    "length, name constraints and validity within this CA's), records the\n"
    "delegation and writes the grant: a git bundle of the ledger for the child.\n"
    "Where the policy wants more officers, the request is recorded and the\n"
    "command says who still has to run 'chain approve'.\n\n"
    "Example:\n  chain -C oem delegate cm-a.request -o cm-a.grant --validity-days 1825");
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    return chain_cli_usage (error, "delegate", "give one request file");
  if (output == NULL && !dry_run)
    return chain_cli_usage (error, "delegate", "give the grant's file name with -o FILE");
  request = chain_request_file_load (argv[1], error);
  if (request == NULL)
    return FALSE;
  nc = constraints_from (permit, exclude, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  options.path_len = path_len;
  options.validity_days = validity_days;
  options.name_constraints = nc;
  workspace = chain_cli_open_workspace (globals, !dry_run, officer, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  preview = chain_workspace_preview_delegation (workspace, request, &options, error);
  if (preview == NULL)
    return FALSE;
  if (dry_run)
    {
      if (globals->json)
        chain_cli_print_json (globals, preview_to_json (preview));
      else
        print_preview (globals, preview);
      return TRUE;
    }
  if (!chain_workspace_delegate (workspace, request, &options, output, &seq, cancellable, error))
    return FALSE;
  if (globals->json)
    {
      ChainJson *doc = preview_to_json (preview);

      chain_json_object_set_integer (doc, "seq", (gint64) seq);
      chain_json_object_set_boolean (doc, "rewritten", preview->delegated_seq >= 0);
      chain_json_object_set_string (doc, "grant", output);
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  if (preview->delegated_seq >= 0)
    {
      chain_cli_print (globals, "'%s' was delegated already (record %" G_GINT64_FORMAT "); wrote its grant again to %s.\n",
                       preview->custodian_id, preview->delegated_seq, output);
      return TRUE;
    }
  print_preview (globals, preview);
  chain_cli_print (globals, "Delegated to '%s' (record %" G_GUINT64_FORMAT "); wrote the grant %s: send it to them.\n",
                   preview->custodian_id, seq, output);
  return TRUE;
}
