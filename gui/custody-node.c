/* custody-node.c — one custodian in the custody tree */
#include "custody-node.h"

#include <glib/gi18n.h>

struct _CustodyNode {
  GObject        parent_instance;
  char          *id;
  char          *name;
  char          *tier;
  char          *parent_id;
  char          *summary;
  guint          depth;
  CustodyHealth  health;
  gboolean       is_self;
  guint64        n_devices;
  GPtrArray     *fields;
};

G_DEFINE_FINAL_TYPE (CustodyNode, custody_node, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_TIER,
  PROP_SUMMARY,
  PROP_DEPTH,
  PROP_HEALTH_LABEL,
  PROP_HEALTH_ICON,
  PROP_IS_SELF,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
custody_node_finalize (GObject *object)
{
  CustodyNode *self = CUSTODY_NODE (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->tier);
  g_free (self->parent_id);
  g_free (self->summary);
  g_ptr_array_unref (self->fields);
  G_OBJECT_CLASS (custody_node_parent_class)->finalize (object);
}

static void
custody_node_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CustodyNode *self = CUSTODY_NODE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_TIER:
      g_value_set_string (value, self->tier);
      break;
    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    case PROP_DEPTH:
      g_value_set_uint (value, self->depth);
      break;
    case PROP_HEALTH_LABEL:
      g_value_set_string (value, custody_health_to_label (self->health));
      break;
    case PROP_HEALTH_ICON:
      g_value_set_string (value, custody_health_to_icon_name (self->health));
      break;
    case PROP_IS_SELF:
      g_value_set_boolean (value, self->is_self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_node_class_init (CustodyNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = custody_node_finalize;
  object_class->get_property = custody_node_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIER] = g_param_spec_string ("tier", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] = g_param_spec_string ("summary", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEPTH] = g_param_spec_uint ("depth", NULL, NULL, 0, G_MAXUINT, 0,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEALTH_LABEL] = g_param_spec_string ("health-label", NULL, NULL, NULL,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEALTH_ICON] = g_param_spec_string ("health-icon", NULL, NULL, NULL,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_SELF] = g_param_spec_boolean ("is-self", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
custody_node_init (CustodyNode *self)
{
  self->fields = custody_fields_new ();
}

/* The officer's common name, as its certificate gives it. */
static char *
officer_name (const ChainCert *cert)
{
  g_autoptr(ChainName) subject = chain_cert_dup_subject (cert);

  return chain_name_dup_common_name (subject);
}

static char *
list_officers (const ChainCustodian *custodian)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint i;

  for (i = 0; i < chain_custodian_get_n_officers (custodian); i++)
    {
      g_autofree char *name = officer_name (chain_custodian_get_officer (custodian, i));

      if (text->len > 0)
        g_string_append_c (text, '\n');
      if (chain_custodian_is_officer_revoked (custodian, i))
        /* TRANSLATORS: an officer whose certificate was revoked */
        g_string_append_printf (text, _("%s (revoked)"), name);
      else
        g_string_append (text, name);
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

/* A custodian's devices and how many of them were revoked, for its row:
 * "5 devices, 1 revoked". When no CA of it is in force (@ca_revoked), every
 * device went with its CA. */
static char *
describe_devices (guint64  n_devices,
                  guint64  n_revoked,
                  gboolean ca_revoked)
{
  if (n_devices == 0)
    return g_strdup (_("no devices"));
  if (ca_revoked)
    /* TRANSLATORS: a revoked custodian's device certificates, all revoked with its CA */
    return g_strdup_printf (ngettext ("%'llu device, revoked", "%'llu devices, all revoked",
                                      (gulong) n_devices),
                            (unsigned long long) n_devices);
  if (n_revoked == 0)
    /* TRANSLATORS: how many device certificates a custodian issued, none of them revoked */
    return g_strdup_printf (ngettext ("%'llu device, none revoked", "%'llu devices, none revoked",
                                      (gulong) n_devices),
                            (unsigned long long) n_devices);
  /* TRANSLATORS: how many device certificates a custodian issued, then how
   * many of them were revoked; the plural follows the first number */
  return g_strdup_printf (ngettext ("%'llu device, %'llu revoked", "%'llu devices, %'llu revoked",
                                    (gulong) n_devices),
                          (unsigned long long) n_devices, (unsigned long long) n_revoked);
}

/* When and why @custodian's CAs, or the nearest CA above them, were
 * revoked: "2026-12-07: Key compromise (record #13)"; NULL if none was. */
static char *
describe_revocation (const ChainLedgerState *state,
                     const ChainCustodian   *custodian)
{
  const ChainCustodian *c = custodian;

  while (c != NULL)
    {
      guint n = chain_custodian_get_n_cas (c);
      guint64 seq = 0;
      gint64 time = 0;
      ChainRevocationReason reason = CHAIN_REVOCATION_UNSPECIFIED;

      while (n > 0 && !chain_custodian_get_ca_revocation (c, n - 1, &seq, &time, &reason))
        n--;
      if (n > 0)
        {
          g_autofree char *date = custody_format_date (time);

          if (c == custodian)
            /* TRANSLATORS: when a CA was revoked, the reason in words ("Key compromise"), the record's number */
            return g_strdup_printf (_("%s: %s (record #%llu)"), date, chain_revocation_reason_to_label (reason),
                                    (unsigned long long) seq);
          /* TRANSLATORS: a date, the custodian above whose CA's revocation took this one along, the reason
           * in words, the record's number */
          return g_strdup_printf (_("%s with the sub-CA of %s: %s (record #%llu)"), date, chain_custodian_get_name (c),
                                  chain_revocation_reason_to_label (reason), (unsigned long long) seq);
        }
      c = chain_custodian_get_parent_id (c) != NULL
          ? chain_ledger_state_find_custodian (state, chain_custodian_get_parent_id (c)) : NULL;
    }
  return NULL;
}

CustodyNode *
custody_node_new_custodian (const ChainLedgerState *state,
                            const ChainCustodian   *custodian,
                            guint                   depth,
                            gboolean                is_self,
                            gint64                  now,
                            guint                   expiry_window_days)
{
  CustodyNode *self = g_object_new (CUSTODY_TYPE_NODE, NULL);
  guint n_cas = chain_custodian_get_n_cas (custodian);
  ChainCert *ca = n_cas > 0 ? chain_custodian_get_ca (custodian, n_cas - 1) : NULL;
  ChainCustodyStatus status = chain_custodian_get_status (custodian, now);
  guint64 n_revoked = chain_custodian_get_n_revoked_devices (custodian);
  g_autofree char *expiry = NULL;
  g_autofree char *devices = NULL;
  const char *parent_id = chain_custodian_get_parent_id (custodian);
  const ChainCustodian *parent = NULL;

  self->id = g_strdup (chain_custodian_get_id (custodian));
  self->name = g_strdup (chain_custodian_get_name (custodian));
  self->tier = g_strdup (chain_custodian_get_tier (custodian));
  self->parent_id = g_strdup (parent_id);
  self->depth = depth;
  self->is_self = is_self;
  self->n_devices = chain_custodian_get_n_devices (custodian);
  self->health = custody_health_from_status (status, ca != NULL ? chain_cert_get_not_after (ca) : 0,
                                             now, expiry_window_days);

  if (ca != NULL)
    expiry = custody_format_date (chain_cert_get_not_after (ca));
  devices = describe_devices (self->n_devices, n_revoked, self->health == CUSTODY_HEALTH_REVOKED);
  /* TRANSLATORS: tier · its devices, such as "5 devices, 1 revoked" · until when the CA is valid */
  self->summary = g_strdup_printf (_("%s · %s · until %s"), self->tier, devices, expiry != NULL ? expiry : "?");

  custody_fields_add (self->fields, _("Organisation"), self->name);
  custody_fields_add (self->fields, _("Custodian id"), self->id);
  custody_fields_add (self->fields, _("Tier"), self->tier);
  if (parent_id != NULL)
    parent = chain_ledger_state_find_custodian (state, parent_id);
  if (parent != NULL)
    custody_fields_add (self->fields, _("Delegated by"), chain_custodian_get_name (parent));
  custody_fields_add (self->fields, _("Status"), custody_health_to_label (self->health));
  if (self->health == CUSTODY_HEALTH_REVOKED)
    custody_fields_take (self->fields, _("Revoked"), describe_revocation (state, custodian));
  if (ca != NULL)
    custody_fields_add_certificate (self->fields, ca, now);
  custody_fields_take (self->fields, _("Devices issued"),
                       g_strdup_printf ("%'" G_GUINT64_FORMAT, self->n_devices));
  custody_fields_take (self->fields, _("Devices revoked"),
                       self->health == CUSTODY_HEALTH_REVOKED && self->n_devices > 0
                         ? g_strdup (_("All, with the CA"))
                         : g_strdup_printf ("%'" G_GUINT64_FORMAT, n_revoked));
  {
    guint64 max_devices = 0;

    if (chain_custodian_get_quota (custodian, &max_devices))
      {
        g_autofree char *used = g_strdup_printf ("%'" G_GUINT64_FORMAT, chain_custodian_get_n_devices_below (custodian));
        g_autofree char *quota = g_strdup_printf ("%'" G_GUINT64_FORMAT, max_devices);

        /* TRANSLATORS: devices the custodian and those below it issued / its quota */
        custody_fields_take (self->fields, _("Device quota"), g_strdup_printf (_("%s / %s used"), used, quota));
      }
  }
  custody_fields_take (self->fields, _("Officers"), list_officers (custodian));
  if (n_cas > 1)
    custody_fields_take (self->fields, _("Earlier CAs"), g_strdup_printf ("%u", n_cas - 1));
  return self;
}

CustodyNode *
custody_node_new_request (const ChainLedgerState   *state,
                          const ChainLedgerRequest *request,
                          guint                     depth)
{
  CustodyNode *self = g_object_new (CUSTODY_TYPE_NODE, NULL);
  const ChainCsr *csr = chain_ledger_request_get_ca_csr (request);
  g_autoptr(ChainName) subject = chain_csr_dup_subject (csr);
  guint threshold = chain_delegation_count_wanted (state);
  guint missing = chain_delegation_count_missing (state, request, NULL);

  self->id = g_strdup (chain_ledger_request_get_custodian_id (request));
  self->name = g_strdup (chain_ledger_request_get_name (request));
  self->tier = g_strdup (chain_ledger_request_get_tier (request));
  self->parent_id = g_strdup (chain_ledger_request_get_parent_id (request));
  self->depth = depth;
  self->health = CUSTODY_HEALTH_REQUESTED;
  /* The count the request inbox shows: libchain's, the signing officer included. */
  if (missing > 0)
    /* TRANSLATORS: a tier, then how many more officers must approve */
    self->summary = g_strdup_printf (ngettext ("%s · requested · needs %u more approval",
                                               "%s · requested · needs %u more approvals", missing),
                                     self->tier, missing);
  else
    /* TRANSLATORS: %s is a tier */
    self->summary = g_strdup_printf (_("%s · requested · approved, ready to delegate"), self->tier);

  custody_fields_add (self->fields, _("Organisation"), self->name);
  custody_fields_add (self->fields, _("Custodian id"), self->id);
  custody_fields_add (self->fields, _("Tier"), self->tier);
  custody_fields_add (self->fields, _("Status"), custody_health_to_label (self->health));
  custody_fields_take (self->fields, _("Requested subject"), chain_name_to_string (subject));
  custody_fields_add (self->fields, _("Requested key"),
                      custody_key_algorithm_to_label (chain_csr_get_key_algorithm (csr)));
  custody_fields_take (self->fields, _("Approvals"),
                       /* TRANSLATORS: k of n officers approved */
                       g_strdup_printf (_("%u of %u"),
                                        chain_ledger_request_get_n_approvals (request), threshold));
  custody_fields_add (self->fields, _("Request id"), chain_ledger_request_get_id (request));
  return self;
}

const char *
custody_node_get_id (CustodyNode *self)
{
  g_return_val_if_fail (CUSTODY_IS_NODE (self), NULL);
  return self->id;
}

const char *
custody_node_get_name (CustodyNode *self)
{
  g_return_val_if_fail (CUSTODY_IS_NODE (self), NULL);
  return self->name;
}


const char *
custody_node_get_parent_id (CustodyNode *self)
{
  g_return_val_if_fail (CUSTODY_IS_NODE (self), NULL);
  return self->parent_id;
}

guint
custody_node_get_depth (CustodyNode *self)
{
  g_return_val_if_fail (CUSTODY_IS_NODE (self), 0);
  return self->depth;
}

CustodyHealth
custody_node_get_health (CustodyNode *self)
{
  g_return_val_if_fail (CUSTODY_IS_NODE (self), CUSTODY_HEALTH_EXPIRED);
  return self->health;
}

gboolean
custody_node_get_is_self (CustodyNode *self)
{
  g_return_val_if_fail (CUSTODY_IS_NODE (self), FALSE);
  return self->is_self;
}

guint64
custody_node_get_n_devices (CustodyNode *self)
{
  g_return_val_if_fail (CUSTODY_IS_NODE (self), 0);
  return self->n_devices;
}

const char *
custody_node_get_summary (CustodyNode *self)
{
  g_return_val_if_fail (CUSTODY_IS_NODE (self), NULL);
  return self->summary;
}

GPtrArray *
custody_node_get_fields (CustodyNode *self)
{
  g_return_val_if_fail (CUSTODY_IS_NODE (self), NULL);
  return self->fields;
}
