/* chain-record.c — reading one ledger record and checking its form
 *
 * Everything here is about one commit and its parent: the commit's
 * headers, its tree against the parent's, and the record directory's three
 * JSON files. Signatures are left to the auditor, which has the roots.
 */
#include "chain-ledger-private.h"
#include "chain-i18n-private.h"

#include <inttypes.h>
#include <string.h>

#include "chain-pki-private.h"

#define DIGEST_HEX_LEN 64

struct _ChainRecord {
  gint             ref_count;
  ChainLedgerRepo *repo;
  guint64          seq;
  git_oid          oid;
  git_oid          tree_oid;
  char             commit_id[GIT_OID_HEXSZ + 1];
  gint64           commit_time;
  char            *path;
  char            *digest;
  char            *prev;
  char            *ledger_id;
  GBytes          *record_json;
  ChainStatement  *statement;
  GBytes          *commit_signature;
  GBytes          *signed_data;
  GHashTable      *artifacts;   /* name -> git_oid */
};

/* The members of record.json, in canonical order. */
static const char *const record_fields[] = {
  "ledger", "prev", "seq", "signatures", "statement", "version",
};

/* What our writer puts in a commit; anything else is refused. */
static const char *const commit_headers[] = { "tree", "parent", "author", "committer" };

char *
chain_record_format_path (guint64     seq,
                          const char *type_name)
{
  return g_strdup_printf ("records/%04" G_GUINT64_FORMAT "/%02" G_GUINT64_FORMAT "/%08"
                          G_GUINT64_FORMAT "%s%s", seq / 10000, (seq / 100) % 100, seq,
                          type_name != NULL ? "-" : "", type_name != NULL ? type_name : "");
}

static gboolean
fault (GError       **error,
       guint64        seq,
       const git_oid *oid,
       const char    *format,
       ...) G_GNUC_PRINTF (4, 5);

/* CHAIN_ERROR_VERIFY "record N (commit abcdef123456): ...". */
static gboolean
fault (GError       **error,
       guint64        seq,
       const git_oid *oid,
       const char    *format,
       ...)
{
  char hex[GIT_OID_HEXSZ + 1];
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  git_oid_tostr (hex, sizeof hex, oid);
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
               /* Translators: "record SEQUENCE-NUMBER (commit ABBREVIATED-ID): MESSAGE" */
               _("record %" PRIu64 " (commit %.12s): %s"), seq, hex, message);
  return FALSE;
}

/* Splits a raw commit as git does for verify-commit: the gpgsig header
 * (continuation lines unindented, each ended by '\n') and everything else. */
static gboolean
split_commit (ChainRecord *self,
              const char  *raw,
              gsize        len,
              GError     **error)
{
  g_autoptr(GString) signature = g_string_new (NULL);
  g_autoptr(GString) payload = g_string_sized_new (len);
  gboolean in_signature = FALSE;
  guint n_signatures = 0;
  gsize pos = 0;

  while (pos < len)
    {
      const char *line = raw + pos;
      const char *newline = memchr (line, '\n', len - pos);
      gsize line_len = newline != NULL ? (gsize) (newline - line) : len - pos;
      gsize next = pos + line_len + (newline != NULL ? 1 : 0);
      const char *space = NULL;
      gboolean known = FALSE;

      if (line_len == 0)
        {
          /* The blank line and the message are signed as they are. */
          g_string_append_len (payload, line, (gssize) (len - pos));
          break;
        }
      if (line[0] == ' ' && in_signature)
        {
          g_string_append_len (signature, line + 1, (gssize) line_len - 1);
          g_string_append_c (signature, '\n');
          pos = next;
          continue;
        }
      in_signature = FALSE;
      if (line_len > 7 && memcmp (line, "gpgsig ", 7) == 0)
        {
          in_signature = TRUE;
          if (n_signatures++ == 0)
            {
              g_string_append_len (signature, line + 7, (gssize) line_len - 7);
              g_string_append_c (signature, '\n');
            }
          pos = next;
          continue;
        }
      space = memchr (line, ' ', line_len);
      for (gsize i = 0; space != NULL && i < G_N_ELEMENTS (commit_headers); i++)
        if ((gsize) (space - line) == strlen (commit_headers[i])
            && memcmp (line, commit_headers[i], (gsize) (space - line)) == 0)
          known = TRUE;
      if (!known)
        {
          g_autofree char *name = g_strndup (line, space != NULL ? (gsize) (space - line)
                                                                 : MIN (line_len, 32));

          g_strcanon (name, "abcdefghijklmnopqrstuvwxyz0123456789-", '?');
          return fault (error, self->seq, &self->oid,
                        _("the commit has an unexpected header “%.32s”"), name);
        }
      g_string_append_len (payload, line, (gssize) (next - pos));
      pos = next;
    }

  if (n_signatures == 0)
    return fault (error, self->seq, &self->oid,
                  _("the commit is not signed: it has no gpgsig header"));
  if (n_signatures > 1)
    return fault (error, self->seq, &self->oid,
                  _("the commit has %u gpgsig headers; exactly one is allowed"), n_signatures);

  self->commit_signature = g_string_free_to_bytes (g_steal_pointer (&signature));
  self->signed_data = g_string_free_to_bytes (g_steal_pointer (&payload));
  return TRUE;
}

