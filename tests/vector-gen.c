/* vector-gen.c — writes the ledger conformance vectors (tests/vectors/)
 *
 *   vector-gen OUTDIR
 *
 * Builds the three-tier story (tests/support/test-story.h) once and writes
 * it as OUTDIR/base.bundle; then each case below, in a forked Check test,
 * takes a copy of the story's ledger, breaks one rule as an attacker or a
 * malicious writer would (plain git; libchain signing with a real
 * officer's key where only an officer can sign; or a whole record written
 * with plain git and signed by an officer where libchain's writer refuses
 * to write it), and writes what changed as a thin bundle on top of
 * base.bundle, OUTDIR/NAME.bundle (for object-missing a bundle whose pack
 * lacks one object, made by hand). The tpm-evidence cases start from a
 * ledger of their own instead, made with keys in a swtpm the generator
 * starts (vector-tpm.h), and each is written as a standalone bundle. Each vector
 * is then rebuilt from the bundles exactly as tests/vectors/README.md
 * tells another implementation to, and audited: the generator fails
 * unless the audit's verdict, rule and record are the ones the manifest
 * states. Last, OUTDIR/manifest.json lists every vector.
 *
 * No private key is written: the vectors carry certificates and
 * signatures only. Keys and signatures are fresh on every run, so two
 * runs give different bytes but the same manifest (test-vectors checks
 * that the committed vectors are not stale by comparing manifests).
 */
#include "test-pki.h"
#include "test-story.h"
#include "test-commit-forge.h"
#include "vector-tpm.h"

#include <git2.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>

#include "chain-checkpoint.h"
#include "chain-pki-private.h"

#define DAY (G_GINT64_CONSTANT (24) * 60 * 60)
#define TIP (TEST_STORY_N_RECORDS - 1)
#define NEXT (TEST_STORY_N_RECORDS)
#define LEDGER_LEVEL (-1)

static char *out_dir;
static TestStory *master;
static TestStory *story;
static char *base_tip;
static GStrv base_commits;
static char *root_thumbprint;
static VectorTpm *tpm;

/* What a case sets up besides the refs its bundle carries. */
typedef struct {
  const char *head;          /* HEAD's symbolic target; NULL: refs/heads/main */
  const char *file_path;     /* a file to write in the git directory, or NULL */
  const char *file_content;
  char       *pin;           /* the pinned tip to audit with, or NULL */
  const char *root;          /* the trusted root; NULL: the story's */
  gboolean    whole;         /* the bundle is base.bundle itself */
  gboolean    standalone;    /* the bundle holds its whole ledger, not on base.bundle */
  gconstpointer arg;         /* the case's */
  char       *omit;          /* an object the bundle leaves out, or NULL */
  const char *export_name;   /* a file of the export directory to audit, or NULL */
  char       *export_content;
} Vector;

typedef struct {
  const char *name;
  const char *rule;          /* NULL: the ledger is valid */
  gint64      record;        /* the record the finding names; -1: the ledger */
  const char *description;
  void      (*make) (Vector *v);
  gconstpointer arg;         /* for @make, as v->arg */
} VectorCase;

/* ---- Plain git ----------------------------------------------------------- */

static char *
run_git (const char        *dir,
         const char        *input,
         const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) "git");
  g_ptr_array_add (argv, (gpointer) "-C");
  g_ptr_array_add (argv, (gpointer) dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, input, &out, &err);
  ck_assert_msg (status == 0, "git %s failed (%d): %s", args[0], status, err);
  g_strchomp (out);
  return out;
}

#define GIT(...) run_git (story->path, NULL, (const char *const[]) { __VA_ARGS__, NULL })
#define GIT_IN(input, ...) run_git (story->path, input, (const char *const[]) { __VA_ARGS__, NULL })
#define GIT_AT(dir, ...) run_git (dir, NULL, (const char *const[]) { __VA_ARGS__, NULL })

static char *
commit_at (guint64 seq)
{
  g_autofree char *list = GIT ("rev-list", "--first-parent", "--reverse", "refs/heads/main");
  g_auto(GStrv) ids = g_strsplit (list, "\n", -1);

  ck_assert_uint_lt (seq, g_strv_length (ids));
  return g_strdup (ids[seq]);
}

static char *
raw_commit (const char *id)
{
  g_autofree char *err = NULL;
  char *out = NULL;
  const char *argv[] = { "git", "-C", story->path, "cat-file", "commit", id, NULL };

  ck_assert (test_support_run (argv, NULL, &out, &err) == 0);
  return out;
}

static void
set_main (const char *commit)
{
  g_free (GIT ("update-ref", "refs/heads/main", commit));
}

static char *
write_commit (const char *text)
{
  return GIT_IN (text, "hash-object", "-t", "commit", "-w", "--stdin");
}

static char *
replace_once (const char *text,
              const char *from,
              const char *to)
{
  const char *at = strstr (text, from);

  ck_assert_msg (at != NULL, "'%s' not found", from);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

/* @raw with its "parent" header set to @parent (NULL: none). */
static char *
reparented (const char *raw,
            const char *parent)
{
  const char *line = strstr (raw, "\nparent ");
  g_autofree char *head = NULL;

  if (line != NULL && line < strstr (raw, "\n\n"))
    {
      const char *end = strchr (line + 1, '\n');

      head = g_strndup (raw, (gsize) (line - raw) + 1);
      return parent != NULL ? g_strdup_printf ("%sparent %s%s", head, parent, end)
                            : g_strdup_printf ("%.*s%s", (int) (line - raw), raw, end);
    }
  line = strchr (raw, '\n');
  return parent != NULL ? g_strdup_printf ("%.*s\nparent %s%s", (int) (line - raw), raw, parent, line)
                        : g_strdup (raw);
}

/* The tip's commit text (no signature) after @edit, signed again by the
 * officer who appended it (Xena of Dist X), so that only @edit is wrong. */
static void
resign_tip_edited (const char *from,
                   const char *to)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *raw = raw_commit (tip);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *edited = from != NULL ? replace_once (text, from, to) : g_strdup (text);
  g_autofree char *id = test_commit_write_signed (story->path, edited, &story->dist_x.officer);

  set_main (id);
}

/* The tip re-made on tree @tree, signed again by its officer. */
static void
tip_with_tree (const char *tree)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *raw = raw_commit (tip);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *old_line = g_strndup (text, 45);
  g_autofree char *new_line = g_strdup_printf ("tree %s", tree);
  g_autofree char *edited = replace_once (text, old_line, new_line);
  g_autofree char *id = test_commit_write_signed (story->path, edited, &story->dist_x.officer);

  set_main (id);
}

/* The tree of @commit (NULL: the empty tree) with each line of
 * @index_info ("MODE OID\tPATH", as `git update-index --index-info` reads
 * it; mode 0 removes PATH) applied. */
static char *
tree_edited (const char *commit,
             const char *index_info)
{
  g_autofree char *index = g_build_filename (story->dir, "vector-index", NULL);
  g_autofree char *index_env = g_strconcat ("GIT_INDEX_FILE=", index, NULL);
  g_autofree char *tree_spec = commit != NULL ? g_strconcat (commit, "^{tree}", NULL) : g_strdup ("--empty");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *read_tree[] = { "env", index_env, "git", "-C", story->path, "read-tree", tree_spec, NULL };
  const char *update[] = { "env", index_env, "git", "-C", story->path, "update-index", "--add", "--index-info", NULL };
  const char *write_tree[] = { "env", index_env, "git", "-C", story->path, "write-tree", NULL };

  g_unlink (index);
  ck_assert_msg (test_support_run (read_tree, NULL, NULL, &err) == 0, "read-tree: %s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (test_support_run (update, index_info, NULL, &err) == 0, "update-index: %s", err);
  g_clear_pointer (&err, g_free);
  ck_assert_msg (test_support_run (write_tree, NULL, &out, &err) == 0, "write-tree: %s", err);
  g_unlink (index);
  return g_strdup (g_strchomp (out));
}

/* The tip's tree with @path set to @blob in @mode (NULL blob: removed). */
static char *
tip_tree_edited (const char *path,
                 const char *mode,
                 const char *blob)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *info = blob != NULL ? g_strdup_printf ("%s %s\t%s\n", mode, blob, path)
                                       : g_strdup_printf ("0 %040d\t%s\n", 0, path);

  return tree_edited (tip, info);
}

static char *
write_blob (const char *content)
{
  return GIT_IN (content, "hash-object", "-w", "--stdin");
}

#define TIP_DIR "records/0000/00/00000018-revocation/"

static char *
tip_file (const char *name)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *spec = g_strconcat (tip, ":" TIP_DIR, name, NULL);
  g_autofree char *err = NULL;
  char *out = NULL;
  const char *argv[] = { "git", "-C", story->path, "cat-file", "blob", spec, NULL };

  ck_assert (test_support_run (argv, NULL, &out, &err) == 0);
  return out;
}

/* The tip's record file @name with @from replaced by @to, re-signed. */
static void
tip_file_edited (const char *name,
                 const char *from,
                 const char *to)
{
  g_autofree char *content = tip_file (name);
  g_autofree char *edited = replace_once (content, from, to);
  g_autofree char *blob = write_blob (edited);
  g_autofree char *path = g_strconcat (TIP_DIR, name, NULL);
  g_autofree char *tree = tip_tree_edited (path, "100644", blob);

  tip_with_tree (tree);
}

/* ---- Cases: the repository ---------------------------------------------- */

static void
make_story (Vector *v)
{
  v->whole = TRUE;
}

static char *
unrelated_root (void)
{
  g_autofree char *empty = GIT_IN ("", "mktree");

  return GIT ("commit-tree", empty, "-m", "another history");
}

static void
make_bookkeeping_refs (Vector *v)
{
  g_autofree char *old = commit_at (5);

  (void) v;
  g_free (GIT ("update-ref", "refs/remotes/origin/main", old));
  g_free (GIT ("update-ref", "refs/chain/sent/bundle", base_tip));
}

static void
make_second_branch (Vector *v)
{
  (void) v;
  g_free (GIT ("update-ref", "refs/heads/other", base_tip));
}

static void
make_tag (Vector *v)
{
  (void) v;
  g_free (GIT ("update-ref", "refs/tags/v1", base_tip));
}

static void
make_notes_root (Vector *v)
{
  g_autofree char *root = unrelated_root ();

  (void) v;
  g_free (GIT ("update-ref", "refs/notes/x", root));
}

static void
make_remote_root (Vector *v)
{
  g_autofree char *root = unrelated_root ();

  (void) v;
  g_free (GIT ("update-ref", "refs/remotes/origin/main", root));
}

static void
make_abandoned_merge_root (Vector *v)
{
  g_autofree char *root = unrelated_root ();
  g_autofree char *tree_spec = g_strconcat (base_tip, "^{tree}", NULL);
  g_autofree char *tree = GIT ("rev-parse", tree_spec);
  g_autofree char *merge = GIT ("commit-tree", tree, "-p", base_tip, "-p", root, "-m", "x");

  (void) v;
  g_free (GIT ("update-ref", "refs/chain/abandoned/1", merge));
}

static void
make_head_master (Vector *v)
{
  v->head = "refs/heads/master";
}

static void
make_shallow (Vector *v)
{
  g_autofree char *cut = commit_at (12);

  v->file_path = "shallow";
  v->file_content = g_strconcat (cut, "\n", NULL);
  v->whole = TRUE;
}

static void
make_grafts (Vector *v)
{
  g_autofree char *pop = commit_at (TEST_STORY_POP);
  g_autofree char *batch = commit_at (TEST_STORY_BATCH_DIST_X);

  v->file_path = "info/grafts";
  v->file_content = g_strdup_printf ("%s %s\n", pop, batch);
  v->whole = TRUE;
}

static void
make_replace_ref (Vector *v)
{
  g_autofree char *pop = commit_at (TEST_STORY_POP);
  g_autofree char *raw = raw_commit (pop);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *edited = replace_once (text, "pop #16 by oem", "pop #16 by cm-a");
  g_autofree char *fake = write_commit (edited);
  g_autofree char *ref = g_strconcat ("refs/replace/", pop, NULL);

  (void) v;
  g_free (GIT ("update-ref", ref, fake));
}

static void
make_empty (Vector *v)
{
  (void) v;
  g_free (GIT ("update-ref", "refs/chain/sent/bundle", base_tip));
  g_free (GIT ("update-ref", "-d", "refs/heads/main"));
}

static void
make_rolled_back (Vector *v)
{
  g_autofree char *old = commit_at (10);

  set_main (old);
  v->pin = g_strdup (base_tip);
}

static void
make_foreign_root (Vector *v)
{
  v->root = "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e";
  v->whole = TRUE;
}

/* ---- Cases: commits ----------------------------------------------------- */

static void
make_merge (Vector *v)
{
  g_autofree char *genesis = commit_at (0);
  g_autofree char *tree_spec = g_strconcat (base_tip, "^{tree}", NULL);
  g_autofree char *tree = GIT ("rev-parse", tree_spec);
  g_autofree char *merge = GIT ("commit-tree", tree, "-p", base_tip, "-p", genesis, "-m", "merge");

  (void) v;
  set_main (merge);
}

/* Records 10 .. 18 grafted onto a new root. */
static void
make_orphan (Vector *v)
{
  g_autofree char *parent = NULL;

  (void) v;
  for (guint64 seq = 10; seq <= TIP; seq++)
    {
      g_autofree char *id = commit_at (seq);
      g_autofree char *raw = raw_commit (id);
      g_autofree char *moved = reparented (raw, parent);

      g_free (parent);
      parent = write_commit (moved);
    }
  set_main (parent);
}

static void
make_unsigned (Vector *v)
{
  g_autofree char *raw = raw_commit (base_tip);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *id = write_commit (text);

  (void) v;
  set_main (id);
}

static void
make_edited_commit (Vector *v)
{
  g_autofree char *raw = raw_commit (base_tip);
  g_autofree char *edited = replace_once (raw, "revocation #18", "revocation #81");
  g_autofree char *id = write_commit (edited);

  (void) v;
  set_main (id);
}

static void
make_moved_signature (Vector *v)
{
  g_autofree char *raw = raw_commit (base_tip);
  const char *start = strstr (raw, "\ngpgsig ") + 1;
  const char *end = start;
  g_autofree char *header = NULL;
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *moved = NULL;
  g_autofree char *id = NULL;

  do
    end = strchr (end, '\n') + 1;
  while (*end == ' ');
  header = g_strndup (start, (gsize) (end - start));
  moved = g_strconcat (text, "\n", header, NULL);
  id = write_commit (moved);
  (void) v;
  set_main (id);
}

static void
make_two_signers (Vector *v)
{
  g_autofree char *raw = raw_commit (base_tip);
  g_autofree char *text = test_commit_without_signature (raw);
  ChainKey *keys[] = { story->dist_x.officer.key, story->oem.officer.key };
  ChainCert *certs[] = { story->dist_x.officer.cert, story->oem.officer.cert };
  g_autoptr(GBytes) signature = test_commit_cms_sign_raw (keys, certs, 2, text);
  g_autofree char *id = test_commit_write_with_signature (story->path, text, signature);

  (void) v;
  set_main (id);
}

static void
resign_tip_by (const TestOfficer *officer,
               gboolean           raw_cms)
{
  g_autofree char *raw = raw_commit (base_tip);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *id = NULL;

  if (raw_cms)
    {
      g_autoptr(GBytes) signature = test_commit_cms_sign_raw ((ChainKey **) &officer->key,
                                                              (ChainCert **) &officer->cert, 1, text);

      id = test_commit_write_with_signature (story->path, text, signature);
    }
  else
    id = test_commit_write_signed (story->path, text, officer);
  set_main (id);
}

static void
make_signer_other_root (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = chain_name_parse ("CN=Widget Root CA,O=Widget Ltd,C=DE", &error);
  g_autoptr(ChainKey) root_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  g_autoptr(ChainCert) root = NULL;
  g_autoptr(ChainIssuer) issuer = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  TestOfficer officer = { 0 };

  (void) v;
  options.not_before = story->now - DAY;
  options.not_after = story->now + 365 * DAY;
  root = chain_root_create (root_key, name, &options, &error);
  test_assert_no_error (error);
  issuer = chain_issuer_new (root, root_key, NULL, &error);
  test_assert_no_error (error);
  officer.key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  officer.cert = chain_issuer_issue_officer (issuer, "Xena", officer.key, &options, &error);
  test_assert_no_error (error);
  resign_tip_by (&officer, FALSE);
  test_story_officer_clear (&officer);
}

static void
make_signer_forged (TestForgeKind kind,
                    gint64        not_before,
                    gint64        not_after)
{
  g_autoptr(GError) error = NULL;
  TestOfficer officer = { 0 };
  TestForge forge = { kind, story->oem.key, story->oem.cert, "CN=Xena,O=Widget Ltd,C=DE", NULL,
                      not_before, not_after, -1, NULL, NULL, FALSE };

  officer.key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  forge.key = officer.key;
  officer.cert = test_story_forge (&forge);
  resign_tip_by (&officer, TRUE);
  test_story_officer_clear (&officer);
}

static void
make_signer_expired (Vector *v)
{
  (void) v;
  make_signer_forged (TEST_FORGE_OFFICER, story->now - 400 * DAY, story->now - 30 * DAY);
}

static void
make_signer_profile (Vector *v)
{
  (void) v;
  make_signer_forged (TEST_FORGE_NO_EKU, story->now - DAY, story->now + 365 * DAY);
}

static void
make_signer_not_enrolled (Vector *v)
{
  TestOfficer officer = { 0 };

  (void) v;
  test_story_officer_make (&officer, &story->oem, "Eve");
  resign_tip_by (&officer, FALSE);
  test_story_officer_clear (&officer);
}

static void
make_committer_email (Vector *v)
{
  g_autofree char *raw = raw_commit (base_tip);
  const char *line = strstr (raw, "\ncommitter ");
  const char *at = strchr (line, '@');
  const char *lt = strchr (line, '<');
  g_autofree char *old_email = g_strndup (lt, (gsize) (at - lt));

  (void) v;
  resign_tip_edited (old_email, "<0123456789abcdef");
}

/* ---- Cases: trees and record files -------------------------------------- */

static void
make_tree_extra (Vector *v)
{
  g_autofree char *blob = write_blob ("not a record\n");
  g_autofree char *tree = tip_tree_edited ("README", "100644", blob);

  (void) v;
  tip_with_tree (tree);
}

