/* chain-delegation.c — asking for a sub-CA, granting it, joining the ledger */
#include "chain-delegation.h"
#include "chain-quota.h"
#include "chain-workspace-private.h"

#include <string.h>
#include <glib/gstdio.h>

#include "chain-audit.h"
#include "chain-error.h"
#include "chain-i18n-private.h"
#include "chain-ledger-private.h"
#include "chain-pki-private.h"
#include "chain-sync.h"

#define DAY (24 * 60 * 60)
/* A sub-CA starts a minute in the past, so clocks a little behind accept it. */
#define BACKDATE 60

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---- The child makes its workspace and request -------------------------------- */

static ChainCsr *
make_csr (ChainKey   *key,
          const char *subject_text,
          GError    **error)
{
  g_autoptr(ChainName) subject = chain_name_parse (subject_text, error);

  return subject != NULL ? chain_csr_new (key, subject, error) : NULL;
}

static gboolean
write_request (ChainWorkspace              *self,
               const ChainWorkspaceOptions *options,
               const char                  *request_path,
               GError                     **error)
{
  g_autofree char *ca_subject = chain_workspace_ca_subject (options->org, options->namespace);
  g_autofree char *officer_subject = NULL;
  g_autofree char *copy_path = chain_workspace_build_path (self, "request.json");
  g_autoptr(ChainCsr) ca_csr = NULL;
  g_autoptr(ChainCsr) officer_csr = NULL;
  g_autoptr(GBytes) request = NULL;
  const char *officer = chain_workspace_get_unlocked_officer (self);

  /* The officer's name sits under the CA's, as the issuer will put it. */
  officer_subject = g_strdup_printf ("CN=%s,%s", officer, strchr (ca_subject, ',') + 1);
  ca_csr = make_csr (chain_workspace_get_ca_key (self), ca_subject, error);
  if (ca_csr == NULL)
    return FALSE;
  officer_csr = make_csr (chain_workspace_officer_key (self), officer_subject, error);
  if (officer_csr == NULL)
    return FALSE;
  request = chain_request_file_build (chain_workspace_get_custodian_id (self), options->org, options->tier, ca_csr,
                                      officer_csr, chain_workspace_get_ca_key (self),
                                      chain_workspace_officer_key (self), error);
  return request != NULL
         && g_file_set_contents_full (copy_path, g_bytes_get_data (request, NULL), (gssize) g_bytes_get_size (request),
                                      G_FILE_SET_CONTENTS_CONSISTENT, 0644, error)
         && g_file_set_contents_full (request_path, g_bytes_get_data (request, NULL),
                                      (gssize) g_bytes_get_size (request),
                                      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644, error);
}

ChainWorkspace *
chain_workspace_request (const char                  *dir,
                         const ChainWorkspaceOptions *options,
                         const char                  *request_path,
                         GCancellable                *cancellable,
                         GError                     **error)
{
  g_autoptr(ChainWorkspace) self = NULL;
  g_autofree char *id = NULL;
  g_autoptr(ChainName) check = NULL;
  gboolean made_dir = FALSE;

  (void) cancellable;
  if (!chain_workspace_resolve_identity (options, &id, error))
    return NULL;
  if (options->tier == NULL || !chain_statement_check_custodian_id (options->tier, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a request names the tier asked for (e.g. manufacturer or distributor)"));
      return NULL;
    }
  if (options->namespace != NULL)
    {
      check = chain_name_parse (options->namespace, error);
      if (check == NULL)
        return NULL;
    }
  if (g_file_test (request_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS, _("%s exists already; choose another file name"),
                   request_path);
      return NULL;
    }
  if (!chain_workspace_make_layout (dir, &made_dir, error))
    return NULL;
  self = chain_workspace_create_keys (dir, options, id, options->tier, error);
  if (self == NULL || !write_request (self, options, request_path, error) || !chain_workspace_save (self, error))
    {
      if (self != NULL)
        chain_workspace_discard_keys (self);
      g_clear_pointer (&self, chain_workspace_free);
      chain_workspace_remove_layout (dir, made_dir);
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* The statement id (and seq) of the last delegation to @child. */
static char *
find_delegation (ChainLedger *ledger,
                 const char  *child,
                 guint64     *out_seq,
                 GError     **error)
{
  for (guint64 seq = chain_ledger_get_length (ledger); seq > 0; seq--)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (ledger, seq - 1, error);
      ChainStatement *statement = NULL;
      const char *name = NULL;

      if (record == NULL)
        return NULL;
      statement = chain_record_get_statement (record);
      if (chain_statement_get_record_type (statement) == CHAIN_RECORD_TYPE_DELEGATION
          && chain_json_object_get_string_member (chain_statement_get_body (statement), "child", &name, NULL)
          && g_strcmp0 (name, child) == 0)
        {
          if (out_seq != NULL)
            *out_seq = seq - 1;
          return g_strdup (chain_statement_get_id (statement));
        }
    }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("the grant holds no delegation to '%s'"), child);
  return NULL;
}

static gboolean
csr_key_matches (const ChainCsr *csr,
                 ChainCert      *cert)
{
  g_autofree char *csr_key = chain_csr_dup_public_key_sha256 (csr);
  g_autofree char *cert_key = chain_cert_dup_public_key_sha256 (cert);

  return g_strcmp0 (csr_key, cert_key) == 0;
}

/* Whether this very request (its custodian, with its CA key) was granted
 * already: then its grant may be written again. Another custodian of the
 * same id is CHAIN_ERROR_EXISTS. */
static gboolean
delegated_already (ChainWorkspace         *self,
                   const ChainRequestFile *request,
                   GError                **error)
{
  const ChainCustodian *custodian =
    chain_ledger_state_find_custodian (chain_workspace_get_state (self), chain_request_file_get_custodian_id (request));

  if (custodian == NULL || chain_custodian_get_n_cas (custodian) == 0)
    return FALSE;
  if (g_strcmp0 (chain_custodian_get_parent_id (custodian), chain_workspace_get_custodian_id (self)) == 0
      && csr_key_matches (chain_request_file_get_ca_csr (request), chain_custodian_get_ca (custodian, 0)))
    return TRUE;
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
               _("the ledger has a custodian '%s' already; the requester must choose another id"),
               chain_request_file_get_custodian_id (request));
  return FALSE;
}

