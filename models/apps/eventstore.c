/* models/apps/eventstore.c - the event store served over HTTP.
 *
 * The log is the model's (the Deployment's database); pods only serve it.
 * Each request waits one draw of `latency`, then acts on the log at once,
 * so appends are serialised by the event queue exactly as a single-writer
 * store serialises them.  Long polls are held in a FIFO on the model and
 * answered, in the order they arrived, by the next append or by their own
 * timer.
 *
 * Not modelled: durability (a crash of the store's pod refuses
 * connections but loses nothing), stream deletion and metadata, the
 * server-side filters beyond one aggregate or one type, persistent
 * subscriptions and parking.
 */
#include "models/apps/eventstore.h"

#include "models/apps/pattern.h"
#include "sim/io/read.h"

#include <string.h>

#define DEFAULT_LIMIT 100
#define MAX_LIMIT 10000
#define MAX_BATCH 1000
#define MAX_WAIT MS_SEC (300)

typedef struct {
  MsModel base;
  MsDist latency;
  MsEventLog *log;
  MsUrl replay_to;           /* host NULL: no replay target */
  const char *replay_path;
  GQueue waiters;            /* Waiter *, oldest first */
  MsCluster *cluster;
  /* Report counters. */
  guint64 appends, appended, conflicts, duplicates, bad_requests;
  guint64 stream_reads, all_reads, long_polls, long_poll_timeouts, replays;
} StoreModel;

typedef struct {
  MsApp base;
  StoreModel *model;
  MsPod *pod;
  GQueue calls;              /* replay calls in flight */
} StoreApp;

/* A held read of $all. */
typedef struct {
  StoreModel *model;
  MsExchange *ex;
  guint64 from;
  guint64 limit;
  MsTimer timer;
  GList link;
} Waiter;

MsEventLog *
ms_event_store_log (MsModel *model)
{
  g_return_val_if_fail (model->klass == &ms_event_store_model_class, NULL);
  return ((StoreModel *) model)->log;
}

static void
store_free (MsModel *model)
{
  StoreModel *m = (StoreModel *) model;
  GList *link;
  while ((link = g_queue_pop_head_link (&m->waiters)) != NULL)
    g_free (link->data);
  ms_event_log_free (m->log);
  g_free (m);
}

static MsModel *
store_parse (const MsNode *node, GError **error)
{
  static const char *const fields[] = { "model", "latency", "replayTo", NULL };
  StoreModel *m = g_new0 (StoreModel, 1);
  m->base.klass = &ms_event_store_model_class;
  m->base.node = node;
  m->latency = ms_dist_fixed (MS_MSEC (1));
  m->log = ms_event_log_new ();
  g_autoptr (MsModel) guard = (MsModel *) m;
  if (node != NULL
      && (!ms_read_object (node, fields, error)
          || !ms_read_dist (node, "latency", FALSE, &m->latency, error)
          || !ms_read_url (node, "replayTo", FALSE, &m->replay_to, error)))
    return NULL;
  return g_steal_pointer (&guard);
}

static gboolean
store_bind (MsModel *model, MsCluster *cluster, MsDeployment *deployment, GError **error)
{
  StoreModel *m = (StoreModel *) model;
  m->cluster = cluster;
  if (m->replay_to.host == NULL)
    return TRUE;
  int port = 0;
  if (ms_cluster_check_url (cluster, &m->replay_to, deployment->namespace_,
                            ms_node_get (model->node, "replayTo"), &port, error) == NULL)
    return FALSE;
  m->replay_to.port = port;
  return TRUE;
}

/* Reading $all. */

static void
write_batch (StoreModel *m, guint64 from, guint64 limit, const char *aggregate,
             const char *type, GString *json)
{
  guint64 head = ms_event_log_head (m->log);
  g_string_append (json, "{\"events\":[");
  guint64 n = 0;
  for (guint64 p = from + 1; p <= head && n < limit; p++)
    {
      const MsRecordedEvent *e = ms_event_log_get (m->log, p);
      if ((aggregate && !g_str_equal (aggregate, e->stream))
          || (type && !g_str_equal (type, e->type)))
        continue;
      if (n++ > 0)
        g_string_append_c (json, ',');
      ms_recorded_event_write (e, json);
    }
  MsTime head_at = head > 0 ? ms_event_log_get (m->log, head)->appended_at : 0;
  g_string_append_printf (json, "],\"total\":%" G_GUINT64_FORMAT ",\"from\":%" G_GUINT64_FORMAT
                          ",\"head_position\":%" G_GUINT64_FORMAT
                          ",\"head_appended_us\":%" G_GINT64_FORMAT "}", n, from, head, head_at);
}

