/* cmd-approve.c — `chain approve`: an officer's approval or rejection */
#include "chain-cli.h"

#include <inttypes.h>

gboolean
cmd_approve (const ChainCliGlobals *globals,
             int                    argc,
             char                 **argv,
             GCancellable          *cancellable,
             GError               **error)
{
  g_autofree char *officer = NULL;
  gboolean reject = FALSE;
  GOptionEntry entries[] = {
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("Which officer approves (default: the only one)"), N_("NAME") },
    { "reject", 0, 0, G_OPTION_ARG_NONE, &reject, N_("Reject the request instead (it ends)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("REQUEST — approve a pending delegation request"));
  g_autoptr(ChainWorkspace) workspace = NULL;
  guint64 seq = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the commands and the example as they are. */
    N_("Records this officer's approval (or rejection) of a pending delegation request,\n"
       "named by its id (8 or more hex digits) or the requesting custodian's id.\n"
       "'chain status' lists pending requests and their approvals.\n\n"
       "Example:\n  chain -C oem approve cm-a --officer oscar"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    return chain_cli_usage (error, "approve", _("give one request id or custodian id"));
  workspace = chain_cli_open_workspace (globals, TRUE, officer, cancellable, error);
  if (workspace == NULL || !chain_workspace_approve (workspace, argv[1], !reject, &seq, cancellable, error))
    return FALSE;
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();

      chain_json_object_set_integer (doc, "seq", (gint64) seq);
      chain_json_object_set_string (doc, "decision", reject ? "reject" : "approve");
      chain_json_object_set_string (doc, "officer", chain_workspace_get_unlocked_officer (workspace));
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  if (reject)
    /* Translators: the first %s is a request id or custodian id, the second an officer's name. */
    chain_cli_print (globals, _("Rejected '%s' as officer %s (record %" PRIu64 ")\n"),
                     argv[1], chain_workspace_get_unlocked_officer (workspace), seq);
  else
    /* Translators: the first %s is a request id or custodian id, the second an officer's name. */
    chain_cli_print (globals, _("Approved '%s' as officer %s (record %" PRIu64 ")\n"),
                     argv[1], chain_workspace_get_unlocked_officer (workspace), seq);
  return TRUE;
}
