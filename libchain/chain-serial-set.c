/* chain-serial-set.c — a compact hash set of certificate serials
 *
 * Linear probing over inline slots; a slot's tag is 0 when empty, else the
 * value with the top bit set. The slot count need not be a power of two:
 * a 32-bit hash is mapped onto it by multiplication, so the table can grow
 * by half rather than double, which keeps a million serials near 30 MB.
 */
#include "chain-serial-set-private.h"
#include "chain-openssl-private.h"

#include <string.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define INITIAL_SLOTS 1024
#define OCCUPIED 0x80000000u

typedef struct {
  guint8  key[CHAIN_SERIAL_KEY_LEN];
  guint32 tag;
} Slot;

struct _ChainSerialSet {
  Slot   *slots;
  gsize   n_slots;
  gsize   size;
  guint64 sip_key[2];
};

G_STATIC_ASSERT (sizeof (Slot) == 20);

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
  self->slots = g_new0 (Slot, self->n_slots);
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
  return self->n_slots * sizeof (Slot);
}

static gsize
home_slot (const ChainSerialSet *self,
           const guint8         *key)
{
  return (gsize) (((guint64) hash_key (self, key) * self->n_slots) >> 32);
}

/* The slot holding @key, or the empty slot where it would go. */
static Slot *
find_slot (const ChainSerialSet *self,
           const guint8         *key)
{
  gsize i = home_slot (self, key);

  for (;;)
    {
      Slot *slot = &self->slots[i];

      if (slot->tag == 0 || memcmp (slot->key, key, CHAIN_SERIAL_KEY_LEN) == 0)
        return slot;
      i = i + 1 == self->n_slots ? 0 : i + 1;
    }
}

static void
grow (ChainSerialSet *self)
{
  Slot *old = self->slots;
  gsize old_n = self->n_slots;

  self->n_slots = old_n + old_n / 2;
  self->slots = g_new0 (Slot, self->n_slots);
  for (gsize i = 0; i < old_n; i++)
    if (old[i].tag != 0)
      *find_slot (self, old[i].key) = old[i];
  g_free (old);
}

gboolean
chain_serial_set_lookup (const ChainSerialSet *self,
                         const ChainSerialKey *key,
                         guint32              *out_value)
{
  Slot *slot;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  slot = find_slot (self, key->bytes);
  if (slot->tag == 0)
    return FALSE;
  if (out_value != NULL)
    *out_value = slot->tag & ~OCCUPIED;
  return TRUE;
}

gboolean
chain_serial_set_insert (ChainSerialSet       *self,
                         const ChainSerialKey *key,
                         guint32               value)
{
  Slot *slot;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value <= CHAIN_SERIAL_VALUE_MAX, FALSE);

  /* At most three quarters full, so probes stay short. */
  if ((self->size + 1) * 4 > self->n_slots * 3)
    grow (self);
  slot = find_slot (self, key->bytes);
  if (slot->tag != 0)
    return FALSE;
  memcpy (slot->key, key->bytes, CHAIN_SERIAL_KEY_LEN);
  slot->tag = value | OCCUPIED;
  self->size++;
  return TRUE;
}

gboolean
chain_serial_set_replace (ChainSerialSet       *self,
                          const ChainSerialKey *key,
                          guint32               value)
{
  Slot *slot;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value <= CHAIN_SERIAL_VALUE_MAX, FALSE);

  slot = find_slot (self, key->bytes);
  if (slot->tag == 0)
    return FALSE;
  slot->tag = value | OCCUPIED;
  return TRUE;
}

void
chain_serial_set_free (ChainSerialSet *self)
{
  if (self == NULL)
    return;
  g_free (self->slots);
  g_free (self);
}

/* ---- Raw form, for the state cache ---------------------------------------- */

const void *
chain_serial_set_get_slots (const ChainSerialSet *self,
                            guint64               out_sip_key[2],
                            gsize                *out_n_slots)
{
  g_return_val_if_fail (self != NULL, NULL);

  out_sip_key[0] = self->sip_key[0];
  out_sip_key[1] = self->sip_key[1];
  *out_n_slots = self->n_slots;
  return self->slots;
}

ChainSerialSet *
chain_serial_set_new_from_slots (const guint64  sip_key[2],
                                 const void    *slots,
                                 gsize          n_slots,
                                 guint32        value_mask,
                                 guint32        value_limit)
{
  g_autoptr(ChainSerialSet) self = NULL;
  gsize size = 0;

  g_return_val_if_fail (slots != NULL || n_slots == 0, NULL);

  /* A table that is full or too small would make find_slot() spin. */
  if (n_slots < INITIAL_SLOTS || n_slots > G_MAXSIZE / sizeof (Slot))
    return NULL;
  self = g_new0 (ChainSerialSet, 1);
  self->sip_key[0] = sip_key[0];
  self->sip_key[1] = sip_key[1];
  self->n_slots = n_slots;
  self->slots = g_new (Slot, n_slots);
  memcpy (self->slots, slots, n_slots * sizeof (Slot));
  for (gsize i = 0; i < n_slots; i++)
    {
      guint32 tag = self->slots[i].tag;

      if (tag == 0)
        continue;
      if ((tag & OCCUPIED) == 0 || ((tag & ~OCCUPIED) & value_mask) >= value_limit)
        return NULL;
      size++;
    }
  if (size * 4 > n_slots * 3)
    return NULL;
  self->size = size;
  return g_steal_pointer (&self);
}
