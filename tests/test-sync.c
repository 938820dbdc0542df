/* test-sync.c — fetch, push, bundles and the pinned tip
 *
 * Ledgers here are plain linear git histories made with libgit2 (sync
 * never reads record content), and real git is the peer: `git daemon`
 * serves git:// on 127.0.0.1, `git push --force` rewrites a remote, and
 * `git bundle verify` / `git clone` / `git fetch` read our bundles.
 */
#include "test-support.h"

#include <git2.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static char *tmpdir;
static GPid daemon_pid;
static guint daemon_port;

/* ---- Fixtures ------------------------------------------------------------ */

static void
setup (void)
{
  git_libgit2_init ();
  tmpdir = test_support_tmpdir_new ();
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  git_libgit2_shutdown ();
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

/* The daemon dies with the test process even when a failed assertion
 * skips the teardown. */
static void
daemon_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
daemon_setup (void)
{
  setup ();
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *port_arg = NULL;
      g_autofree char *base_arg = NULL;
      const char *argv[] = { "git", "daemon", "--reuseaddr", "--listen=127.0.0.1", NULL, NULL,
                             "--export-all", "--enable=receive-pack", "--informative-errors",
                             NULL };

      daemon_port = free_port ();
      port_arg = g_strdup_printf ("--port=%u", daemon_port);
      base_arg = g_strdup_printf ("--base-path=%s", tmpdir);
      argv[4] = port_arg;
      argv[5] = base_arg;
      ck_assert_msg (g_spawn_async (NULL, (char **) argv, NULL,
                                    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                                    | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                    daemon_child_setup, NULL, &daemon_pid, &error),
                     "git daemon: %s", error ? error->message : "?");
      for (guint wait = 0; wait < 250; wait++)
        {
          if (port_answers (daemon_port))
            return;
          if (waitpid (daemon_pid, NULL, WNOHANG) == daemon_pid)
            break;
          g_usleep (20 * 1000);
        }
      kill (daemon_pid, SIGTERM);
      waitpid (daemon_pid, NULL, 0);
      daemon_pid = 0;
    }
  ck_abort_msg ("git daemon did not start on 127.0.0.1");
}

static void
daemon_teardown (void)
{
  if (daemon_pid > 0)
    {
      kill (daemon_pid, SIGTERM);
      waitpid (daemon_pid, NULL, 0);
      daemon_pid = 0;
    }
  teardown ();
}

/* ---- Repositories -------------------------------------------------------- */

typedef enum {
  URL_PATH,
  URL_FILE,
  URL_GIT,
} UrlKind;

static char *
path_in (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* How @name (a repository in tmpdir) is reached over @kind. */
static char *
url_for (UrlKind     kind,
         const char *name)
{
  g_autofree char *path = path_in (name);

  switch (kind)
    {
    case URL_FILE:
      return g_strdup_printf ("file://%s", path);
    case URL_GIT:
      ck_assert_uint_ne (daemon_port, 0);
      return g_strdup_printf ("git://127.0.0.1:%u/%s", daemon_port, name);
    case URL_PATH:
    default:
      return g_steal_pointer (&path);
    }
}

static char *
bare_new (const char *name)
{
  git_repository_init_options options = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  git_repository *repo = NULL;
  char *path = path_in (name);

  options.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
  options.initial_head = "main";
  ck_assert_int_eq (git_repository_init_ext (&repo, path, &options), 0);
  git_repository_free (repo);
  return path;
}

static git_repository *
repo_open (const char *path)
{
  git_repository *repo = NULL;

  ck_assert_msg (git_repository_open (&repo, path) == 0, "cannot open %s", path);
  return repo;
}

/* refs/heads/main of @path, or NULL. */
static char *
ref_of (const char *path,
        const char *refname)
{
  git_repository *repo = repo_open (path);
  git_oid oid;
  char *out = NULL;

  if (git_reference_name_to_id (&oid, repo, refname) == 0)
    out = git_oid_tostr_s (&oid) != NULL ? g_strdup (git_oid_tostr_s (&oid)) : NULL;
  git_error_clear ();
  git_repository_free (repo);
  return out;
}

static char *
main_of (const char *path)
{
  return ref_of (path, "refs/heads/main");
}

static void
assert_ref (const char *path,
            const char *refname,
            const char *expected)
{
  g_autofree char *actual = ref_of (path, refname);

  ck_assert_msg (g_strcmp0 (actual, expected) == 0, "%s of %s is %s, not %s", refname, path,
                 actual != NULL ? actual : "missing", expected != NULL ? expected : "missing");
}

static void
assert_main (const char *path,
             const char *expected)
{
  assert_ref (path, "refs/heads/main", expected);
}

/* The tracking ref a fetch from @url keeps. */
static void
assert_tracking (const char *path,
                 const char *url,
                 const char *expected)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
  g_autofree char *name = g_strdup_printf ("refs/remotes/url-%.16s/main", digest);

  assert_ref (path, name, expected);
}

static void
set_main (const char *path,
          const char *commit)
{
  git_repository *repo = repo_open (path);
  git_reference *ref = NULL;
  git_oid oid;

  ck_assert_int_eq (git_oid_fromstr (&oid, commit), 0);
  ck_assert_int_eq (git_reference_create (&ref, repo, "refs/heads/main", &oid, 1, NULL), 0);
  git_reference_free (ref);
  git_repository_free (repo);
}

/* A commit on @parents whose tree is the first parent's plus a file named
 * after @label, like a record; no ref moves. */
static char *
commit_new_n (const char        *path,
              const char *const *parents,
              guint              n_parents,
              const char        *label)
{
  git_repository *repo = repo_open (path);
  git_commit *parent_commits[2] = { NULL, NULL };
  git_tree *base_tree = NULL;
  git_tree *tree = NULL;
  git_treebuilder *builder = NULL;
  git_signature *signature = NULL;
  git_oid blob;
  git_oid tree_id;
  git_oid commit;
  char *out;

  ck_assert_uint_le (n_parents, 2);
  for (guint i = 0; i < n_parents; i++)
    {
      git_oid oid;

      ck_assert_int_eq (git_oid_fromstr (&oid, parents[i]), 0);
      ck_assert_int_eq (git_commit_lookup (&parent_commits[i], repo, &oid), 0);
    }
  if (n_parents > 0)
    ck_assert_int_eq (git_commit_tree (&base_tree, parent_commits[0]), 0);
  ck_assert_int_eq (git_blob_create_from_buffer (&blob, repo, label, strlen (label)), 0);
  ck_assert_int_eq (git_treebuilder_new (&builder, repo, base_tree), 0);
  ck_assert_int_eq (git_treebuilder_insert (NULL, builder, label, &blob, GIT_FILEMODE_BLOB), 0);
  ck_assert_int_eq (git_treebuilder_write (&tree_id, builder), 0);
  ck_assert_int_eq (git_tree_lookup (&tree, repo, &tree_id), 0);
  ck_assert_int_eq (git_signature_new (&signature, "Officer", "officer@example.com",
                                       1764200000, 0), 0);
  ck_assert_int_eq (git_commit_create (&commit, repo, NULL, signature, signature, NULL, label,
                                       tree, n_parents, (const git_commit **) parent_commits), 0);
  out = g_strdup (git_oid_tostr_s (&commit));
  for (guint i = 0; i < n_parents; i++)
    git_commit_free (parent_commits[i]);
  git_signature_free (signature);
  git_tree_free (tree);
  git_tree_free (base_tree);
  git_treebuilder_free (builder);
  git_repository_free (repo);
  return out;
}

static char *
commit_new (const char *path,
            const char *parent,
            const char *label)
{
  const char *parents[] = { parent };

  return commit_new_n (path, parents, parent != NULL ? 1 : 0, label);
}

/* Appends @n records named @label-K to main; returns the new tip. */
static char *
append (const char *path,
        guint       n,
        const char *label)
{
  char *tip = main_of (path);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%u", label, i);
      char *next = commit_new (path, tip, name);

      g_free (tip);
      tip = next;
    }
  set_main (path, tip);
  return tip;
}

/* Runs git with a fixed identity and no user configuration. */
static int
git_run (const char *const *args,
         gboolean           expect_success)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add (argv, (char *) "git");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) "user.name=Test");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) "user.email=test@example.com");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, NULL, NULL, &err);
  if (status != 0 && expect_success)
    fprintf (stderr, "git %s %s: %s\n", args[0], args[1], err);
  return status;
}

#define GIT_OK(...) \
  G_STMT_START { \
    const char *args_[] = { __VA_ARGS__, NULL }; \
    ck_assert_msg (git_run (args_, TRUE) == 0, "git %s failed", args_[0]); \
  } G_STMT_END

/* ---- Verify callback ----------------------------------------------------- */

typedef struct {
  guint     calls;
  char     *old_tip;
  char     *new_tip;
  gboolean  main_was_old;   /* main had not moved yet */
  gboolean  new_readable;   /* the new tip was in the repository */
  gboolean  refuse;
  gboolean  refuse_silently;
  char     *move_main_to;   /* plays another writer */
} VerifyLog;

static void
verify_log_clear (VerifyLog *log)
{
  g_clear_pointer (&log->old_tip, g_free);
  g_clear_pointer (&log->new_tip, g_free);
  g_clear_pointer (&log->move_main_to, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VerifyLog, verify_log_clear)

static gboolean
verify_cb (const char *repo_path,
           const char *old_tip,
           const char *new_tip,
           gpointer    user_data,
           GError    **error)
{
  VerifyLog *log = user_data;
  g_autofree char *main_now = main_of (repo_path);
  git_repository *repo = repo_open (repo_path);
  git_commit *commit = NULL;
  git_oid oid;

  log->calls++;
  g_free (log->old_tip);
  g_free (log->new_tip);
  log->old_tip = g_strdup (old_tip);
  log->new_tip = g_strdup (new_tip);
  log->main_was_old = g_strcmp0 (main_now, old_tip) == 0;
  log->new_readable = git_oid_fromstr (&oid, new_tip) == 0
                      && git_commit_lookup (&commit, repo, &oid) == 0;
  git_commit_free (commit);
  git_repository_free (repo);
  if (log->move_main_to != NULL)
    set_main (repo_path, log->move_main_to);
  if (log->refuse_silently)
    return FALSE;
  if (log->refuse)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, "record 3 is not signed by an officer");
      return FALSE;
    }
  return TRUE;
}

