/* chain-issue-output.c — the files `chain issue` writes
 *
 * Each chunk is written under DIR/.staging~N ('~' is in no device id, so
 * the name never meets a device's) and moved into DIR device by device
 * with renameat2(RENAME_NOREPLACE) once its record has landed. Files are
 * created with O_EXCL and their final modes; nothing is fsynced one by
 * one: one syncfs() before the record and one after the move make a chunk
 * durable at the cost of two system calls.
 *
 * The per-batch layout stages a chunk as two files, .staging~N/certs.pem
 * and keys.pem, written in order by the recorder (one write each), and
 * publishes them as batch-N.pem and batch-N.key.pem: two files a batch
 * instead of a directory and three files a device.
 *
 * Keys: the key-encryption key is derived once per run (see
 * CHAIN_ISSUE_KEY_ITERATIONS); each key.pem is then one AES-256-CBC
 * encryption under a fresh IV, wrapped as the PBES2 EncryptedPrivateKeyInfo
 * any PKCS#8 reader derives the same key from.
 */
#define _GNU_SOURCE

#include "chain-issue-private.h"
#include "chain-armor-private.h"
#include "chain-i18n-private.h"
#include "chain-manifest-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>

#define MANIFEST_CSV "manifest.csv"
#define MANIFEST_JSON "manifest.json"
#define STAGING_FORMAT ".staging~%06" G_GUINT64_FORMAT

#define KEK_LEN 32
#define KEY_SALT_LEN 16
#define KEY_IV_LEN 16

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS12, PKCS12_free)

struct _ChainIssueOutput {
  char              *dir;
  ChainIssueLayout   layout;
  int                dir_fd;
  gboolean           created_dir;
  gboolean           published;       /* a chunk is in place: keep the output */

  GBytes            *chain_pem;       /* what chain.pem carries after the leaf */
  GPtrArray         *chain;           /* ChainCert, for device.p12 */
  gboolean           keys;
  gboolean           pkcs12;
  const ChainSecret *passphrase;
  EVP_CIPHER        *cipher;
  guint8            *kek;             /* KEK_LEN bytes, wiped on free */
  guint8             salt[KEY_SALT_LEN];

  char              *csv_path;
  char              *json_path;
  FILE              *csv;
  FILE              *json;
  guint64            json_devices;
};

/* ---- Small file helpers ---------------------------------------------------- */

/* What failed on a file or directory, for set_io_error(). */
typedef enum {
  IO_CREATE,
  IO_WRITE,
  IO_INSPECT,
  IO_READ,
  IO_OPEN,
  IO_SYNC,
  IO_WRITE_MANIFESTS_IN,
  IO_MOVE_FILES_TO,
} IoOperation;

static gboolean
set_io_error (GError      **error,
              int           saved_errno,
              IoOperation   operation,
              const char   *path)
{
  const char *reason = g_strerror (saved_errno);

  switch (operation)
    {
    case IO_CREATE:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   /* Translators: in these, %s is a path, then the system's reason. */
                   _("cannot create %s: %s; check the disk and permissions"), path, reason);
      break;
    case IO_WRITE:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot write %s: %s; check the disk and permissions"), path, reason);
      break;
    case IO_INSPECT:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot inspect %s: %s; check the disk and permissions"), path, reason);
      break;
    case IO_READ:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot read %s: %s; check the disk and permissions"), path, reason);
      break;
    case IO_OPEN:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot open %s: %s; check the disk and permissions"), path, reason);
      break;
    case IO_SYNC:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot sync %s: %s; check the disk and permissions"), path, reason);
      break;
    case IO_WRITE_MANIFESTS_IN:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot write the manifests in %s: %s; check the disk and permissions"), path, reason);
      break;
    case IO_MOVE_FILES_TO:
    default:
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot move the device's files to %s: %s; check the disk and permissions"), path, reason);
      break;
    }
  return FALSE;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = EIO;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Creates @name in @dir_fd (which must not hold it) with exactly @mode. */
static gboolean
write_file_at (int           dir_fd,
               const char   *name,
               const guint8 *data,
               gsize         len,
               mode_t        mode,
               const char   *shown,
               GError      **error)
{
  int fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  int saved;

  if (fd < 0)
    return set_io_error (error, errno, IO_CREATE, shown);
  /* The umask may only have narrowed the mode; make it exact. */
  if (fchmod (fd, mode) != 0 || !write_all (fd, data, len))
    {
      saved = errno;
      close (fd);
      return set_io_error (error, saved, IO_WRITE, shown);
    }
  if (close (fd) != 0)
    return set_io_error (error, errno, IO_WRITE, shown);
  return TRUE;
}

