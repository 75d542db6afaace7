/* models/apps/projector.c - the event processor: a polling loop per pod,
 * one shared projection and checkpoint per Deployment.
 *
 * Each pod runs the same loop: sleep, claim, poll, apply the batch one
 * event per `processingDelay`, poll again.  Every step first asks whether
 * the pod has crashed (a crashed process does nothing; its unapplied
 * batch is lost and will be fetched again from the checkpoint), whether
 * it still holds the claim, and whether a rebuild started since the batch
 * was fetched (its generation).  Applying an event and moving the
 * checkpoint happen in one event of the simulation, which is the "same
 * transaction" of the pattern: there is no instant between them at which
 * a crash could land.
 *
 * Not modelled: segments (one processor, one claim), parking of poison
 * events (no handler here fails), and a persistent token store apart from
 * the projection (it lives in the Deployment's shared model, which
 * survives pod crashes as a database would).
 */
#include "models/apps/projector.h"

#include "models/apps/eventlog.h"
#include "models/apps/eventstore.h"
#include "models/apps/pattern.h"
#include "sim/core/histogram.h"
#include "sim/io/read.h"

typedef struct _ProjectorApp ProjectorApp;

typedef struct {
  MsModel base;
  MsUrl store_url;
  MsModel *store;            /* the event-store model, for the end-of-run check */
  MsCluster *cluster;
  MsDist latency;
  gint64 batch_size;
  MsTime processing_delay;
  MsTime wait;
  MsTime retry_delay;
  MsTime claim_timeout;

  /* The read database: the projection and its checkpoint move together. */
  MsProjection *projection;
  guint64 checkpoint;
  guint64 max_applied;       /* replays end here: side effects resume after */
  MsTime last_update;
  guint generation;          /* bumped by a rebuild */
  gboolean rebuilding;
  guint64 rebuild_target;

  /* The store as the last poll saw it. */
  guint64 head;
  MsTime head_appended_at;

  ProjectorApp *owner;       /* holds the claim, or NULL */
  MsTime claimed_at;
  GPtrArray *apps;           /* ProjectorApp *, to wake them */

  MsHistogram *lag;          /* append to apply, µs */
  guint64 applied, redelivered, gaps, polls, failed_polls, lost, rebuilds, notifications;
  guint64 takeovers;
} ProjectorModel;

typedef enum { SLEEPING, POLLING, PROCESSING, STOPPED } LoopState;

struct _ProjectorApp {
  MsApp base;
  ProjectorModel *model;
  MsPod *pod;
  LoopState state;
  MsTimer timer;
  GQueue calls;
  JsonNode *batch;           /* the poll's answer, while processing it */
  JsonArray *events;         /* its events (borrowed from batch) */
  guint next;
  guint generation;          /* of the batch */
};

static void loop (ProjectorApp *app);

static MsSim *
sim_of (ProjectorApp *app)
{
  return ms_cluster_sim (app->pod->cluster);
}

static void
drop_batch (ProjectorApp *app)
{
  g_clear_pointer (&app->batch, json_node_unref);
  app->events = NULL;
  app->next = 0;
}

static void
loop_timer (MsSim *sim, gpointer data)
{
  (void) sim;
  loop (data);
}

static void
sleep_for (ProjectorApp *app, MsTime delay)
{
  app->state = SLEEPING;
  app->timer = ms_sim_schedule (sim_of (app), delay, loop_timer, app);
}

static void apply_next (MsSim *sim, gpointer data);

/* The batch is over, or must not go on: poll again at once. */
static void
batch_end (ProjectorApp *app)
{
  drop_batch (app);
  loop (app);
}

