/* cmd-demo.c — `chain demo DIR`: the three-tier story, start to finish
 *
 * An OEM root, two contract manufacturers under it, a distributor under the
 * first, and devices issued by the distributor from CSRs made "on the
 * device". Every party has its own directory and key; only CSRs and
 * certificates cross between them. Ends by verifying every device the way
 * a TLS peer would, with the CRL in force.
 */
#include "chain-cli.h"

#include <errno.h>
#include <glib/gstdio.h>

#define DEMO_DEVICES 8
#define DEMO_REVOKED_DEVICE 3
#define DEMO_POP_CODE "3A1F9C0B7D2E4F6A8B5C1D0E9F7A6B5C4D3E2F1A0B9C8D7E"
#define DAY (24 * 60 * 60)
#define YEAR (365 * DAY)

typedef struct {
  const ChainCliGlobals *globals;
  char                  *dir;
  ChainSecret           *passphrase;
  gint64                 now;
} Demo;

typedef struct {
  char      *name;        /* directory name of this party */
  ChainKey  *key;
  ChainCert *cert;
} Party;

static void
party_clear (Party *party)
{
  g_clear_pointer (&party->name, g_free);
  g_clear_pointer (&party->key, chain_key_free);
  g_clear_pointer (&party->cert, chain_cert_free);
}

static gboolean
write_bytes (const char *path, GBytes *bytes, GError **error)
{
  return g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL),
                                   (gssize) g_bytes_get_size (bytes),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static char *
party_path (Demo *demo, const char *party, const char *file)
{
  return g_build_filename (demo->dir, party, file, NULL);
}

/* A party makes its directory, a private key directory and a key. */
static gboolean
party_create (Demo *demo, Party *party, const char *name, GError **error)
{
  g_autofree char *keys = party_path (demo, name, "private");
  g_autofree char *key_path = g_build_filename (keys, "ca.key", NULL);

  party->name = g_strdup (name);
  if (g_mkdir_with_parents (keys, 0700) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot create %s: %s",
                   keys, g_strerror (errno));
      return FALSE;
    }
  party->key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, error);
  return party->key != NULL && chain_key_save (party->key, key_path, demo->passphrase, error);
}

static gboolean
party_save_cert (Demo *demo, Party *party, GError **error)
{
  g_autofree char *path = party_path (demo, party->name, "ca.pem");
  g_autoptr(GBytes) pem = chain_cert_to_pem (party->cert);

  return write_bytes (path, pem, error);
}

/* The child writes a CSR file; the parent reads that file, not the object. */
static ChainCsr *
party_request (Demo *demo, Party *child, const char *subject_text, GError **error)
{
  g_autofree char *path = party_path (demo, child->name, "request.csr");
  g_autoptr(ChainName) subject = chain_name_parse (subject_text, error);
  g_autoptr(ChainCsr) csr = NULL;
  g_autoptr(GBytes) pem = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;

  if (subject == NULL)
    return NULL;
  csr = chain_csr_new (child->key, subject, error);
  if (csr == NULL)
    return NULL;
  pem = chain_csr_to_pem (csr);
  if (!write_bytes (path, pem, error) || !g_file_get_contents (path, &data, &len, error))
    return NULL;
  return chain_csr_parse ((const guint8 *) data, len, error);
}

static ChainIssuer *
party_issuer (Party *party, GPtrArray *ancestors, GError **error)
{
  return chain_issuer_new (party->cert, party->key, ancestors, error);
}

