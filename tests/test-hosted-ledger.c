/* test-hosted-ledger.c — `chain sync` with a ledger hosted over HTTPS and SSH
 *
 * A real git host, started once for the suite (tests/support/
 * test-git-server.h): `git http-backend` behind nginx and fcgiwrap with TLS
 * from a test CA and HTTP basic auth, and sshd with key authentication.
 * The OEM, a manufacturer and a distributor (test-custody.h) share their
 * ledger through it, each test on its own copy of them and its own
 * repository on the server:
 *
 * - over HTTPS, the password from GIT_ASKPASS or from a git credential
 *   helper, the server's certificate checked against --ca-file;
 * - over SSH, with a key file and with ssh-agent, the host key checked
 *   against ~/.ssh/known_hosts (plain and hashed);
 * - the first hosted URL becomes origin, and `chain sync` alone uses it;
 * - the system's git clones the same repositories (the servers are real).
 *
 * Each bad input ends `chain sync` with one line, exit 1, the ledger and
 * its pin as they were, and no remote remembered: a wrong password, no
 * credentials, a wrong key, an unknown or changed host key, a certificate
 * for another name or from another CA (even with http.sslVerify false and
 * GIT_SSL_NO_VERIFY set), a server that is down, and a repository that is
 * not a libchain ledger.
 *
 * The hook judges a push from the state its own audit kept of the hosted
 * tip (REPO/chain/state-cache/): it reads only the pushed records (its
 * debug line counts them), rebuilds a spoiled state, and refuses with or
 * without it the same pushes with the same lines.
 *
 * Many writers at once: the OEM and the distributor over HTTPS and the
 * manufacturer over SSH, three processes each appending and syncing 12
 * times (3 under ASan) into one hooked repository: all records land,
 * main stays linear with contiguous seqs, every workspace ends on the
 * server's tip and every copy audits. Then the distributor's `chain sync`
 * is killed at random moments: the server's ledger audits each time and
 * the next sync publishes what was left.
 */
#include "test-custody.h"
#include "test-git-server.h"

#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static TestCustody   *custody;   /* built once; tests work on copies */
static TestGitServer *server;
static char          *lsan_options;   /* "LSAN_OPTIONS=..." for `chain`, or NULL */

/* libgit2 1.5.1 as Debian 12 ships it leaks on every SSH connection: its
 * load_known_hosts() (the CVE-2023-22742 fix) clears and never frees the
 * two path strings, and keeps the libssh2 known-hosts list it read. Neither
 * library has frame pointers, so under LeakSanitizer the stacks of those
 * leaks name their modules alone (libchain never calls libssh2 itself).
 * Only the `chain` processes of this suite get a suppression file that adds
 * those modules to the one the run was given; every other process keeps
 * the narrow build-aux/lsan.supp. */
static char *
lsan_options_for_chain (const char *dir)
{
  static const char libgit2_ssh[] = "leak:libgit2.so.1.5\nleak:libssh2.so.1\n";
  const char *given = g_getenv ("LSAN_OPTIONS");
  g_autoptr(GString) options = g_string_new ("LSAN_OPTIONS=");
  g_autoptr(GString) supp = g_string_new (NULL);
  g_autofree char *supp_path = g_build_filename (dir, "lsan-libgit2-ssh.supp", NULL);
  g_auto(GStrv) parts = NULL;

  if (given == NULL)
    return NULL;
  parts = g_strsplit (given, ":", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_str_has_prefix (parts[i], "suppressions="))
        {
          g_autofree char *text = NULL;

          if (g_file_get_contents (parts[i] + strlen ("suppressions="), &text, NULL, NULL))
            g_string_append_printf (supp, "%s\n", text);
        }
      else if (parts[i][0] != '\0')
        g_string_append_printf (options, "%s:", parts[i]);
    }
  g_string_append (supp, libgit2_ssh);
  test_support_write_file (supp_path, supp->str, supp->len);
  g_string_append_printf (options, "suppressions=%s", supp_path);
  return g_string_free (g_steal_pointer (&options), FALSE);
}

static void
fixture_setup (void)
{
  custody = test_custody_new ();
  lsan_options = lsan_options_for_chain (custody->dir);
  server = test_git_server_new ();
  test_git_server_start_https (server);
  test_git_server_start_ssh (server);
}

static void
fixture_teardown (void)
{
  g_clear_pointer (&server, test_git_server_free);
  g_clear_pointer (&custody, test_custody_free);
  g_clear_pointer (&lsan_options, g_free);
}

/* ---- Helpers ------------------------------------------------------------------ */

/* The environment of a custodian's shell: @home as $HOME, no agent, no
 * CA file or askpass from the machine, then @extra (NULL-terminated). */
static GPtrArray *
custodian_env (const char        *home,
               const char *const *extra)
{
  GPtrArray *env = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (env, g_strdup_printf ("HOME=%s", home));
  g_ptr_array_add (env, g_strdup ("SSH_AUTH_SOCK"));
  g_ptr_array_add (env, g_strdup ("GIT_SSL_CAINFO"));
  g_ptr_array_add (env, g_strdup ("GIT_ASKPASS"));
  g_ptr_array_add (env, g_strdup ("SSH_ASKPASS"));
  g_ptr_array_add (env, g_strdup ("GIT_TERMINAL_PROMPT=0"));
  if (lsan_options != NULL)
    g_ptr_array_add (env, g_strdup (lsan_options));
  for (gsize i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (env, g_strdup (extra[i]));
  g_ptr_array_add (env, NULL);
  return env;
}

/* One test's repository on the server, with what a custodian needs to
 * reach it: its URLs, a $HOME whose known_hosts holds the server's host
 * key, the environment with the password from GIT_ASKPASS, and the
 * thumbprint of the OEM's root for the hook. */
typedef struct {
  char      *repo;
  char      *https;
  char      *ssh;
  char      *home;
  GPtrArray *env;
  char      *root;
} Hosted;

static void
hosted_init (Hosted      *h,
             TestCustody *copy,
             const char  *name)
{
  g_autofree char *askpass = g_strdup_printf ("GIT_ASKPASS=%s", test_git_server_get_askpass (server));
  GPtrArray *chain = chain_workspace_get_ca_chain (copy->oem);

  h->repo = test_git_server_init_repo (server, name);
  h->https = test_git_server_https_url (server, "127.0.0.1", name);
  h->ssh = test_git_server_ssh_url (server, name);
  h->home = test_git_server_new_home (server, NULL);
  h->env = custodian_env (h->home, (const char *const[]) { askpass, NULL });
  h->root = test_custody_thumbprint (g_ptr_array_index (chain, chain->len - 1));
}

static void
hosted_clear (Hosted *h)
{
  g_clear_pointer (&h->repo, g_free);
  g_clear_pointer (&h->https, g_free);
  g_clear_pointer (&h->ssh, g_free);
  g_clear_pointer (&h->home, g_free);
  g_clear_pointer (&h->env, g_ptr_array_unref);
  g_clear_pointer (&h->root, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Hosted, hosted_clear)

/* `chain -C @ws ARGS...` in @env: its exit status. */
static int
chain_in (ChainWorkspace    *ws,
          GPtrArray         *env,
          const char *const *args,
          char             **out,
          char             **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) "-C");
  g_ptr_array_add (argv, (char *) chain_workspace_get_dir (ws));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  return test_cli_chain_env (NULL, (const char *const *) env->pdata, NULL, (const char *const *) argv->pdata, out, err);
}

static char *
chain_in_ok (ChainWorkspace    *ws,
             GPtrArray         *env,
             const char *const *args)
{
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = chain_in (ws, env, args, &out, &err);

  ck_assert_msg (status == 0, "chain -C %s %s ... exited %d: %s", chain_workspace_get_dir (ws), args[0], status, err);
  return out;
}

static char *
ledger_path (ChainWorkspace *ws)
{
  return g_build_filename (chain_workspace_get_dir (ws), CHAIN_WORKSPACE_LEDGER_DIR, NULL);
}

/* `git rev-parse main` in the repository at @git_dir. (transfer full) */
static char *
main_of (const char *git_dir)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = test_cli_spawn (NULL, NULL, NULL,
                               (const char *const[]) { "git", "--git-dir", git_dir, "rev-parse", "--verify",
                                                       "refs/heads/main", NULL },
                               &out, &err);

  ck_assert_msg (status == 0, "git rev-parse main in %s: %s", git_dir, err);
  return g_strdup (g_strstrip (out));
}

static char *
workspace_main (ChainWorkspace *ws)
{
  g_autofree char *path = ledger_path (ws);

  return main_of (path);
}

/* `chain sync ARGS` must fail with one line holding @needle, exit 1, and
 * leave the ledger, its pin and its remotes as they were. */
static void
assert_sync_refused (ChainWorkspace    *ws,
                     GPtrArray         *env,
                     const char *const *args,
                     const char        *needle)
{
  g_autofree char *before = test_cli_ledger_state (chain_workspace_get_dir (ws));
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *repo = ledger_path (ws);
  int status = chain_in (ws, env, args, NULL, &err);

  ck_assert_msg (status == 1, "chain sync %s exited %d, not 1: %s", args[1] != NULL ? args[1] : "", status, err);
  test_cli_assert_error_line ("sync", err, needle);
  after = test_cli_ledger_state (chain_workspace_get_dir (ws));
  ck_assert_str_eq (after, before);
  origin = chain_sync_remote_dup_url (repo, "origin");
  ck_assert_msg (origin == NULL, "a refused URL was remembered: %s", origin);
}

