/* chain-issuer.h — the certificate profiles libchain signs
 *
 * Root CA: self-signed, CA:TRUE critical, keyCertSign + cRLSign, SKI.
 * Sub-CA: CA:TRUE critical with an explicit pathLenConstraint (0 means zero;
 *   CHAIN_PATH_LEN_UNLIMITED leaves it out), optional name constraints
 *   (critical), AKI + SKI.
 * Device: CA:FALSE, digitalSignature (+ keyEncipherment for RSA keys),
 *   EKU clientAuth, subject = issuer's name with CN = device id.
 * Proof of possession: CN = the cloud's verification code, signed by exactly
 *   the CA being verified.
 * Officer: CA:FALSE, digitalSignature, EKU emailProtection: signs the ledger.
 *
 * An issuer refuses to sign anything that would not validate under its own
 * chain: every ancestor's path length and name constraints, validity inside
 * every ancestor's, accepted key algorithms, SHA-256 or better.
 * Serials are 128-bit random positive integers.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"
#include "chain-cert.h"
#include "chain-csr.h"
#include "chain-device-id.h"
#include "chain-key.h"
#include "chain-name.h"
#include "chain-name-constraints.h"

G_BEGIN_DECLS

#define CHAIN_ISSUE_OPTIONS_VERSION 1

/**
 * ChainIssueOptions:
 * @version: %CHAIN_ISSUE_OPTIONS_VERSION.
 * @not_before: Unix seconds; 0 means now.
 * @not_after: Unix seconds; must be after @not_before and, below a root,
 *   within the issuer's validity.
 * @path_len: CA profiles only: pathLenConstraint, or
 *   %CHAIN_PATH_LEN_UNLIMITED.
 * @name_constraints: (nullable): sub-CA only.
 * @device_id_rules: device profile only.
 *
 * Initialise with %CHAIN_ISSUE_OPTIONS_INIT, then set what differs.
 */
typedef struct {
  guint                       version;
  gint64                      not_before;
  gint64                      not_after;
  int                         path_len;
  const ChainNameConstraints *name_constraints;
  ChainDeviceIdRules          device_id_rules;
} ChainIssueOptions;

#define CHAIN_ISSUE_OPTIONS_INIT \
  { CHAIN_ISSUE_OPTIONS_VERSION, 0, 0, CHAIN_PATH_LEN_UNLIMITED, NULL, CHAIN_DEVICE_ID_RULES_IOT_HUB }

/**
 * chain_root_create:
 * @key: the root's key.
 * @subject: the root's name; must have a CN.
 * @options: validity and path length; name_constraints must be %NULL.
 * @error: CHAIN_ERROR_INVALID_INPUT (bad validity, no CN).
 *
 * Returns: (transfer full) (nullable): a self-signed root CA certificate.
 */
CHAIN_PUBLIC
ChainCert *chain_root_create (ChainKey                *key,
                              const ChainName         *subject,
                              const ChainIssueOptions *options,
                              GError                 **error);

typedef struct _ChainIssuer ChainIssuer;

/**
 * chain_issuer_new:
 * @cert: the issuing CA's certificate.
 * @key: its private key; must match @cert.
 * @ancestors: (element-type ChainCert) (nullable): @cert's issuer, its
 *   issuer, ... up to and including the root; %NULL or empty when @cert
 *   is the root.
 * @error: CHAIN_ERROR_INVALID_INPUT (key does not match, not a CA, chain
 *   does not link) or CHAIN_ERROR_VERIFY (the chain does not validate now).
 *
 * The issuer keeps its own references to everything passed in and
 * precomputes what each issuance needs, so one issuer may sign millions.
 *
 * Returns: (transfer full) (nullable): the issuer.
 */
CHAIN_PUBLIC
ChainIssuer *chain_issuer_new (ChainCert  *cert,
                               ChainKey   *key,
                               GPtrArray  *ancestors,
                               GError    **error);

/** Returns: (transfer none): the issuer's certificate. */
CHAIN_PUBLIC
ChainCert *chain_issuer_get_cert (ChainIssuer *self);

/**
 * chain_issuer_get_chain:
 *
 * Returns: (transfer none) (element-type ChainCert): the issuer's
 *   certificate followed by its ancestors up to the root.
 */
CHAIN_PUBLIC
GPtrArray *chain_issuer_get_chain (ChainIssuer *self);

/**
 * chain_issuer_issue_sub_ca:
 * @self: the issuer.
 * @csr: the subordinate's request; its subject becomes the sub-CA's.
 * @options: validity, path length, name constraints.
 * @error: CHAIN_ERROR_REFUSED naming the ancestor whose path length or name
 *   constraints, or whose validity, the request would break.
 *
 * Returns: (transfer full) (nullable): the sub-CA certificate.
 */
CHAIN_PUBLIC
ChainCert *chain_issuer_issue_sub_ca (ChainIssuer             *self,
                                      const ChainCsr          *csr,
                                      const ChainIssueOptions *options,
                                      GError                 **error);

