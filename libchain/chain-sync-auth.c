/* chain-sync-auth.c — who we are to a hosted ledger, and who it is to us
 *
 * See chain-sync-auth-private.h. libgit2 1.5.1 as Debian builds it speaks
 * HTTPS through mbedTLS and SSH through libssh2. Its own checks are not
 * the ones we promise: mbedTLS cannot be given a CA file per ledger, and
 * the SSH known_hosts check (Debian's CVE-2023-22742 fix) yields to
 * whatever the certificate callback answers. So the callback decides, with
 * OpenSSL and our known_hosts reader, and a refusal is ours to word.
 */
#include "chain-sync-auth-private.h"
#include "chain-error.h"
#include "chain-i18n-private.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <string.h>

#define KNOWN_HOSTS_MAX_BYTES  (4 * 1024 * 1024)
#define CREDENTIAL_MAX_BYTES   (64 * 1024)
#define SSH_DEFAULT_PORT       22

void
chain_sync_auth_init (ChainSyncAuth  *self,
                      git_repository *repo,
                      const char     *repo_path,
                      const char     *url)
{
  memset (self, 0, sizeof *self);
  self->repo = repo;
  self->repo_path = g_strdup (repo_path);
  self->url = g_strdup (url);
}

static void
wipe_string (char **text)
{
  if (*text != NULL)
    {
      OPENSSL_cleanse (*text, strlen (*text));
      g_clear_pointer (text, g_free);
    }
}

void
chain_sync_auth_clear (ChainSyncAuth *self)
{
  wipe_string (&self->filled);
  g_clear_pointer (&self->repo_path, g_free);
  g_clear_pointer (&self->url, g_free);
  g_clear_error (&self->failure);
}

gboolean
chain_sync_auth_take_failure (ChainSyncAuth *self,
                              GError       **error)
{
  if (self->failure == NULL)
    return FALSE;
  g_propagate_error (error, g_steal_pointer (&self->failure));
  return TRUE;
}

static int G_GNUC_PRINTF (3, 4)
refuse (ChainSyncAuth *self,
        int            code,
        const char    *format,
        ...)
{
  va_list args;

  g_clear_error (&self->failure);
  va_start (args, format);
  self->failure = g_error_new_valist (CHAIN_ERROR, code, format, args);
  va_end (args);
  return GIT_EUSER;
}

/* A configuration value of the ledger's repository (paths with ~
 * expanded), or NULL. */
static char *
config_path (ChainSyncAuth *self,
             const char    *key)
{
  git_config *config = NULL;
  git_buf value = GIT_BUF_INIT;
  char *out = NULL;

  if (git_repository_config_snapshot (&config, self->repo) == 0
      && git_config_get_path (&value, config, key) == 0 && value.ptr[0] != '\0')
    out = g_strdup (value.ptr);
  git_buf_dispose (&value);
  git_config_free (config);
  git_error_clear ();
  return out;
}

/* ---- git's credential helpers ----------------------------------------------- */

/* Runs `git credential ACTION` with @input on stdin and the ledger as
 * GIT_DIR; its stdout (transfer full, NULL-terminated, to be wiped) when
 * it succeeded, else NULL. */
static char *
run_git_credential (ChainSyncAuth *self,
                    const char    *action,
                    const char    *input)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) in = g_bytes_new_static (input, strlen (input));
  g_autoptr(GBytes) out = NULL;
  gsize len = 0;
  guint8 *data;
  char *text = NULL;

  g_subprocess_launcher_setenv (launcher, "GIT_DIR", self->repo_path, TRUE);
  process = g_subprocess_launcher_spawn (launcher, NULL, "git", "credential", action, NULL);
  if (process == NULL
      || !g_subprocess_communicate (process, in, NULL, &out, NULL, NULL)
      || !g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0
      || out == NULL)
    {
      if (out != NULL)
        {
          gsize n = 0;
          guint8 *leftover = g_bytes_unref_to_data (g_steal_pointer (&out), &n);

          OPENSSL_cleanse (leftover, n);
          g_free (leftover);
        }
      return NULL;
    }
  data = g_bytes_unref_to_data (g_steal_pointer (&out), &len);
  if (data == NULL || len == 0)
    {
      g_free (data);
      return NULL;   /* git said nothing: no credential */
    }
  if (len <= CREDENTIAL_MAX_BYTES && memchr (data, '\0', len) == NULL)
    {
      /* A copy with its terminator, not a realloc that could leave the
       * secret behind in freed memory. */
      text = g_malloc (len + 1);
      memcpy (text, data, len);
      text[len] = '\0';
    }
  OPENSSL_cleanse (data, len);
  g_free (data);
  return text;
}

