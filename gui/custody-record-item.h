/* custody-record-item.h — one row of the ledger timeline
 *
 * Made by CustodyTimeline when the row is first asked for, from one
 * chain_ledger_load_record(); it keeps the record for the details view
 * (content, artifacts). Its verification badge changes as the timeline
 * learns more (an audit report).
 */
#pragma once

#include <gio/gio.h>

#include "custody-format.h"

G_BEGIN_DECLS

/**
 * CustodyBadge:
 * @CUSTODY_BADGE_UNCHECKED: not yet replayed through the rules (it arrived
 *   after the workspace last read the ledger).
 * @CUSTODY_BADGE_CHECKED: the workspace replayed it through the ledger's
 *   rules (statement signatures, thresholds, policy) when it opened.
 * @CUSTODY_BADGE_AUDITED: the full audit (commit signature, links,
 *   artifacts, rules) found nothing wrong with it.
 * @CUSTODY_BADGE_FAILED: the audit has findings on it, or it cannot be read.
 */
typedef enum {
  CUSTODY_BADGE_UNCHECKED,
  CUSTODY_BADGE_CHECKED,
  CUSTODY_BADGE_AUDITED,
  CUSTODY_BADGE_FAILED,
} CustodyBadge;

/** Returns: (transfer none): e.g. "Audited". */
const char *custody_badge_to_label (CustodyBadge badge);
/** Returns: (transfer none): a symbolic icon name. */
const char *custody_badge_to_icon_name (CustodyBadge badge);
/** Returns: (transfer none): a CSS class. */
const char *custody_badge_to_style_class (CustodyBadge badge);

#define CUSTODY_TYPE_RECORD_ITEM (custody_record_item_get_type ())
G_DECLARE_FINAL_TYPE (CustodyRecordItem, custody_record_item, CUSTODY, RECORD_ITEM, GObject)

/** Returns: (transfer full): an item for @record (taking a reference). */
CustodyRecordItem *custody_record_item_new (ChainRecord *record);

/** Returns: (transfer full): an item for a record that could not be read. */
CustodyRecordItem *custody_record_item_new_unreadable (guint64       seq,
                                                       const GError *error);

guint64 custody_record_item_get_seq (CustodyRecordItem *self);
/** Returns: (transfer none) (nullable): the record type, %NULL if unreadable. */
const char *custody_record_item_get_type_name (CustodyRecordItem *self);
/** Returns: (transfer none) (nullable): the author's custodian id. */
const char *custody_record_item_get_author (CustodyRecordItem *self);
/** Returns: when the statement was made (Unix seconds), 0 if unreadable. */
gint64 custody_record_item_get_time (CustodyRecordItem *self);
/** Returns: (transfer none): the row's title, e.g. "#4 Delegation". */
const char *custody_record_item_get_title (CustodyRecordItem *self);
/** Returns: (transfer none): what the record says, in one line. */
const char *custody_record_item_get_summary (CustodyRecordItem *self);

CustodyBadge custody_record_item_get_badge (CustodyRecordItem *self);

/**
 * custody_record_item_set_badge:
 * @self: the item.
 * @badge: the new badge.
 * @findings: (nullable): for %CUSTODY_BADGE_FAILED, the findings, one per line.
 */
void custody_record_item_set_badge (CustodyRecordItem *self,
                                    CustodyBadge       badge,
                                    const char        *findings);

/** Returns: (transfer none) (nullable): the audit findings, one per line. */
const char *custody_record_item_get_findings (CustodyRecordItem *self);

/**
 * custody_record_item_get_fields:
 *
 * Returns: (transfer full) (element-type CustodyField): sequence, type,
 *   author, time, statement id, signatures, commit, digests, verification.
 */
GPtrArray *custody_record_item_get_fields (CustodyRecordItem *self);

/** Returns: (transfer full) (nullable): the statement body as indented JSON. */
char *custody_record_item_get_content (CustodyRecordItem *self);

/**
 * custody_record_item_get_artifacts:
 *
 * Returns: (transfer full) (element-type CustodyField): one field per
 *   artifact: its name, then its size and SHA-256.
 */
GPtrArray *custody_record_item_get_artifacts (CustodyRecordItem *self);

/**
 * custody_record_item_read_artifact:
 * @self: the item.
 * @name: an artifact of the record.
 * @error: as chain_record_read_artifact().
 *
 * Reads the artifact from the ledger and checks it against the digest the
 * statement signed. Main thread only (the record shares the timeline's
 * ledger handle).
 *
 * Returns: (transfer full) (nullable): the content.
 */
GBytes *custody_record_item_read_artifact (CustodyRecordItem *self,
                                           const char        *name,
                                           GError           **error);

G_END_DECLS
