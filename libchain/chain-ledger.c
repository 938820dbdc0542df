/* chain-ledger.c — the ledger repository: index, append with compare-and-swap
 *
 * Writing a record: objects first (blobs, the record's trees, the changed
 * path trees, the signed commit), kept in memory and then written as one
 * pack with its index, both fsynced (chain-ledger-pack.c), then
 * refs/heads/main moves with
 * git_reference_create_matching(), which locks the ref, compares it with
 * the tip we built on, and renames the new value into place. Until that
 * rename the new objects are unreferenced garbage, so a crash anywhere
 * leaves the old tip or the new one. After the move, more than a few packs
 * are merged into one (chain_ledger_packer_consolidate()).
 *
 * Reading: an array from sequence number to commit id, built by walking
 * first parents back from the tip until it meets what is already indexed.
 * It is cached in GIT_DIR/libchain-index ("libchain-index 1\n" then raw
 * 20-byte commit ids in sequence order) and trusted only as far as the walk
 * from the real tip meets it; chain_record_load() then checks that every
 * record's parent is the indexed predecessor, so a stale or forged cache
 * cannot show a record out of place.
 *
 * Test hook, compiled only into the tests' build of libchain (with
 * CHAIN_TEST_HOOKS; never into the installed library):
 * LIBCHAIN_TEST_KILL_AT=STEP[:N] makes the process SIGKILL itself the Nth
 * time (default 1) an append reaches STEP (start, checked, blobs, trees,
 * commit, pack, ref), or a sync's re-append reaches one of its steps
 * (sync-intent, sync-main: chain_ledger_kill_point()), so a crash test can
 * stop a writer between any two steps. It is read when a ledger is opened
 * and costs nothing unset.
 */
#include "chain-ledger-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chain-cms-private.h"
#include "chain-ledger-pack-private.h"
#include "chain-pki-private.h"

#define MAIN_REF "refs/heads/main"
#define INDEX_FILE "libchain-index"
#define INDEX_MAGIC "libchain-index 1\n"
#define INDEX_MAX_LEN ((gsize) 512 * 1024 * 1024)
/* Rewrite the index cache once this many records were indexed beyond it. */
#define INDEX_SAVE_STEP 1000
#define MAX_ATTEMPTS 100
#define MAX_BACKOFF_MS 64
/* libchain moves refs/heads/main while holding this flock(); a ref lock
 * older than STALE_REF_LOCK_SECONDS that no libchain writer holds is one
 * a killed writer left. */
#define REF_GUARD_FILE "chain-ref.lock"
#define STALE_REF_LOCK_SECONDS 1
#define MARK_KEY "libchain.format"

typedef struct {
  git_oid oid;
  char    digest[65];   /* "" until known */
} IndexEntry;

struct _ChainLedgerSigner {
  ChainKey  *key;           /* borrowed */
  ChainCert *cert;
  GPtrArray *intermediates;
  char      *name;          /* for the committer line */
  char      *email;
};

struct _ChainLedger {
  char            *path;
  ChainLedgerRepo *repo;
  ChainLedgerPacker *packer;     /* what appends write objects through; NULL until one */
  GArray          *index;        /* IndexEntry */
  gsize            saved_len;    /* entries in the cache file as we last wrote or read it */
  char            *ledger_id;
  char             tip_hex[GIT_OID_HEXSZ + 1];
  /* What the next append needs from the tip, when we wrote it. */
  git_oid          tip_tree;
  gboolean         tip_tree_known;
  GRand           *rand;
  char            *kill_step;
  guint            kill_at;
  guint            kill_hits;
};

ChainLedgerRepo *
chain_ledger_repo_ref (ChainLedgerRepo *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
chain_ledger_repo_unref (ChainLedgerRepo *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  git_repository_free (self->repo);
  g_free (self);
  git_libgit2_shutdown ();
}

/* Every ledger handle holds one libgit2 initialisation. */
static void
git_setup (void)
{
  git_libgit2_init ();
  /* Objects and refs reach the disk before the ref names them. */
  git_libgit2_opts (GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
}

/* ---- Signer --------------------------------------------------------------- */

/* git refuses '<', '>' and newlines in names; keep it to printable ASCII. */
static char *
sanitise_name (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      char c = *p;

      g_string_append_c (out, (c >= 0x20 && c < 0x7f && c != '<' && c != '>') ? c : '?');
    }
  g_strstrip (out->str);
  out->len = strlen (out->str);
  if (out->len == 0)
    g_string_append (out, "officer");
  return g_string_free (out, FALSE);
}

ChainLedgerSigner *
chain_ledger_signer_new (ChainKey   *key,
                         ChainCert  *cert,
                         GPtrArray  *intermediates,
                         GError    **error)
{
  ChainLedgerSigner *self = NULL;
  g_autoptr(ChainName) subject = NULL;
  g_autofree char *common_name = NULL;
  g_autofree char *key_id = NULL;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (cert != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!chain_cms_check_officer (cert, CHAIN_ERROR_REFUSED, error))
    return NULL;
  if (!chain_cert_matches_key (cert, key))
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the key does not match the officer certificate: "
                             "pass the key the certificate was issued for"));
      return NULL;
    }

  self = g_new0 (ChainLedgerSigner, 1);
  self->key = key;
  self->cert = chain_cert_copy (cert);
  self->intermediates = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  for (guint i = 0; intermediates != NULL && i < intermediates->len; i++)
    g_ptr_array_add (self->intermediates, chain_cert_copy (g_ptr_array_index (intermediates, i)));
  subject = chain_cert_dup_subject (cert);
  common_name = chain_name_dup_common_name (subject);
  self->name = sanitise_name (common_name != NULL ? common_name : "officer");
  key_id = chain_cert_dup_public_key_sha256 (cert);
  /* Names the officer's key: `git log --format=%ce` tells officers apart. */
  self->email = g_strdup_printf ("%.16s@officer.libchain.invalid", key_id);
  return self;
}

