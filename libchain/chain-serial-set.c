/* chain-serial-set.c — a compact hash set of certificate serials
 *
 * Entries (a key and its value, 20 bytes) lie in insertion order in
 * fixed-size chunks, numbered from 0; an index of 4-byte slots (0 when empty, else an
 * entry's number plus one) finds them by linear probing. An empty slot
 * costs 4 bytes instead of the 20 of an inline table, so a million serials
 * take about 26 MB, and an entry's number is stable, for other tables to
 * point at. The slot count need not be a power of two: a 32-bit hash is
 * mapped onto it by multiplication, so the index grows by half.
 */
#include "chain-serial-set-private.h"
#include "chain-openssl-private.h"

#include <string.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define INITIAL_SLOTS 1024
/* Entries lie in chunks of this many (1.25 MiB), allocated as needed: a
 * set grows by at most one chunk, never by copying what it holds. */
#define CHUNK_BITS 16
#define CHUNK_ENTRIES ((gsize) 1 << CHUNK_BITS)

typedef struct {
  guint8  key[CHAIN_SERIAL_KEY_LEN];
  guint32 value;
} Entry;

struct _ChainSerialSet {
  Entry  **chunks;         /* each CHUNK_ENTRIES entries */
  gsize    n_chunks;
  gsize    size;
  guint32 *index;
  gsize    n_slots;
  guint64  sip_key[2];
};

G_STATIC_ASSERT (sizeof (Entry) == CHAIN_SERIAL_SET_ENTRY_LEN);

/* ---- SipHash-2-4 over exactly 16 bytes ---------------------------------- */

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                      \
  G_STMT_START {                                                      \
    v0 += v1; v1 = ROTL64 (v1, 13); v1 ^= v0; v0 = ROTL64 (v0, 32);  \
    v2 += v3; v3 = ROTL64 (v3, 16); v3 ^= v2;                         \
    v0 += v3; v3 = ROTL64 (v3, 21); v3 ^= v0;                         \
    v2 += v1; v1 = ROTL64 (v1, 17); v1 ^= v2; v2 = ROTL64 (v2, 32);   \
  } G_STMT_END

static guint64
read_le64 (const guint8 *p)
{
  guint64 m = 0;

  for (int i = 7; i >= 0; i--)
    m = (m << 8) | p[i];
  return m;
}

static guint32
hash_key (const ChainSerialSet *self,
          const guint8         *key)
{
  guint64 v0 = self->sip_key[0] ^ G_GUINT64_CONSTANT (0x736f6d6570736575);
  guint64 v1 = self->sip_key[1] ^ G_GUINT64_CONSTANT (0x646f72616e646f6d);
  guint64 v2 = self->sip_key[0] ^ G_GUINT64_CONSTANT (0x6c7967656e657261);
  guint64 v3 = self->sip_key[1] ^ G_GUINT64_CONSTANT (0x7465646279746573);
  guint64 m;
  guint64 h;

  for (int i = 0; i < 2; i++)
    {
      m = read_le64 (key + 8 * i);
      v3 ^= m;
      SIPROUND;
      SIPROUND;
      v0 ^= m;
    }
  m = (guint64) CHAIN_SERIAL_KEY_LEN << 56;
  v3 ^= m;
  SIPROUND;
  SIPROUND;
  v0 ^= m;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  h = v0 ^ v1 ^ v2 ^ v3;
  return (guint32) (h ^ (h >> 32));
}

/* ---- Keys --------------------------------------------------------------- */

void
chain_serial_key_from_bytes (const guint8   *data,
                             gsize           len,
                             ChainSerialKey *out_key)
{
  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (out_key != NULL);

  while (len > 0 && data[0] == 0)
    {
      data++;
      len--;
    }
  memset (out_key->bytes, 0, sizeof out_key->bytes);
  if (len <= CHAIN_SERIAL_KEY_LEN)
    {
      if (len > 0)
        memcpy (out_key->bytes + CHAIN_SERIAL_KEY_LEN - len, data, len);
    }
  else
    {
      guint8 digest[SHA256_DIGEST_LENGTH];

      SHA256 (data, len, digest);
      memcpy (out_key->bytes, digest, CHAIN_SERIAL_KEY_LEN);
    }
}

