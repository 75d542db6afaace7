/* models/apps/loadgen.c - open- and closed-loop clients.
 *
 * The generator draws arrival gaps from its own stream ("traffic/<name>"),
 * so adding a source never changes another's arrivals.  It keeps one
 * histogram of latencies in microseconds (see sim/core/histogram.h for its
 * error) and flat counters by status code.  Flags are counted per distinct
 * combination, as Envoy prints them ("UT,URX").
 *
 * A closed loop splits `requests` over its connections as fortio splits
 * -n over -c ("10 per thread + 0"): each connection sends its own share,
 * the first `requests % connections` one more, so a connection that keeps
 * getting fast errors uses up its own share, not its neighbours'.
 * `overhead` is the client's own time between deciding to send and the
 * request reaching its proxy (fortio's processing and the loopback hop to
 * its sidecar).  It counts in the latency, and is drawn from a stream of
 * its own ("traffic/<name>/overhead") so that it shifts no arrival.
 */
#include "models/apps/loadgen.h"

#include "sim/core/histogram.h"

typedef struct {
  guint32 flags;
  guint64 count;
} FlagCount;

/* One client connection of a closed loop (an open loop has one, with no
 * share). */
typedef struct {
  MsLoadgen *lg;
  gint64 left;              /* requests still to send; -1: no share */
} Connection;

struct _MsLoadgen {
  MsCluster *cluster;
  MsSim *sim;
  const MsTrafficConfig *config;
  MsPod *source;
  MsRandom random;
  MsRandom overhead_random;
  gboolean has_overhead;    /* overhead is not a fixed 0 */
  Connection *connections;  /* [n_connections] */
  guint n_connections;
  MsBody *body;
  const char **headers;     /* name, value, ... interned once */
  MsTime stop_at;           /* no new request at or after this time */
  gint64 limit;             /* requests to send; 0: no limit */
  gboolean stopped;
  gboolean idle_reported;
  MsLoadgenIdle idle;
  gpointer idle_data;

  guint64 sent;
  guint64 completed;
  guint64 *status;          /* [MS_STATUS_MAX] */
  GArray *flags;            /* FlagCount, in order of first appearance */
  MsHistogram *latency;
};

MsLoadgen *
ms_loadgen_new (MsCluster *cluster, const MsTrafficConfig *config, MsPod *source, MsTime end,
                MsLoadgenIdle idle, gpointer idle_data)
{
  MsLoadgen *lg = g_new0 (MsLoadgen, 1);
  lg->cluster = cluster;
  lg->sim = ms_cluster_sim (cluster);
  lg->config = config;
  lg->source = source;
  lg->idle = idle;
  lg->idle_data = idle_data;
  g_autofree char *stream = g_strdup_printf ("traffic/%s", config->name);
  ms_sim_random_stream (lg->sim, &lg->random, stream);
  g_autofree char *overhead = g_strconcat (stream, "/overhead", NULL);
  ms_sim_random_stream (lg->sim, &lg->overhead_random, overhead);
  lg->has_overhead = config->overhead.kind != MS_DIST_FIXED || config->overhead.value > 0;
  if (config->body != NULL)
    lg->body = ms_body_new_text (config->body, -1);
  lg->headers = g_new0 (const char *, 2 * config->headers.n + 1);
  for (guint i = 0; i < config->headers.n; i++)
    {
      lg->headers[2 * i] = g_intern_string (config->headers.keys[i]);
      lg->headers[2 * i + 1] = g_intern_string (config->headers.values[i]);
    }
  /* The source's own duration, else the scenario's, else only its request
   * count ends it. */
  if (config->duration >= 0)
    lg->stop_at = config->start + config->duration;
  else
    lg->stop_at = end >= 0 ? end : MS_TIME_NEVER;
  lg->limit = config->requests;
  lg->n_connections = config->mode == MS_TRAFFIC_CLOSED ? (guint) config->connections : 1;
  lg->connections = g_new0 (Connection, lg->n_connections);
  for (guint i = 0; i < lg->n_connections; i++)
    {
      Connection *conn = &lg->connections[i];
      conn->lg = lg;
      conn->left = -1;
      if (config->mode == MS_TRAFFIC_CLOSED && config->requests > 0)
        conn->left = config->requests / config->connections
                     + ((gint64) i < config->requests % config->connections);
    }
  lg->status = g_new0 (guint64, MS_STATUS_MAX);
  lg->flags = g_array_new (FALSE, FALSE, sizeof (FlagCount));
  lg->latency = ms_histogram_new ();
  return lg;
}

