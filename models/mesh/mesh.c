/* models/mesh/mesh.c - proxies, their Envoy clusters and load balancing.
 *
 * Endpoints of a cluster are the Service's ready pods whose labels include
 * the subset's; they are recomputed lazily when the cluster topology
 * changes (a scale), keeping each surviving host's state.  Load balancers:
 * LEAST_REQUEST is Envoy's power of two choices (two hosts drawn at random,
 * the one with fewer active requests wins, ties to the first drawn);
 * ROUND_ROBIN a cursor per cluster per proxy; RANDOM uniform; consistent
 * hash a stable hash of the key onto the host list.  Real Envoy uses a
 * ring or Maglev table for the last; what matters here, and what is
 * modelled, is that equal keys land on the same host while the host set is
 * unchanged.
 */
#include "models/mesh/proxy.h"

#include <string.h>

/* One time a host was out of one proxy's cluster. */
typedef struct {
  MsProxy *proxy;
  MsEnvoyCluster *cluster;
  MsPod *pod;
  MsTime start;
  MsTime end;               /* -1: still ejected */
} Window;

struct _MsMesh {
  MsCluster *cluster;
  MsIstio *istio;
  MsSecurity *security;
  GPtrArray *proxies;       /* MsProxy *, owned, in creation order */
  GArray *windows;          /* Window, in the order ejections happened */
  MsBody *access_denied;    /* "RBAC: access denied" */
  MsTelemetry *telemetry;   /* not owned; NULL: no outputs */
  /* Configurations replaced during the run, kept alive because requests
   * in flight still point at their routes and policies. */
  GPtrArray *retired;       /* MsIstio *, MsSecurity * alternately */
  GPtrArray *inbounds;      /* Inbound *, owned: every one made (telemetry or inbound pools on) */
  struct Inbound *spare_inbounds; /* the finished ones, chained through next */
};

typedef struct {
  int code;
  guint64 n;
} StatusCount;

typedef struct {
  guint32 flags;
  guint64 n;
} FlagsCount;

static void
envoy_cluster_free (gpointer data)
{
  MsEnvoyCluster *c = data;
  ms_outlier_cluster_clear (c);
  g_clear_pointer (&c->pool, ms_pool_free);
  g_free (c->name);
  g_ptr_array_unref (c->hosts);
  g_ptr_array_unref (c->known);
  g_free (c);
}

static void
edge_free (gpointer data)
{
  MsEdge *e = data;
  g_array_unref (e->status);
  g_array_unref (e->flags);
  g_free (e);
}

static void
proxy_free (gpointer data)
{
  MsProxy *p = data;
  ms_router_free_streams (p);
  g_clear_pointer (&p->vs_cache, g_hash_table_unref);
  g_clear_pointer (&p->gateway_cache, g_hash_table_unref);
  g_clear_pointer (&p->inbound_pools, g_hash_table_unref);
  g_ptr_array_unref (p->clusters);
  g_ptr_array_unref (p->edges);
  g_free (p);
}

MsMesh *
ms_mesh_new (const MsScenario *scenario, MsCluster *cluster, GError **error)
{
  MsIstio *istio = ms_istio_new (scenario, cluster, error);
  if (istio == NULL)
    return NULL;
  MsSecurity *security = ms_security_new (scenario->istio_resources, cluster, istio->warnings,
                                          error);
  if (security == NULL)
    {
      ms_istio_free (istio);
      return NULL;
    }
  MsMesh *mesh = g_new0 (MsMesh, 1);
  mesh->cluster = cluster;
  mesh->istio = istio;
  mesh->security = security;
  mesh->proxies = g_ptr_array_new_with_free_func (proxy_free);
  mesh->windows = g_array_new (FALSE, FALSE, sizeof (Window));
  mesh->access_denied = ms_body_new_text ("RBAC: access denied", -1);
  mesh->retired = g_ptr_array_new ();
  return mesh;
}

void
ms_mesh_free (MsMesh *mesh)
{
  if (mesh == NULL)
    return;
  g_ptr_array_unref (mesh->proxies);
  for (guint i = 0; i < mesh->retired->len; i += 2)
    {
      ms_istio_free (mesh->retired->pdata[i]);
      ms_security_free (mesh->retired->pdata[i + 1]);
    }
  g_ptr_array_unref (mesh->retired);
  g_clear_pointer (&mesh->inbounds, g_ptr_array_unref);
  g_array_unref (mesh->windows);
  ms_security_free (mesh->security);
  ms_body_unref (mesh->access_denied);
  ms_istio_free (mesh->istio);
  g_free (mesh);
}

