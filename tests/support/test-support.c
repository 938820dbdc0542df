/* test-support.c — fixtures and helpers shared by the Check suites */
#include "test-support.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* g_spawn_sync rather than GSubprocess: Check forks each test, and a
 * GSubprocess made before the fork (in an unchecked fixture) leaves the
 * children waiting on a reaper thread that only the parent has. */
int
test_support_run (const char *const *argv,
                  const char        *stdin_data,
                  char             **out_stdout,
                  char             **out_stderr)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *input_path = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  int wait_status = 0;
  gboolean ran;

  /* g_spawn_sync cannot feed stdin, so a shell redirects it from a file. */
  if (stdin_data != NULL)
    {
      int fd = g_file_open_tmp ("test-stdin-XXXXXX", &input_path, &error);

      ck_assert_msg (fd >= 0, "stdin file: %s", error ? error->message : "?");
      close (fd);
      test_support_write_file (input_path, stdin_data, strlen (stdin_data));
      g_ptr_array_add (args, (char *) "/bin/sh");
      g_ptr_array_add (args, (char *) "-c");
      g_ptr_array_add (args, (char *) "exec \"$0\" \"$@\" < \"$CHAIN_TEST_STDIN\"");
    }
  for (gsize i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (char *) argv[i]);
  g_ptr_array_add (args, NULL);

  if (input_path != NULL)
    g_setenv ("CHAIN_TEST_STDIN", input_path, TRUE);
  ran = g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &out, &err, &wait_status, &error);
  if (input_path != NULL)
    {
      g_unsetenv ("CHAIN_TEST_STDIN");
      g_unlink (input_path);
    }
  if (out_stdout != NULL)
    *out_stdout = g_strdup (ran ? out : "");
  if (out_stderr != NULL)
    *out_stderr = g_strdup (ran ? err : error->message);
  if (!ran || !WIFEXITED (wait_status))
    return -1;
  return WEXITSTATUS (wait_status);
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
