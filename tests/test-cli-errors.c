/* test-cli-errors.c — bad input to `chain`: one clear line, the documented
 * exit code, and nothing written
 *
 * Every case runs one command on bad input — a request edited after it
 * was signed, a grant for another workspace, a weak CSR, a device id too
 * long or listed twice, a wrong passphrase, truncated, empty and garbage
 * files, usage errors — and then checks that stderr is exactly one line
 * "chain: error: ...", that the exit code is the documented one (1 error,
 * 2 usage, 3 verification failed), and that no workspace's ledger moved
 * (main and the pinned tip) and no file anywhere changed or appeared.
 *
 * The unchecked fixture builds the workspaces once: an OEM, CM A delegated
 * and accepted, CM B delegated (its grant not yet accepted), CM C with a
 * request nobody has delegated yet, and a bundle of the OEM's ledger. Each
 * case then works in its own copy (`cp -a`), so cases cannot disturb each
 * other, forked or not.
 */
#include "test-cli.h"
#include "test-pki.h"
#include "chain-workspace-private.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmpdir;
static char *base;         /* the workspaces the fixture built */
static char *base_error;   /* (nullable) why the fixture failed */
static char *dir;          /* this case's copy of base */

static const char *const workspaces[] = { "oem", "cm-a", "cm-b", "cm-c" };

/* ---- The fixture ------------------------------------------------------------- */

/* Runs `chain ARGS` in base unless an earlier command failed; keeps the
 * first failure for the cases to report. */
static void
base_chain (const char *const *args)
{
  g_autofree char *err = NULL;
  int status;

  if (base_error != NULL)
    return;
  status = test_cli_chain (base, args, NULL, &err);
  if (status != 0)
    {
      g_autofree char *command = g_strjoinv (" ", (char **) args);

      base_error = g_strdup_printf ("fixture: chain %s exited %d: %s", command, status, err);
    }
}

static void
base_openssl_req (const char *key_type, const char *key_option, const char *subject,
                  const char *out)
{
  g_autofree char *err = NULL;
  int status;

  if (base_error != NULL)
    return;
  status = test_cli_spawn (base, NULL, NULL, (const char *const[]) {
    "openssl", "req", "-new", "-newkey", key_type, "-pkeyopt", key_option, "-nodes",
    "-keyout", "/dev/null", "-subj", subject, "-out", out, NULL }, NULL, &err);
  if (status != 0)
    base_error = g_strdup_printf ("fixture: openssl req %s %s: %s", key_type, key_option, err);
}

static void
base_write (const char *name, const void *data, gsize len)
{
  g_autofree char *path = g_build_filename (base, name, NULL);

  if (base_error == NULL && !g_file_set_contents (path, data, (gssize) len, NULL))
    base_error = g_strdup_printf ("fixture: cannot write %s", path);
}

static void
base_mkdir (const char *name)
{
  g_autofree char *path = g_build_filename (base, name, NULL);

  g_mkdir (path, 0755);
}

static void
base_setup (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261127);
  guint32 garbage[1024];
  g_autofree char *long_id = NULL;

  tmpdir = test_support_tmpdir_new ();
  base = g_build_filename (tmpdir, "base", NULL);
  g_mkdir (base, 0755);

  base_chain ((const char *const[]) { "-q", "-C", "oem", "init", "--org", "Widget Ltd", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "request", "--org", "CM A", "--tier",
                                      "manufacturer", "-o", "cm-a.req", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "oem", "delegate", "cm-a.req", "-o",
                                      "cm-a.grant", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "accept", "cm-a.grant", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "sync", "oem", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-b", "request", "--org", "CM B", "--tier",
                                      "manufacturer", "-o", "cm-b.req", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "oem", "delegate", "cm-b.req", "-o",
                                      "cm-b.grant", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "cm-c", "request", "--org", "CM C", "--tier",
                                      "manufacturer", "-o", "cm-c.req", NULL });
  base_chain ((const char *const[]) { "-q", "-C", "oem", "bundle", "create", "oem.bundle", NULL });
  /* One device, so a revocation has something real beside the bad names. */
  base_chain ((const char *const[]) { "-q", "-C", "cm-a", "issue", "--count", "1", "--prefix",
                                      "probe-", "-o", "probe", NULL });

  /* A device CSR dir with one good CSR and one RSA-1024 CSR. */
  base_mkdir ("weak-csrs");
  base_openssl_req ("ec", "ec_paramgen_curve:P-256", "/CN=good-1", "weak-csrs/good-1.csr");
  base_openssl_req ("rsa", "rsa_keygen_bits:1024", "/CN=weak-1", "weak-csrs/weak-1.csr");

  /* Device id lists: 65 characters; a duplicate. */
  long_id = g_strnfill (65, 'a');
  base_write ("long-id.txt", long_id, 65);
  base_write ("dup-ids.txt", "dev-1\ndev-2\ndev-1\n", strlen ("dev-1\ndev-2\ndev-1\n"));

  /* Garbage: fixed-seed pseudo-random bytes, and an empty file. */
  for (gsize i = 0; i < G_N_ELEMENTS (garbage); i++)
    garbage[i] = g_rand_int (rand);
  base_write ("garbage.bin", garbage, sizeof garbage);
  base_write ("empty", "", 0);
  base_write ("wrong-passphrase", "wrong-horse-battery\n", strlen ("wrong-horse-battery\n"));
  base_mkdir ("garbage-csrs");
  base_write ("garbage-csrs/junk-1.csr", garbage, sizeof garbage);
}