/* A clone by the system's git: its main must be @expected. */
static void
assert_plain_git_clones (const char *url,
                         const char *expected)
{
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *clone = g_build_filename (dir, "clone.git", NULL);
  g_autofree char *err = NULL;
  g_autofree char *tip = NULL;
  g_autofree char *records = g_build_filename (clone, "records", NULL);
  int status = test_cli_spawn (NULL, test_git_server_get_git_env (server), NULL,
                               (const char *const[]) { "git", "clone", "-q", "--bare", url, clone, NULL }, NULL, &err);

  ck_assert_msg (status == 0, "git clone %s: %s", url, err);
  tip = main_of (clone);
  ck_assert_str_eq (tip, expected);
  test_support_tmpdir_remove (dir);
}

/* ---- Working remotes ------------------------------------------------------------ */

START_TEST (test_https_sync_remembered_and_plain_git)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autofree char *repo = test_git_server_init_repo (server, "https-story");
  g_autofree char *url = test_git_server_https_url (server, "127.0.0.1", "https-story");
  g_autofree char *home = test_git_server_new_home (server, NULL);
  g_autofree char *askpass = g_strdup_printf ("GIT_ASKPASS=%s", test_git_server_get_askpass (server));
  g_autoptr(GPtrArray) with_askpass = custodian_env (home, (const char *const[]) { askpass, NULL });
  g_autoptr(GPtrArray) plain = custodian_env (home, NULL);
  const char *ca = test_git_server_get_ca_file (server);
  g_autofree char *out = NULL;
  g_autofree char *store = g_build_filename (home, "git-credentials", NULL);
  g_autofree char *store_line = NULL;
  g_autofree char *helper = g_strdup_printf ("store --file=%s", store);
  g_autofree char *cm_repo = ledger_path (copy->cm);
  g_autofree char *err = NULL;
  g_autofree char *oem_tip = NULL;
  g_autofree char *cm_tip = NULL;
  g_autofree char *server_tip = NULL;

  /* The OEM publishes its ledger: the password from GIT_ASKPASS. */
  out = chain_in_ok (copy->oem, with_askpass, (const char *const[]) { "sync", "--ca-file", ca, url, NULL });
  ck_assert_msg (strstr (out, "remote origin is now") != NULL, "%s", out);
  oem_tip = workspace_main (copy->oem);
  server_tip = main_of (repo);
  ck_assert_str_eq (server_tip, oem_tip);
  assert_plain_git_clones (url, oem_tip);

  /* The manufacturer's password comes from a git credential helper. */
  store_line = g_strdup_printf ("https://%s:%s@%.*s\n", TEST_GIT_SERVER_USER, TEST_GIT_SERVER_PASSWORD,
                                (int) strcspn (url + strlen ("https://"), "/"), url + strlen ("https://"));
  test_support_write_file (store, store_line, strlen (store_line));
  ck_assert_int_eq (g_chmod (store, 0600), 0);
  ck_assert_msg (test_cli_spawn (NULL, NULL, NULL,
                                 (const char *const[]) { "git", "--git-dir", cm_repo, "config", "credential.helper",
                                                         helper, NULL }, NULL, &err) == 0, "%s", err);
  g_free (chain_in_ok (copy->cm, plain, (const char *const[]) { "sync", "--ca-file", ca, url, NULL }));

  /* Both remember the URL: `chain sync` alone goes there. */
  g_clear_pointer (&out, g_free);
  out = chain_in_ok (copy->oem, with_askpass, (const char *const[]) { "sync", NULL });
  ck_assert_msg (g_str_has_prefix (out, "origin: "), "%s", out);
  g_free (chain_in_ok (copy->cm, plain, (const char *const[]) { "sync", NULL }));
  g_clear_pointer (&oem_tip, g_free);
  g_clear_pointer (&server_tip, g_free);
  oem_tip = workspace_main (copy->oem);
  cm_tip = workspace_main (copy->cm);
  server_tip = main_of (repo);
  ck_assert_str_eq (cm_tip, server_tip);
  ck_assert_str_eq (oem_tip, server_tip);
  assert_plain_git_clones (url, server_tip);
}
END_TEST

START_TEST (test_ssh_sync_key_file_and_agent)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autofree char *repo = test_git_server_init_repo (server, "ssh-story");
  g_autofree char *url = test_git_server_ssh_url (server, "ssh-story");
  g_autofree char *home = test_git_server_new_home (server, NULL);
  g_autoptr(GPtrArray) plain = custodian_env (home, NULL);
  g_autofree char *agent_dir = test_support_tmpdir_new ();
  g_autofree char *agent_socket = g_build_filename (agent_dir, "agent.sock", NULL);
  g_autofree char *agent_log = g_build_filename (agent_dir, "agent.log", NULL);
  g_autofree char *agent_env = g_strdup_printf ("SSH_AUTH_SOCK=%s", agent_socket);
  g_autofree char *hashed_home = test_git_server_new_home (server, NULL);
  g_autofree char *hashed_hosts = g_build_filename (hashed_home, ".ssh", "known_hosts", NULL);
  g_autofree char *hashed_text = NULL;
  g_autoptr(GPtrArray) with_agent = custodian_env (hashed_home, (const char *const[]) { agent_env, NULL });
  g_autoptr(TestDaemon) agent = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *oem_tip = NULL;
  g_autofree char *cm_tip = NULL;
  g_autofree char *server_tip = NULL;

  /* The OEM with a key file, remembered for the workspace. */
  out = chain_in_ok (copy->oem, plain,
                     (const char *const[]) { "sync", "--ssh-key", test_git_server_get_user_key (server), url, NULL });
  ck_assert_msg (strstr (out, "remote origin is now") != NULL, "%s", out);
  oem_tip = workspace_main (copy->oem);
  server_tip = main_of (repo);
  ck_assert_str_eq (server_tip, oem_tip);
  assert_plain_git_clones (url, oem_tip);

  /* The manufacturer with the key in its ssh-agent, none on disk, and
   * its known_hosts hashed (ssh-keygen -H), as HashKnownHosts leaves it. */
  ck_assert_msg (test_cli_spawn (NULL, NULL, NULL, (const char *const[]) { "ssh-keygen", "-q", "-H", "-f", hashed_hosts, NULL },
                                 NULL, &err) == 0, "ssh-keygen -H: %s", err);
  hashed_text = test_cli_read_file (hashed_hosts, NULL);
  ck_assert_msg (g_str_has_prefix (hashed_text, "|1|"), "not hashed: %s", hashed_text);
  agent = test_daemon_start ("ssh-agent", (const char *const[]) { "ssh-agent", "-D", "-a", agent_socket, NULL },
                             NULL, agent_log);
  test_daemon_wait_path (agent, agent_socket);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (test_cli_spawn (NULL, (const char *const[]) { agent_env, NULL }, NULL,
                                 (const char *const[]) { "ssh-add", "-q", test_git_server_get_user_key (server), NULL },
                                 NULL, &err) == 0, "ssh-add: %s", err);
  g_free (chain_in_ok (copy->cm, with_agent, (const char *const[]) { "sync", url, NULL }));
  g_free (chain_in_ok (copy->oem, plain, (const char *const[]) { "sync", NULL }));
  g_clear_pointer (&oem_tip, g_free);
  g_clear_pointer (&server_tip, g_free);
  oem_tip = workspace_main (copy->oem);
  cm_tip = workspace_main (copy->cm);
  server_tip = main_of (repo);
  ck_assert_str_eq (oem_tip, server_tip);
  ck_assert_str_eq (cm_tip, server_tip);
}
END_TEST

/* ---- Bad input ------------------------------------------------------------------- */

START_TEST (test_https_wrong_password)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autofree char *repo = test_git_server_init_repo (server, "wrong-password");
  g_autofree char *url = test_git_server_https_url (server, "127.0.0.1", "wrong-password");
  g_autofree char *home = test_git_server_new_home (server, NULL);
  g_autofree char *askpass = g_strdup_printf ("GIT_ASKPASS=%s", test_git_server_get_askpass (server));
  g_autoptr(GPtrArray) wrong = custodian_env (home, (const char *const[]) { askpass, "TEST_GIT_PASSWORD=guess", NULL });
  g_autoptr(GPtrArray) none = custodian_env (home, NULL);
  const char *ca = test_git_server_get_ca_file (server);

  assert_sync_refused (copy->oem, wrong, (const char *const[]) { "sync", "--ca-file", ca, url, NULL },
                       "refused the user name and password");
  assert_sync_refused (copy->oem, none, (const char *const[]) { "sync", "--ca-file", ca, url, NULL },
                       "credential helper");
}
END_TEST

START_TEST (test_tls_certificate_of_another_name)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autofree char *repo = test_git_server_init_repo (server, "other-name");
  g_autofree char *url = test_git_server_https_url (server, "localhost", "other-name");
  g_autofree char *home = test_git_server_new_home (server, NULL);
  g_autofree char *askpass = g_strdup_printf ("GIT_ASKPASS=%s", test_git_server_get_askpass (server));
  g_autoptr(GPtrArray) env = custodian_env (home, (const char *const[]) { askpass, NULL });

  assert_sync_refused (copy->oem, env,
                       (const char *const[]) { "sync", "--ca-file", test_git_server_get_ca_file (server), url, NULL },
                       "issued for another name");
}
END_TEST

START_TEST (test_tls_certificate_of_another_ca)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autofree char *repo = test_git_server_init_repo (server, "other-ca");
  g_autofree char *url = test_git_server_https_url (server, "127.0.0.1", "other-ca");
  g_autofree char *home = test_git_server_new_home (server, NULL);
  g_autofree char *askpass = g_strdup_printf ("GIT_ASKPASS=%s", test_git_server_get_askpass (server));
  g_autoptr(GPtrArray) env = custodian_env (home, (const char *const[]) { askpass, "GIT_SSL_NO_VERIFY=1", NULL });
  g_autofree char *oem_repo = ledger_path (copy->oem);
  g_autofree char *err = NULL;

  /* The system's CAs do not know the test CA; turning verification off
   * the way git allows is not heard. */
  ck_assert_msg (test_cli_spawn (NULL, NULL, NULL,
                                 (const char *const[]) { "git", "--git-dir", oem_repo, "config", "http.sslVerify",
                                                         "false", NULL }, NULL, &err) == 0, "%s", err);
  assert_sync_refused (copy->oem, env, (const char *const[]) { "sync", url, NULL }, "is not trusted");
  assert_sync_refused (copy->oem, env,
                       (const char *const[]) { "sync", "--ca-file", test_git_server_get_foreign_ca_file (server), url,
                                               NULL },
                       "is not trusted");
}
END_TEST

