/* chain-receive.h — the rules enforced where a ledger is hosted: a pre-receive hook
 *
 * A git server alone accepts any push its permissions allow. A bare
 * repository that holds a ledger gets a `pre-receive` hook
 * (chain_receive_install_hook()): a small script that runs `chain hook
 * --pre-receive`, which hands the update lines git writes on the hook's
 * standard input to chain_receive_judge(). git applies none of a push's
 * updates when the hook exits non-zero, and the pushing client shows
 * what the hook printed ("remote: ...").
 *
 * What a push may do:
 *
 * - refs/heads/main may only move forward, along one line of commits from
 *   where it is, and every new record must pass the auditor with the
 *   hosted tip as the pinned tip (with the trusted root, if one was given,
 *   for the first push into an empty repository); a refused record is
 *   named with its rule id. A batch past a device quota is taken, as
 *   chain sync takes it (chain_audit_report_is_acceptable()), and its
 *   finding shown to the pusher;
 * - refs/heads/main may not be deleted (a rename is a delete and a create:
 *   both refused), and no other ref may be created, moved or deleted.
 *
 * While the hook runs, git keeps the pushed objects in a quarantine
 * directory it names in the hook's environment (GIT_QUARANTINE_PATH); the
 * auditor reads them through a throw-away repository whose object
 * database borrows the quarantine's and the hosted repository's.
 *
 * The audit of a push starts from the state the hook's own audit left at
 * the hosted tip, kept in the bare repository (REPO/chain/state-cache/,
 * never in git's objects or refs): only the pushed records are read. A
 * state that is missing or does not fit gets a full audit instead;
 * deleting the directory is always safe (docs/ledger-format.md, "Rules
 * enforced where the ledger is hosted").
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

G_BEGIN_DECLS

/** The hook's refusal lines start with this, untranslated, so that a
 * client can find them among what the server relays. */
#define CHAIN_RECEIVE_REFUSAL_PREFIX "chain: push refused: "

/** The lines of a finding the hook does not refuse a push for (a batch
 * past a device quota, chain_audit_rule_is_refusal()) start with this,
 * untranslated, so that a client can find them. */
#define CHAIN_RECEIVE_FINDING_PREFIX "chain: push taken with a finding: "

/** What a pre-receive hook's standard input holds at most: 1 MiB. */
#define CHAIN_RECEIVE_MAX_INPUT ((gsize) 1024 * 1024)

#define CHAIN_RECEIVE_OPTIONS_VERSION 1

/**
 * ChainReceiveOptions:
 * @version: %CHAIN_RECEIVE_OPTIONS_VERSION.
 * @trusted_root: (nullable): the SHA-256 thumbprint (64 hex digits) of the
 *   root CA certificate a ledger's genesis must name, as
 *   ChainAuditOptions.trusted_root.
 * @object_dirs: (nullable) (array zero-terminated=1): object directories
 *   besides the repository's own where the pushed objects are (git's
 *   quarantine directory and its alternates).
 *
 * Initialise with %CHAIN_RECEIVE_OPTIONS_INIT.
 */
typedef struct {
  guint              version;
  const char        *trusted_root;
  const char *const *object_dirs;
} ChainReceiveOptions;

#define CHAIN_RECEIVE_OPTIONS_INIT { CHAIN_RECEIVE_OPTIONS_VERSION, NULL, NULL }

/**
 * chain_receive_judge:
 * @repo_path: the bare repository receiving the push.
 * @updates: what git writes on a pre-receive hook's standard input: one
 *   "OLD-ID NEW-ID REFNAME" line per ref, zeros for a ref created or
 *   deleted; at most %CHAIN_RECEIVE_MAX_INPUT bytes.
 * @options: (nullable): %NULL for defaults.
 * @out_refusals: (out) (transfer full): one line per refusal, each
 *   "REFNAME: ... rule RULE-ID: ..." (the auditor's findings keep their
 *   "record SEQ (TYPE): rule RULE-ID:" frame); empty when the push may go
 *   in. Set only on success.
 * @out_findings: (out) (optional) (transfer full): when the push may go
 *   in, one line per finding of the records it adds that does not refuse
 *   it (chain_audit_finding_is_refusal(): a batch past a device quota), in
 *   the form of @out_refusals, for the pusher to see; empty otherwise.
 *   Set only on success.
 * @cancellable: (nullable): checked between records.
 * @error: CHAIN_ERROR_INVALID_INPUT (@updates are not update lines, or too
 *   long; a malformed trusted root), CHAIN_ERROR_NOT_FOUND (@repo_path is
 *   no repository), CHAIN_ERROR_IO, CHAIN_ERROR_FAILED (libgit2),
 *   G_IO_ERROR_CANCELLED.
 *
 * Judges a push: see the file comment for what may go in.
 *
 * Returns: %TRUE if the push was judged, whatever the verdict.
 */
CHAIN_PUBLIC
gboolean chain_receive_judge (const char                 *repo_path,
                              const char                 *updates,
                              const ChainReceiveOptions  *options,
                              GPtrArray                 **out_refusals,
                              GPtrArray                 **out_findings,
                              GCancellable               *cancellable,
                              GError                    **error);

/**
 * chain_receive_hook_script:
 * @chain_path: the absolute path of the `chain` program the hook runs.
 * @trusted_root: (nullable): passed on as `--trusted-root`.
 *
 * The text of the pre-receive hook: a POSIX shell script that execs
 * `chain hook --pre-receive` on the repository it runs in. GitLab's and
 * Gitea's server hooks take the same script.
 *
 * Returns: (transfer full): the script.
 */
CHAIN_PUBLIC
char *chain_receive_hook_script (const char *chain_path,
                                 const char *trusted_root);

/**
 * chain_receive_install_hook:
 * @repo_path: a bare git repository.
 * @chain_path: the absolute path of the `chain` program.
 * @trusted_root: (nullable): as for chain_receive_hook_script().
 * @out_hook_path: (out) (optional) (transfer full): where the hook went.
 * @error: CHAIN_ERROR_NOT_FOUND (no repository at @repo_path),
 *   CHAIN_ERROR_REFUSED (not a bare repository), CHAIN_ERROR_EXISTS (a
 *   pre-receive hook that is not libchain's is there), CHAIN_ERROR_INVALID_INPUT
 *   (@chain_path not absolute, a malformed @trusted_root), CHAIN_ERROR_IO.
 *
 * Writes hooks/pre-receive (mode 0755, replaced atomically); a hook
 * libchain wrote before is replaced, any other is left alone.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_receive_install_hook (const char  *repo_path,
                                     const char  *chain_path,
                                     const char  *trusted_root,
                                     char       **out_hook_path,
                                     GError     **error);

G_END_DECLS
