/* chain-sync-private.h — what chain-sync*.c share
 *
 * chain-sync.c holds the commit-graph decisions and the one place that
 * moves refs/heads/main; chain-sync-pin.c the pin file;
 * chain-sync-remote.c fetch and push; chain-sync-bundle.c bundle files.
 * Never installed.
 */
#pragma once

#include <git2.h>

#include "chain-ledger-private.h"
#include "chain-sync.h"

G_BEGIN_DECLS

#define CHAIN_SYNC_MAIN_REF "refs/heads/main"

/* Long loops look at their GCancellable this often. */
#define CHAIN_SYNC_CANCEL_CHECK_EVERY 512

/* What a bundle's pack may declare in all, against its own size: ledger
 * records compress a few times at most, a zero blob a thousandfold. */
#define CHAIN_SYNC_PACK_INFLATE_RATIO 64
#define CHAIN_SYNC_PACK_INFLATE_FLOOR ((guint64) 64 * 1024 * 1024)

/* chain-sync-pack-bound.c: reads the object headers of the pack at
 * @offset .. @size of @fd before the indexer inflates anything, and
 * refuses (CHAIN_ERROR_INVALID_INPUT) an object or delta result larger than
 * CHAIN_SYNC_OBJECT_MAX_SIZE, or declared sizes adding up to more than
 * CHAIN_SYNC_PACK_INFLATE_RATIO times the pack (at least
 * CHAIN_SYNC_PACK_INFLATE_FLOOR). Leaves @fd's offset anywhere. */
gboolean chain_sync_pack_check_bounds (int           fd,
                                       guint64       offset,
                                       guint64       size,
                                       const char   *name,
                                       GCancellable *cancellable,
                                       GError      **error);

/* A commit id as text, by value so that several fit in one message:
 * chain_sync_hex (&a).s. */
typedef struct {
  char s[GIT_OID_HEXSZ + 1];
} ChainSyncHex;

ChainSyncHex chain_sync_hex (const git_oid *oid);

/* Returns: (transfer full): " (seq N)", or "" when @seq is negative. */
char *chain_sync_seq_note (gint64 seq);

/* Returns: (transfer full): a result; its summary is made from the rest. */
ChainSyncResult *chain_sync_result_new (ChainSyncStatus  status,
                                        const git_oid   *old_tip,
                                        const git_oid   *new_tip,
                                        guint64          records,
                                        gint64           seq);

/* Whether @oid names a commit in @repo. */
gboolean chain_sync_commit_exists (git_repository *repo,
                                   const git_oid  *oid);

/* Reads ref @name; @out_found is FALSE (and TRUE returned) when it does not
 * exist. */
gboolean chain_sync_read_ref (git_repository *repo,
                              const char     *name,
                              gboolean       *out_found,
                              git_oid        *out_oid,
                              GError        **error);

/* The first commit the first-parent lines of @a and @b share; @out_related
 * is FALSE (and @out_base unset) when they share none. CHAIN_ERROR_VERIFY
 * when a commit on the way is missing. */
gboolean chain_sync_common_base (git_repository *repo,
                                 const git_oid  *a,
                                 const git_oid  *b,
                                 gboolean       *out_related,
                                 git_oid        *out_base,
                                 GError        **error);

/* Whether @commit is @ancestor or descends from it along first parents; a
 * commit not in @repo is related to nothing. CHAIN_ERROR_VERIFY when a
 * commit on the way is missing. */
gboolean chain_sync_descends_or_equal (git_repository *repo,
                                       const git_oid  *commit,
                                       const git_oid  *ancestor,
                                       gboolean       *out,
                                       GError        **error);

/* One operation on one repository: what it found there when it began. */
typedef struct {
  const char       *repo_path;
  git_repository   *repo;
  gboolean          initialised;   /* holds a git_libgit2_init() */
  ChainSyncOptions  options;       /* a copy; defaults if none given */
  GCancellable     *cancellable;
  gboolean          have_local;    /* refs/heads/main exists */
  git_oid           local;
  gboolean          have_pin;
  git_oid           pin;
  gint64            pin_seq;       /* -1 when not recorded */
} ChainSyncContext;

/* Opens @repo_path and reads main and the pin (from @options->pin_path).
 * @s must be zeroed; clear it with chain_sync_context_clear() even on
 * failure (g_auto does). CHAIN_ERROR_INVALID_INPUT for a path that is no
 * repository, the pin errors of chain_sync_pin_read() but NOT_FOUND. */
gboolean chain_sync_context_open (ChainSyncContext       *s,
                                  const char             *repo_path,
                                  const ChainSyncOptions *options,
                                  GCancellable           *cancellable,
                                  GError                **error);

void chain_sync_context_clear (ChainSyncContext *s);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChainSyncContext, chain_sync_context_clear)

/* A move of main off the pinned line (a sync's re-append) cannot be one
 * write with the pin's. So the pin it will need goes first into
 * PIN_PATH.next (chain_sync_pin_intend()); main moves; then
 * chain_sync_pin_settle() makes it the pin. A process that died between
 * leaves the intent, and the next open settles it: it becomes the pin when
 * main is at its commit (the move happened), else it is dropped. */
gboolean chain_sync_pin_intend (const char *pin_path,
                                const char *commit,
                                gint64      seq,
                                GError    **error);

/* See chain_sync_pin_intend(); @main_tip (nullable) is main now. Without
 * an intent, does nothing. */
