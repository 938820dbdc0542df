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
  chain_cli_print (globals, _("Created workspace %s for '%s' (%s, tier %s)\n"), chain_workspace_get_dir (workspace),
                   chain_workspace_get_org (workspace), chain_workspace_get_custodian_id (workspace),
                   chain_workspace_get_tier (workspace));
  chain_cli_print (globals, _("Wrote the request %s: send it to your parent custodian; "
                              "then run 'chain accept GRANT' with the grant they send back.\n"), output);
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
  g_autofree char *key_store = NULL;
  g_autofree char *output = NULL;
  /* Translators: %s lists the algorithm names; they are not translated. */
  g_autofree char *algorithm_help = g_strdup_printf (_("Key algorithm: %s (default ec-p256)"),
                                                     CHAIN_KEY_ALGORITHM_NAMES);
  GOptionEntry entries[] = {
    { "org", 0, 0, G_OPTION_ARG_STRING, &org, N_("The organisation's name (required)"), N_("NAME") },
    /* Translators: manufacturer and distributor are tier names; keep them. */
    { "tier", 0, 0, G_OPTION_ARG_STRING, &tier, N_("The tier asked for, e.g. manufacturer or distributor (required)"), N_("TIER") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Where to write the request file (required)"), N_("FILE") },
    { "id", 0, 0, G_OPTION_ARG_STRING, &id, N_("Custodian id (default: from the name)"), N_("ID") },
    { "under", 0, 0, G_OPTION_ARG_STRING, &under, N_("The parent CA's namespace, e.g. 'O=CM A' (when the parent is constrained)"), N_("DN") },
    /* Already translated: GOption's own lookup finds no other msgid for it. */
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &algorithm, algorithm_help, N_("ALG") },
    /* Translators: "officer" is the default name itself; keep it. */
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("First officer's name (default: officer)"), N_("NAME") },
    { "key-store", 0, 0, G_OPTION_ARG_STRING, &key_store, N_("Where the new keys live: file (default), a PKCS#11 URI, tpm2 or tpm2:HANDLE"), N_("STORE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— create a workspace and a delegation request"));
  g_autoptr(ChainSecret) passphrase = NULL;
  g_autoptr(ChainSecret) pin = NULL;
  g_autoptr(ChainWorkspace) workspace = NULL;
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the example commands as they are. */
    N_("Makes this custodian's workspace in -C DIR with its own CA key and first officer,\n"
       "and writes the request file (the CA's CSR and the officer's CSR, signed) to send\n"
       "to the parent. Private keys stay in DIR/private.\n\n"
       "Example:\n  chain -C cm-a request --org 'CM A' --tier manufacturer -o cm-a.request\n"
       "  chain -C dist request --org 'Dist X' --tier distributor --under 'O=CM A' -o dist.request\n"
       "  TPM2OPENSSL_TCTI=device:/dev/tpmrm0 chain -C line request --org 'Line 7' --tier distributor \\\n"
       "    --key-store tpm2 -o line.request"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "request", _("unexpected argument '%s'"), argv[1]);
  if (org == NULL || tier == NULL || output == NULL)
    return chain_cli_usage (error, "request", _("give --org NAME, --tier TIER and -o FILE"));
  if (algorithm != NULL)
    {
      options.algorithm = chain_key_algorithm_from_string (algorithm, error);
      if (options.algorithm == CHAIN_KEY_ALGORITHM_INVALID)
        return FALSE;
    }
  if (!chain_cli_get_key_secrets (globals, key_store, _("Passphrase for the new keys: "), &passphrase, &pin, error))
    return FALSE;
  options.org = org;
  options.id = id;
  options.tier = tier;
  options.officer = officer;
  options.namespace = under;
  options.passphrase = passphrase;
  options.key_store = key_store;
  options.pin = pin;
  workspace = chain_workspace_request (globals->workspace, &options, output, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  report (globals, workspace, output);
  return TRUE;
}