static void
apply_next (MsSim *sim, gpointer data)
{
  (void) sim;
  ProjectorApp *app = data;
  ProjectorModel *m = app->model;
  MsTime now = ms_sim_now (sim_of (app));
  if (ms_pod_crashed (app->pod))
    {
      m->lost += json_array_get_length (app->events) - app->next;
      drop_batch (app);
      sleep_for (app, m->retry_delay);
      return;
    }
  if (app->generation != m->generation || m->owner != app)
    {
      batch_end (app);
      return;
    }
  JsonNode *node = json_array_get_element (app->events, app->next++);
  JsonObject *e = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  guint64 position = e ? (guint64) ms_pattern_member_int (e, "position") : 0;
  if (e == NULL || position <= m->checkpoint)
    m->redelivered++;
  else if (position != m->checkpoint + 1)
    {
      /* Never pass a gap: the missing position may still commit. */
      m->gaps++;
      batch_end (app);
      return;
    }
  else
    {
      gboolean bad = FALSE;
      const char *stream = ms_pattern_member_string (e, "aggregate_id", &bad);
      const char *type = ms_pattern_member_string (e, "event_type", &bad);
      JsonNode *data = json_object_get_member (e, "data");
      MsTime appended_at = ms_pattern_member_int (e, "appended_at_us");
      ms_projection_apply (m->projection, stream ? stream : "", type ? type : "",
                           (guint64) ms_pattern_member_int (e, "version"),
                           data && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data)
                                                                 : NULL, appended_at);
      m->checkpoint = position;
      m->applied++;
      m->last_update = now;
      m->claimed_at = now;
      /* A replayed event is old by definition: its lag says nothing about
       * the live path, and its side effects already happened. */
      if (position > m->max_applied)
        {
          ms_histogram_record (m->lag, now - appended_at);
          if (type != NULL && g_str_equal (type, "UserCreated"))
            m->notifications++;
        }
      m->max_applied = MAX (m->max_applied, position);
      if (m->rebuilding && m->checkpoint >= m->rebuild_target)
        m->rebuilding = FALSE;
    }
  if (app->next < json_array_get_length (app->events))
    app->timer = ms_sim_schedule (sim_of (app), m->processing_delay, apply_next, app);
  else
    batch_end (app);
}

static void
poll_done (gpointer data, int status, MsBody *body)
{
  ProjectorApp *app = data;
  ProjectorModel *m = app->model;
  if (status != 200 || ms_pod_crashed (app->pod) || app->pod->terminating)
    {
      m->failed_polls += status != 200;
      sleep_for (app, m->retry_delay);
      return;
    }
  JsonObject *o;
  JsonNode *answer = ms_pattern_answer (body, &o);
  JsonNode *events = o ? json_object_get_member (o, "events") : NULL;
  if (events == NULL || !JSON_NODE_HOLDS_ARRAY (events))
    {
      m->failed_polls++;
      g_clear_pointer (&answer, json_node_unref);
      sleep_for (app, m->retry_delay);
      return;
    }
  guint64 head = (guint64) ms_pattern_member_int (o, "head_position");
  if (head >= m->head)
    {
      m->head = head;
      m->head_appended_at = ms_pattern_member_int (o, "head_appended_us");
    }
  app->batch = answer;
  app->events = json_node_get_array (events);
  app->next = 0;
  if (json_array_get_length (app->events) == 0 || app->generation != m->generation)
    {
      batch_end (app);
      return;
    }
  app->state = PROCESSING;
  app->timer = ms_sim_schedule (sim_of (app), m->processing_delay, apply_next, app);
}

static void
loop (ProjectorApp *app)
{
  ProjectorModel *m = app->model;
  MsTime now = ms_sim_now (sim_of (app));
  if (app->pod->terminating)
    {
      app->state = STOPPED;
      if (m->owner == app)
        m->owner = NULL;
      return;
    }
  if (ms_pod_crashed (app->pod))
    {
      sleep_for (app, m->retry_delay);
      return;
    }
  if (m->owner != NULL && m->owner != app && now - m->claimed_at < m->claim_timeout)
    {
      /* Another replica is processing: check back later. */
      sleep_for (app, m->retry_delay);
      return;
    }
  if (m->owner != app)
    {
      m->takeovers += m->owner != NULL;
      m->owner = app;
    }
  m->claimed_at = now;
  m->polls++;
  app->state = POLLING;
  app->generation = m->generation;
  /* A long poll does not renew the claim, so it must end well within the
   * claim's timeout, or an idle owner would lose the claim while waiting. */
  g_autofree char *wait = ms_duration_format (MIN (m->wait, m->claim_timeout / 2));
  g_autofree char *json = g_strdup_printf ("{\"from\":%" G_GUINT64_FORMAT ",\"limit\":%"
                                           G_GINT64_FORMAT ",\"wait\":\"%s\"}", m->checkpoint,
                                           m->batch_size, wait);
  g_autoptr (MsBody) body = ms_body_new_text (json, -1);
  /* The app's own timeout outlasts the store's wait by a margin, so an
   * empty answer is not mistaken for a failure. */
  ms_pattern_call (&app->calls, app->pod, "GET", &m->store_url, "/api/events", body,
                   m->wait + MS_SEC (5), NULL, poll_done, app);
}

