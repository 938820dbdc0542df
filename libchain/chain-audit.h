/* chain-audit.h — verifying a whole ledger, as an auditor does
 *
 * The auditor trusts nothing the writer trusts: it opens the repository
 * read-only with its own code, walks refs/heads/main back to the root
 * commit, and for every commit, from the genesis up, checks
 *
 *   - the history: exactly one parent (none for the genesis), no merge, no
 *     second root; with a pinned tip, that the ledger still descends from it;
 *   - the commit: only the headers the format allows; exactly one gpgsig
 *     header and no signature block in the message body; a detached CMS
 *     signature over the commit without its gpgsig header, by exactly one
 *     signer with the officer profile, chaining to the ledger's root (from
 *     the genesis record) at the committer time; the author is the
 *     statement's author at the statement's time;
 *   - the tree: the parent's tree plus exactly one new record directory at
 *     the path its sequence number and type give, nothing else added,
 *     changed or removed, only plain files;
 *   - the record: canonical record.json, statement.json and signatures.json
 *     within their size limits; seq = position, prev = SHA-256 of the
 *     previous record.json, the genesis' ledger id, the digests of the other
 *     two files; artifacts/ holding exactly the listed files with their
 *     sizes and SHA-256 digests;
 *   - the rules: the record replayed through chain_ledger_state_apply() with
 *     the verified commit signer, which must be a current officer.
 *
 * A missing or damaged object is a finding naming the record that needs
 * it, not an error. A record the rules refuse is left out of the replay,
 * as the writer would have refused it, so later records are judged as if
 * it were not there: one bad record can explain findings on later ones.
 * Without a pinned tip or a trusted root, a ledger forged whole with its
 * own root is consistent in itself and passes; give one of them.
 *
 * A failing audit is a report, not an error: chain_audit_repository()
 * returns %TRUE with a report whose chain_audit_report_is_ok() is %FALSE
 * (the CLI exits 3). %FALSE and a GError mean the audit could not run: a
 * bad argument, a path that is no repository, an unreadable export
 * directory, cancellation.
 *
 * Every finding carries a stable rule identifier and a one-line message
 * "record SEQ (TYPE): rule RULE-ID: what is wrong". Besides the rules of
 * chain-ledger-state.h, the auditor's own:
 *
 *   history.empty            refs/heads/main is missing: the ledger has no records
 *   history.rewrite          the ledger does not descend from the pinned tip
 *                            (rolled back or rewritten, e.g. by a force-push)
 *   history.root             the genesis names another root than the trusted one
 *   history.replace          refs/replace/ or info/grafts, which make plain git
 *                            show a history other than the stored one
 *   commit.format            a commit object that is oversized or cannot be parsed
 *   commit.headers           a header other than tree, parent, author, committer,
 *                            gpgsig, or one of those repeated
 *   commit.merge             a commit with more than one parent
 *   commit.root              a commit without a parent that is not the genesis
 *   commit.unsigned          no gpgsig header
 *   commit.signatures        more than one gpgsig header, or more than one signer
 *   commit.moved-signature   a signature block in the commit message
 *   commit.signature         the signature does not verify over the commit
 *   commit.signer-chain      the signer does not chain to the ledger's root
 *   commit.signer-expired    the signer's certificate was not valid at the commit time
 *   commit.signer-profile    the signer lacks the officer profile (key usage)
 *   commit.author            the author is not the statement's author and time
 *   commit.committer         the committer is not the signing officer's key id
 *   (commit.signer, the engine's: the signer is no current officer of the ledger)
 *   tree.record-path         the record directory is missing or misnamed
 *   tree.extra               the commit adds something besides its record
 *   tree.changed             the commit changes or removes what earlier records wrote
 *   tree.mode                an entry that is not a plain file or directory
 *   record.format            a JSON file malformed, not canonical or oversized
 *   record.sequence          seq is not the record's position: a gap, reorder or
 *                            missing record
 *   record.prev              prev is not the digest of the previous record.json
 *   record.ledger            record.json names another ledger
 *   record.digest            statement.json or signatures.json does not match
 *                            its digest in record.json
 *   signature.duplicate-key  signatures.json lists one key twice
 *   artifact.missing         a listed artifact is not in artifacts/
 *   artifact.unlisted        a file in artifacts/ the statement does not list
 *   artifact.digest          an artifact's size or SHA-256 differs from the statement
 *   object.missing           an object is missing from the repository
 *   object.corrupt           an object cannot be read (damaged, hash mismatch)
 *   export.mismatch          the export directory differs from the export record
 *   export.unrecorded        no export record names the export directory's files
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

#include "chain-json.h"
#include "chain-ledger.h"

G_BEGIN_DECLS

/**
 * ChainAuditProgressFunc:
 * @done: records audited so far.
 * @total: records on refs/heads/main; @done never exceeds it.
 * @user_data: as given in the options.
 *
 * Called after each record, with @done increasing.
 */
