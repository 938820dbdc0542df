/* bench-sign.c — signatures/s of a CA key in a SoftHSM2 token, next to a file key
 *
 *   bench-sign [-n SIGNATURES] [-j THREADS] [-d DIR] [-k]
 *
 * Makes a SoftHSM2 token (its own SOFTHSM2_CONF under DIR) with a P-256
 * key generated inside it, and a P-256 file key, then signs SIGNATURES
 * times a certificate-sized message (SHA-256, ECDSA) on THREADS threads
 * (default 2), the way chain issue's workers sign devices:
 *
 *   1. the file key through chain_key_sign_begin();
 *   2. the token key through chain_key_sign_begin(): libchain's session
 *      pool (chain-key-pkcs11-signer.c);
 *   3. the same token key through libp11 0.4.12's own EVP_PKEY
 *      (PKCS11_get_private_key), which is what libchain used before: one
 *      session per slot, signatures under one lock.
 *
 * Prints signatures/s (wall clock) and signatures per CPU-second of this
 * process, which a shared machine distorts less. -k keeps DIR.
 */
#undef OPENSSL_NO_DEPRECATED
#include "chain.h"
#include "chain-key-pkcs11-private.h"
#include "chain-pki-private.h"
#include "bench-support.h"

#include <glib/gstdio.h>
#include <libp11.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#define SOFTHSM_MODULE "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"
#define PIN "1234"
#define MESSAGE_LEN 400

typedef struct {
  ChainKey *key;         /* or: */
  EVP_PKEY *pkey;        /* signed with directly */
  gint      left;        /* atomic */
  gint      failed;      /* atomic */
} Job;

static gpointer
signer_thread (gpointer data)
{
  Job *job = data;
  guint8 message[MESSAGE_LEN];
  guint8 signature[128];

  memset (message, 0x5a, sizeof message);
  while (g_atomic_int_add (&job->left, -1) > 0)
    {
      size_t len = sizeof signature;
      EVP_MD_CTX *ctx;
      int ok;

      if (job->key != NULL)
        {
          ctx = chain_key_sign_begin (job->key, NULL);
          ok = ctx != NULL && EVP_DigestSign (ctx, signature, &len, message, sizeof message) == 1;
          if (ctx != NULL)
            chain_key_sign_end (job->key, ctx);
        }
      else
        {
          ctx = EVP_MD_CTX_new ();
          ok = EVP_DigestSignInit (ctx, NULL, EVP_sha256 (), NULL, job->pkey) == 1
               && EVP_DigestSign (ctx, signature, &len, message, sizeof message) == 1;
          EVP_MD_CTX_free (ctx);
        }
      if (!ok)
        g_atomic_int_inc (&job->failed);
    }
  return NULL;
}

static void
run (const char *name,
     ChainKey   *key,
     EVP_PKEY   *pkey,
     int         n,
     int         threads)
{
  Job job = { key, pkey, n, 0 };
  g_autoptr(GPtrArray) running = g_ptr_array_new ();
  gint64 start = g_get_monotonic_time ();
  double cpu = bench_cpu_seconds (RUSAGE_SELF);
  double wall;

  for (int i = 0; i < threads; i++)
    g_ptr_array_add (running, g_thread_new ("signer", signer_thread, &job));
  for (guint i = 0; i < running->len; i++)
    g_thread_join (running->pdata[i]);
  wall = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  cpu = bench_cpu_seconds (RUSAGE_SELF) - cpu;
  if (job.failed > 0)
    {
      fprintf (stderr, "bench-sign: %s: %d signatures failed\n", name, job.failed);
      exit (1);
    }
  printf ("%-52s %10.0f %10.0f\n", name, n / wall, cpu > 0 ? n / cpu : 0);
}

