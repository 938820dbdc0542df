/* fuzz-crl.c — libFuzzer harness for chain_crl_parse() */
#include <stddef.h>
#include <stdint.h>

#include "chain-crl.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  ChainCrl *crl = chain_crl_parse (data, size, NULL);

  if (crl != NULL)
    (void) chain_crl_contains (crl, "01");
  chain_crl_free (crl);
  return 0;
}
