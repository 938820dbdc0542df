/* test-vectors.c — `chain audit` over the committed conformance vectors
 *
 * tests/vectors/ holds ledgers as git bundles with a manifest giving each
 * one's verdict and, for an invalid one, the rule and record a conforming
 * auditor reports (tests/vectors/README.md). Each vector is rebuilt here
 * exactly as the README tells another implementation to, audited with the
 * built `chain`, and judged. Two more checks keep the vectors honest:
 * every rule id the auditor has is covered by a vector or listed, with a
 * reason, among the rules without one; and the generator (vector-gen),
 * run afresh, still produces the manifest that is committed, so a vector
 * whose case changed cannot stay stale.
 */
#include "test-cli.h"
#include "test-support.h"

#include <glib/gstdio.h>
#include <string.h>

static ChainJson *manifest;

static char *
vectors_dir (void)
{
  const char *source = g_getenv ("CHAIN_SOURCE_DIR");

  ck_assert_msg (source != NULL, "CHAIN_SOURCE_DIR is not set");
  return g_build_filename (source, "tests", "vectors", NULL);
}

static ChainJson *
read_manifest (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  ChainJson *json = NULL;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      g_printerr ("test-vectors: %s\n", error->message);
      return NULL;
    }
  json = chain_json_parse (data, len, 4 * 1024 * 1024, &error);
  if (json == NULL)
    g_printerr ("test-vectors: %s: %s\n", path, error->message);
  return json;
}

static ChainJson *
vectors (ChainJson *doc)
{
  return chain_json_object_get_member (doc, "vectors");
}

static const char *
member_string (ChainJson  *object,
               const char *name)
{
  ChainJson *value = chain_json_object_get_member (object, name);

  return value != NULL && chain_json_get_value_type (value) == CHAIN_JSON_STRING ? chain_json_get_string (value)
                                                                                   : NULL;
}

static void
git_ok (const char *dir,
        const char *input,
        char      **out,
        const char *first,
        ...) G_GNUC_NULL_TERMINATED;

static void
git_ok (const char *dir,
        const char *input,
        char      **out,
        const char *first,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  va_list args;
  int status;

  g_ptr_array_add (argv, (gpointer) "git");
  g_ptr_array_add (argv, (gpointer) "-C");
  g_ptr_array_add (argv, (gpointer) dir);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  status = test_support_run ((const char *const *) argv->pdata, input, out, &err);
  ck_assert_msg (status == 0, "git %s failed: %s", first, err);
}

/* The README's steps: a bare repository, base.bundle's objects, the
 * vector's bundle with its refs, HEAD, and the extra files. */
static char *
materialize (const char *work,
             ChainJson  *vector)
{
  g_autofree char *dir = vectors_dir ();
  g_autofree char *repo = g_build_filename (work, "ledger.git", NULL);
  g_autofree char *base = g_build_filename (dir, "base.bundle", NULL);
  g_autofree char *bundle = g_build_filename (dir, member_string (vector, "bundle"), NULL);
  g_autofree char *refs = NULL;
  g_auto(GStrv) lines = NULL;
  ChainJson *files = chain_json_object_get_member (vector, "files");

  git_ok (work, NULL, NULL, "init", "-q", "--bare", repo, NULL);
  if (chain_json_get_boolean (chain_json_object_get_member (vector, "on_base")))
    git_ok (repo, NULL, NULL, "bundle", "unbundle", base, NULL);
  git_ok (repo, NULL, &refs, "bundle", "unbundle", bundle, NULL);
  lines = g_strsplit (refs, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", 2);

      if (g_strv_length (fields) == 2)
        git_ok (repo, NULL, NULL, "update-ref", fields[1], fields[0], NULL);
    }
  git_ok (repo, NULL, NULL, "symbolic-ref", "HEAD", member_string (vector, "head"), NULL);
  for (gsize i = 0; files != NULL && i < chain_json_object_get_size (files); i++)
    {
      g_autofree char *path = g_build_filename (repo, chain_json_object_get_key_at (files, i), NULL);
      g_autofree char *parent = g_path_get_dirname (path);
      const char *content = chain_json_get_string (chain_json_object_get_value_at (files, i));

      g_mkdir_with_parents (parent, 0755);
      test_support_write_file (path, content, strlen (content));
    }
  return g_steal_pointer (&repo);
}

