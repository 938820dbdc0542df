/* custody-record-names.h — a record's author and signers by name
 *
 * A record names its author by custodian id and its signers by the
 * SHA-256 of their officer keys. The ledger state knows whose those are:
 * "Dist X (dist-x)" and "olivia, of Dist X" read better than an id and
 * a hash, which stay below for whoever compares them.
 */
#pragma once

#include "custody-format.h"

G_BEGIN_DECLS

/**
 * custody_record_fields_add_names:
 * @fields: (element-type CustodyField): a record's fields, as
 *   custody_record_item_get_fields() gives them.
 * @state: (nullable): the ledger state; %NULL leaves @fields as they are.
 *
 * Shows the author ("Author") by name with its id, and adds "Signed by"
 * with each signer's officer name and custodian before the key ids.
 */
void custody_record_fields_add_names (GPtrArray              *fields,
                                      const ChainLedgerState *state);

G_END_DECLS
