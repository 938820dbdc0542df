/* chain-device-lookup.c — what the ledger says about one device id
 *
 * The state knows whether an id was ever issued (the same set rule
 * batch.device-id-reused keeps), so an unknown id is answered without
 * reading the ledger, and which batch issued its latest certificate, so
 * a known one reads that batch's manifest alone; for a revoked one the
 * revocation records give when and why.
 */
#include "chain-device-lookup.h"

#include "chain-device-id.h"
#include "chain-error.h"
#include "chain-export-private.h"
#include "chain-i18n-private.h"
#include "chain-ledger-state-private.h"
#include "chain-revoke.h"

#include <string.h>

struct _ChainDeviceLookup {
  char                  *id;
  char                  *serial;
  guint64                batch_seq;
  char                  *issuer_id;
  char                  *issuer_name;
  gboolean               revoked;
  guint64                revocation_seq;
  gint64                 revocation_time;
  ChainRevocationReason  revocation_reason;
  char                  *revoked_ca_id;
  char                  *revoked_ca_name;
};

void
chain_device_lookup_free (ChainDeviceLookup *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->serial);
  g_free (self->issuer_id);
  g_free (self->issuer_name);
  g_free (self->revoked_ca_id);
  g_free (self->revoked_ca_name);
  g_free (self);
}

typedef struct {
  const char    *id;
  guint64        seq;
  char          *serial;
  ChainLedgerCa *issuer;
} LatestBatch;

/* The id's line in the batch that issued its latest certificate. */
static gboolean
remember_device (const ChainManifestEntry *entry,
                 gpointer                  user_data,
                 GError                  **error)
{
  LatestBatch *latest = user_data;

  if (strcmp (entry->device_id, latest->id) != 0)
    return TRUE;
  latest->seq = chain_record_get_seq (entry->record);
  g_free (latest->serial);
  latest->serial = g_strdup (entry->serial);
  latest->issuer = entry->issuer;
  return TRUE;
}

