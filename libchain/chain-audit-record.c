/* chain-audit-record.c — the auditor's checks of one commit and its record
 *
 * In order: the commit's raw headers and signature; its tree against its
 * parent's; the record directory's three JSON files and artifacts; the CMS
 * signature over the commit; then the rules (chain-ledger-state.h).
 * Findings are collected while the record is checked and given their
 * message once its type is known. Every object is read here, with its
 * hash checked, so a missing or damaged one is a finding on the record
 * that needs it.
 */
#include "chain-audit-private.h"

#include <inttypes.h>
#include <string.h>

#include "chain-armor-private.h"
#include "chain-cms-private.h"
#include "chain-i18n-private.h"
#include "chain-ledger-state-private.h"
#include "chain-pki-private.h"
#include "chain-verify.h"

/* The format's size limits (docs/ledger-format.md), kept here so the
 * auditor does not take them from the writer. */
#define AUDIT_COMMIT_MAX_LEN (256 * 1024)
#define AUDIT_RECORD_JSON_MAX_LEN 4096
/* Far above a tree of a billion records. */
#define AUDIT_TREE_MAX_LEN (64 * 1024 * 1024)
#define AUDIT_NO_PREV "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct {
  char *rule;
  char *detail;
} Pending;

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  g_free (pending->rule);
  g_free (pending->detail);
  g_free (pending);
}

/* One record being checked. */
struct _ChainAuditCheck {
  guint64         seq;
  git_oid         oid;
  char            hex[GIT_OID_HEXSZ + 1];
  GPtrArray      *pending;            /* Pending * */
  char           *type;               /* the statement's, else the directory's */
  char           *author;
  char           *dir_name;
  gboolean        root_extra;         /* the root commit adds more than a record */
  /* The commit */
  gint64          commit_time;
  char           *author_name;
  char           *author_email;
  gint64          author_time;
  char           *committer_name;
  char           *committer_email;
  GBytes         *signature;          /* the gpgsig header as git hands it to gpgsm */
  GBytes         *payload;            /* the commit without it */
  git_oid         tree;
  gboolean        have_tree;
  /* The record */
  GBytes         *record_json;
  char           *digest;             /* of record.json */
  ChainStatement *statement;
  gboolean        complete;           /* every artifact attached */
  ChainCert      *signer;             /* the verified commit signer */
};
typedef ChainAuditCheck Check;

static void
check_clear (Check *c)
{
  g_clear_pointer (&c->pending, g_ptr_array_unref);
  g_clear_pointer (&c->type, g_free);
  g_clear_pointer (&c->author, g_free);
  g_clear_pointer (&c->dir_name, g_free);
  g_clear_pointer (&c->author_name, g_free);
  g_clear_pointer (&c->author_email, g_free);
  g_clear_pointer (&c->committer_name, g_free);
  g_clear_pointer (&c->committer_email, g_free);
  g_clear_pointer (&c->signature, g_bytes_unref);
  g_clear_pointer (&c->payload, g_bytes_unref);
  g_clear_pointer (&c->record_json, g_bytes_unref);
  g_clear_pointer (&c->digest, g_free);
  g_clear_pointer (&c->statement, chain_statement_unref);
  g_clear_pointer (&c->signer, chain_cert_free);
}

