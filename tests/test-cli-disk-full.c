/* test-cli-disk-full.c — a full disk is reported as one, not as a network
 * fault (issue 11 item 13)
 *
 * What `chain sync` fetches into, or `chain issue` writes to, lives on a
 * small tmpfs filled to the last block. Mounting it needs root, or, run as
 * another user, a user and mount namespace of its own (as `unshare -Urm`
 * makes); where neither is allowed the program says why and exits 77
 * (meson: skipped).
 */
#define _GNU_SOURCE
#include "test-cli.h"
#include "test-story.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

static char *tmpdir;
static char *mount_point;
static TestStory *story;

static void
setup (void)
{
  tmpdir = test_support_tmpdir_new ();
  mount_point = g_build_filename (tmpdir, "small-disk", NULL);
  ck_assert_int_eq (g_mkdir (mount_point, 0755), 0);
  ck_assert_msg (mount ("tmpfs", mount_point, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") == 0,
                 "mount tmpfs on %s: %s", mount_point, g_strerror (errno));
  story = test_story_new ();
}

static void
teardown (void)
{
  g_clear_pointer (&story, test_story_free);
  if (mount_point != NULL)
    umount2 (mount_point, MNT_DETACH);
  g_clear_pointer (&mount_point, g_free);
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

/* Writes @path until the file system has no block left. */
static void
fill_disk (const char *path)
{
  static const char block[4096] = { 0 };
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  ck_assert_int_ge (fd, 0);
  for (;;)
    {
      ssize_t n = write (fd, block, sizeof block);

      if (n > 0)
        continue;
      ck_assert_msg (n < 0 && errno == ENOSPC, "filling %s: %s", path, g_strerror (errno));
      break;
    }
  /* Any partial block too. */
  while (write (fd, block, 1) == 1)
    ;
  close (fd);
}

static char *
git_tip (const char *repo)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "git", "--git-dir", repo, "rev-parse", "--verify", "-q", "refs/heads/main", NULL }, &out, &err);

  return status == 0 ? g_strstrip (g_steal_pointer (&out)) : g_strdup ("(none)");
}

/* `chain sync` into a ledger clone on a full disk: exit 1, one line that
 * names the full disk, and the clone's main does not move. */
START_TEST (test_sync_disk_full)
{
  g_autofree char *mirror = g_build_filename (mount_point, "mirror.git", NULL);
  g_autofree char *filler = g_build_filename (mount_point, "filler", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  int status;

  ck_assert_int_eq (test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "git", "init", "--quiet", "--bare", mirror, NULL }, NULL, NULL), 0);
  before = git_tip (mirror);
  fill_disk (filler);

  status = test_cli_chain (NULL, (const char *const[]) { "-C", mirror, "sync", story->path, NULL }, NULL, &err);
  ck_assert_msg (status == 1, "exit %d: %s", status, err);
  test_cli_assert_error_line ("sync on a full disk", err, "is full");
  ck_assert_msg (strstr (err, mount_point) != NULL, "the message names no place on the full disk: %s", err);
  ck_assert_msg (strstr (err, "network") == NULL && strstr (err, "ssh-agent") == NULL,
                 "a full disk blamed on the network: %s", err);
  after = git_tip (mirror);
  ck_assert_str_eq (before, after);

  /* With space again, the same sync works. */
  ck_assert_int_eq (g_unlink (filler), 0);
  g_clear_pointer (&err, g_free);
  status = test_cli_chain (NULL, (const char *const[]) { "-C", mirror, "sync", story->path, NULL }, NULL, &err);
  ck_assert_msg (status == 0, "exit %d: %s", status, err);
}
END_TEST

/* `chain issue` writing its devices to a full disk: exit 1, one line with
 * the system's "No space left on device" and the file, nothing recorded,
 * nothing left in the output directory. */
START_TEST (test_issue_disk_full)
{
  g_autofree char *out_dir = g_build_filename (mount_point, "devices", NULL);
  g_autofree char *filler = g_build_filename (mount_point, "filler", NULL);
  g_autofree char *cm = g_build_filename (tmpdir, "cm-a", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  int status;

  g_free (test_cli_chain_ok (tmpdir, (const char *const[]) { "-q", "-C", "oem", "init", "--org", "Widget Ltd", NULL }));
  g_free (test_cli_chain_ok (tmpdir, (const char *const[]) {
    "-q", "-C", "cm-a", "request", "--org", "CM A", "--tier", "manufacturer", "-o", "cm-a.req", NULL }));
  g_free (test_cli_chain_ok (tmpdir, (const char *const[]) { "-q", "-C", "oem", "delegate", "cm-a.req", "-o", "cm-a.grant", NULL }));
  g_free (test_cli_chain_ok (tmpdir, (const char *const[]) { "-q", "-C", "cm-a", "accept", "cm-a.grant", NULL }));
  before = test_cli_ledger_state (cm);
  fill_disk (filler);

  status = test_cli_chain (tmpdir, (const char *const[]) {
    "-C", "cm-a", "issue", "--count", "20", "--prefix", "dev-", "-o", out_dir, NULL }, NULL, &err);
  ck_assert_msg (status == 1, "exit %d: %s", status, err);
  test_cli_assert_error_line ("issue onto a full disk", err, g_strerror (ENOSPC));
  ck_assert_msg (strstr (err, mount_point) != NULL, "the message names no place on the full disk: %s", err);
  after = test_cli_ledger_state (cm);
  ck_assert_str_eq (before, after);
  ck_assert_msg (!g_file_test (out_dir, G_FILE_TEST_EXISTS), "%s was left behind", out_dir);
}
END_TEST

static Suite *
disk_full_suite (void)
{
  Suite *suite = suite_create ("disk-full");
  TCase *tc = tcase_create ("disk-full");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_sync_disk_full);
  tcase_add_test (tc, test_issue_disk_full);
  suite_add_tcase (suite, tc);
  return suite;
}

static gboolean
write_proc_file (const char *path,
                 const char *text,
                 GError    **error)
{
  int fd = g_open (path, O_WRONLY | O_CLOEXEC, 0);
  gboolean ok = fd >= 0 && write (fd, text, strlen (text)) == (ssize_t) strlen (text);
  int saved = errno;

  if (fd >= 0)
    close (fd);
  if (!ok)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path, g_strerror (saved));
  return ok;
}

/* Becomes root of a user namespace with a mount namespace of its own, as
 * `unshare -Urm` does, so that an ordinary user may mount the tmpfs; the
 * commands the tests run inherit both. */
static gboolean
enter_own_namespaces (GError **error)
{
  g_autofree char *uid_map = g_strdup_printf ("0 %u 1\n", (unsigned) geteuid ());
  g_autofree char *gid_map = g_strdup_printf ("0 %u 1\n", (unsigned) getegid ());

  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "unshare: %s", g_strerror (saved));
      return FALSE;
    }
  return write_proc_file ("/proc/self/setgroups", "deny", error)
         && write_proc_file ("/proc/self/uid_map", uid_map, error)
         && write_proc_file ("/proc/self/gid_map", gid_map, error);
}

int
main (void)
{
  g_autoptr(GError) error = NULL;

  if (geteuid () != 0 && !enter_own_namespaces (&error))
    {
      printf ("SKIP: this test mounts a 1 MiB tmpfs to fill it, which needs root or a user namespace "
              "(%s)\n", error->message);
      return 77;
    }
  return test_support_run_suite (disk_full_suite ());
}
