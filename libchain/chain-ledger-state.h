/* chain-ledger-state.h — the rules of the ledger, and where they leave it
 *
 * A ChainLedgerState is what a ledger's records add up to: the ledger id,
 * the policy in force, the custodians with their tiers, CA certificates
 * and officers, delegation requests and their approvals, every serial
 * issued and revoked, and the exports. It knows nothing of git: it takes
 * records as plain data, in order, so the same engine refuses a statement
 * before it is appended and lets the auditor replay a ledger.
 *
 * chain_ledger_state_apply() checks every rule for the record's type and
 * either updates the state or leaves it untouched and fails with
 * CHAIN_ERROR_VERIFY and a one-line message
 *
 *   record SEQ (TYPE): rule RULE-ID: what is wrong; what to do
 *
 * chain_ledger_state_check(), which an appender asks, fails with the same
 * message as CHAIN_ERROR_REFUSED: what was asked is not allowed.
 *
 * where RULE-ID is one of the stable identifiers below, which
 * chain_ledger_error_dup_rule() extracts for reports.
 *
 * Every record:
 *   record.sequence          seq is not the next one
 *   record.time-order        appended before the previous record (beyond
 *                            %CHAIN_LEDGER_TIME_SKEW)
 *   record.time-future       a statement dated after its append, or a
 *                            commit dated after the judge's clock
 *   genesis.first            the first record is not a genesis
 *   genesis.once             a genesis after the first record
 *   statement.ledger         the statement names another ledger
 *   statement.replay         a statement id seen before
 *   statement.policy         not signed under the policy in force
 *   statement.artifacts      an artifact missing, unexpected or not supplied
 *   statement.body           a body field missing, mistyped or unknown
 *   statement.author         the author is no custodian, or one that may not act yet
 *   signature.unknown-key    a signature by a key that is no officer of the author
 *   signature.officer-revoked  by an officer revoked, or under a revoked CA
 *   signature.officer-validity the officer's certificate was not valid at the statement's time
 *   signature.invalid        a signature that does not verify
 *   threshold.not-met        fewer distinct officer keys than the policy wants
 *   commit.signer            the commit was signed by no current officer
 *   serial.duplicate         a certificate serial the ledger has seen
 *
 * By type:
 *   genesis.policy genesis.custodian genesis.root genesis.officer
 *   policy.author policy.invalid policy.rollback policy.tier-in-use
 *   officer.custodian officer.certificate officer.profile officer.issuer
 *     officer.algorithm officer.duplicate
 *   request.parent request.custodian request.tier request.csr request.algorithm
 *   approval.target approval.author approval.pending approval.decision
 *     approval.duplicate
 *   delegation.request delegation.child delegation.tier delegation.certificate
 *     delegation.issuer delegation.issuer-revoked delegation.csr delegation.body
 *     delegation.profile delegation.algorithm delegation.path-length
 *     delegation.name-constraints delegation.validity delegation.chain
 *   acceptance.delegation acceptance.author acceptance.duplicate
 *     acceptance.certificate acceptance.profile acceptance.issuer
 *     acceptance.algorithm acceptance.officer-key
 *   batch.issuer batch.issuer-revoked batch.tier batch.manifest batch.count
 *     batch.device-id batch.device-id-reused batch.certificates batch.profile
 *     batch.validity batch.name-constraints batch.algorithm
 *   pop.ca pop.target pop.certificate pop.code
 *   export.target export.ca export.files export.content
 *   revocation.issuer revocation.reason revocation.not-issued
 *     revocation.duplicate revocation.crl
 *   rotation.old rotation.root rotation.new rotation.subject rotation.key
 *     rotation.certificate rotation.issuer rotation.issuer-revoked
 *     rotation.profile rotation.algorithm rotation.path-length
 *     rotation.name-constraints rotation.validity rotation.chain
 *   annotation.text
 *   quota.custodian quota.below-issued (a quota record, or the approval
 *     that puts one in force)
 *
 * A device batch that takes a custodian, or one above it, past its quota
 * is applied all the same (the ledger records every certificate signed,
 * and later records are judged against a complete state); the auditor
 * reports it as quota.exceeded (chain_ledger_state_get_quota_finding()).
 *
 * docs/ledger-format.md describes each type's body and artifacts.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

#include "chain-cert.h"
#include "chain-crl.h"
#include "chain-csr.h"
#include "chain-json.h"
#include "chain-policy.h"
#include "chain-statement.h"

G_BEGIN_DECLS

#define CHAIN_LEDGER_RECORD_VERSION 1

/**
 * ChainLedgerRecord:
 * @version: %CHAIN_LEDGER_RECORD_VERSION.
 * @seq: the record's sequence number, 0 for genesis.
 * @statement: (transfer none): the statement, sealed, with every artifact it lists attached
 *   (chain_statement_attach_artifact()) or added. Its signatures are
 *   verified here, against the officers the ledger has enrolled.
 * @commit_signer: (transfer none) (nullable): the certificate whose CMS signature on the
 *   commit the caller verified to the ledger's root; it must be a current
 *   officer's. %NULL skips that rule, for a statement not yet committed.
 * @commit_time: the commit's committer time (Unix seconds), when the
 *   appender appended it; 0 for a statement about to be appended: the
 *   rules take the current time.
 *
 * One record, as plain data. Initialise with %CHAIN_LEDGER_RECORD_INIT.
 */
