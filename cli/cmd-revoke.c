/* cmd-revoke.c — `chain revoke`: revoke devices or a sub-CA, with a new CRL */
#include "chain-cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define LIST_MAX_SIZE (16 * 1024 * 1024)

static const char *
kind_name (ChainRevokedKind kind)
{
  switch (kind)
    {
    case CHAIN_REVOKED_DEVICE:
      return "device";
    case CHAIN_REVOKED_SUB_CA:
      return "sub-ca";
    case CHAIN_REVOKED_OTHER:
    default:
      return "other";
    }
}

/* Adds the words of @path ('-': standard input), one per line, to @words. */
static gboolean
read_list (const char *path,
           GPtrArray  *words,
           GError    **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_auto(GStrv) lines = NULL;

  if (strcmp (path, "-") == 0)
    {
      GString *in = g_string_new (NULL);
      char buffer[4096];
      size_t n;

      while (in->len <= LIST_MAX_SIZE && (n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
        g_string_append_len (in, buffer, (gssize) n);
      len = in->len;
      text = g_string_free (in, FALSE);
    }
  else if (!g_file_get_contents (path, &text, &len, error))
    return FALSE;
  if (len > LIST_MAX_SIZE || strlen (text) != len || !g_utf8_validate (text, (gssize) len, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a text list of device ids or serials (at most 16 MiB, one per line)"), path);
      return FALSE;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] != '\0' && lines[i][0] != '#')
        g_ptr_array_add (words, g_strdup (lines[i]));
    }
  return TRUE;
}

/* Adds the serial of the certificate in @path to @words: the certificate
 * itself names what to revoke, whatever id it carries. */
static gboolean
add_cert_serial (const char *path,
                 GPtrArray  *words,
                 GError    **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, error);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(ChainCert) cert = NULL;

  if (info == NULL)
    return FALSE;
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR || g_file_info_get_size (info) > CHAIN_INPUT_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a certificate file (a regular file of at most %d bytes); give the device's cert.pem"),
                   path, CHAIN_INPUT_MAX_LEN);
      return FALSE;
    }
  if (!g_file_load_contents (file, NULL, &data, &len, NULL, error))
    return FALSE;
  cert = chain_cert_parse ((const guint8 *) data, len, error);
  if (cert == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  g_ptr_array_add (words, chain_cert_dup_serial (cert));
  return TRUE;
}

