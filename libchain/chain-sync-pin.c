/* chain-sync-pin.c — the pinned tip: the last tip a workspace verified
 *
 * The pin lives outside git, next to the ledger, so that rewriting the
 * repository cannot move it. Its file is "libchain-pin 1\ncommit HEX\n"
 * and optionally "seq N\n", written with g_file_set_contents_full()
 * (temporary file, fsync, rename) at mode 0600, then the directory fsynced.
 * A re-append's pin is first written beside it as an intent (PIN.next):
 * see chain_sync_pin_intend().
 */
#include "chain-sync-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PIN_MAGIC "libchain-pin 1\n"
#define PIN_MAX_LEN 1024

gboolean
chain_sync_pin_write (const char *pin_path,
                      const char *commit,
                      gint64      seq,
                      GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  git_oid oid;

  g_return_val_if_fail (pin_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (commit == NULL || !chain_git_parse_commit_id (commit, strlen (commit), &oid))
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           commit != NULL ? _("cannot pin that: a tip is a commit id of 40 lower-case hex digits")
                                          : _("cannot pin nothing: a tip is a commit id of 40 lower-case hex digits"));
      return FALSE;
    }
  if (seq >= 0)
    contents = g_strdup_printf (PIN_MAGIC "commit %s\nseq %" G_GINT64_FORMAT "\n", commit, seq);
  else
    contents = g_strdup_printf (PIN_MAGIC "commit %s\n", commit);
  if (!g_file_set_contents_full (pin_path, contents, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write the pinned tip %s: %s"),
                   pin_path, local_error->message);
      return FALSE;
    }
  /* The rename is what makes the new pin durable. */
  chain_git_fsync_parent_dir (pin_path);
  return TRUE;
}

static gboolean
pin_invalid (GError    **error,
             const char *pin_path,
             const char *what)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: "PIN-FILE is not a libchain pin file (WHAT IS WRONG); ..." */
               _("%s is not a libchain pin file (%s); restore it from a backup or remove it "
                 "and pin the tip you trust"), pin_path, what);
  return FALSE;
}

gboolean
chain_sync_pin_read (const char *pin_path,
                     char      **out_commit,
                     gint64     *out_seq,
                     GError    **error)
{
  char buffer[PIN_MAX_LEN + 1];
  struct stat st;
  const char *at;
  const char *end;
  gssize got;
  gsize len = 0;
  gint64 seq = -1;
  git_oid oid;
  int fd;

  g_return_val_if_fail (pin_path != NULL, FALSE);
  g_return_val_if_fail (out_commit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  fd = g_open (pin_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                     _("no tip is pinned in %s yet"), pin_path);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read the pinned tip %s: %s"),
                     pin_path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return pin_invalid (error, pin_path, _("not a regular file"));
    }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    {
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INSECURE,
                   _("%s is writable by others, so its pin cannot be trusted; check it, then "
                     "chmod 600 it"), pin_path);
      return FALSE;
    }
  /* Read one byte past the cap to tell a full file from an oversized one. */
  while (len < sizeof buffer - 1 && (got = read (fd, buffer + len, sizeof buffer - 1 - len)) != 0)
    {
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read the pinned tip %s: %s"),
                       pin_path, g_strerror (saved));
          return FALSE;
        }
      len += (gsize) got;
    }
  close (fd);
  if (len >= PIN_MAX_LEN)
    return pin_invalid (error, pin_path, _("too long"));
  buffer[len] = '\0';
  if (memchr (buffer, '\0', len) != NULL)
    return pin_invalid (error, pin_path, _("a NUL byte"));

  if (!g_str_has_prefix (buffer, PIN_MAGIC))
    return pin_invalid (error, pin_path, _("no libchain-pin header"));
  at = buffer + strlen (PIN_MAGIC);
  end = strchr (at, '\n');
  if (!g_str_has_prefix (at, "commit ") || end == NULL
      || !chain_git_parse_commit_id (at + 7, (gsize) (end - at - 7), &oid))
    return pin_invalid (error, pin_path, _("no commit line"));
  at = end + 1;
  if (g_str_has_prefix (at, "seq "))
    {
      g_autofree char *digits = NULL;
      guint64 value = 0;

      end = strchr (at, '\n');
      if (end == NULL)
        return pin_invalid (error, pin_path, _("an unfinished seq line"));
      digits = g_strndup (at + 4, (gsize) (end - at - 4));
      if (digits[0] == '\0' || (digits[0] == '0' && digits[1] != '\0')
          || !g_ascii_string_to_unsigned (digits, 10, 0, G_MAXINT64, &value, NULL))
        return pin_invalid (error, pin_path, _("a bad seq line"));
      seq = (gint64) value;
      at = end + 1;
    }
  if (*at != '\0')
    return pin_invalid (error, pin_path, _("unexpected lines"));

  *out_commit = g_strndup (buffer + strlen (PIN_MAGIC) + 7, GIT_OID_HEXSZ);
  if (out_seq != NULL)
    *out_seq = seq;
  return TRUE;
}

static char *
pin_intent_path (const char *pin_path)
{
  return g_strconcat (pin_path, ".next", NULL);
}

gboolean
chain_sync_pin_intend (const char *pin_path,
                       const char *commit,
                       gint64      seq,
                       GError    **error)
{
  g_autofree char *intent = pin_intent_path (pin_path);

  return chain_sync_pin_write (intent, commit, seq, error);
}

gboolean
chain_sync_pin_settle (const char    *pin_path,
                       const git_oid *main_tip,
                       GError       **error)
{
  g_autofree char *intent = pin_intent_path (pin_path);
  g_autofree char *commit = NULL;
  g_autoptr(GError) read_error = NULL;
  git_oid intended;

  if (!chain_sync_pin_read (intent, &commit, NULL, &read_error))
    {
      if (g_error_matches (read_error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND))
        return TRUE;
      /* An intent we cannot trust is no pin: drop it, and the pin in
       * force judges main. */
      g_unlink (intent);
      return TRUE;
    }
  if (main_tip == NULL || git_oid_fromstr (&intended, commit) < 0 || !git_oid_equal (&intended, main_tip))
    {
      /* Main never moved: the re-append did not happen. */
      g_unlink (intent);
      return TRUE;
    }
  if (g_rename (intent, pin_path) != 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot write the pinned tip %s: %s"), pin_path,
                   g_strerror (saved));
      return FALSE;
    }
  chain_git_fsync_parent_dir (pin_path);
  return TRUE;
}
