/* models/apps/pattern.c - request reading, answering and calling for the
 * pattern models.
 *
 * Small on purpose: the parts every pattern model would otherwise write
 * again.  Query strings are parsed on each call (they are short, and only
 * pattern endpoints look at them); bodies are parsed with json-glib.
 */
#include "models/apps/pattern.h"

#include "sim/io/read.h"

#include <string.h>

char *
ms_pattern_path (const MsRequest *request)
{
  const char *query = strchr (request->path, '?');
  return query ? g_strndup (request->path, query - request->path) : g_strdup (request->path);
}

/* A member of a JSON object body as text: a string as it is, an integer
 * in decimal; NULL otherwise. */
static char *
body_param (const MsRequest *request, const char *name)
{
  if (request->body == NULL)
    return NULL;
  JsonObject *o;
  g_autoptr (JsonNode) node = ms_pattern_answer (request->body, &o);
  JsonNode *member = o ? json_object_get_member (o, name) : NULL;
  GType type = member ? json_node_get_value_type (member) : G_TYPE_INVALID;
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (member));
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (member));
  return NULL;
}

char *
ms_pattern_param (const MsRequest *request, const char *name)
{
  const char *query = strchr (request->path, '?');
  if (query == NULL)
    return body_param (request, name);
  g_auto (GStrv) pairs = g_strsplit (query + 1, "&", -1);
  gsize length = strlen (name);
  for (char **p = pairs; *p; p++)
    if (strncmp (*p, name, length) == 0 && ((*p)[length] == '=' || (*p)[length] == '\0'))
      {
        const char *value = (*p)[length] == '=' ? *p + length + 1 : "";
        char *decoded = g_uri_unescape_string (value, NULL);
        return decoded ? decoded : g_strdup (value);
      }
  return body_param (request, name);
}

