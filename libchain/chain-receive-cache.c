/* chain-receive-cache.c — the hook's state cache in a hosted repository
 *
 * See chain-receive-cache-private.h for what it is trusted with. One file
 * per accepted tip, not one for the latest: pushes are judged one at a
 * time, but git moves main after the hook exits, so the next push may be
 * judged on the old main while the accepted one lands, and a push that
 * then loses the race must not take the cache of the one that won.
 */
#include "chain-receive-cache-private.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "chain-state-cache-private.h"

#define MAIN_REF "refs/heads/main"

static gboolean
is_commit_id (const char *name)
{
  if (strlen (name) != GIT_OID_HEXSZ)
    return FALSE;
  for (gsize i = 0; i < GIT_OID_HEXSZ; i++)
    if (!g_ascii_isxdigit (name[i]) || g_ascii_isupper (name[i]))
      return FALSE;
  return TRUE;
}

static char *
cache_dir (const char *repo_path)
{
  return g_build_filename (repo_path, CHAIN_RECEIVE_CACHE_DIR, NULL);
}

/* The state in @path if it ends at @commit_id; why not in *out_why. */
static ChainLedgerState *
read_state (const char  *path,
            const char  *commit_id,
            char       **out_why)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainLedgerState) state = NULL;
  g_autofree char *tip = NULL;
  GStatBuf st;

  if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode) || (guint64) st.st_size > CHAIN_STATE_CACHE_MAX_LEN)
    {
      *out_why = g_strdup ("not a regular file of at most the cache's size");
      return NULL;
    }
  file = g_mapped_file_new (path, FALSE, &error);
  if (file == NULL)
    {
      *out_why = g_strdup (error->message);
      return NULL;
    }
  state = chain_state_cache_decode ((const guint8 *) g_mapped_file_get_contents (file),
                                    g_mapped_file_get_length (file), &tip, &error);
  if (state == NULL)
    {
      *out_why = g_strdup (error->message);
      return NULL;
    }
  if (g_strcmp0 (tip, commit_id) != 0)
    {
      *out_why = g_strdup_printf ("keyed to commit %s", tip);
      return NULL;
    }
  return g_steal_pointer (&state);
}

ChainLedgerState *
chain_receive_cache_load (const char *repo_path,
                          const char *commit_id)
{
  g_autofree char *dir = cache_dir (repo_path);
  g_autofree char *path = g_build_filename (dir, commit_id, NULL);
  g_autofree char *why = NULL;
  ChainLedgerState *state;

  g_return_val_if_fail (is_commit_id (commit_id), NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_debug ("hook: no state cache for commit %.12s: a full audit", commit_id);
      return NULL;
    }
  state = read_state (path, commit_id, &why);
  if (state == NULL)
    {
      g_debug ("hook: the state cache for commit %.12s is unusable (%s): deleted; a full audit", commit_id, why);
      g_unlink (path);
    }
  return state;
}

/* Whether a later push may build on @name: main, or a commit above it. */
static gboolean
may_become_main (git_repository *hosted,
                 gboolean        have_main,
                 const git_oid  *main_oid,
                 const char     *name)
{
  git_oid oid;
  int status;

  if (!have_main || !is_commit_id (name) || git_oid_fromstr (&oid, name) < 0)
    return FALSE;
  if (git_oid_equal (&oid, main_oid))
    return TRUE;
  status = git_graph_descendant_of (hosted, &oid, main_oid);
  git_error_clear ();
  return status == 1;
}

void
chain_receive_cache_store (const char             *repo_path,
                           git_repository         *hosted,
                           const ChainLedgerState *state,
                           const char             *commit_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = cache_dir (repo_path);
  g_autofree char *path = g_build_filename (dir, commit_id, NULL);
  g_autoptr(GDir) listing = NULL;
  gboolean have_main;
  git_oid main_oid;
  const char *name;

  g_return_if_fail (is_commit_id (commit_id));

  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      g_debug ("hook: cannot make %s: %s", dir, g_strerror (errno));
      return;
    }
  if (!chain_state_cache_write (path, state, commit_id, &error))
    g_debug ("hook: %s", error->message);

  /* The push judged now is not in the hosted repository yet: its commit
   * is kept by name. */
  have_main = git_reference_name_to_id (&main_oid, hosted, MAIN_REF) == 0;
  git_error_clear ();
  listing = g_dir_open (dir, 0, NULL);
  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    if (strcmp (name, commit_id) != 0 && !may_become_main (hosted, have_main, &main_oid, name))
      {
        g_autofree char *stale = g_build_filename (dir, name, NULL);

        g_unlink (stale);
      }
}
