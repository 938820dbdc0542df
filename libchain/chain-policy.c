/* chain-policy.c — the policy document: defaults, strict reading, writing
 *
 * Reading is strict so that a policy has exactly one canonical form: every
 * member present, nothing unknown, lists in their defined order. Then the
 * digest a record names is the digest of what chain_policy_to_canonical()
 * writes, and a parsed policy re-serialises to the bytes it came from.
 */
#include "chain-policy.h"
#include "chain-i18n-private.h"
#include "chain-error.h"
#include "chain-pki-private.h"
#include "chain-tpm2-evidence-private.h"

#include <inttypes.h>
#include <string.h>

#include <openssl/pem.h>

#define POLICY_VERSION 1
#define TIER_NAME_MAX_LEN 32

/* Sorted by name (chain_record_type_to_string(), the one place the JSON
 * names live), as canonical JSON writes the thresholds object. */
static const ChainRecordType threshold_types[] = {
  CHAIN_RECORD_TYPE_ANNOTATION,
  CHAIN_RECORD_TYPE_APPROVAL,
  CHAIN_RECORD_TYPE_DELEGATION,
  CHAIN_RECORD_TYPE_DELEGATION_REQUEST,
  CHAIN_RECORD_TYPE_DEVICE_BATCH,
  CHAIN_RECORD_TYPE_EXPORT,
  CHAIN_RECORD_TYPE_KEY_ROTATION,
  CHAIN_RECORD_TYPE_OFFICER,
  CHAIN_RECORD_TYPE_POLICY,
  CHAIN_RECORD_TYPE_POP,
  CHAIN_RECORD_TYPE_REVOCATION,
  CHAIN_RECORD_TYPE_INVALID,
};
#define N_THRESHOLD_TYPES (G_N_ELEMENTS (threshold_types) - 1)

/* In the order of CHAIN_KEY_ALGORITHM_NAMES, which is the list's order. */
static const ChainKeyAlgorithm algorithms[] = {
  CHAIN_KEY_ALGORITHM_EC_P256,
  CHAIN_KEY_ALGORITHM_EC_P384,
  CHAIN_KEY_ALGORITHM_RSA_2048,
  CHAIN_KEY_ALGORITHM_RSA_3072,
  CHAIN_KEY_ALGORITHM_RSA_4096,
};

typedef struct {
  char     *name;
  GArray   *delegates;          /* guint: indexes of later tiers */
  int       max_path_len;
  gint64    max_validity_days;
  gboolean  require_name_constraints;
  gboolean  issues_devices;
  gboolean  require_hardware_keys;  /* optional member; absent means false */
  /* (nullable) optional member: PEM certificates of the TPM makers whose
   * EK certificates the tier's TPM keys' evidence must chain to. */
  GPtrArray *tpm_ek_roots;
} Tier;

struct _ChainPolicy {
  GPtrArray         *tiers;     /* Tier * */
  gboolean           allowed[G_N_ELEMENTS (algorithms)];
  ChainDeviceIdRules device_id_rules;
  gint64             device_max_validity_days;
  guint              thresholds[N_THRESHOLD_TYPES];
};

static void
tier_free (gpointer data)
{
  Tier *tier = data;

  g_free (tier->name);
  g_array_unref (tier->delegates);
  g_clear_pointer (&tier->tpm_ek_roots, g_ptr_array_unref);
  g_free (tier);
}

static Tier *
tier_new (const char *name)
{
  Tier *tier = g_new0 (Tier, 1);

  tier->name = g_strdup (name);
  tier->delegates = g_array_new (FALSE, FALSE, sizeof (guint));
  return tier;
}

static ChainPolicy *
policy_new_empty (void)
{
  ChainPolicy *self = g_new0 (ChainPolicy, 1);

  self->tiers = g_ptr_array_new_with_free_func (tier_free);
  return self;
}

static int
algorithm_index (ChainKeyAlgorithm algorithm)
{
  for (guint i = 0; i < G_N_ELEMENTS (algorithms); i++)
    if (algorithms[i] == algorithm)
      return (int) i;
  return -1;
}

static int
threshold_index (ChainRecordType type)
{
  for (guint i = 0; i < N_THRESHOLD_TYPES; i++)
    if (threshold_types[i] == type)
      return (int) i;
  return -1;
}

/* Returns: (transfer none): the member of the thresholds object for entry @i. */
static const char *
threshold_name (guint i)
{
  return chain_record_type_to_string (threshold_types[i]);
}

static const char *
device_id_rules_to_string (ChainDeviceIdRules rules)
{
  return rules == CHAIN_DEVICE_ID_RULES_DPS ? "dps" : "iot-hub";
}

