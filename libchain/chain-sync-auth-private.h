/* chain-sync-auth-private.h — who we are to a hosted ledger, and who it is to us
 *
 * The credential and certificate callbacks of a fetch or push over HTTPS
 * or SSH (chain-sync-auth.c):
 *
 * - HTTPS user name and password come from `git credential fill`, run with
 *   the ledger's repository as GIT_DIR: git's credential helpers, its
 *   $GIT_ASKPASS or terminal prompt, as for a plain `git fetch`; they are
 *   given on stdin, never in argv, approved after a connection they opened
 *   and rejected when the server refused them (asked once per operation).
 * - SSH keys come from the ssh-agent ($SSH_AUTH_SOCK), then from the key
 *   file named by chain.sshKey in the ledger's configuration, then from
 *   ~/.ssh/id_ed25519, id_ecdsa and id_rsa; each is offered once.
 * - The server's TLS certificate is verified here, with OpenSSL, against
 *   http.sslCAInfo of the ledger's configuration, else $GIT_SSL_CAINFO,
 *   else the system store, and must name the host of the URL; whatever
 *   libgit2's TLS backend thought, and whatever http.sslVerify says.
 * - The SSH host key must be listed for the host (and port) in
 *   ~/.ssh/known_hosts or /etc/ssh/ssh_known_hosts (hashed names too).
 *
 * A refusal is kept as a GError, reported instead of libgit2's words.
 * Never installed.
 */
#pragma once

#include <git2.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  git_repository *repo;          /* (not owned) the ledger's repository */
  char           *repo_path;
  char           *url;           /* the remote's URL */
  gboolean        agent_tried;
  guint           next_key;      /* the next key file to offer */
  guint           userpass_asks;
  char           *filled;        /* what `git credential fill` gave, wiped on clear */
  GError         *failure;       /* why a callback refused */
} ChainSyncAuth;

void chain_sync_auth_init (ChainSyncAuth  *self,
                           git_repository *repo,
                           const char     *repo_path,
                           const char     *url);
void chain_sync_auth_clear (ChainSyncAuth *self);

/* libgit2's credentials and certificate_check callbacks; @payload is the
 * ChainSyncAuth. */
int chain_sync_auth_credentials (git_credential **out,
                                 const char      *url,
                                 const char      *username_from_url,
                                 unsigned int     allowed_types,
                                 ChainSyncAuth   *self);
int chain_sync_auth_check_certificate (git_cert      *cert,
                                       int            valid,
                                       const char    *host,
                                       ChainSyncAuth *self);

/* Tells git's credential helpers that what they gave worked. */
void chain_sync_auth_approve (ChainSyncAuth *self);

/* Moves a callback's refusal into @error; FALSE when there was none. */
gboolean chain_sync_auth_take_failure (ChainSyncAuth *self,
                                       GError       **error);

G_END_DECLS
