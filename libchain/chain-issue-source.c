/* chain-issue-source.c — where `chain issue` takes its device ids from
 *
 * A count with a prefix, a file or stream of ids (one a line, with a hard
 * line-length cap), or a directory of CSRs. A source hands out one device
 * at a time (chain_issue_source_next()); a count, a regular file and a
 * directory can be read again from the start (chain_issue_source_rewind())
 * for the checking pass.
 */
#include "chain-issue-private.h"
#include "chain-i18n-private.h"

#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

/* Longest line an ids file may hold. */
#define LINE_MAX_LEN 1024

/* How much of an ids stream is buffered. */
#define READ_BUFFER_LEN (64 * 1024)

static int
digits_of (guint64 n)
{
  int width = 1;

  while (n >= 10)
    {
      n /= 10;
      width++;
    }
  return width;
}

ChainIssueSource *
chain_issue_source_new_count (const char *prefix,
                              guint64     first,
                              guint64     count,
                              GError    **error)
{
  ChainIssueSource *self;

  g_return_val_if_fail (prefix != NULL, NULL);

  if (count == 0 || first == 0 || first > G_MAXUINT64 - count)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("the count and first number must be at least 1 and not overflow; give e.g. --count 1000"));
      return NULL;
    }
  if (count > CHAIN_ISSUE_MAX_COUNT)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a run issues at most %" PRIu64 " devices; split a larger count into runs with --start"),
                   (guint64) CHAIN_ISSUE_MAX_COUNT);
      return NULL;
    }
  self = g_new0 (ChainIssueSource, 1);
  self->kind = CHAIN_ISSUE_SOURCE_COUNT;
  self->rewindable = TRUE;
  self->name = g_strdup (_("the count"));
  self->prefix = g_strdup (prefix);
  self->first = first;
  self->count = count;
  self->next = first;
  self->width = digits_of (first + count - 1);
  return self;
}

static ChainIssueSource *
ids_source_new (const char *name)
{
  ChainIssueSource *self = g_new0 (ChainIssueSource, 1);

  self->kind = CHAIN_ISSUE_SOURCE_IDS;
  self->name = g_strdup (name);
  self->buf = g_malloc (READ_BUFFER_LEN);
  return self;
}

ChainIssueSource *
chain_issue_source_new_ids_stream (GInputStream *stream,
                                   const char   *name)
{
  ChainIssueSource *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  self = ids_source_new (name != NULL ? name : "stdin");
  self->stream = g_object_ref (stream);
  return self;
}

static gboolean
open_ids_file (ChainIssueSource *self,
               GError          **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->path);
  g_autoptr(GError) local_error = NULL;
  GFileInputStream *stream = g_file_read (file, NULL, &local_error);

  if (stream == NULL)
    {
      g_set_error (error, CHAIN_ERROR,
                   g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? CHAIN_ERROR_NOT_FOUND
                                                                                 : CHAIN_ERROR_IO,
                   _("cannot read the ids file %s: %s"), self->path, local_error->message);
      return FALSE;
    }
  g_clear_object (&self->stream);
  self->stream = G_INPUT_STREAM (stream);
  self->buf_len = 0;
  self->buf_pos = 0;
  self->eof = FALSE;
  self->line = 0;
  return TRUE;
}

