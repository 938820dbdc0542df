/* test-story.h — the three-tier supply chain on a real ledger, for tests
 *
 * test_story_new() makes, in a fresh temporary directory, a ChainLedger
 * (ledger.git) holding the story every higher-level test starts from:
 *
 *   0 genesis             OEM: default policy (delegation and policy
 *                         changes need two officers), root CA, officer Olivia
 *   1 officer             OEM enrols a second officer, Oscar
 *   2 delegation-request  CM A asks the OEM for a manufacturer sub-CA
 *   3 approval            Oscar approves it
 *   4 delegation          Olivia issues CM A's sub-CA (2 keys with the approval)
 *   5 acceptance          CM A's officer Alice joins
 *   6-9                   the same for CM B (officer Bob)
 *   10 officer            CM A enrols a second officer, Alan
 *   11-14                 CM A delegates distributor Dist X (Alice, approval by
 *                         Alan), whose officer Xena accepts
 *   15 device-batch       Dist X issues three devices, certificates included
 *   16 pop                the OEM proves possession of its root to a cloud
 *   17 export             the OEM exports its root (root.pem) for azure-iothub
 *   18 revocation         Dist X revokes its first device
 *
 * Every statement is judged by the story's ChainLedgerState in the append's
 * check callback before it is written, and applied after, so the state
 * always describes the tip. Every helper fails the running Check test on
 * error. Parties use ECDSA P-256.
 */
#pragma once

#include "test-support.h"

enum {
  TEST_STORY_GENESIS,
  TEST_STORY_OFFICER_OEM2,
  TEST_STORY_REQUEST_CM_A,
  TEST_STORY_APPROVE_CM_A,
  TEST_STORY_DELEGATE_CM_A,
  TEST_STORY_ACCEPT_CM_A,
  TEST_STORY_REQUEST_CM_B,
  TEST_STORY_APPROVE_CM_B,
  TEST_STORY_DELEGATE_CM_B,
  TEST_STORY_ACCEPT_CM_B,
  TEST_STORY_OFFICER_CM_A2,
  TEST_STORY_REQUEST_DIST_X,
  TEST_STORY_APPROVE_DIST_X,
  TEST_STORY_DELEGATE_DIST_X,
  TEST_STORY_ACCEPT_DIST_X,
  TEST_STORY_BATCH_DIST_X,
  TEST_STORY_POP,
  TEST_STORY_EXPORT,
  TEST_STORY_REVOKE_DEVICE,
  TEST_STORY_N_RECORDS
};

#define TEST_STORY_N_DEVICES 3
#define TEST_STORY_POP_CODE "ABCDEF0123456789"
#define TEST_STORY_EXPORT_NAME "root.pem"

/* Someone who signs statements and appends commits. */
typedef struct {
  ChainKey          *key;
  ChainCert         *cert;
  GPtrArray         *intermediates;  /* ChainCert *: the CAs between it and the root */
  ChainLedgerSigner *signer;
} TestOfficer;

/* A custodian: its CA, and the first officer under it. */
typedef struct {
  const char  *id;
  const char  *name;
  const char  *tier;
  const char  *subject;
  const char  *officer_subject;
  const char  *constraints;     /* the permitted directoryName, or NULL */
  ChainKey    *key;
  ChainCsr    *csr;
  ChainCert   *cert;
  ChainIssuer *issuer;
  ChainCsr    *officer_csr;
  TestOfficer  officer;
} TestParty;

typedef struct {
  gint64            now;
  char             *dir;          /* the temporary directory, removed with the story */
  char             *path;         /* dir/ledger.git */
  char             *ledger_id;
  ChainPolicy      *policy;       /* in force */
  ChainLedger      *ledger;
  ChainLedgerState *state;        /* at the ledger's tip */

  TestParty         oem;
  TestParty         cm_a;
  TestParty         cm_b;
  TestParty         dist_x;
  TestOfficer       oem2;         /* Oscar, under the root */
  TestOfficer       cm_a2;        /* Alan, under CM A's CA */

  ChainCert        *devices[TEST_STORY_N_DEVICES];  /* Dist X's */
  ChainCert        *pop;
  ChainCrl         *device_crl;   /* Dist X's, revoking devices[0] */
  GBytes           *export_content;

  char             *ids[TEST_STORY_N_RECORDS];      /* the statement ids */
} TestStory;

/* Builds the story (see above) in a new temporary directory. */
TestStory *test_story_new (void);

/* Points @s at a fresh copy of its ledger in a new temporary directory,
 * reopened: a test forked from the process that built the story changes
 * the copy, while the original stays for the next test. The original
 * directory is left to the process that made it. */
void test_story_use_copy (TestStory *s);

/* Removes the directory too (unless LIBCHAIN_TEST_KEEP is set). */
void test_story_free (TestStory *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestStory, test_story_free)

/* ---- Parties and certificates -------------------------------------------- */

/* @p's CA under @parent, issued by libchain's issuer with @p's subject and
 * constraints, @path_len and validity, and its first officer (a key, a
 * CSR for officer_subject, a certificate from the new CA). */
void test_story_party_make (TestStory  *s,
                            TestParty  *p,
                            TestParty  *parent,
                            int         path_len,
                            gint64      not_before,
                            gint64      not_after);
void test_story_party_clear (TestParty *p);

