/* chain-workspace-sync.c — syncing a workspace with a remote, re-appending
 * our unshared records when both sides appended
 *
 * chain_sync_fetch_or_diverge() fetches the remote's main. Up to date,
 * behind or ahead of us, it acts as chain_sync_fetch() does (the auditor,
 * with this workspace's root as the trusted one, judges new records before
 * our main fast-forwards). When both sides appended since a record both
 * hold (the base), it moves nothing and hands us the remote's tip, and we:
 *
 *   1. audit the remote's history up to its tip (trusted root, pinned at
 *      the base) before reading anything of it;
 *   2. take our records above the base ("ours"), leave out those whose
 *      statement the remote's new records hold already (someone appended
 *      them again there, e.g. a custodian who had fetched from our ledger
 *      directly: the new history keeps them), and make sure the rest may
 *      be re-appended (the safety rules below);
 *   3. build the new history in a staging repository DIR/.sync-XXXXXX/
 *      whose object database borrows ours (objects/info/alternates) and
 *      whose main starts at the remote's tip: the state is replayed there,
 *      and each of our statements is appended with chain_ledger_append(),
 *      unchanged and never signed again, after the rules judged it at its
 *      new place with the unlocked officer as commit signer; only
 *      record.json (seq, prev) and the commit are new;
 *   4. copy the new objects into our object database as one pack, and audit
 *      the whole new history from its tip;
 *   5. keep our old tip in refs/chain/abandoned/TIMESTAMP, move our main
 *      from the old tip to the new one by compare-and-swap, pin the new
 *      tip, and record the remote's tip in its tracking ref;
 *   6. replay the workspace's state (it was built on the old records);
 *      its ChainLedger stays the same object and re-indexes.
 *
 * Until step 5 nothing of ours changes: a record the rules refuse, a failed
 * audit, a cancel or an error leaves the ledger, every ref and the pin as
 * they were; the staging directory is removed, and objects already copied
 * in step 4 are unreferenced garbage for `git gc`. A crash before step 5
 * leaves the staging directory behind (delete it when no chain process
 * runs); one between moving main and writing the pin leaves the pin on the
 * abandoned tip, which the workspace then refuses loudly, as any pin that
 * is not below main; the abandoned ref names it.
 *
 * Safety rules (each refusal is CHAIN_ERROR_CONFLICT, changes nothing and
 * says what to do instead: let the other side re-append its records):
 *
 * - Only records that were never shared are re-appended. A record is
 *   shared when any ref other than refs/heads/main and
 *   refs/chain/abandoned/ holds it: every remote-tracking ref
 *   (refs/remotes/…, moved by fetch and push), refs/chain/sent/… (the tip
 *   of every bundle written, grants included) and refs/chain/received/…
 *   (of every bundle imported), and anything else someone put there.
 *   Re-appending a record someone else holds would fork the ledger for
 *   them.
 * - Only records this workspace's custodian authored AND one of its
 *   officers appended (the committer names the officer's key id) are
 *   re-appended: anything else came from elsewhere, so someone else holds
 *   it, even if no ref says so.
 * - The pin is never weakened: the remote's tip is audited before anything
 *   is built on it and must descend from its tracking ref; our old pin may
 *   only lie on our records above the base (whose statements the new
 *   history holds again) or below; the new tip is audited whole before
 *   main moves, and the pin moves to it. The old commits stay reachable
 *   from refs/chain/abandoned/TIMESTAMP, so nothing is silently lost.
 * - Every ref moves by compare-and-swap (git_reference_create_matching()),
 *   and a push only ever fast-forwards.
 *
 * What no ledger can know: who fetched from it directly (git leaves no
 * trace of a fetch in the repository fetched from). A custodian that
 * fetched our records straight from our ledger.git sees their re-append as
 * a rewrite, and its tracking ref refuses it (CHAIN_ERROR_VERIFY): nothing
 * is corrupted, but it has to be settled by hand. So custodians who append
 * offline should be synced with through a hub (a bare repository) or
 * bundles, not fetched from directly.
 */
#include "chain-workspace-sync.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <glib/gstdio.h>

#include "chain-audit.h"
#include "chain-audit-resume-private.h"
#include "chain-error.h"
#include "chain-ledger-private.h"
#include "chain-ledger-state-private.h"
#include "chain-progress-relay-private.h"
#include "chain-sync-private.h"
#include "chain-workspace-private.h"
#include "chain-workspace-sync-state-private.h"

#define DEFAULT_REMOTE "origin"
#define ABANDONED_PREFIX "refs/chain/abandoned/"
#define STAGING_TEMPLATE ".sync-XXXXXX"
#define STAGING_LEDGER "ledger.git"
#define OFFICER_EMAIL_SUFFIX "@officer.libchain.invalid"
#define ABANDONED_ATTEMPTS 100
/* How long a sync keeps pushing while others keep pushing first. Each
 * lost race is another custodian's push landing: the ledger makes
 * progress, so a writer that keeps losing (one on a slower link) goes on
 * trying rather than give up after a count of losses; only a remote that
 * moves for this long without ever letting us in ends the sync. */
#define SYNC_RACE_BUDGET_US ((gint64) 30 * 60 * G_USEC_PER_SEC)
/* The pause before attempt N+1 is drawn uniformly from 0 to a window that
 * starts at SYNC_PUSH_PAUSE_FIRST_MS and doubles with each lost race, up to
 * SYNC_PUSH_PAUSE_MAX_MS ("full jitter"): the randomness parts two losers
 * that would collide again. The cap stays well below one push's round trip
 * (a second or more: connect, fetch, audit, push, the server's audit) so
 * a writer that lost several races, such as one on a slower SSH link, is
 * not held back further behind those that won, as uncapped exponential
 * backoff would (the capture effect). */
#define SYNC_PUSH_PAUSE_FIRST_MS 25
#define SYNC_PUSH_PAUSE_MAX_MS 400

struct _ChainWorkspaceSyncResult {
  ChainWorkspaceSyncStatus status;
  char                     old_tip[GIT_OID_HEXSZ + 1];   /* "" for none */
  char                     new_tip[GIT_OID_HEXSZ + 1];
  gint64                   seq;
  guint64                  n_fetched;
  guint64                  n_reappended;
  guint64                  n_already_held;
  guint64                  n_pushed;
  guint64                  n_unpushed;
  char                    *abandoned_ref;
  char                    *summary;
};

