/* chain-ledger-state.c — the state a ledger's records add up to
 *
 * This file holds the state and answers questions about it (what the GUI
 * shows as the custody tree, what the auditor reports); the rules that
 * change it are in chain-ledger-rules.c.
 */
#include "chain-ledger-state-private.h"
#include "chain-pki-private.h"

#include <string.h>
#include <openssl/sha.h>

/* Slots the device serials start with, and grow by half from. */
#define DEVICE_SERIALS_INITIAL 1024

/* ---- Pieces -------------------------------------------------------------- */

gboolean
chain_ledger_cert_serial_key (const ChainCert *cert,
                              ChainSerialKey  *out_key)
{
  const ASN1_INTEGER *serial = X509_get0_serialNumber (chain_cert_get_x509 (cert));
  int len = ASN1_STRING_length (serial);

  if (len <= 0 || ASN1_STRING_type (serial) == V_ASN1_NEG_INTEGER)
    return FALSE;
  chain_serial_key_from_bytes (ASN1_STRING_get0_data (serial), (gsize) len, out_key);
  return TRUE;
}

ChainLedgerCa *
chain_ledger_ca_new (ChainCert *cert)
{
  ChainLedgerCa *ca = g_new0 (ChainLedgerCa, 1);

  ca->cert = chain_cert_copy (cert);
  ca->thumbprint = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA256);
  ca->revoked_serials = g_ptr_array_new_with_free_func (g_free);
  return ca;
}

void
chain_ledger_ca_free (ChainLedgerCa *ca)
{
  if (ca == NULL)
    return;
  chain_cert_free (ca->cert);
  g_free (ca->thumbprint);
  g_ptr_array_unref (ca->revoked_serials);
  g_free (ca);
}

ChainLedgerOfficer *
chain_ledger_officer_new (ChainCert *cert)
{
  ChainLedgerOfficer *officer = g_new0 (ChainLedgerOfficer, 1);

  officer->cert = chain_cert_copy (cert);
  officer->key_id = chain_cert_dup_public_key_sha256 (cert);
  return officer;
}

void
chain_ledger_officer_free (ChainLedgerOfficer *officer)
{
  if (officer == NULL)
    return;
  chain_cert_free (officer->cert);
  g_free (officer->key_id);
  g_free (officer);
}

ChainCustodian *
chain_custodian_new (const char *id,
                     const char *name,
                     const char *tier)
{
  ChainCustodian *custodian = g_new0 (ChainCustodian, 1);

  custodian->id = g_strdup (id);
  custodian->name = g_strdup (name);
  custodian->tier = g_strdup (tier);
  custodian->cas = g_ptr_array_new ();
  custodian->officers = g_ptr_array_new ();
  return custodian;
}

void
chain_custodian_free (ChainCustodian *custodian)
{
  if (custodian == NULL)
    return;
  g_free (custodian->id);
  g_free (custodian->name);
  g_free (custodian->tier);
  g_ptr_array_unref (custodian->cas);
  g_ptr_array_unref (custodian->officers);
  g_free (custodian->delegation_id);
  g_free (custodian);
}

void
chain_ledger_request_free (ChainLedgerRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->id);
  g_free (request->custodian_id);
  g_free (request->name);
  g_free (request->tier);
  chain_csr_free (request->ca_csr);
  chain_csr_free (request->officer_csr);
  g_ptr_array_unref (request->approvals);
  g_free (request);
}

void
chain_ledger_export_free (ChainLedgerExport *export)
{
  if (export == NULL)
    return;
  g_free (export->id);
  g_free (export->author);
  g_free (export->target);
  g_free (export->ca);
  chain_json_unref (export->files);
  g_free (export);
}

gboolean
chain_ledger_ca_is_revoked (const ChainLedgerCa *ca)
{
  for (; ca != NULL; ca = ca->issuer)
    if (ca->revoked)
      return TRUE;
  return FALSE;
}

gboolean
chain_ledger_officer_is_revoked (const ChainLedgerOfficer *officer)
{
  return officer->revoked || chain_ledger_ca_is_revoked (officer->issuer);
}

GPtrArray *
chain_ledger_ca_get_chain (ChainLedgerCa *ca)
{
  GPtrArray *chain = g_ptr_array_new ();

  for (; ca != NULL; ca = ca->issuer)
    g_ptr_array_add (chain, ca);
  return chain;
}

/* ---- The state ------------------------------------------------------------ */

static guint
serial_key_hash (gconstpointer key)
{
  const ChainSerialKey *k = key;
  guint h = 0;

  /* Only the ledger's own CA and officer serials go in these tables. */
  memcpy (&h, k->bytes + CHAIN_SERIAL_KEY_LEN - sizeof h, sizeof h);
  return h;
}

