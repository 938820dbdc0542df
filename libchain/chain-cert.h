/* chain-cert.h — X.509 certificates, read-only
 *
 * A ChainCert is immutable; copies are cheap (reference counted inside).
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include "chain-key.h"
#include "chain-name.h"
#include "chain-name-constraints.h"

G_BEGIN_DECLS

typedef struct _ChainCert ChainCert;

/** CHAIN_PATH_LEN_UNLIMITED: a CA with no pathLenConstraint. */
#define CHAIN_PATH_LEN_UNLIMITED (-1)

typedef enum {
  CHAIN_DIGEST_SHA1,    /* thumbprints only: what Azure's portal shows */
  CHAIN_DIGEST_SHA256,
} ChainDigest;

/**
 * chain_cert_parse:
 * @data: (array length=len): one certificate, PEM or DER, at most
 *   %CHAIN_INPUT_MAX_LEN bytes.
 * @error: CHAIN_ERROR_INVALID_INPUT (garbage, truncated, wrong PEM label,
 *   trailing data, more than one certificate).
 *
 * Returns: (transfer full) (nullable): the certificate.
 */
CHAIN_PUBLIC
ChainCert *chain_cert_parse (const guint8 *data,
                             gsize         len,
                             GError      **error);

/**
 * chain_cert_parse_bundle:
 * @data: (array length=len): one or more PEM certificates, at most
 *   64 of them.
 * @error: CHAIN_ERROR_INVALID_INPUT.
 *
 * Returns: (transfer full) (element-type ChainCert) (nullable): the
 *   certificates in file order; the array frees its elements.
 */
CHAIN_PUBLIC
GPtrArray *chain_cert_parse_bundle (const guint8 *data,
                                    gsize         len,
                                    GError      **error);

/** Returns: (transfer full): PEM encoding. */
CHAIN_PUBLIC
GBytes *chain_cert_to_pem (const ChainCert *self);

/** Returns: (transfer full): DER encoding. */
CHAIN_PUBLIC
GBytes *chain_cert_to_der (const ChainCert *self);

/** Returns: (transfer full): the subject. */
CHAIN_PUBLIC
ChainName *chain_cert_dup_subject (const ChainCert *self);

/** Returns: (transfer full): the issuer name. */
CHAIN_PUBLIC
ChainName *chain_cert_dup_issuer (const ChainCert *self);

/** Returns: (transfer full): the serial number in lower-case hex, no colons. */
CHAIN_PUBLIC
char *chain_cert_dup_serial (const ChainCert *self);

/** Returns: notBefore as Unix seconds. */
CHAIN_PUBLIC
gint64 chain_cert_get_not_before (const ChainCert *self);

/** Returns: notAfter as Unix seconds. */
CHAIN_PUBLIC
gint64 chain_cert_get_not_after (const ChainCert *self);

/**
 * CHAIN_EXPIRY_WARNING_DAYS:
 *
 * A CA this many days from its end is "expiring": `chain status`, export's
 * pre-flight check and Custody's default all use it. 90 days, because
 * replacing a CA crosses organisations: a request, approvals by k
 * officers, the grant, acceptance and sync, then uploading the new CA to
 * each IoT Hub, DPS or AWS account with its proof of possession; 30 days
 * leaves too little of that time once the warning is seen.
 */
#define CHAIN_EXPIRY_WARNING_DAYS 90

/**
 * chain_expiry_is_near:
 * @not_after: the end of a validity period, Unix seconds.
 * @now: the time to judge at, Unix seconds.
 * @window_days: how near counts as near, usually CHAIN_EXPIRY_WARNING_DAYS.
 *
 * Returns: %TRUE if at most @window_days days remain (or none): "expires
 *   within @window_days days".
 */
CHAIN_PUBLIC
gboolean chain_expiry_is_near (gint64 not_after,
                               gint64 now,
                               guint  window_days);

/** Returns: whether basicConstraints says CA:TRUE. */
CHAIN_PUBLIC
gboolean chain_cert_is_ca (const ChainCert *self);

/**
 * chain_cert_get_path_len:
 *
 * Returns: the pathLenConstraint of a CA, %CHAIN_PATH_LEN_UNLIMITED when
 *   absent; meaningless for a leaf.
 */
CHAIN_PUBLIC
int chain_cert_get_path_len (const ChainCert *self);

/** Returns: (transfer full) (nullable): the name constraints, or %NULL if none. */
CHAIN_PUBLIC
ChainNameConstraints *chain_cert_dup_name_constraints (const ChainCert *self);

/** Returns: the algorithm of the certified public key. */
CHAIN_PUBLIC
ChainKeyAlgorithm chain_cert_get_key_algorithm (const ChainCert *self);

/**
 * chain_cert_dup_thumbprint_hex:
 * @digest: SHA-256 for anything the ledger holds; SHA-1 only to match
 *   what a cloud console shows.
 *
 * The certificate's thumbprint: the digest of its DER encoding, in
 * lower-case hex, as ledger records name a CA and as chain's JSON output
 * gives it. Thumbprints from outside are compared case-insensitively; for
 * the upper case that Azure's portal and Windows show, see
 * chain_thumbprint_format_for_display().
 *
 * Returns: (transfer full): 64 (SHA-256) or 40 (SHA-1) lower-case hex digits.
 */
CHAIN_PUBLIC
char *chain_cert_dup_thumbprint_hex (const ChainCert *self,
                                     ChainDigest      digest);

/**
 * chain_thumbprint_format_for_display:
 * @thumbprint: hex digits, as chain_cert_dup_thumbprint_hex() gives them.
 *
 * Returns: (transfer full): @thumbprint in upper case, as Azure's portal
 *   and Windows' certificate dialogs show thumbprints; for people to
 *   compare by eye, never to store.
 */
CHAIN_PUBLIC
char *chain_thumbprint_format_for_display (const char *thumbprint);

/** Returns: (transfer full): lower-case hex SHA-256 of the SubjectPublicKeyInfo. */
CHAIN_PUBLIC
char *chain_cert_dup_public_key_sha256 (const ChainCert *self);

/** Returns: whether @key is the private half of @self's public key. */
CHAIN_PUBLIC
gboolean chain_cert_matches_key (const ChainCert *self,
                                 ChainKey        *key);

/** Returns: whether @a and @b are the same DER certificate. */
CHAIN_PUBLIC
gboolean chain_cert_equal (const ChainCert *a,
                           const ChainCert *b);

/** Returns: (transfer full): another reference to @self's certificate. */
CHAIN_PUBLIC
ChainCert *chain_cert_copy (const ChainCert *self);

/** chain_cert_free: NULL-safe. */
CHAIN_PUBLIC
void chain_cert_free (ChainCert *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainCert, chain_cert_free)

G_END_DECLS
