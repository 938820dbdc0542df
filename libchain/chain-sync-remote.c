/* chain-sync-remote.c — fetch from and push to git remotes
 *
 * A remote is a configured name (remote.NAME.url, and pushurl for pushes)
 * or a URL or path. Fetch connects, reads where the remote's main is,
 * downloads what we lack (libgit2 writes the pack into our object
 * database), and hands the tip to chain_sync_context_integrate(); the
 * tracking ref refs/remotes/NAME/main then remembers it, and a remote
 * whose main later stops descending from it was rolled back.
 *
 * chain_sync_fetch_or_diverge() (chain-sync-private.h) is the same fetch
 * that stops, moving nothing, where ours and the remote's main diverged,
 * for chain-workspace-sync.c to re-append our records on the remote's tip.
 *
 * Push sends our main only as a fast-forward: checked here, checked again
 * by libgit2 (the refspec has no '+'), and, on a network remote, by the
 * server's compare of the old value. A local bare repository is written
 * directly, by compare-and-swap.
 */
#include "chain-sync-private.h"
#include "chain-sync-auth-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <string.h>

#include "chain-checkpoint.h"
#include "chain-receive.h"

/* What a server relays of its hooks that we keep, for a refusal. */
#define REMOTE_TEXT_MAX ((gsize) 64 * 1024)

/* Where a transfer's time goes, for G_MESSAGES_DEBUG=libchain (as in
 * chain-workspace-sync.c): @phase took the time since *since. */
static void
debug_phase (const char *phase,
             gint64     *since)
{
  gint64 now = g_get_monotonic_time ();

  g_debug ("sync: phase %s in %" G_GINT64_FORMAT " ms", phase, (now - *since) / 1000);
  *since = now;
}

/* ---- Remotes ------------------------------------------------------------- */

typedef struct {
  git_remote *remote;
  char       *display;    /* "remote origin", or the URL */
  char       *tracking;   /* refs/remotes/NAME/main */
  char       *url;        /* the URL used */
} Remote;

static void
remote_clear (Remote *r)
{
  g_clear_pointer (&r->remote, git_remote_free);
  g_clear_pointer (&r->display, g_free);
  g_clear_pointer (&r->tracking, g_free);
  g_clear_pointer (&r->url, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Remote, remote_clear)

static gboolean
looks_like_location (const char *spec)
{
  return strchr (spec, ':') != NULL || strchr (spec, '/') != NULL
         || g_file_test (spec, G_FILE_TEST_EXISTS);
}

/* remote.NAME.KEY from the repository's configuration, or NULL. */
static char *
remote_config (git_repository *repo,
               const char     *name,
               const char     *key)
{
  git_config *config = NULL;
  git_buf value = GIT_BUF_INIT;
  g_autofree char *item = g_strdup_printf ("remote.%s.%s", name, key);
  char *out = NULL;

  if (git_repository_config_snapshot (&config, repo) == 0
      && git_config_get_string_buf (&value, config, item) == 0 && value.ptr[0] != '\0')
    out = g_strdup (value.ptr);
  git_buf_dispose (&value);
  git_config_free (config);
  git_error_clear ();
  return out;
}

/* Remotes are made from the URL as configured, without url.*.insteadOf
 * rewriting: libgit2 1.5 matches those keys with a PCRE2 regex whose match
 * data it never frees, once per remote. */
static int
remote_create (git_remote    **out,
               git_repository *repo,
               const char     *url)
{
  git_remote_create_options options = GIT_REMOTE_CREATE_OPTIONS_INIT;

  options.repository = repo;
  options.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  return git_remote_create_with_opts (out, url, &options);
}

/* Opens @spec, a configured remote name or a URL, for @direction. */
static gboolean
remote_open (ChainSyncContext *s,
             const char       *spec,
             git_direction     direction,
             Remote           *r,
             GError          **error)
{
  g_autofree char *url = NULL;
  int valid = 0;
  int status;

  if (spec[0] == '\0' || strpbrk (spec, "\r\n") != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("give a remote name or URL to sync with"));
      return FALSE;
    }
  if (git_remote_name_is_valid (&valid, spec) == 0 && valid)
    {
      if (direction == GIT_DIRECTION_PUSH)
        url = remote_config (s->repo, spec, "pushurl");
      if (url == NULL)
        url = remote_config (s->repo, spec, "url");
      if (url == NULL && !looks_like_location (spec))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       _("no remote named %s in %s; add it first or give its URL"), spec,
                       s->repo_path);
          return FALSE;
        }
    }
  git_error_clear ();

  if (url != NULL)
    {
      /* Translators: names a git remote in messages, e.g. "cannot reach remote origin" */
      r->display = g_strdup_printf (_("remote %s"), spec);
      r->tracking = g_strdup_printf ("refs/remotes/%s/main", spec);
      r->url = g_steal_pointer (&url);
    }
  else
    {
      g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, spec, -1);

      r->display = g_strdup (spec);
      r->tracking = g_strdup_printf ("refs/remotes/url-%.16s/main", digest);
      r->url = g_strdup (spec);
    }
  if (strpbrk (r->url, "\r\n") != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the URL of %s spans lines; fix it in the ledger's git configuration"),
                   r->display);
      return FALSE;
    }
  status = remote_create (&r->remote, s->repo, r->url);
  if (status < 0)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a URL git understands; give a path, file://, git:// or ssh:// URL"),
                   r->url);
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_sync_remote_set (const char *repo_path,
                       const char *name,
                       const char *url,
                       GError    **error)
{
  g_auto(ChainSyncContext) s = { 0 };
  g_autoptr(git_remote) remote = NULL;
  g_autofree char *url_key = NULL;
  g_autofree char *fetch_key = NULL;
  g_autofree char *fetch = NULL;
  git_config *config = NULL;
  git_config_entry *entry = NULL;
  int valid = 0;
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!chain_sync_context_open (&s, repo_path, NULL, NULL, error))
    return FALSE;
  if (git_remote_name_is_valid (&valid, name) < 0 || !valid)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a valid remote name; use letters, digits and dashes"), name);
      return FALSE;
    }
  if (url[0] == '\0' || strpbrk (url, "\r\n") != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the URL of remote %s is empty or spans lines; give one URL"), name);
      return FALSE;
    }
  if (remote_create (&remote, s.repo, url) < 0)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a URL git understands; give a path, file://, git:// or ssh:// URL"),
                   url);
      return FALSE;
    }

  /* Written as plain configuration (git_remote_create() writes its fetch
   * refspec through the leaking regex path too). The fetch refspec has no
   * '+', so a plain `git fetch NAME` cannot force the tracking ref back. */
  url_key = g_strdup_printf ("remote.%s.url", name);
  fetch_key = g_strdup_printf ("remote.%s.fetch", name);
  fetch = g_strdup_printf (CHAIN_SYNC_MAIN_REF ":refs/remotes/%s/main", name);
  status = git_repository_config (&config, s.repo);
  if (status == 0)
    status = git_config_set_string (config, url_key, url);
  if (status == 0)
    {
      status = git_config_get_entry (&entry, config, fetch_key);
      git_config_entry_free (entry);
      if (status == GIT_ENOTFOUND)
        status = git_config_set_string (config, fetch_key, fetch);
    }
  git_config_free (config);
  if (status < 0)
    return chain_git_error (error, status, _("cannot set remote %s"), name);
  return TRUE;
}