static ChainSyncOptions
options_for (const char *pin_path,
             VerifyLog  *log)
{
  ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;

  options.pin_path = pin_path;
  options.verify = log != NULL ? verify_cb : NULL;
  options.verify_data = log;
  return options;
}

typedef struct {
  guint   calls[CHAIN_SYNC_STAGE_WRITING + 1];
  guint64 last_done;
  guint64 last_total;
} ProgressLog;

static void
progress_cb (ChainSyncStage stage,
             guint64        done,
             guint64        total,
             gpointer       user_data)
{
  ProgressLog *log = user_data;

  ck_assert_int_le (stage, CHAIN_SYNC_STAGE_WRITING);
  log->calls[stage]++;
  log->last_done = done;
  log->last_total = total;
}

static void
assert_pin (const char *pin_path,
            const char *commit,
            gint64      seq)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pinned = NULL;
  gint64 pinned_seq = -2;

  ck_assert (chain_sync_pin_read (pin_path, &pinned, &pinned_seq, &error));
  test_assert_no_error (error);
  ck_assert_str_eq (pinned, commit);
  ck_assert_int_eq (pinned_seq, seq);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  ck_assert_msg (strstr (haystack, needle) != NULL, "\"%s\" does not say \"%s\"", haystack,
                 needle);
}

/* Like test_assert_error, also checking the message. */
static void
assert_error_says (GError    **error,
                   int         code,
                   const char *needle)
{
  ck_assert_ptr_nonnull (*error);
  assert_contains ((*error)->message, needle);
  test_assert_error (*error, code);
}

/* ---- The pin ------------------------------------------------------------- */

#define TIP_A "0123456789abcdef0123456789abcdef01234567"

