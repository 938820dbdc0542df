/* fuzz-state-cache.c — libFuzzer harness for the state cache reader: the
 * input is a cache without its checksum (the harness appends it, so the
 * fuzzer reaches the parser), and whatever the reader accepts is a state
 * it can write and read back. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <openssl/sha.h>

#include "chain-state-cache-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree guint8 *sealed = g_malloc (size + SHA256_DIGEST_LENGTH);
  g_autoptr(ChainLedgerState) state = NULL;
  g_autofree char *tip = NULL;

  if (size > 4 << 20)
    return 0;
  memcpy (sealed, data, size);
  SHA256 (data, size, sealed + size);
  state = chain_state_cache_decode (sealed, size + SHA256_DIGEST_LENGTH, &tip, NULL);
  if (state != NULL)
    {
      g_assert (tip != NULL);
      /* Every question the state answers stays in bounds. */
      for (guint i = 0; i < chain_ledger_state_get_n_custodians (state); i++)
        {
          const ChainCustodian *c = chain_ledger_state_get_custodian (state, i);

          (void) chain_custodian_get_status (c, 0);
          (void) chain_custodian_get_parent_id (c);
        }
      for (guint i = 0; i < chain_ledger_state_get_n_cas (state); i++)
        (void) chain_ledger_ca_is_revoked (chain_ledger_state_get_ca (state, i));
    }
  return 0;
}
