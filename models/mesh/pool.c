/* models/mesh/pool.c - HTTP/1.1 connection pooling with circuit breakers.
 *
 * Idle connections are kept per host (an idle connection to one pod cannot
 * carry a request for another).  The pending queue is one FIFO per
 * cluster; when capacity frees up, the oldest waiter that can be served
 * (an idle connection to its host, or room for a new connection) is served
 * first.  Every count here is exact, so a test can check that overflows
 * equal the 503 UO answers one for one.
 */
#include "models/mesh/pool.h"

#include "sim/io/read.h"

struct _MsPoolConn {
  gconstpointer host;
  guint requests;
  GList link;              /* in the pool's busy list while it carries a request */
};

typedef struct {
  gpointer waiter;
  gconstpointer host;
} Waiter;

struct _MsPool {
  MsPoolSettings settings;
  MsPoolReady ready;
  GHashTable *idle;         /* host -> GSList of MsPoolConn * */
  GHashTable *per_host;     /* host -> connections open to it */
  GQueue pending;           /* Waiter * */
  GQueue busy;              /* MsPoolConn *, each carrying a request */
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
idle_list_free (gpointer data)
{
  g_slist_free_full (data, g_free);
}

MsPool *
ms_pool_new (const MsPoolSettings *settings, MsPoolReady ready)
{
  MsPool *pool = g_new0 (MsPool, 1);
  pool->settings = *settings;
  pool->ready = ready;
  pool->idle = g_hash_table_new_full (NULL, NULL, NULL, idle_list_free);
  pool->per_host = g_hash_table_new (NULL, NULL);
  g_queue_init (&pool->pending);
  return pool;
}

void
ms_pool_free (MsPool *pool)
{
  if (pool == NULL)
    return;
  g_hash_table_unref (pool->idle);
  g_hash_table_unref (pool->per_host);
  g_queue_clear_full (&pool->pending, g_free);
  /* Connections still carrying a request when the run ended. */
  GList *link;
  while ((link = g_queue_pop_head_link (&pool->busy)) != NULL)
    g_free (link->data);
  g_free (pool);
}

/* An idle connection to host, or a new one if the limit allows; NULL
 * otherwise. */
static MsPoolConn *
take_connection (MsPool *pool, gconstpointer host)
{
  GSList *list = g_hash_table_lookup (pool->idle, host);
  if (list != NULL)
    {
      MsPoolConn *conn = list->data;
      g_hash_table_steal (pool->idle, host);
      list = g_slist_delete_link (list, list);
      if (list != NULL)
        g_hash_table_insert (pool->idle, (gpointer) host, list);
      return conn;
    }
  /* Envoy lets a host with no connection at all open one even past the
   * cluster's limit, so that no request waits forever while other hosts'
   * connections sit idle (upstream_cx_overflow counts it). */
  guint to_host = GPOINTER_TO_UINT (g_hash_table_lookup (pool->per_host, host));
  if (pool->stats.connections >= pool->settings.max_connections)
    {
      pool->stats.upstream_cx_overflow++;
      if (to_host > 0)
        return NULL;
    }
  g_hash_table_insert (pool->per_host, (gpointer) host, GUINT_TO_POINTER (to_host + 1));
  pool->stats.connections++;
  pool->stats.upstream_cx_total++;
  MsPoolConn *conn = g_new0 (MsPoolConn, 1);
  conn->host = host;
  return conn;
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
  MsPoolConn *conn = g_queue_is_empty (&pool->pending) ? take_connection (pool, host) : NULL;
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
  w->host = host;
  g_queue_push_tail (&pool->pending, w);
  st->pending++;
  st->upstream_rq_pending_total++;
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
          g_queue_delete_link (&pool->pending, l);
          g_free (w);
          pool->stats.pending--;
          return;
        }
    }
}

/* Serves waiters, oldest first, while capacity allows. */
static void
dispatch (MsPool *pool)
{
  GList *l = pool->pending.head;
  while (l != NULL && pool->stats.active < pool->settings.max_requests)
    {
      GList *next = l->next;
      Waiter *w = l->data;
      MsPoolConn *conn = take_connection (pool, w->host);
      if (conn != NULL)
        {
          gpointer waiter = w->waiter;
          g_queue_delete_link (&pool->pending, l);
          g_free (w);
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
      guint to_host = GPOINTER_TO_UINT (g_hash_table_lookup (pool->per_host, conn->host));
      g_hash_table_insert (pool->per_host, (gpointer) conn->host, GUINT_TO_POINTER (to_host - 1));
      pool->stats.connections--;
      g_free (conn);
    }
  else
    {
      GSList *list = g_hash_table_lookup (pool->idle, conn->host);
      g_hash_table_steal (pool->idle, conn->host);
      g_hash_table_insert (pool->idle, (gpointer) conn->host, g_slist_prepend (list, conn));
    }
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
