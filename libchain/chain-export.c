/* chain-export.c — exports for the clouds: common parts, pre-flight checks,
 * proof of possession
 *
 * chain-export-azure.c and chain-export-aws.c add what their cloud wants;
 * this file resolves the CA, makes ca.pem and the pem target, runs the
 * pre-flight checks over the state and the device manifests, and records.
 */
#include "chain-export-private.h"
#include "chain-pki-private.h"
#include "chain-i18n-private.h"
#include "chain-manifest-private.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <glib/gstdio.h>
#include <openssl/core_names.h>

#define DAY (G_GINT64_CONSTANT (24) * 60 * 60)
#define EXAMPLES_MAX 3

struct _ChainExport {
  ChainExportTarget  target;
  ChainCert         *ca;
  char              *thumbprint;
  char              *code;
  ChainCert         *verification;
  GPtrArray         *files;      /* ChainExportFile * */
  GPtrArray         *warnings;   /* ChainExportWarning * */
  gint64             pop_seq;
  gint64             seq;
};

static const char *const target_names[] = {
  [CHAIN_EXPORT_TARGET_INVALID] = "invalid",
  [CHAIN_EXPORT_TARGET_PEM] = "pem",
  [CHAIN_EXPORT_TARGET_AZURE_IOTHUB] = "azure-iothub",
  [CHAIN_EXPORT_TARGET_AZURE_DPS] = "azure-dps",
  [CHAIN_EXPORT_TARGET_AWS_IOT] = "aws-iot",
};

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

const char *
chain_export_target_to_string (ChainExportTarget target)
{
  if ((guint) target >= G_N_ELEMENTS (target_names))
    return target_names[CHAIN_EXPORT_TARGET_INVALID];
  return target_names[target];
}

ChainExportTarget
chain_export_target_from_string (const char *name,
                                 GError    **error)
{
  for (guint i = CHAIN_EXPORT_TARGET_PEM; name != NULL && i < G_N_ELEMENTS (target_names); i++)
    if (strcmp (name, target_names[i]) == 0)
      return (ChainExportTarget) i;
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: the last %s lists the target names (not translated). */
               _("unknown export target '%.32s'; use one of %s"),
               name != NULL ? name : "", CHAIN_EXPORT_TARGET_NAMES);
  return CHAIN_EXPORT_TARGET_INVALID;
}

static gboolean
is_cloud (ChainExportTarget target)
{
  return target == CHAIN_EXPORT_TARGET_AZURE_IOTHUB || target == CHAIN_EXPORT_TARGET_AZURE_DPS
         || target == CHAIN_EXPORT_TARGET_AWS_IOT;
}

static gboolean
is_azure (ChainExportTarget target)
{
  return target == CHAIN_EXPORT_TARGET_AZURE_IOTHUB || target == CHAIN_EXPORT_TARGET_AZURE_DPS;
}

gboolean
chain_export_check_code (ChainExportTarget target,
                         const char       *code,
                         GError          **error)
{
  gsize len = code != NULL ? strlen (code) : 0;

  if (!is_cloud (target))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("target '%s' has no proof of possession; use azure-iothub, azure-dps or aws-iot"),
                   chain_export_target_to_string (target));
      return FALSE;
    }
  if (len == 0)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the verification code is empty; give the code the cloud shows"));
      return FALSE;
    }
  if (target == CHAIN_EXPORT_TARGET_AWS_IOT)
    {
      if (len != CHAIN_EXPORT_AWS_CODE_LEN || !chain_hex_is_lower (code, len))
        {
          if (len == CHAIN_EXPORT_AWS_CODE_LEN)
            g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                         _("an AWS IoT registration code is %d lower-case hex digits, this one has %zu characters "
                           "that are not all lower-case hex; copy it from 'aws iot get-registration-code'"),
                         CHAIN_EXPORT_AWS_CODE_LEN, len);
          else
            g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                         _("an AWS IoT registration code is %d lower-case hex digits, this one has %zu characters; "
                           "copy it from 'aws iot get-registration-code'"),
                         CHAIN_EXPORT_AWS_CODE_LEN, len);
          return FALSE;
        }
      return TRUE;
    }
  if (len > CHAIN_EXPORT_CODE_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the verification code has %zu characters, more than a CN holds (%d); copy it from the portal or az"),
                   len, CHAIN_EXPORT_CODE_MAX_LEN);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (code[i]) && code[i] != '-' && code[i] != '_')
      {
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("the verification code has a character other than letters, digits, '-' and '_' at position %zu; copy it from the portal or az"), i + 1);
        return FALSE;
      }
  return TRUE;
}

/* ---- CAs of the state ---------------------------------------------------------------- */

ChainLedgerCa *
chain_export_lookup_ca (const ChainLedgerState *state,
                        const ChainCert        *cert)
{
  g_autofree char *thumbprint = NULL;

  if (state == NULL || cert == NULL)
    return NULL;
  thumbprint = chain_ledger_cert_thumbprint (cert);
  return g_hash_table_lookup (state->cas_by_thumbprint, thumbprint);
}

