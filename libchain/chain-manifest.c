/* chain-manifest.c — manifest.csv written and read by one grammar
 *
 * RFC 4180 with "\n" line ends. The writer quotes only a field that needs
 * it, so a row has one spelling; the reader says whether a row is that
 * spelling (the auditor insists on it, so two ledgers that list the same
 * devices hold the same bytes). The reader caps each field and the fields
 * of a row: a hostile manifest costs one bounded row of memory at a time.
 */
#include "chain-manifest-private.h"

#include <inttypes.h>
#include <string.h>

#include "chain-error.h"
#include "chain-i18n-private.h"

void
chain_manifest_append_field (GString    *out,
                             const char *field,
                             gboolean    last)
{
  if (strpbrk (field, ",\"\r\n") != NULL)
    {
      g_string_append_c (out, '"');
      for (const char *p = field; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, field);
  g_string_append_c (out, last ? '\n' : ',');
}

void
chain_manifest_append_row (GString    *out,
                           const char *device_id,
                           const char *serial,
                           const char *cert_sha256,
                           const char *public_key_sha256)
{
  chain_manifest_append_field (out, device_id, FALSE);
  chain_manifest_append_field (out, serial, FALSE);
  chain_manifest_append_field (out, cert_sha256, FALSE);
  chain_manifest_append_field (out, public_key_sha256, TRUE);
}

void
chain_manifest_append_output_row (GString           *out,
                                  const char        *device_id,
                                  const char        *serial,
                                  const char        *cert_sha256,
                                  const char        *public_key_sha256,
                                  const char        *record,
                                  const char *const  files[4])
{
  chain_manifest_append_field (out, device_id, FALSE);
  chain_manifest_append_field (out, serial, FALSE);
  chain_manifest_append_field (out, cert_sha256, FALSE);
  chain_manifest_append_field (out, public_key_sha256, FALSE);
  chain_manifest_append_field (out, record, FALSE);
  for (guint i = 0; i < 4; i++)
    chain_manifest_append_field (out, files[i], i == 3);
}

void
chain_manifest_reader_init (ChainManifestReader *self,
                            const void          *data,
                            gsize                len)
{
  memset (self, 0, sizeof *self);
  self->data = data;
  self->len = data != NULL ? len : 0;
  self->buffer = g_string_new (NULL);
  self->scratch = g_string_new (NULL);
  self->fields = g_ptr_array_new ();
}

void
chain_manifest_reader_clear (ChainManifestReader *self)
{
  if (self->buffer != NULL)
    g_string_free (self->buffer, TRUE);
  if (self->scratch != NULL)
    g_string_free (self->scratch, TRUE);
  if (self->fields != NULL)
    g_ptr_array_unref (self->fields);
  memset (self, 0, sizeof *self);
}

static gboolean
malformed (GError    **error,
           guint64     line,
           const char *why)
{
  /* Translators: %s says what is wrong, e.g. "a field is too long". */
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY, _("manifest.csv line %" PRIu64 " is malformed: %s"),
               line, why);
  return FALSE;
}

/* One field from @self->pos into the buffer; stops before its ',' or "\n". */
static gboolean
read_field (ChainManifestReader *self,
            guint64              row_line,
            GError             **error)
{
  const char *data = self->data;
  gsize start = self->buffer->len;

  if (self->pos < self->len && data[self->pos] == '"')
    {
      self->pos++;
      for (;;)
        {
          char c;

          if (self->pos >= self->len)
            return malformed (error, row_line, _("a quoted field is not closed"));
          c = data[self->pos];
          if (c == '"' && self->pos + 1 < self->len && data[self->pos + 1] == '"')
            self->pos++;
          else if (c == '"')
            {
              self->pos++;
              break;
            }
          else if (c == '\n')
            self->line++;
          if (c == '\0')
            return malformed (error, row_line, _("it holds a NUL byte"));
          g_string_append_c (self->buffer, c);
          self->pos++;
          if (self->buffer->len - start > CHAIN_MANIFEST_FIELD_MAX_LEN)
            return malformed (error, row_line, _("a field is too long"));
        }
      if (self->pos < self->len && data[self->pos] != ',' && data[self->pos] != '\n')
        return malformed (error, row_line, _("text follows a closing quote"));
    }
  else
    for (; self->pos < self->len && data[self->pos] != ',' && data[self->pos] != '\n'; self->pos++)
      {
        if (data[self->pos] == '"')
          return malformed (error, row_line, _("a field that is not quoted holds a quote"));
        if (data[self->pos] == '\0')
          return malformed (error, row_line, _("it holds a NUL byte"));
        g_string_append_c (self->buffer, data[self->pos]);
        if (self->buffer->len - start > CHAIN_MANIFEST_FIELD_MAX_LEN)
          return malformed (error, row_line, _("a field is too long"));
      }
  g_string_append_c (self->buffer, '\0');
  return TRUE;
}

gboolean
chain_manifest_reader_next (ChainManifestReader *self,
                            ChainManifestRow    *out_row,
                            GError             **error)
{
  gsize offsets[CHAIN_MANIFEST_MAX_FIELDS];
  gsize row_start = self->pos;
  guint64 row_line = self->line + 1;
  gsize first_len = 0;
  gboolean terminated = FALSE;
  guint n = 0;

  if (self->pos >= self->len)
    return FALSE;
  g_string_truncate (self->buffer, 0);
  for (;;)
    {
      if (n == CHAIN_MANIFEST_MAX_FIELDS)
        return malformed (error, row_line, _("a row has too many fields"));
      offsets[n++] = self->buffer->len;
      if (!read_field (self, row_line, error))
        return FALSE;
      if (n == 1)
        first_len = self->pos - row_start;
      if (self->pos >= self->len)
        break;
      self->pos++;
      if (self->data[self->pos - 1] == '\n')
        {
          terminated = TRUE;
          break;
        }
    }
  self->line++;

  g_ptr_array_set_size (self->fields, 0);
  g_string_truncate (self->scratch, 0);
  for (guint i = 0; i < n; i++)
    {
      const char *field = self->buffer->str + offsets[i];

      g_ptr_array_add (self->fields, (gpointer) field);
      chain_manifest_append_field (self->scratch, field, i + 1 == n);
    }
  g_ptr_array_add (self->fields, NULL);

  out_row->fields = (const char *const *) self->fields->pdata;
  out_row->n_fields = n;
  out_row->line = row_line;
  out_row->raw = self->data + row_start;
  out_row->raw_len = self->pos - row_start - (terminated ? 1 : 0);
  out_row->raw_first_len = first_len;
  out_row->terminated = terminated;
  out_row->canonical = terminated && self->scratch->len == out_row->raw_len + 1
                       && memcmp (self->scratch->str, out_row->raw, self->scratch->len) == 0;
  return TRUE;
}
