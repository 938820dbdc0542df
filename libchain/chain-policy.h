/* chain-policy.h — the rules a ledger's custodians sign under
 *
 * A policy is written in the genesis record and replaced only by a policy
 * record that meets the threshold of the policy in force. Records name the
 * SHA-256 of the canonical policy they were signed under.
 *
 * The document is one JSON object; every member is required, none other is
 * allowed, and lists are in a fixed order, so parsing then serialising
 * reproduces the canonical bytes (and so the digest) exactly:
 *
 *   {
 *     "algorithms": ["ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096"],
 *     "devices": {"id_rules": "iot-hub", "max_validity_days": 3650},
 *     "thresholds": {"annotation": 1, "approval": 1, "delegation": 1,
 *                    "delegation-request": 1, "device-batch": 1, "export": 1,
 *                    "key-rotation": 1, "officer": 1, "policy": 1, "pop": 1,
 *                    "revocation": 1},
 *     "tiers": [
 *       {"delegates_to": ["manufacturer"], "issues_devices": false,
 *        "max_path_len": 2, "max_validity_days": 7305, "name": "oem",
 *        "require_name_constraints": false},
 *       {"delegates_to": ["distributor"], "issues_devices": true,
 *        "max_path_len": 1, "max_validity_days": 3653, "name": "manufacturer",
 *        "require_name_constraints": true},
 *       {"delegates_to": [], "issues_devices": true,
 *        "max_path_len": 0, "max_validity_days": 1827, "name": "distributor",
 *        "require_name_constraints": true}
 *     ],
 *     "version": 1
 *   }
 *
 * - algorithms: the key algorithms any CA, officer or device certificate
 *   may carry, a non-empty subset of %CHAIN_KEY_ALGORITHM_NAMES in that
 *   order (libchain never accepts SHA-1 or RSA below 2048 at all).
 * - devices: id_rules "iot-hub" or "dps" (chain_device_id_validate());
 *   max_validity_days, 1 to 36525, the longest a device certificate lives.
 * - thresholds: for every record type listed in
 *   chain_policy_get_threshold_types(), named as
 *   chain_record_type_to_string() names it, k from 1 to
 *   %CHAIN_POLICY_MAX_THRESHOLD: how many distinct officer keys of the
 *   author must sign (or, for a delegation, sign or approve its request).
 *   A genesis and an acceptance are signed by the one officer they enrol.
 * - tiers: 1 to %CHAIN_POLICY_MAX_TIERS, in order from the root down; the
 *   first is the genesis custodian's. Each has a unique name
 *   ([a-z][a-z0-9-]*, at most 32 bytes); delegates_to lists tiers further
 *   down, in tier order, whose sub-CAs it may issue; max_path_len (0 to 32)
 *   bounds the pathLenConstraint of its CA certificates and is at least one
 *   more than that of every tier it delegates to; max_validity_days (1 to
 *   36525) bounds their lifetime; require_name_constraints says its sub-CAs
 *   must carry a permitted directoryName constraint (not allowed on the
 *   first tier: a self-signed root's constraints bind nothing);
 *   issues_devices says whether its CAs may sign device batches;
 *   require_hardware_keys (optional, only ever true) says its CA and officer
 *   keys must live in a PKCS#11 token or a TPM: records that introduce one
 *   must say "pkcs11" or "tpm2" (rule key-store.hardware).
 * - version: 1.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include "chain-device-id.h"
#include "chain-json.h"
#include "chain-key.h"
#include "chain-statement.h"

G_BEGIN_DECLS

/** Largest policy document chain_policy_parse() reads, in bytes. */
#define CHAIN_POLICY_MAX_LEN (64 * 1024)
/** Most tiers a policy may name. */
#define CHAIN_POLICY_MAX_TIERS 16
/** Largest approval threshold: more officers than this is not a policy. */
#define CHAIN_POLICY_MAX_THRESHOLD 16
/** Largest max_path_len: what libchain's issuer writes at most. */
#define CHAIN_POLICY_MAX_PATH_LEN 32
/** Longest max_validity_days: a hundred years. */
#define CHAIN_POLICY_MAX_VALIDITY_DAYS 36525

typedef struct _ChainPolicy ChainPolicy;

/**
 * chain_policy_new_default:
 *
 * The policy shown above: tiers oem, manufacturer, distributor; every
 * accepted algorithm; every threshold 1.
 *
 * Returns: (transfer full): a new policy.
 */
CHAIN_PUBLIC
ChainPolicy *chain_policy_new_default (void);

/**
 * chain_policy_parse:
 * @data: (array length=len): a JSON policy document (white space allowed),
 *   at most %CHAIN_POLICY_MAX_LEN bytes.
 * @len: its length.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the field at fault, e.g.
 *   "policy field 'tiers[1].max_path_len' ...", or the JSON syntax error.
 *
 * Parses and validates (see chain_policy_validate()) a policy.
 *
 * Returns: (transfer full) (nullable): the policy.
 */