/* ---- The result --------------------------------------------------------------- */

static char *
describe_tip (const ChainWorkspaceSyncResult *self)
{
  if (self->new_tip[0] == '\0')
    /* Translators: where a ledger is, in "now at %s" and "already up to date at %s" */
    return g_strdup (_("no records"));
  /* Translators: where a ledger is, in "now at %s" and "already up to date at %s" */
  return g_strdup_printf (_("record %" PRId64 " (commit %.12s)"), self->seq, self->new_tip);
}

/* A summary in clauses joined by "; ", each one sentence to translate. */
static void
result_summarise (ChainWorkspaceSyncResult *self)
{
  g_autofree char *at = describe_tip (self);
  GString *text = g_string_new (NULL);

  switch (self->status)
    {
    case CHAIN_WORKSPACE_SYNC_FAST_FORWARDED:
      g_string_append_printf (text, chain_i18n_ngettext (
                                                 /* Translators: "fetched N record(s), audited; now
                                                  * at record M (commit ABBREVIATED-ID)" */
                                                 "fetched %" PRIu64 " record, audited; now at %s",
                                                 "fetched %" PRIu64 " records, audited; now at %s",
                                                 (gulong) MIN (self->n_fetched, G_MAXULONG)),
                              self->n_fetched, at);
      break;
    case CHAIN_WORKSPACE_SYNC_REAPPENDED:
      g_string_append_printf (text, chain_i18n_ngettext (
                                                 "fetched %" PRIu64 " record and re-appended our %" PRIu64 " on top",
                                                 "fetched %" PRIu64 " records and re-appended our %" PRIu64 " on top",
                                                 (gulong) MIN (self->n_fetched, G_MAXULONG)),
                              self->n_fetched, self->n_reappended);
      if (self->n_already_held > 0)
        g_string_append_printf (text, _(" (%" PRIu64 " more of ours it held already)"),
                                self->n_already_held);
      /* Translators: "; the old commits are kept in GIT-REF-NAME; now at record M (commit ABBREVIATED-ID)" */
      g_string_append_printf (text, _("; the old commits are kept in %s; now at %s"),
                              self->abandoned_ref, at);
      break;
    case CHAIN_WORKSPACE_SYNC_UP_TO_DATE:
    default:
      g_string_append_printf (text, _("already up to date at %s"), at);
      break;
    }
  if (self->n_pushed > 0)
    g_string_append_printf (text, chain_i18n_ngettext (
                                               "; pushed %" PRIu64 " record",
                                               "; pushed %" PRIu64 " records",
                                               (gulong) MIN (self->n_pushed, G_MAXULONG)),
                            self->n_pushed);
  if (self->n_unpushed > 0)
    g_string_append_printf (text, _("; the remote lacks %" PRIu64 " of our records (not "
                                    "pushed)"), self->n_unpushed);
  g_free (self->summary);
  self->summary = g_string_free (text, FALSE);
}

ChainWorkspaceSyncStatus
chain_workspace_sync_result_get_status (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_WORKSPACE_SYNC_UP_TO_DATE);
  return self->status;
}

const char *
chain_workspace_sync_result_get_old_tip (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->old_tip[0] != '\0' ? self->old_tip : NULL;
}

const char *
chain_workspace_sync_result_get_new_tip (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->new_tip[0] != '\0' ? self->new_tip : NULL;
}

gint64
chain_workspace_sync_result_get_seq (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->seq;
}

guint64
chain_workspace_sync_result_get_n_fetched (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_fetched;
}

guint64
chain_workspace_sync_result_get_n_reappended (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_reappended;
}

guint64
chain_workspace_sync_result_get_n_already_held (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_already_held;
}

guint64
chain_workspace_sync_result_get_n_pushed (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_pushed;
}

guint64
chain_workspace_sync_result_get_n_unpushed (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_unpushed;
}

const char *
chain_workspace_sync_result_get_abandoned_ref (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->abandoned_ref;
}

const char *
chain_workspace_sync_result_get_summary (const ChainWorkspaceSyncResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->summary;
}

void
chain_workspace_sync_result_free (ChainWorkspaceSyncResult *self)
{
  if (self == NULL)
    return;
  g_free (self->abandoned_ref);
  g_free (self->summary);
  g_free (self);
}

/* ---- One sync ----------------------------------------------------------------- */

/* Where a sync's time goes, for G_MESSAGES_DEBUG=libchain (the
 * many-writers test sums it): @phase took the time since *since. */
static void
debug_phase (const char *phase,
             gint64     *since)
{
  gint64 now = g_get_monotonic_time ();

  g_debug ("sync: phase %s in %" G_GINT64_FORMAT " ms", phase, (now - *since) / 1000);
  *since = now;
}


typedef struct {
  ChainWorkspace            *ws;
  const char                *remote;
  ChainWorkspaceSyncOptions  options;
  GCancellable              *cancellable;
  char                      *repo_path;
  char                      *pin_path;
  char                      *root;        /* the trusted root's thumbprint */
  ChainSyncOptions           sync;
  gboolean                   initialised;
  gint64                     since;       /* for debug_phase() */
} Sync;

static void
sync_clear (Sync *job)
{
  g_clear_pointer (&job->repo_path, g_free);
  g_clear_pointer (&job->pin_path, g_free);
  g_clear_pointer (&job->root, g_free);
  if (job->initialised)
    git_libgit2_shutdown ();
  job->initialised = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sync, sync_clear)

static void
report (Sync                    *job,
        ChainWorkspaceSyncStage  stage,
        guint64                  done,
        guint64                  total)
{
  if (job->options.progress != NULL)
    job->options.progress (stage, done, total, job->options.progress_data);
}

static void
transfer_progress (ChainSyncStage stage,
                   guint64        done,
                   guint64        total,
                   gpointer       data)
{
  Sync *job = data;

  if (stage == CHAIN_SYNC_STAGE_RECEIVING)
    report (job, CHAIN_WORKSPACE_SYNC_STAGE_RECEIVING, done, total);
  else if (stage == CHAIN_SYNC_STAGE_SENDING)
    report (job, CHAIN_WORKSPACE_SYNC_STAGE_SENDING, done, total);
}

/* audit_verify() from @old_state (transfer full, nullable), the state at
 * @old_tip, if a sync kept it; *out_state: the state at @new_tip. */
