/* models/apps/http.h - the generic HTTP service (model "http").
 *
 * The model SCENARIO.md describes under "workloads": a pod serves at most
 * `concurrency` requests at once, queues up to `queue` more in FIFO order
 * and answers 503 beyond that.  Each request picks the first route whose
 * `match` fits, spends a sampled service time (plus any `delays` drawn),
 * may fail with one of its `errors`, makes its `calls` through the pod's
 * own outbound hook (sequentially, or all at once with "parallel": true),
 * and answers `response` with each call's body, or fallback, under the
 * call's name.
 *
 * The application's own client behaviour is modelled as well, because
 * Bookinfo depends on it: each call has its own `timeout` and `attempts`
 * (retried at once, no backoff, like productpage's loop), forwards the
 * headers listed in `forwardHeaders`, and on failure either continues
 * (`onError: continue`, the fallback stands in) or fails the whole request
 * with `failStatus` (default 502).  A call fails when no HTTP response came
 * back, or the status is not 2xx/3xx.
 */
#pragma once

#include "models/apps/model.h"

G_BEGIN_DECLS

extern const MsModelClass ms_http_model_class;

/* Fails with MS_SCENARIO_ERROR_CYCLE if some route's calls can come back to
 * the same route (following first-match routing of each call's path and
 * method).  Run after every model is bound. */
gboolean ms_http_check_cycles (MsCluster *cluster, GError **error);

G_END_DECLS