gboolean
chain_serial_key_from_hex (const char     *hex,
                           ChainSerialKey *out_key)
{
  guint8 bytes[20];
  gsize len;
  gsize n;

  g_return_val_if_fail (out_key != NULL, FALSE);

  if (hex == NULL)
    return FALSE;
  len = strnlen (hex, 41);
  if (len == 0 || len > 40)
    return FALSE;
  n = (len + 1) / 2;
  for (gsize i = 0; i < n; i++)
    {
      /* An odd count reads as if a leading 0 were there. */
      gssize hi_pos = (gssize) (2 * i) - (gssize) (len % 2);
      int hi = hi_pos >= 0 ? g_ascii_xdigit_value (hex[hi_pos]) : 0;
      int lo = g_ascii_xdigit_value (hex[hi_pos + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      bytes[i] = (guint8) (hi << 4 | lo);
    }
  chain_serial_key_from_bytes (bytes, n, out_key);
  return TRUE;
}

/* ---- The table ---------------------------------------------------------- */

ChainSerialSet *
chain_serial_set_new (void)
{
  ChainSerialSet *self = g_new0 (ChainSerialSet, 1);

  if (RAND_bytes ((unsigned char *) self->sip_key, sizeof self->sip_key) != 1)
    g_error ("libchain: the system random number generator failed");
  self->n_slots = INITIAL_SLOTS;
  self->index = g_new0 (guint32, self->n_slots);
  return self;
}

gsize
chain_serial_set_get_size (const ChainSerialSet *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size;
}

gsize
chain_serial_set_get_memory (const ChainSerialSet *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_chunks * CHUNK_ENTRIES * sizeof (Entry) + self->n_slots * sizeof (guint32);
}

static inline Entry *
entry_at (const ChainSerialSet *self,
          gsize                 entry)
{
  return &self->chunks[entry >> CHUNK_BITS][entry & (CHUNK_ENTRIES - 1)];
}

/* Room for one more entry. */
static void
reserve_entry (ChainSerialSet *self)
{
  if (self->size < self->n_chunks * CHUNK_ENTRIES)
    return;
  self->chunks = g_renew (Entry *, self->chunks, self->n_chunks + 1);
  self->chunks[self->n_chunks++] = g_new (Entry, CHUNK_ENTRIES);
}

static gsize
home_slot (const ChainSerialSet *self,
           const guint8         *key)
{
  return (gsize) (((guint64) hash_key (self, key) * self->n_slots) >> 32);
}

/* The slot pointing at @key's entry, or the empty slot where it would go. */
static guint32 *
find_slot (const ChainSerialSet *self,
           const guint8         *key)
{
  gsize i = home_slot (self, key);

  for (;;)
    {
      guint32 *slot = &self->index[i];

      if (*slot == 0 || memcmp (entry_at (self, *slot - 1)->key, key, CHAIN_SERIAL_KEY_LEN) == 0)
        return slot;
      i = i + 1 == self->n_slots ? 0 : i + 1;
    }
}

/* The first empty slot from @key's home; the key is known to be absent. */
static guint32 *
find_empty_slot (const ChainSerialSet *self,
                 const guint8         *key)
{
  gsize i = home_slot (self, key);

  while (self->index[i] != 0)
    i = i + 1 == self->n_slots ? 0 : i + 1;
  return &self->index[i];
}

static void
grow_index (ChainSerialSet *self)
{
  self->n_slots += self->n_slots / 2;
  g_free (self->index);
  self->index = g_new0 (guint32, self->n_slots);
  for (gsize e = 0; e < self->size; e++)
    *find_empty_slot (self, entry_at (self, e)->key) = (guint32) e + 1;
}

gboolean
chain_serial_set_lookup (const ChainSerialSet *self,
                         const ChainSerialKey *key,
                         guint32              *out_value)
{
  guint32 entry = 0;

  if (!chain_serial_set_find_entry (self, key, &entry))
    return FALSE;
  if (out_value != NULL)
    *out_value = entry_at (self, entry)->value;
  return TRUE;
}

gboolean
chain_serial_set_find_entry (const ChainSerialSet *self,
                             const ChainSerialKey *key,
                             guint32              *out_entry)
{
  guint32 *slot;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  slot = find_slot (self, key->bytes);
  if (*slot == 0)
    return FALSE;
  if (out_entry != NULL)
    *out_entry = *slot - 1;
  return TRUE;
}

const ChainSerialKey *
chain_serial_set_get_entry_key (const ChainSerialSet *self,
                                guint32               entry)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (entry < self->size, NULL);
  return (const ChainSerialKey *) entry_at (self, entry)->key;
}

guint32
chain_serial_set_get_entry_value (const ChainSerialSet *self,
                                  guint32               entry)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (entry < self->size, 0);
  return entry_at (self, entry)->value;
}

void
chain_serial_set_set_entry_value (ChainSerialSet *self,
                                  guint32         entry,
                                  guint32         value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (entry < self->size);
  g_return_if_fail (value <= CHAIN_SERIAL_VALUE_MAX);
  entry_at (self, entry)->value = value;
}

gboolean
chain_serial_set_insert (ChainSerialSet       *self,
                         const ChainSerialKey *key,
                         guint32               value)
{
  guint32 *slot;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value <= CHAIN_SERIAL_VALUE_MAX, FALSE);
  /* Entry numbers, plus one, must fit a slot. */
  g_return_val_if_fail (self->size <= CHAIN_SERIAL_VALUE_MAX, FALSE);

  /* At most three quarters full, so probes stay short. */
  if ((self->size + 1) * 4 > self->n_slots * 3)
    grow_index (self);
  slot = find_slot (self, key->bytes);
  if (*slot != 0)
    return FALSE;
  reserve_entry (self);
  memcpy (entry_at (self, self->size)->key, key->bytes, CHAIN_SERIAL_KEY_LEN);
  entry_at (self, self->size)->value = value;
  *slot = (guint32) ++self->size;
  return TRUE;
}

