/* chain-reconcile-private.h — what the parts of a reconciliation share
 *
 * chain-reconcile.c holds the two sides and compares them;
 * chain-reconcile-reader.c streams the cloud files into the cloud side;
 * chain-reconcile-script.c writes the disable commands. Both sides are
 * compact arrays (strings in one pool each, referred to by offset) so a
 * million devices a side cost about 100 MB, not a GHashTable's several
 * hundred. Never installed.
 */
#pragma once

#include "chain-reconcile.h"

G_BEGIN_DECLS

#define CHAIN_RECONCILE_SHA256_LEN 32

/* Bytes appended, each NUL-terminated; an offset names one. Offset 0 is
 * the empty string "no value". */
typedef struct {
  char  *data;
  gsize  len;
  gsize  size;
} ChainStringPool;

void        chain_string_pool_init  (ChainStringPool *pool);
void        chain_string_pool_clear (ChainStringPool *pool);
/* Returns the offset of a copy of @len bytes of @text; 0 for NULL. */
gsize       chain_string_pool_add   (ChainStringPool *pool,
                                     const char      *text,
                                     gsize            len);
/* (transfer none): the string at @offset, NULL for 0. */
const char *chain_string_pool_get   (const ChainStringPool *pool,
                                     gsize                  offset);

enum {
  CHAIN_CLOUD_HAS_SHA256  = 1 << 0,
  CHAIN_CLOUD_ENABLED     = 1 << 1,
  CHAIN_CLOUD_NO_STATUS   = 1 << 2,  /* a thing: neither enabled nor disabled */
};

/* One device (or certificate) a cloud file lists. */
typedef struct {
  guint64 id_hash;          /* of the device id; 0 with no id */
  gsize   id;               /* pool offset; 0 with no id (an AWS certificate) */
  gsize   status;           /* pool offset */
  gsize   hub;              /* pool offset: DPS's assigned hub */
  guint8  sha256[CHAIN_RECONCILE_SHA256_LEN];
  guint32 file;             /* index into ChainReconcile.files */
  guint8  format;           /* ChainCloudFormat */
  guint8  flags;            /* CHAIN_CLOUD_* */
} ChainCloudEntry;

/* The cloud side being filled by a reader. */
typedef struct {
  GArray          *entries;  /* ChainCloudEntry */
  ChainStringPool *pool;
  guint32          file;
} ChainCloudSink;

/* Hash of a device id: sorting key; equal ids are then compared whole. */
guint64  chain_reconcile_id_hash (const char *id);

/* Reads 64 hex digits (either case) into @out; FALSE for anything else. */
gboolean chain_reconcile_sha256_from_hex (const char *hex,
                                          gsize       len,
                                          guint8     *out);

/* chain-reconcile-reader.c: streams @stream into @sink. */
gboolean chain_reconcile_read_cloud (ChainCloudSink   *sink,
                                     GInputStream     *stream,
                                     const char       *name,
                                     ChainCloudFormat *out_format,
                                     GCancellable     *cancellable,
                                     GError          **error);

/* chain-reconcile.c: for chain-reconcile-script.c, the cloud entry behind
 * finding @index, or NULL for a finding of the ledger alone. */
const ChainCloudEntry *chain_reconcile_get_finding_entry (const ChainReconcile *self,
                                                          gsize                 index);

G_END_DECLS
