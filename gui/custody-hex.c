/* custody-hex.c — hashes, serials and thumbprints as people compare them */
#include "custody-hex.h"

#include <string.h>

#define GROUP 4

gboolean
custody_hex_is_value (const char *token)
{
  gsize n = 0;

  if (token == NULL)
    return FALSE;
  for (; token[n] != '\0'; n++)
    if (!g_ascii_isxdigit (token[n]))
      return FALSE;
  return n >= CUSTODY_HEX_MIN_DIGITS;
}

char *
custody_hex_group (const char *token)
{
  GString *grouped = g_string_new (NULL);
  gsize i;

  for (i = 0; token[i] != '\0'; i++)
    {
      if (i > 0 && i % GROUP == 0)
        g_string_append_c (grouped, ' ');
      g_string_append_c (grouped, g_ascii_tolower (token[i]));
    }
  return g_string_free (grouped, FALSE);
}

char *
custody_hex_markup (const char  *text,
                    char       **out_plain)
{
  g_autoptr(GString) markup = g_string_new (NULL);
  g_auto(GStrv) words = g_strsplit (text != NULL ? text : "", " ", -1);
  char *plain = NULL;
  guint i;

  for (i = 0; words[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (markup, ' ');
      if (custody_hex_is_value (words[i]))
        {
          g_autofree char *grouped = custody_hex_group (words[i]);

          g_string_append_printf (markup, "<span font_family=\"monospace\">%s</span>", grouped);
          if (plain == NULL)
            plain = g_ascii_strdown (words[i], -1);
        }
      else
        {
          g_autofree char *escaped = g_markup_escape_text (words[i], -1);

          g_string_append (markup, escaped);
        }
    }
  if (out_plain != NULL)
    *out_plain = plain;
  else
    g_free (plain);
  return g_string_free (g_steal_pointer (&markup), FALSE);
}