static gboolean
delegate (Demo        *demo,
          ChainIssuer *parent,
          Party       *child,
          const char  *subject,
          int          path_len,
          const char  *constraints,
          gint64       lifetime,
          GError     **error)
{
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  g_autoptr(ChainNameConstraints) name_constraints = NULL;
  g_autoptr(ChainCsr) csr = party_request (demo, child, subject, error);

  if (csr == NULL)
    return FALSE;
  if (constraints != NULL)
    {
      name_constraints = chain_name_constraints_parse (constraints, error);
      if (name_constraints == NULL)
        return FALSE;
    }
  options.not_before = demo->now;
  options.not_after = demo->now + lifetime;
  options.path_len = path_len;
  options.name_constraints = name_constraints;
  child->cert = chain_issuer_issue_sub_ca (parent, csr, &options, error);
  if (child->cert == NULL || !party_save_cert (demo, child, error))
    return FALSE;
  chain_cli_print (demo->globals, "  %-12s %s (path length %d)\n", child->name,
                   subject, path_len);
  return TRUE;
}

static gboolean
issue_devices (Demo *demo, ChainIssuer *issuer, GPtrArray *devices, GError **error)
{
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  g_autofree char *dir = g_build_filename (demo->dir, "devices", NULL);

  options.not_before = demo->now;
  options.not_after = demo->now + 5 * YEAR;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot create %s", dir);
      return FALSE;
    }
  for (guint i = 0; i < DEMO_DEVICES; i++)
    {
      g_autofree char *id = g_strdup_printf ("sensor-%04u", i + 1);
      g_autofree char *path = g_strdup_printf ("%s/%s.pem", dir, id);
      /* Stands for the key a device's secure element makes and keeps. */
      g_autoptr(ChainKey) device_key = chain_key_generate (CHAIN_KEY_ALGORITHM_EC_P256, error);
      g_autofree char *subject_text = g_strdup_printf ("CN=%s", id);
      g_autoptr(ChainName) subject = chain_name_parse (subject_text, error);
      g_autoptr(ChainCsr) csr = NULL;
      g_autoptr(GBytes) pem = NULL;
      ChainCert *cert = NULL;

      if (device_key == NULL || subject == NULL)
        return FALSE;
      csr = chain_csr_new (device_key, subject, error);
      if (csr == NULL)
        return FALSE;
      cert = chain_issuer_issue_device (issuer, id, csr, NULL, &options, error);
      if (cert == NULL)
        return FALSE;
      g_ptr_array_add (devices, cert);
      pem = chain_cert_to_pem (cert);
      if (!write_bytes (path, pem, error))
        return FALSE;
    }
  chain_cli_print (demo->globals, "  %u device certificates in %s\n", DEMO_DEVICES, dir);
  return TRUE;
}

static gboolean
write_pop (Demo *demo, ChainIssuer *root, GError **error)
{
  g_autofree char *path = party_path (demo, "oem", "verification.pem");
  g_autoptr(ChainCert) pop = chain_issuer_issue_pop (root, DEMO_POP_CODE, error);
  g_autoptr(GBytes) pem = NULL;
  g_autofree char *thumbprint = NULL;

  if (pop == NULL)
    return FALSE;
  pem = chain_cert_to_pem (pop);
  thumbprint = chain_cert_get_thumbprint (chain_issuer_get_cert (root), CHAIN_DIGEST_SHA1);
  chain_cli_print (demo->globals, "  proof of possession for the root (thumbprint %s): %s\n",
                   thumbprint, path);
  return write_bytes (path, pem, error);
}

static ChainCrl *
revoke_one (Demo *demo, ChainIssuer *issuer, ChainCert *device, GError **error)
{
  g_autofree char *serial = chain_cert_get_serial (device);
  g_autofree char *path = g_build_filename (demo->dir, "distributor", "devices.crl", NULL);
  ChainRevokedEntry entry = { serial, demo->now, CHAIN_REVOCATION_KEY_COMPROMISE };
  g_autoptr(ChainCrl) crl = chain_issuer_create_crl (issuer, &entry, 1, 1, demo->now,
                                                     demo->now + 30 * DAY, error);
  g_autoptr(GBytes) pem = NULL;

  if (crl == NULL)
    return NULL;
  pem = chain_crl_to_pem (crl);
  if (!write_bytes (path, pem, error))
    return NULL;
  chain_cli_print (demo->globals, "  revoked device serial %s: %s\n", serial, path);
  return g_steal_pointer (&crl);
}

