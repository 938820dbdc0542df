/* chain-secret.h — passphrases and other secrets held in wiped memory
 *
 * A ChainSecret never comes from argv: from a file, an environment
 * variable, or a terminal prompt. Its bytes are wiped when it is freed.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

G_BEGIN_DECLS

/** Longest secret accepted from any source, in bytes. */
#define CHAIN_SECRET_MAX_LEN 1024

typedef struct _ChainSecret ChainSecret;

/**
 * chain_secret_new:
 * @data: (array length=len): the secret bytes, copied.
 * @len: their length, at most %CHAIN_SECRET_MAX_LEN.
 *
 * Returns: (transfer full): a new secret; free with chain_secret_free().
 */
CHAIN_PUBLIC
ChainSecret *chain_secret_new (const void *data,
                               gsize       len);

/** Length of chain_secret_new_random()'s passphrases: 32 characters of a
 * 57-letter alphabet, about 186 bits. */
#define CHAIN_SECRET_RANDOM_LEN 32

/**
 * chain_secret_new_random:
 *
 * A fresh passphrase of %CHAIN_SECRET_RANDOM_LEN unambiguous letters and
 * digits from OpenSSL's CSPRNG, for keys that a person need not type
 * (the demo, PKCS#12 files for the factory line).
 *
 * Returns: (transfer full): the secret.
 */
CHAIN_PUBLIC
ChainSecret *chain_secret_new_random (void);

/**
 * chain_secret_new_from_file:
 * @path: a file whose first line is the secret (a trailing newline is
 *   dropped).
 * @error: set to CHAIN_ERROR_NOT_FOUND, CHAIN_ERROR_INVALID_INPUT (empty,
 *   too long, NUL byte) or CHAIN_ERROR_INSECURE (readable by group or
 *   others).
 *
 * Returns: (transfer full) (nullable): the secret, or %NULL on error.
 */
CHAIN_PUBLIC
ChainSecret *chain_secret_new_from_file (const char *path,
                                         GError    **error);

/**
 * chain_secret_new_from_env:
 * @variable: the environment variable's name.
 * @error: set to CHAIN_ERROR_NOT_FOUND if unset, CHAIN_ERROR_INVALID_INPUT if
 *   empty or too long.
 *
 * Returns: (transfer full) (nullable): the secret, or %NULL on error.
 */
CHAIN_PUBLIC
ChainSecret *chain_secret_new_from_env (const char *variable,
                                        GError    **error);

/**
 * chain_secret_new_from_terminal:
 * @prompt: shown on the controlling terminal.
 * @error: set to CHAIN_ERROR_NOT_FOUND when there is no terminal.
 *
 * Reads one line with echo off from /dev/tty.
 *
 * Returns: (transfer full) (nullable): the secret, or %NULL on error.
 */
CHAIN_PUBLIC
ChainSecret *chain_secret_new_from_terminal (const char *prompt,
                                             GError    **error);

/**
 * chain_secret_get_data:
 * @self: a secret.
 * @out_len: (out): its length.
 *
 * Returns: (transfer none): the bytes, valid while @self lives; not
 *   NUL-terminated for callers' use, though a NUL follows them.
 */
CHAIN_PUBLIC
const guint8 *chain_secret_get_data (const ChainSecret *self,
                                     gsize             *out_len);

/** chain_secret_free: wipes and frees @self; NULL-safe. */
CHAIN_PUBLIC
void chain_secret_free (ChainSecret *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainSecret, chain_secret_free)

G_END_DECLS