static void
base_teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&base, g_free);
  g_clear_pointer (&base_error, g_free);
}

static void
setup (void)
{
  static guint n;

  ck_assert_msg (base_error == NULL, "%s", base_error);
  dir = g_strdup_printf ("%s/case-%u-%d", tmpdir, n++, (int) getpid ());
  test_cli_copy_tree (base, dir);
}

static void
teardown (void)
{
  test_support_tmpdir_remove (dir);
  g_clear_pointer (&dir, g_free);
}

/* ---- Bad files, made from good ones in the case directory -------------------- */

static char *
case_path (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static char *
read_case_file (const char *name, gsize *len)
{
  g_autofree char *path = case_path (name);

  return test_cli_read_file (path, len);
}

static void
write_case_file (const char *name, const void *data, gsize len)
{
  g_autofree char *path = case_path (name);

  test_support_write_file (path, data, len);
}

/* @to_name: @from_name with @old replaced by @new (which must occur). */
static void
edit_file (const char *from_name, const char *to_name, const char *old, const char *new)
{
  g_autofree char *text = read_case_file (from_name, NULL);
  g_autoptr(GString) edited = g_string_new (text);

  ck_assert_msg (strstr (text, old) != NULL, "%s does not contain '%s'", from_name, old);
  g_string_replace (edited, old, new, 1);
  write_case_file (to_name, edited->str, edited->len);
}

/* @to_name: the first half of @from_name. */
static void
truncate_file (const char *from_name, const char *to_name)
{
  gsize len = 0;
  g_autofree char *data = read_case_file (from_name, &len);

  write_case_file (to_name, data, len / 2);
}

static void
make_tier_edited (void)
{
  edit_file ("cm-c.req", "bad.req", "\"tier\": \"manufacturer\"", "\"tier\": \"distributor\"");
}

static void
make_org_edited (void)
{
  edit_file ("cm-c.req", "bad.req", "\"name\": \"CM C\"", "\"name\": \"CM A\"");
}

/* CM C's signed request carrying CM B's CA key: a substituted CSR. */
static void
make_csr_swapped (void)
{
  g_autoptr(ChainJson) b = NULL;
  g_autofree char *c_text = read_case_file ("cm-c.req", NULL);
  g_autofree char *b_text = read_case_file ("cm-b.req", NULL);
  g_autoptr(ChainJson) c = test_cli_parse_json ("cm-c.req", c_text);
  g_autoptr(GString) edited = g_string_new (c_text);
  g_autofree char *old_csr = NULL;
  g_autofree char *new_csr = NULL;

  b = test_cli_parse_json ("cm-b.req", b_text);
  /* JSON-escaped, as the files hold them. */
  old_csr = g_strescape (test_cli_json_string (c, "ca_csr"), NULL);
  new_csr = g_strescape (test_cli_json_string (b, "ca_csr"), NULL);
  ck_assert (strstr (c_text, old_csr) != NULL);
  g_string_replace (edited, old_csr, new_csr, 1);
  write_case_file ("bad.req", edited->str, edited->len);
}

static void
make_truncated_request (void)
{
  truncate_file ("cm-c.req", "bad.req");
}

static void
make_truncated_grant (void)
{
  truncate_file ("cm-b.grant", "bad.grant");
}

static void
make_truncated_bundle (void)
{
  truncate_file ("oem.bundle", "bad.bundle");
}

/* A bundle cut just after its header: git's own framing, no pack. */
static void
make_header_only_bundle (void)
{
  gsize len = 0;
  g_autofree char *data = read_case_file ("oem.bundle", &len);
  const char *end = g_strstr_len (data, (gssize) len, "\n\n");

  ck_assert_ptr_nonnull (end);
  write_case_file ("bad.bundle", data, (gsize) (end - data) + 2);
}

static void
make_long_id_csr (void)
{
  g_autofree char *id = g_strnfill (65, 'c');
  g_autofree char *csr_dir = case_path ("long-csrs");
  g_autofree char *csr = g_strdup_printf ("%s/%s.csr", csr_dir, id);
  g_autofree char *err = NULL;
  int status;

  g_mkdir (csr_dir, 0755);
  status = test_cli_spawn (NULL, NULL, NULL, (const char *const[]) {
    "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", "/dev/null", "-subj", "/CN=long", "-out", csr, NULL }, NULL, &err);
  ck_assert_msg (status == 0, "openssl req: %s", err);
}

/* ---- The cases ---------------------------------------------------------------- */

enum { OK = 0, ERROR = 1, USAGE = 2, VERIFY = 3 };

typedef struct {
  const char *name;
  void      (*prepare) (void);
  const char *args[14];
  const char *env;          /* (nullable) one NAME=VALUE for chain's environment */
  int         status;
  const char *needle;       /* (nullable) in the error line */
} ErrorCase;

/* With --count 1 the ids are PREFIX1: 65 characters. */
#define PREFIX_64 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
G_STATIC_ASSERT (sizeof PREFIX_64 == 64 + 1);

#define WRONG_PASSPHRASE "CHAIN_PASSPHRASE=wrong-horse-battery"

/* A note one byte longer than an annotation may be. */
#define NOTE_16 "note-note-note-n"
#define NOTE_256 NOTE_16 NOTE_16 NOTE_16 NOTE_16 NOTE_16 NOTE_16 NOTE_16 NOTE_16 \
                 NOTE_16 NOTE_16 NOTE_16 NOTE_16 NOTE_16 NOTE_16 NOTE_16 NOTE_16
#define NOTE_1024 NOTE_256 NOTE_256 NOTE_256 NOTE_256
#define NOTE_4097 NOTE_1024 NOTE_1024 NOTE_1024 NOTE_1024 "!"
G_STATIC_ASSERT (sizeof NOTE_4097 == 4097 + 1);

/* long-note.txt: 4097 bytes of text, then a line break (which is dropped). */
static void
make_long_note (void)
{
  write_case_file ("long-note.txt", NOTE_4097 "\n", strlen (NOTE_4097 "\n"));
}

/* probe-ids.txt: a new id, then the one the fixture issued. */
static void
make_probe_ids (void)
{
  write_case_file ("probe-ids.txt", "probe-2\nprobe-1\n", strlen ("probe-2\nprobe-1\n"));
}

/* ../request.fifo: a FIFO nobody writes to; reading it would block
 * forever. Beside the case directory, which the snapshot reads whole. */
static void
make_fifo (void)
{
  g_autofree char *path = case_path ("../request.fifo");

  g_unlink (path);
  ck_assert_int_eq (mkfifo (path, 0600), 0);
}

static const ErrorCase cases[] = {
  /* Unbounded work, refused up front. */
  { "a count of 99999999999", NULL,
    { "-C", "cm-a", "issue", "--count", "99999999999", "-o", "out", NULL }, NULL, ERROR, "at most 100000000" },
  { "delegate /dev/zero", NULL,
    { "-C", "oem", "delegate", "/dev/zero", "-o", "x.grant", NULL }, NULL, ERROR, "not a regular file" },
  { "delegate a FIFO", make_fifo,
    { "-C", "oem", "delegate", "../request.fifo", "-o", "x.grant", NULL }, NULL, ERROR, "not a regular file" },
  { "accept a FIFO", make_fifo,
    { "-C", "cm-b", "accept", "../request.fifo", NULL }, NULL, ERROR, "no grant file" },
  /* Requests edited after signing: the signature no longer verifies. */
  { "request with its tier edited", make_tier_edited,
    { "-C", "oem", "delegate", "bad.req", "-o", "x.grant", NULL }, NULL, VERIFY, "changed" },
  { "request with its org edited", make_org_edited,
    { "-C", "oem", "delegate", "bad.req", "-o", "x.grant", NULL }, NULL, VERIFY, "changed" },
  { "request with another CA key", make_csr_swapped,
    { "-C", "oem", "delegate", "bad.req", "-o", "x.grant", NULL }, NULL, VERIFY, NULL },
  { "dry run of an edited request", make_tier_edited,
    { "-C", "oem", "delegate", "--dry-run", "bad.req", NULL }, NULL, VERIFY, "changed" },

  /* Grants: for another workspace, or accepted twice. */
  { "grant for another workspace", NULL,
    { "-C", "cm-c", "accept", "cm-b.grant", NULL }, NULL, ERROR, "cm-b" },
  { "grant for another, joined workspace", NULL,
    { "-C", "cm-a", "accept", "cm-b.grant", NULL }, NULL, ERROR, NULL },
  { "grant accepted twice", NULL,
    { "-C", "cm-a", "accept", "cm-a.grant", NULL }, NULL, ERROR, "joined" },
  { "grant with the wrong published root", NULL,
    { "-C", "cm-b", "accept", "cm-b.grant", "--root",
      "0000000000000000000000000000000000000000000000000000000000000000", NULL },
    NULL, VERIFY, NULL },

  /* Device input. */
  { "CSR with an RSA-1024 key", NULL,
    { "-C", "cm-a", "issue", "--csr-dir", "weak-csrs", "-o", "out", NULL }, NULL, ERROR, "1024" },
  { "device id of 65 characters", NULL,
    { "-C", "cm-a", "issue", "--ids", "long-id.txt", "-o", "out", NULL }, NULL, ERROR, "64" },
  { "device id of 65 characters from a CSR's file name", make_long_id_csr,
    { "-C", "cm-a", "issue", "--csr-dir", "long-csrs", "-o", "out", NULL }, NULL, ERROR, "64" },
  { "device id of 65 characters by prefix", NULL,
    { "-C", "cm-a", "issue", "--count", "1", "--prefix", PREFIX_64, "-o", "out", NULL },
    NULL, ERROR, "64" },
  { "duplicate device id", NULL,
    { "-C", "cm-a", "issue", "--ids", "dup-ids.txt", "-o", "out", NULL }, NULL, ERROR, "dev-1" },
  { "empty device id list", NULL,
    { "-C", "cm-a", "issue", "--ids", "empty", "-o", "out", NULL }, NULL, ERROR, NULL },
  { "garbage device id list", NULL,
    { "-C", "cm-a", "issue", "--ids", "garbage.bin", "-o", "out", NULL }, NULL, ERROR, NULL },
  { "garbage CSR", NULL,
    { "-C", "cm-a", "issue", "--csr-dir", "garbage-csrs", "-o", "out", NULL }, NULL, ERROR,
    "junk-1" },
  { "issue into a directory with content", NULL,
    { "-C", "cm-a", "issue", "--count", "1", "--prefix", "again-", "-o", "probe", NULL }, NULL,
    ERROR, NULL },
  { "device id issued before", NULL,
    { "-C", "cm-a", "issue", "--count", "1", "--prefix", "probe-", "-o", "again", NULL }, NULL, ERROR,
    "device id probe-1 already has a certificate in force" },
  { "device id issued before, in a list", make_probe_ids,
    { "-C", "cm-a", "issue", "--ids", "probe-ids.txt", "-o", "again", NULL }, NULL, ERROR,
    "device id probe-1 already has a certificate in force" },
  { "device id a spreadsheet reads as a formula", NULL,
    { "-C", "cm-a", "issue", "--count", "1", "--prefix", "=SUM(1,2)", "-o", "out", NULL }, NULL, ERROR,
    "start it with a letter or digit" },
  { "device id a spreadsheet reads as a formula, with @", NULL,
    { "-C", "cm-a", "issue", "--count", "1", "--prefix", "@SUM(1)", "-o", "out", NULL }, NULL, ERROR,
    "formula" },
  { "device id a command line reads as an option", NULL,
    { "-C", "cm-a", "issue", "--count", "1", "--prefix=-dev", "-o", "out", NULL }, NULL, ERROR,
    "option" },
  { "revoke a device never issued", NULL,
    { "-C", "cm-a", "revoke", "no-such-device", NULL }, NULL, ERROR, "no-such-device" },
  { "revoke a device id that starts with '-', after --", NULL,
    { "-C", "cm-a", "revoke", "--", "-no-such-device", NULL }, NULL, ERROR, "'-no-such-device'" },

  /* Wrong passphrases. */
  { "wrong passphrase to delegate", NULL,
    { "-C", "oem", "delegate", "cm-c.req", "-o", "x.grant", NULL }, WRONG_PASSPHRASE, ERROR,
    "passphrase" },
  { "wrong passphrase to issue", NULL,
    { "-C", "cm-a", "issue", "--count", "2", "--prefix", "x-", "-o", "out", NULL },
    WRONG_PASSPHRASE, ERROR, "passphrase" },
  { "wrong passphrase to accept", NULL,
    { "-C", "cm-b", "accept", "cm-b.grant", NULL }, WRONG_PASSPHRASE, ERROR, "passphrase" },
  { "wrong passphrase from a file", NULL,
    { "--passphrase-file", "wrong-passphrase", "-C", "oem", "delegate", "cm-c.req", "-o",
      "x.grant", NULL }, NULL, ERROR, "passphrase" },
  { "no passphrase and no terminal", NULL,
    { "-C", "oem", "delegate", "cm-c.req", "-o", "x.grant", NULL }, "CHAIN_PASSPHRASE", ERROR,
    "passphrase" },

  /* Truncated, empty and garbage files. */
  { "truncated request", make_truncated_request,
    { "-C", "oem", "delegate", "bad.req", "-o", "x.grant", NULL }, NULL, ERROR,
    "not a delegation request" },
  { "empty request", NULL,
    { "-C", "oem", "delegate", "empty", "-o", "x.grant", NULL }, NULL, ERROR, NULL },
  { "garbage request", NULL,
    { "-C", "oem", "delegate", "garbage.bin", "-o", "x.grant", NULL }, NULL, ERROR, NULL },
  { "missing request", NULL,
    { "-C", "oem", "delegate", "no-such.req", "-o", "x.grant", NULL }, NULL, ERROR,
    "no-such.req" },
  { "truncated grant", make_truncated_grant,
    { "-C", "cm-b", "accept", "bad.grant", NULL }, NULL, ERROR, "bad.grant" },
  { "empty grant", NULL,
    { "-C", "cm-b", "accept", "empty", NULL }, NULL, ERROR, NULL },
  { "garbage grant", NULL,
    { "-C", "cm-b", "accept", "garbage.bin", NULL }, NULL, ERROR, NULL },
  { "truncated bundle", make_truncated_bundle,
    { "-C", "cm-a", "bundle", "import", "bad.bundle", NULL }, NULL, ERROR, "bad.bundle" },
  { "bundle of only a header", make_header_only_bundle,
    { "-C", "cm-a", "bundle", "import", "bad.bundle", NULL }, NULL, ERROR, "bad.bundle" },
  { "empty bundle", NULL,
    { "-C", "cm-a", "bundle", "import", "empty", NULL }, NULL, ERROR, NULL },
  { "garbage bundle", NULL,
    { "-C", "cm-a", "bundle", "import", "garbage.bin", NULL }, NULL, ERROR, NULL },
  { "garbage as a sync remote", NULL,
    { "-C", "cm-a", "sync", "garbage.bin", NULL }, NULL, ERROR, NULL },

  /* Workspaces that are not there or not joined. */
  { "no workspace", NULL,
    { "-C", "nowhere", "status", NULL }, NULL, ERROR, NULL },
  /* libchain says what is missing (CHAIN_ERROR_NOT_JOINED), the CLI adds its command. */
  { "issue before joining", NULL,
    { "-C", "cm-c", "issue", "--count", "1", "--prefix", "x-", "-o", "out", NULL }, NULL, ERROR,
    "has not joined a ledger yet; run 'chain accept GRANT' first" },
  { "export before joining", NULL,
    { "-C", "cm-c", "export", "--target", "pem", "-o", "out", NULL }, NULL, ERROR,
    "has not joined a ledger yet; run 'chain accept GRANT' first" },
  { "bundle before joining", NULL,
    { "-C", "cm-c", "bundle", "create", "x.bundle", NULL }, NULL, ERROR,
    "then run 'chain accept GRANT'" },
  { "request into a workspace that exists", NULL,
    { "-C", "cm-a", "request", "--org", "CM A", "--tier", "manufacturer", "-o", "new.req", NULL },
    NULL, ERROR, NULL },
  { "init over a workspace", NULL,
    { "-C", "oem", "init", "--org", "Widget Ltd", NULL }, NULL, ERROR, NULL },
  { "unknown key algorithm", NULL,
    { "-C", "new", "request", "--org", "N", "--tier", "manufacturer", "--algorithm", "rsa1024",
      "-o", "new.req", NULL }, NULL, ERROR, "rsa-2048" },

  /* Usage errors. */
  { "unknown command", NULL, { "frobnicate", NULL }, NULL, USAGE, "frobnicate" },
  { "unknown global option", NULL, { "--frobnicate", "status", NULL }, NULL, USAGE, NULL },
  { "unknown command option", NULL,
    { "-C", "oem", "delegate", "--frobnicate", "cm-c.req", "-o", "x.grant", NULL }, NULL, USAGE,
    NULL },
  { "delegate without -o", NULL,
    { "-C", "oem", "delegate", "cm-c.req", NULL }, NULL, USAGE, "-o" },
  { "delegate without a request", NULL,
    { "-C", "oem", "delegate", "-o", "x.grant", NULL }, NULL, USAGE, NULL },
  { "delegate with two requests", NULL,
    { "-C", "oem", "delegate", "cm-c.req", "cm-b.req", "-o", "x.grant", NULL }, NULL, USAGE,
    NULL },
  { "accept without a grant", NULL, { "-C", "cm-b", "accept", NULL }, NULL, USAGE, NULL },
  { "request without --tier", NULL,
    { "-C", "new", "request", "--org", "N", "-o", "new.req", NULL }, NULL, USAGE, "--tier" },
  { "init without --org", NULL, { "-C", "new", "init", NULL }, NULL, USAGE, "--org" },
  { "issue without ids", NULL,
    { "-C", "cm-a", "issue", "-o", "out", NULL }, NULL, USAGE, NULL },
  { "issue with two sources", NULL,
    { "-C", "cm-a", "issue", "--count", "2", "--ids", "dup-ids.txt", "-o", "out", NULL }, NULL,
    USAGE, NULL },
  { "issue without -o", NULL,
    { "-C", "cm-a", "issue", "--count", "2", NULL }, NULL, USAGE, NULL },
  { "issue with a count that is no number", NULL,
    { "-C", "cm-a", "issue", "--count", "many", "-o", "out", NULL }, NULL, USAGE, NULL },
  { "officer with an unknown action", NULL,
    { "-C", "oem", "officer", "fire", "oscar", NULL }, NULL, USAGE, NULL },
  { "bundle with an unknown action", NULL,
    { "-C", "oem", "bundle", "mail", "x.bundle", NULL }, NULL, USAGE, NULL },
  { "export without a target", NULL,
    { "-C", "oem", "export", "-o", "out", NULL }, NULL, USAGE, NULL },
  { "-C without a directory", NULL, { "-C", NULL }, NULL, USAGE, NULL },

  /* Annotations: empty, too long, not text, or not allowed to be written. */
  { "empty annotation", NULL, { "-C", "oem", "annotate", "", NULL }, NULL, USAGE, "empty" },
  { "annotation of white space only", NULL,
    { "-C", "oem", "annotate", " \t\n ", NULL }, NULL, USAGE, "empty" },
  { "annotation from an empty file", NULL,
    { "-C", "oem", "annotate", "--file", "empty", NULL }, NULL, USAGE, "empty" },
  { "annotation from empty standard input", NULL,
    { "-C", "oem", "annotate", "--file", "-", NULL }, NULL, USAGE, "empty" },
  { "annotation of 4097 bytes", NULL,
    { "-C", "oem", "annotate", NOTE_4097, NULL }, NULL, USAGE, "4096" },
  { "annotation file of 4097 bytes", make_long_note,
    { "-C", "oem", "annotate", "-F", "long-note.txt", NULL }, NULL, USAGE, "4096" },
  { "annotation that is not text", NULL,
    { "-C", "oem", "annotate", "--file", "garbage.bin", NULL }, NULL, ERROR, "UTF-8" },
  { "annotation from a missing file", NULL,
    { "-C", "oem", "annotate", "--file", "no-such-note.txt", NULL }, NULL, ERROR,
    "no-such-note.txt" },
  { "wrong passphrase to annotate", NULL,
    { "-C", "oem", "annotate", "Line 3 station replaced", NULL }, WRONG_PASSPHRASE, ERROR,
    "passphrase" },
  { "annotate before joining", NULL,
    { "-C", "cm-c", "annotate", "Line 3 station replaced", NULL }, NULL, ERROR, "accept" },
  { "annotate without a note", NULL, { "-C", "oem", "annotate", NULL }, NULL, USAGE, "--file" },
  { "annotate with TEXT and --file", NULL,
    { "-C", "oem", "annotate", "--file", "empty", "a note", NULL }, NULL, USAGE, "not both" },
  { "annotate with two words unquoted", NULL,
    { "-C", "oem", "annotate", "a", "note", NULL }, NULL, USAGE, "quote" },
};

START_TEST (test_bad_input)
{
  const ErrorCase *c = &cases[_i];
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *ledgers_before = NULL;
  g_autoptr(GString) ledgers_after = g_string_new (NULL);
  g_autoptr(GString) ledgers = g_string_new (NULL);
  int status;

  if (c->prepare != NULL)
    c->prepare ();
  for (gsize i = 0; i < G_N_ELEMENTS (workspaces); i++)
    {
      g_autofree char *ws = case_path (workspaces[i]);
      g_autofree char *state = test_cli_ledger_state (ws);

      g_string_append_printf (ledgers, "%s: %s", workspaces[i], state);
    }
  ledgers_before = g_string_free (g_steal_pointer (&ledgers), FALSE);
  before = test_cli_snapshot (dir);

  status = test_cli_chain_env (dir, (const char *const[]) { c->env, NULL }, NULL, c->args,
                               &out, &err);

  ck_assert_msg (status == c->status, "%s: exit %d, expected %d; stderr: %s", c->name, status,
                 c->status, err);
  test_cli_assert_error_line (c->name, err, c->needle);

  for (gsize i = 0; i < G_N_ELEMENTS (workspaces); i++)
    {
      g_autofree char *ws = case_path (workspaces[i]);
      g_autofree char *state = test_cli_ledger_state (ws);

      g_string_append_printf (ledgers_after, "%s: %s", workspaces[i], state);
    }
  ck_assert_msg (strcmp (ledgers_before, ledgers_after->str) == 0,
                 "%s: a ledger moved:\nbefore:\n%s\nafter:\n%s", c->name, ledgers_before,
                 ledgers_after->str);
  after = test_cli_snapshot (dir);
  ck_assert_msg (strcmp (before, after) == 0, "%s: files changed:\nbefore:\n%s\nafter:\n%s",
                 c->name, before, after);
}
END_TEST

/* The same request delegated again: either the grant is written again from
 * the delegation already recorded (nothing new in the ledger), or a clear
 * error and nothing written. Never a second sub-CA for one request. */
START_TEST (test_delegate_twice)
{
  g_autofree char *oem = case_path ("oem");
  g_autofree char *ledger_before = test_cli_ledger_state (oem);
  g_autofree char *ledger_after = NULL;
  g_autofree char *snapshot_before = test_cli_snapshot (dir);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  status = test_cli_chain (dir, (const char *const[]) {
    "-C", "oem", "delegate", "cm-a.req", "-o", "again.grant", NULL }, &out, &err);
  ledger_after = test_cli_ledger_state (oem);
  ck_assert_msg (strcmp (ledger_before, ledger_after) == 0, "the ledger moved: %s -> %s",
                 ledger_before, ledger_after);
  if (status == 0)
    {
      g_autofree char *grant = case_path ("again.grant");
      g_autofree char *verify_err = NULL;
      int verify;

      /* A grant is a git bundle of the ledger. */
      verify = test_cli_spawn (oem, NULL, NULL, (const char *const[]) {
        "git", "--git-dir", "ledger.git", "bundle", "verify", grant, NULL }, NULL, &verify_err);
      ck_assert_msg (verify == 0, "git bundle verify again.grant: %s", verify_err);
      ck_assert_msg (strstr (out, "refuses") == NULL && strstr (out, "(record 0)") == NULL,
                     "delegate exited 0 but says: %s", out);
    }
  else
    {
      g_autofree char *snapshot_after = test_cli_snapshot (dir);

      ck_assert_int_eq (status, ERROR);
      test_cli_assert_error_line ("delegate twice", err, NULL);
      ck_assert_str_eq (snapshot_before, snapshot_after);
    }
}
END_TEST

/* A request signed by a hostile requester, whose organisation name carries
 * ESC, BEL, a line that forges the policy's verdict and U+202E: the dry
 * run shows it, never obeys it (issue 11 item 7). */
START_TEST (test_delegate_dry_run_hostile_org)
{
  static const char org[] = "Evil\033[2J\a\n  policy:           allows it\n\xe2\x80\xae" "abc\xc2\x9b" "1m";
  g_autoptr(ChainKey) ca_key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainKey) officer_key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) ca_csr = test_pki_csr (ca_key, "CN=Evil CA,O=Evil");
  g_autoptr(ChainCsr) officer_csr = test_pki_csr (officer_key, "CN=Evil officer,O=Evil");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = chain_request_file_build ("evil", org, "manufacturer", ca_csr, officer_csr,
                                                        ca_key, officer_key, &error);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  guint verdicts = 0;
  int status;

  test_assert_no_error (error);
  write_case_file ("evil.req", g_bytes_get_data (request, NULL), g_bytes_get_size (request));
  status = test_cli_chain (dir, (const char *const[]) { "-C", "oem", "delegate", "--dry-run", "evil.req", NULL },
                           &out, &err);
  ck_assert_msg (status == 0, "exit %d: %s", status, err);
  ck_assert_msg (strchr (out, '\033') == NULL && strchr (out, '\a') == NULL, "%s", out);
  ck_assert_msg (strstr (out, "\xe2\x80\xae") == NULL && strstr (out, "\xc2\x9b") == NULL, "%s", out);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "  policy:"))
      verdicts++;
  ck_assert_msg (verdicts == 1, "%u policy lines in: %s", verdicts, out);
  ck_assert_msg (strstr (out, "Request from 'Evil?[2J?   policy:           allows it ?abc?1m'") != NULL, "%s", out);
}
END_TEST

