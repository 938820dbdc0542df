/* custody-revoke-form.c — the revoke dialog: what to revoke and why */
#include "custody-revoke-form.h"

#include <glib/gi18n.h>

#include "custody-error-text.h"

struct _CustodyRevokeForm {
  GObject    parent_instance;
  char      *custodians;
  char      *devices;
  guint      reason;
  char      *problem;
  gboolean   planned;
  GPtrArray *items;
  CustodyTreeModel *tree;   /* (nullable) to say what goes with a sub-CA */
  char      *count;         /* (nullable) the plan, counted by kind */
};

G_DEFINE_FINAL_TYPE (CustodyRevokeForm, custody_revoke_form, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CUSTODIANS,
  PROP_DEVICES,
  PROP_REASON,
  PROP_PROBLEM,
  PROP_CAN_REVOKE,
  N_PROPS
};

enum {
  SIGNAL_TARGETS_CHANGED,
  SIGNAL_PLAN_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const struct {
  ChainRevocationReason reason;
} reasons[] = {
  { CHAIN_REVOCATION_UNSPECIFIED },
  { CHAIN_REVOCATION_KEY_COMPROMISE },
  { CHAIN_REVOCATION_CA_COMPROMISE },
  { CHAIN_REVOCATION_AFFILIATION_CHANGED },
  { CHAIN_REVOCATION_SUPERSEDED },
  { CHAIN_REVOCATION_CESSATION_OF_OPERATION },
};

const char *const *
custody_revoke_form_get_reason_labels (void)
{
  static const char *labels[G_N_ELEMENTS (reasons) + 1];
  gsize i;

  /* The words the details of a revoked CA and device show. */
  if (labels[0] == NULL)
    for (i = 0; i < G_N_ELEMENTS (reasons); i++)
      labels[i] = chain_revocation_reason_to_label (reasons[i].reason);
  return labels;
}

static void
custody_revoke_form_finalize (GObject *object)
{
  CustodyRevokeForm *self = CUSTODY_REVOKE_FORM (object);

  g_free (self->custodians);
  g_free (self->devices);
  g_free (self->problem);
  g_ptr_array_unref (self->items);
  g_clear_object (&self->tree);
  g_free (self->count);
  G_OBJECT_CLASS (custody_revoke_form_parent_class)->finalize (object);
}

/* Words separated by white space or commas. */
static GStrv
split_words (const char *text)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) words = g_strsplit_set (text != NULL ? text : "", " \t\r\n,;", -1);
  guint i;
  gboolean any = FALSE;

  for (i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      {
        g_strv_builder_add (builder, words[i]);
        any = TRUE;
      }
  return any ? g_strv_builder_end (builder) : NULL;
}

static void
set_problem (CustodyRevokeForm *self,
             const char        *problem)
{
  g_free (self->problem);
  self->problem = g_strdup (problem);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REVOKE]);
}

static void
targets_changed (CustodyRevokeForm *self)
{
  self->planned = FALSE;
  g_ptr_array_set_size (self->items, 0);
  if (!custody_revoke_form_get_targets (self, NULL, NULL))
    set_problem (self, _("Name a sub-CA custodian or devices to revoke"));
  else
    set_problem (self, NULL);
  g_signal_emit (self, signals[SIGNAL_TARGETS_CHANGED], 0);
}

static void
custody_revoke_form_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  CustodyRevokeForm *self = CUSTODY_REVOKE_FORM (object);

  switch (prop_id)
    {
    case PROP_CUSTODIANS:
      g_free (self->custodians);
      self->custodians = g_value_dup_string (value);
      break;
    case PROP_DEVICES:
      g_free (self->devices);
      self->devices = g_value_dup_string (value);
      break;
    case PROP_REASON:
      self->reason = MIN (g_value_get_uint (value), G_N_ELEMENTS (reasons) - 1);
      g_object_notify_by_pspec (object, pspec);
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
  targets_changed (self);
}