typedef struct {
  guint            version;
  guint64          seq;
  ChainStatement  *statement;
  const ChainCert *commit_signer;
  gint64           commit_time;
} ChainLedgerRecord;

#define CHAIN_LEDGER_RECORD_INIT { CHAIN_LEDGER_RECORD_VERSION, 0, NULL, NULL, 0 }

/**
 * CHAIN_LEDGER_TIME_SKEW:
 *
 * How far, in seconds, two custodians' clocks may disagree: a record may
 * be appended up to this much before the one it follows (rule
 * `record.time-order`), and a statement or commit may be dated up to this
 * much after the clock that judges it (rule `record.time-future`).
 */
#define CHAIN_LEDGER_TIME_SKEW (15 * 60)

/**
 * ChainCustodyStatus:
 * @CHAIN_CUSTODY_STATUS_VALID: in force.
 * @CHAIN_CUSTODY_STATUS_PENDING: delegated, not yet accepted.
 * @CHAIN_CUSTODY_STATUS_EXPIRED: outside its certificate's validity at the
 *   time asked (for a custodian: every CA in force is).
 * @CHAIN_CUSTODY_STATUS_REVOKED: revoked, or under a revoked CA.
 * @CHAIN_CUSTODY_STATUS_RETIRED: a CA replaced by key rotation; it still
 *   signs revocations of what it issued, nothing new.
 */
typedef enum {
  CHAIN_CUSTODY_STATUS_VALID,
  CHAIN_CUSTODY_STATUS_PENDING,
  CHAIN_CUSTODY_STATUS_EXPIRED,
  CHAIN_CUSTODY_STATUS_REVOKED,
  CHAIN_CUSTODY_STATUS_RETIRED,
} ChainCustodyStatus;

/** Returns: (transfer none): "valid", "pending", "expired", "revoked" or "retired". */
CHAIN_PUBLIC
const char *chain_custody_status_to_string (ChainCustodyStatus status);

/**
 * ChainRequestStatus:
 * @CHAIN_REQUEST_STATUS_PENDING: awaiting approvals or the delegation.
 * @CHAIN_REQUEST_STATUS_REJECTED: an officer of the parent rejected it.
 * @CHAIN_REQUEST_STATUS_DELEGATED: the sub-CA was issued.
 */
typedef enum {
  CHAIN_REQUEST_STATUS_PENDING,
  CHAIN_REQUEST_STATUS_REJECTED,
  CHAIN_REQUEST_STATUS_DELEGATED,
} ChainRequestStatus;