static GBytes *
read_blob (ChainRecord         *self,
           git_odb             *odb,
           const git_tree_entry *entry,
           gsize                max_len,
           GError             **error)
{
  g_autoptr(git_odb_object) object = NULL;
  const char *name = git_tree_entry_name (entry);
  git_object_t type = GIT_OBJECT_INVALID;
  size_t len = 0;
  int status;

  if (git_tree_entry_filemode (entry) != GIT_FILEMODE_BLOB)
    return fault (error, self->seq, &self->oid, _("%s is not a plain file"), name), NULL;
  status = git_odb_read_header (&len, &type, odb, git_tree_entry_id (entry));
  if (status == GIT_ENOTFOUND)
    return fault (error, self->seq, &self->oid, _("%s is missing from the repository"), name),
           NULL;
  if (status < 0)
    return chain_git_error (error, status, _("cannot read %s of record %" PRIu64),
                            name, self->seq), NULL;
  if (len > max_len)
    return fault (error, self->seq, &self->oid, _("%s is too large (%zu bytes, at most %zu)"), name, (gsize) len, max_len), NULL;
  status = git_odb_read (&object, odb, git_tree_entry_id (entry));
  if (status < 0)
    return chain_git_error (error, status, _("cannot read %s of record %" PRIu64),
                            name, self->seq), NULL;
  return g_bytes_new (git_odb_object_data (object), git_odb_object_size (object));
}

static gboolean
lookup_subtree (ChainRecord           *self,
                git_tree              *tree,
                const git_tree_entry  *entry,
                git_tree             **out_tree,
                GError               **error)
{
  git_repository *repo = self->repo->repo;
  int status;

  if (git_tree_entry_filemode (entry) != GIT_FILEMODE_TREE)
    return fault (error, self->seq, &self->oid, _("“%s” is not a directory"),
                  git_tree_entry_name (entry));
  status = git_tree_lookup (out_tree, repo, git_tree_entry_id (entry));
  if (status == GIT_ENOTFOUND)
    return fault (error, self->seq, &self->oid, _("directory “%s” is missing from the repository"),
                  git_tree_entry_name (entry));
  if (status < 0)
    return chain_git_error (error, status, _("cannot read a tree of record %" PRIu64),
                            self->seq);
  return TRUE;
}

/* Checks that @tree is @parent (NULL: empty) with exactly one entry added
 * or changed: the one named @name, or with @is_prefix a new one whose name
 * starts with @name. Sets @out_entry to it. */
