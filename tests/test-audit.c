/* test-audit.c — the auditor, and every attack DESIGN.md lists
 *
 * Each test starts from the three-tier story on a real ledger
 * (tests/support/test-story.h) and attacks it as an attacker would: with
 * plain git on the bare repository (cat-file, hash-object, mktree,
 * commit-tree, update-ref, push --force, deleting object files), or, where
 * git cannot make a CMS signature, as a malicious writer with libchain and
 * libgit2 signing with a legitimate officer's key. Where the rule engine
 * would refuse a statement, the record is appended without judgement: the
 * auditor must catch what a malicious writer can write. Every attack test
 * asserts that the audit fails and names the record and the rule.
 */
#include "test-pki.h"
#include "test-story.h"
#include "test-commit-forge.h"

#include <git2.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>

#include "chain-pki-private.h"

#define DAY (G_GINT64_CONSTANT (24) * 60 * 60)
#define TIP (TEST_STORY_N_RECORDS - 1)

/* Built once by the unchecked fixture; each test (a forked process)
 * works on its own copy of the ledger. Without fork, each test builds its
 * own story. */
static TestStory *master;
static TestStory *story;

static gboolean
forking (void)
{
  return g_strcmp0 (g_getenv ("CK_FORK"), "no") != 0;
}

static void
story_setup (void)
{
  if (forking ())
    master = test_story_new ();
}

static void
story_teardown (void)
{
  g_clear_pointer (&master, test_story_free);
}

static void
setup (void)
{
  /* Who git says made the attacker's commits. */
  g_setenv ("GIT_AUTHOR_NAME", "Mallory", TRUE);
  g_setenv ("GIT_AUTHOR_EMAIL", "mallory@example.invalid", TRUE);
  g_setenv ("GIT_COMMITTER_NAME", "Mallory", TRUE);
  g_setenv ("GIT_COMMITTER_EMAIL", "mallory@example.invalid", TRUE);
  g_setenv ("GIT_CONFIG_NOSYSTEM", "1", TRUE);
  if (master != NULL)
    {
      /* This process's copy of the story, on its own copy of the ledger. */
      story = g_steal_pointer (&master);
      test_story_use_copy (story);
    }
  else
    story = test_story_new ();
  git_libgit2_init ();
}

/* A GNUPGHOME the test made, removed even when it fails. */
static char *gnupg_home;

static void
teardown (void)
{
  if (gnupg_home != NULL)
    {
      const char *kill[] = { "gpgconf", "--homedir", gnupg_home, "--kill", "all", NULL };

      test_support_run (kill, NULL, NULL, NULL);
      test_support_tmpdir_remove (gnupg_home);
      g_clear_pointer (&gnupg_home, g_free);
    }
  g_clear_pointer (&story, test_story_free);
  git_libgit2_shutdown ();
}

static gint64
now_s (void)
{
  return (gint64) time (NULL);
}

/* ---- Auditing ------------------------------------------------------------ */

static ChainAuditReport *
audit_with (const ChainAuditOptions *options)
{
  g_autoptr(GError) error = NULL;
  ChainAuditReport *report = NULL;

  ck_assert (chain_audit_repository (story->path, options, &report, NULL, &error));
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (report);
  return report;
}

static ChainAuditReport *
audit (void)
{
  return audit_with (NULL);
}

static void
assert_ok (ChainAuditReport *report)
{
  g_autofree char *text = chain_audit_report_to_text (report, FALSE);

  ck_assert_msg (chain_audit_report_is_ok (report), "the audit failed:\n%s", text);
}

/* The audit failed, and a finding names record @seq (in its message too)
 * and @rule. */
static void
assert_finding (ChainAuditReport *report,
                gint64            seq,
                const char       *rule)
{
  const ChainAuditFinding *finding = chain_audit_report_find (report, seq, rule);
  g_autofree char *text = chain_audit_report_to_text (report, FALSE);
  g_autofree char *prefix = g_strdup_printf ("record %" G_GINT64_FORMAT, seq);
  g_autofree char *rule_text = g_strdup_printf ("rule %s: ", rule);
  const char *message = NULL;

  if (g_getenv ("LIBCHAIN_TEST_SHOW_AUDIT") != NULL)
    g_printerr ("%s", text);
  ck_assert_msg (!chain_audit_report_is_ok (report), "the audit passed; expected %s on record %" G_GINT64_FORMAT,
                 rule, seq);
  ck_assert_msg (finding != NULL, "no finding %s on record %" G_GINT64_FORMAT ":\n%s", rule, seq, text);
  message = chain_audit_finding_get_message (finding);
  ck_assert_str_eq (chain_audit_finding_get_rule (finding), rule);
  ck_assert_int_eq (chain_audit_finding_get_seq (finding), seq);
  ck_assert_msg (g_str_has_prefix (message, prefix), "message does not name the record: %s", message);
  ck_assert_msg (strstr (message, rule_text) != NULL, "message does not name the rule: %s", message);
  ck_assert_msg (strchr (message, '\n') == NULL, "message is not one line: %s", message);
}

/* Audits the story's ledger and expects @rule on record @seq. */
static void
expect (gint64      seq,
        const char *rule)
{
  g_autoptr(ChainAuditReport) report = audit ();

  assert_finding (report, seq, rule);
}

/* ---- Plain git ----------------------------------------------------------- */

static char *
git_run_v (const char *dir,
           const char *input,
           gboolean    chomp,
           const char *first,
           va_list     args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) "git");
  g_ptr_array_add (argv, (gpointer) "-C");
  g_ptr_array_add (argv, (gpointer) dir);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, input, &out, &err);
  ck_assert_msg (status == 0, "git %s %s failed (%d): %s", first,
                 argv->len > 5 ? (const char *) argv->pdata[4] : "", status, err);
  if (chomp)
    g_strchomp (out);
  return out;
}

/* git -C LEDGER ARGS...: its output without the final newline. */
static char *
git (const char *first,
     ...) G_GNUC_NULL_TERMINATED;

static char *
git (const char *first,
     ...)
{
  va_list args;
  char *out;

  va_start (args, first);
  out = git_run_v (story->path, NULL, TRUE, first, args);
  va_end (args);
  return out;
}

/* As git(), with @input on stdin. */
static char *
git_in (const char *input,
        const char *first,
        ...) G_GNUC_NULL_TERMINATED;

static char *
git_in (const char *input,
        const char *first,
        ...)
{
  va_list args;
  char *out;

  va_start (args, first);
  out = git_run_v (story->path, input, TRUE, first, args);
  va_end (args);
  return out;
}

/* The exact bytes git prints: a commit or a blob as it is. */
static char *
git_raw (const char *kind,
         const char *id)
{
  char *out = NULL;
  const char *argv[] = { "git", "-C", story->path, "cat-file", kind, id, NULL };
  g_autofree char *err = NULL;

  ck_assert_msg (test_support_run (argv, NULL, &out, &err) == 0, "git cat-file %s %s: %s", kind, id, err);
  return out;
}

/* Commit ids of refs/heads/main, root first. */
static GStrv
history (void)
{
  g_autofree char *list = git ("rev-list", "--first-parent", "--reverse", "main", NULL);

  return g_strsplit (list, "\n", -1);
}

static char *
commit_at (guint64 seq)
{
  g_auto(GStrv) ids = history ();

  ck_assert_uint_lt (seq, g_strv_length (ids));
  return g_strdup (ids[seq]);
}

static char *
record_path (guint64     seq,
             const char *type)
{
  return g_strdup_printf ("records/%04" G_GUINT64_FORMAT "/%02" G_GUINT64_FORMAT "/%08" G_GUINT64_FORMAT "-%s",
                          seq / 10000, (seq / 100) % 100, seq, type);
}

/* The blob id at @path in commit @commit. */
static char *
blob_at (const char *commit,
         const char *path)
{
  g_autofree char *spec = g_strdup_printf ("%s:%s", commit, path);

  return git ("rev-parse", spec, NULL);
}

static char *
write_blob (const char *content)
{
  return git_in (content, "hash-object", "-w", "--stdin", NULL);
}

/* @tree (NULL: empty) with @path set to @mode @type @id, or removed when
 * @id is NULL; made with git ls-tree and git mktree. */
static char *
tree_put (const char *tree,
          const char *path,
          const char *mode,
          const char *type,
          const char *id)
{
  const char *slash = strchr (path, '/');
  g_autofree char *head = slash != NULL ? g_strndup (path, (gsize) (slash - path)) : g_strdup (path);
  g_autofree char *listing = tree != NULL ? git ("ls-tree", tree, NULL) : g_strdup ("");
  g_auto(GStrv) lines = g_strsplit (listing, "\n", -1);
  g_autoptr(GString) input = g_string_new (NULL);
  g_autofree char *subtree = NULL;
  g_autofree char *new_entry = NULL;

  if (slash != NULL)
    {
      g_autofree char *old_sub = NULL;

      for (guint i = 0; lines[i] != NULL; i++)
        {
          const char *tab = strchr (lines[i], '\t');

          if (tab != NULL && strcmp (tab + 1, head) == 0)
            old_sub = g_strndup (lines[i] + 12, 40);   /* "040000 tree " */
        }
      subtree = tree_put (old_sub, slash + 1, mode, type, id);
      new_entry = g_strdup_printf ("040000 tree %s\t%s", subtree, head);
    }
  else if (id != NULL)
    new_entry = g_strdup_printf ("%s %s %s\t%s", mode, type, id, head);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *tab = strchr (lines[i], '\t');

      if (tab == NULL || strcmp (tab + 1, head) == 0)
        continue;
      g_string_append_printf (input, "%s\n", lines[i]);
    }
  if (new_entry != NULL)
    g_string_append_printf (input, "%s\n", new_entry);
  return git_in (input->str, "mktree", NULL);
}

static char *
tree_put_blob (const char *tree,
               const char *path,
               const char *blob)
{
  return tree_put (tree, path, "100644", "blob", blob);
}

/* ---- Commit text ------------------------------------------------------------- */

/* @raw's gpgsig header, as lines ending with '\n'. */
static char *
signature_header (const char *raw)
{
  const char *start = strstr (raw, "\ngpgsig ");
  const char *end = NULL;

  ck_assert_ptr_nonnull (start);
  start++;
  end = start;
  do
    end = strchr (end, '\n') + 1;
  while (*end == ' ');
  return g_strndup (start, (gsize) (end - start));
}

/* @raw with header @name's first line set to "@name @value" (@value NULL:
 * the line removed). */
static char *
with_header (const char *raw,
             const char *name,
             const char *value)
{
  g_autofree char *needle = g_strdup_printf ("%s ", name);
  const char *line = g_str_has_prefix (raw, needle) ? raw : NULL;
  const char *end = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  if (line == NULL)
    {
      g_autofree char *inner = g_strdup_printf ("\n%s ", name);
      const char *body = strstr (raw, "\n\n");

      line = strstr (raw, inner);
      ck_assert_msg (line != NULL && line < body, "no %s header", name);
      line++;
    }
  end = strchr (line, '\n') + 1;
  g_string_append_len (out, raw, line - raw);
  if (value != NULL)
    g_string_append_printf (out, "%s %s\n", name, value);
  g_string_append (out, end);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* @raw with @text inserted before the blank line that ends the headers. */
static char *
with_extra_header (const char *raw,
                   const char *text)
{
  const char *body = strstr (raw, "\n\n");
  g_autofree char *head = g_strndup (raw, (gsize) (body - raw + 1));

  return g_strconcat (head, text, body + 1, NULL);
}

static char *
tree_of (const char *raw)
{
  ck_assert (g_str_has_prefix (raw, "tree "));
  return g_strndup (raw + 5, 40);
}

/* git hash-object -t commit -w: writes @text as a commit. */
static char *
write_commit (const char *text,
              gboolean    literally)
{
  if (literally)
    return git_in (text, "hash-object", "-t", "commit", "-w", "--literally", "--stdin", NULL);
  return git_in (text, "hash-object", "-t", "commit", "-w", "--stdin", NULL);
}

static void
set_main (const char *commit)
{
  g_free (git ("update-ref", "refs/heads/main", commit, NULL));
}

/* How an attacker rewrites history: each commit of @sources, in order, is
 * written again with the previous one as its parent (the first on
 * @base, or none when NULL) after @edit, keeping its signature unless
 * @edit drops it (nobody but an officer can sign); main moves to the last. */
typedef char *(*EditFunc) (const char *raw,
                           guint       index,
                           gpointer    data);

static char *
rewrite (const char         *base,
         const char *const  *sources,
         EditFunc            edit,
         gpointer            data)
{
  g_autofree char *parent = g_strdup (base);

  for (guint i = 0; sources[i] != NULL; i++)
    {
      g_autofree char *raw = git_raw ("commit", sources[i]);
      g_autofree char *reparented = with_header (raw, "parent", parent);
      g_autofree char *edited = edit != NULL ? edit (reparented, i, data) : g_strdup (reparented);

      g_free (parent);
      parent = write_commit (edited, FALSE);
    }
  set_main (parent);
  return g_steal_pointer (&parent);
}

/* Rewrites records @from .. the tip with @edit. */
static void
rewrite_from (guint64  from,
              EditFunc edit,
              gpointer data)
{
  g_auto(GStrv) ids = history ();
  g_autofree char *base = from > 0 ? g_strdup (ids[from - 1]) : NULL;

  g_free (rewrite (base, (const char *const *) ids + from, edit, data));
}

/* ---- Signing as a malicious writer ------------------------------------------------ */

/* Re-signs the tip commit with @signature_of's output over its payload. */
static void
resign_tip_with (GBytes *(*sign) (const char *text, gpointer data),
                 gpointer data)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *raw = git_raw ("commit", tip);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autoptr(GBytes) signature = sign (text, data);
  g_autofree char *id = test_commit_write_with_signature (story->path, text, signature);

  set_main (id);
}

