/* chain-reconcile-reader.c — cloud registry exports, read as streams
 *
 * A registry export can hold a million devices in a gigabyte: it is never
 * loaded whole. A small scanner walks the outer structure (a top-level
 * array, or an object whose "certificates" or "things" member is the
 * array), copies one element at a time (at most
 * CHAIN_RECONCILE_MAX_ELEMENT bytes) and hands it to the strict parser of
 * chain-json.c. Cloud CLIs print numbers the ledger's JSON refuses (AWS's
 * creationDate is 1569363250.557): the scanner copies every number as a
 * string, since no number matters here.
 */
#include "chain-reconcile-private.h"
#include "chain-error.h"
#include "chain-i18n-private.h"
#include "chain-json.h"

#include <inttypes.h>
#include <string.h>

#define READ_CHUNK (64 * 1024)
/* An object key of the outer object: "certificates", "nextMarker"... */
#define MAX_KEY 1024

typedef struct {
  GInputStream *stream;
  GCancellable *cancellable;
  const char   *name;
  guint8        buf[READ_CHUNK];
  gsize         pos;
  gsize         len;
  guint64       consumed;   /* bytes before buf */
  gboolean      eof;
  GError       *io_error;
} Scanner;

static gboolean
scanner_fill (Scanner *s)
{
  gssize n;

  if (s->pos < s->len)
    return TRUE;
  if (s->eof || s->io_error != NULL)
    return FALSE;
  s->consumed += s->len;
  s->pos = 0;
  s->len = 0;
  n = g_input_stream_read (s->stream, s->buf, sizeof s->buf, s->cancellable, &s->io_error);
  if (n <= 0)
    {
      s->eof = n == 0;
      return FALSE;
    }
  s->len = (gsize) n;
  return TRUE;
}

/* The next byte, or -1 at the end (or on a read error, kept in io_error). */
static int
scanner_peek (Scanner *s)
{
  return scanner_fill (s) ? s->buf[s->pos] : -1;
}

static guint64
scanner_offset (const Scanner *s)
{
  return s->consumed + s->pos;
}

static void
scanner_skip_whitespace (Scanner *s)
{
  int c;

  while ((c = scanner_peek (s)) == ' ' || c == '\t' || c == '\n' || c == '\r')
    s->pos++;
}

/* Sets the error for what stopped the scan at the current byte. */
static gboolean
scanner_fail (Scanner    *s,
              GError    **error,
              const char *expected)
{
  int c;

  if (s->io_error != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   /* Translators: the file's name, then the system's reason. */
                   _("%s: reading failed: %s"), s->name, s->io_error->message);
      return FALSE;
    }
  c = scanner_peek (s);
  if (c < 0)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                 /* Translators: the file's name, then a byte count. */
                 _("%s: truncated: the JSON ends early, at byte %" PRIu64 "; export the list again"),
                 s->name, scanner_offset (s));
  else if (c > 0x20 && c < 0x7f)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                 /* Translators: the file's name, a byte count, a character, then what should
                  * have come there, e.g. "',' or ']'". */
                 _("%s: invalid JSON at byte %" PRIu64 ": unexpected '%c'; expected %s"),
                 s->name, scanner_offset (s), c, expected);
  else
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                 /* Translators: as above, with the byte's value in hex. */
                 _("%s: invalid JSON at byte %" PRIu64 ": unexpected byte 0x%02x; expected %s"),
                 s->name, scanner_offset (s), (guint) c, expected);
  return FALSE;
}

static gboolean
is_number_byte (int c)
{
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Appends @len bytes to @out (unless NULL), failing past @cap. */
static gboolean
take_run (Scanner      *s,
          GByteArray   *out,
          const guint8 *data,
          gsize         len,
          gsize         cap,
          const char   *what,
          GError      **error)
{
  if (out == NULL || len == 0)
    return TRUE;
  if (out->len + len > cap)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the file's name, what is too large (e.g. "device 12"),
                    * then a byte count. */
                   _("%s: %s is larger than %zu bytes; a registry export has no such device"),
                   s->name, what, cap);
      return FALSE;
    }
  g_byte_array_append (out, data, (guint) len);
  return TRUE;
}

