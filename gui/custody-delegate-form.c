/* custody-delegate-form.c — the delegate dialog's choices and live preview */
#include "custody-delegate-form.h"

#include <glib/gi18n.h>

struct _CustodyDelegateForm {
  GObject                 parent_instance;
  CustodySession         *session;
  CustodyRequest         *request;
  int                     path_len;
  int                     validity_days;
  char                   *constraints_text;
  ChainNameConstraints   *constraints;
  char                   *max_devices_text;
  guint64                 max_devices;
  gboolean                max_devices_valid;
  int                     max_path_len;
  int                     max_validity_days;
  gboolean                allowed;
  char                   *verdict;
  GPtrArray              *fields;
};

G_DEFINE_FINAL_TYPE (CustodyDelegateForm, custody_delegate_form, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH_LEN,
  PROP_VALIDITY_DAYS,
  PROP_NAME_CONSTRAINTS,
  PROP_MAX_DEVICES_TEXT,
  PROP_MAX_PATH_LEN,
  PROP_MAX_VALIDITY_DAYS,
  PROP_ALLOWED,
  PROP_VERDICT,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
custody_delegate_form_finalize (GObject *object)
{
  CustodyDelegateForm *self = CUSTODY_DELEGATE_FORM (object);

  g_clear_object (&self->session);
  g_clear_object (&self->request);
  g_free (self->constraints_text);
  chain_name_constraints_free (self->constraints);
  g_free (self->max_devices_text);
  g_free (self->verdict);
  g_ptr_array_unref (self->fields);
  G_OBJECT_CLASS (custody_delegate_form_parent_class)->finalize (object);
}

static int
days_between (gint64 from,
              gint64 until)
{
  return (int) MAX ((until - from + CUSTODY_DAY - 1) / CUSTODY_DAY, 0);
}

static void
set_verdict (CustodyDelegateForm *self,
             gboolean             allowed,
             char                *verdict)
{
  self->allowed = allowed;
  g_free (self->verdict);
  self->verdict = verdict;
}

/* The device quota typed: empty is none (0); else 1 to CHAIN_QUOTA_MAX,
 * digits only. */
static gboolean
parse_max_devices (const char *text,
                   guint64    *out_max_devices)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  guint64 value = 0;

  if (stripped[0] == '\0')
    {
      *out_max_devices = 0;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (stripped, 10, 1, (guint64) CHAIN_QUOTA_MAX, &value, NULL))
    return FALSE;
  *out_max_devices = value;
  return TRUE;
}

