/* test-manifest.c — manifest.csv: one writer, one reader, one spelling */
#include "test-support.h"

#include "chain-manifest-private.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

typedef struct {
  const char *fields[4];
  const char *written;
} WriteCase;

static const WriteCase write_cases[] = {
  { { "dev-1", "1a", SHA_A, SHA_B }, "dev-1,1a," SHA_A "," SHA_B "\n" },
  { { "a,b", "1a", SHA_A, SHA_B }, "\"a,b\",1a," SHA_A "," SHA_B "\n" },
  { { "say \"hi\"", "", "", "" }, "\"say \"\"hi\"\"\",,,\n" },
  { { "two\nlines", "cr\r", "x", "y" }, "\"two\nlines\",\"cr\r\",x,y\n" },
};

START_TEST (test_write_then_read)
{
  const WriteCase *c = &write_cases[_i];
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) first = g_string_new (NULL);
  g_auto(ChainManifestReader) reader = { 0 };
  g_autoptr(GError) error = NULL;
  ChainManifestRow row;

  chain_manifest_append_row (out, c->fields[0], c->fields[1], c->fields[2], c->fields[3]);
  ck_assert_str_eq (out->str, c->written);
  chain_manifest_reader_init (&reader, out->str, out->len);
  ck_assert (chain_manifest_reader_next (&reader, &row, &error));
  ck_assert (row.canonical && row.terminated);
  ck_assert_uint_eq (row.n_fields, 4);
  for (guint i = 0; i < 4; i++)
    ck_assert_str_eq (row.fields[i], c->fields[i]);
  chain_manifest_append_field (first, c->fields[0], FALSE);
  ck_assert_uint_eq (row.raw_first_len, first->len - 1);
  ck_assert (!chain_manifest_reader_next (&reader, &row, &error));
  ck_assert (error == NULL);
}
END_TEST

typedef struct {
  const char *text;
  const char *message_part;
} MalformedCase;

static const MalformedCase malformed_cases[] = {
  { "\"open,x\n", "not closed" },
  { "a\"b,c\n", "holds a quote" },
  { "\"a\"b,c\n", "follows a closing quote" },
  { ",,,,,,,,,,,,,,,,,,,,\n", "too many fields" },
};

START_TEST (test_malformed)
{
  const MalformedCase *c = &malformed_cases[_i];
  g_auto(ChainManifestReader) reader = { 0 };
  g_autoptr(GError) error = NULL;
  ChainManifestRow row;

  chain_manifest_reader_init (&reader, c->text, strlen (c->text));
  ck_assert (!chain_manifest_reader_next (&reader, &row, &error));
  ck_assert_msg (strstr (error->message, c->message_part) != NULL, "%s", error->message);
  ck_assert_msg (strstr (error->message, "line 1") != NULL, "%s", error->message);
  test_assert_error (error, CHAIN_ERROR_VERIFY);
}
END_TEST

START_TEST (test_nul_and_long_field)
{
  static const char nul[] = "a\0b,c\n";
  g_autofree char *long_field = g_strnfill (CHAIN_MANIFEST_FIELD_MAX_LEN + 1, 'x');
  g_auto(ChainManifestReader) reader = { 0 };
  g_auto(ChainManifestReader) long_reader = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) long_error = NULL;
  ChainManifestRow row;

  chain_manifest_reader_init (&reader, nul, sizeof nul - 1);
  ck_assert (!chain_manifest_reader_next (&reader, &row, &error));
  ck_assert_msg (strstr (error->message, "NUL") != NULL, "%s", error->message);
  chain_manifest_reader_init (&long_reader, long_field, strlen (long_field));
  ck_assert (!chain_manifest_reader_next (&long_reader, &row, &long_error));
  ck_assert_msg (strstr (long_error->message, "too long") != NULL, "%s", long_error->message);
}
END_TEST

/* The auditor insists on the writer's spelling: a quoted id without a
 * comma, or a missing final newline, reads but is not canonical. */
START_TEST (test_other_spellings_are_not_canonical)
{
  static const char *const texts[] = { "\"dev\",1\n", "dev,1", "dev,\"1\"\n" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_auto(ChainManifestReader) reader = { 0 };
      ChainManifestRow row;

      chain_manifest_reader_init (&reader, texts[i], strlen (texts[i]));
      ck_assert (chain_manifest_reader_next (&reader, &row, NULL));
      ck_assert_str_eq (row.fields[0], "dev");
      ck_assert_str_eq (row.fields[1], "1");
      ck_assert_msg (!row.canonical, "%s", texts[i]);
    }
}
END_TEST

/* A quoted newline belongs to the field: the next row's line is counted
 * from the file's lines, as an editor shows them. */
START_TEST (test_lines_counted_physically)
{
  static const char text[] = "\"a\nb\",1\nc,2\n";
  g_auto(ChainManifestReader) reader = { 0 };
  ChainManifestRow row;

  chain_manifest_reader_init (&reader, text, strlen (text));
  ck_assert (chain_manifest_reader_next (&reader, &row, NULL));
  ck_assert_uint_eq (row.line, 1);
  ck_assert (chain_manifest_reader_next (&reader, &row, NULL));
  ck_assert_uint_eq (row.line, 3);
  ck_assert_str_eq (row.fields[0], "c");
}
END_TEST

/* A million rows stream through one row's worth of memory. */
START_TEST (test_million_rows)
{
  g_autoptr(GString) text = g_string_new (CHAIN_MANIFEST_HEADER);
  g_auto(ChainManifestReader) reader = { 0 };
  ChainManifestRow row;
  guint64 n = 0;

  for (guint i = 0; i < 1000000; i++)
    {
      char id[32];
      char serial[32];

      g_snprintf (id, sizeof id, "dev-%07u", i);
      g_snprintf (serial, sizeof serial, "%x", i + 1);
      chain_manifest_append_row (text, id, serial, SHA_A, SHA_B);
    }
  chain_manifest_reader_init (&reader, text->str, text->len);
  while (chain_manifest_reader_next (&reader, &row, NULL))
    {
      ck_assert (row.canonical);
      n++;
    }
  ck_assert_uint_eq (n, 1000001);
  ck_assert_uint_le (reader.buffer->allocated_len, 1024);
}
END_TEST

static Suite *
manifest_suite (void)
{
  Suite *suite = suite_create ("manifest");
  TCase *grammar = tcase_create ("grammar");

  tcase_add_loop_test (grammar, test_write_then_read, 0, G_N_ELEMENTS (write_cases));
  tcase_add_loop_test (grammar, test_malformed, 0, G_N_ELEMENTS (malformed_cases));
  tcase_add_test (grammar, test_nul_and_long_field);
  tcase_add_test (grammar, test_other_spellings_are_not_canonical);
  tcase_add_test (grammar, test_lines_counted_physically);
  tcase_add_test (grammar, test_million_rows);
  suite_add_tcase (suite, grammar);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (manifest_suite ());
}