ChainLedgerCa *
chain_export_resolve_ca (ChainWorkspace *self,
                         const char     *name,
                         GError        **error)
{
  ChainCert *cert = chain_workspace_find_ca (self, name, error);
  ChainLedgerCa *ca;

  if (cert == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                             _("this workspace has no CA yet; run 'chain accept GRANT' first"));
      return NULL;
    }
  ca = chain_export_lookup_ca (chain_workspace_get_state (self), cert);
  if (ca == NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                 _("the ledger does not know CA '%s' yet; run 'chain sync' and try again"),
                 name != NULL ? name : _("(own)"));
  return ca;
}

gboolean
chain_export_ca_is_under (const ChainLedgerCa *ca,
                          const ChainLedgerCa *ancestor)
{
  for (const ChainLedgerCa *c = ca; c != NULL; c = c->issuer)
    if (c == ancestor)
      return TRUE;
  return FALSE;
}

gboolean
chain_export_is_own_ca (ChainWorkspace      *self,
                        const ChainLedgerCa *ca)
{
  ChainCert *own = chain_workspace_get_ca (self);

  return own != NULL && ca != NULL && chain_cert_equal (own, ca->cert);
}

char *
chain_export_ca_label (const ChainLedgerCa *ca)
{
  return chain_x509_label (chain_cert_get_x509 (ca->cert));
}

char *
chain_export_cloud_name (const ChainLedgerCa *ca)
{
  return g_strdup_printf ("%s-%.8s", ca->owner->id, ca->thumbprint);
}

/* ---- Files, warnings, scripts ------------------------------------------------------- */

ChainExportFile *
chain_export_file_new (const char *name,
                       GBytes     *data,
                       gboolean    recorded,
                       gboolean    executable)
{
  ChainExportFile *file = g_new0 (ChainExportFile, 1);

  file->name = g_strdup (name);
  file->data = g_bytes_ref (data);
  file->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
  file->recorded = recorded;
  file->executable = executable;
  return file;
}

ChainExportFile *
chain_export_file_new_take_string (const char *name,
                                   GString    *text,
                                   gboolean    executable)
{
  g_autoptr(GBytes) data = g_string_free_to_bytes (text);

  return chain_export_file_new (name, data, TRUE, executable);
}

void
chain_export_file_free (ChainExportFile *file)
{
  if (file == NULL)
    return;
  g_free (file->name);
  g_bytes_unref (file->data);
  g_free (file->sha256);
  g_free (file);
}

void
chain_export_warning_free (ChainExportWarning *warning)
{
  if (warning == NULL)
    return;
  g_free (warning->id);
  g_free (warning->message);
  g_free (warning);
}

void
chain_export_add_warning (GPtrArray  *warnings,
                          const char *id,
                          const char *format,
                          ...)
{
  ChainExportWarning *warning = g_new0 (ChainExportWarning, 1);
  va_list args;

  va_start (args, format);
  warning->message = g_strdup_vprintf (format, args);
  va_end (args);
  warning->id = g_strdup (id);
  g_ptr_array_add (warnings, warning);
}

gboolean
chain_export_write_files (const char *dir,
                          GPtrArray  *files,
                          GError    **error)
{
  for (guint i = 0; i < files->len; i++)
    {
      const ChainExportFile *file = g_ptr_array_index (files, i);
      g_autofree char *path = g_build_filename (dir, file->name, NULL);
      g_autofree char *parent = g_path_get_dirname (path);
      gsize len = 0;
      const char *data = g_bytes_get_data (file->data, &len);

      if (g_mkdir_with_parents (parent, 0755) != 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot create %s: %s; choose another output directory"),
                       parent, g_strerror (errno));
          return FALSE;
        }
      if (!g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT,
                                     file->executable ? 0755 : 0644, NULL))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write %s: %s; check the output directory"),
                       path, g_strerror (errno));
          return FALSE;
        }
    }
  return TRUE;
}

GBytes *
chain_export_pem_to_cer (GBytes *pem)
{
  gsize len = 0;
  const char *text = g_bytes_get_data (pem, &len);
  GString *cer = g_string_sized_new (len + len / 32);

  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
        g_string_append_c (cer, '\r');
      g_string_append_c (cer, text[i]);
    }
  return g_string_free_to_bytes (cer);
}

