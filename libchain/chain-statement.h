/* chain-statement.h — ledger statements: what happened, signed by its author
 *
 * A statement is the part of a ledger record its author signs: the record
 * type, the author custodian, the ledger and policy it was made under, a
 * time, a random id, a type-specific body and the digests of the artifacts
 * (certificates, CSRs, CRLs, manifests) it adds. Its bytes are
 * statement.json (canonical JSON); its signatures, DSSE over those exact
 * bytes, are signatures.json. docs/ledger-format.md is the contract.
 *
 * A statement carries no sequence number or parent, so a signed statement
 * survives being re-appended on a newer ledger tip.
 *
 * Life cycle: chain_statement_new() makes an open statement; add artifacts,
 * then sign. The first signature (or chain_statement_seal()) seals it: its
 * content can no longer change, only more signatures can be added.
 * chain_statement_parse() returns a sealed statement. A ChainStatement is
 * reference counted; it is not safe to change from several threads.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

#include "chain-cert.h"
#include "chain-json.h"
#include "chain-key.h"

G_BEGIN_DECLS

/** The format version written and accepted. */
#define CHAIN_STATEMENT_VERSION 1

/** Largest statement.json accepted. */
#define CHAIN_STATEMENT_MAX_LEN (1024 * 1024)

/** Largest signatures.json accepted. */
#define CHAIN_STATEMENT_SIGNATURES_MAX_LEN (64 * 1024)

/** Most signatures one statement carries. */
#define CHAIN_STATEMENT_MAX_SIGNATURES 16

/** Most artifacts one statement adds. */
#define CHAIN_STATEMENT_MAX_ARTIFACTS 256

/** Largest artifact accepted: a device batch's certificates stay below. */
#define CHAIN_STATEMENT_ARTIFACT_MAX_LEN G_GINT64_CONSTANT (1073741824)

/** The DSSE payload type every statement signature covers. */
#define CHAIN_STATEMENT_PAYLOAD_TYPE "application/vnd.libchain.statement+json"

/**
 * ChainRecordType:
 *
 * What a record says happened; the string forms are the "type" field of
 * statement.json and the end of the record's directory name.
 */
typedef enum {
  CHAIN_RECORD_TYPE_INVALID = 0,
  CHAIN_RECORD_TYPE_GENESIS,
  CHAIN_RECORD_TYPE_POLICY,
  CHAIN_RECORD_TYPE_OFFICER,
  CHAIN_RECORD_TYPE_DELEGATION_REQUEST,
  CHAIN_RECORD_TYPE_APPROVAL,
  CHAIN_RECORD_TYPE_DELEGATION,
  CHAIN_RECORD_TYPE_ACCEPTANCE,
  CHAIN_RECORD_TYPE_DEVICE_BATCH,
  CHAIN_RECORD_TYPE_POP,
  CHAIN_RECORD_TYPE_EXPORT,
  CHAIN_RECORD_TYPE_REVOCATION,
  CHAIN_RECORD_TYPE_KEY_ROTATION,
  CHAIN_RECORD_TYPE_ANNOTATION,
  CHAIN_RECORD_TYPE_QUOTA,
} ChainRecordType;

/** The most bytes of UTF-8 text an annotation record's note may hold (at
 * least one). */
#define CHAIN_ANNOTATION_MAX_SIZE 4096

/** The accepted names, for error messages and --help. */
#define CHAIN_RECORD_TYPE_NAMES \
  "genesis, policy, officer, delegation-request, approval, delegation, acceptance, " \
  "device-batch, pop, export, revocation, key-rotation, annotation, quota"

/** Returns: (transfer none): e.g. "device-batch"; "invalid" for an unknown value. */
CHAIN_PUBLIC
const char *chain_record_type_to_string (ChainRecordType type);

/**
 * chain_record_type_from_string:
 * @name: one of %CHAIN_RECORD_TYPE_NAMES.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the accepted types.
 *
 * Returns: the type, or %CHAIN_RECORD_TYPE_INVALID on error.
 */
CHAIN_PUBLIC
ChainRecordType chain_record_type_from_string (const char *name,
                                               GError    **error);

/**
 * chain_statement_new_id:
 *
 * A fresh random 128-bit identifier as 32 lower-case hex digits, the form
 * of statement ids and ledger ids.
 *
 * Returns: (transfer full): the id; g_free() it.
 */
CHAIN_PUBLIC
char *chain_statement_new_id (void);

/**
 * chain_statement_check_custodian_id:
 * @id: a custodian id.
 * @error: CHAIN_ERROR_INVALID_INPUT saying what is wrong.
 *
 * Custodian ids are 1 to 64 characters from [a-z0-9._-], starting with a
 * letter or digit ("oem", "cm-widget").
 *
 * Returns: %TRUE if @id is well formed.
 */
CHAIN_PUBLIC
gboolean chain_statement_check_custodian_id (const char *id,
                                             GError    **error);

