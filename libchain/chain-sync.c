/* chain-sync.c — what fetch and bundle import share: the graph, the pin,
 * and moving refs/heads/main
 *
 * Every operation opens the repository, reads refs/heads/main and the pin
 * (chain_sync_context_open()), brings the other side's tip into the object
 * database (chain-sync-remote.c downloads it, chain-sync-bundle.c unpacks
 * it), then chain_sync_context_integrate() decides from the commit graph
 * alone: the same tip, ours behind, theirs behind, diverged, or rewritten
 * against the pin. New records must form one line whose objects are all
 * here; the verify function judges them; only then does refs/heads/main
 * move, with git_reference_create_matching(), so a writer that got in
 * meanwhile makes us fail with CHAIN_ERROR_CONFLICT instead of being
 * overwritten.
 *
 * Objects unpacked before a refusal stay in the object database. That is
 * harmless: no ref names them, reading the ledger starts from refs, and
 * `git gc` prunes them; deleting them instead could race with another
 * process that fetched the same objects and is about to use them.
 *
 * "Descends" means along first parents: a ledger is one line of commits,
 * and a merge is refused before it could count.
 */
#include "chain-sync-private.h"
#include "chain-i18n-private.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct _ChainSyncResult {
  ChainSyncStatus status;
  char            old_tip[GIT_OID_HEXSZ + 1];   /* "" for none */
  char            new_tip[GIT_OID_HEXSZ + 1];
  guint64         records;
  gint64          seq;
  char           *summary;
};

ChainSyncHex
chain_sync_hex (const git_oid *oid)
{
  ChainSyncHex out;

  git_oid_tostr (out.s, sizeof out.s, oid);
  return out;
}

/* " (seq N)", or "" when unknown. */
char *
chain_sync_seq_note (gint64 seq)
{
  /* Translators: appended to a commit id: the sequence number of its record */
  return seq >= 0 ? g_strdup_printf (_(" (seq %" PRId64 ")"), seq) : g_strdup ("");
}

/* ---- Results ------------------------------------------------------------- */

ChainSyncResult *
chain_sync_result_new (ChainSyncStatus  status,
                       const git_oid   *old_tip,
                       const git_oid   *new_tip,
                       guint64          records,
                       gint64           seq)
{
  ChainSyncResult *self = g_new0 (ChainSyncResult, 1);
  g_autofree char *note = chain_sync_seq_note (seq);

  self->status = status;
  if (old_tip != NULL)
    git_oid_tostr (self->old_tip, sizeof self->old_tip, old_tip);
  if (new_tip != NULL)
    git_oid_tostr (self->new_tip, sizeof self->new_tip, new_tip);
  self->records = records;
  self->seq = seq;
  switch (status)
    {
    case CHAIN_SYNC_UP_TO_DATE:
      self->summary = new_tip != NULL
        /* Translators: "already up to date at COMMIT-ID (seq N)" */
        ? g_strdup_printf (_("already up to date at %s%s"), self->new_tip, note)
        : g_strdup (_("already up to date: neither side has records"));
      break;
    case CHAIN_SYNC_FAST_FORWARDED:
      self->summary = g_strdup_printf (chain_i18n_ngettext (
                                                    /* Translators: "fast-forwarded N record(s) to
                                                     * COMMIT-ID (seq N)" */
                                                    "fast-forwarded %" PRIu64 " record to %s%s",
                                                    "fast-forwarded %" PRIu64 " records to %s%s",
                                                    (gulong) MIN (records, G_MAXULONG)),
                                       records, self->new_tip, note);
      break;
    case CHAIN_SYNC_REMOTE_BEHIND:
    default:
      self->summary = g_strdup_printf (chain_i18n_ngettext (
                                                    "the remote lacks %" PRIu64 " of our record; "
                                                    "push to send them",
                                                    "the remote lacks %" PRIu64 " of our records; "
                                                    "push to send them",
                                                    (gulong) MIN (records, G_MAXULONG)),
                                       records);
      break;
    }
  return self;
}

