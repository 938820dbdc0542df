/* chain-error.h — the one error domain of libchain
 *
 * Every libchain function that can fail takes a GError ** last and sets an
 * error in CHAIN_ERROR. Messages are one line and say what to do.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

G_BEGIN_DECLS

#define CHAIN_ERROR (chain_error_quark ())

/**
 * ChainError:
 * @CHAIN_ERROR_FAILED: unexpected failure inside a backend (OpenSSL, libgit2).
 * @CHAIN_ERROR_INVALID_INPUT: input is malformed, truncated, oversized or of
 *   the wrong kind (a certificate where a CSR was expected, PEM/DER mix-up).
 * @CHAIN_ERROR_REFUSED: input is well formed but not allowed: a weak key, a
 *   SHA-1 signature, a constraint or policy that forbids the action.
 * @CHAIN_ERROR_PASSPHRASE: a passphrase is wrong, empty or too short.
 * @CHAIN_ERROR_EXISTS: the action would overwrite something that exists.
 * @CHAIN_ERROR_NOT_FOUND: a named file, record or object does not exist.
 * @CHAIN_ERROR_INSECURE: a file or directory holding secrets is readable by
 *   others.
 * @CHAIN_ERROR_VERIFY: a signature, chain or audit check failed.
 * @CHAIN_ERROR_IO: reading or writing a file failed.
 * @CHAIN_ERROR_CONFLICT: another writer moved the ledger first.
 * @CHAIN_ERROR_NOT_JOINED: the workspace has not joined a ledger or holds
 *   no CA yet; accepting the parent custodian's grant is the way in.
 * @CHAIN_ERROR_LEDGER_BEHIND: the local ledger lacks something another
 *   custodian recorded (a CA, a record); syncing brings it.
 * @CHAIN_ERROR_LEDGER_DAMAGED: data stored in the ledger contradicts its
 *   record; an audit names what is wrong.
 * @CHAIN_ERROR_JOINED_ALREADY: the workspace has joined its ledger
 *   already; updates come by syncing or importing a bundle.
 * @CHAIN_ERROR_KEY_ABSENT: the security token that should hold a key is
 *   not there, or holds no such key; listing the tokens shows what is.
 *
 * The messages of the last five say what is wrong, not which command
 * fixes it: each front end (the CLI, Custody) adds its own remedy from
 * the code.
 */
typedef enum {
  CHAIN_ERROR_FAILED,
  CHAIN_ERROR_INVALID_INPUT,
  CHAIN_ERROR_REFUSED,
  CHAIN_ERROR_PASSPHRASE,
  CHAIN_ERROR_EXISTS,
  CHAIN_ERROR_NOT_FOUND,
  CHAIN_ERROR_INSECURE,
  CHAIN_ERROR_VERIFY,
  CHAIN_ERROR_IO,
  CHAIN_ERROR_CONFLICT,
  CHAIN_ERROR_NOT_JOINED,
  CHAIN_ERROR_LEDGER_BEHIND,
  CHAIN_ERROR_LEDGER_DAMAGED,
  CHAIN_ERROR_JOINED_ALREADY,
  CHAIN_ERROR_KEY_ABSENT,
} ChainError;

CHAIN_PUBLIC
GQuark chain_error_quark (void);

G_END_DECLS