char *
chain_sync_remote_dup_url (const char *repo_path,
                           const char *name)
{
  g_auto(ChainSyncContext) s = { 0 };
  int valid = 0;

  g_return_val_if_fail (repo_path != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!chain_sync_context_open (&s, repo_path, NULL, NULL, NULL)
      || git_remote_name_is_valid (&valid, name) < 0 || !valid)
    {
      git_error_clear ();
      return NULL;
    }
  return remote_config (s.repo, name, "url");
}

/* Remembers @path, made absolute, as @key in the ledger's configuration. */
static gboolean
set_config_path (const char *repo_path,
                 const char *key,
                 const char *path,
                 GError    **error)
{
  g_auto(ChainSyncContext) s = { 0 };
  g_autofree char *absolute = NULL;
  git_config *config = NULL;
  int status;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("%s is not a file"), path);
      return FALSE;
    }
  if (!chain_sync_context_open (&s, repo_path, NULL, NULL, error))
    return FALSE;
  absolute = g_canonicalize_filename (path, NULL);
  status = git_repository_config (&config, s.repo);
  if (status == 0)
    status = git_config_set_string (config, key, absolute);
  git_config_free (config);
  if (status < 0)
    return chain_git_error (error, status, _("cannot set %s in %s"), key, repo_path);
  return TRUE;
}