/* Wakes the sleeping replicas (an update or a rebuild was asked for).  A
 * replica holding a long poll from before a rebuild drops it, or it would
 * sit out the rest of the wait before replaying. */
static void
wake (ProjectorModel *m)
{
  for (guint i = 0; i < m->apps->len; i++)
    {
      ProjectorApp *app = m->apps->pdata[i];
      if (app->state == POLLING && app->generation != m->generation)
        ms_pattern_calls_cancel (&app->calls);
      else if (app->state == SLEEPING)
        ms_sim_cancel (sim_of (app), &app->timer);
      else
        continue;
      loop (app);
    }
}

void
ms_projector_state (MsModel *model, MsTime now, MsProjectorState *out)
{
  g_return_if_fail (model->klass == &ms_projector_model_class);
  ProjectorModel *m = (ProjectorModel *) model;
  out->position = m->checkpoint;
  out->head = MAX (m->head, m->checkpoint);
  out->lag_events = out->head - m->checkpoint;
  out->rebuilding = m->rebuilding;
  out->lag = 0;
  if (out->lag_events == 0)
    return;
  /* The oldest event not applied: the owner's next one if it holds it,
   * else at least as old as the head. */
  MsTime oldest = m->head_appended_at;
  ProjectorApp *owner = m->owner;
  if (owner != NULL && owner->events != NULL && owner->next < json_array_get_length (owner->events))
    {
      JsonNode *node = json_array_get_element (owner->events, owner->next);
      if (JSON_NODE_HOLDS_OBJECT (node))
        oldest = MIN (oldest, ms_pattern_member_int (json_node_get_object (node), "appended_at_us"));
    }
  out->lag = MAX (now - oldest, 0);
}

const MsProjection *
ms_projector_projection (MsModel *model)
{
  g_return_val_if_fail (model->klass == &ms_projector_model_class, NULL);
  return ((ProjectorModel *) model)->projection;
}

/* Serving. */

static void
reply_status (ProjectorApp *app, MsExchange *ex)
{
  ProjectorModel *m = app->model;
  MsProjectorState s;
  ms_projector_state (&m->base, ms_sim_now (sim_of (app)), &s);
  const char *state = s.rebuilding ? "rebuilding" : s.lag_events > 0 ? "processing" : "up-to-date";
  static const char *const names[] = { "UserProjection", "UserStats", "OrderProjection" };
  g_autoptr (GString) json = g_string_new ("{\"projections\":[");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_string_append_printf (json, "%s{\"name\":\"%s\",\"status\":\"%s\",\"position\":%"
                            G_GUINT64_FORMAT ",\"head_position\":%" G_GUINT64_FORMAT
                            ",\"lag_events\":%" G_GUINT64_FORMAT ",\"lag_ms\":%" G_GINT64_FORMAT
                            ",\"last_update_us\":%" G_GINT64_FORMAT "}", i ? "," : "", names[i],
                            state, s.position, s.head, s.lag_events, s.lag / 1000,
                            m->last_update);
  g_string_append_printf (json, "],\"events_applied\":%" G_GUINT64_FORMAT ",\"processor\":",
                          m->applied);
  ms_pattern_append_string (json, m->owner ? m->owner->pod->name : "none");
  g_string_append_c (json, '}');
  ms_pattern_reply (ex, 200, json);
}

static void
rebuild (ProjectorApp *app, MsExchange *ex)
{
  ProjectorModel *m = app->model;
  m->rebuilds++;
  m->generation++;
  ms_projection_reset (m->projection);
  m->checkpoint = 0;
  m->rebuild_target = MAX (m->head, m->max_applied);
  m->rebuilding = m->rebuild_target > 0;
  g_autoptr (GString) json = g_string_new (NULL);
  g_string_append_printf (json, "{\"status\":\"rebuilding\",\"from_position\":0,"
                          "\"target_position\":%" G_GUINT64_FORMAT ",\"rebuild\":%"
                          G_GUINT64_FORMAT "}", m->rebuild_target, m->rebuilds);
  ms_pattern_reply (ex, 200, json);
  wake (m);
}

