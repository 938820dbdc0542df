/* chain-ledger-issuance.c — records of what the CAs issue
 *
 * Device batches (a manifest, optionally the certificates themselves),
 * proofs of possession, exports, revocations with their CRLs, annotations.
 * A batch is read in one pass: each device costs a 16-byte serial key, a
 * 16-byte device id key and a short slice of the manifest, and one
 * certificate is parsed at a time. A device id may come back in a later
 * batch only once its earlier certificate is revoked: two certificates in
 * force with one CN would both authenticate as that device.
 */
#include "chain-ledger-rules-private.h"
#include "chain-i18n-private.h"
#include "chain-crl.h"
#include "chain-manifest-private.h"
#include "chain-ordered-checks-private.h"
#include "chain-cert-verifier-private.h"

#include <inttypes.h>
#include <string.h>

#define ANNOTATION_MAX_LEN 4096
#define REVOCATION_MAX_SERIALS 100000
#define BATCH_MAX_COUNT G_GINT64_CONSTANT (100000000)
#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

/* ---- Device batch ------------------------------------------------------------------ */

typedef struct {
  guint32 offset;
  guint32 len;
} Slice;

typedef struct {
  const guint8 *data;
  gsize         len;
  gsize         pos;
  guint64       line;
} Cursor;

/* The first @needle in @haystack, or NULL; memmem() is not portable C. */
static const guint8 *
find_bytes (const guint8 *haystack,
            gsize         len,
            const char   *needle)
{
  gsize needle_len = strlen (needle);
  const guint8 *end = haystack + len;
  const guint8 *p = haystack;

  while ((gsize) (end - p) >= needle_len)
    {
      p = memchr (p, needle[0], (gsize) (end - p) - needle_len + 1);
      if (p == NULL)
        return NULL;
      if (memcmp (p, needle, needle_len) == 0)
        return p;
      p++;
    }
  return NULL;
}

/* Where the next PEM certificate block lies (@out_offset, @out_len), FALSE
 * at the end (@out_end) or for something else; white space only between
 * blocks. */
static gboolean
next_pem_block (const ChainRuleCtx  *ctx,
                Cursor              *cursor,
                guint64              index,
                gboolean            *out_end,
                gsize               *out_offset,
                gsize               *out_len,
                GError             **error)
{
  const guint8 *p;
  const guint8 *end_marker;
  gsize left;
  gsize block_len;

  *out_end = FALSE;
  while (cursor->pos < cursor->len && g_ascii_isspace (cursor->data[cursor->pos]))
    cursor->pos++;
  if (cursor->pos == cursor->len)
    {
      *out_end = TRUE;
      return FALSE;
    }
  p = cursor->data + cursor->pos;
  left = cursor->len - cursor->pos;
  if (left < strlen (PEM_BEGIN) || memcmp (p, PEM_BEGIN, strlen (PEM_BEGIN)) != 0)
    return chain_rule_refuse (ctx, error, "batch.certificates",
                              _("certificates.pem holds something other than PEM certificates after certificate %" PRIu64),
                              index);
  end_marker = find_bytes (p, left, PEM_END);
  if (end_marker == NULL)
    return chain_rule_refuse (ctx, error, "batch.certificates", _("certificate %" PRIu64 " of certificates.pem is truncated"),
                              index + 1);
  block_len = (gsize) (end_marker - p) + strlen (PEM_END);
  if (block_len > CHAIN_INPUT_MAX_LEN)
    return chain_rule_refuse (ctx, error, "batch.certificates", _("certificate %" PRIu64 " of certificates.pem is oversized"),
                              index + 1);
  *out_offset = cursor->pos;
  *out_len = block_len;
  cursor->pos += block_len;
  return TRUE;
}

/* Certificate @index (0-based) of certificates.pem, the PEM block of
 * @len bytes at @pem. */
static ChainCert *
parse_pem (const ChainRuleCtx  *ctx,
           const guint8        *pem,
           gsize                len,
           guint64              index,
           GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  ChainCert *cert = chain_cert_parse_keyless (pem, len, &local_error);

  if (cert == NULL)
    chain_rule_refuse (ctx, error, "batch.certificates", _("certificate %" PRIu64 " of certificates.pem: %s"),
                       index + 1, local_error->message);
  return cert;
}

/* The next PEM certificate block, parsed, or NULL at the end; white space
 * only between blocks. */
static ChainCert *
next_pem (const ChainRuleCtx  *ctx,
          Cursor              *cursor,
          guint64              index,
          gboolean            *out_end,
          GError             **error)
{
  gsize offset = 0;
  gsize len = 0;

  if (!next_pem_block (ctx, cursor, index, out_end, &offset, &len, error))
    return NULL;
  return parse_pem (ctx, cursor->data + offset, len, index, error);
}