/* Whether the report @doc has a finding @rule on record @record (-1: the ledger). */
static gboolean
report_has (ChainJson  *doc,
            const char *rule,
            gint64      record)
{
  ChainJson *ledger = chain_json_object_get_member (doc, "findings");
  ChainJson *records = chain_json_object_get_member (doc, "records");
  ChainJson *list = NULL;

  /* About the history as a whole, naming a record or none. */
  for (gsize i = 0; ledger != NULL && i < chain_json_array_get_length (ledger); i++)
    {
      ChainJson *finding = chain_json_array_get_element (ledger, i);
      ChainJson *seq = chain_json_object_get_member (finding, "seq");
      gint64 at = seq == NULL || chain_json_get_value_type (seq) == CHAIN_JSON_NULL ? -1 : chain_json_get_integer (seq);

      if (at == record && g_strcmp0 (member_string (finding, "rule"), rule) == 0)
        return TRUE;
    }
  if (record < 0 || records == NULL || (gsize) record >= chain_json_array_get_length (records))
    return FALSE;
  list = chain_json_object_get_member (chain_json_array_get_element (records, (gsize) record), "findings");
  for (gsize i = 0; list != NULL && i < chain_json_array_get_length (list); i++)
    if (g_strcmp0 (member_string (chain_json_array_get_element (list, i), "rule"), rule) == 0)
      return TRUE;
  return FALSE;
}

/* The vector's export directory in @work, or NULL when it has none. */
static char *
write_export_dir (const char *work,
                  ChainJson  *vector)
{
  ChainJson *files = chain_json_object_get_member (vector, "export_dir");
  g_autofree char *dir = g_build_filename (work, "export", NULL);

  if (files == NULL || chain_json_object_get_size (files) == 0)
    return NULL;
  g_mkdir_with_parents (dir, 0755);
  for (gsize i = 0; i < chain_json_object_get_size (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, chain_json_object_get_key_at (files, i), NULL);
      const char *content = chain_json_get_string (chain_json_object_get_value_at (files, i));

      test_support_write_file (path, content, strlen (content));
    }
  return g_steal_pointer (&dir);
}

START_TEST (test_vector_audit)
{
  ChainJson *vector = chain_json_array_get_element (vectors (manifest), (gsize) _i);
  const char *name = member_string (vector, "name");
  const char *verdict = member_string (vector, "verdict");
  const char *rule = member_string (vector, "rule");
  const char *pin = member_string (vector, "pinned_tip");
  ChainJson *record = chain_json_object_get_member (vector, "record");
  g_autofree char *work = test_support_tmpdir_new ();
  g_autofree char *repo = materialize (work, vector);
  g_autofree char *export_dir = write_export_dir (work, vector);
  g_autofree char *report_path = g_build_filename (work, "report.json", NULL);
  g_autofree char *report_text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(ChainJson) report = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  int status;

  g_ptr_array_add (args, (gpointer) "-C");
  g_ptr_array_add (args, repo);
  g_ptr_array_add (args, (gpointer) "audit");
  g_ptr_array_add (args, (gpointer) "--root");
  g_ptr_array_add (args, (gpointer) member_string (vector, "trusted_root"));
  if (pin != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--pin");
      g_ptr_array_add (args, (gpointer) pin);
    }
  if (export_dir != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--export-dir");
      g_ptr_array_add (args, export_dir);
    }
  g_ptr_array_add (args, (gpointer) "--report");
  g_ptr_array_add (args, report_path);
  g_ptr_array_add (args, NULL);
  status = test_cli_chain (NULL, (const char *const *) args->pdata, &out, &err);

  if (g_strcmp0 (verdict, "valid") == 0)
    ck_assert_msg (status == 0, "%s: chain audit exited %d: %s%s", name, status, out, err);
  else
    {
      ck_assert_str_eq (verdict, "invalid");
      ck_assert_msg (status == 3, "%s: chain audit exited %d, not 3: %s", name, status, err);
      test_cli_assert_error_line (name, err, NULL);
      ck_assert (g_file_get_contents (report_path, &report_text, NULL, NULL));
      report = test_cli_parse_json (name, report_text);
      ck_assert_msg (report_has (report, rule, chain_json_get_value_type (record) == CHAIN_JSON_NULL
                                                ? -1 : chain_json_get_integer (record)),
                     "%s: the report has no finding %s there:\n%s", name, rule, report_text);
    }
  test_support_tmpdir_remove (work);
}
END_TEST

/* The bundles are the ones the manifest names, byte for byte. */
START_TEST (test_vector_bundles)
{
  g_autofree char *dir = vectors_dir ();

  for (gsize i = 0; i < chain_json_array_get_length (vectors (manifest)); i++)
    {
      ChainJson *vector = chain_json_array_get_element (vectors (manifest), i);
      g_autofree char *path = g_build_filename (dir, member_string (vector, "bundle"), NULL);
      g_autofree char *data = NULL;
      g_autofree char *digest = NULL;
      gsize len = 0;

      ck_assert_msg (g_file_get_contents (path, &data, &len, NULL), "%s is missing", path);
      digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
      ck_assert_msg (g_strcmp0 (digest, member_string (vector, "bundle_sha256")) == 0, "%s differs from the manifest",
                     path);
      /* Small enough to commit: a few KiB on top of base.bundle. */
      ck_assert_msg (len <= 64 * 1024, "%s is %zu bytes", path, len);
    }
}
END_TEST