void
chain_ledger_signer_free (ChainLedgerSigner *self)
{
  if (self == NULL)
    return;
  chain_cert_free (self->cert);
  g_ptr_array_unref (self->intermediates);
  g_free (self->name);
  g_free (self->email);
  g_free (self);
}

/* ---- Index ---------------------------------------------------------------- */

static IndexEntry *
index_entry (ChainLedger *self,
             guint64      seq)
{
  return &g_array_index (self->index, IndexEntry, seq);
}

static char *
index_cache_path (ChainLedger *self)
{
  return g_build_filename (git_repository_path (self->repo->repo), INDEX_FILE, NULL);
}

static void
index_cache_load (ChainLedger *self)
{
  g_autofree char *path = index_cache_path (self);
  g_autofree char *contents = NULL;
  gsize len = 0;
  gsize magic_len = strlen (INDEX_MAGIC);
  GStatBuf st;

  if (g_stat (path, &st) != 0 || (gsize) st.st_size > INDEX_MAX_LEN
      || !g_file_get_contents (path, &contents, &len, NULL)
      || len < magic_len || memcmp (contents, INDEX_MAGIC, magic_len) != 0)
    return;
  for (gsize pos = magic_len; pos + GIT_OID_RAWSZ <= len; pos += GIT_OID_RAWSZ)
    {
      IndexEntry entry = { { { 0 } }, "" };

      git_oid_fromraw (&entry.oid, (const unsigned char *) contents + pos);
      g_array_append_val (self->index, entry);
    }
  self->saved_len = self->index->len;
}

/* Best effort: a read-only repository simply goes without. */
static void
index_cache_save (ChainLedger *self)
{
  g_autofree char *path = index_cache_path (self);
  g_autoptr(GByteArray) data = g_byte_array_sized_new ((guint) (strlen (INDEX_MAGIC)
                                                                + self->index->len
                                                                  * GIT_OID_RAWSZ));
  g_autoptr(GError) local = NULL;

  g_byte_array_append (data, (const guint8 *) INDEX_MAGIC, (guint) strlen (INDEX_MAGIC));
  for (guint i = 0; i < self->index->len; i++)
    g_byte_array_append (data, index_entry (self, i)->oid.id, GIT_OID_RAWSZ);
  if (!g_file_set_contents_full (path, (const char *) data->data, data->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local))
    g_debug ("not caching the ledger index: %s", local->message);
  else
    self->saved_len = self->index->len;
}

static gboolean
first_parent (ChainLedger   *self,
              git_odb       *odb,
              const git_oid *oid,
              git_oid       *out_parent,
              gboolean      *out_has_parent,
              GError       **error)
{
  g_autoptr(git_odb_object) object = NULL;
  const char *data = NULL;
  gsize len = 0;
  const gsize tree_line = 5 + GIT_OID_HEXSZ + 1;
  int status;

  status = git_odb_read (&object, odb, oid);
  if (status == GIT_ENOTFOUND)
    {
      char hex[GIT_OID_HEXSZ + 1];

      git_oid_tostr (hex, sizeof hex, oid);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   /* Translators: "commit ABBREVIATED-ID on GIT-REF-NAME ..." */
                   _("commit %.12s on %s is missing from the repository; fetch the "
                     "ledger again"), hex, MAIN_REF);
      return FALSE;
    }
  if (status < 0)
    return chain_git_error (error, status, _("cannot read the ledger's history"));

  data = git_odb_object_data (object);
  len = git_odb_object_size (object);
  if (git_odb_object_type (object) != GIT_OBJECT_COMMIT || len < tree_line
      || memcmp (data, "tree ", 5) != 0)
    {
      char hex[GIT_OID_HEXSZ + 1];

      git_oid_tostr (hex, sizeof hex, oid);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   /* Translators: "object ABBREVIATED-ID on GIT-REF-NAME ..." */
                   _("object %.12s on %s is not a commit"), hex, MAIN_REF);
      return FALSE;
    }
  /* git writes "tree X\n" then every "parent Y\n" before other headers. */
  *out_has_parent = len >= tree_line + 7 + GIT_OID_HEXSZ
                    && memcmp (data + tree_line, "parent ", 7) == 0
                    && git_oid_fromstrn (out_parent, data + tree_line + 7, GIT_OID_HEXSZ) == 0;
  return TRUE;
}

static gboolean
oid_equal_fn (gconstpointer a,
              gconstpointer b)
{
  return git_oid_equal (a, b);
}

static guint
oid_hash_fn (gconstpointer key)
{
  guint hash;

  memcpy (&hash, ((const git_oid *) key)->id, sizeof hash);
  return hash;
}