CHAIN_PUBLIC
ChainPolicy *chain_policy_parse (const void *data,
                                 gsize       len,
                                 GError    **error);

/**
 * chain_policy_from_json:
 * @json: a parsed policy object, e.g. the "policy" member of a record body.
 * @error: as chain_policy_parse().
 *
 * Returns: (transfer full) (nullable): the policy.
 */
CHAIN_PUBLIC
ChainPolicy *chain_policy_from_json (const ChainJson *json,
                                     GError         **error);

/** Returns: (transfer full): the policy as a JSON object. */
CHAIN_PUBLIC
ChainJson *chain_policy_to_json (const ChainPolicy *self);

/** Returns: (transfer full): the canonical JSON bytes of the policy. */
CHAIN_PUBLIC
GBytes *chain_policy_to_canonical (const ChainPolicy *self);

/**
 * chain_policy_dup_digest:
 *
 * What records name in their "policy" field.
 *
 * Returns: (transfer full): lower-case hex SHA-256 of the canonical bytes;
 *   g_free() it.
 */
CHAIN_PUBLIC
char *chain_policy_dup_digest (const ChainPolicy *self);

/**
 * chain_policy_validate:
 * @self: a policy, e.g. after setters.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the field that makes the
 *   document inconsistent: a tier delegating to an unknown, earlier or
 *   repeated tier, a path length that leaves no room for a tier it
 *   delegates to, name constraints required on the first tier, a bound out
 *   of range.
 *
 * Whether the document is consistent in itself. Whether a change from the
 * policy in force is allowed (tiers in use, thresholds met, no rollback)
 * is the ledger's rule, checked by chain_ledger_state_apply().
 *
 * Returns: %TRUE if it is.
 */
CHAIN_PUBLIC
gboolean chain_policy_validate (const ChainPolicy *self,
                                GError           **error);

/** Returns: whether @a and @b are the same document. */
CHAIN_PUBLIC
gboolean chain_policy_equal (const ChainPolicy *a,
                             const ChainPolicy *b);

/** Returns: (transfer full): an independent copy of @self. */
CHAIN_PUBLIC
ChainPolicy *chain_policy_copy (const ChainPolicy *self);

/* ---- Tiers --------------------------------------------------------------
 * Functions taking a tier name require a tier of the policy (a programming
 * error otherwise); check with chain_policy_find_tier() first.
 */

/** Returns: how many tiers, at least 1. */
CHAIN_PUBLIC
guint chain_policy_get_n_tiers (const ChainPolicy *self);

/** Returns: (transfer none): the name of tier @index, 0 being the root's. */
CHAIN_PUBLIC
const char *chain_policy_get_tier_name (const ChainPolicy *self,
                                        guint              index);

/** Returns: the index of tier @name, or -1 if the policy has none such. */
CHAIN_PUBLIC
int chain_policy_find_tier (const ChainPolicy *self,
                            const char        *name);

/** Returns: whether CAs of tier @parent may issue sub-CAs of tier @child. */
CHAIN_PUBLIC
gboolean chain_policy_may_delegate (const ChainPolicy *self,
                                    const char        *parent,
                                    const char        *child);

/**
 * chain_policy_get_delegates:
 *
 * Returns: (transfer container): the tiers @tier may delegate to, in tier
 *   order, as a %NULL-terminated array of names owned by @self; g_free() it.
 */
CHAIN_PUBLIC
const char **chain_policy_get_delegates (const ChainPolicy *self,
                                         const char        *tier);

/** Returns: the largest pathLenConstraint a CA of @tier may carry. */
CHAIN_PUBLIC
int chain_policy_get_max_path_len (const ChainPolicy *self,
                                   const char        *tier);

/** Returns: the longest a CA certificate of @tier may be valid, in days. */
CHAIN_PUBLIC
gint64 chain_policy_get_max_validity_days (const ChainPolicy *self,
                                           const char        *tier);

/** Returns: whether sub-CAs of @tier must carry a permitted directoryName constraint. */
CHAIN_PUBLIC
gboolean chain_policy_get_require_name_constraints (const ChainPolicy *self,
                                                    const char        *tier);

/** Returns: whether CAs of @tier may sign device certificates. */
CHAIN_PUBLIC
gboolean chain_policy_get_issues_devices (const ChainPolicy *self,
                                          const char        *tier);

/** Returns: whether the CA and officer keys of @tier must live in hardware (pkcs11 or tpm2). */
CHAIN_PUBLIC
gboolean chain_policy_get_require_hardware_keys (const ChainPolicy *self,
                                                 const char        *tier);