ChainSyncStatus
chain_sync_result_get_status (const ChainSyncResult *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_SYNC_UP_TO_DATE);
  return self->status;
}

const char *
chain_sync_result_get_old_tip (const ChainSyncResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->old_tip[0] != '\0' ? self->old_tip : NULL;
}

const char *
chain_sync_result_get_new_tip (const ChainSyncResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->new_tip[0] != '\0' ? self->new_tip : NULL;
}

guint64
chain_sync_result_get_records (const ChainSyncResult *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->records;
}

gint64
chain_sync_result_get_seq (const ChainSyncResult *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->seq;
}

const char *
chain_sync_result_get_summary (const ChainSyncResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->summary;
}

void
chain_sync_result_free (ChainSyncResult *self)
{
  if (self == NULL)
    return;
  g_free (self->summary);
  g_free (self);
}

/* ---- One operation on one repository --------------------------------------- */

void
chain_sync_context_clear (ChainSyncContext *s)
{
  g_clear_pointer (&s->repo, git_repository_free);
  if (s->initialised)
    git_libgit2_shutdown ();
  s->initialised = FALSE;
}

gboolean
chain_sync_commit_exists (git_repository *repo,
                          const git_oid  *oid)
{
  g_autoptr(git_object) object = NULL;
  gboolean found = git_object_lookup (&object, repo, oid, GIT_OBJECT_COMMIT) == 0;

  git_error_clear ();
  return found;
}

gboolean
chain_sync_read_ref (git_repository *repo,
                     const char     *name,
                     gboolean       *out_found,
                     git_oid        *out_oid,
                     GError        **error)
{
  int status = git_reference_name_to_id (out_oid, repo, name);

  if (status == GIT_ENOTFOUND)
    {
      git_error_clear ();
      *out_found = FALSE;
      return TRUE;
    }
  if (status < 0)
    return chain_git_error (error, status, _("cannot read %s"), name);
  *out_found = TRUE;
  return TRUE;
}

static guint
oid_hash (gconstpointer key)
{
  guint out;

  /* Object ids are uniformly distributed already. */
  memcpy (&out, ((const git_oid *) key)->id, sizeof out);
  return out;
}

static gboolean
oid_equal (gconstpointer a,
           gconstpointer b)
{
  return git_oid_equal (a, b);
}

/* One side of a walk down first parents. */
typedef struct {
  git_oid     at;
  gboolean    done;
  GHashTable *seen;   /* git_oid * -> itself, owned */
} Walker;

/* Steps @w one first parent down; sets @out_met when it lands on a commit
 * @other has seen. */
static gboolean
walker_step (git_repository *repo,
             Walker         *w,
             Walker         *other,
             gboolean       *out_met,
             GError        **error)
{
  g_autoptr(git_commit) commit = NULL;
  git_oid *copy;

  if (w->done)
    return TRUE;
  if (git_commit_lookup (&commit, repo, &w->at) < 0)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("the history holds a reference to commit %s, which is missing; ask for a "
                     "complete copy of the ledger"), chain_sync_hex (&w->at).s);
      return FALSE;
    }
  if (git_commit_parentcount (commit) == 0)
    {
      w->done = TRUE;
      return TRUE;
    }
  w->at = *git_commit_parent_id (commit, 0);
  if (g_hash_table_contains (other->seen, &w->at))
    {
      *out_met = TRUE;
      return TRUE;
    }
  copy = g_memdup2 (&w->at, sizeof w->at);
  g_hash_table_add (w->seen, copy);
  return TRUE;
}

/* The first commit that the first-parent lines of @a and @b share, found
 * by walking both down in step (so a close answer costs little); a ledger
 * is one such line. @out_related is FALSE when they share nothing.
 * git_merge_base() would do, but libgit2 1.5 leaks when it meets a missing
 * commit, which a damaged bundle provides. */