/* The value of "@key=" in git credential output, or NULL. (transfer full,
 * to be wiped) */
static char *
credential_field (const char *text,
                  const char *key)
{
  gsize key_len = strlen (key);

  for (const char *line = text; line != NULL && *line != '\0';)
    {
      const char *end = strchr (line, '\n');
      gsize len = end != NULL ? (gsize) (end - line) : strlen (line);

      if (len > key_len && strncmp (line, key, key_len) == 0 && line[key_len] == '=')
        return g_strndup (line + key_len + 1, len - key_len - 1);
      line = end != NULL ? end + 1 : NULL;
    }
  return NULL;
}

static void
tell_helpers (ChainSyncAuth *self,
              const char    *action)
{
  g_autofree char *ignored = NULL;

  if (self->filled == NULL)
    return;
  ignored = run_git_credential (self, action, self->filled);
  if (ignored != NULL)
    OPENSSL_cleanse (ignored, strlen (ignored));
}

void
chain_sync_auth_approve (ChainSyncAuth *self)
{
  tell_helpers (self, "approve");
  wipe_string (&self->filled);
}

/* Asks of the credential helper in one transfer before its answer is
 * taken as refused (see userpass_credential). */
#define USERPASS_ASKS_MAX 2

static int
userpass_credential (ChainSyncAuth   *self,
                     git_credential **out,
                     const char      *username_from_url)
{
  g_autoptr(GString) request = g_string_new (NULL);
  char *user = NULL;
  char *password = NULL;
  int status;

  /* libgit2 asks again when the server refuses what it was given, but it
   * may also ask a second time in one transfer with nothing refused (seen
   * once in the many-writers race over HTTPS, with the right password,
   * right after a lost push). A helper answers the same each time, so a
   * third ask is the server refusing it. */
  if (self->userpass_asks++ >= USERPASS_ASKS_MAX)
    {
      tell_helpers (self, "reject");
      return refuse (self, CHAIN_ERROR_REFUSED,
                     _("%s refused the user name and password that git's credential helper gave; "
                       "correct them there (or in GIT_ASKPASS) and sync again"), self->url);
    }
  g_string_append_printf (request, "url=%s\n", self->url);
  if (username_from_url != NULL && strchr (username_from_url, '\n') == NULL)
    g_string_append_printf (request, "username=%s\n", username_from_url);
  g_string_append_c (request, '\n');
  self->filled = run_git_credential (self, "fill", request->str);
  if (self->filled != NULL)
    {
      user = credential_field (self->filled, "username");
      password = credential_field (self->filled, "password");
    }
  if (user == NULL || password == NULL)
    {
      wipe_string (&user);
      wipe_string (&password);
      wipe_string (&self->filled);
      return refuse (self, CHAIN_ERROR_REFUSED,
                     _("%s asks for a user name and password and git has none: set up a credential "
                       "helper (git config credential.helper) or GIT_ASKPASS"), self->url);
    }
  status = git_credential_userpass_plaintext_new (out, user, password);
  wipe_string (&user);
  wipe_string (&password);
  return status;
}

/* ---- SSH keys ------------------------------------------------------------------- */