ChainPolicy *
chain_policy_new_default (void)
{
  ChainPolicy *self = policy_new_empty ();
  Tier *oem = tier_new ("oem");
  Tier *manufacturer = tier_new ("manufacturer");
  Tier *distributor = tier_new ("distributor");
  guint one = 1;
  guint two = 2;

  oem->max_path_len = 2;
  oem->max_validity_days = 7305;
  g_array_append_val (oem->delegates, one);
  manufacturer->max_path_len = 1;
  manufacturer->max_validity_days = 3653;
  manufacturer->require_name_constraints = TRUE;
  manufacturer->issues_devices = TRUE;
  g_array_append_val (manufacturer->delegates, two);
  distributor->max_path_len = 0;
  distributor->max_validity_days = 1827;
  distributor->require_name_constraints = TRUE;
  distributor->issues_devices = TRUE;
  g_ptr_array_add (self->tiers, oem);
  g_ptr_array_add (self->tiers, manufacturer);
  g_ptr_array_add (self->tiers, distributor);

  for (guint i = 0; i < G_N_ELEMENTS (algorithms); i++)
    self->allowed[i] = TRUE;
  self->device_id_rules = CHAIN_DEVICE_ID_RULES_IOT_HUB;
  self->device_max_validity_days = 3650;
  for (guint i = 0; i < N_THRESHOLD_TYPES; i++)
    self->thresholds[i] = 1;
  return self;
}

/* ---- Reading ------------------------------------------------------------ */

/* Sets CHAIN_ERROR_INVALID_INPUT "policy field 'PATH' ...": @format names
 * the field itself, so that each message is one sentence to translate. */
static gboolean G_GNUC_PRINTF (2, 3)
field_error (GError    **error,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT, format, args));
  va_end (args);
  return FALSE;
}

/* Finds member @key of @object with @type, or fails naming PREFIX.KEY. */
static ChainJson *
get_member (const ChainJson *object,
            const char      *prefix,
            const char      *key,
            ChainJsonType    type,
            GError         **error)
{
  g_autofree char *path = prefix[0] != '\0' ? g_strdup_printf ("%s.%s", prefix, key) : g_strdup (key);
  ChainJson *value = chain_json_object_get_member (object, key);

  if (value == NULL)
    {
      /* Translators: the second %s is a JSON type with its article, e.g. "an integer" */
      field_error (error, _("policy field '%s' is missing; add it (%s)"), path, chain_json_type_to_phrase (type));
      return NULL;
    }
  if (chain_json_get_value_type (value) != type)
    {
      ChainJsonType actual = chain_json_get_value_type (value);

      /* Translators: the second and third %s are JSON types with their
       * articles, e.g. "an integer" */
      field_error (error, _("policy field '%s' is %s; expected %s"), path,
                   chain_json_type_to_phrase (actual), chain_json_type_to_phrase (type));
      return NULL;
    }
  return value;
}

/* Refuses members of @object that are not in @known. */
static gboolean
check_known_members (const ChainJson   *object,
                     const char        *prefix,
                     const char *const *known,
                     GError           **error)
{
  for (gsize i = 0; i < chain_json_object_get_size (object); i++)
    {
      const char *key = chain_json_object_get_key_at (object, i);

      if (!g_strv_contains (known, key))
        {
          g_autofree char *shown = g_strescape (key, NULL);
          g_autofree char *path = NULL;

          if (strlen (shown) > 64)
            shown[64] = '\0';
          path = prefix[0] != '\0' ? g_strdup_printf ("%s.%s", prefix, shown) : g_strdup (shown);
          return field_error (error, _("policy field '%s' is not a policy field; remove it"), path);
        }
    }
  return TRUE;
}

static gboolean
get_integer (const ChainJson *object,
             const char      *prefix,
             const char      *key,
             gint64           min,
             gint64           max,
             gint64          *out_value,
             GError         **error)
{
  ChainJson *value = get_member (object, prefix, key, CHAIN_JSON_INTEGER, error);
  gint64 n;

  if (value == NULL)
    return FALSE;
  n = chain_json_get_integer (value);
  if (n < min || n > max)
    {
      g_autofree char *path = prefix[0] != '\0' ? g_strdup_printf ("%s.%s", prefix, key) : g_strdup (key);

      return field_error (error, _("policy field '%s' is %" PRId64 "; use %" PRId64 " to %" PRId64), path,
                          n, min, max);
    }
  *out_value = n;
  return TRUE;
}

static gboolean
get_boolean (const ChainJson *object,
             const char      *prefix,
             const char      *key,
             gboolean        *out_value,
             GError         **error)
{
  ChainJson *value = get_member (object, prefix, key, CHAIN_JSON_BOOLEAN, error);

  if (value == NULL)
    return FALSE;
  *out_value = chain_json_get_boolean (value);
  return TRUE;
}