gboolean
chain_sync_common_base (git_repository *repo,
                        const git_oid  *a,
                        const git_oid  *b,
                        gboolean       *out_related,
                        git_oid        *out_base,
                        GError        **error)
{
  Walker wa = { *a, FALSE, g_hash_table_new_full (oid_hash, oid_equal, g_free, NULL) };
  Walker wb = { *b, FALSE, g_hash_table_new_full (oid_hash, oid_equal, g_free, NULL) };
  gboolean met = FALSE;
  gboolean ok = TRUE;
  Walker *found = NULL;

  g_hash_table_add (wa.seen, g_memdup2 (a, sizeof *a));
  g_hash_table_add (wb.seen, g_memdup2 (b, sizeof *b));
  if (git_oid_equal (a, b))
    found = &wa;
  while (found == NULL && ok && !(wa.done && wb.done))
    {
      ok = walker_step (repo, &wa, &wb, &met, error);
      if (ok && met)
        found = &wa;
      else if (ok)
        {
          ok = walker_step (repo, &wb, &wa, &met, error);
          if (ok && met)
            found = &wb;
        }
    }
  if (ok)
    {
      *out_related = found != NULL;
      if (found != NULL)
        *out_base = found->at;
    }
  g_hash_table_unref (wa.seen);
  g_hash_table_unref (wb.seen);
  return ok;
}

/* Whether @commit is @ancestor or descends from it along first parents; a
 * commit that is not in the repository (a pin whose ledger was emptied) is
 * related to nothing. */
gboolean
chain_sync_descends_or_equal (git_repository *repo,
                              const git_oid  *commit,
                              const git_oid  *ancestor,
                              gboolean       *out,
                              GError        **error)
{
  gboolean related = FALSE;
  git_oid base;

  if (git_oid_equal (commit, ancestor))
    {
      *out = TRUE;
      return TRUE;
    }
  if (!chain_sync_commit_exists (repo, ancestor) || !chain_sync_commit_exists (repo, commit))
    {
      *out = FALSE;
      return TRUE;
    }
  if (!chain_sync_common_base (repo, commit, ancestor, &related, &base, error))
    return FALSE;
  *out = related && git_oid_equal (&base, ancestor);
  return TRUE;
}

gboolean
chain_sync_context_open (ChainSyncContext       *s,
                         const char             *repo_path,
                         const ChainSyncOptions *options,
                         GCancellable           *cancellable,
                         GError                **error)
{
  ChainSyncOptions defaults = CHAIN_SYNC_OPTIONS_INIT;
  int status;

  s->repo_path = repo_path;
  s->options = options != NULL ? *options : defaults;
  s->cancellable = cancellable;
  s->pin_seq = -1;

  git_libgit2_init ();
  s->initialised = TRUE;
  /* Objects and refs reach the disk before a ref names them. */
  git_libgit2_opts (GIT_OPT_ENABLE_FSYNC_GITDIR, 1);

  if (!g_file_test (repo_path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("no ledger repository at %s; check the workspace directory"), repo_path);
      return FALSE;
    }
  status = git_repository_open_ext (&s->repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status == GIT_ENOTFOUND)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a git repository; give the ledger's directory"), repo_path);
      return FALSE;
    }
  if (status < 0)
    return chain_git_error (error, status, _("cannot open the ledger at %s"), repo_path);
  if (!chain_sync_read_ref (s->repo, CHAIN_SYNC_MAIN_REF, &s->have_local, &s->local, error))
    return FALSE;

  if (s->options.pin_path != NULL)
    {
      g_autoptr(GError) pin_error = NULL;
      g_autofree char *pinned = NULL;

      /* A re-append that died between moving main and pinning it. */
      if (!chain_sync_pin_settle (s->options.pin_path, s->have_local ? &s->local : NULL, error))
        return FALSE;
      if (chain_sync_pin_read (s->options.pin_path, &pinned, &s->pin_seq, &pin_error))
        s->have_pin = git_oid_fromstr (&s->pin, pinned) == 0;
      else if (!g_error_matches (pin_error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&pin_error));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
rewritten_error (ChainSyncContext *s,
                 const git_oid    *tip,
                 const char       *whose,
                 GError          **error)
{
  g_autofree char *note = chain_sync_seq_note (s->pin_seq);

  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
               /* Translators: "ledger was rewritten: WHOSE-TIP COMMIT-ID does not descend from the
                * pinned tip COMMIT-ID (seq N); ..."; WHOSE-TIP is e.g. "this ledger's main" */
               _("ledger was rewritten: %s %s does not descend from the pinned tip %s%s; someone "
                 "force-pushed or rolled it back, so do not trust it and contact the custodians "
                 "you sync with"), whose, chain_sync_hex (tip).s, chain_sync_hex (&s->pin).s, note);
  return FALSE;
}

