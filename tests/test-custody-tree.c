/* test-custody-tree.c — the one walk of the custody tree */
#include "test-custody.h"

static TestCustody *custody;

static void
custody_setup (void)
{
  custody = test_custody_new ();
}

static void
custody_teardown (void)
{
  g_clear_pointer (&custody, test_custody_free);
}

static void
record_enter (const ChainCustodian *c, guint depth, gpointer user_data)
{
  g_string_append_printf (user_data, "+%s:%u ", chain_custodian_get_id (c), depth);
}

static void
record_leave (const ChainCustodian *c, guint depth, gpointer user_data)
{
  g_string_append_printf (user_data, "-%s:%u ", chain_custodian_get_id (c), depth);
}

/* The walk as the CLI wrote it before: recursion over every custodian. */
static void
reference_walk (const ChainLedgerState *state, const char *parent, guint depth, GString *out)
{
  for (guint i = 0; i < chain_ledger_state_get_n_custodians (state); i++)
    {
      const ChainCustodian *c = chain_ledger_state_get_custodian (state, i);

      if (g_strcmp0 (chain_custodian_get_parent_id (c), parent) != 0)
        continue;
      record_enter (c, depth, out);
      reference_walk (state, chain_custodian_get_id (c), depth + 1, out);
      record_leave (c, depth, out);
    }
}

/* Three tiers from the distributor's ledger: parents first, depths counted. */
START_TEST (test_three_tiers)
{
  g_autoptr(GString) walked = g_string_new (NULL);

  chain_ledger_state_walk_custody (chain_workspace_get_state (custody->dist), record_enter, record_leave, walked);
  ck_assert_str_eq (walked->str, "+oem:0 +cm:1 +dist:2 -dist:2 -cm:1 -oem:0 ");
}
END_TEST

/* Siblings in ledger order, each subtree whole before the next sibling. */
START_TEST (test_siblings_match_reference)
{
  g_autoptr(TestCustody) copy = test_custody_copy (custody);
  g_autoptr(ChainWorkspace) second = test_custody_child (copy->oem, copy->dir, "cm-b", "manufacturer", TRUE);
  const ChainLedgerState *state = chain_workspace_get_state (copy->oem);
  g_autoptr(GString) walked = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);

  ck_assert_uint_ge (chain_ledger_state_get_n_custodians (state), 3);
  chain_ledger_state_walk_custody (state, record_enter, record_leave, walked);
  reference_walk (state, NULL, 0, expected);
  ck_assert_str_eq (walked->str, expected->str);
  ck_assert_ptr_nonnull (strstr (walked->str, "+cm-b:1 -cm-b:1 -oem:0 "));
}
END_TEST

static Suite *
custody_tree_suite (void)
{
  Suite *suite = suite_create ("custody-tree");
  TCase *walk = tcase_create ("walk");

  tcase_set_timeout (walk, 300);
  tcase_add_unchecked_fixture (walk, custody_setup, custody_teardown);
  tcase_add_test (walk, test_three_tiers);
  tcase_add_test (walk, test_siblings_match_reference);
  suite_add_tcase (suite, walk);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (custody_tree_suite ());
}