static GPtrArray *
key_candidates (ChainSyncAuth *self)
{
  static const char *const defaults[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  char *configured = config_path (self, "chain.sshKey");

  if (configured != NULL)
    g_ptr_array_add (keys, configured);
  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    g_ptr_array_add (keys, g_build_filename (g_get_home_dir (), ".ssh", defaults[i], NULL));
  return keys;
}

static int
ssh_key_credential (ChainSyncAuth   *self,
                    git_credential **out,
                    const char      *user)
{
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GString) tried = g_string_new (NULL);

  if (!self->agent_tried)
    {
      self->agent_tried = TRUE;
      if (g_getenv ("SSH_AUTH_SOCK") != NULL)
        return git_credential_ssh_key_from_agent (out, user);
    }
  keys = key_candidates (self);
  while (self->next_key < keys->len)
    {
      const char *key = keys->pdata[self->next_key++];
      g_autofree char *pub = g_strdup_printf ("%s.pub", key);

      if (g_file_test (key, G_FILE_TEST_IS_REGULAR))
        return git_credential_ssh_key_new (out, user, g_file_test (pub, G_FILE_TEST_IS_REGULAR) ? pub : NULL,
                                           key, NULL);
    }
  if (g_getenv ("SSH_AUTH_SOCK") != NULL)
    g_string_append (tried, _("the ssh-agent"));
  for (guint i = 0; i < keys->len; i++)
    if (g_file_test (keys->pdata[i], G_FILE_TEST_IS_REGULAR))
      g_string_append_printf (tried, "%s%s", tried->len > 0 ? ", " : "", (const char *) keys->pdata[i]);
  if (tried->len == 0)
    return refuse (self, CHAIN_ERROR_REFUSED,
                   _("%s wants an ssh key and there is none: start ssh-agent and ssh-add your key, "
                     "or set chain.sshKey"), self->url);
  return refuse (self, CHAIN_ERROR_REFUSED,
                 /* Translators: the URL, the user name, then the keys tried */
                 _("%s refused every ssh key of user %s (%s); add your public key on the server"),
                 self->url, user, tried->str);
}

int
chain_sync_auth_credentials (git_credential **out,
                             const char      *url,
                             const char      *username_from_url,
                             unsigned int     allowed_types,
                             ChainSyncAuth   *self)
{
  const char *user = username_from_url != NULL ? username_from_url : g_get_user_name ();

  if (allowed_types & GIT_CREDENTIAL_SSH_KEY)
    return ssh_key_credential (self, out, user);
  if (allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT)
    return userpass_credential (self, out, username_from_url);
  if (allowed_types & GIT_CREDENTIAL_USERNAME)
    return git_credential_username_new (out, user);
  return refuse (self, CHAIN_ERROR_REFUSED,
                 _("%s asks for a kind of authentication libchain does not offer; use an ssh key or "
                   "a user name and password"), self->url);
}

/* ---- The server's TLS certificate ------------------------------------------------ */

static int
check_tls (ChainSyncAuth    *self,
           git_cert_x509    *cert,
           const char       *host)
{
  g_autofree char *ca_file = NULL;
  g_autofree char *trusted_by = NULL;
  const unsigned char *der = cert->data;
  X509 *x509 = d2i_X509 (NULL, &der, (long) cert->len);
  X509_STORE *store = X509_STORE_new ();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new ();
  X509_VERIFY_PARAM *param;
  int result = 0;
  int reason = X509_V_OK;

  /* The workspace's own choice first: a $GIT_SSL_CAINFO set for the whole
   * machine must not override the CA one ledger was told to trust. */
  ca_file = config_path (self, "http.sslCAInfo");
  if (ca_file == NULL && g_getenv ("GIT_SSL_CAINFO") != NULL && g_getenv ("GIT_SSL_CAINFO")[0] != '\0')
    ca_file = g_strdup (g_getenv ("GIT_SSL_CAINFO"));
  trusted_by = ca_file != NULL ? g_strdup_printf (_("the CA file %s"), ca_file) : g_strdup (_("the system's CAs"));

  if (x509 == NULL || store == NULL || ctx == NULL)
    result = refuse (self, CHAIN_ERROR_REFUSED, _("%s sent a TLS certificate that cannot be read"), host);
  else if (ca_file != NULL && X509_STORE_load_file (store, ca_file) != 1)
    result = refuse (self, CHAIN_ERROR_NOT_FOUND,
                     _("cannot read the CA file %s (http.sslCAInfo or GIT_SSL_CAINFO); give a PEM file "
                       "of the CA that issued the server's certificate"), ca_file);
  else if (ca_file == NULL && X509_STORE_set_default_paths (store) != 1)
    result = refuse (self, CHAIN_ERROR_FAILED, _("cannot read the system's CA certificates"));
  else if (X509_STORE_CTX_init (ctx, store, x509, NULL) != 1)
    result = refuse (self, CHAIN_ERROR_FAILED, _("cannot check the TLS certificate of %s"), host);
  if (result == 0)
    {
      param = X509_STORE_CTX_get0_param (ctx);
      X509_STORE_CTX_set_purpose (ctx, X509_PURPOSE_SSL_SERVER);
      if (g_hostname_is_ip_address (host))
        X509_VERIFY_PARAM_set1_ip_asc (param, host);
      else
        X509_VERIFY_PARAM_set1_host (param, host, 0);
      if (X509_verify_cert (ctx) != 1)
        reason = X509_STORE_CTX_get_error (ctx);
      if (reason == X509_V_ERR_HOSTNAME_MISMATCH || reason == X509_V_ERR_IP_ADDRESS_MISMATCH)
        result = refuse (self, CHAIN_ERROR_REFUSED,
                         _("the TLS certificate of %s was issued for another name; refused (use the name "
                           "it was issued for in the URL, or ask the server's administrator)"), host);
      else if (reason != X509_V_OK)
        result = refuse (self, CHAIN_ERROR_REFUSED,
                         /* Translators: the host, OpenSSL's reason, then who should have trusted it */
                         _("the TLS certificate of %s is not trusted (%s) by %s; refused (give the CA "
                           "that issued it with chain sync --ca-file)"),
                         host, X509_verify_cert_error_string (reason), trusted_by);
    }
  X509_STORE_CTX_free (ctx);
  X509_STORE_free (store);
  X509_free (x509);
  return result;
}

