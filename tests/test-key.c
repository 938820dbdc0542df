/* test-key.c — key generation, algorithms, encrypted storage */
#include "test-pki.h"

#include "chain-pki-private.h"

#include <glib/gstdio.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmpdir;
static ChainSecret *passphrase;
static char *passfile;

static void
setup (void)
{
  const guint8 *data;
  gsize len = 0;

  tmpdir = test_support_tmpdir_new ();
  passphrase = test_support_passphrase ();
  data = chain_secret_get_data (passphrase, &len);
  passfile = g_build_filename (tmpdir, "pass", NULL);
  test_support_write_file (passfile, data, len);
  ck_assert_int_eq (g_chmod (passfile, 0600), 0);
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&passfile, g_free);
  g_clear_pointer (&passphrase, chain_secret_free);
}

/* Helpers */

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  ck_assert_ptr_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static char *
path_in_tmpdir (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static char *
public_pem (EVP_PKEY *pkey)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  ck_assert (PEM_write_bio_PUBKEY (bio, pkey));
  len = BIO_get_mem_data (bio, &data);
  return g_strndup (data, (gsize) len);
}

/* Writes an openssl-made private key, encrypted with openssl's PBKDF2
 * PKCS#8, to NAME.enc in tmpdir; returns its path. */
static char *
openssl_encrypted_key (const char *name,
                       const char *const *genpkey_options)
{
  g_autofree char *plain = g_strdup_printf ("%s/%s.pem", tmpdir, name);
  g_autofree char *passout = g_strdup_printf ("file:%s", passfile);
  char *encrypted = g_strdup_printf ("%s/%s.enc", tmpdir, name);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *const *o;

  g_ptr_array_add (argv, (gpointer) "openssl");
  g_ptr_array_add (argv, (gpointer) "genpkey");
  for (o = genpkey_options; *o != NULL; o++)
    g_ptr_array_add (argv, (gpointer) *o);
  g_ptr_array_add (argv, (gpointer) "-out");
  g_ptr_array_add (argv, plain);
  g_ptr_array_add (argv, NULL);
  test_pki_run_ok ((const char *const *) argv->pdata);

  {
    const char *topk8[] = { "openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc",
                            "-in", plain, "-passout", passout, "-out", encrypted, NULL };
    test_pki_run_ok (topk8);
  }
  ck_assert_int_eq (g_chmod (encrypted, 0600), 0);
  return encrypted;
}

/* Algorithm names */

START_TEST (test_algorithm_names_round_trip)
{
  static const struct
  {
    const char *name;
    ChainKeyAlgorithm algorithm;
    gboolean is_rsa;
  } cases[] = {
    { "ec-p256", CHAIN_KEY_ALGORITHM_EC_P256, FALSE },
    { "ec-p384", CHAIN_KEY_ALGORITHM_EC_P384, FALSE },
    { "rsa-2048", CHAIN_KEY_ALGORITHM_RSA_2048, TRUE },
    { "rsa-3072", CHAIN_KEY_ALGORITHM_RSA_3072, TRUE },
    { "rsa-4096", CHAIN_KEY_ALGORITHM_RSA_4096, TRUE },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      ChainKeyAlgorithm a = chain_key_algorithm_from_string (cases[i].name, &error);

      test_assert_no_error (error);
      ck_assert_int_eq (a, cases[i].algorithm);
      ck_assert_str_eq (chain_key_algorithm_to_string (a), cases[i].name);
      ck_assert_int_eq (chain_key_algorithm_is_rsa (a), cases[i].is_rsa);
    }
  ck_assert (!chain_key_algorithm_is_rsa (CHAIN_KEY_ALGORITHM_INVALID));
}
END_TEST

START_TEST (test_algorithm_unknown_refused)
{
  static const char *const names[] = { "rsa-1024", "ec-p521", "ed25519", "", "ec-p256 " };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;

      ck_assert_int_eq (chain_key_algorithm_from_string (names[i], &error),
                        CHAIN_KEY_ALGORITHM_INVALID);
      test_assert_error_names (&error, CHAIN_ERROR_REFUSED, CHAIN_KEY_ALGORITHM_NAMES, NULL);
    }
}
END_TEST