CHAIN_PUBLIC
void chain_policy_set_require_hardware_keys (ChainPolicy *self,
                                             const char  *tier,
                                             gboolean     required);

/**
 * chain_policy_add_tpm_ek_root:
 * @self: a policy.
 * @tier: one of its tiers.
 * @pem: a TPM maker's CA certificate, PEM (copied).
 * @error: CHAIN_ERROR_NOT_FOUND (no such tier), CHAIN_ERROR_INVALID_INPUT
 *   (not a certificate), CHAIN_ERROR_REFUSED (16 already).
 *
 * Makes @tier trust TPMs whose EK certificate chains to @pem, and want
 * every key it introduces certified by such a TPM (tier member
 * tpm_ek_roots; rules tpm-evidence.*).
 *
 * Returns: whether it was added.
 */
CHAIN_PUBLIC
gboolean chain_policy_add_tpm_ek_root (ChainPolicy *self,
                                       const char  *tier,
                                       const char  *pem,
                                       GError     **error);

CHAIN_PUBLIC
void chain_policy_set_max_path_len (ChainPolicy *self,
                                    const char  *tier,
                                    int          max_path_len);
CHAIN_PUBLIC
void chain_policy_set_max_validity_days (ChainPolicy *self,
                                         const char  *tier,
                                         gint64       days);
CHAIN_PUBLIC
void chain_policy_set_require_name_constraints (ChainPolicy *self,
                                                const char  *tier,
                                                gboolean     required);
CHAIN_PUBLIC
void chain_policy_set_issues_devices (ChainPolicy *self,
                                      const char  *tier,
                                      gboolean     issues_devices);

/* ---- Algorithms, devices, thresholds ----------------------------------- */

/** Returns: whether certificates may carry keys of @algorithm. */
CHAIN_PUBLIC
gboolean chain_policy_allows_algorithm (const ChainPolicy *self,
                                        ChainKeyAlgorithm  algorithm);

/**
 * chain_policy_set_algorithm_allowed:
 * @self: the policy.
 * @algorithm: a valid algorithm.
 * @allowed: whether to allow it. The last one cannot be removed
 *   (chain_policy_validate() would refuse the result).
 */
CHAIN_PUBLIC
void chain_policy_set_algorithm_allowed (ChainPolicy      *self,
                                         ChainKeyAlgorithm algorithm,
                                         gboolean          allowed);

/** Returns: the device id rules devices' CNs must follow. */
CHAIN_PUBLIC
ChainDeviceIdRules chain_policy_get_device_id_rules (const ChainPolicy *self);
CHAIN_PUBLIC
void chain_policy_set_device_id_rules (ChainPolicy       *self,
                                       ChainDeviceIdRules rules);

/** Returns: the longest a device certificate may be valid, in days. */
CHAIN_PUBLIC
gint64 chain_policy_get_device_max_validity_days (const ChainPolicy *self);
CHAIN_PUBLIC
void chain_policy_set_device_max_validity_days (ChainPolicy *self,
                                                gint64       days);

/**
 * chain_policy_get_threshold_types:
 *
 * Returns: (transfer none) (array zero-terminated=1): the record types a
 *   policy sets a threshold for, ended by %CHAIN_RECORD_TYPE_INVALID, in
 *   the order of their names (chain_record_type_to_string()), which is the
 *   order of the document's "thresholds" object. Genesis and acceptance
 *   are not among them.
 */
CHAIN_PUBLIC
const ChainRecordType *chain_policy_get_threshold_types (void);

/** Returns: whether a policy sets a threshold for records of @type. */
CHAIN_PUBLIC
gboolean chain_policy_type_has_threshold (ChainRecordType type);

/**
 * chain_policy_get_threshold:
 * @self: the policy.
 * @type: a record type; %CHAIN_RECORD_TYPE_GENESIS and
 *   %CHAIN_RECORD_TYPE_ACCEPTANCE give 1.
 *
 * Returns: k, the distinct officer keys a record of @type needs; 0 for
 *   %CHAIN_RECORD_TYPE_INVALID or a value that is no record type.
 */
CHAIN_PUBLIC
guint chain_policy_get_threshold (const ChainPolicy *self,
                                  ChainRecordType    type);

/**
 * chain_policy_set_threshold:
 * @self: the policy.
 * @type: a type chain_policy_type_has_threshold() accepts.
 * @k: 1 to %CHAIN_POLICY_MAX_THRESHOLD.
 */
CHAIN_PUBLIC
void chain_policy_set_threshold (ChainPolicy     *self,
                                 ChainRecordType  type,
                                 guint            k);

/** chain_policy_free: NULL-safe. */
CHAIN_PUBLIC
void chain_policy_free (ChainPolicy *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainPolicy, chain_policy_free)

G_END_DECLS
