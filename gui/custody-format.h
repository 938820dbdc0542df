/* custody-format.h — how Custody shows libchain's values to people
 *
 * Every string here is translated. Nothing here touches GTK, so the view
 * models that use it build and test headless.
 */
#pragma once

#include <glib.h>

#include "chain.h"

G_BEGIN_DECLS

/**
 * CustodyHealth:
 * @CUSTODY_HEALTH_VALID: in force, not expiring soon.
 * @CUSTODY_HEALTH_EXPIRING: in force, but its CA expires within the
 *   expiry window the officer chose.
 * @CUSTODY_HEALTH_EXPIRED: every CA in force is past its notAfter.
 * @CUSTODY_HEALTH_REVOKED: revoked, or under a revoked CA.
 * @CUSTODY_HEALTH_AWAITING: delegated, the child has not accepted yet.
 * @CUSTODY_HEALTH_REQUESTED: a delegation request waits for approval.
 * @CUSTODY_HEALTH_RETIRED: replaced by a key rotation.
 *
 * A custodian's status at a glance: libchain's #ChainCustodyStatus plus
 * the two states only a viewer can tell (expiring soon, a request only).
 */
typedef enum {
  CUSTODY_HEALTH_VALID,
  CUSTODY_HEALTH_EXPIRING,
  CUSTODY_HEALTH_EXPIRED,
  CUSTODY_HEALTH_REVOKED,
  CUSTODY_HEALTH_AWAITING,
  CUSTODY_HEALTH_REQUESTED,
  CUSTODY_HEALTH_RETIRED,
} CustodyHealth;

#define CUSTODY_DAY ((gint64) 24 * 60 * 60)

/**
 * custody_health_from_status:
 * @status: libchain's status at @now.
 * @not_after: the notAfter of the custodian's current CA (Unix seconds).
 * @now: Unix seconds.
 * @expiry_window_days: a valid CA expiring within this many days is
 *   %CUSTODY_HEALTH_EXPIRING.
 */
CustodyHealth custody_health_from_status (ChainCustodyStatus status,
                                          gint64             not_after,
                                          gint64             now,
                                          guint              expiry_window_days);

/** Returns: (transfer none): e.g. "Valid", "Expires soon". */
const char *custody_health_to_label (CustodyHealth health);

/** Returns: (transfer none): a symbolic icon name for @health. */
const char *custody_health_to_icon_name (CustodyHealth health);

/** Returns: (transfer none): a CSS class ("success", "warning", "error", "dim-label"). */
const char *custody_health_to_style_class (CustodyHealth health);

/** Returns: (transfer none): e.g. "Delegation request"; the raw name if unknown. */
const char *custody_record_type_to_label (const char *type_name);

/** Returns: (transfer none): a symbolic icon name for a record type. */
const char *custody_record_type_to_icon_name (const char *type_name);

/** Returns: (transfer none): e.g. "ECDSA P-256". */
const char *custody_key_algorithm_to_label (ChainKeyAlgorithm algorithm);

/** Returns: (transfer full): @time (Unix seconds) in local time, "2025-03-01 14:05". */
char *custody_format_time (gint64 time);

/** Returns: (transfer full): @time as a local date, "2025-03-01". */
char *custody_format_date (gint64 time);

/** Returns: (transfer full): "2025-03-01 – 2035-03-01 (expires in 3,652 days)". */
char *custody_format_validity (gint64 not_before,
                               gint64 not_after,
                               gint64 now);

/** Returns: (transfer full): "unlimited" for %CHAIN_PATH_LEN_UNLIMITED, else the number. */
char *custody_format_path_len (int path_len);

/** Returns: (transfer full): @text from another custodian as libchain's
 * chain_text_sanitize() shows it, line breaks kept for notes. */
char *custody_format_sanitize (const char *text);

/**
 * custody_recent_add:
 * @recent: (nullable): the recent workspaces, most recent first.
 * @dir: the workspace just opened.
 * @max: how many to keep.
 *
 * Returns: (transfer full): @dir first, then @recent without @dir, at most
 *   @max entries.
 */
GStrv custody_recent_add (const char *const *recent,
                          const char        *dir,
                          guint              max);

/* ---- Detail fields ------------------------------------------------------- */

/**
 * CustodyField:
 * @title: what the value is, translated.
 * @value: the value, as people read it.
 *
 * One line of a details pane.
 */
typedef struct {
  char *title;
  char *value;
} CustodyField;

/** Returns: (transfer full) (element-type CustodyField): an empty list. */
GPtrArray *custody_fields_new (void);

/** Appends a field; @value may be %NULL (the field is skipped). */
void custody_fields_add (GPtrArray  *fields,
                         const char *title,
                         const char *value);

/** Appends a field, taking @value. */
void custody_fields_take (GPtrArray  *fields,
                          const char *title,
                          char       *value);

/** Returns: (transfer none) (nullable): the value of the first field titled @title. */
const char *custody_fields_lookup (GPtrArray  *fields,
                                   const char *title);

/**
 * custody_fields_add_certificate:
 * @fields: the list.
 * @cert: a CA certificate.
 * @now: Unix seconds.
 *
 * Subject, issuer, key, validity, path length, name constraints (as text),
 * serial and the SHA-1 and SHA-256 thumbprints clouds show.
 */
void custody_fields_add_certificate (GPtrArray       *fields,
                                     const ChainCert *cert,
                                     gint64           now);

G_END_DECLS
