/* cmd-status.c — `chain status`: this workspace, its ledger and the custody tree
 *
 * Never asks for a passphrase: everything shown is public (certificates and
 * ledger records). A workspace made by `chain request` that has no grant yet
 * is shown too, saying what it waits for.
 */
#include "chain-cli.h"

#include <inttypes.h>
#include <string.h>


typedef struct {
  const ChainCliGlobals *globals;
  ChainWorkspace        *workspace;
  const ChainLedgerState *state;
  gint64                 now;
} Status;

static char *
sha256_of (const ChainCert *cert)
{
  return chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA256);
}

/* The SHA-1 thumbprint as Azure's portal shows it, to find the CA there. */
static char *
azure_sha1_of (const ChainCert *cert)
{
  g_autofree char *sha1 = chain_cert_dup_thumbprint_hex (cert, CHAIN_DIGEST_SHA1);

  return chain_thumbprint_format_for_display (sha1);
}

static char *
subject_of (const ChainCert *cert)
{
  g_autoptr(ChainName) subject = chain_cert_dup_subject (cert);
  g_autofree char *text = chain_name_to_string (subject);

  return chain_cli_one_line (text, 0);
}

/* The newest CA of @custodian, the one shown. */
static ChainCert *
current_ca (const ChainCustodian *custodian)
{
  guint n = chain_custodian_get_n_cas (custodian);

  return n > 0 ? chain_custodian_get_ca (custodian, n - 1) : NULL;
}

/* valid, expiring, expired, revoked, pending or retired. */
static const char *
health_of (const Status *st, const ChainCustodian *custodian)
{
  ChainCustodyStatus status = chain_custodian_get_status (custodian, st->now);
  ChainCert *ca = current_ca (custodian);

  if (status == CHAIN_CUSTODY_STATUS_VALID && ca != NULL
      && chain_expiry_is_near (chain_cert_get_not_after (ca), st->now, CHAIN_EXPIRY_WARNING_DAYS))
    return "expiring";
  return chain_custody_status_to_string (status);
}

static guint
n_current_officers (const ChainCustodian *custodian)
{
  guint n = 0;

  for (guint i = 0; i < chain_custodian_get_n_officers (custodian); i++)
    n += !chain_custodian_is_officer_revoked (custodian, i);
  return n;
}

/* ---- JSON ----------------------------------------------------------------- */

static ChainJson *
ca_to_json (const Status *st, ChainCert *ca, const char *health)
{
  ChainJson *json = chain_json_new_object ();
  g_autofree char *subject = subject_of (ca);
  g_autofree char *sha256 = sha256_of (ca);
  g_autofree char *sha1 = azure_sha1_of (ca);
  g_autofree char *not_before = chain_cli_format_time (chain_cert_get_not_before (ca));
  g_autofree char *not_after = chain_cli_format_time (chain_cert_get_not_after (ca));

  (void) st;
  chain_json_object_set_string (json, "subject", subject);
  chain_json_object_set_string (json, "sha256", sha256);
  chain_json_object_set_string (json, "sha1", sha1);
  chain_json_object_set_string (json, "not_before", not_before);
  chain_json_object_set_string (json, "not_after", not_after);
  if (health != NULL)
    chain_json_object_set_string (json, "status", health);
  return json;
}

static ChainJson *
strv_to_json (const char *const *strv)
{
  ChainJson *json = chain_json_new_array ();

  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    chain_json_array_append (json, chain_json_new_string (strv[i]));
  return json;
}

typedef struct {
  const Status *st;
  ChainJson    *list;
} CustodyJson;

/* The quota record for @c still waiting for approvals, if any. */
static const ChainLedgerQuota *
pending_quota (const ChainLedgerState *state,
               const ChainCustodian   *c)
{
  for (guint i = chain_ledger_state_get_n_quotas (state); i > 0; i--)
    {
      const ChainLedgerQuota *q = chain_ledger_state_get_quota (state, i - 1);

      if (chain_ledger_quota_get_status (q) == CHAIN_QUOTA_STATUS_PENDING
          && g_strcmp0 (chain_ledger_quota_get_custodian_id (q), chain_custodian_get_id (c)) == 0)
        return q;
    }
  return NULL;
}

