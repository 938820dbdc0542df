/* cmd-export.c — `chain export`: the files and script each cloud wants, recorded */
#include "chain-cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void
print_warnings (const ChainExport *export)
{
  for (guint i = 0; i < chain_export_get_n_warnings (export); i++)
    {
      const ChainExportWarning *warning = chain_export_get_warning (export, i);

      /* Translators: "chain" is the command's name; then an export target such
       * as "azure-iothub", the warning, and its id in brackets (neither the
       * target nor the id is translated). */
      fprintf (stderr, _("chain: warning: %s: %s [%s]\n"),
               chain_export_target_to_string (chain_export_get_target (export)), warning->message, warning->id);
    }
}

static ChainJson *
export_to_json (const ChainExport *export,
                const char        *dir)
{
  ChainJson *doc = chain_json_new_object ();
  ChainJson *files = chain_json_new_array ();
  ChainJson *warnings = chain_json_new_array ();
  g_autofree char *target_dir = g_build_filename (dir, chain_export_target_to_string (chain_export_get_target (export)), NULL);

  for (guint i = 0; i < chain_export_get_n_files (export); i++)
    {
      const ChainExportFile *file = chain_export_get_file (export, i);
      ChainJson *item = chain_json_new_object ();

      chain_json_object_set_string (item, "name", file->name);
      chain_json_object_set_string (item, "sha256", file->sha256);
      chain_json_object_set_boolean (item, "recorded", file->recorded);
      chain_json_array_append (files, item);
    }
  for (guint i = 0; i < chain_export_get_n_warnings (export); i++)
    {
      const ChainExportWarning *warning = chain_export_get_warning (export, i);
      ChainJson *item = chain_json_new_object ();

      chain_json_object_set_string (item, "id", warning->id);
      chain_json_object_set_string (item, "message", warning->message);
      chain_json_array_append (warnings, item);
    }
  chain_json_object_set_string (doc, "target", chain_export_target_to_string (chain_export_get_target (export)));
  chain_json_object_set_string (doc, "ca", chain_export_get_ca_thumbprint (export));
  chain_json_object_set_string (doc, "directory", target_dir);
  chain_json_object_set (doc, "seq", chain_export_get_seq (export) >= 0
                                     ? chain_json_new_integer (chain_export_get_seq (export)) : chain_json_new_null ());
  chain_json_object_set (doc, "pop_seq", chain_export_get_pop_seq (export) >= 0
                                         ? chain_json_new_integer (chain_export_get_pop_seq (export)) : chain_json_new_null ());
  chain_json_object_set (doc, "files", files);
  chain_json_object_set (doc, "warnings", warnings);
  return doc;
}

/* The custodian's latest checkpoint (chain-checkpoint.h), beside the
 * upload files: what went to the cloud is tied to one ledger state. A dot
 * file, which the export comparison of `chain audit --export-dir` skips.
 * None before the first sync with a hosted remote. */
static gboolean
write_checkpoint_beside (ChainWorkspace    *workspace,
                         const ChainExport *export,
                         const char        *dir,
                         GError           **error)
{
  g_autofree char *path = g_build_filename (dir, chain_export_target_to_string (chain_export_get_target (export)),
                                            ".ledger-checkpoint", NULL);
  g_autoptr(GBytes) note = chain_checkpoint_read_note (chain_ledger_get_path (chain_workspace_get_ledger (workspace)),
                                                       chain_workspace_get_custodian_id (workspace), NULL);
  g_autoptr(GError) local = NULL;

  if (note == NULL)
    return TRUE;
  if (!g_file_set_contents_full (path, g_bytes_get_data (note, NULL), (gssize) g_bytes_get_size (note),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write the checkpoint %s: %s"), path, local->message);
      return FALSE;
    }
  return TRUE;
}

static void
print_export (const ChainCliGlobals *globals,
              const ChainExport     *export,
              const char            *dir,
              gboolean               dry_run)
{
  g_autofree char *target_dir = g_build_filename (dir, chain_export_target_to_string (chain_export_get_target (export)), NULL);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < chain_export_get_n_files (export); i++)
    g_string_append_printf (names, " %s", chain_export_get_file (export, i)->name);
  if (dry_run)
    /* Translators: an export target such as "azure-iothub", a directory,
     * then the file names, each after a space. */
    chain_cli_print (globals, _("%s: would write to %s:%s (nothing recorded)\n"),
                     chain_export_target_to_string (chain_export_get_target (export)), target_dir, names->str);
  else if (chain_export_get_pop_seq (export) >= 0)
    /* Translators: an export target such as "azure-iothub", a directory, the
     * file names (each after a space), then two record numbers; "pop" and
     * "export" are record types (not translated). */
    chain_cli_print (globals, _("%s: %s:%s (recorded as #%" PRId64 " pop, #%" PRId64 " export)\n"),
                     chain_export_target_to_string (chain_export_get_target (export)), target_dir, names->str,
                     chain_export_get_pop_seq (export), chain_export_get_seq (export));
  else
    /* Translators: an export target such as "azure-iothub", a directory, the
     * file names (each after a space), then a record number. */
    chain_cli_print (globals, _("%s: %s:%s (recorded as #%" PRId64 ")\n"),
                     chain_export_target_to_string (chain_export_get_target (export)), target_dir, names->str,
                     chain_export_get_seq (export));
}

