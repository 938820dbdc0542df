/* chain-ledger-rules-private.h — what the files of the rules engine share
 *
 * chain-ledger-rules.c judges a record as a whole (its place, binding,
 * signatures, threshold, commit signer) and commits it; the rules of each
 * record type live in chain-ledger-custody.c (who holds which CA) and
 * chain-ledger-issuance.c (what the CAs issue); chain-ledger-checks.c holds
 * the checks they share. Never installed.
 */
#pragma once

#include "chain-ledger-state-private.h"
#include "chain-pki-private.h"

G_BEGIN_DECLS

#define DAY_SECONDS G_GINT64_CONSTANT (86400)

/* One record being judged: what it is, and what it would add. */
typedef struct {
  ChainLedgerState        *state;
  const ChainLedgerRecord *record;
  ChainStatement          *st;
  ChainRecordType          type;
  const char              *type_name;
  ChainJson               *body;
  ChainCustodian          *author;

  /* Distinct key ids (owned by st) of the author's officers whose
   * signatures verified. */
  GPtrArray               *signers;

  /* Staged: owned here until commit() hands them to the state. */
  ChainCustodian          *new_custodian;
  ChainLedgerCa           *new_ca;
  ChainLedgerOfficer      *new_officer;
  ChainLedgerRequest      *new_request;
  ChainLedgerExport       *new_export;
  ChainPolicy             *new_policy;
  char                    *new_policy_digest;

  /* What the record acts on: borrowed from the state. */
  ChainLedgerRequest      *request;
  ChainCustodian          *child;
  ChainLedgerCa           *ca;
  ChainLedgerCa           *retire;
  gboolean                 reject;

  /* Serials the record issues, all by issued_by (possibly new_ca). */
  GArray                  *new_serials;     /* ChainSerialKey */
  ChainLedgerCa           *issued_by;
  guint64                  n_devices;
  /* A batch's device ids (chain_ledger_device_id_key()), one for each
   * of new_serials, in the same order. */
  GArray                  *new_device_ids;  /* ChainSerialKey */

  /* Serials the record revokes, all issued by ca. */
  GArray                  *revoke;          /* ChainSerialKey */
  GPtrArray               *revoke_hex;      /* char * */
  guint64                  crl_number;

  /* Quotas: a quota record staged, or the one an approval names; whether
   * the record puts it in force; and what a batch goes beyond. */
  ChainLedgerQuota        *new_quota;
  ChainLedgerQuota        *quota;
  gboolean                 quota_in_force;
  char                    *quota_finding;
} ChainRuleCtx;


/* chain-ledger-checks.c: the policy in force; refusals ("record SEQ (TYPE):
 * rule RULE: ..."); body fields (refused as statement.body); artifacts;
 * certificate checks shared by several record types. */
const ChainPolicy *chain_rule_get_policy (const ChainRuleCtx *ctx);
gboolean chain_rule_refuse (const ChainRuleCtx  *ctx,
                            GError             **error,
                            const char          *rule,
                            const char          *format,
                            ...) G_GNUC_PRINTF (4, 5);
char *chain_rule_shown (const char *text);
char *chain_rule_cert_label (const ChainCert *cert);
/* Where keys live (body.key_stores {"ca", "officer"} or body.key_store):
 * each "file", "pkcs11" or "tpm2", a missing one "file" (ledgers from
 * before the field); when @policy wants hardware for @tier, a file key is
 * refused as key-store.hardware. @names: the members to read ("ca",
 * "officer"), or NULL for the one string body.key_store. */
/* The TPM's evidence for a key the record introduces (body.tpm_evidence,
 * or body.tpm_evidence.WHAT for @what "ca" / "officer"), checked against
 * @spki, the key's certificate public key; refused as tpm-evidence.*.
 * When @tier's policy names TPM makers (tpm_ek_roots), evidence is
 * required. */
gboolean chain_rule_check_tpm_evidence (const ChainRuleCtx  *ctx,
                                        const ChainPolicy   *policy,
                                        const char          *tier,
                                        const char          *what,
                                        EVP_PKEY            *spki,
                                        GError             **error);
gboolean chain_rule_check_key_stores (const ChainRuleCtx  *ctx,
                                      const ChainPolicy   *policy,
                                      const char          *tier,
                                      const char *const   *names,
                                      GError             **error);
gboolean chain_rule_check_members (const ChainRuleCtx  *ctx,
                                   const ChainJson     *object,
                                   const char          *path,
                                   const char *const   *known,
                                   GError             **error);
ChainJson *chain_rule_member (const ChainRuleCtx  *ctx,
                              const ChainJson     *object,
                              const char          *path,
                              const char          *key,
                              ChainJsonType        type,
                              GError             **error);
const char *chain_rule_body_string (const ChainRuleCtx  *ctx,
                                    const char          *key,
                                    GError             **error);
