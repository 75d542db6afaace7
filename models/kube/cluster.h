/* models/kube/cluster.h - namespaces, pods, Services and the network.
 *
 * The cluster is what Kubernetes gives a mesh: pods made from Deployments
 * (named <deployment>-<index>), Services whose selectors pick endpoints, DNS
 * names (`reviews`, `reviews.bookinfo`, `reviews.bookinfo.svc.cluster.local`)
 * and a network that adds a per-hop latency.
 *
 * The seam for the mesh: every request an app sends leaves its pod through
 * the pod's outbound hook, and every request arriving at a pod enters
 * through its inbound hook.  Without a mesh, outbound resolves the host,
 * round-robins over the Service's endpoints and sends the request over the
 * network; inbound hands it to the pod (faults, then the app).  A sidecar
 * replaces both hooks and calls back into ms_cluster_connect() and
 * ms_pod_deliver() for the parts it does not change.
 */
#pragma once

#include <glib.h>

#include "models/kube/exchange.h"
#include "models/kube/trace.h"
#include "sim/core/dist.h"
#include "sim/core/sim.h"
#include "sim/io/scenario.h"

G_BEGIN_DECLS

typedef struct _MsService MsService;
typedef struct _MsDeployment MsDeployment;
typedef struct _MsApp MsApp;

/* Status codes are counted in flat arrays indexed by code (0 = no HTTP
 * response); 600 covers every valid code. */
#define MS_STATUS_MAX 600

/* A hook: takes over an exchange (without taking the caller's reference). */
typedef void (*MsPodHook) (MsPod *pod, MsExchange *exchange, gpointer hook_data);

struct _MsPod {
  MsCluster *cluster;
  char *name;
  const char *namespace_;     /* interned */
  MsDeployment *deployment;   /* NULL for the synthetic clients */
  const MsLabels *labels;     /* the deployment's template labels */
  const char *version;        /* labels' "version", or "unknown" */
  int index;                  /* position in the deployment */
  gboolean terminating;       /* scaled away: no new requests */
  MsRandom random;            /* the pod's own stream */

  MsPodHook outbound;
  gpointer outbound_data;
  MsPodHook inbound;
  gpointer inbound_data;

  MsApp *app;                 /* NULL for clients that only send */
  GHashTable *dns;            /* interned host -> MsService * (or the pod
                               * itself for "does not resolve"), a cache */
  const char *principal;      /* cached by models/mesh/security.c */
  GPtrArray *faults;          /* active MsPodFault *, not owned */

  /* Report counters. */
  guint64 requests;
  guint64 ejections;
};

struct _MsDeployment {
  char *name;
  const char *namespace_;
  char *report_name;          /* name, or namespace/name when names repeat */
  MsLabels labels;
  int replicas;
  GPtrArray *pods;            /* MsPod *, owned; index i is <name>-i */
  gboolean sidecar;           /* pods get an Istio sidecar */
  char *service_account;      /* spec.template.spec.serviceAccountName */
  gpointer model;             /* the workload's model (models/apps/model.h) */
};

struct _MsService {
  char *name;
  const char *namespace_;
  char *fqdn;                 /* name.namespace.svc.cluster.local */
  char *report_name;
  MsLabels selector;
  GArray *ports;              /* MsServicePort */
  GPtrArray *endpoints;       /* MsPod *, not owned, ready pods in order */
  guint next_endpoint;        /* round-robin cursor */

  /* Report counters. */
  guint64 requests;
  guint64 *status;            /* [MS_STATUS_MAX] answers by status code */
};

MsCluster *ms_cluster_new (MsSim *sim);
void ms_cluster_free (MsCluster *cluster);

MsSim *ms_cluster_sim (const MsCluster *cluster);

/* Sets the one-way network latency, sampled per hop and direction from the
 * sending pod's stream (default: fixed 100 µs). */
void ms_cluster_set_network_latency (MsCluster *cluster, const MsDist *latency);
/* One hop's latency drawn from random (at least 1 µs): what a request, a
 * response or a handshake packet takes between two pods. */
MsTime ms_cluster_hop_latency (MsCluster *cluster, MsRandom *random);

/* Building (at load time). */
MsDeployment *ms_cluster_add_deployment (MsCluster *cluster, const char *namespace_,
                                         const char *name, const MsLabels *labels,
                                         int replicas);
