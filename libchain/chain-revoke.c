/* chain-revoke.c — revocation records, CRLs, and what each cloud needs to
 * stop a revoked device
 *
 * A revocation names serials of this workspace's CA: devices (found by id
 * in the ledger's manifests, or by serial), sub-CAs (by custodian) or any
 * other certificate the CA issued. Its CRL lists everything the CA has
 * revoked so far, each serial with the date and reason its first CRL gave.
 */
#include "chain-export-private.h"
#include "chain-i18n-private.h"
#include "chain-pki-private.h"

#include <string.h>
#include <time.h>

#define DAY (G_GINT64_CONSTANT (24) * 60 * 60)
#define SERIAL_HEX_MAX 40

static const char *const reason_names[] = {
  [CHAIN_REVOCATION_UNSPECIFIED] = "unspecified",
  [CHAIN_REVOCATION_KEY_COMPROMISE] = "key-compromise",
  [CHAIN_REVOCATION_CA_COMPROMISE] = "ca-compromise",
  [CHAIN_REVOCATION_AFFILIATION_CHANGED] = "affiliation-changed",
  [CHAIN_REVOCATION_SUPERSEDED] = "superseded",
  [CHAIN_REVOCATION_CESSATION_OF_OPERATION] = "cessation-of-operation",
};

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

const char *
chain_revocation_reason_to_string (ChainRevocationReason reason)
{
  if ((guint) reason >= G_N_ELEMENTS (reason_names))
    return reason_names[CHAIN_REVOCATION_UNSPECIFIED];
  return reason_names[reason];
}

const char *
chain_revocation_reason_to_label (ChainRevocationReason reason)
{
  switch (reason)
    {
    case CHAIN_REVOCATION_KEY_COMPROMISE:
      return _("Key compromise");
    case CHAIN_REVOCATION_CA_COMPROMISE:
      return _("CA compromise");
    case CHAIN_REVOCATION_AFFILIATION_CHANGED:
      return _("Affiliation changed");
    case CHAIN_REVOCATION_SUPERSEDED:
      return _("Superseded");
    case CHAIN_REVOCATION_CESSATION_OF_OPERATION:
      return _("Cessation of operation");
    case CHAIN_REVOCATION_UNSPECIFIED:
    default:
      return _("No reason given");
    }
}

gboolean
chain_revocation_reason_from_string (const char            *name,
                                     ChainRevocationReason *out_reason,
                                     GError               **error)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (reason_names); i++)
    if (strcmp (name, reason_names[i]) == 0)
      {
        *out_reason = (ChainRevocationReason) i;
        return TRUE;
      }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: the second %s is the list of revocation reason names */
               _("unknown reason '%.32s'; use one of %s"), name != NULL ? name : "",
               CHAIN_REVOCATION_REASON_NAMES);
  return FALSE;
}

/* A serial as a string that compares by value: the hex of its key. */
static char *
serial_key_string (const char *hex)
{
  ChainSerialKey key;

  if (!chain_serial_key_from_hex (hex, &key))
    return NULL;
  return chain_hex_encode (key.bytes, sizeof key.bytes, FALSE);
}

/* "0A:1B:..." or "0a1b..." as lower-case hex, or NULL if it is no serial. */
static char *
normalize_serial (const char *text)
{
  GString *hex = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':')
        continue;
      if (!g_ascii_isxdigit (*p) || hex->len >= SERIAL_HEX_MAX)
        {
          g_string_free (hex, TRUE);
          return NULL;
        }
      g_string_append_c (hex, g_ascii_tolower (*p));
    }
  if (hex->len == 0)
    {
      g_string_free (hex, TRUE);
      return NULL;
    }
  if (hex->len % 2 != 0)
    g_string_prepend_c (hex, '0');
  return g_string_free (hex, FALSE);
}

/* ---- The last recorded CRL of a CA ---------------------------------------------------- */

/* The CRL of the last revocation record @ca signed, or NULL (no error) if
 * it never revoked anything. */
static ChainCrl *
last_recorded_crl (ChainWorkspace      *self,
                   const ChainLedgerCa *ca,
                   GError             **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);
  ChainLedger *ledger = chain_workspace_get_ledger (self);
  guint64 n = chain_ledger_state_get_n_records (state);

  if (ca->crl_number == 0 && ca->revoked_serials->len == 0)
    return NULL;
  for (guint64 seq = n; seq-- > 0;)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, seq, error);
      g_autoptr(GBytes) pem = NULL;
      ChainStatement *st;
      ChainJson *issuer;

      if (record == NULL)
        return NULL;
      st = chain_record_get_statement (record);
      if (chain_statement_get_record_type (st) != CHAIN_RECORD_TYPE_REVOCATION)
        continue;
      issuer = chain_json_object_get_member (chain_statement_get_body (st), "issuer");
      if (issuer == NULL || chain_json_get_value_type (issuer) != CHAIN_JSON_STRING
          || strcmp (chain_json_get_string (issuer), ca->thumbprint) != 0)
        continue;
      pem = chain_record_read_artifact (record, "crl.pem", NULL, error);
      if (pem == NULL)
        return NULL;
      return chain_crl_parse (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem), error);
    }
  return NULL;
}

