/* cmd-officer.c — `chain officer add NAME` and `chain officer list` */
#include "chain-cli.h"

#include <inttypes.h>

static gboolean
list_officers (const ChainCliGlobals *globals,
               GCancellable          *cancellable,
               GError               **error)
{
  g_autoptr(ChainWorkspace) workspace = chain_cli_open_workspace (globals, FALSE, NULL, cancellable, error);
  g_auto(GStrv) names = NULL;

  if (workspace == NULL)
    return FALSE;
  names = chain_workspace_list_officers (workspace);
  /* A revoked officer's key file may stay; it is listed as revoked. */
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_array ();

      for (guint i = 0; names[i] != NULL; i++)
        if (!chain_workspace_is_officer_revoked (workspace, names[i]))
          chain_json_array_append (doc, chain_json_new_string (names[i]));
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  for (guint i = 0; names[i] != NULL; i++)
    if (chain_workspace_is_officer_revoked (workspace, names[i]))
      /* Translators: an officer name, then a mark that it is revoked. */
      chain_cli_print (globals, _("%s (revoked)\n"), names[i]);
    else
      chain_cli_print (globals, "%s\n", names[i]);
  return TRUE;
}

static gboolean
add_officer (const ChainCliGlobals *globals,
             const char            *name,
             const char            *by,
             const char            *key_store,
             GCancellable          *cancellable,
             GError               **error)
{
  g_autoptr(ChainWorkspace) workspace = chain_cli_open_workspace (globals, TRUE, by, cancellable, error);
  g_autoptr(ChainSecret) passphrase = NULL;
  g_autoptr(ChainSecret) pin = NULL;
  guint64 seq = 0;

  if (workspace == NULL
      || !chain_cli_get_key_secrets (globals, key_store, _("Passphrase for the new officer's key: "),
                                     &passphrase, &pin, error))
    return FALSE;
  if (pin != NULL)
    chain_workspace_set_pin (workspace, pin);
  if (!chain_workspace_add_officer_in (workspace, name, key_store, passphrase, &seq, cancellable, error))
    return FALSE;
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();

      chain_json_object_set_string (doc, "officer", name);
      chain_json_object_set_integer (doc, "seq", (gint64) seq);
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  chain_cli_print (globals, _("Enrolled officer %s (record %" PRIu64 ")\n"), name, seq);
  return TRUE;
}

gboolean
cmd_officer (const ChainCliGlobals *globals,
             int                    argc,
             char                 **argv,
             GCancellable          *cancellable,
             GError               **error)
{
  g_autofree char *by = NULL;
  g_autofree char *key_store = NULL;
  GOptionEntry entries[] = {
    { "officer", 0, 0, G_OPTION_ARG_STRING, &by, N_("Which existing officer signs the enrolment"), N_("NAME") },
    { "key-store", 0, 0, G_OPTION_ARG_STRING, &key_store, N_("Where the new keys live: file (default), a PKCS#11 URI, tpm2 or tpm2:HANDLE"), N_("STORE") },
    { NULL }
  };
  /* Translators: "add" and "list" are the command's words; keep them. */
  g_autoptr(GOptionContext) context = g_option_context_new (N_("add NAME | list — enrol or list officers"));

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep 'add', the option names and the example commands. */
    N_("'add' makes a key for a new officer (its own passphrase, asked second or read\n"
       "from --passphrase-file like the first) and a certificate from this custodian's\n"
       "CA, and records the enrolment. Officers approve where the policy wants k of n.\n\n"
       "Example:\n  chain -C oem officer add oscar\n  chain -C oem officer list\n"
       "  chain -C oem officer add tina --key-store tpm2"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc == 2 && g_strcmp0 (argv[1], "list") == 0)
    return list_officers (globals, cancellable, error);
  if (argc == 3 && g_strcmp0 (argv[1], "add") == 0)
    return add_officer (globals, argv[2], by, key_store, cancellable, error);
  return chain_cli_usage (error, "officer", _("give 'add NAME' or 'list'"));
}