/* ---- Previewing a delegation --------------------------------------------------- */

void
chain_delegation_preview_free (ChainDelegationPreview *self)
{
  if (self == NULL)
    return;
  g_free (self->custodian_id);
  g_free (self->org);
  g_free (self->tier);
  g_free (self->subject);
  g_free (self->name_constraints);
  g_free (self->refusal);
  g_free (self->request_id);
  g_free (self);
}

/* The pending request of @custodian_id made to this workspace, if any. */
static const ChainLedgerRequest *
find_pending_request (const ChainWorkspace *self,
                      const char           *custodian_id)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);

  for (guint i = chain_ledger_state_get_n_requests (state); i > 0; i--)
    {
      const ChainLedgerRequest *request = chain_ledger_state_get_request (state, i - 1);

      if (g_strcmp0 (chain_ledger_request_get_custodian_id (request), custodian_id) == 0
          && g_strcmp0 (chain_ledger_request_get_parent_id (request), chain_workspace_get_custodian_id (self)) == 0
          && chain_ledger_request_get_status (request) == CHAIN_REQUEST_STATUS_PENDING)
        return request;
    }
  return NULL;
}

/* The default constraint: the CA's own subject without its CN. */
static ChainNameConstraints *
default_constraints (const ChainCsr *csr,
                     GError        **error)
{
  g_autoptr(ChainName) subject = chain_csr_dup_subject (csr);
  g_autofree char *text = chain_name_to_string (subject);
  g_autofree char *line = NULL;
  const char *rest = strchr (text, ',');

  /* RFC 4514 puts the CN first; escaped commas only occur after a '\'. */
  while (rest != NULL && rest > text && rest[-1] == '\\')
    rest = strchr (rest + 1, ',');
  if (!g_str_has_prefix (text, "CN=") || rest == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the requested subject '%s' has nothing below its CN to constrain the CA to; "
                     "give name constraints explicitly"), text);
      return NULL;
    }
  line = g_strdup_printf ("permitted:dirName:%s", rest + 1);
  return chain_name_constraints_parse (line, error);
}

static char *
constraints_text (const ChainNameConstraints *nc)
{
  char *text = nc != NULL ? chain_name_constraints_to_string (nc) : g_strdup ("");

  return g_strchomp (text);
}

static void
refuse (ChainDelegationPreview *preview,
        const char             *format,
        ...) G_GNUC_PRINTF (2, 3);

static void
refuse (ChainDelegationPreview *preview,
        const char             *format,
        ...)
{
  va_list args;

  if (!preview->allowed)
    return;
  preview->allowed = FALSE;
  va_start (args, format);
  preview->refusal = g_strdup_vprintf (format, args);
  va_end (args);
}