static gboolean
serial_key_equal (gconstpointer a,
                  gconstpointer b)
{
  return memcmp (a, b, sizeof (ChainSerialKey)) == 0;
}

ChainLedgerState *
chain_ledger_state_new (void)
{
  ChainLedgerState *self = g_new0 (ChainLedgerState, 1);

  self->policy_history = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->custodians = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_custodian_free);
  self->custodians_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->cas = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_ledger_ca_free);
  self->cas_by_thumbprint = g_hash_table_new (g_str_hash, g_str_equal);
  self->officers = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_ledger_officer_free);
  self->officers_by_key_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_ledger_request_free);
  self->requests_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->delegations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->serials = chain_serial_set_new ();
  self->ca_serials = g_hash_table_new_full (serial_key_hash, serial_key_equal, g_free, NULL);
  self->officer_serials = g_hash_table_new_full (serial_key_hash, serial_key_equal, g_free, NULL);
  self->device_ids = chain_serial_set_new ();
  self->exports = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_ledger_export_free);
  self->quotas = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_ledger_quota_free);
  self->quotas_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
}

void
chain_ledger_state_free (ChainLedgerState *self)
{
  if (self == NULL)
    return;
  g_free (self->ledger_id);
  chain_policy_free (self->policy);
  g_free (self->policy_digest);
  g_hash_table_unref (self->policy_history);
  g_hash_table_unref (self->custodians_by_id);
  g_hash_table_unref (self->cas_by_thumbprint);
  g_hash_table_unref (self->officers_by_key_id);
  g_hash_table_unref (self->seen);
  g_hash_table_unref (self->requests_by_id);
  g_hash_table_unref (self->delegations);
  g_hash_table_unref (self->ca_serials);
  g_hash_table_unref (self->officer_serials);
  chain_serial_set_free (self->serials);
  chain_serial_set_free (self->device_ids);
  g_free (self->device_serial_entries);
  g_ptr_array_unref (self->exports);
  g_hash_table_unref (self->quotas_by_id);
  g_ptr_array_unref (self->quotas);
  g_free (self->quota_finding);
  g_ptr_array_unref (self->requests);
  g_ptr_array_unref (self->officers);
  g_ptr_array_unref (self->cas);
  g_ptr_array_unref (self->custodians);
  g_free (self);
}

void
chain_ledger_state_add_ca (ChainLedgerState *self,
                           ChainLedgerCa    *ca)
{
  ca->index = self->cas->len;
  g_ptr_array_add (self->cas, ca);
  g_hash_table_insert (self->cas_by_thumbprint, ca->thumbprint, ca);
  g_ptr_array_add (ca->owner->cas, ca);
}

void
chain_ledger_state_add_officer (ChainLedgerState   *self,
                                ChainLedgerOfficer *officer)
{
  g_ptr_array_add (self->officers, officer);
  g_hash_table_insert (self->officers_by_key_id, officer->key_id, officer);
  g_ptr_array_add (officer->owner->officers, officer);
}

void
chain_ledger_state_add_custodian (ChainLedgerState *self,
                                  ChainCustodian   *custodian)
{
  g_ptr_array_add (self->custodians, custodian);
  g_hash_table_insert (self->custodians_by_id, custodian->id, custodian);
}

/* ---- Device ids ---------------------------------------------------------- */

void
chain_ledger_device_id_key (const char     *id,
                            ChainSerialKey *out_key)
{
  guint8 digest[SHA256_DIGEST_LENGTH];

  SHA256 ((const unsigned char *) id, strlen (id), digest);
  memcpy (out_key->bytes, digest, CHAIN_SERIAL_KEY_LEN);
}

gboolean
chain_ledger_state_find_device (const ChainLedgerState *self,
                                const ChainSerialKey   *id_key,
                                ChainSerialKey         *out_serial)
{
  guint32 entry = 0;

  if (!chain_serial_set_find_entry (self->device_ids, id_key, &entry))
    return FALSE;
  if (out_serial != NULL)
    *out_serial = *chain_serial_set_get_entry_key (self->serials, self->device_serial_entries[entry]);
  return TRUE;
}

gboolean
chain_ledger_state_find_device_batch (const ChainLedgerState *self,
                                      const ChainSerialKey   *id_key,
                                      guint64                *out_seq)
{
  guint32 seq = 0;

  if (!chain_serial_set_lookup (self->device_ids, id_key, &seq))
    return FALSE;
  *out_seq = seq;
  return TRUE;
}

