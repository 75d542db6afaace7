/* sim/io/node-yaml.c - YAML into MsNode trees, through libyaml's events.
 *
 * libyaml does the hard part (scanning, indentation, flow and block
 * styles) and hands us a stream of events; this file turns them into the
 * same MsNode tree the JSON parser builds, and resolves plain scalars the
 * way Kubernetes manifests are read: by the YAML 1.2 core schema, so `80`
 * is a number, `"80"` a string, and `yes` stays a string.  Aliases are
 * expanded by copying (the tree has parent pointers, so nodes cannot be
 * shared), which is why the total number of nodes per parse is capped:
 * a few lines of nested aliases can otherwise ask for billions.  Merge
 * keys (`<<: *defaults`) are supported because manifests use them; the
 * merged members follow the mapping's own members, which win.
 *
 * It deliberately keeps only the subset of YAML that means data: custom
 * tags, complex (non-scalar) keys and non-finite floats are refused with
 * an error instead of being guessed at.  It shares no code with node.c
 * beyond the public API, so the two parsers can change independently.
 */
#include "sim/io/node.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <yaml.h>

/* Plenty for any real file (a large Istio bundle has tens of thousands of
 * nodes) while bounding what an alias bomb can allocate. */
#define MAX_NODES 1000000

#define CORE_TAG_PREFIX "tag:yaml.org,2002:"

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (yaml_event_t, yaml_event_delete)

typedef struct {
  yaml_parser_t parser;
  const char *file;      /* interned */
  const char *text;      /* the input, to locate reader errors */
  gsize length;
  GHashTable *anchors;   /* name (owned) -> MsNode (borrowed) */
  GPtrArray *detached;   /* anchored nodes outside the tree (keys, merge
                          * sources), kept alive for the document */
  guint node_count;      /* nodes created so far, for MAX_NODES */
} Loader;

static MsNode *load_node (Loader *loader, yaml_event_t *event, int depth, GError **error);

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

/* libyaml marks are 0-based; ours are 1-based.  Both count characters. */
#define MARK_LINE(mark) ((int) (mark).line + 1)
#define MARK_COLUMN(mark) ((int) (mark).column + 1)

/* The byte at a 0-based line and character column, or 0 when there is
 * none.  Only used to recognise a tab in an error, so a linear scan that
 * counts only "\n" as a line break is good enough. */
static guchar
byte_at (const Loader *loader, gsize line, gsize column)
{
  const char *p = loader->text, *end = loader->text + loader->length;

  for (; line > 0 && p < end; p++)
    if (*p == '\n')
      line--;
  for (; column > 0 && p < end; column--)
    p += g_utf8_skip[(guchar) *p];
  return p < end ? (guchar) *p : 0;
}

/* Turns libyaml's error state into "file:line:column: problem (context)". */
static void
set_libyaml_error (Loader *loader, GError **error)
{
  const yaml_parser_t *parser = &loader->parser;
  const char *problem = parser->problem != NULL ? parser->problem : "invalid YAML";
  g_autofree char *context = NULL;

  if (parser->error == YAML_READER_ERROR)
    {
      /* Reader errors (bad encoding) carry a byte offset, not a mark. */
      int line = 1, column = 1;
      for (gsize i = 0; i < parser->problem_offset && i < loader->length; i++)
        {
          if (loader->text[i] == '\n')
            line++, column = 1;
          else if (((guchar) loader->text[i] & 0xC0) != 0x80)
            column++;
        }
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, line, column,
                 "%s (byte 0x%02X)", problem, (unsigned) parser->problem_value & 0xFF);
      return;
    }
  if (parser->error == YAML_MEMORY_ERROR)
    {
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, MARK_LINE (parser->mark),
                 MARK_COLUMN (parser->mark), "out of memory while parsing YAML");
      return;
    }
  /* The context says what libyaml was in the middle of, and where that
   * began: often the real mistake, e.g. the mapping an indentation broke. */
  if (parser->context != NULL)
    context = g_strdup_printf (" (%s at line %d, column %d)", parser->context,
                               MARK_LINE (parser->context_mark),
                               MARK_COLUMN (parser->context_mark));
  set_error (error, MS_NODE_ERROR_SYNTAX, loader->file,
             MARK_LINE (parser->problem_mark), MARK_COLUMN (parser->problem_mark),
             "%s%s%s", problem, context != NULL ? context : "",
             byte_at (loader, parser->problem_mark.line, parser->problem_mark.column) == '\t'
               ? "; indent YAML with spaces, tabs are not allowed" : "");
}

