/* chain-audit-checkpoints.c — witnessed checkpoints against split views
 *
 * Each refs/checkpoints/CUSTODIAN names a note in which that custodian
 * signed the ledger state it verified (chain-checkpoint.h). Checked after
 * the replay, so the custodians' officers are known: the note must parse
 * and name this ledger and its ref's custodian (checkpoint.format), be
 * signed by an officer of that custodian not revoked (checkpoint.signature),
 * and name a record main holds, with that record's commit and digest
 * (checkpoint.split); two notes naming one seq with different digests are
 * a split view (checkpoint.split), whatever main says.
 */
#include "chain-audit-private.h"

#include <inttypes.h>
#include <string.h>

#include "chain-checkpoint.h"
#include "chain-git-private.h"
#include "chain-i18n-private.h"
#include "chain-pki-private.h"

/* The note @name points at, or NULL (flagged). */
static ChainCheckpoint *
read_checkpoint (ChainAudit *a,
                 const char *name)
{
  g_autoptr(git_reference) ref = NULL;
  g_autoptr(git_reference) resolved = NULL;
  g_autoptr(git_commit) commit = NULL;
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_blob) blob = NULL;
  g_autoptr(GBytes) note = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shown = chain_audit_shown (name);
  const git_tree_entry *entry = NULL;
  ChainCheckpoint *checkpoint;

  if (git_reference_lookup (&ref, a->repo, name) < 0 || git_reference_resolve (&resolved, ref) < 0
      || git_commit_lookup (&commit, a->repo, git_reference_target (resolved)) < 0
      || git_commit_parentcount (commit) != 0 || git_commit_tree (&tree, commit) < 0
      || git_tree_entrycount (tree) != 1 || (entry = git_tree_entry_byname (tree, CHAIN_CHECKPOINT_FILE)) == NULL
      || git_tree_entry_filemode (entry) != GIT_FILEMODE_BLOB
      || git_blob_lookup (&blob, a->repo, git_tree_entry_id (entry)) < 0)
    {
      git_error_clear ();
      chain_audit_flag_ledger (a, "checkpoint.format", _("%s names no commit holding just a note '%s'; delete it"), shown,
                       CHAIN_CHECKPOINT_FILE);
      return NULL;
    }
  note = g_bytes_new (git_blob_rawcontent (blob), MIN ((gsize) git_blob_rawsize (blob), CHAIN_CHECKPOINT_MAX_LEN + 1));
  checkpoint = chain_checkpoint_parse (note, &error);
  if (checkpoint == NULL)
    {
      g_autofree char *message = chain_audit_shown (error->message);

      chain_audit_flag_ledger (a, "checkpoint.format", _("%s: %s"), shown, message);
      return NULL;
    }
  if (strcmp (chain_checkpoint_get_custodian (checkpoint), name + strlen (CHAIN_CHECKPOINT_REF_PREFIX)) != 0
      || a->ledger_id == NULL || strcmp (chain_checkpoint_get_ledger_id (checkpoint), a->ledger_id) != 0)
    {
      chain_audit_flag_ledger (a, "checkpoint.format", _("%s is a checkpoint of another custodian or ledger; delete it"),
                       shown);
      chain_checkpoint_free (checkpoint);
      return NULL;
    }
  return checkpoint;
}

/* SHA-256 of record.json of record @seq (commit @oid), or NULL. */
static char *
record_digest (ChainAudit    *a,
               guint64        seq,
               const git_oid *oid)
{
  const char *type = NULL;

  /* A record below a resumed audit's base is not in the report. */
  if (seq >= a->first_seq)
    {
      type = chain_audit_record_get_record_type (chain_audit_report_get_record (a->report, seq - a->first_seq));
      if (type == NULL)
        return NULL;
    }
  return chain_audit_record_json_digest (a, oid, seq, type);
}