static gboolean
is_tier_name (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > TIER_NAME_MAX_LEN || !g_ascii_islower (name[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_islower (name[i]) && !g_ascii_isdigit (name[i]) && name[i] != '-')
      return FALSE;
  return TRUE;
}

static gboolean
read_algorithms (ChainPolicy     *self,
                 const ChainJson *json,
                 GError         **error)
{
  ChainJson *list = get_member (json, "", "algorithms", CHAIN_JSON_ARRAY, error);
  int last = -1;

  if (list == NULL)
    return FALSE;
  for (gsize i = 0; i < chain_json_array_get_length (list); i++)
    {
      g_autofree char *path = g_strdup_printf ("algorithms[%" G_GSIZE_FORMAT "]", i);
      ChainJson *item = chain_json_array_get_element (list, i);
      ChainKeyAlgorithm algorithm;
      int index;

      if (chain_json_get_value_type (item) != CHAIN_JSON_STRING)
        return field_error (error, _("policy field '%s' is not a string; name one of %s"), path, CHAIN_KEY_ALGORITHM_NAMES);
      algorithm = chain_key_algorithm_from_string (chain_json_get_string (item), NULL);
      index = algorithm_index (algorithm);
      if (index < 0)
        return field_error (error, _("policy field '%s' is not an accepted algorithm; name one of %s"), path,
                            CHAIN_KEY_ALGORITHM_NAMES);
      if (index <= last)
        return field_error (error, _("policy field '%s' is repeated or out of order; list algorithms once each in the order %s"), path,
                            CHAIN_KEY_ALGORITHM_NAMES);
      self->allowed[index] = TRUE;
      last = index;
    }
  return TRUE;
}

static gboolean
read_devices (ChainPolicy     *self,
              const ChainJson *json,
              GError         **error)
{
  static const char *const known[] = { "id_rules", "max_validity_days", NULL };
  ChainJson *devices = get_member (json, "", "devices", CHAIN_JSON_OBJECT, error);
  ChainJson *rules;
  const char *text;

  if (devices == NULL || !check_known_members (devices, "devices", known, error))
    return FALSE;
  rules = get_member (devices, "devices", "id_rules", CHAIN_JSON_STRING, error);
  if (rules == NULL)
    return FALSE;
  text = chain_json_get_string (rules);
  if (strcmp (text, "iot-hub") == 0)
    self->device_id_rules = CHAIN_DEVICE_ID_RULES_IOT_HUB;
  else if (strcmp (text, "dps") == 0)
    self->device_id_rules = CHAIN_DEVICE_ID_RULES_DPS;
  else
    return field_error (error, _("policy field '%s' is not a device id rule set; use \"iot-hub\" or \"dps\""), "devices.id_rules");
  return get_integer (devices, "devices", "max_validity_days", 1, CHAIN_POLICY_MAX_VALIDITY_DAYS,
                      &self->device_max_validity_days, error);
}

static gboolean
read_thresholds (ChainPolicy     *self,
                 const ChainJson *json,
                 GError         **error)
{
  ChainJson *thresholds = get_member (json, "", "thresholds", CHAIN_JSON_OBJECT, error);
  const char *names[N_THRESHOLD_TYPES + 1] = { NULL };

  for (guint i = 0; i < N_THRESHOLD_TYPES; i++)
    names[i] = threshold_name (i);
  if (thresholds == NULL || !check_known_members (thresholds, "thresholds", names, error))
    return FALSE;
  for (guint i = 0; i < N_THRESHOLD_TYPES; i++)
    {
      gint64 k = 0;

      if (!get_integer (thresholds, "thresholds", names[i], 1, CHAIN_POLICY_MAX_THRESHOLD,
                        &k, error))
        return FALSE;
      self->thresholds[i] = (guint) k;
    }
  return TRUE;
}

/* At most this many TPM makers' CAs a tier, each at most this long. */
#define TPM_EK_ROOTS_MAX 16
#define TPM_EK_ROOT_MAX_LEN 16384

static X509 *
pem_certificate (const char *pem)
{
  g_autoptr(BIO) bio = BIO_new_mem_buf (pem, -1);
  X509 *cert = bio != NULL ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;

  chain_openssl_clear_errors ();
  return cert;
}

/* The optional "tpm_ek_roots": a non-empty array of PEM certificates. */
static gboolean
read_tpm_ek_roots (ChainJson  *item,
                   const char *path,
                   Tier       *tier,
                   GError    **error)
{
  ChainJson *roots = chain_json_object_get_member (item, "tpm_ek_roots");
  g_autofree char *field = g_strdup_printf ("%s.tpm_ek_roots", path);
  gsize n;

  if (roots == NULL)
    return TRUE;
  n = chain_json_get_value_type (roots) == CHAIN_JSON_ARRAY ? chain_json_array_get_length (roots) : 0;
  if (n == 0 || n > TPM_EK_ROOTS_MAX)
    {
      field_error (error, _("policy field '%s' is not a list of 1 to %d PEM certificates; leave it out to trust no TPM maker"),
                   field, TPM_EK_ROOTS_MAX);
      return FALSE;
    }
  tier->tpm_ek_roots = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; i < n; i++)
    {
      ChainJson *element = chain_json_array_get_element (roots, i);
      const char *pem = chain_json_get_value_type (element) == CHAIN_JSON_STRING ? chain_json_get_string (element) : NULL;
      g_autoptr(X509) cert = pem != NULL && strlen (pem) <= TPM_EK_ROOT_MAX_LEN ? pem_certificate (pem) : NULL;

      if (cert == NULL)
        {
          field_error (error, _("policy field '%s' item %u is not a PEM certificate"), field, (guint) i);
          return FALSE;
        }
      g_ptr_array_add (tier->tpm_ek_roots, g_strdup (pem));
    }
  return TRUE;
}