gboolean chain_rule_body_integer (const ChainRuleCtx  *ctx,
                                  const char          *key,
                                  gint64              *out_value,
                                  GError             **error);
gboolean chain_rule_read_custodian (const ChainRuleCtx  *ctx,
                                    const char          *rule,
                                    const char         **out_id,
                                    const char         **out_name,
                                    const char         **out_tier,
                                    GError             **error);
GBytes *chain_rule_artifact (const ChainRuleCtx *ctx,
                             const char         *name);
ChainCert *chain_rule_parse_cert (const ChainRuleCtx  *ctx,
                                  const char          *name,
                                  const char          *rule,
                                  GError             **error);
gboolean chain_rule_cert_issued_by (const ChainCert *cert,
                                    const ChainCert *issuer);
ChainLedgerCa *chain_rule_find_issuer (GPtrArray       *cas,
                                       const ChainCert *cert);
void chain_rule_chain_window (ChainLedgerCa *ca,
                              gint64        *out_start,
                              gint64        *out_end);
NAME_CONSTRAINTS *chain_rule_cert_nc (const ChainCert *cert);
gboolean chain_rule_check_sub_ca (const ChainRuleCtx  *ctx,
                                  const char          *prefix,
                                  ChainCert           *cert,
                                  const char          *tier,
                                  ChainLedgerCa       *issuer,
                                  GError             **error);
gboolean chain_rule_check_officer_cert (const ChainRuleCtx  *ctx,
                                        const char          *prefix,
                                        const char          *single_rule,
                                        ChainCert           *cert,
                                        ChainLedgerCa       *issuer,
                                        GError             **error);
gboolean chain_rule_stage_serial (ChainRuleCtx     *ctx,
                                  const ChainCert  *cert,
                                  const char       *rule,
                                  GError          **error);
ChainLedgerCa *chain_rule_lookup_ca (const ChainRuleCtx  *ctx,
                                     const char          *thumbprint,
                                     const char          *rule,
                                     gboolean             must_be_authors,
                                     GError             **error);
ChainLedgerRequest *chain_rule_lookup_request (const ChainRuleCtx  *ctx,
                                               const char          *id,
                                               const char          *rule,
                                               GError             **error);
ChainLedgerCa *chain_rule_issuer_of (const ChainRuleCtx  *ctx,
                                     const char          *prefix,
                                     ChainCustodian      *custodian,
                                     ChainCert           *cert,
                                     GError             **error);

/* chain-ledger-rules.c: @key as hex, as the serial reads (a serial of up
 * to 16 bytes, all libchain issues, reads as itself). */
char *chain_rule_serial_key_hex (const ChainSerialKey *key);

/* chain-ledger-custody.c: each judges ctx->body and stages what it adds. */
gboolean chain_rule_genesis (ChainRuleCtx  *ctx,
                             GError       **error);
gboolean chain_rule_policy_change (ChainRuleCtx  *ctx,
                                   GError       **error);
gboolean chain_rule_officer (ChainRuleCtx  *ctx,
                             GError       **error);
gboolean chain_rule_request (ChainRuleCtx  *ctx,
                             GError       **error);
gboolean chain_rule_approval (ChainRuleCtx  *ctx,
                              GError       **error);
gboolean chain_rule_delegation (ChainRuleCtx  *ctx,
                                GError       **error);
gboolean chain_rule_acceptance (ChainRuleCtx  *ctx,
                                GError       **error);
gboolean chain_rule_rotation (ChainRuleCtx  *ctx,
                              GError       **error);

/* chain-ledger-issuance.c */
gboolean chain_rule_batch (ChainRuleCtx  *ctx,
                           GError       **error);
gboolean chain_rule_pop (ChainRuleCtx  *ctx,
                         GError       **error);
gboolean chain_rule_export (ChainRuleCtx  *ctx,
                            GError       **error);
gboolean chain_rule_revocation (ChainRuleCtx  *ctx,
                                GError       **error);
gboolean chain_rule_annotation (ChainRuleCtx  *ctx,
                                GError       **error);

/* chain-ledger-quota.c: the quota record; an approval whose target is a
 * quota record (TRUE in @out_is_quota, else nothing is judged); the
 * optional body.max_devices of a delegation; a batch's quota finding;
 * and committing what they staged. */
gboolean chain_rule_quota (ChainRuleCtx  *ctx,
                           GError       **error);
gboolean chain_rule_quota_approval (ChainRuleCtx  *ctx,
                                    const char    *target,
                                    gboolean       reject,
                                    gboolean      *out_is_quota,
                                    GError       **error);
gboolean chain_rule_delegation_quota (ChainRuleCtx  *ctx,
                                      GError       **error);
void     chain_rule_batch_quota (ChainRuleCtx *ctx);
void     chain_rule_commit_quota (ChainRuleCtx *ctx);

G_END_DECLS
