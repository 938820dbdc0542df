/* cmd-init.c — `chain init`: the OEM's workspace, root CA and ledger */
#include "chain-cli.h"

#include <string.h>

/* --threshold TYPE=K, as many as given. */
static gboolean
apply_thresholds (ChainPolicy *policy,
                  char       **thresholds,
                  GError     **error)
{
  for (guint i = 0; thresholds != NULL && thresholds[i] != NULL; i++)
    {
      const char *equals = strchr (thresholds[i], '=');
      g_autofree char *name = equals != NULL ? g_strndup (thresholds[i], (gsize) (equals - thresholds[i])) : NULL;
      ChainRecordType type = name != NULL ? chain_record_type_from_string (name, NULL) : CHAIN_RECORD_TYPE_INVALID;
      guint64 k = 0;

      if (!chain_policy_type_has_threshold (type)
          || !g_ascii_string_to_unsigned (equals + 1, 10, 1, CHAIN_POLICY_MAX_THRESHOLD, &k, NULL))
        {
          const ChainRecordType *all = chain_policy_get_threshold_types ();
          g_autoptr(GString) types = g_string_new (NULL);

          for (guint j = 0; all[j] != CHAIN_RECORD_TYPE_INVALID; j++)
            g_string_append_printf (types, "%s%s", j > 0 ? ", " : "", chain_record_type_to_string (all[j]));

          /* Translators: keep TYPE=K; the last %s lists the record types (not translated). */
          return chain_cli_usage (error, "init", _("--threshold '%s' is not TYPE=K with K from 1 to %d and TYPE one of %s"),
                                  thresholds[i], CHAIN_POLICY_MAX_THRESHOLD, types->str);
        }
      chain_policy_set_threshold (policy, type, (guint) k);
    }
  return TRUE;
}

/* --require-hardware TIER, as many as given: that tier's keys in a token or TPM. */
static gboolean
apply_hardware_tiers (ChainPolicy *policy,
                      char       **tiers,
                      GError     **error)
{
  for (guint i = 0; tiers != NULL && tiers[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint t = 0; t < chain_policy_get_n_tiers (policy); t++)
        found |= g_strcmp0 (chain_policy_get_tier_name (policy, t), tiers[i]) == 0;
      if (!found)
        return chain_cli_usage (error, "init", _("--require-hardware '%s' names no tier of the policy"), tiers[i]);
      chain_policy_set_require_hardware_keys (policy, tiers[i], TRUE);
    }
  return TRUE;
}

/* --trust-tpm-maker TIER=FILE: that tier's keys certified by a TPM whose
 * EK certificate chains to the CA in FILE. */
