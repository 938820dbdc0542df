/* chain-tpm2-evidence.c — having the TPM certify a key it made (TPM2_Certify) */
#include "chain-tpm2-evidence-private.h"
#include "chain-error.h"
#include "chain-i18n-private.h"
#include "chain-openssl-private.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/pem.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

/* TCG EK Credential Profile: where a TPM keeps its EK certificates (RSA
 * 2048, ECC P-256, ECC P-384 of the high range). */
static const TPM2_HANDLE ek_cert_indices[] = { 0x01c00002, 0x01c0000a, 0x01c00016 };

/* The TSS2 PRIVATE KEY's type (TPM 2.0 Key File spec): a loadable key. */
#define LOADABLE_KEY_OID "2.23.133.10.1.3"

/* The storage primary the tpm2-openssl provider loads its keys under
 * (parent TPM2_RH_OWNER): the same template gives the same key, so the
 * provider's blobs load here too. The provider takes ECC when the TPM has it. */
static const TPM2B_PUBLIC storage_template = {
  .publicArea = {
    .type = TPM2_ALG_ECC,
    .nameAlg = TPM2_ALG_SHA256,
    .objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT
                        | TPMA_OBJECT_NODA | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT
                        | TPMA_OBJECT_SENSITIVEDATAORIGIN,
    .parameters.eccDetail = {
      .symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB },
      .scheme = { .scheme = TPM2_ALG_NULL },
      .curveID = TPM2_ECC_NIST_P256,
      .kdf = { .scheme = TPM2_ALG_NULL },
    },
  },
};

/* The attestation key: a restricted ECDSA P-256 signing key, a primary of
 * the endorsement hierarchy (the same one every time on one TPM). */
static const TPM2B_PUBLIC ak_template = {
  .publicArea = {
    .type = TPM2_ALG_ECC,
    .nameAlg = TPM2_ALG_SHA256,
    .objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT
                        | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN,
    .parameters.eccDetail = {
      .symmetric = { .algorithm = TPM2_ALG_NULL },
      .scheme = { .scheme = TPM2_ALG_ECDSA, .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
      .curveID = TPM2_ECC_NIST_P256,
      .kdf = { .scheme = TPM2_ALG_NULL },
    },
  },
};

typedef struct {
  TSS2_TCTI_CONTEXT *tcti;
  ESYS_CONTEXT *esys;
  ESYS_TR storage;
  ESYS_TR key;
  ESYS_TR ak;
} Session;

static void
session_close (Session *self)
{
  ESYS_TR *loaded[] = { &self->key, &self->storage, &self->ak };

  for (guint i = 0; self->esys != NULL && i < G_N_ELEMENTS (loaded); i++)
    if (*loaded[i] != ESYS_TR_NONE)
      Esys_FlushContext (self->esys, *loaded[i]);
  if (self->esys != NULL)
    Esys_Finalize (&self->esys);
  if (self->tcti != NULL)
    Tss2_TctiLdr_Finalize (&self->tcti);
}

static gboolean
tss_failed (TSS2_RC rc,
            const char *what,
            GError **error)
{
  if (rc == TSS2_RC_SUCCESS)
    return FALSE;
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_FAILED,
               /* Translators: a TPM command (TPM2_Certify), then the TPM's response code. */
               _("the TPM refused %s (response code 0x%x): the key has no evidence that it is the TPM's own"),
               what, rc);
  return TRUE;
}

static void
set_base64 (ChainJson    *object,
            const char   *name,
            const guint8 *data,
            gsize         len)
{
  g_autofree char *text = g_base64_encode (data, len);

  chain_json_object_set_string (object, name, text);
}

