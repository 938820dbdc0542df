/* chain-json.c — canonical JSON (RFC 8785 subset): values, parser, writers
 *
 * The parser is a recursive descent over a byte buffer with an explicit
 * depth limit; all work is linear in the input (objects with many members
 * get a keyed hash index so hostile keys cannot force collisions).
 */
#include "chain-json.h"
#include "chain-error.h"
#include "chain-i18n-private.h"

#include <string.h>

#include <openssl/rand.h>

/* Objects up to this many members are searched linearly. */
#define INDEX_THRESHOLD 16
/* Longest key quoted in an error message, in bytes. */
#define MESSAGE_KEY_MAX 64

typedef struct {
  char      *key;
  gsize      key_len;
  ChainJson *value;
} Member;

struct _ChainJson {
  gatomicrefcount ref_count;
  ChainJsonType   type;
  int             read_only;   /* set atomically once inside a container */
  guint           depth;       /* 0 for scalars, 1 + deepest child for containers */
  guint           deepest;     /* how many children are depth - 1 deep */
  union {
    gboolean boolean;
    gint64   integer;
    struct {
      char  *data;
      gsize  len;
    } string;
    GPtrArray *array;
    struct {
      GPtrArray  *members;     /* Member *, in insertion order */
      GHashTable *index;       /* key -> Member *, once large */
      GPtrArray  *sorted;      /* canonical-order view, built on first read */
      gboolean    in_order;    /* members are already in canonical order */
    } object;
  } u;
};

/* ---- Keyed hash for large objects' indexes ------------------------------
 * SipHash-2-4 with a per-process random key, so keys in hostile input cannot
 * be chosen to collide (g_str_hash could be).
 */

static guint64 siphash_key[2];

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                      \
  G_STMT_START {                                                      \
    v0 += v1; v1 = ROTL64 (v1, 13); v1 ^= v0; v0 = ROTL64 (v0, 32);  \
    v2 += v3; v3 = ROTL64 (v3, 16); v3 ^= v2;                         \
    v0 += v3; v3 = ROTL64 (v3, 21); v3 ^= v0;                         \
    v2 += v1; v1 = ROTL64 (v1, 17); v1 ^= v2; v2 = ROTL64 (v2, 32);   \
  } G_STMT_END

