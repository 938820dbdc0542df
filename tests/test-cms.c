/* test-cms.c — detached CMS commit signatures, checked by us and by git + gpgsm
 *
 * The PKI is made once: the ledger root and a sub-CA with name constraints
 * by libchain's issuer (so gpgsm sees libchain's real CA profiles); the
 * officers under both, a device-profile certificate, a second root with its
 * own officer, and certificates that break one rule each by the openssl
 * command line (chain_issuer_issue_officer() makes only good officers; its
 * profile is tested in test-issuer).
 */
#include "test-pki.h"

#include "chain-armor-private.h"
#include "chain-cms-private.h"
#include "chain-pki-private.h"

#include <git2.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define EXT_CONF \
  "[req]\n" \
  "distinguished_name = dn\n" \
  "[dn]\n" \
  "[root]\n" \
  "basicConstraints = critical,CA:TRUE\n" \
  "keyUsage = critical,keyCertSign,cRLSign\n" \
  "subjectKeyIdentifier = hash\n" \
  "[officer]\n" \
  "basicConstraints = critical,CA:FALSE\n" \
  "keyUsage = critical,digitalSignature\n" \
  "extendedKeyUsage = emailProtection\n" \
  "subjectKeyIdentifier = hash\n" \
  "authorityKeyIdentifier = keyid\n" \
  "[officer_no_eku]\n" \
  "basicConstraints = critical,CA:FALSE\n" \
  "keyUsage = critical,digitalSignature\n" \
  "subjectKeyIdentifier = hash\n" \
  "authorityKeyIdentifier = keyid\n" \
  "[officer_no_ds]\n" \
  "basicConstraints = critical,CA:FALSE\n" \
  "keyUsage = critical,keyAgreement\n" \
  "extendedKeyUsage = emailProtection\n" \
  "subjectKeyIdentifier = hash\n" \
  "authorityKeyIdentifier = keyid\n" \
  "[device]\n" \
  "basicConstraints = critical,CA:FALSE\n" \
  "keyUsage = critical,digitalSignature\n" \
  "extendedKeyUsage = clientAuth\n" \
  "subjectKeyIdentifier = hash\n" \
  "authorityKeyIdentifier = keyid\n"

/* What a test or an auditor needs: no network (no CRL fetch, no
 * dirmngr), and name constraints left to OpenSSL, as gpgsm 2.2 fails a
 * chain with a critical nameConstraints extension. */
#define GPGSM_CONF \
  "disable-crl-checks\n" \
  "disable-dirmngr\n" \
  "ignore-cert-extension 2.5.29.30\n"

typedef struct {
  const char *name;
  const char *issuer;     /* NULL: self-signed */
  const char *section;
  const char *algorithm;  /* genpkey -algorithm and its option */
  const char *option;
  const char *digest;     /* the issuer's: gpgsm wants SHA-384 from P-384 */
} PkiEntry;

/* After "root" and "sub" exist (make_libchain_cas()). */
static const PkiEntry pki[] = {
  { "officer", "root", "officer", "EC", "ec_paramgen_curve:P-256", "-sha256" },
  { "officer-p384", "sub", "officer", "EC", "ec_paramgen_curve:P-384", "-sha384" },
  { "officer-rsa", "root", "officer", "RSA", "rsa_keygen_bits:2048", "-sha256" },
  { "officer-weak", "root", "officer", "RSA", "rsa_keygen_bits:1024", "-sha256" },
  { "no-eku", "root", "officer_no_eku", "EC", "ec_paramgen_curve:P-256", "-sha256" },
  { "no-ds", "root", "officer_no_ds", "EC", "ec_paramgen_curve:P-256", "-sha256" },
  { "device", "root", "device", "EC", "ec_paramgen_curve:P-256", "-sha256" },
  { "other-root", NULL, "root", "EC", "ec_paramgen_curve:P-256", "-sha256" },
  { "other-officer", "other-root", "officer", "EC", "ec_paramgen_curve:P-256", "-sha256" },
};

/* Made once by the unchecked fixture; every test runs in pki_dir. */
static char *pki_dir;
static char *gnupg_home;
static ChainSecret *passphrase;

/* Per test. */
static char *tmpdir;
static char *repo_path;
static git_repository *repo;

/* Helpers */

/* Runs a command, failing the test unless it exits 0. Not GSubprocess:
 * the PKI is made in Check's parent process before it forks each test,
 * and a child watch thread started there would not exist in the children,
 * whose own GSubprocess calls would then wait forever. */
static void
run_ok (const char *first, ...) G_GNUC_NULL_TERMINATED;

static void
run_ok (const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *arg = first;
  va_list args;
  int status = -1;

  va_start (args, first);
  while (arg != NULL)
    {
      g_ptr_array_add (argv, (gpointer) arg);
      arg = va_arg (args, const char *);
    }
  va_end (args);
  g_ptr_array_add (argv, NULL);

  ck_assert_msg (g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                               &out, &err, &status, &error),
                 "cannot run %s: %s", first, error != NULL ? error->message : "?");
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "%s %s failed (%d): %s", first,
                 argv->len > 2 ? (const char *) argv->pdata[1] : "", status, err);
}