/**
 * chain_statement_check_artifact_name:
 * @name: an artifact's file name.
 * @error: CHAIN_ERROR_INVALID_INPUT saying what is wrong.
 *
 * Artifact names are 1 to 64 characters from [a-z0-9._-] and do not start
 * with '.', so every name is a plain file name git accepts on every system.
 *
 * Returns: %TRUE if @name is well formed.
 */
CHAIN_PUBLIC
gboolean chain_statement_check_artifact_name (const char *name,
                                              GError    **error);

typedef struct _ChainStatement ChainStatement;

/* ---- Building ----------------------------------------------------------- */

/**
 * chain_statement_new:
 * @type: the record type.
 * @author: the author's custodian id (chain_statement_check_custodian_id()).
 * @ledger_id: the ledger's id: 32 lower-case hex digits.
 * @policy_digest: lower-case hex SHA-256 of the canonical policy in force.
 * @time: Unix seconds, 0 to %CHAIN_JSON_INTEGER_MAX.
 * @body: an object; the statement takes a reference. It becomes
 *   read-only when the statement is sealed; do not change it after this call.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the field that is malformed.
 *
 * Makes an open statement with a fresh random id.
 *
 * Returns: (transfer full) (nullable): the statement, or %NULL on error.
 */
CHAIN_PUBLIC
ChainStatement *chain_statement_new (ChainRecordType  type,
                                     const char      *author,
                                     const char      *ledger_id,
                                     const char      *policy_digest,
                                     gint64           time,
                                     ChainJson       *body,
                                     GError         **error);

/**
 * chain_statement_add_artifact:
 * @self: an open statement (not yet signed).
 * @name: the file name under artifacts/ (chain_statement_check_artifact_name()).
 * @data: the content; the statement keeps a reference.
 * @error: CHAIN_ERROR_INVALID_INPUT (bad name, over
 *   %CHAIN_STATEMENT_ARTIFACT_MAX_LEN, more than
 *   %CHAIN_STATEMENT_MAX_ARTIFACTS), CHAIN_ERROR_EXISTS (name taken),
 *   CHAIN_ERROR_REFUSED (@data holds a PEM private key).
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_statement_add_artifact (ChainStatement *self,
                                       const char     *name,
                                       GBytes         *data,
                                       GError        **error);

/**
 * chain_statement_attach_artifact:
 * @self: a statement listing artifact @name, e.g. a parsed one.
 * @name: the artifact.
 * @data: its content; the statement keeps a reference.
 * @error: CHAIN_ERROR_NOT_FOUND (@self lists no such artifact),
 *   CHAIN_ERROR_VERIFY (@data does not match the listed size and digest).
 *
 * Supplies the bytes of an artifact a signed statement lists, so a
 * statement received from elsewhere can be appended.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_statement_attach_artifact (ChainStatement *self,
                                          const char     *name,
                                          GBytes         *data,
                                          GError        **error);

/**
 * chain_statement_sign:
 * @self: the statement; sealed by this call.
 * @key: an officer's private key (ECDSA P-256/P-384 or RSA).
 * @error: CHAIN_ERROR_EXISTS (@key has signed already),
 *   CHAIN_ERROR_INVALID_INPUT (already %CHAIN_STATEMENT_MAX_SIGNATURES),
 *   CHAIN_ERROR_FAILED (OpenSSL).
 *
 * Adds a DSSE signature by @key over statement.json: ECDSA with SHA-256
 * (P-256) or SHA-384 (P-384), DER-encoded; RSA PKCS#1 v1.5 with SHA-256.
 * The first signature is the author's.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_statement_sign (ChainStatement *self,
                               ChainKey       *key,
                               GError        **error);

/* ---- Parsing and bytes --------------------------------------------------- */

/**
 * chain_statement_parse:
 * @statement_json: statement.json, at most %CHAIN_STATEMENT_MAX_LEN bytes.
 * @signatures_json: signatures.json, at most
 *   %CHAIN_STATEMENT_SIGNATURES_MAX_LEN bytes.
 * @error: CHAIN_ERROR_INVALID_INPUT naming the file, the field and the
 *   fault: not canonical JSON, a missing, unknown or malformed field, an
 *   unknown version or type, no signature or more than
 *   %CHAIN_STATEMENT_MAX_SIGNATURES, one key signing twice.
 *
 * Parses strictly; signatures are not verified (that needs the officers'
 * certificates: chain_statement_verify_signature()). Artifact contents are
 * not attached.
 *
 * Returns: (transfer full) (nullable): a sealed statement, or %NULL.
 */
CHAIN_PUBLIC
ChainStatement *chain_statement_parse (GBytes  *statement_json,
                                       GBytes  *signatures_json,
                                       GError **error);

/**
 * chain_statement_seal:
 * @self: a statement.
 *
 * Fixes its content: statement.json is serialised once, and from then on
 * only signatures can be added. Signing seals too, and a parsed statement
 * is sealed already; sealing a sealed statement does nothing.
 */
CHAIN_PUBLIC
void chain_statement_seal (ChainStatement *self);

