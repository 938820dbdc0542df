/* custody-run-notice.h — telling the officer about issuing runs that died
 *
 * A `chain issue` (or a run in Custody) killed half-way leaves signed
 * certificates the ledger may not know yet. Opening the workspace finds
 * them; the next signing step records or voids them (custody-unlock.h).
 * Either way a toast says so and stays until dismissed; its Details
 * button shows libchain's account: how many certificates were recorded,
 * published and deleted, and where.
 */
#pragma once

#include "custody-window.h"

G_BEGIN_DECLS

/**
 * custody_run_notice_show:
 * @window: the main window.
 * @text: libchain's lines, one per run.
 * @finished: whether the runs were finished, or only found.
 */
void custody_run_notice_show (CustodyWindow *window,
                              const char    *text,
                              gboolean       finished);

G_END_DECLS
