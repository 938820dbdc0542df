/* chain-sync-bundle.c — git bundle v2 files for sites without a network
 *
 * The format is git's ("# v2 git bundle\n", prerequisite lines "-OID
 * comment", ref lines "OID REFNAME", a blank line, a packfile), written and
 * read here because libgit2 1.5 has no bundle API. A ledger bundle carries
 * exactly refs/heads/main, and may name the same commit HEAD (ours do, so
 * that a plain `git clone BUNDLE` checks main out). Our packs are never thin: every object the
 * bundle's commits reach and the prerequisite does not is in it, which is
 * what `git bundle verify` and `git clone` want; git's own bundles are thin,
 * and the indexer completes them from our object database.
 *
 * Import parses the header strictly (64 KiB at most), checks the
 * prerequisites are ours, streams the pack through git_indexer into the
 * object database, and hands the tip to chain_sync_context_integrate(),
 * where a tip older than ours is a rollback.
 */
#include "chain-sync-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUNDLE_SIGNATURE "# v2 git bundle\n"
#define BUNDLE_V3_SIGNATURE "# v3 git bundle\n"
#define BUNDLE_HEADER_MAX (64 * 1024)
#define BUNDLE_MAX_PREREQUISITES 256
#define BUNDLE_COMMENT_MAX 72
#define IO_CHUNK (64 * 1024)

/* Where git_packbuilder_foreach() writes the pack. */
typedef struct {
  ChainSyncContext *sync;
  int               fd;
  int               saved_errno;
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
      if (done == 0)
        errno = EIO;
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
      w->saved_errno = errno;
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
  ChainSyncContext *s = payload;

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
chain_sync_bundle_create (const char             *repo_path,
                          const char             *bundle_path,
                          const char             *base,
                          const ChainSyncOptions *options,
                          guint64                *out_records,
                          GCancellable           *cancellable,
                          GError                **error)
{
  g_auto(ChainSyncContext) s = { 0 };
  g_autoptr(git_packbuilder) pack = NULL;
  g_autoptr(git_revwalk) walk = NULL;
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

  if (!chain_sync_context_open (&s, repo_path, options, cancellable, error)
      || !chain_sync_context_check_local (&s, error))
    return FALSE;
  if (!s.have_local)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("the ledger at %s has no records to bundle"), repo_path);
      return FALSE;
    }
  if (g_file_test (bundle_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                   _("%s already exists; choose a new file for the bundle"), bundle_path);
      return FALSE;
    }
  if (base != NULL)
    {
      gboolean below = FALSE;

      if (!chain_git_parse_commit_id (base, strlen (base), &base_oid))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("the bundle's base must be a commit id of 40 lower-case hex digits"));
          return FALSE;
        }
      if (git_oid_equal (&base_oid, &s.local))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("nothing to bundle: the receiver already has our tip %s"), base);
          return FALSE;
        }
      if (!chain_sync_commit_exists (s.repo, &base_oid))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       _("commit %s is not in this ledger; give a tip the receiver holds, or "
                         "make a full bundle"), base);
          return FALSE;
        }
      if (!chain_sync_descends_or_equal (s.repo, &s.local, &base_oid, &below, error))
        return FALSE;
      if (!below)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("commit %s is not one of this ledger's records; give a tip the receiver "
                         "holds, or make a full bundle"), base);
          return FALSE;
        }
    }
  /* Evidence first: a bundle that then fails to be written still counts
   * as sent, which errs on the safe side. */
  if (!chain_sync_context_walk_linear (&s, &s.local, base != NULL ? &base_oid : NULL, &count,
                                       error)
      || !chain_sync_context_note_shared (&s, CHAIN_SYNC_SENT_REF, &s.local, error))
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
      return chain_git_error (error, status, _("cannot pack the ledger for the bundle"));
    }

  if (base != NULL)
    {
      g_autofree char *comment = prerequisite_comment (s.repo, &base_oid);

      g_string_append_printf (header, "-%s %s\n", base, comment);
    }
  g_string_append_printf (header, "%s " CHAIN_SYNC_MAIN_REF "\n%s HEAD\n\n",
                          chain_sync_hex (&s.local).s, chain_sync_hex (&s.local).s);

  tmp_path = g_strdup_printf ("%s.tmp-XXXXXX", bundle_path);
  writer.sync = &s;
  writer.fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0644);
  if (writer.fd < 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot create the bundle %s: %s"),
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
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write the bundle %s: %s"),
                     bundle_path, g_strerror (writer.saved_errno));
      else
        chain_git_error (error, status, _("cannot write the bundle %s"), bundle_path);
      return FALSE;
    }
  chain_git_fsync_parent_dir (bundle_path);
  if (out_records != NULL)
    *out_records = count;
  return TRUE;
}

