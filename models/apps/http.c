/* models/apps/http.c - the generic HTTP service.
 *
 * Per pod: a count of busy slots and a FIFO ring of waiting exchanges.  A
 * request holds its slot from the start of service until its response is
 * sent, including the time spent waiting for its calls, as a thread per
 * request would.  Requests without calls cost one event (service time);
 * each call adds an exchange and the hops beneath it.
 *
 * Not modelled: request bodies influencing the answer, keep-alive between
 * an app and its calls' hosts, and pods that crash while holding requests
 * (a crash refuses new connections only; what was accepted completes).
 */
#include "models/apps/http.h"

#include "sim/io/read.h"

#include <string.h>

typedef struct {
  double fraction;
  int status;
} ErrorRule;

typedef struct {
  double fraction;
  MsTime delay;
} DelayRule;

typedef enum { ON_ERROR_FAIL, ON_ERROR_CONTINUE } OnError;

typedef struct {
  const char *name;         /* interned: response bodies keep it (ms_body_new_composite) */
  const char *method;
  MsUrl url;
  MsLabels headers;
  char **forward;           /* header names, lower case */
  MsBody *body;             /* request body, or NULL */
  MsTime timeout;           /* 0: none */
  int attempts;
  OnError on_error;
  int fail_status;
  MsBody *fallback;
  const char **interned;    /* headers then forwardHeaders names, interned */
  MsService *service;       /* resolved by bind */
  const MsNode *node;
  guint64 ok, failed;       /* report counters, per deployment */
} Call;

typedef struct {
  const char *prefix, *exact;
  GRegex *regex;
  const char *method;       /* NULL: any */
  int status;
  MsBody *body;
  gboolean parallel;
  GArray *errors;           /* ErrorRule */
  GArray *delays;           /* DelayRule */
  GPtrArray *calls;         /* Call * */
  const MsNode *node;
  gpointer free_jobs;       /* finished Jobs kept for reuse, chained by link.next */
} Route;

typedef struct {
  MsModel base;
  gint64 concurrency;
  gint64 queue;
  MsDist latency;
  GPtrArray *routes;        /* Route * */
  MsBody *not_found;
  MsBody *overloaded;
  guint64 rejected;         /* 503 for a full queue */
} HttpModel;

typedef struct {
  MsApp base;
  HttpModel *model;
  MsPod *pod;
  gint64 busy;
  MsExchange **ring;        /* waiting requests, capacity model->queue */
  gint64 head, length;
  GList *jobs;              /* requests waiting for their calls */
} HttpApp;

/* One request being served with calls. */
typedef struct {
  HttpApp *app;
  MsExchange *ex;           /* the incoming request */
  Route *route;
  guint next_call;          /* sequential: the call in progress */
  guint pending;            /* calls not finished yet */
  gboolean failed;
  int fail_status;
  MsBody **results;         /* per call: body or fallback */
  struct _CallState **states; /* per call: the state while in progress */
  GList link;               /* in app->jobs */
  /* results, states and the CallStates themselves follow in the same
   * block (job_new): one malloc per request served with calls instead of
   * three plus one per call. */
} Job;

/* One call of a job, across its attempts. */
typedef struct _CallState {
  Job *job;
  guint index;
  int attempt;
  MsExchange *ex;           /* the attempt in flight */
  MsTimer timer;
} CallState;

static void call_free (gpointer data)
{
  Call *c = data;
  ms_labels_clear (&c->headers);
  g_strfreev (c->forward);
  g_free (c->interned);
  g_clear_pointer (&c->body, ms_body_unref);
  g_clear_pointer (&c->fallback, ms_body_unref);
  g_free (c);
}

static void route_free (gpointer data)
{
  Route *r = data;
  g_clear_pointer (&r->regex, g_regex_unref);
  g_clear_pointer (&r->body, ms_body_unref);
  g_array_unref (r->errors);
  g_array_unref (r->delays);
  g_ptr_array_unref (r->calls);
  while (r->free_jobs != NULL)
    {
      GList *link = r->free_jobs;   /* its data is the job */
      r->free_jobs = link->next;
      g_free (link->data);
    }
  g_free (r);
}

