/* chain-verify.h — building and verifying a chain to a trust anchor
 *
 * The check is OpenSSL's RFC 5280 path validation in strict mode, so what
 * libchain accepts is what a TLS peer built on OpenSSL accepts.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include "chain-cert.h"
#include "chain-crl.h"

G_BEGIN_DECLS

typedef enum {
  CHAIN_VERIFY_PURPOSE_ANY,          /* any CA or leaf */
  CHAIN_VERIFY_PURPOSE_CLIENT_AUTH,  /* a device presenting itself over TLS */
} ChainVerifyPurpose;

#define CHAIN_VERIFY_OPTIONS_VERSION 1

/**
 * ChainVerifyOptions:
 * @version: %CHAIN_VERIFY_OPTIONS_VERSION.
 * @at_time: Unix seconds to verify at; 0 means now.
 * @purpose: what the leaf is for.
 * @crls: (element-type ChainCrl) (nullable): when set, every certificate in
 *   the chain must be covered by one of these CRLs and not listed in it.
 */
typedef struct {
  guint              version;
  gint64             at_time;
  ChainVerifyPurpose purpose;
  GPtrArray         *crls;
} ChainVerifyOptions;

#define CHAIN_VERIFY_OPTIONS_INIT { CHAIN_VERIFY_OPTIONS_VERSION, 0, CHAIN_VERIFY_PURPOSE_ANY, NULL }

/**
 * chain_verify:
 * @leaf: the certificate to verify.
 * @intermediates: (element-type ChainCert) (nullable): untrusted
 *   certificates that may complete the chain.
 * @anchors: (element-type ChainCert): trusted roots (or any trusted CA).
 * @options: (nullable): %NULL for defaults.
 * @out_chain: (out) (optional) (element-type ChainCert) (transfer full):
 *   the validated chain, @leaf first, the anchor last; set only on success.
 * @error: CHAIN_ERROR_VERIFY naming the failing certificate and why.
 *
 * Returns: %TRUE if @leaf chains to an anchor and every rule holds.
 */
CHAIN_PUBLIC
gboolean chain_verify (ChainCert                *leaf,
                       GPtrArray                *intermediates,
                       GPtrArray                *anchors,
                       const ChainVerifyOptions *options,
                       GPtrArray               **out_chain,
                       GError                  **error);

G_END_DECLS
