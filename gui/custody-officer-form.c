/* custody-officer-form.c — the officers dialog: who can sign, and a new one */
#include "custody-officer-form.h"
#include "custody-key-home.h"
#include "custody-passphrase-check.h"

#include <glib/gi18n.h>
#include <string.h>

struct _CustodyOfficerForm {
  GObject      parent_instance;
  GPtrArray   *officers;       /* CustodyOfficer */
  char        *name;
  ChainSecret *passphrase;
  ChainSecret *confirmation;
  CustodyKeyHome home;           /* where the new key goes */
  GError      *error;          /* the last enrolment's, until the name changes */
  char        *problem;
  gboolean     can_add;
};

G_DEFINE_FINAL_TYPE (CustodyOfficerForm, custody_officer_form, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_PROBLEM,
  PROP_CAN_ADD,
  N_PROPS
};

enum {
  SIGNAL_OFFICERS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
officer_free (gpointer data)
{
  CustodyOfficer *officer = data;

  g_free (officer->name);
  g_free (officer->subject);
  g_free (officer->validity);
  g_free (officer);
}

static void
custody_officer_form_finalize (GObject *object)
{
  CustodyOfficerForm *self = CUSTODY_OFFICER_FORM (object);

  g_ptr_array_unref (self->officers);
  g_free (self->name);
  chain_secret_free (self->passphrase);
  chain_secret_free (self->confirmation);
  custody_key_home_clear (&self->home);
  g_clear_error (&self->error);
  g_free (self->problem);
  G_OBJECT_CLASS (custody_officer_form_parent_class)->finalize (object);
}

/* An enrolment error that is about the name: it stands until the name changes. */
static gboolean
error_blocks (const GError *error)
{
  return g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS)
         || g_error_matches (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT);
}

/* What is wrong with the name, or NULL. */
static char *
name_problem (CustodyOfficerForm *self)
{
  g_autoptr(GError) invalid = NULL;

  if (self->name == NULL || self->name[0] == '\0')
    return g_strdup (_("Enter the new officer’s name"));
  if (!chain_workspace_check_officer_name (self->name, &invalid))
    return g_strdup (invalid->message);
  return NULL;
}

/* What is wrong with the passphrases, or NULL. */
static char *
passphrase_problem (CustodyOfficerForm *self)
{
  /* A key in a token needs its PIN; one in the TPM nothing. */
  if (custody_key_home_get_store (&self->home) != CHAIN_KEY_STORE_FILE)
    return custody_key_home_problem (&self->home);
  if (self->passphrase == NULL)
    return g_strdup (_("Choose a passphrase for the new officer’s key"));
  return custody_passphrase_problem (self->passphrase, self->confirmation);
}

static void
check (CustodyOfficerForm *self)
{
  g_autofree char *name = name_problem (self);
  g_autofree char *passphrase = passphrase_problem (self);
  g_autofree char *problem = NULL;

  /* An enrolment error about something else than the name (a wrong
   * passphrase of the officer who signs) is shown, but may be retried. */
  self->can_add = name == NULL && passphrase == NULL && !error_blocks (self->error);
  /* The name first, then what the last enrolment said, then the passphrases. */
  if (name != NULL)
    problem = g_steal_pointer (&name);
  else if (self->error != NULL)
    problem = g_strdup (self->error->message);
  else
    problem = g_steal_pointer (&passphrase);
  if (g_strcmp0 (problem, self->problem) != 0)
    {
      g_free (self->problem);
      self->problem = g_steal_pointer (&problem);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_ADD]);
}

