/* custody-device-lookup.h — a device looked up by id, as the officer reads it
 *
 * chain_workspace_lookup_device() answers from the ledger; this turns its
 * answer into the lines the lookup dialog shows: the batch that issued
 * the device, who issued it, its serial, and whether it is in force or
 * revoked (when, why, by which record). No GTK: tested headless.
 */
#pragma once

#include "custody-format.h"

G_BEGIN_DECLS

/**
 * custody_device_lookup_get_fields:
 * @lookup: the ledger's answer.
 *
 * Returns: (transfer full) (element-type CustodyField): Device ID, Batch,
 *   Issued by, Serial, Status.
 */
GPtrArray *custody_device_lookup_get_fields (const ChainDeviceLookup *lookup);

/**
 * custody_device_lookup_dup_status:
 * @lookup: the ledger's answer.
 *
 * Returns: (transfer full): "In force", or "Revoked on DATE: REASON
 *   (record #N)", naming the sub-CA when its revocation took the device.
 */
char *custody_device_lookup_dup_status (const ChainDeviceLookup *lookup);

G_END_DECLS
