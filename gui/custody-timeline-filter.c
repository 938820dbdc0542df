/* custody-timeline-filter.c — narrowing the ledger's timeline */
#include "custody-timeline-filter.h"

#include <glib/gi18n.h>

#define HOUR (G_GINT64_CONSTANT (60) * 60)

static const char *const types[] = {
  "genesis", "policy", "officer", "delegation-request", "approval", "delegation", "acceptance",
  "device-batch", "pop", "export", "revocation", "key-rotation", "annotation", NULL,
};

gboolean
custody_timeline_filter_is_active (const CustodyTimelineFilter *filter)
{
  return filter != NULL && (filter->type_name != NULL || filter->author != NULL || filter->since > 0);
}

gboolean
custody_timeline_filter_matches (const CustodyTimelineFilter *filter,
                                 CustodyRecordItem           *item)
{
  if (!custody_timeline_filter_is_active (filter))
    return TRUE;
  if (filter->type_name != NULL && g_strcmp0 (custody_record_item_get_type_name (item), filter->type_name) != 0)
    return FALSE;
  if (filter->author != NULL && g_strcmp0 (custody_record_item_get_author (item), filter->author) != 0)
    return FALSE;
  if (filter->since > 0 && custody_record_item_get_time (item) < filter->since)
    return FALSE;
  /* An unreadable record has no type, author or time to keep it by. */
  return custody_record_item_get_type_name (item) != NULL;
}

const char *const *
custody_timeline_filter_list_types (void)
{
  return types;
}

const char *
custody_period_to_label (CustodyPeriod period)
{
  switch (period)
    {
    case CUSTODY_PERIOD_DAY:
      return _("Last 24 hours");
    case CUSTODY_PERIOD_WEEK:
      return _("Last 7 days");
    case CUSTODY_PERIOD_MONTH:
      return _("Last 30 days");
    case CUSTODY_PERIOD_YEAR:
      return _("Last 12 months");
    case CUSTODY_PERIOD_ANY:
    case CUSTODY_N_PERIODS:
    default:
      return _("Any time");
    }
}

gint64
custody_period_get_since (CustodyPeriod period,
                          gint64        now)
{
  switch (period)
    {
    case CUSTODY_PERIOD_DAY:
      return now - 24 * HOUR;
    case CUSTODY_PERIOD_WEEK:
      return now - 7 * 24 * HOUR;
    case CUSTODY_PERIOD_MONTH:
      return now - 30 * 24 * HOUR;
    case CUSTODY_PERIOD_YEAR:
      return now - 365 * 24 * HOUR;
    case CUSTODY_PERIOD_ANY:
    case CUSTODY_N_PERIODS:
    default:
      return 0;
    }
}
