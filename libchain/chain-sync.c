/* chain-sync.c — fetch, push, bundles and the pinned tip, at the git level
 *
 * Every operation opens the repository, reads refs/heads/main and the pin,
 * brings the other side's tip into the object database (a download, or a
 * bundle's pack through git_indexer), decides from the commit graph alone
 * (same tip, ours behind, theirs behind, diverged, rewritten), asks the
 * verify function about new records, and only then moves refs/heads/main
 * with git_reference_create_matching(), so a writer that got in meanwhile
 * makes us fail with CHAIN_ERROR_CONFLICT instead of being overwritten.
 *
 * Objects unpacked before a refusal stay in the object database. That is
 * harmless: no ref names them, reading the ledger starts from refs, and
 * `git gc` prunes them; deleting them instead could race with another
 * process that fetched the same objects and is about to use them.
 *
 * The bundle format is git's v2 ("# v2 git bundle", prerequisite lines
 * "-OID comment", ref lines "OID REFNAME", a blank line, a packfile),
 * written and read here because libgit2 1.5 has no bundle API. Our packs
 * are never thin: every object the bundle's commits reach and the
 * prerequisites do not is in it, which `git bundle verify` wants.
 *
 * The pin file ("libchain-pin 1\ncommit HEX\n[seq N\n]") is written with
 * g_file_set_contents_full() (temporary file, fsync, rename) at mode 0600.
 */
#include "chain-sync.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain-ledger-private.h"

#define MAIN_REF "refs/heads/main"
#define PIN_MAGIC "libchain-pin 1\n"
#define PIN_MAX_LEN 1024
#define BUNDLE_SIGNATURE "# v2 git bundle\n"
#define BUNDLE_V3_SIGNATURE "# v3 git bundle\n"
#define BUNDLE_HEADER_MAX (64 * 1024)
#define BUNDLE_MAX_PREREQUISITES 256
#define BUNDLE_COMMENT_MAX 72
#define IO_CHUNK (64 * 1024)
#define CANCEL_CHECK_EVERY 512
#define HEX_LEN GIT_OID_HEXSZ

/* Local names, so that an autoptr for these types added to
 * chain-ledger-private.h later cannot clash with ours. */
typedef git_remote      SyncRemote;
typedef git_revwalk     SyncRevwalk;
typedef git_packbuilder SyncPackbuilder;
typedef git_indexer     SyncIndexer;
typedef git_object      SyncObject;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncRemote, git_remote_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncRevwalk, git_revwalk_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncPackbuilder, git_packbuilder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncIndexer, git_indexer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncObject, git_object_free)

struct _ChainSyncResult {
  ChainSyncStatus status;
  char            old_tip[HEX_LEN + 1];   /* "" for none */
  char            new_tip[HEX_LEN + 1];
  guint64         records;
  gint64          seq;
  char           *summary;
};

/* A commit id as text, by value so that several fit in one message. */
typedef struct {
  char s[HEX_LEN + 1];
} Hex;

static Hex
hex (const git_oid *oid)
{
  Hex out;

  git_oid_tostr (out.s, sizeof out.s, oid);
  return out;
}

/* " (seq N)", or "" when unknown. */
static char *
seq_note (gint64 seq)
{
  return seq >= 0 ? g_strdup_printf (" (seq %" G_GINT64_FORMAT ")", seq) : g_strdup ("");
}

/* Exactly 40 lower-case hex digits naming something other than zero. */
static gboolean
parse_commit_id (const char *text,
                 gsize       len,
                 git_oid    *out)
{
  if (text == NULL || len != HEX_LEN)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
      return FALSE;
  return git_oid_fromstrn (out, text, len) == 0 && !git_oid_is_zero (out);
}

static gboolean
fsync_parent_dir (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

/* ---- Results ------------------------------------------------------------- */

static ChainSyncResult *
result_new (ChainSyncStatus  status,
            const git_oid   *old_tip,
            const git_oid   *new_tip,
            guint64          records,
            gint64           seq)
{
  ChainSyncResult *self = g_new0 (ChainSyncResult, 1);
  g_autofree char *note = seq_note (seq);
  const char *plural = records == 1 ? "" : "s";

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
        ? g_strdup_printf ("already up to date at %s%s", self->new_tip, note)
        : g_strdup ("already up to date: neither side has records");
      break;
    case CHAIN_SYNC_FAST_FORWARDED:
      self->summary = g_strdup_printf ("fast-forwarded %" G_GUINT64_FORMAT " record%s to %s%s",
                                       records, plural, self->new_tip, note);
      break;
    case CHAIN_SYNC_REMOTE_BEHIND:
    default:
      self->summary = g_strdup_printf ("the remote lacks %" G_GUINT64_FORMAT " of our record%s; "
                                       "push to send them", records, plural);
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

/* ---- The pin file -------------------------------------------------------- */

gboolean
chain_sync_pin_write (const char *pin_path,
                      const char *commit,
                      gint64      seq,
                      GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  git_oid oid;

  g_return_val_if_fail (pin_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (commit == NULL || !parse_commit_id (commit, strlen (commit), &oid))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   "cannot pin %s: a tip is a commit id of 40 lower-case hex digits",
                   commit != NULL ? "that" : "nothing");
      return FALSE;
    }
  if (seq >= 0)
    contents = g_strdup_printf (PIN_MAGIC "commit %s\nseq %" G_GINT64_FORMAT "\n", commit, seq);
  else
    contents = g_strdup_printf (PIN_MAGIC "commit %s\n", commit);
  if (!g_file_set_contents_full (pin_path, contents, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot write the pinned tip %s: %s",
                   pin_path, local_error->message);
      return FALSE;
    }
  /* The rename is what makes the new pin durable. */
  fsync_parent_dir (pin_path);
  return TRUE;
}

static gboolean
pin_invalid (GError    **error,
             const char *pin_path,
             const char *what)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               "%s is not a libchain pin file (%s); restore it from a backup or remove it "
               "and pin the tip you trust", pin_path, what);
  return FALSE;
}