/* What the policy and this workspace's CA say about @request. */
static void
judge (ChainWorkspace         *self,
       const ChainRequestFile *request,
       ChainDelegationPreview *preview)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);
  const ChainPolicy *policy = chain_ledger_state_get_policy (state);
  const char *tier = chain_workspace_get_tier (self);

  if (chain_policy_find_tier (policy, preview->tier) < 0)
    refuse (preview, _("the policy has no tier '%s'"), preview->tier);
  else if (!chain_policy_may_delegate (policy, tier, preview->tier))
    /* Translators: both %s are tier names from the policy, e.g. 'distributor' (not translated). */
    refuse (preview, _("the policy does not let a '%s' delegate to a '%s'"), tier, preview->tier);
  if (!chain_policy_allows_algorithm (policy, preview->algorithm)
      || !chain_policy_allows_algorithm (policy, chain_csr_get_key_algorithm (chain_request_file_get_officer_csr (request))))
    refuse (preview, _("the policy does not allow the requested key algorithm %s"),
            chain_key_algorithm_to_string (preview->algorithm));
  if (chain_ledger_state_find_custodian (state, preview->custodian_id) != NULL)
    refuse (preview, _("the ledger has a custodian '%s' already; the requester must choose another id"),
            preview->custodian_id);
  if (preview->path_len < 0)
    refuse (preview, _("this CA allows no sub-CA below it (its path length is used up)"));
  else if (preview->path_len > preview->max_path_len)
    refuse (preview, _("path length %d exceeds the most allowed, %d"), preview->path_len, preview->max_path_len);
  if (preview->not_after > preview->max_not_after || preview->not_after <= preview->not_before)
    refuse (preview, _("the validity asked for ends after what the policy and this CA allow"));
  /* What the issuer would refuse, judged here too: the dry run and the
   * real run give one verdict. */
  if (chain_workspace_get_ca_chain (self) != NULL)
    {
      g_autoptr(GError) local = NULL;

      if (!chain_issuer_check_sub_ca_csr (chain_workspace_get_ca_chain (self),
                                          chain_request_file_get_ca_csr (request), &local))
        refuse (preview, "%s", local->message);
    }
}

static void
fill_validity (ChainWorkspace             *self,
               const ChainDelegateOptions *options,
               ChainDelegationPreview     *preview)
{
  const ChainPolicy *policy = chain_ledger_state_get_policy (chain_workspace_get_state (self));
  ChainCert *ca = chain_workspace_get_ca (self);
  gint64 tier_days = chain_policy_find_tier (policy, preview->tier) >= 0
                       ? chain_policy_get_max_validity_days (policy, preview->tier) : 0;
  gint64 now = now_s ();

  preview->not_before = MAX (now - BACKDATE, chain_cert_get_not_before (ca));
  preview->max_not_after = MIN (preview->not_before + tier_days * DAY, chain_cert_get_not_after (ca));
  if (options->validity_days > 0)
    preview->not_after = preview->not_before + options->validity_days * DAY;
  else
    preview->not_after = preview->max_not_after;
}

static void
fill_path_len (ChainWorkspace             *self,
               const ChainDelegateOptions *options,
               ChainDelegationPreview     *preview)
{
  const ChainPolicy *policy = chain_ledger_state_get_policy (chain_workspace_get_state (self));
  int own = chain_cert_get_path_len (chain_workspace_get_ca (self));
  int tier_max = chain_policy_find_tier (policy, preview->tier) >= 0
                   ? chain_policy_get_max_path_len (policy, preview->tier) : 0;

  /* An unlimited CA (negative) leaves the tier's maximum. */
  preview->max_path_len = own < 0 ? tier_max : MIN (tier_max, own - 1);
  preview->path_len = options->path_len >= 0 ? options->path_len : preview->max_path_len;
}

/* The constraints the sub-CA would carry, as the tier wants them. */
static ChainNameConstraints *
choose_constraints (ChainWorkspace             *self,
                    const ChainRequestFile     *request,
                    const ChainDelegateOptions *options,
                    GError                    **error)
{
  const ChainPolicy *policy = chain_ledger_state_get_policy (chain_workspace_get_state (self));
  const char *tier = chain_request_file_get_tier (request);

  if (options->name_constraints != NULL)
    return chain_name_constraints_copy (options->name_constraints);
  if (chain_policy_find_tier (policy, tier) >= 0 && chain_policy_get_require_name_constraints (policy, tier))
    return default_constraints (chain_request_file_get_ca_csr (request), error);
  return NULL;
}

