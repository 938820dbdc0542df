/* custody-request-keys.h — the keys a delegation request asks to certify
 *
 * Approving a request is a security check: the officer confirms with the
 * requester, out of band, that the CA key and the officer key in it are
 * theirs, by their SHA-256 fingerprints (as XCA shows a request's key).
 */
#pragma once

#include "chain.h"
#include "custody-request.h"

G_BEGIN_DECLS

/**
 * custody_request_key_fields:
 * @request: a request, imported or recorded.
 * @state: the ledger's state, where a recorded request's keys are.
 *
 * Returns: (transfer full) (element-type CustodyField): the SHA-256
 *   fingerprints of the requested CA key and of the requester's officer
 *   key; empty when the request's keys are not at hand.
 */
GPtrArray *custody_request_key_fields (CustodyRequest         *request,
                                       const ChainLedgerState *state);

G_END_DECLS
