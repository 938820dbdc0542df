/* test-ledger.c — the ledger repository: append, read, races, crashes
 *
 * Plain git checks what we write (git log, git fsck, git cat-file); forged
 * commits made with libgit2 check that the reader refuses what our writer
 * never makes; forked writers killed at random moments, or at each step of
 * an append by the LIBCHAIN_TEST_KILL_AT hook, check that a crash leaves
 * the old tip or the new one; four writer processes at once check the
 * compare-and-swap.
 */
#include "test-support.h"

#include <git2.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chain-ledger-private.h"
#include "chain-ledger-pack-private.h"
#include "chain-pki-private.h"
#include "ledger-pki.h"

#define POLICY "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* Made once by the unchecked fixture. */
static char *pki_dir;
static ChainKey *root_key;
static ChainCert *root;
static ChainKey *officer_key;
static ChainCert *officer;
static ChainKey *officer2_key;
static ChainCert *officer2;
static char *officer_key_path;
static char *officer_cert_path;

/* Per test. */
static char *tmpdir;
static char *path;         /* tmpdir/ledger.git */
static ChainLedgerSigner *signer;
static ChainLedgerSigner *signer2;

static void
pki_setup (void)
{
  g_autoptr(ChainSecret) passphrase = test_support_passphrase ();
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(GError) error = NULL;

  pki_dir = test_support_tmpdir_new ();
  root_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, NULL);
  officer_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, NULL);
  officer2_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, NULL);
  ck_assert (root_key != NULL && officer_key != NULL && officer2_key != NULL);
  root = ledger_pki_root (root_key, "ledger root");
  ck_assert_ptr_nonnull (root);
  officer = ledger_pki_officer (root_key, root, officer_key, "Alice");
  officer2 = ledger_pki_officer (root_key, root, officer2_key, "Bob <b@x>");
  ck_assert (officer != NULL && officer2 != NULL);

  /* For ledger-writer processes. */
  officer_key_path = g_build_filename (pki_dir, "officer.key", NULL);
  officer_cert_path = g_build_filename (pki_dir, "officer.pem", NULL);
  ck_assert (chain_key_save (officer_key, officer_key_path, passphrase, &error));
  test_assert_no_error (error);
  pem = chain_cert_to_pem (officer);
  test_support_write_file (officer_cert_path, g_bytes_get_data (pem, NULL),
                           g_bytes_get_size (pem));
}

static void
pki_teardown (void)
{
  test_support_tmpdir_remove (pki_dir);
  g_clear_pointer (&pki_dir, g_free);
  g_clear_pointer (&root_key, chain_key_free);
  g_clear_pointer (&root, chain_cert_free);
  g_clear_pointer (&officer_key, chain_key_free);
  g_clear_pointer (&officer, chain_cert_free);
  g_clear_pointer (&officer2_key, chain_key_free);
  g_clear_pointer (&officer2, chain_cert_free);
  g_clear_pointer (&officer_key_path, g_free);
  g_clear_pointer (&officer_cert_path, g_free);
}

static void
setup (void)
{
  g_autoptr(GError) error = NULL;

  tmpdir = test_support_tmpdir_new ();
  path = g_build_filename (tmpdir, "ledger.git", NULL);
  signer = chain_ledger_signer_new (officer_key, officer, NULL, &error);
  test_assert_no_error (error);
  signer2 = chain_ledger_signer_new (officer2_key, officer2, NULL, &error);
  test_assert_no_error (error);
}

static void
teardown (void)
{
  g_clear_pointer (&signer, chain_ledger_signer_free);
  g_clear_pointer (&signer2, chain_ledger_signer_free);
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&path, g_free);
}

/* Helpers */

static GBytes *
text_bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* A statement by "oem" signed by the officer; @artifact (nullable) is
 * added as "note.txt". */
static ChainStatement *
make_statement (ChainRecordType  type,
                const char      *ledger_id,
                const char      *text,
                const char      *artifact)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) body = chain_json_new_object ();
  g_autoptr(ChainStatement) statement = NULL;

  chain_json_object_set_string (body, "text", text);
  statement = chain_statement_new (type, "oem", ledger_id, POLICY, 1764200000, body, &error);
  test_assert_no_error (error);
  if (artifact != NULL)
    {
      g_autoptr(GBytes) data = text_bytes (artifact);

      ck_assert (chain_statement_add_artifact (statement, "note.txt", data, &error));
      test_assert_no_error (error);
    }
  ck_assert (chain_statement_sign (statement, officer_key, &error));
  test_assert_no_error (error);
  return g_steal_pointer (&statement);
}

static ChainStatement *
make_genesis (const char *ledger_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) body = chain_json_new_object ();
  g_autoptr(GBytes) root_pem = chain_cert_to_pem (root);
  g_autoptr(GBytes) officer_pem = chain_cert_to_pem (officer);
  g_autoptr(ChainStatement) statement = NULL;

  chain_json_object_set_string (body, "text", "genesis");
  statement = chain_statement_new (CHAIN_RECORD_TYPE_GENESIS, "oem", ledger_id, POLICY,
                                   1764200000, body, &error);
  test_assert_no_error (error);
  ck_assert (chain_statement_add_artifact (statement, "root.pem", root_pem, &error));
  ck_assert (chain_statement_add_artifact (statement, "officer.pem", officer_pem, &error));
  ck_assert (chain_statement_sign (statement, officer_key, &error));
  test_assert_no_error (error);
  return g_steal_pointer (&statement);
}

static ChainLedger *
new_ledger (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ledger_id = chain_statement_new_id ();
  g_autoptr(ChainStatement) genesis = make_genesis (ledger_id);
  ChainLedger *ledger = chain_ledger_create (path, genesis, signer, NULL, NULL, NULL, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (ledger);
  return ledger;
}

static void
append_text (ChainLedger *ledger,
             const char  *text,
             const char  *artifact)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainStatement) statement = make_statement (CHAIN_RECORD_TYPE_ANNOTATION,
                                                        chain_ledger_get_id (ledger), text,
                                                        artifact);

  ck_assert (chain_ledger_append (ledger, statement, signer, NULL, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
}

/* Opens @path afresh and reads every record: all readable, seq contiguous,
 * links intact. Returns the length. */
static guint64
verify_ledger (const char *ledger_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedger) ledger = chain_ledger_open (ledger_path, NULL, &error);
  g_autofree char *prev = g_strdup (CHAIN_RECORD_NO_PREV);
  guint64 length;

  test_assert_no_error (error);
  length = chain_ledger_get_length (ledger);
  for (guint64 seq = 0; seq < length; seq++)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, seq, &error);

      test_assert_no_error (error);
      ck_assert_uint_eq (chain_record_get_seq (record), seq);
      ck_assert_str_eq (chain_record_get_prev (record), prev);
      ck_assert_str_eq (chain_record_get_ledger_id (record), chain_ledger_get_id (ledger));
      ck_assert (chain_statement_verify_signature (chain_record_get_statement (record), 0,
                                                   officer, &error));
      test_assert_no_error (error);
      g_free (prev);
      prev = g_strdup (chain_record_get_digest (record));
    }
  if (length > 0)
    {
      g_autoptr(ChainRecord) tip = chain_ledger_load_record (ledger, length - 1, &error);

      ck_assert_str_eq (chain_record_get_commit_id (tip), chain_ledger_get_tip_commit_id (ledger));
    }
  return length;
}

static char *
git_out (const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Runs git -C path ARGS, asserts exit 0, returns stdout. */
static char *
git_out (const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  char *out = NULL;
  const char *arg = first;
  va_list args;
  int status;

  g_ptr_array_add (argv, (gpointer) "git");
  g_ptr_array_add (argv, (gpointer) "-C");
  g_ptr_array_add (argv, path);
  va_start (args, first);
  while (arg != NULL)
    {
      g_ptr_array_add (argv, (gpointer) arg);
      arg = va_arg (args, const char *);
    }
  va_end (args);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, NULL, &out, &err);
  ck_assert_msg (status == 0, "git %s exited %d: %s", first, status, err);
  return out;
}

