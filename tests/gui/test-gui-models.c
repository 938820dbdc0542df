/* test-gui-models.c — Custody's view models and actions, headless
 *
 * Everything the app shows or does goes through the plain GObjects in
 * gui/ (no GTK here): the session and its jobs, the custody tree, the
 * request inbox, the lazy ledger timeline, the audit, the forms of the
 * dialogs and the table of which actions are enabled. They run against
 * real workspaces made with libchain (gui-fixture.c). The first case
 * builds the fixture; cases that change a workspace work on a copy.
 */
#include "gui-fixture.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "custody-actions.h"
#include "custody-annotate-form.h"
#include "custody-delegate-form.h"
#include "custody-error-text.h"
#include "custody-export-form.h"
#include "custody-init-form.h"
#include "custody-officer-form.h"
#include "custody-revoke-form.h"
#include "custody-hex.h"
#include "custody-request-keys.h"
#include "custody-session.h"
#include "custody-timeline-filter.h"
#include "custody-timeline-search.h"
#include "custody-unlock-check.h"

static char *story_dir;        /* built by story_setup(), copied by the cases */
static GuiFixture story;
static char *tmpdir;           /* per case */

/* ---- Helpers ------------------------------------------------------------- */

static void
story_paths (void)
{
  story.dir = g_strdup (story_dir);
  story.oem = g_build_filename (story_dir, "oem", NULL);
  story.cm_a = g_build_filename (story_dir, "cm-a", NULL);
  story.cm_b_request = g_build_filename (story_dir, "cm-b.request", NULL);
  story.cm_c_request = g_build_filename (story_dir, "cm-c.request", NULL);
  story.passphrase_file = g_build_filename (story_dir, "passphrase", NULL);
}

static void
setup (void)
{
  tmpdir = test_support_tmpdir_new ();
  story_paths ();
  ck_assert_msg (g_file_test (story.oem, G_FILE_TEST_IS_DIR), "the story case did not run first");
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  gui_fixture_clear (&story);
}

/* A private copy of the story, for a case that changes it. */
static char *
copy_story (void)
{
  g_autofree char *copy = g_build_filename (tmpdir, "story", NULL);
  const char *argv[] = { "cp", "-a", story_dir, copy, NULL };

  ck_assert_int_eq (test_support_run (argv, NULL, NULL, NULL), 0);
  return g_build_filename (copy, "oem", NULL);
}

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

/* Waits for the job just started; returns its message, or NULL with @error. */
static char *
finish (CustodySession *session,
        Wait           *wait,
        GError        **error)
{
  g_autofree char *message = NULL;
  gboolean ok;

  gui_fixture_wait (&wait->done);
  ok = custody_session_finish (session, wait->result, &message, error);
  g_clear_object (&wait->result);
  return ok ? g_steal_pointer (&message) : NULL;
}

static gpointer
finish_result (CustodySession *session,
               Wait           *wait,
               GError        **error)
{
  gpointer result;

  gui_fixture_wait (&wait->done);
  result = custody_session_finish_result (session, wait->result, error);
  g_clear_object (&wait->result);
  return result;
}

/* Opens the workspace in @dir, whose custodian is called @name. */
static CustodySession *
open_session_of (const char *dir,
                 const char *name)
{
  g_autofree char *opened = g_strdup_printf ("Opened %s", name);
  CustodySession *session = custody_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  Wait wait = { 0 };

  custody_session_open_async (session, dir, on_done, &wait);
  ck_assert (custody_session_get_busy (session));
  ck_assert (custody_session_get_workspace (session) == NULL);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert (!custody_session_get_busy (session));
  ck_assert_str_eq (message, opened);
  ck_assert (custody_session_get_is_open (session));
  return session;
}

static CustodySession *
open_session (const char *dir)
{
  return open_session_of (dir, "Widget Devices GmbH");
}

static CustodyNode *
node (CustodySession *session,
      const char     *id)
{
  CustodyNode *found = custody_tree_model_find (custody_session_get_tree (session), id, NULL);

  ck_assert_msg (found != NULL, "no node %s", id);
  return found;
}

/* The devices part of a custodian row: "tier · DEVICES · until DATE". */
static const char *
row_devices (CustodySession *session,
             const char     *id)
{
  static char part[128];
  const char *summary = custody_node_get_summary (node (session, id));
  const char *start = strstr (summary, " · ");
  const char *end = start != NULL ? strstr (start + strlen (" · "), " · until ") : NULL;

  ck_assert_msg (end != NULL, "%s", summary);
  start += strlen (" · ");
  g_strlcpy (part, start, MIN (sizeof part, (gsize) (end - start) + 1));
  return part;
}

static CustodyRequest *
inbox_item (CustodySession *session,
            const char     *id)
{
  return custody_inbox_find (custody_session_get_inbox (session), id, NULL);
}

static ChainSecret *
wrong_passphrase (void)
{
  return chain_secret_new ("not the passphrase", 18);
}

/* ---- The story --------------------------------------------------------------- */

/* The story every session case copies, built once by the first case that
 * needs it: a fixture, so a story that cannot be built fails those cases
 * rather than passing as a case of its own.
 *
 * It is built in a child process of its own. Check forks each case from
 * this one, and libchain's worker threads and caches would otherwise be
 * inherited half-alive: LeakSanitizer then reports what only those
 * threads still pointed to as leaked, in every case. */
static void
story_setup (void)
{
  g_autofree char *oem = g_build_filename (story_dir, "oem", NULL);
  int status = 0;
  pid_t pid;

  /* A story kept from an earlier run ($CUSTODY_TEST_STORY) is used as it is. */
  if (g_file_test (oem, G_FILE_TEST_IS_DIR))
    return;
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      GuiFixture fixture = { 0 };

      gui_fixture_make (&fixture, story_dir);
      status = g_file_test (fixture.cm_c_request, G_FILE_TEST_IS_REGULAR) ? 0 : 1;
      gui_fixture_clear (&fixture);
      exit (status);
    }
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "building the story failed (status %d)", status);
}

/* ---- Formatting ----------------------------------------------------------------- */

static const struct {
  ChainCustodyStatus status;
  gint64             days_left;
  guint              window;
  CustodyHealth      expected;
} health_cases[] = {
  { CHAIN_CUSTODY_STATUS_VALID, 400, 90, CUSTODY_HEALTH_VALID },
  { CHAIN_CUSTODY_STATUS_VALID, 90, 90, CUSTODY_HEALTH_EXPIRING },
  { CHAIN_CUSTODY_STATUS_VALID, 91, 90, CUSTODY_HEALTH_VALID },
  { CHAIN_CUSTODY_STATUS_VALID, 1, 1, CUSTODY_HEALTH_EXPIRING },
  { CHAIN_CUSTODY_STATUS_EXPIRED, -3, 90, CUSTODY_HEALTH_EXPIRED },
  { CHAIN_CUSTODY_STATUS_REVOKED, 400, 90, CUSTODY_HEALTH_REVOKED },
  { CHAIN_CUSTODY_STATUS_REVOKED, 10, 90, CUSTODY_HEALTH_REVOKED },
  { CHAIN_CUSTODY_STATUS_PENDING, 10, 90, CUSTODY_HEALTH_AWAITING },
  { CHAIN_CUSTODY_STATUS_RETIRED, 400, 90, CUSTODY_HEALTH_RETIRED },
};

START_TEST (test_health)
{
  gint64 now = 1700000000;

  ck_assert_int_eq (custody_health_from_status (health_cases[_i].status,
                                                now + health_cases[_i].days_left * CUSTODY_DAY, now,
                                                health_cases[_i].window),
                    health_cases[_i].expected);
  ck_assert_str_ne (custody_health_to_label (health_cases[_i].expected), "");
}
END_TEST

static const struct {
  const char *recent[4];
  const char *dir;
  guint       max;
  const char *expected[4];
} recent_cases[] = {
  { { NULL }, "/a", 3, { "/a", NULL } },
  { { "/b", "/c", NULL }, "/a", 3, { "/a", "/b", "/c", NULL } },
  { { "/b", "/a", "/c", NULL }, "/a", 3, { "/a", "/b", "/c", NULL } },
  { { "/b", "/c", "/d", NULL }, "/a", 2, { "/a", "/b", NULL } },
  { { "/a", NULL }, "/a", 3, { "/a", NULL } },
};

/* Validity left: days up to two years, whole years beyond. */
START_TEST (test_validity_words)
{
  gint64 day = 24 * 60 * 60;
  g_autofree char *ten_years = custody_format_validity (0, 3652 * day + 60, 0);
  g_autofree char *one_year = custody_format_validity (0, 400 * day + 60, 0);

  ck_assert_msg (strstr (ten_years, "(expires in 10 years)") != NULL, "%s", ten_years);
  ck_assert_msg (strstr (one_year, "(expires in 400 days)") != NULL, "%s", one_year);
}
END_TEST

START_TEST (test_recent)
{
  g_auto(GStrv) list = custody_recent_add (recent_cases[_i].recent, recent_cases[_i].dir, recent_cases[_i].max);

  ck_assert (g_strv_equal ((const char *const *) list, recent_cases[_i].expected));
}
END_TEST

/* Custody shows others' text through libchain's one sanitizer: each
 * hostile character gives way, the note's line breaks stay. */
START_TEST (test_sanitize)
{
  g_autofree char *clean = custody_format_sanitize ("a\033[2Jb\rc\nd\xff" "e\x7f" "f\xc2\x9b" "g\xe2\x80\xae"
                                                    "h\xe2\x81\xa6" "i\xe2\x80\xa8" "j\xe2\x80\x8f" "k\a");

  ck_assert_str_eq (clean, "a?[2Jb c\nd\xef\xbf\xbd" "e?f?g?h?i?j?k?");
}
END_TEST

/* ---- Session and custody tree ------------------------------------------------- */

/* Hashes, serials and thumbprints: one case, grouped, the plain value kept for Copy. */
START_TEST (test_hex)
{
  g_autofree char *grouped = custody_hex_group ("CD02785198875CCC101EE090534C9EB6");
  g_autofree char *plain = NULL;
  g_autofree char *markup = custody_hex_markup ("631 bytes · SHA-256 F80CE0FA3DC53C5EE78A275D813D3AEF <b>", &plain);
  g_autofree char *none = NULL;
  g_autofree char *words = custody_hex_markup ("Dist X & co", &none);

  ck_assert_str_eq (grouped, "cd02 7851 9887 5ccc 101e e090 534c 9eb6");
  ck_assert (custody_hex_is_value ("68fa4b538a4bae0b"));
  ck_assert (!custody_hex_is_value ("68fa4b538a4bae0"));          /* too short for a hash */
  ck_assert (!custody_hex_is_value ("68fa4b538a4bae0g"));
  ck_assert (!custody_hex_is_value ("2026-12-07"));
  ck_assert_str_eq (plain, "f80ce0fa3dc53c5ee78a275d813d3aef");
  ck_assert_str_eq (markup, "631 bytes · SHA-256 <span font_family=\"monospace\">f80c e0fa 3dc5 3c5e e78a 275d "
                            "813d 3aef</span> &lt;b&gt;");
  ck_assert_ptr_null (none);
  ck_assert_str_eq (words, "Dist X &amp; co");
}
END_TEST