typedef struct _ChainLedgerState ChainLedgerState;
typedef struct _ChainCustodian ChainCustodian;
typedef struct _ChainLedgerRequest ChainLedgerRequest;
typedef struct _ChainLedgerExport ChainLedgerExport;
typedef struct _ChainLedgerQuota ChainLedgerQuota;

/**
 * ChainQuotaStatus:
 * @CHAIN_QUOTA_STATUS_PENDING: recorded, awaiting approvals; not in force.
 * @CHAIN_QUOTA_STATUS_IN_FORCE: the custodian's quota (until a later one).
 * @CHAIN_QUOTA_STATUS_REJECTED: an officer of the parent rejected it.
 * @CHAIN_QUOTA_STATUS_SUPERSEDED: a later quota record for the custodian
 *   came before it was in force, or replaced it.
 */
typedef enum {
  CHAIN_QUOTA_STATUS_PENDING,
  CHAIN_QUOTA_STATUS_IN_FORCE,
  CHAIN_QUOTA_STATUS_REJECTED,
  CHAIN_QUOTA_STATUS_SUPERSEDED,
} ChainQuotaStatus;

/** The largest device quota a delegation or quota record may set. */
#define CHAIN_QUOTA_MAX G_GINT64_CONSTANT (1000000000000)

/** Returns: (transfer full): the state of an empty ledger. */
CHAIN_PUBLIC
ChainLedgerState *chain_ledger_state_new (void);

/**
 * chain_ledger_state_apply:
 * @self: the state after records 0 .. seq-1.
 * @record: the next record.
 * @error: CHAIN_ERROR_VERIFY "record SEQ (TYPE): rule RULE-ID: ..." naming
 *   the first rule @record breaks.
 *
 * Checks @record against every rule for its type and, if it keeps them
 * all, adds it to @self. On failure @self is unchanged.
 *
 * Returns: %TRUE if @record was applied.
 */
CHAIN_PUBLIC
gboolean chain_ledger_state_apply (ChainLedgerState        *self,
                                   const ChainLedgerRecord *record,
                                   GError                 **error);

/**
 * chain_ledger_state_check:
 * @self: the state at the ledger's tip.
 * @record: the record about to be appended.
 * @error: CHAIN_ERROR_REFUSED with the message chain_ledger_state_apply()
 *   gives ("record SEQ (TYPE): rule RULE-ID: ..."): the record would break
 *   a rule, which refuses what the appender asked; the ledger is sound.
 *
 * chain_ledger_state_apply() without the update: what an appender asks
 * before writing anything.
 *
 * Returns: %TRUE if @record may be appended.
 */
CHAIN_PUBLIC
gboolean chain_ledger_state_check (ChainLedgerState        *self,
                                   const ChainLedgerRecord *record,
                                   GError                 **error);

/**
 * chain_ledger_error_dup_rule:
 * @error: an error from chain_ledger_state_apply() or _check().
 *
 * Returns: (transfer full) (nullable): the rule identifier, e.g.
 *   "delegation.path-length", or %NULL if @error names none; g_free() it.
 */
CHAIN_PUBLIC
char *chain_ledger_error_dup_rule (const GError *error);

/* ---- The ledger as a whole ---------------------------------------------- */

/** Returns: (transfer none) (nullable): the ledger id, %NULL before genesis. */
CHAIN_PUBLIC
const char *chain_ledger_state_get_ledger_id (const ChainLedgerState *self);

/** Returns: how many records were applied: the next record's seq. */
CHAIN_PUBLIC
guint64 chain_ledger_state_get_n_records (const ChainLedgerState *self);

/** Returns: (transfer none) (nullable): the policy in force, %NULL before genesis. */
CHAIN_PUBLIC
const ChainPolicy *chain_ledger_state_get_policy (const ChainLedgerState *self);

/** Returns: (transfer none) (nullable): its digest, what the next statement must name. */
CHAIN_PUBLIC
const char *chain_ledger_state_get_policy_digest (const ChainLedgerState *self);