static void
http_model_free (MsModel *model)
{
  HttpModel *m = (HttpModel *) model;
  g_ptr_array_unref (m->routes);
  ms_body_unref (m->not_found);
  ms_body_unref (m->overloaded);
  g_free (m);
}

/* Serialises an inline JSON value as a body. */
static MsBody *
body_from_node (const MsNode *node)
{
  if (node == NULL || node->kind == MS_NODE_NULL)
    return NULL;
  GString *text = g_string_new (NULL);
  if (node->kind == MS_NODE_STRING)
    {
      /* A string body is sent as it is, like nginx's return 'text'. */
      g_string_append (text, node->text);
    }
  else
    {
      ms_node_write_json (node, text);
    }
  MsBody *body = ms_body_new_text (text->str, text->len);
  g_string_free (text, TRUE);
  return body;
}

static gboolean
read_call (const MsNode *node, GPtrArray *calls, GError **error)
{
  static const char *const fields[] = {
    "name", "url", "method", "headers", "body", "timeout", "attempts", "forwardHeaders",
    "onError", "failStatus", "fallback", NULL,
  };
  static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", NULL };
  static const char *const on_error[] = { "fail", "continue", NULL };
  if (!ms_read_object (node, fields, error))
    return FALSE;
  Call *c = g_new0 (Call, 1);
  g_ptr_array_add (calls, c);
  c->node = node;
  c->attempts = 1;
  c->fail_status = 502;
  const char *name = NULL;
  int method = 0, on = ON_ERROR_FAIL;
  gint64 attempts = 1, fail_status = 502;
  const MsNode *headers, *forward;
  if (!ms_read_url (node, "url", TRUE, &c->url, error)
      || !ms_read_string (node, "name", FALSE, &name, error)
      || !ms_read_choice (node, "method", FALSE, methods, &method, error)
      || !ms_read_child (node, "headers", MS_NODE_OBJECT, FALSE, &headers, error)
      || !ms_read_duration (node, "timeout", FALSE, &c->timeout, error)
      || !ms_read_int (node, "attempts", FALSE, 1, 100, &attempts, error)
      || !ms_read_child (node, "forwardHeaders", MS_NODE_ARRAY, FALSE, &forward, error)
      || !ms_read_choice (node, "onError", FALSE, on_error, &on, error)
      || !ms_read_int (node, "failStatus", FALSE, 100, 599, &fail_status, error))
    return FALSE;
  c->name = g_intern_string (name ? name : c->url.host);
  c->method = g_intern_string (methods[method]);
  c->attempts = (int) attempts;
  c->on_error = (OnError) on;
  c->fail_status = (int) fail_status;
  c->body = body_from_node (ms_node_get (node, "body"));
  c->fallback = body_from_node (ms_node_get (node, "fallback"));
  if (headers != NULL)
    {
      c->headers.keys = g_new0 (char *, headers->children->len + 1);
      c->headers.values = g_new0 (char *, headers->children->len + 1);
      for (guint i = 0; i < headers->children->len; i++)
        {
          const MsNode *h = headers->children->pdata[i];
          if (!ms_read_expect (h, MS_NODE_STRING, error))
            return FALSE;
          c->headers.keys[i] = g_ascii_strdown (h->key, -1);
          c->headers.values[i] = g_strdup (h->text);
          c->headers.n = i + 1;
        }
    }
  guint n_forward = forward ? forward->children->len : 0;
  if (c->headers.n + n_forward > 12)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_TOO_LARGE,
                         "a call can set and forward at most 12 headers in all");
  c->forward = g_new0 (char *, n_forward + 1);
  for (guint i = 0; i < n_forward; i++)
    {
      const MsNode *h = forward->children->pdata[i];
      if (!ms_read_expect (h, MS_NODE_STRING, error))
        return FALSE;
      c->forward[i] = g_ascii_strdown (h->text, -1);
    }
  /* Interned once here, so that making a call takes no lock. */
  c->interned = g_new0 (const char *, 2 * c->headers.n + n_forward + 1);
  for (guint i = 0; i < c->headers.n; i++)
    {
      c->interned[2 * i] = g_intern_string (c->headers.keys[i]);
      c->interned[2 * i + 1] = g_intern_string (c->headers.values[i]);
    }
  for (guint i = 0; i < n_forward; i++)
    c->interned[2 * c->headers.n + i] = g_intern_string (c->forward[i]);
  for (guint i = 0; i + 1 < calls->len; i++)
    if (g_str_equal (((Call *) calls->pdata[i])->name, c->name))
      return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                           "two calls of this route are named \"%s\"; give each a 'name', "
                           "under which its result appears in the response and the report",
                           c->name);
  return TRUE;
}