static gboolean
audit_verify_resume (Sync              *job,
                     const char        *repo_path,
                     const char        *old_tip,
                     const char        *new_tip,
                     ChainLedgerState  *old_state,
                     ChainLedgerState **out_state,
                     GError           **error)
{
  g_clear_pointer (out_state, chain_ledger_state_free);
  g_debug ("sync: auditing %.12s..%.12s %s", old_tip != NULL ? old_tip : "", new_tip,
           old_state != NULL ? "from the kept state" : "in full");
  report (job, CHAIN_WORKSPACE_SYNC_STAGE_AUDITING, 0, 1);
  if (!chain_audit_sync_verify_resume (repo_path, old_tip, new_tip, job->root, old_state, out_state, error))
    return FALSE;
  report (job, CHAIN_WORKSPACE_SYNC_STAGE_AUDITING, 1, 1);
  return TRUE;
}

/* The auditor, with this workspace's root as the trusted one. */
static gboolean
audit_verify (const char *repo_path,
              const char *old_tip,
              const char *new_tip,
              gpointer    data,
              GError    **error)
{
  Sync *job = data;
  g_autoptr(ChainLedgerState) state = NULL;

  return audit_verify_resume (job, repo_path, old_tip, new_tip,
                              old_tip != NULL ? chain_workspace_sync_state_load (job->ws, old_tip) : NULL,
                              &state, error);
}

static gboolean
sync_open (Sync                            *job,
           ChainWorkspace                  *ws,
           const char                      *remote,
           const ChainWorkspaceSyncOptions *options,
           GCancellable                    *cancellable,
           GError                         **error)
{
  ChainWorkspaceSyncOptions defaults = CHAIN_WORKSPACE_SYNC_OPTIONS_INIT;
  ChainSyncOptions sync = CHAIN_SYNC_OPTIONS_INIT;
  ChainLedger *ledger = chain_workspace_get_ledger (ws);
  const ChainLedgerState *state = chain_workspace_get_state (ws);
  gboolean changed = FALSE;

  git_libgit2_init ();
  job->initialised = TRUE;
  git_libgit2_opts (GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
  job->ws = ws;
  job->remote = remote != NULL ? remote : DEFAULT_REMOTE;
  job->options = options != NULL ? *options : defaults;
  job->cancellable = cancellable;
  if (ledger == NULL || state == NULL || chain_ledger_state_get_root (state) == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_JOINED,
                   _("this workspace has not joined a ledger yet"));
      return FALSE;
    }
  job->repo_path = g_strdup (chain_ledger_get_path (ledger));
  job->pin_path = chain_workspace_dup_pin_path (ws);
  job->root = chain_cert_dup_thumbprint_hex (chain_ledger_state_get_root (state), CHAIN_DIGEST_SHA256);
  sync.pin_path = job->pin_path;
  sync.verify = audit_verify;
  sync.verify_data = job;
  sync.progress = transfer_progress;
  sync.progress_data = job;
  job->sync = sync;

  /* Start from what the ledger holds now: another process may have
   * appended since the workspace was read. */
  if (!chain_ledger_refresh (ledger, &changed, cancellable, error))
    return FALSE;
  if ((changed || chain_ledger_state_get_n_records (state) != chain_ledger_get_length (ledger))
      && !chain_workspace_refresh (ws, NULL, cancellable, error))
    return FALSE;
  return TRUE;
}

/* ---- Our records above the base ------------------------------------------------ */

/* The records of our main above @base, oldest first (ChainRecord *). */
static GPtrArray *
collect_ours (Sync          *job,
              const git_oid *base,
              guint64       *out_base_seq,
              GError       **error)
{
  ChainLedger *ledger = chain_workspace_get_ledger (job->ws);
  g_autoptr(GPtrArray) ours = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_record_unref);
  guint64 length = chain_ledger_get_length (ledger);

  for (guint64 seq = length; seq > 0; seq--)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, seq - 1, error);

      if (record == NULL)
        return NULL;
      if (git_oid_equal (chain_record_get_oid (record), base))
        {
          *out_base_seq = seq - 1;
          return g_steal_pointer (&ours);
        }
      g_ptr_array_insert (ours, 0, g_steal_pointer (&record));
    }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
               _("record commit %s, the last one this ledger shares with the remote, is not on "
                 "our main; run chain audit"), chain_sync_hex (base).s);
  return NULL;
}

static const char *
record_type (ChainRecord *record)
{
  return chain_statement_get_type_name (chain_record_get_statement (record));
}

/* What a ref that holds records says about them. */
static char *
describe_evidence (const char *name)
{
  if (g_str_has_prefix (name, "refs/remotes/"))
    /* Translators: why a record came from elsewhere; %s is a git ref name */
    return g_strdup_printf (_("a remote has it (%s)"), name);
  if (g_str_has_prefix (name, "refs/chain/sent/"))
    return g_strdup_printf (_("a bundle we wrote carries it (%s)"), name);
  if (g_str_has_prefix (name, "refs/chain/received/"))
    return g_strdup_printf (_("it came in a bundle (%s)"), name);
  return g_strdup_printf (_("%s holds it"), name);
}

static gboolean
shared_error (const ChainSyncDivergence *div,
              ChainRecord               *record,
              const char                *why,
              GError                   **error)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
               /* Translators: "REMOTE and this ledger diverged, and our record N (RECORD-TYPE)
                * above the last shared one cannot be re-appended on its tip: WHY; ..." */
               _("%s and this ledger diverged, and our record %" PRIu64 " (%s) above "
                 "the last shared one cannot be re-appended on its tip: %s; nothing was changed: "
                 "let the custodian of %s sync with this ledger instead (its own records are "
                 "re-appended on ours), then sync again"), div->display,
               chain_record_get_seq (record), record_type (record), why, div->display);
  return FALSE;
}