/* yaml_parser_parse() zeroes the event before anything can fail, so an
 * event is always safe to delete; that is what lets every caller hold its
 * events in g_auto() and simply return on error. */
static gboolean
next_event (Loader *loader, yaml_event_t *event, GError **error)
{
  if (yaml_parser_parse (&loader->parser, event))
    return TRUE;
  set_libyaml_error (loader, error);
  return FALSE;
}

/* Every node of a parse is made here, so the cap covers alias copies.
 * mark is where an error about the cap should point. */
static MsNode *
node_new (Loader *loader, MsNodeKind kind, yaml_mark_t mark, GError **error)
{
  MsNode *node;

  if (++loader->node_count > MAX_NODES)
    {
      set_error (error, MS_NODE_ERROR_TOO_LARGE, loader->file, MARK_LINE (mark),
                 MARK_COLUMN (mark), "document expands to more than %d nodes "
                 "(are aliases nested too deeply?)", MAX_NODES);
      return NULL;
    }
  node = g_new0 (MsNode, 1);
  node->kind = kind;
  node->file = loader->file;
  node->line = MARK_LINE (mark);
  node->column = MARK_COLUMN (mark);
  node->index = -1;
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

/* A container may open only while fewer than MS_NODE_MAX_DEPTH enclose it,
 * the same rule as for JSON. */
static gboolean
check_depth (Loader *loader, int depth, yaml_mark_t mark, GError **error)
{
  if (depth < MS_NODE_MAX_DEPTH)
    return TRUE;
  set_error (error, MS_NODE_ERROR_TOO_LARGE, loader->file, MARK_LINE (mark),
             MARK_COLUMN (mark), "nesting deeper than %d levels", MS_NODE_MAX_DEPTH);
  return FALSE;
}

/* Copies an anchored node for an alias.  The copy keeps the positions of
 * the original, which is where its text actually is; its path, computed
 * from its new parents, says where it is used. */
static MsNode *
copy_node (Loader *loader, const MsNode *source, int depth, yaml_mark_t mark, GError **error)
{
  g_autoptr(MsNode) copy = NULL;

  if (source->children != NULL && !check_depth (loader, depth, mark, error))
    return NULL;
  copy = node_new (loader, source->kind, mark, error);
  if (copy == NULL)
    return NULL;
  copy->line = source->line;
  copy->column = source->column;
  copy->text = g_strdup (source->text);
  copy->boolean = source->boolean;
  copy->number = source->number;
  copy->is_integer = source->is_integer;
  copy->integer = source->integer;
  for (guint i = 0; source->children != NULL && i < source->children->len; i++)
    {
      const MsNode *child = g_ptr_array_index (source->children, i);
      MsNode *child_copy = copy_node (loader, child, depth + 1, mark, error);

      if (child_copy == NULL)
        return NULL;
      node_attach (copy, child_copy, g_strdup (child->key));
    }
  return g_steal_pointer (&copy);
}

/* ---- Scalars ----------------------------------------------------------- */

/* "!!int" for the core tags, the tag as written for others. */
static char *
tag_display (const char *tag)
{
  if (g_str_has_prefix (tag, CORE_TAG_PREFIX))
    return g_strconcat ("!!", tag + strlen (CORE_TAG_PREFIX), NULL);
  return g_strdup (tag);
}

static gboolean
is_one_of (const char *text, const char *const *words)
{
  for (; *words != NULL; words++)
    if (strcmp (text, *words) == 0)
      return TRUE;
  return FALSE;
}

static const char *
skip_digits (const char *p)
{
  while (g_ascii_isdigit (*p))
    p++;
  return p;
}

/* [-+]?[0-9]+ */
static gboolean
is_decimal (const char *p)
{
  if (*p == '-' || *p == '+')
    p++;
  return g_ascii_isdigit (*p) && *skip_digits (p) == '\0';
}

/* 0x[0-9a-fA-F]+ or 0o[0-7]+, as the core schema spells them (no sign). */
static int
radix_of (const char *p)
{
  int radix = p[0] == '0' && p[1] == 'x' ? 16 : p[0] == '0' && p[1] == 'o' ? 8 : 0;

  if (radix == 0 || p[2] == '\0')
    return 0;
  for (p += 2; *p != '\0'; p++)
    if (g_ascii_xdigit_value (*p) < 0 || g_ascii_xdigit_value (*p) >= radix)
      return 0;
  return radix;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static gboolean
is_float (const char *p)
{
  if (*p == '-' || *p == '+')
    p++;
  if (*p == '.')
    {
      if (!g_ascii_isdigit (p[1]))
        return FALSE;
      p = skip_digits (p + 1);
    }
  else
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      p = skip_digits (p);
      if (*p == '.')
        p = skip_digits (p + 1);
    }
  if (*p == 'e' || *p == 'E')
    {
      p++;
      if (*p == '-' || *p == '+')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      p = skip_digits (p);
    }
  return *p == '\0';
}

/* Resolves text by the core schema into node (a fresh STRING node).
 * Fails only for numbers that are written correctly but cannot be held:
 * infinities, NaN and values out of range, which meshsim never wants and
 * which would otherwise surface as odd behaviour much later. */
static gboolean
resolve_plain (Loader *loader, MsNode *node, const char *text, GError **error)
{
  static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
  static const char *const trues[] = { "true", "True", "TRUE", NULL };
  static const char *const falses[] = { "false", "False", "FALSE", NULL };
  static const char *const non_finite[] = {
    ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    ".nan", ".NaN", ".NAN", NULL
  };
  int radix;

  if (is_one_of (text, nulls))
    {
      node->kind = MS_NODE_NULL;
      node->text = g_strdup ("null");
    }
  else if (is_one_of (text, trues) || is_one_of (text, falses))
    {
      node->kind = MS_NODE_BOOL;
      node->boolean = is_one_of (text, trues);
      node->text = g_strdup (node->boolean ? "true" : "false");
    }
  else if ((radix = radix_of (text)) != 0)
    {
      guint64 value;

      errno = 0;
      value = g_ascii_strtoull (text + 2, NULL, (guint) radix);
      if (errno != 0 || value > G_MAXINT64)
        {
          set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, node->line, node->column,
                     "integer %s is out of range", text);
          return FALSE;
        }
      node->kind = MS_NODE_NUMBER;
      node->is_integer = TRUE;
      node->integer = (gint64) value;
      node->number = (double) value;
      node->text = g_strdup (text);
    }
  else if (is_decimal (text) || is_float (text))
    {
      node->number = g_ascii_strtod (text, NULL);
      if (!isfinite (node->number))
        {
          set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, node->line, node->column,
                     "number %s is out of range", text);
          return FALSE;
        }
      if (is_decimal (text))
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
      node->kind = MS_NODE_NUMBER;
      node->text = g_strdup (text);
    }
  else if (is_one_of (text, non_finite))
    {
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, node->line, node->column,
                 "%s is not a finite number, and only finite numbers are accepted "
                 "(quote it if you meant a string)", text);
      return FALSE;
    }
  else
    node->text = g_strdup (text);
  return TRUE;
}