/* Generation */

static const ChainKeyAlgorithm fast_algorithms[] = {
  CHAIN_KEY_ALGORITHM_EC_P256,
  CHAIN_KEY_ALGORITHM_EC_P384,
  CHAIN_KEY_ALGORITHM_RSA_2048,
  CHAIN_KEY_ALGORITHM_RSA_3072,
};

static void
check_generated (ChainKeyAlgorithm algorithm)
{
  g_autoptr(ChainKey) key = test_pki_key (algorithm);
  g_autofree char *sha = chain_key_dup_public_key_sha256 (key);
  EVP_PKEY *pkey = chain_key_get_pkey (key);
  gsize i;

  ck_assert_int_eq (chain_key_get_algorithm (key), algorithm);
  ck_assert_int_eq (chain_pkey_get_algorithm (pkey, NULL), algorithm);
  ck_assert_uint_eq (strlen (sha), 64);
  for (i = 0; i < 64; i++)
    ck_assert (g_ascii_isxdigit (sha[i]) && !g_ascii_isupper (sha[i]));

  if (chain_key_algorithm_is_rsa (algorithm))
    {
      BIGNUM *e = NULL;

      ck_assert (EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_RSA_E, &e));
      ck_assert (BN_is_word (e, 65537));
      BN_free (e);
    }
  else
    {
      char encoding[32] = "";

      ck_assert (EVP_PKEY_get_utf8_string_param (pkey, OSSL_PKEY_PARAM_EC_ENCODING,
                                                 encoding, sizeof encoding, NULL));
      ck_assert_str_eq (encoding, OSSL_PKEY_EC_ENCODING_GROUP);
    }
}

START_TEST (test_generate)
{
  check_generated (fast_algorithms[_i]);
}
END_TEST

/* RSA-4096 is slow: generated once, on its own. */
START_TEST (test_generate_rsa_4096)
{
  check_generated (CHAIN_KEY_ALGORITHM_RSA_4096);
}
END_TEST

START_TEST (test_generate_invalid_refused)
{
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_null (chain_key_generate (CHAIN_KEY_ALGORITHM_INVALID, &error));
  test_assert_error (error, CHAIN_ERROR_REFUSED);
  ck_assert_ptr_null (chain_key_generate ((ChainKeyAlgorithm) 42, &error));
  test_assert_error (error, CHAIN_ERROR_REFUSED);
}
END_TEST

START_TEST (test_generated_keys_differ)
{
  g_autoptr(ChainKey) a = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainKey) b = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autofree char *sha_a = chain_key_dup_public_key_sha256 (a);
  g_autofree char *sha_b = chain_key_dup_public_key_sha256 (b);

  ck_assert_str_ne (sha_a, sha_b);
}
END_TEST

START_TEST (test_signature_digest)
{
  static const struct
  {
    ChainKeyAlgorithm algorithm;
    int md_nid;
  } cases[] = {
    { CHAIN_KEY_ALGORITHM_EC_P256, NID_sha256 },
    { CHAIN_KEY_ALGORITHM_EC_P384, NID_sha384 },
    { CHAIN_KEY_ALGORITHM_RSA_2048, NID_sha256 },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ChainKey) key = test_pki_key (cases[i].algorithm);

      ck_assert_int_eq (EVP_MD_get_type (chain_pkey_signature_digest (chain_key_get_pkey (key))),
                        cases[i].md_nid);
    }
}
END_TEST