static gboolean
is_delimiter (int c)
{
  return c == ',' || c == ']' || c == '}' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies (to @out, unless NULL) or skips the value at the current byte,
 * stopping after it. Numbers are copied as strings. More than @cap bytes
 * copied fails, naming @what. Works on the buffer a run at a time: a
 * byte at a time through a GByteArray costs seconds at a gigabyte. */
static gboolean
scanner_take_value (Scanner    *s,
                    GByteArray *out,
                    gsize       cap,
                    const char *what,
                    GError    **error)
{
  static const guint8 quote = '"';
  guint depth = 0;
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  gboolean in_number = FALSE;
  gboolean in_literal = FALSE;   /* true, false, null at the top */

  for (;;)
    {
      gsize run;
      gboolean done = FALSE;

      if (!scanner_fill (s))
        {
          if ((in_number || in_literal) && depth == 0 && s->io_error == NULL)
            return !in_number || take_run (s, out, &quote, 1, cap, what, error);
          return scanner_fail (s, error, _("the rest of the value"));
        }
      run = s->pos;
      while (s->pos < s->len && !done)
        {
          guint8 c = s->buf[s->pos];

          if (in_string)
            {
              s->pos++;
              if (escaped)
                escaped = FALSE;
              else if (c == '\\')
                escaped = TRUE;
              else if (c == '"')
                {
                  in_string = FALSE;
                  done = depth == 0;
                }
              continue;
            }
          if (in_number && !is_number_byte (c))
            {
              if (!take_run (s, out, s->buf + run, s->pos - run, cap, what, error)
                  || !take_run (s, out, &quote, 1, cap, what, error))
                return FALSE;
              run = s->pos;
              in_number = FALSE;
              if (depth == 0)
                return TRUE;
            }
          if (in_literal && is_delimiter (c))
            {
              done = TRUE;
              break;
            }
          if (!in_number && (c == '-' || (c >= '0' && c <= '9')))
            {
              if (!take_run (s, out, s->buf + run, s->pos - run, cap, what, error)
                  || !take_run (s, out, &quote, 1, cap, what, error))
                return FALSE;
              run = s->pos;
              in_number = TRUE;
            }
          s->pos++;
          if (in_number)
            continue;
          switch (c)
            {
            case '"':
              in_string = TRUE;
              break;
            case '[':
            case '{':
              if (depth >= CHAIN_JSON_MAX_DEPTH)
                {
                  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                               _("%s: invalid JSON at byte %" PRIu64 ": nested deeper than %d levels"),
                               s->name, scanner_offset (s), CHAIN_JSON_MAX_DEPTH);
                  return FALSE;
                }
              depth++;
              break;
            case ']':
            case '}':
              if (depth == 0)
                {
                  s->pos--;
                  return scanner_fail (s, error, _("a value"));
                }
              done = --depth == 0;
              break;
            default:
              if (depth == 0)
                in_literal = TRUE;
              break;
            }
        }
      if (!take_run (s, out, s->buf + run, s->pos - run, cap, what, error))
        return FALSE;
      if (done)
        return TRUE;
    }
}

/* ---- Elements by format ------------------------------------------------------------ */

static const char *
string_member (ChainJson  *object,
               const char *key)
{
  ChainJson *value = object != NULL ? chain_json_object_get_member (object, key) : NULL;

  return value != NULL && chain_json_get_value_type (value) == CHAIN_JSON_STRING ? chain_json_get_string (value)
                                                                                 : NULL;
}

static ChainJson *
object_member (ChainJson  *object,
               const char *key)
{
  ChainJson *value = object != NULL ? chain_json_object_get_member (object, key) : NULL;

  return value != NULL && chain_json_get_value_type (value) == CHAIN_JSON_OBJECT ? value : NULL;
}

/* The element's id member, which must be a non-empty string. */
static const char *
required_id (ChainJson   *element,
             const char  *key,
             const char  *name,
             guint64      index,
             GError     **error)
{
  const char *id = string_member (element, key);

  if (id == NULL || id[0] == '\0')
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the file's name, the element's number from 1, then a JSON key. */
                   _("%s: device %" PRIu64 " has no '%s' string; is the file the command's "
                     "whole JSON output?"), name, index + 1, key);
      return NULL;
    }
  return id;
}