/* {"max_devices", "used", "pending"}, or null without a quota of its own. */
static ChainJson *
quota_to_json (const Status         *st,
               const ChainCustodian *c)
{
  const ChainLedgerQuota *pending = pending_quota (st->state, c);
  guint64 max_devices = 0;
  gboolean has = chain_custodian_get_quota (c, &max_devices);
  ChainJson *json;

  if (!has && pending == NULL)
    return chain_json_new_null ();
  json = chain_json_new_object ();
  if (has)
    chain_json_object_set_integer (json, "max_devices", (gint64) max_devices);
  else
    chain_json_object_set (json, "max_devices", chain_json_new_null ());
  chain_json_object_set_integer (json, "used", (gint64) chain_custodian_get_n_devices_below (c));
  if (pending != NULL)
    chain_json_object_set_integer (json, "pending", (gint64) chain_ledger_quota_get_max_devices (pending));
  return json;
}

static void
custody_to_json (const ChainCustodian *c, guint depth, gpointer user_data)
{
  CustodyJson *out = user_data;
  const Status *st = out->st;
  const char *parent = chain_custodian_get_parent_id (c);
  ChainCert *ca = current_ca (c);
  ChainJson *json = chain_json_new_object ();

  chain_json_object_set_string (json, "id", chain_custodian_get_id (c));
  chain_json_object_set_string (json, "name", chain_custodian_get_name (c));
  chain_json_object_set_string (json, "tier", chain_custodian_get_tier (c));
  if (parent != NULL)
    chain_json_object_set_string (json, "parent", parent);
  else
    chain_json_object_set (json, "parent", chain_json_new_null ());
  chain_json_object_set_integer (json, "depth", depth);
  chain_json_object_set_string (json, "status", health_of (st, c));
  if (ca != NULL)
    chain_json_object_set (json, "ca", ca_to_json (st, ca, NULL));
  else
    chain_json_object_set (json, "ca", chain_json_new_null ());
  chain_json_object_set_integer (json, "officers", n_current_officers (c));
  chain_json_object_set_integer (json, "devices", (gint64) chain_custodian_get_n_devices (c));
  chain_json_object_set (json, "quota", quota_to_json (st, c));
  chain_json_array_append (out->list, json);
}

static ChainJson *
requests_to_json (const Status *st)
{
  ChainJson *list = chain_json_new_array ();
  const ChainPolicy *policy = chain_ledger_state_get_policy (st->state);

  for (guint i = 0; i < chain_ledger_state_get_n_requests (st->state); i++)
    {
      const ChainLedgerRequest *r = chain_ledger_state_get_request (st->state, i);
      ChainJson *json = NULL;

      if (chain_ledger_request_get_status (r) != CHAIN_REQUEST_STATUS_PENDING)
        continue;
      json = chain_json_new_object ();
      chain_json_object_set_string (json, "id", chain_ledger_request_get_id (r));
      chain_json_object_set_integer (json, "seq", (gint64) chain_ledger_request_get_seq (r));
      chain_json_object_set_string (json, "custodian", chain_ledger_request_get_custodian_id (r));
      chain_json_object_set_string (json, "name", chain_ledger_request_get_name (r));
      chain_json_object_set_string (json, "tier", chain_ledger_request_get_tier (r));
      chain_json_object_set_string (json, "parent", chain_ledger_request_get_parent_id (r));
      chain_json_object_set_integer (json, "approvals", chain_ledger_request_get_n_approvals (r));
      chain_json_object_set_integer (json, "threshold",
                                     chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_DELEGATION));
      chain_json_array_append (list, json);
    }
  return list;
}

/* Where key @officer (NULL: the CA key) lives: "file", "tpm2", or the
 * store and its URI or handle. (transfer full) (nullable) */
