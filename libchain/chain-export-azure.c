/* chain-export-azure.c — what Azure IoT Hub and DPS want
 *
 * Both take the CA as .pem or .cer (base-64), hold it unverified until a
 * verification certificate (CN = the code they generate, signed by exactly
 * that CA) comes back, and then accept every device whose chain leads to
 * it; a device id (DPS: registration id) is the leaf's CN. DPS also needs
 * an enrollment group naming the verified CA. Neither reads CRLs: see
 * chain-revoke.c for the disable lists.
 *
 * upload.sh runs in two passes, since the code exists only once the CA is
 * uploaded: the first uploads and prints the code; with verification.pem
 * beside it (chain pop), the second verifies (and, for DPS, creates the
 * enrollment group). Every command is idempotent enough to run again.
 */
#include "chain-export-private.h"

static char *
script_comment (const ChainExportContext *ctx,
                const char               *what,
                const char               *target)
{
  return g_strdup_printf (
    "Uploads CA '%s'\n"
    "(SHA-256 %s)\n"
    "to %s and proves possession of its key.\n"
    "Made by chain export; needs the Azure CLI with the azure-iot extension,\n"
    "logged in (az login).\n"
    "\n"
    "The first run uploads ca.pem and prints the verification code. Make the\n"
    "verification certificate in the workspace of custodian '%s':\n"
    "  chain pop --target %s --code CODE -o verification.pem\n"
    "put it beside this script and run it again to verify the CA.\n"
    "\n"
    "Devices present their certificate followed by every intermediate up to,\n"
    "not including, this CA; the certificate's CN is the device id.",
    ctx->label, ctx->thumbprint, what, ctx->ca->owner->id, target);
}

static GString *
hub_script (const ChainExportContext *ctx)
{
  g_autofree char *comment = script_comment (ctx, "an Azure IoT hub", "azure-iothub");
  GString *script = chain_export_script_new (comment);

  chain_export_script_variable (script, "HUB", ctx->options->hub, "<hub-name>", "the IoT hub's name");
  chain_export_script_variable (script, "RESOURCE_GROUP", ctx->options->resource_group, NULL, NULL);
  g_string_append (script, "NAME=");
  chain_export_script_quote (script, ctx->cloud_name);
  g_string_append (script,
    "\n\n"
    "cert() {\n"
    "  command=$1\n"
    "  shift\n"
    "  az iot hub certificate \"$command\" --hub-name \"$HUB\" --name \"$NAME\" \\\n"
    "    ${RESOURCE_GROUP:+--resource-group \"$RESOURCE_GROUP\"} \"$@\"\n"
    "}\n"
    "\n"
    "if ! cert show >/dev/null 2>&1; then\n"
    "  cert create --path ca.pem >/dev/null\n"
    "  echo \"Uploaded ca.pem to IoT hub $HUB as $NAME\"\n"
    "fi\n"
    "if [ \"$(cert show --query properties.isVerified --output tsv)\" = true ]; then\n"
    "  echo \"$NAME is verified on IoT hub $HUB\"\n"
    "  exit 0\n"
    "fi\n"
    "ETAG=$(cert show --query etag --output tsv)\n"
    "if [ -f verification.pem ]; then\n"
    "  cert verify --path verification.pem --etag \"$ETAG\" >/dev/null\n"
    "  echo \"Verified $NAME on IoT hub $HUB\"\n"
    "else\n"
    "  CODE=$(cert generate-verification-code --etag \"$ETAG\" --query properties.verificationCode --output tsv)\n"
    "  echo \"Verification code: $CODE\"\n");
  g_string_append_printf (script,
    "  echo \"Next, in the workspace of '%s': chain pop --target azure-iothub --code $CODE -o verification.pem\"\n"
    "  echo \"Put verification.pem beside $0 and run it again.\"\n"
    "fi\n",
    ctx->ca->owner->id);
  return script;
}

static ChainJson *
twin_tags (const ChainExportContext *ctx)
{
  ChainJson *tags = chain_json_new_object ();
  ChainJson *libchain = chain_json_new_object ();

  chain_json_object_set_string (libchain, "ca", ctx->thumbprint);
  chain_json_object_set_string (libchain, "custodian", ctx->ca->owner->id);
  chain_json_object_set (tags, "libchain", libchain);
  return tags;
}

/* The enrollment group as the DPS service API describes it (PUT
 * /enrollmentGroups/{id}), attesting with the verified CA by name. */
