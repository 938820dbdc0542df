/* chain-openssl.c — OpenSSL's error queue as GError */
#include "chain-openssl-private.h"
#include "chain-i18n-private.h"

#include <openssl/err.h>

void
chain_openssl_clear_errors (void)
{
  ERR_clear_error ();
}

void
chain_openssl_error (GError    **error,
                     ChainError  code,
                     const char *format,
                     ...)
{
  va_list args;
  g_autofree char *message = NULL;
  unsigned long first;
  const char *reason;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* The earliest entry is the root cause; later ones are call-site noise. */
  first = ERR_peek_error ();
  reason = first != 0 ? ERR_reason_error_string (first) : NULL;
  if (reason != NULL)
    /* Translators: a libchain error message, then OpenSSL's reason for it
     * (which OpenSSL gives in English). */
    g_set_error (error, CHAIN_ERROR, code, _("%s: %s"), message, reason);
  else
    g_set_error_literal (error, CHAIN_ERROR, code, message);
  ERR_clear_error ();
}
