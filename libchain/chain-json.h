/* chain-json.h — canonical JSON for ledger records and machine output
 *
 * Ledger record bodies are a strict subset of RFC 8785 (JSON Canonicalization
 * Scheme): UTF-8, no whitespace, object keys sorted by UTF-16 code units,
 * minimal string escapes, integers only (|n| <= 2^53-1, so every value is
 * exactly representable as the RFC's IEEE doubles), no duplicate keys, and
 * no NUL characters. A record is valid only if parsing and re-serialising it
 * reproduces its bytes exactly; chain_json_parse_canonical() checks that.
 *
 * A ChainJson is an immutable-once-shared, reference-counted value. A value
 * becomes read-only when it is added to an array or object (so a tree can
 * never contain a cycle, and nesting depth is known when it is built);
 * changing a read-only value is a programming error. Reading one value from
 * several threads is safe once nobody modifies it.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

G_BEGIN_DECLS

/** Largest integer a ChainJson holds: 2^53-1, exact in an IEEE double. */
#define CHAIN_JSON_INTEGER_MAX G_GINT64_CONSTANT (9007199254740991)
/** Smallest integer a ChainJson holds: -(2^53-1). */
#define CHAIN_JSON_INTEGER_MIN (-CHAIN_JSON_INTEGER_MAX)
/** Deepest nesting of arrays and objects: "[]" is 1, "[[]]" is 2. */
#define CHAIN_JSON_MAX_DEPTH 64

typedef enum {
  CHAIN_JSON_NULL,
  CHAIN_JSON_BOOLEAN,
  CHAIN_JSON_INTEGER,
  CHAIN_JSON_STRING,
  CHAIN_JSON_ARRAY,
  CHAIN_JSON_OBJECT,
} ChainJsonType;

typedef struct _ChainJson ChainJson;

/** Returns: (transfer none): "null", "boolean", "integer", "string", "array" or "object". */
CHAIN_PUBLIC
const char *chain_json_type_to_string (ChainJsonType type);

/** Returns: (transfer none): @type with its article, translated, for a
 * message: "an integer", "a string" ... */
CHAIN_PUBLIC
const char *chain_json_type_to_phrase (ChainJsonType type);

/* ---- Building ----------------------------------------------------------
 * Every chain_json_new_*() returns (transfer full) a new value with one
 * reference; drop it with chain_json_unref().
 */

CHAIN_PUBLIC
ChainJson *chain_json_new_null (void);
CHAIN_PUBLIC
ChainJson *chain_json_new_boolean (gboolean value);

/** @value must lie within CHAIN_JSON_INTEGER_MIN..CHAIN_JSON_INTEGER_MAX. */
CHAIN_PUBLIC
ChainJson *chain_json_new_integer (gint64 value);

/** @value: valid UTF-8 (NUL-terminated, so it holds no NUL), copied. */
CHAIN_PUBLIC
ChainJson *chain_json_new_string (const char *value);

/**
 * chain_json_new_string_len:
 * @data: (array length=len): bytes from outside, copied.
 * @len: their length.
 * @error: CHAIN_ERROR_INVALID_INPUT if @data is not valid UTF-8 or holds a
 *   NUL byte, naming the byte offset.
 *
 * Like chain_json_new_string() for data that has not been validated.
 *
 * Returns: (transfer full) (nullable): a string value, or %NULL on error.
 */
CHAIN_PUBLIC
ChainJson *chain_json_new_string_len (const char *data,
                                      gsize       len,
                                      GError    **error);

CHAIN_PUBLIC
ChainJson *chain_json_new_array (void);
CHAIN_PUBLIC
ChainJson *chain_json_new_object (void);

/** Returns: (transfer full): @self with one more reference. */
CHAIN_PUBLIC
ChainJson *chain_json_ref (ChainJson *self);

/** chain_json_unref: drops one reference; frees @self with the last. NULL-safe. */
CHAIN_PUBLIC
void chain_json_unref (ChainJson *self);

/**
 * chain_json_array_append:
 * @self: an array that is not yet part of another array or object.
 * @value: (transfer full): the element; becomes read-only. The result may
 *   not nest deeper than %CHAIN_JSON_MAX_DEPTH.
 */
CHAIN_PUBLIC
void chain_json_array_append (ChainJson *self,
                              ChainJson *value);

/**
 * chain_json_object_set:
 * @self: an object that is not yet part of another array or object.
 * @key: valid UTF-8, copied.
 * @value: (transfer full): the member's value, replacing any member with
 *   the same key; becomes read-only. The result may not nest deeper than
 *   %CHAIN_JSON_MAX_DEPTH.
 */
CHAIN_PUBLIC
void chain_json_object_set (ChainJson  *self,
                            const char *key,
                            ChainJson  *value);

/* Shorthands for chain_json_object_set (self, key, chain_json_new_*()). */
CHAIN_PUBLIC
void chain_json_object_set_string (ChainJson  *self,
                                   const char *key,
                                   const char *value);
CHAIN_PUBLIC
void chain_json_object_set_integer (ChainJson  *self,
                                    const char *key,
                                    gint64      value);
CHAIN_PUBLIC
void chain_json_object_set_boolean (ChainJson  *self,
                                    const char *key,
                                    gboolean    value);

/* ---- Reading -----------------------------------------------------------
 * Getters for the wrong type are programming errors (g_return_val_if_fail).
 * Values returned (transfer none) live as long as their container.
 */