START_TEST (test_ssh_wrong_key)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autofree char *repo = test_git_server_init_repo (server, "wrong-key");
  g_autofree char *url = test_git_server_ssh_url (server, "wrong-key");
  g_autofree char *home = test_git_server_new_home (server, NULL);
  g_autoptr(GPtrArray) env = custodian_env (home, NULL);

  assert_sync_refused (copy->oem, env, (const char *const[]) { "sync", url, NULL }, "wants an ssh key");
  assert_sync_refused (copy->oem, env,
                       (const char *const[]) { "sync", "--ssh-key", test_git_server_get_stranger_key (server), url,
                                               NULL },
                       "refused every ssh key");
}
END_TEST

START_TEST (test_ssh_unknown_or_changed_host_key)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autofree char *repo = test_git_server_init_repo (server, "host-key");
  g_autofree char *url = test_git_server_ssh_url (server, "host-key");
  g_autofree char *user_pub_path = g_strdup_printf ("%s.pub", test_git_server_get_user_key (server));
  g_autofree char *user_pub = test_cli_read_file (user_pub_path, NULL);
  g_auto(GStrv) fields = g_strsplit (g_strstrip (user_pub), " ", 3);
  g_autofree char *port = g_strndup (test_git_server_get_known_hosts_line (server),
                                     strcspn (test_git_server_get_known_hosts_line (server), " "));
  /* Another host with the server's key; the server's name with another key. */
  g_autofree char *elsewhere = g_strdup_printf ("[127.0.0.1]:1 %s",
                                                strchr (test_git_server_get_known_hosts_line (server), ' ') + 1);
  g_autofree char *changed = g_strdup_printf ("%s %s %s", port, fields[0], fields[1]);
  g_autofree char *unknown_home = test_git_server_new_home (server, elsewhere);
  g_autofree char *changed_home = test_git_server_new_home (server, changed);
  g_autoptr(GPtrArray) unknown_env = custodian_env (unknown_home, NULL);
  g_autoptr(GPtrArray) changed_env = custodian_env (changed_home, NULL);
  const char *key = test_git_server_get_user_key (server);

  assert_sync_refused (copy->oem, unknown_env, (const char *const[]) { "sync", "--ssh-key", key, url, NULL },
                       "is not in known_hosts");
  assert_sync_refused (copy->oem, changed_env, (const char *const[]) { "sync", "--ssh-key", key, url, NULL },
                       "is not the one known_hosts lists");
}
END_TEST

START_TEST (test_server_down)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  int port = test_daemon_free_port ();
  g_autofree char *https = g_strdup_printf ("https://127.0.0.1:%d/ledger.git", port);
  g_autofree char *ssh = g_strdup_printf ("ssh://%s@127.0.0.1:%d/srv/ledger.git", g_get_user_name (), port);
  g_autofree char *home = test_git_server_new_home (server, NULL);
  g_autoptr(GPtrArray) env = custodian_env (home, NULL);

  assert_sync_refused (copy->oem, env, (const char *const[]) { "sync", https, NULL }, "cannot reach");
  assert_sync_refused (copy->oem, env, (const char *const[]) { "sync", ssh, NULL }, "cannot reach");
}
END_TEST

START_TEST (test_not_a_ledger)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autofree char *repo = test_git_server_init_repo (server, "project");
  g_autofree char *url = test_git_server_https_url (server, "127.0.0.1", "project");
  g_autofree char *ssh_url = test_git_server_ssh_url (server, "project");
  g_autofree char *work = test_support_tmpdir_new ();
  g_autofree char *readme = g_build_filename (work, "README", NULL);
  g_autofree char *home = test_git_server_new_home (server, NULL);
  g_autofree char *askpass = g_strdup_printf ("GIT_ASKPASS=%s", test_git_server_get_askpass (server));
  g_autoptr(GPtrArray) env = custodian_env (home, (const char *const[]) { askpass, NULL });
  g_autofree char *err = NULL;

  /* An ordinary project, pushed by plain git over HTTPS. */
  ck_assert_int_eq (test_cli_spawn (work, NULL, NULL, (const char *const[]) { "git", "init", "-q", "-b", "main", ".", NULL },
                                    NULL, NULL), 0);
  test_support_write_file (readme, "hello\n", 6);
  ck_assert_int_eq (test_cli_spawn (work, NULL, NULL, (const char *const[]) { "git", "add", "README", NULL }, NULL, NULL), 0);
  ck_assert_int_eq (test_cli_spawn (work, NULL, NULL, (const char *const[]) { "git", "commit", "-q", "-m", "a project", NULL },
                                    NULL, NULL), 0);
  ck_assert_msg (test_cli_spawn (work, test_git_server_get_git_env (server), NULL,
                                 (const char *const[]) { "git", "push", "-q", url, "main", NULL }, NULL, &err) == 0,
                 "git push: %s", err);

  assert_sync_refused (copy->oem, env,
                       (const char *const[]) { "sync", "--ca-file", test_git_server_get_ca_file (server), url, NULL },
                       "is not a libchain ledger");
  assert_sync_refused (copy->oem, env,
                       (const char *const[]) { "sync", "--ssh-key", test_git_server_get_user_key (server), ssh_url, NULL },
                       "is not a libchain ledger");
  test_support_tmpdir_remove (work);
}
END_TEST

/* ---- Plain git on a repository ---------------------------------------------------- */

/* `git --git-dir @git_dir ARGS` with @input (NULL: none) on stdin; its
 * stdout, stripped. (transfer full) */
static char *
git_out (const char        *git_dir,
         const char        *input,
         const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *dir = input != NULL ? test_support_tmpdir_new () : NULL;
  g_autofree char *input_path = dir != NULL ? g_build_filename (dir, "input", NULL) : NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_ptr_array_add (argv, (char *) "git");
  g_ptr_array_add (argv, (char *) "--git-dir");
  g_ptr_array_add (argv, (char *) git_dir);
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  if (input != NULL)
    test_support_write_file (input_path, input, strlen (input));
  status = test_cli_spawn (NULL, NULL, input_path, (const char *const *) argv->pdata, &out, &err);
  ck_assert_msg (status == 0, "git %s: %s", args[0], err);
  if (dir != NULL)
    test_support_tmpdir_remove (dir);
  return g_strstrip (out);
}

/* A copy of @custodian's checkpoint in @git_dir with its time changed and
 * the signature kept: a forgery. Returns the new commit. (transfer full) */
static char *
forge_checkpoint (const char *git_dir,
                  const char *custodian)
{
  g_autofree char *spec = g_strdup_printf ("refs/checkpoints/%s:checkpoint", custodian);
  g_autofree char *note = git_out (git_dir, NULL, (const char *const[]) { "cat-file", "blob", spec, NULL });
  g_autofree char *forged = NULL;
  g_autofree char *blob = NULL;
  g_autofree char *tree_line = NULL;
  g_autofree char *tree = NULL;
  char *time_line = strstr (note, "\ntime ");

  ck_assert_msg (time_line != NULL, "%s", note);
  time_line[6] = time_line[6] == '1' ? '2' : '1';
  forged = g_strdup_printf ("%s\n", note);
  blob = git_out (git_dir, forged, (const char *const[]) { "hash-object", "-w", "--stdin", NULL });
  tree_line = g_strdup_printf ("100644 blob %s\tcheckpoint\n", blob);
  tree = git_out (git_dir, tree_line, (const char *const[]) { "mktree", NULL });
  return git_out (git_dir, NULL, (const char *const[]) { "commit-tree", "-m", "forged", tree, NULL });
}

/* `chain audit` of @repo must exit 3 naming @rule. */
static void
assert_audit_finds (const char *repo,
                    const char *rule)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *needle = g_strdup_printf ("rule %s:", rule);
  int status = test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "-C", repo, "audit", NULL }, &out, &err);

  ck_assert_msg (status == 3, "chain audit %s exited %d, not 3: %s%s", repo, status, out, err);
  ck_assert_msg (strstr (out, needle) != NULL, "chain audit %s does not find %s: %s", repo, rule, out);
}

/* ---- The pre-receive hook -------------------------------------------------------- */

/* The hook's state caches in @repo (chain-receive-cache-private.h). */
static char *
cache_dir (const char *repo)
{
  return g_build_filename (repo, "chain", "state-cache", NULL);
}

static char *
cache_file (const char *repo,
            const char *commit)
{
  return g_build_filename (repo, "chain", "state-cache", commit, NULL);
}

static void
remove_cache (const char *repo)
{
  g_autofree char *dir = cache_dir (repo);

  ck_assert_int_eq (test_cli_spawn (NULL, NULL, NULL, (const char *const[]) { "rm", "-rf", dir, NULL }, NULL, NULL), 0);
}

/* `chain hook REPO` (with --trusted-root @root when given) installs the hook. */
static void
install_hook (const char *repo,
              const char *root)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *hook = g_build_filename (repo, "hooks", "pre-receive", NULL);
  int status = root != NULL
               ? test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "hook", "--trusted-root", root, repo, NULL },
                                     &out, &err)
               : test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "hook", repo, NULL }, &out, &err);

  ck_assert_msg (status == 0, "chain hook %s exited %d: %s", repo, status, err);
  ck_assert_msg (strstr (out, hook) != NULL, "%s", out);
  ck_assert_msg (g_file_test (hook, G_FILE_TEST_IS_EXECUTABLE), "no executable %s", hook);
}

