/* chain-workspace.c — one custodian's directory: ledger, keys, settings */
#include "chain-workspace-private.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "chain-error.h"
#include "chain-ledger-private.h"
#include "chain-ledger-state-private.h"
#include "chain-state-cache-private.h"
#include "chain-workspace-sync-state-private.h"
#include "chain-pki-private.h"
#include "chain-key-home-private.h"
#include "chain-openssl-private.h"
#include "chain-sync.h"

#define WORKSPACE_VERSION 1
#define WORKSPACE_FILE_MAX_SIZE (64 * 1024)
#define OFFICER_VALIDITY_DAYS 825
#define DAY (24 * 60 * 60)

struct _ChainWorkspace {
  char              *dir;
  char              *custodian_id;
  char              *org;
  char              *tier;
  ChainKeyAlgorithm  algorithm;
  char              *ledger_id;       /* NULL until joined */
  char              *state_tip;       /* the commit of the last record replayed */
  char              *cached_tip;      /* the one the state cache on disk ends at */
  gboolean           keeps_cache;     /* joined when opened: a failed join writes nothing */
  char              *ca_thumbprint;   /* NULL until joined */

  ChainLedger       *ledger;
  ChainLedgerState  *state;
  GPtrArray         *ca_chain;        /* ChainCert *: own CA first, root last */

  char              *officer;         /* the unlocked officer, or NULL */
  ChainKey          *officer_key;
  ChainCert         *officer_cert;
  ChainLedgerSigner *signer;
  ChainKey          *ca_key;
  GError            *ca_key_error;    /* why the CA key stayed locked */
  ChainIssuer       *issuer;
  ChainSecret       *pin;             /* (nullable) a token's PIN, wiped with the workspace */
};

static void save_state_cache (ChainWorkspace *self);

/* ---- Paths ------------------------------------------------------------------ */

char *
chain_workspace_build_path (const ChainWorkspace *self,
                            const char           *name)
{
  return g_build_filename (self->dir, name, NULL);
}

char *
chain_workspace_dup_pin_path (const ChainWorkspace *self)
{
  return chain_workspace_build_path (self, CHAIN_SYNC_PIN_FILE);
}

/* The name of an officer's key in private/ (see chain-key-home-private.h). */
static char *
officer_key_name (const char *officer)
{
  return g_strdup_printf ("officer-%s", officer);
}

#define CA_KEY_NAME "ca"

static char *
officer_cert_file (const char *officer)
{
  return g_strdup_printf (CHAIN_WORKSPACE_CERTS_DIR "/officer-%s.pem", officer);
}

/* Officer names become file names and CNs. */
static gboolean
check_officer_name (const char *name,
                    GError    **error)
{
  gsize len = strlen (name);

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
      break;
    else if (i + 1 == len && len <= 64 && name[0] != '.')
      return TRUE;
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               _("officer name '%s' is not usable; use 1 to 64 letters, digits, '-', '_' or '.'"), name);
  return FALSE;
}

/* ---- workspace.json --------------------------------------------------------- */

static gboolean
write_workspace_file (ChainWorkspace *self,
                      GError        **error)
{
  g_autoptr(ChainJson) doc = chain_json_new_object ();
  ChainJson *custodian = chain_json_new_object ();
  g_autofree char *path = chain_workspace_build_path (self, CHAIN_WORKSPACE_FILE);
  g_autofree char *text = NULL;

  chain_json_object_set_integer (doc, "version", WORKSPACE_VERSION);
  chain_json_object_set_string (custodian, "id", self->custodian_id);
  chain_json_object_set_string (custodian, "name", self->org);
  chain_json_object_set_string (custodian, "tier", self->tier);
  chain_json_object_set (doc, "custodian", custodian);
  chain_json_object_set_string (doc, "algorithm", chain_key_algorithm_to_string (self->algorithm));
  chain_json_object_set (doc, "ledger_id",
                         self->ledger_id != NULL ? chain_json_new_string (self->ledger_id) : chain_json_new_null ());
  chain_json_object_set (doc, "ca",
                         self->ca_thumbprint != NULL ? chain_json_new_string (self->ca_thumbprint)
                                                     : chain_json_new_null ());
  text = chain_json_to_pretty (doc);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0644, error);
}

static gboolean
workspace_file_error (GError    **error,
                      const char *path,
                      const char *what)
{
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               /* Translators: "FILE is damaged (WHAT IS WRONG); ..." */
               _("%s is damaged (%s); restore it from a backup"), path, what);
  return FALSE;
}

/* Reads an optional string member: a string, or null. */
static gboolean
read_nullable_string (ChainJson   *doc,
                      const char  *name,
                      char       **out)
{
  ChainJson *member = chain_json_object_get_member (doc, name);

  if (member == NULL || chain_json_get_value_type (member) == CHAIN_JSON_NULL)
    return TRUE;
  if (chain_json_get_value_type (member) != CHAIN_JSON_STRING)
    return FALSE;
  *out = g_strdup (chain_json_get_string (member));
  return TRUE;
}

static gboolean
read_workspace_file (ChainWorkspace *self,
                     GError        **error)
{
  g_autofree char *path = chain_workspace_build_path (self, CHAIN_WORKSPACE_FILE);
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(ChainJson) doc = NULL;
  ChainJson *custodian = NULL;
  const char *id = NULL, *name = NULL, *tier = NULL, *algorithm = NULL;
  gint64 version = 0;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                     _("%s is no workspace; run 'chain init' (OEM) or 'chain request' there, or give -C DIR"),
                     self->dir);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot read %s: %s"), path, local->message);
      return FALSE;
    }
  if (len > WORKSPACE_FILE_MAX_SIZE)
    return workspace_file_error (error, path, _("too large"));
  doc = chain_json_parse (data, len, WORKSPACE_FILE_MAX_SIZE, &local);
  if (doc == NULL)
    return workspace_file_error (error, path, local->message);
  if (!chain_json_object_get_integer_member (doc, "version", &version, NULL) || version != WORKSPACE_VERSION)
    return workspace_file_error (error, path, _("unknown version"));
  if (!chain_json_object_get_object_member (doc, "custodian", &custodian, NULL)
      || !chain_json_object_get_string_member (custodian, "id", &id, NULL)
      || !chain_json_object_get_string_member (custodian, "name", &name, NULL)
      || !chain_json_object_get_string_member (custodian, "tier", &tier, NULL)
      || !chain_json_object_get_string_member (doc, "algorithm", &algorithm, NULL)
      || !chain_statement_check_custodian_id (id, NULL))
    return workspace_file_error (error, path, _("custodian or algorithm missing"));
  self->algorithm = chain_key_algorithm_from_string (algorithm, &local);
  if (self->algorithm == CHAIN_KEY_ALGORITHM_INVALID)
    return workspace_file_error (error, path, local->message);
  if (!read_nullable_string (doc, "ledger_id", &self->ledger_id) || !read_nullable_string (doc, "ca", &self->ca_thumbprint)
      || (self->ledger_id == NULL) != (self->ca_thumbprint == NULL))
    return workspace_file_error (error, path, _("ledger_id and ca must both be set or both null"));
  self->custodian_id = g_strdup (id);
  self->org = g_strdup (name);
  self->tier = g_strdup (tier);
  return TRUE;
}

/* ---- Files ------------------------------------------------------------------- */