/* The statement.json, signatures.json and record.json of record @seq. */
static char *
record_file (const char *commit,
             guint64     seq,
             const char *type,
             const char *file)
{
  g_autofree char *dir = record_path (seq, type);
  g_autofree char *path = g_strconcat (dir, "/", file, NULL);
  g_autofree char *blob = blob_at (commit, path);

  return git_raw ("blob", blob);
}

static char *
sha256_text (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

/* The commit text libchain writes for a record by @author, appended by
 * @officer, with tree @tree on @parent. */
static char *
commit_text (const char        *tree,
             const char        *parent,
             const char        *author,
             gint64             author_time,
             const TestOfficer *officer,
             const char        *message)
{
  g_autofree char *key_id = chain_cert_dup_public_key_sha256 (officer->cert);

  return g_strdup_printf ("tree %s\nparent %s\nauthor %s <%s@custodian.libchain.invalid> %" G_GINT64_FORMAT
                          " +0000\ncommitter Officer <%.16s@officer.libchain.invalid> %" G_GINT64_FORMAT
                          " +0000\n\n%s\n", tree, parent, author, author, author_time, key_id, now_s (), message);
}

/* record.json as the writer makes it. */
static char *
record_json (const char *ledger,
             const char *prev,
             guint64     seq,
             const char *statement,
             const char *signatures)
{
  g_autoptr(ChainJson) root = chain_json_new_object ();
  g_autofree char *statement_sha = sha256_text (statement);
  g_autofree char *signatures_sha = sha256_text (signatures);
  g_autoptr(GBytes) bytes = NULL;

  chain_json_object_set_string (root, "ledger", ledger);
  chain_json_object_set_string (root, "prev", prev);
  chain_json_object_set_integer (root, "seq", (gint64) seq);
  chain_json_object_set_string (root, "signatures", signatures_sha);
  chain_json_object_set_string (root, "statement", statement_sha);
  chain_json_object_set_integer (root, "version", 1);
  bytes = chain_json_to_canonical (root);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* ---- Parties the story lacks ---------------------------------------------------------- */

static ChainKey *
key_new (void)
{
  g_autoptr(GError) error = NULL;
  ChainKey *key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);

  test_assert_no_error (error);
  return key;
}

static ChainCsr *
csr_new (ChainKey   *key,
         const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = chain_name_parse (subject, &error);
  ChainCsr *csr = NULL;

  test_assert_no_error (error);
  csr = chain_csr_new (key, name, &error);
  test_assert_no_error (error);
  return csr;
}

/* A custodian that asks for a CA: its keys and CSRs, no certificate yet. */
static void
child_make (TestParty  *p,
            const char *id,
            const char *tier,
            const char *subject,
            const char *officer_subject)
{
  p->id = id;
  p->name = id;
  p->tier = tier;
  p->subject = subject;
  p->officer_subject = officer_subject;
  p->key = key_new ();
  p->csr = csr_new (p->key, subject);
  p->officer.key = key_new ();
  p->officer_csr = csr_new (p->officer.key, officer_subject);
}

/* Appends @st (transfer full) with the story's rules; returns its seq. */
static guint64
append (ChainStatement    *st,
        const TestOfficer *committer)
{
  g_autoptr(ChainStatement) owned = st;

  return test_story_append (story, st, committer);
}

/* Appends @st (transfer full) as a malicious writer; returns its seq. */
static guint64
append_bad (ChainStatement    *st,
            const TestOfficer *committer)
{
  g_autoptr(ChainStatement) owned = st;

  return test_story_append_unchecked (story, st, committer);
}

/* ---- Edit functions for rewrite() -------------------------------------------------- */

static char *
replace_once (const char *text,
              const char *old,
              const char *replacement)
{
  const char *at = strstr (text, old);
  g_autofree char *head = NULL;

  ck_assert_msg (at != NULL, "test bug: no '%s'", old);
  head = g_strndup (text, (gsize) (at - text));
  return g_strconcat (head, replacement, at + strlen (old), NULL);
}

typedef struct {
  const char *path;
  const char *blob;   /* NULL: remove @path */
} PutData;

/* Every commit gets @path set (or removed), as a careful attacker keeps
 * later trees consistent with the edit. */
static char *
edit_put (const char *raw,
          guint       index,
          gpointer    data)
{
  PutData *put = data;
  g_autofree char *tree = tree_of (raw);
  g_autofree char *new_tree = put->blob != NULL ? tree_put_blob (tree, put->path, put->blob)
                                                : tree_put (tree, put->path, NULL, NULL, NULL);

  (void) index;
  return with_header (raw, "tree", new_tree);
}

/* Only the first commit gets @path removed. */
static char *
edit_remove_first (const char *raw,
                   guint       index,
                   gpointer    data)
{
  PutData put = { data, NULL };

  return index == 0 ? edit_put (raw, index, &put) : g_strdup (raw);
}

static char *
edit_author (const char *raw,
             guint       index,
             gpointer    data)
{
  (void) data;
  if (index > 0)
    return g_strdup (raw);
  return replace_once (raw, "\nauthor oem <oem@", "\nauthor cm-a <cm-a@");
}

static char *
edit_unsign (const char *raw,
             guint       index,
             gpointer    data)
{
  (void) data;
  return index == 0 ? test_commit_without_signature (raw) : g_strdup (raw);
}

/* The signature taken out of its header and put after the message. */
static char *
edit_move_signature (const char *raw,
                     guint       index,
                     gpointer    data)
{
  g_autofree char *header = signature_header (raw);
  g_autofree char *text = test_commit_without_signature (raw);

  (void) index;
  (void) data;
  return g_strconcat (text, "\n", header, NULL);
}

/* ---- The story as written ------------------------------------------------------------ */

START_TEST (test_clean_story)
{
  static const char *const types[] = {
    "genesis", "officer", "delegation-request", "approval", "delegation", "acceptance",
    "delegation-request", "approval", "delegation", "acceptance", "officer", "delegation-request",
    "approval", "delegation", "acceptance", "device-batch", "pop", "export", "revocation",
  };
  static const char *const authors[] = {
    "oem", "oem", "oem", "oem", "oem", "cm-a", "oem", "oem", "oem", "cm-b", "cm-a", "cm-a",
    "cm-a", "cm-a", "dist-x", "dist-x", "oem", "oem", "dist-x",
  };
  g_autoptr(ChainAuditReport) report = audit ();
  g_autoptr(ChainAuditReport) via_ledger = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = history ();
  g_autofree char *text = NULL;
  g_autofree char *all = NULL;
  g_autofree char *fsck = NULL;

  G_STATIC_ASSERT (G_N_ELEMENTS (types) == TEST_STORY_N_RECORDS);
  G_STATIC_ASSERT (G_N_ELEMENTS (authors) == TEST_STORY_N_RECORDS);
  assert_ok (report);
  ck_assert_uint_eq (chain_audit_report_get_n_records (report), TEST_STORY_N_RECORDS);
  ck_assert_uint_eq (chain_audit_report_get_n_failed_records (report), 0);
  ck_assert_uint_eq (chain_audit_report_get_n_findings (report), 0);
  ck_assert_ptr_null (chain_audit_report_find (report, -1, NULL));
  ck_assert_str_eq (chain_audit_report_get_ledger_id (report), story->ledger_id);
  ck_assert_str_eq (chain_audit_report_get_tip_commit_id (report), chain_ledger_get_tip_commit_id (story->ledger));
  for (guint i = 0; i < TEST_STORY_N_RECORDS; i++)
    {
      const ChainAuditRecord *record = chain_audit_report_get_record (report, i);

      ck_assert_uint_eq (chain_audit_record_get_seq (record), i);
      ck_assert_str_eq (chain_audit_record_get_commit_id (record), ids[i]);
      ck_assert_str_eq (chain_audit_record_get_record_type (record), types[i]);
      ck_assert_str_eq (chain_audit_record_get_author (record), authors[i]);
      ck_assert (chain_audit_record_is_ok (record));
      ck_assert_uint_eq (chain_audit_record_get_n_findings (record), 0);
    }

  text = chain_audit_report_to_text (report, FALSE);
  ck_assert_msg (g_str_has_prefix (text, "audit passed: 19 records, 0 failed"), "%s", text);
  all = chain_audit_report_to_text (report, TRUE);
  ck_assert_msg (strstr (all, "record 15 device-batch by dist-x (commit ") != NULL, "%s", all);

  /* With the root learnt out of band, upper-case as clouds show it. */
  {
    g_autofree char *hex = chain_cert_dup_thumbprint_hex (story->oem.cert, CHAIN_DIGEST_SHA256);
    g_autofree char *root = chain_thumbprint_format_for_display (hex);
    g_autoptr(ChainAuditReport) trusted = NULL;
    ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;

    options.trusted_root = root;
    trusted = audit_with (&options);
    assert_ok (trusted);
  }

  /* The same through the ledger handle; and plain git is content. */
  ck_assert (chain_ledger_audit (story->ledger, NULL, &via_ledger, NULL, &error));
  test_assert_no_error (error);
  assert_ok (via_ledger);
  fsck = git ("fsck", "--strict", "--no-dangling", NULL);

  /* Packed by git gc, the ledger reads the same. */
  {
    g_autoptr(ChainAuditReport) packed = NULL;

    g_free (git ("gc", "-q", NULL));
    packed = audit ();
    assert_ok (packed);
    ck_assert_uint_eq (chain_audit_report_get_n_records (packed), TEST_STORY_N_RECORDS);
  }
}
END_TEST

/* git verify-commit (gpgsm, trusting only the root) accepts every commit. */
START_TEST (test_git_verify_commit)
{
  char *home = g_strdup ("/tmp/audit-gpg-XXXXXX");
  g_autofree char *conf = NULL;
  g_autofree char *trust = NULL;
  g_autofree char *root_path = NULL;
  g_autofree char *fingerprint = chain_cert_dup_thumbprint_hex (story->oem.cert, CHAIN_DIGEST_SHA1);
  g_autofree char *trustlist = g_strdup_printf ("%s S\n", fingerprint);
  g_autoptr(GBytes) root_pem = chain_cert_to_pem (story->oem.cert);
  g_auto(GStrv) ids = history ();
  const char *import[] = { "gpgsm", "--batch", "--import", NULL, NULL };

  /* A short path: gpg-agent's socket lives in GNUPGHOME. */
  ck_assert_ptr_nonnull (g_mkdtemp_full (home, 0700));
  gnupg_home = home;
  g_setenv ("GNUPGHOME", home, TRUE);
  conf = g_build_filename (home, "gpgsm.conf", NULL);
  /* Offline; name constraints are OpenSSL's to check (gpgsm 2.2 fails a
   * critical nameConstraints extension). */
  test_support_write_file (conf, "disable-crl-checks\ndisable-dirmngr\nignore-cert-extension 2.5.29.30\n",
                           strlen ("disable-crl-checks\ndisable-dirmngr\nignore-cert-extension 2.5.29.30\n"));
  trust = g_build_filename (home, "trustlist.txt", NULL);
  test_support_write_file (trust, trustlist, strlen (trustlist));
  root_path = g_build_filename (story->dir, "root.pem", NULL);
  test_support_write_file (root_path, g_bytes_get_data (root_pem, NULL), g_bytes_get_size (root_pem));
  import[3] = root_path;
  ck_assert_int_eq (test_support_run (import, NULL, NULL, NULL), 0);

  ck_assert_uint_eq (g_strv_length (ids), TEST_STORY_N_RECORDS);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      const char *verify[] = { "git", "-C", story->path, "-c", "gpg.format=x509", "-c", "gpg.x509.program=gpgsm",
                               "verify-commit", "--raw", ids[i], NULL };
      g_autofree char *err = NULL;
      int status = test_support_run (verify, NULL, NULL, &err);

      ck_assert_msg (status == 0 && strstr (err, "GOODSIG") != NULL && strstr (err, "TRUST_FULLY") != NULL,
                     "git verify-commit of record %u exited %d: %s", i, status, err);
    }
}
END_TEST