/* Removes @name under @dir_fd and everything in it; best effort. */
void
chain_issue_output_remove_tree_at (int         dir_fd,
                                   const char *name)
{
  int fd;
  DIR *d;
  struct dirent *entry;

  if (unlinkat (dir_fd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
    return;
  fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return;
    }
  while ((entry = readdir (d)) != NULL)
    {
      if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
        continue;
      chain_issue_output_remove_tree_at (dirfd (d), entry->d_name);
    }
  closedir (d);
  unlinkat (dir_fd, name, AT_REMOVEDIR);
}

/* ---- Checks ---------------------------------------------------------------- */

gboolean
chain_issue_output_check_dir (const char *dir,
                              GError    **error)
{
  struct stat st;
  GDir *d;
  gboolean empty;

  if (stat (dir, &st) != 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return set_io_error (error, errno, IO_INSPECT, dir);
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                   _("%s exists and is not a directory; give a new or empty directory for the output"), dir);
      return FALSE;
    }
  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return set_io_error (error, EACCES, IO_READ, dir);
  empty = g_dir_read_name (d) == NULL;
  g_dir_close (d);
  if (!empty)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                   _("%s is not empty; give a new or empty directory so runs never mix"), dir);
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_issue_output_check_id (const char *id,
                             GError    **error)
{
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0
      || strcmp (id, MANIFEST_CSV) == 0 || strcmp (id, MANIFEST_JSON) == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("device id '%s' cannot name the device's directory in the output; choose another id"), id);
      return FALSE;
    }
  return TRUE;
}

/* ---- Setting up ------------------------------------------------------------ */

static GBytes *
concat_pems (GPtrArray *chain)
{
  GByteArray *out = g_byte_array_new ();

  for (guint i = 0; i < chain->len; i++)
    {
      g_autoptr(GBytes) pem = chain_cert_to_pem (g_ptr_array_index (chain, i));
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (pem, &len);

      g_byte_array_append (out, data, (guint) len);
    }
  return g_byte_array_free_to_bytes (out);
}

static FILE *
create_manifest (ChainIssueOutput *self,
                 const char       *name,
                 char            **out_path,
                 GError          **error)
{
  int fd;
  FILE *f;

  *out_path = g_build_filename (self->dir, name, NULL);
  fd = openat (self->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    {
      set_io_error (error, errno, IO_CREATE, *out_path);
      return NULL;
    }
  f = fdopen (fd, "w");
  if (f == NULL)
    {
      set_io_error (error, errno, IO_OPEN, *out_path);
      close (fd);
    }
  return f;
}

ChainIssueOutput *
chain_issue_output_new (const char        *dir,
                        ChainIssueLayout   layout,
                        GPtrArray         *chain,
                        gboolean           keys,
                        gboolean           pkcs12,
                        const ChainSecret *passphrase,
                        const char        *issuer_thumbprint,
                        const char        *ledger_id,
                        GError           **error)
{
  g_autoptr(ChainIssueOutput) self = g_new0 (ChainIssueOutput, 1);
  g_autoptr(ChainJson) head = chain_json_new_object ();
  g_autoptr(GBytes) head_bytes = NULL;
  gsize head_len = 0;
  const char *head_data;

  self->dir_fd = -1;
  self->dir = g_strdup (dir);
  self->layout = layout;
  self->keys = keys;
  self->pkcs12 = pkcs12 && keys;
  self->passphrase = passphrase;
  self->chain = g_ptr_array_ref (chain);
  self->chain_pem = concat_pems (chain);

  if (!chain_issue_output_check_dir (dir, error))
    return NULL;
  /* Keys made here: only the owner may even list the devices. */
  if (mkdir (dir, keys ? 0700 : 0755) == 0)
    self->created_dir = TRUE;
  else if (errno != EEXIST)
    {
      set_io_error (error, errno, IO_CREATE, dir);
      return NULL;
    }
  self->dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->dir_fd < 0)
    {
      set_io_error (error, errno, IO_OPEN, dir);
      return NULL;
    }

  if (keys)
    {
      gsize pass_len = 0;
      const guint8 *pass = chain_secret_get_data (passphrase, &pass_len);

      self->cipher = EVP_CIPHER_fetch (NULL, "AES-256-CBC", NULL);
      self->kek = g_malloc (KEK_LEN);
      if (self->cipher == NULL
          || RAND_bytes (self->salt, sizeof self->salt) != 1
          || !PKCS5_PBKDF2_HMAC ((const char *) pass, (int) pass_len, self->salt, sizeof self->salt,
                                 CHAIN_ISSUE_KEY_ITERATIONS, EVP_sha256 (), KEK_LEN, self->kek))
        {
          chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot derive the key-encryption key"));
          return NULL;
        }
    }

  /* Before any device: a run killed later is finished without knowing
   * which CAs this one chose to carry. */
  if (layout == CHAIN_ISSUE_LAYOUT_PER_BATCH
      && !write_file_at (self->dir_fd, CHAIN_ISSUE_CA_CHAIN, g_bytes_get_data (self->chain_pem, NULL),
                         g_bytes_get_size (self->chain_pem), 0644, dir, error))
    return NULL;
  self->csv = create_manifest (self, MANIFEST_CSV, &self->csv_path, error);
  if (self->csv == NULL)
    return NULL;
  self->json = create_manifest (self, MANIFEST_JSON, &self->json_path, error);
  if (self->json == NULL)
    return NULL;
  fputs (CHAIN_MANIFEST_OUTPUT_HEADER, self->csv);

  /* manifest.json is streamed: this head, then the devices as their
   * records land, then the records (chain_issue_output_finish()). */
  chain_json_object_set_integer (head, "version", 1);
  chain_json_object_set_string (head, "issuer", issuer_thumbprint);
  chain_json_object_set_string (head, "ledger", ledger_id);
  head_bytes = chain_json_to_canonical (head);
  head_data = g_bytes_get_data (head_bytes, &head_len);
  fwrite (head_data, 1, head_len - 1, self->json);   /* without the closing brace */
  fputs (",\"devices\":[", self->json);
  return g_steal_pointer (&self);
}

