/* fuzz-request.c — libFuzzer harness for chain_request_file_parse() */
#include <stddef.h>
#include <stdint.h>

#include "chain-delegation.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GBytes *bytes = g_bytes_new_static (data, size);
  ChainRequestFile *request = chain_request_file_parse (bytes, NULL);

  chain_request_file_free (request);
  g_bytes_unref (bytes);
  return 0;
}