/* git log: one line per record, newest first, "<commit> [<parent>]". */
static void
assert_linear_history (ChainLedger *ledger)
{
  g_autofree char *log = git_out ("log", "--format=%H %P", "main", NULL);
  g_auto(GStrv) lines = g_strsplit (g_strchomp (log), "\n", -1);
  guint64 length = chain_ledger_get_length (ledger);
  g_autoptr(GError) error = NULL;

  ck_assert_uint_eq (g_strv_length (lines), length);
  for (guint64 i = 0; i < length; i++)
    {
      g_auto(GStrv) ids = g_strsplit (lines[i], " ", -1);
      guint64 seq = length - 1 - i;
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, seq, &error);

      test_assert_no_error (error);
      ck_assert_str_eq (ids[0], chain_record_get_commit_id (record));
      if (seq == 0)
        ck_assert_uint_eq (g_strv_length (ids), 1);
      else
        {
          g_autoptr(ChainRecord) parent = chain_ledger_load_record (ledger, seq - 1, &error);

          ck_assert_uint_eq (g_strv_length (ids), 2);
          ck_assert_str_eq (ids[1], chain_record_get_commit_id (parent));
        }
    }
}

static void
assert_fsck_clean (void)
{
  g_autofree char *out = git_out ("fsck", "--strict", "--no-dangling", "--no-progress", NULL);

  ck_assert_msg (out[0] == '\0', "git fsck: %s", out);
}

/* Genesis and reading */

START_TEST (test_create_and_read_genesis)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ledger_id = chain_statement_new_id ();
  g_autoptr(ChainStatement) genesis = make_genesis (ledger_id);
  g_autoptr(ChainLedger) ledger = chain_ledger_create (path, genesis, signer, NULL, NULL, NULL,
                                                       &error);
  g_autoptr(ChainRecord) record = NULL;
  g_autoptr(GBytes) root_pem = chain_cert_to_pem (root);
  g_autoptr(GBytes) artifact = NULL;
  g_autoptr(GBytes) expected_statement = chain_statement_dup_bytes (genesis);
  g_autoptr(GBytes) stored_statement = NULL;
  g_autofree char *head = NULL;
  g_autofree char *record_json = NULL;
  g_autofree char *expected_json = NULL;
  g_autofree char *statement_digest = chain_statement_dup_digest (genesis);

  test_assert_no_error (error);
  ck_assert_uint_eq (chain_ledger_get_length (ledger), 1);
  ck_assert_str_eq (chain_ledger_get_id (ledger), ledger_id);
  ck_assert_str_eq (chain_ledger_get_path (ledger), path);

  record = chain_ledger_load_record (ledger, 0, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_record_get_seq (record), 0);
  ck_assert_str_eq (chain_record_get_path (record), "records/0000/00/00000000-genesis");
  ck_assert_str_eq (chain_record_get_prev (record), CHAIN_RECORD_NO_PREV);
  ck_assert_str_eq (chain_record_get_ledger_id (record), ledger_id);
  ck_assert_uint_eq (strlen (chain_record_get_commit_id (record)), 40);
  ck_assert_str_eq (chain_record_get_commit_id (record), chain_ledger_get_tip_commit_id (ledger));
  ck_assert_int_le (llabs (chain_record_get_commit_time (record)
                           - g_get_real_time () / G_USEC_PER_SEC), 5);
  stored_statement = chain_statement_dup_bytes (chain_record_get_statement (record));
  ck_assert (g_bytes_equal (stored_statement, expected_statement));

  /* record.json exactly as the format says. */
  record_json = g_strndup (g_bytes_get_data (chain_record_get_record_json (record), NULL),
                           g_bytes_get_size (chain_record_get_record_json (record)));
  {
    g_autoptr(GBytes) sigs = chain_statement_dup_signatures_bytes (genesis);
    g_autofree char *sigs_digest = chain_sha256_hex (g_bytes_get_data (sigs, NULL),
                                                     g_bytes_get_size (sigs));

    expected_json = g_strdup_printf ("{\"ledger\":\"%s\",\"prev\":\"%s\",\"seq\":0,"
                                     "\"signatures\":\"%s\",\"statement\":\"%s\","
                                     "\"version\":1}", ledger_id, CHAIN_RECORD_NO_PREV,
                                     sigs_digest, statement_digest);
  }
  ck_assert_str_eq (record_json, expected_json);

  artifact = chain_record_read_artifact (record, "root.pem", NULL, &error);
  test_assert_no_error (error);
  ck_assert (g_bytes_equal (artifact, root_pem));
  ck_assert_ptr_null (chain_record_read_artifact (record, "nope.pem", NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert_ptr_null (chain_ledger_load_record (ledger, 1, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);

  /* Plain git sees a bare repository with HEAD at main. */
  head = git_out ("symbolic-ref", "HEAD", NULL);
  ck_assert_str_eq (g_strchomp (head), "refs/heads/main");
  g_clear_pointer (&head, g_free);
  head = git_out ("rev-parse", "--is-bare-repository", NULL);
  ck_assert_str_eq (g_strchomp (head), "true");
  assert_fsck_clean ();
}
END_TEST

START_TEST (test_append_and_read)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedger) reopened = NULL;
  const guint64 count = 230;   /* crosses records/0000/01 and /02 */

  for (guint64 i = 1; i < count; i++)
    {
      g_autofree char *text = g_strdup_printf ("record %" G_GUINT64_FORMAT, i);

      append_text (ledger, text, i % 7 == 0 ? text : NULL);
      ck_assert_uint_eq (chain_ledger_get_length (ledger), i + 1);
    }
  ck_assert_uint_eq (verify_ledger (path), count);

  reopened = chain_ledger_open (path, NULL, &error);
  test_assert_no_error (error);
  for (guint64 seq = 1; seq < count; seq++)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (reopened, seq, &error);
      ChainStatement *statement = chain_record_get_statement (record);
      g_autofree char *text = g_strdup_printf ("record %" G_GUINT64_FORMAT, seq);
      g_autofree char *dir = chain_record_format_path (seq, "annotation");

      test_assert_no_error (error);
      ck_assert_str_eq (chain_record_get_path (record), dir);
      ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (
                          chain_statement_get_body (statement), "text")), text);
      if (seq % 7 == 0)
        {
          g_autoptr(GBytes) note = chain_record_read_artifact (record, "note.txt", NULL, &error);

          test_assert_no_error (error);
          ck_assert_uint_eq (g_bytes_get_size (note), strlen (text));
          ck_assert (memcmp (g_bytes_get_data (note, NULL), text, strlen (text)) == 0);
        }
      else
        ck_assert_uint_eq (chain_statement_get_artifact_count (statement), 0);
    }
  {
    g_autofree char *far = chain_record_format_path (123456, "pop");

    ck_assert_str_eq (far, "records/0012/34/00123456-pop");
  }

  assert_linear_history (reopened);
  assert_fsck_clean ();

  /* Each commit carries exactly one gpgsig header and adds only its record. */
  for (guint64 seq = 1; seq < count; seq += 37)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (reopened, seq, &error);
      g_autoptr(ChainRecord) parent = chain_ledger_load_record (reopened, seq - 1, &error);
      g_autofree char *raw = git_out ("cat-file", "commit", chain_record_get_commit_id (record),
                                      NULL);
      g_autofree char *changed = git_out ("diff-tree", "-r", "--name-only",
                                          chain_record_get_commit_id (parent),
                                          chain_record_get_commit_id (record), NULL);
      g_auto(GStrv) lines = g_strsplit (raw, "\n", -1);
      g_auto(GStrv) files = g_strsplit (g_strchomp (changed), "\n", -1);
      g_autofree char *prefix = g_strconcat (chain_record_get_path (record), "/", NULL);
      guint headers = 0;

      for (gsize i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
        if (g_str_has_prefix (lines[i], "gpgsig "))
          headers++;
      ck_assert_uint_eq (headers, 1);
      ck_assert_ptr_nonnull (strstr (raw, "\nannotation #"));
      ck_assert_ptr_nonnull (strstr (raw, "\nauthor oem <oem@custodian.libchain.invalid> "
                                          "1764200000 +0000\n"));
      ck_assert_ptr_nonnull (strstr (raw, "\ncommitter Alice <"));
      ck_assert_uint_eq (g_strv_length (files), seq % 7 == 0 ? 4 : 3);
      for (gsize i = 0; files[i] != NULL; i++)
        ck_assert_msg (g_str_has_prefix (files[i], prefix), "%s", files[i]);
      test_assert_no_error (error);
    }
}
END_TEST