typedef void (*ChainAuditProgressFunc) (guint64  done,
                                        guint64  total,
                                        gpointer user_data);

#define CHAIN_AUDIT_OPTIONS_VERSION 1

/**
 * ChainAuditOptions:
 * @version: %CHAIN_AUDIT_OPTIONS_VERSION.
 * @pinned_tip: (nullable): a commit id (40 hex digits) the ledger must be
 *   at or descend from, e.g. from chain_sync_pin_read().
 * @trusted_root: (nullable): the SHA-256 thumbprint (64 hex digits) of the
 *   root CA certificate the genesis must name, learnt out of band. Without
 *   it (or a pin) a wholly forged ledger with its own root is consistent
 *   and passes; with it, that is a finding on record 0.
 * @export_dir: (nullable): a directory of exported files to compare with
 *   the export record that names them; files whose names start with '.'
 *   are ignored.
 * @export_seq: the export record to compare @export_dir with; -1 for the
 *   latest export record naming a file the directory holds.
 * @progress: (nullable): called after each record; by the async variants
 *   in the thread-default main context of the caller.
 * @progress_data: for @progress; must live until the audit returns.
 * @tip: (nullable): a commit id (40 hex digits) to audit back from instead
 *   of refs/heads/main — what sync passes as its verify step, so fetched
 *   records are audited before main moves onto them.
 *
 * Initialise with %CHAIN_AUDIT_OPTIONS_INIT, then set what differs.
 */
typedef struct {
  guint                   version;
  const char             *pinned_tip;
  const char             *trusted_root;
  const char             *export_dir;
  gint64                  export_seq;
  ChainAuditProgressFunc  progress;
  gpointer                progress_data;
  const char             *tip;
} ChainAuditOptions;

#define CHAIN_AUDIT_OPTIONS_INIT { CHAIN_AUDIT_OPTIONS_VERSION, NULL, NULL, NULL, -1, NULL, NULL, NULL }

typedef struct _ChainAuditReport ChainAuditReport;
typedef struct _ChainAuditRecord ChainAuditRecord;
typedef struct _ChainAuditFinding ChainAuditFinding;

/* ---- Auditing -------------------------------------------------------------- */

/**
 * chain_audit_repository:
 * @path: a ledger repository (bare, or a clone's git directory).
 * @options: (nullable): %NULL for defaults.
 * @out_report: (out) (transfer full): the report; set only on success.
 * @cancellable: (nullable): checked between records.
 * @error: CHAIN_ERROR_NOT_FOUND (nothing at @path, or no @export_dir),
 *   CHAIN_ERROR_INVALID_INPUT (@path is no git repository, a malformed
 *   @pinned_tip or @trusted_root, @export_seq not an export record), CHAIN_ERROR_IO (the
 *   export directory cannot be read), CHAIN_ERROR_FAILED (libgit2),
 *   G_IO_ERROR_CANCELLED.
 *
 * Audits the ledger at @path; it need not open as a ChainLedger, so a
 * damaged ledger is reported on rather than refused.
 *
 * Returns: %TRUE if the audit ran, whatever it found.
 */
CHAIN_PUBLIC
gboolean chain_audit_repository (const char               *path,
                                 const ChainAuditOptions  *options,
                                 ChainAuditReport        **out_report,
                                 GCancellable             *cancellable,
                                 GError                  **error);

/**
 * chain_audit_repository_async:
 * @path: as chain_audit_repository(); copied.
 * @options: (nullable): copied; @progress runs in the caller's
 *   thread-default main context.
 * @cancellable: (nullable): checked between records.
 * @callback: called when done, in the caller's thread-default main context.
 * @user_data: for @callback.
 *
 * Audits in a worker thread.
 */
CHAIN_PUBLIC
void chain_audit_repository_async (const char              *path,
                                   const ChainAuditOptions *options,
                                   GCancellable            *cancellable,
                                   GAsyncReadyCallback      callback,
                                   gpointer                 user_data);

/**
 * chain_audit_repository_finish:
 * @result: the result passed to the callback.
 * @out_report: (out) (transfer full): set only on success.
 * @error: as chain_audit_repository().
 *
 * Takes no source object because there is none: the audit is of a path,
 * not of a handle (as g_bus_get_finish()). Auditing an open ledger is
 * chain_ledger_audit_async(), whose _finish takes the ledger.
 *
 * Returns: %TRUE if the audit ran.
 */
CHAIN_PUBLIC
gboolean chain_audit_repository_finish (GAsyncResult      *result,
                                        ChainAuditReport **out_report,
                                        GError           **error);