static void
make_tree_mode (Vector *v)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *spec = g_strconcat (tip, ":" TIP_DIR "record.json", NULL);
  g_autofree char *blob = GIT ("rev-parse", spec);
  g_autofree char *tree = tip_tree_edited (TIP_DIR "record.json", "100755", blob);

  (void) v;
  tip_with_tree (tree);
}

static void
make_tree_changed (Vector *v)
{
  g_autofree char *blob = write_blob ("edited\n");
  g_autofree char *tree = tip_tree_edited ("records/0000/00/00000017-export/artifacts/root.pem", "100644", blob);

  (void) v;
  tip_with_tree (tree);
}

static void
make_record_path (Vector *v)
{
  g_autofree char *tip = commit_at (TIP);
  g_autofree char *parent = commit_at (TIP - 1);
  g_autofree char *dir_spec = g_strconcat (tip, ":records/0000/00/00000018-revocation", NULL);
  g_autofree char *dir_tree = GIT ("rev-parse", dir_spec);
  g_autofree char *listing = GIT ("ls-tree", "-r", dir_tree);
  g_auto(GStrv) entries = g_strsplit (listing, "\n", -1);
  g_autoptr(GString) info = g_string_new (NULL);
  g_autofree char *tree = NULL;

  (void) v;
  for (guint i = 0; entries[i] != NULL; i++)
    {
      /* "MODE blob SHA\tPATH" with the path under the wrong directory name. */
      g_auto(GStrv) fields = g_strsplit_set (entries[i], " \t", 4);

      g_string_append_printf (info, "%s %s\trecords/0000/00/00000018-annotation/%s\n", fields[0], fields[2],
                              fields[3]);
    }
  tree = tree_edited (parent, info->str);
  tip_with_tree (tree);
}

static void
make_artifact_unlisted (Vector *v)
{
  g_autofree char *blob = write_blob ("extra\n");
  g_autofree char *tree = tip_tree_edited (TIP_DIR "artifacts/extra.pem", "100644", blob);

  (void) v;
  tip_with_tree (tree);
}

static void
make_artifact_missing (Vector *v)
{
  g_autofree char *tree = tip_tree_edited (TIP_DIR "artifacts/crl.pem", NULL, NULL);

  (void) v;
  tip_with_tree (tree);
}

/* The tip with @from replaced by @to in its commit text (file NULL) or in
 * its record file @file, signed again by its officer. */
typedef struct {
  const char *file;
  const char *from;
  const char *to;
} TipEdit;

static void
make_tip_edit (Vector *v)
{
  const TipEdit *edit = v->arg;

  if (edit->file == NULL)
    resign_tip_edited (edit->from, edit->to);
  else
    tip_file_edited (edit->file, edit->from, edit->to);
}

static void
make_record_prev (Vector *v)
{
  g_autofree char *content = tip_file ("record.json");
  const char *at = strstr (content, "\"prev\":\"");
  g_autofree char *prev = g_strndup (at + 8, 64);
  g_autofree char *other = g_strdup (prev);

  (void) v;
  /* Another 64-digit digest: the first digit changed. */
  other[0] = other[0] == '0' ? '1' : '0';
  tip_file_edited ("record.json", prev, other);
}

/* ---- Cases: the rules, as a malicious writer appends ------------------------ */

static void
append_bad (ChainStatement    *st,
            const TestOfficer *committer)
{
  g_autoptr(GError) error = NULL;

  chain_ledger_append (story->ledger, st, committer->signer, NULL, NULL, NULL, NULL, &error);
  test_assert_no_error (error);
  chain_statement_unref (st);
}

/* test_story_append(), taking @st. */
static guint64
append_ok (ChainStatement    *st,
           const TestOfficer *committer)
{
  guint64 seq = test_story_append (story, st, committer);

  chain_statement_unref (st);
  return seq;
}

/* test_story_append_unchecked(), taking @st. */
static guint64
append_raw (ChainStatement    *st,
            const TestOfficer *committer)
{
  guint64 seq = test_story_append_unchecked (story, st, committer);

  chain_statement_unref (st);
  return seq;
}

static void
make_replay (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRecord) record = chain_ledger_load_record (story->ledger, TEST_STORY_POP, &error);
  g_autoptr(GBytes) statement_json = NULL;
  g_autoptr(GBytes) signatures_json = NULL;
  g_autoptr(GBytes) verification = NULL;
  ChainStatement *copy = NULL;

  (void) v;
  test_assert_no_error (error);
  statement_json = chain_statement_dup_bytes (chain_record_get_statement (record));
  signatures_json = chain_statement_dup_signatures_bytes (chain_record_get_statement (record));
  copy = chain_statement_parse (statement_json, signatures_json, &error);
  test_assert_no_error (error);
  verification = chain_record_read_artifact (record, "verification.pem", NULL, &error);
  test_assert_no_error (error);
  ck_assert (chain_statement_attach_artifact (copy, "verification.pem", verification, &error));
  append_bad (copy, &story->oem.officer);
}

static void
make_unknown_author (Vector *v)
{
  (void) v;
  append_bad (test_story_annotation (story, "nobody", &story->oem.officer, "hello"), &story->oem.officer);
}

static void
make_unknown_key (Vector *v)
{
  (void) v;
  append_bad (test_story_annotation (story, "cm-a", &story->oem.officer, "hello"), &story->oem.officer);
}

static void
make_annotation_empty (Vector *v)
{
  (void) v;
  append_bad (test_story_annotation (story, "oem", &story->oem.officer, ""), &story->oem.officer);
}

static void
make_record_ledger (Vector *v)
{
  g_autofree char *other = chain_statement_new_id ();

  (void) v;
  tip_file_edited ("record.json", story->ledger_id, other);
}

static ChainPolicy *
stricter_policy (void)
{
  ChainPolicy *policy = chain_policy_copy (story->policy);

  chain_policy_set_threshold (policy, CHAIN_RECORD_TYPE_ANNOTATION, 2);
  return policy;
}

static void
make_other_policy (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainPolicy) stricter = stricter_policy ();
  g_autofree char *policy = chain_policy_dup_digest (stricter);
  g_autoptr(ChainJson) body = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  chain_json_object_set_string (body, "text", "hello");
  st = chain_statement_new (CHAIN_RECORD_TYPE_ANNOTATION, "oem", story->ledger_id, policy, story->now, body, &error);
  test_assert_no_error (error);
  test_story_sign (st, &story->oem.officer);
  append_bad (st, &story->oem.officer);
}

static void
make_threshold (Vector *v)
{
  g_autoptr(ChainPolicy) stricter = stricter_policy ();

  (void) v;
  append_bad (test_story_policy (story, &story->oem.officer, stricter), &story->oem.officer);
}

static void
make_policy_rollback (Vector *v)
{
  g_autoptr(ChainPolicy) original = chain_policy_copy (story->policy);
  g_autoptr(ChainPolicy) stricter = stricter_policy ();
  ChainStatement *st = test_story_policy (story, &story->oem.officer, stricter);

  (void) v;
  test_story_sign (st, &story->oem2);
  ck_assert_uint_eq (append_ok (st, &story->oem.officer), NEXT);
  st = test_story_policy (story, &story->oem.officer, original);
  test_story_sign (st, &story->oem2);
  ck_assert_uint_eq (append_raw (st, &story->oem.officer), NEXT + 1);
}

static void
make_revocation_not_issued (Vector *v)
{
  g_autofree char *revoked = chain_cert_dup_serial (story->devices[0]);
  const char *crl_serials[] = { revoked, "5ca1ab1e0ddba11", NULL };
  const char *serials[] = { "5ca1ab1e0ddba11", NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->dist_x.issuer, crl_serials, 2);

  (void) v;
  append_bad (test_story_revocation (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, serials, crl),
              &story->dist_x.officer);
}

static void
make_revocation_again (Vector *v)
{
  g_autofree char *revoked = chain_cert_dup_serial (story->devices[0]);
  const char *serials[] = { revoked, NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->dist_x.issuer, serials, 2);

  (void) v;
  append_bad (test_story_revocation (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, serials, crl),
              &story->dist_x.officer);
}

static void
make_revocation_empty (Vector *v)
{
  g_autofree char *revoked = chain_cert_dup_serial (story->devices[0]);
  const char *crl_serials[] = { revoked, NULL };
  const char *serials[] = { NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->dist_x.issuer, crl_serials, 2);

  (void) v;
  append_bad (test_story_revocation (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, serials, crl),
              &story->dist_x.officer);
}

static void
make_revocation_upper_case (Vector *v)
{
  g_autofree char *revoked = chain_cert_dup_serial (story->devices[0]);
  g_autofree char *serial = chain_cert_dup_serial (story->devices[1]);
  g_autofree char *upper = g_ascii_strup (serial, -1);
  const char *crl_serials[] = { revoked, serial, NULL };
  const char *serials[] = { upper, NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->dist_x.issuer, crl_serials, 2);

  (void) v;
  /* A serial without letters has no case: find one that has. */
  ck_assert_str_ne (serial, upper);
  append_bad (test_story_revocation (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, serials, crl),
              &story->dist_x.officer);
}

static void
make_duplicate_serial (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *serial = chain_cert_dup_serial (story->devices[1]);
  TestForge forge = { TEST_FORGE_DEVICE, story->dist_x.key, story->dist_x.cert, "CN=dist-x-0100,OU=Dist X,O=CM A,C=DE",
                      NULL, 0, 0, -1, NULL, NULL, FALSE };
  ChainCert *devices[1] = { NULL };

  (void) v;
  forge.key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  forge.serial = serial;
  forge.not_before = story->now - DAY;
  forge.not_after = story->now + 300 * DAY;
  devices[0] = test_story_forge (&forge);
  append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, devices, 1, TRUE),
              &story->dist_x.officer);
  chain_cert_free (devices[0]);
  chain_key_free (forge.key);
}

static void
make_device_id_reused (Vector *v)
{
  ChainCert *devices[1] = { test_story_device (story->dist_x.issuer, "dist-x-0001") };

  (void) v;
  append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, devices, 1, TRUE),
              &story->dist_x.officer);
  chain_cert_free (devices[0]);
}

static void
make_device_id_bad (Vector *v)
{
  g_autoptr(GError) error = NULL;
  TestForge forge = { TEST_FORGE_DEVICE, story->dist_x.key, story->dist_x.cert, "CN=dist-x#0100,OU=Dist X,O=CM A,C=DE",
                      NULL, 0, 0, -1, NULL, NULL, FALSE };
  ChainCert *devices[1] = { NULL };

  (void) v;
  forge.key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  forge.not_before = story->now - DAY;
  forge.not_after = story->now + 300 * DAY;
  devices[0] = test_story_forge (&forge);
  append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, devices, 1, TRUE),
              &story->dist_x.officer);
  chain_cert_free (devices[0]);
  chain_key_free (forge.key);
}

static void
make_batch_tier (Vector *v)
{
  ChainCert *devices[1] = { test_story_device (story->oem.issuer, "oem-0001") };

  (void) v;
  append_bad (test_story_batch (story, "oem", &story->oem.officer, story->oem.cert, devices, 1, TRUE),
              &story->oem.officer);
  chain_cert_free (devices[0]);
}

static void
make_batch_issuer (Vector *v)
{
  ChainCert *devices[1] = { test_story_device (story->cm_a.issuer, "cm-a-0001") };

  (void) v;
  append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->cm_a.cert, devices, 1, TRUE),
              &story->dist_x.officer);
  chain_cert_free (devices[0]);
}

static void
make_approval_target (Vector *v)
{
  g_autofree char *nowhere = chain_statement_new_id ();

  (void) v;
  append_bad (test_story_approval (story, "oem", &story->oem.officer, nowhere), &story->oem.officer);
}

static void
make_export_target (Vector *v)
{
  g_autofree char *ca_sha = test_story_thumbprint (story->oem.cert);
  g_autoptr(GBytes) content = chain_cert_to_pem (story->oem.cert);
  g_autofree char *content_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
  ChainJson *files = chain_json_new_object ();
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  chain_json_object_set_string (files, "root.pem", content_sha);
  chain_json_object_set_string (body, "ca", ca_sha);
  chain_json_object_set_string (body, "target", "ftp");
  chain_json_object_set (body, "files", files);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_EXPORT, "oem", body, NULL);
  test_story_add_artifact (st, "root.pem", content);
  test_story_sign (st, &story->oem.officer);
  append_bad (st, &story->oem.officer);
}

static void
make_officer_revoked (Vector *v)
{
  g_autofree char *serial = chain_cert_dup_serial (story->oem2.cert);
  const char *serials[] = { serial, NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->oem.issuer, serials, 1);

  (void) v;
  ck_assert_uint_eq (append_ok (test_story_revocation (story, "oem", &story->oem.officer,
                                                                      story->oem.cert, serials, crl),
                                        &story->oem.officer), NEXT);
  ck_assert_uint_eq (append_raw (test_story_annotation (story, "oem", &story->oem2, "hi"),
                                                  &story->oem.officer), NEXT + 1);
}


static void
make_annotation_with_artifact (Vector *v)
{
  ChainJson *body = chain_json_new_object ();
  g_autoptr(GBytes) extra = g_bytes_new_static ("hello\n", 6);
  ChainStatement *st = NULL;

  (void) v;
  chain_json_object_set_string (body, "text", "hello");
  st = test_story_statement (story, CHAIN_RECORD_TYPE_ANNOTATION, "oem", body, NULL);
  test_story_add_artifact (st, "hello.txt", extra);
  test_story_sign (st, &story->oem.officer);
  append_bad (st, &story->oem.officer);
}

static void
make_policy_author (Vector *v)
{
  g_autoptr(ChainPolicy) stricter = stricter_policy ();
  ChainJson *body = chain_json_new_object ();

  (void) v;
  chain_json_object_set (body, "policy", chain_policy_to_json (stricter));
  append_bad (test_story_statement (story, CHAIN_RECORD_TYPE_POLICY, "cm-a", body, &story->cm_a.officer),
              &story->cm_a.officer);
}

static void
make_policy_invalid (Vector *v)
{
  ChainJson *body = chain_json_new_object ();
  ChainJson *policy = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  chain_json_object_set (policy, "version", chain_json_new_integer (1));
  chain_json_object_set (body, "policy", policy);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_POLICY, "oem", body, &story->oem.officer);
  test_story_sign (st, &story->oem2);
  append_bad (st, &story->oem.officer);
}

/* The policy with its first tier renamed. */
static void
make_policy_tier_in_use (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) json = chain_policy_to_json (story->policy);
  g_autoptr(GBytes) canonical = chain_json_to_canonical (json);
  g_autofree char *text = g_strndup (g_bytes_get_data (canonical, NULL), g_bytes_get_size (canonical));
  g_autofree char *renamed = replace_once (text, "\"name\":\"oem\"", "\"name\":\"maker\"");
  ChainJson *edited = chain_json_parse (renamed, strlen (renamed), 1024 * 1024, &error);
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  test_assert_no_error (error);
  chain_json_object_set (body, "policy", edited);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_POLICY, "oem", body, &story->oem.officer);
  test_story_sign (st, &story->oem2);
  append_bad (st, &story->oem.officer);
}

static void
make_officer_duplicate (Vector *v)
{
  (void) v;
  append_bad (test_story_officer (story, "oem", &story->oem.officer, story->oem2.cert), &story->oem.officer);
}

static void
make_officer_custodian (Vector *v)
{
  TestOfficer officer = { 0 };
  ChainJson *body = chain_json_new_object ();
  g_autoptr(GBytes) pem = NULL;
  ChainStatement *st = NULL;

  (void) v;
  test_story_officer_make (&officer, &story->oem, "Otto");
  pem = chain_cert_to_pem (officer.cert);
  chain_json_object_set_string (body, "custodian", "cm-a");
  st = test_story_statement (story, CHAIN_RECORD_TYPE_OFFICER, "oem", body, NULL);
  test_story_add_artifact (st, "officer.pem", pem);
  test_story_sign (st, &story->oem.officer);
  append_bad (st, &story->oem.officer);
  test_story_officer_clear (&officer);
}

static void
make_officer_issuer (Vector *v)
{
  TestOfficer officer = { 0 };

  (void) v;
  test_story_officer_make (&officer, &story->cm_a, "Otto");
  append_bad (test_story_officer (story, "oem", &story->oem.officer, officer.cert), &story->oem.officer);
  test_story_officer_clear (&officer);
}

static void
make_officer_profile (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  g_autoptr(ChainCert) cert = NULL;
  TestForge forge = { TEST_FORGE_NO_EKU, story->oem.key, story->oem.cert, "CN=Otto,O=Widget Ltd,C=DE", NULL,
                      0, 0, -1, NULL, NULL, FALSE };

  (void) v;
  forge.key = key;
  forge.not_before = story->now - DAY;
  forge.not_after = story->now + 300 * DAY;
  cert = test_story_forge (&forge);
  append_bad (test_story_officer (story, "oem", &story->oem.officer, cert), &story->oem.officer);
}

static ChainStatement *
revocation_with (const char *author,
                 ChainCert  *issuer,
                 const char *reason,
                 const char *serial,
                 ChainCrl   *crl)
{
  g_autofree char *issuer_sha = test_story_thumbprint (issuer);
  g_autoptr(GBytes) crl_pem = chain_crl_to_pem (crl);
  ChainJson *list = chain_json_new_array ();
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_array_append (list, chain_json_new_string (serial));
  chain_json_object_set_string (body, "issuer", issuer_sha);
  chain_json_object_set_string (body, "reason", reason);
  chain_json_object_set (body, "serials", list);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_REVOCATION, author, body, NULL);
  test_story_add_artifact (st, "crl.pem", crl_pem);
  return st;
}

static void
make_revocation_reason (Vector *v)
{
  g_autofree char *revoked = chain_cert_dup_serial (story->devices[0]);
  g_autofree char *serial = chain_cert_dup_serial (story->devices[1]);
  const char *crl_serials[] = { revoked, serial, NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->dist_x.issuer, crl_serials, 2);
  ChainStatement *st = revocation_with ("dist-x", story->dist_x.cert, "lost", serial, crl);

  (void) v;
  test_story_sign (st, &story->dist_x.officer);
  append_bad (st, &story->dist_x.officer);
}

static void
make_revocation_issuer (Vector *v)
{
  g_autofree char *serial = chain_cert_dup_serial (story->devices[1]);
  const char *crl_serials[] = { serial, NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->cm_a.issuer, crl_serials, 1);
  ChainStatement *st = revocation_with ("dist-x", story->cm_a.cert, "key-compromise", serial, crl);

  (void) v;
  test_story_sign (st, &story->dist_x.officer);
  append_bad (st, &story->dist_x.officer);
}