static void
flag (Check      *c,
      const char *rule,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

/* Records a finding for @c; its message is made once the type is known. */
static void
flag (Check      *c,
      const char *rule,
      const char *format,
      ...)
{
  Pending *pending = g_new0 (Pending, 1);
  va_list args;

  va_start (args, format);
  pending->detail = g_strdup_vprintf (format, args);
  va_end (args);
  pending->rule = g_strdup (rule);
  g_ptr_array_add (c->pending, pending);
}

static gboolean
has_flag (const Check *c,
          const char  *rule)
{
  for (guint i = 0; i < c->pending->len; i++)
    if (strcmp (((Pending *) g_ptr_array_index (c->pending, i))->rule, rule) == 0)
      return TRUE;
  return FALSE;
}

/* ---- Objects ------------------------------------------------------------------ */

/* Reads object @oid of @type, checking that its bytes hash to its name
 * (whatever libgit2's global options say). A missing, damaged or oversized
 * object is a finding on @c. */
static GBytes *
read_object (ChainAudit    *a,
             Check         *c,
             const git_oid *oid,
             git_object_t   type,
             gsize          max_len,
             const char    *what)
{
  g_autoptr(git_odb_object) object = NULL;
  g_autofree char *hex = chain_audit_oid_hex (oid);
  git_object_t actual = GIT_OBJECT_INVALID;
  size_t len = 0;
  const void *data = NULL;
  size_t size = 0;
  git_oid computed;
  int status;

  status = git_odb_read_header (&len, &actual, a->odb, oid);
  if (status == GIT_ENOTFOUND)
    {
      git_error_clear ();
      /* Translators: the first %s says which object, e.g. 'the commit' or
       * 'artifact ca.pem'; %.12s is the start of its git object id. */
      flag (c, "object.missing", _("%s (object %.12s) is missing from the repository"), what, hex);
      return NULL;
    }
  if (status < 0)
    {
      g_autofree char *reason = chain_git_take_reason (_("damaged"));

      /* Translators: the last %s is libgit2's reason (in English). */
      flag (c, "object.corrupt", _("%s (object %.12s) cannot be read: %s"), what, hex, reason);
      return NULL;
    }
  if (actual != type)
    {
      /* Translators: the last two %s are git object types ('blob', 'tree',
       * 'commit'), not translated. */
      flag (c, "object.corrupt", _("%s (object %.12s) is a %s, not a %s"), what, hex,
            git_object_type2string (actual), git_object_type2string (type));
      return NULL;
    }
  if (len > max_len)
    {
      flag (c, type == GIT_OBJECT_COMMIT ? "commit.format" : "record.format",
            _("%s is too large (%zu bytes, at most %zu)"),
            what, (gsize) len, max_len);
      return NULL;
    }
  status = git_odb_read (&object, a->odb, oid);
  if (status == 0)
    status = git_odb_hash (&computed, git_odb_object_data (object), git_odb_object_size (object), type);
  if (status < 0 || !git_oid_equal (&computed, oid))
    {
      flag (c, status == GIT_ENOTFOUND ? "object.missing" : "object.corrupt",
            _("%s (object %.12s) is damaged: its content does not match its name"), what, hex);
      git_error_clear ();
      return NULL;
    }
  /* No copy: a batch's certificates.pem is megabytes. */
  data = git_odb_object_data (object);
  size = git_odb_object_size (object);
  return g_bytes_new_with_free_func (data, size, (GDestroyNotify) git_odb_object_free, g_steal_pointer (&object));
}

static git_tree *
read_tree (ChainAudit    *a,
           Check         *c,
           const git_oid *oid,
           const char    *what)
{
  g_autoptr(GBytes) raw = read_object (a, c, oid, GIT_OBJECT_TREE, AUDIT_TREE_MAX_LEN, what);
  git_tree *tree = NULL;

  if (raw == NULL)
    return NULL;
  if (git_tree_lookup (&tree, a->repo, oid) < 0)
    {
      g_autofree char *hex = chain_audit_oid_hex (oid);

      flag (c, "object.corrupt", _("%s (tree %.12s) cannot be parsed"), what, hex);
      git_error_clear ();
      return NULL;
    }
  return tree;
}

/* ---- The commit ------------------------------------------------------------------ */

static const char *const allowed_headers[] = { "tree", "parent", "author", "committer", NULL };

/* Splits the raw commit as git does for verify-commit: the gpgsig header
 * and the payload it signs (everything else, byte for byte); flags
 * unexpected or repeated headers, signatures counted other than once, and
 * a signature block in the message. */
static void
split_commit (Check        *c,
              const guint8 *raw,
              gsize         len)
{
  g_autoptr(GString) payload = g_string_sized_new (len);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean in_signature = FALSE;
  guint n_signatures = 0;
  const char *message = NULL;
  gsize message_len = 0;
  gsize pos = 0;

  while (pos < len)
    {
      const char *line = (const char *) raw + pos;
      const char *newline = memchr (line, '\n', len - pos);
      gsize line_len = newline != NULL ? (gsize) (newline - line) : len - pos;
      gsize next = pos + line_len + (newline != NULL ? 1 : 0);
      const char *space = NULL;
      g_autofree char *name = NULL;

      if (line_len == 0)
        {
          message = line + (newline != NULL ? 1 : 0);
          message_len = len - pos - (newline != NULL ? 1 : 0);
          g_string_append_len (payload, line, (gssize) (len - pos));
          break;
        }
      if (line[0] == ' ')
        {
          /* A continuation: of the signature it is signature text. */
          if (!in_signature)
            g_string_append_len (payload, line, (gssize) (next - pos));
          pos = next;
          continue;
        }
      in_signature = FALSE;
      space = memchr (line, ' ', line_len);
      name = g_strndup (line, space != NULL ? (gsize) (space - line) : MIN (line_len, 32));
      if (strcmp (name, "gpgsig") == 0)
        {
          in_signature = TRUE;
          n_signatures++;
          pos = next;
          continue;
        }
      if (!g_strv_contains (allowed_headers, name))
        {
          g_autofree char *text = chain_audit_shown (name);

          flag (c, "commit.headers", _("the commit has a header '%s', which the ledger format does not allow"),
                text);
        }
      else if (strcmp (name, "parent") != 0 && g_hash_table_contains (seen, name))
        flag (c, "commit.headers", _("the commit has header '%s' twice"), name);
      g_hash_table_add (seen, g_steal_pointer (&name));
      g_string_append_len (payload, line, (gssize) (next - pos));
      pos = next;
    }

  if (n_signatures == 0)
    flag (c, "commit.unsigned", _("the commit has no gpgsig header: it is not signed"));
  else if (n_signatures > 1)
    flag (c, "commit.signatures", _("the commit has %u gpgsig headers; exactly one is allowed"), n_signatures);
  /* libgit2 1.5's git_commit_extract_signature() would find a signature
   * here; git shows it as part of the message. Neither is a signature. */
  if (message != NULL && g_strstr_len (message, (gssize) message_len, "-----BEGIN ") != NULL)
    flag (c, "commit.moved-signature",
          _("the commit message holds a signature-like block; signatures belong in the gpgsig header only"));
  c->payload = g_string_free_to_bytes (g_steal_pointer (&payload));
}

/* Reads the commit at @c->oid: tree, times, then the raw headers and the
 * signature. Returns the number of parents, or -1 if the commit cannot be
 * read at all. */
static int
read_commit (ChainAudit *a,
             Check      *c)
{
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(git_commit) commit = NULL;
  git_buf field = GIT_BUF_INIT;
  const git_signature *author = NULL;
  const git_signature *committer = NULL;
  gsize len = 0;
  const guint8 *data = NULL;

  /* The history walk read every commit of the chain already. */
  if (git_commit_lookup (&commit, a->repo, &c->oid) < 0)
    {
      flag (c, "commit.format", _("the commit cannot be parsed as a git commit"));
      git_error_clear ();
      return -1;
    }
  git_oid_cpy (&c->tree, git_commit_tree_id (commit));
  c->have_tree = TRUE;
  author = git_commit_author (commit);
  committer = git_commit_committer (commit);
  c->commit_time = committer->when.time;
  c->author_name = g_strdup (author->name);
  c->author_email = g_strdup (author->email);
  c->author_time = author->when.time;
  c->committer_name = g_strdup (committer->name);
  c->committer_email = g_strdup (committer->email);

  raw = read_object (a, c, &c->oid, GIT_OBJECT_COMMIT, AUDIT_COMMIT_MAX_LEN, _("the commit"));
  if (raw != NULL)
    {
      data = g_bytes_get_data (raw, &len);
      split_commit (c, data, len);
      /* The signature as git hands it to gpgsm: the gpgsig header's value. */
      if (git_commit_header_field (&field, commit, "gpgsig") == 0)
        c->signature = g_bytes_new (field.ptr, field.size);
      else
        git_error_clear ();
      git_buf_dispose (&field);
    }
  return (int) MIN (git_commit_parentcount (commit), G_MAXINT);
}

/* ---- The tree ------------------------------------------------------------------- */

static gboolean
entry_same (const git_tree_entry *a,
            const git_tree_entry *b)
{
  return git_oid_equal (git_tree_entry_id (a), git_tree_entry_id (b))
         && git_tree_entry_filemode (a) == git_tree_entry_filemode (b);
}

/* Everything in @tree but @keep must be as in @parent (NULL: empty);
 * flags what was added, changed or removed under @where. */
static void
diff_level (Check      *c,
            git_tree   *tree,
            git_tree   *parent,
            const char *where,
            const char *keep)
{
  gsize n = git_tree_entrycount (tree);
  gsize n_parent = parent != NULL ? git_tree_entrycount (parent) : 0;

  for (gsize i = 0; i < n; i++)
    {
      const git_tree_entry *entry = git_tree_entry_byindex (tree, i);
      const char *name = git_tree_entry_name (entry);
      const git_tree_entry *before = parent != NULL ? git_tree_entry_byname (parent, name) : NULL;
      g_autofree char *text = NULL;

      if (keep != NULL && strcmp (name, keep) == 0)
        continue;
      if (before != NULL && entry_same (entry, before))
        continue;
      text = chain_audit_shown (name);
      if (before == NULL)
        {
          /* Translators: here and below, '%s%s' is a directory of the ledger's tree, e.g.
           * 'records/', then the name of an entry in it. */
          flag (c, "tree.extra", _("the commit adds '%s%s', which is not its record"), where, text);
          if (c->seq == 0)
            c->root_extra = TRUE;
        }
      else
        flag (c, "tree.changed", _("the commit changes '%s%s', which an earlier record wrote"), where, text);
    }
  for (gsize i = 0; i < n_parent; i++)
    {
      const git_tree_entry *entry = git_tree_entry_byindex (parent, i);
      const char *name = git_tree_entry_name (entry);

      if (git_tree_entry_byname (tree, name) == NULL)
        {
          g_autofree char *text = chain_audit_shown (name);

          flag (c, "tree.changed", _("the commit removes '%s%s', which an earlier record wrote"), where, text);
        }
    }
}

/* The subtree @name of @tree, or NULL (flagged) if it is absent or not a
 * directory. */
static git_tree *
descend (ChainAudit *a,
         Check      *c,
         git_tree   *tree,
         const char *name,
         const char *where,
         gboolean    required)
{
  const git_tree_entry *entry = tree != NULL ? git_tree_entry_byname (tree, name) : NULL;
  /* Translators: a directory of the ledger's tree, e.g. 'directory records/0000/'. */
  g_autofree char *what = g_strdup_printf (_("directory %s%s"), where, name);

  if (entry == NULL)
    {
      if (required)
        flag (c, "tree.record-path", _("%s%s is missing; record %" PRIu64 " belongs under it"),
              where, name, c->seq);
      return NULL;
    }
  if (git_tree_entry_filemode (entry) != GIT_FILEMODE_TREE)
    {
      if (required)
        flag (c, "tree.record-path", _("%s%s is not a directory"), where, name);
      return NULL;
    }
  return read_tree (a, c, git_tree_entry_id (entry), what);
}

/* Checks that @tree is @parent (NULL: empty) plus record @c->seq's
 * directory, and finds that directory: the new one named SSSSSSSS-TYPE,
 * or for diagnosis the only new one under another name. @trees and
 * @parents hold the path's trees, [0] given, the rest filled in here. */
static git_tree *
find_record_dir_in (ChainAudit *a,
                    Check      *c,
                    git_tree   *trees[4],
                    git_tree   *parents[4])
{
  g_autofree char *level1 = g_strdup_printf ("%04" G_GUINT64_FORMAT, c->seq / 10000);
  g_autofree char *level2 = g_strdup_printf ("%02" G_GUINT64_FORMAT, (c->seq / 100) % 100);
  g_autofree char *prefix = g_strdup_printf ("%08" G_GUINT64_FORMAT "-", c->seq);
  g_autofree char *where1 = g_strconcat ("records/", level1, "/", NULL);
  g_autofree char *where2 = g_strconcat (where1, level2, "/", NULL);
  g_autofree char *what = NULL;
  const char *names[3] = { "records", level1, level2 };
  const char *wheres[3] = { "", "records/", where1 };
  const git_tree_entry *found = NULL;
  guint n_new = 0;
  gsize n;

  for (guint level = 0; level < 3; level++)
    {
      diff_level (c, trees[level], parents[level], wheres[level], names[level]);
      trees[level + 1] = descend (a, c, trees[level], names[level], wheres[level], TRUE);
      if (parents[level] != NULL)
        parents[level + 1] = descend (a, c, parents[level], names[level], wheres[level], FALSE);
      if (trees[level + 1] == NULL)
        return NULL;
    }

  /* The last level: exactly one new entry, record @seq's directory. */
  n = git_tree_entrycount (trees[3]);
  for (gsize i = 0; i < n; i++)
    {
      const git_tree_entry *entry = git_tree_entry_byindex (trees[3], i);
      const char *name = git_tree_entry_name (entry);
      const git_tree_entry *before = parents[3] != NULL ? git_tree_entry_byname (parents[3], name) : NULL;
      g_autofree char *text = chain_audit_shown (name);

      if (before != NULL)
        {
          if (!entry_same (entry, before))
            flag (c, "tree.changed", _("the commit changes '%s%s', an earlier record"), where2, text);
          if (g_str_has_prefix (name, prefix))
            flag (c, "tree.record-path", _("'%s%s' existed before record %" PRIu64), where2, text, c->seq);
          continue;
        }
      n_new++;
      if (g_str_has_prefix (name, prefix) && found == NULL)
        found = entry;
      else
        {
          flag (c, "tree.extra", _("the commit adds '%s%s', which is not record %" PRIu64 "'s directory"),
                where2, text, c->seq);
          if (c->seq == 0)
            c->root_extra = TRUE;
        }
    }
  for (gsize i = 0; parents[3] != NULL && i < git_tree_entrycount (parents[3]); i++)
    {
      const char *name = git_tree_entry_name (git_tree_entry_byindex (parents[3], i));

      if (git_tree_entry_byname (trees[3], name) == NULL)
        {
          g_autofree char *text = chain_audit_shown (name);

          flag (c, "tree.changed", _("the commit removes '%s%s', an earlier record"), where2, text);
        }
    }

  if (found == NULL && n_new == 1)
    {
      g_autofree char *text = NULL;

      /* Misnamed (a gap or a reorder): read it anyway to say more. */
      for (gsize i = 0; i < n && found == NULL; i++)
        {
          const git_tree_entry *entry = git_tree_entry_byindex (trees[3], i);

          if (parents[3] == NULL || git_tree_entry_byname (parents[3], git_tree_entry_name (entry)) == NULL)
            found = entry;
        }
      text = chain_audit_shown (git_tree_entry_name (found));
      /* Translators: the directory and name the commit added, the record's number, then the
       * directory and prefix its name should have, followed by the literal TYPE (the record's
       * type). */
      flag (c, "tree.record-path", _("the commit adds '%s%s' where record %" PRIu64 " belongs, %s%sTYPE"),
            where2, text, c->seq, where2, prefix);
    }
  else if (found == NULL)
    flag (c, "tree.record-path", _("the commit adds no directory %s%sTYPE for record %" PRIu64),
          where2, prefix, c->seq);
  if (found == NULL)
    return NULL;

  c->dir_name = g_strdup (git_tree_entry_name (found));
  if (git_tree_entry_filemode (found) != GIT_FILEMODE_TREE)
    {
      g_autofree char *text = chain_audit_shown (c->dir_name);

      flag (c, "tree.mode", _("'%s%s' is not a directory"), where2, text);
      return NULL;
    }
  what = g_strdup_printf (_("the record directory %s%s"), where2, c->dir_name);
  return read_tree (a, c, git_tree_entry_id (found), what);
}

static git_tree *
find_record_dir (ChainAudit *a,
                 Check      *c,
                 git_tree   *tree,
                 git_tree   *parent)
{
  git_tree *trees[4] = { tree, NULL, NULL, NULL };
  git_tree *parents[4] = { parent, NULL, NULL, NULL };
  git_tree *dir = find_record_dir_in (a, c, trees, parents);

  for (guint i = 1; i < 4; i++)
    {
      git_tree_free (trees[i]);
      git_tree_free (parents[i]);
    }
  return dir;
}

/* ---- The record directory -------------------------------------------------------- */

static gboolean
is_hex (const char *text,
        gsize       len)
{
  if (strlen (text) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
      return FALSE;
  return TRUE;
}

static GBytes *
read_file (ChainAudit           *a,
           Check                *c,
           const git_tree_entry *entry,
           const char           *what,
           gsize                 max_len)
{
  if (git_tree_entry_filemode (entry) != GIT_FILEMODE_BLOB)
    {
      flag (c, "tree.mode", _("%s is not a plain file (mode %06o)"), what, git_tree_entry_filemode (entry));
      return NULL;
    }
  return read_object (a, c, git_tree_entry_id (entry), GIT_OBJECT_BLOB, max_len, what);
}

/* signatures.json without repeated key ids, flagging each repeat, so the
 * rules can still count the distinct keys. Returns a new reference to
 * @bytes when nothing repeats or it is not a list of signatures. */
static GBytes *
dedup_signatures (Check  *c,
                  GBytes *bytes)
{
  g_autoptr(ChainJson) list = NULL;
  g_autoptr(ChainJson) kept = NULL;
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean repeated = FALSE;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  list = chain_json_parse (data, len, CHAIN_STATEMENT_SIGNATURES_MAX_LEN, NULL);
  if (list == NULL || chain_json_get_value_type (list) != CHAIN_JSON_ARRAY)
    return g_bytes_ref (bytes);
  kept = chain_json_new_array ();
  for (gsize i = 0; i < chain_json_array_get_length (list); i++)
    {
      ChainJson *entry = chain_json_array_get_element (list, i);
      ChainJson *key = chain_json_get_value_type (entry) == CHAIN_JSON_OBJECT
                       ? chain_json_object_get_member (entry, "keyid") : NULL;

      if (key != NULL && chain_json_get_value_type (key) == CHAIN_JSON_STRING)
        {
          const char *key_id = chain_json_get_string (key);

          if (g_hash_table_contains (keys, key_id))
            {
              g_autofree char *text = chain_audit_shown (key_id);

              flag (c, "signature.duplicate-key",
                    _("signatures.json lists key %.16s... twice; one key signs once and counts once"), text);
              repeated = TRUE;
              continue;
            }
          g_hash_table_add (keys, (gpointer) key_id);
        }
      chain_json_array_append (kept, chain_json_ref (entry));
    }
  if (!repeated)
    return g_bytes_ref (bytes);
  return chain_json_to_canonical (kept);
}

static void
check_record_json (ChainAudit *a,
                   Check      *c,
                   GBytes     *statement_bytes,
                   GBytes     *signatures_bytes)
{
  static const char *const fields[] = { "ledger", "prev", "seq", "signatures", "statement", "version" };
  g_autoptr(GError) local = NULL;
  g_autoptr(ChainJson) root = NULL;
  const char *ledger = NULL;
  const char *prev = NULL;
  const char *statement = NULL;
  const char *signatures = NULL;
  gint64 seq = -1;
  gint64 version = 0;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (c->record_json, &len);

  c->digest = chain_sha256_hex (data, len);
  root = chain_json_parse_canonical (data, len, AUDIT_RECORD_JSON_MAX_LEN, &local);
  if (root == NULL)
    {
      flag (c, "record.format", _("record.json: %s"), local->message);
      return;
    }
  if (chain_json_get_value_type (root) != CHAIN_JSON_OBJECT
      || chain_json_object_get_size (root) != G_N_ELEMENTS (fields))
    {
      flag (c, "record.format", _("record.json must hold exactly ledger, prev, seq, signatures, statement and version"));
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (strcmp (chain_json_object_get_key_at (root, i), fields[i]) != 0)
      {
        flag (c, "record.format", _("record.json must hold exactly ledger, prev, seq, signatures, statement and version"));
        return;
      }
  if (!chain_json_object_get_integer_member (root, "version", &version, &local)
      || !chain_json_object_get_integer_member (root, "seq", &seq, &local)
      || !chain_json_object_get_string_member (root, "ledger", &ledger, &local)
      || !chain_json_object_get_string_member (root, "prev", &prev, &local)
      || !chain_json_object_get_string_member (root, "statement", &statement, &local)
      || !chain_json_object_get_string_member (root, "signatures", &signatures, &local))
    {
      flag (c, "record.format", _("record.json: %s"), local->message);
      return;
    }
  if (version != 1)
    flag (c, "record.format", _("record.json has version %" PRId64 "; the format is version 1"), version);
  if (!is_hex (ledger, 32) || !is_hex (prev, 64) || !is_hex (statement, 64) || !is_hex (signatures, 64))
    {
      flag (c, "record.format", _("record.json has a malformed ledger id or digest"));
      return;
    }

  if (seq < 0 || (guint64) seq != c->seq)
    flag (c, "record.sequence", _("record.json says seq %" PRId64 " but the commit is record %"
            PRIu64 " of the history: a record is missing, out of order or inserted"), seq, c->seq);
  if (c->seq == 0 && a->ledger_id == NULL)
    a->ledger_id = g_strdup (ledger);
  else if (a->ledger_id != NULL && strcmp (ledger, a->ledger_id) != 0)
    flag (c, "record.ledger", _("record.json names ledger %s; this is ledger %s: the record was copied from another"),
          ledger, a->ledger_id);
  if (c->seq == 0 && strcmp (prev, AUDIT_NO_PREV) != 0)
    flag (c, "record.prev", _("the genesis record's prev must be 64 zeros"));
  else if (c->seq > 0 && a->prev_digest != NULL && strcmp (prev, a->prev_digest) != 0)
    flag (c, "record.prev", _("prev %.16s... is not the digest of the previous record.json (%.16s...)"),
          prev, a->prev_digest);

  if (statement_bytes != NULL)
    {
      g_autofree char *digest = chain_sha256_hex (g_bytes_get_data (statement_bytes, NULL),
                                                  g_bytes_get_size (statement_bytes));

      if (strcmp (digest, statement) != 0)
        flag (c, "record.digest", _("statement.json does not match its digest in record.json: it was edited"));
    }
  if (signatures_bytes != NULL)
    {
      g_autofree char *digest = chain_sha256_hex (g_bytes_get_data (signatures_bytes, NULL),
                                                  g_bytes_get_size (signatures_bytes));

      if (strcmp (digest, signatures) != 0)
        flag (c, "record.digest", _("signatures.json does not match its digest in record.json: it was edited"));
    }
}

/* artifacts/: exactly the listed files, their sizes and digests; attaches
 * each to the statement for the rules. */
static void
check_artifacts (ChainAudit           *a,
                 Check                *c,
                 const git_tree_entry *artifacts_entry)
{
  g_autofree const char **names = chain_statement_get_artifact_names (c->statement);
  g_autoptr(git_tree) artifacts = NULL;
  gboolean complete = TRUE;

  if (names[0] == NULL)
    {
      if (artifacts_entry != NULL)
        flag (c, "artifact.unlisted", _("the record has an artifacts/ directory but its statement lists no artifacts"));
      c->complete = TRUE;
      return;
    }
  if (artifacts_entry == NULL)
    {
      guint n = chain_statement_get_artifact_count (c->statement);
      g_autofree char *detail = NULL;

      detail = g_strdup_printf (chain_i18n_ngettext (
                                             "artifacts/ is missing; the statement lists %u artifact",
                                             "artifacts/ is missing; the statement lists %u artifacts", n),
                                n);
      flag (c, "artifact.missing", "%s", detail);
      return;
    }
  if (git_tree_entry_filemode (artifacts_entry) != GIT_FILEMODE_TREE)
    {
      flag (c, "tree.mode", _("artifacts is not a directory"));
      return;
    }
  artifacts = read_tree (a, c, git_tree_entry_id (artifacts_entry), _("the artifacts/ directory"));
  if (artifacts == NULL)
    return;

  for (gsize i = 0; i < git_tree_entrycount (artifacts); i++)
    {
      const char *name = git_tree_entry_name (git_tree_entry_byindex (artifacts, i));

      if (!chain_statement_get_artifact (c->statement, name, NULL, NULL, NULL))
        {
          g_autofree char *text = chain_audit_shown (name);

          flag (c, "artifact.unlisted", _("artifacts/%s is not listed by the statement"), text);
        }
    }
  for (gsize i = 0; names[i] != NULL; i++)
    {
      const git_tree_entry *entry = git_tree_entry_byname (artifacts, names[i]);
      g_autofree char *what = g_strdup_printf (_("artifact %s"), names[i]);
      g_autoptr(GBytes) data = NULL;
      g_autofree char *digest = NULL;
      const char *sha256 = NULL;
      gint64 size = 0;

      complete = complete && entry != NULL;
      if (entry == NULL)
        {
          flag (c, "artifact.missing", _("artifact %s, which the statement lists, is not in artifacts/"), names[i]);
          continue;
        }
      chain_statement_get_artifact (c->statement, names[i], &sha256, &size, NULL);
      data = read_file (a, c, entry, what, (gsize) MIN (CHAIN_STATEMENT_ARTIFACT_MAX_LEN, G_MAXSIZE));
      if (data == NULL)
        {
          complete = FALSE;
          continue;
        }
      digest = chain_sha256_hex (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
      if ((gint64) g_bytes_get_size (data) != size || strcmp (digest, sha256) != 0)
        {
          flag (c, "artifact.digest", _("artifact %s (%zu bytes, SHA-256 %.16s...) is not the "
                  "file the statement lists (%" PRId64 " bytes, %.16s...): it was edited"),
                names[i], g_bytes_get_size (data), digest, size, sha256);
          complete = FALSE;
          continue;
        }
      if (!chain_statement_attach_artifact (c->statement, names[i], data, NULL))
        complete = FALSE;
    }
  c->complete = complete;
}

/* The three JSON files and the artifacts of the record directory. */
static void
read_record (ChainAudit *a,
             Check      *c,
             git_tree   *dir)
{
  g_autoptr(GBytes) statement_bytes = NULL;
  g_autoptr(GBytes) signatures_bytes = NULL;
  g_autoptr(GBytes) parse_signatures = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *prefix = g_strdup_printf ("%08" G_GUINT64_FORMAT "-", c->seq);
  const git_tree_entry *artifacts_entry = NULL;
  const char *dash = NULL;

  /* The type as the directory names it, until the statement says. */
  dash = strchr (c->dir_name, '-');
  if (dash != NULL && dash[1] != '\0')
    c->type = g_strdup (dash + 1);

  for (gsize i = 0; i < git_tree_entrycount (dir); i++)
    {
      const git_tree_entry *entry = git_tree_entry_byindex (dir, i);
      const char *name = git_tree_entry_name (entry);

      if (strcmp (name, "record.json") == 0)
        c->record_json = read_file (a, c, entry, "record.json", AUDIT_RECORD_JSON_MAX_LEN);
      else if (strcmp (name, "statement.json") == 0)
        statement_bytes = read_file (a, c, entry, "statement.json", CHAIN_STATEMENT_MAX_LEN);
      else if (strcmp (name, "signatures.json") == 0)
        signatures_bytes = read_file (a, c, entry, "signatures.json", CHAIN_STATEMENT_SIGNATURES_MAX_LEN);
      else if (strcmp (name, "artifacts") == 0)
        artifacts_entry = entry;
      else
        {
          g_autofree char *text = chain_audit_shown (name);

          flag (c, "tree.extra", _("the record directory holds '%s', which the format does not allow"), text);
        }
    }
  if (c->record_json == NULL && !has_flag (c, "object.missing") && !has_flag (c, "object.corrupt"))
    flag (c, "record.format", _("the record directory has no readable record.json"));
  if (c->record_json != NULL)
    check_record_json (a, c, statement_bytes, signatures_bytes);
  if (statement_bytes == NULL || signatures_bytes == NULL)
    {
      if (!has_flag (c, "object.missing") && !has_flag (c, "object.corrupt"))
        flag (c, "record.format", _("the record directory lacks a readable %s"),
              statement_bytes == NULL ? "statement.json" : "signatures.json");
      return;
    }

  parse_signatures = dedup_signatures (c, signatures_bytes);
  c->statement = chain_statement_parse (statement_bytes, parse_signatures, &local);
  if (c->statement == NULL)
    {
      flag (c, "record.format", "%s", local->message);
      return;
    }
  g_free (c->type);
  c->type = g_strdup (chain_statement_get_type_name (c->statement));
  c->author = g_strdup (chain_statement_get_author (c->statement));
  if (!g_str_has_prefix (c->dir_name, prefix) || strcmp (c->dir_name + strlen (prefix), c->type) != 0)
    {
      g_autofree char *text = chain_audit_shown (c->dir_name);

      if (!has_flag (c, "tree.record-path"))
        /* Translators: the directory's name, the record's number, its type (e.g. 'delegation', not
         * translated), then the path it belongs in. */
        flag (c, "tree.record-path", _("the record directory is named '%s'; record %" PRIu64
                " of type %s belongs in %s%s"), text, c->seq, c->type, prefix, c->type);
    }
  check_artifacts (a, c, artifacts_entry);
}

/* ---- The commit signature ------------------------------------------------------ */

/* Why a signature chain_cms_verify_detached() refused failed, as a rule:
 * looks at the signer the signature names without trusting it. */
static const char *
classify_signature (ChainAudit *a,
                    GBytes     *signature,
                    gint64      at_time)
{
  static const char *const labels[] = { "SIGNED MESSAGE", NULL };
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(CMS_ContentInfo) cms = NULL;
  g_autoptr(ChainCert) signer = NULL;
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  STACK_OF(CMS_SignerInfo) *infos = NULL;
  STACK_OF(X509) *certs = NULL;
  CMS_SignerInfo *info = NULL;
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;
  const unsigned char *der = NULL;
  gsize der_len = 0;
  const char *rule = "commit.signature";

  blocks = chain_armor_decode_all (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature),
                                   CHAIN_CMS_SIGNATURE_MAX_LEN, 1, labels, _("commit signature"), NULL);
  if (blocks == NULL)
    return rule;
  der = g_bytes_get_data (g_ptr_array_index (blocks, 0), &der_len);
  cms = d2i_CMS_ContentInfo (NULL, &der, (long) der_len);
  if (cms == NULL || OBJ_obj2nid (CMS_get0_type (cms)) != NID_pkcs7_signed)
    {
      chain_openssl_clear_errors ();
      return rule;
    }
  infos = CMS_get0_SignerInfos (cms);
  if (infos == NULL || sk_CMS_SignerInfo_num (infos) != 1)
    {
      chain_openssl_clear_errors ();
      return infos != NULL && sk_CMS_SignerInfo_num (infos) > 1 ? "commit.signatures" : rule;
    }
  info = sk_CMS_SignerInfo_value (infos, 0);
  certs = CMS_get1_certs (cms);
  for (int i = 0; certs != NULL && i < sk_X509_num (certs); i++)
    {
      X509 *x = sk_X509_value (certs, i);

      X509_up_ref (x);
      if (signer == NULL && CMS_SignerInfo_cert_cmp (info, x) == 0)
        signer = chain_cert_new_take (x);
      else
        g_ptr_array_add (others, chain_cert_new_take (x));
    }
  sk_X509_pop_free (certs, X509_free);
  chain_openssl_clear_errors ();
  if (signer == NULL)
    return rule;

  if (!chain_cms_check_officer (signer, CHAIN_ERROR_VERIFY, NULL))
    return "commit.signer-profile";
  if (at_time < chain_cert_get_not_before (signer) || at_time > chain_cert_get_not_after (signer))
    return "commit.signer-expired";
  options.at_time = at_time;
  if (a->anchors->len > 0 && !chain_verify (signer, others, a->anchors, &options, NULL, NULL))
    return "commit.signer-chain";
  return rule;
}

/* The committer name the format prescribes for @signer: its CN with every
 * byte outside printable ASCII, and '<' and '>', as '?', trimmed of
 * spaces; "officer" when that leaves nothing or there is no CN. */
static char *
committer_name_of (const ChainCert *signer)
{
  g_autoptr(ChainName) subject = chain_cert_dup_subject (signer);
  g_autofree char *cn = subject != NULL ? chain_name_dup_common_name (subject) : NULL;
  GString *out = g_string_new (NULL);

  for (const char *p = cn != NULL ? cn : ""; *p != '\0'; p++)
    g_string_append_c (out, (*p >= 0x20 && *p < 0x7f && *p != '<' && *p != '>') ? *p : '?');
  g_strstrip (out->str);
  out->len = strlen (out->str);
  if (out->len == 0)
    g_string_assign (out, "officer");
  return g_string_free (out, FALSE);
}

static void
check_commit_signature (ChainAudit *a,
                        Check      *c)
{
  g_autoptr(GError) local = NULL;
  gint64 at_time = MAX (c->commit_time, 1);
  gsize sig_len = 0;
  gsize len = 0;
  const guint8 *sig = NULL;
  const guint8 *data = NULL;

  if (c->signature == NULL || c->payload == NULL || has_flag (c, "commit.signatures"))
    return;
  if (a->anchors->len == 0)
    {
      flag (c, "commit.signer-chain", _("the ledger has no readable root certificate to check the signature against"));
      return;
    }
  sig = g_bytes_get_data (c->signature, &sig_len);
  data = g_bytes_get_data (c->payload, &len);
  if (!chain_cms_verify_detached (sig, sig_len, data, len, a->anchors, at_time, &c->signer, &local))
    {
      const char *rule = classify_signature (a, c->signature, at_time);

      flag (c, rule, "%s", local->message);
      return;
    }

  {
    g_autofree char *key_id = chain_cert_dup_public_key_sha256 (c->signer);
    g_autofree char *email = g_strdup_printf ("%.16s@officer.libchain.invalid", key_id);
    g_autofree char *name = committer_name_of (c->signer);

    if (c->committer_email == NULL || strcmp (c->committer_email, email) != 0)
      {
        g_autofree char *text = chain_audit_shown (c->committer_email);

        flag (c, "commit.committer", _("the committer is '%s', not the signing officer's key (%s)"), text, email);
      }
    else if (c->committer_name == NULL || strcmp (c->committer_name, name) != 0)
      {
        g_autofree char *text = chain_audit_shown (c->committer_name);
        g_autofree char *expected = chain_audit_shown (name);

        flag (c, "commit.committer", _("the committer's name is '%s', not the signing officer's common name '%s'"),
              text, expected);
      }
  }
}

static void
check_commit_author (Check *c)
{
  const char *author = NULL;
  g_autofree char *email = NULL;

  if (c->statement == NULL || c->author_name == NULL)
    return;
  author = chain_statement_get_author (c->statement);
  email = g_strdup_printf ("%s@custodian.libchain.invalid", author);
  if (strcmp (c->author_name, author) != 0 || g_strcmp0 (c->author_email, email) != 0
      || c->author_time != chain_statement_get_time (c->statement))
    {
      g_autofree char *name = chain_audit_shown (c->author_name);

      /* Translators: the times are in seconds since 1970 (Unix time). */
      flag (c, "commit.author", _("the commit's author is '%s' at %" PRId64 "; the statement is by '%s' at %"
              PRId64), name, c->author_time, author, chain_statement_get_time (c->statement));
    }
}

/* ---- The rules ------------------------------------------------------------------ */

/* Whether @signer is a current officer of the ledger as it stands. */
static gboolean
is_current_officer (ChainLedgerState *state,
                    const ChainCert  *signer)
{
  for (guint i = 0; i < chain_ledger_state_get_n_custodians (state); i++)
    {
      const ChainCustodian *custodian = chain_ledger_state_get_custodian (state, i);

      for (guint j = 0; j < chain_custodian_get_n_officers (custodian); j++)
        if (chain_cert_equal (chain_custodian_get_officer (custodian, j), signer))
          return !chain_custodian_is_officer_revoked (custodian, j);
    }
  return FALSE;
}

/* What follows "rule RULE: " in the engine's message: in a translation,
 * what follows the rule id and the punctuation after it. */
static const char *
engine_detail (const char *message,
               const char *rule)
{
  g_autofree char *marker = g_strdup_printf ("rule %s: ", rule);
  const char *at = strstr (message, marker);

  if (at != NULL)
    return at + strlen (marker);
  at = strstr (message, rule);
  if (at == NULL)
    return message;
  at += strlen (rule);
  /* Colons and spaces, no-break ones too (French puts one before ':'). */
  while (*at == ':' || *at == ' ' || g_str_has_prefix (at, "\u00a0") || g_str_has_prefix (at, "\u202f"))
    at = g_utf8_next_char (at);
  return *at != '\0' ? at : message;
}

static void
apply_rules (ChainAudit *a,
             Check      *c)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *rule = NULL;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;
  ChainRecordType type;

  if (c->statement == NULL || !c->complete)
    return;
  type = chain_statement_get_record_type (c->statement);
  /* The engine counts records it accepted; the position is checked above. */
  record.seq = chain_ledger_state_get_n_records (a->state);
  record.statement = c->statement;
  record.commit_signer = c->signer;
  record.commit_time = MAX (c->commit_time, 1);
  if (chain_ledger_state_apply (a->state, &record, &local))
    {
      /* Applied (the ledger records every certificate signed), yet past a quota. */
      if (chain_ledger_state_get_quota_finding (a->state) != NULL)
        flag (c, "quota.exceeded", "%s", chain_ledger_state_get_quota_finding (a->state));
      return;
    }
  rule = chain_ledger_error_dup_rule (local);
  if (rule == NULL)
    rule = g_strdup ("statement.body");
  flag (c, rule, "%s", engine_detail (local->message, rule));

  /* The engine stops at the first rule; the commit signer still counts. */
  if (c->signer != NULL && strcmp (rule, "commit.signer") != 0 && type != CHAIN_RECORD_TYPE_GENESIS
      && type != CHAIN_RECORD_TYPE_ACCEPTANCE && !is_current_officer (a->state, c->signer))
    flag (c, "commit.signer", _("the commit was signed by no current officer of the ledger"));
}

/* An export record, whatever the rules said of it, to compare an export
 * directory with afterwards. */
static void
remember_export (ChainAudit *a,
                 Check      *c)
{
  ChainJson *files = NULL;
  ChainAuditExport *seen = NULL;

  if (c->statement == NULL || chain_statement_get_record_type (c->statement) != CHAIN_RECORD_TYPE_EXPORT)
    return;
  files = chain_json_object_get_member (chain_statement_get_body (c->statement), "files");
  if (files == NULL || chain_json_get_value_type (files) != CHAIN_JSON_OBJECT)
    return;
  seen = g_new0 (ChainAuditExport, 1);
  seen->seq = c->seq;
  seen->files = chain_json_ref (files);
  g_ptr_array_add (a->exports, seen);
}

/* ---- One record ------------------------------------------------------------------ */

static void
finish_record (ChainAudit *a,
               Check      *c)
{
  ChainAuditRecord record = { 0 };

  record.seq = c->seq;
  g_strlcpy (record.commit_id, c->hex, sizeof record.commit_id);
  record.type = chain_audit_report_intern (a->report, c->type);
  record.author = chain_audit_report_intern (a->report, c->author);
  if (c->pending->len > 0)
    {
      record.findings = g_ptr_array_new_with_free_func (chain_audit_finding_free);
      for (guint i = 0; i < c->pending->len; i++)
        {
          Pending *pending = g_ptr_array_index (c->pending, i);
          g_autofree char *type = c->type != NULL ? chain_audit_shown (c->type) : NULL;
          /* As the rule engine words its refusals. */
          char *message = type != NULL
                          ? g_strdup_printf (_("record %" PRIu64 " (%s): rule %s: %s"), c->seq, type,
                                             pending->rule, pending->detail)
                          : g_strdup_printf (_("record %" PRIu64 ": rule %s: %s"), c->seq,
                                             pending->rule, pending->detail);

          g_ptr_array_add (record.findings, chain_audit_finding_new ((gint64) c->seq, pending->rule, message));
        }
    }
  g_array_append_val (a->report->records, record);
}

/* Record 0: its root anchors every commit signature; it must be the
 * trusted one if the auditor knows it, and the commit a genesis commit. */
static void
check_root (ChainAudit *a,
            Check      *c)
{
  GBytes *root_pem = NULL;

  if (c->statement != NULL && chain_statement_get_record_type (c->statement) == CHAIN_RECORD_TYPE_GENESIS
      && chain_statement_get_artifact (c->statement, "root.pem", NULL, NULL, &root_pem) && root_pem != NULL)
    {
      ChainCert *root = chain_cert_parse (g_bytes_get_data (root_pem, NULL), g_bytes_get_size (root_pem), NULL);

      if (root != NULL)
        g_ptr_array_add (a->anchors, root);
    }
  if (a->options->trusted_root != NULL)
    {
      g_autofree char *thumbprint = a->anchors->len > 0
                                    ? chain_cert_dup_thumbprint_hex (g_ptr_array_index (a->anchors, 0), CHAIN_DIGEST_SHA256)
                                    : NULL;

      if (thumbprint == NULL || g_ascii_strcasecmp (thumbprint, a->options->trusted_root) != 0)
        flag (c, "history.root", _("the genesis names root %.16s..., not the trusted root %.16s...: this is another "
                "ledger, or a forged one"), thumbprint != NULL ? thumbprint : _("(none readable)"),
              a->options->trusted_root);
    }
  if (c->root_extra || (c->statement != NULL
                        && chain_statement_get_record_type (c->statement) != CHAIN_RECORD_TYPE_GENESIS))
    flag (c, "commit.root", _("the first commit of the history is no genesis commit: a second root, or a history "
            "grafted onto a new one"));
}

ChainAuditCheck *
chain_audit_read_record (ChainAudit    *a,
                         guint64        seq,
                         const git_oid *oid)
{
  Check *c = g_new0 (Check, 1);
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_tree) parent_tree = NULL;
  g_autoptr(git_tree) dir = NULL;
  int parents;

  c->seq = seq;
  git_oid_cpy (&c->oid, oid);
  git_oid_tostr (c->hex, sizeof c->hex, oid);
  c->pending = g_ptr_array_new_with_free_func (pending_free);

  parents = read_commit (a, c);
  if (parents > 1)
    flag (c, "commit.merge", _("the commit is a merge of %d parents; the ledger is one straight line"), parents);

  if (a->rewrite_seq == seq)
    flag (c, "history.rewrite", "%s", a->rewrite_detail);

  if (c->have_tree)
    {
      tree = read_tree (a, c, &c->tree, _("the commit's tree"));
      if (seq > 0 && a->have_prev_tree)
        parent_tree = read_tree (a, c, &a->prev_tree, _("the previous record's tree"));
      else if (seq > 0)
        flag (c, "object.missing", _("the previous record's commit is unreadable, so this one cannot be checked"));
    }
  if (tree != NULL && (seq == 0 || parent_tree != NULL))
    dir = find_record_dir (a, c, tree, parent_tree);
  if (dir != NULL)
    read_record (a, c, dir);

  if (seq == 0)
    check_root (a, c);

  check_commit_signature (a, c);
  check_commit_author (c);

  /* What the next record links to. */
  g_clear_pointer (&a->prev_digest, g_free);
  a->prev_digest = g_steal_pointer (&c->digest);
  a->have_prev_tree = c->have_tree;
  if (c->have_tree)
    git_oid_cpy (&a->prev_tree, &c->tree);
  return c;
}

void
chain_audit_check_free (ChainAuditCheck *c)
{
  if (c == NULL)
    return;
  check_clear (c);
  g_free (c);
}

void
chain_audit_judge_record (ChainAudit      *a,
                          ChainAuditCheck *c)
{
  apply_rules (a, c);
  remember_export (a, c);
  finish_record (a, c);
  chain_audit_check_free (c);
}