const MsIstio *
ms_mesh_istio (const MsMesh *mesh)
{
  return mesh->istio;
}

MsCluster *
ms_mesh_cluster (const MsMesh *mesh)
{
  return mesh->cluster;
}

const MsSecurity *
ms_mesh_security (const MsMesh *mesh)
{
  return mesh->security;
}

void
ms_mesh_set_telemetry (MsMesh *mesh, MsTelemetry *telemetry)
{
  mesh->telemetry = telemetry;
}

MsTelemetry *
ms_mesh_telemetry (const MsMesh *mesh)
{
  return mesh->telemetry;
}

/* The server sidecar's report (reporter="destination"). */
static void
report_inbound (MsProxy *proxy, const MsExchange *ex, int status, MsBody *body, MsTime start,
                const char *details)
{
  MsTelemetry *telemetry = proxy->mesh->telemetry;
  const char *cluster = ms_telemetry_inbound_cluster (telemetry, ms_proxy_target_port (ex));
  MsTelemetryRecord r = {
    .source = FALSE, .proxy = proxy->pod, .client = ex->source, .server = proxy->pod,
    .service = ex->service, .request = ex->request, .cluster = cluster, .status = status,
    .start = start, .end = ms_sim_now (ms_cluster_sim (proxy->mesh->cluster)),
    .request_bytes = ms_body_length (ex->request->body), .response_bytes = ms_body_length (body),
    .mtls = ex->mtls, .details = details,
  };
  ms_telemetry_record (telemetry, &r);
}

typedef struct Inbound {
  MsProxy *proxy;
  MsExchange *downstream;
  guint64 span;             /* the server sidecar's span, when traced */
  struct Inbound *next;     /* in mesh->spare_inbounds */
  MsPool *pool;             /* the inbound pool holding its connection, or NULL */
  MsPoolConn *connection;
  MsPod *pod;
} Inbound;

/* Inbounds come from a free list, as streams do (STYLE.md: hot-path
 * objects come from free lists): one per request a server sidecar sees
 * while telemetry is on.  The mesh owns them all, in flight or spare, so
 * that those still in flight when the run ends (their exchanges live in
 * the cluster's slabs) are freed with it, without a list to keep up per
 * request. */
static Inbound *
inbound_new (MsMesh *mesh)
{
  Inbound *in = mesh->spare_inbounds;
  if (in != NULL)
    {
      mesh->spare_inbounds = in->next;
      memset (in, 0, sizeof *in);
      return in;
    }
  if (mesh->inbounds == NULL)
    mesh->inbounds = g_ptr_array_new_with_free_func (g_free);
  in = g_new0 (Inbound, 1);
  g_ptr_array_add (mesh->inbounds, in);
  return in;
}

static void
inbound_free (MsMesh *mesh, Inbound *in)
{
  in->next = mesh->spare_inbounds;
  mesh->spare_inbounds = in;
}

static void
inbound_done (MsExchange *child, gpointer data)
{
  Inbound *in = data;
  if (in->proxy->mesh->telemetry != NULL)
    report_inbound (in->proxy, in->downstream, child->status, child->body, child->start, NULL);
  const MsTracer *tracer = ms_cluster_tracer (in->proxy->mesh->cluster);
  if (tracer != NULL && in->span != 0)
    {
      const MsRequest *q = in->downstream->request;
      char code[8];
      g_snprintf (code, sizeof code, "%d", child->status);
      g_autofree char *name = g_strdup_printf ("%s:%d/*", q->host, q->port);
      const char *tags[] = { "component", "proxy", "http.method", q->method, "http.url", q->path,
                             "http.status_code", code, "peer.address",
                             in->downstream->source ? in->downstream->source->name : "-", NULL };
      MsSpan span = { q->trace_hi, q->trace_lo, in->span, q->parent_span, MS_SPAN_SERVER, name,
                      in->proxy->pod, in->downstream->source, child->start,
                      ms_sim_now (ms_cluster_sim (in->proxy->mesh->cluster)), tags };
      tracer->record (tracer->data, &span);
    }
  ms_exchange_finish (in->downstream, child->status, child->flags, child->reset, child->body);
  ms_exchange_unref (in->downstream);
  ms_exchange_unref (child);
  MsPool *pool = in->pool;
  MsPoolConn *connection = in->connection;
  inbound_free (in->proxy->mesh, in);
  if (pool != NULL)
    ms_pool_release (pool, connection, TRUE);
}