START_TEST (test_signer_refuses)
{
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_null (chain_ledger_signer_new (root_key, root, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_REFUSED);
  ck_assert_ptr_null (chain_ledger_signer_new (officer2_key, officer, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

/* Opening */

typedef enum {
  NOT_THERE,
  A_FILE,
  PLAIN_DIR,
  BARE_REPO,
  REPO_WITH_COMMIT,
} OpenCase;

static const struct {
  OpenCase    kind;
  int         code;
  const char *message;
} open_cases[] = {
  { NOT_THERE, CHAIN_ERROR_NOT_FOUND, "no ledger at" },
  { A_FILE, CHAIN_ERROR_INVALID_INPUT, "not a libchain ledger" },
  { PLAIN_DIR, CHAIN_ERROR_INVALID_INPUT, "not a git repository" },
  { BARE_REPO, CHAIN_ERROR_INVALID_INPUT, "no refs/heads/main" },
  { REPO_WITH_COMMIT, CHAIN_ERROR_INVALID_INPUT, "holds no genesis record" },
};

START_TEST (test_open_refuses)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedger) ledger = NULL;
  g_autofree char *out = NULL;

  switch (open_cases[_i].kind)
    {
    case NOT_THERE:
      break;
    case A_FILE:
      test_support_write_file (path, "x", 1);
      break;
    case PLAIN_DIR:
      ck_assert_int_eq (g_mkdir (path, 0700), 0);
      break;
    case BARE_REPO:
    case REPO_WITH_COMMIT:
      {
        const char *init[] = { "git", "init", "-q", "--bare", "-b", "main", path, NULL };

        ck_assert_int_eq (test_support_run (init, NULL, NULL, NULL), 0);
        if (open_cases[_i].kind == REPO_WITH_COMMIT)
          {
            g_autofree char *tree = git_out ("mktree", NULL);
            g_autofree char *commit = git_out ("-c", "user.name=x", "-c", "user.email=x@y",
                                               "commit-tree", "-m", "x", g_strchomp (tree), NULL);

            out = git_out ("update-ref", "refs/heads/main", g_strchomp (commit), NULL);
          }
      }
      break;
    default:
      g_assert_not_reached ();
    }

  ledger = chain_ledger_open (path, NULL, &error);
  ck_assert_ptr_null (ledger);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, open_cases[_i].message) != NULL, "%s", error->message);
  test_assert_error (error, open_cases[_i].code);
}
END_TEST

START_TEST (test_init_and_clone_open)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedger) empty = chain_ledger_init (path, &error);
  g_autoptr(ChainLedger) reopened = NULL;
  g_autoptr(ChainLedger) clone = NULL;
  g_autoptr(ChainLedger) again = NULL;
  g_autofree char *clone_path = g_build_filename (tmpdir, "clone.git", NULL);
  g_autofree char *ledger_id = chain_statement_new_id ();
  g_autoptr(ChainStatement) genesis = make_genesis (ledger_id);
  g_autoptr(ChainStatement) annotation = make_statement (CHAIN_RECORD_TYPE_ANNOTATION,
                                                         ledger_id, "x", NULL);
  const char *clone_argv[] = { "git", "clone", "-q", "--bare", path, clone_path, NULL };

  test_assert_no_error (error);
  ck_assert_uint_eq (chain_ledger_get_length (empty), 0);
  ck_assert_ptr_null (chain_ledger_get_id (empty));
  ck_assert_ptr_null (chain_ledger_get_tip_commit_id (empty));

  /* An empty ledger opens (a custodian about to fetch) ... */
  reopened = chain_ledger_open (path, NULL, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_ledger_get_length (reopened), 0);

  /* ... takes only a genesis first ... */
  ck_assert (!chain_ledger_append (empty, annotation, signer, NULL, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (chain_ledger_append (empty, genesis, signer, NULL, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  ck_assert_str_eq (chain_ledger_get_id (empty), ledger_id);

  /* ... and the other handle sees it after a refresh. */
  {
    gboolean changed = FALSE;

    ck_assert (chain_ledger_refresh (reopened, &changed, NULL, &error));
    ck_assert (changed);
    ck_assert_uint_eq (chain_ledger_get_length (reopened), 1);
    ck_assert (chain_ledger_refresh (reopened, &changed, NULL, &error));
    ck_assert (!changed);
  }

  /* A plain git clone (no libchain mark) opens by its genesis. */
  ck_assert_int_eq (test_support_run (clone_argv, NULL, NULL, NULL), 0);
  clone = chain_ledger_open (clone_path, NULL, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_ledger_get_length (clone), 1);
  ck_assert_str_eq (chain_ledger_get_id (clone), ledger_id);

  again = chain_ledger_init (path, &error);
  ck_assert_ptr_null (again);
  test_assert_error (error, CHAIN_ERROR_EXISTS);
}
END_TEST

/* Creating and appending: refusals */

static gboolean
refuse_check (ChainLedger    *ledger,
              gint64          tip_seq,
              const char     *tip_digest,
              ChainStatement *statement,
              gpointer        user_data,
              GError        **error)
{
  guint *calls = user_data;

  (*calls)++;
  g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, "policy says no");
  return FALSE;
}

START_TEST (test_create_refuses)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ledger_id = chain_statement_new_id ();
  g_autoptr(ChainStatement) genesis = make_genesis (ledger_id);
  g_autoptr(ChainStatement) annotation = make_statement (CHAIN_RECORD_TYPE_ANNOTATION,
                                                         ledger_id, "x", NULL);
  g_autoptr(ChainLedger) ledger = NULL;
  guint calls = 0;

  ledger = chain_ledger_create (path, annotation, signer, NULL, NULL, NULL, &error);
  ck_assert_ptr_null (ledger);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));

  /* A refusing check leaves nothing behind. */
  ledger = chain_ledger_create (path, genesis, signer, refuse_check, &calls, NULL, &error);
  ck_assert_ptr_null (ledger);
  ck_assert_str_eq (error->message, "policy says no");
  test_assert_error (error, CHAIN_ERROR_REFUSED);
  ck_assert_uint_eq (calls, 1);
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));

  ck_assert_int_eq (g_mkdir (path, 0700), 0);
  ledger = chain_ledger_create (path, genesis, signer, NULL, NULL, NULL, &error);
  ck_assert_ptr_null (ledger);
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  ck_assert (g_file_test (path, G_FILE_TEST_IS_DIR));
}
END_TEST

