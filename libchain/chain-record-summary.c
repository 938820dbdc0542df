/* chain-record-summary.c — what a record did, in one line
 *
 * Read from the body as docs/ledger-format.md defines it; a member that is
 * missing or of another type reads as "?" (the auditor, not the summary,
 * says what is wrong with a record).
 */
#include "chain-record-summary.h"
#include "chain-i18n-private.h"
#include "chain-json.h"
#include "chain-revoke.h"
#include "chain-text.h"

#include <inttypes.h>

/* As `chain log` prints times: UTC, ISO 8601. */
static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  if (time == NULL)
    return g_strdup_printf ("@%" G_GINT64_FORMAT, unix_seconds);
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

/* Sanitized, on one line, cut at @max_chars (0: not cut). */
static char *
one_line (const char *text,
          guint       max_chars)
{
  g_autofree char *shown = chain_text_sanitize (text, CHAIN_TEXT_ONE_LINE);

  if (max_chars == 0 || g_utf8_strlen (shown, -1) <= (glong) max_chars)
    return g_steal_pointer (&shown);
  *g_utf8_offset_to_pointer (shown, max_chars) = '\0';
  return g_strconcat (shown, "...", NULL);
}

static const char *
member_string (const ChainJson *object, const char *key)
{
  ChainJson *value = object != NULL ? chain_json_object_get_member (object, key) : NULL;

  if (value == NULL || chain_json_get_value_type (value) != CHAIN_JSON_STRING)
    return "?";
  return chain_json_get_string (value);
}

static gint64
member_integer (const ChainJson *object, const char *key)
{
  ChainJson *value = object != NULL ? chain_json_object_get_member (object, key) : NULL;

  if (value == NULL || chain_json_get_value_type (value) != CHAIN_JSON_INTEGER)
    return -1;
  return chain_json_get_integer (value);
}

static gsize
member_length (const ChainJson *object, const char *key)
{
  ChainJson *value = object != NULL ? chain_json_object_get_member (object, key) : NULL;

  if (value == NULL)
    return 0;
  if (chain_json_get_value_type (value) == CHAIN_JSON_ARRAY)
    return chain_json_array_get_length (value);
  if (chain_json_get_value_type (value) == CHAIN_JSON_OBJECT)
    return chain_json_object_get_size (value);
  return 0;
}

static const ChainJson *
member_object (const ChainJson *object, const char *key)
{
  ChainJson *value = object != NULL ? chain_json_object_get_member (object, key) : NULL;

  if (value == NULL || chain_json_get_value_type (value) != CHAIN_JSON_OBJECT)
    return NULL;
  return value;
}

/* The first digits of an id or thumbprint: enough to tell records apart. */
static char *
short_id (const char *id)
{
  return g_strndup (id, 12);
}

/* A recorded revocation reason in words; a name this version does not know
 * (a foreign or later writer's) shows as recorded rather than as a guess. */
static const char *
reason_label (const char *recorded)
{
  ChainRevocationReason reason;

  if (!chain_revocation_reason_from_string (recorded, &reason, NULL))
    return recorded;
  return chain_revocation_reason_to_label (reason);
}