static char *
key_home (const Status *st,
          const char   *officer,
          ChainKeyStore *out_store,
          char         **out_location)
{
  ChainKeyStore store;
  char *location = NULL;

  if (!chain_workspace_get_key_store (st->workspace, officer, &store, &location))
    return NULL;
  if (out_store != NULL)
    *out_store = store;
  if (out_location != NULL)
    *out_location = g_strdup (location);
  if (location == NULL)
    return g_strdup (chain_key_store_to_string (store));
  {
    char *text = g_strdup_printf ("%s %s", chain_key_store_to_string (store), location);

    g_free (location);
    return text;
  }
}

static ChainJson *
key_to_json (const Status *st,
             const char   *officer)
{
  ChainJson *json = chain_json_new_object ();
  ChainKeyStore store = CHAIN_KEY_STORE_FILE;
  g_autofree char *location = NULL;
  g_autofree char *text = key_home (st, officer, &store, &location);

  if (officer != NULL)
    chain_json_object_set_string (json, "officer", officer);
  else
    chain_json_object_set_string (json, "key", "ca");
  chain_json_object_set_string (json, "store", text != NULL ? chain_key_store_to_string (store) : "none");
  chain_json_object_set (json, "location", location != NULL ? chain_json_new_string (location) : chain_json_new_null ());
  return json;
}

static ChainJson *
keys_to_json (const Status *st,
              GStrv         officers)
{
  ChainJson *list = chain_json_new_array ();

  chain_json_array_append (list, key_to_json (st, NULL));
  for (guint i = 0; officers[i] != NULL; i++)
    chain_json_array_append (list, key_to_json (st, officers[i]));
  return list;
}

/* The officers with a key here, @revoked ones or the active ones: a
 * revoked officer's key file may stay behind. */
static GStrv
officers_of (ChainWorkspace *workspace,
             gboolean        revoked)
{
  g_auto(GStrv) names = chain_workspace_list_officers (workspace);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; names[i] != NULL; i++)
    if (chain_workspace_is_officer_revoked (workspace, names[i]) == revoked)
      g_strv_builder_add (builder, names[i]);
  return g_strv_builder_end (builder);
}

/* Who has seen how far: every custodian's checkpoint the ledger holds. */
static GPtrArray *
checkpoints_of (const Status *st)
{
  ChainLedger *ledger = chain_workspace_get_ledger (st->workspace);
  GPtrArray *checkpoints = chain_checkpoint_list (chain_ledger_get_path (ledger), NULL);

  return checkpoints != NULL ? checkpoints : g_ptr_array_new ();
}

static ChainJson *
checkpoints_to_json (const Status *st)
{
  g_autoptr(GPtrArray) checkpoints = checkpoints_of (st);
  ChainJson *array = chain_json_new_array ();

  for (guint i = 0; i < checkpoints->len; i++)
    {
      const ChainCheckpoint *checkpoint = g_ptr_array_index (checkpoints, i);
      ChainJson *json = chain_json_new_object ();
      g_autofree char *time = chain_cli_format_time (chain_checkpoint_get_time (checkpoint));

      chain_json_object_set_string (json, "custodian", chain_checkpoint_get_custodian (checkpoint));
      chain_json_object_set_integer (json, "seq", (gint64) chain_checkpoint_get_seq (checkpoint));
      chain_json_object_set_string (json, "commit", chain_checkpoint_get_commit_id (checkpoint));
      chain_json_object_set_string (json, "record_digest", chain_checkpoint_get_record_digest (checkpoint));
      chain_json_object_set_string (json, "time", time);
      chain_json_array_append (array, json);
    }
  return array;
}

static void
print_checkpoints (const Status *st)
{
  g_autoptr(GPtrArray) checkpoints = checkpoints_of (st);

  if (checkpoints->len == 0)
    return;
  /* Translators: a heading; what each custodian signed it has seen */
  chain_cli_print (st->globals, _("Checkpoints (who has seen how far)\n"));
  for (guint i = 0; i < checkpoints->len; i++)
    {
      const ChainCheckpoint *checkpoint = g_ptr_array_index (checkpoints, i);
      g_autofree char *custodian = chain_cli_one_line (chain_checkpoint_get_custodian (checkpoint), 64);
      g_autofree char *time = chain_cli_format_time (chain_checkpoint_get_time (checkpoint));

      /* Translators: a custodian, a record number, a commit id, a time */
      chain_cli_print (st->globals, _("  %-11s record %" PRIu64 ", commit %.12s, signed %s\n"), custodian,
                       chain_checkpoint_get_seq (checkpoint), chain_checkpoint_get_commit_id (checkpoint), time);
    }
}