static void
make_entry (const PkiEntry *entry)
{
  g_autofree char *key = g_strconcat (entry->name, ".key", NULL);
  g_autofree char *csr = g_strconcat (entry->name, ".csr", NULL);
  g_autofree char *pem = g_strconcat (entry->name, ".pem", NULL);
  g_autofree char *subject = g_strdup_printf ("/O=Widget Ltd/CN=%s", entry->name);

  /* Encrypted PKCS#8 (PBES2, AES-256-CBC) straight from genpkey. */
  run_ok ("openssl", "genpkey", "-algorithm", entry->algorithm, "-pkeyopt", entry->option,
          "-aes-256-cbc", "-pass", "file:pass", "-out", key, NULL);
  ck_assert_int_eq (g_chmod (key, 0600), 0);

  if (entry->issuer == NULL)
    {
      run_ok ("openssl", "req", "-new", "-x509", "-key", key, "-passin", "file:pass",
              "-subj", subject, "-days", "3650", entry->digest, "-config", "ext.cnf",
              "-extensions", entry->section, "-out", pem, NULL);
    }
  else
    {
      g_autofree char *ca = g_strconcat (entry->issuer, ".pem", NULL);
      g_autofree char *ca_key = g_strconcat (entry->issuer, ".key", NULL);

      run_ok ("openssl", "req", "-new", "-key", key, "-passin", "file:pass",
              "-subj", subject, "-config", "ext.cnf", "-out", csr, NULL);
      run_ok ("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
              "-passin", "file:pass", "-days", "365", entry->digest, "-extfile", "ext.cnf",
              "-extensions", entry->section, "-out", pem, NULL);
    }
}

