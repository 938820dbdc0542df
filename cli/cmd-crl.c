/* cmd-crl.c — `chain crl`: a CA's current CRL and the per-cloud disable lists */
#include "chain-cli.h"

#include <inttypes.h>
#include <stdio.h>

gboolean
cmd_crl (const ChainCliGlobals *globals,
         int                    argc,
         char                 **argv,
         GCancellable          *cancellable,
         GError               **error)
{
  g_autofree char *ca = NULL;
  g_autofree char *output = NULL;
  g_autofree char *hub = NULL;
  g_autofree char *dps = NULL;
  g_autofree char *resource_group = NULL;
  g_autofree char *region = NULL;
  g_autofree char *officer = NULL;
  gboolean recorded = FALSE;
  gint days = 0;
  GOptionEntry entries[] = {
    { "ca", 0, 0, G_OPTION_ARG_STRING, &ca, N_("Whose CRL (default: this workspace's own CA)"), N_("NAME") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write into DIR (required)"), N_("DIR") },
    { "recorded", 0, 0, G_OPTION_ARG_NONE, &recorded,
      N_("Take the last recorded CRL instead of signing a current one (no passphrase)"), NULL },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, N_("Validity of a newly signed CRL in days (default 30)"), N_("DAYS") },
    { "hub", 0, 0, G_OPTION_ARG_STRING, &hub, N_("The IoT hub's name for the script"), N_("NAME") },
    { "dps", 0, 0, G_OPTION_ARG_STRING, &dps, N_("The DPS instance's name for the script"), N_("NAME") },
    { "resource-group", 0, 0, G_OPTION_ARG_STRING, &resource_group, N_("The Azure resource group for the scripts"), N_("NAME") },
    { "region", 0, 0, G_OPTION_ARG_STRING, &region, N_("The AWS region for the script"), N_("REGION") },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("The officer whose passphrase unlocks the CA key"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— write a CA's CRL and what each cloud needs to refuse revoked devices"));
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainCrlExport) export = NULL;
  ChainCrlOptions options = CHAIN_CRL_OPTIONS_INIT;
  ChainCert *own;
  ChainCert *target;
  ChainCrl *crl;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the file and directory names in the first column and
     * the column's width; the descriptions may be longer. */
    N_("Writes into DIR:\n"
       "  crl.pem, crl.der   the CA's CRL; for this workspace's own CA signed now\n"
       "                     (number max(last + 1, Unix time)), else the last recorded\n"
       "  crls.pem           every CRL a verifier trusting the CA needs (the CA's, the\n"
       "                     CAs' above it and those in force below it): mosquitto's\n"
       "                     crlfile, which checks the CRL of each device's issuer and\n"
       "                     so refuses devices of a revoked sub-CA, whose CRL is left out\n"
       "  azure-iothub/      disable.sh, disabled-devices.txt (IoT Hub reads no CRL)\n"
       "  azure-dps/         disable.sh, disabled-devices.txt, certs/ (disabled enrollments)\n"
       "  aws-iot/           revoke.sh, revoked-certificates.txt (update-certificate REVOKED)\n"
       "The lists cover every device under the CA that is revoked or under a revoked\n"
       "CA. Nothing is recorded."));
  g_option_context_set_description (context,
    /* Translators: keep the example commands as they are. */
    N_("Example:\n"
       "  chain -C dist crl --hub factory-hub -o revoked\n"
       "  sh revoked/azure-iothub/disable.sh\n"
       "\n"
       "Exit codes: 0 written, 1 error (unknown CA, locked, output not writable), 2 usage."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "crl", _("unexpected argument '%s'"), argv[1]);
  if (output == NULL)
    return chain_cli_usage (error, "crl", _("-o DIR is required"));
  if (days < 0 || days > 3650)
    return chain_cli_usage (error, "crl", _("--days must be 1 to 3650"));

  /* Only this workspace's own CA can be signed here: unlock just for that. */
  workspace = chain_cli_open_workspace (globals, FALSE, NULL, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  own = chain_workspace_get_ca (workspace);
  target = chain_workspace_find_ca (workspace, ca, error);
  if (target == NULL)
    return FALSE;
  options.sign = !recorded && own != NULL && chain_cert_equal (own, target);
  if (options.sign)
    {
      if (!chain_cli_unlock_workspace (globals, workspace, officer, NULL, error))
        return FALSE;
    }
  options.ca = ca;
  options.validity_days = days;
  options.hub = hub;
  options.dps = dps;
  options.resource_group = resource_group;
  options.region = region;
  export = chain_workspace_prepare_crl (workspace, &options, cancellable, error);
  if (export == NULL)
    return FALSE;
  for (guint i = 0; i < chain_crl_export_get_n_warnings (export); i++)
    {
      const ChainExportWarning *warning = chain_crl_export_get_warning (export, i);

      /* Translators: "chain" is the command's name; the text in brackets is
       * the warning's id (not translated). */
      fprintf (stderr, _("chain: warning: %s [%s]\n"), warning->message, warning->id);
    }
  if (!chain_crl_export_write (export, output, error))
    return FALSE;

  crl = chain_crl_export_get_crl (export);
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();
      ChainJson *files = chain_json_new_array ();
      ChainJson *warnings = chain_json_new_array ();
      g_autofree char *thumbprint = chain_cert_dup_thumbprint_hex (chain_crl_export_get_ca (export), CHAIN_DIGEST_SHA256);

      for (guint i = 0; i < chain_crl_export_get_n_files (export); i++)
        {
          const ChainExportFile *file = chain_crl_export_get_file (export, i);
          ChainJson *item = chain_json_new_object ();

          chain_json_object_set_string (item, "name", file->name);
          chain_json_object_set_string (item, "sha256", file->sha256);
          chain_json_array_append (files, item);
        }
      for (guint i = 0; i < chain_crl_export_get_n_warnings (export); i++)
        {
          const ChainExportWarning *warning = chain_crl_export_get_warning (export, i);
          ChainJson *item = chain_json_new_object ();

          chain_json_object_set_string (item, "id", warning->id);
          chain_json_object_set_string (item, "message", warning->message);
          chain_json_array_append (warnings, item);
        }
      chain_json_object_set_string (doc, "ca", thumbprint);
      chain_json_object_set_string (doc, "directory", output);
      chain_json_object_set_boolean (doc, "signed", options.sign);
      chain_json_object_set (doc, "crl_number", crl != NULL ? chain_json_new_integer ((gint64) chain_crl_get_number (crl))
                                                            : chain_json_new_null ());
      chain_json_object_set (doc, "revoked", crl != NULL ? chain_json_new_integer ((gint64) chain_crl_get_n_entries (crl))
                                                         : chain_json_new_null ());
      chain_json_object_set_integer (doc, "disabled_devices", (gint64) chain_crl_export_get_n_disabled (export));
      chain_json_object_set (doc, "files", files);
      chain_json_object_set (doc, "warnings", warnings);
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  if (crl != NULL && options.sign)
    chain_cli_print (globals,
                     /* Translators: a CRL number, a count of revoked certificates,
                      * then the output directory; keep the file names. The
                      * English plural is the same; use your language's forms. */
                     ngettext ("CRL number %" PRIu64 " (%zu revoked, signed now): %s/crl.pem, crl.der, crls.pem\n",
                               "CRL number %" PRIu64 " (%zu revoked, signed now): %s/crl.pem, crl.der, crls.pem\n",
                               chain_crl_get_n_entries (crl)),
                     chain_crl_get_number (crl), chain_crl_get_n_entries (crl), output);
  else if (crl != NULL)
    chain_cli_print (globals,
                     /* Translators: a CRL number, a count of revoked certificates,
                      * then the output directory; keep the file names. The
                      * English plural is the same; use your language's forms. */
                     ngettext ("CRL number %" PRIu64 " (%zu revoked, as recorded): %s/crl.pem, crl.der, crls.pem\n",
                               "CRL number %" PRIu64 " (%zu revoked, as recorded): %s/crl.pem, crl.der, crls.pem\n",
                               chain_crl_get_n_entries (crl)),
                     chain_crl_get_number (crl), chain_crl_get_n_entries (crl), output);
  chain_cli_print (globals,
                   /* Translators: %s is the output directory; keep the directory
                    * names. English says "devices" for one too, to keep the
                    * output as it was; use your language's plural forms. */
                   ngettext ("Disable lists for %" PRIu64 " devices: %s/azure-iothub/, azure-dps/, aws-iot/\n",
                             "Disable lists for %" PRIu64 " devices: %s/azure-iothub/, azure-dps/, aws-iot/\n",
                             chain_crl_export_get_n_disabled (export)),
                   chain_crl_export_get_n_disabled (export), output);
  return TRUE;
}
