/* models/apps/query.c - answering from the projection, with its staleness.
 *
 * A query waiting for min_position is a small record on its app with a
 * timer; it checks the projector's checkpoint every pollInterval rather
 * than being told, as RavenDB's WaitForNonStaleResults polls (every
 * ~100 ms there; 10 ms by default here, so a read-your-writes wait costs
 * at most that much extra).
 */
#include "models/apps/query.h"

#include "models/apps/pattern.h"
#include "models/apps/projector.h"
#include "sim/io/read.h"

typedef enum { USERS, USER_STATS, ORDERS, N_QUERIES } Query;

static const char *const query_paths[] = {
  "/api/queries/users", "/api/queries/user-stats", "/api/queries/orders",
};

typedef struct {
  MsModel base;
  const char *read_model;    /* Deployment name */
  MsModel *projector;
  MsDist latency;
  MsTime wait_timeout;
  MsTime poll_interval;
  guint64 answered[N_QUERIES];
  guint64 stale, waited, timed_out, bad_requests;
} QueryModel;

typedef struct {
  MsApp base;
  QueryModel *model;
  MsPod *pod;
  GQueue waits;              /* Wait *, held for min_position */
} QueryApp;

typedef struct {
  QueryApp *app;
  MsExchange *ex;
  Query query;
  guint64 min_position;
  MsTime deadline;
  MsTimer timer;
  GList link;
} Wait;

static void
write_freshness (const MsProjectorState *s, GString *json)
{
  g_string_append_printf (json, ",\"as_of_position\":%" G_GUINT64_FORMAT ",\"head_position\":%"
                          G_GUINT64_FORMAT ",\"lag_events\":%" G_GUINT64_FORMAT ",\"lag_ms\":%"
                          G_GINT64_FORMAT ",\"is_stale\":%s}", s->position, s->head,
                          s->lag_events, s->lag / 1000, s->lag_events > 0 ? "true" : "false");
}

static void
answer (QueryApp *app, MsExchange *ex, Query query)
{
  QueryModel *m = app->model;
  MsTime now = ms_sim_now (ms_cluster_sim (app->pod->cluster));
  const MsProjection *p = ms_projector_projection (m->projector);
  MsProjectorState s;
  ms_projector_state (m->projector, now, &s);
  g_autoptr (GString) json = g_string_new (NULL);
  switch (query)
    {
    case USERS:
      g_string_append (json, "{\"users\":");
      ms_projection_write_users (p, json);
      g_string_append_printf (json, ",\"total\":%u,\"source\":\"materialized_view\"",
                              ms_projection_n_users (p));
      break;
    case USER_STATS:
      ms_projection_write_stats (p, now, json);
      g_string_truncate (json, json->len - 1);
      g_string_append (json, ",\"source\":\"aggregated_view\"");
      break;
    case ORDERS:
      g_string_append (json, "{\"orders\":");
      ms_projection_write_orders (p, json);
      g_string_append_printf (json, ",\"total\":%u,\"source\":\"materialized_view\"",
                              ms_projection_n_orders (p));
      break;
    default:
      g_assert_not_reached ();
    }
  write_freshness (&s, json);
  m->answered[query]++;
  m->stale += s.lag_events > 0;
  ms_pattern_reply (ex, 200, json);
}

static void
wait_end (Wait *w)
{
  g_queue_unlink (&w->app->waits, &w->link);
  g_free (w);
}

static void
wait_check (MsSim *sim, gpointer data)
{
  Wait *w = data;
  QueryModel *m = w->app->model;
  MsProjectorState s;
  ms_projector_state (m->projector, ms_sim_now (sim), &s);
  if (s.position >= w->min_position)
    {
      answer (w->app, w->ex, w->query);
      wait_end (w);
      return;
    }
  if (ms_sim_now (sim) >= w->deadline)
    {
      m->timed_out++;
      /* Two different stories: the projection is behind the store (stale),
       * or nobody has written that position yet, which no wait can fix. */
      g_autoptr (GString) json = g_string_new (NULL);
      if (s.head < w->min_position)
        g_string_append_printf (json, "{\"error\":\"not_written\",\"detail\":\"the event store "
                                "has no position %" G_GUINT64_FORMAT " yet (its head is %"
                                G_GUINT64_FORMAT "); pass the position your own command "
                                "returned\"", w->min_position, s.head);
      else
        g_string_append (json, "{\"error\":\"stale\"");
      g_string_append_printf (json, ",\"min_position\":%" G_GUINT64_FORMAT, w->min_position);
      write_freshness (&s, json);
      ms_pattern_reply (w->ex, 503, json);
      wait_end (w);
      return;
    }
  w->timer = ms_sim_schedule (sim, MIN (m->poll_interval, w->deadline - ms_sim_now (sim)),
                              wait_check, w);
}

