/* cmd-pop.c — `chain pop`: a proof-of-possession certificate for a cloud's code */
#include "chain-cli.h"

#include <errno.h>
#include <inttypes.h>
#include <unistd.h>
#include <glib/gstdio.h>

static gboolean
check_writable (const char *path,
                GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_access (dir, W_OK) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write into %s: %s; choose another -o"),
                   dir, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
cmd_pop (const ChainCliGlobals *globals,
         int                    argc,
         char                 **argv,
         GCancellable          *cancellable,
         GError               **error)
{
  g_autofree char *code = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *target_name = NULL;
  g_autofree char *output = NULL;
  g_autofree char *officer = NULL;
  GOptionEntry entries[] = {
    { "code", 0, 0, G_OPTION_ARG_STRING, &code, N_("The cloud's verification or registration code (required)"), N_("CODE") },
    { "ca", 0, 0, G_OPTION_ARG_STRING, &ca, N_("The CA to prove (default: this workspace's own)"), N_("NAME") },
    /* Translators: the target names are values for --target; keep them. */
    { "target", 0, 0, G_OPTION_ARG_STRING, &target_name, N_("azure-iothub (default), azure-dps or aws-iot"), N_("TARGET") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write the certificate here (default: standard output)"), N_("FILE") },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("The officer who signs the record"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— prove possession of a CA key to a cloud"));
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GBytes) pem = NULL;
  g_autofree char *ca_sha256 = NULL;
  g_autofree char *serial = NULL;
  ChainExportTarget target = CHAIN_EXPORT_TARGET_AZURE_IOTHUB;
  guint64 seq = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    N_("Makes a verification certificate whose CN is the cloud's code, signed by\n"
       "exactly the CA being verified, and records it as a pop record. Azure IoT Hub\n"
       "and DPS show the code after the CA is uploaded; AWS IoT's registration code\n"
       "(64 hex digits) comes from 'aws iot get-registration-code'."));
  g_option_context_set_description (context,
    /* Translators: keep the example commands as they are. */
    N_("Example:\n"
       "  chain -C oem pop --code 47292AB6260DB02CCD2D07C601B7303DD49858B6 -o verification.pem\n"
       "  chain -C cm pop --target aws-iot --code \"$(aws iot get-registration-code \\\n"
       "      --query registrationCode --output text)\" -o verification.pem\n"
       "\n"
       "Exit codes: 0 recorded, 1 error (bad code, CA not held here, locked, the\n"
       "ledger's rules refuse the record), 2 usage. Nothing is recorded on error."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "pop", _("unexpected argument '%s'"), argv[1]);
  if (code == NULL)
    return chain_cli_usage (error, "pop", _("--code is required"));
  if (target_name != NULL)
    {
      target = chain_export_target_from_string (target_name, NULL);
      if (target == CHAIN_EXPORT_TARGET_INVALID)
        return chain_cli_usage (error, "pop", _("unknown target '%.32s'; use azure-iothub, azure-dps or aws-iot"), target_name);
    }
  if (!chain_export_check_code (target, code, error))
    return FALSE;
  if (output != NULL && !check_writable (output, error))
    return FALSE;

  workspace = chain_cli_open_workspace (globals, TRUE, officer, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  cert = chain_workspace_pop (workspace, ca, target, code, &seq, cancellable, error);
  if (cert == NULL)
    return FALSE;
  pem = chain_cert_to_pem (cert);
  if (output != NULL
      && !g_file_set_contents_full (output, g_bytes_get_data (pem, NULL), (gssize) g_bytes_get_size (pem),
                                    G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    {
      /* Translators: put before a message saying why the file could not be
       * written; the number is the pop record's sequence number. */
      g_prefix_error (error, _("recorded as #%" PRIu64 " (its verification.pem holds the certificate), but "), seq);
      return FALSE;
    }

  serial = chain_cert_dup_serial (cert);
  ca_sha256 = chain_cert_dup_thumbprint_hex (chain_workspace_find_ca (workspace, ca, NULL), CHAIN_DIGEST_SHA256);
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();
      g_autofree char *text = g_strndup (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));

      chain_json_object_set_integer (doc, "seq", (gint64) seq);
      chain_json_object_set_string (doc, "target", chain_export_target_to_string (target));
      chain_json_object_set_string (doc, "ca", ca_sha256);
      chain_json_object_set_string (doc, "code", code);
      chain_json_object_set_string (doc, "serial", serial);
      chain_json_object_set (doc, "file", output != NULL ? chain_json_new_string (output) : chain_json_new_null ());
      chain_json_object_set_string (doc, "certificate", text);
      chain_cli_print_json (globals, doc);
    }
  else if (output != NULL)
    chain_cli_print (globals, _("Verification certificate for %s (CN=%s, serial %s) recorded as #%" PRIu64 ": %s\n"),
                     chain_export_target_to_string (target), code, serial, seq, output);
  else
    fwrite (g_bytes_get_data (pem, NULL), 1, g_bytes_get_size (pem), stdout);
  return TRUE;
}
