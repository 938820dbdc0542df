/* test-secret.c — secrets from memory, files, the environment, a terminal */
#include "test-support.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define ENV_NAME "LIBCHAIN_TEST_SECRET"

static char *tmpdir;

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

/* Helpers */

static void
assert_message_contains (const GError *error,
                         const char   *needle)
{
  ck_assert_msg (error != NULL, "expected an error containing “%s”", needle);
  ck_assert_msg (strstr (error->message, needle) != NULL,
                 "message “%s” lacks “%s”", error->message, needle);
}

static void
assert_secret (const ChainSecret *secret,
               const void        *expected,
               gsize              expected_len)
{
  const guint8 *data;
  gsize len = 0;

  ck_assert_ptr_nonnull (secret);
  data = chain_secret_get_data (secret, &len);
  ck_assert_uint_eq (len, expected_len);
  ck_assert (memcmp (data, expected, len) == 0);
  ck_assert_int_eq (data[len], '\0');
}

static char *
private_file (const char *name,
              const void *data,
              gsize       len)
{
  char *path = g_build_filename (tmpdir, name, NULL);

  test_support_write_file (path, data, len);
  ck_assert_int_eq (g_chmod (path, 0600), 0);
  return path;
}

/* In memory */

START_TEST (test_new_copies)
{
  char data[] = "s3cret bytes";
  g_autoptr(ChainSecret) secret = chain_secret_new (data, 12);

  data[0] = 'X';
  assert_secret (secret, "s3cret bytes", 12);
}
END_TEST

START_TEST (test_new_binary_and_empty)
{
  static const guint8 binary[] = { 0x00, 0xff, 0x10 };
  g_autoptr(ChainSecret) secret = chain_secret_new (binary, sizeof binary);
  g_autoptr(ChainSecret) empty = chain_secret_new (NULL, 0);
  g_autofree guint8 *max = g_malloc0 (CHAIN_SECRET_MAX_LEN);
  g_autoptr(ChainSecret) longest = chain_secret_new (max, CHAIN_SECRET_MAX_LEN);

  assert_secret (secret, binary, sizeof binary);
  assert_secret (empty, "", 0);
  assert_secret (longest, max, CHAIN_SECRET_MAX_LEN);
}
END_TEST

START_TEST (test_free_null)
{
  chain_secret_free (NULL);
}
END_TEST

/* From a file */

static const struct
{
  const char *name;
  const char *contents;
  gsize len;
  const char *expected;   /* NULL: error */
  int code;
  const char *message;
} file_cases[] = {
  { "plain", "hunter2 horse", 13, "hunter2 horse", 0, NULL },
  { "newline", "hunter2 horse\n", 14, "hunter2 horse", 0, NULL },
  { "crlf", "hunter2 horse\r\n", 15, "hunter2 horse", 0, NULL },
  { "first-line", "first\nsecond\n", 13, "first", 0, NULL },
  { "spaces-kept", "  spaced out  \n", 15, "  spaced out  ", 0, NULL },
  { "cr-inside-kept", "a\rb\n", 4, "a\rb", 0, NULL },
  { "empty", "", 0, NULL, CHAIN_ERROR_INVALID_INPUT, "empty secret" },
  { "only-newline", "\n", 1, NULL, CHAIN_ERROR_INVALID_INPUT, "empty secret" },
  { "only-crlf", "\r\nsecond\n", 9, NULL, CHAIN_ERROR_INVALID_INPUT, "empty secret" },
  { "nul", "abc\0def\n", 8, NULL, CHAIN_ERROR_INVALID_INPUT, "NUL byte" },
};

START_TEST (test_from_file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = private_file (file_cases[_i].name, file_cases[_i].contents,
                                        file_cases[_i].len);
  g_autoptr(ChainSecret) secret = chain_secret_new_from_file (path, &error);

  if (file_cases[_i].expected != NULL)
    {
      test_assert_no_error (error);
      assert_secret (secret, file_cases[_i].expected, strlen (file_cases[_i].expected));
    }
  else
    {
      ck_assert_ptr_null (secret);
      assert_message_contains (error, file_cases[_i].message);
      assert_message_contains (error, path);
      test_assert_error (error, file_cases[_i].code);
    }
}
END_TEST

