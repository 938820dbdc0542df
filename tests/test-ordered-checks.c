/* test-ordered-checks.c — checks on all cores report what a loop would */
#include "test-support.h"

#include "chain-error.h"
#include "chain-ordered-checks-private.h"

#include <string.h>

/* Items are their index as 8 bytes, then (index % 7) bytes of padding, so
 * lengths and alignment vary. Items whose index is in fail_at fail. */
typedef struct {
  const guint64 *fail_at;
  guint          n_fail_at;
  gint           n_checked;     /* atomic */
  gint           bad_item;      /* atomic: an item came back altered */
} Items;

static gboolean
check_item (guint64        index,
            gconstpointer  data,
            gsize          len,
            gpointer       user_data,
            GError       **error)
{
  Items *items = user_data;
  guint64 stored = 0;

  g_atomic_int_inc (&items->n_checked);
  if (((gsize) data & 7) != 0 || len != sizeof stored + index % 7)
    g_atomic_int_set (&items->bad_item, 1);
  memcpy (&stored, data, sizeof stored);
  if (stored != index)
    g_atomic_int_set (&items->bad_item, 1);
  for (gsize i = sizeof stored; i < len; i++)
    if (((const guint8 *) data)[i] != (guint8) (index + i))
      g_atomic_int_set (&items->bad_item, 1);
  for (guint i = 0; i < items->n_fail_at; i++)
    if (items->fail_at[i] == index)
      {
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY, "item %" G_GUINT64_FORMAT " failed", index);
        return FALSE;
      }
  return TRUE;
}

/* Adds items 0 to @n - 1, stopping once a failure is known when @stop. */
static gboolean
run (Items    *items,
     guint64   n,
     gboolean  stop,
     GError  **error)
{
  g_autoptr(ChainOrderedChecks) checks = chain_ordered_checks_new (n, check_item, items);

  for (guint64 i = 0; i < n; i++)
    {
      guint8 item[sizeof (guint64) + 7];

      if (stop && chain_ordered_checks_failed (checks))
        break;
      memcpy (item, &i, sizeof i);
      for (gsize j = sizeof i; j < sizeof i + i % 7; j++)
        item[j] = (guint8) (i + j);
      chain_ordered_checks_add (checks, i, item, sizeof i + i % 7);
    }
  return chain_ordered_checks_finish (checks, error);
}

static const struct {
  const char *name;
  guint64     n;
  guint64     fail_at[4];
  guint       n_fail_at;
  gint64      expected;     /* -1: passes */
} cases[] = {
  { "few items pass (no threads)", 10, { 0 }, 0, -1 },
  { "few items: the earliest failure", 10, { 7, 3 }, 2, 3 },
  { "many items pass", 20000, { 0 }, 0, -1 },
  { "many: the first item fails", 20000, { 0, 19999 }, 2, 0 },
  { "many: the last item fails", 20000, { 19999 }, 1, 19999 },
  { "many: failures in several chunks, the earliest wins", 20000, { 15000, 9000, 9001, 12345 }, 4, 9000 },
  { "many: a late failure found first loses to an earlier one", 20000, { 300, 131 }, 2, 131 },
};

START_TEST (test_earliest_failure)
{
  g_autoptr(GError) error = NULL;
  Items items = { cases[_i].fail_at, cases[_i].n_fail_at, 0, 0 };
  gboolean ok;

  /* Again and again: the workers race differently each time. */
  for (guint round = 0; round < 20; round++)
    {
      g_clear_error (&error);
      items.n_checked = 0;
      ok = run (&items, cases[_i].n, round % 2 == 1, &error);
      ck_assert_msg (!items.bad_item, "%s: an item reached its check altered", cases[_i].name);
      if (cases[_i].expected < 0)
        {
          ck_assert_msg (ok, "%s: %s", cases[_i].name, error != NULL ? error->message : "?");
          ck_assert_int_eq (items.n_checked, (gint) cases[_i].n);
        }
      else
        {
          g_autofree char *message = g_strdup_printf ("item %" G_GINT64_FORMAT " failed", cases[_i].expected);

          ck_assert_msg (!ok, "%s: passed", cases[_i].name);
          ck_assert (g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY));
          ck_assert_str_eq (error->message, message);
        }
    }
}
END_TEST

/* Freed without finishing: the workers stop and nothing leaks. */
START_TEST (test_free_unfinished)
{
  static const guint64 fail_at[] = { 5 };
  Items items = { fail_at, 1, 0, 0 };
  ChainOrderedChecks *checks = chain_ordered_checks_new (10000, check_item, &items);

  for (guint64 i = 0; i < 1000; i++)
    {
      guint8 item[sizeof (guint64) + 7];

      memcpy (item, &i, sizeof i);
      for (gsize j = sizeof i; j < sizeof i + i % 7; j++)
        item[j] = (guint8) (i + j);
      chain_ordered_checks_add (checks, i, item, sizeof i + i % 7);
    }
  chain_ordered_checks_free (checks);
  ck_assert (!items.bad_item);
}
END_TEST

static Suite *
ordered_checks_suite (void)
{
  Suite *suite = suite_create ("ordered-checks");
  TCase *checks = tcase_create ("checks");

  tcase_add_loop_test (checks, test_earliest_failure, 0, G_N_ELEMENTS (cases));
  tcase_add_test (checks, test_free_unfinished);
  suite_add_tcase (suite, checks);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (ordered_checks_suite ());
}