gboolean
chain_ledger_state_serial_in_force (const ChainLedgerState *self,
                                    const ChainSerialKey   *serial,
                                    ChainLedgerCa         **out_issuer)
{
  guint32 value = 0;
  ChainLedgerCa *issuer;

  if (!chain_serial_set_lookup (self->serials, serial, &value))
    return FALSE;
  issuer = g_ptr_array_index (self->cas, value & CHAIN_LEDGER_SERIAL_CA_MASK);
  if (out_issuer != NULL)
    *out_issuer = issuer;
  return (value & CHAIN_LEDGER_SERIAL_REVOKED) == 0 && !chain_ledger_ca_is_revoked (issuer);
}

void
chain_ledger_state_set_device (ChainLedgerState     *self,
                               const ChainSerialKey *id_key,
                               const ChainSerialKey *serial)
{
  guint32 entry = 0;
  guint32 serial_entry = 0;
  guint32 seq = (guint32) MIN (self->n_records, (guint64) CHAIN_SERIAL_VALUE_MAX);

  /* The rules record a batch's serials before its device ids. */
  g_return_if_fail (chain_serial_set_find_entry (self->serials, serial, &serial_entry));
  if (chain_serial_set_find_entry (self->device_ids, id_key, &entry))
    {
      self->device_serial_entries[entry] = serial_entry;
      chain_serial_set_set_entry_value (self->device_ids, entry, seq);
      return;
    }
  /* The rules refuse a batch that would pass CHAIN_SERIAL_VALUE_MAX. */
  g_return_if_fail (self->n_device_serials <= CHAIN_SERIAL_VALUE_MAX);
  if (self->n_device_serials == self->device_serials_size)
    {
      /* By half, as the serial set grows, rather than doubling; never
       * below the initial size, since a state read from the cache holds
       * exactly its devices (one grown by half stays one). */
      guint64 size = MAX ((guint64) DEVICE_SERIALS_INITIAL,
                          (guint64) self->device_serials_size + self->device_serials_size / 2);

      self->device_serials_size = (guint32) MIN (size, (guint64) CHAIN_SERIAL_VALUE_MAX + 1);
      self->device_serial_entries = g_renew (guint32, self->device_serial_entries, self->device_serials_size);
    }
  /* Entries are numbered in insertion order: the new one is this. */
  self->device_serial_entries[self->n_device_serials++] = serial_entry;
  chain_serial_set_insert (self->device_ids, id_key, seq);
}

gsize
chain_ledger_state_get_n_device_ids (const ChainLedgerState *self)
{
  return self->n_device_serials;
}

gsize
chain_ledger_state_get_device_memory (const ChainLedgerState *self)
{
  return chain_serial_set_get_memory (self->device_ids)
         + (gsize) self->device_serials_size * sizeof (guint32);
}

/* ---- Questions ----------------------------------------------------------- */

const char *
chain_custody_status_to_string (ChainCustodyStatus status)
{
  switch (status)
    {
    case CHAIN_CUSTODY_STATUS_VALID:
      return "valid";
    case CHAIN_CUSTODY_STATUS_PENDING:
      return "pending";
    case CHAIN_CUSTODY_STATUS_EXPIRED:
      return "expired";
    case CHAIN_CUSTODY_STATUS_REVOKED:
      return "revoked";
    case CHAIN_CUSTODY_STATUS_RETIRED:
      return "retired";
    default:
      return "invalid";
    }
}

char *
chain_ledger_error_dup_rule (const GError *error)
{
  const char *start;
  const char *end;

  if (error == NULL || error->domain != CHAIN_ERROR || error->message == NULL)
    return NULL;
  start = strstr (error->message, "): rule ");
  if (start == NULL)
    return NULL;
  start += strlen ("): rule ");
  end = strchr (start, ':');
  if (end == NULL || end == start)
    return NULL;
  return g_strndup (start, (gsize) (end - start));
}

const char *
chain_ledger_state_get_ledger_id (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->ledger_id;
}

void
chain_ledger_state_set_verified_length (ChainLedgerState *self,
                                        guint64           n_records)
{
  g_return_if_fail (self != NULL);
  self->verified_length = n_records;
}

void
chain_ledger_state_set_last_commit_time (ChainLedgerState *self,
                                         gint64            commit_time)
{
  g_return_if_fail (self != NULL);
  if (commit_time != 0)
    self->last_commit_time = commit_time;
}

guint64
chain_ledger_state_get_n_records (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_records;
}

const ChainPolicy *
chain_ledger_state_get_policy (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->policy;
}