typedef struct {
  gint64                revoked_at;
  ChainRevocationReason reason;
} PreviousEntry;

/* Serial key string -> PreviousEntry * of the entries in @crl. */
static GHashTable *
crl_entries (const ChainCrl *crl)
{
  GHashTable *entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  STACK_OF (X509_REVOKED) *revoked;

  if (crl == NULL)
    return entries;
  revoked = X509_CRL_get_REVOKED (chain_crl_get_x509_crl (crl));
  for (int i = 0; i < sk_X509_REVOKED_num (revoked); i++)
    {
      X509_REVOKED *r = sk_X509_REVOKED_value (revoked, i);
      const ASN1_INTEGER *serial = X509_REVOKED_get0_serialNumber (r);
      const ASN1_TIME *date = X509_REVOKED_get0_revocationDate (r);
      g_autoptr(ASN1_ENUMERATED) reason = X509_REVOKED_get_ext_d2i (r, NID_crl_reason, NULL, NULL);
      PreviousEntry *entry = g_new0 (PreviousEntry, 1);
      ChainSerialKey key;
      struct tm tm;
      long code;

      chain_serial_key_from_bytes (ASN1_STRING_get0_data (serial), (gsize) ASN1_STRING_length (serial), &key);
      entry->revoked_at = date != NULL && ASN1_TIME_to_tm (date, &tm) ? (gint64) timegm (&tm) : 0;
      code = reason != NULL ? ASN1_ENUMERATED_get (reason) : CHAIN_REVOCATION_UNSPECIFIED;
      entry->reason = code >= CHAIN_REVOCATION_UNSPECIFIED && code <= CHAIN_REVOCATION_CESSATION_OF_OPERATION
                      ? (ChainRevocationReason) code : CHAIN_REVOCATION_UNSPECIFIED;
      g_hash_table_insert (entries, chain_hex_encode (key.bytes, sizeof key.bytes, FALSE), entry);
    }
  chain_openssl_clear_errors ();
  return entries;
}

/* Signs @ca's CRL: everything it revoked so far (dates and reasons from its
 * last CRL), plus @new_serials revoked now for @reason. */
static ChainCrl *
sign_crl (ChainWorkspace       *self,
          ChainIssuer          *issuer,
          const ChainLedgerCa  *ca,
          GPtrArray            *new_serials,
          ChainRevocationReason reason,
          gint64                validity_days,
          GError              **error)
{
  g_autoptr(ChainCrl) last = last_recorded_crl (self, ca, error);
  g_autoptr(GHashTable) previous = NULL;
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (ChainRevokedEntry));
  gint64 now = now_seconds ();
  guint64 number = MAX (ca->crl_number + 1, (guint64) now);

  if (last == NULL && error != NULL && *error != NULL)
    return NULL;
  previous = crl_entries (last);
  for (guint i = 0; i < ca->revoked_serials->len; i++)
    {
      const char *serial = g_ptr_array_index (ca->revoked_serials, i);
      g_autofree char *key = serial_key_string (serial);
      const PreviousEntry *known = key != NULL ? g_hash_table_lookup (previous, key) : NULL;
      ChainRevokedEntry entry = { serial, now, CHAIN_REVOCATION_UNSPECIFIED };

      if (known != NULL && known->revoked_at <= now)
        {
          entry.revoked_at = known->revoked_at;
          entry.reason = known->reason;
        }
      g_array_append_val (entries, entry);
    }
  for (guint i = 0; new_serials != NULL && i < new_serials->len; i++)
    {
      ChainRevokedEntry entry = { g_ptr_array_index (new_serials, i), now, reason };

      g_array_append_val (entries, entry);
    }
  if (validity_days <= 0)
    validity_days = CHAIN_CRL_DEFAULT_VALIDITY_DAYS;
  return chain_issuer_create_crl (issuer, (const ChainRevokedEntry *) (gpointer) entries->data, entries->len,
                                  number, now, now + validity_days * DAY, error);
}

/* ---- Planning -------------------------------------------------------------------------- */

struct _ChainRevocation {
  ChainCert  *issuer;
  char       *thumbprint;
  GPtrArray  *items;     /* ChainRevokedItem * */
  GHashTable *keys;      /* serial key string -> ChainRevokedItem * (borrowed) */
  gint64      seq;
  ChainCrl   *crl;
};

