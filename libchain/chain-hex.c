/* chain-hex.c — hex encoding and SHA-256 digests as hex */
#include "chain-pki-private.h"

#include <string.h>

#include <openssl/evp.h>
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

/* SHA-256 fetched once: OpenSSL 3.0's SHA256() fetches it for every call,
 * which costs as much as hashing a certificate. */
static EVP_MD *
sha256_md (void)
{
  static gsize fetched;
  static EVP_MD *md;

  if (g_once_init_enter (&fetched))
    {
      md = EVP_MD_fetch (NULL, "SHA256", NULL);
      g_once_init_leave (&fetched, 1);
    }
  return md;
}

void
chain_sha256 (const void *data,
              gsize       len,
              guint8      digest[32])
{
  EVP_MD *md = sha256_md ();

  if (md == NULL || !EVP_Digest (data, len, digest, NULL, md, NULL))
    SHA256 (data, len, digest);
}

char *
chain_sha256_hex (const void *data,
                  gsize       len)
{
  guint8 digest[SHA256_DIGEST_LENGTH];

  chain_sha256 (data, len, digest);
  return chain_hex_encode (digest, sizeof digest, FALSE);
}
