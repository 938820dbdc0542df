/* chain-git-private.h — libchain's boundary with libgit2
 *
 * The one place that defines autocleanups for libgit2 types (so any two
 * private headers can be included together), turns libgit2's last error
 * into a GError, parses commit ids and makes renames durable. The public
 * headers name no git_* type. Never installed.
 */
#pragma once

#include <git2.h>

#include "chain-error.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_blob, git_blob_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_commit, git_commit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_indexer, git_indexer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_object, git_object_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_odb, git_odb_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_odb_object, git_odb_object_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_packbuilder, git_packbuilder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_reference, git_reference_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_reference_iterator, git_reference_iterator_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_remote, git_remote_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_repository, git_repository_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_revwalk, git_revwalk_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_signature, git_signature_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_tree, git_tree_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_tree_entry, git_tree_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_treebuilder, git_treebuilder_free)

/**
 * chain_git_error:
 * @error: the GError to set (may be NULL).
 * @status: what libgit2 returned.
 * @format: the one-line message; libgit2's own, if it left one (it may
 *   not on 1.5), is appended after ": ".
 *
 * Sets CHAIN_ERROR_FAILED and clears libgit2's last error.
 *
 * Returns: %FALSE, for `return chain_git_error (...)`.
 */
gboolean chain_git_error (GError    **error,
                          int         status,
                          const char *format,
                          ...) G_GNUC_PRINTF (3, 4);

/**
 * chain_git_take_reason:
 * @fallback: what to say when libgit2 left no message (1.5 may not).
 *
 * Returns: (transfer full): libgit2's last error message on one line, or
 *   @fallback; libgit2's last error is cleared.
 */
char *chain_git_take_reason (const char *fallback);

/* Whether @text is exactly 40 lower-case hex digits naming a non-zero id;
 * sets @out only then. */
gboolean chain_git_parse_commit_id (const char *text,
                                    gsize       len,
                                    git_oid    *out);

/* Makes a rename in @path's directory durable; best effort. */
gboolean chain_git_fsync_parent_dir (const char *path);

G_END_DECLS
