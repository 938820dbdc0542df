/* cmd-sync.c — `chain sync [REMOTE]`: fetch from and push to a git remote
 *
 * Fetches the remote's main; new records are audited (against this
 * workspace's root, from its pinned tip) before our main moves onto them.
 * Then, if the remote lacks records we hold, pushes them (fast-forward
 * only). A workspace goes through chain_workspace_sync(), which also
 * re-appends its unshared records when the two sides diverged; a bare
 * ledger (an auditor's clone) fetches and pushes as it is.
 */
#include "chain-cli.h"

#include <inttypes.h>
#include <string.h>

#define DEFAULT_REMOTE "origin"

/* Whether @spec is a URL of a hosted ledger (HTTPS or SSH), which a
 * workspace remembers, rather than a path or a one-off local URL. */
static gboolean
is_hosted_url (const char *spec)
{
  const char *colon = strchr (spec, ':');
  const char *slash = strchr (spec, '/');

  if (g_str_has_prefix (spec, "https://") || g_str_has_prefix (spec, "http://")
      || g_str_has_prefix (spec, "ssh://") || g_str_has_prefix (spec, "git+ssh://")
      || g_str_has_prefix (spec, "ssh+git://"))
    return TRUE;
  /* scp-like user@host:path */
  return colon != NULL && strstr (spec, "://") == NULL && (slash == NULL || colon < slash)
         && !g_file_test (spec, G_FILE_TEST_EXISTS);
}

/* Whether @remote (a name or URL) reaches a hosted ledger, where a server
 * could show custodians different histories: there, checkpoints travel. */
static gboolean
remote_is_hosted (const char *repo_path,
                  const char *remote)
{
  g_autofree char *url = chain_sync_remote_dup_url (repo_path, remote);

  return is_hosted_url (url != NULL ? url : remote);
}

/* Whether every checkpoint the remote holds names a record as we hold it:
 * one that names another record at a seq we hold is a split view (the
 * server showed its custodian another history). The auditor checks their
 * signatures; this only compares. */
static gboolean
check_split_view (ChainWorkspace *workspace,
                  const char     *repo_path,
                  const char     *remote,
                  GError        **error)
{
  ChainLedger *ledger = chain_workspace_get_ledger (workspace);
  g_autoptr(GPtrArray) checkpoints = chain_checkpoint_list (repo_path, error);

  if (checkpoints == NULL)
    return FALSE;
  for (guint i = 0; i < checkpoints->len; i++)
    {
      const ChainCheckpoint *checkpoint = g_ptr_array_index (checkpoints, i);
      guint64 seq = chain_checkpoint_get_seq (checkpoint);
      g_autoptr(ChainRecord) record = NULL;

      if (strcmp (chain_checkpoint_get_ledger_id (checkpoint), chain_ledger_get_id (ledger)) != 0
          || seq >= chain_ledger_get_length (ledger))
        continue;
      record = chain_ledger_load_record (ledger, seq, error);
      if (record == NULL)
        return FALSE;
      if (strcmp (chain_record_get_digest (record), chain_checkpoint_get_record_digest (checkpoint)) != 0)
        {
          g_autofree char *custodian = chain_cli_one_line (chain_checkpoint_get_custodian (checkpoint), 64);

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       /* Translators: keep "rule checkpoint.split"; the remote, a custodian,
                        * a record number, two digests, a record number */
                       _("%s shows a split view: rule checkpoint.split: %s saw record %" PRIu64
                         " as %.12s, we hold %.12s there; the server showed you different histories: "
                         "do not trust it, and compare with %s directly"),
                       remote, custodian, seq, chain_checkpoint_get_record_digest (checkpoint),
                       chain_record_get_digest (record), custodian);
          return FALSE;
        }
    }
  return TRUE;
}

/* Fetches every custodian's checkpoint, signs ours of the tip we now hold
 * (unlocking an officer if none is), and pushes it. */
