/* chain-export-aws.c — what AWS IoT Core wants
 *
 * AWS registers the CA that issued the device certificates, proven with a
 * verification certificate whose CN is the account's registration code
 * (64 hex digits, `aws iot get-registration-code`). With auto-registration
 * and a just-in-time provisioning (JITP) template, a device's first
 * connection registers its certificate and makes a thing named after the
 * certificate's CN, with a policy that lets it use only its own topics.
 * AWS's certificate id is the SHA-256 of the DER certificate.
 */
#include "chain-export-private.h"

#define ROLE_PLACEHOLDER "arn:aws:iam::<account-id>:role/<jitp-role>"

static ChainJson *
ref (const char *parameter)
{
  ChainJson *value = chain_json_new_object ();

  chain_json_object_set_string (value, "Ref", parameter);
  return value;
}

static ChainJson *
string_parameter (void)
{
  ChainJson *value = chain_json_new_object ();

  chain_json_object_set_string (value, "Type", "String");
  return value;
}

/* What a provisioned device may do: connect as its thing, use its topics. */
static char *
device_policy (void)
{
  return g_strdup (
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\","
    "\"Resource\":\"arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}\"},"
    "{\"Effect\":\"Allow\",\"Action\":[\"iot:Publish\",\"iot:Receive\"],"
    "\"Resource\":\"arn:aws:iot:*:*:topic/devices/${iot:Connection.Thing.ThingName}/*\"},"
    "{\"Effect\":\"Allow\",\"Action\":\"iot:Subscribe\","
    "\"Resource\":\"arn:aws:iot:*:*:topicfilter/devices/${iot:Connection.Thing.ThingName}/*\"}]}");
}

static ChainJson *
jitp_template (const ChainExportContext *ctx)
{
  ChainJson *template = chain_json_new_object ();
  ChainJson *parameters = chain_json_new_object ();
  ChainJson *resources = chain_json_new_object ();
  ChainJson *thing = chain_json_new_object ();
  ChainJson *thing_properties = chain_json_new_object ();
  ChainJson *attributes = chain_json_new_object ();
  ChainJson *thing_override = chain_json_new_object ();
  ChainJson *certificate = chain_json_new_object ();
  ChainJson *certificate_properties = chain_json_new_object ();
  ChainJson *certificate_override = chain_json_new_object ();
  ChainJson *policy = chain_json_new_object ();
  ChainJson *policy_properties = chain_json_new_object ();
  g_autofree char *document = device_policy ();

  chain_json_object_set (parameters, "AWS::IoT::Certificate::CommonName", string_parameter ());
  chain_json_object_set (parameters, "AWS::IoT::Certificate::SerialNumber", string_parameter ());
  chain_json_object_set (parameters, "AWS::IoT::Certificate::Id", string_parameter ());

  chain_json_object_set (attributes, "serial", ref ("AWS::IoT::Certificate::SerialNumber"));
  chain_json_object_set_string (attributes, "custodian", ctx->ca->owner->id);
  chain_json_object_set (thing_properties, "ThingName", ref ("AWS::IoT::Certificate::CommonName"));
  chain_json_object_set (thing_properties, "AttributePayload", attributes);
  chain_json_object_set_string (thing_override, "AttributePayload", "MERGE");
  chain_json_object_set_string (thing_override, "ThingGroups", "DO_NOTHING");
  chain_json_object_set_string (thing_override, "ThingTypeName", "DO_NOTHING");
  chain_json_object_set_string (thing, "Type", "AWS::IoT::Thing");
  chain_json_object_set (thing, "Properties", thing_properties);
  chain_json_object_set (thing, "OverrideSettings", thing_override);

  chain_json_object_set (certificate_properties, "CertificateId", ref ("AWS::IoT::Certificate::Id"));
  chain_json_object_set_string (certificate_properties, "Status", "ACTIVE");
  chain_json_object_set_string (certificate_override, "Status", "DO_NOTHING");
  chain_json_object_set_string (certificate, "Type", "AWS::IoT::Certificate");
  chain_json_object_set (certificate, "Properties", certificate_properties);
  chain_json_object_set (certificate, "OverrideSettings", certificate_override);

  chain_json_object_set_string (policy_properties, "PolicyDocument", document);
  chain_json_object_set_string (policy, "Type", "AWS::IoT::Policy");
  chain_json_object_set (policy, "Properties", policy_properties);

  chain_json_object_set (resources, "thing", thing);
  chain_json_object_set (resources, "certificate", certificate);
  chain_json_object_set (resources, "policy", policy);
  chain_json_object_set (template, "Parameters", parameters);
  chain_json_object_set (template, "Resources", resources);
  return template;
}

static GString *
pretty (ChainJson *value)
{
  g_autofree char *text = chain_json_to_pretty (value);
  GString *out = g_string_new (text);

  g_string_append_c (out, '\n');
  return out;
}

/* What `aws iot register-ca-certificate --registration-config` reads. */
static GString *
registration_config (const ChainExportContext *ctx,
                     ChainJson                *template)
{
  g_autoptr(ChainJson) config = chain_json_new_object ();
  g_autoptr(GBytes) body = chain_json_to_canonical (template);
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  chain_json_object_set_string (config, "templateBody", text);
  chain_json_object_set_string (config, "roleArn", ctx->options->role_arn != NULL ? ctx->options->role_arn : ROLE_PLACEHOLDER);
  return pretty (config);
}