static gboolean
write_public_file (const char *path,
                   GBytes     *data,
                   GError    **error)
{
  return g_file_set_contents_full (path, g_bytes_get_data (data, NULL), (gssize) g_bytes_get_size (data),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static gboolean
write_cert_file (ChainWorkspace *self,
                 const char     *name,
                 ChainCert      *cert,
                 GError        **error)
{
  g_autofree char *path = chain_workspace_build_path (self, name);
  g_autoptr(GBytes) pem = chain_cert_to_pem (cert);

  return write_public_file (path, pem, error);
}

gboolean
chain_workspace_write_certs (ChainWorkspace *self,
                             GError        **error)
{
  g_autoptr(GByteArray) chain = g_byte_array_new ();
  g_autoptr(GBytes) chain_bytes = NULL;
  g_autofree char *chain_path = chain_workspace_build_path (self, CHAIN_WORKSPACE_CERTS_DIR "/chain.pem");

  if (self->ca_chain == NULL)
    return TRUE;
  for (guint i = 0; i < self->ca_chain->len; i++)
    {
      g_autoptr(GBytes) pem = chain_cert_to_pem (self->ca_chain->pdata[i]);

      g_byte_array_append (chain, g_bytes_get_data (pem, NULL), (guint) g_bytes_get_size (pem));
    }
  chain_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&chain));
  return write_cert_file (self, CHAIN_WORKSPACE_CERTS_DIR "/ca.pem", self->ca_chain->pdata[0], error)
         && write_cert_file (self, CHAIN_WORKSPACE_CERTS_DIR "/root.pem",
                             self->ca_chain->pdata[self->ca_chain->len - 1], error)
         && write_public_file (chain_path, chain_bytes, error);
}

ChainKey *
chain_workspace_load_key (const ChainWorkspace *self,
                          const char           *name,
                          const ChainSecret    *passphrase,
                          GError              **error)
{
  g_autofree char *private_dir = chain_workspace_build_path (self, CHAIN_WORKSPACE_PRIVATE_DIR);

  return chain_key_home_load (private_dir, name, passphrase, self->pin, error);
}

/* Makes key @name in @key_store (a file encrypted with @passphrase, a token
 * object labelled @label, a TPM key) and records where it lives. */
static ChainKey *
create_key (ChainWorkspace    *self,
            const char        *key_store,
            const char        *name,
            const char        *label,
            gboolean           use_uri_label,
            ChainKeyAlgorithm  algorithm,
            const ChainSecret *passphrase,
            GError           **error)
{
  g_autofree char *private_dir = chain_workspace_build_path (self, CHAIN_WORKSPACE_PRIVATE_DIR);

  return chain_key_home_create (key_store, private_dir, name, label, use_uri_label, algorithm,
                                passphrase, self->pin, error);
}

void
chain_workspace_set_tpm_evidence (ChainJson *body,
                                  ChainKey  *ca,
                                  ChainKey  *officer)
{
  ChainJson *evidence;

  /* Absent when neither key was generated in a TPM. */
  if (chain_key_get_tpm_evidence (ca) == NULL && chain_key_get_tpm_evidence (officer) == NULL)
    return;
  evidence = chain_json_new_object ();
  if (chain_key_get_tpm_evidence (ca) != NULL)
    chain_json_object_set (evidence, "ca", chain_json_ref (chain_key_get_tpm_evidence (ca)));
  if (chain_key_get_tpm_evidence (officer) != NULL)
    chain_json_object_set (evidence, "officer", chain_json_ref (chain_key_get_tpm_evidence (officer)));
  chain_json_object_set (body, "tpm_evidence", evidence);
}

void
chain_workspace_set_key_stores (ChainJson     *body,
                                ChainKeyStore  ca,
                                ChainKeyStore  officer)
{
  ChainJson *stores;

  /* Absent means "file": records of file keys stay as they always were. */
  if (ca == CHAIN_KEY_STORE_FILE && officer == CHAIN_KEY_STORE_FILE)
    return;
  stores = chain_json_new_object ();
  chain_json_object_set_string (stores, "ca", chain_key_store_to_string (ca));
  chain_json_object_set_string (stores, "officer", chain_key_store_to_string (officer));
  chain_json_object_set (body, "key_stores", stores);
}

void
chain_workspace_discard_keys (ChainWorkspace *self)
{
  chain_key_discard_generated (self->ca_key);
  chain_key_discard_generated (self->officer_key);
}

void
chain_workspace_set_pin (ChainWorkspace    *self,
                         const ChainSecret *pin)
{
  gsize len = 0;
  const guint8 *data = pin != NULL ? chain_secret_get_data (pin, &len) : NULL;

  g_clear_pointer (&self->pin, chain_secret_free);
  if (pin != NULL)
    self->pin = chain_secret_new (data, len);
}

gboolean
chain_workspace_get_key_store (const ChainWorkspace *self,
                               const char           *officer,
                               ChainKeyStore        *out_store,
                               char                **out_location)
{
  g_autofree char *private_dir = chain_workspace_build_path (self, CHAIN_WORKSPACE_PRIVATE_DIR);
  g_autofree char *name = officer != NULL ? officer_key_name (officer) : g_strdup (CA_KEY_NAME);

  return chain_key_home_peek (private_dir, name, out_store, out_location);
}