static void
sink_add (ChainCloudSink   *sink,
          ChainCloudFormat  format,
          const char       *id,
          const char       *status,
          const char       *hub,
          const guint8     *sha256,
          guint8            flags)
{
  ChainCloudEntry entry = { 0 };

  entry.id_hash = id != NULL ? chain_reconcile_id_hash (id) : 0;
  entry.id = id != NULL ? chain_string_pool_add (sink->pool, id, strlen (id)) : 0;
  entry.status = status != NULL ? chain_string_pool_add (sink->pool, status, strlen (status)) : 0;
  entry.hub = hub != NULL ? chain_string_pool_add (sink->pool, hub, strlen (hub)) : 0;
  if (sha256 != NULL)
    {
      memcpy (entry.sha256, sha256, CHAIN_RECONCILE_SHA256_LEN);
      flags |= CHAIN_CLOUD_HAS_SHA256;
    }
  entry.file = sink->file;
  entry.format = (guint8) format;
  entry.flags = flags;
  g_array_append_val (sink->entries, entry);
}

/* A device twin (or a device identity: authentication.type and
 * authentication.x509Thumbprint). A self-signed device names its
 * certificate's thumbprint; a SHA-256 one is matched exactly, a SHA-1 one
 * (40 digits) cannot be, and the device is matched by id. */
static gboolean
add_hub_device (ChainCloudSink *sink,
                ChainJson      *element,
                const char     *name,
                guint64         index,
                GError        **error)
{
  const char *id = required_id (element, "deviceId", name, index, error);
  const char *status = string_member (element, "status");
  ChainJson *thumbprints = object_member (element, "x509Thumbprint");
  guint8 flags = status == NULL || strcmp (status, "disabled") != 0 ? CHAIN_CLOUD_ENABLED : 0;
  const char *keys[] = { "primaryThumbprint", "secondaryThumbprint" };
  guint8 sha256[2][CHAIN_RECONCILE_SHA256_LEN];
  guint n = 0;

  if (id == NULL)
    return FALSE;
  if (thumbprints == NULL)
    thumbprints = object_member (object_member (element, "authentication"), "x509Thumbprint");
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *hex = string_member (thumbprints, keys[i]);

      if (hex != NULL && chain_reconcile_sha256_from_hex (hex, strlen (hex), sha256[n])
          && (n == 0 || memcmp (sha256[0], sha256[n], CHAIN_RECONCILE_SHA256_LEN) != 0))
        n++;
    }
  if (n == 0)
    sink_add (sink, CHAIN_CLOUD_FORMAT_AZURE_IOTHUB, id, status, NULL, NULL, flags);
  for (guint i = 0; i < n; i++)
    sink_add (sink, CHAIN_CLOUD_FORMAT_AZURE_IOTHUB, id, status, NULL, sha256[i], flags);
  return TRUE;
}

/* A DPS registration: the registration id is the certificate's CN. Only
 * an assigned (or assigning) registration let the device in. */
static gboolean
add_dps_registration (ChainCloudSink *sink,
                      ChainJson      *element,
                      const char     *name,
                      guint64         index,
                      GError        **error)
{
  const char *id = required_id (element, "registrationId", name, index, error);
  const char *status = string_member (element, "status");
  guint8 flags = 0;

  if (id == NULL)
    return FALSE;
  if (status != NULL && (strcmp (status, "assigned") == 0 || strcmp (status, "assigning") == 0))
    flags = CHAIN_CLOUD_ENABLED;
  sink_add (sink, CHAIN_CLOUD_FORMAT_AZURE_DPS, id, status, string_member (element, "assignedHub"), NULL, flags);
  return TRUE;
}

static gboolean
add_aws_certificate (ChainCloudSink *sink,
                     ChainJson      *element,
                     const char     *name,
                     guint64         index,
                     GError        **error)
{
  const char *id = required_id (element, "certificateId", name, index, error);
  const char *status = string_member (element, "status");
  guint8 sha256[CHAIN_RECONCILE_SHA256_LEN];

  if (id == NULL)
    return FALSE;
  if (!chain_reconcile_sha256_from_hex (id, strlen (id), sha256))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the file's name, then the element's number from 1. */
                   _("%s: certificate %" PRIu64 ": certificateId is not 64 hex digits"),
                   name, index + 1);
      return FALSE;
    }
  sink_add (sink, CHAIN_CLOUD_FORMAT_AWS_CERTIFICATES, NULL, status, NULL, sha256,
            status != NULL && strcmp (status, "ACTIVE") == 0 ? CHAIN_CLOUD_ENABLED : 0);
  return TRUE;
}

static gboolean
add_aws_thing (ChainCloudSink *sink,
               ChainJson      *element,
               const char     *name,
               guint64         index,
               GError        **error)
{
  const char *id = required_id (element, "thingName", name, index, error);

  if (id == NULL)
    return FALSE;
  sink_add (sink, CHAIN_CLOUD_FORMAT_AWS_THINGS, id, NULL, NULL, NULL, CHAIN_CLOUD_NO_STATUS);
  return TRUE;
}