ChainDelegationPreview *
chain_workspace_preview_delegation (ChainWorkspace             *self,
                                    const ChainRequestFile     *request,
                                    const ChainDelegateOptions *options,
                                    GError                    **error)
{
  ChainDelegateOptions defaults = CHAIN_DELEGATE_OPTIONS_INIT;
  g_autoptr(ChainDelegationPreview) preview = g_new0 (ChainDelegationPreview, 1);
  g_autoptr(ChainName) subject = chain_csr_dup_subject (chain_request_file_get_ca_csr (request));
  g_autoptr(ChainNameConstraints) nc = NULL;
  g_autoptr(GError) local = NULL;
  const ChainLedgerRequest *recorded = NULL;
  const ChainPolicy *policy = NULL;

  if (chain_workspace_get_state (self) == NULL || chain_workspace_get_ca (self) == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("this workspace has no CA in a ledger yet; it cannot delegate"));
      return NULL;
    }
  if (options == NULL)
    options = &defaults;
  policy = chain_ledger_state_get_policy (chain_workspace_get_state (self));
  preview->allowed = TRUE;
  preview->custodian_id = g_strdup (chain_request_file_get_custodian_id (request));
  preview->org = g_strdup (chain_request_file_get_org (request));
  preview->tier = g_strdup (chain_request_file_get_tier (request));
  preview->subject = chain_name_to_string (subject);
  preview->algorithm = chain_csr_get_key_algorithm (chain_request_file_get_ca_csr (request));
  fill_path_len (self, options, preview);
  fill_validity (self, options, preview);
  nc = choose_constraints (self, request, options, &local);
  if (local != NULL)
    refuse (preview, "%s", local->message);
  preview->name_constraints = constraints_text (nc);
  preview->threshold = chain_policy_get_threshold (policy, CHAIN_RECORD_TYPE_DELEGATION);
  recorded = find_pending_request (self, preview->custodian_id);
  if (recorded != NULL)
    {
      preview->request_id = g_strdup (chain_ledger_request_get_id (recorded));
      preview->approvals = chain_ledger_request_get_n_approvals (recorded);
    }
  preview->delegated_seq = -1;
  if (delegated_already (self, request, NULL))
    {
      guint64 seq = 0;
      g_autofree char *id = find_delegation (chain_workspace_get_ledger (self), preview->custodian_id, &seq, NULL);

      if (id != NULL)
        preview->delegated_seq = (gint64) seq;
    }
  judge (self, request, preview);
  return g_steal_pointer (&preview);
}

/* ---- Granting ------------------------------------------------------------------ */

static gboolean
add_pem_artifact (ChainStatement *statement,
                  const char     *name,
                  GBytes         *pem,
                  GError        **error)
{
  return chain_statement_add_artifact (statement, name, pem, error);
}

static char *
record_request (ChainWorkspace         *self,
                const ChainRequestFile *request,
                GCancellable           *cancellable,
                GError                **error)
{
  ChainJson *body = chain_json_new_object ();
  ChainJson *custodian = chain_json_new_object ();
  g_autoptr(ChainStatement) statement = NULL;
  g_autoptr(GBytes) ca_pem = chain_csr_to_pem (chain_request_file_get_ca_csr (request));
  g_autoptr(GBytes) officer_pem = chain_csr_to_pem (chain_request_file_get_officer_csr (request));

  chain_json_object_set_string (custodian, "id", chain_request_file_get_custodian_id (request));
  chain_json_object_set_string (custodian, "name", chain_request_file_get_org (request));
  chain_json_object_set_string (custodian, "tier", chain_request_file_get_tier (request));
  chain_json_object_set (body, "custodian", custodian);
  chain_json_object_set_string (body, "parent", chain_workspace_get_custodian_id (self));
  {
    ChainKeyStore ca_store, officer_store;

    chain_request_file_get_key_stores (request, &ca_store, &officer_store);
    chain_workspace_set_key_stores (body, ca_store, officer_store);
  }
  statement = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_DELEGATION_REQUEST, body, error);
  if (statement == NULL || !add_pem_artifact (statement, "ca.csr", ca_pem, error)
      || !add_pem_artifact (statement, "officer.csr", officer_pem, error)
      || !add_pem_artifact (statement, "request.json", chain_request_file_get_bytes (request), error)
      || !chain_workspace_commit (self, statement, NULL, cancellable, error))
    return NULL;
  return g_strdup (chain_statement_get_id (statement));
}

