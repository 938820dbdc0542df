/* chain-hex.c — hex encoding and SHA-256 digests as hex */
#include "chain-pki-private.h"

#include <string.h>

#include <openssl/sha.h>

char *
chain_hex_encode (const guint8 *data,
                  gsize         len,
                  gboolean      upper_case)
{
  const char *digits = upper_case ? "0123456789ABCDEF" : "0123456789abcdef";
  char *hex = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      hex[2 * i] = digits[data[i] >> 4];
      hex[2 * i + 1] = digits[data[i] & 0x0f];
    }
  hex[len * 2] = '\0';
  return hex;
}

gboolean
chain_hex_is_lower (const char *text,
                    gsize       len)
{
  if (strlen (text) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
      return FALSE;
  return TRUE;
}

char *
chain_sha256_hex (const void *data,
                  gsize       len)
{
  guint8 digest[SHA256_DIGEST_LENGTH];

  SHA256 (data, len, digest);
  return chain_hex_encode (digest, sizeof digest, FALSE);
}