/* Reads one tier; delegates_to is resolved once all names are known. */
static Tier *
read_tier (ChainJson  *item,
           const char *path,
           GError    **error)
{
  static const char *const known[] = {
    "delegates_to", "issues_devices", "max_path_len", "max_validity_days", "name",
    "require_hardware_keys", "require_name_constraints", "tpm_ek_roots", NULL
  };
  ChainJson *name;
  Tier *tier;
  gint64 n = 0;

  if (chain_json_get_value_type (item) != CHAIN_JSON_OBJECT)
    {
      field_error (error, _("policy field '%s' is not an object; describe the tier as {\"name\": ..., ...}"), path);
      return NULL;
    }
  if (!check_known_members (item, path, known, error))
    return NULL;
  name = get_member (item, path, "name", CHAIN_JSON_STRING, error);
  if (name == NULL)
    return NULL;
  if (!is_tier_name (chain_json_get_string (name)))
    {
      g_autofree char *field = g_strdup_printf ("%s.name", path);

      field_error (error, _("policy field '%s' is not a tier name; use lower-case letters, digits and '-', starting with a letter, at most %d"), field,
                   TIER_NAME_MAX_LEN);
      return NULL;
    }
  tier = tier_new (chain_json_get_string (name));
  if (!get_integer (item, path, "max_path_len", 0, CHAIN_POLICY_MAX_PATH_LEN, &n, error))
    goto fail;
  tier->max_path_len = (int) n;
  if (!get_integer (item, path, "max_validity_days", 1, CHAIN_POLICY_MAX_VALIDITY_DAYS,
                    &tier->max_validity_days, error)
      || !get_boolean (item, path, "require_name_constraints", &tier->require_name_constraints, error)
      || !get_boolean (item, path, "issues_devices", &tier->issues_devices, error)
      || get_member (item, path, "delegates_to", CHAIN_JSON_ARRAY, error) == NULL)
    goto fail;
  /* Optional, and written only when true, so policies from before it keep
   * their canonical bytes and digest. */
  if (chain_json_object_get_member (item, "require_hardware_keys") != NULL
      && (!get_boolean (item, path, "require_hardware_keys", &tier->require_hardware_keys, error)
          || !tier->require_hardware_keys))
    {
      if (!tier->require_hardware_keys && (error == NULL || *error == NULL))
        {
          g_autofree char *field = g_strdup_printf ("%s.require_hardware_keys", path);

          field_error (error, _("policy field '%s' is false; leave it out instead"), field);
        }
      goto fail;
    }
  if (!read_tpm_ek_roots (item, path, tier, error))
    goto fail;
  return tier;

fail:
  tier_free (tier);
  return NULL;
}

static gboolean
read_tiers (ChainPolicy     *self,
            const ChainJson *json,
            GError         **error)
{
  ChainJson *list = get_member (json, "", "tiers", CHAIN_JSON_ARRAY, error);
  gsize n;

  if (list == NULL)
    return FALSE;
  n = chain_json_array_get_length (list);
  if (n == 0 || n > CHAIN_POLICY_MAX_TIERS)
    return field_error (error, _("policy field '%s' has %zu tiers; name 1 to %d"), "tiers",
                        n, CHAIN_POLICY_MAX_TIERS);
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("tiers[%" G_GSIZE_FORMAT "]", i);
      Tier *tier = read_tier (chain_json_array_get_element (list, i), path, error);

      if (tier == NULL)
        return FALSE;
      g_ptr_array_add (self->tiers, tier);
      if (chain_policy_find_tier (self, tier->name) != (int) i)
        return field_error (error, _("policy field '%s' repeats the tier name '%s'; name each tier once"), path, tier->name);
    }

  /* Delegation targets by name, now that every name is known. */
  for (gsize i = 0; i < n; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);
      ChainJson *targets = chain_json_object_get_member (chain_json_array_get_element (list, i),
                                                         "delegates_to");

      for (gsize j = 0; j < chain_json_array_get_length (targets); j++)
        {
          g_autofree char *path = g_strdup_printf ("tiers[%" G_GSIZE_FORMAT "].delegates_to[%" G_GSIZE_FORMAT "]", i, j);
          ChainJson *target = chain_json_array_get_element (targets, j);
          int index;
          guint u;

          if (chain_json_get_value_type (target) != CHAIN_JSON_STRING)
            return field_error (error, _("policy field '%s' is not a string; name a tier"), path);
          index = chain_policy_find_tier (self, chain_json_get_string (target));
          if (index < 0)
            return field_error (error, _("policy field '%s' names no tier of this policy; name one listed in 'tiers'"), path);
          u = (guint) index;
          g_array_append_val (tier->delegates, u);
        }
    }
  return TRUE;
}

