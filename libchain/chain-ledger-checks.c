/* chain-ledger-checks.c — checks the ledger's record types share
 *
 * How a refusal reads, typed access to body fields, artifacts, and the
 * certificate rules several types apply: a sub-CA within the policy and its
 * issuer chain (delegation, key rotation), an officer certificate (genesis,
 * officer, acceptance), who issued what.
 */
#include "chain-ledger-rules-private.h"
#include "chain-tpm2-evidence-private.h"
#include "chain-i18n-private.h"
#include "chain-cms-private.h"
#include "chain-verify.h"

#include <inttypes.h>
#include <string.h>

#define NAME_MAX_LEN 64

/* The policy the record is judged under: for a genesis, its own. */
const ChainPolicy *
chain_rule_get_policy (const ChainRuleCtx *ctx)
{
  return ctx->state->policy != NULL ? ctx->state->policy : ctx->new_policy;
}

/* The frame stays untranslated, only MESSAGE is: chain_ledger_error_dup_rule()
 * and the auditor find the rule id by "): rule " and "rule RULE: ". */
#define REFUSAL_FRAME "record %" G_GUINT64_FORMAT " (%s): rule %s: %s"

/* Fails with "record SEQ (TYPE): rule RULE: MESSAGE". */
gboolean G_GNUC_PRINTF (4, 5)
chain_rule_refuse (const ChainRuleCtx  *ctx,
                   GError             **error,
                   const char          *rule,
                   const char          *format,
                   ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_VERIFY, REFUSAL_FRAME,
               ctx->record->seq, ctx->type_name, rule, message);
  return FALSE;
}

/* For names from outside the ledger's checks: one line, bounded. */
char *
chain_rule_shown (const char *text)
{
  g_autofree char *escaped = g_strescape (text != NULL ? text : "", NULL);

  if (strlen (escaped) > 64)
    return g_strdup_printf ("%.61s...", escaped);
  return g_steal_pointer (&escaped);
}

char *
chain_rule_cert_label (const ChainCert *cert)
{
  g_autoptr(ChainName) subject = chain_cert_dup_subject (cert);
  g_autofree char *cn = chain_name_dup_common_name (subject);
  g_autofree char *text = NULL;

  if (cn != NULL)
    return chain_rule_shown (cn);
  text = chain_name_to_string (subject);
  return chain_rule_shown (text);
}

static char *
time_text (gint64 t)
{
  g_autoptr(GDateTime) date_time = g_date_time_new_from_unix_utc (t);

  return date_time != NULL ? g_date_time_format_iso8601 (date_time)
                           : g_strdup_printf ("%" G_GINT64_FORMAT, t);
}

/* ---- Body fields ---------------------------------------------------------- */

static gboolean
check_one_key_store (const ChainRuleCtx  *ctx,
                     const ChainPolicy   *policy,
                     const char          *tier,
                     const char          *path,
                     const char          *what,
                     const ChainJson     *value,
                     GError             **error)
{
  ChainKeyStore store = CHAIN_KEY_STORE_FILE;

  if (value != NULL
      && (chain_json_get_value_type (value) != CHAIN_JSON_STRING
          || !chain_key_store_from_string (chain_json_get_string (value), &store)))
    return chain_rule_refuse (ctx, error, "statement.body",
                              _("%s is not \"file\", \"pkcs11\" or \"tpm2\""), path);
  if (store == CHAIN_KEY_STORE_FILE && chain_policy_get_require_hardware_keys (policy, tier))
    return chain_rule_refuse (ctx, error, "key-store.hardware",
                              /* Translators: a tier name, then "ca" or "officer" (not translated). */
                              _("tier '%s' keeps its keys in hardware, but the %s key is a file: make it in a "
                                "PKCS#11 token or a TPM (--key-store)"), tier, what);
  return TRUE;
}

