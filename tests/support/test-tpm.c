/* test-tpm.c — a software TPM (swtpm) for the suites, with or without tpm2-abrmd */
#include "test-tpm.h"

#include <glib/gstdio.h>
#include <unistd.h>

#define ABRMD_WAIT_STEPS 200   /* of 50 ms: how long abrmd may take to answer */

struct TestTpm {
  char       *dir;
  int         port;        /* the TPM command channel */
  int         ctrl_port;   /* swtpm's control channel */
  TestDaemon *swtpm;
  TestDaemon *bus;         /* a D-Bus session bus for abrmd, or NULL */
  TestDaemon *abrmd;       /* or NULL: clients reach swtpm straight */
  char       *bus_address;
  char       *tcti;
  GStrv       env;
};

static void
update_env (TestTpm *self)
{
  GPtrArray *env = g_ptr_array_new ();

  g_free (self->tcti);
  if (self->abrmd != NULL)
    self->tcti = g_strdup ("tabrmd:bus_type=session");
  else
    self->tcti = g_strdup_printf ("swtpm:host=127.0.0.1,port=%d", self->port);
  g_ptr_array_add (env, g_strdup_printf ("TPM2OPENSSL_TCTI=%s", self->tcti));
  g_ptr_array_add (env, g_strdup_printf ("TPM2TOOLS_TCTI=%s", self->tcti));
  if (self->bus_address != NULL)
    g_ptr_array_add (env, g_strdup_printf ("DBUS_SESSION_BUS_ADDRESS=%s", self->bus_address));
  g_strfreev (self->env);
  g_ptr_array_add (env, NULL);
  self->env = (GStrv) g_ptr_array_free (env, FALSE);
}

/* Starts swtpm on self->port and the one above it; FALSE when it exited
 * first (another process took a port between our pick and its bind). */
static gboolean
start_swtpm_on_port (TestTpm *self)
{
  g_autofree char *state = g_build_filename (self->dir, "state", NULL);
  g_autofree char *tpmstate = g_strdup_printf ("dir=%s", state);
  g_autofree char *server = NULL;
  g_autofree char *ctrl = NULL;
  g_autofree char *log = g_build_filename (self->dir, "swtpm.log", NULL);

  self->ctrl_port = self->port + 1;
  server = g_strdup_printf ("type=tcp,port=%d,bindaddr=127.0.0.1", self->port);
  ctrl = g_strdup_printf ("type=tcp,port=%d,bindaddr=127.0.0.1", self->ctrl_port);
  /* Powered on and TPM2_Startup done, as firmware leaves a real TPM. */
  self->swtpm = test_daemon_start ("swtpm",
                                   (const char *const[]) { "swtpm", "socket", "--tpm2", "--tpmstate", tpmstate,
                                                           "--server", server, "--ctrl", ctrl,
                                                           "--flags", "not-need-init,startup-clear", NULL },
                                   NULL, log);
  if (test_daemon_try_wait_port (self->swtpm, self->port))
    return TRUE;
  g_clear_pointer (&self->swtpm, test_daemon_stop);
  return FALSE;
}

static gboolean
try_start_swtpm (TestTpm *self)
{
  /* The swtpm TCTI finds the control channel at the next port up. */
  do
    self->port = test_daemon_free_port ();
  while (self->port >= 65535 || test_daemon_port_open (self->port + 1));
  return start_swtpm_on_port (self);
}

/* Starts swtpm in @self's directory, whose state/ exists. */
static TestTpm *
start_in (TestTpm *self)
{
  g_autofree char *log = NULL;
  gboolean started = FALSE;

  for (int attempt = 0; attempt < 5 && !started; attempt++)
    started = try_start_swtpm (self);
  log = g_build_filename (self->dir, "swtpm.log", NULL);
  if (!started)
    {
      g_autofree char *text = NULL;

      g_file_get_contents (log, &text, NULL, NULL);
      ck_abort_msg ("swtpm did not start in 5 attempts: %s", text != NULL ? text : "(no log)");
    }
  update_env (self);
  return self;
}

static TestTpm *
tpm_new (void)
{
  TestTpm *self = g_new0 (TestTpm, 1);
  g_autofree char *state = NULL;

  self->dir = test_support_tmpdir_new ();
  state = g_build_filename (self->dir, "state", NULL);
  ck_assert_int_eq (g_mkdir (state, 0700), 0);
  return self;
}

TestTpm *
test_tpm_start (void)
{
  return start_in (tpm_new ());
}

static void
write_text (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  test_support_write_file (path, text, strlen (text));
}

