/* chain-ledger-pack.c — an append's objects as one pack; packs consolidated
 *
 * An append writes about ten small objects. As loose objects each takes a
 * file (4 KiB on disk at least) and an fsync of it and of its directory;
 * as one pack the record takes a pack and an index, three fsyncs, and a
 * fraction of the space. The objects go to an in-memory backend on a
 * second repository handle (so nothing else that writes through the
 * ledger's shared handle can land in memory), then git_packbuilder writes
 * them as one pack and its index into objects/pack, fsynced. Only then may
 * the caller move the ref: a crash before leaves an unreferenced pack,
 * garbage as loose objects were.
 *
 * Small packs then accumulate; every lookup of an object searches them in
 * turn. Past CHAIN_LEDGER_PACK_LIMIT the smallest are merged (big ones by
 * copying their entries: chain-ledger-pack-copy.c), never
 * dropping an object: see chain_ledger_packer_consolidate().
 */
#include "chain-ledger-pack-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <fcntl.h>
#include <git2/sys/odb_backend.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Before any other backend, so that every write lands here. */
#define MEMORY_PRIORITY 1000
/* Held (flock) while packs are merged: one consolidation at a time. */
#define CONSOLIDATE_LOCK_FILE "chain-pack-lock"

/* ---- The objects of one append, in memory --------------------------------
 *
 * libgit2's own git_mempack cannot list what it holds, and its
 * git_mempack_dump() packs every commit with its whole tree: a snapshot of
 * the ledger per append. This backend keeps the objects written since the
 * last flush and nothing else.
 */

typedef struct {
  git_oid       oid;
  git_object_t  type;
  GBytes       *data;
} MemoryObject;

typedef struct {
  git_odb_backend  parent;
  GHashTable      *objects;   /* git_oid * (in the value) -> MemoryObject * */
} MemoryBackend;

static void
memory_object_free (MemoryObject *object)
{
  g_bytes_unref (object->data);
  g_free (object);
}

static guint
oid_hash (gconstpointer key)
{
  const git_oid *oid = key;
  guint hash;

  memcpy (&hash, oid->id, sizeof hash);
  return hash;
}

static gboolean
oid_equal (gconstpointer a,
           gconstpointer b)
{
  return git_oid_equal (a, b);
}

static int
memory_read (void            **out_data,
             size_t           *out_len,
             git_object_t     *out_type,
             git_odb_backend  *backend,
             const git_oid    *oid)
{
  MemoryBackend *self = (MemoryBackend *) backend;
  MemoryObject *object = g_hash_table_lookup (self->objects, oid);
  gsize len = 0;
  const void *data = NULL;

  if (object == NULL)
    return GIT_ENOTFOUND;
  data = g_bytes_get_data (object->data, &len);
  *out_data = git_odb_backend_data_alloc (backend, len);
  if (*out_data == NULL)
    return -1;
  if (len > 0)
    memcpy (*out_data, data, len);
  *out_len = len;
  *out_type = object->type;
  return 0;
}

static int
memory_read_header (size_t          *out_len,
                    git_object_t    *out_type,
                    git_odb_backend *backend,
                    const git_oid   *oid)
{
  MemoryBackend *self = (MemoryBackend *) backend;
  MemoryObject *object = g_hash_table_lookup (self->objects, oid);

  if (object == NULL)
    return GIT_ENOTFOUND;
  *out_len = g_bytes_get_size (object->data);
  *out_type = object->type;
  return 0;
}

static int
memory_exists (git_odb_backend *backend,
               const git_oid   *oid)
{
  MemoryBackend *self = (MemoryBackend *) backend;

  return g_hash_table_contains (self->objects, oid);
}

static int
memory_write (git_odb_backend *backend,
              const git_oid   *oid,
              const void      *data,
              size_t           len,
              git_object_t     type)
{
  MemoryBackend *self = (MemoryBackend *) backend;
  MemoryObject *object = NULL;

  if (g_hash_table_contains (self->objects, oid))
    return 0;
  object = g_new0 (MemoryObject, 1);
  git_oid_cpy (&object->oid, oid);
  object->type = type;
  object->data = g_bytes_new (data, len);
  g_hash_table_insert (self->objects, &object->oid, object);
  return 0;
}

static void
memory_free (git_odb_backend *backend)
{
  MemoryBackend *self = (MemoryBackend *) backend;

  g_hash_table_unref (self->objects);
  g_free (self);
}

