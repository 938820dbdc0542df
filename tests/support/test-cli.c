/* test-cli.c — driving the built `chain` binary from Check suites */
#include "test-cli.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Output of a child is read whole; nothing these suites run prints more. */
#define TEST_CLI_MAX_JSON (64 * 1024 * 1024)

const char *
test_cli_bin (void)
{
  const char *bin = g_getenv ("CHAIN_BIN");

  ck_assert_msg (bin != NULL, "CHAIN_BIN is not set: run through meson test");
  return bin;
}

/* g_spawn_sync (not GSubprocess, see test_support_run()), with stdin
 * redirected by a shell since g_spawn_sync cannot feed it. */
int
test_cli_spawn (const char        *cwd,
                const char *const *env,
                const char        *stdin_path,
                const char *const *argv,
                char             **out_stdout,
                char             **out_stderr)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  int wait_status = 0;
  gboolean ran;

  for (gsize i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *eq = strchr (env[i], '=');

      if (eq == NULL)
        envp = g_environ_unsetenv (envp, env[i]);
      else
        {
          g_autofree char *name = g_strndup (env[i], (gsize) (eq - env[i]));

          envp = g_environ_setenv (envp, name, eq + 1, TRUE);
        }
    }
  envp = g_environ_setenv (envp, "TEST_CLI_STDIN", stdin_path ? stdin_path : "/dev/null", TRUE);

  g_ptr_array_add (args, (char *) "/bin/sh");
  g_ptr_array_add (args, (char *) "-c");
  g_ptr_array_add (args, (char *) "exec \"$0\" \"$@\" < \"$TEST_CLI_STDIN\"");
  for (gsize i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (char *) argv[i]);
  g_ptr_array_add (args, NULL);

  ran = g_spawn_sync (cwd, (char **) args->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                      &out, &err, &wait_status, &error);
  if (out_stdout != NULL)
    *out_stdout = g_strdup (ran ? out : "");
  if (out_stderr != NULL)
    *out_stderr = g_strdup (ran ? err : error->message);
  if (!ran || !WIFEXITED (wait_status))
    return -1;
  return WEXITSTATUS (wait_status);
}

int
test_cli_chain_env (const char        *cwd,
                    const char *const *env,
                    const char        *stdin_path,
                    const char *const *args,
                    char             **out_stdout,
                    char             **out_stderr)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GPtrArray) all_env = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) test_cli_bin ());
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_ptr_array_add (all_env, (char *) "CHAIN_PASSPHRASE=" TEST_CLI_PASSPHRASE);
  for (gsize i = 0; env != NULL && env[i] != NULL; i++)
    g_ptr_array_add (all_env, (char *) env[i]);
  g_ptr_array_add (all_env, NULL);

  return test_cli_spawn (cwd, (const char *const *) all_env->pdata, stdin_path,
                         (const char *const *) argv->pdata, out_stdout, out_stderr);
}

int
test_cli_chain (const char        *cwd,
                const char *const *args,
                char             **out_stdout,
                char             **out_stderr)
{
  return test_cli_chain_env (cwd, NULL, NULL, args, out_stdout, out_stderr);
}

char *
test_cli_chain_ok (const char        *cwd,
                   const char *const *args)
{
  g_autofree char *command = g_strjoinv (" ", (char **) args);
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = test_cli_chain (cwd, args, &out, &err);

  ck_assert_msg (status == 0, "chain %s exited %d: %s", command, status, err);
  return out;
}

void
test_cli_assert_error_line (const char *what,
                            const char *err,
                            const char *needle)
{
  const char *newline;

  ck_assert_msg (err != NULL && g_str_has_prefix (err, "chain: error: "),
                 "%s: stderr does not start with 'chain: error: ': '%s'", what, err);
  newline = strchr (err, '\n');
  ck_assert_msg (newline != NULL && newline[1] == '\0',
                 "%s: stderr is not exactly one line: '%s'", what, err);
  ck_assert_msg (newline - err > (gssize) strlen ("chain: error: "),
                 "%s: the error line is empty", what);
  if (needle != NULL)
    ck_assert_msg (strstr (err, needle) != NULL,
                   "%s: the error does not say '%s': '%s'", what, needle, err);
}

ChainJson *
test_cli_parse_json (const char *what,
                     const char *text)
{
  g_autoptr(GError) error = NULL;
  ChainJson *doc;

  ck_assert_msg (text != NULL && *text != '\0', "%s: no JSON on stdout", what);
  doc = chain_json_parse (text, strlen (text), TEST_CLI_MAX_JSON, &error);
  ck_assert_msg (doc != NULL, "%s: stdout is not one JSON document (%s): '%s'", what,
                 error ? error->message : "?", text);
  return doc;
}

