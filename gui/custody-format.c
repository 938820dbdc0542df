/* custody-format.c — how Custody shows libchain's values to people */
#include "custody-format.h"

#include <glib/gi18n.h>

CustodyHealth
custody_health_from_status (ChainCustodyStatus status,
                            gint64             not_after,
                            gint64             now,
                            guint              expiry_window_days)
{
  switch (status)
    {
    case CHAIN_CUSTODY_STATUS_VALID:
      if (chain_expiry_is_near (not_after, now, expiry_window_days))
        return CUSTODY_HEALTH_EXPIRING;
      return CUSTODY_HEALTH_VALID;
    case CHAIN_CUSTODY_STATUS_PENDING:
      return CUSTODY_HEALTH_AWAITING;
    case CHAIN_CUSTODY_STATUS_EXPIRED:
      return CUSTODY_HEALTH_EXPIRED;
    case CHAIN_CUSTODY_STATUS_REVOKED:
      return CUSTODY_HEALTH_REVOKED;
    case CHAIN_CUSTODY_STATUS_RETIRED:
      return CUSTODY_HEALTH_RETIRED;
    default:
      g_return_val_if_reached (CUSTODY_HEALTH_EXPIRED);
    }
}

const char *
custody_health_to_label (CustodyHealth health)
{
  switch (health)
    {
    case CUSTODY_HEALTH_VALID:
      return _("Valid");
    case CUSTODY_HEALTH_EXPIRING:
      return _("Expires soon");
    case CUSTODY_HEALTH_EXPIRED:
      return _("Expired");
    case CUSTODY_HEALTH_REVOKED:
      return _("Revoked");
    case CUSTODY_HEALTH_AWAITING:
      return _("Awaiting acceptance");
    case CUSTODY_HEALTH_REQUESTED:
      return _("Pending request");
    case CUSTODY_HEALTH_RETIRED:
      return _("Retired");
    default:
      g_return_val_if_reached ("");
    }
}

const char *
custody_health_to_icon_name (CustodyHealth health)
{
  switch (health)
    {
    case CUSTODY_HEALTH_VALID:
      return "emblem-ok-symbolic";
    case CUSTODY_HEALTH_EXPIRING:
      return "alarm-symbolic";
    case CUSTODY_HEALTH_EXPIRED:
      return "dialog-warning-symbolic";
    case CUSTODY_HEALTH_REVOKED:
      return "action-unavailable-symbolic";
    case CUSTODY_HEALTH_AWAITING:
      return "document-send-symbolic";
    case CUSTODY_HEALTH_REQUESTED:
      return "mail-unread-symbolic";
    case CUSTODY_HEALTH_RETIRED:
      return "edit-clear-all-symbolic";
    default:
      g_return_val_if_reached ("dialog-question-symbolic");
    }
}

const char *
custody_health_to_style_class (CustodyHealth health)
{
  switch (health)
    {
    case CUSTODY_HEALTH_VALID:
      return "success";
    case CUSTODY_HEALTH_EXPIRING:
    case CUSTODY_HEALTH_REQUESTED:
    case CUSTODY_HEALTH_AWAITING:
      return "warning";
    case CUSTODY_HEALTH_EXPIRED:
    case CUSTODY_HEALTH_REVOKED:
      return "error";
    case CUSTODY_HEALTH_RETIRED:
    default:
      return "dim-label";
    }
}

/* One table for the labels and icons of record types. */
static const struct {
  const char *type;
  const char *label;
  const char *icon;
} record_types[] = {
  { "genesis", N_("Genesis"), "starred-symbolic" },
  { "policy", N_("Policy change"), "emblem-documents-symbolic" },
  { "officer", N_("Officer enrolled"), "avatar-default-symbolic" },
  { "delegation-request", N_("Delegation request"), "mail-unread-symbolic" },
  { "approval", N_("Approval"), "object-select-symbolic" },
  { "delegation", N_("Delegation"), "emblem-shared-symbolic" },
  { "acceptance", N_("Acceptance"), "emblem-ok-symbolic" },
  { "device-batch", N_("Device certificates"), "network-wireless-symbolic" },
  { "pop", N_("Proof of possession"), "dialog-password-symbolic" },
  { "export", N_("Export"), "document-send-symbolic" },
  { "revocation", N_("Revocation"), "action-unavailable-symbolic" },
  { "key-rotation", N_("Key rotation"), "view-refresh-symbolic" },
  { "annotation", N_("Annotation"), "document-edit-symbolic" },
};

const char *
custody_record_type_to_label (const char *type_name)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (record_types); i++)
    if (g_strcmp0 (type_name, record_types[i].type) == 0)
      return _(record_types[i].label);
  return type_name != NULL ? type_name : _("Unreadable record");
}

const char *
custody_record_type_to_icon_name (const char *type_name)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (record_types); i++)
    if (g_strcmp0 (type_name, record_types[i].type) == 0)
      return record_types[i].icon;
  return "dialog-question-symbolic";
}

const char *
custody_key_algorithm_to_label (ChainKeyAlgorithm algorithm)
{
  switch (algorithm)
    {
    case CHAIN_KEY_ALGORITHM_EC_P256:
      return _("ECDSA P-256");
    case CHAIN_KEY_ALGORITHM_EC_P384:
      return _("ECDSA P-384");
    case CHAIN_KEY_ALGORITHM_RSA_2048:
      return _("RSA 2048");
    case CHAIN_KEY_ALGORITHM_RSA_3072:
      return _("RSA 3072");
    case CHAIN_KEY_ALGORITHM_RSA_4096:
      return _("RSA 4096");
    case CHAIN_KEY_ALGORITHM_INVALID:
    default:
      return _("Unknown");
    }
}