static guint64
siphash24 (const guint64 key[2], const guint8 *data, gsize len)
{
  guint64 v0 = key[0] ^ G_GUINT64_CONSTANT (0x736f6d6570736575);
  guint64 v1 = key[1] ^ G_GUINT64_CONSTANT (0x646f72616e646f6d);
  guint64 v2 = key[0] ^ G_GUINT64_CONSTANT (0x6c7967656e657261);
  guint64 v3 = key[1] ^ G_GUINT64_CONSTANT (0x7465646279746573);
  guint64 last = (guint64) len << 56;
  gsize i;

  for (; len >= 8; data += 8, len -= 8)
    {
      guint64 m = 0;

      for (i = 0; i < 8; i++)
        m |= (guint64) data[i] << (8 * i);
      v3 ^= m;
      SIPROUND;
      SIPROUND;
      v0 ^= m;
    }
  for (i = 0; i < len; i++)
    last |= (guint64) data[i] << (8 * i);
  v3 ^= last;
  SIPROUND;
  SIPROUND;
  v0 ^= last;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

static guint
key_hash (gconstpointer key)
{
  static gsize initialised = 0;
  guint64 h;

  if (g_once_init_enter (&initialised))
    {
      /* The key must be unpredictable to whoever writes the JSON, or
       * crafted keys collide; GLib's PRNG is not meant for that. */
      if (RAND_bytes ((unsigned char *) siphash_key, sizeof siphash_key) != 1)
        g_error ("no entropy for the JSON hash key");
      g_once_init_leave (&initialised, 1);
    }
  h = siphash24 (siphash_key, key, strlen (key));
  return (guint) (h ^ (h >> 32));
}

/* ---- UTF-8 and key order ------------------------------------------------ */

/* Length of the well-formed UTF-8 character at @p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if there is none. */
static gsize
utf8_char_len (const guchar *p, gsize avail, gunichar *out_char)
{
  gunichar c;
  gunichar min;
  gsize n;
  gsize i;

  if (avail == 0)
    return 0;
  if (p[0] < 0x80)
    {
      *out_char = p[0];
      return 1;
    }
  if (p[0] >= 0xc2 && p[0] <= 0xdf)
    n = 2, c = p[0] & 0x1f, min = 0x80;
  else if (p[0] >= 0xe0 && p[0] <= 0xef)
    n = 3, c = p[0] & 0x0f, min = 0x800;
  else if (p[0] >= 0xf0 && p[0] <= 0xf4)
    n = 4, c = p[0] & 0x07, min = 0x10000;
  else
    return 0;
  if (avail < n)
    return 0;
  for (i = 1; i < n; i++)
    {
      if ((p[i] & 0xc0) != 0x80)
        return 0;
      c = (c << 6) | (p[i] & 0x3f);
    }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
    return 0;
  *out_char = c;
  return n;
}

/* Finds the first byte of @data that is not valid UTF-8 or is NUL; returns
 * its offset, or @len if there is none. */
static gsize
utf8_find_invalid (const char *data, gsize len, gboolean *out_is_nul)
{
  const guchar *p = (const guchar *) data;
  gsize pos = 0;

  while (pos < len)
    {
      gunichar c = 0;
      gsize n;

      if (p[pos] == 0)
        {
          *out_is_nul = TRUE;
          return pos;
        }
      if (p[pos] < 0x80)
        {
          pos++;
          continue;
        }
      n = utf8_char_len (p + pos, len - pos, &c);
      if (n == 0)
        {
          *out_is_nul = FALSE;
          return pos;
        }
      pos += n;
    }
  return len;
}

/* The first UTF-16 code unit of @c: what RFC 8785 sorts by. */
static gunichar
utf16_lead_unit (gunichar c)
{
  return c >= 0x10000 ? 0xd800 + ((c - 0x10000) >> 10) : c;
}

/* Compares two valid UTF-8 strings by their UTF-16 code units. UTF-8 byte
 * order is code point order; the two differ only where a character above
 * U+FFFF (a surrogate pair, 0xD800..) meets one in U+E000..U+FFFF. */
static int
compare_keys (const char *a, gsize a_len, const char *b, gsize b_len)
{
  gsize common = MIN (a_len, b_len);
  gsize i = 0;
  gunichar ca;
  gunichar cb;

  while (i < common && a[i] == b[i])
    i++;
  if (i == common)
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
  /* Back up to the start of the character holding the first difference;
   * the bytes before it are shared, so it starts at the same offset in both. */
  while (i > 0 && ((guchar) a[i] & 0xc0) == 0x80)
    i--;
  ca = g_utf8_get_char (a + i);
  cb = g_utf8_get_char (b + i);
  if (utf16_lead_unit (ca) != utf16_lead_unit (cb))
    return utf16_lead_unit (ca) < utf16_lead_unit (cb) ? -1 : 1;
  return ca < cb ? -1 : 1;
}

static int
compare_members (gconstpointer a, gconstpointer b)
{
  const Member *ma = *(const Member *const *) a;
  const Member *mb = *(const Member *const *) b;

  return compare_keys (ma->key, ma->key_len, mb->key, mb->key_len);
}

/* ---- Values ------------------------------------------------------------- */

static void
member_free (gpointer data)
{
  Member *m = data;

  g_free (m->key);
  chain_json_unref (m->value);
  g_free (m);
}

static ChainJson *
json_new (ChainJsonType type)
{
  ChainJson *self = g_new0 (ChainJson, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->type = type;
  return self;
}

const char *
chain_json_type_to_string (ChainJsonType type)
{
  switch (type)
    {
    case CHAIN_JSON_NULL:
      return "null";
    case CHAIN_JSON_BOOLEAN:
      return "boolean";
    case CHAIN_JSON_INTEGER:
      return "integer";
    case CHAIN_JSON_STRING:
      return "string";
    case CHAIN_JSON_ARRAY:
      return "array";
    case CHAIN_JSON_OBJECT:
      return "object";
    default:
      return "unknown";
    }
}

ChainJson *
chain_json_new_null (void)
{
  return json_new (CHAIN_JSON_NULL);
}

ChainJson *
chain_json_new_boolean (gboolean value)
{
  ChainJson *self = json_new (CHAIN_JSON_BOOLEAN);

  self->u.boolean = value ? TRUE : FALSE;
  return self;
}

ChainJson *
chain_json_new_integer (gint64 value)
{
  ChainJson *self = NULL;

  g_return_val_if_fail (value >= CHAIN_JSON_INTEGER_MIN && value <= CHAIN_JSON_INTEGER_MAX, NULL);

  self = json_new (CHAIN_JSON_INTEGER);
  self->u.integer = value;
  return self;
}

/* Takes ownership of @data, which must be valid UTF-8 without NUL. */
static ChainJson *
json_new_string_take (char *data, gsize len)
{
  ChainJson *self = json_new (CHAIN_JSON_STRING);

  self->u.string.data = data;
  self->u.string.len = len;
  return self;
}

ChainJson *
chain_json_new_string (const char *value)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (g_utf8_validate (value, -1, NULL), NULL);

  return json_new_string_take (g_strdup (value), strlen (value));
}

ChainJson *
chain_json_new_string_len (const char *data,
                           gsize       len,
                           GError    **error)
{
  gboolean is_nul = FALSE;
  gsize bad;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bad = utf8_find_invalid (data, len, &is_nul);
  if (bad < len)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("text holds %s at byte %zu; only UTF-8 without NUL fits in JSON"),
                   is_nul ? _("a NUL character") : _("invalid UTF-8"), bad);
      return NULL;
    }
  return json_new_string_take (g_strndup (len > 0 ? data : "", len), len);
}

ChainJson *
chain_json_new_array (void)
{
  ChainJson *self = json_new (CHAIN_JSON_ARRAY);

  self->u.array = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_json_unref);
  self->depth = 1;
  return self;
}

ChainJson *
chain_json_new_object (void)
{
  ChainJson *self = json_new (CHAIN_JSON_OBJECT);

  self->u.object.members = g_ptr_array_new_with_free_func (member_free);
  self->u.object.in_order = TRUE;
  self->depth = 1;
  return self;
}