static gboolean
read_route (const MsNode *node, GPtrArray *routes, GError **error)
{
  static const char *const fields[] = {
    "match", "calls", "parallel", "response", "errors", "delays", NULL,
  };
  static const char *const match_fields[] = { "prefix", "exact", "regex", "method", NULL };
  static const char *const response_fields[] = { "status", "body", NULL };
  static const char *const error_fields[] = { "fraction", "status", NULL };
  static const char *const delay_fields[] = { "fraction", "delay", NULL };
  if (!ms_read_object (node, fields, error))
    return FALSE;
  Route *r = g_new0 (Route, 1);
  g_ptr_array_add (routes, r);
  r->node = node;
  r->status = 200;
  r->errors = g_array_new (FALSE, FALSE, sizeof (ErrorRule));
  r->delays = g_array_new (FALSE, FALSE, sizeof (DelayRule));
  r->calls = g_ptr_array_new_with_free_func (call_free);
  const MsNode *match, *response, *calls, *errors, *delays;
  if (!ms_read_child (node, "match", MS_NODE_OBJECT, FALSE, &match, error)
      || !ms_read_child (node, "response", MS_NODE_OBJECT, FALSE, &response, error)
      || !ms_read_child (node, "calls", MS_NODE_ARRAY, FALSE, &calls, error)
      || !ms_read_child (node, "errors", MS_NODE_ARRAY, FALSE, &errors, error)
      || !ms_read_child (node, "delays", MS_NODE_ARRAY, FALSE, &delays, error)
      || !ms_read_bool (node, "parallel", FALSE, &r->parallel, error))
    return FALSE;
  if (match != NULL)
    {
      const char *regex = NULL;
      if (!ms_read_object (match, match_fields, error)
          || !ms_read_string (match, "prefix", FALSE, &r->prefix, error)
          || !ms_read_string (match, "exact", FALSE, &r->exact, error)
          || !ms_read_string (match, "regex", FALSE, &regex, error)
          || !ms_read_string (match, "method", FALSE, &r->method, error))
        return FALSE;
      if ((r->prefix != NULL) + (r->exact != NULL) + (regex != NULL) > 1)
        return ms_read_fail (error, match, MS_SCENARIO_ERROR_VALUE,
                             "use one of 'prefix', 'exact' or 'regex' in a match");
      if (regex != NULL)
        {
          g_autoptr (GError) local = NULL;
          /* The user's own pattern first, so an error's offset counts in
           * what they wrote; then anchored at both ends, as Istio's regex
           * matches the whole path. */
          g_autoptr (GRegex) plain = g_regex_new (regex, 0, 0, &local);
          g_autofree char *anchored = g_strdup_printf ("^(?:%s)$", regex);
          if (plain != NULL)
            r->regex = g_regex_new (anchored, G_REGEX_OPTIMIZE, 0, &local);
          if (r->regex == NULL)
            return ms_read_fail (error, ms_node_get (match, "regex"), MS_SCENARIO_ERROR_VALUE,
                                 "invalid regular expression: %s", local->message);
        }
      if (r->method != NULL)
        r->method = g_intern_string (r->method);
    }
  if (response != NULL)
    {
      gint64 status = 200;
      if (!ms_read_object (response, response_fields, error)
          || !ms_read_int (response, "status", FALSE, 100, 599, &status, error))
        return FALSE;
      r->status = (int) status;
      r->body = body_from_node (ms_node_get (response, "body"));
    }
  for (guint i = 0; errors != NULL && i < errors->children->len; i++)
    {
      const MsNode *e = errors->children->pdata[i];
      ErrorRule rule = { 1.0, 0 };
      gint64 status = 0;
      if (!ms_read_object (e, error_fields, error)
          || !ms_read_number (e, "fraction", FALSE, 0.0, 1.0, &rule.fraction, error)
          || !ms_read_int (e, "status", TRUE, 100, 599, &status, error))
        return FALSE;
      rule.status = (int) status;
      g_array_append_val (r->errors, rule);
    }
  for (guint i = 0; delays != NULL && i < delays->children->len; i++)
    {
      const MsNode *d = delays->children->pdata[i];
      DelayRule rule = { 1.0, 0 };
      if (!ms_read_object (d, delay_fields, error)
          || !ms_read_number (d, "fraction", FALSE, 0.0, 1.0, &rule.fraction, error)
          || !ms_read_duration (d, "delay", TRUE, &rule.delay, error))
        return FALSE;
      g_array_append_val (r->delays, rule);
    }
  if (calls != NULL && calls->children->len > 64)
    return ms_read_fail (error, calls, MS_SCENARIO_ERROR_TOO_LARGE,
                         "at most 64 calls per route, found %u", calls->children->len);
  for (guint i = 0; calls != NULL && i < calls->children->len; i++)
    if (!read_call (calls->children->pdata[i], r->calls, error))
      return FALSE;
  return TRUE;
}

