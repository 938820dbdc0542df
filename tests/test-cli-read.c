/* test-cli-read.c — `chain log`, `show`, `status`, `audit`, `sync` and
 * `bundle`, through the built binary
 *
 * Ledgers come from the shared story (tests/support/test-story.h: 19 real
 * records) and workspaces from libchain's own workspace calls (an OEM that
 * delegates to a manufacturer). Attacks are made with plain git; git is
 * also the peer that clones, verifies bundles and serves git:// (git
 * daemon). The last case checks every command has a man page, a
 * completion entry, and --help with an example.
 */
#include "test-story.h"

#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIP (TEST_STORY_N_RECORDS - 1)

/* Built once by the unchecked fixture; each test (a forked process) works
 * on its own copy of the ledger. Without fork, each test builds its own. */
static TestStory *master;
static TestStory *story;
static char *tmpdir;

static gboolean
forking (void)
{
  return g_strcmp0 (g_getenv ("CK_FORK"), "no") != 0;
}

static void
story_setup (void)
{
  if (forking ())
    master = test_story_new ();
}

static void
story_teardown (void)
{
  g_clear_pointer (&master, test_story_free);
}

static void
setup (void)
{
  tmpdir = test_support_tmpdir_new ();
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static void
story_case_setup (void)
{
  setup ();
  if (master != NULL)
    {
      story = g_steal_pointer (&master);
      test_story_use_copy (story);
    }
  else
    story = test_story_new ();
}

static void
story_case_teardown (void)
{
  g_clear_pointer (&story, test_story_free);
  teardown ();
}

/* ---- Running things -------------------------------------------------------- */

static const char *
chain_bin (void)
{
  const char *bin = g_getenv ("CHAIN_BIN");

  ck_assert_msg (bin != NULL, "CHAIN_BIN is not set: run through meson test");
  return bin;
}

/* Runs `chain -C DIR ARGS...` (DIR NULL: no -C); NULL-terminated args.
 * @out and @err (optional) are replaced with what it printed. */
static int
chain_at (const char *dir, char **out, char **err, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out_text = NULL;
  g_autofree char *err_text = NULL;
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add (argv, (char *) chain_bin ());
  if (dir != NULL)
    {
      g_ptr_array_add (argv, (char *) "-C");
      g_ptr_array_add (argv, (char *) dir);
    }
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, NULL, &out_text, &err_text);
  if (out != NULL)
    {
      g_free (*out);
      *out = g_steal_pointer (&out_text);
    }
  if (err != NULL)
    {
      g_free (*err);
      *err = g_steal_pointer (&err_text);
    }
  return status;
}

/* Runs a vector of arguments after `chain -C DIR`. */
static int
chain_argv (const char *dir, const char *const *args, char **out, char **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) chain_bin ());
  if (dir != NULL)
    {
      g_ptr_array_add (argv, (char *) "-C");
      g_ptr_array_add (argv, (char *) dir);
    }
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  return test_support_run ((const char *const *) argv->pdata, NULL, out, err);
}

/* Runs git with ARGS..., asserting success; returns its stdout, stripped. */
static char *
git (const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *arg = first;
  va_list args;
  int status;

  g_ptr_array_add (argv, (char *) "git");
  va_start (args, first);
  for (; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, NULL, &out, &err);
  ck_assert_msg (status == 0, "git %s failed (%d): %s", first, status, err);
  return g_strstrip (g_steal_pointer (&out));
}

static char *
main_of (const char *repo)
{
  return git ("--git-dir", repo, "rev-parse", "refs/heads/main", NULL);
}

static char *
path_in (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* A bare clone of @repo, optionally with main moved @back records back. */
static char *
clone_bare (const char *repo, const char *name, guint back)
{
  char *path = path_in (name);
  g_autofree char *out = git ("clone", "--quiet", "--bare", repo, path, NULL);

  if (back > 0)
    {
      g_autofree char *rev = g_strdup_printf ("refs/heads/main~%u", back);
      g_autofree char *commit = git ("--git-dir", path, "rev-parse", rev, NULL);
      g_autofree char *moved = git ("--git-dir", path, "update-ref", "refs/heads/main", commit, NULL);
    }
  return path;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (; *text != '\0'; text++)
    n += *text == '\n';
  return n;
}

static ChainJson *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  ChainJson *json = chain_json_parse (text, strlen (text), 64 * 1024 * 1024, &error);

  ck_assert_msg (json != NULL, "not JSON (%s): %.400s", error ? error->message : "?", text);
  return json;
}

/* Python's parser agrees that it is one JSON document. */
static void
assert_python_json (const char *text)
{
  g_autofree char *err = NULL;
  int status = test_support_run ((const char *const[]) { "python3", "-c",
                                   "import json,sys; json.load(sys.stdin)", NULL },
                                 text, NULL, &err);

  ck_assert_msg (status == 0, "python3 cannot parse: %s", err);
}

static void
assert_contains (const char *haystack, const char *needle)
{
  ck_assert_msg (strstr (haystack, needle) != NULL, "expected \"%s\" in:\n%s", needle, haystack);
}

/* One line on stderr: "chain: error: ...". */
static void
assert_one_error_line (const char *err, const char *needle)
{
  assert_contains (err, "chain: error: ");
  assert_contains (err, needle);
  ck_assert_msg (count_lines (err) <= 2, "more than one error line:\n%s", err);
}

/* An unsigned commit on top of main, as anyone with plain git can add. */
static void
append_unsigned_commit (const char *repo)
{
  g_autofree char *tip = main_of (repo);
  g_autofree char *tree = git ("--git-dir", repo, "rev-parse", "refs/heads/main^{tree}", NULL);
  g_autofree char *commit = git ("--git-dir", repo, "commit-tree", tree, "-p", tip,
                                 "-m", "annotation #19 by oem", NULL);
  g_autofree char *out = git ("--git-dir", repo, "update-ref", "refs/heads/main", commit, NULL);
}

/* Appends an annotation to the ledger at @repo, signed and committed by
 * the OEM's officer, without judgement (a second writer's record). */
static void
append_annotation (const char *repo, const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedger) ledger = chain_ledger_open (repo, NULL, &error);
  g_autoptr(ChainStatement) st = NULL;

  test_assert_no_error (error);
  st = test_story_annotation (story, "oem", &story->oem.officer, text);
  ck_assert (chain_ledger_append (ledger, st, story->oem.officer.signer, NULL, NULL, NULL,
                                  NULL, &error));
  test_assert_no_error (error);
}

/* ---- log ------------------------------------------------------------------- */