static gboolean
one_change (ChainRecord           *self,
            git_tree              *tree,
            git_tree              *parent,
            const char            *where,
            const char            *name,
            gboolean               is_prefix,
            const git_tree_entry **out_entry,
            GError               **error)
{
  const git_tree_entry *found = NULL;
  gsize count = git_tree_entrycount (tree);
  gsize parent_count = parent != NULL ? git_tree_entrycount (parent) : 0;
  gboolean parent_has = FALSE;

  for (gsize i = 0; i < count; i++)
    {
      const git_tree_entry *entry = git_tree_entry_byindex (tree, i);
      const char *entry_name = git_tree_entry_name (entry);
      const git_tree_entry *before = NULL;

      if (is_prefix ? g_str_has_prefix (entry_name, name) : strcmp (entry_name, name) == 0)
        {
          if (found != NULL)
            return fault (error, self->seq, &self->oid,
                          _("%s holds two directories for this record"), where);
          found = entry;
          continue;
        }
      before = parent != NULL ? git_tree_entry_byname (parent, entry_name) : NULL;
      if (before == NULL)
        return fault (error, self->seq, &self->oid, _("the commit adds “%s/%.64s”, which is not "
                        "its record"), where, entry_name);
      if (!git_oid_equal (git_tree_entry_id (before), git_tree_entry_id (entry))
          || git_tree_entry_filemode (before) != git_tree_entry_filemode (entry))
        return fault (error, self->seq, &self->oid, _("the commit changes “%s/%.64s”, which "
                        "earlier records wrote"), where, entry_name);
    }
  if (found == NULL)
    /* Translators: a path: directory, entry name, and "TYPE" when the name is a prefix */
    return fault (error, self->seq, &self->oid, _("%s/%s%s is missing"), where, name,
                  is_prefix ? "TYPE" : "");

  for (gsize i = 0; i < parent_count; i++)
    {
      const char *entry_name = git_tree_entry_name (git_tree_entry_byindex (parent, i));

      if (is_prefix ? g_str_has_prefix (entry_name, name) : strcmp (entry_name, name) == 0)
        parent_has = TRUE;
    }
  if (is_prefix && parent_has)
    return fault (error, self->seq, &self->oid, _("the parent commit already has a directory "
                    "for this record"));
  if (count - 1 != parent_count - (parent_has ? 1 : 0))
    return fault (error, self->seq, &self->oid, _("the commit removes entries from %s"), where);

  *out_entry = found;
  return TRUE;
}

/* Finds record @seq's directory under @root; with @check, also that @root
 * differs from @parent_root (NULL: empty) by exactly that directory. */
