/* chain-sync-pack-bound.c — what a bundle's pack may inflate, judged before
 * libgit2's indexer inflates it
 *
 * The indexer inflates every object to hash it, so a small pack can make it
 * inflate gigabytes (a zero blob compresses a thousandfold) before the
 * sizes in the object store can be looked at. This pass reads the pack's
 * object headers in order: an object (or a delta's result) declaring more
 * than CHAIN_SYNC_OBJECT_MAX_SIZE, or declared sizes (a delta's own and its
 * result's, which the indexer builds) adding up to more than
 * CHAIN_SYNC_PACK_INFLATE_RATIO times the pack (at least
 * CHAIN_SYNC_PACK_INFLATE_FLOOR), refuse the bundle at once. Finding where
 * an object ends means inflating it, so each stream is inflated into a
 * scratch buffer and stopped as soon as it passes its declared size: the
 * work is bounded by the declared sizes, which are bounded first. The
 * pack's form and checksum are still the indexer's to check.
 */
#include "chain-sync-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define READ_CHUNK (64 * 1024)
#define PACK_HEADER_LEN 12
#define OBJ_OFS_DELTA 6
#define OBJ_REF_DELTA 7

typedef struct {
  int     fd;
  guint64 left;          /* bytes of the pack not read from fd yet */
  guint8  buf[READ_CHUNK];
  gsize   pos;
  gsize   len;
  int     saved_errno;
} PackReader;

/* Makes sure some input is buffered; FALSE at the end or on error. */
static gboolean
reader_fill (PackReader *r)
{
  gssize got;

  if (r->pos < r->len)
    return TRUE;
  if (r->left == 0)
    return FALSE;
  do
    got = read (r->fd, r->buf, (size_t) MIN ((guint64) sizeof r->buf, r->left));
  while (got < 0 && errno == EINTR);
  if (got <= 0)
    {
      r->saved_errno = got < 0 ? errno : 0;
      return FALSE;
    }
  r->pos = 0;
  r->len = (gsize) got;
  r->left -= (guint64) got;
  return TRUE;
}

static gboolean
reader_byte (PackReader *r,
             guint8     *out)
{
  if (!reader_fill (r))
    return FALSE;
  *out = r->buf[r->pos++];
  return TRUE;
}

static gboolean
reader_skip (PackReader *r,
             gsize       n)
{
  for (guint8 ignored; n > 0; n--)
    if (!reader_byte (r, &ignored))
      return FALSE;
  return TRUE;
}

/* A delta's data starts with the base's size and the result's, each a
 * little-endian base-128 number of at most ten bytes. */
#define DELTA_SIZES_MAX 20

/* Reads the result's size from the first @len bytes of a delta. FALSE when
 * they do not hold both numbers yet; *@out_malformed when no more bytes
 * could help. */
static gboolean
delta_result_size (const guint8 *data,
                   gsize         len,
                   guint64      *out,
                   gboolean     *out_malformed)
{
  gsize at = 0;

  *out_malformed = FALSE;
  for (guint n = 0; n < 2; n++)
    {
      guint64 value = 0;
      guint shift = 0;
      guint8 c;

      do
        {
          if (shift > 63)
            {
              *out_malformed = TRUE;
              return FALSE;
            }
          if (at >= len)
            {
              *out_malformed = len >= DELTA_SIZES_MAX;
              return FALSE;
            }
          c = data[at++];
          value |= (guint64) (c & 0x7f) << shift;
          shift += 7;
        }
      while (c & 0x80);
      *out = value;
    }
  return TRUE;
}

/* Inflates one object's stream into scratch space. FALSE when the stream is
 * damaged or inflates past @declared, or a delta's result is larger than
 * an object may be; *@out_result is a delta's result size (0 for other
 * objects). A delta's sizes are gathered across inflate calls: input
 * buffered in chunks can yield its first bytes a few at a time. */
static gboolean
inflate_object (PackReader *r,
                guint64     declared,
                gboolean    is_delta,
                guint64    *out_result,
                gboolean   *out_damaged)
{
  z_stream z = { 0 };
  g_autofree guint8 *out = g_malloc (READ_CHUNK);
  guint8 sizes[DELTA_SIZES_MAX];
  gsize sizes_len = 0;
  gboolean sizes_known = !is_delta;
  guint64 total = 0;
  gboolean too_big = FALSE;
  gboolean malformed = FALSE;
  int status = Z_OK;

  *out_result = 0;
  *out_damaged = TRUE;
  if (inflateInit (&z) != Z_OK)
    return FALSE;
  while (status != Z_STREAM_END)
    {
      gsize produced;

      if (!reader_fill (r))
        break;
      z.next_in = r->buf + r->pos;
      z.avail_in = (uInt) (r->len - r->pos);
      z.next_out = out;
      z.avail_out = READ_CHUNK;
      status = inflate (&z, Z_NO_FLUSH);
      r->pos = r->len - z.avail_in;
      if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR)
        break;
      produced = READ_CHUNK - z.avail_out;
      if (!sizes_known && produced > 0)
        {
          gsize take = MIN (produced, sizeof sizes - sizes_len);

          memcpy (sizes + sizes_len, out, take);
          sizes_len += take;
          sizes_known = delta_result_size (sizes, sizes_len, out_result, &malformed);
          if (malformed)
            break;
          if (sizes_known && *out_result > CHAIN_SYNC_OBJECT_MAX_SIZE)
            {
              too_big = TRUE;
              break;
            }
        }
      total += produced;
      if (total > declared)
        break;
    }
  inflateEnd (&z);
  if (too_big)
    *out_damaged = FALSE;
  if (too_big || !sizes_known || status != Z_STREAM_END || total != declared)
    return FALSE;
  *out_damaged = FALSE;
  return TRUE;
}

