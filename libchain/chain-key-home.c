/* chain-key-home.c — where a workspace's keys live, and how to reach them */
#include "chain-key-home-private.h"
#include "chain-key-pkcs11-private.h"
#include "chain-key-tpm2-private.h"
#include "chain-pki-private.h"
#include "chain-json.h"
#include "chain-i18n-private.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#define KEYREF_MAX_LEN (8 * 1024)

gboolean
chain_key_home_check (const char    *spec,
                      ChainKeyStore *out_store,
                      GError       **error)
{
  ChainKeyStore store = CHAIN_KEY_STORE_FILE;
  guint32 handle = 0;

  if (spec == NULL || g_strcmp0 (spec, "file") == 0)
    store = CHAIN_KEY_STORE_FILE;
  else if (g_str_has_prefix (spec, "pkcs11:"))
    {
      g_autofree char *uri = chain_key_pkcs11_normalize_uri (spec, "chain-key", error);

      if (uri == NULL)
        return FALSE;
      store = CHAIN_KEY_STORE_PKCS11;
    }
  else if (g_strcmp0 (spec, "tpm2") == 0
           || (g_str_has_prefix (spec, "tpm2:") && chain_key_tpm2_parse_handle (spec + strlen ("tpm2:"), &handle))
           || (g_str_has_prefix (spec, CHAIN_KEY_TPM2_HANDLE_PREFIX) && chain_key_tpm2_parse_handle (spec, &handle)))
    store = CHAIN_KEY_STORE_TPM2;
  else
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("key store '%s' is not one of: file, a PKCS#11 URI (pkcs11:token=...;object=...), "
                     "tpm2, tpm2:0x81000001"), spec);
      return FALSE;
    }
  if (out_store != NULL)
    *out_store = store;
  return TRUE;
}

static char *
file_path (const char *private_dir,
           const char *name,
           const char *suffix)
{
  g_autofree char *file = g_strconcat (name, suffix, NULL);

  return g_build_filename (private_dir, file, NULL);
}

static gboolean
write_keyref (const char *private_dir,
              const char *name,
              ChainJson  *doc,
              GError    **error)
{
  g_autofree char *path = file_path (private_dir, name, ".keyref");
  g_autofree char *text = chain_json_to_pretty (doc);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_EXISTS, _("%s exists already"), path);
      return FALSE;
    }
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

static ChainJson *
read_keyref (const char *private_dir,
             const char *name,
             GError    **error)
{
  g_autofree char *path = file_path (private_dir, name, ".keyref");
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(ChainJson) doc = NULL;
  const char *store = NULL;

  if (!g_file_get_contents (path, &text, &len, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND, _("the workspace has no key %s"), name);
      return NULL;
    }
  if (len > KEYREF_MAX_LEN || (doc = chain_json_parse (text, len, KEYREF_MAX_LEN, NULL)) == NULL
      || !chain_json_object_get_string_member (doc, "store", &store, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is corrupt: it should say where key %s lives"), path, name);
      return NULL;
    }
  return g_steal_pointer (&doc);
}

/* The PKCS#11 URI of key @name: the given one, or with @label as its object. */
static char *
pkcs11_uri_for (const char *spec,
                const char *label,
                gboolean    use_uri_label,
                GError    **error)
{
  g_autofree char *uri = chain_key_pkcs11_normalize_uri (spec, label, error);
  g_autofree char *without = NULL;

  if (uri == NULL || use_uri_label)
    return g_steal_pointer (&uri);
  /* Another key of the same token: its own label, the URI's token and module. */
  {
    g_auto(GStrv) parts = g_strsplit (spec, "?", 2);
    g_auto(GStrv) attrs = g_strsplit (parts[0] + strlen ("pkcs11:"), ";", -1);
    g_autoptr(GString) out = g_string_new ("pkcs11:");
    g_autofree char *escaped = g_uri_escape_string (label, NULL, FALSE);

    for (guint i = 0; attrs[i] != NULL; i++)
      if (attrs[i][0] != '\0' && !g_str_has_prefix (attrs[i], "object=") && !g_str_has_prefix (attrs[i], "id="))
        g_string_append_printf (out, "%s;", attrs[i]);
    g_string_append_printf (out, "object=%s", escaped);
    if (parts[1] != NULL)
      g_string_append_printf (out, "?%s", parts[1]);
    without = g_string_free (g_steal_pointer (&out), FALSE);
  }
  return chain_key_pkcs11_normalize_uri (without, NULL, error);
}

ChainKey *
chain_key_home_create (const char        *spec,
                       const char        *private_dir,
                       const char        *name,
                       const char        *label,
                       gboolean           use_uri_label,
                       ChainKeyAlgorithm  algorithm,
                       const ChainSecret *passphrase,
                       const ChainSecret *pin,
                       GError           **error)
{
  g_autoptr(ChainKey) key = NULL;
  g_autoptr(ChainJson) doc = chain_json_new_object ();
  ChainKeyStore store = CHAIN_KEY_STORE_FILE;
  guint32 handle = 0;

  if (!chain_key_home_check (spec, &store, error))
    return NULL;
  switch (store)
    {
    case CHAIN_KEY_STORE_FILE:
      {
        g_autofree char *path = file_path (private_dir, name, ".key");

        key = chain_key_generate (algorithm, error);
        if (key == NULL || !chain_key_save (key, path, passphrase, error))
          return NULL;
        return g_steal_pointer (&key);
      }
    case CHAIN_KEY_STORE_PKCS11:
      {
        g_autofree char *uri = pkcs11_uri_for (spec, label, use_uri_label, error);

        if (uri == NULL)
          return NULL;
        key = chain_key_pkcs11_open (uri, algorithm, pin, error);
        if (key == NULL)
          return NULL;
        chain_json_object_set_string (doc, "store", "pkcs11");
        chain_json_object_set_string (doc, "uri", uri);
        break;
      }
    case CHAIN_KEY_STORE_TPM2:
    default:
      {
        const char *colon = strchr (spec, ':');

        chain_json_object_set_string (doc, "store", "tpm2");
        if (use_uri_label && colon != NULL && chain_key_tpm2_parse_handle (colon + 1, &handle))
          {
            g_autofree char *location = g_strdup_printf (CHAIN_KEY_TPM2_HANDLE_PREFIX "0x%08x", handle);

            key = chain_key_tpm2_load (location, error);
            if (key == NULL)
              return NULL;
            chain_json_object_set_string (doc, "handle", location + strlen (CHAIN_KEY_TPM2_HANDLE_PREFIX));
          }
        else
          {
            g_autoptr(GBytes) blob = NULL;
            g_autofree char *blob_file = g_strconcat (name, ".tss", NULL);
            g_autofree char *blob_path = g_build_filename (private_dir, blob_file, NULL);

            key = chain_key_tpm2_generate (algorithm, &blob, error);
            if (key == NULL)
              return NULL;
            if (!g_file_set_contents_full (blob_path, g_bytes_get_data (blob, NULL), (gssize) g_bytes_get_size (blob),
                                           G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, error))
              return NULL;
            chain_json_object_set_string (doc, "blob", blob_file);
          }
        break;
      }
    }
  if (chain_key_get_algorithm (key) != algorithm)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_REFUSED,
                   /* Translators: the key's algorithm, then the one asked for. */
                   _("the existing %s key is %s, not %s: name another key or pass --algorithm %s"),
                   chain_key_store_to_string (store), chain_key_algorithm_to_string (chain_key_get_algorithm (key)),
                   chain_key_algorithm_to_string (algorithm), chain_key_algorithm_to_string (chain_key_get_algorithm (key)));
      chain_key_home_remove (private_dir, name);
      return NULL;
    }
  if (!write_keyref (private_dir, name, doc, error))
    {
      chain_key_discard_generated (key);
      return NULL;
    }
  return g_steal_pointer (&key);
}