static void
custody_revoke_form_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CustodyRevokeForm *self = CUSTODY_REVOKE_FORM (object);

  switch (prop_id)
    {
    case PROP_CUSTODIANS:
      g_value_set_string (value, self->custodians);
      break;
    case PROP_DEVICES:
      g_value_set_string (value, self->devices);
      break;
    case PROP_REASON:
      g_value_set_uint (value, self->reason);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    case PROP_CAN_REVOKE:
      g_value_set_boolean (value, custody_revoke_form_get_can_revoke (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_revoke_form_class_init (CustodyRevokeFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = custody_revoke_form_finalize;
  object_class->get_property = custody_revoke_form_get_property;
  object_class->set_property = custody_revoke_form_set_property;

  properties[PROP_CUSTODIANS] = g_param_spec_string ("custodians", NULL, NULL, NULL, rw);
  properties[PROP_DEVICES] = g_param_spec_string ("devices", NULL, NULL, NULL, rw);
  properties[PROP_REASON] = g_param_spec_uint ("reason", NULL, NULL, 0, G_N_ELEMENTS (reasons) - 1, 0, rw);
  properties[PROP_PROBLEM] = g_param_spec_string ("problem", NULL, NULL, NULL, ro);
  properties[PROP_CAN_REVOKE] = g_param_spec_boolean ("can-revoke", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CustodyRevokeForm::targets-changed:
   *
   * What to revoke changed: plan again.
   */
  signals[SIGNAL_TARGETS_CHANGED] = g_signal_new ("targets-changed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 0);
  /**
   * CustodyRevokeForm::plan-changed:
   *
   * The items changed.
   */
  signals[SIGNAL_PLAN_CHANGED] = g_signal_new ("plan-changed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 0);
}

static void
custody_revoke_form_init (CustodyRevokeForm *self)
{
  self->items = custody_fields_new ();
}

CustodyRevokeForm *
custody_revoke_form_new (const char *custodian)
{
  CustodyRevokeForm *self = g_object_new (CUSTODY_TYPE_REVOKE_FORM, NULL);

  self->custodians = g_strdup (custodian);
  targets_changed (self);
  return self;
}

gboolean
custody_revoke_form_get_targets (CustodyRevokeForm *self,
                                 GStrv             *out_devices,
                                 GStrv             *out_custodians)
{
  g_auto(GStrv) devices = NULL;
  g_auto(GStrv) custodians = NULL;
  gboolean any;

  g_return_val_if_fail (CUSTODY_IS_REVOKE_FORM (self), FALSE);

  devices = split_words (self->devices);
  custodians = split_words (self->custodians);
  any = devices != NULL || custodians != NULL;
  if (out_devices != NULL)
    *out_devices = g_steal_pointer (&devices);
  if (out_custodians != NULL)
    *out_custodians = g_steal_pointer (&custodians);
  return any;
}

void
custody_revoke_form_get_options (CustodyRevokeForm  *self,
                                 ChainRevokeOptions *out_options)
{
  ChainRevokeOptions options = CHAIN_REVOKE_OPTIONS_INIT;

  g_return_if_fail (CUSTODY_IS_REVOKE_FORM (self));

  options.reason = reasons[self->reason].reason;
  *out_options = options;
}

/* "Dist X and its 8 devices": the sub-CA of @id by name, with what its
 * revocation takes along (the custody tree counts it). */
static char *
describe_sub_ca (CustodyRevokeForm *self,
                 const char        *id)
{
  CustodyNode *node = self->tree != NULL ? custody_tree_model_find (self->tree, id, NULL) : NULL;
  guint64 n_devices = 0;
  guint n_sub_cas = 0;
  g_autofree char *sub_cas = NULL;
  g_autofree char *devices = NULL;
  guint i;

  if (node == NULL)
    return g_strdup_printf (_("Sub-CA of %s, and everything under it"), id);
  n_devices = custody_node_get_n_devices (node);
  for (i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->tree)); i++)
    {
      g_autoptr(CustodyNode) other = g_list_model_get_item (G_LIST_MODEL (self->tree), i);
      g_autoptr(CustodyNode) up = NULL;
      const char *parent = custody_node_get_parent_id (other);

      if (custody_node_get_health (other) == CUSTODY_HEALTH_REQUESTED)
        continue;
      /* Below @id if some ancestor is. */
      while (parent != NULL && g_strcmp0 (parent, id) != 0)
        {
          CustodyNode *next = custody_tree_model_find (self->tree, parent, NULL);

          parent = next != NULL ? custody_node_get_parent_id (next) : NULL;
        }
      if (parent != NULL)
        {
          n_sub_cas++;
          n_devices += custody_node_get_n_devices (other);
        }
    }
  if (n_sub_cas == 0 && n_devices == 0)
    return g_strdup_printf (_("%s, with no devices"), custody_node_get_name (node));
  if (n_sub_cas == 0)
    return g_strdup_printf (ngettext ("%s and its %'llu device", "%s and its %'llu devices", (gulong) n_devices),
                            custody_node_get_name (node), (unsigned long long) n_devices);
  sub_cas = g_strdup_printf (ngettext ("%u sub-CA", "%u sub-CAs", n_sub_cas), n_sub_cas);
  devices = g_strdup_printf (ngettext ("%'llu device", "%'llu devices", (gulong) n_devices),
                             (unsigned long long) n_devices);
  /* TRANSLATORS: a custodian's name, then "2 sub-CAs" and "8 devices": what its revocation takes along */
  return g_strdup_printf (_("%s and everything under it: %s, %s"), custody_node_get_name (node), sub_cas, devices);
}

void
custody_revoke_form_set_tree (CustodyRevokeForm *self,
                              CustodyTreeModel  *tree)
{
  g_return_if_fail (CUSTODY_IS_REVOKE_FORM (self));

  g_set_object (&self->tree, tree);
}

char *
custody_revocation_dup_count (const ChainRevocation *plan)
{
  guint n[3] = { 0, 0, 0 };   /* sub-CAs, devices, other certificates */
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  guint i;

  g_return_val_if_fail (plan != NULL, NULL);

  for (i = 0; i < chain_revocation_get_n_items (plan); i++)
    switch (chain_revocation_get_item (plan, i)->kind)
      {
      case CHAIN_REVOKED_SUB_CA:
        n[0]++;
        break;
      case CHAIN_REVOKED_DEVICE:
        n[1]++;
        break;
      case CHAIN_REVOKED_OTHER:
      default:
        n[2]++;
        break;
      }
  if (n[0] > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u sub-CA", "%u sub-CAs", n[0]), n[0]));
  if (n[1] > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%'llu device", "%'llu devices", n[1]),
                                             (unsigned long long) n[1]));
  if (n[2] > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u other certificate", "%u other certificates", n[2]), n[2]));
  if (parts->len == 0)
    return g_strdup (_("nothing"));
  if (parts->len == 1)
    return g_strdup (g_ptr_array_index (parts, 0));
  if (parts->len == 2)
    /* TRANSLATORS: two counts, e.g. "1 sub-CA" and "2 devices" */
    return g_strdup_printf (_("%s and %s"), (char *) g_ptr_array_index (parts, 0), (char *) g_ptr_array_index (parts, 1));
  /* TRANSLATORS: three counts, e.g. "1 sub-CA", "2 devices" and "1 other certificate" */
  return g_strdup_printf (_("%s, %s and %s"), (char *) g_ptr_array_index (parts, 0),
                          (char *) g_ptr_array_index (parts, 1), (char *) g_ptr_array_index (parts, 2));
}

void
custody_revoke_form_set_plan (CustodyRevokeForm *self,
                              ChainRevocation   *plan,
                              const GError      *error)
{
  g_autoptr(ChainRevocation) owned = plan;
  g_autofree char *problem = NULL;
  guint i;

  g_return_if_fail (CUSTODY_IS_REVOKE_FORM (self));

  g_ptr_array_set_size (self->items, 0);
  self->planned = plan != NULL && chain_revocation_get_n_items (plan) > 0;
  g_clear_pointer (&self->count, g_free);
  if (self->planned)
    self->count = custody_revocation_dup_count (plan);
  for (i = 0; plan != NULL && i < chain_revocation_get_n_items (plan); i++)
    {
      const ChainRevokedItem *item = chain_revocation_get_item (plan, i);
      const char *name = item->name != NULL ? item->name : "";

      switch (item->kind)
        {
        case CHAIN_REVOKED_DEVICE:
          custody_fields_take (self->items, item->serial, g_strdup_printf (_("Device %s"), name));
          break;
        case CHAIN_REVOKED_SUB_CA:
          custody_fields_take (self->items, item->serial, describe_sub_ca (self, name));
          break;
        case CHAIN_REVOKED_OTHER:
        default:
          custody_fields_add (self->items, item->serial, _("Officer or verification certificate"));
          break;
        }
    }
  problem = custody_error_dup_message (error);
  set_problem (self, problem);
  g_signal_emit (self, signals[SIGNAL_PLAN_CHANGED], 0);
}

GPtrArray *
custody_revoke_form_get_items (CustodyRevokeForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_REVOKE_FORM (self), NULL);
  return self->items;
}

const char *
custody_revoke_form_get_problem (CustodyRevokeForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_REVOKE_FORM (self), NULL);
  return self->problem;
}

gboolean
custody_revoke_form_get_can_revoke (CustodyRevokeForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_REVOKE_FORM (self), FALSE);
  return self->planned && self->problem == NULL;
}

const char *
custody_revoke_form_get_count (CustodyRevokeForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_REVOKE_FORM (self), NULL);
  return self->planned ? self->count : NULL;
}
