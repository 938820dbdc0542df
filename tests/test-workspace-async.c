/* test-workspace-async.c — opening, accepting, preparing an export and planning a revocation off the main thread
 *
 * Each _async/_finish pair on real workspaces (test-custody.h): what it
 * returns when it works, G_IO_ERROR_CANCELLED for a cancellable cancelled
 * before the call, and the blocking call's own error for bad input. The
 * callback runs in the thread-default main context the caller iterates.
 */
#include "test-custody.h"

static TestCustody *custody;
static const char *const device_ids[] = { "async-0001", NULL };

static void
custody_setup (void)
{
  custody = test_custody_new ();
  g_ptr_array_unref (test_custody_issue (custody->dist, device_ids, NULL, FALSE));
}

static void
custody_teardown (void)
{
  g_clear_pointer (&custody, test_custody_free);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  ck_assert_ptr_null (source);
  *out = g_object_ref (result);
}

/* Iterates a main context of this test's own until the callback ran. */
static void
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
}

static GCancellable *
cancelled (void)
{
  GCancellable *cancellable = g_cancellable_new ();

  g_cancellable_cancel (cancellable);
  return cancellable;
}

static void
assert_error (GError *error,
              GQuark  domain,
              int     code)
{
  ck_assert_msg (error != NULL, "no error");
  ck_assert_msg (error->domain == domain && error->code == code, "%s %d: %s", g_quark_to_string (error->domain),
                 error->code, error->message);
}

/* ---- Open ---------------------------------------------------------------------- */

static ChainWorkspace *
open_async (const char    *dir,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chain_workspace_open_async (dir, cancellable, on_done, &result);
  wait_for (&result);
  return chain_workspace_open_finish (result, error);
}

START_TEST (test_open_async)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainWorkspace) ws = open_async (chain_workspace_get_dir (custody->cm), NULL, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (ws);
  ck_assert_str_eq (chain_workspace_get_custodian_id (ws), "cm");
  ck_assert_uint_eq (chain_ledger_state_get_n_records (chain_workspace_get_state (ws)),
                     chain_ledger_state_get_n_records (chain_workspace_get_state (custody->cm)));
}
END_TEST

START_TEST (test_open_async_cancelled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = cancelled ();
  g_autoptr(ChainWorkspace) ws = open_async (chain_workspace_get_dir (custody->cm), cancellable, &error);

  ck_assert_ptr_null (ws);
  assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
END_TEST

START_TEST (test_open_async_missing)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (custody->dir, "nobody", NULL);
  g_autoptr(ChainWorkspace) ws = open_async (dir, NULL, &error);

  ck_assert_ptr_null (ws);
  assert_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

/* ---- Accept ---------------------------------------------------------------------- */

/* A new manufacturer "cm2" of @c's OEM, its grant written, not accepted. */
static ChainWorkspace *
child_with_grant (TestCustody *c,
                  char       **out_grant)
{
  ChainWorkspace *child = test_custody_child (c->oem, c->dir, "cm2", "manufacturer", FALSE);

  *out_grant = g_build_filename (c->dir, "cm2.grant", NULL);
  return child;
}

static gboolean
accept_async (ChainWorkspace *ws,
              const char     *grant,
              const char     *root,
              GCancellable   *cancellable,
              guint64        *out_seq,
              GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chain_workspace_accept_async (ws, grant, root, cancellable, on_done, &result);
  wait_for (&result);
  return chain_workspace_accept_finish (ws, result, out_seq, error);
}

START_TEST (test_accept_async)
{
  g_autoptr(TestCustody) c = test_custody_copy (custody);
  g_autofree char *grant = NULL;
  g_autoptr(ChainWorkspace) child = child_with_grant (c, &grant);
  g_autoptr(GError) error = NULL;
  guint64 seq = 0;

  ck_assert_msg (accept_async (child, grant, NULL, NULL, &seq, &error), "%s", error != NULL ? error->message : "");
  ck_assert (chain_workspace_has_ledger (child));
  ck_assert_uint_eq (seq + 1, chain_ledger_state_get_n_records (chain_workspace_get_state (child)));
}
END_TEST

START_TEST (test_accept_async_cancelled)
{
  g_autoptr(TestCustody) c = test_custody_copy (custody);
  g_autofree char *grant = NULL;
  g_autoptr(ChainWorkspace) child = child_with_grant (c, &grant);
  g_autoptr(GCancellable) cancellable = cancelled ();
  g_autoptr(GError) error = NULL;

  ck_assert (!accept_async (child, grant, NULL, cancellable, NULL, &error));
  assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert (!chain_workspace_has_ledger (child));
}
END_TEST

/* The grant's root is not the one the OEM published. */
START_TEST (test_accept_async_other_root)
{
  g_autoptr(TestCustody) c = test_custody_copy (custody);
  g_autofree char *grant = NULL;
  g_autoptr(ChainWorkspace) child = child_with_grant (c, &grant);
  g_autoptr(GError) error = NULL;
  const char *other = "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e";

  ck_assert (!accept_async (child, grant, other, NULL, NULL, &error));
  assert_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY);
  ck_assert (!chain_workspace_has_ledger (child));
}
END_TEST

