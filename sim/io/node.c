/* sim/io/node.c - the MsNode tree, its JSON parser, and file loading.
 *
 * This file owns everything about MsNode except YAML, which lives in
 * node-yaml.c because it is a different job (driving libyaml's event
 * stream).  The JSON parser is a plain recursive descent over RFC 8259,
 * written by hand so that every node knows where it came from and every
 * error can say "file:line:column: expected X, found Y".  It reads bytes,
 * not characters, but counts columns in characters (code points, a tab
 * being one), as libyaml and most editors do, so positions from both
 * syntaxes agree.  It deliberately does not accept JSON5 or other
 * extensions (comments, trailing commas, single quotes); instead the
 * errors for those mistakes carry a hint, since people make them.
 */
#include "sim/io/node.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (ms-node-error-quark, ms_node_error)

/* ---- The tree ---------------------------------------------------------- */

void
ms_node_free (MsNode *node)
{
  /* NULL is accepted so that arrays with stolen slots can be freed.  The
   * recursion through the children's free function is bounded by
   * MS_NODE_MAX_DEPTH for any tree the parsers build. */
  if (node == NULL)
    return;
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node->key);
  g_free (node->text);
  g_free (node);
}

static MsNode *
node_new (MsNodeKind kind, const char *file, int line, int column)
{
  MsNode *node = g_new0 (MsNode, 1);

  node->kind = kind;
  node->file = file;
  node->line = line;
  node->column = column;
  node->index = -1;
  /* Containers always have an array, even when empty, so that callers
   * can iterate without a NULL check once they have checked the kind. */
  if (kind == MS_NODE_ARRAY || kind == MS_NODE_OBJECT)
    node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_node_free);
  return node;
}

/* Appends child to parent, taking ownership of both child and key. */
static void
node_attach (MsNode *parent, MsNode *child, char *key)
{
  child->parent = parent;
  child->key = key;
  child->index = parent->kind == MS_NODE_ARRAY ? (int) parent->children->len : -1;
  g_ptr_array_add (parent->children, child);
}

MsNode *
ms_node_get (const MsNode *object, const char *key)
{
  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  /* Asking a scalar or an array for a member is not a programmer error:
   * callers validating input ask first and complain about the kind after.
   * The scan is O(members), which is fine for hand-written files. */
  if (object->kind != MS_NODE_OBJECT)
    return NULL;
  for (guint i = 0; i < object->children->len; i++)
    {
      MsNode *member = g_ptr_array_index (object->children, i);
      if (g_strcmp0 (member->key, key) == 0)
        return member;
    }
  return NULL;
}

/* A key can be written bare in a path when reading it back is unambiguous:
 * not empty, and free of the characters the path syntax itself uses. */
static gboolean
key_is_plain (const char *key)
{
  if (key == NULL || *key == '\0')
    return FALSE;
  for (const guchar *p = (const guchar *) key; *p != '\0'; p++)
    if (*p < 0x20 || strchr (".[]\"\\", *p) != NULL)
      return FALSE;
  return TRUE;
}

/* Writes ["key"] with JSON-style escapes, for keys such as Kubernetes
 * annotations ("sidecar.istio.io/inject") that contain dots. */
static void
append_quoted_key (GString *path, const char *key)
{
  g_string_append (path, "[\"");
  for (const guchar *p = (const guchar *) (key != NULL ? key : ""); *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (path, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (path, "\\u%04X", *p);
      else
        g_string_append_c (path, (char) *p);
    }
  g_string_append (path, "\"]");
}

char *
ms_node_path (const MsNode *node)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  GString *path = g_string_new (NULL);

  g_return_val_if_fail (node != NULL, NULL);

  for (const MsNode *n = node; n->parent != NULL; n = n->parent)
    g_ptr_array_add (chain, (gpointer) n);
  for (guint i = chain->len; i-- > 0;)
    {
      const MsNode *n = g_ptr_array_index (chain, i);

      if (n->parent->kind == MS_NODE_ARRAY)
        g_string_append_printf (path, "[%d]", n->index);
      else if (key_is_plain (n->key))
        {
          if (path->len > 0)
            g_string_append_c (path, '.');
          g_string_append (path, n->key);
        }
      else
        append_quoted_key (path, n->key);
    }
  return g_string_free (path, FALSE);
}