ChainJson *
chain_json_ref (ChainJson *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
chain_json_unref (ChainJson *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;

  switch (self->type)
    {
    case CHAIN_JSON_STRING:
      g_free (self->u.string.data);
      break;
    case CHAIN_JSON_ARRAY:
      g_ptr_array_unref (self->u.array);
      break;
    case CHAIN_JSON_OBJECT:
      if (self->u.object.sorted != NULL)
        g_ptr_array_unref (self->u.object.sorted);
      if (self->u.object.index != NULL)
        g_hash_table_unref (self->u.object.index);
      g_ptr_array_unref (self->u.object.members);
      break;
    case CHAIN_JSON_NULL:
    case CHAIN_JSON_BOOLEAN:
    case CHAIN_JSON_INTEGER:
    default:
      break;
    }
  g_free (self);
}

/* Whether @child may go into @container: it would not nest too deep or
 * make a cycle (a read-only container cannot be the one receiving). */
static gboolean
can_contain (const ChainJson *container, const ChainJson *child)
{
  return container != child && child->depth < CHAIN_JSON_MAX_DEPTH;
}

static void
adopt_child (ChainJson *container, ChainJson *child)
{
  g_atomic_int_set (&child->read_only, TRUE);
  if (child->depth + 1 > container->depth)
    {
      container->depth = child->depth + 1;
      container->deepest = 1;
    }
  else if (child->depth + 1 == container->depth)
    container->deepest++;
}

void
chain_json_array_append (ChainJson *self,
                         ChainJson *value)
{
  g_return_if_fail (self != NULL && self->type == CHAIN_JSON_ARRAY);
  g_return_if_fail (!g_atomic_int_get (&self->read_only));
  g_return_if_fail (value != NULL);
  g_return_if_fail (can_contain (self, value));

  adopt_child (self, value);
  g_ptr_array_add (self->u.array, value);
}

static Member *
object_find (const ChainJson *self, const char *key, gsize key_len)
{
  GPtrArray *members = self->u.object.members;
  gsize i;

  if (self->u.object.index != NULL)
    return g_hash_table_lookup (self->u.object.index, key);
  for (i = 0; i < members->len; i++)
    {
      Member *m = g_ptr_array_index (members, i);

      if (m->key_len == key_len && memcmp (m->key, key, key_len) == 0)
        return m;
    }
  return NULL;
}

/* Adds a member whose key is not yet present; takes @key and @value. */
static void
object_add (ChainJson *self, char *key, gsize key_len, ChainJson *value)
{
  GPtrArray *members = self->u.object.members;
  Member *m = g_new (Member, 1);

  m->key = key;
  m->key_len = key_len;
  m->value = value;
  adopt_child (self, value);

  if (self->u.object.in_order && members->len > 0)
    {
      const Member *last = g_ptr_array_index (members, members->len - 1);

      self->u.object.in_order = compare_keys (last->key, last->key_len, key, key_len) < 0;
    }
  g_ptr_array_add (members, m);

  if (self->u.object.index != NULL)
    g_hash_table_insert (self->u.object.index, m->key, m);
  else if (members->len > INDEX_THRESHOLD)
    {
      gsize i;

      self->u.object.index = g_hash_table_new (key_hash, g_str_equal);
      for (i = 0; i < members->len; i++)
        {
          Member *each = g_ptr_array_index (members, i);

          g_hash_table_insert (self->u.object.index, each->key, each);
        }
    }

  /* Any canonical view built before is stale now. */
  g_clear_pointer (&self->u.object.sorted, g_ptr_array_unref);
}

void
chain_json_object_set (ChainJson  *self,
                       const char *key,
                       ChainJson  *value)
{
  gsize key_len;
  Member *existing = NULL;

  g_return_if_fail (self != NULL && self->type == CHAIN_JSON_OBJECT);
  g_return_if_fail (!g_atomic_int_get (&self->read_only));
  g_return_if_fail (key != NULL && g_utf8_validate (key, -1, NULL));
  g_return_if_fail (value != NULL);
  g_return_if_fail (can_contain (self, value));

  key_len = strlen (key);
  existing = object_find (self, key, key_len);
  if (existing != NULL)
    {
      GPtrArray *members = self->u.object.members;
      ChainJson *old = existing->value;
      gsize i;

      adopt_child (self, value);
      existing->value = value;
      /* If the last of the deepest members went, measure again; counting
       * them keeps replacing members from becoming quadratic. */
      if (old->depth + 1 == self->depth && --self->deepest == 0)
        {
          self->depth = 1;
          self->deepest = 0;
          for (i = 0; i < members->len; i++)
            {
              const Member *m = g_ptr_array_index (members, i);

              adopt_child (self, m->value);
            }
        }
      chain_json_unref (old);
      return;
    }
  object_add (self, g_strdup (key), key_len, value);
}

void
chain_json_object_set_string (ChainJson  *self,
                              const char *key,
                              const char *value)
{
  chain_json_object_set (self, key, chain_json_new_string (value));
}

void
chain_json_object_set_integer (ChainJson  *self,
                               const char *key,
                               gint64      value)
{
  chain_json_object_set (self, key, chain_json_new_integer (value));
}

void
chain_json_object_set_boolean (ChainJson  *self,
                               const char *key,
                               gboolean    value)
{
  chain_json_object_set (self, key, chain_json_new_boolean (value));
}

/* ---- Reading ------------------------------------------------------------ */

ChainJsonType
chain_json_get_value_type (const ChainJson *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_JSON_NULL);

  return self->type;
}

gboolean
chain_json_get_boolean (const ChainJson *self)
{
  g_return_val_if_fail (self != NULL && self->type == CHAIN_JSON_BOOLEAN, FALSE);

  return self->u.boolean;
}

gint64
chain_json_get_integer (const ChainJson *self)
{
  g_return_val_if_fail (self != NULL && self->type == CHAIN_JSON_INTEGER, 0);

  return self->u.integer;
}

