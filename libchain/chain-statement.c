/* chain-statement.c — statement.json and its DSSE signatures
 *
 * A statement is the signed half of a record; see chain-statement.h and
 * docs/ledger-format.md. Parsing is strict: the bytes must be canonical,
 * every field present, nothing unknown, so that one statement has exactly
 * one byte form and its digest names it.
 */
#include "chain-statement.h"
#include "chain-i18n-private.h"

#include <inttypes.h>
#include <openssl/rand.h>
#include <string.h>

#include "chain-cms-private.h"
#include "chain-error.h"
#include "chain-pki-private.h"

#define DIGEST_HEX_LEN 64
#define ID_HEX_LEN 32
#define NAME_MAX_LEN 64
/* RSA-4096 makes 512-byte signatures, DER ECDSA P-384 about 104. */
#define SIGNATURE_MAX_LEN 1024

typedef struct {
  char   *name;
  char   *sha256;
  gint64  size;
  GBytes *data;   /* NULL until added or attached */
} Artifact;

typedef struct {
  char   *key_id;
  GBytes *sig;
} Signature;

struct _ChainStatement {
  gint             ref_count;
  ChainRecordType  type;
  char            *author;
  char            *id;
  char            *ledger_id;
  char            *policy;
  gint64           time;
  ChainJson       *body;
  GPtrArray       *artifacts;   /* Artifact, sorted by name */
  GPtrArray       *signatures;  /* Signature, in signing order */
  GBytes          *bytes;       /* statement.json; set when sealed */
};

static const char *const type_names[] = {
  [CHAIN_RECORD_TYPE_INVALID] = "invalid",
  [CHAIN_RECORD_TYPE_GENESIS] = "genesis",
  [CHAIN_RECORD_TYPE_POLICY] = "policy",
  [CHAIN_RECORD_TYPE_OFFICER] = "officer",
  [CHAIN_RECORD_TYPE_DELEGATION_REQUEST] = "delegation-request",
  [CHAIN_RECORD_TYPE_APPROVAL] = "approval",
  [CHAIN_RECORD_TYPE_DELEGATION] = "delegation",
  [CHAIN_RECORD_TYPE_ACCEPTANCE] = "acceptance",
  [CHAIN_RECORD_TYPE_DEVICE_BATCH] = "device-batch",
  [CHAIN_RECORD_TYPE_POP] = "pop",
  [CHAIN_RECORD_TYPE_EXPORT] = "export",
  [CHAIN_RECORD_TYPE_REVOCATION] = "revocation",
  [CHAIN_RECORD_TYPE_KEY_ROTATION] = "key-rotation",
  [CHAIN_RECORD_TYPE_ANNOTATION] = "annotation",
  [CHAIN_RECORD_TYPE_QUOTA] = "quota",
};

/* The members of statement.json, sorted as canonical JSON sorts them. */
static const char *const statement_fields[] = {
  "artifacts", "author", "body", "id", "ledger", "policy", "time", "type", "version",
};

static void
artifact_free (gpointer data)
{
  Artifact *artifact = data;

  g_free (artifact->name);
  g_free (artifact->sha256);
  g_clear_pointer (&artifact->data, g_bytes_unref);
  g_free (artifact);
}

static void
signature_free (gpointer data)
{
  Signature *signature = data;

  g_free (signature->key_id);
  g_clear_pointer (&signature->sig, g_bytes_unref);
  g_free (signature);
}

const char *
chain_record_type_to_string (ChainRecordType type)
{
  if ((guint) type >= G_N_ELEMENTS (type_names))
    return "invalid";
  return type_names[type];
}

ChainRecordType
chain_record_type_from_string (const char *name,
                               GError    **error)
{
  g_return_val_if_fail (name != NULL, CHAIN_RECORD_TYPE_INVALID);

  for (guint i = CHAIN_RECORD_TYPE_GENESIS; i < G_N_ELEMENTS (type_names); i++)
    if (strcmp (type_names[i], name) == 0)
      return (ChainRecordType) i;

  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: the last %s is the list of record type names */
               _("unknown record type “%.64s”; expected one of %s"),
               g_utf8_validate (name, -1, NULL) ? name : _("(not UTF-8)"), CHAIN_RECORD_TYPE_NAMES);
  return CHAIN_RECORD_TYPE_INVALID;
}