ChainPolicy *
chain_policy_from_json (const ChainJson *json,
                        GError         **error)
{
  static const char *const known[] = {
    "algorithms", "devices", "thresholds", "tiers", "version", NULL
  };
  g_autoptr(ChainPolicy) self = NULL;
  gint64 version = 0;

  g_return_val_if_fail (json != NULL, NULL);

  if (chain_json_get_value_type (json) != CHAIN_JSON_OBJECT)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("policy is not a JSON object; write it as {\"algorithms\": ..., \"tiers\": ..., ...}"));
      return NULL;
    }
  self = policy_new_empty ();
  if (!check_known_members (json, "", known, error)
      || !get_integer (json, "", "version", POLICY_VERSION, POLICY_VERSION, &version, error)
      || !read_tiers (self, json, error)
      || !read_algorithms (self, json, error)
      || !read_devices (self, json, error)
      || !read_thresholds (self, json, error)
      || !chain_policy_validate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

ChainPolicy *
chain_policy_parse (const void *data,
                    gsize       len,
                    GError    **error)
{
  g_autoptr(ChainJson) json = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  json = chain_json_parse (data, len, CHAIN_POLICY_MAX_LEN, error);
  if (json == NULL)
    {
      g_prefix_error (error, _("policy: "));
      return NULL;
    }
  return chain_policy_from_json (json, error);
}

/* ---- Consistency -------------------------------------------------------- */

gboolean
chain_policy_validate (const ChainPolicy *self,
                       GError           **error)
{
  gboolean any_algorithm = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->tiers->len == 0 || self->tiers->len > CHAIN_POLICY_MAX_TIERS)
    return field_error (error, _("policy field '%s' has %u tiers; name 1 to %d"), "tiers",
                        self->tiers->len, CHAIN_POLICY_MAX_TIERS);
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);
      g_autofree char *path = g_strdup_printf ("tiers[%u]", i);
      int last = (int) i;

      if (!is_tier_name (tier->name))
        return field_error (error, _("policy field '%s' has a bad name; use lower-case letters, digits and '-', starting with a letter"), path);
      for (guint j = 0; j < i; j++)
        if (strcmp (((Tier *) g_ptr_array_index (self->tiers, j))->name, tier->name) == 0)
          return field_error (error, _("policy field '%s' repeats the tier name '%s'; name each tier once"), path, tier->name);
      if (tier->max_path_len < 0 || tier->max_path_len > CHAIN_POLICY_MAX_PATH_LEN)
        return field_error (error, _("policy field '%s' has max_path_len %d; use 0 to %d"), path,
                            tier->max_path_len, CHAIN_POLICY_MAX_PATH_LEN);
      if (tier->max_validity_days < 1 || tier->max_validity_days > CHAIN_POLICY_MAX_VALIDITY_DAYS)
        return field_error (error, _("policy field '%s' has max_validity_days %" PRId64 "; use 1 to %d"), path,
                            tier->max_validity_days, CHAIN_POLICY_MAX_VALIDITY_DAYS);
      if (i == 0 && tier->require_name_constraints)
        return field_error (error, _("policy field '%s' is true, but the first tier holds the self-signed root, whose constraints bind nothing; set it to false"), "tiers[0].require_name_constraints");
      for (guint j = 0; j < tier->delegates->len; j++)
        {
          guint target = g_array_index (tier->delegates, guint, j);
          Tier *child;

          if (target >= self->tiers->len)
            return field_error (error, _("policy field '%s' delegates to a tier that does not exist; name tiers of this policy"), path);
          child = g_ptr_array_index (self->tiers, target);
          if ((int) target <= last)
            {
              g_autofree char *field = g_strdup_printf ("%s.delegates_to[%u]", path, j);

              if (target <= i)
                return field_error (error, _("policy field '%s' names '%s', which is not below '%s'; a tier delegates only to tiers listed after it"), field,
                                    child->name, tier->name);
              return field_error (error, _("policy field '%s' names '%s' again or out of order; list each tier once, in tier order"), field,
                                  child->name);
            }
          last = (int) target;
          if (child->max_path_len + 1 > tier->max_path_len)
            {
              g_autofree char *field = g_strdup_printf ("%s.max_path_len", path);

              return field_error (error, _("policy field '%s' is %d, leaving no room for tier '%s' (max_path_len %d) below it; make it at least %d"), field,
                                  tier->max_path_len, child->name, child->max_path_len,
                                  child->max_path_len + 1);
            }
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (algorithms); i++)
    any_algorithm |= self->allowed[i];
  if (!any_algorithm)
    return field_error (error, _("policy field '%s' is empty; allow at least one of %s"), "algorithms", CHAIN_KEY_ALGORITHM_NAMES);

  if (self->device_id_rules != CHAIN_DEVICE_ID_RULES_IOT_HUB
      && self->device_id_rules != CHAIN_DEVICE_ID_RULES_DPS)
    return field_error (error, _("policy field '%s' is not a device id rule set; use \"iot-hub\" or \"dps\""), "devices.id_rules");
  if (self->device_max_validity_days < 1 || self->device_max_validity_days > CHAIN_POLICY_MAX_VALIDITY_DAYS)
    return field_error (error, _("policy field '%s' is %" PRId64 "; use 1 to %d"), "devices.max_validity_days",
                        self->device_max_validity_days, CHAIN_POLICY_MAX_VALIDITY_DAYS);
  for (guint i = 0; i < N_THRESHOLD_TYPES; i++)
    if (self->thresholds[i] < 1 || self->thresholds[i] > CHAIN_POLICY_MAX_THRESHOLD)
      {
        g_autofree char *path = g_strdup_printf ("thresholds.%s", threshold_name (i));

        return field_error (error, _("policy field '%s' is %u; use 1 to %d"), path, self->thresholds[i], CHAIN_POLICY_MAX_THRESHOLD);
      }
  return TRUE;
}