START_TEST (test_append_refuses)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ChainJson) body = chain_json_new_object ();
  g_autoptr(ChainStatement) unsigned_statement = NULL;
  g_autoptr(ChainStatement) with_note = make_statement (CHAIN_RECORD_TYPE_ANNOTATION,
                                                        chain_ledger_get_id (ledger), "n",
                                                        "note");
  g_autoptr(ChainStatement) parsed = NULL;
  g_autoptr(ChainStatement) genesis = make_genesis (chain_ledger_get_id (ledger));
  g_autofree char *other_id = chain_statement_new_id ();
  g_autoptr(ChainStatement) foreign = make_statement (CHAIN_RECORD_TYPE_ANNOTATION, other_id,
                                                      "x", NULL);
  g_autoptr(ChainStatement) fine = make_statement (CHAIN_RECORD_TYPE_ANNOTATION,
                                                   chain_ledger_get_id (ledger), "x", NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) signatures = NULL;

  unsigned_statement = chain_statement_new (CHAIN_RECORD_TYPE_ANNOTATION, "oem",
                                            chain_ledger_get_id (ledger), POLICY, 1, body,
                                            &error);
  ck_assert (!chain_ledger_append (ledger, unsigned_statement, signer, NULL, NULL, NULL, NULL,
                                   &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  /* A statement from elsewhere lists artifacts it does not carry. */
  bytes = chain_statement_dup_bytes (with_note);
  signatures = chain_statement_dup_signatures_bytes (with_note);
  parsed = chain_statement_parse (bytes, signatures, &error);
  test_assert_no_error (error);
  ck_assert (!chain_ledger_append (ledger, parsed, signer, NULL, NULL, NULL, NULL, &error));
  ck_assert (strstr (error->message, "note.txt") != NULL);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  ck_assert (!chain_ledger_append (ledger, genesis, signer, NULL, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_ledger_append (ledger, foreign, signer, NULL, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_REFUSED);

  g_cancellable_cancel (cancellable);
  ck_assert (!chain_ledger_append (ledger, fine, signer, NULL, NULL, NULL, cancellable, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&error);

  ck_assert_uint_eq (chain_ledger_get_length (ledger), 1);
  ck_assert_uint_eq (verify_ledger (path), 1);
}
END_TEST

/* The check callback */

typedef struct {
  guint    calls;
  gint64   tip_seq;
  char    *tip_digest;
  gboolean refuse;
} CheckLog;

static gboolean
logging_check (ChainLedger    *ledger,
               gint64          tip_seq,
               const char     *tip_digest,
               ChainStatement *statement,
               gpointer        user_data,
               GError        **error)
{
  CheckLog *log = user_data;
  g_autoptr(ChainRecord) tip = chain_ledger_load_record (ledger, (guint64) tip_seq, NULL);

  log->calls++;
  log->tip_seq = tip_seq;
  g_free (log->tip_digest);
  log->tip_digest = g_strdup (tip_digest);
  /* The callback can read the tip it is told about. */
  ck_assert_ptr_nonnull (tip);
  ck_assert_str_eq (chain_record_get_digest (tip), tip_digest);
  if (log->refuse)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, "rule X: no annotations after %"
                   G_GINT64_FORMAT, tip_seq);
      return FALSE;
    }
  return TRUE;
}

START_TEST (test_check_callback)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRecord) record = NULL;
  g_autoptr(ChainRecord) tip = NULL;
  g_autoptr(ChainStatement) first = make_statement (CHAIN_RECORD_TYPE_ANNOTATION,
                                                    chain_ledger_get_id (ledger), "1", NULL);
  g_autoptr(ChainStatement) second = make_statement (CHAIN_RECORD_TYPE_ANNOTATION,
                                                     chain_ledger_get_id (ledger), "2", NULL);
  g_autofree char *ref_before = NULL;
  g_autofree char *ref_after = NULL;
  CheckLog log = { 0, 0, NULL, FALSE };

  ck_assert (chain_ledger_append (ledger, first, signer, logging_check, &log, &record, NULL,
                                  &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (log.calls, 1);
  ck_assert_int_eq (log.tip_seq, 0);
  ck_assert_uint_eq (chain_record_get_seq (record), 1);
  ck_assert_str_eq (chain_record_get_prev (record), log.tip_digest);

  ref_before = git_out ("rev-parse", "refs/heads/main", NULL);
  log.refuse = TRUE;
  ck_assert (!chain_ledger_append (ledger, second, signer, logging_check, &log, NULL, NULL,
                                   &error));
  ck_assert_str_eq (error->message, "rule X: no annotations after 1");
  test_assert_error (error, CHAIN_ERROR_REFUSED);
  ck_assert_uint_eq (log.calls, 2);
  ck_assert_int_eq (log.tip_seq, 1);
  tip = chain_ledger_load_record (ledger, 1, &error);
  ck_assert_str_eq (log.tip_digest, chain_record_get_digest (tip));

  ref_after = git_out ("rev-parse", "refs/heads/main", NULL);
  ck_assert_str_eq (ref_before, ref_after);
  ck_assert_uint_eq (chain_ledger_get_length (ledger), 2);
  ck_assert_uint_eq (verify_ledger (path), 2);
  g_free (log.tip_digest);
}
END_TEST

START_TEST (test_reappend_statement_from_elsewhere)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainStatement) original = make_statement (CHAIN_RECORD_TYPE_ANNOTATION,
                                                       chain_ledger_get_id (ledger), "carried",
                                                       "payload");
  g_autoptr(GBytes) bytes = chain_statement_dup_bytes (original);
  g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (original);
  g_autoptr(GBytes) payload = text_bytes ("payload");
  g_autoptr(ChainStatement) received = chain_statement_parse (bytes, signatures, &error);
  g_autoptr(ChainRecord) record = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) stored_signatures = NULL;

  test_assert_no_error (error);
  append_text (ledger, "in between", NULL);
  ck_assert (chain_statement_attach_artifact (received, "note.txt", payload, &error));
  /* Appended by another officer than the author: the statement is unchanged. */
  ck_assert (chain_ledger_append (ledger, received, signer2, NULL, NULL, &record, NULL, &error));
  test_assert_no_error (error);
  stored = chain_statement_dup_bytes (chain_record_get_statement (record));
  stored_signatures = chain_statement_dup_signatures_bytes (chain_record_get_statement (record));
  ck_assert (g_bytes_equal (stored, bytes));
  ck_assert (g_bytes_equal (stored_signatures, signatures));
  ck_assert_uint_eq (chain_record_get_seq (record), 2);
  {
    g_autofree char *raw = git_out ("cat-file", "commit", "main", NULL);

    /* git refuses '<' and '>' in names: "Bob <b@x>" is made safe. */
    ck_assert_msg (strstr (raw, "\ncommitter Bob ?b@x? <") != NULL, "%s", raw);
  }
  assert_fsck_clean ();
}
END_TEST

/* Compare-and-swap between two handles */

typedef struct {
  ChainLedger *other;
  guint        calls;
} RaceData;

/* On its first call, lets the other handle append first. */
static gboolean
racing_check (ChainLedger    *ledger,
              gint64          tip_seq,
              const char     *tip_digest,
              ChainStatement *statement,
              gpointer        user_data,
              GError        **error)
{
  RaceData *race = user_data;

  if (race->calls++ == 0)
    append_text (race->other, "cut in", NULL);
  return TRUE;
}

