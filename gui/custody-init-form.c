/* custody-init-form.c — what "Create Workspace" asks, and whether it is complete */
#include "custody-init-form.h"
#include "custody-key-home.h"
#include "custody-passphrase-check.h"

#include <glib/gi18n.h>
#include <string.h>

struct _CustodyInitForm {
  GObject      parent_instance;
  char        *dir;
  char        *org;
  char        *custodian_id;
  char        *officer;
  guint        algorithm;
  int          validity_days;    /* 0: the policy's maximum */
  ChainPolicy *policy;
  ChainSecret *passphrase;
  ChainSecret *confirmation;
  CustodyKeyHome home;          /* where the CA and officer keys go */
  char        *problem;
};

G_DEFINE_FINAL_TYPE (CustodyInitForm, custody_init_form, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DIR,
  PROP_ORG,
  PROP_CUSTODIAN_ID,
  PROP_OFFICER,
  PROP_ALGORITHM,
  PROP_VALIDITY_DAYS,
  PROP_MAX_VALIDITY_DAYS,
  PROP_VALID,
  PROP_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const ChainKeyAlgorithm algorithms[] = {
  CHAIN_KEY_ALGORITHM_EC_P256,
  CHAIN_KEY_ALGORITHM_EC_P384,
  CHAIN_KEY_ALGORITHM_RSA_2048,
  CHAIN_KEY_ALGORITHM_RSA_3072,
  CHAIN_KEY_ALGORITHM_RSA_4096,
};

const char *const *
custody_init_form_get_algorithm_labels (void)
{
  static const char *labels[G_N_ELEMENTS (algorithms) + 1];
  gsize i;

  if (labels[0] == NULL)
    for (i = 0; i < G_N_ELEMENTS (algorithms); i++)
      labels[i] = custody_key_algorithm_to_label (algorithms[i]);
  return labels;
}


static void
custody_init_form_finalize (GObject *object)
{
  CustodyInitForm *self = CUSTODY_INIT_FORM (object);

  g_free (self->dir);
  g_free (self->org);
  g_free (self->custodian_id);
  g_free (self->officer);
  chain_policy_free (self->policy);
  chain_secret_free (self->passphrase);
  chain_secret_free (self->confirmation);
  custody_key_home_clear (&self->home);
  g_free (self->problem);
  G_OBJECT_CLASS (custody_init_form_parent_class)->finalize (object);
}

static gboolean
is_blank (const char *text)
{
  const char *p;

  for (p = text; p != NULL && *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

/* The first thing wrong with the form, or NULL. */
static char *
find_problem (CustodyInitForm *self)
{
  g_autoptr(GError) error = NULL;

  if (self->dir == NULL || self->dir[0] == '\0')
    return g_strdup (_("Choose a folder for the new workspace"));
  if (is_blank (self->org))
    return g_strdup (_("Enter the organisation’s name"));
  if (self->custodian_id != NULL && self->custodian_id[0] != '\0'
      && !chain_statement_check_custodian_id (self->custodian_id, &error))
    return g_strdup (error->message);
  if (self->officer != NULL && self->officer[0] != '\0'
      && !chain_workspace_check_officer_name (self->officer, &error))
    return g_strdup (error->message);
  if (!chain_policy_validate (self->policy, &error))
    return g_strdup (error->message);
  if (!chain_policy_allows_algorithm (self->policy, algorithms[self->algorithm]))
    return g_strdup_printf (_("The policy does not allow %s keys"),
                            custody_key_algorithm_to_label (algorithms[self->algorithm]));
  if (self->validity_days > custody_init_form_get_max_validity_days (self))
    return g_strdup_printf (_("The policy lets the root be valid for at most %lld days"),
                            (long long) custody_init_form_get_max_validity_days (self));
  /* A key in a token needs its PIN; one in the TPM nothing. */
  if (custody_key_home_get_store (&self->home) != CHAIN_KEY_STORE_FILE)
    return custody_key_home_problem (&self->home);
  return custody_passphrase_problem (self->passphrase, self->confirmation);
}

static void
check (CustodyInitForm *self)
{
  g_autofree char *problem = find_problem (self);
  gboolean was_valid = self->problem == NULL;

  if (g_strcmp0 (problem, self->problem) == 0)
    return;
  g_free (self->problem);
  self->problem = g_steal_pointer (&problem);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
  if (was_valid != (self->problem == NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
}

static void
set_string (char       **field,
            const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
custody_init_form_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CustodyInitForm *self = CUSTODY_INIT_FORM (object);

  switch (prop_id)
    {
    case PROP_DIR:
      set_string (&self->dir, value);
      break;
    case PROP_ORG:
      set_string (&self->org, value);
      break;
    case PROP_CUSTODIAN_ID:
      set_string (&self->custodian_id, value);
      break;
    case PROP_OFFICER:
      set_string (&self->officer, value);
      break;
    case PROP_ALGORITHM:
      self->algorithm = MIN (g_value_get_uint (value), G_N_ELEMENTS (algorithms) - 1);
      break;
    case PROP_VALIDITY_DAYS:
      self->validity_days = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
  check (self);
}

static void
custody_init_form_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CustodyInitForm *self = CUSTODY_INIT_FORM (object);

  switch (prop_id)
    {
    case PROP_DIR:
      g_value_set_string (value, self->dir);
      break;
    case PROP_ORG:
      g_value_set_string (value, self->org);
      break;
    case PROP_CUSTODIAN_ID:
      g_value_set_string (value, self->custodian_id);
      break;
    case PROP_OFFICER:
      g_value_set_string (value, self->officer);
      break;
    case PROP_ALGORITHM:
      g_value_set_uint (value, self->algorithm);
      break;
    case PROP_VALIDITY_DAYS:
      g_value_set_int (value, self->validity_days);
      break;
    case PROP_MAX_VALIDITY_DAYS:
      g_value_set_int (value, (int) custody_init_form_get_max_validity_days (self));
      break;
    case PROP_VALID:
      g_value_set_boolean (value, self->problem == NULL);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_init_form_class_init (CustodyInitFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = custody_init_form_finalize;
  object_class->get_property = custody_init_form_get_property;
  object_class->set_property = custody_init_form_set_property;

  properties[PROP_DIR] = g_param_spec_string ("dir", NULL, NULL, NULL, rw);
  properties[PROP_ORG] = g_param_spec_string ("org", NULL, NULL, NULL, rw);
  properties[PROP_CUSTODIAN_ID] = g_param_spec_string ("custodian-id", NULL, NULL, NULL, rw);
  properties[PROP_OFFICER] = g_param_spec_string ("officer", NULL, NULL, NULL, rw);
  properties[PROP_ALGORITHM] = g_param_spec_uint ("algorithm", NULL, NULL, 0,
                                                  G_N_ELEMENTS (algorithms) - 1, 0, rw);
  properties[PROP_VALIDITY_DAYS] = g_param_spec_int ("validity-days", NULL, NULL, 0,
                                                     CHAIN_POLICY_MAX_VALIDITY_DAYS, 0, rw);
  properties[PROP_MAX_VALIDITY_DAYS] = g_param_spec_int ("max-validity-days", NULL, NULL, 1,
                                                         CHAIN_POLICY_MAX_VALIDITY_DAYS, 1, ro);
  properties[PROP_VALID] = g_param_spec_boolean ("valid", NULL, NULL, FALSE, ro);
  properties[PROP_PROBLEM] = g_param_spec_string ("problem", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
custody_init_form_init (CustodyInitForm *self)
{
  self->policy = chain_policy_new_default ();
  self->problem = find_problem (self);
}

CustodyInitForm *
custody_init_form_new (void)
{
  return g_object_new (CUSTODY_TYPE_INIT_FORM, NULL);
}

ChainPolicy *
custody_init_form_get_policy (CustodyInitForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_INIT_FORM (self), NULL);
  return self->policy;
}

void
custody_init_form_policy_changed (CustodyInitForm *self)
{
  g_return_if_fail (CUSTODY_IS_INIT_FORM (self));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_VALIDITY_DAYS]);
  check (self);
}

gboolean
custody_init_form_load_policy (CustodyInitForm *self,
                               const char      *path,
                               GError         **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  ChainPolicy *policy = NULL;

  g_return_val_if_fail (CUSTODY_IS_INIT_FORM (self), FALSE);

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("Cannot read %s: %s"), path, local->message);
      return FALSE;
    }
  policy = chain_policy_parse (data, len, error);
  if (policy == NULL)
    return FALSE;
  chain_policy_free (self->policy);
  self->policy = policy;
  custody_init_form_policy_changed (self);
  return TRUE;
}

static void
set_secret (CustodyInitForm  *self,
            ChainSecret     **field,
            const char       *text)
{
  chain_secret_free (*field);
  *field = text != NULL ? chain_secret_new (text, MIN (strlen (text), CHAIN_SECRET_MAX_LEN)) : NULL;
  check (self);
}

void
custody_init_form_set_passphrase (CustodyInitForm *self,
                                  const char      *text)
{
  g_return_if_fail (CUSTODY_IS_INIT_FORM (self));
  set_secret (self, &self->passphrase, text);
}

void
custody_init_form_set_confirmation (CustodyInitForm *self,
                                    const char      *text)
{
  g_return_if_fail (CUSTODY_IS_INIT_FORM (self));
  set_secret (self, &self->confirmation, text);
}

gint64
custody_init_form_get_max_validity_days (CustodyInitForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_INIT_FORM (self), 0);
  return chain_policy_get_max_validity_days (self->policy, chain_policy_get_tier_name (self->policy, 0));
}

gboolean
custody_init_form_get_valid (CustodyInitForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_INIT_FORM (self), FALSE);
  return self->problem == NULL;
}

const char *
custody_init_form_get_problem (CustodyInitForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_INIT_FORM (self), NULL);
  return self->problem;
}

const char *
custody_init_form_get_dir (CustodyInitForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_INIT_FORM (self), NULL);
  return self->dir;
}

