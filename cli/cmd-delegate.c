/* cmd-delegate.c — `chain delegate`: judge a request, issue the sub-CA, write the grant */
#include "chain-cli.h"

#include <inttypes.h>

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
  /* All but the dates and numbers come from the request's author. */
  g_autofree char *org = chain_cli_one_line (p->org, 0);
  g_autofree char *custodian = chain_cli_one_line (p->custodian_id, 0);
  g_autofree char *tier = chain_cli_one_line (p->tier, 0);
  g_autofree char *subject = chain_cli_one_line (p->subject, 0);
  g_autofree char *constraints = chain_cli_one_line (p->name_constraints, 0);
  g_autofree char *refusal = chain_cli_one_line (p->refusal, 0);

  /* Translators: organisation name, custodian id, tier name (not translated). */
  chain_cli_print (globals, _("Request from '%s' (%s), tier %s\n"), org, custodian, tier);
  /* Translators: the labels of this list ("subject:" ... "policy:") are
   * padded to one width so the values line up; pad yours alike. */
  chain_cli_print (globals, _("  subject:          %s\n"), subject);
  /* Translators: %s is a key algorithm such as "ec-p256" (not translated). */
  chain_cli_print (globals, _("  key:              %s\n"), chain_key_algorithm_to_string (p->algorithm));
  chain_cli_print (globals, _("  path length:      %d (at most %d)\n"), p->path_len, p->max_path_len);
  /* Translators: two dates such as 2026-11-27. */
  chain_cli_print (globals, _("  valid:            %s to %s\n"), from, to);
  if (constraints[0] != '\0')
    chain_cli_print (globals, _("  name constraints: %s\n"), constraints);
  else
    chain_cli_print (globals, _("  name constraints: none\n"));
  chain_cli_print (globals, _("  approvals:        %u of %u\n"), p->approvals, p->threshold);
  if (p->allowed)
    chain_cli_print (globals, _("  policy:           allows it\n"));
  else
    /* Translators: %s is the policy's reason for refusing. */
    chain_cli_print (globals, _("  policy:           refuses it: %s\n"), refusal);
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
  gint64 max_devices = 0;
  gboolean dry_run = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Where to write the grant (required unless --dry-run)"), N_("FILE") },
    { "path-len", 0, 0, G_OPTION_ARG_INT, &path_len, N_("Path length of the sub-CA (default: the most allowed)"), N_("N") },
    { "validity-days", 0, 0, G_OPTION_ARG_INT64, &validity_days, N_("Lifetime (default: the most allowed)"), N_("DAYS") },
    { "max-devices", 0, 0, G_OPTION_ARG_INT64, &max_devices, N_("Device quota: the most devices the child and everything below it may issue (default: none)"), N_("N") },
    { "permit", 0, 0, G_OPTION_ARG_STRING_ARRAY, &permit, N_("Permitted directoryName subtree (default: the request's own)"), N_("DN") },
    { "exclude", 0, 0, G_OPTION_ARG_STRING_ARRAY, &exclude, N_("Excluded directoryName subtree"), N_("DN") },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("Which officer signs (default: the only one)"), N_("NAME") },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, N_("Show what would be signed and whether the policy allows it"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("REQUEST — issue the sub-CA a request asks for"));
  g_autoptr(ChainRequestFile) request = NULL;
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainNameConstraints) nc = NULL;
  g_autoptr(ChainDelegationPreview) preview = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *custodian = NULL;
  ChainDelegateOptions options = CHAIN_DELEGATE_OPTIONS_INIT;
  ChainDelegateOutcome outcome;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the commands and the example as they are. */
    N_("Checks the request against the policy, records it, issues the sub-CA (path\n"
       "length, name constraints and validity within this CA's), records the\n"
       "delegation and writes the grant: a git bundle of the ledger for the child.\n"
       "Where the policy wants more officers, the request is recorded and the\n"
       "command says who still has to run 'chain approve'.\n\n"
       "Example:\n  chain -C oem delegate cm-a.request -o cm-a.grant --validity-days 1825"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    return chain_cli_usage (error, "delegate", _("give one request file"));
  if (output == NULL && !dry_run)
    return chain_cli_usage (error, "delegate", _("give the grant's file name with -o FILE"));
  if (max_devices < 0 || max_devices > CHAIN_QUOTA_MAX)
    return chain_cli_usage (error, "delegate", _("--max-devices takes 1 to 1000000000000 devices"));
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
  options.max_devices = (guint64) max_devices;
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
  if (!chain_workspace_delegate (workspace, request, &options, output, &outcome, cancellable, error))
    return FALSE;
  if (outcome.status == CHAIN_DELEGATE_AWAITING_APPROVALS)
    {
      /* Recorded, which is all this run can do: no grant, so a script
       * that sends the grant next stops here (exit 1), told what to do. */
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   /* Translators: the custodian id, the start of the request's id, the
                    * officers the policy wants, those who agreed so far, the id again. */
                   _("the request of '%s' is recorded (id %.12s); the policy wants %u officers for a delegation and "
                     "%u agreed: another officer runs 'chain approve %.12s', then run 'chain delegate' again"),
                   preview->custodian_id, outcome.request_id, outcome.threshold, outcome.agreed,
                   outcome.request_id);
      return FALSE;
    }
  if (globals->json)
    {
      ChainJson *doc = preview_to_json (preview);

      chain_json_object_set_integer (doc, "seq", (gint64) outcome.seq);
      chain_json_object_set_boolean (doc, "rewritten", preview->delegated_seq >= 0);
      chain_json_object_set_string (doc, "grant", output);
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  custodian = chain_cli_one_line (preview->custodian_id, 0);
  if (preview->delegated_seq >= 0)
    {
      /* Translators: the first %s is a custodian id, the last a file name. */
      chain_cli_print (globals, _("'%s' was delegated already (record %" PRId64 "); wrote its grant again to %s.\n"),
                       custodian, preview->delegated_seq, output);
      return TRUE;
    }
  print_preview (globals, preview);
  /* Translators: the first %s is a custodian id, the last a file name. */
  chain_cli_print (globals, _("Delegated to '%s' (record %" PRIu64 "); wrote the grant %s: send it to them.\n"),
                   custodian, outcome.seq, output);
  return TRUE;
}