/**
 * chain_statement_dup_bytes:
 * @self: a sealed statement (chain_statement_seal()).
 *
 * Returns: (transfer full): statement.json, canonical.
 */
CHAIN_PUBLIC
GBytes *chain_statement_dup_bytes (const ChainStatement *self);

/**
 * chain_statement_dup_signatures_bytes:
 *
 * Returns: (transfer full): signatures.json, canonical ("[]" if unsigned).
 */
CHAIN_PUBLIC
GBytes *chain_statement_dup_signatures_bytes (ChainStatement *self);

/**
 * chain_statement_dup_digest:
 * @self: a sealed statement (chain_statement_seal()).
 *
 * Returns: (transfer full): lower-case hex SHA-256 of statement.json.
 */
CHAIN_PUBLIC
char *chain_statement_dup_digest (const ChainStatement *self);

/* ---- Verifying ----------------------------------------------------------- */

/**
 * chain_statement_verify_signature:
 * @self: a statement.
 * @index: which signature, below chain_statement_get_signature_count().
 * @officer: the certificate of the officer whose key id signature @index
 *   names.
 * @error: CHAIN_ERROR_VERIFY: @officer is not an officer certificate, its
 *   key is not the one the signature names, or the signature does not
 *   match statement.json.
 *
 * Checks the signature only, not @officer's chain or validity, which the
 * caller judges at the statement's time.
 *
 * Returns: %TRUE if signature @index is @officer's over these bytes.
 */
CHAIN_PUBLIC
gboolean chain_statement_verify_signature (ChainStatement  *self,
                                           guint            index,
                                           const ChainCert *officer,
                                           GError         **error);

/* ---- Reading -------------------------------------------------------------
 * Strings and values returned (transfer none) live as long as @self.
 */

CHAIN_PUBLIC
ChainRecordType chain_statement_get_record_type (const ChainStatement *self);

/** Returns: (transfer none): the type as in statement.json. */
CHAIN_PUBLIC
const char *chain_statement_get_type_name (const ChainStatement *self);

/** Returns: (transfer none): the author's custodian id. */
CHAIN_PUBLIC
const char *chain_statement_get_author (const ChainStatement *self);

/** Returns: (transfer none): 32 hex digits, unique within a ledger. */
CHAIN_PUBLIC
const char *chain_statement_get_id (const ChainStatement *self);

/** Returns: (transfer none): the ledger id. */
CHAIN_PUBLIC
const char *chain_statement_get_ledger_id (const ChainStatement *self);

/** Returns: (transfer none): the digest of the policy in force. */
CHAIN_PUBLIC
const char *chain_statement_get_policy_digest (const ChainStatement *self);

/** Returns: Unix seconds. */
CHAIN_PUBLIC
gint64 chain_statement_get_time (const ChainStatement *self);

/** Returns: (transfer none): the body, an object. */
CHAIN_PUBLIC
ChainJson *chain_statement_get_body (const ChainStatement *self);

/**
 * chain_statement_get_artifact_names:
 *
 * Returns: (transfer container): the names in byte order, NULL-terminated;
 *   g_free() the array only.
 */
CHAIN_PUBLIC
const char **chain_statement_get_artifact_names (const ChainStatement *self);

/** Returns: the number of artifacts. */
CHAIN_PUBLIC
guint chain_statement_get_artifact_count (const ChainStatement *self);

/**
 * chain_statement_get_artifact:
 * @self: a statement.
 * @name: an artifact name.
 * @out_sha256: (out) (optional) (transfer none): lower-case hex SHA-256.
 * @out_size: (out) (optional): its size in bytes.
 * @out_data: (out) (optional) (transfer none) (nullable): its content if
 *   added or attached, else %NULL.
 *
 * Returns: %TRUE if @self lists @name; the outs are set only then.
 */
CHAIN_PUBLIC
gboolean chain_statement_get_artifact (const ChainStatement *self,
                                       const char           *name,
                                       const char          **out_sha256,
                                       gint64               *out_size,
                                       GBytes              **out_data);

/** Returns: the number of signatures. */
CHAIN_PUBLIC
guint chain_statement_get_signature_count (const ChainStatement *self);

/** Returns: (transfer none): the key id of signature @index (hex SHA-256 of the SubjectPublicKeyInfo). */
CHAIN_PUBLIC
const char *chain_statement_get_signature_key_id (const ChainStatement *self,
                                                  guint                 index);

/** Returns: whether @self is sealed (signed, parsed or chain_statement_seal()). */
CHAIN_PUBLIC
gboolean chain_statement_is_sealed (const ChainStatement *self);

/** Returns: (transfer full): @self with one more reference. */
CHAIN_PUBLIC
ChainStatement *chain_statement_ref (ChainStatement *self);

/** chain_statement_unref: drops a reference; NULL-safe. */
CHAIN_PUBLIC
void chain_statement_unref (ChainStatement *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainStatement, chain_statement_unref)

G_END_DECLS
