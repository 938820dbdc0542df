/* chain-issue-private.h — what chain-issue.c, chain-issue-source.c and
 * chain-issue-output.c share
 *
 * chain-issue.c reads the input, checks it and drives the chunks through
 * the worker threads and the ledger; chain-issue-output.c owns the output
 * directory: each device's files in a chunk's staging directory, the key
 * encryption, PKCS#12, moving a recorded chunk into place, and the two
 * manifests.
 */
#pragma once

#include "chain-issue.h"
#include "chain-issuer.h"
#include "chain-pki-private.h"

G_BEGIN_DECLS

/* One device of a chunk: its input, then what issuing it produced. */
typedef struct {
  char             *id;           /* NULL until known (a CSR named by its CN) */
  char             *csr_path;     /* CSR sources */
  GBytes           *csr_bytes;    /* the file, between reading and parsing */
  gsize             csr_len;      /* its size and SHA-256, for comparing */
  guint8            csr_sha256[32];
  guint64           line;         /* ids files: the line, for messages */
  ChainIssuedDevice cert;         /* der, serial, digests; PEM is made
                                   * where it is written, never kept */
  GBytes           *key_pem;      /* per-batch layout: the encrypted key */
  gboolean          has_key;
  gboolean          has_pkcs12;
  GError           *error;
} ChainIssueDevice;

/* ---- chain-issue-source.c ---- */

typedef enum {
  CHAIN_ISSUE_SOURCE_COUNT,
  CHAIN_ISSUE_SOURCE_IDS,
  CHAIN_ISSUE_SOURCE_CSR_DIR,
} ChainIssueSourceKind;

struct _ChainIssueSource {
  ChainIssueSourceKind       kind;
  char            *name;         /* for messages */
  gboolean         rewindable;

  /* a count */
  char            *prefix;
  guint64          first;
  guint64          count;
  guint64          next;
  int              width;

  /* ids: a file (path set: reopened to rewind) or a stream */
  char            *path;
  GInputStream    *stream;
  guint8          *buf;
  gsize            buf_len;
  gsize            buf_pos;
  gboolean         eof;
  guint64          line;

  /* a CSR directory */
  GDir            *dir;
  ChainIssueCsrId  id_from;
};

/* Fills @device with the source's next device (id, or CSR path; the id of
 * a CSR named by its CN stays NULL); FALSE with no error at the end. */
gboolean chain_issue_source_next (ChainIssueSource *self,
                                  ChainIssueDevice *device,
                                  GCancellable     *cancellable,
                                  GError          **error);

/* Starts again from the first device; only for rewindable sources. */
gboolean chain_issue_source_rewind (ChainIssueSource *self,
                                    GError          **error);

/* Prefixes @error's message with where @device came from: the CSR file,
 * the ids file's line, or the id. */
void chain_issue_source_prefix_error (const ChainIssueSource *source,
                                      const ChainIssueDevice *device,
                                      GError                **error);

/* ---- chain-issue-output.c ---- */

typedef struct _ChainIssueOutput ChainIssueOutput;

/**
 * chain_issue_output_check_dir:
 * Refuses (CHAIN_ERROR_EXISTS) a @dir that exists and is not an empty
 * directory; creates nothing.
 */
gboolean chain_issue_output_check_dir (const char *dir,
                                       GError    **error);

/**
 * chain_issue_output_check_id:
 * Refuses (CHAIN_ERROR_INVALID_INPUT) a device id that cannot name a
 * directory in the output: ".", "..", and the manifests' names.
 */
gboolean chain_issue_output_check_id (const char *id,
                                      GError    **error);

/**
 * chain_issue_output_new:
 * @dir: the output directory; created (0700) if missing, else must be empty.
 * @chain: (element-type ChainCert): the CAs chain.pem and device.p12 carry
 *   after the leaf, issuer first.
 * @keys: keys are made here (key.pem, and device.p12 when @pkcs12).
 * @passphrase: (nullable): required with @keys; the key-encryption key is
 *   derived from it once, here.
 * @issuer_thumbprint, @ledger_id: for manifest.json.
 *
 * Opens the output directory and starts both manifests; with
 * %CHAIN_ISSUE_LAYOUT_PER_BATCH, writes ca-chain.pem too.
 */
ChainIssueOutput *chain_issue_output_new (const char        *dir,
                                          ChainIssueLayout   layout,
                                          GPtrArray         *chain,
                                          gboolean           keys,
                                          gboolean           pkcs12,
                                          const ChainSecret *passphrase,
                                          const char        *issuer_thumbprint,
                                          const char        *ledger_id,
                                          GError           **error);