gboolean
chain_sync_pin_read (const char *pin_path,
                     char      **out_commit,
                     gint64     *out_seq,
                     GError    **error)
{
  char buffer[PIN_MAX_LEN + 1];
  struct stat st;
  const char *at;
  const char *end;
  gssize got;
  gsize len = 0;
  gint64 seq = -1;
  git_oid oid;
  int fd;

  g_return_val_if_fail (pin_path != NULL, FALSE);
  g_return_val_if_fail (out_commit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  fd = g_open (pin_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                     "no tip is pinned in %s yet", pin_path);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot read the pinned tip %s: %s",
                     pin_path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return pin_invalid (error, pin_path, "not a regular file");
    }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    {
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INSECURE,
                   "%s is writable by others, so its pin cannot be trusted; check it, then "
                   "chmod 600 it", pin_path);
      return FALSE;
    }
  /* Read one byte past the cap to tell a full file from an oversized one. */
  while (len < sizeof buffer - 1 && (got = read (fd, buffer + len, sizeof buffer - 1 - len)) != 0)
    {
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot read the pinned tip %s: %s",
                       pin_path, g_strerror (saved));
          return FALSE;
        }
      len += (gsize) got;
    }
  close (fd);
  if (len >= PIN_MAX_LEN)
    return pin_invalid (error, pin_path, "too long");
  buffer[len] = '\0';
  if (memchr (buffer, '\0', len) != NULL)
    return pin_invalid (error, pin_path, "a NUL byte");

  if (!g_str_has_prefix (buffer, PIN_MAGIC))
    return pin_invalid (error, pin_path, "no libchain-pin header");
  at = buffer + strlen (PIN_MAGIC);
  end = strchr (at, '\n');
  if (!g_str_has_prefix (at, "commit ") || end == NULL
      || !parse_commit_id (at + 7, (gsize) (end - at - 7), &oid))
    return pin_invalid (error, pin_path, "no commit line");
  at = end + 1;
  if (g_str_has_prefix (at, "seq "))
    {
      g_autofree char *digits = NULL;
      guint64 value = 0;

      end = strchr (at, '\n');
      if (end == NULL)
        return pin_invalid (error, pin_path, "an unfinished seq line");
      digits = g_strndup (at + 4, (gsize) (end - at - 4));
      if (digits[0] == '\0' || (digits[0] == '0' && digits[1] != '\0')
          || !g_ascii_string_to_unsigned (digits, 10, 0, G_MAXINT64, &value, NULL))
        return pin_invalid (error, pin_path, "a bad seq line");
      seq = (gint64) value;
      at = end + 1;
    }
  if (*at != '\0')
    return pin_invalid (error, pin_path, "unexpected lines");

  *out_commit = g_strndup (buffer + strlen (PIN_MAGIC) + 7, HEX_LEN);
  if (out_seq != NULL)
    *out_seq = seq;
  return TRUE;
}

/* ---- One operation on one repository --------------------------------------- */

typedef struct {
  const char       *repo_path;
  git_repository   *repo;
  gboolean          initialised;
  ChainSyncOptions  options;
  GCancellable     *cancellable;
  gboolean          have_local;
  git_oid           local;
  gboolean          have_pin;
  git_oid           pin;
  gint64            pin_seq;
} Sync;

static void
sync_clear (Sync *s)
{
  g_clear_pointer (&s->repo, git_repository_free);
  if (s->initialised)
    git_libgit2_shutdown ();
  s->initialised = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sync, sync_clear)

static gboolean
commit_exists (git_repository *repo,
               const git_oid  *oid)
{
  g_autoptr(SyncObject) object = NULL;
  gboolean found = git_object_lookup (&object, repo, oid, GIT_OBJECT_COMMIT) == 0;

  git_error_clear ();
  return found;
}

static gboolean
read_ref (git_repository *repo,
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
    return chain_git_error (error, status, "cannot read %s", name);
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
                   "the history holds a reference to commit %s, which is missing; ask for a "
                   "complete copy of the ledger", hex (&w->at).s);
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
static gboolean
common_base (git_repository *repo,
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
static gboolean
descends_or_equal (git_repository *repo,
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
  if (!commit_exists (repo, ancestor) || !commit_exists (repo, commit))
    {
      *out = FALSE;
      return TRUE;
    }
  if (!common_base (repo, commit, ancestor, &related, &base, error))
    return FALSE;
  *out = related && git_oid_equal (&base, ancestor);
  return TRUE;
}

static gboolean
sync_open (Sync                   *s,
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
                   "no ledger repository at %s; check the workspace directory", repo_path);
      return FALSE;
    }
  status = git_repository_open_ext (&s->repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status == GIT_ENOTFOUND)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   "%s is not a git repository; give the ledger's directory", repo_path);
      return FALSE;
    }
  if (status < 0)
    return chain_git_error (error, status, "cannot open the ledger at %s", repo_path);
  if (!read_ref (s->repo, MAIN_REF, &s->have_local, &s->local, error))
    return FALSE;

  if (s->options.pin_path != NULL)
    {
      g_autoptr(GError) pin_error = NULL;
      g_autofree char *pinned = NULL;

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
rewritten_error (Sync          *s,
                 const git_oid *tip,
                 const char    *whose,
                 GError       **error)
{
  g_autofree char *note = seq_note (s->pin_seq);

  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
               "ledger was rewritten: %s %s does not descend from the pinned tip %s%s; someone "
               "force-pushed or rolled it back, so do not trust it and contact the custodians "
               "you sync with", whose, hex (tip).s, hex (&s->pin).s, note);
  return FALSE;
}

/* Refuses @tip unless it is the pinned tip or descends from it. */
static gboolean
require_pin_ancestor (Sync          *s,
                      const git_oid *tip,
                      const char    *whose,
                      GError       **error)
{
  gboolean descends = FALSE;

  if (!s->have_pin)
    return TRUE;
  if (!descends_or_equal (s->repo, tip, &s->pin, &descends, error))
    return FALSE;
  return descends || rewritten_error (s, tip, whose, error);
}

/* Refuses @tip when it is on another branch than the pin: neither the pin
 * nor below it (a tip below it is judged by the caller). */
static gboolean
refuse_if_rewritten (Sync          *s,
                     const git_oid *tip,
                     const char    *whose,
                     GError       **error)
{
  gboolean related = FALSE;

  if (!s->have_pin)
    return TRUE;
  if (!descends_or_equal (s->repo, tip, &s->pin, &related, error))
    return FALSE;
  if (!related && !descends_or_equal (s->repo, &s->pin, tip, &related, error))
    return FALSE;
  return related || rewritten_error (s, tip, whose, error);
}

/* Our own main must still descend from the pin before we touch anything. */
static gboolean
sync_check_local (Sync    *s,
                  GError **error)
{
  if (!s->have_pin || !s->have_local)
    return TRUE;
  return require_pin_ancestor (s, &s->local, "this ledger's main", error);
}

/* Follows first parents from @from until @stop (not counted) or past the
 * root (only when @stop is NULL), counting commits and refusing merges. */
static gboolean
walk_linear (Sync          *s,
             const git_oid *from,
             const git_oid *stop,
             guint64       *out_count,
             GError       **error)
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
      if (count % CANCEL_CHECK_EVERY == 0
          && g_cancellable_set_error_if_cancelled (s->cancellable, error))
        return FALSE;
      status = git_commit_lookup (&commit, s->repo, &at);
      if (status == GIT_ENOTFOUND)
        {
          git_error_clear ();
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       "commit %s of the new history is missing; ask for a complete copy",
                       hex (&at).s);
          return FALSE;
        }
      if (status < 0)
        return chain_git_error (error, status, "cannot read commit %s", hex (&at).s);
      count++;
      parents = git_commit_parentcount (commit);
      if (parents > 1)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       "commit %s is a merge, but a ledger's history is linear; do not trust "
                       "this history", hex (&at).s);
          return FALSE;
        }
      if (parents == 0)
        {
          if (stop == NULL)
            break;
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       "history from %s does not lead back to %s along one line of records; "
                       "do not trust it", hex (from).s, hex (stop).s);
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
               "record commit %s lacks object %s; ask for a complete copy of the ledger",
               hex (commit).s, hex (object).s);
  return FALSE;
}

