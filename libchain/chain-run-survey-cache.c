/* chain-run-survey-cache.c — a dead issuing run's survey, kept (see the header) */

#include "chain-run-survey-cache-private.h"
#include "chain-ledger.h"
#include "chain-workspace-private.h"
#include "chain-issue-private.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGING_PREFIX ".staging~"
#define SURVEY_PREFIX "survey-"
#define SURVEY_VERSION 1
/* A line of the version, the key (a SHA-256) and four counts. */
#define SURVEY_MAX_LEN 256

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Adds what @dir_fd/@name is on the disk (or that it is missing). */
static void
stamp_entry (GChecksum  *sum,
             int         dir_fd,
             const char *name)
{
  struct stat st;
  char line[256];

  if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    g_snprintf (line, sizeof line, "%s -\n", name);
  else
    g_snprintf (line, sizeof line, "%s %o %" PRIu64 " %" PRIu64 " %lld.%09ld %lld.%09ld\n", name,
                (unsigned) st.st_mode, (guint64) st.st_ino, (guint64) st.st_size, (long long) st.st_mtim.tv_sec,
                st.st_mtim.tv_nsec, (long long) st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
  g_checksum_update (sum, (const guchar *) line, -1);
}

char *
chain_run_survey_key (ChainWorkspace *workspace,
                      const char     *journal_path,
                      int             out_fd)
{
  ChainLedger *ledger = chain_workspace_get_ledger (workspace);
  const char *tip = chain_ledger_get_tip_commit_id (ledger);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GPtrArray) stagings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *journal_name = g_path_get_basename (journal_path);
  g_autofree char *head = g_strdup_printf ("%s %s %" G_GUINT64_FORMAT " %d\n", journal_name, tip != NULL ? tip : "-",
                                           chain_ledger_get_length (ledger),
                                           chain_workspace_get_state (workspace) != NULL);
  /* Not dup(): that shares the offset the survey's own listing reads from. */
  int dup_fd = openat (out_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *e;

  if (dir == NULL)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return NULL;
    }
  while ((e = readdir (dir)) != NULL)
    if (g_str_has_prefix (e->d_name, STAGING_PREFIX))
      g_ptr_array_add (stagings, g_strdup (e->d_name));
  closedir (dir);
  g_ptr_array_sort (stagings, compare_names);

  g_checksum_update (sum, (const guchar *) head, -1);
  for (guint i = 0; i < stagings->len; i++)
    {
      const char *staging = stagings->pdata[i];
      int staging_fd = openat (out_fd, staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

      stamp_entry (sum, out_fd, staging);
      if (staging_fd < 0)
        continue;
      /* A per-batch chunk's files change in place; a device directory's
       * coming or going changes the staging directory's times. */
      stamp_entry (sum, staging_fd, CHAIN_ISSUE_STAGED_CERTS);
      stamp_entry (sum, staging_fd, CHAIN_ISSUE_STAGED_KEYS);
      close (staging_fd);
    }
  return g_strdup (g_checksum_get_string (sum));
}

static char *
survey_path (const char *journal_path)
{
  g_autofree char *dir = g_path_get_dirname (journal_path);
  g_autofree char *name = g_path_get_basename (journal_path);
  g_autofree char *file = g_strconcat (SURVEY_PREFIX, name, NULL);

  return g_build_filename (dir, file, NULL);
}

gboolean
chain_run_survey_load (const char     *journal_path,
                       const char     *key,
                       ChainRunSurvey *out)
{
  g_autofree char *path = survey_path (journal_path);
  char text[SURVEY_MAX_LEN + 1];
  char kept[65];
  int version = 0;
  ssize_t len;
  int fd;

  if (key == NULL)
    return FALSE;
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return FALSE;
  len = read (fd, text, SURVEY_MAX_LEN);
  close (fd);
  if (len <= 0)
    return FALSE;
  text[len] = '\0';
  if (sscanf (text, "%d %64s %u %u %u %u", &version, kept, &out->found, &out->recorded, &out->unrecorded,
              &out->unreadable) != 6)
    return FALSE;
  if (version != SURVEY_VERSION || strcmp (kept, key) != 0
      || out->found != out->recorded + out->unrecorded + out->unreadable)
    {
      *out = (ChainRunSurvey) { 0 };
      return FALSE;
    }
  return TRUE;
}

void
chain_run_survey_store (const char           *journal_path,
                        const char           *key,
                        const ChainRunSurvey *survey)
{
  g_autofree char *path = survey_path (journal_path);
  g_autofree char *temp = g_strconcat (path, ".XXXXXX", NULL);
  g_autofree char *line = NULL;
  gboolean ok;
  gsize len;
  int fd;

  if (key == NULL)
    return;
  line = g_strdup_printf ("%d %s %u %u %u %u\n", SURVEY_VERSION, key, survey->found, survey->recorded,
                          survey->unrecorded, survey->unreadable);
  len = strlen (line);
  fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  /* No fsync: a survey lost to a crash is only surveyed again. */
  ok = write (fd, line, len) == (ssize_t) len;
  ok = close (fd) == 0 && ok;
  if (!ok || rename (temp, path) != 0)
    unlink (temp);
}

void
chain_run_survey_remove (const char *journal_path)
{
  g_autofree char *path = survey_path (journal_path);

  unlink (path);
}
