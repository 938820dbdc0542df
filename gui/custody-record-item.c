/* custody-record-item.c — one row of the ledger timeline */
#include "custody-record-item.h"

#include <glib/gi18n.h>

struct _CustodyRecordItem {
  GObject       parent_instance;
  ChainRecord  *record;      /* NULL when unreadable */
  guint64       seq;
  char         *title;
  char         *summary;
  char         *subtitle;
  char         *findings;
  CustodyBadge  badge;
};

G_DEFINE_FINAL_TYPE (CustodyRecordItem, custody_record_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_SUBTITLE,
  PROP_SUMMARY,
  PROP_ICON_NAME,
  PROP_BADGE_LABEL,
  PROP_BADGE_ICON,
  PROP_BADGE_CLASS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
custody_badge_to_label (CustodyBadge badge)
{
  switch (badge)
    {
    case CUSTODY_BADGE_UNCHECKED:
      return _("Not checked yet");
    case CUSTODY_BADGE_CHECKED:
      return _("Signatures and rules checked");
    case CUSTODY_BADGE_AUDITED:
      return _("Audited");
    case CUSTODY_BADGE_FAILED:
      return _("Audit failed");
    default:
      g_return_val_if_reached ("");
    }
}

const char *
custody_badge_to_icon_name (CustodyBadge badge)
{
  switch (badge)
    {
    case CUSTODY_BADGE_UNCHECKED:
      return "dialog-question-symbolic";
    case CUSTODY_BADGE_CHECKED:
      return "emblem-ok-symbolic";
    case CUSTODY_BADGE_AUDITED:
      return "security-high-symbolic";
    case CUSTODY_BADGE_FAILED:
      return "dialog-error-symbolic";
    default:
      g_return_val_if_reached ("dialog-question-symbolic");
    }
}

const char *
custody_badge_to_style_class (CustodyBadge badge)
{
  switch (badge)
    {
    case CUSTODY_BADGE_CHECKED:
    case CUSTODY_BADGE_AUDITED:
      return "success";
    case CUSTODY_BADGE_FAILED:
      return "error";
    case CUSTODY_BADGE_UNCHECKED:
    default:
      return "dim-label";
    }
}

static void
custody_record_item_finalize (GObject *object)
{
  CustodyRecordItem *self = CUSTODY_RECORD_ITEM (object);

  g_clear_pointer (&self->record, chain_record_unref);
  g_free (self->title);
  g_free (self->summary);
  g_free (self->subtitle);
  g_free (self->findings);
  G_OBJECT_CLASS (custody_record_item_parent_class)->finalize (object);
}

static void
custody_record_item_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CustodyRecordItem *self = CUSTODY_RECORD_ITEM (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_SUBTITLE:
      g_value_set_string (value, self->subtitle);
      break;
    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value,
                          custody_record_type_to_icon_name (custody_record_item_get_type_name (self)));
      break;
    case PROP_BADGE_LABEL:
      g_value_set_string (value, custody_badge_to_label (self->badge));
      break;
    case PROP_BADGE_ICON:
      g_value_set_string (value, custody_badge_to_icon_name (self->badge));
      break;
    case PROP_BADGE_CLASS:
      g_value_set_string (value, custody_badge_to_style_class (self->badge));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_record_item_class_init (CustodyRecordItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = custody_record_item_finalize;
  object_class->get_property = custody_record_item_get_property;

  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBTITLE] = g_param_spec_string ("subtitle", NULL, NULL, NULL,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] = g_param_spec_string ("summary", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ICON_NAME] = g_param_spec_string ("icon-name", NULL, NULL, NULL,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BADGE_LABEL] = g_param_spec_string ("badge-label", NULL, NULL, NULL,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BADGE_ICON] = g_param_spec_string ("badge-icon", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BADGE_CLASS] = g_param_spec_string ("badge-class", NULL, NULL, NULL,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
custody_record_item_init (CustodyRecordItem *self)
{
}

CustodyRecordItem *
custody_record_item_new (ChainRecord *record)
{
  CustodyRecordItem *self = g_object_new (CUSTODY_TYPE_RECORD_ITEM, NULL);
  ChainStatement *statement = chain_record_get_statement (record);
  g_autofree char *time = custody_format_time (chain_statement_get_time (statement));
  g_autofree char *author = custody_format_sanitize (chain_statement_get_author (statement));

  self->record = chain_record_ref (record);
  self->seq = chain_record_get_seq (record);
  /* TRANSLATORS: record number and record type, e.g. "#4 Delegation" */
  self->title = g_strdup_printf (_("#%llu %s"), (unsigned long long) self->seq,
                                 custody_record_type_to_label (chain_statement_get_type_name (statement)));
  self->summary = chain_record_summary_new (statement, 0);
  /* TRANSLATORS: who wrote a record · when */
  self->subtitle = g_strdup_printf (_("%s · %s"), author, time);
  return self;
}

CustodyRecordItem *
custody_record_item_new_unreadable (guint64       seq,
                                    const GError *error)
{
  CustodyRecordItem *self = g_object_new (CUSTODY_TYPE_RECORD_ITEM, NULL);

  self->seq = seq;
  self->title = g_strdup_printf (_("#%llu %s"), (unsigned long long) seq,
                                 custody_record_type_to_label (NULL));
  self->summary = custody_format_sanitize (error->message);
  self->subtitle = g_strdup (self->summary);
  self->badge = CUSTODY_BADGE_FAILED;
  self->findings = g_strdup (self->summary);
  return self;
}

guint64
custody_record_item_get_seq (CustodyRecordItem *self)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), 0);
  return self->seq;
}

