/* sim/io/report.c - the ordered report tree and its JSON writer.
 *
 * Objects keep an array of children plus a hash index built once an object
 * grows past a few members, so filling a report with thousands of pods stays
 * linear.  Output never depends on hash order: the array is the order.
 */
#include "sim/io/report.h"

#include <math.h>
#include <string.h>

struct _MsReportNode {
  MsReportKind kind;
  char *key;
  gint64 integer;
  double number;
  char *string;
  GPtrArray *children;   /* objects and arrays */
  GHashTable *index;     /* key -> child, objects with many members */
};

struct _MsReport {
  MsReportNode *root;
};

static void
node_free (gpointer data)
{
  MsReportNode *node = data;
  if (node == NULL)
    return;
  g_free (node->key);
  g_free (node->string);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_clear_pointer (&node->index, g_hash_table_unref);
  g_free (node);
}

static MsReportNode *
node_new (MsReportKind kind, const char *key)
{
  MsReportNode *node = g_new0 (MsReportNode, 1);
  node->kind = kind;
  node->key = g_strdup (key);
  if (kind == MS_REPORT_OBJECT || kind == MS_REPORT_ARRAY)
    node->children = g_ptr_array_new_with_free_func (node_free);
  return node;
}

MsReport *
ms_report_new (void)
{
  MsReport *report = g_new0 (MsReport, 1);
  report->root = node_new (MS_REPORT_OBJECT, NULL);
  return report;
}

void
ms_report_free (MsReport *report)
{
  if (report == NULL)
    return;
  node_free (report->root);
  g_free (report);
}

MsReportNode *
ms_report_root (MsReport *report)
{
  return report->root;
}

const MsReportNode *
ms_report_get (const MsReportNode *node, const char *key)
{
  if (node == NULL || node->kind != MS_REPORT_OBJECT)
    return NULL;
  if (node->index != NULL)
    return g_hash_table_lookup (node->index, key);
  for (guint i = 0; i < node->children->len; i++)
    {
      MsReportNode *child = node->children->pdata[i];
      if (g_str_equal (child->key, key))
        return child;
    }
  return NULL;
}

/* Returns the member key, replacing it if it exists with a different kind. */
static MsReportNode *
member (MsReportNode *parent, const char *key, MsReportKind kind)
{
  g_return_val_if_fail (parent->kind == MS_REPORT_OBJECT, NULL);
  MsReportNode *child = (MsReportNode *) ms_report_get (parent, key);
  if (child != NULL)
    {
      if (child->kind == kind)
        return child;
      /* Changing a member's kind would be a programmer error in a model. */
      g_return_val_if_reached (child);
    }
  child = node_new (kind, key);
  g_ptr_array_add (parent->children, child);
  if (parent->index == NULL && parent->children->len > 8)
    {
      parent->index = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < parent->children->len; i++)
        {
          MsReportNode *c = parent->children->pdata[i];
          g_hash_table_insert (parent->index, c->key, c);
        }
    }
  else if (parent->index != NULL)
    g_hash_table_insert (parent->index, child->key, child);
  return child;
}

MsReportNode *
ms_report_object (MsReportNode *parent, const char *key)
{
  return member (parent, key, MS_REPORT_OBJECT);
}

MsReportNode *
ms_report_array (MsReportNode *parent, const char *key)
{
  return member (parent, key, MS_REPORT_ARRAY);
}

MsReportNode *
ms_report_append_object (MsReportNode *array)
{
  g_return_val_if_fail (array->kind == MS_REPORT_ARRAY, NULL);
  MsReportNode *child = node_new (MS_REPORT_OBJECT, NULL);
  g_ptr_array_add (array->children, child);
  return child;
}

void
ms_report_append_double (MsReportNode *array, double value)
{
  g_return_if_fail (array->kind == MS_REPORT_ARRAY);
  MsReportNode *child = node_new (MS_REPORT_DOUBLE, NULL);
  child->number = value;
  g_ptr_array_add (array->children, child);
}

void
ms_report_set_int (MsReportNode *parent, const char *key, gint64 value)
{
  member (parent, key, MS_REPORT_INT)->integer = value;
}

void
ms_report_set_double (MsReportNode *parent, const char *key, double value)
{
  member (parent, key, MS_REPORT_DOUBLE)->number = value;
}

void
ms_report_set_string (MsReportNode *parent, const char *key, const char *value)
{
  MsReportNode *node = member (parent, key, MS_REPORT_STRING);
  g_free (node->string);
  node->string = g_strdup (value ? value : "");
}

void
ms_report_set_bool (MsReportNode *parent, const char *key, gboolean value)
{
  member (parent, key, MS_REPORT_BOOL)->integer = value ? 1 : 0;
}

void
ms_report_add_int (MsReportNode *parent, const char *key, gint64 delta)
{
  member (parent, key, MS_REPORT_INT)->integer += delta;
}

/* Walks path; at each level tries the longest dotted prefix that names a
 * member, so keys such as "reviews.bookinfo" still resolve. */
