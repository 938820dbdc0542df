/* chain-name-constraints.c — RFC 5280 name constraints, as text and as DER
 *
 * Values are checked here rather than left to whoever verifies a chain: a
 * constraint that no verifier reads the way its author meant ("*.example.com",
 * "https://example.com", "10.0.0.1/8") restricts nothing, or everything.
 */
#include "chain-pki-private.h"
#include "chain-i18n-private.h"

#include <arpa/inet.h>
#include <string.h>

/* The longest text chain_name_constraints_parse() reads. */
#define CONSTRAINTS_TEXT_MAX_LEN (64 * 1024)
/* The longest single TYPE:VALUE; a dirName may take 1024 bytes itself. */
#define GENERAL_NAME_MAX_LEN 1100

/* Translators: examples of name constraints; keep each TYPE:VALUE as it is
 * and translate only the list's "or". */
#define ACCEPTED_FORMS \
  N_("DNS:factory.example.com, email:example.com, IP:10.0.0.0/8, URI:.example.com or dirName:O=Widget Ltd,C=DE")

struct _ChainNameConstraints {
  NAME_CONSTRAINTS *nc;
};

ChainNameConstraints *
chain_name_constraints_new (void)
{
  NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new ();

  if (nc == NULL)
    g_error ("chain_name_constraints_new: out of memory");
  return chain_name_constraints_new_take (nc);
}

/* A host name, optionally with a leading '.' meaning "any host below". */
static gboolean
is_dns_name (const char *s,
             gboolean    allow_leading_dot)
{
  gsize len = strlen (s);
  gsize label_len = 0;

  if (allow_leading_dot && *s == '.')
    {
      s++;
      len--;
    }
  if (len == 0 || len > 253)
    return FALSE;

  for (gsize i = 0; i <= len; i++)
    {
      char c = s[i];

      if (c == '.' || c == '\0')
        {
          if (label_len == 0 || label_len > 63 || s[i - 1] == '-')
            return FALSE;
          label_len = 0;
        }
      else if (g_ascii_isalnum (c) || (c == '-' && label_len > 0))
        label_len++;
      else
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_email_constraint (const char *s)
{
  const char *at = strchr (s, '@');

  if (at == NULL)
    return is_dns_name (s, TRUE);
  if (at == s || at - s > 64 || strchr (at + 1, '@') != NULL)
    return FALSE;
  for (const char *p = s; p < at; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f)
      return FALSE;
  return is_dns_name (at + 1, FALSE);
}

static ASN1_IA5STRING *
ia5_new (const char *value)
{
  ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new ();

  if (ia5 != NULL && !ASN1_STRING_set (ia5, value, (int) strlen (value)))
    {
      ASN1_IA5STRING_free (ia5);
      return NULL;
    }
  return ia5;
}

/* "a.b.c.d/n" or "v6/n" as address followed by mask, RFC 5280 4.2.1.10. */
static ASN1_OCTET_STRING *
parse_ip_subnet (const char *value,
                 GError    **error)
{
  g_autofree char *address_text = NULL;
  const char *slash = strchr (value, '/');
  const char *prefix_text;
  guint8 bytes[32] = { 0 };
  gsize n;
  guint64 prefix = 0;
  int family;
  ASN1_OCTET_STRING *octets;

  if (slash == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("IP constraints need a prefix length, such as IP:10.0.0.0/8 or IP:2001:db8::/32"));
      return NULL;
    }
  address_text = g_strndup (value, (gsize) (slash - value));
  prefix_text = slash + 1;
  family = strchr (address_text, ':') != NULL ? AF_INET6 : AF_INET;
  n = family == AF_INET6 ? 16 : 4;
  if (inet_pton (family, address_text, bytes) != 1)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("IP constraint has no valid IPv4 or IPv6 address before '/'; write it as IP:10.0.0.0/8 or IP:2001:db8::/32"));
      return NULL;
    }
  if (*prefix_text == '\0' || strlen (prefix_text) > 3
      || (prefix_text[0] == '0' && prefix_text[1] != '\0')
      || !g_ascii_string_to_unsigned (prefix_text, 10, 0, n * 8, &prefix, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("IP constraint prefix length must be a number from 0 to %u"), (guint) (n * 8));
      return NULL;
    }
  for (gsize i = 0; i < n; i++)
    {
      guint bits = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? (guint) (prefix - i * 8) : 0;
      guint8 mask = (guint8) (0xff00 >> bits);

      if ((bytes[i] & ~mask) != 0)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("IP constraint address has bits set beyond its /%u prefix; clear the host part of the address"),
                       (guint) prefix);
          return NULL;
        }
      bytes[n + i] = mask;
    }

  octets = ASN1_OCTET_STRING_new ();
  if (octets == NULL || !ASN1_OCTET_STRING_set (octets, bytes, (int) (2 * n)))
    {
      ASN1_OCTET_STRING_free (octets);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("Could not encode an IP constraint"));
      return NULL;
    }
  return octets;
}