gboolean
chain_rule_check_key_stores (const ChainRuleCtx  *ctx,
                             const ChainPolicy   *policy,
                             const char          *tier,
                             const char *const   *names,
                             GError             **error)
{
  ChainJson *stores;

  if (names == NULL)
    return check_one_key_store (ctx, policy, tier, "body.key_store", "officer",
                                chain_json_object_get_member (ctx->body, "key_store"), error);
  stores = chain_json_object_get_member (ctx->body, "key_stores");
  if (stores != NULL && chain_json_get_value_type (stores) != CHAIN_JSON_OBJECT)
    return chain_rule_refuse (ctx, error, "statement.body", _("body.key_stores is not an object"));
  if (stores != NULL && !chain_rule_check_members (ctx, stores, "body.key_stores", names, error))
    return FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_strdup_printf ("body.key_stores.%s", names[i]);

      if (!check_one_key_store (ctx, policy, tier, path, names[i],
                                stores != NULL ? chain_json_object_get_member (stores, names[i]) : NULL, error))
        return FALSE;
    }
  return TRUE;
}

typedef STACK_OF(X509) X509_STACK;

static void
x509_stack_free (X509_STACK *stack)
{
  sk_X509_pop_free (stack, X509_free);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_STACK, x509_stack_free)

gboolean
chain_rule_check_tpm_evidence (const ChainRuleCtx  *ctx,
                               const ChainPolicy   *policy,
                               const char          *tier,
                               const char          *what,
                               EVP_PKEY            *spki,
                               GError             **error)
{
  g_autoptr(X509_STACK) roots = chain_policy_dup_tpm_ek_roots (policy, tier);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = what != NULL ? g_strdup_printf ("body.tpm_evidence.%s", what) : g_strdup ("body.tpm_evidence");
  ChainJson *evidence = chain_json_object_get_member (ctx->body, "tpm_evidence");
  ChainJson *store = what != NULL ? chain_json_object_get_member (ctx->body, "key_stores")
                                  : chain_json_object_get_member (ctx->body, "key_store");
  const char *rule = NULL;

  if (what != NULL && evidence != NULL)
    {
      static const char *const names[] = { "ca", "officer", NULL };

      if (chain_json_get_value_type (evidence) != CHAIN_JSON_OBJECT)
        return chain_rule_refuse (ctx, error, "tpm-evidence.format", _("body.tpm_evidence is not an object"));
      if (!chain_rule_check_members (ctx, evidence, "body.tpm_evidence", names, error))
        return FALSE;
      evidence = chain_json_object_get_member (evidence, what);
    }
  if (what != NULL && store != NULL && chain_json_get_value_type (store) == CHAIN_JSON_OBJECT)
    store = chain_json_object_get_member (store, what);
  if (evidence == NULL)
    {
      if (roots != NULL)
        return chain_rule_refuse (ctx, error, "tpm-evidence.required",
                                  /* Translators: a tier name, then "ca" or "officer" (not translated). */
                                  _("tier '%s' wants its keys certified by a trusted TPM, but the %s key has no TPM "
                                    "evidence: make it with --key-store tpm2 in a TPM with an EK certificate"),
                                  tier, what != NULL ? what : "officer");
      return TRUE;
    }
  if (store == NULL || chain_json_get_value_type (store) != CHAIN_JSON_STRING
      || g_strcmp0 (chain_json_get_string (store), "tpm2") != 0)
    return chain_rule_refuse (ctx, error, "tpm-evidence.format",
                              _("%s is there, but the key does not say it lives in a TPM (\"tpm2\")"), path);
  if (!chain_tpm2_evidence_check (evidence, spki, roots, &rule, &local_error))
    return chain_rule_refuse (ctx, error, rule, "%s: %s", path, local_error->message);
  return TRUE;
}

gboolean
chain_rule_check_members (const ChainRuleCtx  *ctx,
                          const ChainJson     *object,
                          const char          *path,
                          const char *const   *known,
                          GError             **error)
{
  for (gsize i = 0; i < chain_json_object_get_size (object); i++)
    {
      const char *key = chain_json_object_get_key_at (object, i);

      if (!g_strv_contains (known, key))
        {
          g_autofree char *name = chain_rule_shown (key);

          return chain_rule_refuse (ctx, error, "statement.body",
                                    _("%s has unknown field '%s'; a body of type %s has only the fields docs/ledger-format.md lists"),
                                    path, name, ctx->type_name);
        }
    }
  return TRUE;
}