START_TEST (test_signature_check_digest)
{
  static const struct
  {
    int nid;
    gboolean ok;
  } cases[] = {
    { NID_sha256WithRSAEncryption, TRUE },
    { NID_sha384WithRSAEncryption, TRUE },
    { NID_sha512WithRSAEncryption, TRUE },
    { NID_ecdsa_with_SHA256, TRUE },
    { NID_ecdsa_with_SHA384, TRUE },
    { NID_ecdsa_with_SHA512, TRUE },
    { NID_sha1WithRSAEncryption, FALSE },
    { NID_ecdsa_with_SHA1, FALSE },
    { NID_md5WithRSAEncryption, FALSE },
    { NID_md2WithRSAEncryption, FALSE },
    { NID_sha224WithRSAEncryption, FALSE },
    { NID_rsassaPss, FALSE },
    { NID_ED25519, FALSE },
    { NID_undef, FALSE },
    { NID_commonName, FALSE },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = chain_signature_check_digest (cases[i].nid, "CSR", &error);

      ck_assert_msg (ok == cases[i].ok, "NID %d: expected %d", cases[i].nid, cases[i].ok);
      if (cases[i].ok)
        {
          test_assert_no_error (error);
        }
      else
        {
          test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "CSR", NULL);
        }
    }
}
END_TEST

START_TEST (test_sha1_message_names_sha1)
{
  g_autoptr(GError) error = NULL;

  ck_assert (!chain_signature_check_digest (NID_sha1WithRSAEncryption, "certificate", &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "SHA1", NULL);
}
END_TEST

START_TEST (test_new_take_refuses_weak_key)
{
  g_autoptr(GError) error = NULL;
  /* Ownership passes even on refusal: ASan would report a leak otherwise. */
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 1024);

  ck_assert_ptr_nonnull (pkey);
  ck_assert_ptr_null (chain_key_new_take (pkey, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED,
                           "RSA key of 1024 bits refused: accepted are " CHAIN_KEY_ALGORITHM_NAMES,
                           NULL);
}
END_TEST

START_TEST (test_new_take_accepts_p256)
{
  g_autoptr(GError) error = NULL;
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  g_autoptr(ChainKey) key = chain_key_new_take (pkey, &error);

  test_assert_no_error (error);
  ck_assert_ptr_eq (chain_key_get_pkey (key), pkey);
  ck_assert_int_eq (chain_key_get_algorithm (key), CHAIN_KEY_ALGORITHM_EC_P256);
}
END_TEST

START_TEST (test_free_null)
{
  chain_key_free (NULL);
}
END_TEST

/* Storage */

static const ChainKeyAlgorithm round_trip_algorithms[] = {
  CHAIN_KEY_ALGORITHM_EC_P256,
  CHAIN_KEY_ALGORITHM_EC_P384,
  CHAIN_KEY_ALGORITHM_RSA_2048,
};

START_TEST (test_save_load_round_trip)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (round_trip_algorithms[_i]);
  g_autoptr(ChainKey) loaded = NULL;
  g_autofree char *path = path_in_tmpdir ("ca.key");
  g_autofree char *sha = chain_key_dup_public_key_sha256 (key);
  g_autofree char *loaded_sha = NULL;

  ck_assert (chain_key_save (key, path, passphrase, &error));
  test_assert_no_error (error);

  loaded = chain_key_load (path, passphrase, &error);
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (loaded);
  ck_assert_int_eq (chain_key_get_algorithm (loaded), round_trip_algorithms[_i]);
  loaded_sha = chain_key_dup_public_key_sha256 (loaded);
  ck_assert_str_eq (loaded_sha, sha);
  /* Private halves match too. */
  ck_assert_int_eq (EVP_PKEY_eq (chain_key_get_pkey (key), chain_key_get_pkey (loaded)), 1);
}
END_TEST

START_TEST (test_save_mode_0600)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autofree char *path = path_in_tmpdir ("ca.key");
  struct stat st;
  mode_t old_umask;
  gboolean ok;

  /* Even a permissive umask must not widen the file's mode. */
  old_umask = umask (0);
  ok = chain_key_save (key, path, passphrase, &error);
  umask (old_umask);
  test_assert_no_error (error);
  ck_assert (ok);
  ck_assert_int_eq (g_stat (path, &st), 0);
  ck_assert_msg ((st.st_mode & 07777) == 0600, "mode %o", (unsigned) (st.st_mode & 07777));
  ck_assert (S_ISREG (st.st_mode));
}
END_TEST

