/* test-custody.h — real workspaces of a supply chain, built with the library
 *
 * test_custody_new() makes, under a new temporary directory, the story the
 * export, revocation and TLS suites start from, each party in its own
 * workspace with its own keys (passphrase TEST_CLI_PASSPHRASE, so `chain`
 * run by test_cli_chain() opens them):
 *
 *   DIR/oem    the OEM: root CA, default policy
 *   DIR/cm     a manufacturer under the OEM
 *   DIR/dist   a distributor under the manufacturer
 *
 * Requests and grants travel as files, as `chain request/delegate/accept`
 * carry them. Devices are issued with chain_workspace_get_issuer() and
 * recorded as device-batch records (test_custody_issue()).
 *
 * A fixture built once in an unchecked fixture is shared by the forked
 * tests: a test that changes a ledger works on test_custody_copy().
 */
#pragma once

#include "test-cli.h"

typedef struct {
  char           *dir;
  ChainWorkspace *oem;
  ChainWorkspace *cm;
  ChainWorkspace *dist;
} TestCustody;

/* (transfer full) the passphrase of every test workspace. */
ChainSecret *test_custody_passphrase (void);

/* A new OEM workspace DIR/ID (policy NULL: the default), unlocked. */
ChainWorkspace *test_custody_init (const char        *dir,
                                   const char        *id,
                                   const ChainPolicy *policy);

/* A workspace DIR/ID of @tier that asked @parent for a sub-CA, got it and
 * (with @accept) joined; unlocked. Without @accept it has keys only. */
ChainWorkspace *test_custody_child (ChainWorkspace *parent,
                                    const char     *dir,
                                    const char     *id,
                                    const char     *tier,
                                    gboolean        accept);

/* Issues one device per id from @ws's CA: for @csrs[i] when @csrs is not
 * NULL, else for a fresh P-256 key; records them as one device-batch
 * (certificates.pem included when @with_certificates). Returns the
 * certificates (transfer full, element-type ChainCert). */
GPtrArray *test_custody_issue (ChainWorkspace    *ws,
                               const char *const *ids,
                               ChainCsr         **csrs,
                               gboolean           with_certificates);

/* The OEM, a manufacturer "cm" and a distributor "dist" (see above). */
TestCustody *test_custody_new (void);

/* A copy of @src's directory in a new temporary directory, its
 * workspaces opened and unlocked there. */
TestCustody *test_custody_copy (const TestCustody *src);

/* Reopens the workspace at @path, unlocked. */
ChainWorkspace *test_custody_open (const char *path);

/* Removes the directory (unless LIBCHAIN_TEST_KEEP is set). */
void test_custody_free (TestCustody *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestCustody, test_custody_free)

/* lower-case hex SHA-256 of @cert's DER. */
char *test_custody_thumbprint (const ChainCert *cert);

/* Writes @certs (ChainCert *, NULL-terminated) as one PEM file; returns
 * its path (transfer full). */
char *test_custody_write_pem (const char *dir,
                              const char *name,
                              ChainCert  *first,
                              ...) G_GNUC_NULL_TERMINATED;

/* Runs python3 with @program (-c) and @args, failing the test with its
 * stderr unless it exits 0; returns its stdout (transfer full). */
char *test_custody_python (const char        *program,
                           const char *const *args);
