/* fuzz-cert.c — libFuzzer harness for chain_cert_parse() */
#include <stddef.h>
#include <stdint.h>

#include "chain-cert.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  ChainCert *cert = chain_cert_parse (data, size, NULL);

  chain_cert_free (cert);
  return 0;
}