static void
save_ca (const char *name,
         ChainKey   *key,
         ChainCert  *cert)
{
  g_autofree char *key_path = g_strconcat (name, ".key", NULL);
  g_autofree char *cert_path = g_strconcat (name, ".pem", NULL);
  g_autoptr(GBytes) pem = chain_cert_to_pem (cert);
  g_autoptr(GError) error = NULL;

  ck_assert (chain_key_save (key, key_path, passphrase, &error));
  test_assert_no_error (error);
  test_support_write_file (cert_path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
}

/* The ledger root and a name-constrained sub-CA, as libchain issues them. */
static void
make_libchain_cas (void)
{
  TestCa root = { 0 };
  TestCa sub = { 0 };

  test_ca_make_root (&root, CHAIN_KEY_ALGORITHM_EC_P256, "CN=root,O=Widget Ltd",
                     CHAIN_PATH_LEN_UNLIMITED);
  save_ca ("root", root.key, root.cert);
  test_ca_make_sub (&sub, &root, CHAIN_KEY_ALGORITHM_EC_P384, "CN=sub,O=Widget Ltd", 0,
                    "permitted:dirName:O=Widget Ltd");
  save_ca ("sub", sub.key, sub.cert);
  test_ca_clear (&sub);
  test_ca_clear (&root);
}

static ChainCert *
load_cert (const char *name)
{
  g_autofree char *path = g_strconcat (name, ".pem", NULL);
  g_autofree char *pem = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  ChainCert *cert = NULL;

  ck_assert_msg (g_file_get_contents (path, &pem, &len, &error), "%s", path);
  cert = chain_cert_parse ((const guint8 *) pem, len, &error);
  test_assert_no_error (error);
  return cert;
}

static ChainKey *
load_key (const char *name)
{
  g_autofree char *path = g_strconcat (name, ".key", NULL);
  g_autoptr(GError) error = NULL;
  ChainKey *key = chain_key_load (path, passphrase, &error);

  test_assert_no_error (error);
  return key;
}

static GPtrArray *
cert_list (const char *first, ...) G_GNUC_NULL_TERMINATED;

static GPtrArray *
cert_list (const char *first, ...)
{
  GPtrArray *certs = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  const char *name = first;
  va_list args;

  va_start (args, first);
  while (name != NULL)
    {
      g_ptr_array_add (certs, load_cert (name));
      name = va_arg (args, const char *);
    }
  va_end (args);
  return certs;
}

/* Our signature of @data by officer @name, embedding @extra (or nothing). */
static GBytes *
sign_as (const char   *name,
         const char   *extra,
         const guint8 *data,
         gsize         len)
{
  g_autoptr(ChainKey) key = load_key (name);
  g_autoptr(ChainCert) cert = load_cert (name);
  g_autoptr(GPtrArray) extra_certs = extra != NULL ? cert_list (extra, NULL) : NULL;
  g_autoptr(GError) error = NULL;
  GBytes *signature = chain_cms_sign_detached (key, cert, extra_certs, data, len, &error);

  test_assert_no_error (error);
  ck_assert_ptr_nonnull (signature);
  return signature;
}

/* A signature made by `openssl cms -sign` over @data, relabelled as git
 * wants; @extra_args (NULL-terminated, may be empty) are added. */
static char *
cli_sign (const char        *name,
          const char *const *extra_args,
          const char        *data)
{
  g_autofree char *payload = g_build_filename (tmpdir, "payload", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "cli.pem", NULL);
  g_autofree char *cert = g_strconcat (name, ".pem", NULL);
  g_autofree char *key = g_strconcat (name, ".key", NULL);
  g_autofree char *err = NULL;
  g_autofree char *pem = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GString) text = NULL;
  const char *base[] = { "openssl", "cms", "-sign", "-binary", "-in", payload, "-signer", cert,
                         "-inkey", key, "-passin", "file:pass", "-outform", "PEM",
                         "-out", out };
  int status;

  test_support_write_file (payload, data, strlen (data));
  for (gsize i = 0; i < G_N_ELEMENTS (base); i++)
    g_ptr_array_add (argv, (gpointer) base[i]);
  for (gsize i = 0; extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  status = test_support_run ((const char *const *) argv->pdata, NULL, NULL, &err);
  ck_assert_msg (status == 0, "openssl cms -sign failed: %s", err);
  ck_assert (g_file_get_contents (out, &pem, NULL, NULL));
  text = g_string_new (pem);
  g_string_replace (text, "-----BEGIN CMS-----", "-----BEGIN SIGNED MESSAGE-----", 1);
  g_string_replace (text, "-----END CMS-----", "-----END SIGNED MESSAGE-----", 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
verify (const char   *signature,
        gsize         sig_len,
        const char   *data,
        GPtrArray    *anchors,
        gint64        at_time,
        ChainCert   **out_signer,
        GError      **error)
{
  return chain_cms_verify_detached ((const guint8 *) signature, sig_len,
                                    (const guint8 *) data, strlen (data),
                                    anchors, at_time, out_signer, error);
}

/* git: commits in a bare repository, signed over git_commit_create_buffer()'s
 * bytes and stored with git_commit_create_with_signature(), as the ledger
 * will do it on libgit2 1.5. */

static void
assert_git (int status)
{
  const git_error *last = git_error_last ();

  /* git_error_last() can be NULL on libgit2 1.5. */
  ck_assert_msg (status == 0, "libgit2 failed (%d): %s", status,
                 last != NULL ? last->message : "no message");
}

static void
commit_buffer (const char *message,
               git_buf    *out)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  git_signature *who = NULL;
  git_treebuilder *builder = NULL;
  git_tree *tree = NULL;
  git_oid blob_id;
  git_oid tree_id;

  assert_git (git_blob_create_from_buffer (&blob_id, repo, message, strlen (message)));
  assert_git (git_treebuilder_new (&builder, repo, NULL));
  assert_git (git_treebuilder_insert (NULL, builder, "record.json", &blob_id,
                                      GIT_FILEMODE_BLOB));
  assert_git (git_treebuilder_write (&tree_id, builder));
  assert_git (git_tree_lookup (&tree, repo, &tree_id));
  assert_git (git_signature_new (&who, "Officer", "officer@widget.example",
                                 g_date_time_to_unix (now), 0));
  assert_git (git_commit_create_buffer (out, repo, who, who, NULL, message, tree, 0, NULL));
  git_signature_free (who);
  git_tree_free (tree);
  git_treebuilder_free (builder);
}

static void
write_commit (const git_buf *buffer,
              const char    *signature,
              git_oid       *out_id)
{
  git_reference *ref = NULL;

  assert_git (git_commit_create_with_signature (out_id, repo, buffer->ptr, signature,
                                                "gpgsig"));
  /* The ledger's compare-and-swap; here every test's first commit. */
  assert_git (git_reference_create_matching (&ref, repo, "refs/heads/main", out_id, 1,
                                             NULL, "record"));
  git_reference_free (ref);
}

/* Signs a new commit as officer @name with our code; returns its id. */
static void
signed_commit (const char *name,
               const char *extra,
               const char *message,
               git_oid    *out_id)
{
  git_buf buffer = GIT_BUF_INIT;
  g_autoptr(GBytes) signature = NULL;
  g_autofree char *text = NULL;

  commit_buffer (message, &buffer);
  signature = sign_as (name, extra, (const guint8 *) buffer.ptr, buffer.size);
  text = g_strndup (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));
  write_commit (&buffer, text, out_id);
  git_buf_dispose (&buffer);
}

/* What an auditor reads from a stored commit: the gpgsig header (as git
 * hands it to gpgsm, one '\n' per line) and the buffer without it. */
static void
read_commit (const git_oid *id,
             char         **out_signature,
             char         **out_payload,
             gint64        *out_time)
{
  git_odb *odb = NULL;
  git_odb_object *object = NULL;
  git_commit *commit = NULL;
  g_autofree char *raw = NULL;
  g_auto(GStrv) lines = NULL;
  GString *signature = g_string_new (NULL);
  GString *payload = g_string_new (NULL);
  gboolean in_header = TRUE;
  gboolean in_signature = FALSE;

  assert_git (git_repository_odb (&odb, repo));
  assert_git (git_odb_read (&object, odb, id));
  ck_assert_int_eq (git_odb_object_type (object), GIT_OBJECT_COMMIT);
  raw = g_strndup (git_odb_object_data (object), git_odb_object_size (object));
  ck_assert_uint_eq (strlen (raw), git_odb_object_size (object));

  lines = g_strsplit (raw, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (in_header && in_signature && line[0] == ' ')
        {
          g_string_append_printf (signature, "%s\n", line + 1);
          continue;
        }
      in_signature = FALSE;
      if (in_header && g_str_has_prefix (line, "gpgsig "))
        {
          in_signature = TRUE;
          g_string_append_printf (signature, "%s\n", line + strlen ("gpgsig "));
          continue;
        }
      if (line[0] == '\0')
        in_header = FALSE;
      g_string_append (payload, line);
      if (lines[i + 1] != NULL)
        g_string_append_c (payload, '\n');
    }

  assert_git (git_commit_lookup (&commit, repo, id));
  *out_time = git_commit_committer (commit)->when.time;
  *out_signature = g_string_free (signature, FALSE);
  *out_payload = g_string_free (payload, FALSE);
  git_commit_free (commit);
  git_odb_object_free (object);
  git_odb_free (odb);
}

static int
git_verify_commit (const git_oid *id,
                   char         **out_stderr)
{
  char hex[GIT_OID_HEXSZ + 1];
  const char *argv[] = { "git", "-C", repo_path, "-c", "gpg.format=x509",
                         "-c", "gpg.x509.program=gpgsm", "verify-commit", "--raw", hex, NULL };

  git_oid_tostr (hex, sizeof hex, id);
  return test_support_run (argv, NULL, NULL, out_stderr);
}

static gboolean
our_verify_commit (const git_oid *id,
                   GPtrArray     *anchors,
                   ChainCert    **out_signer,
                   GError       **error)
{
  g_autofree char *signature = NULL;
  g_autofree char *payload = NULL;
  gint64 when = 0;

  read_commit (id, &signature, &payload, &when);
  return verify (signature, strlen (signature), payload, anchors, when, out_signer, error);
}

/* Fixtures */

static void
pki_setup (void)
{
  g_autoptr(ChainCert) root = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *trustlist = NULL;
  g_autofree char *path = NULL;
  const guint8 *secret;
  gsize secret_len = 0;

  pki_dir = test_support_tmpdir_new ();
  ck_assert_int_eq (g_chdir (pki_dir), 0);
  passphrase = test_support_passphrase ();
  secret = chain_secret_get_data (passphrase, &secret_len);
  test_support_write_file ("pass", secret, secret_len);
  ck_assert_int_eq (g_chmod ("pass", 0600), 0);
  test_support_write_file ("ext.cnf", EXT_CONF, strlen (EXT_CONF));
  make_libchain_cas ();
  for (gsize i = 0; i < G_N_ELEMENTS (pki); i++)
    make_entry (&pki[i]);

  /* gpg-agent puts its sockets in GNUPGHOME (when /run/user/UID is absent),
   * and a socket path must stay under 108 bytes: a short directory in /tmp
   * rather than one under the build tree. */
  gnupg_home = g_strdup ("/tmp/cms-gpg-XXXXXX");
  ck_assert_ptr_nonnull (g_mkdtemp_full (gnupg_home, 0700));
  g_setenv ("GNUPGHOME", gnupg_home, TRUE);

  path = g_build_filename (gnupg_home, "gpgsm.conf", NULL);
  test_support_write_file (path, GPGSM_CONF, strlen (GPGSM_CONF));
  g_clear_pointer (&path, g_free);

  root = load_cert ("root");
  fingerprint = chain_cert_dup_thumbprint_hex (root, CHAIN_DIGEST_SHA1);
  trustlist = g_strdup_printf ("%s S\n", fingerprint);
  path = g_build_filename (gnupg_home, "trustlist.txt", NULL);
  test_support_write_file (path, trustlist, strlen (trustlist));

  run_ok ("gpgsm", "--batch", "--import", "root.pem", NULL);
  git_libgit2_init ();
}

static void
pki_teardown (void)
{
  run_ok ("gpgconf", "--homedir", gnupg_home, "--kill", "all", NULL);
  git_libgit2_shutdown ();
  test_support_tmpdir_remove (gnupg_home);
  test_support_tmpdir_remove (pki_dir);
  g_clear_pointer (&gnupg_home, g_free);
  g_clear_pointer (&pki_dir, g_free);
  g_clear_pointer (&passphrase, chain_secret_free);
}

static void
setup (void)
{
  ck_assert_int_eq (g_chdir (pki_dir), 0);
  tmpdir = test_support_tmpdir_new ();
  repo_path = g_build_filename (tmpdir, "ledger.git", NULL);
  assert_git (git_repository_init (&repo, repo_path, TRUE));
  assert_git (git_repository_set_head (repo, "refs/heads/main"));
}

static void
teardown (void)
{
  g_clear_pointer (&repo, git_repository_free);
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&repo_path, g_free);
  g_clear_pointer (&tmpdir, g_free);
}

