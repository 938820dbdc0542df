/* chain-custody-tree.h — the custody tree, walked once for every view
 *
 * The root custodian, the custodians it delegated to, theirs, and so on:
 * `chain status` and Custody's tree show it in one order, walked here.
 */
#pragma once

#include "chain-ledger-state.h"
#include "chain-macros.h"

G_BEGIN_DECLS

/**
 * ChainCustodyVisitFunc:
 * @custodian: the custodian visited (transfer none).
 * @depth: 0 for a root, 1 for its children, and so on.
 * @user_data: as given to chain_ledger_state_walk_custody().
 */
typedef void (*ChainCustodyVisitFunc) (const ChainCustodian *custodian,
                                       guint                 depth,
                                       gpointer              user_data);

/**
 * chain_ledger_state_walk_custody:
 * @self: a ledger state.
 * @enter: called for each custodian, a parent before its children and
 *   siblings in ledger order.
 * @leave: (nullable): called for each custodian after its children.
 * @user_data: passed to @enter and @leave.
 *
 * Walks the custody tree depth first from each root (a custodian without
 * a parent). The walk keeps its own stack, so a deep chain costs memory
 * linear in its depth, never the C stack, and the whole walk is linear in
 * the number of custodians. A custodian whose parent the state does not
 * hold is not visited: the ledger's rules admit no such custodian.
 */
CHAIN_PUBLIC
void chain_ledger_state_walk_custody (const ChainLedgerState *self,
                                      ChainCustodyVisitFunc   enter,
                                      ChainCustodyVisitFunc   leave,
                                      gpointer                user_data);

G_END_DECLS
