/* custody-export-form.c — the export dialog: a CA, a cloud, a verification code */
#include "custody-export-form.h"

#include <glib/gi18n.h>

#include "custody-error-text.h"

struct _CustodyExportForm {
  GObject      parent_instance;
  char        *self_id;
  guint        target;
  char        *ca;
  char        *code;
  char        *hub;
  char        *dps;
  char        *region;
  char        *dir;
  char        *problem;
  gboolean     previewed;
  GPtrArray   *files;
  GPtrArray   *warnings;
};

G_DEFINE_FINAL_TYPE (CustodyExportForm, custody_export_form, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TARGET,
  PROP_CA,
  PROP_CODE,
  PROP_HUB,
  PROP_DPS,
  PROP_REGION,
  PROP_DIR,
  PROP_NEEDS_CODE,
  PROP_PROBLEM,
  PROP_CAN_EXPORT,
  N_PROPS
};

enum {
  SIGNAL_CHOICES_CHANGED,
  SIGNAL_PREVIEW_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const struct {
  ChainExportTarget target;
  const char       *label;
} targets[] = {
  { CHAIN_EXPORT_TARGET_AZURE_IOTHUB, N_("Azure IoT Hub") },
  { CHAIN_EXPORT_TARGET_AZURE_DPS, N_("Azure Device Provisioning Service") },
  { CHAIN_EXPORT_TARGET_AWS_IOT, N_("AWS IoT Core") },
  { CHAIN_EXPORT_TARGET_PEM, N_("PEM files (any MQTT broker)") },
};

const char *const *
custody_export_form_get_target_labels (void)
{
  static const char *labels[G_N_ELEMENTS (targets) + 1];
  gsize i;

  if (labels[0] == NULL)
    for (i = 0; i < G_N_ELEMENTS (targets); i++)
      labels[i] = _(targets[i].label);
  return labels;
}


static void
custody_export_form_finalize (GObject *object)
{
  CustodyExportForm *self = CUSTODY_EXPORT_FORM (object);

  g_free (self->self_id);
  g_free (self->ca);
  g_free (self->code);
  g_free (self->hub);
  g_free (self->dps);
  g_free (self->region);
  g_free (self->dir);
  g_free (self->problem);
  g_ptr_array_unref (self->files);
  g_ptr_array_unref (self->warnings);
  G_OBJECT_CLASS (custody_export_form_parent_class)->finalize (object);
}

static const char *
nonempty (const char *text)
{
  return text != NULL && text[0] != '\0' ? text : NULL;
}

static gboolean
is_own_ca (CustodyExportForm *self)
{
  return nonempty (self->ca) == NULL || g_strcmp0 (self->ca, self->self_id) == 0;
}

static char *
find_problem (CustodyExportForm *self)
{
  ChainExportTarget target = targets[self->target].target;
  g_autoptr(GError) error = NULL;

  if (nonempty (self->code) != NULL)
    {
      if (target == CHAIN_EXPORT_TARGET_PEM)
        return g_strdup (_("Plain PEM files have no proof of possession; clear the verification code"));
      if (!is_own_ca (self))
        return g_strdup (_("Only this workspace’s own CA can prove possession; clear the code or export the own CA"));
      if (!chain_export_check_code (target, self->code, &error))
        return custody_error_dup_message (error);
    }
  if (nonempty (self->dir) == NULL)
    return g_strdup (_("Choose a folder to write the export to"));
  return NULL;
}

static void
update (CustodyExportForm *self,
        gboolean           choices_changed)
{
  g_free (self->problem);
  self->problem = find_problem (self);
  if (choices_changed)
    {
      self->previewed = FALSE;
      g_ptr_array_set_size (self->files, 0);
      g_ptr_array_set_size (self->warnings, 0);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_EXPORT]);
}