/**
 * chain_ledger_audit:
 * @self: an open ledger; only its path is used, the repository is read
 *   again independently of the handle.
 * @options: (nullable): %NULL for defaults.
 * @out_report: (out) (transfer full): set only on success.
 * @cancellable: (nullable): checked between records.
 * @error: as chain_audit_repository().
 *
 * Returns: %TRUE if the audit ran, whatever it found.
 */
CHAIN_PUBLIC
gboolean chain_ledger_audit (ChainLedger              *self,
                             const ChainAuditOptions  *options,
                             ChainAuditReport        **out_report,
                             GCancellable             *cancellable,
                             GError                  **error);

/**
 * chain_ledger_audit_async:
 * @self: an open ledger; its path is copied, so @self may be used or freed
 *   meanwhile.
 *
 * As chain_audit_repository_async() for @self's repository.
 */
CHAIN_PUBLIC
void chain_ledger_audit_async (ChainLedger             *self,
                               const ChainAuditOptions *options,
                               GCancellable            *cancellable,
                               GAsyncReadyCallback      callback,
                               gpointer                 user_data);

/**
 * chain_ledger_audit_finish:
 * @self: the ledger given to chain_ledger_audit_async().
 * @result: the result passed to the callback.
 * @out_report: (out) (transfer full): set only on success.
 * @error: as chain_audit_repository().
 *
 * Returns: %TRUE if the audit ran.
 */
CHAIN_PUBLIC
gboolean chain_ledger_audit_finish (ChainLedger       *self,
                                    GAsyncResult      *result,
                                    ChainAuditReport **out_report,
                                    GError           **error);

/* ---- The report -------------------------------------------------------------
 * Strings and objects returned (transfer none) live as long as the report.
 */

/** Returns: whether no record and nothing about the ledger as a whole failed. */
CHAIN_PUBLIC
gboolean chain_audit_report_is_ok (const ChainAuditReport *self);

/** Returns: (nullable): the ledger id from the genesis record, %NULL if unreadable. */
CHAIN_PUBLIC
const char *chain_audit_report_get_ledger_id (const ChainAuditReport *self);

/** Returns: (nullable): the commit id refs/heads/main pointed at, %NULL if none. */
CHAIN_PUBLIC
const char *chain_audit_report_get_tip_commit_id (const ChainAuditReport *self);

/** Returns: how many records (commits on refs/heads/main) were audited. */
CHAIN_PUBLIC
guint64 chain_audit_report_get_n_records (const ChainAuditReport *self);

/** Returns: how many of them have findings. */
CHAIN_PUBLIC
guint64 chain_audit_report_get_n_failed_records (const ChainAuditReport *self);

/** Returns: (transfer none): record @index, below chain_audit_report_get_n_records(); its seq is @index. */
CHAIN_PUBLIC
const ChainAuditRecord *chain_audit_report_get_record (const ChainAuditReport *self,
                                                       guint64                 index);

/** Returns: how many findings concern the ledger as a whole (history, exports). */
CHAIN_PUBLIC
guint chain_audit_report_get_n_findings (const ChainAuditReport *self);

/** Returns: (transfer none): ledger finding @index. */
CHAIN_PUBLIC
const ChainAuditFinding *chain_audit_report_get_finding (const ChainAuditReport *self,
                                                         guint                   index);

/**
 * chain_audit_report_find:
 * @self: a report.
 * @seq: the record the finding must name, or -1 for any.
 * @rule: (nullable): the rule identifier, or %NULL for any.
 *
 * Looks through the records' and the ledger's findings.
 *
 * Returns: (transfer none) (nullable): the first matching finding.
 */
CHAIN_PUBLIC
const ChainAuditFinding *chain_audit_report_find (const ChainAuditReport *self,
                                                  gint64                  seq,
                                                  const char             *rule);

/**
 * chain_audit_finding_is_refusal:
 * @finding: a finding.
 *
 * Whether a ledger with @finding is refused where it is taken in from
 * elsewhere: by chain_audit_sync_verify() (chain sync, bundle import) and
 * by a hosted ledger's pre-receive hook (chain-receive.h). Every rule
 * refuses but `quota.exceeded`: a batch past a device quota records
 * certificates that were signed, which the ledger must carry to the
 * custodians above; it is reported (chain audit still exits 3), not
 * refused (docs/ledger-format.md, "Device quotas").
 *
 * Returns: %TRUE if @finding refuses the ledger.
 */
CHAIN_PUBLIC
gboolean chain_audit_finding_is_refusal (const ChainAuditFinding *finding);

/**
 * chain_audit_report_is_acceptable:
 * @self: a report.
 *
 * Whether no finding of @self is a refusal (chain_audit_finding_is_refusal()):
 * the ledger may be taken in by a sync or a hosted ledger's hook. A report
 * that chain_audit_report_is_ok() passes is acceptable.
 *
 * Returns: %TRUE if the audited ledger may be taken in.
 */