static void
item_free (ChainRevokedItem *item)
{
  g_free (item->serial);
  g_free (item->name);
  g_free (item);
}

void
chain_revocation_free (ChainRevocation *self)
{
  if (self == NULL)
    return;
  chain_cert_free (self->issuer);
  g_free (self->thumbprint);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->keys, g_hash_table_unref);
  chain_crl_free (self->crl);
  g_free (self);
}

/* Adds @serial unless the plan holds it already (named twice is once). */
static void
plan_add (ChainRevocation  *plan,
          const char       *serial,
          ChainRevokedKind  kind,
          const char       *name)
{
  g_autofree char *key = serial_key_string (serial);
  ChainRevokedItem *item;

  if (key == NULL || g_hash_table_contains (plan->keys, key))
    return;
  item = g_new0 (ChainRevokedItem, 1);
  item->serial = g_strdup (serial);
  item->kind = kind;
  item->name = g_strdup (name);
  g_ptr_array_add (plan->items, item);
  g_hash_table_insert (plan->keys, g_steal_pointer (&key), item);
}

typedef struct {
  char      *id;
  GPtrArray *serials;       /* char *: issued by this CA, not revoked */
  guint      n_revoked;     /* issued by this CA, revoked already */
  char      *other;         /* (nullable) a custodian whose CA issued it */
} DeviceTarget;

static void
device_target_free (DeviceTarget *target)
{
  g_free (target->id);
  g_ptr_array_unref (target->serials);
  g_free (target->other);
  g_free (target);
}

typedef struct {
  const ChainLedgerState *state;
  const ChainLedgerCa    *own;
  GHashTable             *ids;       /* device id -> DeviceTarget * */
  GHashTable             *names;     /* serial key string -> char * device id (NULL until found) */
} PlanScan;

static gboolean
plan_scan_device (const ChainManifestEntry *entry,
                  gpointer                  user_data,
                  GError                  **error)
{
  PlanScan *scan = user_data;
  DeviceTarget *target = g_hash_table_lookup (scan->ids, entry->device_id);

  if (target != NULL)
    {
      gboolean revoked = FALSE;

      if (entry->issuer != scan->own)
        {
          if (target->other == NULL)
            target->other = g_strdup (entry->issuer->owner->id);
        }
      else if (chain_ledger_state_lookup_serial (scan->state, entry->serial, NULL, &revoked) && revoked)
        target->n_revoked++;
      else
        g_ptr_array_add (target->serials, g_strdup (entry->serial));
    }
  if (entry->issuer == scan->own && g_hash_table_size (scan->names) > 0)
    {
      g_autofree char *key = serial_key_string (entry->serial);
      gpointer name = NULL;

      if (key != NULL && g_hash_table_lookup_extended (scan->names, key, NULL, &name) && name == NULL)
        g_hash_table_insert (scan->names, g_steal_pointer (&key), g_strdup (entry->device_id));
    }
  return TRUE;
}

static const ChainCustodian *
find_custodian (const ChainLedgerState *state,
                const char             *name)
{
  const ChainCustodian *found = chain_ledger_state_find_custodian (state, name);

  for (guint i = 0; found == NULL && i < chain_ledger_state_get_n_custodians (state); i++)
    {
      const ChainCustodian *c = chain_ledger_state_get_custodian (state, i);

      if (strcmp (chain_custodian_get_name (c), name) == 0)
        found = c;
    }
  return found;
}

static gboolean
plan_custodian (ChainRevocation        *plan,
                const ChainLedgerState *state,
                const ChainLedgerCa    *own,
                const char             *name,
                GError                **error)
{
  const ChainCustodian *c = find_custodian (state, name);
  g_autofree char *label = chain_export_ca_label (own);
  guint n_revoked = 0;
  guint n_added = 0;

  if (c == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("no custodian '%.64s' in the ledger; check the custodian's id"), name);
      return FALSE;
    }
  for (guint i = 0; i < c->cas->len; i++)
    {
      const ChainLedgerCa *ca = g_ptr_array_index (c->cas, i);
      g_autofree char *serial = NULL;

      if (ca->issuer != own)
        continue;
      if (ca->revoked)
        {
          n_revoked++;
          continue;
        }
      serial = chain_cert_dup_serial (ca->cert);
      plan_add (plan, serial, CHAIN_REVOKED_SUB_CA, c->id);
      n_added++;
    }
  if (n_added > 0)
    return TRUE;
  if (c->parent == NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                 _("'%s' is the root custodian: no CA above it can revoke its root; start a new ledger instead"), c->id);
  else if (n_revoked > 0)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, _("the sub-CA of '%s' is revoked already"), c->id);
  else
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                 _("'%s' holds no CA that '%s' issued; only its parent %s revokes it"),
                 c->id, label, c->parent->id);
  return FALSE;
}

