/* cmd-reconcile.c — `chain reconcile`: the ledger beside the cloud's registry */
#include "chain-cli.h"

#include <stdio.h>

/* Never-seen ids listed in text output unless --all. */
#define NEVER_SEEN_SHOWN 10

static ChainJson *
finding_to_json (const ChainReconcileFinding *finding)
{
  ChainJson *item = chain_json_new_object ();

  chain_json_object_set_string (item, "kind", chain_reconcile_kind_to_string (finding->kind));
  chain_json_object_set_boolean (item, "needs_action", finding->needs_action);
#define SET_NULLABLE(key, value) \
  chain_json_object_set (item, key, (value) != NULL ? chain_json_new_string (value) : chain_json_new_null ())
  SET_NULLABLE ("device_id", finding->device_id);
  SET_NULLABLE ("cert_sha256", finding->cert_sha256);
  SET_NULLABLE ("serial", finding->serial);
  SET_NULLABLE ("source", finding->source);
  SET_NULLABLE ("cloud_status", finding->cloud_status);
  SET_NULLABLE ("hub", finding->hub);
#undef SET_NULLABLE
  chain_json_object_set (item, "format", finding->source != NULL
                                           ? chain_json_new_string (chain_cloud_format_to_string (finding->format))
                                           : chain_json_new_null ());
  return item;
}

static void
print_json (const ChainCliGlobals *globals,
            ChainReconcile        *reconcile,
            GPtrArray             *files,
            GArray                *formats,
            const char            *output)
{
  ChainJson *doc = chain_json_new_object ();
  ChainJson *sources = chain_json_new_array ();
  ChainJson *findings = chain_json_new_array ();

  for (guint i = 0; i < files->len; i++)
    {
      ChainJson *item = chain_json_new_object ();
      g_autofree char *name = g_filename_display_name (g_ptr_array_index (files, i));

      chain_json_object_set_string (item, "name", name);
      chain_json_object_set_string (item, "format",
                                    chain_cloud_format_to_string (g_array_index (formats, ChainCloudFormat, i)));
      chain_json_array_append (sources, item);
    }
  for (gsize i = 0; i < chain_reconcile_get_n_findings (reconcile); i++)
    {
      ChainReconcileFinding finding;

      chain_reconcile_get_finding (reconcile, i, &finding);
      chain_json_array_append (findings, finding_to_json (&finding));
    }
  chain_json_object_set (doc, "files", sources);
  chain_json_object_set_integer (doc, "ledger_devices", (gint64) chain_reconcile_get_n_issued (reconcile));
  chain_json_object_set_integer (doc, "cloud_entries", (gint64) chain_reconcile_get_n_cloud (reconcile));
  chain_json_object_set_integer (doc, "seen", (gint64) chain_reconcile_get_n_seen (reconcile));
  chain_json_object_set_integer (doc, "needs_action", (gint64) chain_reconcile_get_n_needing_action (reconcile));
  chain_json_object_set (doc, "findings", findings);
  chain_json_object_set (doc, "scripts", output != NULL ? chain_json_new_string (output) : chain_json_new_null ());
  chain_cli_print_json (globals, doc);
}

const char *
chain_cli_reconcile_kind_label (ChainReconcileKind kind)
{
  switch (kind)
    {
    case CHAIN_RECONCILE_NOT_ISSUED:
      /* Translators: a finding's label, padded to one column by the code. */
      return _("never issued");
    case CHAIN_RECONCILE_REVOKED_ENABLED:
      return _("revoked, enabled");
    case CHAIN_RECONCILE_DUPLICATE_ID:
      return _("id issued twice");
    case CHAIN_RECONCILE_NEVER_SEEN:
    default:
      return _("never seen");
    }
}