/**
 * chain_issuer_issue_device:
 * @self: the issuer.
 * @device_id: becomes the CN; checked with chain_device_id_validate().
 * @csr: (nullable): a CSR made on the device; its public key is
 *   certified, its subject ignored. Exactly one of @csr and @key.
 * @key: (nullable): a key made here for the device.
 * @options: validity and device id rules.
 * @error: CHAIN_ERROR_INVALID_INPUT (device id), CHAIN_ERROR_REFUSED
 *   (validity, name constraints).
 *
 * Safe to call from several threads at once on one issuer.
 *
 * Returns: (transfer full) (nullable): the device certificate.
 */
CHAIN_PUBLIC
ChainCert *chain_issuer_issue_device (ChainIssuer             *self,
                                      const char              *device_id,
                                      const ChainCsr          *csr,
                                      ChainKey                *key,
                                      const ChainIssueOptions *options,
                                      GError                 **error);

/** Longest serial chain_issuer_issue_device_der() writes, in hex digits. */
#define CHAIN_ISSUED_SERIAL_HEX_MAX 40

/**
 * ChainIssuedDevice:
 * @der: (transfer full): the DER certificate.
 * @serial: lower-case hex of the serial's content octets, as
 *   chain_cert_dup_serial() writes it.
 * @cert_sha256: lower-case hex SHA-256 of @der.
 * @public_key_sha256: lower-case hex SHA-256 of the DER
 *   SubjectPublicKeyInfo.
 *
 * What chain_issuer_issue_device_der() hands out: everything a device
 * batch's manifest needs, without parsing the certificate back. Release
 * with chain_issued_device_clear().
 */
typedef struct {
  GBytes *der;
  char    serial[CHAIN_ISSUED_SERIAL_HEX_MAX + 1];
  char    cert_sha256[64 + 1];
  char    public_key_sha256[64 + 1];
} ChainIssuedDevice;

/**
 * chain_issuer_issue_device_der:
 * @self: the issuer.
 * @device_id: becomes the CN.
 * @csr: (nullable): as chain_issuer_issue_device().
 * @key: (nullable): as chain_issuer_issue_device().
 * @options: as chain_issuer_issue_device().
 * @out: (out caller-allocates): set only on success.
 * @error: as chain_issuer_issue_device().
 *
 * The bulk form of chain_issuer_issue_device(): the same checks and the
 * same certificate, handed out as DER with its serial and digests instead
 * of a parsed ChainCert. Parsing a certificate back costs OpenSSL 3 a
 * public-key decode, most of the time of an issuance; bulk issuance does
 * not need the parsed form. Safe to call from several threads at once.
 *
 * Returns: %TRUE on success.
 */
CHAIN_PUBLIC
gboolean chain_issuer_issue_device_der (ChainIssuer             *self,
                                        const char              *device_id,
                                        const ChainCsr          *csr,
                                        ChainKey                *key,
                                        const ChainIssueOptions *options,
                                        ChainIssuedDevice       *out,
                                        GError                 **error);

/** chain_issued_device_clear: drops @self's certificate; NULL-safe. */
CHAIN_PUBLIC
void chain_issued_device_clear (ChainIssuedDevice *self);

/**
 * chain_issuer_issue_pop:
 * @self: the issuer: the CA whose key possession is being proven.
 * @code: the cloud's verification or registration code; becomes the CN.
 * @error: CHAIN_ERROR_INVALID_INPUT when @code is empty, longer than 64
 *   characters or not letters, digits, '-' and '_'.
 *
 * The certificate's key is generated and discarded: clouds only check the
 * CN and the issuer's signature. Valid for 30 days, clipped to the issuer.
 *
 * Returns: (transfer full) (nullable): the verification certificate.
 */
CHAIN_PUBLIC
ChainCert *chain_issuer_issue_pop (ChainIssuer *self,
                                   const char  *code,
                                   GError     **error);

/**
 * chain_issuer_issue_officer:
 * @self: the officer's custodian's CA.
 * @name: the officer's name; becomes the CN under the issuer's name.
 * @key: the officer's key, made where the officer keeps it.
 * @options: validity.
 * @error: CHAIN_ERROR_INVALID_INPUT (name not a valid CN),
 *   CHAIN_ERROR_REFUSED (validity, name constraints, @key reused from the
 *   chain).
 *
 * Officer certificates sign ledger records and commits: CA:FALSE,
 * keyUsage digitalSignature, extendedKeyUsage emailProtection, SKI + AKI.
 *
 * Returns: (transfer full) (nullable): the officer certificate.
 */
CHAIN_PUBLIC
ChainCert *chain_issuer_issue_officer (ChainIssuer             *self,
                                       const char              *name,
                                       ChainKey                *key,
                                       const ChainIssueOptions *options,
                                       GError                 **error);

/** chain_issuer_free: wipes nothing it does not own; NULL-safe. */
CHAIN_PUBLIC
void chain_issuer_free (ChainIssuer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainIssuer, chain_issuer_free)

G_END_DECLS