static void
set_unknown_shape (GError    **error,
                   const char *name,
                   const char *what)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: the file's name, then what the file holds instead (e.g. "an
                * object without 'certificates' or 'things'"); keep the commands. */
               _("%s: not a registry export reconcile reads (%s); give the JSON that "
                 "'az iot hub device-identity list', 'az iot dps enrollment-group registration list', "
                 "'aws iot list-certificates-by-ca' or 'aws iot list-things' prints"),
               name, what);
}

/* The format of an array from its first element. */
static gboolean
detect_array_format (ChainJson        *element,
                     const char       *name,
                     ChainCloudFormat *out_format,
                     GError          **error)
{
  if (chain_json_get_value_type (element) == CHAIN_JSON_OBJECT)
    {
      if (chain_json_object_get_member (element, "registrationId") != NULL)
        {
          *out_format = CHAIN_CLOUD_FORMAT_AZURE_DPS;
          return TRUE;
        }
      if (chain_json_object_get_member (element, "deviceId") != NULL)
        {
          *out_format = CHAIN_CLOUD_FORMAT_AZURE_IOTHUB;
          return TRUE;
        }
      set_unknown_shape (error, name, _("an array of objects without 'deviceId' or 'registrationId'"));
      return FALSE;
    }
  set_unknown_shape (error, name, _("an array of something other than objects"));
  return FALSE;
}

/* Streams the array at the current byte ('['). @format is known for an
 * AWS member, CHAIN_CLOUD_FORMAT_EMPTY to detect from the first element. */
static gboolean
read_array (Scanner          *s,
            ChainCloudSink   *sink,
            ChainCloudFormat *format,
            GError          **error)
{
  g_autoptr(GByteArray) element_bytes = g_byte_array_new ();
  guint64 index = 0;

  s->pos++;
  scanner_skip_whitespace (s);
  if (scanner_peek (s) == ']')
    {
      s->pos++;
      return TRUE;
    }
  for (;; index++)
    {
      g_autoptr(ChainJson) element = NULL;
      g_autoptr(GError) parse_error = NULL;
      g_autofree char *what = g_strdup_printf (_("device %" PRIu64), index + 1);
      gboolean ok;

      if (g_cancellable_set_error_if_cancelled (s->cancellable, error))
        return FALSE;
      g_byte_array_set_size (element_bytes, 0);
      if (!scanner_take_value (s, element_bytes, CHAIN_RECONCILE_MAX_ELEMENT, what, error))
        return FALSE;
      element = chain_json_parse (element_bytes->data, element_bytes->len, CHAIN_RECONCILE_MAX_ELEMENT,
                                  &parse_error);
      if (element == NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       /* Translators: the file's name, the element's number from 1, then the
                        * parser's message. */
                       _("%s: device %" PRIu64 ": %s"), s->name, index + 1, parse_error->message);
          return FALSE;
        }
      if (*format == CHAIN_CLOUD_FORMAT_EMPTY && !detect_array_format (element, s->name, format, error))
        return FALSE;
      if (chain_json_get_value_type (element) != CHAIN_JSON_OBJECT)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("%s: device %" PRIu64 " is not a JSON object"), s->name, index + 1);
          return FALSE;
        }
      switch (*format)
        {
        case CHAIN_CLOUD_FORMAT_AZURE_IOTHUB:
          ok = add_hub_device (sink, element, s->name, index, error);
          break;
        case CHAIN_CLOUD_FORMAT_AZURE_DPS:
          ok = add_dps_registration (sink, element, s->name, index, error);
          break;
        case CHAIN_CLOUD_FORMAT_AWS_CERTIFICATES:
          ok = add_aws_certificate (sink, element, s->name, index, error);
          break;
        case CHAIN_CLOUD_FORMAT_AWS_THINGS:
          ok = add_aws_thing (sink, element, s->name, index, error);
          break;
        case CHAIN_CLOUD_FORMAT_EMPTY:
        default:
          g_assert_not_reached ();
        }
      if (!ok)
        return FALSE;
      scanner_skip_whitespace (s);
      if (scanner_peek (s) == ',')
        {
          s->pos++;
          scanner_skip_whitespace (s);
          continue;
        }
      if (scanner_peek (s) == ']')
        {
          s->pos++;
          return TRUE;
        }
      return scanner_fail (s, error, _("',' or ']' in the list"));
    }
}