/* @word as a serial if @own issued it, else NULL; *out_issuer is the
 * issuer of that serial when the ledger issued it at all. */
static char *
own_serial (const ChainLedgerState *state,
            const ChainLedgerCa    *own,
            const char             *word,
            ChainCert             **out_issuer)
{
  g_autofree char *hex = normalize_serial (word);
  ChainCert *issuer = NULL;
  gboolean revoked = FALSE;

  *out_issuer = NULL;
  if (hex == NULL || !chain_ledger_state_lookup_serial (state, hex, &issuer, &revoked))
    return NULL;
  *out_issuer = issuer;
  if (!chain_cert_equal (issuer, own->cert))
    return NULL;
  return g_steal_pointer (&hex);
}

/* CHAIN_REVOKED_SUB_CA (with its custodian) for a CA's serial, else
 * CHAIN_REVOKED_OTHER: the manifests tell devices apart. */
static ChainRevokedKind
kind_of_serial (const ChainLedgerState *state,
                const char             *serial,
                const char            **out_name)
{
  ChainSerialKey key;
  ChainLedgerCa *ca;

  *out_name = NULL;
  if (!chain_serial_key_from_hex (serial, &key))
    return CHAIN_REVOKED_OTHER;
  ca = chain_ledger_state_find_ca_by_serial (state, &key);
  if (ca == NULL)
    return CHAIN_REVOKED_OTHER;
  *out_name = ca->owner->id;
  return CHAIN_REVOKED_SUB_CA;
}

ChainRevocation *
chain_workspace_plan_revocation (ChainWorkspace     *self,
                                 const char *const  *targets,
                                 const char *const  *custodians,
                                 GCancellable       *cancellable,
                                 GError            **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);
  g_autoptr(ChainRevocation) plan = NULL;
  g_autoptr(GHashTable) ids = NULL;
  g_autoptr(GHashTable) names = NULL;
  g_autoptr(GPtrArray) kinds = NULL;   /* per target: char * serial, or NULL for a device id */
  g_autofree char *label = NULL;
  ChainLedgerCa *own;
  guint n_targets = targets != NULL ? g_strv_length ((char **) targets) : 0;
  guint n_custodians = custodians != NULL ? g_strv_length ((char **) custodians) : 0;

  g_return_val_if_fail (self != NULL, NULL);

  if (n_targets + n_custodians == 0)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("nothing to revoke; name devices (by id or serial) or sub-CA custodians"));
      return NULL;
    }
  if (n_targets + n_custodians > CHAIN_REVOKE_MAX_SERIALS)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%u revocations are more than one record holds (%d); revoke them in several runs"),
                   n_targets + n_custodians, CHAIN_REVOKE_MAX_SERIALS);
      return NULL;
    }
  own = chain_export_resolve_ca (self, NULL, error);
  if (own == NULL)
    return NULL;
  label = chain_export_ca_label (own);

  plan = g_new0 (ChainRevocation, 1);
  plan->issuer = chain_cert_copy (own->cert);
  plan->thumbprint = g_strdup (own->thumbprint);
  plan->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  plan->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  plan->seq = -1;

  /* Words that are serials of this CA are serials; the rest device ids. */
  ids = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) device_target_free);
  names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  kinds = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n_targets; i++)
    {
      ChainCert *issuer = NULL;
      char *serial = own_serial (state, own, targets[i], &issuer);

      g_ptr_array_add (kinds, serial);
      if (serial != NULL)
        g_hash_table_insert (names, serial_key_string (serial), NULL);
      else if (!g_hash_table_contains (ids, targets[i]))
        {
          DeviceTarget *target = g_new0 (DeviceTarget, 1);

          target->id = g_strdup (targets[i]);
          target->serials = g_ptr_array_new_with_free_func (g_free);
          if (issuer != NULL)
            target->other = chain_x509_label (chain_cert_get_x509 (issuer));
          g_hash_table_insert (ids, target->id, target);
        }
    }
  if (n_targets > 0)
    {
      PlanScan scan = { state, own, ids, names };

      if (!chain_manifest_foreach (self, NULL, plan_scan_device, &scan, cancellable, error))
        return NULL;
    }

  for (guint i = 0; i < n_targets; i++)
    {
      const char *serial = g_ptr_array_index (kinds, i);
      DeviceTarget *target;
      g_autofree char *shown = NULL;

      if (serial != NULL)
        {
          g_autofree char *key = serial_key_string (serial);
          const char *device = g_hash_table_lookup (names, key);
          const char *name = NULL;
          gboolean revoked = FALSE;
          ChainRevokedKind kind = kind_of_serial (state, serial, &name);

          if (kind != CHAIN_REVOKED_SUB_CA)
            {
              kind = device != NULL ? CHAIN_REVOKED_DEVICE : CHAIN_REVOKED_OTHER;
              name = device;
            }
          chain_ledger_state_lookup_serial (state, serial, NULL, &revoked);
          if (revoked)
            {
              g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                           _("serial %s is revoked already; its CA's CRL lists it"), serial);
              return NULL;
            }
          plan_add (plan, serial, kind, name);
          continue;
        }
      target = g_hash_table_lookup (ids, targets[i]);
      shown = g_strescape (targets[i], NULL);
      if (target->serials->len == 0 && target->n_revoked > 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("device '%.64s' is revoked already; its CA's CRL lists it"), shown);
          return NULL;
        }
      if (target->serials->len == 0 && target->other != NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       _("'%.64s' was issued by '%s', not by '%s'; its custodian revokes it, "
                         "or revoke that sub-CA as a whole"), shown, target->other, label);
          return NULL;
        }
      if (target->serials->len == 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       _("no device or serial '%.64s' was issued by '%s'; give a device id as issued, or a serial"),
                       shown, label);
          return NULL;
        }
      for (guint j = 0; j < target->serials->len; j++)
        plan_add (plan, g_ptr_array_index (target->serials, j), CHAIN_REVOKED_DEVICE, target->id);
    }
  for (guint i = 0; i < n_custodians; i++)
    if (!plan_custodian (plan, state, own, custodians[i], error))
      return NULL;
  if (plan->items->len > CHAIN_REVOKE_MAX_SERIALS)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%u serials are more than one record holds (%d); revoke them in several runs"),
                   plan->items->len, CHAIN_REVOKE_MAX_SERIALS);
      return NULL;
    }
  return g_steal_pointer (&plan);
}

