/* chain-name.c — X.509 distinguished names in RFC 4514 text form
 *
 * The parser is strict on purpose: names end up in certificates that
 * clouds and auditors compare byte for byte, so there is exactly one way to
 * write each name, and to_string() writes that way.
 */
#include "chain-pki-private.h"
#include "chain-i18n-private.h"

#include <string.h>

/* RFC 4514 text longer than this is refused before it is looked at. */
#define NAME_TEXT_MAX_LEN 1024

struct _ChainName {
  X509_NAME *name;
};

typedef enum {
  VALUE_UTF8,        /* any printable Unicode */
  VALUE_COUNTRY,     /* ISO 3166 alpha-2, upper case */
  VALUE_PRINTABLE,   /* the PrintableString repertoire */
  VALUE_DNS_LABEL,   /* one DNS label (RFC 4519 domainComponent) */
} ValueCharset;

typedef struct {
  int          nid;
  const char  *name;        /* how RFC 4514 (and we) write the type */
  int          asn1_type;   /* how the value is encoded */
  ValueCharset charset;
  glong        max_chars;   /* X.520 upper bound */
} NameAttribute;

/* DC is an IA5String (RFC 4519), not a UTF8String: relying parties that
 * compare DNS-like names expect it that way. */
static const NameAttribute name_attributes[] = {
  { NID_countryName,            "C",            V_ASN1_PRINTABLESTRING, VALUE_COUNTRY,     2 },
  { NID_stateOrProvinceName,    "ST",           V_ASN1_UTF8STRING,      VALUE_UTF8,      128 },
  { NID_localityName,           "L",            V_ASN1_UTF8STRING,      VALUE_UTF8,      128 },
  { NID_organizationName,       "O",            V_ASN1_UTF8STRING,      VALUE_UTF8,       64 },
  { NID_organizationalUnitName, "OU",           V_ASN1_UTF8STRING,      VALUE_UTF8,       64 },
  { NID_commonName,             "CN",           V_ASN1_UTF8STRING,      VALUE_UTF8,       64 },
  { NID_serialNumber,           "serialNumber", V_ASN1_PRINTABLESTRING, VALUE_PRINTABLE,  64 },
  { NID_domainComponent,        "DC",           V_ASN1_IA5STRING,       VALUE_DNS_LABEL,  63 },
};

/* Translators: DN attribute types; keep them as they are and translate only
 * the list's "or". */
#define ACCEPTED_TYPES N_("C, ST, L, O, OU, CN, serialNumber or DC")

/* One attribute=value of the text, unescaped. */
typedef struct {
  const NameAttribute *attribute;
  GString             *value;
  guint                rdn;         /* index of its RDN in text order */
} ParsedAva;

static void
parsed_ava_clear (gpointer data)
{
  ParsedAva *ava = data;

  if (ava->value != NULL)
    g_string_free (ava->value, TRUE);
}

static const NameAttribute *
find_attribute_by_name (const char *name,
                        gsize       len)
{
  for (gsize i = 0; i < G_N_ELEMENTS (name_attributes); i++)
    if (strlen (name_attributes[i].name) == len
        && g_ascii_strncasecmp (name_attributes[i].name, name, len) == 0)
      return &name_attributes[i];
  return NULL;
}

static const NameAttribute *
find_attribute_by_nid (int nid)
{
  for (gsize i = 0; i < G_N_ELEMENTS (name_attributes); i++)
    if (name_attributes[i].nid == nid)
      return &name_attributes[i];
  return NULL;
}

static gboolean
is_printable_string_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr (" '()+,-./:=?", c) != NULL);
}

/* 1-based character position of @p in @text (which is valid UTF-8). */
static glong
position_of (const char *text,
             const char *p)
{
  return g_utf8_pointer_to_offset (text, p) + 1;
}