gboolean
chain_workspace_make_layout (const char *dir,
             gboolean   *out_made_dir,
             GError    **error)
{
  static const char *const parts[] = {
    CHAIN_WORKSPACE_FILE, CHAIN_WORKSPACE_LEDGER_DIR, CHAIN_WORKSPACE_PRIVATE_DIR, CHAIN_WORKSPACE_CERTS_DIR, NULL
  };
  g_autofree char *private_dir = g_build_filename (dir, CHAIN_WORKSPACE_PRIVATE_DIR, NULL);
  g_autofree char *certs_dir = g_build_filename (dir, CHAIN_WORKSPACE_CERTS_DIR, NULL);

  *out_made_dir = !g_file_test (dir, G_FILE_TEST_EXISTS);
  for (guint i = 0; parts[i] != NULL && !*out_made_dir; i++)
    {
      g_autofree char *path = g_build_filename (dir, parts[i], NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS,
                       _("%s already holds a workspace (%s); choose another directory"), dir, parts[i]);
          return FALSE;
        }
    }
  if (g_mkdir_with_parents (dir, 0755) != 0 || g_mkdir (private_dir, 0700) != 0 || g_mkdir (certs_dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO, _("cannot make the workspace in %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

void
chain_workspace_remove_layout (const char *dir,
               gboolean    made_dir)
{
  static const char *const parts[] = {
    CHAIN_WORKSPACE_FILE, CHAIN_WORKSPACE_LEDGER_DIR, CHAIN_WORKSPACE_PRIVATE_DIR, CHAIN_WORKSPACE_CERTS_DIR,
    CHAIN_SYNC_PIN_FILE, CHAIN_STATE_CACHE_FILE, CHAIN_WORKSPACE_SYNC_STATE_FILE, NULL
  };

  if (made_dir)
    {
      chain_remove_tree (dir);
      return;
    }
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dir, parts[i], NULL);

      chain_remove_tree (path);
    }
}

/* ---- Names --------------------------------------------------------------- */

/* @value escaped for an RFC 4514 attribute value. */
static char *
escape_dn_value (const char *value)
{
  GString *out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      gboolean edge = (p == value && (*p == ' ' || *p == '#')) || (p[1] == '\0' && *p == ' ');

      if (edge || strchr (",+\"\\<>;=", *p) != NULL)
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

char *
chain_workspace_ca_subject (const char *org,
                            const char *under)
{
  g_autofree char *escaped = escape_dn_value (org);

  if (under != NULL && under[0] != '\0')
    return g_strdup_printf ("CN=%s CA,OU=%s,%s", escaped, escaped, under);
  return g_strdup_printf ("CN=%s CA,O=%s", escaped, escaped);
}

char *
chain_workspace_id_from_org (const char *org)
{
  GString *id = g_string_new (NULL);

  for (const char *p = org; *p != '\0' && id->len < 64; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (id, g_ascii_tolower (*p));
      else if (id->len > 0 && id->str[id->len - 1] != '-')
        g_string_append_c (id, '-');
    }
  while (id->len > 0 && id->str[id->len - 1] == '-')
    g_string_truncate (id, id->len - 1);
  return g_string_free (id, FALSE);
}

gboolean
chain_workspace_resolve_identity (const ChainWorkspaceOptions *options,
                                  char                       **out_id,
                                  GError                     **error)
{
  g_autofree char *id = NULL;

  if (options == NULL || options->version != CHAIN_WORKSPACE_OPTIONS_VERSION || options->org == NULL
      || options->org[0] == '\0'
      || (options->passphrase == NULL && (options->key_store == NULL || g_strcmp0 (options->key_store, "file") == 0)))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a workspace needs an organisation name and a passphrase"));
      return FALSE;
    }
  if (!chain_key_home_check (options->key_store, NULL, error))
    return FALSE;
  if (strlen (options->org) > 64 || !g_utf8_validate (options->org, -1, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("organisation name '%s' is too long or not UTF-8; use at most 64 bytes"), options->org);
      return FALSE;
    }
  id = options->id != NULL ? g_strdup (options->id) : chain_workspace_id_from_org (options->org);
  if (!chain_statement_check_custodian_id (id, error))
    return FALSE;
  if (options->officer != NULL && !check_officer_name (options->officer, error))
    return FALSE;
  *out_id = g_steal_pointer (&id);
  return TRUE;
}

/* ---- Life cycle -------------------------------------------------------------- */

static ChainWorkspace *
workspace_new (const char *dir)
{
  ChainWorkspace *self = g_new0 (ChainWorkspace, 1);

  self->dir = g_strdup (dir);
  return self;
}

void
chain_workspace_lock (ChainWorkspace *self)
{
  g_clear_pointer (&self->issuer, chain_issuer_free);
  g_clear_pointer (&self->signer, chain_ledger_signer_free);
  g_clear_pointer (&self->officer_key, chain_key_free);
  g_clear_pointer (&self->officer_cert, chain_cert_free);
  g_clear_pointer (&self->ca_key, chain_key_free);
  g_clear_error (&self->ca_key_error);
  g_clear_pointer (&self->officer, g_free);
}

void
chain_workspace_free (ChainWorkspace *self)
{
  if (self == NULL)
    return;
  chain_workspace_lock (self);
  /* Records this workspace appended since it opened: the next open reads
   * them from the cache rather than replaying them. */
  save_state_cache (self);
  g_clear_pointer (&self->pin, chain_secret_free);
  g_clear_pointer (&self->ca_chain, g_ptr_array_unref);
  g_clear_pointer (&self->state, chain_ledger_state_free);
  g_clear_pointer (&self->ledger, chain_ledger_free);
  g_free (self->dir);
  g_free (self->custodian_id);
  g_free (self->org);
  g_free (self->tier);
  g_free (self->ledger_id);
  g_free (self->state_tip);
  g_free (self->cached_tip);
  g_free (self->ca_thumbprint);
  g_free (self);
}

/* ---- The state --------------------------------------------------------------- */

/* The statement of @record with its artifacts attached, as the rules read it. */
static ChainStatement *
read_statement (ChainRecord  *record,
                GCancellable *cancellable,
                GError      **error)
{
  ChainStatement *statement = chain_record_get_statement (record);
  const char **names = chain_statement_get_artifact_names (statement);

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autoptr(GBytes) data = chain_record_read_artifact (record, names[i], cancellable, error);

      if (data == NULL || !chain_statement_attach_artifact (statement, names[i], data, error))
        {
          g_free (names);
          return NULL;
        }
    }
  g_free (names);
  return statement;
}

/* How many records lead up to the pinned tip: all were verified before
 * the pin moved past them. 0 without a pin, or one main does not hold. */
static guint64
pinned_length (ChainWorkspace *self)
{
  g_autofree char *pin = chain_workspace_dup_pin_path (self);
  g_autofree char *commit = NULL;
  g_autoptr(ChainRecord) record = NULL;
  gint64 seq = -1;

  if (!chain_sync_pin_read (pin, &commit, &seq, NULL)
      || seq < 0 || (guint64) seq >= chain_ledger_get_length (self->ledger))
    return 0;
  record = chain_ledger_load_record (self->ledger, (guint64) seq, NULL);
  if (record == NULL || g_strcmp0 (chain_record_get_commit_id (record), commit) != 0)
    return 0;
  return (guint64) seq + 1;
}

/* Applies records from the state's length up to the ledger's tip. */
static gboolean
replay (ChainWorkspace *self,
        guint64        *out_new,
        GCancellable   *cancellable,
        GError        **error)
{
  guint64 from = chain_ledger_state_get_n_records (self->state);
  guint64 length = chain_ledger_get_length (self->ledger);

  chain_ledger_state_set_verified_length (self->state, pinned_length (self));

  for (guint64 seq = from; seq < length; seq++)
    {
      g_autoptr(ChainRecord) record = chain_ledger_load_record (self->ledger, seq, error);
      ChainLedgerRecord data = CHAIN_LEDGER_RECORD_INIT;

      if (record == NULL || g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      data.seq = seq;
      data.commit_time = chain_record_get_commit_time (record);
      data.statement = read_statement (record, cancellable, error);
      if (data.statement == NULL || !chain_ledger_state_apply (self->state, &data, error))
        return FALSE;
    }
  g_free (self->state_tip);
  self->state_tip = g_strdup (chain_ledger_get_tip_commit_id (self->ledger));
  if (out_new != NULL)
    *out_new = length - from;
  return TRUE;
}

static char *
dup_state_cache_path (const ChainWorkspace *self)
{
  return chain_workspace_build_path (self, CHAIN_STATE_CACHE_FILE);
}

/* Starts the state from the cache where it fits main, else from nothing. */
static void
resume_state (ChainWorkspace *self)
{
  g_autofree char *path = dup_state_cache_path (self);

  g_clear_pointer (&self->state, chain_ledger_state_free);
  g_clear_pointer (&self->cached_tip, g_free);
  self->state = chain_state_cache_resume (path, self->ledger, &self->cached_tip);
  if (self->state == NULL)
    self->state = chain_ledger_state_new ();
  else
    {
      g_free (self->state_tip);
      self->state_tip = g_strdup (self->cached_tip);
    }
}

/* Keeps the state for the next open, if it moved past the cache. The cache
 * is an optimisation: failing to write it fails nothing. */
static void
save_state_cache (ChainWorkspace *self)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (!self->keeps_cache || self->state == NULL || self->state_tip == NULL
      || chain_ledger_state_get_n_records (self->state) == 0
      || g_strcmp0 (self->state_tip, self->cached_tip) == 0)
    return;
  path = dup_state_cache_path (self);
  if (!chain_state_cache_write (path, self->state, self->state_tip, &error))
    {
      g_debug ("%s", error->message);
      return;
    }
  g_free (self->cached_tip);
  self->cached_tip = g_strdup (self->state_tip);
}

/* Whether the records the state was built from are still main's: another
 * process may have re-appended ours on a new tip (chain_workspace_sync()). */
static gboolean
state_still_on_main (ChainWorkspace *self)
{
  guint64 n = chain_ledger_state_get_n_records (self->state);
  g_autoptr(ChainRecord) last = NULL;

  if (n == 0 || self->state_tip == NULL)
    return TRUE;
  if (chain_ledger_get_length (self->ledger) < n)
    return FALSE;
  last = chain_ledger_load_record (self->ledger, n - 1, NULL);
  return last != NULL && g_strcmp0 (chain_record_get_commit_id (last), self->state_tip) == 0;
}