ChainJson *
chain_rule_member (const ChainRuleCtx  *ctx,
                   const ChainJson     *object,
                   const char          *path,
                   const char          *key,
                   ChainJsonType        type,
                   GError             **error)
{
  ChainJson *value = chain_json_object_get_member (object, key);
  ChainJsonType actual;

  if (value == NULL)
    {
      chain_rule_refuse (ctx, error, "statement.body",
                         /* Translators: the first %s is a JSON path such as "body.custodian",
                          * the last a JSON type with its article, e.g. "an integer" */
                         _("%s field '%s' is missing; it must be %s"),
                         path, key, chain_json_type_to_phrase (type));
      return NULL;
    }
  actual = chain_json_get_value_type (value);
  if (actual != type)
    {
      chain_rule_refuse (ctx, error, "statement.body",
                         /* Translators: the first %s is a JSON path such as "body.custodian",
                          * the last two JSON types with their articles, e.g. "an integer" */
                         _("%s field '%s' is %s; it must be %s"),
                         path, key, chain_json_type_to_phrase (actual), chain_json_type_to_phrase (type));
      return NULL;
    }
  return value;
}

const char *
chain_rule_body_string (const ChainRuleCtx  *ctx,
                        const char          *key,
                        GError             **error)
{
  ChainJson *value = chain_rule_member (ctx, ctx->body, "body", key, CHAIN_JSON_STRING, error);

  return value != NULL ? chain_json_get_string (value) : NULL;
}

gboolean
chain_rule_body_integer (const ChainRuleCtx  *ctx,
                         const char          *key,
                         gint64              *out_value,
                         GError             **error)
{
  ChainJson *value = chain_rule_member (ctx, ctx->body, "body", key, CHAIN_JSON_INTEGER, error);

  if (value == NULL)
    return FALSE;
  *out_value = chain_json_get_integer (value);
  return TRUE;
}

static gboolean
is_display_name (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > NAME_MAX_LEN)
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* Reads {"id", "name", "tier"}. */
gboolean
chain_rule_read_custodian (const ChainRuleCtx  *ctx,
                           const char          *rule,
                           const char         **out_id,
                           const char         **out_name,
                           const char         **out_tier,
                           GError             **error)
{
  static const char *const known[] = { "id", "name", "tier", NULL };
  ChainJson *object = chain_rule_member (ctx, ctx->body, "body", "custodian", CHAIN_JSON_OBJECT, error);
  ChainJson *id;
  ChainJson *name;
  ChainJson *tier;
  g_autoptr(GError) local_error = NULL;

  if (object == NULL || !chain_rule_check_members (ctx, object, "body.custodian", known, error))
    return FALSE;
  id = chain_rule_member (ctx, object, "body.custodian", "id", CHAIN_JSON_STRING, error);
  name = id != NULL ? chain_rule_member (ctx, object, "body.custodian", "name", CHAIN_JSON_STRING, error) : NULL;
  tier = name != NULL ? chain_rule_member (ctx, object, "body.custodian", "tier", CHAIN_JSON_STRING, error) : NULL;
  if (tier == NULL)
    return FALSE;
  if (!chain_statement_check_custodian_id (chain_json_get_string (id), &local_error))
    return chain_rule_refuse (ctx, error, rule, "%s", local_error->message);
  if (!is_display_name (chain_json_get_string (name)))
    return chain_rule_refuse (ctx, error, rule,
                              _("custodian name must be 1 to %d bytes without control characters"), NAME_MAX_LEN);
  *out_id = chain_json_get_string (id);
  *out_name = chain_json_get_string (name);
  *out_tier = chain_json_get_string (tier);
  return TRUE;
}

/* ---- Artifacts -------------------------------------------------------------- */

GBytes *
chain_rule_artifact (const ChainRuleCtx *ctx,
                     const char         *name)
{
  GBytes *data = NULL;

  if (!chain_statement_get_artifact (ctx->st, name, NULL, NULL, &data))
    return NULL;
  return data;
}

ChainCert *
chain_rule_parse_cert (const ChainRuleCtx  *ctx,
                       const char          *name,
                       const char          *rule,
                       GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *data = chain_rule_artifact (ctx, name);
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  ChainCert *cert = chain_cert_parse (bytes, len, &local_error);

  if (cert == NULL)
    /* Translators: an artifact's file name, then why it does not parse */
    chain_rule_refuse (ctx, error, rule, _("%s: %s"), name, local_error->message);
  return cert;
}

/* ---- Certificates ------------------------------------------------------------ */