/* Checks an unescaped value against what its attribute type allows. */
static gboolean
check_value (const NameAttribute *attribute,
             const char          *value,
             gsize                len,
             GError             **error)
{
  glong n_chars;

  if (len == 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("The value of %s is empty; give it a value or leave the attribute out"),
                   attribute->name);
      return FALSE;
    }
  if (memchr (value, '\0', len) != NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("The value of %s contains a NUL byte; remove it"), attribute->name);
      return FALSE;
    }
  if (!g_utf8_validate (value, (gssize) len, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("The value of %s is not valid UTF-8; fix its encoding"), attribute->name);
      return FALSE;
    }
  for (const char *p = value; p < value + len; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("The value of %s contains the control character U+%04X; remove it"),
                       attribute->name, c);
          return FALSE;
        }
    }

  n_chars = g_utf8_strlen (value, (gssize) len);
  switch (attribute->charset)
    {
    case VALUE_COUNTRY:
      if (len != 2 || !g_ascii_isupper (value[0]) || !g_ascii_isupper (value[1]))
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("C must be a two-letter ISO 3166 country code in upper case, such as DE"));
          return FALSE;
        }
      break;

    case VALUE_PRINTABLE:
      for (gsize i = 0; i < len; i++)
        if (!is_printable_string_char (value[i]))
          {
            g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                         _("The value of %s may hold only ASCII letters, digits, space and ' ( ) + , - . / : = ?"),
                         attribute->name);
            return FALSE;
          }
      break;

    case VALUE_DNS_LABEL:
      for (gsize i = 0; i < len; i++)
        if (!g_ascii_isalnum (value[i])
            && !(value[i] == '-' && i != 0 && i != len - 1))
          {
            g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                         _("The value of %s must be one DNS label: ASCII letters, digits and inner '-'"),
                         attribute->name);
            return FALSE;
          }
      break;

    case VALUE_UTF8:
    default:
      break;
    }

  if (n_chars > attribute->max_chars)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("The value of %s is %ld characters long; at most %ld are allowed"),
                   attribute->name, n_chars, attribute->max_chars);
      return FALSE;
    }
  return TRUE;
}

static int
hex_digit_value (char c)
{
  return g_ascii_isxdigit (c) ? g_ascii_xdigit_value (c) : -1;
}

/* Parses one attributeValue at *@p (RFC 4514 section 3, "string" form
 * only) into @value; leaves *@p on the ',', '+' or NUL that ends it. */
static gboolean
parse_value (const char          *text,
             const char         **p,
             const NameAttribute *attribute,
             GString             *value,
             GError             **error)
{
  const char *s = *p;
  gboolean last_raw_space = FALSE;

  if (*s == '#')
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Hex-encoded values ('#...') are not accepted at position %ld; write the value of %s as text"),
                   position_of (text, s), attribute->name);
      return FALSE;
    }
  if (*s == ' ')
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Leading space in the value of %s at position %ld; escape it as '\\ ' or remove it"),
                   attribute->name, position_of (text, s));
      return FALSE;
    }

  while (*s != '\0' && *s != ',' && *s != '+')
    {
      if (*s == '\\')
        {
          int hi = hex_digit_value (s[1]);
          int lo = hi >= 0 ? hex_digit_value (s[2]) : -1;

          if (hi >= 0 && lo >= 0)
            {
              g_string_append_c (value, (char) (hi << 4 | lo));
              s += 3;
            }
          else if (s[1] != '\0' && strchr ("\"+,;<>\\ #=", s[1]) != NULL)
            {
              g_string_append_c (value, s[1]);
              s += 2;
            }
          else
            {
              g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                           _("Bad escape in the value of %s at position %ld; after '\\' write one of , + \" \\ < > ; # = space, or two hex digits"),
                           attribute->name, position_of (text, s));
              return FALSE;
            }
          last_raw_space = FALSE;
          continue;
        }
      if (strchr ("\";<>", *s) != NULL)
        {
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                       _("Unescaped '%c' in the value of %s at position %ld; write it as '\\%c'"),
                       *s, attribute->name, position_of (text, s), *s);
          return FALSE;
        }
      last_raw_space = *s == ' ';
      g_string_append_c (value, *s);
      s++;
    }

  if (last_raw_space)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Trailing space in the value of %s at position %ld; escape it as '\\ ' or remove it"),
                   attribute->name, position_of (text, s - 1));
      return FALSE;
    }
  *p = s;
  return TRUE;
}