static GString *
enrollment_group (const ChainExportContext *ctx)
{
  g_autoptr(ChainJson) group = chain_json_new_object ();
  ChainJson *attestation = chain_json_new_object ();
  ChainJson *x509 = chain_json_new_object ();
  ChainJson *references = chain_json_new_object ();
  ChainJson *reprovision = chain_json_new_object ();
  ChainJson *twin = chain_json_new_object ();
  ChainJson *properties = chain_json_new_object ();
  g_autofree char *text = NULL;
  GString *out;

  chain_json_object_set_string (references, "primary", ctx->cloud_name);
  chain_json_object_set (x509, "caReferences", references);
  chain_json_object_set_string (attestation, "type", "x509");
  chain_json_object_set (attestation, "x509", x509);
  chain_json_object_set_boolean (reprovision, "migrateDeviceData", TRUE);
  chain_json_object_set_boolean (reprovision, "updateHubAssignment", TRUE);
  chain_json_object_set (properties, "desired", chain_json_new_object ());
  chain_json_object_set (twin, "properties", properties);
  chain_json_object_set (twin, "tags", twin_tags (ctx));

  chain_json_object_set_string (group, "enrollmentGroupId", ctx->cloud_name);
  chain_json_object_set (group, "attestation", attestation);
  chain_json_object_set_string (group, "provisioningStatus", "enabled");
  chain_json_object_set_string (group, "allocationPolicy", "hashed");
  chain_json_object_set (group, "reprovisionPolicy", reprovision);
  chain_json_object_set (group, "initialTwin", twin);
  text = chain_json_to_pretty (group);
  out = g_string_new (text);
  g_string_append_c (out, '\n');
  return out;
}

static GString *
dps_script (const ChainExportContext *ctx)
{
  g_autofree char *upload = script_comment (ctx, "an Azure IoT Hub Device Provisioning Service", "azure-dps");
  g_autofree char *comment = g_strconcat (upload, "\nOnce verified, it creates the enrollment group of enrollment-group.json;\n"
                                                  "DPS registration ids (the devices' CNs) must be lower-case.", NULL);
  g_autoptr(ChainJson) tags = twin_tags (ctx);
  g_autoptr(GBytes) tags_json = chain_json_to_canonical (tags);
  g_autofree char *tags_text = g_strndup (g_bytes_get_data (tags_json, NULL), g_bytes_get_size (tags_json));
  GString *script = chain_export_script_new (comment);

  chain_export_script_variable (script, "DPS", ctx->options->dps, "<dps-name>",
                                "the Device Provisioning Service instance's name");
  chain_export_script_variable (script, "RESOURCE_GROUP", ctx->options->resource_group, NULL, NULL);
  g_string_append (script, "NAME=");
  chain_export_script_quote (script, ctx->cloud_name);
  g_string_append (script,
    "\n\n"
    "dps() {\n"
    "  az iot dps \"$@\" --dps-name \"$DPS\" ${RESOURCE_GROUP:+--resource-group \"$RESOURCE_GROUP\"}\n"
    "}\n"
    "\n"
    "if ! dps certificate show --certificate-name \"$NAME\" >/dev/null 2>&1; then\n"
    "  dps certificate create --certificate-name \"$NAME\" --path ca.pem >/dev/null\n"
    "  echo \"Uploaded ca.pem to DPS $DPS as $NAME\"\n"
    "fi\n"
    "ETAG=$(dps certificate show --certificate-name \"$NAME\" --query etag --output tsv)\n"
    "if [ ! -f verification.pem ]; then\n"
    "  CODE=$(dps certificate generate-verification-code --certificate-name \"$NAME\" --etag \"$ETAG\" \\\n"
    "    --query properties.verificationCode --output tsv)\n"
    "  echo \"Verification code: $CODE\"\n");
  g_string_append_printf (script,
    "  echo \"Next, in the workspace of '%s': chain pop --target azure-dps --code $CODE -o verification.pem\"\n"
    "  echo \"Put verification.pem beside $0 and run it again.\"\n"
    "  exit 0\n"
    "fi\n",
    ctx->ca->owner->id);
  g_string_append (script,
    "if [ \"$(dps certificate show --certificate-name \"$NAME\" --query properties.isVerified --output tsv)\" != true ]; then\n"
    "  dps certificate verify --certificate-name \"$NAME\" --path verification.pem --etag \"$ETAG\" >/dev/null\n"
    "  echo \"Verified $NAME on DPS $DPS\"\n"
    "fi\n"
    "if ! dps enrollment-group show --enrollment-id \"$NAME\" >/dev/null 2>&1; then\n"
    "  dps enrollment-group create --enrollment-id \"$NAME\" --root-ca-name \"$NAME\" \\\n"
    "    --provisioning-status enabled --allocation-policy hashed \\\n"
    "    --reprovision-policy reprovisionandmigratedata \\\n"
    "    --initial-twin-tags ");
  chain_export_script_quote (script, tags_text);
  g_string_append (script,
    " >/dev/null\n"
    "  echo \"Created enrollment group $NAME on DPS $DPS\"\n"
    "fi\n");
  return script;
}

