/* chain-ordered-checks-private.h — independent checks of many items on all
 * cores, judged as if made one after the other
 *
 * A producer adds items in order; worker threads check them in chunks; the
 * outcome is the refusal of the earliest failing item, exactly what a loop
 * stopping at its first failure would report, whatever order the workers
 * ran in. Each item is copied into a chunk's buffer, so adding one costs
 * no allocation, and at most a few chunks per worker are in flight, so
 * memory does not grow with the number of items. Never installed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ChainOrderedCheckFunc:
 * @index: the item's position, as given to chain_ordered_checks_add().
 * @item: the bytes added for it (8-byte aligned); valid during the call.
 * @len: their length.
 * @user_data: as given to chain_ordered_checks_new().
 * @error: set when the item fails.
 *
 * Checks one item; called from worker threads, several at once, so it may
 * only read what the items share.
 *
 * Returns: %TRUE if the item passes.
 */
typedef gboolean (*ChainOrderedCheckFunc) (guint64        index,
                                           gconstpointer  item,
                                           gsize          len,
                                           gpointer       user_data,
                                           GError       **error);

typedef struct _ChainOrderedChecks ChainOrderedChecks;

/**
 * chain_ordered_checks_new:
 * @expected: about how many items will come; few run in the caller's
 *   thread, without starting any.
 * @check: the check.
 * @user_data: for @check; must outlive chain_ordered_checks_finish().
 *
 * Returns: (transfer full): the checks; free with chain_ordered_checks_free().
 */
ChainOrderedChecks *chain_ordered_checks_new (guint64               expected,
                                              ChainOrderedCheckFunc check,
                                              gpointer              user_data);

/**
 * chain_ordered_checks_add:
 * @self: the checks.
 * @index: the item's position; each larger than the last.
 * @item: its bytes, copied.
 * @len: their length.
 *
 * Queues an item; waits while the workers are a few chunks behind.
 */
void chain_ordered_checks_add (ChainOrderedChecks *self,
                               guint64             index,
                               gconstpointer       item,
                               gsize               len);

/**
 * chain_ordered_checks_failed:
 * @self: the checks.
 *
 * Returns: whether an item added so far failed: nothing added later can
 * change the outcome, so the producer may stop.
 */
gboolean chain_ordered_checks_failed (ChainOrderedChecks *self);

/**
 * chain_ordered_checks_finish:
 * @self: the checks.
 * @error: the earliest failing item's error.
 *
 * Checks what is left and waits for the workers.
 *
 * Returns: %TRUE if every item added passed.
 */
gboolean chain_ordered_checks_finish (ChainOrderedChecks  *self,
                                      GError             **error);

/** chain_ordered_checks_free: NULL-safe; finishes first if needed, dropping its outcome. */
void chain_ordered_checks_free (ChainOrderedChecks *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainOrderedChecks, chain_ordered_checks_free)

G_END_DECLS
