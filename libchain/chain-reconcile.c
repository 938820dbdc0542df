/* chain-reconcile.c — the ledger's devices beside the cloud's, compared
 *
 * Both sides are arrays sorted once: the ledger side by device id and, in
 * a second index, by certificate SHA-256; the cloud side by device id.
 * Each cloud entry is then found by binary search, so a million devices a
 * side is a few sorts and a million searches, with no per-device
 * allocation.
 */
#include "chain-reconcile-private.h"
#include "chain-error.h"
#include "chain-export-private.h"
#include "chain-i18n-private.h"
#include "chain-pki-private.h"
#include "chain-serial-set-private.h"

#include <string.h>

/* ---- String pools ------------------------------------------------------------------- */

void
chain_string_pool_init (ChainStringPool *pool)
{
  pool->size = 4096;
  pool->data = g_malloc (pool->size);
  pool->data[0] = '\0';   /* offset 0: no value */
  pool->len = 1;
}

void
chain_string_pool_clear (ChainStringPool *pool)
{
  g_clear_pointer (&pool->data, g_free);
  pool->len = 0;
  pool->size = 0;
}

gsize
chain_string_pool_add (ChainStringPool *pool,
                       const char      *text,
                       gsize            len)
{
  gsize offset = pool->len;

  if (text == NULL)
    return 0;
  if (pool->size - pool->len < len + 1)
    {
      while (pool->size - pool->len < len + 1)
        pool->size += pool->size / 2;
      pool->data = g_realloc (pool->data, pool->size);
    }
  memcpy (pool->data + offset, text, len);
  pool->data[offset + len] = '\0';
  pool->len += len + 1;
  return offset;
}

const char *
chain_string_pool_get (const ChainStringPool *pool,
                       gsize                  offset)
{
  return offset == 0 ? NULL : pool->data + offset;
}

/* ---- Keys ------------------------------------------------------------------------------ */