START_TEST (test_tree)
{
  g_autoptr(CustodySession) session = open_session (story.oem);
  CustodyTreeModel *tree = custody_session_get_tree (session);
  const char *order[] = { "oem", "cm-a", "dist-x", "cm-d", "cm-e", "cm-b", NULL };
  const guint depths[] = { 0, 1, 2, 1, 1, 1 };
  GPtrArray *fields = NULL;
  const char *sha256 = NULL;
  guint i;

  ck_assert_str_eq (custody_session_get_title (session), "Widget Devices GmbH");
  ck_assert_str_eq (custody_session_get_subtitle (session), "oem · oem");
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (tree)), g_strv_length ((char **) order));
  for (i = 0; order[i] != NULL; i++)
    {
      g_autoptr(CustodyNode) item = g_list_model_get_item (G_LIST_MODEL (tree), i);

      ck_assert_str_eq (custody_node_get_id (item), order[i]);
      ck_assert_uint_eq (custody_node_get_depth (item), depths[i]);
    }

  ck_assert_int_eq (custody_node_get_health (node (session, "oem")), CUSTODY_HEALTH_VALID);
  ck_assert (custody_node_get_is_self (node (session, "oem")));
  ck_assert_int_eq (custody_node_get_health (node (session, "cm-a")), CUSTODY_HEALTH_EXPIRING);
  ck_assert_int_eq (custody_node_get_health (node (session, "dist-x")), CUSTODY_HEALTH_EXPIRING);
  ck_assert_int_eq (custody_node_get_health (node (session, "cm-b")), CUSTODY_HEALTH_REQUESTED);
  /* The count the inbox shows (libchain's), not approvals of the threshold. */
  ck_assert_msg (g_str_has_suffix (custody_node_get_summary (node (session, "cm-b")),
                                   " · requested · needs 1 more approval"),
                 "%s", custody_node_get_summary (node (session, "cm-b")));
  ck_assert_int_eq (custody_node_get_health (node (session, "cm-d")), CUSTODY_HEALTH_AWAITING);
  ck_assert_int_eq (custody_node_get_health (node (session, "cm-e")), CUSTODY_HEALTH_REVOKED);
  ck_assert_uint_eq (custody_node_get_n_devices (node (session, "dist-x")), 5);
  /* Every custodian row counts its devices and the revoked ones. */
  ck_assert_str_eq (row_devices (session, "dist-x"), "5 devices, none revoked");
  ck_assert_str_eq (row_devices (session, "oem"), "no devices");
  ck_assert_str_eq (row_devices (session, "cm-e"), "no devices");
  ck_assert_uint_eq (custody_tree_model_count_health (tree, CUSTODY_HEALTH_EXPIRING), 2);

  /* Details on selection: subject, key, validity, path length,
   * constraints as text, thumbprints, devices, officers. */
  fields = custody_node_get_fields (node (session, "cm-a"));
  ck_assert_str_eq (custody_fields_lookup (fields, "Subject"), "CN=Contract Assembly A CA,O=Contract Assembly A");
  ck_assert_str_eq (custody_fields_lookup (fields, "Key"), "ECDSA P-256");
  ck_assert_str_eq (custody_fields_lookup (fields, "Path length"), "1");
  ck_assert_ptr_nonnull (strstr (custody_fields_lookup (fields, "Name constraints"), "permitted:dirName:"));
  ck_assert_ptr_nonnull (strstr (custody_fields_lookup (fields, "Validity"), "expires in"));
  sha256 = custody_fields_lookup (fields, "SHA-256 thumbprint");
  ck_assert_uint_eq (strlen (sha256), 64);
  ck_assert_uint_eq (strlen (custody_fields_lookup (fields, "SHA-1 thumbprint")), 40);
  ck_assert_str_eq (custody_fields_lookup (fields, "Delegated by"), "Widget Devices GmbH");
  ck_assert_str_eq (custody_fields_lookup (fields, "Officers"), "officer\nalan");
  ck_assert_str_eq (custody_fields_lookup (custody_node_get_fields (node (session, "dist-x")), "Devices issued"), "5");
  ck_assert_str_eq (custody_fields_lookup (custody_node_get_fields (node (session, "cm-b")), "Approvals"), "0 of 2");

  /* A narrower expiry window: CM A's 60 days are no longer "soon". */
  custody_session_set_expiry_window_days (session, 30);
  ck_assert_int_eq (custody_node_get_health (node (session, "cm-a")), CUSTODY_HEALTH_VALID);
  custody_session_set_expiry_window_days (session, 61);
  ck_assert_int_eq (custody_node_get_health (node (session, "cm-a")), CUSTODY_HEALTH_EXPIRING);

  custody_session_close (session);
  ck_assert (!custody_session_get_is_open (session));
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (tree)), 0);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (custody_session_get_timeline (session))), 0);
}
END_TEST

START_TEST (test_open_errors)
{
  g_autoptr(CustodySession) session = custody_session_new ();
  g_autofree char *missing = g_build_filename (tmpdir, "nowhere", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  Wait first = { 0 };
  Wait second = { 0 };

  custody_session_open_async (session, missing, on_done, &first);
  message = finish (session, &first, &error);
  ck_assert_ptr_null (message);
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (!custody_session_get_is_open (session));

  /* One job at a time: a second while the first runs is refused. */
  first.done = FALSE;
  custody_session_open_async (session, story.oem, on_done, &first);
  custody_session_open_async (session, story.oem, on_done, &second);
  message = finish (session, &second, &error);
  test_assert_error (error, CHAIN_ERROR_CONFLICT);
  g_clear_pointer (&message, g_free);
  message = finish (session, &first, &error);
  test_assert_no_error (error);
  ck_assert (custody_session_get_is_open (session));
}
END_TEST

START_TEST (test_create)
{
  g_autoptr(CustodySession) session = custody_session_new ();
  g_autoptr(CustodyInitForm) form = custody_init_form_new ();
  g_autofree char *dir = g_build_filename (tmpdir, "new-oem", NULL);
  ChainWorkspaceOptions options;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  Wait wait = { 0 };

  g_object_set (form, "dir", dir, "org", "Acme Sensors", "algorithm", 1, "validity-days", 3650, NULL);
  chain_policy_set_threshold (custody_init_form_get_policy (form), CHAIN_RECORD_TYPE_EXPORT, 2);
  custody_init_form_policy_changed (form);
  custody_init_form_set_passphrase (form, "correct horse battery staple");
  custody_init_form_set_confirmation (form, "correct horse battery staple");
  ck_assert_msg (custody_init_form_get_options (form, &options), "%s", custody_init_form_get_problem (form));

  custody_session_create_async (session, dir, &options, on_done, &wait);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert_str_eq (message, "Created the ledger of Acme Sensors");
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (custody_session_get_tree (session))), 1);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (custody_session_get_timeline (session))), 1);
  ck_assert_str_eq (custody_fields_lookup (custody_node_get_fields (node (session, "acme-sensors")), "Key"),
                    "ECDSA P-384");
  ck_assert_uint_eq (chain_policy_get_threshold (chain_ledger_state_get_policy (
                       chain_workspace_get_state (custody_session_get_workspace (session))), CHAIN_RECORD_TYPE_EXPORT), 2);

  /* `chain init` refuses to make a second workspace in the same place. */
  wait.done = FALSE;
  custody_session_create_async (session, dir, &options, on_done, &wait);
  g_clear_pointer (&message, g_free);
  message = finish (session, &wait, &error);
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  ck_assert (custody_session_get_is_open (session));
}
END_TEST

/* ---- The create form ------------------------------------------------------------ */

typedef enum {
  BREAK_NOTHING,
  BREAK_DIR,
  BREAK_ORG,
  BREAK_ID,
  BREAK_OFFICER,
  BREAK_POLICY,
  BREAK_ALGORITHM,
  BREAK_VALIDITY,
  BREAK_SHORT,
  BREAK_MISMATCH,
} Break;

static const struct {
  Break       what;
  const char *problem;
} init_cases[] = {
  { BREAK_NOTHING, NULL },
  { BREAK_DIR, "Choose a folder for the new workspace" },
  { BREAK_ORG, "Enter the organisation’s name" },
  { BREAK_ID, "custodian id" },
  { BREAK_OFFICER, "officer name 'o/../x' is not usable" },
  { BREAK_POLICY, "max_path_len" },
  { BREAK_ALGORITHM, "The policy does not allow RSA 2048 keys" },
  { BREAK_VALIDITY, "at most 7305 days" },
  { BREAK_SHORT, "at least 8 characters" },
  { BREAK_MISMATCH, "The two passphrases differ" },
};

START_TEST (test_init_form)
{
  g_autoptr(CustodyInitForm) form = custody_init_form_new ();
  ChainPolicy *policy = custody_init_form_get_policy (form);
  Break what = init_cases[_i].what;
  ChainWorkspaceOptions options;

  ck_assert (!custody_init_form_get_valid (form));
  g_object_set (form, "dir", what == BREAK_DIR ? "" : "/tmp/x",
                "org", what == BREAK_ORG ? "   " : "Acme",
                "custodian-id", what == BREAK_ID ? "Not An Id!" : "",
                "officer", what == BREAK_OFFICER ? "o/../x" : "olivia",
                "algorithm", what == BREAK_ALGORITHM ? 2 : 0,
                "validity-days", what == BREAK_VALIDITY ? 7306 : 0,
                NULL);
  if (what == BREAK_POLICY)
    chain_policy_set_max_path_len (policy, "oem", 0);
  if (what == BREAK_ALGORITHM)
    chain_policy_set_algorithm_allowed (policy, CHAIN_KEY_ALGORITHM_RSA_2048, FALSE);
  custody_init_form_policy_changed (form);
  custody_init_form_set_passphrase (form, what == BREAK_SHORT ? "short" : "long enough passphrase");
  custody_init_form_set_confirmation (form, what == BREAK_SHORT ? "short"
                                            : what == BREAK_MISMATCH ? "long enough passphrasE"
                                                                     : "long enough passphrase");
  if (init_cases[_i].problem == NULL)
    {
      ck_assert_msg (custody_init_form_get_valid (form), "%s", custody_init_form_get_problem (form));
      ck_assert (custody_init_form_get_options (form, &options));
      ck_assert_str_eq (options.org, "Acme");
      ck_assert_ptr_null (options.id);
      ck_assert_str_eq (options.officer, "olivia");
      ck_assert_int_eq (options.algorithm, CHAIN_KEY_ALGORITHM_EC_P256);
    }
  else
    {
      ck_assert (!custody_init_form_get_valid (form));
      ck_assert (!custody_init_form_get_options (form, &options));
      ck_assert_msg (strstr (custody_init_form_get_problem (form), init_cases[_i].problem) != NULL,
                     "problem '%s' lacks '%s'", custody_init_form_get_problem (form), init_cases[_i].problem);
    }
}
END_TEST