/* A CRL that does not list the device revoked before. */
static void
make_revocation_crl (Vector *v)
{
  g_autofree char *serial = chain_cert_dup_serial (story->devices[1]);
  const char *crl_serials[] = { serial, NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->dist_x.issuer, crl_serials, 2);
  ChainStatement *st = revocation_with ("dist-x", story->dist_x.cert, "key-compromise", serial, crl);

  (void) v;
  test_story_sign (st, &story->dist_x.officer);
  append_bad (st, &story->dist_x.officer);
}

static ChainStatement *
export_with (ChainCert  *ca,
             const char *name,
             GBytes     *content,
             const char *recorded_sha)
{
  g_autofree char *ca_sha = test_story_thumbprint (ca);
  g_autofree char *content_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
  ChainJson *files = chain_json_new_object ();
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (files, name, recorded_sha != NULL ? recorded_sha : content_sha);
  chain_json_object_set_string (body, "ca", ca_sha);
  chain_json_object_set_string (body, "target", "pem");
  chain_json_object_set (body, "files", files);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_EXPORT, "oem", body, NULL);
  test_story_add_artifact (st, name, content);
  test_story_sign (st, &story->oem.officer);
  return st;
}

static void
make_export_ca (Vector *v)
{
  g_autoptr(GBytes) content = chain_cert_to_pem (story->oem.cert);

  (void) v;
  append_bad (export_with (story->devices[1], "root.pem", content, NULL), &story->oem.officer);
}

static void
make_export_files (Vector *v)
{
  g_autoptr(GBytes) content = chain_cert_to_pem (story->oem.cert);

  (void) v;
  append_bad (export_with (story->oem.cert, "root.pem", content,
                           "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e"),
              &story->oem.officer);
}

static void
make_export_content (Vector *v)
{
  g_autoptr(GBytes) content = chain_cert_to_pem (story->devices[1]);

  (void) v;
  append_bad (export_with (story->oem.cert, "device.pem", content, NULL), &story->oem.officer);
}

static ChainStatement *
pop_with (const char        *author,
          const TestOfficer *signer,
          ChainCert         *ca,
          const char        *code,
          const char        *target)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ca_sha = test_story_thumbprint (ca);
  g_autoptr(ChainCert) verification = chain_issuer_issue_pop (story->oem.issuer, "0123456789ABCDEF", &error);
  g_autoptr(GBytes) pem = NULL;
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  test_assert_no_error (error);
  pem = chain_cert_to_pem (verification);
  chain_json_object_set_string (body, "ca", ca_sha);
  chain_json_object_set_string (body, "code", code);
  chain_json_object_set_string (body, "target", target);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_POP, author, body, NULL);
  test_story_add_artifact (st, "verification.pem", pem);
  test_story_sign (st, signer);
  return st;
}

static void
make_pop_target (Vector *v)
{
  (void) v;
  append_bad (pop_with ("oem", &story->oem.officer, story->oem.cert, "0123456789ABCDEF", "gcp-iot"),
              &story->oem.officer);
}

static void
make_pop_code (Vector *v)
{
  (void) v;
  append_bad (pop_with ("oem", &story->oem.officer, story->oem.cert, "FEDCBA9876543210", "azure-iothub"),
              &story->oem.officer);
}

static void
make_pop_ca (Vector *v)
{
  (void) v;
  append_bad (pop_with ("dist-x", &story->dist_x.officer, story->oem.cert, "0123456789ABCDEF", "azure-iothub"),
              &story->dist_x.officer);
}

static void
make_rotation_root (Vector *v)
{
  (void) v;
  append_bad (test_story_rotation (story, "oem", &story->oem.officer, story->oem.cert, story->oem.cert),
              &story->oem.officer);
}

/* ---- A pending request, for approvals and delegations ------------------------- */

static TestParty dist_y;

/* Dist Y, a distributor CM A could delegate, before its request. */
static void
dist_y_make (void)
{
  dist_y.id = "dist-y";
  dist_y.name = "Dist Y";
  dist_y.tier = "distributor";
  dist_y.subject = "CN=Dist Y CA,OU=Dist Y,O=CM A,C=DE";
  dist_y.officer_subject = "CN=Yara,OU=Dist Y,O=CM A,C=DE";
  dist_y.constraints = "OU=Dist Y,O=CM A,C=DE";
  test_story_party_make (story, &dist_y, &story->cm_a, 0, story->now - DAY, story->now + 1000 * DAY);
}

static void
request_dist_y (void)
{
  dist_y_make ();
  ck_assert_uint_eq (append_ok (test_story_request (story, &story->cm_a, &story->cm_a.officer, &dist_y),
                                        &story->cm_a.officer), NEXT);
}

static char *
last_statement_id (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainRecord) record = chain_ledger_load_record (story->ledger, chain_ledger_get_length (story->ledger) - 1,
                                                           &error);

  test_assert_no_error (error);
  return g_strdup (chain_statement_get_id (chain_record_get_statement (record)));
}

static ChainStatement *
approval_with (const char        *author,
               const TestOfficer *signer,
               const char        *target,
               const char        *decision)
{
  ChainJson *body = chain_json_new_object ();

  chain_json_object_set_string (body, "target", target);
  chain_json_object_set_string (body, "decision", decision);
  return test_story_statement (story, CHAIN_RECORD_TYPE_APPROVAL, author, body, signer);
}

static void
make_approval_decision (Vector *v)
{
  g_autofree char *request = NULL;

  (void) v;
  request_dist_y ();
  request = last_statement_id ();
  append_bad (approval_with ("cm-a", &story->cm_a.officer, request, "maybe"), &story->cm_a.officer);
  test_story_party_clear (&dist_y);
}

static void
make_approval_author (Vector *v)
{
  g_autofree char *request = NULL;

  (void) v;
  request_dist_y ();
  request = last_statement_id ();
  append_bad (approval_with ("oem", &story->oem.officer, request, "approve"), &story->oem.officer);
  test_story_party_clear (&dist_y);
}

static void
make_approval_duplicate (Vector *v)
{
  g_autofree char *request = NULL;

  (void) v;
  request_dist_y ();
  request = last_statement_id ();
  ck_assert_uint_eq (append_ok (approval_with ("cm-a", &story->cm_a2, request, "approve"),
                                        &story->cm_a2), NEXT + 1);
  ck_assert_uint_eq (append_raw (approval_with ("cm-a", &story->cm_a2, request, "approve"),
                                                  &story->cm_a2), NEXT + 2);
  test_story_party_clear (&dist_y);
}

static void
make_approval_pending (Vector *v)
{
  g_autofree char *request = NULL;

  (void) v;
  request_dist_y ();
  request = last_statement_id ();
  ck_assert_uint_eq (append_ok (approval_with ("cm-a", &story->cm_a2, request, "reject"),
                                        &story->cm_a2), NEXT + 1);
  ck_assert_uint_eq (append_raw (approval_with ("cm-a", &story->cm_a.officer, request,
                                                                        "approve"),
                                                  &story->cm_a.officer), NEXT + 2);
  test_story_party_clear (&dist_y);
}

/* A delegation for the pending request with @ca (the child's own, or
 * another), body child @child_id. */
static void
delegate_dist_y (const TestOfficer *signer,
                 TestParty         *parent,
                 ChainCert         *ca,
                 const char        *child_id,
                 guint64            seq)
{
  g_autofree char *request = last_statement_id ();
  TestParty child = dist_y;
  ChainStatement *st = NULL;

  child.id = child_id;
  ck_assert_uint_eq (append_ok (approval_with ("cm-a", &story->cm_a2, request, "approve"),
                                        &story->cm_a2), seq - 1);
  st = test_story_delegation (story, parent, signer, &child, request, ca);
  ck_assert_uint_eq (append_raw (st, signer), seq);
}

static void
make_delegation_child (Vector *v)
{
  (void) v;
  request_dist_y ();
  delegate_dist_y (&story->cm_a.officer, &story->cm_a, dist_y.cert, "dist-z", NEXT + 2);
  test_story_party_clear (&dist_y);
}

static void
make_delegation_csr (Vector *v)
{
  (void) v;
  request_dist_y ();
  delegate_dist_y (&story->cm_a.officer, &story->cm_a, story->dist_x.cert, "dist-y", NEXT + 2);
  test_story_party_clear (&dist_y);
}

static void
make_delegation_issuer (Vector *v)
{
  (void) v;
  request_dist_y ();
  delegate_dist_y (&story->cm_a.officer, &story->cm_a, story->cm_b.cert, "dist-y", NEXT + 2);
  test_story_party_clear (&dist_y);
}

static void
make_delegation_request (Vector *v)
{
  (void) v;
  request_dist_y ();
  delegate_dist_y (&story->oem.officer, &story->oem, dist_y.cert, "dist-y", NEXT + 2);
  test_story_party_clear (&dist_y);
}

static void
make_request_custodian (Vector *v)
{
  TestParty copy = { 0 };

  (void) v;
  copy = story->dist_x;
  append_bad (test_story_request (story, &story->cm_a, &story->cm_a.officer, &copy), &story->cm_a.officer);
}

static void
make_request_tier (Vector *v)
{
  (void) v;
  dist_y.id = "dist-y";
  dist_y.name = "Dist Y";
  dist_y.tier = "distributor";
  dist_y.subject = "CN=Dist Y CA,OU=Dist Y,OU=Dist X,O=CM A,C=DE";
  dist_y.officer_subject = "CN=Yara,OU=Dist Y,OU=Dist X,O=CM A,C=DE";
  dist_y.constraints = NULL;
  test_story_party_make (story, &dist_y, &story->cm_a, 0, story->now - DAY, story->now + 1000 * DAY);
  append_bad (test_story_request (story, &story->dist_x, &story->dist_x.officer, &dist_y), &story->dist_x.officer);
  test_story_party_clear (&dist_y);
}

static void
make_request_csr (Vector *v)
{
  TestParty copy = { 0 };

  (void) v;
  dist_y_make ();
  copy = dist_y;
  copy.officer_csr = dist_y.csr;
  append_bad (test_story_request (story, &story->cm_a, &story->cm_a.officer, &copy), &story->cm_a.officer);
  test_story_party_clear (&dist_y);
}


/* An officer of the OEM whose certificate starts ten days after the
 * statements are made; then an annotation it signs. */
static void
make_officer_not_yet_valid (Vector *v)
{
  g_autoptr(GError) error = NULL;
  TestOfficer officer = { 0 };
  TestForge forge = { TEST_FORGE_OFFICER, story->oem.key, story->oem.cert, "CN=Otto,O=Widget Ltd,C=DE", NULL,
                      0, 0, -1, NULL, NULL, FALSE };

  (void) v;
  officer.key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  forge.key = officer.key;
  forge.not_before = story->now + 10 * DAY;
  forge.not_after = story->now + 100 * DAY;
  officer.cert = test_story_forge (&forge);
  ck_assert_uint_eq (append_ok (test_story_officer (story, "oem", &story->oem.officer, officer.cert),
                                        &story->oem.officer), NEXT);
  append_bad (test_story_annotation (story, "oem", &officer, "early"), &story->oem.officer);
  test_story_officer_clear (&officer);
}

/* Dist Y's CA as CM A could forge it: @kind, @path_len, @not_after
 * (0: a year), @constraints (NULL: none). */
static ChainCert *
forge_dist_y_ca (TestForgeKind kind,
                 int           path_len,
                 gint64        not_after,
                 const char   *constraints)
{
  TestForge forge = { kind, story->cm_a.key, story->cm_a.cert, NULL, NULL, 0, 0, -1, NULL, NULL, FALSE };

  forge.subject = dist_y.subject;
  forge.key = dist_y.key;
  forge.not_before = story->now - DAY;
  forge.not_after = not_after != 0 ? not_after : story->now + 365 * DAY;
  forge.path_len = path_len;
  forge.constraints = constraints;
  return test_story_forge (&forge);
}

/* A delegation of a Dist Y CA forged as @kind, @path_len, valid @days
 * (0: a year), with @constraints. */
typedef struct {
  TestForgeKind kind;
  int           path_len;
  gint64        days;
  const char   *constraints;
} DistYForge;

#define DIST_Y_CONSTRAINTS "permitted:dirName:OU=Dist Y,O=CM A,C=DE"

static void
make_dist_y_forged (Vector *v)
{
  const DistYForge *f = v->arg;
  g_autoptr(ChainCert) ca = NULL;

  request_dist_y ();
  ca = forge_dist_y_ca (f->kind, f->path_len, f->days != 0 ? story->now + f->days * DAY : 0, f->constraints);
  delegate_dist_y (&story->cm_a.officer, &story->cm_a, ca, "dist-y", NEXT + 2);
  test_story_party_clear (&dist_y);
}

/* Dist Y requested, approved and delegated, all as the rules want. */
static char *
delegated_dist_y (void)
{
  g_autofree char *request = NULL;

  request_dist_y ();
  request = last_statement_id ();
  ck_assert_uint_eq (append_ok (approval_with ("cm-a", &story->cm_a2, request, "approve"),
                                        &story->cm_a2), NEXT + 1);
  ck_assert_uint_eq (append_ok (test_story_delegation (story, &story->cm_a, &story->cm_a.officer,
                                                                      &dist_y, request, dist_y.cert),
                                        &story->cm_a.officer), NEXT + 2);
  return last_statement_id ();
}

static void
make_acceptance_delegation (Vector *v)
{
  g_autofree char *delegation = delegated_dist_y ();
  g_autofree char *nowhere = chain_statement_new_id ();

  (void) v;
  append_bad (test_story_acceptance (story, &dist_y, nowhere), &dist_y.officer);
  test_story_party_clear (&dist_y);
}

static void
make_acceptance_duplicate (Vector *v)
{
  g_autofree char *delegation = delegated_dist_y ();
  TestOfficer second = { 0 };
  TestParty copy = { 0 };

  (void) v;
  ck_assert_uint_eq (append_ok (test_story_acceptance (story, &dist_y, delegation), &dist_y.officer),
                     NEXT + 3);
  test_story_officer_make (&second, &dist_y, "Yuri");
  copy = dist_y;
  copy.officer = second;
  append_bad (test_story_acceptance (story, &copy, delegation), &second);
  test_story_officer_clear (&second);
  test_story_party_clear (&dist_y);
}

static void
make_acceptance_officer_key (Vector *v)
{
  g_autofree char *delegation = delegated_dist_y ();
  TestOfficer other = { 0 };
  TestParty copy = { 0 };

  (void) v;
  test_story_officer_make (&other, &dist_y, "Yuri");
  copy = dist_y;
  copy.officer = other;
  append_bad (test_story_acceptance (story, &copy, delegation), &other);
  test_story_officer_clear (&other);
  test_story_party_clear (&dist_y);
}

static void
make_acceptance_issuer (Vector *v)
{
  g_autofree char *delegation = delegated_dist_y ();
  TestOfficer other = { 0 };
  TestParty copy = { 0 };

  (void) v;
  test_story_officer_make (&other, &story->cm_a, "Yuri");
  copy = dist_y;
  copy.officer = other;
  append_bad (test_story_acceptance (story, &copy, delegation), &other);
  test_story_officer_clear (&other);
  test_story_party_clear (&dist_y);
}


/* ---- Device batches with a forged certificate ---------------------------------- */

/* A device certificate for dist-x-0100 as an attacker holding @issuer_key
 * could make it. */
static void
append_forged_device (TestForgeKind kind,
                      ChainKey     *issuer_key,
                      ChainCert    *issuer,
                      const char   *subject,
                      gint64        not_after)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  TestForge forge = { kind, issuer_key, issuer, subject, NULL, 0, 0, -1, NULL, NULL, FALSE };
  ChainCert *devices[1] = { NULL };

  forge.key = key;
  forge.not_before = story->now - DAY;
  forge.not_after = not_after != 0 ? not_after : story->now + 300 * DAY;
  devices[0] = test_story_forge (&forge);
  append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, devices, 1, TRUE),
              &story->dist_x.officer);
  chain_cert_free (devices[0]);
}

#define DEVICE_SUBJECT "CN=dist-x-0100,OU=Dist X,O=CM A,C=DE"

/* A batch of one device certificate forged as @kind by Dist X's CA (or
 * CM A's), for @subject, valid @days (0: 300). */
typedef struct {
  TestForgeKind kind;
  gboolean      by_cm_a;
  const char   *subject;
  gint64        days;
} DeviceForge;

static void
make_device_forged (Vector *v)
{
  const DeviceForge *f = v->arg;
  TestParty *issuer = f->by_cm_a ? &story->cm_a : &story->dist_x;

  append_forged_device (f->kind, issuer->key, issuer->cert, f->subject, f->days != 0 ? story->now + f->days * DAY : 0);
}

static void
make_batch_empty (Vector *v)
{
  ChainCert *devices[1] = { NULL };

  (void) v;
  append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, devices, 0, FALSE),
              &story->dist_x.officer);
}

/* ---- Key rotations of CM B's CA ------------------------------------------------ */

static ChainCert *
forge_cm_b_ca (TestForgeKind kind,
               ChainKey     *issuer_key,
               ChainCert    *issuer,
               const char   *subject,
               ChainKey     *key,
               int           path_len,
               gint64        not_after,
               const char   *constraints)
{
  TestForge forge = { kind, issuer_key, issuer, subject, key, 0, 0, path_len, constraints, NULL, FALSE };

  forge.not_before = story->now - DAY;
  forge.not_after = not_after != 0 ? not_after : story->now + 2000 * DAY;
  return test_story_forge (&forge);
}

#define CM_B_CONSTRAINTS "permitted:dirName:O=CM B,C=DE"

static void
rotate_cm_b (ChainCert *old_ca,
             ChainCert *new_ca)
{
  append_bad (test_story_rotation (story, "cm-b", &story->cm_b.officer, old_ca, new_ca), &story->cm_b.officer);
}

static void
rotate_cm_b_forged (TestForgeKind kind,
                    ChainKey     *issuer_key,
                    ChainCert    *issuer,
                    const char   *subject,
                    gboolean      same_key,
                    int           path_len,
                    gint64        not_after,
                    const char   *constraints)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = same_key ? NULL : chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  g_autoptr(ChainCert) ca = forge_cm_b_ca (kind, issuer_key, issuer, subject, same_key ? story->cm_b.key : key,
                                           path_len, not_after, constraints);

  rotate_cm_b (story->cm_b.cert, ca);
}

static void
make_rotation_old (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  g_autoptr(ChainCert) ca = forge_cm_b_ca (TEST_FORGE_CA, story->oem.key, story->oem.cert, story->cm_b.subject, key,
                                           1, 0, CM_B_CONSTRAINTS);

  (void) v;
  rotate_cm_b (story->dist_x.cert, ca);
}