static MsProxy *
proxy_new (MsMesh *mesh, MsPod *pod, gboolean gateway)
{
  MsProxy *p = g_new0 (MsProxy, 1);
  p->mesh = mesh;
  p->pod = pod;
  p->gateway = gateway;
  p->context = "mesh";
  p->clusters = g_ptr_array_new_with_free_func (envoy_cluster_free);
  p->edges = g_ptr_array_new_with_free_func (edge_free);
  g_autofree char *stream = g_strdup_printf ("proxy/%s/%s", pod->namespace_ ? pod->namespace_ : "",
                                             pod->name);
  ms_sim_random_stream (ms_cluster_sim (mesh->cluster), &p->random, stream);
  /* A stream of its own, so that opening connections does not shift the
   * proxy's other draws (load balancing, retry backoff). */
  g_autofree char *connect = g_strconcat (stream, "/connect", NULL);
  ms_sim_random_stream (ms_cluster_sim (mesh->cluster), &p->connect_random, connect);
  g_ptr_array_add (mesh->proxies, p);
  return p;
}

static void
sidecar_outbound (MsPod *pod, MsExchange *ex, gpointer data)
{
  (void) pod;
  ms_router_route (data, ex);
}

static void inbound_start (Inbound *in);

static void
inbound_ready (gpointer waiter, MsPoolConn *connection)
{
  Inbound *in = waiter;
  in->connection = connection;
  inbound_start (in);
}

/* Istio applies a DestinationRule's connectionPool to the server's
 * inbound side too (reference 2.3): one pool per server sidecar per
 * Service, created on first use. */
static MsPool *
inbound_pool (MsProxy *proxy, MsService *service)
{
  if (service == NULL)
    return NULL;
  const MsDestinationRule *dr = ms_istio_dr_for (proxy->mesh->istio, service);
  if (dr == NULL || !dr->policy.pool.set)
    return NULL;
  if (proxy->inbound_pools == NULL)
    proxy->inbound_pools = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ms_pool_free);
  MsPool *pool = g_hash_table_lookup (proxy->inbound_pools, service);
  if (pool == NULL)
    {
      pool = ms_pool_new (&dr->policy.pool, inbound_ready, NULL);
      g_hash_table_insert (proxy->inbound_pools, service, pool);
    }
  return pool;
}

/* The server side: PeerAuthentication decides whether a plaintext
 * connection is accepted, then AuthorizationPolicy whether the request
 * is. */
static void
sidecar_inbound (MsPod *pod, MsExchange *ex, gpointer data)
{
  MsProxy *proxy = data;
  const MsSecurity *security = proxy->mesh->security;
  MsMtlsMode mode = ms_security_mode (security, pod, ms_proxy_target_port (ex));
  if (!ex->mtls && mode == MS_MTLS_STRICT)
    {
      /* Envoy's listener finds no filter chain for plaintext: reset. */
      ms_exchange_finish (ex, 0, 0, MS_RESET_CONNECTION_TERMINATION, NULL);
      return;
    }
  if (ex->mtls && mode == MS_MTLS_DISABLE)
    {
      ms_exchange_finish (ex, 0, 0, MS_RESET_CONNECTION_TERMINATION, NULL);
      return;
    }
  MsTelemetry *telemetry = proxy->mesh->telemetry;
  if (!ms_security_authorize (security, pod, ex->request, ex->mtls ? ex->peer_principal : NULL,
                              NULL))
    {
      if (telemetry != NULL)
        report_inbound (proxy, ex, 403, proxy->mesh->access_denied,
                        ms_sim_now (ms_cluster_sim (proxy->mesh->cluster)),
                        "rbac_access_denied_matched_policy[none]");
      ms_exchange_finish (ex, 403, 0, MS_RESET_NONE, proxy->mesh->access_denied);
      return;
    }
  MsPool *pool = inbound_pool (proxy, ex->service);
  if (telemetry == NULL && pool == NULL)
    {
      ms_pod_deliver (pod, ex);
      return;
    }
  /* A child exchange lets the sidecar see the answer: for telemetry, and
   * to give the inbound connection back. */
  Inbound *in = inbound_new (proxy->mesh);
  in->proxy = proxy;
  in->pod = pod;
  in->downstream = ms_exchange_ref (ex);
  in->pool = pool;
  if (pool != NULL)
    switch (ms_pool_acquire (pool, pod, in, &in->connection))
      {
      case MS_POOL_READY:
        break;
      case MS_POOL_PENDING:
        return;   /* inbound_ready goes on */
      case MS_POOL_OVERFLOW:
      default:
        /* The server sidecar's own circuit breaker: 503 UO, the app never
         * sees it. */
        inbound_free (proxy->mesh, in);
        if (telemetry != NULL)
          report_inbound (proxy, ex, 503, NULL, ms_sim_now (ms_cluster_sim (proxy->mesh->cluster)),
                          "overflow");
        ms_exchange_unref (ex);
        ms_exchange_finish (ex, 503, MS_FLAG_UO, MS_RESET_NONE, NULL);
        return;
      }
  inbound_start (in);
}