START_TEST (test_init_form_policy_file)
{
  g_autoptr(CustodyInitForm) form = custody_init_form_new ();
  g_autoptr(ChainPolicy) policy = chain_policy_new_default ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *good = g_build_filename (tmpdir, "policy.json", NULL);
  g_autofree char *bad = g_build_filename (tmpdir, "bad.json", NULL);
  g_autoptr(GError) error = NULL;

  chain_policy_set_max_validity_days (policy, "oem", 1000);
  bytes = chain_policy_to_canonical (policy);
  test_support_write_file (good, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  test_support_write_file (bad, "{\"version\": 2}", 14);

  ck_assert (custody_init_form_load_policy (form, good, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (custody_init_form_get_max_validity_days (form), 1000);
  ck_assert (!custody_init_form_load_policy (form, bad, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!custody_init_form_load_policy (form, "/nonexistent/policy.json", &error));
  test_assert_error (error, CHAIN_ERROR_IO);
  ck_assert_int_eq (custody_init_form_get_max_validity_days (form), 1000);
}
END_TEST

/* ---- Inbox, approval, delegation ---------------------------------------------- */

/* The fingerprints an officer reads to the requester before approving:
 * those of the keys in the request file, or, for a request recorded in
 * the ledger, of the keys the ledger holds; the same either way. */
START_TEST (test_request_keys)
{
  g_autoptr(CustodySession) session = open_session (story.oem);
  const ChainLedgerState *state = chain_workspace_get_state (custody_session_get_workspace (session));
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRequestFile) file = chain_request_file_load (story.cm_b_request, &error);
  g_autofree char *ca = NULL;
  g_autofree char *officer = NULL;
  g_autoptr(GPtrArray) recorded = NULL;

  test_assert_no_error (error);
  ca = chain_csr_dup_public_key_sha256 (chain_request_file_get_ca_csr (file));
  officer = chain_csr_dup_public_key_sha256 (chain_request_file_get_officer_csr (file));
  recorded = custody_request_key_fields (inbox_item (session, "cm-b"), state);
  ck_assert_uint_eq (recorded->len, 2);
  ck_assert_str_eq (custody_fields_lookup (recorded, "Requested CA key (SHA-256)"), ca);
  ck_assert_str_eq (custody_fields_lookup (recorded, "Requester’s officer key (SHA-256)"), officer);
  ck_assert_str_ne (ca, officer);
  /* Imported, the file's own keys: cm-b's file is the one the ledger recorded. */
  ck_assert (custody_session_import_request (session, story.cm_b_request, NULL, &error));
  test_assert_no_error (error);
  {
    g_autoptr(GPtrArray) imported = custody_request_key_fields (inbox_item (session, "cm-b"), NULL);

    ck_assert_str_eq (custody_fields_lookup (imported, "Requested CA key (SHA-256)"), ca);
  }
}
END_TEST

START_TEST (test_inbox)
{
  g_autoptr(CustodySession) session = open_session (story.oem);
  CustodyInbox *inbox = custody_session_get_inbox (session);
  g_autofree char *garbage = g_build_filename (tmpdir, "garbage.request", NULL);
  g_autofree char *custodian = NULL;
  g_autoptr(GError) error = NULL;
  CustodyRequest *cm_b = NULL;
  CustodyRequest *cm_c = NULL;
  GPtrArray *fields = NULL;

  /* The request recorded in the ledger waits for a second officer. */
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (inbox)), 1);
  cm_b = inbox_item (session, "cm-b");
  ck_assert_ptr_nonnull (custody_request_get_request_id (cm_b));
  ck_assert_ptr_null (custody_request_get_file (cm_b));
  ck_assert_int_eq (custody_request_get_verdict (cm_b), CUSTODY_REQUEST_NEEDS_APPROVAL);
  ck_assert_str_eq (custody_request_get_verdict_label (cm_b), "Needs 1 more approval");
  fields = custody_request_get_approval_fields (cm_b);
  ck_assert_str_eq (custody_fields_lookup (fields, "Approvals"), "0 of 2");
  ck_assert_str_eq (custody_fields_lookup (fields, "Approved by"), "Nobody yet");
  ck_assert_str_eq (custody_fields_lookup (fields, "Officers who can approve or sign"), "officer, oscar");

  /* A request file, as the file chooser or a drop hands it over. */
  ck_assert (custody_session_import_request (session, story.cm_c_request, &custodian, &error));
  test_assert_no_error (error);
  ck_assert_str_eq (custodian, "cm-c");
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (inbox)), 2);
  cm_c = inbox_item (session, "cm-c");
  ck_assert_ptr_nonnull (custody_request_get_preview (cm_c));
  ck_assert_ptr_null (custody_request_get_request_id (cm_c));
  ck_assert_int_eq (custody_request_get_verdict (cm_c), CUSTODY_REQUEST_NEEDS_APPROVAL);
  fields = custody_request_get_fields (cm_c);
  ck_assert_str_eq (custody_fields_lookup (fields, "Subject"), "CN=Circuit Crafters C CA,O=Circuit Crafters C");
  ck_assert_str_eq (custody_fields_lookup (fields, "Path length"), "1 (at most 1)");
  ck_assert_ptr_nonnull (strstr (custody_fields_lookup (fields, "Name constraints"), "permitted:dirName:"));
  ck_assert_str_eq (custody_fields_lookup (fields, "Request file"), story.cm_c_request);

  /* Importing it again replaces it; garbage is refused and changes nothing. */
  ck_assert (custody_session_import_request (session, story.cm_c_request, NULL, &error));
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (inbox)), 2);
  test_support_write_file (garbage, "not a request", 13);
  ck_assert (!custody_session_import_request (session, garbage, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (inbox)), 2);

  /* A request the policy refuses says why: a distributor may not be the OEM's child. */
  {
    g_autofree char *path = gui_fixture_request (tmpdir, "dist-q", "Distribution Q", "distributor", NULL);
    CustodyRequest *refused = NULL;

    ck_assert (custody_session_import_request (session, path, NULL, &error));
    test_assert_no_error (error);
    refused = inbox_item (session, "dist-q");
    ck_assert_int_eq (custody_request_get_verdict (refused), CUSTODY_REQUEST_REFUSED);
    ck_assert_ptr_nonnull (custody_request_get_refusal (refused));
  }
}
END_TEST

START_TEST (test_approve_then_delegate)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(CustodySession) session = open_session (oem);
  g_autofree char *grant = g_build_filename (tmpdir, "cm-b.grant", NULL);
  g_autoptr(CustodyDelegateForm) form = NULL;
  ChainDelegateOptions options;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  CustodyRequest *cm_b = NULL;
  guint64 length = chain_ledger_get_length (chain_workspace_get_ledger (custody_session_get_workspace (session)));
  Wait wait = { 0 };

  /* A wrong passphrase signs nothing. */
  cm_b = inbox_item (session, "cm-b");
  custody_session_approve_async (session, custody_request_get_request_id (cm_b), TRUE, "oscar",
                                 wrong_passphrase (), on_done, &wait);
  message = finish (session, &wait, &error);
  test_assert_error (error, CHAIN_ERROR_PASSPHRASE);

  /* The second officer approves. (Every job rebuilds the inbox: look again.) */
  cm_b = inbox_item (session, "cm-b");
  wait.done = FALSE;
  custody_session_approve_async (session, custody_request_get_request_id (cm_b), TRUE, "oscar",
                                 test_support_passphrase (), on_done, &wait);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  {
    g_autofree char *expected = g_strdup_printf ("Approval recorded as record %llu", (unsigned long long) length);

    ck_assert_str_eq (message, expected);
  }
  cm_b = inbox_item (session, "cm-b");
  ck_assert_uint_eq (custody_request_get_approvals (cm_b), 1);
  ck_assert_str_eq (custody_fields_lookup (custody_request_get_approval_fields (cm_b), "Approved by"), "oscar");
  ck_assert_int_eq (custody_request_get_verdict (cm_b), CUSTODY_REQUEST_NEEDS_FILE);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (custody_session_get_timeline (session))), length + 1);

  /* With the file, the first officer delegates. */
  ck_assert (custody_session_import_request (session, story.cm_b_request, NULL, &error));
  cm_b = inbox_item (session, "cm-b");
  ck_assert_int_eq (custody_request_get_verdict (cm_b), CUSTODY_REQUEST_READY);
  form = custody_delegate_form_new (session, cm_b);
  g_object_set (form, "validity-days", 365, NULL);
  ck_assert_msg (custody_delegate_form_get_options (form, &options), "%s", custody_delegate_form_get_verdict (form));
  wait.done = FALSE;
  custody_session_delegate_async (session, custody_request_get_file (cm_b), &options, grant, NULL,
                                  test_support_passphrase (), on_done, &wait);
  g_clear_pointer (&message, g_free);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert (g_str_has_prefix (message, "Sub-CA issued to Board Works B"));
  ck_assert (g_file_test (grant, G_FILE_TEST_IS_REGULAR));
  ck_assert_ptr_null (inbox_item (session, "cm-b"));
  ck_assert_int_eq (custody_node_get_health (node (session, "cm-b")), CUSTODY_HEALTH_AWAITING);
  ck_assert_ptr_nonnull (strstr (custody_fields_lookup (custody_node_get_fields (node (session, "cm-b")), "Validity"),
                                 "expires in 36"));
}
END_TEST

START_TEST (test_delegate_records_first)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(CustodySession) session = open_session (oem);
  g_autofree char *grant = g_build_filename (tmpdir, "cm-c.grant", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  CustodyRequest *cm_c = NULL;
  Wait wait = { 0 };

  ck_assert (custody_session_import_request (session, story.cm_c_request, NULL, &error));
  cm_c = inbox_item (session, "cm-c");
  custody_session_delegate_async (session, custody_request_get_file (cm_c), NULL, grant, NULL,
                                  test_support_passphrase (), on_done, &wait);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert_str_eq (message, "Request recorded; 1 more officer must approve it before the sub-CA is issued");
  ck_assert (!g_file_test (grant, G_FILE_TEST_EXISTS));
  cm_c = inbox_item (session, "cm-c");
  ck_assert_ptr_nonnull (custody_request_get_request_id (cm_c));
  ck_assert_ptr_nonnull (custody_request_get_file (cm_c));
  ck_assert_int_eq (custody_node_get_health (node (session, "cm-c")), CUSTODY_HEALTH_REQUESTED);
}
END_TEST

START_TEST (test_reject)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(CustodySession) session = open_session (oem);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  Wait wait = { 0 };

  custody_session_approve_async (session, custody_request_get_request_id (inbox_item (session, "cm-b")), FALSE,
                                 NULL, test_support_passphrase (), on_done, &wait);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert (g_str_has_prefix (message, "Rejection recorded"));
  ck_assert_ptr_null (inbox_item (session, "cm-b"));
  ck_assert_ptr_null (custody_tree_model_find (custody_session_get_tree (session), "cm-b", NULL));

  /* A decided request cannot be decided again. */
  wait.done = FALSE;
  custody_session_approve_async (session, "cm-b", TRUE, NULL, test_support_passphrase (), on_done, &wait);
  g_clear_pointer (&message, g_free);
  message = finish (session, &wait, &error);
  ck_assert (error != NULL);
}
END_TEST

START_TEST (test_delegate_form)
{
  g_autoptr(CustodySession) session = open_session (story.oem);
  g_autoptr(CustodyDelegateForm) form = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  ChainDelegateOptions options;
  int max_days;

  ck_assert (custody_session_import_request (session, story.cm_c_request, NULL, &error));
  form = custody_delegate_form_new (session, inbox_item (session, "cm-c"));
  ck_assert_int_eq (custody_delegate_form_get_max_path_len (form), 1);
  max_days = custody_delegate_form_get_max_validity_days (form);
  ck_assert_int_ge (max_days, 3650);
  ck_assert_int_le (max_days, 3653);
  ck_assert (custody_delegate_form_get_allowed (form));
  ck_assert_str_eq (custody_delegate_form_get_verdict (form), "The policy allows this delegation");
  name = custody_delegate_form_suggest_grant_name (form);
  ck_assert_str_eq (name, "cm-c.grant");

  /* Within bounds, the preview follows the choices. */
  g_object_set (form, "path-len", 0, "validity-days", 100, NULL);
  ck_assert (custody_delegate_form_get_allowed (form));
  ck_assert_str_eq (custody_fields_lookup (custody_delegate_form_get_fields (form), "Path length"), "0");
  ck_assert (custody_delegate_form_get_options (form, &options));
  ck_assert_int_eq (options.path_len, 0);
  ck_assert_int_eq (options.validity_days, 100);

  /* Beyond them, the policy's refusal is the verdict and nothing can be signed. */
  g_object_set (form, "path-len", 3, NULL);
  ck_assert (!custody_delegate_form_get_allowed (form));
  ck_assert (g_str_has_prefix (custody_delegate_form_get_verdict (form), "The policy refuses this delegation"));
  ck_assert (!custody_delegate_form_get_options (form, &options));
  g_object_set (form, "path-len", 1, "validity-days", max_days + 400, NULL);
  ck_assert (!custody_delegate_form_get_allowed (form));

  /* Constraints that do not parse say so. */
  g_object_set (form, "validity-days", 100, "name-constraints", "permitted:bogus:thing", NULL);
  ck_assert (!custody_delegate_form_get_allowed (form));
  ck_assert (g_str_has_prefix (custody_delegate_form_get_verdict (form), "The name constraints are not valid"));
  g_object_set (form, "name-constraints", "permitted:dirName:O=Circuit Crafters C", NULL);
  ck_assert_msg (custody_delegate_form_get_allowed (form), "%s", custody_delegate_form_get_verdict (form));
  ck_assert_str_eq (custody_fields_lookup (custody_delegate_form_get_fields (form), "Name constraints"),
                    "permitted:dirName:O=Circuit Crafters C");

  /* The device quota: empty is none; a number of devices goes into the
   * options and the preview; anything else refuses to sign. */
  ck_assert (custody_delegate_form_get_max_devices_valid (form));
  ck_assert (custody_delegate_form_get_options (form, &options));
  ck_assert_uint_eq (options.max_devices, 0);
  ck_assert_str_eq (custody_fields_lookup (custody_delegate_form_get_fields (form), "Device quota"), "None");
  {
    const char *refused[] = { "0", "-5", "+5", "many", "12x", "1.5", "1000000000001", "99999999999999999999999" };

    for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
      {
        g_object_set (form, "max-devices-text", refused[i], NULL);
        ck_assert_msg (!custody_delegate_form_get_max_devices_valid (form), "quota '%s' taken", refused[i]);
        ck_assert (!custody_delegate_form_get_allowed (form));
        ck_assert (!custody_delegate_form_get_options (form, &options));
        ck_assert_msg (g_str_has_prefix (custody_delegate_form_get_verdict (form), "The device quota must be"),
                       "%s", custody_delegate_form_get_verdict (form));
      }
  }
  g_object_set (form, "max-devices-text", " 500 ", NULL);
  ck_assert (custody_delegate_form_get_max_devices_valid (form));
  ck_assert_msg (custody_delegate_form_get_options (form, &options), "%s", custody_delegate_form_get_verdict (form));
  ck_assert_uint_eq (options.max_devices, 500);
  ck_assert_str_eq (custody_fields_lookup (custody_delegate_form_get_fields (form), "Device quota"), "500");
  g_object_set (form, "max-devices-text", "1000000000000", NULL);
  ck_assert (custody_delegate_form_get_options (form, &options));
  ck_assert_uint_eq (options.max_devices, 1000000000000);
  g_object_set (form, "max-devices-text", "", NULL);
  ck_assert (custody_delegate_form_get_options (form, &options));
  ck_assert_uint_eq (options.max_devices, 0);
}
END_TEST

