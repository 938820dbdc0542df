/* cmd-request.c — `chain request`: a new custodian's workspace and request file */
#include "chain-cli.h"

static void
report (const ChainCliGlobals *globals,
        ChainWorkspace        *workspace,
        const char            *output)
{
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();

      chain_json_object_set_string (doc, "workspace", chain_workspace_get_dir (workspace));
      chain_json_object_set_string (doc, "custodian", chain_workspace_get_custodian_id (workspace));
      chain_json_object_set_string (doc, "tier", chain_workspace_get_tier (workspace));
      chain_json_object_set_string (doc, "request", output);
      chain_cli_print_json (globals, doc);
      return;
    }
  chain_cli_print (globals, "Created workspace %s for '%s' (%s, tier %s)\n", chain_workspace_get_dir (workspace),
                   chain_workspace_get_org (workspace), chain_workspace_get_custodian_id (workspace),
                   chain_workspace_get_tier (workspace));
  chain_cli_print (globals, "Wrote the request %s: send it to your parent custodian; "
                            "then run 'chain accept GRANT' with the grant they send back.\n", output);
}

gboolean
cmd_request (const ChainCliGlobals *globals,
             int                    argc,
             char                 **argv,
             GCancellable          *cancellable,
             GError               **error)
{
  g_autofree char *org = NULL;
  g_autofree char *id = NULL;
  g_autofree char *tier = NULL;
  g_autofree char *algorithm = NULL;
  g_autofree char *officer = NULL;
  g_autofree char *under = NULL;
  g_autofree char *output = NULL;
  GOptionEntry entries[] = {
    { "org", 0, 0, G_OPTION_ARG_STRING, &org, "The organisation's name (required)", "NAME" },
    { "tier", 0, 0, G_OPTION_ARG_STRING, &tier, "The tier asked for, e.g. manufacturer or distributor (required)", "TIER" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to write the request file (required)", "FILE" },
    { "id", 0, 0, G_OPTION_ARG_STRING, &id, "Custodian id (default: from the name)", "ID" },
    { "under", 0, 0, G_OPTION_ARG_STRING, &under, "The parent CA's namespace, e.g. 'O=CM A' (when the parent is constrained)", "DN" },
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &algorithm, "Key algorithm: " CHAIN_KEY_ALGORITHM_NAMES " (default ec-p256)", "ALG" },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, "First officer's name (default: officer)", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— create a workspace and a delegation request");
  g_autoptr(ChainSecret) passphrase = NULL;
  g_autoptr(ChainWorkspace) workspace = NULL;
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Makes this custodian's workspace in -C DIR with its own CA key and first officer,\n"
    "and writes the request file (the CA's CSR and the officer's CSR, signed) to send\n"
    "to the parent. Private keys stay in DIR/private.\n\n"
    "Example:\n  chain -C cm-a request --org 'CM A' --tier manufacturer -o cm-a.request\n"
    "  chain -C dist request --org 'Dist X' --tier distributor --under 'O=CM A' -o dist.request");
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "request", "unexpected argument '%s'", argv[1]);
  if (org == NULL || tier == NULL || output == NULL)
    return chain_cli_usage (error, "request", "give --org NAME, --tier TIER and -o FILE");
  if (algorithm != NULL)
    {
      options.algorithm = chain_key_algorithm_from_string (algorithm, error);
      if (options.algorithm == CHAIN_KEY_ALGORITHM_INVALID)
        return FALSE;
    }
  passphrase = chain_cli_get_passphrase (globals, "Passphrase for the new keys: ", error);
  if (passphrase == NULL)
    return FALSE;
  options.org = org;
  options.id = id;
  options.tier = tier;
  options.officer = officer;
  options.namespace = under;
  options.passphrase = passphrase;
  workspace = chain_workspace_request (globals->workspace, &options, output, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  report (globals, workspace, output);
  return TRUE;
}
