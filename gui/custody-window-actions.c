/* custody-window-actions.c — the window's win.* actions
 *
 * Each action opens the dialog for its step or starts a session job; the
 * one function custody_window_update_actions() sets which are enabled,
 * from custody-actions.c's table.
 */
#include "custody-window-private.h"

#include <glib/gi18n.h>

#include "custody-actions.h"
#include "custody-annotate-dialog.h"
#include "custody-delegate-dialog.h"
#include "custody-device-dialog.h"
#include "custody-export-dialog.h"
#include "custody-init-dialog.h"
#include "custody-officers-dialog.h"
#include "custody-output-dialog.h"
#include "custody-passphrase-dialog.h"
#include "custody-revoke-dialog.h"
#include "custody-widgets.h"

typedef void (*ChosenFunc) (CustodyWindow *self,
                            GFile         *file);

/* ---- Helpers ------------------------------------------------------------------ */

static void
on_job_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CustodyWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!custody_session_finish (CUSTODY_SESSION (source), result, &message, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        custody_show_error (GTK_WIDGET (self), _("That Did Not Work"), error);
      return;
    }
  custody_window_toast (self, message);
}

static void
on_file_chosen (GtkNativeDialog *chooser,
                int              response,
                CustodyWindow   *self)
{
  ChosenFunc func = g_object_get_data (G_OBJECT (chooser), "chosen-func");
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (file != NULL)
        func (self, file);
    }
  g_object_unref (chooser);
}

static GtkFileChooser *
choose_file (CustodyWindow        *self,
             const char           *title,
             GtkFileChooserAction  action,
             const char           *accept,
             const char           *suggested_name,
             const char           *pattern,
             const char           *pattern_name,
             ChosenFunc            func)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, _("_Cancel"));

  if (suggested_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested_name);
  if (pattern != NULL)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();
      GtkFileFilter *all = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, pattern_name);
      gtk_file_filter_add_pattern (filter, pattern);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
      gtk_file_filter_set_name (all, _("All files"));
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
      g_object_unref (filter);
      g_object_unref (all);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "chosen-func", func);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
  return GTK_FILE_CHOOSER (chooser);
}

static GStrv
officers (CustodyWindow *self)
{
  return custody_session_list_officers (self->session);
}

/* ---- Workspace ---------------------------------------------------------------- */

static void
open_chosen (CustodyWindow *self,
             GFile         *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    custody_window_open_workspace (self, path);
}

static void
action_open (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  choose_file (user_data, _("Open Workspace"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"),
               NULL, NULL, NULL, open_chosen);
}

static void
action_create (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  CustodyWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (custody_init_dialog_new (GTK_WINDOW (self), self->session)));
}

static void
action_close (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  CustodyWindow *self = user_data;

  custody_session_close (self->session);
}

static void
action_refresh (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CustodyWindow *self = user_data;

  custody_session_refresh_async (self->session, on_job_done, g_object_ref (self));
}

/* ---- Requests ------------------------------------------------------------------ */

static void
import_chosen (CustodyWindow *self,
               GFile         *file)
{
  adw_view_stack_set_visible_child_name (self->view_stack, "requests");
  custody_inbox_page_import (self->inbox_page, file);
}

static void
action_import_request (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  choose_file (user_data, _("Import Request"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), NULL,
               "*.request", _("Delegation requests"), import_chosen);
}

typedef struct {
  CustodyWindow *window;
  char          *request_id;
  gboolean       approve;
} Decision;

static void
decision_free (Decision *decision)
{
  g_object_unref (decision->window);
  g_free (decision->request_id);
  g_free (decision);
}

static void
on_decision_passphrase (ChainSecret *passphrase,
                        const char  *officer,
                        gpointer     user_data)
{
  Decision *decision = user_data;

  if (passphrase != NULL)
    custody_session_approve_async (decision->window->session, decision->request_id, decision->approve, officer,
                                   passphrase, on_job_done, g_object_ref (decision->window));
  decision_free (decision);
}