GString *
chain_export_script_new (const char *comment)
{
  GString *script = g_string_new ("#!/bin/sh\n");
  g_auto(GStrv) lines = g_strsplit (comment, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (script, "#%s%s\n", lines[i][0] != '\0' ? " " : "", lines[i]);
  g_string_append (script, "set -eu\ncd \"$(dirname \"$0\")\"\n\n");
  return script;
}

void
chain_export_script_quote (GString    *script,
                           const char *word)
{
  g_autofree char *quoted = g_shell_quote (word);

  g_string_append (script, quoted);
}

void
chain_export_script_variable (GString    *script,
                              const char *name,
                              const char *value,
                              const char *placeholder,
                              const char *what)
{
  if (value != NULL)
    {
      g_string_append_printf (script, "%s=", name);
      chain_export_script_quote (script, value);
      g_string_append_c (script, '\n');
      return;
    }
  if (placeholder == NULL)
    {
      g_string_append_printf (script, "%s=\"${%s:-}\"\n", name, name);
      return;
    }
  g_string_append_printf (script,
                          "%s=\"${%s:-%s}\"\n"
                          "case \"$%s\" in\n"
                          "  \"<\"*) echo \"$0: set %s to %s (%s=... $0), or edit this script\" >&2; exit 2 ;;\n"
                          "esac\n",
                          name, name, placeholder, name, name, what, name);
}

/* ---- Device manifests ------------------------------------------------------------------ */

gboolean
chain_manifest_foreach (ChainWorkspace      *self,
                        const ChainLedgerCa *under,
                        ChainManifestFunc    func,
                        gpointer             user_data,
                        GCancellable        *cancellable,
                        GError             **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);
  ChainLedger *ledger = chain_workspace_get_ledger (self);
  guint64 n = state != NULL ? chain_ledger_state_get_n_records (state) : 0;

  for (guint64 seq = 0; seq < n; seq++)
    {
      g_autoptr(ChainRecord) record = NULL;
      g_autoptr(GBytes) manifest = NULL;
      ChainStatement *st;
      ChainJson *issuer;
      ChainLedgerCa *ca;
      g_auto(ChainManifestReader) reader = { 0 };
      g_autoptr(GError) local_error = NULL;
      ChainManifestRow row;
      gboolean malformed = FALSE;
      const char *data;
      gsize len = 0;
      guint index = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      record = chain_ledger_load_record (ledger, seq, error);
      if (record == NULL)
        return FALSE;
      st = chain_record_get_statement (record);
      if (chain_statement_get_record_type (st) != CHAIN_RECORD_TYPE_DEVICE_BATCH)
        continue;
      issuer = chain_json_object_get_member (chain_statement_get_body (st), "issuer");
      if (issuer == NULL || chain_json_get_value_type (issuer) != CHAIN_JSON_STRING)
        continue;
      ca = g_hash_table_lookup (state->cas_by_thumbprint, chain_json_get_string (issuer));
      if (ca == NULL || (under != NULL && !chain_export_ca_is_under (ca, under)))
        continue;
      manifest = chain_record_read_artifact (record, "manifest.csv", cancellable, error);
      if (manifest == NULL)
        return FALSE;
      data = g_bytes_get_data (manifest, &len);
      chain_manifest_reader_init (&reader, data, len);
      /* The header (the auditor checked it), then a device a row. */
      chain_manifest_reader_next (&reader, &row, &local_error);
      while (local_error == NULL && chain_manifest_reader_next (&reader, &row, &local_error))
        {
          ChainManifestEntry entry = { record, ca, index, NULL, NULL, NULL };

          if (row.n_fields != CHAIN_MANIFEST_N_FIELDS)
            {
              malformed = TRUE;
              break;
            }
          entry.device_id = row.fields[0];
          entry.serial = row.fields[1];
          entry.cert_sha256 = row.fields[2];
          if (!func (&entry, user_data, error))
            return FALSE;
          index++;
        }
      if (malformed || local_error != NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       _("record %" PRIu64 " (device-batch): manifest.csv line %u is malformed; run 'chain audit'"),
                       seq, index + 2);
          return FALSE;
        }
    }
  return TRUE;
}

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

gboolean
chain_manifest_get_certificates (ChainRecord  *record,
                                 const guint  *indexes,
                                 guint         n,
                                 ChainCert   **out_certs,
                                 GCancellable *cancellable,
                                 GError      **error)
{
  g_autoptr(GBytes) pems = NULL;
  const char *data;
  const char *cursor;
  const char *limit;
  gsize len = 0;
  guint found = 0;

  memset (out_certs, 0, n * sizeof *out_certs);
  if (n == 0 || !chain_statement_get_artifact (chain_record_get_statement (record), "certificates.pem", NULL, NULL, NULL))
    return TRUE;
  pems = chain_record_read_artifact (record, "certificates.pem", cancellable, error);
  if (pems == NULL)
    return FALSE;
  data = g_bytes_get_data (pems, &len);
  cursor = data;
  limit = data + len;
  for (guint i = 0; found < n; i++)
    {
      const char *begin = g_strstr_len (cursor, limit - cursor, PEM_BEGIN);
      const char *end = begin != NULL ? g_strstr_len (begin, limit - begin, PEM_END) : NULL;

      if (end == NULL)
        break;
      end += strlen (PEM_END);
      if (i == indexes[found])
        {
          out_certs[found] = chain_cert_parse ((const guint8 *) begin, (gsize) (end - begin), error);
          if (out_certs[found] == NULL)
            return FALSE;
          found++;
        }
      cursor = end;
    }
  if (found < n)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("record %" PRIu64 " (device-batch): certificates.pem lacks certificate %u; run 'chain audit'"),
                   chain_record_get_seq (record), indexes[found] + 1);
      return FALSE;
    }
  return TRUE;
}

/* ---- Pre-flight checks ----------------------------------------------------------------- */

static gboolean
is_aws_curve (EVP_PKEY *pkey)
{
  char group[64] = "";

  if (!EVP_PKEY_get_utf8_string_param (pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL))
    return FALSE;
  return strcmp (group, "prime256v1") == 0 || strcmp (group, "P-256") == 0
         || strcmp (group, "secp384r1") == 0 || strcmp (group, "P-384") == 0
         || strcmp (group, "secp521r1") == 0 || strcmp (group, "P-521") == 0;
}