static gboolean
find_record_dir (ChainRecord           *self,
                 git_tree              *root,
                 git_tree              *parent_root,
                 guint64                seq,
                 gboolean               check,
                 git_tree             **out_dir,
                 char                 **out_name,
                 GError               **error)
{
  g_autoptr(git_tree) records = NULL;
  g_autoptr(git_tree) parent_records = NULL;
  g_autoptr(git_tree) thousands = NULL;
  g_autoptr(git_tree) parent_thousands = NULL;
  g_autoptr(git_tree) hundreds = NULL;
  g_autoptr(git_tree) parent_hundreds = NULL;
  g_autofree char *level1 = g_strdup_printf ("%04" G_GUINT64_FORMAT, seq / 10000);
  g_autofree char *level2 = g_strdup_printf ("%02" G_GUINT64_FORMAT, (seq / 100) % 100);
  g_autofree char *prefix = g_strdup_printf ("%08" G_GUINT64_FORMAT "-", seq);
  g_autofree char *where1 = g_strconcat ("records/", level1, NULL);
  g_autofree char *where2 = g_strconcat (where1, "/", level2, NULL);
  const git_tree_entry *entry = NULL;
  const git_tree_entry *parent_entry = NULL;

  /* Genesis has no parent: it must add everything there is. */
  if (check)
    {
      /* Translators: stands for a directory's path in messages such as
       * "%s holds two directories for this record" */
      if (!one_change (self, root, parent_root, _("the top directory"), "records", FALSE, &entry,
                       error))
        return FALSE;
    }
  else if ((entry = git_tree_entry_byname (root, "records")) == NULL)
    return fault (error, self->seq, &self->oid, _("records/ is missing"));
  if (!lookup_subtree (self, root, entry, &records, error))
    return FALSE;
  if (parent_root != NULL && (parent_entry = git_tree_entry_byname (parent_root, "records")) != NULL
      && !lookup_subtree (self, parent_root, parent_entry, &parent_records, error))
    return FALSE;

  if (check)
    {
      if (!one_change (self, records, parent_records, "records", level1, FALSE, &entry, error))
        return FALSE;
    }
  else if ((entry = git_tree_entry_byname (records, level1)) == NULL)
    return fault (error, self->seq, &self->oid, _("%s is missing"), where1);
  if (!lookup_subtree (self, records, entry, &thousands, error))
    return FALSE;
  if (parent_records != NULL
      && (parent_entry = git_tree_entry_byname (parent_records, level1)) != NULL
      && !lookup_subtree (self, parent_records, parent_entry, &parent_thousands, error))
    return FALSE;

  if (check)
    {
      if (!one_change (self, thousands, parent_thousands, where1, level2, FALSE, &entry, error))
        return FALSE;
    }
  else if ((entry = git_tree_entry_byname (thousands, level2)) == NULL)
    return fault (error, self->seq, &self->oid, _("%s is missing"), where2);
  if (!lookup_subtree (self, thousands, entry, &hundreds, error))
    return FALSE;
  if (parent_thousands != NULL
      && (parent_entry = git_tree_entry_byname (parent_thousands, level2)) != NULL
      && !lookup_subtree (self, parent_thousands, parent_entry, &parent_hundreds, error))
    return FALSE;

  if (check)
    {
      if (!one_change (self, hundreds, parent_hundreds, where2, prefix, TRUE, &entry, error))
        return FALSE;
    }
  else
    {
      entry = NULL;
      for (gsize i = 0; i < git_tree_entrycount (hundreds); i++)
        {
          const git_tree_entry *candidate = git_tree_entry_byindex (hundreds, i);

          if (g_str_has_prefix (git_tree_entry_name (candidate), prefix))
            {
              if (entry != NULL)
                return fault (error, self->seq, &self->oid,
                              _("%s holds two directories for record %" PRIu64),
                              where2, seq);
              entry = candidate;
            }
        }
      if (entry == NULL)
        return fault (error, self->seq, &self->oid, _("the directory of record %" PRIu64 " is missing"), seq);
    }
  if (!lookup_subtree (self, hundreds, entry, out_dir, error))
    return FALSE;
  *out_name = g_strdup (git_tree_entry_name (entry));
  return TRUE;
}

/* The digest of record @seq's record.json in @root (a later commit's tree
 * holds every earlier record unchanged). */