/* ---- Timeline and audit ----------------------------------------------------- */

START_TEST (test_timeline)
{
  g_autoptr(CustodySession) session = open_session (story.oem);
  CustodyTimeline *timeline = custody_session_get_timeline (session);
  ChainLedger *ledger = chain_workspace_get_ledger (custody_session_get_workspace (session));
  guint64 length = chain_ledger_get_length (ledger);
  g_autoptr(CustodyRecordItem) tip = NULL;
  g_autoptr(CustodyRecordItem) again = NULL;
  g_autoptr(CustodyRecordItem) genesis = NULL;
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GPtrArray) artifacts = NULL;
  g_autoptr(GBytes) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content = NULL;

  /* Opening reads no record; each row is read once, when asked for. */
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (timeline)), length);
  ck_assert_uint_eq (custody_timeline_get_n_loaded (timeline), 0);
  tip = g_list_model_get_item (G_LIST_MODEL (timeline), 0);
  ck_assert_uint_eq (custody_timeline_get_n_loaded (timeline), 1);
  again = g_list_model_get_item (G_LIST_MODEL (timeline), 0);
  ck_assert_ptr_eq (tip, again);
  ck_assert_uint_eq (custody_timeline_get_n_loaded (timeline), 1);
  ck_assert_ptr_null (g_list_model_get_item (G_LIST_MODEL (timeline), (guint) length));

  /* Newest first: the tip is the annotation. */
  ck_assert_uint_eq (custody_record_item_get_seq (tip), length - 1);
  ck_assert_str_eq (custody_record_item_get_type_name (tip), "annotation");
  ck_assert_str_eq (custody_record_item_get_author (tip), "oem");
  ck_assert_str_eq (custody_record_item_get_summary (tip), "Quarterly key ceremony held with two officers present.");
  ck_assert_int_eq (custody_record_item_get_badge (tip), CUSTODY_BADGE_CHECKED);
  ck_assert_uint_eq (custody_timeline_get_position (timeline, 0), length - 1);

  genesis = g_list_model_get_item (G_LIST_MODEL (timeline), (guint) length - 1);
  ck_assert_str_eq (custody_record_item_get_title (genesis), "#0 Genesis");
  /* The line `chain log` prints: one summary, from libchain. */
  ck_assert_str_eq (custody_record_item_get_summary (genesis),
                    "new ledger: root custodian oem (Widget Devices GmbH), tier oem");
  fields = custody_record_item_get_fields (genesis);
  ck_assert_str_eq (custody_fields_lookup (fields, "Previous record"),
                    "0000000000000000000000000000000000000000000000000000000000000000");
  ck_assert_str_eq (custody_fields_lookup (fields, "Verification"), "Signatures and rules checked");
  content = custody_record_item_get_content (genesis);
  ck_assert_ptr_nonnull (strstr (content, "\"policy\""));
  artifacts = custody_record_item_get_artifacts (genesis);
  ck_assert_ptr_nonnull (custody_fields_lookup (artifacts, "root.pem"));
  ck_assert_ptr_nonnull (custody_fields_lookup (artifacts, "officer.pem"));
  root = custody_record_item_read_artifact (genesis, "root.pem", &error);
  test_assert_no_error (error);
  ck_assert (g_str_has_prefix (g_bytes_get_data (root, NULL), "-----BEGIN CERTIFICATE-----"));
  ck_assert_ptr_null (custody_record_item_read_artifact (genesis, "nope.pem", &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

/* Ctrl+F on the Ledger page: by number, by words in any case, by a
 * field's value, by what the statement says; nothing for what no record
 * says. */
START_TEST (test_timeline_search)
{
  g_autoptr(CustodySession) session = open_session (story.oem);
  CustodyTimeline *timeline = custody_session_get_timeline (session);
  guint length = g_list_model_get_n_items (G_LIST_MODEL (timeline));
  g_autoptr(CustodyRecordItem) tip = g_list_model_get_item (G_LIST_MODEL (timeline), 0);
  g_autoptr(GPtrArray) fields = custody_record_item_get_fields (tip);
  g_autofree char *commit = g_ascii_strup (custody_fields_lookup (fields, "Commit"), 12);
  g_autofree char *content = NULL;
  guint found;

  ck_assert_uint_eq (custody_timeline_search (timeline, "#0", 0), length - 1);
  ck_assert_uint_eq (custody_timeline_search (timeline, " 0 ", 0), length - 1);
  ck_assert_uint_eq (custody_timeline_search (timeline, "#99999", 0), G_MAXUINT);
  ck_assert_uint_eq (custody_timeline_search (timeline, "quarterly KEY ceremony", 0), 0);
  ck_assert_uint_eq (custody_timeline_search (timeline, "GENESIS", 0), length - 1);
  /* A commit's first characters, typed in capitals. */
  ck_assert_uint_eq (custody_timeline_search (timeline, commit, 1), 0);
  /* From a position on, wrapping round: the next delegation, then the one after. */
  found = custody_timeline_search (timeline, "Delegation", 0);
  ck_assert_uint_ne (found, G_MAXUINT);
  ck_assert_uint_gt (custody_timeline_search (timeline, "Delegation", found + 1), found);
  ck_assert_uint_eq (custody_timeline_search (timeline, "no record says this", 0), G_MAXUINT);
  ck_assert_uint_eq (custody_timeline_search (timeline, "", 0), G_MAXUINT);
  /* What only the statement says. */
  content = custody_record_item_get_content (tip);
  ck_assert_ptr_nonnull (content);
  ck_assert_ptr_nonnull (strstr (content, "\"text\""));
  ck_assert (custody_record_item_matches (tip, "\"TEXT\""));
}
END_TEST

/* Issues @count devices PREFIX1... in @dir's workspace: one device batch. */
static void
issue_batch (const char *dir,
             const char *prefix,
             guint       count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  g_autoptr(ChainWorkspace) workspace = chain_workspace_open (dir, NULL, &error);
  g_autofree char *out_dir = g_build_filename (tmpdir, prefix, NULL);
  ChainIssueDevicesOptions options = CHAIN_ISSUE_DEVICES_OPTIONS_INIT;
  g_autoptr(ChainIssueSource) source = NULL;

  test_assert_no_error (error);
  ck_assert (chain_workspace_unlock (workspace, NULL, passphrase, &error));
  source = chain_issue_source_new_count (prefix, 1, count, &error);
  test_assert_no_error (error);
  options.output_dir = out_dir;
  options.key_passphrase = passphrase;
  options.jobs = 1;
  ck_assert_msg (chain_issue_devices (workspace, source, &options, NULL, NULL, &error),
                 "%s", error != NULL ? error->message : "?");
}

/* A whole device id finds the batch that issued it through the state's
 * device table: a binary search's few record reads, and not a newer
 * batch whose ids merely contain it (as the manifest search would);
 * a device of the latest batch as well as of an earlier one. A part of
 * an id is left to the manifest search. */
START_TEST (test_timeline_find_device)
{
  g_autofree char *oem = copy_story ();
  g_autofree char *dist_x = g_build_filename (tmpdir, "story", "dist-x", NULL);
  g_autoptr(CustodySession) session = NULL;
  CustodyTimeline *timeline = NULL;
  GListModel *records = NULL;
  const ChainLedgerState *state = NULL;
  g_autoptr(CustodyRecordItem) earlier = NULL;
  g_autoptr(CustodyRecordItem) later = NULL;
  guint64 loaded;
  guint position;
  guint n;

  /* dist-x issued widget-1..5 in the story; now xwidget-1..3 and later-1..2. */
  issue_batch (dist_x, "xwidget-", 3);
  issue_batch (dist_x, "later-", 2);
  session = open_session_of (dist_x, "Distribution X");
  timeline = custody_session_get_timeline (session);
  records = G_LIST_MODEL (timeline);
  state = chain_workspace_get_state (custody_session_get_workspace (session));
  n = g_list_model_get_n_items (records);

  loaded = custody_timeline_get_n_loaded (timeline);
  position = custody_records_find_device (records, state, " widget-1 ");
  ck_assert_uint_lt (position, n);
  ck_assert_uint_le (custody_timeline_get_n_loaded (timeline) - loaded, g_bit_storage (n) + 1);
  earlier = g_list_model_get_item (records, position);
  ck_assert_str_eq (custody_record_item_get_type_name (earlier), "device-batch");
  ck_assert_uint_eq (position, 2);
  /* The manifest search stops at the newer batch that says "xwidget-1". */
  ck_assert_uint_eq (custody_timeline_search (timeline, "widget-1", 0), 1);

  position = custody_records_find_device (records, state, "later-2");
  ck_assert_uint_eq (position, 0);
  later = g_list_model_get_item (records, position);
  ck_assert_str_eq (custody_record_item_get_type_name (later), "device-batch");
  ck_assert_uint_eq (custody_records_find_device (records, state, "xwidget-3"), 1);

  /* Ids are whole and case-sensitive; no state, no answer. */
  ck_assert_uint_eq (custody_records_find_device (records, state, "widget-"), G_MAXUINT);
  ck_assert_uint_eq (custody_records_find_device (records, state, "WIDGET-1"), G_MAXUINT);
  ck_assert_uint_eq (custody_records_find_device (records, state, ""), G_MAXUINT);
  ck_assert_uint_eq (custody_records_find_device (records, NULL, "widget-1"), G_MAXUINT);
  ck_assert_uint_eq (custody_timeline_search (timeline, "widget-", 0), 1);
}
END_TEST

/* The Ledger page's filters: by type, by author, from a time on; an
 * inactive filter keeps everything; the binary search by number finds
 * records in the timeline and in a filtered view of it. */
START_TEST (test_timeline_filter)
{
  g_autoptr(CustodySession) session = open_session (story.oem);
  CustodyTimeline *timeline = custody_session_get_timeline (session);
  guint length = g_list_model_get_n_items (G_LIST_MODEL (timeline));
  g_autoptr(CustodyRecordItem) genesis = g_list_model_get_item (G_LIST_MODEL (timeline), length - 1);
  g_autoptr(GListStore) kept = g_list_store_new (CUSTODY_TYPE_RECORD_ITEM);
  CustodyTimelineFilter none = { NULL, NULL, 0 };
  CustodyTimelineFilter by_type = { "genesis", NULL, 0 };
  CustodyTimelineFilter by_other = { NULL, "no-such-custodian", 0 };
  CustodyTimelineFilter by_time = { NULL, NULL, 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint i;

  ck_assert (!custody_timeline_filter_is_active (&none));
  ck_assert (custody_timeline_filter_matches (&none, genesis));
  ck_assert (custody_timeline_filter_matches (&by_type, genesis));
  by_type.author = custody_record_item_get_author (genesis);
  ck_assert (custody_timeline_filter_matches (&by_type, genesis));
  by_type.type_name = "revocation";
  ck_assert (!custody_timeline_filter_matches (&by_type, genesis));
  ck_assert (!custody_timeline_filter_matches (&by_other, genesis));
  by_time.since = custody_period_get_since (CUSTODY_PERIOD_DAY, now);
  ck_assert (custody_timeline_filter_matches (&by_time, genesis));
  /* A record stated before the period begins is left out. */
  by_time.since = custody_record_item_get_time (genesis) + 1;
  ck_assert (!custody_timeline_filter_matches (&by_time, genesis));
  ck_assert_int_eq (custody_period_get_since (CUSTODY_PERIOD_ANY, now), 0);
  ck_assert_int_eq (custody_period_get_since (CUSTODY_PERIOD_WEEK, now), now - 7 * 24 * 3600);

  for (i = 0; i < length; i++)
    {
      g_autoptr(CustodyRecordItem) item = g_list_model_get_item (G_LIST_MODEL (timeline), i);

      ck_assert_uint_eq (custody_records_find_seq (G_LIST_MODEL (timeline), custody_record_item_get_seq (item)), i);
      if (i % 2 == 0)
        g_list_store_append (kept, item);
    }
  ck_assert_uint_eq (custody_records_find_seq (G_LIST_MODEL (kept), 0), (length - 1) % 2 == 0 ? (length - 1) / 2 : G_MAXUINT);
  ck_assert_uint_eq (custody_records_find_seq (G_LIST_MODEL (kept), length - 1), 0);
  ck_assert_uint_eq (custody_records_find_seq (G_LIST_MODEL (kept), length - 2), G_MAXUINT);
  ck_assert_uint_eq (custody_records_find_seq (G_LIST_MODEL (kept), length + 5), G_MAXUINT);
  {
    g_autofree char *tip = g_strdup_printf ("#%u", length - 1);
    g_autofree char *left_out = g_strdup_printf ("#%u", length - 2);

    ck_assert_uint_eq (custody_records_search (G_LIST_MODEL (kept), tip, 0), 0);
    ck_assert_uint_eq (custody_records_search (G_LIST_MODEL (kept), left_out, 0), G_MAXUINT);
  }
}
END_TEST

static void
on_unlock_checked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
unlock_check (const char        *dir,
              const ChainSecret *passphrase,
              GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  custody_unlock_check_async (dir, NULL, passphrase, NULL, NULL, on_unlock_checked, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return custody_unlock_check_finish (result, error);
}

/* What the passphrase prompt asks before it closes. */
START_TEST (test_unlock_check)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) right = chain_secret_new_from_file (story.passphrase_file, &error);
  g_autoptr(ChainSecret) wrong = wrong_passphrase ();
  g_autofree char *nowhere = g_build_filename (tmpdir, "nowhere", NULL);

  test_assert_no_error (error);
  ck_assert (unlock_check (story.oem, right, &error));
  test_assert_no_error (error);
  ck_assert (!unlock_check (story.oem, wrong, &error));
  test_assert_error (error, CHAIN_ERROR_PASSPHRASE);
  g_clear_error (&error);
  ck_assert (!unlock_check (nowhere, right, &error));
  ck_assert_ptr_nonnull (error);
}
END_TEST

START_TEST (test_timeline_cache)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(ChainWorkspace) workspace = NULL;
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  g_autoptr(CustodyTimeline) timeline = custody_timeline_new ();
  g_autoptr(GError) error = NULL;
  guint n;
  guint i;

  workspace = chain_workspace_open (oem, NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_workspace_unlock (workspace, NULL, passphrase, &error));
  for (i = 0; i < CUSTODY_TIMELINE_CACHE_SIZE + 50; i++)
    {
      g_autofree char *text = g_strdup_printf ("note %u", i);

      ck_assert (chain_workspace_annotate (workspace, text, NULL, NULL, &error));
      test_assert_no_error (error);
    }
  ck_assert (custody_timeline_open (timeline, chain_ledger_get_path (chain_workspace_get_ledger (workspace)),
                                    &error));
  test_assert_no_error (error);
  n = g_list_model_get_n_items (G_LIST_MODEL (timeline));
  ck_assert_uint_gt (n, CUSTODY_TIMELINE_CACHE_SIZE);

  /* Scrolling through every row keeps the cache bounded. */
  for (i = 0; i < n; i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (timeline), i));
  ck_assert_uint_eq (custody_timeline_get_n_loaded (timeline), n);
  ck_assert_uint_le (custody_timeline_get_n_cached (timeline), CUSTODY_TIMELINE_CACHE_SIZE);

  /* A row someone still holds stays the same object. */
  {
    g_autoptr(CustodyRecordItem) held = g_list_model_get_item (G_LIST_MODEL (timeline), 0);
    g_autoptr(CustodyRecordItem) again = NULL;

    for (i = 1; i < n; i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (timeline), i));
    again = g_list_model_get_item (G_LIST_MODEL (timeline), 0);
    ck_assert_ptr_eq (held, again);
  }
}
END_TEST