/** Returns: (transfer none) (nullable): the ledger's root CA certificate. */
CHAIN_PUBLIC
ChainCert *chain_ledger_state_get_root (const ChainLedgerState *self);

/** Returns: how many certificates (sub-CAs, officers, devices, proofs of possession) the ledger issued. */
CHAIN_PUBLIC
guint64 chain_ledger_state_get_n_issued (const ChainLedgerState *self);

/** Returns: how many of them were revoked. */
CHAIN_PUBLIC
guint64 chain_ledger_state_get_n_revoked (const ChainLedgerState *self);

/**
 * chain_ledger_state_lookup_serial:
 * @self: the state.
 * @serial: hex, as chain_cert_dup_serial() writes it.
 * @out_issuer: (out) (optional) (transfer none): the issuing CA's certificate.
 * @out_revoked: (out) (optional): whether it was revoked.
 *
 * Returns: whether the ledger issued @serial; the outs are set only then.
 */
CHAIN_PUBLIC
gboolean chain_ledger_state_lookup_serial (const ChainLedgerState *self,
                                           const char             *serial,
                                           ChainCert             **out_issuer,
                                           gboolean               *out_revoked);

/* ---- Custodians: the custody tree --------------------------------------- */

/** Returns: how many custodians, the root's first, in the order they appeared. */
CHAIN_PUBLIC
guint chain_ledger_state_get_n_custodians (const ChainLedgerState *self);

/** Returns: (transfer none): custodian @index; a parent comes before its children. */
CHAIN_PUBLIC
const ChainCustodian *chain_ledger_state_get_custodian (const ChainLedgerState *self,
                                                        guint                   index);

/** Returns: (transfer none) (nullable): the custodian with id @id. */
CHAIN_PUBLIC
const ChainCustodian *chain_ledger_state_find_custodian (const ChainLedgerState *self,
                                                         const char             *id);

/* Strings and certificates below are (transfer none): they live as long
 * as the state. */
CHAIN_PUBLIC
const char *chain_custodian_get_id (const ChainCustodian *self);
CHAIN_PUBLIC
const char *chain_custodian_get_name (const ChainCustodian *self);
CHAIN_PUBLIC
const char *chain_custodian_get_tier (const ChainCustodian *self);
/** Returns: (nullable): the parent's id, %NULL for the root custodian. */
CHAIN_PUBLIC
const char *chain_custodian_get_parent_id (const ChainCustodian *self);

/** Returns: the custodian's status at @now (Unix seconds): PENDING while
 * its delegation, in force, awaits acceptance; REVOKED or EXPIRED once no
 * CA of it is in force, accepted or not. */
CHAIN_PUBLIC
ChainCustodyStatus chain_custodian_get_status (const ChainCustodian *self,
                                               gint64                now);

/** Returns: whether the custodian accepted its delegation (the root's
 * custodian, which the genesis makes, always has). */
CHAIN_PUBLIC
gboolean chain_custodian_is_accepted (const ChainCustodian *self);

/** Returns: how many CA certificates, the first issued first. */
CHAIN_PUBLIC
guint chain_custodian_get_n_cas (const ChainCustodian *self);
CHAIN_PUBLIC
ChainCert *chain_custodian_get_ca (const ChainCustodian *self,
                                   guint                 index);
/** Returns: the status of CA @index at @now. */
CHAIN_PUBLIC
ChainCustodyStatus chain_custodian_get_ca_status (const ChainCustodian *self,
                                                  guint                 index,
                                                  gint64                now);

/**
 * chain_custodian_get_ca_revocation:
 * @self: a custodian.
 * @index: one of its CAs.
 * @out_seq: (out) (optional): the revocation record's sequence number.
 * @out_time: (out) (optional): its statement time, Unix seconds.
 * @out_reason: (out) (optional): the reason it gave.
 *
 * Returns: whether CA @index itself was revoked (a CA revoked only by the
 *   revocation of one above it is not); the outs are set only then.
 */
