/* custody-window.h — the main window: custody tree, requests, ledger, audit */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_WINDOW (custody_window_get_type ())
G_DECLARE_FINAL_TYPE (CustodyWindow, custody_window, CUSTODY, WINDOW, AdwApplicationWindow)

CustodyWindow *custody_window_new (AdwApplication *application);

CustodySession *custody_window_get_session (CustodyWindow *self);

/** custody_window_open_workspace: opens @dir (a job); remembers it as recent. */
void custody_window_open_workspace (CustodyWindow *self,
                                    const char    *dir);

/**
 * custody_window_toast_output:
 * @self: the window.
 * @message: (nullable): what was done.
 * @folder: where its files went: the toast's Open Folder opens it.
 */
void custody_window_toast_output (CustodyWindow *self,
                                  const char    *message,
                                  const char    *folder);

/**
 * custody_window_offer_action:
 * @self: the window.
 * @label: the button, e.g. "Publish _CRL…".
 * @action: a parameterless action, e.g. "win.publish-crl".
 *
 * Adds a button to the toast on show, for what comes next, and keeps the
 * toast until dismissed.
 */
void custody_window_offer_action (CustodyWindow *self,
                                  const char    *label,
                                  const char    *action);

/** custody_window_toast: a short message over the content. */
void custody_window_toast (CustodyWindow *self,
                           const char    *message);

/**
 * custody_window_select:
 * @self: the window.
 * @page: "custody", "requests", "ledger" or "audit".
 * @position: the row to select on that page's list, or -1 for none.
 *
 * Shows @page and selects a row as a click would (the details open).
 * The test script drives the window through this and the actions.
 *
 * Returns: %FALSE if @page or @position does not exist.
 */
gboolean custody_window_select (CustodyWindow *self,
                                const char    *page,
                                int            position);

/** custody_window_show_record: the Ledger page with record @seq selected; %FALSE if there is none. */
gboolean custody_window_show_record (CustodyWindow *self,
                                     guint64        seq);

G_END_DECLS