/* The system's git, in @work (NULL: anywhere), with the server's settings. */
static int
plain_git (const char        *git_dir,
           const char *const *args,
           char             **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) "git");
  if (git_dir != NULL)
    {
      g_ptr_array_add (argv, (char *) "--git-dir");
      g_ptr_array_add (argv, (char *) git_dir);
    }
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  return test_cli_spawn (NULL, test_git_server_get_git_env (server), NULL, (const char *const *) argv->pdata, NULL, err);
}

/* `git push URL SPEC` from @git_dir must be refused by the hook naming
 * @rule, and leave the server's main at @expected. */
static void
assert_plain_push_refused (const char *git_dir,
                           const char *url,
                           const char *spec,
                           const char *rule,
                           const char *repo,
                           const char *expected)
{
  g_autofree char *err = NULL;
  g_autofree char *needle = g_strdup_printf ("rule %s:", rule);
  g_autofree char *tip = NULL;
  int status = plain_git (git_dir, (const char *const[]) { "push", "-f", url, spec, NULL }, &err);

  ck_assert_msg (status != 0, "git push %s %s was accepted", url, spec);
  ck_assert_msg (strstr (err, "remote: " CHAIN_RECEIVE_REFUSAL_PREFIX) != NULL, "no refusal shown: %s", err);
  ck_assert_msg (strstr (err, needle) != NULL, "git push %s: not refused by %s: %s", spec, rule, err);
  ck_assert_msg (strstr (err, "pre-receive hook declined") != NULL, "%s", err);
  if (expected != NULL)
    {
      tip = main_of (repo);
      ck_assert_str_eq (tip, expected);
    }
}

/* A commit on top of @parent in @git_dir with @parent's tree and no
 * signature, made by plain git: a record no officer signed. */
static char *
unsigned_commit (const char *git_dir,
                 const char *parent,
                 const char *second_parent)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *tree = g_strdup_printf ("%s^{tree}", parent);
  int status = second_parent != NULL
               ? test_cli_spawn (NULL, NULL, NULL,
                                 (const char *const[]) { "git", "--git-dir", git_dir, "commit-tree", "-m", "forged", "-p",
                                                         parent, "-p", second_parent, tree, NULL }, &out, &err)
               : test_cli_spawn (NULL, NULL, NULL,
                                 (const char *const[]) { "git", "--git-dir", git_dir, "commit-tree", "-m", "forged", "-p",
                                                         parent, tree, NULL }, &out, &err);

  ck_assert_msg (status == 0, "git commit-tree: %s", err);
  return g_strdup (g_strstrip (out));
}

/* `chain hook` on what is no server repository: one line, exit 1 or 2,
 * nothing written; over its own hook it installs again. */
START_TEST (test_hook_install_errors)
{
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.git", NULL);
  g_autofree char *work = g_build_filename (dir, "work", NULL);
  g_autofree char *bare = g_build_filename (dir, "bare.git", NULL);
  g_autofree char *hook = g_build_filename (bare, "hooks", "pre-receive", NULL);
  g_autofree char *input = g_build_filename (dir, "updates", NULL);
  g_autofree char *theirs = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *script = NULL;
  int status;

  ck_assert_int_eq (test_cli_spawn (NULL, NULL, NULL, (const char *const[]) { "git", "init", "-q", work, NULL }, NULL, NULL), 0);
  ck_assert_int_eq (test_cli_spawn (NULL, NULL, NULL, (const char *const[]) { "git", "init", "-q", "--bare", bare, NULL },
                                    NULL, NULL), 0);

  status = test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "hook", NULL }, NULL, &err);
  ck_assert_int_eq (status, 2);
  g_clear_pointer (&err, g_free);
  status = test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "hook", missing, NULL }, NULL, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("hook", err, "is not a git repository");
  ck_assert (!g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_pointer (&err, g_free);
  status = test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "hook", work, NULL }, NULL, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("hook", err, "is not a bare repository");
  g_clear_pointer (&err, g_free);
  status = test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "hook", "--trusted-root", "abc", bare, NULL },
                               NULL, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("hook", err, "64 hex digits");
  ck_assert (!g_file_test (hook, G_FILE_TEST_EXISTS));

  /* Someone else's hook stays; ours is replaced. */
  test_support_write_file (hook, "#!/bin/sh\nexit 0\n", 17);
  g_clear_pointer (&err, g_free);
  status = test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "hook", bare, NULL }, NULL, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("hook", err, "is another pre-receive hook");
  theirs = test_cli_read_file (hook, NULL);
  ck_assert_str_eq (theirs, "#!/bin/sh\nexit 0\n");
  ck_assert_int_eq (g_unlink (hook), 0);
  install_hook (bare, NULL);
  install_hook (bare, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  script = test_cli_read_file (hook, NULL);
  ck_assert_msg (strstr (script, "--trusted-root 'aaaa") != NULL, "%s", script);

  /* --print writes what it would install, and installs nothing. */
  ck_assert_int_eq (g_unlink (hook), 0);
  status = test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "hook", "--print", bare, NULL }, &out, NULL);
  ck_assert_int_eq (status, 0);
  ck_assert_msg (g_str_has_prefix (out, "#!/bin/sh\n") && strstr (out, "hook --pre-receive") != NULL, "%s", out);
  ck_assert (!g_file_test (hook, G_FILE_TEST_EXISTS));

  /* As the hook, input that is no list of updates is refused. */
  g_clear_pointer (&err, g_free);
  test_support_write_file (input, "not an update\n", 14);
  status = test_cli_chain_env (NULL, NULL, input, (const char *const[]) { "hook", "--pre-receive", bare, NULL },
                               NULL, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("hook", err, "is not 'OLD-ID NEW-ID REFNAME'");
  test_support_tmpdir_remove (dir);
}
END_TEST

START_TEST (test_hook_refuses_plain_git)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autofree char *repo = test_git_server_init_repo (server, "hooked-plain");
  g_autofree char *https = test_git_server_https_url (server, "127.0.0.1", "hooked-plain");
  g_autofree char *ssh = test_git_server_ssh_url (server, "hooked-plain");
  g_autofree char *oem_repo = ledger_path (copy->oem);
  g_autofree char *oem_tip = workspace_main (copy->oem);
  g_autofree char *parent = g_strdup_printf ("%s~1", oem_tip);
  g_autofree char *older = g_strdup_printf ("%s~2:refs/heads/main", oem_tip);
  g_autofree char *other = g_strdup_printf ("%s:refs/heads/other", oem_tip);
  g_autofree char *tag = g_strdup_printf ("%s:refs/tags/v1", oem_tip);
  g_autofree char *forged = NULL;
  g_autofree char *forged_spec = NULL;
  g_autofree char *merge = NULL;
  g_autofree char *merge_spec = NULL;
  g_autofree char *main_spec = g_strdup_printf ("%s:refs/heads/main", oem_tip);
  g_autofree char *err = NULL;
  g_autofree char *tip = NULL;

  install_hook (repo, NULL);
  /* The OEM's whole ledger goes in by plain git: every record audited. */
  ck_assert_msg (plain_git (oem_repo, (const char *const[]) { "push", https, main_spec, NULL }, &err) == 0,
                 "git push: %s", err);
  tip = main_of (repo);
  ck_assert_str_eq (tip, oem_tip);

  /* A rewind, a forced rewrite, another branch, a tag, deleting main,
   * renaming main: over HTTPS and SSH alike. */
  assert_plain_push_refused (oem_repo, https, older, "history.rewrite", repo, oem_tip);
  assert_plain_push_refused (oem_repo, ssh, older, "history.rewrite", repo, oem_tip);
  assert_plain_push_refused (oem_repo, https, other, "refs.extra", repo, oem_tip);
  assert_plain_push_refused (oem_repo, ssh, tag, "refs.extra", repo, oem_tip);
  assert_plain_push_refused (oem_repo, https, ":refs/heads/main", "history.empty", repo, oem_tip);
  assert_plain_push_refused (oem_repo, ssh, ":refs/heads/main", "history.empty", repo, oem_tip);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (plain_git (oem_repo, (const char *const[]) { "branch", "-m", "main", "renamed", NULL }, &err) == 0,
                 "git branch -m: %s", err);
  assert_plain_push_refused (oem_repo, https, ":refs/heads/main", "history.empty", repo, oem_tip);
  assert_plain_push_refused (oem_repo, https, "refs/heads/renamed:refs/heads/renamed", "refs.extra", repo, oem_tip);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (plain_git (oem_repo, (const char *const[]) { "branch", "-m", "renamed", "main", NULL }, &err) == 0,
                 "git branch -m: %s", err);

  /* A record no officer signed, and a merge, on top of the hosted tip. */
  {
    g_autofree char *cached = cache_file (repo, oem_tip);

    ck_assert_msg (g_file_test (cached, G_FILE_TEST_IS_REGULAR), "the hook kept no state of %s", oem_tip);
  }
  forged = unsigned_commit (oem_repo, oem_tip, NULL);
  forged_spec = g_strdup_printf ("%s:refs/heads/main", forged);
  assert_plain_push_refused (oem_repo, https, forged_spec, "commit.unsigned", repo, oem_tip);
  assert_plain_push_refused (oem_repo, ssh, forged_spec, "commit.unsigned", repo, oem_tip);
  merge = unsigned_commit (oem_repo, oem_tip, parent);
  merge_spec = g_strdup_printf ("%s:refs/heads/main", merge);
  assert_plain_push_refused (oem_repo, ssh, merge_spec, "commit.merge", repo, oem_tip);
  /* Those were judged from the state the hook kept of the hosted tip;
   * without it, a full audit refuses them alike. */
  remove_cache (repo);
  assert_plain_push_refused (oem_repo, https, forged_spec, "commit.unsigned", repo, oem_tip);
  remove_cache (repo);
  assert_plain_push_refused (oem_repo, ssh, merge_spec, "commit.merge", repo, oem_tip);

  /* The hosted ledger still audits clean. */
  g_clear_pointer (&err, g_free);
  ck_assert_msg (test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "-C", repo, "audit", NULL }, NULL, &err) == 0,
                 "chain audit: %s", err);
}
END_TEST

