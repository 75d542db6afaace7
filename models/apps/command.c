/* models/apps/command.c - validate, load, decide, append, retry.
 *
 * A command is a Job that lives from its request to its answer and makes
 * its calls through the pod's sidecar: one stream read per decision, one
 * append per try.  Jobs are listed on their app so that the ones still
 * waiting when a run ends are freed with it.
 *
 * Not modelled: command deduplication by a client-supplied id (a client
 * retrying a command whose answer it lost creates a second event; the
 * event id only makes the service's own append retries idempotent), and
 * snapshots (an aggregate is folded from its first event every time).
 */
#include "models/apps/command.h"

#include "models/apps/eventstore.h"
#include "models/apps/pattern.h"
#include "models/apps/projection.h"
#include "sim/io/read.h"

#include <string.h>

typedef enum { CREATE_USER, UPDATE_USER, CREATE_ORDER, CANCEL_ORDER, N_KINDS } Kind;

static const char *const kind_paths[] = {
  "create-user", "update-user", "create-order", "cancel-order",
};
static const char *const kind_commands[] = {
  "CreateUserCommand", "UpdateUserCommand", "CreateOrderCommand", "CancelOrderCommand",
};

typedef struct {
  guint64 accepted, rejected, conflicts, retries, failed;
} Counters;

typedef struct {
  MsModel base;
  MsUrl store_url;
  MsDist latency;
  gint64 max_attempts;
  MsTime timeout;
  const char *deployment;
  guint64 commands;          /* command ids: cmd-<n> */
  guint64 users, orders;     /* generated aggregate ids */
  Counters counters[N_KINDS];
} CommandModel;

typedef struct {
  MsApp base;
  CommandModel *model;
  MsPod *pod;
  GQueue calls;
  GQueue jobs;               /* Job *, in flight */
} CommandApp;

typedef struct {
  CommandApp *app;
  MsExchange *ex;
  GList link;
  Kind kind;
  char *command_id;
  char *event_id;
  char *aggregate;
  JsonNode *body;            /* the command's fields */
  int attempt;               /* decisions so far */
  int sends;                 /* sends of the current append */
  MsBody *append;            /* the current append's request */
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;
  g_free (job->command_id);
  g_free (job->event_id);
  g_free (job->aggregate);
  g_clear_pointer (&job->body, json_node_unref);
  g_clear_pointer (&job->append, ms_body_unref);
  g_free (job);
}

/* Answers and ends the job. */
static void
job_reply (Job *job, int status, const GString *json)
{
  ms_pattern_reply (job->ex, status, json);
  g_queue_unlink (&job->app->jobs, &job->link);
  job_free (job);
}

static void
job_fail (Job *job, int status, const char *error, const char *reason)
{
  Counters *c = &job->app->model->counters[job->kind];
  if (status >= 500 || g_str_equal (error, "conflict"))
    c->failed++;
  else
    c->rejected++;
  g_autoptr (GString) json = g_string_new ("{\"command_id\":");
  ms_pattern_append_string (json, job->command_id);
  g_string_append (json, ",\"error\":");
  ms_pattern_append_string (json, error);
  g_string_append (json, ",\"reason\":");
  ms_pattern_append_string (json, reason);
  g_string_append (json, ",\"aggregate_id\":");
  if (job->aggregate != NULL)
    ms_pattern_append_string (json, job->aggregate);
  else
    g_string_append (json, "null");
  g_string_append_printf (json, ",\"attempts\":%d}", job->attempt);
  job_reply (job, status, json);
}

static JsonObject *
fields (Job *job)
{
  return json_node_get_object (job->body);
}

/* Validation: the reason the command is not well formed (transfer
 * full), or NULL.  Fills job->aggregate. */