/* Whether revocation body @body lists @serial (compared by value). */
static gboolean
lists_serial (ChainJson            *body,
              const ChainSerialKey *serial)
{
  ChainJson *serials = chain_json_object_get_member (body, "serials");
  gsize n = serials != NULL && chain_json_get_value_type (serials) == CHAIN_JSON_ARRAY
            ? chain_json_array_get_length (serials) : 0;

  for (gsize i = 0; i < n; i++)
    {
      ChainJson *element = chain_json_array_get_element (serials, i);
      ChainSerialKey key;

      if (chain_json_get_value_type (element) == CHAIN_JSON_STRING
          && chain_serial_key_from_hex (chain_json_get_string (element), &key)
          && memcmp (&key, serial, sizeof key) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Finds, newest first down to @after, the revocation by @issuer that
 * lists @serial, and fills in its record, time and reason. */
static gboolean
find_revocation (ChainWorkspace      *workspace,
                 const ChainLedgerCa *issuer,
                 const char          *serial,
                 guint64              after,
                 ChainDeviceLookup   *lookup,
                 GCancellable        *cancellable,
                 GError             **error)
{
  ChainLedger *ledger = chain_workspace_get_ledger (workspace);
  guint64 n = chain_ledger_state_get_n_records (chain_workspace_get_state (workspace));
  ChainSerialKey key;

  if (issuer == NULL || !chain_serial_key_from_hex (serial, &key))
    return TRUE;
  for (guint64 seq = n; seq > after + 1; seq--)
    {
      g_autoptr(ChainRecord) record = NULL;
      ChainStatement *statement;
      ChainJson *body;
      ChainJson *by;
      ChainJson *reason;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      record = chain_ledger_load_record (ledger, seq - 1, error);
      if (record == NULL)
        return FALSE;
      statement = chain_record_get_statement (record);
      if (chain_statement_get_record_type (statement) != CHAIN_RECORD_TYPE_REVOCATION)
        continue;
      body = chain_statement_get_body (statement);
      by = chain_json_object_get_member (body, "issuer");
      if (by == NULL || chain_json_get_value_type (by) != CHAIN_JSON_STRING
          || strcmp (chain_json_get_string (by), issuer->thumbprint) != 0 || !lists_serial (body, &key))
        continue;
      lookup->revocation_seq = seq - 1;
      lookup->revocation_time = chain_statement_get_time (statement);
      reason = chain_json_object_get_member (body, "reason");
      if (reason == NULL || chain_json_get_value_type (reason) != CHAIN_JSON_STRING
          || !chain_revocation_reason_from_string (chain_json_get_string (reason), &lookup->revocation_reason, NULL))
        lookup->revocation_reason = CHAIN_REVOCATION_UNSPECIFIED;
      return TRUE;
    }
  return TRUE;
}

gboolean
chain_ledger_state_find_device_batch_by_id (const ChainLedgerState *state,
                                            const char             *device_id,
                                            guint64                *out_seq)
{
  ChainSerialKey id_key;
  guint64 seq = 0;

  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (device_id != NULL, FALSE);

  if (device_id[0] == '\0' || strlen (device_id) > CHAIN_DEVICE_ID_MAX_LEN)
    return FALSE;
  chain_ledger_device_id_key (device_id, &id_key);
  if (!chain_ledger_state_find_device_batch (state, &id_key, &seq))
    return FALSE;
  if (out_seq != NULL)
    *out_seq = seq;
  return TRUE;
}

ChainDeviceLookup *
chain_workspace_lookup_device (ChainWorkspace *self,
                               const char     *device_id,
                               GCancellable   *cancellable,
                               GError        **error)
{
  const ChainLedgerState *state = NULL;
  g_autoptr(ChainDeviceLookup) lookup = NULL;
  LatestBatch latest = { device_id, 0, NULL, NULL };
  ChainSerialKey id_key;
  guint64 batch_seq = 0;
  gboolean own_revoked = FALSE;
  const ChainLedgerCa *revoked_ca = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  if (device_id[0] == '\0' || strlen (device_id) > CHAIN_DEVICE_ID_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a device id is 1 to %d bytes long; type the id as the device's certificate names it"),
                   CHAIN_DEVICE_ID_MAX_LEN);
      return NULL;
    }
  state = chain_workspace_get_state (self);
  chain_ledger_device_id_key (device_id, &id_key);
  if (state == NULL || !chain_ledger_state_find_device_batch (state, &id_key, &batch_seq))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("no device batch of this ledger issued the device id '%.64s'; ids are case-sensitive"),
                   device_id);
      return NULL;
    }
  if (!chain_manifest_foreach_in_batch (self, batch_seq, remember_device, &latest, cancellable, error))
    {
      g_free (latest.serial);
      return NULL;
    }
  if (latest.serial == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("no device batch of this ledger issued the device id '%.64s'; ids are case-sensitive"),
                   device_id);
      return NULL;
    }

  lookup = g_new0 (ChainDeviceLookup, 1);
  lookup->id = g_strdup (device_id);
  lookup->serial = g_steal_pointer (&latest.serial);
  lookup->batch_seq = latest.seq;
  lookup->issuer_id = g_strdup (latest.issuer->owner->id);
  lookup->issuer_name = g_strdup (latest.issuer->owner->name);
  lookup->revocation_reason = CHAIN_REVOCATION_UNSPECIFIED;

  chain_ledger_state_lookup_serial (state, lookup->serial, NULL, &own_revoked);
  if (own_revoked)
    {
      lookup->revoked = TRUE;
      if (!find_revocation (self, latest.issuer, lookup->serial, lookup->batch_seq, lookup, cancellable, error))
        return NULL;
      return g_steal_pointer (&lookup);
    }
  for (revoked_ca = latest.issuer; revoked_ca != NULL && !revoked_ca->revoked; revoked_ca = revoked_ca->issuer)
    ;
  if (revoked_ca != NULL)
    {
      g_autofree char *ca_serial = chain_cert_dup_serial (revoked_ca->cert);

      lookup->revoked = TRUE;
      lookup->revoked_ca_id = g_strdup (revoked_ca->owner->id);
      lookup->revoked_ca_name = g_strdup (revoked_ca->owner->name);
      /* A CA is revoked by the CA that issued it, after it issued anything. */
      if (!find_revocation (self, revoked_ca->issuer, ca_serial, 0, lookup, cancellable, error))
        return NULL;
    }
  return g_steal_pointer (&lookup);
}

const char *
chain_device_lookup_get_id (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
chain_device_lookup_get_serial (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->serial;
}

guint64
chain_device_lookup_get_batch_seq (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->batch_seq;
}

const char *
chain_device_lookup_get_issuer_id (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->issuer_id;
}

const char *
chain_device_lookup_get_issuer_name (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->issuer_name;
}

gboolean
chain_device_lookup_is_revoked (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->revoked;
}

guint64
chain_device_lookup_get_revocation_seq (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->revocation_seq;
}

gint64
chain_device_lookup_get_revocation_time (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->revocation_time;
}

ChainRevocationReason
chain_device_lookup_get_revocation_reason (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_REVOCATION_UNSPECIFIED);
  return self->revocation_reason;
}

const char *
chain_device_lookup_get_revoked_ca_id (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->revoked_ca_id;
}

const char *
chain_device_lookup_get_revoked_ca_name (const ChainDeviceLookup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->revoked_ca_name;
}