/* ---- Chunks ---------------------------------------------------------------- */

static char *
staging_name (guint64 index)
{
  return g_strdup_printf (STAGING_FORMAT, index);
}

gboolean
chain_issue_output_begin_chunk (ChainIssueOutput *self,
                                guint64           index,
                                GError          **error)
{
  g_autofree char *name = staging_name (index);

  if (mkdirat (self->dir_fd, name, 0700) != 0)
    {
      g_autofree char *path = g_build_filename (self->dir, name, NULL);

      return set_io_error (error, errno, IO_CREATE, path);
    }
  return TRUE;
}

/* ---- Keys and PKCS#12 -------------------------------------------------------- */

/* Appends a DER length to @der. */
static void
der_put_len (GByteArray *der,
             gsize       len)
{
  guint8 bytes[3] = { 0x81, 0, 0 };

  if (len < 0x80)
    {
      bytes[0] = (guint8) len;
      g_byte_array_append (der, bytes, 1);
    }
  else
    {
      g_assert (len <= 0xff);
      bytes[1] = (guint8) len;
      g_byte_array_append (der, bytes, 2);
    }
}

static void
der_put (GByteArray   *der,
         guint8        tag,
         const guint8 *content,
         gsize         len)
{
  g_byte_array_append (der, &tag, 1);
  der_put_len (der, len);
  g_byte_array_append (der, content, (guint) len);
}

/* Returns: (transfer full): @key's PrivateKeyInfo. For EC keys it is put
 * together here, as RFC 5915's ECPrivateKey (version 1, the scalar, the
 * public point; the curve is named once, in the AlgorithmIdentifier):
 * OpenSSL 3's encoder behind EVP_PKEY2PKCS8() costs more than the
 * signature. The buffers that held the scalar are wiped. */