gboolean
chain_workspace_revoke (ChainWorkspace           *self,
                        ChainRevocation          *plan,
                        const ChainRevokeOptions *options,
                        GCancellable             *cancellable,
                        GError                  **error)
{
  ChainRevokeOptions defaults = CHAIN_REVOKE_OPTIONS_INIT;
  const ChainLedgerState *state = chain_workspace_get_state (self);
  ChainLedgerCa *own;
  ChainIssuer *issuer;
  g_autoptr(GPtrArray) serials = g_ptr_array_new ();
  g_autoptr(ChainCrl) crl = NULL;
  g_autoptr(ChainStatement) st = NULL;
  g_autoptr(GBytes) crl_pem = NULL;
  ChainJson *body;
  ChainJson *list;
  guint64 seq = 0;

  g_return_val_if_fail (self != NULL && plan != NULL, FALSE);
  if (options == NULL)
    options = &defaults;
  g_return_val_if_fail (options->version == CHAIN_REVOKE_OPTIONS_VERSION, FALSE);

  if (plan->seq >= 0)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS, _("this revocation was recorded already"));
      return FALSE;
    }
  issuer = chain_workspace_get_issuer (self, error);
  if (issuer == NULL)
    return FALSE;
  own = chain_export_lookup_ca (state, plan->issuer);
  if (own == NULL || !chain_cert_equal (chain_issuer_get_cert (issuer), plan->issuer))
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                           _("this workspace's CA changed since the revocation was planned; plan it again"));
      return FALSE;
    }

  for (guint i = 0; i < plan->items->len; i++)
    g_ptr_array_add (serials, ((ChainRevokedItem *) g_ptr_array_index (plan->items, i))->serial);
  crl = sign_crl (self, issuer, own, serials, options->reason, options->crl_validity_days, error);
  if (crl == NULL)
    return FALSE;

  body = chain_json_new_object ();
  list = chain_json_new_array ();
  for (guint i = 0; i < serials->len; i++)
    chain_json_array_append (list, chain_json_new_string (g_ptr_array_index (serials, i)));
  chain_json_object_set_string (body, "issuer", plan->thumbprint);
  chain_json_object_set_string (body, "reason", chain_revocation_reason_to_string (options->reason));
  chain_json_object_set (body, "serials", list);
  st = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_REVOCATION, body, error);
  crl_pem = chain_crl_to_pem (crl);
  if (st == NULL || !chain_statement_add_artifact (st, "crl.pem", crl_pem, error)
      || !chain_workspace_commit (self, st, &seq, cancellable, error))
    return FALSE;
  plan->seq = (gint64) seq;
  plan->crl = g_steal_pointer (&crl);
  return TRUE;
}

guint
chain_revocation_get_n_items (const ChainRevocation *self)
{
  return self->items->len;
}