/* ---- Writing ------------------------------------------------------------ */

ChainJson *
chain_policy_to_json (const ChainPolicy *self)
{
  ChainJson *json;
  ChainJson *list;
  ChainJson *devices;
  ChainJson *thresholds;

  g_return_val_if_fail (self != NULL, NULL);

  json = chain_json_new_object ();

  list = chain_json_new_array ();
  for (guint i = 0; i < G_N_ELEMENTS (algorithms); i++)
    if (self->allowed[i])
      chain_json_array_append (list, chain_json_new_string (chain_key_algorithm_to_string (algorithms[i])));
  chain_json_object_set (json, "algorithms", list);

  devices = chain_json_new_object ();
  chain_json_object_set_string (devices, "id_rules", device_id_rules_to_string (self->device_id_rules));
  chain_json_object_set_integer (devices, "max_validity_days", self->device_max_validity_days);
  chain_json_object_set (json, "devices", devices);

  thresholds = chain_json_new_object ();
  for (guint i = 0; i < N_THRESHOLD_TYPES; i++)
    chain_json_object_set_integer (thresholds, threshold_name (i), self->thresholds[i]);
  chain_json_object_set (json, "thresholds", thresholds);

  list = chain_json_new_array ();
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);
      ChainJson *item = chain_json_new_object ();
      ChainJson *delegates = chain_json_new_array ();

      for (guint j = 0; j < tier->delegates->len; j++)
        {
          Tier *child = g_ptr_array_index (self->tiers, g_array_index (tier->delegates, guint, j));

          chain_json_array_append (delegates, chain_json_new_string (child->name));
        }
      chain_json_object_set (item, "delegates_to", delegates);
      chain_json_object_set_boolean (item, "issues_devices", tier->issues_devices);
      chain_json_object_set_integer (item, "max_path_len", tier->max_path_len);
      chain_json_object_set_integer (item, "max_validity_days", tier->max_validity_days);
      chain_json_object_set_string (item, "name", tier->name);
      if (tier->require_hardware_keys)
        chain_json_object_set_boolean (item, "require_hardware_keys", TRUE);
      chain_json_object_set_boolean (item, "require_name_constraints", tier->require_name_constraints);
      if (tier->tpm_ek_roots != NULL)
        {
          ChainJson *roots = chain_json_new_array ();

          for (guint j = 0; j < tier->tpm_ek_roots->len; j++)
            chain_json_array_append (roots, chain_json_new_string (g_ptr_array_index (tier->tpm_ek_roots, j)));
          chain_json_object_set (item, "tpm_ek_roots", roots);
        }
      chain_json_array_append (list, item);
    }
  chain_json_object_set (json, "tiers", list);
  chain_json_object_set_integer (json, "version", POLICY_VERSION);
  return json;
}

GBytes *
chain_policy_to_canonical (const ChainPolicy *self)
{
  g_autoptr(ChainJson) json = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  json = chain_policy_to_json (self);
  return chain_json_to_canonical (json);
}

char *
chain_policy_dup_digest (const ChainPolicy *self)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize len = 0;
  const void *data;

  g_return_val_if_fail (self != NULL, NULL);

  bytes = chain_policy_to_canonical (self);
  data = g_bytes_get_data (bytes, &len);
  return chain_sha256_hex (data, len);
}