static PKCS8_PRIV_KEY_INFO *
private_key_info (ChainKey *key)
{
  EVP_PKEY *pkey = chain_key_get_pkey (key);
  ChainKeyAlgorithm algorithm = chain_key_get_algorithm (key);
  g_autoptr(PKCS8_PRIV_KEY_INFO) p8inf = NULL;
  g_autoptr(GByteArray) body = NULL;
  g_autoptr(GByteArray) seq = NULL;
  BIGNUM *d = NULL;
  guint8 scalar[48];
  guint8 point[1 + 2 * 48];
  guint8 bits[2 + 1 + sizeof point];
  gsize point_len = 0;
  gsize field;
  unsigned char *encoded = NULL;
  int curve;
  gboolean ok;

  if (algorithm != CHAIN_KEY_ALGORITHM_EC_P256 && algorithm != CHAIN_KEY_ALGORITHM_EC_P384)
    return EVP_PKEY2PKCS8 (pkey);
  field = algorithm == CHAIN_KEY_ALGORITHM_EC_P256 ? 32 : 48;
  curve = algorithm == CHAIN_KEY_ALGORITHM_EC_P256 ? NID_X9_62_prime256v1 : NID_secp384r1;
  ok = EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d)
       && BN_bn2binpad (d, scalar, (int) field) == (int) field
       && chain_key_copy_ec_point (key, point, sizeof point, &point_len)
       && point_len == 1 + 2 * field;
  BN_clear_free (d);
  if (!ok)
    {
      OPENSSL_cleanse (scalar, sizeof scalar);
      return NULL;
    }

  /* ECPrivateKey ::= SEQUENCE { 1, OCTET STRING d, [1] BIT STRING Q } */
  body = g_byte_array_sized_new (160);
  g_byte_array_append (body, (const guint8 *) "\x02\x01\x01", 3);
  der_put (body, 0x04, scalar, field);
  bits[0] = 0x03;
  bits[1] = (guint8) (point_len + 1);
  bits[2] = 0x00;
  memcpy (bits + 3, point, point_len);
  der_put (body, 0xa1, bits, point_len + 3);
  seq = g_byte_array_sized_new (body->len + 3);
  der_put (seq, 0x30, body->data, body->len);
  OPENSSL_cleanse (scalar, sizeof scalar);
  OPENSSL_cleanse (body->data, body->len);

  encoded = OPENSSL_memdup (seq->data, seq->len);
  p8inf = PKCS8_PRIV_KEY_INFO_new ();
  ok = encoded != NULL && p8inf != NULL
       && PKCS8_pkey_set0 (p8inf, OBJ_nid2obj (NID_X9_62_id_ecPublicKey), 0, V_ASN1_OBJECT,
                           OBJ_nid2obj (curve), encoded, (int) seq->len);
  if (!ok && encoded != NULL)
    OPENSSL_clear_free (encoded, seq->len);
  OPENSSL_cleanse (seq->data, seq->len);
  return ok ? g_steal_pointer (&p8inf) : NULL;
}

/* Returns: (transfer full): @key as PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)
 * EncryptedPrivateKeyInfo under the run's key-encryption key. */
static X509_SIG *
encrypt_key (ChainIssueOutput *self,
             ChainKey         *key,
             GError          **error)
{
  g_autoptr(PKCS8_PRIV_KEY_INFO) p8inf = NULL;
  g_autoptr(EVP_CIPHER_CTX) ctx = NULL;
  g_autoptr(X509_ALGOR) pbe = NULL;
  g_autoptr(X509_SIG) sig = NULL;
  X509_ALGOR *sig_alg = NULL;
  ASN1_OCTET_STRING *sig_data = NULL;
  unsigned char *plain = NULL;
  unsigned char *encrypted = NULL;
  unsigned char iv[KEY_IV_LEN];
  int plain_len;
  int n1 = 0;
  int n2 = 0;
  gboolean ok = FALSE;

  /* PKCS8_PRIV_KEY_INFO_free() wipes the plaintext key it holds. */
  p8inf = private_key_info (key);
  if (p8inf == NULL)
    goto out;
  plain_len = i2d_PKCS8_PRIV_KEY_INFO (p8inf, &plain);
  if (plain_len <= 0)
    goto out;
  encrypted = OPENSSL_malloc ((size_t) plain_len + KEY_IV_LEN);
  ctx = EVP_CIPHER_CTX_new ();
  if (encrypted == NULL || ctx == NULL
      || RAND_bytes (iv, sizeof iv) != 1
      || !EVP_EncryptInit_ex2 (ctx, self->cipher, self->kek, iv, NULL)
      || !EVP_EncryptUpdate (ctx, encrypted, &n1, plain, plain_len)
      || !EVP_EncryptFinal_ex (ctx, encrypted + n1, &n2))
    goto out;
  pbe = PKCS5_pbe2_set_iv (self->cipher, CHAIN_ISSUE_KEY_ITERATIONS, self->salt, sizeof self->salt,
                           iv, NID_hmacWithSHA256);
  sig = X509_SIG_new ();
  if (pbe == NULL || sig == NULL)
    goto out;
  X509_SIG_getm (sig, &sig_alg, &sig_data);
  if (!X509_ALGOR_copy (sig_alg, pbe) || !ASN1_OCTET_STRING_set (sig_data, encrypted, n1 + n2))
    goto out;
  ok = TRUE;

out:
  if (plain != NULL)
    OPENSSL_clear_free (plain, (size_t) plain_len);
  OPENSSL_free (encrypted);
  if (!ok)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot encrypt the device key"));
      return NULL;
    }
  return g_steal_pointer (&sig);
}

static GBytes *
sig_to_pem (X509_SIG *sig,
            GError  **error)
{
  unsigned char *der = NULL;
  int len = i2d_X509_SIG (sig, &der);
  GBytes *pem;

  if (len <= 0)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot encode the device key"));
      return NULL;
    }
  pem = chain_armor_encode (PEM_STRING_PKCS8, der, (gsize) len);
  OPENSSL_free (der);
  return pem;
}