/* Every object under @tree_id that is not under @old_id (NULL: none) must
 * be here. Unchanged subtrees are skipped, so a record costs what it adds. */
static gboolean
check_tree (Sync          *s,
            git_odb       *odb,
            const git_oid *commit,
            const git_oid *tree_id,
            const git_oid *old_id,
            guint          depth,
            GError       **error)
{
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_tree) old = NULL;

  if (old_id != NULL && git_oid_equal (tree_id, old_id))
    return TRUE;
  if (depth > 32)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   "record commit %s nests trees deeper than a ledger does; do not trust it",
                   hex (commit).s);
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
 * root) have all their objects; walk_linear() has checked the line. The
 * indexer could do this (verify), but libgit2 1.5 leaks every object of a
 * pack that is already in the database on that path. */
static gboolean
check_complete (Sync          *s,
                const git_oid *tip,
                const git_oid *stop,
                GError       **error)
{
  g_autoptr(git_odb) odb = NULL;
  git_oid at = *tip;
  guint64 count = 0;
  int status;

  status = git_repository_odb (&odb, s->repo);
  if (status < 0)
    return chain_git_error (error, status, "cannot open the ledger's object database");
  while (stop == NULL || !git_oid_equal (&at, stop))
    {
      g_autoptr(git_commit) commit = NULL;
      g_autoptr(git_commit) parent = NULL;

      if (count++ % CANCEL_CHECK_EVERY == 0
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
static gint64
tip_seq (Sync          *s,
         const git_oid *tip)
{
  g_autoptr(GError) ignored = NULL;
  gboolean from_pin = FALSE;
  guint64 count = 0;

  if (s->have_pin && s->pin_seq >= 0
      && !descends_or_equal (s->repo, tip, &s->pin, &from_pin, &ignored))
    return -1;
  if (!walk_linear (s, tip, from_pin ? &s->pin : NULL, &count, &ignored))
    return -1;
  return from_pin ? s->pin_seq + (gint64) count : (gint64) count - 1;
}

static gboolean
diverged (Sync          *s,
          const git_oid *tip,
          const char    *whose,
          GError       **error)
{
  g_autoptr(GError) ignored = NULL;
  g_autofree char *base_note = NULL;
  g_autofree char *their_note = NULL;
  g_autofree char *our_note = NULL;
  guint64 theirs = 0;
  guint64 ours = 0;
  gboolean related = FALSE;
  git_oid base;

  if (!common_base (s->repo, tip, &s->local, &related, &base, error))
    return FALSE;
  if (!related)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   "%s %s shares no record with this ledger (at %s): it is another ledger; "
                   "check where it came from", whose, hex (tip).s, hex (&s->local).s);
      return FALSE;
    }
  if (!walk_linear (s, tip, &base, &theirs, &ignored)
      || !walk_linear (s, &s->local, &base, &ours, &ignored))
    {
      g_clear_error (&ignored);
      theirs = ours = 0;
    }
  base_note = seq_note (tip_seq (s, &base));
  their_note = seq_note (tip_seq (s, tip));
  our_note = seq_note (tip_seq (s, &s->local));
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
               "%s and this ledger diverged after record %s%s: it has %" G_GUINT64_FORMAT
               " record(s) up to %s%s that we lack and we have %" G_GUINT64_FORMAT
               " up to %s%s that it lacks; nothing was changed: re-append our records on its "
               "tip, then sync again", whose, hex (&base).s, base_note, theirs, hex (tip).s,
               their_note, ours, hex (&s->local).s, our_note);
  return FALSE;
}

/* Checks the new records with the verify function and moves our main from
 * where we found it to @tip, by compare-and-swap; then the pin. */
static gboolean
fast_forward (Sync             *s,
              const git_oid    *tip,
              const char       *log_message,
              ChainSyncResult **out_result,
              GError          **error)
{
  g_autoptr(git_reference) ref = NULL;
  Hex old_hex = { "" };
  Hex new_hex = hex (tip);
  guint64 count = 0;
  gint64 seq;
  int status;

  if (!walk_linear (s, tip, s->have_local ? &s->local : NULL, &count, error)
      || !check_complete (s, tip, s->have_local ? &s->local : NULL, error))
    return FALSE;
  if (s->have_local)
    old_hex = hex (&s->local);

  if (s->options.verify != NULL)
    {
      GError *verify_error = NULL;

      if (!s->options.verify (s->repo_path, s->have_local ? old_hex.s : NULL, new_hex.s,
                              s->options.verify_data, &verify_error))
        {
          if (verify_error == NULL)
            g_set_error (&verify_error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                         "the records up to %s were refused; nothing was changed", new_hex.s);
          g_propagate_error (error, verify_error);
          return FALSE;
        }
      g_clear_error (&verify_error);
    }

  if (s->have_local)
    status = git_reference_create_matching (&ref, s->repo, MAIN_REF, tip, 1, &s->local,
                                            log_message);
  else
    status = git_reference_create (&ref, s->repo, MAIN_REF, tip, 0, log_message);
  if (status == GIT_EMODIFIED || status == GIT_EEXISTS || status == GIT_ELOCKED)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   "this ledger's main moved while we synced (another writer appended); "
                   "nothing was changed, sync again");
      return FALSE;
    }
  if (status < 0)
    return chain_git_error (error, status, "cannot move " MAIN_REF " to %s", new_hex.s);

  seq = tip_seq (s, tip);
  if (s->options.pin_path != NULL)
    {
      g_autoptr(GError) pin_error = NULL;

      if (!chain_sync_pin_write (s->options.pin_path, new_hex.s, seq, &pin_error))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                       "the ledger moved to %s, but %s; pin that tip by hand", new_hex.s,
                       pin_error->message);
          return FALSE;
        }
    }
  if (out_result != NULL)
    *out_result = result_new (CHAIN_SYNC_FAST_FORWARDED, s->have_local ? &s->local : NULL, tip,
                              count, seq);
  return TRUE;
}

/* What to do with the other side's @tip, now in our object database. A
 * bundle older than us is a rollback; a remote older than us is behind. */