gboolean chain_sync_pin_settle (const char    *pin_path,
                                const git_oid *main_tip,
                                GError       **error);

/* CHAIN_ERROR_VERIFY unless our main descends from the pin (if both). */
gboolean chain_sync_context_check_local (ChainSyncContext *s,
                                         GError          **error);

/* CHAIN_ERROR_VERIFY ("ledger was rewritten") when @tip is on another
 * line than the pin: neither the pin, below it, nor above it. @whose names
 * @tip in the message, e.g. "remote origin's main". */
gboolean chain_sync_context_refuse_if_rewritten (ChainSyncContext *s,
                                                 const git_oid    *tip,
                                                 const char       *whose,
                                                 GError          **error);

/* Counts the commits from @from down first parents to @stop (excluded) or
 * through the root (@stop NULL); CHAIN_ERROR_VERIFY for a merge, a missing
 * commit, or a line that never meets @stop. */
gboolean chain_sync_context_walk_linear (ChainSyncContext *s,
                                         const git_oid    *from,
                                         const git_oid    *stop,
                                         guint64          *out_count,
                                         GError          **error);

/* The sequence number of @tip, counted from the pin when it lies below,
 * else from the root; -1 when unknown. */
gint64 chain_sync_context_tip_seq (ChainSyncContext *s,
                                   const git_oid    *tip);

/* Takes the other side's @tip (in our object database now): the same as
 * ours is CHAIN_SYNC_UP_TO_DATE; below ours is CHAIN_SYNC_REMOTE_BEHIND,
 * or for a bundle (@is_bundle) a rollback (CHAIN_ERROR_VERIFY); above ours
 * is checked (linear, complete, the verify function) and our main moves to
 * it by compare-and-swap, then the pin; anything else is refused
 * (CHAIN_ERROR_CONFLICT for a divergence, CHAIN_ERROR_VERIFY against the
 * pin). @log_message goes to the reflog. */
gboolean chain_sync_context_integrate (ChainSyncContext  *s,
                                       const git_oid     *tip,
                                       const char        *whose,
                                       gboolean           is_bundle,
                                       const char        *log_message,
                                       ChainSyncResult  **out_result,
                                       GError           **error);

/* Evidence that records left or entered this ledger other than through a
 * remote (whose tracking refs are evidence already): the tip of every
 * bundle written, and of every bundle imported. A record below one of them
 * is held elsewhere too; chain-workspace-sync.c never re-appends such a
 * record. */
#define CHAIN_SYNC_SENT_REF "refs/chain/sent/bundle"
#define CHAIN_SYNC_RECEIVED_REF "refs/chain/received/bundle"

/* Moves the evidence ref @name forward to @tip by compare-and-swap (a tip
 * below it changes nothing; one on another line is kept in a ref of its
 * own, "@name-TIP"). CHAIN_ERROR_FAILED, CHAIN_ERROR_CONFLICT. */
gboolean chain_sync_context_note_shared (ChainSyncContext *s,
                                         const char       *name,
                                         const git_oid    *tip,
                                         GError          **error);

/* ---- chain-sync-remote.c ---- */

/* A remote whose main and ours each hold records the other lacks. */
typedef struct {
  gboolean  diverged;
  git_oid   tip;        /* the remote's main, in our object database now */
  git_oid   base;       /* the last record both hold */
  char     *tracking;   /* refs/remotes/NAME/main */
  char     *display;    /* "remote NAME", or the URL */
} ChainSyncDivergence;

void chain_sync_divergence_clear (ChainSyncDivergence *d);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChainSyncDivergence, chain_sync_divergence_clear)

/* chain_sync_fetch(), except that a divergence (the remote's main and ours
 * each hold records the other lacks, above a record both hold) is not
 * refused: @out->diverged is set, with the remote's tip and the common
 * record, and nothing moves (not main, nor the tracking ref, nor the pin).
 * The remote's new history must be one line down to the common record,
 * and descend from its tracking ref (CHAIN_ERROR_VERIFY otherwise); it is
 * NOT checked against the pin, which may name one of our records the
 * remote lacks: the caller, which re-appends those, judges that. @out must
 * be zeroed and cleared after; @out_result is set only without a
 * divergence. */
gboolean chain_sync_fetch_or_diverge (const char             *repo_path,
                                      const char             *remote,
                                      const ChainSyncOptions *options,
                                      ChainSyncResult       **out_result,
                                      ChainSyncDivergence    *out,
                                      GCancellable           *cancellable,
                                      GError                **error);

/* ---- chain-sync-bundle.c ---- */

/* A bundle's header: the commits the receiver must hold, and the tip. */
typedef struct {
  GArray  *prerequisites;   /* git_oid */
  git_oid  tip;
} ChainSyncBundleHeader;

void chain_sync_bundle_header_clear (ChainSyncBundleHeader *header);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChainSyncBundleHeader, chain_sync_bundle_header_clear)

/* Parses the header at the start of @data (a bundle's first @len bytes, at
 * most 64 KiB of which are looked at): "# v2 git bundle", prerequisites,
 * exactly one ref, refs/heads/main, then a blank line. @out must be zeroed
 * and cleared after, even on failure; @out_len is where the pack starts.
 * CHAIN_ERROR_INVALID_INPUT naming @name and the fault. */
gboolean chain_sync_bundle_header_parse (const char            *data,
                                         gsize                  len,
                                         const char            *name,
                                         ChainSyncBundleHeader *out,
                                         gsize                 *out_len,
                                         GError               **error);

G_END_DECLS