START_TEST (test_cas_two_handles)
{
  g_autoptr(ChainLedger) a = new_ledger ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedger) b = chain_ledger_open (path, NULL, &error);
  g_autoptr(ChainRecord) record = NULL;
  g_autoptr(ChainStatement) statement = NULL;
  RaceData race = { NULL, 0 };

  test_assert_no_error (error);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("turn %u", i);

      append_text (i % 2 == 0 ? a : b, text, NULL);
    }
  ck_assert_uint_eq (chain_ledger_get_length (a), 20);   /* not refreshed since its last */
  ck_assert_uint_eq (chain_ledger_get_length (b), 21);

  /* Interleaved: b appends after a read the tip and checked, before a
   * moves the ref; a loses the swap, checks again on the new tip, lands. */
  race.other = b;
  statement = make_statement (CHAIN_RECORD_TYPE_ANNOTATION, chain_ledger_get_id (a), "raced",
                              NULL);
  ck_assert (chain_ledger_append (a, statement, signer, racing_check, &race, &record, NULL,
                                  &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (race.calls, 2);
  ck_assert_uint_eq (chain_record_get_seq (record), 22);
  ck_assert_uint_eq (chain_ledger_get_length (a), 23);

  ck_assert_uint_eq (verify_ledger (path), 23);
  assert_linear_history (a);
  assert_fsck_clean ();
}
END_TEST

/* The reader refuses what our writer never makes */

typedef enum {
  FORGE_UNSIGNED,
  FORGE_TWO_SIGNATURES,
  FORGE_MERGE,
  FORGE_EDIT_STATEMENT,
  FORGE_EDIT_EARLIER,
  FORGE_EXTRA_FILE,
  FORGE_NO_RECORD_JSON,
  FORGE_WRONG_SEQ,
  FORGE_WRONG_PREV,
  FORGE_ORPHAN,
  FORGE_EXTRA_HEADER,
  FORGE_EDIT_ARTIFACT,
} Forgery;

static const struct {
  Forgery     forgery;
  gboolean    at_genesis;   /* the failure shows at record 0 */
  const char *message;
} forge_cases[] = {
  { FORGE_UNSIGNED, FALSE, "not signed: it has no gpgsig header" },
  { FORGE_TWO_SIGNATURES, FALSE, "2 gpgsig headers" },
  { FORGE_MERGE, FALSE, "is a merge (2 parents)" },
  { FORGE_EDIT_STATEMENT, FALSE, "statement.json does not match the digest in record.json" },
  { FORGE_EDIT_EARLIER, FALSE, "changes “records/0000/00/00000001-annotation”" },
  { FORGE_EXTRA_FILE, FALSE, "unexpected “evil.sh”" },
  { FORGE_NO_RECORD_JSON, FALSE, "lacks record.json" },
  { FORGE_WRONG_SEQ, FALSE, "record.json says seq 3 at position 2" },
  { FORGE_WRONG_PREV, FALSE, "is not the digest of the previous record" },
  { FORGE_ORPHAN, TRUE, "adds “records/0000/00/00000001-annotation”" },
  { FORGE_EXTRA_HEADER, FALSE, "unexpected header “encoding”" },
  { FORGE_EDIT_ARTIFACT, FALSE, "does not match the digest its statement signed" },
};

static void
assert_git (int status)
{
  const git_error *last = git_error_last ();

  ck_assert_msg (status >= 0, "libgit2 (%d): %s", status, last != NULL ? last->message : "?");
}

/* @tree with @file_path set to @oid (or removed when NULL). */
static void
tree_set (git_repository *repo,
          git_tree       *tree,
          const char     *file_path,
          const git_oid  *oid,
          git_filemode_t  mode,
          git_oid        *out)
{
  const char *slash = strchr (file_path, '/');
  git_treebuilder *builder = NULL;

  assert_git (git_treebuilder_new (&builder, repo, tree));
  if (slash == NULL)
    {
      if (oid != NULL)
        assert_git (git_treebuilder_insert (NULL, builder, file_path, oid, mode));
      else
        assert_git (git_treebuilder_remove (builder, file_path));
    }
  else
    {
      g_autofree char *name = g_strndup (file_path, (gsize) (slash - file_path));
      const git_tree_entry *entry = tree != NULL ? git_tree_entry_byname (tree, name) : NULL;
      git_tree *sub = NULL;
      git_oid sub_oid;

      if (entry != NULL)
        assert_git (git_tree_lookup (&sub, repo, git_tree_entry_id (entry)));
      tree_set (repo, sub, slash + 1, oid, mode, &sub_oid);
      git_tree_free (sub);
      assert_git (git_treebuilder_insert (NULL, builder, name, &sub_oid, GIT_FILEMODE_TREE));
    }
  assert_git (git_treebuilder_write (out, builder));
  git_treebuilder_free (builder);
}

static char *
read_file_at (git_repository *repo,
              git_tree       *tree,
              const char     *file_path)
{
  git_tree_entry *entry = NULL;
  git_blob *blob = NULL;
  char *text = NULL;

  assert_git (git_tree_entry_bypath (&entry, tree, file_path));
  assert_git (git_blob_lookup (&blob, repo, git_tree_entry_id (entry)));
  text = g_strndup (git_blob_rawcontent (blob), (gsize) git_blob_rawsize (blob));
  git_blob_free (blob);
  git_tree_entry_free (entry);
  return text;
}

static void
write_text_at (git_repository *repo,
               git_tree       *tree,
               const char     *file_path,
               const char     *text,
               git_oid        *out_tree)
{
  git_oid blob;

  assert_git (git_blob_create_from_buffer (&blob, repo, text, strlen (text)));
  tree_set (repo, tree, file_path, &blob, GIT_FILEMODE_BLOB, out_tree);
}

/* A raw commit with @n_signatures fake gpgsig headers. */
static void
forge_commit (git_repository *repo,
              const git_oid  *tree,
              const git_oid  *parents,
              guint           n_parents,
              guint           n_signatures,
              const char     *extra_header,
              git_oid        *out)
{
  g_autoptr(GString) raw = g_string_new (NULL);
  char hex[GIT_OID_HEXSZ + 1];
  git_odb *odb = NULL;

  g_string_append_printf (raw, "tree %s\n", git_oid_tostr (hex, sizeof hex, tree));
  for (guint i = 0; i < n_parents; i++)
    g_string_append_printf (raw, "parent %s\n", git_oid_tostr (hex, sizeof hex, &parents[i]));
  g_string_append (raw, "author x <x@y> 1764200000 +0000\ncommitter x <x@y> 1764200000 +0000\n");
  if (extra_header != NULL)
    g_string_append (raw, extra_header);
  for (guint i = 0; i < n_signatures; i++)
    g_string_append (raw, "gpgsig -----BEGIN SIGNED MESSAGE-----\n AAAA\n "
                          "-----END SIGNED MESSAGE-----\n");
  g_string_append (raw, "\nforged\n");
  assert_git (git_repository_odb (&odb, repo));
  assert_git (git_odb_write (out, odb, raw->str, raw->len, GIT_OBJECT_COMMIT));
  git_odb_free (odb);
}

START_TEST (test_reader_refuses_forgeries)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  g_autoptr(ChainLedger) reopened = NULL;
  g_autoptr(ChainRecord) tip_record = NULL;
  g_autoptr(GError) error = NULL;
  git_repository *repo = NULL;
  git_commit *tip = NULL;
  git_tree *tree = NULL;
  git_reference *ref = NULL;
  git_oid new_tree;
  git_oid new_commit;
  git_oid parents[2];
  const char *tip_dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  Forgery forgery = forge_cases[_i].forgery;
  guint n_signatures = 1;
  guint n_parents = 1;
  const char *extra_header = NULL;

  git_libgit2_init ();
  append_text (ledger, "one", NULL);
  append_text (ledger, "two", forgery == FORGE_EDIT_ARTIFACT ? "artifact" : NULL);
  tip_record = chain_ledger_load_record (ledger, 2, &error);
  test_assert_no_error (error);
  tip_dir = chain_record_get_path (tip_record);

  assert_git (git_repository_open (&repo, path));
  assert_git (git_commit_lookup (&tip, repo, chain_record_get_oid (tip_record)));
  assert_git (git_commit_tree (&tree, tip));
  git_oid_cpy (&new_tree, git_commit_tree_id (tip));
  git_oid_cpy (&parents[0], git_commit_parent_id (tip, 0));

  switch (forgery)
    {
    case FORGE_UNSIGNED:
      n_signatures = 0;
      break;
    case FORGE_TWO_SIGNATURES:
      n_signatures = 2;
      break;
    case FORGE_MERGE:
      {
        g_autoptr(ChainRecord) genesis = chain_ledger_load_record (ledger, 0, &error);

        git_oid_cpy (&parents[1], chain_record_get_oid (genesis));
        n_parents = 2;
      }
      break;
    case FORGE_EDIT_STATEMENT:
      file = g_strconcat (tip_dir, "/statement.json", NULL);
      text = read_file_at (repo, tree, file);
      edited = g_strdup_printf ("%.*s\"owt\"%s", (int) (strstr (text, "\"two\"") - text), text,
                                strstr (text, "\"two\"") + 5);
      write_text_at (repo, tree, file, edited, &new_tree);
      break;
    case FORGE_EDIT_EARLIER:
      write_text_at (repo, tree, "records/0000/00/00000001-annotation/statement.json", "{}",
                     &new_tree);
      break;
    case FORGE_EXTRA_FILE:
      file = g_strconcat (tip_dir, "/evil.sh", NULL);
      write_text_at (repo, tree, file, "rm -rf /", &new_tree);
      break;
    case FORGE_NO_RECORD_JSON:
      file = g_strconcat (tip_dir, "/record.json", NULL);
      tree_set (repo, tree, file, NULL, GIT_FILEMODE_BLOB, &new_tree);
      break;
    case FORGE_WRONG_SEQ:
    case FORGE_WRONG_PREV:
      {
        const char *find = forgery == FORGE_WRONG_SEQ ? "\"seq\":2" : "\"prev\":\"";
        const char *at = NULL;

        file = g_strconcat (tip_dir, "/record.json", NULL);
        text = read_file_at (repo, tree, file);
        at = strstr (text, find);
        ck_assert_ptr_nonnull (at);
        edited = g_strdup (text);
        if (forgery == FORGE_WRONG_SEQ)
          edited[at - text + strlen (find) - 1] = '3';
        else
          edited[at - text + strlen (find)] = edited[at - text + strlen (find)] == '0' ? '1' : '0';
        write_text_at (repo, tree, file, edited, &new_tree);
      }
      break;
    case FORGE_ORPHAN:
      n_parents = 0;
      break;
    case FORGE_EXTRA_HEADER:
      extra_header = "encoding ISO-8859-1\n";
      break;
    case FORGE_EDIT_ARTIFACT:
      file = g_strconcat (tip_dir, "/artifacts/note.txt", NULL);
      write_text_at (repo, tree, file, "ARTIFACT", &new_tree);
      break;
    default:
      g_assert_not_reached ();
    }

  forge_commit (repo, &new_tree, parents, n_parents, n_signatures, extra_header, &new_commit);
  assert_git (git_reference_create (&ref, repo, "refs/heads/main", &new_commit, 1, "forge"));
  git_reference_free (ref);
  git_tree_free (tree);
  git_commit_free (tip);
  git_repository_free (repo);
  git_libgit2_shutdown ();

  reopened = chain_ledger_open (path, NULL, &error);
  test_assert_no_error (error);
  if (forge_cases[_i].at_genesis)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (reopened, 0, &error);

      ck_assert_uint_eq (chain_ledger_get_length (reopened), 1);
      ck_assert_ptr_null (record);
    }
  else if (forgery == FORGE_EDIT_ARTIFACT)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (reopened, 2, &error);
      g_autoptr(GBytes) data = NULL;

      test_assert_no_error (error);
      data = chain_record_read_artifact (record, "note.txt", NULL, &error);
      ck_assert_ptr_null (data);
    }
  else
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (reopened, 2, &error);

      ck_assert_uint_eq (chain_ledger_get_length (reopened), 3);
      ck_assert_ptr_null (record);
    }
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, forge_cases[_i].message) != NULL, "“%s” lacks “%s”",
                 error->message, forge_cases[_i].message);
  ck_assert_msg (g_str_has_prefix (error->message, "record "), "%s", error->message);
  test_assert_error (error, CHAIN_ERROR_VERIFY);

  /* And nothing is appended on a damaged tip. */
  if (!forge_cases[_i].at_genesis && forgery != FORGE_EDIT_ARTIFACT)
    {
      g_autoptr(ChainStatement) statement = make_statement (CHAIN_RECORD_TYPE_ANNOTATION,
                                                            chain_ledger_get_id (ledger), "3",
                                                            NULL);

      ck_assert (!chain_ledger_append (reopened, statement, signer, NULL, NULL, NULL, NULL,
                                       &error));
      test_assert_error (error, CHAIN_ERROR_VERIFY);
    }
}
END_TEST