static gboolean
apply_tpm_makers (ChainPolicy *policy,
                  char       **makers,
                  GError     **error)
{
  for (guint i = 0; makers != NULL && makers[i] != NULL; i++)
    {
      const char *eq = strchr (makers[i], '=');
      g_autofree char *tier = eq != NULL ? g_strndup (makers[i], (gsize) (eq - makers[i])) : NULL;
      g_autofree char *pem = NULL;
      g_autoptr(GError) local_error = NULL;

      if (tier == NULL || eq[1] == '\0')
        return chain_cli_usage (error, "init", _("--trust-tpm-maker takes TIER=FILE, not '%s'"), makers[i]);
      if (!g_file_get_contents (eq + 1, &pem, NULL, &local_error)
          || !chain_policy_add_tpm_ek_root (policy, tier, pem, &local_error))
        {
          /* Translators: the option's TIER=FILE, then the reason. */
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT, _("--trust-tpm-maker %s: %s"), makers[i],
                       local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

static ChainPolicy *
load_policy (const char *path,
             GError    **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (path == NULL)
    return chain_policy_new_default ();
  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  return chain_policy_parse (data, len, error);
}

static void
report (const ChainCliGlobals *globals,
        ChainWorkspace        *workspace)
{
  ChainCert *root = chain_workspace_get_ca (workspace);
  g_autofree char *thumbprint = chain_cert_dup_thumbprint_hex (root, CHAIN_DIGEST_SHA256);

  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();

      chain_json_object_set_string (doc, "workspace", chain_workspace_get_dir (workspace));
      chain_json_object_set_string (doc, "custodian", chain_workspace_get_custodian_id (workspace));
      chain_json_object_set_string (doc, "ledger_id", chain_ledger_get_id (chain_workspace_get_ledger (workspace)));
      chain_json_object_set_string (doc, "root_sha256", thumbprint);
      chain_json_object_set_string (doc, "officer", chain_workspace_get_unlocked_officer (workspace));
      chain_cli_print_json (globals, doc);
      return;
    }
  /* Translators: a directory, the organisation's name, the custodian id. */
  chain_cli_print (globals, _("Created workspace %s for '%s' (%s)\n"), chain_workspace_get_dir (workspace),
                   chain_workspace_get_org (workspace), chain_workspace_get_custodian_id (workspace));
  chain_cli_print (globals, _("Root CA SHA-256: %s\n"), thumbprint);
  chain_cli_print (globals, _("Publish this thumbprint: custodians check their grants against it "
                              "(chain accept --root).\n"));
}

gboolean
cmd_init (const ChainCliGlobals *globals,
          int                    argc,
          char                 **argv,
          GCancellable          *cancellable,
          GError               **error)
{
  g_autofree char *org = NULL;
  g_autofree char *id = NULL;
  g_autofree char *algorithm = NULL;
  g_autofree char *officer = NULL;
  g_autofree char *policy_path = NULL;
  g_autofree char *key_store = NULL;
  g_auto(GStrv) thresholds = NULL;
  g_auto(GStrv) hardware_tiers = NULL;
  g_auto(GStrv) tpm_makers = NULL;
  gint64 validity_days = 0;
  /* Translators: %s lists the key algorithms (not translated). */
  g_autofree char *algorithm_help = g_strdup_printf (_("Key algorithm: %s (default ec-p256)"), CHAIN_KEY_ALGORITHM_NAMES);
  GOptionEntry entries[] = {
    { "org", 0, 0, G_OPTION_ARG_STRING, &org, N_("The organisation's name (required)"), N_("NAME") },
    { "id", 0, 0, G_OPTION_ARG_STRING, &id, N_("Custodian id (default: from the name)"), N_("ID") },
    /* Already translated: GOption's own lookup finds no other msgid for it. */
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &algorithm, algorithm_help, N_("ALG") },
    { "validity-days", 0, 0, G_OPTION_ARG_INT64, &validity_days, N_("Root lifetime (default: the policy's maximum)"), N_("DAYS") },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("First officer's name (default: officer)"), N_("NAME") },
    { "policy", 0, 0, G_OPTION_ARG_FILENAME, &policy_path, N_("Policy JSON (default: the built-in three-tier policy)"), N_("FILE") },
    { "threshold", 0, 0, G_OPTION_ARG_STRING_ARRAY, &thresholds, N_("Officers needed for a record type, e.g. delegation=2"), N_("TYPE=K") },
    { "require-hardware", 0, 0, G_OPTION_ARG_STRING_ARRAY, &hardware_tiers, N_("Keys of this tier must live in a PKCS#11 token or a TPM (repeatable)"), N_("TIER") },
    { "key-store", 0, 0, G_OPTION_ARG_STRING, &key_store, N_("Where the new keys live: file (default), a PKCS#11 URI, tpm2 or tpm2:HANDLE"), N_("STORE") },
    { "trust-tpm-maker", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tpm_makers, N_("Keys of this tier must be certified by a TPM whose EK certificate chains to the CA in FILE (repeatable)"), N_("TIER=FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— create the OEM's workspace"));
  g_autoptr(ChainPolicy) policy = NULL;
  g_autoptr(ChainSecret) passphrase = NULL;
  g_autoptr(ChainSecret) pin = NULL;
  g_autoptr(ChainWorkspace) workspace = NULL;
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    /* Translators: keep the example command as it is. */
    N_("Makes the root custodian's workspace in -C DIR: a root CA key and certificate,\n"
       "the first officer, and a new ledger whose genesis record carries the policy.\n\n"
       "Example:\n  chain -C oem init --org 'Widget Ltd' --threshold delegation=2\n"
       "  chain -C oem --pin-file pin init --org 'Widget Ltd' \\\n"
       "    --key-store 'pkcs11:token=oem-root;object=root-ca?module-path=/usr/lib/softhsm/libsofthsm2.so'"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "init", _("unexpected argument '%s'"), argv[1]);
  if (org == NULL)
    return chain_cli_usage (error, "init", _("give the organisation's name with --org NAME"));
  if (algorithm != NULL)
    {
      options.algorithm = chain_key_algorithm_from_string (algorithm, error);
      if (options.algorithm == CHAIN_KEY_ALGORITHM_INVALID)
        return FALSE;
    }
  policy = load_policy (policy_path, error);
  if (policy == NULL || !apply_thresholds (policy, thresholds, error)
      || !apply_hardware_tiers (policy, hardware_tiers, error) || !apply_tpm_makers (policy, tpm_makers, error))
    return FALSE;
  if (!chain_cli_get_key_secrets (globals, key_store, _("Passphrase for the new keys: "), &passphrase, &pin, error))
    return FALSE;
  options.org = org;
  options.id = id;
  options.validity_days = validity_days;
  options.officer = officer;
  options.policy = policy;
  options.passphrase = passphrase;
  options.key_store = key_store;
  options.pin = pin;
  workspace = chain_workspace_init (globals->workspace, &options, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  report (globals, workspace);
  return TRUE;
}
