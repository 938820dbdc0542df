/* chain-receive-queue.c — pushes into a hosted ledger judged one at a time */
#include "chain-receive-queue-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "chain-error.h"

#define QUEUE_LOCK_FILE "chain-receive.lock"

int
chain_receive_queue_enter (const char  *repo_path,
                           GError     **error)
{
  g_autofree char *path = g_build_filename (repo_path, QUEUE_LOCK_FILE, NULL);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot open %s: %s; the hook needs to write in the repository"),
                   path, g_strerror (saved));
      return -1;
    }
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        int saved = errno;

        close (fd);
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot lock %s: %s"), path, g_strerror (saved));
        return -1;
      }
  return fd;
}

void
chain_receive_queue_leave (int fd)
{
  /* Closing the descriptor releases the lock. */
  if (fd >= 0)
    close (fd);
}

gboolean
chain_receive_lost_race (git_repository *hosted,
                         const char     *old_id)
{
  git_oid current;
  char hex[GIT_OID_HEXSZ + 1];

  if (git_reference_name_to_id (&current, hosted, "refs/heads/main") < 0)
    {
      git_error_clear ();
      /* No main: only a push that creates it can land. */
      return strspn (old_id, "0") != strlen (old_id);
    }
  git_oid_tostr (hex, sizeof hex, &current);
  return g_ascii_strcasecmp (hex, old_id) != 0;
}