/* ---- The server's SSH host key ------------------------------------------------------ */

/* The port of an ssh:// URL; scp-like "user@host:path" is port 22. */
static int
ssh_port (const char *url)
{
  const char *rest = strstr (url, "://");
  const char *slash;
  const char *at;
  const char *colon;
  const char *bracket;
  gint64 port = SSH_DEFAULT_PORT;

  if (rest == NULL)
    return SSH_DEFAULT_PORT;
  rest += 3;
  slash = strchr (rest, '/');
  at = memchr (rest, '@', slash != NULL ? (gsize) (slash - rest) : strlen (rest));
  if (at != NULL)
    rest = at + 1;
  bracket = rest[0] == '[' ? strchr (rest, ']') : NULL;
  colon = strchr (bracket != NULL ? bracket : rest, ':');
  if (colon != NULL && (slash == NULL || colon < slash))
    {
      char *end = NULL;

      port = g_ascii_strtoll (colon + 1, &end, 10);
      if (end == colon + 1 || port <= 0 || port > 65535)
        port = SSH_DEFAULT_PORT;
    }
  return (int) port;
}

/* Whether the hashed name "|1|SALT|HASH" is @name. */
static gboolean
hashed_name_matches (const char *pattern,
                     const char *name)
{
  g_auto(GStrv) parts = g_strsplit (pattern + 3, "|", 2);
  g_autofree guchar *salt = NULL;
  g_autofree guchar *hash = NULL;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  gsize salt_len = 0;
  gsize hash_len = 0;

  if (g_strv_length (parts) != 2)
    return FALSE;
  salt = g_base64_decode (parts[0], &salt_len);
  hash = g_base64_decode (parts[1], &hash_len);
  if (HMAC (EVP_sha1 (), salt, (int) salt_len, (const unsigned char *) name, strlen (name), mac, &mac_len) == NULL)
    return FALSE;
  return hash_len == mac_len && CRYPTO_memcmp (hash, mac, mac_len) == 0;
}

/* Whether the comma-separated host patterns of a known_hosts line name
 * @name ('!' negates, '*' and '?' are wildcards). */
static gboolean
hosts_match (const char *patterns,
             const char *name)
{
  g_auto(GStrv) list = NULL;
  gboolean matched = FALSE;

  if (g_str_has_prefix (patterns, "|1|"))
    return hashed_name_matches (patterns, name);
  list = g_strsplit (patterns, ",", -1);
  for (guint i = 0; list[i] != NULL; i++)
    {
      gboolean negated = list[i][0] == '!';
      g_autofree char *lower = g_ascii_strdown (list[i] + (negated ? 1 : 0), -1);

      if (g_pattern_match_simple (lower, name))
        {
          if (negated)
            return FALSE;
          matched = TRUE;
        }
    }
  return matched;
}

typedef enum {
  HOST_UNKNOWN,
  HOST_KNOWN,
  HOST_OTHER_KEY,   /* listed, with another key */
  HOST_REVOKED,
} HostKnowledge;