const MsReportNode *
ms_report_find_prefix (const MsReport *report, const char *path, gsize *matched)
{
  const MsReportNode *node = report->root;
  const char *rest = path;
  *matched = 0;
  while (*rest)
    {
      const MsReportNode *found = NULL;
      gsize take = 0;
      for (const char *end = rest + strlen (rest); end > rest;)
        {
          g_autofree char *key = g_strndup (rest, end - rest);
          found = ms_report_get (node, key);
          if (found != NULL)
            {
              take = end - rest;
              break;
            }
          while (end > rest && *(end - 1) != '.')
            end--;
          if (end > rest)
            end--;   /* drop the dot */
        }
      if (found == NULL)
        return node;
      node = found;
      rest += take;
      if (*rest == '.')
        rest++;
      *matched = rest - path;
    }
  return node;
}

const MsReportNode *
ms_report_find (const MsReport *report, const char *path)
{
  gsize matched;
  const MsReportNode *node = ms_report_find_prefix (report, path, &matched);
  return matched == strlen (path) ? node : NULL;
}

gboolean
ms_report_number (const MsReportNode *node, double *out)
{
  if (node == NULL)
    return FALSE;
  if (node->kind == MS_REPORT_INT || node->kind == MS_REPORT_BOOL)
    *out = (double) node->integer;
  else if (node->kind == MS_REPORT_DOUBLE)
    *out = node->number;
  else
    return FALSE;
  return TRUE;
}

GPtrArray *
ms_report_keys (const MsReportNode *node)
{
  GPtrArray *keys = g_ptr_array_new ();
  if (node != NULL && node->kind == MS_REPORT_OBJECT)
    for (guint i = 0; i < node->children->len; i++)
      g_ptr_array_add (keys, ((MsReportNode *) node->children->pdata[i])->key);
  g_ptr_array_add (keys, NULL);
  return keys;
}

MsReportKind
ms_report_kind (const MsReportNode *node)
{
  return node->kind;
}

guint
ms_report_n_children (const MsReportNode *node)
{
  return node != NULL && node->children ? node->children->len : 0;
}

const MsReportNode *
ms_report_child (const MsReportNode *node, guint i, const char **key)
{
  const MsReportNode *child = node->children->pdata[i];
  if (key != NULL)
    *key = child->key;
  return child;
}

gint64
ms_report_get_int (const MsReportNode *node, const char *key)
{
  double value = 0;
  ms_report_number (ms_report_get (node, key), &value);
  return (gint64) value;
}

double
ms_report_get_double (const MsReportNode *node, const char *key)
{
  double value = 0;
  ms_report_number (ms_report_get (node, key), &value);
  return value;
}

const char *
ms_report_get_string (const MsReportNode *node, const char *key)
{
  const MsReportNode *child = ms_report_get (node, key);
  return child != NULL && child->kind == MS_REPORT_STRING ? child->string : NULL;
}

void
ms_report_format_double (double value, GString *out)
{
  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.3f", value);
  /* Trim trailing zeros (and a bare point): 1.500 -> 1.5, 2.000 -> 2. */
  char *end = buf + strlen (buf);
  while (end > buf && end[-1] == '0')
    end--;
  if (end > buf && end[-1] == '.')
    end--;
  *end = '\0';
  if (g_str_equal (buf, "-0"))
    strcpy (buf, "0");
  g_string_append (out, buf);
}

static void
write_string (const char *s, GString *out)
{
  g_string_append_c (out, '"');
  for (const unsigned char *c = (const unsigned char *) s; *c; c++)
    {
      switch (*c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\r': g_string_append (out, "\\r"); break;
        default:
          if (*c < 0x20)
            g_string_append_printf (out, "\\u%04x", *c);
          else
            g_string_append_c (out, (char) *c);
        }
    }
  g_string_append_c (out, '"');
}

static void
write_node (const MsReportNode *node, int depth, GString *out)
{
  switch (node->kind)
    {
    case MS_REPORT_INT:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, node->integer);
      return;
    case MS_REPORT_DOUBLE:
      ms_report_format_double (node->number, out);
      return;
    case MS_REPORT_STRING:
      write_string (node->string, out);
      return;
    case MS_REPORT_BOOL:
      g_string_append (out, node->integer ? "true" : "false");
      return;
    case MS_REPORT_OBJECT:
    case MS_REPORT_ARRAY:
      {
        gboolean object = node->kind == MS_REPORT_OBJECT;
        if (node->children->len == 0)
          {
            g_string_append (out, object ? "{}" : "[]");
            return;
          }
        g_string_append_c (out, object ? '{' : '[');
        for (guint i = 0; i < node->children->len; i++)
          {
            const MsReportNode *child = node->children->pdata[i];
            g_string_append (out, i ? ",\n" : "\n");
            g_string_append_printf (out, "%*s", (depth + 1) * 2, "");
            if (object)
              {
                write_string (child->key, out);
                g_string_append (out, ": ");
              }
            write_node (child, depth + 1, out);
          }
        g_string_append_printf (out, "\n%*s%c", depth * 2, "", object ? '}' : ']');
        return;
      }
    default:
      g_assert_not_reached ();
    }
}

void
ms_report_write_json (const MsReport *report, GString *out)
{
  write_node (report->root, 0, out);
  g_string_append_c (out, '\n');
}