static void
on_audit_finished (CustodyAudit *audit,
                   gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
run_audit (CustodySession *session)
{
  CustodyAudit *audit = custody_session_get_audit (session);
  gboolean done = FALSE;
  gulong handler = g_signal_connect (audit, "finished", G_CALLBACK (on_audit_finished), &done);

  custody_session_start_audit (session);
  ck_assert (custody_audit_get_running (audit));
  gui_fixture_wait (&done);
  g_signal_handler_disconnect (audit, handler);
}

START_TEST (test_audit)
{
  g_autoptr(CustodySession) session = open_session (story.oem);
  CustodyAudit *audit = custody_session_get_audit (session);
  CustodyTimeline *timeline = custody_session_get_timeline (session);
  g_autoptr(CustodyRecordItem) tip = g_list_model_get_item (G_LIST_MODEL (timeline), 0);
  g_autoptr(CustodyRecordItem) later = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (timeline));

  ck_assert_int_eq (custody_audit_get_state (audit), CUSTODY_AUDIT_IDLE);
  run_audit (session);
  ck_assert_msg (custody_audit_get_state (audit) == CUSTODY_AUDIT_PASSED, "%s", custody_audit_get_summary (audit));
  ck_assert (custody_audit_get_fraction (audit) == 1.0);
  {
    g_autofree char *progress = g_strdup_printf ("%u of %u records", n, n);

    ck_assert_str_eq (custody_audit_get_progress_text (audit), progress);
  }
  ck_assert_ptr_nonnull (custody_audit_get_report_text (audit));
  ck_assert_ptr_nonnull (custody_audit_get_report (audit));
  ck_assert_int_eq (custody_record_item_get_badge (tip), CUSTODY_BADGE_AUDITED);
  later = g_list_model_get_item (G_LIST_MODEL (timeline), n - 1);
  ck_assert_int_eq (custody_record_item_get_badge (later), CUSTODY_BADGE_AUDITED);

  /* Cancelled before it gets anywhere. */
  custody_session_start_audit (session);
  custody_audit_cancel (audit);
  {
    gboolean done = FALSE;
    gulong handler = g_signal_connect (audit, "finished", G_CALLBACK (on_audit_finished), &done);

    gui_fixture_wait (&done);
    g_signal_handler_disconnect (audit, handler);
  }
  ck_assert_int_eq (custody_audit_get_state (audit), CUSTODY_AUDIT_CANCELLED);
  ck_assert_str_eq (custody_audit_get_summary (audit), "The audit was cancelled");
}
END_TEST

START_TEST (test_audit_finds_tampering)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(CustodySession) session = open_session (oem);
  CustodyAudit *audit = custody_session_get_audit (session);
  CustodyTimeline *timeline = custody_session_get_timeline (session);
  g_autofree char *repo = g_build_filename (oem, "ledger.git", NULL);
  g_autofree char *tip = NULL;
  g_autofree char *forged = NULL;
  g_autoptr(CustodyRecordItem) top = NULL;
  g_autoptr(GError) error = NULL;
  const char *rev_parse[] = { "git", "-C", repo, "rev-parse", "main", NULL };

  /* An unsigned commit on top of main, made with plain git. */
  ck_assert_int_eq (test_support_run (rev_parse, NULL, &tip, NULL), 0);
  g_strstrip (tip);
  {
    g_autofree char *tree = g_strconcat (tip, "^{tree}", NULL);
    const char *commit_tree[] = { "git", "-C", repo, "commit-tree", tree, "-p", tip, "-m", "forged", NULL };
    const char *update_ref[] = { "git", "-C", repo, "update-ref", "refs/heads/main", NULL, NULL };

    ck_assert_int_eq (test_support_run (commit_tree, NULL, &forged, NULL), 0);
    g_strstrip (forged);
    update_ref[5] = forged;
    ck_assert_int_eq (test_support_run (update_ref, NULL, NULL, NULL), 0);
  }

  run_audit (session);
  ck_assert_int_eq (custody_audit_get_state (audit), CUSTODY_AUDIT_FAILED);
  ck_assert (g_str_has_prefix (custody_audit_get_summary (audit), "The audit found problems in 1 of"));
  ck_assert_ptr_nonnull (strstr (custody_audit_get_report_text (audit), "commit.unsigned"));

  /* The timeline shows the forged record, badged as failed. */
  ck_assert (custody_timeline_refresh (timeline, &error));
  test_assert_no_error (error);
  top = g_list_model_get_item (G_LIST_MODEL (timeline), 0);
  ck_assert_int_eq (custody_record_item_get_badge (top), CUSTODY_BADGE_FAILED);
  ck_assert_ptr_nonnull (custody_record_item_get_findings (top));
}
END_TEST

/* ---- Export, revocation, sync --------------------------------------------------- */

static const struct {
  guint       target;
  const char *ca;
  const char *code;
  const char *problem;
} export_cases[] = {
  { 0, NULL, NULL, NULL },
  { 0, NULL, "3A1F9C0B7D2E4F6A", NULL },
  { 0, NULL, "no spaces allowed", "code" },
  { 2, NULL, "3a1f", "64" },
  { 3, NULL, "ABC", "Plain PEM files have no proof of possession" },
  { 0, "cm-a", "ABC", "Only this workspace’s own CA can prove possession" },
  { 0, "cm-a", NULL, NULL },
};

START_TEST (test_export_form)
{
  g_autoptr(CustodyExportForm) form = custody_export_form_new ("oem");
  ChainExportOptions options;

  ck_assert_str_eq (custody_export_form_get_problem (form), "Choose a folder to write the export to");
  g_object_set (form, "dir", tmpdir, "target", export_cases[_i].target, "ca", export_cases[_i].ca,
                "code", export_cases[_i].code, NULL);
  ck_assert (custody_export_form_get_needs_code (form) == (export_cases[_i].target != 3));
  if (export_cases[_i].problem == NULL)
    {
      ck_assert_msg (custody_export_form_get_problem (form) == NULL, "%s", custody_export_form_get_problem (form));
      ck_assert (custody_export_form_get_options (form, TRUE, &options));
      ck_assert_str_eq (options.code != NULL ? options.code : "", export_cases[_i].code != NULL ? export_cases[_i].code : "");
    }
  else
    {
      ck_assert_msg (strstr (custody_export_form_get_problem (form), export_cases[_i].problem) != NULL,
                     "%s", custody_export_form_get_problem (form));
      ck_assert (!custody_export_form_get_options (form, TRUE, &options));
    }
  /* The preview never carries the code. */
  ck_assert (custody_export_form_get_options (form, FALSE, &options));
  ck_assert_ptr_null (options.code);
  ck_assert (!custody_export_form_get_can_export (form));
}
END_TEST

