/* test-workspace.c — workspaces, request files, delegation, acceptance
 *
 * Real workspaces in a temporary directory: an OEM made by
 * chain_workspace_init(), children by chain_workspace_request(), grants
 * carried as git bundles. Every documented error of chain-workspace.h and
 * chain-delegation.h is provoked, and a refused action must leave the
 * ledger (its tip and the pin) and the directory as they were.
 */
#include "test-support.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "chain-workspace-private.h"

static char *tmpdir;
static ChainSecret *passphrase;

static void
setup (void)
{
  tmpdir = test_support_tmpdir_new ();
  passphrase = test_support_passphrase ();
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&passphrase, chain_secret_free);
}

static char *
path_in (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static ChainWorkspace *
make_oem (const ChainPolicy *policy)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = path_in ("oem");
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  ChainWorkspace *ws = NULL;

  options.org = "Widget Ltd";
  options.id = "oem";
  options.officer = "olivia";
  options.policy = policy;
  options.passphrase = passphrase;
  ws = chain_workspace_init (dir, &options, NULL, &error);
  test_assert_no_error (error);
  return ws;
}

/* A child workspace NAME with its request at NAME.request. */
static ChainWorkspace *
make_child (const char *name,
            const char *tier,
            const char *under)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = path_in (name);
  g_autofree char *file = g_strdup_printf ("%s.request", name);
  g_autofree char *request = path_in (file);
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  ChainWorkspace *ws = NULL;

  options.org = name;
  options.id = name;
  options.tier = tier;
  options.namespace = under;
  options.passphrase = passphrase;
  ws = chain_workspace_request (dir, &options, request, NULL, &error);
  test_assert_no_error (error);
  return ws;
}

static ChainRequestFile *
load_request (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_strdup_printf ("%s.request", name);
  g_autofree char *path = path_in (file);
  ChainRequestFile *request = chain_request_file_load (path, &error);

  test_assert_no_error (error);
  return request;
}

/* Delegates to child NAME and writes NAME.grant. */
static void
delegate (ChainWorkspace *parent,
          const char     *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRequestFile) request = load_request (name);
  g_autofree char *file = g_strdup_printf ("%s.grant", name);
  g_autofree char *grant = path_in (file);

  ck_assert (chain_workspace_delegate (parent, request, NULL, grant, &(ChainDelegateOutcome) { 0 }, NULL, &error));
  test_assert_no_error (error);
}