/* "azure-iothub,pem" into targets, each once, in the order given. */
static gboolean
parse_targets (const char *list,
               GArray     *targets,
               GError    **error)
{
  g_auto(GStrv) names = g_strsplit (list, ",", -1);

  for (guint i = 0; names[i] != NULL; i++)
    {
      ChainExportTarget target;
      gboolean seen = FALSE;

      g_strstrip (names[i]);
      if (names[i][0] == '\0')
        continue;
      target = chain_export_target_from_string (names[i], NULL);
      if (target == CHAIN_EXPORT_TARGET_INVALID)
        /* Translators: the second %s lists the export targets (not translated). */
        return chain_cli_usage (error, "export", _("unknown export target '%.32s'; use one of %s"),
                                names[i], CHAIN_EXPORT_TARGET_NAMES);
      for (guint j = 0; j < targets->len; j++)
        seen |= g_array_index (targets, ChainExportTarget, j) == target;
      if (!seen)
        g_array_append_val (targets, target);
    }
  return TRUE;
}

gboolean
cmd_export (const ChainCliGlobals *globals,
            int                    argc,
            char                 **argv,
            GCancellable          *cancellable,
            GError               **error)
{
  g_autofree char *target_list = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *code = NULL;
  g_autofree char *hub = NULL;
  g_autofree char *dps = NULL;
  g_autofree char *resource_group = NULL;
  g_autofree char *region = NULL;
  g_autofree char *role_arn = NULL;
  g_autofree char *output = NULL;
  g_autofree char *officer = NULL;
  gboolean dry_run = FALSE;
  GOptionEntry entries[] = {
    { "target", 0, 0, G_OPTION_ARG_STRING, &target_list,
      /* Translators: the target names are values for --target; keep them. */
      N_("Comma-separated: azure-iothub, azure-dps, aws-iot, pem (required)"), N_("LIST") },
    { "ca", 0, 0, G_OPTION_ARG_STRING, &ca, N_("The CA to export (default: this workspace's own)"), N_("NAME") },
    { "code", 0, 0, G_OPTION_ARG_STRING, &code,
      N_("The cloud's verification code: adds verification.pem (recorded as a pop record)"), N_("CODE") },
    { "hub", 0, 0, G_OPTION_ARG_STRING, &hub, N_("The IoT hub's name for the script (default: a placeholder)"), N_("NAME") },
    { "dps", 0, 0, G_OPTION_ARG_STRING, &dps, N_("The DPS instance's name for the script"), N_("NAME") },
    { "resource-group", 0, 0, G_OPTION_ARG_STRING, &resource_group, N_("The Azure resource group for the script"), N_("NAME") },
    { "region", 0, 0, G_OPTION_ARG_STRING, &region, N_("The AWS region for the script"), N_("REGION") },
    { "role-arn", 0, 0, G_OPTION_ARG_STRING, &role_arn, N_("The IAM role AWS just-in-time provisioning assumes"), N_("ARN") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write into DIR/TARGET/ (required)"), N_("DIR") },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, N_("Show the files and warnings; record and write nothing"), NULL },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("The officer who signs the records"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— write what a cloud needs to trust a CA, and record it"));
  g_autoptr(GArray) targets = g_array_new (FALSE, FALSE, sizeof (ChainExportTarget));
  g_autoptr(GPtrArray) exports = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_export_free);
  g_autoptr(ChainWorkspace) workspace = NULL;
  guint n_clouds = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the target and file names as they are. */
    N_("Writes, per target, into DIR/TARGET/:\n"
       "  pem           ca.pem, chain.pem, mosquitto.conf\n"
       "  azure-iothub  ca.pem, ca.cer, upload.sh (az iot hub certificate ...)\n"
       "  azure-dps     ca.pem, ca.cer, enrollment-group.json, upload.sh\n"
       "  aws-iot       ca.pem, jitp-template.json, registration-config.json, upload.sh\n"
       "and, with --code, verification.pem. Each export is a ledger record with the\n"
       "SHA-256 of every file. Pre-flight warnings (CA limits, chain depth, device\n"
       "ids, key and hash rules) go to standard error and into --json."));
  g_option_context_set_description (context,
    /* Translators: keep the example commands as they are; the text after "#" may be translated. */
    N_("Example:\n"
       "  chain -C oem export --target azure-iothub,pem --hub factory-hub -o upload\n"
       "  sh upload/azure-iothub/upload.sh      # uploads, prints the verification code\n"
       "  chain -C oem export --target azure-iothub --code CODE --hub factory-hub -o upload\n"
       "  sh upload/azure-iothub/upload.sh      # verifies\n"
       "\n"
       "Exit codes: 0 written and recorded, 1 error (revoked or unknown CA, bad code,\n"
       "output not writable, the ledger's rules refuse a record), 2 usage.\n"
       "Nothing is recorded on error."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "export", _("unexpected argument '%s'"), argv[1]);
  if (target_list == NULL)
    return chain_cli_usage (error, "export", _("--target is required"));
  if (output == NULL)
    return chain_cli_usage (error, "export", _("-o DIR is required"));
  if (!parse_targets (target_list, targets, error))
    return FALSE;
  if (targets->len == 0)
    return chain_cli_usage (error, "export", _("--target names no target"));
  for (guint i = 0; i < targets->len; i++)
    n_clouds += g_array_index (targets, ChainExportTarget, i) != CHAIN_EXPORT_TARGET_PEM;
  if (code != NULL && n_clouds != 1)
    return chain_cli_usage (error, "export",
                            _("a verification code belongs to one cloud: give --code with one of azure-iothub, azure-dps, aws-iot"));

  workspace = chain_cli_open_workspace (globals, !dry_run || code != NULL, officer, cancellable, error);
  if (workspace == NULL)
    return FALSE;

  /* Everything is prepared, and so checked, before anything is recorded. */
  for (guint i = 0; i < targets->len; i++)
    {
      ChainExportOptions options = CHAIN_EXPORT_OPTIONS_INIT;
      ChainExport *export;

      options.target = g_array_index (targets, ChainExportTarget, i);
      options.ca = ca;
      options.code = options.target != CHAIN_EXPORT_TARGET_PEM ? code : NULL;
      options.hub = hub;
      options.dps = dps;
      options.resource_group = resource_group;
      options.region = region;
      options.role_arn = role_arn;
      export = chain_workspace_prepare_export (workspace, &options, cancellable, error);
      if (export == NULL)
        return FALSE;
      g_ptr_array_add (exports, export);
    }
  for (guint i = 0; i < exports->len; i++)
    print_warnings (g_ptr_array_index (exports, i));
  for (guint i = 0; !dry_run && i < exports->len; i++)
    if (!chain_workspace_write_export (workspace, g_ptr_array_index (exports, i), output, NULL, cancellable, error)
        || !write_checkpoint_beside (workspace, g_ptr_array_index (exports, i), output, error))
      return FALSE;

  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();
      ChainJson *list = chain_json_new_array ();

      for (guint i = 0; i < exports->len; i++)
        chain_json_array_append (list, export_to_json (g_ptr_array_index (exports, i), output));
      chain_json_object_set_boolean (doc, "dry_run", dry_run);
      chain_json_object_set (doc, "exports", list);
      chain_cli_print_json (globals, doc);
    }
  else
    for (guint i = 0; i < exports->len; i++)
      print_export (globals, g_ptr_array_index (exports, i), output, dry_run);
  return TRUE;
}
