/* cli-ledger.c — the ledger a read or sync command works on
 *
 * `chain log`, `show`, `audit`, `sync` and `bundle` read the ledger
 * repository directly rather than opening the workspace, so they stay quick
 * on a large ledger (opening a workspace replays every record) and work on a
 * damaged one. -C names a workspace (its ledger.git and pinned-tip), or a
 * ledger repository an auditor cloned: bare, or a clone with a work tree.
 */
#include "chain-cli.h"

#include <inttypes.h>
#include <string.h>

void
chain_cli_ledger_place_clear (ChainCliLedgerPlace *place)
{
  g_clear_pointer (&place->dir, g_free);
  g_clear_pointer (&place->repo_path, g_free);
  g_clear_pointer (&place->pin_path, g_free);
  place->workspace = FALSE;
}

static gboolean
is_bare_repository (const char *dir)
{
  g_autofree char *head = g_build_filename (dir, "HEAD", NULL);
  g_autofree char *objects = g_build_filename (dir, "objects", NULL);

  return g_file_test (head, G_FILE_TEST_IS_REGULAR) && g_file_test (objects, G_FILE_TEST_IS_DIR);
}

gboolean
chain_cli_locate_ledger (const char          *dir,
                         ChainCliLedgerPlace *out_place,
                         GError             **error)
{
  g_autofree char *workspace_file = g_build_filename (dir, CHAIN_WORKSPACE_FILE, NULL);
  g_autofree char *dot_git = g_build_filename (dir, ".git", NULL);
  ChainCliLedgerPlace place = { 0 };

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("%s is not a directory: give a workspace or a ledger with -C DIR"), dir);
      return FALSE;
    }
  place.dir = g_strdup (dir);
  if (g_file_test (workspace_file, G_FILE_TEST_IS_REGULAR))
    {
      place.workspace = TRUE;
      place.repo_path = g_build_filename (dir, CHAIN_WORKSPACE_LEDGER_DIR, NULL);
      place.pin_path = g_build_filename (dir, CHAIN_SYNC_PIN_FILE, NULL);
      if (!g_file_test (place.repo_path, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       _("the workspace %s has not joined a ledger yet: send its request file "
                         "to the parent custodian, then run 'chain accept GRANT' with the grant "
                         "it sends back"), dir);
          chain_cli_ledger_place_clear (&place);
          return FALSE;
        }
    }
  else if (is_bare_repository (dir))
    place.repo_path = g_strdup (dir);
  else if (g_file_test (dot_git, G_FILE_TEST_IS_DIR))
    place.repo_path = g_steal_pointer (&dot_git);
  else
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("%s holds no workspace and no ledger: run 'chain init' or 'chain request', "
                     "or name a workspace or a ledger clone with -C DIR"), dir);
      chain_cli_ledger_place_clear (&place);
      return FALSE;
    }
  *out_place = place;
  return TRUE;
}

ChainLedger *
chain_cli_open_ledger (const ChainCliGlobals *globals,
                       ChainCliLedgerPlace   *out_place,
                       GCancellable          *cancellable,
                       GError               **error)
{
  g_auto(ChainCliLedgerPlace) place = { 0 };
  g_autoptr(ChainLedger) ledger = NULL;

  if (!chain_cli_locate_ledger (globals->workspace, &place, error))
    return NULL;
  ledger = chain_ledger_open (place.repo_path, cancellable, error);
  if (ledger == NULL)
    return NULL;
  /* A workspace refuses a ledger that no longer descends from its pin. */
  if (place.pin_path != NULL && chain_ledger_get_length (ledger) > 0
      && !chain_sync_pin_check (place.repo_path, place.pin_path, NULL, error))
    return NULL;
  if (out_place != NULL)
    {
      *out_place = place;
      memset (&place, 0, sizeof place);
    }
  return g_steal_pointer (&ledger);
}

char *
chain_cli_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  if (time == NULL)
    return g_strdup_printf ("@%" G_GINT64_FORMAT, unix_seconds);
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

char *
chain_cli_one_line (const char *text,
                    guint       max_chars)
{
  g_autofree char *shown = chain_text_sanitize (text, CHAIN_TEXT_ONE_LINE);

  if (max_chars == 0 || g_utf8_strlen (shown, -1) <= (glong) max_chars)
    return g_steal_pointer (&shown);
  *g_utf8_offset_to_pointer (shown, max_chars) = '\0';
  return g_strconcat (shown, "...", NULL);
}

/* ---- Sync and bundles ------------------------------------------------------ */

