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
  { "init", cmd_init, N_("Create the OEM workspace: root CA, first officer, ledger with policy") },
  { "request", cmd_request, N_("Create a workspace and a delegation request file for a parent") },
  { "delegate", cmd_delegate, N_("Check a request against the policy, issue the sub-CA, write a grant") },
  { "accept", cmd_accept, N_("Install a grant: join the ledger with the new sub-CA") },
  { "approve", cmd_approve, N_("Approve (or reject) a pending delegation request") },
  { "quota", cmd_quota, N_("Set a custodian's device quota (approved like a delegation)") },
  { "officer", cmd_officer, N_("Enrol another officer, or list them") },
  { "key", cmd_key, N_("List the security tokens and keys a --key-store can name") },
  { "issue", cmd_issue, N_("Issue device certificates in bulk, recorded as batches") },
  { "pop", cmd_pop, N_("Make a proof-of-possession certificate for a cloud's code") },
  { "export", cmd_export, N_("Write the files and script a cloud needs, and record them") },
  { "revoke", cmd_revoke, N_("Revoke devices or a sub-CA, with a new CRL") },
  { "crl", cmd_crl, N_("Write a CA's current CRL and per-cloud disable lists") },
  { "reconcile", cmd_reconcile, N_("Compare the ledger with the cloud's registry: clones, revoked yet enabled") },
  { "report", cmd_report, N_("Write an HTML report: audit, custody tree, charts of who issued what") },
  { "annotate", cmd_annotate, N_("Record a free-text note in the ledger") },
  { "log", cmd_log, N_("List the ledger's records") },
  { "show", cmd_show, N_("Show one record with its artifacts") },
  { "status", cmd_status, N_("Overview of this workspace and its custody tree") },
  { "audit", cmd_audit, N_("Verify the whole ledger; exit 3 when it fails") },
  { "sync", cmd_sync, N_("Fetch from and push to a git remote") },
  { "hook", cmd_hook, N_("Install a pre-receive hook: a git server refuses pushes that break the rules") },
  { "bundle", cmd_bundle, N_("Create or import an air-gapped ledger bundle") },
  { "demo", cmd_demo, N_("Run the whole three-tier story into a directory") },
};

static void
print_usage (FILE *out)
{
  /* Translators: the usage line and the heading of the command list; keep
   * "chain" and the option names (-C, --json, -q, --passphrase-file, --pin-file). */
  fputs (_("Usage: chain [-C DIR] [--json] [-q] [--passphrase-file FILE] [--pin-file FILE] COMMAND [ARGS...]\n\n"
           "Commands:\n"), out);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  /* Translators: $CHAIN_PASSPHRASE is an environment variable; keep it. */
  fputs (_("\nRun 'chain COMMAND --help' for a command's options.\n"
           "Passphrases come from --passphrase-file, $CHAIN_PASSPHRASE or a prompt.\n"
           "Exit codes: 0 ok, 1 error, 2 usage, 3 verification failed.\n"), out);
  /* Translators: $CHAIN_PIN is an environment variable; keep it and the option name. */
  fputs (_("PINs of security tokens come from --pin-file, $CHAIN_PIN or a prompt, never a URI.\n"), out);
  fputs (_("Global options may also follow the command, as in 'chain log --json'.\n"), out);
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
  if (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY)
      || g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_LEDGER_DAMAGED))
    return CHAIN_EXIT_VERIFY;
  return CHAIN_EXIT_ERROR;
}

/* Takes argv[*i] (and its value) into @globals when it is a global option
 * other than --help and --version; advances *i past its value. */
static gboolean
take_global (int argc, char **argv, int *i, ChainCliGlobals *globals)
{
  const char *arg = argv[*i];

  if (strcmp (arg, "--json") == 0)
    globals->json = TRUE;
  else if (strcmp (arg, "-q") == 0 || strcmp (arg, "--quiet") == 0)
    globals->quiet = TRUE;
  else if ((strcmp (arg, "-C") == 0 || strcmp (arg, "--passphrase-file") == 0 || strcmp (arg, "--pin-file") == 0)
           && *i + 1 < argc)
    {
      char **slot = arg[1] == 'C' ? &globals->workspace
                    : strcmp (arg, "--pin-file") == 0 ? &globals->pin_file : &globals->passphrase_file;

      g_free (*slot);
      *slot = g_strdup (argv[++*i]);
    }
  else
    return FALSE;
  return TRUE;
}

/* Global options before the command end at the first word that is not one
 * of them. */
static int
parse_globals (int argc, char **argv, ChainCliGlobals *globals, GError **error)
{
  int i = 1;

  globals->workspace = g_strdup (".");
  for (; i < argc && argv[i][0] == '-'; i++)
    {
      if (take_global (argc, argv, &i, globals))
        continue;
      if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        return -1;
      if (strcmp (argv[i], "--version") == 0)
        return -2;
      g_set_error (error, CHAIN_CLI_ERROR, CHAIN_CLI_ERROR_USAGE,
                   _("unknown option '%s' (see chain --help)"), argv[i]);
      return 0;
    }
  return i;
}

/* Global options may also follow the command (`chain log --json`), up to a
 * "--": they are taken out of the command's arguments. Returns the
 * command's argv (its name first), NULL-terminated. (transfer container) */
static char **
take_late_globals (int argc, char **argv, int first, ChainCliGlobals *globals, int *out_argc)
{
  GPtrArray *rest = g_ptr_array_new ();
  gboolean options_end = FALSE;

  g_ptr_array_add (rest, argv[first]);
  for (int i = first + 1; i < argc; i++)
    {
      options_end = options_end || strcmp (argv[i], "--") == 0;
      if (options_end || !take_global (argc, argv, &i, globals))
        g_ptr_array_add (rest, argv[i]);
    }
  *out_argc = (int) rest->len;
  g_ptr_array_add (rest, NULL);
  return (char **) g_ptr_array_free (rest, FALSE);
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

  /* Before anything is created: no group- or world-writable ledger. */
  chain_workspace_restrict_umask ();
  setlocale (LC_ALL, "");
  chain_i18n_init ();
  textdomain (CHAIN_GETTEXT_PACKAGE);

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
                     _("unknown command '%s' (see chain --help)"), argv[first]);
      else
        {
          int command_argc = 0;
          g_autofree char **command_argv = take_late_globals (argc, argv, first, &globals, &command_argc);

          command->func (&globals, command_argc, command_argv, NULL, &error);
        }
    }

  status = error == NULL ? status_override : exit_code_for (error);
  if (error != NULL)
    {
      /* A message may quote a record or a request: shown, never obeyed. */
      g_autofree char *message = chain_cli_one_line (error->message, 0);
      const char *hint = chain_cli_error_hint (error);

      if (hint != NULL)
        /* Translators: the one line every failure prints; the message,
         * then the command that fixes it. */
        fprintf (stderr, _("chain: error: %s; %s\n"), message, hint);
      else
        /* Translators: the one line every failure prints; %s is the message. */
        fprintf (stderr, _("chain: error: %s\n"), message);
    }

  /* A full disk or closed pipe on stdout must not pass for success. */
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      fprintf (stderr, _("chain: error: writing output: %s\n"), g_strerror (errno));
      status = CHAIN_EXIT_ERROR;
    }

  g_free (globals.workspace);
  g_free (globals.passphrase_file);
  g_free (globals.pin_file);
  return status;
}
