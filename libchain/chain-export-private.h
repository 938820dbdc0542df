/* chain-export-private.h — what export, proof of possession and revocation share
 *
 * chain-export-toolkit.c holds the common parts (CAs of the state, files,
 * warnings, scripts, device manifests); chain-export.c prepares and records
 * exports; chain-export-azure.c and chain-export-aws.c write what each cloud
 * wants; chain-revoke.c revokes and makes CRLs and the disable lists. Never
 * installed.
 */
#pragma once

#include "chain-export.h"
#include "chain-revoke.h"
#include "chain-ledger-state-private.h"
#include "chain-workspace-private.h"

G_BEGIN_DECLS

/* ---- CAs of the state ------------------------------------------------------ */

/* The state's entry for @cert, or NULL when the ledger does not know it. */
ChainLedgerCa *chain_export_lookup_ca (const ChainLedgerState *state,
                                       const ChainCert        *cert);

/* @name as ChainExportOptions.ca names a CA (NULL: this workspace's own). */
ChainLedgerCa *chain_export_resolve_ca (ChainWorkspace *self,
                                        const char     *name,
                                        GError        **error);

/* Whether @ca is @ancestor or lies below it. */
gboolean chain_export_ca_is_under (const ChainLedgerCa *ca,
                                   const ChainLedgerCa *ancestor);

/* Whether @ca is this workspace's current CA, the one whose key it holds. */
gboolean chain_export_is_own_ca (ChainWorkspace      *self,
                                 const ChainLedgerCa *ca);

/* (transfer full): @ca's CN, for messages. */
char *chain_export_ca_label (const ChainLedgerCa *ca);

/* (transfer full): "<custodian id>-<first 8 hex digits of the thumbprint>":
 * the certificate's name in a cloud (Azure: letters, digits, '-', '.', '_'). */
char *chain_export_cloud_name (const ChainLedgerCa *ca);

/* ---- Files, warnings, scripts ---------------------------------------------- */

ChainExportFile *chain_export_file_new (const char *name,
                                        GBytes     *data,
                                        gboolean    recorded,
                                        gboolean    executable);
/* Takes @text. */
ChainExportFile *chain_export_file_new_take_string (const char *name,
                                                    GString    *text,
                                                    gboolean    executable);
void chain_export_file_free (ChainExportFile *file);
/* The file named @name in @files (ChainExportFile *), or NULL. */
const ChainExportFile *chain_export_files_find (GPtrArray  *files,
                                                const char *name);

void chain_export_add_warning (GPtrArray  *warnings,
                               const char *id,
                               const char *format,
                               ...) G_GNUC_PRINTF (3, 4);

/* Writes @files (ChainExportFile *) under @dir, making @dir and the
 * directories in the names (0755); each file atomically, 0644 or 0755. */
gboolean chain_export_write_files (const char *dir,
                                   GPtrArray  *files,
                                   GError    **error);

/* @pem with CRLF line ends: a Windows "Base-64 encoded X.509 (.CER)". */
GBytes *chain_export_pem_to_cer (GBytes *pem);

/* A POSIX sh script: shebang, @comment (lines, each prefixed "# "),
 * `set -eu` and a cd to the script's directory. */
GString *chain_export_script_new (const char *comment);

/* Appends NAME='value', or, for a NULL @value, NAME from the environment
 * defaulting to @placeholder, which the script refuses to run with. */
void chain_export_script_variable (GString    *script,
                                   const char *name,
                                   const char *value,
                                   const char *placeholder,
                                   const char *what);

/* Appends @word single-quoted for sh. */
void chain_export_script_quote (GString    *script,
                                const char *word);

/* ---- Device manifests ------------------------------------------------------ */

typedef struct {
  ChainRecord   *record;       /* the device-batch record */
  ChainLedgerCa *issuer;
  guint          index;        /* the device's line, 0 for the first */
  const char    *device_id;    /* valid during the callback only */
  const char    *serial;
  const char    *cert_sha256;
} ChainManifestEntry;

/* Return FALSE with @error set to stop. */
typedef gboolean (*ChainManifestFunc) (const ChainManifestEntry *entry,
                                       gpointer                  user_data,
                                       GError                  **error);

/* Calls @func for every device of every device-batch record whose issuer
 * is @under or lies below it (@under NULL: every batch), in ledger order. */
gboolean chain_manifest_foreach (ChainWorkspace      *self,
                                 const ChainLedgerCa *under,
                                 ChainManifestFunc    func,
                                 gpointer             user_data,
                                 GCancellable        *cancellable,
                                 GError             **error);

/* The same for record @seq alone (nothing if it is no device batch). */
gboolean chain_manifest_foreach_in_batch (ChainWorkspace    *self,
                                          guint64            seq,
                                          ChainManifestFunc  func,
                                          gpointer           user_data,
                                          GCancellable      *cancellable,
                                          GError           **error);

/* The certificates on lines @indexes (ascending) of @record's
 * certificates.pem, into @out_certs (transfer full each); all NULL, and
 * TRUE, when the batch did not store certificates. Reads the artifact once. */
gboolean chain_manifest_get_certificates (ChainRecord  *record,
                                          const guint  *indexes,
                                          guint         n,
                                          ChainCert   **out_certs,
                                          GCancellable *cancellable,
                                          GError      **error);

/* ---- Per cloud ------------------------------------------------------------- */

typedef struct {
  const ChainExportOptions *options;
  ChainLedgerCa            *ca;
  const char               *thumbprint;
  char                     *label;         /* the CA's CN */
  char                     *cloud_name;    /* chain_export_cloud_name() */
  ChainCert                *verification;  /* nullable */
} ChainExportContext;

/* chain-export-azure.c: every file but ca.pem and verification.pem. */
void chain_export_azure_files (const ChainExportContext *ctx,
                               GPtrArray                *files);
/* chain-export-aws.c: likewise. */
void chain_export_aws_files (const ChainExportContext *ctx,
                             GPtrArray                *files);

/* A device the disable lists name. */
typedef struct {
  char      *device_id;
  char      *serial;
  char      *cert_sha256;
  ChainCert *cert;             /* nullable: from the batch's certificates.pem */
} ChainDisabledDevice;

/* A revoked CA under the exported one. */
typedef struct {
  ChainLedgerCa *ca;
  char          *thumbprint;
  char          *cloud_name;
} ChainDisabledCa;

typedef struct {
  const ChainCrlOptions *options;
  ChainLedgerCa         *ca;
  char                  *label;
  GPtrArray             *devices;   /* ChainDisabledDevice * */
  GPtrArray             *cas;       /* ChainDisabledCa * */
} ChainDisableContext;

void chain_revoke_azure_files (const ChainDisableContext *ctx,
                               GPtrArray                 *files,
                               GPtrArray                 *warnings);
void chain_revoke_aws_files (const ChainDisableContext *ctx,
                             GPtrArray                 *files);

G_END_DECLS