gboolean
chain_policy_equal (const ChainPolicy *a,
                    const ChainPolicy *b)
{
  g_autoptr(GBytes) a_bytes = NULL;
  g_autoptr(GBytes) b_bytes = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  a_bytes = chain_policy_to_canonical (a);
  b_bytes = chain_policy_to_canonical (b);
  return g_bytes_equal (a_bytes, b_bytes);
}

static gpointer
copy_string (gconstpointer string,
             gpointer      unused)
{
  return g_strdup (string);
}

ChainPolicy *
chain_policy_copy (const ChainPolicy *self)
{
  ChainPolicy *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = policy_new_empty ();
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);
      Tier *dup = tier_new (tier->name);

      g_array_append_vals (dup->delegates, tier->delegates->data, tier->delegates->len);
      dup->max_path_len = tier->max_path_len;
      dup->max_validity_days = tier->max_validity_days;
      dup->require_name_constraints = tier->require_name_constraints;
      dup->issues_devices = tier->issues_devices;
      dup->require_hardware_keys = tier->require_hardware_keys;
      if (tier->tpm_ek_roots != NULL)
        dup->tpm_ek_roots = g_ptr_array_copy (tier->tpm_ek_roots, copy_string, NULL);
      g_ptr_array_add (copy->tiers, dup);
    }
  memcpy (copy->allowed, self->allowed, sizeof copy->allowed);
  copy->device_id_rules = self->device_id_rules;
  copy->device_max_validity_days = self->device_max_validity_days;
  memcpy (copy->thresholds, self->thresholds, sizeof copy->thresholds);
  return copy;
}

/* ---- Getters and setters ------------------------------------------------ */

guint
chain_policy_get_n_tiers (const ChainPolicy *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->tiers->len;
}

const char *
chain_policy_get_tier_name (const ChainPolicy *self,
                            guint              index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->tiers->len, NULL);
  return ((Tier *) g_ptr_array_index (self->tiers, index))->name;
}

int
chain_policy_find_tier (const ChainPolicy *self,
                        const char        *name)
{
  g_return_val_if_fail (self != NULL, -1);

  if (name == NULL)
    return -1;
  for (guint i = 0; i < self->tiers->len; i++)
    if (strcmp (((Tier *) g_ptr_array_index (self->tiers, i))->name, name) == 0)
      return (int) i;
  return -1;
}

static Tier *
lookup_tier (const ChainPolicy *self,
             const char        *name)
{
  int index = chain_policy_find_tier (self, name);

  return index >= 0 ? g_ptr_array_index (self->tiers, index) : NULL;
}

gboolean
chain_policy_may_delegate (const ChainPolicy *self,
                           const char        *parent,
                           const char        *child)
{
  Tier *tier;
  int child_index;

  g_return_val_if_fail (self != NULL, FALSE);

  tier = lookup_tier (self, parent);
  child_index = chain_policy_find_tier (self, child);
  if (tier == NULL || child_index < 0)
    return FALSE;
  for (guint j = 0; j < tier->delegates->len; j++)
    if (g_array_index (tier->delegates, guint, j) == (guint) child_index)
      return TRUE;
  return FALSE;
}

const char **
chain_policy_get_delegates (const ChainPolicy *self,
                            const char        *tier_name)
{
  Tier *tier;
  const char **names;

  g_return_val_if_fail (self != NULL, NULL);
  tier = lookup_tier (self, tier_name);
  g_return_val_if_fail (tier != NULL, NULL);

  names = g_new0 (const char *, tier->delegates->len + 1);
  for (guint j = 0; j < tier->delegates->len; j++)
    names[j] = ((Tier *) g_ptr_array_index (self->tiers, g_array_index (tier->delegates, guint, j)))->name;
  return names;
}

#define TIER_GETTER(type, func, field, fallback)               \
  type                                                         \
  func (const ChainPolicy *self,                               \
        const char        *tier_name)                          \
  {                                                            \
    Tier *tier;                                                \
                                                               \
    g_return_val_if_fail (self != NULL, fallback);             \
    tier = lookup_tier (self, tier_name);                      \
    g_return_val_if_fail (tier != NULL, fallback);             \
    return tier->field;                                        \
  }

TIER_GETTER (int, chain_policy_get_max_path_len, max_path_len, 0)
TIER_GETTER (gint64, chain_policy_get_max_validity_days, max_validity_days, 0)
TIER_GETTER (gboolean, chain_policy_get_require_name_constraints, require_name_constraints, TRUE)
TIER_GETTER (gboolean, chain_policy_get_issues_devices, issues_devices, FALSE)
TIER_GETTER (gboolean, chain_policy_get_require_hardware_keys, require_hardware_keys, FALSE)