const ChainRevokedItem *
chain_revocation_get_item (const ChainRevocation *self,
                           guint                  index)
{
  g_return_val_if_fail (index < self->items->len, NULL);
  return g_ptr_array_index (self->items, index);
}

ChainCert *
chain_revocation_get_issuer (const ChainRevocation *self)
{
  return self->issuer;
}

gint64
chain_revocation_get_seq (const ChainRevocation *self)
{
  return self->seq;
}

ChainCrl *
chain_revocation_get_crl (const ChainRevocation *self)
{
  return self->crl;
}

/* ---- The current CRL and the disable lists ---------------------------------------------- */

struct _ChainCrlExport {
  ChainCert *ca;
  ChainCrl  *crl;
  guint64    n_disabled;
  GPtrArray *files;      /* ChainExportFile * */
  GPtrArray *warnings;   /* ChainExportWarning * */
};

static void
disabled_device_free (ChainDisabledDevice *device)
{
  g_free (device->device_id);
  g_free (device->serial);
  g_free (device->cert_sha256);
  chain_cert_free (device->cert);
  g_free (device);
}

static void
disabled_ca_free (ChainDisabledCa *ca)
{
  g_free (ca->thumbprint);
  g_free (ca->cloud_name);
  g_free (ca);
}

typedef struct {
  const ChainLedgerState *state;
  GPtrArray              *devices;      /* ChainDisabledDevice * */
  ChainRecord            *record;       /* the batch being read */
  GArray                 *indexes;      /* guint: lines of its devices in @devices */
  GArray                 *positions;    /* guint: where they are in @devices */
  guint                   n_missing;    /* devices whose certificate the ledger lacks */
  GCancellable           *cancellable;
} DisableScan;

/* Attaches the certificates of the devices found in the batch just read. */
static gboolean
flush_certificates (DisableScan *scan,
                    GError     **error)
{
  g_autofree ChainCert **certs = NULL;

  if (scan->record == NULL || scan->indexes->len == 0)
    goto done;
  if (!chain_statement_get_artifact (chain_record_get_statement (scan->record), "certificates.pem", NULL, NULL, NULL))
    {
      scan->n_missing += scan->indexes->len;
      goto done;
    }
  certs = g_new0 (ChainCert *, scan->indexes->len);
  if (!chain_manifest_get_certificates (scan->record, (const guint *) (gpointer) scan->indexes->data, scan->indexes->len,
                                        certs, scan->cancellable, error))
    {
      for (guint i = 0; i < scan->indexes->len; i++)
        chain_cert_free (certs[i]);
      return FALSE;
    }
  for (guint i = 0; i < scan->indexes->len; i++)
    {
      ChainDisabledDevice *device = g_ptr_array_index (scan->devices, g_array_index (scan->positions, guint, i));

      device->cert = certs[i];
    }

done:
  g_clear_pointer (&scan->record, chain_record_unref);
  g_array_set_size (scan->indexes, 0);
  g_array_set_size (scan->positions, 0);
  return TRUE;
}

static gboolean
disable_scan_device (const ChainManifestEntry *entry,
                     gpointer                  user_data,
                     GError                  **error)
{
  DisableScan *scan = user_data;
  ChainDisabledDevice *device;
  gboolean revoked = FALSE;
  guint position;

  if (!chain_ledger_ca_is_revoked (entry->issuer)
      && !(chain_ledger_state_lookup_serial (scan->state, entry->serial, NULL, &revoked) && revoked))
    return TRUE;
  if (scan->record != entry->record && !flush_certificates (scan, error))
    return FALSE;
  if (scan->record == NULL)
    scan->record = chain_record_ref (entry->record);
  device = g_new0 (ChainDisabledDevice, 1);
  device->device_id = g_strdup (entry->device_id);
  device->serial = g_strdup (entry->serial);
  device->cert_sha256 = g_strdup (entry->cert_sha256);
  position = scan->devices->len;
  g_ptr_array_add (scan->devices, device);
  g_array_append_val (scan->indexes, entry->index);
  g_array_append_val (scan->positions, position);
  return TRUE;
}

static gboolean
crl_is_expired (const ChainCrl *crl)
{
  const ASN1_TIME *next = X509_CRL_get0_nextUpdate (chain_crl_get_x509_crl (crl));

  return next != NULL && X509_cmp_current_time (next) <= 0;
}

/* Adds @ca's CRL (this export's, or its last recorded one) to @bundle, and
 * says so when a verifier would miss it. */