static void
waiter_answer (Waiter *w)
{
  StoreModel *m = w->model;
  g_queue_unlink (&m->waiters, &w->link);
  g_autoptr (GString) json = g_string_new (NULL);
  write_batch (m, w->from, w->limit, NULL, NULL, json);
  ms_pattern_reply (w->ex, 200, json);
  g_free (w);
}

static void
waiter_timeout (MsSim *sim, gpointer data)
{
  (void) sim;
  Waiter *w = data;
  w->model->long_poll_timeouts++;
  waiter_answer (w);
}

/* Wakes every held read: an append just moved the head past them all
 * (they only wait while from >= head). */
static void
wake_waiters (StoreModel *m)
{
  MsSim *sim = ms_cluster_sim (m->cluster);
  while (m->waiters.head != NULL)
    {
      Waiter *w = m->waiters.head->data;
      ms_sim_cancel (sim, &w->timer);
      waiter_answer (w);
    }
}

static void
read_all (StoreModel *m, MsExchange *ex)
{
  const MsRequest *request = ex->request;
  gint64 from = 0, limit = DEFAULT_LIMIT;
  MsTime wait = 0;
  g_autofree char *reason = NULL;
  g_autofree char *aggregate = ms_pattern_param (request, "aggregate");
  g_autofree char *type = ms_pattern_param (request, "type");
  if (!ms_pattern_param_int (request, "from", 0, G_MAXINT64, &from, &reason)
      || !ms_pattern_param_int (request, "limit", 1, MAX_LIMIT, &limit, &reason)
      || !ms_pattern_param_duration (request, "wait", &wait, &reason))
    {
      m->bad_requests++;
      ms_pattern_reply_error (ex, 400, "bad_request", reason);
      return;
    }
  m->all_reads++;
  if (wait > 0 && aggregate == NULL && type == NULL
      && (guint64) from >= ms_event_log_head (m->log))
    {
      m->long_polls++;
      Waiter *w = g_new0 (Waiter, 1);
      *w = (Waiter) { .model = m, .ex = ex, .from = (guint64) from, .limit = (guint64) limit };
      w->link.data = w;
      g_queue_push_tail_link (&m->waiters, &w->link);
      w->timer = ms_sim_schedule (ms_cluster_sim (m->cluster), MIN (wait, MAX_WAIT),
                                  waiter_timeout, w);
      return;
    }
  g_autoptr (GString) json = g_string_new (NULL);
  write_batch (m, (guint64) from, (guint64) limit, aggregate, type, json);
  ms_pattern_reply (ex, 200, json);
}

/* Reading one stream. */

static void
read_stream (StoreModel *m, MsExchange *ex, const char *stream)
{
  gint64 from = 0, count = DEFAULT_LIMIT;
  g_autofree char *reason = NULL;
  g_autofree char *direction = ms_pattern_param (ex->request, "direction");
  gboolean backward = direction != NULL && g_str_equal (direction, "backward");
  if (!ms_pattern_param_int (ex->request, "from", 0, G_MAXINT64, &from, &reason)
      || !ms_pattern_param_int (ex->request, "count", 1, MAX_LIMIT, &count, &reason)
      || (direction != NULL && !backward && !g_str_equal (direction, "forward")))
    {
      m->bad_requests++;
      ms_pattern_reply_error (ex, 400, "bad_request",
                              reason ? reason : "direction must be forward or backward");
      return;
    }
  m->stream_reads++;
  guint64 version = ms_event_log_version (m->log, stream);
  g_autoptr (GString) json = g_string_new ("{\"aggregate_id\":");
  ms_pattern_append_string (json, stream);
  g_string_append_printf (json, ",\"version\":%" G_GUINT64_FORMAT, version);
  if (version == 0)
    {
      g_string_append (json, ",\"error\":\"stream_not_found\"}");
      ms_pattern_reply (ex, 404, json);
      return;
    }
  g_autoptr (GPtrArray) events = ms_event_log_read_stream (m->log, stream, (guint64) from,
                                                           (guint64) count, backward);
  g_string_append (json, ",\"events\":[");
  for (guint i = 0; i < events->len; i++)
    {
      if (i > 0)
        g_string_append_c (json, ',');
      ms_recorded_event_write (events->pdata[i], json);
    }
  g_string_append (json, "]}");
  ms_pattern_reply (ex, 200, json);
}