gboolean
chain_ledger_refresh (ChainLedger  *self,
                      gboolean     *out_changed,
                      GCancellable *cancellable,
                      GError      **error)
{
  g_autoptr(git_odb) odb = NULL;
  g_autoptr(GArray) walked = NULL;
  g_autoptr(GHashTable) positions = NULL;
  git_oid tip;
  git_oid current;
  guint64 old_len;
  guint64 base = 0;
  gboolean has_parent = TRUE;
  int status;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  old_len = self->index->len;
  status = git_reference_name_to_id (&tip, self->repo->repo, MAIN_REF);
  if (status == GIT_ENOTFOUND)
    {
      g_array_set_size (self->index, 0);
      self->tip_hex[0] = '\0';
      self->tip_tree_known = FALSE;
      if (out_changed != NULL)
        *out_changed = old_len != 0;
      return TRUE;
    }
  if (status < 0)
    /* Translators: "cannot read GIT-REF-NAME of LEDGER-DIRECTORY" */
    return chain_git_error (error, status, _("cannot read %s of %s"), MAIN_REF, self->path);
  if (old_len > 0 && git_oid_equal (&tip, &index_entry (self, old_len - 1)->oid))
    {
      /* Also right after loading the cache, which holds no tip name. */
      git_oid_tostr (self->tip_hex, sizeof self->tip_hex, &tip);
      if (out_changed != NULL)
        *out_changed = FALSE;
      return TRUE;
    }

  status = git_repository_odb (&odb, self->repo->repo);
  if (status < 0)
    return chain_git_error (error, status, _("cannot open the ledger's object database"));

  /* Back from the tip until we meet the indexed tip (an append), any
   * indexed commit (a rollback or a rewrite), or the root. */
  walked = g_array_new (FALSE, FALSE, sizeof (git_oid));
  git_oid_cpy (&current, &tip);
  while (TRUE)
    {
      if (old_len > 0 && git_oid_equal (&current, &index_entry (self, old_len - 1)->oid))
        {
          base = old_len;
          break;
        }
      if (positions == NULL && old_len > 0 && walked->len >= 64)
        {
          positions = g_hash_table_new (oid_hash_fn, oid_equal_fn);
          for (guint i = 0; i < old_len; i++)
            g_hash_table_insert (positions, &index_entry (self, i)->oid, GUINT_TO_POINTER (i + 1));
        }
      if (positions != NULL)
        {
          guint position = GPOINTER_TO_UINT (g_hash_table_lookup (positions, &current));

          if (position != 0)
            {
              base = position;
              break;
            }
        }
      if (walked->len % 1024 == 1023 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_array_append_val (walked, current);
      if (!first_parent (self, odb, &current, &current, &has_parent, error))
        return FALSE;
      if (!has_parent)
        {
          base = 0;
          break;
        }
    }

  /* The hash table points into the array: drop it before resizing. */
  g_clear_pointer (&positions, g_hash_table_unref);
  g_array_set_size (self->index, base);
  for (guint i = walked->len; i > 0; i--)
    {
      IndexEntry entry = { { { 0 } }, "" };

      git_oid_cpy (&entry.oid, &g_array_index (walked, git_oid, i - 1));
      g_array_append_val (self->index, entry);
    }
  git_oid_tostr (self->tip_hex, sizeof self->tip_hex, &tip);
  self->tip_tree_known = FALSE;
  if (base < self->saved_len || self->index->len >= self->saved_len + INDEX_SAVE_STEP)
    index_cache_save (self);
  if (out_changed != NULL)
    *out_changed = TRUE;
  return TRUE;
}

/* ---- Opening -------------------------------------------------------------- */

static ChainLedger *
ledger_new (const char     *path,
            git_repository *repo)
{
  ChainLedger *self = g_new0 (ChainLedger, 1);
#ifdef CHAIN_TEST_HOOKS
  const char *kill_at = g_getenv ("LIBCHAIN_TEST_KILL_AT");
#endif

  self->path = g_strdup (path);
  self->repo = g_new0 (ChainLedgerRepo, 1);
  self->repo->ref_count = 1;
  self->repo->repo = repo;
  self->index = g_array_new (FALSE, FALSE, sizeof (IndexEntry));
  self->rand = g_rand_new_with_seed ((guint32) getpid () ^ (guint32) g_get_monotonic_time ());
#ifdef CHAIN_TEST_HOOKS
  if (kill_at != NULL && kill_at[0] != '\0')
    {
      const char *colon = strchr (kill_at, ':');

      self->kill_step = colon != NULL ? g_strndup (kill_at, (gsize) (colon - kill_at))
                                      : g_strdup (kill_at);
      self->kill_at = colon != NULL ? (guint) g_ascii_strtoull (colon + 1, NULL, 10) : 1;
    }
#endif
  return self;
}

void
chain_ledger_free (ChainLedger *self)
{
  if (self == NULL)
    return;
  if (self->index->len >= self->saved_len + INDEX_SAVE_STEP)
    index_cache_save (self);
  g_free (self->path);
  g_clear_pointer (&self->packer, chain_ledger_packer_free);
  g_clear_pointer (&self->repo, chain_ledger_repo_unref);
  g_array_unref (self->index);
  g_free (self->ledger_id);
  g_rand_free (self->rand);
  g_free (self->kill_step);
  g_free (self);
}

void
chain_ledger_kill_point (ChainLedger *self,
                         const char  *step)
{
#ifdef CHAIN_TEST_HOOKS
  if (G_LIKELY (self->kill_step == NULL) || strcmp (step, self->kill_step) != 0)
    return;
  if (++self->kill_hits >= self->kill_at)
    kill (getpid (), SIGKILL);
#endif
}

/* Takes the flock every libchain writer holds while it moves the main
 * ref; -1 when the guard cannot be opened (the move still works, as git's
 * own lock protects it). */
static int
ref_guard_take (ChainLedger *self,
                gboolean     wait)
{
  g_autofree char *path = g_build_filename (self->path, REF_GUARD_FILE, NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd >= 0 && flock (fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      return -2;
    }
  return fd;
}

static void
ref_guard_release (int fd)
{
  if (fd >= 0)
    close (fd);
}

/* A killed writer leaves refs/heads/main.lock, which would refuse every
 * append until removed by hand: removed here when no libchain writer
 * holds the guard and it has been there a while. */
static void
clear_stale_ref_lock (ChainLedger *self)
{
  g_autofree char *lock = g_build_filename (self->path, MAIN_REF ".lock", NULL);
  struct stat st;
  int fd;

  if (lstat (lock, &st) != 0 || !S_ISREG (st.st_mode) || time (NULL) - st.st_mtime < STALE_REF_LOCK_SECONDS)
    return;
  fd = ref_guard_take (self, FALSE);
  if (fd == -2)
    return;
  if (lstat (lock, &st) == 0 && time (NULL) - st.st_mtime >= STALE_REF_LOCK_SECONDS)
    {
      g_debug ("removing %s, left by a writer that died", lock);
      unlink (lock);
    }
  ref_guard_release (fd);
}

static gboolean
has_mark (git_repository *repo)
{
  git_config *config = NULL;
  int32_t value = 0;
  gboolean marked = FALSE;

  if (git_repository_config_snapshot (&config, repo) == 0)
    marked = git_config_get_int32 (&value, config, MARK_KEY) == 0 && value == 1;
  git_config_free (config);
  git_error_clear ();
  return marked;
}

/* The first commit must hold the genesis directory for a clone without
 * our mark to count as a ledger. */
static gboolean
root_looks_like_genesis (ChainLedger *self)
{
  g_autoptr(git_commit) commit = NULL;
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_tree_entry) entry = NULL;
  gboolean found = FALSE;

  if (git_commit_lookup (&commit, self->repo->repo, &index_entry (self, 0)->oid) == 0
      && git_commit_tree (&tree, commit) == 0
      && git_tree_entry_bypath (&entry, tree, "records/0000/00/00000000-genesis") == 0)
    found = git_tree_entry_filemode (entry) == GIT_FILEMODE_TREE;
  git_error_clear ();
  return found;
}

ChainLedger *
chain_ledger_open (const char   *path,
                   GCancellable *cancellable,
                   GError      **error)
{
  g_autoptr(ChainLedger) self = NULL;
  git_repository *repo = NULL;
  gboolean marked;
  int status;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("no ledger at %s; check the workspace directory (-C)"), path);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a libchain ledger: it is a file, not a git repository"), path);
      return NULL;
    }

  git_setup ();
  status = git_repository_open_ext (&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status == GIT_ENOTFOUND)
    {
      git_error_clear ();
      git_libgit2_shutdown ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a libchain ledger: it is not a git repository"), path);
      return NULL;
    }
  if (status < 0)
    {
      chain_git_error (error, status, _("cannot open the ledger at %s"), path);
      git_libgit2_shutdown ();
      return NULL;
    }

  self = ledger_new (path, repo);
  marked = has_mark (repo);
  index_cache_load (self);
  if (!chain_ledger_refresh (self, NULL, cancellable, error))
    return NULL;
  if (!marked && (self->index->len == 0 || !root_looks_like_genesis (self)))
    {
      if (self->index->len == 0)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     /* Translators: the second %s is a git ref name */
                     _("%s is a git repository but not a libchain ledger: it has no %s and no libchain mark"),
                     path, MAIN_REF);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("%s is a git repository but not a libchain ledger: its first commit holds no genesis record"),
                     path);
      return NULL;
    }
  return g_steal_pointer (&self);
}