START_TEST (test_report_json)
{
  g_autoptr(ChainAuditReport) clean = audit ();
  g_autoptr(ChainAuditReport) failed = NULL;
  g_autoptr(ChainJson) json = chain_audit_report_to_json (clean);
  g_autoptr(ChainJson) again = NULL;
  g_autoptr(ChainJson) bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pretty = chain_json_to_pretty (json);
  ChainJson *records = NULL;
  ChainJson *record = NULL;
  ChainJson *findings = NULL;

  /* What `chain audit --json` prints parses back to the same report. */
  again = chain_json_parse (pretty, strlen (pretty), 1024 * 1024, &error);
  test_assert_no_error (error);
  ck_assert (chain_json_get_boolean (chain_json_object_get_member (again, "ok")));
  ck_assert_int_eq (chain_json_get_integer (chain_json_object_get_member (again, "n_records")), TEST_STORY_N_RECORDS);
  ck_assert_int_eq (chain_json_get_integer (chain_json_object_get_member (again, "n_failed")), 0);
  ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (again, "ledger")), story->ledger_id);
  records = chain_json_object_get_member (again, "records");
  ck_assert_uint_eq (chain_json_array_get_length (records), TEST_STORY_N_RECORDS);
  record = chain_json_array_get_element (records, TEST_STORY_ACCEPT_DIST_X);
  ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (record, "type")), "acceptance");
  ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (record, "author")), "dist-x");
  ck_assert_int_eq (chain_json_get_integer (chain_json_object_get_member (record, "seq")), TEST_STORY_ACCEPT_DIST_X);
  ck_assert (chain_json_get_boolean (chain_json_object_get_member (record, "ok")));
  ck_assert_uint_eq (chain_json_array_get_length (chain_json_object_get_member (record, "findings")), 0);
  ck_assert_uint_eq (chain_json_array_get_length (chain_json_object_get_member (again, "findings")), 0);

  /* A failing one names the record and the rule. */
  rewrite_from (TIP, edit_unsign, NULL);
  failed = audit ();
  bad = chain_audit_report_to_json (failed);
  ck_assert (!chain_json_get_boolean (chain_json_object_get_member (bad, "ok")));
  ck_assert_int_eq (chain_json_get_integer (chain_json_object_get_member (bad, "n_failed")), 1);
  record = chain_json_array_get_element (chain_json_object_get_member (bad, "records"), TIP);
  ck_assert (!chain_json_get_boolean (chain_json_object_get_member (record, "ok")));
  findings = chain_json_object_get_member (record, "findings");
  ck_assert_uint_ge (chain_json_array_get_length (findings), 1);
  ck_assert_str_eq (chain_json_get_string (chain_json_object_get_member (chain_json_array_get_element (findings, 0),
                                                                          "rule")), "commit.unsigned");
  {
    g_autofree char *text = chain_audit_report_to_text (failed, FALSE);

    ck_assert_msg (strstr (text, "record 18 revocation by dist-x (commit ") != NULL, "%s", text);
    ck_assert_msg (strstr (text, "  record 18 (revocation): rule commit.unsigned: ") != NULL, "%s", text);
    ck_assert_msg (strstr (text, "audit FAILED: 19 records, 1 failed") != NULL, "%s", text);
  }
}
END_TEST

/* A ledger made from scratch by someone else is consistent in itself;
 * only the root the auditor trusts tells it apart. */
START_TEST (test_untrusted_root)
{
  g_autofree char *other = chain_cert_dup_thumbprint_hex (story->cm_a.cert, CHAIN_DIGEST_SHA256);
  g_autoptr(ChainAuditReport) report = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;

  options.trusted_root = other;
  report = audit_with (&options);
  assert_finding (report, 0, "history.root");
  ck_assert_uint_eq (chain_audit_report_get_n_failed_records (report), 1);
}
END_TEST

/* ---- Edited records and commits --------------------------------------------------------- */

/* The verification code in the pop record changed, and the history
 * rewritten from there with plain git. */
START_TEST (test_edited_record)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *dir = record_path (TEST_STORY_POP, "pop");
  g_autofree char *path = g_strconcat (dir, "/statement.json", NULL);
  g_autofree char *statement = record_file (tip, TEST_STORY_POP, "pop", "statement.json");
  g_autofree char *edited = replace_once (statement, TEST_STORY_POP_CODE, "0BCDEF0123456789");
  g_autofree char *blob = write_blob (edited);
  g_autoptr(ChainAuditReport) report = NULL;
  PutData put = { path, blob };

  rewrite_from (TEST_STORY_POP, edit_put, &put);
  report = audit ();
  assert_finding (report, TEST_STORY_POP, "record.digest");
  assert_finding (report, TEST_STORY_POP, "commit.signature");
  /* Later records carry the edit consistently: only their signatures break. */
  ck_assert_ptr_null (chain_audit_report_find (report, TEST_STORY_EXPORT, "tree.changed"));
  assert_finding (report, TEST_STORY_EXPORT, "commit.signature");
}
END_TEST

/* A new commit that edits an old record instead of adding one. */
START_TEST (test_edited_record_in_new_commit)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *raw = git_raw ("commit", tip);
  g_autofree char *tree = tree_of (raw);
  g_autofree char *dir = record_path (TEST_STORY_POP, "pop");
  g_autofree char *path = g_strconcat (dir, "/statement.json", NULL);
  g_autofree char *statement = record_file (tip, TEST_STORY_POP, "pop", "statement.json");
  g_autofree char *edited = replace_once (statement, TEST_STORY_POP_CODE, "0BCDEF0123456789");
  g_autofree char *blob = write_blob (edited);
  g_autofree char *new_tree = tree_put_blob (tree, path, blob);
  g_autofree char *commit = git ("commit-tree", new_tree, "-p", tip, "-m", "fix the code", NULL);
  g_autoptr(ChainAuditReport) report = NULL;

  set_main (commit);
  report = audit ();
  assert_finding (report, TIP + 1, "tree.changed");
  assert_finding (report, TIP + 1, "tree.record-path");
  assert_finding (report, TIP + 1, "commit.unsigned");
}
END_TEST

START_TEST (test_edited_artifact)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *dir = record_path (TEST_STORY_BATCH_DIST_X, "device-batch");
  g_autofree char *path = g_strconcat (dir, "/artifacts/manifest.csv", NULL);
  g_autofree char *manifest = record_file (tip, TEST_STORY_BATCH_DIST_X, "device-batch", "artifacts/manifest.csv");
  g_autofree char *edited = replace_once (manifest, "dist-x-0001,", "dist-x-9001,");
  g_autofree char *blob = write_blob (edited);
  PutData put = { path, blob };

  rewrite_from (TEST_STORY_BATCH_DIST_X, edit_put, &put);
  expect (TEST_STORY_BATCH_DIST_X, "artifact.digest");
}
END_TEST

/* The pop's commit shown as CM A's in git log. */
START_TEST (test_edited_commit)
{
  g_autoptr(ChainAuditReport) report = NULL;

  rewrite_from (TEST_STORY_POP, edit_author, NULL);
  report = audit ();
  assert_finding (report, TEST_STORY_POP, "commit.signature");
  assert_finding (report, TEST_STORY_POP, "commit.author");
}
END_TEST

START_TEST (test_unsigned_commit)
{
  rewrite_from (TIP, edit_unsign, NULL);
  expect (TIP, "commit.unsigned");
}
END_TEST

START_TEST (test_moved_signature)
{
  g_autoptr(ChainAuditReport) report = NULL;
  g_autofree char *tip = NULL;
  git_repository *repo = NULL;
  git_buf signature = GIT_BUF_INIT;
  git_buf data = GIT_BUF_INIT;
  git_oid oid;

  rewrite_from (TIP, edit_move_signature, NULL);
  report = audit ();
  assert_finding (report, TIP, "commit.unsigned");
  assert_finding (report, TIP, "commit.moved-signature");

  /* Why the auditor reads the header itself: libgit2 1.5 finds this one. */
  tip = commit_at (TIP);
  ck_assert_int_eq (git_oid_fromstr (&oid, tip), 0);
  ck_assert_int_eq (git_repository_open (&repo, story->path), 0);
  ck_assert_int_eq (git_commit_extract_signature (&signature, &data, repo, &oid, NULL), 0);
  ck_assert_ptr_nonnull (strstr (signature.ptr, "BEGIN SIGNED MESSAGE"));
  git_buf_dispose (&signature);
  git_buf_dispose (&data);
  git_repository_free (repo);
}
END_TEST

static GBytes *
sign_twice (const char *text,
            gpointer    data)
{
  ChainKey *keys[] = { story->dist_x.officer.key, story->oem.officer.key };
  ChainCert *certs[] = { story->dist_x.officer.cert, story->oem.officer.cert };

  (void) data;
  return test_commit_cms_sign_raw (keys, certs, 2, text);
}

/* Two gpgsig headers; or one signature with two signers. */
START_TEST (test_two_signatures)
{
  if (_i == 0)
    {
      g_autofree char *tip = commit_at (TIP);
      g_autofree char *raw = git_raw ("commit", tip);
      g_autofree char *header = signature_header (raw);
      g_autofree char *text = with_extra_header (raw, header);
      g_autofree char *id = write_commit (text, TRUE);

      set_main (id);
    }
  else
    resign_tip_with (sign_twice, NULL);
  expect (TIP, "commit.signatures");
}
END_TEST

/* ---- Commit signers ---------------------------------------------------------------------- */

static void
resign_tip (const TestOfficer *officer)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *raw = git_raw ("commit", tip);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *id = test_commit_write_signed (story->path, text, officer);

  set_main (id);
}

START_TEST (test_signer_outside_root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = chain_name_parse ("CN=Widget Root CA,O=Widget Ltd,C=DE", &error);
  g_autoptr(ChainKey) root_key = key_new ();
  g_autoptr(ChainCert) root = NULL;
  g_autoptr(ChainIssuer) issuer = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  TestOfficer officer = { 0 };

  /* A root with the real one's name, made by someone else. */
  options.not_before = now_s () - DAY;
  options.not_after = now_s () + 365 * DAY;
  root = chain_root_create (root_key, name, &options, &error);
  test_assert_no_error (error);
  issuer = chain_issuer_new (root, root_key, NULL, &error);
  test_assert_no_error (error);
  officer.key = key_new ();
  officer.cert = chain_issuer_issue_officer (issuer, "Olivia", officer.key, &options, &error);
  test_assert_no_error (error);

  resign_tip (&officer);
  expect (TIP, "commit.signer-chain");
  test_story_officer_clear (&officer);
}
END_TEST

START_TEST (test_signer_expired)
{
  TestOfficer officer = { 0 };
  TestForge forge = { TEST_FORGE_OFFICER, story->oem.key, story->oem.cert, "CN=Olga,O=Widget Ltd,C=DE", NULL,
                      0, 0, -1, NULL, NULL };

  officer.key = key_new ();
  forge.key = officer.key;
  forge.not_before = now_s () - 400 * DAY;
  forge.not_after = now_s () - 30 * DAY;
  officer.cert = test_story_forge (&forge);
  resign_tip (&officer);
  expect (TIP, "commit.signer-expired");
  test_story_officer_clear (&officer);
}
END_TEST

static GBytes *
sign_with (const char *text,
           gpointer    data)
{
  TestOfficer *officer = data;

  return test_commit_cms_sign_raw (&officer->key, &officer->cert, 1, text);
}

