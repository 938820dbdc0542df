/* chain-ledger-state-private.h — the state behind chain-ledger-state.h
 *
 * chain-ledger-state.c keeps the state and answers questions about it;
 * chain-ledger-rules.c judges records and changes it. Never installed.
 */
#pragma once

#include "chain-ledger-state.h"
#include "chain-serial-set-private.h"

G_BEGIN_DECLS

typedef struct _ChainLedgerCa ChainLedgerCa;
typedef struct _ChainLedgerOfficer ChainLedgerOfficer;

/* One CA certificate the ledger knows. */
struct _ChainLedgerCa {
  guint           index;            /* in state->cas; what serials map to */
  ChainCert      *cert;
  char           *thumbprint;       /* lower-case hex SHA-256 of the DER */
  ChainCustodian *owner;
  ChainLedgerCa  *issuer;           /* NULL for the root */
  gboolean        revoked;
  gboolean        retired;          /* replaced by a key rotation */
  guint64         n_devices;
  GPtrArray      *revoked_serials;  /* char *: lower-case hex, in order */
  guint64         crl_number;       /* of the last CRL recorded, 0 if none */
};

struct _ChainLedgerOfficer {
  char           *key_id;
  ChainCert      *cert;
  ChainCustodian *owner;
  ChainLedgerCa  *issuer;
  gboolean        revoked;
};

struct _ChainCustodian {
  char               *id;
  char               *name;
  char               *tier;
  ChainCustodian     *parent;        /* NULL for the root custodian */
  GPtrArray          *cas;           /* ChainLedgerCa *, owned by the state */
  GPtrArray          *officers;      /* ChainLedgerOfficer *, owned by the state */
  gboolean            accepted;
  char               *delegation_id; /* the statement that created it */
  ChainLedgerRequest *request;
  guint64             n_devices;
};

struct _ChainLedgerRequest {
  char               *id;
  guint64             seq;
  char               *custodian_id;
  char               *name;
  char               *tier;
  ChainCustodian     *parent;
  ChainCsr           *ca_csr;
  ChainCsr           *officer_csr;
  GPtrArray          *approvals;     /* char *: distinct key ids */
  ChainRequestStatus  status;
};

struct _ChainLedgerExport {
  guint64    seq;
  char      *id;
  char      *author;
  char      *target;
  char      *ca;
  ChainJson *files;
};

/* What a statement id was, for records that name another. */
typedef struct {
  ChainRecordType type;
  guint64         seq;
} ChainLedgerSeen;

/* A serial's value in the set: the issuing CA's index and a revoked bit. */
#define CHAIN_LEDGER_SERIAL_REVOKED 0x40000000u
#define CHAIN_LEDGER_SERIAL_CA_MASK 0x3fffffffu

struct _ChainLedgerState {
  char           *ledger_id;
  guint64         n_records;
  ChainPolicy    *policy;
  char           *policy_digest;
  GHashTable     *policy_history;     /* digest -> ChainLedgerSeen * */

  GPtrArray      *custodians;         /* ChainCustodian *, owned */
  GHashTable     *custodians_by_id;
  GPtrArray      *cas;                /* ChainLedgerCa *, owned */
  GHashTable     *cas_by_thumbprint;
  GPtrArray      *officers;           /* ChainLedgerOfficer *, owned */
  GHashTable     *officers_by_key_id;

  GHashTable     *seen;               /* statement id -> ChainLedgerSeen * */
  GPtrArray      *requests;           /* ChainLedgerRequest *, owned */
  GHashTable     *requests_by_id;
  GHashTable     *delegations;        /* delegation id -> ChainCustodian * */

  ChainSerialSet *serials;
  guint64         n_revoked;
  /* Serials of CA and officer certificates, whose revocation changes
   * who may act: ChainSerialKey * -> ChainLedgerCa * or ChainLedgerOfficer * */
  GHashTable     *ca_serials;
  GHashTable     *officer_serials;

  GPtrArray      *exports;            /* ChainLedgerExport *, owned */
};

/* chain-ledger-state.c */
ChainLedgerCa      *chain_ledger_ca_new          (ChainCert *cert);
void                chain_ledger_ca_free         (ChainLedgerCa *ca);
ChainLedgerOfficer *chain_ledger_officer_new     (ChainCert *cert);
void                chain_ledger_officer_free    (ChainLedgerOfficer *officer);
ChainCustodian     *chain_custodian_new          (const char *id,
                                                  const char *name,
                                                  const char *tier);
void                chain_custodian_free         (ChainCustodian *custodian);
void                chain_ledger_request_free    (ChainLedgerRequest *request);
void                chain_ledger_export_free     (ChainLedgerExport *export);

/** Returns: whether @ca or a CA above it was revoked. */
gboolean            chain_ledger_ca_is_revoked   (const ChainLedgerCa *ca);
/** Returns: whether @officer, its CA or a CA above was revoked. */
gboolean            chain_ledger_officer_is_revoked (const ChainLedgerOfficer *officer);
/** Returns: (transfer container) (element-type ChainLedgerCa): @ca, its issuer, ... the root. */
GPtrArray          *chain_ledger_ca_get_chain    (ChainLedgerCa *ca);

/** Adds @ca (transfer full) to the state and its owner; sets ca->index. */
void                chain_ledger_state_add_ca    (ChainLedgerState *self,
                                                  ChainLedgerCa    *ca);
/** Adds @officer (transfer full) to the state and its owner. */
void                chain_ledger_state_add_officer (ChainLedgerState   *self,
                                                    ChainLedgerOfficer *officer);
/** Adds @custodian (transfer full). */
void                chain_ledger_state_add_custodian (ChainLedgerState *self,
                                                      ChainCustodian   *custodian);

/** Returns: (transfer full): lower-case hex SHA-256 of @cert's DER. */
char               *chain_ledger_cert_thumbprint (const ChainCert *cert);
/** Sets @out_key from @cert's serial; FALSE for a negative or absent serial. */
gboolean            chain_ledger_cert_serial_key (const ChainCert *cert,
                                                  ChainSerialKey  *out_key);

/* ---- Judging once ------------------------------------------------------
 * chain_ledger_state_check() followed, after the append, by
 * chain_ledger_state_apply() runs every rule twice. A verdict keeps what a
 * passing check staged, so an appender judges once: judge in the append's
 * check callback, then commit the verdict once the record has landed. It
 * is valid only while the state is unchanged since it was given.
 */
typedef struct _ChainLedgerVerdict ChainLedgerVerdict;

/* Returns: (transfer full) (nullable): the verdict, or NULL with @error as
 * chain_ledger_state_check() sets it. */
ChainLedgerVerdict *chain_ledger_state_judge (ChainLedgerState         *self,
                                              const ChainLedgerRecord  *record,
                                              GError                  **error);
/* Applies what @verdict staged to the state it was judged on; the state
 * must still hold exactly the records it held then. Call once. */
void chain_ledger_state_commit_verdict (ChainLedgerVerdict *verdict);
void chain_ledger_verdict_free (ChainLedgerVerdict *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainLedgerVerdict, chain_ledger_verdict_free)

G_END_DECLS