static ChainJson *
json_lookup (ChainJson *doc, const char *path)
{
  g_auto(GStrv) parts = NULL;
  ChainJson *node = doc;

  if (*path == '\0')
    return doc;
  parts = g_strsplit (path, "/", -1);
  for (gsize i = 0; node != NULL && parts[i] != NULL; i++)
    {
      ChainJsonType type = chain_json_get_value_type (node);

      if (type == CHAIN_JSON_OBJECT)
        node = chain_json_object_get_member (node, parts[i]);
      else if (type == CHAIN_JSON_ARRAY)
        {
          char *end = NULL;
          guint64 index = g_ascii_strtoull (parts[i], &end, 10);

          if (end == parts[i] || *end != '\0' || index >= chain_json_array_get_length (node))
            node = NULL;
          else
            node = chain_json_array_get_element (node, (gsize) index);
        }
      else
        node = NULL;
    }
  return node;
}

ChainJson *
test_cli_json_get (ChainJson  *doc,
                   const char *path)
{
  ChainJson *node = json_lookup (doc, path);

  if (node == NULL)
    {
      g_autofree char *text = chain_json_to_pretty (doc);

      ck_abort_msg ("JSON has nothing at '%s': %s", path, text);
    }
  return node;
}

static ChainJson *
json_get_typed (ChainJson *doc, const char *path, ChainJsonType type)
{
  ChainJson *node = test_cli_json_get (doc, path);

  ck_assert_msg (chain_json_get_value_type (node) == type, "JSON '%s' is %s, expected %s",
                 path, chain_json_type_to_string (chain_json_get_value_type (node)),
                 chain_json_type_to_string (type));
  return node;
}

const char *
test_cli_json_string (ChainJson  *doc,
                      const char *path)
{
  return chain_json_get_string (json_get_typed (doc, path, CHAIN_JSON_STRING));
}

gint64
test_cli_json_int (ChainJson  *doc,
                   const char *path)
{
  return chain_json_get_integer (json_get_typed (doc, path, CHAIN_JSON_INTEGER));
}

gboolean
test_cli_json_bool (ChainJson  *doc,
                    const char *path)
{
  return chain_json_get_boolean (json_get_typed (doc, path, CHAIN_JSON_BOOLEAN));
}

gsize
test_cli_json_length (ChainJson  *doc,
                      const char *path)
{
  return chain_json_array_get_length (json_get_typed (doc, path, CHAIN_JSON_ARRAY));
}

char *
test_cli_read_file (const char *path,
                    gsize      *out_len)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  ck_assert_msg (g_file_get_contents (path, &contents, out_len, &error),
                 "reading %s: %s", path, error ? error->message : "?");
  return contents;
}

char *
test_cli_ledger_state (const char *workspace)
{
  g_autofree char *repo = g_build_filename (workspace, "ledger.git", NULL);
  g_autofree char *pin_path = g_build_filename (workspace, "pinned-tip", NULL);
  g_autofree char *main_tip = NULL;
  g_autofree char *pin = NULL;

  test_cli_spawn (NULL, NULL, NULL,
                  (const char *const[]) { "git", "-C", repo, "rev-parse", "--verify", "-q",
                                          "refs/heads/main", NULL },
                  &main_tip, NULL);
  if (!g_file_get_contents (pin_path, &pin, NULL, NULL))
    pin = g_strdup ("(no pinned-tip)\n");
  return g_strdup_printf ("main %s\npinned-tip:\n%s", main_tip, pin);
}

static void
snapshot_dir (const char *root, const char *relative, GPtrArray *lines)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_rel = *relative ? g_build_filename (relative, name, NULL)
                                             : g_strdup (name);
      g_autofree char *child = g_build_filename (root, child_rel, NULL);
      struct stat st;

      if (lstat (child, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          g_ptr_array_add (lines, g_strdup_printf ("%s/ %o", child_rel, st.st_mode & 07777));
          if (!g_str_has_suffix (child_rel, "ledger.git/objects"))
            snapshot_dir (root, child_rel, lines);
        }
      else
        {
          g_autofree char *contents = NULL;
          gsize len = 0;
          g_autofree char *digest = NULL;

          if (g_file_get_contents (child, &contents, &len, NULL))
            digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                  (const guchar *) contents, len);
          g_ptr_array_add (lines, g_strdup_printf ("%s %o %s", child_rel, st.st_mode & 07777,
                                                   digest ? digest : "(unreadable)"));
        }
    }
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char *
test_cli_snapshot (const char *dir)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  snapshot_dir (dir, "", lines);
  g_ptr_array_sort (lines, compare_strings);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

void
test_cli_copy_tree (const char *src,
                    const char *dst)
{
  g_autofree char *err = NULL;
  int status = test_cli_spawn (NULL, NULL, NULL,
                               (const char *const[]) { "cp", "-a", src, dst, NULL }, NULL, &err);

  ck_assert_msg (status == 0, "cp -a %s %s: %s", src, dst, err);
}

char *
test_cli_demo_new (char **out_demo_dir)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  char *tmp = test_support_tmpdir_new ();
  char *story = g_build_filename (tmp, "story", NULL);
  int status;

  status = test_support_run ((const char *const[]) { test_cli_bin (), "demo", story, NULL }, NULL, &out, &err);
  ck_assert_msg (status == 0, "chain demo exited %d: %s", status, err);
  *out_demo_dir = story;
  return tmp;
}