static void
decide (CustodyWindow *self,
        gboolean       approve)
{
  CustodyRequest *request = custody_inbox_page_get_selected (self->inbox_page);
  g_auto(GStrv) names = officers (self);
  Decision *decision = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  if (request == NULL || custody_request_get_request_id (request) == NULL)
    return;
  decision = g_new0 (Decision, 1);
  decision->window = g_object_ref (self);
  decision->request_id = g_strdup (custody_request_get_request_id (request));
  decision->approve = approve;
  if (approve)
    {
      heading = g_strdup_printf (_("Approve the Request of %s"), custody_request_get_org (request));
      body = g_strdup_printf (_("Your approval is recorded in the ledger, signed by your officer key. "
                                "%u of %u officers have approved so far."),
                              custody_request_get_approvals (request), custody_request_get_threshold (request));
    }
  else
    {
      heading = g_strdup_printf (_("Reject the Request of %s"), custody_request_get_org (request));
      body = g_strdup (_("The rejection is recorded in the ledger and ends the request; "
                         "the requester must send a new one."));
    }
  custody_passphrase_dialog_run (GTK_WIDGET (self), heading, body, (const char *const *) names,
                                 approve ? _("_Approve") : _("_Reject"), on_decision_passphrase, decision);
}

static void
action_approve (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  decide (user_data, TRUE);
}

static void
action_reject (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  decide (user_data, FALSE);
}

static void
action_delegate (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CustodyWindow *self = user_data;
  CustodyRequest *request = custody_inbox_page_get_selected (self->inbox_page);

  if (request == NULL || custody_request_get_file (request) == NULL)
    return;
  gtk_window_present (GTK_WINDOW (custody_delegate_dialog_new (GTK_WINDOW (self), self->session, request)));
}

static void
action_dismiss_request (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  CustodyWindow *self = user_data;
  CustodyRequest *request = custody_inbox_page_get_selected (self->inbox_page);
  g_autofree char *id = NULL;

  if (request == NULL)
    return;
  id = g_strdup (custody_request_get_custodian_id (request));
  custody_session_dismiss_request (self->session, id);
}

/* ---- Export, revocation --------------------------------------------------------- */

/* Ctrl+E and the menu: this workspace's own CA, whatever row is selected
 * (what an officer exports for a cloud is their own CA). */
static void
action_export (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  CustodyWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (custody_export_dialog_new (GTK_WINDOW (self), self->session,
                                                             custody_session_get_custodian_id (self->session))));
}

/* The Export button of a custodian's details: that custodian's CA. */
static void
action_export_custodian (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  CustodyWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (custody_export_dialog_new (GTK_WINDOW (self), self->session,
                                                             g_variant_get_string (parameter, NULL))));
}

static void
action_revoke (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  CustodyWindow *self = user_data;
  CustodyActionContext context = { 0 };

  context.self_id = custody_session_get_custodian_id (self->session);
  context.node = custody_tree_page_get_selected (self->tree_page);
  gtk_window_present (GTK_WINDOW (custody_revoke_dialog_new (GTK_WINDOW (self), self->session,
                                                             custody_actions_revocable_custodian (&context))));
}

typedef struct {
  CustodyWindow *window;
  char          *dir;
} CrlRequest;

/* A job that writes files somewhere: its toast opens that folder. */
typedef struct {
  CustodyWindow *window;
  char          *folder;
} OutputJob;

static void
on_output_job_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  OutputJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (custody_session_finish (CUSTODY_SESSION (source), result, &message, &error))
    custody_window_toast_output (job->window, message, job->folder);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    custody_show_error (GTK_WIDGET (job->window), _("That Did Not Work"), error);
  g_object_unref (job->window);
  g_free (job->folder);
  g_free (job);
}

static void
on_crl_passphrase (ChainSecret *passphrase,
                   const char  *officer,
                   gpointer     user_data)
{
  CrlRequest *crl = user_data;

  if (passphrase != NULL)
    {
      OutputJob *job = g_new0 (OutputJob, 1);

      job->window = g_object_ref (crl->window);
      job->folder = g_strdup (crl->dir);
      custody_session_publish_crl_async (crl->window->session, crl->dir, officer, passphrase, on_output_job_done,
                                         job);
    }
  g_object_unref (crl->window);
  g_free (crl->dir);
  g_free (crl);
}

void
custody_window_publish_crl (CustodyWindow *self,
                            const char    *dir)
{
  g_auto(GStrv) names = officers (self);
  CrlRequest *crl = g_new0 (CrlRequest, 1);
  g_autofree char *body = g_strdup_printf (_("Your CA signs a current CRL; it and the clouds’ disable lists are "
                                             "written to %s."), dir);

  crl->window = g_object_ref (self);
  crl->dir = g_strdup (dir);
  custody_passphrase_dialog_run (GTK_WIDGET (self), _("Publish the CRL"), body, (const char *const *) names,
                                 _("_Publish"), on_crl_passphrase, crl);
}