static gboolean
exchange_checkpoints (const ChainCliGlobals *globals,
                      ChainWorkspace        *workspace,
                      const char            *repo_path,
                      const char            *remote,
                      gboolean               push,
                      GCancellable          *cancellable,
                      GError               **error)
{
  g_autoptr(ChainCheckpoint) checkpoint = NULL;
  g_autoptr(GError) local = NULL;
  const char *custodian = chain_workspace_get_custodian_id (workspace);

  if (!chain_sync_fetch_checkpoints (repo_path, remote, NULL, cancellable, error)
      || !check_split_view (workspace, repo_path, remote, error))
    return FALSE;
  checkpoint = chain_workspace_write_checkpoint (workspace, &local);
  if (checkpoint == NULL && g_error_matches (local, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE))
    {
      g_clear_error (&local);
      if (!chain_cli_unlock_workspace (globals, workspace, NULL, NULL, error))
        return FALSE;
      checkpoint = chain_workspace_write_checkpoint (workspace, &local);
    }
  if (checkpoint == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                  _("synced, but could not sign our checkpoint: "));
      return FALSE;
    }
  if (push && !chain_sync_push_checkpoint (repo_path, remote, custodian, NULL, cancellable, error))
    return FALSE;
  if (!globals->json)
    /* Translators: the remote, a custodian id, then a record number */
    chain_cli_print (globals, push ? _("%s: checkpoint of %s at record %" PRIu64 " signed and pushed\n")
                                   : _("%s: checkpoint of %s at record %" PRIu64 " signed\n"),
                     remote, custodian, chain_checkpoint_get_seq (checkpoint));
  return TRUE;
}

/* After a first sync with a hosted URL, origin is that URL: `chain sync`
 * alone then syncs with it. An origin already set is left as it is. */
static gboolean
remember_remote (const ChainCliGlobals *globals,
                 const char            *repo_path,
                 const char            *url,
                 GError               **error)
{
  g_autofree char *origin = chain_sync_remote_dup_url (repo_path, DEFAULT_REMOTE);

  if (origin != NULL || !is_hosted_url (url))
    return TRUE;
  if (!chain_sync_remote_set (repo_path, DEFAULT_REMOTE, url, error))
    return FALSE;
  if (!globals->json)
    /* Translators: keep "chain sync"; %s is git's remote name "origin", then a URL */
    chain_cli_print (globals, _("remote %s is now %s: chain sync with no URL syncs with it\n"),
                     DEFAULT_REMOTE, url);
  return TRUE;
}

/* "record 18 (commit 0123456789ab)", or the commit alone when the
 * history below it is not one line of records. */
static char *
where (const ChainSyncResult *result)
{
  const char *tip = chain_sync_result_get_new_tip (result);
  gint64 seq = chain_sync_result_get_seq (result);

  if (tip == NULL)
    /* Translators: this and the next two name a place in the ledger, for
     * "...: now at %s" and "...: already up to date at %s". */
    return g_strdup (_("no records"));
  if (seq < 0)
    return g_strdup_printf (_("commit %.12s"), tip);
  return g_strdup_printf (_("record %" PRId64 " (commit %.12s)"), seq, tip);
}

static void
print_fetch (const ChainCliGlobals *globals, const char *remote, const ChainSyncResult *result,
             gboolean pushing)
{
  g_autofree char *at = where (result);
  guint64 records = chain_sync_result_get_records (result);

  switch (chain_sync_result_get_status (result))
    {
    case CHAIN_SYNC_UP_TO_DATE:
      /* Translators: the remote, then a place in the ledger. */
      chain_cli_print (globals, _("%s: already up to date at %s\n"), remote, at);
      break;
    case CHAIN_SYNC_FAST_FORWARDED:
      /* Translators: the remote, a count, then a place in the ledger. English
       * keeps "(s)" in both forms; use your language's plural forms. */
      chain_cli_print (globals, ngettext ("%s: fetched %" PRIu64 " record(s), audited; now at %s\n",
                                          "%s: fetched %" PRIu64 " record(s), audited; now at %s\n",
                                          (gulong) records),
                       remote, records, at);
      break;
    case CHAIN_SYNC_REMOTE_BEHIND:
    default:
      if (!pushing)
        /* Translators: English keeps "(s)" in both forms; use your language's
         * plural forms. */
        chain_cli_print (globals, ngettext ("%s lacks %" PRIu64 " of our record(s); not pushed "
                                            "(--no-push)\n",
                                            "%s lacks %" PRIu64 " of our record(s); not pushed "
                                            "(--no-push)\n", (gulong) records),
                         remote, records);
      break;
    }
}

