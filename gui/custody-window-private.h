/* custody-window-private.h — what custody-window.c and its actions share */
#pragma once

#include "custody-audit-page.h"
#include "custody-charts-page.h"
#include "custody-inbox-page.h"
#include "custody-timeline-page.h"
#include "custody-tree-page.h"
#include "custody-window.h"

G_BEGIN_DECLS

struct _CustodyWindow {
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  CustodySession       *session;
  AdwToast             *last_toast;      /* weak */
  char                 *opening_dir;     /* the folder being opened, for its error */
  guint                 update_back_id;
  guint                 update_bar_id;

  AdwToastOverlay      *toast_overlay;
  GtkButton            *back_button;
  GtkSpinner           *spinner;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  GtkStack             *main_stack;
  AdwViewStack         *view_stack;
  AdwViewStackPage     *requests_stack_page;
  GtkLabel             *recent_label;
  GtkListBox           *recent_list;
  CustodyTreePage      *tree_page;
  CustodyInboxPage     *inbox_page;
  CustodyTimelinePage  *timeline_page;
  CustodyAuditPage     *audit_page;
  CustodyChartsPage    *charts_page;
};

/* custody-window-actions.c */
void custody_window_install_actions (CustodyWindow *self);
void custody_window_update_actions (CustodyWindow *self);

/* What the file choosers of win.publish-crl, win.bundle-create and
 * win.bundle-import lead to (the test script calls them directly). */
void custody_window_publish_crl (CustodyWindow *self,
                                 const char    *dir);
void custody_window_bundle_create (CustodyWindow *self,
                                   const char    *path);
void custody_window_bundle_import (CustodyWindow *self,
                                   const char    *path);

/* Dismisses the last toast, for a screenshot without it. */
void custody_window_dismiss_toast (CustodyWindow *self);

/* The leaflet of the page on show, if it has one. */
AdwLeaflet *custody_window_get_current_leaflet (CustodyWindow *self);

G_END_DECLS