/* Whether @issuer's key signed @cert and the names and key ids link. */
gboolean
chain_rule_cert_issued_by (const ChainCert *cert,
                           const ChainCert *issuer)
{
  X509 *x = chain_cert_get_x509 (cert);
  X509 *i = chain_cert_get_x509 (issuer);
  EVP_PKEY *pkey = X509_get0_pubkey (i);
  gboolean ok;

  ok = pkey != NULL && X509_check_issued (i, x) == X509_V_OK && X509_verify (x, pkey) == 1;
  chain_openssl_clear_errors ();
  return ok;
}

/* The CA among @cas (ChainLedgerCa *) that issued @cert, or NULL. */
ChainLedgerCa *
chain_rule_find_issuer (GPtrArray       *cas,
                        const ChainCert *cert)
{
  for (guint i = 0; i < cas->len; i++)
    {
      ChainLedgerCa *ca = g_ptr_array_index (cas, i);

      if (chain_rule_cert_issued_by (cert, ca->cert))
        return ca;
    }
  return NULL;
}

/* The validity every certificate under @ca must stay inside. */
void
chain_rule_chain_window (ChainLedgerCa *ca,
                         gint64        *out_start,
                         gint64        *out_end)
{
  *out_start = G_MININT64;
  *out_end = G_MAXINT64;
  for (; ca != NULL; ca = ca->issuer)
    {
      *out_start = MAX (*out_start, chain_cert_get_not_before (ca->cert));
      *out_end = MIN (*out_end, chain_cert_get_not_after (ca->cert));
    }
}

static gboolean
check_window (const ChainRuleCtx  *ctx,
              const char          *rule,
              const ChainCert     *cert,
              ChainLedgerCa       *issuer,
              gint64               max_days,
              GError             **error)
{
  gint64 start;
  gint64 end;
  gint64 not_before = chain_cert_get_not_before (cert);
  gint64 not_after = chain_cert_get_not_after (cert);
  g_autofree char *label = chain_rule_cert_label (cert);

  if (not_after <= not_before)
    return chain_rule_refuse (ctx, error, rule, _("'%s' ends before it starts"), label);
  chain_rule_chain_window (issuer, &start, &end);
  if (not_before < start || not_after > end)
    {
      g_autofree char *from = time_text (start);
      g_autofree char *to = time_text (end);

      return chain_rule_refuse (ctx, error, rule,
                                _("'%s' is valid beyond its issuer chain (%s to %s); issue it inside that window"),
                                label, from, to);
    }
  if (not_after - not_before > max_days * DAY_SECONDS)
    return chain_rule_refuse (ctx, error, rule,
                              _("'%s' is valid for %" PRId64 " days; the policy allows at most %" PRId64),
                              label, (not_after - not_before + DAY_SECONDS - 1) / DAY_SECONDS, max_days);
  return TRUE;
}

/* OpenSSL's path validation of @cert under @issuer's chain at its start. */
static gboolean
check_chain (const ChainRuleCtx  *ctx,
             const char          *rule,
             ChainCert           *cert,
             ChainLedgerCa       *issuer,
             GError             **error)
{
  g_autoptr(GPtrArray) chain = chain_ledger_ca_get_chain (issuer);
  g_autoptr(GPtrArray) intermediates = g_ptr_array_new ();
  g_autoptr(GPtrArray) anchors = g_ptr_array_new ();
  g_autoptr(GError) local_error = NULL;
  ChainVerifyOptions options = CHAIN_VERIFY_OPTIONS_INIT;

  for (guint i = 0; i + 1 < chain->len; i++)
    g_ptr_array_add (intermediates, ((ChainLedgerCa *) g_ptr_array_index (chain, i))->cert);
  g_ptr_array_add (anchors, ((ChainLedgerCa *) g_ptr_array_index (chain, chain->len - 1))->cert);
  options.at_time = chain_cert_get_not_before (cert);
  if (!chain_verify (cert, intermediates, anchors, &options, NULL, &local_error))
    return chain_rule_refuse (ctx, error, rule, "%s", local_error->message);
  return TRUE;
}

NAME_CONSTRAINTS *
chain_rule_cert_nc (const ChainCert *cert)
{
  return X509_get_ext_d2i (chain_cert_get_x509 (cert), NID_name_constraints, NULL, NULL);
}

/* Whether a name lies inside @nc's permitted subtrees and outside its
 * excluded ones, as OpenSSL judges a subject. */
