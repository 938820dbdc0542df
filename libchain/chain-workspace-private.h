/* chain-workspace-private.h — what the workflow modules (delegation, issue,
 * export, revocation, sync) use of a workspace */
#pragma once

#include "chain-workspace.h"
#include "chain-issuer.h"
#include "chain-json.h"
#include "chain-statement.h"
#include "chain-csr.h"
#include "chain-delegation.h"

G_BEGIN_DECLS

/**
 * chain_workspace_new_statement:
 * @self: a joined workspace.
 * @type: the record type.
 * @body: (transfer full): the statement body.
 * @error: CHAIN_ERROR_INVALID_INPUT.
 *
 * A statement authored by this custodian, for its ledger, under the policy
 * in force, dated now; unsigned: add artifacts, then chain_workspace_commit().
 *
 * Returns: (transfer full) (nullable): the statement.
 */
ChainStatement *chain_workspace_new_statement (ChainWorkspace  *self,
                                               ChainRecordType  type,
                                               ChainJson       *body,
                                               GError         **error);

/**
 * chain_workspace_commit:
 * @self: a joined workspace, unlocked.
 * @statement: a statement from chain_workspace_new_statement() (or one
 *   signed already by other officers); signed here by the unlocked officer
 *   unless it signed already.
 * @out_seq: (out) (optional): the new record's sequence number.
 * @error: CHAIN_ERROR_VERIFY "record SEQ (TYPE): rule ...: ..." when the
 *   rules refuse it, CHAIN_ERROR_PASSPHRASE when locked, CHAIN_ERROR_IO.
 *
 * Judges @statement with the rule engine at the tip, appends it (the
 * commit signed by the unlocked officer), applies it to the state and
 * moves the pin. A refused statement writes nothing.
 *
 * Returns: %TRUE when the record was appended.
 */
gboolean chain_workspace_commit (ChainWorkspace *self,
                                 ChainStatement *statement,
                                 guint64        *out_seq,
                                 GCancellable   *cancellable,
                                 GError        **error);

/**
 * chain_workspace_get_signer:
 * @self: a joined workspace, unlocked.
 * @out_officer: (out) (transfer none): the unlocked officer's certificate,
 *   the commit signer the rules judge.
 * @error: CHAIN_ERROR_PASSPHRASE when locked, CHAIN_ERROR_VERIFY when the
 *   officer is not enrolled.
 *
 * For chain-workspace-sync.c, which appends statements as they are (signed
 * already, never signed again) to a ledger other than the workspace's.
 *
 * Returns: (transfer none) (nullable): the signer of commits.
 */
ChainLedgerSigner *chain_workspace_get_signer (ChainWorkspace *self,
                                               ChainCert     **out_officer,
                                               GError        **error);

/**
 * chain_workspace_check:
 * As chain_workspace_commit() without writing: signs a copy-free dry run
 * of @statement against the state. @statement must be signed already.
 */
gboolean chain_workspace_check (ChainWorkspace *self,
                                ChainStatement *statement,
                                GError        **error);

/**
 * chain_workspace_sign:
 * Adds the unlocked officer's signature to @statement.
 */
gboolean chain_workspace_sign (ChainWorkspace *self,
                               ChainStatement *statement,
                               GError        **error);

/**
 * chain_workspace_get_issuer:
 * @self: a joined workspace unlocked with its CA key.
 * @error: CHAIN_ERROR_PASSPHRASE (CA key locked), CHAIN_ERROR_NOT_FOUND
 *   (this custodian has no CA yet), CHAIN_ERROR_VERIFY.
 *
 * Returns: (transfer none) (nullable): an issuer for this custodian's
 * current CA, made once and kept; safe to use from several threads.
 */
ChainIssuer *chain_workspace_get_issuer (ChainWorkspace *self,
                                         GError        **error);

/** Returns: (transfer none) (nullable): the unlocked officer's key. */
ChainKey *chain_workspace_officer_key (ChainWorkspace *self);

/* Forgets the ledger and state (after a failed accept). */
void chain_workspace_detach_ledger (ChainWorkspace *self);

/** Returns: (transfer none) (nullable): the unlocked CA key. */
ChainKey *chain_workspace_get_ca_key (ChainWorkspace *self);

/** Returns: (transfer full): DIR/NAME. */
char *chain_workspace_build_path (const ChainWorkspace *self,
                                  const char           *name);

/* The CA of the custodian above @ca in the state, or NULL for the root;
 * and @ca's ancestors (issuer first, root last). transfer full. */