guint64
chain_reconcile_id_hash (const char *id)
{
  /* FNV-1a with a final mix: only a sorting key. Equal hashes are
   * compared as strings, so a hostile file choosing collisions costs
   * time, never a wrong match. */
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (const guchar *p = (const guchar *) id; *p != '\0'; p++)
    {
      h ^= *p;
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  h ^= h >> 33;
  return h != 0 ? h : 1;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

gboolean
chain_reconcile_sha256_from_hex (const char *hex,
                                 gsize       len,
                                 guint8     *out)
{
  if (len != 2 * CHAIN_RECONCILE_SHA256_LEN)
    return FALSE;
  for (gsize i = 0; i < CHAIN_RECONCILE_SHA256_LEN; i++)
    {
      int high = hex_digit (hex[2 * i]);
      int low = hex_digit (hex[2 * i + 1]);

      if (high < 0 || low < 0)
        return FALSE;
      out[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}

/* ---- The object ------------------------------------------------------------------------ */

/* One certificate the ledger issued. */
typedef struct {
  guint64 id_hash;
  gsize   id;         /* issued_pool offset */
  gsize   serial;     /* issued_pool offset */
  guint32 order;      /* in ledger order: the last of an id is its current one */
  guint8  sha256[CHAIN_RECONCILE_SHA256_LEN];
  guint8  revoked;
  guint8  seen;
} IssuedEntry;

/* One finding: indexes + 1 into the sorted sides (0: none). */
typedef struct {
  guint8  kind;
  guint8  needs_action;
  guint32 cloud;
  guint32 issued;
  gsize   sha256;     /* finding_pool offset of the hex, 0 when unknown */
} Finding;

struct _ChainReconcile {
  GArray          *issued;        /* IssuedEntry */
  ChainStringPool  issued_pool;
  GArray          *cloud;         /* ChainCloudEntry */
  ChainStringPool  cloud_pool;
  GPtrArray       *files;         /* char *: the cloud files' names */
  GArray          *findings;      /* Finding */
  ChainStringPool  finding_pool;
  guint32         *by_sha256;     /* indexes into issued, by certificate */
  gsize            n_action;
  gsize            n_seen;
  gboolean         compared;
};

const char *
chain_cloud_format_to_string (ChainCloudFormat format)
{
  switch (format)
    {
    case CHAIN_CLOUD_FORMAT_EMPTY:
      return "empty";
    case CHAIN_CLOUD_FORMAT_AZURE_IOTHUB:
      return "azure-iothub";
    case CHAIN_CLOUD_FORMAT_AZURE_DPS:
      return "azure-dps";
    case CHAIN_CLOUD_FORMAT_AWS_CERTIFICATES:
      return "aws-certificates";
    case CHAIN_CLOUD_FORMAT_AWS_THINGS:
      return "aws-things";
    default:
      return "unknown";
    }
}

const char *
chain_reconcile_kind_to_string (ChainReconcileKind kind)
{
  switch (kind)
    {
    case CHAIN_RECONCILE_NOT_ISSUED:
      return "not-issued";
    case CHAIN_RECONCILE_REVOKED_ENABLED:
      return "revoked-enabled";
    case CHAIN_RECONCILE_DUPLICATE_ID:
      return "duplicate-id";
    case CHAIN_RECONCILE_NEVER_SEEN:
      return "never-seen";
    default:
      return "unknown";
    }
}

ChainReconcile *
chain_reconcile_new (void)
{
  ChainReconcile *self = g_new0 (ChainReconcile, 1);

  self->issued = g_array_new (FALSE, FALSE, sizeof (IssuedEntry));
  self->cloud = g_array_new (FALSE, FALSE, sizeof (ChainCloudEntry));
  self->findings = g_array_new (FALSE, FALSE, sizeof (Finding));
  self->files = g_ptr_array_new_with_free_func (g_free);
  chain_string_pool_init (&self->issued_pool);
  chain_string_pool_init (&self->cloud_pool);
  chain_string_pool_init (&self->finding_pool);
  return self;
}

void
chain_reconcile_free (ChainReconcile *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->issued);
  g_array_unref (self->cloud);
  g_array_unref (self->findings);
  g_ptr_array_unref (self->files);
  chain_string_pool_clear (&self->issued_pool);
  chain_string_pool_clear (&self->cloud_pool);
  chain_string_pool_clear (&self->finding_pool);
  g_free (self->by_sha256);
  g_free (self);
}

/* ---- The ledger side ------------------------------------------------------------------- */

gboolean
chain_reconcile_add_issued (ChainReconcile *self,
                            const char     *device_id,
                            const char     *serial,
                            const char     *cert_sha256,
                            gboolean        revoked,
                            GError        **error)
{
  IssuedEntry entry = { 0 };

  g_return_val_if_fail (self != NULL && !self->compared, FALSE);
  g_return_val_if_fail (device_id != NULL && serial != NULL && cert_sha256 != NULL, FALSE);

  if (!chain_reconcile_sha256_from_hex (cert_sha256, strlen (cert_sha256), entry.sha256))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the certificate SHA-256 of device '%.64s' is not 64 hex digits"), device_id);
      return FALSE;
    }
  if (self->issued->len >= G_MAXUINT32 - 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("more than %u devices in the ledger; reconcile a part of it"), G_MAXUINT32 - 1);
      return FALSE;
    }
  entry.id_hash = chain_reconcile_id_hash (device_id);
  entry.id = chain_string_pool_add (&self->issued_pool, device_id, strlen (device_id));
  entry.serial = chain_string_pool_add (&self->issued_pool, serial, strlen (serial));
  entry.order = self->issued->len;
  entry.revoked = revoked ? 1 : 0;
  g_array_append_val (self->issued, entry);
  return TRUE;
}

typedef struct {
  ChainReconcile         *self;
  const ChainLedgerState *state;
} LoadLedger;

static gboolean
load_device (const ChainManifestEntry *entry,
             gpointer                  user_data,
             GError                  **error)
{
  LoadLedger *load = user_data;
  ChainSerialKey key;
  gboolean in_force;

  in_force = chain_serial_key_from_hex (entry->serial, &key)
             && chain_ledger_state_serial_in_force (load->state, &key, NULL);
  return chain_reconcile_add_issued (load->self, entry->device_id, entry->serial, entry->cert_sha256,
                                     !in_force, error);
}

gboolean
chain_reconcile_load_ledger (ChainReconcile *self,
                             ChainWorkspace *workspace,
                             GCancellable   *cancellable,
                             GError        **error)
{
  LoadLedger load = { self, NULL };

  g_return_val_if_fail (self != NULL && !self->compared, FALSE);
  g_return_val_if_fail (workspace != NULL, FALSE);

  load.state = chain_workspace_get_state (workspace);
  if (load.state == NULL)
    return TRUE;
  return chain_manifest_foreach (workspace, NULL, load_device, &load, cancellable, error);
}

/* ---- The cloud side -------------------------------------------------------------------- */

gboolean
chain_reconcile_read_stream (ChainReconcile   *self,
                             GInputStream     *stream,
                             const char       *name,
                             ChainCloudFormat *out_format,
                             GCancellable     *cancellable,
                             GError          **error)
{
  ChainCloudSink sink = { self->cloud, &self->cloud_pool, 0 };
  guint before = self->cloud->len;
  gsize pool_before = self->cloud_pool.len;

  g_return_val_if_fail (self != NULL && !self->compared, FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  sink.file = self->files->len;
  g_ptr_array_add (self->files, g_strdup (name));
  if (!chain_reconcile_read_cloud (&sink, stream, name, out_format, cancellable, error))
    {
      /* Nothing half-read stays. */
      g_array_set_size (self->cloud, before);
      self->cloud_pool.len = pool_before;
      g_ptr_array_set_size (self->files, (gint) sink.file);
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_reconcile_read_file (ChainReconcile   *self,
                           const char       *path,
                           ChainCloudFormat *out_format,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  {
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(GError) local_error = NULL;

    stream = G_INPUT_STREAM (g_file_read (file, cancellable, &local_error));
    if (stream == NULL)
      {
        gboolean missing = g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

        g_set_error (error, CHAIN_ERROR, missing ? CHAIN_ERROR_NOT_FOUND : CHAIN_ERROR_IO,
                     /* Translators: the file's name, then the system's reason. */
                     _("cannot read the cloud file '%s': %s"), path, local_error->message);
        return FALSE;
      }
  }
  return chain_reconcile_read_stream (self, stream, path, out_format, cancellable, error);
}

/* ---- Comparing ------------------------------------------------------------------------- */

/* Both sides sort by device id the same way: by its hash first (cheap,
 * and what the searches below probe), then by the id itself. */
static int
compare_ids (guint64                x_hash,
             gsize                  x_id,
             guint64                y_hash,
             gsize                  y_id,
             const ChainStringPool *pool)
{
  if (x_hash != y_hash)
    return x_hash < y_hash ? -1 : 1;
  return strcmp (pool->data + x_id, pool->data + y_id);
}

static int
compare_issued (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const IssuedEntry *x = a;
  const IssuedEntry *y = b;
  int c = compare_ids (x->id_hash, x->id, y->id_hash, y->id, user_data);

  if (c != 0)
    return c;
  return x->order < y->order ? -1 : x->order > y->order;
}

static int
compare_by_sha256 (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  const IssuedEntry *issued = user_data;

  return memcmp (issued[*(const guint32 *) a].sha256, issued[*(const guint32 *) b].sha256,
                 CHAIN_RECONCILE_SHA256_LEN);
}

static int
compare_cloud (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const ChainCloudEntry *x = a;
  const ChainCloudEntry *y = b;
  int c = compare_ids (x->id_hash, x->id, y->id_hash, y->id, user_data);

  if (c != 0)
    return c;
  if ((x->flags & CHAIN_CLOUD_HAS_SHA256) != (y->flags & CHAIN_CLOUD_HAS_SHA256))
    return (x->flags & CHAIN_CLOUD_HAS_SHA256) ? 1 : -1;
  return memcmp (x->sha256, y->sha256, CHAIN_RECONCILE_SHA256_LEN);
}

/* The first ledger entry with device id @id, or -1. */
static gssize
find_issued_id (const ChainReconcile *self,
                guint64               hash,
                const char           *id)
{
  const IssuedEntry *issued = (const IssuedEntry *) (gpointer) self->issued->data;
  gsize low = 0;
  gsize high = self->issued->len;

  while (low < high)
    {
      gsize mid = low + (high - low) / 2;
      int c;

      if (issued[mid].id_hash != hash)
        c = issued[mid].id_hash < hash ? -1 : 1;
      else
        c = strcmp (self->issued_pool.data + issued[mid].id, id);
      if (c < 0)
        low = mid + 1;
      else
        high = mid;
    }
  if (low < self->issued->len && issued[low].id_hash == hash
      && strcmp (self->issued_pool.data + issued[low].id, id) == 0)
    return (gssize) low;
  return -1;
}

/* The ledger entry with certificate @sha256, or -1. */
static gssize
find_issued_sha256 (const ChainReconcile *self,
                    const guint8         *sha256)
{
  const IssuedEntry *issued = (const IssuedEntry *) (gpointer) self->issued->data;
  gsize low = 0;
  gsize high = self->issued->len;

  while (low < high)
    {
      gsize mid = low + (high - low) / 2;
      int c = memcmp (issued[self->by_sha256[mid]].sha256, sha256, CHAIN_RECONCILE_SHA256_LEN);

      if (c == 0)
        return (gssize) self->by_sha256[mid];
      if (c < 0)
        low = mid + 1;
      else
        high = mid;
    }
  return -1;
}

/* The end of the run of entries with @first's device id. */
static gsize
issued_run_end (const ChainReconcile *self,
                gsize                 first)
{
  const IssuedEntry *issued = (const IssuedEntry *) (gpointer) self->issued->data;
  gsize end = first + 1;

  while (end < self->issued->len && issued[end].id_hash == issued[first].id_hash
         && strcmp (self->issued_pool.data + issued[end].id, self->issued_pool.data + issued[first].id) == 0)
    end++;
  return end;
}

static void
add_finding (ChainReconcile     *self,
             ChainReconcileKind  kind,
             gboolean            needs_action,
             gssize              cloud,
             gssize              issued,
             const guint8       *sha256)
{
  Finding finding = { kind, needs_action ? 1 : 0, (guint32) (cloud + 1), (guint32) (issued + 1), 0 };

  if (sha256 != NULL)
    {
      g_autofree char *hex = chain_hex_encode (sha256, CHAIN_RECONCILE_SHA256_LEN, FALSE);

      finding.sha256 = chain_string_pool_add (&self->finding_pool, hex, strlen (hex));
    }
  g_array_append_val (self->findings, finding);
  if (needs_action)
    self->n_action++;
}

/* Ids the ledger issued more than once: a reissue after revocation is
 * information; two in force would authenticate as one device. */
static void
find_ledger_duplicates (ChainReconcile *self)
{
  IssuedEntry *issued = (IssuedEntry *) (gpointer) self->issued->data;

  for (gsize first = 0; first < self->issued->len;)
    {
      gsize end = issued_run_end (self, first);
      guint in_force = 0;

      for (gsize i = first; i < end; i++)
        in_force += issued[i].revoked ? 0 : 1;
      if (end - first > 1)
        for (gsize i = first; i < end; i++)
          add_finding (self, CHAIN_RECONCILE_DUPLICATE_ID, in_force > 1, -1, (gssize) i, issued[i].sha256);
      first = end;
    }
}

/* One id in the cloud with two different certificates. */
static void
find_cloud_duplicates (ChainReconcile *self)
{
  const ChainCloudEntry *cloud = (const ChainCloudEntry *) (gpointer) self->cloud->data;

  for (gsize first = 0; first < self->cloud->len;)
    {
      gsize end = first + 1;
      gsize distinct = 0;

      while (end < self->cloud->len && cloud[end].id_hash == cloud[first].id_hash
             && strcmp (self->cloud_pool.data + cloud[end].id, self->cloud_pool.data + cloud[first].id) == 0)
        end++;
      if (cloud[first].id != 0)
        for (gsize i = first; i < end; i++)
          if ((cloud[i].flags & CHAIN_CLOUD_HAS_SHA256)
              && (i == first || !(cloud[i - 1].flags & CHAIN_CLOUD_HAS_SHA256)
                  || memcmp (cloud[i - 1].sha256, cloud[i].sha256, CHAIN_RECONCILE_SHA256_LEN) != 0))
            distinct++;
      if (distinct > 1)
        for (gsize i = first; i < end; i++)
          if (cloud[i].flags & CHAIN_CLOUD_HAS_SHA256)
            add_finding (self, CHAIN_RECONCILE_DUPLICATE_ID, TRUE, (gssize) i, -1, cloud[i].sha256);
      first = end;
    }
}

/* Whether the cloud lets the entry in: enabled, or a thing (no status of its own). */
static gboolean
cloud_admits (const ChainCloudEntry *entry)
{
  return (entry->flags & (CHAIN_CLOUD_ENABLED | CHAIN_CLOUD_NO_STATUS)) != 0;
}

static void
match_cloud_entry (ChainReconcile *self,
                   gsize           index)
{
  const ChainCloudEntry *entry = &g_array_index (self->cloud, ChainCloudEntry, index);
  IssuedEntry *issued = (IssuedEntry *) (gpointer) self->issued->data;
  const char *id = chain_string_pool_get (&self->cloud_pool, entry->id);
  gboolean enabled = (entry->flags & CHAIN_CLOUD_ENABLED) != 0;
  gssize match;

  if (entry->flags & CHAIN_CLOUD_HAS_SHA256)
    {
      match = find_issued_sha256 (self, entry->sha256);
      /* The certificate must be the ledger's, and for the id the cloud
       * gives it: a ledger certificate under another id is a clone too. */
      if (match < 0 || (id != NULL && strcmp (self->issued_pool.data + issued[match].id, id) != 0))
        {
          add_finding (self, CHAIN_RECONCILE_NOT_ISSUED, cloud_admits (entry), (gssize) index, -1, entry->sha256);
          return;
        }
      issued[match].seen = 1;
      if (issued[match].revoked && enabled)
        add_finding (self, CHAIN_RECONCILE_REVOKED_ENABLED, TRUE, (gssize) index, match, entry->sha256);
      return;
    }

  match = id != NULL ? find_issued_id (self, entry->id_hash, id) : -1;
  if (match < 0)
    {
      add_finding (self, CHAIN_RECONCILE_NOT_ISSUED, cloud_admits (entry), (gssize) index, -1, NULL);
      return;
    }
  {
    gsize end = issued_run_end (self, (gsize) match);
    gsize current = (gsize) match;

    for (gsize i = (gsize) match; i < end; i++)
      {
        issued[i].seen = 1;
        if (issued[i].order > issued[current].order)
          current = i;
      }
    /* Known by id alone (a CA-authenticated hub device, a DPS
     * registration, a thing): its current certificate decides. */
    if (issued[current].revoked && enabled)
      add_finding (self, CHAIN_RECONCILE_REVOKED_ENABLED, TRUE, (gssize) index, (gssize) current,
                   issued[current].sha256);
  }
}

/* Ids issued, in force, and named by no cloud file. */
static void
find_never_seen (ChainReconcile *self)
{
  const IssuedEntry *issued = (const IssuedEntry *) (gpointer) self->issued->data;

  for (gsize first = 0; first < self->issued->len;)
    {
      gsize end = issued_run_end (self, first);
      gboolean seen = FALSE;
      gssize current = -1;

      for (gsize i = first; i < end; i++)
        {
          seen = seen || issued[i].seen;
          if (!issued[i].revoked && (current < 0 || issued[i].order > issued[current].order))
            current = (gssize) i;
        }
      if (seen)
        self->n_seen++;
      else if (current >= 0)
        add_finding (self, CHAIN_RECONCILE_NEVER_SEEN, FALSE, -1, current, NULL);
      first = end;
    }
}

static const char *
finding_id (const ChainReconcile *self,
            const Finding        *finding)
{
  if (finding->issued != 0)
    return self->issued_pool.data + g_array_index (self->issued, IssuedEntry, finding->issued - 1).id;
  if (finding->cloud != 0)
    return self->cloud_pool.data + g_array_index (self->cloud, ChainCloudEntry, finding->cloud - 1).id;
  return "";
}

static guint32
finding_file (const ChainReconcile *self,
              const Finding        *finding)
{
  return finding->cloud != 0 ? g_array_index (self->cloud, ChainCloudEntry, finding->cloud - 1).file : G_MAXUINT32;
}

static int
compare_findings (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const Finding *x = a;
  const Finding *y = b;
  const ChainReconcile *self = user_data;
  guint32 x_file;
  guint32 y_file;

  if (x->needs_action != y->needs_action)
    return x->needs_action ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  x_file = finding_file (self, x);
  y_file = finding_file (self, y);
  if (x_file != y_file)
    return x_file < y_file ? -1 : 1;
  return strcmp (finding_id (self, x), finding_id (self, y));
}

gboolean
chain_reconcile_compare (ChainReconcile *self,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_return_val_if_fail (self != NULL && !self->compared, FALSE);

  self->compared = TRUE;
  g_array_sort_with_data (self->issued, compare_issued, &self->issued_pool);
  self->by_sha256 = g_new (guint32, MAX (self->issued->len, 1));
  for (guint i = 0; i < self->issued->len; i++)
    self->by_sha256[i] = i;
  g_qsort_with_data (self->by_sha256, (gint) self->issued->len, sizeof (guint32), compare_by_sha256,
                     self->issued->data);
  g_array_sort_with_data (self->cloud, compare_cloud, &self->cloud_pool);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  find_ledger_duplicates (self);
  find_cloud_duplicates (self);
  for (gsize i = 0; i < self->cloud->len; i++)
    match_cloud_entry (self, i);
  find_never_seen (self);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  g_array_sort_with_data (self->findings, compare_findings, self);
  return TRUE;
}

/* ---- Reading the findings -------------------------------------------------------------- */

gsize
chain_reconcile_get_n_findings (const ChainReconcile *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->findings->len;
}

gsize
chain_reconcile_get_n_needing_action (const ChainReconcile *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_action;
}

gsize
chain_reconcile_get_n_issued (const ChainReconcile *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->issued->len;
}

gsize
chain_reconcile_get_n_cloud (const ChainReconcile *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->cloud->len;
}

gsize
chain_reconcile_get_n_seen (const ChainReconcile *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_seen;
}

void
chain_reconcile_get_finding (const ChainReconcile  *self,
                             gsize                  index,
                             ChainReconcileFinding *out_finding)
{
  const Finding *finding;

  g_return_if_fail (self != NULL && out_finding != NULL);
  g_return_if_fail (index < self->findings->len);

  finding = &g_array_index (self->findings, Finding, index);
  memset (out_finding, 0, sizeof *out_finding);
  out_finding->kind = finding->kind;
  out_finding->needs_action = finding->needs_action;
  out_finding->format = CHAIN_CLOUD_FORMAT_EMPTY;
  out_finding->cert_sha256 = chain_string_pool_get (&self->finding_pool, finding->sha256);
  if (finding->issued != 0)
    {
      const IssuedEntry *issued = &g_array_index (self->issued, IssuedEntry, finding->issued - 1);

      out_finding->device_id = chain_string_pool_get (&self->issued_pool, issued->id);
      out_finding->serial = chain_string_pool_get (&self->issued_pool, issued->serial);
    }
  if (finding->cloud != 0)
    {
      const ChainCloudEntry *entry = &g_array_index (self->cloud, ChainCloudEntry, finding->cloud - 1);

      if (entry->id != 0)
        out_finding->device_id = chain_string_pool_get (&self->cloud_pool, entry->id);
      out_finding->source = g_ptr_array_index (self->files, entry->file);
      out_finding->format = entry->format;
      out_finding->cloud_status = chain_string_pool_get (&self->cloud_pool, entry->status);
      out_finding->hub = chain_string_pool_get (&self->cloud_pool, entry->hub);
    }
}

const ChainCloudEntry *
chain_reconcile_get_finding_entry (const ChainReconcile *self,
                                   gsize                 index)
{
  const Finding *finding = &g_array_index (self->findings, Finding, index);

  return finding->cloud != 0 ? &g_array_index (self->cloud, ChainCloudEntry, finding->cloud - 1) : NULL;
}