/* Each device is checked the way a broker would see it: leaf plus
 * intermediates, trusting only the OEM root, with every CRL in force. */
static gboolean
verify_devices (Demo *demo, GPtrArray *devices, GPtrArray *intermediates,
                GPtrArray *anchors, GPtrArray *crls, GError **error)
{
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;
  guint accepted = 0;

  options.purpose = CHAIN_VERIFY_PURPOSE_CLIENT_AUTH;
  options.crls = crls;
  for (guint i = 0; i < devices->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean ok = chain_verify (devices->pdata[i], intermediates, anchors, &options,
                                  NULL, &local_error);
      gboolean expect_ok = i + 1 != DEMO_REVOKED_DEVICE;

      if (ok != expect_ok)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                       "device %u: expected %s, got %s", i + 1,
                       expect_ok ? "accepted" : "revoked",
                       local_error ? local_error->message : "accepted");
          return FALSE;
        }
      accepted += ok;
    }
  chain_cli_print (demo->globals, "  verified: %u devices accepted, %u refused as revoked\n",
                   accepted, devices->len - accepted);
  return TRUE;
}

/* Every party signs its own CRL, even an empty one, so a verifier that
 * checks all CRLs can find one per CA. */
static gboolean
publish_empty_crl (Demo *demo, ChainIssuer *issuer, GPtrArray *crls, GError **error)
{
  ChainCrl *crl = chain_issuer_create_crl (issuer, NULL, 0, 1, demo->now,
                                           demo->now + 30 * DAY, error);

  if (crl == NULL)
    return FALSE;
  g_ptr_array_add (crls, crl);
  return TRUE;
}

static gboolean
run_story (Demo *demo, GError **error)
{
  ChainIssueOptions root_options = CHAIN_ISSUE_OPTIONS_INIT;
  Party oem = { 0 }, cm_a = { 0 }, cm_b = { 0 }, dist = { 0 };
  g_autoptr(ChainName) root_subject = NULL;
  g_autoptr(ChainIssuer) root = NULL, cm_a_issuer = NULL, dist_issuer = NULL;
  g_autoptr(GPtrArray) above_cm = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  g_autoptr(GPtrArray) above_dist = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  g_autoptr(GPtrArray) crls = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_crl_free);
  ChainCrl *device_crl = NULL;
  gboolean ok = FALSE;

  chain_cli_print (demo->globals, "Custody chain in %s:\n", demo->dir);
  root_subject = chain_name_parse ("CN=Acme Root CA,O=Acme Devices,C=DE", error);
  if (root_subject == NULL || !party_create (demo, &oem, "oem", error))
    goto out;
  root_options.not_before = demo->now;
  root_options.not_after = demo->now + 20 * YEAR;
  root_options.path_len = 2;
  oem.cert = chain_root_create (oem.key, root_subject, &root_options, error);
  if (oem.cert == NULL || !party_save_cert (demo, &oem, error))
    goto out;
  chain_cli_print (demo->globals, "  %-12s CN=Acme Root CA,O=Acme Devices,C=DE (path length 2)\n",
                   "oem");
  root = party_issuer (&oem, NULL, error);
  if (root == NULL
      || !party_create (demo, &cm_a, "cm-widget", error)
      || !delegate (demo, root, &cm_a, "CN=Widget Manufacturing CA,OU=Widget,O=Acme Devices,C=DE",
                    1, "permitted:dirName:OU=Widget,O=Acme Devices,C=DE", 10 * YEAR, error)
      || !party_create (demo, &cm_b, "cm-gadget", error)
      || !delegate (demo, root, &cm_b, "CN=Gadget Manufacturing CA,OU=Gadget,O=Acme Devices,C=DE",
                    0, "permitted:dirName:OU=Gadget,O=Acme Devices,C=DE", 10 * YEAR, error))
    goto out;

  g_ptr_array_add (above_cm, chain_cert_copy (oem.cert));
  cm_a_issuer = party_issuer (&cm_a, above_cm, error);
  if (cm_a_issuer == NULL
      || !party_create (demo, &dist, "distributor", error)
      || !delegate (demo, cm_a_issuer, &dist,
                    "CN=Northwind Distribution CA,OU=Widget,O=Acme Devices,C=DE",
                    0, NULL, 5 * YEAR, error))
    goto out;

  g_ptr_array_add (above_dist, chain_cert_copy (cm_a.cert));
  g_ptr_array_add (above_dist, chain_cert_copy (oem.cert));
  dist_issuer = party_issuer (&dist, above_dist, error);
  if (dist_issuer == NULL
      || !issue_devices (demo, dist_issuer, devices, error)
      || !write_pop (demo, root, error))
    goto out;

  device_crl = revoke_one (demo, dist_issuer, devices->pdata[DEMO_REVOKED_DEVICE - 1], error);
  if (device_crl == NULL)
    goto out;
  g_ptr_array_add (crls, device_crl);
  if (!publish_empty_crl (demo, root, crls, error)
      || !publish_empty_crl (demo, cm_a_issuer, crls, error))
    goto out;

  g_ptr_array_remove_index (above_dist, 1);  /* a device sends intermediates, not the root */
  g_ptr_array_add (above_dist, chain_cert_copy (dist.cert));
  ok = verify_devices (demo, devices, above_dist, above_cm, crls, error);