ChainLedger *
chain_ledger_init (const char *path,
                   GError    **error)
{
  git_repository_init_options options = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  git_repository *repo = NULL;
  git_config *config = NULL;
  ChainLedger *self = NULL;
  int status;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                   _("%s already exists; choose a new directory for the ledger"), path);
      return NULL;
    }

  git_setup ();
  options.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKDIR
                  | GIT_REPOSITORY_INIT_NO_REINIT;
  options.initial_head = "main";
  status = git_repository_init_ext (&repo, path, &options);
  if (status == 0)
    status = git_repository_config (&config, repo);
  if (status == 0)
    status = git_config_set_int32 (config, MARK_KEY, 1);
  git_config_free (config);
  if (status < 0)
    {
      chain_git_error (error, status, _("cannot create the ledger repository %s"), path);
      git_repository_free (repo);
      git_libgit2_shutdown ();
      return NULL;
    }
  self = ledger_new (path, repo);
  return self;
}

gboolean
chain_remove_tree (const char *path)
{
  GDir *dir = NULL;
  const char *name = NULL;
  gboolean ok = TRUE;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          ok = chain_remove_tree (child) && ok;
        }
      g_clear_pointer (&dir, g_dir_close);
    }
  return g_remove (path) == 0 && ok;
}

ChainLedger *
chain_ledger_create (const char           *path,
                     ChainStatement       *genesis,
                     ChainLedgerSigner    *signer,
                     ChainLedgerCheckFunc  check,
                     gpointer              user_data,
                     GCancellable         *cancellable,
                     GError              **error)
{
  g_autoptr(ChainLedger) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (genesis != NULL, NULL);
  g_return_val_if_fail (signer != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (chain_statement_get_record_type (genesis) != CHAIN_RECORD_TYPE_GENESIS)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a new ledger starts with a genesis statement, not a %s"),
                   chain_statement_get_type_name (genesis));
      return NULL;
    }
  self = chain_ledger_init (path, error);
  if (self == NULL)
    return NULL;
  if (!chain_ledger_append (self, genesis, signer, check, user_data, NULL, cancellable, error))
    {
      /* We made the directory, so removing it takes nothing of anyone's. */
      g_clear_pointer (&self, chain_ledger_free);
      if (!chain_remove_tree (path))
        g_warning ("cannot remove the unfinished ledger %s: %s", path, g_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* ---- Reading -------------------------------------------------------------- */

const char *
chain_ledger_get_path (ChainLedger *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

guint64
chain_ledger_get_length (ChainLedger *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->index->len;
}

const char *
chain_ledger_get_tip_commit_id (ChainLedger *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->index->len > 0 ? self->tip_hex : NULL;
}

static ChainRecord *
load_record (ChainLedger *self,
             guint64      seq,
             GError     **error)
{
  IndexEntry *entry = index_entry (self, seq);
  IndexEntry *previous = seq > 0 ? index_entry (self, seq - 1) : NULL;
  ChainRecord *record = NULL;

  record = chain_record_load (self->repo, seq, &entry->oid,
                              previous != NULL ? &previous->oid : NULL,
                              seq > 0 ? chain_ledger_get_id (self) : NULL,
                              previous != NULL && previous->digest[0] != '\0'
                                ? previous->digest : NULL,
                              error);
  if (record != NULL)
    g_strlcpy (entry->digest, chain_record_get_digest (record), sizeof entry->digest);
  return record;
}

const char *
chain_ledger_get_id (ChainLedger *self)
{
  g_autoptr(ChainRecord) genesis = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->ledger_id == NULL && self->index->len > 0)
    {
      /* A broken genesis leaves the id unknown; reading record 0 says why. */
      genesis = load_record (self, 0, NULL);
      if (genesis != NULL)
        self->ledger_id = g_strdup (chain_record_get_ledger_id (genesis));
    }
  return self->ledger_id;
}

ChainRecord *
chain_ledger_load_record (ChainLedger *self,
                          guint64      seq,
                          GError     **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (seq >= self->index->len)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("record %" PRIu64 " does not exist: the ledger has %u records"),
                   seq, self->index->len);
      return NULL;
    }
  return load_record (self, seq, error);
}

