/* custody-key-home.h — where a new key will live, as a form holds it
 *
 * The new-workspace and new-officer forms offer three homes for the keys
 * they make: an encrypted file (with a passphrase typed twice), a PKCS#11
 * security token (with its PIN) or the TPM (nothing to type). A form
 * keeps its choice here; the PIN lives in wiped memory. The same homes
 * are named, with an icon, wherever Custody shows where a key lives.
 */
#pragma once

#include "chain.h"

G_BEGIN_DECLS

typedef struct {
  char        *key_store;   /* NULL: a file; else a PKCS#11 URI or "tpm2" */
  ChainSecret *pin;         /* (nullable) the token's PIN */
} CustodyKeyHome;

/** Sets where the keys go: %NULL or "file", a PKCS#11 URI, or "tpm2". */
void custody_key_home_set_store (CustodyKeyHome *home,
                                 const char     *key_store);

/** Sets the token's PIN (copied into wiped memory); %NULL or "" clears it. */
void custody_key_home_set_pin (CustodyKeyHome *home,
                               const char     *text);

/** Returns: where the chosen home is. */
ChainKeyStore custody_key_home_get_store (const CustodyKeyHome *home);

/**
 * custody_key_home_problem:
 *
 * Returns: (transfer full) (nullable): what is missing for a token (its
 *   PIN); %NULL for a file (the form checks the passphrase) or a TPM.
 */
char *custody_key_home_problem (const CustodyKeyHome *home);

/** Returns: (transfer full) (nullable): a copy of the PIN, for a job that wipes it. */
ChainSecret *custody_key_home_dup_pin (const CustodyKeyHome *home);

/** custody_key_home_clear: forgets the choice and wipes the PIN. */
void custody_key_home_clear (CustodyKeyHome *home);

/** Returns: (transfer none): the icon of a key home. */
const char *custody_key_home_icon_name (ChainKeyStore store);

/** Returns: (transfer none): the home's name, e.g. "Security token (PKCS#11)". */
const char *custody_key_home_label (ChainKeyStore store);

/**
 * custody_key_home_describe:
 * @store: where a key lives.
 * @location: (nullable): its PKCS#11 URI or TPM handle.
 *
 * Returns: (transfer full): one sentence for a tooltip, naming the token
 *   or handle where known.
 */
char *custody_key_home_describe (ChainKeyStore  store,
                                 const char    *location);

G_END_DECLS