/* A certificate from the root for TLS clients, not for signing commits. */
START_TEST (test_signer_wrong_key_usage)
{
  TestOfficer officer = { 0 };
  TestForge forge = { TEST_FORGE_NO_EKU, story->oem.key, story->oem.cert, "CN=Olga,O=Widget Ltd,C=DE", NULL,
                      0, 0, -1, NULL, NULL };

  officer.key = key_new ();
  forge.key = officer.key;
  forge.not_before = now_s () - DAY;
  forge.not_after = now_s () + 365 * DAY;
  officer.cert = test_story_forge (&forge);
  resign_tip_with (sign_with, &officer);
  expect (TIP, "commit.signer-profile");
  test_story_officer_clear (&officer);
}
END_TEST

/* A proper officer certificate from the root, never enrolled in the ledger. */
START_TEST (test_signer_not_enrolled)
{
  TestOfficer officer = { 0 };

  test_story_officer_make (&officer, &story->oem, "Eve");
  resign_tip (&officer);
  expect (TIP, "commit.signer");
  test_story_officer_clear (&officer);
}
END_TEST

/* ---- Record times ------------------------------------------------------------------------ */

/* The committer time of @raw (a commit object's text). */
static gint64
committer_time (const char *raw)
{
  const char *line = strstr (raw, "\ncommitter ");
  g_autofree char *text = NULL;
  g_auto(GStrv) words = NULL;
  guint n;

  ck_assert_ptr_nonnull (line);
  text = g_strndup (line + 1, strcspn (line + 1, "\n"));
  words = g_strsplit (text, " ", -1);
  n = g_strv_length (words);
  ck_assert_uint_ge (n, 3);
  return g_ascii_strtoll (words[n - 2], NULL, 10);
}

/* @raw with its committer time set to @when. */
static char *
with_committer_time (const char *raw,
                     gint64      when)
{
  const char *line = strstr (raw, "\ncommitter ");
  const char *end;
  const char *zone;
  const char *stamp;

  ck_assert_ptr_nonnull (line);
  end = line + 1 + strcspn (line + 1, "\n");
  zone = g_strrstr_len (line, end - line, " ");
  stamp = g_strrstr_len (line, zone - line, " ");
  ck_assert_ptr_nonnull (stamp);
  return g_strdup_printf ("%.*s %" G_GINT64_FORMAT "%s", (int) (stamp - raw), raw, when, zone);
}

/* The tip appended again by its own committer, Dist X's officer, with
 * its commit dated @when: a writer whose clock is wrong, or who lies. */
static void
redate_tip (gint64 when)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *raw = git_raw ("commit", tip);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *dated = with_committer_time (text, when);
  g_autofree char *id = test_commit_write_signed (story->path, dated, &story->dist_x.officer);

  ck_assert_int_eq (committer_time (dated), when);
  set_main (id);
}

/* A commit dated far ahead of the auditor's clock (issue 11 item 5). */
START_TEST (test_time_future)
{
  g_autoptr(ChainAuditReport) clean = audit ();
  g_autoptr(ChainAuditReport) report = NULL;

  /* The untouched story passes: only the date is the finding. */
  assert_ok (clean);
  redate_tip (now_s () + 30 * DAY);
  report = audit ();
  assert_finding (report, TIP, "record.time-future");
  ck_assert_ptr_null (chain_audit_report_find (report, TIP, "record.time-order"));
}
END_TEST

/* A commit dated a day before the record it follows (issue 11 item 5). */
START_TEST (test_time_backwards)
{
  g_autofree char *before = commit_at (TIP - 1);
  g_autofree char *before_raw = git_raw ("commit", before);
  g_autoptr(ChainAuditReport) report = NULL;

  redate_tip (committer_time (before_raw) - DAY);
  report = audit ();
  assert_finding (report, TIP, "record.time-order");
}
END_TEST

/* ---- Custodians acting outside their delegation ----------------------------------------- */

/* Dist X, whose tier delegates to nobody, records a request and issues a
 * sub-CA under its own CA. */
START_TEST (test_distributor_issues_sub_ca)
{
  TestParty sub = { 0 };
  g_autoptr(ChainCert) ca = NULL;
  g_autofree char *request_id = NULL;
  g_autoptr(ChainAuditReport) report = NULL;
  ChainStatement *st = NULL;
  TestForge forge = { TEST_FORGE_CA, story->dist_x.key, story->dist_x.cert, "CN=Sub X CA,OU=Dist X,O=CM A,C=DE",
                      NULL, 0, 0, 0, "permitted:dirName:OU=Dist X,O=CM A,C=DE", NULL };
  guint64 request_seq;
  guint64 delegation_seq;

  child_make (&sub, "sub-x", "distributor", forge.subject, "CN=Sam,OU=Dist X,O=CM A,C=DE");
  st = test_story_request (story, &story->dist_x, &story->dist_x.officer, &sub);
  request_id = g_strdup (chain_statement_get_id (st));
  request_seq = append_bad (st, &story->dist_x.officer);

  forge.key = sub.key;
  forge.not_before = now_s () - DAY;
  forge.not_after = now_s () + 300 * DAY;
  ca = test_story_forge (&forge);
  delegation_seq = append_bad (test_story_delegation (story, &story->dist_x, &story->dist_x.officer, &sub,
                                                      request_id, ca), &story->dist_x.officer);

  report = audit ();
  assert_finding (report, request_seq, "request.tier");
  assert_finding (report, delegation_seq, "delegation.request");
  test_story_party_clear (&sub);
}
END_TEST

/* CM A records devices issued under CM B's CA. */
START_TEST (test_cm_issues_under_other_cm)
{
  ChainCert *devices[2] = { NULL, NULL };
  guint64 seq;

  devices[0] = test_story_device (story->cm_b.issuer, "cm-b-0001");
  devices[1] = test_story_device (story->cm_b.issuer, "cm-b-0002");
  seq = append_bad (test_story_batch (story, "cm-a", &story->cm_a.officer, story->cm_b.cert, devices, 2, TRUE),
                    &story->cm_a.officer);
  expect (seq, "batch.issuer");
  chain_cert_free (devices[0]);
  chain_cert_free (devices[1]);
}
END_TEST

/* A device certificate for @subject, signed by @issuer_key as @issuer. */
static ChainCert *
forged_device (ChainKey   *issuer_key,
               ChainCert  *issuer,
               const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  TestForge forge = { TEST_FORGE_DEVICE, issuer_key, issuer, subject, NULL, 0, 0, -1, NULL, NULL, FALSE };

  ck_assert_msg (key != NULL, "%s", error != NULL ? error->message : "");
  forge.key = key;
  forge.not_before = now_s () - DAY;
  forge.not_after = now_s () + 300 * DAY;
  return test_story_forge (&forge);
}

/* A batch large enough for the checks on all cores (chain-ordered-checks.c
 * starts its workers from 256 certificates), with a certificate CM A's CA
 * signed at 300 and one outside Dist X's name constraints at 350
 * (ids dist-x-7NNN, unused by the other cases): the
 * audit names the earlier, as the checks in order did. */
START_TEST (test_large_batch_earliest_refusal)
{
  enum { N_DEVICES = 400, FORGED = 300, OUTSIDE = 350 };
  ChainCert *devices[N_DEVICES];
  g_autoptr(ChainAuditReport) report = NULL;
  const ChainAuditFinding *finding = NULL;
  guint64 seq;

  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *id = g_strdup_printf ("dist-x-7%03u", i);

      devices[i] = test_story_device (story->dist_x.issuer, id);
    }
  chain_cert_free (devices[FORGED]);
  devices[FORGED] = forged_device (story->cm_a.key, story->cm_a.cert, "CN=dist-x-7300,OU=Dist X,O=CM A,C=DE");
  chain_cert_free (devices[OUTSIDE]);
  devices[OUTSIDE] = forged_device (story->dist_x.key, story->dist_x.cert, "CN=dist-x-7350,OU=Elsewhere,O=CM A,C=DE");
  seq = append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, devices,
                                      N_DEVICES, TRUE), &story->dist_x.officer);

  report = audit ();
  assert_finding (report, seq, "batch.certificates");
  ck_assert_ptr_null (chain_audit_report_find (report, seq, "batch.name-constraints"));
  finding = chain_audit_report_find (report, seq, "batch.certificates");
  ck_assert_msg (strstr (chain_audit_finding_get_message (finding), "certificate 301 ") != NULL,
                 "the finding does not name the 301st certificate: %s", chain_audit_finding_get_message (finding));
  for (guint i = 0; i < N_DEVICES; i++)
    chain_cert_free (devices[i]);
}
END_TEST

/* CM A delegates Dist Y a sub-CA the policy and its own CA forbid. */
typedef struct {
  const char *subject;
  const char *officer_subject;
  const char *constraints;
  int         path_len;
  gint64      beyond_issuer_days;   /* 0: a validity well inside CM A's */
  const char *rule;
} DelegationCase;

static const DelegationCase delegation_cases[] = {
  { "CN=Dist Y CA,OU=Dist Y,O=CM A,C=DE", "CN=Yuri,OU=Dist Y,O=CM A,C=DE",
    "permitted:dirName:OU=Dist Y,O=CM A,C=DE", 1, 0, "delegation.path-length" },
  { "CN=Dist Y CA,OU=Dist Y,O=Evil,C=DE", "CN=Yuri,OU=Dist Y,O=Evil,C=DE",
    "permitted:dirName:OU=Dist Y,O=Evil,C=DE", 0, 0, "delegation.name-constraints" },
  { "CN=Dist Y CA,OU=Dist Y,O=CM A,C=DE", "CN=Yuri,OU=Dist Y,O=CM A,C=DE",
    "permitted:dirName:OU=Dist Y,O=CM A,C=DE", 0, 30, "delegation.validity" },
};

/* A pending request for @child by CM A, approved by Alan; its id. */
static char *
request_approved (TestParty *child)
{
  ChainStatement *st = test_story_request (story, &story->cm_a, &story->cm_a.officer, child);
  char *id = g_strdup (chain_statement_get_id (st));

  append (st, &story->cm_a.officer);
  append (test_story_approval (story, "cm-a", &story->cm_a2, id), &story->cm_a2);
  return id;
}

START_TEST (test_delegation_outside_bounds)
{
  const DelegationCase *c = &delegation_cases[_i];
  TestParty child = { 0 };
  g_autofree char *request_id = NULL;
  g_autoptr(ChainCert) ca = NULL;
  TestForge forge = { TEST_FORGE_CA, story->cm_a.key, story->cm_a.cert, c->subject, NULL, 0, 0, c->path_len,
                      c->constraints, NULL };
  guint64 seq;

  child_make (&child, "dist-y", "distributor", c->subject, c->officer_subject);
  request_id = request_approved (&child);
  forge.key = child.key;
  forge.not_before = now_s () - DAY;
  forge.not_after = c->beyond_issuer_days > 0
                    ? chain_cert_get_not_after (story->cm_a.cert) + c->beyond_issuer_days * DAY
                    : now_s () + 1000 * DAY;
  ca = test_story_forge (&forge);
  seq = append_bad (test_story_delegation (story, &story->cm_a, &story->cm_a.officer, &child, request_id, ca),
                    &story->cm_a.officer);
  expect (seq, c->rule);
  test_story_party_clear (&child);
}
END_TEST

/* Dist Y's CA as CM A's issuer makes it. */
static ChainCert *
issue_child_ca (TestParty *child)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainNameConstraints) nc = chain_name_constraints_parse ("permitted:dirName:OU=Dist Y,O=CM A,C=DE",
                                                                     &error);
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  ChainCert *ca = NULL;

  test_assert_no_error (error);
  options.not_before = now_s () - DAY;
  options.not_after = now_s () + 1000 * DAY;
  options.path_len = 0;
  options.name_constraints = nc;
  ca = chain_issuer_issue_sub_ca (story->cm_a.issuer, child->csr, &options, &error);
  test_assert_no_error (error);
  return ca;
}

/* The policy wants two of CM A's officers for a delegation: Alice alone
 * (0), or Alice approving and delegating (1), or Alice's signature listed
 * twice (2). */
