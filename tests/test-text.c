/* test-text.c — the one sanitizer for text from other custodians */
#include "test-support.h"

typedef struct {
  const char    *text;
  ChainTextFlags flags;
  const char    *shown;
} TextCase;

static const TextCase text_cases[] = {
  { "Org A", CHAIN_TEXT_ONE_LINE, "Org A" },
  { "Müller & Söhne 株式会社", CHAIN_TEXT_ONE_LINE, "Müller & Söhne 株式会社" },
  { NULL, CHAIN_TEXT_ONE_LINE, "" },
  /* ESC and BEL drive a terminal; CR and LF forge lines. */
  { "Evil\033[2J\a", CHAIN_TEXT_ONE_LINE, "Evil?[2J?" },
  { "Evil\n  policy:           allows it", CHAIN_TEXT_ONE_LINE, "Evil   policy:           allows it" },
  { "a\rb\tc", CHAIN_TEXT_ONE_LINE, "a b c" },
  { "a\rb\tc\nd", CHAIN_TEXT_KEEP_LINES, "a b\tc\nd" },
  /* DEL, C1 (CSI U+009B, NEL U+0085). */
  { "a\x7f" "b\xc2\x9b" "c\xc2\x85", CHAIN_TEXT_ONE_LINE, "a?b?c?" },
  /* Bidi: RLO U+202E, LRI U+2066, PDI U+2069, RLM U+200F, ALM U+061C. */
  { "abc\xe2\x80\xae" "fdp.exe", CHAIN_TEXT_ONE_LINE, "abc?fdp.exe" },
  { "\xe2\x81\xa6" "x" "\xe2\x81\xa9" "\xe2\x80\x8f" "\xd8\x9c", CHAIN_TEXT_KEEP_LINES, "?x???" },
  /* Line and paragraph separators, zero-width space, BOM. */
  { "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xe2\x80\x8b" "d\xef\xbb\xbf", CHAIN_TEXT_KEEP_LINES, "a?b?c?d?" },
  /* Invalid UTF-8 becomes U+FFFD. */
  { "a\xff" "b", CHAIN_TEXT_ONE_LINE, "a\xef\xbf\xbd" "b" },
};

START_TEST (test_sanitize)
{
  const TextCase *c = &text_cases[_i];
  g_autofree char *shown = chain_text_sanitize (c->text, c->flags);

  ck_assert_str_eq (shown, c->shown);
}
END_TEST

/* Every C0, DEL and C1 control is unsafe, and the invisible soft hyphen
 * (a format character); nothing else of Latin-1 is. */
START_TEST (test_every_control)
{
  for (gunichar c = 0; c < 0x100; c++)
    ck_assert_msg (chain_text_is_unsafe (c) == (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xad),
                   "U+%04X", c);
}
END_TEST

static Suite *
text_suite (void)
{
  Suite *suite = suite_create ("text");
  TCase *sanitize = tcase_create ("sanitize");

  tcase_add_loop_test (sanitize, test_sanitize, 0, G_N_ELEMENTS (text_cases));
  tcase_add_test (sanitize, test_every_control);
  suite_add_tcase (suite, sanitize);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (text_suite ());
}
