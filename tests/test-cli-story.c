/* test-cli-story.c — the whole story of `chain demo`, one command at a time
 *
 * An OEM whose policy wants two officers for a delegation, two contract
 * manufacturers, a distributor under the first; each in its own workspace,
 * requests and grants handed over as files, ledgers carried back by `chain
 * sync` and by bundles. The distributor issues devices (keys made here, ids
 * from stdin, and CSRs `openssl req` made "on the device"), revokes one,
 * writes its CRL; the OEM exports its root for Azure IoT Hub with a proof of
 * possession. Then the real peers judge the result: `openssl verify`,
 * GnuTLS `certtool`, Python's `cryptography`, plain `git clone`/`log`/`fsck`.
 *
 * The unchecked fixture runs the story once, keeping each command's exit
 * status and output; the step cases judge one command each, the other cases
 * only read what the story left. So every case is independent of the
 * others' order and of forking, and the story runs once per suite.
 */
#include "test-cli.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#define OEM_ORG "Widget Ltd"
#define AZURE_CODE "8F3E2A1B0C9D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8091A2B3"
#define CM_A_CODE "CMA-POP-0001"
#define REVOKED_DEVICE "sensor-2"
#define GOOD_DEVICE "sensor-1"

static char *tmpdir;
static char *story;        /* where the workspaces live; the commands' cwd */
static char *root_sha256;  /* the OEM root's thumbprint, as `chain init` printed it */

static const char *const workspaces[] = { "oem", "cm-a", "cm-b", "dist" };

/* ---- The story's commands ---------------------------------------------------- */

enum {
  S_OEM_INIT,
  S_OEM_OFFICER_ADD,
  S_OEM_OFFICER_LIST,
  S_CMA_REQUEST,
  S_CMA_DRY_RUN,
  S_CMA_DELEGATE_REFUSED,
  S_OEM_STATUS_PENDING,
  S_CMA_APPROVE,
  S_CMA_APPROVE_AGAIN,
  S_CMA_DELEGATE,
  S_CMA_ACCEPT,
  S_CMA_SYNC_BACK,
  S_CMB_REQUEST,
  S_CMB_DELEGATE_REFUSED,
  S_CMB_APPROVE,
  S_CMB_DELEGATE,
  S_CMB_ACCEPT,
  S_CMB_BUNDLE,
  S_OEM_IMPORT,
  S_OEM_EXPORT,
  S_CMA_SYNC,
  S_CMA_OFFICER_ADD,
  S_CMA_POP,
  S_DIST_REQUEST,
  S_DIST_DELEGATE_REFUSED,
  S_DIST_APPROVE,
  S_DIST_DELEGATE,
  S_DIST_ACCEPT,
  S_DIST_ISSUE_COUNT,
  S_DIST_ISSUE_STDIN,
  S_DIST_ISSUE_CSRS,
  S_DIST_REVOKE,
  S_DIST_CRL,
  S_DIST_SYNC,
  S_CMA_SYNC_UP,
  S_CMB_SYNC,
  S_OEM_SYNC,
  S_AUDIT_OEM,
  S_AUDIT_CMA,
  S_AUDIT_CMB,
  S_AUDIT_DIST,
  S_LOG,
  S_LOG_TEXT,
  S_STATUS,
  S_SHOW_TIP,
  N_STEPS
};

typedef struct _Step Step;

/* Extra checks on a step that exited as expected; @json is its parsed
 * stdout for a --json step, else NULL. */
typedef void (*StepCheck) (const Step *step,
                           const char *out,
                           ChainJson  *json);

struct _Step {
  const char *name;
  const char *dir;          /* -C DIR */
  gboolean    json;         /* --json */
  const char *args[16];     /* "{root}" becomes the root's thumbprint */
  int         status;       /* expected exit status */
  const char *needle;       /* in stdout (exit 0) or in the error line */
  const char *stdin_text;   /* (nullable) */
  void      (*prepare) (void);
  StepCheck   check;
  const char *absent;       /* (nullable) a file the step must not have written */
};

typedef struct {
  gboolean ran;
  int      status;
  char    *out;
  char    *err;
  gboolean absent_found;  /* Step.absent existed right after the step */
} StepResult;

static StepResult results[N_STEPS];

static char *
story_path (const char *relative)
{
  return g_build_filename (story, relative, NULL);
}

static gboolean
story_exists (const char *relative)
{
  g_autofree char *path = story_path (relative);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* `openssl x509 -fingerprint -sha256` of a PEM file, as lower-case hex. */
static char *
openssl_sha256 (const char *relative)
{
  g_autofree char *path = story_path (relative);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GString) hex = g_string_new (NULL);
  const char *p;
  int status;

  status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "openssl", "x509", "-in", path, "-noout", "-fingerprint", "-sha256", NULL }, &out, &err);
  ck_assert_msg (status == 0, "openssl x509 %s: %s", path, err);
  p = strchr (out, '=');
  ck_assert_ptr_nonnull (p);
  for (p++; *p != '\0' && *p != '\n'; p++)
    if (*p != ':')
      g_string_append_c (hex, g_ascii_tolower (*p));
  return g_string_free (g_steal_pointer (&hex), FALSE);
}

/* The subject of a certificate, RFC 2253 order ("CN=...,O=..."). */
static char *
openssl_subject (const char *path)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "openssl", "x509", "-in", path, "-noout", "-subject", "-nameopt", "RFC2253", NULL },
    &out, &err);

  ck_assert_msg (status == 0, "openssl x509 %s: %s", path, err);
  ck_assert (g_str_has_prefix (out, "subject="));
  return g_strdup (g_strstrip (out + strlen ("subject=")));
}

/* ---- Checks of single steps -------------------------------------------------- */

static void
check_init (const Step *step, const char *out, ChainJson *json)
{
  g_autofree char *fingerprint = openssl_sha256 ("oem/certs/root.pem");
  g_autofree char *expected = g_strdup_printf ("Root CA SHA-256: %s", fingerprint);

  ck_assert_msg (strstr (out, expected) != NULL, "init printed: %s; openssl says %s",
                 out, fingerprint);
  ck_assert (story_exists ("oem/ledger.git"));
  ck_assert (story_exists ("oem/pinned-tip"));
}

static void
check_officer_list (const Step *step, const char *out, ChainJson *json)
{
  ck_assert_uint_eq (test_cli_json_length (json, ""), 2);
  ck_assert_str_eq (test_cli_json_string (json, "0"), "officer");
  ck_assert_str_eq (test_cli_json_string (json, "1"), "oscar");
}

static void
check_cma_request (const Step *step, const char *out, ChainJson *json)
{
  ck_assert_str_eq (test_cli_json_string (json, "custodian"), "cm-a");
  ck_assert_str_eq (test_cli_json_string (json, "tier"), "manufacturer");
  ck_assert_str_eq (test_cli_json_string (json, "request"), "cm-a.req");
  ck_assert (story_exists ("cm-a.req"));
  /* The workspace has its key but no ledger before it is accepted. */
  ck_assert (story_exists ("cm-a/private/ca.key"));
}