/* No ref but main (and what we abandoned) may hold any of @ours. */
static gboolean
check_unshared (Sync                      *job,
                git_repository            *repo,
                GPtrArray                 *ours,
                const ChainSyncDivergence *div,
                GError                   **error)
{
  git_reference_iterator *iter = NULL;
  const git_oid *first = chain_record_get_oid (ours->pdata[0]);
  gboolean ok = TRUE;
  int status;

  status = git_reference_iterator_new (&iter, repo);
  if (status < 0)
    return chain_git_error (error, status, _("cannot list the refs of %s"), job->repo_path);
  while (ok)
    {
      g_autoptr(git_reference) ref = NULL;
      g_autoptr(git_object) target = NULL;
      const char *name;
      gboolean holds = FALSE;

      status = git_reference_next (&ref, iter);
      if (status == GIT_ITEROVER)
        {
          git_error_clear ();
          break;
        }
      if (status < 0)
        {
          ok = chain_git_error (error, status, _("cannot list the refs of %s"), job->repo_path);
          break;
        }
      name = git_reference_name (ref);
      if (strcmp (name, CHAIN_SYNC_MAIN_REF) == 0 || g_str_has_prefix (name, ABANDONED_PREFIX))
        continue;
      /* A ref to something that is no commit cannot hold records. */
      if (git_reference_peel (&target, ref, GIT_OBJECT_COMMIT) < 0)
        {
          git_error_clear ();
          continue;
        }
      ok = chain_sync_descends_or_equal (repo, git_object_id (target), first, &holds, error);
      if (ok && holds)
        {
          g_autofree char *why = describe_evidence (name);

          ok = shared_error (div, ours->pdata[0], why, error);
        }
    }
  git_reference_iterator_free (iter);
  return ok;
}

/* Each of @ours must be this custodian's statement, appended by one of its
 * officers. */
static gboolean
check_authored (Sync                      *job,
                git_repository            *repo,
                GPtrArray                 *ours,
                const ChainSyncDivergence *div,
                GError                   **error)
{
  const char *id = chain_workspace_get_custodian_id (job->ws);
  const ChainCustodian *custodian = chain_workspace_get_custodian (job->ws);

  for (guint i = 0; i < ours->len; i++)
    {
      ChainRecord *record = ours->pdata[i];
      const char *author = chain_statement_get_author (chain_record_get_statement (record));
      g_autoptr(git_commit) commit = NULL;
      const git_signature *committer = NULL;
      gboolean by_officer = FALSE;
      int status;

      if (strcmp (author, id) != 0)
        {
          g_autofree char *why = g_strdup_printf (_("it is %s's record, so it came from elsewhere"),
                                                  author);

          return shared_error (div, record, why, error);
        }
      status = git_commit_lookup (&commit, repo, chain_record_get_oid (record));
      if (status < 0)
        return chain_git_error (error, status, _("cannot read record %" PRIu64),
                                chain_record_get_seq (record));
      committer = git_commit_committer (commit);
      for (guint j = 0; custodian != NULL && j < chain_custodian_get_n_officers (custodian); j++)
        {
          const char *key_id = chain_custodian_get_officer_key_id (custodian, j);
          g_autofree char *email = g_strdup_printf ("%.16s" OFFICER_EMAIL_SUFFIX, key_id);

          if (committer != NULL && g_strcmp0 (committer->email, email) == 0)
            by_officer = TRUE;
        }
      if (!by_officer)
        return shared_error (div, record, _("another custodian's officer appended it, so it "
                                            "came from elsewhere"), error);
    }
  return TRUE;
}

/* ---- Staging ------------------------------------------------------------------ */

typedef struct {
  char             *dir;         /* DIR/.sync-XXXXXX; removed when cleared */
  char             *repo_path;   /* dir/ledger.git */
  ChainLedger      *ledger;
  ChainLedgerState *state;
  ChainCert        *officer;     /* borrowed: the commit signer the rules judge */
  ChainLedgerVerdict *verdict;   /* of the record being re-appended */
} Staging;

static void
staging_clear (Staging *g)
{
  g_clear_pointer (&g->verdict, chain_ledger_verdict_free);
  g_clear_pointer (&g->ledger, chain_ledger_free);
  g_clear_pointer (&g->state, chain_ledger_state_free);
  if (g->dir != NULL && !chain_remove_tree (g->dir))
    g_debug ("cannot remove the staging directory %s: %s", g->dir, g_strerror (errno));
  g_clear_pointer (&g->dir, g_free);
  g_clear_pointer (&g->repo_path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Staging, staging_clear)

/* The statement of @record with its artifacts attached, as the rules and
 * the writer want it. (transfer none: the record owns it.) */
static ChainStatement *
statement_of (ChainRecord  *record,
              GCancellable *cancellable,
              GError      **error)
{
  ChainStatement *statement = chain_record_get_statement (record);
  g_autofree const char **names = chain_statement_get_artifact_names (statement);

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autoptr(GBytes) data = chain_record_read_artifact (record, names[i], cancellable, error);

      if (data == NULL || !chain_statement_attach_artifact (statement, names[i], data, error))
        return NULL;
    }
  return statement;
}

/* A bare repository whose objects are ours (alternates) and whose main is
 * @tip, opened as a ledger. */
static gboolean
staging_open (Sync           *job,
              git_repository *repo,
              const git_oid  *tip,
              Staging        *g,
              GError        **error)
{
  g_autofree char *template = chain_workspace_build_path (job->ws, STAGING_TEMPLATE);
  g_autofree char *objects = NULL;
  g_autofree char *info = NULL;
  g_autofree char *alternates = NULL;
  g_autofree char *line = NULL;
  g_autoptr(git_repository) staged = NULL;
  g_autoptr(git_reference) ref = NULL;
  g_autoptr(GError) local = NULL;
  git_repository_init_options init = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  git_buf path = GIT_BUF_INIT;
  int status;

  if (g_mkdtemp_full (template, 0700) == NULL)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot make a staging directory in %s: %s"),
                   chain_workspace_get_dir (job->ws), g_strerror (saved));
      return FALSE;
    }
  g->dir = g_strdup (template);
  g->repo_path = g_build_filename (g->dir, STAGING_LEDGER, NULL);

  status = git_repository_item_path (&path, repo, GIT_REPOSITORY_ITEM_OBJECTS);
  if (status < 0)
    return chain_git_error (error, status, _("cannot find the objects of %s"), job->repo_path);
  objects = g_canonicalize_filename (path.ptr, NULL);
  git_buf_dispose (&path);
  if (strpbrk (objects, "\r\n") != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the ledger's path spans lines; move the workspace to a plain directory name"));
      return FALSE;
    }

  init.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKDIR | GIT_REPOSITORY_INIT_NO_REINIT;
  init.initial_head = "main";
  status = git_repository_init_ext (&staged, g->repo_path, &init);
  if (status < 0)
    return chain_git_error (error, status, _("cannot make the staging ledger in %s"), g->dir);
  g_clear_pointer (&staged, git_repository_free);
  info = g_build_filename (g->repo_path, "objects", "info", NULL);
  alternates = g_build_filename (info, "alternates", NULL);
  line = g_strdup_printf ("%s\n", objects);
  if (g_mkdir_with_parents (info, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot make %s: %s"), info,
                   g_strerror (saved));
      return FALSE;
    }
  if (!g_file_set_contents_full (alternates, line, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &local))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write %s: %s"), alternates,
                   local->message);
      return FALSE;
    }

  status = git_repository_open_ext (&staged, g->repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status == 0)
    status = git_reference_create (&ref, staged, CHAIN_SYNC_MAIN_REF, tip, 0,
                                   "libchain: sync staging");
  if (status < 0)
    return chain_git_error (error, status, _("cannot prepare the staging ledger in %s"), g->dir);

  g->ledger = chain_ledger_open (g->repo_path, job->cancellable, error);
  return g->ledger != NULL;
}

