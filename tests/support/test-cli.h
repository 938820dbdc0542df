/* test-cli.h — driving the built `chain` binary from Check suites
 *
 * The end-to-end suites run `chain` (meson sets $CHAIN_BIN) and the real
 * peers (openssl, certtool, git, python3) as child processes, then judge
 * what they printed and wrote. Every helper fails the running Check test on
 * a broken expectation, naming what it saw.
 */
#pragma once

#include "test-support.h"

/* What `chain` reads from $CHAIN_PASSPHRASE in these suites. */
#define TEST_CLI_PASSPHRASE "correct-horse-battery"

/* (transfer none) $CHAIN_BIN; fails the test when it is not set. */
const char *test_cli_bin (void);

/* Runs @argv (argv[0] looked up in PATH) in @cwd (NULL: the current
 * directory), with stdin read from @stdin_path (NULL: /dev/null), and the
 * environment changed by @env: "NAME=VALUE" sets, "NAME" unsets (NULL:
 * unchanged). Returns the exit status, or -1 when it did not exit; output
 * is captured into @out_stdout / @out_stderr when non-NULL (transfer full). */
int test_cli_spawn (const char        *cwd,
                    const char *const *env,
                    const char        *stdin_path,
                    const char *const *argv,
                    char             **out_stdout,
                    char             **out_stderr);

/* Runs `$CHAIN_BIN ARGS...` in @cwd with CHAIN_PASSPHRASE set to
 * TEST_CLI_PASSPHRASE, then @env applied as in test_cli_spawn(). */
int test_cli_chain_env (const char        *cwd,
                        const char *const *env,
                        const char        *stdin_path,
                        const char *const *args,
                        char             **out_stdout,
                        char             **out_stderr);

/* test_cli_chain_env() with no changes and no stdin. */
int test_cli_chain (const char        *cwd,
                    const char *const *args,
                    char             **out_stdout,
                    char             **out_stderr);

/* Runs `chain ARGS...` and fails the test unless it exits 0; returns its
 * stdout (transfer full). */
char *test_cli_chain_ok (const char        *cwd,
                         const char *const *args);

/* Asserts that @err is exactly one line, "chain: error: ...\n", and that it
 * contains @needle when non-NULL. @what names the command in messages. */
void test_cli_assert_error_line (const char *what,
                                 const char *err,
                                 const char *needle);

/* Parses @text as exactly one JSON document, failing the test otherwise.
 * (transfer full) */
ChainJson *test_cli_parse_json (const char *what,
                                const char *text);

/* The value at @path in @doc: member names and array indices separated by
 * '/', e.g. "custody/0/ca/sha256"; "" is @doc itself. Fails the test when
 * it is missing or of another type. (transfer none) */
ChainJson *test_cli_json_get (ChainJson  *doc,
                              const char *path);
const char *test_cli_json_string (ChainJson  *doc,
                                  const char *path);
gint64 test_cli_json_int (ChainJson  *doc,
                          const char *path);
gboolean test_cli_json_bool (ChainJson  *doc,
                             const char *path);
/* The length of the array at @path. */
gsize test_cli_json_length (ChainJson  *doc,
                            const char *path);

/* The contents of @path, failing the test when it cannot be read.
 * (transfer full) */
char *test_cli_read_file (const char *path,
                          gsize      *out_len);

/* `git -C WORKSPACE/ledger.git rev-parse main` and the pinned-tip file, as
 * one string to compare before and after a command. (transfer full) */
char *test_cli_ledger_state (const char *workspace);

/* Every file and directory under @dir with its mode and the SHA-256 of its
 * content, one a line, sorted; git's object store is left out (objects a
 * refused command left behind are unreachable, not part of the ledger; the
 * refs and the pin are in). (transfer full) */
char *test_cli_snapshot (const char *dir);

/* Runs `chain demo` into "story" under a new temporary directory, failing
 * the test if it fails; sets *@out_demo_dir to that story (transfer full).
 * Returns: (transfer full) the temporary directory, for
 * test_support_tmpdir_remove(). */
char *test_cli_demo_new (char **out_demo_dir);

/* Copies the tree @src to @dst (which must not exist) with `cp -a`. */
void test_cli_copy_tree (const char *src,
                         const char *dst);