static MsNode *
load_scalar (Loader *loader, yaml_event_t *event, GError **error)
{
  const char *value = (const char *) event->data.scalar.value;
  const char *tag = (const char *) event->data.scalar.tag;
  g_autoptr(MsNode) node = node_new (loader, MS_NODE_STRING, event->start_mark, error);
  MsNodeKind wanted;

  if (node == NULL)
    return NULL;
  /* "\0" in a double-quoted scalar is legal YAML, but MsNode text is a C
   * string and would silently end there. */
  if (memchr (value, '\0', event->data.scalar.length) != NULL)
    {
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, node->line, node->column,
                 "strings cannot contain NUL characters");
      return NULL;
    }

  /* Untagged scalars: only plain ones are resolved; quoted and block
   * scalars are strings whatever they contain.  The non-specific tag "!"
   * also means a string. */
  if (tag == NULL)
    {
      if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        node->text = g_strdup (value);
      else if (!resolve_plain (loader, node, value, error))
        return NULL;
      return g_steal_pointer (&node);
    }
  if (strcmp (tag, "!") == 0 || strcmp (tag, YAML_STR_TAG) == 0)
    {
      node->text = g_strdup (value);
      return g_steal_pointer (&node);
    }

  /* The other core tags ask for a kind: resolve the text as if plain and
   * insist that it came out as that kind. */
  if (strcmp (tag, YAML_INT_TAG) == 0 || strcmp (tag, YAML_FLOAT_TAG) == 0)
    wanted = MS_NODE_NUMBER;
  else if (strcmp (tag, YAML_BOOL_TAG) == 0)
    wanted = MS_NODE_BOOL;
  else if (strcmp (tag, YAML_NULL_TAG) == 0)
    wanted = MS_NODE_NULL;
  else
    {
      g_autofree char *shown = tag_display (tag);
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, node->line, node->column,
                 "unknown tag '%s': only !!str, !!int, !!float, !!bool, !!null, "
                 "!!seq and !!map are supported", shown);
      return NULL;
    }
  if (!resolve_plain (loader, node, value, error))
    return NULL;
  if (node->kind != wanted || (strcmp (tag, YAML_INT_TAG) == 0 && !node->is_integer))
    {
      g_autofree char *shown = tag_display (tag);
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, node->line, node->column,
                 "'%s' is not a valid %s value", value, shown);
      return NULL;
    }
  if (strcmp (tag, YAML_FLOAT_TAG) == 0)
    node->is_integer = FALSE;
  return g_steal_pointer (&node);
}