char *
chain_statement_new_id (void)
{
  guint8 random[ID_HEX_LEN / 2];

  /* OpenSSL's generator reseeds after fork(), so forked writers never
   * share ids; GLib's g_random would. */
  if (RAND_bytes (random, sizeof random) != 1)
    g_error ("libchain: the system random number generator failed");
  return chain_hex_encode (random, sizeof random, FALSE);
}

/* [a-z0-9._-]{1,64} in a custodian id (@custodian) or an artifact name;
 * what the first character may be is up to the caller. */
static gboolean
check_name_chars (gboolean    custodian,
                  const char *name,
                  GError    **error)
{
  gsize len = strlen (name);

  if (len == 0 || len > NAME_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   custodian ? _("custodian id must be 1 to %d characters long")
                             : _("artifact name must be 1 to %d characters long"),
                   NAME_MAX_LEN);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      char c = name[i];

      if (!g_ascii_islower (c) && !g_ascii_isdigit (c) && c != '.' && c != '_' && c != '-')
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       custodian ? _("custodian id “%.64s” has a character other than a-z, 0-9, '.', '_' and '-'")
                                 : _("artifact name “%.64s” has a character other than a-z, 0-9, '.', '_' and '-'"),
                       g_utf8_validate (name, -1, NULL) ? name : _("(not UTF-8)"));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
chain_statement_check_custodian_id (const char *id,
                                    GError    **error)
{
  g_return_val_if_fail (id != NULL, FALSE);

  if (!check_name_chars (TRUE, id, error))
    return FALSE;
  if (!g_ascii_isalnum (id[0]))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("custodian id “%s” must start with a letter or digit"), id);
      return FALSE;
    }
  return TRUE;
}

gboolean
chain_statement_check_artifact_name (const char *name,
                                     GError    **error)
{
  g_return_val_if_fail (name != NULL, FALSE);

  if (!check_name_chars (FALSE, name, error))
    return FALSE;
  /* Also keeps out ".", ".." and ".git*", which git refuses or treats specially. */
  if (name[0] == '.')
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("artifact name “%s” must not start with '.'"), name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_hex_field (const char *field,
                 const char *value,
                 gsize       len,
                 GError    **error)
{
  if (!chain_hex_is_lower (value, len))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("statement field '%s' must be %zu lower-case hex digits"),
                   field, len);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_time (gint64   time,
            GError **error)
{
  if (time < 0 || time > CHAIN_JSON_INTEGER_MAX)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("statement field 'time' must be Unix seconds from 0 to 2^53-1, not %" PRId64), time);
      return FALSE;
    }
  return TRUE;
}

static ChainStatement *
statement_alloc (void)
{
  ChainStatement *self = g_new0 (ChainStatement, 1);

  self->ref_count = 1;
  self->artifacts = g_ptr_array_new_with_free_func (artifact_free);
  self->signatures = g_ptr_array_new_with_free_func (signature_free);
  return self;
}

ChainStatement *
chain_statement_new (ChainRecordType  type,
                     const char      *author,
                     const char      *ledger_id,
                     const char      *policy_digest,
                     gint64           time,
                     ChainJson       *body,
                     GError         **error)
{
  ChainStatement *self = NULL;

  g_return_val_if_fail (author != NULL, NULL);
  g_return_val_if_fail (ledger_id != NULL, NULL);
  g_return_val_if_fail (policy_digest != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (type <= CHAIN_RECORD_TYPE_INVALID || (guint) type >= G_N_ELEMENTS (type_names))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: %s is the list of record type names */
                   _("invalid record type %d; use one of %s"), (int) type, CHAIN_RECORD_TYPE_NAMES);
      return NULL;
    }
  if (!chain_statement_check_custodian_id (author, error)
      || !check_hex_field ("ledger", ledger_id, ID_HEX_LEN, error)
      || !check_hex_field ("policy", policy_digest, DIGEST_HEX_LEN, error)
      || !check_time (time, error))
    return NULL;
  if (chain_json_get_value_type (body) != CHAIN_JSON_OBJECT)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: %s is a JSON type name such as "array" */
                   _("statement field 'body' must be an object, not %s"),
                   chain_json_type_to_string (chain_json_get_value_type (body)));
      return NULL;
    }

  self = statement_alloc ();
  self->type = type;
  self->author = g_strdup (author);
  self->id = chain_statement_new_id ();
  self->ledger_id = g_strdup (ledger_id);
  self->policy = g_strdup (policy_digest);
  self->time = time;
  self->body = chain_json_ref (body);
  return self;
}