/* Appending. */

/* Reads expected_version; FALSE with *reason when it is not one of the
 * four forms. */
static gboolean
read_expected (JsonObject *o, MsExpectedVersion *out, char **reason)
{
  JsonNode *node = json_object_get_member (o, "expected_version");
  *out = (MsExpectedVersion) { MS_EXPECTED_ANY, 0 };
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  GType type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64 && json_node_get_int (node) >= 0)
    {
      *out = (MsExpectedVersion) { MS_EXPECTED_EXACT, (guint64) json_node_get_int (node) };
      return TRUE;
    }
  static const char *const names[] = { "any", "no_stream", "stream_exists", NULL };
  for (int i = 0; type == G_TYPE_STRING && names[i]; i++)
    if (g_str_equal (json_node_get_string (node), names[i]))
      {
        out->kind = (MsExpectedKind) i;
        return TRUE;
      }
  *reason = g_strdup ("expected_version must be \"any\", \"no_stream\", \"stream_exists\" or "
                      "a version (0 or more)");
  return FALSE;
}

static void
write_expected (MsExpectedVersion expected, GString *json)
{
  static const char *const names[] = { "\"any\"", "\"no_stream\"", "\"stream_exists\"" };
  if (expected.kind == MS_EXPECTED_EXACT)
    g_string_append_printf (json, "%" G_GUINT64_FORMAT, expected.version);
  else
    g_string_append (json, names[expected.kind]);
}

/* Reads one event of a batch; data is written back as compact JSON into
 * *text (transfer full). */
static gboolean
read_event (JsonNode *node, MsEventData *out, char **text, char **reason)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      *reason = g_strdup ("each event must be an object with event_type and data");
      return FALSE;
    }
  JsonObject *o = json_node_get_object (node);
  gboolean bad = FALSE;
  out->event_id = ms_pattern_member_string (o, "event_id", &bad);
  out->type = ms_pattern_member_string (o, "event_type", &bad);
  JsonNode *data = json_object_get_member (o, "data");
  if (bad || out->type == NULL || *out->type == '\0')
    {
      *reason = g_strdup ("each event needs event_type (a string); event_id must be a string");
      return FALSE;
    }
  if (data != NULL && !JSON_NODE_HOLDS_OBJECT (data))
    {
      *reason = g_strdup ("an event's data must be an object");
      return FALSE;
    }
  *text = data ? json_to_string (data, FALSE) : g_strdup ("{}");
  out->data = *text;
  return TRUE;
}