START_TEST (test_threshold)
{
  TestParty child = { 0 };
  g_autoptr(ChainCert) ca = NULL;
  g_autoptr(ChainAuditReport) report = NULL;
  g_autofree char *request_id = NULL;
  ChainStatement *st = NULL;
  guint64 seq;

  child_make (&child, "dist-y", "distributor", "CN=Dist Y CA,OU=Dist Y,O=CM A,C=DE", "CN=Yuri,OU=Dist Y,O=CM A,C=DE");
  st = test_story_request (story, &story->cm_a, &story->cm_a.officer, &child);
  request_id = g_strdup (chain_statement_get_id (st));
  append (st, &story->cm_a.officer);
  if (_i == 1)
    append (test_story_approval (story, "cm-a", &story->cm_a.officer, request_id), &story->cm_a.officer);
  ca = issue_child_ca (&child);
  seq = append_bad (test_story_delegation (story, &story->cm_a, &story->cm_a.officer, &child, request_id, ca),
                    &story->cm_a.officer);

  if (_i == 2)
    {
      /* signatures.json edited to list the one signature twice, record.json
       * made to match, the commit signed again by Alice. */
      g_autofree char *tip = commit_at (seq);
      g_autofree char *raw = git_raw ("commit", tip);
      g_autofree char *dir = record_path (seq, "delegation");
      g_autofree char *signatures = record_file (tip, seq, "delegation", "signatures.json");
      g_autofree char *record = record_file (tip, seq, "delegation", "record.json");
      g_autofree char *inner = g_strndup (signatures + 1, strlen (signatures) - 2);
      g_autofree char *doubled = g_strdup_printf ("[%s,%s]", inner, inner);
      g_autofree char *old_sha = sha256_text (signatures);
      g_autofree char *new_sha = sha256_text (doubled);
      g_autofree char *new_record = replace_once (record, old_sha, new_sha);
      g_autofree char *sig_path = g_strconcat (dir, "/signatures.json", NULL);
      g_autofree char *record_path_ = g_strconcat (dir, "/record.json", NULL);
      g_autofree char *sig_blob = write_blob (doubled);
      g_autofree char *record_blob = write_blob (new_record);
      g_autofree char *tree = tree_of (raw);
      g_autofree char *tree1 = tree_put_blob (tree, sig_path, sig_blob);
      g_autofree char *tree2 = tree_put_blob (tree1, record_path_, record_blob);
      g_autofree char *unsigned_text = test_commit_without_signature (raw);
      g_autofree char *text = with_header (unsigned_text, "tree", tree2);
      g_autofree char *id = test_commit_write_signed (story->path, text, &story->cm_a.officer);

      set_main (id);
    }

  report = audit ();
  assert_finding (report, seq, "threshold.not-met");
  if (_i == 2)
    assert_finding (report, seq, "signature.duplicate-key");
  test_story_party_clear (&child);
}
END_TEST

/* ---- The history ----------------------------------------------------------------------- */

static char *
git_at (const char *dir,
        const char *first,
        ...) G_GNUC_NULL_TERMINATED;

static char *
git_at (const char *dir,
        const char *first,
        ...)
{
  va_list args;
  char *out;

  va_start (args, first);
  out = git_run_v (dir, NULL, TRUE, first, args);
  va_end (args);
  return out;
}

/* refs/heads/main moved back three records. */
/* Sync audits fetched records before main moves: the tip it names is
 * audited back to genesis whatever main points at. */
START_TEST (test_audit_given_tip)
{
  g_autofree char *full = g_strdup (chain_ledger_get_tip_commit_id (story->ledger));
  g_autofree char *older = commit_at (10);
  g_autofree char *back = git ("rev-parse", "main~3", NULL);
  g_autoptr(ChainAuditReport) at_older = NULL;
  g_autoptr(ChainAuditReport) ahead_of_main = NULL;
  g_autoptr(ChainAuditReport) bad = NULL;
  g_autoptr(GError) error = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;

  options.tip = older;
  at_older = audit_with (&options);
  assert_ok (at_older);
  ck_assert_uint_eq (chain_audit_report_get_n_records (at_older), 11);
  ck_assert_str_eq (chain_audit_report_get_tip_commit_id (at_older), older);

  set_main (back);
  options.tip = full;
  ahead_of_main = audit_with (&options);
  assert_ok (ahead_of_main);
  ck_assert_uint_eq (chain_audit_report_get_n_records (ahead_of_main), TEST_STORY_N_RECORDS);

  options.tip = "main";
  ck_assert (!chain_audit_repository (chain_ledger_get_path (story->ledger), &options, &bad,
                                      NULL, &error));
  ck_assert_ptr_null (bad);
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "not a commit id", NULL);
}
END_TEST

/* Sync with the auditor as its verify step: a clean ledger is fetched, a
 * tampered one is refused and our main stays where it was. */
START_TEST (test_sync_verifies_with_audit)
{
  g_autofree char *parent = g_path_get_dirname (story->path);
  g_autofree char *mirror_path = g_build_filename (parent, "mirror.git", NULL);
  g_autoptr(ChainLedger) mirror = NULL;
  g_autoptr(ChainSyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *tree = NULL;
  g_autofree char *forged = NULL;
  ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;

  options.verify = chain_audit_sync_verify;
  mirror = chain_ledger_init (mirror_path, &error);
  test_assert_no_error (error);
  ck_assert (chain_sync_fetch (mirror_path, story->path, &options, &result, NULL, &error));
  test_assert_no_error (error);
  ck_assert (chain_ledger_refresh (mirror, NULL, NULL, &error));
  ck_assert_uint_eq (chain_ledger_get_length (mirror), TEST_STORY_N_RECORDS);
  before = g_strdup (chain_ledger_get_tip_commit_id (mirror));

  /* The source grows by one unsigned commit, made with plain git. */
  tree = git ("rev-parse", "main^{tree}", NULL);
  forged = git ("commit-tree", tree, "-p", before, "-m", "forged", NULL);
  set_main (forged);
  g_clear_pointer (&result, chain_sync_result_free);
  ck_assert (!chain_sync_fetch (mirror_path, story->path, &options, &result, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "fails its audit", "commit.unsigned", NULL);
  ck_assert (chain_ledger_refresh (mirror, NULL, NULL, &error));
  ck_assert_str_eq (chain_ledger_get_tip_commit_id (mirror), before);
}
END_TEST

START_TEST (test_rollback)
{
  g_autofree char *pin = g_strdup (chain_ledger_get_tip_commit_id (story->ledger));
  g_autofree char *older = commit_at (10);
  g_autofree char *back = git ("rev-parse", "main~3", NULL);
  g_autoptr(ChainAuditReport) at_pin = NULL;
  g_autoptr(ChainAuditReport) unpinned = NULL;
  g_autoptr(ChainAuditReport) report = NULL;
  g_autoptr(ChainAuditReport) older_pin = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;

  options.pinned_tip = pin;
  at_pin = audit_with (&options);
  assert_ok (at_pin);

  set_main (back);
  /* Without the pin a shorter ledger is a good ledger. */
  unpinned = audit ();
  assert_ok (unpinned);
  report = audit_with (&options);
  assert_finding (report, TIP - 2, "history.rewrite");
  ck_assert_uint_eq (chain_audit_report_get_n_findings (report), 1);
  ck_assert_uint_eq (chain_audit_report_get_n_failed_records (report), 0);

  /* A pin the ledger still descends from is fine. */
  options.pinned_tip = older;
  older_pin = audit_with (&options);
  assert_ok (older_pin);
}
END_TEST

/* A custodian rewrites the last records in a clone and force-pushes. */
START_TEST (test_force_push)
{
  g_autofree char *pin = g_strdup (chain_ledger_get_tip_commit_id (story->ledger));
  g_autofree char *work = g_build_filename (story->dir, "work", NULL);
  g_autoptr(ChainAuditReport) report = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;

  g_free (git ("clone", "-q", story->path, work, NULL));
  g_free (git_at (work, "reset", "-q", "--hard", "HEAD~1", NULL));
  g_free (git_at (work, "commit", "-q", "--amend", "-m", "export #17 by oem", NULL));
  g_free (git_at (work, "push", "-q", "--force", "origin", "HEAD:main", NULL));

  options.pinned_tip = pin;
  report = audit_with (&options);
  assert_finding (report, TEST_STORY_EXPORT, "history.rewrite");
  assert_finding (report, TEST_STORY_EXPORT, "commit.unsigned");

  /* The custodian's working clone audits the same way. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ChainAuditReport) clone = NULL;

    ck_assert (chain_audit_repository (work, &options, &clone, NULL, &error));
    test_assert_no_error (error);
    ck_assert_uint_eq (chain_audit_report_get_n_records (clone), TEST_STORY_EXPORT + 1);
    assert_finding (clone, TEST_STORY_EXPORT, "history.rewrite");
  }
}
END_TEST

START_TEST (test_merge_commit)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *genesis = commit_at (0);
  g_autofree char *tree_spec = g_strconcat (tip, "^{tree}", NULL);
  g_autofree char *tree = git ("rev-parse", tree_spec, NULL);
  g_autofree char *merge = git ("commit-tree", tree, "-p", tip, "-p", genesis, "-m", "merge", NULL);

  set_main (merge);
  expect (TIP + 1, "commit.merge");
}
END_TEST

/* Records 10 .. 18 grafted onto a new root: a commit without a parent. */
START_TEST (test_orphan_commit)
{
  g_auto(GStrv) ids = history ();

  g_free (rewrite (NULL, (const char *const *) ids + 10, NULL, NULL));
  expect (0, "commit.root");
}
END_TEST

/* git replace (0), or a graft (1), shows plain git a history nobody
 * signed while the objects stay as they were. */
START_TEST (test_replaced_history)
{
  g_autofree char *pop = commit_at (TEST_STORY_POP);
  g_autofree char *batch = commit_at (TEST_STORY_BATCH_DIST_X);
  g_autofree char *raw = git_raw ("commit", pop);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *edited = replace_once (text, "pop #16 by oem", "pop #16 by cm-a");
  g_autofree char *fake = write_commit (edited, FALSE);
  g_autofree char *log = NULL;
  g_autoptr(ChainAuditReport) report = NULL;
  const ChainAuditFinding *finding = NULL;

  if (_i == 0)
    g_free (git ("replace", pop, fake, NULL));
  else
    {
      g_autofree char *grafts = g_build_filename (story->path, "info", "grafts", NULL);
      g_autofree char *line = g_strdup_printf ("%s %s\n", pop, batch);
      g_autofree char *info = g_build_filename (story->path, "info", NULL);

      g_mkdir_with_parents (info, 0700);
      test_support_write_file (grafts, line, strlen (line));
    }
  log = git ("log", "--format=%s", "main", NULL);
  if (_i == 0)
    ck_assert_ptr_nonnull (strstr (log, "pop #16 by cm-a"));

  report = audit ();
  finding = chain_audit_report_find (report, -1, "history.replace");
  ck_assert (!chain_audit_report_is_ok (report));
  ck_assert_ptr_nonnull (finding);
  ck_assert (g_str_has_prefix (chain_audit_finding_get_message (finding), "ledger: rule history.replace: "));
  /* The records themselves are as signed. */
  ck_assert_uint_eq (chain_audit_report_get_n_failed_records (report), 0);
}
END_TEST

/* ---- The repository around the history (issue 17, issue 11 item 11) ------------------------------ */

/* The audit failed with a finding @rule about the ledger as a whole. */
static void
expect_ledger (const char *rule)
{
  g_autoptr(ChainAuditReport) report = audit ();
  const ChainAuditFinding *finding = chain_audit_report_find (report, -1, rule);
  g_autofree char *text = chain_audit_report_to_text (report, FALSE);
  g_autofree char *prefix = g_strdup_printf ("ledger: rule %s: ", rule);

  ck_assert_msg (!chain_audit_report_is_ok (report), "the audit passed; expected %s", rule);
  ck_assert_msg (finding != NULL, "no finding %s:\n%s", rule, text);
  ck_assert_msg (g_str_has_prefix (chain_audit_finding_get_message (finding), prefix), "%s",
                 chain_audit_finding_get_message (finding));
  ck_assert (strchr (chain_audit_finding_get_message (finding), '\n') == NULL);
  /* The records themselves are as signed. */
  ck_assert_uint_eq (chain_audit_report_get_n_failed_records (report), 0);
}

/* A commit with no parent, under no ref yet: another history. */
static char *
unrelated_root (void)
{
  g_autofree char *empty = git_in ("", "mktree", NULL);

  return git ("commit-tree", empty, "-m", "another history", NULL);
}

typedef struct {
  const char *ref;
  gboolean    orphan;   /* at an unrelated root, else at the tip */
  const char *rule;
} RefCase;

static const RefCase ref_cases[] = {
  { "refs/heads/other", FALSE, "refs.extra" },
  { "refs/heads/evil", TRUE, "refs.extra" },
  { "refs/tags/v1", FALSE, "refs.extra" },
  { "refs/notes/x", TRUE, "refs.extra" },
  { "refs/stash", FALSE, "refs.extra" },
  { "refs/chain/abandoned/x", TRUE, "refs.root" },
  { "refs/remotes/origin/main", TRUE, "refs.root" },
};

/* Plain git shows branches, tags and notes the ledger never recorded. */
START_TEST (test_extra_ref)
{
  const RefCase *c = &ref_cases[_i];
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *target = c->orphan ? unrelated_root () : g_strdup (tip);

  g_free (git ("update-ref", c->ref, target, NULL));
  expect_ledger (c->rule);
}
END_TEST

/* An unrelated root below a commit that continues the ledger. */
START_TEST (test_bookkeeping_ref_on_other_root)
{
  g_autofree char *root = unrelated_root ();
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *tree_spec = g_strconcat (tip, "^{tree}", NULL);
  g_autofree char *tree = git ("rev-parse", tree_spec, NULL);
  g_autofree char *merge = git ("commit-tree", tree, "-p", tip, "-p", root, "-m", "x", NULL);

  g_free (git ("update-ref", "refs/chain/received/bundle", merge, NULL));
  expect_ledger ("refs.root");
}
END_TEST

/* What libchain's workspaces keep besides main passes. */
START_TEST (test_bookkeeping_refs)
{
  g_autofree char *old = commit_at (5);
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *tree_spec = g_strconcat (tip, "^{tree}", NULL);
  g_autofree char *tree = git ("rev-parse", tree_spec, NULL);
  g_autofree char *ahead = git ("commit-tree", tree, "-p", tip, "-m", "set aside", NULL);

  g_free (git ("update-ref", "refs/remotes/origin/main", old, NULL));
  g_free (git ("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main", NULL));
  g_free (git ("update-ref", "refs/chain/sent/bundle", tip, NULL));
  g_free (git ("update-ref", "refs/chain/abandoned/1", ahead, NULL));
  {
    g_autoptr(ChainAuditReport) report = audit ();

    assert_ok (report);
  }
}
END_TEST

/* HEAD on another branch (0) or detached (1). */
START_TEST (test_head_not_main)
{
  g_autofree char *tip = commit_at (TIP);

  if (_i == 0)
    g_free (git ("symbolic-ref", "HEAD", "refs/heads/master", NULL));
  else
    g_free (git ("update-ref", "--no-deref", "HEAD", tip, NULL));
  expect_ledger ("repo.head");
}
END_TEST

/* A `shallow` file: git log then stops at the commit it names. */
START_TEST (test_shallow)
{
  g_autofree char *cut = commit_at (12);
  g_autofree char *line = g_strconcat (cut, "\n", NULL);
  g_autofree char *path = g_build_filename (story->path, "shallow", NULL);
  g_autofree char *count = NULL;

  test_support_write_file (path, line, strlen (line));
  count = git ("rev-list", "--count", "main", NULL);
  ck_assert_str_eq (count, "7");
  expect_ledger ("repo.shallow");
}
END_TEST

/* The tip re-made with another committer name (the e-mail, the officer's
 * key, kept) and properly signed by its officer. */
START_TEST (test_committer_name)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *raw = git_raw ("commit", tip);
  g_autofree char *text = test_commit_without_signature (raw);
  const char *line = strstr (text, "\ncommitter ");
  const char *email = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *id = NULL;

  ck_assert_ptr_nonnull (line);
  email = strchr (line, '<');
  edited = g_strdup_printf ("%.*s\ncommitter Olivia %s", (int) (line - text), text, email);
  id = test_commit_write_signed (story->path, edited, &story->dist_x.officer);
  set_main (id);
  expect (TIP, "commit.committer");
}
END_TEST

/* The pop record taken out, later records moved down. */
START_TEST (test_sequence_gap)
{
  g_auto(GStrv) ids = history ();
  g_autofree char *path = record_path (TEST_STORY_POP, "pop");
  PutData put = { path, NULL };
  g_autoptr(ChainAuditReport) report = NULL;

  g_free (rewrite (ids[TEST_STORY_POP - 1], (const char *const *) ids + TEST_STORY_POP + 1, edit_put, &put));
  report = audit ();
  assert_finding (report, TEST_STORY_POP, "record.sequence");
  assert_finding (report, TEST_STORY_POP, "record.prev");
}
END_TEST

/* The export recorded before the pop. */
START_TEST (test_reorder)
{
  g_auto(GStrv) ids = history ();
  g_autofree char *path = record_path (TEST_STORY_POP, "pop");
  const char *sources[] = { ids[TEST_STORY_EXPORT], ids[TEST_STORY_POP], ids[TIP], NULL };
  g_autoptr(ChainAuditReport) report = NULL;

  g_free (rewrite (ids[TEST_STORY_POP - 1], sources, edit_remove_first, path));
  report = audit ();
  assert_finding (report, TEST_STORY_POP, "record.sequence");
  assert_finding (report, TEST_STORY_EXPORT, "record.sequence");
}
END_TEST

/* The pop statement appended a second time. */
START_TEST (test_replay)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRecord) record = chain_ledger_load_record (story->ledger, TEST_STORY_POP, &error);
  g_autoptr(GBytes) statement_json = NULL;
  g_autoptr(GBytes) signatures_json = NULL;
  g_autoptr(GBytes) verification = NULL;
  ChainStatement *copy = NULL;

  test_assert_no_error (error);
  statement_json = chain_statement_dup_bytes (chain_record_get_statement (record));
  signatures_json = chain_statement_dup_signatures_bytes (chain_record_get_statement (record));
  copy = chain_statement_parse (statement_json, signatures_json, &error);
  test_assert_no_error (error);
  verification = chain_record_read_artifact (record, "verification.pem", NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_statement_attach_artifact (copy, "verification.pem", verification, &error));
  append_bad (copy, &story->oem.officer);
  expect (TIP + 1, "statement.replay");
}
END_TEST

