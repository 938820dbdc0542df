/* test-custody.c — real workspaces of a supply chain, built with the library */
#include "test-custody.h"

#include <stdarg.h>

#include "chain-workspace-private.h"
#include "chain-delegation.h"

ChainSecret *
test_custody_passphrase (void)
{
  return chain_secret_new (TEST_CLI_PASSPHRASE, strlen (TEST_CLI_PASSPHRASE));
}

ChainWorkspace *
test_custody_init (const char        *dir,
                   const char        *id,
                   const ChainPolicy *policy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autofree char *path = g_build_filename (dir, id, NULL);
  g_autofree char *org = g_strdup_printf ("%s Ltd", id);
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  ChainWorkspace *ws;

  options.org = org;
  options.id = id;
  options.policy = policy;
  options.passphrase = passphrase;
  ws = chain_workspace_init (path, &options, NULL, &error);
  test_assert_no_error (error);
  return ws;
}

/* A constrained parent's subject without its CN: where its children's
 * names must lie. NULL for an unconstrained parent. */
static char *
parent_namespace (ChainWorkspace *parent)
{
  ChainCert *ca = chain_workspace_get_ca (parent);
  g_autoptr(ChainNameConstraints) nc = chain_cert_dup_name_constraints (ca);
  g_autoptr(ChainName) subject = NULL;
  g_autofree char *text = NULL;
  const char *rest;

  if (nc == NULL)
    return NULL;
  subject = chain_cert_dup_subject (ca);
  text = chain_name_to_string (subject);
  rest = strchr (text, ',');
  ck_assert_ptr_nonnull (rest);
  return g_strdup (rest + 1);
}

ChainWorkspace *
test_custody_child (ChainWorkspace *parent,
                    const char     *dir,
                    const char     *id,
                    const char     *tier,
                    gboolean        accept)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  g_autofree char *path = g_build_filename (dir, id, NULL);
  g_autofree char *request_name = g_strdup_printf ("%s.request", id);
  g_autofree char *grant_name = g_strdup_printf ("%s.grant", id);
  g_autofree char *request_path = g_build_filename (dir, request_name, NULL);
  g_autofree char *grant_path = g_build_filename (dir, grant_name, NULL);
  g_autofree char *org = g_strdup_printf ("%s Ltd", id);
  g_autoptr(ChainRequestFile) request = NULL;
  g_autofree char *namespace = parent_namespace (parent);
  ChainWorkspaceOptions options = CHAIN_WORKSPACE_OPTIONS_INIT;
  ChainWorkspace *child;

  options.org = org;
  options.id = id;
  options.tier = tier;
  options.passphrase = passphrase;
  options.namespace = namespace;
  child = chain_workspace_request (path, &options, request_path, NULL, &error);
  test_assert_no_error (error);
  request = chain_request_file_load (request_path, &error);
  test_assert_no_error (error);
  ck_assert_msg (chain_workspace_delegate (parent, request, NULL, grant_path, &(ChainDelegateOutcome) { 0 }, NULL, &error),
                 "delegate %s: %s", id, error != NULL ? error->message : "");
  if (accept)
    {
      ck_assert_msg (chain_workspace_accept (child, grant_path, NULL, NULL, NULL, &error),
                     "accept %s: %s", id, error != NULL ? error->message : "");
    }
  return child;
}

char *
test_custody_thumbprint (const ChainCert *cert)
{
  g_autoptr(GBytes) der = chain_cert_to_der (cert);

  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, der);
}

