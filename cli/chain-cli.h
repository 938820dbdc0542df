/* chain-cli.h — what the `chain` command's files share
 *
 * Each command lives in its own cmd-NAME.c and has the signature of
 * ChainCliCommandFunc. Commands never print errors: they return FALSE with a
 * GError and main() prints it once, as "chain: error: ...".
 */
#pragma once

#include <gio/gio.h>

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

/* cli-output.c: prints to stdout unless -q; write errors are caught at exit. */
void chain_cli_print (const ChainCliGlobals *globals,
                      const char            *format,
                      ...) G_GNUC_PRINTF (2, 3);

/* Parses a command's own options; a failure becomes CHAIN_CLI_ERROR_USAGE. */
gboolean chain_cli_parse_options (GOptionContext *context,
                                  int            *argc,
                                  char         ***argv,
                                  GError        **error);

gboolean cmd_demo (const ChainCliGlobals *globals, int argc, char **argv,
                   GCancellable *cancellable, GError **error);

G_END_DECLS
