/* custody-annotate-form.c — "Add Note": free text recorded in the ledger */
#include "custody-annotate-form.h"

#include <glib/gi18n.h>
#include <string.h>

struct _CustodyAnnotateForm {
  GObject  parent_instance;
  char    *text;
  char    *problem;
};

G_DEFINE_FINAL_TYPE (CustodyAnnotateForm, custody_annotate_form, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TEXT,
  PROP_PROBLEM,
  PROP_CAN_ANNOTATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
custody_annotate_form_finalize (GObject *object)
{
  CustodyAnnotateForm *self = CUSTODY_ANNOTATE_FORM (object);

  g_free (self->text);
  g_free (self->problem);
  G_OBJECT_CLASS (custody_annotate_form_parent_class)->finalize (object);
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

static char *
find_problem (CustodyAnnotateForm *self)
{
  gsize len = strlen (self->text);

  if (is_blank (self->text))
    return g_strdup (_("Write the note first"));
  if (!g_utf8_validate (self->text, -1, NULL))
    return g_strdup (_("The note is not valid UTF-8 text"));
  if (len > CHAIN_ANNOTATION_MAX_SIZE)
    return g_strdup_printf (ngettext ("The note is %lu byte too long; the ledger takes at most %d bytes",
                                      "The note is %lu bytes too long; the ledger takes at most %d bytes",
                                      (gulong) (len - CHAIN_ANNOTATION_MAX_SIZE)),
                            (gulong) (len - CHAIN_ANNOTATION_MAX_SIZE), CHAIN_ANNOTATION_MAX_SIZE);
  return NULL;
}

static void
set_text (CustodyAnnotateForm *self,
          const char          *text)
{
  g_autofree char *problem = NULL;

  if (g_strcmp0 (text != NULL ? text : "", self->text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text != NULL ? text : "");
  problem = find_problem (self);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
  if (g_strcmp0 (problem, self->problem) != 0)
    {
      g_free (self->problem);
      self->problem = g_steal_pointer (&problem);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_ANNOTATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
custody_annotate_form_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  CustodyAnnotateForm *self = CUSTODY_ANNOTATE_FORM (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      set_text (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_annotate_form_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  CustodyAnnotateForm *self = CUSTODY_ANNOTATE_FORM (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    case PROP_CAN_ANNOTATE:
      g_value_set_boolean (value, custody_annotate_form_get_can_annotate (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_annotate_form_class_init (CustodyAnnotateFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = custody_annotate_form_finalize;
  object_class->get_property = custody_annotate_form_get_property;
  object_class->set_property = custody_annotate_form_set_property;

  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROBLEM] = g_param_spec_string ("problem", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_ANNOTATE] = g_param_spec_boolean ("can-annotate", NULL, NULL, FALSE,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
custody_annotate_form_init (CustodyAnnotateForm *self)
{
  self->text = g_strdup ("");
  self->problem = find_problem (self);
}

CustodyAnnotateForm *
custody_annotate_form_new (void)
{
  return g_object_new (CUSTODY_TYPE_ANNOTATE_FORM, NULL);
}

const char *
custody_annotate_form_get_problem (CustodyAnnotateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_ANNOTATE_FORM (self), NULL);
  return self->problem;
}

gboolean
custody_annotate_form_get_can_annotate (CustodyAnnotateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_ANNOTATE_FORM (self), FALSE);
  return self->problem == NULL;
}

gsize
custody_annotate_form_get_length (CustodyAnnotateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_ANNOTATE_FORM (self), 0);
  return strlen (self->text);
}

char *
custody_annotate_form_dup_usage (CustodyAnnotateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_ANNOTATE_FORM (self), NULL);

  /* TRANSLATORS: how much of the room for a note is used, e.g. "120 of 4096 bytes" */
  return g_strdup_printf (_("%lu of %d bytes"), (gulong) strlen (self->text), CHAIN_ANNOTATION_MAX_SIZE);
}

const char *
custody_annotate_form_get_text (CustodyAnnotateForm *self)
{
  g_return_val_if_fail (CUSTODY_IS_ANNOTATE_FORM (self), NULL);
  return self->problem == NULL ? self->text : NULL;
}
