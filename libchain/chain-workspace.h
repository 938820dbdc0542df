/* chain-workspace.h — one custodian's directory: ledger, keys, settings
 *
 * A workspace is what `chain -C DIR` and Custody open. Its layout:
 *
 *   DIR/workspace.json   who this custodian is (id, name, tier, algorithm)
 *                        and, once it has joined a ledger, the ledger id and
 *                        the thumbprint of its current CA
 *   DIR/ledger.git/      the ledger (a bare git repository)
 *   DIR/pinned-tip       the last tip this workspace verified or wrote
 *   DIR/private/         0700: ca.key and officer-NAME.key, encrypted PKCS#8,
 *                        0600 each; never inside the git object database
 *   DIR/certs/           ca.pem (this custodian's CA), chain.pem (the CA and
 *                        every CA above it, root last), root.pem, and
 *                        officer-NAME.pem
 *
 * A workspace is made in one of two ways: chain_workspace_init() for the
 * root custodian (the OEM), which writes the genesis record, or
 * chain_workspace_request() for a custodian that asks a parent for a sub-CA;
 * that one joins the ledger with chain_workspace_accept() once the parent
 * has sent a grant (see chain-delegation.h).
 *
 * Keys stay encrypted until chain_workspace_unlock(), and are wiped by
 * chain_workspace_free(). Every record the workspace writes goes through
 * the ledger's rule engine first (a refused statement writes nothing), and
 * after every append the pin moves to the new tip.
 *
 * The state (what the ledger's records add up to) is replayed from the
 * ledger when the workspace is opened and kept current as records are
 * appended; chain_workspace_refresh() catches up after another process or a
 * sync moved the ledger.
 *
 * A ChainWorkspace is not thread-safe: use one from one thread at a time
 * (the GUI hands it to a worker for long operations and waits).
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include <gio/gio.h>

#include "chain-cert.h"
#include "chain-key.h"
#include "chain-ledger.h"
#include "chain-ledger-state.h"
#include "chain-policy.h"
#include "chain-secret.h"

G_BEGIN_DECLS

#define CHAIN_WORKSPACE_FILE "workspace.json"
#define CHAIN_WORKSPACE_LEDGER_DIR "ledger.git"
#define CHAIN_WORKSPACE_PRIVATE_DIR "private"
#define CHAIN_WORKSPACE_CERTS_DIR "certs"

/** The officer a new workspace enrols when none is named. */
#define CHAIN_WORKSPACE_DEFAULT_OFFICER "officer"

typedef struct _ChainWorkspace ChainWorkspace;

/**
 * ChainWorkspaceOptions:
 * @version: %CHAIN_WORKSPACE_OPTIONS_VERSION.
 * @org: the organisation's name (the CA subject's O and CN); required.
 * @id: (nullable): the custodian id; %NULL derives one from @org
 *   (lower-case letters, digits and '-').
 * @tier: (nullable): the tier; init: %NULL or the policy's first tier;
 *   request: required.
 * @algorithm: the CA key's and the officer key's algorithm.
 * @validity_days: init: the root's lifetime (0: the policy's maximum for
 *   the first tier); request: ignored (the parent decides).
 * @officer: (nullable): the first officer's name; %NULL for
 *   %CHAIN_WORKSPACE_DEFAULT_OFFICER.
 * @policy: (nullable): init only: the policy of the genesis record; %NULL
 *   for chain_policy_new_default().
 * @passphrase: encrypts the CA key and the officer key.
 * @namespace: (nullable): request only: the directoryName the parent's CA
 *   is constrained to (RFC 4514, e.g. "O=CM A,C=DE"); the CA's subject is
 *   then "CN=ORG CA,OU=ORG,NAMESPACE", inside it. %NULL: "CN=ORG CA,O=ORG".
 * @key_store: (nullable): where the CA key and the first officer's key
 *   live: %NULL or "file" (encrypted files; @passphrase required), a
 *   PKCS#11 URI ("pkcs11:token=oem-root;object=root-ca": the CA key is that
 *   object, generated in the token unless it holds that private key
 *   already; the officer's key is "ID-officer-NAME" beside it), "tpm2"
 *   (both generated in the TPM) or "tpm2:0x81000001" (the CA key is that
 *   persistent key). The workspace stores where, never a PIN.
 * @pin: (nullable): the PKCS#11 token's user PIN.
 */