gboolean
chain_export_check_certificate (ChainExportTarget target,
                                const ChainCert  *cert,
                                GPtrArray        *warnings)
{
  X509 *x = chain_cert_get_x509 (cert);
  EVP_PKEY *pkey;
  g_autofree char *label = chain_x509_label (x);
  gboolean ok = TRUE;
  gboolean key_ok;
  int md_nid = NID_undef;

  if (target != CHAIN_EXPORT_TARGET_AWS_IOT)
    return TRUE;

  pkey = X509_get0_pubkey (x);
  if (pkey == NULL)
    key_ok = FALSE;
  else if (EVP_PKEY_get_base_id (pkey) == EVP_PKEY_RSA)
    key_ok = EVP_PKEY_get_bits (pkey) >= 2048;
  else
    key_ok = EVP_PKEY_get_base_id (pkey) == EVP_PKEY_EC && is_aws_curve (pkey);
  if (!key_ok)
    {
      chain_export_add_warning (warnings, "aws.key",
                                /* Translators: a certificate's name, then its key type as OpenSSL
                                 * names it (e.g. 'DSA') or 'missing'. */
                                _("'%s' has a %s key of %d bits; AWS IoT accepts RSA of 2048 bits or more and ECDSA P-256, "
                                  "P-384 or P-521: reissue it with such a key"),
                                label, pkey == NULL ? _("missing") : OBJ_nid2sn (EVP_PKEY_get_base_id (pkey)),
                                pkey == NULL ? 0 : EVP_PKEY_get_bits (pkey));
      ok = FALSE;
    }
  if (!X509_get_signature_info (x, &md_nid, NULL, NULL, NULL)
      || (md_nid != NID_sha256 && md_nid != NID_sha384 && md_nid != NID_sha512))
    {
      chain_export_add_warning (warnings, "aws.signature",
                                _("'%s' is signed with %s; AWS IoT wants SHA-256 or better: reissue it"),
                                label, md_nid == NID_undef ? _("an unknown hash") : OBJ_nid2sn (md_nid));
      ok = FALSE;
    }
  chain_openssl_clear_errors ();
  return ok;
}

static void
check_expiry (const ChainLedgerCa *ca,
              gint64               now,
              GPtrArray           *warnings)
{
  gint64 left = chain_cert_get_not_after (ca->cert) - now;
  g_autofree char *label = chain_export_ca_label (ca);

  if (chain_expiry_is_near (chain_cert_get_not_after (ca->cert), now, CHAIN_EXPIRY_WARNING_DAYS))
    chain_export_add_warning (warnings, "ca.expiring",
                              _("CA '%s' expires in %" PRId64 " days; devices under it stop connecting then: plan its rotation"),
                              label, MAX (left, 0) / DAY);
}

/* Distinct, unrevoked CAs exported to @target so far, plus @ca. */
static void
check_ca_limit (const ChainLedgerState *state,
                const ChainLedgerCa    *ca,
                ChainExportTarget       target,
                GPtrArray              *warnings)
{
  g_autoptr(GHashTable) cas = g_hash_table_new (g_str_hash, g_str_equal);
  const char *name = chain_export_target_to_string (target);

  g_hash_table_add (cas, ca->thumbprint);
  for (guint i = 0; i < state->exports->len; i++)
    {
      const ChainLedgerExport *export = g_ptr_array_index (state->exports, i);
      ChainLedgerCa *other = g_hash_table_lookup (state->cas_by_thumbprint, export->ca);

      if (strcmp (export->target, name) == 0 && other != NULL && !chain_ledger_ca_is_revoked (other))
        g_hash_table_add (cas, other->thumbprint);
    }
  if (g_hash_table_size (cas) > CHAIN_EXPORT_AZURE_MAX_CAS && target == CHAIN_EXPORT_TARGET_AZURE_DPS)
    chain_export_add_warning (warnings, "azure.ca-limit",
                              /* Translators: %s is the export target, e.g. 'azure-dps' (not translated). */
                              _("this is CA number %u exported to %s; one DPS instance holds at most %d CA certificates: "
                                "upload it to another instance, or delete CAs it no longer needs there"),
                              g_hash_table_size (cas), name, CHAIN_EXPORT_AZURE_MAX_CAS);
  else if (g_hash_table_size (cas) > CHAIN_EXPORT_AZURE_MAX_CAS)
    chain_export_add_warning (warnings, "azure.ca-limit",
                              _("this is CA number %u exported to %s; one IoT hub holds at most %d CA certificates: "
                                "upload it to another instance, or delete CAs it no longer needs there"),
                              g_hash_table_size (cas), name, CHAIN_EXPORT_AZURE_MAX_CAS);
}

/* Device-issuing CAs below @ca: the intermediates their devices send, and
 * (for AWS) the key and signature rules on every CA from them up to @ca. */