/* CM B rotates to a CA forged as @kind by the OEM's root (or CM A's CA),
 * @subject (NULL: CM B's), its old key or a fresh one, @path_len, valid
 * @days (0: 2000), with CM B's name constraints or none. */
typedef struct {
  TestForgeKind kind;
  gboolean      by_cm_a;
  const char   *subject;
  gboolean      same_key;
  int           path_len;
  gint64        days;
  gboolean      unconstrained;
} RotationForge;

static void
make_rotation_forged (Vector *v)
{
  const RotationForge *f = v->arg;
  TestParty *issuer = f->by_cm_a ? &story->cm_a : &story->oem;

  rotate_cm_b_forged (f->kind, issuer->key, issuer->cert, f->subject != NULL ? f->subject : story->cm_b.subject,
                      f->same_key, f->path_len, f->days != 0 ? story->now + f->days * DAY : 0,
                      f->unconstrained ? NULL : CM_B_CONSTRAINTS);
}

static void
make_rotation_new (Vector *v)
{
  (void) v;
  rotate_cm_b (story->cm_b.cert, story->cm_b.cert);
}

/* ---- Certificates that are none ------------------------------------------------ */

static GBytes *
not_a_certificate (void)
{
  static const char pem[] = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";

  /* "not a certificate", armoured as one. */
  return g_bytes_new_static (pem, sizeof pem - 1);
}

static void
make_officer_certificate (Vector *v)
{
  g_autoptr(GBytes) garbage = not_a_certificate ();
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  chain_json_object_set_string (body, "custodian", "oem");
  st = test_story_statement (story, CHAIN_RECORD_TYPE_OFFICER, "oem", body, NULL);
  test_story_add_artifact (st, "officer.pem", garbage);
  test_story_sign (st, &story->oem.officer);
  append_bad (st, &story->oem.officer);
}

static void
make_rotation_certificate (Vector *v)
{
  g_autoptr(GBytes) garbage = not_a_certificate ();
  g_autofree char *old = test_story_thumbprint (story->cm_b.cert);
  g_autofree char *new_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, garbage);
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  chain_json_object_set_string (body, "old", old);
  chain_json_object_set_string (body, "new", new_sha);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_KEY_ROTATION, "cm-b", body, NULL);
  test_story_add_artifact (st, "ca.pem", garbage);
  test_story_sign (st, &story->cm_b.officer);
  append_bad (st, &story->cm_b.officer);
}

/* A delegation by CM A for @request (Dist Y's), its body as given, its
 * ca.pem @pem; signed by Alice. */
static ChainStatement *
delegation_with (const char *request,
                 GBytes     *pem,
                 gint64      path_len,
                 gint64      not_before,
                 gint64      not_after)
{
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (body, "request", request);
  chain_json_object_set_string (body, "child", "dist-y");
  chain_json_object_set (body, "path_len", chain_json_new_integer (path_len));
  chain_json_object_set (body, "name_constraints", chain_json_new_array ());
  chain_json_object_set (body, "not_before", chain_json_new_integer (not_before));
  chain_json_object_set (body, "not_after", chain_json_new_integer (not_after));
  st = test_story_statement (story, CHAIN_RECORD_TYPE_DELEGATION, "cm-a", body, NULL);
  test_story_add_artifact (st, "ca.pem", pem);
  test_story_sign (st, &story->cm_a.officer);
  return st;
}

static void
make_delegation_certificate (Vector *v)
{
  g_autoptr(GBytes) garbage = not_a_certificate ();
  g_autofree char *request = NULL;

  (void) v;
  request_dist_y ();
  request = last_statement_id ();
  ck_assert_uint_eq (append_ok (approval_with ("cm-a", &story->cm_a2, request, "approve"),
                                        &story->cm_a2), NEXT + 1);
  append_bad (delegation_with (request, garbage, 0, story->now, story->now + 100 * DAY), &story->cm_a.officer);
  test_story_party_clear (&dist_y);
}

/* A verification certificate CM A's CA issued, for a proof about the root. */
static void
make_pop_certificate (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ca_sha = test_story_thumbprint (story->oem.cert);
  g_autoptr(ChainCert) verification = chain_issuer_issue_pop (story->cm_a.issuer, "0123456789ABCDEF", &error);
  g_autoptr(GBytes) pem = NULL;
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  test_assert_no_error (error);
  pem = chain_cert_to_pem (verification);
  chain_json_object_set_string (body, "ca", ca_sha);
  chain_json_object_set_string (body, "code", "0123456789ABCDEF");
  chain_json_object_set_string (body, "target", "azure-iothub");
  st = test_story_statement (story, CHAIN_RECORD_TYPE_POP, "oem", body, NULL);
  test_story_add_artifact (st, "verification.pem", pem);
  test_story_sign (st, &story->oem.officer);
  append_bad (st, &story->oem.officer);
}

/* ---- Records written with plain git, as a forger writes them --------------------- */

static char *
sha256_of (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

/* The content of @path in @commit, as stored. */
static char *
file_at (const char *commit,
         const char *path)
{
  g_autofree char *spec = g_strconcat (commit, ":", path, NULL);
  g_autofree char *err = NULL;
  char *out = NULL;
  const char *argv[] = { "git", "-C", story->path, "cat-file", "blob", spec, NULL };

  ck_assert_msg (test_support_run (argv, NULL, &out, &err) == 0, "cat-file %s: %s", spec, err);
  return out;
}

/* The digest of main's last record.json. */
static char *
tip_record_digest (void)
{
  g_autofree char *tip = GIT ("rev-parse", "refs/heads/main");
  g_autofree char *listing = GIT ("ls-tree", "-r", "--name-only", tip);
  g_auto(GStrv) paths = g_strsplit (listing, "\n", -1);
  const char *last = NULL;
  g_autofree char *content = NULL;

  /* Record directories sort by sequence number. */
  for (guint i = 0; paths[i] != NULL; i++)
    if (g_str_has_suffix (paths[i], "/record.json"))
      last = paths[i];
  ck_assert_ptr_nonnull (last);
  content = file_at (tip, last);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, content, -1);
}

static void
index_line (GString    *info,
            const char *dir,
            const char *name,
            GBytes     *content)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (content, NULL), g_bytes_get_size (content));
  g_autofree char *blob = GIT_IN (text, "hash-object", "-w", "--stdin");

  g_string_append_printf (info, "100644 %s\t%s/%s\n", blob, dir, name);
}

/* Appends @st as record @seq with plain git, as a forger who holds
 * @committer's key can: its directory with @signatures as signatures.json
 * (NULL: the statement's own), a record.json as the writer makes it (for
 * the story's ledger), a commit as the writer makes it, signed by
 * @committer. Record 0 starts a new history. No rule is applied. */
static void
append_forged (ChainStatement    *st,
               GBytes            *signatures,
               guint64            seq,
               const TestOfficer *committer)
{
  g_autoptr(GBytes) statement = chain_statement_dup_bytes (st);
  g_autoptr(GBytes) own_signatures = chain_statement_dup_signatures_bytes (st);
  GBytes *signatures_json = signatures != NULL ? signatures : own_signatures;
  g_autofree char *parent = seq > 0 ? GIT ("rev-parse", "refs/heads/main") : NULL;
  g_autofree char *prev = seq > 0 ? tip_record_digest () : g_strdup_printf ("%064d", 0);
  g_autofree char *dir = g_strdup_printf ("records/%04" G_GUINT64_FORMAT "/%02" G_GUINT64_FORMAT
                                          "/%08" G_GUINT64_FORMAT "-%s", seq / 10000, (seq / 100) % 100, seq,
                                          chain_statement_get_type_name (st));
  g_autofree const char **names = chain_statement_get_artifact_names (st);
  g_autoptr(ChainJson) record = chain_json_new_object ();
  g_autoptr(GBytes) record_json = NULL;
  g_autoptr(GString) info = g_string_new (NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(ChainName) subject = chain_cert_dup_subject (committer->cert);
  g_autofree char *cn = chain_name_dup_common_name (subject);
  g_autofree char *key_id = chain_cert_dup_public_key_sha256 (committer->cert);
  g_autofree char *statement_sha = sha256_of (statement);
  g_autofree char *signatures_sha = sha256_of (signatures_json);
  g_autofree char *tree = NULL;
  g_autofree char *id = NULL;
  const char *author = chain_statement_get_author (st);

  chain_json_object_set_string (record, "ledger", story->ledger_id);
  chain_json_object_set_string (record, "prev", prev);
  chain_json_object_set_integer (record, "seq", (gint64) seq);
  chain_json_object_set_string (record, "signatures", signatures_sha);
  chain_json_object_set_string (record, "statement", statement_sha);
  chain_json_object_set_integer (record, "version", 1);
  record_json = chain_json_to_canonical (record);
  index_line (info, dir, "statement.json", statement);
  index_line (info, dir, "signatures.json", signatures_json);
  index_line (info, dir, "record.json", record_json);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *name = g_strconcat ("artifacts/", names[i], NULL);
      GBytes *data = NULL;

      ck_assert (chain_statement_get_artifact (st, names[i], NULL, NULL, &data) && data != NULL);
      index_line (info, dir, name, data);
    }
  tree = tree_edited (parent, info->str);

  g_string_append_printf (text, "tree %s\n", tree);
  if (parent != NULL)
    g_string_append_printf (text, "parent %s\n", parent);
  g_string_append_printf (text, "author %s <%s@custodian.libchain.invalid> %" G_GINT64_FORMAT " +0000\n", author,
                          author, chain_statement_get_time (st));
  g_string_append_printf (text, "committer %s <%.16s@officer.libchain.invalid> %" G_GINT64_FORMAT " +0000\n\n", cn,
                          key_id, g_get_real_time () / G_USEC_PER_SEC);
  g_string_append_printf (text, "%s #%" G_GUINT64_FORMAT " by %s\n", chain_statement_get_type_name (st), seq, author);
  id = test_commit_write_signed (story->path, text->str, committer);
  set_main (id);
  chain_statement_unref (st);
}

/* A genesis as the OEM's would be, but for @custodian_id, carrying
 * @policy (NULL: the story's), @root and @officer. */
static ChainStatement *
genesis_with (const char  *custodian_id,
              ChainPolicy *policy,
              ChainCert   *root,
              ChainCert   *officer)
{
  g_autoptr(GBytes) root_pem = chain_cert_to_pem (root);
  g_autoptr(GBytes) officer_pem = chain_cert_to_pem (officer);
  ChainJson *custodian = chain_json_new_object ();
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (custodian, "id", custodian_id);
  chain_json_object_set_string (custodian, "name", "Widget Ltd");
  chain_json_object_set_string (custodian, "tier", "oem");
  chain_json_object_set (body, "custodian", custodian);
  chain_json_object_set (body, "policy", chain_policy_to_json (policy != NULL ? policy : story->policy));
  st = test_story_statement (story, CHAIN_RECORD_TYPE_GENESIS, "oem", body, NULL);
  test_story_add_artifact (st, "root.pem", root_pem);
  test_story_add_artifact (st, "officer.pem", officer_pem);
  test_story_sign (st, &story->oem.officer);
  return st;
}

/* A one-record ledger whose genesis breaks one rule, as v->arg says. */
typedef enum {
  GENESIS_CUSTODIAN,
  GENESIS_POLICY,
  GENESIS_ROOT,
  GENESIS_OFFICER,
} GenesisFault;

static void
make_genesis_fault (Vector *v)
{
  GenesisFault fault = *(const GenesisFault *) v->arg;
  g_autoptr(ChainPolicy) stricter = fault == GENESIS_POLICY ? stricter_policy () : NULL;

  append_forged (genesis_with (fault == GENESIS_CUSTODIAN ? "widget" : "oem", stricter,
                               fault == GENESIS_ROOT ? story->cm_a.cert : story->oem.cert,
                               fault == GENESIS_OFFICER ? story->cm_a.officer.cert : story->oem.officer.cert),
                 NULL, 0, &story->oem.officer);
}

static void
make_genesis_first (Vector *v)
{
  (void) v;
  append_forged (test_story_annotation (story, "oem", &story->oem.officer, "first"), NULL, 0, &story->oem.officer);
}

static void
make_genesis_once (Vector *v)
{
  (void) v;
  append_forged (genesis_with ("oem", NULL, story->oem.cert, story->oem.officer.cert), NULL, NEXT, &story->oem.officer);
}

static void
make_statement_ledger (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other = chain_statement_new_id ();
  g_autofree char *policy = chain_policy_dup_digest (story->policy);
  g_autoptr(ChainJson) body = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  chain_json_object_set_string (body, "text", "hello");
  st = chain_statement_new (CHAIN_RECORD_TYPE_ANNOTATION, "oem", other, policy, story->now, body, &error);
  test_assert_no_error (error);
  test_story_sign (st, &story->oem.officer);
  append_forged (st, NULL, NEXT, &story->oem.officer);
}

/* An annotation whose signatures.json is another annotation's, by the
 * same officer: a real signature over other bytes. */
static void
make_signature_invalid (Vector *v)
{
  g_autoptr(ChainStatement) other = test_story_annotation (story, "oem", &story->oem.officer, "bye");
  g_autoptr(GBytes) signatures = chain_statement_dup_signatures_bytes (other);

  (void) v;
  append_forged (test_story_annotation (story, "oem", &story->oem.officer, "hello"), signatures, NEXT,
                 &story->oem.officer);
}

/* An annotation whose signatures.json lists its one signature twice. */
static void
make_signature_duplicate_key (Vector *v)
{
  g_autoptr(GError) error = NULL;
  ChainStatement *st = test_story_annotation (story, "oem", &story->oem.officer, "hello");
  g_autoptr(GBytes) own = chain_statement_dup_signatures_bytes (st);
  g_autoptr(ChainJson) list = chain_json_parse (g_bytes_get_data (own, NULL), g_bytes_get_size (own), 65536, &error);
  g_autoptr(GBytes) twice = NULL;

  (void) v;
  test_assert_no_error (error);
  chain_json_array_append (list, chain_json_ref (chain_json_array_get_element (list, 0)));
  twice = chain_json_to_canonical (list);
  append_forged (st, twice, NEXT, &story->oem.officer);
}

/* ---- Record times ------------------------------------------------------------------ */

/* The tip appended again by its officer, its committer time @when. */
static void
redate_tip (gint64 when)
{
  g_autofree char *raw = raw_commit (base_tip);
  const char *line = strstr (raw, "\ncommitter ");
  const char *end = strchr (line + 1, '\n');
  const char *zone = g_strrstr_len (line, end - line, " ");
  const char *stamp = g_strrstr_len (line, zone - line, " ");
  g_autofree char *old_line = g_strndup (line, (gsize) (end - line));
  g_autofree char *new_line = g_strdup_printf ("%.*s %" G_GINT64_FORMAT "%.*s", (int) (stamp - line), line, when,
                                               (int) (end - zone), zone);

  resign_tip_edited (old_line, new_line);
}

static gint64
commit_time (const char *id)
{
  g_autofree char *text = GIT ("show", "-s", "--format=%ct", id);

  return g_ascii_strtoll (text, NULL, 10);
}

static void
make_time_order (Vector *v)
{
  g_autofree char *before = commit_at (TIP - 1);

  (void) v;
  /* Beyond the allowed skew before the record it follows, and after the
   * officer's certificate starts. */
  redate_tip (commit_time (before) - 2 * CHAIN_LEDGER_TIME_SKEW);
}

/* A statement dated a day after the commit that appends it: unlike a
 * commit dated ahead of the clock, it stays a finding as time passes. */
static void
make_time_future (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *policy = chain_policy_dup_digest (story->policy);
  g_autoptr(ChainJson) body = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  chain_json_object_set_string (body, "text", "tomorrow");
  st = chain_statement_new (CHAIN_RECORD_TYPE_ANNOTATION, "oem", story->ledger_id, policy,
                            g_get_real_time () / G_USEC_PER_SEC + DAY, body, &error);
  test_assert_no_error (error);
  test_story_sign (st, &story->oem.officer);
  append_bad (st, &story->oem.officer);
}

/* ---- Policies that forbid what was allowed ------------------------------------- */

/* @policy put in force, signed by both OEM officers as it must be. */
static void
put_policy_in_force (ChainPolicy *policy)
{
  ChainStatement *st = test_story_policy (story, &story->oem.officer, policy);

  test_story_sign (st, &story->oem2);
  append_ok (st, &story->oem.officer);
}

/* The policy in force, without ECDSA P-384. */
static void
forbid_p384 (void)
{
  g_autoptr(ChainPolicy) policy = chain_policy_copy (story->policy);

  chain_policy_set_algorithm_allowed (policy, CHAIN_KEY_ALGORITHM_EC_P384, FALSE);
  put_policy_in_force (policy);
}

static ChainKey *
p384_key (void)
{
  g_autoptr(GError) error = NULL;
  ChainKey *key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P384, &error);

  test_assert_no_error (error);
  return key;
}

static ChainIssueOptions
valid_from_yesterday (gint64 days)
{
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;

  options.not_before = story->now - DAY;
  options.not_after = story->now + days * DAY;
  return options;
}

static ChainCert *
officer_cert (ChainIssuer *issuer,
              const char  *cn,
              ChainKey    *key)
{
  g_autoptr(GError) error = NULL;
  ChainIssueOptions options = valid_from_yesterday (300);
  ChainCert *cert = chain_issuer_issue_officer (issuer, cn, key, &options, &error);

  test_assert_no_error (error);
  return cert;
}

static void
make_officer_algorithm (Vector *v)
{
  g_autoptr(ChainKey) key = p384_key ();
  g_autoptr(ChainCert) cert = officer_cert (story->oem.issuer, "Otto", key);

  (void) v;
  forbid_p384 ();
  append_bad (test_story_officer (story, "oem", &story->oem.officer, cert), &story->oem.officer);
}

static void
make_batch_algorithm (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = p384_key ();
  ChainIssueOptions options = valid_from_yesterday (300);
  ChainCert *devices[1] = { chain_issuer_issue_device (story->dist_x.issuer, "dist-x-0100", NULL, key, &options,
                                                       &error) };

  (void) v;
  test_assert_no_error (error);
  forbid_p384 ();
  append_bad (test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, devices, 1, TRUE),
              &story->dist_x.officer);
  chain_cert_free (devices[0]);
}

