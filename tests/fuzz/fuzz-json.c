/* fuzz-json.c — libFuzzer: whatever parses has a canonical form that is a fixed point */
#include <stdint.h>

#include "chain.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(ChainJson) value = chain_json_parse (data, size, 1 << 20, NULL);
  g_autoptr(GBytes) canonical = NULL;
  g_autoptr(ChainJson) again = NULL;
  g_autoptr(GBytes) canonical_again = NULL;
  g_autofree char *pretty = NULL;
  g_autoptr(ChainJson) from_pretty = NULL;
  g_autoptr(GBytes) canonical_pretty = NULL;

  if (value == NULL)
    return 0;
  canonical = chain_json_to_canonical (value);
  again = chain_json_parse_canonical (g_bytes_get_data (canonical, NULL),
                                      g_bytes_get_size (canonical), 1 << 21, NULL);
  g_assert (again != NULL);
  canonical_again = chain_json_to_canonical (again);
  g_assert (g_bytes_equal (canonical, canonical_again));

  /* The pretty form means the same value. */
  pretty = chain_json_to_pretty (value);
  from_pretty = chain_json_parse (pretty, strlen (pretty), G_MAXSIZE, NULL);
  g_assert (from_pretty != NULL);
  canonical_pretty = chain_json_to_canonical (from_pretty);
  g_assert (g_bytes_equal (canonical, canonical_pretty));
  return 0;
}
