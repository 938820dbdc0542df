/* chain-reconcile-script.c — the cloud commands that act on a reconciliation
 *
 * Like `chain crl`'s disable lists (chain-export-azure.c, -aws.c), and
 * written with the same script toolkit (chain-export-toolkit.c), but one
 * command per device: the ids come from cloud files, not from the ledger,
 * so each is quoted in the command itself and none is read back from a
 * list a newline in an id could split.
 */
#include "chain-reconcile-private.h"
#include "chain-error.h"
#include "chain-export-private.h"
#include "chain-text.h"

#include <string.h>

/* Appends "NAME=WORD\n": @value as one sh word. Single quotes keep
 * everything literal; a value holding control characters (an ESC
 * sequence, a newline) would still drive a terminal showing the script, so
 * it is written as printf octal escapes instead (with an "x" that keeps
 * $(...) from dropping a trailing newline, then removed). */
static void
append_assignment (GString    *script,
                   const char *name,
                   const char *value)
{
  gboolean plain = TRUE;

  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      plain = FALSE;
  g_string_append_printf (script, "%s=", name);
  if (plain)
    {
      chain_export_script_quote (script, value);
      g_string_append_c (script, '\n');
      return;
    }
  g_string_append (script, "$(printf '");
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.')
        g_string_append_c (script, (char) *p);
      else
        g_string_append_printf (script, "\\%03o", *p);
    }
  g_string_append_printf (script, "x'); %s=${%s%%x}\n", name, name);
}

/* A comment line naming the finding, the id sanitized. */
static void
append_comment (GString                     *script,
                const ChainReconcileFinding *finding)
{
  g_string_append_printf (script, "# %s: ", chain_reconcile_kind_to_string (finding->kind));
  if (finding->device_id != NULL)
    chain_text_append_sanitized (script, finding->device_id, CHAIN_TEXT_ONE_LINE);
  if (finding->cert_sha256 != NULL)
    g_string_append_printf (script, "%scertificate %s", finding->device_id != NULL ? ", " : "",
                            finding->cert_sha256);
  g_string_append_c (script, '\n');
}

/* The hub's name in a DPS assignedHub ("my-hub.azure-devices.net"). */
static char *
hub_name (const char *host)
{
  const char *dot = strchr (host, '.');

  return g_strndup (host, dot != NULL ? (gsize) (dot - host) : strlen (host));
}

static const char script_tail[] =
  "\n"
  "if [ \"$failed\" -gt 0 ]; then\n"
  "  echo \"$failed of the calls failed; the rest were made. Fix them and run this again.\" >&2\n"
  "  exit 1\n"
  "fi\n";

static GString *
hub_script (const ChainReconcile              *self,
            const ChainReconcileScriptOptions *options)
{
  GString *script = chain_export_script_new (
    "Disables in Azure IoT Hub the devices chain reconcile found enabled that\n"
    "the ledger never issued (clones, issuance off the ledger), revoked in the\n"
    "ledger, or holding one id with two certificates. A device DPS registered\n"
    "is disabled in the hub DPS assigned it to. Needs the Azure CLI with the\n"
    "azure-iot extension. Look at each before you run it.");

  chain_export_script_variable (script, "HUB", options->hub, "<hub-name>", "the IoT hub's name");
  chain_export_script_variable (script, "RESOURCE_GROUP", options->resource_group, NULL, NULL);
  g_string_append (script,
    "\n"
    "failed=0\n"
    "# disable HUB ID WHY\n"
    "disable() {\n"
    "  if az iot hub device-identity update --hub-name \"$1\" --device-id \"$2\" --status disabled \\\n"
    "      --status-reason \"$3\" ${RESOURCE_GROUP:+--resource-group \"$RESOURCE_GROUP\"} >/dev/null; then\n"
    "    echo \"Disabled a device in $1 ($3)\"\n"
    "  else\n"
    "    echo \"the hub $1 refused to disable a device; see the message above\" >&2\n"
    "    failed=$((failed + 1))\n"
    "  fi\n"
    "}\n");
  for (gsize i = 0; i < chain_reconcile_get_n_findings (self); i++)
    {
      const ChainCloudEntry *entry = chain_reconcile_get_finding_entry (self, i);
      ChainReconcileFinding finding;
      g_autofree char *hub = NULL;

      chain_reconcile_get_finding (self, i, &finding);
      if (!finding.needs_action || entry == NULL || finding.device_id == NULL
          || !(entry->flags & CHAIN_CLOUD_ENABLED)
          || (finding.format != CHAIN_CLOUD_FORMAT_AZURE_IOTHUB && finding.format != CHAIN_CLOUD_FORMAT_AZURE_DPS)
          || (finding.format == CHAIN_CLOUD_FORMAT_AZURE_DPS && finding.hub == NULL))
        continue;
      g_string_append_c (script, '\n');
      append_comment (script, &finding);
      append_assignment (script, "ID", finding.device_id);
      if (finding.format == CHAIN_CLOUD_FORMAT_AZURE_DPS)
        {
          hub = hub_name (finding.hub);
          append_assignment (script, "TO", hub);
        }
      else
        g_string_append (script, "TO=\"$HUB\"\n");
      g_string_append_printf (script, "disable \"$TO\" \"$ID\" %s\n", chain_reconcile_kind_to_string (finding.kind));
    }
  g_string_append (script, script_tail);
  return script;
}