void
chain_export_azure_files (const ChainExportContext *ctx,
                          GPtrArray                *files)
{
  g_autoptr(GBytes) pem = chain_cert_to_pem (ctx->ca->cert);
  g_autoptr(GBytes) cer = chain_export_pem_to_cer (pem);

  g_ptr_array_add (files, chain_export_file_new ("ca.cer", cer, TRUE, FALSE));
  if (ctx->options->target == CHAIN_EXPORT_TARGET_AZURE_DPS)
    {
      g_ptr_array_add (files, chain_export_file_new_take_string ("enrollment-group.json", enrollment_group (ctx), FALSE));
      g_ptr_array_add (files, chain_export_file_new_take_string ("upload.sh", dps_script (ctx), TRUE));
    }
  else
    g_ptr_array_add (files, chain_export_file_new_take_string ("upload.sh", hub_script (ctx), TRUE));
}

/* ---- Disable lists: IoT Hub and DPS do not read CRLs ---------------------------------- */

static GString *
hub_disable_script (const ChainDisableContext *ctx)
{
  g_autofree char *comment = g_strdup_printf (
    "Disables in an Azure IoT hub the %u devices under CA '%s' whose\n"
    "certificates are revoked (IoT Hub does not read CRLs), listed in\n"
    "disabled-devices.txt, and deletes revoked sub-CAs uploaded to the hub.\n"
    "Made by chain crl; needs the Azure CLI with the azure-iot extension.",
    ctx->devices->len, ctx->label);
  GString *script = chain_export_script_new (comment);

  chain_export_script_variable (script, "HUB", ctx->options->hub, "<hub-name>", "the IoT hub's name");
  chain_export_script_variable (script, "RESOURCE_GROUP", ctx->options->resource_group, NULL, NULL);
  g_string_append (script,
    "\n"
    "hub() {\n"
    "  az iot hub \"$@\" --hub-name \"$HUB\" ${RESOURCE_GROUP:+--resource-group \"$RESOURCE_GROUP\"}\n"
    "}\n"
    "\n"
    "failed=0\n"
    "while IFS= read -r id; do\n"
    "  [ -n \"$id\" ] || continue\n"
    "  # Each device on its own: one the hub does not know stops nothing.\n"
    "  if hub device-identity update --device-id \"$id\" --status disabled \\\n"
    "      --status-reason 'certificate revoked' >/dev/null; then\n"
    "    echo \"Disabled $id\"\n"
    "  else\n"
    "    echo \"$id: the hub refused to disable it (not registered there?); see the message above\" >&2\n"
    "    failed=$((failed + 1))\n"
    "  fi\n"
    "done < disabled-devices.txt\n");
  for (guint i = 0; i < ctx->cas->len; i++)
    {
      const ChainDisabledCa *ca = g_ptr_array_index (ctx->cas, i);

      g_string_append (script, "\nNAME=");
      chain_export_script_quote (script, ca->cloud_name);
      g_string_append (script,
        "\n"
        "if hub certificate show --name \"$NAME\" >/dev/null 2>&1; then\n"
        "  if hub certificate delete --name \"$NAME\" --etag \"$(hub certificate show --name \"$NAME\" --query etag --output tsv)\"; then\n"
        "    echo \"Deleted revoked CA $NAME\"\n"
        "  else\n"
        "    echo \"$NAME: the hub refused to delete the revoked CA; see the message above\" >&2\n"
        "    failed=$((failed + 1))\n"
        "  fi\n"
        "fi\n");
    }
  g_string_append (script,
    "\n"
    "if [ \"$failed\" -gt 0 ]; then\n"
    "  echo \"$failed of the calls failed; the rest were made. Fix them and run this again.\" >&2\n"
    "  exit 1\n"
    "fi\n");
  return script;
}