/* Adds @x as a certificate bag, with @id as its friendlyName and
 * @local_key_id when given (the leaf). */
static gboolean
add_cert_bag (STACK_OF (PKCS12_SAFEBAG) **bags,
              X509                       *x,
              const char                 *id,
              const guint8               *local_key_id,
              int                         local_key_id_len)
{
  PKCS12_SAFEBAG *bag = PKCS12_add_cert (bags, x);

  return bag != NULL
         && (id == NULL || PKCS12_add_friendlyname_utf8 (bag, id, -1))
         && (local_key_id == NULL || PKCS12_add_localkeyid (bag, (unsigned char *) local_key_id, local_key_id_len));
}

/* Returns: (transfer full): device.p12: the leaf and its chain in plain
 * bags (certificates are public), the key in a shrouded bag holding
 * @sig (taken), MAC'd with the passphrase. */
static GBytes *
make_pkcs12 (ChainIssueOutput *self,
             ChainIssueDevice *device,
             X509_SIG         *sig,
             GError          **error)
{
  g_autoptr(X509) leaf = NULL;
  g_autoptr(PKCS12) p12 = NULL;
  STACK_OF (PKCS12_SAFEBAG) *bags = NULL;
  STACK_OF (PKCS7) *safes = NULL;
  PKCS12_SAFEBAG *key_bag = NULL;
  guint8 local_key_id[32];
  const guint8 *der;
  gsize der_len = 0;
  const guint8 *pass;
  gsize pass_len = 0;
  unsigned char *out = NULL;
  int out_len = 0;
  GBytes *result = NULL;

  der = g_bytes_get_data (device->cert.der, &der_len);
  leaf = d2i_X509 (NULL, &der, (long) der_len);
  /* The localKeyID pairs key and certificate: any stable bytes do; these
   * are the certificate's SHA-256. */
  for (guint i = 0; i < sizeof local_key_id; i++)
    local_key_id[i] = (guint8) g_ascii_xdigit_value (device->cert.cert_sha256[2 * i]) << 4
                      | (guint8) g_ascii_xdigit_value (device->cert.cert_sha256[2 * i + 1]);
  if (leaf == NULL
      || !add_cert_bag (&bags, leaf, device->id, local_key_id, sizeof local_key_id))
    goto fail;
  for (guint i = 0; i < self->chain->len; i++)
    if (!add_cert_bag (&bags, chain_cert_get_x509 (g_ptr_array_index (self->chain, i)), NULL, NULL, 0))
      goto fail;
  key_bag = PKCS12_SAFEBAG_create0_pkcs8 (sig);
  if (key_bag == NULL)
    goto fail;
  sig = NULL;
  if (!sk_PKCS12_SAFEBAG_push (bags, key_bag))
    {
      PKCS12_SAFEBAG_free (key_bag);
      goto fail;
    }
  if (!PKCS12_add_friendlyname_utf8 (key_bag, device->id, -1)
      || !PKCS12_add_localkeyid (key_bag, local_key_id, sizeof local_key_id)
      || !PKCS12_add_safe (&safes, bags, -1, 0, NULL))
    goto fail;
  p12 = PKCS12_add_safes (safes, 0);
  pass = chain_secret_get_data (self->passphrase, &pass_len);
  if (p12 == NULL
      || !PKCS12_set_mac (p12, (const char *) pass, (int) pass_len, NULL, 0,
                          CHAIN_ISSUE_PKCS12_MAC_ITERATIONS, EVP_sha256 ()))
    goto fail;
  out_len = i2d_PKCS12 (p12, &out);
  if (out_len <= 0)
    goto fail;
  result = g_bytes_new (out, (gsize) out_len);
  OPENSSL_free (out);
  sk_PKCS12_SAFEBAG_pop_free (bags, PKCS12_SAFEBAG_free);
  sk_PKCS7_pop_free (safes, PKCS7_free);
  return result;

fail:
  X509_SIG_free (sig);
  sk_PKCS12_SAFEBAG_pop_free (bags, PKCS12_SAFEBAG_free);
  sk_PKCS7_pop_free (safes, PKCS7_free);
  chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot build device.p12 for %s"), device->id);
  return NULL;
}

/* ---- One device ------------------------------------------------------------ */