static void
print_push (const ChainCliGlobals *globals, const char *remote, const ChainSyncResult *result)
{
  g_autofree char *at = where (result);
  guint64 records = chain_sync_result_get_records (result);

  if (chain_sync_result_get_status (result) == CHAIN_SYNC_UP_TO_DATE)
    chain_cli_print (globals, _("%s: already up to date at %s\n"), remote, at);
  else
    /* Translators: the remote, a count, then a place in the ledger. English
     * keeps "(s)" in both forms; use your language's plural forms. */
    chain_cli_print (globals, ngettext ("%s: pushed %" PRIu64 " record(s); it is now at %s\n",
                                        "%s: pushed %" PRIu64 " record(s); it is now at %s\n",
                                        (gulong) records),
                     remote, records, at);
}

static const char *
stage_label (ChainWorkspaceSyncStage stage)
{
  switch (stage)
    {
    case CHAIN_WORKSPACE_SYNC_STAGE_RECEIVING:
      /* Translators: progress bar labels of `chain sync`. */
      return _("receiving");
    case CHAIN_WORKSPACE_SYNC_STAGE_AUDITING:
      return _("auditing");
    case CHAIN_WORKSPACE_SYNC_STAGE_REAPPENDING:
      return _("re-appending");
    case CHAIN_WORKSPACE_SYNC_STAGE_SENDING:
    default:
      return _("sending");
    }
}

typedef struct {
  const ChainCliGlobals   *globals;
  ChainCliProgress        *bar;
  ChainWorkspaceSyncStage  stage;
} SyncProgress;

static void
on_workspace_progress (ChainWorkspaceSyncStage stage,
                       guint64                 done,
                       guint64                 total,
                       gpointer                user_data)
{
  SyncProgress *progress = user_data;

  if (progress->bar == NULL || progress->stage != stage)
    {
      g_clear_pointer (&progress->bar, chain_cli_progress_free);
      progress->bar = chain_cli_progress_new (progress->globals, stage_label (stage), total);
      progress->stage = stage;
    }
  chain_cli_progress_update (progress->bar, done);
}

static ChainJson *
workspace_result_to_json (const char                     *remote,
                          const ChainWorkspaceSyncResult *result)
{
  static const char *const statuses[] = { "up-to-date", "fast-forwarded", "reappended" };
  ChainJson *json = chain_json_new_object ();
  const char *abandoned = chain_workspace_sync_result_get_abandoned_ref (result);
  const char *old_tip = chain_workspace_sync_result_get_old_tip (result);
  const char *new_tip = chain_workspace_sync_result_get_new_tip (result);

  chain_json_object_set_string (json, "remote", remote);
  chain_json_object_set_string (json, "status", statuses[chain_workspace_sync_result_get_status (result)]);
  chain_json_object_set (json, "old_tip", old_tip != NULL ? chain_json_new_string (old_tip) : chain_json_new_null ());
  chain_json_object_set (json, "new_tip", new_tip != NULL ? chain_json_new_string (new_tip) : chain_json_new_null ());
  chain_json_object_set_integer (json, "seq", chain_workspace_sync_result_get_seq (result));
  chain_json_object_set_integer (json, "fetched", (gint64) chain_workspace_sync_result_get_n_fetched (result));
  chain_json_object_set_integer (json, "reappended", (gint64) chain_workspace_sync_result_get_n_reappended (result));
  chain_json_object_set_integer (json, "already_held",
                                 (gint64) chain_workspace_sync_result_get_n_already_held (result));
  chain_json_object_set_integer (json, "pushed", (gint64) chain_workspace_sync_result_get_n_pushed (result));
  chain_json_object_set_integer (json, "unpushed", (gint64) chain_workspace_sync_result_get_n_unpushed (result));
  chain_json_object_set (json, "abandoned_ref",
                         abandoned != NULL ? chain_json_new_string (abandoned) : chain_json_new_null ());
  chain_json_object_set_string (json, "summary", chain_workspace_sync_result_get_summary (result));
  return json;
}

/* A workspace syncs through the library, which re-appends our unshared
 * records on a diverged remote; the CA key is asked for only then. */
