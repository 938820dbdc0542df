/* fuzz-replay.c — runs a libFuzzer target over files, without libFuzzer
 *
 * Linked with each fuzz target in the normal build, so the suite replays the
 * seed corpus (and any crash files added to it) through every harness, under
 * the sanitizers when the build has them.
 */
#include <glib.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
replay_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      g_printerr ("%s\n", error->message);
      exit (EXIT_FAILURE);
    }
  LLVMFuzzerTestOneInput ((const guint8 *) data, len);
}

int
main (int argc, char **argv)
{
  guint replayed = 0;

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
          const char *name;

          while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *path = g_build_filename (argv[i], name, NULL);
              replay_file (path);
              replayed++;
            }
        }
      else
        {
          replay_file (argv[i]);
          replayed++;
        }
    }
  if (replayed == 0)
    {
      g_printerr ("no input replayed: pass corpus files or directories\n");
      return EXIT_FAILURE;
    }
  g_print ("replayed %u inputs\n", replayed);
  return EXIT_SUCCESS;
}