GPtrArray *chain_workspace_ancestors_of (const ChainWorkspace *self,
                                         ChainCert            *ca);

/* Internal to chain-workspace.c and chain-delegation.c: writing the
 * workspace file after accepting a grant, and the cert files. */
gboolean chain_workspace_set_joined (ChainWorkspace *self,
                                     const char     *ledger_id,
                                     ChainCert      *ca,
                                     GError        **error);
gboolean chain_workspace_write_certs (ChainWorkspace *self,
                                      GError        **error);
gboolean chain_workspace_attach_ledger (ChainWorkspace *self,
                                        GCancellable   *cancellable,
                                        GError        **error);
/* chain-workspace-sync.c: after our main moved to a tip that does not
 * descend from the old one (our records re-appended on another), takes
 * @state (transfer full, nullable: the state an audit of main's first
 * records left) and replays the rest, or replays from the genesis;
 * chain_workspace_get_ledger() stays the same object. Then
 * chain_workspace_refresh() checks and writes the pin. */
gboolean chain_workspace_reload (ChainWorkspace   *self,
                                 ChainLedgerState *state,
                                 GCancellable     *cancellable,
                                 GError          **error);
ChainKey *chain_workspace_load_key (const ChainWorkspace *self,
                                    const char           *file,
                                    const ChainSecret    *passphrase,
                                    GError              **error);

/* Making a workspace (chain-workspace.c; chain-delegation.c makes the
 * child's). */

/* Makes DIR (if missing), private/ (0700) and certs/ for a new workspace;
 * CHAIN_ERROR_EXISTS when DIR holds a workspace or a part of one. */
gboolean chain_workspace_make_layout (const char *dir,
                                      gboolean   *out_made_dir,
                                      GError    **error);
/* Undoes chain_workspace_make_layout() and whatever was written since. */
void chain_workspace_remove_layout (const char *dir,
                                    gboolean    made_dir);
/* Checks @options and gives the custodian id (given or from the org). */
gboolean chain_workspace_resolve_identity (const ChainWorkspaceOptions *options,
                                           char                       **out_id,
                                           GError                     **error);
/* Lower-case letters, digits and '-' from @org. transfer full. */
char *chain_workspace_id_from_org (const char *org);
/* "CN=ORG CA,O=ORG", or "CN=ORG CA,OU=ORG,UNDER" inside a parent's
 * namespace @under (RFC 4514). transfer full. */
char *chain_workspace_ca_subject (const char *org,
                                  const char *under);
/* A workspace object for @dir with new CA and officer keys, saved under
 * private/ and unlocked. transfer full. */
ChainWorkspace *chain_workspace_create_keys (const char                  *dir,
                                             const ChainWorkspaceOptions *options,
                                             const char                  *id,
                                             const char                  *tier,
                                             GError                     **error);
/* Writes workspace.json. */
gboolean chain_workspace_save (ChainWorkspace *self,
                               GError        **error);
/* Officer certificates run 825 days from now, clipped to @ca. */
void chain_workspace_officer_validity (ChainCert         *ca,
                                       ChainIssueOptions *options);
/* Takes @officer as the unlocked officer's certificate once enrolled. */
gboolean chain_workspace_enrol_unlocked (ChainWorkspace *self,
                                         ChainCert      *officer,
                                         GError        **error);

/* chain-request-file.c: a request file's bytes, signed by @officer_key. */
GBytes *chain_request_file_build (const char     *id,
                                  const char     *org,
                                  const char     *tier,
                                  const ChainCsr *ca_csr,
                                  const ChainCsr *officer_csr,
                                  ChainKey       *ca_key,
                                  ChainKey       *officer_key,
                                  GError        **error);
/* chain-request-file.c: where the request says its CA and officer keys live. */
void chain_request_file_get_key_stores (const ChainRequestFile *self,
                                        ChainKeyStore          *out_ca,
                                        ChainKeyStore          *out_officer);
/* A failed init or request: destroys the keys this process generated in a
 * token for the new workspace, so no orphan stays there. */
void chain_workspace_discard_keys (ChainWorkspace *self);
/* Sets body.key_stores {"ca", "officer"} when either key is not a file. */
void chain_workspace_set_key_stores (ChainJson     *body,
                                     ChainKeyStore  ca,
                                     ChainKeyStore  officer);
/* Sets body.tpm_evidence {"ca", "officer"}: the TPM's certification of each
 * key it generated (chain-tpm2-evidence-private.h); absent when none. */
void chain_workspace_set_tpm_evidence (ChainJson *body,
                                       ChainKey  *ca,
                                       ChainKey  *officer);

G_END_DECLS