static gboolean
staging_check (ChainLedger    *ledger,
               gint64          tip_seq,
               const char     *tip_digest,
               ChainStatement *statement,
               gpointer        user_data,
               GError        **error)
{
  Staging *g = user_data;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;

  (void) ledger;
  (void) tip_digest;
  if ((gint64) chain_ledger_state_get_n_records (g->state) != tip_seq + 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   _("the staging ledger %s moved under us; is another chain process using it?"),
                   g->repo_path);
      return FALSE;
    }
  record.seq = (guint64) (tip_seq + 1);
  record.statement = statement;
  record.commit_signer = g->officer;
  g_clear_pointer (&g->verdict, chain_ledger_verdict_free);
  g->verdict = chain_ledger_state_judge (g->state, &record, error);
  return g->verdict != NULL;
}

/* Appends @ours to the staging ledger, judged one by one at their new
 * places. */
static gboolean
staging_reappend (Sync                      *job,
                  Staging                   *g,
                  GPtrArray                 *ours,
                  ChainLedgerSigner         *signer,
                  const ChainSyncDivergence *div,
                  GError                   **error)
{
  ChainLedger *ledger = chain_workspace_get_ledger (job->ws);

  report (job, CHAIN_WORKSPACE_SYNC_STAGE_REAPPENDING, 0, ours->len);
  for (guint i = 0; i < ours->len; i++)
    {
      ChainRecord *record = ours->pdata[i];
      g_autoptr(ChainRecord) fresh = NULL;
      g_autoptr(ChainRecord) appended = NULL;
      g_autoptr(GError) local = NULL;
      ChainStatement *statement;

      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        return FALSE;
      /* Read again, so that only one record's artifacts are in memory. */
      fresh = chain_ledger_load_record (ledger, chain_record_get_seq (record), error);
      statement = fresh != NULL ? statement_of (fresh, job->cancellable, error) : NULL;
      if (statement == NULL)
        return FALSE;
      /* Judged once, in the append's check; what the rules staged lands
       * with the record. */
      if (!chain_ledger_append (g->ledger, statement, signer, staging_check, g, &appended,
                                job->cancellable, &local))
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                      _("cannot re-append our record %" PRIu64 " (%s) on "
                                        "the tip of %s, so nothing was changed: "),
                                      chain_record_get_seq (record), record_type (record),
                                      div->display);
          return FALSE;
        }
      chain_ledger_state_commit_verdict (g->verdict);
      g_clear_pointer (&g->verdict, chain_ledger_verdict_free);
      report (job, CHAIN_WORKSPACE_SYNC_STAGE_REAPPENDING, i + 1, ours->len);
    }
  return TRUE;
}

/* Copies what the staging ledger added above @from, up to @to, into our
 * object database as one pack. */
static gboolean
staging_transfer (Sync           *job,
                  git_repository *repo,
                  Staging        *g,
                  const git_oid  *from,
                  const git_oid  *to,
                  GError        **error)
{
  g_autoptr(git_repository) staged = NULL;
  g_autoptr(git_packbuilder) pack = NULL;
  g_autoptr(git_revwalk) walk = NULL;
  g_autofree char *pack_dir = NULL;
  git_buf objects = GIT_BUF_INIT;
  int status;

  if ((status = git_repository_open_ext (&staged, g->repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH,
                                         NULL)) < 0
      || (status = git_packbuilder_new (&pack, staged)) < 0
      || (status = git_revwalk_new (&walk, staged)) < 0
      || (status = git_revwalk_push (walk, to)) < 0
      || (status = git_revwalk_hide (walk, from)) < 0
      || (status = git_packbuilder_insert_walk (pack, walk)) < 0)
    return chain_git_error (error, status, _("cannot pack the re-appended records"));
  status = git_repository_item_path (&objects, repo, GIT_REPOSITORY_ITEM_OBJECTS);
  if (status < 0)
    return chain_git_error (error, status, _("cannot find the objects of %s"), job->repo_path);
  pack_dir = g_build_filename (objects.ptr, "pack", NULL);
  git_buf_dispose (&objects);
  status = git_packbuilder_write (pack, pack_dir, 0, NULL, NULL);
  if (status < 0)
    return chain_git_error (error, status, _("cannot write the re-appended records to %s"),
                            job->repo_path);
  return TRUE;
}

/* ---- Moving our refs ----------------------------------------------------------- */

/* refs/chain/abandoned/TIMESTAMP at @tip, a name no ref has yet. */
static char *
keep_abandoned (git_repository *repo,
                const git_oid  *tip,
                GError        **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");

  for (guint i = 0; i < ABANDONED_ATTEMPTS; i++)
    {
      g_autoptr(git_reference) ref = NULL;
      g_autofree char *name = i == 0 ? g_strdup_printf (ABANDONED_PREFIX "%s", stamp)
                                     : g_strdup_printf (ABANDONED_PREFIX "%s-%u", stamp, i + 1);
      int status = git_reference_create (&ref, repo, name, tip, 0,
                                         "libchain: sync: records re-appended elsewhere");

      if (status == GIT_EEXISTS)
        {
          git_error_clear ();
          continue;
        }
      if (status < 0)
        {
          chain_git_error (error, status, _("cannot keep our old tip in %s"), name);
          return NULL;
        }
      return g_steal_pointer (&name);
    }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
               /* Translators: "too many refs named GIT-REF-PREFIX TIMESTAMP*; ..." */
               _("too many refs named %s%s*; wait a second and sync again"), ABANDONED_PREFIX, stamp);
  return NULL;
}