static void
check_dry_run (const Step *step, const char *out, ChainJson *json)
{
  ck_assert (test_cli_json_bool (json, "allowed"));
  ck_assert_str_eq (test_cli_json_string (json, "custodian"), "cm-a");
  ck_assert_str_eq (test_cli_json_string (json, "subject"), "CN=CM A CA,O=CM A");
  ck_assert_int_eq (test_cli_json_int (json, "threshold"), 2);
  ck_assert_int_eq (test_cli_json_int (json, "approvals"), 0);
  ck_assert_int_eq (test_cli_json_int (json, "path_len"), 1);
}

static void
check_pending (const Step *step, const char *out, ChainJson *json)
{
  ck_assert_uint_eq (test_cli_json_length (json, "requests"), 1);
  ck_assert_str_eq (test_cli_json_string (json, "requests/0/custodian"), "cm-a");
  ck_assert_int_eq (test_cli_json_int (json, "requests/0/threshold"), 2);
  ck_assert_int_eq (test_cli_json_int (json, "requests/0/approvals"), 0);
}

static void
check_approve (const Step *step, const char *out, ChainJson *json)
{
  ck_assert_str_eq (test_cli_json_string (json, "decision"), "approve");
  ck_assert (g_str_has_prefix (test_cli_json_string (json, "officer"), step->args[3]));
  ck_assert_int_gt (test_cli_json_int (json, "seq"), 0);
}

static void
check_cma_delegate (const Step *step, const char *out, ChainJson *json)
{
  ck_assert (test_cli_json_bool (json, "allowed"));
  ck_assert_str_eq (test_cli_json_string (json, "grant"), "cm-a.grant");
  ck_assert_int_eq (test_cli_json_int (json, "threshold"), 2);
  ck_assert_int_eq (test_cli_json_int (json, "approvals"), 1);
  ck_assert (story_exists ("cm-a.grant"));
}

static void
check_cma_accept (const Step *step, const char *out, ChainJson *json)
{
  g_autofree char *ca = openssl_sha256 ("cm-a/certs/ca.pem");

  ck_assert_str_eq (test_cli_json_string (json, "custodian"), "cm-a");
  ck_assert_str_eq (test_cli_json_string (json, "root_sha256"), root_sha256);
  ck_assert_str_eq (test_cli_json_string (json, "ca_sha256"), ca);
  ck_assert (story_exists ("cm-a/ledger.git"));
}

static void
check_import (const Step *step, const char *out, ChainJson *json)
{
  ck_assert_str_eq (test_cli_json_string (json, "status"), "fast-forwarded");
  ck_assert_int_eq (test_cli_json_int (json, "records"), 1);
}

/* dist's acceptance, three device batches and the revocation go up. */
static void
check_push (const Step *step, const char *out, ChainJson *json)
{
  ck_assert_str_eq (test_cli_json_string (json, "status"), "up-to-date");
  ck_assert_int_eq (test_cli_json_int (json, "pushed"), 5);
  ck_assert_int_eq (test_cli_json_int (json, "unpushed"), 0);
}

/* cm-b left after its acceptance (record 9); the story has 22 records. */
static void
check_fetch (const Step *step, const char *out, ChainJson *json)
{
  ck_assert_str_eq (test_cli_json_string (json, "status"), "fast-forwarded");
  ck_assert_int_eq (test_cli_json_int (json, "fetched"), 12);
  ck_assert_int_eq (test_cli_json_int (json, "seq"), 21);
  ck_assert_int_eq (test_cli_json_int (json, "pushed"), 0);
}

/* The files are there, and the digests --json reports are theirs. */
static void
check_export (const Step *step, const char *out, ChainJson *json)
{
  static const char *const names[] = { "ca.pem", "ca.cer", "upload.sh", "verification.pem" };
  gsize n;

  ck_assert_uint_eq (test_cli_json_length (json, "exports"), 1);
  ck_assert_str_eq (test_cli_json_string (json, "exports/0/target"), "azure-iothub");
  ck_assert_str_eq (test_cli_json_string (json, "exports/0/ca"), root_sha256);
  ck_assert_uint_eq (test_cli_json_length (json, "exports/0/warnings"), 0);
  ck_assert_int_gt (test_cli_json_int (json, "exports/0/seq"),
                    test_cli_json_int (json, "exports/0/pop_seq"));
  n = test_cli_json_length (json, "exports/0/files");
  ck_assert_uint_eq (n, G_N_ELEMENTS (names));
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *name_path = g_strdup_printf ("exports/0/files/%zu/name", i);
      g_autofree char *digest_path = g_strdup_printf ("exports/0/files/%zu/sha256", i);
      g_autofree char *recorded_path = g_strdup_printf ("exports/0/files/%zu/recorded", i);
      const char *name = test_cli_json_string (json, name_path);
      g_autofree char *file = g_build_filename ("export/azure-iothub", name, NULL);
      g_autofree char *path = story_path (file);
      gsize len = 0;
      g_autofree char *data = test_cli_read_file (path, &len);
      g_autofree char *digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                             (const guchar *) data, len);

      ck_assert_msg (g_strv_contains (names, name), "export wrote %s", name);
      ck_assert_str_eq (test_cli_json_string (json, digest_path), digest);
      /* The pop record holds the verification certificate, the export the rest. */
      ck_assert (test_cli_json_bool (json, recorded_path)
                 == (strcmp (name, "verification.pem") != 0));
    }
}

static void
check_issue_count (const Step *step, const char *out, ChainJson *json)
{
  ck_assert (test_cli_json_bool (json, "complete"));
  ck_assert_int_eq (test_cli_json_int (json, "count"), 4);
  ck_assert_uint_eq (test_cli_json_length (json, "records"), 1);
  ck_assert_str_eq (test_cli_json_string (json, "records/0/first"), "sensor-1");
  ck_assert_str_eq (test_cli_json_string (json, "records/0/last"), "sensor-4");
  ck_assert_str_eq (test_cli_json_string (json, "manifest_csv"), "devices/manifest.csv");
}

/* The CRL revokes one device, and the IoT Hub list disables it. */
static void
check_crl (const Step *step, const char *out, ChainJson *json)
{
  g_autofree char *list_path = story_path ("crl/azure-iothub/disabled-devices.txt");
  g_autofree char *list = test_cli_read_file (list_path, NULL);

  ck_assert (test_cli_json_bool (json, "signed"));
  ck_assert_int_eq (test_cli_json_int (json, "revoked"), 1);
  ck_assert_int_eq (test_cli_json_int (json, "disabled_devices"), 1);
  ck_assert_msg (strstr (list, REVOKED_DEVICE) != NULL && strstr (list, GOOD_DEVICE) == NULL,
                 "disabled-devices.txt: %s", list);
}