START_TEST (test_hook_with_chain_sync)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_auto(Hosted) h = { 0 };
  g_autofree char *stranger_repo = test_git_server_init_repo (server, "hooked-stranger");
  g_autofree char *stranger_https = test_git_server_https_url (server, "127.0.0.1", "hooked-stranger");
  g_autofree char *stranger_ssh = test_git_server_ssh_url (server, "hooked-stranger");
  const char *ca = test_git_server_get_ca_file (server);
  const char *key = test_git_server_get_user_key (server);
  g_autofree char *oem_tip = NULL;
  g_autofree char *cm_tip = NULL;
  g_autofree char *server_tip = NULL;

  hosted_init (&h, copy, "hooked-sync");

  /* A server that takes only ledgers of another root: the OEM's push is
   * refused with the rule, over HTTPS and SSH, and nothing changes. */
  install_hook (stranger_repo, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  assert_sync_refused (copy->oem, h.env, (const char *const[]) { "sync", "--ca-file", ca, stranger_https, NULL },
                       "rule history.root:");
  assert_sync_refused (copy->oem, h.env, (const char *const[]) { "sync", "--ssh-key", key, stranger_ssh, NULL },
                       "rule history.root:");
  ck_assert_msg (test_cli_spawn (NULL, NULL, NULL,
                                 (const char *const[]) { "git", "--git-dir", stranger_repo, "rev-parse", "--verify", "-q",
                                                         "refs/heads/main", NULL }, NULL, NULL) != 0,
                 "the refused push moved the server's main");

  /* With the OEM's root: the OEM publishes over HTTPS, the manufacturer
   * syncs over SSH and appends, the OEM fetches it back. */
  install_hook (h.repo, h.root);
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", "--ca-file", ca, h.https, NULL }));
  g_free (chain_in_ok (copy->cm, h.env, (const char *const[]) { "sync", "--ssh-key", key, h.ssh, NULL }));
  g_free (chain_in_ok (copy->cm, h.env, (const char *const[]) { "annotate", "pushed through the hook", NULL }));
  g_free (chain_in_ok (copy->cm, h.env, (const char *const[]) { "sync", NULL }));
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", NULL }));
  oem_tip = workspace_main (copy->oem);
  cm_tip = workspace_main (copy->cm);
  server_tip = main_of (h.repo);
  ck_assert_str_eq (cm_tip, server_tip);
  ck_assert_str_eq (oem_tip, server_tip);

  /* The hook judges checkpoints too: a forged one is refused. */
  {
    g_autofree char *oem_repo = ledger_path (copy->oem);
    g_autofree char *forged = forge_checkpoint (oem_repo, "oem");
    g_autofree char *spec = g_strdup_printf ("%s:refs/checkpoints/oem", forged);
    g_autofree char *before = git_out (h.repo, NULL, (const char *const[]) { "rev-parse", "refs/checkpoints/oem", NULL });
    g_autofree char *after = NULL;

    assert_plain_push_refused (oem_repo, h.https, spec, "checkpoint.signature", h.repo, server_tip);
    remove_cache (h.repo);
    assert_plain_push_refused (oem_repo, h.https, spec, "checkpoint.signature", h.repo, server_tip);
    assert_plain_push_refused (oem_repo, h.ssh, ":refs/checkpoints/oem", "refs.extra", h.repo, server_tip);
    after = git_out (h.repo, NULL, (const char *const[]) { "rev-parse", "refs/checkpoints/oem", NULL });
    ck_assert_str_eq (after, before);
  }
}
END_TEST

/* ---- Witnessed checkpoints ---------------------------------------------------------- */

START_TEST (test_checkpoints_show_split_view)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_auto(Hosted) h = { 0 };
  const char *ca = test_git_server_get_ca_file (server);
  const char *key = test_git_server_get_user_key (server);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *refs = NULL;
  g_autofree char *rewound = NULL;
  g_autofree char *cm_repo = ledger_path (copy->cm);
  g_autofree char *before = NULL;
  g_autofree char *forged = NULL;
  int status;

  hosted_init (&h, copy, "split");

  /* Both sign what they saw; the checkpoints travel with the ledger. */
  out = chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", "--ca-file", ca, h.https, NULL });
  ck_assert_msg (strstr (out, "checkpoint of oem at record") != NULL, "%s", out);
  g_free (chain_in_ok (copy->cm, h.env, (const char *const[]) { "sync", "--ssh-key", key, h.ssh, NULL }));
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", NULL }));
  refs = git_out (h.repo, NULL, (const char *const[]) { "for-each-ref", "--format=%(refname)", "refs/checkpoints/", NULL });
  ck_assert_str_eq (refs, "refs/checkpoints/cm\nrefs/checkpoints/oem");
  g_clear_pointer (&err, g_free);
  ck_assert_msg (test_cli_chain_env (NULL, NULL, NULL, (const char *const[]) { "-C", h.repo, "audit", NULL }, NULL, &err) == 0,
                 "chain audit of the hosted ledger: %s", err);
  g_clear_pointer (&out, g_free);
  out = chain_in_ok (copy->cm, h.env, (const char *const[]) { "status", NULL });
  ck_assert_msg (strstr (out, "Checkpoints") != NULL && strstr (out, "oem") != NULL, "%s", out);

  /* An export carries the custodian's checkpoint beside the upload files. */
  {
    g_autofree char *export_dir = g_build_filename (copy->dir, "export", NULL);
    g_autofree char *note_path = g_build_filename (export_dir, "pem", ".ledger-checkpoint", NULL);
    g_autofree char *note = NULL;

    g_free (chain_in_ok (copy->cm, h.env, (const char *const[]) { "export", "--target", "pem", "-o", export_dir, NULL }));
    note = test_cli_read_file (note_path, NULL);
    ck_assert_msg (g_str_has_prefix (note, "libchain-checkpoint 1\n") && strstr (note, "\ncustodian cm\n") != NULL,
                   "%s", note);
  }

  /* The server shows the manufacturer a history without the OEM's newest
   * record: the OEM appends, the server rewinds main, the manufacturer
   * appends another record at the same place. */
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "annotate", "seen by the OEM only", NULL }));
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", NULL }));
  rewound = git_out (h.repo, NULL, (const char *const[]) { "rev-parse", "main~1", NULL });
  g_free (git_out (h.repo, NULL, (const char *const[]) { "update-ref", "refs/heads/main", rewound, NULL }));
  g_free (chain_in_ok (copy->cm, h.env, (const char *const[]) { "annotate", "seen by the manufacturer only", NULL }));
  g_clear_pointer (&err, g_free);
  status = chain_in (copy->cm, h.env, (const char *const[]) { "sync", NULL }, NULL, &err);
  ck_assert_msg (status == 3, "the split view went unnoticed (exit %d): %s", status, err);
  test_cli_assert_error_line ("sync", err, "rule checkpoint.split:");
  assert_audit_finds (h.repo, "checkpoint.split");
  assert_audit_finds (cm_repo, "checkpoint.split");

  /* The OEM, whose record the server dropped, is told by its tracking ref. */
  before = test_cli_ledger_state (chain_workspace_get_dir (copy->oem));
  g_clear_pointer (&err, g_free);
  status = chain_in (copy->oem, h.env, (const char *const[]) { "sync", NULL }, NULL, &err);
  ck_assert_msg (status == 3, "the rewound main went unnoticed (exit %d): %s", status, err);
  g_clear_pointer (&out, g_free);
  out = test_cli_ledger_state (chain_workspace_get_dir (copy->oem));
  ck_assert_str_eq (out, before);

  /* A checkpoint whose note was altered after signing. */
  forged = forge_checkpoint (h.repo, "oem");
  g_free (git_out (h.repo, NULL, (const char *const[]) { "update-ref", "refs/checkpoints/oem", forged, NULL }));
  assert_audit_finds (h.repo, "checkpoint.signature");

  /* A checkpoint ref that names a record's commit, not a note. */
  g_free (git_out (h.repo, NULL, (const char *const[]) { "update-ref", "refs/checkpoints/oem", rewound, NULL }));
  assert_audit_finds (h.repo, "checkpoint.format");
}
END_TEST

/* `chain hook --pre-receive` on @repo with @updates as git gives them: its
 * exit status; @err holds its debug messages (on stdout) too. */
static int
run_pre_receive (const char *repo,
                 const char *root,
                 const char *updates,
                 char      **err)
{
  g_autofree char *input = g_build_filename (repo, "..", "updates.txt", NULL);
  g_autofree char *out = NULL;
  g_autofree char *stderr_text = NULL;
  int status;

  test_support_write_file (input, updates, strlen (updates));
  status = test_cli_chain_env (NULL, (const char *const[]) { "G_MESSAGES_DEBUG=libchain", NULL }, input,
                               (const char *const[]) { "hook", "--pre-receive", "--trusted-root", root, repo, NULL },
                               &out, &stderr_text);
  if (err != NULL)
    *err = g_strconcat (out, stderr_text, NULL);
  return status;
}

/* ---- The hook's state cache ------------------------------------------------------- */