static void
append (StoreModel *m, MsExchange *ex)
{
  g_autofree char *reason = NULL;
  g_autoptr (JsonNode) body = ms_pattern_body_object (ex->request, &reason);
  JsonObject *o = body ? json_node_get_object (body) : NULL;
  gboolean bad = FALSE;
  const char *stream = o ? ms_pattern_member_string (o, "aggregate_id", &bad) : NULL;
  MsExpectedVersion expected;
  if (o == NULL || bad || stream == NULL || *stream == '\0')
    {
      m->bad_requests++;
      ms_pattern_reply_error (ex, 400, "bad_request",
                              reason ? reason : "the body needs aggregate_id (a string)");
      return;
    }
  if (!read_expected (o, &expected, &reason))
    {
      m->bad_requests++;
      ms_pattern_reply_error (ex, 400, "bad_request", reason);
      return;
    }
  /* A batch, or the one-event shorthand {aggregate_id, event_type, data}. */
  JsonNode *list = json_object_get_member (o, "events");
  g_autoptr (JsonArray) single = NULL;
  if (list == NULL)
    {
      single = json_array_new ();
      json_array_add_element (single, json_node_ref (body));
    }
  else if (!JSON_NODE_HOLDS_ARRAY (list))
    reason = g_strdup ("events must be an array");
  JsonArray *array = single ? single : list && JSON_NODE_HOLDS_ARRAY (list)
                                       ? json_node_get_array (list) : NULL;
  guint n = array ? json_array_get_length (array) : 0;
  if (reason == NULL && (n == 0 || n > MAX_BATCH))
    reason = g_strdup_printf ("a batch holds 1 to %d events", MAX_BATCH);
  g_autofree MsEventData *events = g_new0 (MsEventData, MAX (n, 1));
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; reason == NULL && i < n; i++)
    {
      char *text = NULL;
      if (read_event (json_array_get_element (array, i), &events[i], &text, &reason))
        g_ptr_array_add (texts, text);
    }
  if (reason != NULL)
    {
      m->bad_requests++;
      ms_pattern_reply_error (ex, 400, "bad_request", reason);
      return;
    }

  MsAppendResult r = ms_event_log_append (m->log, stream, expected, events, n,
                                          ms_sim_now (ms_cluster_sim (m->cluster)));
  g_autoptr (GString) json = g_string_new ("{\"aggregate_id\":");
  ms_pattern_append_string (json, stream);
  switch (r.status)
    {
    case MS_APPEND_WRONG_VERSION:
      m->conflicts++;
      g_string_append (json, ",\"error\":\"wrong_expected_version\",\"expected\":");
      write_expected (expected, json);
      g_string_append_printf (json, ",\"actual\":%" G_GUINT64_FORMAT "}", r.actual);
      ms_pattern_reply (ex, 409, json);
      return;
    case MS_APPEND_BAD_ID:
      m->bad_requests++;
      ms_pattern_reply_error (ex, 400, "bad_event_id",
                              "an event id of this batch is used in another stream, twice in "
                              "the batch, or only some of the batch was appended before");
      return;
    case MS_APPEND_DUPLICATE:
      m->duplicates++;
      break;
    case MS_APPEND_OK:
      m->appends++;
      m->appended += n;
      break;
    default:
      g_assert_not_reached ();
    }
  g_string_append_printf (json, ",\"version\":%" G_GUINT64_FORMAT ",\"first_position\":%"
                          G_GUINT64_FORMAT ",\"position\":%" G_GUINT64_FORMAT
                          ",\"duplicate\":%s}", r.version, r.first_position, r.last_position,
                          r.status == MS_APPEND_DUPLICATE ? "true" : "false");
  ms_pattern_reply (ex, 200, json);
  if (r.status == MS_APPEND_OK)
    wake_waiters (m);
}

/* Replay: asks the projector named by replayTo to rebuild. */

typedef struct {
  StoreApp *app;
  MsExchange *ex;
  guint64 head;
} Replay;

static void
replay_done (gpointer data, int status, MsBody *body)
{
  Replay *r = data;
  g_autoptr (GString) json = g_string_new (NULL);
  g_string_append_printf (json, "{\"replay_id\":\"replay-%" G_GUINT64_FORMAT "\",\"status\":\"%s\","
                          "\"events_count\":%" G_GUINT64_FORMAT ",\"target_status\":%d,"
                          "\"target\":", r->app->model->replays,
                          status >= 200 && status < 300 ? "started" : "failed", r->head, status);
  if (body != NULL)
    ms_body_write (body, json);
  else
    g_string_append (json, "null");
  g_string_append_c (json, '}');
  ms_pattern_reply (r->ex, status >= 200 && status < 300 ? 200 : 502, json);
  g_free (r);
}

static void
replay (StoreApp *app, MsExchange *ex)
{
  StoreModel *m = app->model;
  m->replays++;
  guint64 head = ms_event_log_head (m->log);
  if (m->replay_to.host == NULL)
    {
      g_autoptr (GString) json = g_string_new (NULL);
      g_string_append_printf (json, "{\"replay_id\":\"replay-%" G_GUINT64_FORMAT "\",\"status\":"
                              "\"no_target\",\"events_count\":%" G_GUINT64_FORMAT ",\"reason\":"
                              "\"set replayTo to a projector's /api/projections/rebuild\"}",
                              m->replays, head);
      ms_pattern_reply (ex, 200, json);
      return;
    }
  Replay *r = g_new0 (Replay, 1);
  *r = (Replay) { app, ex, head };
  MsTraceContext trace = ms_request_trace_context (ex->request);
  ms_pattern_call (&app->calls, app->pod, "POST", &m->replay_to, m->replay_to.path, NULL,
                   MS_SEC (5), &trace, replay_done, r);
}