void
ms_loadgen_free (MsLoadgen *lg)
{
  if (lg == NULL)
    return;
  g_clear_pointer (&lg->body, ms_body_unref);
  g_free (lg->headers);
  g_free (lg->connections);
  g_free (lg->status);
  g_array_unref (lg->flags);
  ms_histogram_free (lg->latency);
  g_free (lg);
}

static gboolean
may_send (MsLoadgen *lg)
{
  return !lg->stopped && ms_sim_now (lg->sim) < lg->stop_at
         && (lg->limit == 0 || lg->sent < (guint64) lg->limit);
}

static gboolean
connection_may_send (Connection *conn)
{
  return conn->left != 0 && may_send (conn->lg);
}

static void
check_idle (MsLoadgen *lg)
{
  if (!lg->idle_reported && lg->completed == lg->sent && !may_send (lg))
    {
      lg->idle_reported = TRUE;
      if (lg->idle != NULL)
        lg->idle (lg, lg->idle_data);
    }
}

static void send_one (Connection *conn);

static void
request_done (MsExchange *ex, gpointer data)
{
  Connection *conn = data;
  MsLoadgen *lg = conn->lg;
  lg->completed++;
  lg->status[CLAMP (ex->status, 0, MS_STATUS_MAX - 1)]++;
  guint i;
  for (i = 0; i < lg->flags->len; i++)
    if (g_array_index (lg->flags, FlagCount, i).flags == ex->flags)
      break;
  if (i == lg->flags->len)
    {
      FlagCount fc = { ex->flags, 0 };
      g_array_append_val (lg->flags, fc);
    }
  g_array_index (lg->flags, FlagCount, i).count++;
  ms_histogram_record (lg->latency, ms_sim_now (lg->sim) - ex->start);
  ms_exchange_unref (ex);

  /* Closed loop: this connection goes on at once. */
  if (lg->config->mode == MS_TRAFFIC_CLOSED && connection_may_send (conn))
    send_one (conn);
  check_idle (lg);
}

static void
overhead_done (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *ex = data;
  ms_pod_send (ex->source, ex);
}

static void
send_one (Connection *conn)
{
  MsLoadgen *lg = conn->lg;
  const MsTrafficConfig *c = lg->config;
  MsRequest *request = ms_request_new (ms_cluster_pool (lg->cluster));
  request->method = c->method;
  request->host = c->url.host;
  request->port = c->url.port ? c->url.port : 80;
  request->path = c->url.path;
  for (guint i = 0; i < c->headers.n; i++)
    ms_request_set_header_interned (request, lg->headers[2 * i], lg->headers[2 * i + 1]);
  if (lg->body != NULL)
    request->body = ms_body_ref (lg->body);
  MsExchange *ex = ms_exchange_new (ms_cluster_pool (lg->cluster), request, lg->source,
                                    ms_sim_now (lg->sim), request_done, conn);
  ms_request_unref (request);
  lg->sent++;
  if (conn->left > 0)
    conn->left--;
  if (lg->has_overhead)
    {
      MsTime overhead = ms_dist_sample (&c->overhead, &lg->overhead_random);
      ms_sim_schedule (lg->sim, overhead, overhead_done, ex);
      return;
    }
  ms_pod_send (lg->source, ex);
}