START_TEST (test_log_newest_first)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;

  ck_assert_int_eq (chain_at (story->path, &out, &err, "log", NULL), 0);
  ck_assert_str_eq (err, "");
  lines = g_strsplit (out, "\n", -1);
  ck_assert_uint_eq (count_lines (out), TEST_STORY_N_RECORDS);
  ck_assert_msg (g_str_has_prefix (g_strchug (lines[0]), "18 "), "first: %s", lines[0]);
  assert_contains (lines[0], "revocation");
  assert_contains (lines[0], "dist-x");
  assert_contains (lines[0], "1 serial(s) revoked");
  ck_assert_msg (g_str_has_prefix (g_strchug (lines[TIP]), "0 "), "last: %s", lines[TIP]);
  assert_contains (lines[TIP], "genesis");
  /* UTC ISO 8601 times and the statement id's first digits. */
  ck_assert (g_regex_match_simple ("^0  \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ  genesis",
                                   lines[TIP], 0, 0));
  {
    g_autofree char *id = g_strndup (story->ids[TEST_STORY_GENESIS], 8);

    assert_contains (lines[TIP], id);
  }
}
END_TEST

/* Filters and counts: the lines printed, and the seq of the first. */
static const struct {
  const char *args[6];
  guint       lines;
  guint       first_seq;
  const char *text;
} log_filters[] = {
  { { "log", "-n", "3", NULL }, 3, 18, "revocation" },
  { { "log", "-n", "0", NULL }, 0, 0, NULL },
  { { "log", "--max-count", "1", NULL }, 1, 18, NULL },
  { { "log", "--type", "delegation", NULL }, 3, 13, "sub-CA for dist-x, path length 0" },
  { { "log", "--type", "delegation", "-n", "1", NULL }, 1, 13, NULL },
  { { "log", "--author", "dist-x", NULL }, 3, 18, NULL },
  { { "log", "--author", "cm-a", "--type", "approval", NULL }, 1, 12, "approve request" },
  { { "log", "--reverse", "-n", "2", NULL }, 2, 17, "export for azure-iothub" },
  { { "log", "--reverse", NULL }, TEST_STORY_N_RECORDS, 0, "genesis" },
  { { "log", "--type", "device-batch", NULL }, 1, 15, "3 device(s) under CA" },
  { { "log", "--type", "pop", NULL }, 1, 16, "code " TEST_STORY_POP_CODE },
  { { "log", "--type", "key-rotation", NULL }, 0, 0, NULL },
  { { "log", "--author", "nobody", NULL }, 0, 0, NULL },
};

START_TEST (test_log_filters)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  ck_assert_int_eq (chain_argv (story->path, log_filters[_i].args, &out, &err), 0);
  ck_assert_uint_eq (count_lines (out), log_filters[_i].lines);
  if (log_filters[_i].lines > 0)
    {
      g_autofree char *first = g_strdup_printf ("%u ", log_filters[_i].first_seq);

      ck_assert_msg (g_str_has_prefix (g_strchug (out), first), "output:\n%s", out);
    }
  if (log_filters[_i].text != NULL)
    assert_contains (out, log_filters[_i].text);
}
END_TEST

START_TEST (test_log_json)
{
  g_autofree char *out = NULL;
  g_autoptr(ChainJson) json = NULL;
  ChainJson *first = NULL;
  const char *text = NULL;
  gint64 seq = -1;

  ck_assert_int_eq (chain_at (story->path, &out, NULL, "--json", "log", NULL), 0);
  assert_python_json (out);
  json = parse_json (out);
  ck_assert_int_eq (chain_json_get_value_type (json), CHAIN_JSON_ARRAY);
  ck_assert_uint_eq (chain_json_array_get_length (json), TEST_STORY_N_RECORDS);
  first = chain_json_array_get_element (json, 0);
  ck_assert (chain_json_object_get_integer_member (first, "seq", &seq, NULL));
  ck_assert_int_eq (seq, TIP);
  ck_assert (chain_json_object_get_string_member (first, "type", &text, NULL));
  ck_assert_str_eq (text, "revocation");
  ck_assert (chain_json_object_get_string_member (first, "id", &text, NULL));
  ck_assert_str_eq (text, story->ids[TEST_STORY_REVOKE_DEVICE]);
  ck_assert (chain_json_object_get_string_member (first, "commit", &text, NULL));
  ck_assert_uint_eq (strlen (text), 40);
  ck_assert_ptr_nonnull (chain_json_object_get_member (first, "body"));

  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (story->path, &out, NULL, "--json", "log", "-n", "0", NULL), 0);
  g_clear_pointer (&json, chain_json_unref);
  json = parse_json (out);
  ck_assert_uint_eq (chain_json_array_get_length (json), 0);
}
END_TEST

/* A record plain git added without a signature: listed as unreadable,
 * and log exits 3 pointing at the audit. */
START_TEST (test_log_damaged_record)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  append_unsigned_commit (story->path);
  ck_assert_int_eq (chain_at (story->path, &out, &err, "log", "-n", "2", NULL), 3);
  assert_contains (out, "19  cannot be read");
  assert_contains (out, "revocation");
  assert_one_error_line (err, "chain audit");
}
END_TEST

/* ---- show ------------------------------------------------------------------ */

START_TEST (test_show_names)
{
  g_autofree char *commit = NULL;
  g_autofree char *commit_prefix = NULL;
  g_autofree char *id_prefix = g_strndup (story->ids[TEST_STORY_DELEGATE_CM_A], 10);
  g_autoptr(ChainRecord) record = chain_ledger_load_record (story->ledger, TEST_STORY_POP, NULL);
  struct { const char *name; const char *expect; } cases[] = {
    { "tip", "record 18 (revocation)" },
    { "0", "record 0 (genesis)" },
    { "15", "record 15 (device-batch): 3 device(s)" },
    { id_prefix, "record 4 (delegation)" },
    { story->ids[TEST_STORY_GENESIS], "record 0 (genesis)" },
    { NULL, "record 16 (pop)" },
  };

  ck_assert_ptr_nonnull (record);
  commit = g_strdup (chain_record_get_commit_id (record));
  commit_prefix = g_ascii_strup (commit, 12);
  cases[G_N_ELEMENTS (cases) - 1].name = commit_prefix;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      ck_assert_msg (chain_at (story->path, &out, &err, "show", cases[i].name, NULL) == 0,
                     "show %s: %s", cases[i].name, err);
      ck_assert_msg (g_str_has_prefix (out, cases[i].expect), "show %s:\n%s", cases[i].name, out);
    }
}
END_TEST