/* The index and its cache follow the ref wherever it goes. */
START_TEST (test_index_follows_ref)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  g_autoptr(ChainLedger) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cache = g_build_filename (path, "libchain-index", NULL);
  g_autofree char *old_tip = NULL;
  g_autofree char *out = NULL;
  g_autoptr(ChainRecord) record5 = NULL;
  gboolean changed = FALSE;

  for (guint i = 1; i <= 9; i++)
    append_text (ledger, "x", NULL);
  record5 = chain_ledger_load_record (ledger, 5, &error);
  old_tip = g_strdup (chain_ledger_get_tip_commit_id (ledger));

  /* A garbage cache, then a cache of another chain, then a truncated one. */
  test_support_write_file (cache, "libchain-index 1\nrubbishrubbishrubbishrubbish", 43);
  ck_assert_uint_eq (verify_ledger (path), 10);
  {
    g_autoptr(GByteArray) fake = g_byte_array_new ();
    guint8 junk[20];

    g_byte_array_append (fake, (const guint8 *) "libchain-index 1\n", 17);
    for (guint i = 0; i < 100; i++)
      {
        memset (junk, (int) i, sizeof junk);
        g_byte_array_append (fake, junk, sizeof junk);
      }
    g_byte_array_append (fake, junk, 7);
    test_support_write_file (cache, fake->data, fake->len);
    ck_assert_uint_eq (verify_ledger (path), 10);
  }

  /* Rollback with plain git: the index shrinks, appends continue there. */
  out = git_out ("update-ref", "refs/heads/main", chain_record_get_commit_id (record5), NULL);
  ck_assert (chain_ledger_refresh (ledger, &changed, NULL, &error));
  test_assert_no_error (error);
  ck_assert (changed);
  ck_assert_uint_eq (chain_ledger_get_length (ledger), 6);
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (ledger), chain_record_get_commit_id (record5));
  append_text (ledger, "after rollback", NULL);
  ck_assert_uint_eq (verify_ledger (path), 7);

  /* Back to the old tip: a different branch of history, re-indexed. */
  g_clear_pointer (&out, g_free);
  out = git_out ("update-ref", "refs/heads/main", old_tip, NULL);
  other = chain_ledger_open (path, NULL, &error);
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_ledger_get_length (other), 10);
  ck_assert (chain_ledger_refresh (ledger, &changed, NULL, &error));
  ck_assert_uint_eq (chain_ledger_get_length (ledger), 10);
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (ledger), old_tip);
  ck_assert_uint_eq (verify_ledger (path), 10);

  /* A deleted branch is an empty ledger. */
  g_clear_pointer (&out, g_free);
  out = git_out ("update-ref", "-d", "refs/heads/main", NULL);
  ck_assert (chain_ledger_refresh (ledger, &changed, NULL, &error));
  ck_assert (changed);
  ck_assert_uint_eq (chain_ledger_get_length (ledger), 0);
}
END_TEST

/* Crashes */

/* Appends to @ledger_path until killed. Runs in a forked child; the
 * parent holds no libgit2 initialisation then, so the child's own seeds
 * libgit2's temporary file names afresh (an inherited state would repeat
 * the name a killed sibling left behind). */