static void
check_cma_pop (const Step *step, const char *out, ChainJson *json)
{
  g_autofree char *pop = story_path ("cm-a-verification.pem");
  g_autofree char *subject = NULL;

  ck_assert (g_file_test (pop, G_FILE_TEST_EXISTS));
  subject = openssl_subject (pop);
  ck_assert_msg (g_str_has_prefix (subject, "CN=" CM_A_CODE), "subject: %s", subject);
}

static void
check_dist_accept (const Step *step, const char *out, ChainJson *json)
{
  g_autofree char *subject = NULL;
  g_autofree char *ca = story_path ("dist/certs/ca.pem");

  subject = openssl_subject (ca);
  ck_assert_str_eq (subject, "CN=Dist X CA,OU=Dist X,O=CM A");
}

static void
check_audit (const Step *step, const char *out, ChainJson *json)
{
  ck_assert_msg (g_str_has_prefix (out, "audit passed: "), "audit said: %s", out);
}

static void
check_audit_json (const Step *step, const char *out, ChainJson *json)
{
  gsize n = test_cli_json_length (json, "records");

  ck_assert (test_cli_json_bool (json, "ok"));
  ck_assert_int_eq (test_cli_json_int (json, "n_failed"), 0);
  ck_assert_int_eq (test_cli_json_int (json, "n_records"), (gint64) n);
  ck_assert_uint_eq (test_cli_json_length (json, "findings"), 0);
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("records/%zu/ok", i);

      ck_assert (test_cli_json_bool (json, path));
    }
}

/* The record types of the story, oldest first, as `chain log` names them. */
static const char *const story_types[] = {
  "genesis", "officer",
  "delegation-request", "approval", "delegation", "acceptance",         /* CM A */
  "delegation-request", "approval", "delegation", "acceptance",         /* CM B */
  "pop", "export",                                                      /* OEM */
  "officer", "pop",                                                     /* CM A */
  "delegation-request", "approval", "delegation", "acceptance",         /* Dist X */
  "device-batch", "device-batch", "device-batch", "revocation",
};

static void
check_log (const Step *step, const char *out, ChainJson *json)
{
  gsize n = test_cli_json_length (json, "");

  ck_assert_uint_eq (n, G_N_ELEMENTS (story_types));
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *seq = g_strdup_printf ("%zu/seq", i);
      g_autofree char *type = g_strdup_printf ("%zu/type", i);

      ck_assert_int_eq (test_cli_json_int (json, seq), (gint64) i);
      ck_assert_msg (g_strcmp0 (test_cli_json_string (json, type), story_types[i]) == 0,
                     "record %zu is a %s, expected %s", i,
                     test_cli_json_string (json, type), story_types[i]);
    }
}

static void
check_status (const Step *step, const char *out, ChainJson *json)
{
  gsize n = test_cli_json_length (json, "custody");
  gboolean seen[G_N_ELEMENTS (workspaces)] = { FALSE };
  static const char *const ids[] = { "widget-ltd", "cm-a", "cm-b", "dist-x" };

  ck_assert_str_eq (test_cli_json_string (json, "workspace/custodian"), "dist-x");
  ck_assert_int_eq (test_cli_json_int (json, "ledger/records"),
                    (gint64) G_N_ELEMENTS (story_types));
  ck_assert_int_eq (test_cli_json_int (json, "ledger/revoked"), 1);
  ck_assert_uint_eq (n, G_N_ELEMENTS (ids));
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *id_path = g_strdup_printf ("custody/%zu/id", i);
      g_autofree char *status_path = g_strdup_printf ("custody/%zu/status", i);
      g_autofree char *devices_path = g_strdup_printf ("custody/%zu/devices", i);
      const char *id = test_cli_json_string (json, id_path);

      ck_assert_str_eq (test_cli_json_string (json, status_path), "valid");
      for (gsize k = 0; k < G_N_ELEMENTS (ids); k++)
        if (strcmp (id, ids[k]) == 0)
          seen[k] = TRUE;
      ck_assert_int_eq (test_cli_json_int (json, devices_path), strcmp (id, "dist-x") == 0 ? 9 : 0);
    }
  for (gsize k = 0; k < G_N_ELEMENTS (ids); k++)
    ck_assert_msg (seen[k], "status lists no custodian %s", ids[k]);
}

/* Devices made "on the device": two P-256 keys and one RSA-2048. */
static const struct {
  const char *id;
  const char *newkey;
  const char *opt;
} csr_devices[] = {
  { "node-ec-1", "ec", "ec_paramgen_curve:P-256" },
  { "node-ec-2", "ec", "ec_paramgen_curve:P-256" },
  { "node-rsa-1", "rsa", "rsa_keygen_bits:2048" },
};

static void
make_csrs (void)
{
  g_autofree char *csrs = story_path ("csrs");
  g_autofree char *keys = story_path ("csr-keys");

  g_mkdir (csrs, 0755);
  g_mkdir (keys, 0700);
  for (gsize i = 0; i < G_N_ELEMENTS (csr_devices); i++)
    {
      g_autofree char *csr = g_strdup_printf ("%s/%s.csr", csrs, csr_devices[i].id);
      g_autofree char *key = g_strdup_printf ("%s/%s.key", keys, csr_devices[i].id);
      g_autofree char *subject = g_strdup_printf ("/CN=%s", csr_devices[i].id);

      test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
        "openssl", "req", "-new", "-newkey", csr_devices[i].newkey, "-pkeyopt", csr_devices[i].opt,
        "-nodes", "-keyout", key, "-subj", subject, "-sha256", "-out", csr, NULL }, NULL, NULL);
    }
}