gboolean
chain_issue_output_write_device (ChainIssueOutput *self,
                                 guint64           index,
                                 ChainIssueDevice *device,
                                 ChainKey         *key,
                                 GError          **error)
{
  g_autofree char *staging = staging_name (index);
  g_autofree char *shown = g_build_filename (self->dir, staging, device->id, NULL);
  g_autoptr(GByteArray) chain_pem = NULL;
  g_autoptr(X509_SIG) sig = NULL;
  g_autoptr(GBytes) key_pem = NULL;
  g_autoptr(GBytes) cert_pem = NULL;
  g_autoptr(GBytes) p12 = NULL;
  const guint8 *data;
  gsize len = 0;
  int staging_fd = -1;
  int fd = -1;
  gboolean ok = FALSE;

  /* Encrypt before touching the disk: a failure leaves nothing behind. */
  if (key != NULL)
    {
      sig = encrypt_key (self, key, error);
      if (sig == NULL)
        return FALSE;
      key_pem = sig_to_pem (sig, error);
      if (key_pem == NULL)
        return FALSE;
      if (self->pkcs12)
        {
          p12 = make_pkcs12 (self, device, g_steal_pointer (&sig), error);
          if (p12 == NULL)
            return FALSE;
        }
    }

  if (self->layout == CHAIN_ISSUE_LAYOUT_PER_BATCH)
    {
      device->key_pem = g_steal_pointer (&key_pem);
      device->has_key = device->key_pem != NULL;
      return TRUE;
    }

  staging_fd = openat (self->dir_fd, staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (staging_fd < 0)
    return set_io_error (error, errno, IO_OPEN, staging);
  if (mkdirat (staging_fd, device->id, key != NULL ? 0700 : 0755) != 0)
    {
      set_io_error (error, errno, IO_CREATE, shown);
      goto out;
    }
  fd = openat (staging_fd, device->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      set_io_error (error, errno, IO_OPEN, shown);
      goto out;
    }

  data = g_bytes_get_data (device->cert.der, &len);
  cert_pem = chain_armor_encode ("CERTIFICATE", data, len);
  data = g_bytes_get_data (cert_pem, &len);
  chain_pem = g_byte_array_sized_new ((guint) (len + g_bytes_get_size (self->chain_pem)));
  g_byte_array_append (chain_pem, data, (guint) len);
  g_byte_array_append (chain_pem, g_bytes_get_data (self->chain_pem, NULL),
                       (guint) g_bytes_get_size (self->chain_pem));
  if (!write_file_at (fd, "cert.pem", data, len, 0644, shown, error)
      || !write_file_at (fd, "chain.pem", chain_pem->data, chain_pem->len, 0644, shown, error))
    goto out;
  if (key_pem != NULL)
    {
      data = g_bytes_get_data (key_pem, &len);
      if (!write_file_at (fd, "key.pem", data, len, 0600, shown, error))
        goto out;
      device->has_key = TRUE;
    }
  if (p12 != NULL)
    {
      data = g_bytes_get_data (p12, &len);
      if (!write_file_at (fd, "device.p12", data, len, 0600, shown, error))
        goto out;
      device->has_pkcs12 = TRUE;
    }
  ok = TRUE;

out:
  if (fd >= 0)
    close (fd);
  close (staging_fd);
  return ok;
}

char *
chain_issue_output_batch_name (guint64     index,
                               const char *suffix)
{
  return g_strdup_printf ("batch-%06" G_GUINT64_FORMAT "%s", index, suffix);
}

gboolean
chain_issue_output_write_batch (ChainIssueOutput        *self,
                                guint64                  index,
                                GBytes                  *certs_pem,
                                ChainIssueDevice *const *devices,
                                guint                    n_devices,
                                GError                 **error)
{
  g_autofree char *staging = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(GByteArray) keys = NULL;
  int staging_fd;
  gboolean ok;

  if (self->layout != CHAIN_ISSUE_LAYOUT_PER_BATCH)
    return TRUE;
  staging = staging_name (index);
  shown = g_build_filename (self->dir, staging, NULL);
  staging_fd = openat (self->dir_fd, staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (staging_fd < 0)
    return set_io_error (error, errno, IO_OPEN, shown);
  /* The certificates first: recovery keeps a certificate only with its key. */
  ok = write_file_at (staging_fd, CHAIN_ISSUE_STAGED_CERTS, g_bytes_get_data (certs_pem, NULL),
                      g_bytes_get_size (certs_pem), 0644, shown, error);
  if (ok && self->keys)
    {
      keys = g_byte_array_sized_new (n_devices * 300);
      for (guint i = 0; i < n_devices; i++)
        {
          gsize len = 0;
          const guint8 *data = g_bytes_get_data (devices[i]->key_pem, &len);

          g_byte_array_append (keys, data, (guint) len);
        }
      ok = write_file_at (staging_fd, CHAIN_ISSUE_STAGED_KEYS, keys->data, keys->len, 0600, shown, error);
    }
  close (staging_fd);
  return ok;
}

gboolean
chain_issue_output_sync (ChainIssueOutput *self,
                         GError          **error)
{
  if ((self->csv != NULL && fflush (self->csv) != 0)
      || (self->json != NULL && fflush (self->json) != 0))
    return set_io_error (error, errno, IO_WRITE_MANIFESTS_IN, self->dir);
  if (syncfs (self->dir_fd) != 0)
    return set_io_error (error, errno, IO_SYNC, self->dir);
  return TRUE;
}

gboolean
chain_issue_output_has_staging (const ChainIssueOutput *self)
{
  int fd = dup (self->dir_fd);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *entry;
  gboolean found = FALSE;

  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return TRUE;
    }
  rewinddir (d);
  while (!found && (entry = readdir (d)) != NULL)
    found = g_str_has_prefix (entry->d_name, ".staging~");
  closedir (d);
  return found;
}

gboolean
chain_issue_output_publish_chunk (ChainIssueOutput        *self,
                                  guint64                  index,
                                  guint64                  seq,
                                  ChainIssueDevice *const *devices,
                                  guint                    n_devices,
                                  GError                 **error)
{
  g_autofree char *staging = staging_name (index);
  g_autofree char *seq_text = g_strdup_printf ("%" G_GUINT64_FORMAT, seq);
  g_autoptr(GString) row = g_string_new (NULL);
  gboolean per_batch = self->layout == CHAIN_ISSUE_LAYOUT_PER_BATCH;
  g_autofree char *batch_certs = chain_issue_output_batch_name (index, ".pem");
  g_autofree char *batch_keys = chain_issue_output_batch_name (index, ".key.pem");
  int staging_fd = openat (self->dir_fd, staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

  if (staging_fd < 0)
    return set_io_error (error, errno, IO_OPEN, staging);
  /* The manifests first, synced, then the moves: a kill in between leaves
   * listed devices in staging, which the next command moves (see
   * chain-issue-recover.c); never a moved device the manifest lacks. */
  for (guint i = 0; i < n_devices; i++)
    {
      const ChainIssueDevice *d = devices[i];
      g_autofree char *cert = per_batch ? g_strdup (batch_certs) : g_strconcat (d->id, "/cert.pem", NULL);
      g_autofree char *chain = per_batch ? g_strdup (CHAIN_ISSUE_CA_CHAIN) : g_strconcat (d->id, "/chain.pem", NULL);
      g_autofree char *key = !d->has_key ? g_strdup ("")
                             : per_batch ? g_strdup (batch_keys) : g_strconcat (d->id, "/key.pem", NULL);
      g_autofree char *p12 = d->has_pkcs12 ? g_strconcat (d->id, "/device.p12", NULL) : g_strdup ("");
      g_autoptr(ChainJson) entry = chain_json_new_object ();
      g_autoptr(GBytes) entry_bytes = NULL;
      gsize entry_len = 0;
      const char *entry_data;

      g_string_truncate (row, 0);
      chain_manifest_append_output_row (row, d->id, d->cert.serial, d->cert.cert_sha256, d->cert.public_key_sha256,
                                        seq_text, (const char *const[]) { cert, chain, key, p12 });
      fputs (row->str, self->csv);

      chain_json_object_set_string (entry, "id", d->id);
      chain_json_object_set_string (entry, "serial", d->cert.serial);
      chain_json_object_set_string (entry, "cert_sha256", d->cert.cert_sha256);
      chain_json_object_set_string (entry, "public_key_sha256", d->cert.public_key_sha256);
      chain_json_object_set_integer (entry, "record", (gint64) seq);
      chain_json_object_set_string (entry, "cert", cert);
      chain_json_object_set_string (entry, "chain", chain);
      if (d->has_key)
        chain_json_object_set_string (entry, "key", key);
      if (d->has_pkcs12)
        chain_json_object_set_string (entry, "pkcs12", p12);
      if (per_batch)
        chain_json_object_set_integer (entry, "index", i);
      entry_bytes = chain_json_to_canonical (entry);
      entry_data = g_bytes_get_data (entry_bytes, &entry_len);
      fputs (self->json_devices++ == 0 ? "\n" : ",\n", self->json);
      fwrite (entry_data, 1, entry_len, self->json);
    }
  self->published = TRUE;
  if (!chain_issue_output_sync (self, error))
    {
      close (staging_fd);
      return FALSE;
    }
  if (per_batch)
    {
      if (renameat2 (staging_fd, CHAIN_ISSUE_STAGED_CERTS, self->dir_fd, batch_certs, RENAME_NOREPLACE) != 0
          || (self->keys
              && renameat2 (staging_fd, CHAIN_ISSUE_STAGED_KEYS, self->dir_fd, batch_keys, RENAME_NOREPLACE) != 0))
        {
          g_autofree char *path = g_build_filename (self->dir, batch_certs, NULL);
          int saved = errno;

          close (staging_fd);
          return set_io_error (error, saved, IO_MOVE_FILES_TO, path);
        }
      n_devices = 0;
    }
  for (guint i = 0; i < n_devices; i++)
    {
      const ChainIssueDevice *d = devices[i];

      if (renameat2 (staging_fd, d->id, self->dir_fd, d->id, RENAME_NOREPLACE) != 0)
        {
          g_autofree char *path = g_build_filename (self->dir, d->id, NULL);
          int saved = errno;

          close (staging_fd);
          return set_io_error (error, saved, IO_MOVE_FILES_TO, path);
        }
    }
  close (staging_fd);
  unlinkat (self->dir_fd, staging, AT_REMOVEDIR);
  return chain_issue_output_sync (self, error);
}

void
chain_issue_output_discard_chunk (ChainIssueOutput *self,
                                  guint64           index)
{
  g_autofree char *staging = staging_name (index);

  chain_issue_output_remove_tree_at (self->dir_fd, staging);
}

/* ---- The end --------------------------------------------------------------- */

gboolean
chain_issue_output_finish (ChainIssueOutput        *self,
                           const ChainIssueSummary *summary,
                           gboolean                 complete,
                           GError                 **error)
{
  g_autoptr(ChainJson) records = chain_json_new_array ();
  g_autoptr(GBytes) records_bytes = NULL;
  gsize records_len = 0;
  const char *records_data;
  gboolean ok = TRUE;
  int saved = 0;

  if (!self->published)
    {
      /* Nothing landed: leave no output at all. */
      g_clear_pointer (&self->csv, fclose);
      g_clear_pointer (&self->json, fclose);
      unlinkat (self->dir_fd, MANIFEST_CSV, 0);
      unlinkat (self->dir_fd, MANIFEST_JSON, 0);
      if (self->layout == CHAIN_ISSUE_LAYOUT_PER_BATCH)
        unlinkat (self->dir_fd, CHAIN_ISSUE_CA_CHAIN, 0);
      if (self->created_dir)
        rmdir (self->dir);
      return TRUE;
    }

  for (guint i = 0; i < chain_issue_summary_get_n_records (summary); i++)
    {
      ChainJson *r = chain_json_new_object ();
      guint64 seq = 0;
      guint64 count = 0;
      const char *first = NULL;
      const char *last = NULL;

      chain_issue_summary_get_record (summary, i, &seq, &count, &first, &last);
      chain_json_object_set_integer (r, "seq", (gint64) seq);
      chain_json_object_set_integer (r, "count", (gint64) count);
      chain_json_object_set_string (r, "first", first);
      chain_json_object_set_string (r, "last", last);
      chain_json_array_append (records, r);
    }
  records_bytes = chain_json_to_canonical (records);
  records_data = g_bytes_get_data (records_bytes, &records_len);
  fprintf (self->json, "\n],\"records\":");
  fwrite (records_data, 1, records_len, self->json);
  fprintf (self->json, ",\"count\":%" G_GUINT64_FORMAT ",\"complete\":%s}\n",
           chain_issue_summary_get_n_issued (summary), complete ? "true" : "false");
  if (!chain_issue_output_sync (self, error))
    ok = FALSE;
  if (fclose (self->csv) != 0 && ok)
    {
      saved = errno;
      ok = set_io_error (error, saved, IO_WRITE, self->csv_path);
    }
  self->csv = NULL;
  if (fclose (self->json) != 0 && ok)
    {
      saved = errno;
      ok = set_io_error (error, saved, IO_WRITE, self->json_path);
    }
  self->json = NULL;
  return ok;
}

const char *
chain_issue_output_get_manifest_csv (const ChainIssueOutput *self)
{
  return self->csv_path;
}

const char *
chain_issue_output_get_manifest_json (const ChainIssueOutput *self)
{
  return self->json_path;
}

void
chain_issue_output_free (ChainIssueOutput *self)
{
  if (self == NULL)
    return;
  if (self->csv != NULL)
    fclose (self->csv);
  if (self->json != NULL)
    fclose (self->json);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  if (self->kek != NULL)
    {
      OPENSSL_cleanse (self->kek, KEK_LEN);
      g_free (self->kek);
    }
  EVP_CIPHER_free (self->cipher);
  g_clear_pointer (&self->chain, g_ptr_array_unref);
  g_clear_pointer (&self->chain_pem, g_bytes_unref);
  g_free (self->dir);
  g_free (self->csv_path);
  g_free (self->json_path);
  g_free (self);
}