CHAIN_PUBLIC
gboolean chain_audit_report_is_acceptable (const ChainAuditReport *self);

/**
 * chain_audit_report_to_json:
 *
 * For `chain audit --json`:
 * {"ok": bool, "ledger": id|null, "tip": commit|null, "n_records": N,
 *  "n_failed": N, "records": [{"seq", "commit", "type", "author", "ok",
 *  "findings": [{"rule", "message"}]}], "findings": [{"seq" (or null),
 *  "rule", "message"}]}. "type" and "author" are null when unreadable.
 *
 * Returns: (transfer full): the report as a JSON object.
 */
CHAIN_PUBLIC
ChainJson *chain_audit_report_to_json (const ChainAuditReport *self);

/**
 * chain_audit_report_to_text:
 * @self: a report.
 * @all_records: list records without findings too.
 *
 * For people: a line per record (failing ones only, unless @all_records),
 * each finding on its own indented line, then ledger findings and a
 * summary line. Control characters from the ledger are replaced, so a
 * hostile record cannot drive the terminal.
 *
 * Returns: (transfer full): the text, ending with a newline; g_free() it.
 */
CHAIN_PUBLIC
char *chain_audit_report_to_text (const ChainAuditReport *self,
                                  gboolean                all_records);

/** Returns: (transfer full): @self with one more reference. */
CHAIN_PUBLIC
ChainAuditReport *chain_audit_report_ref (ChainAuditReport *self);

/** chain_audit_report_unref: NULL-safe. */
CHAIN_PUBLIC
void chain_audit_report_unref (ChainAuditReport *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainAuditReport, chain_audit_report_unref)

/* ---- Records and findings ---------------------------------------------------- */

/** Returns: the record's position on refs/heads/main, 0 for the root commit. */
CHAIN_PUBLIC
guint64 chain_audit_record_get_seq (const ChainAuditRecord *self);

/** Returns: (transfer none): the commit id, 40 hex digits. */
CHAIN_PUBLIC
const char *chain_audit_record_get_commit_id (const ChainAuditRecord *self);

/** Returns: (transfer none) (nullable): the record type, %NULL if unreadable. */
CHAIN_PUBLIC
const char *chain_audit_record_get_record_type (const ChainAuditRecord *self);

/** Returns: (transfer none) (nullable): the statement's author, %NULL if unreadable. */
CHAIN_PUBLIC
const char *chain_audit_record_get_author (const ChainAuditRecord *self);

/** Returns: whether the record has no findings. */
CHAIN_PUBLIC
gboolean chain_audit_record_is_ok (const ChainAuditRecord *self);

/** Returns: how many findings the record has. */
CHAIN_PUBLIC
guint chain_audit_record_get_n_findings (const ChainAuditRecord *self);

/** Returns: (transfer none): finding @index of the record. */
CHAIN_PUBLIC
const ChainAuditFinding *chain_audit_record_get_finding (const ChainAuditRecord *self,
                                                         guint                   index);

/**
 * chain_audit_sync_verify:
 * @repo_path: the ledger repository.
 * @old_tip: (nullable): our tip before the sync; the audit pins it.
 * @new_tip: the fetched tip, audited back to genesis.
 * @user_data: (nullable): the trusted root's SHA-256 thumbprint, as
 *   ChainAuditOptions.trusted_root, or %NULL.
 * @error: CHAIN_ERROR_VERIFY with the first finding and how many there are.
 *
 * A #ChainSyncVerifyFunc: set it as ChainSyncOptions.verify so nothing a
 * remote or bundle brings moves main unless its audit is acceptable
 * (chain_audit_report_is_acceptable(): clean, or with batches past a
 * device quota alone).
 *
 * Returns: %TRUE if the fetched ledger may be taken in.
 */
CHAIN_PUBLIC
gboolean chain_audit_sync_verify (const char *repo_path,
                                  const char *old_tip,
                                  const char *new_tip,
                                  gpointer    user_data,
                                  GError    **error);

/** Returns: the record the finding names, -1 if none (a ledger finding). */
CHAIN_PUBLIC
gint64 chain_audit_finding_get_seq (const ChainAuditFinding *self);

/** Returns: (transfer none): the rule identifier, e.g. "commit.unsigned". */
CHAIN_PUBLIC
const char *chain_audit_finding_get_rule (const ChainAuditFinding *self);

/** Returns: (transfer none): the one-line message, "record SEQ (TYPE): rule RULE: ...". */
CHAIN_PUBLIC
const char *chain_audit_finding_get_message (const ChainAuditFinding *self);

G_END_DECLS