static gboolean
integrate (Sync             *s,
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
        *out_result = result_new (CHAIN_SYNC_UP_TO_DATE, &s->local, &s->local, 0,
                                  tip_seq (s, tip));
      return TRUE;
    }
  if (!refuse_if_rewritten (s, tip, whose, error))
    return FALSE;

  if (s->have_local)
    {
      if (!descends_or_equal (s->repo, tip, &s->local, &ahead, error))
        return FALSE;
      if (!ahead && !descends_or_equal (s->repo, &s->local, tip, &behind, error))
        return FALSE;
      if (behind && is_bundle)
        {
          g_autofree char *their_note = seq_note (tip_seq (s, tip));
          g_autofree char *our_note = seq_note (tip_seq (s, &s->local));

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       "%s is a rollback: its tip %s%s is older than this ledger's %s%s; "
                       "someone is replaying an old ledger, so do not trust it",
                       whose, hex (tip).s, their_note, hex (&s->local).s, our_note);
          return FALSE;
        }
      if (behind)
        {
          guint64 count = 0;

          if (!walk_linear (s, &s->local, tip, &count, error))
            return FALSE;
          if (out_result != NULL)
            *out_result = result_new (CHAIN_SYNC_REMOTE_BEHIND, &s->local, &s->local, count,
                                      tip_seq (s, &s->local));
          return TRUE;
        }
      if (!ahead)
        return diverged (s, tip, whose, error);
    }
  else if (s->have_pin)
    {
      gboolean from_pin = FALSE;

      /* An emptied ledger accepts only what descends from its pin. */
      if (!descends_or_equal (s->repo, tip, &s->pin, &from_pin, error))
        return FALSE;
      if (!from_pin)
        {
          g_autofree char *note = seq_note (s->pin_seq);

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       "%s is a rollback: its tip %s is older than the pinned tip %s%s; "
                       "someone is replaying an old ledger, so do not trust it",
                       whose, hex (tip).s, hex (&s->pin).s, note);
          return FALSE;
        }
    }
  return fast_forward (s, tip, log_message, out_result, error);
}

/* ---- The pin check ------------------------------------------------------- */

gboolean
chain_sync_pin_check (const char *repo_path,
                      const char *pin_path,
                      const char *tip,
                      GError    **error)
{
  ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;
  g_auto(Sync) s = { 0 };
  git_oid candidate;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (pin_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (tip != NULL && !parse_commit_id (tip, strlen (tip), &candidate))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   "cannot check that tip against the pin: a tip is 40 lower-case hex digits");
      return FALSE;
    }
  options.pin_path = pin_path;
  if (!sync_open (&s, repo_path, &options, NULL, error))
    return FALSE;
  if (!s.have_pin)
    return TRUE;
  if (tip != NULL)
    {
      if (!commit_exists (s.repo, &candidate))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       "commit %s is not in the ledger at %s; fetch or import it first", tip,
                       repo_path);
          return FALSE;
        }
      return require_pin_ancestor (&s, &candidate, "the tip", error);
    }
  if (!s.have_local)
    {
      g_autofree char *note = seq_note (s.pin_seq);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   "ledger was rewritten: it has no records, but the workspace pinned tip %s%s; "
                   "someone deleted or replaced it, so do not trust it and contact the "
                   "custodians you sync with", hex (&s.pin).s, note);
      return FALSE;
    }
  return require_pin_ancestor (&s, &s.local, "this ledger's main", error);
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
remote_open (Sync          *s,
             const char    *spec,
             git_direction  direction,
             Remote        *r,
             GError       **error)
{
  g_autofree char *url = NULL;
  int valid = 0;
  int status;

  if (spec[0] == '\0' || strpbrk (spec, "\r\n") != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   "give a remote name or URL to sync with");
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
                       "no remote named %s in %s; add it first or give its URL", spec,
                       s->repo_path);
          return FALSE;
        }
    }
  git_error_clear ();

  if (url != NULL)
    {
      r->display = g_strdup_printf ("remote %s", spec);
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
  status = remote_create (&r->remote, s->repo, r->url);
  if (status < 0)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   "%s is not a URL git understands; give a path, file://, git:// or ssh:// URL",
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
  g_auto(Sync) s = { 0 };
  g_autoptr(SyncRemote) remote = NULL;
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

  if (!sync_open (&s, repo_path, NULL, NULL, error))
    return FALSE;
  if (git_remote_name_is_valid (&valid, name) < 0 || !valid)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   "%s is not a valid remote name; use letters, digits and dashes", name);
      return FALSE;
    }
  if (url[0] == '\0' || strpbrk (url, "\r\n") != NULL || remote_create (&remote, s.repo, url) < 0)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   "%s is not a URL git understands; give a path, file://, git:// or ssh:// URL",
                   url[0] != '\0' ? url : "an empty string");
      return FALSE;
    }

  /* Written as plain configuration (git_remote_create() writes its fetch
   * refspec through the leaking regex path too). The fetch refspec has no
   * '+', so a plain `git fetch NAME` cannot force the tracking ref back. */
  url_key = g_strdup_printf ("remote.%s.url", name);
  fetch_key = g_strdup_printf ("remote.%s.fetch", name);
  fetch = g_strdup_printf (MAIN_REF ":refs/remotes/%s/main", name);
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
    return chain_git_error (error, status, "cannot set remote %s", name);
  return TRUE;
}

/* What libgit2's transfer callbacks share. */
typedef struct {
  Sync  *sync;
  guint  credential_tries;
  char  *rejection;
} Transfer;