gboolean
chain_tpm2_evidence_split_blob (GBytes  *pem,
                                GBytes **out_public,
                                GBytes **out_private)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (pem, &len);
  BIO *bio = BIO_new_mem_buf (data, (int) MIN (len, (gsize) G_MAXINT));
  char *name = NULL;
  char *header = NULL;
  unsigned char *der = NULL;
  long der_len = 0;
  const unsigned char *p;
  STACK_OF(ASN1_TYPE) *items = NULL;
  gboolean ok = FALSE;

  if (bio == NULL || !PEM_read_bio (bio, &name, &header, &der, &der_len) || strcmp (name, "TSS2 PRIVATE KEY") != 0)
    goto out;
  p = der;
  items = d2i_ASN1_SEQUENCE_ANY (NULL, &p, der_len);
  /* type, [0] emptyAuth (optional), parent, pubkey, privkey */
  if (items != NULL && sk_ASN1_TYPE_num (items) >= 4)
    {
      int n = sk_ASN1_TYPE_num (items);
      ASN1_TYPE *type = sk_ASN1_TYPE_value (items, 0);
      ASN1_TYPE *parent = sk_ASN1_TYPE_value (items, n - 3);
      ASN1_TYPE *pub = sk_ASN1_TYPE_value (items, n - 2);
      ASN1_TYPE *priv = sk_ASN1_TYPE_value (items, n - 1);
      char oid[64] = "";
      uint64_t parent_handle = 0;

      if (type->type == V_ASN1_OBJECT && OBJ_obj2txt (oid, sizeof oid, type->value.object, 1) > 0
          && strcmp (oid, LOADABLE_KEY_OID) == 0
          && parent->type == V_ASN1_INTEGER && ASN1_INTEGER_get_uint64 (&parent_handle, parent->value.integer)
          && (parent_handle == TPM2_RH_OWNER || parent_handle == 0)
          && pub->type == V_ASN1_OCTET_STRING && priv->type == V_ASN1_OCTET_STRING)
        {
          *out_public = g_bytes_new (ASN1_STRING_get0_data (pub->value.octet_string),
                                     (gsize) ASN1_STRING_length (pub->value.octet_string));
          *out_private = g_bytes_new (ASN1_STRING_get0_data (priv->value.octet_string),
                                      (gsize) ASN1_STRING_length (priv->value.octet_string));
          ok = TRUE;
        }
    }
out:
  sk_ASN1_TYPE_pop_free (items, ASN1_TYPE_free);
  OPENSSL_free (name);
  OPENSSL_free (header);
  OPENSSL_free (der);
  BIO_free (bio);
  return ok;
}

static gboolean
session_open (Session    *self,
              const char *tcti,
              GError    **error)
{
  if (Tss2_TctiLdr_Initialize (tcti, &self->tcti) != TSS2_RC_SUCCESS
      || Esys_Initialize (&self->esys, self->tcti, NULL) != TSS2_RC_SUCCESS)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   /* Translators: %s is the TCTI setting, e.g. swtpm:host=127.0.0.1,port=2321. */
                   _("cannot reach the TPM (%s) to certify the new key: start it, or set TPM2OPENSSL_TCTI"),
                   tcti != NULL ? tcti : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_key (Session *self,
          GBytes  *public_area,
          GBytes  *private_area,
          GError **error)
{
  static const TPM2B_SENSITIVE_CREATE no_auth = { 0 };
  static const TPM2B_DATA no_data = { 0 };
  static const TPML_PCR_SELECTION no_pcrs = { 0 };
  TPM2B_PUBLIC pub = { 0 };
  TPM2B_PRIVATE priv = { 0 };
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (public_area, &len);

  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal (data, len, NULL, &pub) != TSS2_RC_SUCCESS
      || (data = g_bytes_get_data (private_area, &len),
          Tss2_MU_TPM2B_PRIVATE_Unmarshal (data, len, NULL, &priv) != TSS2_RC_SUCCESS))
    {
      g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("the TPM's wrapped key is not readable"));
      return FALSE;
    }
  return !tss_failed (Esys_CreatePrimary (self->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                          &no_auth, &storage_template, &no_data, &no_pcrs, &self->storage,
                                          NULL, NULL, NULL, NULL), "TPM2_CreatePrimary", error)
         && !tss_failed (Esys_Load (self->esys, self->storage, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                    &priv, &pub, &self->key), "TPM2_Load", error)
         && !tss_failed (Esys_CreatePrimary (self->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                             ESYS_TR_NONE, &no_auth, &ak_template, &no_data, &no_pcrs, &self->ak,
                                             NULL, NULL, NULL, NULL), "TPM2_CreatePrimary", error);
}