/* Refuses @tip unless it is the pinned tip or descends from it. */
static gboolean
require_pin_ancestor (ChainSyncContext *s,
                      const git_oid    *tip,
                      const char       *whose,
                      GError          **error)
{
  gboolean descends = FALSE;

  if (!s->have_pin)
    return TRUE;
  if (!chain_sync_descends_or_equal (s->repo, tip, &s->pin, &descends, error))
    return FALSE;
  return descends || rewritten_error (s, tip, whose, error);
}

/* Refuses @tip when it is on another branch than the pin: neither the pin
 * nor below it (a tip below it is judged by the caller). */
gboolean
chain_sync_context_refuse_if_rewritten (ChainSyncContext *s,
                                        const git_oid    *tip,
                                        const char       *whose,
                                        GError          **error)
{
  gboolean related = FALSE;

  if (!s->have_pin)
    return TRUE;
  if (!chain_sync_descends_or_equal (s->repo, tip, &s->pin, &related, error))
    return FALSE;
  if (!related && !chain_sync_descends_or_equal (s->repo, &s->pin, tip, &related, error))
    return FALSE;
  return related || rewritten_error (s, tip, whose, error);
}

/* Our own main must still descend from the pin before we touch anything. */
gboolean
chain_sync_context_check_local (ChainSyncContext *s,
                                GError          **error)
{
  if (!s->have_pin || !s->have_local)
    return TRUE;
  return require_pin_ancestor (s, &s->local, _("this ledger's main"), error);
}

/* Follows first parents from @from until @stop (not counted) or past the
 * root (only when @stop is NULL), counting commits and refusing merges. */
gboolean
chain_sync_context_walk_linear (ChainSyncContext *s,
                                const git_oid    *from,
                                const git_oid    *stop,
                                guint64          *out_count,
                                GError          **error)
{
  git_oid at = *from;
  guint64 count = 0;

  for (;;)
    {
      g_autoptr(git_commit) commit = NULL;
      unsigned int parents;
      int status;

      if (stop != NULL && git_oid_equal (&at, stop))
        break;
      if (count % CHAIN_SYNC_CANCEL_CHECK_EVERY == 0
          && g_cancellable_set_error_if_cancelled (s->cancellable, error))
        return FALSE;
      status = git_commit_lookup (&commit, s->repo, &at);
      if (status == GIT_ENOTFOUND)
        {
          git_error_clear ();
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       _("commit %s of the new history is missing; ask for a complete copy"),
                       chain_sync_hex (&at).s);
          return FALSE;
        }
      if (status < 0)
        return chain_git_error (error, status, _("cannot read commit %s"), chain_sync_hex (&at).s);
      count++;
      parents = git_commit_parentcount (commit);
      if (parents > 1)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       _("commit %s is a merge, but a ledger's history is linear; do not trust "
                         "this history"), chain_sync_hex (&at).s);
          return FALSE;
        }
      if (parents == 0)
        {
          if (stop == NULL)
            break;
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       _("history from %s does not lead back to %s along one line of records; "
                         "do not trust it"), chain_sync_hex (from).s, chain_sync_hex (stop).s);
          return FALSE;
        }
      at = *git_commit_parent_id (commit, 0);
    }
  *out_count = count;
  return TRUE;
}

static gboolean
missing_object (const git_oid *commit,
                const git_oid *object,
                GError       **error)
{
  git_error_clear ();
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
               _("record commit %s lacks object %s; ask for a complete copy of the ledger"),
               chain_sync_hex (commit).s, chain_sync_hex (object).s);
  return FALSE;
}