static int
sideband_cb (const char *text,
             int         len,
             void       *payload)
{
  Transfer *t = payload;

  return g_cancellable_is_cancelled (t->sync->cancellable) ? GIT_EUSER : 0;
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
push_progress_cb (unsigned int current,
                  unsigned int total,
                  size_t       bytes,
                  void        *payload)
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

/* ssh keys come from the agent, once; nothing is ever prompted for. */
static int
credentials_cb (git_credential **out,
                const char      *url,
                const char      *username_from_url,
                unsigned int     allowed_types,
                void            *payload)
{
  Transfer *t = payload;
  const char *user = username_from_url != NULL ? username_from_url : g_get_user_name ();

  if (t->credential_tries++ > 0)
    return GIT_PASSTHROUGH;
  if (allowed_types & GIT_CREDENTIAL_SSH_KEY)
    return git_credential_ssh_key_from_agent (out, user);
  if (allowed_types & GIT_CREDENTIAL_USERNAME)
    return git_credential_username_new (out, user);
  return GIT_PASSTHROUGH;
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
  callbacks->payload = t;
}

static gboolean
transfer_error (Sync       *s,
                int         status,
                const char *action,
                const char *display,
                GError    **error)
{
  if (g_cancellable_set_error_if_cancelled (s->cancellable, error))
    {
      git_error_clear ();
      return FALSE;
    }
  return chain_git_error (error, status, "cannot %s %s (check the URL, the network and your "
                          "ssh-agent)", action, display);
}

/* Connects and reads where the remote's main is. */
static gboolean
remote_connect (Sync          *s,
                Remote        *r,
                git_direction  direction,
                Transfer      *t,
                gboolean      *out_found,
                git_oid       *out_tip,
                GError       **error)
{
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  const git_remote_head **heads = NULL;
  size_t n_heads = 0;
  int status;

  transfer_callbacks (t, &callbacks);
  status = git_remote_connect (r->remote, direction, &callbacks, NULL, NULL);
  if (status < 0)
    return transfer_error (s, status, "reach", r->display, error);
  status = git_remote_ls (&heads, &n_heads, r->remote);
  if (status < 0)
    return transfer_error (s, status, "list the refs of", r->display, error);
  *out_found = FALSE;
  for (size_t i = 0; i < n_heads; i++)
    if (strcmp (heads[i]->name, MAIN_REF) == 0)
      {
        *out_found = TRUE;
        *out_tip = heads[i]->oid;
      }
  return TRUE;
}

static gboolean
update_tracking (Sync          *s,
                 Remote        *r,
                 const git_oid *tip,
                 GError       **error)
{
  g_autoptr(git_reference) ref = NULL;
  int status = git_reference_create (&ref, s->repo, r->tracking, tip, 1, "libchain: sync");

  if (status < 0)
    return chain_git_error (error, status, "cannot record where %s is (%s)", r->display,
                            r->tracking);
  return TRUE;
}

gboolean
chain_sync_fetch (const char              *repo_path,
                  const char              *remote,
                  const ChainSyncOptions  *options,
                  ChainSyncResult        **out_result,
                  GCancellable            *cancellable,
                  GError                 **error)
{
  g_auto(Sync) s = { 0 };
  g_auto(Remote) r = { 0 };
  g_autoptr(ChainSyncResult) result = NULL;
  g_autofree char *whose = NULL;
  g_autofree char *log_message = NULL;
  Transfer t = { 0 };
  gboolean found = FALSE;
  gboolean have_tracking = FALSE;
  git_oid tip;
  git_oid tracking;
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (remote != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_SYNC_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sync_open (&s, repo_path, options, cancellable, error)
      || !sync_check_local (&s, error)
      || !remote_open (&s, remote, GIT_DIRECTION_FETCH, &r, error)
      || !read_ref (s.repo, r.tracking, &have_tracking, &tracking, error))
    return FALSE;

  t.sync = &s;
  if (!remote_connect (&s, &r, GIT_DIRECTION_FETCH, &t, &found, &tip, error))
    return FALSE;
  if (found && !commit_exists (s.repo, &tip))
    {
      git_fetch_options fetch_options = GIT_FETCH_OPTIONS_INIT;
      char *refspecs[] = { (char *) MAIN_REF };
      git_strarray specs = { refspecs, 1 };

      transfer_callbacks (&t, &fetch_options.callbacks);
      fetch_options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
      fetch_options.update_fetchhead = 0;
      status = git_remote_download (r.remote, &specs, &fetch_options);
      if (status < 0)
        return transfer_error (&s, status, "fetch from", r.display, error);
    }
  git_remote_disconnect (r.remote);

  whose = g_strdup_printf ("%s's main", r.display);
  if (!found)
    {
      guint64 count = 0;

      if (have_tracking)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       "%s no longer has " MAIN_REF " (it was at %s when we last synced): it "
                       "was deleted or replaced, so do not trust it and contact its custodian",
                       r.display, hex (&tracking).s);
          return FALSE;
        }
      if (s.have_local && !walk_linear (&s, &s.local, NULL, &count, error))
        return FALSE;
      if (out_result != NULL)
        *out_result = s.have_local
          ? result_new (CHAIN_SYNC_REMOTE_BEHIND, &s.local, &s.local, count, (gint64) count - 1)
          : result_new (CHAIN_SYNC_UP_TO_DATE, NULL, NULL, 0, -1);
      return TRUE;
    }
  if (!commit_exists (s.repo, &tip))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   "%s names %s, which is not a commit it sent; do not trust it", whose,
                   hex (&tip).s);
      return FALSE;
    }

  /* The pin speaks first: a rewrite is the louder finding. */
  if (!refuse_if_rewritten (&s, &tip, whose, error))
    return FALSE;
  if (have_tracking)
    {
      gboolean descends = FALSE;

      if (!descends_or_equal (s.repo, &tip, &tracking, &descends, error))
        return FALSE;
      if (!descends)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       "%s was rolled back or force-pushed: its main %s does not descend from "
                       "%s, where it was when we last synced; do not trust it and contact its "
                       "custodian", r.display, hex (&tip).s, hex (&tracking).s);
          return FALSE;
        }
    }

  log_message = g_strdup_printf ("libchain: fetch from %s", r.display);
  if (!integrate (&s, &tip, whose, FALSE, log_message, &result, error))
    return FALSE;
  if (!update_tracking (&s, &r, &tip, error))
    return FALSE;
  if (out_result != NULL)
    *out_result = g_steal_pointer (&result);
  return TRUE;
}

/* ---- Push ---------------------------------------------------------------- */

static gboolean
push_refused (Sync          *s,
              Remote        *r,
              const git_oid *remote_tip,
              GError       **error)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
               "%s has records this ledger lacks (its main is at %s); nothing was pushed: "
               "sync (fetch) first, then push again", r->display, hex (remote_tip).s);
  return FALSE;
}

/* Whether @remote_tip (if any) is ours or below ours; counts what we add. */
static gboolean
push_is_fast_forward (Sync          *s,
                      Remote        *r,
                      gboolean       found,
                      const git_oid *remote_tip,
                      guint64       *out_count,
                      GError       **error)
{
  gboolean below = FALSE;

  if (found)
    {
      if (!commit_exists (s->repo, remote_tip))
        return push_refused (s, r, remote_tip, error);
      if (!descends_or_equal (s->repo, &s->local, remote_tip, &below, error))
        return FALSE;
      if (!below)
        return push_refused (s, r, remote_tip, error);
    }
  return walk_linear (s, &s->local, found ? remote_tip : NULL, out_count, error);
}

/* A local bare repository gets the pack and a compare-and-swap of its
 * main: libgit2 1.5's local transport would overwrite the ref without
 * comparing it with what it read. */