static void
serve (MsApp *base, MsExchange *ex)
{
  StoreApp *app = (StoreApp *) base;
  StoreModel *m = app->model;
  const char *method = ex->request->method;
  g_autofree char *path = ms_pattern_path (ex->request);
  gboolean get = g_str_equal (method, "GET"), post = g_str_equal (method, "POST");
  if (g_str_equal (path, "/health"))
    {
      g_autoptr (GString) json = g_string_new (NULL);
      g_string_append_printf (json, "{\"service\":\"event-store\",\"status\":\"healthy\","
                              "\"head_position\":%" G_GUINT64_FORMAT "}",
                              ms_event_log_head (m->log));
      ms_pattern_reply (ex, 200, json);
    }
  else if (g_str_equal (path, "/api/events") && post)
    append (m, ex);
  else if (g_str_equal (path, "/api/events") && get)
    read_all (m, ex);
  else if (g_str_equal (path, "/api/events/replay") && post)
    replay (app, ex);
  else if (g_str_has_prefix (path, "/api/streams/") && get && path[13] != '\0'
           && strchr (path + 13, '/') == NULL)
    {
      g_autofree char *stream = g_uri_unescape_string (path + 13, NULL);
      read_stream (m, ex, stream ? stream : path + 13);
    }
  else if (g_str_equal (path, "/api/streams") && get)
    {
      g_autofree char *stream = ms_pattern_param (ex->request, "aggregate_id");
      if (stream == NULL || *stream == '\0')
        {
          m->bad_requests++;
          ms_pattern_reply_error (ex, 400, "bad_request", "name the stream: /api/streams/<id>, "
                                  "or aggregate_id as a parameter");
        }
      else
        read_stream (m, ex, stream);
    }
  else
    ms_pattern_reply_error (ex, 404, "not_found", NULL);
}

static void
store_handle (MsApp *base, MsPod *pod, MsExchange *ex)
{
  StoreApp *app = (StoreApp *) base;
  ms_pattern_serve_after (base, pod, &app->model->latency, ex, serve);
}

static void
store_app_free (MsApp *base)
{
  StoreApp *app = (StoreApp *) base;
  /* Replays still waiting for their target when the run ended. */
  ms_pattern_calls_clear (&app->calls, g_free);
  g_free (app);
}

static MsApp *
store_new_app (MsModel *model, MsPod *pod)
{
  StoreApp *app = g_new0 (StoreApp, 1);
  app->base.handle = store_handle;
  app->base.free = store_app_free;
  app->model = (StoreModel *) model;
  app->pod = pod;
  return &app->base;
}

static void
store_report (MsModel *model, MsReport *report, MsReportNode *workload)
{
  (void) report;
  StoreModel *m = (StoreModel *) model;
  ms_report_set_string (workload, "model", "event-store");
  ms_report_set_int (workload, "head_position", (gint64) ms_event_log_head (m->log));
  ms_report_set_int (workload, "streams", ms_event_log_n_streams (m->log));
  ms_report_set_int (workload, "appends", (gint64) m->appends);
  ms_report_set_int (workload, "events_appended", (gint64) m->appended);
  ms_report_set_int (workload, "conflicts", (gint64) m->conflicts);
  ms_report_set_int (workload, "duplicates", (gint64) m->duplicates);
  ms_report_set_int (workload, "bad_requests", (gint64) m->bad_requests);
  ms_report_set_int (workload, "stream_reads", (gint64) m->stream_reads);
  ms_report_set_int (workload, "all_reads", (gint64) m->all_reads);
  ms_report_set_int (workload, "long_polls", (gint64) m->long_polls);
  ms_report_set_int (workload, "long_poll_timeouts", (gint64) m->long_poll_timeouts);
  ms_report_set_int (workload, "replays", (gint64) m->replays);
}

const MsModelClass ms_event_store_model_class = {
  .name = "event-store",
  .parse = store_parse,
  .bind = store_bind,
  .new_app = store_new_app,
  .report = store_report,
  .free = store_free,
};