static void
accept_grant (ChainWorkspace *child,
              const char     *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_strdup_printf ("%s.grant", name);
  g_autofree char *grant = path_in (file);

  ck_assert (chain_workspace_accept (child, grant, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
}

/* The ledger's tip and the pin file, to compare before and after. */
static char *
ledger_fingerprint (ChainWorkspace *ws)
{
  g_autofree char *pin_path = chain_workspace_dup_pin_path (ws);
  g_autofree char *pin = NULL;
  g_autoptr(ChainLedger) ledger = NULL;
  g_autofree char *repo = chain_workspace_build_path (ws, CHAIN_WORKSPACE_LEDGER_DIR);

  ledger = chain_ledger_open (repo, NULL, NULL);
  g_file_get_contents (pin_path, &pin, NULL, NULL);
  return g_strdup_printf ("%s %" G_GUINT64_FORMAT " %s", ledger != NULL ? chain_ledger_get_tip_commit_id (ledger) : "-",
                          ledger != NULL ? chain_ledger_get_length (ledger) : 0, pin != NULL ? pin : "-");
}

static guint
mode_of (const char *path)
{
  struct stat st;

  ck_assert_int_eq (g_stat (path, &st), 0);
  return st.st_mode & 0777;
}

/* ---- Init and open ------------------------------------------------------- */

START_TEST (test_init_layout_and_modes)
{
  g_autoptr(ChainWorkspace) ws = make_oem (NULL);
  g_autofree char *private_dir = path_in ("oem/private");
  g_autofree char *ca_key = path_in ("oem/private/ca.key");
  g_autofree char *officer_key = path_in ("oem/private/officer-olivia.key");
  g_autofree char *root = path_in ("oem/certs/root.pem");
  g_autofree char *text = NULL;

  ck_assert_uint_eq (mode_of (private_dir), 0700);
  ck_assert_uint_eq (mode_of (ca_key), 0600);
  ck_assert_uint_eq (mode_of (officer_key), 0600);
  ck_assert (g_file_get_contents (ca_key, &text, NULL, NULL));
  ck_assert (g_str_has_prefix (text, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
  ck_assert (g_file_test (root, G_FILE_TEST_IS_REGULAR));
  ck_assert_uint_eq (chain_ledger_get_length (chain_workspace_get_ledger (ws)), 1);
  ck_assert_str_eq (chain_workspace_get_tier (ws), "oem");
  ck_assert_str_eq (chain_workspace_get_unlocked_officer (ws), "olivia");
  ck_assert_ptr_nonnull (chain_workspace_get_custodian (ws));
}
END_TEST

START_TEST (test_init_refuses_existing_workspace)
{
  g_autoptr(ChainWorkspace) ws = make_oem (NULL);
  g_autoptr(ChainWorkspace) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = path_in ("oem");
  g_autofree char *before = ledger_fingerprint (ws);
  g_autofree char *after = NULL;
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;

  options.org = "Other";
  options.passphrase = passphrase;
  again = chain_workspace_init (dir, &options, NULL, &error);
  ck_assert_ptr_null (again);
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  after = ledger_fingerprint (ws);
  ck_assert_str_eq (before, after);
}
END_TEST

START_TEST (test_init_bad_options_leave_nothing)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = path_in ("bad");
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;

  options.org = "Widget";
  options.passphrase = passphrase;
  options.validity_days = 100000;
  ck_assert_ptr_null (chain_workspace_init (dir, &options, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!g_file_test (dir, G_FILE_TEST_EXISTS));

  options.validity_days = 0;
  options.tier = "distributor";
  ck_assert_ptr_null (chain_workspace_init (dir, &options, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  options.tier = NULL;
  options.org = "";
  ck_assert_ptr_null (chain_workspace_init (dir, &options, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  options.org = "Widget";
  chain_policy_set_algorithm_allowed (policy, CHAIN_KEY_ALGORITHM_EC_P256, FALSE);
  options.policy = policy;
  ck_assert_ptr_null (chain_workspace_init (dir, &options, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!g_file_test (dir, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_open_errors)
{
  g_autoptr(ChainWorkspace) ws = make_oem (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *nowhere = path_in ("nowhere");
  g_autofree char *dir = path_in ("oem");
  g_autofree char *private_dir = path_in ("oem/private");
  g_autofree char *file = path_in ("oem/workspace.json");
  g_autofree char *saved = NULL;

  ck_assert_ptr_null (chain_workspace_open (nowhere, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);

  ck_assert_int_eq (g_chmod (private_dir, 0755), 0);
  ck_assert_ptr_null (chain_workspace_open (dir, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INSECURE);
  ck_assert_int_eq (g_chmod (private_dir, 0700), 0);

  ck_assert (g_file_get_contents (file, &saved, NULL, NULL));
  test_support_write_file (file, "{\"version\": 1}", 14);
  ck_assert_ptr_null (chain_workspace_open (dir, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  test_support_write_file (file, "\x01\x02garbage", 9);
  ck_assert_ptr_null (chain_workspace_open (dir, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  test_support_write_file (file, saved, strlen (saved));
  g_clear_pointer (&ws, chain_workspace_free);
  ws = chain_workspace_open (dir, NULL, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_ledger_state_get_n_records (chain_workspace_get_state (ws)), 1);
}
END_TEST

START_TEST (test_unlock_errors)
{
  g_autoptr(ChainWorkspace) made = make_oem (NULL);
  g_autoptr(ChainWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) wrong = chain_secret_new ("not the passphrase", 18);
  g_autofree char *dir = path_in ("oem");

  ws = chain_workspace_open (dir, NULL, &error);
  test_assert_no_error (error);
  ck_assert (!chain_workspace_unlock (ws, NULL, wrong, &error));
  test_assert_error (error, CHAIN_ERROR_PASSPHRASE);
  ck_assert (!chain_workspace_unlock (ws, "oscar", passphrase, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (!chain_workspace_unlock (ws, "../ca", passphrase, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (chain_workspace_annotate (ws, "locked", NULL, NULL, &error) == FALSE);
  test_assert_error (error, CHAIN_ERROR_PASSPHRASE);
  ck_assert (chain_workspace_unlock (ws, NULL, passphrase, &error));
  test_assert_no_error (error);
  ck_assert (chain_workspace_annotate (ws, "unlocked", NULL, NULL, &error));
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_find_ca)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = chain_cert_dup_thumbprint_hex (chain_workspace_get_ca (oem), CHAIN_DIGEST_SHA256);
  g_autofree char *prefix = g_ascii_strup (sha, 10);

  ck_assert_ptr_eq (chain_workspace_find_ca (oem, NULL, &error), chain_workspace_get_ca (oem));
  ck_assert (chain_cert_equal (chain_workspace_find_ca (oem, "oem", &error), chain_workspace_get_ca (oem)));
  ck_assert (chain_cert_equal (chain_workspace_find_ca (oem, "Widget Ltd", &error), chain_workspace_get_ca (oem)));
  ck_assert (chain_cert_equal (chain_workspace_find_ca (oem, prefix, &error), chain_workspace_get_ca (oem)));
  test_assert_no_error (error);
  ck_assert_ptr_null (chain_workspace_find_ca (oem, "nobody", &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_officers)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *text = g_strnfill (4097, 'x');
  guint64 seq = 0;

  ck_assert (chain_workspace_add_officer (oem, "oscar", passphrase, &seq, NULL, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (seq, 1);
  names = chain_workspace_list_officers (oem);
  ck_assert_uint_eq (g_strv_length (names), 2);
  ck_assert_str_eq (names[0], "olivia");
  ck_assert_str_eq (names[1], "oscar");
  before = ledger_fingerprint (oem);
  ck_assert (!chain_workspace_add_officer (oem, "oscar", passphrase, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  ck_assert (!chain_workspace_add_officer (oem, "bad/name", passphrase, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_workspace_annotate (oem, text, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  after = ledger_fingerprint (oem);
  ck_assert_str_eq (before, after);
}
END_TEST

/* ---- Request files ------------------------------------------------------- */

START_TEST (test_request_file_round_trip)
{
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(ChainRequestFile) request = load_request ("cm-a");
  g_autoptr(ChainName) subject = chain_csr_dup_subject (chain_request_file_get_ca_csr (request));
  g_autofree char *text = chain_name_to_string (subject);
  g_autofree char *ledger = path_in ("cm-a/ledger.git");

  ck_assert_str_eq (chain_request_file_get_custodian_id (request), "cm-a");
  ck_assert_str_eq (chain_request_file_get_tier (request), "manufacturer");
  ck_assert_str_eq (text, "CN=cm-a CA,O=cm-a");
  ck_assert (!chain_workspace_has_ledger (cm));
  ck_assert (!g_file_test (ledger, G_FILE_TEST_EXISTS));
}
END_TEST

/* Each mangling of a good request file, and the error it must give. */
static const struct {
  const char *from;
  const char *to;
  int         code;
} request_edits[] = {
  { "\"manufacturer\"", "\"oem\"", CHAIN_ERROR_VERIFY },
  { "\"cm-a\",", "\"cm-b\",", CHAIN_ERROR_VERIFY },
  { "\"time\": ", "\"time\": 1", CHAIN_ERROR_VERIFY },
  { "libchain-delegation-request", "libchain-grant", CHAIN_ERROR_INVALID_INPUT },
  { "\"version\": 1", "\"version\": 2", CHAIN_ERROR_INVALID_INPUT },
  { "\"signature\"", "\"signatures\"", CHAIN_ERROR_INVALID_INPUT },
};

START_TEST (test_request_file_edited_is_refused)
{
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in ("cm-a.request");
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  g_auto(GStrv) parts = NULL;

  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (text, request_edits[_i].from));
  parts = g_strsplit (text, request_edits[_i].from, 2);
  edited = g_strjoin (request_edits[_i].to, parts[0], parts[1], NULL);
  test_support_write_file (path, edited, strlen (edited));
  ck_assert_ptr_null (chain_request_file_load (path, &error));
  test_assert_error (error, request_edits[_i].code);
}
END_TEST

START_TEST (test_request_file_bad_bytes)
{
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in ("cm-a.request");
  g_autofree char *text = NULL;
  g_autofree char *big = g_strnfill (CHAIN_REQUEST_FILE_MAX_SIZE + 1, ' ');
  g_autofree char *missing = path_in ("missing.request");
  gsize len = 0;

  ck_assert (g_file_get_contents (path, &text, &len, NULL));
  test_support_write_file (path, text, len / 2);
  ck_assert_ptr_null (chain_request_file_load (path, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  test_support_write_file (path, "", 0);
  ck_assert_ptr_null (chain_request_file_load (path, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  test_support_write_file (path, "\x89PNG\r\n\x1a\n\0\0\xff", 11);
  ck_assert_ptr_null (chain_request_file_load (path, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  test_support_write_file (path, big, strlen (big));
  ck_assert_ptr_null (chain_request_file_load (path, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (chain_request_file_load (missing, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_request_refuses_existing_output)
{
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = path_in ("cm-b");
  g_autofree char *request = path_in ("cm-a.request");
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;

  options.org = "CM B";
  options.tier = "manufacturer";
  options.passphrase = passphrase;
  ck_assert_ptr_null (chain_workspace_request (dir, &options, request, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  ck_assert (!g_file_test (dir, G_FILE_TEST_EXISTS));
  options.tier = NULL;
  g_clear_pointer (&request, g_free);
  request = path_in ("cm-b.request");
  ck_assert_ptr_null (chain_workspace_request (dir, &options, request, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!g_file_test (dir, G_FILE_TEST_EXISTS));
  ck_assert (!g_file_test (request, G_FILE_TEST_EXISTS));
}
END_TEST

/* ---- Delegation and acceptance ------------------------------------------- */

START_TEST (test_three_tiers)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(ChainWorkspace) dist = NULL;
  g_autoptr(ChainWorkspace) reopened = NULL;
  g_autoptr(ChainAuditReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = path_in ("dist-x");
  g_autofree char *repo = path_in ("dist-x/ledger.git");
  GPtrArray *chain = NULL;

  delegate (oem, "cm-a");
  accept_grant (cm, "cm-a");
  /* The distributor's namespace lies inside CM A's constraint, O=cm-a. */
  dist = make_child ("dist-x", "distributor", "O=cm-a");
  delegate (cm, "dist-x");
  accept_grant (dist, "dist-x");
  chain = chain_workspace_get_ca_chain (dist);
  ck_assert_uint_eq (chain->len, 3);
  ck_assert_uint_eq (chain_ledger_get_length (chain_workspace_get_ledger (dist)), 7);
  ck_assert_int_eq (chain_cert_get_path_len (chain->pdata[0]), 0);

  reopened = chain_workspace_open (dir, NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_workspace_has_ledger (reopened));
  ck_assert (chain_cert_equal (chain_workspace_get_ca (reopened), chain->pdata[0]));
  ck_assert (chain_audit_repository (repo, NULL, &report, NULL, &error));
  test_assert_no_error (error);
  ck_assert_msg (chain_audit_report_is_ok (report), "%s", chain_audit_report_to_text (report, FALSE));
}
END_TEST

START_TEST (test_delegate_refused_by_policy)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(ChainWorkspace) dist = make_child ("dist-x", "distributor", NULL);
  g_autoptr(ChainRequestFile) request = load_request ("dist-x");
  g_autoptr(ChainDelegationPreview) preview = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *grant = path_in ("dist-x.grant");
  g_autofree char *before = ledger_fingerprint (oem);
  g_autofree char *after = NULL;

  preview = chain_workspace_preview_delegation (oem, request, NULL, &error);
  test_assert_no_error (error);
  ck_assert (!preview->allowed);
  ck_assert_ptr_nonnull (strstr (preview->refusal, "distributor"));
  ck_assert (!chain_workspace_delegate (oem, request, NULL, grant, &(ChainDelegateOutcome) { 0 }, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_REFUSED);
  ck_assert (!g_file_test (grant, G_FILE_TEST_EXISTS));
  after = ledger_fingerprint (oem);
  ck_assert_str_eq (before, after);
}
END_TEST

START_TEST (test_delegate_path_length_and_validity_limits)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(ChainRequestFile) request = load_request ("cm-a");
  g_autoptr(GError) error = NULL;
  g_autofree char *grant = path_in ("cm-a.grant");
  g_autofree char *before = ledger_fingerprint (oem);
  g_autofree char *after = NULL;
  ChainDelegateOptions options = CHAIN_DELEGATE_OPTIONS_INIT;

  options.path_len = 2;
  ck_assert (!chain_workspace_delegate (oem, request, &options, grant, &(ChainDelegateOutcome) { 0 }, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_REFUSED);
  options.path_len = -1;
  options.validity_days = 20000;
  ck_assert (!chain_workspace_delegate (oem, request, &options, grant, &(ChainDelegateOutcome) { 0 }, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_REFUSED);
  after = ledger_fingerprint (oem);
  ck_assert_str_eq (before, after);
  ck_assert (!g_file_test (grant, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_delegate_twice_rewrites_grant)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(ChainRequestFile) request = load_request ("cm-a");
  g_autoptr(GError) error = NULL;
  g_autofree char *grant = path_in ("cm-a.grant");
  g_autofree char *grant2 = path_in ("cm-a-again.grant");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  delegate (oem, "cm-a");
  before = ledger_fingerprint (oem);
  ck_assert (!chain_workspace_delegate (oem, request, NULL, grant, &(ChainDelegateOutcome) { 0 }, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  ck_assert (chain_workspace_delegate (oem, request, NULL, grant2, &(ChainDelegateOutcome) { 0 }, NULL, &error));
  test_assert_no_error (error);
  after = ledger_fingerprint (oem);
  ck_assert_str_eq (before, after);
  ck_assert (chain_workspace_accept (cm, grant2, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_threshold_needs_approval)
{
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  g_autoptr(ChainWorkspace) oem = NULL;
  g_autoptr(ChainWorkspace) oscar = NULL;
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(ChainRequestFile) request = load_request ("cm-a");
  g_autoptr(ChainDelegationPreview) preview = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *grant = path_in ("cm-a.grant");
  g_autofree char *dir = path_in ("oem");
  ChainDelegateOutcome outcome;
  guint64 length;

  chain_policy_set_threshold (policy, CHAIN_RECORD_TYPE_DELEGATION, 2);
  oem = make_oem (policy);
  ck_assert (chain_workspace_add_officer (oem, "oscar", passphrase, NULL, NULL, &error));
  test_assert_no_error (error);
  length = chain_ledger_get_length (chain_workspace_get_ledger (oem));

  /* Recorded, waiting for approvals: a result, not an error. */
  ck_assert (chain_workspace_delegate (oem, request, NULL, grant, &outcome, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (outcome.status, CHAIN_DELEGATE_AWAITING_APPROVALS);
  ck_assert_uint_eq (outcome.agreed, 1);
  ck_assert_uint_eq (outcome.threshold, 2);
  ck_assert_uint_eq (strlen (outcome.request_id), 32);
  ck_assert_uint_eq (chain_delegation_count_missing (chain_workspace_get_state (oem),
                                                     chain_ledger_state_find_request (chain_workspace_get_state (oem),
                                                                                      outcome.request_id),
                                                     NULL), 1);
  ck_assert_uint_eq (chain_ledger_get_length (chain_workspace_get_ledger (oem)), length + 1);
  ck_assert (!g_file_test (grant, G_FILE_TEST_EXISTS));

  /* Olivia cannot approve twice: her signature on the delegation counts. */
  oscar = chain_workspace_open (dir, NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_workspace_unlock (oscar, "oscar", passphrase, &error));
  test_assert_no_error (error);
  ck_assert (!chain_workspace_approve (oscar, "nobody", TRUE, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (chain_workspace_approve (oscar, "cm-a", TRUE, NULL, NULL, &error));
  test_assert_no_error (error);
  /* Approved already: the request exists as asked, nothing failed to
   * verify (so `chain approve` twice exits 1, not 3). */
  length = chain_ledger_get_length (chain_workspace_get_ledger (oscar));
  ck_assert (!chain_workspace_approve (oscar, "cm-a", TRUE, NULL, NULL, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "approved"));
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  ck_assert_uint_eq (chain_ledger_get_length (chain_workspace_get_ledger (oscar)), length);

  ck_assert (chain_workspace_refresh (oem, NULL, NULL, &error));
  test_assert_no_error (error);
  preview = chain_workspace_preview_delegation (oem, request, NULL, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (preview->approvals, 1);
  ck_assert_uint_eq (preview->threshold, 2);
  ck_assert (chain_workspace_delegate (oem, request, NULL, grant, &(ChainDelegateOutcome) { 0 }, NULL, &error));
  test_assert_no_error (error);
  ck_assert (chain_workspace_accept (cm, grant, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_rejected_request)
{
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  g_autoptr(ChainWorkspace) oem = NULL;
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(ChainRequestFile) request = load_request ("cm-a");
  g_autoptr(GError) error = NULL;
  g_autofree char *grant = path_in ("cm-a.grant");
  ChainDelegateOutcome outcome;
  const ChainLedgerState *state = NULL;

  chain_policy_set_threshold (policy, CHAIN_RECORD_TYPE_DELEGATION, 2);
  oem = make_oem (policy);
  ck_assert (!chain_workspace_approve (oem, "cm-a", FALSE, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (chain_workspace_delegate (oem, request, NULL, grant, &outcome, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (outcome.status, CHAIN_DELEGATE_AWAITING_APPROVALS);
  ck_assert (chain_workspace_approve (oem, "cm-a", FALSE, NULL, NULL, &error));
  test_assert_no_error (error);
  state = chain_workspace_get_state (oem);
  ck_assert_uint_eq (chain_ledger_state_get_n_requests (state), 1);
  ck_assert_int_eq (chain_ledger_request_get_status (chain_ledger_state_get_request (state, 0)),
                    CHAIN_REQUEST_STATUS_REJECTED);
  ck_assert (!g_file_test (grant, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_accept_grant_for_another_workspace)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(ChainWorkspace) cm_a = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(ChainWorkspace) cm_b = make_child ("cm-b", "manufacturer", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *grant = path_in ("cm-b.grant");
  g_autofree char *ledger = path_in ("cm-a/ledger.git");
  g_autofree char *pin = path_in ("cm-a/pinned-tip");

  delegate (oem, "cm-b");
  ck_assert (!chain_workspace_accept (cm_a, grant, NULL, NULL, NULL, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "cm-b"));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (!g_file_test (ledger, G_FILE_TEST_EXISTS));
  ck_assert (!g_file_test (pin, G_FILE_TEST_EXISTS));
  ck_assert (!chain_workspace_has_ledger (cm_a));
  accept_grant (cm_b, "cm-b");
  ck_assert (!chain_workspace_accept (cm_b, grant, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_JOINED_ALREADY);
}
END_TEST

/* A grant whose sub-CA the parent revoked before acceptance is refused
 * with what to do, and the workspace stays unjoined. */
START_TEST (test_accept_revoked_delegation)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(ChainRevocation) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *oem_ledger = path_in ("oem/ledger.git");
  g_autofree char *grant = path_in ("cm-a-revoked.grant");
  const char *const custodians[] = { "cm-a", NULL };

  delegate (oem, "cm-a");
  plan = chain_workspace_plan_revocation (oem, NULL, custodians, NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_workspace_revoke (oem, plan, NULL, NULL, &error));
  test_assert_no_error (error);
  ck_assert (chain_sync_bundle_create (oem_ledger, grant, NULL, NULL, NULL, NULL, &error));
  test_assert_no_error (error);

  ck_assert (!chain_workspace_accept (cm, grant, NULL, NULL, NULL, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "revoked before it was accepted"));
  test_assert_error (error, CHAIN_ERROR_REFUSED);
  ck_assert (!chain_workspace_has_ledger (cm));
}
END_TEST

START_TEST (test_accept_checks_trusted_root)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *grant = path_in ("cm-a.grant");
  g_autofree char *ledger = path_in ("cm-a/ledger.git");
  g_autofree char *root = chain_cert_dup_thumbprint_hex (chain_workspace_get_ca (oem), CHAIN_DIGEST_SHA256);
  const char *wrong = "0000000000000000000000000000000000000000000000000000000000000000";

  delegate (oem, "cm-a");
  ck_assert (!chain_workspace_accept (cm, grant, wrong, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  ck_assert (!g_file_test (ledger, G_FILE_TEST_EXISTS));
  ck_assert (chain_workspace_accept (cm, grant, root, NULL, NULL, &error));
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_accept_bad_grant_files)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(ChainWorkspace) cm = make_child ("cm-a", "manufacturer", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *grant = path_in ("cm-a.grant");
  g_autofree char *bad = path_in ("bad.grant");
  g_autofree char *missing = path_in ("missing.grant");
  g_autofree char *ledger = path_in ("cm-a/ledger.git");
  g_autofree char *data = NULL;
  gsize len = 0;

  delegate (oem, "cm-a");
  ck_assert (g_file_get_contents (grant, &data, &len, NULL));
  test_support_write_file (bad, data, len / 2);
  ck_assert (!chain_workspace_accept (cm, bad, NULL, NULL, NULL, &error));
  ck_assert_ptr_nonnull (error);
  g_clear_error (&error);
  ck_assert (!g_file_test (ledger, G_FILE_TEST_EXISTS));
  test_support_write_file (bad, "", 0);
  ck_assert (!chain_workspace_accept (cm, bad, NULL, NULL, NULL, &error));
  ck_assert_ptr_nonnull (error);
  g_clear_error (&error);
  test_support_write_file (bad, "\xff\xfe garbage \x00\x01", 14);
  ck_assert (!chain_workspace_accept (cm, bad, NULL, NULL, NULL, &error));
  ck_assert_ptr_nonnull (error);
  g_clear_error (&error);
  ck_assert (!chain_workspace_accept (cm, missing, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (!g_file_test (ledger, G_FILE_TEST_EXISTS));
  accept_grant (cm, "cm-a");
}
END_TEST

START_TEST (test_refresh_after_another_writer)
{
  g_autoptr(ChainWorkspace) oem = make_oem (NULL);
  g_autoptr(ChainWorkspace) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = path_in ("oem");
  guint64 added = 0;

  other = chain_workspace_open (dir, NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_workspace_unlock (other, NULL, passphrase, &error));
  ck_assert (chain_workspace_annotate (other, "from the other process", NULL, NULL, &error));
  test_assert_no_error (error);
  /* Appending on a stale state catches up inside the append. */
  ck_assert (chain_workspace_annotate (oem, "from the first", NULL, NULL, &error));
  test_assert_no_error (error);
  ck_assert (chain_workspace_refresh (other, &added, NULL, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (added, 1);
  ck_assert_uint_eq (chain_ledger_state_get_n_records (chain_workspace_get_state (other)), 3);
}
END_TEST

static Suite *
workspace_suite (void)
{
  Suite *suite = suite_create ("workspace");
  TCase *tc = tcase_create ("workspace");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_init_layout_and_modes);
  tcase_add_test (tc, test_init_refuses_existing_workspace);
  tcase_add_test (tc, test_init_bad_options_leave_nothing);
  tcase_add_test (tc, test_open_errors);
  tcase_add_test (tc, test_unlock_errors);
  tcase_add_test (tc, test_find_ca);
  tcase_add_test (tc, test_officers);
  tcase_add_test (tc, test_request_file_round_trip);
  tcase_add_loop_test (tc, test_request_file_edited_is_refused, 0, G_N_ELEMENTS (request_edits));
  tcase_add_test (tc, test_request_file_bad_bytes);
  tcase_add_test (tc, test_request_refuses_existing_output);
  tcase_add_test (tc, test_three_tiers);
  tcase_add_test (tc, test_delegate_refused_by_policy);
  tcase_add_test (tc, test_delegate_path_length_and_validity_limits);
  tcase_add_test (tc, test_delegate_twice_rewrites_grant);
  tcase_add_test (tc, test_threshold_needs_approval);
  tcase_add_test (tc, test_rejected_request);
  tcase_add_test (tc, test_accept_grant_for_another_workspace);
  tcase_add_test (tc, test_accept_checks_trusted_root);
  tcase_add_test (tc, test_accept_revoked_delegation);
  tcase_add_test (tc, test_accept_bad_grant_files);
  tcase_add_test (tc, test_refresh_after_another_writer);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (workspace_suite ());
}