static void
serve (MsApp *base, MsExchange *ex)
{
  ProjectorApp *app = (ProjectorApp *) base;
  ProjectorModel *m = app->model;
  g_autofree char *path = ms_pattern_path (ex->request);
  gboolean post = g_str_equal (ex->request->method, "POST");
  if (g_str_equal (path, "/health"))
    {
      g_autoptr (GString) json = g_string_new ("{\"service\":\"event-processor\",\"status\":\"healthy\"}");
      ms_pattern_reply (ex, 200, json);
    }
  else if (g_str_equal (path, "/api/projections/status"))
    reply_status (app, ex);
  else if (g_str_equal (path, "/api/projections/rebuild") && post)
    rebuild (app, ex);
  else if (g_str_equal (path, "/api/projections/update") && post)
    {
      wake (m);
      g_autoptr (GString) json = g_string_new (NULL);
      g_string_append_printf (json, "{\"type\":\"UserProjection\",\"status\":\"updated\","
                              "\"events_processed\":%" G_GUINT64_FORMAT ",\"position\":%"
                              G_GUINT64_FORMAT ",\"head_position\":%" G_GUINT64_FORMAT "}",
                              m->applied, m->checkpoint, MAX (m->head, m->checkpoint));
      ms_pattern_reply (ex, 200, json);
    }
  else
    ms_pattern_reply_error (ex, 404, "not_found", NULL);
}

static void
projector_handle (MsApp *base, MsPod *pod, MsExchange *ex)
{
  ms_pattern_serve_after (base, pod, &((ProjectorApp *) base)->model->latency, ex, serve);
}

static void
projector_app_free (MsApp *base)
{
  ProjectorApp *app = (ProjectorApp *) base;
  ms_pattern_calls_clear (&app->calls, NULL);
  drop_batch (app);
  g_ptr_array_remove (app->model->apps, app);
  g_free (app);
}

static MsApp *
projector_new_app (MsModel *model, MsPod *pod)
{
  ProjectorModel *m = (ProjectorModel *) model;
  ProjectorApp *app = g_new0 (ProjectorApp, 1);
  app->base.handle = projector_handle;
  app->base.free = projector_app_free;
  app->model = m;
  app->pod = pod;
  g_ptr_array_add (m->apps, app);
  /* Start polling at once (pods are set up before the run starts, or
   * when a scale adds them). */
  sleep_for (app, 0);
  return &app->base;
}

/* Options, binding, report and the end-of-run check. */

static void
projector_free (MsModel *model)
{
  ProjectorModel *m = (ProjectorModel *) model;
  ms_projection_free (m->projection);
  ms_histogram_free (m->lag);
  g_ptr_array_unref (m->apps);
  g_free (m);
}

static MsModel *
projector_parse (const MsNode *node, GError **error)
{
  static const char *const fields[] = {
    "model", "eventStore", "latency", "batchSize", "processingDelay", "wait", "retryDelay",
    "claimTimeout", NULL,
  };
  ProjectorModel *m = g_new0 (ProjectorModel, 1);
  m->base.klass = &ms_projector_model_class;
  m->base.node = node;
  m->store_url = (MsUrl) { g_intern_string ("event-store"), 0, g_intern_string ("/") };
  m->latency = ms_dist_fixed (MS_MSEC (1));
  m->batch_size = 20;
  m->processing_delay = MS_MSEC (1);
  m->wait = MS_SEC (5);
  m->retry_delay = MS_MSEC (500);
  m->claim_timeout = MS_SEC (10);
  m->projection = ms_projection_new ();
  m->lag = ms_histogram_new ();
  m->apps = g_ptr_array_new ();
  g_autoptr (MsModel) guard = (MsModel *) m;
  if (node != NULL
      && (!ms_read_object (node, fields, error)
          || !ms_read_url (node, "eventStore", FALSE, &m->store_url, error)
          || !ms_read_dist (node, "latency", FALSE, &m->latency, error)
          || !ms_read_int (node, "batchSize", FALSE, 1, 10000, &m->batch_size, error)
          || !ms_read_duration (node, "processingDelay", FALSE, &m->processing_delay, error)
          || !ms_read_duration (node, "wait", FALSE, &m->wait, error)
          || !ms_read_duration (node, "retryDelay", FALSE, &m->retry_delay, error)
          || !ms_read_duration (node, "claimTimeout", FALSE, &m->claim_timeout, error)))
    return NULL;
  if (m->retry_delay == 0)
    {
      ms_read_fail (error, ms_node_get (node, "retryDelay"), MS_SCENARIO_ERROR_VALUE,
                    "retryDelay must be above 0s, or a failing store is polled in a tight loop");
      return NULL;
    }
  return g_steal_pointer (&guard);
}