/* Every object under @tree_id that is not under @old_id (NULL: none) must
 * be here. Unchanged subtrees are skipped, so a record costs what it adds. */
static gboolean
check_tree (ChainSyncContext *s,
            git_odb          *odb,
            const git_oid    *commit,
            const git_oid    *tree_id,
            const git_oid    *old_id,
            guint             depth,
            GError          **error)
{
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_tree) old = NULL;

  if (old_id != NULL && git_oid_equal (tree_id, old_id))
    return TRUE;
  if (depth > 32)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("record commit %s nests trees deeper than a ledger does; do not trust it"),
                   chain_sync_hex (commit).s);
      return FALSE;
    }
  if (git_tree_lookup (&tree, s->repo, tree_id) < 0)
    return missing_object (commit, tree_id, error);
  if (old_id != NULL && git_tree_lookup (&old, s->repo, old_id) < 0)
    git_error_clear ();

  for (size_t i = 0; i < git_tree_entrycount (tree); i++)
    {
      const git_tree_entry *entry = git_tree_entry_byindex (tree, i);
      const git_tree_entry *before = old != NULL
                                     ? git_tree_entry_byname (old, git_tree_entry_name (entry))
                                     : NULL;
      const git_oid *id = git_tree_entry_id (entry);

      if (before != NULL && git_oid_equal (git_tree_entry_id (before), id))
        continue;
      switch (git_tree_entry_type (entry))
        {
        case GIT_OBJECT_TREE:
          if (!check_tree (s, odb, commit, id,
                           before != NULL && git_tree_entry_type (before) == GIT_OBJECT_TREE
                           ? git_tree_entry_id (before) : NULL,
                           depth + 1, error))
            return FALSE;
          break;
        case GIT_OBJECT_BLOB:
          if (!git_odb_exists (odb, id))
            return missing_object (commit, id, error);
          break;
        default:
          /* A gitlink points outside the repository; the auditor refuses it. */
          break;
        }
    }
  return TRUE;
}

/* Checks that the records from @tip back to @stop (excluded; NULL: the
 * root) have all their objects; the line itself was checked already. The
 * indexer could do this (verify), but libgit2 1.5 leaks every object of a
 * pack that is already in the database on that path. */
static gboolean
check_complete (ChainSyncContext *s,
                const git_oid    *tip,
                const git_oid    *stop,
                GError          **error)
{
  g_autoptr(git_odb) odb = NULL;
  git_oid at = *tip;
  guint64 count = 0;
  int status;

  status = git_repository_odb (&odb, s->repo);
  if (status < 0)
    return chain_git_error (error, status, _("cannot open the ledger's object database"));
  while (stop == NULL || !git_oid_equal (&at, stop))
    {
      g_autoptr(git_commit) commit = NULL;
      g_autoptr(git_commit) parent = NULL;

      if (count++ % CHAIN_SYNC_CANCEL_CHECK_EVERY == 0
          && g_cancellable_set_error_if_cancelled (s->cancellable, error))
        return FALSE;
      if (git_commit_lookup (&commit, s->repo, &at) < 0)
        return missing_object (&at, &at, error);
      if (git_commit_parentcount (commit) > 0
          && git_commit_parent (&parent, commit, 0) < 0)
        return missing_object (&at, git_commit_parent_id (commit, 0), error);
      if (!check_tree (s, odb, &at, git_commit_tree_id (commit),
                       parent != NULL ? git_commit_tree_id (parent) : NULL, 0, error))
        return FALSE;
      if (parent == NULL)
        break;
      at = *git_commit_id (parent);
    }
  return TRUE;
}

/* The sequence number of @tip, counted from the pin when it lies below,
 * else from the root; -1 when the history below is not linear. */
gint64
chain_sync_context_tip_seq (ChainSyncContext *s,
                            const git_oid    *tip)
{
  g_autoptr(GError) ignored = NULL;
  gboolean from_pin = FALSE;
  guint64 count = 0;

  if (s->have_pin && s->pin_seq >= 0
      && !chain_sync_descends_or_equal (s->repo, tip, &s->pin, &from_pin, &ignored))
    return -1;
  if (!chain_sync_context_walk_linear (s, tip, from_pin ? &s->pin : NULL, &count, &ignored))
    return -1;
  return from_pin ? s->pin_seq + (gint64) count : (gint64) count - 1;
}