START_TEST (test_show_details)
{
  g_autofree char *out = NULL;
  g_autoptr(ChainRecord) record = chain_ledger_load_record (story->ledger, TEST_STORY_BATCH_DIST_X, NULL);
  ChainStatement *statement = chain_record_get_statement (record);
  const char *sha256 = NULL;
  gint64 size = 0;
  g_autofree char *size_text = NULL;

  ck_assert_int_eq (chain_at (story->path, &out, NULL, "show", "15", NULL), 0);
  assert_contains (out, chain_record_get_commit_id (record));
  assert_contains (out, chain_record_get_prev (record));
  assert_contains (out, chain_record_get_digest (record));
  assert_contains (out, chain_statement_get_policy_digest (statement));
  assert_contains (out, chain_statement_get_signature_key_id (statement, 0));
  assert_contains (out, story->ids[TEST_STORY_BATCH_DIST_X]);
  assert_contains (out, "\"count\": 3");
  ck_assert (chain_statement_get_artifact (statement, "manifest.csv", &sha256, &size, NULL));
  size_text = g_strdup_printf ("%" G_GINT64_FORMAT " bytes", size);
  assert_contains (out, "manifest.csv");
  assert_contains (out, size_text);
  assert_contains (out, sha256);
  assert_contains (out, "certificates.pem");
}
END_TEST

START_TEST (test_show_json)
{
  g_autofree char *out = NULL;
  g_autoptr(ChainJson) json = NULL;
  ChainJson *artifacts = NULL;
  ChainJson *signatures = NULL;
  const char *text = NULL;

  ck_assert_int_eq (chain_at (story->path, &out, NULL, "--json", "show", "4", NULL), 0);
  assert_python_json (out);
  json = parse_json (out);
  ck_assert (chain_json_object_get_string_member (json, "type", &text, NULL));
  ck_assert_str_eq (text, "delegation");
  ck_assert (chain_json_object_get_array_member (json, "signatures", &signatures, NULL));
  /* The story's default policy wants two OEM officers for a delegation;
   * one signed it, the other approved. */
  ck_assert_uint_ge (chain_json_array_get_length (signatures), 1);
  ck_assert (chain_json_object_get_array_member (json, "artifacts", &artifacts, NULL));
  ck_assert_uint_eq (chain_json_array_get_length (artifacts), 1);
  ck_assert (chain_json_object_get_string_member (chain_json_array_get_element (artifacts, 0),
                                                  "name", &text, NULL));
  ck_assert_str_eq (text, "ca.pem");
  ck_assert_ptr_nonnull (chain_json_object_get_member (json, "body"));
  ck_assert (chain_json_object_get_string_member (json, "prev", &text, NULL));
  ck_assert_uint_eq (strlen (text), 64);
}
END_TEST

START_TEST (test_show_artifact)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *file = path_in ("root.pem");
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autofree char *seq = g_strdup_printf ("%d", TEST_STORY_EXPORT);

  /* To stdout, byte for byte. */
  ck_assert_int_eq (chain_at (story->path, &out, &err, "show", seq, "--artifact",
                              TEST_STORY_EXPORT_NAME, NULL), 0);
  ck_assert_uint_eq (strlen (out), g_bytes_get_size (story->export_content));
  ck_assert (memcmp (out, g_bytes_get_data (story->export_content, NULL), strlen (out)) == 0);

  /* To a file, with --json describing it. */
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (story->path, &out, &err, "--json", "show", seq, "--artifact",
                              TEST_STORY_EXPORT_NAME, "-o", file, NULL), 0);
  assert_python_json (out);
  ck_assert (g_file_get_contents (file, &data, &len, NULL));
  ck_assert (g_bytes_get_size (story->export_content) == len);
  ck_assert (memcmp (data, g_bytes_get_data (story->export_content, NULL), len) == 0);

  /* An artifact the record does not have. */
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (chain_at (story->path, NULL, &err, "show", seq, "--artifact", "nope.pem", NULL), 1);
  assert_one_error_line (err, "has no artifact nope.pem");
}
END_TEST

START_TEST (test_show_not_found)
{
  const char *const names[] = { "19", "999999", "ffffffffff", "0123abc", "12345678" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *err = NULL;

      ck_assert_int_eq (chain_at (story->path, NULL, &err, "show", names[i], NULL), 1);
      assert_one_error_line (err, names[i]);
    }
}
END_TEST

/* ---- audit ----------------------------------------------------------------- */

static char *
story_root (void)
{
  return test_story_thumbprint (story->oem.cert);
}

START_TEST (test_audit_passes)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *root = story_root ();
  g_autoptr(ChainJson) json = NULL;
  gboolean ok = FALSE;
  gint64 n = 0;

  ck_assert_int_eq (chain_at (story->path, &out, &err, "audit", NULL), 0);
  assert_contains (out, "audit passed");
  /* Without a root or a pin the auditor says what it cannot catch. */
  assert_contains (err, "--root");

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (chain_at (story->path, &out, &err, "--json", "audit", "--root", root, NULL), 0);
  ck_assert_str_eq (err, "");
  assert_python_json (out);
  json = parse_json (out);
  ck_assert (chain_json_object_get_boolean_member (json, "ok", &ok, NULL));
  ck_assert (ok);
  ck_assert (chain_json_object_get_integer_member (json, "n_records", &n, NULL));
  ck_assert_int_eq (n, TEST_STORY_N_RECORDS);
}
END_TEST

START_TEST (test_audit_report_file)
{
  g_autofree char *root = story_root ();
  g_autofree char *json_file = path_in ("audit.json");
  g_autofree char *text_file = path_in ("audit.txt");
  g_autofree char *data = NULL;
  g_autoptr(ChainJson) json = NULL;

  ck_assert_int_eq (chain_at (story->path, NULL, NULL, "-q", "audit", "--root", root,
                              "--report", json_file, NULL), 0);
  ck_assert (g_file_get_contents (json_file, &data, NULL, NULL));
  json = parse_json (data);
  ck_assert_ptr_nonnull (chain_json_object_get_member (json, "records"));
  g_clear_pointer (&data, g_free);
  ck_assert_int_eq (chain_at (story->path, NULL, NULL, "-q", "audit", "--root", root,
                              "--report", text_file, NULL), 0);
  ck_assert (g_file_get_contents (text_file, &data, NULL, NULL));
  /* The file lists every record. */
  assert_contains (data, "audit passed");
  ck_assert_uint_gt (count_lines (data), TEST_STORY_N_RECORDS);
}
END_TEST

/* The ways an audit fails: exit 3, the report on stdout, and the first
 * finding's record and rule on stderr. */
START_TEST (test_audit_tampered)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *root = story_root ();
  g_autoptr(ChainJson) json = NULL;
  gboolean ok = TRUE;

  append_unsigned_commit (story->path);
  ck_assert_int_eq (chain_at (story->path, &out, &err, "audit", "--root", root, NULL), 3);
  assert_contains (out, "FAILED");
  assert_contains (out, "commit.unsigned");
  assert_one_error_line (err, "record 19: rule commit.unsigned");

  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (story->path, &out, NULL, "--json", "audit", "--root", root, NULL), 3);
  json = parse_json (out);
  ck_assert (chain_json_object_get_boolean_member (json, "ok", &ok, NULL));
  ck_assert (!ok);
}
END_TEST