static MsModel *
http_parse (const MsNode *node, GError **error)
{
  static const char *const fields[] = {
    "model", "concurrency", "queue", "latency", "routes", NULL,
  };
  HttpModel *m = g_new0 (HttpModel, 1);
  m->base.klass = &ms_http_model_class;
  m->base.node = node;
  m->concurrency = 64;
  m->queue = 1024;
  m->latency = ms_dist_fixed (MS_MSEC (1));
  m->routes = g_ptr_array_new_with_free_func (route_free);
  m->not_found = ms_body_new_text ("{\"error\":\"not found\"}", -1);
  m->overloaded = ms_body_new_text ("{\"error\":\"overloaded\"}", -1);
  g_autoptr (MsModel) guard = (MsModel *) m;

  const MsNode *routes = NULL;
  if (node != NULL
      && (!ms_read_object (node, fields, error)
          || !ms_read_int (node, "concurrency", FALSE, 1, 1000000, &m->concurrency, error)
          || !ms_read_int (node, "queue", FALSE, 0, 10000000, &m->queue, error)
          || !ms_read_dist (node, "latency", FALSE, &m->latency, error)
          || !ms_read_child (node, "routes", MS_NODE_ARRAY, FALSE, &routes, error)))
    return NULL;
  for (guint i = 0; routes != NULL && i < routes->children->len; i++)
    if (!read_route (routes->children->pdata[i], m->routes, error))
      return NULL;
  if (routes == NULL)
    {
      /* No routes: answer 200 to everything, as a bare service would. */
      Route *r = g_new0 (Route, 1);
      r->status = 200;
      r->errors = g_array_new (FALSE, FALSE, sizeof (ErrorRule));
      r->delays = g_array_new (FALSE, FALSE, sizeof (DelayRule));
      r->calls = g_ptr_array_new_with_free_func (call_free);
      g_ptr_array_add (m->routes, r);
    }
  return g_steal_pointer (&guard);
}

static gboolean
http_bind (MsModel *model, MsCluster *cluster, MsDeployment *deployment, GError **error)
{
  HttpModel *m = (HttpModel *) model;
  for (guint r = 0; r < m->routes->len; r++)
    {
      Route *route = m->routes->pdata[r];
      for (guint i = 0; i < route->calls->len; i++)
        {
          Call *c = route->calls->pdata[i];
          int port = 0;
          c->service = ms_cluster_check_url (cluster, &c->url, deployment->namespace_,
                                             ms_node_get (c->node, "url"), &port, error);
          if (c->service == NULL)
            return FALSE;
          c->url.port = port;
        }
    }
  return TRUE;
}