typedef struct {
  ChainLedgerCa      *issuer;
  ChainCertVerifier  *verifier;      /* the issuer's key */
  GPtrArray          *constraints;   /* NAME_CONSTRAINTS * of the chain */
  gint64              window_start;
  gint64              window_end;
  gint64              max_seconds;
  ChainDeviceIdRules  id_rules;
} BatchCheck;

static void
nc_free (gpointer data)
{
  NAME_CONSTRAINTS_free (data);
}

/* Hex SHA-256 of @x's SubjectPublicKeyInfo as the certificate encodes it:
 * the key id chain_cert_dup_public_key_sha256() gives, without a round trip
 * through OpenSSL's encoders, which costs more than the rest of a device. */
static char *
spki_sha256 (X509 *x)
{
  unsigned char *der = NULL;
  int len = i2d_X509_PUBKEY (X509_get_X509_PUBKEY (x), &der);
  char *hex;

  if (len <= 0)
    {
      chain_openssl_clear_errors ();
      return g_strdup ("");
    }
  hex = chain_sha256_hex (der, (gsize) len);
  OPENSSL_free (der);
  return hex;
}

gboolean
chain_ledger_state_check_device_id (const ChainLedgerState *self,
                                    const char             *id,
                                    const ChainSerialKey   *id_key,
                                    GError                **error)
{
  ChainSerialKey earlier;
  ChainLedgerCa *issuer = NULL;
  g_autofree char *text = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *label = NULL;

  if (!chain_ledger_state_find_device (self, id_key, &earlier)
      || !chain_ledger_state_serial_in_force (self, &earlier, &issuer))
    return TRUE;
  text = chain_rule_shown (id);
  serial = chain_rule_serial_key_hex (&earlier);
  label = chain_rule_cert_label (issuer->cert);
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
               /* Translators: "device id ID already has a certificate in force (serial
                * SERIAL from 'CA NAME'); ..."; `chain revoke` is a command. */
               _("device id %s already has a certificate in force (serial %s from '%s'); revoke it with `chain revoke` first, or use a new id"),
               text, serial, label);
  return FALSE;
}

