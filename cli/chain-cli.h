/* chain-cli.h — what the `chain` command's files share
 *
 * Each command lives in its own cmd-NAME.c and has the signature of
 * ChainCliCommandFunc. Commands never print errors: they return FALSE with a
 * GError and main() prints it once, as "chain: error: ...".
 */
#pragma once

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "chain.h"

G_BEGIN_DECLS

/* Exit codes, as DESIGN.md documents them. */
enum {
  CHAIN_EXIT_OK = 0,
  CHAIN_EXIT_ERROR = 1,
  CHAIN_EXIT_USAGE = 2,
  CHAIN_EXIT_VERIFY = 3,
};

#define CHAIN_CLI_ERROR (chain_cli_error_quark ())
GQuark chain_cli_error_quark (void);

typedef enum {
  CHAIN_CLI_ERROR_USAGE,  /* wrong arguments: exit code 2 */
} ChainCliError;

/* The options that come before the command name. */
typedef struct {
  char     *workspace;         /* -C DIR; "." when not given */
  gboolean  json;              /* --json: one JSON document on stdout */
  gboolean  quiet;             /* -q */
  char     *passphrase_file;   /* --passphrase-file */
  char     *pin_file;          /* --pin-file: a PKCS#11 token's PIN */
} ChainCliGlobals;

typedef gboolean (*ChainCliCommandFunc) (const ChainCliGlobals *globals,
                                         int                    argc,
                                         char                 **argv,
                                         GCancellable          *cancellable,
                                         GError               **error);

/* cli-passphrase.c: from --passphrase-file, else $CHAIN_PASSPHRASE, else a
 * prompt on the terminal; never from argv. */
ChainSecret *chain_cli_get_passphrase (const ChainCliGlobals *globals,
                                       const char            *prompt,
                                       GError               **error);

/* cli-passphrase.c: a token's PIN from --pin-file, else $CHAIN_PIN, else a
 * prompt; never from argv or a URI. */
ChainSecret *chain_cli_get_pin (const ChainCliGlobals *globals,
                                GError               **error);

/* cli-passphrase.c: the secrets keys in @key_store need: a passphrase for
 * files (NULL otherwise), a PIN for a PKCS#11 token (NULL otherwise). */
gboolean chain_cli_get_key_secrets (const ChainCliGlobals *globals,
                                    const char            *key_store,
                                    const char            *prompt,
                                    ChainSecret          **out_passphrase,
                                    ChainSecret          **out_pin,
                                    GError               **error);

/* cli-output.c: prints to stdout unless -q; write errors are caught at exit. */
void chain_cli_print (const ChainCliGlobals *globals,
                      const char            *format,
                      ...) G_GNUC_PRINTF (2, 3);

/* cli-output.c: prints @doc (pretty, newline-terminated) on stdout; for
 * --json. Consumes @doc. */
void chain_cli_print_json (const ChainCliGlobals *globals,
                           ChainJson             *doc);

/* cli-output.c: sets CHAIN_CLI_ERROR_USAGE with "MESSAGE (see chain
 * COMMAND --help)"; returns FALSE for `return chain_cli_usage (...)`. */
gboolean chain_cli_usage (GError    **error,
                          const char *command,
                          const char *format,
                          ...) G_GNUC_PRINTF (3, 4);

/* cli-workspace.c: opens the workspace -C names; with @unlock, asks for the
 * passphrase (see chain_cli_get_passphrase()) and unlocks @officer (NULL:
 * the default one). */
/* cli-workspace.c: unlocks @workspace with what its keys need: the
 * passphrase for key files, the token PIN for PKCS#11 keys (TPM keys need
 * neither). @out_passphrase: (optional) the passphrase asked, or NULL. */
gboolean chain_cli_unlock_workspace (const ChainCliGlobals *globals,
                                     ChainWorkspace        *workspace,
                                     const char            *officer,
                                     ChainSecret          **out_passphrase,
                                     GError               **error);
ChainWorkspace *chain_cli_open_workspace (const ChainCliGlobals *globals,
                                          gboolean               unlock,
                                          const char            *officer,
                                          GCancellable          *cancellable,
                                          GError               **error);

/* cli-show-device.c: `chain show --device ID`: the device's certificate,
 * batch, issuer and revocation, from the workspace (the current directory
 * or -C). */