static char *
validate (Job *job)
{
  CommandModel *m = job->app->model;
  JsonObject *o = fields (job);
  gboolean bad = FALSE;
  const char *user = ms_pattern_member_string (o, "user_id", &bad);
  const char *order = ms_pattern_member_string (o, "order_id", &bad);
  const char *name = ms_pattern_member_string (o, "name", &bad);
  const char *email = ms_pattern_member_string (o, "email", &bad);
  const char *status = ms_pattern_member_string (o, "status", &bad);
  ms_pattern_member_string (o, "reason", &bad);
  if (bad)
    return g_strdup ("user_id, order_id, name, email, status and reason must be strings");
  if (email != NULL && strchr (email, '@') == NULL)
    return g_strdup_printf ("email \"%s\" has no @", email);
  if ((user != NULL && *user == '\0') || (order != NULL && *order == '\0'))
    return g_strdup ("an id must not be empty");
  JsonNode *amount = json_object_get_member (o, "amount");
  GType amount_type = amount ? json_node_get_value_type (amount) : G_TYPE_INVALID;
  switch (job->kind)
    {
    case CREATE_USER:
      job->aggregate = user ? g_strdup (user)
                            : g_strdup_printf ("user-%" G_GUINT64_FORMAT, ++m->users);
      return NULL;
    case UPDATE_USER:
      if (user == NULL)
        return g_strdup ("update-user needs user_id");
      if (name == NULL && email == NULL && status == NULL)
        return g_strdup ("update-user needs name, email or status to change");
      if (status != NULL && !g_str_equal (status, "active") && !g_str_equal (status, "inactive"))
        return g_strdup ("status must be \"active\" or \"inactive\"");
      job->aggregate = g_strdup (user);
      return NULL;
    case CREATE_ORDER:
      if (user == NULL)
        return g_strdup ("create-order needs user_id");
      if ((amount_type != G_TYPE_INT64 && amount_type != G_TYPE_DOUBLE)
          || json_node_get_double (amount) <= 0)
        return g_strdup ("create-order needs amount, a number above 0");
      job->aggregate = order ? g_strdup (order)
                             : g_strdup_printf ("order-%" G_GUINT64_FORMAT, ++m->orders);
      return NULL;
    case CANCEL_ORDER:
      if (order == NULL)
        return g_strdup ("cancel-order needs order_id");
      job->aggregate = g_strdup (order);
      return NULL;
    default:
      g_assert_not_reached ();
    }
}

/* Builds the event's data from the command's fields. */
static void
write_data (Job *job, GString *json)
{
  JsonObject *o = fields (job);
  gboolean bad = FALSE;
  g_string_append_c (json, '{');
  const char *keys[4] = { NULL };
  switch (job->kind)
    {
    case CREATE_USER:
      {
        const char *name = ms_pattern_member_string (o, "name", &bad);
        const char *email = ms_pattern_member_string (o, "email", &bad);
        g_autofree char *made_email = g_strdup_printf ("%s@example.com", job->aggregate);
        g_string_append (json, "\"name\":");
        ms_pattern_append_string (json, name ? name : job->aggregate);
        g_string_append (json, ",\"email\":");
        ms_pattern_append_string (json, email ? email : made_email);
        break;
      }
    case UPDATE_USER:
      keys[0] = "name", keys[1] = "email", keys[2] = "status";
      break;
    case CREATE_ORDER:
      g_string_append (json, "\"user_id\":");
      ms_pattern_append_string (json, ms_pattern_member_string (o, "user_id", &bad));
      g_string_append_printf (json, ",\"amount\":%.2f",
                              json_object_get_double_member (o, "amount"));
      break;
    case CANCEL_ORDER:
      keys[0] = "reason";
      break;
    default:
      g_assert_not_reached ();
    }
  gboolean first = TRUE;
  for (int i = 0; keys[i] != NULL; i++)
    {
      const char *value = ms_pattern_member_string (o, keys[i], &bad);
      if (value == NULL)
        continue;
      g_string_append_printf (json, "%s\"%s\":", first ? "" : ",", keys[i]);
      ms_pattern_append_string (json, value);
      first = FALSE;
    }
  g_string_append_c (json, '}');
}

static void load (Job *job);
static void append_done (gpointer data, int status, MsBody *body);

static void
send_append (Job *job)
{
  CommandModel *m = job->app->model;
  job->sends++;
  MsTraceContext trace = ms_request_trace_context (job->ex->request);
  ms_pattern_call (&job->app->calls, job->app->pod, "POST", &m->store_url, "/api/events",
                   job->append, m->timeout, &trace, append_done, job);
}