typedef struct {
  guint              version;
  const char        *org;
  const char        *id;
  const char        *tier;
  ChainKeyAlgorithm  algorithm;
  gint64             validity_days;
  const char        *officer;
  const ChainPolicy *policy;
  const ChainSecret *passphrase;
  const char        *namespace;
  const char        *key_store;
  const ChainSecret *pin;
} ChainWorkspaceOptions;

#define CHAIN_WORKSPACE_OPTIONS_VERSION 1
#define CHAIN_WORKSPACE_OPTIONS_INIT \
  { CHAIN_WORKSPACE_OPTIONS_VERSION, NULL, NULL, NULL, CHAIN_KEY_ALGORITHM_EC_P256, 0, NULL, NULL, NULL, NULL, NULL, NULL }

/**
 * chain_workspace_init:
 * @dir: the workspace directory; created if missing, must hold no
 *   workspace yet.
 * @options: who the root custodian is.
 * @cancellable: (nullable): checked between steps.
 * @error: CHAIN_ERROR_EXISTS (a workspace is already there),
 *   CHAIN_ERROR_INVALID_INPUT (options, policy), CHAIN_ERROR_IO.
 *
 * Makes the root custodian's workspace: a root CA key and self-signed
 * certificate, the first officer's key and certificate, and a new ledger
 * whose genesis record carries the policy. On failure nothing is left in
 * @dir that was not there before.
 *
 * Returns: (transfer full) (nullable): the workspace, unlocked.
 */
CHAIN_PUBLIC
ChainWorkspace *chain_workspace_init (const char                  *dir,
                                      const ChainWorkspaceOptions *options,
                                      GCancellable                *cancellable,
                                      GError                     **error);

/**
 * chain_workspace_open:
 * @dir: a workspace directory.
 * @cancellable: (nullable): checked while the ledger is read.
 * @error: CHAIN_ERROR_NOT_FOUND (no workspace at @dir: run `chain init` or
 *   `chain request`), CHAIN_ERROR_INVALID_INPUT (workspace.json damaged),
 *   CHAIN_ERROR_INSECURE (private/ or a key file readable by others),
 *   CHAIN_ERROR_VERIFY (the ledger does not descend from the pinned tip,
 *   or a record breaks a rule), CHAIN_ERROR_IO.
 *
 * Opens a workspace, locked, and replays its ledger (if it has joined one).
 *
 * Returns: (transfer full) (nullable): the workspace.
 */
CHAIN_PUBLIC
ChainWorkspace *chain_workspace_open (const char   *dir,
                                      GCancellable *cancellable,
                                      GError      **error);

/**
 * chain_workspace_open_async:
 * @dir: as chain_workspace_open(); copied.
 * @cancellable: (nullable): checked before the workspace is read and
 *   while the ledger is read.
 * @callback: called when done, in the caller's thread-default main context.
 * @user_data: for @callback.
 *
 * As chain_workspace_open(), in a worker thread.
 */
CHAIN_PUBLIC
void chain_workspace_open_async (const char          *dir,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);

/**
 * chain_workspace_open_finish:
 * @result: the result passed to the callback.
 * @error: as chain_workspace_open(), or G_IO_ERROR_CANCELLED.
 *
 * Takes no source object because there is none yet: the open is of a
 * directory, and makes the handle (as chain_audit_repository_finish()).
 *
 * Returns: (transfer full) (nullable): the workspace, locked; the caller
 *   frees it with chain_workspace_free().
 */
