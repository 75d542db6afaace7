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

struct _MsMesh {
  MsCluster *cluster;
  MsIstio *istio;
  GPtrArray *proxies;       /* MsProxy *, owned, in creation order */
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
  g_free (c->name);
  g_array_unref (c->hosts);
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
  MsMesh *mesh = g_new0 (MsMesh, 1);
  mesh->cluster = cluster;
  mesh->istio = istio;
  mesh->proxies = g_ptr_array_new_with_free_func (proxy_free);
  return mesh;
}

void
ms_mesh_free (MsMesh *mesh)
{
  if (mesh == NULL)
    return;
  g_ptr_array_unref (mesh->proxies);
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
  g_ptr_array_add (mesh->proxies, p);
  return p;
}

static void
sidecar_outbound (MsPod *pod, MsExchange *ex, gpointer data)
{
  (void) pod;
  ms_router_route (data, ex);
}

void
ms_mesh_add_sidecar (MsMesh *mesh, MsPod *pod)
{
  MsProxy *p = proxy_new (mesh, pod, FALSE);
  pod->outbound = sidecar_outbound;
  pod->outbound_data = p;
  /* Inbound: nothing to apply yet (pools, mTLS and authorization come
   * with their issues), so the default hook stays. */
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

/* Rebuilds the host list from the Service's endpoints, keeping the state
 * of hosts that stay. */
static void
refresh_hosts (MsEnvoyCluster *c, guint generation)
{
  GArray *old = c->hosts;
  c->hosts = g_array_new (FALSE, TRUE, sizeof (MsUpstreamHost));
  for (guint i = 0; i < c->service->endpoints->len; i++)
    {
      MsPod *pod = c->service->endpoints->pdata[i];
      if (!subset_selects (c->subset, pod))
        continue;
      MsUpstreamHost host = { pod, 0 };
      for (guint k = 0; old != NULL && k < old->len; k++)
        if (g_array_index (old, MsUpstreamHost, k).pod == pod)
          host = g_array_index (old, MsUpstreamHost, k);
      g_array_append_val (c->hosts, host);
    }
  if (old != NULL)
    g_array_unref (old);
  c->generation = generation;
  if (c->next_host >= c->hosts->len)
    c->next_host = 0;
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
  c->service = service;
  c->port = port;
  c->subset = subset;
  const MsDestinationRule *dr = ms_istio_dr_for (proxy->mesh->istio, service);
  c->policy = subset ? &subset->policy : dr ? &dr->policy : NULL;
  c->name = g_strdup_printf ("outbound|%d|%s|%s", port, subset ? subset->name : "", service->fqdn);
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
  guint n = c->hosts->len;
  if (n == 0)
    return NULL;
  MsLbKind lb = c->policy ? c->policy->lb : MS_LB_LEAST_REQUEST;
  MsUpstreamHost *hosts = (MsUpstreamHost *) c->hosts->data;

  if (lb == MS_LB_CONSISTENT_HASH)
    {
      char buf[256];
      const char *key = hash_key (c->policy, request, proxy, buf, sizeof buf);
      if (key != NULL)
        return &hosts[hash_string (key) % n];
      lb = MS_LB_RANDOM;
    }
  MsUpstreamHost *pick = NULL;
  /* Envoy's previous_hosts predicate: re-select up to 5 times while the
   * pick was already tried. */
  for (int attempt = 0; attempt < 5; attempt++)
    {
      switch (lb)
        {
        case MS_LB_ROUND_ROBIN:
        case MS_LB_PASSTHROUGH:
          pick = &hosts[c->next_host];
          c->next_host = (c->next_host + 1) % n;
          break;
        case MS_LB_RANDOM:
          pick = &hosts[ms_random_below (&proxy->random, n)];
          break;
        case MS_LB_LEAST_REQUEST:
        default:
          if (n == 1)
            pick = &hosts[0];
          else
            {
              MsUpstreamHost *a = &hosts[ms_random_below (&proxy->random, n)];
              MsUpstreamHost *b = &hosts[ms_random_below (&proxy->random, n)];
              pick = b->active < a->active ? b : a;
            }
          break;
        }
      if (!was_tried (pick, tried, n_tried))
        break;
    }
  return pick;
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

void
ms_mesh_report (const MsMesh *mesh, MsReportNode *root)
{
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