static Artifact *
find_artifact (const ChainStatement *self,
               const char           *name)
{
  for (guint i = 0; i < self->artifacts->len; i++)
    {
      Artifact *artifact = g_ptr_array_index (self->artifacts, i);

      if (strcmp (artifact->name, name) == 0)
        return artifact;
    }
  return NULL;
}

static gint
compare_artifacts (gconstpointer a,
                   gconstpointer b)
{
  const Artifact *x = *(const Artifact *const *) a;
  const Artifact *y = *(const Artifact *const *) b;

  return strcmp (x->name, y->name);
}

/* "-----BEGIN [ENCRYPTED |EC |RSA ]PRIVATE KEY-----" anywhere in @data. */
static gboolean
holds_pem_private_key (const guint8 *data,
                       gsize         len)
{
  static const char needle[] = "PRIVATE KEY-----";
  const gsize needle_len = sizeof needle - 1;
  const guint8 *at = data;

  while (len > 0 && (gsize) (at - data) + needle_len <= len)
    {
      at = memchr (at, 'P', len - (gsize) (at - data) - needle_len + 1);
      if (at == NULL)
        return FALSE;
      if (memcmp (at, needle, needle_len) == 0)
        return TRUE;
      at++;
    }
  return FALSE;
}

gboolean
chain_statement_add_artifact (ChainStatement *self,
                              const char     *name,
                              GBytes         *data,
                              GError        **error)
{
  Artifact *artifact = NULL;
  gsize len = 0;
  const guint8 *bytes = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->bytes == NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!chain_statement_check_artifact_name (name, error))
    return FALSE;
  if (find_artifact (self, name) != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                   _("the statement already has an artifact named “%s”; choose another name"),
                   name);
      return FALSE;
    }
  if (self->artifacts->len >= CHAIN_STATEMENT_MAX_ARTIFACTS)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a statement holds at most %d artifacts"), CHAIN_STATEMENT_MAX_ARTIFACTS);
      return FALSE;
    }
  bytes = g_bytes_get_data (data, &len);
  if ((guint64) len > (guint64) CHAIN_STATEMENT_ARTIFACT_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("artifact “%s” is too large (%zu bytes, at most %" PRId64 "); split the batch"), name, len,
                   CHAIN_STATEMENT_ARTIFACT_MAX_LEN);
      return FALSE;
    }

  /* Keys never enter the ledger: catch the slip of attaching a PEM key. */
  if (holds_pem_private_key (bytes, len))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   _("artifact “%s” holds a private key; keys never enter the ledger, "
                     "attach the certificate or CSR instead"), name);
      return FALSE;
    }

  artifact = g_new0 (Artifact, 1);
  artifact->name = g_strdup (name);
  artifact->sha256 = chain_sha256_hex (len > 0 ? bytes : (const guint8 *) "", len);
  artifact->size = (gint64) len;
  artifact->data = g_bytes_ref (data);
  g_ptr_array_add (self->artifacts, artifact);
  g_ptr_array_sort (self->artifacts, compare_artifacts);
  return TRUE;
}