static void
make_rotation_algorithm (Vector *v)
{
  g_autoptr(ChainKey) key = p384_key ();
  g_autoptr(ChainCert) ca = forge_cm_b_ca (TEST_FORGE_CA, story->oem.key, story->oem.cert, story->cm_b.subject, key,
                                           1, 0, CM_B_CONSTRAINTS);

  (void) v;
  forbid_p384 ();
  rotate_cm_b (story->cm_b.cert, ca);
}

/* Dist Y's CA key and ca.csr made P-384. */
static void
dist_y_p384 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainName) name = chain_name_parse (dist_y.subject, &error);

  test_assert_no_error (error);
  chain_key_free (dist_y.key);
  chain_csr_free (dist_y.csr);
  dist_y.key = p384_key ();
  dist_y.csr = chain_csr_new (dist_y.key, name, &error);
  test_assert_no_error (error);
}

static void
make_request_algorithm (Vector *v)
{
  (void) v;
  forbid_p384 ();
  dist_y_make ();
  dist_y_p384 ();
  append_bad (test_story_request (story, &story->cm_a, &story->cm_a.officer, &dist_y), &story->cm_a.officer);
  test_story_party_clear (&dist_y);
}

static void
make_delegation_algorithm (Vector *v)
{
  g_autofree char *request = NULL;
  g_autoptr(ChainCert) ca = NULL;

  (void) v;
  dist_y_make ();
  dist_y_p384 ();
  ck_assert_uint_eq (append_ok (test_story_request (story, &story->cm_a, &story->cm_a.officer, &dist_y),
                                &story->cm_a.officer), NEXT);
  request = last_statement_id ();
  forbid_p384 ();
  ca = forge_dist_y_ca (TEST_FORGE_CA, 0, 0, DIST_Y_CONSTRAINTS);
  append_raw (test_story_delegation (story, &story->cm_a, &story->cm_a.officer, &dist_y, request, ca),
              &story->cm_a.officer);
  test_story_party_clear (&dist_y);
}

/* The manufacturer tier may no longer delegate to distributors, between
 * Dist Y's request and its delegation. */
static void
make_delegation_tier (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) json = chain_policy_to_json (story->policy);
  g_autoptr(GBytes) canonical = chain_json_to_canonical (json);
  g_autofree char *text = g_strndup (g_bytes_get_data (canonical, NULL), g_bytes_get_size (canonical));
  g_autofree char *edited = replace_once (text, "\"delegates_to\":[\"distributor\"]", "\"delegates_to\":[]");
  g_autoptr(ChainJson) edited_json = chain_json_parse (edited, strlen (edited), 1024 * 1024, &error);
  g_autoptr(ChainPolicy) policy = NULL;
  g_autofree char *request = NULL;

  (void) v;
  test_assert_no_error (error);
  policy = chain_policy_from_json (edited_json, &error);
  test_assert_no_error (error);
  request_dist_y ();
  request = last_statement_id ();
  put_policy_in_force (policy);
  append_raw (test_story_delegation (story, &story->cm_a, &story->cm_a.officer, &dist_y, request, dist_y.cert),
              &story->cm_a.officer);
  test_story_party_clear (&dist_y);
}

/* A CA with a critical extension no verifier knows: its chain fails. */
static ChainCert *
forge_unverifiable_ca (ChainKey   *issuer_key,
                       ChainCert  *issuer,
                       const char *subject,
                       ChainKey   *key,
                       int         path_len,
                       const char *constraints)
{
  TestForge forge = { TEST_FORGE_CA, issuer_key, issuer, subject, key, 0, 0, path_len, constraints, NULL, TRUE };

  forge.not_before = story->now - DAY;
  forge.not_after = story->now + 365 * DAY;
  return test_story_forge (&forge);
}

static void
make_delegation_chain (Vector *v)
{
  g_autoptr(ChainCert) ca = NULL;

  (void) v;
  request_dist_y ();
  ca = forge_unverifiable_ca (story->cm_a.key, story->cm_a.cert, dist_y.subject, dist_y.key, 0,
                              DIST_Y_CONSTRAINTS);
  delegate_dist_y (&story->cm_a.officer, &story->cm_a, ca, "dist-y", NEXT + 2);
  test_story_party_clear (&dist_y);
}

static void
make_rotation_chain (Vector *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  g_autoptr(ChainCert) ca = forge_unverifiable_ca (story->oem.key, story->oem.cert, story->cm_b.subject, key, 1,
                                                   CM_B_CONSTRAINTS);

  (void) v;
  rotate_cm_b (story->cm_b.cert, ca);
}

/* A delegation for Dist Y whose body says path length 1 for a CA of 0. */
static void
make_delegation_body (Vector *v)
{
  g_autoptr(GBytes) pem = NULL;
  g_autofree char *request = NULL;

  (void) v;
  request_dist_y ();
  request = last_statement_id ();
  pem = chain_cert_to_pem (dist_y.cert);
  ck_assert_uint_eq (append_ok (approval_with ("cm-a", &story->cm_a2, request, "approve"), &story->cm_a2), NEXT + 1);
  append_bad (delegation_with (request, pem, 1, chain_cert_get_not_before (dist_y.cert),
                               chain_cert_get_not_after (dist_y.cert)),
              &story->cm_a.officer);
  test_story_party_clear (&dist_y);
}

/* CM A records a request naming the OEM as Dist Y's parent. */
static void
make_request_parent (Vector *v)
{
  g_autoptr(GBytes) ca_csr = NULL;
  g_autoptr(GBytes) officer_csr = NULL;
  ChainJson *custodian = chain_json_new_object ();
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  (void) v;
  dist_y_make ();
  ca_csr = chain_csr_to_pem (dist_y.csr);
  officer_csr = chain_csr_to_pem (dist_y.officer_csr);
  chain_json_object_set_string (custodian, "id", dist_y.id);
  chain_json_object_set_string (custodian, "name", dist_y.name);
  chain_json_object_set_string (custodian, "tier", dist_y.tier);
  chain_json_object_set (body, "custodian", custodian);
  chain_json_object_set_string (body, "parent", "oem");
  st = test_story_statement (story, CHAIN_RECORD_TYPE_DELEGATION_REQUEST, "cm-a", body, NULL);
  test_story_add_artifact (st, "ca.csr", ca_csr);
  test_story_add_artifact (st, "officer.csr", officer_csr);
  test_story_sign (st, &story->cm_a.officer);
  append_bad (st, &story->cm_a.officer);
  test_story_party_clear (&dist_y);
}

static void
make_key_store_hardware (Vector *v)
{
  g_autoptr(ChainPolicy) policy = chain_policy_copy (story->policy);
  TestOfficer officer = { 0 };

  (void) v;
  chain_policy_set_require_hardware_keys (policy, "oem", TRUE);
  put_policy_in_force (policy);
  test_story_officer_make (&officer, &story->oem, "Otto");
  append_bad (test_story_officer (story, "oem", &story->oem.officer, officer.cert), &story->oem.officer);
  test_story_officer_clear (&officer);
}

/* A device batch of one, manifest.csv only (no certificates.pem, so only
 * the manifest is judged): its line names @device_id, and the header line
 * is there or not. */
typedef struct {
  gboolean    header;
  const char *device_id;
} BatchManifest;

static void
make_batch_manifest (Vector *v)
{
  const BatchManifest *m = v->arg;
  g_autoptr(ChainCert) device = test_story_device (story->dist_x.issuer, "dist-x-0100");
  g_autofree char *issuer_sha = test_story_thumbprint (story->dist_x.cert);
  g_autofree char *serial = chain_cert_dup_serial (device);
  g_autofree char *sha = test_story_thumbprint (device);
  g_autofree char *spki = chain_cert_dup_public_key_sha256 (device);
  g_autofree char *text = g_strdup_printf ("%s%s,%s,%s,%s\n",
                                           m->header ? "device_id,serial,cert_sha256,public_key_sha256\n" : "",
                                           m->device_id, serial, sha, spki);
  g_autoptr(GBytes) manifest = g_bytes_new (text, strlen (text));
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (body, "issuer", issuer_sha);
  chain_json_object_set_integer (body, "count", 1);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_DEVICE_BATCH, "dist-x", body, NULL);
  test_story_add_artifact (st, "manifest.csv", manifest);
  test_story_sign (st, &story->dist_x.officer);
  append_bad (st, &story->dist_x.officer);
}

/* ---- Acceptances of Dist Y's delegation ------------------------------------------ */

typedef enum {
  ACCEPTANCE_AUTHOR,       /* Dist X accepts it */
  ACCEPTANCE_CERTIFICATE,  /* officer.pem is no certificate */
  ACCEPTANCE_PROFILE,      /* an officer certificate without emailProtection */
  ACCEPTANCE_ALGORITHM,    /* a P-384 officer, P-384 forbidden since the delegation */
} AcceptanceFault;

static void
make_acceptance_fault (Vector *v)
{
  AcceptanceFault fault = *(const AcceptanceFault *) v->arg;
  g_autofree char *delegation = delegated_dist_y ();
  g_autoptr(ChainKey) key = fault == ACCEPTANCE_ALGORITHM ? p384_key () : NULL;
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(GBytes) pem = NULL;
  const TestOfficer *signer = fault == ACCEPTANCE_AUTHOR ? &story->dist_x.officer : &dist_y.officer;
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  if (fault == ACCEPTANCE_PROFILE)
    {
      TestForge forge = { TEST_FORGE_NO_EKU, dist_y.key, dist_y.cert, dist_y.officer_subject, dist_y.officer.key,
                          0, 0, -1, NULL, NULL, FALSE };

      forge.not_before = story->now - DAY;
      forge.not_after = story->now + 300 * DAY;
      cert = test_story_forge (&forge);
    }
  else if (fault == ACCEPTANCE_ALGORITHM)
    {
      cert = officer_cert (dist_y.issuer, "Yara", key);
      forbid_p384 ();
    }
  pem = fault == ACCEPTANCE_CERTIFICATE ? not_a_certificate ()
                                        : chain_cert_to_pem (cert != NULL ? cert : dist_y.officer.cert);
  chain_json_object_set_string (body, "delegation", delegation);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_ACCEPTANCE, fault == ACCEPTANCE_AUTHOR ? "dist-x" : "dist-y",
                             body, NULL);
  test_story_add_artifact (st, "officer.pem", pem);
  test_story_sign (st, signer);
  append_bad (st, signer);
  test_story_party_clear (&dist_y);
}

/* ---- CAs revoked after a key rotation ---------------------------------------------- */

static TestParty cm_b2;
static TestOfficer bea;

static void
revoke_cm_b1 (void)
{
  g_autofree char *serial = chain_cert_dup_serial (story->cm_b.cert);
  const char *serials[] = { serial, NULL };
  g_autoptr(ChainCrl) crl = test_story_crl (story->oem.issuer, serials, 1);

  append_ok (test_story_revocation (story, "oem", &story->oem.officer, story->oem.cert, serials, crl),
             &story->oem.officer);
}

/* CM B rotates to a new CA and enrols Bea under it (records NEXT and
 * NEXT + 1); with @revoke, the OEM then revokes CM B's first CA, and Bob
 * with it (NEXT + 2). */
static void
cm_b_rotates (gboolean revoke)
{
  g_autoptr(GError) error = NULL;

  cm_b2 = story->cm_b;
  cm_b2.key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  cm_b2.cert = forge_cm_b_ca (TEST_FORGE_CA, story->oem.key, story->oem.cert, story->cm_b.subject, cm_b2.key, 1, 0,
                              CM_B_CONSTRAINTS);
  cm_b2.issuer = chain_issuer_new (cm_b2.cert, cm_b2.key, chain_issuer_get_chain (story->oem.issuer), &error);
  test_assert_no_error (error);
  cm_b2.csr = NULL;
  cm_b2.officer_csr = NULL;
  memset (&cm_b2.officer, 0, sizeof cm_b2.officer);
  ck_assert_uint_eq (append_ok (test_story_rotation (story, "cm-b", &story->cm_b.officer, story->cm_b.cert, cm_b2.cert),
                                &story->cm_b.officer), NEXT);
  test_story_officer_make (&bea, &cm_b2, "Bea");
  ck_assert_uint_eq (append_ok (test_story_officer (story, "cm-b", &story->cm_b.officer, bea.cert),
                                &story->cm_b.officer), NEXT + 1);
  if (revoke)
    revoke_cm_b1 ();
}

static void
cm_b2_clear (void)
{
  test_story_officer_clear (&bea);
  g_clear_pointer (&cm_b2.key, chain_key_free);
  g_clear_pointer (&cm_b2.cert, chain_cert_free);
  g_clear_pointer (&cm_b2.issuer, chain_issuer_free);
}

static void
make_batch_issuer_revoked (Vector *v)
{
  ChainCert *devices[1] = { test_story_device (story->cm_b.issuer, "cm-b-0001") };

  (void) v;
  cm_b_rotates (TRUE);
  append_bad (test_story_batch (story, "cm-b", &bea, story->cm_b.cert, devices, 1, TRUE), &bea);
  chain_cert_free (devices[0]);
  cm_b2_clear ();
}

static TestParty dist_z;

static void
dist_z_make (TestParty *parent)
{
  dist_z.id = "dist-z";
  dist_z.name = "Dist Z";
  dist_z.tier = "distributor";
  dist_z.subject = "CN=Dist Z CA,OU=Dist Z,O=CM B,C=DE";
  dist_z.officer_subject = "CN=Zoe,OU=Dist Z,O=CM B,C=DE";
  dist_z.constraints = "OU=Dist Z,O=CM B,C=DE";
  test_story_party_make (story, &dist_z, parent, 0, story->now - DAY, story->now + 1000 * DAY);
}

/* Bea delegates Dist Z a CA CM B's revoked first CA issued. */
static void
make_delegation_issuer_revoked (Vector *v)
{
  g_autofree char *request = NULL;

  (void) v;
  cm_b_rotates (TRUE);
  dist_z_make (&story->cm_b);
  ck_assert_uint_eq (append_ok (test_story_request (story, &story->cm_b, &bea, &dist_z), &bea), NEXT + 3);
  request = last_statement_id ();
  append_bad (test_story_delegation (story, &story->cm_b, &bea, &dist_z, request, dist_z.cert), &bea);
  test_story_party_clear (&dist_z);
  cm_b2_clear ();
}

/* Dist Z, delegated under CM B's new CA, rotates to a CA that CM B's
 * revoked first CA issued. */
static void
make_rotation_issuer_revoked (Vector *v)
{
  g_autofree char *request = NULL;
  g_autofree char *delegation = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  g_autoptr(ChainCert) ca = NULL;
  TestForge forge = { TEST_FORGE_CA, story->cm_b.key, story->cm_b.cert, NULL, NULL, 0, 0, 0,
                      "permitted:dirName:OU=Dist Z,O=CM B,C=DE", NULL, FALSE };

  (void) v;
  cm_b_rotates (FALSE);
  dist_z_make (&cm_b2);
  append_ok (test_story_request (story, &story->cm_b, &bea, &dist_z), &bea);
  request = last_statement_id ();
  append_ok (approval_with ("cm-b", &story->cm_b.officer, request, "approve"), &story->cm_b.officer);
  append_ok (test_story_delegation (story, &story->cm_b, &bea, &dist_z, request, dist_z.cert), &bea);
  delegation = last_statement_id ();
  append_ok (test_story_acceptance (story, &dist_z, delegation), &dist_z.officer);
  revoke_cm_b1 ();
  forge.subject = dist_z.subject;
  forge.key = key;
  forge.not_before = story->now - DAY;
  forge.not_after = story->now + 365 * DAY;
  ca = test_story_forge (&forge);
  append_bad (test_story_rotation (story, "dist-z", &dist_z.officer, dist_z.cert, ca), &dist_z.officer);
  test_story_party_clear (&dist_z);
  cm_b2_clear ();
}

/* ---- Objects, and exports ----------------------------------------------------------- */

/* The tip re-made on tree @tree by its last appender, @officer. */
static void
main_with_tree (const char        *tree,
                const TestOfficer *officer)
{
  g_autofree char *tip = GIT ("rev-parse", "refs/heads/main");
  g_autofree char *raw = raw_commit (tip);
  g_autofree char *text = test_commit_without_signature (raw);
  g_autofree char *old_line = g_strndup (text, 45);
  g_autofree char *new_line = g_strdup_printf ("tree %s", tree);
  g_autofree char *edited = replace_once (text, old_line, new_line);
  g_autofree char *id = test_commit_write_signed (story->path, edited, officer);

  set_main (id);
}

#define NEXT_DIR "records/0000/00/00000019-annotation/"

/* An annotation appended as valid; its statement.json is left out of
 * the bundle. */
static void
make_object_missing (Vector *v)
{
  g_autofree char *spec = NULL;

  append_ok (test_story_annotation (story, "oem", &story->oem.officer, "hello"), &story->oem.officer);
  spec = g_strconcat ("refs/heads/main:" NEXT_DIR, "statement.json", NULL);
  v->omit = GIT ("rev-parse", spec);
}

/* An annotation whose tree lists, as its statement.json, a tree object. */
static void
make_object_corrupt (Vector *v)
{
  g_autofree char *empty = GIT_IN ("", "mktree");
  g_autofree char *tip = NULL;
  g_autofree char *info = g_strdup_printf ("100644 %s\t" NEXT_DIR "statement.json\n", empty);
  g_autofree char *tree = NULL;

  (void) v;
  append_ok (test_story_annotation (story, "oem", &story->oem.officer, "hello"), &story->oem.officer);
  tip = GIT ("rev-parse", "refs/heads/main");
  tree = tree_edited (tip, info);
  main_with_tree (tree, &story->oem.officer);
}

/* The tip re-made with a 300 KiB message, signed again by its officer:
 * git parses it, the format allows 256 KiB. */
static void
make_commit_too_large (Vector *v)
{
  g_autofree char *padding = g_strnfill (300 * 1024, 'x');
  g_autofree char *message = g_strconcat ("revocation #18 by dist-x\n\n", padding, NULL);

  (void) v;
  resign_tip_edited ("revocation #18 by dist-x\n", message);
}

/* The story with an export directory beside it (file @v->arg names). */
static void
make_export_dir (Vector *v)
{
  const char *name = v->arg;

  v->whole = TRUE;
  v->export_name = name;
  if (strcmp (name, TEST_STORY_EXPORT_NAME) == 0)
    {
      g_autofree char *pem = g_strndup (g_bytes_get_data (story->export_content, NULL),
                                        g_bytes_get_size (story->export_content));

      /* The exported root with one more line break. */
      v->export_content = g_strconcat (pem, "\n", NULL);
    }
  else
    v->export_content = g_strdup ("not exported by this ledger\n");
}