/* An AWS listing: {"certificates": [...], "nextMarker": ...} or
 * {"things": [...], "nextToken": ...}; other members are skipped. */
static gboolean
read_object (Scanner          *s,
             ChainCloudSink   *sink,
             ChainCloudFormat *format,
             GError          **error)
{
  gboolean found = FALSE;

  s->pos++;
  scanner_skip_whitespace (s);
  if (scanner_peek (s) == '}')
    {
      s->pos++;
      set_unknown_shape (error, s->name, _("an empty object"));
      return FALSE;
    }
  for (;;)
    {
      g_autoptr(GByteArray) key_bytes = g_byte_array_new ();
      g_autoptr(ChainJson) key = NULL;
      g_autoptr(GError) parse_error = NULL;
      ChainCloudFormat member_format = CHAIN_CLOUD_FORMAT_EMPTY;

      if (scanner_peek (s) != '"')
        return scanner_fail (s, error, _("a string as object key"));
      if (!scanner_take_value (s, key_bytes, MAX_KEY, _("an object key"), error))
        return FALSE;
      key = chain_json_parse (key_bytes->data, key_bytes->len, MAX_KEY, &parse_error);
      if (key == NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT, "%s: %s", s->name, parse_error->message);
          return FALSE;
        }
      scanner_skip_whitespace (s);
      if (scanner_peek (s) != ':')
        return scanner_fail (s, error, _("':' after an object key"));
      s->pos++;
      scanner_skip_whitespace (s);
      if (strcmp (chain_json_get_string (key), "certificates") == 0)
        member_format = CHAIN_CLOUD_FORMAT_AWS_CERTIFICATES;
      else if (strcmp (chain_json_get_string (key), "things") == 0)
        member_format = CHAIN_CLOUD_FORMAT_AWS_THINGS;
      if (member_format != CHAIN_CLOUD_FORMAT_EMPTY && scanner_peek (s) == '[' && !found)
        {
          *format = member_format;
          found = TRUE;
          if (!read_array (s, sink, format, error))
            return FALSE;
        }
      else if (!scanner_take_value (s, NULL, 0, NULL, error))
        return FALSE;
      scanner_skip_whitespace (s);
      if (scanner_peek (s) == ',')
        {
          s->pos++;
          scanner_skip_whitespace (s);
          continue;
        }
      if (scanner_peek (s) == '}')
        {
          s->pos++;
          break;
        }
      return scanner_fail (s, error, _("',' or '}' in an object"));
    }
  if (!found)
    {
      set_unknown_shape (error, s->name, _("an object without a 'certificates' or 'things' list"));
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_reconcile_read_cloud (ChainCloudSink   *sink,
                            GInputStream     *stream,
                            const char       *name,
                            ChainCloudFormat *out_format,
                            GCancellable     *cancellable,
                            GError          **error)
{
  g_autofree Scanner *s = g_new0 (Scanner, 1);
  ChainCloudFormat format = CHAIN_CLOUD_FORMAT_EMPTY;
  gboolean ok;
  int c;

  s->stream = stream;
  s->cancellable = cancellable;
  s->name = name;

  /* A UTF-8 byte order mark, as some Windows shells write. */
  if (scanner_peek (s) == 0xef && s->len - s->pos >= 3 && memcmp (s->buf + s->pos, "\xef\xbb\xbf", 3) == 0)
    s->pos += 3;
  scanner_skip_whitespace (s);
  c = scanner_peek (s);
  if (c < 0 && s->io_error == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the file's name; keep the commands. */
                   _("%s: the file is empty; save the JSON a registry listing prints, e.g. "
                     "'az iot hub device-identity list --hub-name HUB > devices.json'"), name);
      return FALSE;
    }
  if (c == '[')
    ok = read_array (s, sink, &format, error);
  else if (c == '{')
    ok = read_object (s, sink, &format, error);
  else if (c < 0)
    ok = scanner_fail (s, error, _("a value"));
  else
    {
      set_unknown_shape (error, name, _("neither a JSON array nor an object"));
      ok = FALSE;
    }
  if (ok)
    {
      scanner_skip_whitespace (s);
      if (scanner_peek (s) >= 0 || s->io_error != NULL)
        ok = scanner_fail (s, error, _("the end of the file"));
    }
  g_clear_error (&s->io_error);
  if (ok && out_format != NULL)
    *out_format = format;
  return ok;
}
