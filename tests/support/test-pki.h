/* test-pki.h — certificate authorities for tests, made with libchain itself
 *
 * Each helper fails the running Check test on error, so a test reads as the
 * story it tells.
 */
#pragma once

#include "test-support.h"

#define TEST_DAY ((gint64) 24 * 60 * 60)
#define TEST_YEAR (365 * TEST_DAY)

/* Unix seconds now, on the clock OpenSSL's verifier reads. */
gint64 test_pki_now (void);

ChainKey *test_pki_key (ChainKeyAlgorithm algorithm);
ChainName *test_pki_name (const char *rfc4514);
ChainCsr *test_pki_csr (ChainKey *key, const char *subject);
/* NULL for NULL, so a table can leave constraints out. */
ChainNameConstraints *test_pki_constraints (const char *text);

/* A CA: its key, its certificate and an issuer ready to sign with them. */
typedef struct {
  ChainKey    *key;
  ChainCert   *cert;
  ChainIssuer *issuer;
} TestCa;

void test_ca_clear (TestCa *ca);

/* A root valid from now for ten years. */
void test_ca_make_root (TestCa           *ca,
                        ChainKeyAlgorithm algorithm,
                        const char       *subject,
                        int               path_len);

/* A sub-CA of @parent, valid until a day before @parent expires. */
void test_ca_make_sub (TestCa           *ca,
                       TestCa           *parent,
                       ChainKeyAlgorithm algorithm,
                       const char       *subject,
                       int               path_len,
                       const char       *constraints);

/* A device certificate for a fresh key of @algorithm, valid for a year. */
ChainCert *test_ca_issue_device (TestCa           *ca,
                                 ChainKeyAlgorithm algorithm,
                                 const char       *device_id);

/* An officer certificate for @key, valid for a year. */
ChainCert *test_ca_issue_officer (TestCa     *ca,
                                  ChainKey   *key,
                                  const char *name);

/* A CA certificate for @key, signed by @parent with OpenSSL directly, to
 * build chains the issuer would never produce: @basic_constraints and
 * @key_usage in openssl.cnf syntax, plus SKI and AKI; valid from a minute
 * ago for a year. */
ChainCert *test_ca_forge (TestCa     *parent,
                          ChainKey   *key,
                          const char *subject,
                          const char *basic_constraints,
                          const char *key_usage);

/* Writes @first and the certificates after it (NULL-terminated) as one
 * PEM file @name in @dir; returns its path. */
char *test_pki_write_pem (const char *dir,
                          const char *name,
                          ChainCert  *first,
                          ...) G_GNUC_NULL_TERMINATED;

/* Runs @argv (argv[0], e.g. openssl or certtool, looked up in PATH),
 * failing the test with its stderr unless it exits 0. */
void test_pki_run_ok (const char *const *argv);

/* Asserts @error has @code and its message contains every needle (a
 * NULL-terminated list), then clears it. */
void test_assert_error_names (GError    **error,
                              int         code,
                              const char *first_needle,
                              ...) G_GNUC_NULL_TERMINATED;
