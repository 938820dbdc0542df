/* custody-inbox-page.c — the request inbox: review, approve, reject, delegate */
#include "custody-inbox-page.h"

#include <glib/gi18n.h>

#include "custody-request-keys.h"
#include "custody-widgets.h"

struct _CustodyInboxPage {
  GtkWidget           parent_instance;
  CustodySession     *session;
  GtkSingleSelection *selection;
  char               *selected_id;

  AdwLeaflet         *leaflet;
  GtkStack           *list_stack;
  GtkListView        *list_view;
  GtkStack           *detail_stack;
  GtkImage           *verdict_icon;
  GtkLabel           *title_label;
  GtkLabel           *verdict_label;
  GtkLabel           *policy_label;
  GtkListBox         *fields_list;
  GtkWidget          *separator;
  GtkWidget          *keys_heading;
  GtkWidget          *keys_hint;
  GtkListBox         *keys_list;
  GtkListBox         *approvals_list;
  GtkLabel           *decision_hint;
  GtkWidget          *approve_button;
  GtkWidget          *reject_button;
};

G_DEFINE_FINAL_TYPE (CustodyInboxPage, custody_inbox_page, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
verdict_class (CustodyRequestVerdict verdict)
{
  switch (verdict)
    {
    case CUSTODY_REQUEST_READY:
      return "success";
    case CUSTODY_REQUEST_REFUSED:
      return "error";
    case CUSTODY_REQUEST_NEEDS_APPROVAL:
    case CUSTODY_REQUEST_NEEDS_FILE:
    default:
      return "warning";
    }
}

/* Approve and Reject act on a request recorded in the ledger; before it
 * is, they are hidden and the page says what Delegate does instead. */
static void
show_decision (CustodyInboxPage *self,
               CustodyRequest   *request)
{
  gboolean recorded = custody_request_get_request_id (request) != NULL;
  const char *hint = NULL;

  gtk_widget_set_visible (self->approve_button, recorded);
  gtk_widget_set_visible (self->reject_button, recorded);
  if (recorded)
    hint = _("Approve adds your signature to the ones recorded; Reject ends the request.");
  else if (custody_request_get_threshold (request) <= 1)
    hint = _("One officer’s signature suffices: Delegate… signs the sub-CA, no separate approval needed.");
  else
    hint = _("Delegate… records the request with your approval; the other officers then approve it here.");
  gtk_label_set_text (self->decision_hint, hint);
}

static void
show_details (CustodyInboxPage *self)
{
  CustodyRequest *request = custody_inbox_page_get_selected (self);
  const char *style = NULL;
  g_autofree char *icon = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autofree char *policy = NULL;

  g_clear_pointer (&self->selected_id, g_free);
  if (request == NULL)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "empty");
      return;
    }
  self->selected_id = g_strdup (custody_request_get_custodian_id (request));
  style = verdict_class (custody_request_get_verdict (request));
  g_object_get (request, "verdict-icon", &icon, NULL);
  gtk_image_set_from_icon_name (self->verdict_icon, icon);
  gtk_widget_set_css_classes (GTK_WIDGET (self->verdict_icon), (const char *[]) { style, NULL });
  gtk_label_set_text (self->title_label, custody_request_get_org (request));
  gtk_label_set_text (self->verdict_label, custody_request_get_verdict_label (request));
  gtk_widget_set_css_classes (GTK_WIDGET (self->verdict_label), (const char *[]) { "heading", style, NULL });
  if (custody_request_get_refusal (request) != NULL)
    policy = g_strdup_printf (_("The policy refuses it: %s"), custody_request_get_refusal (request));
  else if (custody_request_get_preview (request) != NULL)
    policy = g_strdup (_("The policy allows this delegation."));
  else
    policy = g_strdup (_("Recorded in the ledger. Import the request file to see exactly what would be signed."));
  gtk_label_set_text (self->policy_label, policy);
  custody_fields_fill (self->fields_list, custody_request_get_fields (request));
  keys = custody_request_key_fields (request, custody_session_get_is_open (self->session)
                                                ? chain_workspace_get_state (custody_session_get_workspace (self->session))
                                                : NULL);
  custody_fields_fill (self->keys_list, keys);
  gtk_widget_set_visible (self->keys_heading, keys->len > 0);
  gtk_widget_set_visible (self->keys_hint, keys->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->keys_list), keys->len > 0);
  custody_fields_fill (self->approvals_list, custody_request_get_approval_fields (request));
  show_decision (self, request);
  gtk_stack_set_visible_child_name (self->detail_stack, "details");
}