static void
set_name (CustodyOfficerForm *self,
          const char         *text)
{
  g_autofree char *name = g_strstrip (g_strdup (text != NULL ? text : ""));

  if (g_strcmp0 (name, self->name) == 0)
    return;
  g_free (self->name);
  self->name = g_steal_pointer (&name);
  g_clear_error (&self->error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  check (self);
}

static void
custody_officer_form_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  CustodyOfficerForm *self = CUSTODY_OFFICER_FORM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      set_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_officer_form_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  CustodyOfficerForm *self = CUSTODY_OFFICER_FORM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    case PROP_CAN_ADD:
      g_value_set_boolean (value, custody_officer_form_get_can_add (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_officer_form_class_init (CustodyOfficerFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = custody_officer_form_finalize;
  object_class->get_property = custody_officer_form_get_property;
  object_class->set_property = custody_officer_form_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROBLEM] = g_param_spec_string ("problem", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_ADD] = g_param_spec_boolean ("can-add", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CustodyOfficerForm::officers-changed:
   *
   * The list of officers was rebuilt.
   */
  signals[SIGNAL_OFFICERS_CHANGED] = g_signal_new ("officers-changed", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                   G_TYPE_NONE, 0);
}

static void
custody_officer_form_init (CustodyOfficerForm *self)
{
  self->officers = g_ptr_array_new_with_free_func (officer_free);
  self->name = g_strdup ("");
  self->problem = name_problem (self);
}

CustodyOfficerForm *
custody_officer_form_new (void)
{
  return g_object_new (CUSTODY_TYPE_OFFICER_FORM, NULL);
}

/* ---- The list ------------------------------------------------------------------ */

/* The newest certificate the ledger enrolled for @name, by its CN. */
static gboolean
find_certificate (const ChainCustodian *custodian,
                  const char           *name,
                  guint                *out_index)
{
  guint n = custodian != NULL ? chain_custodian_get_n_officers (custodian) : 0;
  guint i;

  for (i = n; i > 0; i--)
    {
      g_autoptr(ChainName) subject = chain_cert_dup_subject (chain_custodian_get_officer (custodian, i - 1));
      g_autofree char *cn = subject != NULL ? chain_name_dup_common_name (subject) : NULL;

      if (g_strcmp0 (cn, name) == 0)
        {
          *out_index = i - 1;
          return TRUE;
        }
    }
  return FALSE;
}

void
custody_officer_form_rebuild (CustodyOfficerForm   *self,
                              const ChainWorkspace *workspace,
                              gint64                now,
                              guint                 expiry_window_days)
{
  const ChainCustodian *custodian = NULL;
  g_auto(GStrv) names = NULL;
  guint i;

  g_return_if_fail (CUSTODY_IS_OFFICER_FORM (self));

  g_ptr_array_set_size (self->officers, 0);
  if (workspace != NULL)
    {
      names = chain_workspace_list_officers (workspace);
      custodian = chain_workspace_get_custodian (workspace);
    }
  for (i = 0; names != NULL && names[i] != NULL; i++)
    {
      CustodyOfficer *officer = g_new0 (CustodyOfficer, 1);
      ChainCustodyStatus status = CHAIN_CUSTODY_STATUS_VALID;
      const ChainCert *cert = NULL;
      guint index = 0;

      officer->name = g_strdup (names[i]);
      officer->health = CUSTODY_HEALTH_AWAITING;
      if (find_certificate (custodian, names[i], &index))
        {
          g_autoptr(ChainName) subject = NULL;

          cert = chain_custodian_get_officer (custodian, index);
          subject = chain_cert_dup_subject (cert);
          officer->subject = subject != NULL ? chain_name_to_string (subject) : NULL;
          officer->validity = custody_format_validity (chain_cert_get_not_before (cert),
                                                       chain_cert_get_not_after (cert), now);
          if (chain_custodian_is_officer_revoked (custodian, index))
            status = CHAIN_CUSTODY_STATUS_REVOKED;
          else if (now >= chain_cert_get_not_after (cert))
            status = CHAIN_CUSTODY_STATUS_EXPIRED;
          officer->health = custody_health_from_status (status, chain_cert_get_not_after (cert), now,
                                                        expiry_window_days);
        }
      g_ptr_array_add (self->officers, officer);
    }
  g_signal_emit (self, signals[SIGNAL_OFFICERS_CHANGED], 0);
}

GPtrArray *
custody_officer_form_get_officers (CustodyOfficerForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_OFFICER_FORM (self), NULL);
  return self->officers;
}

const CustodyOfficer *
custody_officer_form_find (CustodyOfficerForm *self,
                           const char         *name)
{
  guint i;

  g_return_val_if_fail (CUSTODY_IS_OFFICER_FORM (self), NULL);

  for (i = 0; i < self->officers->len; i++)
    {
      const CustodyOfficer *officer = g_ptr_array_index (self->officers, i);

      if (g_strcmp0 (officer->name, name) == 0)
        return officer;
    }
  return NULL;
}

/* ---- Adding one ---------------------------------------------------------------- */

static void
set_secret (CustodyOfficerForm  *self,
            ChainSecret        **field,
            const char          *text)
{
  chain_secret_free (*field);
  *field = text != NULL && text[0] != '\0' ? chain_secret_new (text, MIN (strlen (text), CHAIN_SECRET_MAX_LEN))
                                           : NULL;
  /* An error that was not about the name is old news once the input changes. */
  if (self->error != NULL && !error_blocks (self->error))
    g_clear_error (&self->error);
  check (self);
}

void
custody_officer_form_set_passphrase (CustodyOfficerForm *self,
                                     const char         *text)
{
  g_return_if_fail (CUSTODY_IS_OFFICER_FORM (self));
  set_secret (self, &self->passphrase, text);
}

void
custody_officer_form_set_confirmation (CustodyOfficerForm *self,
                                       const char         *text)
{
  g_return_if_fail (CUSTODY_IS_OFFICER_FORM (self));
  set_secret (self, &self->confirmation, text);
}

void
custody_officer_form_set_error (CustodyOfficerForm *self,
                                const GError       *error)
{
  g_return_if_fail (CUSTODY_IS_OFFICER_FORM (self));

  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  check (self);
}

const char *
custody_officer_form_get_problem (CustodyOfficerForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_OFFICER_FORM (self), NULL);
  return self->problem;
}

gboolean
custody_officer_form_get_refused (CustodyOfficerForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_OFFICER_FORM (self), FALSE);
  return self->error != NULL && g_strcmp0 (self->problem, self->error->message) == 0;
}