/* ---- Collections ------------------------------------------------------- */

/* Collections may carry no tag, the non-specific "!", or their core tag. */
static gboolean
check_collection_tag (Loader *loader, const yaml_char_t *tag, const char *core,
                      yaml_mark_t mark, GError **error)
{
  g_autofree char *shown = NULL;

  if (tag == NULL || strcmp ((const char *) tag, "!") == 0
      || strcmp ((const char *) tag, core) == 0)
    return TRUE;
  shown = tag_display ((const char *) tag);
  set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, MARK_LINE (mark), MARK_COLUMN (mark),
             "unknown tag '%s': only !!str, !!int, !!float, !!bool, !!null, "
             "!!seq and !!map are supported", shown);
  return FALSE;
}

static MsNode *
load_sequence (Loader *loader, yaml_event_t *start, int depth, GError **error)
{
  g_autoptr(MsNode) node = NULL;

  if (!check_collection_tag (loader, start->data.sequence_start.tag, YAML_SEQ_TAG,
                             start->start_mark, error)
      || !check_depth (loader, depth, start->start_mark, error))
    return NULL;
  node = node_new (loader, MS_NODE_ARRAY, start->start_mark, error);
  if (node == NULL)
    return NULL;
  for (;;)
    {
      g_auto(yaml_event_t) event = { 0 };
      MsNode *element;

      if (!next_event (loader, &event, error))
        return NULL;
      if (event.type == YAML_SEQUENCE_END_EVENT)
        return g_steal_pointer (&node);
      element = load_node (loader, &event, depth + 1, error);
      if (element == NULL)
        return NULL;
      node_attach (node, element, NULL);
    }
}