static gboolean
diverged (ChainSyncContext *s,
          const git_oid    *tip,
          const char       *whose,
          GError          **error)
{
  g_autoptr(GError) ignored = NULL;
  g_autofree char *base_note = NULL;
  g_autofree char *their_note = NULL;
  g_autofree char *our_note = NULL;
  guint64 theirs = 0;
  guint64 ours = 0;
  gboolean related = FALSE;
  git_oid base;

  if (!chain_sync_common_base (s->repo, tip, &s->local, &related, &base, error))
    return FALSE;
  if (!related)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   _("%s %s shares no record with this ledger (at %s): it is another ledger; "
                     "check where it came from"), whose, chain_sync_hex (tip).s,
                   chain_sync_hex (&s->local).s);
      return FALSE;
    }
  if (!chain_sync_context_walk_linear (s, tip, &base, &theirs, &ignored)
      || !chain_sync_context_walk_linear (s, &s->local, &base, &ours, &ignored))
    {
      g_clear_error (&ignored);
      theirs = ours = 0;
    }
  base_note = chain_sync_seq_note (chain_sync_context_tip_seq (s, &base));
  their_note = chain_sync_seq_note (chain_sync_context_tip_seq (s, tip));
  our_note = chain_sync_seq_note (chain_sync_context_tip_seq (s, &s->local));
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
               /* Translators: the first %s names the other side, e.g. "origin's main"; each
                * "%s%s" is a commit id and its note " (seq N)" */
               _("%s and this ledger diverged after record %s%s: it has %" PRIu64
                 " record(s) up to %s%s that we lack and we have %" PRIu64
                 " up to %s%s that it lacks; nothing was changed: re-append our records on its "
                 "tip, then sync again"), whose, chain_sync_hex (&base).s, base_note, theirs,
               chain_sync_hex (tip).s, their_note, ours, chain_sync_hex (&s->local).s, our_note);
  return FALSE;
}

/* Checks the new records with the verify function and moves our main from
 * where we found it to @tip, by compare-and-swap; then the pin. */
static gboolean
fast_forward (ChainSyncContext *s,
              const git_oid    *tip,
              const char       *log_message,
              ChainSyncResult **out_result,
              GError          **error)
{
  g_autoptr(git_reference) ref = NULL;
  ChainSyncHex old_hex = { "" };
  ChainSyncHex new_hex = chain_sync_hex (tip);
  guint64 count = 0;
  gint64 seq;
  int status;

  if (!chain_sync_context_walk_linear (s, tip, s->have_local ? &s->local : NULL, &count, error)
      || !check_complete (s, tip, s->have_local ? &s->local : NULL, error))
    return FALSE;
  if (s->have_local)
    old_hex = chain_sync_hex (&s->local);

  if (s->options.verify != NULL)
    {
      GError *verify_error = NULL;

      if (!s->options.verify (s->repo_path, s->have_local ? old_hex.s : NULL, new_hex.s,
                              s->options.verify_data, &verify_error))
        {
          if (verify_error == NULL)
            g_set_error (&verify_error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                         _("the records up to %s were refused; nothing was changed"), new_hex.s);
          g_propagate_error (error, verify_error);
          return FALSE;
        }
      g_clear_error (&verify_error);
    }

  if (s->have_local)
    status = git_reference_create_matching (&ref, s->repo, CHAIN_SYNC_MAIN_REF, tip, 1, &s->local,
                                            log_message);
  else
    status = git_reference_create (&ref, s->repo, CHAIN_SYNC_MAIN_REF, tip, 0, log_message);
  if (status == GIT_EMODIFIED || status == GIT_EEXISTS || status == GIT_ELOCKED)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   _("this ledger's main moved while we synced (another writer appended); "
                     "nothing was changed, sync again"));
      return FALSE;
    }
  if (status < 0)
    /* Translators: "cannot move GIT-REF-NAME to COMMIT-ID" */
    return chain_git_error (error, status, _("cannot move %s to %s"), CHAIN_SYNC_MAIN_REF, new_hex.s);

  seq = chain_sync_context_tip_seq (s, tip);
  if (s->options.pin_path != NULL)
    {
      g_autoptr(GError) pin_error = NULL;

      if (!chain_sync_pin_write (s->options.pin_path, new_hex.s, seq, &pin_error))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                       _("the ledger moved to %s, but %s; pin that tip by hand"), new_hex.s,
                       pin_error->message);
          return FALSE;
        }
    }
  if (out_result != NULL)
    *out_result = chain_sync_result_new (CHAIN_SYNC_FAST_FORWARDED,
                                         s->have_local ? &s->local : NULL, tip, count, seq);
  return TRUE;
}

