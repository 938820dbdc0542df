/* chain.h — libchain: delegated X.509 signing across a supply chain
 *
 * Include this one header. Every type is opaque; every function that can
 * fail returns NULL or FALSE and sets a CHAIN_ERROR. Objects a function
 * returns with "transfer full" are the caller's to free with the type's
 * NULL-safe _free(); "transfer none" results live as long as their owner.
 */
#pragma once

#include "chain-error.h"
#include "chain-i18n.h"
#include "chain-secret.h"
#include "chain-key.h"
#include "chain-key-token.h"
#include "chain-name.h"
#include "chain-name-constraints.h"
#include "chain-csr.h"
#include "chain-custody-tree.h"
#include "chain-cert.h"
#include "chain-device-id.h"
#include "chain-issuer.h"
#include "chain-crl.h"
#include "chain-verify.h"
#include "chain-json.h"
#include "chain-statement.h"
#include "chain-record.h"
#include "chain-record-summary.h"
#include "chain-ledger.h"
#include "chain-policy.h"
#include "chain-ledger-state.h"
#include "chain-sync.h"
#include "chain-receive.h"
#include "chain-reconcile.h"
#include "chain-report-data.h"
#include "chain-checkpoint.h"
#include "chain-text.h"
#include "chain-audit.h"
#include "chain-workspace.h"
#include "chain-workspace-sync.h"
#include "chain-workspace-bundle.h"
#include "chain-issue.h"
#include "chain-delegation.h"
#include "chain-quota.h"
#include "chain-export.h"
#include "chain-revoke.h"
#include "chain-device-lookup.h"