static gboolean
sync_workspace (const ChainCliGlobals *globals,
                ChainWorkspace        *workspace,
                const char            *remote,
                gboolean               push,
                GCancellable          *cancellable,
                GError               **error)
{
  ChainWorkspaceSyncOptions options = CHAIN_WORKSPACE_SYNC_OPTIONS_INIT;
  SyncProgress progress = { globals, NULL, CHAIN_WORKSPACE_SYNC_STAGE_RECEIVING };
  g_autoptr(ChainWorkspaceSyncResult) result = NULL;
  g_autoptr(GError) local = NULL;
  gboolean ok;

  options.push = push;
  options.progress = on_workspace_progress;
  options.progress_data = &progress;
  ok = chain_workspace_sync (workspace, remote, &options, &result, cancellable, &local);
  if (!ok && g_error_matches (local, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE))
    {
      g_clear_error (&local);
      if (!chain_cli_unlock_workspace (globals, workspace, NULL, NULL, error))
        {
          chain_cli_progress_free (progress.bar);
          return FALSE;
        }
      ok = chain_workspace_sync (workspace, remote, &options, &result, cancellable, &local);
    }
  chain_cli_progress_free (progress.bar);
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (globals->json)
    chain_cli_print_json (globals, workspace_result_to_json (remote, result));
  else
    chain_cli_print (globals, "%s: %s\n", remote, chain_workspace_sync_result_get_summary (result));
  return TRUE;
}

