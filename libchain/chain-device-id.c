/* chain-device-id.c — is this id a CN the clouds will accept?
 *
 * Checked before anything is signed, so a batch never produces a
 * certificate that IoT Hub or DPS would refuse at registration time.
 */
#include "chain-device-id.h"

#include <string.h>

#include "chain-error.h"
#include "chain-i18n-private.h"

static gboolean
is_iot_hub_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("-._:%*?!(),=@$'", c) != NULL);
}

static gboolean
is_dps_char (char c)
{
  return g_ascii_isdigit (c) || g_ascii_islower (c) || (c != '\0' && strchr ("-._:", c) != NULL);
}

/* The character at @p for a message: itself if printable ASCII, its code
 * point for anything that would not read well (or break the line). */
static char *
describe_char (const char *p)
{
  guchar c = (guchar) *p;

  if (c > ' ' && c < 0x7f)
    /* Translators: this and the next few name a character for 'Device id
     * has %s at position %zu'; the quotes are yours to choose. */
    return g_strdup_printf (_("'%c'"), c);
  if (c == ' ')
    return g_strdup (_("a space"));
  if (c < 0x80)
    return g_strdup_printf (_("the control character U+%04X"), c);
  if (g_utf8_get_char_validated (p, -1) < (gunichar) -2)
    {
      gunichar u = g_utf8_get_char (p);

      if (g_unichar_isprint (u))
        {
          char utf8[7] = { 0 };

          g_unichar_to_utf8 (u, utf8);
          return g_strdup_printf (_("'%s' (U+%04X)"), utf8, u);
        }
      return g_strdup_printf ("U+%04X", u);
    }
  return g_strdup_printf (_("the byte 0x%02X (not UTF-8)"), c);
}

gboolean
chain_device_id_validate (const char        *id,
                          ChainDeviceIdRules rules,
                          GError           **error)
{
  gsize len;

  g_return_val_if_fail (rules == CHAIN_DEVICE_ID_RULES_IOT_HUB
                        || rules == CHAIN_DEVICE_ID_RULES_DPS, FALSE);

  if (id == NULL || *id == '\0')
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Device id is empty; give 1 to %d characters"), CHAIN_DEVICE_ID_MAX_LEN);
      return FALSE;
    }
  len = strnlen (id, CHAIN_DEVICE_ID_MAX_LEN + 1);
  if (len > CHAIN_DEVICE_ID_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Device id is longer than %d characters, the limit for a certificate CN; shorten it"),
                   CHAIN_DEVICE_ID_MAX_LEN);
      return FALSE;
    }

  for (gsize i = 0; i < len; i++)
    {
      g_autofree char *what = NULL;

      if (rules == CHAIN_DEVICE_ID_RULES_DPS ? is_dps_char (id[i]) : is_iot_hub_char (id[i]))
        continue;

      what = describe_char (id + i);
      if (rules == CHAIN_DEVICE_ID_RULES_DPS && g_ascii_isupper (id[i]))
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     /* Translators: here and below, %s names the character, e.g. 'a space',
                      * and %zu is its position, counted from 1. */
                     _("Device id has %s at position %zu; DPS registration ids are lower case, write '%c'"),
                     what, i + 1, g_ascii_tolower (id[i]));
      else if (rules == CHAIN_DEVICE_ID_RULES_DPS)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("Device id has %s at position %zu; DPS registration ids allow only "
                       "lower-case letters, digits and - . _ :"),
                     what, i + 1);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("Device id has %s at position %zu; IoT Hub device ids allow only "
                       "ASCII letters, digits and - . _ : %% * ? ! ( ) , = @ $ '"),
                     what, i + 1);
      return FALSE;
    }

  if (rules == CHAIN_DEVICE_ID_RULES_DPS && (id[len - 1] == '.' || id[len - 1] == '_' || id[len - 1] == ':'))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Device id ends in '%c'; DPS registration ids must end in a letter, digit or '-'"),
                   id[len - 1]);
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_device_id_validate_new (const char        *id,
                              ChainDeviceIdRules rules,
                              GError           **error)
{
  if (!chain_device_id_validate (id, rules, error))
    return FALSE;
  if (strchr ("-=@", id[0]) != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: %c is the id's first character: '-', '=' or '@'. */
                   _("Device id starts with '%c', which a spreadsheet reads as a formula and a command "
                     "line as an option; start it with a letter or digit"),
                   id[0]);
      return FALSE;
    }
  return TRUE;
}
