/* ledger-writer.c — appends annotations to a ledger, for test-ledger
 *
 *   ledger-writer LEDGER KEY CERT COUNT TAG
 *
 * Loads the officer key (encrypted PKCS#8; passphrase in
 * $LEDGER_WRITER_PASSPHRASE) and certificate once, then appends COUNT
 * annotation records ("TAG N") signed by that officer, or without end if
 * COUNT is 0. Several of these at once on one ledger exercise the
 * compare-and-swap of real concurrent processes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chain.h"

static int
fail (const char *what,
      GError     *error)
{
  fprintf (stderr, "ledger-writer: %s: %s\n", what, error != NULL ? error->message : "failed");
  return 1;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = NULL;
  g_autoptr(ChainKey) key = NULL;
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(ChainLedgerSigner) signer = NULL;
  g_autoptr(ChainLedger) ledger = NULL;
  g_autoptr(ChainRecord) genesis = NULL;
  g_autofree char *pem = NULL;
  gsize pem_len = 0;
  guint64 count;

  if (argc != 6)
    {
      fprintf (stderr, "usage: ledger-writer LEDGER KEY CERT COUNT TAG\n");
      return 2;
    }
  count = g_ascii_strtoull (argv[4], NULL, 10);

  passphrase = chain_secret_new_from_env ("LEDGER_WRITER_PASSPHRASE", &error);
  if (passphrase == NULL)
    return fail ("passphrase", error);
  key = chain_key_load (argv[2], passphrase, &error);
  if (key == NULL)
    return fail (argv[2], error);
  if (!g_file_get_contents (argv[3], &pem, &pem_len, &error))
    return fail (argv[3], error);
  cert = chain_cert_parse ((const guint8 *) pem, pem_len, &error);
  if (cert == NULL)
    return fail (argv[3], error);
  signer = chain_ledger_signer_new (key, cert, NULL, &error);
  if (signer == NULL)
    return fail ("signer", error);
  ledger = chain_ledger_open (argv[1], NULL, &error);
  if (ledger == NULL)
    return fail (argv[1], error);
  genesis = chain_ledger_load_record (ledger, 0, &error);
  if (genesis == NULL)
    return fail ("genesis", error);

  for (guint64 i = 0; count == 0 || i < count; i++)
    {
      ChainStatement *first = chain_record_get_statement (genesis);
      g_autoptr(ChainJson) body = chain_json_new_object ();
      g_autoptr(ChainStatement) statement = NULL;
      g_autofree char *text = g_strdup_printf ("%s %" G_GUINT64_FORMAT, argv[5], i);

      chain_json_object_set_string (body, "text", text);
      statement = chain_statement_new (CHAIN_RECORD_TYPE_ANNOTATION, "oem",
                                       chain_statement_get_ledger_id (first),
                                       chain_statement_get_policy_digest (first),
                                       g_get_real_time () / G_USEC_PER_SEC, body, &error);
      if (statement == NULL || !chain_statement_sign (statement, key, &error))
        return fail ("statement", error);
      if (!chain_ledger_append (ledger, statement, signer, NULL, NULL, NULL, NULL, &error))
        return fail ("append", error);
    }
  return 0;
}