MsService *ms_cluster_add_service (MsCluster *cluster, const char *namespace_,
                                   const char *name, const MsLabels *selector);
void ms_service_add_port (MsService *service, int port, int target_port, const char *name);
gboolean ms_service_has_port (const MsService *service, int port);

/* A pod outside any Deployment, used as a traffic source: "outside" (no
 * namespace) or the ingress gateway.  (transfer none) */
MsPod *ms_cluster_add_client (MsCluster *cluster, const char *namespace_, const char *name);

/* Recomputes every Service's endpoints from the pods' labels.  Called after
 * building and after every scale. */
void ms_cluster_update_endpoints (MsCluster *cluster);
/* Counts topology changes (endpoint updates), so that caches of endpoints
 * (Envoy clusters) know when to refresh. */
guint ms_cluster_generation (const MsCluster *cluster);

/* Changes the replica count: new pods get the deployment's model through
 * the callback the world registered; pods past the new count stop taking
 * requests and leave the endpoints. */
typedef void (*MsPodSetup) (MsPod *pod, gpointer data);
void ms_cluster_set_pod_setup (MsCluster *cluster, MsPodSetup setup, gpointer data);
void ms_deployment_scale (MsCluster *cluster, MsDeployment *deployment, int replicas);

/* Lookups.  Names are resolved the way a pod in from_namespace resolves them
 * through DNS (NULL namespace: outside the cluster, where short names are
 * tried in "default").  (transfer none) */
MsService *ms_cluster_resolve (const MsCluster *cluster, const char *host,
                               const char *from_namespace);
MsDeployment *ms_cluster_find_deployment (const MsCluster *cluster, const char *name);
MsService *ms_cluster_find_service (const MsCluster *cluster, const char *name);
MsPod *ms_cluster_find_pod (const MsCluster *cluster, const char *name);
const GPtrArray *ms_cluster_deployments (const MsCluster *cluster);
const GPtrArray *ms_cluster_services (const MsCluster *cluster);

/* Resolves a URL written in the scenario (a traffic source's or a call's)
 * the way a pod in namespace resolves it, and checks the Service has the
 * port (80 when none is written; *port gets the one used).  On failure the
 * error points at url_node and suggests the nearest Service name or the
 * port to write.  (transfer none) */
MsService *ms_cluster_check_url (const MsCluster *cluster, const MsUrl *url,
                                 const char *namespace_, const MsNode *url_node, int *port,
                                 GError **error);

/* The tracer (NULL: tracing off).  The pointer is kept, not copied. */
void ms_cluster_set_tracer (MsCluster *cluster, const MsTracer *tracer);
const MsTracer *ms_cluster_tracer (const MsCluster *cluster);

/* ms_cluster_resolve from pod's namespace, cached per pod: host must be
 * interned (request hosts are). */
MsService *ms_pod_resolve (MsPod *pod, const char *host);

/* Sends an exchange out of pod: runs the pod's outbound hook. */
void ms_pod_send (MsPod *pod, MsExchange *exchange);

/* The default outbound behaviour, for hooks that fall back to it: resolve,
 * pick an endpoint round-robin, connect. */
void ms_cluster_outbound_direct (MsPod *pod, MsExchange *exchange, gpointer unused);

/* Opens a connection from pod to target and sends the exchange over it:
 * one network hop there (refused if the target has crashed or is gone),
 * the target's inbound hook, and one hop back with the response. */
void ms_cluster_connect (MsPod *from, MsPod *target, MsService *service,
                         MsExchange *exchange);

/* Hands an arrived request to the pod itself: pod faults, then the app.
 * This is what the default inbound hook does. */
void ms_pod_deliver (MsPod *pod, MsExchange *exchange);
void ms_pod_inbound_direct (MsPod *pod, MsExchange *exchange, gpointer unused);

/* Fault windows.  When a `crash` fault begins on a pod that was running,
 * or the last one ends, the pod's model hears of it through its class's
 * crash and restart hooks (models/apps/model.h). */
void ms_pod_add_fault (MsPod *pod, const MsPodFault *fault);
void ms_pod_remove_fault (MsPod *pod, const MsPodFault *fault);
gboolean ms_pod_crashed (const MsPod *pod);

/* The free lists every request and exchange of this cluster come from. */
MsExchangePool *ms_cluster_pool (const MsCluster *cluster);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsCluster, ms_cluster_free)

G_END_DECLS
