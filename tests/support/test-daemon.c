/* test-daemon.c — servers the suites start on loopback and stop again */
#include "test-daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_STEP_MS   25
#define START_WAIT_MS  20000   /* how long a daemon may take to be ready */
#define STOP_WAIT_MS   5000    /* how long it may take to exit on SIGTERM */

struct TestDaemon {
  char *name;
  char *log_path;
  GPid  pid;      /* 0 once reaped */
  int   status;   /* its wait status once reaped */
};

int
test_daemon_free_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  int port;

  ck_assert_int_ge (fd, 0);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ck_assert_int_eq (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
  ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

gboolean
test_daemon_port_open (int port)
{
  struct sockaddr_in addr = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean open;

  if (fd < 0)
    return FALSE;
  addr.sin_family = AF_INET;
  addr.sin_port = htons ((guint16) port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  open = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
  close (fd);
  return open;
}

/* The daemon dies with the process that started it, even when a check
 * fails and nobody calls test_daemon_stop(). */
static void
die_with_parent (gpointer user_data)
{
  (void) user_data;
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

TestDaemon *
test_daemon_start (const char        *name,
                   const char *const *argv,
                   const char *const *env,
                   const char        *log_path)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  TestDaemon *self = g_new0 (TestDaemon, 1);
  int log_fd;
  gboolean started;

  for (gsize i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *eq = strchr (env[i], '=');

      if (eq == NULL)
        envp = g_environ_unsetenv (envp, env[i]);
      else
        {
          g_autofree char *var = g_strndup (env[i], (gsize) (eq - env[i]));

          envp = g_environ_setenv (envp, var, eq + 1, TRUE);
        }
    }
  self->name = g_strdup (name);
  self->log_path = g_strdup (log_path);
  log_fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ck_assert_msg (log_fd >= 0, "%s: cannot open %s: %s", name, log_path, g_strerror (errno));
  started = g_spawn_async_with_fds (NULL, (char **) argv, envp,
                                    G_SPAWN_DO_NOT_REAP_CHILD | (argv[0][0] == '/' ? 0 : G_SPAWN_SEARCH_PATH),
                                    die_with_parent, NULL, &self->pid, -1, log_fd, log_fd, &error);
  close (log_fd);
  ck_assert_msg (started, "cannot start %s: %s", name, error != NULL ? error->message : "?");
  return self;
}

/* Reaps the daemon if it has exited; TRUE while it runs. */
gboolean
test_daemon_is_running (TestDaemon *self)
{
  if (self->pid == 0)
    return FALSE;
  if (waitpid (self->pid, &self->status, WNOHANG) == self->pid)
    {
      g_spawn_close_pid (self->pid);
      self->pid = 0;
      return FALSE;
    }
  return TRUE;
}

char *
test_daemon_dup_log (TestDaemon *self)
{
  char *log = NULL;

  if (!g_file_get_contents (self->log_path, &log, NULL, NULL))
    return g_strdup ("(no log)");
  return log;
}

typedef gboolean (*ReadyFunc) (gconstpointer what);

static gboolean
port_ready (gconstpointer what)
{
  return test_daemon_port_open (GPOINTER_TO_INT (what));
}

static gboolean
path_ready (gconstpointer what)
{
  return g_file_test (what, G_FILE_TEST_EXISTS);
}

/* FALSE when the daemon exited before it was ready; fails the test when
 * it is still not ready when the time is up. */
static gboolean
try_wait_ready (TestDaemon   *self,
                ReadyFunc     ready,
                gconstpointer what,
                const char   *description)
{
  for (int waited = 0; waited < START_WAIT_MS; waited += WAIT_STEP_MS)
    {
      if (ready (what))
        return TRUE;
      if (!test_daemon_is_running (self))
        return FALSE;
      g_usleep (WAIT_STEP_MS * 1000);
    }
  {
    g_autofree char *log = test_daemon_dup_log (self);

    ck_abort_msg ("%s is not ready (%s) after %d ms: %s", self->name, description, START_WAIT_MS, log);
  }
  return FALSE;
}

static void
wait_ready (TestDaemon   *self,
            ReadyFunc     ready,
            gconstpointer what,
            const char   *description)
{
  if (!try_wait_ready (self, ready, what, description))
    {
      g_autofree char *log = test_daemon_dup_log (self);

      ck_abort_msg ("%s exited (wait status %d) before %s: %s", self->name, self->status, description, log);
    }
}

gboolean
test_daemon_try_wait_port (TestDaemon *self,
                           int         port)
{
  g_autofree char *description = g_strdup_printf ("listening on port %d", port);

  return try_wait_ready (self, port_ready, GINT_TO_POINTER (port), description);
}

void
test_daemon_wait_port (TestDaemon *self,
                       int         port)
{
  g_autofree char *description = g_strdup_printf ("listening on port %d", port);

  wait_ready (self, port_ready, GINT_TO_POINTER (port), description);
}

void
test_daemon_wait_path (TestDaemon *self,
                       const char *path)
{
  g_autofree char *description = g_strdup_printf ("making %s", path);

  wait_ready (self, path_ready, path, description);
}

void
test_daemon_stop (TestDaemon *self)
{
  if (self == NULL)
    return;
  if (test_daemon_is_running (self))
    {
      kill (self->pid, SIGTERM);
      for (int waited = 0; waited < STOP_WAIT_MS && test_daemon_is_running (self); waited += WAIT_STEP_MS)
        g_usleep (WAIT_STEP_MS * 1000);
      if (test_daemon_is_running (self))
        {
          kill (self->pid, SIGKILL);
          waitpid (self->pid, &self->status, 0);
          g_spawn_close_pid (self->pid);
          self->pid = 0;
        }
    }
  g_free (self->name);
  g_free (self->log_path);
  g_free (self);
}