/* TYPE:VALUE into a GENERAL_NAME. */
static GENERAL_NAME *
parse_general_name (const char *text,
                    GError    **error)
{
  g_autoptr(GENERAL_NAME) general_name = NULL;
  g_autofree char *type = NULL;
  const char *colon;
  const char *value;
  int gen_type;
  void *gen_value = NULL;

  if (text == NULL || strnlen (text, GENERAL_NAME_MAX_LEN + 1) > GENERAL_NAME_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the %s is a list of examples such as "DNS:factory.example.com" */
                   _("Name constraint is missing or longer than %d bytes; write one of %s"),
                   GENERAL_NAME_MAX_LEN, _(ACCEPTED_FORMS));
      return NULL;
    }
  colon = strchr (text, ':');
  if (colon == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: TYPE is a placeholder; the %s is a list of examples */
                   _("Name constraint has no TYPE: prefix; write one of %s"), _(ACCEPTED_FORMS));
      return NULL;
    }
  type = g_strndup (text, (gsize) (colon - text));
  value = colon + 1;
  if (*value == '\0')
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the %s is a list of examples such as "DNS:factory.example.com" */
                   _("Name constraint has an empty value; write one of %s"), _(ACCEPTED_FORMS));
      return NULL;
    }

  if (g_ascii_strcasecmp (type, "DNS") == 0)
    {
      if (!is_dns_name (value, TRUE))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("DNS constraint is not a host or domain name; write it as DNS:factory.example.com (letters, digits, '-' and '.', no wildcards)"));
          return NULL;
        }
      gen_type = GEN_DNS;
      gen_value = ia5_new (value);
    }
  else if (g_ascii_strcasecmp (type, "email") == 0 || g_ascii_strcasecmp (type, "rfc822") == 0)
    {
      if (!is_email_constraint (value))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("email constraint must be a mailbox, a host or a domain: email:ops@example.com, email:example.com or email:.example.com"));
          return NULL;
        }
      gen_type = GEN_EMAIL;
      gen_value = ia5_new (value);
    }
  else if (g_ascii_strcasecmp (type, "URI") == 0)
    {
      if (!is_dns_name (value, TRUE))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("URI constraints name a host or a domain, not a full URI; write URI:host.example.com or URI:.example.com"));
          return NULL;
        }
      gen_type = GEN_URI;
      gen_value = ia5_new (value);
    }
  else if (g_ascii_strcasecmp (type, "IP") == 0)
    {
      gen_type = GEN_IPADD;
      gen_value = parse_ip_subnet (value, error);
      if (gen_value == NULL)
        return NULL;
    }
  else if (g_ascii_strcasecmp (type, "dirName") == 0)
    {
      g_autoptr(ChainName) name = chain_name_parse (value, error);

      if (name == NULL)
        {
          g_prefix_error (error, _("dirName constraint: "));
          return NULL;
        }
      gen_type = GEN_DIRNAME;
      gen_value = X509_NAME_dup (chain_name_get_x509_name (name));
    }
  else
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the %s is a list of examples such as "DNS:factory.example.com" */
                   _("Unknown name constraint type; write one of %s"), _(ACCEPTED_FORMS));
      return NULL;
    }

  general_name = GENERAL_NAME_new ();
  if (gen_value == NULL || general_name == NULL)
    {
      if (gen_type == GEN_DIRNAME)
        X509_NAME_free (gen_value);
      else
        ASN1_STRING_free (gen_value);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("Could not encode a name constraint"));
      return NULL;
    }
  GENERAL_NAME_set0_value (general_name, gen_type, gen_value);
  return g_steal_pointer (&general_name);
}