static void
drop_ref (git_repository *repo,
          const char     *name)
{
  if (git_reference_remove (repo, name) < 0)
    {
      g_autofree char *reason = chain_git_take_reason ("?");

      g_debug ("cannot remove %s: %s", name, reason);
    }
}

/* The tracking ref takes the remote tip we built on, if it still is below. */
static void
track_remote (git_repository            *repo,
              const ChainSyncDivergence *div)
{
  g_autoptr(git_reference) ref = NULL;
  g_autoptr(GError) ignored = NULL;
  gboolean found = FALSE;
  gboolean descends = FALSE;
  git_oid current;
  int status;

  if (!chain_sync_read_ref (repo, div->tracking, &found, &current, &ignored))
    return;
  if (found && (!chain_sync_descends_or_equal (repo, &div->tip, &current, &descends, &ignored)
                || !descends))
    return;
  status = found ? git_reference_create_matching (&ref, repo, div->tracking, &div->tip, 1,
                                                  &current, "libchain: sync")
                 : git_reference_create (&ref, repo, div->tracking, &div->tip, 0,
                                         "libchain: sync");
  /* Evidence only; a sync that moved it meanwhile knows better. */
  if (status < 0)
    git_error_clear ();
}

/* ---- Re-appending --------------------------------------------------------------- */

/* Drops from @ours the records whose statement the remote's records above
 * the base hold already (someone appended them again there: one who had
 * our record without our knowing, as by fetching from our ledger
 * directly): the new history keeps them, so they are neither re-appended
 * nor refused. Returns how many were dropped, G_MAXUINT on error. */
static guint
drop_already_held (Staging   *g,
                   guint64    base_seq,
                   GPtrArray *ours,
                   GError   **error)
{
  g_autoptr(GHashTable) held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint64 length = chain_ledger_get_length (g->ledger);
  guint dropped = 0;

  for (guint64 seq = base_seq + 1; seq < length; seq++)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (g->ledger, seq, error);

      if (record == NULL)
        return G_MAXUINT;
      g_hash_table_add (held, chain_statement_dup_digest (chain_record_get_statement (record)));
    }
  for (guint i = ours->len; i > 0; i--)
    {
      ChainStatement *statement = chain_record_get_statement (ours->pdata[i - 1]);
      g_autofree char *digest = chain_statement_dup_digest (statement);

      if (g_hash_table_contains (held, digest))
        {
          g_ptr_array_remove_index (ours, i - 1);
          dropped++;
        }
    }
  return dropped;
}

static gboolean
reappend (Sync                      *job,
          const ChainSyncDivergence *div,
          ChainWorkspaceSyncResult  *result,
          GError                   **error)
{
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_reference) ref = NULL;
  g_autoptr(GPtrArray) ours = NULL;
  g_auto(Staging) g = { 0 };
  g_autoptr(GError) pin_error = NULL;
  g_autofree char *abandoned = NULL;
  g_autofree char *message = NULL;
  ChainLedger *ledger = chain_workspace_get_ledger (job->ws);
  ChainLedgerSigner *signer = NULL;
  ChainCert *officer = NULL;
  ChainSyncHex base_hex = chain_sync_hex (&div->base);
  ChainSyncHex tip_hex = chain_sync_hex (&div->tip);
  ChainSyncHex new_hex;
  g_autoptr(ChainLedgerState) remote_state = NULL;   /* at the remote's tip, then at the new one */
  guint64 base_seq = 0;
  guint64 remote_length;
  guint held;
  gboolean found = FALSE;
  git_oid local;
  git_oid new_tip;
  int status;

  status = git_repository_open_ext (&repo, job->repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status < 0)
    return chain_git_error (error, status, _("cannot open the ledger at %s"), job->repo_path);
  if (!chain_sync_read_ref (repo, CHAIN_SYNC_MAIN_REF, &found, &local, error))
    return FALSE;
  if (!found || chain_ledger_get_tip_commit_id (ledger) == NULL
      || strcmp (chain_sync_hex (&local).s, chain_ledger_get_tip_commit_id (ledger)) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   _("this ledger's main moved while we synced (another writer appended); nothing "
                     "was changed, sync again"));
      return FALSE;
    }

  /* What the remote brings is judged before anything is read from it or
   * built on it: from the state the last sync's audit left at the base,
   * if it kept one, the fetched records only. */
  ours = collect_ours (job, &div->base, &base_seq, error);
  if (ours == NULL
      || !audit_verify_resume (job, job->repo_path, base_hex.s, tip_hex.s,
                               chain_workspace_sync_state_load (job->ws, base_hex.s), &remote_state, error)
      || g_cancellable_set_error_if_cancelled (job->cancellable, error))
    return FALSE;
  /* A push that loses the next race builds on this tip again. */
  chain_workspace_sync_state_store (job->ws, remote_state, tip_hex.s);
  debug_phase ("audited the remote", &job->since);

  /* Which of our records must go on the remote's tip, and may they? */
  if (!staging_open (job, repo, &div->tip, &g, error))
    return FALSE;
  remote_length = chain_ledger_get_length (g.ledger);
  held = drop_already_held (&g, base_seq, ours, error);
  if (held == G_MAXUINT)
    return FALSE;
  if (ours->len > 0)
    {
      if (!check_unshared (job, repo, ours, div, error)
          || !check_authored (job, repo, ours, div, error))
        return FALSE;
      signer = chain_workspace_get_signer (job->ws, &officer, error);
      if (signer == NULL)
        {
          g_prefix_error (error, _("%u of our records must be re-appended on the tip of %s: "),
                          ours->len, div->display);
          return FALSE;
        }
    }

  new_tip = div->tip;
  if (ours->len > 0)
    {
      /* The audit's state at the remote's tip is the staging ledger's:
       * nothing to replay. */
      g.officer = officer;
      g.state = g_steal_pointer (&remote_state);
      if (!staging_reappend (job, &g, ours, signer, div, error))
        return FALSE;
      debug_phase ("signed and staged", &job->since);
      if (git_oid_fromstr (&new_tip, chain_ledger_get_tip_commit_id (g.ledger)) < 0)
        return chain_git_error (error, -1, _("cannot read the staging ledger's tip"));
      new_hex = chain_sync_hex (&new_tip);
      if (!staging_transfer (job, repo, &g, &div->tip, &new_tip, error)
          || !audit_verify_resume (job, job->repo_path, tip_hex.s, new_hex.s, chain_workspace_sync_state_load (job->ws, tip_hex.s),
                                   &remote_state, error))
        return FALSE;
      debug_phase ("audited ours", &job->since);
    }
  new_hex = chain_sync_hex (&new_tip);
  if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
    return FALSE;

  /* Nothing of ours has changed so far. Now: keep the old tip, say which
   * pin the move needs, move main by compare-and-swap, then pin. */
  abandoned = keep_abandoned (repo, &local, error);
  if (abandoned == NULL)
    return FALSE;
  if (!chain_sync_pin_intend (job->pin_path, new_hex.s, (gint64) chain_ledger_get_length (g.ledger) - 1, error))
    {
      drop_ref (repo, abandoned);
      return FALSE;
    }
  chain_ledger_kill_point (chain_workspace_get_ledger (job->ws), "sync-intent");
  message = g_strdup_printf ("libchain: sync: re-appended %u records on the tip of %s",
                             ours->len, div->display);
  status = git_reference_create_matching (&ref, repo, CHAIN_SYNC_MAIN_REF, &new_tip, 1, &local,
                                          message);
  if (status < 0)
    {
      g_autoptr(GError) failed = NULL;

      if (status == GIT_EMODIFIED || status == GIT_EEXISTS || status == GIT_ELOCKED)
        {
          git_error_clear ();
          g_set_error (&failed, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                       _("this ledger's main moved while we synced (another writer appended); "
                         "nothing was changed, sync again"));
        }
      else
        /* Translators: "cannot move GIT-REF-NAME to COMMIT-ID" */
        chain_git_error (&failed, status, _("cannot move %s to %s"), CHAIN_SYNC_MAIN_REF, new_hex.s);
      drop_ref (repo, abandoned);
      chain_sync_pin_settle (job->pin_path, &local, NULL);
      g_propagate_error (error, g_steal_pointer (&failed));
      return FALSE;
    }
  chain_ledger_kill_point (chain_workspace_get_ledger (job->ws), "sync-main");
  if (!chain_sync_pin_settle (job->pin_path, &new_tip, &pin_error))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   /* Translators: "the ledger moved to COMMIT-ID (our old records are kept in
                    * GIT-REF-NAME), but WHY PINNING FAILED; ..." */
                   _("the ledger moved to %s (our old records are kept in %s), but %s; pin that "
                     "tip by hand"), new_hex.s, abandoned, pin_error->message);
      return FALSE;
    }
  track_remote (repo, div);

  result->status = CHAIN_WORKSPACE_SYNC_REAPPENDED;
  result->n_fetched = remote_length - (base_seq + 1);
  result->n_reappended = ours->len;
  result->n_already_held = held;
  result->n_unpushed = ours->len;
  result->abandoned_ref = g_steal_pointer (&abandoned);

  /* The workspace's state was built on the old records: the audit's
   * replaces it. */
  g_clear_pointer (&ours, g_ptr_array_unref);
  return chain_workspace_reload (job->ws, g_steal_pointer (&remote_state), NULL, error);
}