CHAIN_PUBLIC
ChainWorkspace *chain_workspace_open_finish (GAsyncResult  *result,
                                             GError       **error);

/**
 * chain_workspace_unlock:
 * @self: a workspace.
 * @officer: (nullable): which officer signs; %NULL for the only one, or
 *   %CHAIN_WORKSPACE_DEFAULT_OFFICER when there are several.
 * @passphrase: (nullable): the passphrase of the officer's key and of the
 *   CA key, when they are files (keys in a token take the PIN given with
 *   chain_workspace_set_pin()).
 * @error: CHAIN_ERROR_PASSPHRASE (wrong passphrase), CHAIN_ERROR_NOT_FOUND
 *   (no such officer), CHAIN_ERROR_INSECURE.
 *
 * Decrypts the officer's key and, when the workspace has one, its CA key
 * (a second officer's key may use its own passphrase; the CA key is then
 * tried with the same one and left locked if it does not open). The keys
 * stay in memory until chain_workspace_lock() or chain_workspace_free().
 *
 * Returns: %TRUE when the officer's key is open.
 */
CHAIN_PUBLIC
gboolean chain_workspace_unlock (ChainWorkspace    *self,
                                 const char        *officer,
                                 const ChainSecret *passphrase,
                                 GError           **error);

/**
 * chain_workspace_set_pin:
 * @self: a workspace.
 * @pin: (nullable): the user PIN of the PKCS#11 token its keys live in,
 *   copied and wiped with the workspace; %NULL forgets it.
 *
 * Set before chain_workspace_unlock() or chain_workspace_add_officer_in()
 * when a key lives in a token (see chain_workspace_get_key_store()).
 */
CHAIN_PUBLIC
void chain_workspace_set_pin (ChainWorkspace    *self,
                              const ChainSecret *pin);

/**
 * chain_workspace_get_key_store:
 * @self: a workspace.
 * @officer: (nullable): an officer's name; %NULL for the CA key.
 * @out_store: (out): where that key lives.
 * @out_location: (out) (optional) (transfer full): its PKCS#11 URI or TPM
 *   handle; %NULL for a file or a TPM key blob.
 *
 * Returns: whether the workspace holds that key.
 */
CHAIN_PUBLIC
gboolean chain_workspace_get_key_store (const ChainWorkspace *self,
                                        const char           *officer,
                                        ChainKeyStore        *out_store,
                                        char                **out_location);

/**
 * ChainWorkspaceSecrets:
 * @CHAIN_WORKSPACE_SECRET_NONE: nothing to ask (keys in a TPM).
 * @CHAIN_WORKSPACE_SECRET_PASSPHRASE: a key is an encrypted file.
 * @CHAIN_WORKSPACE_SECRET_PIN: a key is in a PKCS#11 token.
 *
 * What an officer must give to unlock a workspace.
 */
typedef enum {
  CHAIN_WORKSPACE_SECRET_NONE = 0,
  CHAIN_WORKSPACE_SECRET_PASSPHRASE = 1 << 0,
  CHAIN_WORKSPACE_SECRET_PIN = 1 << 1,
} ChainWorkspaceSecrets;

/**
 * chain_workspace_get_unlock_secrets:
 * @self: a workspace.
 * @officer: (nullable): the officer who will sign; %NULL for any of them.
 *
 * What chain_workspace_unlock() will need for @officer's key and the CA
 * key: a passphrase (chain_workspace_unlock()), a PIN
 * (chain_workspace_set_pin()), both or neither. Shells ask for exactly
 * these, so a token's owner is asked for a PIN, never a passphrase.
 *
 * Returns: the secrets, or'ed.
 */
CHAIN_PUBLIC
ChainWorkspaceSecrets chain_workspace_get_unlock_secrets (const ChainWorkspace *self,
                                                          const char           *officer);

/** chain_workspace_lock: wipes and drops every decrypted key. */
CHAIN_PUBLIC
void chain_workspace_lock (ChainWorkspace *self);

