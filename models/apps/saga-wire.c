/* models/apps/saga-wire.c - reading and answering the saga models' JSON.
 *
 * Kept apart from the models so that the three domain services and the
 * orchestrator read bodies and build answers one way.  Bodies are parsed
 * with json-glib on each request; they are a few hundred bytes, and only
 * saga endpoints look at them.
 */
#include "models/apps/saga-wire.h"

#include <math.h>

JsonObject *
ms_saga_wire_read (const MsRequest *request)
{
  if (request->body == NULL)
    return NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  ms_body_write (request->body, text);
  g_autoptr (JsonNode) node = json_from_string (text->str, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

const char *
ms_saga_wire_string (JsonObject *object, const char *name)
{
  JsonNode *member = object ? json_object_get_member (object, name) : NULL;
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (member);
}

gboolean
ms_saga_wire_int (JsonObject *object, const char *name, gint64 *out)
{
  JsonNode *member = object ? json_object_get_member (object, name) : NULL;
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member))
    return FALSE;
  GType type = json_node_get_value_type (member);
  if (type == G_TYPE_INT64)
    {
      *out = json_node_get_int (member);
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      /* 100.0 is accepted as 100; 99.5 is not a whole amount. */
      double value = json_node_get_double (member);
      if (value != (double) (gint64) value)
        return FALSE;
      *out = (gint64) value;
      return TRUE;
    }
  return FALSE;
}

void
ms_saga_wire_add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
ms_saga_wire_add_saga (JsonBuilder *b, const char *saga_id, const char *order_id,
                       const char *user, gint64 amount, gint64 items)
{
  ms_saga_wire_add_string (b, "saga_id", saga_id);
  ms_saga_wire_add_string (b, "order_id", order_id);
  ms_saga_wire_add_string (b, "user", user);
  json_builder_set_member_name (b, "amount");
  json_builder_add_int_value (b, amount);
  json_builder_set_member_name (b, "items");
  json_builder_add_int_value (b, items);
}

/* A double in the fewest significant digits that read back as the same
 * double.  json-glib writes every double with 17 digits, so a time of
 * 141503 us, sent as 141.503 ms, would read 141.50299999999999; here it
 * reads 141.503, as the report writes it. */
static void
write_double (double value, GString *out)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }
  for (int digits = 1; digits <= 17; digits++)
    {
      char format[8];
      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }
  g_string_append (out, buf);
}

/* Writes node as compact JSON, as json_to_string does (members in the
 * order they were added, strings escaped by json-glib), except for
 * doubles (above). */
static void
write_node (JsonNode *node, GString *out)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr (GList) names = json_object_get_members (object);
      g_string_append_c (out, '{');
      for (GList *l = names; l != NULL; l = l->next)
        {
          g_autoptr (JsonNode) name = json_node_new (JSON_NODE_VALUE);
          json_node_set_string (name, l->data);
          if (l != names)
            g_string_append_c (out, ',');
          write_node (name, out);
          g_string_append_c (out, ':');
          write_node (json_object_get_member (object, l->data), out);
        }
      g_string_append_c (out, '}');
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_string_append_c (out, '[');
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          write_node (json_array_get_element (array, i), out);
        }
      g_string_append_c (out, ']');
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    write_double (json_node_get_double (node), out);
  else
    {
      g_autofree char *text = json_to_string (node, FALSE);
      g_string_append (out, text);
    }
}

static char *
to_text (JsonNode *node)
{
  GString *out = g_string_new (NULL);
  write_node (node, out);
  return g_string_free (out, FALSE);
}

void
ms_saga_wire_reply (MsExchange *ex, int status, JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = to_text (root);
  g_autoptr (MsBody) body = ms_body_new_text (text, -1);
  ms_exchange_finish (ex, status, 0, MS_RESET_NONE, body);
}

void
ms_saga_wire_reply_error (MsExchange *ex, int status, const char *error, const char *detail)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, error);
  if (detail != NULL)
    {
      json_builder_set_member_name (b, "detail");
      json_builder_add_string_value (b, detail);
    }
  json_builder_end_object (b);
  ms_saga_wire_reply (ex, status, b);
}