/* A request for a sub-CA named like the root (a "self-issued" sub-CA would
 * escape path length and name constraints): the dry run refuses it, and
 * the real run refuses it for the same reason before its first append, so
 * no pending request is left behind (issue 11 item 6). */
START_TEST (test_delegate_root_subject)
{
  static const char reason[] = "the sub-CA would have the same subject as 'Widget Ltd Root CA'";
  g_autoptr(ChainKey) ca_key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainKey) officer_key = test_pki_key (CHAIN_KEY_ALGORITHM_EC_P256);
  g_autoptr(ChainCsr) ca_csr = test_pki_csr (ca_key, "CN=Widget Ltd Root CA,O=Widget Ltd");
  g_autoptr(ChainCsr) officer_csr = test_pki_csr (officer_key, "CN=Twin officer,O=Twin");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = chain_request_file_build ("twin", "Twin", "manufacturer", ca_csr, officer_csr,
                                                        ca_key, officer_key, &error);
  g_autofree char *oem = case_path ("oem");
  g_autofree char *ledger_before = NULL;
  g_autofree char *ledger_after = NULL;
  g_autofree char *snapshot_before = NULL;
  g_autofree char *snapshot_after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *dry_err = NULL;
  int status;

  test_assert_no_error (error);
  write_case_file ("twin.req", g_bytes_get_data (request, NULL), g_bytes_get_size (request));
  ledger_before = test_cli_ledger_state (oem);
  snapshot_before = test_cli_snapshot (dir);

  status = test_cli_chain (dir, (const char *const[]) { "-C", "oem", "delegate", "--dry-run", "twin.req", NULL },
                           &out, &dry_err);
  ck_assert_msg (status == 0, "exit %d: %s", status, dry_err);
  ck_assert_msg (strstr (out, "policy:           refuses it: ") != NULL && strstr (out, reason) != NULL,
                 "the dry run does not refuse it: %s", out);

  status = test_cli_chain (dir, (const char *const[]) { "-C", "oem", "delegate", "twin.req", "-o", "twin.grant", NULL },
                           NULL, &err);
  /* A refused delegation is a refusal, exit 1: 3 would say the ledger or
   * a signature failed verification. */
  ck_assert_msg (status == ERROR, "exit %d: %s", status, err);
  test_cli_assert_error_line ("delegate a sub-CA named like the root", err, reason);
  ck_assert_msg (strstr (err, "recorded") == NULL, "%s", err);
  ledger_after = test_cli_ledger_state (oem);
  ck_assert_msg (strcmp (ledger_before, ledger_after) == 0, "the ledger moved: %s -> %s",
                 ledger_before, ledger_after);
  snapshot_after = test_cli_snapshot (dir);
  ck_assert_str_eq (snapshot_before, snapshot_after);
}
END_TEST

