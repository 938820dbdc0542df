/* chain-text.c — the one sanitizer for text from other custodians
 *
 * One rule for the terminal, the audit report and the GUI: a hostile name
 * that one of them shows harmlessly must not drive another.
 */
#include "chain-text.h"

gboolean
chain_text_is_unsafe (gunichar c)
{
  GUnicodeType type;

  if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
    return TRUE;
  type = g_unichar_type (c);
  /* Format (Cf) holds every bidi control: U+061C, U+200E/F, U+202A-E, U+2066-9. */
  return type == G_UNICODE_FORMAT || type == G_UNICODE_LINE_SEPARATOR
         || type == G_UNICODE_PARAGRAPH_SEPARATOR || type == G_UNICODE_SURROGATE;
}

void
chain_text_append_sanitized (GString       *out,
                             const char    *text,
                             ChainTextFlags flags)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if ((c == '\n' || c == '\t') && (flags & CHAIN_TEXT_KEEP_LINES))
        g_string_append_c (out, (char) c);
      else if (c == '\n' || c == '\t' || c == '\r')
        g_string_append_c (out, ' ');
      else if (chain_text_is_unsafe (c))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
    }
}

char *
chain_text_sanitize (const char    *text,
                     ChainTextFlags flags)
{
  GString *out = g_string_new (NULL);

  chain_text_append_sanitized (out, text, flags);
  return g_string_free (out, FALSE);
}
