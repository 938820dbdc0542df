/* gui-fixture.c — a supply chain for Custody's tests, made with libchain */
#include "gui-fixture.h"

#include <glib/gstdio.h>

#include "chain-issue.h"
#include "chain-revoke.h"

#define DAYS_CM_A 60

static ChainWorkspace *
open_unlocked (const char *dir,
               const char *officer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  ChainWorkspace *workspace = chain_workspace_open (dir, NULL, &error);

  test_assert_no_error (error);
  ck_assert_msg (chain_workspace_unlock (workspace, officer, passphrase, &error),
                 "%s", error != NULL ? error->message : "?");
  return workspace;
}

char *
gui_fixture_request (const char *dir,
                     const char *id,
                     const char *org,
                     const char *tier,
                     const char *namespace)
{
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  g_autoptr(ChainWorkspace) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *child_dir = g_build_filename (dir, id, NULL);
  g_autofree char *name = g_strdup_printf ("%s.request", id);
  char *path = g_build_filename (dir, name, NULL);

  options.org = org;
  options.id = id;
  options.tier = tier;
  options.namespace = namespace;
  options.passphrase = passphrase;
  child = chain_workspace_request (child_dir, &options, path, NULL, &error);
  test_assert_no_error (error);
  return path;
}

static ChainRequestFile *
load_request (const char *path)
{
  g_autoptr(GError) error = NULL;
  ChainRequestFile *request = chain_request_file_load (path, &error);

  test_assert_no_error (error);
  return request;
}

/* The k-of-n dance: the first officer records the request, the second
 * approves, the first delegates and writes the grant. With @grant NULL
 * it stops after recording. */