/* ---- Witnessed checkpoints ------------------------------------------------ */

/* The digest of record @seq's record.json: the last one in its commit's tree
 * (record directories sort by sequence number). */
static char *
record_digest_at (guint64 seq)
{
  g_autofree char *commit = commit_at (seq);
  g_autofree char *listing = GIT ("ls-tree", "-r", "--name-only", commit);
  g_auto(GStrv) paths = g_strsplit (listing, "\n", -1);
  const char *last = NULL;
  g_autofree char *content = NULL;

  for (guint i = 0; paths[i] != NULL; i++)
    if (g_str_has_suffix (paths[i], "/record.json"))
      last = paths[i];
  ck_assert_ptr_nonnull (last);
  content = file_at (commit, last);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, content, -1);
}

/* A note @party's @officer signs, as chain_checkpoint_sign() makes it. */
static char *
checkpoint_note (const char        *ledger_id,
                 guint64            seq,
                 const char        *digest,
                 const char        *commit,
                 const TestParty   *party,
                 const TestOfficer *officer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) note = chain_checkpoint_sign (ledger_id, seq, digest, commit, story->now, party->id,
                                                  officer->key, &error);

  ck_assert_msg (note != NULL, "chain_checkpoint_sign: %s", error != NULL ? error->message : "");
  return g_strndup (g_bytes_get_data (note, NULL), g_bytes_get_size (note));
}

/* A note of @party's first officer on record @seq as main holds it. */
static char *
checkpoint_note_at (const TestParty *party,
                    guint64          seq)
{
  g_autofree char *commit = commit_at (seq);
  g_autofree char *digest = record_digest_at (seq);

  return checkpoint_note (story->ledger_id, seq, digest, commit, party, &party->officer);
}

/* refs/checkpoints/@custodian at a commit without parents whose tree holds
 * @note as its one file, "checkpoint" (docs/ledger-format.md). */
static void
set_checkpoint (const char *custodian,
                const char *note)
{
  g_autofree char *blob = GIT_IN (note, "hash-object", "-w", "--stdin");
  g_autofree char *listing = g_strdup_printf ("100644 blob %s\t" CHAIN_CHECKPOINT_FILE "\n", blob);
  g_autofree char *tree = GIT_IN (listing, "mktree");
  g_autofree char *commit = GIT ("commit-tree", tree, "-m", "checkpoint");
  g_autofree char *ref = g_strconcat (CHAIN_CHECKPOINT_REF_PREFIX, custodian, NULL);

  g_free (GIT ("update-ref", ref, commit));
}

static void
make_checkpoints (Vector *v)
{
  g_autofree char *oem = checkpoint_note_at (&story->oem, TIP);
  g_autofree char *cm_a = checkpoint_note_at (&story->cm_a, TEST_STORY_DELEGATE_DIST_X);

  (void) v;
  set_checkpoint (story->oem.id, oem);
  set_checkpoint (story->cm_a.id, cm_a);
}

static void
make_checkpoint_garbage (Vector *v)
{
  (void) v;
  set_checkpoint (story->oem.id, "libchain-checkpoint 1\nnot a checkpoint\n");
}

static void
make_checkpoint_other_ledger (Vector *v)
{
  g_autofree char *other = chain_statement_new_id ();
  g_autofree char *commit = commit_at (TIP);
  g_autofree char *digest = record_digest_at (TIP);
  g_autofree char *note = checkpoint_note (other, TIP, digest, commit, &story->oem, &story->oem.officer);

  (void) v;
  set_checkpoint (story->oem.id, note);
}

static void
make_checkpoint_foreign_officer (Vector *v)
{
  g_autofree char *commit = commit_at (TIP);
  g_autofree char *digest = record_digest_at (TIP);
  /* The OEM's note, signed by CM A's officer Alice. */
  g_autofree char *note = checkpoint_note (story->ledger_id, TIP, digest, commit, &story->oem, &story->cm_a.officer);

  (void) v;
  set_checkpoint (story->oem.id, note);
}

static void
make_checkpoint_broken_signature (Vector *v)
{
  g_autofree char *note = checkpoint_note_at (&story->oem, TIP);
  char *signature = strstr (note, "\nsignature ");
  char *at;

  (void) v;
  ck_assert_ptr_nonnull (signature);
  /* One base64 digit in the middle of the signature, changed. */
  at = signature + strlen ("\nsignature ") + 20;
  *at = *at == 'A' ? 'B' : 'A';
  set_checkpoint (story->oem.id, note);
}

static void
make_checkpoint_other_digest (Vector *v)
{
  g_autofree char *commit = commit_at (TEST_STORY_BATCH_DIST_X);
  g_autofree char *digest = record_digest_at (TEST_STORY_POP);
  g_autofree char *note = checkpoint_note (story->ledger_id, TEST_STORY_BATCH_DIST_X, digest, commit,
                                           &story->oem, &story->oem.officer);

  (void) v;
  set_checkpoint (story->oem.id, note);
}

static void
make_checkpoint_beyond_main (Vector *v)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "a record main never held", -1);
  g_autofree char *commit = g_compute_checksum_for_string (G_CHECKSUM_SHA1, "a commit main never held", -1);
  g_autofree char *note = checkpoint_note (story->ledger_id, NEXT, digest, commit, &story->oem, &story->oem.officer);

  (void) v;
  set_checkpoint (story->oem.id, note);
}

/* ---- Cases: TPM evidence (vector-tpm.h) ---------------------------------------- */

#define TPM_NEXT 2

static void
make_tpm_story (Vector *v)
{
  v->standalone = TRUE;
  v->root = tpm->root_thumbprint;
}

/* A copy of @evidence with string member @name set to @value. */
static ChainJson *
evidence_with (ChainJson  *evidence,
               const char *name,
               const char *value)
{
  ChainJson *copy = chain_json_new_object ();

  for (gsize i = 0; i < chain_json_object_get_size (evidence); i++)
    chain_json_object_set_string (copy, chain_json_object_get_key_at (evidence, i),
                                  chain_json_get_string (chain_json_object_get_value_at (evidence, i)));
  chain_json_object_set_string (copy, name, value);
  return copy;
}

/* The TPM ledger with one more officer record: @officer, @evidence. */
static void
append_tpm_officer (Vector    *v,
                    ChainCert *officer,
                    ChainJson *evidence)
{
  g_autoptr(ChainStatement) st = vector_tpm_officer (tpm, officer, evidence);

  make_tpm_story (v);
  test_story_append_unchecked (story, st, &story->oem.officer);
}

static void
make_tpm_format (Vector *v)
{
  g_autoptr(ChainJson) evidence = evidence_with (tpm->tpm_evidence, "comment", "trust me");

  append_tpm_officer (v, tpm->tpm_cert, evidence);
}

static void
make_tpm_attributes (Vector *v)
{
  append_tpm_officer (v, tpm->loose_cert, tpm->loose_evidence);
}

static void
make_tpm_key (Vector *v)
{
  append_tpm_officer (v, tpm->tpm_cert, tpm->other_evidence);
}

static void
make_tpm_signature (Vector *v)
{
  const char *text = chain_json_get_string (chain_json_object_get_member (tpm->tpm_evidence, "signature"));
  gsize len = 0;
  g_autofree guchar *raw = g_base64_decode (text, &len);
  g_autofree char *flipped = NULL;
  g_autoptr(ChainJson) evidence = NULL;

  raw[len - 1] ^= 0x01;
  flipped = g_base64_encode (raw, len);
  evidence = evidence_with (tpm->tpm_evidence, "signature", flipped);
  append_tpm_officer (v, tpm->tpm_cert, evidence);
}

static void
make_tpm_name (Vector *v)
{
  ChainJson *other = tpm->other_evidence;
  g_autoptr(ChainJson) half = evidence_with (tpm->tpm_evidence, "attest",
                                             chain_json_get_string (chain_json_object_get_member (other, "attest")));
  g_autoptr(ChainJson) evidence = evidence_with (half, "signature",
                                                 chain_json_get_string (chain_json_object_get_member (other,
                                                                                                      "signature")));

  append_tpm_officer (v, tpm->tpm_cert, evidence);
}

static void
make_tpm_ek (Vector *v)
{
  g_autofree char *der = g_base64_encode (g_bytes_get_data (tpm->foreign_ek, NULL),
                                          g_bytes_get_size (tpm->foreign_ek));
  g_autoptr(ChainJson) evidence = evidence_with (tpm->tpm_evidence, "ek_certificate", der);

  append_tpm_officer (v, tpm->tpm_cert, evidence);
}

static void
make_tpm_required (Vector *v)
{
  append_tpm_officer (v, tpm->file_cert, NULL);
}

/* ---- Cases: device quotas ------------------------------------------------------ */

/* A quota record by CM A for @custodian, signed by both its officers: the
 * delegation threshold, so it is in force once applied. */
static ChainStatement *
quota_by_cm_a (const char *custodian,
               gint64      max_devices)
{
  ChainJson *body = chain_json_new_object ();
  ChainStatement *st = NULL;

  chain_json_object_set_string (body, "custodian", custodian);
  chain_json_object_set_integer (body, "max_devices", max_devices);
  st = test_story_statement (story, CHAIN_RECORD_TYPE_QUOTA, "cm-a", body, &story->cm_a.officer);
  test_story_sign (st, &story->cm_a2);
  return st;
}

/* One more device by Dist X, dist-x-0100, certificate included. */
static ChainStatement *
dist_x_batch_of_one (void)
{
  ChainCert *devices[1] = { test_story_device (story->dist_x.issuer, "dist-x-0100") };
  ChainStatement *st = test_story_batch (story, "dist-x", &story->dist_x.officer, story->dist_x.cert, devices, 1, TRUE);

  chain_cert_free (devices[0]);
  return st;
}

static void
make_quota_custodian (Vector *v)
{
  (void) v;
  append_bad (quota_by_cm_a ("cm-b", 10), &story->cm_a.officer);
}

static void
make_quota_below_issued (Vector *v)
{
  (void) v;
  append_bad (quota_by_cm_a ("dist-x", 2), &story->cm_a.officer);
}

/* A quota of @v->arg devices in force for Dist X (three issued), then
 * one device more. */
static void
make_quota_then_batch (Vector *v)
{
  const gint64 *max_devices = v->arg;

  ck_assert_uint_eq (append_ok (quota_by_cm_a ("dist-x", *max_devices), &story->cm_a.officer), NEXT);
  ck_assert_uint_eq (append_raw (dist_x_batch_of_one (), &story->dist_x.officer), NEXT + 1);
}

/* Each a ledger of its own (vector-tpm.h): the genesis differs from the
 * story's, so the bundle holds the whole ledger and its trusted root is
 * the TPM ledger's. */
static const VectorCase tpm_cases[] = {
  { "valid-tpm-evidence", NULL, LEDGER_LEVEL,
    "a ledger whose policy trusts a TPM maker: genesis (root CA and officer keys in the TPM) and an officer record, "
    "each key with TPM evidence", make_tpm_story },
  { "tpm-evidence-format", "tpm-evidence.format", TPM_NEXT,
    "an officer record whose TPM evidence has an unknown member", make_tpm_format },
  { "tpm-evidence-attributes", "tpm-evidence.attributes", TPM_NEXT,
    "an officer key the TPM made but may let leave it (neither fixedTPM nor fixedParent), its evidence genuine",
    make_tpm_attributes },
  { "tpm-evidence-key", "tpm-evidence.key", TPM_NEXT,
    "an officer record carrying the genuine evidence of another TPM key", make_tpm_key },
  { "tpm-evidence-signature", "tpm-evidence.signature", TPM_NEXT,
    "an officer record whose TPM evidence has one bit of its signature flipped", make_tpm_signature },
  { "tpm-evidence-name", "tpm-evidence.name", TPM_NEXT,
    "an officer record whose evidence carries the TPM's genuine certification of another key", make_tpm_name },
  { "tpm-evidence-ek", "tpm-evidence.ek", TPM_NEXT,
    "an officer record whose evidence carries an EK certificate of a TPM maker the policy does not trust",
    make_tpm_ek },
  { "tpm-evidence-required", "tpm-evidence.required", TPM_NEXT,
    "an officer record enrolling a file key (no TPM evidence) where the policy trusts a TPM maker",
    make_tpm_required },
};

/* ---- The cases ------------------------------------------------------------ */