static void
check_subtree (const ChainLedgerState *state,
               const ChainLedgerCa    *ca,
               ChainExportTarget       target,
               GPtrArray              *warnings)
{
  const ChainPolicy *policy = chain_ledger_state_get_policy (state);
  const ChainLedgerCa *deepest = NULL;
  guint deepest_depth = 0;
  g_autoptr(GString) issuers = g_string_new (NULL);
  guint n_issuers = 0;
  gboolean ca_issues = FALSE;

  for (guint i = 0; i < state->cas->len; i++)
    {
      const ChainLedgerCa *c = g_ptr_array_index (state->cas, i);
      guint depth = 0;

      if (!chain_export_ca_is_under (c, ca) || chain_ledger_ca_is_revoked (c))
        continue;
      if (target == CHAIN_EXPORT_TARGET_AWS_IOT)
        chain_export_check_certificate (target, c->cert, warnings);
      if (c->retired || !chain_policy_get_issues_devices (policy, c->owner->tier))
        continue;
      for (const ChainLedgerCa *up = c; up != ca; up = up->issuer)
        depth++;
      if (c == ca)
        ca_issues = TRUE;
      else if (n_issuers++ < EXAMPLES_MAX)
        g_string_append_printf (issuers, "%s'%s'", issuers->len > 0 ? ", " : "", c->owner->id);
      if (depth > deepest_depth)
        {
          deepest = c;
          deepest_depth = depth;
        }
    }
  if (deepest_depth > CHAIN_EXPORT_MAX_INTERMEDIATES)
    {
      g_autofree char *label = chain_export_ca_label (ca);
      g_autofree char *deep_label = chain_export_ca_label (deepest);

      chain_export_add_warning (warnings, "chain.depth",
                                _("devices of '%s' must send %u intermediate CAs to reach '%s'; many device TLS stacks send at most %d: "
                                  "upload a CA lower in the chain"),
                                deep_label, deepest_depth, label, CHAIN_EXPORT_MAX_INTERMEDIATES);
    }
  if (target == CHAIN_EXPORT_TARGET_AWS_IOT && !ca_issues)
    {
      g_autofree char *label = chain_export_ca_label (ca);

      if (n_issuers > 0)
        chain_export_add_warning (warnings, "aws.issuing-ca",
                                  /* Translators: the last %s lists CA names, e.g. 'cm-a', 'cm-b' (with the quotes). */
                                  _("CA '%s' signs no device certificates itself; AWS IoT matches a device to the "
                                    "registered CA that issued it: register the issuing CAs %s instead"),
                                  label, issuers->str);
      else
        chain_export_add_warning (warnings, "aws.issuing-ca",
                                  _("CA '%s' signs no device certificates itself; AWS IoT matches a device to the "
                                    "registered CA that issued it: register the issuing CA instead"),
                                  label);
    }
}

typedef struct {
  ChainExportTarget target;
  guint64           n[4];
  GString          *examples[4];
} IdCheck;

enum { ID_LENGTH, ID_IOT_HUB, ID_DPS, ID_AWS };

static gboolean
is_aws_thing_name (const char *id)
{
  gsize len = strlen (id);

  if (len == 0 || len > 128)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != ':' && id[i] != '_' && id[i] != '-')
      return FALSE;
  return TRUE;
}

static void
id_note (IdCheck    *check,
         guint       kind,
         const char *id)
{
  if (check->n[kind]++ < EXAMPLES_MAX)
    {
      g_autofree char *shown = g_strescape (id, NULL);

      g_string_append_printf (check->examples[kind], "%s'%.64s'", check->examples[kind]->len > 0 ? ", " : "", shown);
    }
}

static gboolean
check_device_id (const ChainManifestEntry *entry,
                 gpointer                  user_data,
                 GError                  **error)
{
  IdCheck *check = user_data;

  if (g_utf8_strlen (entry->device_id, -1) > CHAIN_DEVICE_ID_MAX_LEN)
    id_note (check, ID_LENGTH, entry->device_id);
  if (is_azure (check->target) && !chain_device_id_validate (entry->device_id, CHAIN_DEVICE_ID_RULES_IOT_HUB, NULL))
    id_note (check, ID_IOT_HUB, entry->device_id);
  if (check->target == CHAIN_EXPORT_TARGET_AZURE_DPS
      && !chain_device_id_validate (entry->device_id, CHAIN_DEVICE_ID_RULES_DPS, NULL))
    id_note (check, ID_DPS, entry->device_id);
  if (check->target == CHAIN_EXPORT_TARGET_AWS_IOT && !is_aws_thing_name (entry->device_id))
    id_note (check, ID_AWS, entry->device_id);
  return TRUE;
}