static MemoryBackend *
memory_backend_new (void)
{
  MemoryBackend *self = g_new0 (MemoryBackend, 1);

  self->parent.version = GIT_ODB_BACKEND_VERSION;
  self->parent.read = memory_read;
  self->parent.read_header = memory_read_header;
  self->parent.exists = memory_exists;
  self->parent.write = memory_write;
  self->parent.free = memory_free;
  self->objects = g_hash_table_new_full (oid_hash, oid_equal, NULL,
                                         (GDestroyNotify) memory_object_free);
  return self;
}

/* ---- The packer ------------------------------------------------------------ */

struct _ChainLedgerPacker {
  char           *path;
  git_repository *repo;
  MemoryBackend  *memory;   /* owned by repo's odb */
};

static gboolean
open_repo (ChainLedgerPacker *self,
           GError           **error)
{
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_odb) odb = NULL;
  MemoryBackend *memory = NULL;
  int status;

  status = git_repository_open_ext (&repo, self->path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status == 0)
    status = git_repository_odb (&odb, repo);
  if (status == 0)
    {
      memory = memory_backend_new ();
      status = git_odb_add_backend (odb, &memory->parent, MEMORY_PRIORITY);
      if (status < 0)
        memory_free (&memory->parent);
    }
  if (status < 0)
    return chain_git_error (error, status, _("cannot open the ledger at %s"), self->path);
  g_clear_pointer (&self->repo, git_repository_free);
  self->repo = g_steal_pointer (&repo);
  self->memory = memory;
  return TRUE;
}