gboolean chain_cli_show_device (const ChainCliGlobals *globals,
                                const char            *device_id,
                                GCancellable          *cancellable,
                                GError               **error);

/* cmd-reconcile.c: a reconcile finding's kind, as `chain reconcile` and
 * `chain report` label it. (transfer none) */
const char *chain_cli_reconcile_kind_label (ChainReconcileKind kind);

/* cli-report-html.c: `chain report`'s self-contained HTML page: the audit,
 * the custody tree, and the charts of @data as inline SVG. Every string
 * from the ledger or a cloud file is sanitized and escaped.
 * (transfer full) */
char *chain_cli_report_html (const ChainLedgerState *state,
                             const ChainReportData  *data,
                             const ChainAuditReport *audit);

/* cli-progress.c: a progress bar on stderr, drawn only when stderr is a
 * terminal and -q and --json are off; at most ten redraws a second. */
typedef struct _ChainCliProgress ChainCliProgress;
ChainCliProgress *chain_cli_progress_new (const ChainCliGlobals *globals,
                                          const char            *label,
                                          guint64                total);
void chain_cli_progress_update (ChainCliProgress *self,
                                guint64           done);
/* Clears the bar; NULL-safe. */
void chain_cli_progress_free (ChainCliProgress *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainCliProgress, chain_cli_progress_free)

/* cli-ledger.c: where the ledger -C names lives. A workspace (its
 * ledger.git, with its pinned-tip), or a ledger repository an auditor
 * cloned (bare, or a clone's .git). Read and sync commands use the
 * repository directly: quick on a large ledger, and usable on a damaged one. */
typedef struct {
  char     *dir;        /* as -C gave it */
  char     *repo_path;  /* the git directory */
  char     *pin_path;   /* (nullable) DIR/pinned-tip for a workspace */
  gboolean  workspace;
} ChainCliLedgerPlace;
void chain_cli_ledger_place_clear (ChainCliLedgerPlace *place);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChainCliLedgerPlace, chain_cli_ledger_place_clear)

/* CHAIN_ERROR_NOT_FOUND (nothing there, or a workspace that has not joined
 * a ledger yet, saying what to do). @out_place is set only on success. */
gboolean chain_cli_locate_ledger (const char          *dir,
                                  ChainCliLedgerPlace *out_place,
                                  GError             **error);
/* Opens the ledger -C names; a workspace's must descend from its pin
 * (CHAIN_ERROR_VERIFY otherwise). @out_place: (optional). */
ChainLedger *chain_cli_open_ledger (const ChainCliGlobals *globals,
                                    ChainCliLedgerPlace   *out_place,
                                    GCancellable          *cancellable,
                                    GError               **error);
/* "2026-11-27T01:40:00Z". (transfer full) */
char *chain_cli_format_time (gint64 unix_seconds);
/* @text on one line, control and format characters replaced, cut after
 * @max_chars characters (0: no limit). (transfer full) */
char *chain_cli_one_line (const char *text,
                          guint       max_chars);

/* cli-error-hint.c: the command that fixes @error ("run 'chain sync' and
 * try again"), for the codes whose libchain message names no command;
 * NULL for the others. (transfer none) */
const char *chain_cli_error_hint (const GError *error);

/* cli-ledger.c: what `chain sync` and `chain bundle` share. For a
 * workspace, the workspace is opened (so it can be refreshed after) and
 * new records must audit clean against its root; the pin moves with main. */
typedef struct {
  const ChainCliGlobals *globals;
  ChainCliLedgerPlace    place;
  ChainWorkspace        *workspace;  /* (nullable) */
  char                  *root;       /* (nullable) the trusted root's SHA-256 */
  ChainCliProgress      *bar;
  ChainSyncStage         stage;
  guint64                total;
} ChainCliSync;
gboolean chain_cli_sync_open (const ChainCliGlobals *globals,
                              ChainCliSync          *out_sync,
                              GCancellable          *cancellable,
                              GError               **error);
/* Pin, verify (the auditor) and progress, for the chain_sync_*() calls. */
void chain_cli_sync_options (ChainCliSync     *self,
                             ChainSyncOptions *options);
/* Catches the workspace up with what the sync brought. */
gboolean chain_cli_sync_refresh (ChainCliSync  *self,
                                 GCancellable  *cancellable,
                                 GError       **error);
