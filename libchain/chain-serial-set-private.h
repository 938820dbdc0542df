/* chain-serial-set-private.h — every certificate serial a ledger issued
 *
 * An auditor replaying a ledger must know, for each serial, which CA issued
 * it and whether it was revoked, for millions of devices. Keys are 16 bytes
 * kept inline in one open-addressing table (20 bytes a slot, at most 3/4
 * full, growing by half), so a million serials take about 30 MB. The hash
 * is SipHash with a per-table random key, so serials in a hostile ledger
 * cannot be chosen to collide. Never installed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/** Bytes in a serial key. */
#define CHAIN_SERIAL_KEY_LEN 16

/** Largest value a serial maps to (values use 31 bits). */
#define CHAIN_SERIAL_VALUE_MAX G_MAXINT32

typedef struct {
  guint8 bytes[CHAIN_SERIAL_KEY_LEN];
} ChainSerialKey;

/**
 * chain_serial_key_from_bytes:
 * @data: (array length=len): a serial's big-endian magnitude (leading
 *   zero bytes are ignored).
 * @out_key: (out): set to the key.
 *
 * Serials up to 16 significant bytes (all that libchain issues) map to
 * themselves, left-padded; longer ones (RFC 5280 allows 20) to the first
 * 16 bytes of their SHA-256, which equals another serial's key only by a
 * 2^-128 chance.
 */
void chain_serial_key_from_bytes (const guint8   *data,
                                  gsize           len,
                                  ChainSerialKey *out_key);

/**
 * chain_serial_key_from_hex:
 * @hex: a serial as chain_cert_dup_serial() writes it: hex digits, either
 *   case, 1 to 40 of them (an odd count reads as a leading 0).
 * @out_key: (out): set only on success.
 *
 * Returns: %TRUE if @hex is a serial.
 */
gboolean chain_serial_key_from_hex (const char     *hex,
                                    ChainSerialKey *out_key);

typedef struct _ChainSerialSet ChainSerialSet;

/** Returns: (transfer full): an empty set. */
ChainSerialSet *chain_serial_set_new (void);

/** Returns: how many serials @self holds. */
gsize chain_serial_set_get_size (const ChainSerialSet *self);

/** Returns: the bytes @self allocated for its slots. */
gsize chain_serial_set_get_memory (const ChainSerialSet *self);

/**
 * chain_serial_set_lookup:
 * @out_value: (out) (optional): the value of @key, set only if found.
 *
 * Returns: whether @key is in @self.
 */
gboolean chain_serial_set_lookup (const ChainSerialSet *self,
                                  const ChainSerialKey *key,
                                  guint32              *out_value);

/**
 * chain_serial_set_insert:
 * @value: at most %CHAIN_SERIAL_VALUE_MAX.
 *
 * Returns: %FALSE (and changes nothing) if @key was already in @self.
 */
gboolean chain_serial_set_insert (ChainSerialSet       *self,
                                  const ChainSerialKey *key,
                                  guint32               value);

/**
 * chain_serial_set_replace:
 * @value: at most %CHAIN_SERIAL_VALUE_MAX.
 *
 * Returns: %FALSE if @key is not in @self (nothing is added).
 */
gboolean chain_serial_set_replace (ChainSerialSet       *self,
                                   const ChainSerialKey *key,
                                   guint32               value);

/**
 * chain_serial_set_get_slots:
 * @out_sip_key: (out): the table's hash key.
 * @out_n_slots: (out): how many 20-byte slots the table has.
 *
 * The table as it lies in memory, for the state cache to store.
 *
 * Returns: (transfer none): the slots, @out_n_slots * 20 bytes.
 */
const void *chain_serial_set_get_slots (const ChainSerialSet *self,
                                        guint64               out_sip_key[2],
                                        gsize                *out_n_slots);

/**
 * chain_serial_set_new_from_slots:
 * @slots: (array): @n_slots slots as chain_serial_set_get_slots() gave them.
 * @value_mask: bits of each value that @value_limit bounds.
 * @value_limit: every occupied slot's value, masked, must be below it.
 *
 * Rebuilds a set from a copy of its table, without hashing a key again.
 *
 * Returns: (transfer full) (nullable): the set, or %NULL if the slots are
 *   not a table chain_serial_set_get_slots() could have given (too small,
 *   over three quarters full, a bad tag or a value out of bounds).
 */
ChainSerialSet *chain_serial_set_new_from_slots (const guint64  sip_key[2],
                                                 const void    *slots,
                                                 gsize          n_slots,
                                                 guint32        value_mask,
                                                 guint32        value_limit);

/** chain_serial_set_free: NULL-safe. */
void chain_serial_set_free (ChainSerialSet *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainSerialSet, chain_serial_set_free)

G_END_DECLS