static Route *
match_route (HttpModel *m, const MsRequest *request)
{
  for (guint i = 0; i < m->routes->len; i++)
    {
      Route *r = m->routes->pdata[i];
      if (r->method != NULL && r->method != request->method)
        continue;
      const char *path = request->path;
      /* Paths are matched without the query string. */
      const char *query = strchr (path, '?');
      g_autofree char *bare = query ? g_strndup (path, query - path) : NULL;
      if (bare != NULL)
        path = bare;
      if (r->prefix != NULL && !g_str_has_prefix (path, r->prefix))
        continue;
      if (r->exact != NULL && !g_str_equal (path, r->exact))
        continue;
      if (r->regex != NULL && !g_regex_match (r->regex, path, 0, NULL))
        continue;
      return r;
    }
  return NULL;
}

/* Serving. */

static void start (HttpApp *app, MsExchange *ex);

/* Sends the response and hands the slot to the next waiting request. */
/* The app's own span: from arrival to answer, parent of its calls. */
static void
trace_app (HttpApp *app, MsExchange *ex, int status)
{
  const MsTracer *tracer = ms_cluster_tracer (app->pod->cluster);
  if (tracer == NULL || ex->app_span == 0)
    return;
  char code[8];
  g_snprintf (code, sizeof code, "%d", status);
  const char *tags[] = { "component", "app", "http.method", ex->request->method, "http.url",
                         ex->request->path, "http.status_code", code, NULL };
  g_autofree char *name = g_strdup_printf ("%s %s", ex->request->method, ex->request->path);
  MsSpan span = { ex->request->trace_hi, ex->request->trace_lo, ex->app_span,
                  ex->request->parent_span, MS_SPAN_LOCAL, name, app->pod, NULL, ex->start,
                  ms_sim_now (ms_cluster_sim (app->pod->cluster)), tags };
  tracer->record (tracer->data, &span);
}

static void
respond (HttpApp *app, MsExchange *ex, int status, MsBody *body)
{
  trace_app (app, ex, status);
  ms_exchange_finish (ex, status, 0, MS_RESET_NONE, body);
  app->busy--;
  if (app->length > 0)
    {
      MsExchange *next = app->ring[app->head];
      app->head = (app->head + 1) % app->model->queue;
      app->length--;
      start (app, next);
    }
}

static void job_next (Job *job);

/* Drops the job's results and takes it off its app's list. */
static void
job_clear (Job *job)
{
  for (guint i = 0; i < job->route->calls->len; i++)
    g_clear_pointer (&job->results[i], ms_body_unref);
  job->app->jobs = g_list_remove_link (job->app->jobs, &job->link);
}

/* When the app goes with the run still in progress. */
static void
job_free (Job *job)
{
  job_clear (job);
  g_free (job);   /* with its results and call states */
}

/* A finished job goes to its route's free list (job_new). */
static void
job_recycle (Job *job)
{
  job_clear (job);
  job->link.next = job->route->free_jobs;
  job->route->free_jobs = &job->link;
}

static void
job_finish (Job *job)
{
  Route *route = job->route;
  if (job->failed)
    {
      g_autofree char *text = g_strdup_printf ("{\"error\":\"upstream call failed\"}");
      g_autoptr (MsBody) body = ms_body_new_text (text, -1);
      respond (job->app, job->ex, job->fail_status, body);
    }
  else
    {
      const char *names[64];
      for (guint i = 0; i < route->calls->len; i++)
        names[i] = ((Call *) route->calls->pdata[i])->name;
      g_autoptr (MsBody) body = ms_body_new_composite (route->body, route->calls->len, names,
                                                       job->results);
      respond (job->app, job->ex, route->status, body);
    }
  job_recycle (job);
}

static void call_attempt (CallState *state);

