/* models/apps/saga-wire.c - reading and answering the saga models' JSON.
 *
 * Kept apart from the models so that the three domain services and the
 * orchestrator read bodies and build answers one way.  Bodies are parsed
 * with json-glib on each request; they are a few hundred bytes, and only
 * saga endpoints look at them.
 */
#include "models/apps/saga-wire.h"

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

void
ms_saga_wire_reply (MsExchange *ex, int status, JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);
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