START_TEST (test_export)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(CustodySession) session = open_session (oem);
  g_autoptr(CustodyExportForm) form = custody_export_form_new ("oem");
  g_autofree char *out = g_build_filename (tmpdir, "export", NULL);
  g_autofree char *ca_pem = g_build_filename (out, "azure-iothub", "ca.pem", NULL);
  g_autofree char *verification = g_build_filename (out, "azure-iothub", "verification.pem", NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (custody_session_get_timeline (session)));
  ChainExportOptions options;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  ChainExport *export = NULL;
  Wait wait = { 0 };

  g_object_set (form, "dir", out, "code", "3A1F9C0B7D2E4F6A", "hub", "widget-hub", NULL);
  ck_assert (custody_export_form_get_options (form, FALSE, &options));
  custody_session_prepare_export_async (session, &options, on_done, &wait);
  export = finish_result (session, &wait, &error);
  test_assert_no_error (error);
  custody_export_form_set_preview (form, export, NULL);
  ck_assert (custody_export_form_get_can_export (form));
  ck_assert_ptr_nonnull (custody_fields_lookup (custody_export_form_get_files (form), "ca.pem"));
  ck_assert_ptr_nonnull (custody_fields_lookup (custody_export_form_get_files (form), "upload.sh"));

  ck_assert (custody_export_form_get_options (form, TRUE, &options));
  wait.done = FALSE;
  custody_session_export_async (session, &options, out, NULL, test_support_passphrase (), on_done, &wait);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert (g_str_has_prefix (message, "Export recorded as record"));
  ck_assert (g_file_test (ca_pem, G_FILE_TEST_IS_REGULAR));
  ck_assert (g_file_test (verification, G_FILE_TEST_IS_REGULAR));
  /* A pop record and an export record. */
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (custody_session_get_timeline (session))), n + 2);
}
END_TEST

/* Revoking a device counts on its custodian's row; revoking the CA takes
 * all its devices along. */
START_TEST (test_revoked_device_counts)
{
  g_autofree char *oem = copy_story ();
  g_autofree char *story_copy = g_path_get_dirname (oem);
  g_autofree char *dist_x = g_build_filename (story_copy, "dist-x", NULL);
  g_autofree char *cm_a = g_build_filename (story_copy, "cm-a", NULL);
  const char *devices[] = { "widget-1", NULL };
  const char *custodians[] = { "dist-x", NULL };
  g_autofree char *bundle = g_build_filename (tmpdir, "dist-x.bundle", NULL);
  ChainRevokeOptions options = CHAIN_REVOKE_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  Wait wait = { 0 };

  {
    g_autoptr(CustodySession) session = open_session_of (dist_x, "Distribution X");

    custody_session_revoke_async (session, devices, NULL, &options, NULL, test_support_passphrase (),
                                  on_done, &wait);
    message = finish (session, &wait, &error);
    test_assert_no_error (error);
    ck_assert_str_eq (row_devices (session, "dist-x"), "5 devices, 1 revoked");
    ck_assert_str_eq (custody_fields_lookup (custody_node_get_fields (node (session, "dist-x")),
                                             "Devices revoked"), "1");

    /* Revoked already, or no such custodian: said without a command name. */
    wait.done = FALSE;
    custody_session_plan_revocation_async (session, devices, NULL, on_done, &wait);
    ck_assert_ptr_null (finish_result (session, &wait, &error));
    ck_assert_str_eq (error->message, "device 'widget-1' is revoked already; its CA's CRL lists it");
    test_assert_error (error, CHAIN_ERROR_REFUSED);
    wait.done = FALSE;
    custody_session_plan_revocation_async (session, NULL, (const char *const[]) { "cm-z", NULL }, on_done, &wait);
    ck_assert_ptr_null (finish_result (session, &wait, &error));
    ck_assert_str_eq (error->message, "no custodian 'cm-z' in the ledger; check the custodian's id");
    test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  }
  /* CM A learns of Dist X's devices, then revokes Dist X. */
  gui_fixture_carry_bundle (dist_x, cm_a, bundle);
  {
    g_autoptr(CustodySession) session = open_session_of (cm_a, "Contract Assembly A");

    wait.done = FALSE;
    g_clear_pointer (&message, g_free);
    custody_session_revoke_async (session, NULL, custodians, &options, NULL, test_support_passphrase (),
                                  on_done, &wait);
    message = finish (session, &wait, &error);
    test_assert_no_error (error);
    ck_assert_int_eq (custody_node_get_health (node (session, "dist-x")), CUSTODY_HEALTH_REVOKED);
    ck_assert_str_eq (row_devices (session, "dist-x"), "5 devices, all revoked");
    ck_assert_str_eq (custody_fields_lookup (custody_node_get_fields (node (session, "dist-x")),
                                             "Devices revoked"), "All, with the CA");
  }
}
END_TEST

START_TEST (test_revoke)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(CustodySession) session = open_session (oem);
  g_autoptr(CustodyRevokeForm) form = custody_revoke_form_new ("cm-d");
  g_autofree char *crl_dir = g_build_filename (tmpdir, "crl", NULL);
  g_autofree char *crl = g_build_filename (crl_dir, "crl.pem", NULL);
  g_auto(GStrv) devices = NULL;
  g_auto(GStrv) custodians = NULL;
  ChainRevokeOptions options;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  ChainRevocation *plan = NULL;
  Wait wait = { 0 };

  ck_assert (custody_revoke_form_get_targets (form, &devices, &custodians));
  ck_assert_ptr_null (devices);
  ck_assert_str_eq (custodians[0], "cm-d");
  custody_session_plan_revocation_async (session, (const char *const *) devices,
                                         (const char *const *) custodians, on_done, &wait);
  plan = finish_result (session, &wait, &error);
  test_assert_no_error (error);
  custody_revoke_form_set_tree (form, custody_session_get_tree (session));
  custody_revoke_form_set_plan (form, plan, NULL);
  ck_assert (custody_revoke_form_get_can_revoke (form));
  ck_assert_uint_eq (custody_revoke_form_get_items (form)->len, 1);
  /* By name, with what goes along; counted by kind. */
  ck_assert_str_eq (((CustodyField *) g_ptr_array_index (custody_revoke_form_get_items (form), 0))->value,
                    "Delta Manufacturing, with no devices");
  ck_assert_str_eq (custody_revoke_form_get_count (form), "1 sub-CA");

  g_object_set (form, "reason", 1, NULL);
  custody_revoke_form_get_options (form, &options);
  ck_assert_int_eq (options.reason, CHAIN_REVOCATION_KEY_COMPROMISE);
  wait.done = FALSE;
  custody_session_revoke_async (session, (const char *const *) devices, (const char *const *) custodians,
                                &options, NULL, test_support_passphrase (), on_done, &wait);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert_msg (g_str_has_prefix (message, "Revoked 1 sub-CA (record "), "%s", message);
  ck_assert_int_eq (custody_node_get_health (node (session, "cm-d")), CUSTODY_HEALTH_REVOKED);
  /* Its details say when and why, in words. */
  {
    guint tip = g_list_model_get_n_items (G_LIST_MODEL (custody_session_get_timeline (session))) - 1;
    g_autofree char *why = g_strdup_printf (": Key compromise (record #%u)", tip);
    const char *revoked = custody_fields_lookup (custody_node_get_fields (node (session, "cm-d")), "Revoked");

    ck_assert_msg (revoked != NULL && g_str_has_suffix (revoked, why), "%s", revoked);
  }

  /* Revoked already: the plan says why. */
  wait.done = FALSE;
  custody_session_plan_revocation_async (session, NULL, (const char *const *) custodians, on_done, &wait);
  plan = finish_result (session, &wait, &error);
  ck_assert_ptr_null (plan);
  custody_revoke_form_set_plan (form, NULL, error);
  ck_assert (!custody_revoke_form_get_can_revoke (form));
  test_assert_error (error, CHAIN_ERROR_REFUSED);

  wait.done = FALSE;
  custody_session_publish_crl_async (session, crl_dir, NULL, test_support_passphrase (), on_done, &wait);
  g_clear_pointer (&message, g_free);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert (g_file_test (crl, G_FILE_TEST_IS_REGULAR));

  /* Nothing named, nothing to plan. */
  g_object_set (form, "custodians", " \n", NULL);
  ck_assert (!custody_revoke_form_get_targets (form, NULL, NULL));
  ck_assert_str_eq (custody_revoke_form_get_problem (form), "Name a sub-CA custodian or devices to revoke");
}
END_TEST

START_TEST (test_sync_and_bundles)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(CustodySession) session = open_session (oem);
  g_autofree char *remote = g_build_filename (tmpdir, "remote.git", NULL);
  g_autofree char *bundle = g_build_filename (tmpdir, "oem.bundle", NULL);
  const char *init[] = { "git", "init", "-q", "--bare", "-b", "main", remote, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  Wait wait = { 0 };

  ck_assert_int_eq (test_support_run (init, NULL, NULL, NULL), 0);
  custody_session_sync_async (session, remote, "origin", on_done, &wait);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert_msg (g_str_has_prefix (message, "Synced: ") && strstr (message, "pushed") != NULL, "%s", message);

  /* The remote is remembered under its name. */
  wait.done = FALSE;
  custody_session_sync_async (session, "origin", NULL, on_done, &wait);
  g_clear_pointer (&message, g_free);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);

  wait.done = FALSE;
  custody_session_bundle_create_async (session, bundle, on_done, &wait);
  g_clear_pointer (&message, g_free);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert (g_str_has_prefix (message, "Bundle of "));
  ck_assert (g_file_test (bundle, G_FILE_TEST_IS_REGULAR));

  wait.done = FALSE;
  custody_session_bundle_create_async (session, bundle, on_done, &wait);
  g_clear_pointer (&message, g_free);
  message = finish (session, &wait, &error);
  test_assert_error (error, CHAIN_ERROR_EXISTS);

  wait.done = FALSE;
  custody_session_bundle_import_async (session, bundle, on_done, &wait);
  g_clear_pointer (&message, g_free);
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  ck_assert (g_str_has_prefix (message, "Bundle imported: "));
}
END_TEST

/* ---- Officers ------------------------------------------------------------------- */

static const struct {
  const char *name;
  const char *passphrase;
  const char *confirmation;
  const char *problem;     /* NULL: the form is complete */
} officer_form_cases[] = {
  { "olga", "long enough passphrase", "long enough passphrase", NULL },
  { "  olga  ", "long enough passphrase", "long enough passphrase", NULL },
  { "", "long enough passphrase", "long enough passphrase", "Enter the new officer’s name" },
  /* libchain's own rule, and its words. */
  { "o/../x", "long enough passphrase", "long enough passphrase",
    "officer name 'o/../x' is not usable; use 1 to 64 letters, digits, '-', '_' or '.'" },
  { ".hidden", "long enough passphrase", "long enough passphrase", "officer name '.hidden' is not usable" },
  { "Olga Smith", "long enough passphrase", "long enough passphrase", "is not usable" },
  { "a123456789b123456789c123456789d123456789e123456789f123456789g1234", "long enough passphrase",
    "long enough passphrase", "is not usable" },
  { "olga", NULL, NULL, "Choose a passphrase for the new officer’s key" },
  { "olga", "short", "short", "at least 8 characters" },
  { "olga", "long enough passphrase", NULL, "The two passphrases differ" },
  { "olga", "long enough passphrase", "long enough passphrasE", "The two passphrases differ" },
};

START_TEST (test_officer_form)
{
  g_autoptr(CustodyOfficerForm) form = custody_officer_form_new ();
  g_autoptr(ChainSecret) secret = NULL;

  ck_assert (!custody_officer_form_get_can_add (form));
  ck_assert_ptr_null (custody_officer_form_dup_passphrase (form));
  g_object_set (form, "name", officer_form_cases[_i].name, NULL);
  custody_officer_form_set_passphrase (form, officer_form_cases[_i].passphrase);
  custody_officer_form_set_confirmation (form, officer_form_cases[_i].confirmation);
  secret = custody_officer_form_dup_passphrase (form);
  if (officer_form_cases[_i].problem == NULL)
    {
      const guint8 *data = NULL;
      gsize len = 0;

      ck_assert_msg (custody_officer_form_get_can_add (form), "%s", custody_officer_form_get_problem (form));
      ck_assert_ptr_null (custody_officer_form_get_problem (form));
      ck_assert_str_eq (custody_officer_form_get_name (form), "olga");
      ck_assert_ptr_nonnull (secret);
      data = chain_secret_get_data (secret, &len);
      ck_assert_uint_eq (len, strlen ("long enough passphrase"));
      ck_assert (memcmp (data, "long enough passphrase", len) == 0);
    }
  else
    {
      /* Refused before any job could run: there is no passphrase to give one. */
      ck_assert (!custody_officer_form_get_can_add (form));
      ck_assert_ptr_null (secret);
      ck_assert_msg (strstr (custody_officer_form_get_problem (form), officer_form_cases[_i].problem) != NULL,
                     "problem '%s' lacks '%s'", custody_officer_form_get_problem (form), officer_form_cases[_i].problem);
    }
  custody_officer_form_clear (form);
  ck_assert (!custody_officer_form_get_can_add (form));
  ck_assert_ptr_null (custody_officer_form_dup_passphrase (form));
}
END_TEST