/* ---- The whole sync ------------------------------------------------------------- */

/* One fetch, re-append and push. *out_moved: the push failed because the
 * remote moved meanwhile (another custodian pushed first): try again. */
static gboolean
sync_once (ChainWorkspace                  *self,
           const char                      *remote,
           const ChainWorkspaceSyncOptions *options,
           ChainWorkspaceSyncResult       **out_result,
           gboolean                        *out_moved,
           GCancellable                    *cancellable,
           GError                         **error)
{
  g_auto(Sync) job = { 0 };
  g_auto(ChainSyncDivergence) divergence = { 0 };
  g_autoptr(ChainSyncResult) fetched = NULL;
  g_autoptr(ChainSyncResult) pushed = NULL;
  g_autoptr(ChainWorkspaceSyncResult) result = NULL;
  g_autoptr(GError) push_error = NULL;
  ChainLedger *ledger = NULL;
  const char *tip = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_WORKSPACE_SYNC_OPTIONS_VERSION,
                        FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  job.since = g_get_monotonic_time ();
  if (!sync_open (&job, self, remote, options, cancellable, error))
    return FALSE;
  debug_phase ("opened", &job.since);
  ledger = chain_workspace_get_ledger (self);
  result = g_new0 (ChainWorkspaceSyncResult, 1);
  if (chain_ledger_get_tip_commit_id (ledger) != NULL)
    g_strlcpy (result->old_tip, chain_ledger_get_tip_commit_id (ledger), sizeof result->old_tip);

  if (!chain_sync_fetch_or_diverge (job.repo_path, job.remote, &job.sync, &fetched, &divergence,
                                    cancellable, error))
    return FALSE;
  debug_phase ("fetched and verified", &job.since);
  if (divergence.diverged)
    {
      if (!reappend (&job, &divergence, result, error))
        return FALSE;
      debug_phase ("re-appended", &job.since);
    }
  else
    {
      switch (chain_sync_result_get_status (fetched))
        {
        case CHAIN_SYNC_FAST_FORWARDED:
          result->status = CHAIN_WORKSPACE_SYNC_FAST_FORWARDED;
          result->n_fetched = chain_sync_result_get_records (fetched);
          break;
        case CHAIN_SYNC_REMOTE_BEHIND:
          result->n_unpushed = chain_sync_result_get_records (fetched);
          break;
        case CHAIN_SYNC_UP_TO_DATE:
        default:
          break;
        }
    }

  if (job.options.push && result->n_unpushed > 0)
    {
      gboolean ok = chain_sync_push (job.repo_path, job.remote, &job.sync, &pushed, cancellable, &push_error);

      debug_phase (ok ? "pushed" : "push failed", &job.since);
      if (ok)
        {
          result->n_pushed = chain_sync_result_get_records (pushed);
          result->n_unpushed = 0;
        }
      else if (result->status != CHAIN_WORKSPACE_SYNC_REAPPENDED)
        {
          *out_moved = g_error_matches (push_error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT);
          g_propagate_error (error, g_steal_pointer (&push_error));
          return FALSE;
        }
    }

  /* Our main may have moved: the workspace follows, even if the push
   * after a re-append failed. */
  if (!chain_workspace_refresh (self, NULL, NULL, error))
    return FALSE;
  debug_phase ("refreshed", &job.since);
  if (push_error != NULL)
    {
      *out_moved = g_error_matches (push_error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT);
      g_propagate_prefixed_error (error, g_steal_pointer (&push_error),
                                  _("re-appended %" PRIu64 " of our records on the tip of "
                                    "%s (the old commits are kept in %s), but did not push them; "
                                    "sync again to push: "), result->n_reappended,
                                  divergence.display, result->abandoned_ref);
      return FALSE;
    }

  tip = chain_ledger_get_tip_commit_id (ledger = chain_workspace_get_ledger (self));
  if (tip != NULL)
    g_strlcpy (result->new_tip, tip, sizeof result->new_tip);
  /* Main is where the remote is: the base of the next divergence. */
  if (tip != NULL && result->n_unpushed == 0
      && (result->n_pushed > 0 || result->n_fetched > 0 || result->status == CHAIN_WORKSPACE_SYNC_REAPPENDED))
    {
      chain_workspace_sync_state_store (self, chain_workspace_get_state (self), tip);
      debug_phase ("kept the state", &job.since);
    }
  result->seq = (gint64) chain_ledger_get_length (ledger) - 1;
  result_summarise (result);
  if (out_result != NULL)
    *out_result = g_steal_pointer (&result);
  return TRUE;
}

