/* chain-custody-tree.c — one walk of the custody tree
 *
 * Children are indexed by parent once, then visited from an explicit
 * stack: no recursion a hostile ledger could deepen, no quadratic scan.
 */
#include "chain-custody-tree.h"

typedef struct {
  const ChainCustodian *custodian;
  GPtrArray            *children;   /* (nullable) const ChainCustodian * */
  guint                 next;       /* the next child to visit */
} Frame;

void
chain_ledger_state_walk_custody (const ChainLedgerState *self,
                                 ChainCustodyVisitFunc   enter,
                                 ChainCustodyVisitFunc   leave,
                                 gpointer                user_data)
{
  g_autoptr(GHashTable) children = NULL;
  g_autoptr(GArray) stack = NULL;
  guint n;

  g_return_if_fail (self != NULL && enter != NULL);

  n = chain_ledger_state_get_n_custodians (self);
  children = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < n; i++)
    {
      const ChainCustodian *c = chain_ledger_state_get_custodian (self, i);
      const char *parent = chain_custodian_get_parent_id (c);
      GPtrArray *siblings;

      if (parent == NULL)
        continue;
      siblings = g_hash_table_lookup (children, parent);
      if (siblings == NULL)
        {
          siblings = g_ptr_array_new ();
          g_hash_table_insert (children, (gpointer) parent, siblings);
        }
      g_ptr_array_add (siblings, (gpointer) c);
    }

  stack = g_array_new (FALSE, FALSE, sizeof (Frame));
  for (guint i = 0; i < n; i++)
    {
      const ChainCustodian *root = chain_ledger_state_get_custodian (self, i);
      Frame frame = { root, NULL, 0 };

      if (chain_custodian_get_parent_id (root) != NULL)
        continue;
      frame.children = g_hash_table_lookup (children, chain_custodian_get_id (root));
      enter (root, 0, user_data);
      g_array_append_val (stack, frame);
      while (stack->len > 0)
        {
          Frame *top = &g_array_index (stack, Frame, stack->len - 1);

          if (top->children != NULL && top->next < top->children->len)
            {
              Frame child = { g_ptr_array_index (top->children, top->next++), NULL, 0 };

              child.children = g_hash_table_lookup (children, chain_custodian_get_id (child.custodian));
              enter (child.custodian, stack->len, user_data);
              g_array_append_val (stack, child);
            }
          else
            {
              const ChainCustodian *done = top->custodian;
              guint depth = stack->len - 1;

              g_array_set_size (stack, stack->len - 1);
              if (leave != NULL)
                leave (done, depth, user_data);
            }
        }
    }
}
