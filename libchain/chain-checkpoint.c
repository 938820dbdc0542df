/* chain-checkpoint.c — signed notes of what a custodian has seen (chain-checkpoint.h) */
#include "chain-checkpoint.h"
#include "chain-i18n-private.h"

#include <git2.h>
#include <inttypes.h>
#include <string.h>

#include "chain-error.h"
#include "chain-git-private.h"
#include "chain-ledger-private.h"
#include "chain-pki-private.h"
#include "chain-statement.h"

#define MAGIC "libchain-checkpoint 1"
#define SIGNATURE_KEY "signature "
/* An RSA-4096 signature in base64, with room. */
#define MAX_SIGNATURE_B64 1024

struct _ChainCheckpoint {
  char    *ledger_id;
  guint64  seq;
  char    *record_digest;
  char    *commit_id;
  gint64   time;
  char    *custodian;
  char    *officer_key_id;
  GBytes  *signed_part;
  GBytes  *signature;
};

void
chain_checkpoint_free (ChainCheckpoint *self)
{
  if (self == NULL)
    return;
  g_free (self->ledger_id);
  g_free (self->record_digest);
  g_free (self->commit_id);
  g_free (self->custodian);
  g_free (self->officer_key_id);
  g_clear_pointer (&self->signed_part, g_bytes_unref);
  g_clear_pointer (&self->signature, g_bytes_unref);
  g_free (self);
}

static gboolean
is_lower_hex (const char *text,
              gsize       len)
{
  if (text == NULL || strlen (text) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
      return FALSE;
  return TRUE;
}

/* The part the signature covers. (transfer full) */
static char *
signed_text (const char *ledger_id,
             guint64     seq,
             const char *record_digest,
             const char *commit_id,
             gint64      time,
             const char *custodian,
             const char *officer_key_id)
{
  return g_strdup_printf (MAGIC "\nledger %s\nseq %" G_GUINT64_FORMAT "\nrecord %s\ncommit %s\ntime %" G_GINT64_FORMAT
                          "\ncustodian %s\nofficer %s\n",
                          ledger_id, seq, record_digest, commit_id, time, custodian, officer_key_id);
}

GBytes *
chain_checkpoint_sign (const char *ledger_id,
                       guint64     seq,
                       const char *record_digest,
                       const char *commit_id,
                       gint64      time,
                       const char *custodian,
                       ChainKey   *officer_key,
                       GError    **error)
{
  g_autofree char *key_id = NULL;
  g_autofree char *text = NULL;
  g_autofree guint8 *sig = NULL;
  g_autofree char *b64 = NULL;
  EVP_MD_CTX *ctx;
  size_t sig_len = 0;
  gboolean ok;

  g_return_val_if_fail (officer_key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ledger_id == NULL || custodian == NULL || strchr (ledger_id, '\n') != NULL || strchr (custodian, '\n') != NULL
      || ledger_id[0] == '\0' || custodian[0] == '\0' || !is_lower_hex (record_digest, 64)
      || !is_lower_hex (commit_id, 40) || time < 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a checkpoint needs a ledger id, a record digest, a commit id, a time and a custodian"));
      return NULL;
    }
  key_id = chain_key_dup_public_key_sha256 (officer_key);
  text = signed_text (ledger_id, seq, record_digest, commit_id, time, custodian, key_id);
  ctx = chain_key_sign_begin (officer_key, error);
  if (ctx == NULL)
    return NULL;
  ok = EVP_DigestSign (ctx, NULL, &sig_len, (const guint8 *) text, strlen (text)) == 1;
  if (ok)
    {
      sig = g_malloc (sig_len);
      ok = EVP_DigestSign (ctx, sig, &sig_len, (const guint8 *) text, strlen (text)) == 1;
    }
  chain_key_sign_end (officer_key, ctx);
  if (!ok)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot sign the checkpoint"));
      return NULL;
    }
  b64 = g_base64_encode (sig, sig_len);
  return g_bytes_new_take (g_strdup_printf ("%s" SIGNATURE_KEY "%s\n", text, b64),
                           strlen (text) + strlen (SIGNATURE_KEY) + strlen (b64) + 1);
}

/* ---- Parsing ------------------------------------------------------------------ */

static gboolean
parse_failed (GError    **error,
              guint       line,
              const char *what)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: %u is a line number, %s what that line must be */
               _("the checkpoint's line %u is not %s"), line, what);
  return FALSE;
}

static gboolean
parse_number (const char *text,
              guint64     max,
              guint64    *out)
{
  guint64 value = 0;

  if (text[0] == '\0' || (text[0] == '0' && text[1] != '\0') || strlen (text) > 19)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = value * 10 + (guint64) (*p - '0');
    }
  if (value > max)
    return FALSE;
  *out = value;
  return TRUE;
}