START_TEST (test_from_file_length_limit)
{
  static const struct
  {
    gsize secret_len;
    const char *ending;
    gboolean ok;
  } cases[] = {
    { CHAIN_SECRET_MAX_LEN, "", TRUE },
    { CHAIN_SECRET_MAX_LEN, "\n", TRUE },
    { CHAIN_SECRET_MAX_LEN, "\r\n", TRUE },
    { CHAIN_SECRET_MAX_LEN, "\r\nmore text after the line\n", TRUE },
    { CHAIN_SECRET_MAX_LEN + 1, "", FALSE },
    { CHAIN_SECRET_MAX_LEN + 1, "\n", FALSE },
    { CHAIN_SECRET_MAX_LEN + 1, "\r\n", FALSE },
    { 100000, "\n", FALSE },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) contents = g_string_new (NULL);
      g_autofree char *path = NULL;
      g_autoptr(ChainSecret) secret = NULL;
      gsize j;

      for (j = 0; j < cases[i].secret_len; j++)
        g_string_append_c (contents, (char) ('a' + j % 26));
      g_string_append (contents, cases[i].ending);
      path = private_file ("long", contents->str, contents->len);
      secret = chain_secret_new_from_file (path, &error);
      if (cases[i].ok)
        {
          test_assert_no_error (error);
          assert_secret (secret, contents->str, cases[i].secret_len);
        }
      else
        {
          ck_assert_ptr_null (secret);
          assert_message_contains (error, "longer than 1024 bytes");
          test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
        }
      g_unlink (path);
    }
}
END_TEST

START_TEST (test_from_file_insecure)
{
  static const unsigned modes[] = { 0644, 0640, 0604, 0660, 0606, 0610 };
  g_autofree char *path = private_file ("pass", "hunter2 horse\n", 14);
  g_autofree char *hint = g_strdup_printf ("chmod 600 %s", path);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(GError) error = NULL;

      ck_assert_int_eq (g_chmod (path, modes[i]), 0);
      ck_assert_ptr_null (chain_secret_new_from_file (path, &error));
      assert_message_contains (error, hint);
      test_assert_error (error, CHAIN_ERROR_INSECURE);
    }
  /* 0400 is fine: only the owner can read it. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ChainSecret) secret = NULL;

    ck_assert_int_eq (g_chmod (path, 0400), 0);
    secret = chain_secret_new_from_file (path, &error);
    test_assert_no_error (error);
    assert_secret (secret, "hunter2 horse", 13);
  }
}
END_TEST

START_TEST (test_from_file_missing)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "absent", NULL);

  ck_assert_ptr_null (chain_secret_new_from_file (path, &error));
  assert_message_contains (error, path);
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_from_file_directory)
{
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_null (chain_secret_new_from_file (tmpdir, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

static gpointer
fifo_writer (gpointer data)
{
  const char *path = data;
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd >= 0)
    {
      if (write (fd, "piped secret\nrest", 17) != 17)
        g_message ("short write to fifo");
      close (fd);
    }
  return NULL;
}

START_TEST (test_from_fifo)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "fifo", NULL);
  g_autoptr(ChainSecret) secret = NULL;
  GThread *writer;

  /* What a shell makes of --passphrase-file <(pass show ca). */
  ck_assert_int_eq (mkfifo (path, 0600), 0);
  writer = g_thread_new ("fifo-writer", fifo_writer, path);
  secret = chain_secret_new_from_file (path, &error);
  g_thread_join (writer);
  test_assert_no_error (error);
  assert_secret (secret, "piped secret", 12);
}
END_TEST

/* From the environment */

START_TEST (test_from_env)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) secret = NULL;

  ck_assert (g_setenv (ENV_NAME, "env secret", TRUE));
  secret = chain_secret_new_from_env (ENV_NAME, &error);
  test_assert_no_error (error);
  assert_secret (secret, "env secret", 10);
}
END_TEST

