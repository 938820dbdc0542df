/* cmd-demo.c — `chain demo DIR`: the three-tier story on a real ledger
 *
 * An OEM, two contract manufacturers and a distributor under the first,
 * each in its own workspace under DIR with its own keys. Requests and
 * grants travel as files through DIR/handover; the ledger travels by git
 * (the OEM's ledger is the hub everyone syncs with). The distributor issues
 * devices, the OEM exports its root for Azure IoT Hub with a proof of
 * possession, the distributor revokes a device, everyone syncs, and each
 * workspace's ledger is audited. The same library calls as the commands.
 */
#include "chain-cli.h"

#include <errno.h>
#include <inttypes.h>
#include <glib/gstdio.h>

#define DEMO_DEVICES 8
#define DEMO_REVOKED_DEVICE "dist-x-dev-3"
#define DEMO_POP_CODE "3A1F9C0B7D2E4F6A8B5C1D0E9F7A6B5C4D3E2F1A0B9C8D7E"

typedef struct {
  const char     *dir_name;
  const char     *org;
  const char     *tier;
  const char     *under;      /* the parent's namespace, or NULL */
  ChainWorkspace *workspace;
} Party;

typedef struct {
  const ChainCliGlobals *globals;
  GCancellable          *cancellable;
  char                  *dir;
  ChainSecret           *passphrase;
  char                  *root_sha256;
  Party                  oem;
  Party                  cm_a;
  Party                  cm_b;
  Party                  dist_x;
} Demo;

static char *
demo_path (Demo       *demo,
           const char *relative)
{
  return g_build_filename (demo->dir, relative, NULL);
}

static void
say (Demo       *demo,
     const char *format,
     ...) G_GNUC_PRINTF (2, 3);

static void
say (Demo       *demo,
     const char *format,
     ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  chain_cli_print (demo->globals, "%s\n", text);
}

static char *
ledger_path (Party *p)
{
  return g_build_filename (chain_workspace_get_dir (p->workspace), CHAIN_WORKSPACE_LEDGER_DIR, NULL);
}

/* ---- The story's steps ------------------------------------------------------ */

static gboolean
oem_init (Demo    *demo,
          GError **error)
{
  g_autofree char *dir = demo_path (demo, demo->oem.dir_name);
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;

  options.org = demo->oem.org;
  options.id = "oem";
  options.officer = "olivia";
  options.passphrase = demo->passphrase;
  demo->oem.workspace = chain_workspace_init (dir, &options, demo->cancellable, error);
  if (demo->oem.workspace == NULL)
    return FALSE;
  demo->root_sha256 = chain_cert_dup_thumbprint_hex (chain_workspace_get_ca (demo->oem.workspace), CHAIN_DIGEST_SHA256);
  /* Translators: the demo's first step: organisation name, directory, thumbprint. */
  say (demo, _("1. %s made its root CA and ledger in %s\n   root SHA-256 %s"), demo->oem.org, dir, demo->root_sha256);
  return TRUE;
}

/* Everyone syncs with the OEM's ledger, the hub: fetch (audited), then
 * push what the hub lacks; the hub's own workspace then catches up. */
static gboolean
sync_with_hub (Demo    *demo,
               Party   *p,
               GError **error)
{
  g_autofree char *hub = ledger_path (&demo->oem);

  return chain_workspace_sync (p->workspace, hub, NULL, NULL, demo->cancellable, error)
         && chain_workspace_refresh (demo->oem.workspace, NULL, demo->cancellable, error);
}