/** Creates DIR/.staging~INDEX for a chunk's files. */
gboolean chain_issue_output_begin_chunk (ChainIssueOutput *self,
                                         guint64           index,
                                         GError          **error);

/**
 * chain_issue_output_write_device:
 * Writes @device's files (cert.pem, chain.pem, and with @key key.pem and
 * device.p12) into chunk @index's staging directory. Thread-safe. In the
 * per-batch layout, only encrypts @key into @device's key_pem: the files
 * are written by chain_issue_output_write_batch().
 */
gboolean chain_issue_output_write_device (ChainIssueOutput *self,
                                          guint64           index,
                                          ChainIssueDevice *device,
                                          ChainKey         *key,
                                          GError          **error);

/**
 * chain_issue_output_write_batch:
 * Per-batch layout: writes chunk @index's certs.pem (@certs_pem, the
 * certificates in order) and keys.pem (each device's key_pem, in the same
 * order) into its staging directory. Does nothing in the per-device layout.
 */
gboolean chain_issue_output_write_batch (ChainIssueOutput        *self,
                                         guint64                  index,
                                         GBytes                  *certs_pem,
                                         ChainIssueDevice *const *devices,
                                         guint                    n_devices,
                                         GError                 **error);

/* A chunk staged in the per-batch layout holds these two files, which
 * publishing renames to batch-N.pem and batch-N.key.pem. */
#define CHAIN_ISSUE_STAGED_CERTS "certs.pem"
#define CHAIN_ISSUE_STAGED_KEYS "keys.pem"
#define CHAIN_ISSUE_CA_CHAIN "ca-chain.pem"

/** Returns: (transfer full): "batch-%06u" followed by @suffix, the name of
 * batch @index's certificates (".pem") or keys (".key.pem"). */
char *chain_issue_output_batch_name (guint64     index,
                                     const char *suffix);

/** Flushes everything written so far to disk (syncfs). */
gboolean chain_issue_output_sync (ChainIssueOutput *self,
                                  GError          **error);

/**
 * chain_issue_output_publish_chunk:
 * After chunk @index's record @seq landed: moves each device's directory
 * into place and appends the devices to both manifests, synced.
 */
gboolean chain_issue_output_publish_chunk (ChainIssueOutput        *self,
                                           guint64                  index,
                                           guint64                  seq,
                                           ChainIssueDevice *const *devices,
                                           guint                    n_devices,
                                           GError                 **error);

/** Deletes chunk @index's staging directory and all in it. */
void chain_issue_output_discard_chunk (ChainIssueOutput *self,
                                       guint64           index);

/**
 * chain_issue_output_finish:
 * Ends manifest.json with the records in @summary and whether the run was
 * @complete. When nothing was published, removes everything this output
 * created instead (the directory too, if it made it).
 */
gboolean chain_issue_output_finish (ChainIssueOutput        *self,
                                    const ChainIssueSummary *summary,
                                    gboolean                 complete,
                                    GError                 **error);

/** The paths of the two manifests (transfer none). */
const char *chain_issue_output_get_manifest_csv (const ChainIssueOutput *self);
const char *chain_issue_output_get_manifest_json (const ChainIssueOutput *self);

/** Wipes the key-encryption key; NULL-safe. Does not remove files. */
void chain_issue_output_free (ChainIssueOutput *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChainIssueOutput, chain_issue_output_free)

/** Deletes @name under @dir_fd and all in it. */
void chain_issue_output_remove_tree_at (int         dir_fd,
                                        const char *name);

/** Whether DIR holds a staging directory (a chunk not yet published). */
gboolean chain_issue_output_has_staging (const ChainIssueOutput *self);

/* ---- chain-issue-recover.c ---- */

typedef struct _ChainIssueJournal ChainIssueJournal;

/**
 * chain_issue_journal_begin:
 * Writes and syncs the journal of a run into @output_dir and locks it for
 * as long as the run lives: call before the first certificate is signed.
 */
ChainIssueJournal *chain_issue_journal_begin (ChainWorkspace *workspace,
                                              const char     *output_dir,
                                              GError        **error);

/** Unlocks and frees @journal, removing it when the run is @done (left
 * nothing in staging). NULL-safe. */
void chain_issue_journal_end (ChainIssueJournal *journal,
                              gboolean           done);

G_END_DECLS
