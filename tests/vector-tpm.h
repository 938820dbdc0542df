/* vector-tpm.h — the TPM ledger the tpm-evidence vectors start from
 *
 * vector_tpm_new() starts a swtpm manufactured with an EK certificate
 * (test_tpm_start_with_ek()) and writes, with keys generated in it, a
 * ledger of its own (another than the three-tier story's: its genesis
 * carries the TPM evidence):
 *
 *   0 genesis   OEM; its policy trusts the swtpm's local CA as TPM maker
 *               for tier oem (tpm_ek_roots); root CA key and officer
 *               Olivia's key in the TPM, body.tpm_evidence for both
 *   1 officer   OEM enrols Tina, her key in the TPM, with its evidence
 *
 * and makes, besides, what the vectors break the rules with: a TPM key's
 * certificate and evidence, a second TPM key's evidence, the evidence of
 * a real key of the TPM that may leave it, a file key's certificate, and
 * an EK certificate of a maker the policy does not trust. Every TPM key
 * is then freed, so that no provider connection to swtpm stays open in
 * the process that forks the cases: vector_tpm_use_copy() opens Olivia's
 * key again in the forked case. Only certificates and evidence go into
 * a vector; the wrapped key blobs stay in the TPM's directory.
 */
#pragma once

#include "test-story.h"
#include "test-tpm.h"

typedef struct {
  TestTpm    *tpm;
  TestStory  *story;            /* the ledger above; oem.officer without key until vector_tpm_use_copy() */
  char       *root_thumbprint;  /* the TPM root's, lower-case hex SHA-256 */
  char       *officer_blob;     /* Olivia's wrapped key (a file in the TPM's directory) */
  ChainCert  *tpm_cert;         /* an officer certificate for a TPM key ... */
  ChainJson  *tpm_evidence;     /* ... and that key's evidence */
  ChainJson  *other_evidence;   /* another TPM key's evidence */
  ChainCert  *loose_cert;       /* an officer certificate for a TPM key that may leave the TPM ... */
  ChainJson  *loose_evidence;   /* ... and its genuine evidence */
  ChainCert  *file_cert;        /* an officer certificate for a file key */
  GBytes     *foreign_ek;       /* DER: a certificate of a TPM maker the policy does not trust */
} VectorTpm;

/* The ledger and the parts above; fails the running test on error. */
VectorTpm *vector_tpm_new (void);

/* Points @self's story at a fresh copy of its ledger (test_story_use_copy())
 * and opens Olivia's key in the TPM again, for this process. */
void vector_tpm_use_copy (VectorTpm *self);

/* Stops swtpm and frees everything. NULL-safe. */
void vector_tpm_free (VectorTpm *self);

/* An officer record by the OEM enrolling @officer, with @evidence as
 * body.tpm_evidence and key_store "tpm2" (NULL: neither, a file key),
 * signed by Olivia. Returns: (transfer full). */
ChainStatement *vector_tpm_officer (VectorTpm *self,
                                    ChainCert *officer,
                                    ChainJson *evidence);
