/* custody-request-keys.c — the keys a delegation request asks to certify */
#include "custody-request-keys.h"

#include <glib/gi18n.h>

GPtrArray *
custody_request_key_fields (CustodyRequest         *request,
                            const ChainLedgerState *state)
{
  GPtrArray *fields = custody_fields_new ();
  const ChainRequestFile *file = custody_request_get_file (request);
  const ChainLedgerRequest *recorded = NULL;
  const ChainCsr *ca = NULL;
  const ChainCsr *officer = NULL;

  if (file != NULL)
    {
      ca = chain_request_file_get_ca_csr (file);
      officer = chain_request_file_get_officer_csr (file);
    }
  else if (state != NULL && custody_request_get_request_id (request) != NULL
           && (recorded = chain_ledger_state_find_request (state, custody_request_get_request_id (request))) != NULL)
    {
      ca = chain_ledger_request_get_ca_csr (recorded);
      officer = chain_ledger_request_get_officer_csr (recorded);
    }
  if (ca != NULL)
    custody_fields_take (fields, _("Requested CA key (SHA-256)"), chain_csr_dup_public_key_sha256 (ca));
  if (officer != NULL)
    custody_fields_take (fields, _("Requester’s officer key (SHA-256)"), chain_csr_dup_public_key_sha256 (officer));
  return fields;
}