/* The OEM runs a second ledger; an annotation it signed there is grafted
 * onto this one with plain git and a fresh record.json. */
START_TEST (test_record_from_other_ledger)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other_path = g_build_filename (story->dir, "other.git", NULL);
  g_autofree char *other_id = chain_statement_new_id ();
  g_autofree char *policy = chain_policy_dup_digest (story->policy);
  g_autoptr(ChainJson) genesis_body = chain_json_new_object ();
  g_autoptr(ChainJson) custodian = chain_json_new_object ();
  g_autoptr(ChainJson) note_body = chain_json_new_object ();
  g_autoptr(ChainStatement) genesis = NULL;
  g_autoptr(ChainStatement) note = NULL;
  g_autoptr(ChainLedger) other = NULL;
  g_autoptr(GBytes) root_pem = chain_cert_to_pem (story->oem.cert);
  g_autoptr(GBytes) officer_pem = chain_cert_to_pem (story->oem.officer.cert);
  g_autofree char *other_dir = record_path (1, "annotation");
  g_autofree char *our_dir = record_path (TIP + 1, "annotation");
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *prev_record = record_file (tip, TIP, "revocation", "record.json");
  g_autofree char *prev = sha256_text (prev_record);
  g_autofree char *statement = NULL;
  g_autofree char *signatures = NULL;
  g_autofree char *record = NULL;
  g_autofree char *tree = NULL;
  g_autofree char *text = NULL;
  g_autofree char *commit = NULL;
  const char *files[] = { "statement.json", "signatures.json", "record.json" };

  chain_json_object_set_string (custodian, "id", "oem");
  chain_json_object_set_string (custodian, "name", "Widget Ltd");
  chain_json_object_set_string (custodian, "tier", "oem");
  chain_json_object_set (genesis_body, "custodian", chain_json_ref (custodian));
  chain_json_object_set (genesis_body, "policy", chain_policy_to_json (story->policy));
  genesis = chain_statement_new (CHAIN_RECORD_TYPE_GENESIS, "oem", other_id, policy, story->now, genesis_body, &error);
  test_assert_no_error (error);
  test_story_add_artifact (genesis, "root.pem", root_pem);
  test_story_add_artifact (genesis, "officer.pem", officer_pem);
  test_story_sign (genesis, &story->oem.officer);
  other = chain_ledger_create (other_path, genesis, story->oem.officer.signer, NULL, NULL, NULL, &error);
  test_assert_no_error (error);
  chain_json_object_set_string (note_body, "text", "line 3 moved to hall B");
  note = chain_statement_new (CHAIN_RECORD_TYPE_ANNOTATION, "oem", other_id, policy, story->now, note_body, &error);
  test_assert_no_error (error);
  test_story_sign (note, &story->oem.officer);
  ck_assert (chain_ledger_append (other, note, story->oem.officer.signer, NULL, NULL, NULL, NULL, &error));
  test_assert_no_error (error);

  /* Taken from the other repository with plain git. */
  {
    g_autofree char *spec = g_strconcat ("main:", other_dir, "/statement.json", NULL);
    g_autofree char *blob = git_at (other_path, "rev-parse", spec, NULL);
    const char *argv[] = { "git", "-C", other_path, "cat-file", "blob", blob, NULL };

    ck_assert_int_eq (test_support_run (argv, NULL, &statement, NULL), 0);
  }
  {
    g_autofree char *spec = g_strconcat ("main:", other_dir, "/signatures.json", NULL);
    g_autofree char *blob = git_at (other_path, "rev-parse", spec, NULL);
    const char *argv[] = { "git", "-C", other_path, "cat-file", "blob", blob, NULL };

    ck_assert_int_eq (test_support_run (argv, NULL, &signatures, NULL), 0);
  }
  record = record_json (story->ledger_id, prev, TIP + 1, statement, signatures);
  {
    const char *contents[] = { statement, signatures, record };
    g_autofree char *raw = git_raw ("commit", tip);

    tree = tree_of (raw);
    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *blob = write_blob (contents[i]);
        g_autofree char *path = g_strconcat (our_dir, "/", files[i], NULL);
        char *next = tree_put_blob (tree, path, blob);

        g_free (tree);
        tree = next;
      }
  }
  text = commit_text (tree, tip, "oem", story->now, &story->oem.officer, "annotation #19 by oem");
  commit = test_commit_write_signed (story->path, text, &story->oem.officer);
  set_main (commit);
  expect (TIP + 1, "statement.ledger");
}
END_TEST

/* Object files deleted from objects/: a blob, or a commit. */
/* libchain writes packs: every object made loose again, so that one can
 * go missing alone. The packs move aside first, as `git unpack-objects`
 * skips objects the repository has. */
static void
unpack_all_objects (void)
{
  g_autofree char *script = g_strdup_printf (
    "set -e; cd '%s/objects'; mkdir aside; mv pack/pack-* aside/;"
    " for p in aside/*.pack; do git --git-dir=.. unpack-objects -q < \"$p\"; done; rm -r aside",
    story->path);
  const char *argv[] = { "sh", "-c", script, NULL };
  g_autofree char *err = NULL;

  ck_assert_msg (test_support_run (argv, NULL, NULL, &err) == 0, "unpacking: %s", err);
}

START_TEST (test_missing_object)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *dir = record_path (TEST_STORY_BATCH_DIST_X, "device-batch");
  g_autofree char *path = g_strconcat (dir, "/artifacts/certificates.pem", NULL);
  g_autofree char *blob = _i == 0 ? blob_at (tip, path) : commit_at (10);
  g_autofree char *loose = g_strdup_printf ("%s/objects/%.2s/%s", story->path, blob, blob + 2);
  g_autoptr(ChainAuditReport) report = NULL;
  const char *fsck[] = { "git", "-C", story->path, "fsck", NULL };

  unpack_all_objects ();
  ck_assert_msg (g_file_test (loose, G_FILE_TEST_IS_REGULAR), "no loose object %s", loose);
  ck_assert_int_eq (g_unlink (loose), 0);
  ck_assert_int_ne (test_support_run (fsck, NULL, NULL, NULL), 0);
  report = audit ();
  if (_i == 0)
    assert_finding (report, TEST_STORY_BATCH_DIST_X, "object.missing");
  else
    {
      /* The history is cut: a ledger finding naming the commit. */
      const ChainAuditFinding *finding = chain_audit_report_find (report, -1, "object.missing");

      ck_assert (!chain_audit_report_is_ok (report));
      ck_assert_ptr_nonnull (finding);
      ck_assert_int_eq (chain_audit_finding_get_seq (finding), -1);
      ck_assert_ptr_nonnull (strstr (chain_audit_finding_get_message (finding), blob));
      ck_assert_uint_eq (chain_audit_report_get_n_records (report), 0);
    }
}
END_TEST

/* ---- Issuance ------------------------------------------------------------------------------ */