/* Rule ids the engine composes from a prefix (chain-ledger-checks.c), which
 * a scan for string literals cannot see. */
static const char *const composed_rules[] = {
  "delegation.profile", "delegation.algorithm", "delegation.path-length", "delegation.validity",
  "delegation.name-constraints", "delegation.chain", "delegation.issuer", "delegation.issuer-revoked",
  "rotation.profile", "rotation.algorithm", "rotation.path-length", "rotation.validity",
  "rotation.name-constraints", "rotation.chain", "rotation.issuer", "rotation.issuer-revoked",
  "officer.profile", "officer.algorithm", "officer.issuer",
  "acceptance.profile", "acceptance.algorithm", "acceptance.issuer",
  NULL
};

/* Literals of the rule id form that name files or settings (and "body.X",
 * JSON paths in messages). */
static const char *const not_rules[] = { "ca.csr", "officer.csr", "libchain.format", NULL };

/* Every rule id the auditor and the engine can report. */
static GHashTable *
auditor_rules (void)
{
  const char *source = g_getenv ("CHAIN_SOURCE_DIR");
  g_autofree char *libchain = g_build_filename (source, "libchain", NULL);
  g_autoptr(GDir) dir = g_dir_open (libchain, 0, NULL);
  g_autoptr(GRegex) literal = g_regex_new ("\"([a-z][a-z-]*\\.[a-z][a-z-]*)\"", 0, 0, NULL);
  GHashTable *rules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *name;

  ck_assert_ptr_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_autoptr(GMatchInfo) match = NULL;

      if (!g_str_has_suffix (name, ".c")
          || !(g_str_has_prefix (name, "chain-audit") || g_str_has_prefix (name, "chain-ledger-")))
        continue;
      path = g_build_filename (libchain, name, NULL);
      ck_assert (g_file_get_contents (path, &text, NULL, NULL));
      for (g_regex_match (literal, text, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
        {
          g_autofree char *id = g_match_info_fetch (match, 1);
          const char *dot = strrchr (id, '.');

          /* File names and header names, not rules. */
          if (strstr (".pem .csv .json .h .c", dot) != NULL || g_strv_contains (not_rules, id)
              || g_str_has_prefix (id, "body."))
            continue;
          g_hash_table_add (rules, g_steal_pointer (&id));
        }
    }
  for (guint i = 0; composed_rules[i] != NULL; i++)
    g_hash_table_add (rules, g_strdup (composed_rules[i]));
  return rules;
}

START_TEST (test_vector_coverage)
{
  g_autoptr(GHashTable) rules = auditor_rules ();
  g_autoptr(GHashTable) covered = g_hash_table_new (g_str_hash, g_str_equal);
  ChainJson *without = chain_json_object_get_member (manifest, "rules_without_vectors");
  GHashTableIter iter;
  gpointer key;

  ck_assert_uint_gt (g_hash_table_size (rules), 100);
  for (gsize i = 0; i < chain_json_array_get_length (vectors (manifest)); i++)
    {
      const char *rule = member_string (chain_json_array_get_element (vectors (manifest), i), "rule");

      if (rule != NULL)
        {
          ck_assert_msg (g_hash_table_contains (rules, rule), "vector rule %s is no rule of the auditor", rule);
          g_hash_table_add (covered, (gpointer) rule);
        }
    }
  ck_assert_ptr_nonnull (without);
  for (gsize i = 0; i < chain_json_object_get_size (without); i++)
    {
      const char *rule = chain_json_object_get_key_at (without, i);

      ck_assert_msg (g_hash_table_contains (rules, rule), "%s, listed without a vector, is no rule of the auditor",
                     rule);
      ck_assert_msg (!g_hash_table_contains (covered, rule), "%s has a vector; take it off rules_without_vectors",
                     rule);
    }
  g_hash_table_iter_init (&iter, rules);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    ck_assert_msg (g_hash_table_contains (covered, key) || chain_json_object_get_member (without, key) != NULL,
                   "rule %s has no vector and is not listed among rules_without_vectors: add a case to "
                   "tests/vector-gen.c and regenerate tests/vectors", (const char *) key);
}
END_TEST

/* What makes a manifest entry, without the bytes that change on each run. */
static char *
entry_summary (ChainJson *vector)
{
  ChainJson *record = chain_json_object_get_member (vector, "record");
  ChainJson *files = chain_json_object_get_member (vector, "files");
  ChainJson *export = chain_json_object_get_member (vector, "export_dir");
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s %s %s %s %s %s %" G_GINT64_FORMAT " pin:%s files:", member_string (vector, "name"),
                          member_string (vector, "verdict"), member_string (vector, "rule"),
                          member_string (vector, "head"), member_string (vector, "bundle"),
                          member_string (vector, "description"),
                          chain_json_get_value_type (record) == CHAIN_JSON_NULL ? -1 : chain_json_get_integer (record),
                          member_string (vector, "pinned_tip") != NULL ? "yes" : "no");
  for (gsize i = 0; i < chain_json_object_get_size (files); i++)
    g_string_append_printf (text, "%s,", chain_json_object_get_key_at (files, i));
  g_string_append (text, " export:");
  for (gsize i = 0; export != NULL && i < chain_json_object_get_size (export); i++)
    g_string_append_printf (text, "%s,", chain_json_object_get_key_at (export, i));
  return g_string_free (text, FALSE);
}