STACK_OF(X509) *
chain_policy_dup_tpm_ek_roots (const ChainPolicy *self,
                               const char        *tier_name)
{
  Tier *tier = lookup_tier (self, tier_name);
  STACK_OF(X509) *roots;

  if (tier == NULL || tier->tpm_ek_roots == NULL)
    return NULL;
  roots = sk_X509_new_null ();
  for (guint i = 0; roots != NULL && i < tier->tpm_ek_roots->len; i++)
    {
      X509 *cert = pem_certificate (g_ptr_array_index (tier->tpm_ek_roots, i));

      if (cert != NULL && sk_X509_push (roots, cert) == 0)
        X509_free (cert);
    }
  return roots;
}

gboolean
chain_policy_add_tpm_ek_root (ChainPolicy *self,
                              const char  *tier_name,
                              const char  *pem,
                              GError     **error)
{
  Tier *tier;
  g_autoptr(X509) cert = NULL;

  g_return_val_if_fail (self != NULL && pem != NULL, FALSE);
  tier = lookup_tier (self, tier_name);
  if (tier == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("the policy has no tier '%s'"), tier_name);
      return FALSE;
    }
  cert = strlen (pem) <= TPM_EK_ROOT_MAX_LEN ? pem_certificate (pem) : NULL;
  if (cert == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("not a PEM certificate of at most %d characters: give the TPM maker's CA certificate"),
                   TPM_EK_ROOT_MAX_LEN);
      return FALSE;
    }
  if (tier->tpm_ek_roots == NULL)
    tier->tpm_ek_roots = g_ptr_array_new_with_free_func (g_free);
  if (tier->tpm_ek_roots->len >= TPM_EK_ROOTS_MAX)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED, _("tier '%s' trusts %d TPM makers already, the most it may"),
                   tier_name, TPM_EK_ROOTS_MAX);
      return FALSE;
    }
  g_ptr_array_add (tier->tpm_ek_roots, g_strdup (pem));
  return TRUE;
}

#define TIER_SETTER(type, func, field)                         \
  void                                                         \
  func (ChainPolicy *self,                                     \
        const char  *tier_name,                                \
        type         value)                                    \
  {                                                            \
    Tier *tier;                                                \
                                                               \
    g_return_if_fail (self != NULL);                           \
    tier = lookup_tier (self, tier_name);                      \
    g_return_if_fail (tier != NULL);                           \
    tier->field = value;                                       \
  }

TIER_SETTER (int, chain_policy_set_max_path_len, max_path_len)
TIER_SETTER (gint64, chain_policy_set_max_validity_days, max_validity_days)
TIER_SETTER (gboolean, chain_policy_set_require_name_constraints, require_name_constraints)
TIER_SETTER (gboolean, chain_policy_set_issues_devices, issues_devices)
TIER_SETTER (gboolean, chain_policy_set_require_hardware_keys, require_hardware_keys)

gboolean
chain_policy_allows_algorithm (const ChainPolicy *self,
                               ChainKeyAlgorithm  algorithm)
{
  int index = algorithm_index (algorithm);

  g_return_val_if_fail (self != NULL, FALSE);
  return index >= 0 && self->allowed[index];
}

void
chain_policy_set_algorithm_allowed (ChainPolicy      *self,
                                    ChainKeyAlgorithm algorithm,
                                    gboolean          allowed)
{
  int index = algorithm_index (algorithm);

  g_return_if_fail (self != NULL);
  g_return_if_fail (index >= 0);
  self->allowed[index] = allowed != FALSE;
}

ChainDeviceIdRules
chain_policy_get_device_id_rules (const ChainPolicy *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_DEVICE_ID_RULES_IOT_HUB);
  return self->device_id_rules;
}

void
chain_policy_set_device_id_rules (ChainPolicy       *self,
                                  ChainDeviceIdRules rules)
{
  g_return_if_fail (self != NULL);
  self->device_id_rules = rules;
}

gint64
chain_policy_get_device_max_validity_days (const ChainPolicy *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->device_max_validity_days;
}

void
chain_policy_set_device_max_validity_days (ChainPolicy *self,
                                           gint64       days)
{
  g_return_if_fail (self != NULL);
  self->device_max_validity_days = days;
}

const ChainRecordType *
chain_policy_get_threshold_types (void)
{
  return threshold_types;
}

gboolean
chain_policy_type_has_threshold (ChainRecordType type)
{
  return threshold_index (type) >= 0;
}

guint
chain_policy_get_threshold (const ChainPolicy *self,
                            ChainRecordType    type)
{
  int index;

  g_return_val_if_fail (self != NULL, 0);

  if (type == CHAIN_RECORD_TYPE_GENESIS || type == CHAIN_RECORD_TYPE_ACCEPTANCE)
    return 1;
  index = threshold_index (type);
  return index >= 0 ? self->thresholds[index] : 0;
}

void
chain_policy_set_threshold (ChainPolicy     *self,
                            ChainRecordType  type,
                            guint            k)
{
  int index = threshold_index (type);

  g_return_if_fail (self != NULL);
  g_return_if_fail (index >= 0);
  self->thresholds[index] = k;
}

void
chain_policy_free (ChainPolicy *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->tiers);
  g_free (self);
}
