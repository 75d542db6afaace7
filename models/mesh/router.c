/* models/mesh/router.c - one request through a client proxy: Envoy's HTTP
 * connection manager, fault filter and router, in that order.
 *
 * 1. Route: the first VirtualService rule that matches (all conditions of
 *    a match block ANDed, blocks ORed); a VirtualService with no matching
 *    rule answers 404 NR; no VirtualService means the Service itself with
 *    Istio's defaults.  redirect and directResponse answer locally.
 * 2. Fault filter (before the router, so outside its timers): abort
 *    answers locally with FI and never reaches a host; delay holds the
 *    request (DI) and then lets it through.
 * 3. Router: the route timeout covers every try and backoff (504 UT).  Each
 *    try picks a host (previous_hosts on retries), may have a per-try
 *    timeout, and its outcome is checked against retryOn.  Retries wait
 *    Envoy's fully jittered backoff, uniform in [0, (2^n - 1) x 25 ms)
 *    capped at 250 ms.  A retriable failure with no retry left ends with
 *    URX added to its flags.
 * 4. Mirror: a copy with the host suffixed "-shadow" is sent to the mirror
 *    destination, and its answer is dropped.
 *
 * Which conditions retry a per-try timeout is not stated by Envoy's docs;
 * here it counts as a 504 for `5xx`, `gateway-error` and
 * `retriable-status-codes` (see the reference, 1.5).
 */
#include "models/mesh/proxy.h"
#include "sim/io/read.h"

#include <stdarg.h>
#include <string.h>

#define BACKOFF_BASE MS_MSEC (25)
#define BACKOFF_MAX MS_MSEC (250)
#define MAX_TRIED 16

typedef struct {
  MsProxy *proxy;
  MsExchange *downstream;       /* the client's exchange, referenced */
  MsRequest *request;           /* what goes upstream (after rewrites) */
  const MsHttpRoute *rule;      /* NULL: no VirtualService */
  const MsRetryPolicy *retries;
  MsEnvoyCluster *cluster;
  MsExchange *attempt;          /* the try in flight, or NULL */
  MsUpstreamHost *host;         /* its host */
  MsPoolConn *connection;       /* its pooled connection, if the cluster pools */
  gboolean pending;             /* waiting in the pool's pending queue */
  gboolean retrying;            /* holds one of the pool's maxRetries */
  MsTimer route_timer, try_timer, backoff_timer;
  MsTimer step_timer;           /* a fault delay or a local answer */
  MsPod *tried[MAX_TRIED];
  guint n_tried;
  int retries_done;
  guint32 flags;                /* DI, ... gathered on the way */
  MsTime route_timeout;
  GList link;                   /* in proxy->streams */
  /* Tracing (when the request is sampled): the proxy's span, its parent,
   * and the span of the try in flight. */
  guint64 span, span_parent, try_span;
  MsTime try_start;
} Stream;

/* Streams come from a free list per proxy, chained through their link:
 * a routed call would otherwise be a malloc and a free of some 300 bytes
 * (STYLE.md: hot-path objects come from free lists).  A reused stream is
 * zeroed, as a new one was. */
static Stream *
stream_alloc (MsProxy *proxy)
{
  Stream *s = proxy->free_streams;
  if (s == NULL)
    return g_new0 (Stream, 1);
  proxy->free_streams = s->link.next;
  memset (s, 0, sizeof *s);
  return s;
}

static void
stream_release (Stream *s)
{
  MsProxy *proxy = s->proxy;
  s->link.next = proxy->free_streams;
  proxy->free_streams = s;
}

static MsSim *
sim_of (Stream *s)
{
  return ms_cluster_sim (ms_mesh_cluster (s->proxy->mesh));
}

static const MsTracer *
tracer_of (Stream *s)
{
  return s->request->sampled ? ms_cluster_tracer (ms_mesh_cluster (s->proxy->mesh)) : NULL;
}

/* Records the span of the try that just ended (one per attempt, so that
 * retries and per-try timeouts show in the trace). */
static void
trace_try (Stream *s, MsPod *host, int status, guint32 flags)
{
  const MsTracer *tracer = tracer_of (s);
  if (tracer == NULL || s->try_span == 0)
    return;
  char code[8], flag_text[64], attempt[8];
  g_snprintf (code, sizeof code, "%d", status);
  g_snprintf (attempt, sizeof attempt, "%d", s->retries_done + 1);
  const char *tags[] = {
    "component", "proxy", "upstream_cluster", s->cluster->name, "http.status_code", code,
    "response_flags", ms_response_flags_format (flags, flag_text), "retry.attempt", attempt, NULL,
  };
  MsSpan span = { s->request->trace_hi, s->request->trace_lo, s->try_span, s->span,
                  MS_SPAN_CLIENT, "attempt", s->proxy->pod, host, s->try_start,
                  ms_sim_now (sim_of (s)), tags };
  tracer->record (tracer->data, &span);
  s->try_span = 0;
}

