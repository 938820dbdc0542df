/* test-daemon.h — servers the suites start on loopback and stop again
 *
 * A test that needs a real peer (swtpm, tpm2-abrmd, a D-Bus bus, nginx,
 * sshd, mosquitto) starts it here: its output goes to a log file the
 * failure messages quote, it dies with the test process even when a check
 * fails (PR_SET_PDEATHSIG), and test_daemon_stop() ends it and reaps it.
 * Daemons started in an unchecked fixture live across the forked tests.
 */
#pragma once

#include "test-cli.h"

typedef struct TestDaemon TestDaemon;

/* A TCP port on 127.0.0.1 that nothing listens on right now. */
int test_daemon_free_port (void);

/* Whether something accepts connections on 127.0.0.1:@port. */
gboolean test_daemon_port_open (int port);

/* Starts @argv (argv[0] an absolute path or looked up in PATH) with the
 * environment changed by @env as test_cli_spawn() does, stdin from
 * /dev/null and stdout and stderr appended to @log_path. Fails the test
 * when it cannot start. (transfer full) */
TestDaemon *test_daemon_start (const char        *name,
                               const char *const *argv,
                               const char *const *env,
                               const char        *log_path);

/* Waits (up to 20 s) until @self listens on @port, or until @path exists;
 * fails the test, quoting the log, when the daemon exits first or the
 * time is up. */
void test_daemon_wait_port (TestDaemon *self,
                            int         port);
void test_daemon_wait_path (TestDaemon *self,
                            const char *path);

/* As test_daemon_wait_port(), but FALSE when the daemon exited first
 * (for instance because another process took the port meanwhile). */
gboolean test_daemon_try_wait_port (TestDaemon *self,
                                    int         port);

/* Whether the daemon has not exited yet. */
gboolean test_daemon_is_running (TestDaemon *self);

/* (transfer full) what the daemon logged so far. */
char *test_daemon_dup_log (TestDaemon *self);

/* SIGTERM, then SIGKILL after 5 s; reaps the process and frees @self.
 * NULL-safe. */
void test_daemon_stop (TestDaemon *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestDaemon, test_daemon_stop)
