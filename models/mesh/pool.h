/* models/mesh/pool.h - connection pools and Envoy's circuit breakers, per
 * client proxy per cluster.
 *
 * HTTP/1.1 as Envoy pools it: one request at a time per connection, idle
 * connections kept per host and reused, a new connection opened while the
 * cluster is under tcp.maxConnections, otherwise the request waits in a
 * pending queue of at most http.http1MaxPendingRequests; beyond that, or
 * beyond http.http2MaxRequests requests in flight, the request overflows
 * and the proxy answers 503 UO itself.  A connection closes after
 * http.maxRequestsPerConnection requests.  The limits count per cluster,
 * over all its hosts, in each client proxy separately (reference 2.3),
 * except that a host with no connection may always open one, as Envoy's
 * pool allows so that requests cannot wait forever.
 *
 * With a connector, opening a connection takes the handshake time it
 * gives (client sidecars: TCP, plus TLS for mTLS; see docs/mesh.md), during
 * which the connection already counts against tcp.maxConnections and the
 * request waits as pending; without one (the inbound side, over loopback)
 * a new connection is ready at once.
 *
 * Not modelled: tcp.connectTimeout (connections are refused at once, never
 * black-holed) and http.idleTimeout (idle connections stay).
 */
#pragma once

#include "sim/core/sim.h"
#include "sim/io/node.h"

G_BEGIN_DECLS

typedef struct {
  gboolean set;
  guint32 max_connections;              /* tcp.maxConnections */
  MsTime connect_timeout;               /* tcp.connectTimeout (read only) */
  guint32 max_pending;                  /* http.http1MaxPendingRequests */
  guint32 max_requests;                 /* http.http2MaxRequests */
  guint32 max_requests_per_connection;  /* http.maxRequestsPerConnection, 0: no limit */
  guint32 max_retries;                  /* http.maxRetries */
  MsTime idle_timeout;                  /* http.idleTimeout (read only) */
} MsPoolSettings;

/* Reads a connectionPool block (node may be NULL: no limits).  Values of 0
 * mean "unset", as in Istio, which only applies values above 0. */
gboolean ms_pool_settings_read (const MsNode *node, MsPoolSettings *out, GError **error);

typedef struct _MsPool MsPool;
typedef struct _MsPoolConn MsPoolConn;

/* A pending request got a connection. */
typedef void (*MsPoolReady) (gpointer waiter, MsPoolConn *connection);

/* How long opening a connection to host takes, until Envoy's Connected
 * event (after the TLS handshake for TLS); called once per connection. */
typedef MsTime (*MsPoolConnectTime) (gpointer data, gconstpointer host);

typedef struct {
  MsSim *sim;               /* schedules the end of each handshake */
  MsPoolConnectTime time;   /* NULL: connections are ready at once */
  gpointer data;
} MsPoolConnector;

typedef enum {
  MS_POOL_READY,      /* *connection is the request's */
  MS_POOL_PENDING,    /* ready() will be called, unless cancelled */
  MS_POOL_OVERFLOW,   /* answer 503 UO */
} MsPoolResult;

typedef struct {
  guint connections;                /* open now, or being opened */
  guint connecting;                 /* in their handshake now */
  guint pending;                    /* waiting now */
  guint active;                     /* requests on connections now */
  guint retries;                    /* retries in flight now */
  guint64 upstream_cx_total;
  guint64 upstream_cx_overflow;
  guint64 upstream_rq_total;
  guint64 upstream_rq_pending_total;
  guint64 upstream_rq_pending_overflow;
  guint64 upstream_rq_retry_overflow;
} MsPoolStats;

/* connector may be NULL: connections are ready at once. */
MsPool *ms_pool_new (const MsPoolSettings *settings, MsPoolReady ready,
                     const MsPoolConnector *connector);
void ms_pool_free (MsPool *pool);

MsPoolResult ms_pool_acquire (MsPool *pool, gconstpointer host, gpointer waiter,
                              MsPoolConn **connection);
/* A pending request gave up (route timeout): it leaves the queue. */
void ms_pool_cancel (MsPool *pool, gpointer waiter);
/* The request on connection is done; keep_alive FALSE when the connection
 * failed (refused or reset) and must close. */
void ms_pool_release (MsPool *pool, MsPoolConn *connection, gboolean keep_alive);

/* maxRetries: a retry may start only below the limit. */
gboolean ms_pool_retry_begin (MsPool *pool);
void ms_pool_retry_end (MsPool *pool);

const MsPoolStats *ms_pool_stats (const MsPool *pool);

/* New limits for a pool in use (a reconfiguration); what is open stays. */
void ms_pool_set_settings (MsPool *pool, const MsPoolSettings *settings);

G_END_DECLS