/* Answers the client and frees the stream. */
static void
stream_finish (Stream *s, int status, guint32 flags, MsReset reset, MsBody *body, MsPod *upstream)
{
  MsSim *sim = sim_of (s);
  ms_sim_cancel (sim, &s->route_timer);
  ms_sim_cancel (sim, &s->try_timer);
  ms_sim_cancel (sim, &s->backoff_timer);
  ms_sim_cancel (sim, &s->step_timer);
  s->downstream->on_cancel = NULL;
  /* The destination is known from the endpoint the proxy picked, even
   * when no response came back (a timeout, a reset). */
  MsPod *picked = upstream ? upstream : s->n_tried > 0 ? s->tried[s->n_tried - 1] : NULL;
  const MsTracer *tracer = tracer_of (s);
  if (tracer != NULL && s->span != 0)
    {
      char code[8], flag_text[64];
      g_snprintf (code, sizeof code, "%d", status);
      g_autofree char *name = g_strdup_printf ("%s:%d/*", s->request->host, s->request->port);
      const char *tags[] = {
        "component", "proxy", "http.method", s->request->method, "http.url", s->request->path,
        "http.status_code", code, "response_flags", ms_response_flags_format (s->flags | flags, flag_text),
        "upstream_cluster", s->cluster ? s->cluster->name : "-", NULL,
      };
      MsSpan span = { s->request->trace_hi, s->request->trace_lo, s->span, s->span_parent,
                      MS_SPAN_CLIENT, name, s->proxy->pod, picked, s->downstream->start,
                      ms_sim_now (sim), tags };
      tracer->record (tracer->data, &span);
    }
  if (s->cluster != NULL)
    ms_proxy_count (s->proxy, s->cluster->service, picked ? picked->version : "unknown",
                    status, s->flags | flags);
  MsTelemetry *telemetry = ms_mesh_telemetry (s->proxy->mesh);
  if (telemetry != NULL)
    {
      MsTelemetryRecord r = {
        .source = TRUE, .proxy = s->proxy->pod,
        .client = s->proxy->gateway ? s->proxy->pod : s->downstream->source ? s->downstream->source
                                                                           : s->proxy->pod,
        .server = picked, .service = s->cluster ? s->cluster->service : NULL,
        .request = s->request, .cluster = s->cluster ? s->cluster->name : NULL,
        .status = status, .flags = s->flags | flags, .start = s->downstream->start,
        .end = ms_sim_now (sim), .request_bytes = ms_body_length (s->request->body),
        .response_bytes = ms_body_length (body), .mtls = FALSE,
      };
      ms_telemetry_record (telemetry, &r);
    }
  s->downstream->upstream = upstream;
  ms_exchange_finish (s->downstream, status, s->flags | flags, reset, body);
  ms_exchange_unref (s->downstream);
  ms_request_unref (s->request);
  s->proxy->streams = g_list_remove_link (s->proxy->streams, &s->link);
  stream_release (s);
}

void
ms_router_free_streams (MsProxy *proxy)
{
  while (proxy->free_streams != NULL)
    {
      Stream *s = proxy->free_streams;
      proxy->free_streams = s->link.next;
      g_free (s);
    }
  /* Their exchanges live in the cluster's slabs and their events in the
   * queue, both freed with their owners; only the stream and its request
   * copy are the proxy's. */
  while (proxy->streams != NULL)
    {
      Stream *s = proxy->streams->data;
      proxy->streams = g_list_remove_link (proxy->streams, &s->link);
      ms_request_unref (s->request);
      g_free (s);
    }
}

static void
finish_later_cb (MsSim *sim, gpointer data)
{
  (void) sim;
  Stream *s = data;
  stream_finish (s, s->downstream->app_status, 0, MS_RESET_NONE, NULL, NULL);
}

/* A local answer, from an event so the caller is not re-entered. */
static void
answer_locally (Stream *s, int status, guint32 flags)
{
  s->downstream->app_status = status;
  s->flags |= flags;
  s->step_timer = ms_sim_schedule (sim_of (s), 0, finish_later_cb, s);
}

/* Matching. */

static const char *
query_value (const char *path, const char *name, char *buf, gsize size)
{
  const char *q = strchr (path, '?');
  gsize n = strlen (name);
  for (const char *p = q; p != NULL; p = strchr (p + 1, '&'))
    if (strncmp (p + 1, name, n) == 0 && (p[1 + n] == '=' || p[1 + n] == '&' || p[1 + n] == '\0'))
      {
        const char *v = p[1 + n] == '=' ? p + 2 + n : "";
        g_strlcpy (buf, v, size);
        char *end = strchr (buf, '&');
        if (end != NULL)
          *end = '\0';
        return buf;
      }
  return NULL;
}

/* Each matcher below takes an optional GString: when given, a failed
 * match appends why, for `meshsim explain`.  The hot path passes NULL and
 * formats nothing. */