/* Officers whose commits both verifiers accept. */

typedef struct {
  const char *officer;
  const char *intermediate;  /* embedded, or NULL */
} GoodCase;

static const GoodCase good_cases[] = {
  { "officer", NULL },
  /* Under libchain's sub-CA (critical name constraints), P-384 with SHA-384. */
  { "officer-p384", "sub" },
  { "officer-rsa", NULL },
};

START_TEST (test_commit_accepted_by_git_and_us)
{
  const GoodCase *c = &good_cases[_i];
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(ChainCert) expected = load_cert (c->officer);
  g_autoptr(ChainCert) signer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  git_oid id;
  int status;

  signed_commit (c->officer, c->intermediate, "record 1\n", &id);

  ck_assert (our_verify_commit (&id, anchors, &signer, &error));
  test_assert_no_error (error);
  ck_assert (chain_cert_equal (signer, expected));

  status = git_verify_commit (&id, &err);
  ck_assert_msg (status == 0, "git verify-commit (%s) exited %d: %s", c->officer, status, err);
  ck_assert_msg (strstr (err, "GOODSIG") != NULL && strstr (err, "TRUST_FULLY") != NULL,
                 "gpgsm status: %s", err);
}
END_TEST

START_TEST (test_signature_layout_matches_git)
{
  g_autofree char *signature = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *err = NULL;
  g_autofree char *raw = NULL;
  const char *cat_file[] = { "git", "-C", repo_path, "cat-file", "commit", "main", NULL };
  gint64 when = 0;
  git_oid id;

  signed_commit ("officer", NULL, "record 1\n", &id);
  read_commit (&id, &signature, &payload, &when);

  /* One header, its PEM lines continued with a space, no stray " " line. */
  ck_assert_int_eq (test_support_run (cat_file, NULL, &raw, &err), 0);
  ck_assert_ptr_nonnull (strstr (raw, "\ngpgsig "));
  ck_assert_msg (g_str_has_prefix (strstr (raw, "\ngpgsig "),
                                   "\ngpgsig -----BEGIN SIGNED MESSAGE-----\n "), "%s", raw);
  ck_assert_msg (strstr (raw, "\n -----END SIGNED MESSAGE-----\n\nrecord 1\n") != NULL,
                 "%s", raw);
  ck_assert (g_str_has_suffix (signature, "-----END SIGNED MESSAGE-----\n"));
  ck_assert_ptr_null (strstr (payload, "gpgsig"));
}
END_TEST