static void
append_done (gpointer data, int status, MsBody *body)
{
  Job *job = data;
  CommandModel *m = job->app->model;
  Counters *c = &m->counters[job->kind];
  if (status == 409)
    {
      c->conflicts++;
      if (job->attempt >= m->max_attempts)
        {
          job_fail (job, 409, "conflict", "the aggregate kept changing; every attempt met a "
                                          "newer version (wrong_expected_version)");
          return;
        }
      c->retries++;
      load (job);
      return;
    }
  if (status != 200)
    {
      /* No answer or a failure: the same append again, which the event id
       * makes safe. */
      if (job->sends < m->max_attempts)
        {
          c->retries++;
          send_append (job);
          return;
        }
      job_fail (job, 503, "event_store_unavailable", "the append got no answer");
      return;
    }
  JsonObject *o;
  g_autoptr (JsonNode) answer = ms_pattern_answer (body, &o);
  c->accepted++;
  g_autoptr (GString) json = g_string_new ("{\"command_id\":");
  ms_pattern_append_string (json, job->command_id);
  g_string_append_printf (json, ",\"type\":\"%s\",\"status\":\"accepted\",\"aggregate_id\":",
                          kind_commands[job->kind]);
  ms_pattern_append_string (json, job->aggregate);
  g_string_append (json, ",\"event_id\":");
  ms_pattern_append_string (json, job->event_id);
  g_string_append_printf (json, ",\"version\":%" G_GINT64_FORMAT ",\"position\":%" G_GINT64_FORMAT
                          ",\"attempts\":%d}",
                          o ? ms_pattern_member_int (o, "version") : 0,
                          o ? ms_pattern_member_int (o, "position") : 0, job->attempt);
  job_reply (job, 200, json);
}

/* The aggregate is loaded: decide, then append. */
static void
decide (Job *job, const MsProjection *state, guint64 version)
{
  const MsUserView *user = ms_projection_user (state, job->aggregate);
  const MsOrderView *order = ms_projection_order (state, job->aggregate);
  const char *error = NULL, *reason = NULL;
  int status = 409;
  switch (job->kind)
    {
    case CREATE_USER:
    case CREATE_ORDER:
      if (version > 0)
        error = "already_exists", reason = "an aggregate with this id exists";
      break;
    case UPDATE_USER:
      if (user == NULL)
        status = 404, error = "user_not_found", reason = "no user with this id";
      break;
    case CANCEL_ORDER:
      if (order == NULL)
        status = 404, error = "order_not_found", reason = "no order with this id";
      else if (order->cancelled)
        error = "already_cancelled", reason = "the order is already cancelled";
      break;
    default:
      g_assert_not_reached ();
    }
  if (error != NULL)
    {
      job_fail (job, status, error, reason);
      return;
    }
  static const char *const types[] = {
    "UserCreated", "UserUpdated", "OrderCreated", "OrderCancelled",
  };
  g_autoptr (GString) json = g_string_new ("{\"aggregate_id\":");
  ms_pattern_append_string (json, job->aggregate);
  g_string_append_printf (json, ",\"expected_version\":%" G_GUINT64_FORMAT
                          ",\"events\":[{\"event_id\":", version);
  ms_pattern_append_string (json, job->event_id);
  g_string_append_printf (json, ",\"event_type\":\"%s\",\"data\":", types[job->kind]);
  write_data (job, json);
  g_string_append (json, "}]}");
  g_clear_pointer (&job->append, ms_body_unref);
  job->append = ms_body_new_text (json->str, (gssize) json->len);
  job->sends = 0;
  send_append (job);
}