/* A new officer under @ca (key, certificate, signer), valid for a year. */
void test_story_officer_make (TestOfficer *o,
                              TestParty   *ca,
                              const char  *cn);
void test_story_officer_clear (TestOfficer *o);

typedef enum {
  TEST_FORGE_CA,
  TEST_FORGE_OFFICER,
  TEST_FORGE_DEVICE,
  TEST_FORGE_NO_EKU,      /* an officer without emailProtection */
} TestForgeKind;

/* A certificate the issuer would refuse to make: @issuer_key signs
 * (@issuer NULL: self-signed); @serial (hex, NULL: random); @path_len for
 * a CA (-1: none); @constraints as chain_name_constraints_parse() reads;
 * @critical_unknown adds a critical extension no verifier understands. */
typedef struct {
  TestForgeKind  kind;
  ChainKey      *issuer_key;
  ChainCert     *issuer;
  const char    *subject;
  ChainKey      *key;
  gint64         not_before;
  gint64         not_after;
  int            path_len;
  const char    *constraints;
  const char    *serial;
  gboolean       critical_unknown;
} TestForge;

ChainCert *test_story_forge (const TestForge *f);

/* A device certificate from @issuer for a fresh key, valid for a year. */
ChainCert *test_story_device (ChainIssuer *issuer,
                              const char  *device_id);

/* A CRL of @issuer listing @serials (hex), CRL number @number. */
ChainCrl *test_story_crl (ChainIssuer       *issuer,
                          const char *const *serials,
                          guint64            number);

/* lower-case hex SHA-256 of @cert's DER: how records name a CA. */
char *test_story_thumbprint (const ChainCert *cert);

/* ---- Statements ------------------------------------------------------------
 * Each returns a statement signed by @signer (NULL: unsigned, still open),
 * made now under the policy in force for the story's ledger. Sign again
 * with test_story_sign() for a k-of-n threshold.
 */

ChainStatement *test_story_statement (TestStory          *s,
                                      ChainRecordType     type,
                                      const char         *author,
                                      ChainJson          *body,       /* transfer full */
                                      const TestOfficer  *signer);
void test_story_add_artifact (ChainStatement *st,
                              const char     *name,
                              GBytes         *data);
void test_story_sign (ChainStatement    *st,
                      const TestOfficer *signer);

ChainStatement *test_story_officer (TestStory         *s,
                                    const char        *author,
                                    const TestOfficer *signer,
                                    ChainCert         *officer);
ChainStatement *test_story_request (TestStory         *s,
                                    TestParty         *parent,
                                    const TestOfficer *signer,
                                    TestParty         *child);
ChainStatement *test_story_approval (TestStory         *s,
                                     const char        *author,
                                     const TestOfficer *signer,
                                     const char        *request_id);
/* A delegation whose body describes @ca. */
ChainStatement *test_story_delegation (TestStory         *s,
                                       TestParty         *parent,
                                       const TestOfficer *signer,
                                       TestParty         *child,
                                       const char        *request_id,
                                       ChainCert         *ca);
ChainStatement *test_story_acceptance (TestStory  *s,
                                       TestParty  *child,
                                       const char *delegation_id);
ChainStatement *test_story_batch (TestStory         *s,
                                  const char        *author,
                                  const TestOfficer *signer,
                                  ChainCert         *issuer,
                                  ChainCert        **devices,
                                  guint              n,
                                  gboolean           with_certificates);
ChainStatement *test_story_pop (TestStory         *s,
                                const char        *author,
                                const TestOfficer *signer,
                                ChainCert         *ca,
                                ChainCert         *verification);
/* An export of one file @name holding @content; body.ca names @ca. */
ChainStatement *test_story_export (TestStory         *s,
                                   const char        *author,
                                   const TestOfficer *signer,
                                   ChainCert         *ca,
                                   const char        *name,
                                   GBytes            *content);
ChainStatement *test_story_revocation (TestStory          *s,
                                       const char         *author,
                                       const TestOfficer  *signer,
                                       ChainCert          *issuer,
                                       const char *const  *serials,
                                       ChainCrl           *crl);
ChainStatement *test_story_policy (TestStory         *s,
                                   const TestOfficer *signer,
                                   const ChainPolicy *policy);
ChainStatement *test_story_annotation (TestStory         *s,
                                       const char        *author,
                                       const TestOfficer *signer,
                                       const char        *text);
ChainStatement *test_story_rotation (TestStory         *s,
                                     const char        *author,
                                     const TestOfficer *signer,
                                     ChainCert         *old_ca,
                                     ChainCert         *new_ca);

/* ---- Appending ------------------------------------------------------------- */

/* Appends @st, committed by @committer, after the story's state accepted
 * it in the append's check; applies it to the state. Returns its seq. */
guint64 test_story_append (TestStory         *s,
                           ChainStatement    *st,
                           const TestOfficer *committer);

/* As test_story_append(), returning the engine's refusal instead. */
gboolean test_story_try_append (TestStory         *s,
                                ChainStatement    *st,
                                const TestOfficer *committer,
                                GError           **error);

/* Appends @st without judgement, as a malicious writer can; the story's
 * state is left as it was (it no longer describes the tip). */
guint64 test_story_append_unchecked (TestStory         *s,
                                     ChainStatement    *st,
                                     const TestOfficer *committer);