const char *
chain_ledger_state_get_policy_digest (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->policy_digest;
}

ChainCert *
chain_ledger_state_get_root (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (self->cas->len == 0)
    return NULL;
  return ((ChainLedgerCa *) g_ptr_array_index (self->cas, 0))->cert;
}

guint64
chain_ledger_state_get_n_issued (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return chain_serial_set_get_size (self->serials);
}

guint64
chain_ledger_state_get_n_revoked (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_revoked;
}

gboolean
chain_ledger_state_lookup_serial (const ChainLedgerState *self,
                                  const char             *serial,
                                  ChainCert             **out_issuer,
                                  gboolean               *out_revoked)
{
  ChainSerialKey key;
  guint32 value = 0;
  ChainLedgerCa *issuer;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!chain_serial_key_from_hex (serial, &key)
      || !chain_serial_set_lookup (self->serials, &key, &value))
    return FALSE;
  issuer = g_ptr_array_index (self->cas, value & CHAIN_LEDGER_SERIAL_CA_MASK);
  if (out_issuer != NULL)
    *out_issuer = issuer->cert;
  if (out_revoked != NULL)
    *out_revoked = (value & CHAIN_LEDGER_SERIAL_REVOKED) != 0;
  return TRUE;
}

guint
chain_ledger_state_get_n_custodians (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->custodians->len;
}

const ChainCustodian *
chain_ledger_state_get_custodian (const ChainLedgerState *self,
                                  guint                   index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->custodians->len, NULL);
  return g_ptr_array_index (self->custodians, index);
}

const ChainCustodian *
chain_ledger_state_find_custodian (const ChainLedgerState *self,
                                   const char             *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (id == NULL)
    return NULL;
  return g_hash_table_lookup (self->custodians_by_id, id);
}

const char *
chain_custodian_get_id (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
chain_custodian_get_name (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char *
chain_custodian_get_tier (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->tier;
}

const char *
chain_custodian_get_parent_id (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->parent != NULL ? self->parent->id : NULL;
}

static ChainCustodyStatus
ca_status (const ChainLedgerCa *ca,
           gint64               now)
{
  if (chain_ledger_ca_is_revoked (ca))
    return CHAIN_CUSTODY_STATUS_REVOKED;
  if (ca->retired)
    return CHAIN_CUSTODY_STATUS_RETIRED;
  if (now > chain_cert_get_not_after (ca->cert) || now < chain_cert_get_not_before (ca->cert))
    return CHAIN_CUSTODY_STATUS_EXPIRED;
  return CHAIN_CUSTODY_STATUS_VALID;
}

ChainCustodyStatus
chain_custodian_get_status (const ChainCustodian *self,
                            gint64                now)
{
  gboolean any_expired = FALSE;

  g_return_val_if_fail (self != NULL, CHAIN_CUSTODY_STATUS_REVOKED);

  /* A delegation revoked (or expired) before it was accepted is that, not
   * pending: it can never be accepted into force. */
  for (guint i = 0; i < self->cas->len; i++)
    {
      ChainCustodyStatus status = ca_status (g_ptr_array_index (self->cas, i), now);

      if (status == CHAIN_CUSTODY_STATUS_VALID)
        return self->accepted ? CHAIN_CUSTODY_STATUS_VALID : CHAIN_CUSTODY_STATUS_PENDING;
      any_expired |= status == CHAIN_CUSTODY_STATUS_EXPIRED;
    }
  if (self->cas->len == 0 && !self->accepted)
    return CHAIN_CUSTODY_STATUS_PENDING;
  return any_expired ? CHAIN_CUSTODY_STATUS_EXPIRED : CHAIN_CUSTODY_STATUS_REVOKED;
}

gboolean
chain_custodian_is_accepted (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->accepted;
}

guint
chain_custodian_get_n_cas (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->cas->len;
}

ChainCert *
chain_custodian_get_ca (const ChainCustodian *self,
                        guint                 index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->cas->len, NULL);
  return ((ChainLedgerCa *) g_ptr_array_index (self->cas, index))->cert;
}

ChainCustodyStatus
chain_custodian_get_ca_status (const ChainCustodian *self,
                               guint                 index,
                               gint64                now)
{
  g_return_val_if_fail (self != NULL, CHAIN_CUSTODY_STATUS_REVOKED);
  g_return_val_if_fail (index < self->cas->len, CHAIN_CUSTODY_STATUS_REVOKED);
  return ca_status (g_ptr_array_index (self->cas, index), now);
}

gboolean
chain_custodian_get_ca_revocation (const ChainCustodian  *self,
                                   guint                  index,
                                   guint64               *out_seq,
                                   gint64                *out_time,
                                   ChainRevocationReason *out_reason)
{
  const ChainLedgerCa *ca;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (index < self->cas->len, FALSE);

  ca = g_ptr_array_index (self->cas, index);
  if (!ca->revoked)
    return FALSE;
  if (out_seq != NULL)
    *out_seq = ca->revoked_seq;
  if (out_time != NULL)
    *out_time = ca->revoked_time;
  if (out_reason != NULL)
    *out_reason = ca->revoked_reason;
  return TRUE;
}

guint
chain_custodian_get_n_officers (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->officers->len;
}

ChainCert *
chain_custodian_get_officer (const ChainCustodian *self,
                             guint                 index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->officers->len, NULL);
  return ((ChainLedgerOfficer *) g_ptr_array_index (self->officers, index))->cert;
}