gboolean
chain_statement_attach_artifact (ChainStatement *self,
                                 const char     *name,
                                 GBytes         *data,
                                 GError        **error)
{
  Artifact *artifact = NULL;
  g_autofree char *sha256 = NULL;
  const guint8 *bytes = NULL;
  gsize len = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  artifact = find_artifact (self, name);
  if (artifact == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("the statement lists no artifact named “%.64s”"),
                   g_utf8_validate (name, -1, NULL) ? name : _("(not UTF-8)"));
      return FALSE;
    }
  bytes = g_bytes_get_data (data, &len);
  sha256 = chain_sha256_hex (len > 0 ? bytes : (const guint8 *) "", len);
  if ((gint64) len != artifact->size || strcmp (sha256, artifact->sha256) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("artifact “%s” does not match the digest its statement lists; "
                     "use the file the statement was signed with"), name);
      return FALSE;
    }
  g_clear_pointer (&artifact->data, g_bytes_unref);
  artifact->data = g_bytes_ref (data);
  return TRUE;
}

static GBytes *
serialise (const ChainStatement *self)
{
  g_autoptr(ChainJson) root = chain_json_new_object ();
  g_autoptr(ChainJson) artifacts = chain_json_new_object ();

  for (guint i = 0; i < self->artifacts->len; i++)
    {
      const Artifact *artifact = g_ptr_array_index (self->artifacts, i);
      ChainJson *entry = chain_json_new_object ();

      chain_json_object_set_string (entry, "sha256", artifact->sha256);
      chain_json_object_set_integer (entry, "size", artifact->size);
      chain_json_object_set (artifacts, artifact->name, entry);
    }
  chain_json_object_set (root, "artifacts", g_steal_pointer (&artifacts));
  chain_json_object_set_string (root, "author", self->author);
  chain_json_object_set (root, "body", chain_json_ref (self->body));
  chain_json_object_set_string (root, "id", self->id);
  chain_json_object_set_string (root, "ledger", self->ledger_id);
  chain_json_object_set_string (root, "policy", self->policy);
  chain_json_object_set_integer (root, "time", self->time);
  chain_json_object_set_string (root, "type", type_names[self->type]);
  chain_json_object_set_integer (root, "version", CHAIN_STATEMENT_VERSION);
  return chain_json_to_canonical (root);
}

static void
seal (ChainStatement *self)
{
  if (self->bytes == NULL)
    self->bytes = serialise (self);
}

void
chain_statement_seal (ChainStatement *self)
{
  g_return_if_fail (self != NULL);

  seal (self);
}

GBytes *
chain_statement_dup_bytes (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->bytes != NULL, NULL);

  return g_bytes_ref (self->bytes);
}

GBytes *
chain_statement_dup_signatures_bytes (ChainStatement *self)
{
  g_autoptr(ChainJson) root = chain_json_new_array ();

  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->signatures->len; i++)
    {
      const Signature *signature = g_ptr_array_index (self->signatures, i);
      ChainJson *entry = chain_json_new_object ();
      g_autofree char *b64 = g_base64_encode (g_bytes_get_data (signature->sig, NULL),
                                              g_bytes_get_size (signature->sig));

      chain_json_object_set_string (entry, "keyid", signature->key_id);
      chain_json_object_set_string (entry, "sig", b64);
      chain_json_array_append (root, entry);
    }
  return chain_json_to_canonical (root);
}

char *
chain_statement_dup_digest (const ChainStatement *self)
{
  gsize len = 0;
  const guint8 *data = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->bytes != NULL, NULL);

  data = g_bytes_get_data (self->bytes, &len);
  return chain_sha256_hex (data, len);
}

/* DSSE's pre-authentication encoding of statement.json. */
static GByteArray *
pae (ChainStatement *self)
{
  GByteArray *out = g_byte_array_new ();
  g_autofree char *head = NULL;
  gsize len = 0;
  const guint8 *body = NULL;

  seal (self);
  body = g_bytes_get_data (self->bytes, &len);
  head = g_strdup_printf ("DSSEv1 %" G_GSIZE_FORMAT " %s %" G_GSIZE_FORMAT " ",
                          strlen (CHAIN_STATEMENT_PAYLOAD_TYPE),
                          CHAIN_STATEMENT_PAYLOAD_TYPE, len);
  g_byte_array_append (out, (const guint8 *) head, (guint) strlen (head));
  g_byte_array_append (out, body, (guint) len);
  return out;
}