static const VectorCase cases[] = {
  { "valid-story", NULL, LEDGER_LEVEL, "the three-tier story, 19 records: every record type the story uses, valid",
    make_story },
  { "valid-bookkeeping-refs", NULL, LEDGER_LEVEL,
    "refs/remotes/origin/main at record 5 and refs/chain/sent/bundle at the tip: libchain's own refs are allowed",
    make_bookkeeping_refs },
  { "valid-checkpoints", NULL, LEDGER_LEVEL,
    "refs/checkpoints/oem (Olivia, record 18) and refs/checkpoints/cm-a (Alice, record 13): witnessed checkpoints",
    make_checkpoints },
  { "checkpoint-format-garbage", "checkpoint.format", LEDGER_LEVEL,
    "refs/checkpoints/oem holds a note that does not parse", make_checkpoint_garbage },
  { "checkpoint-format-other-ledger", "checkpoint.format", LEDGER_LEVEL,
    "refs/checkpoints/oem holds a note of another ledger id, well signed", make_checkpoint_other_ledger },
  { "checkpoint-signature-foreign-officer", "checkpoint.signature", LEDGER_LEVEL,
    "the OEM's checkpoint signed by CM A's officer Alice", make_checkpoint_foreign_officer },
  { "checkpoint-signature-broken", "checkpoint.signature", LEDGER_LEVEL,
    "the OEM's checkpoint with one base64 digit of its signature changed", make_checkpoint_broken_signature },
  { "checkpoint-split-digest", "checkpoint.split", LEDGER_LEVEL,
    "the OEM's checkpoint names record 15's commit with record 16's record.json digest", make_checkpoint_other_digest },
  { "checkpoint-split-beyond-main", "checkpoint.split", LEDGER_LEVEL,
    "the OEM's checkpoint names record 19, which main does not hold", make_checkpoint_beyond_main },
  { "refs-second-branch", "refs.extra", LEDGER_LEVEL, "refs/heads/other at the tip: a second branch",
    make_second_branch },
  { "refs-tag", "refs.extra", LEDGER_LEVEL, "refs/tags/v1 at the tip", make_tag },
  { "refs-notes-unrelated-root", "refs.extra", LEDGER_LEVEL, "refs/notes/x at an unrelated root commit",
    make_notes_root },
  { "refs-remote-unrelated-root", "refs.root", LEDGER_LEVEL,
    "refs/remotes/origin/main (an allowed name) at an unrelated root commit", make_remote_root },
  { "refs-abandoned-merge-root", "refs.root", LEDGER_LEVEL,
    "refs/chain/abandoned/1 at a merge of the tip and an unrelated root", make_abandoned_merge_root },
  { "repo-head-master", "repo.head", LEDGER_LEVEL, "HEAD points at refs/heads/master, not refs/heads/main",
    make_head_master },
  { "repo-shallow", "repo.shallow", LEDGER_LEVEL,
    "a 'shallow' file naming record 12: git shows 7 of 19 records", make_shallow },
  { "history-grafts", "history.replace", LEDGER_LEVEL, "info/grafts gives record 16 record 15 as parent",
    make_grafts },
  { "history-replace-ref", "history.replace", LEDGER_LEVEL,
    "refs/replace/<record 16> makes git show an edited commit", make_replace_ref },
  { "history-empty", "history.empty", LEDGER_LEVEL, "no refs/heads/main", make_empty },
  { "history-rolled-back", "history.rewrite", 11,
    "main rolled back to record 10 while the reader pinned record 18", make_rolled_back },
  { "history-foreign-root", "history.root", 0, "the reader trusts another root than the genesis names",
    make_foreign_root },
  { "commit-merge", "commit.merge", NEXT, "a merge commit of the tip and the genesis on top", make_merge },
  { "commit-root", "commit.root", 0, "records 10 to 18 on a new root commit", make_orphan },
  { "commit-unsigned", "commit.unsigned", TIP, "the tip without its gpgsig header", make_unsigned },
  { "commit-signature", "commit.signature", TIP, "the tip's message edited, the signature kept",
    make_edited_commit },
  { "commit-moved-signature", "commit.moved-signature", TIP,
    "the tip's signature moved from its header into the message", make_moved_signature },
  { "commit-headers", "commit.headers", TIP, "the tip with an encoding header, signed again by its officer",
    make_tip_edit, &(const TipEdit) { NULL, "\n\n", "\nencoding ISO-8859-1\n\n" } },
  { "commit-signatures", "commit.signatures", TIP, "the tip signed by two officers in one CMS signature",
    make_two_signers },
  { "commit-signer-chain", "commit.signer-chain", TIP,
    "the tip signed by an officer under another root of the same name", make_signer_other_root },
  { "commit-signer-expired", "commit.signer-expired", TIP,
    "the tip signed by an officer certificate expired at the commit time", make_signer_expired },
  { "commit-signer-profile", "commit.signer-profile", TIP,
    "the tip signed by a certificate from the root without emailProtection", make_signer_profile },
  { "commit-signer-not-enrolled", "commit.signer", TIP,
    "the tip signed by a proper officer certificate the ledger never enrolled", make_signer_not_enrolled },
  { "commit-committer-name", "commit.committer", TIP,
    "the tip's committer name is not the signing officer's CN (e-mail right), signed again",
    make_tip_edit, &(const TipEdit) { NULL, "\ncommitter Xena <", "\ncommitter Olivia <" } },
  { "commit-committer-email", "commit.committer", TIP,
    "the tip's committer e-mail names another key, signed again", make_committer_email },
  { "commit-author", "commit.author", TIP, "the tip's author is not the statement's author, signed again",
    make_tip_edit, &(const TipEdit) { NULL, "\nauthor dist-x <dist-x@", "\nauthor cm-a <cm-a@" } },
  { "tree-extra", "tree.extra", TIP, "the tip adds README at the top level", make_tree_extra },
  { "tree-mode", "tree.mode", TIP, "the tip's record.json is executable (100755)", make_tree_mode },
  { "tree-changed", "tree.changed", TIP, "the tip changes an artifact of record 17", make_tree_changed },
  { "tree-record-path", "tree.record-path", TIP,
    "the tip's record directory named 00000018-annotation for a revocation", make_record_path },
  { "artifact-unlisted", "artifact.unlisted", TIP, "the tip's artifacts/ holds a file its statement does not list",
    make_artifact_unlisted },
  { "artifact-missing", "artifact.missing", TIP, "the tip's crl.pem removed", make_artifact_missing },
  { "artifact-digest", "artifact.digest", TIP, "the tip's crl.pem with one more byte", make_tip_edit,
    &(const TipEdit) { "artifacts/crl.pem", "-----END X509 CRL-----", "-----END X509 CRL-----\n" } },
  { "record-digest", "record.digest", TIP, "the tip's statement.json edited (reason)", make_tip_edit,
    &(const TipEdit) { "statement.json", "\"key-compromise\"", "\"superseded\"" } },
  { "record-format", "record.format", TIP, "the tip's record.json not canonical (a space)",
    make_tip_edit, &(const TipEdit) { "record.json", "{\"ledger\"", "{ \"ledger\"" } },
  { "record-prev", "record.prev", TIP, "the tip's record.json prev is not the previous record.json's digest",
    make_record_prev },
  { "record-sequence", "record.sequence", TIP, "the tip's record.json says seq 17", make_tip_edit,
    &(const TipEdit) { "record.json", "\"seq\":18", "\"seq\":17" } },
  { "statement-replay", "statement.replay", NEXT, "record 16's statement appended again", make_replay },
  { "statement-author", "statement.author", NEXT, "an annotation by a custodian the ledger does not know",
    make_unknown_author },
  { "record-ledger", "record.ledger", TIP, "the tip's record.json names another ledger id", make_record_ledger },
  { "statement-policy", "statement.policy", NEXT, "an annotation naming a policy never in force",
    make_other_policy },
  { "signature-unknown-key", "signature.unknown-key", NEXT, "an annotation by cm-a signed by an OEM officer",
    make_unknown_key },
  { "signature-officer-revoked", "signature.officer-revoked", NEXT + 1,
    "the OEM revokes Oscar's officer certificate; then an annotation signed by Oscar", make_officer_revoked },
  { "threshold-not-met", "threshold.not-met", NEXT, "a policy change signed by one of the two officers it needs",
    make_threshold },
  { "policy-rollback", "policy.rollback", NEXT + 1, "a policy change, then the earlier policy back",
    make_policy_rollback },
  { "annotation-text", "annotation.text", NEXT, "an empty annotation", make_annotation_empty },
  { "approval-target", "approval.target", NEXT, "an approval of a statement id that is no request",
    make_approval_target },
  { "export-target", "export.target", NEXT, "an export for target 'ftp'", make_export_target },
  { "revocation-not-issued", "revocation.not-issued", NEXT, "Dist X revokes a serial it never issued",
    make_revocation_not_issued },
  { "revocation-duplicate", "revocation.duplicate", NEXT, "Dist X revokes the revoked device again",
    make_revocation_again },
  { "revocation-serial-case", "statement.body", NEXT, "a revocation serial in upper-case hex",
    make_revocation_upper_case },
  { "serial-duplicate", "serial.duplicate", NEXT, "a device certificate with an earlier device's serial",
    make_duplicate_serial },
  { "batch-device-id-reused", "batch.device-id-reused", NEXT,
    "dist-x-0001 issued again while its first certificate is in force", make_device_id_reused },
  { "batch-device-id", "batch.device-id", NEXT, "a device id with '#'", make_device_id_bad },
  { "batch-tier", "batch.tier", NEXT, "the OEM, whose tier issues no devices, records a device batch",
    make_batch_tier },
  { "batch-issuer", "batch.issuer", NEXT, "Dist X records devices issued by CM A's CA", make_batch_issuer },
  { "statement-artifacts", "statement.artifacts", NEXT, "an annotation carrying an artifact",
    make_annotation_with_artifact },
  { "policy-author", "policy.author", NEXT, "a policy change by CM A, not the root custodian", make_policy_author },
  { "policy-invalid", "policy.invalid", NEXT, "a policy change to {\"version\":1}", make_policy_invalid },
  { "policy-tier-in-use", "policy.tier-in-use", NEXT, "a policy change renaming the first tier",
    make_policy_tier_in_use },
  { "officer-duplicate", "officer.duplicate", NEXT, "Oscar's officer certificate enrolled again",
    make_officer_duplicate },
  { "officer-custodian", "officer.custodian", NEXT, "an officer record by the OEM naming custodian cm-a",
    make_officer_custodian },
  { "officer-issuer", "officer.issuer", NEXT, "the OEM enrols an officer issued by CM A's CA", make_officer_issuer },
  { "officer-profile", "officer.profile", NEXT, "the OEM enrols a certificate without emailProtection",
    make_officer_profile },
  { "revocation-reason", "revocation.reason", NEXT, "a revocation with reason 'lost'", make_revocation_reason },
  { "revocation-issuer", "revocation.issuer", NEXT, "Dist X revokes naming CM A's CA as issuer",
    make_revocation_issuer },
  { "revocation-crl", "revocation.crl", NEXT, "a CRL that no longer lists the device revoked before",
    make_revocation_crl },
  { "export-ca", "export.ca", NEXT, "an export naming a device certificate as its CA", make_export_ca },
  { "export-files", "export.files", NEXT, "an export whose files map gives another digest", make_export_files },
  { "export-content", "export.content", NEXT, "an export of a device certificate", make_export_content },
  { "pop-target", "pop.target", NEXT, "a proof of possession for target 'gcp-iot'", make_pop_target },
  { "pop-code", "pop.code", NEXT, "a verification certificate whose CN is not the code", make_pop_code },
  { "pop-ca", "pop.ca", NEXT, "Dist X proves possession of the OEM's root", make_pop_ca },
  { "rotation-root", "rotation.root", NEXT, "the OEM rotates its root", make_rotation_root },
  { "approval-decision", "approval.decision", NEXT + 1, "an approval with decision 'maybe'",
    make_approval_decision },
  { "approval-author", "approval.author", NEXT + 1, "the OEM approves a request made to CM A",
    make_approval_author },
  { "approval-duplicate", "approval.duplicate", NEXT + 2, "Alan approves the same request twice",
    make_approval_duplicate },
  { "approval-pending", "approval.pending", NEXT + 2, "an approval of a rejected request", make_approval_pending },
  { "delegation-child", "delegation.child", NEXT + 2, "a delegation whose child is not the request's",
    make_delegation_child },
  { "delegation-csr", "delegation.csr", NEXT + 2, "a delegation of a CA with another key than the request's",
    make_delegation_csr },
  { "delegation-issuer", "delegation.issuer", NEXT + 2, "CM A delegates a CA the OEM issued",
    make_delegation_issuer },
  { "delegation-request", "delegation.request", NEXT + 2, "the OEM delegates for a request made to CM A",
    make_delegation_request },
  { "request-custodian", "request.custodian", NEXT, "a request for dist-x, which exists",
    make_request_custodian },
  { "request-tier", "request.tier", NEXT, "Dist X, whose tier delegates to none, records a request",
    make_request_tier },
  { "request-csr", "request.csr", NEXT, "a request whose two CSRs carry one key", make_request_csr },
  { "signature-officer-validity", "signature.officer-validity", NEXT + 1,
    "an OEM officer whose certificate starts ten days later signs an annotation", make_officer_not_yet_valid },
  { "delegation-path-length", "delegation.path-length", NEXT + 2,
    "a distributor CA with path length 1 (the tier allows 0)", make_dist_y_forged,
    &(const DistYForge) { TEST_FORGE_CA, 1, 0, DIST_Y_CONSTRAINTS } },
  { "delegation-validity", "delegation.validity", NEXT + 2, "a sub-CA valid beyond its issuer's validity",
    make_dist_y_forged, &(const DistYForge) { TEST_FORGE_CA, 0, 3500, DIST_Y_CONSTRAINTS } },
  { "delegation-name-constraints", "delegation.name-constraints", NEXT + 2,
    "a distributor CA without the permitted directoryName the tier requires", make_dist_y_forged,
    &(const DistYForge) { TEST_FORGE_CA, 0, 0, NULL } },
  { "delegation-profile", "delegation.profile", NEXT + 2, "a delegation of a certificate that is no CA",
    make_dist_y_forged, &(const DistYForge) { TEST_FORGE_OFFICER, -1, 0, NULL } },
  { "acceptance-delegation", "acceptance.delegation", NEXT + 3, "an acceptance of a statement that is no delegation",
    make_acceptance_delegation },
  { "acceptance-duplicate", "acceptance.duplicate", NEXT + 4, "a second acceptance of one delegation",
    make_acceptance_duplicate },
  { "acceptance-officer-key", "acceptance.officer-key", NEXT + 3,
    "an acceptance enrolling an officer with another key than the request's officer.csr",
    make_acceptance_officer_key },
  { "acceptance-issuer", "acceptance.issuer", NEXT + 3, "an acceptance enrolling an officer CM A's CA issued",
    make_acceptance_issuer },
  { "batch-profile", "batch.profile", NEXT, "a device certificate that is a CA", make_device_forged,
    &(const DeviceForge) { TEST_FORGE_CA, FALSE, DEVICE_SUBJECT, 0 } },
  { "batch-validity", "batch.validity", NEXT, "a device certificate valid beyond its issuer",
    make_device_forged, &(const DeviceForge) { TEST_FORGE_DEVICE, FALSE, DEVICE_SUBJECT, 1600 } },
  { "batch-name-constraints", "batch.name-constraints", NEXT,
    "a device certificate outside its issuer's name constraints", make_device_forged,
    &(const DeviceForge) { TEST_FORGE_DEVICE, FALSE, "CN=dist-x-0100,OU=Elsewhere,O=CM A,C=DE", 0 } },
  { "batch-certificates", "batch.certificates", NEXT, "a device certificate Dist X's CA did not sign",
    make_device_forged, &(const DeviceForge) { TEST_FORGE_DEVICE, TRUE, DEVICE_SUBJECT, 0 } },
  { "batch-count-zero", "batch.count", NEXT, "a device batch of zero devices", make_batch_empty },
  { "batch-device-id-plus", "batch.device-id", NEXT, "a device id with '+'", make_device_forged,
    &(const DeviceForge) { TEST_FORGE_DEVICE, FALSE, "CN=dist-x\\+0100,OU=Dist X,O=CM A,C=DE", 0 } },
  { "rotation-old", "rotation.old", NEXT, "CM B rotates a CA that is not its own", make_rotation_old },
  { "rotation-subject", "rotation.subject", NEXT, "a new CA with another subject", make_rotation_forged,
    &(const RotationForge) { TEST_FORGE_CA, FALSE, "CN=CM B2 CA,O=CM B,C=DE", FALSE, 1, 0, FALSE } },
  { "rotation-key", "rotation.key", NEXT, "a new CA with the old CA's key", make_rotation_forged,
    &(const RotationForge) { TEST_FORGE_CA, FALSE, NULL, TRUE, 1, 0, FALSE } },
  { "rotation-issuer", "rotation.issuer", NEXT, "a new CA issued by CM A, not by CM B's parent",
    make_rotation_forged, &(const RotationForge) { TEST_FORGE_CA, TRUE, NULL, FALSE, 0, 0, FALSE } },
  { "rotation-new", "rotation.new", NEXT, "the old CA given as the new one", make_rotation_new },
  { "rotation-path-length", "rotation.path-length", NEXT, "a new CA with path length 2 (the tier allows 1)",
    make_rotation_forged, &(const RotationForge) { TEST_FORGE_CA, FALSE, NULL, FALSE, 2, 0, FALSE } },
  { "rotation-validity", "rotation.validity", NEXT, "a new CA of 4000 days (the tier allows 3653)",
    make_rotation_forged, &(const RotationForge) { TEST_FORGE_CA, FALSE, NULL, FALSE, 1, 4000, FALSE } },
  { "rotation-name-constraints", "rotation.name-constraints", NEXT,
    "a new CA without the permitted directoryName the tier requires", make_rotation_forged,
    &(const RotationForge) { TEST_FORGE_CA, FALSE, NULL, FALSE, 1, 0, TRUE } },
  { "rotation-profile", "rotation.profile", NEXT, "a new CA that is no CA", make_rotation_forged,
    &(const RotationForge) { TEST_FORGE_OFFICER, FALSE, NULL, FALSE, -1, 0, TRUE } },
  { "officer-certificate", "officer.certificate", NEXT, "an officer record whose officer.pem is no certificate",
    make_officer_certificate },
  { "rotation-certificate", "rotation.certificate", NEXT, "a key rotation whose ca.pem is no certificate",
    make_rotation_certificate },
  { "delegation-certificate", "delegation.certificate", NEXT + 2, "a delegation whose ca.pem is no certificate",
    make_delegation_certificate },
  { "pop-certificate", "pop.certificate", NEXT, "a proof for the OEM's root with a certificate CM A's CA issued",
    make_pop_certificate },
  { "genesis-first", "genesis.first", 0, "a one-record ledger whose record 0 is an annotation", make_genesis_first },
  { "genesis-once", "genesis.once", NEXT, "a second genesis appended with plain git", make_genesis_once },
  { "genesis-custodian", "genesis.custodian", 0, "a one-record ledger: the genesis custodian is not its author",
    make_genesis_fault, &(const GenesisFault) { GENESIS_CUSTODIAN } },
  { "genesis-policy", "genesis.policy", 0,
    "a one-record ledger: the genesis carries another policy than the one it names", make_genesis_fault,
    &(const GenesisFault) { GENESIS_POLICY } },
  { "genesis-root", "genesis.root", 0, "a one-record ledger: root.pem is CM A's sub-CA, not self-signed",
    make_genesis_fault, &(const GenesisFault) { GENESIS_ROOT } },
  { "genesis-officer", "genesis.officer", 0, "a one-record ledger: officer.pem is CM A's officer, not the root's",
    make_genesis_fault, &(const GenesisFault) { GENESIS_OFFICER } },
  { "statement-ledger", "statement.ledger", NEXT,
    "an annotation signed for another ledger, appended with plain git (record.json names this one)",
    make_statement_ledger },
  { "signature-invalid", "signature.invalid", NEXT,
    "an annotation whose signatures.json is another annotation's, by the same officer", make_signature_invalid },
  { "signature-duplicate-key", "signature.duplicate-key", NEXT,
    "an annotation whose signatures.json lists its one signature twice", make_signature_duplicate_key },
  { "record-time-order", "record.time-order", TIP,
    "the tip's commit dated 30 minutes before the record it follows, signed again", make_time_order },
  { "record-time-future", "record.time-future", NEXT, "an annotation dated a day after the commit appending it",
    make_time_future },
  { "officer-algorithm", "officer.algorithm", NEXT + 1,
    "a policy change forbids ec-p384; then the OEM enrols a P-384 officer", make_officer_algorithm },
  { "batch-algorithm", "batch.algorithm", NEXT + 1, "a policy change forbids ec-p384; then a P-384 device",
    make_batch_algorithm },
  { "rotation-algorithm", "rotation.algorithm", NEXT + 1, "a policy change forbids ec-p384; then a P-384 CA for CM B",
    make_rotation_algorithm },
  { "request-algorithm", "request.algorithm", NEXT + 1,
    "a policy change forbids ec-p384; then a request whose ca.csr has a P-384 key", make_request_algorithm },
  { "delegation-algorithm", "delegation.algorithm", NEXT + 2,
    "a request with a P-384 ca.csr; a policy change forbids ec-p384; then the delegation", make_delegation_algorithm },
  { "delegation-tier", "delegation.tier", NEXT + 2,
    "Dist Y's request; a policy change lets manufacturers delegate to nobody; then the delegation",
    make_delegation_tier },
  { "delegation-chain", "delegation.chain", NEXT + 2, "a sub-CA with a critical extension no verifier knows",
    make_delegation_chain },
  { "rotation-chain", "rotation.chain", NEXT, "a new CA with a critical extension no verifier knows",
    make_rotation_chain },
  { "delegation-body", "delegation.body", NEXT + 2, "a delegation whose body says path_len 1 for a CA of 0",
    make_delegation_body },
  { "request-parent", "request.parent", NEXT, "CM A records a request naming the OEM as parent",
    make_request_parent },
  { "acceptance-author", "acceptance.author", NEXT + 3, "Dist X accepts the delegation to Dist Y",
    make_acceptance_fault, &(const AcceptanceFault) { ACCEPTANCE_AUTHOR } },
  { "acceptance-certificate", "acceptance.certificate", NEXT + 3, "an acceptance whose officer.pem is no certificate",
    make_acceptance_fault, &(const AcceptanceFault) { ACCEPTANCE_CERTIFICATE } },
  { "acceptance-profile", "acceptance.profile", NEXT + 3, "an acceptance of an officer without emailProtection",
    make_acceptance_fault, &(const AcceptanceFault) { ACCEPTANCE_PROFILE } },
  { "acceptance-algorithm", "acceptance.algorithm", NEXT + 4,
    "a policy change forbids ec-p384 after the delegation; then a P-384 officer accepts", make_acceptance_fault,
    &(const AcceptanceFault) { ACCEPTANCE_ALGORITHM } },
  { "batch-issuer-revoked", "batch.issuer-revoked", NEXT + 3,
    "CM B rotates its CA, enrols Bea, the OEM revokes CM B's first CA; Bea records devices it issued",
    make_batch_issuer_revoked },
  { "delegation-issuer-revoked", "delegation.issuer-revoked", NEXT + 4,
    "as batch-issuer-revoked; then Bea delegates Dist Z a CA CM B's revoked first CA issued",
    make_delegation_issuer_revoked },
  { "rotation-issuer-revoked", "rotation.issuer-revoked", NEXT + 7,
    "Dist Z delegated under CM B's new CA; CM B's first CA revoked; Dist Z rotates to a CA that one issued",
    make_rotation_issuer_revoked },
  { "batch-manifest", "batch.manifest", NEXT, "a device batch whose manifest.csv lacks its header line",
    make_batch_manifest, &(const BatchManifest) { FALSE, "dist-x-0100" } },
  { "batch-device-id-long", "batch.device-id", NEXT, "a device id of 65 characters (at most 64)",
    make_batch_manifest,
    &(const BatchManifest) { TRUE, "dist-x-0100-0123456789-0123456789-0123456789-0123456789-012345678" } },
  { "revocation-serials-empty", "statement.body", NEXT, "a revocation listing no serial",
    make_revocation_empty },
  { "key-store-hardware", "key-store.hardware", NEXT + 1,
    "a policy change requires hardware keys for the oem tier; then an officer whose key is a file",
    make_key_store_hardware },
  { "object-missing", "object.missing", NEXT,
    "an annotation appended as valid; its statement.json blob is not in the bundle", make_object_missing },
  { "object-corrupt", "object.corrupt", NEXT,
    "an annotation whose tree lists a tree object as its statement.json, signed again", make_object_corrupt },
  { "commit-format", "commit.format", TIP, "the tip with a 300 KiB message (at most 256 KiB), signed again",
    make_commit_too_large },
  { "export-mismatch", "export.mismatch", TEST_STORY_EXPORT,
    "the story with an export directory whose root.pem differs from the exported one", make_export_dir,
    TEST_STORY_EXPORT_NAME },
  { "export-unrecorded", "export.unrecorded", LEDGER_LEVEL,
    "the story with an export directory holding a file no export record names", make_export_dir, "other.pem" },
  { "valid-quota", NULL, LEDGER_LEVEL,
    "CM A sets Dist X a quota of 4 devices (three issued; both officers sign); then Dist X issues a fourth",
    make_quota_then_batch, &(const gint64) { 4 } },
  { "quota-custodian", "quota.custodian", NEXT, "CM A sets a quota for CM B, which the OEM delegated to",
    make_quota_custodian },
  { "quota-below-issued", "quota.below-issued", NEXT,
    "CM A sets Dist X a quota of 2 devices; Dist X issued three already", make_quota_below_issued },
  { "quota-exceeded", "quota.exceeded", NEXT + 1,
    "CM A sets Dist X a quota of 3 devices (three issued); then Dist X issues a fourth", make_quota_then_batch,
    &(const gint64) { 3 } },
};