START_TEST (test_save_refuses_existing_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autofree char *path = path_in_tmpdir ("ca.key");
  g_autofree char *contents = NULL;

  test_support_write_file (path, "precious", 8);
  ck_assert (!chain_key_save (key, path, passphrase, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);

  ck_assert (g_file_get_contents (path, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "precious");
  /* pass, ca.key: no temporary file was left behind. */
  ck_assert_uint_eq (count_entries (tmpdir), 2);
}
END_TEST

START_TEST (test_save_refuses_dangling_symlink)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autofree char *path = path_in_tmpdir ("ca.key");
  g_autofree char *target = path_in_tmpdir ("elsewhere");

  ck_assert_int_eq (symlink (target, path), 0);
  ck_assert (!chain_key_save (key, path, passphrase, &error));
  test_assert_error (error, CHAIN_ERROR_EXISTS);
  ck_assert (!g_file_test (target, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_save_refuses_open_directory)
{
  static const unsigned modes[] = { 0755, 0750, 0701, 0770 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autofree char *dir = path_in_tmpdir ("keys");
  g_autofree char *path = g_build_filename (dir, "ca.key", NULL);
  g_autofree char *hint = g_strdup_printf ("chmod 700 %s", dir);
  gsize i;

  ck_assert_int_eq (g_mkdir (dir, 0700), 0);
  for (i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      ck_assert_int_eq (g_chmod (dir, modes[i]), 0);
      ck_assert (!chain_key_save (key, path, passphrase, &error));
      test_assert_error_names (&error, CHAIN_ERROR_INSECURE, hint, NULL);
      ck_assert_uint_eq (count_entries (dir), 0);
    }
}
END_TEST

START_TEST (test_save_missing_directory)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autofree char *path = path_in_tmpdir ("nope/ca.key");

  ck_assert (!chain_key_save (key, path, passphrase, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_save_refuses_short_passphrase)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainSecret) short_pass = chain_secret_new ("1234567", 7);
  g_autoptr(ChainSecret) eight = chain_secret_new ("12345678", 8);
  g_autoptr(GBytes) pem = NULL;
  g_autofree char *path = path_in_tmpdir ("ca.key");

  ck_assert (!chain_key_save (key, path, short_pass, &error));
  test_assert_error (error, CHAIN_ERROR_PASSPHRASE);
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));
  ck_assert_uint_eq (count_entries (tmpdir), 1);

  ck_assert_ptr_null (chain_key_to_encrypted_pem (key, short_pass, &error));
  test_assert_error (error, CHAIN_ERROR_PASSPHRASE);

  /* Exactly 8 bytes is enough. */
  pem = chain_key_to_encrypted_pem (key, eight, &error);
  test_assert_no_error (error);
  ck_assert_ptr_nonnull (pem);
}
END_TEST

START_TEST (test_save_failure_leaves_no_file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_RSA_2048);
  g_autofree char *path = path_in_tmpdir ("ca.key");
  struct rlimit old_limit;
  struct rlimit limit;
  gboolean ok;

  /* A file size limit makes the write fail after the temporary file exists:
   * the nearest thing to a full disk a test can arrange. */
  ck_assert_int_eq (getrlimit (RLIMIT_FSIZE, &old_limit), 0);
  limit = old_limit;
  limit.rlim_cur = 100;
  signal (SIGXFSZ, SIG_IGN);
  ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &limit), 0);
  ok = chain_key_save (key, path, passphrase, &error);
  ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &old_limit), 0);
  signal (SIGXFSZ, SIG_DFL);

  ck_assert (!ok);
  test_assert_error (error, CHAIN_ERROR_IO);
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));
  ck_assert_uint_eq (count_entries (tmpdir), 1); /* only "pass" */
}
END_TEST

