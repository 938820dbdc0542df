/* cmd-quota.c — `chain quota`: set a custodian's device quota */
#include "chain-cli.h"

#include <inttypes.h>

gboolean
cmd_quota (const ChainCliGlobals *globals,
           int                    argc,
           char                 **argv,
           GCancellable          *cancellable,
           GError               **error)
{
  g_autofree char *officer = NULL;
  GOptionEntry entries[] = {
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("Which officer signs (default: the only one)"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("CUSTODIAN N — set the device quota of a custodian delegated to"));
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autofree char *custodian = NULL;
  ChainQuotaOutcome outcome;
  char *end = NULL;
  guint64 max_devices;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the commands and the example as they are. */
    N_("Records a new device quota for a custodian this one delegated to: the most\n"
       "devices it and every custodian below it may issue, those issued already\n"
       "included (never fewer than that). It is in force once as many officers\n"
       "agree as the policy wants for a delegation; until then it waits, and\n"
       "other officers run 'chain approve CUSTODIAN'. 'chain status' shows\n"
       "used / quota.\n\n"
       "Example:\n  chain -C oem quota cm-a 50000"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 3)
    return chain_cli_usage (error, "quota", _("give a custodian id and the number of devices"));
  max_devices = g_ascii_strtoull (argv[2], &end, 10);
  if (argv[2][0] < '0' || argv[2][0] > '9' || *end != '\0' || max_devices < 1 || max_devices > (guint64) CHAIN_QUOTA_MAX)
    return chain_cli_usage (error, "quota", _("the quota is a number of devices, 1 to 1000000000000"));
  workspace = chain_cli_open_workspace (globals, TRUE, officer, cancellable, error);
  if (workspace == NULL
      || !chain_workspace_set_quota (workspace, argv[1], max_devices, &outcome, cancellable, error))
    return FALSE;
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();

      chain_json_object_set_integer (doc, "seq", (gint64) outcome.seq);
      chain_json_object_set_string (doc, "id", outcome.quota_id);
      chain_json_object_set_string (doc, "custodian", argv[1]);
      chain_json_object_set_integer (doc, "max_devices", (gint64) max_devices);
      chain_json_object_set_boolean (doc, "in_force", outcome.in_force);
      chain_json_object_set_integer (doc, "agreed", outcome.agreed);
      chain_json_object_set_integer (doc, "threshold", outcome.threshold);
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  custodian = chain_cli_one_line (argv[1], 0);
  if (outcome.in_force)
    /* Translators: %s is a custodian id. */
    chain_cli_print (globals, _("The device quota of '%s' is %" PRIu64 " (record %" PRIu64 ")\n"),
                     custodian, max_devices, outcome.seq);
  else
    /* Translators: a custodian id, the quota, the record, officers agreed, officers wanted, the id again. */
    chain_cli_print (globals, _("A device quota of %" PRIu64 " for '%s' is recorded (record %" PRIu64 ") and waits: "
                                "%u of %u officers agreed; another officer runs 'chain approve %s'\n"),
                     max_devices, custodian, outcome.seq, outcome.agreed, outcome.threshold, custodian);
  return TRUE;
}