static void G_GNUC_NORETURN
writer_child (const char *ledger_path,
              guint       limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedger) ledger = chain_ledger_open (ledger_path, NULL, &error);

  if (ledger == NULL)
    _exit (3);
  for (guint i = 0; limit == 0 || i < limit; i++)
    {
      g_autoptr(ChainJson) body = chain_json_new_object ();
      g_autoptr(ChainStatement) statement = NULL;

      chain_json_object_set_string (body, "text", "crash test");
      statement = chain_statement_new (CHAIN_RECORD_TYPE_ANNOTATION, "oem",
                                       chain_ledger_get_id (ledger), POLICY, 1764200000, body,
                                       NULL);
      if (statement == NULL || !chain_statement_sign (statement, officer_key, NULL)
          || !chain_ledger_append (ledger, statement, signer, NULL, NULL, NULL, NULL, &error))
        {
          g_printerr ("writer: %s\n", error != NULL ? error->message : "?");
          _exit (4);
        }
    }
  _exit (0);
}

/* A writer killed mid-way may leave refs/heads/main.lock, as git would;
 * it is removed here as an operator would (after checking nothing runs). */
static gboolean
remove_stale_lock (void)
{
  g_autofree char *lock = g_build_filename (path, "refs", "heads", "main.lock", NULL);

  return g_remove (lock) == 0;
}

START_TEST (test_crash_random_kills)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  guint64 length = 1;
  guint locks = 0;
  const guint trials = 60;
  guint trial, misses = 0;

  gint64 span;
  gint64 start;
  int status = 0;
  pid_t pid;

  g_clear_pointer (&ledger, chain_ledger_free);

  /* How long a writer takes to open the ledger and append twice on this
   * machine now (fsyncs dominate): kills land from 0 to twice that, so
   * before the first append, inside one, or some appends later. */
  start = g_get_monotonic_time ();
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    writer_child (path, 2);
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  span = 2 * (g_get_monotonic_time () - start);
  length = verify_ledger (path);
  ck_assert_uint_eq (length, 3);

  /* Load can change after the calibration: when ten trials in a row let
   * nothing through, kills come later; trials go on (to a bound) until
   * enough appends landed. */
  for (trial = 0; trial < trials || (length <= 3 + trials / 4 && trial < 4 * trials); trial++)
    {
      guint64 now_length;

      status = 0;
      pid = fork ();
      ck_assert_int_ge (pid, 0);
      if (pid == 0)
        writer_child (path, 0);
      g_usleep ((gulong) g_random_int_range (0, (gint32) MIN (span, G_MAXINT32)));
      ck_assert_int_eq (kill (pid, SIGKILL), 0);
      ck_assert_int_eq (waitpid (pid, &status, 0), pid);
      ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL,
                     "trial %u: writer ended by itself (status %d)", trial, status);

      if (remove_stale_lock ())
        locks++;
      now_length = verify_ledger (path);
      ck_assert_uint_ge (now_length, length);
      misses = now_length > length ? 0 : misses + 1;
      if (misses == 10)
        {
          span *= 2;
          misses = 0;
        }
      length = now_length;
    }
  /* Some trials must have let appends through. */
  ck_assert_uint_gt (length, 3 + trials / 4);
  ck_assert_uint_lt (locks, trial / 2);
  assert_fsck_clean ();
}
END_TEST

/* "pack": the record's pack is on the disk, the ref not moved yet; the
 * unreferenced pack is harmless and later merged with the others. */
static const char *const kill_steps[] = { "start", "checked", "blobs", "trees", "commit", "pack",
                                          "ref" };

START_TEST (test_crash_at_each_step)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  guint64 length = 1;

  g_clear_pointer (&ledger, chain_ledger_free);
  for (gsize s = 0; s < G_N_ELEMENTS (kill_steps); s++)
    for (guint hit = 1; hit <= 3; hit += 2)
      {
        g_autofree char *spec = g_strdup_printf ("%s:%u", kill_steps[s], hit);
        int status = 0;
        pid_t pid;
        guint64 expected = length + (hit - 1) + (strcmp (kill_steps[s], "ref") == 0 ? 1 : 0);

        pid = fork ();
        ck_assert_int_ge (pid, 0);
        if (pid == 0)
          {
            g_setenv ("LIBCHAIN_TEST_KILL_AT", spec, TRUE);
            writer_child (path, hit + 1);
          }
        ck_assert_int_eq (waitpid (pid, &status, 0), pid);
        ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL,
                       "%s: writer was not killed (status %d)", spec, status);
        ck_assert (!remove_stale_lock ());
        length = verify_ledger (path);
        ck_assert_msg (length == expected, "%s: %" G_GUINT64_FORMAT " records, expected %"
                       G_GUINT64_FORMAT, spec, length, expected);
      }
  assert_fsck_clean ();
}
END_TEST

/* Packs: an append writes one pack, never loose objects */

/* Loose objects and packs in the ledger, as git counts them. */
static void
count_objects (guint *out_loose,
               guint *out_packs)
{
  g_autofree char *out = git_out ("count-objects", "-v", NULL);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  *out_loose = G_MAXUINT;
  *out_packs = G_MAXUINT;
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "count: "))
      *out_loose = (guint) g_ascii_strtoull (lines[i] + 7, NULL, 10);
    else if (g_str_has_prefix (lines[i], "packs: "))
      *out_packs = (guint) g_ascii_strtoull (lines[i] + 7, NULL, 10);
}

START_TEST (test_append_writes_packs)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  const guint64 count = 3 * CHAIN_LEDGER_PACK_LIMIT;
  guint loose = 0;
  guint packs = 0;
  guint merged = 0;

  count_objects (&loose, &packs);
  ck_assert_uint_eq (loose, 0);
  ck_assert_uint_eq (packs, 1);
  for (guint64 i = 1; i < count; i++)
    {
      g_autofree char *text = g_strdup_printf ("record %" G_GUINT64_FORMAT, i);
      guint before = packs;

      append_text (ledger, text, i % 3 == 0 ? text : NULL);
      count_objects (&loose, &packs);
      ck_assert_msg (loose == 0, "record %" G_GUINT64_FORMAT ": %u loose objects", i, loose);
      ck_assert_msg (packs <= CHAIN_LEDGER_PACK_LIMIT, "record %" G_GUINT64_FORMAT ": %u packs",
                     i, packs);
      merged += packs <= before;
    }
  ck_assert_uint_gt (merged, 0);
  ck_assert_uint_eq (verify_ledger (path), count);
  assert_linear_history (ledger);
  /* Every object of every record is there, and nothing else is wrong. */
  g_free (git_out ("fsck", "--strict", "--full", "--no-dangling", "--no-progress", NULL));
  assert_fsck_clean ();
}
END_TEST

/* A pack no ref names (a writer killed before its ref move) is merged with
 * the others, its objects kept: that writer may still be about to name them. */
START_TEST (test_merge_keeps_unreferenced_objects)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_odb) odb = NULL;
  g_autoptr(ChainLedgerPacker) packer = NULL;
  g_autoptr(GError) error = NULL;
  const char *orphan_text = "written by a writer that died";
  git_oid orphan;
  guint loose = 0;
  guint packs = 0;

  packer = chain_ledger_packer_new (path, &error);
  test_assert_no_error (error);
  ck_assert_int_eq (git_blob_create_from_buffer (&orphan, chain_ledger_packer_get_repo (packer),
                                                 orphan_text, strlen (orphan_text)), 0);
  ck_assert (chain_ledger_packer_flush (packer, &error));
  test_assert_no_error (error);
  /* In memory until the flush, then in a pack of its own. */
  count_objects (&loose, &packs);
  ck_assert_uint_eq (loose, 0);
  ck_assert_uint_eq (packs, 2);

  for (guint i = 0; i < 2 * CHAIN_LEDGER_PACK_LIMIT; i++)
    append_text (ledger, "after the dead writer", NULL);
  count_objects (&loose, &packs);
  ck_assert_uint_le (packs, CHAIN_LEDGER_PACK_LIMIT);
  ck_assert_int_eq (git_repository_open (&repo, path), 0);
  ck_assert_int_eq (git_repository_odb (&odb, repo), 0);
  ck_assert (git_odb_exists (odb, &orphan));
  ck_assert_uint_eq (verify_ledger (path), 1 + 2 * CHAIN_LEDGER_PACK_LIMIT);
  assert_fsck_clean ();
}
END_TEST

