/* chain-serial-set-private.h — every certificate serial a ledger issued
 *
 * An auditor replaying a ledger must know, for each serial, which CA issued
 * it and whether it was revoked, for millions of devices. Entries (a
 * 16-byte key and its value) lie in one array in insertion order, found
 * through an open-addressing index of 4-byte slots (at most 3/4 full,
 * growing by half), so a million serials take about 26 MB. The hash
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

/** Bytes of an entry as chain_serial_set_get_entry_run() gives them: the key,
 * then the value as a native 32-bit integer. */
#define CHAIN_SERIAL_SET_ENTRY_LEN 20

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

/* ---- Entries ------------------------------------------------------------
 * Entries are numbered 0, 1, ... in the order they were inserted; a number
 * stays valid for the set's life, so another table may hold it instead of
 * a 16-byte key. */

/**
 * chain_serial_set_find_entry:
 * @out_entry: (out) (optional): the number of @key's entry, set only if
 *   found.
 *
 * Returns: whether @key is in @self.
 */
gboolean chain_serial_set_find_entry (const ChainSerialSet *self,
                                      const ChainSerialKey *key,
                                      guint32              *out_entry);

/** Returns: (transfer none): the key of entry @entry (below the size). */
const ChainSerialKey *chain_serial_set_get_entry_key (const ChainSerialSet *self,
                                                      guint32               entry);

/** Returns: the value of entry @entry (below the size). */
guint32 chain_serial_set_get_entry_value (const ChainSerialSet *self,
                                          guint32               entry);

/** Sets the value of entry @entry (below the size) to @value (at most
 * %CHAIN_SERIAL_VALUE_MAX). */
void chain_serial_set_set_entry_value (ChainSerialSet *self,
                                       guint32         entry,
                                       guint32         value);

/**
 * chain_serial_set_get_image:
 * @out_sip_key: (out): the table's hash key.
 * @out_n_entries: (out): how many entries there are.
 * @out_n_slots: (out): the index's length.
 *
 * The set's index as it lies in memory, for the state cache to store with
 * its entries (chain_serial_set_get_entry_run()).
 *
 * Returns: (transfer none): the index, @out_n_slots native 32-bit slots.
 */
const guint32 *chain_serial_set_get_image (const ChainSerialSet *self,
                                           guint64               out_sip_key[2],
                                           gsize                *out_n_entries,
                                           gsize                *out_n_slots);

/**
 * chain_serial_set_get_entry_run:
 * @from: an entry number below the size.
 * @out_n: (out): how many entries, from @from on, lie together there (at
 *   least one).
 *
 * Returns: (transfer none): entries @from .. @from + @out_n - 1, each
 *   %CHAIN_SERIAL_SET_ENTRY_LEN bytes as they lie in memory.
 */
const void *chain_serial_set_get_entry_run (const ChainSerialSet *self,
                                            gsize                 from,
                                            gsize                *out_n);

/* In pieces, for a reader that frees what it read as it goes:
 * chain_serial_set_new_for_image() with the index, then
 * chain_serial_set_add_image_entries() with the entries in order, in runs
 * of any length, then chain_serial_set_check_image() before any use. */

/** Returns: (transfer full) (nullable): a set with a copy of @index
 * (@n_slots native 32-bit slots) and no entries yet, or %NULL if the index
 * is too small. */
ChainSerialSet *chain_serial_set_new_for_image (const guint64  sip_key[2],
                                                const void    *index,
                                                gsize          n_slots);

/** Appends a copy of @n_entries entries; %FALSE if there would be more
 * than %CHAIN_SERIAL_VALUE_MAX + 1. */
gboolean chain_serial_set_add_image_entries (ChainSerialSet *self,
                                             const void     *entries,
                                             gsize           n_entries);

/** Returns: whether the set is one chain_serial_set_get_image() could have
 * given, as chain_serial_set_new_from_image() says. */
gboolean chain_serial_set_check_image (const ChainSerialSet *self,
                                       guint32               value_mask,
                                       guint32               value_limit);

/**
 * chain_serial_set_new_from_image:
 * @entries: (array): @n_entries entries as chain_serial_set_get_entry_run()
 *   gave them, one after another.
 * @index: (array): @n_slots native 32-bit slots, likewise.
 * @value_mask: bits of each value that @value_limit bounds.
 * @value_limit: every entry's value, masked, must be below it.
 *
 * Rebuilds a set from a copy of its entries and index, without hashing a
 * key again.
 *
 * Returns: (transfer full) (nullable): the set, or %NULL if the image is
 *   not one chain_serial_set_get_image() could have given (an index too
 *   small or over three quarters full, a slot pointing nowhere or at an
 *   entry another slot points at, an entry no slot points at, or a value
 *   out of bounds).
 */
ChainSerialSet *chain_serial_set_new_from_image (const guint64  sip_key[2],
                                                 const void    *entries,
                                                 gsize          n_entries,
                                                 const void    *index,
                                                 gsize          n_slots,
                                                 guint32        value_mask,
                                                 guint32        value_limit);

/** chain_serial_set_free: NULL-safe. */
void chain_serial_set_free (ChainSerialSet *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainSerialSet, chain_serial_set_free)

G_END_DECLS
