/* chain-audit-resume.c — an audit that starts from a state audited before
 *
 * A hosted ledger's hook judges each push by the records it adds on top of
 * the hosted main. A full audit reads and replays every record below them
 * again; a resumed one starts from the state an earlier audit of the hook
 * left at a commit (chain-receive-cache-private.h) and reads only the
 * commits above it. What a record needs from those below is exactly what
 * that state and that commit hold: the rules' state, the root that anchors
 * the commit signatures (the state's first CA: the genesis root), the
 * ledger id, and the previous record's record.json digest and tree. The
 * records above the base get every check a full audit gives them.
 */
#include "chain-audit-private.h"

#include <inttypes.h>
#include <string.h>

#include "chain-ledger-state-private.h"
#include "chain-pki-private.h"

/* First parents from @tip down to the base, tip first, the base left out.
 * FALSE when the base is not among them or a commit cannot be read. */
static gboolean
walk_to_base (ChainAudit    *a,
              const git_oid *tip,
              GArray        *chain)
{
  git_oid oid;

  git_oid_cpy (&oid, tip);
  while (!git_oid_equal (&oid, &a->base))
    {
      g_autoptr(git_commit) commit = NULL;

      if ((chain->len & 0xff) == 0 && g_cancellable_is_cancelled (a->cancellable))
        return FALSE;
      if (git_commit_lookup (&commit, a->repo, &oid) < 0 || git_commit_parentcount (commit) == 0)
        {
          git_error_clear ();
          return FALSE;
        }
      g_array_append_val (chain, oid);
      git_oid_cpy (&oid, git_commit_parent_id (commit, 0));
    }
  return TRUE;
}

/* The genesis root, as the state holds it: its first CA, issued by none. */
static ChainCert *
dup_root (const ChainLedgerState *state)
{
  ChainLedgerCa *root;

  if (chain_ledger_state_get_n_cas (state) == 0)
    return NULL;
  root = chain_ledger_state_get_ca (state, 0);
  return root->issuer == NULL ? chain_cert_copy (root->cert) : NULL;
}

gboolean
chain_audit_resume_setup (ChainAudit    *a,
                          const git_oid *tip,
                          GArray        *chain)
{
  ChainLedgerState *state = a->base_state;
  guint64 n_records = chain_ledger_state_get_n_records (state);
  g_autoptr(ChainCert) root = NULL;
  g_autoptr(git_commit) base = NULL;
  g_autofree char *digest = NULL;
  git_oid pin;

  /* An export directory is compared with every export record; a pin
   * other than the base is checked against the whole history. */
  if (a->options->export_dir != NULL || n_records == 0 || chain_ledger_state_get_ledger_id (state) == NULL)
    return FALSE;
  if (a->options->pinned_tip != NULL
      && (git_oid_fromstr (&pin, a->options->pinned_tip) < 0 || !git_oid_equal (&pin, &a->base)))
    {
      git_error_clear ();
      return FALSE;
    }
  root = dup_root (state);
  if (root == NULL)
    return FALSE;
  if (a->options->trusted_root != NULL)
    {
      g_autofree char *thumbprint = chain_cert_dup_thumbprint_hex (root, CHAIN_DIGEST_SHA256);

      /* The full audit names the stranger root (history.root). */
      if (thumbprint == NULL || g_ascii_strcasecmp (thumbprint, a->options->trusted_root) != 0)
        return FALSE;
    }
  if (git_commit_lookup (&base, a->repo, &a->base) < 0)
    {
      git_error_clear ();
      return FALSE;
    }
  digest = chain_audit_record_json_digest (a, &a->base, n_records - 1, NULL);
  if (digest == NULL || !walk_to_base (a, tip, chain))
    {
      g_array_set_size (chain, 0);
      return FALSE;
    }

  g_ptr_array_add (a->anchors, g_steal_pointer (&root));
  a->ledger_id = g_strdup (chain_ledger_state_get_ledger_id (state));
  a->prev_digest = g_steal_pointer (&digest);
  git_oid_cpy (&a->prev_tree, git_commit_tree_id (base));
  a->have_prev_tree = TRUE;
  a->first_seq = n_records;
  chain_ledger_state_free (a->state);
  a->state = g_steal_pointer (&a->base_state);
  return TRUE;
}