static gboolean
refuse_damaged (GError    **error,
                const char *name,
                int         saved_errno)
{
  /* The indexer's message, so that a damaged pack reads the same whoever
   * finds it. */
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               _("the bundle %s is damaged or cut short (%s); ask its sender for a new one"),
               name, saved_errno != 0 ? g_strerror (saved_errno) : _("unreadable pack"));
  return FALSE;
}

static gboolean
refuse_object (GError    **error,
               const char *name,
               guint64     size)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               _("the bundle %s declares an object of %" PRIu64 " bytes, more than any record holds; "
                 "it is refused before unpacking"),
               name, size);
  return FALSE;
}

static gboolean
refuse_budget (GError    **error,
               const char *name,
               guint64     budget,
               guint64     pack_len)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               _("the bundle %s would unpack to more than %" PRIu64 " bytes, far more than its "
                 "%" PRIu64 " bytes hold as records; it is refused before unpacking"),
               name, budget, pack_len);
  return FALSE;
}

gboolean
chain_sync_pack_check_bounds (int           fd,
                              guint64       offset,
                              guint64       size,
                              const char   *name,
                              GCancellable *cancellable,
                              GError      **error)
{
  g_autofree PackReader *r = g_new0 (PackReader, 1);
  guint64 pack_len = size > offset ? size - offset : 0;
  guint64 budget = MAX (CHAIN_SYNC_PACK_INFLATE_FLOOR, pack_len * CHAIN_SYNC_PACK_INFLATE_RATIO);
  guint64 declared_total = 0;
  guint8 header[PACK_HEADER_LEN];
  guint32 n_objects;

  if (lseek (fd, (off_t) offset, SEEK_SET) < 0)
    return refuse_damaged (error, name, errno);
  r->fd = fd;
  r->left = pack_len;
  for (gsize i = 0; i < sizeof header; i++)
    if (!reader_byte (r, &header[i]))
      return refuse_damaged (error, name, r->saved_errno);
  if (memcmp (header, "PACK", 4) != 0)
    return refuse_damaged (error, name, 0);
  n_objects = (guint32) header[8] << 24 | (guint32) header[9] << 16 | (guint32) header[10] << 8 | header[11];

  for (guint32 i = 0; i < n_objects; i++)
    {
      guint64 declared;
      guint64 result = 0;
      guint shift = 4;
      guint type;
      guint8 c;
      gboolean damaged;

      if ((i % CHAIN_SYNC_CANCEL_CHECK_EVERY) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!reader_byte (r, &c))
        return refuse_damaged (error, name, r->saved_errno);
      type = (c >> 4) & 7;
      declared = c & 15;
      while (c & 0x80)
        {
          if (shift > 57 || !reader_byte (r, &c))
            return refuse_damaged (error, name, r->saved_errno);
          declared |= (guint64) (c & 0x7f) << shift;
          shift += 7;
        }
      if (type == 0 || type == 5)
        return refuse_damaged (error, name, 0);
      if (declared > CHAIN_SYNC_OBJECT_MAX_SIZE)
        return refuse_object (error, name, declared);
      declared_total += declared;
      if (declared_total > budget)
        return refuse_budget (error, name, budget, pack_len);
      if (type == OBJ_OFS_DELTA)
        {
          do
            if (!reader_byte (r, &c))
              return refuse_damaged (error, name, r->saved_errno);
          while (c & 0x80);
        }
      else if (type == OBJ_REF_DELTA && !reader_skip (r, GIT_OID_RAWSZ))
        return refuse_damaged (error, name, r->saved_errno);
      if (!inflate_object (r, declared, type >= OBJ_OFS_DELTA, &result, &damaged))
        {
          if (!damaged)
            return refuse_object (error, name, result);
          return refuse_damaged (error, name, r->saved_errno);
        }
      /* The indexer builds each delta's result to hash it: that counts
       * too, or small deltas copying one base over and over would unpack
       * to gigabytes. */
      declared_total += result;
      if (declared_total > budget)
        return refuse_budget (error, name, budget, pack_len);
    }
  return TRUE;
}