static gboolean
check_device_ids (ChainWorkspace      *self,
                  const ChainLedgerCa *ca,
                  ChainExportTarget    target,
                  GPtrArray           *warnings,
                  GCancellable        *cancellable,
                  GError             **error)
{
  IdCheck check = { target, { 0 }, { NULL } };
  gboolean ok;

  for (guint i = 0; i < G_N_ELEMENTS (check.examples); i++)
    check.examples[i] = g_string_new (NULL);
  ok = chain_manifest_foreach (self, ca, check_device_id, &check, cancellable, error);
  if (ok && check.n[ID_LENGTH] > 0)
    chain_export_add_warning (warnings, "device-id.length",
                              /* Translators: here and below, a count of device ids (1 or more), then
                               * examples of them, e.g. 'dev 1', 'dev 2' (with the quotes). */
                              _("%lu device ids are longer than a CN may be (%d characters), e.g. %s: "
                                "the cloud cannot match them; reissue those devices with shorter ids"),
                              (gulong) check.n[ID_LENGTH], CHAIN_DEVICE_ID_MAX_LEN, check.examples[ID_LENGTH]->str);
  if (ok && check.n[ID_IOT_HUB] > 0)
    chain_export_add_warning (warnings, "device-id.iot-hub",
                              _("%lu device ids are no IoT Hub device ids, e.g. %s: IoT Hub takes ASCII letters, "
                                "digits and - . _ : %% * ? ! ( ) , = @ $ ': reissue those devices"),
                              (gulong) check.n[ID_IOT_HUB], check.examples[ID_IOT_HUB]->str);
  if (ok && check.n[ID_DPS] > 0)
    chain_export_add_warning (warnings, "dps.registration-id",
                              _("%lu device ids are no DPS registration ids, e.g. %s: DPS takes lower-case "
                                "letters, digits and - . _ : only; issue devices for DPS under the policy's 'dps' id rules"),
                              (gulong) check.n[ID_DPS], check.examples[ID_DPS]->str);
  if (ok && check.n[ID_AWS] > 0)
    chain_export_add_warning (warnings, "aws.thing-name",
                              _("%lu device ids are no AWS IoT thing names, e.g. %s: the JITP template names "
                                "the thing after the CN, and thing names take letters, digits, ':', '_' and '-' only"),
                              (gulong) check.n[ID_AWS], check.examples[ID_AWS]->str);
  for (guint i = 0; i < G_N_ELEMENTS (check.examples); i++)
    g_string_free (check.examples[i], TRUE);
  return ok;
}

/* ---- Preparing ------------------------------------------------------------------------- */

/* Cloud resource names go into scripts: letters, digits and . _ ( ) -. */
static gboolean
check_name (const char *value,
            const char *what,
            GError    **error)
{
  gsize len = value != NULL ? strlen (value) : 0;

  if (value == NULL)
    return TRUE;
  if (len == 0 || len > 90)
    {
      /* Translators: %s is the name asked for, e.g. 'the IoT hub name'. */
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT, _("%s must be 1 to 90 characters"), what);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (value[i]) && strchr ("._()-", value[i]) == NULL)
      {
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("%s may hold letters, digits and . _ ( ) - only; check its spelling"), what);
        return FALSE;
      }
  return TRUE;
}

static gboolean
check_role_arn (const char *arn,
                GError    **error)
{
  if (arn == NULL)
    return TRUE;
  if (!g_str_has_prefix (arn, "arn:aws") || strlen (arn) > 2048 || strpbrk (arn, " \t\r\n\"'\\") != NULL)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the role ARN must look like arn:aws:iam::ACCOUNT:role/NAME"));
      return FALSE;
    }
  return TRUE;
}