static const Step steps[N_STEPS] = {
  [S_OEM_INIT] = { "oem init, two officers per delegation", "oem", FALSE,
    { "init", "--org", OEM_ORG, "--threshold", "delegation=2", NULL }, 0,
    "Created workspace oem", NULL, NULL, check_init },
  [S_OEM_OFFICER_ADD] = { "oem enrols a second officer", "oem", FALSE,
    { "officer", "add", "oscar", NULL }, 0, "oscar", NULL, NULL, NULL },
  [S_OEM_OFFICER_LIST] = { "oem lists its officers", "oem", TRUE,
    { "officer", "list", NULL }, 0, NULL, NULL, NULL, check_officer_list },
  [S_CMA_REQUEST] = { "cm-a requests a sub-CA", "cm-a", TRUE,
    { "request", "--org", "CM A", "--tier", "manufacturer", "-o", "cm-a.req", NULL }, 0,
    NULL, NULL, NULL, check_cma_request },
  [S_CMA_DRY_RUN] = { "oem previews cm-a's delegation", "oem", TRUE,
    { "delegate", "--dry-run", "cm-a.req", NULL }, 0, NULL, NULL, NULL, check_dry_run,
    "cm-a.grant" },
  [S_CMA_DELEGATE_REFUSED] = { "oem delegate waits for a second officer", "oem", FALSE,
    { "delegate", "cm-a.req", "-o", "cm-a.grant", NULL }, 1, "chain approve", NULL, NULL,
    NULL, "cm-a.grant" },
  [S_OEM_STATUS_PENDING] = { "oem status shows the pending request", "oem", TRUE,
    { "status", NULL }, 0, NULL, NULL, NULL, check_pending },
  [S_CMA_APPROVE] = { "oscar approves cm-a", "oem", TRUE,
    { "approve", "cm-a", "--officer", "oscar", NULL }, 0, NULL, NULL, NULL, check_approve },
  /* Approved already: an error (1), not a failed verification (3). */
  [S_CMA_APPROVE_AGAIN] = { "oscar approves cm-a again", "oem", FALSE,
    { "approve", "cm-a", "--officer", "oscar", NULL }, 1, "approved the request of 'cm-a' already", NULL,
    NULL, NULL },
  [S_CMA_DELEGATE] = { "oem delegates to cm-a", "oem", TRUE,
    { "delegate", "cm-a.req", "-o", "cm-a.grant", NULL }, 0, NULL, NULL, NULL,
    check_cma_delegate },
  [S_CMA_ACCEPT] = { "cm-a accepts, checking the published root", "cm-a", TRUE,
    { "accept", "cm-a.grant", "--root", "{root}", NULL }, 0, NULL, NULL, NULL,
    check_cma_accept },
  [S_CMA_SYNC_BACK] = { "cm-a pushes its acceptance to oem", "cm-a", FALSE,
    { "sync", "oem", NULL }, 0, "pushed 1 record", NULL, NULL, NULL },
  [S_CMB_REQUEST] = { "cm-b requests a sub-CA, quietly", "cm-b", FALSE,
    { "-q", "request", "--org", "CM B", "--tier", "manufacturer", "-o", "cm-b.req", NULL }, 0,
    NULL, NULL, NULL, NULL },
  [S_CMB_DELEGATE_REFUSED] = { "oem delegate to cm-b waits for a second officer", "oem", FALSE,
    { "delegate", "cm-b.req", "-o", "cm-b.grant", NULL }, 1, "chain approve", NULL, NULL,
    NULL, "cm-b.grant" },
  [S_CMB_APPROVE] = { "oscar approves cm-b", "oem", TRUE,
    { "approve", "cm-b", "--officer", "oscar", NULL }, 0, NULL, NULL, NULL, check_approve },
  [S_CMB_DELEGATE] = { "oem delegates to cm-b", "oem", FALSE,
    { "delegate", "cm-b.req", "-o", "cm-b.grant", NULL }, 0, "Delegated to 'cm-b'", NULL, NULL,
    NULL },
  [S_CMB_ACCEPT] = { "cm-b accepts", "cm-b", FALSE,
    { "accept", "cm-b.grant", "--root", "{root}", NULL }, 0, "as 'cm-b'", NULL, NULL, NULL },
  [S_CMB_BUNDLE] = { "cm-b writes a bundle for the air-gapped oem", "cm-b", FALSE,
    { "bundle", "create", "cm-b.bundle", NULL }, 0, "cm-b.bundle", NULL, NULL, NULL },
  [S_OEM_IMPORT] = { "oem imports cm-b's bundle", "oem", TRUE,
    { "bundle", "import", "cm-b.bundle", NULL }, 0, NULL, NULL, NULL, check_import },
  [S_OEM_EXPORT] = { "oem exports its root for Azure IoT Hub with a proof of possession", "oem",
    TRUE, { "export", "--target", "azure-iothub", "--code", AZURE_CODE, "-o", "export", NULL },
    0, NULL, NULL, NULL, check_export },
  [S_CMA_SYNC] = { "cm-a fetches cm-b's records and the export", "cm-a", FALSE,
    { "sync", "oem", NULL }, 0, "fetched", NULL, NULL, NULL },
  [S_CMA_OFFICER_ADD] = { "cm-a enrols a second officer", "cm-a", FALSE,
    { "officer", "add", "alan", NULL }, 0, "alan", NULL, NULL, NULL },
  [S_CMA_POP] = { "cm-a proves possession of its CA", "cm-a", FALSE,
    { "pop", "--code", CM_A_CODE, "-o", "cm-a-verification.pem", NULL }, 0, NULL, NULL, NULL,
    check_cma_pop },
  [S_DIST_REQUEST] = { "dist requests a sub-CA under CM A", "dist", FALSE,
    { "request", "--org", "Dist X", "--tier", "distributor", "--under", "O=CM A", "-o",
      "dist.req", NULL }, 0, "dist.req", NULL, NULL, NULL },
  [S_DIST_DELEGATE_REFUSED] = { "cm-a delegate waits for a second officer", "cm-a", FALSE,
    { "delegate", "dist.req", "-o", "dist.grant", NULL }, 1, "chain approve", NULL, NULL,
    NULL, "dist.grant" },
  [S_DIST_APPROVE] = { "alan approves dist", "cm-a", TRUE,
    { "approve", "dist-x", "--officer", "alan", NULL }, 0, NULL, NULL, NULL, check_approve },
  [S_DIST_DELEGATE] = { "cm-a delegates to dist", "cm-a", FALSE,
    { "delegate", "dist.req", "-o", "dist.grant", NULL }, 0, "Delegated to 'dist-x'", NULL, NULL,
    NULL },
  [S_DIST_ACCEPT] = { "dist accepts", "dist", FALSE,
    { "accept", "dist.grant", "--root", "{root}", NULL }, 0, "as 'dist-x'", NULL, NULL,
    check_dist_accept },
  [S_DIST_ISSUE_COUNT] = { "dist issues four devices with keys and PKCS#12", "dist", TRUE,
    { "issue", "--count", "4", "--prefix", "sensor-", "--pkcs12", "-o", "devices", NULL }, 0,
    NULL, NULL, NULL, check_issue_count },
  [S_DIST_ISSUE_STDIN] = { "dist issues ids read from stdin", "dist", FALSE,
    { "issue", "--ids", "-", "-o", "devices-ids", NULL }, 0, "Issued 2 devices",
    "pump-a\n# comment\npump-b\n",
    NULL, NULL },
  [S_DIST_ISSUE_CSRS] = { "dist issues devices from their CSRs", "dist", FALSE,
    { "issue", "--csr-dir", "csrs", "-o", "devices-csr", NULL }, 0, "Issued 3 devices", NULL,
    make_csrs, NULL },
  [S_DIST_REVOKE] = { "dist revokes one device", "dist", FALSE,
    { "revoke", REVOKED_DEVICE, "--reason", "key-compromise", NULL }, 0, REVOKED_DEVICE, NULL,
    NULL, NULL },
  [S_DIST_CRL] = { "dist writes its CRL and the disable lists", "dist", TRUE,
    { "crl", "-o", "crl", NULL }, 0, NULL, NULL, NULL, check_crl },
  [S_DIST_SYNC] = { "dist pushes its records to cm-a", "dist", TRUE,
    { "sync", "cm-a", NULL }, 0, NULL, NULL, NULL, check_push },
  [S_CMA_SYNC_UP] = { "cm-a pushes everything to oem", "cm-a", FALSE,
    { "sync", "oem", NULL }, 0, "pushed", NULL, NULL, NULL },
  [S_CMB_SYNC] = { "cm-b catches up with oem", "cm-b", TRUE,
    { "sync", "oem", NULL }, 0, NULL, NULL, NULL, check_fetch },
  [S_OEM_SYNC] = { "oem is up to date with cm-b", "oem", FALSE,
    { "sync", "cm-b", NULL }, 0, "up to date", NULL, NULL, NULL },
  [S_AUDIT_OEM] = { "audit oem", "oem", FALSE, { "audit", NULL }, 0, NULL, NULL, NULL,
    check_audit },
  [S_AUDIT_CMA] = { "audit cm-a", "cm-a", FALSE, { "audit", NULL }, 0, NULL, NULL, NULL,
    check_audit },
  [S_AUDIT_CMB] = { "audit cm-b", "cm-b", FALSE, { "audit", NULL }, 0, NULL, NULL, NULL,
    check_audit },
  [S_AUDIT_DIST] = { "audit dist, as JSON", "dist", TRUE, { "audit", "--all", NULL }, 0, NULL,
    NULL, NULL, check_audit_json },
  [S_LOG] = { "log, oldest first", "cm-b", TRUE, { "log", "--reverse", NULL }, 0, NULL, NULL,
    NULL, check_log },
  [S_STATUS] = { "status of dist", "dist", TRUE, { "status", NULL }, 0, NULL, NULL, NULL,
    check_status },
  [S_LOG_TEXT] = { "log, the newest record", "oem", FALSE, { "log", "-n", "1", NULL }, 0,
    "revocation", NULL, NULL, NULL },
  [S_SHOW_TIP] = { "show the revocation", "oem", FALSE, { "show", "tip", NULL }, 0,
    "(revocation)", NULL, NULL, NULL },
};