/* The merge key is a plain, untagged "<<"; a quoted "<<" is a plain key. */
static gboolean
is_merge_key (const yaml_event_t *event)
{
  return event->type == YAML_SCALAR_EVENT
         && event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
         && event->data.scalar.tag == NULL
         && strcmp ((const char *) event->data.scalar.value, "<<") == 0;
}

/* Reads a mapping key and returns its text.  Keys must be scalars (or
 * aliases of scalars); a non-string scalar becomes its text, with the
 * spellings of null and booleans normalised ("~" and "True" become "null"
 * and "true"), much as Kubernetes' YAML-to-JSON conversion does. */
static char *
load_key (Loader *loader, yaml_event_t *event, int depth, GError **error)
{
  g_autoptr(MsNode) key = NULL;
  char *text;

  if (event->type == YAML_MAPPING_START_EVENT || event->type == YAML_SEQUENCE_START_EVENT)
    {
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, MARK_LINE (event->start_mark),
                 MARK_COLUMN (event->start_mark), "mapping keys must be scalars, found %s",
                 event->type == YAML_MAPPING_START_EVENT ? "a mapping" : "a sequence");
      return NULL;
    }
  key = load_node (loader, event, depth, error);
  if (key == NULL)
    return NULL;
  if (key->children != NULL)
    {
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, MARK_LINE (event->start_mark),
                 MARK_COLUMN (event->start_mark),
                 "mapping keys must be scalars, found an alias of %s",
                 ms_node_kind_name (key->kind));
      return NULL;
    }
  text = g_strdup (key->text);
  /* An anchored key may be aliased later, so it must outlive this call. */
  if (event->type == YAML_SCALAR_EVENT && event->data.scalar.anchor != NULL)
    g_ptr_array_add (loader->detached, g_steal_pointer (&key));
  return text;
}

/* Adds the members of each merge source that the mapping does not have
 * yet.  The mapping's own keys win, then earlier sources over later ones,
 * as the YAML merge-key spec says. */
static gboolean
apply_merges (Loader *loader, MsNode *node, GPtrArray *sources, GHashTable *seen,
              int depth, yaml_mark_t mark, GError **error)
{
  for (guint s = 0; s < sources->len; s++)
    {
      const MsNode *source = g_ptr_array_index (sources, s);
      guint n = source->kind == MS_NODE_ARRAY ? source->children->len : 1;

      for (guint m = 0; m < n; m++)
        {
          const MsNode *mapping = source->kind == MS_NODE_ARRAY
            ? g_ptr_array_index (source->children, m) : source;

          for (guint i = 0; i < mapping->children->len; i++)
            {
              const MsNode *member = g_ptr_array_index (mapping->children, i);
              MsNode *copy;

              if (g_hash_table_contains (seen, member->key))
                continue;
              copy = copy_node (loader, member, depth + 1, mark, error);
              if (copy == NULL)
                return FALSE;
              node_attach (node, copy, g_strdup (member->key));
              g_hash_table_insert (seen, copy->key, GINT_TO_POINTER (0));
            }
        }
    }
  return TRUE;
}

static gboolean
is_merge_source (const MsNode *value)
{
  if (value->kind == MS_NODE_OBJECT)
    return TRUE;
  if (value->kind != MS_NODE_ARRAY)
    return FALSE;
  for (guint i = 0; i < value->children->len; i++)
    if (((const MsNode *) g_ptr_array_index (value->children, i))->kind != MS_NODE_OBJECT)
      return FALSE;
  return TRUE;
}