ChainCheckpoint *
chain_checkpoint_parse (GBytes  *note,
                        GError **error)
{
  static const char *const keys[] = { "ledger ", "seq ", "record ", "commit ", "time ", "custodian ", "officer ",
                                      SIGNATURE_KEY };
  g_autoptr(ChainCheckpoint) self = g_new0 (ChainCheckpoint, 1);
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;
  g_autofree guint8 *sig = NULL;
  g_autofree char *again = NULL;
  const char *values[G_N_ELEMENTS (keys)];
  gsize len = 0;
  gsize sig_len = 0;
  const char *data;
  guint64 number = 0;

  g_return_val_if_fail (note != NULL, NULL);

  data = g_bytes_get_data (note, &len);
  if (len == 0 || len > CHAIN_CHECKPOINT_MAX_LEN || memchr (data, '\0', len) != NULL || data[len - 1] != '\n'
      || !g_utf8_validate (data, (gssize) len, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a checkpoint is UTF-8 text of at most %d bytes ending with a newline"), CHAIN_CHECKPOINT_MAX_LEN);
      return NULL;
    }
  text = g_strndup (data, len - 1);
  lines = g_strsplit (text, "\n", -1);
  if (g_strv_length (lines) != G_N_ELEMENTS (keys) + 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a checkpoint has exactly %u lines"), (guint) G_N_ELEMENTS (keys) + 1);
      return NULL;
    }
  if (strcmp (lines[0], MAGIC) != 0)
    return parse_failed (error, 1, "'" MAGIC "'"), NULL;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (!g_str_has_prefix (lines[i + 1], keys[i]))
        return parse_failed (error, i + 2, keys[i]), NULL;
      values[i] = lines[i + 1] + strlen (keys[i]);
    }
  self->ledger_id = g_strdup (values[0]);
  if (self->ledger_id[0] == '\0')
    return parse_failed (error, 2, _("a ledger id")), NULL;
  if (!parse_number (values[1], G_MAXINT64, &self->seq))
    return parse_failed (error, 3, _("a sequence number")), NULL;
  if (!is_lower_hex (values[2], 64))
    return parse_failed (error, 4, _("a SHA-256 digest in lower-case hex")), NULL;
  self->record_digest = g_strdup (values[2]);
  if (!is_lower_hex (values[3], 40))
    return parse_failed (error, 5, _("a commit id in lower-case hex")), NULL;
  self->commit_id = g_strdup (values[3]);
  if (!parse_number (values[4], G_MAXINT64, &number))
    return parse_failed (error, 6, _("a time in Unix seconds")), NULL;
  self->time = (gint64) number;
  if (!chain_statement_check_custodian_id (values[5], NULL))
    return parse_failed (error, 7, _("a custodian id")), NULL;
  self->custodian = g_strdup (values[5]);
  if (!is_lower_hex (values[6], 64))
    return parse_failed (error, 8, _("an officer key id (64 hex digits)")), NULL;
  self->officer_key_id = g_strdup (values[6]);
  if (strlen (values[7]) == 0 || strlen (values[7]) > MAX_SIGNATURE_B64)
    return parse_failed (error, 9, _("a signature in base64")), NULL;
  sig = g_base64_decode (values[7], &sig_len);
  again = sig_len > 0 ? g_base64_encode (sig, sig_len) : NULL;
  if (again == NULL || strcmp (again, values[7]) != 0)
    return parse_failed (error, 9, _("a signature in base64")), NULL;
  self->signature = g_bytes_new_take (g_steal_pointer (&sig), sig_len);
  self->signed_part = g_bytes_new (data, (gsize) (strstr (data, "\n" SIGNATURE_KEY) - data) + 1);
  return g_steal_pointer (&self);
}

gboolean
chain_checkpoint_verify (const ChainCheckpoint *self,
                         const ChainCert       *officer,
                         GError               **error)
{
  g_autoptr(EVP_MD_CTX) ctx = NULL;
  g_autofree char *key_id = NULL;
  EVP_PKEY *pkey;
  gsize sig_len = 0;
  gsize len = 0;
  const guint8 *sig;
  const guint8 *data;
  int status;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (officer != NULL, FALSE);

  key_id = chain_cert_dup_public_key_sha256 (officer);
  if (strcmp (key_id, self->officer_key_id) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("the checkpoint names officer key %.16s…, not this officer's %.16s…"), self->officer_key_id,
                   key_id);
      return FALSE;
    }
  pkey = X509_get0_pubkey (chain_cert_get_x509 (officer));
  if (pkey == NULL || chain_pkey_get_algorithm (pkey, NULL) == CHAIN_KEY_ALGORITHM_INVALID)
    {
      chain_openssl_clear_errors ();
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                           _("the officer certificate has a key libchain does not accept"));
      return FALSE;
    }
  sig = g_bytes_get_data (self->signature, &sig_len);
  data = g_bytes_get_data (self->signed_part, &len);
  ctx = EVP_MD_CTX_new ();
  if (ctx == NULL || EVP_DigestVerifyInit (ctx, NULL, chain_pkey_signature_digest (pkey), NULL, pkey) != 1)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot check the checkpoint's signature"));
      return FALSE;
    }
  status = EVP_DigestVerify (ctx, sig, sig_len, data, len);
  chain_openssl_clear_errors ();
  if (status != 1)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                           _("the checkpoint's signature does not match the note; it was altered after signing"));
      return FALSE;
    }
  return TRUE;
}

