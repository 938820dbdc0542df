/* custody-audit-page.h — run the audit, watch it, read the report */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_AUDIT_PAGE (custody_audit_page_get_type ())
G_DECLARE_FINAL_TYPE (CustodyAuditPage, custody_audit_page, CUSTODY, AUDIT_PAGE, GtkWidget)

void custody_audit_page_set_session (CustodyAuditPage *self,
                                     CustodySession   *session);

/**
 * custody_audit_page_save_report:
 * @file: where to write it.
 * @error: CHAIN_ERROR_NOT_FOUND before an audit, or GIO's.
 *
 * What the report's Save… writes: the ledger, the time, the verdict and
 * the report.
 *
 * Returns: %TRUE if written.
 */
gboolean custody_audit_page_save_report (CustodyAuditPage  *self,
                                         GFile             *file,
                                         GError           **error);

G_END_DECLS