CHAIN_PUBLIC
gboolean chain_custodian_get_ca_revocation (const ChainCustodian  *self,
                                            guint                  index,
                                            guint64               *out_seq,
                                            gint64                *out_time,
                                            ChainRevocationReason *out_reason);

/** Returns: how many officers were enrolled, revoked ones included. */
CHAIN_PUBLIC
guint chain_custodian_get_n_officers (const ChainCustodian *self);
CHAIN_PUBLIC
ChainCert *chain_custodian_get_officer (const ChainCustodian *self,
                                        guint                 index);
/** Returns: (transfer none): hex SHA-256 of the officer's public key, as signatures name it. */
CHAIN_PUBLIC
const char *chain_custodian_get_officer_key_id (const ChainCustodian *self,
                                                guint                 index);
/** Returns: whether officer @index was revoked (itself or a CA above it). */
CHAIN_PUBLIC
gboolean chain_custodian_is_officer_revoked (const ChainCustodian *self,
                                             guint                 index);

/** Returns: how many device certificates the custodian's CAs issued. */
CHAIN_PUBLIC
guint64 chain_custodian_get_n_devices (const ChainCustodian *self);

/** Returns: how many of those device certificates were revoked one by one;
 * the devices of a revoked CA are not counted unless revoked themselves
 * (chain_custodian_get_status() says when no CA is in force). */
CHAIN_PUBLIC
guint64 chain_custodian_get_n_revoked_devices (const ChainCustodian *self);

/* ---- Device quotas --------------------------------------------------------
 * A delegation may carry a device quota (body.max_devices); a quota record
 * of the parent changes it once enough of the parent's officers agree. A
 * quota bounds the devices the custodian and everything below it issued. */

/**
 * chain_custodian_get_quota:
 * @out_max_devices: (out) (optional): the quota in force.
 *
 * Returns: whether the custodian has a quota of its own in force.
 */
CHAIN_PUBLIC
gboolean chain_custodian_get_quota (const ChainCustodian *self,
                                    guint64              *out_max_devices);

/** Returns: how many device certificates the custodian and every custodian
 * below it issued: what its quota counts (revoked ones included). O(1). */
CHAIN_PUBLIC
guint64 chain_custodian_get_n_devices_below (const ChainCustodian *self);

/**
 * chain_custodian_get_devices_left:
 * @out_left: (out): how many more devices the custodian may issue: the
 *   least of what its quota and each quota above it leave (0 when one is
 *   used up or passed).
 *
 * Returns: whether any quota bounds the custodian (its own or an
 *   ancestor's); @out_left is set only then. O(depth of the tree).
 */
CHAIN_PUBLIC
gboolean chain_custodian_get_devices_left (const ChainCustodian *self,
                                           guint64              *out_left);

/** Returns: how many quota records were recorded, in order. */
CHAIN_PUBLIC
guint chain_ledger_state_get_n_quotas (const ChainLedgerState *self);
CHAIN_PUBLIC
const ChainLedgerQuota *chain_ledger_state_get_quota (const ChainLedgerState *self,
                                                      guint                   index);
/** Returns: (transfer none) (nullable): the quota record of statement @id. */
CHAIN_PUBLIC
const ChainLedgerQuota *chain_ledger_state_find_quota (const ChainLedgerState *self,
                                                       const char             *id);
/** Returns: (transfer none): the statement id approvals name. */
CHAIN_PUBLIC
const char *chain_ledger_quota_get_id (const ChainLedgerQuota *self);
CHAIN_PUBLIC
guint64 chain_ledger_quota_get_seq (const ChainLedgerQuota *self);
/** Returns: (transfer none): the custodian whose quota it sets. */
CHAIN_PUBLIC
const char *chain_ledger_quota_get_custodian_id (const ChainLedgerQuota *self);
CHAIN_PUBLIC
guint64 chain_ledger_quota_get_max_devices (const ChainLedgerQuota *self);
CHAIN_PUBLIC
ChainQuotaStatus chain_ledger_quota_get_status (const ChainLedgerQuota *self);
/** Returns: how many distinct officer keys of the parent signed or approved it. */
CHAIN_PUBLIC
guint chain_ledger_quota_get_n_approvals (const ChainLedgerQuota *self);
/** Returns: (transfer none): the key id of approval @index. */
CHAIN_PUBLIC
const char *chain_ledger_quota_get_approval_key_id (const ChainLedgerQuota *self,
                                                    guint                   index);