/* The hook's debug line says it read @n records of main from @from on. */
static void
assert_audited (const char *err,
                const char *what,
                guint64     n,
                guint64     from)
{
  g_autofree char *needle = g_strdup_printf ("hook: %s: records audited: %" G_GUINT64_FORMAT ", from record %"
                                             G_GUINT64_FORMAT, what, n, from);
  const char *at = strstr (err, needle);
  g_autofree char *shown = g_strescape (err, NULL);

  ck_assert_msg (at != NULL && (at[strlen (needle)] == '\n' || at[strlen (needle)] == '\0'), "not '%s' in: %s",
                 needle, shown);
}

/* The hook's refusal lines in @err, in order, one string. (transfer full) */
static char *
refusal_lines (const char *err)
{
  g_auto(GStrv) lines = g_strsplit (err, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], CHAIN_RECEIVE_REFUSAL_PREFIX) != NULL)
      g_string_append_printf (out, "%s\n", lines[i]);
  return g_string_free (out, FALSE);
}

/* The hook on @updates refuses, naming @rule, with the state cache of
 * @base and without it, with the same lines; with it, it reads only the
 * @n_new records above the base's @n_base. */
static void
assert_refused_both_ways (const char *repo,
                          const char *root,
                          const char *base,
                          const char *updates,
                          const char *rule,
                          guint64     n_base,
                          guint64     n_new)
{
  g_autofree char *path = cache_file (repo, base);
  g_autofree char *needle = g_strdup_printf ("rule %s:", rule);
  g_autofree char *cached_err = NULL;
  g_autofree char *full_err = NULL;
  g_autofree char *cached = NULL;
  g_autofree char *full = NULL;

  ck_assert_msg (g_file_test (path, G_FILE_TEST_IS_REGULAR), "no state cache for %s", base);
  ck_assert_int_ne (run_pre_receive (repo, root, updates, &cached_err), 0);
  assert_audited (cached_err, "refs/heads/main", n_new, n_base);
  remove_cache (repo);
  ck_assert_int_ne (run_pre_receive (repo, root, updates, &full_err), 0);
  assert_audited (full_err, "refs/heads/main", n_base + n_new, 0);
  cached = refusal_lines (cached_err);
  full = refusal_lines (full_err);
  ck_assert_msg (strstr (cached, needle) != NULL, "not refused by %s: %s", rule, cached_err);
  ck_assert_str_eq (cached, full);
}

/* The hook keeps the state its audit left at each tip it accepted: a push
 * on top is audited from there, and only its records are read (the
 * hook's debug line counts them). A spoiled cache gets a full audit and is
 * replaced; with or without one, the hook refuses the same pushes with
 * the same lines. */
START_TEST (test_hook_state_cache)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_auto(Hosted) h = { 0 };
  g_autofree char *oem_repo = ledger_path (copy->oem);
  g_autofree char *dir = NULL;
  g_autofree char *tip0 = NULL;
  g_autofree char *tip1 = NULL;
  g_autofree char *path0 = NULL;
  g_autofree char *path1 = NULL;
  g_autofree char *count = NULL;
  g_autofree char *updates = NULL;
  g_autofree char *err = NULL;
  g_autofree char *cache0 = NULL;
  g_autofree char *cache1 = NULL;
  gsize cache0_len = 0;
  gsize cache1_len = 0;
  guint64 n0;
  GStatBuf st;

  hosted_init (&h, copy, "state-cache");
  dir = cache_dir (h.repo);

  install_hook (h.repo, h.root);
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", "--ca-file", test_git_server_get_ca_file (server),
                                                                h.https, NULL }));
  tip0 = main_of (h.repo);
  count = git_out (h.repo, NULL, (const char *const[]) { "rev-list", "--count", tip0, NULL });
  n0 = g_ascii_strtoull (count, NULL, 10);
  path0 = cache_file (h.repo, tip0);
  ck_assert_int_eq (g_stat (path0, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0600);
  ck_assert_int_eq (g_stat (dir, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0700);
  ck_assert (g_file_get_contents (path0, &cache0, &cache0_len, NULL));

  /* The OEM's next record reaches the server's objects, main stays. */
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "annotate", "above the cache", NULL }));
  tip1 = workspace_main (copy->oem);
  g_free (git_out (h.repo, NULL, (const char *const[]) { "fetch", "-q", oem_repo, "refs/heads/main:refs/staged", NULL }));
  g_free (git_out (h.repo, NULL, (const char *const[]) { "update-ref", "-d", "refs/staged", NULL }));
  updates = g_strdup_printf ("%s %s refs/heads/main\n", tip0, tip1);

  /* Judged from the cache: one record read, and its state kept too. */
  ck_assert_msg (run_pre_receive (h.repo, h.root, updates, &err) == 0, "%s", err);
  assert_audited (err, "refs/heads/main", 1, n0);
  path1 = cache_file (h.repo, tip1);
  ck_assert (g_file_get_contents (path1, &cache1, &cache1_len, NULL));
  ck_assert (g_file_test (path0, G_FILE_TEST_IS_REGULAR));

  /* Spoiled: garbage, cut short, another commit's state under this
   * commit's name. Each gets a full audit and is deleted. */
  {
    const struct { const char *name; const char *data; gsize len; } spoiled[] = {
      { "garbage", "not a state cache", 17 },
      { "truncated", cache1, cache1_len / 2 },
      { "keyed to another commit", cache1, cache1_len },
    };

    for (guint i = 0; i < G_N_ELEMENTS (spoiled); i++)
      {
        g_clear_pointer (&err, g_free);
        test_support_write_file (path0, spoiled[i].data, spoiled[i].len);
        ck_assert_msg (run_pre_receive (h.repo, h.root, updates, &err) == 0, "%s: %s", spoiled[i].name, err);
        assert_audited (err, "refs/heads/main", n0 + 1, 0);
        ck_assert_msg (strstr (err, "is unusable") != NULL, "%s: %s", spoiled[i].name, err);
        ck_assert_msg (!g_file_test (path0, G_FILE_TEST_EXISTS), "%s: not deleted", spoiled[i].name);
        ck_assert (g_file_test (path1, G_FILE_TEST_IS_REGULAR));
      }
  }

  /* None at all: a full audit. */
  remove_cache (h.repo);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (run_pre_receive (h.repo, h.root, updates, &err) == 0, "%s", err);
  assert_audited (err, "refs/heads/main", n0 + 1, 0);

  /* What a full audit refuses, the cache does not let in: a record no
   * officer signed, a merge, a ledger of a root the hook does not trust. */
  {
    g_autofree char *forged = unsigned_commit (h.repo, tip0, NULL);
    g_autofree char *merge = unsigned_commit (h.repo, tip0, tip1);
    g_autofree char *forged_update = g_strdup_printf ("%s %s refs/heads/main\n", tip0, forged);
    g_autofree char *merge_update = g_strdup_printf ("%s %s refs/heads/main\n", tip0, merge);
    g_autofree char *good_update = g_strdup_printf ("%s %s refs/heads/main\n", tip0, tip1);
    g_autofree char *stranger_err = NULL;
    const char *stranger = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /* The state the hook wrote of the hosted tip, put back each time. */
    ck_assert_int_eq (g_mkdir_with_parents (dir, 0700), 0);
    test_support_write_file (path0, cache0, cache0_len);
    assert_refused_both_ways (h.repo, h.root, tip0, forged_update, "commit.unsigned", n0, 1);
    ck_assert_int_eq (g_mkdir_with_parents (dir, 0700), 0);
    test_support_write_file (path0, cache0, cache0_len);
    assert_refused_both_ways (h.repo, h.root, tip0, merge_update, "commit.merge", n0, 1);
    ck_assert_int_eq (g_mkdir_with_parents (dir, 0700), 0);
    test_support_write_file (path0, cache0, cache0_len);
    ck_assert_int_ne (run_pre_receive (h.repo, stranger, good_update, &stranger_err), 0);
    ck_assert_msg (strstr (stranger_err, "rule history.root:") != NULL, "%s", stranger_err);
    assert_audited (stranger_err, "refs/heads/main", n0 + 1, 0);
  }
}
END_TEST

/* A push of main whose old value the hosted main has moved past cannot
 * land (git compares it when it moves the ref): the hook leaves it to git
 * without an audit. Shown with a new tip the hook could not even read,
 * which the audit refuses when main is where the push says. */
START_TEST (test_hook_leaves_a_lost_race_to_git)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_auto(Hosted) h = { 0 };
  const char *missing = "1111111111111111111111111111111111111111";
  g_autofree char *tip = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *stale = NULL;
  g_autofree char *current = NULL;
  g_autofree char *with_checkpoint = NULL;
  g_autofree char *err = NULL;
  int status;

  hosted_init (&h, copy, "lost-race");

  install_hook (h.repo, h.root);
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", "--ca-file", test_git_server_get_ca_file (server),
                                                                h.https, NULL }));
  tip = main_of (h.repo);
  parent = git_out (h.repo, NULL, (const char *const[]) { "rev-parse", "--verify", "refs/heads/main~1", NULL });
  g_strstrip (parent);
  stale = g_strdup_printf ("%s %s refs/heads/main\n", parent, missing);
  current = g_strdup_printf ("%s %s refs/heads/main\n", tip, missing);
  with_checkpoint = g_strdup_printf ("%s %s refs/heads/main\n%s %s refs/checkpoints/oem\n", parent, missing,
                                     "0000000000000000000000000000000000000000", missing);

  status = run_pre_receive (h.repo, h.root, stale, &err);
  ck_assert_msg (status == 0, "a push that lost the race was judged: exit %d: %s", status, err);
  g_clear_pointer (&err, g_free);
  status = run_pre_receive (h.repo, h.root, current, &err);
  ck_assert_msg (status != 0, "a push on the current main went unaudited: %s", err);
  g_clear_pointer (&err, g_free);
  /* With other refs in the push, every line is judged as before. */
  status = run_pre_receive (h.repo, h.root, with_checkpoint, &err);
  ck_assert_msg (status != 0, "a push of main and a checkpoint went unaudited: %s", err);
  /* The hook's lock stays in the repository, where git ignores it. */
  {
    g_autofree char *lock = g_build_filename (h.repo, "chain-receive.lock", NULL);

    ck_assert (g_file_test (lock, G_FILE_TEST_IS_REGULAR));
  }
}
END_TEST