static ChainJson *
status_to_json (const Status *st)
{
  ChainJson *json = chain_json_new_object ();
  ChainJson *workspace = chain_json_new_object ();
  g_auto(GStrv) officers = officers_of (st->workspace, FALSE);
  g_auto(GStrv) revoked_officers = officers_of (st->workspace, TRUE);
  ChainCert *ca = chain_workspace_get_ca (st->workspace);
  const ChainCustodian *self = chain_workspace_get_custodian (st->workspace);

  chain_json_object_set_string (workspace, "dir", chain_workspace_get_dir (st->workspace));
  chain_json_object_set_string (workspace, "custodian",
                                chain_workspace_get_custodian_id (st->workspace));
  chain_json_object_set_string (workspace, "org", chain_workspace_get_org (st->workspace));
  chain_json_object_set_string (workspace, "tier", chain_workspace_get_tier (st->workspace));
  chain_json_object_set_string (workspace, "algorithm",
                                chain_key_algorithm_to_string (chain_workspace_get_algorithm (st->workspace)));
  chain_json_object_set (workspace, "officers", strv_to_json ((const char *const *) officers));
  chain_json_object_set (workspace, "keys", keys_to_json (st, officers));
  chain_json_object_set (workspace, "revoked_officers", strv_to_json ((const char *const *) revoked_officers));
  chain_json_object_set_boolean (workspace, "unlocked", FALSE);
  chain_json_object_set_boolean (workspace, "joined", st->state != NULL);
  chain_json_object_set (json, "workspace", workspace);
  if (ca != NULL)
    chain_json_object_set (json, "ca", ca_to_json (st, ca, self != NULL ? health_of (st, self) : NULL));
  else
    chain_json_object_set (json, "ca", chain_json_new_null ());

  if (st->state == NULL)
    {
      chain_json_object_set (json, "ledger", chain_json_new_null ());
      chain_json_object_set (json, "custody", chain_json_new_array ());
      chain_json_object_set (json, "requests", chain_json_new_array ());
      chain_json_object_set_string (json, "waiting_for",
                                    "a grant from the parent custodian (chain accept GRANT)");
      return json;
    }

  {
    ChainLedger *ledger = chain_workspace_get_ledger (st->workspace);
    ChainJson *ledger_json = chain_json_new_object ();
    ChainJson *custody = chain_json_new_array ();
    g_autofree char *pin_path = chain_workspace_dup_pin_path (st->workspace);
    g_autofree char *pin = NULL;
    gint64 pin_seq = -1;
    guint64 length = chain_ledger_get_length (ledger);

    chain_json_object_set_string (ledger_json, "id", chain_ledger_get_id (ledger));
    chain_json_object_set_integer (ledger_json, "records", (gint64) length);
    chain_json_object_set_string (ledger_json, "tip", chain_ledger_get_tip_commit_id (ledger));
    chain_json_object_set_integer (ledger_json, "tip_seq", (gint64) length - 1);
    if (chain_sync_pin_read (pin_path, &pin, &pin_seq, NULL))
      {
        chain_json_object_set_string (ledger_json, "pinned_tip", pin);
        chain_json_object_set_integer (ledger_json, "pinned_seq", pin_seq);
      }
    else
      {
        chain_json_object_set (ledger_json, "pinned_tip", chain_json_new_null ());
        chain_json_object_set (ledger_json, "pinned_seq", chain_json_new_null ());
      }
    chain_json_object_set_integer (ledger_json, "issued",
                                   (gint64) chain_ledger_state_get_n_issued (st->state));
    chain_json_object_set_integer (ledger_json, "revoked",
                                   (gint64) chain_ledger_state_get_n_revoked (st->state));
    chain_json_object_set (ledger_json, "checkpoints", checkpoints_to_json (st));
    chain_json_object_set (json, "ledger", ledger_json);
    {
      CustodyJson out = { st, custody };

      chain_ledger_state_walk_custody (st->state, custody_to_json, NULL, &out);
    }
    chain_json_object_set (json, "custody", custody);
    chain_json_object_set (json, "requests", requests_to_json (st));
  }
  return json;
}