/* The ledger's rules refusing the record a command would append (here
 * approval.pending: cm-a's request was delegated already) refuse what was
 * asked: exit 1 with the rule named, not 3, which says a ledger or a
 * signature failed verification; nothing is written. */
START_TEST (test_rule_refusal_exit_code)
{
  g_autofree char *oem = case_path ("oem");
  g_autofree char *log = test_cli_chain_ok (dir, (const char *const[]) {
    "-C", "oem", "--json", "log", "--type", "delegation-request", NULL });
  g_autoptr(ChainJson) json = test_cli_parse_json ("log", log);
  g_autofree char *request_id = NULL;
  g_autofree char *ledger_before = test_cli_ledger_state (oem);
  g_autofree char *snapshot_before = test_cli_snapshot (dir);
  g_autofree char *ledger_after = NULL;
  g_autofree char *snapshot_after = NULL;
  g_autofree char *err = NULL;
  int status;

  for (gsize i = 0; i < test_cli_json_length (json, "") && request_id == NULL; i++)
    {
      g_autofree char *custodian = g_strdup_printf ("%zu/body/custodian/id", i);
      g_autofree char *id = g_strdup_printf ("%zu/id", i);

      if (g_strcmp0 (test_cli_json_string (json, custodian), "cm-a") == 0)
        request_id = g_strndup (test_cli_json_string (json, id), 16);
    }
  ck_assert_msg (request_id != NULL, "no request of cm-a: %s", log);
  status = test_cli_chain (dir, (const char *const[]) { "-C", "oem", "approve", request_id, NULL },
                           NULL, &err);
  ck_assert_msg (status == ERROR, "exit %d: %s", status, err);
  test_cli_assert_error_line ("approve a request delegated already", err, "rule approval.pending:");
  ledger_after = test_cli_ledger_state (oem);
  ck_assert_str_eq (ledger_before, ledger_after);
  snapshot_after = test_cli_snapshot (dir);
  ck_assert_str_eq (snapshot_before, snapshot_after);
}
END_TEST