void chain_cli_sync_clear (ChainCliSync *self);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChainCliSync, chain_cli_sync_clear)
/* (transfer full) {"status", "records", "old_tip", "new_tip", "seq", "summary"} */
ChainJson *chain_cli_sync_result_to_json (const ChainSyncResult *result);
/* A remote as given: a local directory becomes an absolute path, a
 * workspace its ledger.git; names and URLs stay. (transfer full) */
char *chain_cli_resolve_remote (const char *spec);

/* Parses a command's own options; a failure becomes CHAIN_CLI_ERROR_USAGE. */
gboolean chain_cli_parse_options (GOptionContext *context,
                                  int            *argc,
                                  char         ***argv,
                                  GError        **error);

/* Finishes (@unlocked) or reports on stderr the runs of 'chain issue' that
 * died in @workspace (chain_issue_recover()). */
gboolean chain_cli_finish_dead_runs (ChainWorkspace *workspace,
                                     gboolean        unlocked,
                                     GError        **error);

gboolean cmd_init (const ChainCliGlobals *globals, int argc, char **argv,
                   GCancellable *cancellable, GError **error);
gboolean cmd_request (const ChainCliGlobals *globals, int argc, char **argv,
                      GCancellable *cancellable, GError **error);
gboolean cmd_delegate (const ChainCliGlobals *globals, int argc, char **argv,
                       GCancellable *cancellable, GError **error);
gboolean cmd_accept (const ChainCliGlobals *globals, int argc, char **argv,
                     GCancellable *cancellable, GError **error);
gboolean cmd_approve (const ChainCliGlobals *globals, int argc, char **argv,
                      GCancellable *cancellable, GError **error);
gboolean cmd_quota (const ChainCliGlobals *globals, int argc, char **argv,
                    GCancellable *cancellable, GError **error);
gboolean cmd_officer (const ChainCliGlobals *globals, int argc, char **argv,
                      GCancellable *cancellable, GError **error);
gboolean cmd_key (const ChainCliGlobals *globals, int argc, char **argv,
                  GCancellable *cancellable, GError **error);
gboolean cmd_issue (const ChainCliGlobals *globals, int argc, char **argv,
                    GCancellable *cancellable, GError **error);
gboolean cmd_pop (const ChainCliGlobals *globals, int argc, char **argv,
                  GCancellable *cancellable, GError **error);
gboolean cmd_export (const ChainCliGlobals *globals, int argc, char **argv,
                     GCancellable *cancellable, GError **error);
gboolean cmd_revoke (const ChainCliGlobals *globals, int argc, char **argv,
                     GCancellable *cancellable, GError **error);
gboolean cmd_crl (const ChainCliGlobals *globals, int argc, char **argv,
                  GCancellable *cancellable, GError **error);
gboolean cmd_report (const ChainCliGlobals *globals, int argc, char **argv,
                     GCancellable *cancellable, GError **error);
gboolean cmd_reconcile (const ChainCliGlobals *globals, int argc, char **argv,
                        GCancellable *cancellable, GError **error);
gboolean cmd_annotate (const ChainCliGlobals *globals, int argc, char **argv,
                       GCancellable *cancellable, GError **error);
gboolean cmd_log (const ChainCliGlobals *globals, int argc, char **argv,
                  GCancellable *cancellable, GError **error);
gboolean cmd_show (const ChainCliGlobals *globals, int argc, char **argv,
                   GCancellable *cancellable, GError **error);
gboolean cmd_status (const ChainCliGlobals *globals, int argc, char **argv,
                     GCancellable *cancellable, GError **error);
gboolean cmd_audit (const ChainCliGlobals *globals, int argc, char **argv,
                    GCancellable *cancellable, GError **error);
gboolean cmd_sync (const ChainCliGlobals *globals, int argc, char **argv,
                   GCancellable *cancellable, GError **error);
gboolean cmd_hook (const ChainCliGlobals *globals, int argc, char **argv,
                   GCancellable *cancellable, GError **error);
gboolean cmd_bundle (const ChainCliGlobals *globals, int argc, char **argv,
                     GCancellable *cancellable, GError **error);
gboolean cmd_demo (const ChainCliGlobals *globals, int argc, char **argv,
                   GCancellable *cancellable, GError **error);

G_END_DECLS
