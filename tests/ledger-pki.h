/* ledger-pki.h — a root and officers for the ledger tests and benchmark
 *
 * Made with libchain's own issuer, without Check, so the benchmark can use
 * them too (tests/support/test-pki.h fails a running Check test instead).
 * Static inline so each program includes it without unused-function
 * warnings.
 */
#pragma once

#include <glib.h>

#include "chain.h"

/* A self-signed root CA as libchain makes it, valid for ten years, with the
 * path length the default policy's "oem" tier allows, so a genesis may
 * carry it. */
static inline ChainCert *
ledger_pki_root (ChainKey   *key,
                 const char *cn)
{
  g_autofree char *text = g_strdup_printf ("CN=%s,O=Widget Ltd", cn);
  g_autoptr(ChainName) name = chain_name_parse (text, NULL);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_before = g_get_real_time () / G_USEC_PER_SEC - 3600;
  options.not_after = options.not_before + 10 * 365 * 24 * 3600;
  options.path_len = 2;
  return chain_root_create (key, name, &options, NULL);
}

/* An officer certificate for @key, CN=@cn under the root's name, issued by
 * libchain's officer profile and valid for a year. Returns NULL on failure. */
static inline ChainCert *
ledger_pki_officer (ChainKey   *root_key,
                    ChainCert  *root,
                    ChainKey   *key,
                    const char *cn)
{
  g_autoptr(ChainIssuer) issuer = chain_issuer_new (root, root_key, NULL, NULL);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  if (issuer == NULL)
    return NULL;
  options.not_after = g_get_real_time () / G_USEC_PER_SEC + 365 * 24 * 3600;
  return chain_issuer_issue_officer (issuer, cn, key, &options, NULL);
}
