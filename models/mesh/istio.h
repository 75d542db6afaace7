/* models/mesh/istio.h - Istio's traffic resources, read and checked.
 *
 * Gateway, VirtualService and DestinationRule as the mesh models use them:
 * hosts resolved to FQDNs in the resource's own namespace, string matches
 * compiled, weights checked, policies defaulted the way Istio's control
 * plane defaults them for the chosen release.  The semantics are those of
 * ../shared/reference/istio-envoy-semantics.md (sections 1, 2 and 5); each
 * field below names the Istio field it comes from.
 *
 * Mistakes Istio itself would reject are errors; things Istio accepts but
 * that do not do what their author meant (the lab's `retryPolicy` under a
 * DestinationRule, the deprecated `percent`) are warnings, each with its
 * place and the fix.
 */
#pragma once

#include <glib.h>

#include "models/kube/cluster.h"
#include "models/mesh/outlier.h"
#include "models/mesh/pool.h"
#include "sim/io/scenario.h"

G_BEGIN_DECLS

/* StringMatch: exact, prefix or regex (RE2 full match; GRegex anchored). */
typedef enum {
  MS_MATCH_ANY,      /* {} in headers: presence only */
  MS_MATCH_EXACT,
  MS_MATCH_PREFIX,
  MS_MATCH_REGEX,
} MsMatchKind;

typedef struct {
  MsMatchKind kind;
  char *value;
  GRegex *regex;
} MsStringMatch;

typedef struct {
  char *name;               /* lower case */
  MsStringMatch match;
} MsHeaderMatch;

/* HTTPMatchRequest: all conditions ANDed. */
typedef struct {
  MsStringMatch *uri, *scheme, *method, *authority;
  gboolean ignore_uri_case;
  GArray *headers;          /* MsHeaderMatch */
  GArray *without_headers;  /* MsHeaderMatch */
  GArray *query_params;     /* MsHeaderMatch, name = parameter */
  int port;                 /* 0: any */
  MsLabels source_labels;   /* n == 0: any */
  char **gateways;          /* NULL: the VirtualService's */
  const MsNode *node;
} MsHttpMatch;

typedef struct {
  MsLabels set, add;
  char **remove;
} MsHeaderOps;

/* HTTPRouteDestination. */
typedef struct {
  MsService *service;       /* destination.host resolved */
  char *host;               /* as written */
  char *subset;             /* NULL: the whole service */
  int port;                 /* 0: the service's only port / the request's */
  int weight;
  MsHeaderOps headers_request;
  const MsNode *node;
} MsRouteDestination;

/* HTTPRetry, after Istio's defaulting (retry.go ConvertPolicy). */
typedef struct {
  int attempts;             /* retries, not tries: 1 + attempts in all */
  MsTime per_try_timeout;   /* 0: none */
  guint32 retry_on;         /* MS_RETRY_ON_* */
  GArray *status_codes;     /* int: retriable-status-codes */
  gboolean previous_hosts;
} MsRetryPolicy;

typedef enum {
  MS_RETRY_ON_5XX = 1 << 0,
  MS_RETRY_ON_GATEWAY_ERROR = 1 << 1,
  MS_RETRY_ON_RESET = 1 << 2,
  MS_RETRY_ON_CONNECT_FAILURE = 1 << 3,
  MS_RETRY_ON_RETRIABLE_4XX = 1 << 4,
  MS_RETRY_ON_REFUSED_STREAM = 1 << 5,
  MS_RETRY_ON_RETRIABLE_STATUS_CODES = 1 << 6,
  MS_RETRY_ON_ENVOY_RATELIMITED = 1 << 7,
  /* gRPC conditions: accepted, never true for plain HTTP. */
  MS_RETRY_ON_GRPC = 1 << 8,
} MsRetryOn;

/* HTTPRoute: one rule of a VirtualService's http[]. */
typedef struct {
  char *name;
  GPtrArray *matches;       /* MsHttpMatch *, empty: everything */
  GPtrArray *route;         /* MsRouteDestination * */
  int total_weight;
  /* redirect / directResponse instead of route */
  gboolean has_redirect;
  int redirect_code;
  char *redirect_uri, *redirect_authority;
  gboolean has_direct_response;
  int direct_status;
  MsBody *direct_body;
  /* rewrite */
  char *rewrite_uri, *rewrite_authority;
  MsTime timeout;           /* 0: none (Istio's default) */
  MsRetryPolicy retries;
  /* fault (client side) */
  double delay_percent;     /* 0..100 */
  MsTime fixed_delay;
  double abort_percent;
  int abort_status;
  /* mirror */
  MsService *mirror;
  char *mirror_subset;
  int mirror_port;
  double mirror_percent;    /* default 100 when mirror is set */
  MsHeaderOps headers_request;
  const MsNode *node;
} MsHttpRoute;

