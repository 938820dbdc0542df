/* chain-armor.c — strict PEM/DER decoding of outside input
 *
 * OpenSSL's PEM readers skip text before a block and ignore what follows,
 * and its d2i functions stop at the end of the first structure. Both let a
 * file carry content nobody reviewed, so input is unwrapped here first.
 */
#include "chain-armor-private.h"

#include <string.h>

#include "chain-error.h"
#include "chain-i18n-private.h"

#define PEM_BEGIN "-----BEGIN "
#define PEM_END "-----END "
#define PEM_DASHES "-----"

static gboolean
is_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static gsize
skip_space (const guint8 *data, gsize len, gsize pos)
{
  while (pos < len && is_space (data[pos]))
    pos++;
  return pos;
}

static gboolean
has_prefix (const guint8 *data, gsize len, gsize pos, const char *prefix)
{
  gsize prefix_len = strlen (prefix);

  return len - pos >= prefix_len && memcmp (data + pos, prefix, prefix_len) == 0;
}

/* Length of the DER element starting at @data, or 0 if the header is not a
 * definite-length SEQUENCE that fits in @len. */
static gsize
der_sequence_length (const guint8 *data, gsize len)
{
  gsize header = 2;
  gsize body = 0;

  if (len < 2 || data[0] != 0x30)
    return 0;
  if (data[1] < 0x80)
    body = data[1];
  else
    {
      guint n = data[1] & 0x7f;

      /* 0x80 is BER's indefinite length; DER never uses it. Four length
       * octets are far beyond any input cap. */
      if (n == 0 || n > 4 || len < 2 + n)
        return 0;
      for (guint i = 0; i < n; i++)
        body = (body << 8) | data[2 + i];
      header += n;
    }
  if (body > len - header)
    return 0;
  return header + body;
}

static gboolean
label_accepted (const char *label, const char *const *labels)
{
  for (gsize i = 0; labels[i] != NULL; i++)
    if (strcmp (label, labels[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Decodes one PEM block at @pos; on success sets @out_der and moves @pos
 * past the END line. */
static gboolean
decode_pem_block (const guint8      *data,
                  gsize              len,
                  gsize             *pos,
                  const char *const *labels,
                  const char        *what,
                  GBytes           **out_der,
                  GError           **error)
{
  const guint8 *label_start = data + *pos + strlen (PEM_BEGIN);
  const guint8 *label_end = NULL;
  const guint8 *body_start = NULL;
  const guint8 *end_line = NULL;
  g_autofree char *label = NULL;
  g_autofree char *end_marker = NULL;
  g_autofree char *body = NULL;
  guchar *der = NULL;
  gsize der_len = 0;
  gsize remaining = len - (gsize) (label_start - data);

  label_end = memchr (label_start, '-', remaining);
  if (label_end == NULL
      || !has_prefix (data, len, (gsize) (label_end - data), PEM_DASHES)
      || label_end - label_start > 64)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: %s names what is read, e.g. 'certificate' or 'CSR'
                    * (translated where the caller passes it), as in the messages below. */
                   _("%s is not valid PEM: malformed BEGIN line"), what);
      return FALSE;
    }
  label = g_strndup ((const char *) label_start, (gsize) (label_end - label_start));
  for (const char *c = label; *c != '\0'; c++)
    if (!g_ascii_isupper (*c) && !g_ascii_isdigit (*c) && *c != ' ')
      {
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("%s is not valid PEM: malformed BEGIN line"), what);
        return FALSE;
      }
  if (!label_accepted (label, labels))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the first %s is the label the PEM block carries, e.g.
                    * 'CERTIFICATE' (not translated); the second what was expected, e.g. 'CSR'. */
                   _("this is a %s, not a %s: check which file you passed"), label, what);
      return FALSE;
    }

  body_start = label_end + strlen (PEM_DASHES);
  end_marker = g_strconcat (PEM_END, label, PEM_DASHES, NULL);
  end_line = (const guint8 *) g_strstr_len ((const char *) body_start,
                                            (gssize) (len - (gsize) (body_start - data)),
                                            end_marker);
  if (end_line == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is truncated: no END line; copy the whole file"), what);
      return FALSE;
    }

  body = g_strndup ((const char *) body_start, (gsize) (end_line - body_start));
  for (const char *c = body; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '+' && *c != '/' && *c != '=' && !is_space ((guint8) *c))
      {
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("%s is not valid PEM: unexpected character in base64 (encrypted or "
                       "annotated PEM is not accepted)"), what);
        return FALSE;
      }
  der = g_base64_decode (body, &der_len);
  if (der_len == 0 || der_sequence_length (der, der_len) != der_len)
    {
      g_free (der);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is corrupt: its base64 does not hold one DER structure"), what);
      return FALSE;
    }

  *pos = (gsize) (end_line - data) + strlen (end_marker);
  *out_der = g_bytes_new_take (der, der_len);
  return TRUE;
}