static MsNode *
load_mapping (Loader *loader, yaml_event_t *start, int depth, GError **error)
{
  g_autoptr(MsNode) node = NULL;
  /* Key -> line of its first occurrence (borrowed keys), for duplicates. */
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  /* Values of "<<" keys, owned by loader->detached. */
  g_autoptr(GPtrArray) merges = g_ptr_array_new ();

  if (!check_collection_tag (loader, start->data.mapping_start.tag, YAML_MAP_TAG,
                             start->start_mark, error)
      || !check_depth (loader, depth, start->start_mark, error))
    return NULL;
  node = node_new (loader, MS_NODE_OBJECT, start->start_mark, error);
  if (node == NULL)
    return NULL;
  for (;;)
    {
      g_auto(yaml_event_t) key_event = { 0 };
      g_auto(yaml_event_t) value_event = { 0 };
      g_autofree char *key = NULL;
      gboolean merge;
      gpointer first_line;
      yaml_mark_t key_mark;
      MsNode *value;

      if (!next_event (loader, &key_event, error))
        return NULL;
      if (key_event.type == YAML_MAPPING_END_EVENT)
        break;
      key_mark = key_event.start_mark;
      merge = is_merge_key (&key_event);
      key = merge ? g_strdup ("<<") : load_key (loader, &key_event, depth + 1, error);
      if (key == NULL)
        return NULL;
      /* Checked before the value is read, so the error points at the
       * repeated key.  Two "<<" keys count as a duplicate too; a list of
       * sources is the way to merge several mappings. */
      if (g_hash_table_lookup_extended (seen, key, NULL, &first_line))
        {
          set_error (error, MS_NODE_ERROR_DUPLICATE, loader->file, MARK_LINE (key_mark),
                     MARK_COLUMN (key_mark), "duplicate key \"%s\" (first defined at line %d)",
                     key, GPOINTER_TO_INT (first_line));
          return NULL;
        }

      if (!next_event (loader, &value_event, error))
        return NULL;
      value = load_node (loader, &value_event, depth + 1, error);
      if (value == NULL)
        return NULL;
      if (!merge)
        {
          node_attach (node, value, g_steal_pointer (&key));
          value->key_line = MARK_LINE (key_mark);
          value->key_column = MARK_COLUMN (key_mark);
          g_hash_table_insert (seen, value->key, GINT_TO_POINTER (MARK_LINE (key_mark)));
          continue;
        }

      /* A merge value is not a member; it may be anchored, so it lives
       * in loader->detached until the document ends. */
      g_ptr_array_add (loader->detached, value);
      if (!is_merge_source (value))
        {
          set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, value->line, value->column,
                     "the merge key '<<' expects a mapping or a list of mappings, found %s",
                     ms_node_kind_name (value->kind));
          return NULL;
        }
      g_ptr_array_add (merges, value);
      g_hash_table_insert (seen, (gpointer) "<<", GINT_TO_POINTER (MARK_LINE (key_mark)));
    }
  if (!apply_merges (loader, node, merges, seen, depth, start->start_mark, error))
    return NULL;
  return g_steal_pointer (&node);
}

static MsNode *
load_alias (Loader *loader, yaml_event_t *event, int depth, GError **error)
{
  const char *anchor = (const char *) event->data.alias.anchor;
  const MsNode *target = g_hash_table_lookup (loader->anchors, anchor);

  if (target == NULL)
    {
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, MARK_LINE (event->start_mark),
                 MARK_COLUMN (event->start_mark),
                 "unknown alias *%s: anchors must be defined (&%s) earlier in the same "
                 "document, and not inside the node they name", anchor, anchor);
      return NULL;
    }
  return copy_node (loader, target, depth, event->start_mark, error);
}

/* Builds the node that starts with event, reading the events of its
 * children.  depth is the number of enclosing containers. */