gboolean
cmd_sync (const ChainCliGlobals *globals,
          int                    argc,
          char                 **argv,
          GCancellable          *cancellable,
          GError               **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("[REMOTE] — fetch from and push to a git remote"));
  g_auto(ChainCliSync) sync = { 0 };
  g_autoptr(ChainSyncResult) fetched = NULL;
  g_autoptr(ChainSyncResult) pushed = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *set_remote = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *ssh_key = NULL;
  g_autofree char *remote = NULL;
  const char *name = DEFAULT_REMOTE;
  gboolean no_push = FALSE;
  gboolean checkpoint = FALSE;
  gboolean no_checkpoint = FALSE;
  ChainSyncOptions options;
  GOptionEntry entries[] = {
    /* Translators: "origin" is git's default remote name; keep it. */
    { "set-remote", 0, 0, G_OPTION_ARG_STRING, &set_remote, N_("First make REMOTE (default origin) point at URL"), N_("URL") },
    { "no-push", 0, 0, G_OPTION_ARG_NONE, &no_push, N_("Only fetch, even if the remote lacks our records"), NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Remember FILE: HTTPS servers must have certificates from its CAs"), N_("FILE") },
    { "ssh-key", 0, 0, G_OPTION_ARG_FILENAME, &ssh_key, N_("Remember FILE: the SSH key to offer after the ssh-agent's"), N_("FILE") },
    { "checkpoint", 0, 0, G_OPTION_ARG_NONE, &checkpoint, N_("Sign and exchange checkpoints with any remote, not only hosted ones"), NULL },
    { "no-checkpoint", 0, 0, G_OPTION_ARG_NONE, &no_checkpoint, N_("Do not sign or exchange checkpoints"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep "origin", the URL forms, refs/chain/abandoned/ and the
     * example commands as they are. */
    N_("Fetches the remote's ledger, audits every new record against this workspace's\n"
       "root before moving onto it, then pushes our records if the remote lacks them\n"
       "(fast-forward only; never forces). REMOTE is a remote name (default origin),\n"
       "a URL (https://, ssh://, user@host:path, file://, git://), or a local path: a\n"
       "ledger repository or another workspace. The first HTTPS or SSH URL synced with\n"
       "becomes origin. HTTPS passwords come from git's credential helpers or\n"
       "GIT_ASKPASS; the server's certificate must chain to --ca-file (git's\n"
       "http.sslCAInfo) or else the system's CAs. SSH keys come from ssh-agent,\n"
       "--ssh-key or ~/.ssh/id_*; the host key must be in ~/.ssh/known_hosts.\n"
       "A ledger that was rewritten or rolled back is refused (exit 3). When both\n"
       "sides appended since they last met, this workspace's own records that were\n"
       "never shared are re-appended, unchanged and judged again by the rules, on the\n"
       "remote's tip (the old tip stays under refs/chain/abandoned/); shared ones are\n"
       "refused (exit 1). With a hosted remote (or --checkpoint), every custodian's\n"
       "checkpoint is fetched, and this custodian signs one of the tip it now holds\n"
       "(refs/checkpoints/CUSTODIAN) and pushes it, so split views show in the audit.\n\n"
       "Examples:\n"
       "  chain -C factory sync --set-remote ssh://git@ledger.example.com/acme.git\n"
       "  chain -C factory sync --ca-file company-ca.pem https://git.example.com/acme.git\n"
       "  chain -C factory sync\n"
       "  chain -C factory sync /mnt/share/oem"));
  g_option_context_set_description (context,
    N_("Exit codes: 0 in sync, 1 error (no such remote, the ledgers diverged on shared records, the remote\n"
       "is unreachable or moved while we pushed), 2 usage, 3 new records failed the audit\n"
       "or a ledger was rewritten or rolled back."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc > 2)
    return chain_cli_usage (error, "sync", _("give at most one remote"));
  if (argc == 2)
    name = argv[1];
  if (set_remote != NULL && (strchr (name, '/') != NULL || strchr (name, ':') != NULL))
    return chain_cli_usage (error, "sync", _("--set-remote needs a remote name, not '%s'"), name);

  if (!chain_cli_sync_open (globals, &sync, cancellable, error))
    return FALSE;
  if ((ca_file != NULL && !chain_sync_set_ca_file (sync.place.repo_path, ca_file, error))
      || (ssh_key != NULL && !chain_sync_set_ssh_key (sync.place.repo_path, ssh_key, error)))
    return FALSE;
  if (set_remote != NULL)
    {
      g_autofree char *url = chain_cli_resolve_remote (set_remote);

      if (!chain_sync_remote_set (sync.place.repo_path, name, url, error))
        return FALSE;
      if (!globals->json)
        chain_cli_print (globals, _("remote %s is %s\n"), name, url);
      remote = g_strdup (name);
    }
  else
    remote = chain_cli_resolve_remote (name);

  if (sync.workspace != NULL)
    {
      gboolean exchange = !no_checkpoint && (checkpoint || remote_is_hosted (sync.place.repo_path, remote));
      gboolean ok;

      /* Such a sync signs a checkpoint anyway, and where others push too
       * it may have to re-append our records on theirs: unlocking first
       * keeps the key's unlocking out of the time between fetching and
       * pushing, which decides who wins. If it fails here, it is asked
       * again where it is needed, as without. */
      if (exchange && !no_push)
        {
          g_autoptr(GError) locked = NULL;

          if (!chain_cli_unlock_workspace (globals, sync.workspace, NULL, NULL, &locked))
            g_debug ("sync: not unlocked before syncing: %s", locked->message);
        }
      ok = sync_workspace (globals, sync.workspace, remote, !no_push, cancellable, &local_error);

      if (!ok && g_error_matches (local_error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND) && argc == 1 && set_remote == NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       _("no remote named %s: give a path or URL (chain sync "
                         "URL), or set one with chain sync --set-remote URL"), DEFAULT_REMOTE);
          return FALSE;
        }
      if (!ok)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (exchange
          && !exchange_checkpoints (globals, sync.workspace, sync.place.repo_path, remote, !no_push, cancellable,
                                    error))
        return FALSE;
      return remember_remote (globals, sync.place.repo_path, remote, error);
    }

  chain_cli_sync_options (&sync, &options);
  if (!chain_sync_fetch (sync.place.repo_path, remote, &options, &fetched, cancellable,
                         &local_error))
    {
      if (g_error_matches (local_error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND) && argc == 1
          && set_remote == NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       _("no remote named %s: give a path or URL (chain sync "
                         "URL), or set one with chain sync --set-remote URL"), DEFAULT_REMOTE);
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!globals->json)
    print_fetch (globals, remote, fetched, !no_push);

  if (chain_sync_result_get_status (fetched) == CHAIN_SYNC_REMOTE_BEHIND && !no_push)
    {
      if (!chain_sync_push (sync.place.repo_path, remote, &options, &pushed, cancellable, error))
        return FALSE;
      if (!globals->json)
        print_push (globals, remote, pushed);
    }
  if (!chain_cli_sync_refresh (&sync, cancellable, error)
      || !remember_remote (globals, sync.place.repo_path, remote, error))
    return FALSE;

  if (globals->json)
    {
      ChainJson *json = chain_json_new_object ();

      chain_json_object_set_string (json, "remote", remote);
      chain_json_object_set (json, "fetch", chain_cli_sync_result_to_json (fetched));
      chain_json_object_set (json, "push", pushed != NULL ? chain_cli_sync_result_to_json (pushed)
                                                          : chain_json_new_null ());
      chain_cli_print_json (globals, json);
    }
  return TRUE;
}
