/* fuzz-reconcile.c — libFuzzer harness for the cloud registry reader: any
 * input is read whole or refused with CHAIN_ERROR_INVALID_INPUT, and a
 * refused one adds nothing; what was read compares. */
#include <stddef.h>
#include <stdint.h>

#include "chain-reconcile.h"
#include "chain-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ChainReconcile) reconcile = chain_reconcile_new ();
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (data, (gssize) size, NULL);
  g_autoptr(GError) error = NULL;

  g_assert (chain_reconcile_add_issued (reconcile, "dev-1", "01",
                                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", FALSE, NULL));
  if (!chain_reconcile_read_stream (reconcile, stream, "fuzz.json", NULL, NULL, &error))
    {
      g_assert_true (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT));
      g_assert_cmpuint (chain_reconcile_get_n_cloud (reconcile), ==, 0);
    }
  g_assert (chain_reconcile_compare (reconcile, NULL, NULL));
  for (gsize i = 0; i < chain_reconcile_get_n_findings (reconcile); i++)
    {
      ChainReconcileFinding finding;

      chain_reconcile_get_finding (reconcile, i, &finding);
      g_assert (finding.kind <= CHAIN_RECONCILE_NEVER_SEEN);
    }
  return 0;
}
