/* test-commit-forge.c — commits signed again, as a malicious writer makes them */
#include "test-commit-forge.h"

#include <git2.h>
#include <string.h>

#include "chain-armor-private.h"
#include "chain-cms-private.h"
#include "chain-pki-private.h"

char *
test_commit_without_signature (const char *raw)
{
  const char *body = strstr (raw, "\n\n");
  g_autofree char *headers = NULL;
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);
  gboolean in_signature = FALSE;

  ck_assert_ptr_nonnull (body);
  headers = g_strndup (raw, (gsize) (body - raw));
  lines = g_strsplit (headers, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "gpgsig "))
        in_signature = TRUE;
      else if (lines[i][0] != ' ')
        in_signature = FALSE;
      if (!in_signature)
        g_string_append_printf (out, "%s\n", lines[i]);
    }
  g_string_append (out, body + 1);
  return g_string_free (out, FALSE);
}

char *
test_commit_write_with_signature (const char *repo_path,
                                  const char *text,
                                  GBytes     *signature)
{
  g_autofree char *armor = g_strndup (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));
  git_repository *repo = NULL;
  char hex[GIT_OID_HEXSZ + 1];
  git_oid oid;

  ck_assert_int_eq (git_repository_open (&repo, repo_path), 0);
  ck_assert_int_eq (git_commit_create_with_signature (&oid, repo, text, armor, "gpgsig"), 0);
  git_repository_free (repo);
  git_oid_tostr (hex, sizeof hex, &oid);
  return g_strdup (hex);
}

char *
test_commit_write_signed (const char        *repo_path,
                          const char        *text,
                          const TestOfficer *officer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) signature = chain_cms_sign_detached (officer->key, officer->cert, officer->intermediates,
                                                         (const guint8 *) text, strlen (text), &error);

  test_assert_no_error (error);
  return test_commit_write_with_signature (repo_path, text, signature);
}

GBytes *
test_commit_cms_sign_raw (ChainKey  **keys,
                          ChainCert **certs,
                          guint       n,
                          const char *text)
{
  int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
  BIO *in = BIO_new_mem_buf (text, (int) strlen (text));
  CMS_ContentInfo *cms = CMS_sign (NULL, NULL, NULL, NULL, flags);
  unsigned char *der = NULL;
  g_autoptr(GBytes) pem = NULL;
  GBytes *signature = NULL;
  int len;

  ck_assert_ptr_nonnull (cms);
  for (guint i = 0; i < n; i++)
    ck_assert_ptr_nonnull (CMS_add1_signer (cms, chain_cert_get_x509 (certs[i]), chain_key_get_pkey (keys[i]),
                                            EVP_sha256 (), 0));
  ck_assert (CMS_final (cms, in, NULL, flags) == 1);
  len = i2d_CMS_ContentInfo (cms, &der);
  ck_assert_int_gt (len, 0);
  pem = chain_armor_encode ("SIGNED MESSAGE", der, (gsize) len);
  /* The armor without its final newline, as the writer stores it. */
  signature = g_bytes_new_from_bytes (pem, 0, g_bytes_get_size (pem) - 1);
  OPENSSL_free (der);
  CMS_ContentInfo_free (cms);
  BIO_free (in);
  return signature;
}
