/* models/mesh/proxy.h - what the mesh's rooms share: proxies, Envoy
 * clusters and upstream hosts (private to models/mesh/).
 *
 * An MsProxy is one Envoy: a sidecar or the gateway.  It owns one
 * MsEnvoyCluster per (Service, port, subset) it has sent to, created on
 * first use, each with its own endpoints and load-balancer state, because
 * Envoy keeps that state per cluster in each proxy.
 */
#pragma once

#include "models/mesh/mesh.h"
#include "models/mesh/outlier.h"
#include "models/mesh/pool.h"
#include "models/mesh/security.h"
#include "models/mesh/telemetry.h"

G_BEGIN_DECLS

typedef struct _MsProxy MsProxy;

/* An endpoint as one cluster of one proxy sees it.  Hosts live as long as
 * their cluster, even after leaving the endpoints (a scale down), because
 * requests in flight still point at them. */
typedef struct {
  MsPod *pod;
  guint active;             /* requests in flight from this proxy */
  MsOutlierHost outlier;
  int window;               /* index of its open ejection window, or -1 */
} MsUpstreamHost;

typedef struct {
  MsService *service;
  int port;
  const MsSubset *subset;   /* NULL: the whole Service */
  const MsTrafficPolicy *policy;
  char *name;               /* outbound|9080|v1|reviews.default.svc.cluster.local */
  GPtrArray *hosts;         /* MsUpstreamHost *, the current endpoints */
  GPtrArray *known;         /* MsUpstreamHost *, owned: every host ever seen */
  guint generation;         /* of the cluster topology the hosts reflect */
  guint next_host;          /* ROUND_ROBIN cursor */
  MsOutlierCluster outlier;
  MsPool *pool;             /* NULL: no connectionPool limits */
  gboolean orphan;          /* its subset was removed: no longer routed to */
  struct _MsProxy *proxy;
} MsEnvoyCluster;

/* Requests and answers counted by a client proxy per destination. */
typedef struct {
  MsService *service;
  const char *version;      /* of the pod that answered, or "unknown" */
  guint64 requests;
  GArray *status;           /* {int code; guint64 n} pairs */
  GArray *flags;            /* {guint32 flags; guint64 n} pairs */
} MsEdge;

struct _MsProxy {
  MsMesh *mesh;
  MsPod *pod;
  gboolean gateway;
  const char *context;      /* "mesh", or the gateway's name for matching */
  MsRandom random;          /* the proxy's own stream */
  MsRandom connect_random;  /* its handshakes' hop latencies (pool.h) */
  GPtrArray *clusters;      /* MsEnvoyCluster * */
  GPtrArray *edges;         /* MsEdge * */
  GList *streams;           /* requests in flight through this proxy */
  gpointer free_streams;    /* finished streams kept for reuse (router.c) */
  GHashTable *vs_cache;     /* MsService * -> MsVirtualService * (or the proxy: none) */
  GHashTable *gateway_cache; /* the gateway's route per (host, port), router.c */
  GHashTable *inbound_pools; /* MsService * -> MsPool *: server-side limits */
};

/* ms_istio_vs_for_mesh, cached per proxy (the configuration does not
 * change during a run). */
const MsVirtualService *ms_proxy_virtual_service (MsProxy *proxy, MsService *service);

/* Frees the requests still in flight when a run ends, and the streams kept
 * for reuse.  router.c */
void ms_router_free_streams (MsProxy *proxy);

/* The cluster (service, port, subset) of proxy, created on first use. */
MsEnvoyCluster *ms_proxy_cluster (MsProxy *proxy, MsService *service, int port,
                                  const MsSubset *subset);

/* Picks an upstream host by the cluster's load balancer, avoiding the
 * tried ones when it can (Envoy's previous_hosts, up to 5 tries).  NULL
 * when the cluster has no endpoint. */
MsUpstreamHost *ms_proxy_pick_host (MsProxy *proxy, MsEnvoyCluster *cluster,
                                    const MsRequest *request, MsPod *const *tried,
                                    guint n_tried);

/* Outlier detection (outlier.c).  result records one try's outcome at a
 * host: an HTTP status, or 503 for a connect failure and 504 for a
 * timeout, as Envoy maps local-origin errors when they are not split. */
void ms_outlier_cluster_init (MsEnvoyCluster *cluster);
void ms_outlier_result (MsEnvoyCluster *cluster, MsUpstreamHost *host, int status);
void ms_outlier_cluster_clear (MsEnvoyCluster *cluster);
/* Recounts ejections_active after the host list changed. */
void ms_outlier_hosts_changed (MsEnvoyCluster *cluster);

/* Ejection windows, kept by the mesh for the report.  Returns the window's
 * index. */
int ms_mesh_window_open (MsMesh *mesh, MsProxy *proxy, MsEnvoyCluster *cluster, MsPod *pod,
                         MsTime start);
void ms_mesh_window_close (MsMesh *mesh, int window, MsTime end);

/* Counts a final answer on the edge to service. */
void ms_proxy_count (MsProxy *proxy, MsService *service, const char *version, int status,
                     guint32 flags);

/* Routes an exchange from the proxy's pod (or, for the gateway, from a
 * client) and finishes it with the mesh's answer.  router.c */
void ms_router_route (MsProxy *proxy, MsExchange *exchange);

/* A pending request got its connection (router.c). */
void ms_router_pool_ready (gpointer stream, MsPoolConn *connection);
/* The handshake time of a new connection from the cluster's proxy to host
 * (an MsUpstreamHost): an MsPoolConnectTime.  router.c */
MsTime ms_router_connect_time (gpointer cluster, gconstpointer host);

/* Writes the route decision for request from proxy, step by step.
 * router.c */
void ms_router_explain (MsProxy *proxy, const MsRequest *request, GString *out);

/* TRUE when pod has a sidecar (its inbound hook is the mesh's). */
gboolean ms_proxy_is_sidecar (const MsPod *pod);
/* The workload port a request reaches (the Service's targetPort). */
int ms_proxy_target_port (const MsExchange *exchange);
const MsSecurity *ms_mesh_security (const MsMesh *mesh);
MsTelemetry *ms_mesh_telemetry (const MsMesh *mesh);

/* The mesh's read-only parts, for the router. */
const MsIstio *ms_mesh_istio (const MsMesh *mesh);
MsCluster *ms_mesh_cluster (const MsMesh *mesh);

G_END_DECLS