START_TEST (test_audit_foreign_root)
{
  g_autofree char *err = NULL;
  g_autofree char *other = test_story_thumbprint (story->cm_a.cert);

  ck_assert_int_eq (chain_at (story->path, NULL, &err, "audit", "--root", other, NULL), 3);
  assert_one_error_line (err, "history.root");
}
END_TEST

/* An edited artifact, made with plain git: the tip's CRL replaced and the
 * commit re-made on the same parent, as a force-push would. */
START_TEST (test_audit_edited_artifact)
{
  g_autofree char *err = NULL;
  g_autoptr(ChainRecord) record = chain_ledger_load_record (story->ledger, TIP, NULL);
  g_autofree char *work = path_in ("work");
  g_autofree char *crl = NULL;
  g_autofree char *out = NULL;
  g_autofree char *root = story_root ();
  const char *forged = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";

  out = git ("clone", "--quiet", story->path, work, NULL);
  crl = g_build_filename (work, chain_record_get_path (record), "artifacts", "crl.pem", NULL);
  test_support_write_file (crl, forged, strlen (forged));
  g_free (git ("-C", work, "commit", "--quiet", "--amend", "-a", "--no-edit", NULL));
  g_free (git ("-C", work, "push", "--quiet", "--force", "origin", "main", NULL));
  ck_assert_int_eq (chain_at (story->path, NULL, &err, "audit", "--root", root, NULL), 3);
  assert_one_error_line (err, "record 18");
}
END_TEST

/* ---- plain git reads the ledger ---------------------------------------------- */

START_TEST (test_git_clone_log_fsck)
{
  g_autofree char *clone = path_in ("clone");
  g_autofree char *log = NULL;
  g_autofree char *fsck = NULL;
  g_autofree char *out = NULL;
  g_autofree char *root = story_root ();

  g_free (git ("clone", "--quiet", story->path, clone, NULL));
  log = git ("-C", clone, "log", "--oneline", NULL);
  ck_assert_uint_eq (count_lines (log) + 1, TEST_STORY_N_RECORDS);
  assert_contains (log, "genesis #0 by oem");
  fsck = git ("-C", clone, "fsck", "--strict", "--no-dangling", NULL);
  /* And chain reads the clone (a work tree, not bare) too. */
  ck_assert_int_eq (chain_at (clone, &out, NULL, "log", "-n", "1", NULL), 0);
  assert_contains (out, "revocation");
  ck_assert_int_eq (chain_at (clone, NULL, NULL, "-q", "audit", "--root", root, NULL), 0);
}
END_TEST

/* ---- bundles ------------------------------------------------------------------ */

START_TEST (test_bundle_round_trip)
{
  g_autofree char *full = path_in ("full.bundle");
  g_autofree char *delta = path_in ("delta.bundle");
  g_autofree char *behind = clone_bare (story->path, "behind.git", 3);
  g_autofree char *fresh = path_in ("fresh.git");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *tip = main_of (story->path);
  g_autofree char *verify = NULL;
  g_autoptr(ChainJson) json = NULL;
  gint64 records = 0;

  ck_assert_int_eq (chain_at (story->path, &out, &err, "--json", "bundle", "create", full, NULL), 0);
  json = parse_json (out);
  ck_assert (chain_json_object_get_integer_member (json, "records", &records, NULL));
  ck_assert_int_eq (records, TEST_STORY_N_RECORDS);
  verify = git ("--git-dir", story->path, "bundle", "verify", full, NULL);

  /* git clones it. */
  g_free (git ("clone", "--quiet", "--bare", "-b", "main", full, fresh, NULL));
  g_free (git ("--git-dir", fresh, "fsck", "--strict", NULL));

  /* Only what came after record 15; imported where records 16-18 lack. */
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (story->path, &out, &err, "bundle", "create", delta,
                              "--since", "15", NULL), 0);
  assert_contains (out, "3 record(s)");
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (behind, &out, &err, "bundle", "import", delta, NULL), 0);
  assert_contains (out, "imported 3 record(s), audited; now at record 18");
  {
    g_autofree char *now = main_of (behind);

    ck_assert_str_eq (now, tip);
  }
  /* Again: nothing to do. */
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (behind, &out, &err, "bundle", "import", delta, NULL), 0);
  assert_contains (out, "nothing new, already at record 18");
  /* An existing file is not overwritten. */
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (chain_at (story->path, NULL, &err, "bundle", "create", full, NULL), 1);
  assert_one_error_line (err, "full.bundle");
}
END_TEST

START_TEST (test_bundle_rollback_refused)
{
  g_autofree char *behind = clone_bare (story->path, "behind.git", 2);
  g_autofree char *old = path_in ("old.bundle");
  g_autofree char *err = NULL;
  g_autofree char *tip = main_of (story->path);
  g_autofree char *after = NULL;

  ck_assert_int_eq (chain_at (behind, NULL, NULL, "bundle", "create", old, NULL), 0);
  ck_assert_int_eq (chain_at (story->path, NULL, &err, "bundle", "import", old, NULL), 3);
  assert_one_error_line (err, "rollback");
  after = main_of (story->path);
  ck_assert_str_eq (after, tip);
}
END_TEST

/* A bundle carrying a record that fails the audit moves nothing. */
START_TEST (test_bundle_unaudited_refused)
{
  g_autofree char *evil = clone_bare (story->path, "evil.git", 0);
  g_autofree char *bundle = path_in ("evil.bundle");
  g_autofree char *err = NULL;
  g_autofree char *tip = main_of (story->path);
  g_autofree char *after = NULL;

  append_unsigned_commit (evil);
  g_free (git ("--git-dir", evil, "bundle", "create", bundle, "main", NULL));
  ck_assert_int_eq (chain_at (story->path, NULL, &err, "bundle", "import", bundle, NULL), 3);
  assert_one_error_line (err, "commit.unsigned");
  after = main_of (story->path);
  ck_assert_str_eq (after, tip);
}
END_TEST

/* ---- sync between ledgers -------------------------------------------------------- */

START_TEST (test_sync_path_fetch_and_push)
{
  g_autofree char *behind = clone_bare (story->path, "behind.git", 4);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *tip = main_of (story->path);
  g_autofree char *now = NULL;
  g_autoptr(ChainJson) json = NULL;
  ChainJson *push = NULL;
  const char *status = NULL;

  /* Fetch: the one behind catches up. */
  ck_assert_int_eq (chain_at (behind, &out, &err, "sync", story->path, NULL), 0);
  assert_contains (out, "fetched 4 record(s), audited; now at record 18");
  now = main_of (behind);
  ck_assert_str_eq (now, tip);

  /* Push: a newer record here goes to the other side. */
  append_annotation (behind, "pushed by sync");
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (behind, &out, &err, "--json", "sync", story->path, NULL), 0);
  json = parse_json (out);
  push = chain_json_object_get_member (json, "push");
  ck_assert_ptr_nonnull (push);
  ck_assert (chain_json_object_get_string_member (push, "status", &status, NULL));
  ck_assert_str_eq (status, "fast-forwarded");
  g_clear_pointer (&now, g_free);
  g_clear_pointer (&tip, g_free);
  now = main_of (story->path);
  tip = main_of (behind);
  ck_assert_str_eq (now, tip);

  /* --no-push leaves the remote behind. */
  append_annotation (behind, "not pushed");
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (behind, &out, &err, "sync", "--no-push", story->path, NULL), 0);
  assert_contains (out, "lacks 1 of our record(s); not pushed");
  g_clear_pointer (&tip, g_free);
  tip = main_of (story->path);
  ck_assert_str_eq (now, tip);
}
END_TEST