static gboolean
name_within (const X509_NAME  *name,
             NAME_CONSTRAINTS *nc)
{
  g_autoptr(X509) dummy = X509_new ();
  gboolean ok;

  ok = dummy != NULL && X509_set_subject_name (dummy, name) == 1
       && NAME_CONSTRAINTS_check (dummy, nc) == X509_V_OK;
  chain_openssl_clear_errors ();
  return ok;
}

/* Whether @nc has a permitted directoryName subtree. */
static gboolean
has_permitted_dirname (NAME_CONSTRAINTS *nc)
{
  for (int i = 0; nc != NULL && i < sk_GENERAL_SUBTREE_num (nc->permittedSubtrees); i++)
    if (sk_GENERAL_SUBTREE_value (nc->permittedSubtrees, i)->base->type == GEN_DIRNAME)
      return TRUE;
  return FALSE;
}

/* Path length, name constraints, validity, algorithm and profile of a
 * sub-CA certificate of @tier issued by @issuer: rules PREFIX.*. */
gboolean
chain_rule_check_sub_ca (const ChainRuleCtx  *ctx,
                         const char          *prefix,
                         ChainCert           *cert,
                         const char          *tier,
                         ChainLedgerCa       *issuer,
                         GError             **error)
{
  const ChainPolicy *policy = chain_rule_get_policy (ctx);
  g_autofree char *rule_profile = g_strdup_printf ("%s.profile", prefix);
  g_autofree char *rule_algorithm = g_strdup_printf ("%s.algorithm", prefix);
  g_autofree char *rule_path = g_strdup_printf ("%s.path-length", prefix);
  g_autofree char *rule_validity = g_strdup_printf ("%s.validity", prefix);
  g_autofree char *rule_nc = g_strdup_printf ("%s.name-constraints", prefix);
  g_autofree char *rule_chain = g_strdup_printf ("%s.chain", prefix);
  g_autofree char *label = chain_rule_cert_label (cert);
  g_autoptr(GPtrArray) chain = chain_ledger_ca_get_chain (issuer);
  X509 *x = chain_cert_get_x509 (cert);
  NAME_CONSTRAINTS *nc = NULL;
  int path_len = chain_cert_get_path_len (cert);
  int max_path_len = chain_policy_get_max_path_len (policy, tier);
  ChainKeyAlgorithm algorithm = chain_cert_get_key_algorithm (cert);
  gboolean ok = FALSE;

  if (!chain_cert_is_ca (cert)
      || (X509_get_extension_flags (x) & EXFLAG_KUSAGE) == 0
      || (X509_get_key_usage (x) & KU_KEY_CERT_SIGN) == 0)
    return chain_rule_refuse (ctx, error, rule_profile,
                              _("'%s' is not a CA certificate with keyCertSign; issue it with the sub-CA profile"), label);
  if (!chain_policy_allows_algorithm (policy, algorithm))
    return chain_rule_refuse (ctx, error, rule_algorithm, _("'%s' has a %s key, which the policy does not allow"),
                              label, chain_key_algorithm_to_string (algorithm));

  if (path_len == CHAIN_PATH_LEN_UNLIMITED)
    return chain_rule_refuse (ctx, error, rule_path,
                              _("'%s' has no path length constraint; tier '%s' allows at most %d"),
                              label, tier, max_path_len);
  if (path_len > max_path_len)
    return chain_rule_refuse (ctx, error, rule_path,
                              _("'%s' has path length %d; the policy allows tier '%s' at most %d"),
                              label, path_len, tier, max_path_len);
  for (guint depth = 0; depth < chain->len; depth++)
    {
      ChainLedgerCa *ancestor = g_ptr_array_index (chain, depth);
      int ancestor_len = chain_cert_get_path_len (ancestor->cert);

      if (ancestor_len >= 0 && path_len > ancestor_len - (int) (depth + 1))
        {
          g_autofree char *owner = chain_rule_cert_label (ancestor->cert);

          if (ancestor_len - (int) (depth + 1) < 0)
            return chain_rule_refuse (ctx, error, rule_path,
                                      _("'%s' is a CA, but '%s' (path length %d) allows no CA at this level"),
                                      label, owner, ancestor_len);
          return chain_rule_refuse (ctx, error, rule_path,
                                    _("'%s' has path length %d, but '%s' (path length %d) allows at most %d here"),
                                    label, path_len, owner, ancestor_len, ancestor_len - (int) (depth + 1));
        }
    }

  if (!check_window (ctx, rule_validity, cert, issuer,
                     chain_policy_get_max_validity_days (policy, tier), error))
    return FALSE;

  nc = chain_rule_cert_nc (cert);
  if (chain_policy_get_require_name_constraints (policy, tier) && !has_permitted_dirname (nc))
    {
      chain_rule_refuse (ctx, error, rule_nc,
                         _("'%s' carries no permitted directoryName constraint; the policy requires one for tier '%s'"),
                         label, tier);
      goto out;
    }
  for (guint depth = 0; depth < chain->len; depth++)
    {
      ChainLedgerCa *ancestor = g_ptr_array_index (chain, depth);
      g_autoptr(NAME_CONSTRAINTS) ancestor_nc = chain_rule_cert_nc (ancestor->cert);
      g_autofree char *owner = NULL;

      if (ancestor_nc == NULL)
        continue;
      owner = chain_rule_cert_label (ancestor->cert);
      if (!name_within (X509_get_subject_name (x), ancestor_nc))
        {
          chain_rule_refuse (ctx, error, rule_nc, _("the subject of '%s' is outside the name constraints of '%s'"),
                             label, owner);
          goto out;
        }
      for (int i = 0; nc != NULL && i < sk_GENERAL_SUBTREE_num (nc->permittedSubtrees); i++)
        {
          GENERAL_NAME *base = sk_GENERAL_SUBTREE_value (nc->permittedSubtrees, i)->base;

          if (base->type == GEN_DIRNAME && has_permitted_dirname (ancestor_nc)
              && !name_within (base->d.directoryName, ancestor_nc))
            {
              chain_rule_refuse (ctx, error, rule_nc,
                                 _("'%s' permits a directoryName subtree outside the name constraints of '%s'; narrow it"),
                                 label, owner);
              goto out;
            }
        }
    }

  ok = check_chain (ctx, rule_chain, cert, issuer, error);

out:
  NAME_CONSTRAINTS_free (nc);
  return ok;
}

