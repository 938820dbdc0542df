/* fuzz-bundle.c — libFuzzer harness for the bundle header parser: it
 * refuses with a one-line error or accepts a header that ends inside the
 * input, within 64 KiB, naming a tip and at most 256 prerequisites. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chain-sync-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(ChainSyncBundleHeader) header = { 0 };
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  if (chain_sync_bundle_header_parse ((const char *) data, size, "fuzz", &header, &len, &error))
    g_assert (len <= size && len <= 64 * 1024 && !git_oid_is_zero (&header.tip)
              && header.prerequisites->len <= 256);
  else
    g_assert (error != NULL && strchr (error->message, '\n') == NULL);
  return 0;
}
