/* custody-inbox-page.h — the request inbox: review, approve, reject, delegate
 *
 * Request files come in through win.import-request (a file chooser) or by
 * dropping them on the page; both end in custody_inbox_page_import().
 */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_INBOX_PAGE (custody_inbox_page_get_type ())
G_DECLARE_FINAL_TYPE (CustodyInboxPage, custody_inbox_page, CUSTODY, INBOX_PAGE, GtkWidget)

void custody_inbox_page_set_session (CustodyInboxPage *self,
                                     CustodySession   *session);

/** Returns: (transfer none) (nullable): the selected request. */
CustodyRequest *custody_inbox_page_get_selected (CustodyInboxPage *self);

/** Selects row @position and shows its details; %FALSE if there is none. */
gboolean custody_inbox_page_select (CustodyInboxPage *self,
                                    guint             position);

/**
 * custody_inbox_page_import:
 * @self: the page.
 * @file: a request file.
 *
 * Adds the request to the inbox and selects it; a toast or an error
 * dialog says how it went.
 *
 * Returns: whether it was imported.
 */
gboolean custody_inbox_page_import (CustodyInboxPage *self,
                                    GFile            *file);

AdwLeaflet *custody_inbox_page_get_leaflet (CustodyInboxPage *self);

G_END_DECLS
