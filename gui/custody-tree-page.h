/* custody-tree-page.h — the custody tree and the selected custodian's details */
#pragma once

#include <adwaita.h>

#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_TREE_PAGE (custody_tree_page_get_type ())
G_DECLARE_FINAL_TYPE (CustodyTreePage, custody_tree_page, CUSTODY, TREE_PAGE, GtkWidget)

void custody_tree_page_set_session (CustodyTreePage *self,
                                    CustodySession  *session);

/** Returns: (transfer none) (nullable): the selected custodian. */
CustodyNode *custody_tree_page_get_selected (CustodyTreePage *self);

/** Selects row @position and shows its details; %FALSE if there is none. */
gboolean custody_tree_page_select (CustodyTreePage *self,
                                   guint            position);

AdwLeaflet *custody_tree_page_get_leaflet (CustodyTreePage *self);

G_END_DECLS