/* Finds this workspace's current CA in the state and the chain above it. */
static gboolean
load_ca_chain (ChainWorkspace *self,
               GError        **error)
{
  const ChainCustodian *custodian = chain_ledger_state_find_custodian (self->state, self->custodian_id);
  ChainCert *ca = NULL;

  if (custodian == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY,
                   _("the ledger in %s knows no custodian '%s'; the workspace does not belong to this ledger"),
                   self->dir, self->custodian_id);
      return FALSE;
    }
  for (guint i = chain_custodian_get_n_cas (custodian); i > 0 && ca == NULL; i--)
    if (chain_custodian_get_ca_status (custodian, i - 1, g_get_real_time () / G_USEC_PER_SEC)
        != CHAIN_CUSTODY_STATUS_RETIRED)
      ca = chain_custodian_get_ca (custodian, i - 1);
  if (ca == NULL)
    ca = chain_custodian_get_ca (custodian, chain_custodian_get_n_cas (custodian) - 1);
  g_clear_pointer (&self->ca_chain, g_ptr_array_unref);
  self->ca_chain = chain_workspace_ancestors_of (self, ca);
  g_ptr_array_insert (self->ca_chain, 0, chain_cert_copy (ca));
  g_free (self->ca_thumbprint);
  self->ca_thumbprint = chain_cert_dup_thumbprint_hex (ca, CHAIN_DIGEST_SHA256);
  return TRUE;
}

/* Whether @issuer's key signed @cert. */
static gboolean
signed_by (ChainCert *cert,
           ChainCert *issuer)
{
  EVP_PKEY *key = X509_get0_pubkey (chain_cert_get_x509 (issuer));
  gboolean ok = key != NULL && X509_verify (chain_cert_get_x509 (cert), key) == 1;

  chain_openssl_clear_errors ();
  return ok;
}

GPtrArray *
chain_workspace_ancestors_of (const ChainWorkspace *self,
                              ChainCert            *ca)
{
  GPtrArray *chain = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_cert_free);
  ChainCert *current = ca;

  /* Walk issuer names up through every custodian's CAs; the root ends it. */
  for (guint depth = 0; depth < CHAIN_POLICY_MAX_PATH_LEN + 1; depth++)
    {
      g_autoptr(ChainName) issuer = chain_cert_dup_issuer (current);
      g_autoptr(ChainName) subject = chain_cert_dup_subject (current);
      ChainCert *parent = NULL;

      if (chain_name_equal (issuer, subject))
        break;
      for (guint i = 0; i < chain_ledger_state_get_n_custodians (self->state) && parent == NULL; i++)
        {
          const ChainCustodian *c = chain_ledger_state_get_custodian (self->state, i);

          for (guint j = 0; j < chain_custodian_get_n_cas (c) && parent == NULL; j++)
            {
              ChainCert *candidate = chain_custodian_get_ca (c, j);
              g_autoptr(ChainName) name = chain_cert_dup_subject (candidate);

              if (chain_name_equal (name, issuer) && signed_by (current, candidate))
                parent = candidate;
            }
        }
      if (parent == NULL)
        break;
      g_ptr_array_add (chain, chain_cert_copy (parent));
      current = parent;
    }
  return chain;
}

gboolean
chain_workspace_attach_ledger (ChainWorkspace *self,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autofree char *path = chain_workspace_build_path (self, CHAIN_WORKSPACE_LEDGER_DIR);
  g_autofree char *pin = chain_workspace_dup_pin_path (self);
  g_autoptr(ChainLedger) ledger = chain_ledger_open (path, cancellable, error);
  gboolean joined;

  if (ledger == NULL)
    return FALSE;
  if (g_file_test (pin, G_FILE_TEST_EXISTS)
      && !chain_sync_pin_check (path, pin, chain_ledger_get_tip_commit_id (ledger), error))
    return FALSE;
  g_clear_pointer (&self->ledger, chain_ledger_free);
  g_clear_pointer (&self->state, chain_ledger_state_free);
  joined = self->ledger_id != NULL;
  self->ledger = g_steal_pointer (&ledger);
  g_free (self->ledger_id);
  self->ledger_id = g_strdup (chain_ledger_get_id (self->ledger));
  self->keeps_cache = joined;
  resume_state (self);
  if (!replay (self, NULL, cancellable, error))
    return FALSE;
  save_state_cache (self);
  /* Before joining, the caller judges whether the ledger names us. */
  if (!joined && chain_ledger_state_find_custodian (self->state, self->custodian_id) == NULL)
    return TRUE;
  return load_ca_chain (self, error);
}

gboolean
chain_workspace_reload (ChainWorkspace   *self,
                        ChainLedgerState *state,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_autoptr(ChainLedgerState) given = state;

  /* The same ChainLedger re-indexes from the common record up; the state
   * is the one given or replayed whole, as ours was built on records no
   * longer on main. */
  if (!chain_ledger_refresh (self->ledger, NULL, cancellable, error))
    return FALSE;
  g_clear_pointer (&self->state, chain_ledger_state_free);
  self->state = given != NULL && chain_ledger_state_get_n_records (given) <= chain_ledger_get_length (self->ledger)
                  ? g_steal_pointer (&given) : chain_ledger_state_new ();
  return replay (self, NULL, cancellable, error) && load_ca_chain (self, error);
}

static gboolean
write_pin (ChainWorkspace *self,
           GError        **error)
{
  g_autofree char *pin = chain_workspace_dup_pin_path (self);

  return chain_sync_pin_write (pin, chain_ledger_get_tip_commit_id (self->ledger),
                               (gint64) chain_ledger_get_length (self->ledger) - 1, error);
}

ChainWorkspace *
chain_workspace_open (const char   *dir,
                      GCancellable *cancellable,
                      GError      **error)
{
  g_autoptr(ChainWorkspace) self = workspace_new (dir);
  g_autofree char *private_dir = NULL;
  struct stat st;

  if (!read_workspace_file (self, error))
    return NULL;
  private_dir = chain_workspace_build_path (self, CHAIN_WORKSPACE_PRIVATE_DIR);
  if (g_stat (private_dir, &st) == 0 && (st.st_mode & 077) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INSECURE,
                   _("%s is open to other users; run 'chmod 700 %s'"), private_dir, private_dir);
      return NULL;
    }
  if (self->ledger_id != NULL && !chain_workspace_attach_ledger (self, cancellable, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
chain_workspace_refresh (ChainWorkspace *self,
                         guint64        *out_new_records,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autofree char *pin = NULL;
  gboolean changed = FALSE;

  if (self->ledger == NULL)
    {
      if (out_new_records != NULL)
        *out_new_records = 0;
      return TRUE;
    }
  pin = chain_workspace_dup_pin_path (self);
  if (!chain_ledger_refresh (self->ledger, &changed, cancellable, error)
      || !chain_sync_pin_check (chain_ledger_get_path (self->ledger), pin,
                                chain_ledger_get_tip_commit_id (self->ledger), error))
    return FALSE;
  if (!state_still_on_main (self))
    {
      g_clear_pointer (&self->state, chain_ledger_state_free);
      self->state = chain_ledger_state_new ();
    }
  if (!replay (self, out_new_records, cancellable, error)
      || !load_ca_chain (self, error))
    return FALSE;
  if (self->issuer != NULL && !chain_cert_equal (chain_issuer_get_cert (self->issuer), self->ca_chain->pdata[0]))
    g_clear_pointer (&self->issuer, chain_issuer_free);
  return write_pin (self, error) && chain_workspace_write_certs (self, error);
}

/* ---- Unlocking --------------------------------------------------------------- */

static char *
pick_officer (const ChainWorkspace *self,
              const char           *officer,
              GError              **error)
{
  g_auto(GStrv) officers = chain_workspace_list_officers (self);

  if (officer != NULL)
    {
      if (!check_officer_name (officer, error))
        return NULL;
      if (!g_strv_contains ((const char *const *) officers, officer))
        {
          g_autofree char *list = g_strjoinv (", ", officers);

          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                       _("this workspace has no officer '%s'; it has: %s"), officer, list);
          return NULL;
        }
      return g_strdup (officer);
    }
  if (officers[0] == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   /* Translators: "WORKSPACE/PRIVATE-DIRECTORY holds no officer key; ..." */
                   _("%s/%s holds no officer key; restore it from a backup"), self->dir,
                   CHAIN_WORKSPACE_PRIVATE_DIR);
      return NULL;
    }
  if (officers[1] == NULL)
    return g_strdup (officers[0]);
  return g_strdup (CHAIN_WORKSPACE_DEFAULT_OFFICER);
}