/* An officer certificate: profile, algorithm, issued by @issuer inside its
 * chain. Rules PREFIX.profile, PREFIX.algorithm, PREFIX.issuer, or all
 * @single_rule when set. */
gboolean
chain_rule_check_officer_cert (const ChainRuleCtx  *ctx,
                               const char          *prefix,
                               const char          *single_rule,
                               ChainCert           *cert,
                               ChainLedgerCa       *issuer,
                               GError             **error)
{
  g_autofree char *rule_profile = single_rule != NULL ? g_strdup (single_rule) : g_strdup_printf ("%s.profile", prefix);
  g_autofree char *rule_algorithm = single_rule != NULL ? g_strdup (single_rule) : g_strdup_printf ("%s.algorithm", prefix);
  g_autofree char *rule_issuer = single_rule != NULL ? g_strdup (single_rule) : g_strdup_printf ("%s.issuer", prefix);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = chain_rule_cert_label (cert);
  g_autofree char *issuer_label = chain_rule_cert_label (issuer->cert);
  ChainKeyAlgorithm algorithm = chain_cert_get_key_algorithm (cert);
  gint64 start;
  gint64 end;

  if (!chain_cms_check_officer (cert, CHAIN_ERROR_VERIFY, &local_error))
    return chain_rule_refuse (ctx, error, rule_profile, "%s", local_error->message);
  if (!chain_policy_allows_algorithm (chain_rule_get_policy (ctx), algorithm))
    return chain_rule_refuse (ctx, error, rule_algorithm, _("officer '%s' has a %s key, which the policy does not allow"),
                              label, chain_key_algorithm_to_string (algorithm));
  if (!chain_rule_cert_issued_by (cert, issuer->cert))
    return chain_rule_refuse (ctx, error, rule_issuer, _("officer '%s' was not issued by '%s'; issue it from that CA"),
                              label, issuer_label);
  chain_rule_chain_window (issuer, &start, &end);
  if (chain_cert_get_not_before (cert) < start || chain_cert_get_not_after (cert) > end)
    return chain_rule_refuse (ctx, error, rule_issuer, _("officer '%s' is valid beyond the chain of '%s'; issue it inside that window"),
                              label, issuer_label);
  return check_chain (ctx, rule_issuer, cert, issuer, error);
}

