/* custody-request.c — one delegation request in the inbox */
#include "custody-request.h"

#include <glib/gi18n.h>

struct _CustodyRequest {
  GObject                 parent_instance;
  ChainRequestFile       *file;
  char                   *file_path;
  ChainDelegationPreview *preview;
  char                   *custodian_id;
  char                   *org;
  char                   *tier;
  char                   *request_id;
  char                   *subtitle;
  guint                   approvals;
  guint                   threshold;
  guint                   missing;      /* libchain's count, the delegating officer included */
  GStrv                   approved_by;
  GStrv                   can_approve;
  CustodyRequestVerdict   verdict;
  char                   *verdict_label;
  char                   *refusal;
  GPtrArray              *fields;
  GPtrArray              *approval_fields;
};

G_DEFINE_FINAL_TYPE (CustodyRequest, custody_request, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_SUBTITLE,
  PROP_VERDICT_LABEL,
  PROP_VERDICT_ICON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
custody_request_finalize (GObject *object)
{
  CustodyRequest *self = CUSTODY_REQUEST (object);

  g_clear_pointer (&self->file, chain_request_file_free);
  g_clear_pointer (&self->preview, chain_delegation_preview_free);
  g_free (self->file_path);
  g_free (self->custodian_id);
  g_free (self->org);
  g_free (self->tier);
  g_free (self->request_id);
  g_free (self->subtitle);
  g_strfreev (self->approved_by);
  g_strfreev (self->can_approve);
  g_free (self->verdict_label);
  g_free (self->refusal);
  g_ptr_array_unref (self->fields);
  g_ptr_array_unref (self->approval_fields);
  G_OBJECT_CLASS (custody_request_parent_class)->finalize (object);
}

static const char *
verdict_icon (CustodyRequestVerdict verdict)
{
  switch (verdict)
    {
    case CUSTODY_REQUEST_READY:
      return "emblem-ok-symbolic";
    case CUSTODY_REQUEST_NEEDS_APPROVAL:
      return "system-users-symbolic";
    case CUSTODY_REQUEST_REFUSED:
      return "action-unavailable-symbolic";
    case CUSTODY_REQUEST_NEEDS_FILE:
    default:
      return "document-open-symbolic";
    }
}

static void
custody_request_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CustodyRequest *self = CUSTODY_REQUEST (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->org);
      break;
    case PROP_SUBTITLE:
      g_value_set_string (value, self->subtitle);
      break;
    case PROP_VERDICT_LABEL:
      g_value_set_string (value, self->verdict_label);
      break;
    case PROP_VERDICT_ICON:
      g_value_set_string (value, verdict_icon (self->verdict));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_request_class_init (CustodyRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = custody_request_finalize;
  object_class->get_property = custody_request_get_property;

  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBTITLE] = g_param_spec_string ("subtitle", NULL, NULL, NULL,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERDICT_LABEL] = g_param_spec_string ("verdict-label", NULL, NULL, NULL,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERDICT_ICON] = g_param_spec_string ("verdict-icon", NULL, NULL, NULL,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
custody_request_init (CustodyRequest *self)
{
  self->fields = custody_fields_new ();
  self->approval_fields = custody_fields_new ();
}

static char *
officer_name (const ChainCustodian *custodian,
              guint                 index)
{
  g_autoptr(ChainName) subject = chain_cert_dup_subject (chain_custodian_get_officer (custodian, index));

  return chain_name_dup_common_name (subject);
}

/* Who approved (by key id) and which current officers have not. */
static void
fill_officers (CustodyRequest           *self,
               const ChainCustodian     *parent,
               const ChainLedgerRequest *recorded)
{
  g_autoptr(GStrvBuilder) approved = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) others = g_strv_builder_new ();
  guint n_officers = parent != NULL ? chain_custodian_get_n_officers (parent) : 0;
  guint i;
  guint j;

  for (i = 0; i < n_officers; i++)
    {
      const char *key_id = chain_custodian_get_officer_key_id (parent, i);
      g_autofree char *name = officer_name (parent, i);
      gboolean has_approved = FALSE;

      for (j = 0; recorded != NULL && j < chain_ledger_request_get_n_approvals (recorded); j++)
        if (g_strcmp0 (chain_ledger_request_get_approval_key_id (recorded, j), key_id) == 0)
          has_approved = TRUE;
      if (has_approved)
        g_strv_builder_add (approved, name);
      else if (!chain_custodian_is_officer_revoked (parent, i))
        g_strv_builder_add (others, name);
    }
  self->approved_by = g_strv_builder_end (approved);
  self->can_approve = g_strv_builder_end (others);
}

static void
decide (CustodyRequest *self)
{
  guint missing = self->missing;

  if (self->refusal != NULL)
    {
      self->verdict = CUSTODY_REQUEST_REFUSED;
      self->verdict_label = g_strdup (_("Refused by the policy"));
    }
  else if (missing > 0)
    {
      self->verdict = CUSTODY_REQUEST_NEEDS_APPROVAL;
      self->verdict_label = g_strdup_printf (ngettext ("Needs %u more approval",
                                                       "Needs %u more approvals", missing),
                                             missing);
    }
  else if (self->file == NULL)
    {
      self->verdict = CUSTODY_REQUEST_NEEDS_FILE;
      self->verdict_label = g_strdup (_("Import the request file to delegate"));
    }
  else
    {
      self->verdict = CUSTODY_REQUEST_READY;
      self->verdict_label = g_strdup (_("Ready to delegate"));
    }
}

static void
fill_preview_fields (CustodyRequest *self)
{
  const ChainDelegationPreview *preview = self->preview;
  g_autofree char *longest = custody_format_date (preview->max_not_after);
  g_autofree char *validity = custody_format_validity (preview->not_before, preview->not_after,
                                                       preview->not_before);

  custody_fields_add (self->fields, _("Organisation"), preview->org);
  custody_fields_add (self->fields, _("Custodian id"), preview->custodian_id);
  custody_fields_add (self->fields, _("Tier"), preview->tier);
  custody_fields_add (self->fields, _("Subject"), preview->subject);
  custody_fields_add (self->fields, _("Key"), custody_key_algorithm_to_label (preview->algorithm));
  custody_fields_take (self->fields, _("Path length"),
                       /* TRANSLATORS: the path length to issue, and the most the policy allows */
                       g_strdup_printf (_("%d (at most %d)"), preview->path_len, preview->max_path_len));
  custody_fields_take (self->fields, _("Validity"),
                       /* TRANSLATORS: validity period, then the latest end the policy and issuer allow */
                       g_strdup_printf (_("%s (at most until %s)"), validity, longest));
  custody_fields_add (self->fields, _("Name constraints"),
                      preview->name_constraints[0] != '\0' ? preview->name_constraints : _("None"));
}

static void
fill_recorded_fields (CustodyRequest           *self,
                      const ChainLedgerRequest *recorded)
{
  const ChainCsr *csr = chain_ledger_request_get_ca_csr (recorded);
  g_autoptr(ChainName) subject = chain_csr_dup_subject (csr);

  custody_fields_add (self->fields, _("Organisation"), self->org);
  custody_fields_add (self->fields, _("Custodian id"), self->custodian_id);
  custody_fields_add (self->fields, _("Tier"), self->tier);
  custody_fields_take (self->fields, _("Requested subject"), chain_name_to_string (subject));
  custody_fields_add (self->fields, _("Requested key"),
                      custody_key_algorithm_to_label (chain_csr_get_key_algorithm (csr)));
}

CustodyRequest *
custody_request_new (ChainWorkspace           *workspace,
                     const ChainRequestFile   *file,
                     const char               *file_path,
                     const ChainLedgerRequest *recorded)
{
  CustodyRequest *self = g_object_new (CUSTODY_TYPE_REQUEST, NULL);
  const ChainLedgerState *state = chain_workspace_get_state (workspace);
  const ChainCustodian *parent = chain_workspace_get_custodian (workspace);
  g_autoptr(GError) error = NULL;
  g_autofree char *approved = NULL;
  g_autofree char *others = NULL;

  g_return_val_if_fail (file != NULL || recorded != NULL, self);

  if (file != NULL)
    {
      /* Request files are not reference counted: keep our own copy. */
      self->file = chain_request_file_parse (chain_request_file_get_bytes (file), NULL);
      self->file_path = g_strdup (file_path);
      self->custodian_id = g_strdup (chain_request_file_get_custodian_id (file));
      self->org = g_strdup (chain_request_file_get_org (file));
      self->tier = g_strdup (chain_request_file_get_tier (file));
      self->preview = chain_workspace_preview_delegation (workspace, file, NULL, &error);
      if (self->preview == NULL)
        self->refusal = g_strdup (error->message);
      else if (!self->preview->allowed)
        self->refusal = g_strdup (self->preview->refusal);
      if (recorded == NULL && self->preview != NULL && self->preview->request_id != NULL && state != NULL)
        recorded = chain_ledger_state_find_request (state, self->preview->request_id);
    }
  else
    {
      self->custodian_id = g_strdup (chain_ledger_request_get_custodian_id (recorded));
      self->org = g_strdup (chain_ledger_request_get_name (recorded));
      self->tier = g_strdup (chain_ledger_request_get_tier (recorded));
    }
  if (recorded != NULL)
    {
      self->request_id = g_strdup (chain_ledger_request_get_id (recorded));
      self->approvals = chain_ledger_request_get_n_approvals (recorded);
    }
  self->threshold = state != NULL ? chain_delegation_count_wanted (state) : 1;
  self->missing = state != NULL ? chain_delegation_count_missing (state, recorded, NULL) : 0;
  fill_officers (self, parent, recorded);
  decide (self);

  /* TRANSLATORS: a request's tier · custodian id */
  self->subtitle = g_strdup_printf (_("%s · %s"), self->tier, self->custodian_id);
  if (self->preview != NULL)
    fill_preview_fields (self);
  else if (recorded != NULL)
    fill_recorded_fields (self, recorded);
  else
    {
      custody_fields_add (self->fields, _("Organisation"), self->org);
      custody_fields_add (self->fields, _("Custodian id"), self->custodian_id);
      custody_fields_add (self->fields, _("Tier"), self->tier);
    }
  if (self->file != NULL)
    custody_fields_take (self->fields, _("Requested on"),
                         custody_format_time (chain_request_file_get_time (self->file)));
  /* A file that does not verify is never imported (chain_request_file_load()
   * refuses it); a recorded request was verified when it was recorded. */
  if (self->file != NULL)
    custody_fields_add (self->fields, _("Signature"),
                        _("Valid: the requester’s officer key signed this file, unchanged since; both CSRs carry "
                          "valid self-signatures"));
  else if (recorded != NULL)
    custody_fields_add (self->fields, _("Signature"),
                        _("Checked when recorded: the ledger holds the request its officers signed"));
  custody_fields_add (self->fields, _("Request file"), self->file_path);
  custody_fields_add (self->fields, _("Request id"), self->request_id);

  custody_fields_take (self->approval_fields, _("Approvals"),
                       g_strdup_printf (_("%u of %u"), self->approvals, self->threshold));
  approved = g_strjoinv (", ", self->approved_by);
  others = g_strjoinv (", ", self->can_approve);
  custody_fields_add (self->approval_fields, _("Approved by"),
                      approved[0] != '\0' ? approved : _("Nobody yet"));
  custody_fields_add (self->approval_fields, _("Officers who can approve or sign"),
                      others[0] != '\0' ? others : _("No other officer"));
  return self;
}

const char *
custody_request_get_custodian_id (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->custodian_id;
}

const char *
custody_request_get_org (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->org;
}

const char *
custody_request_get_tier (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->tier;
}

const char *
custody_request_get_request_id (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->request_id;
}

const char *
custody_request_get_file_path (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->file_path;
}

const ChainRequestFile *
custody_request_get_file (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->file;
}

const ChainDelegationPreview *
custody_request_get_preview (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->preview;
}

CustodyRequestVerdict
custody_request_get_verdict (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), CUSTODY_REQUEST_REFUSED);
  return self->verdict;
}

const char *
custody_request_get_verdict_label (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->verdict_label;
}

const char *
custody_request_get_refusal (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->refusal;
}

guint
custody_request_get_approvals (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), 0);
  return self->approvals;
}

guint
custody_request_get_threshold (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), 0);
  return self->threshold;
}



GPtrArray *
custody_request_get_fields (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->fields;
}

GPtrArray *
custody_request_get_approval_fields (CustodyRequest *self)
{
  g_return_val_if_fail (CUSTODY_IS_REQUEST (self), NULL);
  return self->approval_fields;
}
