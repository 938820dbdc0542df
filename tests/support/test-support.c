/* test-support.c — fixtures and helpers shared by the Check suites */
#include "test-support.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>

#define TEST_PASSPHRASE "correct horse battery staple"

int
test_support_run_suite (Suite *suite)
{
  SRunner *runner = srunner_create (suite);
  int failed;

  srunner_run_all (runner, CK_ENV);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *
test_support_tmpdir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("libchain-test-XXXXXX", &error);

  ck_assert_msg (path != NULL, "mkdtemp: %s", error ? error->message : "?");
  return path;
}

static void
remove_recursively (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL
         && g_file_enumerator_iterate (children, &info, NULL, NULL, NULL)
         && info != NULL)
    {
      g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));
      remove_recursively (child);
    }
  g_file_delete (file, NULL, NULL);
}

void
test_support_tmpdir_remove (const char *path)
{
  g_autoptr(GFile) dir = NULL;

  if (path == NULL || g_getenv ("LIBCHAIN_TEST_KEEP") != NULL)
    return;
  dir = g_file_new_for_path (path);
  remove_recursively (dir);
}

ChainSecret *
test_support_passphrase (void)
{
  return chain_secret_new (TEST_PASSPHRASE, strlen (TEST_PASSPHRASE));
}

void
test_support_write_file (const char *path, const void *data, gsize len)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (g_file_set_contents (path, data, (gssize) len, &error),
                 "writing %s: %s", path, error ? error->message : "?");
}

int
test_support_run (const char *const *argv,
                  const char        *stdin_data,
                  char             **out_stdout,
                  char             **out_stderr)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;

  if (stdin_data != NULL)
    {
      flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
      input = g_bytes_new (stdin_data, strlen (stdin_data));
    }
  process = g_subprocess_newv (argv, flags, &error);
  if (process == NULL)
    {
      if (out_stderr != NULL)
        *out_stderr = g_strdup (error->message);
      if (out_stdout != NULL)
        *out_stdout = g_strdup ("");
      return -1;
    }
  ck_assert_msg (g_subprocess_communicate (process, input, NULL, &out, &err, &error),
                 "running %s: %s", argv[0], error ? error->message : "?");
  if (out_stdout != NULL)
    *out_stdout = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  if (out_stderr != NULL)
    *out_stderr = g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err));
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

void
test_support_assert_error (GError **error, int code, const char *file, int line)
{
  ck_assert_msg (*error != NULL, "%s:%d: expected an error with code %d, got none",
                 file, line, code);
  ck_assert_msg ((*error)->domain == CHAIN_ERROR && (*error)->code == code,
                 "%s:%d: expected code %d, got %s %d: %s", file, line, code,
                 g_quark_to_string ((*error)->domain), (*error)->code, (*error)->message);
  ck_assert_msg (strchr ((*error)->message, '\n') == NULL,
                 "%s:%d: error message must be one line: %s", file, line, (*error)->message);
  g_clear_error (error);
}

void
test_support_assert_no_error (GError *error, const char *file, int line)
{
  ck_assert_msg (error == NULL, "%s:%d: unexpected error: %s", file, line,
                 error ? error->message : "");
}