/* The officer's certificate: from the ledger once joined, else none yet. */
static ChainCert *
find_officer_cert (ChainWorkspace *self,
                   ChainKey       *key)
{
  g_autofree char *key_id = chain_key_dup_public_key_sha256 (key);
  const ChainCustodian *custodian = NULL;

  if (self->state == NULL)
    return NULL;
  custodian = chain_ledger_state_find_custodian (self->state, self->custodian_id);
  for (guint i = 0; custodian != NULL && i < chain_custodian_get_n_officers (custodian); i++)
    if (g_strcmp0 (chain_custodian_get_officer_key_id (custodian, i), key_id) == 0
        && !chain_custodian_is_officer_revoked (custodian, i))
      return chain_cert_copy (chain_custodian_get_officer (custodian, i));
  return NULL;
}

static gboolean
make_signer (ChainWorkspace *self,
             GError        **error)
{
  g_autoptr(GPtrArray) intermediates = NULL;

  g_clear_pointer (&self->signer, chain_ledger_signer_free);
  if (self->officer_cert == NULL || self->ca_chain == NULL)
    return TRUE;
  /* Commit signatures embed the CAs between the officer and the root. */
  intermediates = g_ptr_array_new ();
  for (guint i = 0; i + 1 < self->ca_chain->len; i++)
    g_ptr_array_add (intermediates, self->ca_chain->pdata[i]);
  self->signer = chain_ledger_signer_new (self->officer_key, self->officer_cert, intermediates, error);
  return self->signer != NULL;
}

gboolean
chain_workspace_unlock (ChainWorkspace    *self,
                        const char        *officer,
                        const ChainSecret *passphrase,
                        GError           **error)
{
  g_autofree char *name = pick_officer (self, officer, error);
  g_autofree char *key_name = NULL;
  g_autoptr(ChainKey) key = NULL;
  ChainKeyStore ca_store;

  if (name == NULL)
    return FALSE;
  key_name = officer_key_name (name);
  key = chain_workspace_load_key (self, key_name, passphrase, error);
  if (key == NULL)
    return FALSE;
  chain_workspace_lock (self);
  self->officer = g_steal_pointer (&name);
  self->officer_key = g_steal_pointer (&key);
  self->officer_cert = find_officer_cert (self, self->officer_key);
  /* The CA key may have a passphrase of its own: then it stays locked,
   * and the reason is told when it is needed. */
  if (chain_workspace_get_key_store (self, NULL, &ca_store, NULL))
    self->ca_key = chain_workspace_load_key (self, CA_KEY_NAME, passphrase, &self->ca_key_error);
  return make_signer (self, error);
}

/* ---- Getters ----------------------------------------------------------------- */

const char *
chain_workspace_get_dir (const ChainWorkspace *self)
{
  return self->dir;
}

const char *
chain_workspace_get_custodian_id (const ChainWorkspace *self)
{
  return self->custodian_id;
}

const char *
chain_workspace_get_org (const ChainWorkspace *self)
{
  return self->org;
}

const char *
chain_workspace_get_tier (const ChainWorkspace *self)
{
  return self->tier;
}

ChainKeyAlgorithm
chain_workspace_get_algorithm (const ChainWorkspace *self)
{
  return self->algorithm;
}

gboolean
chain_workspace_has_ledger (const ChainWorkspace *self)
{
  return self->ledger != NULL;
}

ChainLedger *
chain_workspace_get_ledger (const ChainWorkspace *self)
{
  return self->ledger;
}

const ChainLedgerState *
chain_workspace_get_state (const ChainWorkspace *self)
{
  return self->state;
}

const ChainCustodian *
chain_workspace_get_custodian (const ChainWorkspace *self)
{
  if (self->state == NULL)
    return NULL;
  return chain_ledger_state_find_custodian (self->state, self->custodian_id);
}

ChainCert *
chain_workspace_get_ca (const ChainWorkspace *self)
{
  return self->ca_chain != NULL ? self->ca_chain->pdata[0] : NULL;
}

GPtrArray *
chain_workspace_get_ca_chain (const ChainWorkspace *self)
{
  return self->ca_chain;
}

const char *
chain_workspace_get_unlocked_officer (const ChainWorkspace *self)
{
  return self->officer;
}

ChainKey *
chain_workspace_officer_key (ChainWorkspace *self)
{
  return self->officer_key;
}

void
chain_workspace_detach_ledger (ChainWorkspace *self)
{
  g_clear_pointer (&self->issuer, chain_issuer_free);
  g_clear_pointer (&self->signer, chain_ledger_signer_free);
  g_clear_pointer (&self->officer_cert, chain_cert_free);
  g_clear_pointer (&self->ca_chain, g_ptr_array_unref);
  g_clear_pointer (&self->state, chain_ledger_state_free);
  g_clear_pointer (&self->ledger, chain_ledger_free);
  g_clear_pointer (&self->ledger_id, g_free);
  g_clear_pointer (&self->state_tip, g_free);
  g_clear_pointer (&self->ca_thumbprint, g_free);
}

