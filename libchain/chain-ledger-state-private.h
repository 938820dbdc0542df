/* chain-ledger-state-private.h — the state behind chain-ledger-state.h
 *
 * chain-ledger-state.c keeps the state and answers questions about it;
 * chain-ledger-rules.c judges records and changes it. Never installed.
 */
#pragma once

#include "chain-crl.h"
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
  guint64         revoked_seq;      /* the revocation record, when revoked */
  gint64          revoked_time;     /* its statement time */
  ChainRevocationReason revoked_reason;
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
  guint64             n_revoked_devices; /* revoked one by one, not with a CA */
  /* Device quotas (chain-ledger-quota.c): the quota in force, 0 for none,
   * and the devices it counts: this custodian's and every descendant's. */
  guint64             max_devices;
  guint64             n_devices_below;
};

/* A quota record: in force once enough officer keys of its author signed
 * or approved it (the policy's delegation threshold). */
struct _ChainLedgerQuota {
  char               *id;
  guint64             seq;
  ChainCustodian     *author;
  ChainCustodian     *custodian;
  guint64             max_devices;
  GPtrArray          *approvals;     /* char *: distinct key ids, signers first */
  ChainQuotaStatus    status;
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
  gint64          last_commit_time;   /* the tip's append time; 0 before genesis */
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

  /* Every device id a batch issued, with its latest certificate: the
   * device id key (chain_ledger_device_id_key()) -> the batch record that
   * issued it (so a lookup reads one batch); device_serial_entries[i] is
   * the serial entry (chain_serial_set_find_entry() of serials) of the
   * certificate of device entry i, 4 bytes instead of its 16-byte serial.
   * A new batch may reuse an id only once that certificate is revoked.
   * About 30 bytes a device, with the serials' 26. */
  ChainSerialSet *device_ids;
  guint32        *device_serial_entries;
  guint32         n_device_serials;
  guint32         device_serials_size;  /* allocated */

  GPtrArray      *exports;            /* ChainLedgerExport *, owned */

  GPtrArray      *quotas;             /* ChainLedgerQuota *, owned, in order */
  GHashTable     *quotas_by_id;
  /* The quota the record applied last went beyond (a finding the auditor
   * reports, quota.exceeded), NULL if none. */
  char           *quota_finding;

  /* Records below this were verified in full before (see
   * chain_ledger_state_set_verified_length()). */
  guint64         verified_length;
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
void                chain_ledger_quota_free      (ChainLedgerQuota *quota);
/** Adds @quota (transfer full). */
void                chain_ledger_state_add_quota (ChainLedgerState *self,
                                                  ChainLedgerQuota *quota);
/** Returns: (transfer none) (nullable): what the record applied last went
 * beyond its quota by, in words: the auditor's quota.exceeded finding. */
const char         *chain_ledger_state_get_quota_finding (const ChainLedgerState *self);

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

/* The CAs the ledger knows, in the order recorded; (transfer none) each. */
guint               chain_ledger_state_get_n_cas (const ChainLedgerState *self);
ChainLedgerCa      *chain_ledger_state_get_ca    (const ChainLedgerState *self,
                                                  guint                   index);
/** Returns: (transfer none) (nullable): the CA whose certificate's SHA-256
 *  is @thumbprint (lower-case hex). */
ChainLedgerCa      *chain_ledger_state_find_ca   (const ChainLedgerState *self,
                                                  const char             *thumbprint);
/** Returns: (transfer none) (nullable): the CA whose certificate has the
 *  serial @key. */
ChainLedgerCa      *chain_ledger_state_find_ca_by_serial (const ChainLedgerState *self,
                                                          const ChainSerialKey   *key);

/** Sets @out_key from @cert's serial; FALSE for a negative or absent serial. */
gboolean            chain_ledger_cert_serial_key (const ChainCert *cert,
                                                  ChainSerialKey  *out_key);

/* ---- Device ids ----------------------------------------------------------
 * A device id's certificate is in force until it or a CA above it is
 * revoked; until then no new certificate may carry that id, since both
 * would authenticate as the device. */

/** Sets @out_key to the first 16 bytes of SHA-256 of device id @id. */
void     chain_ledger_device_id_key           (const char           *id,
                                               ChainSerialKey       *out_key);
/**
 * chain_ledger_state_find_device:
 * @id_key: from chain_ledger_device_id_key().
 * @out_serial: (out) (optional): set, if found, to the serial key of the
 *   device's latest certificate.
 *
 * Returns: whether a device batch issued that id.
 */
gboolean chain_ledger_state_find_device       (const ChainLedgerState *self,
                                               const ChainSerialKey   *id_key,
                                               ChainSerialKey         *out_serial);
/**
 * chain_ledger_state_serial_in_force:
 * @out_issuer: (out) (optional) (transfer none): set, if the ledger issued
 *   @serial, to the CA that did.
 *
 * Returns: whether the ledger issued @serial and neither it nor a CA
 * above its issuer was revoked.
 */
gboolean chain_ledger_state_serial_in_force   (const ChainLedgerState *self,
                                               const ChainSerialKey   *serial,
                                               ChainLedgerCa         **out_issuer);
/**
 * chain_ledger_state_find_device_batch:
 * @id_key: from chain_ledger_device_id_key().
 * @out_seq: (out): set, if found, to the sequence number of the device
 *   batch that issued the id's latest certificate.
 *
 * Returns: whether a device batch issued that id.
 */
gboolean chain_ledger_state_find_device_batch (const ChainLedgerState *self,
                                               const ChainSerialKey   *id_key,
                                               guint64                *out_seq);
/** Records @serial, which the state's serials must already hold, as the
 * latest certificate of device @id_key, issued by the record being applied
 * (seq: the state's n_records). */
void     chain_ledger_state_set_device        (ChainLedgerState     *self,
                                               const ChainSerialKey *id_key,
                                               const ChainSerialKey *serial);
/** Returns: how many device ids @self knows. */
gsize    chain_ledger_state_get_n_device_ids  (const ChainLedgerState *self);
/** Returns: the bytes @self allocated to map device ids to serials. */
gsize    chain_ledger_state_get_device_memory (const ChainLedgerState *self);

/* chain-ledger-issuance.c */
/**
 * chain_ledger_state_check_device_id:
 * @id: a device id, for the message.
 * @id_key: its key, from chain_ledger_device_id_key().
 *
 * What rule batch.device-id-reused checks, for an issuer to ask before it
 * signs anything.
 *
 * Returns: %FALSE, with %CHAIN_ERROR_REFUSED and a message naming @id and
 * the serial in force, if a certificate for @id is in force.
 */
gboolean chain_ledger_state_check_device_id   (const ChainLedgerState *self,
                                               const char             *id,
                                               const ChainSerialKey   *id_key,
                                               GError                **error);

/* Records 0 .. @n_records-1 were verified in full before: they lead to a
 * pinned tip, which a workspace moves only past records its rules or its
 * audit accepted, and their commit ids fix their content. Replaying them
 * skips what only judges and cannot change the state: the per-certificate
 * checks of device batches (their parse and signature check cost most of a
 * replay). 0, the default, checks everything. */
void chain_ledger_state_set_verified_length (ChainLedgerState *self,
                                             guint64           n_records);

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
/* Sets the tip's append time to @commit_time, the landed commit's, once a
 * verdict judged before the commit existed was committed. */
void chain_ledger_state_set_last_commit_time (ChainLedgerState *self,
                                              gint64            commit_time);
void chain_ledger_verdict_free (ChainLedgerVerdict *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainLedgerVerdict, chain_ledger_verdict_free)

G_END_DECLS
