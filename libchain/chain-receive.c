/* chain-receive.c — judging a push into a hosted ledger (the pre-receive hook)
 *
 * Each update line is judged on its own; a push is accepted only if no
 * line is refused. The new main is audited in a staging repository, a
 * temporary bare one whose objects/info/alternates lists git's quarantine
 * (where the pushed objects wait) and the hosted repository's objects, so
 * the auditor reads exactly what main would hold if git let the push in.
 */
#include "chain-receive.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <git2.h>
#include <string.h>
#include <glib/gstdio.h>

#include "chain-audit.h"
#include "chain-audit-resume-private.h"
#include "chain-checkpoint.h"
#include "chain-error.h"
#include "chain-ledger-private.h"
#include "chain-receive-cache-private.h"
#include "chain-receive-queue-private.h"

#define MAIN_REF "refs/heads/main"
#define HOOK_MARKER "# libchain pre-receive hook"
#define MAX_REFNAME_LEN 1024
/* More findings than this say little more, and a client shows them all. */
#define MAX_FINDING_LINES 10

static const char zero_id[GIT_OID_HEXSZ + 1] = "0000000000000000000000000000000000000000";

typedef struct {
  char  old_id[GIT_OID_HEXSZ + 1];
  char  new_id[GIT_OID_HEXSZ + 1];
  char *refname;
} Update;

static void
update_free (gpointer data)
{
  Update *u = data;

  g_free (u->refname);
  g_free (u);
}

static gboolean
is_object_id (const char *text,
              gsize       len)
{
  if (len != GIT_OID_HEXSZ)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_refname (const char *text)
{
  gsize len = strlen (text);

  if (len == 0 || len > MAX_REFNAME_LEN || !g_utf8_validate (text, (gssize) len, NULL))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((guchar) text[i] < 0x20 || text[i] == 0x7f || text[i] == ' ')
      return FALSE;
  return TRUE;
}

static GPtrArray *
parse_updates (const char  *text,
               GError     **error)
{
  g_autoptr(GPtrArray) updates = g_ptr_array_new_with_free_func (update_free);
  g_auto(GStrv) lines = NULL;

  if (strlen (text) > CHAIN_RECEIVE_MAX_INPUT)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the hook's input is longer than 1 MiB; a push of that many refs is no push to a "
                     "ledger"));
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      Update *u;

      if (lines[i][0] == '\0')
        continue;
      fields = g_strsplit (lines[i], " ", 3);
      if (g_strv_length (fields) != 3 || !is_object_id (fields[0], strlen (fields[0]))
          || !is_object_id (fields[1], strlen (fields[1])) || !is_refname (fields[2]))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("line %u of the hook's input is not 'OLD-ID NEW-ID REFNAME'; run this only as "
                         "git's pre-receive hook"), i + 1);
          return NULL;
        }
      u = g_new0 (Update, 1);
      memcpy (u->old_id, fields[0], GIT_OID_HEXSZ);
      memcpy (u->new_id, fields[1], GIT_OID_HEXSZ);
      u->refname = g_strdup (fields[2]);
      g_ptr_array_add (updates, u);
    }
  return g_steal_pointer (&updates);
}

/* ---- The staging repository --------------------------------------------------- */

/* A bare repository in a new temporary directory that sees the hosted
 * repository's objects and the pushed ones. (transfer full) path */
