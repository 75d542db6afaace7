/* models/world.h - a scenario brought to life: the cluster, its workloads,
 * traffic, faults and timeline on one simulation.
 *
 * Building checks every cross-reference (a workload naming a Deployment, a
 * call naming a Service, a fault naming a pod) and fails with a positioned
 * MS_SCENARIO_ERROR; a world that was built runs to the end without further
 * input errors.  Running stops at the scenario's duration (then lets the
 * requests in flight finish, up to MS_WORLD_DRAIN of virtual time), or, with
 * no duration, when every traffic source is done.
 */
#pragma once

#include "models/kube/cluster.h"
#include "models/mesh/telemetry.h"
#include "sim/io/report.h"
#include "sim/io/scenario.h"

G_BEGIN_DECLS

#define MS_WORLD_DRAIN MS_SEC (300)
/* A run without duration stops here at the latest. */
#define MS_WORLD_MAX_TIME MS_SEC (24 * 3600)

typedef struct _MsWorld MsWorld;

/* Builds (transfer full) the world.  scenario must outlive it.  duration,
 * if >= 0, replaces the scenario's. */
MsWorld *ms_world_new (const MsScenario *scenario, guint64 seed, MsTime duration,
                       GError **error);
void ms_world_free (MsWorld *world);

MsSim *ms_world_sim (const MsWorld *world);
MsCluster *ms_world_cluster (const MsWorld *world);

/* Warnings found while building (char *, (transfer none)). */
const GPtrArray *ms_world_warnings (const MsWorld *world);

/* Called between slices of the run with the virtual time reached and the
 * end (MS_TIME_NEVER when unknown). */
typedef void (*MsWorldProgress) (MsTime now, MsTime end, gpointer data);

/* Serve mode: starts the traffic generators without running anything;
 * the caller drives the clock (sim/core/source.h). */
void ms_world_start (MsWorld *world);
/* The pod a request `from` ("ingress", "outside", a Deployment or
 * namespace/name) is sent from, or NULL with an error.  (transfer none) */
MsPod *ms_world_source (MsWorld *world, const char *from, GError **error);
/* Serve mode's live changes: apply (or delete) one Istio resource now
 * (JSON or YAML text; a delete is {kind, name, namespace}), or start a
 * fault now (a fault object as in scenarios; `at` is an offset from now).
 * FALSE with an error when the text is not acceptable. */
gboolean ms_world_change (MsWorld *world, const char *text, gsize length, gboolean delete_,
                          GError **error);
gboolean ms_world_inject_fault (MsWorld *world, const char *text, gsize length, GError **error);

/* The first event-store workload's log, for --events-in and --events-out,
 * or NULL when the scenario has none.  (transfer none) */
struct _MsEventLog *ms_world_event_log (const MsWorld *world);

/* Starts the event store from an earlier run's JSON Lines log
 * (--events-in) and lets every model pick up its numbering from it, so
 * that the run goes on from that state.  FALSE with an error when the
 * scenario has no event store or the text is not such a log. */
gboolean ms_world_load_events (MsWorld *world, const char *text, GError **error);

/* Records the current virtual time as the end, for the report. */
void ms_world_mark_end (MsWorld *world);

/* Runs the whole scenario. */
void ms_world_run (MsWorld *world, MsWorldProgress progress, gpointer data);

/* Explains, without running, how a request from `from` ("ingress",
 * "outside" or a Deployment) to url with headers (MsLabels, lower-case
 * names) would be routed.  FALSE with MS_SCENARIO_ERROR when from or url
 * are wrong. */
gboolean ms_world_explain (MsWorld *world, const char *from, const char *method,
                           const char *url, const MsLabels *headers, GString *out,
                           GError **error);

/* Asks for the telemetry files before the run (`--metrics` ...), and
 * writes them after it.  FALSE with an error for a bad path. */
gboolean ms_world_set_outputs (MsWorld *world, const MsTelemetryOutputs *outputs,
                               GError **error);
gboolean ms_world_write_outputs (MsWorld *world, GError **error);
/* The telemetry asked for, or NULL.  (transfer none) */
MsTelemetry *ms_world_telemetry (const MsWorld *world);

/* For the HTML report: adds series.* (from the telemetry) and windows
 * (fault windows per Service, and the ejection windows) to report. */
void ms_world_report_timeline (const MsWorld *world, MsReport *report);

/* Builds (transfer full) the report.  wall_ms < 0 leaves the wall-clock
 * figure at 0 (reproducible output). */
MsReport *ms_world_report (const MsWorld *world, gint64 wall_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsWorld, ms_world_free)

G_END_DECLS