const char *
chain_checkpoint_get_ledger_id (const ChainCheckpoint *self)
{
  return self->ledger_id;
}

guint64
chain_checkpoint_get_seq (const ChainCheckpoint *self)
{
  return self->seq;
}

const char *
chain_checkpoint_get_record_digest (const ChainCheckpoint *self)
{
  return self->record_digest;
}

const char *
chain_checkpoint_get_commit_id (const ChainCheckpoint *self)
{
  return self->commit_id;
}

gint64
chain_checkpoint_get_time (const ChainCheckpoint *self)
{
  return self->time;
}

const char *
chain_checkpoint_get_custodian (const ChainCheckpoint *self)
{
  return self->custodian;
}

const char *
chain_checkpoint_get_officer_key_id (const ChainCheckpoint *self)
{
  return self->officer_key_id;
}

/* ---- In a repository ------------------------------------------------------------- */

static GBytes *
read_note_of (git_repository *repo,
              const char     *refname)
{
  g_autoptr(git_reference) ref = NULL;
  g_autoptr(git_reference) resolved = NULL;
  g_autoptr(git_commit) commit = NULL;
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_blob) blob = NULL;
  const git_tree_entry *entry;

  if (git_reference_lookup (&ref, repo, refname) < 0 || git_reference_resolve (&resolved, ref) < 0
      || git_commit_lookup (&commit, repo, git_reference_target (resolved)) < 0
      || git_commit_tree (&tree, commit) < 0 || git_tree_entrycount (tree) != 1
      || (entry = git_tree_entry_byname (tree, CHAIN_CHECKPOINT_FILE)) == NULL
      || git_blob_lookup (&blob, repo, git_tree_entry_id (entry)) < 0
      || git_blob_rawsize (blob) > CHAIN_CHECKPOINT_MAX_LEN)
    {
      git_error_clear ();
      return NULL;
    }
  return g_bytes_new (git_blob_rawcontent (blob), (gsize) git_blob_rawsize (blob));
}

static gint
compare_custodians (gconstpointer a,
                    gconstpointer b)
{
  const ChainCheckpoint *x = *(ChainCheckpoint *const *) a;
  const ChainCheckpoint *y = *(ChainCheckpoint *const *) b;

  return strcmp (x->custodian, y->custodian);
}

GPtrArray *
chain_checkpoint_list (const char *repo_path,
                       GError    **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_checkpoint_free);
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_reference_iterator) iter = NULL;
  const char *name = NULL;
  int status;

  g_return_val_if_fail (repo_path != NULL, NULL);

  git_libgit2_init ();
  status = git_repository_open_ext (&repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
  if (status < 0)
    {
      git_error_clear ();
      git_libgit2_shutdown ();
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT, _("%s is not a git repository"), repo_path);
      return NULL;
    }
  status = git_reference_iterator_glob_new (&iter, repo, CHAIN_CHECKPOINT_REF_PREFIX "*");
  if (status < 0)
    {
      g_clear_pointer (&repo, git_repository_free);
      git_libgit2_shutdown ();
      chain_git_error (error, status, _("cannot list the checkpoints of %s"), repo_path);
      return NULL;
    }
  while (git_reference_next_name (&name, iter) == 0)
    {
      g_autoptr(GBytes) note = read_note_of (repo, name);
      ChainCheckpoint *checkpoint = note != NULL ? chain_checkpoint_parse (note, NULL) : NULL;

      if (checkpoint != NULL && strcmp (checkpoint->custodian, name + strlen (CHAIN_CHECKPOINT_REF_PREFIX)) == 0)
        g_ptr_array_add (list, checkpoint);
      else
        chain_checkpoint_free (checkpoint);
    }
  git_error_clear ();
  g_clear_pointer (&iter, git_reference_iterator_free);
  g_clear_pointer (&repo, git_repository_free);
  git_libgit2_shutdown ();
  g_ptr_array_sort (list, compare_custodians);
  return g_steal_pointer (&list);
}

GBytes *
chain_checkpoint_read_note (const char *repo_path,
                            const char *custodian,
                            GError    **error)
{
  g_autoptr(git_repository) repo = NULL;
  g_autofree char *refname = NULL;
  GBytes *note = NULL;

  g_return_val_if_fail (repo_path != NULL, NULL);
  g_return_val_if_fail (custodian != NULL, NULL);

  git_libgit2_init ();
  if (git_repository_open_ext (&repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0)
    {
      refname = g_strconcat (CHAIN_CHECKPOINT_REF_PREFIX, custodian, NULL);
      note = read_note_of (repo, refname);
    }
  git_error_clear ();
  g_clear_pointer (&repo, git_repository_free);
  git_libgit2_shutdown ();
  if (note == NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("%s has no checkpoint of %s yet; sync first"),
                 repo_path, custodian);
  return note;
}