void
chain_sync_bundle_header_clear (ChainSyncBundleHeader *header)
{
  g_clear_pointer (&header->prerequisites, g_array_unref);
}

/* Fails with "NAME is not a ledger bundle: WHY; ..."; @format gives WHY. */
static gboolean G_GNUC_PRINTF (3, 4)
bundle_invalid (GError    **error,
                const char *name,
                const char *format,
                ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: "BUNDLE-FILE is not a ledger bundle: WHAT IS WRONG; ..." */
               _("%s is not a ledger bundle: %s; ask its sender for one made by chain bundle "
                 "create"), name, why);
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
parse_lines (const char            *data,
             gsize                  len,
             const char            *name,
             ChainSyncBundleHeader *out,
             GError               **error)
{
  gsize pos = strlen (BUNDLE_SIGNATURE);
  guint refs = 0;
  guint heads = 0;
  git_oid head = { { 0 } };

  if (len < pos || memcmp (data, BUNDLE_SIGNATURE, pos) != 0)
    {
      if (len >= pos && memcmp (data, BUNDLE_V3_SIGNATURE, pos) == 0)
        return bundle_invalid (error, name, _("it is a version 3 git bundle (make version 2 ones, "
                                               "git bundle create --version=2)"));
      return bundle_invalid (error, name, _("it does not start as a git bundle v2 does"));
    }
  if (memchr (data, '\0', len) != NULL)
    return bundle_invalid (error, name, _("its header holds a NUL byte"));

  out->prerequisites = g_array_new (FALSE, FALSE, sizeof (git_oid));
  while (pos < len)
    {
      const char *line = data + pos;
      const char *eol = memchr (line, '\n', len - pos);
      gsize line_len;
      git_oid oid;

      if (eol == NULL)
        return bundle_invalid (error, name, _("its header is cut short"));
      line_len = (gsize) (eol - line);
      pos += line_len + 1;
      if (line_len == 0)
        break;
      if (line[0] == '-')
        {
          if (refs + heads > 0)
            return bundle_invalid (error, name, _("a prerequisite follows its ref"));
          if (line_len < 1 + GIT_OID_HEXSZ
              || !chain_git_parse_commit_id (line + 1, GIT_OID_HEXSZ, &oid)
              || (line_len > 1 + GIT_OID_HEXSZ && line[1 + GIT_OID_HEXSZ] != ' '))
            return bundle_invalid (error, name, _("a prerequisite line is malformed"));
          if (out->prerequisites->len >= BUNDLE_MAX_PREREQUISITES)
            return bundle_invalid (error, name, _("it has too many prerequisites"));
          g_array_append_val (out->prerequisites, oid);
          continue;
        }
      if (line_len < GIT_OID_HEXSZ + 2 || line[GIT_OID_HEXSZ] != ' '
          || !chain_git_parse_commit_id (line, GIT_OID_HEXSZ, &oid))
        return bundle_invalid (error, name, _("a ref line is malformed"));
      if (line_len == GIT_OID_HEXSZ + 5 && memcmp (line + GIT_OID_HEXSZ + 1, "HEAD", 4) == 0)
        {
          if (heads > 0)
            return bundle_invalid (error, name, _("it names HEAD twice"));
          head = oid;
          heads++;
          continue;
        }
      if (refs > 0)
        /* Translators: %s is a git ref name */
        return bundle_invalid (error, name, _("it carries more than one ref, and a ledger bundle "
                                              "carries %s only"), CHAIN_SYNC_MAIN_REF);
      if (line_len - GIT_OID_HEXSZ - 1 != strlen (CHAIN_SYNC_MAIN_REF)
          || memcmp (line + GIT_OID_HEXSZ + 1, CHAIN_SYNC_MAIN_REF,
                     strlen (CHAIN_SYNC_MAIN_REF)) != 0)
        /* Translators: %s is a git ref name */
        return bundle_invalid (error, name, _("it carries a ref other than %s"), CHAIN_SYNC_MAIN_REF);
      out->tip = oid;
      refs++;
    }
  if (pos != len)
    return bundle_invalid (error, name, _("its header does not end where it should"));
  if (refs == 0)
    return bundle_invalid (error, name, _("it carries no ref"));
  if (heads > 0 && !git_oid_equal (&head, &out->tip))
    /* Translators: %s is a git ref name */
    return bundle_invalid (error, name, _("its HEAD is not %s"), CHAIN_SYNC_MAIN_REF);
  return TRUE;
}