static const char *
nonempty (const char *text)
{
  return text != NULL && text[0] != '\0' ? text : NULL;
}

gboolean
custody_init_form_get_options (CustodyInitForm       *self,
                               ChainWorkspaceOptions *out_options)
{
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;

  g_return_val_if_fail (CUSTODY_IS_INIT_FORM (self), FALSE);

  if (self->problem != NULL)
    return FALSE;
  options.org = self->org;
  options.id = nonempty (self->custodian_id);
  options.officer = nonempty (self->officer);
  options.algorithm = algorithms[self->algorithm];
  options.validity_days = self->validity_days;
  options.policy = self->policy;
  options.key_store = self->home.key_store;
  options.pin = self->home.pin;
  options.passphrase = self->home.key_store == NULL ? self->passphrase : NULL;
  *out_options = options;
  return TRUE;
}

void
custody_init_form_set_key_store (CustodyInitForm *self,
                                 const char      *key_store)
{
  g_return_if_fail (CUSTODY_IS_INIT_FORM (self));
  custody_key_home_set_store (&self->home, key_store);
  check (self);
}

void
custody_init_form_set_pin (CustodyInitForm *self,
                           const char      *text)
{
  g_return_if_fail (CUSTODY_IS_INIT_FORM (self));
  custody_key_home_set_pin (&self->home, text);
  check (self);
}