gboolean
chain_audit_commit_at (ChainAudit   *a,
                       const GArray *chain,
                       guint64       seq,
                       git_oid      *out_oid)
{
  git_oid oid;

  if (seq >= a->first_seq + chain->len)
    return FALSE;
  if (seq >= a->first_seq)
    {
      git_oid_cpy (out_oid, &g_array_index (chain, git_oid, seq - a->first_seq));
      return TRUE;
    }
  /* Below the base of a resumed audit. */
  git_oid_cpy (&oid, &a->base);
  for (guint64 at = a->first_seq - 1; at > seq; at--)
    {
      g_autoptr(git_commit) commit = NULL;

      if (git_commit_lookup (&commit, a->repo, &oid) < 0 || git_commit_parentcount (commit) == 0)
        {
          git_error_clear ();
          return FALSE;
        }
      git_oid_cpy (&oid, git_commit_parent_id (commit, 0));
    }
  git_oid_cpy (out_oid, &oid);
  return TRUE;
}

/* The directory records/AAAA/BB/ of record @seq in @tree (the auditor's
 * own reading of the layout, docs/ledger-format.md, The tree). */
static git_tree *
record_parent_dir (ChainAudit *a,
                   git_tree   *tree,
                   guint64     seq)
{
  g_autofree char *path = g_strdup_printf ("records/%04" G_GUINT64_FORMAT "/%02" G_GUINT64_FORMAT,
                                           seq / 10000, (seq / 100) % 100);
  g_autoptr(git_tree_entry) entry = NULL;
  git_tree *dir = NULL;

  if (git_tree_entry_bypath (&entry, tree, path) < 0 || git_tree_entry_type (entry) != GIT_OBJECT_TREE
      || git_tree_lookup (&dir, a->repo, git_tree_entry_id (entry)) < 0)
    {
      git_error_clear ();
      return NULL;
    }
  return dir;
}

char *
chain_audit_record_json_digest (ChainAudit    *a,
                                const git_oid *commit_id,
                                guint64        seq,
                                const char    *type)
{
  g_autofree char *prefix = g_strdup_printf ("%08" G_GUINT64_FORMAT "-", seq);
  g_autofree char *name = type != NULL ? g_strconcat (prefix, type, NULL) : NULL;
  g_autoptr(git_commit) commit = NULL;
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_tree) dir = NULL;
  g_autoptr(git_tree) record = NULL;
  g_autoptr(git_blob) blob = NULL;
  const git_tree_entry *found = NULL;
  const git_tree_entry *json = NULL;

  if (git_commit_lookup (&commit, a->repo, commit_id) < 0 || git_commit_tree (&tree, commit) < 0)
    {
      git_error_clear ();
      return NULL;
    }
  dir = record_parent_dir (a, tree, seq);
  if (dir == NULL)
    return NULL;
  if (name != NULL)
    found = git_tree_entry_byname (dir, name);
  else
    for (gsize i = 0; i < git_tree_entrycount (dir); i++)
      {
        const git_tree_entry *entry = git_tree_entry_byindex (dir, i);

        if (!g_str_has_prefix (git_tree_entry_name (entry), prefix))
          continue;
        /* Two directories for one record: which one is no guess to make. */
        if (found != NULL)
          return NULL;
        found = entry;
      }
  if (found == NULL || git_tree_entry_type (found) != GIT_OBJECT_TREE
      || git_tree_lookup (&record, a->repo, git_tree_entry_id (found)) < 0
      || (json = git_tree_entry_byname (record, "record.json")) == NULL
      || git_blob_lookup (&blob, a->repo, git_tree_entry_id (json)) < 0)
    {
      git_error_clear ();
      return NULL;
    }
  return chain_sha256_hex (git_blob_rawcontent (blob), (gsize) git_blob_rawsize (blob));
}