gboolean
chain_sync_bundle_header_parse (const char            *data,
                                gsize                  len,
                                const char            *name,
                                ChainSyncBundleHeader *out,
                                gsize                 *out_len,
                                GError               **error)
{
  const char *end = find_blank_line (data, MIN (len, BUNDLE_HEADER_MAX));
  gsize header_len;

  if (end == NULL)
    {
      if (len == 0)
        return bundle_invalid (error, name, _("it is empty"));
      /* Let the parser name a wrong signature; otherwise the end is missing. */
      if (len < strlen (BUNDLE_SIGNATURE)
          || memcmp (data, BUNDLE_SIGNATURE, strlen (BUNDLE_SIGNATURE)) != 0)
        return parse_lines (data, MIN (len, BUNDLE_HEADER_MAX), name, out, error);
      return bundle_invalid (error, name, len >= BUNDLE_HEADER_MAX
                             ? _("its header is larger than 64 KiB") : _("its header is cut short"));
    }
  header_len = (gsize) (end - data) + 2;
  if (!parse_lines (data, header_len, name, out, error))
    return FALSE;
  *out_len = header_len;
  return TRUE;
}

/* Streams the pack that follows the header into the object database; the
 * indexer checks the pack's form and checksum and completes thin packs
 * (git's own bundles are thin) from what we hold. Whether the new records
 * reach only objects we now have is checked before our main moves. */
static gboolean
bundle_index_pack (ChainSyncContext *s,
                   int               fd,
                   guint64           offset,
                   guint64           size,
                   const char       *name,
                   const char       *pack_dir,
                   char            **out_pack_name,
                   GError          **error)
{
  g_autoptr(git_odb) odb = NULL;
  g_autoptr(git_indexer) indexer = NULL;
  g_autofree char *buffer = g_malloc (IO_CHUNK);
  git_indexer_options indexer_options = GIT_INDEXER_OPTIONS_INIT;
  git_indexer_progress stats = { 0 };
  guint64 done = offset;
  int status;

  if (!chain_sync_pack_check_bounds (fd, offset, size, name, s->cancellable, error))
    return FALSE;
  if ((status = git_repository_odb (&odb, s->repo)) < 0)
    return chain_git_error (error, status, _("cannot open the ledger's object database"));
  status = git_indexer_new (&indexer, pack_dir, 0, odb, &indexer_options);
  if (status < 0)
    return chain_git_error (error, status, _("cannot unpack the bundle %s"), name);

  if (lseek (fd, (off_t) offset, SEEK_SET) < 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read the bundle %s: %s"), name,
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

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read the bundle %s: %s"), name,
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
      g_autofree char *reason = chain_git_take_reason (_("unreadable pack"));

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the bundle %s is damaged or cut short (%s); ask its sender for a new one"),
                   name, reason);
      return FALSE;
    }
  *out_pack_name = g_strdup (git_indexer_name (indexer));
  return TRUE;
}

/* ---- Quarantine: a bundle's objects reach the store only once judged ---- */

static const char *const pack_suffixes[] = { ".pack", ".rev", ".idx" };


typedef struct {
  GHashTable *pack;        /* git_oid * -> Seen */
  GHashTable *reached;     /* git_oid * in @pack the tip reaches */
} PackCheck;

static guint
oid_hash (gconstpointer key)
{
  guint h;

  memcpy (&h, ((const git_oid *) key)->id, sizeof h);
  return h;
}

static gboolean
oid_equal (gconstpointer a,
           gconstpointer b)
{
  return git_oid_equal (a, b);
}

static int
collect_oid (const git_oid *oid,
             void          *payload)
{
  git_oid *copy = g_new (git_oid, 1);

  git_oid_cpy (copy, oid);
  g_hash_table_add (((PackCheck *) payload)->pack, copy);
  return 0;
}

