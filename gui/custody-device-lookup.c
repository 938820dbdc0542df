/* custody-device-lookup.c — a device looked up by id, as the officer reads it */
#include "custody-device-lookup.h"

#include <glib/gi18n.h>

char *
custody_device_lookup_dup_status (const ChainDeviceLookup *lookup)
{
  g_autofree char *date = NULL;
  const char *reason = NULL;
  guint64 seq;

  g_return_val_if_fail (lookup != NULL, NULL);

  if (!chain_device_lookup_is_revoked (lookup))
    return g_strdup (_("In force"));
  seq = chain_device_lookup_get_revocation_seq (lookup);
  if (seq == 0)
    /* The state says revoked but no record was found: say no more than that. */
    return g_strdup (_("Revoked"));
  date = custody_format_date (chain_device_lookup_get_revocation_time (lookup));
  reason = chain_revocation_reason_to_label (chain_device_lookup_get_revocation_reason (lookup));
  if (chain_device_lookup_get_revoked_ca_name (lookup) != NULL)
    /* TRANSLATORS: the first %s is a date, the second a custodian's name, then the reason in words
     * ("Key compromise") and the record's number */
    return g_strdup_printf (_("Revoked on %s with the sub-CA of %s: %s (record #%llu)"), date,
                            chain_device_lookup_get_revoked_ca_name (lookup), reason, (unsigned long long) seq);
  /* TRANSLATORS: a date, the reason in words ("Key compromise"), the record's number */
  return g_strdup_printf (_("Revoked on %s: %s (record #%llu)"), date, reason, (unsigned long long) seq);
}

GPtrArray *
custody_device_lookup_get_fields (const ChainDeviceLookup *lookup)
{
  GPtrArray *fields = custody_fields_new ();

  g_return_val_if_fail (lookup != NULL, fields);

  custody_fields_take (fields, _("Device ID"), custody_format_sanitize (chain_device_lookup_get_id (lookup)));
  custody_fields_take (fields, _("Status"), custody_device_lookup_dup_status (lookup));
  custody_fields_take (fields, _("Issued by"), custody_format_sanitize (chain_device_lookup_get_issuer_name (lookup)));
  custody_fields_take (fields, _("Batch"),
                       /* TRANSLATORS: the record that issued a device's certificate, by its number */
                       g_strdup_printf (_("Device batch, record #%llu"),
                                        (unsigned long long) chain_device_lookup_get_batch_seq (lookup)));
  custody_fields_add (fields, _("Serial"), chain_device_lookup_get_serial (lookup));
  return fields;
}
