/* test-report-data.c — the charts' series, from a real ledger
 *
 * The ledger is `chain demo`'s (root Widget Ltd; CM A with Dist X below
 * it; CM B): Dist X issued 8 devices in one batch; a second batch of 5 is
 * issued here with `chain issue`. The series must say so, with the CAs in
 * custody-tree order, and read back what reconcile summarised.
 */
#include "test-cli.h"

#include <glib/gstdio.h>
#include <string.h>

static char *demo_tmp;
static char *demo_dir;

/* A cloud device id that tries everything: markup, quotes, an ampersand,
 * a bidi override and a BEL. */
#define HOSTILE_ID "<script>alert(1)</script>\"'&\xe2\x80\xae\x07x"

static void
demo_setup (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *passphrase = NULL;
  g_autofree char *dist = NULL;
  g_autofree char *batch = NULL;
  int status;

  demo_tmp = test_cli_demo_new (&demo_dir);
  passphrase = g_build_filename (demo_dir, "passphrase", NULL);
  dist = g_build_filename (demo_dir, "dist-x", NULL);
  batch = g_build_filename (demo_tmp, "batch-2", NULL);
  status = test_support_run ((const char *const[]) { test_cli_bin (), "-C", dist, "--passphrase-file", passphrase,
                                                     "issue", "--count", "5", "--prefix", "extra-", "-o", batch,
                                                     NULL },
                             NULL, &out, &err);
  ck_assert_msg (status == 0, "chain issue exited %d: %s", status, err);
}

static void
demo_teardown (void)
{
  if (demo_tmp != NULL)
    test_support_tmpdir_remove (demo_tmp);
  g_clear_pointer (&demo_tmp, g_free);
  g_clear_pointer (&demo_dir, g_free);
}

static ChainWorkspace *
open_dist (void)
{
  g_autofree char *dir = g_build_filename (demo_dir, "dist-x", NULL);
  g_autoptr(GError) error = NULL;
  ChainWorkspace *workspace = chain_workspace_open (dir, NULL, &error);

  ck_assert_msg (workspace != NULL, "%s", error != NULL ? error->message : "");
  return workspace;
}

static char *
summary_path (void)
{
  return g_build_filename (demo_dir, "dist-x", CHAIN_RECONCILE_SUMMARY_FILE, NULL);
}

static ChainReportData *
data_at (ChainWorkspace *workspace,
         gint64          now)
{
  g_autoptr(GError) error = NULL;
  ChainReportData *data = chain_report_data_new_for_workspace (workspace, now, NULL, &error);

  ck_assert_msg (data != NULL, "%s", error != NULL ? error->message : "");
  return data;
}

START_TEST (test_issued_per_custodian)
{
  g_autoptr(ChainWorkspace) workspace = open_dist ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(ChainReportData) data = data_at (workspace, now);
  const ChainReportIssued *series;
  gint64 first = 0;
  gint64 last = 0;

  /* Only Dist X issued devices; the others have no quota: no series. */
  ck_assert_uint_eq (chain_report_data_get_n_issued (data), 1);
  series = chain_report_data_get_issued (data, 0);
  ck_assert_str_eq (series->name, "Dist X");
  ck_assert_str_eq (series->tier, "distributor");
  ck_assert_uint_eq (series->total, 13);
  ck_assert_uint_eq (series->quota, 0);
  /* Both batches were issued today: one point, a UTC midnight. */
  ck_assert_uint_eq (series->n_points, 1);
  ck_assert_uint_eq (series->points[0].issued, 13);
  ck_assert_uint_eq (series->points[0].total, 13);
  ck_assert_int_eq (series->points[0].day % (24 * 60 * 60), 0);
  ck_assert_int_le (series->points[0].day, now);
  ck_assert_int_gt (series->points[0].day + 24 * 60 * 60, now - 3600);
  ck_assert (chain_report_data_get_day_range (data, &first, &last));
  ck_assert_int_eq (first, series->points[0].day);
  ck_assert_int_eq (last, series->points[0].day);
  ck_assert_uint_eq (chain_report_data_get_max_issued (data), 13);
}
END_TEST

START_TEST (test_ca_validity)
{
  g_autoptr(ChainWorkspace) workspace = open_dist ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(ChainReportData) data = data_at (workspace, now);
  g_autoptr(ChainReportData) later = NULL;
  g_autoptr(ChainReportData) after = NULL;
  const char *names[] = { "Widget Ltd", "CM A", "Dist X", "CM B" };
  guint depths[] = { 0, 1, 2, 1 };
  const ChainReportCa *dist;

  ck_assert_uint_eq (chain_report_data_get_n_cas (data), 4);
  for (guint i = 0; i < 4; i++)
    {
      const ChainReportCa *ca = chain_report_data_get_ca (data, i);

      ck_assert_str_eq (ca->name, names[i]);
      ck_assert_uint_eq (ca->depth, depths[i]);
      ck_assert_int_eq (ca->status, CHAIN_CUSTODY_STATUS_VALID);
      ck_assert (!ca->expiring);
      ck_assert_int_lt (ca->not_before, ca->not_after);
    }
  dist = chain_report_data_get_ca (data, 2);

  /* Within CHAIN_EXPIRY_WARNING_DAYS of its end, Dist X's CA expires soon
   * and the others (longer-lived) do not. */
  later = data_at (workspace, dist->not_after - (CHAIN_EXPIRY_WARNING_DAYS - 1) * 24 * 60 * 60);
  ck_assert (chain_report_data_get_ca (later, 2)->expiring);
  ck_assert (!chain_report_data_get_ca (later, 0)->expiring);
  ck_assert (!chain_report_data_get_ca (later, 1)->expiring);
  /* After its end it is expired, no longer "expiring". */
  after = data_at (workspace, dist->not_after + 1);
  ck_assert_int_eq (chain_report_data_get_ca (after, 2)->status, CHAIN_CUSTODY_STATUS_EXPIRED);
  ck_assert (!chain_report_data_get_ca (after, 2)->expiring);
  {
    g_autofree char *text = chain_report_data_dup_validity_summary (later);

    ck_assert_msg (strstr (text, "Dist X") != NULL, "%s", text);
  }
}
END_TEST