ChainKey *
chain_workspace_get_ca_key (ChainWorkspace *self)
{
  return self->ca_key;
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

GStrv
chain_workspace_list_officers (const ChainWorkspace *self)
{
  g_autofree char *private_dir = chain_workspace_build_path (self, CHAIN_WORKSPACE_PRIVATE_DIR);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GDir) dir = g_dir_open (private_dir, 0, NULL);
  GStrv names = NULL;
  const char *file = NULL;

  while (dir != NULL && (file = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (file, "officer-") && (g_str_has_suffix (file, ".key") || g_str_has_suffix (file, ".keyref")))
      {
        const char *suffix = strrchr (file, '.');
        g_autofree char *name = g_strndup (file + strlen ("officer-"), (gsize) (suffix - file) - strlen ("officer-"));

        if (check_officer_name (name, NULL))
          g_strv_builder_add (builder, name);
      }
  names = g_strv_builder_end (builder);
  qsort (names, g_strv_length (names), sizeof (char *), compare_strings);
  return names;
}

void
chain_workspace_restrict_umask (void)
{
  mode_t old = umask (022);

  umask (old | 022);
}

gboolean
chain_workspace_is_officer_revoked (const ChainWorkspace *self,
                                    const char           *officer)
{
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *key_id = NULL;
  g_autoptr(ChainCert) cert = NULL;
  const ChainCustodian *custodian;
  gsize len = 0;
  gboolean revoked = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (officer != NULL, FALSE);

  if (self->state == NULL || !check_officer_name (officer, NULL))
    return FALSE;
  custodian = chain_ledger_state_find_custodian (self->state, self->custodian_id);
  file = officer_cert_file (officer);
  path = chain_workspace_build_path (self, file);
  if (custodian == NULL || !g_file_get_contents (path, &pem, &len, NULL) || len > CHAIN_INPUT_MAX_LEN)
    return FALSE;
  cert = chain_cert_parse ((const guint8 *) pem, len, NULL);
  if (cert == NULL)
    return FALSE;
  key_id = chain_cert_dup_public_key_sha256 (cert);
  /* The same key may be enrolled again after a revocation: any current
   * enrolment keeps the officer active. */
  for (guint i = 0; i < chain_custodian_get_n_officers (custodian); i++)
    if (g_strcmp0 (chain_custodian_get_officer_key_id (custodian, i), key_id) == 0)
      {
        if (!chain_custodian_is_officer_revoked (custodian, i))
          return FALSE;
        revoked = TRUE;
      }
  return revoked;
}

gboolean
chain_workspace_check_officer_name (const char *name,
                                    GError    **error)
{
  g_return_val_if_fail (name != NULL, FALSE);
  return check_officer_name (name, error);
}

ChainCert *
chain_workspace_find_ca (const ChainWorkspace *self,
                         const char           *name,
                         GError              **error)
{
  ChainCert *found = NULL;
  g_autofree char *lower = NULL;
  gsize name_len;

  if (self->state == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_JOINED,
                   _("this workspace has not joined a ledger yet"));
      return NULL;
    }
  if (name == NULL)
    return chain_workspace_get_ca (self);
  name_len = strlen (name);
  lower = g_ascii_strdown (name, -1);
  for (guint i = 0; i < chain_ledger_state_get_n_custodians (self->state); i++)
    {
      const ChainCustodian *c = chain_ledger_state_get_custodian (self->state, i);
      guint n = chain_custodian_get_n_cas (c);

      if (n > 0 && (g_strcmp0 (chain_custodian_get_id (c), name) == 0
                    || g_strcmp0 (chain_custodian_get_name (c), name) == 0))
        return chain_custodian_get_ca (c, n - 1);
      for (guint j = 0; j < n && name_len >= 8; j++)
        {
          g_autofree char *thumb = chain_cert_dup_thumbprint_hex (chain_custodian_get_ca (c, j), CHAIN_DIGEST_SHA256);

          if (g_str_has_prefix (thumb, lower))
            {
              if (found != NULL && found != chain_custodian_get_ca (c, j))
                {
                  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                               _("'%s' names more than one CA; give more digits of the thumbprint"), name);
                  return NULL;
                }
              found = chain_custodian_get_ca (c, j);
            }
        }
    }
  if (found == NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                 _("no CA named '%s' in the ledger; 'chain status' lists the custodians"), name);
  return found;
}

/* ---- Writing records ---------------------------------------------------------- */

ChainStatement *
chain_workspace_new_statement (ChainWorkspace  *self,
                               ChainRecordType  type,
                               ChainJson       *body,
                               GError         **error)
{
  g_autoptr(ChainJson) owned = body;

  if (self->state == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_JOINED,
                   _("this workspace has not joined a ledger yet"));
      return NULL;
    }
  return chain_statement_new (type, self->custodian_id, self->ledger_id,
                              chain_ledger_state_get_policy_digest (self->state),
                              g_get_real_time () / G_USEC_PER_SEC, owned, error);
}

static gboolean
require_officer (ChainWorkspace *self,
                 GError        **error)
{
  if (self->officer_key != NULL && self->signer != NULL)
    return TRUE;
  if (self->officer_key != NULL)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                 _("officer '%s' is not enrolled in the ledger (or was revoked); ask an enrolled officer to act"),
                 self->officer);
  else
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE, _("the workspace is locked; unlock it with a passphrase"));
  return FALSE;
}

gboolean
chain_workspace_sign (ChainWorkspace *self,
                      ChainStatement *statement,
                      GError        **error)
{
  g_autofree char *key_id = NULL;

  if (self->officer_key == NULL)
    return require_officer (self, error);
  key_id = chain_key_dup_public_key_sha256 (self->officer_key);
  for (guint i = 0; i < chain_statement_get_signature_count (statement); i++)
    if (g_strcmp0 (chain_statement_get_signature_key_id (statement, i), key_id) == 0)
      return TRUE;
  return chain_statement_sign (statement, self->officer_key, error);
}

typedef struct {
  ChainWorkspace     *self;
  ChainLedgerVerdict *verdict;   /* of the last attempt, committed after */
} CommitCheck;

static gboolean
commit_check (ChainLedger    *ledger,
              gint64          tip_seq,
              const char     *tip_digest,
              ChainStatement *statement,
              gpointer        user_data,
              GError        **error)
{
  CommitCheck *data = user_data;
  ChainWorkspace *self = data->self;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;

  (void) ledger;
  (void) tip_digest;
  /* Another process appended since we read the ledger: catch up first. */
  if ((gint64) chain_ledger_state_get_n_records (self->state) != tip_seq + 1
      && !replay (self, NULL, NULL, error))
    return FALSE;
  record.seq = (guint64) (tip_seq + 1);
  record.statement = statement;
  record.commit_signer = self->officer_cert;
  g_clear_pointer (&data->verdict, chain_ledger_verdict_free);
  data->verdict = chain_ledger_state_judge (self->state, &record, error);
  return data->verdict != NULL;
}

gboolean
chain_workspace_check (ChainWorkspace *self,
                       ChainStatement *statement,
                       GError        **error)
{
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;

  if (self->state == NULL)
    return chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_INVALID, NULL, error) != NULL;
  record.seq = chain_ledger_state_get_n_records (self->state);
  record.statement = statement;
  record.commit_signer = self->officer_cert;
  return chain_ledger_state_check (self->state, &record, error);
}

gboolean
chain_workspace_commit (ChainWorkspace *self,
                        ChainStatement *statement,
                        guint64        *out_seq,
                        GCancellable   *cancellable,
                        GError        **error)
{
  CommitCheck data = { self, NULL };
  g_autoptr(ChainRecord) record = NULL;
  gboolean appended;

  if (!require_officer (self, error) || !chain_workspace_sign (self, statement, error))
    return FALSE;
  appended = chain_ledger_append (self->ledger, statement, self->signer, commit_check, &data, &record,
                                  cancellable, error);
  /* The rules judged the record in the check; what they staged lands now,
   * with the commit's own time (the judge, before the commit, took the
   * clock's, which a replay would not). */
  if (appended)
    {
      chain_ledger_state_commit_verdict (data.verdict);
      chain_ledger_state_set_last_commit_time (self->state, chain_record_get_commit_time (record));
    }
  chain_ledger_verdict_free (data.verdict);
  if (!appended)
    return FALSE;
  g_free (self->state_tip);
  self->state_tip = g_strdup (chain_record_get_commit_id (record));
  if (out_seq != NULL)
    *out_seq = chain_record_get_seq (record);
  return write_pin (self, error);
}

ChainLedgerSigner *
chain_workspace_get_signer (ChainWorkspace *self,
                            ChainCert     **out_officer,
                            GError        **error)
{
  if (!require_officer (self, error))
    return NULL;
  *out_officer = self->officer_cert;
  return self->signer;
}

