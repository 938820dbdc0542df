/* custody-audit-page.h — run the audit, watch it, read the report */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_AUDIT_PAGE (custody_audit_page_get_type ())
G_DECLARE_FINAL_TYPE (CustodyAuditPage, custody_audit_page, CUSTODY, AUDIT_PAGE, GtkWidget)

void custody_audit_page_set_session (CustodyAuditPage *self,
                                     CustodySession   *session);

G_END_DECLS