/* ---- Appending ------------------------------------------------------------ */

static gboolean
write_blob (git_repository *repo,
            GBytes         *bytes,
            git_oid        *out_oid,
            GError        **error)
{
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);
  int status = git_blob_create_from_buffer (out_oid, repo, len > 0 ? data : "", len);

  if (status < 0)
    return chain_git_error (error, status, _("cannot write to the ledger"));
  return TRUE;
}

static gboolean
insert (git_treebuilder *builder,
        const char      *name,
        const git_oid   *oid,
        git_filemode_t   mode,
        GError         **error)
{
  int status = git_treebuilder_insert (NULL, builder, name, oid, mode);

  if (status < 0)
    return chain_git_error (error, status, _("cannot build the record's tree"));
  return TRUE;
}

/* record.json for @statement as record @seq after @prev. */
static GBytes *
make_record_json (ChainStatement *statement,
                  guint64         seq,
                  const char     *prev)
{
  g_autoptr(ChainJson) root = chain_json_new_object ();
  g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (statement);
  g_autofree char *statement_digest = chain_statement_dup_digest (statement);
  g_autofree char *signatures_digest = chain_sha256_hex (g_bytes_get_data (signatures, NULL),
                                                         g_bytes_get_size (signatures));

  chain_json_object_set_string (root, "ledger", chain_statement_get_ledger_id (statement));
  chain_json_object_set_string (root, "prev", prev);
  chain_json_object_set_integer (root, "seq", (gint64) seq);
  chain_json_object_set_string (root, "signatures", signatures_digest);
  chain_json_object_set_string (root, "statement", statement_digest);
  chain_json_object_set_integer (root, "version", CHAIN_RECORD_VERSION);
  return chain_json_to_canonical (root);
}

static gboolean
write_record_dir (git_repository *repo,
                  ChainStatement *statement,
                  GBytes         *record_json,
                  git_oid        *out_oid,
                  GError        **error)
{
  g_autoptr(git_treebuilder) builder = NULL;
  g_autoptr(GBytes) statement_json = chain_statement_dup_bytes (statement);
  g_autoptr(GBytes) signatures_json = chain_statement_dup_signatures_bytes (statement);
  g_autofree const char **names = chain_statement_get_artifact_names (statement);
  git_oid oid;
  int status;

  status = git_treebuilder_new (&builder, repo, NULL);
  if (status < 0)
    return chain_git_error (error, status, _("cannot build the record's tree"));
  if (!write_blob (repo, record_json, &oid, error)
      || !insert (builder, "record.json", &oid, GIT_FILEMODE_BLOB, error)
      || !write_blob (repo, statement_json, &oid, error)
      || !insert (builder, "statement.json", &oid, GIT_FILEMODE_BLOB, error)
      || !write_blob (repo, signatures_json, &oid, error)
      || !insert (builder, "signatures.json", &oid, GIT_FILEMODE_BLOB, error))
    return FALSE;

  if (names[0] != NULL)
    {
      g_autoptr(git_treebuilder) artifacts = NULL;

      status = git_treebuilder_new (&artifacts, repo, NULL);
      if (status < 0)
        return chain_git_error (error, status, _("cannot build the record's tree"));
      for (gsize i = 0; names[i] != NULL; i++)
        {
          GBytes *data = NULL;

          chain_statement_get_artifact (statement, names[i], NULL, NULL, &data);
          if (!write_blob (repo, data, &oid, error)
              || !insert (artifacts, names[i], &oid, GIT_FILEMODE_BLOB, error))
            return FALSE;
        }
      status = git_treebuilder_write (&oid, artifacts);
      if (status < 0)
        return chain_git_error (error, status, _("cannot write to the ledger"));
      if (!insert (builder, "artifacts", &oid, GIT_FILEMODE_TREE, error))
        return FALSE;
    }
  status = git_treebuilder_write (out_oid, builder);
  if (status < 0)
    return chain_git_error (error, status, _("cannot write to the ledger"));
  return TRUE;
}

