/* models/apps/loadgen.h - traffic generators (SCENARIO.md "traffic").
 *
 * Open loop: Poisson arrivals at `rate` per second from `start` for
 * `duration` (or until `requests` were sent), whatever the responses do, as
 * real users arrive.  Closed loop, like `fortio load -qps 0`: `connections`
 * clients each send the next request as soon as the previous one ended, up
 * to `requests` in all.  `requests` alone is the same with one connection.
 *
 * Each generator sends from one pod (its outbound hook applies: the ingress
 * gateway, a sidecar, or none for "outside") and counts what came back:
 * statuses, Envoy flags and latency from send to response.
 */
#pragma once

#include "models/kube/cluster.h"
#include "sim/io/report.h"
#include "sim/io/scenario.h"

G_BEGIN_DECLS

typedef struct _MsLoadgen MsLoadgen;

/* Called once when the generator will send nothing more and has nothing in
 * flight. */
typedef void (*MsLoadgenIdle) (MsLoadgen *loadgen, gpointer data);

/* Creates (transfer full) a generator for config sending from source.
 * end is the scenario's duration (-1: none), used when the traffic has no
 * duration of its own. */
MsLoadgen *ms_loadgen_new (MsCluster *cluster, const MsTrafficConfig *config, MsPod *source,
                           MsTime end, MsLoadgenIdle idle, gpointer idle_data);
void ms_loadgen_free (MsLoadgen *loadgen);

/* Schedules the first requests. */
void ms_loadgen_start (MsLoadgen *loadgen);

/* Stops sending (requests in flight still complete). */
void ms_loadgen_stop (MsLoadgen *loadgen);

guint64 ms_loadgen_sent (const MsLoadgen *loadgen);
guint64 ms_loadgen_completed (const MsLoadgen *loadgen);
gboolean ms_loadgen_idle (const MsLoadgen *loadgen);

/* Writes traffic.<name>.* into parent. */
void ms_loadgen_report (const MsLoadgen *loadgen, MsReportNode *parent);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsLoadgen, ms_loadgen_free)

G_END_DECLS
