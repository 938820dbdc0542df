/* chain-crl.h — certificate revocation lists */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include "chain-cert.h"
#include "chain-issuer.h"

G_BEGIN_DECLS

/** RFC 5280 CRLReason values libchain writes. */
typedef enum {
  CHAIN_REVOCATION_UNSPECIFIED          = 0,
  CHAIN_REVOCATION_KEY_COMPROMISE       = 1,
  CHAIN_REVOCATION_CA_COMPROMISE        = 2,
  CHAIN_REVOCATION_AFFILIATION_CHANGED  = 3,
  CHAIN_REVOCATION_SUPERSEDED           = 4,
  CHAIN_REVOCATION_CESSATION_OF_OPERATION = 5,
} ChainRevocationReason;

/**
 * ChainRevokedEntry:
 * @serial: (transfer none): lower-case hex serial, as
 *   chain_cert_dup_serial() gives it; whoever fills the entry keeps the
 *   string alive as long as the entry is used.
 * @revoked_at: Unix seconds.
 * @reason: why.
 */
typedef struct {
  const char           *serial;
  gint64                revoked_at;
  ChainRevocationReason reason;
} ChainRevokedEntry;

typedef struct _ChainCrl ChainCrl;

/**
 * chain_issuer_create_crl:
 * @self: the CA whose certificates are listed.
 * @entries: (array length=n_entries): the revoked serials.
 * @n_entries: how many.
 * @crl_number: increases with each CRL the issuer publishes.
 * @this_update: Unix seconds, 0 for now.
 * @next_update: Unix seconds, after @this_update.
 * @error: CHAIN_ERROR_INVALID_INPUT (bad serial, bad times).
 *
 * Returns: (transfer full) (nullable): a v2 CRL with AKI and CRL number,
 *   signed by the issuer.
 */
CHAIN_PUBLIC
ChainCrl *chain_issuer_create_crl (ChainIssuer             *self,
                                   const ChainRevokedEntry *entries,
                                   gsize                    n_entries,
                                   guint64                  crl_number,
                                   gint64                   this_update,
                                   gint64                   next_update,
                                   GError                 **error);

/**
 * chain_crl_parse:
 * @data: (array length=len): PEM or DER, at most %CHAIN_INPUT_MAX_LEN bytes.
 * @error: CHAIN_ERROR_INVALID_INPUT.
 *
 * Returns: (transfer full) (nullable): the CRL.
 */
CHAIN_PUBLIC
ChainCrl *chain_crl_parse (const guint8 *data,
                           gsize         len,
                           GError      **error);

/** Returns: (transfer full): PEM encoding. */
CHAIN_PUBLIC
GBytes *chain_crl_to_pem (const ChainCrl *self);

/** Returns: (transfer full): DER encoding. */
CHAIN_PUBLIC
GBytes *chain_crl_to_der (const ChainCrl *self);

/** Returns: whether @serial (lower-case hex) is listed. */
CHAIN_PUBLIC
gboolean chain_crl_contains (const ChainCrl *self,
                             const char     *serial);

/** Returns: how many serials are listed. */
CHAIN_PUBLIC
gsize chain_crl_get_n_entries (const ChainCrl *self);

/** Returns: the CRL number extension, 0 if absent. */
CHAIN_PUBLIC
guint64 chain_crl_get_number (const ChainCrl *self);

/** Returns: whether @issuer's key signed @self and the names match. */
CHAIN_PUBLIC
gboolean chain_crl_is_signed_by (const ChainCrl  *self,
                                 const ChainCert *issuer);

/** chain_crl_free: NULL-safe. */
CHAIN_PUBLIC
void chain_crl_free (ChainCrl *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainCrl, chain_crl_free)

G_END_DECLS