gboolean
chain_statement_sign (ChainStatement *self,
                      ChainKey       *key,
                      GError        **error)
{
  EVP_MD_CTX *ctx = NULL;
  g_autoptr(GByteArray) message = NULL;
  g_autofree char *key_id = NULL;
  g_autofree guint8 *sig = NULL;
  Signature *signature = NULL;
  size_t sig_len = 0;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key_id = chain_key_dup_public_key_sha256 (key);
  for (guint i = 0; i < self->signatures->len; i++)
    {
      const Signature *other = g_ptr_array_index (self->signatures, i);

      if (strcmp (other->key_id, key_id) == 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                       _("key %.16s… has already signed this statement; "
                         "a second signature by one key counts once"), key_id);
          return FALSE;
        }
    }
  if (self->signatures->len >= CHAIN_STATEMENT_MAX_SIGNATURES)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a statement carries at most %d signatures; record further approvals "
                     "as approval statements"), CHAIN_STATEMENT_MAX_SIGNATURES);
      return FALSE;
    }

  message = pae (self);
  ctx = chain_key_sign_begin (key, error);
  if (ctx == NULL)
    return FALSE;
  ok = EVP_DigestSign (ctx, NULL, &sig_len, message->data, message->len) == 1;
  if (ok)
    {
      sig = g_malloc (sig_len);
      ok = EVP_DigestSign (ctx, sig, &sig_len, message->data, message->len) == 1;
    }
  chain_key_sign_end (key, ctx);
  if (!ok)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot sign the statement"));
      return FALSE;
    }

  signature = g_new0 (Signature, 1);
  signature->key_id = g_steal_pointer (&key_id);
  signature->sig = g_bytes_new (sig, sig_len);
  g_ptr_array_add (self->signatures, signature);
  return TRUE;
}

gboolean
chain_statement_verify_signature (ChainStatement  *self,
                                  guint            index,
                                  const ChainCert *officer,
                                  GError         **error)
{
  g_autoptr(EVP_MD_CTX) ctx = NULL;
  g_autoptr(GByteArray) message = NULL;
  g_autofree char *cert_key_id = NULL;
  const Signature *signature = NULL;
  EVP_PKEY *pkey = NULL;
  gsize sig_len = 0;
  const guint8 *sig = NULL;
  int status;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (index < self->signatures->len, FALSE);
  g_return_val_if_fail (officer != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  signature = g_ptr_array_index (self->signatures, index);
  if (!chain_cms_check_officer (officer, CHAIN_ERROR_VERIFY, error))
    return FALSE;
  cert_key_id = chain_cert_dup_public_key_sha256 (officer);
  if (strcmp (cert_key_id, signature->key_id) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("statement signature %u is by key %.16s…, not by this officer's key "
                     "%.16s…"), index, signature->key_id, cert_key_id);
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
  message = pae (self);
  sig = g_bytes_get_data (signature->sig, &sig_len);
  ctx = EVP_MD_CTX_new ();
  if (ctx == NULL
      || EVP_DigestVerifyInit (ctx, NULL, chain_pkey_signature_digest (pkey), NULL, pkey) != 1)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("cannot check the statement signature"));
      return FALSE;
    }
  status = EVP_DigestVerify (ctx, sig, sig_len, message->data, message->len);
  chain_openssl_clear_errors ();
  if (status != 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("statement signature %u by key %.16s… does not match statement.json; "
                     "the statement was altered after signing"), index, signature->key_id);
      return FALSE;
    }
  return TRUE;
}

/* ---- Parsing ----------------------------------------------------------- */

static gboolean
get_hex_member (const ChainJson *object,
                const char      *key,
                gsize            len,
                char           **out_value,
                GError         **error)
{
  const char *value = NULL;

  if (!chain_json_object_get_string_member (object, key, &value, error)
      || !check_hex_field (key, value, len, error))
    return FALSE;
  *out_value = g_strdup (value);
  return TRUE;
}

/* Whose members check_exact_members() checks, for its messages. */
typedef enum {
  MEMBERS_OF_STATEMENT,
  MEMBERS_OF_SIGNATURE,
  MEMBERS_OF_ARTIFACT,
} MembersOf;