TestTpm *
test_tpm_start_with_ek (void)
{
  TestTpm *self = tpm_new ();
  g_autofree char *state = g_build_filename (self->dir, "state", NULL);
  g_autofree char *ca = g_build_filename (self->dir, "localca", NULL);
  g_autofree char *setup_conf = NULL;
  g_autofree char *localca_conf = NULL;
  g_autofree char *err = NULL;
  int status;

  /* swtpm_localca keeps its CA where its config says: here, not in
   * /var/lib/swtpm-localca. */
  ck_assert_int_eq (g_mkdir (ca, 0700), 0);
  localca_conf = g_strdup_printf ("statedir = %s\nsigningkey = %s/signkey.pem\nissuercert = %s/issuercert.pem\n"
                                  "certserial = %s/certserial\n", ca, ca, ca, ca);
  write_text (self->dir, "localca.conf", localca_conf);
  write_text (self->dir, "localca.options", "--platform-manufacturer libchain-tests\n--platform-version 1\n"
                                            "--platform-model swtpm\n");
  setup_conf = g_strdup_printf ("create_certs_tool = swtpm_localca\ncreate_certs_tool_config = %s/localca.conf\n"
                                "create_certs_tool_options = %s/localca.options\nactive_pcr_banks = sha256\n",
                                self->dir, self->dir);
  write_text (self->dir, "swtpm_setup.conf", setup_conf);
  {
    g_autofree char *conf = g_build_filename (self->dir, "swtpm_setup.conf", NULL);

    status = test_support_run ((const char *const[]) { "swtpm_setup", "--tpm2", "--tpmstate", state, "--config", conf,
                                                       "--create-ek-cert", "--create-platform-cert", "--overwrite",
                                                       NULL }, NULL, NULL, &err);
  }
  ck_assert_msg (status == 0, "swtpm_setup exited %d: %s", status, err);
  return start_in (self);
}

char *
test_tpm_dup_ek_issuer_path (TestTpm *self)
{
  return g_build_filename (self->dir, "localca", "issuercert.pem", NULL);
}

void
test_tpm_start_abrmd (TestTpm *self)
{
  g_autofree char *socket = g_build_filename (self->dir, "bus", NULL);
  g_autofree char *address = g_strdup_printf ("--address=unix:path=%s", socket);
  g_autofree char *bus_env = NULL;
  g_autofree char *swtpm_tcti = g_strdup_printf ("--tcti=swtpm:host=127.0.0.1,port=%d", self->port);
  g_autofree char *bus_log = g_build_filename (self->dir, "dbus.log", NULL);
  g_autofree char *abrmd_log = g_build_filename (self->dir, "abrmd.log", NULL);
  g_autofree char *err = NULL;
  int status = -1;

  ck_assert_msg (self->abrmd == NULL, "tpm2-abrmd is already running");
  self->bus = test_daemon_start ("dbus-daemon",
                                 (const char *const[]) { "dbus-daemon", "--session", "--nofork", "--nopidfile",
                                                         address, NULL },
                                 NULL, bus_log);
  test_daemon_wait_path (self->bus, socket);
  self->bus_address = g_strdup_printf ("unix:path=%s", socket);
  bus_env = g_strdup_printf ("DBUS_SESSION_BUS_ADDRESS=%s", self->bus_address);
  /* --allow-root: the suites may run as root (CI containers do). */
  self->abrmd = test_daemon_start ("tpm2-abrmd",
                                   (const char *const[]) { "tpm2-abrmd", "--session", swtpm_tcti, "--flush-all",
                                                           getuid () == 0 ? "--allow-root" : NULL, NULL },
                                   (const char *const[]) { bus_env, NULL }, abrmd_log);
  update_env (self);

  /* abrmd takes its bus name once it has the TPM: ask the TPM through it. */
  for (int i = 0; i < ABRMD_WAIT_STEPS && status != 0 && test_daemon_is_running (self->abrmd); i++)
    {
      g_clear_pointer (&err, g_free);
      status = test_cli_spawn (NULL, test_tpm_get_env (self), NULL,
                               (const char *const[]) { "tpm2_getrandom", "--hex", "8", NULL }, NULL, &err);
      if (status != 0)
        g_usleep (50 * 1000);
    }
  if (status != 0)
    {
      g_autofree char *log = test_daemon_dup_log (self->abrmd);

      ck_abort_msg ("tpm2-abrmd does not answer: %s; its log: %s", err, log);
    }
}

void
test_tpm_stop_abrmd (TestTpm *self)
{
  g_clear_pointer (&self->abrmd, test_daemon_stop);
  g_clear_pointer (&self->bus, test_daemon_stop);
  g_clear_pointer (&self->bus_address, g_free);
  update_env (self);
}

void
test_tpm_power_off (TestTpm *self)
{
  ck_assert_msg (self->abrmd == NULL, "stop tpm2-abrmd before the TPM");
  g_clear_pointer (&self->swtpm, test_daemon_stop);
}

void
test_tpm_power_on (TestTpm *self)
{
  gboolean started = FALSE;

  ck_assert_msg (self->swtpm == NULL, "the TPM is running already");
  /* The port was ours a moment ago; a few tries ride out its release. */
  for (int attempt = 0; attempt < 5 && !started; attempt++)
    {
      started = start_swtpm_on_port (self);
      if (!started)
        g_usleep (200 * 1000);
    }
  ck_assert_msg (started, "swtpm did not start again on port %d", self->port);
}

const char *
test_tpm_get_tcti (TestTpm *self)
{
  return self->tcti;
}

const char *const *
test_tpm_get_env (TestTpm *self)
{
  return (const char *const *) self->env;
}

const char *
test_tpm_get_dir (TestTpm *self)
{
  return self->dir;
}

void
test_tpm_free (TestTpm *self)
{
  if (self == NULL)
    return;
  test_daemon_stop (self->abrmd);
  test_daemon_stop (self->bus);
  test_daemon_stop (self->swtpm);
  test_support_tmpdir_remove (self->dir);
  g_free (self->dir);
  g_free (self->bus_address);
  g_free (self->tcti);
  g_strfreev (self->env);
  g_free (self);
}