static char *
staging_new (git_repository            *hosted,
             const ChainReceiveOptions *options,
             GError                   **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("chain-receive-XXXXXX", &local_error);
  g_autoptr(git_repository) staging = NULL;
  g_autoptr(GString) alternates = g_string_new (NULL);
  g_autofree char *alternates_path = NULL;
  g_autofree char *info_dir = NULL;
  git_buf objects = GIT_BUF_INIT;
  int status;

  if (dir == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot make a temporary directory to judge the push in: %s"),
                   local_error->message);
      return NULL;
    }
  status = git_repository_init (&staging, dir, 1);
  if (status < 0)
    {
      chain_remove_tree (dir);
      chain_git_error (error, status, _("cannot make a repository to judge the push in"));
      return NULL;
    }
  for (gsize i = 0; options->object_dirs != NULL && options->object_dirs[i] != NULL; i++)
    {
      g_autofree char *absolute = g_canonicalize_filename (options->object_dirs[i], NULL);

      g_string_append_printf (alternates, "%s\n", absolute);
    }
  status = git_repository_item_path (&objects, hosted, GIT_REPOSITORY_ITEM_OBJECTS);
  if (status < 0)
    {
      chain_remove_tree (dir);
      chain_git_error (error, status, _("cannot find the objects of the hosted repository"));
      return NULL;
    }
  {
    g_autofree char *absolute = g_canonicalize_filename (objects.ptr, NULL);

    g_string_append_printf (alternates, "%s\n", absolute);
  }
  git_buf_dispose (&objects);
  info_dir = g_build_filename (dir, "objects", "info", NULL);
  alternates_path = g_build_filename (info_dir, "alternates", NULL);
  if (g_mkdir_with_parents (info_dir, 0700) < 0
      || !g_file_set_contents (alternates_path, alternates->str, (gssize) alternates->len, &local_error))
    {
      chain_remove_tree (dir);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot prepare the repository to judge the push in: %s"),
                   local_error != NULL ? local_error->message : g_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* ---- Judging main --------------------------------------------------------------- */

/* One line per finding of @report that chain_audit_finding_is_refusal()
 * says is (@refusals) or is not (!@refusals) a refusal, of the ledger and
 * of the records from index @first on, into @lines. */
static void
add_finding_lines (GPtrArray              *lines,
                   const ChainAuditReport *report,
                   gboolean                refusals,
                   guint64                 first)
{
  guint64 n_records = chain_audit_report_get_n_records (report);
  g_autoptr(GPtrArray) findings = g_ptr_array_new ();
  guint total = 0;

  for (guint i = 0; i < chain_audit_report_get_n_findings (report); i++)
    g_ptr_array_add (findings, (gpointer) chain_audit_report_get_finding (report, i));
  for (guint64 seq = first; seq < n_records; seq++)
    {
      const ChainAuditRecord *record = chain_audit_report_get_record (report, seq);

      for (guint i = 0; i < chain_audit_record_get_n_findings (record); i++)
        g_ptr_array_add (findings, (gpointer) chain_audit_record_get_finding (record, i));
    }
  for (guint i = 0; i < findings->len; i++)
    {
      const ChainAuditFinding *finding = g_ptr_array_index (findings, i);

      if (chain_audit_finding_is_refusal (finding) != refusals)
        continue;
      if (total++ < MAX_FINDING_LINES)
        g_ptr_array_add (lines, g_strdup_printf ("%s: %s", MAIN_REF, chain_audit_finding_get_message (finding)));
    }
  if (total > MAX_FINDING_LINES)
    g_ptr_array_add (lines,
                     g_strdup_printf (chain_i18n_ngettext ("%s: and %u more finding",
                                                           "%s: and %u more findings",
                                                           total - MAX_FINDING_LINES),
                                      MAIN_REF, total - MAX_FINDING_LINES));
}

/* The index in @report of the first record above @old_id: 0 when the
 * report does not hold it (a first push, or an audit resumed there). */
static guint64
first_pushed_record (const ChainAuditReport *report,
                     const char             *old_id)
{
  for (guint64 i = chain_audit_report_get_n_records (report); i > 0; i--)
    if (g_strcmp0 (chain_audit_record_get_commit_id (chain_audit_report_get_record (report, i - 1)), old_id) == 0)
      return i;
  return 0;
}

/* An audit of @staging resumed from the hook's state at @base (hex, NULL:
 * none), else in full; says how many records it read, the deterministic
 * measure of what the cache saves. */
static gboolean
audit_staging (git_repository           *hosted,
               const char               *staging,
               const char               *what,
               const ChainAuditOptions  *audit_options,
               const char               *base,
               ChainAuditReport        **out_report,
               ChainLedgerState        **out_state,
               GCancellable             *cancellable,
               GError                  **error)
{
  ChainLedgerState *base_state = base != NULL ? chain_receive_cache_load (git_repository_path (hosted), base) : NULL;
  guint64 n;

  if (!chain_audit_repository_resume (staging, audit_options, base_state != NULL ? base : NULL, base_state,
                                      out_report, out_state, cancellable, error))
    return FALSE;
  n = chain_audit_report_get_n_records (*out_report);
  g_debug ("hook: %s: records audited: %" G_GUINT64_FORMAT ", from record %" G_GUINT64_FORMAT, what, n,
           n > 0 ? chain_audit_record_get_seq (chain_audit_report_get_record (*out_report, 0)) : 0);
  return TRUE;
}

/* Whether @new_id descends from @old_id along first parents, in @staging. */
static gboolean
is_fast_forward (const char  *staging_path,
                 const char  *old_id,
                 const char  *new_id,
                 gboolean    *out_forward,
                 GError     **error)
{
  g_autoptr(git_repository) staging = NULL;
  git_oid old_oid, new_oid;
  int status;

  git_oid_fromstr (&old_oid, old_id);
  git_oid_fromstr (&new_oid, new_id);
  status = git_repository_open_ext (&staging, staging_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status < 0)
    return chain_git_error (error, status, _("cannot open the repository the push is judged in"));
  status = git_graph_descendant_of (staging, &new_oid, &old_oid);
  if (status < 0)
    {
      /* A commit the push lacks: the auditor names it. */
      git_error_clear ();
      status = 1;
    }
  *out_forward = status == 1;
  return TRUE;
}

/* Judges the update of main: a refusal, or the push taken with the lines
 * of what it is taken with (a batch past a device quota) in @findings. */
static gboolean
judge_main (git_repository            *hosted,
            const Update              *u,
            const ChainReceiveOptions *options,
            GPtrArray                 *refusals,
            GPtrArray                 *findings,
            GCancellable              *cancellable,
            GError                   **error)
{
  ChainAuditOptions audit_options = CHAIN_AUDIT_OPTIONS_INIT;
  g_autoptr(ChainAuditReport) report = NULL;
  g_autoptr(ChainLedgerState) state = NULL;
  g_autofree char *staging = NULL;
  gboolean created = strcmp (u->old_id, zero_id) == 0;
  gboolean forward = TRUE;
  gboolean ok;

  if (strcmp (u->new_id, zero_id) == 0)
    {
      g_ptr_array_add (refusals, g_strdup_printf (_("%s: rule %s: deleting or renaming main would take the ledger "
                                                    "away from every custodian; a ledger's main is never deleted"),
                                                  MAIN_REF, "history.empty"));
      return TRUE;
    }
  staging = staging_new (hosted, options, error);
  if (staging == NULL)
    return FALSE;
  if (!created && !is_fast_forward (staging, u->old_id, u->new_id, &forward, error))
    {
      chain_remove_tree (staging);
      return FALSE;
    }
  if (!forward)
    {
      chain_remove_tree (staging);
      g_ptr_array_add (refusals,
                       g_strdup_printf (_("%s: rule %s: commit %.12s does not descend from the hosted main (commit "
                                          "%.12s): this push would rewrite the ledger; fetch (chain sync) and "
                                          "push again, never force"), MAIN_REF, "history.rewrite", u->new_id,
                                        u->old_id));
      return TRUE;
    }
  audit_options.tip = u->new_id;
  audit_options.pinned_tip = created ? NULL : u->old_id;
  audit_options.trusted_root = options->trusted_root;
  ok = audit_staging (hosted, staging, MAIN_REF, &audit_options, audit_options.pinned_tip, &report, &state,
                      cancellable, error);
  chain_remove_tree (staging);
  if (!ok)
    return FALSE;
  if (!chain_audit_report_is_acceptable (report))
    {
      add_finding_lines (refusals, report, TRUE, 0);
      return TRUE;
    }
  /* Only what this push adds: an earlier batch past a quota was shown to
   * whoever pushed it. */
  add_finding_lines (findings, report, FALSE, first_pushed_record (report, u->old_id));
  chain_receive_cache_store (git_repository_path (hosted), hosted, state, u->new_id);
  return TRUE;
}

/* ---- Judging checkpoints ------------------------------------------------------- */

/* Sets @name in @staging to @id (hex), as the push would leave it. */
static gboolean
staging_set_ref (git_repository *staging,
                 const char     *name,
                 const git_oid  *oid,
                 GError        **error)
{
  git_reference *ref = NULL;
  int status = git_reference_create (&ref, staging, name, oid, 1, NULL);

  git_reference_free (ref);
  if (status < 0)
    return chain_git_error (error, status, _("cannot prepare the repository to judge the push in"));
  return TRUE;
}

/* The repository as the push would leave it: main and every checkpoint,
 * audited whole; its checkpoint findings refuse the push. */
static gboolean
judge_checkpoints (git_repository            *hosted,
                   const GPtrArray           *updates,
                   const ChainReceiveOptions *options,
                   GPtrArray                 *refusals,
                   GCancellable              *cancellable,
                   GError                   **error)
{
  ChainAuditOptions audit_options = CHAIN_AUDIT_OPTIONS_INIT;
  g_autoptr(ChainAuditReport) report = NULL;
  g_autoptr(git_repository) staging = NULL;
  g_autofree char *staging_path = staging_new (hosted, options, error);
  g_autofree char *pin = NULL;
  git_reference_iterator *iter = NULL;
  git_reference *ref = NULL;
  gboolean ok = TRUE;
  git_oid hosted_main;

  if (staging_path == NULL)
    return FALSE;
  ok = git_repository_open_ext (&staging, staging_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0;
  if (ok && git_reference_name_to_id (&hosted_main, hosted, MAIN_REF) == 0)
    {
      pin = g_strdup (git_oid_tostr_s (&hosted_main));
      ok = staging_set_ref (staging, MAIN_REF, &hosted_main, error);
    }
  git_error_clear ();
  if (ok && git_reference_iterator_glob_new (&iter, hosted, CHAIN_CHECKPOINT_REF_PREFIX "*") == 0)
    {
      while (ok && git_reference_next (&ref, iter) == 0)
        {
          if (git_reference_type (ref) == GIT_REFERENCE_DIRECT)
            ok = staging_set_ref (staging, git_reference_name (ref), git_reference_target (ref), error);
          git_reference_free (ref);
        }
      git_reference_iterator_free (iter);
    }
  git_error_clear ();
  for (guint i = 0; ok && i < updates->len; i++)
    {
      const Update *u = g_ptr_array_index (updates, i);
      git_oid oid;

      git_oid_fromstr (&oid, u->new_id);
      ok = staging_set_ref (staging, u->refname, &oid, error);
    }
  if (ok && git_repository_set_head (staging, MAIN_REF) < 0)
    ok = chain_git_error (error, -1, _("cannot prepare the repository to judge the push in"));
  g_clear_pointer (&staging, git_repository_free);
  if (!ok)
    {
      chain_remove_tree (staging_path);
      return FALSE;
    }
  audit_options.pinned_tip = pin;
  audit_options.trusted_root = options->trusted_root;
  ok = audit_staging (hosted, staging_path, CHAIN_CHECKPOINT_REF_PREFIX, &audit_options, pin, &report, NULL,
                      cancellable, error);
  chain_remove_tree (staging_path);
  if (!ok)
    return FALSE;
  for (guint i = 0; i < chain_audit_report_get_n_findings (report); i++)
    {
      const ChainAuditFinding *finding = chain_audit_report_get_finding (report, i);

      if (g_str_has_prefix (chain_audit_finding_get_rule (finding), "checkpoint."))
        g_ptr_array_add (refusals, g_strdup_printf ("%s: %s", CHAIN_CHECKPOINT_REF_PREFIX,
                                                    chain_audit_finding_get_message (finding)));
    }
  return TRUE;
}

gboolean
chain_receive_judge (const char                 *repo_path,
                     const char                 *updates,
                     const ChainReceiveOptions  *options,
                     GPtrArray                 **out_refusals,
                     GPtrArray                 **out_findings,
                     GCancellable               *cancellable,
                     GError                    **error)
{
  static const ChainReceiveOptions defaults = CHAIN_RECEIVE_OPTIONS_INIT;
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) findings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(git_repository) hosted = NULL;
  gboolean checkpoints = FALSE;
  gboolean ok = TRUE;
  int queue = -1;
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (updates != NULL, FALSE);
  g_return_val_if_fail (options == NULL || options->version == CHAIN_RECEIVE_OPTIONS_VERSION, FALSE);
  g_return_val_if_fail (out_refusals != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    options = &defaults;
  parsed = parse_updates (updates, error);
  if (parsed == NULL)
    return FALSE;

  git_libgit2_init ();
  status = git_repository_open_ext (&hosted, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status < 0)
    {
      git_error_clear ();
      git_libgit2_shutdown ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("%s is not a git repository; the hook runs in the bare repository that holds the ledger"),
                   repo_path);
      return FALSE;
    }
  queue = chain_receive_queue_enter (repo_path, error);
  if (queue < 0)
    {
      g_clear_pointer (&hosted, git_repository_free);
      git_libgit2_shutdown ();
      return FALSE;
    }
  for (guint i = 0; ok && i < parsed->len; i++)
    {
      const Update *u = g_ptr_array_index (parsed, i);

      /* Another push moved main while this one waited: git refuses it. */
      if (strcmp (u->refname, MAIN_REF) == 0 && parsed->len == 1 && chain_receive_lost_race (hosted, u->old_id))
        continue;
      if (strcmp (u->refname, MAIN_REF) == 0)
        ok = judge_main (hosted, u, options, refusals, findings, cancellable, error);
      else if (g_str_has_prefix (u->refname, CHAIN_CHECKPOINT_REF_PREFIX) && strcmp (u->new_id, zero_id) == 0)
        g_ptr_array_add (refusals,
                         g_strdup_printf (_("%s: rule %s: a checkpoint is what a custodian saw; it is replaced by a "
                                            "newer one, never deleted"), u->refname, "refs.extra"));
      else if (g_str_has_prefix (u->refname, CHAIN_CHECKPOINT_REF_PREFIX))
        checkpoints = TRUE;
      else
        g_ptr_array_add (refusals,
                         g_strdup_printf (_("%s: rule %s: a hosted ledger has one branch, %s, and takes pushes to "
                                            "it and to %s alone; push only main"), u->refname, "refs.extra",
                                          MAIN_REF, CHAIN_CHECKPOINT_REF_PREFIX));
    }
  if (ok && checkpoints && refusals->len == 0)
    ok = judge_checkpoints (hosted, parsed, options, refusals, cancellable, error);
  chain_receive_queue_leave (queue);
  g_clear_pointer (&hosted, git_repository_free);
  git_libgit2_shutdown ();
  if (!ok)
    return FALSE;
  /* A refused push takes nothing in: its findings say nothing more. */
  if (refusals->len > 0)
    g_ptr_array_set_size (findings, 0);
  *out_refusals = g_steal_pointer (&refusals);
  if (out_findings != NULL)
    *out_findings = g_steal_pointer (&findings);
  return TRUE;
}

/* ---- The hook ---------------------------------------------------------------- */

char *
chain_receive_hook_script (const char *chain_path,
                           const char *trusted_root)
{
  g_autofree char *quoted = NULL;
  g_autofree char *root_option = NULL;

  g_return_val_if_fail (chain_path != NULL, NULL);

  quoted = g_shell_quote (chain_path);
  if (trusted_root != NULL)
    {
      g_autofree char *root = g_shell_quote (trusted_root);

      root_option = g_strdup_printf (" --trusted-root %s", root);
    }
  return g_strdup_printf ("#!/bin/sh\n"
                          HOOK_MARKER ", written by `chain hook`.\n"
                          "# Every push is judged by the ledger's rules: only refs/heads/main,\n"
                          "# only forward, every new record audited; a refusal names the rule.\n"
                          "# git runs it in the bare repository; so do GitLab's and Gitea's\n"
                          "# server hooks. Delete this file to stop enforcing the rules.\n"
                          "exec %s hook --pre-receive%s -- \"${GIT_DIR:-.}\"\n",
                          quoted, root_option != NULL ? root_option : "");
}

static gboolean
is_thumbprint (const char *text)
{
  if (strlen (text) != 64)
    return FALSE;
  for (gsize i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

gboolean
chain_receive_install_hook (const char  *repo_path,
                            const char  *chain_path,
                            const char  *trusted_root,
                            char       **out_hook_path,
                            GError     **error)
{
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *hooks_dir = NULL;
  g_autofree char *hook_path = NULL;
  g_autofree char *existing = NULL;
  g_autofree char *script = NULL;
  int status;

  g_return_val_if_fail (repo_path != NULL, FALSE);
  g_return_val_if_fail (chain_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_path_is_absolute (chain_path))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the hook must run chain by an absolute path, not '%s'"), chain_path);
      return FALSE;
    }
  if (trusted_root != NULL && !is_thumbprint (trusted_root))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the trusted root '%s' is not a SHA-256 thumbprint; give 64 hex digits"), trusted_root);
      return FALSE;
    }
  git_libgit2_init ();
  status = git_repository_open_ext (&repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status < 0)
    {
      git_error_clear ();
      git_libgit2_shutdown ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("%s is not a git repository; give the bare repository the server exports (NAME.git)"),
                   repo_path);
      return FALSE;
    }
  if (!git_repository_is_bare (repo))
    {
      g_clear_pointer (&repo, git_repository_free);
      git_libgit2_shutdown ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("%s is not a bare repository; a server's repositories are bare (git init --bare)"),
                   repo_path);
      return FALSE;
    }
  hooks_dir = g_build_filename (git_repository_commondir (repo), "hooks", NULL);
  g_clear_pointer (&repo, git_repository_free);
  git_libgit2_shutdown ();

  hook_path = g_build_filename (hooks_dir, "pre-receive", NULL);
  if (g_file_get_contents (hook_path, &existing, NULL, NULL) && strstr (existing, HOOK_MARKER) == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                   _("%s is another pre-receive hook; move it away (or run both from one script), then "
                     "install again"), hook_path);
      return FALSE;
    }
  script = chain_receive_hook_script (chain_path, trusted_root);
  if (g_mkdir_with_parents (hooks_dir, 0755) < 0
      || !g_file_set_contents_full (hook_path, script, -1,
                                    G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0755,
                                    &local_error))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write the hook %s: %s"), hook_path,
                   local_error != NULL ? local_error->message : g_strerror (errno));
      return FALSE;
    }
  if (out_hook_path != NULL)
    *out_hook_path = g_steal_pointer (&hook_path);
  return TRUE;
}