const char *
chain_json_get_string (const ChainJson *self)
{
  g_return_val_if_fail (self != NULL && self->type == CHAIN_JSON_STRING, NULL);

  return self->u.string.data;
}

gsize
chain_json_array_get_length (const ChainJson *self)
{
  g_return_val_if_fail (self != NULL && self->type == CHAIN_JSON_ARRAY, 0);

  return self->u.array->len;
}

ChainJson *
chain_json_array_get_element (const ChainJson *self,
                              gsize            index)
{
  g_return_val_if_fail (self != NULL && self->type == CHAIN_JSON_ARRAY, NULL);
  g_return_val_if_fail (index < self->u.array->len, NULL);

  return g_ptr_array_index (self->u.array, index);
}

/* The members in canonical order. Readers may share @self across threads,
 * so the view is built aside and published with one atomic swap. */
static GPtrArray *
object_sorted (const ChainJson *self)
{
  ChainJson *mutable_self = (ChainJson *) self;
  GPtrArray *members = self->u.object.members;
  GPtrArray *view = NULL;

  if (self->u.object.in_order)
    return members;
  view = g_atomic_pointer_get (&mutable_self->u.object.sorted);
  if (view != NULL)
    return view;

  view = g_ptr_array_sized_new (members->len);
  memcpy (view->pdata, members->pdata, members->len * sizeof (gpointer));
  view->len = members->len;
  g_ptr_array_sort (view, compare_members);
  if (!g_atomic_pointer_compare_and_exchange (&mutable_self->u.object.sorted, NULL, view))
    {
      g_ptr_array_unref (view);
      view = g_atomic_pointer_get (&mutable_self->u.object.sorted);
    }
  return view;
}

gsize
chain_json_object_get_size (const ChainJson *self)
{
  g_return_val_if_fail (self != NULL && self->type == CHAIN_JSON_OBJECT, 0);

  return self->u.object.members->len;
}

const char *
chain_json_object_get_key_at (const ChainJson *self,
                              gsize            index)
{
  const Member *m = NULL;

  g_return_val_if_fail (self != NULL && self->type == CHAIN_JSON_OBJECT, NULL);
  g_return_val_if_fail (index < self->u.object.members->len, NULL);

  m = g_ptr_array_index (object_sorted (self), index);
  return m->key;
}

ChainJson *
chain_json_object_get_value_at (const ChainJson *self,
                                gsize            index)
{
  const Member *m = NULL;

  g_return_val_if_fail (self != NULL && self->type == CHAIN_JSON_OBJECT, NULL);
  g_return_val_if_fail (index < self->u.object.members->len, NULL);

  m = g_ptr_array_index (object_sorted (self), index);
  return m->value;
}

ChainJson *
chain_json_object_get_member (const ChainJson *self,
                              const char      *key)
{
  const Member *m = NULL;

  g_return_val_if_fail (self != NULL && self->type == CHAIN_JSON_OBJECT, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  m = object_find (self, key, strlen (key));
  return m != NULL ? m->value : NULL;
}

/* ---- Writing ------------------------------------------------------------ */

/* Characters the pretty form escapes although RFC 8785 does not: they could
 * drive a terminal (DEL, C1) or make text read differently from its bytes. */
static gboolean
is_unsafe_for_display (gunichar c)
{
  return (c >= 0x7f && c <= 0x9f)
         || c == 0x200e || c == 0x200f                  /* LRM, RLM */
         || c == 0x2028 || c == 0x2029                  /* line, paragraph separator */
         || (c >= 0x202a && c <= 0x202e)                /* bidi embeddings, overrides */
         || (c >= 0x2066 && c <= 0x2069);               /* bidi isolates */
}

static void
write_string (GString *out, const char *s, gsize len, gboolean pretty)
{
  gsize i = 0;

  g_string_append_c (out, '"');
  while (i < len)
    {
      guchar c = (guchar) s[i];
      gsize run = i;

      /* Copy runs that need no escaping in one go. */
      while (run < len && (guchar) s[run] >= 0x20 && s[run] != '"' && s[run] != '\\'
             && (!pretty || (guchar) s[run] < 0x7f))
        run++;
      if (run > i)
        {
          g_string_append_len (out, s + i, (gssize) (run - i));
          i = run;
          continue;
        }

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20)
            {
              g_string_append_printf (out, "\\u%04x", c);
              break;
            }
          else
            {
              /* Only the pretty form gets here, at DEL or a multi-byte character. */
              gunichar uc = g_utf8_get_char (s + i);
              gsize n = (gsize) (g_utf8_next_char (s + i) - (s + i));

              if (is_unsafe_for_display (uc))
                g_string_append_printf (out, "\\u%04x", uc);
              else
                g_string_append_len (out, s + i, (gssize) n);
              i += n;
              continue;
            }
        }
      i++;
    }
  g_string_append_c (out, '"');
}

static void
write_indent (GString *out, guint level)
{
  guint i;

  g_string_append_c (out, '\n');
  for (i = 0; i < level; i++)
    g_string_append (out, "  ");
}

/* Writes @value canonically, or pretty-printed at @level when @pretty. The
 * recursion is bounded: no tree nests deeper than CHAIN_JSON_MAX_DEPTH. */
