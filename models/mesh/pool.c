/* models/mesh/pool.c - HTTP/1.1 connection pooling with circuit breakers.
 *
 * Idle connections are kept per host (an idle connection to one pod cannot
 * carry a request for another).  The pending queue is one FIFO per
 * cluster; when capacity frees up, the oldest waiter that can be served
 * (an idle connection to its host, or room for a new connection) is served
 * first.  Every count here is exact, so a test can check that overflows
 * equal the 503 UO answers one for one.
 *
 * With a connector (client sidecars), a new connection is not usable at
 * once: it counts against tcp.maxConnections from the moment it is opened,
 * and the request that caused it waits in the pending queue, counted
 * against http1MaxPendingRequests, until the handshake is over.  This is
 * Envoy's ConnPoolImplBase: newStream attaches to a ready connection if
 * there is one, else checks the pending limit, queues the stream and only
 * then tries to open a connection, one per pending stream not already
 * covered by a connection being opened.  Without a connector (the server
 * sidecar's inbound side, which talks to its app over loopback) a new
 * connection is ready at once.  A closing connection gives its slot back
 * at once: Envoy releases it on the local close event, raised inside
 * close(), in the same event-loop pass as the response.
 */
#include "models/mesh/pool.h"

#include "sim/io/read.h"

/* The connections of one host, in one pool. */
typedef struct {
  gconstpointer host;
  GSList *idle;             /* MsPoolConn *, connected and free */
  guint open;               /* connections open or being opened to it */
  guint connecting;         /* of which still in their handshake */
  guint waiting;            /* waiters for this host in the pending queue */
} HostConns;

struct _MsPoolConn {
  MsPool *pool;
  HostConns *at;
  guint requests;
  MsTimer connect_timer;
  GList link;              /* in the pool's busy or connecting list */
};

typedef struct {
  gpointer waiter;
  HostConns *at;
} Waiter;

struct _MsPool {
  MsPoolSettings settings;
  MsPoolReady ready;
  MsPoolConnector connector;  /* .time NULL: connections are ready at once */
  GHashTable *hosts;          /* host -> HostConns * */
  GQueue pending;             /* Waiter * */
  GQueue busy;                /* MsPoolConn *, each carrying a request */
  GQueue connecting;          /* MsPoolConn *, in their handshake */
  MsPoolStats stats;
};

/* The connection now carries a request. */
static MsPoolConn *
hand_out (MsPool *pool, MsPoolConn *conn)
{
  conn->link.data = conn;
  g_queue_push_tail_link (&pool->busy, &conn->link);
  pool->stats.active++;
  pool->stats.upstream_rq_total++;
  return conn;
}

gboolean
ms_pool_settings_read (const MsNode *node, MsPoolSettings *out, GError **error)
{
  static const char *const fields[] = { "tcp", "http", NULL };
  static const char *const tcp_fields[] = {
    "maxConnections", "connectTimeout", "tcpKeepalive", "maxConnectionDuration",
    "idleTimeout", NULL,
  };
  static const char *const http_fields[] = {
    "http1MaxPendingRequests", "http2MaxRequests", "maxRequestsPerConnection", "maxRetries",
    "idleTimeout", "h2UpgradePolicy", "useClientProtocol", "maxConcurrentStreams", NULL,
  };
  *out = (MsPoolSettings){
    .max_connections = G_MAXUINT32, .connect_timeout = MS_SEC (10),
    .max_pending = G_MAXUINT32, .max_requests = G_MAXUINT32, .max_retries = G_MAXUINT32,
    .idle_timeout = MS_SEC (3600),
  };
  if (node == NULL)
    return TRUE;
  const MsNode *tcp, *http;
  if (!ms_read_object (node, fields, error)
      || !ms_read_child (node, "tcp", MS_NODE_OBJECT, FALSE, &tcp, error)
      || !ms_read_child (node, "http", MS_NODE_OBJECT, FALSE, &http, error))
    return FALSE;
  out->set = TRUE;
  gint64 v;
  /* Istio applies a value only when it is above 0 (a FIXME in its code:
   * 0 cannot be told from unset). */
#define LIMIT(block, key, field)                                                \
  v = 0;                                                                        \
  if (!ms_read_int (block, key, FALSE, 0, G_MAXUINT32, &v, error))              \
    return FALSE;                                                               \
  if (v > 0)                                                                    \
    out->field = (guint32) v;
  if (tcp != NULL)
    {
      if (!ms_read_object (tcp, tcp_fields, error))
        return FALSE;
      LIMIT (tcp, "maxConnections", max_connections)
      if (!ms_read_duration (tcp, "connectTimeout", FALSE, &out->connect_timeout, error))
        return FALSE;
    }
  if (http != NULL)
    {
      if (!ms_read_object (http, http_fields, error))
        return FALSE;
      LIMIT (http, "http1MaxPendingRequests", max_pending)
      LIMIT (http, "http2MaxRequests", max_requests)
      LIMIT (http, "maxRequestsPerConnection", max_requests_per_connection)
      LIMIT (http, "maxRetries", max_retries)
      if (!ms_read_duration (http, "idleTimeout", FALSE, &out->idle_timeout, error))
        return FALSE;
    }
#undef LIMIT
  return TRUE;
}