/* @artifact: the artifact's name, for MEMBERS_OF_ARTIFACT. */
static gboolean
check_exact_members (const ChainJson   *object,
                     const char *const *fields,
                     gsize              n_fields,
                     MembersOf          whose,
                     const char        *artifact,
                     GError           **error)
{
  /* Members come in canonical order, and so do @fields. */
  for (gsize i = 0; i < chain_json_object_get_size (object); i++)
    {
      const char *key = chain_json_object_get_key_at (object, i);
      gboolean known = FALSE;

      for (gsize j = 0; j < n_fields; j++)
        if (strcmp (fields[j], key) == 0)
          known = TRUE;
      if (!known)
        {
          if (whose == MEMBERS_OF_ARTIFACT)
            g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                         _("unknown field “%.64s” in artifact “%s”"), key, artifact);
          else
            g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                         whose == MEMBERS_OF_STATEMENT ? _("unknown field “%.64s” in the statement")
                                                       : _("unknown field “%.64s” in a signature"),
                         key);
          return FALSE;
        }
    }
  for (gsize j = 0; j < n_fields; j++)
    if (chain_json_object_get_member (object, fields[j]) == NULL)
      {
        if (whose == MEMBERS_OF_ARTIFACT)
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("field '%s' missing in artifact “%s”"), fields[j], artifact);
        else
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       whose == MEMBERS_OF_STATEMENT ? _("field '%s' missing in the statement")
                                                     : _("field '%s' missing in a signature"),
                       fields[j]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
parse_artifacts (ChainStatement  *self,
                 const ChainJson *artifacts,
                 GError         **error)
{
  static const char *const fields[] = { "sha256", "size" };
  gsize n = chain_json_object_get_size (artifacts);

  if (n > CHAIN_STATEMENT_MAX_ARTIFACTS)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the statement lists %zu artifacts; at most %d are allowed"),
                   n, CHAIN_STATEMENT_MAX_ARTIFACTS);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      const char *name = chain_json_object_get_key_at (artifacts, i);
      const ChainJson *entry = chain_json_object_get_value_at (artifacts, i);
      g_autofree char *sha256 = NULL;
      gint64 size = 0;
      Artifact *artifact = NULL;

      if (!chain_statement_check_artifact_name (name, error))
        return FALSE;
      if (chain_json_get_value_type (entry) != CHAIN_JSON_OBJECT)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("artifact “%s” must be an object with sha256 and size"), name);
          return FALSE;
        }
      if (!check_exact_members (entry, fields, G_N_ELEMENTS (fields), MEMBERS_OF_ARTIFACT, name, error)
          || !get_hex_member (entry, "sha256", DIGEST_HEX_LEN, &sha256, error)
          || !chain_json_object_get_integer_member (entry, "size", &size, error))
        return FALSE;
      if (size < 0 || size > CHAIN_STATEMENT_ARTIFACT_MAX_LEN)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("artifact “%s” has size %" PRId64 "; sizes run from 0 to %" PRId64),
                       name, size, CHAIN_STATEMENT_ARTIFACT_MAX_LEN);
          return FALSE;
        }
      artifact = g_new0 (Artifact, 1);
      artifact->name = g_strdup (name);
      artifact->sha256 = g_steal_pointer (&sha256);
      artifact->size = size;
      g_ptr_array_add (self->artifacts, artifact);
    }
  /* Canonical order is UTF-16 order, which for these ASCII names is byte order. */
  g_ptr_array_sort (self->artifacts, compare_artifacts);
  return TRUE;
}

