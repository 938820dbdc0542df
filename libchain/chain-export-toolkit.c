/* chain-export-toolkit.c — what export, proof of possession and revocation
 * share (chain-export-private.h)
 *
 * The CAs of the state as an export names them, the files and warnings an
 * export or a revocation writes, the sh scripts beside them, and the walk
 * over the device manifests of the ledger's batches.
 */
#include "chain-export-private.h"
#include "chain-pki-private.h"
#include "chain-i18n-private.h"
#include "chain-manifest-private.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

/* ---- CAs of the state ---------------------------------------------------------------- */

ChainLedgerCa *
chain_export_lookup_ca (const ChainLedgerState *state,
                        const ChainCert        *cert)
{
  g_autofree char *thumbprint = NULL;

  if (state == NULL || cert == NULL)
    return NULL;
  thumbprint = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA256);
  return chain_ledger_state_find_ca (state, thumbprint);
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
        g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_NOT_JOINED,
                             _("this workspace has no CA yet"));
      return NULL;
    }
  ca = chain_export_lookup_ca (chain_workspace_get_state (self), cert);
  if (ca == NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_LEDGER_BEHIND,
                 _("the ledger does not know CA '%s' yet"),
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

/* One record of chain_manifest_foreach(); nothing for another type. */
static gboolean
manifest_foreach_in_record (ChainWorkspace      *self,
                            guint64              seq,
                            const ChainLedgerCa *under,
                            ChainManifestFunc    func,
                            gpointer             user_data,
                            GCancellable        *cancellable,
                            GError             **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);
  ChainLedger *ledger = chain_workspace_get_ledger (self);
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
    return TRUE;
  issuer = chain_json_object_get_member (chain_statement_get_body (st), "issuer");
  if (issuer == NULL || chain_json_get_value_type (issuer) != CHAIN_JSON_STRING)
    return TRUE;
  ca = chain_ledger_state_find_ca (state, chain_json_get_string (issuer));
  if (ca == NULL || (under != NULL && !chain_export_ca_is_under (ca, under)))
    return TRUE;
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
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_LEDGER_DAMAGED,
                   _("record %" PRIu64 " (device-batch): manifest.csv line %u is malformed"),
                   seq, index + 2);
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_manifest_foreach (ChainWorkspace      *self,
                        const ChainLedgerCa *under,
                        ChainManifestFunc    func,
                        gpointer             user_data,
                        GCancellable        *cancellable,
                        GError             **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);
  guint64 n = state != NULL ? chain_ledger_state_get_n_records (state) : 0;

  for (guint64 seq = 0; seq < n; seq++)
    if (!manifest_foreach_in_record (self, seq, under, func, user_data, cancellable, error))
      return FALSE;
  return TRUE;
}

gboolean
chain_manifest_foreach_in_batch (ChainWorkspace    *self,
                                 guint64            seq,
                                 ChainManifestFunc  func,
                                 gpointer           user_data,
                                 GCancellable      *cancellable,
                                 GError           **error)
{
  return manifest_foreach_in_record (self, seq, NULL, func, user_data, cancellable, error);
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
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_LEDGER_DAMAGED,
                   _("record %" PRIu64 " (device-batch): certificates.pem lacks certificate %u"),
                   chain_record_get_seq (record), indexes[found] + 1);
      return FALSE;
    }
  return TRUE;
}