/* The token key again, as libp11's own EVP_PKEY. */
static EVP_PKEY *
libp11_key (PKCS11_CTX **out_ctx,
            PKCS11_SLOT **out_slots,
            unsigned int *out_n)
{
  PKCS11_CTX *ctx = PKCS11_CTX_new ();
  PKCS11_SLOT *slots = NULL;
  PKCS11_KEY *keys = NULL;
  unsigned int n = 0;
  unsigned int n_keys = 0;

  if (ctx == NULL || PKCS11_CTX_load (ctx, SOFTHSM_MODULE) != 0
      || PKCS11_enumerate_slots (ctx, &slots, &n) != 0)
    bench_die ("libp11: loading SoftHSM2", NULL);
  for (unsigned int i = 0; i < n; i++)
    if (slots[i].token != NULL && g_strcmp0 (slots[i].token->label, "bench") == 0)
      {
        if (PKCS11_login (&slots[i], 0, PIN) != 0
            || PKCS11_enumerate_keys (slots[i].token, &keys, &n_keys) != 0 || n_keys == 0)
          bench_die ("libp11: the token's key", NULL);
        *out_ctx = ctx;
        *out_slots = slots;
        *out_n = n;
        return PKCS11_get_private_key (&keys[0]);
      }
  bench_die ("libp11: no token 'bench'", NULL);
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("— signatures/s of a CA key in SoftHSM2");
  g_autofree char *dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *tokens = NULL;
  g_autofree char *text = NULL;
  g_autoptr(ChainSecret) pin = chain_secret_new (PIN, strlen (PIN));
  g_autoptr(ChainKey) file_key = NULL;
  ChainKey *token_key;
  EVP_PKEY *p11_pkey;
  PKCS11_CTX *p11_ctx = NULL;
  PKCS11_SLOT *p11_slots = NULL;
  unsigned int p11_n = 0;
  int n = 4000;
  int threads = 2;
  gboolean keep = FALSE;
  int status = 0;
  const GOptionEntry entries[] = {
    { "signatures", 'n', 0, G_OPTION_ARG_INT, &n, "Signatures per key (default 4000)", "N" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &threads, "Threads (default 2)", "N" },
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "Work directory (default: a new temporary one)", "DIR" },
    { "keep", 'k', 0, G_OPTION_ARG_NONE, &keep, "Keep the work directory", NULL },
    { NULL },
  };
  const char *init[] = { "softhsm2-util", "--init-token", "--free", "--label", "bench", "--so-pin", "12345678",
                         "--pin", PIN, NULL };

  g_set_prgname ("bench-sign");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_die ("options", error);
  if (dir == NULL)
    dir = g_dir_make_tmp ("bench-sign-XXXXXX", &error);
  if (dir == NULL || (g_mkdir_with_parents (dir, 0700) != 0))
    bench_die ("work directory", error);
  conf = g_build_filename (dir, "softhsm2.conf", NULL);
  tokens = g_build_filename (dir, "tokens", NULL);
  text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", tokens);
  g_mkdir (tokens, 0700);
  if (!g_file_set_contents (conf, text, -1, &error))
    bench_die ("softhsm2.conf", error);
  g_setenv ("SOFTHSM2_CONF", conf, TRUE);
  if (!g_spawn_sync (NULL, (char **) init, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, NULL, &status, &error) || status != 0)
    bench_die ("softhsm2-util --init-token", error);

  file_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error);
  if (file_key == NULL)
    bench_die ("a file key", error);
  token_key = chain_key_pkcs11_open ("pkcs11:token=bench;object=bench-ca?module-path=" SOFTHSM_MODULE,
                                     CHAIN_KEY_ALGORITHM_EC_P256, pin, &error);
  if (token_key == NULL)
    bench_die ("the token key", error);
  p11_pkey = libp11_key (&p11_ctx, &p11_slots, &p11_n);

  printf ("bench-sign: %d ECDSA P-256 signatures per key, %d threads, %u CPUs\n", n, threads,
          g_get_num_processors ());
  printf ("%-52s %10s %10s\n", "", "sign/s", "per CPU-s");
  run ("file key (chain_key_sign_begin)", file_key, NULL, n, threads);
  run ("SoftHSM2 key, libchain session pool", token_key, NULL, n, threads);
  run ("SoftHSM2 key, libp11's EVP_PKEY (before)", NULL, p11_pkey, n, threads);

  /* The module is initialised once per process: the last user finalises it. */
  chain_key_free (token_key);
  EVP_PKEY_free (p11_pkey);
  PKCS11_release_all_slots (p11_ctx, p11_slots, p11_n);
  PKCS11_CTX_unload (p11_ctx);
  PKCS11_CTX_free (p11_ctx);
  if (!keep)
    {
      const char *rm[] = { "rm", "-rf", dir, NULL };

      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }
  return 0;
}