/* ---- Delegation requests ------------------------------------------------ */

/** Returns: how many requests were recorded, in order. */
CHAIN_PUBLIC
guint chain_ledger_state_get_n_requests (const ChainLedgerState *self);
CHAIN_PUBLIC
const ChainLedgerRequest *chain_ledger_state_get_request (const ChainLedgerState *self,
                                                          guint                   index);
/** Returns: (transfer none) (nullable): the request recorded by statement @id. */
CHAIN_PUBLIC
const ChainLedgerRequest *chain_ledger_state_find_request (const ChainLedgerState *self,
                                                           const char             *id);

/** Returns: (transfer none): the statement id approvals and the delegation name. */
CHAIN_PUBLIC
const char *chain_ledger_request_get_id (const ChainLedgerRequest *self);
CHAIN_PUBLIC
guint64 chain_ledger_request_get_seq (const ChainLedgerRequest *self);
CHAIN_PUBLIC
const char *chain_ledger_request_get_custodian_id (const ChainLedgerRequest *self);
CHAIN_PUBLIC
const char *chain_ledger_request_get_name (const ChainLedgerRequest *self);
CHAIN_PUBLIC
const char *chain_ledger_request_get_tier (const ChainLedgerRequest *self);
CHAIN_PUBLIC
const char *chain_ledger_request_get_parent_id (const ChainLedgerRequest *self);
CHAIN_PUBLIC
ChainRequestStatus chain_ledger_request_get_status (const ChainLedgerRequest *self);
/** Returns: (transfer none): the requested CA's CSR. */
CHAIN_PUBLIC
const ChainCsr *chain_ledger_request_get_ca_csr (const ChainLedgerRequest *self);
/** Returns: (transfer none): the CSR of the child's first officer. */
CHAIN_PUBLIC
const ChainCsr *chain_ledger_request_get_officer_csr (const ChainLedgerRequest *self);
/** Returns: how many distinct officer keys of the parent approved so far. */
CHAIN_PUBLIC
guint chain_ledger_request_get_n_approvals (const ChainLedgerRequest *self);
/** Returns: (transfer none): the key id of approval @index. */
CHAIN_PUBLIC
const char *chain_ledger_request_get_approval_key_id (const ChainLedgerRequest *self,
                                                      guint                     index);

/* ---- Exports ------------------------------------------------------------- */

/** Returns: how many export records, in order. */
CHAIN_PUBLIC
guint chain_ledger_state_get_n_exports (const ChainLedgerState *self);
CHAIN_PUBLIC
const ChainLedgerExport *chain_ledger_state_get_export (const ChainLedgerState *self,
                                                        guint                   index);
CHAIN_PUBLIC
guint64 chain_ledger_export_get_seq (const ChainLedgerExport *self);
CHAIN_PUBLIC
const char *chain_ledger_export_get_author (const ChainLedgerExport *self);
CHAIN_PUBLIC
const char *chain_ledger_export_get_target (const ChainLedgerExport *self);
/** Returns: (transfer none): hex SHA-256 thumbprint of the exported CA's certificate. */
CHAIN_PUBLIC
const char *chain_ledger_export_get_ca (const ChainLedgerExport *self);
/** Returns: (transfer none): an object mapping each exported file name to its hex SHA-256. */
CHAIN_PUBLIC
ChainJson *chain_ledger_export_get_files (const ChainLedgerExport *self);

/** chain_ledger_state_free: NULL-safe. */
CHAIN_PUBLIC
void chain_ledger_state_free (ChainLedgerState *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainLedgerState, chain_ledger_state_free)

G_END_DECLS