guint
chain_delegation_count_agreed (const ChainLedgerRequest *request,
                               const char               *delegating_key_id)
{
  guint n;

  g_return_val_if_fail (request != NULL, 0);

  n = chain_ledger_request_get_n_approvals (request);
  for (guint i = 0; delegating_key_id != NULL && i < n; i++)
    if (g_strcmp0 (chain_ledger_request_get_approval_key_id (request, i), delegating_key_id) == 0)
      return n;
  return n + 1;
}

guint
chain_delegation_count_wanted (const ChainLedgerState *state)
{
  g_return_val_if_fail (state != NULL, 1);
  return chain_policy_get_threshold (chain_ledger_state_get_policy (state), CHAIN_RECORD_TYPE_DELEGATION);
}

guint
chain_delegation_count_missing (const ChainLedgerState   *state,
                                const ChainLedgerRequest *request,
                                const char               *delegating_key_id)
{
  guint threshold;
  guint agreed;

  g_return_val_if_fail (state != NULL, 0);

  threshold = chain_delegation_count_wanted (state);
  agreed = request != NULL ? chain_delegation_count_agreed (request, delegating_key_id) : 1;
  return agreed < threshold ? threshold - agreed : 0;
}

/* Officer keys that agree when this workspace's officer delegates. */
static guint
count_approvals (ChainWorkspace           *self,
                 const ChainLedgerRequest *request)
{
  g_autofree char *ours = chain_key_dup_public_key_sha256 (chain_workspace_officer_key (self));

  return chain_delegation_count_agreed (request, ours);
}

static ChainStatement *
delegation_statement (ChainWorkspace *self,
                      const char     *request_id,
                      const char     *child,
                      ChainCert      *ca,
                      guint64         max_devices,
                      GError        **error)
{
  g_autoptr(ChainNameConstraints) nc = chain_cert_dup_name_constraints (ca);
  g_autoptr(GBytes) pem = chain_cert_to_pem (ca);
  g_autoptr(ChainStatement) statement = NULL;
  ChainJson *body = chain_json_new_object ();
  ChainJson *list = chain_json_new_array ();

  if (nc != NULL)
    {
      g_autofree char *text = chain_name_constraints_to_string (nc);
      g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0')
          chain_json_array_append (list, chain_json_new_string (lines[i]));
    }
  chain_json_object_set_string (body, "request", request_id);
  chain_json_object_set_string (body, "child", child);
  chain_json_object_set_integer (body, "path_len", chain_cert_get_path_len (ca));
  chain_json_object_set_integer (body, "not_before", chain_cert_get_not_before (ca));
  chain_json_object_set_integer (body, "not_after", chain_cert_get_not_after (ca));
  chain_json_object_set (body, "name_constraints", list);
  /* Written only with a quota, so delegations without one keep their bytes. */
  if (max_devices > 0)
    chain_json_object_set_integer (body, "max_devices", (gint64) max_devices);
  statement = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_DELEGATION, body, error);
  if (statement == NULL || !add_pem_artifact (statement, "ca.pem", pem, error))
    return NULL;
  return g_steal_pointer (&statement);
}

static gboolean
write_grant (ChainWorkspace *self,
             const char     *grant_path,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autofree char *pin = chain_workspace_dup_pin_path (self);
  ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;

  options.pin_path = pin;
  return chain_sync_bundle_create (chain_ledger_get_path (chain_workspace_get_ledger (self)), grant_path, NULL,
                                   &options, NULL, cancellable, error);
}

