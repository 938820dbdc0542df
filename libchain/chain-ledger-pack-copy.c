/* chain-ledger-pack-copy.c — merging packs by copying their entries
 *
 * git_packbuilder rewrites every object it is given: it inflates it,
 * searches a window of ten same-typed objects for a delta (libgit2 1.5
 * tries one for any object under 512 MiB) and deflates the result. A
 * device-batch record's certificates.pem and manifest.csv are megabytes
 * of signatures, serials and keys that no other record shares, so the
 * search finds nothing while it costs tens of seconds and hundreds of MiB
 * on a merge of a few batches (profiled: libgit2's delta loop took ~90%
 * of `chain issue` while a consolidation ran).
 *
 * What `git repack` does with an object already packed is reuse its
 * bytes; so does this: the entries of the packs are copied as they are
 * into one new pack, each object once, and libgit2's indexer reads the
 * stream back (inflating and hashing every object, resolving each delta)
 * to write its index. libgit2 writes a delta only as REF_DELTA, which
 * names its base by id and so stays valid anywhere in the new pack; a
 * pack with an OFS_DELTA (written by git itself) is left to the builder.
 */
#include "chain-ledger-pack-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define OID_LEN 20
#define PACK_HEADER_LEN 12
#define PACK_TRAILER_LEN OID_LEN
#define IDX_HEADER_LEN 8
#define IDX_FANOUT_LEN (256 * 4)
#define OBJ_OFS_DELTA 6
#define COPY_BUFFER_LEN (1024 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)

/* One entry of a source pack: where it starts and ends in it. */
typedef struct {
  guint64 start;
  guint64 end;
  guint8  oid[OID_LEN];
} Entry;

typedef struct {
  char   *pack_path;
  GArray *entries;      /* Entry, by start; the ones to copy */
} Source;