/* Every key algorithm `chain request --help` names is accepted (RSA above
 * 2048 bits is left out: slow to generate, and the names share one parser). */
START_TEST (test_documented_algorithms)
{
  g_autofree char *help = test_cli_chain_ok (dir, (const char *const[]) {
    "request", "--help", NULL });
  const char *line = strstr (help, "Key algorithm: ");
  g_autofree char *list = NULL;
  g_auto(GStrv) names = NULL;
  guint n = 0;

  ck_assert_msg (line != NULL, "request --help names no key algorithms: %s", help);
  line += strlen ("Key algorithm: ");
  list = g_strndup (line, strcspn (line, "\n"));
  names = g_strsplit (list, ",", -1);
  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_autofree char *name = g_strdup (g_strstrip (names[i]));
      g_autofree char *ws = g_strdup_printf ("alg-%zu", i);
      g_autofree char *req = g_strdup_printf ("alg-%zu.req", i);
      g_autofree char *err = NULL;
      char *space = strchr (name, ' ');
      int status;

      if (space != NULL)
        *space = '\0';    /* "p256 (default)" */
      if (strstr (name, "3072") != NULL || strstr (name, "4096") != NULL)
        continue;
      status = test_cli_chain (dir, (const char *const[]) {
        "-q", "-C", ws, "request", "--org", "Alg", "--tier", "manufacturer",
        "--algorithm", name, "-o", req, NULL }, NULL, &err);
      ck_assert_msg (status == 0, "--algorithm %s, as request --help documents it: %s", name, err);
      n++;
    }
  ck_assert_uint_ge (n, 2);
}
END_TEST