/* CM B rotates to a new CA and enrols Berta under it; the OEM revokes CM
 * B's old CA; Berta then records devices issued under the revoked CA. */
START_TEST (test_device_under_revoked_ca)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainNameConstraints) nc = chain_name_constraints_parse ("permitted:dirName:O=CM B,C=DE", &error);
  g_autofree char *old_serial = chain_cert_dup_serial (story->cm_b.cert);
  const char *serials[] = { old_serial, NULL };
  g_autoptr(ChainCrl) crl = NULL;
  TestParty rotated = { 0 };
  TestOfficer berta = { 0 };
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  ChainCert *devices[1] = { NULL };
  guint64 seq;

  test_assert_no_error (error);
  rotated.key = key_new ();
  rotated.csr = csr_new (rotated.key, story->cm_b.subject);
  options.not_before = now_s () - DAY;
  options.not_after = now_s () + 2000 * DAY;
  options.path_len = 1;
  options.name_constraints = nc;
  rotated.cert = chain_issuer_issue_sub_ca (story->oem.issuer, rotated.csr, &options, &error);
  test_assert_no_error (error);
  rotated.issuer = chain_issuer_new (rotated.cert, rotated.key, chain_issuer_get_chain (story->oem.issuer), &error);
  test_assert_no_error (error);
  test_story_officer_make (&berta, &rotated, "Berta");

  append (test_story_rotation (story, "cm-b", &story->cm_b.officer, story->cm_b.cert, rotated.cert),
          &story->cm_b.officer);
  append (test_story_officer (story, "cm-b", &story->cm_b.officer, berta.cert), &story->cm_b.officer);
  crl = test_story_crl (story->oem.issuer, serials, 1);
  append (test_story_revocation (story, "oem", &story->oem.officer, story->oem.cert, serials, crl),
          &story->oem.officer);

  devices[0] = test_story_device (story->cm_b.issuer, "cm-b-0001");
  seq = append_bad (test_story_batch (story, "cm-b", &berta, story->cm_b.cert, devices, 1, TRUE), &berta);
  expect (seq, "batch.issuer-revoked");
  chain_cert_free (devices[0]);
  test_story_officer_clear (&berta);
  test_story_party_clear (&rotated);
}
END_TEST

/* Dist X records devices from a CA of its own making. */
START_TEST (test_device_under_unknown_ca)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = chain_name_parse ("CN=Dist X CA,OU=Dist X,O=CM A,C=DE", &error);
  g_autoptr(ChainKey) key = key_new ();
  g_autoptr(ChainCert) rogue = NULL;
  g_autoptr(ChainIssuer) issuer = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  ChainCert *devices[1] = { NULL };
  guint64 seq;

  options.not_before = now_s () - DAY;
  options.not_after = now_s () + 1000 * DAY;
  rogue = chain_root_create (key, name, &options, &error);
  test_assert_no_error (error);
  issuer = chain_issuer_new (rogue, key, NULL, &error);
  test_assert_no_error (error);
  devices[0] = test_story_device (issuer, "dist-x-0100");
  seq = append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, rogue, devices, 1, TRUE),
                    &story->dist_x.officer);
  expect (seq, "batch.issuer");
  chain_cert_free (devices[0]);
}
END_TEST

/* A new device certificate with the serial of one issued before. */
START_TEST (test_duplicate_serial)
{
  g_autofree char *serial = chain_cert_dup_serial (story->devices[1]);
  g_autoptr(ChainKey) key = key_new ();
  TestForge forge = { TEST_FORGE_DEVICE, story->dist_x.key, story->dist_x.cert, "CN=dist-x-0100,OU=Dist X,O=CM A,C=DE",
                      NULL, 0, 0, -1, NULL, NULL };
  ChainCert *devices[1] = { NULL };
  guint64 seq;

  forge.key = key;
  forge.serial = serial;
  forge.not_before = now_s () - DAY;
  forge.not_after = now_s () + 300 * DAY;
  devices[0] = test_story_forge (&forge);
  seq = append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, devices, 1, TRUE),
                    &story->dist_x.officer);
  expect (seq, "serial.duplicate");
  chain_cert_free (devices[0]);
}
END_TEST

/* A second certificate for a device id whose first is in force: the
 * cloud would take either as the device. Dist X issues dist-x-0001
 * again (case 0), or CM A issues a Dist X id under its own CA (case 1),
 * as a malicious writer appends it; the id of the revoked dist-x-0000
 * may come back, and does, in the next record. */
START_TEST (test_device_id_reused)
{
  TestParty *issuer = _i == 0 ? &story->dist_x : &story->cm_a;
  ChainCert *reused[1] = { test_story_device (issuer->issuer, _i == 0 ? "dist-x-0001" : "dist-x-0002") };
  ChainCert *reissued[1] = { test_story_device (story->dist_x.issuer, "dist-x-0000") };
  g_autoptr(ChainAuditReport) report = NULL;
  g_autofree char *first = chain_cert_dup_serial (story->devices[_i == 0 ? 1 : 2]);
  const ChainAuditFinding *finding;
  guint64 seq;
  guint64 seq_ok;

  seq = append_bad (test_story_batch (story, issuer->id, &issuer->officer, issuer->cert, reused, 1, TRUE),
                    &issuer->officer);
  seq_ok = append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, reissued, 1,
                                         TRUE),
                       &story->dist_x.officer);
  report = audit ();
  assert_finding (report, (gint64) seq, "batch.device-id-reused");
  finding = chain_audit_report_find (report, (gint64) seq, "batch.device-id-reused");
  ck_assert_msg (strstr (chain_audit_finding_get_message (finding), first) != NULL,
                 "the finding does not name the serial in force, %s: %s", first,
                 chain_audit_finding_get_message (finding));
  ck_assert_msg (chain_audit_report_find (report, (gint64) seq_ok, NULL) == NULL,
                 "re-issuing a revoked device's id was flagged");
  chain_cert_free (reused[0]);
  chain_cert_free (reissued[0]);
}
END_TEST

/* Dist X revokes a serial it never issued (with a CRL that lists it). */
START_TEST (test_revocation_never_issued)
{
  g_autofree char *revoked = chain_cert_dup_serial (story->devices[0]);
  const char *crl_serials[] = { revoked, "5ca1ab1e0ddba11", NULL };
  const char *serials[] = { "5ca1ab1e0ddba11", NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->dist_x.issuer, crl_serials, 2);
  guint64 seq;

  seq = append_bad (test_story_revocation (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, serials, crl),
                    &story->dist_x.officer);
  expect (seq, "revocation.not-issued");
}
END_TEST

/* ---- Exports -------------------------------------------------------------------------------- */

typedef enum {
  EXPORT_AS_RECORDED,
  EXPORT_EDITED,
  EXPORT_EXTRA_FILE,
  EXPORT_MISSING_FILE,
  EXPORT_UNRECORDED,
} ExportCase;

/* The directory a cloud upload was made from, compared with the export
 * record: as recorded; a file edited; a file added; a file gone; files no
 * export names. */
START_TEST (test_export_directory)
{
  g_autofree char *dir = g_build_filename (story->dir, "export", NULL);
  g_autofree char *file = g_build_filename (dir, TEST_STORY_EXPORT_NAME, NULL);
  g_autofree char *extra = g_build_filename (dir, "cm-b.pem", NULL);
  g_autofree char *hidden = g_build_filename (dir, ".upload-log", NULL);
  g_autoptr(GBytes) cm_b = chain_cert_to_pem (story->cm_b.cert);
  g_autoptr(ChainAuditReport) report = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;

  ck_assert_int_eq (g_mkdir (dir, 0700), 0);
  test_support_write_file (file, g_bytes_get_data (story->export_content, NULL),
                           g_bytes_get_size (story->export_content));
  /* Dot files are the tools' own, never compared. */
  test_support_write_file (hidden, "uploaded\n", 9);
  switch ((ExportCase) _i)
    {
    case EXPORT_AS_RECORDED:
      break;
    case EXPORT_EDITED:
      {
        GByteArray *content = g_byte_array_new ();
        g_autoptr(GBytes) bytes = NULL;

        /* A second CA slipped into the upload bundle. */
        g_byte_array_append (content, g_bytes_get_data (story->export_content, NULL),
                             (guint) g_bytes_get_size (story->export_content));
        g_byte_array_append (content, g_bytes_get_data (cm_b, NULL), (guint) g_bytes_get_size (cm_b));
        bytes = g_byte_array_free_to_bytes (content);
        test_support_write_file (file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      }
      break;
    case EXPORT_EXTRA_FILE:
      test_support_write_file (extra, g_bytes_get_data (cm_b, NULL), g_bytes_get_size (cm_b));
      break;
    case EXPORT_MISSING_FILE:
      ck_assert_int_eq (g_unlink (file), 0);
      options.export_seq = TEST_STORY_EXPORT;
      break;
    case EXPORT_UNRECORDED:
    default:
      ck_assert_int_eq (g_unlink (file), 0);
      test_support_write_file (extra, g_bytes_get_data (cm_b, NULL), g_bytes_get_size (cm_b));
      break;
    }

  options.export_dir = dir;
  report = audit_with (&options);
  if (_i == EXPORT_AS_RECORDED)
    assert_ok (report);
  else if (_i == EXPORT_UNRECORDED)
    {
      ck_assert (!chain_audit_report_is_ok (report));
      ck_assert_ptr_nonnull (chain_audit_report_find (report, -1, "export.unrecorded"));
      ck_assert_uint_eq (chain_audit_report_get_n_failed_records (report), 0);
    }
  else
    assert_finding (report, TEST_STORY_EXPORT, "export.mismatch");
}
END_TEST

/* ---- Policy ---------------------------------------------------------------------------------- */

/* Annotations then need two officers too. */
static ChainPolicy *
stricter_policy (void)
{
  ChainPolicy *policy = chain_policy_copy (story->policy);

  chain_policy_set_threshold (policy, CHAIN_RECORD_TYPE_ANNOTATION, 2);
  return policy;
}

/* A proper change (Olivia and Oscar), then the old policy brought back. */
START_TEST (test_policy_rolled_back)
{
  g_autoptr(ChainPolicy) original = chain_policy_copy (story->policy);
  g_autoptr(ChainPolicy) stricter = stricter_policy ();
  ChainStatement *st = test_story_policy (story, &story->oem.officer, stricter);
  guint64 seq;

  test_story_sign (st, &story->oem2);
  append (st, &story->oem.officer);
  st = test_story_policy (story, &story->oem.officer, original);
  test_story_sign (st, &story->oem2);
  seq = append_bad (st, &story->oem.officer);
  expect (seq, "policy.rollback");
}
END_TEST

/* Olivia alone changes the policy, which wants two officers for that. */
START_TEST (test_policy_without_threshold)
{
  g_autoptr(ChainPolicy) stricter = stricter_policy ();
  guint64 seq = append_bad (test_story_policy (story, &story->oem.officer, stricter), &story->oem.officer);

  expect (seq, "threshold.not-met");
}
END_TEST

/* ---- The auditor's own checks ---------------------------------------------------------------- */

typedef struct {
  const char *path;     /* under the tip's record directory when relative to it */
  gboolean    in_record;
  const char *rule;
} ExtraCase;

static const ExtraCase extra_cases[] = {
  { "README", FALSE, "tree.extra" },
  { "notes.txt", TRUE, "tree.extra" },
  { "artifacts/extra.pem", TRUE, "artifact.unlisted" },
  /* A name that would drive a terminal, shown escaped. */
  { "README\033[2J", FALSE, "tree.extra" },
};

/* The tip commit rewritten to add a file besides its record. */
START_TEST (test_extra_file)
{
  const ExtraCase *c = &extra_cases[_i];
  g_autofree char *dir = record_path (TIP, "revocation");
  g_autofree char *path = c->in_record ? g_strconcat (dir, "/", c->path, NULL) : g_strdup (c->path);
  g_autofree char *blob = write_blob ("not part of the record\n");
  PutData put = { path, blob };
  g_autoptr(ChainAuditReport) report = NULL;
  g_autofree char *text = NULL;
  g_autoptr(ChainJson) json = NULL;
  g_autofree char *pretty = NULL;

  rewrite_from (TIP, edit_put, &put);
  report = audit ();
  assert_finding (report, TIP, c->rule);
  text = chain_audit_report_to_text (report, TRUE);
  json = chain_audit_report_to_json (report);
  pretty = chain_json_to_pretty (json);
  ck_assert_ptr_null (strchr (text, '\033'));
  ck_assert_ptr_null (strchr (pretty, '\033'));
}
END_TEST

/* A header the format does not allow, under a valid signature. */
START_TEST (test_unexpected_header)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *raw = git_raw ("commit", tip);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *edited = with_extra_header (text, "encoding ISO-8859-1\n");
  g_autofree char *id = test_commit_write_signed (story->path, edited, &story->dist_x.officer);

  set_main (id);
  expect (TIP, "commit.headers");
}
END_TEST