static GBytes *
read_bytes (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  ck_assert_msg (g_file_get_contents (path, &data, &len, NULL), "cannot read %s", path);
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static guint64
ledger_length (CustodySession *session)
{
  return chain_ledger_get_length (chain_workspace_get_ledger (custody_session_get_workspace (session)));
}

static void
rebuild_officers (CustodySession     *session,
                  CustodyOfficerForm *form)
{
  custody_officer_form_rebuild (form, custody_session_get_workspace (session), g_get_real_time () / G_USEC_PER_SEC,
                                CUSTODY_DEFAULT_EXPIRY_WINDOW_DAYS);
}

START_TEST (test_add_officer)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(CustodySession) session = open_session (oem);
  g_autoptr(CustodyOfficerForm) form = custody_officer_form_new ();
  g_autofree char *olga_key = g_build_filename (oem, "private", "officer-olga.key", NULL);
  g_autofree char *oscar_key = g_build_filename (oem, "private", "officer-oscar.key", NULL);
  g_autofree char *nora_key = g_build_filename (oem, "private", "officer-nora.key", NULL);
  g_autoptr(GBytes) oscar_before = read_bytes (oscar_key);
  g_autoptr(GBytes) oscar_after = NULL;
  g_autoptr(CustodyRecordItem) top = NULL;
  g_autoptr(ChainWorkspace) reopened = NULL;
  g_autoptr(ChainSecret) olga_passphrase = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  const CustodyOfficer *officer = NULL;
  guint64 length = ledger_length (session);
  Wait wait = { 0 };

  /* The officers with a key here, with their certificates from the ledger. */
  rebuild_officers (session, form);
  ck_assert_uint_eq (custody_officer_form_get_officers (form)->len, 2);
  officer = custody_officer_form_find (form, "oscar");
  ck_assert_ptr_nonnull (officer);
  ck_assert_msg (g_str_has_prefix (officer->subject, "CN=oscar,"), "%s", officer->subject);
  ck_assert_ptr_nonnull (strstr (officer->validity, "expires in"));
  ck_assert_int_eq (officer->health, CUSTODY_HEALTH_VALID);
  ck_assert_ptr_nonnull (custody_officer_form_find (form, "officer"));

  /* Enrolled through the session, signed by the first officer. */
  g_object_set (form, "name", "olga", NULL);
  custody_officer_form_set_passphrase (form, "olga's own passphrase");
  custody_officer_form_set_confirmation (form, "olga's own passphrase");
  ck_assert (custody_officer_form_get_can_add (form));
  custody_session_add_officer_async (session, custody_officer_form_get_name (form),
                                     custody_officer_form_dup_passphrase (form), "officer",
                                     test_support_passphrase (), on_done, &wait);
  ck_assert (custody_session_get_busy (session));
  message = finish (session, &wait, &error);
  test_assert_no_error (error);
  {
    g_autofree char *expected = g_strdup_printf ("Enrolled officer olga (record %llu)", (unsigned long long) length);

    ck_assert_str_eq (message, expected);
  }
  ck_assert (g_file_test (olga_key, G_FILE_TEST_IS_REGULAR));

  /* In the list, in the ledger (the timeline's top record, the custody tree). */
  rebuild_officers (session, form);
  ck_assert_uint_eq (custody_officer_form_get_officers (form)->len, 3);
  officer = custody_officer_form_find (form, "olga");
  ck_assert_ptr_nonnull (officer);
  ck_assert_msg (g_str_has_prefix (officer->subject, "CN=olga,"), "%s", officer->subject);
  ck_assert_int_eq (officer->health, CUSTODY_HEALTH_VALID);
  ck_assert_uint_eq (ledger_length (session), length + 1);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (custody_session_get_timeline (session))), length + 1);
  top = g_list_model_get_item (G_LIST_MODEL (custody_session_get_timeline (session)), 0);
  ck_assert_str_eq (custody_record_item_get_type_name (top), "officer");
  ck_assert_uint_eq (custody_record_item_get_seq (top), length);
  ck_assert_ptr_nonnull (strstr (custody_fields_lookup (custody_node_get_fields (node (session, "oem")), "Officers"),
                                 "olga"));
  /* Her key opens with her passphrase, as `chain -C oem ... --officer olga` would. */
  reopened = chain_workspace_open (oem, NULL, &error);
  test_assert_no_error (error);
  olga_passphrase = chain_secret_new ("olga's own passphrase", strlen ("olga's own passphrase"));
  ck_assert (chain_workspace_unlock (reopened, "olga", olga_passphrase, &error));
  test_assert_no_error (error);
  ck_assert_str_eq (chain_workspace_get_unlocked_officer (reopened), "olga");
  g_clear_pointer (&reopened, chain_workspace_free);

  /* A name taken: libchain's refusal, shown in the form, and nothing written. */
  g_object_set (form, "name", "oscar", NULL);
  ck_assert (custody_officer_form_get_can_add (form));
  wait.done = FALSE;
  custody_session_add_officer_async (session, "oscar", custody_officer_form_dup_passphrase (form), NULL,
                                     test_support_passphrase (), on_done, &wait);
  g_clear_pointer (&message, g_free);
  message = finish (session, &wait, &error);
  ck_assert_ptr_null (message);
  ck_assert_ptr_nonnull (error);
  ck_assert_str_eq (error->message, "officer 'oscar' exists already; choose another name");
  custody_officer_form_set_error (form, error);
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  ck_assert_str_eq (custody_officer_form_get_problem (form), "officer 'oscar' exists already; choose another name");
  ck_assert (custody_officer_form_get_refused (form));
  ck_assert (!custody_officer_form_get_can_add (form));
  ck_assert_ptr_null (custody_officer_form_dup_passphrase (form));
  ck_assert_uint_eq (ledger_length (session), length + 1);
  oscar_after = read_bytes (oscar_key);
  ck_assert (g_bytes_equal (oscar_before, oscar_after));
  /* Another name clears it. */
  g_object_set (form, "name", "nora", NULL);
  ck_assert_ptr_null (custody_officer_form_get_problem (form));
  ck_assert (!custody_officer_form_get_refused (form));
  ck_assert (custody_officer_form_get_can_add (form));

  /* The signer's wrong passphrase: refused, nothing left behind, and the
   * officer may try again. */
  wait.done = FALSE;
  custody_session_add_officer_async (session, "nora", custody_officer_form_dup_passphrase (form), NULL,
                                     wrong_passphrase (), on_done, &wait);
  message = finish (session, &wait, &error);
  ck_assert_ptr_nonnull (error);
  custody_officer_form_set_error (form, error);
  test_assert_error (error, CHAIN_ERROR_PASSPHRASE);
  ck_assert_ptr_nonnull (custody_officer_form_get_problem (form));
  ck_assert (custody_officer_form_get_can_add (form));
  ck_assert (!g_file_test (nora_key, G_FILE_TEST_EXISTS));
  ck_assert_uint_eq (ledger_length (session), length + 1);

  /* Passphrases that differ: the form gives none, so no job can start. */
  custody_officer_form_set_confirmation (form, "something else entirely");
  ck_assert_ptr_null (custody_officer_form_dup_passphrase (form));
  ck_assert_str_eq (custody_officer_form_get_problem (form), "The two passphrases differ");
  ck_assert (!custody_session_get_busy (session));
  ck_assert_uint_eq (ledger_length (session), length + 1);
}
END_TEST

/* ---- Notes -------------------------------------------------------------------- */

typedef enum {
  NOTE_TEXT,
  NOTE_EMPTY,
  NOTE_BLANK,
  NOTE_LIMIT,
  NOTE_OVER,
  NOTE_OVER_UTF8,
  NOTE_INVALID,
} NoteCase;

static const struct {
  NoteCase    what;
  const char *problem;
  const char *usage;
} annotate_form_cases[] = {
  { NOTE_TEXT, NULL, "31 of 4096 bytes" },
  { NOTE_EMPTY, "Write the note first", "0 of 4096 bytes" },
  { NOTE_BLANK, "Write the note first", "3 of 4096 bytes" },
  { NOTE_LIMIT, NULL, "4096 of 4096 bytes" },
  { NOTE_OVER, "The note is 1 byte too long; the ledger takes at most 4096 bytes", "4097 of 4096 bytes" },
  /* The limit is libchain's, in bytes: 2049 "é" are 4098 of them. */
  { NOTE_OVER_UTF8, "The note is 2 bytes too long", "4098 of 4096 bytes" },
  { NOTE_INVALID, "not valid UTF-8", NULL },
};

/* A note for @what. */
static char *
note_text (NoteCase what)
{
  switch (what)
    {
    case NOTE_TEXT:
      return g_strdup ("Key ceremony held; two officers");
    case NOTE_EMPTY:
      return g_strdup ("");
    case NOTE_BLANK:
      return g_strdup (" \n\t");
    case NOTE_LIMIT:
      return g_strnfill (CHAIN_ANNOTATION_MAX_SIZE, 'n');
    case NOTE_OVER:
      return g_strnfill (CHAIN_ANNOTATION_MAX_SIZE + 1, 'n');
    case NOTE_OVER_UTF8:
      {
        GString *text = g_string_new (NULL);
        guint i;

        for (i = 0; i < 2049; i++)
          g_string_append (text, "é");
        return g_string_free (text, FALSE);
      }
    case NOTE_INVALID:
    default:
      return g_strdup ("caf\xe9");
    }
}

START_TEST (test_annotate_form)
{
  g_autoptr(CustodyAnnotateForm) form = custody_annotate_form_new ();
  g_autofree char *text = note_text (annotate_form_cases[_i].what);
  g_autofree char *usage = NULL;

  ck_assert (!custody_annotate_form_get_can_annotate (form));
  ck_assert_ptr_null (custody_annotate_form_get_text (form));
  g_object_set (form, "text", text, NULL);
  usage = custody_annotate_form_dup_usage (form);
  if (annotate_form_cases[_i].usage != NULL)
    ck_assert_str_eq (usage, annotate_form_cases[_i].usage);
  if (annotate_form_cases[_i].problem == NULL)
    {
      ck_assert_msg (custody_annotate_form_get_can_annotate (form), "%s", custody_annotate_form_get_problem (form));
      ck_assert_str_eq (custody_annotate_form_get_text (form), text);
    }
  else
    {
      ck_assert (!custody_annotate_form_get_can_annotate (form));
      ck_assert_ptr_null (custody_annotate_form_get_text (form));
      ck_assert_msg (strstr (custody_annotate_form_get_problem (form), annotate_form_cases[_i].problem) != NULL,
                     "problem '%s' lacks '%s'", custody_annotate_form_get_problem (form),
                     annotate_form_cases[_i].problem);
    }
}
END_TEST

/* Records @text through the session; returns the job's message or NULL with @error. */
static char *
annotate (CustodySession *session,
          const char     *text,
          GError        **error)
{
  Wait wait = { 0 };

  custody_session_annotate_async (session, text, NULL, test_support_passphrase (), on_done, &wait);
  return finish (session, &wait, error);
}