const char *
chain_custodian_get_officer_key_id (const ChainCustodian *self,
                                    guint                 index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->officers->len, NULL);
  return ((ChainLedgerOfficer *) g_ptr_array_index (self->officers, index))->key_id;
}

gboolean
chain_custodian_is_officer_revoked (const ChainCustodian *self,
                                    guint                 index)
{
  g_return_val_if_fail (self != NULL, TRUE);
  g_return_val_if_fail (index < self->officers->len, TRUE);
  return chain_ledger_officer_is_revoked (g_ptr_array_index (self->officers, index));
}

guint64
chain_custodian_get_n_devices (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_devices;
}

guint64
chain_custodian_get_n_revoked_devices (const ChainCustodian *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_revoked_devices;
}

guint
chain_ledger_state_get_n_requests (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->requests->len;
}

const ChainLedgerRequest *
chain_ledger_state_get_request (const ChainLedgerState *self,
                                guint                   index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->requests->len, NULL);
  return g_ptr_array_index (self->requests, index);
}

const ChainLedgerRequest *
chain_ledger_state_find_request (const ChainLedgerState *self,
                                 const char             *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (id == NULL)
    return NULL;
  return g_hash_table_lookup (self->requests_by_id, id);
}

const char *
chain_ledger_request_get_id (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

guint64
chain_ledger_request_get_seq (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

const char *
chain_ledger_request_get_custodian_id (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->custodian_id;
}

const char *
chain_ledger_request_get_name (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char *
chain_ledger_request_get_tier (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->tier;
}

const char *
chain_ledger_request_get_parent_id (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->parent->id;
}

ChainRequestStatus
chain_ledger_request_get_status (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_REQUEST_STATUS_REJECTED);
  return self->status;
}

const ChainCsr *
chain_ledger_request_get_ca_csr (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->ca_csr;
}

const ChainCsr *
chain_ledger_request_get_officer_csr (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->officer_csr;
}

guint
chain_ledger_request_get_n_approvals (const ChainLedgerRequest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->approvals->len;
}

const char *
chain_ledger_request_get_approval_key_id (const ChainLedgerRequest *self,
                                          guint                     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->approvals->len, NULL);
  return g_ptr_array_index (self->approvals, index);
}

guint
chain_ledger_state_get_n_exports (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->exports->len;
}

guint
chain_ledger_state_get_n_cas (const ChainLedgerState *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->cas->len;
}

ChainLedgerCa *
chain_ledger_state_get_ca (const ChainLedgerState *self,
                           guint                   index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->cas->len, NULL);
  return g_ptr_array_index (self->cas, index);
}

ChainLedgerCa *
chain_ledger_state_find_ca (const ChainLedgerState *self,
                            const char             *thumbprint)
{
  g_return_val_if_fail (self != NULL, NULL);
  return thumbprint != NULL ? g_hash_table_lookup (self->cas_by_thumbprint, thumbprint) : NULL;
}

ChainLedgerCa *
chain_ledger_state_find_ca_by_serial (const ChainLedgerState *self,
                                      const ChainSerialKey   *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_hash_table_lookup (self->ca_serials, key);
}

const ChainLedgerExport *
chain_ledger_state_get_export (const ChainLedgerState *self,
                               guint                   index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->exports->len, NULL);
  return g_ptr_array_index (self->exports, index);
}

guint64
chain_ledger_export_get_seq (const ChainLedgerExport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

const char *
chain_ledger_export_get_author (const ChainLedgerExport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->author;
}

const char *
chain_ledger_export_get_target (const ChainLedgerExport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->target;
}

const char *
chain_ledger_export_get_ca (const ChainLedgerExport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->ca;
}

ChainJson *
chain_ledger_export_get_files (const ChainLedgerExport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->files;
}