/* request -> delegate -> accept -> sync, as `chain request`, `delegate`, `accept`, `sync`. */
static gboolean
delegate_to (Demo    *demo,
             Party   *parent,
             Party   *child,
             int      step,
             GError **error)
{
  g_autofree char *child_dir = demo_path (demo, child->dir_name);
  g_autofree char *request_name = g_strdup_printf ("handover/%s.request", child->dir_name);
  g_autofree char *grant_name = g_strdup_printf ("handover/%s.grant", child->dir_name);
  g_autofree char *request_path = demo_path (demo, request_name);
  g_autofree char *grant_path = demo_path (demo, grant_name);
  g_autoptr(ChainRequestFile) request = NULL;
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  ChainDelegateOutcome outcome;

  options.org = child->org;
  options.id = child->dir_name;
  options.tier = child->tier;
  options.namespace = child->under;
  options.passphrase = demo->passphrase;
  child->workspace = chain_workspace_request (child_dir, &options, request_path, demo->cancellable, error);
  if (child->workspace == NULL)
    return FALSE;
  if (parent != &demo->oem && !sync_with_hub (demo, parent, error))
    return FALSE;
  request = chain_request_file_load (request_path, error);
  if (request == NULL
      || !chain_workspace_delegate (parent->workspace, request, NULL, grant_path, &outcome, demo->cancellable, error))
    return FALSE;
  /* The demo writes its own policy: one officer delegates. */
  g_assert (outcome.status == CHAIN_DELEGATE_GRANTED);
  if (parent != &demo->oem && !sync_with_hub (demo, parent, error))
    return FALSE;
  if (!chain_workspace_accept (child->workspace, grant_path, demo->root_sha256, NULL, demo->cancellable, error)
      || !sync_with_hub (demo, child, error))
    return FALSE;
  /* Translators: step number, organisation, tier name (not translated), the
   * parent's organisation, the request file, record number, the grant file. */
  say (demo, _("%d. %s (%s) asked %s for a sub-CA with %s;\n   delegated as record %" PRIu64
               ", accepted with the grant %s"),
       step, child->org, child->tier, parent->org, request_path, outcome.seq, grant_path);
  return TRUE;
}

static gboolean
issue_devices (Demo    *demo,
               GError **error)
{
  g_autofree char *out = demo_path (demo, "devices");
  g_autoptr(ChainIssueSource) source = chain_issue_source_new_count ("dist-x-dev-", 1, DEMO_DEVICES, error);
  g_autoptr(ChainIssueSummary) summary = chain_issue_summary_new ();
  ChainIssueDevicesOptions options = CHAIN_ISSUE_DEVICES_OPTIONS_INIT;

  if (source == NULL)
    return FALSE;
  options.output_dir = out;
  options.key_passphrase = demo->passphrase;
  if (!chain_issue_devices (demo->dist_x.workspace, source, &options, summary, demo->cancellable, error)
      || !sync_with_hub (demo, &demo->dist_x, error))
    return FALSE;
  say (demo,
       /* Translators: organisation, number of devices, directory, file name.
        * English says "devices" for one too; use your language's plural forms. */
       ngettext ("5. %s issued %" PRIu64 " devices into %s (manifest %s)",
                 "5. %s issued %" PRIu64 " devices into %s (manifest %s)",
                 chain_issue_summary_get_n_issued (summary)),
       demo->dist_x.org, chain_issue_summary_get_n_issued (summary), out,
       chain_issue_summary_get_manifest_csv (summary));
  return TRUE;
}

static gboolean
export_root (Demo    *demo,
             GError **error)
{
  g_autofree char *out = demo_path (demo, "export");
  g_autoptr(ChainExport) export = NULL;
  ChainExportOptions options = CHAIN_EXPORT_OPTIONS_INIT;
  guint64 seq = 0;

  options.target = CHAIN_EXPORT_TARGET_AZURE_IOTHUB;
  options.code = DEMO_POP_CODE;
  export = chain_workspace_prepare_export (demo->oem.workspace, &options, demo->cancellable, error);
  if (export == NULL || !chain_workspace_write_export (demo->oem.workspace, export, out, &seq, demo->cancellable, error))
    return FALSE;
  /* Translators: organisation, the first digits of a verification code,
   * directory, two record numbers. */
  say (demo, _("6. %s exported its root for Azure IoT Hub with a proof of possession for code %.12s…\n"
               "   into %s (records %" PRId64 " and %" PRIu64 ")"),
       demo->oem.org, DEMO_POP_CODE, out, chain_export_get_pop_seq (export), seq);
  for (guint i = 0; i < chain_export_get_n_warnings (export); i++)
    say (demo, _("   warning: %s"), chain_export_get_warning (export, i)->message);
  return TRUE;
}