static MsNode *
load_node (Loader *loader, yaml_event_t *event, int depth, GError **error)
{
  const yaml_char_t *anchor = NULL;
  MsNode *node;

  switch (event->type)
    {
    case YAML_ALIAS_EVENT:
      return load_alias (loader, event, depth, error);
    case YAML_SCALAR_EVENT:
      anchor = event->data.scalar.anchor;
      node = load_scalar (loader, event, error);
      break;
    case YAML_SEQUENCE_START_EVENT:
      anchor = event->data.sequence_start.anchor;
      node = load_sequence (loader, event, depth, error);
      break;
    case YAML_MAPPING_START_EVENT:
      anchor = event->data.mapping_start.anchor;
      node = load_mapping (loader, event, depth, error);
      break;
    default:
      /* libyaml's grammar never puts other events here. */
      set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, MARK_LINE (event->start_mark),
                 MARK_COLUMN (event->start_mark), "unexpected YAML event %d", event->type);
      return NULL;
    }
  /* The anchor is registered only once the node is complete, so a node
   * cannot contain an alias of itself.  A later anchor of the same name
   * replaces it, as YAML says. */
  if (node != NULL && anchor != NULL)
    g_hash_table_replace (loader->anchors, g_strdup ((const char *) anchor), node);
  return node;
}

/* Reads the whole stream, adding each non-null document root. */
static gboolean
load_stream (Loader *loader, GPtrArray *documents, GError **error)
{
  for (;;)
    {
      g_auto(yaml_event_t) event = { 0 };
      g_auto(yaml_event_t) root_event = { 0 };
      g_auto(yaml_event_t) end_event = { 0 };
      g_autoptr(MsNode) root = NULL;

      if (!next_event (loader, &event, error))
        return FALSE;
      if (event.type == YAML_STREAM_START_EVENT)
        continue;
      if (event.type == YAML_STREAM_END_EVENT)
        return TRUE;
      if (event.type != YAML_DOCUMENT_START_EVENT)
        {
          set_error (error, MS_NODE_ERROR_SYNTAX, loader->file, MARK_LINE (event.start_mark),
                     MARK_COLUMN (event.start_mark), "unexpected YAML event %d", event.type);
          return FALSE;
        }
      if (!next_event (loader, &root_event, error))
        return FALSE;
      root = load_node (loader, &root_event, 0, error);
      /* The event after a root is always DOCUMENT-END in libyaml's
       * grammar; reading it is what reports errors after the root. */
      if (root == NULL || !next_event (loader, &end_event, error))
        return FALSE;

      /* Anchors do not cross documents. */
      g_hash_table_remove_all (loader->anchors);
      g_ptr_array_set_size (loader->detached, 0);
      /* An empty document, such as the one after a trailing "---", is
       * not a document anyone meant to write. */
      if (root->kind != MS_NODE_NULL)
        g_ptr_array_add (documents, g_steal_pointer (&root));
    }
}

GPtrArray *
ms_node_parse_yaml (const char *text, gssize length, const char *file, GError **error)
{
  Loader loader = { 0 };
  g_autoptr(GPtrArray) documents = NULL;
  gboolean ok;

  g_return_val_if_fail (text != NULL || length <= 0, NULL);
  g_return_val_if_fail (file != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL)
    text = "";
  if (length < 0)
    length = (gssize) strlen (text);
  /* This fails only when malloc does, and GLib aborts on that everywhere
   * else too. */
  if (!yaml_parser_initialize (&loader.parser))
    g_error ("%s: libyaml could not allocate a parser", G_STRFUNC);
  yaml_parser_set_input_string (&loader.parser, (const unsigned char *) text, (size_t) length);
  loader.file = g_intern_string (file);
  loader.text = text;
  loader.length = (gsize) length;
  loader.anchors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  loader.detached = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_node_free);
  documents = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_node_free);

  ok = load_stream (&loader, documents, error);

  /* The anchors borrow nodes from documents and detached: drop them first. */
  g_hash_table_unref (loader.anchors);
  g_ptr_array_unref (loader.detached);
  yaml_parser_delete (&loader.parser);
  return ok ? g_steal_pointer (&documents) : NULL;
}
