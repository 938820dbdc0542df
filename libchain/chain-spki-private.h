/* chain-spki-private.h — subject public keys without OpenSSL 3.0's decoders
 *
 * OpenSSL 3.0 decodes the subject key of every certificate and CSR it
 * parses through a decoder chain it builds anew each time: about 130 µs,
 * several times the cost of signing the certificate. Bulk paths (a device
 * batch's certificates, a directory of CSRs) parse in a library context
 * that has no decoders, so the key stays undecoded, and read the key here
 * instead: EC keys on a named curve straight from their point, anything
 * else through OpenSSL's decoders as before.
 */
#pragma once

#include "chain-key.h"
#include "chain-openssl-private.h"

G_BEGIN_DECLS

/* The library context to parse in (ASN1_item_d2i_ex()) when the subject
 * key is read with the functions below: X509_get0_pubkey() and
 * X509_REQ_get0_pubkey() are NULL on what it parsed. Transfer none; one
 * for the process. */
OSSL_LIB_CTX      *chain_spki_keyless_libctx  (void);

/* The subject key @pub encodes, or NULL if it does not decode. Transfer
 * full. The same key OpenSSL's decoders make, checked the same way (an EC
 * point must lie on its curve). */
EVP_PKEY          *chain_spki_decode          (const X509_PUBKEY *pub);

/* What chain_pkey_get_algorithm() says of chain_spki_decode (@pub), without
 * making the key when it is EC on a named curve; %CHAIN_KEY_ALGORITHM_INVALID
 * if it does not decode. */
ChainKeyAlgorithm  chain_spki_get_algorithm   (const X509_PUBKEY *pub);

G_END_DECLS