/* A call has its final outcome. */
static void
call_complete (CallState *state, gboolean ok, MsBody *body)
{
  Job *job = state->job;
  Call *call = job->route->calls->pdata[state->index];
  if (ok)
    {
      call->ok++;
      job->results[state->index] = body ? ms_body_ref (body) : NULL;
    }
  else
    {
      call->failed++;
      job->results[state->index] = call->fallback ? ms_body_ref (call->fallback) : NULL;
      if (call->on_error == ON_ERROR_FAIL && !job->failed)
        {
          job->failed = TRUE;
          job->fail_status = call->fail_status;
        }
    }
  job->states[state->index] = NULL;   /* its memory is the job's */
  job->pending--;
  if (job->route->parallel)
    {
      if (job->pending == 0)
        job_finish (job);
    }
  else if (job->failed || job->next_call == job->route->calls->len)
    job_finish (job);
  else
    job_next (job);
}

static void
attempt_ended (CallState *state, gboolean ok, MsBody *body)
{
  Call *call = state->job->route->calls->pdata[state->index];
  if (!ok && state->attempt < call->attempts)
    {
      call_attempt (state);
      return;
    }
  call_complete (state, ok, body);
}

static void
attempt_done (MsExchange *ex, gpointer data)
{
  CallState *state = data;
  ms_sim_cancel (ms_cluster_sim (state->job->app->pod->cluster), &state->timer);
  gboolean ok = ex->status >= 200 && ex->status < 400;
  g_autoptr (MsBody) body = ex->body ? ms_body_ref (ex->body) : NULL;
  state->ex = NULL;
  ms_exchange_unref (ex);
  attempt_ended (state, ok, body);
}

static void
attempt_timeout (MsSim *sim, gpointer data)
{
  (void) sim;
  CallState *state = data;
  MsExchange *ex = g_steal_pointer (&state->ex);
  ms_exchange_cancel (ex);
  ms_exchange_unref (ex);
  attempt_ended (state, FALSE, NULL);
}

static void
call_attempt (CallState *state)
{
  Job *job = state->job;
  Call *call = job->route->calls->pdata[state->index];
  MsPod *pod = job->app->pod;
  MsCluster *cluster = pod->cluster;
  MsSim *sim = ms_cluster_sim (cluster);

  state->attempt++;
  MsRequest *request = ms_request_new (ms_cluster_pool (cluster));
  request->method = call->method;
  request->host = call->url.host;
  request->port = call->url.port;
  request->path = call->url.path;
  for (guint i = 0; i < call->headers.n; i++)
    ms_request_set_header_interned (request, call->interned[2 * i], call->interned[2 * i + 1]);
  for (const char **h = call->interned + 2 * call->headers.n; *h; h++)
    {
      /* Values in a request are interned already. */
      const char *value = ms_request_header (job->ex->request, *h);
      if (value != NULL)
        ms_request_set_header_interned (request, *h, value);
    }
  if (call->body != NULL)
    request->body = ms_body_ref (call->body);
  /* Propagate the trace, as instrumented apps (and Bookinfo) do, under
   * the app's own span. */
  MsTraceContext trace = ms_request_trace_context (job->ex->request);
  trace.parent = job->ex->app_span;
  ms_request_set_trace_context (request, &trace);
  state->ex = ms_exchange_new (ms_cluster_pool (cluster), request, pod, ms_sim_now (sim),
                               attempt_done, state);
  ms_request_unref (request);
  if (call->timeout > 0)
    state->timer = ms_sim_schedule (sim, call->timeout, attempt_timeout, state);
  ms_pod_send (pod, state->ex);
}

/* A zeroed job for route with its per-call arrays and states after it
 * (every part is a multiple of 8 bytes, so each stays aligned).  Every job
 * of a route has the same size, so the route keeps the finished ones. */
static Job *
job_new (Route *route)
{
  guint n = route->calls->len;
  gsize size = sizeof (Job) + n * (sizeof (MsBody *) + sizeof (CallState *) + sizeof (CallState));
  Job *job;
  if (route->free_jobs != NULL)
    {
      GList *link = route->free_jobs;
      route->free_jobs = link->next;
      job = link->data;
      memset (job, 0, size);
    }
  else
    job = g_malloc0 (size);
  job->results = (MsBody **) (job + 1);
  job->states = (CallState **) (job->results + n);
  return job;
}