static gboolean
revoke_device (Demo    *demo,
               GError **error)
{
  const char *const targets[] = { DEMO_REVOKED_DEVICE, NULL };
  g_autofree char *out = demo_path (demo, "crl");
  g_autoptr(ChainRevocation) plan = NULL;
  g_autoptr(ChainCrlExport) crl = NULL;
  ChainRevokeOptions options = CHAIN_REVOKE_OPTIONS_INIT;

  options.reason = CHAIN_REVOCATION_KEY_COMPROMISE;
  if (!sync_with_hub (demo, &demo->dist_x, error))
    return FALSE;
  plan = chain_workspace_plan_revocation (demo->dist_x.workspace, targets, NULL, demo->cancellable, error);
  if (plan == NULL || !chain_workspace_revoke (demo->dist_x.workspace, plan, &options, demo->cancellable, error))
    return FALSE;
  crl = chain_workspace_prepare_crl (demo->dist_x.workspace, NULL, demo->cancellable, error);
  if (crl == NULL || !chain_crl_export_write (crl, out, error) || !sync_with_hub (demo, &demo->dist_x, error))
    return FALSE;
  /* Translators: organisation, device id, record number, directory. */
  say (demo, _("7. %s revoked %s (record %" PRId64 "); CRL and disable lists in %s"), demo->dist_x.org,
       DEMO_REVOKED_DEVICE, chain_revocation_get_seq (plan), out);
  return TRUE;
}

/* Everyone fetches the hub's ledger and audits their copy. */
static gboolean
sync_and_audit (Demo    *demo,
                GError **error)
{
  Party *parties[] = { &demo->oem, &demo->cm_a, &demo->cm_b, &demo->dist_x };
  const char *tip = chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (demo->oem.workspace));
  guint64 n_records;

  for (guint i = 0; i < G_N_ELEMENTS (parties); i++)
    {
      Party *p = parties[i];
      g_autofree char *repo = ledger_path (p);
      g_autoptr(ChainAuditReport) report = NULL;
      ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;

      if (p != &demo->oem && !sync_with_hub (demo, p, error))
        return FALSE;
      options.trusted_root = demo->root_sha256;
      if (!chain_audit_repository (repo, &options, &report, demo->cancellable, error))
        return FALSE;
      if (!chain_audit_report_is_ok (report) || g_strcmp0 (chain_audit_report_get_tip_commit_id (report), tip) != 0)
        {
          g_autofree char *text = chain_audit_report_to_text (report, FALSE);

          /* Translators: an organisation's name, then the audit report. */
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY, _("the audit of %s's ledger failed: %s"), p->org, text);
          return FALSE;
        }
    }
  n_records = chain_ledger_get_length (chain_workspace_get_ledger (demo->oem.workspace));
  say (demo,
       /* Translators: the first digits of a commit id, a number of records.
        * English says "records" for one too; use your language's plural forms. */
       ngettext ("8. every workspace synced to the same tip %.12s; audit of all four ledgers: %" PRIu64
                 " records, all rules kept",
                 "8. every workspace synced to the same tip %.12s; audit of all four ledgers: %" PRIu64
                 " records, all rules kept", n_records),
       tip, n_records);
  return TRUE;
}

static void
print_places (Demo *demo)
{
  /* The directory names stay as they are; only what each holds is translated. */
  static const struct {
    const char *name;
    const char *what;
  } places[] = {
    { "oem/ cm-a/ cm-b/ dist-x/", N_("one workspace each: ledger.git, private/ (keys), certs/") },
    { "handover/", N_("the request and grant files that travelled") },
    { "devices/", N_("device certificates, chains, keys, manifest.csv/json") },
    { "export/azure-iothub/", N_("root .pem/.cer, verification certificate, az script") },
    { "crl/", N_("the distributor's CRL and per-cloud disable lists") },
    { "passphrase", N_("the demo's key passphrase (0600)") },
  };

  chain_cli_print (demo->globals, "\n");
  /* Translators: %s is the demo's directory. */
  say (demo, _("Where everything is (%s):"), demo->dir);
  for (gsize i = 0; i < G_N_ELEMENTS (places); i++)
    say (demo, "  %-28s%s", places[i].name, _(places[i].what));
  chain_cli_print (demo->globals, "\n");
  /* Translators: %s is the demo's directory; keep the commands as they are. */
  say (demo, _("Try: chain -C %s/oem log    chain -C %s/dist-x status    chain -C %s/oem audit"), demo->dir, demo->dir,
       demo->dir);
}