/* The request holds its inbound connection (or needs none): to the app. */
static void
inbound_start (Inbound *in)
{
  MsProxy *proxy = in->proxy;
  MsExchange *ex = in->downstream;
  MsPod *pod = in->pod;
  const MsTracer *tracer = ms_cluster_tracer (proxy->mesh->cluster);
  g_autoptr (MsRequest) request = ms_request_ref (ex->request);
  if (tracer != NULL && ex->request->sampled)
    {
      /* The app sees this sidecar's span as its parent. */
      in->span = tracer->new_id (tracer->data);
      g_clear_pointer (&request, ms_request_unref);
      request = ms_request_copy (ex->request);
      request->parent_span = in->span;
    }
  MsExchange *child = ms_exchange_new (ms_cluster_pool (proxy->mesh->cluster), request,
                                       ex->source, ms_sim_now (ms_cluster_sim (proxy->mesh->cluster)),
                                       inbound_done, in);
  child->service = ex->service;
  child->mtls = ex->mtls;
  child->peer_principal = ex->peer_principal;
  ms_pod_deliver (pod, child);
}

void
ms_mesh_explain_server (const MsMesh *mesh, MsPod *server, const MsRequest *request, GString *out)
{
  if (!ms_proxy_is_sidecar (server))
    {
      g_string_append_printf (out, "  %s: no sidecar, plaintext accepted\n", server->name);
      return;
    }
  int port = request->port;
  MsService *service = ms_cluster_resolve (mesh->cluster, request->host, NULL);
  for (guint i = 0; service != NULL && i < service->ports->len; i++)
    if (g_array_index (service->ports, MsServicePort, i).port == request->port)
      port = g_array_index (service->ports, MsServicePort, i).target_port;
  MsMtlsMode mode = ms_security_mode (mesh->security, server, port);
  g_string_append_printf (out, "  %s: PeerAuthentication %s on port %d", server->name,
                          ms_mtls_mode_name (mode), port);
  if (mode == MS_MTLS_STRICT)
    {
      g_string_append (out, ": a plaintext client's connection is reset (status 0, curl "
                            "exit 56)\n");
      return;
    }
  g_string_append (out, "\n");
  g_autoptr (GString) verdicts = g_string_new (NULL);
  gboolean allowed = ms_security_authorize (mesh->security, server, request, NULL, verdicts);
  g_string_append (out, verdicts->str);
  g_string_append_printf (out, "    authorization (no principal over plaintext): %s\n",
                          allowed ? "allowed" : "denied (403 RBAC: access denied)");
}

gboolean
ms_proxy_is_sidecar (const MsPod *pod)
{
  return pod->inbound == sidecar_inbound;
}

int
ms_proxy_target_port (const MsExchange *ex)
{
  if (ex->service != NULL)
    for (guint i = 0; i < ex->service->ports->len; i++)
      {
        const MsServicePort *p = &g_array_index (ex->service->ports, MsServicePort, i);
        if (p->port == ex->request->port)
          return p->target_port;
      }
  return ex->request->port;
}

void
ms_mesh_add_sidecar (MsMesh *mesh, MsPod *pod)
{
  MsProxy *p = proxy_new (mesh, pod, FALSE);
  pod->outbound = sidecar_outbound;
  pod->outbound_data = p;
  pod->inbound = sidecar_inbound;
  pod->inbound_data = p;
}

gboolean
ms_mesh_has_ingress_gateway (const MsMesh *mesh)
{
  for (guint i = 0; i < mesh->istio->gateways->len; i++)
    {
      const MsGateway *g = mesh->istio->gateways->pdata[i];
      const char *value = ms_labels_get (&g->selector, "istio");
      if (value != NULL && g_str_equal (value, "ingressgateway"))
        return TRUE;
    }
  return FALSE;
}

void
ms_mesh_add_gateway (MsMesh *mesh, MsPod *pod)
{
  MsProxy *p = proxy_new (mesh, pod, TRUE);
  pod->outbound = sidecar_outbound;
  pod->outbound_data = p;
}