static void
crl_chosen (CustodyWindow *self,
            GFile         *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    custody_window_publish_crl (self, path);
}

static void
action_publish_crl (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CustodyWindow *self = user_data;
  g_autofree char *path = g_build_filename (custody_session_get_dir (self->session), "crl", NULL);
  g_autoptr(GFile) folder = NULL;
  GtkFileChooser *chooser = NULL;

  /* A folder to start in, not wherever GTK last was: the workspace's crl/. */
  if (g_mkdir_with_parents (path, 0755) != 0)
    g_clear_pointer (&path, g_free);
  chooser = choose_file (self, _("Publish the CRL to a Folder"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"),
                         NULL, NULL, NULL, crl_chosen);
  folder = g_file_new_for_path (path != NULL ? path : custody_session_get_dir (self->session));
  gtk_file_chooser_set_current_folder (chooser, folder, NULL);
}

/* ---- Officers, notes -------------------------------------------------------------- */

static void
action_officers (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CustodyWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (custody_officers_dialog_new (GTK_WINDOW (self), self->session)));
}

static void
action_annotate (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CustodyWindow *self = user_data;

  /* The note will top the timeline: show it there. */
  adw_view_stack_set_visible_child_name (self->view_stack, "ledger");
  gtk_window_present (GTK_WINDOW (custody_annotate_dialog_new (GTK_WINDOW (self), self->session)));
}

/* ---- Audit -------------------------------------------------------------------- */

static void
action_audit (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  CustodyWindow *self = user_data;

  adw_view_stack_set_visible_child_name (self->view_stack, "audit");
  custody_session_start_audit (self->session);
}

static void
action_cancel_audit (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  CustodyWindow *self = user_data;

  custody_audit_cancel (custody_session_get_audit (self->session));
}

/* ---- Sync ----------------------------------------------------------------------- */

static void
on_sync_response (AdwMessageDialog *dialog,
                  const char       *response,
                  CustodyWindow    *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "remote");
  GtkCheckButton *check = g_object_get_data (G_OBJECT (dialog), "remember");
  g_autofree char *remote = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_strcmp0 (response, "sync") != 0 || remote[0] == '\0')
    return;
  g_settings_set_string (self->settings, "last-remote", remote);
  custody_session_sync_async (self->session, remote, gtk_check_button_get_active (check) ? "origin" : NULL,
                              on_job_done, g_object_ref (self));
}

static void
action_sync (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  CustodyWindow *self = user_data;
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Sync With a Remote"),
                                              _("New records are fetched and audited before the ledger moves onto "
                                                "them; then yours are pushed. Give a remote name, a URL or a path."));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *entry = gtk_entry_new ();
  GtkWidget *check = gtk_check_button_new_with_mnemonic (_("_Remember as “origin”"));
  g_autofree char *last = g_settings_get_string (self->settings, "last-remote");

  gtk_editable_set_text (GTK_EDITABLE (entry), last);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Remote"), -1);
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), check);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "sync", _("_Sync"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sync", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "sync");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "remote", entry);
  g_object_set_data (G_OBJECT (dialog), "remember", check);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_sync_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
custody_window_bundle_create (CustodyWindow *self,
                              const char    *path)
{
  custody_session_bundle_create_async (self->session, path, on_job_done, g_object_ref (self));
}

void
custody_window_bundle_import (CustodyWindow *self,
                              const char    *path)
{
  custody_session_bundle_import_async (self->session, path, on_job_done, g_object_ref (self));
}

static void
bundle_create_chosen (CustodyWindow *self,
                      GFile         *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    custody_window_bundle_create (self, path);
}

static void
bundle_import_chosen (CustodyWindow *self,
                      GFile         *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    custody_window_bundle_import (self, path);
}

static void
action_bundle_create (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  CustodyWindow *self = user_data;
  g_autofree char *name = g_strdup_printf ("%s.bundle", custody_session_get_custodian_id (self->session));

  choose_file (self, _("Create Bundle File"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Create"), name,
               "*.bundle", _("Ledger bundles"), bundle_create_chosen);
}

static void
action_bundle_import (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  choose_file (user_data, _("Import Bundle File"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), NULL,
               "*.bundle", _("Ledger bundles"), bundle_import_chosen);
}

static void
action_cancel_job (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  CustodyWindow *self = user_data;

  custody_session_cancel (self->session);
}

/* ---- Navigation --------------------------------------------------------------- */

static void
action_back (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  AdwLeaflet *leaflet = custody_window_get_current_leaflet (user_data);

  if (leaflet != NULL)
    adw_leaflet_set_visible_child_name (leaflet, "list");
}

static void
action_show_page (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  CustodyWindow *self = user_data;

  if (custody_session_get_is_open (self->session))
    adw_view_stack_set_visible_child_name (self->view_stack, g_variant_get_string (parameter, NULL));
}

static void
on_folder_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CustodyWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    custody_show_error (GTK_WIDGET (self), _("Could Not Open the Folder"), error);
}

/* A toast's Open Folder: where an export, a grant or a CRL went. */
static void
action_open_folder (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CustodyWindow *self = user_data;
  g_autoptr(GFile) folder = g_file_new_for_path (g_variant_get_string (parameter, NULL));
  g_autofree char *uri = g_file_get_uri (folder);

  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_folder_opened, g_object_ref (self));
}