ChainIssuer *
chain_workspace_get_issuer (ChainWorkspace *self,
                            GError        **error)
{
  ChainKeyStore ca_store = CHAIN_KEY_STORE_FILE;
  g_autoptr(GPtrArray) ancestors = NULL;

  if (self->issuer != NULL)
    return self->issuer;
  if (self->ca_chain == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_JOINED,
                   _("this workspace has no CA yet"));
      return NULL;
    }
  if (self->ca_key == NULL && self->ca_key_error != NULL
      && chain_workspace_get_key_store (self, NULL, &ca_store, NULL) && ca_store != CHAIN_KEY_STORE_FILE)
    {
      /* A token or TPM that is missing or refuses says so itself. */
      g_propagate_error (error, g_error_copy (self->ca_key_error));
      return NULL;
    }
  if (self->ca_key == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                   _("the CA key is locked; unlock the workspace with the CA key's passphrase"));
      return NULL;
    }
  ancestors = g_ptr_array_new ();
  for (guint i = 1; i < self->ca_chain->len; i++)
    g_ptr_array_add (ancestors, self->ca_chain->pdata[i]);
  self->issuer = chain_issuer_new (self->ca_chain->pdata[0], self->ca_key, ancestors, error);
  return self->issuer;
}

/* ---- Officers ----------------------------------------------------------------- */

/* Officer validity: OFFICER_VALIDITY_DAYS from now, inside the CA's. */
void
chain_workspace_officer_validity (ChainCert         *ca,
                                  ChainIssueOptions *options)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  options->not_before = MAX (now - 60, chain_cert_get_not_before (ca));
  options->not_after = MIN (now + (gint64) OFFICER_VALIDITY_DAYS * DAY, chain_cert_get_not_after (ca));
}

static ChainStatement *
officer_statement (ChainWorkspace *self,
                   ChainCert      *officer,
                   ChainKey       *key,
                   GError        **error)
{
  ChainJson *body = chain_json_new_object ();
  g_autoptr(ChainStatement) statement = NULL;
  g_autoptr(GBytes) pem = chain_cert_to_pem (officer);

  chain_json_object_set_string (body, "custodian", self->custodian_id);
  /* Absent means "file", as in records from before the field. */
  if (chain_key_get_store (key) != CHAIN_KEY_STORE_FILE)
    chain_json_object_set_string (body, "key_store", chain_key_store_to_string (chain_key_get_store (key)));
  if (chain_key_get_tpm_evidence (key) != NULL)
    chain_json_object_set (body, "tpm_evidence", chain_json_ref (chain_key_get_tpm_evidence (key)));
  statement = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_OFFICER, body, error);
  if (statement == NULL || !chain_statement_add_artifact (statement, "officer.pem", pem, error))
    return NULL;
  return g_steal_pointer (&statement);
}

gboolean
chain_workspace_add_officer (ChainWorkspace    *self,
                             const char        *name,
                             const ChainSecret *passphrase,
                             guint64           *out_seq,
                             GCancellable      *cancellable,
                             GError           **error)
{
  return chain_workspace_add_officer_in (self, name, NULL, passphrase, out_seq, cancellable, error);
}

gboolean
chain_workspace_add_officer_in (ChainWorkspace    *self,
                                const char        *name,
                                const char        *key_store,
                                const ChainSecret *passphrase,
                                guint64           *out_seq,
                                GCancellable      *cancellable,
                                GError           **error)
{
  g_autofree char *key_name = NULL;
  g_autofree char *label = NULL;
  g_autofree char *private_dir = chain_workspace_build_path (self, CHAIN_WORKSPACE_PRIVATE_DIR);
  g_autofree char *cert_file = NULL;
  g_auto(GStrv) officers = chain_workspace_list_officers (self);
  g_autoptr(ChainKey) key = NULL;
  g_autoptr(ChainCert) cert = NULL;
  g_autoptr(ChainStatement) statement = NULL;
  ChainIssueOptions options = CHAIN_ISSUE_OPTIONS_INIT;
  ChainIssuer *issuer = NULL;

  if (!check_officer_name (name, error))
    return FALSE;
  if (g_strv_contains ((const char *const *) officers, name))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS, _("officer '%s' exists already; choose another name"), name);
      return FALSE;
    }
  if (!chain_key_home_check (key_store, NULL, error))
    return FALSE;
  issuer = chain_workspace_get_issuer (self, error);
  if (issuer == NULL || !require_officer (self, error))
    return FALSE;
  key_name = officer_key_name (name);
  label = g_strdup_printf ("%s-officer-%s", self->custodian_id, name);
  key = create_key (self, key_store, key_name, label, TRUE, self->algorithm, passphrase, error);
  if (key == NULL)
    return FALSE;
  chain_workspace_officer_validity (self->ca_chain->pdata[0], &options);
  cert = chain_issuer_issue_officer (issuer, name, key, &options, error);
  if (cert != NULL)
    statement = officer_statement (self, cert, key, error);
  if (statement == NULL || !chain_workspace_sign (self, statement, error) || !chain_workspace_check (self, statement, error)
      || !chain_workspace_commit (self, statement, out_seq, cancellable, error))
    {
      /* Nothing of a refused enrolment stays: no key file, no token object. */
      chain_key_discard_generated (key);
      chain_key_home_remove (private_dir, key_name);
      return FALSE;
    }
  cert_file = officer_cert_file (name);
  return write_cert_file (self, cert_file, cert, error);
}

gboolean
chain_workspace_annotate (ChainWorkspace *self,
                          const char     *text,
                          guint64        *out_seq,
                          GCancellable   *cancellable,
                          GError        **error)
{
  ChainJson *body = NULL;
  g_autoptr(ChainStatement) statement = NULL;

  if (strlen (text) > CHAIN_ANNOTATION_MAX_SIZE || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("an annotation is UTF-8 text of at most %d bytes"), CHAIN_ANNOTATION_MAX_SIZE);
      return FALSE;
    }
  body = chain_json_new_object ();
  chain_json_object_set_string (body, "text", text);
  statement = chain_workspace_new_statement (self, CHAIN_RECORD_TYPE_ANNOTATION, body, error);
  return statement != NULL && chain_workspace_commit (self, statement, out_seq, cancellable, error);
}

/* ---- Joining ---------------------------------------------------------------- */

gboolean
chain_workspace_set_joined (ChainWorkspace *self,
                            const char     *ledger_id,
                            ChainCert      *ca,
                            GError        **error)
{
  g_free (self->ledger_id);
  self->ledger_id = g_strdup (ledger_id);
  g_free (self->ca_thumbprint);
  self->ca_thumbprint = chain_cert_dup_thumbprint_hex (ca, CHAIN_DIGEST_SHA256);
  return write_workspace_file (self, error);
}

/* Makes the unlocked officer's certificate current after it was enrolled. */
gboolean
chain_workspace_enrol_unlocked (ChainWorkspace *self,
                                ChainCert      *officer,
                                GError        **error)
{
  g_autofree char *file = officer_cert_file (self->officer);

  g_clear_pointer (&self->officer_cert, chain_cert_free);
  self->officer_cert = chain_cert_copy (officer);
  return make_signer (self, error) && write_cert_file (self, file, officer, error);
}

/* ---- Making a workspace --------------------------------------------------------- */

/* A new workspace object with its keys made, unlocked, and saved. */
ChainWorkspace *
chain_workspace_create_keys (const char                  *dir,
                             const ChainWorkspaceOptions *options,
                             const char                  *id,
                             const char                  *tier,
                             GError                     **error)
{
  g_autoptr(ChainWorkspace) self = workspace_new (dir);
  const char *officer = options->officer != NULL ? options->officer : CHAIN_WORKSPACE_DEFAULT_OFFICER;
  g_autofree char *officer_name = officer_key_name (officer);
  g_autofree char *ca_label = g_strdup_printf ("%s-ca", id);
  g_autofree char *officer_label = g_strdup_printf ("%s-officer-%s", id, officer);

  self->custodian_id = g_strdup (id);
  self->org = g_strdup (options->org);
  self->tier = g_strdup (tier);
  self->algorithm = options->algorithm;
  self->officer = g_strdup (officer);
  chain_workspace_set_pin (self, options->pin);
  self->ca_key = create_key (self, options->key_store, CA_KEY_NAME, ca_label, TRUE, options->algorithm,
                             options->passphrase, error);
  if (self->ca_key == NULL)
    return NULL;
  self->officer_key = create_key (self, options->key_store, officer_name, officer_label, FALSE, options->algorithm,
                                  options->passphrase, error);
  if (self->officer_key == NULL)
    {
      chain_key_discard_generated (self->ca_key);
      return NULL;
    }
  return g_steal_pointer (&self);
}

