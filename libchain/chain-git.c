/* chain-git.c — libchain's boundary with libgit2 (chain-git-private.h) */
#include "chain-git-private.h"
#include "chain-i18n-private.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

char *
chain_git_take_reason (const char *fallback)
{
  const git_error *last = git_error_last ();
  g_autofree char *reason = NULL;

  /* git_error_last() may be NULL on libgit2 1.5, or stale from earlier. */
  if (last != NULL && last->message != NULL && last->message[0] != '\0')
    {
      reason = g_strdup (last->message);
      g_strdelimit (reason, "\r\n", ' ');
      g_strstrip (reason);
    }
  git_error_clear ();
  return reason != NULL ? g_steal_pointer (&reason) : g_strdup (fallback);
}

gboolean
chain_git_error (GError    **error,
                 int         status,
                 const char *format,
                 ...)
{
  g_autofree char *reason = chain_git_take_reason (NULL);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (reason != NULL)
    /* Translators: a message, then the reason libgit2 gives */
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("%s: %s"), message, reason);
  else
    /* Translators: a message, then libgit2's numeric error code */
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("%s (libgit2 error %d)"), message,
                 status);
  return FALSE;
}

/* Exactly 40 lower-case hex digits naming something other than zero. */
gboolean
chain_git_parse_commit_id (const char *text,
                           gsize       len,
                           git_oid    *out)
{
  if (text == NULL || len != GIT_OID_HEXSZ)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
      return FALSE;
  return git_oid_fromstrn (out, text, len) == 0 && !git_oid_is_zero (out);
}

gboolean
chain_git_fsync_parent_dir (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}
