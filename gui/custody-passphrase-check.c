/* custody-passphrase-check.c — whether a new key's passphrase will do */
#include "custody-passphrase-check.h"

#include <glib/gi18n.h>
#include <string.h>

static gsize
secret_len (const ChainSecret *secret)
{
  gsize len = 0;

  if (secret != NULL)
    chain_secret_get_data (secret, &len);
  return len;
}

static gboolean
secrets_equal (const ChainSecret *a,
               const ChainSecret *b)
{
  const guint8 *a_data = NULL;
  const guint8 *b_data = NULL;
  gsize a_len = 0;
  gsize b_len = 0;

  if (a == NULL || b == NULL)
    return a == b;
  a_data = chain_secret_get_data (a, &a_len);
  b_data = chain_secret_get_data (b, &b_len);
  return a_len == b_len && memcmp (a_data, b_data, a_len) == 0;
}

char *
custody_passphrase_problem (const ChainSecret *passphrase,
                            const ChainSecret *confirmation)
{
  if (secret_len (passphrase) < CHAIN_KEY_PASSPHRASE_MIN_SIZE)
    return g_strdup_printf (ngettext ("The passphrase must be at least %d character long",
                                      "The passphrase must be at least %d characters long",
                                      CHAIN_KEY_PASSPHRASE_MIN_SIZE),
                            CHAIN_KEY_PASSPHRASE_MIN_SIZE);
  if (!secrets_equal (passphrase, confirmation))
    return g_strdup (_("The two passphrases differ"));
  return NULL;
}