START_TEST (test_pin_round_trip)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *contents = NULL;
  GStatBuf st;

  ck_assert (chain_sync_pin_write (pin, TIP_A, 7, &error));
  test_assert_no_error (error);
  assert_pin (pin, TIP_A, 7);
  ck_assert_int_eq (g_stat (pin, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0600);
  ck_assert (g_file_get_contents (pin, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "libchain-pin 1\ncommit " TIP_A "\nseq 7\n");

  /* Replacing it; the seq is optional. */
  ck_assert (chain_sync_pin_write (pin, "fedcba9876543210fedcba9876543210fedcba98", -1, &error));
  assert_pin (pin, "fedcba9876543210fedcba9876543210fedcba98", -1);
  ck_assert (chain_sync_pin_write (pin, TIP_A, 0, &error));
  assert_pin (pin, TIP_A, 0);
}
END_TEST

typedef struct {
  const char *name;
  const char *contents;   /* NULL: no file at all */
  guint       mode;
  int         code;
} PinCase;

static const PinCase pin_cases[] = {
  { "missing", NULL, 0600, CHAIN_ERROR_NOT_FOUND },
  { "garbage", "garbage\n", 0600, CHAIN_ERROR_INVALID_INPUT },
  { "empty", "", 0600, CHAIN_ERROR_INVALID_INPUT },
  { "no commit line", "libchain-pin 1\n", 0600, CHAIN_ERROR_INVALID_INPUT },
  { "short id", "libchain-pin 1\ncommit 0123456789abcdef\n", 0600, CHAIN_ERROR_INVALID_INPUT },
  { "upper case", "libchain-pin 1\ncommit 0123456789ABCDEF0123456789abcdef01234567\n", 0600,
    CHAIN_ERROR_INVALID_INPUT },
  { "zero id", "libchain-pin 1\ncommit 0000000000000000000000000000000000000000\n", 0600,
    CHAIN_ERROR_INVALID_INPUT },
  { "no newline", "libchain-pin 1\ncommit " TIP_A, 0600, CHAIN_ERROR_INVALID_INPUT },
  { "negative seq", "libchain-pin 1\ncommit " TIP_A "\nseq -1\n", 0600,
    CHAIN_ERROR_INVALID_INPUT },
  { "padded seq", "libchain-pin 1\ncommit " TIP_A "\nseq 01\n", 0600, CHAIN_ERROR_INVALID_INPUT },
  { "huge seq", "libchain-pin 1\ncommit " TIP_A "\nseq 99999999999999999999\n", 0600,
    CHAIN_ERROR_INVALID_INPUT },
  { "extra line", "libchain-pin 1\ncommit " TIP_A "\nseq 1\nmore\n", 0600,
    CHAIN_ERROR_INVALID_INPUT },
  { "wrong version", "libchain-pin 2\ncommit " TIP_A "\n", 0600, CHAIN_ERROR_INVALID_INPUT },
  { "group writable", "libchain-pin 1\ncommit " TIP_A "\n", 0620, CHAIN_ERROR_INSECURE },
  { "world writable", "libchain-pin 1\ncommit " TIP_A "\n", 0666, CHAIN_ERROR_INSECURE },
};

START_TEST (test_pin_read_refuses)
{
  const PinCase *c = &pin_cases[_i];
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = path_in ("pinned-tip");
  char *commit = NULL;
  gint64 seq = 42;

  if (c->contents != NULL)
    {
      test_support_write_file (pin, c->contents, strlen (c->contents));
      ck_assert_int_eq (g_chmod (pin, (int) c->mode), 0);
    }
  ck_assert_msg (!chain_sync_pin_read (pin, &commit, &seq, &error), "%s: accepted", c->name);
  test_assert_error (error, c->code);
  ck_assert_ptr_null (commit);
  ck_assert_int_eq (seq, 42);
}
END_TEST

START_TEST (test_pin_read_refuses_odd_files)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = path_in ("a-directory");
  g_autofree char *big = path_in ("big");
  g_autofree char *filler = g_strnfill (4000, 'x');
  g_autofree char *contents = g_strdup_printf ("libchain-pin 1\ncommit " TIP_A "\n%s\n", filler);
  char *commit = NULL;

  ck_assert_int_eq (g_mkdir (dir, 0700), 0);
  ck_assert (!chain_sync_pin_read (dir, &commit, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  test_support_write_file (big, contents, strlen (contents));
  ck_assert (!chain_sync_pin_read (big, &commit, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (commit);
}
END_TEST

START_TEST (test_pin_write_refuses)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *nowhere = path_in ("no-such-dir/pinned-tip");

  ck_assert (!chain_sync_pin_write (pin, "not a commit", 1, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_sync_pin_write (pin, NULL, 1, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!g_file_test (pin, G_FILE_TEST_EXISTS));
  ck_assert (!chain_sync_pin_write (nowhere, TIP_A, 1, &error));
  test_assert_error (error, CHAIN_ERROR_IO);
}
END_TEST

START_TEST (test_pin_check)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *repo = bare_new ("ledger.git");
  g_autofree char *empty = bare_new ("empty.git");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *a = append (repo, 1, "a");
  g_autofree char *b = append (repo, 1, "b");
  g_autofree char *c = append (repo, 1, "c");
  g_autofree char *other = commit_new (repo, a, "other");

  /* No pin yet: anything passes (first use). */
  ck_assert (chain_sync_pin_check (repo, pin, NULL, &error));
  test_assert_no_error (error);

  ck_assert (chain_sync_pin_write (pin, b, 1, &error));
  ck_assert (chain_sync_pin_check (repo, pin, NULL, &error));
  ck_assert (chain_sync_pin_check (repo, pin, b, &error));
  ck_assert (chain_sync_pin_check (repo, pin, c, &error));
  test_assert_no_error (error);

  /* Below the pin, and beside it. */
  ck_assert (!chain_sync_pin_check (repo, pin, a, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "does not descend from the pinned tip");
  ck_assert (!chain_sync_pin_check (repo, pin, other, &error));
  ck_assert_ptr_nonnull (error);
  assert_contains (error->message, "ledger was rewritten");
  assert_contains (error->message, other);
  assert_contains (error->message, b);
  assert_contains (error->message, "(seq 1)");
  assert_contains (error->message, "force-pushed");
  test_assert_error (error, CHAIN_ERROR_VERIFY);

  /* The current tip, rewritten. */
  set_main (repo, other);
  ck_assert (!chain_sync_pin_check (repo, pin, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);

  /* A pinned commit that is not there at all. */
  ck_assert (chain_sync_pin_write (pin, TIP_A, -1, &error));
  ck_assert (!chain_sync_pin_check (repo, pin, c, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  ck_assert (!chain_sync_pin_check (empty, pin, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "has no records");

  /* Bad candidates and repositories. */
  ck_assert (!chain_sync_pin_check (repo, pin, "c0ffee", &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_sync_pin_check (repo, pin, "fedcba9876543210fedcba9876543210fedcba98", &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_sync_pin_check (tmpdir, pin, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

/* ---- Fetch --------------------------------------------------------------- */

START_TEST (test_fetch_fast_forwards)
{
  UrlKind kind = (UrlKind) _i;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_auto(VerifyLog) log = { 0 };
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *url = url_for (kind, "remote.git");
  g_autofree char *first = append (remote, 3, "first");
  g_autofree char *second = NULL;
  ChainSyncOptions options = options_for (pin, &log);
  ProgressLog progress = { { 0 } };

  /* Into an empty ledger. */
  options.progress = progress_cb;
  options.progress_data = &progress;
  ck_assert (chain_sync_fetch (local, url, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_uint_gt (progress.calls[CHAIN_SYNC_STAGE_RECEIVING], 0);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_FAST_FORWARDED);
  ck_assert_ptr_null (chain_sync_result_get_old_tip (result));
  ck_assert_str_eq (chain_sync_result_get_new_tip (result), first);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 3);
  ck_assert_int_eq (chain_sync_result_get_seq (result), 2);
  assert_contains (chain_sync_result_get_summary (result), "fast-forwarded 3 records");
  g_clear_pointer (&result, chain_sync_result_free);
  assert_main (local, first);
  ck_assert_uint_eq (log.calls, 1);
  ck_assert_ptr_null (log.old_tip);
  ck_assert_str_eq (log.new_tip, first);
  ck_assert (log.main_was_old);
  ck_assert (log.new_readable);
  assert_pin (pin, first, 2);
  /* A URL gets a tracking ref of its own. */
  assert_tracking (local, url, first);

  /* Two more records. */
  second = append (remote, 2, "second");
  ck_assert (chain_sync_fetch (local, url, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_FAST_FORWARDED);
  ck_assert_str_eq (chain_sync_result_get_old_tip (result), first);
  ck_assert_str_eq (chain_sync_result_get_new_tip (result), second);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 2);
  ck_assert_int_eq (chain_sync_result_get_seq (result), 4);
  g_clear_pointer (&result, chain_sync_result_free);
  assert_main (local, second);
  ck_assert_uint_eq (log.calls, 2);
  ck_assert_str_eq (log.old_tip, first);
  assert_pin (pin, second, 4);

  /* Nothing new: no verify call, pin as it was. */
  ck_assert (chain_sync_fetch (local, url, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_UP_TO_DATE);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 0);
  ck_assert_int_eq (chain_sync_result_get_seq (result), 4);
  assert_contains (chain_sync_result_get_summary (result), "already up to date");
  ck_assert_uint_eq (log.calls, 2);
  assert_pin (pin, second, 4);
}
END_TEST

START_TEST (test_fetch_named_remote)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *moved = path_in ("moved.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *tip = append (remote, 2, "r");
  g_autofree char *moved_tip = NULL;
  g_autofree char *remote_url = url_for (URL_FILE, "remote.git");

  ck_assert (chain_sync_remote_set (local, "origin", remote_url, &error));
  test_assert_no_error (error);
  ck_assert (chain_sync_fetch (local, "origin", NULL, &result, NULL, &error));
  test_assert_no_error (error);
  assert_main (local, tip);
  assert_ref (local, "refs/remotes/origin/main", tip);

  /* Pointing origin elsewhere. */
  GIT_OK ("clone", "--bare", "-q", remote, moved);
  moved_tip = append (moved, 1, "m");
  ck_assert (chain_sync_remote_set (local, "origin", moved, &error));
  ck_assert (chain_sync_fetch (local, "origin", NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  assert_main (local, moved_tip);

  ck_assert (!chain_sync_fetch (local, "upstream", NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_NOT_FOUND, "no remote named upstream");
  ck_assert (!chain_sync_fetch (local, "", NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_sync_remote_set (local, "bad name", remote_url, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_sync_remote_set (local, "other", "", &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_sync_fetch (tmpdir, "origin", NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_fetch_unreachable)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *missing = url_for (URL_FILE, "missing.git");
  g_autofree char *closed = g_strdup_printf ("git://127.0.0.1:%u/remote.git", free_port ());

  ck_assert (!chain_sync_fetch (local, missing, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_FAILED);
  ck_assert (!chain_sync_fetch (local, closed, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_FAILED);
  assert_main (local, NULL);
}
END_TEST

START_TEST (test_fetch_empty_remote)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");

  ck_assert (chain_sync_fetch (local, remote, NULL, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_UP_TO_DATE);
  ck_assert_ptr_null (chain_sync_result_get_new_tip (result));
  g_clear_pointer (&result, chain_sync_result_free);

  g_free (append (local, 2, "l"));
  ck_assert (chain_sync_fetch (local, remote, NULL, &result, NULL, &error));
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_REMOTE_BEHIND);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 2);
}
END_TEST

START_TEST (test_fetch_remote_behind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_auto(VerifyLog) log = { 0 };
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *base = append (remote, 2, "r");
  g_autofree char *ours = NULL;
  ChainSyncOptions options = options_for (pin, &log);

  ck_assert (chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  ours = append (local, 2, "ours");
  ck_assert (chain_sync_fetch (local, remote, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_REMOTE_BEHIND);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 2);
  ck_assert_int_eq (chain_sync_result_get_seq (result), 3);
  assert_contains (chain_sync_result_get_summary (result), "push");
  assert_main (local, ours);
  ck_assert_uint_eq (log.calls, 1);
  assert_pin (pin, base, 1);
}
END_TEST

START_TEST (test_fetch_divergence_refused)
{
  UrlKind kind = (UrlKind) _i;
  g_autoptr(GError) error = NULL;
  g_auto(VerifyLog) log = { 0 };
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *url = url_for (kind, "remote.git");
  g_autofree char *base = append (remote, 2, "base");
  g_autofree char *theirs = NULL;
  g_autofree char *ours = NULL;
  ChainSyncOptions options = options_for (NULL, &log);

  ck_assert (chain_sync_fetch (local, url, &options, NULL, NULL, &error));
  test_assert_no_error (error);
  theirs = append (remote, 2, "theirs");
  ours = append (local, 1, "ours");

  ck_assert (!chain_sync_fetch (local, url, &options, NULL, NULL, &error));
  ck_assert_ptr_nonnull (error);
  assert_contains (error->message, "diverged after record");
  assert_contains (error->message, base);
  assert_contains (error->message, theirs);
  assert_contains (error->message, ours);
  assert_contains (error->message, "has 2 record(s)");
  assert_contains (error->message, "we have 1 ");
  assert_contains (error->message, "(seq 1)");
  test_assert_error (error, CHAIN_ERROR_CONFLICT);
  assert_main (local, ours);
  ck_assert_uint_eq (log.calls, 1);

  /* The tracking ref still names what we last accepted. */
  assert_tracking (local, url, base);

  /* Another ledger altogether. */
  {
    g_autofree char *stranger = bare_new ("stranger.git");

    g_free (append (stranger, 1, "s"));
    ck_assert (!chain_sync_fetch (local, stranger, &options, NULL, NULL, &error));
    assert_error_says (&error, CHAIN_ERROR_CONFLICT, "shares no record");
    assert_main (local, ours);
  }
}
END_TEST

START_TEST (test_fetch_verify_refusal_changes_nothing)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_auto(VerifyLog) log = { 0 };
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *first = append (remote, 1, "first");
  g_autofree char *second = NULL;
  ChainSyncOptions options = options_for (pin, &log);

  ck_assert (chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  test_assert_no_error (error);
  second = append (remote, 3, "second");

  log.refuse = TRUE;
  ck_assert (!chain_sync_fetch (local, remote, &options, &result, NULL, &error));
  /* The verify function's own error comes back as it was. */
  assert_error_says (&error, CHAIN_ERROR_REFUSED, "record 3 is not signed");
  ck_assert_ptr_null (result);
  ck_assert_uint_eq (log.calls, 2);
  ck_assert_str_eq (log.old_tip, first);
  ck_assert_str_eq (log.new_tip, second);
  ck_assert (log.main_was_old);
  ck_assert (log.new_readable);
  assert_main (local, first);
  assert_tracking (local, remote, first);
  assert_pin (pin, first, 0);

  /* Refusing without saying why still refuses. */
  log.refuse = FALSE;
  log.refuse_silently = TRUE;
  ck_assert (!chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  assert_main (local, first);

  /* Accepted once the auditor is satisfied; the objects are already here. */
  log.refuse_silently = FALSE;
  ck_assert (chain_sync_fetch (local, remote, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 3);
  assert_main (local, second);
  assert_pin (pin, second, 3);
}
END_TEST

START_TEST (test_fetch_compare_and_swap)
{
  g_autoptr(GError) error = NULL;
  g_auto(VerifyLog) log = { 0 };
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *first = append (remote, 1, "first");
  g_autofree char *second = NULL;
  g_autofree char *racer = NULL;
  ChainSyncOptions options = options_for (NULL, &log);

  ck_assert (chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  second = append (remote, 1, "second");
  /* Another writer appends while the auditor looks. */
  racer = commit_new (local, first, "racer");
  log.move_main_to = g_strdup (racer);
  ck_assert (!chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_CONFLICT, "moved while we synced");
  assert_main (local, racer);

  /* From an empty ledger, too. */
  {
    g_autofree char *empty = bare_new ("empty.git");
    g_autofree char *elsewhere = commit_new (empty, NULL, "elsewhere");

    g_free (log.move_main_to);
    log.move_main_to = g_strdup (elsewhere);
    ck_assert (!chain_sync_fetch (empty, remote, &options, NULL, NULL, &error));
    test_assert_error (error, CHAIN_ERROR_CONFLICT);
    assert_main (empty, elsewhere);
  }
}
END_TEST

START_TEST (test_fetch_refuses_merges)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *base = append (remote, 1, "base");
  g_autofree char *left = commit_new (remote, base, "left");
  g_autofree char *right = commit_new (remote, base, "right");
  const char *parents[] = { left, right };
  g_autofree char *merge = commit_new_n (remote, parents, 2, "merge");

  ck_assert (chain_sync_fetch (local, remote, NULL, NULL, NULL, &error));
  set_main (remote, merge);
  ck_assert (!chain_sync_fetch (local, remote, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "is a merge");
  assert_main (local, base);
}
END_TEST

START_TEST (test_fetch_cancelled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");

  g_free (append (remote, 2, "r"));
  g_cancellable_cancel (cancellable);
  ck_assert (!chain_sync_fetch (local, remote, NULL, NULL, cancellable, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  assert_main (local, NULL);
}
END_TEST

/* A plain git clone rewrites the remote's history with git push --force;
 * the pin catches it on the next fetch. */
START_TEST (test_force_push_detected_by_pin)
{
  UrlKind kind = (UrlKind) _i;
  g_autoptr(GError) error = NULL;
  g_auto(VerifyLog) log = { 0 };
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *unpinned = bare_new ("unpinned.git");
  g_autofree char *work = path_in ("work");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *url = url_for (kind, "remote.git");
  g_autofree char *tip = append (remote, 3, "r");
  g_autofree char *rewritten = NULL;
  ChainSyncOptions options = options_for (pin, &log);

  ck_assert (chain_sync_fetch (local, url, &options, NULL, NULL, &error));
  ck_assert (chain_sync_fetch (unpinned, url, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  assert_pin (pin, tip, 2);

  GIT_OK ("clone", "-q", remote, work);
  GIT_OK ("-C", work, "reset", "-q", "--hard", "HEAD~1");
  GIT_OK ("-C", work, "commit", "-q", "--allow-empty", "-m", "a different record 2");
  GIT_OK ("-C", work, "push", "-q", "--force", "origin", "main");
  rewritten = main_of (remote);
  ck_assert_str_ne (rewritten, tip);

  ck_assert (!chain_sync_fetch (local, url, &options, NULL, NULL, &error));
  ck_assert_ptr_nonnull (error);
  assert_contains (error->message, "ledger was rewritten");
  assert_contains (error->message, rewritten);
  assert_contains (error->message, "does not descend from the pinned tip");
  assert_contains (error->message, tip);
  assert_contains (error->message, "(seq 2)");
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  assert_main (local, tip);
  assert_pin (pin, tip, 2);
  ck_assert_uint_eq (log.calls, 1);

  /* Without a pin, the tracking ref remembers where the remote was. */
  ck_assert (!chain_sync_fetch (unpinned, url, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "rolled back or force-pushed");
  assert_main (unpinned, tip);
}
END_TEST

START_TEST (test_remote_rollback_detected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *work = path_in ("work");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *tip = append (remote, 3, "r");
  ChainSyncOptions options = options_for (pin, NULL);

  ck_assert (chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  GIT_OK ("clone", "-q", remote, work);
  GIT_OK ("-C", work, "push", "-q", "--force", "origin", "HEAD~2:main");

  /* Older than the pin, so not a rewrite of it; the tracking ref objects. */
  ck_assert (!chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "rolled back or force-pushed");
  assert_main (local, tip);

  /* A remote that lost main entirely. */
  GIT_OK ("-C", remote, "update-ref", "-d", "refs/heads/main");
  ck_assert (!chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "no longer has refs/heads/main");
  assert_main (local, tip);
}
END_TEST

START_TEST (test_local_rewrite_refused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *bundle = path_in ("ledger.bundle");
  g_autofree char *tip = append (remote, 2, "r");
  g_autofree char *forged = NULL;
  ChainSyncOptions options = options_for (pin, NULL);

  ck_assert (chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  forged = commit_new (local, NULL, "forged genesis");
  set_main (local, forged);

  ck_assert (!chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "this ledger's main");
  ck_assert (!chain_sync_push (local, remote, &options, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  ck_assert (!chain_sync_bundle_create (local, bundle, NULL, &options, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  ck_assert (!g_file_test (bundle, G_FILE_TEST_EXISTS));
  assert_main (remote, tip);
  assert_main (local, forged);

  /* A pin file that cannot be trusted stops everything. */
  ck_assert_int_eq (g_chmod (pin, 0666), 0);
  ck_assert (!chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INSECURE);
}
END_TEST

START_TEST (test_fetch_pin_unwritable)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *pin = path_in ("no-such-dir/pinned-tip");
  g_autofree char *tip = append (remote, 1, "r");
  ChainSyncOptions options = options_for (pin, NULL);

  /* No pin yet, and none can be written: the ledger moves, the pin cannot. */
  ck_assert (!chain_sync_fetch (local, remote, &options, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_IO, tip);
  assert_main (local, tip);
}
END_TEST

/* ---- Push ---------------------------------------------------------------- */

START_TEST (test_push_fast_forward)
{
  UrlKind kind = (UrlKind) _i;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *url = url_for (kind, "remote.git");
  g_autofree char *base = append (local, 2, "base");
  g_autofree char *tip = NULL;
  ChainSyncOptions options = options_for (pin, NULL);

  /* Into an empty remote. */
  ck_assert (chain_sync_push (local, url, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_FAST_FORWARDED);
  ck_assert_ptr_null (chain_sync_result_get_old_tip (result));
  ck_assert_uint_eq (chain_sync_result_get_records (result), 2);
  ck_assert_int_eq (chain_sync_result_get_seq (result), 1);
  g_clear_pointer (&result, chain_sync_result_free);
  assert_main (remote, base);

  tip = append (local, 3, "more");
  ck_assert (chain_sync_push (local, url, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_FAST_FORWARDED);
  ck_assert_str_eq (chain_sync_result_get_old_tip (result), base);
  ck_assert_str_eq (chain_sync_result_get_new_tip (result), tip);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 3);
  g_clear_pointer (&result, chain_sync_result_free);
  assert_main (remote, tip);
  GIT_OK ("-C", remote, "fsck", "--no-progress");

  ck_assert (chain_sync_push (local, url, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_UP_TO_DATE);
  assert_main (remote, tip);

  /* Nothing to push from an empty ledger. */
  {
    g_autofree char *empty = bare_new ("empty.git");

    ck_assert (!chain_sync_push (empty, url, NULL, NULL, NULL, &error));
    test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  }
}
END_TEST

START_TEST (test_push_rejected_when_remote_moved)
{
  UrlKind kind = (UrlKind) _i;
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *other = path_in ("other");
  g_autofree char *url = url_for (kind, "remote.git");
  g_autofree char *base = append (remote, 2, "base");
  g_autofree char *theirs = NULL;
  g_autofree char *ours = NULL;

  ck_assert_ptr_nonnull (base);
  ck_assert (chain_sync_fetch (local, url, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  /* Another custodian pushes first, with plain git. */
  GIT_OK ("clone", "-q", remote, other);
  GIT_OK ("-C", other, "commit", "-q", "--allow-empty", "-m", "their record");
  GIT_OK ("-C", other, "push", "-q", "origin", "main");
  theirs = main_of (remote);
  ours = append (local, 1, "ours");

  ck_assert (!chain_sync_push (local, url, NULL, NULL, NULL, &error));
  ck_assert_ptr_nonnull (error);
  assert_contains (error->message, "sync (fetch) first");
  assert_contains (error->message, theirs);
  test_assert_error (error, CHAIN_ERROR_CONFLICT);
  assert_main (remote, theirs);

  /* Also when we already hold their commit: a push never forces. */
  ck_assert (!chain_sync_fetch (local, url, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_CONFLICT);
  ck_assert (!chain_sync_push (local, url, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_CONFLICT);
  assert_main (remote, theirs);
  assert_main (local, ours);
}
END_TEST

/* The server has the last word: a hook that declines every update. */
START_TEST (test_push_refused_by_server)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = bare_new ("remote.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *hook = g_build_filename (remote, "hooks", "pre-receive", NULL);
  g_autofree char *url = url_for (URL_GIT, "remote.git");
  g_autofree char *base = append (remote, 1, "base");
  const char *script = "#!/bin/sh\necho 'ledger frozen for audit' >&2\nexit 1\n";

  ck_assert (chain_sync_fetch (local, url, NULL, NULL, NULL, &error));
  g_free (append (local, 1, "ours"));
  test_support_write_file (hook, script, strlen (script));
  ck_assert_int_eq (g_chmod (hook, 0755), 0);

  ck_assert (!chain_sync_push (local, url, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_CONFLICT, "refused the update");
  assert_main (remote, base);
}
END_TEST

START_TEST (test_push_named_remote)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fetch_from = bare_new ("fetch.git");
  g_autofree char *push_to = bare_new ("push.git");
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *tip = append (local, 2, "r");

  ck_assert (chain_sync_remote_set (local, "origin", fetch_from, &error));
  GIT_OK ("-C", local, "config", "remote.origin.pushurl", push_to);
  ck_assert (chain_sync_push (local, "origin", NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  assert_main (push_to, tip);
  assert_main (fetch_from, NULL);
  assert_ref (local, "refs/remotes/origin/main", tip);

  ck_assert (!chain_sync_push (local, "upstream", NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_push_refuses_non_bare)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *local = bare_new ("local.git");
  g_autofree char *work = path_in ("work");

  g_free (append (local, 1, "r"));
  GIT_OK ("init", "-q", "-b", "main", work);
  ck_assert (!chain_sync_push (local, work, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_REFUSED, "bare");
}
END_TEST

/* ---- Bundles ------------------------------------------------------------- */

static GBytes *
read_bytes (const char *path)
{
  char *data = NULL;
  gsize len = 0;

  ck_assert (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

/* Checks that only complete packs are in @repo: no temporary files left. */
static void
assert_clean_pack_dir (const char *repo)
{
  g_autofree char *pack_dir = g_build_filename (repo, "objects", "pack", NULL);
  g_autoptr(GDir) dir = g_dir_open (pack_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    ck_assert_msg (g_str_has_prefix (name, "pack-")
                   && (g_str_has_suffix (name, ".pack") || g_str_has_suffix (name, ".idx")),
                   "left behind in objects/pack: %s", name);
}

START_TEST (test_bundle_full_git_accepts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *repo = bare_new ("ledger.git");
  g_autofree char *bundle = path_in ("full.bundle");
  g_autofree char *empty = path_in ("empty");
  g_autofree char *bare_clone = path_in ("bare-clone.git");
  g_autofree char *work_clone = path_in ("work-clone");
  g_autofree char *tip = append (repo, 3, "r");
  g_autofree char *expected = g_strdup_printf ("# v2 git bundle\n%s refs/heads/main\n%s HEAD\n\nPACK", tip, tip);
  guint64 records = 0;

  ck_assert (chain_sync_bundle_create (repo, bundle, NULL, NULL, &records, NULL, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (records, 3);
  bytes = read_bytes (bundle);
  ck_assert_uint_gt (g_bytes_get_size (bytes), strlen (expected));
  ck_assert (memcmp (g_bytes_get_data (bytes, NULL), expected, strlen (expected)) == 0);

  GIT_OK ("init", "-q", "--bare", empty);
  GIT_OK ("-C", empty, "bundle", "verify", "-q", bundle);
  GIT_OK ("clone", "-q", "--bare", bundle, bare_clone);
  assert_main (bare_clone, tip);
  GIT_OK ("-C", bare_clone, "fsck", "--no-progress", "--strict");
  /* HEAD names main, so a plain clone checks it out. */
  GIT_OK ("clone", "-q", bundle, work_clone);
  assert_main (work_clone, tip);
  GIT_OK ("-C", work_clone, "diff", "--quiet", "HEAD");

  /* The bundle file is not overwritten. */
  ck_assert (!chain_sync_bundle_create (repo, bundle, NULL, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);
}
END_TEST

START_TEST (test_bundle_incremental_git_accepts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *repo = bare_new ("ledger.git");
  g_autofree char *bundle = path_in ("incremental.bundle");
  g_autofree char *empty = path_in ("empty.git");
  g_autofree char *receiver = path_in ("receiver.git");
  g_autofree char *base = append (repo, 3, "base");
  g_autofree char *tip = NULL;
  g_autofree char *prerequisite = NULL;
  guint64 records = 0;

  /* The receiver holds everything up to base, copied with plain git. */
  GIT_OK ("clone", "-q", "--bare", repo, receiver);
  tip = append (repo, 2, "new");
  ck_assert (chain_sync_bundle_create (repo, bundle, base, NULL, &records, NULL, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (records, 2);
  bytes = read_bytes (bundle);
  prerequisite = g_strdup_printf ("# v2 git bundle\n-%s base-2\n%s refs/heads/main\n%s HEAD\n\n", base, tip, tip);
  ck_assert (memcmp (g_bytes_get_data (bytes, NULL), prerequisite, strlen (prerequisite)) == 0);

  GIT_OK ("-C", receiver, "bundle", "verify", "-q", bundle);
  GIT_OK ("-C", receiver, "fetch", "-q", bundle, "refs/heads/main:refs/heads/main");
  assert_main (receiver, tip);
  GIT_OK ("-C", receiver, "fsck", "--no-progress", "--strict");

  /* Without the prerequisite git refuses it, so the line is there for real. */
  GIT_OK ("init", "-q", "--bare", empty);
  {
    const char *args[] = { "-C", empty, "bundle", "verify", "-q", bundle, NULL };

    ck_assert_int_ne (git_run (args, FALSE), 0);
  }
}
END_TEST

START_TEST (test_bundle_import_fast_forwards)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_auto(VerifyLog) log = { 0 };
  g_autofree char *sender = bare_new ("sender.git");
  g_autofree char *receiver = bare_new ("receiver.git");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *full = path_in ("full.bundle");
  g_autofree char *incremental = path_in ("incremental.bundle");
  g_autofree char *first = append (sender, 3, "first");
  g_autofree char *second = NULL;
  ChainSyncOptions options = options_for (pin, &log);
  ProgressLog progress = { { 0 } };
  GStatBuf st;

  options.progress = progress_cb;
  options.progress_data = &progress;
  ck_assert (chain_sync_bundle_create (sender, full, NULL, &options, NULL, NULL, &error));
  ck_assert_uint_gt (progress.calls[CHAIN_SYNC_STAGE_WRITING], 0);
  ck_assert (g_stat (full, &st) == 0);
  ck_assert (chain_sync_bundle_import (receiver, full, &options, &result, NULL, &error));
  test_assert_no_error (error);
  /* Reading counts bytes, up to the whole file. */
  ck_assert_uint_gt (progress.calls[CHAIN_SYNC_STAGE_READING], 0);
  ck_assert_uint_eq (progress.last_done, (guint64) st.st_size);
  ck_assert_uint_eq (progress.last_total, (guint64) st.st_size);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_FAST_FORWARDED);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 3);
  ck_assert_int_eq (chain_sync_result_get_seq (result), 2);
  g_clear_pointer (&result, chain_sync_result_free);
  assert_main (receiver, first);
  ck_assert_uint_eq (log.calls, 1);
  ck_assert_ptr_null (log.old_tip);
  ck_assert (log.main_was_old);
  ck_assert (log.new_readable);
  assert_pin (pin, first, 2);

  second = append (sender, 2, "second");
  ck_assert (chain_sync_bundle_create (sender, incremental, first, NULL, NULL, NULL, &error));
  ck_assert (chain_sync_bundle_import (receiver, incremental, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_FAST_FORWARDED);
  ck_assert_str_eq (chain_sync_result_get_old_tip (result), first);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 2);
  ck_assert_int_eq (chain_sync_result_get_seq (result), 4);
  g_clear_pointer (&result, chain_sync_result_free);
  assert_main (receiver, second);
  ck_assert_uint_eq (log.calls, 2);
  assert_pin (pin, second, 4);
  GIT_OK ("-C", receiver, "fsck", "--no-progress", "--strict");
  assert_clean_pack_dir (receiver);

  /* The same bundle again: nothing new, and nobody asked. */
  ck_assert (chain_sync_bundle_import (receiver, incremental, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_UP_TO_DATE);
  assert_contains (chain_sync_result_get_summary (result), "already up to date");
  ck_assert_uint_eq (log.calls, 2);
  assert_main (receiver, second);
}
END_TEST

START_TEST (test_bundle_import_git_made)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_autofree char *sender = bare_new ("sender.git");
  g_autofree char *receiver = bare_new ("receiver.git");
  g_autofree char *bundle = path_in ("git.bundle");
  g_autofree char *tip = append (sender, 4, "r");

  GIT_OK ("-C", sender, "bundle", "create", "-q", bundle, "main");
  ck_assert (chain_sync_bundle_import (receiver, bundle, NULL, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_uint_eq (chain_sync_result_get_records (result), 4);
  assert_main (receiver, tip);
}
END_TEST

typedef enum {
  TAMPER_FLIP_PACK,
  TAMPER_FLIP_CHECKSUM,
  TAMPER_TRUNCATE_PACK,
  TAMPER_TRUNCATE_HEADER,
  TAMPER_NO_PACK,
  TAMPER_JUNK_AFTER_PACK,
  TAMPER_SIGNATURE,
  TAMPER_V3,
  TAMPER_TWO_REFS,
  TAMPER_OTHER_REF,
  TAMPER_HEAD_TOO,
  TAMPER_NO_REF,
  TAMPER_BAD_HEX,
  TAMPER_UPPER_HEX,
  TAMPER_PREREQ_AFTER_REF,
  TAMPER_MISSING_PREREQ,
  TAMPER_HUGE_HEADER,
  TAMPER_NUL_IN_HEADER,
  TAMPER_GARBAGE,
  TAMPER_EMPTY,
  TAMPER_OVER_CAP,
  TAMPER_FOREIGN_PACK,
  TAMPER_GAP,
  TAMPER_NO_BLOBS,
} Tamper;

typedef struct {
  const char *name;
  Tamper      tamper;
  int         code;
} TamperCase;

static const TamperCase tamper_cases[] = {
  { "byte flipped in the pack", TAMPER_FLIP_PACK, CHAIN_ERROR_INVALID_INPUT },
  { "byte flipped in the checksum", TAMPER_FLIP_CHECKSUM, CHAIN_ERROR_INVALID_INPUT },
  { "pack truncated", TAMPER_TRUNCATE_PACK, CHAIN_ERROR_INVALID_INPUT },
  { "header truncated", TAMPER_TRUNCATE_HEADER, CHAIN_ERROR_INVALID_INPUT },
  { "no pack", TAMPER_NO_PACK, CHAIN_ERROR_INVALID_INPUT },
  { "junk after the pack", TAMPER_JUNK_AFTER_PACK, CHAIN_ERROR_INVALID_INPUT },
  { "wrong signature", TAMPER_SIGNATURE, CHAIN_ERROR_INVALID_INPUT },
  { "version 3", TAMPER_V3, CHAIN_ERROR_INVALID_INPUT },
  { "two refs", TAMPER_TWO_REFS, CHAIN_ERROR_INVALID_INPUT },
  { "another ref", TAMPER_OTHER_REF, CHAIN_ERROR_INVALID_INPUT },
  { "HEAD not main", TAMPER_HEAD_TOO, CHAIN_ERROR_INVALID_INPUT },
  { "no ref", TAMPER_NO_REF, CHAIN_ERROR_INVALID_INPUT },
  { "bad hex", TAMPER_BAD_HEX, CHAIN_ERROR_INVALID_INPUT },
  { "upper-case hex", TAMPER_UPPER_HEX, CHAIN_ERROR_INVALID_INPUT },
  { "prerequisite after the ref", TAMPER_PREREQ_AFTER_REF, CHAIN_ERROR_INVALID_INPUT },
  { "missing prerequisite", TAMPER_MISSING_PREREQ, CHAIN_ERROR_NOT_FOUND },
  { "header over 64 KiB", TAMPER_HUGE_HEADER, CHAIN_ERROR_INVALID_INPUT },
  { "NUL in the header", TAMPER_NUL_IN_HEADER, CHAIN_ERROR_INVALID_INPUT },
  { "garbage", TAMPER_GARBAGE, CHAIN_ERROR_INVALID_INPUT },
  { "empty file", TAMPER_EMPTY, CHAIN_ERROR_INVALID_INPUT },
  { "over the size cap", TAMPER_OVER_CAP, CHAIN_ERROR_INVALID_INPUT },
  { "pack of another bundle", TAMPER_FOREIGN_PACK, CHAIN_ERROR_INVALID_INPUT },
  { "records missing between base and pack", TAMPER_GAP, CHAIN_ERROR_VERIFY },
  { "pack without the records' files", TAMPER_NO_BLOBS, CHAIN_ERROR_VERIFY },
};

/* The bytes after the header's blank line. */
static gsize
pack_offset (GBytes *bundle)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bundle, &len);

  for (gsize i = 0; i + 1 < len; i++)
    if (data[i] == '\n' && data[i + 1] == '\n')
      return i + 2;
  ck_abort_msg ("no blank line in the bundle");
  return 0;
}

START_TEST (test_bundle_tampering_refused)
{
  const TamperCase *c = &tamper_cases[_i];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = NULL;
  g_autoptr(GBytes) foreign = NULL;
  g_autoptr(GByteArray) bad = g_byte_array_new ();
  g_auto(VerifyLog) log = { 0 };
  g_autofree char *sender = bare_new ("sender.git");
  g_autofree char *receiver = bare_new ("receiver.git");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *full = path_in ("full.bundle");
  g_autofree char *bundle = path_in ("incremental.bundle");
  g_autofree char *other_bundle = path_in ("other.bundle");
  g_autofree char *tampered = path_in ("tampered.bundle");
  g_autofree char *base = append (sender, 2, "base");
  g_autofree char *tip = NULL;
  g_autofree char *line = NULL;
  ChainSyncOptions options = options_for (pin, &log);
  const guint8 *data;
  gsize len;
  gsize offset;

  /* The receiver holds base; the bundle carries three more records. */
  ck_assert (chain_sync_bundle_create (sender, full, NULL, NULL, NULL, NULL, &error));
  ck_assert (chain_sync_bundle_import (receiver, full, &options, NULL, NULL, &error));
  test_assert_no_error (error);
  tip = append (sender, 3, "new");
  ck_assert (chain_sync_bundle_create (sender, bundle, base, NULL, NULL, NULL, &error));
  test_assert_no_error (error);
  good = read_bytes (bundle);
  data = g_bytes_get_data (good, &len);
  offset = pack_offset (good);

  switch (c->tamper)
    {
    case TAMPER_FLIP_PACK:
      g_byte_array_append (bad, data, len);
      bad->data[offset + (len - offset) / 2] ^= 0x40;
      break;
    case TAMPER_FLIP_CHECKSUM:
      g_byte_array_append (bad, data, len);
      bad->data[len - 1] ^= 0x01;
      break;
    case TAMPER_TRUNCATE_PACK:
      g_byte_array_append (bad, data, len - 30);
      break;
    case TAMPER_TRUNCATE_HEADER:
      g_byte_array_append (bad, data, 30);
      break;
    case TAMPER_NO_PACK:
      g_byte_array_append (bad, data, offset);
      break;
    case TAMPER_JUNK_AFTER_PACK:
      g_byte_array_append (bad, data, len);
      g_byte_array_append (bad, (const guint8 *) "PACKjunk", 8);
      break;
    case TAMPER_SIGNATURE:
      g_byte_array_append (bad, (const guint8 *) "# v1 git bundle\n", 16);
      g_byte_array_append (bad, data + 16, len - 16);
      break;
    case TAMPER_V3:
      g_byte_array_append (bad, (const guint8 *) "# v3 git bundle\n", 16);
      g_byte_array_append (bad, data + 16, len - 16);
      break;
    case TAMPER_TWO_REFS:
    case TAMPER_OTHER_REF:
    case TAMPER_HEAD_TOO:
    case TAMPER_NO_REF:
    case TAMPER_BAD_HEX:
    case TAMPER_UPPER_HEX:
    case TAMPER_PREREQ_AFTER_REF:
    case TAMPER_MISSING_PREREQ:
    case TAMPER_HUGE_HEADER:
    case TAMPER_NUL_IN_HEADER:
      {
        g_autoptr(GString) header = g_string_new ("# v2 git bundle\n");
        g_autofree char *upper = g_ascii_strup (tip, -1);
        g_autofree char *filler = NULL;

        if (c->tamper == TAMPER_MISSING_PREREQ)
          g_string_append (header, "-" TIP_A "\n");
        else if (c->tamper == TAMPER_HUGE_HEADER)
          {
            filler = g_strnfill (70 * 1024, 'x');
            g_string_append_printf (header, "-%s %s\n", base, filler);
          }
        else if (c->tamper != TAMPER_PREREQ_AFTER_REF)
          g_string_append_printf (header, "-%s\n", base);
        if (c->tamper == TAMPER_BAD_HEX)
          g_string_append (header, "0123456789abcdefXYZ456789abcdef01234567 refs/heads/main\n");
        else if (c->tamper == TAMPER_UPPER_HEX)
          g_string_append_printf (header, "%s refs/heads/main\n", upper);
        else if (c->tamper == TAMPER_OTHER_REF)
          g_string_append_printf (header, "%s refs/heads/evil\n", tip);
        else if (c->tamper == TAMPER_NO_REF)
          ;
        else
          g_string_append_printf (header, "%s refs/heads/main\n", tip);
        if (c->tamper == TAMPER_TWO_REFS)
          g_string_append_printf (header, "%s refs/heads/other\n", base);
        if (c->tamper == TAMPER_HEAD_TOO)
          g_string_append_printf (header, "%s HEAD\n", base);
        if (c->tamper == TAMPER_PREREQ_AFTER_REF)
          g_string_append_printf (header, "-%s\n", base);
        g_byte_array_append (bad, (const guint8 *) header->str, header->len);
        if (c->tamper == TAMPER_NUL_IN_HEADER)
          g_byte_array_append (bad, (const guint8 *) "\0\n", 2);
        g_byte_array_append (bad, (const guint8 *) "\n", 1);
        g_byte_array_append (bad, data + offset, len - offset);
        break;
      }
    case TAMPER_GARBAGE:
      for (guint i = 0; i < 4096; i++)
        {
          guint8 byte = (guint8) g_random_int_range (0, 256);

          g_byte_array_append (bad, &byte, 1);
        }
      break;
    case TAMPER_EMPTY:
      break;
    case TAMPER_OVER_CAP:
      g_byte_array_append (bad, data, len);
      options.max_bundle_size = len - 1;
      break;
    case TAMPER_FOREIGN_PACK:
      {
        /* The header of our bundle on the pack of a bundle of other records. */
        g_autofree char *stranger = bare_new ("stranger.git");
        gsize other_len = 0;
        const guint8 *other_data;
        gsize other_offset;

        g_free (append (stranger, 2, "stranger"));
        ck_assert (chain_sync_bundle_create (stranger, other_bundle, NULL, NULL, NULL, NULL,
                                             &error));
        foreign = read_bytes (other_bundle);
        other_data = g_bytes_get_data (foreign, &other_len);
        other_offset = pack_offset (foreign);
        line = g_strdup_printf ("# v2 git bundle\n%s refs/heads/main\n\n", tip);
        g_byte_array_append (bad, (const guint8 *) line, strlen (line));
        g_byte_array_append (bad, other_data + other_offset, other_len - other_offset);
        break;
      }
    case TAMPER_GAP:
      {
        /* Claims to need only base, but its pack starts two records later. */
        g_autofree char *before_tip = NULL;
        gsize other_len = 0;
        const guint8 *other_data;
        gsize other_offset;
        git_repository *repo = repo_open (sender);
        git_object *parent = NULL;

        ck_assert_int_eq (git_revparse_single (&parent, repo, "main~1"), 0);
        before_tip = g_strdup (git_oid_tostr_s (git_object_id (parent)));
        git_object_free (parent);
        git_repository_free (repo);
        ck_assert (chain_sync_bundle_create (sender, other_bundle, before_tip, NULL, NULL, NULL,
                                             &error));
        foreign = read_bytes (other_bundle);
        other_data = g_bytes_get_data (foreign, &other_len);
        other_offset = pack_offset (foreign);
        line = g_strdup_printf ("# v2 git bundle\n-%s\n%s refs/heads/main\n\n", base, tip);
        g_byte_array_append (bad, (const guint8 *) line, strlen (line));
        g_byte_array_append (bad, other_data + other_offset, other_len - other_offset);
        break;
      }
    case TAMPER_NO_BLOBS:
      {
        /* The new commits and their trees, but none of the files they add. */
        git_repository *repo = repo_open (sender);
        git_packbuilder *pack = NULL;
        git_revwalk *walk = NULL;
        git_buf buf = GIT_BUF_INIT;
        git_oid oid;

        ck_assert_int_eq (git_packbuilder_new (&pack, repo), 0);
        ck_assert_int_eq (git_revwalk_new (&walk, repo), 0);
        ck_assert_int_eq (git_revwalk_push_ref (walk, "refs/heads/main"), 0);
        ck_assert_int_eq (git_oid_fromstr (&oid, base), 0);
        ck_assert_int_eq (git_revwalk_hide (walk, &oid), 0);
        while (git_revwalk_next (&oid, walk) == 0)
          {
            git_commit *commit = NULL;

            ck_assert_int_eq (git_commit_lookup (&commit, repo, &oid), 0);
            ck_assert_int_eq (git_packbuilder_insert (pack, &oid, NULL), 0);
            ck_assert_int_eq (git_packbuilder_insert (pack, git_commit_tree_id (commit), NULL), 0);
            git_commit_free (commit);
          }
        ck_assert_int_eq (git_packbuilder_write_buf (&buf, pack), 0);
        line = g_strdup_printf ("# v2 git bundle\n-%s\n%s refs/heads/main\n\n", base, tip);
        g_byte_array_append (bad, (const guint8 *) line, strlen (line));
        g_byte_array_append (bad, (const guint8 *) buf.ptr, buf.size);
        git_buf_dispose (&buf);
        git_revwalk_free (walk);
        git_packbuilder_free (pack);
        git_repository_free (repo);
        break;
      }
    default:
      ck_abort_msg ("unknown case");
    }
  test_support_write_file (tampered, bad->data, bad->len);

  ck_assert_msg (!chain_sync_bundle_import (receiver, tampered, &options, NULL, NULL, &error),
                 "%s: accepted", c->name);
  test_assert_error (error, c->code);
  assert_main (receiver, base);
  assert_pin (pin, base, 1);
  ck_assert_uint_eq (log.calls, 1);
  assert_clean_pack_dir (receiver);

  /* The real bundle still goes in afterwards. */
  options.max_bundle_size = 0;
  ck_assert (chain_sync_bundle_import (receiver, bundle, &options, NULL, NULL, &error));
  test_assert_no_error (error);
  assert_main (receiver, tip);
}
END_TEST

START_TEST (test_bundle_rollback_refused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_autofree char *sender = bare_new ("sender.git");
  g_autofree char *receiver = bare_new ("receiver.git");
  g_autofree char *emptied = bare_new ("emptied.git");
  g_autofree char *pin = path_in ("pinned-tip");
  g_autofree char *other_pin = path_in ("other-pin");
  g_autofree char *old = path_in ("old.bundle");
  g_autofree char *current = path_in ("current.bundle");
  g_autofree char *old_tip = append (sender, 2, "old");
  g_autofree char *tip = NULL;
  ChainSyncOptions options = options_for (pin, NULL);

  ck_assert (chain_sync_bundle_create (sender, old, NULL, NULL, NULL, NULL, &error));
  tip = append (sender, 3, "new");
  ck_assert (chain_sync_bundle_create (sender, current, NULL, NULL, NULL, NULL, &error));
  ck_assert (chain_sync_bundle_import (receiver, current, &options, NULL, NULL, &error));
  test_assert_no_error (error);
  assert_pin (pin, tip, 4);

  /* An older bundle is a rollback, not "nothing new". */
  ck_assert (!chain_sync_bundle_import (receiver, old, &options, &result, NULL, &error));
  ck_assert_ptr_nonnull (error);
  assert_contains (error->message, "is a rollback");
  assert_contains (error->message, old_tip);
  assert_contains (error->message, "(seq 1)");
  assert_contains (error->message, "(seq 4)");
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  ck_assert_ptr_null (result);
  assert_main (receiver, tip);

  /* The same tip is fine. */
  ck_assert (chain_sync_bundle_import (receiver, current, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert_int_eq (chain_sync_result_get_status (result), CHAIN_SYNC_UP_TO_DATE);
  g_clear_pointer (&result, chain_sync_result_free);

  /* A ledger whose main was deleted still has its pin to hold on to. */
  GIT_OK ("-C", receiver, "update-ref", "-d", "refs/heads/main");
  ck_assert (!chain_sync_bundle_import (receiver, old, &options, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "older than the pinned tip");
  assert_main (receiver, NULL);

  /* And one emptied of everything, too. */
  ck_assert (chain_sync_pin_write (other_pin, tip, 4, &error));
  options.pin_path = other_pin;
  ck_assert (!chain_sync_bundle_import (emptied, old, &options, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_VERIFY, "does not descend from the pinned tip");
  assert_main (emptied, NULL);
  ck_assert (chain_sync_bundle_import (emptied, current, &options, NULL, NULL, &error));
  test_assert_no_error (error);
  assert_main (emptied, tip);
}
END_TEST

START_TEST (test_bundle_import_refusals)
{
  g_autoptr(GError) error = NULL;
  g_auto(VerifyLog) log = { 0 };
  g_autofree char *sender = bare_new ("sender.git");
  g_autofree char *receiver = bare_new ("receiver.git");
  g_autofree char *full = path_in ("full.bundle");
  g_autofree char *later = path_in ("later.bundle");
  g_autofree char *missing = path_in ("missing.bundle");
  g_autofree char *odd_name = path_in ("line\nbreak.bundle");
  g_autofree char *base = append (sender, 2, "base");
  g_autofree char *tip = NULL;
  g_autofree char *ours = NULL;
  ChainSyncOptions options = options_for (NULL, &log);

  ck_assert (!chain_sync_bundle_import (receiver, missing, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (!chain_sync_bundle_import (receiver, tmpdir, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  /* A file name is outside input too: the message stays one line. */
  test_support_write_file (odd_name, "not a bundle\n", 13);
  ck_assert (!chain_sync_bundle_import (receiver, odd_name, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  ck_assert (chain_sync_bundle_create (sender, full, NULL, NULL, NULL, NULL, &error));
  ck_assert (chain_sync_bundle_import (receiver, full, &options, NULL, NULL, &error));
  tip = append (sender, 2, "theirs");
  ck_assert (chain_sync_bundle_create (sender, later, base, NULL, NULL, NULL, &error));

  /* The auditor says no: nothing moves. */
  log.refuse = TRUE;
  ck_assert (!chain_sync_bundle_import (receiver, later, &options, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_REFUSED);
  assert_main (receiver, base);
  ck_assert_str_eq (log.new_tip, tip);
  ck_assert (log.new_readable);

  /* We appended meanwhile: diverged. */
  log.refuse = FALSE;
  ours = append (receiver, 1, "ours");
  ck_assert (!chain_sync_bundle_import (receiver, later, &options, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_CONFLICT, "diverged");
  assert_main (receiver, ours);
}
END_TEST

/* Appends @n zero bytes to @z's output in @pack, deflated. */
static void
deflate_zeros (GByteArray *pack,
               guint64     n)
{
  z_stream z = { 0 };
  g_autofree guint8 *zeros = g_malloc0 (1024 * 1024);
  g_autofree guint8 *out = g_malloc (1024 * 1024);
  int status;

  ck_assert_int_eq (deflateInit (&z, Z_BEST_SPEED), Z_OK);
  do
    {
      uInt chunk = (uInt) MIN (n, (guint64) 1024 * 1024);

      z.next_in = zeros;
      z.avail_in = chunk;
      n -= chunk;
      do
        {
          z.next_out = out;
          z.avail_out = 1024 * 1024;
          status = deflate (&z, n == 0 ? Z_FINISH : Z_NO_FLUSH);
          ck_assert_int_ne (status, Z_STREAM_ERROR);
          g_byte_array_append (pack, out, 1024 * 1024 - z.avail_out);
        }
      while (z.avail_out == 0);
    }
  while (n > 0);
  ck_assert_int_eq (status, Z_STREAM_END);
  deflateEnd (&z);
}

/* A bundle naming @tip whose pack is one blob of @size zero bytes: a few
 * hundred bytes a megabyte, gigabytes once inflated. */
static void
write_zero_blob_bundle (const char *path,
                        const char *tip,
                        guint64     size)
{
  g_autoptr(GByteArray) pack = g_byte_array_new ();
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree char *header = g_strdup_printf ("# v2 git bundle\n%s refs/heads/main\n\n", tip);
  static const guint8 pack_header[] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 1 };
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  guint8 c = (guint8) (3 << 4 | (size & 15));   /* a blob */
  guint64 rest = size >> 4;
  g_autoptr(GByteArray) file = g_byte_array_new ();

  g_byte_array_append (pack, pack_header, sizeof pack_header);
  for (; rest > 0; rest >>= 7)
    {
      c |= 0x80;
      g_byte_array_append (pack, &c, 1);
      c = (guint8) (rest & 0x7f);
    }
  g_byte_array_append (pack, &c, 1);
  deflate_zeros (pack, size);
  g_checksum_update (sha1, pack->data, pack->len);
  g_checksum_get_digest (sha1, digest, &digest_len);
  g_byte_array_append (pack, digest, sizeof digest);

  g_byte_array_append (file, (const guint8 *) header, strlen (header));
  g_byte_array_append (file, pack->data, pack->len);
  test_support_write_file (path, file->data, file->len);
}

/* Appends a pack entry's header: its type and declared size. */
static void
pack_entry_header (GByteArray *pack,
                   guint       type,
                   guint64     size)
{
  guint8 c = (guint8) (type << 4 | (size & 15));

  for (size >>= 4; size > 0; size >>= 7)
    {
      c |= 0x80;
      g_byte_array_append (pack, &c, 1);
      c = (guint8) (size & 0x7f);
    }
  g_byte_array_append (pack, &c, 1);
}

static void
deflate_bytes (GByteArray   *pack,
               const guint8 *data,
               gsize         len)
{
  uLong bound = compressBound ((uLong) len);
  guint at = pack->len;

  g_byte_array_set_size (pack, at + (guint) bound);
  ck_assert_int_eq (compress2 (pack->data + at, &bound, data, (uLong) len, Z_BEST_SPEED), Z_OK);
  g_byte_array_set_size (pack, at + (guint) bound);
}

static void
append_varint (GByteArray *data,
               guint64     value)
{
  do
    {
      guint8 c = (guint8) (value & 0x7f);

      value >>= 7;
      if (value > 0)
        c |= 0x80;
      g_byte_array_append (data, &c, 1);
    }
  while (value > 0);
}

/* A delta from a 64 KiB base to @result bytes: copy instructions of
 * 64 KiB each (0x80 alone copies 0x10000 bytes from offset 0), so one
 * byte per 64 KiB of result. */
static GByteArray *
copying_delta (guint64 result)
{
  GByteArray *delta = g_byte_array_new ();
  guint8 copy = 0x80;

  append_varint (delta, 64 * 1024);
  append_varint (delta, result);
  for (guint64 n = 0; n < result / (64 * 1024); n++)
    g_byte_array_append (delta, &copy, 1);
  return delta;
}

/* A bundle naming @tip whose pack is a 64 KiB zero blob, then an
 * ofs-delta and ref-deltas on it, each building @result bytes: a few
 * kilobytes packed that the indexer would build into @n_deltas times
 * @result bytes. */
static void
write_delta_bomb_bundle (const char *path,
                         const char *tip,
                         guint       n_deltas,
                         guint64     result)
{
  g_autoptr(GByteArray) pack = g_byte_array_new ();
  g_autoptr(GByteArray) file = g_byte_array_new ();
  g_autoptr(GByteArray) delta = copying_delta (result);
  g_autoptr(GChecksum) base_id = g_checksum_new (G_CHECKSUM_SHA1);
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree guint8 *zeros = g_malloc0 (64 * 1024);
  g_autofree char *header = g_strdup_printf ("# v2 git bundle\n%s refs/heads/main\n\n", tip);
  guint8 pack_header[] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, (guint8) (1 + n_deltas) };
  guint8 base_oid[20];
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  ck_assert_uint_lt (n_deltas, 255);
  g_checksum_update (base_id, (const guint8 *) "blob 65536", 11);   /* with its NUL */
  g_checksum_update (base_id, zeros, 64 * 1024);
  g_checksum_get_digest (base_id, base_oid, &digest_len);

  g_byte_array_append (pack, pack_header, sizeof pack_header);
  pack_entry_header (pack, 3, 64 * 1024);
  deflate_bytes (pack, zeros, 64 * 1024);
  for (guint i = 0; i < n_deltas; i++)
    {
      if (i == 0)
        {
          /* ofs-delta: the distance back to the base, git's big-endian
           * base-128 with an offset of one per continuation. */
          guint64 back = pack->len - sizeof pack_header;
          guint8 digits[10];
          gsize at = sizeof digits;

          digits[--at] = (guint8) (back & 0x7f);
          while ((back >>= 7) > 0)
            digits[--at] = (guint8) (0x80 | (--back & 0x7f));
          pack_entry_header (pack, 6, delta->len);
          g_byte_array_append (pack, digits + at, sizeof digits - at);
        }
      else
        {
          pack_entry_header (pack, 7, delta->len);
          g_byte_array_append (pack, base_oid, sizeof base_oid);
        }
      deflate_bytes (pack, delta->data, delta->len);
    }
  digest_len = sizeof digest;
  g_checksum_update (sha1, pack->data, pack->len);
  g_checksum_get_digest (sha1, digest, &digest_len);
  g_byte_array_append (pack, digest, sizeof digest);

  g_byte_array_append (file, (const guint8 *) header, strlen (header));
  g_byte_array_append (file, pack->data, pack->len);
  test_support_write_file (path, file->data, file->len);
}

/* Checks that no quarantine directory is left in @repo's objects. */
static void
assert_no_quarantine (const char *repo)
{
  g_autofree char *objects = g_build_filename (repo, "objects", NULL);
  g_autoptr(GDir) dir = g_dir_open (objects, 0, NULL);
  const char *name;

  ck_assert (dir != NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    ck_assert_msg (!g_str_has_prefix (name, "incoming-"), "quarantine left: %s", name);
}

static guint
count_packs (const char *repo)
{
  g_autofree char *dir = g_build_filename (repo, "objects", "pack", NULL);
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    n += g_str_has_suffix (name, ".pack");
  return n;
}

/* A zip bomb as a bundle (issue 11 item 4): a 2 GiB zero blob, a couple of
 * megabytes packed, is refused from its declared size before libgit2's
 * indexer inflates a byte of it; a 256 MiB one, within the size of one
 * object, for inflating to far more than its pack could hold as records.
 * Nothing reaches the object store. */
START_TEST (test_bundle_zero_blob_refused)
{
  static const struct {
    guint64     size;
    const char *says;
  } bombs[] = {
    { (guint64) 2 * 1024 * 1024 * 1024, "declares an object of 2147483648 bytes" },
    { (guint64) 256 * 1024 * 1024, "would unpack to more than" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = bare_new ("sender.git");
  g_autofree char *receiver = bare_new ("receiver.git");
  g_autofree char *bundle = path_in ("zero-blob.bundle");
  g_autofree char *tip = append (sender, 1, "r");
  guint packs_before = count_packs (receiver);

  for (gsize i = 0; i < G_N_ELEMENTS (bombs); i++)
    {
      write_zero_blob_bundle (bundle, tip, bombs[i].size);
      ck_assert (!chain_sync_bundle_import (receiver, bundle, NULL, NULL, NULL, &error));
      ck_assert_ptr_null (strchr (error->message, '\n'));
      assert_error_says (&error, CHAIN_ERROR_INVALID_INPUT, bombs[i].says);
      ck_assert_uint_eq (count_packs (receiver), packs_before);
      assert_no_quarantine (receiver);
      assert_main (receiver, NULL);
    }
}
END_TEST

/* The same bomb made of deltas: each delta is a few bytes per 64 KiB it
 * builds, so its own declared size is small and only its result, read
 * from the delta's first bytes, says what the indexer would build. One
 * result past the size of an object is refused by that size; 48 MiB
 * results, each allowed, by their sum (before, the pass counted only the
 * deltas' own sizes, and the indexer built all four). */
START_TEST (test_bundle_delta_bomb_refused)
{
  static const struct {
    guint       n_deltas;
    guint64     result;
    const char *says;
  } bombs[] = {
    { 1, (guint64) 2 * 1024 * 1024 * 1024, "declares an object of 2147483648 bytes" },
    { 4, (guint64) 48 * 1024 * 1024, "would unpack to more than 67108864 bytes" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = bare_new ("sender.git");
  g_autofree char *receiver = bare_new ("receiver.git");
  g_autofree char *bundle = path_in ("delta-bomb.bundle");
  g_autofree char *tip = append (sender, 1, "r");
  guint packs_before = count_packs (receiver);

  for (gsize i = 0; i < G_N_ELEMENTS (bombs); i++)
    {
      write_delta_bomb_bundle (bundle, tip, bombs[i].n_deltas, bombs[i].result);
      ck_assert (!chain_sync_bundle_import (receiver, bundle, NULL, NULL, NULL, &error));
      ck_assert_ptr_null (strchr (error->message, '\n'));
      assert_error_says (&error, CHAIN_ERROR_INVALID_INPUT, bombs[i].says);
      ck_assert_uint_eq (count_packs (receiver), packs_before);
      assert_no_quarantine (receiver);
      assert_main (receiver, NULL);
    }
}
END_TEST

START_TEST (test_bundle_import_cancelled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *sender = bare_new ("sender.git");
  g_autofree char *receiver = bare_new ("receiver.git");
  g_autofree char *bundle = path_in ("full.bundle");

  g_free (append (sender, 2, "r"));
  ck_assert (chain_sync_bundle_create (sender, bundle, NULL, NULL, NULL, NULL, &error));
  g_cancellable_cancel (cancellable);
  ck_assert (!chain_sync_bundle_import (receiver, bundle, NULL, NULL, cancellable, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  assert_main (receiver, NULL);
  assert_clean_pack_dir (receiver);
}
END_TEST

START_TEST (test_bundle_create_refuses)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *repo = bare_new ("ledger.git");
  g_autofree char *empty = bare_new ("empty.git");
  g_autofree char *bundle = path_in ("out.bundle");
  g_autofree char *first = append (repo, 1, "first");
  g_autofree char *tip = append (repo, 1, "second");
  g_autofree char *beside = commit_new (repo, first, "beside");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GDir) dir = NULL;
  const char *name;

  ck_assert (!chain_sync_bundle_create (empty, bundle, NULL, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (!chain_sync_bundle_create (repo, bundle, "c0ffee", NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!chain_sync_bundle_create (repo, bundle, tip, NULL, NULL, NULL, &error));
  assert_error_says (&error, CHAIN_ERROR_REFUSED, "nothing to bundle");
  ck_assert (!chain_sync_bundle_create (repo, bundle, TIP_A, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert (!chain_sync_bundle_create (repo, bundle, beside, NULL, NULL, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert (!g_file_test (bundle, G_FILE_TEST_EXISTS));

  /* Cancelled: no file, not even a temporary one. */
  g_cancellable_cancel (cancellable);
  ck_assert (!chain_sync_bundle_create (repo, bundle, NULL, NULL, NULL, cancellable, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&error);
  ck_assert (!g_file_test (bundle, G_FILE_TEST_EXISTS));
  dir = g_dir_open (tmpdir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    ck_assert_msg (!g_str_has_prefix (name, "out.bundle"), "left behind: %s", name);
}
END_TEST

static Suite *
sync_suite (void)
{
  Suite *suite = suite_create ("sync");
  TCase *pin = tcase_create ("pin");
  TCase *local = tcase_create ("local");
  TCase *daemon = tcase_create ("daemon");
  TCase *bundle = tcase_create ("bundle");

  tcase_add_checked_fixture (pin, setup, teardown);
  tcase_add_test (pin, test_pin_round_trip);
  tcase_add_loop_test (pin, test_pin_read_refuses, 0, G_N_ELEMENTS (pin_cases));
  tcase_add_test (pin, test_pin_read_refuses_odd_files);
  tcase_add_test (pin, test_pin_write_refuses);
  tcase_add_test (pin, test_pin_check);
  suite_add_tcase (suite, pin);

  /* Remotes reached as a path and as file://. */
  tcase_add_checked_fixture (local, setup, teardown);
  tcase_add_loop_test (local, test_fetch_fast_forwards, URL_PATH, URL_GIT);
  tcase_add_test (local, test_fetch_named_remote);
  tcase_add_test (local, test_fetch_unreachable);
  tcase_add_test (local, test_fetch_empty_remote);
  tcase_add_test (local, test_fetch_remote_behind);
  tcase_add_loop_test (local, test_fetch_divergence_refused, URL_PATH, URL_GIT);
  tcase_add_test (local, test_fetch_verify_refusal_changes_nothing);
  tcase_add_test (local, test_fetch_compare_and_swap);
  tcase_add_test (local, test_fetch_refuses_merges);
  tcase_add_test (local, test_fetch_cancelled);
  tcase_add_loop_test (local, test_force_push_detected_by_pin, URL_PATH, URL_GIT);
  tcase_add_test (local, test_remote_rollback_detected);
  tcase_add_test (local, test_local_rewrite_refused);
  tcase_add_test (local, test_fetch_pin_unwritable);
  tcase_add_loop_test (local, test_push_fast_forward, URL_PATH, URL_GIT);
  tcase_add_loop_test (local, test_push_rejected_when_remote_moved, URL_PATH, URL_GIT);
  tcase_add_test (local, test_push_named_remote);
  tcase_add_test (local, test_push_refuses_non_bare);
  suite_add_tcase (suite, local);

  /* The same over git:// from a real git daemon. */
  tcase_add_checked_fixture (daemon, daemon_setup, daemon_teardown);
  tcase_add_loop_test (daemon, test_fetch_fast_forwards, URL_GIT, URL_GIT + 1);
  tcase_add_loop_test (daemon, test_fetch_divergence_refused, URL_GIT, URL_GIT + 1);
  tcase_add_loop_test (daemon, test_force_push_detected_by_pin, URL_GIT, URL_GIT + 1);
  tcase_add_loop_test (daemon, test_push_fast_forward, URL_GIT, URL_GIT + 1);
  tcase_add_loop_test (daemon, test_push_rejected_when_remote_moved, URL_GIT, URL_GIT + 1);
  tcase_add_test (daemon, test_push_refused_by_server);
  suite_add_tcase (suite, daemon);

  tcase_add_checked_fixture (bundle, setup, teardown);
  tcase_add_test (bundle, test_bundle_full_git_accepts);
  tcase_add_test (bundle, test_bundle_incremental_git_accepts);
  tcase_add_test (bundle, test_bundle_import_fast_forwards);
  tcase_add_test (bundle, test_bundle_import_git_made);
  tcase_add_loop_test (bundle, test_bundle_tampering_refused, 0, G_N_ELEMENTS (tamper_cases));
  tcase_add_test (bundle, test_bundle_rollback_refused);
  tcase_add_test (bundle, test_bundle_import_refusals);
  tcase_add_test (bundle, test_bundle_zero_blob_refused);
  tcase_add_test (bundle, test_bundle_delta_bomb_refused);
  tcase_add_test (bundle, test_bundle_import_cancelled);
  tcase_add_test (bundle, test_bundle_create_refuses);
  suite_add_tcase (suite, bundle);

  return suite;
}

int
main (void)
{
  /* Real git must not read the user's configuration. */
  g_setenv ("GIT_CONFIG_NOSYSTEM", "1", TRUE);
  g_setenv ("GIT_CONFIG_GLOBAL", "/dev/null", TRUE);
  g_setenv ("GIT_TERMINAL_PROMPT", "0", TRUE);
  return test_support_run_suite (sync_suite ());
}
