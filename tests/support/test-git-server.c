/* test-git-server.c — a hosted git server for the suites: HTTPS and SSH */
#include "test-git-server.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define HTTP_BACKEND "/usr/lib/git-core/git-http-backend"

struct TestGitServer {
  char       *dir;
  char       *repos;
  char       *ca_file;
  char       *foreign_ca_file;
  char       *user_key;
  char       *stranger_key;
  char       *askpass;
  char       *known_hosts_line;
  char       *known_hosts_file;
  GStrv       git_env;
  int         https_port;
  int         ssh_port;
  TestDaemon *fcgiwrap;
  TestDaemon *nginx;
  TestDaemon *sshd;
};

static char *
path_in (TestGitServer *self,
         const char    *name)
{
  return g_build_filename (self->dir, name, NULL);
}

static void
run_ok (const char *const *argv,
        const char        *stdin_path)
{
  g_autofree char *err = NULL;
  int status = test_cli_spawn (NULL, NULL, stdin_path, argv, NULL, &err);

  ck_assert_msg (status == 0, "%s exited %d: %s", argv[0], status, err);
}

/* A CA (key and self-signed certificate) named @cn. */
static void
make_ca (const char *key,
         const char *cert,
         const char *cn)
{
  g_autofree char *subject = g_strdup_printf ("/CN=%s", cn);

  run_ok ((const char *const[]) { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                  "-nodes", "-keyout", key, "-out", cert, "-subj", subject, "-days", "2",
                                  "-addext", "basicConstraints=critical,CA:TRUE",
                                  "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL }, NULL);
}

static void
make_server_certificate (TestGitServer *self)
{
  g_autofree char *ca_key = path_in (self, "ca.key");
  g_autofree char *foreign_key = path_in (self, "foreign-ca.key");
  g_autofree char *key = path_in (self, "server.key");
  g_autofree char *csr = path_in (self, "server.csr");
  g_autofree char *cert = path_in (self, "server.pem");
  g_autofree char *ext = path_in (self, "server.ext");
  static const char server_ext[] = "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                                   "subjectAltName=IP:127.0.0.1\n";

  make_ca (ca_key, self->ca_file, "Test Git Host CA");
  make_ca (foreign_key, self->foreign_ca_file, "Unrelated CA");
  test_support_write_file (ext, server_ext, strlen (server_ext));
  run_ok ((const char *const[]) { "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                  "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1", NULL }, NULL);
  run_ok ((const char *const[]) { "openssl", "x509", "-req", "-in", csr, "-CA", self->ca_file, "-CAkey", ca_key,
                                  "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert, NULL }, NULL);
}

static void
make_ssh_keys (TestGitServer *self)
{
  g_autofree char *host_key = path_in (self, "ssh_host_ed25519_key");
  g_autofree char *host_pub = path_in (self, "ssh_host_ed25519_key.pub");
  g_autofree char *user_pub = g_strdup_printf ("%s.pub", self->user_key);
  g_autofree char *authorized = path_in (self, "authorized_keys");
  g_autofree char *pub_text = NULL;
  g_autofree char *host_text = NULL;
  g_auto(GStrv) host_fields = NULL;

  run_ok ((const char *const[]) { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", host_key, NULL }, NULL);
  run_ok ((const char *const[]) { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "custodian", "-f",
                                  self->user_key, NULL }, NULL);
  run_ok ((const char *const[]) { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "stranger", "-f",
                                  self->stranger_key, NULL }, NULL);
  pub_text = test_cli_read_file (user_pub, NULL);
  test_support_write_file (authorized, pub_text, strlen (pub_text));
  host_text = test_cli_read_file (host_pub, NULL);
  host_fields = g_strsplit (g_strstrip (host_text), " ", 3);
  ck_assert_uint_ge (g_strv_length (host_fields), 2);
  self->ssh_port = test_daemon_free_port ();
  self->known_hosts_line = g_strdup_printf ("[127.0.0.1]:%d %s %s", self->ssh_port, host_fields[0], host_fields[1]);
  self->known_hosts_file = path_in (self, "known_hosts");
  {
    g_autofree char *line = g_strdup_printf ("%s\n", self->known_hosts_line);

    test_support_write_file (self->known_hosts_file, line, strlen (line));
  }
}

static void
make_htpasswd (TestGitServer *self)
{
  g_autofree char *htpasswd = path_in (self, "htpasswd");
  g_autofree char *password = path_in (self, "password.txt");

  /* htpasswd -i reads the password from stdin, not argv. */
  test_support_write_file (password, TEST_GIT_SERVER_PASSWORD "\n", strlen (TEST_GIT_SERVER_PASSWORD) + 1);
  run_ok ((const char *const[]) { "htpasswd", "-c", "-i", htpasswd, TEST_GIT_SERVER_USER, NULL }, password);
  g_unlink (password);
}

static void
make_askpass (TestGitServer *self)
{
  static const char script[] =
    "#!/bin/sh\n"
    "case \"$1\" in\n"
    "  Username*) echo " TEST_GIT_SERVER_USER " ;;\n"
    "  *) echo \"${TEST_GIT_PASSWORD:-" TEST_GIT_SERVER_PASSWORD "}\" ;;\n"
    "esac\n";

  self->askpass = path_in (self, "askpass.sh");
  test_support_write_file (self->askpass, script, strlen (script));
  ck_assert_int_eq (g_chmod (self->askpass, 0700), 0);
}

TestGitServer *
test_git_server_new (void)
{
  TestGitServer *self = g_new0 (TestGitServer, 1);
  GPtrArray *env = g_ptr_array_new ();

  self->dir = test_support_tmpdir_new ();
  self->repos = path_in (self, "repos");
  ck_assert_int_eq (g_mkdir (self->repos, 0700), 0);
  self->ca_file = path_in (self, "ca.pem");
  self->foreign_ca_file = path_in (self, "foreign-ca.pem");
  self->user_key = path_in (self, "id_custodian");
  self->stranger_key = path_in (self, "id_stranger");
  make_server_certificate (self);
  make_ssh_keys (self);
  make_htpasswd (self);
  make_askpass (self);

  g_ptr_array_add (env, g_strdup_printf ("GIT_SSL_CAINFO=%s", self->ca_file));
  g_ptr_array_add (env, g_strdup_printf ("GIT_ASKPASS=%s", self->askpass));
  g_ptr_array_add (env, g_strdup_printf ("GIT_SSH_COMMAND=ssh -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s "
                                         "-o BatchMode=yes", self->user_key, self->known_hosts_file));
  g_ptr_array_add (env, NULL);
  self->git_env = (GStrv) g_ptr_array_free (env, FALSE);
  return self;
}

void
test_git_server_start_https (TestGitServer *self)
{
  g_autofree char *conf_path = path_in (self, "nginx.conf");
  g_autofree char *socket = path_in (self, "fcgiwrap.sock");
  g_autofree char *socket_arg = g_strdup_printf ("unix:%s", socket);
  g_autofree char *temp = path_in (self, "nginx-temp");
  g_autofree char *error_log = path_in (self, "nginx-error.log");
  g_autofree char *fcgi_log = path_in (self, "fcgiwrap.log");
  g_autofree char *nginx_log = path_in (self, "nginx.log");
  g_autoptr(GString) conf = g_string_new (NULL);

  ck_assert_msg (g_file_test (HTTP_BACKEND, G_FILE_TEST_IS_EXECUTABLE), "no %s (git)", HTTP_BACKEND);
  ck_assert_int_eq (g_mkdir_with_parents (temp, 0700), 0);
  self->fcgiwrap = test_daemon_start ("fcgiwrap", (const char *const[]) { "fcgiwrap", "-s", socket_arg, NULL },
                                      NULL, fcgi_log);
  test_daemon_wait_path (self->fcgiwrap, socket);

  self->https_port = test_daemon_free_port ();
  g_string_append_printf (conf,
                          "daemon off;\n"
                          "master_process off;\n"
                          "pid %s/nginx.pid;\n"
                          "error_log %s info;\n"
                          "events { worker_connections 64; }\n"
                          "http {\n"
                          "  access_log %s/nginx-access.log;\n"
                          "  client_body_temp_path %s/body;\n"
                          "  fastcgi_temp_path %s/fastcgi;\n"
                          "  proxy_temp_path %s/proxy;\n"
                          "  uwsgi_temp_path %s/uwsgi;\n"
                          "  scgi_temp_path %s/scgi;\n"
                          "  server {\n"
                          "    listen 127.0.0.1:%d ssl;\n"
                          "    ssl_certificate %s/server.pem;\n"
                          "    ssl_certificate_key %s/server.key;\n"
                          "    client_max_body_size 0;\n"
                          "    location / {\n"
                          "      auth_basic \"ledgers\";\n"
                          "      auth_basic_user_file %s/htpasswd;\n"
                          "      include /etc/nginx/fastcgi_params;\n"
                          "      fastcgi_pass unix:%s;\n"
                          "      fastcgi_param SCRIPT_FILENAME " HTTP_BACKEND ";\n"
                          "      fastcgi_param GIT_PROJECT_ROOT %s;\n"
                          "      fastcgi_param GIT_HTTP_EXPORT_ALL \"\";\n"
                          "      fastcgi_param PATH_INFO $uri;\n"
                          "      fastcgi_param REMOTE_USER $remote_user;\n"
                          "    }\n"
                          "  }\n"
                          "}\n",
                          self->dir, error_log, self->dir, temp, temp, temp, temp, temp, self->https_port,
                          self->dir, self->dir, self->dir, socket, self->repos);
  test_support_write_file (conf_path, conf->str, conf->len);
  self->nginx = test_daemon_start ("nginx",
                                   (const char *const[]) { g_file_test ("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE)
                                                           ? "/usr/sbin/nginx" : "nginx",
                                                           "-p", self->dir, "-c", conf_path, "-e", error_log, NULL },
                                   NULL, nginx_log);
  test_daemon_wait_port (self->nginx, self->https_port);
}

void
test_git_server_start_ssh (TestGitServer *self)
{
  g_autofree char *conf_path = path_in (self, "sshd_config");
  g_autofree char *log = path_in (self, "sshd.log");
  g_autoptr(GString) conf = g_string_new (NULL);

  /* sshd wants its privilege separation directory even for a test. */
  if (!g_file_test ("/run/sshd", G_FILE_TEST_IS_DIR) && getuid () == 0)
    ck_assert_msg (g_mkdir_with_parents ("/run/sshd", 0755) == 0, "mkdir /run/sshd: %s", g_strerror (errno));
  g_string_append_printf (conf,
                          "Port %d\n"
                          "ListenAddress 127.0.0.1\n"
                          "HostKey %s/ssh_host_ed25519_key\n"
                          "PidFile none\n"
                          "AuthorizedKeysFile %s/authorized_keys\n"
                          "StrictModes no\n"
                          "PubkeyAuthentication yes\n"
                          "PasswordAuthentication no\n"
                          "KbdInteractiveAuthentication no\n"
                          "UsePAM no\n"
                          "PermitRootLogin prohibit-password\n",
                          self->ssh_port, self->dir, self->dir);
  test_support_write_file (conf_path, conf->str, conf->len);
  self->sshd = test_daemon_start ("sshd", (const char *const[]) { "/usr/sbin/sshd", "-D", "-e", "-f", conf_path, NULL },
                                  NULL, log);
  test_daemon_wait_port (self->sshd, self->ssh_port);
}

char *
test_git_server_init_repo (TestGitServer *self,
                           const char    *name)
{
  g_autofree char *base = g_strdup_printf ("%s.git", name);
  char *path = g_build_filename (self->repos, base, NULL);

  run_ok ((const char *const[]) { "git", "init", "-q", "--bare", "-b", "main", path, NULL }, NULL);
  return path;
}

char *
test_git_server_https_url (TestGitServer *self,
                           const char    *host,
                           const char    *name)
{
  return g_strdup_printf ("https://%s:%d/%s.git", host, self->https_port, name);
}

char *
test_git_server_ssh_url (TestGitServer *self,
                         const char    *name)
{
  return g_strdup_printf ("ssh://%s@127.0.0.1:%d%s/%s.git", g_get_user_name (), self->ssh_port, self->repos, name);
}

const char *
test_git_server_get_ca_file (TestGitServer *self)
{
  return self->ca_file;
}

const char *
test_git_server_get_foreign_ca_file (TestGitServer *self)
{
  return self->foreign_ca_file;
}

const char *
test_git_server_get_user_key (TestGitServer *self)
{
  return self->user_key;
}

const char *
test_git_server_get_stranger_key (TestGitServer *self)
{
  return self->stranger_key;
}

const char *
test_git_server_get_askpass (TestGitServer *self)
{
  return self->askpass;
}

const char *
test_git_server_get_known_hosts_line (TestGitServer *self)
{
  return self->known_hosts_line;
}

char *
test_git_server_new_home (TestGitServer *self,
                          const char    *known_hosts)
{
  g_autofree char *homes = g_build_filename (self->dir, "homes", NULL);
  char *home = g_build_filename (homes, "home-XXXXXX", NULL);
  g_autofree char *ssh_dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *text = g_strdup_printf ("%s\n", known_hosts != NULL ? known_hosts : self->known_hosts_line);

  /* Unique: forked tests each make their own. */
  ck_assert_int_eq (g_mkdir_with_parents (homes, 0700), 0);
  ck_assert_ptr_nonnull (g_mkdtemp (home));
  ssh_dir = g_build_filename (home, ".ssh", NULL);
  file = g_build_filename (ssh_dir, "known_hosts", NULL);
  ck_assert_int_eq (g_mkdir (ssh_dir, 0700), 0);
  test_support_write_file (file, text, strlen (text));
  return home;
}

const char *const *
test_git_server_get_git_env (TestGitServer *self)
{
  return (const char *const *) self->git_env;
}

void
test_git_server_free (TestGitServer *self)
{
  if (self == NULL)
    return;
  test_daemon_stop (self->nginx);
  test_daemon_stop (self->fcgiwrap);
  test_daemon_stop (self->sshd);
  test_support_tmpdir_remove (self->dir);
  g_free (self->dir);
  g_free (self->repos);
  g_free (self->ca_file);
  g_free (self->foreign_ca_file);
  g_free (self->user_key);
  g_free (self->stranger_key);
  g_free (self->askpass);
  g_free (self->known_hosts_line);
  g_free (self->known_hosts_file);
  g_strfreev (self->git_env);
  g_free (self);
}
