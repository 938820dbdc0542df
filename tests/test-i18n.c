/* test-i18n.c — translations: complete where promised, well formed, used
 *
 * Custody's strings must be translated in every language of po/LINGUAS; the
 * CLI's and libchain's must be marked, so xgettext finds them; a catalog
 * whose printf formats disagree with the English would crash, so msgfmt
 * --check judges each one; and `chain` must speak the language it is run in.
 */
#include "test-cli.h"

#include <string.h>

/* xgettext's keywords as meson's "glib" preset passes them. */
#define XGETTEXT_KEYWORDS \
  "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2", \
  "--keyword=g_dngettext:2,3", "--keyword=ngettext:1,2", "--keyword=chain_i18n_ngettext:1,2"

static const char *
source_dir (void)
{
  const char *dir = g_getenv ("CHAIN_SOURCE_DIR");

  ck_assert_msg (dir != NULL, "CHAIN_SOURCE_DIR is not set; run through meson test");
  return dir;
}

/* POTFILES.in's entries, comments and blank lines left out. (transfer full) */
static GPtrArray *
read_potfiles (void)
{
  g_autofree char *path = g_build_filename (source_dir (), "po", "POTFILES.in", NULL);
  g_autofree char *text = test_cli_read_file (path, NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (*line != '\0' && *line != '#')
        g_ptr_array_add (files, g_strdup (line));
    }
  return files;
}

static char **
read_linguas (void)
{
  g_autofree char *path = g_build_filename (source_dir (), "po", "LINGUAS", NULL);
  g_autofree char *text = test_cli_read_file (path, NULL);

  return g_strsplit_set (g_strstrip (text), " \n", -1);
}

