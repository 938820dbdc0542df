/* cmd-accept.c — `chain accept`: install a grant and join the ledger */
#include "chain-cli.h"

#include <inttypes.h>

gboolean
cmd_accept (const ChainCliGlobals *globals,
            int                    argc,
            char                 **argv,
            GCancellable          *cancellable,
            GError               **error)
{
  g_autofree char *root = NULL;
  GOptionEntry entries[] = {
    { "root", 0, 0, G_OPTION_ARG_STRING, &root, N_("The OEM root's SHA-256 as published (refuse any other)"), N_("SHA256") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("GRANT — join the ledger with the sub-CA a grant carries"));
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autofree char *root_sha = NULL;
  guint64 seq = 0;
  ChainCert *ca = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the commands and the example as they are. */
    N_("Imports the ledger the grant carries (after a full audit), finds the delegation\n"
       "to this workspace's CA key, installs the certificate chain, enrols the first\n"
       "officer and records the acceptance. Send the ledger back with 'chain sync' or\n"
       "'chain bundle create'.\n\n"
       "Example:\n  chain -C cm-a accept cm-a.grant --root 3f5e…"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    return chain_cli_usage (error, "accept", _("give one grant file"));
  workspace = chain_cli_open_workspace (globals, TRUE, NULL, cancellable, error);
  if (workspace == NULL || !chain_workspace_accept (workspace, argv[1], root, &seq, cancellable, error))
    return FALSE;
  ca = chain_workspace_get_ca (workspace);
  {
    GPtrArray *chain = chain_workspace_get_ca_chain (workspace);

    root_sha = chain_cert_dup_thumbprint_hex (chain->pdata[chain->len - 1], CHAIN_DIGEST_SHA256);
  }
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();
      g_autofree char *ca_sha = chain_cert_dup_thumbprint_hex (ca, CHAIN_DIGEST_SHA256);

      chain_json_object_set_string (doc, "custodian", chain_workspace_get_custodian_id (workspace));
      chain_json_object_set_integer (doc, "seq", (gint64) seq);
      chain_json_object_set_string (doc, "ca_sha256", ca_sha);
      chain_json_object_set_string (doc, "root_sha256", root_sha);
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  /* Translators: the first %s is the ledger's id, the second the custodian's id. */
  chain_cli_print (globals, _("Joined ledger %s as '%s' (record %" PRIu64 ")\n"),
                   chain_ledger_get_id (chain_workspace_get_ledger (workspace)),
                   chain_workspace_get_custodian_id (workspace), seq);
  if (root != NULL)
    chain_cli_print (globals, _("Root CA SHA-256: %s (as given)\n"), root_sha);
  else
    chain_cli_print (globals, _("Root CA SHA-256: %s — compare it with what the OEM published\n"), root_sha);
  return TRUE;
}