static gboolean
why_not (GString *why, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
why_not (GString *why, const char *format, ...)
{
  if (why != NULL)
    {
      va_list args;
      va_start (args, format);
      g_string_append_vprintf (why, format, args);
      va_end (args);
    }
  return FALSE;
}

static const char *
match_kind_name (const MsStringMatch *m)
{
  static const char *const names[] = { "present", "exact", "prefix", "regex" };
  return names[m->kind];
}

static gboolean
match_applies (const MsHttpMatch *m, const MsProxy *proxy, const char *const *vs_gateways,
               GString *why)
{
  const char *const *gateways = m->gateways ? (const char *const *) m->gateways : vs_gateways;
  if (!g_strv_contains (gateways, proxy->context))
    return why_not (why, "applies to gateways other than %s", proxy->context);
  if (m->source_labels.n > 0
      && (proxy->pod->labels == NULL || !ms_labels_match (proxy->pod->labels, &m->source_labels)))
    return why_not (why, "sourceLabels do not select %s", proxy->pod->name);
  return TRUE;
}

static gboolean
match_request (const MsHttpMatch *m, const MsRequest *r, GString *why)
{
  char path[1024];
  g_strlcpy (path, r->path, sizeof path);
  char *q = strchr (path, '?');
  if (q != NULL)
    *q = '\0';
  if (m->uri != NULL && !ms_string_match (m->uri, path, m->ignore_uri_case))
    return why_not (why, "uri %s \"%s\" does not match \"%s\"", match_kind_name (m->uri),
                    m->uri->value, path);
  if (m->method != NULL && !ms_string_match (m->method, r->method, FALSE))
    return why_not (why, "method %s \"%s\" does not match %s", match_kind_name (m->method),
                    m->method->value, r->method);
  if (m->authority != NULL && !ms_string_match (m->authority, r->host, FALSE))
    return why_not (why, "authority %s \"%s\" does not match %s",
                    match_kind_name (m->authority), m->authority->value, r->host);
  if (m->scheme != NULL && !ms_string_match (m->scheme, "http", FALSE))
    return why_not (why, "scheme does not match http");
  if (m->port != 0 && m->port != r->port)
    return why_not (why, "port %d is not %d", m->port, r->port);
  for (guint i = 0; i < m->headers->len; i++)
    {
      const MsHeaderMatch *h = &g_array_index (m->headers, MsHeaderMatch, i);
      const char *value = ms_request_header (r, h->name);
      if (!ms_string_match (&h->match, value, FALSE))
        return value == NULL ? why_not (why, "header %s is absent", h->name)
                             : why_not (why, "header %s: %s \"%s\" does not match \"%s\"",
                                        h->name, match_kind_name (&h->match),
                                        h->match.value ? h->match.value : "", value);
    }
  for (guint i = 0; i < m->without_headers->len; i++)
    {
      const MsHeaderMatch *h = &g_array_index (m->without_headers, MsHeaderMatch, i);
      if (ms_string_match (&h->match, ms_request_header (r, h->name), FALSE))
        return why_not (why, "withoutHeaders: header %s matches", h->name);
    }
  for (guint i = 0; i < m->query_params->len; i++)
    {
      const MsHeaderMatch *h = &g_array_index (m->query_params, MsHeaderMatch, i);
      char buf[256];
      if (!ms_string_match (&h->match, query_value (r->path, h->name, buf, sizeof buf), FALSE))
        return why_not (why, "query parameter %s does not match", h->name);
    }
  return TRUE;
}

/* The first rule of vs that matches, or NULL.  With explain, one line per
 * rule tried. */
static const MsHttpRoute *
select_rule (const MsVirtualService *vs, const MsProxy *proxy, const MsRequest *request,
             GString *explain)
{
  for (guint i = 0; i < vs->http->len; i++)
    {
      const MsHttpRoute *rule = vs->http->pdata[i];
      if (rule->matches->len == 0)
        {
          if (g_strv_contains ((const char *const *) vs->gateways, proxy->context))
            {
              if (explain != NULL)
                g_string_append_printf (explain, "    http[%u]%s%s: no match block: matches\n", i,
                                        rule->name ? " " : "", rule->name ? rule->name : "");
              return rule;
            }
          continue;
        }
      g_autoptr (GString) why = explain ? g_string_new (NULL) : NULL;
      for (guint k = 0; k < rule->matches->len; k++)
        {
          const MsHttpMatch *m = rule->matches->pdata[k];
          if (why != NULL && k > 0)
            g_string_append (why, "; ");
          if (match_applies (m, proxy, (const char *const *) vs->gateways, why)
              && match_request (m, request, why))
            {
              if (explain != NULL)
                g_string_append_printf (explain, "    http[%u]%s%s: match[%u] matches\n", i,
                                        rule->name ? " " : "", rule->name ? rule->name : "", k);
              return rule;
            }
        }
      if (explain != NULL)
        g_string_append_printf (explain, "    http[%u]%s%s: no (%s)\n", i, rule->name ? " " : "",
                                rule->name ? rule->name : "", why->str);
    }
  return NULL;
}

/* Gateways: the VirtualService bound to this gateway whose hosts cover the
 * Host header, if a server of the gateway accepts that host. */
static gboolean
host_matches (const char *pattern, const char *host)
{
  const char *slash = strchr (pattern, '/');
  if (slash != NULL)
    pattern = slash + 1;
  if (g_str_equal (pattern, "*"))
    return TRUE;
  if (pattern[0] == '*')
    return g_str_has_suffix (host, pattern + 1);
  return g_ascii_strcasecmp (pattern, host) == 0;
}

/* The search itself: it formats each candidate gateway's name and compares
 * hosts case-insensitively, about 1,000 instructions per request, hence
 * the cache below.  *context is the gateway's "namespace/name", interned. */
static const MsVirtualService *
find_gateway_vs (MsProxy *proxy, const MsRequest *request, const char **context)
{
  const MsIstio *istio = ms_mesh_istio (proxy->mesh);
  for (guint g = 0; g < istio->gateways->len; g++)
    {
      const MsGateway *gw = istio->gateways->pdata[g];
      const char *selector = ms_labels_get (&gw->selector, "istio");
      if (selector == NULL || !g_str_equal (selector, "ingressgateway"))
        continue;
      gboolean served = FALSE;
      for (guint s = 0; s < gw->servers->len && !served; s++)
        {
          const MsGatewayServer *server = &g_array_index (gw->servers, MsGatewayServer, s);
          if (server->port != request->port)
            continue;
          for (char **h = server->hosts; *h && !served; h++)
            served = host_matches (*h, request->host);
        }
      if (!served)
        continue;
      g_autofree char *full = g_strdup_printf ("%s/%s", gw->namespace_, gw->name);
      for (guint i = 0; i < istio->virtual_services->len; i++)
        {
          const MsVirtualService *vs = istio->virtual_services->pdata[i];
          if (!g_strv_contains ((const char *const *) vs->gateways, full))
            continue;
          for (char **h = vs->hosts; *h; h++)
            if (host_matches (*h, request->host))
              {
                *context = g_intern_string (full);
                return vs;
              }
        }
    }
  return NULL;
}

/* A gateway's routing decision for one (Host, port): it depends on nothing
 * else than the configuration, so it is kept per proxy until
 * ms_mesh_reconfigure drops the cache.  Request hosts are interned, so the
 * pointer stands for the string. */
typedef struct {
  const char *host;
  int port;
  const MsVirtualService *vs;   /* NULL: no server accepts the host */
  const char *context;
} GatewayRoute;

static guint
gateway_route_hash (gconstpointer key)
{
  const GatewayRoute *r = key;
  return g_direct_hash (r->host) ^ (guint) r->port;
}

static gboolean
gateway_route_equal (gconstpointer a, gconstpointer b)
{
  const GatewayRoute *x = a, *y = b;
  return x->host == y->host && x->port == y->port;
}

static const MsVirtualService *
select_gateway_vs (MsProxy *proxy, const MsRequest *request)
{
  if (proxy->gateway_cache == NULL)
    proxy->gateway_cache = g_hash_table_new_full (gateway_route_hash, gateway_route_equal,
                                                  g_free, NULL);
  GatewayRoute key = { request->host, request->port, NULL, NULL };
  GatewayRoute *route = g_hash_table_lookup (proxy->gateway_cache, &key);
  if (route == NULL)
    {
      route = g_memdup2 (&key, sizeof key);
      route->vs = find_gateway_vs (proxy, request, &route->context);
      g_hash_table_add (proxy->gateway_cache, route);
    }
  /* As before the cache: no match leaves the context as it was. */
  if (route->vs != NULL)
    proxy->context = route->context;
  return route->vs;
}

/* Trying. */

static void try_start (Stream *s);

static gboolean
retriable_status (const MsRetryPolicy *p, int status)
{
  if ((p->retry_on & MS_RETRY_ON_5XX) && status >= 500)
    return TRUE;
  if ((p->retry_on & MS_RETRY_ON_GATEWAY_ERROR) && status >= 502 && status <= 504)
    return TRUE;
  if ((p->retry_on & MS_RETRY_ON_RETRIABLE_4XX) && status == 409)
    return TRUE;
  if (p->retry_on & MS_RETRY_ON_RETRIABLE_STATUS_CODES)
    for (guint i = 0; p->status_codes && i < p->status_codes->len; i++)
      if (g_array_index (p->status_codes, int, i) == status)
        return TRUE;
  return FALSE;
}

static gboolean
retriable_reset (const MsRetryPolicy *p, MsReset reset)
{
  if (p->retry_on & (MS_RETRY_ON_5XX | MS_RETRY_ON_GATEWAY_ERROR | MS_RETRY_ON_RESET))
    return TRUE;
  return reset == MS_RESET_CONNECT_FAILURE && (p->retry_on & MS_RETRY_ON_CONNECT_FAILURE);
}

static void
backoff_done (MsSim *sim, gpointer data)
{
  (void) sim;
  try_start (data);
}

/* After a failed try: retry if the policy allows, else answer with it. */
static void
try_failed (Stream *s, gboolean retriable, int status, guint32 flags, MsReset reset,
            MsBody *body, MsPod *upstream)
{
  MsPool *pool = s->cluster->pool;
  if (retriable && s->retries_done < s->retries->attempts
      && (pool == NULL || ms_pool_retry_begin (pool)))
    {
      s->retrying = pool != NULL;
      s->retries_done++;
      MsTime ceiling = MIN (BACKOFF_BASE * ((1 << MIN (s->retries_done, 10)) - 1), BACKOFF_MAX);
      MsTime wait = (MsTime) ms_random_below (&s->proxy->random, (guint64) ceiling);
      s->backoff_timer = ms_sim_schedule (sim_of (s), wait, backoff_done, s);
      return;
    }
  if (retriable && s->retries->attempts > 0)
    flags |= MS_FLAG_URX;
  stream_finish (s, status, flags, reset, body, upstream);
}

/* The try is over: the host has one request less, the connection goes
 * back to the pool (closed unless keep_alive), the retry slot is freed. */
static void
release_host (Stream *s, gboolean keep_alive)
{
  if (s->host != NULL && s->host->active > 0)
    s->host->active--;
  s->host = NULL;
  MsPool *pool = s->cluster ? s->cluster->pool : NULL;
  if (pool != NULL && s->pending)
    {
      ms_pool_cancel (pool, s);
      s->pending = FALSE;
    }
  if (pool != NULL && s->retrying)
    {
      ms_pool_retry_end (pool);
      s->retrying = FALSE;
    }
  if (pool != NULL && s->connection != NULL)
    {
      MsPoolConn *connection = g_steal_pointer (&s->connection);
      ms_pool_release (pool, connection, keep_alive);
    }
}

static void
try_done (MsExchange *ex, gpointer data)
{
  Stream *s = data;
  ms_sim_cancel (sim_of (s), &s->try_timer);
  s->attempt = NULL;
  int status = ex->status;
  MsReset reset = ex->reset;
  /* Outlier detection sees every try; local-origin failures count as 503
   * (connect) and 504 (timeout). */
  MsUpstreamHost *host = s->host;
  release_host (s, status != 0);
  ms_outlier_result (s->cluster, host, status != 0 ? status : 503);
  g_autoptr (MsBody) body = ex->body ? ms_body_ref (ex->body) : NULL;
  MsPod *upstream = ex->upstream;
  ms_exchange_unref (ex);
  trace_try (s, host ? host->pod : upstream, status,
             status == 0 ? (reset == MS_RESET_CONNECT_FAILURE ? MS_FLAG_UF : MS_FLAG_UC) : 0);
  if (status == 0)
    {
      /* No HTTP response: Envoy answers 503 itself. */
      guint32 flags = reset == MS_RESET_CONNECT_FAILURE ? MS_FLAG_UF : MS_FLAG_UC;
      try_failed (s, retriable_reset (s->retries, reset), 503, flags, MS_RESET_NONE, NULL,
                  upstream);
      return;
    }
  if (retriable_status (s->retries, status))
    {
      try_failed (s, TRUE, status, 0, MS_RESET_NONE, body, upstream);
      return;
    }
  stream_finish (s, status, 0, MS_RESET_NONE, body, upstream);
}

/* Resets the try in flight: Envoy closes an HTTP/1.1 connection whose
 * request it abandons. */
static void
abandon_try (Stream *s)
{
  if (s->attempt != NULL)
    {
      ms_exchange_cancel (s->attempt);
      ms_exchange_unref (s->attempt);
      s->attempt = NULL;
    }
  release_host (s, FALSE);
}

static void
try_timeout (MsSim *sim, gpointer data)
{
  (void) sim;
  Stream *s = data;
  MsUpstreamHost *host = s->host;
  abandon_try (s);
  trace_try (s, host ? host->pod : NULL, 504, MS_FLAG_UT);
  ms_outlier_result (s->cluster, host, 504);
  const MsRetryPolicy *p = s->retries;
  gboolean retriable = (p->retry_on & (MS_RETRY_ON_5XX | MS_RETRY_ON_GATEWAY_ERROR))
                       || retriable_status (p, 504);
  try_failed (s, retriable, 504, MS_FLAG_UT, MS_RESET_NONE, NULL, NULL);
}

static void
route_timeout (MsSim *sim, gpointer data)
{
  (void) sim;
  Stream *s = data;
  abandon_try (s);
  stream_finish (s, 504, MS_FLAG_UT, MS_RESET_NONE, NULL, NULL);
}

/* Whether this proxy talks mutual TLS to host: the DestinationRule's
 * tls.mode, or Istio's auto mTLS (to pods with a sidecar whose
 * PeerAuthentication is not DISABLE). */
static gboolean
use_mtls (const MsEnvoyCluster *c, MsPod *host, int port)
{
  MsTlsMode mode = c->policy ? c->policy->tls : MS_TLS_AUTO;
  if (mode == MS_TLS_ISTIO_MUTUAL || mode == MS_TLS_MUTUAL)
    return TRUE;
  if (mode != MS_TLS_AUTO)
    return FALSE;
  return ms_proxy_is_sidecar (host)
         && ms_security_mode (ms_mesh_security (c->proxy->mesh), host, port) != MS_MTLS_DISABLE;
}

/* The workload port behind the cluster's Service port. */
static int
cluster_target_port (const MsEnvoyCluster *c)
{
  for (guint i = 0; i < c->service->ports->len; i++)
    {
      const MsServicePort *p = &g_array_index (c->service->ports, MsServicePort, i);
      if (p->port == c->port)
        return p->target_port;
    }
  return c->port;
}

/* A new connection is usable after the TCP handshake (SYN there, SYN-ACK
 * back: one round trip, the ACK leaves with the request) and, for mTLS,
 * the TLS 1.3 handshake (ClientHello there, the server's flight back: one
 * more round trip), because Envoy raises Connected only once TLS is up.
 * Each of these hops is drawn like a request's, from the proxy's connect
 * stream.  Handshake CPU time is not counted. */
MsTime
ms_router_connect_time (gpointer data, gconstpointer host_data)
{
  MsEnvoyCluster *c = data;
  const MsUpstreamHost *host = host_data;
  MsCluster *cluster = ms_mesh_cluster (c->proxy->mesh);
  int hops = use_mtls (c, host->pod, cluster_target_port (c)) ? 4 : 2;
  MsTime total = 0;
  for (int i = 0; i < hops; i++)
    total += ms_cluster_hop_latency (cluster, &c->proxy->connect_random);
  return total;
}

/* The try has its host (and connection): send it. */
static void
try_send (Stream *s)
{
  MsCluster *cluster = ms_mesh_cluster (s->proxy->mesh);
  s->attempt = ms_exchange_new (ms_cluster_pool (cluster), s->request, s->proxy->pod,
                                ms_sim_now (sim_of (s)), try_done, s);
  s->attempt->service = s->cluster->service;
  s->attempt->mtls = use_mtls (s->cluster, s->host->pod, ms_proxy_target_port (s->attempt));
  const MsTracer *tracer = tracer_of (s);
  if (tracer != NULL)
    {
      /* The request carries the try's span as its parent (B3/traceparent). */
      s->try_span = tracer->new_id (tracer->data);
      s->try_start = ms_sim_now (sim_of (s));
      s->request->parent_span = s->try_span;
    }
  s->attempt->peer_principal = s->attempt->mtls ? ms_security_principal (s->proxy->pod) : NULL;
  ms_cluster_connect (s->proxy->pod, s->host->pod, s->cluster->service, s->attempt);
}

static void
try_start (Stream *s)
{
  MsUpstreamHost *host = ms_proxy_pick_host (s->proxy, s->cluster, s->request, s->tried,
                                             s->retries->previous_hosts ? s->n_tried : 0);
  if (host == NULL)
    {
      stream_finish (s, 503, MS_FLAG_UH, MS_RESET_NONE, NULL, NULL);
      return;
    }
  if (s->n_tried < MAX_TRIED)
    s->tried[s->n_tried++] = host->pod;
  host->active++;
  s->host = host;
  MsSim *sim = sim_of (s);
  /* The per-try timeout starts when the router starts the try, before the
   * pool has a connection for it. */
  if (s->retries->per_try_timeout > 0)
    s->try_timer = ms_sim_schedule (sim, s->retries->per_try_timeout, try_timeout, s);
  if (s->cluster->pool != NULL)
    {
      switch (ms_pool_acquire (s->cluster->pool, host, s, &s->connection))
        {
        case MS_POOL_READY:
          break;
        case MS_POOL_PENDING:
          s->pending = TRUE;
          return;
        case MS_POOL_OVERFLOW:
        default:
          /* Circuit breaking: answered here, nothing reaches the host, and
           * it is not retried. */
          release_host (s, TRUE);
          stream_finish (s, 503, MS_FLAG_UO, MS_RESET_NONE, NULL, NULL);
          return;
        }
    }
  try_send (s);
}

void
ms_router_pool_ready (gpointer data, MsPoolConn *connection)
{
  Stream *s = data;
  s->pending = FALSE;
  s->connection = connection;
  try_send (s);
}

static void
router_start (Stream *s)
{
  if (s->route_timeout > 0)
    s->route_timer = ms_sim_schedule (sim_of (s), s->route_timeout, route_timeout, s);
  try_start (s);
}

static void
delay_done (MsSim *sim, gpointer data)
{
  (void) sim;
  router_start (data);
}

/* Mirroring: fire and forget. */

static void
mirror_done (MsExchange *ex, gpointer data)
{
  (void) data;
  ms_exchange_unref (ex);
}

static void
send_mirror (Stream *s, const MsHttpRoute *rule)
{
  MsProxy *proxy = s->proxy;
  if (!ms_random_chance (&proxy->random, rule->mirror_percent / 100.0))
    return;
  const MsDestinationRule *dr = ms_istio_dr_for (ms_mesh_istio (proxy->mesh), rule->mirror);
  const MsSubset *subset = rule->mirror_subset && dr ? ms_istio_subset (dr, rule->mirror_subset)
                                                     : NULL;
  int port = g_array_index (rule->mirror->ports, MsServicePort, 0).port;
  MsEnvoyCluster *cluster = ms_proxy_cluster (proxy, rule->mirror, port, subset);
  MsUpstreamHost *host = ms_proxy_pick_host (proxy, cluster, s->request, NULL, 0);
  if (host == NULL)
    return;
  g_autoptr (MsRequest) copy = ms_request_copy (s->request);
  g_autofree char *shadow = g_strdup_printf ("%s-shadow", s->request->host);
  copy->host = g_intern_string (shadow);
  MsCluster *c = ms_mesh_cluster (proxy->mesh);
  MsExchange *ex = ms_exchange_new (ms_cluster_pool (c), copy, proxy->pod,
                                    ms_sim_now (ms_cluster_sim (c)), mirror_done, NULL);
  ms_cluster_connect (proxy->pod, host->pod, rule->mirror, ex);
}

/* Request rewriting for the chosen rule and destination. */

static void
apply_header_ops (MsRequest *r, const MsHeaderOps *ops)
{
  for (guint i = 0; i < ops->set.n; i++)
    ms_request_set_header (r, ops->set.keys[i], ops->set.values[i]);
  for (guint i = 0; i < ops->add.n; i++)
    if (ms_request_header (r, ops->add.keys[i]) == NULL)
      ms_request_set_header (r, ops->add.keys[i], ops->add.values[i]);
  for (char **name = ops->remove; name && *name; name++)
    {
      g_autofree char *lower = g_ascii_strdown (*name, -1);
      const char *interned = g_intern_string (lower);
      for (guint i = 0; i < r->n_headers; i++)
        if (r->headers[i].name == interned)
          {
            r->headers[i] = r->headers[--r->n_headers];
            break;
          }
    }
}

static void
apply_rewrite (MsRequest *r, const MsHttpRoute *rule)
{
  if (rule->rewrite_authority != NULL)
    r->host = g_intern_string (rule->rewrite_authority);
  if (rule->rewrite_uri == NULL)
    return;
  /* A prefix match rewrites the matched prefix; otherwise the whole path. */
  const char *prefix = NULL;
  for (guint i = 0; i < rule->matches->len && prefix == NULL; i++)
    {
      const MsHttpMatch *m = rule->matches->pdata[i];
      if (m->uri != NULL && m->uri->kind == MS_MATCH_PREFIX && g_str_has_prefix (r->path, m->uri->value))
        prefix = m->uri->value;
    }
  g_autofree char *path = prefix ? g_strconcat (rule->rewrite_uri, r->path + strlen (prefix), NULL)
                                 : g_strdup (rule->rewrite_uri);
  r->path = g_intern_string (path);
}

static const MsRouteDestination *
pick_destination (MsProxy *proxy, const MsHttpRoute *rule)
{
  if (rule->route->len == 1)
    return rule->route->pdata[0];
  guint64 draw = ms_random_below (&proxy->random, (guint64) rule->total_weight);
  for (guint i = 0; i < rule->route->len; i++)
    {
      const MsRouteDestination *d = rule->route->pdata[i];
      if (draw < (guint64) d->weight)
        return d;
      draw -= (guint64) d->weight;
    }
  g_assert_not_reached ();
}

/* The app gave up on the request (its own timeout): Envoy resets the
 * upstream side and records the request as 0 DC. */
static void
downstream_gone (MsExchange *ex, gpointer data)
{
  (void) ex;
  Stream *s = data;
  abandon_try (s);
  stream_finish (s, 0, MS_FLAG_DC, MS_RESET_NONE, NULL, NULL);
}

static void
dns_failed (MsSim *sim, gpointer data)
{
  (void) sim;
  MsExchange *ex = data;
  ms_exchange_finish (ex, 0, 0, MS_RESET_DNS, NULL);
  ms_exchange_unref (ex);
}

void
ms_router_route (MsProxy *proxy, MsExchange *ex)
{
  const MsIstio *istio = ms_mesh_istio (proxy->mesh);
  MsCluster *kube = ms_mesh_cluster (proxy->mesh);
  const MsRequest *request = ex->request;
  const MsVirtualService *vs = NULL;
  MsService *service = NULL;

  if (proxy->gateway)
    {
      vs = select_gateway_vs (proxy, request);
      if (vs == NULL)
        service = NULL;
    }
  else
    {
      /* The app resolves the name before the sidecar sees anything. */
      service = ms_pod_resolve (proxy->pod, request->host);
      if (service == NULL)
        {
          ms_sim_schedule (ms_cluster_sim (kube), 0, dns_failed, ms_exchange_ref (ex));
          return;
        }
      vs = ms_proxy_virtual_service (proxy, service);
    }

  Stream *s = stream_alloc (proxy);
  s->proxy = proxy;
  s->link.data = s;
  ex->on_cancel = downstream_gone;
  ex->cancel_data = s;
  proxy->streams = g_list_concat (&s->link, proxy->streams);
  s->downstream = ms_exchange_ref (ex);
  s->request = ms_request_copy (request);
  s->retries = &istio->default_retries;
  const MsTracer *tracer = ms_cluster_tracer (kube);
  if (tracer != NULL)
    {
      /* A request without trace context starts a trace here (the gateway,
       * or a sidecar in front of an app that does not propagate). */
      if (s->request->trace_hi == 0 && s->request->trace_lo == 0)
        {
          s->request->trace_hi = tracer->new_id (tracer->data);
          s->request->trace_lo = tracer->new_id (tracer->data);
          s->request->sampled = tracer->sample (tracer->data);
          s->request->parent_span = 0;
        }
      if (s->request->sampled)
        {
          s->span = tracer->new_id (tracer->data);
          s->span_parent = s->request->parent_span;
          s->request->parent_span = s->span;
        }
    }

  MsService *target = service;
  int port = request->port;
  const MsSubset *subset = NULL;
  if (vs == NULL && proxy->gateway)
    {
      answer_locally (s, 404, MS_FLAG_NR);
      return;
    }
  if (vs != NULL)
    {
      const MsHttpRoute *rule = select_rule (vs, proxy, request, NULL);
      if (rule == NULL)
        {
          answer_locally (s, 404, MS_FLAG_NR);
          return;
        }
      s->rule = rule;
      if (rule->has_redirect)
        {
          answer_locally (s, rule->redirect_code, 0);
          return;
        }
      if (rule->has_direct_response)
        {
          s->downstream->app_status = rule->direct_status;
          stream_finish (s, rule->direct_status, 0, MS_RESET_NONE, rule->direct_body, NULL);
          return;
        }
      const MsRouteDestination *d = pick_destination (proxy, rule);
      target = d->service;
      port = d->port ? d->port : g_array_index (target->ports, MsServicePort, 0).port;
      if (d->subset != NULL)
        {
          const MsDestinationRule *dr = ms_istio_dr_for (istio, target);
          subset = dr ? ms_istio_subset (dr, d->subset) : NULL;
          if (subset == NULL)
            {
              answer_locally (s, 503, MS_FLAG_NC);
              return;
            }
        }
      apply_rewrite (s->request, rule);
      apply_header_ops (s->request, &rule->headers_request);
      apply_header_ops (s->request, &d->headers_request);
      s->request->port = port;
      s->retries = &rule->retries;
      s->route_timeout = rule->timeout;
    }
  s->cluster = ms_proxy_cluster (proxy, target, port, subset);

  const MsHttpRoute *rule = s->rule;
  if (rule != NULL && rule->mirror != NULL)
    send_mirror (s, rule);
  if (rule != NULL && rule->abort_status != 0
      && ms_random_chance (&proxy->random, rule->abort_percent / 100.0))
    {
      answer_locally (s, rule->abort_status, MS_FLAG_FI);
      return;
    }
  if (rule != NULL && rule->fixed_delay > 0
      && ms_random_chance (&proxy->random, rule->delay_percent / 100.0))
    {
      s->flags |= MS_FLAG_DI;
      s->step_timer = ms_sim_schedule (ms_cluster_sim (kube), rule->fixed_delay, delay_done, s);
      return;
    }
  router_start (s);
}

/* Explaining a route decision (`meshsim explain`). */

static void
explain_retries (const MsRetryPolicy *p, GString *out)
{
  static const char *const names[] = {
    "5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "refused-stream",
    "retriable-status-codes", "envoy-ratelimited",
  };
  if (p->attempts == 0)
    {
      g_string_append (out, "  retries: none (attempts 0)\n");
      return;
    }
  g_string_append_printf (out, "  retries: up to %d on ", p->attempts);
  gboolean first = TRUE;
  gboolean codes = p->status_codes != NULL && p->status_codes->len > 0;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if ((p->retry_on & (1u << i))
        && ((1u << i) != MS_RETRY_ON_RETRIABLE_STATUS_CODES || codes))
      {
        g_string_append_printf (out, "%s%s", first ? "" : ",", names[i]);
        first = FALSE;
      }
  if (p->status_codes != NULL && p->status_codes->len > 0)
    {
      g_string_append (out, " (codes");
      for (guint i = 0; i < p->status_codes->len; i++)
        g_string_append_printf (out, " %d", g_array_index (p->status_codes, int, i));
      g_string_append (out, ")");
    }
  if (p->per_try_timeout > 0)
    {
      g_autofree char *d = ms_duration_format (p->per_try_timeout);
      g_string_append_printf (out, ", per-try timeout %s", d);
    }
  g_string_append_printf (out, ", backoff 25ms base (jittered, capped at 250ms)%s\n",
                          p->previous_hosts ? ", avoiding hosts already tried" : "");
}

/* mTLS and authorization as the first endpoint of c would apply them. */
static void
explain_security (MsProxy *proxy, MsEnvoyCluster *c, const MsRequest *request, GString *out)
{
  if (c->hosts->len == 0)
    return;
  MsPod *pod = ((MsUpstreamHost *) c->hosts->pdata[0])->pod;
  const MsSecurity *security = ms_mesh_security (proxy->mesh);
  int target_port = cluster_target_port (c);
  gboolean mtls = use_mtls (c, pod, target_port);
  if (!ms_proxy_is_sidecar (pod))
    {
      g_string_append_printf (out, "    security at %s: no sidecar, plaintext only%s\n", pod->name,
                              mtls ? "; this proxy sends mTLS, so the connection is reset "
                                     "(503 UC)" : "");
      return;
    }
  MsMtlsMode mode = ms_security_mode (security, pod, target_port);
  g_string_append_printf (out, "    security at %s: PeerAuthentication %s on port %d; this proxy "
                               "sends %s\n", pod->name, ms_mtls_mode_name (mode), target_port,
                          mtls ? "mutual TLS" : "plaintext");
  if (!mtls && mode == MS_MTLS_STRICT)
    {
      g_string_append (out, "      plaintext to STRICT: the connection is reset (503 UC)\n");
      return;
    }
  const char *principal = mtls ? ms_security_principal (proxy->pod) : NULL;
  g_string_append_printf (out, "      source principal: %s\n",
                          principal ? principal : "none (plaintext)");
  g_autoptr (GString) verdicts = g_string_new (NULL);
  gboolean allowed = ms_security_authorize (security, pod, request, principal, verdicts);
  g_string_append (out, verdicts->str);
  g_string_append_printf (out, "      authorization: %s\n",
                          allowed ? "allowed" : "denied (403 RBAC: access denied)");
}

static void
explain_cluster (MsProxy *proxy, MsService *service, int port, const MsSubset *subset,
                 const MsRequest *request, GString *out)
{
  MsEnvoyCluster *c = ms_proxy_cluster (proxy, service, port, subset);
  static const char *const lb_names[] = {
    "LEAST_REQUEST (two random choices)", "ROUND_ROBIN", "RANDOM", "PASSTHROUGH",
    "consistent hash",
  };
  g_string_append_printf (out, "  cluster %s\n", c->name);
  g_string_append_printf (out, "    load balancer: %s\n",
                          lb_names[c->policy ? c->policy->lb : MS_LB_LEAST_REQUEST]);
  g_string_append (out, "    endpoints:");
  if (c->hosts->len == 0)
    g_string_append (out, " none (requests get 503 UH)");
  for (guint i = 0; i < c->hosts->len; i++)
    {
      MsPod *pod = ((MsUpstreamHost *) c->hosts->pdata[i])->pod;
      g_string_append_printf (out, " %s (%s)", pod->name, pod->version);
    }
  g_string_append_c (out, '\n');
  explain_security (proxy, c, request, out);
  if (c->policy != NULL && c->policy->pool.set)
    {
      const MsPoolSettings *p = &c->policy->pool;
      g_string_append (out, "    connection pool (this proxy, all hosts of the cluster):");
      if (p->max_connections != G_MAXUINT32)
        g_string_append_printf (out, " maxConnections %u", p->max_connections);
      if (p->max_pending != G_MAXUINT32)
        g_string_append_printf (out, " http1MaxPendingRequests %u", p->max_pending);
      if (p->max_requests != G_MAXUINT32)
        g_string_append_printf (out, " http2MaxRequests %u", p->max_requests);
      if (p->max_requests_per_connection != 0)
        g_string_append_printf (out, " maxRequestsPerConnection %u", p->max_requests_per_connection);
      if (p->max_retries != G_MAXUINT32)
        g_string_append_printf (out, " maxRetries %u", p->max_retries);
      g_string_append (out, "; overflow answers 503 UO\n");
      if (c->hosts->len > 0)
        {
          MsPod *pod = ((MsUpstreamHost *) c->hosts->pdata[0])->pod;
          g_string_append (out, use_mtls (c, pod, cluster_target_port (c))
                                  ? "      a new connection waits for the TCP and mTLS handshakes "
                                    "(2 round trips) and counts against maxConnections meanwhile\n"
                                  : "      a new connection waits for the TCP handshake (1 round "
                                    "trip) and counts against maxConnections meanwhile\n");
        }
    }
  if (c->policy != NULL && c->policy->outlier.set)
    {
      const MsOutlierSettings *o = &c->policy->outlier;
      g_autofree char *interval = ms_duration_format (o->interval);
      g_autofree char *base = ms_duration_format (o->base_ejection);
      g_string_append_printf (out, "    outlier detection: eject after %u consecutive 5xx",
                              o->consecutive_5xx);
      if (o->consecutive_gateway > 0)
        g_string_append_printf (out, " or %u consecutive gateway errors", o->consecutive_gateway);
      g_string_append_printf (out, "; interval %s, base ejection %s, maxEjectionPercent %g%s, "
                                   "minHealthPercent %g (%s)\n", interval, base,
                              o->max_ejection_percent,
                              o->legacy_percent_rule ? " (first ejection always allowed)" : "",
                              o->min_health_percent,
                              o->min_health_percent > 0 ? "panic routing below it"
                                                        : "all ejected: 503 UH");
      guint total = c->hosts->len;
      if (!o->legacy_percent_rule && total > 0 && 100.0 / total > o->max_ejection_percent)
        g_string_append_printf (out, "      note: with %u host%s, ejecting one is %.0f%% > %g%%: "
                                     "no host can ever be ejected\n", total, total == 1 ? "" : "s",
                                100.0 / total, o->max_ejection_percent);
    }
}

void
ms_router_explain (MsProxy *proxy, const MsRequest *request, GString *out)
{
  const MsIstio *istio = ms_mesh_istio (proxy->mesh);
  MsCluster *kube = ms_mesh_cluster (proxy->mesh);
  const MsVirtualService *vs;
  MsService *service = NULL;
  if (proxy->gateway)
    {
      vs = select_gateway_vs (proxy, request);
      if (vs == NULL)
        {
          g_string_append_printf (out, "No Gateway server on port %d with a bound "
                                       "VirtualService accepts host \"%s\": 404 NR\n",
                                  request->port, request->host);
          return;
        }
      g_string_append_printf (out, "Gateway: %s\n", proxy->context);
    }
  else
    {
      service = ms_cluster_resolve (kube, request->host, proxy->pod->namespace_);
      if (service == NULL)
        {
          g_string_append_printf (out, "DNS: \"%s\" does not resolve from namespace %s: the app "
                                       "gets a DNS error (status 0)\n",
                                  request->host, proxy->pod->namespace_);
          return;
        }
      g_string_append_printf (out, "DNS: %s -> Service %s\n", request->host, service->fqdn);
      vs = ms_istio_vs_for_mesh (istio, service, proxy->pod->namespace_);
    }
  const MsHttpRoute *rule = NULL;
  if (vs == NULL)
    {
      g_string_append (out, "VirtualService: none for this host; the Service itself, with "
                            "Istio's defaults\n");
      int port = request->port;
      g_string_append (out, "Route:\n  timeout: none (Istio's default)\n");
      explain_retries (&istio->default_retries, out);
      explain_cluster (proxy, service, port, NULL, request, out);
      return;
    }
  g_string_append_printf (out, "VirtualService: %s/%s (%s:%d)\n", vs->namespace_, vs->name,
                          vs->node->file, vs->node->line);
  rule = select_rule (vs, proxy, request, out);
  if (rule == NULL)
    {
      g_string_append (out, "No rule matches: 404 NR from this proxy\n");
      return;
    }
  g_string_append_printf (out, "Route: http rule at %s:%d\n", rule->node->file, rule->node->line);
  if (rule->has_redirect)
    {
      g_string_append_printf (out, "  redirect %d to %s%s\n", rule->redirect_code,
                              rule->redirect_authority ? rule->redirect_authority : "",
                              rule->redirect_uri ? rule->redirect_uri : "");
      return;
    }
  if (rule->has_direct_response)
    {
      g_string_append_printf (out, "  directResponse %d\n", rule->direct_status);
      return;
    }
  if (rule->abort_status != 0)
    g_string_append_printf (out, "  fault abort: %d for %g%% of requests (FI, never reaches a "
                                 "host, never retried)\n", rule->abort_status, rule->abort_percent);
  if (rule->fixed_delay > 0)
    {
      g_autofree char *d = ms_duration_format (rule->fixed_delay);
      g_string_append_printf (out, "  fault delay: %s for %g%% of requests (DI, before the "
                                   "route timeout starts)\n", d, rule->delay_percent);
    }
  if (rule->timeout > 0)
    {
      g_autofree char *d = ms_duration_format (rule->timeout);
      g_string_append_printf (out, "  timeout: %s for all tries (504 UT)\n", d);
    }
  else
    g_string_append (out, "  timeout: none (Istio's default)\n");
  explain_retries (&rule->retries, out);
  if (rule->rewrite_uri != NULL || rule->rewrite_authority != NULL)
    g_string_append_printf (out, "  rewrite: uri %s, authority %s\n",
                            rule->rewrite_uri ? rule->rewrite_uri : "(kept)",
                            rule->rewrite_authority ? rule->rewrite_authority : "(kept)");
  if (rule->mirror != NULL)
    g_string_append_printf (out, "  mirror: %g%% to %s%s%s (host suffixed -shadow, answer "
                                 "dropped)\n", rule->mirror_percent, rule->mirror->name,
                            rule->mirror_subset ? " subset " : "",
                            rule->mirror_subset ? rule->mirror_subset : "");
  for (guint i = 0; i < rule->route->len; i++)
    {
      const MsRouteDestination *d = rule->route->pdata[i];
      int port = d->port ? d->port : g_array_index (d->service->ports, MsServicePort, 0).port;
      if (rule->route->len == 1)
        g_string_append_printf (out, "  destination %s%s%s: all traffic\n", d->service->name,
                                d->subset ? " subset " : "", d->subset ? d->subset : "");
      else
        g_string_append_printf (out, "  destination %s%s%s: weight %d (%.1f%%)\n",
                                d->service->name, d->subset ? " subset " : "",
                                d->subset ? d->subset : "", d->weight,
                                100.0 * d->weight / rule->total_weight);
      const MsSubset *subset = NULL;
      if (d->subset != NULL)
        {
          const MsDestinationRule *dr = ms_istio_dr_for (istio, d->service);
          subset = dr ? ms_istio_subset (dr, d->subset) : NULL;
          if (subset == NULL)
            {
              g_string_append (out, "    subset not defined by any DestinationRule: 503 NC\n");
              continue;
            }
        }
      explain_cluster (proxy, d->service, port, subset, request, out);
    }
}