/**
 * chain_workspace_refresh:
 * @self: a workspace.
 * @out_new_records: (out) (optional): how many records were added since.
 * @cancellable: (nullable): checked while records are replayed.
 * @error: as chain_workspace_open().
 *
 * Catches up with records another process, a sync or a bundle import
 * appended, and moves the pin to the new tip.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_workspace_refresh (ChainWorkspace *self,
                                  guint64        *out_new_records,
                                  GCancellable   *cancellable,
                                  GError        **error);

/* ---- Who this workspace is ------------------------------------------------ */

CHAIN_PUBLIC
const char *chain_workspace_get_dir (const ChainWorkspace *self);
/** Returns: (transfer full): the pin file, DIR/pinned-tip: the ledger tip
 * this workspace last verified (chain_sync_pin_read()). */
CHAIN_PUBLIC
char *chain_workspace_dup_pin_path (const ChainWorkspace *self);
CHAIN_PUBLIC
const char *chain_workspace_get_custodian_id (const ChainWorkspace *self);
CHAIN_PUBLIC
const char *chain_workspace_get_org (const ChainWorkspace *self);
CHAIN_PUBLIC
const char *chain_workspace_get_tier (const ChainWorkspace *self);
CHAIN_PUBLIC
ChainKeyAlgorithm chain_workspace_get_algorithm (const ChainWorkspace *self);

/** Returns: whether the workspace has a ledger (init, or accepted a grant). */
CHAIN_PUBLIC
gboolean chain_workspace_has_ledger (const ChainWorkspace *self);

/** Returns: (transfer none) (nullable): the ledger; %NULL before joining. */
CHAIN_PUBLIC
ChainLedger *chain_workspace_get_ledger (const ChainWorkspace *self);

/** Returns: (transfer none) (nullable): the state at the ledger's tip;
 * %NULL before joining. Valid until the next call that changes @self. */
CHAIN_PUBLIC
const ChainLedgerState *chain_workspace_get_state (const ChainWorkspace *self);

/** Returns: (transfer none) (nullable): this custodian in the state;
 * %NULL before joining. */
CHAIN_PUBLIC
const ChainCustodian *chain_workspace_get_custodian (const ChainWorkspace *self);

/** Returns: (transfer none) (nullable): this custodian's current CA
 * certificate; %NULL until it has one. */
CHAIN_PUBLIC
ChainCert *chain_workspace_get_ca (const ChainWorkspace *self);

/** Returns: (transfer none) (element-type ChainCert) (nullable): the CA
 * and every CA above it, root last; %NULL until the workspace has a CA. */
CHAIN_PUBLIC
GPtrArray *chain_workspace_get_ca_chain (const ChainWorkspace *self);

/** Returns: (transfer full): the officer names with a key in private/,
 * sorted. */
CHAIN_PUBLIC
GStrv chain_workspace_list_officers (const ChainWorkspace *self);

/**
 * chain_workspace_restrict_umask:
 *
 * Adds group and world write (022) to the process umask, whatever it was.
 * libgit2 creates the ledger's config, HEAD, refs and object directories
 * with the modes the umask leaves: under `umask 000` they would be
 * world-writable, and another local user could set `core.pager` or
 * `gpg.x509.program` for the custodian's git. Call it once at program
 * start, before any thread (the umask is process-wide); `chain` and
 * Custody do.
 */
CHAIN_PUBLIC
void chain_workspace_restrict_umask (void);

/**
 * chain_workspace_is_officer_revoked:
 * @self: a workspace.
 * @officer: a name chain_workspace_list_officers() gave.
 *
 * Whether the ledger revoked officer @officer (its certificate in certs/
 * names the key): a revoked officer's key file may stay, but the officer
 * acts no more. Needs no passphrase.
 *
 * Returns: %TRUE when the ledger records the officer as revoked.
 */
CHAIN_PUBLIC
gboolean chain_workspace_is_officer_revoked (const ChainWorkspace *self,
                                             const char           *officer);

