/* fuzz-name.c — libFuzzer harness for chain_name_parse(): whatever it
 * accepts must print as text that parses back to the same text. */
#include <stddef.h>
#include <stdint.h>

#include "chain-name.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(ChainName) name = chain_name_parse (text, NULL);
  g_autofree char *printed = name != NULL ? chain_name_to_string (name) : NULL;
  g_autoptr(ChainName) again = printed != NULL ? chain_name_parse (printed, NULL) : NULL;
  g_autofree char *reprinted = again != NULL ? chain_name_to_string (again) : NULL;

  g_assert (name == NULL || g_strcmp0 (printed, reprinted) == 0);
  return 0;
}