gboolean
ms_mesh_explain (const MsMesh *mesh, MsPod *pod, const MsRequest *request, GString *out)
{
  for (guint i = 0; i < mesh->proxies->len; i++)
    {
      MsProxy *p = mesh->proxies->pdata[i];
      if (p->pod == pod)
        {
          ms_router_explain (p, request, out);
          return TRUE;
        }
    }
  return FALSE;
}

const MsVirtualService *
ms_proxy_virtual_service (MsProxy *proxy, MsService *service)
{
  if (proxy->vs_cache == NULL)
    proxy->vs_cache = g_hash_table_new (NULL, NULL);
  gpointer hit = g_hash_table_lookup (proxy->vs_cache, service);
  if (hit != NULL)
    return hit == (gpointer) proxy ? NULL : hit;
  const MsVirtualService *vs = ms_istio_vs_for_mesh (proxy->mesh->istio, service,
                                                     proxy->pod->namespace_);
  g_hash_table_insert (proxy->vs_cache, service, vs ? (gpointer) vs : (gpointer) proxy);
  return vs;
}

static MsPool *cluster_pool_new (MsEnvoyCluster *c);

/* The cluster's subset and policy as the current configuration has them
 * (a subset that no longer exists orphans the cluster: no route reaches
 * it any more). */
static void
bind_policy (MsEnvoyCluster *c, const MsIstio *istio, const char *subset_name)
{
  const MsDestinationRule *dr = ms_istio_dr_for (istio, c->service);
  c->subset = subset_name && dr ? ms_istio_subset (dr, subset_name) : NULL;
  if (subset_name != NULL && c->subset == NULL)
    c->orphan = TRUE;
  c->policy = c->subset ? &c->subset->policy : dr ? &dr->policy : NULL;
  c->outlier.settings = c->policy && c->policy->outlier.set ? &c->policy->outlier : NULL;
  if (c->pool != NULL)
    {
      MsPoolSettings none;
      ms_pool_settings_read (NULL, &none, NULL);
      ms_pool_set_settings (c->pool, c->policy && c->policy->pool.set ? &c->policy->pool : &none);
    }
  else if (c->policy != NULL && c->policy->pool.set)
    c->pool = cluster_pool_new (c);
}

gboolean
ms_mesh_reconfigure (MsMesh *mesh, const GPtrArray *resources, const char *release,
                     GError **error)
{
  MsIstio *istio = ms_istio_new_from (resources, release, mesh->cluster, error);
  if (istio == NULL)
    return FALSE;
  MsSecurity *security = ms_security_new (resources, mesh->cluster, istio->warnings, error);
  if (security == NULL)
    {
      ms_istio_free (istio);
      return FALSE;
    }
  g_ptr_array_add (mesh->retired, mesh->istio);
  g_ptr_array_add (mesh->retired, mesh->security);
  mesh->istio = istio;
  mesh->security = security;
  for (guint p = 0; p < mesh->proxies->len; p++)
    {
      MsProxy *proxy = mesh->proxies->pdata[p];
      if (proxy->vs_cache != NULL)
        g_hash_table_remove_all (proxy->vs_cache);
      if (proxy->gateway_cache != NULL)
        g_hash_table_remove_all (proxy->gateway_cache);
      for (guint i = 0; i < proxy->clusters->len; i++)
        {
          MsEnvoyCluster *c = proxy->clusters->pdata[i];
          if (!c->orphan)
            bind_policy (c, istio, c->subset ? c->subset->name : NULL);
        }
    }
  return TRUE;
}

/* Clusters. */

static gboolean
subset_selects (const MsSubset *subset, const MsPod *pod)
{
  if (subset == NULL)
    return TRUE;
  for (guint i = 0; i < subset->labels.n; i++)
    {
      const char *value = pod->labels ? ms_labels_get (pod->labels, subset->labels.keys[i]) : NULL;
      if (value == NULL || !g_str_equal (value, subset->labels.values[i]))
        return FALSE;
    }
  return TRUE;
}

/* Rebuilds the host list from the Service's endpoints.  Hosts that stay
 * keep their state; a pod seen before gets its old host back. */
static void
refresh_hosts (MsEnvoyCluster *c, guint generation)
{
  g_ptr_array_set_size (c->hosts, 0);
  for (guint i = 0; i < c->service->endpoints->len; i++)
    {
      MsPod *pod = c->service->endpoints->pdata[i];
      if (!subset_selects (c->subset, pod))
        continue;
      MsUpstreamHost *host = NULL;
      for (guint k = 0; k < c->known->len && host == NULL; k++)
        if (((MsUpstreamHost *) c->known->pdata[k])->pod == pod)
          host = c->known->pdata[k];
      if (host == NULL)
        {
          host = g_new0 (MsUpstreamHost, 1);
          host->pod = pod;
          host->window = -1;
          host->outlier.last_unejection = -1;
          g_ptr_array_add (c->known, host);
        }
      g_ptr_array_add (c->hosts, host);
    }
  c->generation = generation;
  if (c->next_host >= c->hosts->len)
    c->next_host = 0;
  ms_outlier_hosts_changed (c);
}

