/* chain-workspace-checkpoint.c — a workspace signs what it has seen (chain-checkpoint.h) */
#include "chain-checkpoint.h"
#include "chain-i18n-private.h"

#include <git2.h>
#include <string.h>

#include "chain-error.h"
#include "chain-ledger-private.h"
#include "chain-workspace-private.h"


/* git moves only commits between repositories: the note travels as the
 * one file, "checkpoint", of a commit without parents. */
static int
wrap_in_commit (git_repository *repo,
                const git_oid  *blob,
                gint64          time,
                git_oid        *out_commit)
{
  g_autoptr(git_treebuilder) builder = NULL;
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_signature) who = NULL;
  git_oid tree_id;
  int status;

  if ((status = git_treebuilder_new (&builder, repo, NULL)) < 0
      || (status = git_treebuilder_insert (NULL, builder, CHAIN_CHECKPOINT_FILE, blob, GIT_FILEMODE_BLOB)) < 0
      || (status = git_treebuilder_write (&tree_id, builder)) < 0
      || (status = git_tree_lookup (&tree, repo, &tree_id)) < 0
      || (status = git_signature_new (&who, "libchain", "checkpoint@libchain.invalid", time, 0)) < 0)
    return status;
  return git_commit_create (out_commit, repo, NULL, who, who, NULL, "libchain checkpoint\n", tree, 0, NULL);
}

ChainCheckpoint *
chain_workspace_write_checkpoint (ChainWorkspace *self,
                                  GError        **error)
{
  ChainLedger *ledger = chain_workspace_get_ledger (self);
  ChainKey *key = chain_workspace_officer_key (self);
  g_autoptr(ChainRecord) record = NULL;
  g_autoptr(GBytes) note = NULL;
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_reference) ref = NULL;
  g_autofree char *refname = NULL;
  const char *custodian = chain_workspace_get_custodian_id (self);
  ChainCheckpoint *checkpoint;
  git_oid blob;
  git_oid commit;
  int status;

  g_return_val_if_fail (self != NULL, NULL);

  if (ledger == NULL || chain_ledger_get_length (ledger) == 0 || custodian == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("the workspace's ledger has no records to sign a checkpoint of"));
      return NULL;
    }
  if (key == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                   _("signing a checkpoint needs an officer key; unlock the workspace"));
      return NULL;
    }
  record = chain_ledger_load_record (ledger, chain_ledger_get_length (ledger) - 1, error);
  if (record == NULL)
    return NULL;
  note = chain_checkpoint_sign (chain_ledger_get_id (ledger), chain_record_get_seq (record),
                                chain_record_get_digest (record), chain_record_get_commit_id (record),
                                g_get_real_time () / G_USEC_PER_SEC, custodian, key, error);
  if (note == NULL)
    return NULL;
  checkpoint = chain_checkpoint_parse (note, error);
  if (checkpoint == NULL)
    return NULL;

  refname = g_strconcat (CHAIN_CHECKPOINT_REF_PREFIX, custodian, NULL);
  git_libgit2_init ();
  status = git_repository_open_ext (&repo, chain_ledger_get_path (ledger), GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status >= 0)
    status = git_blob_create_from_buffer (&blob, repo, g_bytes_get_data (note, NULL), g_bytes_get_size (note));
  if (status >= 0)
    status = wrap_in_commit (repo, &blob, chain_checkpoint_get_time (checkpoint), &commit);
  if (status >= 0)
    status = git_reference_create (&ref, repo, refname, &commit, 1, "libchain: checkpoint");
  g_clear_pointer (&ref, git_reference_free);
  g_clear_pointer (&repo, git_repository_free);
  if (status < 0)
    {
      chain_checkpoint_free (checkpoint);
      chain_git_error (error, status, _("cannot write the checkpoint %s"), refname);
      git_libgit2_shutdown ();
      return NULL;
    }
  git_libgit2_shutdown ();
  return checkpoint;
}