/* ---- Many writers at once ------------------------------------------------------------ */

/* Appends per custodian in the race; fewer under ASan, where each `chain`
 * takes several times as long. LIBCHAIN_TEST_WRITER_APPENDS sets another
 * count: `LIBCHAIN_TEST_WRITER_APPENDS=100 meson test -C build -v
 * cli-hosted-ledger` runs issue 13's 100 each and prints the figures
 * (README, "Many writers"). */
#if defined(__SANITIZE_ADDRESS__)
#define WRITER_SCALE 4
#else
#define WRITER_SCALE 1
#endif
#define WRITER_APPENDS_DEFAULT (12 / WRITER_SCALE)

static guint
writer_appends (void)
{
  const char *given = g_getenv ("LIBCHAIN_TEST_WRITER_APPENDS");
  guint64 n = given != NULL ? g_ascii_strtoull (given, NULL, 10) : 0;

  return n > 0 && n <= 10000 ? (guint) n : WRITER_APPENDS_DEFAULT;
}

/* `env` argv that applies @env as test_cli_spawn() does ("NAME" unsets,
 * "NAME=VALUE" sets) with the test passphrase, before @args. */
static GPtrArray *
env_argv (GPtrArray         *env,
          const char *const *args)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) "env");
  for (guint i = 0; i < env->len && g_ptr_array_index (env, i) != NULL; i++)
    if (strchr (g_ptr_array_index (env, i), '=') == NULL)
      {
        g_ptr_array_add (argv, (char *) "-u");
        g_ptr_array_add (argv, g_ptr_array_index (env, i));
      }
  g_ptr_array_add (argv, (char *) "CHAIN_PASSPHRASE=" TEST_CLI_PASSPHRASE);
  for (guint i = 0; i < env->len && g_ptr_array_index (env, i) != NULL; i++)
    if (strchr (g_ptr_array_index (env, i), '=') != NULL)
      g_ptr_array_add (argv, g_ptr_array_index (env, i));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* Starts @args under env_argv(), stdout and stderr appended to @log. */
static GPid
spawn_in_env (GPtrArray         *env,
              const char *const *args,
              const char        *log)
{
  g_autoptr(GPtrArray) argv = env_argv (env, args);
  g_autoptr(GError) error = NULL;
  int fd = g_open (log, O_WRONLY | O_CREAT | O_APPEND, 0600);
  GPid pid = 0;
  gboolean ok;

  ck_assert_msg (fd >= 0, "open %s: %s", log, g_strerror (errno));
  ok = g_spawn_async_with_fds (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                               NULL, NULL, &pid, -1, fd, fd, &error);
  close (fd);
  ck_assert_msg (ok, "spawn %s: %s", args[0], error != NULL ? error->message : "");
  return pid;
}

static int
wait_for (GPid pid)
{
  int status = 0;

  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  return status;
}

/* One custodian's shell: @n times `chain annotate "@label I"` and
 * `chain sync`, stopping at the first failure. */
static GPid
start_writer (ChainWorkspace *ws,
              GPtrArray      *env,
              const char     *label,
              guint           n,
              const char     *log)
{
  /* Each round logs how long its two commands took, for the figures. */
  static const char loop[] =
    "chain=$1 ws=$2 label=$3 n=$4; i=1\n"
    "ms () { echo $(( $(date +%s%N) / 1000000 )); }\n"
    "while [ $i -le $n ]; do\n"
    "  t0=$(ms)\n"
    "  \"$chain\" -C \"$ws\" annotate \"$label $i\" || exit 1\n"
    "  t1=$(ms)\n"
    "  \"$chain\" -C \"$ws\" sync || exit 2\n"
    "  t2=$(ms)\n"
    "  echo \"round-ms $((t1 - t0)) $((t2 - t1)) at $t2\"\n"
    "  i=$((i + 1))\n"
    "done\n";
  g_autofree char *count = g_strdup_printf ("%u", n);

  return spawn_in_env (env, (const char *const[]) { "sh", "-c", loop, "sh", test_cli_bin (),
                                                    chain_workspace_get_dir (ws), label, count, NULL }, log);
}

/* `chain -C @dir audit` passes. */
static void
assert_audits (const char *dir,
               GPtrArray  *env)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = test_cli_chain_env (NULL, (const char *const *) env->pdata, NULL,
                                   (const char *const[]) { "-C", dir, "audit", NULL }, &out, &err);

  ck_assert_msg (status == 0, "chain -C %s audit exited %d: %s%s", dir, status, out, err);
}

/* @git_dir's main is linear (no merges), @expected_records commits long
 * (any length when 0), and its record directories' seqs are 0..count-1,
 * one each. Main is read once: a push whose client was killed may still
 * land on the server while this looks. */
static void
assert_linear_contiguous (const char *git_dir,
                          guint       expected_records)
{
  g_autofree char *tip = main_of (git_dir);
  g_autofree char *merges = git_out (git_dir, NULL, (const char *const[]) { "rev-list", "--merges", tip, NULL });
  g_autofree char *count = git_out (git_dir, NULL, (const char *const[]) { "rev-list", "--count", tip, NULL });
  g_autofree char *dirs = git_out (git_dir, NULL, (const char *const[]) { "ls-tree", "-d", "--name-only", "-r", tip,
                                                                          "records/", NULL });
  g_auto(GStrv) lines = g_strsplit (dirs, "\n", -1);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (guint64));

  if (expected_records == 0)
    expected_records = (guint) g_ascii_strtoull (count, NULL, 10);
  ck_assert_msg (merges[0] == '\0', "merges on main: %s", merges);
  ck_assert_uint_eq (g_ascii_strtoull (count, NULL, 10), expected_records);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (lines[i], "/", -1);
      guint64 seq;

      /* records/AAAA/BB/SSSSSSSS-TYPE: the record directories only. */
      if (g_strv_length (parts) != 4)
        continue;
      seq = g_ascii_strtoull (parts[3], NULL, 10);
      g_array_append_val (seqs, seq);
    }
  ck_assert_uint_eq (seqs->len, expected_records);
  for (guint i = 0; i < seqs->len; i++)
    ck_assert_uint_eq (g_array_index (seqs, guint64, i), i);
}

/* `git grep -c` of "@text" in @git_dir's main: how many records hold it. */
static guint
records_holding (const char *git_dir,
                 const char *text)
{
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  test_cli_spawn (NULL, NULL, NULL,
                  (const char *const[]) { "git", "--git-dir", git_dir, "grep", "-l", "-F", text, "main", "--",
                                          "records/", NULL }, &out, NULL);
  lines = g_strsplit (out != NULL ? out : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_suffix (lines[i], "/statement.json"))
      n++;
  return n;
}

/* The figures of the race, from the writers' logs (TAP comments): per
 * custodian, how long its appends and syncs took, how many races its syncs
 * lost, and where a sync's time went (libchain's debug messages). */
static const char *const sync_phases[] = { "opened", "connected to fetch", "downloaded", "fetched and verified",
                                           "audited the remote", "signed and staged", "audited ours", "re-appended",
                                           "connected to push", "sent and judged", "pushed", "push failed",
                                           "refreshed", "kept the state" };

/* When each round of @log ended (ms of the real-time clock), in order. */
static GArray *
round_ends (const char *log)
{
  g_autofree char *text = test_cli_read_file (log, NULL);
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  GArray *ends = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint j = 0; lines[j] != NULL; j++)
    {
      guint64 a = 0;
      guint64 b = 0;
      guint64 at = 0;

      if (sscanf (lines[j], "round-ms %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " at %" G_GUINT64_FORMAT, &a, &b,
                  &at) == 3)
        g_array_append_val (ends, at);
    }
  return ends;
}

/* How many appends each writer had landed at ten moments of the race:
 * whether they took turns or one starved. */
static void
print_writer_timeline (const char        *dir,
                       const char *const *labels,
                       guint              n_writers,
                       gint64             started_real_us,
                       gint64             elapsed_us)
{
  GArray *ends[8] = { NULL };

  g_assert (n_writers <= G_N_ELEMENTS (ends));
  for (guint i = 0; i < n_writers; i++)
    {
      g_autofree char *log = g_strdup_printf ("%s/%s.log", dir, labels[i]);

      ends[i] = round_ends (log);
    }
  for (guint k = 1; k <= 10; k++)
    {
      guint64 until_ms = (guint64) (started_real_us + elapsed_us * k / 10) / 1000;
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint i = 0; i < n_writers; i++)
        {
          guint n = 0;

          while (n < ends[i]->len && g_array_index (ends[i], guint64, n) <= until_ms)
            n++;
          g_string_append_printf (line, "%s%s %u", i > 0 ? ", " : "", labels[i], n);
        }
      printf ("#   appends landed by %.0f s: %s\n", (double) elapsed_us * k / 10 / G_USEC_PER_SEC, line->str);
    }
  for (guint i = 0; i < n_writers; i++)
    g_array_unref (ends[i]);
  fflush (stdout);
}