static void
arrival (MsSim *sim, gpointer data)
{
  (void) sim;
  MsLoadgen *lg = data;
  if (!may_send (lg))
    {
      check_idle (lg);
      return;
    }
  send_one (&lg->connections[0]);
  MsTime gap = (MsTime) ms_random_exponential (&lg->random, 1e6 / lg->config->rate);
  ms_sim_schedule (lg->sim, gap, arrival, lg);
}

static void
open_connections (MsSim *sim, gpointer data)
{
  (void) sim;
  MsLoadgen *lg = data;
  for (guint i = 0; i < lg->n_connections; i++)
    if (connection_may_send (&lg->connections[i]))
      send_one (&lg->connections[i]);
  check_idle (lg);
}

void
ms_loadgen_start (MsLoadgen *lg)
{
  const MsTrafficConfig *c = lg->config;
  if (c->mode == MS_TRAFFIC_OPEN)
    {
      /* The first arrival is one gap after start, as in a Poisson process
       * observed from start. */
      MsTime gap = (MsTime) ms_random_exponential (&lg->random, 1e6 / c->rate);
      ms_sim_schedule_at (lg->sim, c->start + gap, arrival, lg);
    }
  else
    ms_sim_schedule_at (lg->sim, c->start, open_connections, lg);
}

void
ms_loadgen_stop (MsLoadgen *lg)
{
  lg->stopped = TRUE;
  check_idle (lg);
}

guint64
ms_loadgen_sent (const MsLoadgen *lg)
{
  return lg->sent;
}

guint64
ms_loadgen_completed (const MsLoadgen *lg)
{
  return lg->completed;
}

gboolean
ms_loadgen_idle (const MsLoadgen *lg)
{
  return lg->idle_reported;
}

void
ms_loadgen_report (const MsLoadgen *lg, MsReportNode *parent)
{
  MsReportNode *node = ms_report_object (parent, lg->config->name);
  ms_report_set_int (node, "requests", (gint64) lg->sent);
  ms_report_set_int (node, "completed", (gint64) lg->completed);
  ms_report_set_int (node, "in_flight", (gint64) (lg->sent - lg->completed));
  MsReportNode *status = ms_report_object (node, "status");
  for (int code = 0; code < MS_STATUS_MAX; code++)
    if (lg->status[code] > 0)
      {
        char key[8];
        g_snprintf (key, sizeof key, "%d", code);
        ms_report_set_int (status, key, (gint64) lg->status[code]);
      }
  /* Flags sorted by their printed form, so the order does not depend on
   * which came first. */
  MsReportNode *flags = ms_report_object (node, "flags");
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < lg->flags->len; i++)
    {
      char buf[64];
      g_ptr_array_add (names, g_strdup (ms_response_flags_format (
                                  g_array_index (lg->flags, FlagCount, i).flags, buf)));
    }
  for (guint pass = 0; pass < names->len; pass++)
    {
      /* Selection by name: flag combinations are a handful at most. */
      guint best = G_MAXUINT;
      for (guint i = 0; i < names->len; i++)
        if (names->pdata[i] != NULL
            && (best == G_MAXUINT || g_strcmp0 (names->pdata[i], names->pdata[best]) < 0))
          best = i;
      ms_report_set_int (flags, names->pdata[best],
                         (gint64) g_array_index (lg->flags, FlagCount, best).count);
      g_free (names->pdata[best]);
      names->pdata[best] = NULL;
    }
  MsReportNode *latency = ms_report_object (node, "latency_ms");
  ms_report_set_double (latency, "mean", ms_histogram_mean (lg->latency) / 1000.0);
  ms_report_set_double (latency, "p50", ms_histogram_quantile (lg->latency, 0.50) / 1000.0);
  ms_report_set_double (latency, "p90", ms_histogram_quantile (lg->latency, 0.90) / 1000.0);
  ms_report_set_double (latency, "p99", ms_histogram_quantile (lg->latency, 0.99) / 1000.0);
  ms_report_set_double (latency, "max", ms_histogram_max (lg->latency) / 1000.0);
}