static void
serve (MsApp *base, MsExchange *ex)
{
  QueryApp *app = (QueryApp *) base;
  QueryModel *m = app->model;
  g_autofree char *path = ms_pattern_path (ex->request);
  if (g_str_equal (path, "/health"))
    {
      g_autoptr (GString) json = g_string_new ("{\"service\":\"query-service\",\"status\":\"healthy\"}");
      ms_pattern_reply (ex, 200, json);
      return;
    }
  int query = -1;
  for (int q = 0; q < N_QUERIES; q++)
    if (g_str_equal (path, query_paths[q]))
      query = q;
  if (query < 0)
    {
      ms_pattern_reply_error (ex, 404, "not_found", NULL);
      return;
    }
  gint64 min_position = 0;
  MsTime timeout = m->wait_timeout;
  g_autofree char *reason = NULL;
  if (!ms_pattern_param_int (ex->request, "min_position", 0, G_MAXINT64, &min_position, &reason)
      || !ms_pattern_param_duration (ex->request, "timeout", &timeout, &reason))
    {
      m->bad_requests++;
      ms_pattern_reply_error (ex, 400, "bad_request", reason);
      return;
    }
  if (min_position == 0)
    {
      answer (app, ex, (Query) query);
      return;
    }
  m->waited++;
  MsSim *sim = ms_cluster_sim (app->pod->cluster);
  Wait *w = g_new0 (Wait, 1);
  *w = (Wait) { .app = app, .ex = ex, .query = (Query) query,
                .min_position = (guint64) min_position, .deadline = ms_sim_now (sim) + timeout };
  w->link.data = w;
  g_queue_push_tail_link (&app->waits, &w->link);
  wait_check (sim, w);
}

static void
query_handle (MsApp *base, MsPod *pod, MsExchange *ex)
{
  ms_pattern_serve_after (base, pod, &((QueryApp *) base)->model->latency, ex, serve);
}

static void
query_app_free (MsApp *base)
{
  QueryApp *app = (QueryApp *) base;
  GList *link;
  while ((link = g_queue_pop_head_link (&app->waits)) != NULL)
    g_free (link->data);
  g_free (app);
}

static MsApp *
query_new_app (MsModel *model, MsPod *pod)
{
  QueryApp *app = g_new0 (QueryApp, 1);
  app->base.handle = query_handle;
  app->base.free = query_app_free;
  app->model = (QueryModel *) model;
  app->pod = pod;
  return &app->base;
}

static void
query_free (MsModel *model)
{
  g_free (model);
}

static MsModel *
query_parse (const MsNode *node, GError **error)
{
  static const char *const options[] = {
    "model", "readModel", "latency", "waitTimeout", "pollInterval", NULL,
  };
  QueryModel *m = g_new0 (QueryModel, 1);
  m->base.klass = &ms_query_model_class;
  m->base.node = node;
  m->read_model = "event-processor";
  m->latency = ms_dist_fixed (MS_MSEC (1));
  m->wait_timeout = MS_SEC (2);
  m->poll_interval = MS_MSEC (10);
  g_autoptr (MsModel) guard = (MsModel *) m;
  if (node != NULL
      && (!ms_read_object (node, options, error)
          || !ms_read_string (node, "readModel", FALSE, &m->read_model, error)
          || !ms_read_dist (node, "latency", FALSE, &m->latency, error)
          || !ms_read_duration (node, "waitTimeout", FALSE, &m->wait_timeout, error)
          || !ms_read_duration (node, "pollInterval", FALSE, &m->poll_interval, error)))
    return NULL;
  if (m->poll_interval == 0)
    {
      ms_read_fail (error, ms_node_get (node, "pollInterval"), MS_SCENARIO_ERROR_VALUE,
                    "pollInterval must be above 0s");
      return NULL;
    }
  return g_steal_pointer (&guard);
}

static gboolean
query_bind (MsModel *model, MsCluster *cluster, MsDeployment *deployment, GError **error)
{
  (void) deployment;
  QueryModel *m = (QueryModel *) model;
  const MsNode *where = model->node ? ms_node_get (model->node, "readModel") : NULL;
  MsDeployment *d = ms_cluster_find_deployment (cluster, m->read_model);
  MsModel *target = d ? d->model : NULL;
  if (target == NULL || target->klass != &ms_projector_model_class)
    return ms_read_fail (error, where ? where : model->node, MS_SCENARIO_ERROR_REFERENCE,
                         "readModel \"%s\" must name a Deployment whose workload has "
                         "\"model\": \"projector\"%s", m->read_model,
                         d == NULL ? ", and there is no such Deployment" : "");
  m->projector = target;
  return TRUE;
}

static void
query_report (MsModel *model, MsReport *report, MsReportNode *workload)
{
  (void) report;
  QueryModel *m = (QueryModel *) model;
  ms_report_set_string (workload, "model", "query");
  MsReportNode *queries = ms_report_object (workload, "queries");
  for (int q = 0; q < N_QUERIES; q++)
    ms_report_set_int (queries, query_paths[q] + 13, (gint64) m->answered[q]);
  ms_report_set_int (workload, "stale_answers", (gint64) m->stale);
  ms_report_set_int (workload, "waited", (gint64) m->waited);
  ms_report_set_int (workload, "timed_out", (gint64) m->timed_out);
  ms_report_set_int (workload, "bad_requests", (gint64) m->bad_requests);
}

const MsModelClass ms_query_model_class = {
  .name = "query",
  .parse = query_parse,
  .bind = query_bind,
  .new_app = query_new_app,
  .report = query_report,
  .free = query_free,
};
