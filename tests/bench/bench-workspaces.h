/* bench-workspaces.h: the OEM and manufacturer workspaces the ledger
 * benchmarks issue into, and growing a ledger by a count of devices. */

#pragma once

#include "chain.h"

G_BEGIN_DECLS

/* An OEM in @dir/oem and a manufacturer in @dir/cm under it, as `chain
 * init`, `request`, `delegate` and `accept` make them, both protected by
 * @passphrase. Returns the manufacturer (transfer full); the OEM goes to
 * @out_oem (transfer full) if not NULL. Dies on failure. */
ChainWorkspace *bench_make_workspaces (const char      *dir,
                                       ChainSecret     *passphrase,
                                       ChainWorkspace **out_oem);

/* Grows @ws's ledger by @n devices with ids PREFIXFIRST-1 ... (one count
 * source), their keys under @passphrase in @dir/out-FIRST, which is
 * removed afterwards: the files are not what the benchmarks measure. */
void bench_issue_count (ChainWorkspace *ws,
                        const char     *dir,
                        const char     *prefix,
                        guint64         first,
                        guint64         n,
                        ChainSecret    *passphrase);

G_END_DECLS