gboolean
chain_sync_set_ca_file (const char *repo_path,
                        const char *ca_file,
                        GError    **error)
{
  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (ca_file != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return set_config_path (repo_path, "http.sslCAInfo", ca_file, error);
}

gboolean
chain_sync_set_ssh_key (const char *repo_path,
                        const char *key_file,
                        GError    **error)
{
  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (key_file != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return set_config_path (repo_path, "chain.sshKey", key_file, error);
}

/* Whether @tip's tree is a ledger's: records under records/. A remote
 * whose main is anything else is not a libchain ledger at all. */
static gboolean
tip_is_ledger (git_repository *repo,
               const git_oid  *tip)
{
  git_commit *commit = NULL;
  git_tree *tree = NULL;
  const git_tree_entry *entry = NULL;
  gboolean ledger = FALSE;

  if (git_commit_lookup (&commit, repo, tip) == 0 && git_commit_tree (&tree, commit) == 0)
    {
      entry = git_tree_entry_byname (tree, "records");
      ledger = entry != NULL && git_tree_entry_type (entry) == GIT_OBJECT_TREE;
    }
  git_tree_free (tree);
  git_commit_free (commit);
  git_error_clear ();
  return ledger;
}

/* Whether the remote's @tip shares no history with our main (a ledger of
 * records) and holds no records at all: some other project's repository. */
static gboolean
tip_unrelated_non_ledger (ChainSyncContext *s,
                          const git_oid    *tip,
                          gboolean         *out,
                          GError          **error)
{
  gboolean related = FALSE;
  git_oid base;

  *out = FALSE;
  if (!s->have_local || git_oid_equal (tip, &s->local))
    return TRUE;
  if (!chain_sync_common_base (s->repo, tip, &s->local, &related, &base, error))
    return FALSE;
  /* Bare repositories of plain commits stand for ledgers in some tests of
   * this module: only a ledger of records judges another by its records. */
  *out = !related && tip_is_ledger (s->repo, &s->local) && !tip_is_ledger (s->repo, tip);
  return TRUE;
}

/* What libgit2's transfer callbacks share. */
typedef struct {
  ChainSyncContext *sync;
  ChainSyncAuth     auth;
  char             *rejection;
  GString          *remote_text;   /* what the server relayed ("remote: ..."), capped */
} Transfer;

static void
transfer_init (Transfer         *t,
               ChainSyncContext *s,
               Remote           *r)
{
  t->sync = s;
  chain_sync_auth_init (&t->auth, s->repo, s->repo_path, r->url);
}

static void
transfer_clear (Transfer *t)
{
  g_clear_pointer (&t->rejection, g_free);
  if (t->remote_text != NULL)
    g_string_free (g_steal_pointer (&t->remote_text), TRUE);
  chain_sync_auth_clear (&t->auth);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Transfer, transfer_clear)

static int
sideband_cb (const char *text,
             int         len,
             void       *payload)
{
  Transfer *t = payload;

  if (t->remote_text == NULL)
    t->remote_text = g_string_new (NULL);
  if (len > 0 && t->remote_text->len < REMOTE_TEXT_MAX)
    g_string_append_len (t->remote_text, text, MIN ((gsize) len, REMOTE_TEXT_MAX - t->remote_text->len));
  return g_cancellable_is_cancelled (t->sync->cancellable) ? GIT_EUSER : 0;
}

/* The first refusal a ledger's pre-receive hook relayed (chain-receive.h),
 * on one line, or NULL. (transfer full) */
static char *
hook_refusal (const Transfer *t)
{
  const char *start;
  gsize len;

  if (t->remote_text == NULL
      || (start = strstr (t->remote_text->str, CHAIN_RECEIVE_REFUSAL_PREFIX)) == NULL)
    return NULL;
  start += strlen (CHAIN_RECEIVE_REFUSAL_PREFIX);
  len = strcspn (start, "\r\n");
  return g_strndup (start, len);
}

static int
transfer_progress_cb (const git_indexer_progress *stats,
                      void                       *payload)
{
  Transfer *t = payload;

  if (g_cancellable_is_cancelled (t->sync->cancellable))
    return GIT_EUSER;
  if (t->sync->options.progress != NULL)
    t->sync->options.progress (CHAIN_SYNC_STAGE_RECEIVING, stats->received_objects,
                               stats->total_objects, t->sync->options.progress_data);
  return 0;
}

static int
push_progress_cb (unsigned int  current,
                  unsigned int  total,
                  size_t        bytes,
                  void         *payload)
{
  Transfer *t = payload;

  if (g_cancellable_is_cancelled (t->sync->cancellable))
    return GIT_EUSER;
  if (t->sync->options.progress != NULL)
    t->sync->options.progress (CHAIN_SYNC_STAGE_SENDING, current, total,
                               t->sync->options.progress_data);
  return 0;
}

static int
push_update_reference_cb (const char *refname,
                          const char *status,
                          void       *payload)
{
  Transfer *t = payload;

  if (status != NULL && t->rejection == NULL)
    {
      t->rejection = g_strdup_printf ("%s: %s", refname, status);
      g_strdelimit (t->rejection, "\r\n", ' ');
    }
  return 0;
}

/* Keys, passwords, certificates and host keys: chain-sync-auth.c. */
static int
credentials_cb (git_credential **out,
                const char      *url,
                const char      *username_from_url,
                unsigned int     allowed_types,
                void            *payload)
{
  Transfer *t = payload;

  return chain_sync_auth_credentials (out, url, username_from_url, allowed_types, &t->auth);
}

static int
certificate_check_cb (git_cert   *cert,
                      int         valid,
                      const char *host,
                      void       *payload)
{
  Transfer *t = payload;

  return chain_sync_auth_check_certificate (cert, valid, host, &t->auth);
}

static void
transfer_callbacks (Transfer             *t,
                    git_remote_callbacks *callbacks)
{
  callbacks->sideband_progress = sideband_cb;
  callbacks->transfer_progress = transfer_progress_cb;
  callbacks->push_transfer_progress = push_progress_cb;
  callbacks->push_update_reference = push_update_reference_cb;
  callbacks->credentials = credentials_cb;
  callbacks->certificate_check = certificate_check_cb;
  callbacks->payload = t;
}

/* Fails with @format's message, and libgit2's, unless cancelled or
 * refused by our own credential or certificate check (which says why). */
static gboolean G_GNUC_PRINTF (5, 6)
transfer_error (ChainSyncContext  *s,
                Transfer          *t,
                int                status,
                GError           **error,
                const char        *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (g_cancellable_set_error_if_cancelled (s->cancellable, error))
    {
      git_error_clear ();
      return FALSE;
    }
  if (t != NULL && chain_sync_auth_take_failure (&t->auth, error))
    {
      git_error_clear ();
      return FALSE;
    }
  /* A full disk here is no network fault: say which disk. */
  {
    const git_error *last = git_error_last ();
    int saved = errno;

    if (saved == ENOSPC || saved == EDQUOT
        || (last != NULL && last->message != NULL
            && (strstr (last->message, g_strerror (ENOSPC)) != NULL
                || strstr (last->message, g_strerror (EDQUOT)) != NULL)))
      {
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                     /* Translators: %s is the local ledger's directory */
                     _("the disk holding %s is full; free some space and sync again"),
                     s->repo_path);
        git_error_clear ();
        return FALSE;
      }
  }
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return chain_git_error (error, status, "%s", message);
}

/* Connects and reads where the remote's main is. */
static gboolean
remote_connect (ChainSyncContext *s,
                Remote           *r,
                git_direction     direction,
                Transfer         *t,
                gboolean         *out_found,
                git_oid          *out_tip,
                GError          **error)
{
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  const git_remote_head **heads = NULL;
  size_t n_heads = 0;
  int status;

  transfer_callbacks (t, &callbacks);
  status = git_remote_connect (r->remote, direction, &callbacks, NULL, NULL);
  if (status < 0)
    return transfer_error (s, t, status, error,
                           /* Translators: %s is a remote, e.g. "remote origin", or a URL */
                           _("cannot reach %s (check the URL, the network and your ssh-agent)"),
                           r->display);
  status = git_remote_ls (&heads, &n_heads, r->remote);
  if (status < 0)
    return transfer_error (s, t, status, error,
                           _("cannot list the refs of %s (check the URL, the network and your ssh-agent)"),
                           r->display);
  chain_sync_auth_approve (&t->auth);
  *out_found = FALSE;
  for (size_t i = 0; i < n_heads; i++)
    if (strcmp (heads[i]->name, CHAIN_SYNC_MAIN_REF) == 0)
      {
        *out_found = TRUE;
        *out_tip = heads[i]->oid;
      }
  return TRUE;
}

static gboolean
update_tracking (ChainSyncContext *s,
                 Remote           *r,
                 const git_oid    *tip,
                 GError          **error)
{
  g_autoptr(git_reference) ref = NULL;
  int status = git_reference_create (&ref, s->repo, r->tracking, tip, 1, "libchain: sync");

  if (status < 0)
    return chain_git_error (error, status, _("cannot record where %s is (%s)"), r->display,
                            r->tracking);
  return TRUE;
}

void
chain_sync_divergence_clear (ChainSyncDivergence *d)
{
  g_clear_pointer (&d->tracking, g_free);
  g_clear_pointer (&d->display, g_free);
  d->diverged = FALSE;
}

/* The remote's main must descend from where we last saw it. */
static gboolean
check_tracking (Remote         *r,
                git_repository *repo,
                gboolean        have_tracking,
                const git_oid  *tracking,
                const git_oid  *tip,
                GError        **error)
{
  gboolean descends = FALSE;

  if (!have_tracking)
    return TRUE;
  if (!chain_sync_descends_or_equal (repo, tip, tracking, &descends, error))
    return FALSE;
  if (!descends)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("%s was rolled back or force-pushed: its main %s does not descend from "
                     "%s, where it was when we last synced; do not trust it and contact its "
                     "custodian"), r->display, chain_sync_hex (tip).s,
                   chain_sync_hex (tracking).s);
      return FALSE;
    }
  return TRUE;
}