static void
source_clear (Source *source)
{
  g_free (source->pack_path);
  g_clear_pointer (&source->entries, g_array_unref);
}

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static gint
by_start (gconstpointer a,
          gconstpointer b)
{
  const Entry *x = a;
  const Entry *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

/* Reads @n bytes at @offset of @fd into @buf. */
static gboolean
read_at (int      fd,
         guint8  *buf,
         gsize    n,
         guint64  offset)
{
  while (n > 0)
    {
      ssize_t got = pread (fd, buf, n, (off_t) offset);

      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        return FALSE;
      buf += got;
      n -= (gsize) got;
      offset += (guint64) got;
    }
  return TRUE;
}

typedef enum {
  LOAD_OK,
  LOAD_UNSUPPORTED,
  LOAD_FAILED,
} LoadResult;

/* Lists pack-@name's entries from its version 2 index, skipping objects
 * already in @seen (and adding the others). */
static LoadResult
load_source (const char *dir,
             const char *name,
             GHashTable *seen,
             Source     *out)
{
  g_autofree char *idx_path = g_strdup_printf ("%s/pack-%s.idx", dir, name);
  g_autofree char *pack_path = g_strdup_printf ("%s/pack-%s.pack", dir, name);
  g_autofree guint8 *idx = NULL;
  g_autoptr(GArray) all = NULL;
  gsize idx_len = 0;
  guint8 header[PACK_HEADER_LEN];
  guint64 pack_len;
  guint32 n;
  const guint8 *oids;
  const guint8 *offsets;
  const guint8 *large;
  GStatBuf st;
  int fd;
  LoadResult result = LOAD_OK;

  if (!g_file_get_contents (idx_path, (char **) &idx, &idx_len, NULL)
      || idx_len < IDX_HEADER_LEN + IDX_FANOUT_LEN
      || memcmp (idx, "\377tOc", 4) != 0 || be32 (idx + 4) != 2)
    return LOAD_UNSUPPORTED;
  n = be32 (idx + IDX_HEADER_LEN + IDX_FANOUT_LEN - 4);
  if (idx_len < IDX_HEADER_LEN + IDX_FANOUT_LEN + (guint64) n * (OID_LEN + 4 + 4) + 2 * OID_LEN)
    return LOAD_UNSUPPORTED;
  oids = idx + IDX_HEADER_LEN + IDX_FANOUT_LEN;
  offsets = oids + (gsize) n * (OID_LEN + 4);
  large = offsets + (gsize) n * 4;

  if (g_stat (pack_path, &st) != 0)
    return LOAD_FAILED;
  pack_len = (guint64) st.st_size;
  fd = g_open (pack_path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return LOAD_FAILED;
  if (pack_len < PACK_HEADER_LEN + PACK_TRAILER_LEN || !read_at (fd, header, sizeof header, 0)
      || memcmp (header, "PACK", 4) != 0 || be32 (header + 8) != n)
    {
      close (fd);
      return LOAD_UNSUPPORTED;
    }

  all = g_array_sized_new (FALSE, FALSE, sizeof (Entry), n);
  for (guint32 i = 0; i < n; i++)
    {
      Entry e = { 0 };
      guint32 off = be32 (offsets + (gsize) i * 4);

      if (off & 0x80000000u)
        {
          const guint8 *p = large + (gsize) (off & 0x7fffffffu) * 8;

          if (p + 8 > idx + idx_len - 2 * OID_LEN)
            {
              close (fd);
              return LOAD_UNSUPPORTED;
            }
          e.start = (guint64) be32 (p) << 32 | be32 (p + 4);
        }
      else
        e.start = off;
      memcpy (e.oid, oids + (gsize) i * OID_LEN, OID_LEN);
      g_array_append_val (all, e);
    }
  g_array_sort (all, by_start);

  out->pack_path = g_steal_pointer (&pack_path);
  out->entries = g_array_sized_new (FALSE, FALSE, sizeof (Entry), n);
  for (guint32 i = 0; i < n && result == LOAD_OK; i++)
    {
      Entry *e = &g_array_index (all, Entry, i);
      guint8 type_byte = 0;

      e->end = i + 1 < n ? g_array_index (all, Entry, i + 1).start : pack_len - PACK_TRAILER_LEN;
      if (e->start < PACK_HEADER_LEN || e->end <= e->start || e->end > pack_len - PACK_TRAILER_LEN)
        result = LOAD_UNSUPPORTED;
      else if (!read_at (fd, &type_byte, 1, e->start))
        result = LOAD_FAILED;
      else if (((type_byte >> 4) & 7) == OBJ_OFS_DELTA)
        result = LOAD_UNSUPPORTED;
      else if (!g_hash_table_contains (seen, e->oid))
        {
          g_array_append_val (out->entries, *e);
          g_hash_table_add (seen, g_memdup2 (e->oid, OID_LEN));
        }
    }
  close (fd);
  return result;
}

static guint
oid_bytes_hash (gconstpointer key)
{
  guint hash;

  memcpy (&hash, key, sizeof hash);
  return hash;
}

static gboolean
oid_bytes_equal (gconstpointer a,
                 gconstpointer b)
{
  return memcmp (a, b, OID_LEN) == 0;
}

/* Feeds @len bytes to the indexer and the pack's checksum. */
static int
feed (git_indexer          *indexer,
      EVP_MD_CTX           *sha1,
      const guint8         *data,
      gsize                 len,
      git_indexer_progress *stats)
{
  if (!EVP_DigestUpdate (sha1, data, len))
    return -1;
  return git_indexer_append (indexer, data, len, stats);
}

/* Copies @source's entries into the stream. */
static int
copy_entries (const Source         *source,
              git_indexer          *indexer,
              EVP_MD_CTX           *sha1,
              guint8               *buffer,
              git_indexer_progress *stats)
{
  int fd = g_open (source->pack_path, O_RDONLY | O_CLOEXEC, 0);
  int status = 0;

  if (fd < 0)
    return -1;
  for (guint i = 0; status == 0 && i < source->entries->len; i++)
    {
      const Entry *e = &g_array_index (source->entries, Entry, i);
      guint64 at = e->start;

      while (status == 0 && at < e->end)
        {
          gsize chunk = (gsize) MIN ((guint64) COPY_BUFFER_LEN, e->end - at);

          if (!read_at (fd, buffer, chunk, at))
            status = -1;
          else
            status = feed (indexer, sha1, buffer, chunk, stats);
          at += chunk;
        }
    }
  close (fd);
  return status;
}

gboolean
chain_ledger_pack_copy_merge (const char  *dir,
                              const char **names,
                              guint        n,
                              char       **out_name,
                              GError     **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (oid_bytes_hash, oid_bytes_equal, g_free, NULL);
  g_autoptr(GArray) sources = g_array_new (FALSE, TRUE, sizeof (Source));
  g_autoptr(git_indexer) indexer = NULL;
  g_autoptr(EVP_MD_CTX) sha1 = EVP_MD_CTX_new ();
  git_indexer_options options = GIT_INDEXER_OPTIONS_INIT;
  git_indexer_progress stats = { 0 };
  g_autofree guint8 *buffer = NULL;
  guint8 header[PACK_HEADER_LEN] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2 };
  guint8 trailer[EVP_MAX_MD_SIZE];
  unsigned int trailer_len = 0;
  guint64 total = 0;
  int status;

  *out_name = NULL;
  g_array_set_clear_func (sources, (GDestroyNotify) source_clear);
  for (guint i = 0; i < n; i++)
    {
      Source source = { 0 };
      LoadResult result = load_source (dir, names[i], seen, &source);

      g_array_append_val (sources, source);
      if (result == LOAD_UNSUPPORTED)
        return TRUE;
      if (result == LOAD_FAILED)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("cannot read the ledger's pack %s: %s"),
                       names[i], g_strerror (errno != 0 ? errno : EIO));
          return FALSE;
        }
      total += source.entries->len;
    }
  if (total > G_MAXUINT32 || sha1 == NULL)
    return TRUE;
  header[8] = (guint8) (total >> 24);
  header[9] = (guint8) (total >> 16);
  header[10] = (guint8) (total >> 8);
  header[11] = (guint8) total;

  buffer = g_malloc (COPY_BUFFER_LEN);
  status = git_indexer_new (&indexer, dir, 0, NULL, &options);
  if (status == 0 && !EVP_DigestInit_ex (sha1, EVP_sha1 (), NULL))
    status = -1;
  if (status == 0)
    status = feed (indexer, sha1, header, sizeof header, &stats);
  for (guint i = 0; status == 0 && i < sources->len; i++)
    status = copy_entries (&g_array_index (sources, Source, i), indexer, sha1, buffer, &stats);
  if (status == 0 && (!EVP_DigestFinal_ex (sha1, trailer, &trailer_len) || trailer_len != OID_LEN))
    status = -1;
  if (status == 0)
    status = git_indexer_append (indexer, trailer, trailer_len, &stats);
  if (status == 0)
    status = git_indexer_commit (indexer, &stats);
  if (status < 0)
    return chain_git_error (error, status, _("cannot merge the ledger's packs"));
  *out_name = g_strdup (git_indexer_name (indexer));
  return TRUE;
}