static gboolean
read_prev_digest (ChainRecord *self,
                  git_odb     *odb,
                  git_tree    *root,
                  char       **out_digest,
                  GError     **error)
{
  g_autoptr(git_tree) dir = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const git_tree_entry *entry = NULL;
  gsize len = 0;
  const guint8 *data = NULL;

  if (!find_record_dir (self, root, NULL, self->seq - 1, FALSE, &dir, &name, error))
    return FALSE;
  entry = git_tree_entry_byname (dir, "record.json");
  if (entry == NULL)
    return fault (error, self->seq, &self->oid, _("record.json of the previous record is missing"));
  bytes = read_blob (self, odb, entry, CHAIN_RECORD_JSON_MAX_LEN, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  *out_digest = chain_sha256_hex (data, len);
  return TRUE;
}

static gboolean
parse_record_json (ChainRecord *self,
                   const char  *expected_ledger,
                   const char  *expected_prev,
                   GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(ChainJson) root = NULL;
  g_autoptr(GBytes) statement_bytes = chain_statement_dup_bytes (self->statement);
  g_autoptr(GBytes) signatures_bytes = chain_statement_dup_signatures_bytes (self->statement);
  g_autofree char *statement_digest = NULL;
  g_autofree char *signatures_digest = NULL;
  const char *ledger = NULL;
  const char *prev = NULL;
  const char *statement = NULL;
  const char *signatures = NULL;
  gint64 seq = 0;
  gint64 version = 0;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (self->record_json, &len);

  root = chain_json_parse_canonical (data, len, CHAIN_RECORD_JSON_MAX_LEN, &local);
  if (root == NULL)
    return fault (error, self->seq, &self->oid, _("record.json: %s"), local->message);
  if (chain_json_get_value_type (root) != CHAIN_JSON_OBJECT
      || chain_json_object_get_size (root) != G_N_ELEMENTS (record_fields))
    return fault (error, self->seq, &self->oid, _("record.json must be an object with exactly "
                    "ledger, prev, seq, signatures, statement and version"));
  for (gsize i = 0; i < G_N_ELEMENTS (record_fields); i++)
    if (strcmp (chain_json_object_get_key_at (root, i), record_fields[i]) != 0)
      return fault (error, self->seq, &self->oid, _("record.json must be an object with exactly "
                      "ledger, prev, seq, signatures, statement and version"));
  if (!chain_json_object_get_integer_member (root, "version", &version, &local)
      || !chain_json_object_get_integer_member (root, "seq", &seq, &local)
      || !chain_json_object_get_string_member (root, "ledger", &ledger, &local)
      || !chain_json_object_get_string_member (root, "prev", &prev, &local)
      || !chain_json_object_get_string_member (root, "statement", &statement, &local)
      || !chain_json_object_get_string_member (root, "signatures", &signatures, &local))
    return fault (error, self->seq, &self->oid, _("record.json: %s"), local->message);
  if (version != CHAIN_RECORD_VERSION)
    return fault (error, self->seq, &self->oid, _("record.json has version %" PRId64 "; this libchain reads version %d"), version, CHAIN_RECORD_VERSION);
  if (seq < 0 || (guint64) seq != self->seq)
    return fault (error, self->seq, &self->oid, _("record.json says seq %" PRId64 " at position %" PRIu64 " of the chain"), seq, self->seq);
  if (!chain_hex_is_lower (ledger, 32) || !chain_hex_is_lower (prev, DIGEST_HEX_LEN)
      || !chain_hex_is_lower (statement, DIGEST_HEX_LEN) || !chain_hex_is_lower (signatures, DIGEST_HEX_LEN))
    return fault (error, self->seq, &self->oid, _("record.json has a malformed id or digest"));

  statement_digest = chain_sha256_hex (g_bytes_get_data (statement_bytes, NULL),
                                       g_bytes_get_size (statement_bytes));
  signatures_digest = chain_sha256_hex (g_bytes_get_data (signatures_bytes, NULL),
                                        g_bytes_get_size (signatures_bytes));
  if (strcmp (statement, statement_digest) != 0)
    return fault (error, self->seq, &self->oid, _("statement.json does not match the digest in "
                    "record.json"));
  if (strcmp (signatures, signatures_digest) != 0)
    return fault (error, self->seq, &self->oid, _("signatures.json does not match the digest in "
                    "record.json"));
  if (strcmp (ledger, chain_statement_get_ledger_id (self->statement)) != 0)
    return fault (error, self->seq, &self->oid, _("record.json names ledger %s but its statement "
                    "names ledger %s"), ledger, chain_statement_get_ledger_id (self->statement));
  if (expected_ledger != NULL && strcmp (ledger, expected_ledger) != 0)
    return fault (error, self->seq, &self->oid, _("the record is for ledger %s, not this ledger "
                    "(%s): it was copied from another ledger"), ledger, expected_ledger);
  if (strcmp (prev, expected_prev) != 0)
    return fault (error, self->seq, &self->oid, _("record.json's prev %.12s… is not the digest of "
                    "the previous record (%.12s…)"), prev, expected_prev);

  self->ledger_id = g_strdup (ledger);
  self->prev = g_strdup (prev);
  self->digest = chain_sha256_hex (data, len);
  return TRUE;
}

static gboolean
read_record_dir (ChainRecord *self,
                 git_odb     *odb,
                 git_tree    *dir,
                 const char  *dir_name,
                 GError     **error)
{
  g_autoptr(GBytes) statement_bytes = NULL;
  g_autoptr(GBytes) signatures_bytes = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(git_tree) artifacts = NULL;
  g_autofree const char **names = NULL;
  const git_tree_entry *artifacts_entry = NULL;
  const char *type_name = NULL;
  g_autofree char *prefix = g_strdup_printf ("%08" G_GUINT64_FORMAT "-", self->seq);

  for (gsize i = 0; i < git_tree_entrycount (dir); i++)
    {
      const git_tree_entry *entry = git_tree_entry_byindex (dir, i);
      const char *name = git_tree_entry_name (entry);
      GBytes *bytes = NULL;

      if (strcmp (name, "artifacts") == 0)
        {
          artifacts_entry = entry;
          continue;
        }
      if (strcmp (name, "record.json") == 0)
        bytes = read_blob (self, odb, entry, CHAIN_RECORD_JSON_MAX_LEN, error);
      else if (strcmp (name, "statement.json") == 0)
        bytes = read_blob (self, odb, entry, CHAIN_STATEMENT_MAX_LEN, error);
      else if (strcmp (name, "signatures.json") == 0)
        bytes = read_blob (self, odb, entry, CHAIN_STATEMENT_SIGNATURES_MAX_LEN, error);
      else
        return fault (error, self->seq, &self->oid, _("the record directory holds an unexpected "
                        "“%.64s”"), name);
      if (bytes == NULL)
        return FALSE;
      if (strcmp (name, "record.json") == 0)
        self->record_json = bytes;
      else if (strcmp (name, "statement.json") == 0)
        statement_bytes = bytes;
      else
        signatures_bytes = bytes;
    }
  if (self->record_json == NULL || statement_bytes == NULL || signatures_bytes == NULL)
    return fault (error, self->seq, &self->oid, _("the record directory lacks %s"),
                  self->record_json == NULL ? "record.json"
                  : statement_bytes == NULL ? "statement.json" : "signatures.json");

  self->statement = chain_statement_parse (statement_bytes, signatures_bytes, &local);
  if (self->statement == NULL)
    return fault (error, self->seq, &self->oid, "%s", local->message);

  type_name = chain_statement_get_type_name (self->statement);
  if (strcmp (dir_name + strlen (prefix), type_name) != 0)
    return fault (error, self->seq, &self->oid, _("the directory is named “%.80s” but the "
                    "statement's type is %s"), dir_name, type_name);
  if ((self->seq == 0) != (chain_statement_get_record_type (self->statement)
                           == CHAIN_RECORD_TYPE_GENESIS))
    return fault (error, self->seq, &self->oid, self->seq == 0
                  ? _("the first record is a %s, not a genesis")
                  : _("a %s record may only come first"), type_name);

  /* Artifacts: exactly what the statement lists, plain files. */
  names = chain_statement_get_artifact_names (self->statement);
  if (names[0] == NULL)
    {
      if (artifacts_entry != NULL)
        return fault (error, self->seq, &self->oid, _("artifacts/ exists but the statement lists "
                        "no artifacts"));
      return TRUE;
    }
  if (artifacts_entry == NULL)
    return fault (error, self->seq, &self->oid, _("artifacts/ is missing"));
  if (!lookup_subtree (self, dir, artifacts_entry, &artifacts, error))
    return FALSE;
  if (git_tree_entrycount (artifacts) != chain_statement_get_artifact_count (self->statement))
    return fault (error, self->seq, &self->oid, _("artifacts/ holds %zu files but "
                    "the statement lists %u"), git_tree_entrycount (artifacts),
                  chain_statement_get_artifact_count (self->statement));
  for (gsize i = 0; names[i] != NULL; i++)
    {
      const git_tree_entry *entry = git_tree_entry_byname (artifacts, names[i]);

      if (entry == NULL)
        return fault (error, self->seq, &self->oid, _("artifact %s is missing from artifacts/"),
                      names[i]);
      if (git_tree_entry_filemode (entry) != GIT_FILEMODE_BLOB)
        return fault (error, self->seq, &self->oid, _("artifact %s is not a plain file"), names[i]);
      g_hash_table_insert (self->artifacts, g_strdup (names[i]),
                           g_memdup2 (git_tree_entry_id (entry), sizeof (git_oid)));
    }
  return TRUE;
}

ChainRecord *
chain_record_load (ChainLedgerRepo *repo,
                   guint64          seq,
                   const git_oid   *commit_id,
                   const git_oid   *parent_id,
                   const char      *ledger_id,
                   const char      *prev_digest,
                   GError         **error)
{
  g_autoptr(ChainRecord) self = g_new0 (ChainRecord, 1);
  g_autoptr(git_odb) odb = NULL;
  g_autoptr(git_odb_object) raw = NULL;
  g_autoptr(git_commit) commit = NULL;
  g_autoptr(git_commit) parent = NULL;
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_tree) parent_tree = NULL;
  g_autoptr(git_tree) dir = NULL;
  g_autofree char *dir_name = NULL;
  g_autofree char *computed_prev = NULL;
  git_object_t type = GIT_OBJECT_INVALID;
  size_t len = 0;
  guint parents = 0;
  int status;

  g_return_val_if_fail (repo != NULL, NULL);
  g_return_val_if_fail (commit_id != NULL, NULL);
  g_return_val_if_fail ((seq == 0) == (parent_id == NULL), NULL);

  self->ref_count = 1;
  self->repo = chain_ledger_repo_ref (repo);
  self->seq = seq;
  git_oid_cpy (&self->oid, commit_id);
  git_oid_tostr (self->commit_id, sizeof self->commit_id, commit_id);
  self->artifacts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  status = git_repository_odb (&odb, repo->repo);
  if (status < 0)
    return chain_git_error (error, status, _("cannot open the ledger's object database")), NULL;
  status = git_odb_read_header (&len, &type, odb, commit_id);
  if (status == GIT_ENOTFOUND)
    return fault (error, seq, commit_id, _("the commit is missing from the repository")), NULL;
  if (status < 0)
    return chain_git_error (error, status, _("cannot read record %" PRIu64), seq), NULL;
  if (type != GIT_OBJECT_COMMIT)
    return fault (error, seq, commit_id, _("the object is a %s, not a commit"),
                  git_object_type2string (type)), NULL;
  if (len > CHAIN_RECORD_COMMIT_MAX_LEN)
    return fault (error, seq, commit_id, _("the commit is too large (%zu bytes)"),
                  (gsize) len), NULL;
  status = git_odb_read (&raw, odb, commit_id);
  if (status < 0)
    return chain_git_error (error, status, _("cannot read record %" PRIu64), seq), NULL;
  if (!split_commit (self, git_odb_object_data (raw), git_odb_object_size (raw), error))
    return NULL;

  status = git_commit_lookup (&commit, repo->repo, commit_id);
  if (status < 0)
    return chain_git_error (error, status, _("cannot read record %" PRIu64), seq), NULL;
  self->commit_time = git_commit_time (commit);
  git_oid_cpy (&self->tree_oid, git_commit_tree_id (commit));
  parents = git_commit_parentcount (commit);
  if (seq == 0 && parents != 0)
    return fault (error, seq, commit_id, _("the genesis commit has %u parents; it must have none"),
                  parents), NULL;
  if (seq > 0 && parents == 0)
    return fault (error, seq, commit_id, _("the commit has no parent: it starts a second "
                    "history")), NULL;
  if (parents > 1)
    return fault (error, seq, commit_id, _("the commit is a merge (%u parents); the ledger must "
                    "be linear"), parents), NULL;
  if (seq > 0 && !git_oid_equal (git_commit_parent_id (commit, 0), parent_id))
    return fault (error, seq, commit_id, _("the commit does not follow record %" PRIu64),
                  seq - 1), NULL;

  status = git_commit_tree (&tree, commit);
  if (status == GIT_ENOTFOUND)
    return fault (error, seq, commit_id, _("the commit's tree is missing from the repository")),
           NULL;
  if (status < 0)
    return chain_git_error (error, status, _("cannot read record %" PRIu64), seq), NULL;
  if (seq > 0)
    {
      status = git_commit_parent (&parent, commit, 0);
      if (status == 0)
        status = git_commit_tree (&parent_tree, parent);
      if (status == GIT_ENOTFOUND)
        return fault (error, seq, commit_id, _("the parent commit or its tree is missing from "
                        "the repository")), NULL;
      if (status < 0)
        return chain_git_error (error, status, _("cannot read record %" PRIu64),
                                seq - 1), NULL;
    }

  if (!find_record_dir (self, tree, parent_tree, seq, TRUE, &dir, &dir_name, error))
    return NULL;
  self->path = g_strdup_printf ("records/%04" G_GUINT64_FORMAT "/%02" G_GUINT64_FORMAT "/%s",
                                seq / 10000, (seq / 100) % 100, dir_name);
  if (!read_record_dir (self, odb, dir, dir_name, error))
    return NULL;

  if (seq > 0 && prev_digest == NULL)
    {
      if (!read_prev_digest (self, odb, parent_tree, &computed_prev, error))
        return NULL;
      prev_digest = computed_prev;
    }
  if (!parse_record_json (self, ledger_id, seq == 0 ? CHAIN_RECORD_NO_PREV : prev_digest,
                          error))
    return NULL;

  return g_steal_pointer (&self);
}