gboolean
chain_name_constraints_add (ChainNameConstraints   *self,
                            ChainNameConstraintKind kind,
                            const char             *general_name,
                            GError                **error)
{
  STACK_OF(GENERAL_SUBTREE) **subtrees;
  GENERAL_NAME *base = NULL;
  GENERAL_SUBTREE *subtree = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (kind == CHAIN_NAME_CONSTRAINT_PERMITTED
                        || kind == CHAIN_NAME_CONSTRAINT_EXCLUDED, FALSE);

  base = parse_general_name (general_name, error);
  if (base == NULL)
    return FALSE;

  subtrees = kind == CHAIN_NAME_CONSTRAINT_PERMITTED
             ? &self->nc->permittedSubtrees : &self->nc->excludedSubtrees;
  /* Created on first use: RFC 5280 forbids an empty subtree list. */
  if (*subtrees == NULL)
    *subtrees = sk_GENERAL_SUBTREE_new_null ();
  subtree = GENERAL_SUBTREE_new ();
  if (*subtrees == NULL || subtree == NULL)
    {
      GENERAL_NAME_free (base);
      GENERAL_SUBTREE_free (subtree);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("Could not add a name constraint"));
      return FALSE;
    }
  /* GENERAL_SUBTREE_new() allocates an empty base of its own. */
  GENERAL_NAME_free (subtree->base);
  subtree->base = base;
  if (sk_GENERAL_SUBTREE_push (*subtrees, subtree) <= 0)
    {
      GENERAL_SUBTREE_free (subtree);
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("Could not add a name constraint"));
      return FALSE;
    }
  return TRUE;
}

/* Whether text[i] is escaped by an odd run of backslashes before it. */
static gboolean
is_escaped (const char *text,
            gsize       start,
            gsize       i)
{
  gsize n = 0;

  while (i > start + n && text[i - n - 1] == '\\')
    n++;
  return n % 2 == 1;
}

static gboolean
parse_entry (ChainNameConstraints *self,
             const char           *entry,
             GError              **error)
{
  const char *colon = strchr (entry, ':');
  gsize kind_len = colon != NULL ? (gsize) (colon - entry) : 0;
  ChainNameConstraintKind kind;

  if (colon != NULL && kind_len == strlen ("permitted")
      && g_ascii_strncasecmp (entry, "permitted", kind_len) == 0)
    kind = CHAIN_NAME_CONSTRAINT_PERMITTED;
  else if (colon != NULL && kind_len == strlen ("excluded")
           && g_ascii_strncasecmp (entry, "excluded", kind_len) == 0)
    kind = CHAIN_NAME_CONSTRAINT_EXCLUDED;
  else
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Name constraint must start with permitted: or excluded:, as in permitted:DNS:example.com"));
      return FALSE;
    }
  return chain_name_constraints_add (self, kind, colon + 1, error);
}

ChainNameConstraints *
chain_name_constraints_parse (const char *text,
                              GError    **error)
{
  g_autoptr(ChainNameConstraints) self = NULL;
  gsize len;
  gsize start = 0;
  guint n_entry = 0;

  if (text == NULL)
    text = "";
  len = strnlen (text, CONSTRAINTS_TEXT_MAX_LEN + 1);
  if (len > CONSTRAINTS_TEXT_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Name constraints text is longer than %d bytes; shorten it"),
                   CONSTRAINTS_TEXT_MAX_LEN);
      return NULL;
    }

  self = chain_name_constraints_new ();
  /* Split on ';' and new lines, but not on an RFC 4514 "\;" in a dirName. */
  for (gsize i = 0; i <= len; i++)
    {
      g_autofree char *entry = NULL;
      gsize end = i;

      if (text[i] != '\0' && text[i] != '\n'
          && !(text[i] == ';' && !is_escaped (text, start, i)))
        continue;

      while (start < end && g_ascii_isspace (text[start]))
        start++;
      while (end > start && g_ascii_isspace (text[end - 1]) && !is_escaped (text, start, end - 1))
        end--;
      if (end > start)
        {
          n_entry++;
          entry = g_strndup (text + start, end - start);
          if (!parse_entry (self, entry, error))
            {
              g_prefix_error (error, _("Name constraint %u: "), n_entry);
              return NULL;
            }
        }
      start = i + 1;
    }
  return g_steal_pointer (&self);
}

/* An IA5String value from a certificate; bytes that would break the
 * line-per-entry form come out as \xHH. */
static void
append_ia5 (GString           *out,
            const ASN1_STRING *value)
{
  const unsigned char *data = ASN1_STRING_get0_data (value);
  int len = ASN1_STRING_length (value);

  for (int i = 0; i < len; i++)
    {
      if (data[i] <= ' ' || data[i] >= 0x7f || data[i] == ';' || data[i] == '\\')
        g_string_append_printf (out, "\\x%02X", data[i]);
      else
        g_string_append_c (out, (char) data[i]);
    }
}