/* Marks the objects of the pack that @tree_id reaches; enters only trees
 * of the pack: what an older tree reaches, we held before. */
static int
reach_tree (git_repository *repo,
            PackCheck      *check,
            const git_oid  *tree_id,
            guint           depth)
{
  g_autoptr(git_tree) tree = NULL;
  int status;

  if (!g_hash_table_contains (check->pack, tree_id) || g_hash_table_contains (check->reached, tree_id))
    return 0;
  g_hash_table_add (check->reached, (gpointer) g_hash_table_lookup (check->pack, tree_id));
  if (depth > 64)
    return -1;
  if ((status = git_tree_lookup (&tree, repo, tree_id)) < 0)
    return status;
  for (size_t i = 0; i < git_tree_entrycount (tree); i++)
    {
      const git_tree_entry *entry = git_tree_entry_byindex (tree, i);
      const git_oid *id = git_tree_entry_id (entry);

      if (git_tree_entry_type (entry) == GIT_OBJECT_TREE)
        {
          if ((status = reach_tree (repo, check, id, depth + 1)) < 0)
            return status;
        }
      else if (g_hash_table_contains (check->pack, id))
        g_hash_table_add (check->reached, (gpointer) g_hash_table_lookup (check->pack, id));
    }
  return 0;
}

static void
remove_quarantine (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

/* Judges the pack in @dir: each object at most an artifact's size, and
 * each reached from @tip or held before; then moves it into the store.
 * Sets @out_moved to the pack's paths there (to take back if the import
 * is refused later). */
static gboolean
admit_pack (ChainSyncContext *s,
            const char       *dir,
            const char       *pack_name,
            const git_oid    *tip,
            const char       *name,
            GPtrArray        *out_moved,
            GError          **error)
{
  g_autofree char *idx = g_strdup_printf ("%s/pack-%s.idx", dir, pack_name);
  g_autoptr(git_odb) quarantine = NULL;
  g_autoptr(git_odb) store = NULL;
  g_autoptr(GHashTable) pack = g_hash_table_new_full (oid_hash, oid_equal, g_free, NULL);
  g_autoptr(GHashTable) reached = g_hash_table_new (oid_hash, oid_equal);
  g_autoptr(GHashTable) held = g_hash_table_new (oid_hash, oid_equal);
  git_odb_backend *backend = NULL;
  git_odb_backend *store_backend = NULL;
  git_buf objects = GIT_BUF_INIT;
  g_autofree char *pack_dir = NULL;
  PackCheck check = { pack, reached };
  GHashTableIter iter;
  gpointer key;
  guint unreached = 0;
  gboolean walked;
  git_oid commit_id;
  int status;

  if ((status = git_odb_new (&quarantine)) < 0
      || (status = git_odb_backend_one_pack (&backend, idx)) < 0
      || (status = git_odb_add_backend (quarantine, backend, 1)) < 0
      || (status = git_odb_foreach (quarantine, collect_oid, &check)) < 0
      || (status = git_repository_odb (&store, s->repo)) < 0)
    return chain_git_error (error, status, _("cannot unpack the bundle %s"), name);

  /* Sizes from the headers: nothing larger than an artifact may be. */
  g_hash_table_iter_init (&iter, pack);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      size_t len = 0;
      git_object_t type;

      if ((status = git_odb_read_header (&len, &type, quarantine, key)) < 0)
        return chain_git_error (error, status, _("cannot unpack the bundle %s"), name);
      if ((guint64) len > CHAIN_SYNC_OBJECT_MAX_SIZE)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("the bundle %s carries an object of %" PRIu64 " bytes, more than any record holds; it is refused"),
                       name, (guint64) len);
          return FALSE;
        }
    }

  /* What we held before the pack (a thin pack's bases are), then what
   * the new records reach, read through the store plus the pack. */
  g_hash_table_iter_init (&iter, pack);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (git_odb_exists (store, key))
      g_hash_table_add (held, key);
  if ((status = git_odb_backend_one_pack (&store_backend, idx)) < 0
      || (status = git_odb_add_backend (store, store_backend, 0)) < 0)
    return chain_git_error (error, status, _("cannot unpack the bundle %s"), name);
  /* A ledger is one line of commits: follow the parents from the tip down
   * to the first commit we held before. */
  git_oid_cpy (&commit_id, tip);
  status = 0;
  for (guint64 n = 0; status == 0; n++)
    {
      g_autoptr(git_commit) commit = NULL;

      if (!g_hash_table_contains (pack, &commit_id) || g_hash_table_contains (held, &commit_id)
          || (s->have_local && git_oid_equal (&commit_id, &s->local)))
        {
          status = GIT_ITEROVER;
          break;
        }
      g_hash_table_add (reached, g_hash_table_lookup (pack, &commit_id));
      if ((status = git_commit_lookup (&commit, s->repo, &commit_id)) < 0
          || (status = reach_tree (s->repo, &check, git_commit_tree_id (commit), 0)) < 0)
        break;
      if (git_commit_parentcount (commit) == 0)
        status = GIT_ITEROVER;
      else
        git_oid_cpy (&commit_id, git_commit_parent_id (commit, 0));
    }
  /* A record the pack lacks stops the walk: the records' own checks say
   * what is missing, and a refused import takes the pack back. */
  walked = status == GIT_ITEROVER;
  git_error_clear ();

  /* What the records do not reach may only be what we held before (a
   * thin pack's bases): an unreferenced object is never let in. */
  g_hash_table_iter_init (&iter, pack);
  while (walked && g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (reached, key) && !g_hash_table_contains (held, key))
      unreached++;
  if (unreached > 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the bundle %s carries %u objects its records do not reach; it is refused"), name, unreached);
      return FALSE;
    }

  if ((status = git_repository_item_path (&objects, s->repo, GIT_REPOSITORY_ITEM_OBJECTS)) < 0)
    return chain_git_error (error, status, _("cannot open the ledger's object database"));
  pack_dir = g_build_filename (objects.ptr, "pack", NULL);
  git_buf_dispose (&objects);
  /* The .pack before its index: a reader never sees an index without it. */
  for (guint i = 0; i < G_N_ELEMENTS (pack_suffixes); i++)
    {
      g_autofree char *from = g_strdup_printf ("%s/pack-%s%s", dir, pack_name, pack_suffixes[i]);
      g_autofree char *to = g_strdup_printf ("%s/pack-%s%s", pack_dir, pack_name, pack_suffixes[i]);

      if (!g_file_test (from, G_FILE_TEST_EXISTS))
        continue;
      if (g_rename (from, to) != 0)
        {
          int saved = errno;

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot store the bundle %s: %s"), name,
                       g_strerror (saved));
          return FALSE;
        }
      g_ptr_array_add (out_moved, g_steal_pointer (&to));
    }
  git_odb_refresh (store);
  return TRUE;
}