/* Parses attributeType '=' at *@p. */
static const NameAttribute *
parse_type (const char  *text,
            const char **p,
            GError     **error)
{
  const char *start = *p;
  const char *s = start;
  const NameAttribute *attribute;

  while (g_ascii_isalnum (*s) || *s == '-' || *s == '.')
    s++;

  if (s == start)
    {
      if (*s == '\0')
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("Name ends where an attribute type is expected; remove the trailing separator"));
      else if (*s == ' ')
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("Unexpected space at position %ld; RFC 4514 names have no spaces around ',' '+' or '='"),
                     position_of (text, s));
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     /* Translators: the first %s is a list of DN attribute types such as "CN";
                      * the position counts characters from the name's start */
                     _("Expected an attribute type (%s) at position %ld"),
                     _(ACCEPTED_TYPES), position_of (text, s));
      return NULL;
    }

  attribute = find_attribute_by_name (start, (gsize) (s - start));
  if (attribute == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   /* Translators: the last %s is a list of DN attribute types such as "CN" */
                   _("Unknown attribute type '%.*s' at position %ld; use %s"),
                   (int) MIN (s - start, 64), start, position_of (text, start), _(ACCEPTED_TYPES));
      return NULL;
    }
  if (*s != '=')
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("Expected '=' after %s at position %ld; write TYPE=value"),
                   attribute->name, position_of (text, s));
      return NULL;
    }
  *p = s + 1;
  return attribute;
}

/* Adds @value as a new RDN (@new_rdn) or to the last RDN of @name. */
static gboolean
add_entry (X509_NAME           *name,
           const NameAttribute *attribute,
           const char          *value,
           gsize                len,
           gboolean             new_rdn,
           GError             **error)
{
  if (!X509_NAME_add_entry_by_NID (name, attribute->nid, attribute->asn1_type,
                                   (const unsigned char *) value, (int) len,
                                   -1, new_rdn ? 0 : -1))
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("Could not add %s to a name"),
                           attribute->name);
      return FALSE;
    }
  return TRUE;
}

ChainName *
chain_name_parse (const char *text,
                  GError    **error)
{
  g_autoptr(GArray) avas = NULL;
  g_autoptr(X509_NAME) name = NULL;
  const char *p;
  guint rdn = 0;

  if (text == NULL || *text == '\0')
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("The name is empty; write it as TYPE=value pairs, such as CN=Line 3 CA,O=Widget Ltd,C=DE"));
      return NULL;
    }
  if (strnlen (text, NAME_TEXT_MAX_LEN + 1) > NAME_TEXT_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("The name is longer than %d bytes; shorten it"), NAME_TEXT_MAX_LEN);
      return NULL;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("The name is not valid UTF-8; fix its encoding"));
      return NULL;
    }

  avas = g_array_new (FALSE, TRUE, sizeof (ParsedAva));
  g_array_set_clear_func (avas, parsed_ava_clear);

  p = text;
  for (;;)
    {
      ParsedAva ava = { NULL, NULL, rdn };

      ava.attribute = parse_type (text, &p, error);
      if (ava.attribute == NULL)
        return NULL;
      ava.value = g_string_new (NULL);
      g_array_append_val (avas, ava);
      if (!parse_value (text, &p, ava.attribute, ava.value, error)
          || !check_value (ava.attribute, ava.value->str, ava.value->len, error))
        return NULL;

      if (*p == '\0')
        break;
      if (*p == ',')
        rdn++;
      p++;
    }

  /* The text is most specific first; X509_NAME is root first. Within a
   * multi-valued RDN the text order is kept. */
  name = X509_NAME_new ();
  if (name == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("Could not allocate a name"));
      return NULL;
    }
  for (guint r = rdn + 1; r-- > 0;)
    {
      gboolean first_of_rdn = TRUE;

      for (guint i = 0; i < avas->len; i++)
        {
          const ParsedAva *ava = &g_array_index (avas, ParsedAva, i);

          if (ava->rdn != r)
            continue;
          if (!add_entry (name, ava->attribute, ava->value->str, ava->value->len,
                          first_of_rdn, error))
            return NULL;
          first_of_rdn = FALSE;
        }
    }

  return chain_name_new_take (g_steal_pointer (&name));
}