GPtrArray *
test_custody_issue (ChainWorkspace    *ws,
                    const char *const *ids,
                    ChainCsr         **csrs,
                    gboolean           with_certificates)
{
  g_autoptr(GError) error = NULL;
  ChainIssuer *issuer = chain_workspace_get_issuer (ws, &error);
  GPtrArray *certs = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  GString *manifest = g_string_new ("device_id,serial,cert_sha256,public_key_sha256\n");
  GByteArray *pems = g_byte_array_new ();
  g_autoptr(GBytes) manifest_bytes = NULL;
  g_autoptr(GBytes) pem_bytes = NULL;
  g_autoptr(ChainStatement) st = NULL;
  g_autofree char *issuer_sha = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  ChainJson *body;
  guint n = g_strv_length ((char **) ids);

  test_assert_no_error (error);
  options.not_before = MAX (now - 3600, chain_cert_get_not_before (chain_issuer_get_cert (issuer)));
  options.not_after = MIN (now + 365 * 24 * 3600, chain_cert_get_not_after (chain_issuer_get_cert (issuer)) - 60);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChainKey) key = csrs == NULL ? chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, &error) : NULL;
      ChainCert *cert = chain_issuer_issue_device (issuer, ids[i], csrs != NULL ? csrs[i] : NULL, key, &options, &error);
      g_autofree char *serial = NULL;
      g_autofree char *sha = NULL;
      g_autofree char *spki = NULL;
      g_autoptr(GBytes) pem = NULL;

      test_assert_no_error (error);
      serial = chain_cert_dup_serial (cert);
      sha = test_custody_thumbprint (cert);
      spki = chain_cert_dup_public_key_sha256 (cert);
      pem = chain_cert_to_pem (cert);
      if (strchr (ids[i], ',') != NULL)
        g_string_append_printf (manifest, "\"%s\",%s,%s,%s\n", ids[i], serial, sha, spki);
      else
        g_string_append_printf (manifest, "%s,%s,%s,%s\n", ids[i], serial, sha, spki);
      g_byte_array_append (pems, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
      g_ptr_array_add (certs, cert);
    }
  manifest_bytes = g_string_free_to_bytes (manifest);
  pem_bytes = g_byte_array_free_to_bytes (pems);
  issuer_sha = test_custody_thumbprint (chain_issuer_get_cert (issuer));
  body = chain_json_new_object ();
  chain_json_object_set_string (body, "issuer", issuer_sha);
  chain_json_object_set_integer (body, "count", n);
  st = chain_workspace_new_statement (ws, CHAIN_RECORD_TYPE_DEVICE_BATCH, body, &error);
  test_assert_no_error (error);
  ck_assert (chain_statement_add_artifact (st, "manifest.csv", manifest_bytes, &error));
  if (with_certificates)
    ck_assert (chain_statement_add_artifact (st, "certificates.pem", pem_bytes, &error));
  ck_assert_msg (chain_workspace_commit (ws, st, NULL, NULL, &error), "batch: %s", error ? error->message : "");
  return certs;
}

ChainWorkspace *
test_custody_open (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainSecret) passphrase = test_custody_passphrase ();
  ChainWorkspace *ws = chain_workspace_open (path, NULL, &error);

  test_assert_no_error (error);
  ck_assert (chain_workspace_unlock (ws, NULL, passphrase, &error));
  test_assert_no_error (error);
  return ws;
}

TestCustody *
test_custody_new (void)
{
  TestCustody *self = g_new0 (TestCustody, 1);

  self->dir = test_support_tmpdir_new ();
  self->oem = test_custody_init (self->dir, "oem", NULL);
  self->cm = test_custody_child (self->oem, self->dir, "cm", "manufacturer", TRUE);
  self->dist = test_custody_child (self->cm, self->dir, "dist", "distributor", TRUE);
  return self;
}

TestCustody *
test_custody_copy (const TestCustody *src)
{
  TestCustody *self = g_new0 (TestCustody, 1);
  g_autofree char *parent = test_support_tmpdir_new ();
  const struct { ChainWorkspace **slot; const char *name; ChainWorkspace *from; } parties[] = {
    { &self->oem, "oem", src->oem }, { &self->cm, "cm", src->cm }, { &self->dist, "dist", src->dist },
  };

  self->dir = g_build_filename (parent, "custody", NULL);
  test_cli_copy_tree (src->dir, self->dir);
  for (guint i = 0; i < G_N_ELEMENTS (parties); i++)
    if (parties[i].from != NULL)
      {
        g_autofree char *path = g_build_filename (self->dir, parties[i].name, NULL);

        *parties[i].slot = test_custody_open (path);
      }
  return self;
}

void
test_custody_free (TestCustody *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->oem, chain_workspace_free);
  g_clear_pointer (&self->cm, chain_workspace_free);
  g_clear_pointer (&self->dist, chain_workspace_free);
  test_support_tmpdir_remove (self->dir);
  g_free (self->dir);
  g_free (self);
}

char *
test_custody_write_pem (const char *dir,
                        const char *name,
                        ChainCert  *first,
                        ...)
{
  g_autoptr(GByteArray) bundle = g_byte_array_new ();
  char *path = g_build_filename (dir, name, NULL);
  va_list args;

  va_start (args, first);
  for (ChainCert *cert = first; cert != NULL; cert = va_arg (args, ChainCert *))
    {
      g_autoptr(GBytes) pem = chain_cert_to_pem (cert);

      g_byte_array_append (bundle, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
    }
  va_end (args);
  test_support_write_file (path, bundle->data, bundle->len);
  return path;
}

char *
test_custody_python (const char        *program,
                     const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add (argv, (char *) "python3");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) program);
  for (gsize i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  status = test_cli_spawn (NULL, NULL, NULL, (const char *const *) argv->pdata, &out, &err);
  ck_assert_msg (status == 0, "python3 exited %d: %s", status, err);
  return g_steal_pointer (&out);
}