static void
pem_files (const ChainExportContext *ctx,
           GPtrArray                *files)
{
  g_autoptr(GPtrArray) chain = chain_ledger_ca_get_chain (ctx->ca);
  GByteArray *bundle = g_byte_array_new ();
  g_autoptr(GBytes) bundle_bytes = NULL;
  GString *conf = g_string_new (NULL);

  for (guint i = 0; i < chain->len; i++)
    {
      const ChainLedgerCa *c = g_ptr_array_index (chain, i);
      g_autoptr(GBytes) pem = chain_cert_to_pem (c->cert);

      g_byte_array_append (bundle, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
    }
  bundle_bytes = g_byte_array_free_to_bytes (bundle);
  g_ptr_array_add (files, chain_export_file_new ("chain.pem", bundle_bytes, TRUE, FALSE));

  g_string_append_printf (conf,
                          "# A mosquitto listener that accepts devices under CA '%s'\n"
                          "# (SHA-256 %s), made by chain export.\n"
                          "# Devices present their certificate followed by every intermediate\n"
                          "# up to, not including, this CA; their CN becomes the username.\n"
                          "# Give full paths; certfile and keyfile are the broker's own.\n"
                          "# For revocation, add: crlfile /path/to/crls.pem (from chain crl):\n"
                          "# mosquitto checks the CRL of each device's issuing CA, so it needs\n"
                          "# one from every CA that issues devices under this one.\n"
                          "listener 8883\n"
                          "cafile ca.pem\n"
                          "certfile server.pem\n"
                          "keyfile server.key\n"
                          "require_certificate true\n"
                          "use_identity_as_username true\n",
                          ctx->label, ctx->thumbprint);
  g_ptr_array_add (files, chain_export_file_new_take_string ("mosquitto.conf", conf, FALSE));
}

ChainExport *
chain_workspace_prepare_export (ChainWorkspace           *self,
                                const ChainExportOptions *options,
                                GCancellable             *cancellable,
                                GError                  **error)
{
  g_autoptr(ChainExport) export = NULL;
  ChainExportContext ctx = { options, NULL, NULL, NULL, NULL, NULL };
  const ChainLedgerState *state;
  g_autoptr(GBytes) ca_pem = NULL;
  ChainExport *result = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (options != NULL && options->version == CHAIN_EXPORT_OPTIONS_VERSION, NULL);

  if (options->target <= CHAIN_EXPORT_TARGET_INVALID || options->target > CHAIN_EXPORT_TARGET_AWS_IOT)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: %s lists the target names (not translated). */
                   _("no export target; use one of %s"), CHAIN_EXPORT_TARGET_NAMES);
      return NULL;
    }
  if ((options->code != NULL && !chain_export_check_code (options->target, options->code, error))
      || !check_name (options->hub, _("the IoT hub name"), error)
      || !check_name (options->dps, _("the DPS name"), error)
      || !check_name (options->resource_group, _("the resource group"), error)
      || !check_name (options->region, _("the AWS region"), error)
      || !check_role_arn (options->role_arn, error))
    return NULL;

  ctx.ca = chain_export_resolve_ca (self, options->ca, error);
  if (ctx.ca == NULL)
    return NULL;
  state = chain_workspace_get_state (self);
  ctx.label = chain_export_ca_label (ctx.ca);
  ctx.thumbprint = ctx.ca->thumbprint;
  ctx.cloud_name = chain_export_cloud_name (ctx.ca);

  export = g_new0 (ChainExport, 1);
  export->target = options->target;
  export->ca = chain_cert_copy (ctx.ca->cert);
  export->thumbprint = g_strdup (ctx.ca->thumbprint);
  export->code = g_strdup (options->code);
  export->files = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_export_file_free);
  export->warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_export_warning_free);
  export->pop_seq = -1;
  export->seq = -1;

  if (chain_ledger_ca_is_revoked (ctx.ca))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("CA '%s' is revoked (or a CA above it is); a cloud must not trust it: export a CA in force"), ctx.label);
      goto out;
    }
  if (options->code != NULL)
    {
      ChainIssuer *issuer;

      if (!chain_export_is_own_ca (self, ctx.ca))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                       _("this workspace does not hold the key of CA '%s'; its custodian '%s' makes the verification certificate"),
                       ctx.label, ctx.ca->owner->id);
          goto out;
        }
      issuer = chain_workspace_get_issuer (self, error);
      if (issuer == NULL)
        goto out;
      export->verification = chain_issuer_issue_pop (issuer, options->code, error);
      if (export->verification == NULL)
        goto out;
      ctx.verification = export->verification;
    }

  ca_pem = chain_cert_to_pem (ctx.ca->cert);
  g_ptr_array_add (export->files, chain_export_file_new ("ca.pem", ca_pem, TRUE, FALSE));
  switch (options->target)
    {
    case CHAIN_EXPORT_TARGET_PEM:
      pem_files (&ctx, export->files);
      break;
    case CHAIN_EXPORT_TARGET_AZURE_IOTHUB:
    case CHAIN_EXPORT_TARGET_AZURE_DPS:
      chain_export_azure_files (&ctx, export->files);
      break;
    case CHAIN_EXPORT_TARGET_AWS_IOT:
      chain_export_aws_files (&ctx, export->files);
      break;
    case CHAIN_EXPORT_TARGET_INVALID:
    default:
      g_assert_not_reached ();
    }
  if (export->verification != NULL)
    {
      g_autoptr(GBytes) pem = chain_cert_to_pem (export->verification);

      g_ptr_array_add (export->files, chain_export_file_new ("verification.pem", pem, FALSE, FALSE));
    }

  /* Pre-flight: what the cloud would refuse later. */
  check_expiry (ctx.ca, now_seconds (), export->warnings);
  if (is_azure (options->target))
    check_ca_limit (state, ctx.ca, options->target, export->warnings);
  check_subtree (state, ctx.ca, options->target, export->warnings);
  if (!check_device_ids (self, ctx.ca, options->target, export->warnings, cancellable, error))
    goto out;
  result = g_steal_pointer (&export);

out:
  g_free (ctx.label);
  g_free (ctx.cloud_name);
  return result;
}

/* ---- Recording ------------------------------------------------------------------------- */

static ChainStatement *
pop_statement (ChainWorkspace    *self,
               const char        *thumbprint,
               ChainExportTarget  target,
               const char        *code,
               ChainCert         *verification,
               GError           **error)
{
  ChainJson *body = chain_json_new_object ();
  g_autoptr(ChainStatement) st = NULL;
  g_autoptr(GBytes) pem = chain_cert_to_pem (verification);

  chain_json_object_set_string (body, "ca", thumbprint);
  chain_json_object_set_string (body, "code", code);
  chain_json_object_set_string (body, "target", chain_export_target_to_string (target));
  st = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_POP, body, error);
  if (st == NULL || !chain_statement_add_artifact (st, "verification.pem", pem, error))
    return NULL;
  return g_steal_pointer (&st);
}

static ChainStatement *
export_statement (ChainWorkspace *self,
                  ChainExport    *export,
                  GError        **error)
{
  ChainJson *body = chain_json_new_object ();
  ChainJson *files = chain_json_new_object ();
  g_autoptr(ChainStatement) st = NULL;

  for (guint i = 0; i < export->files->len; i++)
    {
      const ChainExportFile *file = g_ptr_array_index (export->files, i);

      if (file->recorded)
        chain_json_object_set_string (files, file->name, file->sha256);
    }
  chain_json_object_set_string (body, "ca", export->thumbprint);
  chain_json_object_set (body, "files", files);
  chain_json_object_set_string (body, "target", chain_export_target_to_string (export->target));
  st = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_EXPORT, body, error);
  if (st == NULL)
    return NULL;
  for (guint i = 0; i < export->files->len; i++)
    {
      const ChainExportFile *file = g_ptr_array_index (export->files, i);

      if (file->recorded && !chain_statement_add_artifact (st, file->name, file->data, error))
        return NULL;
    }
  return g_steal_pointer (&st);
}