gboolean
chain_workspace_save (ChainWorkspace *self,
                      GError        **error)
{
  return write_workspace_file (self, error);
}

static gboolean
genesis_check (ChainLedger    *ledger,
               gint64          tip_seq,
               const char     *tip_digest,
               ChainStatement *statement,
               gpointer        user_data,
               GError        **error)
{
  ChainWorkspace *self = user_data;
  ChainLedgerRecord record = CHAIN_LEDGER_RECORD_INIT;

  (void) ledger;
  (void) tip_seq;
  (void) tip_digest;
  record.statement = statement;
  record.commit_signer = self->officer_cert;
  return chain_ledger_state_check (self->state, &record, error);
}

static ChainStatement *
genesis_statement (ChainWorkspace    *self,
                   const ChainPolicy *policy,
                   ChainCert         *root,
                   GError           **error)
{
  g_autoptr(ChainJson) body = chain_json_new_object ();
  ChainJson *custodian = chain_json_new_object ();
  g_autofree char *digest = chain_policy_dup_digest (policy);
  g_autoptr(GBytes) root_pem = chain_cert_to_pem (root);
  g_autoptr(GBytes) officer_pem = chain_cert_to_pem (self->officer_cert);
  g_autoptr(ChainStatement) statement = NULL;

  chain_json_object_set_string (custodian, "id", self->custodian_id);
  chain_json_object_set_string (custodian, "name", self->org);
  chain_json_object_set_string (custodian, "tier", self->tier);
  chain_json_object_set (body, "custodian", custodian);
  chain_json_object_set (body, "policy", chain_policy_to_json (policy));
  chain_workspace_set_key_stores (body, chain_key_get_store (self->ca_key), chain_key_get_store (self->officer_key));
  chain_workspace_set_tpm_evidence (body, self->ca_key, self->officer_key);
  statement = chain_statement_new (CHAIN_RECORD_TYPE_GENESIS, self->custodian_id, self->ledger_id, digest,
                                   g_get_real_time () / G_USEC_PER_SEC, body, error);
  if (statement == NULL || !chain_statement_add_artifact (statement, "root.pem", root_pem, error)
      || !chain_statement_add_artifact (statement, "officer.pem", officer_pem, error)
      || !chain_statement_sign (statement, self->officer_key, error))
    return NULL;
  return g_steal_pointer (&statement);
}

/* The root and the first officer's certificate. */
static ChainCert *
make_root (ChainWorkspace              *self,
           const ChainWorkspaceOptions *options,
           const ChainPolicy           *policy,
           GError                     **error)
{
  g_autofree char *escaped = escape_dn_value (options->org);
  g_autofree char *subject_text = g_strdup_printf ("CN=%s Root CA,O=%s", escaped, escaped);
  g_autoptr(ChainName) subject = NULL;
  ChainIssueOptions issue = CHAIN_ISSUE_OPTIONS_INIT;
  gint64 max_days = chain_policy_get_max_validity_days (policy, self->tier);
  gint64 days = options->validity_days > 0 ? options->validity_days : max_days;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  subject = chain_name_parse (subject_text, error);
  if (subject == NULL)
    return NULL;
  if (days > max_days)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("a root valid for %" PRId64 " days exceeds the policy's %" PRId64 " for tier '%s'; give at most that"), days, max_days, self->tier);
      return NULL;
    }
  issue.not_before = now - 60;
  issue.not_after = issue.not_before + days * DAY;
  issue.path_len = chain_policy_get_max_path_len (policy, self->tier);
  return chain_root_create (self->ca_key, subject, &issue, error);
}

static gboolean
init_ledger (ChainWorkspace              *self,
             const ChainWorkspaceOptions *options,
             const ChainPolicy           *policy,
             GCancellable                *cancellable,
             GError                     **error)
{
  g_autoptr(ChainCert) root = make_root (self, options, policy, error);
  g_autoptr(ChainIssuer) issuer = NULL;
  g_autoptr(ChainStatement) genesis = NULL;
  g_autofree char *path = chain_workspace_build_path (self, CHAIN_WORKSPACE_LEDGER_DIR);
  g_autofree char *officer_file = NULL;
  ChainIssueOptions issue = CHAIN_ISSUE_OPTIONS_INIT;

  if (root == NULL)
    return FALSE;
  issuer = chain_issuer_new (root, self->ca_key, NULL, error);
  if (issuer == NULL)
    return FALSE;
  chain_workspace_officer_validity (root, &issue);
  self->officer_cert = chain_issuer_issue_officer (issuer, self->officer, self->officer_key, &issue, error);
  if (self->officer_cert == NULL)
    return FALSE;
  self->ledger_id = chain_statement_new_id ();
  self->state = chain_ledger_state_new ();
  genesis = genesis_statement (self, policy, root, error);
  if (genesis == NULL)
    return FALSE;
  self->signer = chain_ledger_signer_new (self->officer_key, self->officer_cert, NULL, error);
  if (self->signer == NULL)
    return FALSE;
  self->ledger = chain_ledger_create (path, genesis, self->signer, genesis_check, self, cancellable, error);
  if (self->ledger == NULL)
    return FALSE;
  officer_file = officer_cert_file (self->officer);
  return replay (self, NULL, cancellable, error) && load_ca_chain (self, error) && write_pin (self, error)
         && chain_workspace_write_certs (self, error) && write_cert_file (self, officer_file, self->officer_cert, error)
         && write_workspace_file (self, error);
}

ChainWorkspace *
chain_workspace_init (const char                  *dir,
                      const ChainWorkspaceOptions *options,
                      GCancellable                *cancellable,
                      GError                     **error)
{
  g_autoptr(ChainPolicy) default_policy = chain_policy_new_default ();
  g_autoptr(ChainWorkspace) self = NULL;
  g_autofree char *id = NULL;
  const ChainPolicy *policy = NULL;
  gboolean made_dir = FALSE;

  if (!chain_workspace_resolve_identity (options, &id, error))
    return NULL;
  policy = options->policy != NULL ? options->policy : default_policy;
  if (!chain_policy_validate (policy, error))
    return NULL;
  if (options->tier != NULL && g_strcmp0 (options->tier, chain_policy_get_tier_name (policy, 0)) != 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the ledger's first custodian has the policy's first tier '%s', not '%s'"),
                   chain_policy_get_tier_name (policy, 0), options->tier);
      return NULL;
    }
  if (!chain_policy_allows_algorithm (policy, options->algorithm))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("the policy does not allow %s keys; choose one it allows"),
                   chain_key_algorithm_to_string (options->algorithm));
      return NULL;
    }
  if (!chain_workspace_make_layout (dir, &made_dir, error))
    return NULL;
  self = chain_workspace_create_keys (dir, options, id, chain_policy_get_tier_name (policy, 0), error);
  if (self == NULL || !init_ledger (self, options, policy, cancellable, error))
    {
      if (self != NULL)
        chain_workspace_discard_keys (self);
      g_clear_pointer (&self, chain_workspace_free);
      chain_workspace_remove_layout (dir, made_dir);
      return NULL;
    }
  return g_steal_pointer (&self);
}