static void
load_done (gpointer data, int status, MsBody *body)
{
  Job *job = data;
  if (status != 200 && status != 404)
    {
      job_fail (job, 503, "event_store_unavailable", "the aggregate could not be loaded");
      return;
    }
  /* The stream as the store answered it: its version (0 when it does not
   * exist yet) and its events, folded into the aggregate's state. */
  g_autoptr (MsProjection) state = ms_projection_new ();
  JsonObject *o;
  g_autoptr (JsonNode) answer = ms_pattern_answer (body, &o);
  guint64 version = o ? (guint64) ms_pattern_member_int (o, "version") : 0;
  JsonNode *list = o ? json_object_get_member (o, "events") : NULL;
  JsonArray *events = list && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;
  for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
    {
      JsonNode *node = json_array_get_element (events, i);
      JsonObject *e = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *data = e ? json_object_get_member (e, "data") : NULL;
      gboolean bad = FALSE;
      const char *type = e ? ms_pattern_member_string (e, "event_type", &bad) : NULL;
      if (type == NULL)
        continue;
      ms_projection_apply (state, job->aggregate, type, (guint64) ms_pattern_member_int (e, "version"),
                           data && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data) : NULL,
                           ms_pattern_member_int (e, "appended_at_us"));
    }
  decide (job, state, version);
}

static void
load (Job *job)
{
  CommandModel *m = job->app->model;
  job->attempt++;
  g_autoptr (GString) json = g_string_new ("{\"aggregate_id\":");
  ms_pattern_append_string (json, job->aggregate);
  g_string_append (json, ",\"count\":10000}");
  g_autoptr (MsBody) body = ms_body_new_text (json->str, (gssize) json->len);
  MsTraceContext trace = ms_request_trace_context (job->ex->request);
  ms_pattern_call (&job->app->calls, job->app->pod, "GET", &m->store_url, "/api/streams", body,
                   m->timeout, &trace, load_done, job);
}

static void
serve (MsApp *base, MsExchange *ex)
{
  CommandApp *app = (CommandApp *) base;
  CommandModel *m = app->model;
  g_autofree char *path = ms_pattern_path (ex->request);
  if (g_str_equal (path, "/health"))
    {
      g_autoptr (GString) json = g_string_new ("{\"service\":\"command-service\",\"status\":\"healthy\"}");
      ms_pattern_reply (ex, 200, json);
      return;
    }
  int kind = -1;
  for (int k = 0; k < N_KINDS && g_str_has_prefix (path, "/api/commands/"); k++)
    if (g_str_equal (path + 14, kind_paths[k]))
      kind = k;
  if (kind < 0 || !g_str_equal (ex->request->method, "POST"))
    {
      ms_pattern_reply_error (ex, kind < 0 ? 404 : 405, kind < 0 ? "not_found"
                                                                 : "method_not_allowed", NULL);
      return;
    }
  Job *job = g_new0 (Job, 1);
  job->app = app;
  job->ex = ex;
  job->kind = (Kind) kind;
  job->link.data = job;
  g_queue_push_tail_link (&app->jobs, &job->link);
  m->commands++;
  job->command_id = g_strdup_printf ("cmd-%" G_GUINT64_FORMAT, m->commands);
  job->event_id = g_strdup_printf ("%s-evt-%" G_GUINT64_FORMAT, m->deployment, m->commands);
  g_autofree char *reason = NULL;
  job->body = ms_pattern_body_object (ex->request, &reason);
  if (job->body == NULL && reason == NULL && kind == CREATE_USER)
    job->body = json_from_string ("{}", NULL);
  else if (job->body == NULL && reason == NULL)
    reason = g_strdup ("the command needs a JSON body");
  if (reason == NULL)
    reason = validate (job);
  if (reason != NULL)
    {
      job_fail (job, 400, "invalid_command", reason);
      return;
    }
  load (job);
}

static void
command_handle (MsApp *base, MsPod *pod, MsExchange *ex)
{
  ms_pattern_serve_after (base, pod, &((CommandApp *) base)->model->latency, ex, serve);
}

static void
command_app_free (MsApp *base)
{
  CommandApp *app = (CommandApp *) base;
  ms_pattern_calls_clear (&app->calls, NULL);
  GList *link;
  while ((link = g_queue_pop_head_link (&app->jobs)) != NULL)
    job_free (link->data);
  g_free (app);
}

static MsApp *
command_new_app (MsModel *model, MsPod *pod)
{
  CommandApp *app = g_new0 (CommandApp, 1);
  app->base.handle = command_handle;
  app->base.free = command_app_free;
  app->model = (CommandModel *) model;
  app->pod = pod;
  return &app->base;
}

static void
command_free (MsModel *model)
{
  g_free (model);
}