/* ---- Text ----------------------------------------------------------------- */

static void
print_ca (const Status *st, ChainCert *ca, const char *health)
{
  g_autofree char *subject = subject_of (ca);
  g_autofree char *sha256 = sha256_of (ca);
  g_autofree char *sha1 = azure_sha1_of (ca);
  g_autofree char *not_before = chain_cli_format_time (chain_cert_get_not_before (ca));
  g_autofree char *not_after = chain_cli_format_time (chain_cert_get_not_after (ca));

  /* Translators: the labels of `chain status`; keep the values in one column. */
  chain_cli_print (st->globals, _("  CA          %s\n"), subject);
  chain_cli_print (st->globals, _("  SHA-256     %s\n"), sha256);
  chain_cli_print (st->globals, _("  SHA-1       %s (as Azure shows it)\n"), sha1);
  if (health != NULL)
    /* Translators: from and to dates, then the health (valid, expiring,
     * expired, revoked, pending or retired; not translated). */
    chain_cli_print (st->globals, _("  valid       %s to %s: %s\n"), not_before, not_after, health);
  else
    chain_cli_print (st->globals, _("  valid       %s to %s\n"), not_before, not_after);
}

/* "used / quota" under a custodian's row, and a quota waiting for approvals. */
static void
print_quota (const Status         *st,
             const ChainCustodian *c,
             guint                 depth)
{
  const ChainLedgerQuota *pending = pending_quota (st->state, c);
  guint64 max_devices = 0;

  if (chain_custodian_get_quota (c, &max_devices))
    /* Translators: under a custody tree row: devices the custodian and those
     * below it issued, then its quota. */
    chain_cli_print (st->globals, _("  %*s  quota: %" PRIu64 " / %" PRIu64 " devices used\n"), (int) depth * 2, "",
                     chain_custodian_get_n_devices_below (c), max_devices);
  if (pending != NULL)
    /* Translators: under a custody tree row: a new quota not in force yet. */
    chain_cli_print (st->globals, _("  %*s  quota %" PRIu64 " waiting for approvals ('chain approve %s')\n"),
                     (int) depth * 2, "", chain_ledger_quota_get_max_devices (pending), chain_custodian_get_id (c));
}

static void
print_custodian (const ChainCustodian *c, guint depth, gpointer user_data)
{
  const Status *st = user_data;
  const char *self_id = chain_workspace_get_custodian_id (st->workspace);
  ChainCert *ca = current_ca (c);
  g_autofree char *name = chain_cli_one_line (chain_custodian_get_name (c), 40);
  g_autofree char *until = ca != NULL ? chain_cli_format_time (chain_cert_get_not_after (ca)) : g_strdup ("-");
  g_autofree char *label = g_strdup_printf ("%*s%s%s", (int) depth * 2, "", chain_custodian_get_id (c),
                                            g_strcmp0 (chain_custodian_get_id (c), self_id) == 0 ? " *" : "");

  /* Translators: a row of the custody tree: id, name, tier, health (not
   * translated), end of validity, device count; keep the columns.
   * English keeps "(s)" in both forms; use your language's plural forms. */
  chain_cli_print (st->globals, ngettext ("  %-24s %-28s %-13s %-9s until %s  %" PRIu64 " device(s)\n",
                                          "  %-24s %-28s %-13s %-9s until %s  %" PRIu64 " device(s)\n",
                                          (gulong) chain_custodian_get_n_devices (c)),
                   label, name, chain_custodian_get_tier (c),
                   health_of (st, c), until, chain_custodian_get_n_devices (c));
  print_quota (st, c, depth);
}