static GString *
dps_disable_script (const ChainDisableContext *ctx)
{
  g_autofree char *comment = g_strdup_printf (
    "Refuses in an Azure IoT Hub Device Provisioning Service the %u devices under\n"
    "CA '%s' whose certificates are revoked (DPS does not read CRLs):\n"
    "each gets a disabled individual enrollment with its certificate from\n"
    "certs/ (disabled-devices.txt: registration id, serial), and each revoked\n"
    "sub-CA a disabled enrollment group. Made by chain crl; needs the Azure CLI\n"
    "with the azure-iot extension. Also disable the devices in the IoT hubs DPS\n"
    "assigned them to (../azure-iothub/disable.sh).",
    ctx->devices->len, ctx->label);
  GString *script = chain_export_script_new (comment);

  chain_export_script_variable (script, "DPS", ctx->options->dps, "<dps-name>",
                                "the Device Provisioning Service instance's name");
  chain_export_script_variable (script, "RESOURCE_GROUP", ctx->options->resource_group, NULL, NULL);
  g_string_append (script,
    "\n"
    "dps() {\n"
    "  az iot dps \"$@\" --dps-name \"$DPS\" ${RESOURCE_GROUP:+--resource-group \"$RESOURCE_GROUP\"}\n"
    "}\n"
    "\n"
    "failed=0\n"
    "while read -r id serial; do\n"
    "  [ -n \"$id\" ] || continue\n"
    "  if [ ! -f \"certs/$serial.pem\" ]; then\n"
    "    echo \"$id: certs/$serial.pem is missing; put the device's certificate there and run again\" >&2\n"
    "    continue\n"
    "  fi\n"
    "  if dps enrollment show --enrollment-id \"$id\" >/dev/null 2>&1; then\n"
    "    set -- enrollment update --enrollment-id \"$id\" --provisioning-status disabled\n"
    "  else\n"
    "    set -- enrollment create --enrollment-id \"$id\" --attestation-type x509 \\\n"
    "      --certificate-path \"certs/$serial.pem\" --provisioning-status disabled\n"
    "  fi\n"
    "  # Each device on its own: one DPS refuses stops nothing.\n"
    "  if dps \"$@\" >/dev/null; then\n"
    "    echo \"Disabled $id\"\n"
    "  else\n"
    "    echo \"$id: DPS refused to disable it; see the message above\" >&2\n"
    "    failed=$((failed + 1))\n"
    "  fi\n"
    "done < disabled-devices.txt\n");
  for (guint i = 0; i < ctx->cas->len; i++)
    {
      const ChainDisabledCa *ca = g_ptr_array_index (ctx->cas, i);

      g_string_append (script, "\nNAME=");
      chain_export_script_quote (script, ca->cloud_name);
      g_string_append (script,
        "\n"
        "if dps enrollment-group show --enrollment-id \"revoked-$NAME\" >/dev/null 2>&1 \\\n"
        "    || dps enrollment-group create --enrollment-id \"revoked-$NAME\" \\\n"
        "         --certificate-path \"certs/ca-$NAME.pem\" --provisioning-status disabled >/dev/null; then\n"
        "  echo \"Refused devices under revoked CA $NAME\"\n"
        "else\n"
        "  echo \"$NAME: DPS refused the disabled enrollment group; see the message above\" >&2\n"
        "  failed=$((failed + 1))\n"
        "fi\n");
    }
  g_string_append (script,
    "\n"
    "if [ \"$failed\" -gt 0 ]; then\n"
    "  echo \"$failed of the calls failed; the rest were made. Fix them and run this again.\" >&2\n"
    "  exit 1\n"
    "fi\n");
  return script;
}

void
chain_revoke_azure_files (const ChainDisableContext *ctx,
                          GPtrArray                 *files,
                          GPtrArray                 *warnings)
{
  GString *hub_ids = g_string_new (NULL);
  GString *dps_ids = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  (void) warnings;
  for (guint i = 0; i < ctx->devices->len; i++)
    {
      const ChainDisabledDevice *device = g_ptr_array_index (ctx->devices, i);

      if (g_hash_table_add (seen, device->device_id))
        g_string_append_printf (hub_ids, "%s\n", device->device_id);
      g_string_append_printf (dps_ids, "%s %s\n", device->device_id, device->serial);
      if (device->cert != NULL)
        {
          g_autofree char *name = g_strdup_printf ("azure-dps/certs/%s.pem", device->serial);
          g_autoptr(GBytes) pem = chain_cert_to_pem (device->cert);

          g_ptr_array_add (files, chain_export_file_new (name, pem, FALSE, FALSE));
        }
    }
  for (guint i = 0; i < ctx->cas->len; i++)
    {
      const ChainDisabledCa *ca = g_ptr_array_index (ctx->cas, i);
      g_autofree char *name = g_strdup_printf ("azure-dps/certs/ca-%s.pem", ca->cloud_name);
      g_autoptr(GBytes) pem = chain_cert_to_pem (ca->ca->cert);

      g_ptr_array_add (files, chain_export_file_new (name, pem, FALSE, FALSE));
    }
  g_ptr_array_add (files, chain_export_file_new_take_string ("azure-iothub/disabled-devices.txt", hub_ids, FALSE));
  g_ptr_array_add (files, chain_export_file_new_take_string ("azure-iothub/disable.sh", hub_disable_script (ctx), TRUE));
  g_ptr_array_add (files, chain_export_file_new_take_string ("azure-dps/disabled-devices.txt", dps_ids, FALSE));
  g_ptr_array_add (files, chain_export_file_new_take_string ("azure-dps/disable.sh", dps_disable_script (ctx), TRUE));
}