/* Appends @value (UTF-8) escaped per RFC 4514 section 2.4; control
 * characters become \XX so the text stays on one line. */
static void
append_escaped (GString    *out,
                const char *value,
                gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) value[i];

      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\%02X", c);
      else if (c == 0xc2 && i + 1 < len && (guchar) value[i + 1] >= 0x80
               && (guchar) value[i + 1] <= 0x9f)
        {
          /* C1 control characters, U+0080 to U+009F */
          g_string_append_printf (out, "\\%02X\\%02X", c, (guchar) value[i + 1]);
          i++;
        }
      else if (strchr ("\"+,;<>\\", c) != NULL
               || (i == 0 && (c == ' ' || c == '#'))
               || (i == len - 1 && c == ' '))
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else
        g_string_append_c (out, (char) c);
    }
}

/* A value that is no character string: '#' and the hex of its DER. */
static void
append_hex_value (GString           *out,
                  const ASN1_STRING *value)
{
  ASN1_TYPE *any = ASN1_TYPE_new ();
  ASN1_STRING *copy = ASN1_STRING_dup (value);
  unsigned char *der = NULL;
  int len = -1;

  if (any != NULL && copy != NULL)
    {
      ASN1_TYPE_set (any, ASN1_STRING_type (value), g_steal_pointer (&copy));
      len = i2d_ASN1_TYPE (any, &der);
    }
  g_string_append_c (out, '#');
  for (int i = 0; i < len; i++)
    g_string_append_printf (out, "%02X", der[i]);
  OPENSSL_free (der);
  ASN1_STRING_free (copy);
  ASN1_TYPE_free (any);
  chain_openssl_clear_errors ();
}

static void
append_type (GString           *out,
             const ASN1_OBJECT *object)
{
  int nid = OBJ_obj2nid (object);
  const NameAttribute *attribute = find_attribute_by_nid (nid);
  char oid[128];

  if (attribute != NULL)
    g_string_append (out, attribute->name);
  else if (nid != NID_undef && OBJ_nid2sn (nid) != NULL)
    g_string_append (out, OBJ_nid2sn (nid));
  else if (OBJ_obj2txt (oid, sizeof oid, object, 1) > 0)
    g_string_append (out, oid);
  else
    g_string_append (out, "0.0");
}

static void
append_entry (GString               *out,
              const X509_NAME_ENTRY *entry)
{
  const ASN1_STRING *data = X509_NAME_ENTRY_get_data (entry);
  unsigned char *utf8 = NULL;
  int len;

  append_type (out, X509_NAME_ENTRY_get_object (entry));
  g_string_append_c (out, '=');

  len = ASN1_STRING_to_UTF8 (&utf8, data);
  if (len >= 0)
    append_escaped (out, (const char *) utf8, (gsize) len);
  else
    append_hex_value (out, data);
  OPENSSL_free (utf8);
  chain_openssl_clear_errors ();
}

char *
chain_name_to_string (const ChainName *self)
{
  GString *out;
  int end;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  /* RDNs last to first; the values of one RDN in stored order. */
  end = X509_NAME_entry_count (self->name);
  while (end > 0)
    {
      int set = X509_NAME_ENTRY_set (X509_NAME_get_entry (self->name, end - 1));
      int start = end - 1;

      while (start > 0
             && X509_NAME_ENTRY_set (X509_NAME_get_entry (self->name, start - 1)) == set)
        start--;

      if (out->len > 0)
        g_string_append_c (out, ',');
      for (int i = start; i < end; i++)
        {
          if (i > start)
            g_string_append_c (out, '+');
          append_entry (out, X509_NAME_get_entry (self->name, i));
        }
      end = start;
    }
  return g_string_free (out, FALSE);
}

/* Index of the most specific CN, or -1. */
static int
last_common_name_index (const X509_NAME *name)
{
  int last = -1;

  for (int i = X509_NAME_get_index_by_NID (name, NID_commonName, -1);
       i >= 0;
       i = X509_NAME_get_index_by_NID (name, NID_commonName, i))
    last = i;
  return last;
}