static GString *
aws_script (const ChainReconcile              *self,
            const ChainReconcileScriptOptions *options)
{
  GString *script = chain_export_script_new (
    "Revokes in AWS IoT Core the certificates chain reconcile found active that\n"
    "the ledger never issued (clones, issuance off the ledger), revoked in the\n"
    "ledger, or of one id with two certificates (AWS's certificate id is the\n"
    "SHA-256 of the certificate). Things the ledger never issued are listed as\n"
    "comments at the end: look at them by hand. Needs the AWS CLI with\n"
    "credentials for the account.");

  if (options->region != NULL)
    chain_export_script_variable (script, "REGION", options->region, NULL, NULL);
  else
    g_string_append (script, "REGION=\"${REGION:-${AWS_REGION:-}}\"\n");
  g_string_append (script,
    "\n"
    "failed=0\n"
    "# revoke CERTIFICATE-ID WHY\n"
    "revoke() {\n"
    "  if aws iot update-certificate --certificate-id \"$1\" --new-status REVOKED ${REGION:+--region \"$REGION\"}; then\n"
    "    echo \"Revoked $1 ($2)\"\n"
    "  else\n"
    "    echo \"AWS IoT refused to revoke $1; see the message above\" >&2\n"
    "    failed=$((failed + 1))\n"
    "  fi\n"
    "}\n");
  for (gsize i = 0; i < chain_reconcile_get_n_findings (self); i++)
    {
      const ChainCloudEntry *entry = chain_reconcile_get_finding_entry (self, i);
      ChainReconcileFinding finding;

      chain_reconcile_get_finding (self, i, &finding);
      if (!finding.needs_action || entry == NULL || finding.format != CHAIN_CLOUD_FORMAT_AWS_CERTIFICATES
          || finding.cert_sha256 == NULL)
        continue;
      g_string_append_c (script, '\n');
      append_comment (script, &finding);
      /* A certificate id is 64 hex digits (the reader checked). */
      g_string_append_printf (script, "revoke %s %s\n", finding.cert_sha256,
                              chain_reconcile_kind_to_string (finding.kind));
    }
  g_string_append (script, "\n# Things the ledger never issued:\n");
  for (gsize i = 0; i < chain_reconcile_get_n_findings (self); i++)
    {
      ChainReconcileFinding finding;

      chain_reconcile_get_finding (self, i, &finding);
      if (finding.needs_action && finding.format == CHAIN_CLOUD_FORMAT_AWS_THINGS)
        append_comment (script, &finding);
    }
  g_string_append (script, script_tail);
  return script;
}

gboolean
chain_reconcile_write_scripts (const ChainReconcile              *self,
                               const ChainReconcileScriptOptions *options,
                               const char                        *dir,
                               GError                           **error)
{
  ChainReconcileScriptOptions defaults = CHAIN_RECONCILE_SCRIPT_OPTIONS_INIT;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_export_file_free);

  g_return_val_if_fail (self != NULL && dir != NULL, FALSE);

  if (options == NULL)
    options = &defaults;
  g_ptr_array_add (files, chain_export_file_new_take_string ("azure-iothub/disable.sh",
                                                             hub_script (self, options), TRUE));
  g_ptr_array_add (files, chain_export_file_new_take_string ("aws-iot/revoke.sh",
                                                             aws_script (self, options), TRUE));
  return chain_export_write_files (dir, files, error);
}
