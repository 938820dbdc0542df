/* cli-output.c — stdout for the `chain` command, and option parsing */
#include "chain-cli.h"

#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (chain-cli-error-quark, chain_cli_error)

void
chain_cli_print (const ChainCliGlobals *globals,
                 const char            *format,
                 ...)
{
  va_list args;

  if (globals->quiet)
    return;
  va_start (args, format);
  vfprintf (stdout, format, args);
  va_end (args);
}

gboolean
chain_cli_parse_options (GOptionContext *context,
                         int            *argc,
                         char         ***argv,
                         GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  g_option_context_set_translation_domain (context, CHAIN_GETTEXT_PACKAGE);
  if (g_option_context_parse (context, argc, argv, &local_error))
    {
      /* GOption leaves the "--" that ends the options; what follows it is
       * an operand even if it starts with '-' (a device id, say). */
      for (int i = 1; i < *argc; i++)
        if (strcmp ((*argv)[i], "--") == 0)
          {
            memmove (*argv + i, *argv + i + 1, (gsize) (*argc - i) * sizeof **argv);
            (*argc)--;
            break;
          }
      return TRUE;
    }
  g_set_error (error, CHAIN_CLI_ERROR, CHAIN_CLI_ERROR_USAGE,
               /* Translators: %s is GLib's message about the bad option. */
               _("%s (see --help)"), local_error->message);
  return FALSE;
}

void
chain_cli_print_json (const ChainCliGlobals *globals,
                      ChainJson             *doc)
{
  g_autoptr(ChainJson) owned = doc;
  g_autofree char *text = chain_json_to_pretty (owned);

  (void) globals;
  fputs (text, stdout);
  fputc ('\n', stdout);
}

gboolean
chain_cli_usage (GError    **error,
                 const char *command,
                 const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CHAIN_CLI_ERROR, CHAIN_CLI_ERROR_USAGE,
               /* Translators: the first %s is what is wrong, the second a
                * command name such as "issue". */
               _("%s (see chain %s --help)"), message, command);
  return FALSE;
}