gboolean
chain_serial_set_replace (ChainSerialSet       *self,
                          const ChainSerialKey *key,
                          guint32               value)
{
  guint32 *slot;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value <= CHAIN_SERIAL_VALUE_MAX, FALSE);

  slot = find_slot (self, key->bytes);
  if (*slot == 0)
    return FALSE;
  entry_at (self, *slot - 1)->value = value;
  return TRUE;
}

void
chain_serial_set_free (ChainSerialSet *self)
{
  if (self == NULL)
    return;
  for (gsize i = 0; i < self->n_chunks; i++)
    g_free (self->chunks[i]);
  g_free (self->chunks);
  g_free (self->index);
  g_free (self);
}

/* ---- Raw form, for the state cache ---------------------------------------- */

const guint32 *
chain_serial_set_get_image (const ChainSerialSet *self,
                            guint64               out_sip_key[2],
                            gsize                *out_n_entries,
                            gsize                *out_n_slots)
{
  g_return_val_if_fail (self != NULL, NULL);

  out_sip_key[0] = self->sip_key[0];
  out_sip_key[1] = self->sip_key[1];
  *out_n_entries = self->size;
  *out_n_slots = self->n_slots;
  return self->index;
}

const void *
chain_serial_set_get_entry_run (const ChainSerialSet *self,
                                gsize                 from,
                                gsize                *out_n)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (from < self->size, NULL);

  *out_n = MIN (self->size - from, CHUNK_ENTRIES - (from & (CHUNK_ENTRIES - 1)));
  return entry_at (self, from);
}

ChainSerialSet *
chain_serial_set_new_for_image (const guint64  sip_key[2],
                                const void    *index,
                                gsize          n_slots)
{
  ChainSerialSet *self;

  g_return_val_if_fail (index != NULL || n_slots == 0, NULL);

  /* An index that is full or too small would make find_slot() spin. */
  if (n_slots < INITIAL_SLOTS || n_slots > G_MAXSIZE / sizeof (Entry))
    return NULL;
  self = g_new0 (ChainSerialSet, 1);
  self->sip_key[0] = sip_key[0];
  self->sip_key[1] = sip_key[1];
  self->n_slots = n_slots;
  self->index = g_new (guint32, n_slots);
  memcpy (self->index, index, n_slots * sizeof (guint32));
  return self;
}

gboolean
chain_serial_set_add_image_entries (ChainSerialSet *self,
                                    const void     *entries,
                                    gsize           n_entries)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (entries != NULL || n_entries == 0, FALSE);

  if (n_entries > (gsize) CHAIN_SERIAL_VALUE_MAX + 1 - self->size)
    return FALSE;
  for (gsize done = 0; done < n_entries;)
    {
      gsize n;

      reserve_entry (self);
      n = MIN (n_entries - done, self->n_chunks * CHUNK_ENTRIES - self->size);
      memcpy (entry_at (self, self->size), (const Entry *) entries + done, n * sizeof (Entry));
      self->size += n;
      done += n;
    }
  return TRUE;
}

gboolean
chain_serial_set_check_image (const ChainSerialSet *self,
                              guint32               value_mask,
                              guint32               value_limit)
{
  g_autofree guint8 *seen = NULL;
  gsize occupied = 0;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->size * 4 > self->n_slots * 3)
    return FALSE;
  for (gsize e = 0; e < self->size; e++)
    {
      guint32 value = entry_at (self, e)->value;

      if (value > CHAIN_SERIAL_VALUE_MAX || (value & value_mask) >= value_limit)
        return FALSE;
    }
  /* Every entry pointed at exactly once, and nothing else. */
  seen = g_malloc0 (self->size / 8 + 1);
  for (gsize i = 0; i < self->n_slots; i++)
    {
      guint32 slot = self->index[i];

      if (slot == 0)
        continue;
      if (slot > self->size || (seen[(slot - 1) / 8] & (1u << ((slot - 1) % 8))) != 0)
        return FALSE;
      seen[(slot - 1) / 8] |= (guint8) (1u << ((slot - 1) % 8));
      occupied++;
    }
  return occupied == self->size;
}

ChainSerialSet *
chain_serial_set_new_from_image (const guint64  sip_key[2],
                                 const void    *entries,
                                 gsize          n_entries,
                                 const void    *index,
                                 gsize          n_slots,
                                 guint32        value_mask,
                                 guint32        value_limit)
{
  g_autoptr(ChainSerialSet) self = chain_serial_set_new_for_image (sip_key, index, n_slots);

  if (self == NULL
      || !chain_serial_set_add_image_entries (self, entries, n_entries)
      || !chain_serial_set_check_image (self, value_mask, value_limit))
    return NULL;
  return g_steal_pointer (&self);
}