static void
delegate (const char *parent_dir,
          const char *second_officer,
          const char *request_path,
          gint64      validity_days,
          const char *grant)
{
  g_autoptr(ChainRequestFile) request = load_request (request_path);
  ChainDelegateOptions options = CHAIN_DELEGATE_OPTIONS_INIT;
  ChainDelegateOutcome outcome;
  g_autoptr(GError) error = NULL;
  g_autofree char *scratch = g_strconcat (request_path, ".first-try", NULL);
  g_autoptr(ChainWorkspace) first = open_unlocked (parent_dir, NULL);
  g_autoptr(ChainWorkspace) second = NULL;

  options.validity_days = validity_days;
  ck_assert (chain_workspace_delegate (first, request, &options, scratch, &outcome, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (outcome.status, CHAIN_DELEGATE_AWAITING_APPROVALS);
  if (grant == NULL)
    return;
  g_clear_pointer (&first, chain_workspace_free);

  second = open_unlocked (parent_dir, second_officer);
  ck_assert_msg (chain_workspace_approve (second, chain_request_file_get_custodian_id (request), TRUE,
                                      NULL, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
  g_clear_pointer (&second, chain_workspace_free);

  first = open_unlocked (parent_dir, NULL);
  ck_assert_msg (chain_workspace_delegate (first, request, &options, grant, &(ChainDelegateOutcome) { 0 }, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
}

static void
accept (const char *child_dir,
        const char *grant)
{
  g_autoptr(ChainWorkspace) child = open_unlocked (child_dir, NULL);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (chain_workspace_accept (child, grant, NULL, NULL, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
}

static void
add_officer (const char *dir,
             const char *name)
{
  g_autoptr(ChainWorkspace) workspace = open_unlocked (dir, NULL);
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  g_autoptr(GError) error = NULL;

  ck_assert_msg (chain_workspace_add_officer (workspace, name, passphrase, NULL, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
}

static void
annotate (const char *dir,
          const char *text)
{
  g_autoptr(ChainWorkspace) workspace = open_unlocked (dir, NULL);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (chain_workspace_annotate (workspace, text, NULL, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
}

static void
issue_devices (const char *dir,
               const char *out_dir,
               guint       count)
{
  g_autoptr(ChainWorkspace) workspace = open_unlocked (dir, NULL);
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  ChainIssueDevicesOptions options = CHAIN_ISSUE_DEVICES_OPTIONS_INIT;
  g_autoptr(ChainIssueSource) source = NULL;
  g_autoptr(GError) error = NULL;

  source = chain_issue_source_new_count ("widget-", 1, count, &error);
  test_assert_no_error (error);
  options.output_dir = out_dir;
  options.key_passphrase = passphrase;
  options.jobs = 1;
  ck_assert_msg (chain_issue_devices (workspace, source, &options, NULL, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
}

static void
revoke_custodian (const char *dir,
                  const char *custodian)
{
  g_autoptr(ChainWorkspace) workspace = open_unlocked (dir, NULL);
  const char *custodians[] = { custodian, NULL };
  ChainRevokeOptions options = CHAIN_REVOKE_OPTIONS_INIT;
  g_autoptr(ChainRevocation) plan = NULL;
  g_autoptr(GError) error = NULL;

  plan = chain_workspace_plan_revocation (workspace, NULL, custodians, NULL, &error);
  test_assert_no_error (error);
  options.reason = CHAIN_REVOCATION_CESSATION_OF_OPERATION;
  ck_assert_msg (chain_workspace_revoke (workspace, plan, &options, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
}

void
gui_fixture_carry_bundle (const char *from,
                          const char *to,
                          const char *bundle)
{
  g_autoptr(ChainWorkspace) source = NULL;
  g_autoptr(ChainWorkspace) target = NULL;
  g_autofree char *pin = g_build_filename (to, CHAIN_SYNC_PIN_FILE, NULL);
  ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;

  source = chain_workspace_open (from, NULL, &error);
  test_assert_no_error (error);
  ck_assert_msg (chain_sync_bundle_create (chain_ledger_get_path (chain_workspace_get_ledger (source)),
                                       bundle, NULL, NULL, NULL, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
  target = chain_workspace_open (to, NULL, &error);
  test_assert_no_error (error);
  options.pin_path = pin;
  options.verify = chain_audit_sync_verify;
  ck_assert_msg (chain_sync_bundle_import (chain_ledger_get_path (chain_workspace_get_ledger (target)),
                                       bundle, &options, NULL, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
}

void
gui_fixture_make (GuiFixture *fixture,
                  const char *dir)
{
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  g_autoptr(ChainWorkspace) oem = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cm_a_request = NULL;
  g_autofree char *dist_x_request = NULL;
  g_autofree char *cm_d_request = NULL;
  g_autofree char *cm_e_request = NULL;
  g_autofree char *grant = g_build_filename (dir, "grant", NULL);
  g_autofree char *dist_x = g_build_filename (dir, "dist-x", NULL);
  g_autofree char *devices = g_build_filename (dir, "devices", NULL);
  g_autofree char *bundle = g_build_filename (dir, "cm-a.bundle", NULL);
  const guint8 *secret = NULL;
  gsize secret_len = 0;

  fixture->dir = g_strdup (dir);
  fixture->oem = g_build_filename (dir, "oem", NULL);
  fixture->cm_a = g_build_filename (dir, "cm-a", NULL);
  fixture->passphrase_file = g_build_filename (dir, "passphrase", NULL);
  secret = chain_secret_get_data (passphrase, &secret_len);
  ck_assert_msg (g_file_set_contents_full (fixture->passphrase_file, (const char *) secret, (gssize) secret_len,
                                       G_FILE_SET_CONTENTS_NONE, 0600, &error),
                 "%s", error != NULL ? error->message : "?");

  chain_policy_set_threshold (policy, CHAIN_RECORD_TYPE_DELEGATION, 2);
  options.org = "Widget Devices GmbH";
  options.id = "oem";
  options.policy = policy;
  options.passphrase = passphrase;
  oem = chain_workspace_init (fixture->oem, &options, NULL, &error);
  test_assert_no_error (error);
  g_clear_pointer (&oem, chain_workspace_free);
  add_officer (fixture->oem, "oscar");

  cm_a_request = gui_fixture_request (dir, "cm-a", "Contract Assembly A", "manufacturer", NULL);
  delegate (fixture->oem, "oscar", cm_a_request, DAYS_CM_A, grant);
  accept (fixture->cm_a, grant);
  g_remove (grant);
  add_officer (fixture->cm_a, "alan");
  dist_x_request = gui_fixture_request (dir, "dist-x", "Distribution X", "distributor",
                                        "O=Contract Assembly A");
  delegate (fixture->cm_a, "alan", dist_x_request, 0, grant);
  accept (dist_x, grant);
  g_remove (grant);
  issue_devices (dist_x, devices, 5);
  gui_fixture_carry_bundle (dist_x, fixture->oem, bundle);

  fixture->cm_b_request = gui_fixture_request (dir, "cm-b", "Board Works B", "manufacturer", NULL);
  delegate (fixture->oem, "oscar", fixture->cm_b_request, 0, NULL);

  cm_d_request = gui_fixture_request (dir, "cm-d", "Delta Manufacturing", "manufacturer", NULL);
  delegate (fixture->oem, "oscar", cm_d_request, 0, grant);
  g_remove (grant);
  cm_e_request = gui_fixture_request (dir, "cm-e", "Echo Electronics", "manufacturer", NULL);
  delegate (fixture->oem, "oscar", cm_e_request, 0, grant);
  g_remove (grant);
  revoke_custodian (fixture->oem, "cm-e");

  annotate (fixture->oem, "Quarterly key ceremony held with two officers present.");
  fixture->cm_c_request = gui_fixture_request (dir, "cm-c", "Circuit Crafters C", "manufacturer", NULL);
}

void
gui_fixture_clear (GuiFixture *fixture)
{
  g_clear_pointer (&fixture->dir, g_free);
  g_clear_pointer (&fixture->oem, g_free);
  g_clear_pointer (&fixture->cm_a, g_free);
  g_clear_pointer (&fixture->cm_b_request, g_free);
  g_clear_pointer (&fixture->cm_c_request, g_free);
  g_clear_pointer (&fixture->passphrase_file, g_free);
}

void
gui_fixture_wait (gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
}
