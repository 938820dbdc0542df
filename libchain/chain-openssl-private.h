/* chain-openssl-private.h — OpenSSL at libchain's boundary
 *
 * Autocleanup for the OpenSSL types libchain uses, and the one place where
 * OpenSSL's error queue becomes a GError.
 */
#pragma once

#include <glib.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "chain-error.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ASN1_BIT_STRING, ASN1_BIT_STRING_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ASN1_ENUMERATED, ASN1_ENUMERATED_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ASN1_INTEGER, ASN1_INTEGER_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ASN1_OCTET_STRING, ASN1_OCTET_STRING_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ASN1_TIME, ASN1_TIME_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AUTHORITY_KEYID, AUTHORITY_KEYID_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free_all)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CMS_ContentInfo, CMS_ContentInfo_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD, EVP_MD_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GENERAL_NAME, GENERAL_NAME_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GENERAL_NAMES, GENERAL_NAMES_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NAME_CONSTRAINTS, NAME_CONSTRAINTS_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_ALGOR, X509_ALGOR_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_CRL, X509_CRL_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_EXTENSION, X509_EXTENSION_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_NAME, X509_NAME_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_PUBKEY, X509_PUBKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_REQ, X509_REQ_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_REVOKED, X509_REVOKED_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_SIG, X509_SIG_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_STORE, X509_STORE_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_STORE_CTX, X509_STORE_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_VERIFY_PARAM, X509_VERIFY_PARAM_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free)

/**
 * chain_openssl_error:
 * @error: the GError to set (may be NULL).
 * @code: a ChainError.
 * @format: the one-line message; OpenSSL's own reason, if any, is appended
 *   after ": ".
 *
 * Sets @error and drains OpenSSL's thread-local error queue, so a stale
 * reason never leaks into a later message.
 */
void chain_openssl_error (GError    **error,
                          ChainError  code,
                          const char *format,
                          ...) G_GNUC_PRINTF (3, 4);

/** Drops whatever OpenSSL queued, for paths that handle a failure themselves. */
void chain_openssl_clear_errors (void);

G_END_DECLS