/* A toast's Show Location…: the folder's path to copy, or to open. */
static void
action_show_output (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  custody_output_dialog_present (GTK_WINDOW (user_data), g_variant_get_string (parameter, NULL));
}

/* Ctrl+F: find a record in the ledger. */
static void
action_find (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  CustodyWindow *self = user_data;

  adw_view_stack_set_visible_child_name (self->view_stack, "ledger");
  custody_timeline_page_start_search (self->timeline_page);
}

/* Ctrl+L: go to a record by its number. */
static void
action_go_to_record (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  CustodyWindow *self = user_data;

  adw_view_stack_set_visible_child_name (self->view_stack, "ledger");
  custody_timeline_page_go_to_record (self->timeline_page);
}

/* Ctrl+Shift+F: what the ledger says about one device. */
static void
action_lookup_device (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  CustodyWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (custody_device_dialog_new (GTK_WINDOW (self), self->session)));
}

static const GActionEntry entries[] = {
  { "open", action_open },
  { "create", action_create },
  { "close", action_close },
  { "refresh", action_refresh },
  { "import-request", action_import_request },
  { "approve", action_approve },
  { "reject", action_reject },
  { "delegate", action_delegate },
  { "dismiss-request", action_dismiss_request },
  { "export", action_export },
  { "export-custodian", action_export_custodian, "s" },
  { "revoke", action_revoke },
  { "publish-crl", action_publish_crl },
  { "officers", action_officers },
  { "annotate", action_annotate },
  { "audit", action_audit },
  { "cancel-audit", action_cancel_audit },
  { "sync", action_sync },
  { "bundle-create", action_bundle_create },
  { "bundle-import", action_bundle_import },
  { "cancel-job", action_cancel_job },
  { "find", action_find },
  { "go-to-record", action_go_to_record },
  { "lookup-device", action_lookup_device },
  { "open-folder", action_open_folder, "s" },
  { "show-output", action_show_output, "s" },
  { "back", action_back },
  { "show-page", action_show_page, "s" },
};

void
custody_window_install_actions (CustodyWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  custody_window_update_actions (self);
}

void
custody_window_update_actions (CustodyWindow *self)
{
  CustodyActionContext context = { 0 };
  const char *const *names = custody_actions_list ();
  GAction *action = NULL;
  guint i;

  context.open = custody_session_get_is_open (self->session);
  context.joined = custody_session_get_joined (self->session);
  context.busy = custody_session_get_busy (self->session);
  context.audit_running = custody_audit_get_running (custody_session_get_audit (self->session));
  context.self_id = custody_session_get_custodian_id (self->session);
  context.request = custody_inbox_page_get_selected (self->inbox_page);
  context.node = custody_tree_page_get_selected (self->tree_page);
  for (i = 0; names[i] != NULL; i++)
    {
      action = g_action_map_lookup_action (G_ACTION_MAP (self), names[i]);
      if (action != NULL)
        g_simple_action_set_enabled (G_SIMPLE_ACTION (action), custody_actions_is_enabled (&context, names[i]));
    }
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "back");
  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), gtk_widget_get_visible (GTK_WIDGET (self->back_button)));
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "show-page");
  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), context.open);
}