static char *
format_local (gint64      time,
              const char *format)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("?");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local != NULL ? local : utc, format);
}

char *
custody_format_time (gint64 time)
{
  return format_local (time, "%Y-%m-%d %H:%M");
}

char *
custody_format_date (gint64 time)
{
  return format_local (time, "%Y-%m-%d");
}

char *
custody_format_validity (gint64 not_before,
                         gint64 not_after,
                         gint64 now)
{
  g_autofree char *from = custody_format_date (not_before);
  g_autofree char *until = custody_format_date (not_after);
  g_autofree char *when = NULL;
  gint64 days;

  if (now < not_before)
    when = g_strdup (_("not valid yet"));
  else if (now >= not_after)
    when = g_strdup (_("expired"));
  else
    {
      days = (not_after - now) / CUSTODY_DAY;
      days = MIN (days, G_MAXINT);
      /* Two years and more read in whole years: a CA's lifetime is. */
      if (days >= 2 * 365)
        when = g_strdup_printf (ngettext ("expires in %d year", "expires in %d years", (gulong) (days / 365)),
                                (int) (days / 365));
      else
        when = g_strdup_printf (ngettext ("expires in %d day", "expires in %d days", (gulong) days),
                                (int) days);
    }
  /* TRANSLATORS: a validity period: from, until, and how long is left */
  return g_strdup_printf (_("%s – %s (%s)"), from, until, when);
}

char *
custody_format_path_len (int path_len)
{
  if (path_len == CHAIN_PATH_LEN_UNLIMITED)
    return g_strdup (_("Unlimited"));
  return g_strdup_printf ("%d", path_len);
}

char *
custody_format_sanitize (const char *text)
{
  return chain_text_sanitize (text, CHAIN_TEXT_KEEP_LINES);
}

GStrv
custody_recent_add (const char *const *recent,
                    const char        *dir,
                    guint              max)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n = 0;
  guint i;

  if (max > 0)
    {
      g_strv_builder_add (builder, dir);
      n++;
    }
  for (i = 0; recent != NULL && recent[i] != NULL && n < max; i++)
    if (g_strcmp0 (recent[i], dir) != 0)
      {
        g_strv_builder_add (builder, recent[i]);
        n++;
      }
  return g_strv_builder_end (builder);
}

/* ---- Detail fields ------------------------------------------------------- */

static void
custody_field_free (gpointer data)
{
  CustodyField *field = data;

  g_free (field->title);
  g_free (field->value);
  g_free (field);
}

GPtrArray *
custody_fields_new (void)
{
  return g_ptr_array_new_with_free_func (custody_field_free);
}

void
custody_fields_take (GPtrArray  *fields,
                     const char *title,
                     char       *value)
{
  CustodyField *field;

  if (value == NULL)
    return;
  field = g_new0 (CustodyField, 1);
  field->title = g_strdup (title);
  field->value = value;
  g_ptr_array_add (fields, field);
}

void
custody_fields_add (GPtrArray  *fields,
                    const char *title,
                    const char *value)
{
  custody_fields_take (fields, title, g_strdup (value));
}

const char *
custody_fields_lookup (GPtrArray  *fields,
                       const char *title)
{
  guint i;

  for (i = 0; i < fields->len; i++)
    {
      CustodyField *field = g_ptr_array_index (fields, i);

      if (g_strcmp0 (field->title, title) == 0)
        return field->value;
    }
  return NULL;
}

void
custody_fields_add_certificate (GPtrArray       *fields,
                                const ChainCert *cert,
                                gint64           now)
{
  g_autoptr(ChainName) subject = chain_cert_dup_subject (cert);
  g_autoptr(ChainName) issuer = chain_cert_dup_issuer (cert);
  g_autoptr(ChainNameConstraints) constraints = chain_cert_dup_name_constraints (cert);
  g_autofree char *sha1 = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA1);
  g_autofree char *sha256 = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA256);

  custody_fields_take (fields, _("Subject"), chain_name_to_string (subject));
  custody_fields_take (fields, _("Issuer"), chain_name_to_string (issuer));
  custody_fields_add (fields, _("Key"),
                      custody_key_algorithm_to_label (chain_cert_get_key_algorithm (cert)));
  custody_fields_take (fields, _("Validity"),
                       custody_format_validity (chain_cert_get_not_before (cert),
                                                chain_cert_get_not_after (cert), now));
  custody_fields_take (fields, _("Path length"),
                       custody_format_path_len (chain_cert_get_path_len (cert)));
  if (constraints != NULL && !chain_name_constraints_is_empty (constraints))
    custody_fields_take (fields, _("Name constraints"),
                         chain_name_constraints_to_string (constraints));
  else
    custody_fields_add (fields, _("Name constraints"), _("None"));
  custody_fields_take (fields, _("Serial"), chain_cert_dup_serial (cert));
  custody_fields_take (fields, _("SHA-256 thumbprint"), g_steal_pointer (&sha256));
  custody_fields_take (fields, _("SHA-1 thumbprint"), g_steal_pointer (&sha1));
}