gboolean
custody_officer_form_get_can_add (CustodyOfficerForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_OFFICER_FORM (self), FALSE);
  return self->can_add;
}

const char *
custody_officer_form_get_name (CustodyOfficerForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_OFFICER_FORM (self), NULL);
  return self->name[0] != '\0' ? self->name : NULL;
}

ChainSecret *
custody_officer_form_dup_passphrase (CustodyOfficerForm *self)
{
  const guint8 *data = NULL;
  gsize len = 0;

  g_return_val_if_fail (CUSTODY_IS_OFFICER_FORM (self), NULL);

  if (!custody_officer_form_get_can_add (self))
    return NULL;
  data = chain_secret_get_data (self->passphrase, &len);
  return chain_secret_new (data, len);
}

void
custody_officer_form_clear (CustodyOfficerForm *self)
{
  g_return_if_fail (CUSTODY_IS_OFFICER_FORM (self));

  g_clear_pointer (&self->passphrase, chain_secret_free);
  g_clear_pointer (&self->confirmation, chain_secret_free);
  custody_key_home_set_pin (&self->home, NULL);
  g_clear_error (&self->error);
  g_free (self->name);
  self->name = g_strdup ("");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  check (self);
}

void
custody_officer_form_set_key_store (CustodyOfficerForm *self,
                                    const char         *key_store)
{
  g_return_if_fail (CUSTODY_IS_OFFICER_FORM (self));
  custody_key_home_set_store (&self->home, key_store);
  check (self);
}

void
custody_officer_form_set_pin (CustodyOfficerForm *self,
                              const char         *text)
{
  g_return_if_fail (CUSTODY_IS_OFFICER_FORM (self));
  custody_key_home_set_pin (&self->home, text);
  check (self);
}

const char *
custody_officer_form_get_key_store (CustodyOfficerForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_OFFICER_FORM (self), NULL);
  return self->home.key_store;
}

ChainSecret *
custody_officer_form_dup_key_secret (CustodyOfficerForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_OFFICER_FORM (self), NULL);

  if (!custody_officer_form_get_can_add (self))
    return NULL;
  switch (custody_key_home_get_store (&self->home))
    {
    case CHAIN_KEY_STORE_PKCS11:
      return custody_key_home_dup_pin (&self->home);
    case CHAIN_KEY_STORE_TPM2:
      return NULL;
    case CHAIN_KEY_STORE_FILE:
    default:
      return custody_officer_form_dup_passphrase (self);
    }
}
