/* chain-device-id.h — the cloud's rules for device identifiers
 *
 * A device id becomes the leaf certificate's CN, so it must satisfy both
 * X.509 (CN at most 64 characters) and the clouds: Azure IoT Hub device ids
 * are ASCII letters, digits and - . _ : % * ? ! ( ) , = @ $ ' ; Azure DPS
 * registration ids are lower-case letters, digits and - . _ : and end in a
 * letter, digit or '-'.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

G_BEGIN_DECLS

/** Longest device id: the X.509 upper bound for a CN. */
#define CHAIN_DEVICE_ID_MAX_LEN 64

typedef enum {
  CHAIN_DEVICE_ID_RULES_IOT_HUB = 0,   /* Azure IoT Hub / generic MQTT */
  CHAIN_DEVICE_ID_RULES_DPS     = 1,   /* also a valid DPS registration id */
} ChainDeviceIdRules;

/**
 * chain_device_id_validate:
 * @id: the device id.
 * @rules: which rules to apply.
 * @error: CHAIN_ERROR_INVALID_INPUT saying which character or length is
 *   wrong and what is allowed.
 *
 * Returns: %TRUE if @id is acceptable.
 */
CHAIN_PUBLIC
gboolean chain_device_id_validate (const char        *id,
                                   ChainDeviceIdRules rules,
                                   GError           **error);

/**
 * chain_device_id_validate_new:
 * @id: the id of a device about to be issued.
 * @rules: which cloud rules to apply.
 * @error: CHAIN_ERROR_INVALID_INPUT saying what is wrong.
 *
 * chain_device_id_validate(), and refuses an id that starts with '-', '='
 * or '@' although the clouds allow it: a spreadsheet opening manifest.csv
 * would run it as a formula, and `az`, `aws` or `chain revoke` would read
 * it as an option. Ledgers that already hold such ids stay valid: the
 * auditor applies chain_device_id_validate() only.
 *
 * Returns: %TRUE if @id may be issued.
 */
CHAIN_PUBLIC
gboolean chain_device_id_validate_new (const char        *id,
                                       ChainDeviceIdRules rules,
                                       GError           **error);

G_END_DECLS
