/* fuzz-csr.c — libFuzzer harness for chain_csr_parse() */
#include <stddef.h>
#include <stdint.h>

#include "chain-csr.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  ChainCsr *csr = chain_csr_parse (data, size, NULL);

  chain_csr_free (csr);
  return 0;
}