/* What to do with the other side's @tip, now in our object database. A
 * bundle older than us is a rollback; a remote older than us is behind. */
gboolean
chain_sync_context_integrate (ChainSyncContext *s,
                              const git_oid    *tip,
                              const char       *whose,
                              gboolean          is_bundle,
                              const char       *log_message,
                              ChainSyncResult **out_result,
                              GError          **error)
{
  gboolean ahead = FALSE;
  gboolean behind = FALSE;

  if (s->have_local && git_oid_equal (tip, &s->local))
    {
      if (out_result != NULL)
        *out_result = chain_sync_result_new (CHAIN_SYNC_UP_TO_DATE, &s->local, &s->local, 0,
                                             chain_sync_context_tip_seq (s, tip));
      return TRUE;
    }
  if (!chain_sync_context_refuse_if_rewritten (s, tip, whose, error))
    return FALSE;

  if (s->have_local)
    {
      if (!chain_sync_descends_or_equal (s->repo, tip, &s->local, &ahead, error))
        return FALSE;
      if (!ahead && !chain_sync_descends_or_equal (s->repo, &s->local, tip, &behind, error))
        return FALSE;
      if (behind && is_bundle)
        {
          gint64 their_seq = chain_sync_context_tip_seq (s, tip);
          gint64 our_seq = chain_sync_context_tip_seq (s, &s->local);
          g_autofree char *their_note = chain_sync_seq_note (their_seq);
          g_autofree char *our_note = chain_sync_seq_note (our_seq);

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       _("%s is a rollback: its tip %s%s is older than this ledger's %s%s; "
                         "someone is replaying an old ledger, so do not trust it"),
                       whose, chain_sync_hex (tip).s, their_note, chain_sync_hex (&s->local).s,
                       our_note);
          return FALSE;
        }
      if (behind)
        {
          guint64 count = 0;

          if (!chain_sync_context_walk_linear (s, &s->local, tip, &count, error))
            return FALSE;
          if (out_result != NULL)
            *out_result = chain_sync_result_new (CHAIN_SYNC_REMOTE_BEHIND, &s->local, &s->local,
                                                 count, chain_sync_context_tip_seq (s, &s->local));
          return TRUE;
        }
      if (!ahead)
        return diverged (s, tip, whose, error);
    }
  else if (s->have_pin)
    {
      gboolean from_pin = FALSE;

      /* An emptied ledger accepts only what descends from its pin. */
      if (!chain_sync_descends_or_equal (s->repo, tip, &s->pin, &from_pin, error))
        return FALSE;
      if (!from_pin)
        {
          g_autofree char *note = chain_sync_seq_note (s->pin_seq);

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       _("%s is a rollback: its tip %s is older than the pinned tip %s%s; "
                         "someone is replaying an old ledger, so do not trust it"),
                       whose, chain_sync_hex (tip).s, chain_sync_hex (&s->pin).s, note);
          return FALSE;
        }
    }
  return fast_forward (s, tip, log_message, out_result, error);
}

/* A lock on @name that a killed writer left: a live one holds it for
 * microseconds, so one a second old is stale. */
