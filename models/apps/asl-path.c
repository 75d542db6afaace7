/* models/apps/asl-path.c - the data side of ASL: paths over json-glib
 * trees, error names and the retry delay.
 *
 * Paths are the subset of JSONPath that Step Functions definitions use
 * in practice: $, $.a.b, $.a[0] and $['a b'], plus "$$" for the context
 * object where the spec allows it.  A path is parsed each time it is
 * used; definitions are small and paths short, so the cost is a few
 * allocations per state, well below a Task's simulated network hop.
 */
#include "models/apps/asl.h"

#include <string.h>
/* Paths. */

typedef struct {
  char *name;                  /* NULL for an index */
  gint64 index;
} Step;

static void
step_clear (gpointer data)
{
  g_free (((Step *) data)->name);
}

/* Splits path into steps after its "$" (or "$$", which sets *context). */
static GArray *
path_parse (const char *path, gboolean allow_context, gboolean *context, char **reason)
{
  *context = FALSE;
  if (g_str_has_prefix (path, "States."))
    {
      *reason = g_strdup_printf ("\"%s\": intrinsic functions (States.Format, "
                                 "States.StringToJson, ...) are not supported; pass the "
                                 "values with plain paths", path);
      return NULL;
    }
  if (path[0] != '$')
    {
      *reason = g_strdup_printf ("\"%s\" is not a path: paths start with \"$\", as in "
                                 "\"$.order.id\"", path);
      return NULL;
    }
  const char *p = path + 1;
  if (*p == '$')
    {
      if (!allow_context)
        {
          *reason = g_strdup_printf ("\"%s\": the context object ($$) can be read only in "
                                     "Parameters and Choice rules", path);
          return NULL;
        }
      *context = TRUE;
      p++;
    }
  GArray *steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (steps, step_clear);
  while (*p != '\0')
    {
      Step step = { NULL, 0 };
      if (*p == '.' && p[1] != '\0' && p[1] != '.' && p[1] != '[')
        {
          size_t n = strcspn (p + 1, ".[");
          step.name = g_strndup (p + 1, n);
          p += 1 + n;
        }
      else if (p[0] == '[' && p[1] == '\'')
        {
          const char *end = strstr (p + 2, "']");
          if (end == NULL)
            break;
          step.name = g_strndup (p + 2, end - (p + 2));
          p = end + 2;
        }
      else if (p[0] == '[' && g_ascii_isdigit (p[1]))
        {
          char *end = NULL;
          step.index = g_ascii_strtoll (p + 1, &end, 10);
          if (*end != ']')
            break;
          p = end + 1;
        }
      else
        break;
      g_array_append_val (steps, step);
    }
  if (*p != '\0')
    {
      *reason = g_strdup_printf ("\"%s\" is not a path meshsim reads: it supports $, $.a.b, "
                                 "$.a[0] and $['a'] (no filters or wildcards), and stops "
                                 "understanding at \"%s\"", path, p);
      g_array_unref (steps);
      return NULL;
    }
  return steps;
}

gboolean
ms_asl_path_check (const char *path, gboolean context, char **reason)
{
  gboolean is_context = FALSE;
  GArray *steps = path_parse (path, context, &is_context, reason);
  if (steps == NULL)
    return FALSE;
  g_array_unref (steps);
  return TRUE;
}

static JsonNode *
walk (JsonNode *data, GArray *steps)
{
  JsonNode *node = data;
  for (guint i = 0; node != NULL && i < steps->len; i++)
    {
      Step *step = &g_array_index (steps, Step, i);
      if (step->name != NULL && JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), step->name);
      else if (step->name == NULL && JSON_NODE_HOLDS_ARRAY (node)
               && step->index < json_array_get_length (json_node_get_array (node)))
        node = json_array_get_element (json_node_get_array (node), (guint) step->index);
      else
        node = NULL;
    }
  return node;
}

JsonNode *
ms_asl_path_get (JsonNode *data, const char *path)
{
  gboolean context = FALSE;
  g_autofree char *reason = NULL;
  g_autoptr (GArray) steps = path_parse (path, FALSE, &context, &reason);
  return steps != NULL ? walk (data, steps) : NULL;
}

gboolean
ms_asl_path_set (JsonNode **data, const char *path, JsonNode *value)
{
  gboolean context = FALSE;
  g_autofree char *reason = NULL;
  g_autoptr (GArray) steps = path_parse (path, FALSE, &context, &reason);
  if (steps == NULL || steps->len == 0)
    {
      g_clear_pointer (data, json_node_unref);
      *data = value;
      return steps != NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (*data))
    {
      json_node_unref (value);
      return FALSE;
    }
  JsonObject *object = json_node_get_object (*data);
  for (guint i = 0; i < steps->len; i++)
    {
      Step *step = &g_array_index (steps, Step, i);
      if (step->name == NULL)
        {
          /* ResultPath may not index into arrays (the spec's "reference
           * path" names object members only). */
          json_node_unref (value);
          return FALSE;
        }
      if (i + 1 == steps->len)
        {
          json_object_set_member (object, step->name, value);
          return TRUE;
        }
      JsonNode *child = json_object_get_member (object, step->name);
      if (child == NULL)
        {
          json_object_set_object_member (object, step->name, json_object_new ());
          child = json_object_get_member (object, step->name);
        }
      if (!JSON_NODE_HOLDS_OBJECT (child))
        {
          json_node_unref (value);
          return FALSE;
        }
      object = json_node_get_object (child);
    }
  g_assert_not_reached ();
}

/* Errors. */

char *
ms_asl_http_error (int status)
{
  return status > 0 ? g_strdup_printf ("HTTP.%d", status) : g_strdup ("HTTP.NoResponse");
}

gboolean
ms_asl_error_matches (const char *pattern, const char *error)
{
  if (g_str_equal (pattern, "States.ALL") || g_str_equal (pattern, error))
    return TRUE;
  if (g_str_equal (pattern, "States.TaskFailed"))
    return !g_str_equal (error, "States.Timeout") && !g_str_equal (error, "States.Runtime");
  /* HTTP.4xx, HTTP.5xx: the class of the status. */
  return strlen (pattern) == 8 && g_str_has_prefix (pattern, "HTTP.")
         && g_str_has_suffix (pattern, "xx") && strlen (error) == 8
         && g_str_has_prefix (error, "HTTP.") && error[5] == pattern[5]
         && g_ascii_isdigit (error[6]) && g_ascii_isdigit (error[7]);
}

MsTime
ms_asl_retry_delay (const MsAslRetrier *r, int retry_count, double u)
{
  /* Repeated multiplication rather than pow(), as ms_saga_retry_delay
   * does: the same doubles everywhere, and it stops at the cap. */
  double delay = (double) r->interval;
  for (int i = 0; i < retry_count && (r->max_delay == 0 || delay < (double) r->max_delay); i++)
    delay *= r->backoff_rate;
  if (r->max_delay > 0 && delay > (double) r->max_delay)
    delay = (double) r->max_delay;
  if (r->full_jitter)
    delay *= u;
  return (MsTime) delay;
}