static void
on_selection_changed (CustodyInboxPage *self)
{
  show_details (self);
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

static void
on_session_changed (CustodyInboxPage *self)
{
  g_autofree char *keep = g_strdup (self->selected_id);
  CustodyInbox *inbox = custody_session_get_inbox (self->session);
  guint position = 0;

  gboolean any = g_list_model_get_n_items (G_LIST_MODEL (inbox)) > 0;

  gtk_stack_set_visible_child_name (self->list_stack, any ? "list" : "empty");
  /* One empty state, not "No Requests" beside "No Request Selected". */
  gtk_widget_set_visible (self->separator, any);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_stack), any);
  if (keep != NULL && custody_inbox_find (inbox, keep, &position))
    gtk_single_selection_set_selected (self->selection, position);
  show_details (self);
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  gtk_list_item_set_child (item, custody_list_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  CustodyRequest *request = gtk_list_item_get_item (item);
  g_autofree char *icon = NULL;

  g_object_get (request, "verdict-icon", &icon, NULL);
  /* The verdict is the row's second line: it is long, and what matters. */
  custody_list_row_set (gtk_list_item_get_child (item), 0, icon,
                        verdict_class (custody_request_get_verdict (request)),
                        custody_request_get_org (request), custody_request_get_verdict_label (request),
                        custody_request_get_tier (request));
}

static void
on_activate (GtkListView      *list_view,
             guint             position,
             CustodyInboxPage *self)
{
  custody_inbox_page_select (self, position);
}

gboolean
custody_inbox_page_import (CustodyInboxPage *self,
                           GFile            *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *custodian = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  guint position = 0;

  g_return_val_if_fail (CUSTODY_IS_INBOX_PAGE (self), FALSE);

  if (path == NULL)
    {
      g_set_error (&error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("Only local files can be imported"));
      custody_show_error (GTK_WIDGET (self), _("Could Not Import the Request"), error);
      return FALSE;
    }
  if (!custody_session_import_request (self->session, path, &custodian, &error))
    {
      custody_show_error (GTK_WIDGET (self), _("Could Not Import the Request"), error);
      return FALSE;
    }
  on_session_changed (self);
  if (custody_inbox_find (custody_session_get_inbox (self->session), custodian, &position))
    custody_inbox_page_select (self, position);
  message = g_strdup_printf (_("Imported the request of %s"), custodian);
  custody_toast (GTK_WIDGET (self), message);
  return TRUE;
}

static gboolean
on_drop (GtkDropTarget    *target,
         const GValue     *value,
         double            x,
         double            y,
         CustodyInboxPage *self)
{
  GSList *files = NULL;
  gboolean any = FALSE;
  GSList *l;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    files = gdk_file_list_get_files (g_value_get_boxed (value));
  for (l = files; l != NULL; l = l->next)
    any |= custody_inbox_page_import (self, l->data);
  g_slist_free (files);
  return any;
}

static void
custody_inbox_page_dispose (GObject *object)
{
  CustodyInboxPage *self = CUSTODY_INBOX_PAGE (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->selected_id, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), CUSTODY_TYPE_INBOX_PAGE);
  G_OBJECT_CLASS (custody_inbox_page_parent_class)->dispose (object);
}

static void
custody_inbox_page_class_init (CustodyInboxPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = custody_inbox_page_dispose;

  signals[SIGNAL_SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                    G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/libchain/Custody/custody-inbox-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, policy_label);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, fields_list);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, separator);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, keys_heading);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, keys_hint);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, keys_list);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, approvals_list);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, decision_hint);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, approve_button);
  gtk_widget_class_bind_template_child (widget_class, CustodyInboxPage, reject_button);
  gtk_widget_class_bind_template_callback (widget_class, on_activate);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
custody_inbox_page_init (CustodyInboxPage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

void
custody_inbox_page_set_session (CustodyInboxPage *self,
                                CustodySession   *session)
{
  g_return_if_fail (CUSTODY_IS_INBOX_PAGE (self));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (custody_session_get_inbox (session))));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (session, "changed", G_CALLBACK (on_session_changed), self);
  on_session_changed (self);
}

CustodyRequest *
custody_inbox_page_get_selected (CustodyInboxPage *self)
{
  g_return_val_if_fail (CUSTODY_IS_INBOX_PAGE (self), NULL);

  if (self->selection == NULL)
    return NULL;
  return gtk_single_selection_get_selected_item (self->selection);
}

gboolean
custody_inbox_page_select (CustodyInboxPage *self,
                           guint             position)
{
  g_return_val_if_fail (CUSTODY_IS_INBOX_PAGE (self), FALSE);

  if (self->selection == NULL || position >= g_list_model_get_n_items (G_LIST_MODEL (self->selection)))
    return FALSE;
  gtk_single_selection_set_selected (self->selection, position);
  adw_leaflet_set_visible_child_name (self->leaflet, "details");
  return TRUE;
}

AdwLeaflet *
custody_inbox_page_get_leaflet (CustodyInboxPage *self)
{
  g_return_val_if_fail (CUSTODY_IS_INBOX_PAGE (self), NULL);
  return self->leaflet;
}