char *
chain_record_summary_new (ChainStatement *statement,
                          guint           max_chars)
{
  const ChainJson *body = chain_statement_get_body (statement);
  g_autofree char *summary = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  const ChainJson *custodian = NULL;
  gsize n = 0;
  gint64 count = 0;

  switch (chain_statement_get_record_type (statement))
    {
    case CHAIN_RECORD_TYPE_GENESIS:
      custodian = member_object (body, "custodian");
      /* Translators: custodian id, organisation name, tier name (not translated). */
      summary = g_strdup_printf (_("new ledger: root custodian %s (%s), tier %s"),
                                 member_string (custodian, "id"),
                                 member_string (custodian, "name"),
                                 member_string (custodian, "tier"));
      break;
    case CHAIN_RECORD_TYPE_POLICY:
      n = member_length (member_object (body, "policy"), "tiers");
      /* Translators: English keeps "(s)" in both forms; use your language's plural forms. */
      summary = g_strdup_printf (chain_i18n_ngettext ("policy change: %zu tier(s)", "policy change: %zu tier(s)", n), n);
      break;
    case CHAIN_RECORD_TYPE_OFFICER:
      /* Translators: %s is a custodian id. */
      summary = g_strdup_printf (_("officer enrolled for %s"), member_string (body, "custodian"));
      break;
    case CHAIN_RECORD_TYPE_DELEGATION_REQUEST:
      custodian = member_object (body, "custodian");
      /* Translators: custodian id, organisation name, the parent custodian's id,
       * and a tier name such as "manufacturer" (not translated). */
      summary = g_strdup_printf (_("%s (%s) asks %s for a %s sub-CA"),
                                 member_string (custodian, "id"),
                                 member_string (custodian, "name"),
                                 member_string (body, "parent"),
                                 member_string (custodian, "tier"));
      break;
    case CHAIN_RECORD_TYPE_APPROVAL:
      a = short_id (member_string (body, "target"));
      /* Translators: the decision as recorded, "approve" or "reject" (not
       * translated), then the first digits of the request's id. */
      summary = g_strdup_printf (_("%s request %s"), member_string (body, "decision"), a);
      break;
    case CHAIN_RECORD_TYPE_DELEGATION:
      a = format_time (member_integer (body, "not_after"));
      /* Translators: custodian id, a number, a time such as 2031-11-27T01:40:00Z. */
      summary = g_strdup_printf (_("sub-CA for %s, path length %" PRId64 ", until %s"),
                                 member_string (body, "child"),
                                 member_integer (body, "path_len"), a);
      break;
    case CHAIN_RECORD_TYPE_ACCEPTANCE:
      a = short_id (member_string (body, "delegation"));
      /* Translators: %s is the first digits of a statement id. */
      summary = g_strdup_printf (_("accepts delegation %s"), a);
      break;
    case CHAIN_RECORD_TYPE_DEVICE_BATCH:
      a = short_id (member_string (body, "issuer"));
      count = member_integer (body, "count");
      /* Translators: English keeps "(s)" in both forms; use your language's
       * plural forms. %s is the first digits of a CA's thumbprint. */
      summary = g_strdup_printf (chain_i18n_ngettext ("%" PRId64 " device(s) under CA %s",
                                           "%" PRId64 " device(s) under CA %s", (gulong) count),
                                 count, a);
      break;
    case CHAIN_RECORD_TYPE_POP:
      a = short_id (member_string (body, "ca"));
      /* Translators: a CA's thumbprint digits, a cloud target such as
       * "azure-iothub" (not translated), the cloud's verification code. */
      summary = g_strdup_printf (_("proof of possession of CA %s for %s, code %s"), a,
                                 member_string (body, "target"), member_string (body, "code"));
      break;
    case CHAIN_RECORD_TYPE_EXPORT:
      a = short_id (member_string (body, "ca"));
      n = member_length (body, "files");
      /* Translators: English keeps "(s)" in both forms; use your language's
       * plural forms. The first %s is a cloud target such as "azure-iothub"
       * (not translated), the last a CA's thumbprint digits. */
      summary = g_strdup_printf (chain_i18n_ngettext ("export for %s: %zu file(s), CA %s",
                                           "export for %s: %zu file(s), CA %s", n),
                                 member_string (body, "target"), n, a);
      break;
    case CHAIN_RECORD_TYPE_REVOCATION:
      a = short_id (member_string (body, "issuer"));
      n = member_length (body, "serials");
      /* Translators: English keeps "(s)" in both forms; use your language's
       * plural forms. The first %s is a CA's thumbprint digits, the second
       * the revocation reason in words, such as "Key compromise". */
      summary = g_strdup_printf (chain_i18n_ngettext ("%zu serial(s) revoked under CA %s (%s)",
                                           "%zu serial(s) revoked under CA %s (%s)", n),
                                 n, a, reason_label (member_string (body, "reason")));
      break;
    case CHAIN_RECORD_TYPE_KEY_ROTATION:
      a = short_id (member_string (body, "old"));
      b = short_id (member_string (body, "new"));
      /* Translators: both %s are the first digits of CA thumbprints. */
      summary = g_strdup_printf (_("CA %s rotated to %s"), a, b);
      break;
    case CHAIN_RECORD_TYPE_ANNOTATION:
      summary = g_strdup (member_string (body, "text"));
      break;
    case CHAIN_RECORD_TYPE_INVALID:
    default:
      summary = g_strdup (chain_statement_get_type_name (statement));
      break;
    }
  return one_line (summary, max_chars);
}