gboolean
ms_pattern_param_int (const MsRequest *request, const char *name, gint64 min, gint64 max,
                      gint64 *out, char **reason)
{
  g_autofree char *text = ms_pattern_param (request, name);
  if (text == NULL)
    return TRUE;
  gint64 value;
  if (!g_ascii_string_to_signed (text, 10, min, max, &value, NULL))
    {
      *reason = g_strdup_printf ("parameter %s must be an integer from %" G_GINT64_FORMAT
                                 " to %" G_GINT64_FORMAT ", not \"%s\"", name, min, max, text);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
ms_pattern_param_duration (const MsRequest *request, const char *name, MsTime *out,
                           char **reason)
{
  g_autofree char *text = ms_pattern_param (request, name);
  if (text == NULL)
    return TRUE;
  g_autoptr (GError) error = NULL;
  if (!ms_duration_parse (text, out, &error))
    {
      *reason = g_strdup_printf ("parameter %s: %s", name, error->message);
      return FALSE;
    }
  return TRUE;
}

JsonNode *
ms_pattern_body_object (const MsRequest *request, char **reason)
{
  *reason = NULL;
  if (request->body == NULL)
    return NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  ms_body_write (request->body, text);
  if (text->len == 0)
    return NULL;
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text->str, &error);
  if (node == NULL)
    {
      *reason = g_strdup_printf ("the body is not JSON: %s", error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      json_node_unref (node);
      *reason = g_strdup ("the body must be a JSON object");
      return NULL;
    }
  return node;
}

JsonNode *
ms_pattern_answer (const MsBody *body, JsonObject **object)
{
  g_autoptr (GString) text = g_string_new (NULL);
  ms_body_write (body, text);
  JsonNode *node = json_from_string (text->str, NULL);
  *object = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  return node;
}

gint64
ms_pattern_member_int (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  return node && json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node) : 0;
}

const char *
ms_pattern_member_string (JsonObject *object, const char *name, gboolean *bad)
{
  JsonNode *member = json_object_get_member (object, name);
  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    return NULL;
  if (json_node_get_value_type (member) != G_TYPE_STRING)
    {
      *bad = TRUE;
      return NULL;
    }
  return json_node_get_string (member);
}

void
ms_pattern_append_string (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      unsigned char c = (unsigned char) *p;
      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

void
ms_pattern_reply (MsExchange *ex, int status, const GString *json)
{
  g_autoptr (MsBody) body = ms_body_new_text (json->str, (gssize) json->len);
  ms_exchange_finish (ex, status, 0, MS_RESET_NONE, body);
}

void
ms_pattern_reply_error (MsExchange *ex, int status, const char *error, const char *reason)
{
  g_autoptr (GString) json = g_string_new ("{\"error\":");
  ms_pattern_append_string (json, error);
  if (reason != NULL)
    {
      g_string_append (json, ",\"reason\":");
      ms_pattern_append_string (json, reason);
    }
  g_string_append_c (json, '}');
  ms_pattern_reply (ex, status, json);
}

/* Serving.  The function to call rides in the exchange's app scratch,
 * and the app is the one of the pod that took the request, so nothing is
 * allocated (and nothing leaks when a run ends mid-service). */

static void
serve_now (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *ex = data;
  MsPatternServe serve = (MsPatternServe) ex->app_data;
  ex->app_data = NULL;
  serve (ex->upstream->app, ex);
}

void
ms_pattern_serve_after (MsApp *app, MsPod *pod, const MsDist *latency, MsExchange *ex,
                        MsPatternServe serve)
{
  g_assert (ex->upstream == pod && pod->app == app);
  ex->app_data = (gpointer) serve;
  ms_sim_schedule (ms_cluster_sim (pod->cluster), ms_dist_sample (latency, &pod->random),
                   serve_now, ex);
}

/* Calls. */

struct _MsPatternCall {
  GQueue *owner;
  GList link;
  MsPod *pod;
  MsExchange *ex;
  MsTimer timer;
  MsPatternDone done;
  gpointer data;
};

static void
call_end (MsPatternCall *call, int status, MsBody *body)
{
  g_queue_unlink (call->owner, &call->link);
  MsPatternDone done = call->done;
  gpointer data = call->data;
  g_free (call);
  done (data, status, body);
}

static void
call_done (MsExchange *ex, gpointer data)
{
  MsPatternCall *call = data;
  ms_sim_cancel (ms_cluster_sim (call->pod->cluster), &call->timer);
  g_autoptr (MsBody) body = ex->body ? ms_body_ref (ex->body) : NULL;
  int status = ex->status;
  call->ex = NULL;
  ms_exchange_unref (ex);
  call_end (call, status, body);
}

static void
call_timeout (MsSim *sim, gpointer data)
{
  (void) sim;
  MsPatternCall *call = data;
  MsExchange *ex = g_steal_pointer (&call->ex);
  ms_exchange_cancel (ex);
  ms_exchange_unref (ex);
  call_end (call, 0, NULL);
}

void
ms_pattern_call (GQueue *calls, MsPod *pod, const char *method, const MsUrl *url,
                 const char *path, MsBody *body, MsTime timeout,
                 const MsTraceContext *trace, MsPatternDone done, gpointer data)
{
  MsCluster *cluster = pod->cluster;
  MsSim *sim = ms_cluster_sim (cluster);
  MsPatternCall *call = g_new0 (MsPatternCall, 1);
  call->owner = calls;
  call->link.data = call;
  call->pod = pod;
  call->done = done;
  call->data = data;
  g_queue_push_tail_link (calls, &call->link);

  MsRequest *request = ms_request_new (ms_cluster_pool (cluster));
  request->method = g_intern_string (method);
  request->host = url->host;
  request->port = url->port ? url->port : 80;
  request->path = g_intern_string (path);
  if (body != NULL)
    request->body = ms_body_ref (body);
  if (trace != NULL)
    ms_request_set_trace_context (request, trace);
  call->ex = ms_exchange_new (ms_cluster_pool (cluster), request, pod, ms_sim_now (sim),
                              call_done, call);
  ms_request_unref (request);
  if (timeout > 0)
    call->timer = ms_sim_schedule (sim, timeout, call_timeout, call);
  ms_pod_send (pod, call->ex);
}

void
ms_pattern_calls_cancel (GQueue *calls)
{
  GList *link;
  while ((link = g_queue_pop_head_link (calls)) != NULL)
    {
      MsPatternCall *call = link->data;
      ms_sim_cancel (ms_cluster_sim (call->pod->cluster), &call->timer);
      ms_exchange_cancel (call->ex);
      ms_exchange_unref (call->ex);
      g_free (call);
    }
}

void
ms_pattern_calls_clear (GQueue *calls, GDestroyNotify free_data)
{
  GList *link;
  while ((link = g_queue_pop_head_link (calls)) != NULL)
    {
      MsPatternCall *call = link->data;
      /* The exchange stays with the cluster's pool, which is freed after
       * the apps; its callback is never called again. */
      if (free_data != NULL)
        free_data (call->data);
      g_free (call);
    }
}

MsModel *
ms_pattern_bind_service (MsCluster *cluster, MsDeployment *deployment, const MsNode *node,
                         const char *key, MsUrl *url, const MsModelClass *klass,
                         GError **error)
{
  const MsNode *where = node ? ms_node_get (node, key) : NULL;
  int port = 0;
  MsService *service = ms_cluster_check_url (cluster, url, deployment->namespace_, where
                                             ? where : node, &port, error);
  if (service == NULL)
    return NULL;
  url->port = port;
  const GPtrArray *deployments = ms_cluster_deployments (cluster);
  for (guint i = 0; i < deployments->len; i++)
    {
      MsDeployment *d = deployments->pdata[i];
      MsModel *model = d->model;
      if (d->namespace_ == service->namespace_ && ms_labels_match (&d->labels, &service->selector)
          && model != NULL && model->klass == klass)
        return model;
    }
  ms_read_fail (error, where ? where : node, MS_SCENARIO_ERROR_REFERENCE,
                "'%s' must name a Service whose pods run model \"%s\", but Service %s has "
                "none; set \"model\": \"%s\" on its Deployment's workload", key, klass->name,
                service->name, klass->name);
  return NULL;
}
