/* chain-run-survey-cache-private.h — a dead issuing run's survey, kept
 *
 * Every command that opens a workspace without unlocking it (chain
 * status, Custody's open) reports a dead `chain issue` run by surveying
 * its staged certificates: each read, parsed, verified against the CA
 * and looked up in the ledger state. For a run of 20,000 that took 40-60
 * s at every open. The counts it reports are kept in
 * WORKSPACE/runs/survey-JOURNAL, keyed by what they depend on: the
 * ledger's tip (which certificates are recorded, and the CA) and the
 * run's staging directories (name, size, change and modification times,
 * and those of a per-batch chunk's two files). A key that differs is
 * surveyed again. Only the report uses it: finishing a run always
 * surveys anew. Deleting it is always safe.
 */
#pragma once

#include "chain-workspace.h"

G_BEGIN_DECLS

/* What a survey of a dead run counted. */
typedef struct {
  guint found;
  guint recorded;
  guint unrecorded;
  guint unreadable;
} ChainRunSurvey;

/* The key of the survey of @journal_path's run in @workspace, whose
 * output directory is open as @out_fd (transfer full). */
char *chain_run_survey_key (ChainWorkspace *workspace,
                            const char     *journal_path,
                            int             out_fd);

/* Reads the survey kept for @journal_path under @key into @out; FALSE
 * when there is none, or it was kept under another key. */
gboolean chain_run_survey_load (const char     *journal_path,
                                const char     *key,
                                ChainRunSurvey *out);

/* Keeps @survey for @journal_path under @key; a failure to write only
 * means the next report surveys again. */
void chain_run_survey_store (const char           *journal_path,
                             const char           *key,
                             const ChainRunSurvey *survey);

/* Removes what was kept for @journal_path (its run is finished). */
void chain_run_survey_remove (const char *journal_path);

G_END_DECLS