static gboolean
push_local (Sync             *s,
            Remote           *r,
            const char       *path,
            ChainSyncResult **out_result,
            GError          **error)
{
  g_autoptr(git_repository) other = NULL;
  g_autoptr(git_reference) ref = NULL;
  g_autoptr(SyncPackbuilder) pack = NULL;
  g_autoptr(SyncRevwalk) walk = NULL;
  g_autofree char *pack_dir = NULL;
  git_buf objects = GIT_BUF_INIT;
  gboolean found = FALSE;
  guint64 count = 0;
  git_oid remote_tip;
  int status;

  status = git_repository_open_ext (&other, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status < 0)
    return transfer_error (s, status, "open", r->display, error);
  if (!git_repository_is_bare (other))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   "%s is not a bare repository; push to a bare one (git init --bare)",
                   r->display);
      return FALSE;
    }
  if (!read_ref (other, MAIN_REF, &found, &remote_tip, error))
    return FALSE;
  if (found && git_oid_equal (&remote_tip, &s->local))
    {
      if (!update_tracking (s, r, &s->local, error))
        return FALSE;
      if (out_result != NULL)
        *out_result = result_new (CHAIN_SYNC_UP_TO_DATE, &s->local, &s->local, 0,
                                  tip_seq (s, &s->local));
      return TRUE;
    }
  if (!push_is_fast_forward (s, r, found, &remote_tip, &count, error))
    return FALSE;

  if ((status = git_packbuilder_new (&pack, s->repo)) < 0
      || (status = git_revwalk_new (&walk, s->repo)) < 0
      || (status = git_revwalk_push (walk, &s->local)) < 0
      || (found && (status = git_revwalk_hide (walk, &remote_tip)) < 0)
      || (status = git_packbuilder_insert_walk (pack, walk)) < 0)
    return chain_git_error (error, status, "cannot pack the records for %s", r->display);
  status = git_repository_item_path (&objects, other, GIT_REPOSITORY_ITEM_OBJECTS);
  if (status < 0)
    return chain_git_error (error, status, "cannot find the objects of %s", r->display);
  pack_dir = g_build_filename (objects.ptr, "pack", NULL);
  git_buf_dispose (&objects);
  status = git_packbuilder_write (pack, pack_dir, 0, NULL, NULL);
  if (status < 0)
    return chain_git_error (error, status, "cannot write the records to %s", r->display);

  if (found)
    status = git_reference_create_matching (&ref, other, MAIN_REF, &s->local, 1, &remote_tip,
                                            "libchain: push");
  else
    status = git_reference_create (&ref, other, MAIN_REF, &s->local, 0, "libchain: push");
  if (status == GIT_EMODIFIED || status == GIT_EEXISTS || status == GIT_ELOCKED)
    {
      git_error_clear ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   "%s moved while we pushed (another custodian pushed first); nothing was "
                   "changed: sync (fetch) first, then push again", r->display);
      return FALSE;
    }
  if (status < 0)
    return chain_git_error (error, status, "cannot move the main of %s", r->display);
  if (!update_tracking (s, r, &s->local, error))
    return FALSE;
  if (out_result != NULL)
    *out_result = result_new (CHAIN_SYNC_FAST_FORWARDED, found ? &remote_tip : NULL, &s->local,
                              count, tip_seq (s, &s->local));
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
chain_sync_push (const char              *repo_path,
                 const char              *remote,
                 const ChainSyncOptions  *options,
                 ChainSyncResult        **out_result,
                 GCancellable            *cancellable,
                 GError                 **error)
{
  g_auto(Sync) s = { 0 };
  g_auto(Remote) r = { 0 };
  g_autofree char *path = NULL;
  git_push_options push_options = GIT_PUSH_OPTIONS_INIT;
  char *refspecs[] = { (char *) MAIN_REF ":" MAIN_REF };
  git_strarray specs = { refspecs, 1 };
  Transfer t = { 0 };
  gboolean found = FALSE;
  guint64 count = 0;
  git_oid remote_tip;
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (remote != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_SYNC_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sync_open (&s, repo_path, options, cancellable, error)
      || !sync_check_local (&s, error)
      || !remote_open (&s, remote, GIT_DIRECTION_PUSH, &r, error))
    return FALSE;
  if (!s.have_local)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   "the ledger at %s has no records to push; fetch or create one first",
                   repo_path);
      return FALSE;
    }
  path = local_remote_path (r.url);
  if (path != NULL)
    return push_local (&s, &r, path, out_result, error);

  t.sync = &s;
  if (!remote_connect (&s, &r, GIT_DIRECTION_PUSH, &t, &found, &remote_tip, error))
    return FALSE;
  if (found && git_oid_equal (&remote_tip, &s.local))
    {
      git_remote_disconnect (r.remote);
      if (!update_tracking (&s, &r, &s.local, error))
        return FALSE;
      if (out_result != NULL)
        *out_result = result_new (CHAIN_SYNC_UP_TO_DATE, &s.local, &s.local, 0,
                                  tip_seq (&s, &s.local));
      return TRUE;
    }
  if (!push_is_fast_forward (&s, &r, found, &remote_tip, &count, error))
    return FALSE;

  /* No '+': libgit2 checks the fast-forward again, and the server updates
   * the ref only if it still is where it told us. */
  transfer_callbacks (&t, &push_options.callbacks);
  status = git_remote_push (r.remote, &specs, &push_options);
  if (status == GIT_ENONFASTFORWARD)
    {
      git_error_clear ();
      g_free (t.rejection);
      return push_refused (&s, &r, &remote_tip, error);
    }
  if (status < 0)
    {
      g_free (t.rejection);
      return transfer_error (&s, status, "push to", r.display, error);
    }
  if (t.rejection != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   "%s refused the update (%s); it probably moved: sync (fetch) first, then "
                   "push again", r.display, t.rejection);
      g_free (t.rejection);
      return FALSE;
    }
  if (!update_tracking (&s, &r, &s.local, error))
    return FALSE;
  if (out_result != NULL)
    *out_result = result_new (CHAIN_SYNC_FAST_FORWARDED, found ? &remote_tip : NULL, &s.local,
                              count, tip_seq (&s, &s.local));
  return TRUE;
}

/* ---- Bundle files -------------------------------------------------------- */

typedef struct {
  Sync    *sync;
  int      fd;
  int      saved_errno;
} BundleWriter;

static gboolean
write_all (int         fd,
           const void *data,
           gsize       len)
{
  const char *at = data;

  while (len > 0)
    {
      gssize done = write (fd, at, len);

      if (done < 0 && errno == EINTR)
        continue;
      if (done <= 0)
        return FALSE;
      at += done;
      len -= (gsize) done;
    }
  return TRUE;
}

static int
bundle_write_cb (void   *data,
                 size_t  len,
                 void   *payload)
{
  BundleWriter *w = payload;

  if (g_cancellable_is_cancelled (w->sync->cancellable))
    return GIT_EUSER;
  if (!write_all (w->fd, data, len))
    {
      w->saved_errno = errno != 0 ? errno : EIO;
      return GIT_EUSER;
    }
  return 0;
}

static int
pack_progress_cb (int       stage,
                  uint32_t  current,
                  uint32_t  total,
                  void     *payload)
{
  Sync *s = payload;

  if (g_cancellable_is_cancelled (s->cancellable))
    return GIT_EUSER;
  if (s->options.progress != NULL)
    s->options.progress (CHAIN_SYNC_STAGE_WRITING, current, total, s->options.progress_data);
  return 0;
}

/* The base's subject, as git writes it after a prerequisite: printable
 * ASCII only, so that the header stays one line per entry. */
static char *
prerequisite_comment (git_repository *repo,
                      const git_oid  *base)
{
  g_autoptr(git_commit) commit = NULL;
  const char *summary = NULL;
  GString *out = g_string_new (NULL);

  if (git_commit_lookup (&commit, repo, base) == 0)
    summary = git_commit_summary (commit);
  git_error_clear ();
  for (const char *p = summary; p != NULL && *p != '\0' && out->len < BUNDLE_COMMENT_MAX; p++)
    g_string_append_c (out, g_ascii_isprint (*p) ? *p : '?');
  return g_string_free (out, FALSE);
}