ChainKey *
chain_key_home_load (const char        *private_dir,
                     const char        *name,
                     const ChainSecret *passphrase,
                     const ChainSecret *pin,
                     GError           **error)
{
  g_autofree char *key_path = file_path (private_dir, name, ".key");
  g_autoptr(ChainJson) doc = NULL;
  const char *store = NULL;
  const char *value = NULL;

  if (g_file_test (key_path, G_FILE_TEST_EXISTS))
    {
      if (passphrase == NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_PASSPHRASE,
                       _("key %s is a file: give its passphrase (--passphrase-file or CHAIN_PASSPHRASE)"), name);
          return NULL;
        }
      return chain_key_load (key_path, passphrase, error);
    }
  doc = read_keyref (private_dir, name, error);
  if (doc == NULL)
    return NULL;
  chain_json_object_get_string_member (doc, "store", &store, NULL);
  if (g_strcmp0 (store, "pkcs11") == 0 && chain_json_object_get_string_member (doc, "uri", &value, NULL))
    return chain_key_pkcs11_open (value, CHAIN_KEY_ALGORITHM_INVALID, pin, error);
  if (g_strcmp0 (store, "tpm2") == 0 && chain_json_object_get_string_member (doc, "handle", &value, NULL))
    {
      g_autofree char *location = g_strconcat (CHAIN_KEY_TPM2_HANDLE_PREFIX, value, NULL);

      return chain_key_tpm2_load (location, error);
    }
  if (g_strcmp0 (store, "tpm2") == 0 && chain_json_object_get_string_member (doc, "blob", &value, NULL)
      && strchr (value, '/') == NULL && value[0] != '.')
    {
      g_autofree char *blob_path = g_build_filename (private_dir, value, NULL);

      return chain_key_tpm2_load (blob_path, error);
    }
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
               _("%s/%s.keyref is corrupt: it should say where key %s lives"), private_dir, name, name);
  return NULL;
}

gboolean
chain_key_home_peek (const char    *private_dir,
                     const char    *name,
                     ChainKeyStore *out_store,
                     char         **out_location)
{
  g_autofree char *key_path = file_path (private_dir, name, ".key");
  g_autoptr(ChainJson) doc = NULL;
  const char *store = NULL;
  const char *value = NULL;

  if (out_location != NULL)
    *out_location = NULL;
  if (g_file_test (key_path, G_FILE_TEST_EXISTS))
    {
      *out_store = CHAIN_KEY_STORE_FILE;
      return TRUE;
    }
  doc = read_keyref (private_dir, name, NULL);
  if (doc == NULL)
    return FALSE;
  chain_json_object_get_string_member (doc, "store", &store, NULL);
  if (!chain_key_store_from_string (store, out_store))
    return FALSE;
  if (out_location != NULL)
    {
      if (chain_json_object_get_string_member (doc, "uri", &value, NULL))
        *out_location = g_strdup (value);
      else if (chain_json_object_get_string_member (doc, "handle", &value, NULL))
        *out_location = g_strconcat (CHAIN_KEY_TPM2_HANDLE_PREFIX, value, NULL);
    }
  return TRUE;
}

void
chain_key_home_remove (const char *private_dir,
                       const char *name)
{
  static const char *const suffixes[] = { ".key", ".keyref", ".tss" };

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = file_path (private_dir, name, suffixes[i]);

      g_remove (path);
    }
}
