/* models/mesh/mesh.h - the Istio data plane: sidecars and the ingress
 * gateway, plugged into the pods' outbound and inbound hooks.
 *
 * A client proxy (a sidecar, or the gateway) routes each request the way
 * Envoy does with the configuration istiod would send it: the
 * VirtualService rule that matches first, a destination drawn by weight,
 * client-side fault injection, the route timeout, retries with Envoy's
 * jittered backoff and previous-hosts predicate, and a load balancer per
 * Envoy cluster (service, port, subset), whose state lives in that client
 * proxy only.  Server sidecars pass requests to their pod.
 *
 * Without any Istio resource, sidecars still apply Istio's defaults: the
 * default retry policy of the chosen release and LEAST_REQUEST balancing.
 */
#pragma once

#include "models/kube/cluster.h"
#include "models/mesh/istio.h"
#include "models/mesh/telemetry.h"
#include "sim/io/report.h"

G_BEGIN_DECLS

typedef struct _MsMesh MsMesh;

/* Reads the Istio resources (transfer full), or NULL with an error. */
MsMesh *ms_mesh_new (const MsScenario *scenario, MsCluster *cluster, GError **error);
void ms_mesh_free (MsMesh *mesh);

const MsIstio *ms_mesh_istio (const MsMesh *mesh);

/* Replaces the Istio configuration during a run (timeline apply/delete,
 * serve's /_meshsim/apply): routes and policies from now on follow
 * resources; requests in flight finish under the old ones. */
gboolean ms_mesh_reconfigure (MsMesh *mesh, const GPtrArray *resources, const char *release,
                              GError **error);

/* Puts a sidecar in front of pod (both hooks). */
void ms_mesh_add_sidecar (MsMesh *mesh, MsPod *pod);

/* TRUE when some Gateway selects the ingress gateway
 * (istio: ingressgateway); then ms_mesh_add_gateway makes pod behave as
 * istio-ingressgateway. */
gboolean ms_mesh_has_ingress_gateway (const MsMesh *mesh);
void ms_mesh_add_gateway (MsMesh *mesh, MsPod *pod);

/* Explains how pod's proxy routes request (`meshsim explain`); FALSE when
 * pod has no proxy. */
gboolean ms_mesh_explain (const MsMesh *mesh, MsPod *pod, const MsRequest *request,
                          GString *out);

/* For a client without a sidecar: how the server pod's sidecar treats
 * its plaintext request (PeerAuthentication, then AuthorizationPolicy). */
void ms_mesh_explain_server (const MsMesh *mesh, MsPod *server, const MsRequest *request,
                             GString *out);

/* Telemetry (transfer none; NULL: none).  Set before the run. */
void ms_mesh_set_telemetry (MsMesh *mesh, MsTelemetry *telemetry);

/* Writes edges.<source>.<service>.{requests, versions, status, flags},
 * counted by the client proxies. */
void ms_mesh_report (const MsMesh *mesh, MsReportNode *root);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsMesh, ms_mesh_free)

G_END_DECLS