gboolean
chain_sync_bundle_create (const char              *repo_path,
                          const char              *bundle_path,
                          const char              *base,
                          const ChainSyncOptions  *options,
                          guint64                 *out_records,
                          GCancellable            *cancellable,
                          GError                 **error)
{
  g_auto(Sync) s = { 0 };
  g_autoptr(SyncPackbuilder) pack = NULL;
  g_autoptr(SyncRevwalk) walk = NULL;
  g_autoptr(GString) header = g_string_new (BUNDLE_SIGNATURE);
  g_autofree char *tmp_path = NULL;
  BundleWriter writer = { 0 };
  guint64 count = 0;
  git_oid base_oid;
  gboolean ok;
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (bundle_path != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_SYNC_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sync_open (&s, repo_path, options, cancellable, error) || !sync_check_local (&s, error))
    return FALSE;
  if (!s.have_local)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   "the ledger at %s has no records to bundle", repo_path);
      return FALSE;
    }
  if (g_file_test (bundle_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                   "%s already exists; choose a new file for the bundle", bundle_path);
      return FALSE;
    }
  if (base != NULL)
    {
      gboolean below = FALSE;

      if (!parse_commit_id (base, strlen (base), &base_oid))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       "the bundle's base must be a commit id of 40 lower-case hex digits");
          return FALSE;
        }
      if (git_oid_equal (&base_oid, &s.local))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       "nothing to bundle: the receiver already has our tip %s", base);
          return FALSE;
        }
      if (!commit_exists (s.repo, &base_oid))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       "commit %s is not in this ledger; give a tip the receiver holds, or "
                       "make a full bundle", base);
          return FALSE;
        }
      if (!descends_or_equal (s.repo, &s.local, &base_oid, &below, error))
        return FALSE;
      if (!below)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       "commit %s is not one of this ledger's records; give a tip the receiver "
                       "holds, or make a full bundle", base);
          return FALSE;
        }
    }
  if (!walk_linear (&s, &s.local, base != NULL ? &base_oid : NULL, &count, error))
    return FALSE;

  if ((status = git_packbuilder_new (&pack, s.repo)) < 0
      || (status = git_packbuilder_set_callbacks (pack, pack_progress_cb, &s)) < 0
      || (status = git_revwalk_new (&walk, s.repo)) < 0
      || (status = git_revwalk_push (walk, &s.local)) < 0
      || (base != NULL && (status = git_revwalk_hide (walk, &base_oid)) < 0)
      || (status = git_packbuilder_insert_walk (pack, walk)) < 0)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      return chain_git_error (error, status, "cannot pack the ledger for the bundle");
    }

  if (base != NULL)
    {
      g_autofree char *comment = prerequisite_comment (s.repo, &base_oid);

      g_string_append_printf (header, "-%s %s\n", base, comment);
    }
  g_string_append_printf (header, "%s " MAIN_REF "\n\n", hex (&s.local).s);

  tmp_path = g_strdup_printf ("%s.tmp-XXXXXX", bundle_path);
  writer.sync = &s;
  writer.fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0644);
  if (writer.fd < 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot create the bundle %s: %s",
                   bundle_path, g_strerror (saved));
      return FALSE;
    }
  ok = write_all (writer.fd, header->str, header->len);
  if (!ok)
    writer.saved_errno = errno;
  if (ok && (status = git_packbuilder_foreach (pack, bundle_write_cb, &writer)) != 0)
    ok = FALSE;
  if (ok && fsync (writer.fd) != 0)
    {
      writer.saved_errno = errno;
      ok = FALSE;
    }
  if (close (writer.fd) != 0 && ok)
    {
      writer.saved_errno = errno;
      ok = FALSE;
    }
  if (ok && g_rename (tmp_path, bundle_path) != 0)
    {
      writer.saved_errno = errno;
      ok = FALSE;
    }
  if (!ok)
    {
      g_unlink (tmp_path);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (writer.saved_errno != 0)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot write the bundle %s: %s",
                     bundle_path, g_strerror (writer.saved_errno));
      else
        chain_git_error (error, status, "cannot write the bundle %s", bundle_path);
      return FALSE;
    }
  fsync_parent_dir (bundle_path);
  if (out_records != NULL)
    *out_records = count;
  return TRUE;
}

typedef struct {
  GArray  *prerequisites;   /* git_oid */
  git_oid  tip;
} BundleHeader;

static void
bundle_header_clear (BundleHeader *header)
{
  g_clear_pointer (&header->prerequisites, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BundleHeader, bundle_header_clear)

static gboolean
bundle_invalid (GError    **error,
                const char *name,
                const char *why)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               "%s is not a ledger bundle: %s; ask its sender for one made by chain bundle "
               "create", name, why);
  return FALSE;
}

/* Where the header's closing blank line ends ("\n\n"), or NULL. */
static const char *
find_blank_line (const char *data,
                 gsize       len)
{
  for (gsize i = 0; i + 1 < len; i++)
    if (data[i] == '\n' && data[i + 1] == '\n')
      return data + i;
  return NULL;
}

/* Parses @data, the header up to and including the blank line that ends it. */
static gboolean
bundle_header_parse (const char   *data,
                     gsize         len,
                     const char   *name,
                     BundleHeader *out,
                     GError      **error)
{
  gsize pos = strlen (BUNDLE_SIGNATURE);
  guint refs = 0;

  if (len < pos || memcmp (data, BUNDLE_SIGNATURE, pos) != 0)
    {
      if (len >= pos && memcmp (data, BUNDLE_V3_SIGNATURE, pos) == 0)
        return bundle_invalid (error, name, "it is a version 3 git bundle (make version 2 ones, "
                               "git bundle create --version=2)");
      return bundle_invalid (error, name, "it does not start as a git bundle v2 does");
    }
  if (memchr (data, '\0', len) != NULL)
    return bundle_invalid (error, name, "its header holds a NUL byte");

  out->prerequisites = g_array_new (FALSE, FALSE, sizeof (git_oid));
  while (pos < len)
    {
      const char *line = data + pos;
      const char *eol = memchr (line, '\n', len - pos);
      gsize line_len;
      git_oid oid;

      if (eol == NULL)
        return bundle_invalid (error, name, "its header is cut short");
      line_len = (gsize) (eol - line);
      pos += line_len + 1;
      if (line_len == 0)
        break;
      if (line[0] == '-')
        {
          if (refs > 0)
            return bundle_invalid (error, name, "a prerequisite follows its ref");
          if (line_len < 1 + HEX_LEN || !parse_commit_id (line + 1, HEX_LEN, &oid)
              || (line_len > 1 + HEX_LEN && line[1 + HEX_LEN] != ' '))
            return bundle_invalid (error, name, "a prerequisite line is malformed");
          if (out->prerequisites->len >= BUNDLE_MAX_PREREQUISITES)
            return bundle_invalid (error, name, "it has too many prerequisites");
          g_array_append_val (out->prerequisites, oid);
          continue;
        }
      if (line_len < HEX_LEN + 2 || line[HEX_LEN] != ' ' || !parse_commit_id (line, HEX_LEN, &oid))
        return bundle_invalid (error, name, "a ref line is malformed");
      if (refs > 0)
        return bundle_invalid (error, name, "it carries more than one ref, and a ledger bundle "
                               "carries " MAIN_REF " only");
      if (line_len - HEX_LEN - 1 != strlen (MAIN_REF)
          || memcmp (line + HEX_LEN + 1, MAIN_REF, strlen (MAIN_REF)) != 0)
        return bundle_invalid (error, name, "it carries a ref other than " MAIN_REF);
      out->tip = oid;
      refs++;
    }
  if (pos != len)
    return bundle_invalid (error, name, "its header does not end where it should");
  if (refs == 0)
    return bundle_invalid (error, name, "it carries no ref");
  return TRUE;
}