typedef struct {
  char *name;
  const char *namespace_;
  char **hosts;             /* as written */
  char **hosts_fqdn;        /* short names resolved in namespace_ */
  char **gateways;          /* "ns/name" or "mesh"; default {"mesh"} */
  GPtrArray *http;          /* MsHttpRoute * */
  const MsNode *node;
} MsVirtualService;

typedef enum {
  MS_LB_LEAST_REQUEST,      /* Istio's default */
  MS_LB_ROUND_ROBIN,
  MS_LB_RANDOM,
  MS_LB_PASSTHROUGH,
  MS_LB_CONSISTENT_HASH,
} MsLbKind;

typedef enum {
  MS_HASH_HEADER,
  MS_HASH_COOKIE,
  MS_HASH_QUERY,
  MS_HASH_SOURCE_IP,
} MsHashKind;

/* ClientTLSSettings.mode; AUTO when unset (Istio's auto mTLS). */
typedef enum {
  MS_TLS_AUTO,
  MS_TLS_DISABLE,
  MS_TLS_SIMPLE,
  MS_TLS_MUTUAL,
  MS_TLS_ISTIO_MUTUAL,
} MsTlsMode;

/* TrafficPolicy. */
typedef struct {
  gboolean set;
  MsLbKind lb;
  MsHashKind hash;
  char *hash_key;
  MsPoolSettings pool;          /* connectionPool (pool.h) */
  MsOutlierSettings outlier;    /* outlierDetection (outlier.h) */
  MsTlsMode tls;                /* tls.mode */
  const MsNode *connection_pool;
  const MsNode *outlier_detection;
  const MsNode *node;
} MsTrafficPolicy;

typedef struct {
  char *name;
  MsLabels labels;
  MsTrafficPolicy policy;   /* merged over the rule's, field by field */
} MsSubset;

typedef struct {
  char *name;
  const char *namespace_;
  MsService *service;
  MsTrafficPolicy policy;
  GPtrArray *subsets;       /* MsSubset * */
  const MsNode *node;
} MsDestinationRule;

typedef struct {
  int port;
  char *protocol;
  char **hosts;             /* possibly "ns/host" */
} MsGatewayServer;

typedef struct {
  char *name;
  const char *namespace_;
  MsLabels selector;
  GArray *servers;          /* MsGatewayServer */
  const MsNode *node;
} MsGateway;

/* Everything the mesh knows, for one run. */
typedef struct {
  char *istio;              /* release, e.g. "1.24" */
  GPtrArray *gateways;      /* MsGateway * */
  GPtrArray *virtual_services;
  GPtrArray *destination_rules;
  GPtrArray *warnings;      /* char *, "file:line:col: path: message" */
  MsRetryPolicy default_retries;   /* for routes without a VirtualService */
} MsIstio;

/* Reads every Istio resource of the scenario against the built cluster
 * (hosts must name Services).  Returns (transfer full) or NULL with an
 * MS_SCENARIO_ERROR. */
MsIstio *ms_istio_new (const MsScenario *scenario, MsCluster *cluster, GError **error);
/* The same from a list of MsIstioConfig (what the timeline has applied so
 * far) and a release. */
MsIstio *ms_istio_new_from (const GPtrArray *resources, const char *release, MsCluster *cluster,
                            GError **error);
void ms_istio_free (MsIstio *istio);

/* Istio's default retry policy for the release: 2 retries on
 * connect-failure and refused-stream (and upstream 503 before 1.24). */
void ms_istio_default_retries (const char *release, MsRetryPolicy *out);

/* TRUE when s matches value (case-insensitive for exact/prefix when
 * ignore_case). */
gboolean ms_string_match (const MsStringMatch *m, const char *value, gboolean ignore_case);

/* The VirtualService for a Service's FQDN as seen by a sidecar
 * (gateways include "mesh"), or NULL.  The first in scenario order wins. */
const MsVirtualService *ms_istio_vs_for_mesh (const MsIstio *istio, const MsService *service,
                                              const char *client_namespace);

/* The DestinationRule for a Service, or NULL. */
const MsDestinationRule *ms_istio_dr_for (const MsIstio *istio, const MsService *service);
/* A subset of a rule by name, or NULL. */
const MsSubset *ms_istio_subset (const MsDestinationRule *rule, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsIstio, ms_istio_free)

G_END_DECLS
