/* cmd-key.c — `chain key list`: the tokens and keys a --key-store can name */
#include "chain-cli.h"

gboolean
cmd_key (const ChainCliGlobals *globals,
         int                    argc,
         char                 **argv,
         GCancellable          *cancellable,
         GError               **error)
{
  g_autofree char *module = NULL;
  gboolean login = FALSE;
  GOptionEntry entries[] = {
    { "module", 0, 0, G_OPTION_ARG_FILENAME, &module, N_("The PKCS#11 module (default: p11-kit's proxy, every registered token)"), N_("FILE") },
    { "login", 0, 0, G_OPTION_ARG_NONE, &login, N_("Log in with the PIN (--pin-file, $CHAIN_PIN or a prompt) to list private keys too"), NULL },
    { NULL }
  };
  /* Translators: "list" is the command's word; keep it. */
  g_autoptr(GOptionContext) context = g_option_context_new (N_("list — the tokens and keys --key-store can name"));
  g_autoptr(ChainSecret) pin = NULL;
  g_autoptr(GPtrArray) lines = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the option names and the example commands. */
    N_("Lists the PKCS#11 tokens of a module and the keys on them, each as the URI\n"
       "that --key-store of init, request and officer add takes. A TPM key is named\n"
       "tpm2 (a new key in the TPM) or tpm2:0x81000001 (a persistent one).\n\n"
       "Example:\n  chain key list --module /usr/lib/softhsm/libsofthsm2.so\n"
       "  chain --pin-file pin key list --login"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 2 || g_strcmp0 (argv[1], "list") != 0)
    return chain_cli_usage (error, "key", _("give 'list'"));
  if (login)
    {
      pin = chain_cli_get_pin (globals, error);
      if (pin == NULL)
        return FALSE;
    }
  lines = chain_key_list_pkcs11 (module, pin, error);
  if (lines == NULL)
    return FALSE;
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_array ();

      for (guint i = 0; i < lines->len; i++)
        chain_json_array_append (doc, chain_json_new_string (g_ptr_array_index (lines, i)));
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  for (guint i = 0; i < lines->len; i++)
    chain_cli_print (globals, "%s\n", (const char *) g_ptr_array_index (lines, i));
  if (lines->len == 0)
    chain_cli_print (globals, _("No initialised token in this module.\n"));
  return TRUE;
}