/* A client sidecar's pool: new connections to a pod take a handshake over
 * the pod network. */
static MsPool *
cluster_pool_new (MsEnvoyCluster *c)
{
  MsPoolConnector connector = { ms_cluster_sim (c->proxy->mesh->cluster), ms_router_connect_time, c };
  return ms_pool_new (&c->policy->pool, ms_router_pool_ready, &connector);
}

MsEnvoyCluster *
ms_proxy_cluster (MsProxy *proxy, MsService *service, int port, const MsSubset *subset)
{
  guint generation = ms_cluster_generation (proxy->mesh->cluster);
  for (guint i = 0; i < proxy->clusters->len; i++)
    {
      MsEnvoyCluster *c = proxy->clusters->pdata[i];
      if (c->service == service && c->port == port && c->subset == subset)
        {
          if (c->generation != generation)
            refresh_hosts (c, generation);
          return c;
        }
    }
  MsEnvoyCluster *c = g_new0 (MsEnvoyCluster, 1);
  c->proxy = proxy;
  c->service = service;
  c->port = port;
  c->subset = subset;
  const MsDestinationRule *dr = ms_istio_dr_for (proxy->mesh->istio, service);
  c->policy = subset ? &subset->policy : dr ? &dr->policy : NULL;
  c->name = g_strdup_printf ("outbound|%d|%s|%s", port, subset ? subset->name : "", service->fqdn);
  c->hosts = g_ptr_array_new ();
  c->known = g_ptr_array_new_with_free_func (g_free);
  if (c->policy != NULL && c->policy->pool.set)
    c->pool = cluster_pool_new (c);
  ms_outlier_cluster_init (c);
  refresh_hosts (c, generation);
  g_ptr_array_add (proxy->clusters, c);
  return c;
}

static gboolean
was_tried (const MsUpstreamHost *host, MsPod *const *tried, guint n_tried)
{
  for (guint i = 0; i < n_tried; i++)
    if (tried[i] == host->pod)
      return TRUE;
  return FALSE;
}

static guint64
hash_string (const char *s)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  for (; s && *s; s++)
    h = (h ^ (guchar) *s) * G_GUINT64_CONSTANT (0x100000001b3);
  return h;
}

/* The value a consistent-hash policy hashes, or NULL (then: random). */
static const char *
hash_key (const MsTrafficPolicy *policy, const MsRequest *request, const MsProxy *proxy,
          char *buf, gsize size)
{
  switch (policy->hash)
    {
    case MS_HASH_HEADER:
      return ms_request_header (request, policy->hash_key);
    case MS_HASH_SOURCE_IP:
      return proxy->pod->name;
    case MS_HASH_QUERY:
      {
        const char *q = strchr (request->path, '?');
        gsize n = strlen (policy->hash_key);
        for (const char *p = q; p != NULL; p = strchr (p + 1, '&'))
          if (strncmp (p + 1, policy->hash_key, n) == 0 && p[1 + n] == '=')
            {
              g_strlcpy (buf, p + 2 + n, size);
              char *end = strchr (buf, '&');
              if (end != NULL)
                *end = '\0';
              return buf;
            }
        return NULL;
      }
    case MS_HASH_COOKIE:
      {
        const char *cookies = ms_request_header (request, "cookie");
        if (cookies == NULL)
          return NULL;
        g_autofree char *needle = g_strdup_printf ("%s=", policy->hash_key);
        const char *at = strstr (cookies, needle);
        if (at == NULL)
          return NULL;
        g_strlcpy (buf, at + strlen (needle), size);
        char *end = strchr (buf, ';');
        if (end != NULL)
          *end = '\0';
        return buf;
      }
    default:
      return NULL;
    }
}