gboolean
chain_workspace_sync (ChainWorkspace                  *self,
                      const char                      *remote,
                      const ChainWorkspaceSyncOptions *options,
                      ChainWorkspaceSyncResult       **out_result,
                      GCancellable                    *cancellable,
                      GError                         **error)
{
  /* Custodians pushing to one hosted ledger at once: the loser of each
   * race fetches the winner's records, re-appends its own unpublished ones
   * on top and pushes again, after a random pause whose window doubles up
   * to a low bound (see SYNC_PUSH_PAUSE_MAX_MS), so that no two keep
   * colliding and none falls ever further behind. */
  gint64 started = g_get_monotonic_time ();

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) local = NULL;
      gboolean moved = FALSE;

      if (sync_once (self, remote, options, out_result, &moved, cancellable, &local))
        return TRUE;
      if (!moved || g_get_monotonic_time () - started > SYNC_RACE_BUDGET_US
          || g_cancellable_is_cancelled (cancellable))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      {
        guint window = SYNC_PUSH_PAUSE_FIRST_MS << MIN (attempt - 1, 8);
        gulong pause_ms = (gulong) g_random_int_range (0, (gint32) MIN (window, SYNC_PUSH_PAUSE_MAX_MS) + 1);

        g_debug ("sync: the push lost the race (attempt %u): %s; again in %lu ms", attempt, local->message, pause_ms);
        g_usleep (pause_ms * 1000);
      }
    }
}

/* ---- In a worker thread ----------------------------------------------------------- */

/* Progress handed from the worker to the caller's main context, coalesced:
 * at most one report waits at a time, carrying the latest figures; none
 * is delivered once chain_workspace_sync_finish() closed the relay. */
typedef struct {
  ChainWorkspaceSyncProgressFunc func;
  gpointer                       data;
} Progress;

static void
deliver_progress (const guint64 *values,
                  guint          n_values,
                  gpointer       data)
{
  Progress *progress = data;

  g_assert (n_values == 3);
  progress->func ((ChainWorkspaceSyncStage) values[0], values[1], values[2], progress->data);
}

static void
relay_progress (ChainWorkspaceSyncStage stage,
                guint64                 done,
                guint64                 total,
                gpointer                data)
{
  const guint64 values[] = { stage, done, total };

  chain_progress_relay_post (data, values, G_N_ELEMENTS (values));
}

typedef struct {
  ChainWorkspace            *workspace;
  char                      *remote;
  ChainWorkspaceSyncOptions  options;
  ChainProgressRelay        *relay;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->relay, chain_progress_relay_unref);
  g_free (job->remote);
  g_free (job);
}

static void
sync_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  ChainWorkspaceSyncResult *result = NULL;
  GError *error = NULL;

  (void) source_object;
  if (chain_workspace_sync (job->workspace, job->remote, &job->options, &result, cancellable,
                            &error))
    g_task_return_pointer (task, result, (GDestroyNotify) chain_workspace_sync_result_free);
  else
    g_task_return_error (task, error);
}

void
chain_workspace_sync_async (ChainWorkspace                  *self,
                            const char                      *remote,
                            const ChainWorkspaceSyncOptions *options,
                            GCancellable                    *cancellable,
                            GAsyncReadyCallback              callback,
                            gpointer                         user_data)
{
  ChainWorkspaceSyncOptions defaults = CHAIN_WORKSPACE_SYNC_OPTIONS_INIT;
  g_autoptr(GTask) task = NULL;
  Job *job = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (options == NULL || options->version == CHAIN_WORKSPACE_SYNC_OPTIONS_VERSION);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chain_workspace_sync_async);
  g_task_set_name (task, "[libchain] workspace sync");
  /* The run decides what a cancel means: after main moved, it finishes. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_check_cancellable (task, FALSE);
  job = g_new0 (Job, 1);
  job->workspace = self;
  job->remote = g_strdup (remote);
  job->options = options != NULL ? *options : defaults;
  if (job->options.progress != NULL)
    {
      Progress *progress = g_new (Progress, 1);

      progress->func = job->options.progress;
      progress->data = job->options.progress_data;
      job->relay = chain_progress_relay_new (g_main_context_get_thread_default (),
                                             "[libchain] sync progress",
                                             deliver_progress, progress, g_free);
      job->options.progress = relay_progress;
      job->options.progress_data = job->relay;
    }
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, sync_thread);
}

gboolean
chain_workspace_sync_finish (ChainWorkspace            *self,
                             GAsyncResult              *result,
                             ChainWorkspaceSyncResult **out_result,
                             GError                   **error)
{
  Job *job = NULL;
  ChainWorkspaceSyncResult *outcome = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, chain_workspace_sync_async), FALSE);
  job = g_task_get_task_data (G_TASK (result));
  g_return_val_if_fail (job->workspace == self, FALSE);

  if (job->relay != NULL)
    chain_progress_relay_close (job->relay);
  outcome = g_task_propagate_pointer (G_TASK (result), error);
  if (outcome == NULL)
    return FALSE;
  if (out_result != NULL)
    *out_result = outcome;
  else
    chain_workspace_sync_result_free (outcome);
  return TRUE;
}