static void
print_requests (const Status *st)
{
  const ChainPolicy *policy = chain_ledger_state_get_policy (st->state);
  guint threshold = chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_DELEGATION);
  guint shown = 0;

  for (guint i = 0; i < chain_ledger_state_get_n_requests (st->state); i++)
    {
      const ChainLedgerRequest *r = chain_ledger_state_get_request (st->state, i);
      g_autofree char *name = NULL;
      g_autofree char *id = NULL;

      if (chain_ledger_request_get_status (r) != CHAIN_REQUEST_STATUS_PENDING)
        continue;
      if (shown++ == 0)
        chain_cli_print (st->globals, _("Pending requests\n"));
      name = chain_cli_one_line (chain_ledger_request_get_name (r), 40);
      id = g_strndup (chain_ledger_request_get_id (r), 8);
      /* Translators: custodian id, its name, its tier (not translated), the
       * parent asked; approvals so far of the number needed (the count);
       * the request's id and its record. English keeps one form for both;
       * use your language's plural forms. */
      chain_cli_print (st->globals, ngettext ("  %s (%s), %s, asks %s: %u of %u officer approvals "
                                              "(request %s, record %" PRIu64 ")\n",
                                              "  %s (%s), %s, asks %s: %u of %u officer approvals "
                                              "(request %s, record %" PRIu64 ")\n", threshold),
                       chain_ledger_request_get_custodian_id (r), name,
                       chain_ledger_request_get_tier (r), chain_ledger_request_get_parent_id (r),
                       chain_ledger_request_get_n_approvals (r), threshold, id,
                       chain_ledger_request_get_seq (r));
    }
  if (shown == 0)
    chain_cli_print (st->globals, _("Pending requests: none\n"));
}