static gboolean
sign_and_check (ChainWorkspace *self,
                ChainStatement *st,
                GError        **error)
{
  return chain_workspace_sign (self, st, error) && chain_workspace_check (self, st, error);
}

gboolean
chain_workspace_write_export (ChainWorkspace *self,
                              ChainExport    *export,
                              const char     *dir,
                              guint64        *out_seq,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_autoptr(ChainStatement) pop = NULL;
  g_autoptr(ChainStatement) st = NULL;
  g_autofree char *target_dir = NULL;
  guint64 seq = 0;

  g_return_val_if_fail (self != NULL && export != NULL && dir != NULL, FALSE);

  if (export->seq >= 0)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                           _("this export was recorded already; prepare a new one"));
      return FALSE;
    }
  if (export->verification != NULL)
    {
      pop = pop_statement (self, export->thumbprint, export->target, export->code, export->verification, error);
      if (pop == NULL || !sign_and_check (self, pop, error))
        return FALSE;
    }
  st = export_statement (self, export, error);
  if (st == NULL || !sign_and_check (self, st, error))
    return FALSE;

  target_dir = g_build_filename (dir, chain_export_target_to_string (export->target), NULL);
  if (g_mkdir_with_parents (target_dir, 0755) != 0 || g_access (target_dir, W_OK) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write to %s: %s; choose another output directory"),
                   target_dir, g_strerror (errno));
      return FALSE;
    }

  if (pop != NULL)
    {
      if (!chain_workspace_commit (self, pop, &seq, cancellable, error))
        return FALSE;
      export->pop_seq = (gint64) seq;
    }
  if (!chain_workspace_commit (self, st, &seq, cancellable, error))
    return FALSE;
  export->seq = (gint64) seq;
  if (out_seq != NULL)
    *out_seq = seq;
  return chain_export_write_files (target_dir, export->files, error);
}

/* ---- Accessors -------------------------------------------------------------------------- */

ChainExportTarget
chain_export_get_target (const ChainExport *self)
{
  return self->target;
}

ChainCert *
chain_export_get_ca (const ChainExport *self)
{
  return self->ca;
}

const char *
chain_export_get_ca_thumbprint (const ChainExport *self)
{
  return self->thumbprint;
}

ChainCert *
chain_export_get_verification (const ChainExport *self)
{
  return self->verification;
}

guint
chain_export_get_n_files (const ChainExport *self)
{
  return self->files->len;
}

const ChainExportFile *
chain_export_get_file (const ChainExport *self,
                       guint              index)
{
  g_return_val_if_fail (index < self->files->len, NULL);
  return g_ptr_array_index (self->files, index);
}

const ChainExportFile *
chain_export_files_find (GPtrArray  *files,
                         const char *name)
{
  for (guint i = 0; i < files->len; i++)
    {
      const ChainExportFile *file = g_ptr_array_index (files, i);

      if (g_strcmp0 (file->name, name) == 0)
        return file;
    }
  return NULL;
}

const ChainExportFile *
chain_export_find_file (const ChainExport *self,
                        const char        *name)
{
  return chain_export_files_find (self->files, name);
}

guint
chain_export_get_n_warnings (const ChainExport *self)
{
  return self->warnings->len;
}

const ChainExportWarning *
chain_export_get_warning (const ChainExport *self,
                          guint              index)
{
  g_return_val_if_fail (index < self->warnings->len, NULL);
  return g_ptr_array_index (self->warnings, index);
}

gint64
chain_export_get_pop_seq (const ChainExport *self)
{
  return self->pop_seq;
}

gint64
chain_export_get_seq (const ChainExport *self)
{
  return self->seq;
}

void
chain_export_free (ChainExport *self)
{
  if (self == NULL)
    return;
  chain_cert_free (self->ca);
  g_free (self->thumbprint);
  g_free (self->code);
  chain_cert_free (self->verification);
  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_free (self);
}

/* ---- Proof of possession ---------------------------------------------------------------- */

ChainCert *
chain_workspace_pop (ChainWorkspace    *self,
                     const char        *ca,
                     ChainExportTarget  target,
                     const char        *code,
                     guint64           *out_seq,
                     GCancellable      *cancellable,
                     GError           **error)
{
  ChainLedgerCa *found;
  ChainIssuer *issuer;
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(ChainStatement) st = NULL;
  g_autofree char *label = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (!chain_export_check_code (target, code, error))
    return NULL;
  found = chain_export_resolve_ca (self, ca, error);
  if (found == NULL)
    return NULL;
  label = chain_export_ca_label (found);
  if (chain_ledger_ca_is_revoked (found))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("CA '%s' is revoked (or a CA above it is); a cloud must not trust it"), label);
      return NULL;
    }
  if (!chain_export_is_own_ca (self, found))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("this workspace does not hold the key of CA '%s'; its custodian '%s' makes the verification certificate"),
                   label, found->owner->id);
      return NULL;
    }
  issuer = chain_workspace_get_issuer (self, error);
  if (issuer == NULL)
    return NULL;
  cert = chain_issuer_issue_pop (issuer, code, error);
  if (cert == NULL)
    return NULL;
  st = pop_statement (self, found->thumbprint, target, code, cert, error);
  if (st == NULL || !chain_workspace_commit (self, st, out_seq, cancellable, error))
    return NULL;
  return g_steal_pointer (&cert);
}