START_TEST (test_annotate)
{
  g_autofree char *oem = copy_story ();
  g_autoptr(CustodySession) session = open_session (oem);
  g_autoptr(CustodyAnnotateForm) form = custody_annotate_form_new ();
  CustodyTimeline *timeline = custody_session_get_timeline (session);
  g_autofree char *longest = note_text (NOTE_LIMIT);
  g_autofree char *too_long = note_text (NOTE_OVER);
  g_autoptr(CustodyRecordItem) top = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  guint64 length = ledger_length (session);

  g_object_set (form, "text", "Key ceremony held; officer and oscar present.", NULL);
  message = annotate (session, custody_annotate_form_get_text (form), &error);
  test_assert_no_error (error);
  {
    g_autofree char *expected = g_strdup_printf ("Note recorded as record %llu", (unsigned long long) length);

    ck_assert_str_eq (message, expected);
  }

  /* The new record tops the timeline, with the text. */
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (timeline)), length + 1);
  top = g_list_model_get_item (G_LIST_MODEL (timeline), 0);
  ck_assert_uint_eq (custody_record_item_get_seq (top), length);
  ck_assert_str_eq (custody_record_item_get_type_name (top), "annotation");
  ck_assert_str_eq (custody_record_item_get_summary (top), "Key ceremony held; officer and oscar present.");
  ck_assert_str_eq (custody_record_item_get_author (top), "oem");

  /* The form's limit is the library's: the longest note it allows is
   * recorded, one byte more is refused by libchain too, and writes nothing. */
  g_object_set (form, "text", longest, NULL);
  ck_assert (custody_annotate_form_get_can_annotate (form));
  g_clear_pointer (&message, g_free);
  message = annotate (session, custody_annotate_form_get_text (form), &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (ledger_length (session), length + 2);
  g_object_set (form, "text", too_long, NULL);
  ck_assert (!custody_annotate_form_get_can_annotate (form));
  g_clear_pointer (&message, g_free);
  message = annotate (session, too_long, &error);
  ck_assert_ptr_null (message);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_uint_eq (ledger_length (session), length + 2);

  /* An empty note: the form refuses it, and so does the ledger's rule. */
  g_object_set (form, "text", "", NULL);
  ck_assert (!custody_annotate_form_get_can_annotate (form));
  message = annotate (session, "", &error);
  ck_assert_ptr_null (message);
  ck_assert_ptr_nonnull (error);
  g_clear_error (&error);
  ck_assert_uint_eq (ledger_length (session), length + 2);
  ck_assert_uint_eq (g_list_model_get_n_items (G_LIST_MODEL (timeline)), length + 2);
}
END_TEST

/* ---- Actions ---------------------------------------------------------------------- */

START_TEST (test_actions)
{
  g_autoptr(CustodySession) session = open_session (story.oem);
  g_autoptr(GError) error = NULL;
  CustodyActionContext closed = { FALSE };
  CustodyActionContext idle = { TRUE, TRUE, FALSE, FALSE, "oem", NULL, NULL };
  CustodyActionContext busy = { TRUE, TRUE, TRUE, FALSE, "oem", NULL, NULL };
  CustodyActionContext c;
  const char *const *names = custody_actions_list ();
  guint i;

  ck_assert (custody_session_import_request (session, story.cm_c_request, NULL, &error));
  test_assert_no_error (error);

  for (i = 0; names[i] != NULL; i++)
    {
      gboolean anytime = g_str_equal (names[i], "open") || g_str_equal (names[i], "create");

      ck_assert_msg (custody_actions_is_enabled (&closed, names[i]) == anytime, "%s when closed", names[i]);
      ck_assert_msg (custody_actions_is_enabled (&busy, names[i]) == g_str_equal (names[i], "cancel-job"),
                     "%s when busy", names[i]);
    }
  ck_assert (!custody_actions_is_enabled (&idle, "no-such-action"));
  ck_assert (custody_actions_is_enabled (&idle, "audit"));
  ck_assert (custody_actions_is_enabled (&idle, "sync"));
  ck_assert (!custody_actions_is_enabled (&idle, "approve"));
  ck_assert (!custody_actions_is_enabled (&idle, "cancel-audit"));
  ck_assert (custody_actions_is_enabled (&idle, "officers"));
  ck_assert (custody_actions_is_enabled (&idle, "annotate"));

  /* Before a workspace joins a ledger its officers can be listed, but
   * nothing can be recorded. */
  c = idle;
  c.joined = FALSE;
  ck_assert (custody_actions_is_enabled (&c, "officers"));
  ck_assert (!custody_actions_is_enabled (&c, "annotate"));

  /* A request recorded in the ledger without its file: approve or reject. */
  c = idle;
  c.request = inbox_item (session, "cm-b");
  ck_assert (custody_actions_is_enabled (&c, "approve"));
  ck_assert (custody_actions_is_enabled (&c, "reject"));
  ck_assert (!custody_actions_is_enabled (&c, "delegate"));
  ck_assert (!custody_actions_is_enabled (&c, "dismiss-request"));

  /* An imported file: delegate (which records it) or dismiss. */
  c.request = inbox_item (session, "cm-c");
  ck_assert (!custody_actions_is_enabled (&c, "approve"));
  ck_assert (custody_actions_is_enabled (&c, "delegate"));
  ck_assert (custody_actions_is_enabled (&c, "dismiss-request"));

  /* Revoking starts from a sub-CA this workspace issued, if one is selected. */
  c.node = node (session, "cm-d");
  ck_assert_str_eq (custody_actions_revocable_custodian (&c), "cm-d");
  c.node = node (session, "cm-e");
  ck_assert_ptr_null (custody_actions_revocable_custodian (&c));
  c.node = node (session, "dist-x");
  ck_assert_ptr_null (custody_actions_revocable_custodian (&c));
  c.node = node (session, "oem");
  ck_assert_ptr_null (custody_actions_revocable_custodian (&c));

  c = idle;
  c.audit_running = TRUE;
  ck_assert (!custody_actions_is_enabled (&c, "audit"));
  ck_assert (custody_actions_is_enabled (&c, "cancel-audit"));
}
END_TEST

/* libchain leaves the remedy of some errors to the front end: Custody
 * names what to do in the app, never a chain command; other errors keep
 * their message as it is. */
static const struct {
  ChainError  code;
  const char *remedy;
} remedy_cases[] = {
  { CHAIN_ERROR_NOT_JOINED, "accept the grant in this one first" },
  { CHAIN_ERROR_LEDGER_BEHIND, "Sync With Remote… or Import Bundle File…" },
  { CHAIN_ERROR_LEDGER_DAMAGED, "Run the audit on the Audit page" },
  { CHAIN_ERROR_JOINED_ALREADY, "Updates come with Sync With Remote" },
  { CHAIN_ERROR_KEY_ABSENT, "Insert the security token" },
};

START_TEST (test_error_remedies)
{
  g_autoptr(GError) error = g_error_new_literal (CHAIN_ERROR, remedy_cases[_i].code, "the ledger does not know CA 'x' yet");
  g_autoptr(GError) plain = g_error_new_literal (CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, "no such file");
  g_autoptr(CustodyExportForm) form = custody_export_form_new ("oem");
  g_autofree char *message = custody_error_dup_message (error);
  g_autofree char *unchanged = custody_error_dup_message (plain);
  const char *warning = NULL;

  ck_assert_msg (g_str_has_prefix (message, "the ledger does not know CA 'x' yet. ")
                 && strstr (message, remedy_cases[_i].remedy) != NULL && strstr (message, "chain ") == NULL,
                 "%s", message);
  ck_assert_str_eq (unchanged, "no such file");
  ck_assert_ptr_null (custody_error_dup_message (NULL));
  /* The export dialog's preview shows it so. */
  custody_export_form_set_preview (form, NULL, error);
  warning = custody_fields_lookup (custody_export_form_get_warnings (form), "The export cannot be made");
  ck_assert_str_eq (warning, message);
}
END_TEST

static Suite *
gui_models_suite (void)
{
  Suite *suite = suite_create ("gui-models");
  TCase *tcase = NULL;

  tcase = tcase_create ("format");
  tcase_add_loop_test (tcase, test_health, 0, G_N_ELEMENTS (health_cases));
  tcase_add_loop_test (tcase, test_recent, 0, G_N_ELEMENTS (recent_cases));
  tcase_add_test (tcase, test_validity_words);
  tcase_add_test (tcase, test_sanitize);
  tcase_add_test (tcase, test_hex);
  tcase_add_loop_test (tcase, test_error_remedies, 0, G_N_ELEMENTS (remedy_cases));
  suite_add_tcase (suite, tcase);

  tcase = tcase_create ("session");
  tcase_set_timeout (tcase, 300);
  tcase_add_unchecked_fixture (tcase, story_setup, NULL);
  tcase_add_checked_fixture (tcase, setup, teardown);
  tcase_add_test (tcase, test_tree);
  tcase_add_test (tcase, test_open_errors);
  tcase_add_test (tcase, test_create);
  tcase_add_loop_test (tcase, test_init_form, 0, G_N_ELEMENTS (init_cases));
  tcase_add_test (tcase, test_init_form_policy_file);
  suite_add_tcase (suite, tcase);

  tcase = tcase_create ("requests");
  tcase_set_timeout (tcase, 300);
  tcase_add_unchecked_fixture (tcase, story_setup, NULL);
  tcase_add_checked_fixture (tcase, setup, teardown);
  tcase_add_test (tcase, test_inbox);
  tcase_add_test (tcase, test_request_keys);
  tcase_add_test (tcase, test_approve_then_delegate);
  tcase_add_test (tcase, test_delegate_records_first);
  tcase_add_test (tcase, test_reject);
  tcase_add_test (tcase, test_delegate_form);
  suite_add_tcase (suite, tcase);

  tcase = tcase_create ("ledger");
  tcase_set_timeout (tcase, 600);
  tcase_add_unchecked_fixture (tcase, story_setup, NULL);
  tcase_add_checked_fixture (tcase, setup, teardown);
  tcase_add_test (tcase, test_timeline);
  tcase_add_test (tcase, test_timeline_cache);
  tcase_add_test (tcase, test_timeline_search);
  tcase_add_test (tcase, test_timeline_find_device);
  tcase_add_test (tcase, test_timeline_filter);
  tcase_add_test (tcase, test_unlock_check);
  tcase_add_test (tcase, test_audit);
  tcase_add_test (tcase, test_audit_finds_tampering);
  suite_add_tcase (suite, tcase);

  tcase = tcase_create ("workflows");
  tcase_set_timeout (tcase, 300);
  tcase_add_unchecked_fixture (tcase, story_setup, NULL);
  tcase_add_checked_fixture (tcase, setup, teardown);
  tcase_add_loop_test (tcase, test_export_form, 0, G_N_ELEMENTS (export_cases));
  tcase_add_test (tcase, test_export);
  tcase_add_test (tcase, test_revoke);
  tcase_add_test (tcase, test_revoked_device_counts);
  tcase_add_test (tcase, test_sync_and_bundles);
  tcase_add_test (tcase, test_actions);
  suite_add_tcase (suite, tcase);

  tcase = tcase_create ("officers-and-notes");
  tcase_set_timeout (tcase, 300);
  tcase_add_unchecked_fixture (tcase, story_setup, NULL);
  tcase_add_checked_fixture (tcase, setup, teardown);
  tcase_add_loop_test (tcase, test_officer_form, 0, G_N_ELEMENTS (officer_form_cases));
  tcase_add_test (tcase, test_add_officer);
  tcase_add_loop_test (tcase, test_annotate_form, 0, G_N_ELEMENTS (annotate_form_cases));
  tcase_add_test (tcase, test_annotate);
  suite_add_tcase (suite, tcase);
  return suite;
}

int
main (void)
{
  int status;

  const char *kept = g_getenv ("CUSTODY_TEST_STORY");

  /* Not test_support_tmpdir_new(): Check's asserts work only inside a case. */
  story_dir = kept != NULL ? g_strdup (kept) : g_dir_make_tmp ("libchain-gui-story-XXXXXX", NULL);
  g_assert (story_dir != NULL);
  status = test_support_run_suite (gui_models_suite ());
  if (kept == NULL)
    test_support_tmpdir_remove (story_dir);
  g_free (story_dir);
  return status;
}