guint64
chain_record_get_seq (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

const char *
chain_record_get_commit_id (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->commit_id;
}

gint64
chain_record_get_commit_time (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->commit_time;
}

const char *
chain_record_get_path (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

const char *
chain_record_get_digest (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->digest;
}

const char *
chain_record_get_prev (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->prev;
}

const char *
chain_record_get_ledger_id (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->ledger_id;
}

GBytes *
chain_record_get_record_json (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->record_json;
}

ChainStatement *
chain_record_get_statement (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->statement;
}

GBytes *
chain_record_get_commit_signature (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->commit_signature;
}

GBytes *
chain_record_get_signed_data (const ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->signed_data;
}

const git_oid *
chain_record_get_oid (const ChainRecord *self)
{
  return &self->oid;
}

const git_oid *
chain_record_get_tree_oid (const ChainRecord *self)
{
  return &self->tree_oid;
}

GBytes *
chain_record_read_artifact (ChainRecord  *self,
                            const char   *name,
                            GCancellable *cancellable,
                            GError      **error)
{
  g_autoptr(git_odb) odb = NULL;
  g_autoptr(git_odb_object) object = NULL;
  g_autofree char *sha256 = NULL;
  const char *expected_sha256 = NULL;
  const git_oid *id = NULL;
  gint64 expected_size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  size_t len = 0;
  int status;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  id = g_hash_table_lookup (self->artifacts, name);
  if (id == NULL
      || !chain_statement_get_artifact (self->statement, name, &expected_sha256, &expected_size,
                                        NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("record %" PRIu64 " has no artifact named “%.64s”"), self->seq,
                   g_utf8_validate (name, -1, NULL) ? name : _("(not UTF-8)"));
      return NULL;
    }

  status = git_repository_odb (&odb, self->repo->repo);
  if (status < 0)
    return chain_git_error (error, status, _("cannot open the ledger's object database")), NULL;
  status = git_odb_read_header (&len, &type, odb, id);
  if (status == GIT_ENOTFOUND)
    return fault (error, self->seq, &self->oid, _("artifact %s is missing from the repository"),
                  name), NULL;
  if (status < 0)
    return chain_git_error (error, status, _("cannot read artifact %s"), name), NULL;
  if (type != GIT_OBJECT_BLOB || (gint64) len != expected_size)
    return fault (error, self->seq, &self->oid, _("artifact %s has %zu bytes but "
                    "its statement says %" PRId64), name, (gsize) len, expected_size),
           NULL;
  status = git_odb_read (&object, odb, id);
  if (status < 0)
    return chain_git_error (error, status, _("cannot read artifact %s"), name), NULL;
  sha256 = chain_sha256_hex (git_odb_object_data (object), git_odb_object_size (object));
  if (strcmp (sha256, expected_sha256) != 0)
    return fault (error, self->seq, &self->oid, _("artifact %s does not match the digest its "
                    "statement signed"), name), NULL;
  return g_bytes_new (git_odb_object_data (object), git_odb_object_size (object));
}

ChainRecord *
chain_record_ref (ChainRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
chain_record_unref (ChainRecord *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_clear_pointer (&self->repo, chain_ledger_repo_unref);
  g_free (self->path);
  g_free (self->digest);
  g_free (self->prev);
  g_free (self->ledger_id);
  g_clear_pointer (&self->record_json, g_bytes_unref);
  g_clear_pointer (&self->statement, chain_statement_unref);
  g_clear_pointer (&self->commit_signature, g_bytes_unref);
  g_clear_pointer (&self->signed_data, g_bytes_unref);
  g_clear_pointer (&self->artifacts, g_hash_table_unref);
  g_free (self);
}
