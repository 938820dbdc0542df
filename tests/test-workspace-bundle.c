/* test-workspace-bundle.c — a bundle imported into a workspace by libchain */
#include "test-custody.h"

static TestCustody *custody;

static void
custody_setup (void)
{
  custody = test_custody_new ();
}

static void
custody_teardown (void)
{
  g_clear_pointer (&custody, test_custody_free);
}

/* The manufacturer, ahead of the OEM (its acceptance, the distributor's
 * delegation), notes something and writes its ledger to a bundle. */
static char *
cm_bundle (TestCustody *c)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (c->dir, "cm.bundle", NULL);

  ck_assert (chain_workspace_annotate (c->cm, "carried by hand", NULL, NULL, &error));
  test_assert_no_error (error);
  ck_assert (chain_sync_bundle_create (chain_ledger_get_path (chain_workspace_get_ledger (c->cm)), path, NULL,
                                       NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  return path;
}

static char *
read_pin (ChainWorkspace *ws)
{
  g_autofree char *path = chain_workspace_dup_pin_path (ws);

  return test_cli_read_file (path, NULL);
}

START_TEST (test_import_audits_pins_refreshes)
{
  g_autoptr(TestCustody) c = test_custody_copy (custody);
  g_autofree char *bundle = cm_bundle (c);
  g_autofree char *pin_before = read_pin (c->oem);
  g_autofree char *pin_after = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 length = chain_ledger_state_get_n_records (chain_workspace_get_state (c->oem));

  ck_assert_msg (chain_workspace_import_bundle (c->oem, bundle, NULL, NULL, &result, NULL, &error),
                 "%s", error->message);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_FAST_FORWARDED);
  /* Refreshed: the state holds the manufacturer's note. */
  ck_assert_uint_gt (chain_ledger_state_get_n_records (chain_workspace_get_state (c->oem)), length);
  pin_after = read_pin (c->oem);
  ck_assert_str_ne (pin_before, pin_after);
  ck_assert_ptr_nonnull (strstr (pin_after, chain_sync_result_get_new_tip (result)));
}
END_TEST

/* Another supply chain's bundle: refused, nothing moves. */
START_TEST (test_import_refuses_another_ledger)
{
  g_autoptr(TestCustody) c = test_custody_copy (custody);
  g_autoptr(TestCustody) other = test_custody_copy (custody);
  g_autofree char *other_dir = g_build_filename (other->dir, "elsewhere", NULL);
  g_autoptr(ChainWorkspace) stranger = test_custody_init (other_dir, "stranger", NULL);
  g_autofree char *bundle = g_build_filename (c->dir, "stranger.bundle", NULL);
  g_autofree char *pin_before = read_pin (c->cm);
  g_autofree char *pin_after = NULL;
  g_autoptr(GError) error = NULL;
  guint64 length = chain_ledger_get_length (chain_workspace_get_ledger (c->cm));

  ck_assert (chain_sync_bundle_create (chain_ledger_get_path (chain_workspace_get_ledger (stranger)), bundle, NULL,
                                       NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  ck_assert (!chain_workspace_import_bundle (c->cm, bundle, NULL, NULL, NULL, NULL, &error));
  ck_assert (error != NULL && error->domain == CHAIN_ERROR);
  g_clear_error (&error);
  ck_assert_uint_eq (chain_ledger_get_length (chain_workspace_get_ledger (c->cm)), length);
  pin_after = read_pin (c->cm);
  ck_assert_str_eq (pin_before, pin_after);
}
END_TEST

static void
on_imported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

START_TEST (test_import_async)
{
  g_autoptr(TestCustody) c = test_custody_copy (custody);
  g_autofree char *bundle = cm_bundle (c);
  g_autoptr(GAsyncResult) async_result = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  chain_workspace_import_bundle_async (c->oem, bundle, NULL, on_imported, &async_result);
  while (async_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ck_assert_msg (chain_workspace_import_bundle_finish (c->oem, async_result, &result, &error),
                 "%s", error->message);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_FAST_FORWARDED);
}
END_TEST

static Suite *
workspace_bundle_suite (void)
{
  Suite *suite = suite_create ("workspace-bundle");
  TCase *import = tcase_create ("import");

  tcase_set_timeout (import, 300);
  tcase_add_unchecked_fixture (import, custody_setup, custody_teardown);
  tcase_add_test (import, test_import_audits_pins_refreshes);
  tcase_add_test (import, test_import_refuses_another_ledger);
  tcase_add_test (import, test_import_async);
  suite_add_tcase (suite, import);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (workspace_bundle_suite ());
}