gboolean
cmd_revoke (const ChainCliGlobals *globals,
            int                    argc,
            char                 **argv,
            GCancellable          *cancellable,
            GError               **error)
{
  g_autofree char *reason_name = NULL;
  g_auto(GStrv) custodians = NULL;
  g_autofree char *from = NULL;
  g_auto(GStrv) cert_files = NULL;
  g_autofree char *officer = NULL;
  gint crl_days = 0;
  gboolean dry_run = FALSE;
  /* Translators: %s lists the reason names; they are not translated. */
  g_autofree char *reason_help = g_strdup_printf (_("Why: %s"), CHAIN_REVOCATION_REASON_NAMES);
  GOptionEntry entries[] = {
    { "custodian", 0, 0, G_OPTION_ARG_STRING_ARRAY, &custodians,
      N_("Revoke the sub-CA of this custodian (repeatable)"), N_("ID") },
    /* Already translated: GOption's own lookup finds no other msgid for it. */
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason_name, reason_help, N_("REASON") },
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &from, N_("Also revoke the device ids or serials listed in FILE ('-': stdin)"), N_("FILE") },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cert_files, N_("Also revoke this certificate, by its serial (repeatable)"), N_("FILE") },
    { "crl-days", 0, 0, G_OPTION_ARG_INT, &crl_days, N_("The new CRL's validity in days (default 30)"), N_("DAYS") },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, N_("Show what would be revoked; record nothing"), NULL },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("The officer who signs the record"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("[DEVICE-ID|SERIAL...] — revoke devices or sub-CAs this CA issued"));
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainRevocation) plan = NULL;
  ChainRevokeOptions options = CHAIN_REVOKE_OPTIONS_INIT;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    N_("Revokes certificates this workspace's CA issued: devices by id or serial\n"
       "(a word that is a serial of this CA is one; a device id revokes every\n"
       "certificate of that device), and sub-CAs by custodian. Records one revocation\n"
       "with the CA's new CRL; its number is max(last + 1, the current Unix time).\n"
       "Then run 'chain crl' for the CRL files and the per-cloud disable lists."));
  g_option_context_set_description (context,
    /* Translators: keep the example commands as they are. */
    N_("Example:\n"
       "  chain -C dist revoke --reason key-compromise sensor-0042 sensor-0043\n"
       "  chain -C cm revoke --custodian dist-east --reason cessation-of-operation\n"
       "\n"
       "Exit codes: 0 recorded, 1 error (not issued by this CA, revoked already,\n"
       "locked, the ledger's rules refuse the record), 2 usage.\n"
       "Nothing is recorded on error."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (words, g_strdup (argv[i]));
  if (from != NULL && !read_list (from, words, error))
    return FALSE;
  for (guint i = 0; cert_files != NULL && cert_files[i] != NULL; i++)
    if (!add_cert_serial (cert_files[i], words, error))
      return FALSE;
  if (words->len == 0 && (custodians == NULL || custodians[0] == NULL))
    return chain_cli_usage (error, "revoke", _("name devices (id or serial), --cert FILE or --custodian ID"));
  if (reason_name != NULL && !chain_revocation_reason_from_string (reason_name, &options.reason, NULL))
    return chain_cli_usage (error, "revoke", _("unknown reason '%.32s'; use one of %s"), reason_name,
                            CHAIN_REVOCATION_REASON_NAMES);
  if (crl_days < 0 || crl_days > 3650)
    return chain_cli_usage (error, "revoke", _("--crl-days must be 1 to 3650"));
  options.crl_validity_days = crl_days;
  g_ptr_array_add (words, NULL);

  workspace = chain_cli_open_workspace (globals, !dry_run, officer, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  plan = chain_workspace_plan_revocation (workspace, (const char *const *) words->pdata,
                                          (const char *const *) custodians, cancellable, error);
  if (plan == NULL || (!dry_run && !chain_workspace_revoke (workspace, plan, &options, cancellable, error)))
    return FALSE;

  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();
      ChainJson *list = chain_json_new_array ();
      g_autofree char *issuer = chain_cert_dup_thumbprint_hex (chain_revocation_get_issuer (plan), CHAIN_DIGEST_SHA256);
      ChainCrl *crl = chain_revocation_get_crl (plan);

      for (guint i = 0; i < chain_revocation_get_n_items (plan); i++)
        {
          const ChainRevokedItem *item = chain_revocation_get_item (plan, i);
          ChainJson *entry = chain_json_new_object ();

          chain_json_object_set_string (entry, "serial", item->serial);
          chain_json_object_set_string (entry, "kind", kind_name (item->kind));
          chain_json_object_set (entry, "name", item->name != NULL ? chain_json_new_string (item->name) : chain_json_new_null ());
          chain_json_array_append (list, entry);
        }
      chain_json_object_set_boolean (doc, "dry_run", dry_run);
      chain_json_object_set_string (doc, "issuer", issuer);
      chain_json_object_set_string (doc, "reason", chain_revocation_reason_to_string (options.reason));
      chain_json_object_set (doc, "seq", chain_revocation_get_seq (plan) >= 0
                                         ? chain_json_new_integer (chain_revocation_get_seq (plan)) : chain_json_new_null ());
      chain_json_object_set (doc, "crl_number", crl != NULL
                                                ? chain_json_new_integer ((gint64) chain_crl_get_number (crl))
                                                : chain_json_new_null ());
      chain_json_object_set (doc, "revoked", list);
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  for (guint i = 0; i < chain_revocation_get_n_items (plan); i++)
    {
      const ChainRevokedItem *item = chain_revocation_get_item (plan, i);
      const char *kind = kind_name (item->kind);

      if (item->name != NULL)
        /* Translators: the first %s is the kind (device, sub-ca, other; not
         * translated), then the serial and the name. */
        chain_cli_print (globals, dry_run ? _("would revoke %s %s %s\n") : _("revoked %s %s %s\n"),
                         kind, item->serial, item->name);
      else
        /* Translators: the kind (device, sub-ca, other; not translated), then
         * the serial. */
        chain_cli_print (globals, dry_run ? _("would revoke %s %s\n") : _("revoked %s %s\n"),
                         kind, item->serial);
    }
  if (!dry_run)
    chain_cli_print (globals, _("Recorded as #%" PRId64 " with CRL number %" PRIu64
                                "; run 'chain crl -o DIR' for the CRL and the cloud disable lists\n"),
                     chain_revocation_get_seq (plan), chain_crl_get_number (chain_revocation_get_crl (plan)));
  return TRUE;
}