ChainLedgerPacker *
chain_ledger_packer_new (const char *path,
                         GError    **error)
{
  g_autoptr(ChainLedgerPacker) self = g_new0 (ChainLedgerPacker, 1);

  self->path = g_strdup (path);
  if (!open_repo (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
chain_ledger_packer_free (ChainLedgerPacker *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->repo, git_repository_free);
  g_free (self->path);
  g_free (self);
}

git_repository *
chain_ledger_packer_get_repo (ChainLedgerPacker *self)
{
  return self->repo;
}

void
chain_ledger_packer_discard (ChainLedgerPacker *self)
{
  g_hash_table_remove_all (self->memory->objects);
}

static char *
pack_dir (ChainLedgerPacker *self)
{
  return g_build_filename (self->path, "objects", "pack", NULL);
}

static gboolean
fsync_path (const char *path,
            gboolean    directory)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0), 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

/* pack-@name.pack and .idx in @dir, and @dir itself, on the disk: the ref
 * must never name a pack that a power cut can lose, whatever libgit2's
 * fsync option says. */
static gboolean
sync_pack (const char *dir,
           const char *name,
           GError    **error)
{
  g_autofree char *pack = g_strdup_printf ("%s/pack-%s.pack", dir, name);
  g_autofree char *idx = g_strdup_printf ("%s/pack-%s.idx", dir, name);

  if (!fsync_path (pack, FALSE) || !fsync_path (idx, FALSE) || !fsync_path (dir, TRUE))
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, saved == ENOENT ? CHAIN_ERROR_NOT_FOUND : CHAIN_ERROR_FAILED,
                   _("cannot write the pack %s to the disk: %s"), pack, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* libgit2's packbuilder holds in memory every object of its delta window
 * and every delta it finds, without a limit by default: writing a
 * record's pack, or merging packs (91 MB of the heap for a ledger of
 * 40,000 devices, heaptrack; growing with what is merged), loads each
 * batch's certificates, megabytes a blob. The ledger's config bounds
 * that. libgit2 1.5 reads pack.deltaCacheSize as its big-file threshold
 * too, so those blobs (which resemble no other) are written whole rather
 * than searched for deltas. Set once; a config that cannot be written
 * leaves libgit2's defaults: more memory, the same objects. */
static void
limit_packbuilder_memory (git_repository *repo)
{
  static const struct {
    const char *key;
    gint64      value;
  } limits[] = {
    { "pack.deltaCacheSize", (gint64) 1 << 20 },
    { "pack.windowMemory", (gint64) 4 << 20 },
  };
  git_config *config = NULL;

  if (git_repository_config (&config, repo) < 0)
    {
      g_autofree char *reason = chain_git_take_reason ("?");

      g_debug ("cannot read the ledger's config: %s", reason);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      gint64 value = 0;

      if (git_config_get_int64 (&value, config, limits[i].key) == 0 && value == limits[i].value)
        continue;
      if (git_config_set_int64 (config, limits[i].key, limits[i].value) < 0)
        {
          g_autofree char *reason = chain_git_take_reason ("?");

          g_debug ("cannot set %s: %s", limits[i].key, reason);
        }
    }
  git_config_free (config);
}

gboolean
chain_ledger_packer_flush (ChainLedgerPacker *self,
                           GError           **error)
{
  g_autoptr(git_packbuilder) builder = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *dir = pack_dir (self);
  GHashTableIter iter;
  gpointer key = NULL;
  int status;

  if (g_hash_table_size (self->memory->objects) == 0)
    return TRUE;
  limit_packbuilder_memory (self->repo);
  status = git_packbuilder_new (&builder, self->repo);
  g_hash_table_iter_init (&iter, self->memory->objects);
  while (status == 0 && g_hash_table_iter_next (&iter, &key, NULL))
    status = git_packbuilder_insert (builder, key, NULL);
  if (status == 0)
    status = git_packbuilder_write (builder, dir, 0, NULL, NULL);
  if (status < 0)
    return chain_git_error (error, status, _("cannot write to the ledger"));
  /* Another writer may have merged the pack already, between its rename
   * into place and here: its merge made the objects durable first. */
  if (!sync_pack (dir, git_packbuilder_name (builder), &local)
      && !g_error_matches (local, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  chain_ledger_packer_discard (self);
  return TRUE;
}

/* ---- Consolidation -------------------------------------------------------- */

typedef struct {
  char  *name;    /* the hex between "pack-" and ".pack" */
  goffset size;
} PackFile;

static void
pack_file_clear (PackFile *pack)
{
  g_free (pack->name);
}

static gint
by_size (gconstpointer a,
         gconstpointer b)
{
  const PackFile *x = a;
  const PackFile *y = b;

  return x->size < y->size ? -1 : x->size > y->size ? 1 : strcmp (x->name, y->name);
}

/* The complete packs of @dir (a .pack and its .idx, no .keep), by size. */
static GArray *
list_packs (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  GArray *packs = g_array_new (FALSE, TRUE, sizeof (PackFile));
  const char *entry = NULL;

  g_array_set_clear_func (packs, (GDestroyNotify) pack_file_clear);
  while (listing != NULL && (entry = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *name = NULL;
      g_autofree char *pack = NULL;
      g_autofree char *idx = NULL;
      g_autofree char *keep = NULL;
      GStatBuf st;

      if (!g_str_has_prefix (entry, "pack-") || !g_str_has_suffix (entry, ".pack"))
        continue;
      name = g_strndup (entry + 5, strlen (entry) - 5 - 5);
      pack = g_strdup_printf ("%s/pack-%s.pack", dir, name);
      idx = g_strdup_printf ("%s/pack-%s.idx", dir, name);
      keep = g_strdup_printf ("%s/pack-%s.keep", dir, name);
      if (g_stat (pack, &st) != 0 || !S_ISREG (st.st_mode)
          || !g_file_test (idx, G_FILE_TEST_IS_REGULAR) || g_file_test (keep, G_FILE_TEST_EXISTS))
        continue;
      g_array_append_val (packs, ((PackFile) { g_steal_pointer (&name), st.st_size }));
    }
  g_array_sort (packs, by_size);
  return packs;
}

/* How many of @packs (sorted, smallest first) to merge, as git's
 * geometric repack: the kept packs, from the largest down, each at least
 * twice the next smaller; all below the first that breaks this merged,
 * with every next pack smaller than twice their sum; so an object is
 * rewritten a logarithmic number of times over the ledger's life. Packs
 * already in progression: the two smallest, to keep their count bounded. */
static guint
packs_to_merge (GArray *packs)
{
  goffset total = 0;
  guint n = packs->len - 1;

#define SIZE(i) (g_array_index (packs, PackFile, (i)).size)
  while (n > 0 && SIZE (n) >= 2 * SIZE (n - 1))
    n--;
  n = n > 0 ? n + 1 : 2;
  for (guint i = 0; i < n; i++)
    total += SIZE (i);
  while (n < packs->len && SIZE (n) < 2 * total)
    total += SIZE (n++);
#undef SIZE
  return n;
}

typedef struct {
  git_packbuilder *builder;
  int              status;
} InsertAll;

static int
insert_object (const git_oid *id,
               void          *payload)
{
  InsertAll *all = payload;

  all->status = git_packbuilder_insert (all->builder, id, NULL);
  return all->status;
}

/* Every object of pack-@name into @builder. */
static int
insert_pack (git_packbuilder *builder,
             const char      *dir,
             const char      *name)
{
  g_autoptr(git_odb) odb = NULL;
  g_autofree char *idx = g_strdup_printf ("%s/pack-%s.idx", dir, name);
  git_odb_backend *backend = NULL;
  InsertAll all = { builder, 0 };
  int status;

  status = git_odb_new (&odb);
  if (status == 0)
    status = git_odb_backend_one_pack (&backend, idx);
  if (status == 0)
    {
      status = git_odb_add_backend (odb, backend, 1);
      if (status < 0)
        backend->free (backend);
    }
  if (status == 0)
    status = git_odb_foreach (odb, insert_object, &all);
  return all.status < 0 ? all.status : status;
}

/* The files of pack-@name, the .pack first as git removes them: an index
 * left without its pack by a crash is ignored by git and libgit2. */
static void
remove_pack (const char *dir,
             const char *name)
{
  static const char *const suffixes[] = { "pack", "idx", "rev", "bitmap" };

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s/pack-%s.%s", dir, name, suffixes[i]);

      if (g_unlink (file) != 0 && errno != ENOENT)
        g_debug ("cannot remove %s: %s", file, g_strerror (errno));
    }
}

static gboolean
merge_packs (ChainLedgerPacker *self,
             const char        *dir,
             GArray            *packs,
             guint              n,
             GError           **error)
{
  g_autoptr(git_packbuilder) builder = NULL;
  g_autofree char *copied = NULL;
  const char *name = NULL;
  goffset total = 0;
  int status;

  /* Big packs (device batches) are copied entry by entry; small ones
   * (small records, whose trees delta well) go through the builder. */
  for (guint i = 0; i < n; i++)
    total += g_array_index (packs, PackFile, i).size;
  if (total >= CHAIN_LEDGER_PACK_COPY_MIN)
    {
      g_autofree const char **names = g_new0 (const char *, n + 1);

      for (guint i = 0; i < n; i++)
        names[i] = g_array_index (packs, PackFile, i).name;
      if (!chain_ledger_pack_copy_merge (dir, names, n, &copied, error))
        return FALSE;
      name = copied;
    }
  if (name == NULL)
    {
      limit_packbuilder_memory (self->repo);
      status = git_packbuilder_new (&builder, self->repo);
      for (guint i = 0; status == 0 && i < n; i++)
        status = insert_pack (builder, dir, g_array_index (packs, PackFile, i).name);
      if (status == 0)
        status = git_packbuilder_write (builder, dir, 0, NULL, NULL);
      if (status < 0)
        return chain_git_error (error, status, _("cannot merge the ledger's packs"));
      name = git_packbuilder_name (builder);
    }
  if (!sync_pack (dir, name, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (strcmp (g_array_index (packs, PackFile, i).name, name) != 0)
      remove_pack (dir, g_array_index (packs, PackFile, i).name);
  if (!fsync_path (dir, TRUE))
    g_debug ("cannot fsync %s: %s", dir, g_strerror (errno));
  return TRUE;
}

gboolean
chain_ledger_packer_consolidate (ChainLedgerPacker *self,
                                 GError           **error)
{
  g_autofree char *dir = pack_dir (self);
  g_autofree char *midx = g_build_filename (dir, "multi-pack-index", NULL);
  g_autofree char *lock_path = NULL;
  g_autoptr(GArray) packs = list_packs (dir);
  guint n;
  int lock;
  gboolean ok;

  if (packs->len <= CHAIN_LEDGER_PACK_LIMIT || g_file_test (midx, G_FILE_TEST_EXISTS))
    return TRUE;
  lock_path = g_build_filename (self->path, CONSOLIDATE_LOCK_FILE, NULL);
  lock = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock < 0 || flock (lock, LOCK_EX | LOCK_NB) != 0)
    {
      if (lock >= 0)
        close (lock);
      return TRUE;
    }
  /* Another process may have merged some since we listed them. */
  g_clear_pointer (&packs, g_array_unref);
  packs = list_packs (dir);
  n = packs->len > CHAIN_LEDGER_PACK_LIMIT ? packs_to_merge (packs) : 0;
  ok = n < 2 || merge_packs (self, dir, packs, n, error);
  close (lock);
  /* Our handle still holds the packs just removed: start afresh. */
  if (ok && n >= 2)
    ok = open_repo (self, error);
  return ok;
}