START_TEST (test_sync_remote_name)
{
  g_autofree char *behind = path_in ("behind.git");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *url = NULL;
  g_autofree char *moved = NULL;

  /* A plain bare repository, not a clone: no origin yet. */
  g_free (git ("init", "--quiet", "--bare", behind, NULL));
  ck_assert_int_eq (chain_at (behind, NULL, &err, "sync", NULL), 1);
  assert_one_error_line (err, "--set-remote");
  ck_assert_int_eq (chain_at (behind, &out, &err, "sync", "--set-remote", story->path, NULL), 0);
  assert_contains (out, "remote origin is");
  url = git ("--git-dir", behind, "config", "remote.origin.url", NULL);
  ck_assert_str_eq (url, story->path);
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (behind, &out, &err, "sync", NULL), 0);
  assert_contains (out, "up to date");
  moved = main_of (behind);
  ck_assert_uint_eq (strlen (moved), 40);
}
END_TEST

/* Both sides appended since record 18: refused, nothing moves, and the
 * message says what to do. */
START_TEST (test_sync_diverged)
{
  g_autofree char *other = clone_bare (story->path, "other.git", 0);
  g_autofree char *err = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *after = NULL;

  append_annotation (story->path, "ours");
  append_annotation (other, "theirs");
  ours = main_of (story->path);
  ck_assert_int_eq (chain_at (story->path, NULL, &err, "sync", other, NULL), 1);
  assert_one_error_line (err, "diverged");
  assert_contains (err, "nothing was changed");
  after = main_of (story->path);
  ck_assert_str_eq (after, ours);
}
END_TEST

/* A remote we synced with, then force-pushed back: refused loudly. */
START_TEST (test_sync_rewritten_remote)
{
  g_autofree char *mirror = path_in ("mirror.git");
  g_autofree char *remote = clone_bare (story->path, "remote.git", 0);
  g_autofree char *err = NULL;
  g_autofree char *back = NULL;

  g_free (git ("init", "--quiet", "--bare", mirror, NULL));
  ck_assert_int_eq (chain_at (mirror, NULL, &err, "-q", "sync", remote, NULL), 0);
  back = git ("--git-dir", remote, "rev-parse", "refs/heads/main~2", NULL);
  g_free (git ("--git-dir", remote, "update-ref", "refs/heads/main", back, NULL));
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (chain_at (mirror, NULL, &err, "sync", remote, NULL), 3);
  assert_one_error_line (err, "rolled back");
}
END_TEST

/* git daemon serves the ledger over git:// on 127.0.0.1; it dies with
 * the test process even when an assertion skips the cleanup. */
static void
daemon_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static guint
free_port (void)
{
  struct sockaddr_in address = { 0 };
  socklen_t len = sizeof address;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint port;

  ck_assert_int_ge (fd, 0);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ck_assert_int_eq (bind (fd, (struct sockaddr *) &address, sizeof address), 0);
  ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &address, &len), 0);
  port = ntohs (address.sin_port);
  close (fd);
  return port;
}

static gboolean
port_answers (guint port)
{
  struct sockaddr_in address = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean ok;

  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  address.sin_port = htons (port);
  ok = connect (fd, (struct sockaddr *) &address, sizeof address) == 0;
  close (fd);
  return ok;
}

static GPid
daemon_start (const char *base, guint *out_port)
{
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *port_arg = NULL;
      g_autofree char *base_arg = g_strdup_printf ("--base-path=%s", base);
      guint port = free_port ();
      GPid pid = 0;
      const char *argv[] = { "git", "daemon", "--reuseaddr", "--listen=127.0.0.1", NULL, NULL,
                             "--export-all", "--enable=receive-pack", NULL };

      port_arg = g_strdup_printf ("--port=%u", port);
      argv[4] = port_arg;
      argv[5] = base_arg;
      ck_assert_msg (g_spawn_async (NULL, (char **) argv, NULL,
                                    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                                    | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                    daemon_child_setup, NULL, &pid, &error),
                     "git daemon: %s", error ? error->message : "?");
      for (guint wait = 0; wait < 250; wait++)
        {
          if (port_answers (port))
            {
              *out_port = port;
              return pid;
            }
          if (waitpid (pid, NULL, WNOHANG) == pid)
            break;
          g_usleep (20 * 1000);
        }
      kill (pid, SIGTERM);
      waitpid (pid, NULL, 0);
    }
  ck_abort_msg ("git daemon did not start on 127.0.0.1");
  return 0;
}

START_TEST (test_sync_git_daemon)
{
  g_autofree char *served = clone_bare (story->path, "served.git", 0);
  g_autofree char *behind = clone_bare (story->path, "behind.git", 3);
  g_autofree char *url = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *tip = main_of (served);
  g_autofree char *now = NULL;
  guint port = 0;
  GPid pid = daemon_start (tmpdir, &port);
  int fetch_status;
  int push_status;

  url = g_strdup_printf ("git://127.0.0.1:%u/served.git", port);
  fetch_status = chain_at (behind, &out, &err, "sync", url, NULL);
  now = main_of (behind);
  /* And back: a record appended here reaches the server. */
  append_annotation (behind, "over git://");
  push_status = chain_at (behind, NULL, NULL, "-q", "sync", url, NULL);
  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);

  ck_assert_msg (fetch_status == 0, "sync over git:// exited %d: %s", fetch_status, err);
  assert_contains (out, "fetched 3 record(s)");
  ck_assert_str_eq (now, tip);
  ck_assert_int_eq (push_status, 0);
  g_clear_pointer (&tip, g_free);
  g_clear_pointer (&now, g_free);
  tip = main_of (behind);
  now = main_of (served);
  ck_assert_str_eq (now, tip);
}
END_TEST

/* ---- usage errors ------------------------------------------------------------------ */