static gboolean
projector_bind (MsModel *model, MsCluster *cluster, MsDeployment *deployment, GError **error)
{
  ProjectorModel *m = (ProjectorModel *) model;
  m->cluster = cluster;
  m->store = ms_pattern_bind_service (cluster, deployment, model->node, "eventStore",
                                      &m->store_url, &ms_event_store_model_class, error);
  return m->store != NULL;
}

static void
projector_report (MsModel *model, MsReport *report, MsReportNode *workload)
{
  (void) report;
  ProjectorModel *m = (ProjectorModel *) model;
  guint64 head = ms_event_log_head (ms_event_store_log (m->store));
  ms_report_set_string (workload, "model", "projector");
  ms_report_set_int (workload, "position", (gint64) m->checkpoint);
  ms_report_set_int (workload, "head_position", (gint64) head);
  ms_report_set_int (workload, "lag_events", (gint64) (head - MIN (head, m->checkpoint)));
  ms_report_set_int (workload, "events_applied", (gint64) m->applied);
  ms_report_set_int (workload, "redelivered", (gint64) m->redelivered);
  ms_report_set_int (workload, "gaps", (gint64) m->gaps);
  ms_report_set_int (workload, "events_lost_in_crashes", (gint64) m->lost);
  ms_report_set_int (workload, "polls", (gint64) m->polls);
  ms_report_set_int (workload, "failed_polls", (gint64) m->failed_polls);
  ms_report_set_int (workload, "takeovers", (gint64) m->takeovers);
  ms_report_set_int (workload, "rebuilds", (gint64) m->rebuilds);
  ms_report_set_int (workload, "notifications", (gint64) m->notifications);
  ms_report_set_int (workload, "users", ms_projection_n_users (m->projection));
  ms_report_set_int (workload, "active_users", ms_projection_n_active (m->projection));
  ms_report_set_int (workload, "orders", ms_projection_n_orders (m->projection));
  MsReportNode *lag = ms_report_object (workload, "lag_ms");
  ms_report_set_double (lag, "p50", (double) ms_histogram_quantile (m->lag, 0.5) / 1000.0);
  ms_report_set_double (lag, "p99", (double) ms_histogram_quantile (m->lag, 0.99) / 1000.0);
  ms_report_set_double (lag, "max", (double) ms_histogram_max (m->lag) / 1000.0);
}

/* The projection must equal the fold of the committed events up to the
 * checkpoint: nothing skipped, nothing twice, nothing invented. */
static gboolean
projector_verify (MsModel *model, GString *problems)
{
  ProjectorModel *m = (ProjectorModel *) model;
  MsEventLog *log = ms_event_store_log (m->store);
  gboolean ok = TRUE;
  if (m->checkpoint > ms_event_log_head (log))
    {
      g_string_append_printf (problems, "the checkpoint (%" G_GUINT64_FORMAT ") is past the "
                              "store's head (%" G_GUINT64_FORMAT "). ", m->checkpoint,
                              ms_event_log_head (log));
      return FALSE;
    }
  g_autoptr (MsProjection) fold = ms_projection_new ();
  for (guint64 p = 1; p <= m->checkpoint; p++)
    {
      const MsRecordedEvent *e = ms_event_log_get (log, p);
      ms_projection_apply_text (fold, e->stream, e->type, e->version, e->data, e->appended_at);
    }
  g_autoptr (GString) expected = g_string_new (NULL), actual = g_string_new (NULL);
  ms_projection_write (fold, expected);
  ms_projection_write (m->projection, actual);
  if (!g_str_equal (expected->str, actual->str))
    {
      ok = FALSE;
      g_string_append_printf (problems, "the projection differs from the fold of events 1 to "
                              "%" G_GUINT64_FORMAT " (%u users and %u orders folded, %u and %u "
                              "projected). ", m->checkpoint, ms_projection_n_users (fold),
                              ms_projection_n_orders (fold),
                              ms_projection_n_users (m->projection),
                              ms_projection_n_orders (m->projection));
    }
  if (m->redelivered > 0)
    {
      ok = FALSE;
      g_string_append_printf (problems, "%" G_GUINT64_FORMAT " events at or before the "
                              "checkpoint were delivered again. ", m->redelivered);
    }
  return ok;
}

const MsModelClass ms_projector_model_class = {
  .name = "projector",
  .parse = projector_parse,
  .bind = projector_bind,
  .new_app = projector_new_app,
  .report = projector_report,
  .verify = projector_verify,
  .verified = "is consistent with the event log",
  .free = projector_free,
};