gboolean
chain_workspace_delegate (ChainWorkspace             *self,
                          const ChainRequestFile     *request,
                          const ChainDelegateOptions *options,
                          const char                 *grant_path,
                          ChainDelegateOutcome       *out_outcome,
                          GCancellable               *cancellable,
                          GError                    **error)
{
  ChainDelegateOptions defaults = CHAIN_DELEGATE_OPTIONS_INIT;
  ChainDelegateOutcome outcome = { CHAIN_DELEGATE_GRANTED, 0, { 0 }, 0, 0 };
  g_autoptr(ChainDelegationPreview) preview = NULL;
  g_autoptr(ChainNameConstraints) nc = NULL;
  g_autoptr(ChainCert) ca = NULL;
  g_autoptr(ChainStatement) statement = NULL;
  g_autofree char *request_id = NULL;
  g_autoptr(GError) local = NULL;
  const ChainLedgerRequest *recorded = NULL;
  ChainIssueOptions issue = CHAIN_ISSUE_OPTIONS_INIT;
  ChainIssuer *issuer = NULL;

  g_return_val_if_fail (out_outcome != NULL, FALSE);

  if (options == NULL)
    options = &defaults;
  if (options->max_devices > (guint64) CHAIN_QUOTA_MAX)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a device quota of %" G_GUINT64_FORMAT " is too large; give 1 to %" G_GINT64_FORMAT),
                   options->max_devices, CHAIN_QUOTA_MAX);
      return FALSE;
    }
  if (g_file_test (grant_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS, _("%s exists already; choose another file name"), grant_path);
      return FALSE;
    }
  if (chain_workspace_get_state (self) != NULL && delegated_already (self, request, &local))
    {
      g_autofree char *id = find_delegation (chain_workspace_get_ledger (self),
                                             chain_request_file_get_custodian_id (request), &outcome.seq, error);

      if (id == NULL || !write_grant (self, grant_path, cancellable, error))
        return FALSE;
      *out_outcome = outcome;
      return TRUE;
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  issuer = chain_workspace_get_issuer (self, error);
  if (issuer == NULL)
    return FALSE;
  preview = chain_workspace_preview_delegation (self, request, options, error);
  if (preview == NULL)
    return FALSE;
  if (!preview->allowed)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, _("delegation to '%s' refused: %s"),
                   preview->custodian_id, preview->refusal);
      return FALSE;
    }
  /* Every check before the first append: the constraints, and the sub-CA
   * signed here in memory (nobody sees it unless its record lands), so a
   * refusal leaves no pending request behind. */
  nc = choose_constraints (self, request, options, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  issue.not_before = preview->not_before;
  issue.not_after = preview->not_after;
  issue.path_len = preview->path_len;
  issue.name_constraints = nc;
  ca = chain_issuer_issue_sub_ca (issuer, chain_request_file_get_ca_csr (request), &issue, error);
  if (ca == NULL)
    return FALSE;
  recorded = find_pending_request (self, preview->custodian_id);
  request_id = recorded != NULL ? g_strdup (chain_ledger_request_get_id (recorded))
                                : record_request (self, request, cancellable, error);
  if (request_id == NULL)
    return FALSE;
  recorded = chain_ledger_state_find_request (chain_workspace_get_state (self), request_id);
  g_strlcpy (outcome.request_id, request_id, sizeof outcome.request_id);
  outcome.agreed = count_approvals (self, recorded);
  outcome.threshold = preview->threshold;
  if (outcome.agreed < outcome.threshold)
    {
      outcome.status = CHAIN_DELEGATE_AWAITING_APPROVALS;
      *out_outcome = outcome;
      return TRUE;
    }
  statement = delegation_statement (self, request_id, preview->custodian_id, ca, options->max_devices, error);
  if (statement == NULL || !chain_workspace_commit (self, statement, &outcome.seq, cancellable, error))
    return FALSE;
  if (!write_grant (self, grant_path, cancellable, &local))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("the delegation is recorded, but the grant could not be written (%s); "
                     "delegating the same request again writes it"), local->message);
      return FALSE;
    }
  *out_outcome = outcome;
  return TRUE;
}

/* ---- Approving ------------------------------------------------------------------ */

static const ChainLedgerRequest *
lookup_request (const ChainWorkspace *self,
                const char           *name,
                GError              **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);
  const ChainLedgerRequest *found = NULL;

  for (guint i = 0; state != NULL && i < chain_ledger_state_get_n_requests (state); i++)
    {
      const ChainLedgerRequest *request = chain_ledger_state_get_request (state, i);
      gboolean by_id = strlen (name) >= 8 && g_str_has_prefix (chain_ledger_request_get_id (request), name);
      gboolean by_custodian = g_strcmp0 (chain_ledger_request_get_custodian_id (request), name) == 0
                              && chain_ledger_request_get_status (request) == CHAIN_REQUEST_STATUS_PENDING;

      if (!by_id && !by_custodian)
        continue;
      if (found != NULL && found != request)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("'%s' names more than one request; give more digits of its id"), name);
          return NULL;
        }
      found = request;
    }
  if (found == NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                 _("no delegation request '%s' in the ledger; 'chain status' lists the pending ones"), name);
  return found;
}