/* Whether the remote's @tip and our main diverged above a common record;
 * if so, fills @out (after the checks a divergence gets). */
static gboolean
stop_at_divergence (ChainSyncContext    *s,
                    Remote              *r,
                    gboolean             have_tracking,
                    const git_oid       *tracking,
                    const git_oid       *tip,
                    ChainSyncDivergence *out,
                    GError             **error)
{
  gboolean ahead = FALSE;
  gboolean behind = FALSE;
  gboolean related = FALSE;
  guint64 count = 0;
  git_oid base;

  if (!s->have_local || git_oid_equal (tip, &s->local))
    return TRUE;
  if (!chain_sync_descends_or_equal (s->repo, tip, &s->local, &ahead, error)
      || (!ahead && !chain_sync_descends_or_equal (s->repo, &s->local, tip, &behind, error)))
    return FALSE;
  if (ahead || behind)
    return TRUE;
  if (!chain_sync_common_base (s->repo, tip, &s->local, &related, &base, error))
    return FALSE;
  if (!related)
    return TRUE;
  if (!check_tracking (r, s->repo, have_tracking, tracking, tip, error)
      || !chain_sync_context_walk_linear (s, tip, &base, &count, error))
    return FALSE;
  out->diverged = TRUE;
  out->tip = *tip;
  out->base = base;
  out->tracking = g_strdup (r->tracking);
  out->display = g_strdup (r->display);
  return TRUE;
}