static gboolean
bundle_crl (ChainWorkspace      *self,
            const ChainLedgerCa *ca,
            const ChainLedgerCa *exported,
            ChainCrl            *exported_crl,
            GByteArray          *bundle,
            GPtrArray           *warnings,
            GError             **error)
{
  const ChainPolicy *policy = chain_ledger_state_get_policy (chain_workspace_get_state (self));
  g_autoptr(ChainCrl) recorded = NULL;
  g_autoptr(GBytes) pem = NULL;
  g_autofree char *label = chain_export_ca_label (ca);
  ChainCrl *crl = exported_crl;
  gboolean below = ca != exported && chain_export_ca_is_under (ca, exported);

  if (ca != exported)
    {
      recorded = last_recorded_crl (self, ca, error);
      if (recorded == NULL && error != NULL && *error != NULL)
        return FALSE;
      crl = recorded;
    }
  if (crl == NULL)
    {
      if (!below)
        chain_export_add_warning (warnings, "crl.missing",
                                  _("the ledger holds no CRL of '%s'; verifiers that check every CA's CRL "
                                    "(openssl verify -crl_check_all) refuse its chain: its custodian '%s' makes one with 'chain crl'"),
                                  label, ca->owner->id);
      else if (chain_policy_get_issues_devices (policy, ca->owner->tier) && !ca->retired)
        chain_export_add_warning (warnings, "crl.missing",
                                  _("the ledger holds no CRL of '%s'; a broker that checks CRLs (mosquitto's crlfile) "
                                    "refuses its devices: its custodian '%s' makes one with 'chain crl' for you to add"),
                                  label, ca->owner->id);
      return TRUE;
    }
  if (crl_is_expired (crl))
    chain_export_add_warning (warnings, "crl.expired",
                              _("the CRL of '%s' has passed its next update; verifiers refuse devices under it "
                                "until its custodian '%s' publishes a new one ('chain crl')"),
                              label, ca->owner->id);
  pem = chain_crl_to_pem (crl);
  g_byte_array_append (bundle, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
  return TRUE;
}

ChainCrlExport *
chain_workspace_prepare_crl (ChainWorkspace        *self,
                             const ChainCrlOptions *options,
                             GCancellable          *cancellable,
                             GError               **error)
{
  ChainCrlOptions defaults = CHAIN_CRL_OPTIONS_INIT;
  const ChainLedgerState *state = chain_workspace_get_state (self);
  g_autoptr(ChainCrlExport) export = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GPtrArray) cas = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(GByteArray) bundle = NULL;
  ChainDisableContext ctx = { NULL, NULL, NULL, NULL, NULL };
  DisableScan scan = { 0 };
  ChainLedgerCa *ca;
  ChainCrlExport *result = NULL;
  gboolean ok;

  g_return_val_if_fail (self != NULL, NULL);
  if (options == NULL)
    options = &defaults;
  g_return_val_if_fail (options->version == CHAIN_CRL_OPTIONS_VERSION, NULL);

  ca = chain_export_resolve_ca (self, options->ca, error);
  if (ca == NULL)
    return NULL;
  ctx.options = options;
  ctx.ca = ca;
  ctx.label = chain_export_ca_label (ca);

  export = g_new0 (ChainCrlExport, 1);
  export->ca = chain_cert_copy (ca->cert);
  export->files = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_export_file_free);
  export->warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_export_warning_free);

  if (options->sign)
    {
      ChainIssuer *issuer;

      if (!chain_export_is_own_ca (self, ca))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("this workspace does not hold the key of CA '%s'; take its recorded CRL, or ask '%s'"),
                       ctx.label, ca->owner->id);
          goto out;
        }
      issuer = chain_workspace_get_issuer (self, error);
      if (issuer == NULL)
        goto out;
      export->crl = sign_crl (self, issuer, ca, NULL, CHAIN_REVOCATION_UNSPECIFIED, options->validity_days, error);
    }
  else
    export->crl = last_recorded_crl (self, ca, error);
  if (export->crl == NULL && error != NULL && *error != NULL)
    goto out;

  /* The CA's CRL, and every CRL a verifier trusting it needs. CRLs of
   * revoked sub-CAs are left out: a verifier that checks only the leaf's
   * issuer (mosquitto) then refuses their devices for want of a CRL. */
  bundle = g_byte_array_new ();
  if (!bundle_crl (self, ca, ca, export->crl, bundle, export->warnings, error))
    goto out;
  chain = chain_ledger_ca_get_chain (ca);
  for (guint i = 1; i < chain->len; i++)
    if (!bundle_crl (self, g_ptr_array_index (chain, i), ca, NULL, bundle, export->warnings, error))
      goto out;
  for (guint i = 0; i < chain_ledger_state_get_n_cas (state); i++)
    {
      const ChainLedgerCa *c = chain_ledger_state_get_ca (state, i);

      if (c != ca && chain_export_ca_is_under (c, ca) && !chain_ledger_ca_is_revoked (c)
          && !bundle_crl (self, c, ca, NULL, bundle, export->warnings, error))
        goto out;
    }
  if (export->crl != NULL)
    {
      g_autoptr(GBytes) pem = chain_crl_to_pem (export->crl);
      g_autoptr(GBytes) der = chain_crl_to_der (export->crl);

      g_ptr_array_add (export->files, chain_export_file_new ("crl.pem", pem, FALSE, FALSE));
      g_ptr_array_add (export->files, chain_export_file_new ("crl.der", der, FALSE, FALSE));
    }
  if (bundle->len > 0)
    {
      g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&bundle));

      g_ptr_array_add (export->files, chain_export_file_new ("crls.pem", bytes, FALSE, FALSE));
    }

  /* Every device under the CA that a cloud must refuse. */
  devices = g_ptr_array_new_with_free_func ((GDestroyNotify) disabled_device_free);
  scan.state = state;
  scan.devices = devices;
  scan.indexes = g_array_new (FALSE, FALSE, sizeof (guint));
  scan.positions = g_array_new (FALSE, FALSE, sizeof (guint));
  scan.cancellable = cancellable;
  ok = chain_manifest_foreach (self, ca, disable_scan_device, &scan, cancellable, error)
       && flush_certificates (&scan, error);
  g_clear_pointer (&scan.record, chain_record_unref);
  g_array_unref (scan.indexes);
  g_array_unref (scan.positions);
  if (!ok)
    goto out;
  if (scan.n_missing > 0)
    chain_export_add_warning (export->warnings, "dps.certificate",
                              /* Translators: azure-dps/certs/SERIAL.pem is a path; SERIAL stands for a serial number */
                              _("the ledger lacks the certificates of %u revoked devices (their batches stored manifests only); "
                                "DPS needs each one to refuse it: put them into azure-dps/certs/SERIAL.pem from the factory's output"),
                              scan.n_missing);
  cas = g_ptr_array_new_with_free_func ((GDestroyNotify) disabled_ca_free);
  for (guint i = 0; i < chain_ledger_state_get_n_cas (state); i++)
    {
      ChainLedgerCa *c = chain_ledger_state_get_ca (state, i);
      ChainDisabledCa *disabled;

      if (!chain_export_ca_is_under (c, ca) || !chain_ledger_ca_is_revoked (c))
        continue;
      disabled = g_new0 (ChainDisabledCa, 1);
      disabled->ca = c;
      disabled->thumbprint = g_strdup (c->thumbprint);
      disabled->cloud_name = chain_export_cloud_name (c);
      g_ptr_array_add (cas, disabled);
    }
  export->n_disabled = devices->len;
  ctx.devices = devices;
  ctx.cas = cas;
  chain_revoke_azure_files (&ctx, export->files, export->warnings);
  chain_revoke_aws_files (&ctx, export->files);
  for (guint i = 0; i < export->files->len; i++)
    ((ChainExportFile *) g_ptr_array_index (export->files, i))->recorded = FALSE;
  result = g_steal_pointer (&export);

