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

/* A workspace directory's count of the devices its ledger holds (as
 * "N\n"), kept by bench_grow(), so that later runs reuse it. */
#define BENCH_DEVICES_FILE "devices"
/* Devices per bench_issue_count() in bench_grow(): bounds the key files
 * on disk at a time. */
#define BENCH_GROW_ROUND 100000

/* The manufacturer of @dir, opened and unlocked with @passphrase, when
 * @dir/devices says how many devices its ledger holds (to @out_held);
 * else NULL and 0. Dies if the workspace does not open. Transfer full. */
ChainWorkspace *bench_reuse_workspaces (const char  *dir,
                                        ChainSecret *passphrase,
                                        guint64     *out_held);

/* Grows @ws (in @dir, holding @held devices) to @target devices in
 * rounds of BENCH_GROW_ROUND, named as bench_issue_count() names them,
 * writing @dir/devices after each round and its progress to stderr. */
void bench_grow (ChainWorkspace *ws,
                 const char     *dir,
                 const char     *prefix,
                 guint64         held,
                 guint64         target,
                 ChainSecret    *passphrase);

G_END_DECLS