/* ngettext (, g_dngettext (, chain_i18n_ngettext ( followed by a literal. */
static gboolean
has_plural_literal (const char *text)
{
  for (const char *p = strstr (text, "ngettext ("); p != NULL; p = strstr (p + 1, "ngettext ("))
    {
      const char *arg = p + strlen ("ngettext (");

      while (g_ascii_isspace (*arg))
        arg++;
      if (*arg == '"')
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_marked_string (const char *text)
{
  return strstr (text, "_(\"") != NULL || strstr (text, "_ (\"") != NULL
         || has_plural_literal (text) || strstr (text, "translatable=\"yes\"") != NULL;
}

static gboolean
potfiles_contains (GPtrArray *potfiles, const char *relative)
{
  for (guint i = 0; i < potfiles->len; i++)
    if (strcmp (potfiles->pdata[i], relative) == 0)
      return TRUE;
  return FALSE;
}

/* Each .c and .ui file under @subdir that marks a string must be listed. */
static void
assert_marked_files_listed (GPtrArray *potfiles, const char *subdir)
{
  g_autofree char *dir_path = g_build_filename (source_dir (), subdir, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  ck_assert_msg (dir != NULL, "cannot list %s", dir_path);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *relative = g_build_filename (subdir, name, NULL);
      g_autofree char *path = g_build_filename (source_dir (), relative, NULL);
      g_autofree char *text = NULL;

      if (!g_str_has_suffix (name, ".c") && !g_str_has_suffix (name, ".ui"))
        continue;
      text = test_cli_read_file (path, NULL);
      if (has_marked_string (text))
        ck_assert_msg (potfiles_contains (potfiles, relative),
                       "%s marks strings for translation but po/POTFILES.in does not list it", relative);
    }
}

START_TEST (test_potfiles_lists_every_marked_file)
{
  g_autoptr(GPtrArray) potfiles = read_potfiles ();
  static const char *const subdirs[] = { "cli", "gui", "gui/gtk", "libchain" };

  for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++)
    assert_marked_files_listed (potfiles, subdirs[i]);
  for (guint i = 0; i < potfiles->len; i++)
    {
      g_autofree char *path = g_build_filename (source_dir (), potfiles->pdata[i], NULL);

      ck_assert_msg (g_file_test (path, G_FILE_TEST_IS_REGULAR),
                     "po/POTFILES.in lists %s, which does not exist", (char *) potfiles->pdata[i]);
    }
}
END_TEST

/* Calls whose message reaches the user: GError setters, the helpers that
 * build refusals, findings and warnings, and what the CLI prints. */
static const char *const message_calls[] = {
  "g_set_error", "g_set_error_literal", "g_prefix_error", "chain_git_error", "chain_openssl_error",
  "chain_rule_refuse", "chain_export_add_warning", "flag", "ledger_flag", "export_flag", "refuse",
  "fault", "field_error", "chain_cli_usage", "chain_cli_print", "say", "fprintf", NULL,
};

/* Words, not only printf conversions: "%-10s %s" is layout, not a message. */
static gboolean
has_words (const char *literal, const char *close)
{
  gboolean letter = FALSE;

  for (const char *p = literal; p < close; p++)
    {
      if (*p == '%')
        {
          p += strspn (p + 1, "-+ #0123456789.*lhzjtL");
          p++;
          letter = FALSE;
        }
      else if (g_ascii_isalpha (*p) && letter)
        return TRUE;
      else
        letter = g_ascii_isalpha (*p);
    }
  return FALSE;
}

/* The call's message: the first run of adjacent literals (and the format
 * macros between them, as in "%" PRIu64 " devices") with a space and words
 * in it; ids and "%s" have neither. Returns where the run starts, or NULL. */
static const char *
call_message (const char *call, const char *end)
{
  const char *run = NULL;
  gboolean in_run = FALSE;

  for (const char *p = call; p < end; p++)
    {
      if (*p == '"')
        {
          const char *close = p + 1;

          while (*close != '\0' && *close != '"')
            close += *close == '\\' && close[1] != '\0' ? 2 : 1;
          if (!in_run)
            run = p;
          in_run = TRUE;
          if (memchr (p, ' ', close - p) != NULL && has_words (p + 1, close))
            return run;
          p = *close == '"' ? close : close - 1;
        }
      else if (in_run && (g_ascii_isalnum (*p) || *p == '_'))
        continue;  /* PRIu64, G_GUINT64_FORMAT */
      else if (!g_ascii_isspace (*p))
        in_run = FALSE;
    }
  return NULL;
}

/* @name followed by " (" as a call, not as the tail of a longer name. */
static const char *
find_call (const char *text, const char *from, const char *name)
{
  g_autofree char *pattern = g_strconcat (name, " (", NULL);

  for (const char *p = strstr (from, pattern); p != NULL; p = strstr (p + 1, pattern))
    if (p == text || !(g_ascii_isalnum (p[-1]) || p[-1] == '_'))
      return p;
  return NULL;
}

/* The literal is the first argument of _(), N_() or ngettext(). */
static gboolean
wrapped_in_gettext (const char *text, const char *literal)
{
  const char *p = literal;
  const char *name_end;

  while (p > text && g_ascii_isspace (p[-1]))
    p--;
  if (p <= text || p[-1] != '(')
    return FALSE;
  p--;
  while (p > text && p[-1] == ' ')
    p--;
  name_end = p;
  while (p > text && (g_ascii_isalnum (p[-1]) || p[-1] == '_'))
    p--;
  return (name_end - p == 1 && *p == '_') || (name_end - p == 2 && strncmp (p, "N_", 2) == 0)
         || (name_end - p >= 8 && strncmp (name_end - 8, "ngettext", 8) == 0);
}

/* Blanks out C comments in place, so quotes in a translator's comment do
 * not read as literals. */
static void
blank_comments (char *text)
{
  for (char *p = strstr (text, "/*"); p != NULL; p = strstr (p, "/*"))
    {
      char *end = strstr (p + 2, "*/");
      char *stop = end != NULL ? end + 2 : p + strlen (p);

      memset (p, ' ', stop - p);
      p = stop;
    }
}

static guint
count_unmarked_messages (const char *relative, GString *report)
{
  g_autofree char *path = g_build_filename (source_dir (), relative, NULL);
  g_autofree char *text = test_cli_read_file (path, NULL);
  guint unmarked = 0;

  blank_comments (text);
  for (gsize c = 0; message_calls[c] != NULL; c++)
    for (const char *call = find_call (text, text, message_calls[c]); call != NULL;
         call = find_call (text, call + 1, message_calls[c]))
      {
        const char *end = strchr (call, ';');
        const char *message = end != NULL ? call_message (call, end) : NULL;

        if (message != NULL && !wrapped_in_gettext (text, message))
          {
            g_string_append_printf (report, "%s: %.60s\n", relative, message);
            unmarked++;
          }
      }
  return unmarked;
}

/* The messages a user sees when something fails come from libchain and
 * cli/; each must pass through gettext. */
START_TEST (test_error_messages_are_marked)
{
  g_autoptr(GString) report = g_string_new (NULL);
  static const char *const subdirs[] = { "cli", "libchain" };
  guint unmarked = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *dir_path = g_build_filename (source_dir (), subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      ck_assert_ptr_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".c"))
          {
            g_autofree char *relative = g_build_filename (subdirs[i], name, NULL);

            unmarked += count_unmarked_messages (relative, report);
          }
    }
  /* Check's messages have a size limit; the first few name the problem. */
  ck_assert_msg (unmarked == 0, "%u messages are not marked with _(), e.g.:\n%.1500s", unmarked, report->str);
}
END_TEST

START_TEST (test_catalog_formats_match_english)
{
  g_auto(GStrv) linguas = read_linguas ();

  for (guint i = 0; linguas[i] != NULL; i++)
    {
      g_autofree char *po = g_strdup_printf ("%s/po/%s.po", source_dir (), linguas[i]);
      g_autofree char *err = NULL;
      const char *argv[] = { "msgfmt", "--check", "-o", "/dev/null", po, NULL };

      ck_assert_msg (test_support_run (argv, NULL, NULL, &err) == 0, "msgfmt --check %s:\n%s", po, err);
    }
}
END_TEST