START_TEST (test_load_wrong_passphrase)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainSecret) wrong = chain_secret_new ("incorrect horse", 15);
  g_autofree char *path = path_in_tmpdir ("ca.key");
  g_autofree char *expected = NULL;
  int i;

  ck_assert (chain_key_save (key, path, passphrase, &error));
  expected = g_strdup_printf ("wrong passphrase for %s", path);
  /* Several tries: a wrong key gives valid CBC padding 1 time in 256. */
  for (i = 0; i < 3; i++)
    {
      g_autofree char *variant = g_strdup_printf ("incorrect horse %d", i);
      g_autoptr(ChainSecret) other = chain_secret_new (variant, strlen (variant));

      ck_assert_ptr_null (chain_key_load (path, i == 0 ? wrong : other, &error));
      test_assert_error_names (&error, CHAIN_ERROR_PASSPHRASE, expected, NULL);
    }
}
END_TEST

START_TEST (test_load_missing)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in_tmpdir ("absent.key");

  ck_assert_ptr_null (chain_key_load (path, passphrase, &error));
  test_assert_error (error, CHAIN_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_load_refuses_open_file)
{
  static const unsigned modes[] = { 0640, 0604, 0644, 0620 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autofree char *path = path_in_tmpdir ("ca.key");
  g_autofree char *hint = NULL;
  gsize i;

  ck_assert (chain_key_save (key, path, passphrase, &error));
  hint = g_strdup_printf ("chmod 600 %s", path);
  for (i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      ck_assert_int_eq (g_chmod (path, modes[i]), 0);
      ck_assert_ptr_null (chain_key_load (path, passphrase, &error));
      test_assert_error_names (&error, CHAIN_ERROR_INSECURE, hint, NULL);
    }
}
END_TEST

static void
write_private_file (const char *path,
                    const void *data,
                    gsize       len)
{
  test_support_write_file (path, data, len);
  ck_assert_int_eq (g_chmod (path, 0600), 0);
}

START_TEST (test_load_refuses_bad_files)
{
  static const struct
  {
    const char *contents;
    const char *message;
  } cases[] = {
    { "", "not a PEM key file" },
    { "garbage\n", "not a PEM key file" },
    { "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", "CERTIFICATE" },
    { "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n",
      "corrupt" },
    { "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
      "corrupt" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("bad%" G_GSIZE_FORMAT ".key", i);
      g_autofree char *path = path_in_tmpdir (name);

      write_private_file (path, cases[i].contents, strlen (cases[i].contents));
      ck_assert_ptr_null (chain_key_load (path, passphrase, &error));
      test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, cases[i].message, NULL);
    }
}
END_TEST

START_TEST (test_load_refuses_truncated_key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(GBytes) pem = chain_key_to_encrypted_pem (key, passphrase, &error);
  g_autofree char *path = path_in_tmpdir ("cut.key");
  g_autofree char *text = NULL;
  char *middle;

  test_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
  /* Drop the second base64 line, keeping the PEM frame intact. */
  middle = strchr (strchr (text, '\n') + 1, '\n') + 1;
  memmove (strchr (text, '\n') + 1, middle, strlen (middle) + 1);
  write_private_file (path, text, strlen (text));
  ck_assert_ptr_null (chain_key_load (path, passphrase, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_load_refuses_oversized_file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in_tmpdir ("huge.key");
  gsize len = 64 * 1024 + 1;
  g_autofree char *data = g_malloc (len);

  memset (data, 'A', len);
  write_private_file (path, data, len);
  ck_assert_ptr_null (chain_key_load (path, passphrase, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "larger than", NULL);
}
END_TEST

START_TEST (test_load_refuses_directory)
{
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_null (chain_key_load (tmpdir, passphrase, &error));
  test_assert_error (error, CHAIN_ERROR_INVALID_INPUT);
}
END_TEST

START_TEST (test_load_refuses_unencrypted_key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in_tmpdir ("plain.key");
  const char *argv[] = { "openssl", "genpkey", "-algorithm", "EC",
                         "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path, NULL };

  test_pki_run_ok (argv);
  ck_assert_int_eq (g_chmod (path, 0600), 0);
  ck_assert_ptr_null (chain_key_load (path, passphrase, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "unencrypted key refused", NULL);
}
END_TEST

START_TEST (test_load_refuses_traditional_key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = path_in_tmpdir ("plain.key");
  g_autofree char *path = path_in_tmpdir ("traditional.key");
  const char *gen[] = { "openssl", "genpkey", "-algorithm", "EC",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-out", plain, NULL };
  const char *trad[] = { "openssl", "ec", "-in", plain, "-out", path, NULL };

  test_pki_run_ok (gen);
  test_pki_run_ok (trad);
  ck_assert_int_eq (g_chmod (path, 0600), 0);
  ck_assert_ptr_null (chain_key_load (path, passphrase, &error));
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "unencrypted key refused", NULL);
}
END_TEST

static const struct
{
  const char *name;
  const char *options[8];
  const char *message;
} refused_keys[] = {
  { "rsa1024", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", NULL },
    "RSA key of 1024 bits refused: accepted are " CHAIN_KEY_ALGORITHM_NAMES },
  { "rsa2047", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2047", NULL },
    "RSA key of 2047 bits refused" },
  { "rsa-e3", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-pkeyopt", "rsa_keygen_pubexp:3", NULL },
    "RSA key with public exponent 3 refused" },
  { "secp256k1", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", NULL },
    "curve secp256k1 refused: accepted are " CHAIN_KEY_ALGORITHM_NAMES },
  { "p521", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", NULL },
    "curve secp521r1 refused: accepted are " CHAIN_KEY_ALGORITHM_NAMES },
  { "explicit", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-pkeyopt", "ec_param_enc:explicit", NULL },
    "explicit curve parameters refused" },
  { "ed25519", { "-algorithm", "ED25519", NULL },
    "ED25519 key refused: accepted are " CHAIN_KEY_ALGORITHM_NAMES },
  { "rsapss", { "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", NULL },
    "RSA-PSS key refused" },
};

START_TEST (test_load_refuses_algorithm)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = openssl_encrypted_key (refused_keys[_i].name,
                                                 refused_keys[_i].options);

  ck_assert_ptr_null (chain_key_load (path, passphrase, &error));
  test_assert_error_names (&error, CHAIN_ERROR_REFUSED, refused_keys[_i].message, path, NULL);
}
END_TEST

START_TEST (test_load_accepts_openssl_key)
{
  g_autoptr(GError) error = NULL;
  static const char *const options[] = { "-algorithm", "EC", "-pkeyopt",
                                         "ec_paramgen_curve:P-384", NULL };
  g_autofree char *path = openssl_encrypted_key ("p384", options);
  g_autoptr(ChainKey) key = chain_key_load (path, passphrase, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (key);
  ck_assert_int_eq (chain_key_get_algorithm (key), CHAIN_KEY_ALGORITHM_EC_P384);
}
END_TEST

START_TEST (test_file_is_scrypt_aes256)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autofree char *path = path_in_tmpdir ("ca.key");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "openssl", "asn1parse", "-in", path, NULL };
  g_autofree char *contents = NULL;
  const char *scrypt;

  ck_assert (chain_key_save (key, path, passphrase, &error));
  ck_assert (g_file_get_contents (path, &contents, NULL, NULL));
  ck_assert (g_str_has_prefix (contents, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));

  ck_assert_int_eq (test_support_run (argv, NULL, &out, &err), 0);
  ck_assert_msg (strstr (out, ":PBES2") != NULL, "%s", out);
  ck_assert_msg (strstr (out, ":aes-256-cbc") != NULL, "%s", out);
  /* id-scrypt (openssl prints its short name), then the 16-byte salt,
   * N = 2^14, r = 8, p = 1. */
  scrypt = strstr (out, "prim: OBJECT            :scrypt\n");
  ck_assert_msg (scrypt != NULL, "%s", out);
  ck_assert_msg (g_regex_match_simple ("l=  16 prim: OCTET STRING +\\[HEX DUMP\\]:[0-9A-F]{32}\n"
                                       ".*INTEGER +:4000\n.*INTEGER +:08\n.*INTEGER +:01\n",
                                       scrypt, G_REGEX_MULTILINE, 0), "%s", scrypt);
}
END_TEST

START_TEST (test_salt_differs_between_saves)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(GBytes) a = chain_key_to_encrypted_pem (key, passphrase, &error);
  g_autoptr(GBytes) b = chain_key_to_encrypted_pem (key, passphrase, &error);

  test_assert_no_error (error);
  ck_assert (!g_bytes_equal (a, b));
}
END_TEST

START_TEST (test_openssl_reads_our_key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainKey) key = test_pki_key (round_trip_algorithms[_i]);
  g_autofree char *path = path_in_tmpdir ("ca.key");
  g_autofree char *passin = g_strdup_printf ("file:%s", passfile);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *ours = public_pem (chain_key_get_pkey (key));
  const char *argv[] = { "openssl", "pkey", "-in", path, "-passin", passin, "-pubout", NULL };

  ck_assert (chain_key_save (key, path, passphrase, &error));
  ck_assert_msg (test_support_run (argv, NULL, &out, &err) == 0, "%s", err);
  ck_assert_str_eq (out, ours);
}
END_TEST

static Suite *
key_suite (void)
{
  Suite *s = suite_create ("key");
  TCase *tc;

  tc = tcase_create ("algorithms");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_algorithm_names_round_trip);
  tcase_add_test (tc, test_algorithm_unknown_refused);
  tcase_add_loop_test (tc, test_generate, 0, G_N_ELEMENTS (fast_algorithms));
  tcase_add_test (tc, test_generate_invalid_refused);
  tcase_add_test (tc, test_generated_keys_differ);
  tcase_add_test (tc, test_signature_digest);
  tcase_add_test (tc, test_signature_check_digest);
  tcase_add_test (tc, test_sha1_message_names_sha1);
  tcase_add_test (tc, test_new_take_refuses_weak_key);
  tcase_add_test (tc, test_new_take_accepts_p256);
  tcase_add_test (tc, test_free_null);
  suite_add_tcase (s, tc);

  tc = tcase_create ("slow");
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_generate_rsa_4096);
  suite_add_tcase (s, tc);

  tc = tcase_create ("storage");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_save_load_round_trip, 0, G_N_ELEMENTS (round_trip_algorithms));
  tcase_add_test (tc, test_save_mode_0600);
  tcase_add_test (tc, test_save_refuses_existing_path);
  tcase_add_test (tc, test_save_refuses_dangling_symlink);
  tcase_add_test (tc, test_save_refuses_open_directory);
  tcase_add_test (tc, test_save_missing_directory);
  tcase_add_test (tc, test_save_refuses_short_passphrase);
  tcase_add_test (tc, test_save_failure_leaves_no_file);
  tcase_add_test (tc, test_load_wrong_passphrase);
  tcase_add_test (tc, test_load_missing);
  tcase_add_test (tc, test_load_refuses_open_file);
  tcase_add_test (tc, test_load_refuses_bad_files);
  tcase_add_test (tc, test_load_refuses_truncated_key);
  tcase_add_test (tc, test_load_refuses_oversized_file);
  tcase_add_test (tc, test_load_refuses_directory);
  tcase_add_test (tc, test_load_refuses_unencrypted_key);
  tcase_add_test (tc, test_load_refuses_traditional_key);
  tcase_add_loop_test (tc, test_load_refuses_algorithm, 0, G_N_ELEMENTS (refused_keys));
  tcase_add_test (tc, test_load_accepts_openssl_key);
  tcase_add_test (tc, test_file_is_scrypt_aes256);
  tcase_add_test (tc, test_salt_differs_between_saves);
  tcase_add_loop_test (tc, test_openssl_reads_our_key, 0, G_N_ELEMENTS (round_trip_algorithms));
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  return test_support_run_suite (key_suite ());
}