ChainIssueSource *
chain_issue_source_new_ids_file (const char *path,
                                 GError    **error)
{
  g_autoptr(ChainIssueSource) self = NULL;
  struct stat st;

  g_return_val_if_fail (path != NULL, NULL);

  self = ids_source_new (path);
  self->path = g_strdup (path);
  /* Only a regular file reads the same twice; a FIFO is a stream. */
  self->rewindable = stat (path, &st) == 0 && S_ISREG (st.st_mode);
  if (!open_ids_file (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

ChainIssueSource *
chain_issue_source_new_csr_dir (const char      *path,
                                ChainIssueCsrId  id_from,
                                GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  ChainIssueSource *self;
  GDir *dir;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_dir_open (path, 0, &local_error);
  if (dir == NULL)
    {
      g_set_error (error, CHAIN_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? CHAIN_ERROR_NOT_FOUND
                                                                                 : CHAIN_ERROR_IO,
                   _("cannot read the CSR directory: %s"), local_error->message);
      return NULL;
    }
  self = g_new0 (ChainIssueSource, 1);
  self->kind = CHAIN_ISSUE_SOURCE_CSR_DIR;
  self->rewindable = TRUE;
  self->name = g_strdup (path);
  self->path = g_strdup (path);
  self->dir = dir;
  self->id_from = id_from;
  return self;
}

gboolean
chain_issue_source_has_csrs (const ChainIssueSource *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->kind == CHAIN_ISSUE_SOURCE_CSR_DIR;
}

void
chain_issue_source_free (ChainIssueSource *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->prefix);
  g_free (self->path);
  g_clear_object (&self->stream);
  g_free (self->buf);
  if (self->dir != NULL)
    g_dir_close (self->dir);
  g_free (self);
}

gboolean
chain_issue_source_rewind (ChainIssueSource *self,
                           GError          **error)
{
  switch (self->kind)
    {
    case CHAIN_ISSUE_SOURCE_COUNT:
      self->next = self->first;
      return TRUE;
    case CHAIN_ISSUE_SOURCE_IDS:
      return open_ids_file (self, error);
    case CHAIN_ISSUE_SOURCE_CSR_DIR:
    default:
      g_dir_rewind (self->dir);
      return TRUE;
    }
}

/* The next line of an ids source, without its line end; FALSE with no
 * error at the end. */
static gboolean
read_line (ChainIssueSource *self,
           char            **out_line,
           GCancellable     *cancellable,
           GError          **error)
{
  for (;;)
    {
      guint8 *start = self->buf + self->buf_pos;
      gsize avail = self->buf_len - self->buf_pos;
      guint8 *newline = memchr (start, '\n', avail);
      gssize n;

      if (newline != NULL || (self->eof && avail > 0))
        {
          gsize len = newline != NULL ? (gsize) (newline - start) : avail;

          self->line++;
          if (len > LINE_MAX_LEN)
            break;
          self->buf_pos += len + (newline != NULL ? 1 : 0);
          if (len > 0 && start[len - 1] == '\r')
            len--;
          if (memchr (start, '\0', len) != NULL)
            {
              g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           /* Translators: here and below, %s is the file the ids come from, or
                            * 'stdin'. */
                           _("%s line %" PRIu64 " holds a NUL byte; give one device id a line, as text"),
                           self->name, self->line);
              return FALSE;
            }
          *out_line = g_strndup ((const char *) start, len);
          return TRUE;
        }
      if (self->eof)
        return FALSE;
      if (avail > LINE_MAX_LEN)
        {
          self->line++;
          break;
        }
      memmove (self->buf, start, avail);
      self->buf_pos = 0;
      self->buf_len = avail;
      n = g_input_stream_read (self->stream, self->buf + avail, READ_BUFFER_LEN - avail,
                               cancellable, error);
      if (n < 0)
        {
          if (error != NULL && *error != NULL && (*error)->domain != G_IO_ERROR)
            return FALSE;
          if (error != NULL && *error != NULL && !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_autofree char *message = g_strdup ((*error)->message);

              g_clear_error (error);
              g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read %s: %s"), self->name, message);
            }
          return FALSE;
        }
      if (n == 0)
        self->eof = TRUE;
      self->buf_len += (gsize) n;
    }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               _("%s line %" PRIu64 " is longer than %d bytes; give one device id a line"),
               self->name, self->line, LINE_MAX_LEN);
  return FALSE;
}

static gboolean
is_csr_name (const char *name)
{
  return name[0] != '.'
         && (g_str_has_suffix (name, ".csr") || g_str_has_suffix (name, ".pem")
             || g_str_has_suffix (name, ".der"));
}

/* Fills @device with the source's next device; FALSE with no error at the
 * end. */
gboolean
chain_issue_source_next (ChainIssueSource *self,
                         ChainIssueDevice *device,
                         GCancellable     *cancellable,
                         GError          **error)
{
  switch (self->kind)
    {
    case CHAIN_ISSUE_SOURCE_COUNT:
      if (self->next - self->first >= self->count)
        return FALSE;
      device->id = g_strdup_printf ("%s%0*" G_GUINT64_FORMAT, self->prefix, self->width, self->next);
      self->next++;
      return TRUE;

    case CHAIN_ISSUE_SOURCE_IDS:
      for (;;)
        {
          g_autofree char *line = NULL;

          if (!read_line (self, &line, cancellable, error))
            return FALSE;
          if (line[0] == '\0' || line[0] == '#')
            continue;
          device->id = g_steal_pointer (&line);
          device->line = self->line;
          return TRUE;
        }

    case CHAIN_ISSUE_SOURCE_CSR_DIR:
    default:
      for (;;)
        {
          const char *name = g_dir_read_name (self->dir);
          g_autofree char *path = NULL;

          if (name == NULL)
            return FALSE;
          if (!is_csr_name (name))
            continue;
          path = g_build_filename (self->path, name, NULL);
          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          if (self->id_from == CHAIN_ISSUE_CSR_ID_FILE_NAME)
            device->id = g_strndup (name, strlen (name) - 4);
          device->csr_path = g_steal_pointer (&path);
          return TRUE;
        }
    }
}

/* Prefixes @error's message with where @device came from. */
void
chain_issue_source_prefix_error (const ChainIssueSource *source,
                                 const ChainIssueDevice *device,
                                 GError                **error)
{
  if (device->csr_path != NULL)
    g_prefix_error (error, _("CSR %s: "), device->csr_path);
  else if (source->kind == CHAIN_ISSUE_SOURCE_IDS)
    g_prefix_error (error, _("%s line %" PRIu64 ": "), source->name, device->line);
  else
    g_prefix_error (error, _("device %s: "), device->id);
}