static void
host_conns_free (gpointer data)
{
  HostConns *h = data;
  g_slist_free_full (h->idle, g_free);
  g_free (h);
}

MsPool *
ms_pool_new (const MsPoolSettings *settings, MsPoolReady ready, const MsPoolConnector *connector)
{
  MsPool *pool = g_new0 (MsPool, 1);
  pool->settings = *settings;
  pool->ready = ready;
  if (connector != NULL)
    pool->connector = *connector;
  pool->hosts = g_hash_table_new_full (NULL, NULL, NULL, host_conns_free);
  g_queue_init (&pool->pending);
  g_queue_init (&pool->busy);
  g_queue_init (&pool->connecting);
  return pool;
}

void
ms_pool_free (MsPool *pool)
{
  if (pool == NULL)
    return;
  g_queue_clear_full (&pool->pending, g_free);
  /* Connections still carrying a request, or still in their handshake,
   * when the run ended. */
  GList *link;
  while ((link = g_queue_pop_head_link (&pool->busy)) != NULL)
    g_free (link->data);
  while ((link = g_queue_pop_head_link (&pool->connecting)) != NULL)
    {
      MsPoolConn *conn = link->data;
      ms_sim_cancel (pool->connector.sim, &conn->connect_timer);
      g_free (conn);
    }
  g_hash_table_unref (pool->hosts);
  g_free (pool);
}

/* The host's connection record, made on its first request (one per host
 * per pool, never per request). */
static HostConns *
host_conns (MsPool *pool, gconstpointer host)
{
  HostConns *h = g_hash_table_lookup (pool->hosts, host);
  if (h == NULL)
    {
      h = g_new0 (HostConns, 1);
      h->host = host;
      g_hash_table_insert (pool->hosts, (gpointer) host, h);
    }
  return h;
}

static MsPoolConn *
take_idle (HostConns *h)
{
  if (h->idle == NULL)
    return NULL;
  MsPoolConn *conn = h->idle->data;
  h->idle = g_slist_delete_link (h->idle, h->idle);
  return conn;
}

/* A new connection to host if tcp.maxConnections allows, NULL otherwise.
 * The limit counts connections being opened too.  Envoy lets a host with
 * no connection at all open one even past the cluster's limit, so that no
 * request waits forever while other hosts' connections sit idle
 * (upstream_cx_overflow counts it). */
static MsPoolConn *
open_connection (MsPool *pool, HostConns *h)
{
  if (pool->stats.connections >= pool->settings.max_connections)
    {
      pool->stats.upstream_cx_overflow++;
      if (h->open > 0)
        return NULL;
    }
  h->open++;
  pool->stats.connections++;
  pool->stats.upstream_cx_total++;
  MsPoolConn *conn = g_new0 (MsPoolConn, 1);
  conn->pool = pool;
  conn->at = h;
  return conn;
}

/* Hands conn to the oldest waiter for its host; without one it goes idle. */
static void
serve_waiter (MsPool *pool, MsPoolConn *conn)
{
  for (GList *l = pool->pending.head; l != NULL; l = l->next)
    {
      Waiter *w = l->data;
      if (w->at != conn->at)
        continue;
      gpointer waiter = w->waiter;
      g_queue_delete_link (&pool->pending, l);
      g_free (w);
      conn->at->waiting--;
      pool->stats.pending--;
      pool->ready (waiter, hand_out (pool, conn));
      return;
    }
  conn->at->idle = g_slist_prepend (conn->at->idle, conn);
}

static void
connected (MsSim *sim, gpointer data)
{
  (void) sim;
  MsPoolConn *conn = data;
  MsPool *pool = conn->pool;
  g_queue_unlink (&pool->connecting, &conn->link);
  conn->at->connecting--;
  pool->stats.connecting--;
  serve_waiter (pool, conn);
}

/* Opens connections to a host for its waiters, one per waiter that no
 * connection being opened will serve, while the limit allows. */
