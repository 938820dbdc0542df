/* chain-audit-refs.c — what the repository around the history may hold
 *
 * The signatures cover the commits, not what plain git shows of them.
 * A `shallow` file makes git stop the history early; HEAD on another
 * branch, a second branch, tags or notes make git (and a reader using
 * it) show something the ledger never recorded. A ledger therefore
 * carries refs/heads/main, HEAD pointing at it, and only libchain's own
 * bookkeeping refs (refs/remotes/, refs/chain/), each of which must hold
 * the same genesis: no second root under any ref; and the custodians'
 * checkpoints (refs/checkpoints/, chain-audit-checkpoints.c).
 */
#include "chain-audit-private.h"

#include <inttypes.h>
#include <string.h>

#include "chain-checkpoint.h"
#include "chain-i18n-private.h"

#define MAIN_REF "refs/heads/main"


/* libchain's workspaces write refs/remotes/NAME/main (sync), and
 * refs/chain/sent/, refs/chain/received/ and refs/chain/abandoned/
 * (bundles, records a sync set aside). */
static const char *const bookkeeping_prefixes[] = { "refs/remotes/", "refs/chain/", NULL };

/* A finding about the repository rather than one record. */
void
chain_audit_flag_ledger (ChainAudit *a,
                         const char *rule,
                         const char *format,
                         ...)
{
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (a->report->findings,
                   chain_audit_finding_new (-1, rule, g_strdup_printf (_("ledger: rule %s: %s"), rule, detail)));
}

static gboolean
is_bookkeeping (const char *name)
{
  for (guint i = 0; bookkeeping_prefixes[i] != NULL; i++)
    if (g_str_has_prefix (name, bookkeeping_prefixes[i]))
      return TRUE;
  return FALSE;
}

void
chain_audit_check_shallow (ChainAudit *a)
{
  g_autofree char *shallow = g_build_filename (git_repository_path (a->repo), "shallow", NULL);

  if (g_file_test (shallow, G_FILE_TEST_EXISTS))
    chain_audit_flag_ledger (a, "repo.shallow", _("the repository has a 'shallow' file: plain git shows the history cut short "
                 "there; delete the file, or fetch the whole ledger with `git fetch --unshallow`"));
}

static void
check_head (ChainAudit *a)
{
  g_autoptr(git_reference) head = NULL;

  if (git_reference_lookup (&head, a->repo, "HEAD") < 0)
    {
      git_error_clear ();
      chain_audit_flag_ledger (a, "repo.head", _("HEAD cannot be read; it must point at %s"), MAIN_REF);
      return;
    }
  if (git_reference_type (head) != GIT_REFERENCE_SYMBOLIC
      || strcmp (git_reference_symbolic_target (head), MAIN_REF) != 0)
    {
      g_autofree char *target = chain_audit_shown (git_reference_type (head) == GIT_REFERENCE_SYMBOLIC
                                                   ? git_reference_symbolic_target (head)
                                                   : _("a detached commit"));

      chain_audit_flag_ledger (a, "repo.head", _("HEAD points at %s, not at %s: plain git shows another history than the "
                   "ledger; run `git symbolic-ref HEAD %s`"), target, MAIN_REF, MAIN_REF);
    }
}

/* Whether everything @ref reaches leads to @genesis: a root commit that is
 * not the genesis (or an object that is no commit) is another history. */
static void
check_root_of (ChainAudit    *a,
               const char    *name,
               const git_oid *target,
               const git_oid *tip,
               const git_oid *genesis)
{
  g_autoptr(git_revwalk) walk = NULL;
  g_autofree char *shown = chain_audit_shown (name);
  git_oid oid;
  int status;

  if (git_revwalk_new (&walk, a->repo) < 0 || git_revwalk_push (walk, target) < 0)
    {
      git_error_clear ();
      chain_audit_flag_ledger (a, "refs.root", _("%s names no readable commit; delete it"), shown);
      return;
    }
  /* What main holds was checked record by record. */
  if (git_revwalk_hide (walk, tip) < 0)
    git_error_clear ();
  while ((status = git_revwalk_next (&oid, walk)) == 0)
    {
      g_autoptr(git_commit) commit = NULL;

      if (g_cancellable_is_cancelled (a->cancellable))
        return;
      if (git_commit_lookup (&commit, a->repo, &oid) < 0)
        {
          git_error_clear ();
          chain_audit_flag_ledger (a, "refs.root", _("%s leads to a commit that cannot be read; delete it"), shown);
          return;
        }
      if (git_commit_parentcount (commit) == 0 && !git_oid_equal (&oid, genesis))
        {
          g_autofree char *hex = chain_audit_oid_hex (&oid);

          chain_audit_flag_ledger (a, "refs.root", _("%s leads to root commit %.12s, which is not the ledger's genesis: "
                       "a second history in the repository; delete the ref"), shown, hex);
          return;
        }
    }
  if (status != GIT_ITEROVER)
    {
      git_error_clear ();
      chain_audit_flag_ledger (a, "refs.root", _("%s leads to a commit that cannot be read; delete it"), shown);
    }
}

void
chain_audit_check_refs (ChainAudit    *a,
                        const git_oid *tip,
                        const git_oid *genesis)
{
  g_autoptr(git_reference_iterator) iter = NULL;
  git_reference *ref = NULL;
  int status;

  check_head (a);
  if (git_reference_iterator_new (&iter, a->repo) < 0)
    {
      git_error_clear ();
      chain_audit_flag_ledger (a, "refs.extra", _("the repository's refs cannot be listed"));
      return;
    }
  while ((status = git_reference_next (&ref, iter)) == 0)
    {
      const char *name = git_reference_name (ref);
      g_autofree char *shown = chain_audit_shown (name);
      g_autoptr(git_reference) resolved = NULL;

      /* history.replace reports these; chain-audit-checkpoints.c the checkpoints. */
      if (strcmp (name, MAIN_REF) == 0 || g_str_has_prefix (name, "refs/replace/")
          || g_str_has_prefix (name, CHAIN_CHECKPOINT_REF_PREFIX))
        {
          git_reference_free (ref);
          continue;
        }
      if (!is_bookkeeping (name))
        chain_audit_flag_ledger (a, "refs.extra", _("the repository holds %s; a ledger has one branch, %s, and only libchain's "
                     "refs/remotes/, refs/chain/ and refs/checkpoints/ besides: delete it"), shown, MAIN_REF);
      else if (git_reference_resolve (&resolved, ref) < 0)
        {
          git_error_clear ();
          chain_audit_flag_ledger (a, "refs.root", _("%s names no readable commit; delete it"), shown);
        }
      else
        check_root_of (a, name, git_reference_target (resolved), tip, genesis);
      git_reference_free (ref);
    }
  if (status != GIT_ITEROVER)
    git_error_clear ();
}