CHAIN_PUBLIC
ChainJsonType chain_json_get_value_type (const ChainJson *self);
CHAIN_PUBLIC
gboolean chain_json_get_boolean (const ChainJson *self);
CHAIN_PUBLIC
gint64 chain_json_get_integer (const ChainJson *self);

/** Returns: (transfer none): the string, NUL-terminated, valid UTF-8. */
CHAIN_PUBLIC
const char *chain_json_get_string (const ChainJson *self);

CHAIN_PUBLIC
gsize chain_json_array_get_length (const ChainJson *self);

/** Returns: (transfer none): element @index, which must be < the length. */
CHAIN_PUBLIC
ChainJson *chain_json_array_get_element (const ChainJson *self,
                                         gsize            index);

CHAIN_PUBLIC
gsize chain_json_object_get_size (const ChainJson *self);

/**
 * chain_json_object_get_key_at:
 * @self: an object.
 * @index: less than chain_json_object_get_size().
 *
 * Members are numbered in canonical order (keys sorted by UTF-16 code
 * units), so iterating 0..size-1 visits them as the canonical form does.
 *
 * Returns: (transfer none): the key of member @index.
 */
CHAIN_PUBLIC
const char *chain_json_object_get_key_at (const ChainJson *self,
                                          gsize            index);

/** Returns: (transfer none): the value of member @index, in canonical order. */
CHAIN_PUBLIC
ChainJson *chain_json_object_get_value_at (const ChainJson *self,
                                           gsize            index);

/** Returns: (transfer none) (nullable): the value of member @key, or %NULL. */
CHAIN_PUBLIC
ChainJson *chain_json_object_get_member (const ChainJson *self,
                                         const char      *key);

/**
 * chain_json_object_get_string_member:
 * @self: an object.
 * @key: the member to read.
 * @out_value: (out) (transfer none): set only on success.
 * @error: CHAIN_ERROR_INVALID_INPUT "record field 'KEY' is missing; expected
 *   a string" or "... is an integer; expected a string".
 *
 * The typed lookups below let a reader of many fields fail with a one-line
 * error naming the field.
 *
 * Returns: %TRUE if member @key exists and is a string.
 */
CHAIN_PUBLIC
gboolean chain_json_object_get_string_member (const ChainJson *self,
                                              const char      *key,
                                              const char     **out_value,
                                              GError         **error);
CHAIN_PUBLIC
gboolean chain_json_object_get_integer_member (const ChainJson *self,
                                               const char      *key,
                                               gint64          *out_value,
                                               GError         **error);
CHAIN_PUBLIC
gboolean chain_json_object_get_boolean_member (const ChainJson *self,
                                               const char      *key,
                                               gboolean        *out_value,
                                               GError         **error);
CHAIN_PUBLIC
gboolean chain_json_object_get_array_member (const ChainJson *self,
                                             const char      *key,
                                             ChainJson      **out_value,
                                             GError         **error);
CHAIN_PUBLIC
gboolean chain_json_object_get_object_member (const ChainJson *self,
                                              const char      *key,
                                              ChainJson      **out_value,
                                              GError         **error);

/* ---- Serialising -------------------------------------------------------- */

/**
 * chain_json_to_canonical:
 * @self: a value.
 *
 * The RFC 8785 form: no whitespace, keys sorted by UTF-16 code units,
 * strings escaped only where the RFC demands (\" \\ \b \f \n \r \t and
 * \u00xx for other control characters), integers in shortest decimal.
 *
 * Returns: (transfer full): the canonical bytes (no trailing newline).
 */
CHAIN_PUBLIC
GBytes *chain_json_to_canonical (const ChainJson *self);

/**
 * chain_json_to_pretty:
 * @self: a value.
 *
 * For people and `chain --json`: two-space indent, keys in canonical order.
 * Also escapes DEL, C1 controls, line/paragraph separators and bidi
 * controls, so a hostile record cannot drive or disguise a terminal; the
 * result still parses to the same value.
 *
 * Returns: (transfer full): the text, without a trailing newline; g_free() it.
 */
CHAIN_PUBLIC
char *chain_json_to_pretty (const ChainJson *self);

/* ---- Parsing ------------------------------------------------------------ */

/**
 * chain_json_parse:
 * @data: (array length=len): the input; need not be NUL-terminated.
 * @len: its length.
 * @max_len: the largest @len accepted.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the byte offset and the fault.
 *
 * Strict RFC 8259 JSON (whitespace allowed), refusing also what the ledger
 * subset forbids: numbers with a fraction or exponent, integers beyond
 * 2^53-1, duplicate keys, invalid UTF-8 (overlong forms, encoded
 * surrogates), lone surrogate escapes, NUL characters, nesting deeper than
 * %CHAIN_JSON_MAX_DEPTH, input longer than @max_len, a byte order mark, and
 * anything after the value. "-0" reads as 0.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL on error.
 */
CHAIN_PUBLIC
ChainJson *chain_json_parse (const void *data,
                             gsize       len,
                             gsize       max_len,
                             GError    **error);

/**
 * chain_json_parse_canonical:
 * @data: (array length=len): the input.
 * @len: its length.
 * @max_len: the largest @len accepted.
 * @error: as chain_json_parse(), or CHAIN_ERROR_INVALID_INPUT "record is
 *   not canonical JSON: ..." naming the first byte that differs.
 *
 * Parses @data and requires chain_json_to_canonical() of the result to
 * reproduce @data byte for byte, as ledger records must.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL on error.
 */
CHAIN_PUBLIC
ChainJson *chain_json_parse_canonical (const void *data,
                                       gsize       len,
                                       gsize       max_len,
                                       GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainJson, chain_json_unref)

G_END_DECLS