/* record.json rewritten with white space: same content, not canonical. */
START_TEST (test_record_not_canonical)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *dir = record_path (TIP, "revocation");
  g_autofree char *path = g_strconcat (dir, "/record.json", NULL);
  g_autofree char *record = record_file (tip, TIP, "revocation", "record.json");
  g_autofree char *spaced = replace_once (record, ",", ", ");
  g_autofree char *blob = write_blob (spaced);
  PutData put = { path, blob };

  rewrite_from (TIP, edit_put, &put);
  expect (TIP, "record.format");
}
END_TEST

START_TEST (test_empty_ledger)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (story->dir, "empty.git", NULL);
  g_autoptr(ChainLedger) ledger = chain_ledger_init (path, &error);
  g_autoptr(ChainAuditReport) report = NULL;
  const ChainAuditFinding *finding = NULL;

  test_assert_no_error (error);
  ck_assert (chain_ledger_audit (ledger, NULL, &report, NULL, &error));
  test_assert_no_error (error);
  ck_assert (!chain_audit_report_is_ok (report));
  ck_assert_uint_eq (chain_audit_report_get_n_records (report), 0);
  ck_assert_ptr_null (chain_audit_report_get_ledger_id (report));
  ck_assert_ptr_null (chain_audit_report_get_tip_commit_id (report));
  finding = chain_audit_report_get_finding (report, 0);
  ck_assert_str_eq (chain_audit_finding_get_rule (finding), "history.empty");
  ck_assert_int_eq (chain_audit_finding_get_seq (finding), -1);
  ck_assert (g_str_has_prefix (chain_audit_finding_get_message (finding), "ledger: rule history.empty: "));
}
END_TEST

/* Every error the auditor documents: it could not run, which is not a
 * failing ledger. */
START_TEST (test_errors)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (story->dir, "nothing-here", NULL);
  g_autofree char *plain = g_build_filename (story->dir, "plain", NULL);
  g_autofree char *empty_export = g_build_filename (story->dir, "export", NULL);
  ChainAuditReport *report = NULL;
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;

  ck_assert (!chain_audit_repository (missing, NULL, &report, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert_int_eq (g_mkdir (plain, 0700), 0);
  ck_assert (!chain_audit_repository (plain, NULL, &report, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);

  options.pinned_tip = "main";
  ck_assert (!chain_audit_repository (story->path, &options, &report, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  options.pinned_tip = "0123456789abcdef0123456789abcdef0123456z";
  ck_assert (!chain_audit_repository (story->path, &options, &report, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  options.pinned_tip = NULL;
  options.trusted_root = "0123456789abcdef";
  ck_assert (!chain_audit_repository (story->path, &options, &report, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  options.trusted_root = NULL;

  options.export_dir = missing;
  ck_assert (!chain_audit_repository (story->path, &options, &report, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
  ck_assert_int_eq (g_mkdir (empty_export, 0700), 0);
  options.export_dir = empty_export;
  options.export_seq = TEST_STORY_POP;
  ck_assert (!chain_audit_repository (story->path, &options, &report, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
  ck_assert_ptr_null (report);

  /* A pin that is no commit here: the ledger was rewritten. */
  {
    g_autoptr(ChainAuditReport) rewritten = NULL;
    ChainAuditOptions pin = CHAIN_AUDIT_OPTIONS_INIT;

    pin.pinned_tip = "0123456789abcdef0123456789abcdef01234567";
    rewritten = audit_with (&pin);
    ck_assert (!chain_audit_report_is_ok (rewritten));
    ck_assert_ptr_nonnull (chain_audit_report_find (rewritten, -1, "history.rewrite"));
  }
  chain_audit_report_unref (NULL);
}
END_TEST

/* ---- Progress and cancelling -------------------------------------------------------------------- */

typedef struct {
  GArray           *done;       /* guint64 */
  guint64           total;
  guint64           cancel_at;  /* 0: never */
  GCancellable     *cancellable;
  gboolean          finished;
  ChainAuditReport *report;
  GError           *error;
} Progress;

static void
progress_init (Progress *p)
{
  memset (p, 0, sizeof *p);
  p->done = g_array_new (FALSE, FALSE, sizeof (guint64));
  p->cancellable = g_cancellable_new ();
}

static void
progress_clear (Progress *p)
{
  g_array_unref (p->done);
  g_object_unref (p->cancellable);
  g_clear_pointer (&p->report, chain_audit_report_unref);
  g_clear_error (&p->error);
}

static void
on_progress (guint64  done,
             guint64  total,
             gpointer user_data)
{
  Progress *p = user_data;

  g_array_append_val (p->done, done);
  p->total = total;
  if (p->cancel_at != 0 && done == p->cancel_at)
    g_cancellable_cancel (p->cancellable);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Progress *p = user_data;

  (void) source;
  chain_audit_repository_finish (result, &p->report, &p->error);
  p->finished = TRUE;
}

static void
on_ledger_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Progress *p = user_data;

  (void) source;
  chain_ledger_audit_finish (story->ledger, result, &p->report, &p->error);
  p->finished = TRUE;
}

/* Off the calling thread, reporting into its main context: counts only go
 * up and end at the total, before the result arrives. */
START_TEST (test_async_progress)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;
  Progress p;

  progress_init (&p);
  options.progress = on_progress;
  options.progress_data = &p;
  g_main_context_push_thread_default (context);
  if (_i == 0)
    chain_audit_repository_async (story->path, &options, p.cancellable, on_done, &p);
  else
    chain_ledger_audit_async (story->ledger, &options, p.cancellable, on_ledger_done, &p);
  while (!p.finished)
    g_main_context_iteration (context, TRUE);
  ck_assert_uint_ge (p.done->len, 1);
  ck_assert_uint_eq (g_array_index (p.done, guint64, p.done->len - 1), TEST_STORY_N_RECORDS);
  /* Nothing came after the result. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  test_assert_no_error (p.error);
  assert_ok (p.report);
  ck_assert_uint_eq (p.total, TEST_STORY_N_RECORDS);
  for (guint i = 1; i < p.done->len; i++)
    ck_assert_uint_gt (g_array_index (p.done, guint64, i), g_array_index (p.done, guint64, i - 1));
  ck_assert_uint_eq (g_array_index (p.done, guint64, p.done->len - 1), TEST_STORY_N_RECORDS);
  progress_clear (&p);
}
END_TEST

/* Cancelled before it starts, the async audit says so. */
START_TEST (test_async_cancelled)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Progress p;

  progress_init (&p);
  g_cancellable_cancel (p.cancellable);
  g_main_context_push_thread_default (context);
  chain_audit_repository_async (story->path, NULL, p.cancellable, on_done, &p);
  while (!p.finished)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  ck_assert (g_error_matches (p.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  ck_assert_ptr_null (p.report);
  progress_clear (&p);
}
END_TEST

/* Cancelled after five records: no further record is audited. */
START_TEST (test_cancel_between_records)
{
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;
  ChainAuditReport *report = NULL;
  Progress p;

  progress_init (&p);
  p.cancel_at = 5;
  options.progress = on_progress;
  options.progress_data = &p;
  ck_assert (!chain_audit_repository (story->path, &options, &report, p.cancellable, &p.error));
  ck_assert (g_error_matches (p.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  ck_assert_ptr_null (report);
  ck_assert_uint_eq (p.done->len, 5);
  for (guint i = 0; i < p.done->len; i++)
    ck_assert_uint_eq (g_array_index (p.done, guint64, i), i + 1);
  ck_assert_uint_eq (p.total, TEST_STORY_N_RECORDS);
  progress_clear (&p);
}
END_TEST

/* ---- The suite -------------------------------------------------------------------------------------- */

static Suite *
audit_suite (void)
{
  Suite *suite = suite_create ("audit");
  TCase *story_case = tcase_create ("story");
  TCase *attacks = tcase_create ("attacks");
  TCase *auditor = tcase_create ("auditor");

  tcase_add_unchecked_fixture (story_case, story_setup, story_teardown);
  tcase_add_checked_fixture (story_case, setup, teardown);
  tcase_add_test (story_case, test_clean_story);
  tcase_add_test (story_case, test_git_verify_commit);
  tcase_add_test (story_case, test_report_json);
  tcase_add_test (story_case, test_untrusted_root);
  suite_add_tcase (suite, story_case);

  /* DESIGN.md, "What the auditor must catch", in its order. */
  tcase_add_unchecked_fixture (attacks, story_setup, story_teardown);
  tcase_add_checked_fixture (attacks, setup, teardown);
  tcase_add_test (attacks, test_edited_record);
  tcase_add_test (attacks, test_edited_record_in_new_commit);
  tcase_add_test (attacks, test_edited_artifact);
  tcase_add_test (attacks, test_edited_commit);
  tcase_add_test (attacks, test_unsigned_commit);
  tcase_add_test (attacks, test_moved_signature);
  tcase_add_loop_test (attacks, test_two_signatures, 0, 2);
  tcase_add_test (attacks, test_signer_outside_root);
  tcase_add_test (attacks, test_signer_expired);
  tcase_add_test (attacks, test_signer_wrong_key_usage);
  tcase_add_test (attacks, test_signer_not_enrolled);
  tcase_add_test (attacks, test_time_future);
  tcase_add_test (attacks, test_time_backwards);
  tcase_add_test (attacks, test_distributor_issues_sub_ca);
  tcase_add_test (attacks, test_cm_issues_under_other_cm);
  tcase_add_test (attacks, test_large_batch_earliest_refusal);
  tcase_add_loop_test (attacks, test_delegation_outside_bounds, 0, G_N_ELEMENTS (delegation_cases));
  tcase_add_loop_test (attacks, test_threshold, 0, 3);
  tcase_add_test (attacks, test_rollback);
  tcase_add_test (attacks, test_audit_given_tip);
  tcase_add_test (attacks, test_sync_verifies_with_audit);
  tcase_add_test (attacks, test_force_push);
  tcase_add_test (attacks, test_merge_commit);
  tcase_add_test (attacks, test_orphan_commit);
  tcase_add_loop_test (attacks, test_replaced_history, 0, 2);
  tcase_add_loop_test (attacks, test_extra_ref, 0, G_N_ELEMENTS (ref_cases));
  tcase_add_test (attacks, test_bookkeeping_ref_on_other_root);
  tcase_add_test (attacks, test_bookkeeping_refs);
  tcase_add_loop_test (attacks, test_head_not_main, 0, 2);
  tcase_add_test (attacks, test_shallow);
  tcase_add_test (attacks, test_committer_name);
  tcase_add_test (attacks, test_sequence_gap);
  tcase_add_test (attacks, test_reorder);
  tcase_add_test (attacks, test_replay);
  tcase_add_test (attacks, test_record_from_other_ledger);
  tcase_add_loop_test (attacks, test_missing_object, 0, 2);
  tcase_add_test (attacks, test_device_under_revoked_ca);
  tcase_add_test (attacks, test_device_under_unknown_ca);
  tcase_add_test (attacks, test_duplicate_serial);
  tcase_add_loop_test (attacks, test_device_id_reused, 0, 2);
  tcase_add_test (attacks, test_revocation_never_issued);
  tcase_add_loop_test (attacks, test_export_directory, 0, EXPORT_UNRECORDED + 1);
  tcase_add_test (attacks, test_policy_rolled_back);
  tcase_add_test (attacks, test_policy_without_threshold);
  suite_add_tcase (suite, attacks);

  tcase_add_unchecked_fixture (auditor, story_setup, story_teardown);
  tcase_add_checked_fixture (auditor, setup, teardown);
  tcase_add_loop_test (auditor, test_extra_file, 0, G_N_ELEMENTS (extra_cases));
  tcase_add_test (auditor, test_unexpected_header);
  tcase_add_test (auditor, test_record_not_canonical);
  tcase_add_test (auditor, test_empty_ledger);
  tcase_add_test (auditor, test_errors);
  tcase_add_loop_test (auditor, test_async_progress, 0, 2);
  tcase_add_test (auditor, test_async_cancelled);
  tcase_add_test (auditor, test_cancel_between_records);
  suite_add_tcase (suite, auditor);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (audit_suite ());
}
