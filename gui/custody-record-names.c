/* custody-record-names.c — a record's author and signers by name */
#include "custody-record-names.h"

#include <glib/gi18n.h>

/* "olivia, of Dist X" for officer key @key_id; NULL if no officer has it. */
static char *
name_signer (const ChainLedgerState *state,
             const char             *key_id)
{
  guint c;
  guint i;

  for (c = 0; c < chain_ledger_state_get_n_custodians (state); c++)
    {
      const ChainCustodian *custodian = chain_ledger_state_get_custodian (state, c);

      for (i = 0; i < chain_custodian_get_n_officers (custodian); i++)
        if (g_strcmp0 (chain_custodian_get_officer_key_id (custodian, i), key_id) == 0)
          {
            g_autoptr(ChainName) subject = chain_cert_dup_subject (chain_custodian_get_officer (custodian, i));
            g_autofree char *officer = chain_name_dup_common_name (subject);
            g_autofree char *clean = custody_format_sanitize (officer != NULL ? officer : key_id);
            g_autofree char *org = custody_format_sanitize (chain_custodian_get_name (custodian));

            /* TRANSLATORS: an officer's name, then its custodian's: "olivia, of Dist X" */
            return g_strdup_printf (_("%s, of %s"), clean, org);
          }
    }
  return NULL;
}

static CustodyField *
find_field (GPtrArray  *fields,
            const char *title,
            guint      *out_index)
{
  guint i;

  for (i = 0; i < fields->len; i++)
    {
      CustodyField *field = g_ptr_array_index (fields, i);

      if (g_strcmp0 (field->title, title) == 0)
        {
          *out_index = i;
          return field;
        }
    }
  return NULL;
}

void
custody_record_fields_add_names (GPtrArray              *fields,
                                 const ChainLedgerState *state)
{
  CustodyField *author = NULL;
  CustodyField *keys = NULL;
  guint index = 0;

  g_return_if_fail (fields != NULL);

  if (state == NULL)
    return;
  author = find_field (fields, _("Author"), &index);
  if (author != NULL && author->value != NULL)
    {
      const ChainCustodian *custodian = chain_ledger_state_find_custodian (state, author->value);

      if (custodian != NULL)
        {
          g_autofree char *name = custody_format_sanitize (chain_custodian_get_name (custodian));
          /* TRANSLATORS: a custodian's name and, in brackets, its id: "Dist X (dist-x)" */
          char *named = g_strdup_printf (_("%s (%s)"), name, author->value);

          g_free (author->value);
          author->value = named;
        }
    }
  keys = find_field (fields, _("Signed by officer keys"), &index);
  if (keys != NULL && keys->value != NULL)
    {
      g_auto(GStrv) ids = g_strsplit (keys->value, "\n", -1);
      g_autoptr(GString) names = g_string_new (NULL);
      CustodyField *signed_by = NULL;
      guint i;

      for (i = 0; ids[i] != NULL; i++)
        {
          g_autofree char *name = name_signer (state, ids[i]);

          if (names->len > 0)
            g_string_append_c (names, '\n');
          /* TRANSLATORS: a signature by a key the ledger has no officer for */
          g_string_append (names, name != NULL ? name : _("an unknown key"));
        }
      signed_by = g_new0 (CustodyField, 1);
      signed_by->title = g_strdup (_("Signed by"));
      signed_by->value = g_string_free (g_steal_pointer (&names), FALSE);
      g_ptr_array_insert (fields, (int) index, signed_by);
    }
}