/* The sizes of the packs in objects/pack, by name. */
static GHashTable *
pack_sizes (void)
{
  g_autofree char *dir = g_build_filename (path, "objects", "pack", NULL);
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  GHashTable *sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *entry;

  ck_assert_ptr_nonnull (listing);
  while ((entry = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (entry, ".pack"))
      {
        g_autofree char *file = g_build_filename (dir, entry, NULL);
        GStatBuf st;

        ck_assert_int_eq (g_stat (file, &st), 0);
        g_hash_table_insert (sizes, g_strdup (entry), GSIZE_TO_POINTER ((gsize) st.st_size));
      }
  return sizes;
}

/* Big packs (device batches) are merged by copying their entries: nothing
 * re-deltified or re-compressed, so the merged pack is exactly their
 * entries. The blobs here share most of their bytes, which the delta
 * search of git_packbuilder (seen taking most of a `chain issue` run)
 * would find and make the merged pack far smaller. */
START_TEST (test_merge_copies_big_packs)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  g_autoptr(ChainLedgerPacker) packer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  const gsize shared_len = 256 * 1024;
  g_autofree guint8 *blob = g_malloc (shared_len + 64);
  git_oid oids[CHAIN_LEDGER_PACK_LIMIT];
  GHashTableIter iter;
  gpointer name = NULL;
  gpointer size = NULL;
  guint64 removed_bytes = 0;
  guint removed = 0;
  guint64 merged_size = 0;
  guint added = 0;

  for (gsize i = 0; i < shared_len + 64; i++)
    blob[i] = (guint8) g_random_int ();
  packer = chain_ledger_packer_new (path, &error);
  test_assert_no_error (error);
  for (guint i = 0; i < CHAIN_LEDGER_PACK_LIMIT; i++)
    {
      blob[shared_len] = (guint8) i;   /* distinct objects, mostly shared bytes */
      ck_assert_int_eq (git_blob_create_from_buffer (&oids[i], chain_ledger_packer_get_repo (packer), blob,
                                                     shared_len + 64), 0);
      ck_assert (chain_ledger_packer_flush (packer, &error));
      test_assert_no_error (error);
    }
  before = pack_sizes ();
  ck_assert_uint_eq (g_hash_table_size (before), CHAIN_LEDGER_PACK_LIMIT + 1);
  ck_assert (chain_ledger_packer_consolidate (packer, &error));
  test_assert_no_error (error);
  after = pack_sizes ();

  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &name, &size))
    if (!g_hash_table_contains (after, name))
      {
        removed++;
        removed_bytes += GPOINTER_TO_SIZE (size);
      }
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &name, &size))
    if (!g_hash_table_contains (before, name))
      {
        added++;
        merged_size = GPOINTER_TO_SIZE (size);
      }
  ck_assert_uint_eq (added, 1);
  ck_assert_uint_ge (removed, 2);
  ck_assert_uint_ge (removed_bytes, CHAIN_LEDGER_PACK_COPY_MIN);
  /* Each removed pack's header and trailer, once instead of per pack. */
  ck_assert_uint_eq (merged_size, removed_bytes - (guint64) (removed - 1) * (12 + 20));
  for (guint i = 0; i < CHAIN_LEDGER_PACK_LIMIT; i++)
    {
      g_autoptr(git_repository) repo = NULL;
      g_autoptr(git_blob) read_back = NULL;

      ck_assert_int_eq (git_repository_open (&repo, path), 0);
      ck_assert_int_eq (git_blob_lookup (&read_back, repo, &oids[i]), 0);
      ck_assert_uint_eq (git_blob_rawsize (read_back), shared_len + 64);
    }
  ck_assert_uint_eq (verify_ledger (path), 1);
  assert_fsck_clean ();
}
END_TEST

/* Concurrency: four processes */

START_TEST (test_concurrent_processes)
{
  g_autoptr(ChainLedger) ledger = new_ledger ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *exe_dir = g_path_get_dirname (self_exe);
  g_autofree char *writer = g_build_filename (exe_dir, "ledger-writer", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(ChainLedger) reopened = NULL;
  const guint n_writers = 4;
  const guint per_writer = 100;

  g_clear_pointer (&ledger, chain_ledger_free);
  ck_assert_msg (g_file_test (writer, G_FILE_TEST_IS_EXECUTABLE), "%s", writer);
  g_subprocess_launcher_setenv (launcher, "LEDGER_WRITER_PASSPHRASE",
                                "correct horse battery staple", TRUE);
  for (guint i = 0; i < n_writers; i++)
    {
      g_autofree char *tag = g_strdup_printf ("writer-%u", i);
      g_autofree char *count = g_strdup_printf ("%u", per_writer);
      GSubprocess *child = g_subprocess_launcher_spawn (launcher, &error, writer, path,
                                                        officer_key_path, officer_cert_path,
                                                        count, tag, NULL);

      test_assert_no_error (error);
      g_ptr_array_add (children, child);
    }
  for (guint i = 0; i < n_writers; i++)
    {
      GSubprocess *child = g_ptr_array_index (children, i);
      g_autofree char *err = NULL;

      ck_assert (g_subprocess_communicate_utf8 (child, NULL, NULL, NULL, &err, &error));
      test_assert_no_error (error);
      ck_assert_msg (g_subprocess_get_if_exited (child)
                     && g_subprocess_get_exit_status (child) == 0, "writer %u: %s", i, err);
    }

  ck_assert_uint_eq (verify_ledger (path), 1 + n_writers * per_writer);
  reopened = chain_ledger_open (path, NULL, &error);
  test_assert_no_error (error);
  for (guint64 seq = 1; seq <= n_writers * per_writer; seq++)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (reopened, seq, &error);
      const char *text = chain_json_get_string (chain_json_object_get_member (
        chain_statement_get_body (chain_record_get_statement (record)), "text"));

      ck_assert_msg (g_hash_table_add (texts, g_strdup (text)), "%s appended twice", text);
    }
  ck_assert_uint_eq (g_hash_table_size (texts), n_writers * per_writer);
  assert_linear_history (reopened);
  assert_fsck_clean ();
}
END_TEST

static Suite *
ledger_suite (void)
{
  Suite *suite = suite_create ("ledger");
  TCase *tc = tcase_create ("ledger");

  tcase_add_unchecked_fixture (tc, pki_setup, pki_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);
  /* The crash and concurrency tests wait on fsync; slow disks need time. */
  tcase_set_timeout (tc, 300);

  tcase_add_test (tc, test_create_and_read_genesis);
  tcase_add_test (tc, test_append_and_read);
  tcase_add_test (tc, test_signer_refuses);
  tcase_add_loop_test (tc, test_open_refuses, 0, G_N_ELEMENTS (open_cases));
  tcase_add_test (tc, test_init_and_clone_open);
  tcase_add_test (tc, test_create_refuses);
  tcase_add_test (tc, test_append_refuses);
  tcase_add_test (tc, test_check_callback);
  tcase_add_test (tc, test_reappend_statement_from_elsewhere);
  tcase_add_test (tc, test_cas_two_handles);
  tcase_add_loop_test (tc, test_reader_refuses_forgeries, 0, G_N_ELEMENTS (forge_cases));
  tcase_add_test (tc, test_index_follows_ref);
  tcase_add_test (tc, test_crash_random_kills);
  tcase_add_test (tc, test_crash_at_each_step);
  tcase_add_test (tc, test_append_writes_packs);
  tcase_add_test (tc, test_merge_keeps_unreferenced_objects);
  tcase_add_test (tc, test_merge_copies_big_packs);
  tcase_add_test (tc, test_concurrent_processes);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (ledger_suite ());
}
