/* cli-show-device.c — `chain show --device ID`: what the ledger says about
 * one device id
 *
 * The lookup is chain_workspace_lookup_device(): the state (from the state
 * cache when it fits) knows which batch issued the id, so one batch's
 * manifest is read, however long the ledger.
 */
#include "chain-cli.h"

#include <inttypes.h>

#include "chain-device-lookup.h"
#include "chain-revoke.h"

static ChainJson *
lookup_to_json (const ChainDeviceLookup *found)
{
  ChainJson *json = chain_json_new_object ();

  chain_json_object_set_string (json, "device", chain_device_lookup_get_id (found));
  chain_json_object_set_string (json, "serial", chain_device_lookup_get_serial (found));
  chain_json_object_set_integer (json, "batch", (gint64) chain_device_lookup_get_batch_seq (found));
  chain_json_object_set_string (json, "issuer", chain_device_lookup_get_issuer_id (found));
  chain_json_object_set_boolean (json, "revoked", chain_device_lookup_is_revoked (found));
  if (chain_device_lookup_is_revoked (found))
    {
      chain_json_object_set_integer (json, "revocation", (gint64) chain_device_lookup_get_revocation_seq (found));
      chain_json_object_set_integer (json, "revocation_time", chain_device_lookup_get_revocation_time (found));
      chain_json_object_set_string (json, "reason", chain_revocation_reason_to_string (
                                      chain_device_lookup_get_revocation_reason (found)));
      if (chain_device_lookup_get_revoked_ca_id (found) != NULL)
        chain_json_object_set_string (json, "revoked_ca", chain_device_lookup_get_revoked_ca_id (found));
    }
  return json;
}

static void
print_lookup (const ChainCliGlobals   *globals,
              const ChainDeviceLookup *found)
{
  g_autofree char *id = chain_cli_one_line (chain_device_lookup_get_id (found), 0);
  g_autofree char *issuer = chain_cli_one_line (chain_device_lookup_get_issuer_name (found), 0);

  /* Translators: the labels of `chain show --device`; keep the values in one column. */
  chain_cli_print (globals, _("  device      %s\n"), id);
  chain_cli_print (globals, _("  serial      %s\n"), chain_device_lookup_get_serial (found));
  chain_cli_print (globals, _("  batch       record %" PRIu64 "\n"), chain_device_lookup_get_batch_seq (found));
  chain_cli_print (globals, _("  issuer      %s (%s)\n"), issuer, chain_device_lookup_get_issuer_id (found));
  if (!chain_device_lookup_is_revoked (found))
    {
      chain_cli_print (globals, _("  status      in force\n"));
      return;
    }
  {
    g_autofree char *when = chain_cli_format_time (chain_device_lookup_get_revocation_time (found));
    const char *reason = chain_revocation_reason_to_string (chain_device_lookup_get_revocation_reason (found));

    /* Translators: "revoked in record 9 (2026-12-07 10:00 UTC, keyCompromise)"; the reason is not translated. */
    chain_cli_print (globals, _("  status      revoked in record %" PRIu64 " (%s, %s)\n"),
                     chain_device_lookup_get_revocation_seq (found), when, reason);
    if (chain_device_lookup_get_revoked_ca_id (found) != NULL)
      {
        g_autofree char *ca = chain_cli_one_line (chain_device_lookup_get_revoked_ca_name (found), 0);

        chain_cli_print (globals, _("              with the CA of %s (%s)\n"), ca,
                         chain_device_lookup_get_revoked_ca_id (found));
      }
  }
}

gboolean
chain_cli_show_device (const ChainCliGlobals *globals,
                       const char            *device_id,
                       GCancellable          *cancellable,
                       GError               **error)
{
  g_autoptr(ChainWorkspace) ws = chain_cli_open_workspace (globals, FALSE, NULL, cancellable, error);
  g_autoptr(ChainDeviceLookup) found = NULL;

  if (ws == NULL)
    return FALSE;
  found = chain_workspace_lookup_device (ws, device_id, cancellable, error);
  if (found == NULL)
    return FALSE;
  if (globals->json)
    chain_cli_print_json (globals, lookup_to_json (found));
  else
    print_lookup (globals, found);
  return TRUE;
}