MsUpstreamHost *
ms_proxy_pick_host (MsProxy *proxy, MsEnvoyCluster *c, const MsRequest *request,
                    MsPod *const *tried, guint n_tried)
{
  guint total = c->hosts->len;
  if (total == 0)
    return NULL;
  /* Healthy hosts only, unless Envoy's panic mode applies: with Istio's
   * minHealthPercent (the panic threshold, 0 by default) above 0 and the
   * healthy share below it, every host is a candidate again. */
  MsUpstreamHost *stack[64];
  MsUpstreamHost **hosts = total <= G_N_ELEMENTS (stack) ? stack : g_new (MsUpstreamHost *, total);
  guint n = 0;
  for (guint i = 0; i < total; i++)
    {
      MsUpstreamHost *h = c->hosts->pdata[i];
      if (!h->outlier.ejected)
        hosts[n++] = h;
    }
  const MsOutlierSettings *od = c->outlier.settings;
  if (od != NULL && od->min_health_percent > 0 && 100.0 * n / total < od->min_health_percent)
    {
      for (guint i = 0; i < total; i++)
        hosts[i] = c->hosts->pdata[i];
      n = total;
    }
  MsUpstreamHost *pick = NULL;
  if (n == 0)
    goto out;
  MsLbKind lb = c->policy ? c->policy->lb : MS_LB_LEAST_REQUEST;

  if (lb == MS_LB_CONSISTENT_HASH)
    {
      char buf[256];
      const char *key = hash_key (c->policy, request, proxy, buf, sizeof buf);
      if (key != NULL)
        {
          pick = hosts[hash_string (key) % n];
          goto out;
        }
      lb = MS_LB_RANDOM;
    }
  /* Envoy's previous_hosts predicate: re-select up to 5 times while the
   * pick was already tried. */
  for (int attempt = 0; attempt < 5; attempt++)
    {
      switch (lb)
        {
        case MS_LB_ROUND_ROBIN:
        case MS_LB_PASSTHROUGH:
          pick = hosts[c->next_host % n];
          c->next_host = (c->next_host + 1) % n;
          break;
        case MS_LB_RANDOM:
          pick = hosts[ms_random_below (&proxy->random, n)];
          break;
        case MS_LB_LEAST_REQUEST:
        default:
          if (n == 1)
            pick = hosts[0];
          else
            {
              MsUpstreamHost *a = hosts[ms_random_below (&proxy->random, n)];
              MsUpstreamHost *b = hosts[ms_random_below (&proxy->random, n)];
              pick = b->active < a->active ? b : a;
            }
          break;
        }
      if (!was_tried (pick, tried, n_tried))
        break;
    }
out:
  if (hosts != stack)
    g_free (hosts);
  return pick;
}

/* Ejection windows. */

int
ms_mesh_window_open (MsMesh *mesh, MsProxy *proxy, MsEnvoyCluster *cluster, MsPod *pod,
                     MsTime start)
{
  Window w = { proxy, cluster, pod, start, -1 };
  g_array_append_val (mesh->windows, w);
  return (int) mesh->windows->len - 1;
}

void
ms_mesh_window_close (MsMesh *mesh, int window, MsTime end)
{
  g_array_index (mesh->windows, Window, window).end = end;
}

/* Edges. */

void
ms_proxy_count (MsProxy *proxy, MsService *service, const char *version, int status,
                guint32 flags)
{
  MsEdge *edge = NULL;
  for (guint i = 0; i < proxy->edges->len && edge == NULL; i++)
    {
      MsEdge *e = proxy->edges->pdata[i];
      if (e->service == service && e->version == version)
        edge = e;
    }
  if (edge == NULL)
    {
      edge = g_new0 (MsEdge, 1);
      edge->service = service;
      edge->version = version;
      edge->status = g_array_new (FALSE, FALSE, sizeof (StatusCount));
      edge->flags = g_array_new (FALSE, FALSE, sizeof (FlagsCount));
      g_ptr_array_add (proxy->edges, edge);
    }
  edge->requests++;
  guint i;
  for (i = 0; i < edge->status->len; i++)
    if (g_array_index (edge->status, StatusCount, i).code == status)
      break;
  if (i == edge->status->len)
    g_array_append_val (edge->status, ((StatusCount){ status, 0 }));
  g_array_index (edge->status, StatusCount, i).n++;
  for (i = 0; i < edge->flags->len; i++)
    if (g_array_index (edge->flags, FlagsCount, i).flags == flags)
      break;
  if (i == edge->flags->len)
    g_array_append_val (edge->flags, ((FlagsCount){ flags, 0 }));
  g_array_index (edge->flags, FlagsCount, i).n++;
}

static const char *
source_name (const MsProxy *proxy)
{
  if (proxy->gateway)
    return "istio-ingressgateway";
  return proxy->pod->deployment ? proxy->pod->deployment->report_name : proxy->pod->name;
}

