/* chain-cert-verifier.c — a CA key checking many certificates' signatures
 *
 * ECDSA with SHA-256 from an EC key, what libchain issues, takes the short
 * way: the SHA-256 of the TBS bytes, then EVP_PKEY_verify() on a context
 * set up once (contexts are not shared between threads, so idle ones wait
 * in a small pool). It makes X509_verify()'s checks: the two signature
 * algorithm fields equal, the algorithm fitting the key, no unused bits in
 * the signature; OpenSSL's provider then decodes the signature as
 * X509_verify() has it do. Any other algorithm goes to X509_verify().
 */
#include "chain-cert-verifier-private.h"
#include "chain-openssl-private.h"
#include "chain-pki-private.h"

#include <openssl/objects.h>
#include <openssl/sha.h>

struct _ChainCertVerifier {
  EVP_PKEY  *key;
  gboolean   is_ec;
  GMutex     lock;
  GPtrArray *idle;   /* EVP_PKEY_CTX *, set up for verifying with key */
};

static void
pkey_ctx_free (gpointer data)
{
  EVP_PKEY_CTX_free (data);
}

ChainCertVerifier *
chain_cert_verifier_new (EVP_PKEY *issuer_key)
{
  ChainCertVerifier *self;

  g_return_val_if_fail (issuer_key != NULL, NULL);

  self = g_new0 (ChainCertVerifier, 1);
  EVP_PKEY_up_ref (issuer_key);
  self->key = issuer_key;
  self->is_ec = EVP_PKEY_is_a (issuer_key, "EC");
  g_mutex_init (&self->lock);
  self->idle = g_ptr_array_new_with_free_func (pkey_ctx_free);
  return self;
}

void
chain_cert_verifier_free (ChainCertVerifier *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->idle);
  g_mutex_clear (&self->lock);
  EVP_PKEY_free (self->key);
  g_free (self);
}

/* A context verifying SHA-256 digests with the key: an idle one or a new
 * one; NULL if OpenSSL cannot make one. */
static EVP_PKEY_CTX *
take_ctx (ChainCertVerifier *self)
{
  EVP_PKEY_CTX *ctx = NULL;

  g_mutex_lock (&self->lock);
  if (self->idle->len > 0)
    ctx = g_ptr_array_steal_index_fast (self->idle, self->idle->len - 1);
  g_mutex_unlock (&self->lock);
  if (ctx != NULL)
    return ctx;
  ctx = EVP_PKEY_CTX_new_from_pkey (NULL, self->key, NULL);
  if (ctx == NULL || EVP_PKEY_verify_init (ctx) <= 0 || EVP_PKEY_CTX_set_signature_md (ctx, EVP_sha256 ()) <= 0)
    {
      EVP_PKEY_CTX_free (ctx);
      return NULL;
    }
  return ctx;
}

static void
give_back_ctx (ChainCertVerifier *self,
               EVP_PKEY_CTX      *ctx)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->idle, ctx);
  g_mutex_unlock (&self->lock);
}

/* Length of the DER element at @p (at most @left bytes) with its header,
 * or 0 unless it is a well-formed SEQUENCE. */
static gsize
der_sequence_len (const guint8 *p,
                  gsize         left)
{
  gsize header = 2;
  gsize len;

  if (left < 2 || p[0] != 0x30)
    return 0;
  len = p[1];
  if (len & 0x80)
    {
      guint n = len & 0x7f;

      if (n == 0 || n > 4 || left < 2 + n)
        return 0;
      len = 0;
      for (guint i = 0; i < n; i++)
        len = (len << 8) | p[2 + i];
      header += n;
    }
  if (len > left - header)
    return 0;
  return header + len;
}

/* The TBSCertificate inside a certificate's DER, or FALSE. */
static gboolean
find_tbs (const guint8  *der,
          gsize          der_len,
          const guint8 **out_tbs,
          gsize         *out_len)
{
  gsize outer = der_sequence_len (der, der_len);
  gsize header;
  gsize tbs_len;

  if (outer != der_len)
    return FALSE;
  header = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
  tbs_len = der_sequence_len (der + header, der_len - header);
  if (tbs_len == 0)
    return FALSE;
  *out_tbs = der + header;
  *out_len = tbs_len;
  return TRUE;
}

gboolean
chain_cert_verifier_check (ChainCertVerifier *self,
                           X509              *x,
                           const guint8      *der,
                           gsize              der_len)
{
  const ASN1_BIT_STRING *signature = NULL;
  const X509_ALGOR *algorithm = NULL;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const guint8 *tbs = NULL;
  gsize tbs_len = 0;
  EVP_PKEY_CTX *ctx;
  int md_nid = NID_undef;
  int key_nid = NID_undef;
  gboolean ok;

  g_return_val_if_fail (self != NULL && x != NULL && der != NULL, FALSE);

  X509_get0_signature (&signature, &algorithm, x);
  if (X509_ALGOR_cmp (algorithm, X509_get0_tbs_sigalg (x)) != 0)
    return FALSE;
  if (!self->is_ec
      || !OBJ_find_sigid_algs (OBJ_obj2nid (algorithm->algorithm), &md_nid, &key_nid)
      || md_nid != NID_sha256 || key_nid != NID_X9_62_id_ecPublicKey
      || !find_tbs (der, der_len, &tbs, &tbs_len))
    {
      ok = X509_verify (x, self->key) == 1;
      chain_openssl_clear_errors ();
      return ok;
    }
  /* As ASN1_item_verify(): a signature is whole bytes. */
  if ((signature->flags & 0x7) != 0)
    return FALSE;
  ctx = take_ctx (self);
  if (ctx == NULL)
    {
      chain_openssl_clear_errors ();
      return FALSE;
    }
  chain_sha256 (tbs, tbs_len, digest);
  ok = EVP_PKEY_verify (ctx, ASN1_STRING_get0_data (signature), (size_t) ASN1_STRING_length (signature),
                        digest, sizeof digest) == 1;
  give_back_ctx (self, ctx);
  chain_openssl_clear_errors ();
  return ok;
}