static gboolean
run_story (Demo    *demo,
           GError **error)
{
  g_autofree char *handover = demo_path (demo, "handover");

  if (g_mkdir (handover, 0755) != 0)
    {
      int saved = errno;

      /* Translators: a directory, then the system's reason. */
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot create %s: %s"), handover, g_strerror (saved));
      return FALSE;
    }
  if (!oem_init (demo, error) || !delegate_to (demo, &demo->oem, &demo->cm_a, 2, error)
      || !delegate_to (demo, &demo->oem, &demo->cm_b, 3, error)
      || !delegate_to (demo, &demo->cm_a, &demo->dist_x, 4, error) || !issue_devices (demo, error)
      || !export_root (demo, error) || !revoke_device (demo, error) || !sync_and_audit (demo, error))
    return FALSE;
  print_places (demo);
  return TRUE;
}

/* ---- The command ------------------------------------------------------------ */

static ChainSecret *
demo_passphrase (Demo    *demo,
                 GError **error)
{
  g_autofree char *path = demo_path (demo, "passphrase");
  g_autoptr(ChainSecret) secret = chain_secret_new_random ();
  gsize len = 0;
  const guint8 *data = chain_secret_get_data (secret, &len);

  if (!g_file_set_contents_full (path, (const char *) data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  return g_steal_pointer (&secret);
}

static void
demo_clear (Demo *demo)
{
  Party *parties[] = { &demo->oem, &demo->cm_a, &demo->cm_b, &demo->dist_x };

  for (guint i = 0; i < G_N_ELEMENTS (parties); i++)
    g_clear_pointer (&parties[i]->workspace, chain_workspace_free);
  g_clear_pointer (&demo->dir, g_free);
  g_clear_pointer (&demo->root_sha256, g_free);
  g_clear_pointer (&demo->passphrase, chain_secret_free);
}

gboolean
cmd_demo (const ChainCliGlobals *globals,
          int                    argc,
          char                 **argv,
          GCancellable          *cancellable,
          GError               **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("DIR — run the whole story into DIR"));
  Demo demo = {
    globals, cancellable, NULL, NULL, NULL,
    { "oem", "Widget Ltd", "oem", NULL, NULL },
    { "cm-a", "CM A", "manufacturer", NULL, NULL },
    { "cm-b", "CM B", "manufacturer", NULL, NULL },
    { "dist-x", "Dist X", "distributor", "O=CM A", NULL },
  };
  gboolean ok = FALSE;

  g_option_context_set_summary (context,
    /* Translators: keep the example command as it is. */
    N_("Runs the three-tier story in DIR: an OEM, two contract manufacturers and a\n"
       "distributor, each in its own workspace with its own keys; requests and grants\n"
       "handed over as files; devices issued; an Azure IoT Hub export with a proof of\n"
       "possession; a device revoked; the ledger synced; every copy audited.\n\n"
       "Example:\n  chain demo /tmp/chain-demo"));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    return chain_cli_usage (error, "demo", _("give one directory"));
  demo.dir = g_canonicalize_filename (argv[1], NULL);
  if (g_file_test (demo.dir, G_FILE_TEST_EXISTS) && g_rmdir (demo.dir) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS, _("%s exists and is not empty: give a new directory"), demo.dir);
      demo_clear (&demo);
      return FALSE;
    }
  if (g_mkdir_with_parents (demo.dir, 0700) != 0)
    {
      int saved = errno;

      /* Translators: a directory, then the system's reason. */
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot create %s: %s"), demo.dir, g_strerror (saved));
      demo_clear (&demo);
      return FALSE;
    }
  demo.passphrase = demo_passphrase (&demo, error);
  ok = demo.passphrase != NULL && run_story (&demo, error);
  demo_clear (&demo);
  return ok;
}