static void
print_finding (const ChainCliGlobals       *globals,
               const ChainReconcileFinding *finding)
{
  g_autofree char *id = finding->device_id != NULL ? chain_text_sanitize (finding->device_id, CHAIN_TEXT_ONE_LINE)
                                                   : g_strdup (_("(no device id)"));
  g_autofree char *status = chain_text_sanitize (finding->cloud_status, CHAIN_TEXT_ONE_LINE);
  g_autoptr(GString) line = g_string_new (NULL);

  g_string_append_printf (line, "  %-18s %s", chain_cli_reconcile_kind_label (finding->kind), id);
  if (finding->cert_sha256 != NULL)
    /* Translators: after a device id; %s is a certificate's SHA-256. */
    g_string_append_printf (line, _(", certificate %s"), finding->cert_sha256);
  if (finding->serial != NULL)
    /* Translators: after a device id; %s is the ledger's serial, hex. */
    g_string_append_printf (line, _(", serial %s"), finding->serial);
  if (finding->source != NULL)
    {
      g_autofree char *source = g_filename_display_name (finding->source);
      g_autofree char *shown = chain_text_sanitize (source, CHAIN_TEXT_ONE_LINE);

      /* Translators: the cloud file, then the status the cloud gave (e.g. "enabled"). */
      g_string_append_printf (line, _(" in %s (%s)"), shown, finding->cloud_status != NULL ? status : "-");
    }
  else if (finding->kind == CHAIN_RECONCILE_DUPLICATE_ID)
    g_string_append (line, _(" in the ledger"));
  chain_cli_print (globals, "%s\n", line->str);
}

static void
print_text (const ChainCliGlobals *globals,
            ChainReconcile        *reconcile,
            gboolean               all,
            const char            *output)
{
  gsize n = chain_reconcile_get_n_findings (reconcile);
  gsize n_action = chain_reconcile_get_n_needing_action (reconcile);
  gsize never_seen = 0;
  gsize shown_never_seen = 0;
  gboolean info_heading = FALSE;

  chain_cli_print (globals,
                   /* Translators: counts of the ledger's device certificates, of entries
                    * in the cloud files, and of device ids seen in both. */
                   _("Ledger: %zu device certificates; cloud: %zu entries; seen in both: %zu device ids\n"),
                   chain_reconcile_get_n_issued (reconcile), chain_reconcile_get_n_cloud (reconcile),
                   chain_reconcile_get_n_seen (reconcile));
  if (n_action > 0)
    chain_cli_print (globals, ngettext ("%zu finding needs action:\n", "%zu findings need action:\n", n_action),
                     n_action);
  for (gsize i = 0; i < n; i++)
    {
      ChainReconcileFinding finding;

      chain_reconcile_get_finding (reconcile, i, &finding);
      if (!finding.needs_action && !info_heading)
        {
          chain_cli_print (globals, _("Information:\n"));
          info_heading = TRUE;
        }
      if (finding.kind == CHAIN_RECONCILE_NEVER_SEEN)
        {
          never_seen++;
          if (!all && shown_never_seen >= NEVER_SEEN_SHOWN)
            continue;
          shown_never_seen++;
        }
      print_finding (globals, &finding);
    }
  if (never_seen > shown_never_seen)
    chain_cli_print (globals,
                     /* Translators: how many more never-seen devices were not listed; keep --all. */
                     ngettext ("  ... and %zu more device never seen (--all lists them)\n",
                               "  ... and %zu more devices never seen (--all lists them)\n",
                               never_seen - shown_never_seen),
                     never_seen - shown_never_seen);
  if (n == 0)
    chain_cli_print (globals, _("The cloud and the ledger agree.\n"));
  if (output != NULL)
    chain_cli_print (globals,
                     /* Translators: %s is the output directory; keep the file names. */
                     _("Disable commands: %s/azure-iothub/disable.sh, %s/aws-iot/revoke.sh\n"), output, output);
}