/* Stages @cert's serial as issued by ctx->issued_by. */
gboolean
chain_rule_stage_serial (ChainRuleCtx     *ctx,
                         const ChainCert  *cert,
                         const char       *rule,
                         GError          **error)
{
  ChainSerialKey key;
  g_autofree char *label = chain_rule_cert_label (cert);

  if (!chain_ledger_cert_serial_key (cert, &key))
    return chain_rule_refuse (ctx, error, rule, _("'%s' has no positive serial number"), label);
  if (ctx->new_serials == NULL)
    ctx->new_serials = g_array_new (FALSE, FALSE, sizeof (ChainSerialKey));
  g_array_append_val (ctx->new_serials, key);
  return TRUE;
}

/* The author's CA with this thumbprint, or a refusal naming whose it is. */
ChainLedgerCa *
chain_rule_lookup_ca (const ChainRuleCtx  *ctx,
                      const char          *thumbprint,
                      const char          *rule,
                      gboolean             must_be_authors,
                      GError             **error)
{
  ChainLedgerCa *ca = g_hash_table_lookup (ctx->state->cas_by_thumbprint, thumbprint);
  g_autofree char *text = chain_rule_shown (thumbprint);

  if (ca == NULL)
    {
      chain_rule_refuse (ctx, error, rule, _("CA %.16s... is no CA of this ledger; name a CA by its SHA-256 thumbprint"), text);
      return NULL;
    }
  if (must_be_authors && ca->owner != ctx->author)
    {
      g_autofree char *label = chain_rule_cert_label (ca->cert);

      chain_rule_refuse (ctx, error, rule, _("CA '%s' belongs to '%s', not to '%s'; a custodian acts only with its own CAs"),
                         label, ca->owner->id, ctx->author->id);
      return NULL;
    }
  return ca;
}

ChainLedgerRequest *
chain_rule_lookup_request (const ChainRuleCtx  *ctx,
                           const char          *id,
                           const char          *rule,
                           GError             **error)
{
  ChainLedgerRequest *request = g_hash_table_lookup (ctx->state->requests_by_id, id);
  g_autofree char *text = chain_rule_shown (id);

  if (request == NULL)
    chain_rule_refuse (ctx, error, rule, _("statement %s is no delegation request of this ledger"), text);
  return request;
}

/* The author's CA that issued @cert, refusing foreign, retired and
 * revoked issuers with rules PREFIX.issuer and PREFIX.issuer-revoked. */
ChainLedgerCa *
chain_rule_issuer_of (const ChainRuleCtx  *ctx,
                      const char          *prefix,
                      ChainCustodian      *custodian,
                      ChainCert           *cert,
                      GError             **error)
{
  g_autofree char *rule = g_strdup_printf ("%s.issuer", prefix);
  g_autofree char *rule_revoked = g_strdup_printf ("%s.issuer-revoked", prefix);
  g_autofree char *label = chain_rule_cert_label (cert);
  ChainLedgerCa *issuer = chain_rule_find_issuer (custodian->cas, cert);
  ChainLedgerCa *other;

  if (issuer == NULL)
    {
      other = chain_rule_find_issuer (ctx->state->cas, cert);
      if (other != NULL)
        {
          g_autofree char *other_label = chain_rule_cert_label (other->cert);

          chain_rule_refuse (ctx, error, rule, _("'%s' was issued by '%s' of '%s', not by a CA of '%s'"),
                             label, other_label, other->owner->id, custodian->id);
        }
      else
        chain_rule_refuse (ctx, error, rule, _("'%s' was issued by no CA of '%s'"), label, custodian->id);
      return NULL;
    }
  if (chain_ledger_ca_is_revoked (issuer))
    {
      g_autofree char *issuer_label = chain_rule_cert_label (issuer->cert);

      chain_rule_refuse (ctx, error, rule_revoked, _("'%s' was issued by '%s', which is revoked"), label, issuer_label);
      return NULL;
    }
  if (issuer->retired)
    {
      g_autofree char *issuer_label = chain_rule_cert_label (issuer->cert);

      chain_rule_refuse (ctx, error, rule, _("'%s' was issued by '%s', which key rotation retired; issue from the current CA"),
                         label, issuer_label);
      return NULL;
    }
  return issuer;
}
