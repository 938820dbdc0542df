/* chain-verify.c — RFC 5280 path validation through OpenSSL, strictly
 *
 * What libchain accepts here is what a TLS peer built on OpenSSL accepts:
 * X509_V_FLAG_X509_STRICT, and security level 2 so SHA-1 signatures and
 * RSA keys under 2048 bits fail as the policy says they must. Any anchor
 * may be an intermediate (X509_V_FLAG_PARTIAL_CHAIN), as when a cloud
 * trusts the CA that was uploaded rather than the root above it.
 */
#include "chain-verify.h"
#include "chain-i18n-private.h"
#include "chain-pki-private.h"

/* Most certificates one verification takes in, each list. */
#define MAX_CERTS 64

/* OpenSSL security level: 112-bit keys, no SHA-1 signatures. */
#define AUTH_LEVEL 2

/* The stack borrows its certificates from ChainCerts. */
typedef STACK_OF (X509) X509Stack;

static void
x509_stack_free (X509Stack *stack)
{
  sk_X509_free (stack);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509Stack, x509_stack_free)

gboolean
chain_verify (ChainCert                *leaf,
              GPtrArray                *intermediates,
              GPtrArray                *anchors,
              const ChainVerifyOptions *options,
              GPtrArray               **out_chain,
              GError                  **error)
{
  static const ChainVerifyOptions defaults = CHAIN_VERIFY_OPTIONS_INIT;
  g_autoptr(X509_STORE) store = NULL;
  g_autoptr(X509_STORE_CTX) ctx = NULL;
  g_autoptr(X509Stack) untrusted = NULL;
  X509_VERIFY_PARAM *param;
  unsigned long flags = X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN;
  int ok;

  g_return_val_if_fail (leaf != NULL, FALSE);
  g_return_val_if_fail (out_chain == NULL || *out_chain == NULL, FALSE);

  if (options == NULL)
    options = &defaults;
  if (options->version != CHAIN_VERIFY_OPTIONS_VERSION)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("verify options version %u is not supported; initialise them with CHAIN_VERIFY_OPTIONS_INIT"),
                   options->version);
      return FALSE;
    }
  if (options->purpose != CHAIN_VERIFY_PURPOSE_ANY
      && options->purpose != CHAIN_VERIFY_PURPOSE_CLIENT_AUTH)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("unknown verification purpose %d; use ANY or CLIENT_AUTH"),
                   (int) options->purpose);
      return FALSE;
    }
  if (anchors == NULL || anchors->len == 0)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                           _("no trust anchor given; pass the root (or the CA the peer trusts)"));
      return FALSE;
    }
  if (anchors->len > MAX_CERTS
      || (intermediates != NULL && intermediates->len > MAX_CERTS)
      || (options->crls != NULL && options->crls->len > MAX_CERTS))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("too many certificates or CRLs to verify against; pass at most %d of each"),
                   MAX_CERTS);
      return FALSE;
    }

  store = X509_STORE_new ();
  if (store == NULL)
    goto fail;
  for (guint i = 0; i < anchors->len; i++)
    if (!X509_STORE_add_cert (store, chain_cert_get_x509 (g_ptr_array_index (anchors, i))))
      goto fail;
  if (options->crls != NULL)
    {
      for (guint i = 0; i < options->crls->len; i++)
        if (!X509_STORE_add_crl (store, chain_crl_get_x509_crl (g_ptr_array_index (options->crls, i))))
          goto fail;
      flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
    }
  if (!X509_STORE_set_flags (store, flags))
    goto fail;

  untrusted = sk_X509_new_null ();
  if (untrusted == NULL)
    goto fail;
  for (guint i = 0; intermediates != NULL && i < intermediates->len; i++)
    if (!sk_X509_push (untrusted, chain_cert_get_x509 (g_ptr_array_index (intermediates, i))))
      goto fail;

  ctx = X509_STORE_CTX_new ();
  if (ctx == NULL || !X509_STORE_CTX_init (ctx, store, chain_cert_get_x509 (leaf), untrusted))
    goto fail;
  param = X509_STORE_CTX_get0_param (ctx);
  X509_VERIFY_PARAM_set_auth_level (param, AUTH_LEVEL);
  if (options->at_time != 0)
    X509_VERIFY_PARAM_set_time (param, (time_t) options->at_time);
  if (options->purpose == CHAIN_VERIFY_PURPOSE_CLIENT_AUTH
      && !X509_STORE_CTX_set_purpose (ctx, X509_PURPOSE_SSL_CLIENT))
    goto fail;

  ok = X509_verify_cert (ctx);
  if (ok != 1)
    {
      int err = X509_STORE_CTX_get_error (ctx);
      int depth = X509_STORE_CTX_get_error_depth (ctx);
      g_autofree char *label = chain_x509_label (X509_STORE_CTX_get_current_cert (ctx));

      chain_openssl_clear_errors ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY, _("certificate '%s' (depth %d): %s"),
                   label, depth, X509_verify_cert_error_string (err));
      return FALSE;
    }

  if (out_chain != NULL)
    {
      STACK_OF (X509) *verified = X509_STORE_CTX_get1_chain (ctx);
      GPtrArray *chain;

      if (verified == NULL)
        goto fail;
      chain = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
      for (int i = 0; i < sk_X509_num (verified); i++)
        g_ptr_array_add (chain, chain_cert_new_take (sk_X509_value (verified, i)));
      /* The certificates now belong to the ChainCerts. */
      sk_X509_free (verified);
      *out_chain = chain;
    }
  return TRUE;

fail:
  chain_openssl_error (error, CHAIN_ERROR_FAILED, _("could not set up certificate verification"));
  return FALSE;
}