gboolean
cmd_reconcile (const ChainCliGlobals *globals,
               int                    argc,
               char                 **argv,
               GCancellable          *cancellable,
               GError               **error)
{
  g_autofree char *output = NULL;
  g_autofree char *hub = NULL;
  g_autofree char *resource_group = NULL;
  g_autofree char *region = NULL;
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write the cloud commands that disable what needs action into DIR"), N_("DIR") },
    { "hub", 0, 0, G_OPTION_ARG_STRING, &hub, N_("The IoT hub's name for the script"), N_("NAME") },
    { "resource-group", 0, 0, G_OPTION_ARG_STRING, &resource_group, N_("The Azure resource group for the script"), N_("NAME") },
    { "region", 0, 0, G_OPTION_ARG_STRING, &region, N_("The AWS region for the script"), N_("REGION") },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("List every device never seen, not the first ten"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("FILE... — compare the ledger with what the cloud's registry lists"));
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainReconcile) reconcile = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  g_autofree char *summary_path = NULL;
  g_autoptr(GError) summary_error = NULL;
  g_autoptr(GArray) formats = g_array_new (FALSE, FALSE, sizeof (ChainCloudFormat));
  ChainReconcileScriptOptions script_options = CHAIN_RECONCILE_SCRIPT_OPTIONS_INIT;
  gsize n_action;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the commands and the format names. */
    N_("Reads what the cloud lists, as these commands print it (JSON; the format is\n"
       "found from its shape):\n"
       "  az iot hub device-identity list                   azure-iothub\n"
       "  az iot dps enrollment-group registration list     azure-dps\n"
       "  aws iot list-certificates-by-ca                   aws-certificates\n"
       "  aws iot list-things                               aws-things\n"
       "and reports devices in the cloud the ledger never issued (clones, issuance\n"
       "off the ledger), devices revoked in the ledger but enabled in the cloud, ids\n"
       "issued twice, and, as information, devices issued but never seen.\n"
       "With -o DIR it writes azure-iothub/disable.sh and aws-iot/revoke.sh."));
  g_option_context_set_description (context,
    /* Translators: keep the example commands as they are. */
    N_("Example:\n"
       "  az iot hub device-identity list --hub-name factory-hub > hub.json\n"
       "  aws iot list-certificates-by-ca --ca-certificate-id ID > aws.json\n"
       "  chain -C dist reconcile hub.json aws.json -o disable --hub factory-hub\n"
       "\n"
       "Exit codes: 0 nothing needs action, 1 error (unreadable, empty, truncated or\n"
       "unknown file), 2 usage, 3 something needs action."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc < 2)
    return chain_cli_usage (error, "reconcile", _("name at least one cloud file"));

  workspace = chain_cli_open_workspace (globals, FALSE, NULL, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  reconcile = chain_reconcile_new ();
  if (!chain_reconcile_load_ledger (reconcile, workspace, cancellable, error))
    return FALSE;
  for (int i = 1; i < argc; i++)
    {
      ChainCloudFormat format = CHAIN_CLOUD_FORMAT_EMPTY;

      if (!chain_reconcile_read_file (reconcile, argv[i], &format, cancellable, error))
        return FALSE;
      g_ptr_array_add (files, argv[i]);
      g_array_append_val (formats, format);
    }
  if (!chain_reconcile_compare (reconcile, cancellable, error))
    return FALSE;
  /* The workspace keeps what this run found, for Custody's charts and
   * `chain report` (the ledger does not: it is this custodian's view).
   * Keeping it is a convenience: a workspace that cannot take it (read
   * only) still gets the reconciliation, with a warning. */
  summary_path = g_build_filename (chain_workspace_get_dir (workspace), CHAIN_RECONCILE_SUMMARY_FILE, NULL);
  g_ptr_array_add (files, NULL);
  if (!chain_reconcile_write_summary (reconcile, (const char *const *) files->pdata, g_get_real_time () / G_USEC_PER_SEC,
                                      summary_path, &summary_error))
    g_printerr (_("chain: warning: this result is not kept for Custody and `chain report`: %s\n"),
                summary_error->message);
  g_ptr_array_set_size (files, files->len - 1);

  script_options.hub = hub;
  script_options.resource_group = resource_group;
  script_options.region = region;
  if (output != NULL && !chain_reconcile_write_scripts (reconcile, &script_options, output, error))
    return FALSE;

  if (globals->json)
    print_json (globals, reconcile, files, formats, output);
  else
    print_text (globals, reconcile, all, output);

  n_action = chain_reconcile_get_n_needing_action (reconcile);
  if (n_action > 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   /* Translators: %zu counts findings; keep -o. */
                   ngettext ("reconcile: %zu finding needs action; disable it in the cloud (-o DIR writes the commands)",
                             "reconcile: %zu findings need action; disable them in the cloud (-o DIR writes the commands)",
                             n_action),
                   n_action);
      return FALSE;
    }
  return TRUE;
}