static const struct {
  const char *args[7];
  const char *message;
} usage_errors[] = {
  { { "log", "-n", "-5", NULL }, "-n takes a count" },
  { { "log", "--type", "bogus", NULL }, "device-batch" },
  { { "log", "--author", "Not An Id", NULL }, "--author" },
  { { "log", "extra", NULL }, "unexpected argument 'extra'" },
  { { "log", "--bogus", NULL }, "Unknown option" },
  { { "show", NULL }, "name a record" },
  { { "show", "1", "2", NULL }, "give one record" },
  { { "show", "zz", NULL }, "is no record name" },
  { { "show", "abc", NULL }, "is no record name" },
  { { "show", "1", "-o", "x", NULL }, "-o needs --artifact" },
  { { "--json", "show", "1", "--artifact", "a", NULL }, "needs -o FILE" },
  { { "status", "extra", NULL }, "unexpected argument" },
  { { "audit", "--root", "xyz", NULL }, "64 hex digits" },
  { { "audit", "extra", NULL }, "unexpected argument" },
  { { "audit", "--export-seq", "3", NULL }, "--export-seq needs --export-dir" },
  { { "sync", "a", "b", NULL }, "at most one remote" },
  { { "sync", "/some/path", "--set-remote", "x", NULL }, "needs a remote name" },
  { { "bundle", NULL }, "create FILE or import FILE" },
  { { "bundle", "frob", "x", NULL }, "unknown action 'frob'" },
  { { "bundle", "create", NULL }, "takes one FILE" },
  { { "bundle", "import", "a", "b", NULL }, "takes one FILE" },
  { { "bundle", "import", "a", "--since", "3", NULL }, "--since is for create" },
  { { "bundle", "create", "f", "--since", "abc", NULL }, "--since takes" },
};

START_TEST (test_usage_errors)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = chain_argv (story->path, usage_errors[_i].args, &out, &err);

  ck_assert_msg (status == 2, "%s: exit %d, stderr: %s", usage_errors[_i].args[0], status, err);
  assert_one_error_line (err, usage_errors[_i].message);
  ck_assert_str_eq (out, "");
}
END_TEST

/* Not a workspace, not a ledger. */
START_TEST (test_nothing_there)
{
  const char *const commands[] = { "log", "show", "audit", "sync", "bundle", "status" };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *err = NULL;
      const char *const args[] = { commands[i],
                                   strcmp (commands[i], "show") == 0 ? "tip"
                                   : strcmp (commands[i], "bundle") == 0 ? "import" : NULL,
                                   strcmp (commands[i], "bundle") == 0 ? "/dev/null" : NULL,
                                   NULL };

      ck_assert_int_eq (chain_argv (tmpdir, args, NULL, &err), 1);
      assert_one_error_line (err, "chain init");
    }
}
END_TEST

/* ---- Workspaces ------------------------------------------------------------------------ */

static char *oem_dir;
static char *cm_dir;

static ChainWorkspace *
make_oem (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  ChainWorkspace *ws = NULL;

  options.org = "Acme Devices";
  options.passphrase = passphrase;
  ws = chain_workspace_init (oem_dir, &options, NULL, &error);
  test_assert_no_error (error);
  return ws;
}

static ChainWorkspace *
make_cm_request (const char *request_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  ChainWorkspace *ws = NULL;

  options.org = "Widget Manufacturing";
  options.tier = "manufacturer";
  options.passphrase = passphrase;
  ws = chain_workspace_request (cm_dir, &options, request_path, NULL, &error);
  test_assert_no_error (error);
  return ws;
}

/* The OEM delegates to the CM through files, as `chain delegate` and
 * `chain accept` do. */
static void
delegate_and_accept (ChainWorkspace *oem, ChainWorkspace *cm, const char *request_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRequestFile) request = chain_request_file_load (request_path, &error);
  g_autofree char *grant = path_in ("cm.grant");

  test_assert_no_error (error);
  ck_assert (chain_workspace_delegate (oem, request, NULL, grant, &(ChainDelegateOutcome) { 0 }, NULL, &error));
  test_assert_no_error (error);
  ck_assert (chain_workspace_accept (cm, grant, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
}

static void
workspace_setup (void)
{
  setup ();
  oem_dir = path_in ("oem");
  cm_dir = path_in ("cm-widget");
}

static void
workspace_teardown (void)
{
  g_clear_pointer (&oem_dir, g_free);
  g_clear_pointer (&cm_dir, g_free);
  teardown ();
}

START_TEST (test_status_oem)
{
  g_autoptr(ChainWorkspace) oem = make_oem ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(ChainJson) json = NULL;
  ChainJson *workspace = NULL;
  ChainJson *custody = NULL;
  ChainJson *ledger = NULL;
  const char *text = NULL;
  gboolean unlocked = TRUE;

  ck_assert_int_eq (chain_at (oem_dir, &out, &err, "status", NULL), 0);
  assert_contains (out, "custodian   acme-devices (Acme Devices), tier oem");
  assert_contains (out, "SHA-256");
  assert_contains (out, "pinned tip  record 0");
  assert_contains (out, "acme-devices *");
  assert_contains (out, "valid");
  assert_contains (out, "Pending requests: none");

  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (oem_dir, &out, &err, "--json", "status", NULL), 0);
  assert_python_json (out);
  json = parse_json (out);
  ck_assert (chain_json_object_get_object_member (json, "workspace", &workspace, NULL));
  ck_assert (chain_json_object_get_string_member (workspace, "tier", &text, NULL));
  ck_assert_str_eq (text, "oem");
  ck_assert (chain_json_object_get_boolean_member (workspace, "unlocked", &unlocked, NULL));
  ck_assert (!unlocked);
  ck_assert (chain_json_object_get_object_member (json, "ledger", &ledger, NULL));
  ck_assert (chain_json_object_get_string_member (ledger, "id", &text, NULL));
  ck_assert_str_eq (text, chain_ledger_get_id (chain_workspace_get_ledger (oem)));
  ck_assert (chain_json_object_get_array_member (json, "custody", &custody, NULL));
  ck_assert_uint_eq (chain_json_array_get_length (custody), 1);
}
END_TEST

/* A workspace made by `chain request` says it waits for a grant; the
 * commands that need a ledger say what to do. */
START_TEST (test_status_waiting_for_grant)
{
  g_autofree char *request = path_in ("cm.request");
  g_autoptr(ChainWorkspace) cm = make_cm_request (request);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(ChainJson) json = NULL;

  ck_assert_int_eq (chain_at (cm_dir, &out, &err, "status", NULL), 0);
  assert_contains (out, "tier manufacturer");
  assert_contains (out, "waiting for a grant");
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (cm_dir, &out, &err, "--json", "status", NULL), 0);
  json = parse_json (out);
  ck_assert_int_eq (chain_json_get_value_type (chain_json_object_get_member (json, "ledger")),
                    CHAIN_JSON_NULL);
  for (guint i = 0; i < 3; i++)
    {
      const char *command = (const char *[]) { "log", "audit", "sync" }[i];

      g_clear_pointer (&err, g_free);
      ck_assert_int_eq (chain_at (cm_dir, NULL, &err, command, NULL), 1);
      assert_one_error_line (err, "chain accept GRANT");
    }
}
END_TEST

/* Two workspaces sync over a file path: the CM's acceptance goes to the
 * OEM, the OEM's next record comes back, and the pins follow. */
