/* chain-key-token.c — the PKCS#11 tokens a key can live in, as values */
#include "chain-key-token-private.h"

#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

struct _ChainKeyToken {
  char                  *label;
  char                  *description;
  char                  *module;
  gboolean               read_only;
  ChainKeyTokenPinState  pin_state;
};

ChainKeyToken *
chain_key_token_new (const char            *label,
                     const char            *manufacturer,
                     const char            *model,
                     const char            *module,
                     gboolean               read_only,
                     ChainKeyTokenPinState  pin_state)
{
  ChainKeyToken *self = g_new0 (ChainKeyToken, 1);

  self->label = g_strdup (label);
  self->description = g_strstrip (g_strdup_printf ("%s %s", manufacturer != NULL ? manufacturer : "",
                                                   model != NULL ? model : ""));
  self->module = g_strdup (module);
  self->read_only = read_only;
  self->pin_state = pin_state;
  return self;
}

gboolean
chain_key_token_get_read_only (const ChainKeyToken *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->read_only;
}

const char *
chain_key_token_get_label (const ChainKeyToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->label;
}

const char *
chain_key_token_get_description (const ChainKeyToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->description;
}

const char *
chain_key_token_get_module (const ChainKeyToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->module;
}

ChainKeyTokenPinState
chain_key_token_get_pin_state (const ChainKeyToken *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_KEY_TOKEN_PIN_OK);
  return self->pin_state;
}

char *
chain_key_token_dup_key_uri (const ChainKeyToken *self,
                             const char          *object)
{
  P11KitUri *uri = NULL;
  CK_TOKEN_INFO *info = NULL;
  CK_ATTRIBUTE attr = { CKA_LABEL, NULL, 0 };
  char *formatted = NULL;
  char *result = NULL;
  gsize len;

  g_return_val_if_fail (self != NULL, NULL);

  uri = p11_kit_uri_new ();
  info = p11_kit_uri_get_token_info (uri);
  /* PKCS#11 labels are fixed-size and space-padded. */
  len = MIN (strlen (self->label), sizeof info->label);
  memset (info->label, ' ', sizeof info->label);
  memcpy (info->label, self->label, len);
  if (object != NULL)
    {
      attr.pValue = (void *) object;
      attr.ulValueLen = strlen (object);
      p11_kit_uri_set_attribute (uri, &attr);
    }
  p11_kit_uri_set_module_path (uri, self->module);
  if (p11_kit_uri_format (uri, P11_KIT_URI_FOR_ANY, &formatted) == P11_KIT_URI_OK)
    result = g_strdup (formatted);
  free (formatted);
  p11_kit_uri_free (uri);
  return result;
}

void
chain_key_token_free (ChainKeyToken *self)
{
  if (self == NULL)
    return;
  g_free (self->label);
  g_free (self->description);
  g_free (self->module);
  g_free (self);
}