/**
 * chain_workspace_check_officer_name:
 * @name: a would-be officer name.
 * @error: CHAIN_ERROR_INVALID_INPUT, saying what a name may hold.
 *
 * The rule chain_workspace_add_officer() and chain_workspace_init() apply
 * (a name is a CN and part of a file name), for a form to check as it is
 * typed.
 *
 * Returns: whether @name can name an officer.
 */
CHAIN_PUBLIC
gboolean chain_workspace_check_officer_name (const char *name,
                                             GError    **error);

/** Returns: (transfer none) (nullable): the unlocked officer's name. */
CHAIN_PUBLIC
const char *chain_workspace_get_unlocked_officer (const ChainWorkspace *self);

/**
 * chain_workspace_find_ca:
 * @self: a joined workspace.
 * @name: a custodian id or name, a CA thumbprint (or a prefix of at least 8
 *   hex digits), or %NULL for this workspace's own CA.
 * @error: CHAIN_ERROR_NOT_FOUND, or CHAIN_ERROR_INVALID_INPUT when a
 *   prefix is ambiguous.
 *
 * Returns: (transfer none) (nullable): the current CA of that custodian.
 */
CHAIN_PUBLIC
ChainCert *chain_workspace_find_ca (const ChainWorkspace *self,
                                    const char           *name,
                                    GError              **error);

/**
 * chain_workspace_add_officer:
 * @self: a joined workspace, unlocked with its CA key.
 * @name: the new officer's name (a CN, and a file name: letters, digits,
 *   '-', '_' and '.').
 * @passphrase: encrypts the new officer's key.
 * @out_seq: (out) (optional): the officer record's sequence number.
 * @error: CHAIN_ERROR_EXISTS, CHAIN_ERROR_INVALID_INPUT, CHAIN_ERROR_REFUSED
 *   (the policy refuses it), CHAIN_ERROR_PASSPHRASE (the CA key is locked).
 *
 * Makes a key and an officer certificate from this custodian's CA and
 * records the enrolment (signed by the unlocked officer).
 *
 * Returns: %TRUE on success; on failure no key file is left behind.
 */
CHAIN_PUBLIC
gboolean chain_workspace_add_officer (ChainWorkspace    *self,
                                      const char        *name,
                                      const ChainSecret *passphrase,
                                      guint64           *out_seq,
                                      GCancellable      *cancellable,
                                      GError           **error);

/**
 * chain_workspace_add_officer_in:
 * @key_store: (nullable): where the officer's key lives, as
 *   #ChainWorkspaceOptions.key_store says (a PKCS#11 URI's object= names
 *   the key; without one it is "ID-officer-NAME"; "tpm2:0x81000001" uses
 *   that persistent key); %NULL or "file" for an encrypted file.
 * @passphrase: (nullable): encrypts a file key.
 *
 * As chain_workspace_add_officer(), with the key in @key_store (a token's
 * PIN from chain_workspace_set_pin()).
 */
CHAIN_PUBLIC
gboolean chain_workspace_add_officer_in (ChainWorkspace    *self,
                                         const char        *name,
                                         const char        *key_store,
                                         const ChainSecret *passphrase,
                                         guint64           *out_seq,
                                         GCancellable      *cancellable,
                                         GError           **error);

/**
 * chain_workspace_annotate:
 * @self: a joined, unlocked workspace.
 * @text: free text, at most 4096 bytes.
 *
 * Records an annotation.
 */
CHAIN_PUBLIC
gboolean chain_workspace_annotate (ChainWorkspace *self,
                                   const char     *text,
                                   guint64        *out_seq,
                                   GCancellable   *cancellable,
                                   GError        **error);

/** chain_workspace_free: wipes every unlocked key; NULL-safe. */
CHAIN_PUBLIC
void chain_workspace_free (ChainWorkspace *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainWorkspace, chain_workspace_free)

G_END_DECLS