static void
print_status (const Status *st)
{
  g_auto(GStrv) officers = officers_of (st->workspace, FALSE);
  g_auto(GStrv) revoked_officers = officers_of (st->workspace, TRUE);
  g_autofree char *officer_list = g_strjoinv (", ", officers);
  g_autofree char *revoked_list = g_strjoinv (", ", revoked_officers);
  g_autofree char *org = chain_cli_one_line (chain_workspace_get_org (st->workspace), 0);
  ChainCert *ca = chain_workspace_get_ca (st->workspace);
  const ChainCustodian *self = chain_workspace_get_custodian (st->workspace);
  ChainLedger *ledger = NULL;
  g_autofree char *pin_path = NULL;
  g_autofree char *pin = NULL;
  gint64 pin_seq = -1;
  guint64 length;

  chain_cli_print (st->globals, _("Workspace %s\n"), chain_workspace_get_dir (st->workspace));
  chain_cli_print (st->globals, _("  custodian   %s (%s), tier %s\n"),
                   chain_workspace_get_custodian_id (st->workspace), org,
                   chain_workspace_get_tier (st->workspace));
  if (*officer_list != '\0')
    chain_cli_print (st->globals, _("  officers    %s\n"), officer_list);
  else
    chain_cli_print (st->globals, _("  officers    none\n"));
  if (*revoked_list != '\0')
    chain_cli_print (st->globals, _("  revoked     %s (officers; their keys act no more)\n"), revoked_list);
  chain_cli_print (st->globals, _("  keys        locked (status never unlocks them)\n"));
  {
    g_autofree char *ca_home = key_home (st, NULL, NULL, NULL);

    if (ca_home != NULL)
      /* Translators: where the CA key lives: "file", "tpm2", or "pkcs11 URI". */
      chain_cli_print (st->globals, _("    CA key    %s\n"), ca_home);
    for (guint i = 0; officers[i] != NULL; i++)
      {
        g_autofree char *home = key_home (st, officers[i], NULL, NULL);

        /* Translators: an officer's name, then where its key lives. */
        chain_cli_print (st->globals, _("    officer %s: %s\n"), officers[i], home != NULL ? home : "?");
      }
  }
  if (ca != NULL)
    print_ca (st, ca, self != NULL ? health_of (st, self) : NULL);

  if (st->state == NULL)
    {
      chain_cli_print (st->globals,
                       _("Ledger: none yet, waiting for a grant: send the request file to the "
                         "parent custodian, then run 'chain accept GRANT' with what it sends back\n"));
      return;
    }

  ledger = chain_workspace_get_ledger (st->workspace);
  length = chain_ledger_get_length (ledger);
  pin_path = chain_workspace_dup_pin_path (st->workspace);
  chain_cli_print (st->globals, _("Ledger %s\n"), chain_ledger_get_id (ledger));
  /* Translators: the number of records, then of certificates issued and of
   * certificates revoked. */
  chain_cli_print (st->globals, _("  records     %" PRIu64 " (%" PRIu64
                                  " certificates issued, %" PRIu64 " revoked)\n"), length,
                   chain_ledger_state_get_n_issued (st->state),
                   chain_ledger_state_get_n_revoked (st->state));
  chain_cli_print (st->globals, _("  tip         record %" PRId64 ", commit %s\n"),
                   (gint64) length - 1, chain_ledger_get_tip_commit_id (ledger));
  if (chain_sync_pin_read (pin_path, &pin, &pin_seq, NULL))
    {
      if (g_strcmp0 (pin, chain_ledger_get_tip_commit_id (ledger)) == 0)
        chain_cli_print (st->globals, _("  pinned tip  record %" PRId64 ", commit %s (the tip)\n"),
                         pin_seq, pin);
      else if (pin_seq >= 0 && (guint64) pin_seq < length)
        {
          guint64 behind = length - 1 - (guint64) pin_seq;

          chain_cli_print (st->globals,
                           /* Translators: English keeps "(s)" in both forms; use
                            * your language's plural forms. */
                           ngettext ("  pinned tip  record %" PRId64 ", commit %s (%" PRIu64
                                     " record(s) behind the tip)\n",
                                     "  pinned tip  record %" PRId64 ", commit %s (%" PRIu64
                                     " record(s) behind the tip)\n", (gulong) behind),
                           pin_seq, pin, behind);
        }
      else
        chain_cli_print (st->globals, _("  pinned tip  record %" PRId64 ", commit %s\n"), pin_seq, pin);
    }
  else
    chain_cli_print (st->globals, _("  pinned tip  none\n"));
  print_checkpoints (st);
  chain_cli_print (st->globals, _("Custody (* this workspace)\n"));
  chain_ledger_state_walk_custody (st->state, print_custodian, NULL, (gpointer) st);
  print_requests (st);
}

gboolean
cmd_status (const ChainCliGlobals *globals,
            int                    argc,
            char                 **argv,
            GCancellable          *cancellable,
            GError               **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("— overview of this workspace"));
  g_autoptr(ChainWorkspace) workspace = NULL;
  Status st = { globals, NULL, NULL, g_get_real_time () / G_USEC_PER_SEC };

  g_option_context_set_summary (context,
    N_("Shows this workspace (custodian, tier, CA, officers), its ledger (length, tip,\n"
       "pinned tip), the custody tree with the health of every CA (valid, expiring\n"
       "within 90 days, expired, revoked, pending) and its device counts, and the\n"
       "delegation requests waiting for approvals. Asks for no passphrase.\n\n"
       "Example:\n"
       "  chain -C oem status"));
  g_option_context_set_description (context,
    N_("Exit codes: 0 shown, 1 error (no workspace here), 2 usage, 3 the ledger breaks a\n"
       "rule or no longer descends from the pinned tip."));
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    return chain_cli_usage (error, "status", _("unexpected argument '%s'"), argv[1]);

  workspace = chain_cli_open_workspace (globals, FALSE, NULL, cancellable, error);
  if (workspace == NULL)
    return FALSE;
  st.workspace = workspace;
  st.state = chain_workspace_has_ledger (workspace) ? chain_workspace_get_state (workspace) : NULL;
  if (globals->json)
    chain_cli_print_json (globals, status_to_json (&st));
  else
    print_status (&st);
  return TRUE;
}