static void
set_string (char       **field,
            const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
custody_export_form_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  CustodyExportForm *self = CUSTODY_EXPORT_FORM (object);
  gboolean preview_changes = TRUE;

  switch (prop_id)
    {
    case PROP_TARGET:
      self->target = MIN (g_value_get_uint (value), G_N_ELEMENTS (targets) - 1);
      g_object_notify_by_pspec (object, properties[PROP_NEEDS_CODE]);
      break;
    case PROP_CA:
      set_string (&self->ca, value);
      break;
    case PROP_CODE:
      set_string (&self->code, value);
      preview_changes = FALSE;   /* the preview is made without the code */
      break;
    case PROP_HUB:
      set_string (&self->hub, value);
      break;
    case PROP_DPS:
      set_string (&self->dps, value);
      break;
    case PROP_REGION:
      set_string (&self->region, value);
      break;
    case PROP_DIR:
      set_string (&self->dir, value);
      preview_changes = FALSE;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
  update (self, preview_changes);
  if (preview_changes)
    g_signal_emit (self, signals[SIGNAL_CHOICES_CHANGED], 0);
}

static void
custody_export_form_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CustodyExportForm *self = CUSTODY_EXPORT_FORM (object);

  switch (prop_id)
    {
    case PROP_TARGET:
      g_value_set_uint (value, self->target);
      break;
    case PROP_CA:
      g_value_set_string (value, self->ca);
      break;
    case PROP_CODE:
      g_value_set_string (value, self->code);
      break;
    case PROP_HUB:
      g_value_set_string (value, self->hub);
      break;
    case PROP_DPS:
      g_value_set_string (value, self->dps);
      break;
    case PROP_REGION:
      g_value_set_string (value, self->region);
      break;
    case PROP_DIR:
      g_value_set_string (value, self->dir);
      break;
    case PROP_NEEDS_CODE:
      g_value_set_boolean (value, custody_export_form_get_needs_code (self));
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    case PROP_CAN_EXPORT:
      g_value_set_boolean (value, custody_export_form_get_can_export (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_export_form_class_init (CustodyExportFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = custody_export_form_finalize;
  object_class->get_property = custody_export_form_get_property;
  object_class->set_property = custody_export_form_set_property;

  properties[PROP_TARGET] = g_param_spec_uint ("target", NULL, NULL, 0, G_N_ELEMENTS (targets) - 1, 0, rw);
  properties[PROP_CA] = g_param_spec_string ("ca", NULL, NULL, NULL, rw);
  properties[PROP_CODE] = g_param_spec_string ("code", NULL, NULL, NULL, rw);
  properties[PROP_HUB] = g_param_spec_string ("hub", NULL, NULL, NULL, rw);
  properties[PROP_DPS] = g_param_spec_string ("dps", NULL, NULL, NULL, rw);
  properties[PROP_REGION] = g_param_spec_string ("region", NULL, NULL, NULL, rw);
  properties[PROP_DIR] = g_param_spec_string ("dir", NULL, NULL, NULL, rw);
  properties[PROP_NEEDS_CODE] = g_param_spec_boolean ("needs-code", NULL, NULL, TRUE, ro);
  properties[PROP_PROBLEM] = g_param_spec_string ("problem", NULL, NULL, NULL, ro);
  properties[PROP_CAN_EXPORT] = g_param_spec_boolean ("can-export", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CustodyExportForm::choices-changed:
   *
   * A choice the preview depends on changed: prepare a new one.
   */
  signals[SIGNAL_CHOICES_CHANGED] = g_signal_new ("choices-changed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 0);
  /**
   * CustodyExportForm::preview-changed:
   *
   * The files and warnings changed.
   */
  signals[SIGNAL_PREVIEW_CHANGED] = g_signal_new ("preview-changed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 0);
}

static void
custody_export_form_init (CustodyExportForm *self)
{
  self->files = custody_fields_new ();
  self->warnings = custody_fields_new ();
}

CustodyExportForm *
custody_export_form_new (const char *self_id)
{
  CustodyExportForm *self = g_object_new (CUSTODY_TYPE_EXPORT_FORM, NULL);

  self->self_id = g_strdup (self_id);
  update (self, TRUE);
  return self;
}

ChainExportTarget
custody_export_form_get_target (CustodyExportForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_EXPORT_FORM (self), CHAIN_EXPORT_TARGET_INVALID);
  return targets[self->target].target;
}

gboolean
custody_export_form_get_needs_code (CustodyExportForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_EXPORT_FORM (self), FALSE);
  return targets[self->target].target != CHAIN_EXPORT_TARGET_PEM;
}

const char *
custody_export_form_get_problem (CustodyExportForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_EXPORT_FORM (self), NULL);
  return self->problem;
}

gboolean
custody_export_form_get_options (CustodyExportForm  *self,
                                 gboolean            with_code,
                                 ChainExportOptions *out_options)
{
  ChainExportOptions options = CHAIN_EXPORT_OPTIONS_INIT;

  g_return_val_if_fail (CUSTODY_IS_EXPORT_FORM (self), FALSE);

  if (with_code && self->problem != NULL)
    return FALSE;
  options.target = targets[self->target].target;
  options.ca = nonempty (self->ca);
  options.code = with_code ? nonempty (self->code) : NULL;
  options.hub = nonempty (self->hub);
  options.dps = nonempty (self->dps);
  options.region = nonempty (self->region);
  *out_options = options;
  return TRUE;
}

void
custody_export_form_set_preview (CustodyExportForm *self,
                                 ChainExport       *export,
                                 const GError      *error)
{
  g_autoptr(ChainExport) owned = export;
  guint i;

  g_return_if_fail (CUSTODY_IS_EXPORT_FORM (self));

  g_ptr_array_set_size (self->files, 0);
  g_ptr_array_set_size (self->warnings, 0);
  self->previewed = export != NULL;
  if (error != NULL)
    custody_fields_take (self->warnings, _("The export cannot be made"), custody_error_dup_message (error));
  for (i = 0; export != NULL && i < chain_export_get_n_files (export); i++)
    {
      const ChainExportFile *file = chain_export_get_file (export, i);
      g_autofree char *size = g_format_size (g_bytes_get_size (file->data));

      custody_fields_take (self->files, file->name,
                           file->recorded
                           /* TRANSLATORS: an exported file's size and SHA-256 digest */
                           ? g_strdup_printf (_("%s · SHA-256 %s"), size, file->sha256)
                           : g_strdup_printf (_("%s · recorded as a proof of possession"), size));
    }
  /* The proof of possession is signed when the export is, so the preview
   * has no file for it yet: say it will be there. */
  if (export != NULL && self->code != NULL && self->code[0] != '\0'
      && custody_fields_lookup (self->files, "verification.pem") == NULL)
    custody_fields_add (self->files, "verification.pem",
                        _("The proof of possession for the code, signed by the CA when you export"));
  for (i = 0; export != NULL && i < chain_export_get_n_warnings (export); i++)
    {
      const ChainExportWarning *warning = chain_export_get_warning (export, i);

      custody_fields_add (self->warnings, warning->id, warning->message);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_EXPORT]);
  g_signal_emit (self, signals[SIGNAL_PREVIEW_CHANGED], 0);
}

GPtrArray *
custody_export_form_get_files (CustodyExportForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_EXPORT_FORM (self), NULL);
  return self->files;
}

GPtrArray *
custody_export_form_get_warnings (CustodyExportForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_EXPORT_FORM (self), NULL);
  return self->warnings;
}

gboolean
custody_export_form_get_can_export (CustodyExportForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_EXPORT_FORM (self), FALSE);
  return self->previewed && self->problem == NULL;
}