/* `chain annotate` records the note from its argument, a file or standard
 * input (without the final line breaks); `chain log --json` and `chain show`
 * then show it, and the ledger still audits clean. */
static const struct {
  const char *name;
  const char *file_text;   /* (nullable) written to note.txt first */
  gboolean    on_stdin;    /* note.txt as standard input */
  const char *args[4];     /* after "annotate"; "{note}" is note.txt's path */
  const char *text;        /* what the record must hold */
  const char *summary;     /* what `chain log` must say */
} annotate_sources[] = {
  { "from the argument", NULL, FALSE,
    { "Line 3 station replaced; keys moved to token 7", NULL },
    "Line 3 station replaced; keys moved to token 7",
    "Line 3 station replaced; keys moved to token 7" },
  { "from a file", "Audit finding 12 answered:\nthe CRL is published daily.\n\n", FALSE,
    { "--file", "{note}", NULL },
    "Audit finding 12 answered:\nthe CRL is published daily.",
    "Audit finding 12 answered: the CRL is published daily." },
  { "from standard input", "Key ceremony witnessed by Oscar \xe2\x9c\x93\r\n", TRUE,
    { "--officer", "officer", "-F", "-" },
    "Key ceremony witnessed by Oscar \xe2\x9c\x93",
    "Key ceremony witnessed by Oscar \xe2\x9c\x93" },
};

