/* chain-audit-private.h — what the auditor's files share
 *
 * chain-audit.c runs an audit, chain-audit-record.c checks each record,
 * chain-audit-report.c keeps and shows the report. libgit2 stays behind
 * this header. Never installed.
 */
#pragma once

#include "chain-git-private.h"
#include "chain-audit.h"
#include "chain-ledger-state.h"

G_BEGIN_DECLS

struct _ChainAuditFinding {
  gint64  seq;
  char   *rule;
  char   *message;
};

struct _ChainAuditRecord {
  guint64     seq;
  char        commit_id[GIT_OID_HEXSZ + 1];
  const char *type;       /* in the report's string table */
  const char *author;
  GPtrArray  *findings;   /* ChainAuditFinding *, NULL when none */
};

struct _ChainAuditReport {
  gint        ref_count;
  char       *ledger_id;
  char       *tip;
  GArray     *records;    /* ChainAuditRecord */
  GPtrArray  *findings;   /* ChainAuditFinding *: about the ledger */
  GHashTable *strings;    /* types and authors, shared by the records */
};

#define CHAIN_AUDIT_NO_SEQ G_MAXUINT64

/* An export record, for comparing an export directory afterwards. */
typedef struct {
  guint64    seq;
  ChainJson *files;   /* name -> hex SHA-256 */
} ChainAuditExport;

void chain_audit_export_free (gpointer data);

/* One audit: what the records so far left behind for the next. */
typedef struct {
  const ChainAuditOptions *options;
  GCancellable     *cancellable;
  git_repository   *repo;
  git_odb          *odb;
  ChainAuditReport *report;
  ChainLedgerState *state;
  GPtrArray        *anchors;          /* ChainCert *: the root the genesis names */
  char             *ledger_id;
  char             *prev_digest;      /* record.json digest one position down, NULL if unknown */
  git_oid           prev_tree;
  gboolean          have_prev_tree;
  guint64           rewrite_seq;      /* a record the pin says was replaced, or CHAIN_AUDIT_NO_SEQ */
  char             *rewrite_detail;
  GPtrArray        *exports;          /* ChainAuditExport * */
  /* A resumed audit (chain-audit-resume.c): the commit and the state a
   * previous audit left there; the records read start at first_seq. */
  ChainLedgerState *base_state;       /* until the audit resumes from it */
  git_oid           base;
  guint64           first_seq;
} ChainAudit;

/* chain-audit-record.c */

/* One record read and checked on its own, waiting for the rules. */
typedef struct _ChainAuditCheck ChainAuditCheck;

/**
 * chain_audit_read_record:
 * @a: the audit, at record @seq: called for each record in order.
 * @seq: the commit's position from the root.
 * @oid: the commit.
 *
 * Reads one commit and its record and checks all but the rules: the
 * commit, its tree, the record's files, links and artifacts, the commit
 * signature. Touches only the reading side of @a (the repository, the
 * anchors, the ledger id, the previous record's digest and tree), so it
 * may run in another thread than chain_audit_judge_record().
 *
 * Returns: (transfer full): the record, for chain_audit_judge_record().
 */
ChainAuditCheck *chain_audit_read_record (ChainAudit    *a,
                                          guint64        seq,
                                          const git_oid *oid);

/**
 * chain_audit_judge_record:
 * @a: the audit, at record @check's seq: called for each record in order.
 * @check: (transfer full): from chain_audit_read_record().
 *
 * Applies the record to the state if it keeps the rules, and adds it with
 * its findings to the report. Touches only the judging side of @a (the
 * state, the report, the exports).
 */
void chain_audit_judge_record (ChainAudit      *a,
                               ChainAuditCheck *check);

/** chain_audit_check_free: NULL-safe; for a record not judged. */
void chain_audit_check_free (ChainAuditCheck *check);

/* chain-audit-pipeline.c */

/**
 * chain_audit_check_records:
 * @a: the audit.
 * @chain: (element-type git_oid): main's commits, root first (above the
 *   base in a resumed audit: the first is record @a->first_seq).
 * @error: G_IO_ERROR_CANCELLED only.
 *
 * Reads each record (chain_audit_read_record()) in a thread of its own, a
 * record ahead, while this thread judges them in order
 * (chain_audit_judge_record()), reports progress after each and checks
 * @a's cancellable before each.
 *
 * Returns: %FALSE if cancelled.
 */
