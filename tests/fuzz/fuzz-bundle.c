/* fuzz-bundle.c — libFuzzer harness for the bundle import's parsers of
 * outside input: the header parser refuses with a one-line error or accepts
 * a header that ends inside the input, within 64 KiB, naming a tip and at
 * most 256 prerequisites; the pack that follows an accepted header then goes
 * through the pass that bounds what it may inflate (chain-sync-pack-bound.c),
 * which accepts or refuses with a one-line error, within the memory and time
 * libFuzzer allows (its work is bounded by the sizes it checks first). */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chain-sync-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The input as a file, as the import reads it: the pass seeks and reads. */
static int
input_file (const uint8_t *data,
            size_t         size)
{
  int fd = memfd_create ("fuzz-bundle", MFD_CLOEXEC);

  g_assert (fd >= 0);
  for (size_t at = 0; at < size;)
    {
      ssize_t done = write (fd, data + at, size - at);

      g_assert (done > 0);
      at += (size_t) done;
    }
  return fd;
}

static void
check_pack (const uint8_t *data,
            size_t         size,
            gsize          header_len)
{
  g_autoptr(GError) error = NULL;
  int fd = input_file (data, size);

  if (!chain_sync_pack_check_bounds (fd, header_len, size, "fuzz", NULL, &error))
    g_assert (error != NULL && strchr (error->message, '\n') == NULL);
  else
    g_assert (error == NULL);
  close (fd);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(ChainSyncBundleHeader) header = { 0 };
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  if (!chain_sync_bundle_header_parse ((const char *) data, size, "fuzz", &header, &len, &error))
    {
      g_assert (error != NULL && strchr (error->message, '\n') == NULL);
      return 0;
    }
  g_assert (len <= size && len <= 64 * 1024 && !git_oid_is_zero (&header.tip)
            && header.prerequisites->len <= 256);
  check_pack (data, size, len);
  return 0;
}