/* Certificate @index (0-based) against the issuer and its manifest line. */
static gboolean
check_device_cert (const ChainRuleCtx  *ctx,
                   const BatchCheck    *batch,
                   guint64              index,
                   ChainCert           *cert,
                   const char          *device_id,
                   const char          *serial,
                   const char          *cert_sha256,
                   const char          *key_sha256,
                   GError             **error)
{
  X509 *x = chain_cert_get_x509 (cert);
  guint64 n = index + 1;
  g_autoptr(GBytes) der = chain_cert_to_der (cert);
  g_autofree char *cert_serial = chain_cert_dup_serial (cert);
  g_autofree char *thumbprint = NULL;
  g_autofree char *spki = spki_sha256 (x);
  g_autofree char *cn = chain_x509_name_dup_common_name (X509_get_subject_name (x));
  ChainKeyAlgorithm algorithm = chain_cert_get_key_algorithm (cert);
  gint64 not_before = chain_cert_get_not_before (cert);
  gint64 not_after = chain_cert_get_not_after (cert);
  ChainSerialKey a;
  ChainSerialKey b;
  int ok;

  ok = X509_check_issued (chain_cert_get_x509 (batch->issuer->cert), x) == X509_V_OK
       && chain_cert_verifier_check (batch->verifier, x, g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  chain_openssl_clear_errors ();
  if (!ok)
    return chain_rule_refuse (ctx, error, "batch.certificates",
                              _("certificate %" PRIu64 " was not issued by the batch's CA"), n);
  if (!chain_serial_key_from_hex (cert_serial, &a) || !chain_serial_key_from_hex (serial, &b)
      || memcmp (&a, &b, sizeof a) != 0)
    return chain_rule_refuse (ctx, error, "batch.manifest",
                              _("line %" PRIu64 " has serial %s but certificate %" PRIu64 " has %s"),
                              n + 1, serial, n, cert_serial);
  /* chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA256), from the DER at hand. */
  thumbprint = chain_sha256_hex (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  if (strcmp (thumbprint, cert_sha256) != 0)
    return chain_rule_refuse (ctx, error, "batch.manifest",
                              _("line %" PRIu64 " has a cert_sha256 other than certificate %" PRIu64 "'s"),
                              n + 1, n);
  if (strcmp (spki, key_sha256) != 0)
    return chain_rule_refuse (ctx, error, "batch.manifest",
                              _("line %" PRIu64 " has a public_key_sha256 other than certificate %" PRIu64 "'s"),
                              n + 1, n);
  if (g_strcmp0 (cn, device_id) != 0)
    return chain_rule_refuse (ctx, error, "batch.manifest",
                              _("certificate %" PRIu64 "'s CN is not the device id on line %" PRIu64),
                              n, n + 1);
  if (X509_check_ca (x) != 0
      || (X509_get_extension_flags (x) & EXFLAG_KUSAGE) == 0
      || (X509_get_key_usage (x) & KU_DIGITAL_SIGNATURE) == 0
      || (X509_get_extension_flags (x) & EXFLAG_XKUSAGE) == 0
      || (X509_get_extended_key_usage (x) & XKU_SSL_CLIENT) == 0)
    return chain_rule_refuse (ctx, error, "batch.profile",
                              _("certificate %" PRIu64 " is not a device certificate (CA:FALSE, digitalSignature, clientAuth)"), n);
  if (not_after <= not_before || not_before < batch->window_start || not_after > batch->window_end)
    return chain_rule_refuse (ctx, error, "batch.validity",
                              _("certificate %" PRIu64 " is valid beyond its issuer chain; issue it inside that window"), n);
  if (not_after - not_before > batch->max_seconds)
    return chain_rule_refuse (ctx, error, "batch.validity",
                              _("certificate %" PRIu64 " is valid longer than the policy's %" PRId64 " days for devices"),
                              n, batch->max_seconds / DAY_SECONDS);
  for (guint i = 0; i < batch->constraints->len; i++)
    {
      NAME_CONSTRAINTS *nc = g_ptr_array_index (batch->constraints, i);

      ok = NAME_CONSTRAINTS_check (x, nc) == X509_V_OK && NAME_CONSTRAINTS_check_CN (x, nc) == X509_V_OK;
      chain_openssl_clear_errors ();
      if (!ok)
        return chain_rule_refuse (ctx, error, "batch.name-constraints",
                                  _("certificate %" PRIu64 " breaks the name constraints of its issuer chain"), n);
    }
  if (!chain_policy_allows_algorithm (chain_rule_get_policy (ctx), algorithm))
    return chain_rule_refuse (ctx, error, "batch.algorithm",
                              _("certificate %" PRIu64 " has a %s key, which the policy does not allow"),
                              n, chain_key_algorithm_to_string (algorithm));
  return TRUE;
}

/* A certificate for chain_ordered_checks: where its PEM block lies in
 * certificates.pem, then its manifest row's device id, serial,
 * cert_sha256 and public_key_sha256, each NUL-terminated (the manifest
 * reader refuses NUL bytes). */
typedef struct {
  gsize pem_offset;
  gsize pem_len;
  char  fields[];
} DeviceItem;

#define DEVICE_ITEM_MAX_LEN (sizeof (DeviceItem) + CHAIN_MANIFEST_N_FIELDS * (CHAIN_MANIFEST_FIELD_MAX_LEN + 1))

/* What every certificate of a batch is checked against; read only. */
typedef struct {
  const ChainRuleCtx *ctx;
  const BatchCheck   *batch;
  const guint8       *pems;
} DeviceCheck;

static gsize
device_item_pack (DeviceItem        *item,
                  gsize              pem_offset,
                  gsize              pem_len,
                  const char *const  fields[CHAIN_MANIFEST_N_FIELDS])
{
  gsize len = 0;

  item->pem_offset = pem_offset;
  item->pem_len = pem_len;
  for (guint i = 0; i < CHAIN_MANIFEST_N_FIELDS; i++)
    {
      gsize field_len = strnlen (fields[i], CHAIN_MANIFEST_FIELD_MAX_LEN);

      memcpy (item->fields + len, fields[i], field_len);
      item->fields[len + field_len] = '\0';
      len += field_len + 1;
    }
  return sizeof (DeviceItem) + len;
}

/* A ChainOrderedCheckFunc: parses and checks one certificate of the batch. */
static gboolean
check_device_item (guint64        index,
                   gconstpointer  data,
                   gsize          len,
                   gpointer       user_data,
                   GError       **error)
{
  const DeviceCheck *check = user_data;
  const DeviceItem *item = data;
  const char *device_id = item->fields;
  const char *serial = device_id + strlen (device_id) + 1;
  const char *cert_sha256 = serial + strlen (serial) + 1;
  const char *key_sha256 = cert_sha256 + strlen (cert_sha256) + 1;
  g_autoptr(ChainCert) cert = NULL;

  (void) len;
  cert = parse_pem (check->ctx, check->pems + item->pem_offset, item->pem_len, index, error);
  return cert != NULL
         && check_device_cert (check->ctx, check->batch, index, cert, device_id, serial, cert_sha256, key_sha256, error);
}

static int
compare_slices (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const Slice *x = a;
  const Slice *y = b;
  const guint8 *data = user_data;
  int c = memcmp (data + x->offset, data + y->offset, MIN (x->len, y->len));

  if (c != 0)
    return c;
  return x->len < y->len ? -1 : x->len > y->len ? 1 : 0;
}

/* The manifest's rows in order, each certificate handed to @checks after
 * its row passed. Returns FALSE with @error unset when @checks failed
 * already: a certificate's refusal comes before anything later. */
static gboolean
read_batch_lines (ChainRuleCtx        *ctx,
                  const BatchCheck    *batch,
                  gint64               count,
                  GBytes              *certificates,
                  ChainOrderedChecks  *checks,
                  GError             **error)
{
  GBytes *manifest = chain_rule_artifact (ctx, "manifest.csv");
  g_auto(ChainManifestReader) lines = { 0 };
  Cursor pems = { NULL, 0, 0, 0 };
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (Slice));
  g_autoptr(GError) row_error = NULL;
  ChainManifestRow row;
  const char *manifest_data;
  gsize manifest_len = 0;
  guint64 n = 0;

  manifest_data = g_bytes_get_data (manifest, &manifest_len);
  if (certificates != NULL)
    pems.data = g_bytes_get_data (certificates, &pems.len);
  if (manifest_len > G_MAXUINT32)
    return chain_rule_refuse (ctx, error, "batch.manifest", _("manifest.csv is over 4 GiB; split the batch"));
  chain_manifest_reader_init (&lines, manifest_data, manifest_len);
  if (!chain_manifest_reader_next (&lines, &row, NULL)
      || !row.canonical || row.raw_len + 1 != strlen (CHAIN_MANIFEST_HEADER)
      || memcmp (row.raw, CHAIN_MANIFEST_HEADER, row.raw_len) != 0)
    return chain_rule_refuse (ctx, error, "batch.manifest", _("manifest.csv must start with the line %.*s"),
                              (int) strlen (CHAIN_MANIFEST_HEADER) - 1, CHAIN_MANIFEST_HEADER);

  /* Device ids are indexed by 31 bits. */
  if ((guint64) ctx->state->n_device_serials + (guint64) count > (guint64) CHAIN_SERIAL_VALUE_MAX + 1)
    return chain_rule_refuse (ctx, error, "batch.count",
                              _("the ledger cannot hold more than %" PRIu64 " device ids; start a new ledger"),
                              (guint64) CHAIN_SERIAL_VALUE_MAX + 1);

  ctx->new_serials = g_array_new (FALSE, FALSE, sizeof (ChainSerialKey));
  ctx->new_device_ids = g_array_new (FALSE, FALSE, sizeof (ChainSerialKey));
  while (chain_manifest_reader_next (&lines, &row, &row_error))
    {
      g_autoptr(GError) local_error = NULL;
      const char *device_id = row.fields[0];
      const char *const *fields = row.fields + 1;
      ChainSerialKey key;
      ChainSerialKey id_key;
      Slice slice;

      if (!row.terminated)
        return chain_rule_refuse (ctx, error, "batch.manifest", _("manifest.csv line %" PRIu64 " lacks its final newline"),
                                  row.line);
      if ((gint64) n >= count)
        return chain_rule_refuse (ctx, error, "batch.count", _("manifest.csv lists more devices than body.count (%" PRId64 ")"),
                                  count);
      /* One spelling per row, so the raw ids compare as the ids do. */
      if (row.n_fields != CHAIN_MANIFEST_N_FIELDS || !row.canonical)
        return chain_rule_refuse (ctx, error, "batch.manifest",
                                  _("manifest.csv line %" PRIu64 " is not device_id,serial,cert_sha256,public_key_sha256"),
                                  row.line);
      if (!chain_serial_key_from_hex (fields[0], &key)
          || fields[0][0] == '-' || !chain_hex_is_lower (fields[1], 64) || !chain_hex_is_lower (fields[2], 64))
        return chain_rule_refuse (ctx, error, "batch.manifest",
                                  _("manifest.csv line %" PRIu64 " must be device_id,serial (hex),cert_sha256,public_key_sha256 (64 lower-case hex each)"),
                                  row.line);
      for (const char *p = fields[0]; *p != '\0'; p++)
        if (g_ascii_isupper (*p))
          return chain_rule_refuse (ctx, error, "batch.manifest",
                                    _("manifest.csv line %" PRIu64 " has an upper-case serial; write hex in lower case"),
                                    row.line);
      if (!chain_device_id_validate (device_id, batch->id_rules, &local_error))
        return chain_rule_refuse (ctx, error, "batch.device-id", _("manifest.csv line %" PRIu64 ": %s"),
                                  row.line, local_error->message);
      chain_ledger_device_id_key (device_id, &id_key);
      if (!chain_ledger_state_check_device_id (ctx->state, device_id, &id_key, &local_error))
        return chain_rule_refuse (ctx, error, "batch.device-id-reused", _("manifest.csv line %" PRIu64 ": %s"),
                                  row.line, local_error->message);
      g_array_append_val (ctx->new_serials, key);
      g_array_append_val (ctx->new_device_ids, id_key);
      slice.offset = (guint32) (row.raw - manifest_data);
      slice.len = (guint32) row.raw_first_len;
      g_array_append_val (ids, slice);

      if (certificates != NULL)
        {
          const char *const item_fields[CHAIN_MANIFEST_N_FIELDS] = { device_id, fields[0], fields[1], fields[2] };
          union { DeviceItem item; guint8 bytes[DEVICE_ITEM_MAX_LEN]; } item;
          gboolean end = FALSE;
          gsize offset = 0;
          gsize len = 0;

          if (chain_ordered_checks_failed (checks))
            return FALSE;
          if (!next_pem_block (ctx, &pems, n, &end, &offset, &len, error))
            return end ? chain_rule_refuse (ctx, error, "batch.certificates",
                                            _("certificates.pem holds %" PRIu64 " certificates, fewer than manifest.csv lists"),
                                            n)
                       : FALSE;
          chain_ordered_checks_add (checks, n, &item, device_item_pack (&item.item, offset, len, item_fields));
        }
      n++;
    }
  if (row_error != NULL)
    return chain_rule_refuse (ctx, error, "batch.manifest", "%s", row_error->message);
  if ((gint64) n != count)
    return chain_rule_refuse (ctx, error, "batch.count",
                              _("manifest.csv lists %" PRIu64 " devices but body.count is %" PRId64), n, count);
  if (certificates != NULL)
    {
      gboolean end = FALSE;
      g_autoptr(ChainCert) extra = next_pem (ctx, &pems, n, &end, error);

      if (!end)
        return extra == NULL ? FALSE
                             : chain_rule_refuse (ctx, error, "batch.certificates",
                                                  _("certificates.pem holds more certificates than manifest.csv lists"));
    }

  /* Device ids once each: sorted slices of the manifest. */
  g_array_sort_with_data (ids, compare_slices, (gpointer) manifest_data);
  for (guint i = 1; i < ids->len; i++)
    if (compare_slices (&g_array_index (ids, Slice, i - 1), &g_array_index (ids, Slice, i),
                        (gpointer) manifest_data) == 0)
      {
        Slice *s = &g_array_index (ids, Slice, i);
        g_autofree char *id = g_strndup (manifest_data + s->offset, MIN (s->len, 64));
        g_autofree char *text = chain_rule_shown (id);

        return chain_rule_refuse (ctx, error, "batch.device-id", _("device id %s is listed twice; list each device once"), text);
      }
  return TRUE;
}

static gboolean
check_batch_lines (ChainRuleCtx      *ctx,
                   const BatchCheck  *batch,
                   gint64             count,
                   GError           **error)
{
  /* Verified before: the manifest alone gives the state its serials and ids. */
  GBytes *certificates = ctx->record->seq < ctx->state->verified_length
                         ? NULL : chain_rule_artifact (ctx, "certificates.pem");
  DeviceCheck device_check = { ctx, batch, NULL };
  g_autoptr(ChainOrderedChecks) checks = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  /* The certificates on all cores while the rows are read here. */
  if (certificates != NULL)
    {
      device_check.pems = g_bytes_get_data (certificates, NULL);
      checks = chain_ordered_checks_new ((guint64) count, check_device_item, &device_check);
    }
  ok = read_batch_lines (ctx, batch, count, certificates, checks, &local_error);
  /* A certificate refused precedes whatever the rows after it say. */
  if (checks != NULL && !chain_ordered_checks_finish (checks, error))
    return FALSE;
  if (!ok)
    {
      g_assert (local_error != NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_rule_batch (ChainRuleCtx  *ctx,
                  GError       **error)
{
  static const char *const known[] = { "count", "issuer", NULL };
  g_autoptr(GPtrArray) chain = NULL;
  BatchCheck batch = { 0 };
  const char *issuer;
  gint64 count = 0;
  gboolean ok;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  issuer = chain_rule_body_string (ctx, "issuer", error);
  if (issuer == NULL || !chain_rule_body_integer (ctx, "count", &count, error))
    return FALSE;
  ctx->ca = chain_rule_lookup_ca (ctx, issuer, "batch.issuer", TRUE, error);
  if (ctx->ca == NULL)
    return FALSE;
  if (chain_ledger_ca_is_revoked (ctx->ca))
    {
      g_autofree char *label = chain_rule_cert_label (ctx->ca->cert);

      return chain_rule_refuse (ctx, error, "batch.issuer-revoked", _("CA '%s' is revoked, or a CA above it is"), label);
    }
  if (ctx->ca->retired)
    {
      g_autofree char *label = chain_rule_cert_label (ctx->ca->cert);

      return chain_rule_refuse (ctx, error, "batch.issuer", _("CA '%s' was retired by key rotation; issue from the current CA"), label);
    }
  if (!chain_policy_get_issues_devices (chain_rule_get_policy (ctx), ctx->author->tier))
    return chain_rule_refuse (ctx, error, "batch.tier", _("the policy does not let tier '%s' issue device certificates"),
                              ctx->author->tier);
  if (count < 1 || count > BATCH_MAX_COUNT)
    return chain_rule_refuse (ctx, error, "batch.count", _("body.count is %" PRId64 "; a batch holds 1 to %" PRId64 " devices"),
                              count, BATCH_MAX_COUNT);

  batch.issuer = ctx->ca;
  batch.verifier = chain_cert_verifier_new (X509_get0_pubkey (chain_cert_get_x509 (ctx->ca->cert)));
  batch.constraints = g_ptr_array_new_with_free_func (nc_free);
  chain = chain_ledger_ca_get_chain (ctx->ca);
  for (guint i = 0; i < chain->len; i++)
    {
      NAME_CONSTRAINTS *nc = chain_rule_cert_nc (((ChainLedgerCa *) g_ptr_array_index (chain, i))->cert);

      if (nc != NULL)
        g_ptr_array_add (batch.constraints, nc);
    }
  chain_rule_chain_window (ctx->ca, &batch.window_start, &batch.window_end);
  batch.max_seconds = chain_policy_get_device_max_validity_days (chain_rule_get_policy (ctx)) * DAY_SECONDS;
  batch.id_rules = chain_policy_get_device_id_rules (chain_rule_get_policy (ctx));

  ok = check_batch_lines (ctx, &batch, count, error);
  g_ptr_array_unref (batch.constraints);
  chain_cert_verifier_free (batch.verifier);
  if (!ok)
    return FALSE;
  ctx->issued_by = ctx->ca;
  ctx->n_devices = (guint64) count;
  chain_rule_batch_quota (ctx);
  return TRUE;
}

/* ---- Proof of possession ------------------------------------------------------------ */

static gboolean
is_known_target (const char *target,
                 gboolean    allow_pem)
{
  return strcmp (target, "azure-iothub") == 0 || strcmp (target, "azure-dps") == 0
         || strcmp (target, "aws-iot") == 0 || (allow_pem && strcmp (target, "pem") == 0);
}

gboolean
chain_rule_pop (ChainRuleCtx  *ctx,
                GError       **error)
{
  static const char *const known[] = { "ca", "code", "target", NULL };
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(ChainName) subject = NULL;
  g_autofree char *cn = NULL;
  g_autofree char *label = NULL;
  const char *ca;
  const char *code;
  const char *target;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  ca = chain_rule_body_string (ctx, "ca", error);
  code = ca != NULL ? chain_rule_body_string (ctx, "code", error) : NULL;
  target = code != NULL ? chain_rule_body_string (ctx, "target", error) : NULL;
  if (target == NULL)
    return FALSE;
  if (!is_known_target (target, FALSE))
    return chain_rule_refuse (ctx, error, "pop.target", _("target must be azure-iothub, azure-dps or aws-iot"));
  ctx->ca = chain_rule_lookup_ca (ctx, ca, "pop.ca", TRUE, error);
  if (ctx->ca == NULL)
    return FALSE;
  label = chain_rule_cert_label (ctx->ca->cert);
  if (chain_ledger_ca_is_revoked (ctx->ca))
    return chain_rule_refuse (ctx, error, "pop.ca", _("CA '%s' is revoked; a cloud must not trust it"), label);
  cert = chain_rule_parse_cert (ctx, "verification.pem", "pop.certificate", error);
  if (cert == NULL)
    return FALSE;
  if (!chain_rule_cert_issued_by (cert, ctx->ca->cert))
    return chain_rule_refuse (ctx, error, "pop.certificate", _("verification.pem was not signed by exactly CA '%s'"), label);
  if (chain_cert_is_ca (cert))
    return chain_rule_refuse (ctx, error, "pop.certificate", _("verification.pem is a CA certificate; it must be a leaf"));
  subject = chain_cert_dup_subject (cert);
  cn = chain_name_dup_common_name (subject);
  if (g_strcmp0 (cn, code) != 0)
    return chain_rule_refuse (ctx, error, "pop.code", _("verification.pem's CN is not body.code; put the cloud's code in the CN"));
  ctx->issued_by = ctx->ca;
  return chain_rule_stage_serial (ctx, cert, "pop.certificate", error);
}

/* ---- Export -------------------------------------------------------------------------- */

static gboolean
is_cert_file (const char *name)
{
  return g_str_has_suffix (name, ".pem") || g_str_has_suffix (name, ".cer") || g_str_has_suffix (name, ".crt");
}

gboolean
chain_rule_export (ChainRuleCtx  *ctx,
                   GError       **error)
{
  static const char *const known[] = { "ca", "files", "target", NULL };
  g_autofree const char **names = chain_statement_get_artifact_names (ctx->st);
  ChainJson *files;
  const char *ca;
  const char *target;
  gboolean ca_exported = FALSE;
  g_autofree char *label = NULL;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  ca = chain_rule_body_string (ctx, "ca", error);
  target = ca != NULL ? chain_rule_body_string (ctx, "target", error) : NULL;
  files = target != NULL ? chain_rule_member (ctx, ctx->body, "body", "files", CHAIN_JSON_OBJECT, error) : NULL;
  if (files == NULL)
    return FALSE;
  if (!is_known_target (target, TRUE))
    return chain_rule_refuse (ctx, error, "export.target", _("target must be azure-iothub, azure-dps, aws-iot or pem"));
  ctx->ca = chain_rule_lookup_ca (ctx, ca, "export.ca", FALSE, error);
  if (ctx->ca == NULL)
    return FALSE;
  label = chain_rule_cert_label (ctx->ca->cert);
  if (chain_ledger_ca_is_revoked (ctx->ca))
    return chain_rule_refuse (ctx, error, "export.ca", _("CA '%s' is revoked; do not hand it to a cloud"), label);

  if (chain_json_object_get_size (files) != g_strv_length ((char **) names))
    return chain_rule_refuse (ctx, error, "export.files", _("body.files lists %zu files but the record adds %u"),
                              chain_json_object_get_size (files), g_strv_length ((char **) names));
  for (guint i = 0; names[i] != NULL; i++)
    {
      ChainJson *digest = chain_json_object_get_member (files, names[i]);
      const char *sha256 = NULL;

      chain_statement_get_artifact (ctx->st, names[i], &sha256, NULL, NULL);
      if (digest == NULL || chain_json_get_value_type (digest) != CHAIN_JSON_STRING)
        return chain_rule_refuse (ctx, error, "export.files", _("body.files does not list artifact '%s' with its SHA-256"), names[i]);
      if (strcmp (chain_json_get_string (digest), sha256) != 0)
        return chain_rule_refuse (ctx, error, "export.files", _("body.files gives '%s' a digest other than the file's"), names[i]);
    }

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) certs = NULL;
      g_autoptr(GError) local_error = NULL;
      GBytes *data;
      gsize len = 0;
      const guint8 *bytes;

      if (!is_cert_file (names[i]))
        continue;
      data = chain_rule_artifact (ctx, names[i]);
      bytes = g_bytes_get_data (data, &len);
      certs = chain_cert_parse_bundle (bytes, len, &local_error);
      if (certs == NULL)
        return chain_rule_refuse (ctx, error, "export.content", _("%s: %s"), names[i], local_error->message);
      for (guint j = 0; j < certs->len; j++)
        {
          g_autofree char *thumbprint = chain_cert_dup_thumbprint_hex (g_ptr_array_index (certs, j), CHAIN_DIGEST_SHA256);
          ChainLedgerCa *known_ca = g_hash_table_lookup (ctx->state->cas_by_thumbprint, thumbprint);

          if (known_ca == NULL)
            return chain_rule_refuse (ctx, error, "export.content",
                                      _("%s holds a certificate that is no CA of this ledger; export only the ledger's CAs"), names[i]);
          if (chain_ledger_ca_is_revoked (known_ca))
            return chain_rule_refuse (ctx, error, "export.content", _("%s holds a revoked CA certificate"), names[i]);
          ca_exported |= known_ca == ctx->ca;
        }
    }
  if (!ca_exported)
    return chain_rule_refuse (ctx, error, "export.content", _("no exported file holds CA '%s', which body.ca names"), label);

  ctx->new_export = g_new0 (ChainLedgerExport, 1);
  ctx->new_export->seq = ctx->record->seq;
  ctx->new_export->id = g_strdup (chain_statement_get_id (ctx->st));
  ctx->new_export->author = g_strdup (ctx->author->id);
  ctx->new_export->target = g_strdup (target);
  ctx->new_export->ca = g_strdup (ca);
  ctx->new_export->files = chain_json_ref (files);
  return TRUE;
}

/* ---- Revocation ---------------------------------------------------------------------- */

gboolean
chain_rule_revocation (ChainRuleCtx  *ctx,
                       GError       **error)
{
  static const char *const known[] = { "issuer", "reason", "serials", NULL };
  static const char *const reasons[] = {
    "unspecified", "key-compromise", "ca-compromise", "affiliation-changed", "superseded",
    "cessation-of-operation", NULL
  };
  g_autoptr(ChainCrl) crl = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = NULL;
  const char *issuer;
  const char *reason;
  ChainJson *serials;
  GBytes *crl_data;
  gsize crl_len = 0;
  const guint8 *crl_bytes;
  gsize n;
  gsize expected;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  issuer = chain_rule_body_string (ctx, "issuer", error);
  reason = issuer != NULL ? chain_rule_body_string (ctx, "reason", error) : NULL;
  serials = reason != NULL ? chain_rule_member (ctx, ctx->body, "body", "serials", CHAIN_JSON_ARRAY, error) : NULL;
  if (serials == NULL)
    return FALSE;
  if (!g_strv_contains (reasons, reason))
    return chain_rule_refuse (ctx, error, "revocation.reason",
                              _("reason must be unspecified, key-compromise, ca-compromise, affiliation-changed, superseded or cessation-of-operation"));
  ctx->ca = chain_rule_lookup_ca (ctx, issuer, "revocation.issuer", TRUE, error);
  if (ctx->ca == NULL)
    return FALSE;
  label = chain_rule_cert_label (ctx->ca->cert);
  n = chain_json_array_get_length (serials);
  if (n == 0 || n > REVOCATION_MAX_SERIALS)
    return chain_rule_refuse (ctx, error, "statement.body", _("body.serials must list 1 to %d serials"), REVOCATION_MAX_SERIALS);

  ctx->revoke = g_array_new (FALSE, FALSE, sizeof (ChainSerialKey));
  ctx->revoke_hex = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; i < n; i++)
    {
      ChainJson *item = chain_json_array_get_element (serials, i);
      const char *hex;
      ChainSerialKey key;
      guint32 value = 0;

      if (chain_json_get_value_type (item) != CHAIN_JSON_STRING
          || !chain_serial_key_from_hex (chain_json_get_string (item), &key))
        return chain_rule_refuse (ctx, error, "statement.body",
                                  _("body.serials[%zu] is not a serial in hex"), i);
      hex = chain_json_get_string (item);
      /* One spelling per serial, as in manifest.csv (docs/ledger-format.md). */
      for (const char *p = hex; *p != '\0'; p++)
        if (g_ascii_isupper (*p))
          return chain_rule_refuse (ctx, error, "statement.body",
                                    _("body.serials[%zu] has upper-case hex; write serials in lower case"), i);
      if (!chain_serial_set_lookup (ctx->state->serials, &key, &value)
          || (value & CHAIN_LEDGER_SERIAL_CA_MASK) != ctx->ca->index)
        {
          g_autofree char *text = chain_rule_shown (hex);

          return chain_rule_refuse (ctx, error, "revocation.not-issued",
                                    _("serial %s was never issued by '%s'; revoke only what this CA issued"), text, label);
        }
      if ((value & CHAIN_LEDGER_SERIAL_REVOKED) != 0)
        return chain_rule_refuse (ctx, error, "revocation.duplicate", _("serial %s is revoked already"), hex);
      for (guint j = 0; j < ctx->revoke->len; j++)
        if (memcmp (&g_array_index (ctx->revoke, ChainSerialKey, j), &key, sizeof key) == 0)
          return chain_rule_refuse (ctx, error, "revocation.duplicate", _("serial %s is listed twice"), hex);
      g_array_append_val (ctx->revoke, key);
      g_ptr_array_add (ctx->revoke_hex, g_strdup (hex));
    }

  crl_data = chain_rule_artifact (ctx, "crl.pem");
  crl_bytes = g_bytes_get_data (crl_data, &crl_len);
  crl = chain_crl_parse (crl_bytes, crl_len, &local_error);
  if (crl == NULL)
    return chain_rule_refuse (ctx, error, "revocation.crl", _("crl.pem: %s"), local_error->message);
  if (!chain_crl_is_signed_by (crl, ctx->ca->cert))
    return chain_rule_refuse (ctx, error, "revocation.crl", _("crl.pem was not signed by '%s'"), label);
  ctx->crl_number = chain_crl_get_number (crl);
  if (ctx->crl_number <= ctx->ca->crl_number)
    return chain_rule_refuse (ctx, error, "revocation.crl",
                              _("crl.pem has CRL number %" PRIu64 "; it must exceed the last one, %" PRIu64),
                              ctx->crl_number, ctx->ca->crl_number);
  expected = ctx->ca->revoked_serials->len + ctx->revoke_hex->len;
  if (chain_crl_get_n_entries (crl) != expected)
    return chain_rule_refuse (ctx, error, "revocation.crl",
                              _("crl.pem lists %zu serials; '%s' has revoked %zu with this record"),
                              chain_crl_get_n_entries (crl), label, expected);
  for (guint i = 0; i < ctx->ca->revoked_serials->len; i++)
    if (!chain_crl_contains (crl, g_ptr_array_index (ctx->ca->revoked_serials, i)))
      return chain_rule_refuse (ctx, error, "revocation.crl", _("crl.pem omits serial %s, revoked earlier"),
                                (const char *) g_ptr_array_index (ctx->ca->revoked_serials, i));
  for (guint i = 0; i < ctx->revoke_hex->len; i++)
    if (!chain_crl_contains (crl, g_ptr_array_index (ctx->revoke_hex, i)))
      return chain_rule_refuse (ctx, error, "revocation.crl", _("crl.pem omits serial %s, revoked by this record"),
                                (const char *) g_ptr_array_index (ctx->revoke_hex, i));
  return TRUE;
}

/* ---- Annotation ---------------------------------------------------------------------- */

gboolean
chain_rule_annotation (ChainRuleCtx  *ctx,
                       GError       **error)
{
  static const char *const known[] = { "text", NULL };
  const char *text;

  if (!chain_rule_check_members (ctx, ctx->body, "body", known, error))
    return FALSE;
  text = chain_rule_body_string (ctx, "text", error);
  if (text == NULL)
    return FALSE;
  if (text[0] == '\0' || strlen (text) > ANNOTATION_MAX_LEN)
    return chain_rule_refuse (ctx, error, "annotation.text", _("body.text must be 1 to %d bytes"), ANNOTATION_MAX_LEN);
  return TRUE;
}
