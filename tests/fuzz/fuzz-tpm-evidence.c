/* fuzz-tpm-evidence.c — libFuzzer: the auditor's check of a TPM's evidence never crashes
 *
 * The input is the evidence's binary members, each but the last after a
 * two-byte big-endian length: key, parent_name, attest, ak, then the
 * signature; the harness base64s them into the JSON a record carries and
 * checks it against the key it names, so the signature and Name checks run.
 */
#include <stdint.h>

#include "chain-openssl-private.h"
#include "chain-tpm2-evidence-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
take (const uint8_t **data,
      size_t         *size,
      ChainJson      *evidence,
      const char     *name,
      gboolean        last)
{
  size_t len = *size;
  g_autofree char *text = NULL;

  if (!last)
    {
      if (*size < 2)
        return FALSE;
      len = (size_t) (*data)[0] << 8 | (*data)[1];
      *data += 2;
      *size -= 2;
      if (len > *size)
        return FALSE;
    }
  text = g_base64_encode (*data, len);
  chain_json_object_set_string (evidence, name, text);
  *data += len;
  *size -= len;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(ChainJson) evidence = chain_json_new_object ();
  g_autoptr(EVP_PKEY) key = NULL;
  g_autoptr(GError) error = NULL;
  const char *rule = NULL;

  if (!take (&data, &size, evidence, "key", FALSE) || !take (&data, &size, evidence, "parent_name", FALSE)
      || !take (&data, &size, evidence, "attest", FALSE) || !take (&data, &size, evidence, "ak", FALSE)
      || !take (&data, &size, evidence, "signature", TRUE))
    return 0;
  key = chain_tpm2_evidence_dup_key (evidence);
  if (!chain_tpm2_evidence_check (evidence, key, NULL, &rule, &error))
    g_assert (rule != NULL && g_str_has_prefix (rule, "tpm-evidence.") && error != NULL);
  return 0;
}