static gboolean
check_size (gsize len, gsize max_len, const char *what, GError **error)
{
  if (len == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: %s names what is read, e.g. 'certificate' or 'CSR'. */
                   _("%s is empty: pass the file that holds it"), what);
      return FALSE;
    }
  if (len > max_len)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is too large (%zu bytes, at most %zu): check which file you passed"), what, len, max_len);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
chain_armor_decode_all (const guint8      *data,
                        gsize              len,
                        gsize              max_len,
                        guint              max_blocks,
                        const char *const *labels,
                        const char        *what,
                        GError           **error)
{
  g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize pos = 0;

  if (!check_size (len, max_len, what, error))
    return NULL;

  pos = skip_space (data, len, 0);
  if (!has_prefix (data, len, pos, PEM_BEGIN))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not PEM: expected a \"-----BEGIN\" line"), what);
      return NULL;
    }
  while (pos < len)
    {
      GBytes *der = NULL;

      if (!has_prefix (data, len, pos, PEM_BEGIN))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("%s has unexpected text after a PEM block: remove it"), what);
          return NULL;
        }
      if (blocks->len == max_blocks)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("%s holds more than %u PEM blocks"), what, max_blocks);
          return NULL;
        }
      if (!decode_pem_block (data, len, &pos, labels, what, &der, error))
        return NULL;
      g_ptr_array_add (blocks, der);
      pos = skip_space (data, len, pos);
    }
  return g_steal_pointer (&blocks);
}

GBytes *
chain_armor_decode (const guint8      *data,
                    gsize              len,
                    gsize              max_len,
                    const char *const *labels,
                    const char        *what,
                    GError           **error)
{
  g_autoptr(GPtrArray) blocks = NULL;
  gsize start = 0;
  gsize der_len = 0;

  if (!check_size (len, max_len, what, error))
    return NULL;

  start = skip_space (data, len, 0);
  if (has_prefix (data, len, start, PEM_BEGIN))
    {
      blocks = chain_armor_decode_all (data, len, max_len, 1, labels, what, error);
      if (blocks == NULL)
        return NULL;
      return g_bytes_ref (g_ptr_array_index (blocks, 0));
    }

  der_len = der_sequence_length (data, len);
  if (der_len == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is neither PEM nor DER (or is truncated): check which file you passed"),
                   what);
      return NULL;
    }
  if (der_len != len)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s has %zu unexpected bytes after its DER structure: "
                     "remove them"), what, len - der_len);
      return NULL;
    }
  return g_bytes_new (data, len);
}

GBytes *
chain_armor_encode (const char   *label,
                    const guint8 *der,
                    gsize         len)
{
  g_autofree char *base64 = g_base64_encode (der, len);
  gsize base64_len = strlen (base64);
  GString *pem = g_string_sized_new (base64_len + base64_len / 64 + 2 * strlen (label) + 40);

  g_string_append_printf (pem, "-----BEGIN %s-----\n", label);
  for (gsize i = 0; i < base64_len; i += 64)
    {
      g_string_append_len (pem, base64 + i, (gssize) MIN (64, base64_len - i));
      g_string_append_c (pem, '\n');
    }
  g_string_append_printf (pem, "-----END %s-----\n", label);
  return g_string_free_to_bytes (pem);
}