static gboolean
fetch (const char             *repo_path,
       const char             *remote,
       const ChainSyncOptions *options,
       ChainSyncResult       **out_result,
       ChainSyncDivergence    *divergence,
       GCancellable           *cancellable,
       GError                **error)
{
  g_auto(ChainSyncContext) s = { 0 };
  g_auto(Remote) r = { 0 };
  g_autoptr(ChainSyncResult) result = NULL;
  g_autofree char *whose = NULL;
  g_autofree char *log_message = NULL;
  g_auto(Transfer) t = { 0 };
  gboolean found = FALSE;
  gboolean have_tracking = FALSE;
  gboolean not_ledger = FALSE;
  git_oid tip;
  git_oid tracking;
  gint64 since = g_get_monotonic_time ();
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (remote != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_SYNC_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!chain_sync_context_open (&s, repo_path, options, cancellable, error)
      || !chain_sync_context_check_local (&s, error)
      || !remote_open (&s, remote, GIT_DIRECTION_FETCH, &r, error)
      || !chain_sync_read_ref (s.repo, r.tracking, &have_tracking, &tracking, error))
    return FALSE;

  transfer_init (&t, &s, &r);
  if (!remote_connect (&s, &r, GIT_DIRECTION_FETCH, &t, &found, &tip, error))
    return FALSE;
  debug_phase ("connected to fetch", &since);
  if (found && !chain_sync_commit_exists (s.repo, &tip))
    {
      git_fetch_options fetch_options = GIT_FETCH_OPTIONS_INIT;
      char *refspecs[] = { (char *) CHAIN_SYNC_MAIN_REF };
      git_strarray specs = { refspecs, 1 };

      transfer_callbacks (&t, &fetch_options.callbacks);
      fetch_options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
      fetch_options.update_fetchhead = 0;
      status = git_remote_download (r.remote, &specs, &fetch_options);
      if (status < 0)
        return transfer_error (&s, &t, status, error,
                               _("cannot fetch from %s (check the URL, the network and your ssh-agent)"),
                               r.display);
      debug_phase ("downloaded", &since);
    }
  git_remote_disconnect (r.remote);

  /* Translators: the remote's main branch, e.g. "remote origin's main", in
   * sentences such as "%s is a rollback: ..." */
  whose = g_strdup_printf (_("%s's main"), r.display);
  if (!found)
    {
      guint64 count = 0;

      if (have_tracking)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       /* Translators: "REMOTE no longer has GIT-REF-NAME (it was at COMMIT-ID ...)" */
                       _("%s no longer has %s (it was at %s when we last "
                         "synced): it was deleted or replaced, so do not trust it and contact its "
                         "custodian"),
                       r.display, CHAIN_SYNC_MAIN_REF, chain_sync_hex (&tracking).s);
          return FALSE;
        }
      if (s.have_local && !chain_sync_context_walk_linear (&s, &s.local, NULL, &count, error))
        return FALSE;
      if (out_result != NULL)
        *out_result = s.have_local
          ? chain_sync_result_new (CHAIN_SYNC_REMOTE_BEHIND, &s.local, &s.local, count,
                                   (gint64) count - 1)
          : chain_sync_result_new (CHAIN_SYNC_UP_TO_DATE, NULL, NULL, 0, -1);
      return TRUE;
    }
  if (!chain_sync_commit_exists (s.repo, &tip))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("%s names %s, which is not a commit it sent; do not trust it"), whose,
                   chain_sync_hex (&tip).s);
      return FALSE;
    }

  if (!tip_unrelated_non_ledger (&s, &tip, &not_ledger, error))
    return FALSE;
  if (not_ledger)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("%s is not a libchain ledger (its main holds no records); nothing was changed: "
                     "check the URL"), r.display);
      return FALSE;
    }

  if (divergence != NULL)
    {
      if (!stop_at_divergence (&s, &r, have_tracking, &tracking, &tip, divergence, error))
        return FALSE;
      if (divergence->diverged)
        return TRUE;
    }

  /* The pin speaks first: a rewrite is the louder finding. */
  if (!chain_sync_context_refuse_if_rewritten (&s, &tip, whose, error)
      || !check_tracking (&r, s.repo, have_tracking, &tracking, &tip, error))
    return FALSE;

  log_message = g_strdup_printf ("libchain: fetch from %s", r.display);
  if (!chain_sync_context_integrate (&s, &tip, whose, FALSE, log_message, &result, error))
    return FALSE;
  if (!update_tracking (&s, &r, &tip, error))
    return FALSE;
  if (out_result != NULL)
    *out_result = g_steal_pointer (&result);
  return TRUE;
}