static void
write_value (GString *out, const ChainJson *value, gboolean pretty, guint level)
{
  gsize i;

  switch (value->type)
    {
    case CHAIN_JSON_NULL:
      g_string_append (out, "null");
      break;
    case CHAIN_JSON_BOOLEAN:
      g_string_append (out, value->u.boolean ? "true" : "false");
      break;
    case CHAIN_JSON_INTEGER:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, value->u.integer);
      break;
    case CHAIN_JSON_STRING:
      write_string (out, value->u.string.data, value->u.string.len, pretty);
      break;
    case CHAIN_JSON_ARRAY:
      g_string_append_c (out, '[');
      for (i = 0; i < value->u.array->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          if (pretty)
            write_indent (out, level + 1);
          write_value (out, g_ptr_array_index (value->u.array, i), pretty, level + 1);
        }
      if (pretty && value->u.array->len > 0)
        write_indent (out, level);
      g_string_append_c (out, ']');
      break;
    case CHAIN_JSON_OBJECT:
      {
        GPtrArray *members = object_sorted (value);

        g_string_append_c (out, '{');
        for (i = 0; i < members->len; i++)
          {
            const Member *m = g_ptr_array_index (members, i);

            if (i > 0)
              g_string_append_c (out, ',');
            if (pretty)
              write_indent (out, level + 1);
            write_string (out, m->key, m->key_len, pretty);
            g_string_append (out, pretty ? ": " : ":");
            write_value (out, m->value, pretty, level + 1);
          }
        if (pretty && members->len > 0)
          write_indent (out, level);
        g_string_append_c (out, '}');
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

GBytes *
chain_json_to_canonical (const ChainJson *self)
{
  GString *out = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  write_value (out, self, FALSE, 0);
  return g_string_free_to_bytes (out);
}

char *
chain_json_to_pretty (const ChainJson *self)
{
  GString *out = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  write_value (out, self, TRUE, 0);
  return g_string_free (out, FALSE);
}

/* A key made safe for a one-line error message: escaped as in JSON
 * (no quotes around it) and cut at a character boundary. */
static char *
key_for_message (const char *key, gsize key_len)
{
  GString *out = g_string_new (NULL);
  gsize cut = key_len;

  if (cut > MESSAGE_KEY_MAX)
    {
      cut = MESSAGE_KEY_MAX;
      while (cut > 0 && ((guchar) key[cut] & 0xc0) == 0x80)
        cut--;
    }
  write_string (out, key, cut, TRUE);
  /* Drop the quotes write_string() adds; callers put their own. */
  g_string_truncate (out, out->len - 1);
  g_string_erase (out, 0, 1);
  if (cut < key_len)
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}

/* ---- Typed lookups ------------------------------------------------------ */

const char *
chain_json_type_to_phrase (ChainJsonType type)
{
  switch (type)
    {
    case CHAIN_JSON_NULL:
      /* Translators: the kinds of JSON value, as in "field 'x' is an
       * integer; expected a string"; the type names are JSON's. */
      return _("a null");
    case CHAIN_JSON_BOOLEAN:
      return _("a boolean");
    case CHAIN_JSON_INTEGER:
      return _("an integer");
    case CHAIN_JSON_STRING:
      return _("a string");
    case CHAIN_JSON_ARRAY:
      return _("an array");
    case CHAIN_JSON_OBJECT:
      return _("an object");
    default:
      return _("a value of unknown type");
    }
}

static ChainJson *
get_typed_member (const ChainJson *self,
                  const char      *key,
                  ChainJsonType    type,
                  GError         **error)
{
  ChainJson *value = chain_json_object_get_member (self, key);
  g_autofree char *shown = NULL;

  if (value != NULL && value->type == type)
    return value;

  shown = key_for_message (key, strlen (key));
  if (value == NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                 /* Translators: %s after 'expected' is a type with its article, e.g. 'a string'. */
                 _("record field '%s' is missing; expected %s"),
                 shown, chain_json_type_to_phrase (type));
  else if (value->type == CHAIN_JSON_NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                 _("record field '%s' is null; expected %s"),
                 shown, chain_json_type_to_phrase (type));
  else
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                 _("record field '%s' is %s; expected %s"), shown,
                 chain_json_type_to_phrase (value->type), chain_json_type_to_phrase (type));
  return NULL;
}

#define CHECK_TYPED_ARGS(self, key, out_value, error)                        \
  G_STMT_START {                                                           \
    g_return_val_if_fail ((self) != NULL && (self)->type == CHAIN_JSON_OBJECT, FALSE); \
    g_return_val_if_fail ((key) != NULL && g_utf8_validate ((key), -1, NULL), FALSE); \
    g_return_val_if_fail ((out_value) != NULL, FALSE);                     \
    g_return_val_if_fail ((error) == NULL || *(error) == NULL, FALSE);     \
  } G_STMT_END

gboolean
chain_json_object_get_string_member (const ChainJson *self,
                                     const char      *key,
                                     const char     **out_value,
                                     GError         **error)
{
  ChainJson *value = NULL;

  CHECK_TYPED_ARGS (self, key, out_value, error);

  value = get_typed_member (self, key, CHAIN_JSON_STRING, error);
  if (value == NULL)
    return FALSE;
  *out_value = value->u.string.data;
  return TRUE;
}

gboolean
chain_json_object_get_integer_member (const ChainJson *self,
                                      const char      *key,
                                      gint64          *out_value,
                                      GError         **error)
{
  ChainJson *value = NULL;

  CHECK_TYPED_ARGS (self, key, out_value, error);

  value = get_typed_member (self, key, CHAIN_JSON_INTEGER, error);
  if (value == NULL)
    return FALSE;
  *out_value = value->u.integer;
  return TRUE;
}

gboolean
chain_json_object_get_boolean_member (const ChainJson *self,
                                      const char      *key,
                                      gboolean        *out_value,
                                      GError         **error)
{
  ChainJson *value = NULL;

  CHECK_TYPED_ARGS (self, key, out_value, error);

  value = get_typed_member (self, key, CHAIN_JSON_BOOLEAN, error);
  if (value == NULL)
    return FALSE;
  *out_value = value->u.boolean;
  return TRUE;
}

gboolean
chain_json_object_get_array_member (const ChainJson *self,
                                    const char      *key,
                                    ChainJson      **out_value,
                                    GError         **error)
{
  ChainJson *value = NULL;

  CHECK_TYPED_ARGS (self, key, out_value, error);

  value = get_typed_member (self, key, CHAIN_JSON_ARRAY, error);
  if (value == NULL)
    return FALSE;
  *out_value = value;
  return TRUE;
}

gboolean
chain_json_object_get_object_member (const ChainJson *self,
                                     const char      *key,
                                     ChainJson      **out_value,
                                     GError         **error)
{
  ChainJson *value = NULL;

  CHECK_TYPED_ARGS (self, key, out_value, error);

  value = get_typed_member (self, key, CHAIN_JSON_OBJECT, error);
  if (value == NULL)
    return FALSE;
  *out_value = value;
  return TRUE;
}

/* ---- Parsing ------------------------------------------------------------ */

typedef struct {
  const guchar *data;
  gsize         len;
  gsize         pos;
  guint         depth;
  GError      **error;
} Parser;

static ChainJson *parse_value (Parser *p);

static void parser_fail (Parser *p, gsize offset, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
parser_fail (Parser *p, gsize offset, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (p->error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: %zu counts bytes from 0; %s says what is wrong there. */
               _("invalid JSON at byte %zu: %s"), offset, what);
}

/* Describes the byte at @offset for an error message. */
static void
fail_unexpected (Parser *p, gsize offset, const char *expected)
{
  guchar c;

  if (offset >= p->len)
    {
      /* Translators: %s after 'expected' is what should have come, e.g. 'a value'. */
      parser_fail (p, offset, _("unexpected end of input; expected %s"), expected);
      return;
    }
  c = p->data[offset];
  if (c == 0)
    parser_fail (p, offset, _("NUL byte; expected %s"), expected);
  else if (c > 0x20 && c < 0x7f)
    parser_fail (p, offset, _("unexpected '%c'; expected %s"), c, expected);
  else
    parser_fail (p, offset, _("unexpected byte 0x%02x; expected %s"), c, expected);
}

static void
skip_whitespace (Parser *p)
{
  while (p->pos < p->len)
    {
      guchar c = p->data[p->pos];

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      p->pos++;
    }
}

static int
hex_value (guchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the four hex digits of a \u escape at @offset (just after "\u"). */
static gboolean
read_hex4 (Parser *p, gsize offset, gunichar *out_unit)
{
  gunichar unit = 0;
  gsize i;

  for (i = 0; i < 4; i++)
    {
      int digit = offset + i < p->len ? hex_value (p->data[offset + i]) : -1;

      if (digit < 0)
        {
          parser_fail (p, offset - 2, _("\\u escape needs four hex digits"));
          return FALSE;
        }
      unit = (unit << 4) | (gunichar) digit;
    }
  *out_unit = unit;
  return TRUE;
}

/* Parses the escape at p->pos (a backslash) into @buf. */
static gboolean
parse_escape (Parser *p, GString *buf)
{
  gsize start = p->pos;
  gunichar c;
  gunichar low;

  if (start + 1 >= p->len)
    {
      parser_fail (p, start, _("unterminated string"));
      return FALSE;
    }
  switch (p->data[start + 1])
    {
    case '"':
    case '\\':
    case '/':
      g_string_append_c (buf, (char) p->data[start + 1]);
      p->pos += 2;
      return TRUE;
    case 'b':
      g_string_append_c (buf, '\b');
      p->pos += 2;
      return TRUE;
    case 'f':
      g_string_append_c (buf, '\f');
      p->pos += 2;
      return TRUE;
    case 'n':
      g_string_append_c (buf, '\n');
      p->pos += 2;
      return TRUE;
    case 'r':
      g_string_append_c (buf, '\r');
      p->pos += 2;
      return TRUE;
    case 't':
      g_string_append_c (buf, '\t');
      p->pos += 2;
      return TRUE;
    case 'u':
      break;
    default:
      if (p->data[start + 1] > 0x20 && p->data[start + 1] < 0x7f)
        parser_fail (p, start, _("invalid escape '\\%c'"), p->data[start + 1]);
      else
        parser_fail (p, start, _("invalid escape: backslash before byte 0x%02x"),
                     p->data[start + 1]);
      return FALSE;
    }

  if (!read_hex4 (p, start + 2, &c))
    return FALSE;
  p->pos = start + 6;
  if (c == 0)
    {
      parser_fail (p, start, _("NUL character (\\u0000) is not allowed"));
      return FALSE;
    }
  if (c >= 0xdc00 && c <= 0xdfff)
    {
      parser_fail (p, start, _("lone low surrogate \\u%04x; escape characters above U+FFFF as a pair"), c);
      return FALSE;
    }
  if (c >= 0xd800 && c <= 0xdbff)
    {
      if (p->pos + 1 >= p->len || p->data[p->pos] != '\\' || p->data[p->pos + 1] != 'u')
        {
          parser_fail (p, start, _("lone high surrogate \\u%04x; it must be followed by a low surrogate"), c);
          return FALSE;
        }
      if (!read_hex4 (p, p->pos + 2, &low))
        return FALSE;
      if (low < 0xdc00 || low > 0xdfff)
        {
          parser_fail (p, start, _("lone high surrogate \\u%04x; it must be followed by a low surrogate"), c);
          return FALSE;
        }
      c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
      p->pos += 6;
    }
  g_string_append_unichar (buf, c);
  return TRUE;
}

/* Parses the string at p->pos (a quote); returns it NUL-terminated. */
static char *
parse_string (Parser *p, gsize *out_len)
{
  gsize start = p->pos;
  gsize run = ++p->pos;
  g_autoptr(GString) buf = NULL;

  for (;;)
    {
      guchar c;

      if (p->pos >= p->len)
        {
          parser_fail (p, start, _("unterminated string"));
          return NULL;
        }
      c = p->data[p->pos];
      if (c == '"')
        break;
      if (c == '\\')
        {
          if (buf == NULL)
            buf = g_string_new (NULL);
          g_string_append_len (buf, (const char *) p->data + run, (gssize) (p->pos - run));
          if (!parse_escape (p, buf))
            return NULL;
          run = p->pos;
        }
      else if (c == 0)
        {
          parser_fail (p, p->pos, _("NUL character is not allowed"));
          return NULL;
        }
      else if (c < 0x20)
        {
          parser_fail (p, p->pos, _("control character 0x%02x in a string must be escaped"), c);
          return NULL;
        }
      else if (c < 0x80)
        p->pos++;
      else
        {
          gunichar ignored = 0;
          gsize n = utf8_char_len (p->data + p->pos, p->len - p->pos, &ignored);

          if (n == 0)
            {
              parser_fail (p, p->pos, _("invalid UTF-8 in a string"));
              return NULL;
            }
          p->pos += n;
        }
    }

  /* p->pos is at the closing quote. */
  if (buf == NULL)
    {
      *out_len = p->pos - run;
      p->pos++;
      return g_strndup ((const char *) p->data + run, *out_len);
    }
  g_string_append_len (buf, (const char *) p->data + run, (gssize) (p->pos - run));
  p->pos++;
  *out_len = buf->len;
  return g_string_free (g_steal_pointer (&buf), FALSE);
}

static ChainJson *
parse_number (Parser *p)
{
  gsize start = p->pos;
  gboolean negative = FALSE;
  gint64 value = 0;

  if (p->data[p->pos] == '-')
    {
      negative = TRUE;
      p->pos++;
    }
  if (p->pos >= p->len || !g_ascii_isdigit (p->data[p->pos]))
    {
      fail_unexpected (p, p->pos, _("a digit"));
      return NULL;
    }
  if (p->data[p->pos] == '0')
    {
      p->pos++;
      if (p->pos < p->len && g_ascii_isdigit (p->data[p->pos]))
        {
          parser_fail (p, start, _("leading zeros are not allowed in numbers"));
          return NULL;
        }
    }
  else
    {
      while (p->pos < p->len && g_ascii_isdigit (p->data[p->pos]))
        {
          value = value * 10 + (p->data[p->pos] - '0');
          if (value > CHAIN_JSON_INTEGER_MAX)
            {
              parser_fail (p, start, _("integer out of range; only |n| <= 2^53-1 is exact, "
                             "write larger numbers as strings"));
              return NULL;
            }
          p->pos++;
        }
    }
  if (p->pos < p->len
      && (p->data[p->pos] == '.' || p->data[p->pos] == 'e' || p->data[p->pos] == 'E'))
    {
      parser_fail (p, start, _("numbers with a fraction or exponent are not allowed; "
                     "use an integer or a string"));
      return NULL;
    }
  return chain_json_new_integer (negative ? -value : value);
}

static gboolean
parse_literal (Parser *p, const char *word)
{
  gsize n = strlen (word);

  if (p->len - p->pos < n || memcmp (p->data + p->pos, word, n) != 0)
    {
      fail_unexpected (p, p->pos, _("a value"));
      return FALSE;
    }
  p->pos += n;
  return TRUE;
}

static gboolean
enter_container (Parser *p)
{
  if (p->depth >= CHAIN_JSON_MAX_DEPTH)
    {
      parser_fail (p, p->pos, _("arrays and objects nest deeper than %d levels"),
                   CHAIN_JSON_MAX_DEPTH);
      return FALSE;
    }
  p->depth++;
  p->pos++;
  skip_whitespace (p);
  return TRUE;
}

static ChainJson *
parse_array (Parser *p)
{
  g_autoptr(ChainJson) array = NULL;

  if (!enter_container (p))
    return NULL;
  array = chain_json_new_array ();
  if (p->pos < p->len && p->data[p->pos] == ']')
    {
      p->pos++;
      p->depth--;
      return g_steal_pointer (&array);
    }
  for (;;)
    {
      ChainJson *element = parse_value (p);

      if (element == NULL)
        return NULL;
      adopt_child (array, element);
      g_ptr_array_add (array->u.array, element);
      skip_whitespace (p);
      if (p->pos < p->len && p->data[p->pos] == ',')
        {
          p->pos++;
          skip_whitespace (p);
          continue;
        }
      if (p->pos < p->len && p->data[p->pos] == ']')
        break;
      fail_unexpected (p, p->pos, _("',' or ']' in an array"));
      return NULL;
    }
  p->pos++;
  p->depth--;
  return g_steal_pointer (&array);
}

static ChainJson *
parse_object (Parser *p)
{
  g_autoptr(ChainJson) object = NULL;

  if (!enter_container (p))
    return NULL;
  object = chain_json_new_object ();
  if (p->pos < p->len && p->data[p->pos] == '}')
    {
      p->pos++;
      p->depth--;
      return g_steal_pointer (&object);
    }
  for (;;)
    {
      g_autofree char *key = NULL;
      gsize key_offset = p->pos;
      gsize key_len = 0;
      ChainJson *value = NULL;

      if (p->pos >= p->len || p->data[p->pos] != '"')
        {
          fail_unexpected (p, p->pos, _("a string as object key"));
          return NULL;
        }
      key = parse_string (p, &key_len);
      if (key == NULL)
        return NULL;
      if (object_find (object, key, key_len) != NULL)
        {
          g_autofree char *shown = key_for_message (key, key_len);

          parser_fail (p, key_offset, _("duplicate key '%s'"), shown);
          return NULL;
        }
      skip_whitespace (p);
      if (p->pos >= p->len || p->data[p->pos] != ':')
        {
          fail_unexpected (p, p->pos, _("':' after an object key"));
          return NULL;
        }
      p->pos++;
      skip_whitespace (p);
      value = parse_value (p);
      if (value == NULL)
        return NULL;
      object_add (object, g_steal_pointer (&key), key_len, value);
      skip_whitespace (p);
      if (p->pos < p->len && p->data[p->pos] == ',')
        {
          p->pos++;
          skip_whitespace (p);
          continue;
        }
      if (p->pos < p->len && p->data[p->pos] == '}')
        break;
      fail_unexpected (p, p->pos, _("',' or '}' in an object"));
      return NULL;
    }
  p->pos++;
  p->depth--;
  return g_steal_pointer (&object);
}

/* Parses one value at p->pos (no whitespace before it). */
static ChainJson *
parse_value (Parser *p)
{
  guchar c;

  if (p->pos >= p->len)
    {
      fail_unexpected (p, p->pos, _("a value"));
      return NULL;
    }
  c = p->data[p->pos];
  switch (c)
    {
    case '{':
      return parse_object (p);
    case '[':
      return parse_array (p);
    case '"':
      {
        gsize len = 0;
        char *s = parse_string (p, &len);

        return s != NULL ? json_new_string_take (s, len) : NULL;
      }
    case 't':
      return parse_literal (p, "true") ? chain_json_new_boolean (TRUE) : NULL;
    case 'f':
      return parse_literal (p, "false") ? chain_json_new_boolean (FALSE) : NULL;
    case 'n':
      return parse_literal (p, "null") ? chain_json_new_null () : NULL;
    default:
      if (c == '-' || g_ascii_isdigit (c))
        return parse_number (p);
      fail_unexpected (p, p->pos, _("a value"));
      return NULL;
    }
}

ChainJson *
chain_json_parse (const void *data,
                  gsize       len,
                  gsize       max_len,
                  GError    **error)
{
  Parser p = { data, len, 0, 0, error };
  g_autoptr(ChainJson) value = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len > max_len)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("JSON input is %zu bytes, more than the limit of %zu"), len, max_len);
      return NULL;
    }
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    {
      parser_fail (&p, 0, _("byte order mark is not allowed; save the text as UTF-8 without BOM"));
      return NULL;
    }

  skip_whitespace (&p);
  value = parse_value (&p);
  if (value == NULL)
    return NULL;
  skip_whitespace (&p);
  if (p.pos < p.len)
    {
      parser_fail (&p, p.pos, _("unexpected content after the JSON value"));
      return NULL;
    }
  return g_steal_pointer (&value);
}