START_TEST (test_sync_workspaces)
{
  g_autofree char *request = path_in ("cm.request");
  g_autoptr(ChainWorkspace) oem = make_oem ();
  g_autoptr(ChainWorkspace) cm = make_cm_request (request);
  g_autoptr(GError) error = NULL;
  g_autofree char *oem_ledger = NULL;
  g_autofree char *cm_ledger = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *pin_path = g_build_filename (cm_dir, CHAIN_SYNC_PIN_FILE, NULL);

  delegate_and_accept (oem, cm, request);
  oem_ledger = g_build_filename (oem_dir, CHAIN_WORKSPACE_LEDGER_DIR, NULL);
  cm_ledger = g_build_filename (cm_dir, CHAIN_WORKSPACE_LEDGER_DIR, NULL);

  /* The CM holds its acceptance, which the OEM lacks: pushed. The remote
   * is the OEM's workspace directory, which stands for its ledger. */
  ck_assert_int_eq (chain_at (cm_dir, &out, &err, "sync", oem_dir, NULL), 0);
  assert_contains (out, "pushed 1 record");
  a = main_of (oem_ledger);
  b = main_of (cm_ledger);
  ck_assert_str_eq (a, b);
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (oem_dir, &out, &err, "status", NULL), 0);
  assert_contains (out, "widget-manufacturing");
  assert_contains (out, "manufacturer");

  /* The OEM appends; the CM fetches it and its pin moves. */
  ck_assert (chain_workspace_refresh (oem, NULL, NULL, &error));
  test_assert_no_error (error);
  {
    g_autoptr(ChainSecret) passphrase = test_support_passphrase ();

    ck_assert (chain_workspace_unlock (oem, NULL, passphrase, &error));
    test_assert_no_error (error);
  }
  ck_assert (chain_workspace_annotate (oem, "line 3 moved to Building B", NULL, NULL, &error));
  test_assert_no_error (error);
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (cm_dir, &out, &err, "sync", oem_dir, NULL), 0);
  assert_contains (out, "fetched 1 record, audited; now at record 4");
  g_clear_pointer (&a, g_free);
  a = main_of (oem_ledger);
  ck_assert (chain_sync_pin_read (pin_path, &pin, NULL, &error));
  ck_assert_str_eq (pin, a);
  g_clear_pointer (&out, g_free);
  ck_assert_int_eq (chain_at (cm_dir, &out, &err, "log", "-n", "1", NULL), 0);
  assert_contains (out, "line 3 moved to Building B");

  /* Both audit clean, with their pins and roots. */
  ck_assert_int_eq (chain_at (cm_dir, NULL, &err, "-q", "audit", NULL), 0);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (chain_at (oem_dir, NULL, &err, "audit", NULL), 0);
  ck_assert_str_eq (err, "");

  /* And plain git clones, lists and checks a workspace's ledger. */
  {
    g_autofree char *clone = path_in ("auditor");
    g_autofree char *log = NULL;

    g_free (git ("clone", "--quiet", oem_ledger, clone, NULL));
    log = git ("-C", clone, "log", "--format=%s", NULL);
    assert_contains (log, "annotation #4 by acme-devices");
    assert_contains (log, "acceptance #3 by widget-manufacturing");
    g_free (git ("-C", clone, "fsck", "--strict", NULL));
  }
}
END_TEST

/* A workspace's ledger moved back behind its pin with plain git: log,
 * show and audit refuse it with exit 3. */
START_TEST (test_workspace_rewritten)
{
  g_autofree char *request = path_in ("cm.request");
  g_autoptr(ChainWorkspace) oem = make_oem ();
  g_autoptr(ChainWorkspace) cm = make_cm_request (request);
  g_autofree char *ledger = g_build_filename (oem_dir, CHAIN_WORKSPACE_LEDGER_DIR, NULL);
  g_autofree char *back = NULL;
  g_autofree char *err = NULL;

  delegate_and_accept (oem, cm, request);
  back = git ("--git-dir", ledger, "rev-parse", "refs/heads/main~1", NULL);
  g_free (git ("--git-dir", ledger, "update-ref", "refs/heads/main", back, NULL));
  ck_assert_int_eq (chain_at (oem_dir, NULL, &err, "audit", NULL), 3);
  assert_one_error_line (err, "history.rewrite");
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (chain_at (oem_dir, NULL, &err, "log", NULL), 3);
  assert_one_error_line (err, "rewritten");
}
END_TEST

/* ---- Every command: man page, completion, --help ----------------------------------- */