/* Streams the pack that follows the header into the object database; the
 * indexer checks the pack's form and checksum and completes thin packs
 * (git's own bundles are thin) from what we hold. Whether the new records
 * reach only objects we now have is checked before our main moves. */
static gboolean
bundle_index_pack (Sync       *s,
                   int         fd,
                   guint64     offset,
                   guint64     size,
                   const char *name,
                   GError    **error)
{
  g_autoptr(git_odb) odb = NULL;
  g_autoptr(SyncIndexer) indexer = NULL;
  g_autofree char *buffer = g_malloc (IO_CHUNK);
  g_autofree char *pack_dir = NULL;
  git_indexer_options indexer_options = GIT_INDEXER_OPTIONS_INIT;
  git_indexer_progress stats = { 0 };
  git_buf objects = GIT_BUF_INIT;
  guint64 done = offset;
  int status;

  if ((status = git_repository_odb (&odb, s->repo)) < 0
      || (status = git_repository_item_path (&objects, s->repo, GIT_REPOSITORY_ITEM_OBJECTS)) < 0)
    return chain_git_error (error, status, "cannot open the ledger's object database");
  pack_dir = g_build_filename (objects.ptr, "pack", NULL);
  git_buf_dispose (&objects);
  status = git_indexer_new (&indexer, pack_dir, 0, odb, &indexer_options);
  if (status < 0)
    return chain_git_error (error, status, "cannot unpack the bundle %s", name);

  if (lseek (fd, (off_t) offset, SEEK_SET) < 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot read the bundle %s: %s", name,
                   g_strerror (saved));
      return FALSE;
    }
  for (;;)
    {
      gssize got = read (fd, buffer, IO_CHUNK);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved = errno;

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot read the bundle %s: %s", name,
                       g_strerror (saved));
          return FALSE;
        }
      if (got == 0)
        break;
      if (g_cancellable_set_error_if_cancelled (s->cancellable, error))
        return FALSE;
      status = git_indexer_append (indexer, buffer, (size_t) got, &stats);
      if (status < 0)
        break;
      done += (guint64) got;
      if (s->options.progress != NULL)
        s->options.progress (CHAIN_SYNC_STAGE_READING, done, size, s->options.progress_data);
    }
  if (status >= 0)
    status = git_indexer_commit (indexer, &stats);
  if (status < 0)
    {
      const git_error *last = git_error_last ();
      g_autofree char *reason = g_strdup (last != NULL && last->message != NULL
                                          ? last->message : "unreadable pack");

      git_error_clear ();
      g_strdelimit (reason, "\r\n", ' ');
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   "the bundle %s is damaged or cut short (%s); ask its sender for a new one",
                   name, g_strstrip (reason));
      return FALSE;
    }
  /* The odb learns about the new pack now rather than on a lookup miss. */
  git_odb_refresh (odb);
  return TRUE;
}

gboolean
chain_sync_bundle_import (const char              *repo_path,
                          const char              *bundle_path,
                          const ChainSyncOptions  *options,
                          ChainSyncResult        **out_result,
                          GCancellable            *cancellable,
                          GError                 **error)
{
  g_auto(Sync) s = { 0 };
  g_auto(BundleHeader) header = { 0 };
  g_autofree char *name = NULL;
  g_autofree char *whose = NULL;
  g_autofree char *log_message = NULL;
  g_autofree char *data = NULL;
  const char *end;
  struct stat st;
  guint64 max_size;
  gsize header_len;
  gsize len = 0;
  g_autoptr(GError) ignored = NULL;
  gboolean known = FALSE;
  gboolean ok;
  int fd;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (bundle_path != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_SYNC_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  name = g_path_get_basename (bundle_path);
  max_size = options != NULL && options->max_bundle_size != 0 ? options->max_bundle_size
                                                              : CHAIN_SYNC_BUNDLE_MAX_SIZE;
  fd = g_open (bundle_path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, saved == ENOENT ? CHAIN_ERROR_NOT_FOUND : CHAIN_ERROR_IO,
                   "cannot open the bundle %s: %s", bundle_path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return bundle_invalid (error, name, "it is not a regular file");
    }
  if ((guint64) st.st_size > max_size)
    {
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   "the bundle %s is %" G_GUINT64_FORMAT " bytes, more than the %"
                   G_GUINT64_FORMAT " allowed; split the transfer or raise the limit",
                   name, (guint64) st.st_size, max_size);
      return FALSE;
    }

  /* The header must end, with a blank line, within its first 64 KiB. */
  data = g_malloc (BUNDLE_HEADER_MAX);
  while (len < BUNDLE_HEADER_MAX)
    {
      gssize got = read (fd, data + len, BUNDLE_HEADER_MAX - len);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot read the bundle %s: %s",
                       bundle_path, g_strerror (saved));
          return FALSE;
        }
      if (got == 0)
        break;
      len += (gsize) got;
    }
  end = find_blank_line (data, len);
  if (end == NULL)
    {
      close (fd);
      if (len == 0)
        return bundle_invalid (error, name, "it is empty");
      /* Let the parser name a wrong signature; otherwise the end is missing. */
      if (len < strlen (BUNDLE_SIGNATURE) || memcmp (data, BUNDLE_SIGNATURE, strlen (BUNDLE_SIGNATURE)) != 0)
        return bundle_header_parse (data, len, name, &header, error);
      return bundle_invalid (error, name, len == BUNDLE_HEADER_MAX
                             ? "its header is larger than 64 KiB" : "its header is cut short");
    }
  header_len = (gsize) (end - data) + 2;
  if (!bundle_header_parse (data, header_len, name, &header, error))
    {
      close (fd);
      return FALSE;
    }

  if (!sync_open (&s, repo_path, options, cancellable, error) || !sync_check_local (&s, error))
    {
      close (fd);
      return FALSE;
    }

  /* A tip that is ours or older needs nothing from the pack. Any other is
   * unpacked even if we hold its commit: what an earlier, damaged bundle
   * left may lack objects that this one brings. */
  if (s.have_local && commit_exists (s.repo, &header.tip)
      && !descends_or_equal (s.repo, &s.local, &header.tip, &known, &ignored))
    known = FALSE;
  if (!known)
    {
      for (guint i = 0; i < header.prerequisites->len; i++)
        {
          const git_oid *needed = &g_array_index (header.prerequisites, git_oid, i);

          if (!commit_exists (s.repo, needed))
            {
              close (fd);
              g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                           "the bundle %s needs record %s, which this ledger lacks; import the "
                           "bundles before it first, or ask for a full one", name,
                           hex (needed).s);
              return FALSE;
            }
        }
      ok = bundle_index_pack (&s, fd, header_len, (guint64) st.st_size, name, error);
      close (fd);
      if (!ok)
        return FALSE;
      if (!commit_exists (s.repo, &header.tip))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       "the bundle %s does not hold its own tip %s; ask its sender for a new one",
                       name, hex (&header.tip).s);
          return FALSE;
        }
    }
  else
    close (fd);

  whose = g_strdup_printf ("bundle %s", name);
  log_message = g_strdup_printf ("libchain: import bundle %s", name);
  return integrate (&s, &header.tip, whose, TRUE, log_message, out_result, error);
}