const char *
ms_node_kind_name (MsNodeKind kind)
{
  switch (kind)
    {
    case MS_NODE_NULL:   return "null";
    case MS_NODE_BOOL:   return "a boolean";
    case MS_NODE_NUMBER: return "a number";
    case MS_NODE_STRING: return "a string";
    case MS_NODE_ARRAY:  return "an array";
    case MS_NODE_OBJECT: return "an object";
    default:             break;
    }
  g_return_val_if_reached ("an unknown kind");
}

/* ---- JSON: reading bytes, keeping the position ------------------------- */

typedef struct {
  const char *file;   /* interned */
  const char *p;      /* the next byte to read */
  const char *end;    /* one past the last byte; the text need not end in NUL */
  int line;           /* position of p, 1-based */
  int column;
} JsonReader;

static gboolean
at_end (const JsonReader *r)
{
  return r->p >= r->end;
}

/* The next byte, or 0 at the end.  A real NUL byte also reads as 0, which
 * is harmless: every caller treats 0 as "not what I wanted" and the error
 * path looks at at_end() to describe it. */
static guchar
peek (const JsonReader *r)
{
  return at_end (r) ? 0 : (guchar) *r->p;
}

/* Moves past one byte.  UTF-8 continuation bytes do not count as columns,
 * and "\r\n" counts as one line break. */
static void
advance (JsonReader *r)
{
  guchar c = (guchar) *r->p++;

  if (c == '\n' || (c == '\r' && (at_end (r) || *r->p != '\n')))
    {
      r->line++;
      r->column = 1;
    }
  else if ((c & 0xC0) != 0x80)
    r->column++;
}

static void
skip_whitespace (JsonReader *r)
{
  while (!at_end (r) && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n'))
    advance (r);
}

/* Every message starts with "file:line:column: " so that editors and
 * terminals can jump to it.  The position is that of the thing that is
 * wrong, which is not always the reader's: an unterminated string is
 * reported at its opening quote, where the mistake usually is. */
static void set_error (GError **error, MsNodeError code, const char *file,
                       int line, int column, const char *format, ...)
  G_GNUC_PRINTF (6, 7);

static void
set_error (GError **error, MsNodeError code, const char *file, int line,
           int column, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, MS_NODE_ERROR, code, "%s:%d:%d: %s", file, line, column, message);
}

/* Describes what is at the reader for the "found ..." half of a message:
 * a whole word for letters (so "True" reads as 'True', not 'T'), a quoted
 * character, or a name for what cannot be shown. */
