/* fuzz-manifest.c — libFuzzer harness for the manifest.csv reader: it
 * never reads past its input, and every row it reads, written back by the
 * writer, reads again as the same fields. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chain-manifest-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(ChainManifestReader) reader = { 0 };
  ChainManifestRow row;

  chain_manifest_reader_init (&reader, data, size);
  while (chain_manifest_reader_next (&reader, &row, NULL))
    {
      g_autoptr(GString) written = g_string_new (NULL);
      g_auto(ChainManifestReader) again = { 0 };
      ChainManifestRow reread;

      g_assert (row.n_fields >= 1 && row.n_fields <= CHAIN_MANIFEST_MAX_FIELDS);
      g_assert (row.raw >= (const char *) data && row.raw + row.raw_len <= (const char *) data + size);
      for (guint i = 0; i < row.n_fields; i++)
        {
          g_assert (strlen (row.fields[i]) <= CHAIN_MANIFEST_FIELD_MAX_LEN);
          chain_manifest_append_field (written, row.fields[i], i + 1 == row.n_fields);
        }
      g_assert (!row.canonical || (written->len == row.raw_len + 1 && memcmp (written->str, row.raw, row.raw_len) == 0));
      chain_manifest_reader_init (&again, written->str, written->len);
      g_assert (chain_manifest_reader_next (&again, &reread, NULL));
      g_assert (reread.canonical && reread.n_fields == row.n_fields);
      for (guint i = 0; i < row.n_fields; i++)
        g_assert_cmpstr (reread.fields[i], ==, row.fields[i]);
    }
  return 0;
}
