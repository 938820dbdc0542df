/* chain-state-cache-format-private.h — the state cache's bytes, shared by
 * its writer and its reader
 *
 * chain-state-cache-private.h describes the file and what it is trusted
 * with; chain-state-cache-writer.c puts a state in that order,
 * chain-state-cache-reader.c takes it back in the same order. Never
 * installed.
 */
#pragma once

#include <glib.h>
#include "chain-serial-set-private.h"
#include <openssl/evp.h>

G_BEGIN_DECLS

#define CHAIN_STATE_CACHE_MAGIC "libchain-state\n"   /* and its NUL */
#define CHAIN_STATE_CACHE_MAGIC_LEN 16
#define CHAIN_STATE_CACHE_VERSION 3   /* 2: device quotas; 3: compact serial tables */
/* An index that points nowhere (a root's issuer, a custodian without a
 * request). */
#define CHAIN_STATE_CACHE_NO_INDEX G_MAXUINT32
/* The length that stands for a NULL string, certificate or JSON. */
#define CHAIN_STATE_CACHE_NO_STRING G_MAXUINT32
/* A ChainSerialSet entry and index slot, as chain_serial_set_get_image()
 * gives them. */
#define CHAIN_STATE_CACHE_ENTRY_LEN CHAIN_SERIAL_SET_ENTRY_LEN
#define CHAIN_STATE_CACHE_SLOT_LEN 4

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)

G_END_DECLS