/* The committed vectors are what vector-gen makes today. */
START_TEST (test_vectors_fresh)
{
  const char *generator = g_getenv ("VECTOR_GEN");
  g_autofree char *work = test_support_tmpdir_new ();
  g_autofree char *manifest_path = g_build_filename (work, "manifest.json", NULL);
  const char *argv[] = { generator, work, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(ChainJson) fresh = NULL;
  g_autofree char *fresh_without = NULL;
  g_autofree char *committed_without = NULL;

  ck_assert_msg (generator != NULL, "VECTOR_GEN is not set");
  if (test_support_run (argv, NULL, &out, &err) != 0)
    {
      /* Check's messages are bounded: the whole output goes to stderr. */
      g_printerr ("%s%s", out, err);
      ck_abort_msg ("vector-gen failed; its output is above");
    }
  fresh = read_manifest (manifest_path);
  ck_assert_ptr_nonnull (fresh);
  ck_assert_uint_eq (chain_json_array_get_length (vectors (fresh)), chain_json_array_get_length (vectors (manifest)));
  for (gsize i = 0; i < chain_json_array_get_length (vectors (fresh)); i++)
    {
      g_autofree char *a = entry_summary (chain_json_array_get_element (vectors (fresh), i));
      g_autofree char *b = entry_summary (chain_json_array_get_element (vectors (manifest), i));

      ck_assert_msg (strcmp (a, b) == 0, "tests/vectors is stale; run `vector-gen tests/vectors`:\n"
                     "generated: %s\ncommitted: %s", a, b);
    }
  fresh_without = chain_json_to_pretty (chain_json_object_get_member (fresh, "rules_without_vectors"));
  committed_without = chain_json_to_pretty (chain_json_object_get_member (manifest, "rules_without_vectors"));
  ck_assert_msg (strcmp (fresh_without, committed_without) == 0,
                 "tests/vectors is stale (rules_without_vectors); run `vector-gen tests/vectors`");
  test_support_tmpdir_remove (work);
}
END_TEST

int
main (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  Suite *suite = suite_create ("vectors");
  TCase *audit = tcase_create ("audit");
  TCase *manifest_case = tcase_create ("manifest");
  int status;

  if (g_getenv ("CHAIN_SOURCE_DIR") == NULL)
    {
      g_printerr ("test-vectors: CHAIN_SOURCE_DIR is not set\n");
      return 1;
    }
  dir = g_build_filename (g_getenv ("CHAIN_SOURCE_DIR"), "tests", "vectors", NULL);
  path = g_build_filename (dir, "manifest.json", NULL);
  manifest = read_manifest (path);
  if (manifest == NULL || vectors (manifest) == NULL)
    return 1;
  tcase_add_loop_test (audit, test_vector_audit, 0, (int) chain_json_array_get_length (vectors (manifest)));
  tcase_add_test (manifest_case, test_vector_bundles);
  tcase_add_test (manifest_case, test_vector_coverage);
  /* Regenerating every vector takes minutes; the sanitizer build audits the
   * committed vectors above and leaves the staleness check to the normal build. */
  if (g_getenv ("VECTOR_GEN") != NULL)
    tcase_add_test (manifest_case, test_vectors_fresh);
  tcase_set_timeout (manifest_case, 900);
  suite_add_tcase (suite, audit);
  suite_add_tcase (suite, manifest_case);
  status = test_support_run_suite (suite);
  chain_json_unref (manifest);
  return status;
}
