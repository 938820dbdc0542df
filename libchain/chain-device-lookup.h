/* chain-device-lookup.h — what the ledger says about one device id
 *
 * A device is known by its id (its certificate's CN, a manifest.csv
 * field). The lookup answers from the ledger alone: the device batch that
 * issued the id's current certificate, that certificate's serial, the
 * custodian whose CA issued it, and whether it is in force or revoked —
 * itself, or along with a CA above it — with the revocation's record,
 * date and reason.
 */
#pragma once

#include <gio/gio.h>

#include "chain-macros.h"
#include "chain-crl.h"
#include "chain-workspace.h"

G_BEGIN_DECLS

typedef struct _ChainDeviceLookup ChainDeviceLookup;

/**
 * chain_workspace_lookup_device:
 * @self: a joined workspace (locked or not).
 * @device_id: the device id, exactly as issued (ids are case-sensitive).
 * @cancellable: (nullable): checked between records.
 * @error: CHAIN_ERROR_INVALID_INPUT (an empty or over-long id),
 *   CHAIN_ERROR_NOT_FOUND (no device batch of the ledger issued the id),
 *   or a ledger read error.
 *
 * Reads the ledger's device batches (and, for a revoked device, its
 * revocations): as long as chain_workspace_plan_revocation() takes for a
 * device, so run it off the main thread for a large ledger.
 *
 * Returns: (transfer full) (nullable): the answer; free it with
 *   chain_device_lookup_free().
 */
CHAIN_PUBLIC
ChainDeviceLookup *chain_workspace_lookup_device (ChainWorkspace *self,
                                                  const char     *device_id,
                                                  GCancellable   *cancellable,
                                                  GError        **error);

/**
 * chain_ledger_state_find_device_batch_by_id:
 * @state: a ledger state (chain_workspace_get_state()).
 * @device_id: a device id, exactly as issued (ids are case-sensitive).
 * @out_seq: (out) (optional): set, if found, to the sequence number of
 *   the device batch that issued the id's current certificate.
 *
 * Answers from the state in memory, by a hash of the id: no ledger read,
 * so a viewer may ask on its main thread as the officer types, whatever
 * the ledger's size. Only whole ids match (the state keeps no ids, only
 * their hashes): chain_workspace_lookup_device() says the rest.
 *
 * Returns: whether a device batch of the ledger issued @device_id.
 */
CHAIN_PUBLIC
gboolean chain_ledger_state_find_device_batch_by_id (const ChainLedgerState *state,
                                                     const char             *device_id,
                                                     guint64                *out_seq);

/* Strings below are (transfer none): they live as long as the lookup. */

/** Returns: the device id looked up. */
CHAIN_PUBLIC
const char *chain_device_lookup_get_id (const ChainDeviceLookup *self);

/** Returns: the lower-case hex serial of the id's current certificate. */
CHAIN_PUBLIC
const char *chain_device_lookup_get_serial (const ChainDeviceLookup *self);

/** Returns: the sequence number of the device batch that issued it. */
CHAIN_PUBLIC
guint64 chain_device_lookup_get_batch_seq (const ChainDeviceLookup *self);

/** Returns: the id of the custodian whose CA issued it. */
CHAIN_PUBLIC
const char *chain_device_lookup_get_issuer_id (const ChainDeviceLookup *self);

/** Returns: that custodian's name, e.g. "Dist X". */
CHAIN_PUBLIC
const char *chain_device_lookup_get_issuer_name (const ChainDeviceLookup *self);

/** Returns: whether the certificate was revoked, itself or with a CA above it. */
CHAIN_PUBLIC
gboolean chain_device_lookup_is_revoked (const ChainDeviceLookup *self);

/**
 * chain_device_lookup_get_revocation_seq:
 *
 * Returns: the sequence number of the revocation record that revoked it
 *   (or the CA above it); 0 when it is in force.
 */
CHAIN_PUBLIC
guint64 chain_device_lookup_get_revocation_seq (const ChainDeviceLookup *self);

/** Returns: when that revocation was stated (Unix seconds); 0 when in force. */
CHAIN_PUBLIC
gint64 chain_device_lookup_get_revocation_time (const ChainDeviceLookup *self);

/** Returns: the reason that revocation gave; UNSPECIFIED when in force. */
CHAIN_PUBLIC
ChainRevocationReason chain_device_lookup_get_revocation_reason (const ChainDeviceLookup *self);

/**
 * chain_device_lookup_get_revoked_ca_id:
 *
 * Returns: (nullable): the custodian whose CA's revocation took the device
 *   along, %NULL when the device's own certificate was revoked (or none was).
 */
CHAIN_PUBLIC
const char *chain_device_lookup_get_revoked_ca_id (const ChainDeviceLookup *self);

/** Returns: (nullable): that custodian's name, %NULL as for the id. */
CHAIN_PUBLIC
const char *chain_device_lookup_get_revoked_ca_name (const ChainDeviceLookup *self);

/** chain_device_lookup_free: NULL-safe. */
CHAIN_PUBLIC
void chain_device_lookup_free (ChainDeviceLookup *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainDeviceLookup, chain_device_lookup_free)

G_END_DECLS