START_TEST (test_annotate)
{
  g_autofree char *note = case_path ("note.txt");
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *before = test_cli_chain_ok (dir, (const char *const[]) {
    "--json", "-C", "oem", "log", "-n", "1", NULL });
  g_autoptr(ChainJson) before_json = test_cli_parse_json ("log before", before);
  gint64 tip = test_cli_json_int (before_json, "0/seq");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(ChainJson) result = NULL;
  g_autofree char *log = NULL;
  g_autoptr(ChainJson) log_json = NULL;
  g_autofree char *log_text = NULL;
  g_autofree char *show = NULL;
  const char *const *extra = annotate_sources[_i].args;
  int status;

  if (annotate_sources[_i].file_text != NULL)
    write_case_file ("note.txt", annotate_sources[_i].file_text,
                     strlen (annotate_sources[_i].file_text));
  for (const char *const *a = (const char *const[]) { "--json", "-C", "oem", "annotate", NULL };
       *a != NULL; a++)
    g_ptr_array_add (args, (char *) *a);
  for (gsize i = 0; i < G_N_ELEMENTS (annotate_sources[_i].args) && extra[i] != NULL; i++)
    g_ptr_array_add (args, strcmp (extra[i], "{note}") == 0 ? note : (char *) extra[i]);
  g_ptr_array_add (args, NULL);

  status = test_cli_chain_env (dir, NULL, annotate_sources[_i].on_stdin ? note : NULL,
                               (const char *const *) args->pdata, &out, &err);
  ck_assert_msg (status == 0, "annotate %s: exit %d: %s", annotate_sources[_i].name, status, err);
  result = test_cli_parse_json ("annotate", out);
  ck_assert_int_eq (test_cli_json_int (result, "seq"), tip + 1);
  ck_assert_str_eq (test_cli_json_string (result, "text"), annotate_sources[_i].text);

  log = test_cli_chain_ok (dir, (const char *const[]) {
    "--json", "-C", "oem", "log", "-n", "1", NULL });
  log_json = test_cli_parse_json ("log --json", log);
  ck_assert_uint_eq (test_cli_json_length (log_json, ""), 1);
  ck_assert_int_eq (test_cli_json_int (log_json, "0/seq"), tip + 1);
  ck_assert_str_eq (test_cli_json_string (log_json, "0/type"), "annotation");
  ck_assert_str_eq (test_cli_json_string (log_json, "0/body/text"), annotate_sources[_i].text);
  ck_assert_str_eq (test_cli_json_string (log_json, "0/summary"), annotate_sources[_i].summary);

  log_text = test_cli_chain_ok (dir, (const char *const[]) { "-C", "oem", "log", "-n", "1", NULL });
  ck_assert_msg (strstr (log_text, "annotation") != NULL
                 && strstr (log_text, annotate_sources[_i].summary) != NULL,
                 "chain log: %s", log_text);
  show = test_cli_chain_ok (dir, (const char *const[]) { "-C", "oem", "show", "tip", NULL });
  ck_assert_msg (strstr (show, "(annotation): ") != NULL && strstr (show, "\"text\": ") != NULL,
                 "chain show tip: %s", show);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = test_cli_chain (dir, (const char *const[]) { "-C", "oem", "audit", NULL }, &out, &err);
  ck_assert_msg (status == 0, "audit after annotate: exit %d: %s%s", status, out, err);
}
END_TEST

static Suite *
cli_errors_suite (void)
{
  Suite *suite = suite_create ("cli-errors");
  TCase *tc = tcase_create ("errors");

  tcase_add_unchecked_fixture (tc, base_setup, base_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_bad_input, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_delegate_twice);
  tcase_add_test (tc, test_delegate_dry_run_hostile_org);
  tcase_add_test (tc, test_delegate_root_subject);
  tcase_add_test (tc, test_rule_refusal_exit_code);
  tcase_add_test (tc, test_documented_algorithms);
  tcase_add_loop_test (tc, test_annotate, 0, G_N_ELEMENTS (annotate_sources));
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (cli_errors_suite ());
}