/* ---- The fixture: the story, once -------------------------------------------- */

static void
run_step (guint index)
{
  const Step *step = &steps[index];
  StepResult *result = &results[index];
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *stdin_path = NULL;

  if (step->prepare != NULL)
    step->prepare ();
  if (step->json)
    g_ptr_array_add (args, g_strdup ("--json"));
  g_ptr_array_add (args, g_strdup ("-C"));
  g_ptr_array_add (args, g_strdup (step->dir));
  for (gsize i = 0; step->args[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (strcmp (step->args[i], "{root}") == 0
                                     ? (root_sha256 ? root_sha256 : "(none)") : step->args[i]));
  g_ptr_array_add (args, NULL);
  if (step->stdin_text != NULL)
    {
      stdin_path = g_build_filename (tmpdir, "stdin", NULL);
      test_support_write_file (stdin_path, step->stdin_text, strlen (step->stdin_text));
    }
  result->status = test_cli_chain_env (story, NULL, stdin_path,
                                       (const char *const *) args->pdata,
                                       &result->out, &result->err);
  result->ran = TRUE;
  result->absent_found = step->absent != NULL && story_exists (step->absent);
}

/* The thumbprint `chain init` told the OEM to publish. */
static char *
published_root (const char *init_out)
{
  const char *p = strstr (init_out, "Root CA SHA-256: ");

  if (p == NULL)
    return NULL;
  p += strlen ("Root CA SHA-256: ");
  return g_strndup (p, strspn (p, "0123456789abcdef"));
}

static void
story_setup (void)
{
  tmpdir = test_support_tmpdir_new ();
  story = g_build_filename (tmpdir, "story", NULL);
  g_mkdir (story, 0755);
  for (guint i = 0; i < N_STEPS; i++)
    {
      run_step (i);
      if (i == S_OEM_INIT)
        root_sha256 = published_root (results[i].out);
    }
}

static void
story_teardown (void)
{
  for (guint i = 0; i < N_STEPS; i++)
    {
      g_clear_pointer (&results[i].out, g_free);
      g_clear_pointer (&results[i].err, g_free);
    }
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&story, g_free);
  g_clear_pointer (&root_sha256, g_free);
}

/* ---- Each step: its exit status and output ----------------------------------- */

START_TEST (test_step)
{
  const Step *step = &steps[_i];
  const StepResult *result = &results[_i];
  g_autoptr(ChainJson) json = NULL;

  ck_assert_msg (result->ran, "step '%s' did not run", step->name);
  ck_assert_msg (result->status == step->status, "step '%s': exit %d, expected %d; stderr: %s",
                 step->name, result->status, step->status, result->err);
  if (step->status != 0)
    test_cli_assert_error_line (step->name, result->err, step->needle);
  else
    {
      if (step->json)
        json = test_cli_parse_json (step->name, result->out);
      if (step->needle != NULL)
        ck_assert_msg (strstr (result->out, step->needle) != NULL,
                       "step '%s': stdout does not say '%s': %s", step->name, step->needle,
                       result->out);
      /* Diagnostics only, each prefixed (warnings, notes): no stray output. */
      if (*result->err != '\0')
        {
          g_auto(GStrv) lines = g_strsplit (g_strchomp (result->err), "\n", -1);

          for (gsize i = 0; lines[i] != NULL; i++)
            ck_assert_msg (g_str_has_prefix (lines[i], "chain: "),
                           "step '%s': stray line on stderr: %s", step->name, lines[i]);
        }
      if (g_strv_contains (step->args, "-q"))
        ck_assert_msg (*result->out == '\0', "step '%s': -q printed %s", step->name, result->out);
    }
  ck_assert_msg (!result->absent_found, "step '%s' wrote %s", step->name, step->absent);
  if (step->check != NULL)
    step->check (step, result->out, json);
}
END_TEST

/* ---- What the story left ----------------------------------------------------- */

START_TEST (test_keys_are_private)
{
  g_autofree char *key_dir = g_build_filename (story, workspaces[_i], "private", NULL);
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint n_keys = 0;
  struct stat st;

  ck_assert_int_eq (g_stat (key_dir, &st), 0);
  ck_assert_uint_eq (st.st_mode & 0777, 0700);
  dir = g_dir_open (key_dir, 0, NULL);
  ck_assert_ptr_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (key_dir, name, NULL);
      g_autofree char *text = NULL;

      ck_assert_int_eq (g_stat (path, &st), 0);
      ck_assert_msg ((st.st_mode & 0777) == 0600, "%s has mode %o", path, st.st_mode & 0777);
      text = test_cli_read_file (path, NULL);
      ck_assert_msg (g_str_has_prefix (text, "-----BEGIN ENCRYPTED PRIVATE KEY-----"),
                     "%s is not an encrypted key", path);
      n_keys++;
    }
  /* The CA key and the first officer's, at least. */
  ck_assert_uint_ge (n_keys, 2);
}
END_TEST