static GStrv
table_commands (void)
{
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  gboolean in_list = FALSE;

  ck_assert_int_eq (chain_at (NULL, &out, NULL, "--help", NULL), 0);
  lines = g_strsplit (out, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      if (strcmp (lines[i], "Commands:") == 0)
        in_list = TRUE;
      else if (in_list && g_str_has_prefix (lines[i], "  "))
        {
          g_auto(GStrv) words = g_strsplit (g_strchug (lines[i]), " ", 2);

          g_ptr_array_add (names, g_strdup (words[0]));
        }
      else if (in_list)
        break;
    }
  ck_assert_uint_ge (names->len, 17);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static const char *
source_dir (void)
{
  const char *dir = g_getenv ("CHAIN_SOURCE_DIR");

  ck_assert_msg (dir != NULL, "CHAIN_SOURCE_DIR is not set: run through meson test");
  return dir;
}

START_TEST (test_every_command_documented)
{
  g_auto(GStrv) commands = table_commands ();
  g_autofree char *completion_path = g_build_filename (source_dir (), "data", "completion",
                                                       "chain", NULL);
  g_autofree char *main_page = g_build_filename (source_dir (), "data", "man", "chain.1", NULL);
  g_autofree char *completion = NULL;
  g_autofree char *main_text = NULL;

  ck_assert_msg (g_file_get_contents (completion_path, &completion, NULL, NULL),
                 "no %s", completion_path);
  ck_assert_msg (g_file_get_contents (main_page, &main_text, NULL, NULL), "no %s", main_page);
  for (gsize i = 0; commands[i] != NULL; i++)
    {
      g_autofree char *page_name = g_strdup_printf ("chain-%s.1", commands[i]);
      g_autofree char *page = g_build_filename (source_dir (), "data", "man", page_name, NULL);
      g_autofree char *case_label = g_strdup_printf ("\n    %s)", commands[i]);
      g_autofree char *reference = g_strdup_printf (".BR chain\\-%s (1)", commands[i]);

      ck_assert_msg (g_file_test (page, G_FILE_TEST_IS_REGULAR), "no man page %s", page);
      ck_assert_msg (strstr (completion, case_label) != NULL,
                     "no completion case for %s", commands[i]);
      ck_assert_msg (strstr (main_text, reference) != NULL,
                     "chain.1 does not mention %s", reference);
    }
}
END_TEST

/* The long options `chain CMD --help` lists (GOption's lines "  -o, --output=FILE"
 * or "  --all"), --help itself excepted. */
static GPtrArray *
help_options (const char *command)
{
  g_autoptr(GRegex) regex = g_regex_new ("^  (?:-[a-zA-Z], )?--([a-z0-9][a-z0-9-]*)",
                                         G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *out = NULL;
  GPtrArray *options = g_ptr_array_new_with_free_func (g_free);

  ck_assert_int_eq (chain_at (NULL, &out, NULL, command, "--help", NULL), 0);
  for (g_regex_match (regex, out, 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      char *name = g_match_info_fetch (match, 1);

      if (g_str_has_prefix (name, "help"))
        g_free (name);
      else
        g_ptr_array_add (options, name);
    }
  return options;
}

/* The completion file's case for @command, up to the next one. */
static char *
completion_case (const char *completion, const char *command)
{
  g_autofree char *label = g_strdup_printf ("\n    %s)", command);
  const char *start = strstr (completion, label);
  g_autoptr(GRegex) next = g_regex_new ("\n    [a-z]+\\)|\n  esac", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  int end = -1;

  if (start == NULL)
    return NULL;
  start += strlen (label);
  if (g_regex_match (next, start, 0, &match))
    g_match_info_fetch_pos (match, 0, &end, NULL);
  return end >= 0 ? g_strndup (start, (gsize) end) : g_strdup (start);
}

/* Every option each command's --help lists is in its man page and its
 * completion case, so neither falls behind the code. */
START_TEST (test_every_option_documented)
{
  g_auto(GStrv) commands = table_commands ();
  g_autofree char *completion_path = g_build_filename (source_dir (), "data", "completion",
                                                       "chain", NULL);
  g_autofree char *completion = NULL;
  g_autoptr(GString) missing = g_string_new (NULL);

  ck_assert (g_file_get_contents (completion_path, &completion, NULL, NULL));
  for (gsize i = 0; commands[i] != NULL; i++)
    {
      g_autofree char *page_name = g_strdup_printf ("chain-%s.1", commands[i]);
      g_autofree char *page = g_build_filename (source_dir (), "data", "man", page_name, NULL);
      g_autofree char *man = NULL;
      g_autofree char *block = completion_case (completion, commands[i]);
      g_autoptr(GPtrArray) options = help_options (commands[i]);

      ck_assert_msg (g_file_get_contents (page, &man, NULL, NULL), "no man page %s", page);
      ck_assert_msg (block != NULL, "no completion case for %s", commands[i]);
      for (guint k = 0; k < options->len; k++)
        {
          const char *name = options->pdata[k];
          g_autofree char *plain = g_strdup_printf ("--%s", name);
          g_auto(GStrv) parts = g_strsplit (plain, "-", -1);
          g_autofree char *roff = g_strjoinv ("\\-", parts);

          if (strstr (man, roff) == NULL)
            g_string_append_printf (missing, " %s: %s not in %s;", commands[i], plain, page_name);
          if (strstr (block, plain) == NULL)
            g_string_append_printf (missing, " %s: %s not completed;", commands[i], plain);
        }
    }
  ck_assert_msg (missing->len == 0, "undocumented options:%s", missing->str);
}
END_TEST

START_TEST (test_every_command_help)
{
  g_auto(GStrv) commands = table_commands ();
  g_autoptr(GString) failures = g_string_new (NULL);

  for (gsize i = 0; commands[i] != NULL; i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status = chain_at (NULL, &out, &err, commands[i], "--help", NULL);

      if (status != 0 || strstr (out, "Example") == NULL)
        g_string_append_printf (failures, " %s (exit %d)", commands[i], status);
    }
  ck_assert_msg (failures->len == 0, "--help without an example or failing:%s", failures->str);
}
END_TEST

static Suite *
cli_read_suite (void)
{
  Suite *suite = suite_create ("cli-read");
  TCase *read = tcase_create ("read");
  TCase *attacks = tcase_create ("audit");
  TCase *transfer = tcase_create ("sync");
  TCase *workspaces = tcase_create ("workspaces");
  TCase *docs = tcase_create ("docs");

  tcase_add_unchecked_fixture (read, story_setup, story_teardown);
  tcase_add_checked_fixture (read, story_case_setup, story_case_teardown);
  tcase_add_test (read, test_log_newest_first);
  tcase_add_loop_test (read, test_log_filters, 0, G_N_ELEMENTS (log_filters));
  tcase_add_test (read, test_log_json);
  tcase_add_test (read, test_log_damaged_record);
  tcase_add_test (read, test_show_names);
  tcase_add_test (read, test_show_details);
  tcase_add_test (read, test_show_json);
  tcase_add_test (read, test_show_artifact);
  tcase_add_test (read, test_show_not_found);
  tcase_add_loop_test (read, test_usage_errors, 0, G_N_ELEMENTS (usage_errors));
  tcase_add_test (read, test_nothing_there);
  tcase_add_test (read, test_git_clone_log_fsck);
  suite_add_tcase (suite, read);

  tcase_add_unchecked_fixture (attacks, story_setup, story_teardown);
  tcase_add_checked_fixture (attacks, story_case_setup, story_case_teardown);
  tcase_add_test (attacks, test_audit_passes);
  tcase_add_test (attacks, test_audit_report_file);
  tcase_add_test (attacks, test_audit_tampered);
  tcase_add_test (attacks, test_audit_foreign_root);
  tcase_add_test (attacks, test_audit_edited_artifact);
  suite_add_tcase (suite, attacks);

  tcase_add_unchecked_fixture (transfer, story_setup, story_teardown);
  tcase_add_checked_fixture (transfer, story_case_setup, story_case_teardown);
  tcase_add_test (transfer, test_bundle_round_trip);
  tcase_add_test (transfer, test_bundle_rollback_refused);
  tcase_add_test (transfer, test_bundle_unaudited_refused);
  tcase_add_test (transfer, test_sync_path_fetch_and_push);
  tcase_add_test (transfer, test_sync_remote_name);
  tcase_add_test (transfer, test_sync_diverged);
  tcase_add_test (transfer, test_sync_rewritten_remote);
  tcase_add_test (transfer, test_sync_git_daemon);
  suite_add_tcase (suite, transfer);

  tcase_add_checked_fixture (workspaces, workspace_setup, workspace_teardown);
  tcase_add_test (workspaces, test_status_oem);
  tcase_add_test (workspaces, test_status_waiting_for_grant);
  tcase_add_test (workspaces, test_sync_workspaces);
  tcase_add_test (workspaces, test_workspace_rewritten);
  suite_add_tcase (suite, workspaces);

  tcase_add_test (docs, test_every_command_documented);
  tcase_add_test (docs, test_every_option_documented);
  tcase_add_test (docs, test_every_command_help);
  suite_add_tcase (suite, docs);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (cli_read_suite ());
}