const char *
custody_record_item_get_type_name (CustodyRecordItem *self)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), NULL);
  if (self->record == NULL)
    return NULL;
  return chain_statement_get_type_name (chain_record_get_statement (self->record));
}

gint64
custody_record_item_get_time (CustodyRecordItem *self)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), 0);
  if (self->record == NULL)
    return 0;
  return chain_statement_get_time (chain_record_get_statement (self->record));
}

const char *
custody_record_item_get_author (CustodyRecordItem *self)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), NULL);
  if (self->record == NULL)
    return NULL;
  return chain_statement_get_author (chain_record_get_statement (self->record));
}


const char *
custody_record_item_get_title (CustodyRecordItem *self)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), NULL);
  return self->title;
}

const char *
custody_record_item_get_summary (CustodyRecordItem *self)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), NULL);
  return self->summary;
}

CustodyBadge
custody_record_item_get_badge (CustodyRecordItem *self)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), CUSTODY_BADGE_UNCHECKED);
  return self->badge;
}

const char *
custody_record_item_get_findings (CustodyRecordItem *self)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), NULL);
  return self->findings;
}

void
custody_record_item_set_badge (CustodyRecordItem *self,
                               CustodyBadge       badge,
                               const char        *findings)
{
  g_return_if_fail (CUSTODY_IS_RECORD_ITEM (self));

  /* An unreadable record stays failed whatever else is learnt. */
  if (self->record == NULL)
    return;
  g_free (self->findings);
  self->findings = findings != NULL ? custody_format_sanitize (findings) : NULL;
  if (self->badge == badge)
    return;
  self->badge = badge;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BADGE_LABEL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BADGE_ICON]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BADGE_CLASS]);
}

GPtrArray *
custody_record_item_get_fields (CustodyRecordItem *self)
{
  GPtrArray *fields = custody_fields_new ();
  ChainStatement *statement = NULL;
  g_autoptr(GString) signers = g_string_new (NULL);
  guint i;

  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), fields);

  custody_fields_take (fields, _("Sequence"), g_strdup_printf ("%llu", (unsigned long long) self->seq));
  custody_fields_add (fields, _("Verification"), custody_badge_to_label (self->badge));
  custody_fields_add (fields, _("Findings"), self->findings);
  if (self->record == NULL)
    return fields;

  statement = chain_record_get_statement (self->record);
  custody_fields_add (fields, _("Type"),
                      custody_record_type_to_label (chain_statement_get_type_name (statement)));
  custody_fields_take (fields, _("Author"), custody_format_sanitize (chain_statement_get_author (statement)));
  custody_fields_take (fields, _("Time"), custody_format_time (chain_statement_get_time (statement)));
  custody_fields_add (fields, _("Summary"), self->summary);
  custody_fields_add (fields, _("Statement id"), chain_statement_get_id (statement));
  for (i = 0; i < chain_statement_get_signature_count (statement); i++)
    {
      if (signers->len > 0)
        g_string_append_c (signers, '\n');
      g_string_append (signers, chain_statement_get_signature_key_id (statement, i));
    }
  custody_fields_add (fields, _("Signed by officer keys"), signers->str);
  custody_fields_add (fields, _("Commit"), chain_record_get_commit_id (self->record));
  custody_fields_add (fields, _("Record digest"), chain_record_get_digest (self->record));
  custody_fields_add (fields, _("Previous record"), chain_record_get_prev (self->record));
  custody_fields_add (fields, _("Policy digest"), chain_statement_get_policy_digest (statement));
  return fields;
}

char *
custody_record_item_get_content (CustodyRecordItem *self)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), NULL);

  if (self->record == NULL)
    return NULL;
  return chain_json_to_pretty (chain_statement_get_body (chain_record_get_statement (self->record)));
}

GPtrArray *
custody_record_item_get_artifacts (CustodyRecordItem *self)
{
  GPtrArray *fields = custody_fields_new ();
  ChainStatement *statement = NULL;
  g_autofree const char **names = NULL;
  guint i;

  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), fields);

  if (self->record == NULL)
    return fields;
  statement = chain_record_get_statement (self->record);
  names = chain_statement_get_artifact_names (statement);
  for (i = 0; names[i] != NULL; i++)
    {
      const char *sha256 = NULL;
      gint64 size = 0;
      g_autofree char *size_text = NULL;

      chain_statement_get_artifact (statement, names[i], &sha256, &size, NULL);
      size_text = g_format_size ((guint64) size);
      /* TRANSLATORS: an artifact's size and SHA-256 digest */
      custody_fields_take (fields, names[i], g_strdup_printf (_("%s · SHA-256 %s"), size_text, sha256));
    }
  return fields;
}

GBytes *
custody_record_item_read_artifact (CustodyRecordItem *self,
                                   const char        *name,
                                   GError           **error)
{
  g_return_val_if_fail (CUSTODY_IS_RECORD_ITEM (self), NULL);

  if (self->record == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("Record %llu cannot be read; run an audit to see why"),
                   (unsigned long long) self->seq);
      return NULL;
    }
  return chain_record_read_artifact (self->record, name, NULL, error);
}
