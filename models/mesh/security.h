/* models/mesh/security.h - mutual TLS and authorization, as Istio applies
 * them (reference section 6).
 *
 * Identities: a pod's principal is cluster.local/ns/<namespace>/sa/<account>.
 * PeerAuthentication decides what a server sidecar accepts (mesh-wide in
 * istio-system, then namespace, then a workload selector, each narrower one
 * overriding; UNSET inherits; PERMISSIVE at the top).  Client sidecars use
 * mutual TLS towards pods with sidecars unless a DestinationRule's
 * tls.mode says otherwise (auto mTLS).  AuthorizationPolicy is enforced by
 * the server sidecar: DENY first, then allow when no ALLOW policy applies,
 * else allow only on a matching ALLOW rule; denied requests get 403
 * "RBAC: access denied".  Principals and namespaces are only known over
 * mutual TLS.
 */
#pragma once

#include "models/kube/cluster.h"
#include "sim/io/scenario.h"

G_BEGIN_DECLS

typedef enum {
  MS_MTLS_UNSET,
  MS_MTLS_DISABLE,
  MS_MTLS_PERMISSIVE,
  MS_MTLS_STRICT,
} MsMtlsMode;

typedef struct _MsSecurity MsSecurity;

/* Reads every PeerAuthentication and AuthorizationPolicy (transfer full),
 * or NULL with an error.  Warnings (a selector that selects no pod, a
 * principal of the wrong shape) go to warnings. */
MsSecurity *ms_security_new (const GPtrArray *resources, MsCluster *cluster,
                             GPtrArray *warnings, GError **error);
void ms_security_free (MsSecurity *security);

/* cluster.local/ns/<ns>/sa/<account> for a pod of a Deployment, or NULL
 * for clients outside any Deployment.  Interned. */
const char *ms_security_principal (const MsPod *pod);

/* The mode a server pod enforces on port. */
MsMtlsMode ms_security_mode (const MsSecurity *security, const MsPod *pod, int port);
const char *ms_mtls_mode_name (MsMtlsMode mode);

/* Authorization at the server: TRUE to allow.  principal is the peer's
 * (NULL over plaintext).  When explain is given, one line per policy with
 * its verdict is appended. */
gboolean ms_security_authorize (const MsSecurity *security, const MsPod *pod,
                                const MsRequest *request, const char *principal,
                                GString *explain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsSecurity, ms_security_free)

G_END_DECLS