typedef struct {
  char *id;
  char *cert;    /* absolute paths; NULL when the manifest names none */
  char *chain;
  char *key;
  char *pkcs12;
} Device;

static void
device_free (Device *device)
{
  g_free (device->id);
  g_free (device->cert);
  g_free (device->chain);
  g_free (device->key);
  g_free (device->pkcs12);
  g_free (device);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Device, device_free)

static int
column_of (char **header, const char *name)
{
  for (int i = 0; header[i] != NULL; i++)
    if (strcmp (header[i], name) == 0)
      return i;
  ck_abort_msg ("manifest.csv has no column '%s'", name);
  return -1;
}

static char *
manifest_path (const char *dir, char **fields, int column)
{
  if (fields[column] == NULL || *fields[column] == '\0')
    return NULL;
  return g_build_filename (story, dir, fields[column], NULL);
}

/* The devices manifest.csv in story directory @dir lists. */
static GPtrArray *
load_manifest (const char *dir)
{
  g_autofree char *path = g_build_filename (story, dir, "manifest.csv", NULL);
  g_autofree char *text = test_cli_read_file (path, NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_auto(GStrv) header = g_strsplit (lines[0], ",", -1);
  GPtrArray *devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  int id = column_of (header, "device_id");
  int cert = column_of (header, "cert");
  int chain = column_of (header, "chain");
  int key = column_of (header, "key");
  int pkcs12 = column_of (header, "pkcs12");

  for (gsize i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      Device *device;

      g_strchomp (lines[i]);
      if (*lines[i] == '\0')
        continue;
      fields = g_strsplit (lines[i], ",", -1);
      ck_assert_msg (g_strv_length (fields) == g_strv_length (header),
                     "%s line %zu has %u fields, the header %u", path, i + 1,
                     g_strv_length (fields), g_strv_length (header));
      device = g_new0 (Device, 1);
      device->id = g_strdup (fields[id]);
      device->cert = manifest_path (dir, fields, cert);
      device->chain = manifest_path (dir, fields, chain);
      device->key = manifest_path (dir, fields, key);
      device->pkcs12 = manifest_path (dir, fields, pkcs12);
      g_ptr_array_add (devices, device);
    }
  return devices;
}

static const struct {
  const char *dir;
  const char *ids[5];
  gboolean    keys;      /* keys made here */
  gboolean    pkcs12;
} batches[] = {
  { "devices", { "sensor-1", "sensor-2", "sensor-3", "sensor-4", NULL }, TRUE, TRUE },
  { "devices-ids", { "pump-a", "pump-b", NULL }, TRUE, FALSE },
  { "devices-csr", { "node-ec-1", "node-ec-2", "node-rsa-1", NULL }, FALSE, FALSE },
};

/* Every device of every batch. */
static GPtrArray *
all_devices (void)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);

  for (gsize b = 0; b < G_N_ELEMENTS (batches); b++)
    {
      g_autoptr(GPtrArray) devices = load_manifest (batches[b].dir);

      for (guint i = 0; i < devices->len; i++)
        g_ptr_array_add (all, g_steal_pointer (&devices->pdata[i]));
      g_ptr_array_set_free_func (devices, NULL);
    }
  ck_assert_uint_eq (all->len, 9);
  return all;
}

static Device *
find_device (GPtrArray *devices, const char *id)
{
  for (guint i = 0; i < devices->len; i++)
    if (strcmp (((Device *) devices->pdata[i])->id, id) == 0)
      return devices->pdata[i];
  ck_abort_msg ("no device %s in the manifests", id);
  return NULL;
}

START_TEST (test_manifest_lists_each_device)
{
  g_autoptr(GPtrArray) devices = load_manifest (batches[_i].dir);
  guint n = g_strv_length ((char **) batches[_i].ids);
  g_autofree char *json_path = g_build_filename (story, batches[_i].dir, "manifest.json", NULL);
  g_autofree char *json_text = test_cli_read_file (json_path, NULL);
  g_autoptr(ChainJson) json = test_cli_parse_json (json_path, json_text);

  ck_assert_uint_eq (devices->len, n);
  for (guint i = 0; i < n; i++)
    {
      Device *device = find_device (devices, batches[_i].ids[i]);
      g_autofree char *subject = NULL;
      g_autofree char *expected = g_strdup_printf ("CN=%s,OU=Dist X,O=CM A", device->id);
      struct stat st;

      ck_assert_ptr_nonnull (device->cert);
      ck_assert_ptr_nonnull (device->chain);
      subject = openssl_subject (device->cert);
      ck_assert_str_eq (subject, expected);
      ck_assert_msg ((device->key != NULL) == batches[_i].keys, "%s: key %s", device->id,
                     device->key ? device->key : "(none)");
      ck_assert_msg ((device->pkcs12 != NULL) == batches[_i].pkcs12, "%s: pkcs12 %s",
                     device->id, device->pkcs12 ? device->pkcs12 : "(none)");
      if (device->key != NULL)
        {
          g_autofree char *text = test_cli_read_file (device->key, NULL);
          g_autofree char *key_dir = g_path_get_dirname (device->key);

          ck_assert_int_eq (g_stat (device->key, &st), 0);
          ck_assert_uint_eq (st.st_mode & 0777, 0600);
          ck_assert_int_eq (g_stat (key_dir, &st), 0);
          ck_assert_uint_eq (st.st_mode & 0777, 0700);
          ck_assert (g_str_has_prefix (text, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        }
      if (device->pkcs12 != NULL)
        {
          ck_assert_int_eq (g_stat (device->pkcs12, &st), 0);
          ck_assert_uint_eq (st.st_mode & 0777, 0600);
        }
    }
}
END_TEST

/* A device's chain.pem then the root, for certtool --verify-chain. */
static char *
write_full_chain (const char *dir, const Device *device)
{
  g_autofree char *chain = test_cli_read_file (device->chain, NULL);
  g_autofree char *root_path = story_path ("oem/certs/root.pem");
  g_autofree char *root = test_cli_read_file (root_path, NULL);
  g_autofree char *both = g_strconcat (chain, root, NULL);
  char *path = g_build_filename (dir, "full-chain.pem", NULL);

  test_support_write_file (path, both, strlen (both));
  return path;
}

START_TEST (test_devices_verify_with_openssl)
{
  g_autoptr(GPtrArray) devices = all_devices ();
  g_autofree char *root = story_path ("oem/certs/root.pem");

  for (guint i = 0; i < devices->len; i++)
    {
      Device *device = devices->pdata[i];
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
        "openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", root,
        "-untrusted", device->chain, device->cert, NULL }, &out, &err);

      ck_assert_msg (status == 0, "openssl refused %s: %s%s", device->id, out, err);
    }
}
END_TEST