gboolean chain_audit_check_records (ChainAudit    *a,
                                    const GArray  *chain,
                                    GError       **error);

/* chain-audit-resume.c */

/**
 * chain_audit_resume_setup:
 * @a: the audit, with @a->base_state and @a->base set.
 * @tip: the commit audited.
 * @chain: (element-type git_oid): empty; filled, tip first, with the
 *   commits above the base when the audit resumes.
 *
 * Prepares @a to read only the records above the base: takes the state,
 * the root, the ledger id and what the next record links to from the base.
 * Nothing is flagged here: a base that does not fit (not on @tip's first
 * parents, unreadable, of another trusted root, or an export directory or
 * another pinned tip asked for) leaves @a as it was, for a full audit.
 *
 * Returns: %TRUE if the audit resumes from the base.
 */
gboolean chain_audit_resume_setup (ChainAudit    *a,
                                   const git_oid *tip,
                                   GArray        *chain);

/**
 * chain_audit_commit_at:
 * @a: the audit, after the replay.
 * @chain: (element-type git_oid): the commits read, root first.
 * @seq: a record below the tip.
 * @out_oid: (out): its commit.
 *
 * Returns: whether main holds record @seq (below a resumed audit's base,
 *   found along first parents).
 */
gboolean chain_audit_commit_at (ChainAudit   *a,
                                const GArray *chain,
                                guint64       seq,
                                git_oid      *out_oid);

/**
 * chain_audit_record_json_digest:
 * @a: the audit.
 * @commit: record @seq's commit.
 * @type: (nullable): the record's type, if known; else the only record
 *   directory of @seq is read.
 *
 * Returns: (transfer full) (nullable): the SHA-256 of record @seq's
 *   record.json (lower-case hex), or %NULL if the tree holds none.
 */
char *chain_audit_record_json_digest (ChainAudit    *a,
                                      const git_oid *commit,
                                      guint64        seq,
                                      const char    *type);

/* chain-audit-refs.c */

/**
 * chain_audit_check_shallow:
 * @a: the audit.
 *
 * Flags a `shallow` file (repo.shallow): git would show the history cut short.
 */
void chain_audit_check_shallow (ChainAudit *a);

/* Adds a finding "ledger: rule RULE: ..." about the repository as a whole
 * (refs, checkpoints), not about one record. */
void chain_audit_flag_ledger (ChainAudit *a,
                              const char *rule,
                              const char *format,
                              ...) G_GNUC_PRINTF (3, 4);

/**
 * chain_audit_check_refs:
 * @a: the audit.
 * @tip: the tip of refs/heads/main.
 * @genesis: the root commit of refs/heads/main.
 *
 * Flags HEAD not pointing at refs/heads/main (repo.head), any ref but
 * refs/heads/main and libchain's bookkeeping refs (refs.extra), and a
 * bookkeeping ref leading to a root commit other than @genesis (refs.root).
 */
void chain_audit_check_refs (ChainAudit    *a,
                             const git_oid *tip,
                             const git_oid *genesis);

/* chain-audit-checkpoints.c */

/**
 * chain_audit_check_checkpoints:
 * @a: the audit, after the replay.
 * @chain: (element-type git_oid): main's commits, root first.
 *
 * Checks refs/checkpoints/ (chain-checkpoint.h): checkpoint.format,
 * checkpoint.signature, checkpoint.split.
 */
void chain_audit_check_checkpoints (ChainAudit   *a,
                                    const GArray *chain);

/* chain-audit-report.c */

/** Returns: (transfer full): @text escaped to one bounded line, for messages. */
char *chain_audit_shown (const char *text);

/** Returns: (transfer full): @oid as 40 hex digits. */
char *chain_audit_oid_hex (const git_oid *oid);

/** Returns: (transfer full): a finding naming record @seq (-1: none); takes @message. */
ChainAuditFinding *chain_audit_finding_new (gint64      seq,
                                            const char *rule,
                                            char       *message);

/** chain_audit_finding_free: for GPtrArray. */
void chain_audit_finding_free (gpointer data);

/** Returns: (transfer full): an empty report. */
ChainAuditReport *chain_audit_report_new (void);

/** Returns: (transfer none) (nullable): @text kept once in @self, as records share types and authors. */
const char *chain_audit_report_intern (ChainAuditReport *self,
                                       const char       *text);

G_END_DECLS