/* The first EK certificate the TPM holds, or NULL. */
static GBytes *
read_ek_certificate (Session *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (ek_cert_indices); i++)
    {
      ESYS_TR index = ESYS_TR_NONE;
      TPM2B_NV_PUBLIC *nv_public = NULL;
      GByteArray *cert;
      guint16 size;

      if (Esys_TR_FromTPMPublic (self->esys, ek_cert_indices[i], ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                 &index) != TSS2_RC_SUCCESS)
        continue;
      if (Esys_NV_ReadPublic (self->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv_public, NULL)
          != TSS2_RC_SUCCESS)
        {
          Esys_TR_Close (self->esys, &index);
          continue;
        }
      size = MIN (nv_public->nvPublic.dataSize, CHAIN_TPM2_EVIDENCE_MAX_CERT);
      Esys_Free (nv_public);
      cert = g_byte_array_sized_new (size);
      /* 512 bytes a read: under every TPM's TPM_PT_NV_BUFFER_MAX. */
      while (cert->len < size)
        {
          TPM2B_MAX_NV_BUFFER *chunk = NULL;
          guint16 n = MIN (512, size - cert->len);

          if (Esys_NV_Read (self->esys, index, index, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
                            (guint16) cert->len, &chunk) != TSS2_RC_SUCCESS)
            break;
          g_byte_array_append (cert, chunk->buffer, chunk->size);
          Esys_Free (chunk);
        }
      Esys_TR_Close (self->esys, &index);
      if (size > 0 && cert->len == size)
        return g_byte_array_free_to_bytes (cert);
      g_byte_array_unref (cert);
    }
  return NULL;
}

static gboolean
marshal_public (const TPMT_PUBLIC *area,
                guint8            *buffer,
                gsize             *len)
{
  size_t offset = 0;

  if (Tss2_MU_TPMT_PUBLIC_Marshal (area, buffer, CHAIN_TPM2_EVIDENCE_MAX_STRUCT, &offset) != TSS2_RC_SUCCESS)
    return FALSE;
  *len = offset;
  return TRUE;
}

static ChainJson *
certify (Session *self,
         GError **error)
{
  static const TPM2B_DATA no_data = { 0 };
  static const TPMT_SIG_SCHEME ak_scheme = { .scheme = TPM2_ALG_NULL };
  g_autoptr(ChainJson) evidence = chain_json_new_object ();
  g_autoptr(GBytes) ek_cert = NULL;
  TPM2B_ATTEST *attest = NULL;
  TPMT_SIGNATURE *signature = NULL;
  TPM2B_PUBLIC *key_public = NULL;
  TPM2B_PUBLIC *ak_public = NULL;
  TPM2B_NAME *parent_name = NULL;
  guint8 buffer[CHAIN_TPM2_EVIDENCE_MAX_STRUCT];
  size_t len = 0;
  gboolean ok;

  ok = !tss_failed (Esys_Certify (self->esys, self->key, self->ak, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                  &no_data, &ak_scheme, &attest, &signature), "TPM2_Certify", error)
       && !tss_failed (Esys_ReadPublic (self->esys, self->key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                        &key_public, NULL, NULL), "TPM2_ReadPublic", error)
       && !tss_failed (Esys_ReadPublic (self->esys, self->ak, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                        &ak_public, NULL, NULL), "TPM2_ReadPublic", error)
       && !tss_failed (Esys_TR_GetName (self->esys, self->storage, &parent_name), "TPM2_ReadPublic", error);
  if (ok)
    {
      gsize n = 0;

      ok = marshal_public (&key_public->publicArea, buffer, &n);
      if (ok)
        set_base64 (evidence, "key", buffer, n);
      set_base64 (evidence, "parent_name", parent_name->name, parent_name->size);
      set_base64 (evidence, "attest", attest->attestationData, attest->size);
      ok = ok && Tss2_MU_TPMT_SIGNATURE_Marshal (signature, buffer, sizeof buffer, &len) == TSS2_RC_SUCCESS;
      if (ok)
        set_base64 (evidence, "signature", buffer, len);
      ok = ok && marshal_public (&ak_public->publicArea, buffer, &n);
      if (ok)
        set_base64 (evidence, "ak", buffer, n);
      if (!ok)
        g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_FAILED, _("cannot write the TPM's evidence"));
    }
  Esys_Free (attest);
  Esys_Free (signature);
  Esys_Free (key_public);
  Esys_Free (ak_public);
  Esys_Free (parent_name);
  if (!ok)
    return NULL;
  ek_cert = read_ek_certificate (self);
  if (ek_cert != NULL)
    set_base64 (evidence, "ek_certificate", g_bytes_get_data (ek_cert, NULL), g_bytes_get_size (ek_cert));
  return g_steal_pointer (&evidence);
}

ChainJson *
chain_tpm2_evidence_make (const char  *tcti,
                          GBytes      *public_area,
                          GBytes      *private_area,
                          GError     **error)
{
  Session session = { .storage = ESYS_TR_NONE, .key = ESYS_TR_NONE, .ak = ESYS_TR_NONE };
  ChainJson *evidence = NULL;

  if (session_open (&session, tcti, error) && load_key (&session, public_area, private_area, error))
    evidence = certify (&session, error);
  session_close (&session);
  return evidence;
}