START_TEST (test_devices_verify_with_certtool)
{
  g_autoptr(GPtrArray) devices = all_devices ();
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *root = story_path ("oem/certs/root.pem");

  for (guint i = 0; i < devices->len; i++)
    {
      Device *device = devices->pdata[i];
      g_autofree char *full = write_full_chain (dir, device);
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status;

      status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
        "certtool", "--verify-chain", "--infile", full, NULL }, &out, &err);
      ck_assert_msg (status == 0, "certtool --verify-chain refused %s: %s%s", device->id, out, err);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      /* Against the root as the only trust anchor, for TLS clients. */
      status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
        "certtool", "--verify", "--load-ca-certificate", root, "--infile", device->chain,
        "--verify-purpose", "1.3.6.1.5.5.7.3.2", NULL }, &out, &err);
      ck_assert_msg (status == 0, "certtool --verify refused %s: %s%s", device->id, out, err);
    }
  test_support_tmpdir_remove (dir);
}
END_TEST

/* `openssl PROGRAM -in FILE -noout -pubkey` */
static char *
public_key (const char *program, const char *path)
{
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "openssl", program, "-in", path, "-noout", "-pubkey", NULL }, &out, &err);

  ck_assert_msg (status == 0, "openssl %s %s: %s", program, path, err);
  return out;
}

START_TEST (test_csr_devices_keep_their_keys)
{
  g_autoptr(GPtrArray) devices = load_manifest ("devices-csr");

  for (gsize i = 0; i < G_N_ELEMENTS (csr_devices); i++)
    {
      Device *device = find_device (devices, csr_devices[i].id);
      g_autofree char *csr = g_strdup_printf ("%s/csrs/%s.csr", story, device->id);
      g_autofree char *from_csr = public_key ("req", csr);
      g_autofree char *from_cert = public_key ("x509", device->cert);

      ck_assert_str_eq (from_cert, from_csr);
      ck_assert_ptr_null (device->key);
    }
}
END_TEST

START_TEST (test_revoked_device_refused_by_openssl)
{
  g_autoptr(GPtrArray) devices = all_devices ();
  g_autofree char *root = story_path ("oem/certs/root.pem");
  g_autofree char *crl = story_path ("crl/crl.pem");
  Device *revoked = find_device (devices, REVOKED_DEVICE);
  Device *good = find_device (devices, GOOD_DEVICE);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "openssl", "verify", "-crl_check", "-CRLfile", crl, "-CAfile", root,
    "-untrusted", revoked->chain, revoked->cert, NULL }, &out, &err);
  ck_assert_int_ne (status, 0);
  ck_assert_msg (strstr (err, "certificate revoked") != NULL || strstr (out, "certificate revoked"),
                 "openssl said: %s%s", out, err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "openssl", "verify", "-crl_check", "-CRLfile", crl, "-CAfile", root,
    "-untrusted", good->chain, good->cert, NULL }, &out, &err);
  ck_assert_msg (status == 0, "openssl refused %s with the CRL: %s%s", good->id, out, err);
}
END_TEST

START_TEST (test_export_for_azure)
{
  g_autofree char *ca = story_path ("export/azure-iothub/ca.pem");
  g_autofree char *pop = story_path ("export/azure-iothub/verification.pem");
  g_autofree char *script = story_path ("export/azure-iothub/upload.sh");
  g_autofree char *root_fp = openssl_sha256 ("oem/certs/root.pem");
  g_autofree char *ca_fp = openssl_sha256 ("export/azure-iothub/ca.pem");
  g_autofree char *cer_fp = openssl_sha256 ("export/azure-iothub/ca.cer");
  g_autofree char *subject = NULL;
  g_autofree char *err = NULL;
  int status;

  /* The root is what the hub trusts. */
  ck_assert_str_eq (ca_fp, root_fp);
  ck_assert_str_eq (cer_fp, root_fp);
  /* The verification certificate: CN = the code, signed by exactly it. */
  subject = openssl_subject (pop);
  ck_assert_msg (g_str_has_prefix (subject, "CN=" AZURE_CODE), "subject: %s", subject);
  status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "openssl", "verify", "-CAfile", ca, pop, NULL }, NULL, &err);
  ck_assert_msg (status == 0, "openssl refused the verification certificate: %s", err);
  g_clear_pointer (&err, g_free);
  /* The script is shell that parses. */
  status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) { "bash", "-n", script, NULL },
                           NULL, &err);
  ck_assert_msg (status == 0, "bash -n upload.sh: %s", err);
}
END_TEST

/* Parses every file under the directories given, by kind; prints what it
 * could not parse and exits 1. Written for cryptography 38 (Debian 12). */
static const char python_parser[] =
  "import csv, json, os, re, sys, base64\n"
  "from cryptography import x509\n"
  "from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12\n"
  "password = os.environ['CHAIN_PASSPHRASE'].encode()\n"
  "pem_re = re.compile(rb'-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n(.*?)'\n"
  "                    rb'-----END \\1-----\\r?\\n?', re.S)\n"
  "def parse_pem(data):\n"
  "    blocks = list(pem_re.finditer(data))\n"
  "    if not blocks:\n"
  "        raise ValueError('no PEM block')\n"
  "    if pem_re.sub(b'', data).strip():\n"
  "        raise ValueError('text outside PEM blocks')\n"
  "    for m in blocks:\n"
  "        label, block = m.group(1), m.group(0)\n"
  "        if label == b'CERTIFICATE':\n"
  "            x509.load_pem_x509_certificate(block)\n"
  "        elif label == b'X509 CRL':\n"
  "            x509.load_pem_x509_crl(block)\n"
  "        elif label == b'CERTIFICATE REQUEST':\n"
  "            x509.load_pem_x509_csr(block)\n"
  "        elif label == b'ENCRYPTED PRIVATE KEY':\n"
  "            load_pem_private_key(block, password)\n"
  "        else:\n"
  "            raise ValueError('unexpected PEM block ' + label.decode())\n"
  "    return len(blocks)\n"
  "def parse_der(data):\n"
  "    try:\n"
  "        x509.load_der_x509_certificate(data)\n"
  "    except ValueError:\n"
  "        x509.load_der_x509_crl(data)\n"
  "def parse(path):\n"
  "    data = open(path, 'rb').read()\n"
  "    name = os.path.basename(path)\n"
  "    ext = os.path.splitext(name)[1]\n"
  "    if ext in ('.pem', '.crt'):\n"
  "        parse_pem(data)\n"
  "    elif ext == '.cer':\n"
  "        if b'-----BEGIN' in data:\n"
  "            parse_pem(data)\n"
  "        else:\n"
  "            x509.load_der_x509_certificate(base64.b64decode(data, validate=False))\n"
  "    elif ext in ('.der', '.crl'):\n"
  "        if b'-----BEGIN' in data:\n"
  "            parse_pem(data)\n"
  "        else:\n"
  "            parse_der(data)\n"
  "    elif ext in ('.p12', '.pfx'):\n"
  "        key, cert, extra = pkcs12.load_key_and_certificates(data, password)\n"
  "        if key is None or cert is None:\n"
  "            raise ValueError('no key or certificate inside')\n"
  "    elif ext == '.json':\n"
  "        json.loads(data.decode('utf-8'))\n"
  "    elif ext == '.csv':\n"
  "        rows = list(csv.reader(data.decode('utf-8').splitlines()))\n"
  "        if len(rows) < 2 or any(len(r) != len(rows[0]) for r in rows):\n"
  "            raise ValueError('ragged or empty CSV')\n"
  "    elif ext in ('.sh', '.txt', '.conf', '.md', ''):\n"
  "        data.decode('utf-8')\n"
  "    else:\n"
  "        raise ValueError('no parser for this kind of file')\n"
  "failed = 0\n"
  "count = 0\n"
  "for top in sys.argv[1:]:\n"
  "    if not os.path.isdir(top):\n"
  "        print(top + ': missing'); failed += 1; continue\n"
  "    for dirpath, dirnames, filenames in os.walk(top):\n"
  "        for f in sorted(filenames):\n"
  "            path = os.path.join(dirpath, f)\n"
  "            try:\n"
  "                parse(path); count += 1\n"
  "            except Exception as e:\n"
  "                print('%s: %s: %s' % (path, type(e).__name__, e)); failed += 1\n"
  "print('parsed %d files' % count)\n"
  "sys.exit(1 if failed or count == 0 else 0)\n";