static void
check_on_main (ChainAudit            *a,
               const ChainCheckpoint *checkpoint,
               const GArray          *chain)
{
  guint64 seq = chain_checkpoint_get_seq (checkpoint);
  const char *custodian = chain_checkpoint_get_custodian (checkpoint);
  g_autofree char *shown = chain_audit_shown (custodian);
  g_autofree char *commit = NULL;
  g_autofree char *digest = NULL;
  git_oid oid;

  if (!chain_audit_commit_at (a, chain, seq, &oid))
    {
      chain_audit_flag_ledger (a, "checkpoint.split", _("%s saw record %" PRIu64 " (commit %.12s), but main holds "
                         "%u records: this repository shows a shorter or other history than %s saw"),
                       shown, seq, chain_checkpoint_get_commit_id (checkpoint), (guint) (a->first_seq + chain->len),
                       shown);
      return;
    }
  commit = chain_audit_oid_hex (&oid);
  digest = record_digest (a, seq, &oid);
  if (strcmp (commit, chain_checkpoint_get_commit_id (checkpoint)) != 0)
    chain_audit_flag_ledger (a, "checkpoint.split", _("%s saw record %" PRIu64 " as commit %.12s, but main holds "
                       "commit %.12s there: a split view, or main was rewritten"),
                     shown, seq, chain_checkpoint_get_commit_id (checkpoint), commit);
  else if (digest != NULL && strcmp (digest, chain_checkpoint_get_record_digest (checkpoint)) != 0)
    chain_audit_flag_ledger (a, "checkpoint.split", _("%s saw record %" PRIu64 " with record.json digest %.12s, but "
                       "main's record.json there hashes to %.12s: the checkpoint was not signed over this ledger"),
                     shown, seq, chain_checkpoint_get_record_digest (checkpoint), digest);
}

static void
check_signature (ChainAudit            *a,
                 const ChainCheckpoint *checkpoint)
{
  const char *id = chain_checkpoint_get_custodian (checkpoint);
  const ChainCustodian *custodian = chain_ledger_state_find_custodian (a->state, id);
  g_autofree char *shown = chain_audit_shown (id);

  for (guint i = 0; custodian != NULL && i < chain_custodian_get_n_officers (custodian); i++)
    {
      g_autoptr(GError) error = NULL;

      if (strcmp (chain_custodian_get_officer_key_id (custodian, i), chain_checkpoint_get_officer_key_id (checkpoint)) != 0)
        continue;
      if (chain_custodian_is_officer_revoked (custodian, i))
        chain_audit_flag_ledger (a, "checkpoint.signature", _("the checkpoint of %s is signed by a revoked officer"), shown);
      else if (!chain_checkpoint_verify (checkpoint, chain_custodian_get_officer (custodian, i), &error))
        {
          g_autofree char *message = chain_audit_shown (error->message);

          chain_audit_flag_ledger (a, "checkpoint.signature", _("the checkpoint of %s: %s"), shown, message);
        }
      return;
    }
  chain_audit_flag_ledger (a, "checkpoint.signature", _("the checkpoint of %s is signed by key %.16s…, no officer of %s"),
                   shown, chain_checkpoint_get_officer_key_id (checkpoint), shown);
}

void
chain_audit_check_checkpoints (ChainAudit   *a,
                               const GArray *chain)
{
  g_autoptr(GPtrArray) checkpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_checkpoint_free);
  g_autoptr(git_reference_iterator) iter = NULL;
  const char *name = NULL;

  if (git_reference_iterator_glob_new (&iter, a->repo, CHAIN_CHECKPOINT_REF_PREFIX "*") < 0)
    {
      git_error_clear ();
      return;
    }
  while (git_reference_next_name (&name, iter) == 0)
    {
      ChainCheckpoint *checkpoint = read_checkpoint (a, name);

      if (checkpoint == NULL)
        continue;
      check_signature (a, checkpoint);
      check_on_main (a, checkpoint, chain);
      g_ptr_array_add (checkpoints, checkpoint);
    }
  git_error_clear ();

  for (guint i = 0; i < checkpoints->len; i++)
    for (guint j = i + 1; j < checkpoints->len; j++)
      {
        const ChainCheckpoint *x = g_ptr_array_index (checkpoints, i);
        const ChainCheckpoint *y = g_ptr_array_index (checkpoints, j);

        if (chain_checkpoint_get_seq (x) == chain_checkpoint_get_seq (y)
            && strcmp (chain_checkpoint_get_record_digest (x), chain_checkpoint_get_record_digest (y)) != 0)
          {
            g_autofree char *shown_x = chain_audit_shown (chain_checkpoint_get_custodian (x));
            g_autofree char *shown_y = chain_audit_shown (chain_checkpoint_get_custodian (y));

            chain_audit_flag_ledger (a, "checkpoint.split", _("%s and %s saw different records %" PRIu64
                               " (record.json %.12s and %.12s): the server showed them different histories"),
                             shown_x, shown_y, chain_checkpoint_get_seq (x), chain_checkpoint_get_record_digest (x),
                             chain_checkpoint_get_record_digest (y));
          }
      }
}
