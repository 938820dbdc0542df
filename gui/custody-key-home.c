/* custody-key-home.c — where a new key will live, as a form holds it */
#include "custody-key-home.h"

#include <glib/gi18n.h>
#include <string.h>

void
custody_key_home_set_store (CustodyKeyHome *home,
                            const char     *key_store)
{
  g_free (home->key_store);
  home->key_store = key_store != NULL && g_strcmp0 (key_store, "file") != 0 ? g_strdup (key_store) : NULL;
}

void
custody_key_home_set_pin (CustodyKeyHome *home,
                          const char     *text)
{
  g_clear_pointer (&home->pin, chain_secret_free);
  if (text != NULL && text[0] != '\0')
    home->pin = chain_secret_new (text, MIN (strlen (text), CHAIN_SECRET_MAX_LEN));
}

ChainKeyStore
custody_key_home_get_store (const CustodyKeyHome *home)
{
  if (home->key_store == NULL)
    return CHAIN_KEY_STORE_FILE;
  if (g_str_has_prefix (home->key_store, "pkcs11:"))
    return CHAIN_KEY_STORE_PKCS11;
  return CHAIN_KEY_STORE_TPM2;
}

char *
custody_key_home_problem (const CustodyKeyHome *home)
{
  /* "pkcs11:" alone: a token was chosen, but none is there. */
  if (g_strcmp0 (home->key_store, "pkcs11:") == 0)
    return g_strdup (_("Insert a security token: none was found"));
  if (custody_key_home_get_store (home) == CHAIN_KEY_STORE_PKCS11 && home->pin == NULL)
    return g_strdup (_("Enter the security token’s PIN"));
  return NULL;
}

ChainSecret *
custody_key_home_dup_pin (const CustodyKeyHome *home)
{
  const guint8 *data = NULL;
  gsize len = 0;

  if (home->pin == NULL)
    return NULL;
  data = chain_secret_get_data (home->pin, &len);
  return chain_secret_new (data, len);
}

void
custody_key_home_clear (CustodyKeyHome *home)
{
  g_clear_pointer (&home->key_store, g_free);
  g_clear_pointer (&home->pin, chain_secret_free);
}

const char *
custody_key_home_icon_name (ChainKeyStore store)
{
  switch (store)
    {
    case CHAIN_KEY_STORE_PKCS11:
      return "auth-smartcard-symbolic";
    case CHAIN_KEY_STORE_TPM2:
      return "security-high-symbolic";
    case CHAIN_KEY_STORE_FILE:
    default:
      return "text-x-generic-symbolic";
    }
}

const char *
custody_key_home_label (ChainKeyStore store)
{
  switch (store)
    {
    case CHAIN_KEY_STORE_PKCS11:
      return _("Security token (PKCS#11)");
    case CHAIN_KEY_STORE_TPM2:
      return _("TPM");
    case CHAIN_KEY_STORE_FILE:
    default:
      return _("File");
    }
}

/* The token= label of a PKCS#11 URI, unescaped, or NULL. */
static char *
token_label (const char *uri)
{
  const char *start = strstr (uri, "token=");
  gsize len;

  if (start == NULL)
    return NULL;
  start += strlen ("token=");
  len = strcspn (start, ";?");
  return g_uri_unescape_segment (start, start + len, NULL);
}

char *
custody_key_home_describe (ChainKeyStore  store,
                           const char    *location)
{
  g_autofree char *token = NULL;

  switch (store)
    {
    case CHAIN_KEY_STORE_PKCS11:
      token = location != NULL ? token_label (location) : NULL;
      if (token != NULL)
        /* Translators: %s is the token's label. */
        return g_strdup_printf (_("In security token “%s”: it never leaves the token; signing asks for the token’s PIN."), token);
      return g_strdup (_("In a security token: it never leaves the token; signing asks for the token’s PIN."));
    case CHAIN_KEY_STORE_TPM2:
      if (location != NULL)
        /* Translators: %s is a TPM handle such as 0x81000001. */
        return g_strdup_printf (_("In this computer’s TPM (handle %s): it never leaves the TPM."), location);
      return g_strdup (_("In this computer’s TPM: it never leaves the TPM."));
    case CHAIN_KEY_STORE_FILE:
    default:
      return g_strdup (_("In an encrypted file in the workspace: signing asks for its passphrase."));
    }
}