/* ---- Prepare an export ---------------------------------------------------------- */

static ChainExport *
prepare_async (const char    *ca,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *ca_copy = g_strdup (ca);
  ChainExportOptions options = CHAIN_EXPORT_OPTIONS_INIT;

  options.target = CHAIN_EXPORT_TARGET_PEM;
  options.ca = ca_copy;
  chain_workspace_prepare_export_async (custody->oem, &options, cancellable, on_done, &result);
  /* The options were copied: the caller's strings may go at once. */
  g_clear_pointer (&ca_copy, g_free);
  wait_for (&result);
  return chain_workspace_prepare_export_finish (custody->oem, result, error);
}

START_TEST (test_prepare_export_async)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainExport) export = prepare_async ("cm", NULL, &error);
  g_autofree char *cm_thumbprint = NULL;

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (export);
  ck_assert_int_eq (chain_export_get_target (export), CHAIN_EXPORT_TARGET_PEM);
  cm_thumbprint = test_custody_thumbprint (chain_workspace_get_ca (custody->cm));
  ck_assert_str_eq (chain_export_get_ca_thumbprint (export), cm_thumbprint);
}
END_TEST

START_TEST (test_prepare_export_async_cancelled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = cancelled ();
  g_autoptr(ChainExport) export = prepare_async ("cm", cancellable, &error);

  ck_assert_ptr_null (export);
  assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
END_TEST

START_TEST (test_prepare_export_async_unknown_ca)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainExport) export = prepare_async ("nobody", NULL, &error);

  ck_assert_ptr_null (export);
  assert_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

/* ---- Plan a revocation ----------------------------------------------------------- */

static ChainRevocation *
plan_async (const char    *device,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  const char *targets[] = { device, NULL };

  chain_workspace_plan_revocation_async (custody->dist, targets, NULL, cancellable, on_done, &result);
  wait_for (&result);
  return chain_workspace_plan_revocation_finish (custody->dist, result, error);
}

START_TEST (test_plan_revocation_async)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRevocation) plan = plan_async (device_ids[0], NULL, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (plan);
  ck_assert_uint_eq (chain_revocation_get_n_items (plan), 1);
  ck_assert_int_lt (chain_revocation_get_seq (plan), 0);
}
END_TEST

START_TEST (test_plan_revocation_async_cancelled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = cancelled ();
  g_autoptr(ChainRevocation) plan = plan_async (device_ids[0], cancellable, &error);

  ck_assert_ptr_null (plan);
  assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
END_TEST

START_TEST (test_plan_revocation_async_unknown_device)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRevocation) plan = plan_async ("never-issued", NULL, &error);

  ck_assert_ptr_null (plan);
  assert_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

static guint criticals;

static void
count_critical (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  criticals++;
}

static gboolean
not_fatal (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  return FALSE;
}

/* A _finish given another workspace than its _async was refuses the result. */
START_TEST (test_finish_checks_source)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ChainRevocation) plan = NULL;
  const char *targets[] = { device_ids[0], NULL };

  chain_workspace_plan_revocation_async (custody->dist, targets, NULL, NULL, on_done, &result);
  wait_for (&result);
  /* Counted instead of aborting (G_DEBUG=fatal-warnings). */
  g_log_set_handler ("libchain", G_LOG_LEVEL_CRITICAL | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION, count_critical,
                     NULL);
  g_test_log_set_fatal_handler (not_fatal, NULL);
  ck_assert_ptr_null (chain_workspace_plan_revocation_finish (custody->cm, result, NULL));
  ck_assert_uint_eq (criticals, 1);
  plan = chain_workspace_plan_revocation_finish (custody->dist, result, NULL);
  ck_assert_ptr_nonnull (plan);
}
END_TEST

static Suite *
workspace_async_suite (void)
{
  Suite *suite = suite_create ("workspace-async");
  TCase *tc = tcase_create ("async");

  tcase_set_timeout (tc, 300);
  tcase_add_unchecked_fixture (tc, custody_setup, custody_teardown);
  tcase_add_test (tc, test_open_async);
  tcase_add_test (tc, test_open_async_cancelled);
  tcase_add_test (tc, test_open_async_missing);
  tcase_add_test (tc, test_accept_async);
  tcase_add_test (tc, test_accept_async_cancelled);
  tcase_add_test (tc, test_accept_async_other_root);
  tcase_add_test (tc, test_prepare_export_async);
  tcase_add_test (tc, test_prepare_export_async_cancelled);
  tcase_add_test (tc, test_prepare_export_async_unknown_ca);
  tcase_add_test (tc, test_plan_revocation_async);
  tcase_add_test (tc, test_plan_revocation_async_cancelled);
  tcase_add_test (tc, test_plan_revocation_async_unknown_device);
  tcase_add_test (tc, test_finish_checks_source);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (workspace_async_suite ());
}