/* Call index's state, in the job's block after the states array. */
static CallState *
job_call_state (Job *job, guint index)
{
  return (CallState *) (job->states + job->route->calls->len) + index;
}

static void
call_start (Job *job, guint index)
{
  CallState *state = job_call_state (job, index);
  memset (state, 0, sizeof *state);
  state->job = job;
  state->index = index;
  job->states[index] = state;
  call_attempt (state);
}

static void
job_next (Job *job)
{
  call_start (job, job->next_call++);
}

/* The request's own service time is over: answer or start the calls. */
static void
service_done (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *ex = data;
  HttpApp *app = (HttpApp *) ex->upstream->app;
  Route *route = ex->app_data;
  int error_status = ex->app_status;

  if (route == NULL)
    {
      respond (app, ex, 404, app->model->not_found);
      return;
    }
  if (error_status != 0)
    {
      respond (app, ex, error_status, NULL);
      return;
    }
  if (route->calls->len == 0)
    {
      respond (app, ex, route->status, route->body);
      return;
    }
  Job *job = job_new (route);
  job->app = app;
  job->ex = ex;
  job->route = route;
  job->pending = route->calls->len;
  job->link.data = job;
  app->jobs = g_list_concat (&job->link, app->jobs);
  if (route->parallel)
    for (guint i = 0; i < route->calls->len; i++)
      call_start (job, i);
  else
    job_next (job);
}

static void
start (HttpApp *app, MsExchange *ex)
{
  HttpModel *m = app->model;
  MsRandom *random = &app->pod->random;
  app->busy++;
  const MsTracer *tracer = ms_cluster_tracer (app->pod->cluster);
  if (tracer != NULL && ex->request->sampled)
    ex->app_span = tracer->new_id (tracer->data);
  Route *route = match_route (m, ex->request);
  ex->app_data = route;
  ex->app_status = 0;
  MsTime delay = ms_dist_sample (&m->latency, random);
  if (route != NULL)
    {
      for (guint i = 0; i < route->errors->len; i++)
        {
          ErrorRule *rule = &g_array_index (route->errors, ErrorRule, i);
          if (ms_random_chance (random, rule->fraction))
            {
              ex->app_status = rule->status;
              break;
            }
        }
      for (guint i = 0; i < route->delays->len; i++)
        {
          DelayRule *rule = &g_array_index (route->delays, DelayRule, i);
          if (ms_random_chance (random, rule->fraction))
            delay += rule->delay;
        }
    }
  ms_sim_schedule (ms_cluster_sim (app->pod->cluster), delay, service_done, ex);
}

static void
http_handle (MsApp *base, MsPod *pod, MsExchange *ex)
{
  (void) pod;
  HttpApp *app = (HttpApp *) base;
  HttpModel *m = app->model;
  if (app->busy < m->concurrency)
    {
      start (app, ex);
      return;
    }
  if (app->length < m->queue)
    {
      app->ring[(app->head + app->length) % m->queue] = ex;
      app->length++;
      return;
    }
  m->rejected++;
  ms_exchange_finish (ex, 503, 0, MS_RESET_NONE, m->overloaded);
}

static void
http_app_free (MsApp *base)
{
  HttpApp *app = (HttpApp *) base;
  /* Requests still waiting for calls when the run ended. */
  while (app->jobs != NULL)
    job_free (app->jobs->data);
  g_free (app->ring);
  g_free (app);
}

static MsApp *
http_new_app (MsModel *model, MsPod *pod)
{
  HttpModel *m = (HttpModel *) model;
  HttpApp *app = g_new0 (HttpApp, 1);
  app->base.handle = http_handle;
  app->base.free = http_app_free;
  app->model = m;
  app->pod = pod;
  app->ring = g_new0 (MsExchange *, MAX (m->queue, 1));
  return &app->base;
}

