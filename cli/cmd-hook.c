/* cmd-hook.c — `chain hook REPO.git`: the ledger's rules enforced on the git server
 *
 * Installs (or prints) the pre-receive hook of chain-receive.h into a bare
 * repository; the hook runs `chain hook --pre-receive REPO.git`, which
 * reads git's update lines on standard input, judges them, and prints one
 * line per refusal on standard error for git to relay to the pushing
 * client ("remote: chain: push refused: ..."), or, for a push it takes,
 * one per batch past a device quota it adds ("remote: chain: push taken
 * with a finding: ...").
 */
#include "chain-cli.h"

#include <stdio.h>
#include <string.h>

/* Where git's quarantine keeps the pushed objects while the hook runs. */
static GStrv
quarantine_object_dirs (void)
{
  g_autoptr(GStrvBuilder) dirs = g_strv_builder_new ();
  const char *quarantine = g_getenv ("GIT_QUARANTINE_PATH");
  const char *objects = g_getenv ("GIT_OBJECT_DIRECTORY");
  const char *alternates = g_getenv ("GIT_ALTERNATE_OBJECT_DIRECTORIES");

  if (quarantine != NULL && quarantine[0] != '\0')
    g_strv_builder_add (dirs, quarantine);
  else if (objects != NULL && objects[0] != '\0')
    g_strv_builder_add (dirs, objects);
  if (alternates != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (alternates, ":", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        if (parts[i][0] != '\0')
          g_strv_builder_add (dirs, parts[i]);
    }
  return g_strv_builder_end (dirs);
}

/* Standard input, at most CHAIN_RECEIVE_MAX_INPUT bytes. (transfer full) */
static char *
read_updates (GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char buffer[4096];
  size_t n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    {
      if (text->len + n > CHAIN_RECEIVE_MAX_INPUT || memchr (buffer, '\0', n) != NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("the hook's input is not a list of ref updates; run this only as git's pre-receive "
                         "hook"));
          return NULL;
        }
      g_string_append_len (text, buffer, (gssize) n);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
run_pre_receive (const char    *repo,
                 const char    *trusted_root,
                 GCancellable  *cancellable,
                 GError       **error)
{
  ChainReceiveOptions options = CHAIN_RECEIVE_OPTIONS_INIT;
  g_auto(GStrv) object_dirs = quarantine_object_dirs ();
  g_autoptr(GPtrArray) refusals = NULL;
  g_autoptr(GPtrArray) findings = NULL;
  g_autofree char *updates = read_updates (error);

  if (updates == NULL)
    return FALSE;
  options.trusted_root = trusted_root;
  options.object_dirs = (const char *const *) object_dirs;
  if (!chain_receive_judge (repo, updates, &options, &refusals, &findings, cancellable, error))
    return FALSE;
  for (guint i = 0; i < findings->len; i++)
    {
      g_autofree char *line = chain_cli_one_line (g_ptr_array_index (findings, i), 0);

      /* Taken, and shown: the pusher sees the overbuild. */
      fprintf (stderr, "%s%s\n", CHAIN_RECEIVE_FINDING_PREFIX, line);
    }
  if (refusals->len == 0)
    return TRUE;
  for (guint i = 0; i < refusals->len; i++)
    {
      g_autofree char *line = chain_cli_one_line (g_ptr_array_index (refusals, i), 0);

      /* The prefix stays English: clients look for it. */
      fprintf (stderr, "%s%s\n", CHAIN_RECEIVE_REFUSAL_PREFIX, line);
    }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
               ngettext ("the push breaks the ledger's rules (%u refusal above); nothing was changed",
                            "the push breaks the ledger's rules (%u refusals above); nothing was changed",
                            refusals->len),
               refusals->len);
  return FALSE;
}

/* The absolute path of this program, for the hook to run. (transfer full) */
static char *
own_path (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  char *path = g_file_read_link ("/proc/self/exe", &local_error);

  if (path == NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED,
                 _("cannot tell where the chain program is (%s); the hook must name it"), local_error->message);
  return path;
}

gboolean
cmd_hook (const ChainCliGlobals *globals,
          int                    argc,
          char                 **argv,
          GCancellable          *cancellable,
          GError               **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("REPO.git — enforce the ledger's rules on pushes to a bare repository"));
  g_autofree char *trusted_root = NULL;
  g_autofree char *chain_path = NULL;
  g_autofree char *hook_path = NULL;
  gboolean pre_receive = FALSE;
  gboolean print = FALSE;
  GOptionEntry entries[] = {
    { "trusted-root", 0, 0, G_OPTION_ARG_STRING, &trusted_root, N_("The first push must be a ledger of this root CA (SHA-256 thumbprint)"), N_("SHA256") },
    { "print", 0, 0, G_OPTION_ARG_NONE, &print, N_("Print the hook instead of installing it (for GitLab or Gitea server hooks)"), NULL },
    { "pre-receive", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &pre_receive, NULL, NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep "pre-receive", the ref names, the paths and the example commands. */
    N_("Installs a pre-receive hook into the bare repository a git server exports, so\n"
       "the server itself refuses what breaks the ledger: a push to any ref but\n"
       "refs/heads/main, deleting or renaming main, a non-fast-forward, a merge, and\n"
       "any new record the auditor refuses. The pushing client sees each refusal with\n"
       "its rule id (remote: chain: push refused: ...). A batch past a device quota\n"
       "is taken, as chain sync takes it, and shown (remote: chain: push taken with a\n"
       "finding: ... rule quota.exceeded: ...). The hook runs this chain\n"
       "program by its absolute path. With --print, the hook is printed for a GitLab\n"
       "server hook (custom_hooks/pre-receive) or a Gitea one (hooks/pre-receive.d/).\n\n"
       "Examples:\n"
       "  chain hook /srv/git/acme.git\n"
       "  chain hook --trusted-root SHA256 /srv/git/acme.git\n"
       "  chain hook --print /srv/git/acme.git > custom_hooks/pre-receive"));
  g_option_context_set_description (context,
    N_("Exit codes: 0 installed, 1 error (no bare repository, another pre-receive hook is there),\n"
       "2 usage; as the hook, 3 when the push is refused."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    return chain_cli_usage (error, "hook", _("give the bare repository's path"));

  if (pre_receive)
    return run_pre_receive (argv[1], trusted_root, cancellable, error);

  chain_path = own_path (error);
  if (chain_path == NULL)
    return FALSE;
  if (print)
    {
      g_autofree char *script = NULL;

      if (trusted_root != NULL && (strlen (trusted_root) != 64 || strspn (trusted_root, "0123456789abcdefABCDEF") != 64))
        return chain_cli_usage (error, "hook", _("--trusted-root takes a SHA-256 thumbprint, 64 hex digits"));
      script = chain_receive_hook_script (chain_path, trusted_root);
      fputs (script, stdout);
      return TRUE;
    }
  if (!chain_receive_install_hook (argv[1], chain_path, trusted_root, &hook_path, error))
    return FALSE;
  if (globals->json)
    {
      ChainJson *json = chain_json_new_object ();

      chain_json_object_set_string (json, "hook", hook_path);
      chain_json_object_set_string (json, "chain", chain_path);
      chain_cli_print_json (globals, json);
    }
  else
    /* Translators: %s is the hook's path */
    chain_cli_print (globals, _("installed %s: pushes that break the ledger's rules are refused\n"), hook_path);
  return TRUE;
}