/* A directory beside the store's packs where a bundle's pack waits to be
 * judged; the store never lists it. */
static char *
make_quarantine (ChainSyncContext *s,
                 GError          **error)
{
  git_buf objects = GIT_BUF_INIT;
  g_autofree char *dir = NULL;
  int status = git_repository_item_path (&objects, s->repo, GIT_REPOSITORY_ITEM_OBJECTS);

  if (status < 0)
    {
      chain_git_error (error, status, _("cannot open the ledger's object database"));
      return NULL;
    }
  dir = g_build_filename (objects.ptr, "incoming-XXXXXX", NULL);
  git_buf_dispose (&objects);
  if (g_mkdtemp (dir) == NULL)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot create %s: %s; check the disk and permissions"),
                   dir, g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* Removes a pack admit_pack() moved into the store. */
static void
take_back (GPtrArray *moved)
{
  for (guint i = moved->len; i-- > 0;)
    g_unlink (g_ptr_array_index (moved, i));
  g_ptr_array_set_size (moved, 0);
}

gboolean
chain_sync_bundle_import (const char             *repo_path,
                          const char             *bundle_path,
                          const ChainSyncOptions *options,
                          ChainSyncResult       **out_result,
                          GCancellable           *cancellable,
                          GError                **error)
{
  g_auto(ChainSyncContext) s = { 0 };
  g_auto(ChainSyncBundleHeader) header = { 0 };
  g_autoptr(ChainSyncResult) result = NULL;
  g_autofree char *name = NULL;
  g_autofree char *whose = NULL;
  g_autofree char *log_message = NULL;
  g_autofree char *data = NULL;
  struct stat st;
  guint64 max_size;
  g_autoptr(GError) ignored = NULL;
  gsize header_len = 0;
  gsize len = 0;
  gboolean known = FALSE;
  gboolean ok;
  int fd;
  g_autofree char *quarantine = NULL;
  g_autofree char *pack_name = NULL;
  g_autoptr(GPtrArray) moved = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (bundle_path != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_SYNC_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* File names from a USB stick are outside input too: keep messages one line. */
  name = g_path_get_basename (bundle_path);
  for (char *p = name; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      *p = '?';
  max_size = options != NULL && options->max_bundle_size != 0 ? options->max_bundle_size
                                                              : CHAIN_SYNC_BUNDLE_MAX_SIZE;
  fd = g_open (bundle_path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, saved == ENOENT ? CHAIN_ERROR_NOT_FOUND : CHAIN_ERROR_IO,
                   _("cannot open the bundle %s: %s"), name, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return bundle_invalid (error, name, _("it is not a regular file"));
    }
  if ((guint64) st.st_size > max_size)
    {
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the bundle %s is %" PRIu64 " bytes, more than the %" PRIu64 " allowed; split the transfer or raise the limit"),
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
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read the bundle %s: %s"),
                       name, g_strerror (saved));
          return FALSE;
        }
      if (got == 0)
        break;
      len += (gsize) got;
    }
  if (!chain_sync_bundle_header_parse (data, len, name, &header, &header_len, error))
    {
      close (fd);
      return FALSE;
    }

  if (!chain_sync_context_open (&s, repo_path, options, cancellable, error)
      || !chain_sync_context_check_local (&s, error))
    {
      close (fd);
      return FALSE;
    }

  /* A tip that is ours or older needs nothing from the pack. Any other is
   * unpacked even if we hold its commit: what an earlier, damaged bundle
   * left may lack objects that this one brings. */
  if (s.have_local && chain_sync_commit_exists (s.repo, &header.tip)
      && !chain_sync_descends_or_equal (s.repo, &s.local, &header.tip, &known, &ignored))
    known = FALSE;
  if (!known)
    {
      for (guint i = 0; i < header.prerequisites->len; i++)
        {
          const git_oid *needed = &g_array_index (header.prerequisites, git_oid, i);

          if (!chain_sync_commit_exists (s.repo, needed))
            {
              close (fd);
              g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                           _("the bundle %s needs record %s, which this ledger lacks; import the "
                             "bundles before it first, or ask for a full one"), name,
                           chain_sync_hex (needed).s);
              return FALSE;
            }
        }
      quarantine = make_quarantine (&s, error);
      if (quarantine == NULL)
        {
          close (fd);
          return FALSE;
        }
      ok = bundle_index_pack (&s, fd, header_len, (guint64) st.st_size, name, quarantine, &pack_name, error);
      close (fd);
      if (ok)
        ok = admit_pack (&s, quarantine, pack_name, &header.tip, name, moved, error);
      remove_quarantine (quarantine);
      if (!ok)
        return FALSE;
      if (!chain_sync_commit_exists (s.repo, &header.tip))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("the bundle %s does not hold its own tip %s; ask its sender for a new one"),
                       name, chain_sync_hex (&header.tip).s);
          take_back (moved);
          return FALSE;
        }
    }
  else
    close (fd);

  /* Translators: names the bundle's tip in sentences such as "%s is a rollback: ..." */
  whose = g_strdup_printf (_("bundle %s"), name);
  log_message = g_strdup_printf ("libchain: import bundle %s", name);
  /* The sender holds what it sent: evidence for chain-workspace-sync.c. */
  if (!chain_sync_context_integrate (&s, &header.tip, whose, TRUE, log_message, &result, error))
    {
      git_oid now;

      /* Refused: the bundle's objects go with it, unless main moved
       * (a pin that could not be written after). */
      if (git_reference_name_to_id (&now, s.repo, CHAIN_SYNC_MAIN_REF) != 0 || !git_oid_equal (&now, &header.tip))
        take_back (moved);
      git_error_clear ();
      return FALSE;
    }
  if (!chain_sync_context_note_shared (&s, CHAIN_SYNC_RECEIVED_REF, &header.tip, error))
    return FALSE;
  if (out_result != NULL)
    *out_result = g_steal_pointer (&result);
  return TRUE;
}