static HostKnowledge
look_up_in (const char   *path,
            const char   *name,
            const guint8 *key,
            gsize         key_len)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GStatBuf st;
  HostKnowledge found = HOST_UNKNOWN;

  if (g_stat (path, &st) != 0 || st.st_size > KNOWN_HOSTS_MAX_BYTES
      || !g_file_get_contents (path, &text, NULL, NULL))
    return HOST_UNKNOWN;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();
      const char *marker = NULL;
      g_autofree guchar *blob = NULL;
      gsize blob_len = 0;

      for (guint j = 0; fields[j] != NULL; j++)
        if (fields[j][0] != '\0')
          g_ptr_array_add (words, fields[j]);
      if (words->len == 0 || ((const char *) words->pdata[0])[0] == '#')
        continue;
      if (((const char *) words->pdata[0])[0] == '@')
        {
          marker = words->pdata[0];
          g_ptr_array_remove_index (words, 0);
        }
      if (words->len < 3 || g_strcmp0 (marker, "@cert-authority") == 0
          || !hosts_match (words->pdata[0], name))
        continue;
      blob = g_base64_decode (words->pdata[2], &blob_len);
      if (blob_len == key_len && memcmp (blob, key, key_len) == 0)
        {
          if (g_strcmp0 (marker, "@revoked") == 0)
            return HOST_REVOKED;
          found = HOST_KNOWN;
        }
      else if (found == HOST_UNKNOWN && marker == NULL)
        found = HOST_OTHER_KEY;
    }
  return found;
}

static int
check_host_key (ChainSyncAuth    *self,
                git_cert_hostkey *cert,
                const char       *host)
{
  g_autofree char *user_file = g_build_filename (g_get_home_dir (), ".ssh", "known_hosts", NULL);
  const char *files[] = { user_file, "/etc/ssh/ssh_known_hosts" };
  int port = ssh_port (self->url);
  g_autofree char *lower = g_ascii_strdown (host, -1);
  g_autofree char *name = port == SSH_DEFAULT_PORT ? g_strdup (lower) : g_strdup_printf ("[%s]:%d", lower, port);
  g_autofree char *fingerprint = NULL;
  HostKnowledge knowledge = HOST_UNKNOWN;

  if (!(cert->type & GIT_CERT_SSH_RAW) || cert->hostkey == NULL || cert->hostkey_len == 0)
    return refuse (self, CHAIN_ERROR_REFUSED, _("cannot check the ssh host key of %s"), name);
  if (cert->type & GIT_CERT_SSH_SHA256)
    {
      g_autofree char *b64 = g_base64_encode (cert->hash_sha256, sizeof cert->hash_sha256);
      gsize len = strlen (b64);

      while (len > 0 && b64[len - 1] == '=')
        b64[--len] = '\0';
      fingerprint = g_strdup_printf ("SHA256:%s", b64);
    }
  for (guint i = 0; i < G_N_ELEMENTS (files) && knowledge != HOST_KNOWN && knowledge != HOST_REVOKED; i++)
    {
      HostKnowledge here = look_up_in (files[i], name, (const guint8 *) cert->hostkey, cert->hostkey_len);

      if (here != HOST_UNKNOWN)
        knowledge = here;
    }
  switch (knowledge)
    {
    case HOST_KNOWN:
      return 0;
    case HOST_REVOKED:
      return refuse (self, CHAIN_ERROR_REFUSED, _("the ssh host key of %s is revoked in known_hosts; refused"),
                     name);
    case HOST_OTHER_KEY:
      return refuse (self, CHAIN_ERROR_REFUSED,
                     /* Translators: the host, then its key's fingerprint */
                     _("the ssh host key of %s (%s) is not the one known_hosts lists for it: someone may "
                       "be intercepting; refused (ask its administrator)"),
                     name, fingerprint != NULL ? fingerprint : "?");
    case HOST_UNKNOWN:
    default:
      return refuse (self, CHAIN_ERROR_REFUSED,
                     /* Translators: the host, its key's fingerprint, then the known_hosts file */
                     _("%s is not in known_hosts; refused: check its host key fingerprint %s with its "
                       "administrator, then add it to %s"),
                     name, fingerprint != NULL ? fingerprint : "?", user_file);
    }
}

int
chain_sync_auth_check_certificate (git_cert      *cert,
                                   int            valid,
                                   const char    *host,
                                   ChainSyncAuth *self)
{
  /* Our own checks decide, whatever libgit2 made of it (@valid). */
  if (cert->cert_type == GIT_CERT_X509)
    return check_tls (self, (git_cert_x509 *) cert, host);
  if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2)
    return check_host_key (self, (git_cert_hostkey *) cert, host);
  return refuse (self, CHAIN_ERROR_REFUSED, _("cannot check who %s is; refused"), host);
}