static int
compare_int (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

static void
report_resilience (const MsMesh *mesh, MsReportNode *root)
{
  if (mesh->windows->len > 0)
    {
      MsReportNode *list = ms_report_array (root, "ejections");
      for (guint i = 0; i < mesh->windows->len; i++)
        {
          const Window *w = &g_array_index (mesh->windows, Window, i);
          MsReportNode *node = ms_report_append_object (list);
          ms_report_set_string (node, "client", w->proxy->pod->name);
          ms_report_set_string (node, "cluster", w->cluster->name);
          ms_report_set_string (node, "pod", w->pod->name);
          ms_report_set_double (node, "from_s", (double) w->start / 1e6);
          if (w->end >= 0)
            ms_report_set_double (node, "to_s", (double) w->end / 1e6);
          else
            ms_report_set_string (node, "to_s", "end");
        }
    }
  /* Envoy's cluster stats, for clusters with a pool or outlier detection,
   * summed over the proxies of one client workload. */
  for (guint p = 0; p < mesh->proxies->len; p++)
    {
      MsProxy *proxy = mesh->proxies->pdata[p];
      for (guint i = 0; i < proxy->clusters->len; i++)
        {
          MsEnvoyCluster *c = proxy->clusters->pdata[i];
          if (c->pool == NULL && c->outlier.settings == NULL)
            continue;
          MsReportNode *node = ms_report_object (
            ms_report_object (ms_report_object (root, "clusters"), source_name (proxy)), c->name);
          if (c->pool != NULL)
            {
              const MsPoolStats *st = ms_pool_stats (c->pool);
              ms_report_add_int (node, "upstream_cx_total", (gint64) st->upstream_cx_total);
              ms_report_add_int (node, "upstream_cx_overflow", (gint64) st->upstream_cx_overflow);
              ms_report_add_int (node, "upstream_rq_total", (gint64) st->upstream_rq_total);
              ms_report_add_int (node, "upstream_rq_pending_total",
                                 (gint64) st->upstream_rq_pending_total);
              ms_report_add_int (node, "upstream_rq_pending_overflow",
                                 (gint64) st->upstream_rq_pending_overflow);
              ms_report_add_int (node, "upstream_rq_retry_overflow",
                                 (gint64) st->upstream_rq_retry_overflow);
            }
          if (c->outlier.settings != NULL)
            {
              MsReportNode *od = ms_report_object (node, "outlier_detection");
              ms_report_add_int (od, "ejections_active", c->outlier.ejections_active);
              ms_report_add_int (od, "ejections_enforced_total",
                                 (gint64) c->outlier.ejections_enforced_total);
              ms_report_add_int (od, "ejections_overflow", (gint64) c->outlier.ejections_overflow);
            }
        }
    }
}

void
ms_mesh_report (const MsMesh *mesh, MsReportNode *root)
{
  report_resilience (mesh, root);
  MsReportNode *edges = ms_report_object (root, "edges");
  /* Proxies are walked in creation order (scenario order), edges in the
   * order first used: both deterministic.  Counts of several pods of one
   * workload add up under the workload. */
  for (guint p = 0; p < mesh->proxies->len; p++)
    {
      MsProxy *proxy = mesh->proxies->pdata[p];
      for (guint i = 0; i < proxy->edges->len; i++)
        {
          MsEdge *e = proxy->edges->pdata[i];
          MsReportNode *node = ms_report_object (ms_report_object (edges, source_name (proxy)),
                                                 e->service->report_name);
          ms_report_add_int (node, "requests", (gint64) e->requests);
          ms_report_add_int (ms_report_object (ms_report_object (node, "versions"), e->version),
                             "requests", (gint64) e->requests);
          MsReportNode *status = ms_report_object (node, "status");
          g_autoptr (GArray) codes = g_array_new (FALSE, FALSE, sizeof (int));
          for (guint s = 0; s < e->status->len; s++)
            g_array_append_val (codes, g_array_index (e->status, StatusCount, s).code);
          g_array_sort (codes, compare_int);
          for (guint s = 0; s < codes->len; s++)
            for (guint k = 0; k < e->status->len; k++)
              if (g_array_index (e->status, StatusCount, k).code == g_array_index (codes, int, s))
                {
                  char key[8];
                  g_snprintf (key, sizeof key, "%d", g_array_index (codes, int, s));
                  ms_report_add_int (status, key, (gint64) g_array_index (e->status, StatusCount, k).n);
                }
          MsReportNode *flags = ms_report_object (node, "flags");
          for (guint f = 0; f < e->flags->len; f++)
            {
              char buf[64];
              FlagsCount *fc = &g_array_index (e->flags, FlagsCount, f);
              ms_report_add_int (flags, ms_response_flags_format (fc->flags, buf), (gint64) fc->n);
            }
        }
    }
}
