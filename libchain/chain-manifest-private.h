/* chain-manifest-private.h — manifest.csv: its header, its writer, its reader
 *
 * A device batch stores its devices as manifest.csv (one row per device:
 * id, serial, certificate SHA-256, public-key SHA-256), and `chain issue`
 * writes the same columns, then where the files are, into its output
 * directory. Both are RFC 4180 with "\n" line ends, written here and read
 * here only, so the auditor, export and revoke read one grammar.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/** The columns of a batch's manifest.csv in the ledger. */
#define CHAIN_MANIFEST_COLUMNS "device_id,serial,cert_sha256,public_key_sha256"
/** Its header line. */
#define CHAIN_MANIFEST_HEADER CHAIN_MANIFEST_COLUMNS "\n"
/** The header of manifest.csv in `chain issue`'s output directory. */
#define CHAIN_MANIFEST_OUTPUT_HEADER CHAIN_MANIFEST_COLUMNS ",record,cert,chain,key,pkcs12\n"
/** Fields of a ledger manifest row. */
#define CHAIN_MANIFEST_N_FIELDS 4

/** The reader refuses a row with more fields than this ... */
#define CHAIN_MANIFEST_MAX_FIELDS 16
/** ... or a field longer than this (bytes, unquoted). */
#define CHAIN_MANIFEST_FIELD_MAX_LEN 1024

/* Appends @field to @out as RFC 4180 writes it (in double quotes, its
 * quotes doubled, when it holds ',', '"', CR or LF), then ',' or, when
 * @last, "\n". */
void chain_manifest_append_field (GString    *out,
                                  const char *field,
                                  gboolean    last);

/* Appends one row of a ledger manifest. */
void chain_manifest_append_row (GString    *out,
                                const char *device_id,
                                const char *serial,
                                const char *cert_sha256,
                                const char *public_key_sha256);

/* Appends one row of an output directory's manifest.csv, in the columns of
 * CHAIN_MANIFEST_OUTPUT_HEADER: the ledger row, the record's sequence
 * number, then the device's files relative to the directory ("" for a key
 * or PKCS#12 file not made). */
void chain_manifest_append_output_row (GString           *out,
                                       const char        *device_id,
                                       const char        *serial,
                                       const char        *cert_sha256,
                                       const char        *public_key_sha256,
                                       const char        *record,
                                       const char *const  files[4]);

typedef struct {
  const char   *data;
  gsize         len;
  gsize         pos;
  guint64       line;           /* physical lines consumed */
  GString      *buffer;         /* the fields of the current row, NUL-separated */
  GString      *scratch;        /* the current row as the writer would write it */
  GPtrArray    *fields;         /* char * into buffer */
} ChainManifestReader;

typedef struct {
  const char *const *fields;    /* n_fields strings, valid until the next row */
  guint              n_fields;
  guint64            line;      /* where the row starts, from 1 */
  const char        *raw;       /* the row as written, without its line end */
  gsize              raw_len;
  gsize              raw_first_len;  /* bytes of the first field as written */
  gboolean           terminated;     /* ended by "\n" */
  gboolean           canonical;      /* exactly as chain_manifest_append_field() writes it */
} ChainManifestRow;

/* Reads @data (@len bytes, not copied: it must outlive the reader) one row
 * at a time, so a manifest of millions of rows costs one row of memory. */
void chain_manifest_reader_init  (ChainManifestReader *self,
                                  const void          *data,
                                  gsize                len);
void chain_manifest_reader_clear (ChainManifestReader *self);

/* The next row into @out_row. FALSE at the end (@error unset) or for a
 * malformed row (@error set, CHAIN_ERROR_VERIFY, naming the line): a quote
 * inside an unquoted field, an unterminated quoted field, text after a
 * closing quote, a NUL byte, too many fields or too long a field. */
gboolean chain_manifest_reader_next (ChainManifestReader *self,
                                     ChainManifestRow    *out_row,
                                     GError             **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChainManifestReader, chain_manifest_reader_clear)

G_END_DECLS