/* The subtree @name of @tree (NULL: none), or NULL if absent. */
static gboolean
subtree (git_repository *repo,
         git_tree       *tree,
         const char     *name,
         git_tree      **out_tree,
         GError        **error)
{
  const git_tree_entry *entry = tree != NULL ? git_tree_entry_byname (tree, name) : NULL;
  int status;

  *out_tree = NULL;
  if (entry == NULL)
    return TRUE;
  status = git_tree_lookup (out_tree, repo, git_tree_entry_id (entry));
  if (status < 0)
    return chain_git_error (error, status, _("cannot read the tip's tree"));
  return TRUE;
}

/* @root with @record_dir put at records/AAAA/BB/@dir_name; rewrites only
 * the trees on that path. */
static gboolean
write_path_trees (git_repository *repo,
                  git_tree       *root,
                  guint64         seq,
                  const char     *dir_name,
                  const git_oid  *record_dir,
                  git_oid        *out_root,
                  GError        **error)
{
  g_autoptr(git_tree) records = NULL;
  g_autoptr(git_tree) thousands = NULL;
  g_autoptr(git_tree) hundreds = NULL;
  g_autofree char *level1 = g_strdup_printf ("%04" G_GUINT64_FORMAT, seq / 10000);
  g_autofree char *level2 = g_strdup_printf ("%02" G_GUINT64_FORMAT, (seq / 100) % 100);
  git_tree *sources[4] = { NULL, NULL, NULL, NULL };
  const char *names[4] = { NULL, NULL, NULL, NULL };
  git_oid oid;

  if (!subtree (repo, root, "records", &records, error)
      || !subtree (repo, records, level1, &thousands, error)
      || !subtree (repo, thousands, level2, &hundreds, error))
    return FALSE;

  /* Innermost first: each level takes the new id of the one below. */
  sources[0] = hundreds;
  names[0] = dir_name;
  sources[1] = thousands;
  names[1] = level2;
  sources[2] = records;
  names[2] = level1;
  sources[3] = root;
  names[3] = "records";
  git_oid_cpy (&oid, record_dir);
  for (gsize i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autoptr(git_treebuilder) builder = NULL;
      int status = git_treebuilder_new (&builder, repo, sources[i]);

      if (status < 0)
        return chain_git_error (error, status, _("cannot build the record's tree"));
      if (!insert (builder, names[i], &oid, GIT_FILEMODE_TREE, error))
        return FALSE;
      status = git_treebuilder_write (&oid, builder);
      if (status < 0)
        return chain_git_error (error, status, _("cannot write to the ledger"));
    }
  git_oid_cpy (out_root, &oid);
  return TRUE;
}

static char *
commit_message (ChainStatement    *statement,
                ChainLedgerSigner *signer,
                guint64            seq)
{
  GString *message = g_string_new (NULL);
  g_autofree const char **names = chain_statement_get_artifact_names (statement);
  guint n_signatures = chain_statement_get_signature_count (statement);

  g_string_append_printf (message, "%s #%" G_GUINT64_FORMAT " by %s\n\n",
                          chain_statement_get_type_name (statement), seq,
                          chain_statement_get_author (statement));
  g_string_append_printf (message, "Statement %s, signed by %u key%s",
                          chain_statement_get_id (statement), n_signatures,
                          n_signatures == 1 ? "" : "s");
  if (names[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) names);

      g_string_append_printf (message, ", adds %s", list);
    }
  g_string_append_printf (message, ".\nAppended by %s. The signed record is "
                          "records/…/statement.json; this message is not part of it.\n",
                          signer->name);
  return g_string_free (message, FALSE);
}