static void
clear_stale_ref_lock (ChainSyncContext *s,
                      const char       *name)
{
  g_autofree char *lock = g_strdup_printf ("%s/%s.lock", git_repository_path (s->repo), name);
  struct stat st;

  if (lstat (lock, &st) == 0 && S_ISREG (st.st_mode) && time (NULL) - st.st_mtime >= 1)
    g_unlink (lock);
}

/* Moves @name forward to @tip: created if missing, left alone if @tip lies
 * below it; a @tip on another line gets a ref of its own beside it, so no
 * evidence is ever dropped. */
gboolean
chain_sync_context_note_shared (ChainSyncContext *s,
                                const char       *name,
                                const git_oid    *tip,
                                GError          **error)
{
  for (guint attempt = 0; attempt < 8; attempt++)
    {
      g_autoptr(git_reference) ref = NULL;
      g_autofree char *beside = NULL;
      gboolean found = FALSE;
      gboolean above = FALSE;
      gboolean below = FALSE;
      git_oid current;
      int status;

      if (!chain_sync_read_ref (s->repo, name, &found, &current, error))
        return FALSE;
      if (found && !chain_sync_descends_or_equal (s->repo, tip, &current, &above, error))
        return FALSE;
      if (found && !above && !chain_sync_descends_or_equal (s->repo, &current, tip, &below, error))
        return FALSE;
      if (below)
        return TRUE;
      if (found && !above)
        {
          beside = g_strdup_printf ("%s-%s", name, chain_sync_hex (tip).s);
          status = git_reference_create (&ref, s->repo, beside, tip, 1, "libchain: shared");
        }
      else if (found)
        status = git_reference_create_matching (&ref, s->repo, name, tip, 1, &current,
                                                "libchain: shared");
      else
        status = git_reference_create (&ref, s->repo, name, tip, 0, "libchain: shared");
      if (status == GIT_ELOCKED)
        {
          git_error_clear ();
          clear_stale_ref_lock (s, found && !above ? beside : name);
          g_usleep (G_USEC_PER_SEC / 4);
          continue;
        }
      if (status == GIT_EMODIFIED || status == GIT_EEXISTS)
        {
          git_error_clear ();
          continue;
        }
      if (status < 0)
        return chain_git_error (error, status, _("cannot record in %s that %s left or entered "
                                  "this ledger"), name, chain_sync_hex (tip).s);
      return TRUE;
    }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
               _("%s kept moving while we recorded %s in it; try again"), name,
               chain_sync_hex (tip).s);
  return FALSE;
}

/* ---- The pin check ------------------------------------------------------- */

gboolean
chain_sync_pin_check (const char *repo_path,
                      const char *pin_path,
                      const char *tip,
                      GError    **error)
{
  ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;
  g_auto(ChainSyncContext) s = { 0 };
  git_oid candidate;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (pin_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (tip != NULL && !chain_git_parse_commit_id (tip, strlen (tip), &candidate))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("cannot check that tip against the pin: a tip is 40 lower-case hex digits"));
      return FALSE;
    }
  options.pin_path = pin_path;
  if (!chain_sync_context_open (&s, repo_path, &options, NULL, error))
    return FALSE;
  if (!s.have_pin)
    return TRUE;
  if (tip != NULL)
    {
      if (!chain_sync_commit_exists (s.repo, &candidate))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("commit %s is not in the ledger at %s; fetch or import it first"), tip,
                       repo_path);
          return FALSE;
        }
      /* Translators: names a commit, in "ledger was rewritten: %s COMMIT-ID does not descend ..." */
      return require_pin_ancestor (&s, &candidate, _("the tip"), error);
    }
  if (!s.have_local)
    {
      g_autofree char *note = chain_sync_seq_note (s.pin_seq);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("ledger was rewritten: it has no records, but the workspace pinned tip %s%s; "
                     "someone deleted or replaced it, so do not trust it and contact the "
                     "custodians you sync with"), chain_sync_hex (&s.pin).s, note);
      return FALSE;
    }
  /* Translators: names a commit, in "ledger was rewritten: %s COMMIT-ID does not descend ..." */
  return require_pin_ancestor (&s, &s.local, _("this ledger's main"), error);
}