/* Custody's own strings (gui/ and data/) are what the issue promises in
 * every language: msgcmp fails on any of them missing or untranslated. */
START_TEST (test_app_strings_translated_everywhere)
{
  g_autoptr(GPtrArray) potfiles = read_potfiles ();
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *pot = g_build_filename (dir, "custody.pot", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  g_auto(GStrv) linguas = read_linguas ();
  const char *const xgettext[] = { "xgettext", "--from-code=UTF-8", XGETTEXT_KEYWORDS, "-D", source_dir (), "-o", pot };

  for (gsize i = 0; i < G_N_ELEMENTS (xgettext); i++)
    g_ptr_array_add (argv, (char *) xgettext[i]);
  for (guint i = 0; i < potfiles->len; i++)
    if (g_str_has_prefix (potfiles->pdata[i], "gui/") || g_str_has_prefix (potfiles->pdata[i], "data/"))
      g_ptr_array_add (argv, potfiles->pdata[i]);
  g_ptr_array_add (argv, NULL);
  ck_assert_msg (test_support_run ((const char *const *) argv->pdata, NULL, NULL, &err) == 0, "xgettext: %s", err);

  for (guint i = 0; linguas[i] != NULL; i++)
    {
      g_autofree char *po = g_strdup_printf ("%s/po/%s.po", source_dir (), linguas[i]);
      g_autofree char *missing = NULL;
      const char *msgcmp[] = { "msgcmp", po, pot, NULL };

      ck_assert_msg (test_support_run (msgcmp, NULL, NULL, &missing) == 0,
                     "%s lacks translations of Custody's strings:\n%s", po, missing);
    }
  test_support_tmpdir_remove (dir);
}
END_TEST

/* `chain` run in @language; returns the exit status. */
static int
chain_in (const char *language, const char *const *args, char **out, char **err)
{
  g_autofree char *localedir = g_build_filename (g_getenv ("CHAIN_BUILD_DIR"), "po", NULL);
  g_autofree char *set_localedir = g_strconcat ("CHAIN_LOCALEDIR=", localedir, NULL);
  g_autofree char *set_language = g_strconcat ("LANGUAGE=", language, NULL);
  const char *const env[] = { "LC_ALL", "LANG=C.UTF-8", set_language, set_localedir, NULL };

  ck_assert_ptr_nonnull (g_getenv ("CHAIN_BUILD_DIR"));
  return test_cli_chain_env (NULL, env, NULL, args, out, err);
}

static const struct {
  const char *language;
  const char *help;     /* main.c's usage text */
  const char *option;   /* `chain demo --help`'s synopsis, translated by GOption */
  const char *library;  /* libchain's error for a directory that is no workspace */
} spoken[] = {
  { "de", "Befehle:", "die ganze Geschichte", "ist kein Arbeitsbereich" },
  { "fr", "Commandes", "dérouler tout le scénario", "n’est pas un espace de travail" },
};

START_TEST (test_cli_speaks_the_language)
{
  g_autofree char *help = NULL, *demo_help = NULL, *err = NULL;

  ck_assert_int_eq (chain_in (spoken[_i].language, (const char *const[]) { "--help", NULL }, &help, NULL), 0);
  ck_assert_msg (strstr (help, spoken[_i].help) != NULL, "chain --help in %s:\n%s", spoken[_i].language, help);
  ck_assert_int_eq (chain_in (spoken[_i].language, (const char *const[]) { "demo", "--help", NULL }, &demo_help, NULL), 0);
  ck_assert_msg (strstr (demo_help, spoken[_i].option) != NULL, "chain demo --help in %s:\n%s",
                 spoken[_i].language, demo_help);
  ck_assert_int_eq (chain_in (spoken[_i].language,
                              (const char *const[]) { "-C", "/nonexistent/workspace", "status", NULL }, NULL, &err), 1);
  ck_assert_msg (strstr (err, spoken[_i].library) != NULL, "chain status in %s: %s", spoken[_i].language, err);
}
END_TEST

START_TEST (test_cli_english_without_catalog)
{
  g_autofree char *help = NULL;

  ck_assert_int_eq (chain_in ("xx", (const char *const[]) { "--help", NULL }, &help, NULL), 0);
  ck_assert_ptr_nonnull (strstr (help, "Commands:"));
}
END_TEST

static Suite *
i18n_suite (void)
{
  Suite *suite = suite_create ("i18n");
  TCase *tc = tcase_create ("i18n");

  tcase_add_test (tc, test_potfiles_lists_every_marked_file);
  tcase_add_test (tc, test_error_messages_are_marked);
  tcase_add_test (tc, test_catalog_formats_match_english);
  tcase_add_test (tc, test_app_strings_translated_everywhere);
  tcase_add_loop_test (tc, test_cli_speaks_the_language, 0, G_N_ELEMENTS (spoken));
  tcase_add_test (tc, test_cli_english_without_catalog);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (i18n_suite ());
}