static gboolean
parse_statement (ChainStatement *self,
                 GBytes         *bytes,
                 GError        **error)
{
  g_autoptr(ChainJson) root = NULL;
  ChainJson *artifacts = NULL;
  ChainJson *body = NULL;
  const char *author = NULL;
  const char *type = NULL;
  gint64 version = 0;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  if (len > CHAIN_STATEMENT_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("too large (%zu bytes, at most %d)"), len,
                   CHAIN_STATEMENT_MAX_LEN);
      return FALSE;
    }
  root = chain_json_parse_canonical (data, len, CHAIN_STATEMENT_MAX_LEN, error);
  if (root == NULL)
    return FALSE;
  if (chain_json_get_value_type (root) != CHAIN_JSON_OBJECT)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("not a JSON object"));
      return FALSE;
    }
  if (!check_exact_members (root, statement_fields, G_N_ELEMENTS (statement_fields),
                            MEMBERS_OF_STATEMENT, NULL, error)
      || !chain_json_object_get_integer_member (root, "version", &version, error))
    return FALSE;
  if (version != CHAIN_STATEMENT_VERSION)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("version %" PRId64 " is not supported; this libchain reads "
                     "version %d, upgrade it"), version, CHAIN_STATEMENT_VERSION);
      return FALSE;
    }
  if (!chain_json_object_get_string_member (root, "type", &type, error))
    return FALSE;
  self->type = chain_record_type_from_string (type, error);
  if (self->type == CHAIN_RECORD_TYPE_INVALID)
    return FALSE;
  if (!chain_json_object_get_string_member (root, "author", &author, error)
      || !chain_statement_check_custodian_id (author, error))
    return FALSE;
  self->author = g_strdup (author);
  if (!get_hex_member (root, "id", ID_HEX_LEN, &self->id, error)
      || !get_hex_member (root, "ledger", ID_HEX_LEN, &self->ledger_id, error)
      || !get_hex_member (root, "policy", DIGEST_HEX_LEN, &self->policy, error)
      || !chain_json_object_get_integer_member (root, "time", &self->time, error)
      || !check_time (self->time, error)
      || !chain_json_object_get_object_member (root, "body", &body, error)
      || !chain_json_object_get_object_member (root, "artifacts", &artifacts, error)
      || !parse_artifacts (self, artifacts, error))
    return FALSE;
  self->body = chain_json_ref (body);
  self->bytes = g_bytes_ref (bytes);
  return TRUE;
}

static gboolean
decode_base64 (const char *text,
               GBytes    **out_bytes,
               GError    **error)
{
  gsize len = strlen (text);
  g_autofree guint8 *raw = NULL;
  g_autofree char *again = NULL;
  gsize raw_len = 0;

  /* g_base64_decode() skips junk; accept only what it would write back. */
  if (len == 0 || len % 4 != 0 || len > (SIGNATURE_MAX_LEN + 2) / 3 * 4)
    goto bad;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/' && text[i] != '=')
      goto bad;
  raw = g_base64_decode (text, &raw_len);
  again = g_base64_encode (raw, raw_len);
  if (raw_len == 0 || strcmp (again, text) != 0)
    goto bad;
  *out_bytes = g_bytes_new (raw, raw_len);
  return TRUE;

bad:
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               _("a 'sig' is not canonical base64 of at most %d bytes"), SIGNATURE_MAX_LEN);
  return FALSE;
}

static gboolean
parse_signatures (ChainStatement *self,
                  GBytes         *bytes,
                  GError        **error)
{
  static const char *const fields[] = { "keyid", "sig" };
  g_autoptr(ChainJson) root = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gsize n = 0;

  if (len > CHAIN_STATEMENT_SIGNATURES_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("too large (%zu bytes, at most %d)"), len,
                   CHAIN_STATEMENT_SIGNATURES_MAX_LEN);
      return FALSE;
    }
  root = chain_json_parse_canonical (data, len, CHAIN_STATEMENT_SIGNATURES_MAX_LEN, error);
  if (root == NULL)
    return FALSE;
  if (chain_json_get_value_type (root) != CHAIN_JSON_ARRAY)
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("not a JSON array"));
      return FALSE;
    }
  n = chain_json_array_get_length (root);
  if (n == 0 || n > CHAIN_STATEMENT_MAX_SIGNATURES)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%zu signatures; a statement needs 1 to %d"),
                   n, CHAIN_STATEMENT_MAX_SIGNATURES);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      const ChainJson *entry = chain_json_array_get_element (root, i);
      const char *sig_text = NULL;
      g_autofree char *key_id = NULL;
      g_autoptr(GBytes) sig = NULL;
      Signature *signature = NULL;

      if (chain_json_get_value_type (entry) != CHAIN_JSON_OBJECT)
        {
          g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                               _("a signature is not an object with keyid and sig"));
          return FALSE;
        }
      if (!check_exact_members (entry, fields, G_N_ELEMENTS (fields), MEMBERS_OF_SIGNATURE, NULL, error)
          || !get_hex_member (entry, "keyid", DIGEST_HEX_LEN, &key_id, error)
          || !chain_json_object_get_string_member (entry, "sig", &sig_text, error)
          || !decode_base64 (sig_text, &sig, error))
        return FALSE;
      for (guint j = 0; j < self->signatures->len; j++)
        {
          const Signature *other = g_ptr_array_index (self->signatures, j);

          if (strcmp (other->key_id, key_id) == 0)
            {
              g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("key %.16s… signs twice; each key may sign once"), key_id);
              return FALSE;
            }
        }
      signature = g_new0 (Signature, 1);
      signature->key_id = g_steal_pointer (&key_id);
      signature->sig = g_steal_pointer (&sig);
      g_ptr_array_add (self->signatures, signature);
    }
  return TRUE;
}