START_TEST (test_tampered_commit_rejected)
{
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *forged = NULL;
  g_autofree char *forged_hex = NULL;
  g_autofree char *err = NULL;
  const char *cat_file[] = { "git", "-C", repo_path, "cat-file", "commit", "main", NULL };
  const char *hash_object[] = { "git", "-C", repo_path, "hash-object", "-w", "-t", "commit",
                                "--stdin", NULL };
  g_auto(GStrv) parts = NULL;
  git_oid id;
  git_oid forged_id;

  signed_commit ("officer", NULL, "record 1: issued 10 devices\n", &id);
  ck_assert (our_verify_commit (&id, anchors, NULL, &error));

  /* Plain git: the same object with its message edited, old signature kept. */
  ck_assert_int_eq (test_support_run (cat_file, NULL, &raw, NULL), 0);
  parts = g_strsplit (raw, "issued 10 devices", -1);
  ck_assert_uint_eq (g_strv_length (parts), 2);
  forged = g_strjoinv ("issued 99 devices", parts);
  ck_assert_int_eq (test_support_run (hash_object, forged, &forged_hex, &err), 0);
  g_strstrip (forged_hex);
  assert_git (git_oid_fromstr (&forged_id, forged_hex));
  ck_assert (!git_oid_equal (&id, &forged_id));

  ck_assert (!our_verify_commit (&forged_id, anchors, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "does not match the commit", NULL);

  g_clear_pointer (&err, g_free);
  ck_assert_int_ne (git_verify_commit (&forged_id, &err), 0);
  ck_assert_msg (strstr (err, "BADSIG") != NULL, "gpgsm status: %s", err);
}
END_TEST

START_TEST (test_other_root_rejected)
{
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  git_oid id;

  signed_commit ("other-officer", NULL, "record 1\n", &id);

  ck_assert (!our_verify_commit (&id, anchors, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "does not chain to a ledger root", NULL);

  ck_assert_int_ne (git_verify_commit (&id, &err), 0);
  ck_assert_ptr_null (strstr (err, "TRUST_FULLY"));
}
END_TEST

START_TEST (test_two_signers_rejected)
{
  const char *second[] = { "-signer", "officer-rsa.pem", "-inkey", "officer-rsa.key", NULL };
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *err = NULL;
  git_buf buffer = GIT_BUF_INIT;
  git_oid id;

  commit_buffer ("record 1\n", &buffer);
  /* Both signers are good officers under the ledger root. */
  signature = cli_sign ("officer", second, buffer.ptr);
  g_strchomp (signature);
  write_commit (&buffer, signature, &id);
  git_buf_dispose (&buffer);

  ck_assert (!our_verify_commit (&id, anchors, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "has 2 signers; exactly one is allowed", NULL);

  ck_assert_int_ne (git_verify_commit (&id, &err), 0);
}
END_TEST

/* Signatures made by `openssl cms -sign` that break one rule each. */

typedef struct {
  const char *signer;
  const char *args[5];
  const char *message;
} BadCliCase;

static const BadCliCase bad_cli_cases[] = {
  { "device", { NULL }, "lacks extendedKeyUsage emailProtection" },
  { "no-eku", { NULL }, "lacks extendedKeyUsage emailProtection" },
  { "no-ds", { NULL }, "lacks keyUsage digitalSignature" },
  { "sub", { NULL }, "lacks CA:FALSE" },
  { "officer", { "-nocerts", NULL }, "does not embed its signer's certificate" },
  { "officer", { "-md", "sha1", NULL }, "uses digest SHA1" },
  { "officer-p384", { "-certfile", "sub.pem", "-md", "sha256" }, "SHA-256 with a P-384 key" },
  { "officer", { "-nodetach", NULL }, "it must be detached" },
  { "officer-weak", { NULL }, "has a refused key" },
  { "officer-p384", { "-md", "sha384", NULL }, "does not chain to a ledger root" },
  { "other-officer", { "-certfile", "other-root.pem", NULL }, "does not chain to a ledger root" },
  { "officer", { "-signer", "officer-p384.pem", "-inkey", "officer-p384.key" },
    "has 2 signers" },
};

START_TEST (test_bad_signature_rejected)
{
  const BadCliCase *c = &bad_cli_cases[_i];
  const char *data = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nrecord\n";
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(ChainCert) signer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *signature = NULL;
  const char *args[G_N_ELEMENTS (c->args) + 1] = { NULL };

  memcpy (args, c->args, sizeof c->args);
  signature = cli_sign (c->signer, args, data);

  ck_assert (!verify (signature, strlen (signature), data, anchors, 0, &signer, &error));
  ck_assert_ptr_null (signer);
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, c->message, NULL);
}
END_TEST

START_TEST (test_cli_signature_accepted)
{
  /* The rejections above are about the rule, not about who signed. */
  const char *data = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nrecord\n";
  const char *args[] = { "-certfile", "sub.pem", "-md", "sha384", NULL };
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *signature = cli_sign ("officer-p384", args, data);

  ck_assert (verify (signature, strlen (signature), data, anchors, 0, NULL, &error));
  test_assert_no_error (error);
}
END_TEST

START_TEST (test_expired_officer_rejected)
{
  const char *data = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nrecord\n";
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(ChainCert) officer = load_cert ("officer");
  g_autoptr(GBytes) signature = sign_as ("officer", NULL, (const guint8 *) data, strlen (data));
  g_autoptr(GError) error = NULL;
  const guint8 *sig = NULL;
  gsize sig_len = 0;
  gint64 not_before = chain_cert_get_not_before (officer);
  gint64 not_after = chain_cert_get_not_after (officer);

  sig = g_bytes_get_data (signature, &sig_len);
  /* OpenSSL counts notAfter itself as expired. */
  ck_assert (chain_cms_verify_detached (sig, sig_len, (const guint8 *) data, strlen (data),
                                        anchors, not_after - 1, NULL, &error));
  test_assert_no_error (error);

  ck_assert (!chain_cms_verify_detached (sig, sig_len, (const guint8 *) data, strlen (data),
                                         anchors, not_after + 1, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "certificate has expired", NULL);

  ck_assert (!chain_cms_verify_detached (sig, sig_len, (const guint8 *) data, strlen (data),
                                         anchors, not_before - 1, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "certificate is not yet valid", NULL);
}
END_TEST

START_TEST (test_missing_intermediate_rejected)
{
  const char *data = "record\n";
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(GBytes) signature = sign_as ("officer-p384", NULL, (const guint8 *) data,
                                         strlen (data));
  g_autoptr(GError) error = NULL;
  gsize sig_len = 0;
  const guint8 *sig = g_bytes_get_data (signature, &sig_len);

  ck_assert (!chain_cms_verify_detached (sig, sig_len, (const guint8 *) data, strlen (data),
                                         anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "unable to get local issuer certificate", NULL);
}
END_TEST

/* Malformed signature input. */

static char *
good_signature (const char *data)
{
  g_autoptr(GBytes) signature = sign_as ("officer", NULL, (const guint8 *) data, strlen (data));

  return g_strndup (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));
}

static char *
relabel (const char *pem,
         const char *label)
{
  g_autoptr(GString) out = g_string_new (pem);

  g_string_replace (out, "SIGNED MESSAGE", label, 0);
  return g_strdup (out->str);
}

START_TEST (test_malformed_signature_rejected)
{
  const char *data = "record\n";
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = good_signature (data);
  g_autofree char *cms_label = relabel (pem, "CMS");
  g_autofree char *trailing = g_strconcat (pem, "\ngpgsig smuggled\n", NULL);
  g_autofree char *leading = g_strconcat ("hello\n", pem, NULL);
  g_autofree char *huge = g_malloc (CHAIN_CMS_SIGNATURE_MAX_LEN + 2);
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GPtrArray) blocks = NULL;
  static const char *const labels[] = { "SIGNED MESSAGE", NULL };

  /* Trailing white space, as git hands the header over, is fine. */
  ck_assert (verify (pem, strlen (pem), data, anchors, 0, NULL, &error));
  test_assert_no_error (error);

  ck_assert (!verify (cms_label, strlen (cms_label), data, anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "this is a CMS, not a commit signature", NULL);

  ck_assert (!verify (trailing, strlen (trailing), data, anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "unexpected text after a PEM block", NULL);

  ck_assert (!verify (leading, strlen (leading), data, anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "not PEM", NULL);

  ck_assert (!verify ("", 0, data, anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "empty", NULL);

  /* DER is what the PEM holds, but git recognises only the armour. */
  blocks = chain_armor_decode_all ((const guint8 *) pem, strlen (pem), 1 << 20, 1, labels,
                                   "test", &error);
  test_assert_no_error (error);
  der = g_bytes_ref (g_ptr_array_index (blocks, 0));
  ck_assert (!chain_cms_verify_detached (g_bytes_get_data (der, NULL), g_bytes_get_size (der),
                                         (const guint8 *) data, strlen (data), anchors, 0,
                                         NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "not PEM", NULL);

  memset (huge, ' ', CHAIN_CMS_SIGNATURE_MAX_LEN + 1);
  memcpy (huge, pem, strlen (pem));
  huge[CHAIN_CMS_SIGNATURE_MAX_LEN + 1] = '\0';
  ck_assert (!verify (huge, CHAIN_CMS_SIGNATURE_MAX_LEN + 1, data, anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "too large", NULL);
}
END_TEST

START_TEST (test_not_signed_data_rejected)
{
  const char *data = "record\n";
  const char *data_create[] = { "openssl", "cms", "-data_create", "-in", "ext.cnf",
                                "-outform", "PEM", NULL };
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *relabelled = NULL;
  g_autoptr(GString) pem = NULL;

  /* A CMS "data" structure: well-formed CMS, but no signature at all. */
  ck_assert_int_eq (test_support_run (data_create, NULL, &out, &err), 0);
  pem = g_string_new (out);
  g_string_replace (pem, "CMS", "SIGNED MESSAGE", 0);
  relabelled = g_strdup (pem->str);

  ck_assert (!verify (relabelled, strlen (relabelled), data, anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "is not a CMS SignedData", NULL);
}
END_TEST

START_TEST (test_wrong_content_rejected)
{
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = good_signature ("record\n");
  g_autofree char *huge = g_malloc0 (CHAIN_CMS_DATA_MAX_LEN + 1);

  ck_assert (!verify (pem, strlen (pem), "record\r\n", anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "does not match the commit", NULL);

  ck_assert (!verify (pem, strlen (pem), "", anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "does not match the commit", NULL);

  ck_assert (!chain_cms_verify_detached ((const guint8 *) pem, strlen (pem), (const guint8 *) huge,
                                         CHAIN_CMS_DATA_MAX_LEN + 1, anchors, 0, NULL, &error));
  test_assert_error_names (&error, CHAIN_ERROR_VERIFY, "too large", NULL);
}
END_TEST

START_TEST (test_anchor_must_be_given_root)
{
  const char *data = "record\n";
  g_autoptr(GPtrArray) other = cert_list ("other-root", NULL);
  g_autoptr(GPtrArray) both = cert_list ("other-root", "root", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = good_signature (data);

  ck_assert (!verify (pem, strlen (pem), data, other, 0, NULL, &error));
  test_assert_error (error, CHAIN_ERROR_VERIFY);
  ck_assert (verify (pem, strlen (pem), data, both, 0, NULL, &error));
  test_assert_no_error (error);
}
END_TEST

/* Signing errors. */

START_TEST (test_sign_refuses_non_officer)
{
  static const char *const names[] = { "device", "sub", "root", "no-eku" };
  const char *data = "record\n";

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(ChainKey) key = load_key (names[i]);
      g_autoptr(ChainCert) cert = load_cert (names[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) signature = chain_cms_sign_detached (key, cert, NULL,
                                                             (const guint8 *) data,
                                                             strlen (data), &error);

      ck_assert_ptr_null (signature);
      test_assert_error_names (&error, CHAIN_ERROR_REFUSED, "is not an officer certificate", NULL);
    }
}
END_TEST

START_TEST (test_sign_refuses_mismatched_key)
{
  const char *data = "record\n";
  g_autoptr(ChainKey) key = load_key ("other-officer");
  g_autoptr(ChainCert) cert = load_cert ("officer");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) signature = chain_cms_sign_detached (key, cert, NULL, (const guint8 *) data,
                                                         strlen (data), &error);

  ck_assert_ptr_null (signature);
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "does not match the officer certificate", NULL);
}
END_TEST

START_TEST (test_sign_refuses_huge_data)
{
  g_autoptr(ChainKey) key = load_key ("officer");
  g_autoptr(ChainCert) cert = load_cert ("officer");
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *huge = g_malloc0 (CHAIN_CMS_DATA_MAX_LEN + 1);
  g_autoptr(GBytes) signature = chain_cms_sign_detached (key, cert, NULL, huge,
                                                         CHAIN_CMS_DATA_MAX_LEN + 1, &error);

  ck_assert_ptr_null (signature);
  test_assert_error_names (&error, CHAIN_ERROR_INVALID_INPUT, "too large", NULL);
}
END_TEST

START_TEST (test_sign_embeds_chain_once)
{
  const char *data = "record\n";
  g_autoptr(ChainKey) key = load_key ("officer-p384");
  g_autoptr(ChainCert) cert = load_cert ("officer-p384");
  /* The signer itself and a repeated CA are embedded once each. */
  g_autoptr(GPtrArray) extra = cert_list ("sub", "officer-p384", "sub", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) signature = chain_cms_sign_detached (key, cert, extra,
                                                         (const guint8 *) data, strlen (data),
                                                         &error);
  g_autoptr(GPtrArray) anchors = cert_list ("root", NULL);
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(CMS_ContentInfo) cms = NULL;
  static const char *const labels[] = { "SIGNED MESSAGE", NULL };
  STACK_OF(X509) *certs = NULL;
  const unsigned char *der = NULL;
  gsize der_len = 0;

  test_assert_no_error (error);
  ck_assert (chain_cms_verify_detached (g_bytes_get_data (signature, NULL),
                                        g_bytes_get_size (signature), (const guint8 *) data,
                                        strlen (data), anchors, 0, NULL, &error));
  test_assert_no_error (error);

  blocks = chain_armor_decode_all (g_bytes_get_data (signature, NULL),
                                   g_bytes_get_size (signature), 1 << 20, 1, labels, "test",
                                   &error);
  test_assert_no_error (error);
  der = g_bytes_get_data (g_ptr_array_index (blocks, 0), &der_len);
  cms = d2i_CMS_ContentInfo (NULL, &der, (long) der_len);
  ck_assert_ptr_nonnull (cms);
  certs = CMS_get1_certs (cms);
  ck_assert_int_eq (sk_X509_num (certs), 2);
  sk_X509_pop_free (certs, X509_free);
  ck_assert_int_eq (CMS_is_detached (cms), 1);
}
END_TEST

static Suite *
cms_suite (void)
{
  Suite *suite = suite_create ("cms");
  /* One case, so the PKI is made once. */
  TCase *tc = tcase_create ("cms");

  tcase_add_unchecked_fixture (tc, pki_setup, pki_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);

  tcase_add_loop_test (tc, test_commit_accepted_by_git_and_us, 0, G_N_ELEMENTS (good_cases));
  tcase_add_test (tc, test_signature_layout_matches_git);
  tcase_add_test (tc, test_tampered_commit_rejected);
  tcase_add_test (tc, test_other_root_rejected);
  tcase_add_test (tc, test_two_signers_rejected);

  tcase_add_loop_test (tc, test_bad_signature_rejected, 0, G_N_ELEMENTS (bad_cli_cases));
  tcase_add_test (tc, test_cli_signature_accepted);
  tcase_add_test (tc, test_expired_officer_rejected);
  tcase_add_test (tc, test_missing_intermediate_rejected);
  tcase_add_test (tc, test_malformed_signature_rejected);
  tcase_add_test (tc, test_not_signed_data_rejected);
  tcase_add_test (tc, test_wrong_content_rejected);
  tcase_add_test (tc, test_anchor_must_be_given_root);

  tcase_add_test (tc, test_sign_refuses_non_officer);
  tcase_add_test (tc, test_sign_refuses_mismatched_key);
  tcase_add_test (tc, test_sign_refuses_huge_data);
  tcase_add_test (tc, test_sign_embeds_chain_once);
  suite_add_tcase (suite, tc);

  return suite;
}

int
main (void)
{
  return test_support_run_suite (cms_suite ());
}