static GString *
upload_script (const ChainExportContext *ctx)
{
  g_autofree char *comment = g_strdup_printf (
    "Registers CA '%s'\n"
    "(SHA-256 %s)\n"
    "with AWS IoT Core, active, with auto-registration and the just-in-time\n"
    "provisioning template of registration-config.json (a copy is in\n"
    "jitp-template.json). Made by chain export; needs the AWS CLI with\n"
    "credentials for the account.\n"
    "\n"
    "Without verification.pem it prints the account's registration code. Make the\n"
    "verification certificate in the workspace of custodian '%s':\n"
    "  chain pop --target aws-iot --code CODE -o verification.pem\n"
    "put it beside this script and run it again.\n"
    "\n"
    "Devices present their certificate followed by every intermediate up to,\n"
    "not including, this CA; the thing is named after the certificate's CN.",
    ctx->label, ctx->thumbprint, ctx->ca->owner->id);
  GString *script = chain_export_script_new (comment);

  if (ctx->options->region != NULL)
    chain_export_script_variable (script, "REGION", ctx->options->region, NULL, NULL);
  else
    g_string_append (script, "REGION=\"${REGION:-${AWS_REGION:-}}\"\n");
  g_string_append (script,
    "\n"
    "iot() {\n"
    "  aws iot \"$@\" ${REGION:+--region \"$REGION\"}\n"
    "}\n"
    "\n"
    "if grep -q '<account-id>' registration-config.json; then\n"
    "  echo \"$0: put the ARN of the IAM role JITP uses into registration-config.json (roleArn)\" >&2\n"
    "  exit 2\n"
    "fi\n"
    "if [ ! -f verification.pem ]; then\n"
    "  CODE=$(iot get-registration-code --query registrationCode --output text)\n"
    "  echo \"Registration code: $CODE\"\n");
  g_string_append_printf (script,
    "  echo \"Next, in the workspace of '%s': chain pop --target aws-iot --code $CODE -o verification.pem\"\n"
    "  echo \"Put verification.pem beside $0 and run it again.\"\n"
    "  exit 0\n"
    "fi\n",
    ctx->ca->owner->id);
  g_string_append (script,
    "iot register-ca-certificate \\\n"
    "  --ca-certificate file://ca.pem \\\n"
    "  --verification-cert file://verification.pem \\\n"
    "  --set-as-active --allow-auto-registration \\\n"
    "  --registration-config file://registration-config.json\n");
  g_string_append_printf (script, "echo \"Registered CA %s; its certificate id is %s\"\n", ctx->cloud_name, ctx->thumbprint);
  return script;
}

void
chain_export_aws_files (const ChainExportContext *ctx,
                        GPtrArray                *files)
{
  g_autoptr(ChainJson) template = jitp_template (ctx);

  g_ptr_array_add (files, chain_export_file_new_take_string ("jitp-template.json", pretty (template), FALSE));
  g_ptr_array_add (files, chain_export_file_new_take_string ("registration-config.json",
                                                             registration_config (ctx, template), FALSE));
  g_ptr_array_add (files, chain_export_file_new_take_string ("upload.sh", upload_script (ctx), TRUE));
}

/* ---- Revocation: AWS reads CRLs only where told to; revoke by certificate id ------- */

static GString *
revoke_script (const ChainDisableContext *ctx)
{
  g_autofree char *comment = g_strdup_printf (
    "Revokes in AWS IoT Core the %u device certificates under CA '%s'\n"
    "that are revoked in the ledger (revoked-certificates.txt: certificate id,\n"
    "device id; AWS's certificate id is the SHA-256 of the certificate), and\n"
    "deactivates revoked sub-CAs registered there. Made by chain crl; needs the\n"
    "AWS CLI with credentials for the account. Certificates a device never\n"
    "registered are reported and skipped.",
    ctx->devices->len, ctx->label);
  GString *script = chain_export_script_new (comment);

  if (ctx->options->region != NULL)
    chain_export_script_variable (script, "REGION", ctx->options->region, NULL, NULL);
  else
    g_string_append (script, "REGION=\"${REGION:-${AWS_REGION:-}}\"\n");
  g_string_append (script,
    "\n"
    "iot() {\n"
    "  aws iot \"$@\" ${REGION:+--region \"$REGION\"}\n"
    "}\n"
    "\n"
    "while read -r id device; do\n"
    "  [ -n \"$id\" ] || continue\n"
    "  if iot update-certificate --certificate-id \"$id\" --new-status REVOKED; then\n"
    "    echo \"Revoked $device ($id)\"\n"
    "  else\n"
    "    echo \"$device ($id) is not registered with AWS IoT; nothing to revoke\" >&2\n"
    "  fi\n"
    "done < revoked-certificates.txt\n");
  for (guint i = 0; i < ctx->cas->len; i++)
    {
      const ChainDisabledCa *ca = g_ptr_array_index (ctx->cas, i);

      g_string_append (script, "\nCA=");
      chain_export_script_quote (script, ca->thumbprint);
      g_string_append (script,
        "\n"
        "if iot describe-ca-certificate --certificate-id \"$CA\" >/dev/null 2>&1; then\n"
        "  iot update-ca-certificate --certificate-id \"$CA\" --new-status INACTIVE --new-auto-registration-status DISABLE\n"
        "  echo \"Deactivated revoked CA $CA\"\n"
        "fi\n");
    }
  return script;
}

void
chain_revoke_aws_files (const ChainDisableContext *ctx,
                        GPtrArray                 *files)
{
  GString *list = g_string_new (NULL);

  for (guint i = 0; i < ctx->devices->len; i++)
    {
      const ChainDisabledDevice *device = g_ptr_array_index (ctx->devices, i);

      g_string_append_printf (list, "%s %s\n", device->cert_sha256, device->device_id);
    }
  g_ptr_array_add (files, chain_export_file_new_take_string ("aws-iot/revoked-certificates.txt", list, FALSE));
  g_ptr_array_add (files, chain_export_file_new_take_string ("aws-iot/revoke.sh", revoke_script (ctx), TRUE));
}