out:
  g_free (ctx.label);
  return result;
}

gboolean
chain_crl_export_write (ChainCrlExport *self,
                        const char     *dir,
                        GError        **error)
{
  return chain_export_write_files (dir, self->files, error);
}

ChainCert *
chain_crl_export_get_ca (const ChainCrlExport *self)
{
  return self->ca;
}

ChainCrl *
chain_crl_export_get_crl (const ChainCrlExport *self)
{
  return self->crl;
}

guint64
chain_crl_export_get_n_disabled (const ChainCrlExport *self)
{
  return self->n_disabled;
}

guint
chain_crl_export_get_n_files (const ChainCrlExport *self)
{
  return self->files->len;
}

const ChainExportFile *
chain_crl_export_get_file (const ChainCrlExport *self,
                           guint                 index)
{
  g_return_val_if_fail (index < self->files->len, NULL);
  return g_ptr_array_index (self->files, index);
}

const ChainExportFile *
chain_crl_export_find_file (const ChainCrlExport *self,
                            const char           *name)
{
  return chain_export_files_find (self->files, name);
}

guint
chain_crl_export_get_n_warnings (const ChainCrlExport *self)
{
  return self->warnings->len;
}

const ChainExportWarning *
chain_crl_export_get_warning (const ChainCrlExport *self,
                              guint                 index)
{
  g_return_val_if_fail (index < self->warnings->len, NULL);
  return g_ptr_array_index (self->warnings, index);
}

void
chain_crl_export_free (ChainCrlExport *self)
{
  if (self == NULL)
    return;
  chain_cert_free (self->ca);
  chain_crl_free (self->crl);
  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_free (self);
}