static void
append_ip (GString                 *out,
           const ASN1_OCTET_STRING *value)
{
  const unsigned char *data = ASN1_STRING_get0_data (value);
  int len = ASN1_STRING_length (value);
  int family = len == 8 ? AF_INET : AF_INET6;
  int n = len / 2;
  char text[INET6_ADDRSTRLEN] = "";
  int prefix = 0;
  gboolean contiguous = TRUE;

  if (len != 8 && len != 32)
    {
      g_string_append (out, "#");
      for (int i = 0; i < len; i++)
        g_string_append_printf (out, "%02X", data[i]);
      return;
    }

  for (int i = 0; i < n; i++)
    for (int bit = 7; bit >= 0; bit--)
      {
        gboolean set = (data[n + i] >> bit & 1) != 0;

        if (set && prefix == i * 8 + (7 - bit))
          prefix++;
        else if (set)
          contiguous = FALSE;
      }

  inet_ntop (family, data, text, sizeof text);
  g_string_append (out, text);
  if (contiguous)
    g_string_append_printf (out, "/%d", prefix);
  else
    {
      inet_ntop (family, data + n, text, sizeof text);
      g_string_append_printf (out, "/%s", text);
    }
}

static void
append_subtrees (GString                         *out,
                 const char                      *kind,
                 const STACK_OF(GENERAL_SUBTREE) *subtrees)
{
  for (int i = 0; i < sk_GENERAL_SUBTREE_num (subtrees); i++)
    {
      const GENERAL_SUBTREE *subtree = sk_GENERAL_SUBTREE_value (subtrees, i);
      int type = -1;
      void *value = GENERAL_NAME_get0_value (subtree->base, &type);

      g_string_append_printf (out, "%s:", kind);
      switch (type)
        {
        case GEN_DNS:
          g_string_append (out, "DNS:");
          append_ia5 (out, value);
          break;
        case GEN_EMAIL:
          g_string_append (out, "email:");
          append_ia5 (out, value);
          break;
        case GEN_URI:
          g_string_append (out, "URI:");
          append_ia5 (out, value);
          break;
        case GEN_IPADD:
          g_string_append (out, "IP:");
          append_ip (out, value);
          break;
        case GEN_DIRNAME:
          {
            g_autoptr(ChainName) name = chain_name_new_take (X509_NAME_dup (value));
            g_autofree char *name_text = name != NULL ? chain_name_to_string (name) : NULL;

            g_string_append_printf (out, "dirName:%s", name_text != NULL ? name_text : "");
          }
          break;
        default:
          /* otherName, x400Address, ediPartyName, registeredID */
          g_string_append_printf (out, "unsupported:type %d", type);
          break;
        }
      g_string_append_c (out, '\n');
    }
}

char *
chain_name_constraints_to_string (const ChainNameConstraints *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  append_subtrees (out, "permitted", self->nc->permittedSubtrees);
  append_subtrees (out, "excluded", self->nc->excludedSubtrees);
  return g_string_free (out, FALSE);
}

gboolean
chain_name_constraints_is_empty (const ChainNameConstraints *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return sk_GENERAL_SUBTREE_num (self->nc->permittedSubtrees) <= 0
         && sk_GENERAL_SUBTREE_num (self->nc->excludedSubtrees) <= 0;
}

ChainNameConstraints *
chain_name_constraints_copy (const ChainNameConstraints *self)
{
  NAME_CONSTRAINTS *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = ASN1_item_dup (ASN1_ITEM_rptr (NAME_CONSTRAINTS), self->nc);
  if (copy == NULL)
    g_error ("chain_name_constraints_copy: out of memory");
  return chain_name_constraints_new_take (copy);
}

void
chain_name_constraints_free (ChainNameConstraints *self)
{
  if (self == NULL)
    return;
  NAME_CONSTRAINTS_free (self->nc);
  g_free (self);
}

ChainNameConstraints *
chain_name_constraints_new_take (NAME_CONSTRAINTS *nc)
{
  ChainNameConstraints *self;

  g_return_val_if_fail (nc != NULL, NULL);

  self = g_new0 (ChainNameConstraints, 1);
  self->nc = nc;
  return self;
}

NAME_CONSTRAINTS *
chain_name_constraints_get_nc (const ChainNameConstraints *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->nc;
}