START_TEST (test_reconcile_summary)
{
  g_autoptr(ChainWorkspace) workspace = open_dist ();
  g_autoptr(ChainReconcile) reconcile = chain_reconcile_new ();
  g_autoptr(ChainReportData) before = NULL;
  g_autoptr(ChainReportData) data = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = summary_path ();
  g_autofree char *text = NULL;
  g_autofree char *cloud = NULL;
  const char *files[] = { "things.json", NULL };
  const ChainReportReconcile *summary;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_unlink (path);
  before = data_at (workspace, now);
  ck_assert_ptr_null (chain_report_data_get_reconcile (before));

  /* One device the ledger never issued, with a hostile id; dist-x-dev-1
   * is seen; the other 12 are never seen. */
  cloud = g_strdup_printf ("{\"things\": [{\"thingName\": \"%s\"}, {\"thingName\": \"dist-x-dev-1\"}]}",
                           "<script>alert(1)</script>\\\"'&\\u202e\\u0007x");
  stream = g_memory_input_stream_new_from_data (cloud, (gssize) strlen (cloud), NULL);
  ck_assert (chain_reconcile_load_ledger (reconcile, workspace, NULL, &error));
  ck_assert_msg (chain_reconcile_read_stream (reconcile, stream, "things.json", NULL, NULL, &error), "%s",
                 error != NULL ? error->message : "");
  ck_assert (chain_reconcile_compare (reconcile, NULL, &error));
  ck_assert (chain_reconcile_write_summary (reconcile, files, now, path, &error));

  data = data_at (workspace, now);
  summary = chain_report_data_get_reconcile (data);
  ck_assert_ptr_nonnull (summary);
  ck_assert_int_eq (summary->time, now);
  ck_assert_uint_eq (summary->n_files, 1);
  ck_assert_str_eq (summary->files[0], "things.json");
  ck_assert_uint_eq (summary->ledger_devices, 13);
  ck_assert_uint_eq (summary->seen, 1);
  ck_assert_uint_eq (summary->needs_action, chain_reconcile_get_n_needing_action (reconcile));
  ck_assert_uint_ge (summary->counts[CHAIN_RECONCILE_NOT_ISSUED][0] + summary->counts[CHAIN_RECONCILE_NOT_ISSUED][1], 1);
  ck_assert_uint_eq (summary->n_findings, chain_reconcile_get_n_findings (reconcile));
  /* The summary keeps the cloud's text as it was; showing it sanitizes. */
  {
    gboolean found = FALSE;

    for (guint i = 0; i < summary->n_findings; i++)
      if (g_strcmp0 (summary->findings[i].device_id, HOSTILE_ID) == 0)
        {
          found = TRUE;
          ck_assert_int_eq (summary->findings[i].kind, CHAIN_RECONCILE_NOT_ISSUED);
          ck_assert_str_eq (summary->findings[i].source, "things.json");
        }
    ck_assert (found);
  }
  text = chain_report_data_dup_reconcile_summary (data);
  ck_assert_msg (strstr (text, "\xe2\x80\xae") == NULL && strchr (text, '\a') == NULL, "%s", text);
  g_unlink (path);
}
END_TEST

START_TEST (test_summary_refused)
{
  g_autoptr(ChainWorkspace) workspace = open_dist ();
  g_autofree char *path = summary_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainReportData) data = NULL;
  const char *bad[] = { "not json", "{\"time\": 1}", "[]" };
  g_autofree char *huge = g_strnfill (2 * 1024 * 1024, ' ');

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      test_support_write_file (path, bad[i], strlen (bad[i]));
      data = chain_report_data_new_for_workspace (workspace, 0, NULL, &error);
      ck_assert_ptr_null (data);
      ck_assert_msg (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT), "%s",
                     error != NULL ? error->message : "no error");
      ck_assert_msg (strstr (error->message, "run chain reconcile again") != NULL, "%s", error->message);
      g_clear_error (&error);
    }
  test_support_write_file (path, huge, strlen (huge));
  data = chain_report_data_new_for_workspace (workspace, 0, NULL, &error);
  ck_assert_ptr_null (data);
  ck_assert (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT));
  g_unlink (path);
}
END_TEST

START_TEST (test_issued_summary_text)
{
  g_autoptr(ChainWorkspace) workspace = open_dist ();
  g_autoptr(ChainReportData) data = data_at (workspace, g_get_real_time () / G_USEC_PER_SEC);
  g_autofree char *text = chain_report_data_dup_issued_summary (data);

  ck_assert_str_eq (text, "Dist X issued 13 devices.");
}
END_TEST

static Suite *
report_data_suite (void)
{
  Suite *s = suite_create ("report-data");
  TCase *tc = tcase_create ("series");

  tcase_add_unchecked_fixture (tc, demo_setup, demo_teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_issued_per_custodian);
  tcase_add_test (tc, test_ca_validity);
  tcase_add_test (tc, test_reconcile_summary);
  tcase_add_test (tc, test_summary_refused);
  tcase_add_test (tc, test_issued_summary_text);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return test_support_run_suite (report_data_suite ());
}