START_TEST (test_from_env_unset)
{
  g_autoptr(GError) error = NULL;

  g_unsetenv (ENV_NAME);
  ck_assert_ptr_null (chain_secret_new_from_env (ENV_NAME, &error));
  assert_message_contains (error, ENV_NAME);
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_from_env_empty)
{
  g_autoptr(GError) error = NULL;

  ck_assert (g_setenv (ENV_NAME, "", TRUE));
  ck_assert_ptr_null (chain_secret_new_from_env (ENV_NAME, &error));
  assert_message_contains (error, ENV_NAME);
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_from_env_too_long)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *longest = g_strnfill (CHAIN_SECRET_MAX_LEN, 'x');
  g_autofree char *too_long = g_strnfill (CHAIN_SECRET_MAX_LEN + 1, 'x');
  g_autoptr(ChainSecret) secret = NULL;

  ck_assert (g_setenv (ENV_NAME, too_long, TRUE));
  ck_assert_ptr_null (chain_secret_new_from_env (ENV_NAME, &error));
  assert_message_contains (error, "longer than 1024 bytes");
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  ck_assert (g_setenv (ENV_NAME, longest, TRUE));
  secret = chain_secret_new_from_env (ENV_NAME, &error);
  test_assert_no_error (error);
  assert_secret (secret, longest, CHAIN_SECRET_MAX_LEN);
}
END_TEST

/* From a terminal: a child process gets a pseudo-terminal as its
 * controlling terminal, and this side plays the user. */

enum {
  CHILD_OK = 0,
  CHILD_WRONG_SECRET = 10,
  CHILD_ECHO_NOT_RESTORED = 11,
  CHILD_NO_TTY = 12,
  /* 20 + ChainError code for an error */
  CHILD_ERROR_BASE = 20,
};

static int
child_read_terminal (const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) secret = chain_secret_new_from_terminal ("Passphrase: ", &error);
  struct termios mode;
  const guint8 *data;
  gsize len = 0;
  int fd;

  if (secret == NULL)
    return CHILD_ERROR_BASE + (error != NULL ? error->code : 9);
  data = chain_secret_get_data (secret, &len);
  if (len != strlen (expected) || memcmp (data, expected, len) != 0)
    return CHILD_WRONG_SECRET;

  fd = open ("/dev/tty", O_RDWR | O_NOCTTY);
  if (fd < 0)
    return CHILD_NO_TTY;
  if (tcgetattr (fd, &mode) != 0 || (mode.c_lflag & ECHO) == 0)
    return CHILD_ECHO_NOT_RESTORED;
  close (fd);
  return CHILD_OK;
}