START_TEST (test_python_parses_every_file)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  status = test_cli_spawn (story,
                           (const char *const[]) { "CHAIN_PASSPHRASE=" TEST_CLI_PASSPHRASE, NULL },
                           NULL, (const char *const[]) {
                             "python3", "-c", python_parser, "export", "crl", "devices",
                             "devices-ids", "devices-csr", NULL }, &out, &err);
  ck_assert_msg (status == 0, "python3 cryptography: %s%s", out, err);
}
END_TEST

START_TEST (test_ledgers_synced)
{
  g_autofree char *first = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (workspaces); i++)
    {
      g_autofree char *repo = g_build_filename (story, workspaces[i], "ledger.git", NULL);
      g_autofree char *tip = NULL;
      int status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
        "git", "-C", repo, "rev-parse", "main", NULL }, &tip, NULL);

      ck_assert_int_eq (status, 0);
      if (first == NULL)
        first = g_steal_pointer (&tip);
      else
        ck_assert_msg (strcmp (first, tip) == 0, "%s is at %s, oem at %s", workspaces[i], tip,
                       first);
    }
}
END_TEST

START_TEST (test_plain_git_reads_the_ledger)
{
  g_autofree char *dir = test_support_tmpdir_new ();
  g_autofree char *clone = g_build_filename (dir, "ledger", NULL);
  g_autofree char *repo = g_build_filename (story, workspaces[_i], "ledger.git", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  int status;

  status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "git", "clone", "-q", repo, clone, NULL }, NULL, &err);
  ck_assert_msg (status == 0, "git clone: %s", err);
  g_clear_pointer (&err, g_free);

  status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "git", "-C", clone, "log", "--format=%H %P", NULL }, &out, &err);
  ck_assert_msg (status == 0, "git log: %s", err);
  g_clear_pointer (&err, g_free);
  /* Linear: one commit per record, each with one parent but the first. */
  lines = g_strsplit (g_strchomp (out), "\n", -1);
  ck_assert_uint_eq (g_strv_length (lines), G_N_ELEMENTS (story_types));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) ids = g_strsplit (lines[i], " ", -1);

      ck_assert_uint_eq (g_strv_length (ids), lines[i + 1] != NULL ? 2 : 1);
    }

  status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "git", "-C", clone, "fsck", "--full", "--strict", NULL }, NULL, &err);
  ck_assert_msg (status == 0, "git fsck: %s", err);
  g_clear_pointer (&err, g_free);

  /* And the auditor's way: `chain audit` on the clone, with the published root. */
  g_clear_pointer (&out, g_free);
  status = test_cli_chain (NULL, (const char *const[]) {
    "-C", clone, "audit", "--root", root_sha256, NULL }, &out, &err);
  ck_assert_msg (status == 0, "chain audit on a clone exited %d: %s", status, err);
  test_support_tmpdir_remove (dir);
}
END_TEST

START_TEST (test_show_device_batch)
{
  g_autofree char *log = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(ChainJson) json = NULL;
  g_autofree char *seq = NULL;
  int status;

  log = test_cli_chain_ok (story, (const char *const[]) {
    "--json", "-C", "dist", "log", "--type", "device-batch", "--reverse", NULL });
  json = test_cli_parse_json ("log --type device-batch", log);
  ck_assert_uint_eq (test_cli_json_length (json, ""), 3);
  ck_assert_str_eq (test_cli_json_string (json, "0/author"), "dist-x");
  seq = g_strdup_printf ("%" G_GINT64_FORMAT, test_cli_json_int (json, "0/seq"));

  status = test_cli_chain (story, (const char *const[]) {
    "-C", "dist", "show", seq, "--artifact", "manifest.csv", NULL }, &out, &err);
  ck_assert_msg (status == 0, "chain show %s --artifact manifest.csv: %s", seq, err);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("sensor-%u,", i);

      ck_assert_msg (strstr (out, id) != NULL, "manifest.csv lacks %s: %s", id, out);
    }
}
END_TEST

static Suite *
cli_story_suite (void)
{
  Suite *suite = suite_create ("cli-story");
  TCase *tc = tcase_create ("story");

  tcase_add_unchecked_fixture (tc, story_setup, story_teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_step, 0, N_STEPS);
  tcase_add_loop_test (tc, test_keys_are_private, 0, G_N_ELEMENTS (workspaces));
  tcase_add_loop_test (tc, test_manifest_lists_each_device, 0, G_N_ELEMENTS (batches));
  tcase_add_test (tc, test_devices_verify_with_openssl);
  tcase_add_test (tc, test_devices_verify_with_certtool);
  tcase_add_test (tc, test_csr_devices_keep_their_keys);
  tcase_add_test (tc, test_revoked_device_refused_by_openssl);
  tcase_add_test (tc, test_export_for_azure);
  tcase_add_test (tc, test_python_parses_every_file);
  tcase_add_test (tc, test_ledgers_synced);
  tcase_add_loop_test (tc, test_plain_git_reads_the_ledger, 0, G_N_ELEMENTS (workspaces));
  tcase_add_test (tc, test_show_device_batch);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (cli_story_suite ());
}
