/* chain-audit-resume-private.h — an audit that starts from a state audited before
 *
 * For the hosted ledger's hook (chain-receive.c), which keeps the state
 * its last audit left (chain-receive-cache-private.h) and judges a push by
 * the records it adds. Never installed.
 */
#pragma once

#include "chain-audit.h"
#include "chain-ledger-state.h"

G_BEGIN_DECLS

/**
 * chain_audit_repository_resume:
 * @path: as chain_audit_repository().
 * @options: (nullable): as chain_audit_repository(); a pinned tip, if
 *   given, must be @base_commit_id for the audit to resume.
 * @base_commit_id: (nullable): a commit (40 hex digits) a previous audit
 *   of this ledger, with the same trusted root, passed with no finding.
 * @base_state: (nullable) (transfer full): the state that audit left at
 *   @base_commit_id; given with it or not at all.
 * @out_report: (out) (transfer full): the report; with a base, of the
 *   records above it only, and no finding about refs (the caller judges
 *   them). Set only on success.
 * @out_state: (out) (optional) (transfer full): the state after the last
 *   record, to resume from at the tip next time (only worth keeping when
 *   the report is ok). Set only on success.
 * @cancellable: (nullable): as chain_audit_repository().
 * @error: as chain_audit_repository().
 *
 * chain_audit_repository() that reads and replays only the records above
 * @base_commit_id, when the tip descends from it along first parents;
 * otherwise (or with an export directory to compare, or a trusted root
 * the base's genesis does not name) a full audit.
 *
 * Returns: %TRUE if the audit ran, whatever it found.
 */
gboolean chain_audit_repository_resume (const char               *path,
                                        const ChainAuditOptions  *options,
                                        const char               *base_commit_id,
                                        ChainLedgerState         *base_state,
                                        ChainAuditReport        **out_report,
                                        ChainLedgerState        **out_state,
                                        GCancellable             *cancellable,
                                        GError                  **error);

/**
 * chain_audit_sync_verify_resume:
 * @repo_path: the ledger.
 * @old_tip: (nullable): the pinned tip, as chain_audit_sync_verify().
 * @new_tip: the tip to audit.
 * @trusted_root: (nullable): the root's SHA-256 thumbprint (hex).
 * @old_state: (nullable) (transfer full): the state an audit with no
 *   finding, under the same root, left at @old_tip; the audit then reads
 *   only the records above it (else, or where it cannot, in full).
 * @out_state: (out) (optional) (transfer full): the state at @new_tip,
 *   set only on success.
 * @error: as chain_audit_sync_verify().
 *
 * chain_audit_sync_verify() for a sync that kept the state of its last
 * audit (chain-workspace-sync.c): a lost race costs an audit of the
 * records it fetched, not of the whole ledger.
 *
 * Returns: whether the history up to @new_tip passed.
 */
gboolean chain_audit_sync_verify_resume (const char        *repo_path,
                                         const char        *old_tip,
                                         const char        *new_tip,
                                         const char        *trusted_root,
                                         ChainLedgerState  *old_state,
                                         ChainLedgerState **out_state,
                                         GError           **error);

G_END_DECLS
