/* cmd-annotate.c — `chain annotate`: record a free-text note in the ledger
 *
 * The note comes from the one argument, or from --file FILE ('-': standard
 * input). It is checked before the passphrase is asked for: empty (or only
 * white space) and too long are usage errors, and nothing is written.
 */
#include "chain-cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#define NOTE_MAX_SIZE CHAIN_ANNOTATION_MAX_SIZE
/* How much of a file or of standard input is read at most: enough for a
 * note at the limit and its line breaks; more is "too long" unread. */
#define NOTE_READ_MAX (NOTE_MAX_SIZE + 1024)

/* Reads at most NOTE_READ_MAX + 1 bytes of @path ('-': standard input). */
static GString *
read_note (const char *path,
           GError    **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean from_stdin = strcmp (path, "-") == 0;
  FILE *in = from_stdin ? stdin : g_fopen (path, "rb");
  char buffer[1024];
  size_t n;
  int saved;
  gboolean failed;

  if (in == NULL)
    {
      saved = errno;
      g_set_error (error, CHAIN_ERROR, saved == ENOENT ? CHAIN_ERROR_NOT_FOUND : CHAIN_ERROR_IO,
                   _("cannot open %s: %s; give the file that holds the note"), path, g_strerror (saved));
      return NULL;
    }
  while (text->len <= NOTE_READ_MAX && (n = fread (buffer, 1, sizeof buffer, in)) > 0)
    g_string_append_len (text, buffer, (gssize) n);
  saved = errno;
  failed = ferror (in);
  if (!from_stdin)
    fclose (in);
  if (failed)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read %s: %s"),
                   from_stdin ? _("standard input") : path, g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&text);
}

/* Only white space, or nothing at all. */
static gboolean
is_blank (const char *text)
{
  for (; *text != '\0'; text = g_utf8_next_char (text))
    if (!g_unichar_isspace (g_utf8_get_char (text)))
      return FALSE;
  return TRUE;
}

gboolean
cmd_annotate (const ChainCliGlobals *globals,
              int                    argc,
              char                 **argv,
              GCancellable          *cancellable,
              GError               **error)
{
  g_autofree char *officer = NULL;
  g_autofree char *file = NULL;
  GOptionEntry entries[] = {
    { "file", 'F', 0, G_OPTION_ARG_FILENAME, &file, N_("Read the note from FILE ('-': standard input)"), N_("FILE") },
    { "officer", 0, 0, G_OPTION_ARG_STRING, &officer, N_("The officer who signs the record"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (N_("[TEXT] — record a note in the ledger"));
  g_autoptr(GString) note = NULL;
  g_autoptr(ChainWorkspace) workspace = NULL;
  guint64 seq = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    N_("Records an annotation: a note of 1 to 4096 bytes of UTF-8 text, signed by an\n"
       "officer, for what the other records cannot say (a station replaced, an audit\n"
       "finding answered). The note is TEXT, or the content of --file FILE ('-':\n"
       "standard input) without its final line breaks. 'chain log' shows its start\n"
       "on one line; 'chain show' shows all of it."));
  g_option_context_set_description (context,
    /* Translators: keep the example commands as they are. */
    N_("Examples:\n"
       "  chain -C factory annotate 'Line 3 station replaced; its keys moved to token 7'\n"
       "  chain -C oem annotate --officer oscar --file audit-answer.txt\n"
       "\n"
       "Exit codes: 0 recorded, 1 error (cannot read FILE, not UTF-8 text, workspace\n"
       "not joined, wrong passphrase, the ledger's rules refuse the record), 2 usage\n"
       "(no note, an empty one, or one longer than 4096 bytes).\n"
       "Nothing is recorded on error."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (file != NULL && argc > 1)
    return chain_cli_usage (error, "annotate", _("give the note as TEXT or with --file FILE, not both"));
  if (argc > 2)
    return chain_cli_usage (error, "annotate", _("give the note as one argument: quote it"));
  if (file == NULL && argc < 2)
    return chain_cli_usage (error, "annotate", _("give the note: TEXT, or --file FILE ('-': standard input)"));

  if (file != NULL)
    {
      note = read_note (file, error);
      if (note == NULL)
        return FALSE;
      while (note->len > 0 && (note->str[note->len - 1] == '\n' || note->str[note->len - 1] == '\r'))
        g_string_truncate (note, note->len - 1);
    }
  else
    note = g_string_new (argv[1]);

  if (note->len > NOTE_MAX_SIZE)
    return chain_cli_usage (error, "annotate",
                            _("the note is longer than %d bytes, the most an annotation holds; shorten it"),
                            NOTE_MAX_SIZE);
  if (strlen (note->str) != note->len || !g_utf8_validate (note->str, (gssize) note->len, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the note is not UTF-8 text; give it as plain text"));
      return FALSE;
    }
  if (is_blank (note->str))
    return chain_cli_usage (error, "annotate", _("the note is empty; write what the annotation should say"));

  workspace = chain_cli_open_workspace (globals, TRUE, officer, cancellable, error);
  if (workspace == NULL || !chain_workspace_annotate (workspace, note->str, &seq, cancellable, error))
    return FALSE;
  if (globals->json)
    {
      ChainJson *doc = chain_json_new_object ();

      chain_json_object_set_integer (doc, "seq", (gint64) seq);
      chain_json_object_set_string (doc, "text", note->str);
      chain_cli_print_json (globals, doc);
      return TRUE;
    }
  chain_cli_print (globals, _("Recorded the note as #%" PRIu64 "\n"), seq);
  return TRUE;
}