/* Asks libchain what the current choices would issue. */
static void
update (CustodyDelegateForm *self)
{
  ChainWorkspace *workspace = custody_session_get_workspace (self->session);
  const ChainRequestFile *file = custody_request_get_file (self->request);
  ChainDelegateOptions options = CHAIN_DELEGATE_OPTIONS_INIT;
  g_autoptr(ChainDelegationPreview) preview = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *validity = NULL;

  g_ptr_array_set_size (self->fields, 0);
  g_clear_pointer (&self->constraints, chain_name_constraints_free);
  self->max_devices_valid = parse_max_devices (self->max_devices_text, &self->max_devices);
  if (!self->max_devices_valid)
    {
      g_autofree char *most = g_strdup_printf ("%'" G_GINT64_FORMAT, CHAIN_QUOTA_MAX);

      self->max_devices = 0;
      set_verdict (self, FALSE,
                   /* Translators: %s is the largest quota, 1000000000000 as the locale writes it. */
                   g_strdup_printf (_("The device quota must be a whole number of devices from 1 to %s, "
                                      "or empty for none"), most));
      goto out;
    }
  if (self->constraints_text != NULL && g_strstrip (self->constraints_text)[0] != '\0')
    {
      self->constraints = chain_name_constraints_parse (self->constraints_text, &error);
      if (self->constraints == NULL)
        {
          set_verdict (self, FALSE, g_strdup_printf (_("The name constraints are not valid: %s"), error->message));
          goto out;
        }
    }
  if (workspace == NULL || file == NULL)
    {
      set_verdict (self, FALSE, g_strdup (_("The workspace is busy; wait until the last step is done")));
      goto out;
    }
  options.path_len = self->path_len;
  options.validity_days = self->validity_days;
  options.name_constraints = self->constraints;
  options.max_devices = self->max_devices;
  preview = chain_workspace_preview_delegation (workspace, file, &options, &error);
  if (preview == NULL)
    {
      set_verdict (self, FALSE, g_strdup (error->message));
      goto out;
    }
  validity = custody_format_validity (preview->not_before, preview->not_after, preview->not_before);
  custody_fields_add (self->fields, _("Subject"), preview->subject);
  custody_fields_add (self->fields, _("Key"), custody_key_algorithm_to_label (preview->algorithm));
  custody_fields_take (self->fields, _("Path length"), g_strdup_printf ("%d", preview->path_len));
  custody_fields_add (self->fields, _("Validity"), validity);
  custody_fields_add (self->fields, _("Name constraints"),
                      preview->name_constraints[0] != '\0' ? preview->name_constraints : _("None"));
  custody_fields_add (self->fields, _("Tier"), preview->tier);
  custody_fields_take (self->fields, _("Device quota"),
                       self->max_devices > 0 ? g_strdup_printf ("%'" G_GUINT64_FORMAT, self->max_devices)
                                             : g_strdup (_("None")));
  custody_fields_take (self->fields, _("Approvals"),
                       g_strdup_printf (_("%u of %u"), preview->approvals, preview->threshold));
  if (preview->allowed)
    set_verdict (self, TRUE, g_strdup (_("The policy allows this delegation")));
  else
    set_verdict (self, FALSE, g_strdup_printf (_("The policy refuses this delegation: %s"), preview->refusal));

out:
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOWED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERDICT]);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
custody_delegate_form_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  CustodyDelegateForm *self = CUSTODY_DELEGATE_FORM (object);

  switch (prop_id)
    {
    case PROP_PATH_LEN:
      if (self->path_len == g_value_get_int (value))
        return;
      self->path_len = g_value_get_int (value);
      break;
    case PROP_VALIDITY_DAYS:
      if (self->validity_days == g_value_get_int (value))
        return;
      self->validity_days = g_value_get_int (value);
      break;
    case PROP_NAME_CONSTRAINTS:
      if (g_strcmp0 (self->constraints_text, g_value_get_string (value)) == 0)
        return;
      g_free (self->constraints_text);
      self->constraints_text = g_value_dup_string (value);
      break;
    case PROP_MAX_DEVICES_TEXT:
      if (g_strcmp0 (self->max_devices_text, g_value_get_string (value)) == 0)
        return;
      g_free (self->max_devices_text);
      self->max_devices_text = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
  if (self->request != NULL)
    update (self);
}