static void
http_report (MsModel *model, MsReport *report, MsReportNode *workload)
{
  (void) report;
  HttpModel *m = (HttpModel *) model;
  ms_report_set_string (workload, "model", "http");
  ms_report_set_int (workload, "rejected", (gint64) m->rejected);
  MsReportNode *calls = ms_report_object (workload, "calls");
  for (guint r = 0; r < m->routes->len; r++)
    {
      Route *route = m->routes->pdata[r];
      for (guint i = 0; i < route->calls->len; i++)
        {
          Call *c = route->calls->pdata[i];
          MsReportNode *node = ms_report_object (calls, c->name);
          ms_report_add_int (node, "ok", (gint64) c->ok);
          ms_report_add_int (node, "failed", (gint64) c->failed);
        }
    }
}

const MsModelClass ms_http_model_class = {
  .name = "http",
  .parse = http_parse,
  .bind = http_bind,
  .new_app = http_new_app,
  .report = http_report,
  .free = http_model_free,
};

/* Cycle check: depth-first search over (deployment, route) pairs. */

typedef struct {
  MsCluster *cluster;
  GHashTable *state;   /* Route * -> 1 visiting, 2 done */
  GPtrArray *stack;    /* const char * descriptions, for the message */
} CycleSearch;

static gboolean
visit (CycleSearch *search, MsDeployment *deployment, Route *route, GError **error)
{
  int state = GPOINTER_TO_INT (g_hash_table_lookup (search->state, route));
  if (state == 2)
    return TRUE;
  g_autofree char *here = g_strdup_printf ("%s %s", deployment->name,
                                           route->prefix ? route->prefix
                                           : route->exact ? route->exact : "(any path)");
  if (state == 1)
    {
      g_ptr_array_add (search->stack, NULL);
      g_autofree char *path = g_strjoinv (" -> ", (char **) search->stack->pdata);
      return ms_read_fail (error, route->node, MS_SCENARIO_ERROR_CYCLE,
                           "calls form a cycle: %s -> %s; every request would call itself "
                           "until it times out", path, here);
    }
  g_hash_table_insert (search->state, route, GINT_TO_POINTER (1));
  g_ptr_array_add (search->stack, g_strdup (here));
  for (guint i = 0; i < route->calls->len; i++)
    {
      Call *call = route->calls->pdata[i];
      const GPtrArray *deployments = ms_cluster_deployments (search->cluster);
      for (guint d = 0; d < deployments->len; d++)
        {
          MsDeployment *next = deployments->pdata[d];
          MsModel *model = next->model;
          if (model == NULL || model->klass != &ms_http_model_class
              || next->namespace_ != call->service->namespace_
              || !ms_labels_match (&next->labels, &call->service->selector))
            continue;
          MsRequest probe = { .method = call->method, .path = call->url.path };
          Route *target = match_route ((HttpModel *) model, &probe);
          if (target != NULL && !visit (search, next, target, error))
            return FALSE;
        }
    }
  g_free (g_ptr_array_steal_index (search->stack, search->stack->len - 1));
  g_hash_table_insert (search->state, route, GINT_TO_POINTER (2));
  return TRUE;
}

gboolean
ms_http_check_cycles (MsCluster *cluster, GError **error)
{
  CycleSearch search = { cluster, g_hash_table_new (NULL, NULL),
                         g_ptr_array_new_with_free_func (g_free) };
  gboolean ok = TRUE;
  const GPtrArray *deployments = ms_cluster_deployments (cluster);
  for (guint d = 0; ok && d < deployments->len; d++)
    {
      MsDeployment *deployment = deployments->pdata[d];
      MsModel *model = deployment->model;
      if (model == NULL || model->klass != &ms_http_model_class)
        continue;
      HttpModel *m = (HttpModel *) model;
      for (guint r = 0; ok && r < m->routes->len; r++)
        ok = visit (&search, deployment, m->routes->pdata[r], error);
    }
  g_hash_table_unref (search.state);
  g_ptr_array_unref (search.stack);
  return ok;
}