gboolean
chain_sync_fetch (const char             *repo_path,
                  const char             *remote,
                  const ChainSyncOptions *options,
                  ChainSyncResult       **out_result,
                  GCancellable           *cancellable,
                  GError                **error)
{
  return fetch (repo_path, remote, options, out_result, NULL, cancellable, error);
}

gboolean
chain_sync_fetch_or_diverge (const char             *repo_path,
                             const char             *remote,
                             const ChainSyncOptions *options,
                             ChainSyncResult       **out_result,
                             ChainSyncDivergence    *out,
                             GCancellable           *cancellable,
                             GError                **error)
{
  g_return_val_if_fail (out != NULL && !out->diverged, FALSE);

  return fetch (repo_path, remote, options, out_result, out, cancellable, error);
}

/* ---- Push ---------------------------------------------------------------- */

static gboolean
push_refused (ChainSyncContext *s,
              Remote           *r,
              const git_oid    *remote_tip,
              GError          **error)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
               _("%s has records this ledger lacks (its main is at %s); nothing was pushed: "
                 "sync (fetch) first, then push again"), r->display, chain_sync_hex (remote_tip).s);
  return FALSE;
}

/* Whether @remote_tip (if any) is ours or below ours; counts what we add. */
static gboolean
push_is_fast_forward (ChainSyncContext *s,
                      Remote           *r,
                      gboolean          found,
                      const git_oid    *remote_tip,
                      guint64          *out_count,
                      GError          **error)
{
  gboolean below = FALSE;

  if (found)
    {
      if (!chain_sync_commit_exists (s->repo, remote_tip))
        return push_refused (s, r, remote_tip, error);
      if (!chain_sync_descends_or_equal (s->repo, &s->local, remote_tip, &below, error))
        return FALSE;
      if (!below)
        return push_refused (s, r, remote_tip, error);
    }
  return chain_sync_context_walk_linear (s, &s->local, found ? remote_tip : NULL, out_count, error);
}

/* A local bare repository gets the pack and a compare-and-swap of its
 * main: libgit2 1.5's local transport would overwrite the ref without
 * comparing it with what it read. */
static gboolean
push_local (ChainSyncContext *s,
            Remote           *r,
            const char       *path,
            ChainSyncResult **out_result,
            GError          **error)
{
  g_autoptr(git_repository) other = NULL;
  g_autoptr(git_reference) ref = NULL;
  g_autoptr(git_packbuilder) pack = NULL;
  g_autoptr(git_revwalk) walk = NULL;
  g_autofree char *pack_dir = NULL;
  git_buf objects = GIT_BUF_INIT;
  gboolean found = FALSE;
  guint64 count = 0;
  git_oid remote_tip;
  int status;

  status = git_repository_open_ext (&other, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status < 0)
    return transfer_error (s, NULL, status, error,
                           _("cannot open %s (check the URL, the network and your ssh-agent)"),
                           r->display);
  if (!git_repository_is_bare (other))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("%s is not a bare repository; push to a bare one (git init --bare)"),
                   r->display);
      return FALSE;
    }
  if (!chain_sync_read_ref (other, CHAIN_SYNC_MAIN_REF, &found, &remote_tip, error))
    return FALSE;
  if (found && git_oid_equal (&remote_tip, &s->local))
    {
      if (!update_tracking (s, r, &s->local, error))
        return FALSE;
      if (out_result != NULL)
        *out_result = chain_sync_result_new (CHAIN_SYNC_UP_TO_DATE, &s->local, &s->local, 0,
                                             chain_sync_context_tip_seq (s, &s->local));
      return TRUE;
    }
  if (!push_is_fast_forward (s, r, found, &remote_tip, &count, error))
    return FALSE;

  if ((status = git_packbuilder_new (&pack, s->repo)) < 0
      || (status = git_revwalk_new (&walk, s->repo)) < 0
      || (status = git_revwalk_push (walk, &s->local)) < 0
      || (found && (status = git_revwalk_hide (walk, &remote_tip)) < 0)
      || (status = git_packbuilder_insert_walk (pack, walk)) < 0)
    return chain_git_error (error, status, _("cannot pack the records for %s"), r->display);
  status = git_repository_item_path (&objects, other, GIT_REPOSITORY_ITEM_OBJECTS);
  if (status < 0)
    return chain_git_error (error, status, _("cannot find the objects of %s"), r->display);
  pack_dir = g_build_filename (objects.ptr, "pack", NULL);
  git_buf_dispose (&objects);
  status = git_packbuilder_write (pack, pack_dir, 0, NULL, NULL);
  if (status < 0)
    return chain_git_error (error, status, _("cannot write the records to %s"), r->display);

  if (found)
    status = git_reference_create_matching (&ref, other, CHAIN_SYNC_MAIN_REF, &s->local, 1,
                                            &remote_tip, "libchain: push");
  else
    status = git_reference_create (&ref, other, CHAIN_SYNC_MAIN_REF, &s->local, 0,
                                   "libchain: push");
  if (status == GIT_EMODIFIED || status == GIT_EEXISTS || status == GIT_ELOCKED)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   _("%s moved while we pushed (another custodian pushed first); nothing was "
                     "changed: sync (fetch) first, then push again"), r->display);
      return FALSE;
    }
  if (status < 0)
    return chain_git_error (error, status, _("cannot move the main of %s"), r->display);
  if (!update_tracking (s, r, &s->local, error))
    return FALSE;
  if (out_result != NULL)
    *out_result = chain_sync_result_new (CHAIN_SYNC_FAST_FORWARDED, found ? &remote_tip : NULL,
                                         &s->local, count,
                                         chain_sync_context_tip_seq (s, &s->local));
  return TRUE;
}