static void
custody_delegate_form_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  CustodyDelegateForm *self = CUSTODY_DELEGATE_FORM (object);

  switch (prop_id)
    {
    case PROP_PATH_LEN:
      g_value_set_int (value, self->path_len);
      break;
    case PROP_VALIDITY_DAYS:
      g_value_set_int (value, self->validity_days);
      break;
    case PROP_NAME_CONSTRAINTS:
      g_value_set_string (value, self->constraints_text);
      break;
    case PROP_MAX_DEVICES_TEXT:
      g_value_set_string (value, self->max_devices_text);
      break;
    case PROP_MAX_PATH_LEN:
      g_value_set_int (value, self->max_path_len);
      break;
    case PROP_MAX_VALIDITY_DAYS:
      g_value_set_int (value, self->max_validity_days);
      break;
    case PROP_ALLOWED:
      g_value_set_boolean (value, self->allowed);
      break;
    case PROP_VERDICT:
      g_value_set_string (value, self->verdict);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_delegate_form_class_init (CustodyDelegateFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = custody_delegate_form_finalize;
  object_class->get_property = custody_delegate_form_get_property;
  object_class->set_property = custody_delegate_form_set_property;

  properties[PROP_PATH_LEN] = g_param_spec_int ("path-len", NULL, NULL, 0, CHAIN_POLICY_MAX_PATH_LEN, 0, rw);
  properties[PROP_VALIDITY_DAYS] = g_param_spec_int ("validity-days", NULL, NULL, 1,
                                                     CHAIN_POLICY_MAX_VALIDITY_DAYS, 1, rw);
  properties[PROP_NAME_CONSTRAINTS] = g_param_spec_string ("name-constraints", NULL, NULL, NULL, rw);
  /* The device quota as typed: empty for none, else 1 to CHAIN_QUOTA_MAX. */
  properties[PROP_MAX_DEVICES_TEXT] = g_param_spec_string ("max-devices-text", NULL, NULL, NULL, rw);
  properties[PROP_MAX_PATH_LEN] = g_param_spec_int ("max-path-len", NULL, NULL, 0,
                                                    CHAIN_POLICY_MAX_PATH_LEN, 0, ro);
  properties[PROP_MAX_VALIDITY_DAYS] = g_param_spec_int ("max-validity-days", NULL, NULL, 1,
                                                         CHAIN_POLICY_MAX_VALIDITY_DAYS, 1, ro);
  properties[PROP_ALLOWED] = g_param_spec_boolean ("allowed", NULL, NULL, FALSE, ro);
  properties[PROP_VERDICT] = g_param_spec_string ("verdict", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CustodyDelegateForm::changed:
   *
   * The preview changed: read the fields and the verdict again.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
custody_delegate_form_init (CustodyDelegateForm *self)
{
  self->fields = custody_fields_new ();
  self->validity_days = 1;
  self->max_validity_days = 1;
  self->max_devices_valid = TRUE;
}

CustodyDelegateForm *
custody_delegate_form_new (CustodySession *session,
                           CustodyRequest *request)
{
  CustodyDelegateForm *self = g_object_new (CUSTODY_TYPE_DELEGATE_FORM, NULL);
  const ChainDelegationPreview *preview = custody_request_get_preview (request);

  self->session = g_object_ref (session);
  self->request = g_object_ref (request);
  if (preview != NULL)
    {
      self->max_path_len = MAX (preview->max_path_len, 0);
      self->path_len = CLAMP (preview->path_len, 0, self->max_path_len);
      self->max_validity_days = MAX (days_between (preview->not_before, preview->max_not_after), 1);
      self->validity_days = CLAMP (days_between (preview->not_before, preview->not_after), 1,
                                   self->max_validity_days);
      self->constraints_text = g_strdup (preview->name_constraints);
    }
  update (self);
  return self;
}

CustodyRequest *
custody_delegate_form_get_request (CustodyDelegateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_DELEGATE_FORM (self), NULL);
  return self->request;
}

int
custody_delegate_form_get_max_path_len (CustodyDelegateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_DELEGATE_FORM (self), 0);
  return self->max_path_len;
}

int
custody_delegate_form_get_max_validity_days (CustodyDelegateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_DELEGATE_FORM (self), 1);
  return self->max_validity_days;
}

gboolean
custody_delegate_form_get_max_devices_valid (CustodyDelegateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_DELEGATE_FORM (self), FALSE);
  return self->max_devices_valid;
}

gboolean
custody_delegate_form_get_allowed (CustodyDelegateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_DELEGATE_FORM (self), FALSE);
  return self->allowed;
}

const char *
custody_delegate_form_get_verdict (CustodyDelegateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_DELEGATE_FORM (self), NULL);
  return self->verdict;
}

GPtrArray *
custody_delegate_form_get_fields (CustodyDelegateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_DELEGATE_FORM (self), NULL);
  return self->fields;
}

gboolean
custody_delegate_form_get_options (CustodyDelegateForm  *self,
                                   ChainDelegateOptions *out_options)
{
  ChainDelegateOptions options = CHAIN_DELEGATE_OPTIONS_INIT;

  g_return_val_if_fail (CUSTODY_IS_DELEGATE_FORM (self), FALSE);

  if (!self->allowed)
    return FALSE;
  options.path_len = self->path_len;
  options.validity_days = self->validity_days;
  options.name_constraints = self->constraints;
  options.max_devices = self->max_devices;
  *out_options = options;
  return TRUE;
}

char *
custody_delegate_form_suggest_grant_name (CustodyDelegateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_DELEGATE_FORM (self), NULL);
  return g_strdup_printf ("%s.grant", custody_request_get_custodian_id (self->request));
}
