/* main.c — the `chain` command: global options and the command table */
#include "chain-cli.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const char         *name;
  ChainCliCommandFunc func;
  const char         *summary;
} ChainCliCommand;

static const ChainCliCommand commands[] = {
  { "init", cmd_init, "Create the OEM workspace: root CA, first officer, ledger with policy" },
  { "request", cmd_request, "Create a workspace and a delegation request file for a parent" },
  { "delegate", cmd_delegate, "Check a request against the policy, issue the sub-CA, write a grant" },
  { "accept", cmd_accept, "Install a grant: join the ledger with the new sub-CA" },
  { "approve", cmd_approve, "Approve (or reject) a pending delegation request" },
  { "officer", cmd_officer, "Enrol another officer, or list them" },
  { "issue", cmd_issue, "Issue device certificates in bulk, recorded as batches" },
  { "pop", cmd_pop, "Make a proof-of-possession certificate for a cloud's code" },
  { "export", cmd_export, "Write the files and script a cloud needs, and record them" },
  { "revoke", cmd_revoke, "Revoke devices or a sub-CA, with a new CRL" },
  { "crl", cmd_crl, "Write a CA's current CRL and per-cloud disable lists" },
  { "log", cmd_log, "List the ledger's records" },
  { "show", cmd_show, "Show one record with its artifacts" },
  { "status", cmd_status, "Overview of this workspace and its custody tree" },
  { "audit", cmd_audit, "Verify the whole ledger; exit 3 when it fails" },
  { "sync", cmd_sync, "Fetch from and push to a git remote" },
  { "bundle", cmd_bundle, "Create or import an air-gapped ledger bundle" },
  { "demo", cmd_demo, "Run the whole three-tier story into a directory" },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: chain [-C DIR] [--json] [-q] [--passphrase-file FILE] COMMAND [ARGS...]\n\n"
                "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'chain COMMAND --help' for a command's options.\n"
                "Passphrases come from --passphrase-file, $CHAIN_PASSPHRASE or a prompt.\n"
                "Exit codes: 0 ok, 1 error, 2 usage, 3 verification failed.\n");
}

static const ChainCliCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static int
exit_code_for (const GError *error)
{
  if (error->domain == CHAIN_CLI_ERROR || error->domain == G_OPTION_ERROR)
    return CHAIN_EXIT_USAGE;
  if (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY))
    return CHAIN_EXIT_VERIFY;
  return CHAIN_EXIT_ERROR;
}

/* Global options end at the first word that is not one of them. */
static int
parse_globals (int argc, char **argv, ChainCliGlobals *globals, GError **error)
{
  int i = 1;

  globals->workspace = g_strdup (".");
  for (; i < argc && argv[i][0] == '-'; i++)
    {
      const char *arg = argv[i];

      if (strcmp (arg, "--json") == 0)
        globals->json = TRUE;
      else if (strcmp (arg, "-q") == 0 || strcmp (arg, "--quiet") == 0)
        globals->quiet = TRUE;
      else if ((strcmp (arg, "-C") == 0 || strcmp (arg, "--passphrase-file") == 0) && i + 1 < argc)
        {
          char **slot = arg[1] == 'C' ? &globals->workspace : &globals->passphrase_file;

          g_free (*slot);
          *slot = g_strdup (argv[++i]);
        }
      else if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0)
        return -1;
      else if (strcmp (arg, "--version") == 0)
        return -2;
      else
        {
          g_set_error (error, CHAIN_CLI_ERROR, CHAIN_CLI_ERROR_USAGE,
                       "unknown option '%s' (see chain --help)", arg);
          return 0;
        }
    }
  return i;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  ChainCliGlobals globals = { 0 };
  const ChainCliCommand *command = NULL;
  int status_override = CHAIN_EXIT_OK;
  int first;
  int status;

  setlocale (LC_ALL, "");

  first = parse_globals (argc, argv, &globals, &error);
  if (first == -1)
    print_usage (stdout);
  else if (first == -2)
    printf ("chain %s\n", PACKAGE_VERSION);
  else if (first > 0 && first >= argc)
    {
      print_usage (stderr);
      status_override = CHAIN_EXIT_USAGE;
    }
  else if (first > 0)
    {
      command = find_command (argv[first]);
      if (command == NULL)
        g_set_error (&error, CHAIN_CLI_ERROR, CHAIN_CLI_ERROR_USAGE,
                     "unknown command '%s' (see chain --help)", argv[first]);
      else
        command->func (&globals, argc - first, argv + first, NULL, &error);
    }

  status = error == NULL ? status_override : exit_code_for (error);
  if (error != NULL)
    fprintf (stderr, "chain: error: %s\n", error->message);

  /* A full disk or closed pipe on stdout must not pass for success. */
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      fprintf (stderr, "chain: error: writing output: %s\n", g_strerror (errno));
      status = CHAIN_EXIT_ERROR;
    }

  g_free (globals.workspace);
  g_free (globals.passphrase_file);
  return status;
}