/* The path of a local remote, or NULL for one reached over a network. */
static char *
local_remote_path (const char *url)
{
  if (g_str_has_prefix (url, "file://"))
    return g_filename_from_uri (url, NULL, NULL);
  if (strstr (url, "://") == NULL && g_file_test (url, G_FILE_TEST_IS_DIR))
    return g_strdup (url);
  return NULL;
}

gboolean
chain_sync_push (const char             *repo_path,
                 const char             *remote,
                 const ChainSyncOptions *options,
                 ChainSyncResult       **out_result,
                 GCancellable           *cancellable,
                 GError                **error)
{
  g_auto(ChainSyncContext) s = { 0 };
  g_auto(Remote) r = { 0 };
  g_autofree char *path = NULL;
  git_push_options push_options = GIT_PUSH_OPTIONS_INIT;
  char *refspecs[] = { (char *) CHAIN_SYNC_MAIN_REF ":" CHAIN_SYNC_MAIN_REF };
  git_strarray specs = { refspecs, 1 };
  g_auto(Transfer) t = { 0 };
  g_autofree char *refusal = NULL;
  gboolean found = FALSE;
  guint64 count = 0;
  git_oid remote_tip;
  gint64 since = g_get_monotonic_time ();
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (remote != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_SYNC_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!chain_sync_context_open (&s, repo_path, options, cancellable, error)
      || !chain_sync_context_check_local (&s, error)
      || !remote_open (&s, remote, GIT_DIRECTION_PUSH, &r, error))
    return FALSE;
  if (!s.have_local)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("the ledger at %s has no records to push; fetch or create one first"),
                   repo_path);
      return FALSE;
    }
  path = local_remote_path (r.url);
  if (path != NULL)
    return push_local (&s, &r, path, out_result, error);

  transfer_init (&t, &s, &r);
  if (!remote_connect (&s, &r, GIT_DIRECTION_PUSH, &t, &found, &remote_tip, error))
    return FALSE;
  debug_phase ("connected to push", &since);
  if (found && git_oid_equal (&remote_tip, &s.local))
    {
      git_remote_disconnect (r.remote);
      if (!update_tracking (&s, &r, &s.local, error))
        return FALSE;
      if (out_result != NULL)
        *out_result = chain_sync_result_new (CHAIN_SYNC_UP_TO_DATE, &s.local, &s.local, 0,
                                             chain_sync_context_tip_seq (&s, &s.local));
      return TRUE;
    }
  if (!push_is_fast_forward (&s, &r, found, &remote_tip, &count, error))
    return FALSE;

  /* No '+': libgit2 checks the fast-forward again, and the server updates
   * the ref only if it still is where it told us. */
  transfer_callbacks (&t, &push_options.callbacks);
  status = git_remote_push (r.remote, &specs, &push_options);
  debug_phase ("sent and judged", &since);
  if (status == GIT_ENONFASTFORWARD)
    {
      git_error_clear ();
      return push_refused (&s, &r, &remote_tip, error);
    }
  refusal = hook_refusal (&t);
  if ((status < 0 || t.rejection != NULL) && refusal != NULL)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   /* Translators: the first %s is a remote; the second the hook's refusal,
                    * "REF: record N (TYPE): rule ID: ..." */
                   _("%s refused the push by the ledger's rules: %s; nothing was changed here"), r.display,
                   refusal);
      return FALSE;
    }
  if (status < 0)
    return transfer_error (&s, &t, status, error,
                           _("cannot push to %s (check the URL, the network and your ssh-agent)"),
                           r.display);
  if (t.rejection != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   _("%s refused the update (%s); it probably moved: sync (fetch) first, then "
                     "push again"), r.display, t.rejection);
      return FALSE;
    }
  if (!update_tracking (&s, &r, &s.local, error))
    return FALSE;
  if (out_result != NULL)
    *out_result = chain_sync_result_new (CHAIN_SYNC_FAST_FORWARDED, found ? &remote_tip : NULL,
                                         &s.local, count,
                                         chain_sync_context_tip_seq (&s, &s.local));
  return TRUE;
}