static void
open_for_waiters (MsPool *pool, HostConns *h)
{
  while (h->waiting > h->connecting)
    {
      MsPoolConn *conn = open_connection (pool, h);
      if (conn == NULL)
        return;
      h->connecting++;
      pool->stats.connecting++;
      conn->link.data = conn;
      g_queue_push_tail_link (&pool->connecting, &conn->link);
      MsTime handshake = pool->connector.time (pool->connector.data, h->host);
      conn->connect_timer = ms_sim_schedule (pool->connector.sim, handshake, connected, conn);
    }
}

MsPoolResult
ms_pool_acquire (MsPool *pool, gconstpointer host, gpointer waiter, MsPoolConn **connection)
{
  MsPoolStats *st = &pool->stats;
  if (st->active + st->pending >= pool->settings.max_requests)
    {
      st->upstream_rq_pending_overflow++;
      return MS_POOL_OVERFLOW;
    }
  HostConns *h = host_conns (pool, host);
  MsPoolConn *conn = take_idle (h);
  /* Without a handshake a new connection is ready at once, but it must
   * not jump the queue of requests already waiting. */
  if (conn == NULL && pool->connector.time == NULL && g_queue_is_empty (&pool->pending))
    conn = open_connection (pool, h);
  if (conn != NULL)
    {
      *connection = hand_out (pool, conn);
      return MS_POOL_READY;
    }
  if (st->pending >= pool->settings.max_pending)
    {
      st->upstream_rq_pending_overflow++;
      return MS_POOL_OVERFLOW;
    }
  Waiter *w = g_new (Waiter, 1);
  w->waiter = waiter;
  w->at = h;
  g_queue_push_tail (&pool->pending, w);
  h->waiting++;
  st->pending++;
  st->upstream_rq_pending_total++;
  if (pool->connector.time != NULL)
    open_for_waiters (pool, h);
  return MS_POOL_PENDING;
}

void
ms_pool_cancel (MsPool *pool, gpointer waiter)
{
  for (GList *l = pool->pending.head; l != NULL; l = l->next)
    {
      Waiter *w = l->data;
      if (w->waiter == waiter)
        {
          /* A connection being opened for it goes on and ends up idle, as
           * Envoy's default cancel policy leaves it. */
          w->at->waiting--;
          g_queue_delete_link (&pool->pending, l);
          g_free (w);
          pool->stats.pending--;
          return;
        }
    }
}

/* Serves waiters, oldest first, while capacity allows: an idle connection
 * to the waiter's host, else a new connection (ready at once, or opened
 * for it). */
static void
dispatch (MsPool *pool)
{
  GList *l = pool->pending.head;
  while (l != NULL && pool->stats.active < pool->settings.max_requests)
    {
      GList *next = l->next;
      Waiter *w = l->data;
      HostConns *h = w->at;
      MsPoolConn *conn = take_idle (h);
      if (conn == NULL && pool->connector.time != NULL)
        {
          open_for_waiters (pool, h);
          l = next;
          continue;
        }
      if (conn == NULL)
        conn = open_connection (pool, h);
      if (conn != NULL)
        {
          gpointer waiter = w->waiter;
          g_queue_delete_link (&pool->pending, l);
          g_free (w);
          h->waiting--;
          pool->stats.pending--;
          pool->ready (waiter, hand_out (pool, conn));
        }
      l = next;
    }
}

void
ms_pool_release (MsPool *pool, MsPoolConn *conn, gboolean keep_alive)
{
  g_queue_unlink (&pool->busy, &conn->link);
  pool->stats.active--;
  conn->requests++;
  guint32 limit = pool->settings.max_requests_per_connection;
  if (!keep_alive || (limit > 0 && conn->requests >= limit))
    {
      conn->at->open--;
      pool->stats.connections--;
      g_free (conn);
    }
  else
    conn->at->idle = g_slist_prepend (conn->at->idle, conn);
  dispatch (pool);
}

gboolean
ms_pool_retry_begin (MsPool *pool)
{
  if (pool->stats.retries >= pool->settings.max_retries)
    {
      pool->stats.upstream_rq_retry_overflow++;
      return FALSE;
    }
  pool->stats.retries++;
  return TRUE;
}

void
ms_pool_retry_end (MsPool *pool)
{
  if (pool->stats.retries > 0)
    pool->stats.retries--;
}

void
ms_pool_set_settings (MsPool *pool, const MsPoolSettings *settings)
{
  pool->settings = *settings;
}

const MsPoolStats *
ms_pool_stats (const MsPool *pool)
{
  return &pool->stats;
}