/* Names byte @offset of @data (or its end) for an error message. */
static char *
describe_byte (const guchar *data, gsize len, gsize offset)
{
  if (offset >= len)
    return g_strdup (_("the end"));
  if (data[offset] > 0x20 && data[offset] < 0x7f && data[offset] != '\'')
    /* Translators: a character of the input; the quotes are yours to choose. */
    return g_strdup_printf (_("'%c'"), data[offset]);
  return g_strdup_printf (_("byte 0x%02x"), data[offset]);
}

ChainJson *
chain_json_parse_canonical (const void *data,
                            gsize       len,
                            gsize       max_len,
                            GError    **error)
{
  g_autoptr(ChainJson) value = NULL;
  g_autoptr(GBytes) canonical = NULL;
  const guchar *expected = NULL;
  const guchar *actual = data;
  gsize expected_len = 0;
  gsize i = 0;

  value = chain_json_parse (data, len, max_len, error);
  if (value == NULL)
    return NULL;

  canonical = chain_json_to_canonical (value);
  expected = g_bytes_get_data (canonical, &expected_len);
  while (i < len && i < expected_len && actual[i] == expected[i])
    i++;
  if (i < len || i < expected_len)
    {
      g_autofree char *found = describe_byte (actual, len, i);
      g_autofree char *wanted = describe_byte (expected, expected_len, i);

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: each %s is 'the end', a quoted character or 'byte 0x..'. */
                   _("record is not canonical JSON: at byte %zu it has %s "
                     "where the canonical form has %s (whitespace, key order, escapes or "
                     "number form differ)"), i, found, wanted);
      return NULL;
    }
  return g_steal_pointer (&value);
}