/* A quota waiting for approvals: agreeing twice is refused before writing. */
static gboolean
approve_quota (ChainWorkspace         *self,
               const ChainLedgerQuota *quota,
               gboolean                approve,
               guint64                *out_seq,
               GCancellable           *cancellable,
               GError                **error)
{
  g_autoptr(ChainStatement) statement = NULL;
  ChainJson *body = NULL;

  if (approve && chain_workspace_officer_key (self) != NULL)
    {
      g_autofree char *ours = chain_key_dup_public_key_sha256 (chain_workspace_officer_key (self));

      for (guint i = 0; i < chain_ledger_quota_get_n_approvals (quota); i++)
        if (g_strcmp0 (chain_ledger_quota_get_approval_key_id (quota, i), ours) == 0)
          {
            g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                         _("officer %s agreed to the quota of '%s' already; another officer must approve it"),
                         chain_workspace_get_unlocked_officer (self), chain_ledger_quota_get_custodian_id (quota));
            return FALSE;
          }
    }
  body = chain_json_new_object ();
  chain_json_object_set_string (body, "target", chain_ledger_quota_get_id (quota));
  chain_json_object_set_string (body, "decision", approve ? "approve" : "reject");
  statement = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_APPROVAL, body, error);
  return statement != NULL && chain_workspace_commit (self, statement, out_seq, cancellable, error);
}

gboolean
chain_workspace_approve (ChainWorkspace *self,
                         const char     *request_id,
                         gboolean        approve,
                         guint64        *out_seq,
                         GCancellable   *cancellable,
                         GError        **error)
{
  const ChainLedgerRequest *request = NULL;
  const ChainLedgerQuota *quota = NULL;
  g_autoptr(ChainStatement) statement = NULL;
  ChainJson *body = NULL;

  if (chain_workspace_get_state (self) != NULL)
    quota = chain_ledger_state_find_pending_quota (chain_workspace_get_state (self), request_id);
  if (quota != NULL)
    return approve_quota (self, quota, approve, out_seq, cancellable, error);
  request = lookup_request (self, request_id, error);
  if (request == NULL)
    return FALSE;
  if (approve && chain_workspace_officer_key (self) != NULL)
    {
      g_autofree char *ours = chain_key_dup_public_key_sha256 (chain_workspace_officer_key (self));

      for (guint i = 0; i < chain_ledger_request_get_n_approvals (request); i++)
        if (g_strcmp0 (chain_ledger_request_get_approval_key_id (request, i), ours) == 0)
          {
            g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                         _("officer %s approved the request of '%s' already; another officer must approve it"),
                         chain_workspace_get_unlocked_officer (self), chain_ledger_request_get_custodian_id (request));
            return FALSE;
          }
    }
  body = chain_json_new_object ();
  chain_json_object_set_string (body, "target", chain_ledger_request_get_id (request));
  chain_json_object_set_string (body, "decision", approve ? "approve" : "reject");
  statement = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_APPROVAL, body, error);
  return statement != NULL && chain_workspace_commit (self, statement, out_seq, cancellable, error);
}

/* ---- Accepting -------------------------------------------------------------------- */

/* Names the custodians the grant's ledger delegated to without acceptance. */
static char *
pending_children (const ChainLedgerState *state)
{
  g_autoptr(GString) names = g_string_new (NULL);
  gint64 now = now_s ();

  for (guint i = 0; i < chain_ledger_state_get_n_custodians (state); i++)
    {
      const ChainCustodian *c = chain_ledger_state_get_custodian (state, i);

      if (chain_custodian_get_status (c, now) == CHAIN_CUSTODY_STATUS_PENDING)
        g_string_append_printf (names, "%s'%s'", names->len > 0 ? ", " : "", chain_custodian_get_id (c));
    }
  if (names->len == 0)
    g_string_append (names, _("nobody awaiting acceptance"));
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static ChainStatement *
acceptance_statement (ChainWorkspace *self,
                      const char     *delegation_id,
                      ChainCert      *officer,
                      GError        **error)
{
  ChainJson *body = chain_json_new_object ();
  g_autoptr(ChainStatement) statement = NULL;
  g_autoptr(GBytes) pem = chain_cert_to_pem (officer);

  chain_json_object_set_string (body, "delegation", delegation_id);
  statement = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_ACCEPTANCE, body, error);
  if (statement == NULL || !add_pem_artifact (statement, "officer.pem", pem, error))
    return NULL;
  return g_steal_pointer (&statement);
}