static MsModel *
command_parse (const MsNode *node, GError **error)
{
  static const char *const options[] = {
    "model", "eventStore", "latency", "maxAttempts", "timeout", NULL,
  };
  CommandModel *m = g_new0 (CommandModel, 1);
  m->base.klass = &ms_command_model_class;
  m->base.node = node;
  m->store_url = (MsUrl) { g_intern_string ("event-store"), 0, g_intern_string ("/") };
  m->latency = ms_dist_fixed (MS_MSEC (1));
  m->max_attempts = 3;
  m->timeout = MS_SEC (2);
  g_autoptr (MsModel) guard = (MsModel *) m;
  if (node != NULL
      && (!ms_read_object (node, options, error)
          || !ms_read_url (node, "eventStore", FALSE, &m->store_url, error)
          || !ms_read_dist (node, "latency", FALSE, &m->latency, error)
          || !ms_read_int (node, "maxAttempts", FALSE, 1, 100, &m->max_attempts, error)
          || !ms_read_duration (node, "timeout", FALSE, &m->timeout, error)))
    return NULL;
  return g_steal_pointer (&guard);
}

static gboolean
command_bind (MsModel *model, MsCluster *cluster, MsDeployment *deployment, GError **error)
{
  CommandModel *m = (CommandModel *) model;
  m->deployment = g_intern_string (deployment->name);
  return ms_pattern_bind_service (cluster, deployment, model->node, "eventStore", &m->store_url,
                                  &ms_event_store_model_class, error) != NULL;
}

static void
command_report (MsModel *model, MsReport *report, MsReportNode *workload)
{
  (void) report;
  CommandModel *m = (CommandModel *) model;
  ms_report_set_string (workload, "model", "command");
  MsReportNode *commands = ms_report_object (workload, "commands");
  Counters total = { 0 };
  for (int k = 0; k < N_KINDS; k++)
    {
      const Counters *c = &m->counters[k];
      MsReportNode *node = ms_report_object (commands, kind_paths[k]);
      ms_report_set_int (node, "accepted", (gint64) c->accepted);
      ms_report_set_int (node, "rejected", (gint64) c->rejected);
      ms_report_set_int (node, "conflicts", (gint64) c->conflicts);
      ms_report_set_int (node, "retries", (gint64) c->retries);
      ms_report_set_int (node, "failed", (gint64) c->failed);
      total.accepted += c->accepted;
      total.rejected += c->rejected;
      total.conflicts += c->conflicts;
      total.retries += c->retries;
      total.failed += c->failed;
    }
  ms_report_set_int (workload, "accepted", (gint64) total.accepted);
  ms_report_set_int (workload, "rejected", (gint64) total.rejected);
  ms_report_set_int (workload, "conflicts", (gint64) total.conflicts);
  ms_report_set_int (workload, "retries", (gint64) total.retries);
  ms_report_set_int (workload, "failed", (gint64) total.failed);
}

/* The n of "<prefix><n>", or 0 when text is not of that form. */
static guint64
numbered (const char *text, const char *prefix)
{
  if (!g_str_has_prefix (text, prefix))
    return 0;
  guint64 n = 0;
  if (!g_ascii_string_to_unsigned (text + strlen (prefix), 10, 1, G_MAXUINT64, &n, NULL))
    return 0;
  return n;
}

static void
command_resume (MsModel *model, const MsEventLog *log)
{
  CommandModel *m = (CommandModel *) model;
  g_autofree char *own = g_strconcat (m->deployment, "-evt-", NULL);
  guint64 head = ms_event_log_head (log);
  for (guint64 p = 1; p <= head; p++)
    {
      const MsRecordedEvent *e = ms_event_log_get (log, p);
      m->commands = MAX (m->commands, numbered (e->event_id, own));
      m->users = MAX (m->users, numbered (e->stream, "user-"));
      m->orders = MAX (m->orders, numbered (e->stream, "order-"));
    }
}

const MsModelClass ms_command_model_class = {
  .name = "command",
  .parse = command_parse,
  .bind = command_bind,
  .new_app = command_new_app,
  .report = command_report,
  .resume = command_resume,
  .free = command_free,
};