static char *
describe_found (const JsonReader *r)
{
  guchar c;
  gunichar u;

  if (at_end (r))
    return g_strdup ("end of input");
  c = (guchar) *r->p;
  if (g_ascii_isalpha (c))
    {
      const char *q = r->p;
      while (q < r->end && q - r->p < 32 && (g_ascii_isalnum (*q) || *q == '_'))
        q++;
      return g_strdup_printf ("'%.*s'", (int) (q - r->p), r->p);
    }
  if (c >= 0x20 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  if (c < 0x80)
    return g_strdup_printf ("control character U+%04X", c);
  u = g_utf8_get_char_validated (r->p, r->end - r->p);
  if (u == (gunichar) -1 || u == (gunichar) -2)
    return g_strdup_printf ("invalid UTF-8 byte 0x%02X", c);
  return g_strdup_printf ("'%.*s' (U+%04X)", g_utf8_skip[c], r->p, u);
}

/* Fails with "expected <what>, found <whatever is at the reader>" at the
 * reader's position; hint, when not empty, is appended as written. */
static void
fail_expected (JsonReader *r, GError **error, const char *what, const char *hint)
{
  g_autofree char *found = describe_found (r);

  set_error (error, MS_NODE_ERROR_SYNTAX, r->file, r->line, r->column,
             "expected %s, found %s%s", what, found, hint);
}

/* ---- JSON: values ------------------------------------------------------ */

static MsNode *parse_value (JsonReader *r, int depth, gboolean after_comma,
                            GError **error);

static gboolean
read_hex4 (JsonReader *r, gunichar *out, GError **error)
{
  *out = 0;
  for (int i = 0; i < 4; i++)
    {
      if (!g_ascii_isxdigit (peek (r)))
        {
          fail_expected (r, error, "4 hex digits after '\\u'", "");
          return FALSE;
        }
      *out = *out * 16 + (gunichar) g_ascii_xdigit_value (*r->p);
      advance (r);
    }
  return TRUE;
}

/* Reads one escape sequence (the reader is at the backslash) and appends
 * its character.  Surrogate pairs become one UTF-8 character; a surrogate
 * without its partner is refused, since it cannot be written in UTF-8. */
static gboolean
parse_escape (JsonReader *r, GString *out, GError **error)
{
  int line = r->line, column = r->column;
  gunichar code;
  const char *simple;

  advance (r);
  simple = at_end (r) || *r->p == '\0' ? NULL : strchr ("\"\\/bfnrt", *r->p);
  if (simple != NULL)
    {
      static const char replacement[] = "\"\\/\b\f\n\r\t";
      g_string_append_c (out, replacement[simple - "\"\\/bfnrt"]);
      advance (r);
      return TRUE;
    }
  if (peek (r) != 'u')
    {
      fail_expected (r, error, "an escape (one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX) after '\\' in string", "");
      return FALSE;
    }
  advance (r);
  if (!read_hex4 (r, &code, error))
    return FALSE;
  if (code >= 0xD800 && code <= 0xDBFF)
    {
      gunichar low = 0;
      if (r->end - r->p >= 2 && r->p[0] == '\\' && r->p[1] == 'u')
        {
          advance (r);
          advance (r);
          if (!read_hex4 (r, &low, error))
            return FALSE;
        }
      if (low < 0xDC00 || low > 0xDFFF)
        {
          set_error (error, MS_NODE_ERROR_SYNTAX, r->file, line, column,
                     "lone surrogate \\u%04X in string: expected a low surrogate "
                     "escape (\\uDC00-\\uDFFF) right after it", code);
          return FALSE;
        }
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
  else if (code >= 0xDC00 && code <= 0xDFFF)
    {
      set_error (error, MS_NODE_ERROR_SYNTAX, r->file, line, column,
                 "lone surrogate \\u%04X in string: a low surrogate must follow "
                 "a high surrogate (\\uD800-\\uDBFF)", code);
      return FALSE;
    }
  else if (code == 0)
    {
      /* MsNode text is a C string, so a NUL would silently cut it short. */
      set_error (error, MS_NODE_ERROR_SYNTAX, r->file, line, column,
                 "\\u0000 is not allowed in strings (text cannot contain NUL)");
      return FALSE;
    }
  g_string_append_unichar (out, code);
  return TRUE;
}

/* Reads a string (the reader is at the opening quote) and returns its
 * unescaped text, validated as UTF-8. */
static char *
parse_string (JsonReader *r, GError **error)
{
  int line = r->line, column = r->column;
  g_autoptr(GString) out = g_string_new (NULL);

  advance (r);
  for (;;)
    {
      guchar c;
      gunichar u;

      if (at_end (r))
        {
          set_error (error, MS_NODE_ERROR_SYNTAX, r->file, line, column,
                     "unterminated string: expected a closing '\"', found end of input");
          return NULL;
        }
      c = (guchar) *r->p;
      if (c == '"')
        {
          advance (r);
          return g_string_free (g_steal_pointer (&out), FALSE);
        }
      if (c == '\\')
        {
          if (!parse_escape (r, out, error))
            return NULL;
        }
      else if (c < 0x20)
        {
          set_error (error, MS_NODE_ERROR_SYNTAX, r->file, r->line, r->column,
                     "control character U+%04X in string: escape it (e.g. \\n), "
                     "or close the string started at line %d, column %d", c, line, column);
          return NULL;
        }
      else if (c < 0x80)
        {
          /* Copy a run of plain ASCII at once; it has no line breaks, so
           * the column moves by its length. */
          const char *q = r->p;
          while (q < r->end && (guchar) *q >= 0x20 && (guchar) *q < 0x80 && *q != '"' && *q != '\\')
            q++;
          g_string_append_len (out, r->p, q - r->p);
          r->column += (int) (q - r->p);
          r->p = q;
        }
      else if ((u = g_utf8_get_char_validated (r->p, r->end - r->p)) == (gunichar) -1
               || u == (gunichar) -2)
        {
          set_error (error, MS_NODE_ERROR_SYNTAX, r->file, r->line, r->column,
                     "invalid UTF-8 byte 0x%02X in string", c);
          return NULL;
        }
      else
        {
          g_string_append_len (out, r->p, g_utf8_skip[c]);
          r->p += g_utf8_skip[c];
          r->column++;
        }
    }
}

static gboolean
expect_digit (JsonReader *r, const char *what, GError **error)
{
  if (g_ascii_isdigit (peek (r)))
    return TRUE;
  fail_expected (r, error, what, "");
  return FALSE;
}

/* Reads a number by the RFC 8259 grammar: -? (0 | [1-9][0-9]*) (.[0-9]+)?
 * ([eE][+-]?[0-9]+)?.  Values a double cannot hold are refused rather
 * than turned into infinity. */
static MsNode *
parse_number (JsonReader *r, GError **error)
{
  int line = r->line, column = r->column;
  const char *start = r->p;
  gboolean integral = TRUE;
  g_autofree char *text = NULL;
  double number;
  MsNode *node;

  if (peek (r) == '-')
    advance (r);
  if (!expect_digit (r, "a digit after '-'", error))
    return NULL;
  if (peek (r) == '0')
    {
      advance (r);
      if (g_ascii_isdigit (peek (r)))
        {
          fail_expected (r, error, "'.', 'e' or the end of the number after a leading '0'",
                         " (JSON numbers cannot have leading zeros)");
          return NULL;
        }
    }
  while (g_ascii_isdigit (peek (r)))
    advance (r);
  if (peek (r) == '.')
    {
      integral = FALSE;
      advance (r);
      if (!expect_digit (r, "a digit after '.' in number", error))
        return NULL;
      while (g_ascii_isdigit (peek (r)))
        advance (r);
    }
  if (peek (r) == 'e' || peek (r) == 'E')
    {
      integral = FALSE;
      advance (r);
      if (peek (r) == '+' || peek (r) == '-')
        advance (r);
      if (!expect_digit (r, "a digit in the exponent of a number", error))
        return NULL;
      while (g_ascii_isdigit (peek (r)))
        advance (r);
    }

  /* strtod needs a NUL-terminated string and the input need not have
   * one, so convert a copy; the copy is kept as the node's text.  The
   * g_ascii_ variants ignore the locale's decimal separator. */
  text = g_strndup (start, r->p - start);
  number = g_ascii_strtod (text, NULL);
  if (!isfinite (number))
    {
      set_error (error, MS_NODE_ERROR_SYNTAX, r->file, line, column,
                 "number %s is out of range", text);
      return NULL;
    }
  node = node_new (MS_NODE_NUMBER, r->file, line, column);
  node->number = number;
  if (integral)
    {
      gint64 integer;
      errno = 0;
      integer = g_ascii_strtoll (text, NULL, 10);
      /* Integers beyond gint64 stay numbers, approximated by the double. */
      if (errno == 0)
        {
          node->is_integer = TRUE;
          node->integer = integer;
        }
    }
  node->text = g_steal_pointer (&text);
  return node;
}

/* Hints for the usual ways of writing something that is not JSON.
 * after_comma says whether a closing bracket here means a trailing comma. */
static const char *
value_hint (const JsonReader *r, gboolean after_comma)
{
  static const char *const capitalised[] = {
    "True", "TRUE", "False", "FALSE", "Null", "NULL", "None", NULL
  };

  switch (peek (r))
    {
    case '\'': return " (JSON strings use double quotes)";
    case '/':  return " (JSON has no comments)";
    case ']':
    case '}':  return after_comma ? " (trailing commas are not allowed in JSON)" : "";
    default:   break;
    }
  for (int i = 0; capitalised[i] != NULL; i++)
    {
      gsize n = strlen (capitalised[i]);
      if ((gsize) (r->end - r->p) >= n && strncmp (r->p, capitalised[i], n) == 0)
        return " (JSON literals are lowercase: true, false, null)";
    }
  return "";
}

static MsNode *
parse_literal (JsonReader *r, gboolean after_comma, GError **error)
{
  static const struct { const char *word; MsNodeKind kind; gboolean value; } literals[] = {
    { "true", MS_NODE_BOOL, TRUE },
    { "false", MS_NODE_BOOL, FALSE },
    { "null", MS_NODE_NULL, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize n = strlen (literals[i].word);
      const char *after = r->p + n;

      /* "nullx" must not read as null followed by garbage; it is one
       * unknown word, and the error should say so. */
      if ((gsize) (r->end - r->p) >= n && memcmp (r->p, literals[i].word, n) == 0
          && (after == r->end || !(g_ascii_isalnum (*after) || *after == '_')))
        {
          MsNode *node = node_new (literals[i].kind, r->file, r->line, r->column);
          node->text = g_strdup (literals[i].word);
          node->boolean = literals[i].value;
          for (gsize k = 0; k < n; k++)
            advance (r);
          return node;
        }
    }
  fail_expected (r, error, after_comma ? "a value after ','" : "a value",
                 value_hint (r, after_comma));
  return NULL;
}

/* Fails unless another container fits: depth counts the containers that
 * already enclose the reader, so the 64th level is allowed, the 65th not. */
static gboolean
check_depth (JsonReader *r, int depth, GError **error)
{
  if (depth < MS_NODE_MAX_DEPTH)
    return TRUE;
  set_error (error, MS_NODE_ERROR_TOO_LARGE, r->file, r->line, r->column,
             "nesting deeper than %d levels", MS_NODE_MAX_DEPTH);
  return FALSE;
}

/* parse_array() and parse_object() build their node first and free it,
 * children included, on any error, so a failed parse never returns or
 * leaks a half-built tree. */
static MsNode *
parse_array (JsonReader *r, int depth, GError **error)
{
  g_autoptr(MsNode) node = NULL;
  gboolean after_comma = FALSE;

  if (!check_depth (r, depth, error))
    return NULL;
  node = node_new (MS_NODE_ARRAY, r->file, r->line, r->column);
  advance (r);
  skip_whitespace (r);
  if (peek (r) == ']')
    {
      advance (r);
      return g_steal_pointer (&node);
    }
  for (;;)
    {
      MsNode *element = parse_value (r, depth + 1, after_comma, error);

      if (element == NULL)
        return NULL;
      node_attach (node, element, NULL);
      skip_whitespace (r);
      if (peek (r) == ']')
        {
          advance (r);
          return g_steal_pointer (&node);
        }
      if (peek (r) != ',')
        {
          fail_expected (r, error, "',' or ']' after array element", "");
          return NULL;
        }
      advance (r);
      skip_whitespace (r);
      after_comma = TRUE;
    }
}

static MsNode *
parse_object (JsonReader *r, int depth, GError **error)
{
  g_autoptr(MsNode) node = NULL;
  /* Key -> line of its first occurrence, to name it in duplicate errors.
   * The keys are borrowed from the members. */
  g_autoptr(GHashTable) seen = NULL;
  gboolean after_comma = FALSE;

  if (!check_depth (r, depth, error))
    return NULL;
  node = node_new (MS_NODE_OBJECT, r->file, r->line, r->column);
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  advance (r);
  skip_whitespace (r);
  if (peek (r) == '}')
    {
      advance (r);
      return g_steal_pointer (&node);
    }
  for (;;)
    {
      int key_line = r->line, key_column = r->column;
      g_autofree char *key = NULL;
      gpointer first_line;
      MsNode *member;

      if (peek (r) != '"')
        {
          if (after_comma)
            fail_expected (r, error, "a string key after ','", value_hint (r, TRUE));
          else
            fail_expected (r, error, "a string key or '}' after '{'", value_hint (r, FALSE));
          return NULL;
        }
      key = parse_string (r, error);
      if (key == NULL)
        return NULL;
      /* Checked before the value is parsed, so the error points at the
       * repeated key rather than somewhere after its value. */
      if (g_hash_table_lookup_extended (seen, key, NULL, &first_line))
        {
          set_error (error, MS_NODE_ERROR_DUPLICATE, r->file, key_line, key_column,
                     "duplicate key \"%s\" (first defined at line %d)",
                     key, GPOINTER_TO_INT (first_line));
          return NULL;
        }
      skip_whitespace (r);
      if (peek (r) != ':')
        {
          g_autofree char *what = g_strdup_printf ("':' after object key \"%s\"", key);
          fail_expected (r, error, what, "");
          return NULL;
        }
      advance (r);
      skip_whitespace (r);
      member = parse_value (r, depth + 1, FALSE, error);
      if (member == NULL)
        return NULL;
      node_attach (node, member, g_steal_pointer (&key));
      member->key_line = key_line;
      member->key_column = key_column;
      g_hash_table_insert (seen, member->key, GINT_TO_POINTER (key_line));

      skip_whitespace (r);
      if (peek (r) == '}')
        {
          advance (r);
          return g_steal_pointer (&node);
        }
      if (peek (r) != ',')
        {
          fail_expected (r, error, "',' or '}' after object member", "");
          return NULL;
        }
      advance (r);
      skip_whitespace (r);
      after_comma = TRUE;
    }
}

/* Parses the value at the reader (whitespace already skipped).  depth is
 * the number of containers around it; recursion is bounded by it.
 * after_comma only sharpens the error message. */
static MsNode *
parse_value (JsonReader *r, int depth, gboolean after_comma, GError **error)
{
  guchar c = peek (r);

  if (c == '{')
    return parse_object (r, depth, error);
  if (c == '[')
    return parse_array (r, depth, error);
  if (c == '-' || g_ascii_isdigit (c))
    return parse_number (r, error);
  if (c == '"')
    {
      int line = r->line, column = r->column;
      char *text = parse_string (r, error);
      MsNode *node;

      if (text == NULL)
        return NULL;
      node = node_new (MS_NODE_STRING, r->file, line, column);
      node->text = text;
      return node;
    }
  return parse_literal (r, after_comma, error);
}

MsNode *
ms_node_parse_json (const char *text, gssize length, const char *file, GError **error)
{
  JsonReader r;
  g_autoptr(MsNode) root = NULL;

  g_return_val_if_fail (text != NULL || length <= 0, NULL);
  g_return_val_if_fail (file != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL)
    text = "";
  if (length < 0)
    length = (gssize) strlen (text);
  r.file = g_intern_string (file);
  r.p = text;
  r.end = text + length;
  r.line = 1;
  r.column = 1;

  /* RFC 8259 lets parsers ignore a byte order mark; editors on Windows
   * still write one. */
  if (length >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    r.p += 3;
  skip_whitespace (&r);
  if (at_end (&r))
    {
      set_error (error, MS_NODE_ERROR_SYNTAX, r.file, r.line, r.column,
                 "empty document: expected a JSON value, found end of input");
      return NULL;
    }
  root = parse_value (&r, 0, FALSE, error);
  if (root == NULL)
    return NULL;
  skip_whitespace (&r);
  if (!at_end (&r))
    {
      fail_expected (&r, error, "end of input after the root value", "");
      return NULL;
    }
  return g_steal_pointer (&root);
}

/* ---- Files ------------------------------------------------------------- */

/* The sniffing rule for files with an unknown extension: JSON documents
 * start with '{' or '['.  A YAML file starting with a flow collection is
 * read as JSON, which is what it almost always is. */
static gboolean
looks_like_json (const char *text, gsize length)
{
  gsize i = 0;

  if (length >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < length && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
    i++;
  return i < length && (text[i] == '{' || text[i] == '[');
}

GPtrArray *
ms_node_load_file (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *lower = NULL;
  g_autoptr(GError) read_error = NULL;
  gsize length = 0;
  gboolean json;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* GLib's message names the file again, but it is the only place that
   * says why (missing, a directory, permissions), so it is kept whole. */
  if (!g_file_get_contents (path, &contents, &length, &read_error))
    {
      g_set_error (error, MS_NODE_ERROR, MS_NODE_ERROR_IO, "%s: cannot read: %s",
                   path, read_error->message);
      return NULL;
    }

  /* Extensions are compared without case: "Scenario.JSON" is JSON. */
  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".json"))
    json = TRUE;
  else if (g_str_has_suffix (lower, ".yaml") || g_str_has_suffix (lower, ".yml"))
    json = FALSE;
  else
    json = looks_like_json (contents, length);

  /* A JSON file is one document; returning an array either way lets
   * callers treat scenario files and manifest bundles alike. */
  if (json)
    {
      GPtrArray *documents;
      MsNode *root = ms_node_parse_json (contents, (gssize) length, path, error);

      if (root == NULL)
        return NULL;
      documents = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_node_free);
      g_ptr_array_add (documents, root);
      return documents;
    }
  return ms_node_parse_yaml (contents, (gssize) length, path, error);
}