static void
on_sync_progress (ChainSyncStage stage,
                  guint64        done,
                  guint64        total,
                  gpointer       user_data)
{
  ChainCliSync *self = user_data;
  static const char *const labels[] = {
    [CHAIN_SYNC_STAGE_RECEIVING] = N_("Receiving objects"),
    [CHAIN_SYNC_STAGE_SENDING] = N_("Sending objects"),
    [CHAIN_SYNC_STAGE_READING] = N_("Reading bundle"),
    [CHAIN_SYNC_STAGE_WRITING] = N_("Writing objects"),
  };

  if (total == 0)
    return;
  if (self->bar == NULL || stage != self->stage || total != self->total)
    {
      g_clear_pointer (&self->bar, chain_cli_progress_free);
      self->stage = stage;
      self->total = total;
      self->bar = chain_cli_progress_new (self->globals,
                                          (guint) stage < G_N_ELEMENTS (labels) ? _(labels[stage]) : _("Syncing"),
                                          total);
    }
  chain_cli_progress_update (self->bar, done);
}

gboolean
chain_cli_sync_open (const ChainCliGlobals *globals,
                     ChainCliSync          *out_sync,
                     GCancellable          *cancellable,
                     GError               **error)
{
  ChainCliSync sync = { 0 };

  sync.globals = globals;
  if (!chain_cli_locate_ledger (globals->workspace, &sync.place, error))
    return FALSE;
  if (sync.place.workspace)
    {
      const ChainLedgerState *state = NULL;
      ChainCert *root = NULL;

      sync.workspace = chain_cli_open_workspace (globals, FALSE, NULL, cancellable, error);
      if (sync.workspace == NULL)
        {
          chain_cli_sync_clear (&sync);
          return FALSE;
        }
      /* What comes in must chain to the root this workspace already trusts. */
      state = chain_workspace_get_state (sync.workspace);
      root = state != NULL ? chain_ledger_state_get_root (state) : NULL;
      if (root != NULL)
        sync.root = chain_cert_dup_thumbprint_hex (root, CHAIN_DIGEST_SHA256);
    }
  *out_sync = sync;
  return TRUE;
}

void
chain_cli_sync_options (ChainCliSync     *self,
                        ChainSyncOptions *options)
{
  ChainSyncOptions defaults = CHAIN_SYNC_OPTIONS_INIT;

  *options = defaults;
  options->pin_path = self->place.pin_path;
  options->verify = chain_audit_sync_verify;
  options->verify_data = self->root;
  options->progress = on_sync_progress;
  options->progress_data = self;
}

gboolean
chain_cli_sync_refresh (ChainCliSync  *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_clear_pointer (&self->bar, chain_cli_progress_free);
  if (self->workspace == NULL)
    return TRUE;
  return chain_workspace_refresh (self->workspace, NULL, cancellable, error);
}

void
chain_cli_sync_clear (ChainCliSync *self)
{
  g_clear_pointer (&self->bar, chain_cli_progress_free);
  g_clear_pointer (&self->workspace, chain_workspace_free);
  g_clear_pointer (&self->root, g_free);
  chain_cli_ledger_place_clear (&self->place);
}

ChainJson *
chain_cli_sync_result_to_json (const ChainSyncResult *result)
{
  static const char *const statuses[] = {
    [CHAIN_SYNC_UP_TO_DATE] = "up-to-date",
    [CHAIN_SYNC_FAST_FORWARDED] = "fast-forwarded",
    [CHAIN_SYNC_REMOTE_BEHIND] = "remote-behind",
  };
  ChainSyncStatus status = chain_sync_result_get_status (result);
  const char *old_tip = chain_sync_result_get_old_tip (result);
  const char *new_tip = chain_sync_result_get_new_tip (result);
  gint64 seq = chain_sync_result_get_seq (result);
  ChainJson *json = chain_json_new_object ();

  chain_json_object_set_string (json, "status",
                                (guint) status < G_N_ELEMENTS (statuses) ? statuses[status] : "?");
  chain_json_object_set_integer (json, "records", (gint64) chain_sync_result_get_records (result));
  chain_json_object_set (json, "old_tip",
                         old_tip != NULL ? chain_json_new_string (old_tip) : chain_json_new_null ());
  chain_json_object_set (json, "new_tip",
                         new_tip != NULL ? chain_json_new_string (new_tip) : chain_json_new_null ());
  chain_json_object_set (json, "seq", seq >= 0 ? chain_json_new_integer (seq) : chain_json_new_null ());
  chain_json_object_set_string (json, "summary", chain_sync_result_get_summary (result));
  return json;
}

char *
chain_cli_resolve_remote (const char *spec)
{
  g_autofree char *path = NULL;
  g_autofree char *workspace_file = NULL;

  /* A local directory: made absolute (a remote's URL outlives the shell's
   * directory), and a workspace stands for its ledger. */
  if (!g_file_test (spec, G_FILE_TEST_IS_DIR))
    return g_strdup (spec);
  path = g_canonicalize_filename (spec, NULL);
  workspace_file = g_build_filename (path, CHAIN_WORKSPACE_FILE, NULL);
  if (g_file_test (workspace_file, G_FILE_TEST_IS_REGULAR))
    return g_build_filename (path, CHAIN_WORKSPACE_LEDGER_DIR, NULL);
  return g_steal_pointer (&path);
}
