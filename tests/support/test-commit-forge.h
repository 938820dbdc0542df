/* test-commit-forge.h — commits signed again, as a malicious writer makes them
 *
 * Tests that forge a ledger edit a commit's text (`git cat-file commit`),
 * then sign it again: with an officer's key as libchain's writer signs, or
 * with OpenSSL directly where libchain refuses to sign (two signers, a
 * certificate that is no officer's). Every helper fails the running Check
 * test on error.
 */
#pragma once

#include "test-story.h"

/* @raw (a commit object's text) without its gpgsig header and the header's
 * continuation lines. Returns: (transfer full). */
char *test_commit_without_signature (const char *raw);

/* Writes @text (a commit without signature) into the repository at
 * @repo_path with @signature (an armored CMS signature) as its gpgsig
 * header, as libchain's writer does. Returns: (transfer full) its id. */
char *test_commit_write_with_signature (const char *repo_path,
                                        const char *text,
                                        GBytes     *signature);

/* As test_commit_write_with_signature(), signed by @officer with
 * libchain's CMS signer. */
char *test_commit_write_signed (const char        *repo_path,
                                const char        *text,
                                const TestOfficer *officer);

/* A detached, armored CMS signature over @text by each of the @n signers
 * (@keys[i] with @certs[i]), made with OpenSSL directly.
 * Returns: (transfer full). */
GBytes *test_commit_cms_sign_raw (ChainKey  **keys,
                                  ChainCert **certs,
                                  guint       n,
                                  const char *text);