/* Rules no vector breaks yet, and why (NULL: none written yet). The
 * manifest lists them, so that an implementer knows what the vectors do
 * not test; test-vectors fails on a rule in neither list. */
typedef struct {
  const char *rule;
  const char *reason;
} RuleWithoutVector;

static const RuleWithoutVector rules_without_vectors[] = {
  { NULL, NULL },  /* C has no empty array; a NULL rule is skipped */
};

/* ---- Writing and checking a vector ------------------------------------------ */

/* A bundle as `git bundle create @bundle @revs` writes it, without object
 * @omit: a repository rebuilt from it lacks that object. git refuses to
 * bundle a history with a hole in it, so the pack is made by hand. */
static void
write_bundle_without (const char *bundle,
                      GPtrArray  *revs,
                      const char *omit)
{
  g_autoptr(GPtrArray) list_argv = g_ptr_array_new ();
  g_autofree char *pack_base = g_build_filename (story->dir, "vector-pack", NULL);
  g_autofree char *objects = NULL;
  g_autofree char *pack_id = NULL;
  g_autofree char *pack_path = NULL;
  g_autofree char *pack = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) kept = g_string_new (NULL);
  g_autoptr(GString) header = g_string_new ("# v2 git bundle\n");
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize pack_len = 0;

  g_ptr_array_add (list_argv, (gpointer) "rev-list");
  g_ptr_array_add (list_argv, (gpointer) "--objects");
  for (guint i = 0; i < revs->len; i++)
    g_ptr_array_add (list_argv, g_ptr_array_index (revs, i));
  g_ptr_array_add (list_argv, NULL);
  objects = run_git (story->path, NULL, (const char *const *) list_argv->pdata);
  lines = g_strsplit (objects, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0' && !g_str_has_prefix (lines[i], omit))
      g_string_append_printf (kept, "%.40s\n", lines[i]);
  pack_id = GIT_IN (kept->str, "pack-objects", "-q", pack_base);
  pack_path = g_strdup_printf ("%s-%s.pack", pack_base, pack_id);
  ck_assert (g_file_get_contents (pack_path, &pack, &pack_len, NULL));

  g_string_append_printf (header, "-%s\n", base_tip);
  for (guint i = 0; i < revs->len; i++)
    {
      const char *rev = g_ptr_array_index (revs, i);

      if (rev[0] != '^')
        {
          g_autofree char *oid = GIT ("rev-parse", rev);

          g_string_append_printf (header, "%s %s\n", oid, rev);
        }
    }
  g_string_append_c (header, '\n');
  g_byte_array_append (out, (const guint8 *) header->str, (guint) header->len);
  g_byte_array_append (out, (const guint8 *) pack, (guint) pack_len);
  test_support_write_file (bundle, (const char *) out->data, out->len);
}

/* The bundle of everything @v's repository holds beyond base.bundle: all
 * its refs, and the objects they reach that base.bundle's tip does not
 * (or, for a ref at or below that tip, its parent). */
static void
write_bundle (const Vector *v,
              const char   *bundle)
{
  g_autofree char *list = GIT ("for-each-ref", "--format=%(refname)");
  g_auto(GStrv) refs = g_strsplit (list, "\n", -1);
  g_autoptr(GPtrArray) revs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  gboolean below = FALSE;
  g_autofree char *err = NULL;
  int status;

  if (v->whole)
    {
      g_autofree char *base = g_build_filename (out_dir, "base.bundle", NULL);
      g_autofree char *data = NULL;
      gsize len = 0;

      ck_assert (g_file_get_contents (base, &data, &len, NULL));
      test_support_write_file (bundle, data, len);
      return;
    }
  for (guint i = 0; v->standalone && refs[i] != NULL && refs[i][0] != '\0'; i++)
    g_ptr_array_add (revs, g_strdup (refs[i]));
  for (guint i = 0; !v->standalone && refs[i] != NULL && refs[i][0] != '\0'; i++)
    {
      const char *is_ancestor[] = { "git", "-C", story->path, "merge-base", "--is-ancestor", refs[i], base_tip, NULL };

      g_ptr_array_add (revs, g_strdup (refs[i]));
      if (test_support_run (is_ancestor, NULL, NULL, NULL) == 0)
        {
          below = TRUE;
          g_ptr_array_add (revs, g_strconcat ("^", refs[i], "^", NULL));
        }
    }
  /* Every base commit, so that their trees stay out of the bundle too. */
  for (guint i = 0; !below && !v->standalone && base_commits[i] != NULL; i++)
    g_ptr_array_add (revs, g_strconcat ("^", base_commits[i], NULL));
  if (v->omit != NULL)
    {
      write_bundle_without (bundle, revs, v->omit);
      return;
    }
  g_ptr_array_add (argv, (gpointer) "git");
  g_ptr_array_add (argv, (gpointer) "-C");
  g_ptr_array_add (argv, story->path);
  g_ptr_array_add (argv, (gpointer) "bundle");
  g_ptr_array_add (argv, (gpointer) "create");
  g_ptr_array_add (argv, (gpointer) "-q");
  g_ptr_array_add (argv, (gpointer) bundle);
  for (guint i = 0; i < revs->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (revs, i));
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, NULL, NULL, &err);
  ck_assert_msg (status == 0, "git bundle create: %s", err);
}

/* Rebuilds vector @name as tests/vectors/README.md says, in @dir. */
static char *
materialize (const char *dir,
             const char *name,
             const Vector *v)
{
  g_autofree char *repo = g_build_filename (dir, name, NULL);
  g_autofree char *base = g_build_filename (out_dir, "base.bundle", NULL);
  g_autofree char *file_name = g_strconcat (name, ".bundle", NULL);
  g_autofree char *bundle = g_build_filename (out_dir, file_name, NULL);
  g_autofree char *refs = NULL;
  g_auto(GStrv) lines = NULL;

  g_free (GIT_AT (dir, "init", "-q", "--bare", repo));
  if (!v->whole && !v->standalone)
    g_free (GIT_AT (repo, "bundle", "unbundle", base));
  refs = GIT_AT (repo, "bundle", "unbundle", bundle);
  lines = g_strsplit (refs, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", 2);

      if (g_strv_length (fields) == 2)
        g_free (GIT_AT (repo, "update-ref", fields[1], fields[0]));
    }
  g_free (GIT_AT (repo, "symbolic-ref", "HEAD", v->head != NULL ? v->head : "refs/heads/main"));
  if (v->file_path != NULL)
    {
      g_autofree char *path = g_build_filename (repo, v->file_path, NULL);
      g_autofree char *parent = g_path_get_dirname (path);

      g_mkdir_with_parents (parent, 0755);
      test_support_write_file (path, v->file_content, strlen (v->file_content));
    }
  return g_steal_pointer (&repo);
}

/* Makes case @c, the @index-th of the manifest, and checks its verdict. */
static void
run_case (const VectorCase *c,
          guint             index)
{
  Vector v = { 0 };
  g_autofree char *file_name = g_strconcat (c->name, ".bundle", NULL);
  g_autofree char *bundle = g_build_filename (out_dir, file_name, NULL);
  g_autofree char *work = test_support_tmpdir_new ();
  g_autofree char *repo = NULL;
  g_autofree char *export_dir = NULL;
  g_autofree char *bundle_sha = NULL;
  g_autofree char *data = NULL;
  g_autoptr(ChainAuditReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) entry = chain_json_new_object ();
  g_autofree char *entry_text = NULL;
  g_autofree char *entry_name = g_strdup_printf ("%03u.json", index);
  g_autofree char *entries = g_build_filename (out_dir, ".entries", NULL);
  g_autofree char *entry_path = g_build_filename (entries, entry_name, NULL);
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;
  gsize len = 0;

  v.arg = c->arg;
  c->make (&v);
  write_bundle (&v, bundle);
  repo = materialize (work, c->name, &v);
  if (v.export_name != NULL)
    {
      g_autofree char *path = g_build_filename (work, "export", v.export_name, NULL);

      export_dir = g_build_filename (work, "export", NULL);
      g_mkdir_with_parents (export_dir, 0755);
      test_support_write_file (path, v.export_content, strlen (v.export_content));
    }

  options.trusted_root = v.root != NULL ? v.root : root_thumbprint;
  options.pinned_tip = v.pin;
  options.export_dir = export_dir;
  ck_assert (chain_audit_repository (repo, &options, &report, NULL, &error));
  test_assert_no_error (error);
  if (c->rule == NULL)
    {
      g_autofree char *text = chain_audit_report_to_text (report, FALSE);

      ck_assert_msg (chain_audit_report_is_ok (report), "%s: the audit failed:\n%s", c->name, text);
    }
  else
    {
      g_autofree char *text = chain_audit_report_to_text (report, FALSE);

      ck_assert_msg (!chain_audit_report_is_ok (report), "%s: the audit passed", c->name);
      ck_assert_msg (chain_audit_report_find (report, c->record, c->rule) != NULL,
                     "%s: no finding %s on record %" G_GINT64_FORMAT ":\n%s", c->name, c->rule, c->record, text);
    }

  ck_assert (g_file_get_contents (bundle, &data, &len, NULL));
  bundle_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
  chain_json_object_set_string (entry, "name", c->name);
  chain_json_object_set_string (entry, "description", c->description);
  chain_json_object_set_string (entry, "bundle", v.whole ? "base.bundle" : file_name);
  chain_json_object_set (entry, "on_base", chain_json_new_boolean (!v.whole && !v.standalone));
  chain_json_object_set_string (entry, "bundle_sha256", bundle_sha);
  chain_json_object_set_string (entry, "head", v.head != NULL ? v.head : "refs/heads/main");
  if (v.file_path != NULL)
    {
      ChainJson *files = chain_json_new_object ();

      chain_json_object_set_string (files, v.file_path, v.file_content);
      chain_json_object_set (entry, "files", files);
    }
  else
    chain_json_object_set (entry, "files", chain_json_new_object ());
  {
    ChainJson *export = chain_json_new_object ();

    if (v.export_name != NULL)
      chain_json_object_set_string (export, v.export_name, v.export_content);
    chain_json_object_set (entry, "export_dir", export);
  }
  chain_json_object_set (entry, "trusted_root",
                         v.root != NULL ? chain_json_new_string (v.root) : chain_json_new_string (root_thumbprint));
  chain_json_object_set (entry, "pinned_tip", v.pin != NULL ? chain_json_new_string (v.pin) : chain_json_new_null ());
  chain_json_object_set_string (entry, "verdict", c->rule == NULL ? "valid" : "invalid");
  chain_json_object_set (entry, "rule", c->rule != NULL ? chain_json_new_string (c->rule) : chain_json_new_null ());
  chain_json_object_set (entry, "record", c->rule != NULL && c->record >= 0 ? chain_json_new_integer (c->record)
                                                                             : chain_json_new_null ());
  entry_text = chain_json_to_pretty (entry);
  g_mkdir_with_parents (entries, 0755);
  test_support_write_file (entry_path, entry_text, strlen (entry_text));
  if (v.whole)
    g_unlink (bundle);
  g_free (v.pin);
  g_free (v.omit);
  g_free (v.export_content);
  g_free ((char *) (v.file_path != NULL ? v.file_content : NULL));
  test_support_tmpdir_remove (work);
}

START_TEST (test_vector)
{
  run_case (&cases[_i], (guint) _i);
}
END_TEST

START_TEST (test_tpm_vector)
{
  run_case (&tpm_cases[_i], (guint) (G_N_ELEMENTS (cases) + _i));
}
END_TEST

/* ---- The story, and the manifest ----------------------------------------------- */

static void
setup (void)
{
  g_setenv ("GIT_AUTHOR_NAME", "Mallory", TRUE);
  g_setenv ("GIT_AUTHOR_EMAIL", "mallory@example.invalid", TRUE);
  g_setenv ("GIT_COMMITTER_NAME", "Mallory", TRUE);
  g_setenv ("GIT_COMMITTER_EMAIL", "mallory@example.invalid", TRUE);
  story = g_steal_pointer (&master);
  test_story_use_copy (story);
  git_libgit2_init ();
}

static void
tpm_story_setup (void)
{
  tpm = vector_tpm_new ();
}

static void
tpm_story_teardown (void)
{
  g_clear_pointer (&tpm, vector_tpm_free);
}

/* The forked case works on a copy of the TPM ledger; the story is tpm's. */
static void
tpm_setup (void)
{
  g_setenv ("GIT_AUTHOR_NAME", "Mallory", TRUE);
  g_setenv ("GIT_AUTHOR_EMAIL", "mallory@example.invalid", TRUE);
  g_setenv ("GIT_COMMITTER_NAME", "Mallory", TRUE);
  g_setenv ("GIT_COMMITTER_EMAIL", "mallory@example.invalid", TRUE);
  git_libgit2_init ();
  vector_tpm_use_copy (tpm);
  story = tpm->story;
}

static void
tpm_teardown (void)
{
  story = NULL;
  git_libgit2_shutdown ();
}

static void
teardown (void)
{
  g_clear_pointer (&story, test_story_free);
  git_libgit2_shutdown ();
}

static void
story_setup (void)
{
  g_autofree char *base = g_build_filename (out_dir, "base.bundle", NULL);
  g_autofree char *err = NULL;
  const char *create[] = { "git", "-C", NULL, "bundle", "create", "-q", base, "refs/heads/main", NULL };

  master = test_story_new ();
  create[2] = master->path;
  ck_assert_msg (test_support_run (create, NULL, NULL, &err) == 0, "git bundle create: %s", err);
  story = master;
  base_tip = commit_at (TIP);
  {
    g_autofree char *list = GIT ("rev-list", "refs/heads/main");

    base_commits = g_strsplit (list, "\n", -1);
  }
  story = NULL;
  root_thumbprint = test_story_thumbprint (master->oem.cert);
}

static void
story_teardown (void)
{
  g_clear_pointer (&master, test_story_free);
}

static gboolean
write_manifest (void)
{
  g_autofree char *entries = g_build_filename (out_dir, ".entries", NULL);
  g_autofree char *manifest_path = g_build_filename (out_dir, "manifest.json", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  guint n_cases = G_N_ELEMENTS (cases) + G_N_ELEMENTS (tpm_cases);

  g_string_append (text, "{\n  \"format\": \"libchain-ledger-vectors 1\",\n  \"ledger_format\": 1,\n"
                         "  \"base\": \"base.bundle\",\n  \"vectors\": [\n");
  for (guint i = 0; i < n_cases; i++)
    {
      const VectorCase *c = i < G_N_ELEMENTS (cases) ? &cases[i] : &tpm_cases[i - G_N_ELEMENTS (cases)];
      g_autofree char *name = g_strdup_printf ("%03u.json", i);
      g_autofree char *path = g_build_filename (entries, name, NULL);
      g_autofree char *entry = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_file_get_contents (path, &entry, NULL, NULL))
        {
          g_printerr ("vector-gen: vector %s was not written\n", c->name);
          return FALSE;
        }
      lines = g_strsplit (g_strchomp (entry), "\n", -1);
      for (guint j = 0; lines[j] != NULL; j++)
        g_string_append_printf (text, "    %s%s\n", lines[j],
                                lines[j + 1] == NULL && i + 1 < n_cases ? "," : "");
      g_unlink (path);
    }
  g_rmdir (entries);
  g_string_append (text, "  ],\n  \"rules_without_vectors\": {");
  for (guint i = 0, n = 0; i < G_N_ELEMENTS (rules_without_vectors); i++)
    if (rules_without_vectors[i].rule != NULL)
      g_string_append_printf (text, "%s\n    \"%s\": \"%s\"", n++ > 0 ? "," : "", rules_without_vectors[i].rule,
                              rules_without_vectors[i].reason != NULL ? rules_without_vectors[i].reason
                                                                     : "no vector yet");
  g_string_append (text, "\n  }\n}\n");
  (void) data;
  (void) len;
  return g_file_set_contents (manifest_path, text->str, (gssize) text->len, NULL);
}

int
main (int    argc,
      char **argv)
{
  Suite *suite = suite_create ("vectors");
  TCase *tc = tcase_create ("vectors");
  TCase *tpm_tc = tcase_create ("tpm");
  SRunner *runner = NULL;
  int failed;

  if (argc != 2)
    {
      g_printerr ("usage: vector-gen OUTDIR\n");
      return 2;
    }
  out_dir = g_canonicalize_filename (argv[1], NULL);
  g_mkdir_with_parents (out_dir, 0755);
  tcase_set_timeout (tc, 600);
  tcase_add_unchecked_fixture (tc, story_setup, story_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_vector, 0, G_N_ELEMENTS (cases));
  suite_add_tcase (suite, tc);
  tcase_set_timeout (tpm_tc, 600);
  tcase_add_unchecked_fixture (tpm_tc, tpm_story_setup, tpm_story_teardown);
  tcase_add_checked_fixture (tpm_tc, tpm_setup, tpm_teardown);
  tcase_add_loop_test (tpm_tc, test_tpm_vector, 0, G_N_ELEMENTS (tpm_cases));
  suite_add_tcase (suite, tpm_tc);
  runner = srunner_create (suite);
  srunner_set_fork_status (runner, CK_FORK);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  if (failed > 0 || !write_manifest ())
    return 1;
  return 0;
}