/* Checks that the imported ledger delegates to this workspace's CA key. */
static gboolean
check_grant_is_ours (ChainWorkspace *self,
                     GError        **error)
{
  const ChainLedgerState *state = chain_workspace_get_state (self);
  const ChainCustodian *custodian = chain_workspace_get_custodian (self);
  g_autofree char *others = pending_children (state);

  if (custodian == NULL || chain_custodian_get_n_cas (custodian) == 0
      || !chain_cert_matches_key (chain_custodian_get_ca (custodian, chain_custodian_get_n_cas (custodian) - 1),
                                  chain_workspace_get_ca_key (self)))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("this grant is not for this workspace ('%s'): it delegates to %s; "
                     "ask the parent for the grant made from your request"),
                   chain_workspace_get_custodian_id (self), others);
      return FALSE;
    }
  if (!chain_custodian_is_accepted (custodian)
      && chain_custodian_get_status (custodian, now_s ()) == CHAIN_CUSTODY_STATUS_REVOKED)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("the sub-CA this grant delegates to '%s' was revoked before it was accepted; "
                     "ask the parent for a new delegation"),
                   chain_workspace_get_custodian_id (self));
      return FALSE;
    }
  if (chain_custodian_is_accepted (custodian))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_JOINED_ALREADY, _("'%s' has accepted its delegation already"),
                   chain_workspace_get_custodian_id (self));
      return FALSE;
    }
  return TRUE;
}

static gboolean
import_grant (ChainWorkspace *self,
              const char     *grant_path,
              const char     *trusted_root,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autofree char *path = chain_workspace_build_path (self, CHAIN_WORKSPACE_LEDGER_DIR);
  g_autofree char *pin = chain_workspace_dup_pin_path (self);
  g_autoptr(ChainLedger) empty = NULL;
  ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;

  if (!g_file_test (grant_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("no grant file at %s"), grant_path);
      return FALSE;
    }
  empty = chain_ledger_init (path, error);
  if (empty == NULL)
    return FALSE;
  options.pin_path = pin;
  options.verify = chain_audit_sync_verify;
  options.verify_data = (gpointer) trusted_root;
  return chain_sync_bundle_import (path, grant_path, &options, NULL, cancellable, error);
}

static gboolean
join (ChainWorkspace *self,
      GCancellable   *cancellable,
      guint64        *out_seq,
      GError        **error)
{
  g_autofree char *delegation_id = NULL;
  g_autoptr(ChainCert) officer = NULL;
  g_autoptr(ChainStatement) statement = NULL;
  ChainIssueOptions issue = CHAIN_ISSUE_OPTIONS_INIT;
  ChainIssuer *issuer = NULL;

  if (!chain_workspace_attach_ledger (self, cancellable, error) || !check_grant_is_ours (self, error))
    return FALSE;
  delegation_id = find_delegation (chain_workspace_get_ledger (self), chain_workspace_get_custodian_id (self), NULL,
                                   error);
  issuer = delegation_id != NULL ? chain_workspace_get_issuer (self, error) : NULL;
  if (issuer == NULL)
    return FALSE;
  chain_workspace_officer_validity (chain_workspace_get_ca (self), &issue);
  officer = chain_issuer_issue_officer (issuer, chain_workspace_get_unlocked_officer (self),
                                        chain_workspace_officer_key (self), &issue, error);
  if (officer == NULL || !chain_workspace_enrol_unlocked (self, officer, error))
    return FALSE;
  statement = acceptance_statement (self, delegation_id, officer, error);
  return statement != NULL && chain_workspace_commit (self, statement, out_seq, cancellable, error)
         && chain_workspace_set_joined (self, chain_ledger_get_id (chain_workspace_get_ledger (self)),
                                        chain_workspace_get_ca (self), error)
         && chain_workspace_write_certs (self, error);
}

gboolean
chain_workspace_accept (ChainWorkspace *self,
                        const char     *grant_path,
                        const char     *trusted_root,
                        guint64        *out_seq,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autofree char *ledger_path = chain_workspace_build_path (self, CHAIN_WORKSPACE_LEDGER_DIR);
  g_autofree char *pin = chain_workspace_dup_pin_path (self);

  if (chain_workspace_has_ledger (self))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_JOINED_ALREADY, _("this workspace has joined its ledger already"));
      return FALSE;
    }
  if (chain_workspace_get_ca_key (self) == NULL || chain_workspace_officer_key (self) == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE, _("the workspace is locked; unlock it with its passphrase"));
      return FALSE;
    }
  /* Not joined, yet a ledger is there: an accept that was killed left it
   * (a joined workspace names its ledger). Start that accept over. */
  if (g_file_test (ledger_path, G_FILE_TEST_EXISTS))
    {
      chain_remove_tree (ledger_path);
      g_remove (pin);
    }
  if (import_grant (self, grant_path, trusted_root, cancellable, error) && join (self, cancellable, out_seq, error))
    return TRUE;
  /* Leave the workspace as `chain request` made it. */
  chain_workspace_detach_ledger (self);
  chain_remove_tree (ledger_path);
  g_remove (pin);
  return FALSE;
}
