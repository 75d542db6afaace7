/* models/apps/nginx.h - the nginx stub the lab's manifests deploy.
 *
 * A Deployment with no workload entry whose pods mount a ConfigMap holding
 * an nginx `server { location ... { return CODE 'BODY'; } }` block is
 * served by this model (SCENARIO.md), so the sheet's manifests run
 * unchanged and answer exactly what the cluster's stubs answer.
 */
#pragma once

#include "models/apps/model.h"

G_BEGIN_DECLS

extern const MsModelClass ms_nginx_model_class;

/* Builds the model from an nginx configuration text; where is the node
 * errors and warnings point at (the ConfigMap).  warnings may be NULL. */
MsModel *ms_nginx_model_new (const char *config, const MsNode *where, GPtrArray *warnings,
                             GError **error);

/* TRUE when text looks like an nginx server block with locations. */
gboolean ms_nginx_config_looks_like_server (const char *text);

G_END_DECLS