char *
chain_name_dup_common_name (const ChainName *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return chain_x509_name_dup_common_name (self->name);
}

char *
chain_x509_name_dup_common_name (const X509_NAME *name)
{
  unsigned char *utf8 = NULL;
  char *result = NULL;
  int index;
  int len;

  g_return_val_if_fail (name != NULL, NULL);

  index = last_common_name_index (name);
  if (index < 0)
    return NULL;
  len = ASN1_STRING_to_UTF8 (&utf8,
                             X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, index)));
  /* A CN with an embedded NUL would read as a shorter, different name. */
  if (len >= 0 && memchr (utf8, '\0', (size_t) len) == NULL)
    result = g_strndup ((const char *) utf8, (gsize) len);
  OPENSSL_free (utf8);
  chain_openssl_clear_errors ();
  return result;
}

ChainName *
chain_name_with_common_name (const ChainName *self,
                             const char      *common_name,
                             GError         **error)
{
  const NameAttribute *cn = find_attribute_by_nid (NID_commonName);
  g_autoptr(X509_NAME) name = NULL;
  int replace;
  int count;
  int previous_set = -1;

  g_return_val_if_fail (self != NULL, NULL);

  if (common_name == NULL)
    common_name = "";
  if (strnlen (common_name, NAME_TEXT_MAX_LEN + 1) > NAME_TEXT_MAX_LEN)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("The common name is longer than %d bytes; shorten it"), NAME_TEXT_MAX_LEN);
      return NULL;
    }
  if (!check_value (cn, common_name, strlen (common_name), error))
    return NULL;

  /* Rebuild rather than edit in place: X509_NAME caches its encoding. */
  name = X509_NAME_new ();
  if (name == NULL)
    {
      chain_openssl_error (error, CHAIN_ERROR_FAILED, _("Could not allocate a name"));
      return NULL;
    }
  replace = last_common_name_index (self->name);
  count = X509_NAME_entry_count (self->name);
  for (int i = 0; i < count; i++)
    {
      const X509_NAME_ENTRY *entry = X509_NAME_get_entry (self->name, i);
      int set = X509_NAME_ENTRY_set (entry);
      gboolean new_rdn = set != previous_set;

      previous_set = set;
      if (i == replace)
        {
          if (!add_entry (name, cn, common_name, strlen (common_name), new_rdn, error))
            return NULL;
        }
      else if (!X509_NAME_add_entry (name, entry, -1, new_rdn ? 0 : -1))
        {
          chain_openssl_error (error, CHAIN_ERROR_FAILED, _("Could not copy a name"));
          return NULL;
        }
    }
  if (replace < 0 && !add_entry (name, cn, common_name, strlen (common_name), TRUE, error))
    return NULL;

  return chain_name_new_take (g_steal_pointer (&name));
}

gboolean
chain_name_equal (const ChainName *a,
                  const ChainName *b)
{
  int cmp;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  cmp = X509_NAME_cmp (a->name, b->name);
  chain_openssl_clear_errors ();
  return cmp == 0;
}

ChainName *
chain_name_copy (const ChainName *self)
{
  X509_NAME *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = X509_NAME_dup (self->name);
  if (copy == NULL)
    g_error ("chain_name_copy: out of memory");
  return chain_name_new_take (copy);
}

void
chain_name_free (ChainName *self)
{
  if (self == NULL)
    return;
  X509_NAME_free (self->name);
  g_free (self);
}

ChainName *
chain_name_new_take (X509_NAME *name)
{
  ChainName *self;

  g_return_val_if_fail (name != NULL, NULL);

  /* Settle the cached encoding now: X509_NAME re-encodes lazily on first
   * use, and a name shared by issuing threads must not change under them. */
  if (i2d_X509_NAME (name, NULL) <= 0)
    chain_openssl_clear_errors ();

  self = g_new0 (ChainName, 1);
  self->name = name;
  return self;
}

const X509_NAME *
chain_name_get_x509_name (const ChainName *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}
