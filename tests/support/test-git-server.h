/* test-git-server.h — a hosted git server for the suites: HTTPS and SSH
 *
 * test_git_server_new() makes, in a new temporary directory, everything a
 * small git host needs, all thrown away afterwards:
 *
 * - a test CA and a server certificate from it for IP 127.0.0.1 only (so
 *   https://localhost:PORT/ is "another name"), and an unrelated CA;
 * - an htpasswd file with one user and password (apache2-utils' htpasswd);
 * - an sshd host key, a user key the server authorises and one it does
 *   not, and a known_hosts line for the server;
 * - repos/, the bare repositories the servers export.
 *
 * test_git_server_start_https() runs `git http-backend` behind nginx and
 * fcgiwrap on a free loopback port, with TLS and HTTP basic auth (pushes
 * need the user); test_git_server_start_ssh() runs sshd on another, with
 * key authentication only, for the user running the tests. Both die with
 * the process that started them; test_git_server_free() stops them.
 */
#pragma once

#include "test-daemon.h"

typedef struct TestGitServer TestGitServer;

#define TEST_GIT_SERVER_USER     "alice"
#define TEST_GIT_SERVER_PASSWORD "ledger-s3cret"

/* (transfer full) fails the test when a tool is missing. */
TestGitServer *test_git_server_new (void);

void test_git_server_start_https (TestGitServer *self);
void test_git_server_start_ssh (TestGitServer *self);

/* Makes an empty bare repository repos/NAME.git with main as its head;
 * returns its path (transfer full). */
char *test_git_server_init_repo (TestGitServer *self,
                                 const char    *name);

/* https://HOST:PORT/NAME.git (transfer full). */
char *test_git_server_https_url (TestGitServer *self,
                                 const char    *host,
                                 const char    *name);
/* ssh://USER@127.0.0.1:PORT/DIR/repos/NAME.git (transfer full). */
char *test_git_server_ssh_url (TestGitServer *self,
                               const char    *name);

/* (transfer none) paths in the server's directory. */
const char *test_git_server_get_ca_file (TestGitServer *self);
const char *test_git_server_get_foreign_ca_file (TestGitServer *self);
const char *test_git_server_get_user_key (TestGitServer *self);
const char *test_git_server_get_stranger_key (TestGitServer *self);
/* A program for GIT_ASKPASS: it answers TEST_GIT_SERVER_USER, and
 * $TEST_GIT_PASSWORD or else TEST_GIT_SERVER_PASSWORD. */
const char *test_git_server_get_askpass (TestGitServer *self);
/* "[127.0.0.1]:PORT ssh-ed25519 AAAA...", the server's known_hosts line. */
const char *test_git_server_get_known_hosts_line (TestGitServer *self);

/* A new directory to be $HOME, whose .ssh/known_hosts holds @known_hosts
 * (NULL: the server's line). Removed with the server. (transfer full) */
char *test_git_server_new_home (TestGitServer *self,
                                const char    *known_hosts);

/* (transfer none) "NAME=VALUE" settings with which the system's git
 * reaches both servers as the authorised user: GIT_SSL_CAINFO, GIT_ASKPASS,
 * GIT_SSH_COMMAND (the user key, the server's known_hosts, batch mode). */
const char *const *test_git_server_get_git_env (TestGitServer *self);

/* Stops the servers and removes the directory. NULL-safe. */
void test_git_server_free (TestGitServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestGitServer, test_git_server_free)