static gboolean
write_commit (git_repository    *repo,
              ChainStatement    *statement,
              ChainLedgerSigner *signer,
              guint64            seq,
              const git_oid     *tip,
              const git_oid     *tree_oid,
              git_oid           *out_oid,
              GError           **error)
{
  g_autoptr(git_signature) author = NULL;
  g_autoptr(git_signature) committer = NULL;
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_commit) parent = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autofree char *email = g_strdup_printf ("%s@custodian.libchain.invalid",
                                            chain_statement_get_author (statement));
  g_autofree char *message = commit_message (statement, signer, seq);
  g_autofree char *armor = NULL;
  const git_commit *parents[1] = { NULL };
  git_buf buffer = GIT_BUF_INIT;
  int status;

  /* The author made the statement then; the officer appends it now, and
   * the commit signature is judged at the committer time. */
  status = git_signature_new (&author, chain_statement_get_author (statement), email,
                              chain_statement_get_time (statement), 0);
  if (status == 0)
    status = git_signature_new (&committer, signer->name, signer->email,
                                g_get_real_time () / G_USEC_PER_SEC, 0);
  if (status == 0)
    status = git_tree_lookup (&tree, repo, tree_oid);
  if (status == 0 && tip != NULL)
    status = git_commit_lookup (&parent, repo, tip);
  if (status < 0)
    return chain_git_error (error, status, _("cannot prepare the record's commit"));
  parents[0] = parent;

  status = git_commit_create_buffer (&buffer, repo, author, committer, NULL, message, tree,
                                     tip != NULL ? 1 : 0, parents);
  if (status < 0)
    return chain_git_error (error, status, _("cannot prepare the record's commit"));
  signature = chain_cms_sign_detached (signer->key, signer->cert, signer->intermediates,
                                       (const guint8 *) buffer.ptr, buffer.size, error);
  if (signature == NULL)
    {
      git_buf_dispose (&buffer);
      return FALSE;
    }
  armor = g_strndup (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));
  status = git_commit_create_with_signature (out_oid, repo, buffer.ptr, armor, "gpgsig");
  git_buf_dispose (&buffer);
  if (status < 0)
    return chain_git_error (error, status, _("cannot write the record's commit"));
  return TRUE;
}

static gboolean
check_statement (ChainStatement *statement,
                 GError        **error)
{
  g_autofree const char **names = chain_statement_get_artifact_names (statement);

  if (chain_statement_get_signature_count (statement) == 0)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the statement is not signed; its author must sign it first"));
      return FALSE;
    }
  for (gsize i = 0; names[i] != NULL; i++)
    {
      GBytes *data = NULL;

      chain_statement_get_artifact (statement, names[i], NULL, NULL, &data);
      if (data == NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("artifact %s of the statement has no content; attach the file first"),
                       names[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* What the record after the tip needs: its digest and tree. */
static gboolean
read_tip (ChainLedger *self,
          char       **out_digest,
          git_oid     *out_tree,
          GError     **error)
{
  guint64 seq = self->index->len - 1;
  IndexEntry *entry = index_entry (self, seq);
  g_autoptr(ChainRecord) tip = NULL;

  if (self->tip_tree_known && entry->digest[0] != '\0')
    {
      *out_digest = g_strdup (entry->digest);
      git_oid_cpy (out_tree, &self->tip_tree);
      return TRUE;
    }
  /* Never build on a record we cannot read. */
  tip = load_record (self, seq, error);
  if (tip == NULL)
    return FALSE;
  *out_digest = g_strdup (chain_record_get_digest (tip));
  git_oid_cpy (out_tree, chain_record_get_tree_oid (tip));
  git_oid_cpy (&self->tip_tree, out_tree);
  self->tip_tree_known = TRUE;
  return TRUE;
}

typedef enum {
  ATTEMPT_DONE,
  ATTEMPT_RETRY,
  ATTEMPT_FAILED,
} Attempt;

static Attempt
append_once (ChainLedger          *self,
             ChainStatement       *statement,
             ChainLedgerSigner    *signer,
             ChainLedgerCheckFunc  check,
             gpointer              user_data,
             GCancellable         *cancellable,
             GError              **error)
{
  git_repository *repo = NULL;
  g_autoptr(git_tree) root = NULL;
  g_autoptr(git_reference) ref = NULL;
  g_autoptr(GBytes) record_json = NULL;
  g_autofree char *tip_digest = NULL;
  g_autofree char *dir_name = NULL;
  gboolean genesis = chain_statement_get_record_type (statement) == CHAIN_RECORD_TYPE_GENESIS;
  guint64 seq;
  git_oid tip;
  git_oid tip_tree;
  git_oid record_dir;
  git_oid root_oid;
  git_oid commit;
  int status;
  int guard;

  chain_ledger_kill_point (self, "start");
  if (!chain_ledger_refresh (self, NULL, cancellable, error))
    return ATTEMPT_FAILED;
  seq = self->index->len;

  if (seq == 0 && !genesis)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the ledger is empty: its first record must be a genesis, not a %s"),
                   chain_statement_get_type_name (statement));
      return ATTEMPT_FAILED;
    }
  if (seq > 0)
    {
      const char *ledger_id = NULL;

      if (genesis)
        {
          g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                               _("the ledger has its genesis already; start a new ledger "
                                 "for a new supply chain"));
          return ATTEMPT_FAILED;
        }
      if (!read_tip (self, &tip_digest, &tip_tree, error))
        return ATTEMPT_FAILED;
      git_oid_cpy (&tip, &index_entry (self, seq - 1)->oid);
      ledger_id = chain_ledger_get_id (self);
      if (ledger_id == NULL)
        {
          /* Genesis cannot be read: reading it again says why. */
          g_autoptr(ChainRecord) genesis_record = chain_ledger_load_record (self, 0, error);

          if (genesis_record != NULL)
            g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_FAILED,
                                 _("cannot read the ledger id from the genesis record"));
          return ATTEMPT_FAILED;
        }
      if (strcmp (ledger_id, chain_statement_get_ledger_id (statement)) != 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("the statement is for ledger %s, but this is ledger %s"),
                       chain_statement_get_ledger_id (statement), ledger_id);
          return ATTEMPT_FAILED;
        }
    }

  if (check != NULL)
    {
      g_autoptr(GError) local = NULL;

      if (!check (self, (gint64) seq - 1, tip_digest, statement, user_data, &local))
        {
          if (local == NULL)
            g_set_error_literal (&local, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                                 _("the ledger's rules refuse the statement"));
          g_propagate_error (error, g_steal_pointer (&local));
          return ATTEMPT_FAILED;
        }
    }
  chain_ledger_kill_point (self, "checked");

  if (self->packer == NULL)
    {
      self->packer = chain_ledger_packer_new (self->path, error);
      if (self->packer == NULL)
        return ATTEMPT_FAILED;
    }
  repo = chain_ledger_packer_get_repo (self->packer);
  record_json = make_record_json (statement, seq, seq > 0 ? tip_digest : CHAIN_RECORD_NO_PREV);
  if (!write_record_dir (repo, statement, record_json, &record_dir, error))
    return ATTEMPT_FAILED;
  chain_ledger_kill_point (self, "blobs");

  if (seq > 0)
    {
      status = git_tree_lookup (&root, repo, &tip_tree);
      if (status < 0)
        return chain_git_error (error, status, _("cannot read the tip's tree")), ATTEMPT_FAILED;
    }
  dir_name = g_strdup_printf ("%08" G_GUINT64_FORMAT "-%s", seq,
                              chain_statement_get_type_name (statement));
  if (!write_path_trees (repo, root, seq, dir_name, &record_dir, &root_oid, error))
    return ATTEMPT_FAILED;
  chain_ledger_kill_point (self, "trees");

  if (!write_commit (repo, statement, signer, seq, seq > 0 ? &tip : NULL, &root_oid, &commit,
                     error))
    return ATTEMPT_FAILED;
  chain_ledger_kill_point (self, "commit");
  /* On the disk before the ref may name it. */
  if (!chain_ledger_packer_flush (self->packer, error))
    return ATTEMPT_FAILED;
  chain_ledger_kill_point (self, "pack");
  repo = self->repo->repo;

  guard = ref_guard_take (self, TRUE);
  if (seq > 0)
    status = git_reference_create_matching (&ref, repo, MAIN_REF, &commit, 1, &tip,
                                            "libchain: append");
  else
    status = git_reference_create (&ref, repo, MAIN_REF, &commit, 0, "libchain: genesis");
  ref_guard_release (guard);
  if (status == GIT_EMODIFIED || status == GIT_ELOCKED || status == GIT_EEXISTS)
    {
      git_error_clear ();
      return ATTEMPT_RETRY;
    }
  if (status < 0)
    /* Translators: %s is a git ref name */
    return chain_git_error (error, status, _("cannot move %s"), MAIN_REF), ATTEMPT_FAILED;
  chain_ledger_kill_point (self, "ref");

  {
    IndexEntry entry = { { { 0 } }, "" };
    g_autofree char *digest = chain_sha256_hex (g_bytes_get_data (record_json, NULL),
                                                g_bytes_get_size (record_json));

    git_oid_cpy (&entry.oid, &commit);
    g_strlcpy (entry.digest, digest, sizeof entry.digest);
    g_array_append_val (self->index, entry);
    git_oid_tostr (self->tip_hex, sizeof self->tip_hex, &commit);
    git_oid_cpy (&self->tip_tree, &root_oid);
    self->tip_tree_known = TRUE;
    if (genesis && self->ledger_id == NULL)
      self->ledger_id = g_strdup (chain_statement_get_ledger_id (statement));
  }
  return ATTEMPT_DONE;
}