out:
  party_clear (&oem);
  party_clear (&cm_a);
  party_clear (&cm_b);
  party_clear (&dist);
  return ok;
}

/* The demo's parties share one random passphrase, kept beside them (0600)
 * so a user can go on with the keys; a real custodian keeps it elsewhere. */
static ChainSecret *
demo_passphrase (Demo *demo, GError **error)
{
  g_autofree char *path = g_build_filename (demo->dir, "passphrase", NULL);
  g_autoptr(ChainSecret) secret = chain_secret_new_random ();
  gsize len = 0;
  const guint8 *data = chain_secret_get_data (secret, &len);

  if (!g_file_set_contents_full (path, (const char *) data, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  return g_steal_pointer (&secret);
}

gboolean
cmd_demo (const ChainCliGlobals *globals,
          int                    argc,
          char                 **argv,
          GCancellable          *cancellable,
          GError               **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("DIR — run the whole story into DIR");
  Demo demo = { globals, NULL, NULL, g_get_real_time () / G_USEC_PER_SEC };
  gboolean ok = FALSE;

  g_option_context_set_summary (context,
    "Creates an OEM root, two contract manufacturers and a distributor, each with\n"
    "its own key, issues devices from on-device CSRs, revokes one, and verifies them.\n\n"
    "Example:\n  chain demo /tmp/chain-demo");
  if (!chain_cli_parse_options (context, &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    {
      g_set_error (error, CHAIN_CLI_ERROR, CHAIN_CLI_ERROR_USAGE,
                   "chain demo takes one directory (see chain demo --help)");
      return FALSE;
    }
  demo.dir = g_canonicalize_filename (argv[1], NULL);
  if (g_file_test (demo.dir, G_FILE_TEST_EXISTS) && g_rmdir (demo.dir) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                   "%s exists and is not empty: give a new directory", demo.dir);
      goto out;
    }
  if (g_mkdir_with_parents (demo.dir, 0700) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, "cannot create %s: %s",
                   demo.dir, g_strerror (errno));
      goto out;
    }
  demo.passphrase = demo_passphrase (&demo, error);
  ok = demo.passphrase != NULL && run_story (&demo, error);

out:
  g_free (demo.dir);
  chain_secret_free (demo.passphrase);
  return ok;
}