/* Reads from @master until @needle shows up or the child hangs up. */
static void
read_until (int         master,
            GString    *seen,
            const char *needle)
{
  while (needle == NULL || strstr (seen->str, needle) == NULL)
    {
      char buf[256];
      ssize_t n = read (master, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break; /* EIO once the child has closed the terminal */
      g_string_append_len (seen, buf, n);
    }
}

static int
type_at_terminal (const char *typed,
                  const char *expected,
                  char      **out_screen)
{
  g_autoptr(GString) screen = g_string_new (NULL);
  int master = -1;
  int status = 0;
  pid_t pid;

  pid = forkpty (&master, NULL, NULL, NULL);
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    _exit (child_read_terminal (expected));

  /* Type only after the prompt: the echo switch flushes earlier input. */
  read_until (master, screen, "Passphrase: ");
  ck_assert_int_eq (write (master, typed, strlen (typed)), (ssize_t) strlen (typed));
  read_until (master, screen, NULL);
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  close (master);
  ck_assert (WIFEXITED (status));
  *out_screen = g_string_free (g_steal_pointer (&screen), FALSE);
  return WEXITSTATUS (status);
}

START_TEST (test_from_terminal)
{
  g_autofree char *screen = NULL;
  int status = type_at_terminal ("typed in secret\n", "typed in secret", &screen);

  ck_assert_msg (status == CHILD_OK, "child status %d, screen: %s", status, screen);
  ck_assert_msg (strstr (screen, "Passphrase: ") != NULL, "%s", screen);
  /* Echo was off: what was typed never reached the screen. */
  ck_assert_msg (strstr (screen, "typed in secret") == NULL, "echoed: %s", screen);
}
END_TEST

START_TEST (test_from_terminal_empty)
{
  g_autofree char *screen = NULL;
  int status = type_at_terminal ("\n", "", &screen);

  ck_assert_int_eq (status, CHILD_ERROR_BASE + CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_from_terminal_too_long)
{
  g_autofree char *screen = NULL;
  g_autofree char *typed = NULL;
  g_autofree char *line = g_strnfill (CHAIN_SECRET_MAX_LEN + 1, 'y');
  int status;

  typed = g_strconcat (line, "\n", NULL);
  status = type_at_terminal (typed, "", &screen);
  ck_assert_int_eq (status, CHILD_ERROR_BASE + CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_from_terminal_interrupted_restores_echo)
{
  g_autoptr(GString) screen = g_string_new (NULL);
  struct termios mode;
  int master = -1;
  int status = 0;
  pid_t pid;

  pid = forkpty (&master, NULL, NULL, NULL);
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      /* Check's runner handles SIGINT itself; a plain program does not. */
      signal (SIGINT, SIG_DFL);
      _exit (child_read_terminal ("never typed"));
    }

  read_until (master, screen, "Passphrase: ");
  /* Linux ptys share one termios: the master sees the prompt's mode. */
  ck_assert_int_eq (tcgetattr (master, &mode), 0);
  ck_assert_msg ((mode.c_lflag & ECHO) == 0, "echo is on while prompting");

  ck_assert_int_eq (kill (pid, SIGINT), 0);
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  /* The child still dies of the signal, as it would without a prompt ... */
  ck_assert (WIFSIGNALED (status));
  ck_assert_int_eq (WTERMSIG (status), SIGINT);
  /* ... but only after turning echo back on. */
  ck_assert_int_eq (tcgetattr (master, &mode), 0);
  ck_assert_msg ((mode.c_lflag & ECHO) != 0, "echo left off after SIGINT");
  close (master);
}
END_TEST

START_TEST (test_from_terminal_none)
{
  int status = 0;
  pid_t pid = fork ();

  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      g_autoptr(GError) error = NULL;
      ChainSecret *secret;

      /* A new session has no controlling terminal, as under cron. */
      if (setsid () < 0)
        _exit (1);
      secret = chain_secret_new_from_terminal ("Passphrase: ", &error);
      _exit (secret == NULL && error != NULL && error->code == CHAIN_ERROR_NOT_FOUND
             && strchr (error->message, '\n') == NULL ? 0 : 2);
    }
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert (WIFEXITED (status));
  ck_assert_int_eq (WEXITSTATUS (status), 0);
}
END_TEST

/* Random passphrases: the promised length and alphabet, and never twice
 * the same (with 186 bits, a repeat in 64 draws means a broken source). */
START_TEST (test_random)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint n = 0; n < 64; n++)
    {
      g_autoptr(ChainSecret) secret = chain_secret_new_random ();
      gsize len = 0;
      const guint8 *data = chain_secret_get_data (secret, &len);

      ck_assert_uint_eq (len, CHAIN_SECRET_RANDOM_LEN);
      for (gsize i = 0; i < len; i++)
        ck_assert_msg (g_ascii_isalnum (data[i]) && strchr ("lIO01", data[i]) == NULL,
                       "unexpected character '%c'", data[i]);
      ck_assert (g_hash_table_add (seen, g_strndup ((const char *) data, len)));
    }
}
END_TEST

static Suite *
secret_suite (void)
{
  Suite *s = suite_create ("secret");
  TCase *tc;

  tc = tcase_create ("memory");
  tcase_add_test (tc, test_new_copies);
  tcase_add_test (tc, test_new_binary_and_empty);
  tcase_add_test (tc, test_free_null);
  tcase_add_test (tc, test_random);
  suite_add_tcase (s, tc);

  tc = tcase_create ("file");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_from_file, 0, G_N_ELEMENTS (file_cases));
  tcase_add_test (tc, test_from_file_length_limit);
  tcase_add_test (tc, test_from_file_insecure);
  tcase_add_test (tc, test_from_file_missing);
  tcase_add_test (tc, test_from_file_directory);
  tcase_add_test (tc, test_from_fifo);
  suite_add_tcase (s, tc);

  tc = tcase_create ("env");
  tcase_add_test (tc, test_from_env);
  tcase_add_test (tc, test_from_env_unset);
  tcase_add_test (tc, test_from_env_empty);
  tcase_add_test (tc, test_from_env_too_long);
  suite_add_tcase (s, tc);

  tc = tcase_create ("terminal");
  tcase_add_test (tc, test_from_terminal);
  tcase_add_test (tc, test_from_terminal_empty);
  tcase_add_test (tc, test_from_terminal_too_long);
  tcase_add_test (tc, test_from_terminal_interrupted_restores_echo);
  tcase_add_test (tc, test_from_terminal_none);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  return test_support_run_suite (secret_suite ());
}