static void
print_writer_figures (const char        *dir,
                      const char *const *labels,
                      guint              n_writers,
                      guint              appends,
                      gint64             elapsed_us)
{
  printf ("# many writers: %u x %u appends in %.1f s (%.2f s per append)\n", n_writers, appends,
          (double) elapsed_us / G_USEC_PER_SEC, (double) elapsed_us / G_USEC_PER_SEC / (n_writers * appends));
  for (guint i = 0; i < n_writers; i++)
    {
      g_autofree char *log = g_strdup_printf ("%s/%s.log", dir, labels[i]);
      g_autofree char *text = test_cli_read_file (log, NULL);
      g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
      g_autoptr(GString) phases = g_string_new (NULL);
      guint64 phase_ms[G_N_ELEMENTS (sync_phases)] = { 0 };
      guint phase_n[G_N_ELEMENTS (sync_phases)] = { 0 };
      guint64 annotate_ms = 0;
      guint64 sync_ms = 0;
      guint64 sync_max_ms = 0;
      guint rounds = 0;
      guint lost = 0;

      for (guint j = 0; lines[j] != NULL; j++)
        {
          guint64 a = 0;
          guint64 b = 0;
          const char *phase = strstr (lines[j], "sync: phase ");

          if (sscanf (lines[j], "round-ms %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &a, &b) == 2)
            {
              rounds++;
              annotate_ms += a;
              sync_ms += b;
              sync_max_ms = MAX (sync_max_ms, b);
            }
          else if (strstr (lines[j], "lost the race") != NULL)
            lost++;
          for (guint k = 0; phase != NULL && k < G_N_ELEMENTS (sync_phases); k++)
            {
              const char *rest = phase + strlen ("sync: phase ");

              if (g_str_has_prefix (rest, sync_phases[k]) && g_str_has_prefix (rest + strlen (sync_phases[k]), " in "))
                {
                  phase_ms[k] += g_ascii_strtoull (rest + strlen (sync_phases[k]) + 4, NULL, 10);
                  phase_n[k]++;
                }
            }
        }
      for (guint k = 0; k < G_N_ELEMENTS (sync_phases); k++)
        if (phase_n[k] > 0)
          g_string_append_printf (phases, "%s%s %u x %" G_GUINT64_FORMAT " ms", phases->len > 0 ? ", " : "",
                                  sync_phases[k], phase_n[k], phase_ms[k] / phase_n[k]);
      printf ("#   %s: %u rounds, annotate %" G_GUINT64_FORMAT " ms, sync %" G_GUINT64_FORMAT
              " ms on average (longest %" G_GUINT64_FORMAT " ms), %u lost races\n#     in a sync: %s\n",
              labels[i], rounds, rounds > 0 ? annotate_ms / rounds : 0, rounds > 0 ? sync_ms / rounds : 0,
              sync_max_ms, lost, phases->str);
    }
  fflush (stdout);
}

START_TEST (test_many_writers_at_once)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_auto(Hosted) h = { 0 };
  const char *ca = test_git_server_get_ca_file (server);
  const char *key = test_git_server_get_user_key (server);
  ChainWorkspace *writers[] = { copy->oem, copy->cm, copy->dist };
  const char *labels[] = { "race-oem", "race-cm", "race-dist" };
  GPid pids[G_N_ELEMENTS (writers)];
  g_autofree char *server_tip = NULL;
  g_autofree char *debug = g_strdup ("G_MESSAGES_DEBUG=libchain");
  guint appends = writer_appends ();
  gint64 started;
  gint64 started_real;
  guint before;
  guint killed = 0;

  hosted_init (&h, copy, "many-writers");

  /* The hosted ledger, its rules enforced on push: the OEM publishes over
   * HTTPS, the manufacturer joins over SSH, the distributor over HTTPS. */
  install_hook (h.repo, h.root);
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", "--ca-file", ca, h.https, NULL }));
  g_free (chain_in_ok (copy->cm, h.env, (const char *const[]) { "sync", "--ssh-key", key, h.ssh, NULL }));
  g_free (chain_in_ok (copy->dist, h.env, (const char *const[]) { "sync", "--ca-file", ca, h.https, NULL }));
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", NULL }));
  g_free (chain_in_ok (copy->cm, h.env, (const char *const[]) { "sync", NULL }));
  {
    g_autofree char *count = git_out (h.repo, NULL, (const char *const[]) { "rev-list", "--count", "main", NULL });

    before = (guint) g_ascii_strtoull (count, NULL, 10);
  }

  /* Three custodians, three processes, each appending and syncing in a
   * loop: every loser of a race fetches, re-appends on top and pushes
   * again. Their libchain says each lost race (a debug message). */
  g_ptr_array_insert (h.env, (int) h.env->len - 1, g_steal_pointer (&debug));
  started = g_get_monotonic_time ();
  started_real = g_get_real_time ();
  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      g_autofree char *log = g_strdup_printf ("%s/%s.log", copy->dir, labels[i]);

      pids[i] = start_writer (writers[i], h.env, labels[i], appends, log);
    }
  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      g_autofree char *log = g_strdup_printf ("%s/%s.log", copy->dir, labels[i]);
      int status = wait_for (pids[i]);
      g_autofree char *text = NULL;

      if (!(WIFEXITED (status) && WEXITSTATUS (status) == 0))
        text = test_cli_read_file (log, NULL);
      /* The log's end: Check's messages are bounded, and debug lines are many. */
      ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "%s's loop ended with %d: ...%s", labels[i],
                     status, text != NULL ? text + strlen (text) - MIN (strlen (text), 1500) : "");
    }

  g_ptr_array_remove_index (h.env, h.env->len - 2);
  print_writer_figures (copy->dir, labels, G_N_ELEMENTS (labels), appends, g_get_monotonic_time () - started);
  print_writer_timeline (copy->dir, labels, G_N_ELEMENTS (labels), started_real, g_get_monotonic_time () - started);

  /* One more sync each brings the earlier finishers up to date. */
  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    g_free (chain_in_ok (writers[i], h.env, (const char *const[]) { "sync", NULL }));
  server_tip = main_of (h.repo);
  assert_linear_contiguous (h.repo, before + G_N_ELEMENTS (writers) * appends);
  assert_audits (h.repo, h.env);
  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      g_autofree char *tip = workspace_main (writers[i]);
      g_autofree char *label = g_strdup_printf ("%s ", labels[i]);

      ck_assert_str_eq (tip, server_tip);
      ck_assert_uint_eq (records_holding (h.repo, label), appends);
      assert_audits (chain_workspace_get_dir (writers[i]), h.env);
    }

  /* The distributor's `chain sync` killed at random moments: the server's
   * ledger stays whole each time, and the next sync publishes everything. */
  for (guint round = 0; round < 6; round++)
    {
      g_autofree char *log = g_strdup_printf ("%s/killed.log", copy->dir);
      g_autofree char *note = g_strdup_printf ("killed-dist %u", round);
      GPid pid;
      int status;

      g_free (chain_in_ok (copy->dist, h.env, (const char *const[]) { "annotate", note, NULL }));
      pid = spawn_in_env (h.env, (const char *const[]) { test_cli_bin (), "-C", chain_workspace_get_dir (copy->dist),
                                                       "sync", NULL }, log);
      g_usleep ((gulong) g_random_int_range (20, 100 + 60 * (gint32) round) * 1000);
      kill (pid, SIGKILL);
      status = wait_for (pid);
      if (WIFSIGNALED (status))
        killed++;
      assert_audits (h.repo, h.env);
      assert_linear_contiguous (h.repo, 0);
    }
  ck_assert_msg (killed > 0, "no `chain sync` was killed while it ran");
  g_free (chain_in_ok (copy->dist, h.env, (const char *const[]) { "sync", NULL }));
  g_free (chain_in_ok (copy->oem, h.env, (const char *const[]) { "sync", NULL }));
  g_clear_pointer (&server_tip, g_free);
  server_tip = main_of (h.repo);
  for (guint round = 0; round < 6; round++)
    {
      g_autofree char *note = g_strdup_printf ("killed-dist %u", round);

      ck_assert_uint_eq (records_holding (h.repo, note), 1);
    }
  assert_linear_contiguous (h.repo, before + G_N_ELEMENTS (writers) * appends + 6);
  assert_audits (h.repo, h.env);
  assert_audits (chain_workspace_get_dir (copy->dist), h.env);
  {
    g_autofree char *dist_tip = workspace_main (copy->dist);
    g_autofree char *oem_tip = workspace_main (copy->oem);

    ck_assert_str_eq (dist_tip, server_tip);
    ck_assert_str_eq (oem_tip, server_tip);
  }
}
END_TEST

static Suite *
hosted_ledger_suite (void)
{
  Suite *suite = suite_create ("hosted-ledger");
  TCase *tc = tcase_create ("hosted-ledger");

  tcase_add_unchecked_fixture (tc, fixture_setup, fixture_teardown);
  /* An append in the race takes seconds on 2 busy cores, more as the
   * ledger grows (8.6 s each for 12 at a load of 25, 14 s by the 60th). */
  tcase_set_timeout (tc, 300 + (writer_appends () > WRITER_APPENDS_DEFAULT ? 40 : 20) * writer_appends ());
  tcase_add_test (tc, test_https_sync_remembered_and_plain_git);
  tcase_add_test (tc, test_ssh_sync_key_file_and_agent);
  tcase_add_test (tc, test_https_wrong_password);
  tcase_add_test (tc, test_tls_certificate_of_another_name);
  tcase_add_test (tc, test_tls_certificate_of_another_ca);
  tcase_add_test (tc, test_ssh_wrong_key);
  tcase_add_test (tc, test_ssh_unknown_or_changed_host_key);
  tcase_add_test (tc, test_server_down);
  tcase_add_test (tc, test_not_a_ledger);
  tcase_add_test (tc, test_hook_install_errors);
  tcase_add_test (tc, test_hook_refuses_plain_git);
  tcase_add_test (tc, test_hook_with_chain_sync);
  tcase_add_test (tc, test_checkpoints_show_split_view);
  tcase_add_test (tc, test_hook_leaves_a_lost_race_to_git);
  tcase_add_test (tc, test_hook_state_cache);
  tcase_add_test (tc, test_many_writers_at_once);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (hosted_ledger_suite ());
}