/* ---- Checkpoints ------------------------------------------------------------- */

gboolean
chain_sync_fetch_checkpoints (const char             *repo_path,
                              const char             *remote,
                              const ChainSyncOptions *options,
                              GCancellable           *cancellable,
                              GError                **error)
{
  g_auto(ChainSyncContext) s = { 0 };
  g_auto(Remote) r = { 0 };
  g_auto(Transfer) t = { 0 };
  git_fetch_options fetch_options = GIT_FETCH_OPTIONS_INIT;
  char *refspecs[] = { (char *) "+" CHAIN_CHECKPOINT_REF_PREFIX "*:" CHAIN_CHECKPOINT_REF_PREFIX "*" };
  git_strarray specs = { refspecs, 1 };
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (remote != NULL, FALSE);

  if (!chain_sync_context_open (&s, repo_path, options, cancellable, error)
      || !remote_open (&s, remote, GIT_DIRECTION_FETCH, &r, error))
    return FALSE;
  transfer_init (&t, &s, &r);
  transfer_callbacks (&t, &fetch_options.callbacks);
  fetch_options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  fetch_options.update_fetchhead = 0;
  status = git_remote_fetch (r.remote, &specs, &fetch_options, "libchain: checkpoints");
  /* A server busy with other writers' pushes may cut a fetch short ("early
   * EOF"); the checkpoints are small, so try twice more before failing. */
  for (guint attempt = 1; status < 0 && attempt < 3 && !g_cancellable_is_cancelled (cancellable); attempt++)
    {
      g_usleep (200 * 1000 * attempt);
      status = git_remote_fetch (r.remote, &specs, &fetch_options, "libchain: checkpoints");
    }
  if (status < 0)
    return transfer_error (&s, &t, status, error,
                           _("cannot fetch the checkpoints of %s (check the URL, the network and your ssh-agent)"),
                           r.display);
  return TRUE;
}

gboolean
chain_sync_push_checkpoint (const char             *repo_path,
                            const char             *remote,
                            const char             *custodian,
                            const ChainSyncOptions *options,
                            GCancellable           *cancellable,
                            GError                **error)
{
  g_auto(ChainSyncContext) s = { 0 };
  g_auto(Remote) r = { 0 };
  g_auto(Transfer) t = { 0 };
  git_push_options push_options = GIT_PUSH_OPTIONS_INIT;
  g_autofree char *refname = NULL;
  g_autofree char *refspec = NULL;
  g_autofree char *refusal = NULL;
  char *refspecs[1];
  git_strarray specs = { refspecs, 1 };
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (remote != NULL, FALSE);
  g_return_val_if_fail (custodian != NULL, FALSE);

  refname = g_strconcat (CHAIN_CHECKPOINT_REF_PREFIX, custodian, NULL);
  /* A checkpoint is a note, not a history: a newer one replaces it. */
  refspec = g_strdup_printf ("+%s:%s", refname, refname);
  refspecs[0] = refspec;
  if (!chain_sync_context_open (&s, repo_path, options, cancellable, error)
      || !remote_open (&s, remote, GIT_DIRECTION_PUSH, &r, error))
    return FALSE;
  transfer_init (&t, &s, &r);
  transfer_callbacks (&t, &push_options.callbacks);
  status = git_remote_push (r.remote, &specs, &push_options);
  refusal = hook_refusal (&t);
  if ((status < 0 || t.rejection != NULL) && refusal != NULL)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("%s refused the push by the ledger's rules: %s; nothing was changed here"), r.display,
                   refusal);
      return FALSE;
    }
  if (status < 0)
    return transfer_error (&s, &t, status, error,
                           _("cannot push the checkpoint to %s (check the URL, the network and your ssh-agent)"),
                           r.display);
  if (t.rejection != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, _("%s refused our checkpoint (%s)"), r.display,
                   t.rejection);
      return FALSE;
    }
  return TRUE;
}