ChainStatement *
chain_statement_parse (GBytes  *statement_json,
                       GBytes  *signatures_json,
                       GError **error)
{
  g_autoptr(ChainStatement) self = NULL;

  g_return_val_if_fail (statement_json != NULL, NULL);
  g_return_val_if_fail (signatures_json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = statement_alloc ();
  if (!parse_statement (self, statement_json, error))
    {
      g_prefix_error (error, _("statement.json: "));
      return NULL;
    }
  if (!parse_signatures (self, signatures_json, error))
    {
      g_prefix_error (error, _("signatures.json: "));
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* ---- Reading ----------------------------------------------------------- */

ChainRecordType
chain_statement_get_record_type (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, CHAIN_RECORD_TYPE_INVALID);
  return self->type;
}

const char *
chain_statement_get_type_name (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return type_names[self->type];
}

const char *
chain_statement_get_author (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->author;
}

const char *
chain_statement_get_id (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
chain_statement_get_ledger_id (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->ledger_id;
}

const char *
chain_statement_get_policy_digest (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->policy;
}

gint64
chain_statement_get_time (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->time;
}

ChainJson *
chain_statement_get_body (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->body;
}

const char **
chain_statement_get_artifact_names (const ChainStatement *self)
{
  const char **names = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  names = g_new0 (const char *, self->artifacts->len + 1);
  for (guint i = 0; i < self->artifacts->len; i++)
    names[i] = ((const Artifact *) g_ptr_array_index (self->artifacts, i))->name;
  return names;
}

guint
chain_statement_get_artifact_count (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->artifacts->len;
}

gboolean
chain_statement_get_artifact (const ChainStatement *self,
                              const char           *name,
                              const char          **out_sha256,
                              gint64               *out_size,
                              GBytes              **out_data)
{
  const Artifact *artifact = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  artifact = find_artifact (self, name);
  if (artifact == NULL)
    return FALSE;
  if (out_sha256 != NULL)
    *out_sha256 = artifact->sha256;
  if (out_size != NULL)
    *out_size = artifact->size;
  if (out_data != NULL)
    *out_data = artifact->data;
  return TRUE;
}

guint
chain_statement_get_signature_count (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->signatures->len;
}

const char *
chain_statement_get_signature_key_id (const ChainStatement *self,
                                      guint                 index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->signatures->len, NULL);
  return ((const Signature *) g_ptr_array_index (self->signatures, index))->key_id;
}

gboolean
chain_statement_is_sealed (const ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->bytes != NULL;
}

ChainStatement *
chain_statement_ref (ChainStatement *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
chain_statement_unref (ChainStatement *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->author);
  g_free (self->id);
  g_free (self->ledger_id);
  g_free (self->policy);
  g_clear_pointer (&self->body, chain_json_unref);
  g_ptr_array_unref (self->artifacts);
  g_ptr_array_unref (self->signatures);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_free (self);
}