gboolean
chain_ledger_append (ChainLedger          *self,
                     ChainStatement       *statement,
                     ChainLedgerSigner    *signer,
                     ChainLedgerCheckFunc  check,
                     gpointer              user_data,
                     ChainRecord         **out_record,
                     GCancellable         *cancellable,
                     GError              **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (statement != NULL, FALSE);
  g_return_val_if_fail (signer != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_statement (statement, error))
    return FALSE;

  for (guint attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      Attempt result;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      result = append_once (self, statement, signer, check, user_data, cancellable, error);
      /* What a failed or lost attempt wrote never reached the disk. */
      if (self->packer != NULL)
        chain_ledger_packer_discard (self->packer);
      if (result == ATTEMPT_FAILED)
        return FALSE;
      if (result == ATTEMPT_DONE)
        {
          g_autoptr(GError) local = NULL;

          /* The record is in: a failure here only leaves more packs. */
          if (!chain_ledger_packer_consolidate (self->packer, &local))
            g_debug ("cannot merge the ledger's packs: %s", local->message);
          if (self->index->len >= self->saved_len + INDEX_SAVE_STEP)
            index_cache_save (self);
          if (out_record != NULL)
            {
              ChainRecord *record = load_record (self, self->index->len - 1, error);

              if (record == NULL)
                return FALSE;
              *out_record = record;
            }
          return TRUE;
        }
      clear_stale_ref_lock (self);
      /* Lost the race (or the ref is locked): a short random pause so
       * writers that collided do not collide again, growing with each try. */
      g_usleep ((gulong) g_rand_int_range (self->rand, 0,
                                           1000 * MIN (2 << MIN (attempt, 10), MAX_BACKOFF_MS)));
    }

  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
               /* Translators: "... other writers kept moving GIT-REF-NAME; retry, or if no
                * chain process is running, delete LEDGER-DIRECTORY/GIT-REF-NAME.lock" */
               _("could not append after %d attempts: other writers kept moving %s"
                 "; retry, or if no chain process is running, delete %s/%s.lock"),
               MAX_ATTEMPTS, MAIN_REF, self->path, MAIN_REF);
  return FALSE;
}
